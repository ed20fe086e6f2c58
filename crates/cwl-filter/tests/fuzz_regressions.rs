//! Inputs that once crashed a fuzz target (`fuzz/`), replayed as ordinary tests so the bugs stay
//! fixed. Each file in `tests/fuzz-regressions/` is a raw fuzz input; the checks mirror the targets:
//! parsing never panics, a parsed pattern prints and re-parses to an equal pattern, and evaluating it
//! on the message after the first NUL byte never panics and agrees across entry points.

use std::fs;
use std::path::Path;

use cwl_filter::Pattern;

fn replay(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, msg) = text.split_once('\0').unwrap_or((text, ""));
    for candidate in [text, pattern] {
        if let Ok(p) = Pattern::parse(candidate) {
            let printed = p.to_string();
            let again = Pattern::parse(&printed)
                .unwrap_or_else(|e| panic!("canonical form of {candidate:?} does not parse: {e}"));
            assert_eq!(p, again, "round trip of {candidate:?} via {printed:?}");
            assert_eq!(p.test_message(msg).is_some(), p.matches_message(msg));
        }
    }
}

#[test]
fn every_stored_crash_input_is_handled() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for entry in fs::read_dir(&dir).expect("regression folder") {
        let path = entry.expect("entry").path();
        replay(&fs::read(&path).expect("read input"));
        n += 1;
    }
    assert!(n >= 2, "expected the stored inputs in {}", dir.display());
}

/// The first crash (parse target, 2026-11-25): a bare JSON value containing a multi-byte character
/// after an ASCII byte made the value scanner slice a `&str` inside that character.
#[test]
fn bare_value_with_multibyte_character_is_an_error_or_a_value_not_a_panic() {
    for p in [
        "{ $.a = x\u{3eb}y }",
        "{ $.a = 1\\\u{e}\u{3eb}.1 }",
        "{$.fooo =/survice/resourceo3\u{6d4}@zaaoo b}",
    ] {
        let _ = Pattern::parse(p).map(|p| p.to_string());
    }
    let p = Pattern::parse("{ $.a = x\u{3eb}y }")
        .expect("a bare word may hold any non-blank character");
    assert!(p.matches_message("{\"a\": \"x\u{3eb}y\"}"));
}
