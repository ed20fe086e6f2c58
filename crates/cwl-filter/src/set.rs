//! Many patterns, one pass: [`PatternSet`] evaluates a whole rule set (the CIS controls plus custom
//! rules) on one message with a single scan.
//!
//! 1. The [`crate::prefilter`] rules out a message in whose raw bytes no pattern's anchor literals
//!    occur: it is not even parsed. Any other message goes on, every pattern a candidate.
//! 2. Every selector of every JSON pattern goes into a trie. One validating scan of the message
//!    walks the trie and records, per selector, the values it resolves to (as byte offsets).
//! 3. Each candidate pattern is evaluated by its [`CompiledPattern`] (which answers as
//!    [`crate::eval::eval_expr`] does, resolving each shared selector once) over an [`Event`] that
//!    answers from the recorded values.
//!
//! Whenever the scan meets something outside its simple subset (see [`crate::raw`]), or a duplicate
//! key in an object the trie looks into, or an escaped key there, the message is parsed by
//! `serde_json` and evaluated on the `Value`: the answer is always the reference answer, the fast
//! path just gives it sooner. Term, space-delimited and match-all patterns may be in the set too;
//! they are evaluated by [`Pattern::matches_message`].
//!
//! ```
//! use cwl_filter::{set::PatternSet, Pattern};
//!
//! let set = PatternSet::new(vec![
//!     Pattern::parse(r#"{ $.eventName = "ConsoleLogin" && $.errorMessage = "Failed authentication" }"#)?,
//!     Pattern::parse(r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }"#)?,
//! ]);
//! let msg = r#"{"eventName":"ConsoleLogin","userIdentity":{"type":"Root"},"errorMessage":"Failed authentication"}"#;
//! assert_eq!(set.matches(msg), vec![0, 1]);
//! # Ok::<(), cwl_filter::Error>(())
//! ```

use crate::ast::{Expr, Pattern, Selector, Step};
use crate::compile::CompiledPattern;
use std::cell::Cell;

use crate::event::{field_value, Event, FieldValue};
use crate::prefilter::{requirement, Prefilter};
use crate::raw::scan::{RawVal, Scan, Scanner, Surprise};
use crate::raw::{parse_fallback, resolve};

/// An object with more members than this under a `.*` selector goes to `serde_json` (the
/// duplicate-key check is quadratic).
const MAX_ANY_KEY_MEMBERS: usize = 256;

/// A compiled set of patterns. Not `Clone`: selectors are identified by their address inside
/// the set's own compiled patterns, which never move once built.
#[derive(Debug)]
pub struct PatternSet {
    patterns: Vec<Pattern>,
    /// `patterns[i]` compiled; its selectors are the ones registered in `by_addr`.
    compiled: Vec<CompiledPattern>,
    trie: Vec<Node>,
    /// Selector slots: the steps of each distinct selector.
    slots: Vec<Vec<Step>>,
    /// Open-addressing table of `(address of a Selector in patterns, slot)`; address 0 = empty.
    /// The evaluator asks for a selector once per comparison, so this lookup is on the hot path.
    by_addr: Vec<(usize, u32)>,
    /// Per slot: the selector has no wildcard (so it resolves to at most one value).
    plain: Vec<bool>,
    prefilter: Prefilter,
}

/// Reusable per-thread buffers for [`PatternSet::matches_into`].
#[derive(Debug, Default)]
pub struct Scratch {
    vals: Vec<Vec<RawVal>>,
    stack: Vec<u32>,
    seen: Vec<(u32, u32)>,
    candidates: Vec<bool>,
}

#[derive(Debug, Default)]
struct Node {
    /// Slots whose selector ends here.
    ends: Vec<u32>,
    keys: Vec<(Box<[u8]>, u32)>,
    indexes: Vec<(usize, u32)>,
    any_index: Option<u32>,
    any_key: Option<u32>,
}

