//! Helpers shared by the audit's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use trailwarden_audit::{evaluate, Finding, Link, Selection, Status};
use trailwarden_controls::{Benchmark, Catalog};
use trailwarden_evidence::Evidence;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn benchmark() -> &'static Benchmark {
    Catalog::builtin().unwrap().resolve(None).unwrap()
}

pub fn load(path: &str) -> Evidence {
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    Evidence::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture(name: &str) -> Vec<Finding> {
    run(&load(&format!(
        "crates/trailwarden-audit/tests/fixtures/{name}.json"
    )))
}

pub fn run(ev: &Evidence) -> Vec<Finding> {
    evaluate(ev, benchmark(), &Selection::all())
}

/// The single finding of a 4.1–4.15 control (panics if there is not exactly one).
pub fn one<'a>(findings: &'a [Finding], control: &str) -> &'a Finding {
    let matching: Vec<_> = findings.iter().filter(|f| f.control == control).collect();
    assert_eq!(matching.len(), 1, "findings for {control}: {matching:#?}");
    matching[0]
}

/// The 4.16 finding of a region.
pub fn hub<'a>(findings: &'a [Finding], region: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.control == "4.16" && f.region == region)
        .unwrap_or_else(|| panic!("no 4.16 finding for {region}"))
}

/// Asserts status, broken link and a piece of the reason.
pub fn assert_finding(f: &Finding, status: Status, link: Option<Link>, reason_part: &str) {
    assert_eq!(
        f.status, status,
        "{} status; reason: {}",
        f.control, f.reason
    );
    assert_eq!(f.link, link, "{} link; reason: {}", f.control, f.reason);
    assert!(
        f.reason.contains(reason_part),
        "{} reason should contain {reason_part:?}: {}",
        f.control,
        f.reason
    );
}

pub fn metric_controls() -> Vec<String> {
    (1..=15).map(|i| format!("4.{i}")).collect()
}
