//! `trailwarden detect --notify webhook:… --state …` under `kill -9`: the detector is killed at
//! random moments (while reading its inputs, committing to the outbox, or delivering), restarted
//! with the same state file, and finally run to completion. The loopback receiver must then have
//! seen every monitored event exactly once, except for the one documented duplicate window of
//! `trailwarden-state`: a notification the receiver accepted just before the kill, whose outbox
//! removal never committed, is sent again after the restart.
//!
//! Both with one notification per alert (`--group-window 0`) and with the default grouping, where
//! a re-sent group must keep its idempotency key (its members leave the outbox together).
//!
//! Each run posts to its own URL path (`/run-<n>`), so every received request is attributed to the
//! process that sent it without any timing guesswork.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use serde_json::{json, Value};
use trailwarden_detect::notify::webhook;

const SECRET: &str = "crash-secret";
const OBJECTS: usize = 40;
const RECORDS: usize = 50;
/// Monitored events (StopLogging, CIS 4.5) per object; the other records are noise.
const MONITORED: usize = 5;
/// Runs started and killed (if still running) after a random delay, before the final one.
const RUNS: usize = 8;
/// The receiver answers after this long, so a full run's deliveries take seconds, not milliseconds.
const ANSWER_DELAY: Duration = Duration::from_millis(10);

/// One delivery the receiver accepted: which run sent it, its idempotency key, and the alerts it
/// carries as `event id#control` (one, or a group's).
#[derive(Clone, Debug)]
struct Received {
    run: usize,
    key: String,
    alerts: Vec<String>,
}

/// A loopback HTTP/1.1 receiver, one request at a time: checks each complete request's signature,
/// answers 200 after [`ANSWER_DELAY`] and records it (path → run number, idempotency key, alerts).
/// A request cut short by a kill is not a delivery and is not recorded; one whose sender died
/// while waiting for the answer was accepted, and is (the documented duplicate window).
fn serve() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            if let Some(r) = receive(stream) {
                log.lock().unwrap().push(r);
            }
        }
    });
    (port, seen)
}

fn receive(mut stream: std::net::TcpStream) -> Option<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let header = |k: &str| headers.get(k).map(String::as_str).unwrap_or("");
    webhook::verify(
        SECRET.as_bytes(),
        &body,
        header("x-trailwarden-signature"),
        header("x-trailwarden-timestamp"),
        now(),
        Duration::from_secs(300),
    )
    .unwrap_or_else(|e| panic!("bad signature: {e}"));
    let v: Value = serde_json::from_slice(&body).unwrap();
    let key = header("idempotency-key").to_string();
    assert_eq!(key, v["idempotency_key"].as_str().unwrap());
    let control = v["facts"]["Control"].as_str().unwrap();
    let alerts = match v["group"]["event_ids"].as_array() {
        None => vec![format!(
            "{}#{control}",
            v["alert"]["event_id"].as_str().unwrap()
        )],
        Some(ids) => {
            // Groups list at most 20 ids; ours stay far below that.
            assert_eq!(ids.len() as u64, v["group"]["count"].as_u64().unwrap());
            ids.iter()
                .map(|id| format!("{}#{control}", id.as_str().unwrap()))
                .collect()
        }
    };
    let run = path.strip_prefix("/run-")?.parse().ok()?;
    std::thread::sleep(ANSWER_DELAY);
    let _ =
        stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    Some(Received { run, key, alerts })
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn record(id: &str, name: &str, source: &str, second: usize, user: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "eventID": id,
        "eventTime": format!("2024-08-03T{:02}:{:02}:{:02}Z", second / 3600, second / 60 % 60, second % 60),
        "eventName": name,
        "eventSource": source,
        "awsRegion": "us-east-1",
        "recipientAccountId": "111122223333",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.30",
        "requestParameters": {"name": "main"},
        "responseElements": null,
        "userIdentity": {
            "type": "IAMUser",
            "userName": user,
            "accountId": "111122223333",
            "arn": format!("arn:aws:iam::111122223333:user/{user}"),
        },
    })
}

