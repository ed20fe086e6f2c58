//! A bounded set of recently seen `eventID`s.
//!
//! CloudTrail may deliver the same event twice ("duplicate events will have the same eventID").
//! Duplicates arrive close together, so remembering the last `capacity` ids (first in, first out)
//! catches them with bounded memory, however long the detector runs.

use std::collections::{HashSet, VecDeque};

/// Remembers at most `capacity` ids; the oldest is forgotten first.
#[derive(Debug)]
pub struct Dedup {
    seen: HashSet<String>,
    order: VecDeque<String>,
    capacity: usize,
}

/// The default capacity: a few hours of a busy account's events, tens of MB at most.
pub const DEFAULT_CAPACITY: usize = 200_000;

impl Dedup {
    pub fn new(capacity: usize) -> Dedup {
        Dedup {
            seen: HashSet::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Records `id`; true if it was new (not among the remembered ids).
    pub fn insert(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.seen.insert(id.to_string());
        self.order.push_back(id.to_string());
        true
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_fifo() {
        let mut d = Dedup::new(2);
        assert!(d.insert("a"));
        assert!(!d.insert("a"));
        assert!(d.insert("b"));
        assert!(d.insert("c")); // forgets "a"
        assert_eq!(d.len(), 2);
        assert!(d.insert("a"));
        assert!(!d.insert("c"));
    }
}
