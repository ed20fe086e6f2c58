//! The plan's types: a [`Plan`] is an ordered list of [`Action`]s (what to create), plus what could not be
//! planned ([`Blocked`]) and observations for the reader ([`Plan::notes`]).
//!
//! Every action names its account and region, so one plan can cover an organization. References between
//! actions are by the ARN the created resource *will* have (SNS topic ARNs are computable from partition,
//! region, account and name), which keeps the plan a plain, serialisable value; exports turn those ARNs into
//! references of their own language.

mod setup;

use std::collections::BTreeMap;

use serde::Serialize;

pub use setup::*;

/// What to do, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// The actions, in execution order (topics before the alarms that notify them).
    pub actions: Vec<Action>,
    /// Failing controls the plan cannot fix, each with what is missing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<Blocked>,
    /// Things the reader should know (reused resources, remaining manual steps).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Plan {
    /// Whether there is nothing to do and nothing blocked.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.blocked.is_empty()
    }
}

/// A failing control the plan does not fix, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blocked {
    /// Control ids (one entry may block several controls, e.g. every control of an account without a trail).
    pub controls: Vec<String>,
    /// Account id.
    pub account: String,
    /// Region of the finding.
    pub region: String,
    /// The broken link of the audit chain (`trail`, `log-group`, `topic`, ...).
    pub link: String,
    /// What is missing and what to do instead.
    pub reason: String,
}

/// One change to make in AWS.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// `sns CreateTopic` (with tags).
    CreateTopic(CreateTopic),
    /// `sns SetTopicAttributes Policy` on a topic we create: lets CloudWatch alarms publish.
    SetTopicPolicy(SetTopicPolicy),
    /// `sns Subscribe`.
    Subscribe(Subscribe),
    /// `logs PutMetricFilter`.
    PutMetricFilter(PutMetricFilter),
    /// `cloudwatch PutMetricAlarm` (with tags).
    PutMetricAlarm(PutMetricAlarm),
    /// `--setup-trail`: the trail's bucket (public access blocked, tagged).
    CreateBucket(CreateBucket),
    /// `--setup-trail`: the bucket policy CloudTrail needs.
    PutBucketPolicy(PutBucketPolicy),
    /// `--setup-trail`: the trail's log group, with a retention period.
    CreateLogGroup(CreateLogGroup),
    /// `--setup-trail`: the CloudTrail → CloudWatch Logs role.
    CreateRole(CreateRole),
    /// `--setup-trail`: the role's inline policy.
    PutRolePolicy(PutRolePolicy),
    /// `--setup-trail`: the multi-region trail.
    CreateTrail(CreateTrail),
    /// `--setup-trail`: start the trail.
    StartLogging(StartLogging),
    /// `--enable-security-hub` (4.16).
    EnableSecurityHub(EnableSecurityHub),
    /// `--enable-security-hub`: the benchmark's CIS standard.
    EnableStandard(EnableStandard),
    /// `--subscribe sqs:ARN`: the queue policy (only where the queue has none).
    SetQueuePolicy(SetQueuePolicy),
    /// `--subscribe lambda:ARN`: the function's permission.
    AddLambdaPermission(AddLambdaPermission),
}

impl Action {
    /// `(account, region)` the action runs in.
    pub fn location(&self) -> (&str, &str) {
        let (a, r) = match self {
            Action::CreateTopic(x) => (&x.account, &x.region),
            Action::SetTopicPolicy(x) => (&x.account, &x.region),
            Action::Subscribe(x) => (&x.account, &x.region),
            Action::PutMetricFilter(x) => (&x.account, &x.region),
            Action::PutMetricAlarm(x) => (&x.account, &x.region),
            Action::CreateBucket(x) => (&x.account, &x.region),
            Action::PutBucketPolicy(x) => (&x.account, &x.region),
            Action::CreateLogGroup(x) => (&x.account, &x.region),
            Action::CreateRole(x) => (&x.account, &x.region),
            Action::PutRolePolicy(x) => (&x.account, &x.region),
            Action::CreateTrail(x) => (&x.account, &x.region),
            Action::StartLogging(x) => (&x.account, &x.region),
            Action::EnableSecurityHub(x) => (&x.account, &x.region),
            Action::EnableStandard(x) => (&x.account, &x.region),
            Action::SetQueuePolicy(x) => (&x.account, &x.region),
            Action::AddLambdaPermission(x) => (&x.account, &x.region),
        };
        (a.as_str(), r.as_str())
    }

