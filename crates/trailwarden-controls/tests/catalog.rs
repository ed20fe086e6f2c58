//! The catalog's shape: versions, counts, exact texts, lookups, and the loader's errors.

use trailwarden_controls::{Assessment, Benchmark, Catalog, Error, Kind, Level};

fn catalog() -> &'static Catalog {
    Catalog::builtin().expect("built-in catalog loads")
}

fn control(bench: &str, id: &str) -> &'static trailwarden_controls::Control {
    catalog()
        .benchmark(bench)
        .and_then(|b| b.control(id))
        .unwrap_or_else(|| panic!("{bench} {id} exists"))
}

#[test]
fn versions_and_control_counts() {
    let counts: Vec<(&str, usize)> = catalog()
        .benchmarks()
        .iter()
        .map(|b| (b.version.as_str(), b.controls().len()))
        .collect();
    assert_eq!(
        counts,
        [
            ("1.2.0", 14),
            ("1.4.0", 15),
            ("1.5.0", 16),
            ("2.0.0", 16),
            ("3.0.0", 16),
            ("4.0.1", 16),
            ("5.0.0", 16),
            ("6.0.0", 16),
            ("7.0.0", 16)
        ]
    );
}

#[test]
fn ids_follow_the_section_and_benchmark_order() {
    for b in catalog().benchmarks() {
        let expected: Vec<String> = (1..=b.controls().len())
            .map(|n| format!("{}.{n}", b.section))
            .collect();
        assert_eq!(b.control_ids(), expected, "{}", b.id);
    }
    assert_eq!(
        catalog().benchmark("1.2.0").map(|b| b.section.as_str()),
        Some("3")
    );
    assert_eq!(
        catalog().benchmark("5.0.0").map(|b| b.section.as_str()),
        Some("4")
    );
    assert_eq!(
        catalog().benchmark("6.0.0").map(|b| b.section.as_str()),
        Some("5")
    );
}

#[test]
fn slugs_name_the_same_topic_in_every_version() {
    let v3 = catalog().resolve(None).expect("default");
    for b in catalog().benchmarks() {
        for c in b.controls() {
            let same = v3
                .control(&c.slug)
                .unwrap_or_else(|| panic!("{} {}: slug {} unknown in v3", b.id, c.id, c.slug));
            assert_eq!(
                c.id.split_once('.').map(|x| x.1),
                same.id.split_once('.').map(|x| x.1),
                "{} {}",
                b.id,
                c.id
            );
            assert_eq!(c.metric_name, same.metric_name);
        }
    }
}

#[test]
fn benchmark_lookup_accepts_id_version_and_v_version() {
    for name in [
        "cis-aws-foundations-v3.0.0",
        "v3.0.0",
        "3.0.0",
        "CIS-AWS-Foundations-v3.0.0",
    ] {
        assert_eq!(
            catalog().benchmark(name).map(|b| b.id.as_str()),
            Some("cis-aws-foundations-v3.0.0"),
            "{name}"
        );
    }
    assert!(catalog().benchmark("3.0").is_none());
    assert_eq!(Benchmark::default_id(), "cis-aws-foundations-v3.0.0");
    assert!(catalog().resolve(None).expect("default").is_default());
    let err = catalog().resolve(Some("v9.9.9")).unwrap_err();
    assert!(matches!(err, Error::UnknownBenchmark { .. }));
    assert!(
        err.to_string().contains("cis-aws-foundations-v1.2.0"),
        "{err}"
    );
}

#[test]
fn control_lookup_by_id_or_slug_and_unknown_id_lists_valid_ones() {
    let v3 = catalog().resolve(Some("v3.0.0")).expect("v3");
    assert_eq!(
        v3.control("security-group-changes").map(|c| c.id.as_str()),
        Some("4.10")
    );
    let err = v3.require_control("4.17").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("unknown control `4.17`")
            && text.contains("4.1, 4.2")
            && text.contains("4.16"),
        "{text}"
    );
}

#[test]
fn security_group_pattern_gains_modify_security_group_rules_in_v5() {
    for (bench, has) in [
        ("1.2.0", false),
        ("3.0.0", false),
        ("4.0.1", false),
        ("5.0.0", true),
        ("6.0.0", true),
        ("7.0.0", true),
    ] {
        let b = catalog().benchmark(bench).expect("version exists");
        let c = b
            .control(&format!("{}.10", b.section))
            .expect("x.10 exists");
        let text = c.pattern.as_deref().expect("pattern");
        assert_eq!(
            text.contains("ModifySecurityGroupRules"),
            has,
            "{bench}: {text}"
        );
        assert_eq!(
            c.event_names
                .iter()
                .any(|n| n == "ModifySecurityGroupRules"),
            has,
            "{bench}"
        );
        let event = r#"{"eventSource":"ec2.amazonaws.com","eventName":"ModifySecurityGroupRules"}"#;
        assert_eq!(
            c.compiled().expect("compiled").matches_message(event),
            has,
            "{bench}"
        );
    }
    assert_eq!(
        control("v5.0.0", "4.10").pattern.as_deref(),
        Some("{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }")
    );
}

