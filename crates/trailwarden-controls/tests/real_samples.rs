//! The v3.0.0 patterns over real CloudTrail records (testdata/cloudtrail-samples, vendored from
//! Stratus Red Team detonations). The expected counts come from that folder's README, which was
//! written from the records themselves, independently of these patterns: 51 records carry
//! `Client.UnauthorizedOperation` or `AccessDenied` (none from log delivery or HeadBucket), one
//! ConsoleLogin without MFA, AttachUserPolicy + AttachRolePolicy, DeleteTrail + StopLogging
//! (PutEventSelectors is not monitored), one AuthorizeSecurityGroupIngress, one LeaveOrganization,
//! and no Root identity.

use std::path::Path;

use trailwarden_controls::Catalog;

fn stratus_records() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/cloudtrail-samples/stratus-red-team");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).expect("readable")).expect("JSON");
        for r in doc["Records"].as_array().expect("Records array") {
            // One record per log event, compact, as CloudTrail delivers it to CloudWatch Logs.
            out.push(serde_json::to_string(r).expect("serialises"));
        }
    }
    out
}

#[test]
fn v3_patterns_over_the_stratus_red_team_records() {
    let records = stratus_records();
    assert_eq!(records.len(), 310);
    let v3 = Catalog::builtin()
        .expect("catalog")
        .resolve(None)
        .expect("default benchmark");
    let counts: Vec<(String, usize)> = v3
        .controls()
        .iter()
        .filter_map(|c| {
            c.compiled().map(|p| {
                (
                    c.id.clone(),
                    records.iter().filter(|r| p.matches_message(r)).count(),
                )
            })
        })
        .collect();
    let expected: Vec<(String, usize)> = [
        ("4.1", 51),
        ("4.2", 1),
        ("4.3", 0),
        ("4.4", 2),
        ("4.5", 2),
        ("4.6", 0),
        ("4.7", 0),
        ("4.8", 0),
        ("4.9", 0),
        ("4.10", 1),
        ("4.11", 0),
        ("4.12", 0),
        ("4.13", 0),
        ("4.14", 0),
        ("4.15", 1),
    ]
    .iter()
    .map(|(id, n)| (id.to_string(), *n))
    .collect();
    assert_eq!(counts, expected);
}
