//! [`plan`]: from the audit's findings to the minimal set of actions.
//!
//! The audit ([`trailwarden_audit::evaluate`]) already follows every chain and names, for each failing control,
//! the broken link of the most complete chain together with its resources. The plan starts from that link and
//! creates only what comes after it:
//!
//! | broken link | the plan |
//! |---|---|
//! | trail, log group | nothing: says what is missing (a trail is a separate CIS control); with `--setup-trail`, a new trail ([`trail`]) and everything after it |
//! | metric filter | filter (canonical pattern) on the chain's log group + alarm + topic |
//! | alarm | alarm on the user's existing, covering metric + topic |
//! | topic | subscriptions (`--subscribe`) on the alarm's topic, or a report of what is pending |
//! | Security Hub (4.16) | with `--enable-security-hub`, enable it and the benchmark's CIS standard ([`extras`]) |
//!
//! A subscribed SQS queue or Lambda function also gets the resource policy that lets the topic reach it
//! ([`extras`]).
//!
//! Before creating anything it looks for a resource of the same name: an identical one is reused, a different
//! one stops the whole plan ([`PlanError::Collision`]), because trailwarden never overwrites what it did not
//! create. ERROR findings (the audit could not see) are blocked, never guessed at.

use std::collections::{BTreeMap, BTreeSet};

use cwl_filter::analysis::covers;
use trailwarden_audit::{evaluate, Finding, Link, Selection, Status};
use trailwarden_controls::{Benchmark, Catalog, Control, Kind, SecurityHub};
use trailwarden_evidence::arn::{Arn, LogGroupRef};
use trailwarden_evidence::{Alarm, ErrorKind, Evidence, MetricTransformation, Observed, Topic};

use crate::model::*;
use crate::options::{Options, TopicChoice, MANAGED_BY, RETENTION_DAYS};
use crate::policy::topic_policy;

mod extras;
mod trail;

pub use extras::{lambda_statement_id, security_hub_standard};

/// Plans the remediation of every selected, failing control of every account in the evidence.
pub fn plan(
    evidence: &Evidence,
    benchmark: &Benchmark,
    options: &Options,
) -> Result<Plan, PlanError> {
    if options.setup_trail && !RETENTION_DAYS.contains(&options.log_retention_days) {
        return Err(PlanError::BadOption {
            option: "--log-retention-days",
            value: options.log_retention_days.to_string(),
            why: format!(
                "CloudWatch Logs accepts only these retention periods (days): {}",
                RETENTION_DAYS.map(|d| d.to_string()).join(", ")
            ),
        });
    }
    if let Some(r) = options
        .trail_region
        .as_deref()
        .filter(|_| options.setup_trail)
    {
        // e.g. eu-west-1, us-gov-west-1, cn-north-1: lowercase words and a number, joined by hyphens.
        let words: Vec<&str> = r.split('-').collect();
        let ok = words.len() >= 3
            && words.iter().all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && words
                .last()
                .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(PlanError::BadOption {
                option: "--trail-region",
                value: r.to_string(),
                why: "not an AWS region name (e.g. eu-west-1)".to_string(),
            });
        }
    }
    if options.namespace.trim().is_empty() || options.namespace.starts_with("AWS/") {
        return Err(PlanError::BadOption {
            option: "--namespace",
            value: options.namespace.clone(),
            why: "must be a non-empty custom namespace (names starting with AWS/ are reserved)"
                .to_string(),
        });
    }
    let selection =
        Selection::parse(benchmark, &options.controls.join(",")).map_err(|e| match e {
            trailwarden_audit::AuditError::UnknownControl {
                given,
                benchmark,
                valid,
            } => PlanError::UnknownControl {
                given,
                benchmark,
                valid: valid.join(", "),
            },
            other => PlanError::BadOption {
                option: "--controls",
                value: options.controls.join(","),
                why: other.to_string(),
            },
        })?;
    let findings = evaluate(evidence, benchmark, &selection);
    let mut planner = Planner {
        evidence,
        benchmark,
        options,
        topics: BTreeMap::new(),
        setups: BTreeMap::new(),
        setup_actions: Vec::new(),
        topic_actions: Vec::new(),
        control_actions: Vec::new(),
        plan: Plan::default(),
        trail_blocked: BTreeMap::new(),
    };
    for finding in findings.iter().filter(|f| f.status != Status::Pass) {
        let Some(control) = benchmark.control(&finding.control) else {
            continue; // The audit only reports the benchmark's own controls.
        };
        planner.finding(finding, control)?;
    }
    Ok(planner.finish())
}

