//! The message every notifier renders: what happened, how bad, the facts, and the raw alert.
//!
//! It is independent of the detector on purpose: the detector (or anything else) builds one, and each
//! notifier decides how much of it fits its medium. It is also what the state store keeps in its outbox,
//! so it serializes to and from JSON losslessly.

use serde::{Deserialize, Serialize};

/// How urgent a notification is. Ordered: `Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// `low`, `medium`, `high` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Well-known fact names, so that every producer spells them the same way (notifiers show facts in the
/// order they were added; these names are a convention, not a closed set).
pub mod fact {
    pub const ACTOR: &str = "Actor";
    pub const ACTION: &str = "Action";
    pub const ACCOUNT: &str = "Account";
    pub const REGION: &str = "Region";
    pub const SOURCE_IP: &str = "Source IP";
    pub const USER_AGENT: &str = "User agent";
    pub const TIME: &str = "Time";
    pub const RESOURCES: &str = "Resources";
    pub const ERROR: &str = "Error";
    pub const CONTROL: &str = "Control";
    pub const EVENT_ID: &str = "Event ID";
}

/// One `name: value` line of a notification (`Actor: alice`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub name: String,
    pub value: String,
}

/// Several events folded into one notification: the same actor (or control) within a time window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// What the events have in common, e.g. `4.10 by role Deployer/ci`.
    pub key: String,
    /// How many events the group holds (may exceed `event_ids.len()`).
    pub count: u64,
    /// Time of the first and last event (as the producer formats them, normally RFC 3339).
    pub first_time: String,
    pub last_time: String,
    /// A sample of the events' ids (producers should keep it short; notifiers show a few).
    #[serde(default)]
    pub event_ids: Vec<String>,
}

/// What a notifier sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Short headline, e.g. `Security group opened to the world (CIS 4.10)`.
    pub title: String,
    /// One line: who did what, where.
    pub summary: String,
    pub severity: Severity,
    /// Ordered facts (see [`fact`] for the usual names). Empty values are never stored.
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// Identity of this alert, stable across retries and restarts; receivers use it as an idempotency
    /// key to drop the rare duplicate delivery (see the crate docs).
    pub dedup_key: String,
    /// The full alert as the producer serialized it; notifiers show at most a truncated part of it.
    #[serde(default)]
    pub alert: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Group>,
}

impl Notification {
    /// A notification without facts, alert body or group.
    pub fn new(
        title: impl Into<String>,
        summary: impl Into<String>,
        severity: Severity,
        dedup_key: impl Into<String>,
    ) -> Notification {
        Notification {
            title: title.into(),
            summary: summary.into(),
            severity,
            facts: Vec::new(),
            dedup_key: dedup_key.into(),
            alert: serde_json::Value::Null,
            group: None,
        }
    }

    /// Adds a fact; an empty or whitespace-only value is skipped (an alert has no "Source IP: " lines).
    pub fn fact(mut self, name: impl Into<String>, value: impl Into<String>) -> Notification {
        let value = value.into();
        if !value.trim().is_empty() {
            self.facts.push(Fact {
                name: name.into(),
                value,
            });
        }
        self
    }

    /// Adds a fact when there is a value.
    pub fn fact_opt(
        self,
        name: impl Into<String>,
        value: Option<impl Into<String>>,
    ) -> Notification {
        match value {
            Some(v) => self.fact(name, v),
            None => self,
        }
    }

    /// Sets the raw alert JSON.
    pub fn alert(mut self, alert: serde_json::Value) -> Notification {
        self.alert = alert;
        self
    }

    /// Makes this a grouped notification.
    pub fn group(mut self, group: Group) -> Notification {
        self.group = Some(group);
        self
    }

    /// The value of the first fact called `name`.
    pub fn fact_value(&self, name: &str) -> Option<&str> {
        self.facts
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// `[HIGH] title — summary` (with the group size when grouped): the one-line form used by stdout,
    /// Slack's fallback text and SNS e-mail subjects.
    pub fn one_line(&self) -> String {
        let mut line = format!(
            "[{}] {} — {}",
            self.severity.as_str().to_uppercase(),
            self.title,
            self.summary
        );
        if let Some(g) = &self.group {
            line.push_str(&format!(
                " (+{} similar: {})",
                g.count.saturating_sub(1),
                g.key
            ));
        }
        line
    }
}

/// Cuts `s` to at most `max` characters (not bytes), ending with `…` when cut. Never splits a character.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let keep = max.saturating_sub(1);
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_facts_are_skipped_and_round_trip_is_lossless() {
        let n = Notification::new("t", "s", Severity::High, "k")
            .fact(fact::ACTOR, "alice")
            .fact(fact::SOURCE_IP, "  ")
            .fact_opt(fact::REGION, None::<String>)
            .alert(serde_json::json!({"a": 1}));
        assert_eq!(n.facts.len(), 1);
        assert_eq!(n.fact_value(fact::ACTOR), Some("alice"));
        let back: Notification = serde_json::from_str(&serde_json::to_string(&n).unwrap()).unwrap();
        assert_eq!(back, n);
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo wörld", 5), "héll…");
        assert_eq!(truncate("", 0), "");
    }

    #[test]
    fn one_line_mentions_group() {
        let n =
            Notification::new("Root used", "root called X", Severity::Critical, "k").group(Group {
                key: "4.3 by root".into(),
                count: 5,
                first_time: "a".into(),
                last_time: "b".into(),
                event_ids: vec![],
            });
        assert_eq!(
            n.one_line(),
            "[CRITICAL] Root used — root called X (+4 similar: 4.3 by root)"
        );
    }
}
