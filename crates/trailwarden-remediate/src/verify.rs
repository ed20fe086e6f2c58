//! `verify`: prove that a deployed chain would actually notify someone, by testing it rather than reading it.
//!
//! The audit ([`trailwarden_audit::evaluate`]) judges each control's chain (trail → log group → filters →
//! metric → alarm → topic → confirmed subscriber); `verify` reuses that judgement for the alarm/topic links and
//! adds what reading cannot show: realistic CloudTrail events ([`probes`]: the control's own must-match
//! examples, plus one per listed event name built from them) are run through the *deployed* filter patterns
//! of the chain with our engine ([`check`], pure), and where the endpoint offers it also through AWS's own
//! `TestMetricFilter` ([`aws_test_filters`]). With `--fire`, [`fire`] sets each alarm to `ALARM` so the
//! subscribers get a real notification, then restores the state it had.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::types::StateValue;
use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use serde::Serialize;
use trailwarden_audit::{evaluate, Selection, Status};
use trailwarden_controls::{Benchmark, Control, Kind};
use trailwarden_evidence::Evidence;

/// The reason SetAlarmState records when `--fire` sets an alarm to ALARM.
pub const FIRE_REASON: &str = "trailwarden verify";

/// One synthetic CloudTrail record a control's chain must count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    /// What the event is (its `eventName`, or the example's description).
    pub name: String,
    /// The record as one line of JSON, as CloudTrail writes it to CloudWatch Logs.
    pub event: String,
}

/// The verdict on one control in one account/region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Control id (`4.3`).
    pub control: String,
    /// Account id.
    pub account: String,
    /// Region of the chain.
    pub region: String,
    /// Every problem found; empty means OK.
    pub problems: Vec<String>,
    /// Log group ARN of the chain, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    /// (filter name, pattern) of the deployed filters feeding the chain's metric.
    pub filters: Vec<(String, String)>,
    /// The events tested, and whether a deployed filter matched each (our engine).
    pub probes: Vec<(Probe, bool)>,
    /// Alarm ARNs of the chain.
    pub alarms: Vec<String>,
    /// Topic ARNs the alarms notify.
    pub topics: Vec<String>,
    /// What was done or could not be done beyond the engine test (TestMetricFilter, --fire).
    pub notes: Vec<String>,
}

impl Check {
    /// Whether nothing is wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The events a metric-filter control must catch: its must-match examples, then, for each event name it lists
/// that no example has, the first example with `eventName` replaced — kept only when the control's own
/// pattern matches it (so every probe is one the benchmark itself counts).
pub fn probes(control: &Control) -> Vec<Probe> {
    let positive: Vec<_> = control.examples.iter().filter(|e| e.matches).collect();
    let mut out: Vec<Probe> = positive
        .iter()
        .map(|e| Probe {
            name: e.description.clone(),
            event: e.event.clone(),
        })
        .collect();
    let Some(template) = positive.first() else {
        return out;
    };
    let seen: Vec<&str> = positive
        .iter()
        .filter_map(|e| e.event_json().get("eventName").and_then(|v| v.as_str()))
        .collect();
    for name in &control.event_names {
        if seen.contains(&name.as_str()) {
            continue;
        }
        let mut v = template.event_json().clone();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("eventName".into(), name.clone().into());
        }
        let Ok(line) = serde_json::to_string(&v) else {
            continue;
        };
        if control.compiled().is_some_and(|p| p.matches_message(&line)) {
            out.push(Probe {
                name: name.clone(),
                event: line,
            });
        }
    }
    out
}

