//! `--format csv`: one row per finding; list cells are joined with `;`.

use super::Report;
use crate::AuditError;

const HEADER: [&str; 14] = [
    "control",
    "title",
    "status",
    "account",
    "region",
    "link",
    "reason",
    "remediation",
    "trail",
    "log_group",
    "filters",
    "alarms",
    "topics",
    "security_hub_exact",
];

pub(super) fn render(r: &Report<'_>) -> Result<String, AuditError> {
    let err = |e: &dyn std::fmt::Display| AuditError::Render {
        format: "csv",
        message: e.to_string(),
    };
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(|e| err(&e))?;
    for f in r.findings {
        let sh = f
            .details
            .security_hub_exact
            .map(|b| b.to_string())
            .unwrap_or_default();
        w.write_record([
            f.control.as_str(),
            f.title.as_str(),
            f.status.as_str(),
            f.account.as_str(),
            f.region.as_str(),
            f.link.map(|l| l.as_str()).unwrap_or(""),
            f.reason.as_str(),
            f.remediation.as_deref().unwrap_or(""),
            f.resources.trail.as_deref().unwrap_or(""),
            f.resources.log_group.as_deref().unwrap_or(""),
            &f.resources.filters.join(";"),
            &f.resources.alarms.join(";"),
            &f.resources.topics.join(";"),
            &sh,
        ])
        .map_err(|e| err(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| err(&e))?;
    String::from_utf8(bytes).map_err(|e| err(&e))
}
