//! SNS publish against moto's server, read back through an HTTP subscription to a loopback server.

#[path = "support/server.rs"]
mod server;

use std::time::{Duration, Instant};

use server::TestServer;
use trailwarden_notify::{fact, Notification, Notifier, Severity, SnsNotifier};
use trailwarden_testkit::{fake_credentials, moto_config, MotoServer};

#[test]
fn publish_reaches_an_http_subscriber_as_json() {
    let moto = MotoServer::shared();
    let config = moto_config(moto, "eu-west-1", fake_credentials());
    let receiver = TestServer::start(vec![]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sns = aws_sdk_sns::Client::new(&config);
    let topic = rt.block_on(async {
        let arn = sns
            .create_topic()
            .name("tw-notify-test")
            .send()
            .await
            .unwrap()
            .topic_arn()
            .unwrap()
            .to_owned();
        sns.subscribe()
            .topic_arn(&arn)
            .protocol("http")
            .endpoint(receiver.url("/sns"))
            .send()
            .await
            .unwrap();
        arn
    });

    let n = Notification::new(
        "Root account used — CIS 4.3 in 111122223333 ".repeat(4),
        "root called CreateUser",
        Severity::Critical,
        "ev-7#4.3",
    )
    .fact(fact::ACTOR, "root")
    .fact(fact::REGION, "eu-west-1")
    .alert(serde_json::json!({"control": "4.3", "event_id": "ev-7"}));
    SnsNotifier::new(&config, &topic).unwrap().send(&n).unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    let delivered = loop {
        let found = receiver
            .received()
            .into_iter()
            .map(|r| r.json())
            .find(|b| b["Type"] == "Notification");
        if let Some(body) = found {
            break body;
        }
        assert!(
            Instant::now() < deadline,
            "moto never delivered the notification: {:?}",
            receiver.received()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(delivered["TopicArn"], topic.as_str());
    let subject = delivered["Subject"].as_str().unwrap();
    assert!(
        subject.len() <= 99
            && subject.is_ascii()
            && subject.starts_with("[CRITICAL] Root account used - CIS 4.3"),
        "{subject}"
    );
    // The HTTP protocol gets the machine JSON (the `default` rendering), not the e-mail text.
    let message: serde_json::Value =
        serde_json::from_str(delivered["Message"].as_str().unwrap()).unwrap();
    assert_eq!(message["idempotency_key"], "ev-7#4.3");
    assert_eq!(message["severity"], "critical");
    assert_eq!(message["facts"]["Actor"], "root");
    assert_eq!(message["alert"]["control"], "4.3");
}

#[test]
fn unknown_topic_is_a_permanent_error() {
    let moto = MotoServer::shared();
    let config = moto_config(moto, "eu-west-1", fake_credentials());
    let n = Notification::new("t", "s", Severity::Low, "k");
    let err = SnsNotifier::new(&config, "arn:aws:sns:eu-west-1:123456789012:does-not-exist")
        .unwrap()
        .send(&n)
        .unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    assert!(err.to_string().contains("does-not-exist"), "{err}");
}