/// The engine test of every selected metric-filter control, from evidence (pure: no AWS call).
///
/// A control is OK when the audit finds a passing chain (which includes the alarm firing on one event and a
/// confirmed subscriber on its topic) and every probe matches one of the chain's deployed filters.
pub fn check(evidence: &Evidence, benchmark: &Benchmark, selection: &Selection) -> Vec<Check> {
    let mut out = Vec::new();
    for finding in evaluate(evidence, benchmark, selection) {
        let Some(control) = benchmark.control(&finding.control) else {
            continue;
        };
        if control.kind != Kind::MetricFilter {
            continue;
        }
        let res = &finding.resources;
        let filters = deployed_filters(evidence, res.log_group.as_deref(), &res.filters);
        let mut problems = Vec::new();
        let mut tested = Vec::new();
        if !filters.is_empty() {
            let compiled: Vec<_> = filters
                .iter()
                .map(|(name, text)| (name, cwl_filter::Pattern::parse(text)))
                .collect();
            for probe in probes(control) {
                let hit = compiled
                    .iter()
                    .any(|(_, p)| p.as_ref().is_ok_and(|p| p.matches_message(&probe.event)));
                if !hit {
                    problems.push(format!(
                        "the event {} matches none of the deployed filters ({}) on log group {}",
                        probe.name,
                        names(&filters),
                        group_name(res.log_group.as_deref().unwrap_or_default())
                    ));
                }
                tested.push((probe, hit));
            }
        }
        if finding.status != Status::Pass {
            let link = finding.link.map_or("", |l| l.as_str());
            let reason = if link.is_empty() {
                finding.reason.clone()
            } else {
                format!("{link}: {}", finding.reason)
            };
            // The filter link's reason repeats what the probes already say, when they said it.
            if problems.is_empty() || link != "metric-filter" {
                problems.push(reason);
            }
        }
        out.push(Check {
            control: finding.control,
            account: finding.account,
            region: finding.region,
            problems,
            log_group: res.log_group.clone(),
            filters,
            probes: tested,
            alarms: res.alarms.clone(),
            topics: res.topics.clone(),
            notes: Vec::new(),
        });
    }
    out
}

/// (name, pattern) of the named filters on the log group `arn`, as collected.
fn deployed_filters(
    evidence: &Evidence,
    arn: Option<&str>,
    wanted: &[String],
) -> Vec<(String, String)> {
    let Some(arn) = arn else {
        return Vec::new();
    };
    let account = arn.split(':').nth(4).unwrap_or_default();
    let Some(group) = evidence.account(account).and_then(|a| a.log_group(arn)) else {
        return Vec::new();
    };
    let Some(filters) = group.metric_filters.ok() else {
        return Vec::new();
    };
    filters
        .iter()
        .filter(|f| wanted.contains(&f.name))
        .map(|f| (f.name.clone(), f.pattern.clone()))
        .collect()
}

