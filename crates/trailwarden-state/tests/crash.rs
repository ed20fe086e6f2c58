//! The crash contract, tested with real `kill -9`: a worker process commits batches and delivers from
//! the outbox; we kill it at random moments, restart it, and check at the end that every alert was
//! delivered, and that the only duplicates are the documented ones (delivered, then killed before the
//! outbox removal committed).
//!
//! The worker is this same test binary re-executed with `TW_CRASH_WORKER` set (see [`crash_worker`]),
//! so no extra binary ships with the library.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use trailwarden_notify::{
    Notification, Notifier, NotifyError, RetryPolicy, Severity, ThreadSleeper,
};
use trailwarden_state::State;

const BATCHES: usize = 40;
/// Runs started (and killed if still running after a random delay) before the final one.
const RUNS: usize = 10;
const SOURCE: &str = "generated";

/// Batch `i`'s alerts: event `e{i}-0` matches two controls; `e{i}-1..3` one each; and the previous
/// batch's `e{i-1}-1` is delivered again (a CloudTrail duplicate) and must be skipped.
fn batch(i: usize) -> Vec<(String, Notification)> {
    let mut out = Vec::new();
    let mut add = |event: String, control: &str| {
        let n = Notification::new(
            format!("CIS {control}"),
            format!("{event} matched"),
            Severity::High,
            format!("{event}#{control}"),
        );
        out.push((event, n));
    };
    if i > 0 {
        add(format!("e{}-1", i - 1), "4.10");
    }
    add(format!("e{i}-0"), "4.3");
    add(format!("e{i}-0"), "4.1");
    for j in 1..4 {
        add(format!("e{i}-{j}"), "4.10");
    }
    out
}

fn expected() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for i in 0..BATCHES {
        keys.insert(format!("e{i}-0#4.3"));
        keys.insert(format!("e{i}-0#4.1"));
        for j in 1..4 {
            keys.insert(format!("e{i}-{j}#4.10"));
        }
    }
    keys
}

/// "Delivers" by appending `deliver <key>` to a file, one `write` per line (a kill cannot cut a line).
struct FileNotifier(PathBuf);

impl Notifier for FileNotifier {
    fn name(&self) -> &'static str {
        "file"
    }
    fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        append(&self.0, &format!("deliver {}\n", n.dedup_key))
            .map_err(|e| NotifyError::retryable("file", e.to_string()))
    }
}

fn append(path: &Path, line: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(line.as_bytes())
}

/// The worker's loop, exactly what the detector does: deliver what waits in the outbox (removing each
/// entry only after success), then process the next batch after the checkpoint and commit it.
fn run_worker(state_path: &Path, out: &Path) {
    let state = State::open(state_path).unwrap();
    append(out, "start\n").unwrap();
    let notifier = FileNotifier(out.to_owned());
    loop {
        let report = state
            .deliver_outbox(
                &[("file", &notifier)],
                &RetryPolicy::default(),
                &ThreadSleeper,
            )
            .unwrap();
        assert_eq!((report.failed, report.deferred), (0, 0));
        let next: usize = state
            .checkpoint(SOURCE)
            .unwrap()
            .map_or(0, |c| c.parse().unwrap());
        if next >= BATCHES {
            return;
        }
        state
            .commit_batch(SOURCE, &(next + 1).to_string(), &batch(next))
            .unwrap();
    }
}

/// Entry point of the worker process; a no-op in a normal test run.
#[test]
fn crash_worker() {
    if let (Some(state), Some(out)) = (
        std::env::var_os("TW_CRASH_STATE"),
        std::env::var_os("TW_CRASH_OUT"),
    ) {
        run_worker(Path::new(&state), Path::new(&out));
    }
}

fn worker(state: &Path, out: &Path) -> std::process::Child {
    worker_command(state, out)
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

fn worker_command(state: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["crash_worker", "--exact", "--test-threads=1", "--quiet"])
        .env("TW_CRASH_STATE", state)
        .env("TW_CRASH_OUT", out)
        .stderr(Stdio::inherit());
    cmd
}

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tw-crash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn kill_9_at_random_points_loses_nothing_and_duplicates_only_in_the_window() {
    // Calibrate: how long does an uninterrupted run take here?
    let calib = dir("calibrate");
    let started = Instant::now();
    assert!(worker(&calib.join("state.redb"), &calib.join("out"))
        .wait()
        .unwrap()
        .success());
    let full = started.elapsed();
    let calib_lines = std::fs::read_to_string(calib.join("out")).unwrap();
    assert_eq!(
        calib_lines
            .lines()
            .filter(|l| l.starts_with("deliver "))
            .count(),
        expected().len()
    );

    let d = dir("kills");
    let (state, out) = (d.join("state.redb"), d.join("out"));
    let mut kills = 0;
    for run in 0..RUNS {
        let mut child = worker(&state, &out);
        let delay = if run == 0 {
            // Kill the very first run early, often while it is still creating the state file.
            Duration::from_millis(fastrand::u64(0..30))
        } else {
            // Anywhere from start-up to a fifth of a full run: each run gets somewhat further, so the
            // kills spread over the whole input and land in start-up, commits, deliveries and removals.
            Duration::from_micros(fastrand::u64(0..full.as_micros() as u64 / 5))
        };
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(kills > RUNS / 3, "only {kills} of {RUNS} runs were killed mid-way; the test proves little (full run {full:?})");
    let last = worker_command(&state, &out).output().unwrap();
    assert!(
        last.status.success(),
        "the final run failed: {}",
        String::from_utf8_lossy(&last.stdout)
    );

    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(key) = line.strip_prefix("deliver ") {
            let seen = count.entry(key).or_default();
            *seen += 1;
            if *seen > 1 {
                // A duplicate is legitimate only if the previous copy was the last thing a killed process did.
                let previous = lines[..i].iter().rposition(|l| *l == *line).unwrap();
                assert_eq!(
                    lines.get(previous + 1),
                    Some(&"start"),
                    "{key} duplicated outside the window:\n{text}"
                );
            }
        } else {
            assert_eq!(*line, "start", "unexpected line {line:?}");
        }
    }
    let delivered: BTreeSet<String> = count.keys().map(|k| k.to_string()).collect();
    assert_eq!(
        delivered,
        expected(),
        "every alert delivered, none invented"
    );
    let duplicates: usize = count.values().map(|c| c - 1).sum();
    assert!(
        duplicates <= kills,
        "{duplicates} duplicates for {kills} kills"
    );
    // A run killed during start-up may not have written its marker; every completed run has.
    let starts = lines.iter().filter(|l| **l == "start").count();
    assert!(
        (RUNS - kills + 1..=RUNS + 1).contains(&starts),
        "{starts} start markers"
    );

    let state = State::open(&state).unwrap();
    assert_eq!(state.outbox_len().unwrap(), 0);
    assert_eq!(state.checkpoint(SOURCE).unwrap(), Some(BATCHES.to_string()));
    drop(state);
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::remove_dir_all(&calib);
    eprintln!("crash test: {kills} kills, {duplicates} duplicate deliveries (full run {full:?})");
}
