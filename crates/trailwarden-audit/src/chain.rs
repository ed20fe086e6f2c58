//! Controls 4.1–4.15: follow the CIS chain trail → log group → metric filters → alarm → topic for one
//! account, every trail and every candidate at each link, and keep the best chain (see [`crate::outcome`]).
//!
//! Joins are by full identity, never by name alone: the log group by ARN (partition, region, account, name),
//! the alarm by metric name *and* namespace in the log group's own account and region, the topic by ARN. A
//! log group owned by another account (an organization trail seen from a member) is looked up in that
//! account's evidence when the document has it; otherwise the link is ERROR, not FAIL.

use std::collections::BTreeMap;

use cwl_filter::analysis::{covers, Verdict};
use cwl_filter::Pattern;
use trailwarden_controls::Control;
use trailwarden_evidence::arn::LogGroupRef;
use trailwarden_evidence::{
    AccountEvidence, ErrorKind, Evidence, MetricFilter, MetricTransformation, Observed, Trail,
};

use crate::alarm::fires_on_one_event;
use crate::finding::{Link, Resources};
use crate::kms::TopicKey;
use crate::outcome::{best, Outcome};
use crate::selectors::{delivers, Needed};

/// Evaluates one metric-filter control for one account.
pub(crate) fn evaluate(ev: &Evidence, account: &AccountEvidence, control: &Control) -> Outcome {
    let trails = match &account.trails {
        Observed::Error(e) => {
            return Outcome::error(
                0,
                Link::Trail,
                format!("cannot list the account's trails: {e}"),
            )
        }
        Observed::Ok(t) => t,
    };
    if trails.is_empty() {
        return Outcome::fail(0, Link::Trail, "the account has no CloudTrail trail");
    }
    let outcomes = trails.iter().map(|t| trail_chain(ev, t, control)).collect();
    // Not empty: there is at least one trail.
    best(outcomes)
        .unwrap_or_else(|| Outcome::fail(0, Link::Trail, "the account has no CloudTrail trail"))
}

fn trail_chain(ev: &Evidence, trail: &Trail, control: &Control) -> Outcome {
    let res = Resources {
        trail: Some(trail.arn.clone()),
        ..Resources::default()
    };
    let home = Some(trail.home_region.as_str());
    let name = &trail.name;
    if !trail.is_multi_region {
        return Outcome::fail(
            0,
            Link::Trail,
            format!(
                "trail {name} is a single-region trail (home region {}); CIS requires a multi-region trail",
                trail.home_region
            ),
        )
        .under(&res, home);
    }
    let mut unseen: Vec<(Link, String)> = Vec::new();
    match &trail.status {
        Observed::Ok(s) if !s.is_logging => {
            return Outcome::fail(
                0,
                Link::Trail,
                format!("trail {name} is not logging (IsLogging is false)"),
            )
            .under(&res, home)
        }
        Observed::Ok(_) => {}
        Observed::Error(e) => unseen.push((
            Link::Trail,
            format!("cannot see whether trail {name} is logging: {e}"),
        )),
    }
    match &trail.event_selectors {
        Observed::Ok(sel) => {
            let needed = Needed {
                source: control.event_source.as_deref(),
                names: &control.event_names,
            };
            if let Err(why) = delivers(sel, needed) {
                return Outcome::fail(0, Link::Trail, format!("trail {name}: {why}"))
                    .under(&res, home);
            }
        }
        Observed::Error(e) => unseen.push((
            Link::Trail,
            format!("cannot read the event selectors of trail {name}: {e}"),
        )),
    }
    let Some(group_arn) = trail.log_group_arn.as_deref().filter(|s| !s.is_empty()) else {
        return Outcome::fail(
            1,
            Link::LogGroup,
            format!("trail {name} does not deliver to CloudWatch Logs"),
        )
        .under(&res, home)
        .with_unseen(&unseen);
    };
    let Some(group_ref) = LogGroupRef::parse(group_arn) else {
        return Outcome::fail(
            1,
            Link::LogGroup,
            format!("trail {name} names an unreadable log group ARN {group_arn}"),
        )
        .under(&res, home)
        .with_unseen(&unseen);
    };
    let res = Resources {
        log_group: Some(group_ref.arn()),
        ..res
    };
    let region = Some(group_ref.region.as_str());
    let outcome = group_chain(ev, trail, &group_ref, control, &res);
    let mut outcome = outcome.under(&res, region).with_unseen(&unseen);
    if let Some(Observed::Ok(status)) = Some(&trail.status) {
        if let Some(err) = status
            .latest_cloudwatch_logs_delivery_error
            .as_deref()
            .filter(|e| !e.is_empty())
        {
            outcome.details.notes.push(format!(
                "trail {name} reports a CloudWatch Logs delivery error: {err}"
            ));
        }
    }
    outcome
}

