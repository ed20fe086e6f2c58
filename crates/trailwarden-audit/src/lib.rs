//! The audit's pure core: evaluate an evidence document against a benchmark's Monitoring controls, and
//! render the findings.
//!
//! [`evaluate`] is a pure function of [`Evidence`] (see `docs/evidence.md`), a
//! [`trailwarden_controls::Benchmark`] and a [`Selection`]. For 4.1–4.15 it follows the whole CIS chain
//! per account — a multi-region, logging trail delivering all management events → its CloudWatch Logs
//! group (by ARN) → metric filters whose union on one metric *covers* the control's pattern (decided
//! semantically by [`cwl_filter::analysis::covers`]) → an alarm on that metric and namespace that fires on
//! one event → an SNS topic with a confirmed subscription. 4.16 is checked per audited region. A link that
//! could not be observed gives ERROR with the reason, never PASS. Several trails: PASS if any chain passes;
//! otherwise ERROR if any chain could not be seen; otherwise the most complete chain's FAIL.
//!
//! [`render`] turns findings into text, json, csv, sarif, asff, ocsf, junit or html.
//!
//! ```
//! use trailwarden_audit::{evaluate, Selection, Status};
//! use trailwarden_controls::Catalog;
//! use trailwarden_evidence::Evidence;
//!
//! let evidence = Evidence::from_json(r#"{"schema": "trailwarden.evidence/v1",
//!   "collected_at": "2026-11-25T16:00:00Z", "tool": {"name": "t", "version": "0"},
//!   "accounts": [{"account_id": "111122223333", "regions": [], "trails": {"ok": []}}]}"#)?;
//! let benchmark = Catalog::builtin()?.resolve(None)?;
//! let selection = Selection::parse(benchmark, "4.3")?;
//! let findings = evaluate(&evidence, benchmark, &selection);
//! assert_eq!(findings[0].status, Status::Fail);
//! assert!(findings[0].reason.contains("no CloudTrail trail"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod alarm;
mod chain;
mod finding;
pub mod kms;
mod outcome;
pub mod render;
mod securityhub;
mod selectors;

pub use finding::{Details, Finding, Link, Resources, Status, Summary};
pub use render::{render, Format};

use trailwarden_controls::{Benchmark, Control, Kind};
use trailwarden_evidence::{AccountEvidence, Evidence};

use outcome::Outcome;

/// Errors of the audit library (bad selections, unknown formats).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A control id the benchmark does not have.
    #[error("unknown control '{given}' in {benchmark}; valid: {}", valid.join(", "))]
    UnknownControl {
        /// What was asked.
        given: String,
        /// The benchmark id.
        benchmark: String,
        /// The ids it has.
        valid: Vec<String>,
    },
    /// An output format name that does not exist.
    #[error("unknown format '{0}'; valid: text, json, csv, sarif, asff, ocsf, junit, html")]
    UnknownFormat(String),
    /// A renderer failed (template or serialisation).
    #[error("cannot render {format}: {message}")]
    Render {
        /// The format.
        format: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// Which controls to evaluate (all by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Control ids; empty means every control of the benchmark.
    pub controls: Vec<String>,
}

impl Selection {
    /// Every control.
    pub fn all() -> Selection {
        Selection::default()
    }

    /// Parses a comma-separated list (`4.10,4.11`, slugs allowed), checking each against the benchmark.
    pub fn parse(benchmark: &Benchmark, list: &str) -> Result<Selection, AuditError> {
        let mut controls = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let control = benchmark
                .control(item)
                .ok_or_else(|| AuditError::UnknownControl {
                    given: item.to_string(),
                    benchmark: benchmark.id.clone(),
                    valid: benchmark
                        .control_ids()
                        .into_iter()
                        .map(str::to_string)
                        .collect(),
                })?;
            if !controls.contains(&control.id) {
                controls.push(control.id.clone());
            }
        }
        Ok(Selection { controls })
    }

    fn includes(&self, control: &Control) -> bool {
        self.controls.is_empty() || self.controls.contains(&control.id)
    }
}

/// Evaluates every selected control for every account of the evidence, in benchmark order.
pub fn evaluate(evidence: &Evidence, benchmark: &Benchmark, selection: &Selection) -> Vec<Finding> {
    let mut findings = Vec::new();
    for account in &evidence.accounts {
        for control in benchmark
            .controls()
            .iter()
            .filter(|c| selection.includes(c))
        {
            findings.extend(evaluate_control(evidence, account, control));
        }
    }
    findings
}

