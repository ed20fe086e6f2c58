//! Backtracking over one region per selector, parents first, with three-valued evaluation of the
//! patterns after every choice so that a branch dies as soon as its goal is out of reach.
//!
//! A complete assignment is turned into a JSON event (witness values placed at their paths) and
//! handed to the caller, who verifies it with the real evaluator and says whether to stop.

use serde_json::{Map, Value};

use super::atoms::{Formula, Universe};
use super::regions::{set_path, SelRegions, Shape};
use crate::ast::Step;

/// What the search looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Goal {
    /// `required` true and every actual false: a gap in the coverage.
    Gap,
    /// `required` false and some actual true: the actuals are broader.
    Broader,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The callback accepted an event.
    Found,
    /// Every assignment was tried.
    Exhausted,
    /// The node budget ran out first.
    Budget,
}

pub(crate) struct Search<'a> {
    pub uni: &'a Universe,
    pub regions: &'a [SelRegions],
    pub required: &'a Formula,
    pub actuals: &'a [Formula],
    pub goal: Goal,
    pub budget: usize,
}

struct State {
    truth: Vec<Option<bool>>,
    choice: Vec<usize>,
    nodes: usize,
}

impl Search<'_> {
    /// Runs the search; `accept` gets each complete candidate event and returns true to stop.
    pub(crate) fn run(&self, accept: &mut dyn FnMut(Value) -> bool) -> Outcome {
        let mut st = State {
            truth: vec![None; self.uni.atoms.len()],
            choice: vec![usize::MAX; self.uni.sels.len()],
            nodes: 0,
        };
        if self.dead(&st.truth) {
            return Outcome::Exhausted;
        }
        self.descend(0, &mut st, accept)
    }

    /// Can the goal no longer be reached under the current partial truth assignment?
    fn dead(&self, truth: &[Option<bool>]) -> bool {
        let req = self.required.eval(truth);
        match self.goal {
            Goal::Gap => {
                req == Some(false) || self.actuals.iter().any(|a| a.eval(truth) == Some(true))
            }
            Goal::Broader => {
                req == Some(true) || self.actuals.iter().all(|a| a.eval(truth) == Some(false))
            }
        }
    }

    fn descend(&self, s: usize, st: &mut State, accept: &mut dyn FnMut(Value) -> bool) -> Outcome {
        if s == self.uni.sels.len() {
            return if accept(self.event(&st.choice)) {
                Outcome::Found
            } else {
                Outcome::Exhausted
            };
        }
        let sel = &self.uni.sels[s];
        let mut outcome = Outcome::Exhausted;
        for (r, region) in self.regions[s].regions.iter().enumerate() {
            st.nodes += 1;
            if st.nodes > self.budget {
                return Outcome::Budget;
            }
            if !self.consistent(s, region.kind.shape(), &st.choice) {
                continue;
            }
            st.choice[s] = r;
            for (k, &a) in sel.atoms.iter().enumerate() {
                st.truth[a] = Some(region.truth[k]);
            }
            if !self.dead(&st.truth) {
                match self.descend(s + 1, st, accept) {
                    Outcome::Exhausted => {}
                    Outcome::Found => return Outcome::Found,
                    Outcome::Budget => {
                        outcome = Outcome::Budget;
                        break;
                    }
                }
            }
        }
        for &a in &sel.atoms {
            st.truth[a] = None;
        }
        st.choice[s] = usize::MAX;
        outcome
    }

    fn shape_of(&self, s: usize, choice: &[usize]) -> Option<Shape> {
        let r = *choice.get(s)?;
        Some(self.regions[s].regions.get(r)?.kind.shape())
    }

    /// Structural consistency of giving selector `s` a value of `shape`, given its (already
    /// chosen) parent and index siblings.
    fn consistent(&self, s: usize, shape: Shape, choice: &[usize]) -> bool {
        let sel = &self.uni.sels[s];
        let present = shape != Shape::Absent;
        let last = sel.steps.last();
        if present {
            let need = match last {
                Some(Step::Index(_)) => Shape::Array,
                _ => Shape::Object,
            };
            let parent_shape = match sel.parent {
                Some(p) => self.shape_of(p, choice),
                None => Some(Shape::Object), // the event itself is an object
            };
            if parent_shape != Some(need) {
                return false;
            }
        }
        // Arrays have no holes: element i present ⇒ every element j < i present.
        if let Some(Step::Index(i)) = last {
            for (t, other) in self.uni.sels.iter().enumerate() {
                if t == s || other.parent != sel.parent || choice[t] == usize::MAX {
                    continue;
                }
                let Some(Step::Index(j)) = other.steps.last() else {
                    continue;
                };
                let other_present = self.shape_of(t, choice) != Some(Shape::Absent);
                if (present && j < i && !other_present) || (!present && j > i && other_present) {
                    return false;
                }
            }
        }
        true
    }

    /// The event of a complete assignment.
    fn event(&self, choice: &[usize]) -> Value {
        let mut root = Value::Object(Map::new());
        for (s, sel) in self.uni.sels.iter().enumerate() {
            let kind = &self.regions[s].regions[choice[s]].kind;
            if let Some(v) = kind.value() {
                set_path(&mut root, &sel.steps, v);
            }
        }
        root
    }
}
