//! `--apply`: carry out a [`Plan`] through the official SDK (CloudWatch Logs `PutMetricFilter`, CloudWatch
//! `PutMetricAlarm`, SNS `CreateTopic`/`SetTopicAttributes`/`Subscribe`; for `--setup-trail` S3, IAM,
//! CloudWatch Logs and CloudTrail ([`setup`]); Security Hub, SQS and Lambda ([`extras`])).
//!
//! The evidence a plan was made from may be stale, so apply looks again before it writes, in two phases:
//! first it checks *every* action's target name against what exists now (a resource of that name that is
//! not what the plan would create, and not tagged `managed-by=trailwarden`, is a collision), and only when
//! all checks pass does it write anything. A collision therefore leaves the account unchanged. An existing,
//! identical resource is skipped, so applying twice is harmless. A queue that already has a policy of its own
//! is left alone: its action ends [`Outcome::Manual`] with the statement to add.

mod extras;
mod setup;

use aws_config::Region;
use aws_config::SdkConfig;
use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic, Tag as CwTag};
use aws_sdk_cloudwatchlogs::types::MetricTransformation;
use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sns::types::Tag as SnsTag;

use crate::options::MANAGED_BY;
use crate::{Action, Plan, PutMetricAlarm, PutMetricFilter};

/// What happened to one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Created (or set).
    Done,
    /// Skipped: it already exists as the plan wants it.
    AlreadyThere,
    /// Not done, on purpose: doing it would change something trailwarden did not create. Says what a human
    /// should do instead.
    Manual(String),
    /// Done, but something trailwarden must not change still needs a human (e.g. the KMS key of a queue
    /// that now lets the topic in). Says what.
    DoneWithNote(String),
}

impl Outcome {
    /// Whether the action changed the account.
    pub fn changed(&self) -> bool {
        matches!(self, Outcome::Done | Outcome::DoneWithNote(_))
    }

    /// What a human still has to do, if anything.
    pub fn note(&self) -> Option<&str> {
        match self {
            Outcome::Manual(n) | Outcome::DoneWithNote(n) => Some(n),
            Outcome::Done | Outcome::AlreadyThere => None,
        }
    }
}

/// What phase 1 found for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Check {
    /// Nothing there: write it.
    Absent,
    /// There as planned (or ours): skip it.
    Present,
    /// Left to a human, with what to do.
    Manual(String),
    /// Absent: write it, then tell a human the rest.
    AbsentBut(String),
}

/// The result of applying a plan: each action with its outcome, in order.
#[derive(Debug, Clone, Default)]
pub struct ApplyReport {
    pub results: Vec<(Action, Outcome)>,
}

/// Why apply stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The credentials belong to another account than an action's.
    #[error("the plan has actions for account {wanted}, but the credentials belong to account {actual}; nothing was changed")]
    WrongAccount { wanted: String, actual: String },
    /// A resource of a planned name exists and is not what the plan would create.
    #[error("{kind} '{name}' already exists in {region} and was not created by trailwarden ({diff}); nothing was changed: rename or remove it, or remediate this control by hand")]
    Collision {
        kind: &'static str,
        name: String,
        region: String,
        diff: String,
    },
    /// An AWS call failed.
    #[error("{operation} in {region} failed: {message}{}", if *.changed { " (earlier actions were applied; run remediate again to finish)" } else { "" })]
    Api {
        operation: &'static str,
        region: String,
        message: String,
        /// Whether some earlier action had already changed the account.
        changed: bool,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

type SdkError<E> =
    aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>;

/// The error code of a service error (`NoSuchEntity`, `TrailNotFoundException`, ...).
fn code<E: ProvideErrorMetadata>(e: &SdkError<E>) -> Option<&str> {
    e.as_service_error().and_then(|s| s.code())
}

fn built<T, E: std::fmt::Display>(
    r: Result<T, E>,
    operation: &'static str,
    region: &str,
    changed: bool,
) -> Result<T, ApplyError> {
    r.map_err(|e| ApplyError::Api {
        operation,
        region: region.to_string(),
        message: e.to_string(),
        changed,
    })
}

fn api<'r, E: ProvideErrorMetadata + std::fmt::Debug>(
    operation: &'static str,
    region: &'r str,
    changed: bool,
) -> impl FnOnce(SdkError<E>) -> ApplyError + 'r {
    move |e| {
        let message = match e.as_service_error() {
            Some(s) => format!(
                "{}: {}",
                s.code().unwrap_or("error"),
                s.message().unwrap_or("")
            ),
            None => format!("{e:?}"),
        };
        ApplyError::Api {
            operation,
            region: region.to_string(),
            message,
            changed,
        }
    }
}

