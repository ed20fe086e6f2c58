//! The exports checked by the real tools, not by our reading of them: the `--format cli` script is run with
//! the AWS CLI (PyPI `awscli` v1) against moto and the account is then collected and audited with
//! trailwarden's own code; the CloudFormation template is validated by `cfn-lint`.
//!
//! Both tools live in `.venv-pytools` (`scripts/setup-pytools.sh`); when they are missing these tests FAIL
//! saying so — a skipped check would look like a passing one.

use std::path::PathBuf;
use std::process::Command;

use trailwarden_audit::{evaluate, Selection, Status};
use trailwarden_aws::{collect_async, CollectOptions, RegionSelection};
use trailwarden_controls::{Benchmark, Catalog};
use trailwarden_evidence::Evidence;
use trailwarden_remediate::export::{render, Format};
use trailwarden_remediate::{plan, Options, Subscriber};
use trailwarden_testkit::{MotoServer, TestAccount, TrailSpec};

const REGION: &str = "eu-west-1";

fn v3() -> &'static Benchmark {
    Catalog::builtin().unwrap().resolve(Some("v3.0.0")).unwrap()
}

/// `.venv-pytools/bin`, asserting that `tool` is installed there.
fn pytools_bin(tool: &str) -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-pytools/bin");
    assert!(
        bin.join(tool).exists(),
        "{} is missing: run scripts/setup-pytools.sh",
        bin.join(tool).display()
    );
    bin
}

fn tmpdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "trailwarden-remediate-pytools-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn collect(a: &TestAccount) -> Evidence {
    let options = CollectOptions {
        base_config: Some(a.in_region(REGION)),
        regions: RegionSelection::List(vec![REGION.into()]),
        ..CollectOptions::default()
    };
    collect_async(&options).await.expect("collect").evidence
}

/// The generated script, run by bash with the real `aws` first on PATH, remediates a moto account: collecting
/// and auditing it afterwards, 4.1–4.15 PASS (they all FAIL before).
#[tokio::test]
async fn the_cli_script_remediates_an_account_in_moto() {
    let bin = pytools_bin("aws");
    let moto = MotoServer::shared();
    let a = TestAccount::new(moto, "200000000051").await;
    let group = a.log_group(REGION, "CloudTrail/main").await;
    a.trail(&TrailSpec {
        log_group_arn: Some(group),
        ..TrailSpec::new("main", REGION)
    })
    .await;

    let before = collect(&a).await;
    let metric = |ev: &Evidence| {
        evaluate(ev, v3(), &Selection::all())
            .into_iter()
            .filter(|f| f.control != "4.16")
            .map(|f| (f.control, f.status, f.reason))
            .collect::<Vec<_>>()
    };
    assert!(metric(&before).iter().all(|(_, s, _)| *s == Status::Fail));
    let options = Options {
        subscribers: vec![Subscriber::parse("email:secops@example.com").unwrap()],
        ..Options::default()
    };
    let p = plan(&before, v3(), &options).unwrap();
    let dir = tmpdir("cli-moto");
    let script = dir.join("remediate.sh");
    std::fs::write(&script, render(&p, Format::Cli).unwrap()).unwrap();

    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(&script);
    for var in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"] {
        cmd.env_remove(var);
    }
    // awscli v1 ≥ 1.31 sends every request to AWS_ENDPOINT_URL: the script itself is run unchanged.
    let out = cmd
        .env("PATH", path)
        .env("AWS_ENDPOINT_URL", moto.endpoint_url())
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_PAGER", "")
        .envs(a.env())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the script failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let after = collect(&a).await;
    for (control, status, reason) in metric(&after) {
        assert_eq!(status, Status::Pass, "{control}: {reason}");
    }
    // What the script made is what the plan says: planning again finds nothing to do.
    let again = plan(&after, v3(), &options).unwrap();
    assert!(again.actions.is_empty(), "{:#?}", again.actions);
}

