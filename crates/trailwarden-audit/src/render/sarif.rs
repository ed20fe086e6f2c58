//! `--format sarif`: SARIF 2.1.0. One rule per control, one result per finding. Cloud resources have no
//! file location, so results carry `logicalLocations` (the resource ARNs). Result `kind` follows SARIF's
//! vocabulary: PASS → `pass`, FAIL → `fail` (level `error`), ERROR → `open` ("the tool could not determine
//! whether the issue is present").

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Report;
use crate::{AuditError, Finding, Status};

pub(super) const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub(super) fn render(r: &Report<'_>) -> Result<String, AuditError> {
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in r.findings {
        rules.entry(f.control.as_str()).or_insert(f);
    }
    let mut rule_ids: Vec<&str> = Vec::new();
    for f in r.findings {
        if !rule_ids.contains(&f.control.as_str()) {
            rule_ids.push(&f.control);
        }
    }
    let rules_json: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let f = rules[id];
            json!({
                "id": id,
                "name": format!("CIS {id}"),
                "shortDescription": {"text": f.title},
                "fullDescription": {"text": format!("{} ({})", f.title, r.benchmark)},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["cis-aws-foundations", "monitoring"]},
            })
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let (kind, level) = match f.status {
                Status::Pass => ("pass", "none"),
                Status::Fail => ("fail", "error"),
                Status::Error => ("open", "none"),
            };
            let rule_index = rule_ids.iter().position(|id| *id == f.control).unwrap_or(0);
            let locations: Vec<Value> = f
                .resources
                .all()
                .into_iter()
                .map(|arn| json!({"logicalLocations": [{"fullyQualifiedName": arn, "kind": "resource"}]}))
                .collect();
            let mut result = json!({
                "ruleId": f.control,
                "ruleIndex": rule_index,
                "kind": kind,
                "level": level,
                "message": {"text": format!("[{}] {}", f.status, f.reason)},
                "partialFingerprints": {
                    "trailwarden/v1": format!("{}/{}/{}", f.account, f.region, f.control),
                },
                "properties": {
                    "status": f.status,
                    "account": f.account,
                    "region": f.region,
                    "link": f.link,
                    "remediation": f.remediation,
                },
            });
            if !locations.is_empty() {
                result["locations"] = Value::Array(locations);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "trailwarden",
                "version": r.tool_version,
                "semanticVersion": r.tool_version,
                "rules": rules_json,
            }},
            "automationDetails": {"id": format!("trailwarden/{}/", r.benchmark)},
            "results": results,
        }],
    });
    super::to_json("sarif", &doc)
}