fn group_chain(
    ev: &Evidence,
    trail: &Trail,
    group_ref: &LogGroupRef,
    control: &Control,
    res: &Resources,
) -> Outcome {
    let group_name = &group_ref.name;
    let Some(owner) = ev.account(&group_ref.account) else {
        let org = if trail.is_organization_trail {
            "organization "
        } else {
            ""
        };
        return Outcome::error(
            1,
            Link::LogGroup,
            format!(
                "the {org}trail {} delivers to log group {group_name} in account {}, which this evidence does not cover; audit that account too",
                trail.name, group_ref.account
            ),
        );
    };
    let Some(group) = owner.log_group(&group_ref.arn()) else {
        return Outcome::error(
            1,
            Link::LogGroup,
            format!(
                "log group {group_name} ({}) was not collected",
                group_ref.region
            ),
        );
    };
    // Existence first: with the group missing, "no metric filters" would blame the wrong link. Filters read
    // without error and not empty prove the group exists, so a failed existence check only hides an answer
    // (ERROR) when the filters do not settle it.
    let missing = || {
        format!(
            "log group {group_name} (from trail {}'s CloudWatchLogsLogGroupArn) does not exist in account {}, region {}",
            trail.name, group_ref.account, group_ref.region
        )
    };
    match (&group.exists, &group.metric_filters) {
        (Some(Observed::Ok(false)), _) => return Outcome::fail(1, Link::LogGroup, missing()),
        (Some(Observed::Error(e)), filters)
            if filters.ok().is_none_or(|f| f.is_empty()) =>
        {
            return Outcome::error(
                1,
                Link::LogGroup,
                format!(
                    "cannot see whether log group {group_name} (from trail {}'s CloudWatchLogsLogGroupArn) exists: {e}",
                    trail.name
                ),
            )
        }
        _ => {}
    }
    let filters = match &group.metric_filters {
        Observed::Ok(f) => f,
        Observed::Error(e) if e.kind == ErrorKind::NotFound => {
            return Outcome::fail(1, Link::LogGroup, missing())
        }
        Observed::Error(e) => {
            return Outcome::error(
                1,
                Link::LogGroup,
                format!("cannot read the metric filters of log group {group_name}: {e}"),
            )
        }
    };
    if filters.is_empty() {
        return Outcome::fail(
            2,
            Link::MetricFilter,
            format!("log group {group_name} has no metric filters"),
        );
    }
    // Several filters may feed one metric: CloudWatch adds their values, so they count together.
    let mut metrics: BTreeMap<(&str, &str), Vec<(&MetricFilter, &MetricTransformation)>> =
        BTreeMap::new();
    for f in filters {
        for t in &f.transformations {
            metrics
                .entry((t.metric_namespace.as_str(), t.metric_name.as_str()))
                .or_default()
                .push((f, t));
        }
    }
    // The metric named like the control's suggested metric (or fed by a filter of that name) is tried first
    // and is the one reported when nothing covers; a PASS ends the search.
    let affinity = |metric: &str, members: &[(&MetricFilter, &MetricTransformation)]| {
        control
            .metric_name
            .as_deref()
            .is_some_and(|m| metric == m || members.iter().any(|(f, _)| f.name == m))
    };
    let mut ordered: Vec<_> = metrics.iter().collect();
    ordered.sort_by_key(|((_, metric), members)| !affinity(metric, members));
    let mut outcomes = Vec::new();
    let mut related = false;
    for ((ns, metric), members) in ordered {
        let o = metric_chain(ev, owner, group_ref, control, ns, metric, members, res);
        let close = affinity(metric, members) || o.depth > 2;
        related |= close;
        let passed = o.status == crate::Status::Pass;
        if close || passed {
            outcomes.push(o);
        }
        if passed {
            break;
        }
    }
    if !related {
        return Outcome::fail(
            2,
            Link::MetricFilter,
            format!(
                "none of the {} metric(s) fed by filters on log group {group_name} covers the control's pattern",
                metrics.len()
            ),
        );
    }
    best(outcomes).unwrap_or_else(|| {
        Outcome::fail(
            2,
            Link::MetricFilter,
            format!("no metric filter on log group {group_name} publishes a metric"),
        )
    })
}

