//! CloudWatch Logs: the metric filters of the log groups the trails deliver to.

use std::collections::BTreeMap;

use trailwarden_evidence::arn::LogGroupRef;
use trailwarden_evidence::{
    ErrorKind, LogGroup, MetricFilter, MetricTransformation, ObservationError, Observed,
};

use crate::error::ApiError;
use crate::sdk::RegionClients;

/// `DescribeMetricFilters --log-group-name` (paginated) in the group's region, `clients` being that region's.
///
/// A group owned by another account is not queried: the API takes only a name, so asking our own account would
/// describe a different (same-named) group. It is recorded as an error naming the owner instead.
pub async fn log_group(
    clients: Option<&RegionClients>,
    group: &LogGroupRef,
    account_id: &str,
) -> LogGroup {
    let metric_filters = match clients {
        Some(clients) if group.account == account_id => {
            metric_filters(clients, &group.name).await.map_err(ObservationError::from).into()
        }
        _ => Observed::Error(ObservationError::new(
            ErrorKind::Other,
            "DescribeMetricFilters",
            Some(group.region.clone()),
            format!(
                "log group {} belongs to account {}, not {account_id}; collect that account to see its filters",
                group.name, group.account
            ),
        )),
    };
    LogGroup {
        arn: group.arn(),
        name: group.name.clone(),
        region: group.region.clone(),
        account_id: group.account.clone(),
        metric_filters,
    }
}

async fn metric_filters(
    clients: &RegionClients,
    name: &str,
) -> Result<Vec<MetricFilter>, ApiError> {
    let mut items = clients
        .logs
        .describe_metric_filters()
        .log_group_name(name)
        .into_paginator()
        .items()
        .send();
    let mut out = Vec::new();
    while let Some(f) = items
        .try_next()
        .await
        .map_err(|e| ApiError::from_sdk("DescribeMetricFilters", Some(&clients.region), e))?
    {
        // Filter by prefix is the API's only option: keep exactly this group's filters.
        if f.log_group_name().is_some_and(|g| g != name) {
            continue;
        }
        out.push(MetricFilter {
            name: f.filter_name().unwrap_or_default().to_owned(),
            pattern: f.filter_pattern().unwrap_or_default().to_owned(),
            transformations: f
                .metric_transformations()
                .iter()
                .map(|t| MetricTransformation {
                    metric_name: t.metric_name().to_owned(),
                    metric_namespace: t.metric_namespace().to_owned(),
                    metric_value: t.metric_value().to_owned(),
                    default_value: t.default_value(),
                    dimensions: t
                        .dimensions()
                        .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                        .unwrap_or_else(BTreeMap::new),
                    unit: t.unit().map(|u| u.as_str().to_owned()),
                })
                .collect(),
        });
    }
    Ok(out)
}