/// Writes the log objects; returns the idempotency keys the monitored events must produce.
/// Each object after the first also repeats one monitored record of the previous object (as
/// CloudTrail does across an organization and an account trail): it must not be notified twice.
fn generate(dir: &Path) -> BTreeSet<String> {
    let mut expected = BTreeSet::new();
    let mut second = 0;
    let mut previous: Option<Value> = None;
    for o in 0..OBJECTS {
        let mut records = Vec::new();
        for r in 0..RECORDS {
            second += 1;
            let user = format!("user-{}", r % 7);
            if r % (RECORDS / MONITORED) == 0 {
                let id = format!("stop-{o:02}-{r:02}");
                expected.insert(format!("{id}#4.5"));
                let rec = record(
                    &id,
                    "StopLogging",
                    "cloudtrail.amazonaws.com",
                    second,
                    &user,
                );
                if r == 0 {
                    if let Some(p) = previous.replace(rec.clone()) {
                        records.push(p);
                    }
                }
                records.push(rec);
            } else {
                let id = format!("noise-{o:02}-{r:02}");
                records.push(record(
                    &id,
                    "DescribeInstances",
                    "ec2.amazonaws.com",
                    second,
                    &user,
                ));
            }
        }
        let name = format!("111122223333_CloudTrail_us-east-1_20240803T{o:04}Z_crash.json.gz");
        let file = std::fs::File::create(dir.join(name)).unwrap();
        let mut gz = GzEncoder::new(file, flate2::Compression::fast());
        serde_json::to_writer(&mut gz, &json!({ "Records": records })).unwrap();
        gz.finish().unwrap();
    }
    expected
}

