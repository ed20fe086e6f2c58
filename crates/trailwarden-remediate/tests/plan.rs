//! The pure plan, from evidence files in `tests/fixtures/`.

use trailwarden_audit::{evaluate, Selection, Status};
use trailwarden_controls::{Benchmark, Catalog};
use trailwarden_evidence::{Evidence, Observed, TopicAttributes};
use trailwarden_remediate::{plan, Action, Options, Plan, PlanError, Subscriber, TopicChoice};

mod common;
use common::{kinds, simulate};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";

fn fixture(name: &str) -> Evidence {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Evidence::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn v3() -> &'static Benchmark {
    Catalog::builtin().unwrap().resolve(Some("v3.0.0")).unwrap()
}

fn opts(controls: &str) -> Options {
    Options {
        controls: controls
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        subscribers: vec![Subscriber::parse("email:ops@example.com").unwrap()],
        ..Options::default()
    }
}

fn filters(p: &Plan) -> Vec<&trailwarden_remediate::PutMetricFilter> {
    p.actions
        .iter()
        .filter_map(|a| match a {
            Action::PutMetricFilter(f) => Some(f),
            _ => None,
        })
        .collect()
}

fn alarms(p: &Plan) -> Vec<&trailwarden_remediate::PutMetricAlarm> {
    p.actions
        .iter()
        .filter_map(|a| match a {
            Action::PutMetricAlarm(f) => Some(f),
            _ => None,
        })
        .collect()
}

#[test]
fn missing_filters_get_the_canonical_pattern_on_the_trails_log_group() {
    let b = v3();
    let p = plan(&fixture("no-filters.json"), b, &opts("")).unwrap();
    let fs = filters(&p);
    // 4.1–4.15 are metric-filter controls; 4.16 (Security Hub) is reported, not planned.
    assert_eq!(fs.len(), 15);
    for f in &fs {
        let control = b.control(&f.controls[0]).unwrap();
        assert_eq!(Some(&f.pattern), control.pattern.as_ref(), "{}", control.id);
        assert_eq!(f.log_group_name, "CloudTrail/main");
        assert_eq!((f.account.as_str(), f.region.as_str()), (ACCOUNT, REGION));
        assert_eq!(f.metric_namespace, "CISBenchmark");
        assert_eq!(f.metric_value, "1");
        assert!(!f.metric_name.contains('.'), "{}", f.metric_name);
    }
    let gw = fs.iter().find(|f| f.controls == ["4.12"]).unwrap();
    assert_eq!(
        (gw.filter_name.as_str(), gw.metric_name.as_str()),
        ("NetworkGWChanges", "NetworkGWChanges")
    );
    assert!(
        p.blocked.iter().any(|b| b.controls == ["4.16"]),
        "{:?}",
        p.blocked
    );
}

#[test]
fn alarms_fire_on_one_event_and_notify_one_tagged_topic_with_a_cloudwatch_policy() {
    let p = plan(&fixture("no-filters.json"), v3(), &opts("")).unwrap();
    let topic_arn = format!("arn:aws:sns:{REGION}:{ACCOUNT}:trailwarden-cis-alarms");
    // Topic first (created once), then its policy and the subscriber, then filter+alarm per control.
    assert_eq!(
        &kinds(&p)[..3],
        ["create_topic", "set_topic_policy", "subscribe"]
    );
    let Action::CreateTopic(t) = &p.actions[0] else {
        unreachable!()
    };
    assert_eq!(t.arn, topic_arn);
    assert_eq!(
        t.tags.get("managed-by").map(String::as_str),
        Some("trailwarden")
    );
    let Action::SetTopicPolicy(pol) = &p.actions[1] else {
        unreachable!()
    };
    let doc: serde_json::Value = serde_json::from_str(&pol.policy).unwrap();
    assert!(doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["Principal"]["Service"] == "cloudwatch.amazonaws.com"
            && s["Action"] == "sns:Publish"));
    let Action::Subscribe(s) = &p.actions[2] else {
        unreachable!()
    };
    assert_eq!(
        (s.protocol.as_str(), s.endpoint.as_str()),
        ("email", "ops@example.com")
    );
    let als = alarms(&p);
    assert_eq!(als.len(), 15);
    for a in als {
        assert_eq!(a.statistic, "Sum");
        assert_eq!(a.period, 300);
        assert_eq!(a.threshold, 1.0);
        assert_eq!(a.comparison_operator, "GreaterThanOrEqualToThreshold");
        assert_eq!(a.evaluation_periods, 1);
        assert_eq!(a.treat_missing_data, "notBreaching");
        assert_eq!(a.alarm_actions.as_slice(), std::slice::from_ref(&topic_arn));
        assert_eq!(a.namespace, "CISBenchmark");
        assert_eq!(
            a.tags.get("managed-by").map(String::as_str),
            Some("trailwarden")
        );
    }
    assert_eq!(
        kinds(&p).iter().filter(|k| **k == "create_topic").count(),
        1
    );
}

