//! Which combinations of string languages can one string belong to at once?
//!
//! Each text or regex operand on a selector denotes a language of strings (`X` exactly, `X*` a
//! prefix, `*X` a suffix, `*X*` an infix, `%re%` "contains a match of `re`"). A string value's truth
//! on every comparison of the selector is a function of which of these languages it belongs to, so
//! the achievable truth vectors are the achievable *membership combinations*. We find them all by a
//! breadth-first search of the product of one automaton per language (a KMP automaton for text, a
//! dense DFA for a regex), over an alphabet partitioned into the automata's common byte classes; every reachable product state yields a membership
//! combination, and the BFS path to it is a (shortest) witness string.
//!
//! Exactness: ASCII bytes in the same common class are interchangeable in every DFA, so the ASCII
//! partition loses nothing. Non-ASCII characters are represented by every one that occurs in an
//! operand plus a few from different Unicode categories (letter, digit, space, symbol); literal
//! languages cannot tell apart two characters that occur in no literal, and `%re%` sources are
//! ASCII-only (AWS's subset), except for `\xhh` escapes, which the caller treats as inexact.

use std::collections::{HashMap, VecDeque};

use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};

/// Product states explored before giving up (the answer is then "not decided").
const MAX_STATES: usize = 20_000;

/// Representatives of non-ASCII characters, from different Unicode categories and UTF-8 lengths.
const FOREIGN: [char; 5] = ['é', '٣', '\u{a0}', '中', '😀'];

/// What a language is: a text operand (`X`, `X*`, `*X`, `*X*`, `*`) or a `%regex%` search, given
/// by the evaluator's own translated source.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Spec {
    Text {
        text: String,
        /// Written `*X`: ends with.
        leading: bool,
        /// Written `X*`: starts with.
        trailing: bool,
    },
    Search(String),
}

impl Spec {
    /// The literal, when the language is exactly one string.
    pub(crate) fn exact(&self) -> Option<&str> {
        match self {
            Spec::Text {
                text,
                leading: false,
                trailing: false,
            } => Some(text),
            _ => None,
        }
    }
}

/// A language of strings, as an automaton over bytes that accepts exactly its members. Text
/// languages get a small hand-made (KMP) automaton, which is much cheaper to build than a DFA;
/// regex searches get a dense DFA.
pub(crate) enum Lang {
    Text(TextAuto),
    Dfa {
        // Boxed: a dense DFA is much larger than a text automaton.
        dfa: Box<dense::DFA<Vec<u32>>>,
        start: StateID,
    },
}

/// A product-automaton component state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum St {
    T(u32),
    D(StateID),
}

/// The automaton of a text language. States `0..=n` count the literal bytes matched (KMP-style
/// for the unanchored kinds); `n + 1` is dead (anchored kinds only).
pub(crate) struct TextAuto {
    lit: Vec<u8>,
    /// May the match start after other bytes (`*X`, `*X*`)?
    leading: bool,
    /// May other bytes follow a complete match (`X*`, `*X*`)?
    trailing: bool,
    /// KMP failure function: `fail[k]` is the longest proper border of `lit[..=k]`.
    fail: Vec<u32>,
}

impl TextAuto {
    fn new(text: &str, leading: bool, trailing: bool) -> TextAuto {
        let lit = text.as_bytes().to_vec();
        let mut fail = vec![0u32; lit.len()];
        let mut k = 0usize;
        for i in 1..lit.len() {
            while k > 0 && lit[i] != lit[k] {
                k = fail[k - 1] as usize;
            }
            if lit[i] == lit[k] {
                k += 1;
            }
            fail[i] = k as u32;
        }
        TextAuto {
            lit,
            leading,
            trailing,
            fail,
        }
    }

    fn step(&self, i: u32, b: u8) -> u32 {
        let n = self.lit.len();
        let dead = n as u32 + 1;
        let mut i = i as usize;
        if i > n || (i == n && self.trailing) {
            // Dead stays dead; a completed `X*` / `*X*` stays accepted.
            return i as u32;
        }
        if !self.leading {
            return if i < n && self.lit[i] == b {
                i as u32 + 1
            } else {
                dead
            };
        }
        loop {
            if i < n && self.lit[i] == b {
                return i as u32 + 1;
            }
            if i == 0 {
                return 0;
            }
            i = self.fail[i - 1] as usize;
        }
    }

    fn accepts(&self, i: u32) -> bool {
        i as usize == self.lit.len()
    }

    /// Bytes of the literal are told apart; every other byte acts alike.
    fn class(&self, b: u8) -> u16 {
        if self.lit.contains(&b) {
            u16::from(b)
        } else {
            256
        }
    }
}

impl Lang {
    pub(crate) fn new(spec: &Spec) -> Result<Lang, String> {
        match spec {
            Spec::Text {
                text,
                leading,
                trailing,
            } => Ok(Lang::Text(TextAuto::new(text, *leading, *trailing))),
            Spec::Search(compiled) => Lang::dfa(&search_regex(compiled)),
        }
    }

