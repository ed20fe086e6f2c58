//! One-line summaries, target resources and risk for each family of events.
//!
//! [`describe`] looks the record's `eventName` (and, where names collide across services, its
//! `eventSource`) up in the [`families::FAMILIES`] table. Each family reads the `requestParameters`
//! it knows and returns a phrase (`opened tcp/22 to 0.0.0.0/0 on sg-0abc`), the resources acted on,
//! and a severity judged from the event itself (ingress from anywhere, a route to an internet
//! gateway, logging stopped, a key scheduled for deletion…). Events outside the table get a generic
//! `called <service>:<EventName>`.
//!
//! The summary is `<actor> <phrase> (<region>)`, with ` — failed: <errorCode>` when the call
//! failed (a failed change did not happen, so its severity is capped at medium). Root usage is at
//! least high.

mod families;
mod governance;
mod network;
mod read;

use crate::actor::Actor;
use crate::alert::{Resource, Severity};
use crate::record::Record;

pub use families::FAMILIES;

/// A family's reading of one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    /// Verb phrase without the actor: `opened tcp/22 to 0.0.0.0/0 on sg-0abc`.
    pub phrase: String,
    pub severity: Severity,
    pub resources: Vec<Resource>,
    /// The phrase already tells the outcome (console sign-in failures): no `failed:` suffix.
    pub tells_outcome: bool,
}

impl Described {
    pub fn new(phrase: impl Into<String>, severity: Severity) -> Described {
        Described {
            phrase: phrase.into(),
            severity,
            resources: Vec::new(),
            tells_outcome: false,
        }
    }
    pub fn with(mut self, kind: &'static str, id: Option<impl Into<String>>) -> Described {
        if let Some(id) = id {
            self.resources.push(Resource::new(kind, id));
        }
        self
    }
}

/// The full reading of a record: the summary line, its severity and resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub line: String,
    pub severity: Severity,
    pub resources: Vec<Resource>,
    /// The family's verb phrase (for custom summary templates: `{phrase}`).
    pub phrase: String,
}

/// Describes a record (see the module docs).
pub fn describe(record: &Record, actor: &Actor) -> Summary {
    let name = record.event_name().unwrap_or("");
    let source = record.event_source().unwrap_or("");
    let d = match families::find(name, source) {
        Some(family) => (family.describe)(record, name),
        None => generic(record, name, source),
    };
    let mut severity = d.severity;
    let mut line = format!("{} {}", actor.display, d.phrase);
    if let Some(region) = record.region() {
        line.push_str(&format!(" ({region})"));
    }
    if let Some(code) = record.error_code() {
        if !d.tells_outcome {
            line.push_str(&format!(" — failed: {code}"));
            severity = severity.min(Severity::Medium);
        }
    }
    if actor.is_root() {
        severity = severity.max(Severity::High);
    }
    Summary {
        line,
        severity,
        resources: d.resources,
        phrase: d.phrase,
    }
}

/// `called ec2:DescribeInstances` for events no family knows.
fn generic(_record: &Record, name: &str, source: &str) -> Described {
    let service = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    let name = if name.is_empty() {
        "an unnamed event"
    } else {
        name
    };
    if service.is_empty() {
        Described::new(format!("called {name}"), Severity::Low)
    } else {
        Described::new(format!("called {service}:{name}"), Severity::Low)
    }
}

#[cfg(test)]
mod tests;
