//! Slack and webhook notifiers against a real HTTP server on loopback.

#[path = "support/server.rs"]
mod server;

use std::cell::RefCell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use server::{dead_port, Reply, TestServer};
use trailwarden_notify::webhook::{self, VerifyError};
use trailwarden_notify::{
    deliver, fact, Group, Notification, Notifier, NotifyError, RetryPolicy, Severity,
    SlackNotifier, Sleeper, WebhookNotifier,
};

/// Records waits instead of sleeping, so retry tests take milliseconds.
#[derive(Default)]
struct Recorder(RefCell<Vec<Duration>>);
impl Sleeper for Recorder {
    fn sleep(&self, d: Duration) {
        self.0.borrow_mut().push(d);
    }
}

fn quick() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(5),
    }
}

fn sample() -> Notification {
    Notification::new(
        "Security group opened to the world (CIS 4.10)",
        "alice called AuthorizeSecurityGroupIngress on sg-0abc in 111122223333/eu-west-1",
        Severity::High,
        "ev-42#4.10",
    )
    .fact(fact::ACTOR, "alice")
    .fact(fact::ACTION, "ec2:AuthorizeSecurityGroupIngress")
    .fact(fact::ACCOUNT, "111122223333")
    .fact(fact::REGION, "eu-west-1")
    .fact(fact::SOURCE_IP, "203.0.113.9")
    .fact(fact::USER_AGENT, "x".repeat(5000))
    .alert(json!({
        "control": "4.10",
        "event_id": "ev-42",
        "request_parameters": {"ipPermissions": {"items": (0..500).map(|i| json!({"fromPort": i, "cidrIp": "0.0.0.0/0"})).collect::<Vec<_>>()}}
    }))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn slack_posts_compact_block_kit() {
    let server = TestServer::start(vec![Reply::new(200, "ok")]);
    let slack = SlackNotifier::new(server.url("/services/T0/B0/secret"));
    slack.send(&sample()).unwrap();

    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method, "POST");
    assert_eq!(got[0].path, "/services/T0/B0/secret");
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    let body = got[0].json();
    assert!(body["text"]
        .as_str()
        .unwrap()
        .starts_with("[HIGH] Security group opened"));
    let blocks = body["blocks"].as_array().unwrap();
    let types: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["header", "section", "section", "context"]);
    assert!(blocks[0]["text"]["text"]
        .as_str()
        .unwrap()
        .contains("Security group opened"));
    let fields = blocks[1]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 6);
    assert_eq!(fields[0]["text"], "*Actor*\nalice");
    // The 5000-character user agent is cut, and so are the huge request parameters.
    let ua = fields[5]["text"].as_str().unwrap();
    assert!(
        ua.chars().count() < 320 && ua.ends_with('…'),
        "{}",
        ua.len()
    );
    let params = blocks[2]["text"]["text"].as_str().unwrap();
    assert!(
        params.starts_with("```{") && params.chars().count() <= 510,
        "{}",
        params.len()
    );
    assert!(
        body.to_string().len() < 3000,
        "payload is compact: {} bytes",
        body.to_string().len()
    );
    assert!(blocks[3]["elements"][0]["text"]
        .as_str()
        .unwrap()
        .contains("ev-42#4.10"));
}

#[test]
fn slack_shows_groups() {
    let server = TestServer::start(vec![]);
    let n = sample().group(Group {
        key: "4.10 by alice".into(),
        count: 12,
        first_time: "2026-11-25T10:00:00Z".into(),
        last_time: "2026-11-25T10:04:00Z".into(),
        event_ids: (0..12).map(|i| format!("ev-{i}")).collect(),
    });
    SlackNotifier::new(server.url("/")).send(&n).unwrap();
    let body = server.received()[0].json();
    let group = body["blocks"][2]["text"]["text"].as_str().unwrap();
    assert!(group.starts_with("*12 events* — 4.10 by alice"), "{group}");
    assert!(
        group.contains("`ev-4`") && !group.contains("`ev-5`"),
        "{group}"
    );
}

