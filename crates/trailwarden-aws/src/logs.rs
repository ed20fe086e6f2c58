//! CloudWatch Logs: whether the log groups the trails deliver to exist, and their metric filters.
//!
//! Existence is asked separately (`DescribeLogGroups`) because `DescribeMetricFilters` on a group that does
//! not exist may answer with an empty list, which reads like "a group without filters".

use std::collections::BTreeMap;

use trailwarden_evidence::arn::LogGroupRef;
use trailwarden_evidence::{
    ErrorKind, LogGroup, MetricFilter, MetricTransformation, ObservationError, Observed,
};

use crate::error::ApiError;
use crate::sdk::RegionClients;

/// `DescribeLogGroups` then `DescribeMetricFilters --log-group-name` (both paginated) in the group's region,
/// `clients` being that region's.
///
/// A group known not to exist is not asked for filters: they are recorded as a `NotFound` error, the form
/// evaluators that predate `exists` already read as "the group does not exist". If existence could not be
/// read, the filters are still read (a group with filters evidently exists).
///
/// A group owned by another account is not queried: the APIs take only a name, so asking our own account would
/// describe a different (same-named) group. It is recorded as an error naming the owner instead.
pub async fn log_group(
    clients: Option<&RegionClients>,
    group: &LogGroupRef,
    account_id: &str,
) -> LogGroup {
    let (exists, metric_filters) = match clients {
        Some(clients) if group.account == account_id => {
            let exists = exists(clients, &group.name).await;
            let metric_filters = match exists {
                Ok(false) => Observed::Error(ObservationError::new(
                    ErrorKind::NotFound,
                    "DescribeLogGroups",
                    Some(group.region.clone()),
                    format!(
                        "log group {} does not exist in account {account_id}, region {}",
                        group.name, group.region
                    ),
                )),
                _ => metric_filters(clients, &group.name)
                    .await
                    .map_err(ObservationError::from)
                    .into(),
            };
            (
                exists.map_err(ObservationError::from).into(),
                metric_filters,
            )
        }
        _ => (
            elsewhere(group, account_id, "DescribeLogGroups"),
            elsewhere(group, account_id, "DescribeMetricFilters"),
        ),
    };
    LogGroup {
        arn: group.arn(),
        name: group.name.clone(),
        region: group.region.clone(),
        account_id: group.account.clone(),
        exists: Some(exists),
        metric_filters,
    }
}

/// The record of a call not made because `group` belongs to another account than `account_id`.
fn elsewhere<T>(group: &LogGroupRef, account_id: &str, operation: &str) -> Observed<T> {
    Observed::Error(ObservationError::new(
        ErrorKind::Other,
        operation,
        Some(group.region.clone()),
        format!(
            "log group {} belongs to account {}, not {account_id}; collect that account to see it",
            group.name, group.account
        ),
    ))
}

/// Whether a group named exactly `name` exists: `DescribeLogGroups --log-group-name-prefix name`, paged until
/// it shows up (the prefix also lists `name-2`, `name/x`, ...).
async fn exists(clients: &RegionClients, name: &str) -> Result<bool, ApiError> {
    let mut items = clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .into_paginator()
        .items()
        .send();
    while let Some(g) = items
        .try_next()
        .await
        .map_err(|e| ApiError::from_sdk("DescribeLogGroups", Some(&clients.region), e))?
    {
        if g.log_group_name() == Some(name) {
            return Ok(true);
        }
    }
    Ok(false)
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

#[cfg(test)]
mod tests {
    //! What moto cannot do: deny `DescribeLogGroups` while answering `DescribeMetricFilters`.
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    use trailwarden_testkit::{fake_credentials, test_config};

    use super::*;

    const ACCOUNT: &str = "111122223333";

    /// A loopback CloudWatch Logs that denies `DescribeLogGroups` and lists one filter on group `ct`.
    fn fake_logs() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let (mut length, mut target) = (0usize, String::new());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if let Some(v) = lower.strip_prefix("x-amz-target:") {
                        target = v.trim().to_owned();
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let (status, text) = if target.ends_with(".describemetricfilters") {
                    (
                        200,
                        r#"{"metricFilters":[{"filterName":"f","filterPattern":"{ $.x = 1 }","logGroupName":"ct","metricTransformations":[{"metricName":"m","metricNamespace":"ns","metricValue":"1"}]}]}"#
                            .to_owned(),
                    )
                } else {
                    (
                        400,
                        r#"{"__type":"AccessDeniedException","message":"not authorized to perform: logs:DescribeLogGroups"}"#
                            .to_owned(),
                    )
                };
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        url
    }

    #[tokio::test]
    async fn a_failed_existence_check_is_an_error_not_missing_and_filters_are_still_read() {
        let url = fake_logs();
        let clients = RegionClients::new(
            &test_config(&url, "us-east-1", fake_credentials()),
            "us-east-1",
        );
        let group = LogGroupRef::parse(&format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:ct:*"))
            .unwrap();
        let g = log_group(Some(&clients), &group, ACCOUNT).await;
        let e = g
            .exists
            .as_ref()
            .and_then(Observed::error)
            .expect("an error");
        assert_eq!(
            (e.kind, e.operation.as_str()),
            (ErrorKind::AccessDenied, "DescribeLogGroups")
        );
        let filters = g.metric_filters.ok().expect("filters read");
        assert_eq!(filters.len(), 1);
        assert_eq!(filters[0].name, "f");
    }

    #[tokio::test]
    async fn another_accounts_group_is_not_asked_about() {
        let group =
            LogGroupRef::parse("arn:aws:logs:us-east-1:999988887777:log-group:ct:*").unwrap();
        let g = log_group(None, &group, ACCOUNT).await;
        let e = g
            .exists
            .as_ref()
            .and_then(Observed::error)
            .expect("an error");
        assert_eq!(e.operation, "DescribeLogGroups");
        assert!(e.message.contains("belongs to account 999988887777"), "{e}");
        assert!(g.metric_filters.error().is_some());
    }
}