#[test]
fn the_json_plan_is_an_actions_array() {
    let p = plan(&fixture("no-filters.json"), v3(), &opts("4.12")).unwrap();
    let text =
        trailwarden_remediate::export::render(&p, trailwarden_remediate::export::Format::Json)
            .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let actions = v["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 5);
    assert_eq!(actions[3]["action"], "put_metric_filter");
    assert_eq!(actions[3]["filter_name"], "NetworkGWChanges");
    assert_eq!(actions[4]["action"], "put_metric_alarm");
}

#[test]
fn security_hub_compatible_writes_security_hubs_exact_strings_where_they_exist() {
    let catalog = Catalog::builtin().unwrap();
    let b = v3();
    let o = Options {
        security_hub_compatible: true,
        ..opts("")
    };
    let p = plan(&fixture("no-filters.json"), b, &o).unwrap();
    let mut sh_used = 0;
    for f in filters(&p) {
        let c = b.control(&f.controls[0]).unwrap();
        let sh_strings: Vec<&str> = catalog
            .benchmarks()
            .iter()
            .flat_map(|b| b.controls())
            .filter(|x| x.slug == c.slug)
            .filter_map(|x| x.security_hub.as_ref().map(|sh| sh.pattern.as_str()))
            .collect();
        if sh_strings.contains(&f.pattern.as_str()) {
            sh_used += 1;
        } else {
            assert_eq!(Some(&f.pattern), c.pattern.as_ref(), "{}", c.id);
        }
    }
    assert!(sh_used >= 10, "{sh_used}");
    // 4.3: Security Hub's CloudWatch.1 string, with its compact spacing, not the CIS text.
    let root = filters(&p)
        .into_iter()
        .find(|f| f.controls == ["4.3"])
        .unwrap()
        .pattern
        .clone();
    assert_eq!(
        root,
        r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.starts_with("4.3: Security Hub's CloudWatch.1")),
        "{:?}",
        p.notes
    );
    // Without the flag the CIS text is written.
    let p = plan(&fixture("no-filters.json"), b, &opts("4.3")).unwrap();
    assert_eq!(
        Some(&filters(&p)[0].pattern),
        b.control("4.3").unwrap().pattern.as_ref()
    );
}

#[test]
fn namespace_option_is_used_by_filter_and_alarm() {
    let o = Options {
        namespace: "Org/Security".into(),
        ..opts("4.3")
    };
    let p = plan(&fixture("no-filters.json"), v3(), &o).unwrap();
    assert_eq!(filters(&p)[0].metric_namespace, "Org/Security");
    assert_eq!(alarms(&p)[0].namespace, "Org/Security");
    let bad = Options {
        namespace: "AWS/Logs".into(),
        ..opts("4.3")
    };
    let err = plan(&fixture("no-filters.json"), v3(), &bad).unwrap_err();
    assert!(err.to_string().contains("--namespace"), "{err}");
}

#[test]
fn no_trail_says_what_is_missing_and_plans_nothing_for_the_account() {
    let p = plan(&fixture("no-trail.json"), v3(), &opts("4.1,4.3")).unwrap();
    assert!(p.actions.is_empty(), "{:?}", p.actions);
    assert_eq!(p.blocked.len(), 1);
    let b = &p.blocked[0];
    assert_eq!(b.controls, ["4.1", "4.3"]);
    assert_eq!(b.link, "trail");
    assert!(b.reason.contains("no CloudTrail trail"), "{}", b.reason);
    assert!(b.reason.contains("separate CIS control"), "{}", b.reason);
    assert!(b.reason.contains("--setup-trail"), "{}", b.reason);
}

#[test]
fn unseen_links_are_blocked_not_guessed() {
    let p = plan(&fixture("trails-denied.json"), v3(), &opts("4.3")).unwrap();
    assert!(p.actions.is_empty());
    assert!(
        p.blocked[0].reason.contains("could not see"),
        "{}",
        p.blocked[0].reason
    );
    assert!(
        p.blocked[0].reason.contains("AccessDenied"),
        "{}",
        p.blocked[0].reason
    );
}