struct Planner<'a> {
    evidence: &'a Evidence,
    benchmark: &'a Benchmark,
    options: &'a Options,
    /// (account, region) → the topic ARN our alarms there notify (created or reused once).
    topics: BTreeMap<(String, String), String>,
    /// account → the log group of the trail `--setup-trail` plans there (`None`: it could not plan one).
    setups: BTreeMap<String, Option<LogGroupRef>>,
    /// Trail, bucket, role, log group, Security Hub: before the topics.
    setup_actions: Vec<Action>,
    topic_actions: Vec<Action>,
    control_actions: Vec<Action>,
    plan: Plan,
    /// account → (controls, reason) for accounts without a qualifying trail: one entry per account.
    trail_blocked: BTreeMap<String, (Vec<String>, String, String)>,
}

impl<'a> Planner<'a> {
    fn finding(&mut self, f: &Finding, control: &Control) -> Result<(), PlanError> {
        if f.status == Status::Error {
            let why = format!(
                "the audit could not see this link, so nothing is planned for it: {}. Fix access and collect again",
                f.reason
            );
            self.block(f, &why);
            return Ok(());
        }
        if control.kind == Kind::SecurityHubEnabled {
            if self.options.enable_security_hub {
                self.security_hub(f);
            } else {
                self.block(f, "Security Hub is not enabled here: pass --enable-security-hub to enable it (and the benchmark's CIS standard where Security Hub has one); Security Hub is billed per check and finding");
            }
            return Ok(());
        }
        match f.link {
            Some(Link::MetricFilter) => self.filter_and_alarm(f, control),
            Some(Link::Alarm) => self.alarm_only(f, control),
            Some(Link::Topic) => {
                self.topic_link(f);
                Ok(())
            }
            _ if self.options.setup_trail => self.setup_trail(f, control),
            _ => {
                let entry = self
                    .trail_blocked
                    .entry(f.account.clone())
                    .or_insert_with(|| (Vec::new(), f.region.clone(), f.reason.clone()));
                entry.0.push(f.control.clone());
                Ok(())
            }
        }
    }

    fn block(&mut self, f: &Finding, reason: &str) {
        self.plan.blocked.push(Blocked {
            controls: vec![f.control.clone()],
            account: f.account.clone(),
            region: f.region.clone(),
            link: f.link.map_or("none", |l| l.as_str()).to_string(),
            reason: reason.to_string(),
        });
    }

    /// The chain's log group (the audit only reaches the metric-filter link through one).
    fn log_group(&self, f: &Finding) -> Option<LogGroupRef> {
        f.resources
            .log_group
            .as_deref()
            .and_then(LogGroupRef::parse)
    }

    fn filter_and_alarm(&mut self, f: &Finding, control: &Control) -> Result<(), PlanError> {
        let Some(group) = self.log_group(f) else {
            self.block(f, "the audit names no log group for this chain");
            return Ok(());
        };
        self.filter_and_alarm_on(&group, control)
    }

    /// The control's filter (unless an identical one exists) and alarm on `group`.
    fn filter_and_alarm_on(
        &mut self,
        group: &LogGroupRef,
        control: &Control,
    ) -> Result<(), PlanError> {
        let group = group.clone();
        let name = metric_name(control);
        let pattern = self.pattern(control);
        let filter = PutMetricFilter {
            account: group.account.clone(),
            region: group.region.clone(),
            controls: vec![control.id.clone()],
            log_group_name: group.name.clone(),
            filter_name: name.clone(),
            pattern,
            metric_name: name.clone(),
            metric_namespace: self.options.namespace.clone(),
            metric_value: "1".to_string(),
        };
        if !self.existing_filter_matches(&group, &filter)? {
            self.push_filter(filter);
        } else {
            self.plan.notes.push(format!(
                "{}: metric filter {} on {} already exists as trailwarden would create it; reused",
                control.id, name, group.name
            ));
        }
        let ns = self.options.namespace.clone();
        self.alarm(control, &group, &name, &ns)
    }