fn in_region(config: &SdkConfig, region: &str) -> SdkConfig {
    config
        .to_builder()
        .region(Region::new(region.to_owned()))
        .build()
}

/// Applies the plan with `config`'s credentials (blocking; see [`apply_async`]).
pub fn apply(plan: &Plan, config: &SdkConfig) -> Result<ApplyReport, ApplyError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApplyError::Runtime(e.to_string()))?;
    runtime.block_on(apply_async(plan, config))
}

/// Loads the AWS configuration the way the collector does (profile, region, endpoint, retries) and applies.
pub fn apply_live(
    plan: &Plan,
    sdk: &trailwarden_aws::sdk::SdkOptions,
) -> Result<ApplyReport, ApplyError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApplyError::Runtime(e.to_string()))?;
    runtime.block_on(async {
        let config = trailwarden_aws::sdk::load_config(sdk).await;
        apply_async(plan, &config).await
    })
}

/// Phase 1 alone, writing nothing: every action's target is looked at and a collision is the error. Lets a
/// multi-account run ([`crate::accounts`]) look in every account before it writes in any.
pub async fn preflight(plan: &Plan, config: &SdkConfig) -> Result<(), ApplyError> {
    for action in &plan.actions {
        check(action, &in_region(config, action.location().1)).await?;
    }
    Ok(())
}

/// Applies the plan: checks every target first, then writes.
pub async fn apply_async(plan: &Plan, config: &SdkConfig) -> Result<ApplyReport, ApplyError> {
    if plan.actions.is_empty() {
        return Ok(ApplyReport::default());
    }
    let home = config
        .region()
        .map_or("us-east-1".to_string(), |r| r.to_string());
    let identity = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(api("GetCallerIdentity", &home, false))?;
    let actual = identity.account().unwrap_or_default().to_string();
    if let Some(a) = plan.actions.iter().find(|a| a.location().0 != actual) {
        return Err(ApplyError::WrongAccount {
            wanted: a.location().0.to_string(),
            actual,
        });
    }
    // Phase 1: look before writing anything.
    let mut checks = Vec::new();
    for action in &plan.actions {
        let cfg = in_region(config, action.location().1);
        checks.push(check(action, &cfg).await?);
    }
    // Phase 2: write.
    let mut report = ApplyReport::default();
    for (action, check) in plan.actions.iter().zip(checks) {
        let changed = report.results.iter().any(|(_, o)| o.changed());
        let region = action.location().1;
        let cfg = in_region(config, region);
        match check {
            Check::Present => {
                report.results.push((action.clone(), Outcome::AlreadyThere));
                continue;
            }
            Check::Manual(why) => {
                report.results.push((action.clone(), Outcome::Manual(why)));
                continue;
            }
            Check::Absent | Check::AbsentBut(_) => {}
        }
        write(action, &cfg, region, changed).await?;
        let outcome = match check {
            Check::AbsentBut(note) => Outcome::DoneWithNote(note),
            _ => Outcome::Done,
        };
        report.results.push((action.clone(), outcome));
    }
    Ok(report)
}

/// What exists of the target now; `Err` on a collision.
async fn check(action: &Action, cfg: &SdkConfig) -> Result<Check, ApplyError> {
    let present = |p: bool| if p { Check::Present } else { Check::Absent };
    Ok(match action {
        Action::CreateTopic(_)
        | Action::SetTopicPolicy(_)
        | Action::Subscribe(_)
        | Action::PutMetricFilter(_)
        | Action::PutMetricAlarm(_) => present(check_core(action, cfg).await?),
        Action::CreateBucket(_)
        | Action::PutBucketPolicy(_)
        | Action::CreateLogGroup(_)
        | Action::CreateRole(_)
        | Action::PutRolePolicy(_)
        | Action::CreateTrail(_)
        | Action::StartLogging(_) => present(setup::check(action, cfg).await?),
        Action::EnableSecurityHub(_)
        | Action::EnableStandard(_)
        | Action::SetQueuePolicy(_)
        | Action::AddLambdaPermission(_) => extras::check(action, cfg).await?,
    })
}

