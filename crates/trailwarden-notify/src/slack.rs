//! Slack incoming webhooks: a compact Block Kit message (header, section with fields, context).
//!
//! Compact on purpose (users' #1 complaint about CloudTrail-to-Slack tools is walls of
//! `requestParameters`): at most 10 fields, each value cut to [`FIELD_MAX`] characters, and the alert's
//! request parameters, when present, as one truncated code line. The dedup key is shown in the context
//! line so that a duplicate post (see the crate docs on at-least-once delivery) can be recognised.

use std::time::Duration;

use serde_json::{json, Value};

use crate::error::NotifyError;
use crate::http::{HttpClient, DEFAULT_TIMEOUT};
use crate::notification::{truncate, Notification, Severity};
use crate::Notifier;

/// Longest fact value shown (Slack allows 2000; long values make unreadable messages).
pub const FIELD_MAX: usize = 300;
/// Longest excerpt of the request parameters.
pub const PARAMS_MAX: usize = 500;
/// Slack's limits: header text 150 characters, section text 3000, 10 fields per section.
const HEADER_MAX: usize = 150;
const SECTION_MAX: usize = 3000;
const FIELDS_MAX: usize = 10;

/// Posts to a Slack incoming-webhook URL.
#[derive(Debug, Clone)]
pub struct SlackNotifier {
    url: String,
    http: HttpClient,
}

impl SlackNotifier {
    /// `url` is the incoming-webhook URL (`https://hooks.slack.com/services/…`; a secret).
    pub fn new(url: impl Into<String>) -> SlackNotifier {
        SlackNotifier::with_timeout(url, DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(url: impl Into<String>, timeout: Duration) -> SlackNotifier {
        SlackNotifier {
            url: url.into(),
            http: HttpClient::new(timeout),
        }
    }

    /// The JSON body posted for `n`.
    pub fn payload(n: &Notification) -> Value {
        let mut blocks = vec![json!({
            "type": "header",
            "text": {"type": "plain_text", "text": truncate(&format!("{} {}", emoji(n.severity), n.title), HEADER_MAX), "emoji": true}
        })];

        let mut section = json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(&n.summary, SECTION_MAX)}
        });
        let fields: Vec<Value> = n
            .facts
            .iter()
            .take(FIELDS_MAX)
            .map(|f| json!({"type": "mrkdwn", "text": format!("*{}*\n{}", f.name, truncate(&f.value, FIELD_MAX))}))
            .collect();
        if !fields.is_empty() {
            section["fields"] = Value::Array(fields);
        }
        blocks.push(section);

        if let Some(g) = &n.group {
            let mut text = format!(
                "*{} events* — {} — from {} to {}",
                g.count, g.key, g.first_time, g.last_time
            );
            if !g.event_ids.is_empty() {
                let sample: Vec<&str> = g.event_ids.iter().take(5).map(String::as_str).collect();
                text.push_str(&format!("\nevents: `{}`", sample.join("`, `")));
                if g.count as usize > sample.len() {
                    text.push_str(" …");
                }
            }
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(&text, SECTION_MAX)}}));
        }

        if let Some(params) = request_parameters(&n.alert) {
            let compact = truncate(&params.to_string(), PARAMS_MAX);
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("```{compact}```")}}));
        }

        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("severity *{}* · trailwarden · key `{}`", n.severity, n.dedup_key)}]
        }));

        json!({
            // The fallback text shows in notifications and in clients that do not render blocks.
            "text": truncate(&n.one_line(), SECTION_MAX),
            "blocks": blocks,
        })
    }
}

/// The alert's request parameters, wherever the producer put them (`request_parameters` as our detector
/// names things, or CloudTrail's own `requestParameters`, possibly under `event`/`record`).
fn request_parameters(alert: &Value) -> Option<&Value> {
    let candidates = [
        alert.get("request_parameters"),
        alert.get("requestParameters"),
        alert.get("event").and_then(|e| e.get("requestParameters")),
        alert.get("record").and_then(|e| e.get("requestParameters")),
    ];
    candidates.into_iter().flatten().find(|v| !v.is_null())
}

fn emoji(s: Severity) -> &'static str {
    match s {
        Severity::Low => "🔵",
        Severity::Medium => "🟡",
        Severity::High => "🟠",
        Severity::Critical => "🔴",
    }
}

impl Notifier for SlackNotifier {
    fn name(&self) -> &'static str {
        "slack"
    }

    fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        let body = serde_json::to_vec(&SlackNotifier::payload(n))
            .map_err(|e| NotifyError::permanent("slack", format!("cannot encode payload: {e}")))?;
        self.http.post_json("slack", &self.url, &[], &body)
    }
}
