//! Data-driven conformance suite (in the style of the `regex` crate's TOML tests).
//!
//! Every `tests/conformance/*.toml` file holds `[[test]]` match vectors (pattern, event, expected
//! result, optional extracted values and metric value) and `[[error]]` vectors (pattern, expected
//! error kind and span). The harness runs them all, then reports **every** failure at once. A vector
//! with `skip = "reason"` is not run; the reasons are listed in the output.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use cwl_filter::Pattern;
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    test: Vec<MatchVector>,
    #[serde(default)]
    error: Vec<ErrorVector>,
    #[serde(default)]
    parse: Vec<ParseVector>,
}

/// A pattern that must parse (and round-trip), optionally to a given canonical form.
#[derive(Deserialize)]
#[allow(dead_code)]
struct ParseVector {
    name: String,
    pattern: String,
    source: Option<String>,
    canonical: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)] // `source`, `note`, `confidence` document the vector; the harness only prints them.
struct MatchVector {
    name: String,
    pattern: String,
    event: String,
    matches: bool,
    source: Option<String>,
    note: Option<String>,
    confidence: Option<String>,
    extracted: Option<BTreeMap<String, String>>,
    metric_expr: Option<String>,
    metric_value: Option<f64>,
    /// Expected canonical form (`Display`), when the vector pins it.
    canonical: Option<String>,
    skip: Option<String>,
}

#[derive(Deserialize)]
struct ErrorVector {
    name: String,
    pattern: Option<String>,
    /// Generated patterns: `repeat` copies of `pattern_repeat` (e.g. 1025 characters).
    pattern_repeat: Option<String>,
    repeat: Option<usize>,
    kind: String,
    span: Option<[usize; 2]>,
    /// A substring the rendered message must contain.
    message: Option<String>,
}

fn files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/conformance exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

fn load(path: &Path) -> File {
    let text = fs::read_to_string(path).expect("readable vector file");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check_match(v: &MatchVector) -> Result<(), String> {
    let p = Pattern::parse(&v.pattern).map_err(|e| format!("parse error:\n{e}"))?;
    let got = p.matches_message(&v.event);
    if got != v.matches {
        return Err(format!("matches_message = {got}, expected {}", v.matches));
    }
    let tm = p.test_message(&v.event);
    if tm.is_some() != v.matches {
        return Err(format!(
            "test_message disagrees with matches_message ({:?})",
            tm
        ));
    }
    if let Some(want) = &v.extracted {
        let got = tm.map(|m| m.extracted_values).unwrap_or_default();
        if &got != want {
            return Err(format!("extractedValues = {got:?}, expected {want:?}"));
        }
    }
    if let Some(expr) = &v.metric_expr {
        let got = p
            .metric_value(&v.event, expr)
            .map_err(|e| format!("metric value error:\n{e}"))?;
        if got != v.metric_value {
            return Err(format!(
                "metric value = {got:?}, expected {:?}",
                v.metric_value
            ));
        }
    }
    // The canonical form parses back to the same pattern.
    let printed = p.to_string();
    match Pattern::parse(&printed) {
        Ok(q) if q == p => {}
        Ok(q) => {
            return Err(format!(
                "print/parse round trip changed the pattern: {printed:?} → {q:?}"
            ))
        }
        Err(e) => return Err(format!("canonical form {printed:?} does not parse:\n{e}")),
    }
    if let Some(want) = &v.canonical {
        if &printed != want {
            return Err(format!("canonical form = {printed:?}, expected {want:?}"));
        }
    }
    Ok(())
}

fn check_parse(v: &ParseVector) -> Result<(), String> {
    let p = Pattern::parse(&v.pattern).map_err(|e| format!("parse error:\n{e}"))?;
    let printed = p.to_string();
    match Pattern::parse(&printed) {
        Ok(q) if q == p => {}
        Ok(q) => {
            return Err(format!(
                "print/parse round trip changed the pattern: {printed:?} → {q:?}"
            ))
        }
        Err(e) => return Err(format!("canonical form {printed:?} does not parse:\n{e}")),
    }
    match &v.canonical {
        Some(want) if &printed != want => {
            Err(format!("canonical form = {printed:?}, expected {want:?}"))
        }
        _ => Ok(()),
    }
}

fn check_error(v: &ErrorVector) -> Result<(), String> {
    let pattern = match (&v.pattern, &v.pattern_repeat, v.repeat) {
        (Some(p), None, None) => p.clone(),
        (None, Some(p), Some(n)) => p.repeat(n),
        _ => {
            return Err("an error vector needs `pattern`, or `pattern_repeat` and `repeat`".into())
        }
    };
    match Pattern::parse(&pattern) {
        Ok(p) => Err(format!("parsed as {p:?}, expected error {}", v.kind)),
        Err(e) => {
            if e.kind.name() != v.kind {
                return Err(format!(
                    "error kind {}, expected {}:\n{e}",
                    e.kind.name(),
                    v.kind
                ));
            }
            if let Some([s, t]) = v.span {
                if (e.span.start, e.span.end) != (s, t) {
                    return Err(format!(
                        "span {}..{}, expected {s}..{t}:\n{e}",
                        e.span.start, e.span.end
                    ));
                }
            }
            let rendered = e.to_string();
            if !rendered.contains('^') {
                return Err(format!("rendered error has no caret line:\n{rendered}"));
            }
            if let Some(m) = &v.message {
                if !rendered.contains(m.as_str()) {
                    return Err(format!("message does not contain {m:?}:\n{rendered}"));
                }
            }
            Ok(())
        }
    }
}

#[test]
fn conformance() {
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let (mut run, mut names) = (0, std::collections::HashSet::new());
    for path in files() {
        let file = load(&path);
        let fname = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for v in &file.test {
            assert!(
                names.insert(v.name.clone()),
                "duplicate vector name {}",
                v.name
            );
            if let Some(reason) = &v.skip {
                skipped.push(format!("{fname}:{}: {reason}", v.name));
                continue;
            }
            run += 1;
            if let Err(e) = check_match(v) {
                failures.push(format!(
                    "{fname}:{} pattern {:?} event {:?}\n  {e}",
                    v.name, v.pattern, v.event
                ));
            }
        }
        for v in &file.parse {
            assert!(
                names.insert(v.name.clone()),
                "duplicate vector name {}",
                v.name
            );
            run += 1;
            if let Err(e) = check_parse(v) {
                failures.push(format!("{fname}:{} pattern {:?}\n  {e}", v.name, v.pattern));
            }
        }
        for v in &file.error {
            assert!(
                names.insert(v.name.clone()),
                "duplicate vector name {}",
                v.name
            );
            run += 1;
            if let Err(e) = check_error(v) {
                failures.push(format!("{fname}:{} pattern {:?}\n  {e}", v.name, v.pattern));
            }
        }
    }
    eprintln!("conformance: {run} vectors run, {} skipped", skipped.len());
    for s in &skipped {
        eprintln!("  skipped {s}");
    }
    assert!(run > 0, "no conformance vectors found");
    assert!(
        failures.is_empty(),
        "{} of {run} conformance vectors failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