#[allow(clippy::too_many_arguments)]
fn metric_chain(
    ev: &Evidence,
    owner: &AccountEvidence,
    group_ref: &LogGroupRef,
    control: &Control,
    ns: &str,
    metric: &str,
    members: &[(&MetricFilter, &MetricTransformation)],
    upper: &Resources,
) -> Outcome {
    let mut res = upper.clone();
    res.filters = members.iter().map(|(f, _)| f.name.clone()).collect();
    res.metric = Some(format!("{ns}/{metric}"));
    let label = if members.len() == 1 {
        format!("metric filter {}", members[0].0.name)
    } else {
        format!("metric filters {}", res.filters.join(", "))
    };
    let mut patterns = Vec::new();
    let mut notes = Vec::new();
    for (f, _) in members {
        match Pattern::parse(&f.pattern) {
            Ok(p) => patterns.push(p),
            Err(e) => notes.push(format!(
                "metric filter {} has a pattern trailwarden cannot parse: {e}",
                f.name
            )),
        }
    }
    let texts: Vec<&str> = members.iter().map(|(f, _)| f.pattern.as_str()).collect();
    let cis_exact = control
        .pattern
        .as_deref()
        .is_some_and(|p| texts.contains(&p));
    let sh_exact = security_hub_pattern(control).map(|sh| texts.contains(&sh));

    let mut outcome = match coverage(control, &patterns, &texts) {
        Err((counterexample, why)) => {
            let mut o = Outcome::fail(
                2,
                Link::MetricFilter,
                format!("{label} on {ns}/{metric}: {why}"),
            );
            o.details.counterexample = counterexample;
            o
        }
        Ok((broader, variant)) => {
            let mut o = alarm_chain(ev, owner, group_ref, ns, metric, members, &res);
            if let Some(b) = &broader {
                o.details.notes.push(format!(
                    "the filters are broader than the control's pattern (they also match {}): fine for CIS, noisier alerts",
                    short_event(b)
                ));
            }
            o.details.broader_example = broader;
            if let Some(v) = variant {
                o.details.notes.push(format!(
                    "the filters cover the benchmark's published alternative '{v}', not the canonical pattern"
                ));
            }
            o
        }
    };
    outcome.details.cis_exact = Some(cis_exact);
    outcome.details.security_hub_exact = sh_exact;
    outcome.details.notes.extend(notes);
    outcome.under(&res, Some(&group_ref.region))
}

/// `Ok((broader example, alternative name if not the canonical pattern))` when the patterns cover the
/// control's canonical pattern or one of its published alternatives; `Err((counterexample, why))` otherwise.
type CoverageOk = (Option<serde_json::Value>, Option<String>);
type CoverageErr = (Option<serde_json::Value>, String);

fn coverage(
    control: &Control,
    patterns: &[Pattern],
    texts: &[&str],
) -> Result<CoverageOk, CoverageErr> {
    let Some(required) = control.compiled() else {
        return Err((
            None,
            "the control has no pattern to check against".to_string(),
        ));
    };
    if patterns.is_empty() {
        return Err((None, "no parsable pattern".to_string()));
    }
    let canonical = covers_variant(
        control,
        trailwarden_controls::CANONICAL,
        control.pattern.as_deref(),
        required,
        patterns,
        texts,
    );
    let failure = match canonical {
        Ok(broader) => return Ok((broader, None)),
        Err(e) => e,
    };
    for alt in &control.alternatives {
        if let Ok(broader) = covers_variant(
            control,
            &alt.name,
            Some(&alt.pattern),
            alt.compiled(),
            patterns,
            texts,
        ) {
            return Ok((broader, Some(alt.name.clone())));
        }
    }
    Err(failure)
}

