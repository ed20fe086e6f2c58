//! Literal prefiltering: skip messages that no pattern of a set can match, without parsing them.
//!
//! From each JSON pattern's AST we derive a **requirement** in conjunctive normal form: a list of
//! clauses, each a list of literals, such that if the pattern matches a message then every clause
//! has a literal occurring in the message's *decoded* text. A message is then checked with one
//! SIMD search of its raw bytes for each pattern's *anchor* clause (see [`Prefilter`]).
//!
//! ## Why this is sound
//! * `$.x = "Lit"` (also `*Lit`, `Lit*`, `*Lit*`) holds only if the value's text contains `Lit`.
//!   That text is a decoded string, `true`/`false` (written verbatim in JSON), or a number as
//!   `serde_json` renders it (which need not occur in the message: `1e3` renders `1000.0`). So a
//!   literal made only of number characters (`0-9 . e E + -`) gives no requirement.
//! * `IS NULL`/`IS TRUE`/`IS FALSE` need `null`/`true`/`false`, which JSON never escapes.
//! * `!=`, regexes, numeric operands, `*` alone and `NOT EXISTS` give no requirement.
//! * `And` concatenates its operands' clauses; `Or` distributes (each result clause takes one clause
//!   of every operand). Past [`MAX_CLAUSES`] an operand is weakened to its single best clause, and
//!   dropping clauses only weakens a requirement, so it stays sound.
//! * Escapes can hide a literal from a byte search: `Ro\u006ft` decodes to `Root`. Without `\u`
//!   escapes, decoding only produces `" \ /` and control characters from two-byte sequences, so a
//!   literal without those characters that occurs in a decoded string occurs verbatim in the raw
//!   bytes. Hence: a message containing `\u`, or containing any backslash when some literal has one
//!   of those characters, is not filtered.
//! * Invalid or non-object messages match no JSON pattern, so filtering them is always right.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::ast::{CmpOp, Expr, Operand, Test};

/// Above this many clauses per requirement, operands are weakened to one clause each.
pub const MAX_CLAUSES: usize = 16;

/// A requirement: every clause must have one of its literals present. No clauses: no requirement.
pub type Cnf = Vec<Vec<String>>;

/// The literal requirement of a JSON pattern's expression (see the module docs).
pub fn requirement(expr: &Expr) -> Cnf {
    match expr {
        Expr::Compare {
            op: CmpOp::Eq,
            value: Operand::Text(t),
            ..
        } if !t.text.is_empty()
            && !t
                .text
                .chars()
                .all(|c| c.is_ascii_digit() || ".eE+-".contains(c)) =>
        {
            vec![vec![t.text.clone()]]
        }
        Expr::Compare { .. } => Vec::new(),
        Expr::Test { test, .. } => match test {
            Test::IsNull => vec![vec!["null".to_string()]],
            Test::IsTrue => vec![vec!["true".to_string()]],
            Test::IsFalse => vec![vec!["false".to_string()]],
            Test::NotExists => Vec::new(),
        },
        Expr::And(ops) => {
            let mut all: Cnf = ops.iter().flat_map(requirement).collect();
            if all.len() > MAX_CLAUSES {
                all.sort_by_key(|c| std::cmp::Reverse(strength(c)));
                all.truncate(MAX_CLAUSES);
            }
            all
        }
        Expr::Or(ops) => {
            let mut reqs: Vec<Cnf> = ops.iter().map(requirement).collect();
            if reqs.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            let product = reqs.iter().try_fold(1usize, |acc, r| {
                acc.checked_mul(r.len()).filter(|&n| n <= MAX_CLAUSES)
            });
            if product.is_none() {
                for r in &mut reqs {
                    if let Some(best) = r.iter().max_by_key(|c| strength(c)).cloned() {
                        *r = vec![best];
                    }
                }
            }
            let mut out: Cnf = vec![Vec::new()];
            for r in reqs {
                out = out
                    .iter()
                    .flat_map(|acc| {
                        r.iter().map(move |clause| {
                            let mut c = acc.clone();
                            c.extend(clause.iter().cloned());
                            c
                        })
                    })
                    .collect();
            }
            for c in &mut out {
                c.sort();
                c.dedup();
            }
            out
        }
    }
}

/// How selective a clause is, roughly: longer literals are rarer, more alternatives are likelier.
fn strength(clause: &[String]) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = clause.iter().map(String::len).min().unwrap_or(0);
    (shortest, std::cmp::Reverse(clause.len()))
}