#[test]
fn webhook_signature_verifies_with_the_secret_only() {
    let server = TestServer::start(vec![]);
    let hook = WebhookNotifier::new(server.url("/hook"), b"s3cret".to_vec());
    hook.send(&sample()).unwrap();
    let req = &server.received()[0];
    let sig = req.header("x-trailwarden-signature").unwrap();
    let ts = req.header("x-trailwarden-timestamp").unwrap();
    assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64, "{sig}");
    assert_eq!(req.header("idempotency-key"), Some("ev-42#4.10"));
    let tol = Duration::from_secs(300);
    assert_eq!(
        webhook::verify(b"s3cret", &req.body, sig, ts, now(), tol),
        Ok(())
    );
    assert_eq!(
        webhook::verify(b"other", &req.body, sig, ts, now(), tol),
        Err(VerifyError::BadSignature)
    );
    let mut tampered = req.body.clone();
    let pos = tampered.iter().position(|&b| b == b'a').unwrap();
    tampered[pos] = b'b';
    assert_eq!(
        webhook::verify(b"s3cret", &tampered, sig, ts, now(), tol),
        Err(VerifyError::BadSignature)
    );
    // A replay an hour later is refused even with a valid signature.
    assert!(matches!(
        webhook::verify(b"s3cret", &req.body, sig, ts, now() + 3600, tol),
        Err(VerifyError::Stale { .. })
    ));
    let body = req.json();
    assert_eq!(body["idempotency_key"], "ev-42#4.10");
    assert_eq!(body["severity"], "high");
    assert_eq!(body["facts"]["Actor"], "alice");
    assert_eq!(body["alert"]["control"], "4.10");
    assert_eq!(body["timestamp"].to_string(), ts);
}

#[test]
fn server_error_then_success_is_delivered_after_a_retry() {
    let server = TestServer::start(vec![
        Reply::new(500, "boom"),
        Reply::new(503, "busy"),
        Reply::new(200, "ok"),
    ]);
    let sleeper = Recorder::default();
    let hook = WebhookNotifier::new(server.url("/hook"), b"k".to_vec());
    let attempts = deliver(&hook, &sample(), &quick(), &sleeper).unwrap();
    assert_eq!(attempts, 3);
    assert_eq!(server.received().len(), 3);
    let waits = sleeper.0.borrow().clone();
    assert_eq!(waits.len(), 2);
    assert!(
        waits[0] >= Duration::from_millis(5) && waits[0] <= Duration::from_millis(10),
        "{waits:?}"
    );
    assert!(
        waits[1] >= Duration::from_millis(10) && waits[1] <= Duration::from_millis(20),
        "{waits:?}"
    );
}

#[test]
fn client_error_is_permanent_and_not_retried() {
    let server = TestServer::start(vec![Reply::new(400, "invalid_payload")]);
    let sleeper = Recorder::default();
    let slack = SlackNotifier::new(server.url("/services/x"));
    let err = deliver(&slack, &sample(), &quick(), &sleeper).unwrap_err();
    assert_eq!(err.attempts, 1);
    assert!(!err.error.is_retryable());
    let NotifyError::Permanent { message, .. } = &err.error else {
        panic!("{err}")
    };
    assert!(
        message.contains("HTTP 400") && message.contains("invalid_payload"),
        "{message}"
    );
    assert!(
        !message.contains("/services/x"),
        "the webhook secret path is not logged: {message}"
    );
    assert_eq!(server.received().len(), 1);
    assert!(sleeper.0.borrow().is_empty());
}

#[test]
fn slack_429_retry_after_is_honoured() {
    let server = TestServer::start(vec![
        Reply::new(429, "rate_limited").header("Retry-After", "1"),
        Reply::new(200, "ok"),
    ]);
    // A real sleeper: the second request must really come at least Retry-After later.
    let slack = SlackNotifier::new(server.url("/s"));
    let attempts = deliver(
        &slack,
        &sample(),
        &quick(),
        &trailwarden_notify::ThreadSleeper,
    )
    .unwrap();
    assert_eq!(attempts, 2);
    let got = server.received();
    let gap = got[1].at - got[0].at;
    assert!(gap >= Duration::from_millis(950), "waited {gap:?}");
}

#[test]
fn retry_after_beyond_the_cap_hands_the_alert_back() {
    let server = TestServer::start(vec![
        Reply::new(429, "slow down").header("Retry-After", "3600")
    ]);
    let sleeper = Recorder::default();
    let err = deliver(
        &SlackNotifier::new(server.url("/s")),
        &sample(),
        &quick(),
        &sleeper,
    )
    .unwrap_err();
    assert_eq!(err.attempts, 1);
    assert_eq!(err.error.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.error.is_retryable());
    assert!(sleeper.0.borrow().is_empty());
}

#[test]
fn server_down_is_retryable_and_handed_back_after_bounded_attempts() {
    let url = format!("http://127.0.0.1:{}/hook", dead_port());
    let sleeper = Recorder::default();
    let hook = WebhookNotifier::with_timeout(url, b"k".to_vec(), Duration::from_secs(2));
    let err = deliver(&hook, &sample(), &quick(), &sleeper).unwrap_err();
    assert_eq!(err.attempts, 4);
    assert!(err.error.is_retryable(), "{err}");
    assert_eq!(sleeper.0.borrow().len(), 3);
}

#[test]
fn malformed_url_is_permanent() {
    let err = WebhookNotifier::new("not a url", b"k".to_vec())
        .send(&sample())
        .unwrap_err();
    assert!(!err.is_retryable(), "{err}");
}
