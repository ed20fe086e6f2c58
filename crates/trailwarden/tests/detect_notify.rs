//! `trailwarden detect --notify webhook:…` end to end against a real loopback HTTP server:
//! signed payloads, grouping for notifications only, `--state` so a rerun sends nothing twice,
//! and undelivered notifications retried from the outbox by the next run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use trailwarden_detect::notify::webhook;

const SECRET: &str = "loopback-secret";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn detect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .current_dir(repo())
        .arg("detect")
        .args(args)
        .env_remove("TRAILWARDEN_WEBHOOK_SECRET")
        .output()
        .expect("run trailwarden")
}

/// One received request: lower-cased headers and the raw body.
#[derive(Clone, Debug)]
struct Request {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> &str {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// A minimal HTTP/1.1 server answering 200 to every request, recording them.
fn serve() -> (u16, Arc<Mutex<Vec<Request>>>) {
    serve_on(0)
}

fn serve_on(port: u16) -> (u16, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            let len = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            log.lock().unwrap().push(Request { headers, body });
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (port, seen)
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tw-detect-notify-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn payloads(seen: &Arc<Mutex<Vec<Request>>>) -> Vec<Value> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|r| {
            webhook::verify(
                SECRET.as_bytes(),
                &r.body,
                r.header("X-Trailwarden-Signature"),
                r.header("X-Trailwarden-Timestamp"),
                now(),
                Duration::from_secs(300),
            )
            .unwrap_or_else(|e| panic!("bad signature: {e}"));
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(
                r.header("Idempotency-Key"),
                v["idempotency_key"].as_str().unwrap()
            );
            v
        })
        .collect()
}

#[test]
fn webhook_payloads_are_signed_grouped_and_never_sent_twice() {
    let (port, seen) = serve();
    let dir = temp("twice");
    let state = dir.join("state.redb");
    // Three StopLogging calls by mallory within five minutes, a fourth an hour later.
    let burst: String = ["12:00:00", "12:01:30", "12:04:00", "13:00:00"]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "{{\"eventVersion\":\"1.08\",\"eventID\":\"burst-{i}\",\"eventTime\":\"2024-08-03T{t}Z\",\"eventName\":\"StopLogging\",\"eventSource\":\"cloudtrail.amazonaws.com\",\"awsRegion\":\"us-east-1\",\"recipientAccountId\":\"111122223333\",\"requestParameters\":{{\"name\":\"main\"}},\"userIdentity\":{{\"type\":\"IAMUser\",\"userName\":\"mallory\",\"accountId\":\"111122223333\"}}}}\n"
            )
        })
        .collect();
    let burst_file = dir.join("burst.ndjson");
    std::fs::write(&burst_file, burst).unwrap();
    let hook = format!("webhook:http://127.0.0.1:{port}/hook");
    let args = [
        "examples/logs",
        burst_file.to_str().unwrap(),
        "--format",
        "jsonl",
        "--notify",
        &hook,
        "--webhook-secret",
        SECRET,
        "--state",
        state.to_str().unwrap(),
    ];
    let first = detect(&args);
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&first.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got = payloads(&seen);
    assert!(!got.is_empty());
    // stdout stays one line per (event, control); notifications group per (actor, control).
    let covered: u64 = got
        .iter()
        .map(|p| p["group"]["count"].as_u64().unwrap_or(1))
        .sum();
    assert_eq!(covered as usize, lines.len());
    // The examples' alerts each stand alone; the burst's first three make one notification.
    assert_eq!(got.len(), lines.len() - 2);
    let grouped: Vec<&Value> = got.iter().filter(|p| !p["group"].is_null()).collect();
    assert_eq!(grouped.len(), 1, "{grouped:#?}");
    let g = &grouped[0]["group"];
    assert_eq!(g["count"], 3);
    assert_eq!(g["key"], "4.5 by mallory");
    assert_eq!(g["first_time"], "2024-08-03T12:00:00Z");
    assert_eq!(g["last_time"], "2024-08-03T12:04:00Z");
    assert_eq!(
        g["event_ids"],
        serde_json::json!(["burst-0", "burst-1", "burst-2"])
    );
    for p in &got {
        let alert = &p["alert"];
        assert!(p["facts"]["Control"].as_str().is_some());
        assert_eq!(p["facts"]["Actor"], alert["actor"]);
        assert!(p["title"].as_str().unwrap().contains("(CIS "));
        if let Some(n) = p["group"]["count"].as_u64() {
            assert!(n > 1);
            assert_eq!(
                p["group"]["key"].as_str().unwrap(),
                format!(
                    "{} by {}",
                    alert["control"].as_str().unwrap(),
                    alert["actor"].as_str().unwrap()
                )
            );
        }
    }

    // The same history again with the same state: alerts are printed, nothing is sent.
    let second = detect(&args);
    assert_eq!(second.status.code(), Some(1));
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(payloads(&seen).len(), got.len(), "no second delivery");
    assert!(String::from_utf8_lossy(&second.stderr).contains("0 new in the outbox, 0 sent"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn undelivered_notifications_wait_in_the_outbox_for_the_next_run() {
    // A port nobody listens on: bind, note the port, close.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp("outbox");
    let state = dir.join("state.redb");
    let run = |port: u16| {
        detect(&[
            "examples/logs",
            "--controls",
            "4.10",
            "-q",
            "--notify",
            &format!("webhook:http://127.0.0.1:{port}/"),
            "--webhook-secret",
            SECRET,
            "--notify-attempts",
            "1",
            "--state",
            state.to_str().unwrap(),
            "--group-window",
            "0",
        ])
    };
    let failed = run(dead);
    assert!(String::from_utf8_lossy(&failed.stderr).contains("not delivered"));

    let (port, seen) = serve();
    let retried = run(port);
    assert_eq!(retried.status.code(), Some(1));
    let got = payloads(&seen);
    let alerts = String::from_utf8_lossy(&retried.stdout)
        .lines()
        .filter(|l| {
            l.starts_with("CRITICAL")
                || l.starts_with("HIGH")
                || l.starts_with("MEDIUM")
                || l.starts_with("LOW")
        })
        .count();
    assert!(alerts > 0);
    assert_eq!(
        got.len(),
        alerts,
        "every alert of the failed run, delivered from the outbox"
    );
    assert!(
        got.iter().all(|p| p["group"].is_null()),
        "a zero window groups nothing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_webhook_needs_a_secret_and_backtest_prints_the_alarm_timeline() {
    let out = detect(&["examples/logs", "--notify", "webhook:http://127.0.0.1:9/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--webhook-secret"));

    let out = detect(&[
        "examples/logs",
        "--backtest",
        "--controls",
        "4.10",
        "--format",
        "jsonl",
    ]);
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let t = &lines[0];
    assert_eq!(t["control"], "4.10");
    let events = t["events"].as_u64().unwrap();
    assert!(events > 0);
    assert_eq!(
        events,
        t["announced"].as_u64().unwrap()
            + t["silent_in_alarm"].as_u64().unwrap()
            + t["below_alarm"].as_u64().unwrap()
    );
    let transitions = t["transitions"].as_array().unwrap();
    assert_eq!(transitions[0]["from"], "OK");
    assert_eq!(transitions[0]["to"], "ALARM");
    // Every ALARM ends in OK with the default notBreaching treatment.
    assert_eq!(transitions.last().unwrap()["to"], "OK");

    let out = detect(&["examples/logs", "--backtest", "--alarm-datapoints", "2"]);
    assert_eq!(out.status.code(), Some(2), "M > N is rejected");
}

#[test]
fn cloudwatch_mode_notifies_state_changes_once() {
    let (port, seen) = serve();
    let dir = temp("cloudwatch");
    let state = dir.join("state.redb");
    let hook = format!("webhook:http://127.0.0.1:{port}/");
    let args = [
        "examples/logs",
        "--controls",
        "4.10",
        "--mode",
        "cloudwatch",
        "--format",
        "jsonl",
        "--notify",
        &hook,
        "--webhook-secret",
        SECRET,
        "--state",
        state.to_str().unwrap(),
    ];
    let backtest = detect(&[
        "examples/logs",
        "--controls",
        "4.10",
        "--backtest",
        "--format",
        "jsonl",
    ]);
    let timeline: Value = serde_json::from_slice(&backtest.stdout).unwrap();
    let transitions = timeline["transitions"].as_array().unwrap();

    let first = detect(&args);
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // stdout is still one line per event; notifications are the alarm's transitions.
    assert_eq!(
        String::from_utf8_lossy(&first.stdout).lines().count() as u64,
        timeline["events"].as_u64().unwrap()
    );
    let got = payloads(&seen);
    assert_eq!(got.len(), transitions.len());
    for (p, t) in got.iter().zip(transitions) {
        assert_eq!(
            p["facts"]["State change"],
            format!(
                "{} -> {}",
                t["from"].as_str().unwrap(),
                t["to"].as_str().unwrap()
            )
        );
        assert_eq!(p["facts"]["Time"], t["at"]);
        assert_eq!(p["summary"], t["reason"]);
    }
    detect(&args);
    assert_eq!(
        payloads(&seen).len(),
        transitions.len(),
        "a rerun announces nothing again"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_notifier_that_already_has_an_alert_is_not_sent_it_again() {
    let (alive, alive_seen) = serve();
    // A port nobody listens on yet; the second run serves it.
    let late = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp("destinations");
    let state = dir.join("state.redb");
    let run = || {
        detect(&[
            "examples/logs",
            "--controls",
            "4.10",
            "-q",
            "--notify",
            &format!("webhook:http://127.0.0.1:{alive}/"),
            "--notify",
            &format!("webhook:http://127.0.0.1:{late}/"),
            "--webhook-secret",
            SECRET,
            "--notify-attempts",
            "1",
            "--state",
            state.to_str().unwrap(),
        ])
    };
    let first = run();
    assert!(String::from_utf8_lossy(&first.stderr).contains("not delivered"));
    let n = payloads(&alive_seen).len();
    assert!(n > 0);

    let (_, late_seen) = serve_on(late);
    let second = run();
    assert!(!String::from_utf8_lossy(&second.stderr).contains("not delivered"));
    assert_eq!(
        payloads(&late_seen).len(),
        n,
        "the late webhook gets every alert"
    );
    assert_eq!(
        payloads(&alive_seen).len(),
        n,
        "the first webhook gets nothing twice"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
