//! What the detector emits: one [`Alert`] per (record, matched rule).
//!
//! The serialized form is the `--format jsonl` contract (DESIGN.md): `control` *or* `rule`,
//! `event_id`, `event_name`, `event_time`, `account`, `region`, `actor`, `summary`, plus
//! `severity`, `title`, `event_source`, `actor_detail`, `source_ip`, `user_agent`, `resources`,
//! `error` and `location`. Missing record fields are `null`, never omitted, so consumers can rely
//! on the keys.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::record::Location;

/// How urgent an alert is. Ordered: `Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// A thing the event acted on, e.g. `security-group sg-0abc`, `permission tcp/22 from 0.0.0.0/0`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resource {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
}

impl Resource {
    pub fn new(kind: &'static str, id: impl Into<String>) -> Resource {
        Resource {
            kind,
            id: id.into(),
        }
    }
}

/// The outcome of a failed call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// One detection.
#[derive(Clone, Debug, Serialize)]
pub struct Alert {
    /// The benchmark control id (`4.10`) for built-in controls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// The rule name for custom rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub title: String,
    pub severity: Severity,
    pub summary: String,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub event_source: Option<String>,
    pub event_time: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// The readable actor (`alice`, `role Deployer/ci`, `root`).
    pub actor: String,
    pub actor_detail: Actor,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub resources: Vec<Resource>,
    pub error: Option<ErrorInfo>,
    pub location: Location,
}

impl Alert {
    /// `4.10` or the custom rule's name.
    pub fn rule_label(&self) -> &str {
        self.control
            .as_deref()
            .or(self.rule.as_deref())
            .unwrap_or("?")
    }
}