    /// Compiles a regex that must match the *whole* string (the caller anchors it).
    fn dfa(whole_regex: &str) -> Result<Lang, String> {
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Anchored)
                    .match_kind(MatchKind::All),
            )
            .build(whole_regex)
            .map_err(|e| format!("cannot build an automaton for /{whole_regex}/: {e}"))?;
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .map_err(|e| format!("no start state for /{whole_regex}/: {e}"))?;
        Ok(Lang::Dfa {
            dfa: Box::new(dfa),
            start,
        })
    }

    fn start(&self) -> St {
        match self {
            Lang::Text(_) => St::T(0),
            Lang::Dfa { start, .. } => St::D(*start),
        }
    }

    fn step(&self, s: St, bytes: &[u8]) -> St {
        match (self, s) {
            (Lang::Text(t), St::T(i)) => St::T(bytes.iter().fold(i, |i, &b| t.step(i, b))),
            (Lang::Dfa { dfa, .. }, St::D(d)) => {
                St::D(bytes.iter().fold(d, |d, &b| dfa.next_state(d, b)))
            }
            // States never cross automata (each component is stepped by its own language).
            _ => s,
        }
    }

    fn accepts_at(&self, s: St) -> bool {
        match (self, s) {
            (Lang::Text(t), St::T(i)) => t.accepts(i),
            (Lang::Dfa { dfa, .. }, St::D(d)) => dfa.is_match_state(dfa.next_eoi_state(d)),
            _ => false,
        }
    }

    fn class(&self, b: u8) -> u16 {
        match self {
            Lang::Text(t) => t.class(b),
            Lang::Dfa { dfa, .. } => u16::from(dfa.byte_classes().get(b)),
        }
    }

    /// Is `text` a member?
    pub(crate) fn contains(&self, text: &str) -> bool {
        self.accepts_at(self.step(self.start(), text.as_bytes()))
    }
}

/// An unanchored search for `compiled` (the evaluator's own translated regex source), as a
/// whole-string language. `^`/`$` inside keep their meaning (start/end of the text).
fn search_regex(compiled: &str) -> String {
    format!(r"\A(?s:.)*(?:{compiled})(?s:.)*\z")
}

/// One achievable membership combination, with a witness and the other strings seen in it.
pub(crate) struct StringRegion {
    pub member: Vec<bool>,
    pub witness: String,
    /// Further strings known to be in the same combination (to cross-check the evaluator).
    pub samples: Vec<String>,
}

/// Every achievable membership combination of `langs`. `natural` strings are preferred as
/// witnesses (in order) over the BFS's shortest paths. `Err` when the product is too large.
pub(crate) fn regions(
    langs: &[Lang],
    operand_texts: &[&str],
    natural: &[String],
) -> Result<Vec<StringRegion>, String> {
    let symbols = alphabet(langs, operand_texts);
    let start: Vec<St> = langs.iter().map(Lang::start).collect();
    let mut seen: HashMap<Vec<St>, ()> = HashMap::new();
    let mut found: Vec<StringRegion> = Vec::new();
    let mut queue: VecDeque<(Vec<St>, String)> = VecDeque::new();
    seen.insert(start.clone(), ());
    queue.push_back((start, String::new()));
    while let Some((state, path)) = queue.pop_front() {
        let member: Vec<bool> = langs
            .iter()
            .zip(&state)
            .map(|(l, &s)| l.accepts_at(s))
            .collect();
        match found.iter_mut().find(|r| r.member == member) {
            Some(r) => {
                if r.samples.len() < 3 {
                    r.samples.push(path.clone());
                }
            }
            None => found.push(StringRegion {
                member,
                witness: path.clone(),
                samples: Vec::new(),
            }),
        }
        for sym in &symbols {
            let next: Vec<St> = langs
                .iter()
                .zip(&state)
                .map(|(l, &s)| l.step(s, sym.as_bytes()))
                .collect();
            if seen.contains_key(&next) {
                continue;
            }
            if seen.len() >= MAX_STATES {
                return Err(format!(
                    "the string automaton has more than {MAX_STATES} states"
                ));
            }
            seen.insert(next.clone(), ());
            let mut p = path.clone();
            p.push_str(sym);
            queue.push_back((next, p));
        }
    }
    // Natural witnesses: the first natural string of each combination replaces the BFS path,
    // which is kept as a sample.
    let mut replaced = vec![false; found.len()];
    for n in natural {
        let member: Vec<bool> = langs.iter().map(|l| l.contains(n)).collect();
        match found.iter().position(|r| r.member == member) {
            Some(i) if !replaced[i] => {
                let bfs = std::mem::replace(&mut found[i].witness, n.clone());
                found[i].samples.push(bfs);
                replaced[i] = true;
            }
            Some(i) => found[i].samples.push(n.clone()),
            None => {
                // Unreachable if the BFS is complete; kept as a region anyway (more is sound).
                found.push(StringRegion {
                    member,
                    witness: n.clone(),
                    samples: Vec::new(),
                });
                replaced.push(true);
            }
        }
    }
    Ok(found)
}

