//! One test per evidence scenario (fixtures from tests/fixtures/generate.py): each asserts the status AND
//! the broken link named in the reason. These are the cases moto cannot model.
mod common;

use common::*;
use trailwarden_audit::{Link, Status};

#[test]
fn compliant_example_passes_all_sixteen() {
    let findings = run(&load("examples/evidence/compliant.json"));
    assert_eq!(
        findings.len(),
        17,
        "15 chain controls + 4.16 in two regions"
    );
    for f in &findings {
        assert_eq!(f.status, Status::Pass, "{}: {}", f.control, f.reason);
        assert!(f.link.is_none());
    }
    let f = one(&findings, "4.12");
    assert!(
        f.reason
            .contains("trail management-events → log group aws-cloudtrail-logs"),
        "{}",
        f.reason
    );
    assert_eq!(f.details.cis_exact, Some(true));
    // v3.0.0 has no Security Hub CloudWatch controls: the CIS 1.2/1.4 string (compact spacing) differs.
    assert_eq!(f.details.security_hub_exact, Some(false));
    assert_eq!(
        f.resources.topics,
        vec!["arn:aws:sns:us-east-1:111122223333:cis-alarms"]
    );
}

#[test]
fn broken_example_reports_each_break() {
    let findings = run(&load("examples/evidence/broken.json"));
    assert_finding(
        one(&findings, "4.1"),
        Status::Fail,
        Some(Link::MetricFilter),
        "misses events",
    );
    assert_finding(one(&findings, "4.2"), Status::Pass, None, "monitored");
    assert_finding(
        one(&findings, "4.3"),
        Status::Fail,
        Some(Link::Alarm),
        "Average",
    );
    assert_finding(
        one(&findings, "4.4"),
        Status::Fail,
        Some(Link::Alarm),
        "namespace LogMetrics",
    );
    assert_finding(
        one(&findings, "4.5"),
        Status::Fail,
        Some(Link::Alarm),
        "2 breaching datapoints",
    );
    assert_finding(
        one(&findings, "4.7"),
        Status::Fail,
        Some(Link::Topic),
        "pending confirmation",
    );
    assert_finding(
        one(&findings, "4.9"),
        Status::Fail,
        Some(Link::MetricFilter),
        "none of the 14 metric(s)",
    );
    assert_finding(one(&findings, "4.10"), Status::Pass, None, "monitored");
    assert_finding(
        one(&findings, "4.11"),
        Status::Fail,
        Some(Link::Alarm),
        "actions are disabled",
    );
    assert_finding(
        one(&findings, "4.12"),
        Status::Error,
        Some(Link::Topic),
        "AccessDenied",
    );
    assert_finding(
        one(&findings, "4.13"),
        Status::Fail,
        Some(Link::MetricFilter),
        "misses events",
    );
    assert_finding(
        one(&findings, "4.15"),
        Status::Fail,
        Some(Link::MetricFilter),
        "misses events",
    );
    assert_finding(
        hub(&findings, "eu-west-1"),
        Status::Fail,
        Some(Link::SecurityHub),
        "not enabled",
    );
    assert_finding(
        hub(&findings, "ap-east-1"),
        Status::Error,
        Some(Link::Region),
        "not enabled",
    );
    // The single-region second trail is mentioned, not chosen.
    assert!(one(&findings, "4.1")
        .details
        .notes
        .iter()
        .any(|n| n.contains("eu-audit")));
}

#[test]
fn pending_confirmation_is_not_a_subscription() {
    let findings = fixture("pending-confirmation");
    for c in metric_controls() {
        assert_finding(
            one(&findings, &c),
            Status::Fail,
            Some(Link::Topic),
            "no confirmed subscription (1 pending confirmation)",
        );
    }
    assert_finding(hub(&findings, "us-east-1"), Status::Pass, None, "enabled");
}

#[test]
fn access_denied_on_describe_trails_is_error() {
    let findings = fixture("access-denied-DescribeTrails");
    for c in metric_controls() {
        let f = one(&findings, &c);
        assert_finding(
            f,
            Status::Error,
            Some(Link::Trail),
            "cannot list the account's trails",
        );
        assert!(f.reason.contains("AccessDenied"), "{}", f.reason);
    }
}

#[test]
fn access_denied_on_trail_status_is_error_with_the_rest_checked() {
    let f = &fixture("access-denied-GetTrailStatus");
    assert_finding(
        one(f, "4.4"),
        Status::Error,
        Some(Link::Trail),
        "cannot see whether trail management-events is logging",
    );
    assert!(one(f, "4.4")
        .reason
        .contains("every other link of the chain is in place"));
}

#[test]
fn access_denied_on_event_selectors_is_error() {
    let f = &fixture("access-denied-GetEventSelectors");
    assert_finding(
        one(f, "4.8"),
        Status::Error,
        Some(Link::Trail),
        "cannot read the event selectors of trail",
    );
}

