//! The S3 and SQS sources against moto: the same alerts as the folder source, the layout filters,
//! every SQS message shape, delete-after-delivery, and a poison message left in the queue.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use serde_json::json;
use trailwarden_detect::alert::Alert;
use trailwarden_detect::sink::Sink;
use trailwarden_detect::source::aws::Clients;
use trailwarden_detect::source::{
    FsSource, Problem, S3Filter, S3Source, S3Url, Source, SqsOptions, SqsSource,
};
use trailwarden_detect::{Detector, Rule};
use trailwarden_testkit::{fake_credentials, moto_config, MotoServer};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rules() -> Vec<Rule> {
    common::cis_v3_rules()
}

fn clients(moto: &MotoServer) -> Clients {
    Clients::from_config(&moto_config(moto, "us-east-1", fake_credentials()), true)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// (control, event id, summary): what must not depend on where the bytes came from.
fn keyed(alerts: &[Alert]) -> BTreeSet<(String, String, String)> {
    alerts
        .iter()
        .map(|a| {
            (
                a.rule_label().to_string(),
                a.event_id.clone().unwrap_or_default(),
                a.summary.clone(),
            )
        })
        .collect()
}

fn run(source: &mut dyn Source) -> (Vec<Alert>, Vec<String>) {
    let mut d = Detector::new(rules());
    let mut alerts: Vec<Alert> = Vec::new();
    let mut problems = Vec::new();
    d.run(source, &mut alerts, &mut |p: &Problem| {
        problems.push(p.to_string())
    })
    .unwrap();
    (alerts, problems)
}

/// Every file under examples/logs/AWSLogs, as (key under AWSLogs/, bytes).
fn example_objects() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                let key = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.push((key, std::fs::read(&p).unwrap()));
            }
        }
    }
    let base = repo().join("examples/logs/AWSLogs");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, body: Vec<u8>) {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body))
        .send()
        .await
        .unwrap();
}

async fn bucket_with_examples(s3: &aws_sdk_s3::Client, bucket: &str) {
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    for (key, body) in example_objects() {
        put(s3, bucket, &format!("trail/AWSLogs/{key}"), body.clone()).await;
        // The same account's files again under an organization trail's layout.
        if key.starts_with("111122223333/") {
            put(s3, bucket, &format!("org/AWSLogs/o-abc123def4/{key}"), body).await;
        }
    }
    put(
        s3,
        bucket,
        "trail/AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/README.txt",
        b"not a log".to_vec(),
    )
    .await;
}

#[test]
fn s3_source_gives_the_folder_alerts_and_prunes_by_layout() {
    let moto = MotoServer::shared();
    let c = clients(moto);
    rt().block_on(bucket_with_examples(&c.s3, "logs-same"));

    let mut fs = FsSource::new([repo().join("examples/logs")]);
    let (from_folder, _) = run(&mut fs);
    assert!(from_folder.len() >= 5, "the examples raise alerts");

    let url = S3Url::parse("s3://logs-same/trail").unwrap();
    let mut s3 = S3Source::from_clients(url, S3Filter::default(), c.clone(), 3).unwrap();
    let (from_s3, problems) = run(&mut s3);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(keyed(&from_s3), keyed(&from_folder));
    assert!(from_s3[0]
        .location
        .origin
        .starts_with("s3://logs-same/trail/AWSLogs/"));
    // The README was listed and skipped; the digest folder is never listed (only CloudTrail/ is walked).
    assert_eq!(
        s3.counts.skipped.load(std::sync::atomic::Ordering::Relaxed),
        1
    );

    // --accounts: only that account's folders.
    let filter = S3Filter {
        accounts: vec!["111122223333".into()],
        ..S3Filter::default()
    };
    let url = S3Url::parse("s3://logs-same/trail/").unwrap();
    let (one, _) = run(&mut S3Source::from_clients(url, filter, c.clone(), 2).unwrap());
    let expected: Vec<_> = from_folder
        .iter()
        .filter(|a| a.account.as_deref() == Some("111122223333"))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(keyed(&one), keyed(&expected));

    // An organization trail's layout: AWSLogs/o-…/<account>/CloudTrail/….
    let url = S3Url::parse("s3://logs-same/org").unwrap();
    let (org, _) =
        run(&mut S3Source::from_clients(url, S3Filter::default(), c.clone(), 2).unwrap());
    assert_eq!(keyed(&org), keyed(&expected));

    // --since/--until over delivery dates (widened by a day): 2024-08-02 only lists the folders
    // of 08-01..08-03, so the 07-31 file is never fetched; the engine window drops the rest.
    let since = trailwarden_detect::time::parse("2024-08-02");
    let until = trailwarden_detect::time::parse("2024-08-03");
    let filter = S3Filter {
        since,
        until,
        ..S3Filter::default()
    };
    let url = S3Url::parse("s3://logs-same/trail").unwrap();
    let mut dated = S3Source::from_clients(url, filter, c.clone(), 2).unwrap();
    let mut d = Detector::new(rules()).with_window(since, until);
    let mut alerts: Vec<Alert> = Vec::new();
    d.run(&mut dated, &mut alerts, &mut |p| panic!("{p}"))
        .unwrap();
    let fetched = dated
        .counts
        .fetched
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(fetched, 6, "every file but the 07-31 one");
    assert!(!alerts.is_empty());
    assert!(alerts
        .iter()
        .all(|a| a.event_time.as_deref().unwrap() >= "2024-08-02"));
    let expected: Vec<_> = from_folder
        .iter()
        .filter(|a| a.event_time.as_deref().unwrap() >= "2024-08-02")
        .cloned()
        .collect();
    assert_eq!(keyed(&alerts), keyed(&expected));
}