/// `Ok(true)` if the target exists as wanted (skip), `Ok(false)` if absent, `Err` on a collision.
async fn check_core(action: &Action, cfg: &SdkConfig) -> Result<bool, ApplyError> {
    let region = action.location().1;
    match action {
        Action::CreateTopic(t) => {
            let sns = aws_sdk_sns::Client::new(cfg);
            match sns.get_topic_attributes().topic_arn(&t.arn).send().await {
                Ok(_) => {
                    let tags = sns
                        .list_tags_for_resource()
                        .resource_arn(&t.arn)
                        .send()
                        .await
                        .map_err(api("ListTagsForResource", region, false))?;
                    let ours = tags
                        .tags()
                        .iter()
                        .any(|x| x.key() == MANAGED_BY.0 && x.value() == MANAGED_BY.1);
                    if ours {
                        Ok(true)
                    } else {
                        Err(ApplyError::Collision {
                            kind: "SNS topic",
                            name: t.name.clone(),
                            region: region.to_string(),
                            diff: "it is not tagged managed-by=trailwarden; pass --topic-arn to reuse it".to_string(),
                        })
                    }
                }
                Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("NotFound") => {
                    Ok(false)
                }
                Err(e) => Err(api("GetTopicAttributes", region, false)(e)),
            }
        }
        // Setting the policy of our own topic and subscribing (idempotent in SNS) need no check.
        Action::SetTopicPolicy(_) | Action::Subscribe(_) => Ok(false),
        Action::PutMetricFilter(f) => check_filter(f, cfg).await,
        Action::PutMetricAlarm(a) => check_alarm(a, cfg).await,
        _ => Ok(false),
    }
}

async fn check_filter(f: &PutMetricFilter, cfg: &SdkConfig) -> Result<bool, ApplyError> {
    let logs = aws_sdk_cloudwatchlogs::Client::new(cfg);
    let out = logs
        .describe_metric_filters()
        .log_group_name(&f.log_group_name)
        .filter_name_prefix(&f.filter_name)
        .send()
        .await
        .map_err(api("DescribeMetricFilters", &f.region, false))?;
    let Some(existing) = out
        .metric_filters()
        .iter()
        .find(|m| m.filter_name() == Some(f.filter_name.as_str()))
    else {
        return Ok(false);
    };
    let same_metric = existing.metric_transformations().len() == 1
        && existing.metric_transformations().iter().all(|t| {
            t.metric_name() == f.metric_name
                && t.metric_namespace() == f.metric_namespace
                && t.metric_value() == f.metric_value
        });
    if existing.filter_pattern() == Some(f.pattern.as_str()) && same_metric {
        return Ok(true);
    }
    Err(ApplyError::Collision {
        kind: "metric filter",
        name: f.filter_name.clone(),
        region: f.region.clone(),
        diff: format!(
            "on log group {}, pattern {}",
            f.log_group_name,
            existing.filter_pattern().unwrap_or("(none)")
        ),
    })
}

async fn check_alarm(a: &PutMetricAlarm, cfg: &SdkConfig) -> Result<bool, ApplyError> {
    let cw = aws_sdk_cloudwatch::Client::new(cfg);
    let out = cw
        .describe_alarms()
        .alarm_names(&a.alarm_name)
        .send()
        .await
        .map_err(api("DescribeAlarms", &a.region, false))?;
    let Some(existing) = out
        .metric_alarms()
        .iter()
        .find(|x| x.alarm_name() == Some(a.alarm_name.as_str()))
    else {
        return Ok(false);
    };
    let same = existing.metric_name() == Some(a.metric_name.as_str())
        && existing.namespace() == Some(a.namespace.as_str())
        && existing.statistic().map(|s| s.as_str()) == Some(a.statistic.as_str())
        && existing.period() == Some(a.period)
        && existing.threshold() == Some(a.threshold)
        && existing.comparison_operator().map(|c| c.as_str())
            == Some(a.comparison_operator.as_str())
        && existing.evaluation_periods() == Some(a.evaluation_periods)
        && a.alarm_actions
            .iter()
            .all(|t| existing.alarm_actions().contains(t));
    if same {
        return Ok(true);
    }
    Err(ApplyError::Collision {
        kind: "alarm",
        name: a.alarm_name.clone(),
        region: a.region.clone(),
        diff: format!(
            "it watches {}/{} with {:?}",
            existing.namespace().unwrap_or("(none)"),
            existing.metric_name().unwrap_or("(none)"),
            existing.statistic()
        ),
    })
}

