//! CloudWatch: the metric alarms of a region.

use trailwarden_evidence::Alarm;

use crate::error::ApiError;
use crate::sdk::RegionClients;

/// `DescribeAlarms` for metric alarms (paginated).
pub async fn metric_alarms(clients: &RegionClients) -> Result<Vec<Alarm>, ApiError> {
    let mut pages = clients
        .cloudwatch
        .describe_alarms()
        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages
        .try_next()
        .await
        .map_err(|e| ApiError::from_sdk("DescribeAlarms", Some(&clients.region), e))?
    {
        out.extend(page.metric_alarms().iter().map(|a| {
            Alarm {
                name: a.alarm_name().unwrap_or_default().to_owned(),
                arn: a.alarm_arn().unwrap_or_default().to_owned(),
                metric_name: a.metric_name().map(str::to_owned),
                namespace: a.namespace().map(str::to_owned),
                dimensions: a
                    .dimensions()
                    .iter()
                    .filter_map(|d| Some((d.name()?.to_owned(), d.value()?.to_owned())))
                    .collect(),
                statistic: a.statistic().map(|s| s.as_str().to_owned()),
                extended_statistic: a.extended_statistic().map(str::to_owned),
                period: a.period().map(i64::from),
                threshold: a.threshold(),
                comparison_operator: a
                    .comparison_operator()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                evaluation_periods: a.evaluation_periods().map(i64::from).unwrap_or(1),
                datapoints_to_alarm: a.datapoints_to_alarm().map(i64::from),
                treat_missing_data: a.treat_missing_data().map(str::to_owned),
                // AWS's default for ActionsEnabled is true.
                actions_enabled: a.actions_enabled().unwrap_or(true),
                alarm_actions: a.alarm_actions().to_vec(),
                uses_metric_math: !a.metrics().is_empty(),
                state_value: a.state_value().map(|s| s.as_str().to_owned()),
            }
        }));
    }
    Ok(out)
}