/// `cfn-lint` validates the template against CloudFormation's resource specification.
#[test]
fn cloudformation_passes_cfn_lint() {
    let lint = pytools_bin("cfn-lint").join("cfn-lint");
    let path = format!(
        "{}/tests/fixtures/no-filters.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let evidence = Evidence::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let options = Options {
        subscribers: vec![
            Subscriber::parse("email:ops@example.com").unwrap(),
            Subscriber::parse("https:https://hooks.example.com/cis?x=1").unwrap(),
        ],
        ..Options::default()
    };
    let p = plan(&evidence, v3(), &options).unwrap();
    let file = tmpdir("cfn").join("template.yaml");
    std::fs::write(&file, render(&p, Format::CloudFormation).unwrap()).unwrap();
    let out = Command::new(&lint).arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "cfn-lint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--setup-trail --enable-security-hub` with an SQS subscriber, as a script: run by the real AWS CLI
/// against a fresh moto account (no trail at all), after which every control audits PASS, the queue has
/// the policy letting the topic in, and a second plan is empty. (moto 5.2 does not implement
/// BatchEnableStandards, so that one command is left out of the script run here.)
#[tokio::test]
async fn the_setup_script_builds_a_trail_in_a_fresh_moto_account() {
    let bin = pytools_bin("aws");
    let moto = MotoServer::shared();
    let a = TestAccount::new(moto, "200000000052").await;
    let sqs = aws_sdk_sqs::Client::new(&a.in_region(REGION));
    let url = sqs
        .create_queue()
        .queue_name("alerts")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string();
    let before = collect(&a).await;
    let options = Options {
        subscribers: vec![
            Subscriber::parse("email:secops@example.com").unwrap(),
            Subscriber::parse(&format!("sqs:arn:aws:sqs:{REGION}:200000000052:alerts")).unwrap(),
        ],
        setup_trail: true,
        enable_security_hub: true,
        ..Options::default()
    };
    let mut p = plan(&before, v3(), &options).unwrap();
    p.actions
        .retain(|x| !matches!(x, trailwarden_remediate::Action::EnableStandard(_)));
    let dir = tmpdir("setup-moto");
    let script = dir.join("remediate.sh");
    std::fs::write(&script, render(&p, Format::Cli).unwrap()).unwrap();
    // awscli v1 pins SQS to `<region>.queue.amazonaws.com` (its overridesslcommonname customization) unless
    // --endpoint-url is on the command line, ignoring AWS_ENDPOINT_URL: a shim adds it for sqs only, so the
    // script itself runs unchanged.
    let shim = dir.join("shim");
    std::fs::create_dir_all(&shim).unwrap();
    std::fs::write(
        shim.join("aws"),
        format!(
            "#!/usr/bin/env bash\nif [ \"$1\" = sqs ]; then exec '{aws}' \"$@\" --endpoint-url \"$AWS_ENDPOINT_URL\"; fi\nexec '{aws}' \"$@\"\n",
            aws = bin.join("aws").display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(shim.join("aws"))
        .status()
        .unwrap();
    let path = format!(
        "{}:{}:{}",
        shim.display(),
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(&script);
    for var in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"] {
        cmd.env_remove(var);
    }
    let out = cmd
        .env("PATH", path)
        .env("AWS_ENDPOINT_URL", moto.endpoint_url())
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_PAGER", "")
        .envs(a.env())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the script failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let after = collect(&a).await;
    for f in evaluate(&after, v3(), &Selection::all()) {
        assert_eq!(f.status, Status::Pass, "{}: {}", f.control, f.reason);
    }
    let again = plan(&after, v3(), &options).unwrap();
    assert!(again.actions.is_empty(), "{:#?}", again.actions);
    let policy = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::Policy)
        .send()
        .await
        .unwrap();
    let policy = policy
        .attributes()
        .and_then(|m| m.get(&aws_sdk_sqs::types::QueueAttributeName::Policy))
        .cloned()
        .unwrap_or_default();
    assert!(policy.contains("AllowTrailwardenTopic"), "{policy}");
}

/// `cfn-lint` on the template of a trail setup, Security Hub and queue/function subscribers.
#[test]
fn the_setup_template_passes_cfn_lint() {
    let lint = pytools_bin("cfn-lint").join("cfn-lint");
    let mut evidence = Evidence::from_json(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/no-trail.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    evidence.accounts[0].security_hub = vec![trailwarden_evidence::RegionSecurityHub {
        region: REGION.into(),
        status: trailwarden_evidence::Observed::Error(trailwarden_evidence::ObservationError::new(
            trailwarden_evidence::ErrorKind::NotSubscribed,
            "DescribeHub",
            Some(REGION.into()),
            "not subscribed",
        )),
    }];
    let options = Options {
        subscribers: vec![
            Subscriber::parse("email:ops@example.com").unwrap(),
            Subscriber::parse("sqs:arn:aws:sqs:eu-west-1:111122223333:alerts").unwrap(),
            Subscriber::parse("lambda:arn:aws:lambda:eu-west-1:111122223333:function:notify")
                .unwrap(),
        ],
        setup_trail: true,
        enable_security_hub: true,
        ..Options::default()
    };
    let p = plan(&evidence, v3(), &options).unwrap();
    assert!(p.actions.len() > 40, "{:#?}", p.actions);
    let file = tmpdir("cfn-setup").join("template.yaml");
    std::fs::write(&file, render(&p, Format::CloudFormation).unwrap()).unwrap();
    let out = Command::new(&lint).arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "cfn-lint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