async fn write(
    action: &Action,
    cfg: &SdkConfig,
    region: &str,
    changed: bool,
) -> Result<(), ApplyError> {
    match action {
        Action::CreateTopic(t) => {
            let mut req = aws_sdk_sns::Client::new(cfg).create_topic().name(&t.name);
            for (k, v) in &t.tags {
                let tag =
                    SnsTag::builder()
                        .key(k)
                        .value(v)
                        .build()
                        .map_err(|e| ApplyError::Api {
                            operation: "CreateTopic",
                            region: region.into(),
                            message: e.to_string(),
                            changed,
                        })?;
                req = req.tags(tag);
            }
            req.send()
                .await
                .map_err(api("CreateTopic", region, changed))?;
        }
        Action::SetTopicPolicy(p) => {
            aws_sdk_sns::Client::new(cfg)
                .set_topic_attributes()
                .topic_arn(&p.topic_arn)
                .attribute_name("Policy")
                .attribute_value(&p.policy)
                .send()
                .await
                .map_err(api("SetTopicAttributes", region, changed))?;
        }
        Action::Subscribe(s) => {
            aws_sdk_sns::Client::new(cfg)
                .subscribe()
                .topic_arn(&s.topic_arn)
                .protocol(&s.protocol)
                .endpoint(&s.endpoint)
                .send()
                .await
                .map_err(api("Subscribe", region, changed))?;
        }
        Action::PutMetricFilter(f) => {
            let t = MetricTransformation::builder()
                .metric_name(&f.metric_name)
                .metric_namespace(&f.metric_namespace)
                .metric_value(&f.metric_value)
                .build()
                .map_err(|e| ApplyError::Api {
                    operation: "PutMetricFilter",
                    region: region.into(),
                    message: e.to_string(),
                    changed,
                })?;
            aws_sdk_cloudwatchlogs::Client::new(cfg)
                .put_metric_filter()
                .log_group_name(&f.log_group_name)
                .filter_name(&f.filter_name)
                .filter_pattern(&f.pattern)
                .metric_transformations(t)
                .send()
                .await
                .map_err(api("PutMetricFilter", region, changed))?;
        }
        Action::PutMetricAlarm(a) => {
            let mut req = aws_sdk_cloudwatch::Client::new(cfg)
                .put_metric_alarm()
                .alarm_name(&a.alarm_name)
                .alarm_description(&a.alarm_description)
                .metric_name(&a.metric_name)
                .namespace(&a.namespace)
                .statistic(Statistic::from(a.statistic.as_str()))
                .period(a.period)
                .threshold(a.threshold)
                .comparison_operator(ComparisonOperator::from(a.comparison_operator.as_str()))
                .evaluation_periods(a.evaluation_periods)
                .treat_missing_data(&a.treat_missing_data)
                .actions_enabled(true);
            for t in &a.alarm_actions {
                req = req.alarm_actions(t);
            }
            for (k, v) in &a.tags {
                req = req.tags(CwTag::builder().key(k).value(v).build());
            }
            req.send()
                .await
                .map_err(api("PutMetricAlarm", region, changed))?;
        }
        Action::CreateBucket(_)
        | Action::PutBucketPolicy(_)
        | Action::CreateLogGroup(_)
        | Action::CreateRole(_)
        | Action::PutRolePolicy(_)
        | Action::CreateTrail(_)
        | Action::StartLogging(_) => setup::write(action, cfg, region, changed).await?,
        Action::EnableSecurityHub(_)
        | Action::EnableStandard(_)
        | Action::SetQueuePolicy(_)
        | Action::AddLambdaPermission(_) => extras::write(action, cfg, region, changed).await?,
    }
    Ok(())
}
