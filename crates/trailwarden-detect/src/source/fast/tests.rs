//! The fast read against serde: on real records, on hand-picked edge cases, and on many mutations
//! of both. Whatever `read` accepts, serde must accept with the same head (soundness); real
//! records must be accepted (otherwise the fast path is never taken).

use super::*;
use crate::source::head::{read_serde, Head};

/// Real CloudTrail records written by others (testdata/cloudtrail-samples/README.md).
const PANTHER: &str =
    include_str!("../../../../../testdata/cloudtrail-samples/panther-analysis-rule-tests.ndjson");
const USER_GUIDE: &str = include_str!(
    "../../../../../testdata/cloudtrail-samples/aws-cloudtrail-user-guide-examples.ndjson"
);

fn seeds() -> Vec<&'static str> {
    PANTHER
        .lines()
        .chain(USER_GUIDE.lines())
        .filter(|l| l.starts_with('{'))
        .collect()
}

fn owned(h: FastHead<'_>) -> Head {
    Head {
        event_id: h.event_id.map(str::to_owned),
        event_time: h.event_time.map(str::to_owned),
    }
}

/// The contract: an answer from `read`, or from either lane alone, is serde's answer. Returns
/// whether `read` answered.
fn check(bytes: &[u8], context: Context) -> bool {
    let fast = read(bytes, context);
    let lanes = [
        ("read", fast),
        (
            "token lane",
            tokens::walk(bytes, context, false, classify::pick()).map(|(h, _)| h),
        ),
        (
            "compact lane",
            compact::walk(bytes, context, false, classify::pick())
                .ok()
                .flatten()
                .map(|(h, _)| h),
        ),
    ];
    for (lane, answer) in lanes {
        let Some(answer) = answer else { continue };
        assert_eq!(
            Some(owned(answer)),
            read_serde(bytes, context),
            "{lane} accepted what serde reads otherwise: {:?}",
            String::from_utf8_lossy(bytes)
        );
        assert!(
            serde_json::from_slice::<serde_json::Value>(bytes).is_ok(),
            "{lane} accepted invalid JSON: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
    fast.is_some()
}

#[test]
fn portable_and_simd_classifiers_agree() {
    // On this project's machines (x86-64 with AVX-512) all three run.
    assert!(!classify::all().is_empty());
    let mut rng = fastrand::Rng::with_seed(7);
    let alphabet = b"\"\\{}[]:, \t\n\rab01\x00\x1f\x7f\x80\xff";
    for _ in 0..20_000 {
        let mut block = [0u8; 64];
        for b in &mut block {
            *b = if rng.bool() {
                alphabet[rng.usize(..alphabet.len())]
            } else {
                rng.u8(..)
            };
        }
        for (name, classify) in classify::all() {
            assert_eq!(classify(&block), classify::portable(&block), "{name}");
        }
    }
}

#[test]
fn real_records_are_read_fast_and_exactly() {
    let seeds = seeds();
    assert!(seeds.len() > 400);
    let mut fast = 0;
    for s in &seeds {
        for context in [Context::TopLevel, Context::Element] {
            fast += usize::from(check(s.as_bytes(), context));
        }
    }
    // The samples include records with `\u` escapes, which are left to serde; nearly all others
    // must take the fast path.
    assert!(
        fast * 10 >= seeds.len() * 2 * 9,
        "{fast} of {}",
        seeds.len() * 2
    );
}

#[test]
fn edge_cases() {
    let yes = |s: &str| {
        assert!(check(s.as_bytes(), Context::Element), "expected fast: {s}");
    };
    let no = |s: &str| {
        assert!(
            read(s.as_bytes(), Context::Element).is_none(),
            "expected none: {s}"
        );
    };
    yes(r#"{}"#);
    yes(" {\"a\" : [ 1 , -0.5, true,false ,null,{},[],\"x\\\"y\\\\\"] }\r\t ");
    yes(r#"{"eventID":"id","eventTime":null,"x":{"eventID":5}}"#);
    yes(r#"{"a":"é ✓ 😀"}"#);
    yes(&format!("{{\"a\":{}1{}}}", "[".repeat(99), "]".repeat(99)));
    // Not vouched for: serde decides (some of these are valid JSON, some not).
    for s in [
        r#"{"a":"\u0041"}"#,
        r#"{"a":1e5}"#,
        r#"{"a":1E400}"#,
        r#"{"a":1234567890123456789}"#,
        r#"{"eventID":"a\"b"}"#,
        r#"{"event\u0049D":"a"}"#,
        r#"{"eventID":7}"#,
        r#"{"eventID":"a","eventID":"b"}"#,
        r#"{"eventID":{}}"#,
        r#"{"a":01}"#,
        r#"{"a":1.}"#,
        r#"{"a":-}"#,
        r#"{"a":.5}"#,
        r#"{"a":+1}"#,
        r#"{"a":tru}"#,
        r#"{"a":truex}"#,
        r#"{"a":nul}"#,
        r#"{"a":1,}"#,
        r#"{"a":[1,]}"#,
        r#"{"a" 1}"#,
        r#"{"a":1 "b":2}"#,
        r#"{"a":1}}"#,
        r#"{"a":1} x"#,
        r#"{"a":[1}"#,
        r#"{"a":{1}}"#,
        r#"{a:1}"#,
        r#"[1]"#,
        r#"{"a":"x\y"}"#,
        "{\"a\":\"x\ny\"}",
        "{\"a\":\"x\x01\"}",
        "{\"a\":1\x0c}",
        r#"{"a":"x"#,
        r#"{"a":"x\"#,
        r#"{"a":1"#,
        "",
        "   ",
    ] {
        no(s);
    }
    no(&format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(100),
        "]".repeat(100)
    ));
    assert!(read(b"{\"a\":\"\xff\"}", Context::Element).is_none());
    assert!(read(b"{\"a\":\"\xc3\"}", Context::Element).is_none());
    // Classification of a top-level value, as head.rs does it.
    assert!(check(br#"{"eventName":"A"}"#, Context::TopLevel));
    assert!(check(br#"{"eventID":"A"}"#, Context::TopLevel));
    for s in [
        r#"{"x":1}"#,
        r#"{"eventID":null}"#,
        r#"{"eventName":"A","detail-type":null}"#,
        r#"{"eventName":"A","Records":[]}"#,
    ] {
        assert!(read(s.as_bytes(), Context::TopLevel).is_none(), "{s}");
    }
}

#[test]
fn strings_and_escapes_across_block_boundaries() {
    // Put a backslash, a quote and an escaped quote at every offset around the 64-byte edges.
    for pad in 0..140 {
        for tail in ["\\\\", "\\\"", "\\/x", "ab"] {
            let s = format!(r#"{{"k":"{}{tail}","eventID":"i"}}"#, "x".repeat(pad));
            assert!(check(s.as_bytes(), Context::Element), "{s}");
            let h = read(s.as_bytes(), Context::Element).unwrap();
            assert_eq!(h.event_id, Some("i"));
        }
        // An odd run of backslashes escapes the closing quote: unterminated.
        let s = format!(r#"{{"k":"{}\\\"}}"#, "x".repeat(pad));
        assert!(read(s.as_bytes(), Context::Element).is_none(), "{s}");
        let s = format!(r#"{{"k":{}"#, " ".repeat(pad));
        assert!(read(s.as_bytes(), Context::Element).is_none(), "{s}");
        let s = format!(r#"{{"k":{}true}}"#, " ".repeat(pad));
        assert!(check(s.as_bytes(), Context::Element), "{s}");
    }
}

/// Mutations that matter to JSON: structural bytes, escapes, quotes, digits, blanks, UTF-8.
const SPICE: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b" ",
    b"\n",
    b"\t",
    b"\x00",
    b"\x1f",
    b"0",
    b"-",
    b"e",
    b".",
    b"1e400",
    b"\\u0041",
    b"\\ud800",
    b"null",
    b"true",
    b"\xff",
    b"\xc3\xa9",
    b"\xe2\x9c",
    b"\"eventID\":\"x\",",
    b"\"eventID\":",
    b"\"Records\":",
    b"\"detail-type\":1,",
];

#[test]
fn mutations_never_fool_the_fast_read() {
    let seeds = seeds();
    let mut rng = fastrand::Rng::with_seed(2026);
    let (mut accepted, mut total) = (0, 0);
    for round in 0..60_000 {
        let mut bytes = seeds[round % seeds.len()].as_bytes().to_vec();
        for _ in 0..rng.usize(1..4) {
            let at = rng.usize(..=bytes.len());
            let spice = SPICE[rng.usize(..SPICE.len())];
            match rng.u8(..3) {
                0 => {
                    bytes.splice(at..at, spice.iter().copied());
                }
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {
                    let end = (at + spice.len()).min(bytes.len());
                    bytes.splice(at..end, spice.iter().copied());
                }
            }
        }
        for context in [Context::TopLevel, Context::Element] {
            total += 1;
            accepted += usize::from(check(&bytes, context));
        }
    }
    // Many mutations keep the record valid (a blank, a digit inside a string): the fast path must
    // have said yes to a good share, or this test would prove nothing.
    assert!(accepted * 5 > total, "{accepted} of {total}");
}

#[test]
fn an_escape_anywhere_in_a_head_value_or_key_is_left_to_serde() {
    for pad in 0..140 {
        let x = "x".repeat(pad);
        for s in [
            format!(r#"{{"eventID":"{x}\/y"}}"#),
            format!(r#"{{"{x}":1,"eventID":"a\/"}}"#),
            format!(r#"{{"k{x}":1,"event\/ID":"a"}}"#),
        ] {
            assert!(read(s.as_bytes(), Context::Element).is_none(), "{s}");
            assert!(read_serde(s.as_bytes(), Context::Element).is_some(), "{s}");
        }
        // A backslash before the head value, or after it in the same block, does not count.
        for s in [
            format!(r#"{{"a":"{x}\/","eventID":"id"}}"#),
            format!(r#"{{"eventID":"id","a":"{x}\/"}}"#),
        ] {
            let h = read(s.as_bytes(), Context::Element).expect("fast");
            assert_eq!(h.event_id, Some("id"), "{s}");
        }
    }
}

#[test]
fn a_prefix_read_ends_at_the_records_end() {
    let doc = br#"{"eventID":"a","x":"}"},{"eventID":"b"}]}"#;
    let (head, end) = read_prefix(doc, Context::Element).unwrap();
    assert_eq!(head.event_id, Some("a"));
    assert_eq!(&doc[..end], br#"{"eventID":"a","x":"}"}"#);
    // Whatever follows is not part of the record, even when it is not JSON.
    let (_, end) = read_prefix(b"{\"a\":[1]} ]]] \"", Context::Element).unwrap();
    assert_eq!(end, 9);
    assert!(read_prefix(br#"{"a":[1}"#, Context::Element).is_none());
    // And the same record alone reads the same.
    let seeds = seeds();
    let readable = seeds
        .iter()
        .filter(|s| read(s.as_bytes(), Context::Element).is_some());
    for s in readable.take(100) {
        let (h, end) = read_prefix(s.as_bytes(), Context::Element).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(end, s.trim_end().len());
        assert_eq!(Some(h), read(s.as_bytes(), Context::Element));
    }
}

#[test]
fn the_token_lane_reads_what_the_compact_lane_leaves() {
    // Blanks between tokens: not compact, so the token lane answers.
    let mut read_by_tokens = 0;
    for s in seeds() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(s) else {
            continue;
        };
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        assert!(
            compact::walk(pretty.as_bytes(), Context::Element, false, classify::pick()).is_err()
        );
        read_by_tokens += usize::from(check(pretty.as_bytes(), Context::Element));
    }
    assert!(read_by_tokens > 400, "{read_by_tokens}");
}

/// An element `read_records` handed out: its index, bytes and head.
type Element = (u64, Vec<u8>, Head);

/// `read_records` on `bytes`: where the array ends and the elements it gave, if it answered.
fn records_of(bytes: &[u8]) -> Option<(usize, Vec<Element>)> {
    let mut got = Vec::new();
    let end = read_records(bytes, 1 << 20, &mut |i, b, h| {
        got.push((i, b.to_vec(), owned(h)))
    })
    .ok()??;
    Some((end, got))
}

#[test]
fn a_records_array_reads_as_its_elements_do() {
    let seeds = seeds();
    let readable: Vec<&str> = seeds
        .iter()
        .copied()
        .filter(|s| read(s.as_bytes(), Context::Element).is_some())
        .collect();
    assert!(readable.len() > 400);
    let doc = format!("[{}]", readable.join(","));
    let (end, got) = records_of(doc.as_bytes()).expect("read");
    assert_eq!(end, doc.len());
    assert_eq!(got.len(), readable.len());
    for (i, s) in readable.iter().enumerate() {
        assert_eq!(got[i].0, i as u64);
        assert_eq!(got[i].1, s.as_bytes());
        assert_eq!(
            Some(&got[i].2),
            read(s.as_bytes(), Context::Element).map(owned).as_ref()
        );
    }
    // What follows the array is not read as part of it; an empty array has no records.
    assert_eq!(records_of(b"[]}").map(|(e, g)| (e, g.len())), Some((2, 0)));
    // Not vouched for: elements that are not objects, a blank (element by element instead).
    for bad in [
        &b"[1]"[..],
        b"[{},\"x\"]",
        b"[{},[]]",
        b"[{}",
        b"[{}{}]",
        b"{}",
    ] {
        assert!(
            records_of(bad).is_none(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    assert!(read_records(b"[ {}]", 100, &mut |_, _, _| {}).is_err());
    // Over the limit.
    assert!(
        read_records(b"[{\"a\":\"xxxxxxxx\"}]", 10, &mut |_, _, _| {})
            .unwrap()
            .is_none()
    );
}

#[test]
fn mutated_records_arrays_never_fool_the_fast_read() {
    let seeds = seeds();
    let mut rng = fastrand::Rng::with_seed(77);
    let mut answered = 0;
    for _ in 0..20_000 {
        let picks: Vec<&str> = (0..3).map(|_| seeds[rng.usize(..seeds.len())]).collect();
        let mut bytes = format!("[{}]", picks.join(",")).into_bytes();
        for _ in 0..rng.usize(0..3) {
            let at = rng.usize(..=bytes.len());
            let spice = SPICE[rng.usize(..SPICE.len())];
            if rng.bool() {
                bytes.splice(at..at, spice.iter().copied());
            } else if at < bytes.len() {
                bytes.remove(at);
            }
        }
        let Some((end, got)) = records_of(&bytes) else {
            continue;
        };
        answered += 1;
        let array: serde_json::Value = serde_json::from_slice(&bytes[..end])
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)));
        let array = array.as_array().expect("an array");
        assert_eq!(array.len(), got.len());
        for (i, b, head) in got {
            let element: serde_json::Value = serde_json::from_slice(&b).expect("element");
            assert!(element.is_object());
            assert_eq!(&element, &array[i as usize]);
            assert_eq!(Some(head), read_serde(&b, Context::Element));
        }
    }
    assert!(answered > 2_000, "{answered}");
}
