//! The result of following one chain (one trail, one metric, one alarm, one topic), and how several
//! chains are combined: PASS if any passes; otherwise ERROR if any chain could not be seen (an unseen
//! chain might be the compliant one); otherwise the most complete chain's FAIL.

use crate::finding::{Details, Link, Resources, Status};

/// One chain's verdict.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub status: Status,
    /// How many links held before the reported one (trail = 0 … topic = 4; a PASS is 5).
    pub depth: u8,
    pub link: Option<Link>,
    pub reason: String,
    pub region: Option<String>,
    pub resources: Resources,
    pub details: Details,
}

impl Outcome {
    pub fn fail(depth: u8, link: Link, reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::Fail, depth, Some(link), reason.into())
    }

    pub fn error(depth: u8, link: Link, reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::Error, depth, Some(link), reason.into())
    }

    pub fn pass(reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::Pass, 5, None, reason.into())
    }

    fn new(status: Status, depth: u8, link: Option<Link>, reason: String) -> Outcome {
        Outcome {
            status,
            depth,
            link,
            reason,
            region: None,
            resources: Resources::default(),
            details: Details::default(),
        }
    }

    /// Fills resources and region the deeper stage did not set.
    pub fn under(mut self, upper: &Resources, region: Option<&str>) -> Outcome {
        let r = &mut self.resources;
        if r.trail.is_none() {
            r.trail = upper.trail.clone();
        }
        if r.log_group.is_none() {
            r.log_group = upper.log_group.clone();
        }
        if r.filters.is_empty() {
            r.filters = upper.filters.clone();
        }
        if r.metric.is_none() {
            r.metric = upper.metric.clone();
        }
        if r.alarms.is_empty() {
            r.alarms = upper.alarms.clone();
        }
        if self.region.is_none() {
            self.region = region.map(str::to_string);
        }
        self
    }

    /// Applies links upstream that could not be seen: a PASS below them becomes ERROR (we cannot vouch
    /// for the whole chain); a FAIL stays FAIL (it is broken whatever the unseen link holds).
    pub fn with_unseen(mut self, unseen: &[(Link, String)]) -> Outcome {
        let Some((link, first)) = unseen.first() else {
            return self;
        };
        match self.status {
            Status::Pass => {
                self.status = Status::Error;
                self.link = Some(*link);
                self.reason = format!("{first}; every other link of the chain is in place");
                self.details
                    .notes
                    .extend(unseen.iter().skip(1).map(|(_, s)| s.clone()));
            }
            Status::Fail | Status::Error => {
                self.details.notes.extend(
                    unseen
                        .iter()
                        .map(|(_, s)| format!("also not observable: {s}")),
                );
            }
        }
        self
    }
}

/// The best of several alternative chains (see the module docs); `None` for no chains.
pub(crate) fn best(outcomes: Vec<Outcome>) -> Option<Outcome> {
    let rank = |o: &Outcome| {
        let s = match o.status {
            Status::Pass => 2,
            Status::Error => 1,
            Status::Fail => 0,
        };
        (s, o.depth)
    };
    let mut chosen: Option<Outcome> = None;
    let mut others: Vec<String> = Vec::new();
    for o in outcomes {
        match &chosen {
            Some(c) if rank(&o) <= rank(c) => others.push(o.reason.clone()),
            _ => {
                if let Some(c) = chosen.take() {
                    others.push(c.reason.clone());
                }
                chosen = Some(o);
            }
        }
    }
    chosen.map(|mut c| {
        if c.status != Status::Pass {
            for r in others {
                let note = format!("another chain: {r}");
                if !c.details.notes.contains(&note) {
                    c.details.notes.push(note);
                }
            }
        }
        c
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_beats_everything_error_beats_fail_then_depth() {
        let o = best(vec![
            Outcome::fail(4, Link::Topic, "pending"),
            Outcome::error(1, Link::LogGroup, "unseen"),
        ])
        .unwrap();
        assert_eq!(o.status, Status::Error);
        assert!(o.details.notes.iter().any(|n| n.contains("pending")));
        let o = best(vec![
            Outcome::fail(1, Link::LogGroup, "a"),
            Outcome::fail(3, Link::Alarm, "b"),
        ])
        .unwrap();
        assert_eq!(o.reason, "b");
        let o = best(vec![
            Outcome::fail(1, Link::LogGroup, "a"),
            Outcome::pass("ok"),
        ])
        .unwrap();
        assert_eq!(o.status, Status::Pass);
        assert!(best(vec![]).is_none());
    }

    #[test]
    fn unseen_upstream_turns_pass_into_error_but_not_fail_into_pass() {
        let unseen = vec![(Link::Trail, "cannot see trail status".to_string())];
        let o = Outcome::pass("fine").with_unseen(&unseen);
        assert_eq!(o.status, Status::Error);
        assert_eq!(o.link, Some(Link::Trail));
        let o = Outcome::fail(4, Link::Topic, "pending").with_unseen(&unseen);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.link, Some(Link::Topic));
    }
}