#[test]
fn s3_source_reports_a_missing_bucket() {
    let moto = MotoServer::shared();
    let url = S3Url::parse("s3://no-such-bucket-here/x").unwrap();
    let (alerts, problems) =
        run(&mut S3Source::from_clients(url, S3Filter::default(), clients(moto), 2).unwrap());
    assert!(alerts.is_empty());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("NoSuchBucket"), "{problems:?}");
}

const STOP: &str = r#"{"eventVersion":"1.08","eventID":"ev-eventbridge","eventTime":"2024-08-01T12:00:00Z","eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com","awsRegion":"us-east-1","requestParameters":{"name":"main"},"userIdentity":{"type":"IAMUser","userName":"mallory","accountId":"111122223333"}}"#;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &c| acc << 8 | u32::from(c)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        for _ in chunk.len()..3 {
            s.push('=');
        }
    }
    s
}

async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    sqs.create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string()
}

async fn send(sqs: &aws_sdk_sqs::Client, url: &str, body: String) {
    sqs.send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .unwrap();
}

/// Messages in the queue, visible or in flight.
async fn depth(sqs: &aws_sdk_sqs::Client, url: &str) -> u64 {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap();
    let attrs = out.attributes().unwrap();
    [
        A::ApproximateNumberOfMessages,
        A::ApproximateNumberOfMessagesNotVisible,
    ]
    .iter()
    .map(|k| attrs.get(k).unwrap().parse::<u64>().unwrap())
    .sum()
}

fn once() -> SqsOptions {
    SqsOptions {
        once: true,
        max_messages: None,
        wait_seconds: 0,
        visibility_timeout: Some(30),
    }
}

#[test]
fn sqs_every_message_shape_and_a_poison_message() {
    let moto = MotoServer::shared();
    let c = clients(moto);
    let key_a = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T1205Z_synth00000000001.json.gz";
    let key_b = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T1210Z_synth00000000002.json.gz";
    let key_c = "AWSLogs/032092706103/CloudTrail/us-northeast-1r/2024/08/01/032092706103_CloudTrail_us-northeast-1r_20240801T1223Z_stratus000000000.json.gz";
    let url = rt().block_on(async {
        c.s3.create_bucket().bucket("sqs-logs").send().await.unwrap();
        for k in [key_a, key_b, key_c] {
            let body = std::fs::read(repo().join("examples/logs").join(k)).unwrap();
            put(&c.s3, "sqs-logs", &format!("in dir/{k}"), body).await;
        }
        let url = queue(&c.sqs, "trail-shapes").await;
        let s3_event = |key: &str| {
            json!({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put",
                "s3":{"bucket":{"name":"sqs-logs"},"object":{"key":key.replace(' ', "+"),"size":1}}}]})
            .to_string()
        };
        // S3 → SQS, with the URL-encoded key S3 sends (space as '+').
        send(&c.sqs, &url, s3_event(&format!("in dir/{key_a}"))).await;
        // S3 → SNS → SQS.
        let wrapped = json!({"Type":"Notification","MessageId":"m","TopicArn":"arn:aws:sns:us-east-1:111122223333:t",
            "Message": s3_event(&format!("in dir/{key_b}"))});
        send(&c.sqs, &url, wrapped.to_string()).await;
        // CloudTrail → SNS → SQS.
        let ct = json!({"Type":"Notification","Message":
            json!({"s3Bucket":"sqs-logs","s3ObjectKey":[format!("in dir/{key_c}")]}).to_string()});
        send(&c.sqs, &url, ct.to_string()).await;
        send(&c.sqs, &url, json!({"Type":"Notification","Message":"CloudTrail validation message."}).to_string()).await;
        send(&c.sqs, &url, r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"sqs-logs"}"#.into()).await;
        // EventBridge rule → SQS.
        let eb = format!(r#"{{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.cloudtrail","detail":{STOP}}}"#);
        send(&c.sqs, &url, eb).await;
        // A CloudWatch Logs subscription payload, gzip'd and base64'd by a forwarder.
        let cwl = json!({"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"trail","logStream":"s",
            "subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":0,
            "message": STOP.replace("ev-eventbridge","ev-cwl").replace("mallory","trudy")}]});
        send(&c.sqs, &url, base64(&gzip(cwl.to_string().as_bytes()))).await;
        // Poison.
        send(&c.sqs, &url, "definitely not a notification".into()).await;
        assert_eq!(depth(&c.sqs, &url).await, 8);
        url
    });

    let mut source = SqsSource::from_clients(c.clone(), &url, once()).unwrap();
    let (alerts, problems) = run(&mut source);
    let ids: BTreeSet<_> = alerts.iter().filter_map(|a| a.event_id.clone()).collect();
    for expected in [
        "10000000-0000-4000-8000-000000000001", // key_a
        "9fd68588-ecbf-4528-a345-199fa6bb0821", // key_c
        "ev-eventbridge",
        "ev-cwl",
    ] {
        assert!(ids.contains(expected), "{expected} missing from {ids:?}");
    }
    let from_b = alerts
        .iter()
        .any(|a| a.location.origin.contains("synth00000000002"));
    assert!(from_b, "the SNS-wrapped S3 event's object was read");
    assert!(alerts.iter().any(|a| a.summary.contains("trudy")));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("not an S3") || problems[0].contains("neither JSON"),
        "{problems:?}"
    );
    assert!(problems[0].contains("left in the queue"));
    assert_eq!(source.counts.received, 8);
    assert_eq!(
        source.counts.ignored, 2,
        "validation message and test event"
    );
    assert_eq!(source.counts.deleted, 7);
    // Only the poison message remains (in flight until its visibility timeout ends).
    assert_eq!(rt().block_on(depth(&c.sqs, &url)), 1);
}

