//! Each operation of the state store, on real files.

#[path = "../../trailwarden-notify/tests/support/server.rs"]
mod server;

use std::time::{Duration, SystemTime};

use trailwarden_notify::{
    deliver, Notification, RetryPolicy, Severity, ThreadSleeper, WebhookNotifier,
};
use trailwarden_state::{DedupLimits, State, StateError};

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tw-state-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.redb")
}

fn alert(event: &str, control: &str) -> (String, Notification) {
    let n = Notification::new(
        format!("CIS {control}"),
        format!("{event} matched {control}"),
        Severity::High,
        format!("{event}#{control}"),
    );
    (event.to_owned(), n)
}

fn keys(entries: &[trailwarden_state::OutboxEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e.notification.dedup_key.clone())
        .collect()
}

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

#[test]
fn checkpoints_persist_per_source() {
    let path = temp("checkpoints");
    {
        let state = State::open(&path).unwrap();
        assert_eq!(state.checkpoint("a").unwrap(), None);
        state.commit_batch("a", "key-1", &[]).unwrap();
        state.commit_batch("b", "offset-9", &[]).unwrap();
        state.commit_batch("a", "key-2", &[]).unwrap();
    }
    let state = State::open(&path).unwrap();
    assert_eq!(state.checkpoint("a").unwrap().as_deref(), Some("key-2"));
    assert_eq!(
        state.checkpoints().unwrap(),
        [
            ("a".into(), "key-2".into()),
            ("b".into(), "offset-9".into())
        ]
    );
}

#[test]
fn commit_batch_skips_seen_events_and_repeats() {
    let state = State::open(temp("dedup")).unwrap();
    let first = state
        .commit_batch(
            "org-trail",
            "1",
            &[
                alert("e1", "4.3"),
                alert("e1", "4.1"),
                alert("e2", "4.10"),
                alert("e2", "4.10"),
            ],
        )
        .unwrap();
    // One event matching two controls gives two alerts; an exact repeat inside the batch does not.
    assert_eq!(keys(&first), ["e1#4.3", "e1#4.1", "e2#4.10"]);
    assert_eq!(first[0].source_id, "org-trail");
    assert_eq!(first[0].event_id, "e1");
    // The same events through another source (an account trail) are skipped; a new one is not.
    let second = state
        .commit_batch(
            "account-trail",
            "9",
            &[alert("e2", "4.10"), alert("e1", "4.3"), alert("e3", "4.4")],
        )
        .unwrap();
    assert_eq!(keys(&second), ["e3#4.4"]);
    assert!(state.seen("e1").unwrap() && state.seen("e3").unwrap() && !state.seen("e4").unwrap());
    assert_eq!(
        keys(&state.outbox().unwrap()),
        ["e1#4.3", "e1#4.1", "e2#4.10", "e3#4.4"]
    );
    // Checkpoints advanced even for a batch whose alerts were all skipped.
    assert_eq!(
        state.checkpoint("account-trail").unwrap().as_deref(),
        Some("9")
    );
}

#[test]
fn outbox_is_fifo_and_delivered_removes_once() {
    let path = temp("outbox");
    let state = State::open(&path).unwrap();
    state
        .commit_batch("s", "1", &[alert("a", "4.1"), alert("b", "4.1")])
        .unwrap();
    state.commit_batch("s", "2", &[alert("c", "4.1")]).unwrap();
    let out = state.outbox().unwrap();
    assert_eq!(keys(&out), ["a#4.1", "b#4.1", "c#4.1"]);
    assert!(out[0].id < out[1].id && out[1].id < out[2].id);
    assert!(state.record_failure(out[1].id, "HTTP 500").unwrap());
    assert!(state.record_failure(out[1].id, "HTTP 503").unwrap());
    assert!(state.delivered(out[0].id).unwrap());
    assert!(!state.delivered(out[0].id).unwrap());
    assert!(!state.record_failure(out[0].id, "gone").unwrap());
    drop(state);
    let state = State::open(&path).unwrap();
    let out2 = state.outbox().unwrap();
    assert_eq!(keys(&out2), ["b#4.1", "c#4.1"]);
    assert_eq!(
        (out2[0].attempts, out2[0].last_error.as_deref()),
        (2, Some("HTTP 503"))
    );
    assert_eq!(out2[0].notification, out[1].notification);
    assert_eq!(state.outbox_len().unwrap(), 2);
    // Ids keep increasing after a reopen: a new alert never takes a delivered one's id.
    let new = state.commit_batch("s", "3", &[alert("d", "4.1")]).unwrap();
    assert!(new[0].id > out[2].id);
}

#[test]
fn prune_by_age_and_count() {
    let limits = DedupLimits {
        max_entries: 3,
        max_age: Duration::from_secs(100),
    };
    let state = State::open_with(temp("prune"), limits).unwrap();
    state
        .commit_batch_at(
            "s",
            "1",
            &[alert("old1", "x"), alert("old2", "x")],
            at(1000),
        )
        .unwrap();
    state
        .commit_batch_at("s", "2", &[alert("mid", "x")], at(1050))
        .unwrap();
    // A fourth id exceeds max_entries: the oldest goes at once, inside the commit.
    state
        .commit_batch_at("s", "3", &[alert("new", "x")], at(1090))
        .unwrap();
    assert_eq!(state.seen_len().unwrap(), 3);
    assert_eq!(
        (
            state.seen("old1").unwrap(),
            state.seen("old2").unwrap(),
            state.seen("mid").unwrap()
        ),
        (false, true, true)
    );
    let pruned = state.prune(at(1120)).unwrap();
    assert_eq!((pruned.by_age, pruned.by_count), (1, 0));
    assert!(
        !state.seen("old2").unwrap() && state.seen("mid").unwrap() && state.seen("new").unwrap()
    );
    // A forgotten id alerts again if re-delivered: the window is a window.
    assert_eq!(
        state
            .commit_batch_at("s", "4", &[alert("old1", "x")], at(1121))
            .unwrap()
            .len(),
        1
    );
    // Pruning never touches the outbox.
    assert_eq!(state.outbox_len().unwrap(), 5);
}