fn evaluate_control(
    evidence: &Evidence,
    account: &AccountEvidence,
    control: &Control,
) -> Vec<Finding> {
    if let Some(first) = account.collection_errors.first() {
        let o = Outcome::error(
            0,
            Link::Account,
            format!("the account could not be audited: {first}"),
        );
        return vec![finding(control, account, "global", o)];
    }
    match control.kind {
        Kind::MetricFilter => {
            let o = chain::evaluate(evidence, account, control);
            let region = o.region.clone().unwrap_or_else(|| "global".to_string());
            vec![finding(control, account, &region, o)]
        }
        Kind::SecurityHubEnabled => {
            let per_region = securityhub::evaluate(account);
            if per_region.is_empty() {
                let o = Outcome::error(0, Link::Region, "the evidence lists no audited region");
                return vec![finding(control, account, "global", o)];
            }
            per_region
                .into_iter()
                .map(|(region, o)| finding(control, account, &region, o))
                .collect()
        }
    }
}

fn finding(control: &Control, account: &AccountEvidence, region: &str, mut o: Outcome) -> Finding {
    if o.status == Status::Pass && control.kind == Kind::MetricFilter {
        o.reason = pass_reason(&o.resources, &o.reason);
    }
    let remediation = o.link.map(|link| remediation(control, link, o.status, &o));
    Finding {
        control: control.id.clone(),
        title: control.title.clone(),
        status: o.status,
        account: account.account_id.clone(),
        region: region.to_string(),
        link: o.link,
        reason: o.reason,
        remediation,
        resources: o.resources,
        details: o.details,
    }
}

/// A short, actionable hint for the broken link.
fn remediation(control: &Control, link: Link, status: Status, o: &Outcome) -> String {
    if status == Status::Error {
        return "Grant the audit principal read access (the SecurityAudit managed policy covers every call), \
                make sure the region is enabled, and collect again."
            .to_string();
    }
    let metric = control.metric_name.as_deref().unwrap_or("CISMetric");
    let group = o
        .resources
        .log_group
        .as_deref()
        .and_then(trailwarden_evidence::arn::LogGroupRef::parse)
        .map(|g| g.name)
        .unwrap_or_else(|| "<log-group>".to_string());
    let fix = match link {
        Link::Account | Link::Region => "Check the account's access and region settings.".to_string(),
        Link::Trail => "Use a multi-region trail that is logging and whose selectors include all management \
                        events, read and write (aws cloudtrail update-trail --is-multi-region-trail; \
                        start-logging; put-event-selectors with ReadWriteType=All,IncludeManagementEvents=true)."
            .to_string(),
        Link::LogGroup => "Send the trail to a CloudWatch Logs group: aws cloudtrail update-trail \
                           --cloud-watch-logs-log-group-arn <arn> --cloud-watch-logs-role-arn <role>."
            .to_string(),
        Link::MetricFilter => format!(
            "aws logs put-metric-filter --log-group-name {group} --filter-name {metric} \
             --metric-transformations metricName={metric},metricNamespace=CISBenchmark,metricValue=1 \
             --filter-pattern '{}'",
            control.pattern.as_deref().unwrap_or("")
        ),
        Link::Alarm => {
            let (ns, name) = o
                .resources
                .metric
                .as_deref()
                .and_then(|m| m.split_once('/'))
                .unwrap_or(("CISBenchmark", metric));
            let topic = o.resources.topics.first().map(String::as_str).unwrap_or("<sns-topic-arn>");
            format!(
                "aws cloudwatch put-metric-alarm --alarm-name {name} --metric-name {name} --namespace {ns} \
                 --statistic Sum --period 300 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold \
                 --evaluation-periods 1 --alarm-actions {topic}"
            )
        }
        Link::Topic => {
            let topic = o.resources.topics.first().map(String::as_str).unwrap_or("<topic-arn>");
            format!(
                "Subscribe to the topic and confirm the subscription: aws sns subscribe --topic-arn {topic} \
                 --protocol email --notification-endpoint <address>."
            )
        }
        Link::SecurityHub => "aws securityhub enable-security-hub --enable-default-standards (in this region)."
            .to_string(),
    };
    format!("{fix} Or: trailwarden remediate --controls {}", control.id)
}

/// "trail → group → filter → alarm → topic" for a passing chain, so the reader sees what was judged.
fn pass_reason(r: &Resources, topic_reason: &str) -> String {
    let name = |arn: &str| arn.rsplit([':', '/']).next().unwrap_or(arn).to_string();
    let mut parts = Vec::new();
    if let Some(t) = &r.trail {
        parts.push(format!("trail {}", name(t)));
    }
    if let Some(g) = r
        .log_group
        .as_deref()
        .and_then(trailwarden_evidence::arn::LogGroupRef::parse)
    {
        parts.push(format!("log group {}", g.name));
    }
    if !r.filters.is_empty() {
        let metric = r.metric.as_deref().unwrap_or("?");
        parts.push(format!("filter {} ({metric})", r.filters.join(" + ")));
    }
    if let Some(a) = r.alarms.first() {
        parts.push(format!("alarm {}", name(a)));
    }
    let subs = topic_reason
        .split_once("which has ")
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_default();
    if let Some(t) = r.topics.first() {
        parts.push(format!("topic {} ({subs})", name(t)));
    }
    format!("monitored: {}", parts.join(" → "))
}
