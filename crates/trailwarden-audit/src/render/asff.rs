//! `--format asff`: AWS Security Finding Format findings, wrapped as a `BatchImportFindings` request
//! (`{"Findings": [...]}`, usable with `aws securityhub batch-import-findings --cli-input-json file://…`).
//! Compliance: PASS → PASSED, FAIL → FAILED, ERROR → NOT_AVAILABLE ("the check could not be completed").
//! ASFF limits `Description` to 1024 and the recommendation text to 512 characters: longer texts are cut.

use serde_json::{json, Value};
use trailwarden_evidence::arn::Arn;

use super::Report;
use crate::{AuditError, Finding, Status};

pub(super) fn render(r: &Report<'_>) -> Result<String, AuditError> {
    let findings: Vec<Value> = r.findings.iter().map(|f| finding(r, f)).collect();
    super::to_json("asff", &json!({ "Findings": findings }))
}

fn finding(r: &Report<'_>, f: &Finding) -> Value {
    let partition = f
        .resources
        .all()
        .iter()
        .find_map(|a| Arn::parse(a).map(|p| p.partition.to_string()))
        .unwrap_or_else(|| "aws".to_string());
    // Security Hub needs a concrete region in the product ARN; a global finding uses us-east-1.
    let region = if f.region == "global" {
        "us-east-1"
    } else {
        f.region.as_str()
    };
    let (compliance, severity) = match f.status {
        Status::Pass => ("PASSED", "INFORMATIONAL"),
        Status::Fail => ("FAILED", "MEDIUM"),
        Status::Error => ("NOT_AVAILABLE", "INFORMATIONAL"),
    };
    let resources = resources(f, &partition, region);
    let mut out = json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("trailwarden/{}/{}/{}/{}", r.benchmark, f.account, f.region, f.control),
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{}:product/{}/default", f.account, f.account),
        "GeneratorId": format!("trailwarden/{}/{}", r.benchmark, f.control),
        "AwsAccountId": f.account,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"],
        "CreatedAt": r.collected_at,
        "UpdatedAt": r.collected_at,
        "Severity": {"Label": severity},
        "Title": cut(&format!("{} {}", f.control, f.title), 256),
        "Description": cut(&f.reason, 1024),
        "Resources": resources,
        "Compliance": {"Status": compliance, "RelatedRequirements": [format!("CIS AWS Foundations Benchmark v{} {}", r.benchmark_version, f.control)]},
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
        "ProductFields": {"trailwarden/status": f.status.as_str(), "trailwarden/link": f.link.map(|l| l.as_str()).unwrap_or("")},
    });
    if let Some(rem) = &f.remediation {
        out["Remediation"] = json!({"Recommendation": {"Text": cut(rem, 512)}});
    }
    out
}

fn resources(f: &Finding, partition: &str, region: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut push = |ty: &str, id: &str| {
        out.push(json!({"Type": ty, "Id": id, "Partition": partition, "Region": region}));
    };
    if let Some(t) = &f.resources.trail {
        push("AwsCloudTrailTrail", t);
    }
    if let Some(g) = &f.resources.log_group {
        push("Other", g);
    }
    for a in &f.resources.alarms {
        push("AwsCloudWatchAlarm", a);
    }
    for t in &f.resources.topics {
        push("AwsSnsTopic", t);
    }
    if let Some(o) = &f.resources.other {
        push("Other", o);
    }
    if f.resources.all().is_empty() {
        let id = format!("AWS::::Account:{}", f.account);
        push("AwsAccount", &id);
    }
    out
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}