fn detect(logs: &Path, state: &Path, port: u16, run: usize, window: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailwarden"));
    cmd.arg("detect")
        .arg(logs)
        .args([
            "--format",
            "jsonl",
            "--group-window",
            window,
            "--mode",
            "event",
        ])
        .args([
            "--notify",
            &format!("webhook:http://127.0.0.1:{port}/run-{run}"),
        ])
        .args(["--webhook-secret", SECRET])
        .arg("--state")
        .arg(state)
        .env_remove("TRAILWARDEN_WEBHOOK_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tw-detect-crash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    dir
}

fn sent_by(seen: &Mutex<Vec<Received>>, run: usize) -> usize {
    seen.lock().unwrap().iter().filter(|x| x.run == run).count()
}

fn kill(mut child: Child) {
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
}

/// One notification per alert: every idempotency key is one event's.
#[test]
fn kill_9_mid_run_neither_loses_nor_repeats_an_alert() {
    let log = crash_scenario("single", "0", 1..=25);
    assert!(log
        .iter()
        .all(|x| x.alerts.len() == 1 && x.alerts[0] == x.key));
}

/// The default 300 s window: alerts travel in groups (per actor), counted by their event ids.
#[test]
fn kill_9_mid_run_with_grouped_notifications() {
    let log = crash_scenario("grouped", "300", 1..=4);
    assert!(
        log.iter().any(|x| x.alerts.len() > 1),
        "nothing was grouped"
    );
}

/// Generates the logs, runs the detector [`RUNS`] times killing each run (odd runs after a
/// number of its requests drawn from `kill_after`), then once to completion, and checks the
/// receiver's log; returns it.
fn crash_scenario(
    name: &str,
    window: &str,
    kill_after: std::ops::RangeInclusive<usize>,
) -> Vec<Received> {
    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = temp(name);
    let logs = dir.join("logs");
    let state = dir.join("state.redb");
    let expected = generate(&logs);
    assert_eq!(expected.len(), OBJECTS * MONITORED);
    let (port, seen) = serve();

    let started = Instant::now();
    // Runs killed while still running, and how many requests each had sent by then.
    let mut killed: Vec<usize> = Vec::new();
    for run in 0..RUNS {
        let mut child = detect(&logs, &state, port, run, window).spawn().unwrap();
        let t0 = Instant::now();
        if run % 2 == 0 {
            // Anywhere in start-up, reading and committing the inputs to the outbox.
            std::thread::sleep(Duration::from_millis(rng.u64(50..=500)));
        } else {
            // During delivery: after this run's n-th request reached the receiver, plus up to two
            // answer delays, so the kill lands before, during or after an answer and its removal.
            let n = rng.usize(kill_after.clone());
            while sent_by(&seen, run) < n && child.try_wait().unwrap().is_none() {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_micros(
                rng.u64(0..2 * ANSWER_DELAY.as_micros() as u64),
            ));
        }
        eprintln!(
            "run {run}: kill after {:?}, {} sent",
            t0.elapsed(),
            sent_by(&seen, run)
        );
        match child.try_wait().unwrap() {
            None => {
                kill(child);
                killed.push(run);
            }
            // Finished before its kill: everything was delivered; the remaining runs have nothing
            // left to do, and the checks below still hold.
            Some(status) => assert_eq!(status.code(), Some(1), "run {run} failed"),
        }
    }
    let last = detect(&logs, &state, port, RUNS, window).output().unwrap();
    assert!(
        matches!(last.status.code(), Some(0 | 1)),
        "the final run failed: {}",
        String::from_utf8_lossy(&last.stderr)
    );
    let elapsed = started.elapsed();

    let log = seen.lock().unwrap().clone();
    let diag = || {
        let per_run: Vec<usize> = (0..=RUNS)
            .map(|r| log.iter().filter(|x| x.run == r).count())
            .collect();
        format!("seed {seed}, killed runs {killed:?}, requests per run {per_run:?}, {elapsed:?}")
    };
    // Kills mid-way that interrupted deliveries: otherwise the test proves little.
    let cut_deliveries = killed
        .iter()
        .filter(|&&r| log.iter().any(|x| x.run == r))
        .count();
    assert!(
        killed.len() >= RUNS / 2 && cut_deliveries >= 2,
        "too few kills landed mid-run; lengthen the runs ({})",
        diag()
    );

    // Nothing lost, nothing invented.
    let delivered: BTreeSet<String> = log.iter().flat_map(|x| x.alerts.clone()).collect();
    assert_eq!(delivered, expected, "{}", diag());

    // Duplicates only in the documented window: every copy of an alert but its last must be in
    // the last request a killed run sent (accepted by the receiver, killed before the outbox
    // removal). At most one such request per kill.
    let mut copies: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, x) in log.iter().enumerate() {
        for a in &x.alerts {
            copies.entry(a).or_default().push(i);
        }
    }
    let mut duplicates = 0;
    let mut resent = BTreeSet::new();
    for (key, at) in &copies {
        for &i in &at[..at.len() - 1] {
            let run = log[i].run;
            let last_of_run = log.iter().rposition(|x| x.run == run) == Some(i);
            assert!(
                killed.contains(&run) && last_of_run,
                "{key} sent again although run {run} had completed its delivery ({})",
                diag()
            );
            duplicates += 1;
            resent.insert(i);
        }
    }
    assert!(resent.len() <= killed.len(), "{}", diag());
    // And each re-sent request is sent again as the same notification, so the receiver can drop
    // it by its idempotency key.
    for &i in &resent {
        let again = log[i + 1..]
            .iter()
            .find(|x| x.alerts.iter().any(|a| log[i].alerts.contains(a)))
            .unwrap();
        assert_eq!(
            (&again.key, &again.alerts),
            (&log[i].key, &log[i].alerts),
            "re-sent under another idempotency key ({}) {:?}",
            diag(),
            log.iter()
                .map(|x| (x.run, x.key.as_str()))
                .collect::<Vec<_>>()
        );
    }

    // The state is drained: a rerun sends nothing.
    let before = log.len();
    let summary = format!(
        "{duplicates} duplicate alerts in {} requests; {}",
        resent.len(),
        diag()
    );
    let again = detect(&logs, &state, port, RUNS + 1, window)
        .output()
        .unwrap();
    assert!(matches!(again.status.code(), Some(0 | 1)));
    assert_eq!(seen.lock().unwrap().len(), before, "a rerun sent again");

    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("detect crash test ({name}): {summary}");
    log
}