/// The regions of distinct exact literals, without automata: each literal is a member of its own
/// language only, and a string equal to none of them (the first such `natural` one, or the
/// literals joined with an `X`) is a member of none.
pub(crate) fn literal_regions(lits: &[&str], natural: &[String]) -> Vec<StringRegion> {
    let mut out: Vec<StringRegion> = (0..lits.len())
        .map(|i| StringRegion {
            member: (0..lits.len()).map(|j| lits[j] == lits[i]).collect(),
            witness: lits[i].to_string(),
            samples: Vec::new(),
        })
        .collect();
    let outside = natural
        .iter()
        .find(|n| !lits.contains(&n.as_str()))
        .cloned()
        .unwrap_or_else(|| format!("X{}", lits.concat()));
    out.push(StringRegion {
        member: vec![false; lits.len()],
        witness: outside,
        samples: Vec::new(),
    });
    out
}

/// The BFS alphabet: one representative per common ASCII byte class (letters preferred, so that
/// witnesses read naturally), then the non-ASCII characters of the operands and [`FOREIGN`].
fn alphabet(langs: &[Lang], operand_texts: &[&str]) -> Vec<String> {
    let preference = (b'A'..=b'Z')
        .chain(b'a'..=b'z')
        .chain(b'0'..=b'9')
        .chain(0x20..=0x7e)
        .chain(0x00..0x20)
        .chain(std::iter::once(0x7f));
    let mut classes: Vec<Vec<u16>> = Vec::new();
    let mut out = Vec::new();
    for b in preference {
        let key: Vec<u16> = langs.iter().map(|l| l.class(b)).collect();
        if !classes.contains(&key) {
            classes.push(key);
            out.push(char::from(b).to_string());
        }
    }
    let mut foreign: Vec<char> = operand_texts
        .iter()
        .flat_map(|t| t.chars())
        .filter(|c| !c.is_ascii())
        .collect();
    foreign.extend(FOREIGN);
    foreign.sort_unstable();
    foreign.dedup();
    out.extend(foreign.into_iter().map(String::from));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str, leading: bool, trailing: bool) -> Spec {
        Spec::Text {
            text: t.into(),
            leading,
            trailing,
        }
    }

    fn combos(specs: &[Spec]) -> Vec<(Vec<bool>, String)> {
        let langs: Vec<Lang> = specs.iter().map(|s| Lang::new(s).unwrap()).collect();
        regions(&langs, &[], &[])
            .unwrap()
            .into_iter()
            .map(|r| (r.member, r.witness))
            .collect()
    }

    #[test]
    fn exact_and_suffix_languages_combine() {
        let rs = combos(&[
            text("CreateInternetGateway", false, false),
            text("InternetGateway", true, false),
        ]);
        let members: Vec<&Vec<bool>> = rs.iter().map(|r| &r.0).collect();
        assert!(members.contains(&&vec![false, false]));
        assert!(members.contains(&&vec![false, true]));
        assert!(members.contains(&&vec![true, true]));
        // Being exactly CreateInternetGateway implies ending with InternetGateway.
        assert!(!members.contains(&&vec![true, false]));
        for (m, w) in &rs {
            if *m == vec![false, true] {
                assert!(w.ends_with("InternetGateway") && w != "CreateInternetGateway");
            }
        }
    }

    #[test]
    fn regex_search_language() {
        let l = Lang::new(&Spec::Search("^ab|c$".into())).unwrap();
        assert!(l.contains("abz") && l.contains("zc") && !l.contains("zab") && !l.contains("cz"));
    }

    /// The KMP automata agree with the string operations they stand for.
    #[test]
    fn text_automata_match_string_operations() {
        let mut inputs = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = inputs
                .iter()
                .filter(|s| s.len() == inputs.last().map_or(0, String::len))
                .flat_map(|s| ["a", "b"].map(|c| format!("{s}{c}")))
                .collect();
            inputs.extend(longer);
        }
        for lit in ["", "a", "ab", "aab", "abab", "aba", "bb"] {
            for (leading, trailing) in [(false, false), (true, false), (false, true), (true, true)]
            {
                let l = Lang::new(&text(lit, leading, trailing)).unwrap();
                for s in &inputs {
                    let want = match (leading, trailing) {
                        (false, false) => s == lit,
                        (true, false) => s.ends_with(lit),
                        (false, true) => s.starts_with(lit),
                        (true, true) => s.contains(lit),
                    };
                    assert_eq!(l.contains(s), want, "{lit:?} {leading} {trailing} on {s:?}");
                }
            }
        }
    }

    #[test]
    fn natural_witness_preferred() {
        let langs = vec![Lang::new(&text("Yes", false, false)).unwrap()];
        let rs = regions(&langs, &[], &["Yes".into(), "No".into()]).unwrap();
        let outside = rs.iter().find(|r| r.member == vec![false]).unwrap();
        assert_eq!(outside.witness, "No");
    }
}
