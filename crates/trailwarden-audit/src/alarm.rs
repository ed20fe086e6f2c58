//! Link 4: does an alarm on the filters' metric go off on a single matching event?
//!
//! One matching log event makes the metric filter publish one value `v` (its `metricValue`) in one period.
//! Our decisions, each chosen so that PASS means "one event notifies someone":
//!
//! - **Same metric**: metric name *and* namespace equal the filter's; no dimensions on either side (a filter
//!   with dimensions publishes one metric per dimension value, and an alarm sees exactly one of them).
//! - **Statistic**: `Sum` (datapoint ≥ v), `SampleCount` (datapoint ≥ 1) and `Maximum` (datapoint ≥ v) always
//!   see the event. `Average` and `Minimum` equal `v` only when nothing else is published in the period, so
//!   they qualify only when the filter has no `defaultValue` (with `defaultValue` 0, zeros drag them below
//!   the threshold: the DataBiosphere/azul#6220 failure). Extended statistics (percentiles) and metric-math
//!   alarms are not accepted: whether they fire on one event is not decidable from the configuration alone.
//! - **Threshold**: `GreaterThanOrEqualToThreshold` or `GreaterThanThreshold` satisfied by that datapoint.
//!   Lower-than and anomaly-band operators do not qualify.
//! - **Periods**: one breaching datapoint must suffice: `DatapointsToAlarm` (or `EvaluationPeriods` when
//!   unset) must be 1. "2 out of 2" never fires on one event.
//! - **Missing data**: `TreatMissingData = breaching` without a `defaultValue` keeps the alarm in ALARM while
//!   nothing happens, so an event causes no state change and no notification: not accepted.
//! - **Actions**: `ActionsEnabled` and at least one SNS topic among `AlarmActions`.
//!
//! The metric value must be a positive number; a value extracted from the event (`$.x`) cannot be judged.

use trailwarden_evidence::{arn, Alarm, MetricTransformation};

