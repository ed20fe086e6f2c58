//! CloudTrail: `DescribeTrails` (shadow trails included), `GetTrailStatus`, `GetEventSelectors`.

use aws_sdk_cloudtrail::primitives::{DateTime, DateTimeFormat};
use aws_sdk_cloudtrail::types as sdk;
use trailwarden_evidence::{
    AdvancedSelector, BasicSelector, DataResource, EventSelectors, FieldSelector, Observed,
    ReadWriteType, Trail, TrailStatus,
};

use crate::error::ApiError;
use crate::sdk::RegionClients;

/// A trail as `DescribeTrails` shows it, before its status and selectors are read.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailSummary {
    /// Name.
    pub name: String,
    /// ARN (the identity used to merge what several regions show).
    pub arn: String,
    /// Home region.
    pub home_region: String,
    /// `IsMultiRegionTrail`.
    pub is_multi_region: bool,
    /// `IsOrganizationTrail`.
    pub is_organization_trail: bool,
    /// `CloudWatchLogsLogGroupArn`.
    pub log_group_arn: Option<String>,
    /// `CloudWatchLogsRoleArn`.
    pub cloudwatch_logs_role_arn: Option<String>,
    /// `S3BucketName`.
    pub s3_bucket_name: Option<String>,
}

/// `DescribeTrails` with `includeShadowTrails` in one region (the API has no pagination).
pub async fn describe_trails(clients: &RegionClients) -> Result<Vec<TrailSummary>, ApiError> {
    let out = clients
        .cloudtrail
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| ApiError::from_sdk("DescribeTrails", Some(&clients.region), e))?;
    Ok(out
        .trail_list()
        .iter()
        .filter_map(|t| {
            let arn = t.trail_arn()?.to_owned();
            Some(TrailSummary {
                name: t.name().unwrap_or_default().to_owned(),
                home_region: t
                    .home_region()
                    .map(str::to_owned)
                    .unwrap_or_else(|| region_of(&arn, &clients.region)),
                arn,
                is_multi_region: t.is_multi_region_trail().unwrap_or(false),
                is_organization_trail: t.is_organization_trail().unwrap_or(false),
                log_group_arn: t
                    .cloud_watch_logs_log_group_arn()
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
                cloudwatch_logs_role_arn: t
                    .cloud_watch_logs_role_arn()
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
                s3_bucket_name: t.s3_bucket_name().map(str::to_owned),
            })
        })
        .collect())
}

fn region_of(arn: &str, default: &str) -> String {
    arn.split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .unwrap_or(default)
        .to_owned()
}

fn rfc3339(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
}

/// Reads a trail's status and selectors, in its home region (`clients`), by ARN.
pub async fn trail_details(clients: &RegionClients, summary: TrailSummary) -> Trail {
    let status = clients
        .cloudtrail
        .get_trail_status()
        .name(&summary.arn)
        .send()
        .await;
    let status = match status {
        Ok(s) => Observed::Ok(TrailStatus {
            is_logging: s.is_logging().unwrap_or(false),
            latest_cloudwatch_logs_delivery_error: s
                .latest_cloud_watch_logs_delivery_error()
                .map(str::to_owned),
            latest_cloudwatch_logs_delivery_time: rfc3339(
                s.latest_cloud_watch_logs_delivery_time(),
            ),
        }),
        Err(e) => {
            Observed::Error(ApiError::from_sdk("GetTrailStatus", Some(&clients.region), e).into())
        }
    };
    let selectors = clients
        .cloudtrail
        .get_event_selectors()
        .trail_name(&summary.arn)
        .send()
        .await;
    let event_selectors = match selectors {
        Ok(s) => Observed::Ok(EventSelectors {
            basic: s.event_selectors().iter().map(basic).collect(),
            advanced: s.advanced_event_selectors().iter().map(advanced).collect(),
        }),
        Err(e) => Observed::Error(
            ApiError::from_sdk("GetEventSelectors", Some(&clients.region), e).into(),
        ),
    };
    Trail {
        name: summary.name,
        arn: summary.arn,
        home_region: summary.home_region,
        is_multi_region: summary.is_multi_region,
        is_organization_trail: summary.is_organization_trail,
        log_group_arn: summary.log_group_arn,
        cloudwatch_logs_role_arn: summary.cloudwatch_logs_role_arn,
        s3_bucket_name: summary.s3_bucket_name,
        status,
        event_selectors,
    }
}

fn basic(s: &sdk::EventSelector) -> BasicSelector {
    BasicSelector {
        // AWS documents `All` as the default when the field is absent.
        read_write_type: match s.read_write_type() {
            Some(sdk::ReadWriteType::ReadOnly) => ReadWriteType::ReadOnly,
            Some(sdk::ReadWriteType::WriteOnly) => ReadWriteType::WriteOnly,
            _ => ReadWriteType::All,
        },
        // Likewise `IncludeManagementEvents` defaults to true.
        include_management_events: s.include_management_events().unwrap_or(true),
        exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
        data_resources: s
            .data_resources()
            .iter()
            .map(|d| DataResource {
                resource_type: d.r#type().unwrap_or_default().to_owned(),
                values: d.values().to_vec(),
            })
            .collect(),
    }
}

fn advanced(s: &sdk::AdvancedEventSelector) -> AdvancedSelector {
    AdvancedSelector {
        name: s.name().map(str::to_owned),
        field_selectors: s
            .field_selectors()
            .iter()
            .map(|f| FieldSelector {
                field: f.field().to_owned(),
                equals: f.equals().to_vec(),
                not_equals: f.not_equals().to_vec(),
                starts_with: f.starts_with().to_vec(),
                not_starts_with: f.not_starts_with().to_vec(),
                ends_with: f.ends_with().to_vec(),
                not_ends_with: f.not_ends_with().to_vec(),
            })
            .collect(),
    }
}
