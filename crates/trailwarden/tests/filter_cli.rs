//! `trailwarden filter test` / `filter explain`: output and exit codes through the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .arg("filter")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("the binary finishes")
}

fn lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect()
}

const APACHE: &str =
    "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534\n\
127.0.0.1 - frank [10/Oct/2000:13:25:16 -0700] \"GET /index.html HTTP/1.0\" 200 99\n";

#[test]
fn test_prints_only_matches_with_zero_based_numbers_and_extracted_values() {
    let o = run(&["test", "[..., status_code=4*, size]"], APACHE);
    assert_eq!(o.status.code(), Some(0));
    let l = lines(&o);
    assert_eq!(l.len(), 1);
    assert_eq!(l[0]["eventNumber"], 0);
    assert_eq!(l[0]["extractedValues"]["$status_code"], "404");
    assert_eq!(l[0]["extractedValues"]["$4"], "10/Oct/2000:13:25:15 -0700");
    assert!(l[0]["eventMessage"]
        .as_str()
        .is_some_and(|m| m.ends_with("404 1534")));
}

#[test]
fn test_reads_events_file_and_json_patterns_give_empty_extracted_values() {
    let dir = std::env::temp_dir().join(format!("tw-filter-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("events.txt");
    std::fs::write(&file, "{\"a\": 1}\nnot json\n{\"a\": 2, \"n\": 7}\n").expect("write events");
    let o = run(
        &[
            "test",
            "{ $.a >= 2 }",
            "--events",
            file.to_str().expect("utf-8 path"),
            "--metric-value",
            "$.n",
        ],
        "",
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let l = lines(&o);
    assert_eq!(l.len(), 1);
    assert_eq!(l[0]["eventNumber"], 2);
    assert_eq!(l[0]["extractedValues"], serde_json::json!({}));
    assert_eq!(l[0]["metricValue"], 7.0);
}

#[test]
fn test_with_no_match_exits_0_and_prints_nothing() {
    let o = run(&["test", "ERROR"], "all fine\n");
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
}

#[test]
fn invalid_pattern_exits_2_with_caret_error() {
    let o = run(&["test", "{ $.a = 1"], "");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("If a filter pattern starts with '{' it must end with '}'"),
        "{err}"
    );
    assert!(err.contains("    ^"), "{err}");
    let o = run(&["explain", "{ $.a IS NOT NULL }"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("^^^^^^"));
}

#[test]
fn explain_text_shows_grouping_selectors_and_literals() {
    let o = run(
        &[
            "explain",
            r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.eventName!="HeadBucket") }"#,
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("kind:      json"), "{out}");
    assert!(
        out.contains("canonical: { $.errorCode = *UnauthorizedOperation || ($.errorCode = AccessDenied* && $.eventName != HeadBucket) }"),
        "{out}"
    );
    assert!(out.contains("selectors: $.errorCode, $.eventName"), "{out}");
    assert!(
        out.contains("literals:  *UnauthorizedOperation, AccessDenied*, HeadBucket"),
        "{out}"
    );
}

#[test]
fn explain_json_for_delimited() {
    let o = run(
        &[
            "explain",
            "--json",
            "[ip, ..., status=4* || status=5*, size]",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["kind"], "space-delimited");
    assert_eq!(
        v["canonical"],
        "[ip, ..., status = 4* || status = 5*, size]"
    );
    assert_eq!(
        v["fields"],
        serde_json::json!(["$ip", "...", "$status", "$size"])
    );
    assert_eq!(v["literals"], serde_json::json!(["4*", "5*"]));
}