/// Whether `patterns` cover one variant of the control's pattern.
fn covers_variant(
    control: &Control,
    variant: &str,
    text: Option<&str>,
    required: &Pattern,
    patterns: &[Pattern],
    texts: &[&str],
) -> Result<Option<serde_json::Value>, CoverageErr> {
    // The same text, or the same pattern once parsed and printed canonically, covers trivially.
    let printed = required.to_string();
    if text.is_some_and(|t| texts.contains(&t)) || patterns.iter().any(|p| p.to_string() == printed)
    {
        return Ok(None);
    }
    // The control's own example events that this variant matches: one the filters miss is a real,
    // readable counterexample, found without the (costlier) analysis.
    for ex in control.examples.iter().filter(|e| e.expected(variant)) {
        if !patterns.iter().any(|p| p.matches_json(ex.event_json())) {
            let ev = ex.event_json().clone();
            let why = format!(
                "the pattern misses events the control requires, e.g. {} ({})",
                event_label(&ev),
                ex.description
            );
            return Err((Some(ev), why));
        }
    }
    let c = covers(required, patterns);
    match c.verdict {
        Verdict::Covered => Ok(c.broader),
        Verdict::NotCovered { counterexample } => {
            let why = format!(
                "the pattern misses events the control requires, e.g. {}",
                event_label(&counterexample)
            );
            Err((Some(counterexample), why))
        }
        Verdict::Unknown { reason } => Err((
            None,
            format!("trailwarden could not prove that the pattern covers the control's pattern ({reason})"),
        )),
    }
}

/// `eventName` from `eventSource` (with errorCode/awsRegion when present), for reasons.
fn event_label(v: &serde_json::Value) -> String {
    let get = |k: &str| v.get(k).and_then(|x| x.as_str());
    let mut s = match (get("eventName"), get("eventSource")) {
        (Some(n), Some(src)) => format!("{n} from {src}"),
        (Some(n), None) => n.to_string(),
        _ => return short_event(v),
    };
    if let Some(e) = get("errorCode") {
        s.push_str(&format!(" with errorCode {e}"));
    }
    if let Some(r) = get("awsRegion") {
        s.push_str(&format!(" in {r}"));
    }
    s
}

/// A one-line rendering of an event for a reason (the full event is in the details).
fn short_event(v: &serde_json::Value) -> String {
    let text = v.to_string();
    if text.len() > 160 {
        let cut = (0..=160)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}…", &text[..cut])
    } else {
        text
    }
}

fn alarm_chain(
    ev: &Evidence,
    owner: &AccountEvidence,
    group_ref: &LogGroupRef,
    ns: &str,
    metric: &str,
    members: &[(&MetricFilter, &MetricTransformation)],
    res: &Resources,
) -> Outcome {
    let region = &group_ref.region;
    let Some(region_alarms) = owner.alarms_in(region) else {
        return Outcome::error(
            3,
            Link::Alarm,
            format!("the alarms of {region} were not collected"),
        );
    };
    let alarms = match &region_alarms.alarms {
        Observed::Ok(a) => a,
        Observed::Error(e) => {
            return Outcome::error(
                3,
                Link::Alarm,
                format!("cannot list the alarms in {region}: {e}"),
            )
        }
    };
    let candidates: Vec<_> = alarms
        .iter()
        .filter(|a| a.metric_name.as_deref() == Some(metric) && a.namespace.as_deref() == Some(ns))
        .collect();
    if candidates.is_empty() {
        let near: Vec<String> = alarms
            .iter()
            .filter(|a| a.metric_name.as_deref() == Some(metric))
            .map(|a| {
                format!(
                    "alarm {} watches {metric} in namespace {} instead",
                    a.name,
                    a.namespace.as_deref().unwrap_or("(none)")
                )
            })
            .collect();
        let mut why = format!("no alarm in {region} watches metric {metric} in namespace {ns}");
        if !near.is_empty() {
            why.push_str(&format!(" ({})", near.join("; ")));
        }
        return Outcome::fail(3, Link::Alarm, why);
    }
    let outcomes = candidates
        .iter()
        .map(|alarm| {
            let mut r = res.clone();
            r.alarms = vec![alarm.arn.clone()];
            // Every filter feeding the metric must make the alarm fire (their values may differ).
            let mut topics = Vec::new();
            for (_, t) in members {
                match fires_on_one_event(alarm, t) {
                    Ok(ts) => topics = ts,
                    Err(why) => {
                        let mut o =
                            Outcome::fail(3, Link::Alarm, format!("alarm {}: {why}", alarm.name));
                        o.resources = r;
                        return o;
                    }
                }
            }
            r.topics = topics.clone();
            let outs = topics.iter().map(|t| topic_chain(ev, owner, t)).collect();
            let mut o = best(outs).unwrap_or_else(|| {
                Outcome::fail(
                    3,
                    Link::Alarm,
                    format!("alarm {} has no SNS action", alarm.name),
                )
            });
            o.resources.alarms = r.alarms.clone();
            if o.resources.topics.is_empty() {
                o.resources.topics = r.topics.clone();
            }
            o
        })
        .collect();
    best(outcomes).unwrap_or_else(|| Outcome::fail(3, Link::Alarm, "no alarm"))
}