/// "Does any anchor literal occur?" — SIMD Teddy when the CPU has it (also past the 64
/// literals where `aho-corasick` would stop using it on its own: the anchors of the 15 CIS
/// patterns are about 80, and Teddy's rare false candidates cost less than an automaton walking
/// every byte), else the automaton.
#[derive(Clone, Debug)]
enum First {
    /// 64 bytes at a time with AVX-512 ([`crate::teddy`]), where the CPU has it.
    Wide(Box<crate::teddy::Teddy>),
    /// One searcher per group of at most [`TEDDY_GROUP`] literals (a packed searcher takes at
    /// most 128; past 64 its verification slows down). Several SIMD passes still beat an
    /// automaton that walks every byte.
    Teddy(Vec<aho_corasick::packed::Searcher>),
    Automaton(AhoCorasick),
}

/// Literals per Teddy searcher.
const TEDDY_GROUP: usize = 96;

impl First {
    fn new(literals: &[&String]) -> Option<First> {
        if let Some(t) = crate::teddy::Teddy::new(literals) {
            return Some(First::Wide(Box::new(t)));
        }
        let teddy: Option<Vec<_>> = literals
            .chunks(TEDDY_GROUP)
            .map(|group| {
                aho_corasick::packed::Config::new()
                    .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                    .heuristic_pattern_limits(false)
                    .builder()
                    .extend(group)
                    .build()
            })
            .collect();
        if let Some(t) = teddy.filter(|t| !t.is_empty()) {
            return Some(First::Teddy(t));
        }
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(literals)
            .ok()
            .map(First::Automaton)
    }

    fn occurs(&self, message: &[u8]) -> bool {
        match self {
            First::Wide(t) => t.occurs(message),
            First::Teddy(groups) => groups.iter().any(|t| t.find(message).is_some()),
            First::Automaton(a) => a.find(message).is_some(),
        }
    }

    /// Where the leftmost anchor occurrence starts (leftmost-first searchers report it first).
    fn find(&self, message: &[u8]) -> Option<usize> {
        match self {
            First::Wide(t) => t.find(message),
            First::Teddy(groups) => groups
                .iter()
                .filter_map(|t| t.find(message).map(|m| m.start()))
                .min(),
            First::Automaton(a) => a.find(message).map(|m| m.start()),
        }
    }
}

/// How rare a literal is likely to be in a log message, for choosing a pattern's anchor clause
/// (higher is rarer). A literal with a dot looks like a host or service name
/// (`s3.amazonaws.com`), present in every CloudTrail record of that service; `null`, `true` and
/// `false` are in most JSON messages; otherwise longer literals are rarer.
fn rarity(literal: &str) -> (bool, bool, usize) {
    let common_word = matches!(literal, "null" | "true" | "false");
    (!common_word, !literal.contains('.'), literal.len())
}

/// The clause of `cnf` to search for first: the one whose likeliest literal is rarest.
fn anchor(cnf: &[Vec<u32>], lits: &[String]) -> usize {
    (0..cnf.len())
        .max_by_key(|&i| {
            let weakest = cnf[i].iter().map(|&l| rarity(&lits[l as usize])).min();
            (
                weakest,
                std::cmp::Reverse(cnf[i].len()),
                std::cmp::Reverse(i),
            )
        })
        .unwrap_or(0)
}

/// The compiled prefilter of a set of patterns.
///
/// `first` searches only each pattern's **anchor** clause (the clause judged rarest, see
/// `rarity`) with leftmost-first semantics, over a reduced list (a literal that contains another
/// is dropped: whenever it occurs, so does the other). Every pattern needs its anchor clause, so
/// a message without any anchor literal — nearly all of them — matches nothing, and stops there.
/// Anchors matter: CIS 4.8 requires `s3.amazonaws.com` *and* one of ten bucket-policy event
/// names; searching the service name would send every S3 data event (a third of real traffic) on.
///
/// An escape that might spell a literal is searched for in the same pass, as one more anchor:
/// `\u`, or any backslash when some literal holds a character a two-byte escape can produce
/// (see the module docs).
///
/// A message with an anchor goes on whole: every pattern is a candidate, decided by the exact
/// evaluation. Until step 4 of bench/RESULTS.md a second, overlapping Aho-Corasick search then
/// checked every pattern's other clauses; it ruled out too few messages (most that hold an
/// anchor match) to pay for walking every byte of each at ~0.5 GB/s, and the one-pass extraction
/// that follows costs the same whichever patterns remain: dropping it made the 15 CIS patterns
/// 11 % faster over NDJSON, and 65 rules 15 %.
#[derive(Clone, Debug)]
pub struct Prefilter {
    first: Option<First>,
    /// Patterns in the set.
    len: usize,
    /// Some pattern has no requirement ([`Prefilter::has_unconstrained`]), or nothing can be
    /// filtered (no searcher could be built).
    unconstrained: bool,
}