fn names(filters: &[(String, String)]) -> String {
    filters
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CloudTrail/main` from `arn:aws:logs:REGION:ACCOUNT:log-group:CloudTrail/main:*`.
fn group_name(arn: &str) -> &str {
    arn.split_once(":log-group:")
        .map_or(arn, |(_, rest)| rest.trim_end_matches(":*"))
}

/// The region of an ARN (`arn:aws:SERVICE:REGION:...`).
fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// Whether the endpoint answered "this operation does not exist here". moto answers an operation it does not
/// implement with a bare HTTP 500 page (no AWS error code); others say "not implemented" or 501.
fn not_implemented(code: Option<&str>, message: Option<&str>, status: Option<u16>) -> bool {
    let text = format!("{} {}", code.unwrap_or(""), message.unwrap_or("")).to_lowercase();
    text.contains("not implemented")
        || text.contains("notimplemented")
        || text.contains("not yet implemented")
        || text.contains("not been implemented")
        || text.contains("unknownoperation")
        || matches!(status, Some(501))
        || (code.is_none() && matches!(status, Some(404 | 500)))
}

/// Runs every probe through AWS's `TestMetricFilter` with each check's deployed patterns (the live
/// semantics, next to our engine's). A probe our engine matched that AWS does not match (or the reverse)
/// becomes a problem. Where the endpoint does not implement the operation, each check gets a note saying
/// so, and nothing else changes.
pub async fn aws_test_filters(config: &SdkConfig, checks: &mut [Check]) {
    let mut unavailable: Option<String> = None;
    for check in checks.iter_mut() {
        if check.filters.is_empty() || check.probes.is_empty() {
            continue;
        }
        if let Some(why) = &unavailable {
            check.notes.push(why.clone());
            continue;
        }
        let region = check
            .log_group
            .as_deref()
            .and_then(arn_region)
            .unwrap_or(&check.region)
            .to_owned();
        // No retries: an endpoint without the operation answers 500, which the SDK would otherwise retry.
        let logs = aws_sdk_cloudwatchlogs::Client::from_conf(
            aws_sdk_cloudwatchlogs::config::Builder::from(&trailwarden_aws::sdk::in_region(
                config, &region,
            ))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build(),
        );
        // Probe i is matched by AWS when any filter's answer lists event number i+1.
        let mut aws_hit = vec![false; check.probes.len()];
        let mut failed = None;
        for (_, pattern) in &check.filters {
            let mut req = logs.test_metric_filter().filter_pattern(pattern);
            for (p, _) in &check.probes {
                req = req.log_event_messages(&p.event);
            }
            match req.send().await {
                Ok(out) => {
                    for m in out.matches() {
                        let n = usize::try_from(m.event_number()).unwrap_or(0);
                        if let Some(slot) = n.checked_sub(1).and_then(|i| aws_hit.get_mut(i)) {
                            *slot = true;
                        }
                    }
                }
                Err(e) => {
                    let status = e.raw_response().map(|r| r.status().as_u16());
                    if not_implemented(e.code(), e.message(), status) {
                        let answer = match (e.message().or(e.code()), status) {
                            (Some(m), _) => m.to_string(),
                            (None, Some(s)) => format!("HTTP {s} without an AWS error"),
                            (None, None) => "no answer".to_string(),
                        };
                        let why = format!(
                            "AWS TestMetricFilter: not available at this endpoint ({answer}); tested with trailwarden's engine only"
                        );
                        unavailable = Some(why);
                    } else {
                        failed = Some(format!(
                            "AWS TestMetricFilter failed: {}",
                            aws_sdk_cloudwatchlogs::error::DisplayErrorContext(&e)
                        ));
                    }
                    break;
                }
            }
        }
        if let Some(why) = &unavailable {
            check.notes.push(why.clone());
        } else if let Some(err) = failed {
            check.problems.push(err);
        } else {
            for ((probe, ours), theirs) in check.probes.iter().zip(&aws_hit) {
                if *ours != *theirs {
                    check.problems.push(format!(
                        "AWS TestMetricFilter {} the event {}, trailwarden's engine {}",
                        if *theirs { "matches" } else { "does not match" },
                        probe.name,
                        if *ours { "does" } else { "does not" }
                    ));
                }
            }
            check.notes.push(format!(
                "AWS TestMetricFilter agrees on {} event(s)",
                check.probes.len()
            ));
        }
    }
}

/// The live steps from a plain (non-async) caller: [`aws_test_filters`], then with `fire` [`fire`], on a
/// single-threaded runtime with the config `sdk` describes. Fails only when the runtime cannot start.
pub fn live(
    sdk: &trailwarden_aws::sdk::SdkOptions,
    checks: &mut [Check],
    fire_alarms: bool,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let config = trailwarden_aws::sdk::load_config(sdk).await;
        aws_test_filters(&config, checks).await;
        if fire_alarms {
            fire(&config, checks).await;
        }
    });
    Ok(())
}

/// Sets each alarm of the OK checks to `ALARM` (reason [`FIRE_REASON`]) so its actions notify the
/// subscribers, then sets it back to the state it had just before. Each alarm is fired once even when
/// several checks share it; a failure is a problem of every check using that alarm.
pub async fn fire(config: &SdkConfig, checks: &mut [Check]) {
    let mut done: BTreeMap<String, Result<String, String>> = BTreeMap::new();
    for check in checks.iter_mut() {
        if !check.ok() {
            continue;
        }
        for arn in check.alarms.clone() {
            if !done.contains_key(&arn) {
                let result = fire_one(config, &arn).await;
                done.insert(arn.clone(), result);
            }
            match &done[&arn] {
                Ok(note) => check.notes.push(note.clone()),
                Err(problem) => check.problems.push(problem.clone()),
            }
        }
    }
}

async fn fire_one(config: &SdkConfig, arn: &str) -> Result<String, String> {
    let name = arn
        .split_once(":alarm:")
        .map(|(_, n)| n)
        .ok_or_else(|| format!("cannot fire {arn}: not an alarm ARN"))?;
    let region = arn_region(arn).ok_or_else(|| format!("cannot fire {arn}: no region"))?;
    let cw = aws_sdk_cloudwatch::Client::new(&trailwarden_aws::sdk::in_region(config, region));
    let err = |what: &str, e: &dyn std::fmt::Display| format!("--fire: {what} alarm {name}: {e}");
    let now = cw
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .map_err(|e| {
            err(
                "cannot read",
                &aws_sdk_cloudwatch::error::DisplayErrorContext(e),
            )
        })?;
    let before = now
        .metric_alarms()
        .first()
        .ok_or_else(|| format!("--fire: alarm {name} no longer exists"))?
        .state_value()
        .cloned()
        .unwrap_or(StateValue::InsufficientData);
    cw.set_alarm_state()
        .alarm_name(name)
        .state_value(StateValue::Alarm)
        .state_reason(FIRE_REASON)
        .send()
        .await
        .map_err(|e| {
            err(
                "cannot set",
                &aws_sdk_cloudwatch::error::DisplayErrorContext(e),
            )
        })?;
    cw.set_alarm_state()
        .alarm_name(name)
        .state_value(before.clone())
        .state_reason(format!(
            "{FIRE_REASON}: restoring the state before the test notification"
        ))
        .send()
        .await
        .map_err(|e| {
            err(
                &format!("fired, but could not restore ({}) the", before.as_str()),
                &aws_sdk_cloudwatch::error::DisplayErrorContext(e),
            )
        })?;
    Ok(format!(
        "fired alarm {name}: set to ALARM (test notification sent to its actions), restored to {}",
        before.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailwarden_controls::Catalog;

    #[test]
    fn probes_cover_every_listed_event_name_and_only_events_the_benchmark_counts() {
        let b = Catalog::builtin().unwrap().resolve(Some("v3.0.0")).unwrap();
        let c = b.control("4.12").unwrap();
        let p = probes(c);
        for name in &c.event_names {
            assert!(
                p.iter()
                    .any(|p| p.event.contains(&format!("\"eventName\":\"{name}\""))),
                "{name}"
            );
        }
        assert!(p
            .iter()
            .all(|p| c.compiled().unwrap().matches_message(&p.event)));
        assert!(!p.iter().any(|p| p.event.contains("CreateNatGateway")));
    }

    #[test]
    fn unimplemented_answers_are_recognised() {
        assert!(not_implemented(
            None,
            Some("The test_metric_filter action has not been implemented"),
            Some(500)
        ));
        assert!(not_implemented(Some("NotImplemented"), None, None));
        assert!(not_implemented(None, None, Some(500)));
        assert!(!not_implemented(
            Some("AccessDenied"),
            Some("no"),
            Some(403)
        ));
        assert!(!not_implemented(
            Some("ServiceUnavailable"),
            None,
            Some(500)
        ));
        assert_eq!(
            group_name("arn:aws:logs:r:1:log-group:CloudTrail/main:*"),
            "CloudTrail/main"
        );
    }
}
