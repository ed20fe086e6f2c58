//! The evidence document's types (schema `trailwarden.evidence/v1`). `docs/evidence.md` describes each
//! field with an example; this file is the normative definition.
//!
//! Conventions:
//! - Field names are snake_case; AWS enumerations keep AWS's spelling (`"All"`, `"GreaterThanOrEqualToThreshold"`).
//! - A value the audit depends on and that comes from an API call is an [`Observed`], so "could not look" is
//!   never confused with "nothing there".
//! - Optional AWS fields are `Option` (absent or `null` in JSON); lists default to empty when absent.
//! - Unknown fields are ignored, so a newer v1 collector can add fields without breaking older evaluators.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Observed;

/// The schema identifier this crate reads and writes.
pub const SCHEMA_V1: &str = "trailwarden.evidence/v1";

/// A whole evidence document: what was seen in one or more accounts at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Always [`SCHEMA_V1`] for this version.
    pub schema: String,
    /// When the collection started, RFC 3339 (e.g. `2026-11-25T16:00:00Z`).
    pub collected_at: String,
    /// The program that collected it.
    pub tool: Tool,
    /// One entry per audited account.
    pub accounts: Vec<AccountEvidence>,
}

/// The collecting program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// e.g. `trailwarden`.
    pub name: String,
    /// e.g. `0.1.0`.
    pub version: String,
}

/// Everything observed in one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEvidence {
    /// The 12-digit account id.
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`.
    #[serde(default = "default_partition")]
    pub partition: String,
    /// The regions this audit covers, each with whether it is enabled for the account.
    pub regions: Vec<RegionEvidence>,
    /// Account-wide failures that are not tied to one resource (e.g. `AssumeRole`, `GetCallerIdentity`,
    /// `DescribeRegions`). Any entry here makes every finding of the account ERROR.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collection_errors: Vec<crate::ObservationError>,
    /// All trails visible from the account (`DescribeTrails` with shadow trails), including organization
    /// trails owned by the management account.
    pub trails: Observed<Vec<Trail>>,
    /// CloudWatch Logs groups the collector looked at: at least every group a trail delivers to.
    #[serde(default)]
    pub log_groups: Vec<LogGroup>,
    /// Alarms per region: at least every region holding a trail's log group.
    #[serde(default)]
    pub alarms: Vec<RegionAlarms>,
    /// SNS topics: at least every topic named in an alarm's actions.
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// Security Hub per audited region.
    #[serde(default)]
    pub security_hub: Vec<RegionSecurityHub>,
    /// The KMS keys encrypting the collected topics (except the AWS managed `alias/aws/sns`, which needs no
    /// look): whether CloudWatch may use them is in their key policies. Absent in documents from before it was
    /// collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kms_keys: Vec<KmsKey>,
}

fn default_partition() -> String {
    "aws".to_string()
}

/// One audited region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionEvidence {
    /// e.g. `eu-west-1`.
    pub region: String,
    /// Whether the region is enabled for the account (`false` for an opt-in region not opted in).
    pub enabled: Observed<bool>,
}

/// A CloudTrail trail (`DescribeTrails`, `GetTrailStatus`, `GetEventSelectors`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trail {
    /// Trail name.
    pub name: String,
    /// Trail ARN (its account is the owner's, which differs for an organization trail seen from a member).
    pub arn: String,
    /// The region the trail was created in.
    pub home_region: String,
    /// `IsMultiRegionTrail`.
    pub is_multi_region: bool,
    /// `IsOrganizationTrail`.
    #[serde(default)]
    pub is_organization_trail: bool,
    /// `CloudWatchLogsLogGroupArn` (e.g. `arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail:*`).
    #[serde(default)]
    pub log_group_arn: Option<String>,
    /// `CloudWatchLogsRoleArn`.
    #[serde(default)]
    pub cloudwatch_logs_role_arn: Option<String>,
    /// `S3BucketName`.
    #[serde(default)]
    pub s3_bucket_name: Option<String>,
    /// `GetTrailStatus`.
    pub status: Observed<TrailStatus>,
    /// `GetEventSelectors`.
    pub event_selectors: Observed<EventSelectors>,
}

/// `GetTrailStatus`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailStatus {
    /// `IsLogging`.
    pub is_logging: bool,
    /// `LatestCloudWatchLogsDeliveryError`, e.g. when the role cannot write to the group.
    #[serde(default)]
    pub latest_cloudwatch_logs_delivery_error: Option<String>,
    /// `LatestCloudWatchLogsDeliveryTime`, RFC 3339.
    #[serde(default)]
    pub latest_cloudwatch_logs_delivery_time: Option<String>,
}

/// `GetEventSelectors`: a trail has basic selectors or advanced selectors (AWS returns one kind).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EventSelectors {
    /// `EventSelectors`.
    #[serde(default)]
    pub basic: Vec<BasicSelector>,
    /// `AdvancedEventSelectors`.
    #[serde(default)]
    pub advanced: Vec<AdvancedSelector>,
}

/// `ReadWriteType` of a basic selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadWriteType {
    /// Read and write events.
    All,
    /// Read events only.
    ReadOnly,
    /// Write events only.
    WriteOnly,
}

/// One basic event selector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasicSelector {
    /// `ReadWriteType`.
    pub read_write_type: ReadWriteType,
    /// `IncludeManagementEvents`.
    pub include_management_events: bool,
    /// `ExcludeManagementEventSources` (e.g. `kms.amazonaws.com`, `rdsdata.amazonaws.com`).
    #[serde(default)]
    pub exclude_management_event_sources: Vec<String>,
    /// `DataResources`.
    #[serde(default)]
    pub data_resources: Vec<DataResource>,
}

/// A basic selector's data resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataResource {
    /// e.g. `AWS::S3::Object`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// ARN prefixes.
    #[serde(default)]
    pub values: Vec<String>,
}

/// One advanced event selector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvancedSelector {
    /// `Name`.
    #[serde(default)]
    pub name: Option<String>,
    /// `FieldSelectors`, AND-ed.
    pub field_selectors: Vec<FieldSelector>,
}

/// One advanced field selector: all its conditions are AND-ed, values inside one condition are OR-ed
/// (for the negative conditions: the field must differ from every value).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FieldSelector {
    /// e.g. `eventCategory`, `readOnly`, `eventSource`, `eventName`, `resources.type`.
    pub field: String,
    /// `Equals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    /// `NotEquals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    /// `StartsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    /// `NotStartsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    /// `EndsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    /// `NotEndsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

