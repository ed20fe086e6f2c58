//! `--format json`: the DESIGN.md contract — one document with a `findings` array and a `summary`.

use serde_json::json;

use super::Report;
use crate::{AuditError, Summary};

pub(super) fn render(r: &Report<'_>) -> Result<String, AuditError> {
    let doc = json!({
        "benchmark": r.benchmark,
        "collected_at": r.collected_at,
        "tool": {"name": "trailwarden", "version": r.tool_version},
        "findings": r.findings,
        "summary": Summary::of(r.findings),
    });
    super::to_json("json", &doc)
}