impl PatternSet {
    /// Compiles `patterns`; match results are indices into this list.
    pub fn new(patterns: Vec<Pattern>) -> PatternSet {
        let reqs: Vec<_> = patterns
            .iter()
            .map(|p| match p {
                Pattern::Json(e) => requirement(e),
                _ => Vec::new(),
            })
            .collect();
        let mut set = PatternSet {
            prefilter: Prefilter::new(&reqs),
            trie: vec![Node::default()],
            slots: Vec::new(),
            by_addr: Vec::new(),
            plain: Vec::new(),
            patterns: Vec::new(),
            compiled: Vec::new(),
        };
        // Addresses are taken after the patterns have moved into their final place.
        set.compiled = patterns.iter().map(CompiledPattern::new).collect();
        set.patterns = patterns;
        let mut sels = Vec::new();
        for c in &set.compiled {
            c.selectors(&mut sels);
        }
        let mut addrs = Vec::with_capacity(sels.len());
        for sel in sels {
            let slot = match set.slots.iter().position(|s| *s == sel.steps) {
                Some(i) => i as u32,
                None => {
                    set.slots.push(sel.steps.clone());
                    let slot = (set.slots.len() - 1) as u32;
                    let node = insert(&mut set.trie, &sel.steps);
                    set.trie[node as usize].ends.push(slot);
                    slot
                }
            };
            addrs.push((sel as *const Selector as usize, slot));
        }
        let size = (addrs.len() * 2).next_power_of_two().max(2);
        set.by_addr = vec![(0, 0); size];
        for (addr, slot) in addrs {
            let mut i = addr_hash(addr, size);
            while set.by_addr[i].0 != 0 {
                i = (i + 1) & (size - 1);
            }
            set.by_addr[i] = (addr, slot);
        }
        set.plain = set
            .slots
            .iter()
            .map(|s| {
                !s.iter()
                    .any(|st| matches!(st, Step::AnyIndex | Step::AnyKey))
            })
            .collect();
        set
    }

