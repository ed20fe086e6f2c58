//! The permissions of remediate's optional features (`trailwarden iam-policy remediate --setup-trail
//! --enable-security-hub --subscribe-sqs --subscribe-lambda`), checked against what apply really sends.
//!
//! One apply with every feature (a trail set up, Security Hub enabled, an SQS queue and a Lambda function
//! subscribed) runs against moto with an [`OperationLog`] installed, twice (the second run only looks). Every
//! operation sent must be granted, by the core remediate table of `trailwarden_aws::permissions` or by a
//! feature grant; every feature grant must be needed by an operation sent.

use std::collections::BTreeSet;

use trailwarden_aws::permissions::{self, Mode, PolicyOptions};
use trailwarden_aws::record::OperationLog;
use trailwarden_aws::{collect_async, CollectOptions, RegionSelection};
use trailwarden_controls::Catalog;
use trailwarden_remediate::apply::{apply_async, Outcome};
use trailwarden_remediate::permissions::{grants, iam_action, Feature};
use trailwarden_remediate::{plan, Action, Options, Subscriber};
use trailwarden_testkit::{MotoServer, TestAccount};

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "220000000001";

/// An empty zip archive: moto stores a function's code without running it.
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

#[tokio::test]
async fn every_feature_operation_is_granted_and_every_grant_is_needed() {
    let a = TestAccount::new(MotoServer::shared(), ACCOUNT).await;
    let config = a.in_region(REGION);
    let queue = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:alerts");
    aws_sdk_sqs::Client::new(&config)
        .create_queue()
        .queue_name("alerts")
        .send()
        .await
        .unwrap();
    let role = aws_sdk_iam::Client::new(&config)
        .create_role()
        .role_name("notify-lambda")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap();
    let function = aws_sdk_lambda::Client::new(&config)
        .create_function()
        .function_name("notify")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("index.handler")
        .role(role.role().unwrap().arn())
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(EMPTY_ZIP.to_vec()))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_string();

    let evidence = collect_async(&CollectOptions {
        base_config: Some(config.clone()),
        regions: RegionSelection::List(vec![REGION.into()]),
        ..CollectOptions::default()
    })
    .await
    .unwrap()
    .evidence;
    let benchmark = Catalog::builtin().unwrap().resolve(Some("v3.0.0")).unwrap();
    let options = Options {
        subscribers: vec![
            Subscriber::parse("email:secops@example.com").unwrap(),
            Subscriber::parse(&format!("sqs:{queue}")).unwrap(),
            Subscriber::parse(&format!("lambda:{function}")).unwrap(),
        ],
        setup_trail: true,
        enable_security_hub: true,
        ..Options::default()
    };
    let mut p = plan(&evidence, benchmark, &options).unwrap();
    // moto 5.2 does not implement BatchEnableStandards: its grant is excused below.
    p.actions
        .retain(|x| !matches!(x, Action::EnableStandard(_)));
    assert!(p
        .actions
        .iter()
        .any(|x| matches!(x, Action::AddLambdaPermission(_))));
    let log = OperationLog::new();
    let recorded = log.install(&config);
    let first = apply_async(&p, &recorded).await.unwrap();
    assert!(
        first.results.iter().all(|(_, o)| *o == Outcome::Done),
        "{:#?}",
        first.results
    );
    let second = apply_async(&p, &recorded).await.unwrap();
    assert!(second
        .results
        .iter()
        .any(|(x, o)| matches!(x, Action::AddLambdaPermission(_)) && *o == Outcome::AlreadyThere));

    let ops = log.operations();
    let core = permissions::actions(Mode::Remediate, &PolicyOptions::default());
    let features = grants(&Feature::ALL);
    for op in &ops {
        let action = iam_action(&op.service, &op.name)
            .unwrap_or_else(|| panic!("{op}: no IAM action known"));
        assert!(
            core.contains(action.as_str()) || features.iter().any(|g| g.action == action),
            "{op} needs {action}, which neither the remediate policy nor a feature grants"
        );
    }
    let mut unused = BTreeSet::new();
    for g in &features {
        let used = g
            .operations
            .iter()
            .any(|(service, name)| ops.iter().any(|o| o.service == *service && o.name == *name));
        if !used {
            unused.insert(g.action);
        }
    }
    assert_eq!(
        unused,
        BTreeSet::from(["securityhub:BatchEnableStandards"]),
        "granted but never needed ({ops:?})"
    );
}