#[test]
fn canonical_texts_are_the_published_strings() {
    assert_eq!(
        control("v3.0.0", "4.1").pattern.as_deref(),
        Some(
            r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#
        )
    );
    assert_eq!(
        control("v1.5.0", "4.1").pattern.as_deref(),
        Some(
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }"#
        )
    );
    assert_eq!(
        control("v1.2.0", "3.1").pattern.as_deref(),
        Some(r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#)
    );
    assert_eq!(
        control("v7.0.0", "5.3").pattern.as_deref(),
        Some(
            r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#
        )
    );
    assert_eq!(
        control("v3.0.0", "4.13").pattern.as_deref(),
        Some("{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }")
    );
    assert_eq!(
        control("v3.0.0", "4.13").alternative("audit-text").map(|a| a.pattern.as_str()),
        Some("{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }")
    );
    assert!(control("v1.5.0", "4.1")
        .warnings
        .iter()
        .any(|w| w.contains("almost every")));
}

#[test]
fn v2_unauthorized_calls_pattern_reads_as_a_or_b_and_c_and_d() {
    // The decision in controls/README.md: `*UnauthorizedOperation` escapes the exclusions, AccessDenied does not.
    let c = control("v3.0.0", "4.1");
    let canonical = c.compiled().expect("compiled");
    let grouped = c
        .alternative("grouped")
        .expect("grouped alternative")
        .compiled();
    let unauthorized = r#"{"errorCode":"Client.UnauthorizedOperation","sourceIPAddress":"delivery.logs.amazonaws.com","eventName":"GetBucketAcl"}"#;
    let denied = r#"{"errorCode":"AccessDenied","sourceIPAddress":"delivery.logs.amazonaws.com","eventName":"GetBucketAcl"}"#;
    assert!(canonical.matches_message(unauthorized));
    assert!(!grouped.matches_message(unauthorized));
    assert!(!canonical.matches_message(denied));
    assert!(!grouped.matches_message(denied));
}

#[test]
fn security_hub_strings_are_exact_and_only_in_v1_2_and_v1_4() {
    assert_eq!(
        control("v1.2.0", "3.12").security_hub.as_ref().map(|s| (s.control_id.as_str(), s.pattern.as_str())),
        Some(("CloudWatch.12", "{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}"))
    );
    assert_eq!(
        control("v1.4.0", "4.3")
            .security_hub
            .as_ref()
            .map(|s| (s.control_id.as_str(), s.pattern.as_str())),
        Some((
            "CloudWatch.1",
            r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#
        ))
    );
    assert_eq!(
        control("v1.2.0", "3.2")
            .security_hub
            .as_ref()
            .map(|s| s.pattern.as_str()),
        Some(
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#
        )
    );
    assert_eq!(
        control("v1.2.0", "3.1")
            .security_hub
            .as_ref()
            .map(|s| s.pattern.as_str()),
        Some(r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#)
    );
    let with_sh = |v: &str| {
        let b = catalog().benchmark(v).expect("version");
        b.controls()
            .iter()
            .filter_map(|c| {
                c.security_hub
                    .as_ref()
                    .map(|s| (c.id.clone(), s.control_id.clone()))
            })
            .collect::<Vec<_>>()
    };
    let v12 = with_sh("1.2.0");
    assert_eq!(v12.len(), 14);
    assert!(
        v12.contains(&("3.1".into(), "CloudWatch.2".into()))
            && v12.contains(&("3.3".into(), "CloudWatch.1".into()))
    );
    let v14: Vec<String> = with_sh("1.4.0").into_iter().map(|(id, _)| id).collect();
    assert_eq!(v14, (3..=14).map(|n| format!("4.{n}")).collect::<Vec<_>>());
    for v in [
        "1.5.0", "2.0.0", "3.0.0", "4.0.1", "5.0.0", "6.0.0", "7.0.0",
    ] {
        assert!(with_sh(v).is_empty(), "{v} has Security Hub strings");
    }
}

#[test]
fn levels_assessments_and_kinds() {
    let c = control("v3.0.0", "4.1");
    assert_eq!(
        (c.level, c.assessment, c.kind),
        (Level::L2, Assessment::Manual, Kind::MetricFilter)
    );
    assert_eq!(control("v1.4.0", "4.1").level, Level::L1);
    assert_eq!(control("v4.0.1", "4.1").assessment, Assessment::Automated);
    assert_eq!(control("v6.0.0", "5.1").assessment, Assessment::Manual);
    let sh = control("v3.0.0", "4.16");
    assert_eq!(
        (sh.kind, sh.assessment, sh.level),
        (Kind::SecurityHubEnabled, Assessment::Automated, Level::L2)
    );
    assert!(sh.compiled().is_none() && sh.pattern.is_none() && sh.examples.is_empty());
    let v3 = catalog().resolve(None).expect("default");
    let l1: Vec<&str> = v3
        .controls()
        .iter()
        .filter(|c| c.level == Level::L1)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        l1,
        ["4.2", "4.3", "4.4", "4.5", "4.8", "4.12", "4.13", "4.14", "4.15"]
    );
    assert_eq!(
        control("v3.0.0", "4.12").metric_name.as_deref(),
        Some("NetworkGWChanges")
    );
}

