//! The detector's speed on the 15 CIS v3.0.0 patterns over real-shaped CloudTrail records.
//!
//! Corpus: the 797 shared sample records (`/work/shared/data/cloudtrail-samples`, or
//! `$CLOUDTRAIL_SAMPLES`), as compact one-line JSON, replicated in memory to about 4 MB.
//!
//! * `one_pattern/4.N/{plain,set}` — one compiled pattern on an already-parsed `serde_json::Value`
//!   (time per record, cycling through 16 parsed sample records): `Pattern::matches_json`, and the pattern alone in a `PatternSet`
//!   (`first_matches_value`, which resolves each selector once).
//! * `one_compiled/4.N/compiled` — the same, with `Pattern::compile()` once, then
//!   `CompiledPattern::matches_json` (one resolution per same-selector `||` group, one set lookup).
//! * `all15/*` — parse + evaluate all 15 patterns on raw bytes, with `Throughput::Bytes`:
//!   `serde_value` (the baseline: `serde_json::from_slice` + 15 evaluations), `raw_event`
//!   (`RawEvent` + 15 evaluations) and `pattern_set` (prefilter + one-pass extraction).
//! * `all15_nomatch/*` — the same two ends on the records that match none of the 15.
//!
//! Run: `cargo bench -p cwl-filter --bench cis` (or `bench/cwl-filter.sh`).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use cwl_filter::raw::RawEvent;
use cwl_filter::set::{PatternSet, Scratch};
use cwl_filter::Pattern;

const TARGET_BYTES: usize = 4 << 20;

fn samples_dir() -> PathBuf {
    std::env::var_os("CLOUDTRAIL_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/cloudtrail-samples"))
}

fn records() -> Vec<String> {
    let dir = samples_dir();
    let mut out = Vec::new();
    for name in [
        "panther-analysis-rule-tests.ndjson",
        "aws-cloudtrail-user-guide-examples.ndjson",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).expect("sample NDJSON file");
        out.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string),
        );
    }
    let mut files: Vec<_> = std::fs::read_dir(dir.join("stratus-red-team"))
        .expect("stratus-red-team folder")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    for f in files {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).expect("read")).expect("json");
        for r in v["Records"].as_array().expect("Records array") {
            out.push(serde_json::to_string(r).expect("serialise"));
        }
    }
    out
}

fn corpus() -> Vec<Vec<u8>> {
    let base = records();
    let mut out = Vec::new();
    let mut bytes = 0;
    while bytes < TARGET_BYTES {
        for r in &base {
            bytes += r.len();
            out.push(r.clone().into_bytes());
        }
    }
    out
}

fn cis() -> Vec<Pattern> {
    include_str!("cis_v3.txt")
        .lines()
        .map(|l| Pattern::parse(l).expect("CIS pattern"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let patterns = cis();
    let corpus = corpus();
    let total: usize = corpus.iter().map(Vec::len).sum();
    // 16 records spread over the samples, parsed: small enough to stay in cache, as a record is
    // right after parsing in the detector.
    let values: Vec<serde_json::Value> = records()
        .iter()
        .step_by(50)
        .map(|r| serde_json::from_str(r).expect("json"))
        .collect();
    eprintln!(
        "corpus: {} records, {} bytes ({:.0} B/record)",
        corpus.len(),
        total,
        total as f64 / corpus.len() as f64
    );

    // Per record, cycling through the samples. `plain`: `Pattern::matches_json`; `set`: the same
    // pattern compiled alone into a `PatternSet` (each wildcard-free selector resolved once).
    let mut g = c.benchmark_group("one_pattern");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    for (idx, p) in patterns.iter().enumerate() {
        let mut i = 0;
        g.bench_function(format!("4.{}/plain", idx + 1), |b| {
            b.iter(|| {
                i = (i + 1) % values.len();
                black_box(p.matches_json(black_box(&values[i])))
            })
        });
        let single = PatternSet::new(vec![p.clone()]);
        g.bench_function(format!("4.{}/set", idx + 1), |b| {
            b.iter(|| {
                i = (i + 1) % values.len();
                black_box(single.first_matches_value(black_box(&values[i])))
            })
        });
    }
    g.finish();

    // The same per-record measure for `CompiledPattern::matches_json` (`Pattern::compile`, once).
    let mut g = c.benchmark_group("one_compiled");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    for (idx, p) in patterns.iter().enumerate() {
        let mut i = 0;
        let compiled = p.compile();
        g.bench_function(format!("4.{}/compiled", idx + 1), |b| {
            b.iter(|| {
                i = (i + 1) % values.len();
                black_box(compiled.matches_json(black_box(&values[i])))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("all15");
    g.throughput(Throughput::Bytes(total as u64));
    g.sample_size(10);
    g.bench_function("serde_value", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for r in &corpus {
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(r) {
                    hits += patterns.iter().filter(|p| p.matches_json(&v)).count();
                }
            }
            black_box(hits)
        })
    });
    g.bench_function("raw_event", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for r in &corpus {
                if let Some(e) = RawEvent::from_bytes(r) {
                    hits += patterns.iter().filter(|p| p.matches_event(&e)).count();
                }
            }
            black_box(hits)
        })
    });
    let set = PatternSet::new(patterns.clone());
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    g.bench_function("pattern_set", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for r in &corpus {
                set.matches_into(r, &mut scratch, &mut out);
                hits += out.len();
            }
            black_box(hits)
        })
    });
    g.finish();

    // The same on the records that match none of the 15 (ordinary traffic is mostly such).
    let benign: Vec<&Vec<u8>> = corpus
        .iter()
        .filter(|r| {
            let text = std::str::from_utf8(r).expect("UTF-8");
            !patterns.iter().any(|p| p.matches_message(text))
        })
        .collect();
    let benign_bytes: usize = benign.iter().map(|r| r.len()).sum();
    eprintln!("benign: {} records, {} bytes", benign.len(), benign_bytes);
    let mut g = c.benchmark_group("all15_nomatch");
    g.throughput(Throughput::Bytes(benign_bytes as u64));
    g.sample_size(10);
    g.bench_function("serde_value", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for r in &benign {
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(r) {
                    hits += patterns.iter().filter(|p| p.matches_json(&v)).count();
                }
            }
            black_box(hits)
        })
    });
    g.bench_function("pattern_set", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for r in &benign {
                set.matches_into(r, &mut scratch, &mut out);
                hits += out.len();
            }
            black_box(hits)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