#[test]
fn errors_name_the_file() {
    let path = temp("locked");
    let _held = State::open(&path).unwrap();
    let err = State::open(&path).unwrap_err();
    assert!(matches!(err, StateError::Open { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );

    let garbage = temp("garbage");
    std::fs::write(
        &garbage,
        b"this is not a redb file, just some text that is long enough to look at",
    )
    .unwrap();
    let err = State::open(&garbage).unwrap_err();
    assert!(
        err.to_string().contains(&garbage.display().to_string()),
        "{err}"
    );
}

#[test]
fn undeliverable_alert_stays_in_the_outbox_until_the_receiver_is_back() {
    let state = State::open(temp("down")).unwrap();
    state.commit_batch("s", "1", &[alert("e1", "4.3")]).unwrap();
    let port = server::dead_port();
    let hook = WebhookNotifier::with_timeout(
        format!("http://127.0.0.1:{port}/h"),
        b"k".to_vec(),
        Duration::from_secs(2),
    );
    let policy = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(10),
    };

    // Round 1: receiver down.
    for entry in state.outbox().unwrap() {
        let err = deliver(&hook, &entry.notification, &policy, &ThreadSleeper).unwrap_err();
        assert!(err.error.is_retryable(), "{err}");
        state.record_failure(entry.id, &err.to_string()).unwrap();
    }
    let kept = state.outbox().unwrap();
    assert_eq!(keys(&kept), ["e1#4.3"]);
    assert_eq!(kept[0].attempts, 1);

    // Round 2: receiver back on the same port.
    let server = server::TestServer::start_on(&format!("127.0.0.1:{port}"), vec![]);
    for entry in state.outbox().unwrap() {
        deliver(&hook, &entry.notification, &policy, &ThreadSleeper).unwrap();
        state.delivered(entry.id).unwrap();
    }
    assert_eq!(state.outbox_len().unwrap(), 0);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("idempotency-key"), Some("e1#4.3"));
}

#[test]
fn deliver_outbox_tracks_each_destination_and_keeps_failures() {
    let state = State::open(temp("fanout")).unwrap();
    state
        .commit_batch("s", "1", &[alert("e1", "4.3"), alert("e2", "4.4")])
        .unwrap();
    let up = server::TestServer::start(vec![]);
    let down_port = server::dead_port();
    let slack = trailwarden_notify::SlackNotifier::new(up.url("/slack"));
    let hook = WebhookNotifier::with_timeout(
        format!("http://127.0.0.1:{down_port}/h"),
        b"k".to_vec(),
        Duration::from_secs(2),
    );
    let policy = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(10),
    };

    // Round 1: Slack gets both, the webhook is down (tried once, then skipped for the round).
    let report = state
        .deliver_outbox(
            &[("slack", &slack), ("webhook", &hook)],
            &policy,
            &ThreadSleeper,
        )
        .unwrap();
    assert_eq!(
        (report.delivered, report.failed, report.deferred),
        (0, 1, 1)
    );
    assert!(report.last_error.unwrap().contains("webhook"));
    assert_eq!(up.received().len(), 2);
    let kept = state.outbox().unwrap();
    assert_eq!(keys(&kept), ["e1#4.3", "e2#4.4"]);
    assert!(kept.iter().all(|e| e.delivered_to == ["slack"]));
    assert_eq!((kept[0].attempts, kept[1].attempts), (1, 0));

    // Round 2: the webhook is back; Slack is not sent the same alerts again.
    let hook_server = server::TestServer::start_on(&format!("127.0.0.1:{down_port}"), vec![]);
    let report = state
        .deliver_outbox(
            &[("slack", &slack), ("webhook", &hook)],
            &policy,
            &ThreadSleeper,
        )
        .unwrap();
    assert_eq!(
        (report.delivered, report.failed, report.deferred),
        (2, 0, 0)
    );
    assert_eq!(up.received().len(), 2);
    assert_eq!(hook_server.received().len(), 2);
    assert_eq!(state.outbox_len().unwrap(), 0);
}

#[test]
fn deliver_outbox_keeps_permanently_failing_alerts() {
    let state = State::open(temp("permanent")).unwrap();
    state.commit_batch("s", "1", &[alert("e1", "4.3")]).unwrap();
    let server = server::TestServer::start(vec![server::Reply::new(404, "no_service")]);
    let slack = trailwarden_notify::SlackNotifier::new(server.url("/gone"));
    let report = state
        .deliver_outbox(
            &[("slack", &slack)],
            &RetryPolicy::default(),
            &ThreadSleeper,
        )
        .unwrap();
    assert_eq!(report.failed, 1);
    let kept = state.outbox().unwrap();
    assert_eq!(kept.len(), 1);
    assert!(
        kept[0].last_error.as_deref().unwrap().contains("HTTP 404"),
        "{:?}",
        kept[0].last_error
    );
}