#[test]
fn a_compliant_chain_under_the_users_own_names_is_reused() {
    let p = plan(&fixture("compliant-4.3-own-names.json"), v3(), &opts("4.3")).unwrap();
    assert!(p.is_empty(), "{p:?}");
    let json =
        trailwarden_remediate::export::render(&p, trailwarden_remediate::export::Format::Json)
            .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap(),
        serde_json::json!({"actions": []})
    );
}

#[test]
fn an_existing_filter_without_alarm_gets_only_the_alarm_on_the_users_metric() {
    let p = plan(&fixture("filter-without-alarm.json"), v3(), &opts("4.3")).unwrap();
    assert!(filters(&p).is_empty(), "{:?}", p.actions);
    let a = alarms(&p);
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].namespace.as_str(), a[0].metric_name.as_str()),
        ("Security", "RootActivity")
    );
    assert!(
        p.notes.iter().any(|n| n.contains("root-logins")),
        "{:?}",
        p.notes
    );
}

#[test]
fn a_topic_with_only_pending_subscriptions_is_reported() {
    let o = Options {
        subscribers: vec![],
        ..opts("4.3")
    };
    let p = plan(&fixture("pending-topic.json"), v3(), &o).unwrap();
    assert!(p.actions.is_empty());
    assert_eq!(p.blocked[0].link, "topic");
    assert!(
        p.blocked[0].reason.contains("pending confirmation (1)"),
        "{}",
        p.blocked[0].reason
    );
    // With --subscribe, the new endpoint is subscribed to the alarm's own topic (nothing else changes).
    let p = plan(&fixture("pending-topic.json"), v3(), &opts("4.3")).unwrap();
    assert_eq!(kinds(&p), ["subscribe"]);
    let Action::Subscribe(s) = &p.actions[0] else {
        unreachable!()
    };
    assert_eq!(
        s.topic_arn,
        format!("arn:aws:sns:{REGION}:{ACCOUNT}:ops-alerts")
    );
}

#[test]
fn a_different_filter_of_the_same_name_stops_the_plan() {
    let err = plan(&fixture("colliding-filter.json"), v3(), &opts("4.3")).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, PlanError::Collision(c) if c.kind == "metric filter"),
        "{text}"
    );
    assert!(
        text.contains("'RootUsage'") && text.contains("never overwrites"),
        "{text}"
    );
    assert!(text.contains("CloudTrail/main"), "{text}");
}

#[test]
fn a_different_alarm_of_the_same_name_stops_the_plan() {
    let err = plan(&fixture("colliding-alarm.json"), v3(), &opts("4.3")).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, PlanError::Collision(c) if c.kind == "alarm"),
        "{text}"
    );
    assert!(text.contains("statistic Average"), "{text}");
}

#[test]
fn an_existing_topic_of_the_requested_name_stops_the_plan_unless_reused_by_arn() {
    let err = plan(&fixture("colliding-topic.json"), v3(), &opts("4.3")).unwrap_err();
    assert!(
        err.to_string()
            .contains("--topic-arn arn:aws:sns:eu-west-1:111122223333:trailwarden-cis-alarms"),
        "{err}"
    );
    let arn = format!("arn:aws:sns:{REGION}:{ACCOUNT}:trailwarden-cis-alarms");
    let o = Options {
        topic: TopicChoice::Reuse(arn.clone()),
        ..opts("4.3")
    };
    let p = plan(&fixture("colliding-topic.json"), v3(), &o).unwrap();
    // Reused: no topic creation, no policy change, the subscriber is already confirmed.
    assert_eq!(kinds(&p), ["put_metric_filter", "put_metric_alarm"]);
    assert_eq!(alarms(&p)[0].alarm_actions, [arn]);
}

#[test]
fn a_reused_topic_must_be_in_the_alarms_region() {
    let o = Options {
        topic: TopicChoice::Reuse("arn:aws:sns:us-east-1:111122223333:x".into()),
        ..opts("4.3")
    };
    let err = plan(&fixture("no-filters.json"), v3(), &o).unwrap_err();
    assert!(
        err.to_string().contains("us-east-1") && err.to_string().contains("eu-west-1"),
        "{err}"
    );
}

