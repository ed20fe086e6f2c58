//! The whole-corpus equality check of the "Detector at hardware speed" work, run in CI.
//!
//! `bench/detect.sh` times the detector on a generated corpus and compares its (control, eventID)
//! pairs with jq and a Python loop; this test makes the same corpus (smaller: ~12 MB, about
//! 8,000 records, same generator and mix: 1 % monitored events, 3 % refused calls) and requires
//! every fast configuration — NDJSON sliced over threads, `.json.gz` objects over threads, one
//! thread — to give exactly what the reference path gives (every record parsed into a
//! `serde_json::Value`, each pattern evaluated by cwl-filter's reference evaluator): the same
//! alerts in the same order, and the same counters — except, where NDJSON lines are skimmed
//! (`Detector::with_skim`, the default), that the lines passed over are counted as skimmed
//! instead of as records. Rules: the 15 CIS v3.0.0 patterns and the
//! 50 custom rules of the "+ 50 rules" runs.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use trailwarden_detect::source::FsSource;
use trailwarden_detect::{Detector, Rule, Stats};

fn rules() -> Vec<Rule> {
    let mut rules = common::cis_v3_rules();
    assert_eq!(rules.len(), 15);
    let custom = include_str!("../../../bench/detect/rules50.toml");
    rules.extend(trailwarden_detect::rules::parse_rules(custom, "rules50.toml").unwrap());
    assert_eq!(rules.len(), 65);
    rules
}

/// The corpus, generated once per test process.
fn corpus() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("tw-corpus-test-{}", std::process::id()));
        trailwarden_corpus::write(&trailwarden_corpus::Args {
            out: out.clone(),
            size: 12_000_000,
            seed: 6,
            per_object: 1000,
        })
        .unwrap();
        out
    })
}

/// `(rule, eventID)` of every alert in order, the problems, and the counters.
fn run(path: &Path, threads: usize, fast: bool) -> (Vec<String>, Vec<String>, Stats) {
    run_with(path, threads, fast, true)
}

fn run_with(
    path: &Path,
    threads: usize,
    fast: bool,
    skim: bool,
) -> (Vec<String>, Vec<String>, Stats) {
    let mut d = Detector::new(rules())
        .with_threads(threads)
        .with_fast_path(fast)
        .with_skim(skim);
    let mut alerts = Vec::new();
    let mut problems = Vec::new();
    d.run(
        &mut FsSource::new(&[path.to_path_buf()]),
        &mut alerts,
        &mut |p| problems.push(p.to_string()),
    )
    .unwrap();
    let pairs = alerts
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a.rule_label(),
                a.event_id.as_deref().unwrap_or("-")
            )
        })
        .collect();
    (pairs, problems, d.stats)
}

#[test]
fn fast_paths_equal_the_reference_on_the_whole_corpus() {
    let ndjson = corpus().join("ndjson/cloudtrail.ndjson");
    let objects = corpus().join("s3");
    let reference = run(&ndjson, 1, false);
    let (pairs, problems, stats) = &reference;
    // Not vacuous: most CIS controls fire (4.7's six events per 100 MB may not be in 12 MB),
    // custom rules fire, thousands of records, no problems.
    let fired: std::collections::BTreeSet<&str> =
        pairs.iter().filter_map(|p| p.split(' ').next()).collect();
    let cis = fired.iter().filter(|r| r.starts_with("4.")).count();
    assert!(cis >= 13, "{fired:?}");
    assert!(fired.len() > cis, "some custom rule fires: {fired:?}");
    assert!(stats.records > 7_000, "{stats:?}");
    assert!(pairs.len() > 300, "{}", pairs.len());
    assert!(problems.is_empty(), "{problems:?}");

    // NDJSON in slices over threads, and on one thread: identical, in the same order.
    assert!(
        std::fs::metadata(&ndjson).unwrap().len() > 3 * trailwarden_detect::pipeline::SLICE as u64
    );
    for threads in [1, 3] {
        // Every line read: every counter equal.
        let (fast_pairs, fast_problems, fast_stats) = run_with(&ndjson, threads, true, false);
        same_pairs(&fast_pairs, pairs, &format!("NDJSON, {threads} thread(s)"));
        assert_eq!(&fast_problems, problems);
        assert_eq!(&fast_stats, stats, "NDJSON, {threads} thread(s)");
        // Skimmed (the default): the same alerts and problems; most lines passed over, each
        // counted once, as a record or as skimmed.
        let (fast_pairs, fast_problems, fast_stats) = run(&ndjson, threads, true);
        same_pairs(
            &fast_pairs,
            pairs,
            &format!("NDJSON skimmed, {threads} thread(s)"),
        );
        assert_eq!(&fast_problems, problems);
        assert_eq!(fast_stats.records + fast_stats.skimmed, stats.records);
        // (With the 50 custom rules' literals, about half of the corpus stays to be read.)
        assert!(fast_stats.skimmed > stats.records / 3, "{fast_stats:?}");
        let counted = Stats {
            records: stats.records,
            skimmed: 0,
            ..fast_stats
        };
        assert_eq!(&counted, stats, "NDJSON skimmed, {threads} thread(s)");
    }
    // The same records as CloudTrail objects: the same pairs. Objects are read in path order
    // (account, region, time), so the order differs from the NDJSON's time order.
    let mut sorted = pairs.clone();
    sorted.sort();
    for threads in [1, 3] {
        let (mut gz_pairs, gz_problems, gz_stats) = run(&objects, threads, true);
        gz_pairs.sort();
        same_pairs(
            &gz_pairs,
            &sorted,
            &format!(".json.gz, {threads} thread(s)"),
        );
        assert!(gz_problems.is_empty(), "{gz_problems:?}");
        assert_eq!(gz_stats.records, stats.records);
        assert_eq!(gz_stats.alerts, stats.alerts);
        assert!(gz_stats.inputs > 5, "{gz_stats:?}");
    }
    let _ = std::fs::remove_dir_all(corpus());
}

/// Equal lists, or a short report of the first difference (the lists have thousands of items).
fn same_pairs(got: &[String], want: &[String], what: &str) {
    if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        panic!(
            "{what}: {} pairs, reference {}; first difference at {i}: {:?} vs reference {:?}",
            got.len(),
            want.len(),
            got.get(i),
            want.get(i)
        );
    }
}