/// A CloudWatch Logs group and its metric filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroup {
    /// ARN without the trailing `:*` (e.g. `arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail`).
    pub arn: String,
    /// Group name.
    pub name: String,
    /// Region of the group.
    pub region: String,
    /// Owning account.
    pub account_id: String,
    /// `DescribeLogGroups --log-group-name-prefix NAME`, exact name match: whether the group exists. `None`
    /// (absent) in documents from before it was collected: `metric_filters` alone cannot tell a missing group
    /// from one without filters (CloudWatch Logs may answer both with an empty list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<Observed<bool>>,
    /// `DescribeMetricFilters --log-group-name`. A `NotFound` error means the group does not exist.
    pub metric_filters: Observed<Vec<MetricFilter>>,
}

/// One metric filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFilter {
    /// `filterName`.
    pub name: String,
    /// `filterPattern`, verbatim.
    pub pattern: String,
    /// `metricTransformations` (AWS allows exactly one today; kept as a list like the API).
    pub transformations: Vec<MetricTransformation>,
}

/// One metric transformation of a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricTransformation {
    /// `metricName`.
    pub metric_name: String,
    /// `metricNamespace`.
    pub metric_namespace: String,
    /// `metricValue`, e.g. `"1"` or `"$.bytes"`.
    pub metric_value: String,
    /// `defaultValue`.
    #[serde(default)]
    pub default_value: Option<f64>,
    /// `dimensions`: dimension name → `$.field` selector.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    /// `unit`.
    #[serde(default)]
    pub unit: Option<String>,
}

/// The alarms of one region (`DescribeAlarms`, metric alarms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionAlarms {
    /// Region.
    pub region: String,
    /// Every metric alarm of the region.
    pub alarms: Observed<Vec<Alarm>>,
}