    /// One human line, for `--format plan` and apply's progress.
    pub fn describe(&self) -> String {
        match self {
            Action::CreateTopic(t) => format!("create SNS topic {} ({})", t.name, t.arn),
            Action::SetTopicPolicy(p) => {
                format!(
                    "set the policy of SNS topic {} to let cloudwatch.amazonaws.com publish",
                    p.topic_arn
                )
            }
            Action::Subscribe(s) => format!(
                "subscribe {}:{} to SNS topic {}",
                s.protocol, s.endpoint, s.topic_arn
            ),
            Action::PutMetricFilter(f) => format!(
                "create metric filter {} on log group {} → {}/{} [{}]",
                f.filter_name,
                f.log_group_name,
                f.metric_namespace,
                f.metric_name,
                f.controls.join(", ")
            ),
            Action::PutMetricAlarm(a) => format!(
                "create alarm {} on {}/{} (Sum ≥ 1 in 300 s) → {} [{}]",
                a.alarm_name,
                a.namespace,
                a.metric_name,
                a.alarm_actions.join(", "),
                a.controls.join(", ")
            ),
            Action::CreateBucket(b) => format!(
                "create S3 bucket {} for the trail's log files (all public access blocked)",
                b.bucket
            ),
            Action::PutBucketPolicy(p) => format!(
                "set the policy of S3 bucket {} to let cloudtrail.amazonaws.com check its ACL and write log files",
                p.bucket
            ),
            Action::CreateLogGroup(g) => format!(
                "create log group {} (retention {} days)",
                g.log_group_name, g.retention_days
            ),
            Action::CreateRole(r) => format!(
                "create IAM role {} that cloudtrail.amazonaws.com assumes to write to CloudWatch Logs",
                r.role_name
            ),
            Action::PutRolePolicy(p) => format!(
                "put inline policy {} on IAM role {} (logs:CreateLogStream, logs:PutLogEvents on the trail's group)",
                p.policy_name, p.role_name
            ),
            Action::CreateTrail(t) => format!(
                "create multi-region trail {} (all management events, global service events, log file validation) → s3://{}, {}",
                t.name, t.bucket, t.log_group_arn
            ),
            Action::StartLogging(s) => format!("start logging on trail {}", s.trail_arn),
            Action::EnableSecurityHub(_) => {
                "enable Security Hub (default standards off) [4.16]".to_string()
            }
            Action::EnableStandard(s) => {
                format!("subscribe Security Hub to standard {}", s.standards_arn)
            }
            Action::SetQueuePolicy(q) => format!(
                "let SNS topic {} send to SQS queue {} (queue policy, only if the queue has none)",
                q.topic_arn, q.queue_arn
            ),
            Action::AddLambdaPermission(l) => format!(
                "let SNS topic {} invoke Lambda function {} (permission {})",
                l.topic_arn, l.function_arn, l.statement_id
            ),
        }
    }
}

/// Create an SNS topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateTopic {
    pub account: String,
    pub region: String,
    /// Topic name.
    pub name: String,
    /// The ARN it will have.
    pub arn: String,
    pub tags: BTreeMap<String, String>,
}

/// Replace the policy of a topic *we create* (never a reused one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetTopicPolicy {
    pub account: String,
    pub region: String,
    pub topic_arn: String,
    /// The policy document (JSON text).
    pub policy: String,
}

/// Subscribe an endpoint to a topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscribe {
    pub account: String,
    pub region: String,
    pub topic_arn: String,
    pub protocol: String,
    pub endpoint: String,
}

/// Create a metric filter. Metric filters cannot carry tags (the API has none), so ownership is recorded
/// only in the alarm that watches it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PutMetricFilter {
    pub account: String,
    pub region: String,
    /// The controls this filter serves.
    pub controls: Vec<String>,
    pub log_group_name: String,
    pub filter_name: String,
    /// The benchmark's pattern, byte for byte.
    pub pattern: String,
    pub metric_name: String,
    pub metric_namespace: String,
    /// Always `"1"`: one event, one count.
    pub metric_value: String,
}

/// Create a metric alarm that fires on a single event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PutMetricAlarm {
    pub account: String,
    pub region: String,
    pub controls: Vec<String>,
    pub alarm_name: String,
    pub alarm_description: String,
    pub metric_name: String,
    pub namespace: String,
    /// `Sum`.
    pub statistic: String,
    /// 300 seconds.
    pub period: i32,
    /// 1.
    pub threshold: f64,
    /// `GreaterThanOrEqualToThreshold`.
    pub comparison_operator: String,
    /// 1.
    pub evaluation_periods: i32,
    /// `notBreaching`.
    pub treat_missing_data: String,
    /// SNS topic ARNs.
    pub alarm_actions: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// Why no plan could be made. Each message names the resource and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// Something we would create exists already and is not what we would create.
    #[error("{0}")]
    Collision(Box<Collision>),
    /// A command-line option value is unusable.
    #[error("{option} '{value}': {why}")]
    BadOption {
        option: &'static str,
        value: String,
        why: String,
    },
    /// A control id the benchmark does not have.
    #[error("unknown control '{given}' in {benchmark}; valid: {valid}")]
    UnknownControl {
        given: String,
        benchmark: String,
        valid: String,
    },
}

/// A resource of the name the plan would use exists and differs (see [`PlanError::Collision`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind} '{name}' already exists in account {account}, {region} and differs from what trailwarden would create ({diff}); trailwarden never overwrites what it did not create: {hint}")]
pub struct Collision {
    /// `metric filter`, `alarm`, `SNS topic`, `trail`.
    pub kind: &'static str,
    pub name: String,
    pub account: String,
    pub region: String,
    /// What differs.
    pub diff: String,
    /// What the user can do.
    pub hint: String,
}
