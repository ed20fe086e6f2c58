//! Loading evidence documents: the happy path and every kind of bad input, each naming where it is wrong.
use trailwarden_evidence::{
    ErrorKind, Evidence, EvidenceError, Observed, ReadWriteType, SCHEMA_V1,
};

const MINIMAL: &str = r#"{
  "schema": "trailwarden.evidence/v1",
  "collected_at": "2026-11-25T16:00:00Z",
  "tool": {"name": "trailwarden", "version": "0.1.0"},
  "accounts": [{
    "account_id": "111122223333",
    "regions": [{"region": "us-east-1", "enabled": {"ok": true}}],
    "trails": {"ok": [{
      "name": "main", "arn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
      "home_region": "us-east-1", "is_multi_region": true,
      "log_group_arn": "arn:aws:logs:us-east-1:111122223333:log-group:ct:*",
      "status": {"ok": {"is_logging": true}},
      "event_selectors": {"ok": {"basic": [{"read_write_type": "All", "include_management_events": true}]}}
    }]},
    "log_groups": [{"arn": "arn:aws:logs:us-east-1:111122223333:log-group:ct", "name": "ct",
      "region": "us-east-1", "account_id": "111122223333",
      "metric_filters": {"error": {"kind": "Throttled", "operation": "DescribeMetricFilters", "region": "us-east-1", "message": "Rate exceeded"}}}]
  }]
}"#;

#[test]
fn minimal_document_loads_with_defaults() {
    let ev = Evidence::from_json(MINIMAL).unwrap();
    assert_eq!(ev.schema, SCHEMA_V1);
    let acct = &ev.accounts[0];
    assert_eq!(acct.partition, "aws");
    let trails = acct.trails.ok().unwrap();
    let sel = trails[0].event_selectors.ok().unwrap();
    assert_eq!(sel.basic[0].read_write_type, ReadWriteType::All);
    assert!(sel.advanced.is_empty());
    // Lookup by the trail's ARN form (with :*) finds the group stored without it.
    let group = acct
        .log_group(trails[0].log_group_arn.as_deref().unwrap())
        .unwrap();
    match &group.metric_filters {
        Observed::Error(e) => assert_eq!(e.kind, ErrorKind::Throttled),
        Observed::Ok(_) => panic!("expected an error"),
    }
    // Round trip.
    let again = Evidence::from_json(&ev.to_json_pretty()).unwrap();
    assert_eq!(again, ev);
}

#[test]
fn unknown_schema_version_is_named() {
    let text = MINIMAL.replace("trailwarden.evidence/v1", "trailwarden.evidence/v9");
    let err = Evidence::from_json(&text).unwrap_err();
    assert!(
        matches!(err, EvidenceError::UnsupportedSchema { ref found, .. } if found == "trailwarden.evidence/v9")
    );
    assert!(err.to_string().contains("trailwarden.evidence/v9"), "{err}");
    assert!(err.to_string().contains(SCHEMA_V1), "{err}");
}

#[test]
fn missing_schema_is_reported() {
    let err = Evidence::from_json(r#"{"accounts": []}"#).unwrap_err();
    assert!(matches!(err, EvidenceError::MissingSchema { .. }), "{err}");
}

#[test]
fn syntax_error_has_line_and_column() {
    let text = "{\n  \"schema\": \"trailwarden.evidence/v1\",\n  \"accounts\": [,]\n}";
    let err = Evidence::from_json(text).unwrap_err();
    match err {
        EvidenceError::Syntax { line, column, .. } => {
            assert_eq!(line, 3);
            assert_eq!(column, 16);
        }
        other => panic!("expected syntax error, got {other}"),
    }
}

#[test]
fn shape_error_names_the_path_and_position() {
    // is_logging given as a string.
    let text = MINIMAL.replace(r#""is_logging": true"#, r#""is_logging": "yes""#);
    let err = Evidence::from_json(&text).unwrap_err();
    let msg = err.to_string();
    match err {
        EvidenceError::Shape { path, line, .. } => {
            assert_eq!(path, "accounts[0].trails.ok[0].status.ok.is_logging");
            assert_eq!(line, 12);
        }
        other => panic!("expected shape error, got {other}"),
    }
    assert!(msg.contains("line 12"), "{msg}");
}

#[test]
fn unknown_error_kind_is_a_shape_error() {
    let text = MINIMAL.replace(r#""kind": "Throttled""#, r#""kind": "Throttling""#);
    let err = Evidence::from_json(&text).unwrap_err();
    match err {
        EvidenceError::Shape { path, message, .. } => {
            assert_eq!(path, "accounts[0].log_groups[0].metric_filters.error.kind");
            assert!(message.contains("Throttling"), "{message}");
        }
        other => panic!("expected shape error, got {other}"),
    }
}

#[test]
fn missing_required_field_is_named() {
    let text = MINIMAL.replace(r#""is_multi_region": true,"#, "");
    let err = Evidence::from_json(&text).unwrap_err();
    assert!(err.to_string().contains("is_multi_region"), "{err}");
    assert!(
        err.to_string().contains("accounts[0].trails.ok[0]"),
        "{err}"
    );
}

#[test]
fn top_level_not_an_object() {
    let err = Evidence::from_json("[1, 2]").unwrap_err();
    assert!(matches!(err, EvidenceError::Shape { .. }), "{err}");
}

/// `exists` is optional: absent in older documents (and then not written back), read when present.
#[test]
fn log_group_exists_is_optional_and_round_trips() {
    let old = Evidence::from_json(MINIMAL).unwrap();
    assert_eq!(old.accounts[0].log_groups[0].exists, None);
    assert!(!old.to_json_pretty().contains("\"exists\""));

    let text = MINIMAL.replace(
        r#""account_id": "111122223333",
      "metric_filters""#,
        r#""account_id": "111122223333", "exists": {"ok": false},
      "metric_filters""#,
    );
    assert_ne!(text, MINIMAL, "the replacement must apply");
    let ev = Evidence::from_json(&text).unwrap();
    assert_eq!(
        ev.accounts[0].log_groups[0].exists,
        Some(Observed::Ok(false))
    );
    let again = Evidence::from_json(&ev.to_json_pretty()).unwrap();
    assert_eq!(again, ev);

    let bad = MINIMAL.replace(
        r#""account_id": "111122223333",
      "metric_filters""#,
        r#""account_id": "111122223333", "exists": {"ok": "no"},
      "metric_filters""#,
    );
    let err = Evidence::from_json(&bad).unwrap_err().to_string();
    assert!(err.contains("log_groups[0].exists"), "{err}");
}
