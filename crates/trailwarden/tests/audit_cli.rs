//! `trailwarden audit` through the real binary: exit codes, the JSON contract, --controls, --output,
//! and bad evidence files (exit 2 with the location of the problem).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> String {
    root()
        .join("examples/evidence")
        .join(name)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .args(args)
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trailwarden-audit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn compliant_evidence_exits_0() {
    let o = run(&["audit", "--evidence", &example("compliant.json")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("17 findings: 17 PASS, 0 FAIL, 0 ERROR"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn failing_evidence_exits_1() {
    let o = run(&["audit", "--evidence", &example("broken.json")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn error_alone_also_exits_1() {
    // 4.12 in broken.json is ERROR (topic subscriptions not readable) and nothing else is selected.
    let o = run(&[
        "audit",
        "--evidence",
        &example("broken.json"),
        "--controls",
        "4.12",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["findings"][0]["status"], "ERROR");
    assert_eq!(doc["summary"]["fail"], 0);
}

#[test]
fn json_contract() {
    let o = run(&[
        "audit",
        "--evidence",
        &example("broken.json"),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&o)).expect("stdout is one JSON document");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 18);
    for f in findings {
        for key in ["control", "status", "account", "region", "reason"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
    }
    let f412 = findings.iter().find(|f| f["control"] == "4.12").unwrap();
    assert_eq!(f412["status"], "ERROR");
    assert_eq!(f412["account"], "111122223333");
    assert_eq!(f412["region"], "us-east-1");
}

#[test]
fn controls_flag_selects_and_validates() {
    let o = run(&[
        "audit",
        "--evidence",
        &example("broken.json"),
        "--controls",
        "4.10,4.14",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "4.10 and 4.14 pass in broken.json: {}",
        stderr(&o)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["control"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["4.10", "4.14"]);

    let o = run(&[
        "audit",
        "--evidence",
        &example("broken.json"),
        "--controls",
        "4.99",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown control '4.99'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn output_file_and_every_format() {
    for format in [
        "text", "json", "csv", "sarif", "asff", "ocsf", "junit", "html",
    ] {
        let path = std::env::temp_dir().join(format!(
            "trailwarden-audit-{}-out.{format}",
            std::process::id()
        ));
        let p = path.display().to_string();
        let o = run(&[
            "audit",
            "--evidence",
            &example("compliant.json"),
            "--format",
            format,
            "--output",
            &p,
        ]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{format}: report goes to the file");
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(!written.is_empty(), "{format}");
        let _ = std::fs::remove_file(&path);
    }
}

#[test]
fn unknown_format_is_a_usage_error() {
    let o = run(&[
        "audit",
        "--evidence",
        &example("compliant.json"),
        "--format",
        "yaml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown format 'yaml'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_evidence_exits_2_with_the_location() {
    let text = std::fs::read_to_string(example("compliant.json"))
        .unwrap()
        .replacen(
            "\"is_multi_region\": true",
            "\"is_multi_region\": \"yes\"",
            1,
        );
    let line = text
        .lines()
        .position(|l| l.contains("\"is_multi_region\": \"yes\""))
        .unwrap()
        + 1;
    let path = temp("bad-shape.json", &text);
    let o = run(&["audit", "--evidence", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("accounts[0].trails.ok[0].is_multi_region"),
        "{err}"
    );
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(err.contains("bad-shape.json"), "{err}");
}

#[test]
fn invalid_json_and_unknown_schema_exit_2() {
    let path = temp(
        "truncated.json",
        "{\n  \"schema\": \"trailwarden.evidence/v1\",\n  \"accounts\": [",
    );
    let o = run(&["audit", "--evidence", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not valid JSON at line 3"),
        "{}",
        stderr(&o)
    );

    let path = temp(
        "future.json",
        r#"{"schema": "trailwarden.evidence/v2", "accounts": []}"#,
    );
    let o = run(&["audit", "--evidence", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unsupported evidence schema \"trailwarden.evidence/v2\""),
        "{}",
        stderr(&o)
    );

    let o = run(&["audit", "--evidence", "/nonexistent/evidence.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read evidence file /nonexistent/evidence.json"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn evidence_from_stdin() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .args([
            "audit",
            "--evidence",
            "-",
            "--controls",
            "4.7",
            "--format",
            "csv",
        ])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let text = std::fs::read_to_string(example("broken.json")).unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("control,title,status,"), "{out}");
    assert!(
        out.contains("4.7,") && out.contains(",FAIL,") && out.contains("pending confirmation"),
        "{out}"
    );
}

#[test]
fn evidence_with_live_flags_is_a_usage_error() {
    let o = run(&[
        "audit",
        "--evidence",
        &example("compliant.json"),
        "--regions",
        "all",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("apply only to live collection"),
        "{}",
        stderr(&o)
    );
}

mod live {
    //! Live mode against a real moto server (the textbook chain built with the SDK). moto auto-confirms
    //! subscriptions, so PendingConfirmation and access errors are covered by the evidence fixtures instead.
    use std::process::Output;

    use trailwarden_testkit::{block_on, MotoServer, TestAccount};

    fn audit_as(account: &TestAccount, args: &[&str]) -> Output {
        let url = MotoServer::shared().endpoint_url();
        let mut cmd = account.command(env!("CARGO_BIN_EXE_trailwarden"));
        cmd.arg("audit")
            .args(args)
            .args(["--region", "us-east-1", "--endpoint-url", &url]);
        cmd.output().expect("run trailwarden")
    }

    fn json(o: &Output) -> serde_json::Value {
        serde_json::from_str(&String::from_utf8_lossy(&o.stdout)).unwrap_or_else(|e| {
            panic!(
                "{e}: stdout {} stderr {}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        })
    }

    #[test]
    fn textbook_account_passes_root_usage_and_security_hub() {
        let a = block_on(TestAccount::new(MotoServer::shared(), "300000000001"));
        block_on(a.textbook("us-east-1"));
        let o = audit_as(&a, &["--controls", "4.3,4.16", "--format", "json"]);
        let doc = json(&o);
        let findings = doc["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 2, "{doc}");
        for f in findings {
            assert_eq!(f["status"], "PASS", "{f}");
            assert_eq!(f["account"], "300000000001");
            assert_eq!(f["region"], "us-east-1");
        }
        assert_eq!(o.status.code(), Some(0));
        // The textbook chain has a root-usage filter only: another control fails at the metric filter.
        let o = audit_as(&a, &["--controls", "4.10", "--format", "json"]);
        assert_eq!(o.status.code(), Some(1));
        let doc = json(&o);
        assert_eq!(doc["findings"][0]["status"], "FAIL");
        assert_eq!(doc["findings"][0]["link"], "metric-filter");
    }

    #[test]
    fn empty_account_fails_at_the_trail() {
        let a = block_on(TestAccount::new(MotoServer::shared(), "300000000002"));
        let o = audit_as(&a, &["--controls", "4.1", "--format", "json"]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let doc = json(&o);
        assert_eq!(doc["findings"][0]["status"], "FAIL");
        assert!(
            doc["findings"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("no CloudTrail trail"),
            "{doc}"
        );
    }
}