    fn alarm_only(&mut self, f: &Finding, control: &Control) -> Result<(), PlanError> {
        let Some(group) = self.log_group(f) else {
            self.block(f, "the audit names no log group for this chain");
            return Ok(());
        };
        let Some(t) = self.chain_transformation(f, &group) else {
            self.block(f, "the audit names no metric for this chain");
            return Ok(());
        };
        // An alarm "Sum >= 1" only fires on one event if the filter publishes a positive count without
        // dimensions; otherwise the user's filter is unusable and we add our own, like a missing filter.
        let count = t.metric_value.trim().parse::<f64>().is_ok_and(|v| v >= 1.0);
        if !count || !t.dimensions.is_empty() {
            self.plan.notes.push(format!(
                "{}: the existing filter on {}/{} publishes {} {}; no single-event alarm can use it, so trailwarden adds its own filter",
                control.id,
                t.metric_namespace,
                t.metric_name,
                t.metric_value,
                if t.dimensions.is_empty() { "" } else { "with dimensions" }
            ));
            return self.filter_and_alarm(f, control);
        }
        self.plan.notes.push(format!(
            "{}: reusing the existing metric filter(s) {} on {}/{}",
            control.id,
            f.resources.filters.join(", "),
            t.metric_namespace,
            t.metric_name
        ));
        self.alarm(control, &group, &t.metric_name, &t.metric_namespace)
    }

    /// The transformation of the chain's metric (`resources.metric` is `namespace/metric`).
    fn chain_transformation(
        &self,
        f: &Finding,
        group: &LogGroupRef,
    ) -> Option<MetricTransformation> {
        let wanted = f.resources.metric.as_deref()?;
        let owner = self.evidence.account(&group.account)?;
        let filters = owner.log_group(&group.arn())?.metric_filters.ok()?;
        filters
            .iter()
            .filter(|m| f.resources.filters.contains(&m.name))
            .flat_map(|m| m.transformations.iter())
            .find(|t| format!("{}/{}", t.metric_namespace, t.metric_name) == wanted)
            .cloned()
    }