impl Prefilter {
    /// Compiles the requirements of `reqs` (one per pattern; an empty [`Cnf`] means "no requirement").
    pub fn new(reqs: &[Cnf]) -> Prefilter {
        let mut lits: Vec<String> = Vec::new();
        let mut id = |l: &String| -> u32 {
            match lits.iter().position(|x| x == l) {
                Some(i) => i as u32,
                None => {
                    lits.push(l.clone());
                    (lits.len() - 1) as u32
                }
            }
        };
        let compiled: Vec<Option<Vec<Vec<u32>>>> = reqs
            .iter()
            .map(|cnf| {
                (!cnf.is_empty()).then(|| {
                    cnf.iter()
                        .map(|c| c.iter().map(&mut id).collect())
                        .collect()
                })
            })
            .collect();
        let special = lits
            .iter()
            .any(|l| l.chars().any(|c| matches!(c, '"' | '\\' | '/') || c < ' '));
        let escape = String::from(if special { "\\" } else { "\\u" });
        let mut anchors: Vec<&String> = compiled
            .iter()
            .flatten()
            .flat_map(|cnf| cnf[anchor(cnf, &lits)].iter().map(|&l| &lits[l as usize]))
            .chain([&escape])
            .collect();
        anchors.sort();
        anchors.dedup();
        let reduced: Vec<&String> = anchors
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                !anchors.iter().enumerate().any(|(j, o)| {
                    j != *i && l.contains(o.as_str()) && (l.len() > o.len() || j < *i)
                })
            })
            .map(|(_, l)| *l)
            .collect();
        let first = First::new(&reduced);
        Prefilter {
            unconstrained: first.is_none() || compiled.iter().any(Option::is_none),
            first,
            len: reqs.len(),
        }
    }

    /// Whether some pattern has no requirement (then every message is a candidate for it).
    pub fn has_unconstrained(&self) -> bool {
        self.unconstrained
    }

    /// False only when no pattern can match `message`: the anchor search (escapes included).
    /// Whenever it is true, every pattern is a candidate.
    pub fn may_match(&self, message: &[u8]) -> bool {
        match self.search() {
            Search::Always(answer) => answer,
            Search::Anchors(first) => first.occurs(message),
        }
    }

    fn search(&self) -> Search<'_> {
        match &self.first {
            _ if self.len == 0 => Search::Always(false),
            Some(first) if !self.unconstrained => Search::Anchors(first),
            _ => Search::Always(true),
        }
    }

    /// [`Prefilter::may_match`] for many messages that lie in order in one buffer (the lines of
    /// an NDJSON slice), with one search of the whole buffer instead of one per message.
    pub fn screen<'a>(&'a self, bytes: &'a [u8]) -> Screen<'a> {
        Screen {
            prefilter: self,
            bytes,
            anchor: 0,
            anchor_known: false,
        }
    }
}

/// How a [`Prefilter`] answers.
enum Search<'a> {
    /// The same for every message: false for an empty set; true when some pattern has no
    /// requirement, or no searcher could be built.
    Always(bool),
    /// Whether an anchor (or an escape that may spell one) occurs.
    Anchors(&'a First),
}

/// See [`Prefilter::screen`]. It keeps the next anchor at or after the message last asked
/// about, and searches again only once a message starts past it.
#[derive(Debug)]
pub struct Screen<'a> {
    prefilter: &'a Prefilter,
    bytes: &'a [u8],
    /// Where the next anchor occurrence starts (`bytes.len()`: none), once known.
    anchor: usize,
    anchor_known: bool,
}

