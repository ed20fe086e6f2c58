//! Every output format on the example evidence: insta snapshots (reviewed once, then any change shows as a
//! diff), plus structural checks that do not depend on the snapshot (JSON contract, SARIF 2.1.0 shape,
//! JUnit counts, HTML escaping, CSV columns).
mod common;

use common::*;
use trailwarden_audit::render::Report;
use trailwarden_audit::{render, Finding, Format};

fn report<'a>(findings: &'a [Finding], color: bool) -> Report<'a> {
    Report {
        findings,
        benchmark: "cis-aws-foundations-v3.0.0",
        benchmark_version: "3.0.0",
        tool_version: "0.1.0",
        collected_at: "2026-11-25T16:00:00Z",
        color,
    }
}

fn broken() -> Vec<Finding> {
    run(&load("examples/evidence/broken.json"))
}

/// The findings with the coverage analysis's own example events redacted: which broader event the search
/// finds first is the analysis's business (its tests pin it), not the renderers'.
fn stable(mut findings: Vec<Finding>) -> Vec<Finding> {
    for f in &mut findings {
        if f.details.broader_example.is_some() {
            f.details.broader_example = Some(serde_json::json!("<broader example>"));
        }
        for n in &mut f.details.notes {
            if n.starts_with("the filters are broader") {
                *n = "the filters are broader than the control's pattern (example redacted)"
                    .to_string();
            }
        }
    }
    findings
}

fn out(format: Format, findings: &[Finding]) -> String {
    render(format, &report(findings, false)).unwrap()
}

#[test]
fn snapshots_of_every_format() {
    let findings = stable(broken());
    for format in Format::ALL {
        let text = out(format, &findings);
        insta::assert_snapshot!(format!("broken_{}", format.name()), text);
    }
    let compliant = run(&load("examples/evidence/compliant.json"));
    insta::assert_snapshot!("compliant_text", out(Format::Text, &compliant));
}

#[test]
fn json_follows_the_cli_contract() {
    let findings = broken();
    let doc: serde_json::Value = serde_json::from_str(&out(Format::Json, &findings)).unwrap();
    let list = doc["findings"].as_array().unwrap();
    assert_eq!(list.len(), findings.len());
    for f in list {
        for key in ["control", "status", "account", "region", "reason"] {
            assert!(f[key].is_string(), "{key} missing in {f}");
        }
        assert!(["PASS", "FAIL", "ERROR"].contains(&f["status"].as_str().unwrap()));
    }
    assert_eq!(doc["summary"]["total"], findings.len());
    assert_eq!(doc["summary"]["pass"], 6);
    assert_eq!(doc["summary"]["fail"], 10);
    assert_eq!(doc["summary"]["error"], 2);
}

#[test]
fn sarif_has_the_2_1_0_shape() {
    let findings = broken();
    let doc: serde_json::Value = serde_json::from_str(&out(Format::Sarif, &findings)).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "trailwarden");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 16);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (r, f) in results.iter().zip(&findings) {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[idx]["id"], r["ruleId"],
            "ruleIndex points at the rule"
        );
        assert_eq!(r["ruleId"], f.control.as_str());
        let (kind, level) = (r["kind"].as_str().unwrap(), r["level"].as_str().unwrap());
        // SARIF §3.27.9: a result whose kind is not "fail" must have level "none".
        match f.status {
            trailwarden_audit::Status::Fail => assert_eq!((kind, level), ("fail", "error")),
            trailwarden_audit::Status::Pass => assert_eq!((kind, level), ("pass", "none")),
            trailwarden_audit::Status::Error => assert_eq!((kind, level), ("open", "none")),
        }
        assert!(r["message"]["text"].as_str().unwrap().contains(&f.reason));
    }
}

#[test]
fn junit_counts_failures_and_errors() {
    let findings = broken();
    let xml = out(Format::Junit, &findings);
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<testcase ").count(), findings.len());
    assert_eq!(xml.matches("<failure").count(), 10);
    assert_eq!(xml.matches("<error").count(), 2);
    assert_eq!(xml.matches("<testsuite ").count(), 16);
}

#[test]
fn asff_and_ocsf_map_statuses() {
    let findings = broken();
    let asff: serde_json::Value = serde_json::from_str(&out(Format::Asff, &findings)).unwrap();
    let list = asff["Findings"].as_array().unwrap();
    assert_eq!(list.len(), findings.len());
    let statuses: Vec<&str> = list
        .iter()
        .map(|f| f["Compliance"]["Status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "FAILED").count(), 10);
    assert_eq!(
        statuses.iter().filter(|s| **s == "NOT_AVAILABLE").count(),
        2
    );
    for f in list {
        assert_eq!(f["SchemaVersion"], "2018-10-08");
        assert!(f["Description"].as_str().unwrap().chars().count() <= 1024);
        assert!(!f["Resources"].as_array().unwrap().is_empty());
    }
    let ocsf: serde_json::Value = serde_json::from_str(&out(Format::Ocsf, &findings)).unwrap();
    let events = ocsf.as_array().unwrap();
    assert_eq!(events.len(), findings.len());
    for e in events {
        assert_eq!(e["class_uid"], 2003);
        assert_eq!(e["type_uid"], 200301);
        assert_eq!(e["time"], 1_795_622_400_000i64);
    }
    assert_eq!(
        events
            .iter()
            .filter(|e| e["compliance"]["status_id"] == 3)
            .count(),
        10
    );
}

#[test]
fn csv_has_one_row_per_finding() {
    let findings = broken();
    let text = out(Format::Csv, &findings);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "control");
    assert_eq!(&headers[2], "status");
    let rows: Vec<_> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), findings.len());
    assert_eq!(&rows[0][0], "4.1");
}

#[test]
fn html_escapes_what_it_quotes() {
    let mut ev = load("examples/evidence/broken.json");
    let alarms = match &mut ev.accounts[0].alarms[0].alarms {
        trailwarden_evidence::Observed::Ok(a) => a,
        _ => unreachable!(),
    };
    let a = alarms
        .iter_mut()
        .find(|a| a.name == "CIS-4.11-NACLChanges")
        .unwrap();
    a.name = "<script>alert('x')</script>".into();
    let findings = run(&ev);
    let html = out(Format::Html, &findings);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script>"), "unescaped script tag");
    assert!(html.contains("&lt;script&gt;"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "self-contained page"
    );
}

#[test]
fn text_colours_only_with_colour_on() {
    let findings = broken();
    let plain = out(Format::Text, &findings);
    assert!(!plain.contains('\u{1b}'));
    let coloured = render(Format::Text, &report(&findings, true)).unwrap();
    assert!(coloured.contains("\u{1b}[1;31mFAIL\u{1b}[0m"));
    assert!(coloured.contains("\u{1b}[1;33mERROR\u{1b}[0m"));
    assert!(plain.ends_with("18 findings: 6 PASS, 10 FAIL, 2 ERROR (cis-aws-foundations-v3.0.0)\n"));
}

#[test]
fn format_names_round_trip() {
    for f in Format::ALL {
        assert_eq!(f.name().parse::<Format>().unwrap(), f);
    }
    assert!("xml"
        .parse::<Format>()
        .unwrap_err()
        .to_string()
        .contains("valid: text, json"));
}
