//! `trailwarden detect s3://…` and `trailwarden detect <queue URL>` end to end against moto.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use trailwarden_detect::source::aws::{self, Clients};
use trailwarden_testkit::{fake_credentials, moto_config, MotoServer};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn detect(moto: &MotoServer, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .current_dir(repo())
        .arg("detect")
        .args(args)
        .args(["--endpoint-url", &moto.endpoint_url()])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/tw/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/tw/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run trailwarden")
}

fn local(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .current_dir(repo())
        .arg("detect")
        .args(args)
        .output()
        .expect("run trailwarden")
}

fn keyed(out: &Output) -> BTreeSet<(String, String, String)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            (s("control"), s("event_id"), s("summary"))
        })
        .collect()
}

fn clients(moto: &MotoServer) -> Clients {
    Clients::from_config(&moto_config(moto, "us-east-1", fake_credentials()), true)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out)
        } else {
            out.push(p)
        }
    }
}

#[test]
fn s3_source_matches_the_folder_and_honours_the_filters() {
    let moto = MotoServer::shared();
    let c = clients(moto);
    let rt = aws::runtime().unwrap();
    rt.block_on(async {
        c.s3.create_bucket()
            .bucket("cli-logs")
            .send()
            .await
            .unwrap();
        let base = repo().join("examples/logs");
        let mut all = Vec::new();
        files(&base.join("AWSLogs"), &mut all);
        for p in all {
            let key = format!("t/{}", p.strip_prefix(&base).unwrap().to_string_lossy());
            c.s3.put_object()
                .bucket("cli-logs")
                .key(key)
                .body(std::fs::read(&p).unwrap().into())
                .send()
                .await
                .unwrap();
        }
    });

    let folder = local(&["examples/logs", "--format", "jsonl"]);
    let s3 = detect(moto, &["s3://cli-logs/t", "--format", "jsonl"]);
    assert_eq!(
        s3.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&s3.stderr)
    );
    assert_eq!(keyed(&s3), keyed(&folder));

    let narrowed = detect(
        moto,
        &[
            "s3://cli-logs/t/",
            "--format",
            "jsonl",
            "--accounts",
            "111122223333",
            "--since",
            "2024-08-01T12:03:00Z",
            "--until",
            "2024-08-01",
        ],
    );
    let got = keyed(&narrowed);
    assert!(!got.is_empty());
    let expected: BTreeSet<_> = String::from_utf8_lossy(&folder.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| {
            v["account"] == "111122223333"
                && v["event_time"].as_str().unwrap() >= "2024-08-01T12:03:00Z"
                && v["event_time"].as_str().unwrap() < "2024-08-02"
        })
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            (s("control"), s("event_id"), s("summary"))
        })
        .collect();
    assert_eq!(got, expected);
    assert!(String::from_utf8_lossy(&narrowed.stderr).contains("outside"));

    let missing = detect(moto, &["s3://no-such-cli-bucket/"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("NoSuchBucket"));
}

#[test]
fn sqs_queue_url_is_read_once_and_emptied() {
    let moto = MotoServer::shared();
    let c = clients(moto);
    let rt = aws::runtime().unwrap();
    let url = rt.block_on(async {
        let url = c
            .sqs
            .create_queue()
            .queue_name("cli-events")
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_string();
        let event = r#"{"detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","detail":{"eventVersion":"1.08","eventID":"cli-sqs-1","eventTime":"2024-08-01T12:00:00Z","eventName":"CreateVpc","eventSource":"ec2.amazonaws.com","awsRegion":"eu-west-1","userIdentity":{"type":"IAMUser","userName":"bob","accountId":"111122223333"}}}"#;
        c.sqs.send_message().queue_url(&url).message_body(event).send().await.unwrap();
        url
    });
    let out = detect(
        moto,
        &[&url, "--once", "--wait-seconds", "0", "--format", "jsonl"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["event_id"], "cli-sqs-1");
    assert_eq!(lines[0]["control"], "4.14");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 message(s) received, 1 deleted"));
    // The queue is empty: a second run sees nothing.
    let again = detect(moto, &["sqs://cli-events", "--once", "--wait-seconds", "0"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 message(s) received"));
}

#[test]
fn sns_notifications_reach_a_subscribed_queue() {
    let moto = MotoServer::shared();
    let c = clients(moto);
    let rt = aws::runtime().unwrap();
    let account = rt.block_on(trailwarden_testkit::TestAccount::new(
        moto,
        trailwarden_testkit::DEFAULT_ACCOUNT,
    ));
    let sns = account.sns("us-east-1");
    let (topic, queue) = rt.block_on(async {
        let topic = sns
            .create_topic()
            .name("tw-alerts")
            .send()
            .await
            .unwrap()
            .topic_arn()
            .unwrap()
            .to_string();
        let queue = c
            .sqs
            .create_queue()
            .queue_name("tw-alerts-inbox")
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_string();
        let queue_arn = format!(
            "arn:aws:sqs:us-east-1:{}:tw-alerts-inbox",
            trailwarden_testkit::DEFAULT_ACCOUNT
        );
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(queue_arn)
            .send()
            .await
            .unwrap();
        (topic, queue)
    });
    let dir = std::env::temp_dir().join(format!("tw-detect-sns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.redb");
    let target = format!("sns:{topic}");
    let out = detect(
        moto,
        &[
            "examples/logs",
            "--controls",
            "4.10",
            "--format",
            "jsonl",
            "--notify",
            &target,
            "--state",
            state.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts = String::from_utf8_lossy(&out.stdout).lines().count();
    let bodies = rt.block_on(async {
        let mut bodies = Vec::new();
        loop {
            let got = c
                .sqs
                .receive_message()
                .queue_url(&queue)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            let msgs = got.messages.unwrap_or_default();
            if msgs.is_empty() {
                break;
            }
            bodies.extend(msgs.into_iter().filter_map(|m| m.body));
        }
        bodies
    });
    assert_eq!(
        bodies.len(),
        alerts,
        "one SNS message per (ungrouped) alert"
    );
    assert!(bodies.iter().all(|b| b.contains("CIS 4.10")), "{bodies:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--mode cloudwatch` and `--backtest` replay the alarms at the end of the run: on a queue read
/// without an end they would never say anything, so the command refuses up front (no AWS call).
#[test]
fn alarm_replay_on_an_endless_queue_is_refused() {
    for mode in [
        &["--mode", "cloudwatch", "--notify", "stdout"][..],
        &["--backtest"][..],
    ] {
        let mut args = vec!["sqs://cis-events"];
        args.extend_from_slice(mode);
        let out = local(&args);
        assert_eq!(out.status.code(), Some(2), "{mode:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--once or --max-messages"), "{err}");
    }
}