#[test]
fn unknown_controls_are_named() {
    let err = plan(&fixture("no-filters.json"), v3(), &opts("4.99")).unwrap_err();
    assert!(
        err.to_string().contains("'4.99'") && err.to_string().contains("4.15"),
        "{err}"
    );
}

#[test]
fn the_benchmark_version_chooses_the_pattern() {
    let catalog = Catalog::builtin().unwrap();
    let v5 = catalog.resolve(Some("v5.0.0")).unwrap();
    let p = plan(&fixture("no-filters.json"), v5, &opts("4.10")).unwrap();
    assert!(filters(&p)[0].pattern.contains("ModifySecurityGroupRules"));
    let p = plan(&fixture("no-filters.json"), v3(), &opts("4.10")).unwrap();
    assert!(!filters(&p)[0].pattern.contains("ModifySecurityGroupRules"));
}

#[test]
fn after_the_plan_every_metric_control_passes_and_a_second_plan_is_empty() {
    for sh in [false, true] {
        let b = v3();
        let mut ev = fixture("no-filters.json");
        let o = Options {
            security_hub_compatible: sh,
            ..opts("")
        };
        let first = plan(&ev, b, &o).unwrap();
        simulate(&mut ev, &first);
        let findings = evaluate(&ev, b, &Selection::all());
        for f in findings.iter().filter(|f| f.control != "4.16") {
            assert_eq!(f.status, Status::Pass, "{} {}", f.control, f.reason);
        }
        // The topic we created is now named in the evidence: asking for it again must not collide
        // because nothing needs it.
        let second = plan(&ev, b, &o).unwrap();
        assert!(second.actions.is_empty(), "{:?}", second.actions);
    }
}

#[test]
fn the_plan_text_lists_actions_blocked_controls_and_notes() {
    let p = plan(&fixture("no-filters.json"), v3(), &opts("4.12,4.16")).unwrap();
    let text =
        trailwarden_remediate::export::render(&p, trailwarden_remediate::export::Format::Plan)
            .unwrap();
    assert!(text.contains("account 111122223333, eu-west-1:"), "{text}");
    assert!(
        text.contains("create metric filter NetworkGWChanges on log group CloudTrail/main"),
        "{text}"
    );
    assert!(text.contains("create alarm NetworkGWChanges"), "{text}");
    assert!(
        text.contains("Not planned (1):") && text.contains("4.16"),
        "{text}"
    );
}

#[test]
fn an_organization_trails_group_gets_one_filter_and_alarm_for_every_account() {
    let p = plan(&fixture("organization-trail.json"), v3(), &opts("4.3")).unwrap();
    // The member's finding and the management account's finding point at the same group (in the
    // management account): one topic, one filter, one alarm, all in the owner's account.
    assert_eq!(
        kinds(&p),
        [
            "create_topic",
            "set_topic_policy",
            "subscribe",
            "put_metric_filter",
            "put_metric_alarm"
        ]
    );
    assert!(p.actions.iter().all(|a| a.location() == (ACCOUNT, REGION)));
    assert_eq!(filters(&p)[0].controls, ["4.3"]);
    assert!(p.blocked.is_empty(), "{:?}", p.blocked);
    let findings = evaluate(
        &fixture("organization-trail.json"),
        v3(),
        &Selection::parse(v3(), "4.3").unwrap(),
    );
    assert_eq!(
        findings.len(),
        2,
        "both accounts fail 4.3 at the same group"
    );
}

#[test]
fn a_later_run_for_more_controls_reuses_the_topic_an_earlier_run_created() {
    let b = v3();
    let mut ev = fixture("no-filters.json");
    let first = plan(&ev, b, &opts("4.3")).unwrap();
    simulate(&mut ev, &first);
    let second = plan(&ev, b, &opts("4.3,4.12")).unwrap();
    assert_eq!(
        kinds(&second),
        ["put_metric_filter", "put_metric_alarm"],
        "{:?}",
        second.actions
    );
    assert_eq!(
        alarms(&second)[0].alarm_actions,
        [format!(
            "arn:aws:sns:{REGION}:{ACCOUNT}:trailwarden-cis-alarms"
        )]
    );
    assert!(
        second
            .notes
            .iter()
            .any(|n| n.contains("created by trailwarden earlier")),
        "{:?}",
        second.notes
    );
    // A topic of that name with another policy is still someone else's.
    let topic = ev.accounts[0].topics.iter_mut().next().unwrap();
    topic.attributes = Observed::Ok(TopicAttributes {
        policy: Some("{}".into()),
        kms_master_key_id: None,
    });
    assert!(matches!(
        plan(&ev, b, &opts("4.3,4.12")),
        Err(PlanError::Collision(_))
    ));
}