#[test]
fn access_denied_on_metric_filters_is_error() {
    let f = &fixture("access-denied-DescribeMetricFilters");
    assert_finding(
        one(f, "4.5"),
        Status::Error,
        Some(Link::LogGroup),
        "cannot read the metric filters of log group aws-cloudtrail-logs",
    );
}

#[test]
fn access_denied_on_alarms_is_error() {
    let f = &fixture("access-denied-DescribeAlarms");
    assert_finding(
        one(f, "4.6"),
        Status::Error,
        Some(Link::Alarm),
        "cannot list the alarms in us-east-1",
    );
}

#[test]
fn access_denied_on_subscriptions_is_error() {
    let f = &fixture("access-denied-ListSubscriptionsByTopic");
    assert_finding(
        one(f, "4.7"),
        Status::Error,
        Some(Link::Topic),
        "cannot list the subscriptions of SNS topic",
    );
}

#[test]
fn access_denied_on_security_hub_is_error_for_that_region_only() {
    let f = &fixture("access-denied-DescribeHub");
    assert_finding(
        hub(f, "us-east-1"),
        Status::Error,
        Some(Link::SecurityHub),
        "cannot tell whether Security Hub is enabled",
    );
    assert_finding(hub(f, "eu-west-1"), Status::Pass, None, "enabled");
}

#[test]
fn throttling_is_error() {
    let f = &fixture("throttled-alarms");
    assert_finding(
        one(f, "4.1"),
        Status::Error,
        Some(Link::Alarm),
        "(Throttled): Rate exceeded",
    );
}

#[test]
fn disabled_region_is_error_not_pass() {
    let f = &fixture("region-disabled");
    assert_finding(
        hub(f, "ap-east-1"),
        Status::Error,
        Some(Link::Region),
        "region ap-east-1 is not enabled",
    );
}

#[test]
fn advanced_selectors_excluding_ec2_break_the_network_controls() {
    let f = &fixture("advanced-excludes-ec2");
    for c in ["4.10", "4.11", "4.12", "4.13", "4.14"] {
        assert_finding(
            one(f, c),
            Status::Fail,
            Some(Link::Trail),
            "eventSource NotEquals ec2.amazonaws.com",
        );
    }
    // Controls about every service lose the EC2 events too.
    assert_finding(
        one(f, "4.3"),
        Status::Fail,
        Some(Link::Trail),
        "all write management events",
    );
    for c in ["4.2", "4.4", "4.5", "4.7", "4.8", "4.15"] {
        assert_finding(one(f, c), Status::Pass, None, "monitored");
    }
}

#[test]
fn advanced_selectors_for_all_management_events_pass() {
    let f = &fixture("advanced-all-management");
    for finding in f {
        assert_eq!(
            finding.status,
            Status::Pass,
            "{}: {}",
            finding.control,
            finding.reason
        );
    }
}

#[test]
fn alarm_in_wrong_namespace_is_named() {
    let f = &fixture("alarm-wrong-namespace");
    assert_finding(
        one(f, "4.10"),
        Status::Fail,
        Some(Link::Alarm),
        "no alarm in us-east-1 watches metric SecurityGroupChanges in namespace CISBenchmark (alarm CIS-4.10-SecurityGroupChanges watches SecurityGroupChanges in namespace LogMetrics instead)",
    );
}

#[test]
fn alarm_needing_two_of_two_periods_never_fires() {
    let f = &fixture("alarm-2-of-2");
    assert_finding(
        one(f, "4.11"),
        Status::Fail,
        Some(Link::Alarm),
        "needs 2 breaching datapoints out of 2 periods",
    );
}

#[test]
fn average_statistic_with_default_value_is_rejected() {
    let f = &fixture("alarm-average-with-default");
    assert_finding(
        one(f, "4.3"),
        Status::Fail,
        Some(Link::Alarm),
        "statistic Average with a filter defaultValue",
    );
}

#[test]
fn filter_narrowed_to_one_region_fails_with_a_verified_counterexample() {
    let f = &fixture("filter-one-region");
    let finding = one(f, "4.13");
    assert_finding(
        finding,
        Status::Fail,
        Some(Link::MetricFilter),
        "misses events the control requires",
    );
    let counterexample = finding
        .details
        .counterexample
        .as_ref()
        .expect("a counterexample");
    // The counterexample really is matched by the control's pattern and missed by the filter.
    let control = benchmark().control("4.13").unwrap();
    assert!(control.compiled().unwrap().matches_json(counterexample));
    let ev = load("crates/trailwarden-audit/tests/fixtures/filter-one-region.json");
    let filters = ev.accounts[0].log_groups[0].metric_filters.ok().unwrap();
    let narrowed = filters
        .iter()
        .find(|x| x.name == "RouteTableChanges")
        .unwrap();
    let p = cwl_filter::Pattern::parse(&narrowed.pattern).unwrap();
    assert!(!p.matches_json(counterexample), "{counterexample}");
}

