//! The raw-bytes fast path ([`Detector::with_fast_path`], on by default) against the reference
//! path (every record parsed into a `Value`, each rule evaluated on it): the same alerts in the
//! same order, the same problems and the same counters, over the vendored third-party samples,
//! the synthetic, envelope and malformed test data, and inputs built to hit the edge cases of the
//! light record read (duplicates, windows, odd types, deep nesting).

mod common;

use std::path::{Path, PathBuf};

use trailwarden_detect::source::FsSource;
use trailwarden_detect::{Detector, Rule, Stats};

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// The CIS v3 controls plus custom rules over nested and wildcard paths.
fn rules() -> Vec<Rule> {
    let mut rules = common::cis_v3_rules();
    let custom = r#"
        [[rule]]
        name = "any-error"
        pattern = '{ $.errorCode = "*" }'
        [[rule]]
        name = "nested"
        pattern = '{ $.requestParameters.x[0].y = 1 || $.userIdentity.type = "Root" }'
        [[rule]]
        name = "terms"
        pattern = 'DeleteBucket'
    "#;
    rules.extend(trailwarden_detect::rules::parse_rules(custom, "custom.toml").unwrap());
    rules
}

/// Every file under `dir`, sorted (FsSource order must not depend on directory listing order).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Alerts as jsonl lines, problems as text, and the counters.
fn run(
    paths: &[PathBuf],
    fast: bool,
    window: (Option<i64>, Option<i64>),
) -> (Vec<String>, Vec<String>, Stats) {
    let mut d = Detector::new(rules())
        .with_fast_path(fast)
        .with_threads(2)
        .with_window(window.0, window.1);
    let mut alerts = Vec::new();
    let mut problems = Vec::new();
    d.run(&mut FsSource::new(paths), &mut alerts, &mut |p| {
        problems.push(p.to_string())
    })
    .unwrap();
    let alerts = alerts
        .iter()
        .map(|a| serde_json::to_string(a).unwrap())
        .collect();
    (alerts, problems, d.stats)
}

fn same(paths: &[PathBuf], window: (Option<i64>, Option<i64>)) -> (Vec<String>, Stats) {
    let reference = run(paths, false, window);
    let fast = run(paths, true, window);
    assert_eq!(
        fast.0.len(),
        reference.0.len(),
        "alert count: fast {:#?}",
        fast.0
            .iter()
            .filter(|a| !reference.0.contains(a))
            .collect::<Vec<_>>()
    );
    for (f, r) in fast.0.iter().zip(&reference.0) {
        assert_eq!(f, r);
    }
    assert_eq!(fast.1, reference.1, "problems");
    assert_eq!(fast.2, reference.2, "stats");
    (fast.0, fast.2)
}

#[test]
fn samples_and_testdata_give_identical_output() {
    let mut paths = files(&testdata().join("cloudtrail-samples"));
    paths.extend(files(&testdata().join("cloudtrail")));
    paths.retain(|p| {
        let name = p.to_string_lossy();
        !(name.ends_with(".md") || name.ends_with(".py"))
    });
    let (alerts, stats) = same(&paths, (None, None));
    // Not a vacuous comparison: the data has many alerts, problems and records.
    assert!(alerts.len() > 100, "{}", alerts.len());
    assert!(stats.problems > 0 && stats.records > 500, "{stats:?}");
    // And with a window over `eventTime`.
    let since = Some(1_600_000_000);
    let until = Some(1_700_000_000);
    let (_, windowed) = same(&paths, (since, until));
    assert!(windowed.outside > 0, "{windowed:?}");
}

#[test]
fn edge_cases_give_identical_output() {
    let dir = std::env::temp_dir().join(format!("tw-fast-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let deep = format!(
        r#"{{"eventName":"StopLogging","eventID":"deep","x":{}1{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let lines = [
        r#"{"eventName":"StopLogging","eventID":"d1","eventTime":"2021-01-01T00:00:00Z"}"#,
        r#"{"eventName":"StopLogging","eventID":"d1","eventTime":"2021-01-01T00:00:00Z"}"#,
        r#"{"eventName":"StopLogging","eventID":"d2","eventID":"d1"}"#,
        r#"{"eventName":"StopLogging","eventID":7}"#,
        r#"{"eventName":"StopLogging","eventID":null,"detail-type":null}"#,
        r#"{"eventName":"DeleteTrail","eventID":"e\u0031","eventTime":"2031-01-01T00:00:00Z"}"#,
        r#"{"eventName":"DeleteTrail","eventID":"e1"}"#,
        r#"{"eventName":"DeleteTrail","eventTime":12}"#,
        r#"{"eventName":"CreateVpc","eventID":"x",}"#,
        r#"{"eventName":"CreateVpc" "eventID":"y"}"#,
        r#"{"eventName":"CreateVpc","eventID":"\ud800"}"#,
        r#"["eventName"]"#,
        r#"{"hello":"world"}"#,
        // Invalid for the Value path in a value no rule reads: a problem, not a record.
        r#"{"eventName":"StopLogging","eventID":"n1","x":1e400}"#,
        r#"{"eventName":"StopLogging","eventID":"s1","x":["\ud800"]}"#,
        &deep,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"DeleteBucketPolicy","eventID":"t1"}"#,
    ];
    std::fs::write(dir.join("a.ndjson"), lines.join("\n")).unwrap();
    let doc = format!(
        r#"{{"Records":[{},{},1,{{"eventID":"r1"}},{{"eventName":"StopLogging","eventID":"r1"}}]}}"#,
        lines[0], lines[2]
    );
    std::fs::write(dir.join("b.json"), doc).unwrap();
    let paths = vec![dir.join("a.ndjson"), dir.join("b.json")];
    let (alerts, stats) = same(&paths, (None, None));
    assert!(stats.duplicates >= 3 && stats.problems >= 6, "{stats:?}");
    assert!(alerts.iter().any(|a| a.contains("\"t1\"")), "{alerts:?}");
    let (_, windowed) = same(&paths, (Some(1_500_000_000), Some(1_700_000_000)));
    assert!(windowed.outside > 0, "{windowed:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
