//! Which combinations of string languages can one string belong to at once?
//!
//! Each text or regex operand on a selector denotes a language of strings (`X` exactly, `X*` a
//! prefix, `*X` a suffix, `*X*` an infix, `%re%` "contains a match of `re`"). A string value's truth
//! on every comparison of the selector is a function of which of these languages it belongs to, so
//! the achievable truth vectors are the achievable *membership combinations*. We find them all by a
//! breadth-first search of the product of one dense DFA per language, over an alphabet partitioned
//! into the DFAs' common byte classes; every reachable product state yields a membership
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

/// A language of strings, compiled to a DFA that accepts exactly its members.
pub(crate) struct Lang {
    dfa: dense::DFA<Vec<u32>>,
    start: StateID,
}

impl Lang {
    /// Compiles a regex that must match the *whole* string (the caller anchors it).
    pub(crate) fn new(whole_regex: &str) -> Result<Lang, String> {
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
        Ok(Lang { dfa, start })
    }

    fn step(&self, s: StateID, bytes: &[u8]) -> StateID {
        bytes.iter().fold(s, |s, &b| self.dfa.next_state(s, b))
    }

    fn accepts_at(&self, s: StateID) -> bool {
        self.dfa.is_match_state(self.dfa.next_eoi_state(s))
    }

    /// Is `text` a member?
    pub(crate) fn contains(&self, text: &str) -> bool {
        self.accepts_at(self.step(self.start, text.as_bytes()))
    }
}

/// `X` → exactly X; with stars, prefix / suffix / infix; empty with a star → every string.
pub(crate) fn text_regex(text: &str, leading_star: bool, trailing_star: bool) -> String {
    let any = r"(?s:.)*";
    format!(
        r"\A{}{}{}\z",
        if leading_star { any } else { "" },
        regex_syntax::escape(text),
        if trailing_star { any } else { "" }
    )
}

/// An unanchored search for `compiled` (the evaluator's own translated regex source), as a
/// whole-string language. `^`/`$` inside keep their meaning (start/end of the text).
pub(crate) fn search_regex(compiled: &str) -> String {
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
    let start: Vec<StateID> = langs.iter().map(|l| l.start).collect();
    let mut seen: HashMap<Vec<StateID>, ()> = HashMap::new();
    let mut found: Vec<StringRegion> = Vec::new();
    let mut queue: VecDeque<(Vec<StateID>, String)> = VecDeque::new();
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
            let next: Vec<StateID> = langs
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
    let mut classes: Vec<Vec<u8>> = Vec::new();
    let mut out = Vec::new();
    for b in preference {
        let key: Vec<u8> = langs.iter().map(|l| l.dfa.byte_classes().get(b)).collect();
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

    fn combos(langs: &[&str]) -> Vec<(Vec<bool>, String)> {
        let langs: Vec<Lang> = langs.iter().map(|r| Lang::new(r).unwrap()).collect();
        regions(&langs, &[], &[])
            .unwrap()
            .into_iter()
            .map(|r| (r.member, r.witness))
            .collect()
    }

    #[test]
    fn exact_and_suffix_languages_combine() {
        let rs = combos(&[
            &text_regex("CreateInternetGateway", false, false),
            &text_regex("InternetGateway", true, false),
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
        let l = Lang::new(&search_regex("^ab|c$")).unwrap();
        assert!(l.contains("abz") && l.contains("zc") && !l.contains("zab") && !l.contains("cz"));
    }

    #[test]
    fn natural_witness_preferred() {
        let langs = vec![Lang::new(&text_regex("Yes", false, false)).unwrap()];
        let rs = regions(&langs, &[], &["Yes".into(), "No".into()]).unwrap();
        let outside = rs.iter().find(|r| r.member == vec![false]).unwrap();
        assert_eq!(outside.witness, "No");
    }
}