    fn alarm(
        &mut self,
        control: &Control,
        group: &LogGroupRef,
        metric: &str,
        ns: &str,
    ) -> Result<(), PlanError> {
        let topic = self.topic_for(&group.account, &group.region)?;
        let name = metric_name(control);
        let mut tags = BTreeMap::new();
        tags.insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string());
        let alarm = PutMetricAlarm {
            account: group.account.clone(),
            region: group.region.clone(),
            controls: vec![control.id.clone()],
            alarm_name: name.clone(),
            alarm_description: format!(
                "CIS AWS Foundations {} {}: {}. Created by trailwarden.",
                self.benchmark.version, control.id, control.title
            ),
            metric_name: metric.to_string(),
            namespace: ns.to_string(),
            statistic: "Sum".to_string(),
            period: 300,
            threshold: 1.0,
            comparison_operator: "GreaterThanOrEqualToThreshold".to_string(),
            evaluation_periods: 1,
            treat_missing_data: "notBreaching".to_string(),
            alarm_actions: vec![topic],
            tags,
        };
        if self.existing_alarm_matches(&alarm)? {
            self.plan.notes.push(format!(
                "{}: alarm {} already exists as trailwarden would create it; reused",
                control.id, alarm.alarm_name
            ));
            return Ok(());
        }
        self.push_alarm(alarm);
        Ok(())
    }

    fn pattern(&mut self, control: &Control) -> String {
        let canonical = control.pattern.clone().unwrap_or_default();
        if !self.options.security_hub_compatible {
            return canonical;
        }
        // Security Hub's CloudWatch.* checks belong to its CIS 1.2.0/1.4.0 standards, so newer benchmark
        // versions carry no string of their own: take the same topic's (slug's) string from the newest version
        // that has one — but only if the audit of the chosen version accepts it (it covers the canonical
        // pattern or a published alternative), so remediation never trades one FAIL for another.
        let Some((version, sh)) = security_hub_for(control) else {
            return canonical;
        };
        let accepted = control.variants().iter().any(|v| {
            covers(v.compiled, std::slice::from_ref(sh.compiled()))
                .verdict
                .is_covered()
        });
        if accepted {
            if let Some(version) = version {
                self.plan.notes.push(format!(
                    "{}: Security Hub's {} string (from its CIS {version} standard) is used",
                    control.id, sh.control_id
                ));
            }
            sh.pattern.clone()
        } else {
            self.plan.notes.push(format!(
                "{}: Security Hub's {} string does not cover this benchmark's pattern; the benchmark's own pattern is used",
                control.id, sh.control_id
            ));
            canonical
        }
    }

    /// `Ok(true)` if a filter of that name exists with the same pattern and metric; `Err` if it exists and
    /// differs; `Ok(false)` if there is none.
    fn existing_filter_matches(
        &self,
        group: &LogGroupRef,
        want: &PutMetricFilter,
    ) -> Result<bool, PlanError> {
        let Some(filters) = self
            .evidence
            .account(&group.account)
            .and_then(|a| a.log_group(&group.arn()))
            .and_then(|g| g.metric_filters.ok())
        else {
            return Ok(false);
        };
        let Some(existing) = filters.iter().find(|m| m.name == want.filter_name) else {
            return Ok(false);
        };
        let same_metric = existing.transformations.len() == 1
            && existing.transformations.iter().all(|t| {
                t.metric_name == want.metric_name
                    && t.metric_namespace == want.metric_namespace
                    && t.metric_value == want.metric_value
                    && t.dimensions.is_empty()
            });
        if existing.pattern == want.pattern && same_metric {
            return Ok(true);
        }
        let diff = if existing.pattern != want.pattern {
            format!("its pattern is {}", existing.pattern)
        } else {
            let t: Vec<String> = existing
                .transformations
                .iter()
                .map(|t| {
                    format!(
                        "{}/{} value {}",
                        t.metric_namespace, t.metric_name, t.metric_value
                    )
                })
                .collect();
            format!("it publishes {}", t.join(", "))
        };
        Err(PlanError::Collision(Box::new(Collision {
            kind: "metric filter",
            name: want.filter_name.clone(),
            account: want.account.clone(),
            region: want.region.clone(),
            diff: format!("on log group {}, {diff}", want.log_group_name),
            hint: "rename or remove that filter yourself, or remediate this control by hand"
                .to_string(),
        })))
    }

    fn existing_alarm_matches(&self, want: &PutMetricAlarm) -> Result<bool, PlanError> {
        let Some(alarms) = self
            .evidence
            .account(&want.account)
            .and_then(|a| a.alarms_in(&want.region))
            .and_then(|r| r.alarms.ok())
        else {
            return Ok(false);
        };
        let Some(existing) = alarms.iter().find(|a| a.name == want.alarm_name) else {
            return Ok(false);
        };
        match alarm_difference(existing, want) {
            None => Ok(true),
            Some(diff) => Err(PlanError::Collision(Box::new(Collision {
                kind: "alarm",
                name: want.alarm_name.clone(),
                account: want.account.clone(),
                region: want.region.clone(),
                diff,
                hint: "rename or remove that alarm yourself, or remediate this control by hand"
                    .to_string(),
            }))),
        }
    }

    fn push_filter(&mut self, filter: PutMetricFilter) {
        // An organization trail's group is shared by many accounts' findings: one filter, many controls.
        for a in &mut self.control_actions {
            if let Action::PutMetricFilter(x) = a {
                if (&x.account, &x.region, &x.log_group_name, &x.filter_name)
                    == (
                        &filter.account,
                        &filter.region,
                        &filter.log_group_name,
                        &filter.filter_name,
                    )
                {
                    merge(&mut x.controls, &filter.controls);
                    return;
                }
            }
        }
        self.control_actions.push(Action::PutMetricFilter(filter));
    }

    fn push_alarm(&mut self, alarm: PutMetricAlarm) {
        for a in &mut self.control_actions {
            if let Action::PutMetricAlarm(x) = a {
                if (&x.account, &x.region, &x.alarm_name)
                    == (&alarm.account, &alarm.region, &alarm.alarm_name)
                {
                    merge(&mut x.controls, &alarm.controls);
                    return;
                }
            }
        }
        self.control_actions.push(Action::PutMetricAlarm(alarm));
    }

    /// The topic our alarms in (account, region) notify: created (with its policy and subscriptions) or
    /// reused, once per place.
    fn topic_for(&mut self, account: &str, region: &str) -> Result<String, PlanError> {
        let key = (account.to_string(), region.to_string());
        if let Some(arn) = self.topics.get(&key) {
            return Ok(arn.clone());
        }
        let arn = match &self.options.topic {
            TopicChoice::Reuse(arn) => {
                let parsed =
                    Arn::parse(arn).filter(|a| a.service == "sns" && !a.resource.is_empty());
                let Some(parsed) = parsed else {
                    return Err(PlanError::BadOption {
                        option: "--topic-arn",
                        value: arn.clone(),
                        why: "not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)".to_string(),
                    });
                };
                if parsed.region != region {
                    return Err(PlanError::BadOption {
                        option: "--topic-arn",
                        value: arn.clone(),
                        why: format!(
                            "the topic is in {}, but the alarms must be created in {region} (account {account}), and CloudWatch alarms can only notify topics of their own region",
                            parsed.region
                        ),
                    });
                }
                self.reused_topic(arn, account, region);
                arn.clone()
            }
            TopicChoice::Create(name) => self.created_topic(name, account, region)?,
        };
        self.topics.insert(key, arn.clone());
        Ok(arn)
    }

    fn reused_topic(&mut self, arn: &str, account: &str, region: &str) {
        if let Some(note) = crate::kms::reused_topic_key_note(self.evidence, arn) {
            self.plan.notes.push(note); // its KMS key does not let CloudWatch publish (crate::kms)
        }
        match self.find_topic(arn) {
            Some(topic) => match &topic.subscriptions {
                Observed::Ok(subs) => {
                    let confirmed = subs.iter().filter(|s| s.is_confirmed()).count();
                    let topic = topic.clone();
                    self.subscribe(&topic.arn, account, region, Some(&topic));
                    if confirmed == 0 && self.options.subscribers.is_empty() {
                        self.plan.notes.push(format!(
                            "SNS topic {arn} has no confirmed subscription ({} pending): the controls stay FAIL at the topic link until one is confirmed",
                            subs.len()
                        ));
                    }
                }
                Observed::Error(e) if e.kind == ErrorKind::NotFound => self.plan.notes.push(format!(
                    "--topic-arn {arn}: the evidence says this topic does not exist; create it before applying"
                )),
                Observed::Error(e) => {
                    self.plan.notes.push(format!("--topic-arn {arn}: its subscriptions could not be read ({e})"));
                    self.subscribe(arn, account, region, None);
                }
            },
            None => {
                self.plan.notes.push(format!(
                    "--topic-arn {arn} is not in the evidence; make sure it exists and has a confirmed subscription"
                ));
                self.subscribe(arn, account, region, None);
            }
        }
    }

    fn created_topic(
        &mut self,
        name: &str,
        account: &str,
        region: &str,
    ) -> Result<String, PlanError> {
        validate_topic_name(name)?;
        let partition = self
            .evidence
            .account(account)
            .map_or("aws", |a| a.partition.as_str())
            .to_string();
        let arn = format!("arn:{partition}:sns:{region}:{account}:{name}");
        let policy = topic_policy(
            &partition,
            account,
            region,
            serde_json::Value::String(arn.clone()),
        );
        if let Some(existing) = self.find_topic(&arn) {
            let gone = matches!(&existing.subscriptions, Observed::Error(e) if e.kind == ErrorKind::NotFound);
            // The evidence has no tags, but a topic whose policy is exactly the one we set is one an earlier
            // run created (a later run for more controls must reuse it, not collide with it).
            let ours = existing
                .attributes
                .ok()
                .and_then(|a| a.policy.as_deref())
                .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                .is_some_and(|p| p == policy);
            if ours && !gone {
                self.plan.notes.push(format!(
                    "SNS topic {arn} was created by trailwarden earlier (its policy is ours); reused"
                ));
                self.reused_topic(&arn, account, region);
                return Ok(arn);
            }
            if !gone {
                return Err(PlanError::Collision(Box::new(Collision {
                    kind: "SNS topic",
                    name: name.to_string(),
                    account: account.to_string(),
                    region: region.to_string(),
                    diff: format!("{arn} is not a topic this plan creates"),
                    hint: format!(
                        "pass --topic-arn {arn} to reuse it, or --topic-name with another name"
                    ),
                })));
            }
        }
        let mut tags = BTreeMap::new();
        tags.insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string());
        self.topic_actions.push(Action::CreateTopic(CreateTopic {
            account: account.to_string(),
            region: region.to_string(),
            name: name.to_string(),
            arn: arn.clone(),
            tags,
        }));
        let policy = topic_policy(
            &partition,
            account,
            region,
            serde_json::Value::String(arn.clone()),
        );
        self.topic_actions
            .push(Action::SetTopicPolicy(SetTopicPolicy {
                account: account.to_string(),
                region: region.to_string(),
                topic_arn: arn.clone(),
                policy: policy.to_string(),
            }));
        self.subscribe(&arn, account, region, None);
        if self.options.subscribers.is_empty() {
            self.plan.notes.push(format!(
                "SNS topic {arn} gets no subscriber (no --subscribe): the controls stay FAIL at the topic link until someone subscribes and confirms"
            ));
        }
        Ok(arn)
    }

    /// Subscribe every `--subscribe` endpoint the topic does not have yet.
    fn subscribe(&mut self, topic_arn: &str, account: &str, region: &str, topic: Option<&Topic>) {
        let options = self.options;
        for s in &options.subscribers {
            let existing = topic.and_then(|t| t.subscriptions.ok()).and_then(|subs| {
                subs.iter().find(|x| {
                    x.protocol == s.protocol && x.endpoint.as_deref() == Some(s.endpoint.as_str())
                })
            });
            if let Some(x) = existing {
                let state = if x.is_confirmed() {
                    "confirmed"
                } else {
                    "pending confirmation"
                };
                self.plan.notes.push(format!(
                    "{}:{} is already subscribed to {topic_arn} ({state})",
                    s.protocol, s.endpoint
                ));
                continue;
            }
            let action = Action::Subscribe(Subscribe {
                account: account.to_string(),
                region: region.to_string(),
                topic_arn: topic_arn.to_string(),
                protocol: s.protocol.clone(),
                endpoint: s.endpoint.clone(),
            });
            if !self.topic_actions.contains(&action) {
                // The queue or function must let the topic in before SNS delivers the first message.
                self.endpoint_permission(s, topic_arn, account);
                self.topic_actions.push(action);
            }
        }
    }

    fn find_topic(&self, arn: &str) -> Option<&'a Topic> {
        let evidence = self.evidence;
        evidence.accounts.iter().find_map(|a| a.topic(arn))
    }

    /// The alarm exists and notifies a topic without a confirmed subscription.
    fn topic_link(&mut self, f: &Finding) {
        let Some(arn) = f.resources.topics.first().cloned() else {
            self.block(f, &f.reason.clone());
            return;
        };
        let topic = self.find_topic(&arn);
        let parsed = Arn::parse(&arn);
        let (account, region) = parsed
            .as_ref()
            .map_or((f.account.clone(), f.region.clone()), |a| {
                (a.account.to_string(), a.region.to_string())
            });
        let Some(topic) = topic else {
            self.block(f, &f.reason.clone());
            return;
        };
        if let Some(why) = crate::kms::topic_key_problem(self.evidence, &arn) {
            return self.block(f, &why); // a subscriber cannot help: the KMS key stops CloudWatch (crate::kms)
        }
        let subs = match &topic.subscriptions {
            Observed::Ok(s) => s.clone(),
            Observed::Error(_) => {
                self.block(
                    f,
                    &format!(
                        "{}; trailwarden does not change alarms it did not create: recreate the topic or point the alarm at another one",
                        f.reason
                    ),
                );
                return;
            }
        };
        let pending = subs.iter().filter(|s| !s.is_confirmed()).count();
        if self.options.subscribers.is_empty() {
            let why = if pending > 0 {
                format!(
                    "SNS topic {arn} has only subscriptions pending confirmation ({pending}): confirm them (the confirmation message went to each endpoint), or pass --subscribe to add one"
                )
            } else {
                format!("SNS topic {arn} has no subscriptions: pass --subscribe email:ADDR (or https:, sqs:, lambda:) to add one")
            };
            self.block(f, &why);
            return;
        }
        let topic = topic.clone();
        self.subscribe(&arn, &account, &region, Some(&topic));
        if pending > 0 {
            self.plan.notes.push(format!(
                "{}: SNS topic {arn} also has {pending} subscription(s) pending confirmation",
                f.control
            ));
        }
    }

    fn finish(mut self) -> Plan {
        for (account, (controls, region, reason)) in std::mem::take(&mut self.trail_blocked) {
            self.plan.blocked.push(Blocked {
                controls,
                account,
                region,
                link: "trail".to_string(),
                reason: format!(
                    "no qualifying trail: {reason}. A multi-region trail that is logging all management events to a CloudWatch Logs group is a separate CIS control (3.1 and 3.4 in v3.0.0); trailwarden remediate stops here for this account: fix that trail, or pass --setup-trail to create one (with its bucket, log group and role)"
                ),
            });
        }
        let mut actions = self.setup_actions;
        actions.extend(self.topic_actions);
        actions.extend(self.control_actions);
        self.plan.actions = actions;
        self.plan
    }
}