/// `Ok(topic ARNs)` if the alarm fires on one event published through `t` and notifies SNS; else why not.
pub fn fires_on_one_event(alarm: &Alarm, t: &MetricTransformation) -> Result<Vec<String>, String> {
    if alarm.uses_metric_math {
        return Err("it uses metric math, which trailwarden does not evaluate".to_string());
    }
    if !alarm.dimensions.is_empty() || !t.dimensions.is_empty() {
        return Err(if t.dimensions.is_empty() {
            "it watches the metric with dimensions, but the filter publishes none".to_string()
        } else {
            "the metric filter publishes dimensions, so the alarm only sees one dimension value"
                .to_string()
        });
    }
    let value: f64 = match t.metric_value.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => v,
        Ok(v) => {
            return Err(format!(
                "the filter publishes {v} per event, not a positive count"
            ))
        }
        Err(_) => {
            return Err(format!(
                "the filter publishes a value taken from the event ({}), not a count",
                t.metric_value
            ))
        }
    };
    let datapoint = match (alarm.statistic.as_deref(), alarm.extended_statistic.as_deref()) {
        (Some("Sum"), _) | (Some("Maximum"), _) => value,
        (Some("SampleCount"), _) => 1.0,
        (Some(s @ ("Average" | "Minimum")), _) => {
            if t.default_value.is_some() {
                return Err(format!(
                    "statistic {s} with a filter defaultValue is diluted by default datapoints; use Sum"
                ));
            }
            value
        }
        (Some(s), _) => return Err(format!("unknown statistic {s}")),
        (None, Some(e)) => {
            return Err(format!(
                "extended statistic {e} is not accepted (use Sum); whether it fires on one event depends on other data"
            ))
        }
        (None, None) => return Err("it has no statistic".to_string()),
    };
    let Some(threshold) = alarm.threshold else {
        return Err("it has no static threshold (anomaly detection)".to_string());
    };
    let breaches = match alarm.comparison_operator.as_str() {
        "GreaterThanOrEqualToThreshold" => datapoint >= threshold,
        "GreaterThanThreshold" => datapoint > threshold,
        op => {
            return Err(format!(
                "comparison {op} does not fire when an event occurs"
            ))
        }
    };
    if !breaches {
        return Err(format!(
            "one event gives a datapoint of {datapoint}, which does not satisfy {} {threshold}",
            alarm.comparison_operator
        ));
    }
    let needed = alarm
        .datapoints_to_alarm
        .unwrap_or(alarm.evaluation_periods);
    if needed != 1 {
        return Err(format!(
            "it needs {needed} breaching datapoints out of {} periods, so one event never fires it",
            alarm.evaluation_periods
        ));
    }
    if alarm.treat_missing_data.as_deref() == Some("breaching") && t.default_value.is_none() {
        return Err(
            "TreatMissingData is breaching, so it stays in ALARM while nothing happens and an event notifies nobody"
                .to_string(),
        );
    }
    if !alarm.actions_enabled {
        return Err("its actions are disabled".to_string());
    }
    let topics: Vec<String> = alarm
        .alarm_actions
        .iter()
        .filter(|a| arn::is_sns_topic(a))
        .cloned()
        .collect();
    if topics.is_empty() {
        return Err("no SNS topic is among its alarm actions".to_string());
    }
    Ok(topics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> MetricTransformation {
        MetricTransformation {
            metric_name: "M".into(),
            metric_namespace: "CISBenchmark".into(),
            metric_value: "1".into(),
            default_value: None,
            dimensions: Default::default(),
            unit: None,
        }
    }

    fn alarm() -> Alarm {
        Alarm {
            name: "a".into(),
            arn: "arn:aws:cloudwatch:us-east-1:111122223333:alarm:a".into(),
            metric_name: Some("M".into()),
            namespace: Some("CISBenchmark".into()),
            dimensions: Default::default(),
            statistic: Some("Sum".into()),
            extended_statistic: None,
            period: Some(300),
            threshold: Some(1.0),
            comparison_operator: "GreaterThanOrEqualToThreshold".into(),
            evaluation_periods: 1,
            datapoints_to_alarm: None,
            treat_missing_data: None,
            actions_enabled: true,
            alarm_actions: vec!["arn:aws:sns:us-east-1:111122223333:alerts".into()],
            uses_metric_math: false,
            state_value: None,
        }
    }

    #[test]
    fn textbook_alarm_fires() {
        assert_eq!(
            fires_on_one_event(&alarm(), &t()).unwrap(),
            vec!["arn:aws:sns:us-east-1:111122223333:alerts"]
        );
    }

    #[test]
    fn greater_than_zero_fires_greater_than_one_does_not() {
        let mut a = alarm();
        a.comparison_operator = "GreaterThanThreshold".into();
        a.threshold = Some(0.0);
        assert!(fires_on_one_event(&a, &t()).is_ok());
        a.threshold = Some(1.0);
        assert!(fires_on_one_event(&a, &t())
            .unwrap_err()
            .contains("does not satisfy"));
    }

    #[test]
    fn two_of_two_periods_never_fire() {
        let mut a = alarm();
        a.evaluation_periods = 2;
        assert!(fires_on_one_event(&a, &t())
            .unwrap_err()
            .contains("2 breaching datapoints"));
        a.datapoints_to_alarm = Some(1);
        assert!(fires_on_one_event(&a, &t()).is_ok());
    }

    #[test]
    fn average_only_without_default_value() {
        let mut a = alarm();
        a.statistic = Some("Average".into());
        assert!(fires_on_one_event(&a, &t()).is_ok());
        let mut tt = t();
        tt.default_value = Some(0.0);
        assert!(fires_on_one_event(&a, &tt).unwrap_err().contains("diluted"));
        a.statistic = Some("Sum".into());
        assert!(fires_on_one_event(&a, &tt).is_ok());
    }

    #[test]
    fn extended_statistic_and_math_are_rejected() {
        let mut a = alarm();
        a.statistic = None;
        a.extended_statistic = Some("p99".into());
        assert!(fires_on_one_event(&a, &t()).unwrap_err().contains("p99"));
        let mut m = alarm();
        m.uses_metric_math = true;
        assert!(fires_on_one_event(&m, &t())
            .unwrap_err()
            .contains("metric math"));
    }

    #[test]
    fn actions_must_be_enabled_and_include_sns() {
        let mut a = alarm();
        a.actions_enabled = false;
        assert!(fires_on_one_event(&a, &t())
            .unwrap_err()
            .contains("disabled"));
        let mut b = alarm();
        b.alarm_actions = vec!["arn:aws:automate:us-east-1:ec2:stop".into()];
        assert!(fires_on_one_event(&b, &t()).unwrap_err().contains("SNS"));
    }

    #[test]
    fn breaching_missing_data_is_rejected_without_default() {
        let mut a = alarm();
        a.treat_missing_data = Some("breaching".into());
        assert!(fires_on_one_event(&a, &t())
            .unwrap_err()
            .contains("breaching"));
    }

    #[test]
    fn extracted_value_and_dimensions_are_rejected() {
        let mut tt = t();
        tt.metric_value = "$.count".into();
        assert!(fires_on_one_event(&alarm(), &tt)
            .unwrap_err()
            .contains("taken from the event"));
        let mut td = t();
        td.dimensions
            .insert("User".into(), "$.userIdentity.arn".into());
        assert!(fires_on_one_event(&alarm(), &td)
            .unwrap_err()
            .contains("dimensions"));
    }
}