// ---- loader errors name the file and the field -------------------------------------------------

const BENCH: &str = r#"id = "cis-aws-foundations-v9.0.0"
version = "9.0.0"
title = "test"
section = "4"
section_title = "Monitoring"
"#;

fn control_file(pattern: &str, extra: &str) -> String {
    format!(
        "id = \"4.5\"\nslug = \"trail\"\ntitle = \"t\"\nlevel = \"L1\"\nassessment = \"manual\"\nkind = \"metric-filter\"\n\
         metric_name = \"M\"\npattern = '{pattern}'\nrationale = \"r\"\n{extra}"
    )
}

fn load(control: &str, name: &str) -> Result<Catalog, Error> {
    Catalog::from_files([
        ("cis-aws-foundations/v9.0.0/benchmark.toml", BENCH),
        (name, control),
    ])
}

#[test]
fn a_valid_minimal_file_loads() {
    let text = control_file("{ $.eventName = StopLogging }", "");
    let c = load(&text, "cis-aws-foundations/v9.0.0/4.5-trail.toml").expect("loads");
    assert_eq!(
        c.benchmark("9.0.0").map(|b| b.control_ids()),
        Some(vec!["4.5"])
    );
}

#[test]
fn a_broken_pattern_is_reported_with_file_and_field() {
    let text = control_file("{ $.eventName = StopLogging", "");
    let err = load(&text, "cis-aws-foundations/v9.0.0/4.5-trail.toml").unwrap_err();
    assert!(
        matches!(&err, Error::Pattern { field, .. } if field == "pattern"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("cis-aws-foundations/v9.0.0/4.5-trail.toml: field `pattern`"),
        "{err}"
    );

    let alt = "[[alternatives]]\nname = \"x\"\npattern = '{ $.a = '\n";
    let err = load(
        &control_file("{ $.a = 1 }", alt),
        "cis-aws-foundations/v9.0.0/4.5-trail.toml",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("field `alternatives[0].pattern`"),
        "{err}"
    );
}

#[test]
fn unknown_fields_wrong_names_and_bad_examples_are_errors() {
    let path = "cis-aws-foundations/v9.0.0/4.5-trail.toml";
    let err = load(&control_file("{ $.a = 1 }", "colour = \"red\"\n"), path).unwrap_err();
    assert!(
        matches!(&err, Error::Toml { .. }) && err.to_string().contains("colour"),
        "{err}"
    );

    let err = load(
        &control_file("{ $.a = 1 }", ""),
        "cis-aws-foundations/v9.0.0/4.6-trail.toml",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("field `slug`") && err.to_string().contains("4.5-trail.toml"),
        "{err}"
    );

    let ex = "[[examples]]\ndescription = \"d\"\nmatches = true\nalternative_matches = { nope = false }\nevent = '{}'\n";
    let err = load(&control_file("{ $.a = 1 }", ex), path).unwrap_err();
    assert!(
        err.to_string().contains("examples[0].alternative_matches")
            && err.to_string().contains("nope"),
        "{err}"
    );

    let ex = "[[examples]]\ndescription = \"d\"\nmatches = true\nevent = '[1, 2]'\n";
    let err = load(&control_file("{ $.a = 1 }", ex), path).unwrap_err();
    assert!(err.to_string().contains("examples[0].event"), "{err}");

    let err = Catalog::from_files([(path, control_file("{ $.a = 1 }", "").as_str())]).unwrap_err();
    assert!(err.to_string().contains("benchmark.toml"), "{err}");
}

#[test]
fn load_dir_reads_the_same_data_as_the_embedded_copy() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../controls");
    let disk = Catalog::load_dir(&root).expect("controls/ loads from disk");
    let ids = |c: &Catalog| {
        c.benchmarks()
            .iter()
            .map(|b| (b.id.clone(), b.control_ids().len()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&disk), ids(catalog()));
    let a = disk
        .benchmark("v3.0.0")
        .and_then(|b| b.control("4.4"))
        .and_then(|c| c.pattern.clone());
    assert_eq!(a, control("v3.0.0", "4.4").pattern);
}
