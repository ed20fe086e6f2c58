//! A bounded set of recently seen `eventID`s.
//!
//! CloudTrail may deliver the same event twice ("duplicate events will have the same eventID").
//! Duplicates arrive close together, so remembering the last `capacity` ids (first in, first out)
//! catches them with bounded memory, however long the detector runs.
//!
//! Ids are remembered as 128-bit keyed hashes ([`IdHasher`]): 16 bytes each instead of a 36-byte
//! string and its allocation, and computable on the worker threads that decode the records. The
//! keys are random per process, so nobody can craft two ids that collide; by chance, two distinct
//! ids among 200,000 collide with probability below 10^-28.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// Hashes event ids to the keys [`Dedup`] remembers.
#[derive(Clone, Debug, Default)]
pub struct IdHasher {
    high: RandomState,
    low: RandomState,
}

impl IdHasher {
    pub fn new() -> IdHasher {
        IdHasher::default()
    }

    /// The 128-bit key of `id`.
    pub fn key(&self, id: &str) -> u128 {
        (u128::from(self.high.hash_one(id)) << 64) | u128::from(self.low.hash_one(id))
    }
}

/// Remembers at most `capacity` ids; the oldest is forgotten first.
#[derive(Debug)]
pub struct Dedup {
    hasher: IdHasher,
    seen: HashSet<u128, BuildHasherDefault<KeyHasher>>,
    order: VecDeque<u128>,
    capacity: usize,
}

/// The default capacity: a few hours of a busy account's events, a few MB.
pub const DEFAULT_CAPACITY: usize = 200_000;

impl Dedup {
    pub fn new(capacity: usize) -> Dedup {
        let capacity = capacity.max(1);
        // Sized once (a few MB at the default): growing by rehashing cost more than the probes.
        let sized = capacity.min(DEFAULT_CAPACITY);
        Dedup {
            hasher: IdHasher::new(),
            seen: HashSet::with_capacity_and_hasher(sized + 1, BuildHasherDefault::default()),
            order: VecDeque::with_capacity(sized),
            capacity,
        }
    }

    /// The hasher whose keys [`Dedup::insert_key`] expects.
    pub fn hasher(&self) -> &IdHasher {
        &self.hasher
    }

    /// Records `id`; true if it was new (not among the remembered ids).
    pub fn insert(&mut self, id: &str) -> bool {
        let key = self.hasher.key(id);
        self.insert_key(key)
    }

    /// Records an id by its key from [`Dedup::hasher`]; true if it was new.
    pub fn insert_key(&mut self, key: u128) -> bool {
        // One probe for the common case, a new id (the oldest, forgotten next, is another key).
        if !self.seen.insert(key) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.order.push_back(key);
        true
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// The keys are keyed hashes already: the table uses 64 of their bits as they are.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is used; this keeps any other input well-defined.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, key: u128) {
        self.0 = key as u64;
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

    #[test]
    fn keys_from_the_hasher_are_the_ids() {
        let mut d = Dedup::new(10);
        let k = d.hasher().key("9fd6a3c1-0000");
        assert_ne!(k, d.hasher().key("9fd6a3c1-0001"));
        assert!(d.insert_key(k));
        assert!(!d.insert("9fd6a3c1-0000"), "the same id by name");
        // Another process (another hasher) gives other keys: keys are not portable.
        assert_ne!(IdHasher::new().key("9fd6a3c1-0000"), k);
    }
}