#[test]
fn wildcard_filter_covers_and_is_noted_as_broader() {
    let f = &fixture("wildcard-filter");
    let finding = one(f, "4.12");
    assert_finding(finding, Status::Pass, None, "monitored");
    assert_eq!(finding.details.cis_exact, Some(false));
    assert!(
        finding.details.broader_example.is_some(),
        "{:?}",
        finding.details
    );
}

#[test]
fn split_filters_on_one_metric_count_together() {
    let f = &fixture("split-filters");
    let finding = one(f, "4.14");
    assert_finding(
        finding,
        Status::Pass,
        None,
        "VPCChanges-create-delete + VPCChanges-peering-classiclink",
    );
    assert_eq!(finding.resources.filters.len(), 2);
}

#[test]
fn split_filters_on_two_metrics_do_not() {
    let f = &fixture("split-filters-two-metrics");
    assert_finding(
        one(f, "4.14"),
        Status::Fail,
        Some(Link::MetricFilter),
        "misses events",
    );
}

#[test]
fn organization_trail_with_log_group_in_another_account_is_error() {
    let f = &fixture("org-trail-other-account");
    assert_finding(
        one(f, "4.1"),
        Status::Error,
        Some(Link::LogGroup),
        "the organization trail org-trail delivers to log group org-cloudtrail in account 999988887777, which this evidence does not cover",
    );
}

#[test]
fn organization_trail_is_followed_when_the_owner_account_is_in_the_evidence() {
    // The member sees the org trail; the management account's evidence holds the group, alarms, topic.
    let mut ev = load("crates/trailwarden-audit/tests/fixtures/org-trail-other-account.json");
    let mut mgmt = load("examples/evidence/compliant.json").accounts.remove(0);
    let text = serde_json::to_string(&mgmt)
        .unwrap()
        .replace("111122223333", "999988887777")
        .replace("log-group:aws-cloudtrail-logs", "log-group:org-cloudtrail");
    mgmt = serde_json::from_str(&text).unwrap();
    mgmt.log_groups[0].name = "org-cloudtrail".into();
    ev.accounts.push(mgmt);
    let findings = run(&ev);
    let member: Vec<_> = findings
        .iter()
        .filter(|f| f.account == "111122223333")
        .collect();
    let f41 = member.iter().find(|f| f.control == "4.1").unwrap();
    assert_eq!(f41.status, Status::Pass, "{}", f41.reason);
    assert_eq!(
        f41.resources.log_group.as_deref(),
        Some("arn:aws:logs:us-east-1:999988887777:log-group:org-cloudtrail")
    );
}

#[test]
fn single_region_trail_fails_at_the_trail() {
    let f = &fixture("single-region-trail");
    assert_finding(
        one(f, "4.2"),
        Status::Fail,
        Some(Link::Trail),
        "single-region trail",
    );
}

#[test]
fn trail_not_logging_fails_at_the_trail() {
    let f = &fixture("trail-not-logging");
    assert_finding(
        one(f, "4.2"),
        Status::Fail,
        Some(Link::Trail),
        "is not logging",
    );
}

#[test]
fn missing_log_group_fails() {
    let f = &fixture("log-group-missing");
    assert_finding(
        one(f, "4.9"),
        Status::Fail,
        Some(Link::LogGroup),
        "log group aws-cloudtrail-logs (from trail management-events's CloudWatchLogsLogGroupArn) does not exist in account 111122223333, region us-east-1",
    );
}

#[test]
fn existing_log_group_changes_nothing() {
    let f = &fixture("log-group-exists");
    for id in (1..=15).map(|n| format!("4.{n}")) {
        assert_finding(
            one(f, &id),
            Status::Pass,
            None,
            "→ log group aws-cloudtrail-logs →",
        );
    }
}

/// DescribeMetricFilters answered an empty list: without `exists` this would blame the metric filter.
#[test]
fn log_group_that_does_not_exist_fails_at_the_log_group() {
    let f = &fixture("log-group-does-not-exist");
    for id in (1..=15).map(|n| format!("4.{n}")) {
        assert_finding(
            one(f, &id),
            Status::Fail,
            Some(Link::LogGroup),
            "log group aws-cloudtrail-logs (from trail management-events's CloudWatchLogsLogGroupArn) does not exist in account 111122223333, region us-east-1",
        );
    }
}