/// A sink that fails: the alerts of the input were not delivered.
struct Broken;

impl Sink for Broken {
    fn alert(&mut self, _: &Alert) -> std::io::Result<()> {
        Err(std::io::Error::other("notifier down"))
    }
}

#[test]
fn sqs_deletes_a_message_only_after_its_alerts_were_delivered() {
    let moto = MotoServer::shared();
    let c = clients(moto);
    let url = rt().block_on(async {
        let url = queue(&c.sqs, "trail-delivery").await;
        let eb = format!(r#"{{"detail-type":"AWS API Call via CloudTrail","detail":{STOP}}}"#);
        send(&c.sqs, &url, eb).await;
        url
    });
    // No visibility timeout: the message the failed run saw is visible again at once.
    let options = SqsOptions {
        visibility_timeout: Some(0),
        ..once()
    };

    // Delivery fails: the run stops with the sink's error and the message stays.
    let mut source = SqsSource::from_clients(c.clone(), &url, options.clone()).unwrap();
    let mut d = Detector::new(rules());
    let err = d.run(&mut source, &mut Broken, &mut |_| {}).unwrap_err();
    assert_eq!(err.to_string(), "notifier down");
    assert_eq!(source.counts.deleted, 0);
    assert_eq!(rt().block_on(depth(&c.sqs, &url)), 1);

    // Delivered: deleted. (A visibility timeout this time, so the prefetching receiver does not
    // see the same message again before its deletion.)
    let mut source = SqsSource::from_clients(c.clone(), &url, once()).unwrap();
    let (alerts, _) = run(&mut source);
    assert_eq!(alerts.len(), 1);
    assert_eq!(source.counts.deleted, 1);
    assert_eq!(rt().block_on(depth(&c.sqs, &url)), 0);
}

#[test]
fn sqs_max_messages_bounds_a_run() {
    let moto = MotoServer::shared();
    let c = clients(moto);
    let url = rt().block_on(async {
        let url = queue(&c.sqs, "trail-bounded").await;
        for i in 0..3 {
            let record = STOP.replace("ev-eventbridge", &format!("ev-bounded-{i}"));
            send(
                &c.sqs,
                &url,
                format!(r#"{{"detail-type":"AWS API Call via CloudTrail","detail":{record}}}"#),
            )
            .await;
        }
        url
    });
    let options = SqsOptions {
        once: false,
        max_messages: Some(2),
        wait_seconds: 1,
        visibility_timeout: Some(30),
    };
    let mut source = SqsSource::from_clients(c.clone(), &url, options).unwrap();
    let (alerts, _) = run(&mut source);
    assert_eq!(alerts.len(), 2);
    assert_eq!(source.counts.received, 2);
    assert_eq!(source.counts.deleted, 2);
    assert_eq!(rt().block_on(depth(&c.sqs, &url)), 1);
}