/// One CloudWatch metric alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// `AlarmName`.
    pub name: String,
    /// `AlarmArn`.
    pub arn: String,
    /// `MetricName` (absent for metric-math alarms).
    #[serde(default)]
    pub metric_name: Option<String>,
    /// `Namespace`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// `Dimensions`: name → value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    /// `Statistic`: `Sum`, `SampleCount`, `Average`, `Minimum`, `Maximum`.
    #[serde(default)]
    pub statistic: Option<String>,
    /// `ExtendedStatistic`, e.g. `p99`.
    #[serde(default)]
    pub extended_statistic: Option<String>,
    /// `Period` in seconds.
    #[serde(default)]
    pub period: Option<i64>,
    /// `Threshold`.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// `ComparisonOperator`, e.g. `GreaterThanOrEqualToThreshold`.
    pub comparison_operator: String,
    /// `EvaluationPeriods`.
    pub evaluation_periods: i64,
    /// `DatapointsToAlarm` (defaults to `EvaluationPeriods` when absent).
    #[serde(default)]
    pub datapoints_to_alarm: Option<i64>,
    /// `TreatMissingData`: `missing`, `notBreaching`, `breaching`, `ignore`.
    #[serde(default)]
    pub treat_missing_data: Option<String>,
    /// `ActionsEnabled`.
    pub actions_enabled: bool,
    /// `AlarmActions` ARNs.
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    /// Whether the alarm uses `Metrics` (metric math) instead of a single metric.
    #[serde(default)]
    pub uses_metric_math: bool,
    /// `StateValue`: `OK`, `ALARM`, `INSUFFICIENT_DATA`.
    #[serde(default)]
    pub state_value: Option<String>,
}

/// An SNS topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// Topic ARN.
    pub arn: String,
    /// `ListSubscriptionsByTopic`. A `NotFound` error means the topic does not exist.
    pub subscriptions: Observed<Vec<Subscription>>,
    /// `GetTopicAttributes`.
    pub attributes: Observed<TopicAttributes>,
}

/// One subscription of a topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// `SubscriptionArn`: an ARN once confirmed, else `PendingConfirmation` (or `Deleted`).
    pub arn: String,
    /// `Protocol`: `email`, `https`, `sqs`, `lambda`, ...
    pub protocol: String,
    /// `Endpoint`.
    #[serde(default)]
    pub endpoint: Option<String>,
}

impl Subscription {
    /// Whether the subscription is confirmed: its ARN is a real ARN, not `PendingConfirmation`/`Deleted`.
    pub fn is_confirmed(&self) -> bool {
        self.arn.starts_with("arn:")
    }
}

/// `GetTopicAttributes` (the parts the audit reads).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TopicAttributes {
    /// `Policy` (a JSON document as a string).
    #[serde(default)]
    pub policy: Option<String>,
    /// `KmsMasterKeyId`.
    #[serde(default)]
    pub kms_master_key_id: Option<String>,
}

/// Security Hub in one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionSecurityHub {
    /// Region.
    pub region: String,
    /// `DescribeHub` (+ `GetEnabledStandards`). A `NotSubscribed` error means Security Hub is not enabled.
    pub status: Observed<SecurityHubStatus>,
}

/// Security Hub's state in a region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityHubStatus {
    /// Whether the hub is enabled.
    pub enabled: bool,
    /// `HubArn`.
    #[serde(default)]
    pub hub_arn: Option<String>,
    /// `SubscribedAt`.
    #[serde(default)]
    pub subscribed_at: Option<String>,
    /// Enabled standards.
    #[serde(default)]
    pub standards: Vec<StandardSubscription>,
}

/// One enabled Security Hub standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardSubscription {
    /// `StandardsArn`.
    pub arn: String,
    /// `StandardsStatus`: `READY`, `PENDING`, `INCOMPLETE`, `FAILED`, ...
    #[serde(default)]
    pub status: Option<String>,
}

/// A KMS key named by a topic's `KmsMasterKeyId`, as seen from the topic's account and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmsKey {
    /// The key as the topic names it: key id, key ARN, alias name (`alias/x`) or alias ARN.
    pub key_id: String,
    /// The region it was looked up in (the topic's; SNS only uses keys of its own region).
    pub region: String,
    /// `DescribeKey`. A `NotFound` error means the key (or alias) does not exist.
    pub description: Observed<KeyDescription>,
    /// `GetKeyPolicy` (policy name `default`): the policy document as a JSON string. When `DescribeKey`
    /// failed it was not tried and holds the same error.
    pub policy: Observed<String>,
}

/// `DescribeKey` (the parts the audit reads).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KeyDescription {
    /// The key's ARN (aliases resolved).
    pub arn: String,
    /// `KeyManager`: `AWS` (an AWS managed key, e.g. `aws/sns`) or `CUSTOMER`.
    #[serde(default)]
    pub key_manager: Option<String>,
    /// `KeyState`: `Enabled`, `Disabled`, `PendingDeletion`, ...
    #[serde(default)]
    pub key_state: Option<String>,
}
