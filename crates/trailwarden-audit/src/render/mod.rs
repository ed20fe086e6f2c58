//! Renderers: one module per output format, each a pure function of the findings and the report's
//! context. `--format json` is the stable contract of DESIGN.md: one document with `findings` (each with
//! `control`, `status`, `account`, `region`, `reason`) and `summary`.

use std::str::FromStr;

use crate::{AuditError, Finding};

mod asff;
mod csv;
mod html;
mod json;
mod junit;
mod ocsf;
mod sarif;
mod text;
mod time;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table for people (colour on a terminal).
    Text,
    /// One JSON document: `{findings, summary, ...}`.
    Json,
    /// One row per finding.
    Csv,
    /// SARIF 2.1.0 (code-scanning dashboards).
    Sarif,
    /// AWS Security Finding Format, as a `BatchImportFindings` request.
    Asff,
    /// OCSF Compliance Finding (class 2003) events, as a JSON array.
    Ocsf,
    /// JUnit XML (CI test reports).
    Junit,
    /// One self-contained HTML page.
    Html,
}

impl Format {
    /// Every format, in `--help` order.
    pub const ALL: [Format; 8] = [
        Format::Text,
        Format::Json,
        Format::Csv,
        Format::Sarif,
        Format::Asff,
        Format::Ocsf,
        Format::Junit,
        Format::Html,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Sarif => "sarif",
            Format::Asff => "asff",
            Format::Ocsf => "ocsf",
            Format::Junit => "junit",
            Format::Html => "html",
        }
    }
}

impl FromStr for Format {
    type Err = AuditError;
    fn from_str(s: &str) -> Result<Format, AuditError> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| AuditError::UnknownFormat(s.to_string()))
    }
}

/// What a report says about itself, besides the findings.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The findings, in evaluation order.
    pub findings: &'a [Finding],
    /// Benchmark id, e.g. `cis-aws-foundations-v3.0.0`.
    pub benchmark: &'a str,
    /// Benchmark version, e.g. `3.0.0`.
    pub benchmark_version: &'a str,
    /// trailwarden's version.
    pub tool_version: &'a str,
    /// When the evidence was collected (RFC 3339); used as the findings' time so output is reproducible.
    pub collected_at: &'a str,
    /// Colour for the text format.
    pub color: bool,
}

/// Renders the report in a format.
pub fn render(format: Format, report: &Report<'_>) -> Result<String, AuditError> {
    match format {
        Format::Text => Ok(text::render(report)),
        Format::Json => json::render(report),
        Format::Csv => csv::render(report),
        Format::Sarif => sarif::render(report),
        Format::Asff => asff::render(report),
        Format::Ocsf => ocsf::render(report),
        Format::Junit => junit::render(report),
        Format::Html => html::render(report),
    }
}

fn to_json(format: &'static str, v: &serde_json::Value) -> Result<String, AuditError> {
    serde_json::to_string_pretty(v)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| AuditError::Render {
            format,
            message: e.to_string(),
        })
}
