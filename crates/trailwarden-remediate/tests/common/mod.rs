//! Helpers shared by the plan tests: fixtures, action kinds, and a simulation of apply on evidence.
#![allow(dead_code)]

use trailwarden_controls::{Benchmark, Catalog};
use trailwarden_evidence::{
    Alarm, BasicSelector, ErrorKind, EventSelectors, Evidence, LogGroup, MetricFilter,
    MetricTransformation, ObservationError, Observed, ReadWriteType, RegionAlarms,
    RegionSecurityHub, SecurityHubStatus, Subscription, Topic, TopicAttributes, Trail, TrailStatus,
};
use trailwarden_remediate::{Action, Plan};

pub const ACCOUNT: &str = "111122223333";

pub fn fixture(name: &str) -> Evidence {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Evidence::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn v3() -> &'static Benchmark {
    Catalog::builtin().unwrap().resolve(Some("v3.0.0")).unwrap()
}

/// Security Hub off in the evidence's one region (`eu-west-1`), so 4.16 fails rather than errs.
pub fn hub_off(mut ev: Evidence) -> Evidence {
    ev.accounts[0].security_hub = vec![RegionSecurityHub {
        region: "eu-west-1".into(),
        status: Observed::Error(ObservationError::new(
            ErrorKind::NotSubscribed,
            "DescribeHub",
            Some("eu-west-1".into()),
            "not subscribed",
        )),
    }];
    ev
}

/// The `action` tag of each action, in order.
pub fn kinds(p: &Plan) -> Vec<String> {
    p.actions
        .iter()
        .map(|a| {
            serde_json::to_value(a).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Applies a plan to the evidence the way AWS would (subscriptions confirmed, as moto does), so a second
/// plan can be checked without a server.
pub fn simulate(ev: &mut Evidence, p: &Plan) {
    let account = ev
        .accounts
        .iter_mut()
        .find(|a| a.account_id == ACCOUNT)
        .unwrap();
    for action in &p.actions {
        match action {
            Action::CreateTopic(t) => account.topics.push(Topic {
                arn: t.arn.clone(),
                subscriptions: Observed::Ok(vec![]),
                attributes: Observed::Ok(TopicAttributes::default()),
            }),
            Action::SetTopicPolicy(sp) => {
                let topic = account
                    .topics
                    .iter_mut()
                    .find(|t| t.arn == sp.topic_arn)
                    .unwrap();
                topic.attributes = Observed::Ok(TopicAttributes {
                    policy: Some(sp.policy.clone()),
                    kms_master_key_id: None,
                });
            }
            Action::Subscribe(s) => {
                let topic = account
                    .topics
                    .iter_mut()
                    .find(|t| t.arn == s.topic_arn)
                    .unwrap();
                if let Observed::Ok(subs) = &mut topic.subscriptions {
                    subs.push(Subscription {
                        arn: format!("{}:0000", s.topic_arn),
                        protocol: s.protocol.clone(),
                        endpoint: Some(s.endpoint.clone()),
                    });
                }
            }
            Action::PutMetricFilter(f) => {
                let group = account
                    .log_groups
                    .iter_mut()
                    .find(|g| g.name == f.log_group_name)
                    .unwrap();
                if let Observed::Ok(fs) = &mut group.metric_filters {
                    fs.push(MetricFilter {
                        name: f.filter_name.clone(),
                        pattern: f.pattern.clone(),
                        transformations: vec![MetricTransformation {
                            metric_name: f.metric_name.clone(),
                            metric_namespace: f.metric_namespace.clone(),
                            metric_value: f.metric_value.clone(),
                            default_value: None,
                            dimensions: Default::default(),
                            unit: None,
                        }],
                    });
                }
            }
            Action::CreateLogGroup(g) => account.log_groups.push(LogGroup {
                arn: g.arn.trim_end_matches(":*").to_string(),
                name: g.log_group_name.clone(),
                region: g.region.clone(),
                account_id: g.account.clone(),
                exists: Some(Observed::Ok(true)),
                metric_filters: Observed::Ok(vec![]),
            }),
            Action::CreateTrail(t) => {
                let Observed::Ok(trails) = &mut account.trails else {
                    panic!("trails unseen")
                };
                trails.push(Trail {
                    name: t.name.clone(),
                    arn: t.arn.clone(),
                    home_region: t.region.clone(),
                    is_multi_region: t.multi_region,
                    is_organization_trail: false,
                    log_group_arn: Some(t.log_group_arn.clone()),
                    cloudwatch_logs_role_arn: Some(t.role_arn.clone()),
                    s3_bucket_name: Some(t.bucket.clone()),
                    status: Observed::Ok(TrailStatus {
                        is_logging: false,
                        latest_cloudwatch_logs_delivery_error: None,
                        latest_cloudwatch_logs_delivery_time: None,
                    }),
                    event_selectors: Observed::Ok(EventSelectors {
                        basic: vec![BasicSelector {
                            read_write_type: ReadWriteType::All,
                            include_management_events: true,
                            exclude_management_event_sources: vec![],
                            data_resources: vec![],
                        }],
                        advanced: vec![],
                    }),
                });
            }
            Action::StartLogging(s) => {
                let Observed::Ok(trails) = &mut account.trails else {
                    panic!("trails unseen")
                };
                let t = trails.iter_mut().find(|t| t.arn == s.trail_arn).unwrap();
                if let Observed::Ok(status) = &mut t.status {
                    status.is_logging = true;
                }
            }
            Action::EnableSecurityHub(h) => {
                account.security_hub.retain(|r| r.region != h.region);
                account.security_hub.push(RegionSecurityHub {
                    region: h.region.clone(),
                    status: Observed::Ok(SecurityHubStatus {
                        enabled: true,
                        hub_arn: None,
                        subscribed_at: None,
                        standards: vec![],
                    }),
                });
            }
            // Buckets, roles, standards and endpoint permissions are not in the evidence.
            Action::CreateBucket(_)
            | Action::PutBucketPolicy(_)
            | Action::CreateRole(_)
            | Action::PutRolePolicy(_)
            | Action::EnableStandard(_)
            | Action::SetQueuePolicy(_)
            | Action::AddLambdaPermission(_) => {}
            Action::PutMetricAlarm(a) => {
                if account.alarms.iter().all(|r| r.region != a.region) {
                    account.alarms.push(RegionAlarms {
                        region: a.region.clone(),
                        alarms: Observed::Ok(vec![]),
                    });
                }
                let region = account
                    .alarms
                    .iter_mut()
                    .find(|r| r.region == a.region)
                    .unwrap();
                if let Observed::Ok(list) = &mut region.alarms {
                    list.push(Alarm {
                        name: a.alarm_name.clone(),
                        arn: format!(
                            "arn:aws:cloudwatch:{}:{}:alarm:{}",
                            a.region, a.account, a.alarm_name
                        ),
                        metric_name: Some(a.metric_name.clone()),
                        namespace: Some(a.namespace.clone()),
                        dimensions: Default::default(),
                        statistic: Some(a.statistic.clone()),
                        extended_statistic: None,
                        period: Some(a.period.into()),
                        threshold: Some(a.threshold),
                        comparison_operator: a.comparison_operator.clone(),
                        evaluation_periods: a.evaluation_periods.into(),
                        datapoints_to_alarm: None,
                        treat_missing_data: Some(a.treat_missing_data.clone()),
                        actions_enabled: true,
                        alarm_actions: a.alarm_actions.clone(),
                        uses_metric_math: false,
                        state_value: None,
                    });
                }
            }
        }
    }
}
