//! A pattern and a message (split at the first NUL byte): evaluation never panics, and the
//! entry points agree with each other.
#![no_main]

use cwl_filter::eval::parse_json_message;
use cwl_filter::Pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, msg) = text.split_once('\0').unwrap_or((text, ""));
    let Ok(p) = Pattern::parse(pattern) else {
        return;
    };
    let matched = p.matches_message(msg);
    assert_eq!(
        p.test_message(msg).is_some(),
        matched,
        "test_message disagrees on {pattern:?} / {msg:?}"
    );
    if let (Pattern::Json(_), Some(v)) = (&p, parse_json_message(msg)) {
        assert_eq!(
            p.matches_json(&v),
            matched,
            "matches_json disagrees on {pattern:?} / {msg:?}"
        );
    }
    let _ = p.metric_value(msg, "$.a");
    let _ = p.metric_value(msg, "$1");
});
