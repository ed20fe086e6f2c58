//! `trailwarden detect` end to end: real files in, jsonl/text out, exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn detect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .current_dir(repo())
        .arg("detect")
        .args(args)
        .output()
        .expect("run trailwarden")
}

fn detect_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .current_dir(repo())
        .arg("detect")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run trailwarden");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn jsonl(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// (control or rule, summary) of every line.
fn pairs(lines: &[Value]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|l| {
            let id = l
                .get("control")
                .or_else(|| l.get("rule"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            (
                id.to_string(),
                l["summary"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn folder_to_jsonl() {
    let out = detect(&[
        "testdata/cloudtrail/synthetic/changes.ndjson",
        "--format",
        "jsonl",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines = jsonl(&out);
    let got = pairs(&lines);
    assert_eq!(
        got,
        vec![
            ("4.10".into(), "alice opened tcp/22 to 0.0.0.0/0 on sg-0abc (us-east-1)".into()),
            ("4.12".into(), "role Deployer/ci detached internet gateway igw-1 from vpc-2 (us-east-1)".into()),
            ("4.13".into(), "role Deployer/ci added route 0.0.0.0/0 → igw-1 in route table rtb-1 (us-east-1)".into()),
            ("4.5".into(), "sso jane@example.com (AdministratorAccess) stopped logging on trail main (us-east-1)".into()),
            ("4.7".into(), "alice scheduled deletion of KMS key 1234abcd-12ab-34cd-56ef-1234567890ab in 7 days (us-east-1)".into()),
            ("4.2".into(), "root signed in to the console without MFA (us-east-1)".into()),
            ("4.3".into(), "root signed in to the console without MFA (us-east-1)".into()),
            ("4.8".into(), "alice changed the bucket policy of bucket example-reports (grants public access) (us-east-1)".into()),
            ("4.9".into(), "role Deployer/ci stopped AWS Config recorder default (us-east-1)".into()),
            ("4.1".into(), "alice called ec2:DescribeInstances (us-east-1) — failed: Client.UnauthorizedOperation".into()),
        ]
    );
    // The contract keys, on every line.
    for l in &lines {
        for key in [
            "event_id",
            "event_name",
            "event_time",
            "account",
            "region",
            "actor",
            "summary",
            "severity",
            "source_ip",
            "user_agent",
            "resources",
            "error",
            "location",
        ] {
            assert!(l.get(key).is_some(), "missing {key} in {l}");
        }
    }
    let first = &lines[0];
    assert_eq!(first["severity"], "critical");
    assert_eq!(first["account"], "111122223333");
    assert_eq!(first["source_ip"], "203.0.113.42");
    assert_eq!(first["location"]["line"], 1);
    assert_eq!(
        first["resources"][0],
        serde_json::json!({"type": "security-group", "id": "sg-0abc"})
    );
    // The duplicate delivery of the first record (last line of the file) is reported once.
    assert!(stderr(&out).contains("(1 duplicate)"), "{}", stderr(&out));
}

#[test]
fn examples_folder_skips_digests_and_reads_gzip() {
    let out = detect(&[
        "examples/logs",
        "--format",
        "jsonl",
        "--controls",
        "4.5,4.10",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = pairs(&jsonl(&out));
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got.iter().filter(|(c, _)| c == "4.5").count(), 2);
    assert!(got.contains(&(
        "4.10".into(),
        "christophe opened tcp/22 to 208.236.235.254/0 on sg-003dc7f1f1c686164 (us-northeast-1r)"
            .into()
    )));
    assert!(
        stderr(&out).contains("1 ignored"),
        "the digest file: {}",
        stderr(&out)
    );
}

#[test]
fn custom_rules_only() {
    let out = detect(&[
        "examples/logs",
        "--format",
        "jsonl",
        "--controls",
        "none",
        "--rules",
        "examples/rules/custom.toml",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines = jsonl(&out);
    assert!(lines.iter().all(|l| l.get("control").is_none()));
    let got = pairs(&lines);
    assert!(got.contains(&(
        "ec2-instance-connect-key".into(),
        "alice pushed an SSH key for ec2-user to i-0123456789abcdef0 (us-east-1)".into()
    )));
    let key = lines
        .iter()
        .find(|l| l["rule"] == "iam-access-key-created")
        .expect("access key rule");
    assert_eq!(key["severity"], "high");
}

#[test]
fn envelopes_on_stdin_and_files() {
    let body =
        std::fs::read(repo().join("testdata/cloudtrail/envelopes/eventbridge.json")).unwrap();
    let out = detect_stdin(&["--format", "jsonl"], &body);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines = jsonl(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["control"], "4.5");
    assert_eq!(lines[0]["location"]["origin"], "<stdin>");

    let out = detect(&[
        "testdata/cloudtrail/envelopes/cwl-subscription.json.gz",
        "testdata/cloudtrail/envelopes/cwl-control.json.gz",
        "--format",
        "jsonl",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got: Vec<String> = pairs(&jsonl(&out)).into_iter().map(|p| p.0).collect();
    assert_eq!(got, vec!["4.10", "4.7"]);
}

#[test]
fn malformed_inputs_are_reported_and_skipped() {
    let out = detect(&["testdata/cloudtrail/malformed", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    // One message per problem, each naming its file and where in it.
    assert!(
        err.contains("invalid.json:1 (record 1): invalid JSON"),
        "{err}"
    );
    assert!(
        err.contains("not-cloudtrail.json:1: not CloudTrail"),
        "{err}"
    );
    assert!(err.contains("mixed.ndjson:2: invalid JSON"), "{err}");
    assert!(err.contains("truncated.json.gz"), "{err}");
    assert!(err.contains("truncated gzip"), "{err}");
    assert!(
        !err.contains("digest-named-explicitly"),
        "a digest is skipped, not a problem: {err}"
    );
    // The good records around the damage still produce alerts.
    let lines = jsonl(&out);
    let from = |file: &str| {
        lines
            .iter()
            .filter(|l| l["location"]["origin"].as_str().unwrap().ends_with(file))
            .count()
    };
    assert_eq!(from("invalid.json"), 1, "the record before the bad one");
    assert_eq!(from("mixed.ndjson"), 2, "lines 1 and 3");
    assert!(from("truncated.json.gz") > 10, "records before the cut");
}

#[test]
fn oversized_record_is_skipped() {
    let big = format!(
        r#"{{"eventName":"StopLogging","padding":"{}"}}"#,
        "x".repeat(5000)
    );
    let input = format!("{big}\n{{\"eventName\":\"DeleteTrail\"}}\n");
    let out = detect_stdin(
        &["--format", "jsonl", "--max-record-size", "1000"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("<stdin>:1: record larger than 1000 bytes"),
        "{}",
        stderr(&out)
    );
    let lines = jsonl(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["event_name"], "DeleteTrail");
}

#[test]
fn nothing_matched_is_exit_0_and_text_format() {
    let out = detect_stdin(
        &[],
        br#"{"eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com"}"#,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());

    let out = detect(&[
        "testdata/cloudtrail/synthetic/changes.json.gz",
        "--controls",
        "4.7",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    assert!(head.starts_with("CRITICAL 4.7"), "{head}");
    assert!(head.ends_with("alice scheduled deletion of KMS key 1234abcd-12ab-34cd-56ef-1234567890ab in 7 days (us-east-1)"), "{head}");
    assert!(lines
        .next()
        .unwrap()
        .contains("ScheduleKeyDeletion from 203.0.113.42"));
}

#[test]
fn usage_errors_exit_2() {
    let out = detect(&["--controls", "4.99", "testdata/cloudtrail/synthetic"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("4.99"), "{}", stderr(&out));

    let out = detect(&["no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/folder does not exist"));

    let dir = std::env::temp_dir().join(format!("tw-detect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("bad.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nname = \"bad\"\npattern = '{ $.eventName = \"x\" && }'\n",
    )
    .unwrap();
    let out = detect(&[
        "--rules",
        rules.to_str().unwrap(),
        "testdata/cloudtrail/synthetic",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.toml: rule bad: invalid pattern"), "{err}");
    assert!(err.contains('^'), "caret under the problem: {err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// NDJSON lines no rule can match are skimmed (counted, not read) unless `--read-all`: the same
/// alerts either way; only `--read-all` finds the damage inside a skimmed line.
#[test]
fn skimmed_lines_and_read_all() {
    let dir = std::env::temp_dir().join(format!("tw-skim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("trail.ndjson");
    let lines = [
        r#"{"eventName":"DescribeInstances","eventID":"a"}"#,
        r#"{"eventName":"DescribeInstances","eventID":"b"}"#,
        r#"{"eventName":"DescribeInstances",,"eventID":"c"}"#,
        r#"{"eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com","eventID":"d"}"#,
    ];
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let path = file.to_str().unwrap();

    let out = detect(&["--format", "jsonl", "--controls", "4.5", path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("2 record(s)") && err.contains("2 line(s) skimmed (no rule can match them)"),
        "{err}"
    );
    let skimmed = pairs(&jsonl(&out));

    let out = detect(&["--format", "jsonl", "--controls", "4.5", "--read-all", path]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(":3: invalid JSON"), "{err}");
    assert!(
        err.contains("3 record(s)") && !err.contains("skimmed ("),
        "{err}"
    );
    assert_eq!(pairs(&jsonl(&out)), skimmed);
    assert_eq!(skimmed.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
