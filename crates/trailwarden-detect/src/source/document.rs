//! The fast path through a CloudTrail log object held in memory: `{"Records":[…]}` split, and
//! every element validated and its head read, in place. A compact array (as CloudTrail writes it)
//! takes one pass of [`super::fast`] over the whole array ([`fast::read_records`]); one with
//! blanks between tokens, one [`fast::read_prefix`] per element.
//!
//! Only the plain shape is taken: blanks, `{"Records":[`, records that are objects separated by
//! commas, `]}`, blanks — all on one line (as CloudTrail writes them), so every record is on the
//! first line. Anything else (other keys beside `Records`, a byte-order mark, a record the fast
//! read does not vouch for, one over the size limit) makes [`records`] answer `None`, and the
//! caller decodes the object with the streaming decoder instead, which gives the same items for
//! the plain shape and exact messages for the rest.

use super::fast::{self, FastHead};
use super::head::Context;

/// Calls `each(index, bytes, head)` for every record of `doc`, in order, and answers `Some` if the
/// whole document has the plain shape (see the module docs). On `None`, what `each` was given
/// must be thrown away.
pub fn records<'a>(
    doc: &'a [u8],
    limit: usize,
    mut each: impl FnMut(u64, &'a [u8], FastHead<'a>),
) -> Option<()> {
    let last = doc.iter().rposition(|b| !is_blank(*b))?;
    if memchr::memchr(b'\n', &doc[..last]).is_some() {
        return None;
    }
    let mut p = skip_blanks(doc, 0);
    for token in [&b"{"[..], b"\"Records\"", b":"] {
        p = skip_blanks(doc, expect(doc, p, token)?);
    }
    if doc.get(p) != Some(&b'[') {
        return None;
    }
    // The whole array in one pass; element by element when it has blanks between tokens.
    match fast::read_records(&doc[p..], limit, &mut each) {
        Ok(len) => p += len?,
        Err(fast::NotCompact) => p = elements(doc, p + 1, limit, &mut each)?,
    }
    p = expect(doc, skip_blanks(doc, p), b"}")?;
    (skip_blanks(doc, p) == doc.len()).then_some(())
}

/// The elements of the array whose `[` was just before `p`, one [`fast::read_prefix`] each; the
/// position after its `]`.
fn elements<'a>(
    doc: &'a [u8],
    mut p: usize,
    limit: usize,
    each: &mut impl FnMut(u64, &'a [u8], FastHead<'a>),
) -> Option<usize> {
    p = skip_blanks(doc, p);
    if doc.get(p) == Some(&b']') {
        return Some(p + 1);
    }
    let mut index = 0;
    loop {
        let rest = doc.get(p..)?;
        if rest.first() != Some(&b'{') {
            return None;
        }
        let (head, len) = fast::read_prefix(rest, Context::Element)?;
        if len > limit {
            return None;
        }
        each(index, &rest[..len], head);
        index += 1;
        p = skip_blanks(doc, p + len);
        match doc.get(p) {
            Some(b',') => p = skip_blanks(doc, p + 1),
            Some(b']') => return Some(p + 1),
            _ => return None,
        }
    }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_blanks(doc: &[u8], mut p: usize) -> usize {
    while doc.get(p).is_some_and(|b| is_blank(*b)) {
        p += 1;
    }
    p
}

/// `token` stands at `p`: the position after it.
fn expect(doc: &[u8], p: usize, token: &[u8]) -> Option<usize> {
    doc.get(p..)?.starts_with(token).then_some(p + token.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(doc: &str) -> Option<Vec<(u64, String, Option<String>)>> {
        let mut out = Vec::new();
        records(doc.as_bytes(), 1000, |i, bytes, head| {
            out.push((
                i,
                String::from_utf8(bytes.to_vec()).unwrap(),
                head.event_id.map(str::to_owned),
            ))
        })?;
        Some(out)
    }

    #[test]
    fn plain_objects_are_split_in_place() {
        let got = ids(r#" {"Records" : [ {"eventID":"a"} ,{"x":[1,{"y":"]"}]}]}  "#).unwrap();
        assert_eq!(
            got,
            vec![
                (0, r#"{"eventID":"a"}"#.to_string(), Some("a".to_string())),
                (1, r#"{"x":[1,{"y":"]"}]}"#.to_string(), None),
            ]
        );
        assert_eq!(ids(r#"{"Records":[]}"#).unwrap(), vec![]);
        assert!(ids("{\"Records\":[{\"a\":1}]}\n\n").is_some());
        // Blanks between tokens: element by element, same answer.
        let spaced = r#"{"Records":[ {"eventID" : "a"}, {"x": [1, {"y": "]"}]} ]}"#;
        let got = ids(spaced).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].2.as_deref(), Some("a"));
        assert_eq!(got[1].1, r#"{"x": [1, {"y": "]"}]}"#);
    }

    #[test]
    fn anything_else_is_left_to_the_streaming_decoder() {
        for doc in [
            "",
            "{}",
            r#"{"Records":[{"a":1}],"x":1}"#,
            r#"{"x":1,"Records":[{"a":1}]}"#,
            r#"{"Records":[{"a":1},]}"#,
            r#"{"Records":[{"a":1} {"b":1}]}"#,
            r#"{"Records":[1]}"#,
            r#"{"Records":[{"a":1},"x"]}"#,
            r#"{"Records":[{"a":1},[]]}"#,
            r#"{"Records":[{"a":1},null]}"#,
            r#"{"Records":[{"a":1}{"b":2}]}"#,
            r#"{"Records":[{"a":"\u0041"}]}"#,
            r#"{"Records":[{"a":1e5}]}"#,
            r#"{"Records":[{"a":1}]"#,
            r#"{"Records":[{"a":1}]}x"#,
            "{\"Records\":[{\"a\":1},\n{\"b\":2}]}",
            "\u{feff}{\"Records\":[]}",
            r#"[{"a":1}]"#,
        ] {
            assert!(ids(doc).is_none(), "{doc}");
        }
        // Over the size limit.
        let big = format!(r#"{{"Records":[{{"a":"{}"}}]}}"#, "x".repeat(2000));
        assert!(ids(&big).is_none());
    }
}