impl Screen<'_> {
    /// `may_match(&bytes[start..end])`, give or take: true whenever that is true (an anchor that
    /// lies in the message starts in it), and also when one starts in it but runs past its end.
    /// Messages must be asked about in order: `start` never goes back.
    pub fn may_match(&mut self, start: usize, end: usize) -> bool {
        let first = match self.prefilter.search() {
            Search::Always(answer) => return answer,
            Search::Anchors(first) => first,
        };
        if !self.anchor_known || self.anchor < start {
            let rest = self.bytes.get(start..).unwrap_or_default();
            self.anchor = first.find(rest).map_or(self.bytes.len(), |i| start + i);
            self.anchor_known = true;
        }
        self.anchor < end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pattern;

    fn cnf(text: &str) -> Cnf {
        match Pattern::parse(text).expect("pattern") {
            Pattern::Json(e) => requirement(&e),
            _ => Vec::new(),
        }
    }

    /// CIS 4.8's shape: the event names are searched first, not the service name that every S3
    /// record carries; `null`/`true`/`false` are never preferred.
    #[test]
    fn anchors_skip_service_names_and_common_words() {
        let req = cnf(
            r#"{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy)) }"#,
        );
        let lits: Vec<String> = req.iter().flatten().cloned().collect();
        let ids: Vec<Vec<u32>> = req
            .iter()
            .map(|c| {
                c.iter()
                    .map(|l| lits.iter().position(|x| x == l).unwrap() as u32)
                    .collect()
            })
            .collect();
        let chosen: Vec<&str> = ids[anchor(&ids, &lits)]
            .iter()
            .map(|&l| lits[l as usize].as_str())
            .collect();
        assert_eq!(chosen, ["PutBucketAcl", "PutBucketPolicy"]);
        assert!(rarity("Root") > rarity("null"));
        assert!(rarity("Root") > rarity("kms.amazonaws.com"));
    }
}

#[cfg(test)]
mod may_match_tests {
    use super::*;
    use crate::Pattern;

    fn prefilter(texts: &[&str]) -> Prefilter {
        let reqs: Vec<Cnf> = texts
            .iter()
            .map(|t| match Pattern::parse(t).expect("pattern") {
                Pattern::Json(e) => requirement(&e),
                _ => Vec::new(),
            })
            .collect();
        Prefilter::new(&reqs)
    }

    /// False only where no anchor (nor an escape that could spell one) occurs.
    #[test]
    fn may_match_is_false_only_without_an_anchor() {
        let p = prefilter(&[
            r#"{ ($.eventName = "CreateTrail") || ($.eventName = "StopLogging") }"#,
            r#"{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }"#,
        ]);
        for yes in [
            &br#"{"eventName":"CreateTrail"}"#[..],
            br#"{"userIdentity":{"type":"Root"}}"#,
            // Not even JSON: the literal is there, the evaluation decides.
            b"CreateTrail",
            // An escape could spell the literal: not ruled out.
            br#"{"eventName":"Cr\u0065ateTrail"}"#,
        ] {
            assert!(p.may_match(yes), "{}", String::from_utf8_lossy(yes));
        }
        // No anchor literal, no `\u`: ruled out (a `\"` cannot make these literals).
        for no in [
            &br#"{"eventName":"DescribeTrails"}"#[..],
            br#"{"eventName":"a\"b"}"#,
            b"not json at all",
            b"",
        ] {
            assert!(!p.may_match(no), "{}", String::from_utf8_lossy(no));
        }
    }

    /// The screen of a buffer of lines answers as `may_match` does on each line: the CIS
    /// patterns over real records, with escapes and lines cut at odd places mixed in.
    #[test]
    fn a_screen_answers_as_may_match_line_by_line() {
        let text = include_str!("../benches/cis_v3.txt");
        let patterns: Vec<&str> = text.lines().filter(|l| l.starts_with('{')).collect();
        let p = prefilter(&patterns);
        let records =
            include_str!("../../../testdata/cloudtrail-samples/panther-analysis-rule-tests.ndjson");
        let mut lines: Vec<String> = Vec::new();
        for (i, r) in records.lines().enumerate() {
            lines.push(r.to_string());
            lines.push(r[..r.len() * (i % 5) / 5].to_string());
            if i % 7 == 0 {
                lines.push(r.replace("Login", "L\\u006fgin"));
                lines.push(String::new());
            }
        }
        let buffer = lines.join("\n");
        let mut screen = p.screen(buffer.as_bytes());
        let (mut start, mut yes) = (0, 0);
        for line in &lines {
            let end = start + line.len();
            let want = p.may_match(line.as_bytes());
            assert_eq!(screen.may_match(start, end), want, "{line}");
            yes += usize::from(want);
            start = end + 1;
        }
        assert!(
            yes > 100 && yes < lines.len() - 100,
            "{yes} of {}",
            lines.len()
        );
    }

    /// A pattern without a requirement may match anything; an empty set matches nothing.
    #[test]
    fn unconstrained_and_empty_sets() {
        let p = prefilter(&[
            r#"{ $.eventName = "CreateTrail" }"#,
            r#"{ $.errorCode != "x" }"#,
        ]);
        assert!(p.may_match(b"{}"));
        assert!(p.screen(b"{}").may_match(0, 2));
        assert!(!prefilter(&[]).may_match(b"{}"));
        assert!(!prefilter(&[]).screen(b"{}").may_match(0, 2));
    }
}