#[test]
fn a_covering_filter_that_publishes_dimensions_is_not_alarmed_on_but_complemented() {
    let mut ev = fixture("filter-without-alarm.json");
    if let Observed::Ok(fs) = &mut ev.accounts[0].log_groups[0].metric_filters {
        fs[0].transformations[0]
            .dimensions
            .insert("User".into(), "$.userIdentity.arn".into());
    }
    let p = plan(&ev, v3(), &opts("4.3")).unwrap();
    // A Sum >= 1 alarm on one dimension value misses the others: trailwarden adds its own filter.
    assert_eq!(filters(&p).len(), 1, "{:?}", p.actions);
    assert_eq!(alarms(&p)[0].metric_name, "RootUsage");
    assert!(
        p.notes.iter().any(|n| n.contains("with dimensions")),
        "{:?}",
        p.notes
    );
}

#[test]
fn a_topic_without_subscriptions_is_reported_or_subscribed() {
    let mut ev = fixture("pending-topic.json");
    if let Observed::Ok(subs) = &mut ev.accounts[0].topics[0].subscriptions {
        subs.clear();
    }
    let none = Options {
        subscribers: vec![],
        ..opts("4.3")
    };
    let p = plan(&ev, v3(), &none).unwrap();
    assert!(
        p.blocked[0]
            .reason
            .contains("has no subscriptions: pass --subscribe"),
        "{:?}",
        p.blocked
    );
    let p = plan(&ev, v3(), &opts("4.3")).unwrap();
    assert_eq!(kinds(&p), ["subscribe"]);
}

/// `no-filters.json` with its only log group's existence as DescribeLogGroups saw it.
fn no_filters_with_exists(exists: Observed<bool>) -> Evidence {
    let mut ev = fixture("no-filters.json");
    ev.accounts[0].log_groups[0].exists = Some(exists);
    ev
}

/// No filter may be planned on a group that does not exist (PutMetricFilter would fail there); the account is
/// held back at its trail, the reason naming the group.
#[test]
fn a_log_group_that_does_not_exist_gets_no_filter_but_a_blocked_entry_naming_it() {
    let p = plan(
        &no_filters_with_exists(Observed::Ok(false)),
        v3(),
        &opts("4.1,4.3"),
    )
    .unwrap();
    assert!(p.actions.is_empty(), "{:?}", p.actions);
    assert_eq!(p.blocked.len(), 1, "{:?}", p.blocked);
    let b = &p.blocked[0];
    assert_eq!(b.controls, ["4.1", "4.3"]);
    assert_eq!(b.link, "trail");
    assert!(
        b.reason.contains("log group CloudTrail/main (from trail")
            && b.reason.contains(&format!(
                "does not exist in account {ACCOUNT}, region {REGION}"
            )),
        "{}",
        b.reason
    );
    assert!(b.reason.contains("--setup-trail"), "{}", b.reason);

    // A group known to exist is remediated as before.
    let p = plan(
        &no_filters_with_exists(Observed::Ok(true)),
        v3(),
        &opts("4.1,4.3"),
    )
    .unwrap();
    let groups: Vec<&str> = filters(&p)
        .iter()
        .map(|f| f.log_group_name.as_str())
        .collect();
    assert_eq!(groups, ["CloudTrail/main", "CloudTrail/main"]);
}

#[test]
fn a_log_group_whose_existence_is_unknown_is_blocked_not_guessed() {
    let denied = trailwarden_evidence::ObservationError::new(
        trailwarden_evidence::ErrorKind::AccessDenied,
        "DescribeLogGroups",
        Some(REGION.to_string()),
        "not authorized to perform: logs:DescribeLogGroups",
    );
    let p = plan(
        &no_filters_with_exists(Observed::Error(denied)),
        v3(),
        &opts("4.3"),
    )
    .unwrap();
    assert!(p.actions.is_empty(), "{:?}", p.actions);
    assert_eq!(p.blocked.len(), 1, "{:?}", p.blocked);
    assert_eq!(p.blocked[0].link, "log-group");
    assert!(
        p.blocked[0].reason.contains("could not see")
            && p.blocked[0].reason.contains("logs:DescribeLogGroups"),
        "{}",
        p.blocked[0].reason
    );
}
