//! `--format ocsf`: OCSF 1.1 Compliance Finding events (class 2003, category 2 "Findings"), one per
//! finding, as a JSON array. Compliance status: PASS → Pass (1), ERROR → Warning (2: the check could not
//! conclude), FAIL → Fail (3).

use serde_json::{json, Value};

use super::time::rfc3339_to_millis;
use super::Report;
use crate::{AuditError, Finding, Status};

pub(super) fn render(r: &Report<'_>) -> Result<String, AuditError> {
    let time = rfc3339_to_millis(r.collected_at).ok_or_else(|| AuditError::Render {
        format: "ocsf",
        message: format!("collected_at '{}' is not an RFC 3339 time", r.collected_at),
    })?;
    let events: Vec<Value> = r.findings.iter().map(|f| event(r, f, time)).collect();
    super::to_json("ocsf", &Value::Array(events))
}

fn event(r: &Report<'_>, f: &Finding, time: i64) -> Value {
    let (status, status_id, severity, severity_id) = match f.status {
        Status::Pass => ("Pass", 1, "Informational", 1),
        Status::Error => ("Warning", 2, "Informational", 1),
        Status::Fail => ("Fail", 3, "Medium", 3),
    };
    let resources: Vec<Value> = f
        .resources
        .all()
        .into_iter()
        .map(|uid| json!({"uid": uid, "cloud_partition": "aws", "region": f.region}))
        .collect();
    json!({
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": 1,
        "status": "New",
        "message": f.reason,
        "metadata": {
            "version": "1.1.0",
            "product": {"name": "trailwarden", "vendor_name": "trailwarden", "version": r.tool_version},
        },
        "finding_info": {
            "uid": format!("trailwarden/{}/{}/{}/{}", r.benchmark, f.account, f.region, f.control),
            "title": format!("{} {}", f.control, f.title),
            "desc": f.reason,
            "types": ["CIS AWS Foundations Benchmark"],
        },
        "compliance": {
            "standards": [format!("CIS AWS Foundations Benchmark v{}", r.benchmark_version)],
            "requirements": [f.control],
            "control": f.control,
            "status": status,
            "status_id": status_id,
            "status_detail": f.link.map(|l| l.as_str()),
        },
        "cloud": {"provider": "AWS", "region": f.region, "account": {"uid": f.account, "type": "AWS Account", "type_id": 10}},
        "resources": resources,
        "remediation": {"desc": f.remediation.clone().unwrap_or_default()},
        "unmapped": {"details": f.details},
    })
}
