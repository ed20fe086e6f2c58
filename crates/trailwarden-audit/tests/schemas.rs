//! The machine-readable reports checked against their published schemas (vendored in testdata/schemas,
//! see its README for where each file comes from):
//! - SARIF: the OASIS SARIF 2.1.0 JSON schema, with the `jsonschema` crate (formats checked too);
//! - JUnit: the Surefire/Jenkins xunit `junit-10.xsd` and Jenkins' dtkit `junit-4.xsd`, with `xmllint`.
//!
//! Every report is rendered from the example evidence and from every fixture, so the checks see PASS,
//! FAIL and ERROR findings and every kind of resource. `xmllint` is required: when it is missing the
//! JUnit tests fail and say to run scripts/setup-test-tools.sh. Each validator is also shown a broken
//! document, so a validator that accepts anything cannot make these tests pass.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use serde_json::Value;
use trailwarden_audit::render::Report;
use trailwarden_audit::{render, Finding, Format};

const SETUP_HINT: &str =
    "run scripts/setup-test-tools.sh (installs Debian libxml2-utils and chromium)";

fn schema_path(name: &str) -> PathBuf {
    root().join("testdata/schemas").join(name)
}

/// The example evidence and every fixture, each evaluated: (name, findings).
fn all_findings() -> Vec<(String, Vec<Finding>)> {
    let mut out = vec![
        (
            "broken".to_string(),
            run(&load("examples/evidence/broken.json")),
        ),
        (
            "compliant".to_string(),
            run(&load("examples/evidence/compliant.json")),
        ),
    ];
    let dir = root().join("crates/trailwarden-audit/tests/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
        .collect();
    names.sort();
    assert!(names.len() > 20, "fixtures missing in {}", dir.display());
    for name in names {
        let findings = fixture(&name);
        out.push((name, findings));
    }
    out
}

fn rendered(format: Format, findings: &[Finding]) -> String {
    let report = Report {
        findings,
        benchmark: "cis-aws-foundations-v3.0.0",
        benchmark_version: "3.0.0",
        tool_version: "0.1.0",
        collected_at: "2026-11-25T16:00:00Z",
        color: false,
    };
    render(format, &report).unwrap()
}

fn sarif_validator() -> jsonschema::Validator {
    let path = schema_path("sarif-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    // The schema itself must be a valid draft 2020-12 schema, or validating against it proves little.
    jsonschema::meta::validate(&schema).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every schema violation of a SARIF document, one per line (empty when valid).
fn sarif_errors(validator: &jsonschema::Validator, doc: &Value) -> String {
    validator
        .iter_errors(doc)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn sarif_reports_validate_against_the_sarif_2_1_0_schema() {
    let validator = sarif_validator();
    let mut failures = Vec::new();
    for (name, findings) in all_findings() {
        let doc: Value = serde_json::from_str(&rendered(Format::Sarif, &findings)).unwrap();
        assert_eq!(
            doc["runs"][0]["results"].as_array().unwrap().len(),
            findings.len(),
            "{name}"
        );
        let errors = sarif_errors(&validator, &doc);
        if !errors.is_empty() {
            failures.push(format!("{name}:\n{errors}"));
        }
    }
    assert!(
        failures.is_empty(),
        "invalid SARIF:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_sarif_schema_rejects_what_sarif_forbids() {
    let validator = sarif_validator();
    let good: Value = serde_json::from_str(&rendered(
        Format::Sarif,
        &run(&load("examples/evidence/broken.json")),
    ))
    .unwrap();
    assert_eq!(sarif_errors(&validator, &good), "");
    let tamper = |path: &str, value: Value| {
        let mut doc = good.clone();
        *doc.pointer_mut(path).unwrap_or_else(|| panic!("{path}")) = value;
        sarif_errors(&validator, &doc)
    };
    // Each is an error of the kind a renderer could make: a word outside SARIF's vocabulary, a wrong
    // type, a malformed URI, a missing required property.
    assert!(tamper("/runs/0/results/0/kind", "failed".into()).contains("/runs/0/results/0/kind"));
    assert!(tamper("/runs/0/results/0/level", "critical".into()).contains("level"));
    assert!(tamper("/runs/0/results/0/ruleIndex", (-2).into()).contains("ruleIndex"));
    assert!(tamper("/version", "2.1".into()).contains("/version"));
    assert!(tamper("/$schema", "not a uri".into()).contains("$schema"));
    assert!(tamper("/runs/0/tool/driver", serde_json::json!({})).contains("name"));
}

/// Runs `xmllint --schema` on a document; Ok or xmllint's complaints.
fn xmllint(xsd: &Path, xml: &str) -> Result<(), String> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let file = std::env::temp_dir().join(format!(
        "trailwarden-schemas-{}-{}.xml",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(xsd)
        .arg(&file)
        .output();
    let _ = std::fs::remove_file(&file);
    let out = match out {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("xmllint is not installed: {SETUP_HINT}")
        }
        Err(e) => panic!("cannot run xmllint: {e}"),
    };
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0) => Ok(()),
        // 3: the document does not validate; 4: the schema does not compile (our bug, not the report's).
        Some(3) => Err(stderr),
        _ => panic!(
            "xmllint failed on {}: {:?}\n{stderr}",
            xsd.display(),
            out.status
        ),
    }
}

const JUNIT_SCHEMAS: [&str; 2] = ["junit-10.xsd", "jenkins-junit-4.xsd"];

#[test]
fn junit_reports_validate_against_the_jenkins_schemas() {
    let mut failures = Vec::new();
    let reports: Vec<(String, String)> = all_findings()
        .into_iter()
        .map(|(name, findings)| (name, rendered(Format::Junit, &findings)))
        .collect();
    for xsd in JUNIT_SCHEMAS {
        let xsd = schema_path(xsd);
        for (name, xml) in &reports {
            if let Err(e) = xmllint(&xsd, xml) {
                failures.push(format!("{name} against {}:\n{e}", xsd.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "invalid JUnit XML:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_junit_schemas_reject_what_they_forbid() {
    let xml = rendered(Format::Junit, &run(&load("examples/evidence/broken.json")));
    for xsd in JUNIT_SCHEMAS {
        let xsd = schema_path(xsd);
        assert_eq!(xmllint(&xsd, &xml), Ok(()), "{}", xsd.display());
        // A test case without its required name, and an element neither schema knows.
        let nameless = xml.replacen("<testcase name=", "<testcase label=", 1);
        let err = xmllint(&xsd, &nameless).unwrap_err();
        assert!(err.contains("testcase"), "{}: {err}", xsd.display());
        let unknown =
            xml.replacen("<failure ", "<defect ", 1)
                .replacen("</failure>", "</defect>", 1);
        let err = xmllint(&xsd, &unknown).unwrap_err();
        assert!(err.contains("defect"), "{}: {err}", xsd.display());
    }
}