fn topic_chain(ev: &Evidence, owner: &AccountEvidence, topic_arn: &str) -> Outcome {
    let mut o = topic_verdict(ev, owner, topic_arn);
    o.resources.topics = vec![topic_arn.to_string()];
    o
}

fn topic_verdict(ev: &Evidence, owner: &AccountEvidence, topic_arn: &str) -> Outcome {
    // The topic is looked up in the account its ARN names (alarms may notify another account's topic).
    let topic_account = trailwarden_evidence::arn::Arn::parse(topic_arn).map(|a| a.account);
    let holder = topic_account.and_then(|a| ev.account(a)).unwrap_or(owner);
    let Some(topic) = holder.topic(topic_arn) else {
        return Outcome::error(
            4,
            Link::Topic,
            format!("SNS topic {topic_arn} was not collected"),
        );
    };
    let subs = match &topic.subscriptions {
        Observed::Ok(s) => s,
        Observed::Error(e) if e.kind == ErrorKind::NotFound => {
            return Outcome::fail(
                4,
                Link::Topic,
                format!("the alarm notifies SNS topic {topic_arn}, which does not exist"),
            )
        }
        Observed::Error(e) => {
            return Outcome::error(
                4,
                Link::Topic,
                format!("cannot list the subscriptions of SNS topic {topic_arn}: {e}"),
            )
        }
    };
    // A topic encrypted with a key CloudWatch may not use never receives the alarm: a definite break (FAIL),
    // decided before the subscriptions; a key whose policy could not be read hides the answer (ERROR), which
    // only a definite break elsewhere in this link outranks.
    let mut notes = Vec::new();
    let mut hidden = None;
    if let Observed::Ok(attrs) = &topic.attributes {
        if let Some(key) = attrs.kms_master_key_id.as_deref().filter(|k| !k.is_empty()) {
            match crate::kms::topic_key(holder, topic_arn, key) {
                TopicKey::Usable(more) => notes.extend(more),
                TopicKey::Broken(why) => return Outcome::fail(4, Link::Topic, why),
                TopicKey::Unseen(why) => hidden = Some(why),
            }
        }
    }
    let confirmed = subs.iter().filter(|s| s.is_confirmed()).count();
    if let (Some(why), true) = (hidden, confirmed > 0) {
        return Outcome::error(4, Link::Topic, why);
    }
    if confirmed > 0 {
        let mut o = Outcome::pass(format!(
            "chain complete: the alarm notifies SNS topic {topic_arn}, which has {confirmed} confirmed subscription(s)"
        ));
        o.details.notes = notes;
        return o;
    }
    if subs.is_empty() {
        Outcome::fail(
            4,
            Link::Topic,
            format!("SNS topic {topic_arn} has no subscriptions"),
        )
    } else {
        Outcome::fail(
            4,
            Link::Topic,
            format!(
                "SNS topic {topic_arn} has no confirmed subscription ({} pending confirmation)",
                subs.len()
            ),
        )
    }
}

/// Security Hub's exact string for this control: the benchmark's own, or, for versions whose Security Hub
/// standard has no CloudWatch controls (v3.0.0), the string of the same control (same slug) in an older
/// built-in benchmark — Security Hub's CIS v1.2/v1.4 standards still compare the text literally.
fn security_hub_pattern(control: &Control) -> Option<&str> {
    if let Some(sh) = &control.security_hub {
        return Some(&sh.pattern);
    }
    let catalog = trailwarden_controls::Catalog::builtin().ok()?;
    catalog
        .benchmarks()
        .iter()
        .rev()
        .filter_map(|b| b.control(&control.slug))
        .find_map(|c| c.security_hub.as_ref())
        .map(|sh| sh.pattern.as_str())
}