fn merge(into: &mut Vec<String>, more: &[String]) {
    let mut set: BTreeSet<&String> = into.iter().collect();
    let new: Vec<String> = more.iter().filter(|m| set.insert(m)).cloned().collect();
    into.extend(new);
}

/// The metric, filter and alarm name of a control: the catalog's (`NetworkGWChanges`), never with a period
/// (a period in a metric name breaks some consumers; CloudWatch metric math rejects it).
/// Security Hub's string for the control's topic: its own, else the newest built-in benchmark's.
fn security_hub_for(control: &Control) -> Option<(Option<String>, &SecurityHub)> {
    if let Some(sh) = &control.security_hub {
        return Some((None, sh));
    }
    let catalog = Catalog::builtin().ok()?;
    catalog.benchmarks().iter().rev().find_map(|b| {
        let c = b.controls().iter().find(|c| c.slug == control.slug)?;
        c.security_hub
            .as_ref()
            .map(|sh| (Some(b.version.clone()), sh))
    })
}

pub fn metric_name(control: &Control) -> String {
    let base = control
        .metric_name
        .clone()
        .unwrap_or_else(|| format!("CIS-{}", control.slug));
    base.replace('.', "-")
}

/// Topic names: 1–256 characters of letters, digits, `-` and `_`.
fn validate_topic_name(name: &str) -> Result<(), PlanError> {
    let ok = !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(PlanError::BadOption {
            option: "--topic-name",
            value: name.to_string(),
            why: "an SNS topic name is 1–256 letters, digits, hyphens or underscores".to_string(),
        })
    }
}

