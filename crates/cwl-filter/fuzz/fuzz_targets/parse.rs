//! Any text: parsing never panics, and a parsed pattern prints to text that parses back equal.
#![no_main]

use cwl_filter::Pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Pattern::parse(text) {
        Ok(p) => {
            let printed = p.to_string();
            let back = Pattern::parse(&printed).unwrap_or_else(|e| {
                panic!("{text:?} printed as {printed:?}, which does not parse:\n{e}")
            });
            assert_eq!(back, p, "{text:?} printed as {printed:?}");
        }
        Err(e) => {
            // Rendering the error (caret line) must not panic either.
            let _ = e.to_string();
        }
    }
});