    /// Parses and compiles pattern texts; the error names the index of the first bad one.
    pub fn parse<S: AsRef<str>>(texts: &[S]) -> Result<PatternSet, (usize, crate::Error)> {
        let patterns = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Pattern::parse(t.as_ref()).map_err(|e| (i, e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PatternSet::new(patterns))
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Indices of the patterns that match `message`, ascending: the same as calling
    /// [`Pattern::matches_message`] on each.
    pub fn matches(&self, message: &str) -> Vec<usize> {
        let mut out = Vec::new();
        self.matches_into(message.as_bytes(), &mut Scratch::default(), &mut out);
        out
    }

    /// False only when no pattern of the set can match `message` (whatever its JSON structure,
    /// valid or not): none of the literals a match requires occurs in it. A cheap first look —
    /// one SIMD search of the bytes — before anything parses them.
    pub fn may_match(&self, message: &[u8]) -> bool {
        self.prefilter.may_match(message)
    }

    /// [`PatternSet::may_match`] for the messages that lie in order in `bytes` (NDJSON lines),
    /// searching the buffer once: see [`crate::prefilter::Prefilter::screen`].
    pub fn screen<'a>(&'a self, bytes: &'a [u8]) -> crate::prefilter::Screen<'a> {
        self.prefilter.screen(bytes)
    }

    /// Like [`PatternSet::matches`] on raw bytes, reusing `scratch`; results go to `out` (cleared
    /// first). A message that is not UTF-8 matches nothing.
    pub fn matches_into(&self, message: &[u8], scratch: &mut Scratch, out: &mut Vec<usize>) {
        out.clear();
        let n = self.patterns.len();
        if !self.prefilter.may_match(message) {
            return;
        }
        scratch.candidates.clear();
        scratch.candidates.resize(n, true);
        let Ok(text) = std::str::from_utf8(message) else {
            return;
        };
        let mut json_candidates = false;
        for (i, p) in self.patterns.iter().enumerate() {
            match p {
                Pattern::Json(_) => json_candidates |= scratch.candidates[i],
                other => scratch.candidates[i] = other.matches_message(text),
            }
        }
        if json_candidates {
            self.eval_json(text, scratch);
        }
        out.extend((0..n).filter(|&i| scratch.candidates[i]));
    }

    /// Replaces each JSON pattern's candidacy by its answer.
    fn eval_json(&self, text: &str, scratch: &mut Scratch) {
        let trimmed = text.trim();
        let mut ok = trimmed.starts_with('{');
        if ok {
            match self.extract(trimmed, scratch) {
                Ok(()) => {
                    let event = Extracted {
                        set: self,
                        src: trimmed,
                        vals: &scratch.vals,
                    };
                    for (c, p) in scratch.candidates.iter_mut().zip(&self.compiled) {
                        if *c && Self::json(p.pattern()).is_some() {
                            *c = p.matches_event(&event);
                        }
                    }
                    return;
                }
                Err(Surprise) => match parse_fallback(trimmed) {
                    Some(v) => {
                        for (c, p) in scratch.candidates.iter_mut().zip(&self.compiled) {
                            if *c && Self::json(p.pattern()).is_some() {
                                *c = p.matches_event(&v);
                            }
                        }
                        return;
                    }
                    None => ok = false,
                },
            }
        }
        if !ok {
            for (c, p) in scratch.candidates.iter_mut().zip(&self.patterns) {
                if Self::json(p).is_some() {
                    *c = false;
                }
            }
        }
    }

    fn json(p: &Pattern) -> Option<&Expr> {
        match p {
            Pattern::Json(e) => Some(e),
            _ => None,
        }
    }

    /// One validating scan of `src`, recording every slot's values in `scratch.vals`.
    fn extract(&self, src: &str, scratch: &mut Scratch) -> Scan<()> {
        scratch.vals.resize_with(self.slots.len(), Vec::new);
        scratch.vals.iter_mut().for_each(Vec::clear);
        scratch.stack.clear();
        scratch.seen.clear();
        scratch.stack.push(0);
        let mut s = Scanner::new(src)?;
        let mut x = Extractor {
            trie: &self.trie,
            vals: &mut scratch.vals,
            stack: &mut scratch.stack,
            seen: &mut scratch.seen,
        };
        x.value(&mut s, 0, 1, 0)?;
        s.ws();
        if s.pos == src.len() {
            Ok(())
        } else {
            Err(Surprise)
        }
    }

    /// Indices of the patterns that match an already-parsed event: the same as calling
    /// [`Pattern::matches_json`] on each. Each selector without wildcards is resolved once per call
    /// and shared by every comparison that uses it (CIS 4.4 compares `$.eventName` sixteen times).
    pub fn matches_value(&self, event: &serde_json::Value, out: &mut Vec<usize>) {
        out.clear();
        let memo = MemoValue {
            set: self,
            v: event,
            cache: std::array::from_fn(|_| Cell::new(None)),
        };
        for (i, p) in self.compiled.iter().enumerate() {
            let hit = match p.pattern() {
                Pattern::Json(_) => p.matches_event(&memo),
                other => other.matches_json(event),
            };
            if hit {
                out.push(i);
            }
        }
    }

    /// Like [`PatternSet::matches_value`] for a set of one pattern: whether pattern 0 matches.
    pub fn first_matches_value(&self, event: &serde_json::Value) -> bool {
        let memo = MemoValue {
            set: self,
            v: event,
            cache: std::array::from_fn(|_| Cell::new(None)),
        };
        match self.compiled.first() {
            Some(p) => p.matches_event(&memo),
            None => false,
        }
    }

    fn slot_of(&self, sel: &Selector) -> Option<usize> {
        let addr = sel as *const Selector as usize;
        let size = self.by_addr.len();
        let mut i = addr_hash(addr, size);
        loop {
            match self.by_addr[i] {
                (a, slot) if a == addr => return Some(slot as usize),
                (0, _) => break,
                _ => i = (i + 1) & (size - 1),
            }
        }
        // A selector from elsewhere (not one of our ASTs): compare steps.
        self.slots.iter().position(|s| *s == sel.steps)
    }
}

/// Fibonacci hashing of an address into a power-of-two table.
fn addr_hash(addr: usize, size: usize) -> usize {
    let h = (addr as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - size.trailing_zeros())) as usize & (size - 1)
}

/// Inserts the path of `steps` into the trie; returns its last node.
fn insert(trie: &mut Vec<Node>, steps: &[Step]) -> u32 {
    let mut at = 0u32;
    for step in steps {
        let node = &trie[at as usize];
        let existing = match step {
            Step::Key(k) => node
                .keys
                .iter()
                .find(|(kk, _)| **kk == *k.as_bytes())
                .map(|c| c.1),
            Step::Index(i) => node.indexes.iter().find(|(ii, _)| ii == i).map(|c| c.1),
            Step::AnyIndex => node.any_index,
            Step::AnyKey => node.any_key,
        };
        at = match existing {
            Some(c) => c,
            None => {
                let c = trie.len() as u32;
                trie.push(Node::default());
                let node = &mut trie[at as usize];
                match step {
                    Step::Key(k) => node.keys.push((k.as_bytes().into(), c)),
                    Step::Index(i) => node.indexes.push((*i, c)),
                    Step::AnyIndex => node.any_index = Some(c),
                    Step::AnyKey => node.any_key = Some(c),
                }
                c
            }
        };
    }
    at
}

/// The one-pass scan: the value at the cursor is reached by the trie nodes `stack[lo..hi]`.
struct Extractor<'t, 'x> {
    trie: &'t [Node],
    vals: &'x mut [Vec<RawVal>],
    stack: &'x mut Vec<u32>,
    seen: &'x mut Vec<(u32, u32)>,
}

impl Extractor<'_, '_> {
    fn value(&mut self, s: &mut Scanner<'_>, lo: usize, hi: usize, depth: u32) -> Scan<()> {
        if lo == hi {
            return s.skip_value(depth);
        }
        let trie = self.trie;
        let head = s.value_head()?;
        for i in lo..hi {
            for &slot in &trie[self.stack[i] as usize].ends {
                self.vals[slot as usize].push(head);
            }
        }
        match head {
            RawVal::Object => {
                let nodes = || (lo..hi).map(|i| &trie[self.stack[i] as usize]);
                let any_key = nodes().any(|n| n.any_key.is_some());
                if !any_key && nodes().all(|n| n.keys.is_empty()) {
                    return s.members(depth, |s, _, _, _| s.skip_value(depth + 1));
                }
                let mark = self.seen.len();
                let r = s.members(depth, |s, ks, ke, escaped| {
                    if escaped {
                        // An escaped key might spell one we look for: leave it to serde_json.
                        return Err(Surprise);
                    }
                    let key = s.bytes(ks, ke);
                    let child_lo = self.stack.len();
                    for i in lo..hi {
                        let n = &trie[self.stack[i] as usize];
                        if let Some((_, c)) = n.keys.iter().find(|(k, _)| **k == *key) {
                            self.stack.push(*c);
                        }
                        if let Some(c) = n.any_key {
                            self.stack.push(c);
                        }
                    }
                    let child_hi = self.stack.len();
                    if child_hi > child_lo {
                        // serde_json keeps the last of duplicate keys; rather than undo what the
                        // first occurrence recorded, leave such (rare) objects to serde_json.
                        let seen = &self.seen[mark..];
                        if seen.len() >= MAX_ANY_KEY_MEMBERS
                            || seen.iter().any(|&(a, b)| s.bytes(a, b) == key)
                        {
                            return Err(Surprise);
                        }
                        self.seen.push((ks, ke));
                    }
                    let r = self.value(s, child_lo, child_hi, depth + 1);
                    self.stack.truncate(child_lo);
                    r
                });
                self.seen.truncate(mark);
                r
            }
            RawVal::Array => {
                let nodes = || (lo..hi).map(|i| &trie[self.stack[i] as usize]);
                if nodes().all(|n| n.any_index.is_none() && n.indexes.is_empty()) {
                    return s.elements(depth, |s, _| s.skip_value(depth + 1));
                }
                s.elements(depth, |s, idx| {
                    let child_lo = self.stack.len();
                    for i in lo..hi {
                        let n = &trie[self.stack[i] as usize];
                        if let Some((_, c)) = n.indexes.iter().find(|(ii, _)| *ii == idx) {
                            self.stack.push(*c);
                        }
                        if let Some(c) = n.any_index {
                            self.stack.push(c);
                        }
                    }
                    let child_hi = self.stack.len();
                    let r = self.value(s, child_lo, child_hi, depth + 1);
                    self.stack.truncate(child_lo);
                    r
                })
            }
            _ => Ok(()),
        }
    }
}

/// Slots below this index are memoised by [`PatternSet::matches_value`].
const MEMO_SLOTS: usize = 16;

/// A parsed event with a per-slot cache of wildcard-free resolutions.
struct MemoValue<'s, 'v> {
    set: &'s PatternSet,
    v: &'v serde_json::Value,
    /// `None`: not resolved yet; `Some(None)`: does not resolve.
    cache: [Cell<Option<Option<&'v serde_json::Value>>>; MEMO_SLOTS],
}

impl Event for MemoValue<'_, '_> {
    fn any_value(&self, selector: &Selector, f: &mut dyn FnMut(&FieldValue<'_>) -> bool) -> bool {
        let cell = match self.set.slot_of(selector) {
            Some(slot) if self.set.plain[slot] => self.cache.get(slot),
            _ => None,
        };
        let Some(cell) = cell else {
            return self.v.any_value(selector, f);
        };
        let found = match cell.get() {
            Some(r) => r,
            None => {
                let r = lookup(self.v, &selector.steps);
                cell.set(Some(r));
                r
            }
        };
        found.is_some_and(|v| f(&field_value(v)))
    }
}

/// Resolves a wildcard-free selector in a `Value`, as [`Event for Value`](crate::event) does.
fn lookup<'v>(mut v: &'v serde_json::Value, steps: &[Step]) -> Option<&'v serde_json::Value> {
    for step in steps {
        v = match (step, v) {
            (Step::Key(k), serde_json::Value::Object(m)) => m.get(k)?,
            (Step::Index(i), serde_json::Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// The [`Event`] the evaluator sees: values recorded by the scan, looked up by selector slot.
struct Extracted<'s> {
    set: &'s PatternSet,
    src: &'s str,
    vals: &'s [Vec<RawVal>],
}

impl Event for Extracted<'_> {
    fn any_value(&self, selector: &Selector, f: &mut dyn FnMut(&FieldValue<'_>) -> bool) -> bool {
        match self.set.slot_of(selector) {
            Some(slot) => self.vals[slot]
                .iter()
                .any(|v| v.field_value(self.src).is_some_and(|fv| f(&fv))),
            // Not a selector of this set: resolve it lazily from the (validated) text.
            None => resolve(self.src, &selector.steps, f),
        }
    }
}