/// `None` if the existing alarm is what we would create, else what differs.
fn alarm_difference(existing: &Alarm, want: &PutMetricAlarm) -> Option<String> {
    let mut diffs = Vec::new();
    if existing.metric_name.as_deref() != Some(want.metric_name.as_str())
        || existing.namespace.as_deref() != Some(want.namespace.as_str())
    {
        diffs.push(format!(
            "it watches {}/{}",
            existing.namespace.as_deref().unwrap_or("(none)"),
            existing.metric_name.as_deref().unwrap_or("(metric math)")
        ));
    }
    if existing.statistic.as_deref() != Some(want.statistic.as_str()) {
        diffs.push(format!(
            "statistic {}",
            existing.statistic.as_deref().unwrap_or("(none)")
        ));
    }
    if existing.period != Some(i64::from(want.period)) {
        diffs.push(format!("period {:?}", existing.period));
    }
    if existing.threshold != Some(want.threshold)
        || existing.comparison_operator != want.comparison_operator
    {
        diffs.push(format!(
            "condition {} {:?}",
            existing.comparison_operator, existing.threshold
        ));
    }
    if existing.evaluation_periods != i64::from(want.evaluation_periods) {
        diffs.push(format!(
            "{} evaluation periods",
            existing.evaluation_periods
        ));
    }
    if !existing.dimensions.is_empty() {
        diffs.push("dimensions".to_string());
    }
    if !existing.actions_enabled {
        diffs.push("actions disabled".to_string());
    }
    if !want
        .alarm_actions
        .iter()
        .all(|t| existing.alarm_actions.contains(t))
    {
        diffs.push(format!("actions {:?}", existing.alarm_actions));
    }
    if diffs.is_empty() {
        None
    } else {
        Some(diffs.join(", "))
    }
}