#[test]
fn log_group_existence_unknown_is_error_at_the_log_group() {
    let f = &fixture("log-group-describe-denied");
    let g = one(f, "4.12");
    assert_finding(
        g,
        Status::Error,
        Some(Link::LogGroup),
        "cannot see whether log group aws-cloudtrail-logs (from trail management-events's CloudWatchLogsLogGroupArn) exists",
    );
    assert!(g.reason.contains("AccessDenied"), "{}", g.reason);
}

/// Metric filters read from the group prove it exists: a failed DescribeLogGroups hides nothing then.
#[test]
fn log_group_existence_unknown_but_filters_read_follows_the_chain() {
    let f = &fixture("log-group-describe-denied-filters-read");
    for id in (1..=15).map(|n| format!("4.{n}")) {
        assert_finding(
            one(f, &id),
            Status::Pass,
            None,
            "→ log group aws-cloudtrail-logs →",
        );
    }
}

#[test]
fn assume_role_failure_makes_every_finding_error() {
    let f = &fixture("assume-role-denied");
    assert_eq!(f.len(), 16);
    for finding in f {
        assert_finding(
            finding,
            Status::Error,
            Some(Link::Account),
            "AssumeRole failed",
        );
    }
}

#[test]
fn security_hub_not_subscribed_fails() {
    let f = &fixture("security-hub-not-enabled");
    assert_finding(
        hub(f, "eu-west-1"),
        Status::Fail,
        Some(Link::SecurityHub),
        "Security Hub is not enabled in eu-west-1",
    );
    assert_finding(hub(f, "us-east-1"), Status::Pass, None, "enabled");
}

#[test]
fn unseen_chain_beats_a_broken_one() {
    let f = &fixture("two-trails-org-unseen");
    let finding = one(f, "4.4");
    assert_finding(finding, Status::Error, Some(Link::LogGroup), "999988887777");
    assert!(
        finding
            .details
            .notes
            .iter()
            .any(|n| n.contains("has no subscriptions")),
        "{:?}",
        finding.details.notes
    );
}

#[test]
fn any_passing_trail_passes() {
    let f = &fixture("two-trails-one-good");
    for finding in f {
        assert_eq!(
            finding.status,
            Status::Pass,
            "{}: {}",
            finding.control,
            finding.reason
        );
    }
    assert!(one(f, "4.1")
        .resources
        .trail
        .as_deref()
        .unwrap()
        .ends_with("trail/management-events"));
}

#[test]
fn selection_limits_and_validates_controls() {
    let b = benchmark();
    let sel = trailwarden_audit::Selection::parse(b, "4.10, security-group-changes,4.11").unwrap();
    assert_eq!(sel.controls, vec!["4.10", "4.11"]);
    let findings = trailwarden_audit::evaluate(&load("examples/evidence/compliant.json"), b, &sel);
    assert_eq!(
        findings
            .iter()
            .map(|f| f.control.as_str())
            .collect::<Vec<_>>(),
        vec!["4.10", "4.11"]
    );
    let err = trailwarden_audit::Selection::parse(b, "4.99")
        .unwrap_err()
        .to_string();
    assert!(err.contains("4.99") && err.contains("4.16"), "{err}");
}

#[test]
fn topic_encrypted_with_the_aws_managed_key_never_receives_alarms() {
    let f = &fixture("topic-aws-managed-key");
    assert_finding(
        one(f, "4.3"),
        Status::Fail,
        Some(Link::Topic),
        "encrypted with the AWS managed key aws/sns",
    );
}

#[test]
fn topic_encrypted_with_a_customer_key_passes_when_its_policy_lets_cloudwatch_use_it() {
    let f = &fixture("topic-cmk-allows-cloudwatch");
    assert_finding(one(f, "4.3"), Status::Pass, None, "monitored");
}

#[test]
fn topic_encrypted_with_a_customer_key_cloudwatch_may_not_use_fails_naming_key_and_statement() {
    let f = &fixture("topic-cmk-default-policy");
    let finding = one(f, "4.3");
    assert_finding(
        finding,
        Status::Fail,
        Some(Link::Topic),
        "encrypted with KMS key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab, but its key policy does not allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*",
    );
    assert!(
        finding
            .reason
            .contains(r#""Principal":{"Service":"cloudwatch.amazonaws.com"}"#),
        "{}",
        finding.reason
    );
}

#[test]
fn a_key_policy_that_cannot_be_read_is_error() {
    let f = &fixture("topic-cmk-policy-denied");
    assert_finding(
        one(f, "4.3"),
        Status::Error,
        Some(Link::Topic),
        "cannot read the key policy of KMS key arn:aws:kms:us-east-1:111122223333:key/",
    );
    // Evidence from before keys were collected cannot show the policy either.
    let f = &fixture("topic-cmk-not-collected");
    assert_finding(
        one(f, "4.3"),
        Status::Error,
        Some(Link::Topic),
        "whose key policy was not collected",
    );
}
