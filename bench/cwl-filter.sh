#!/usr/bin/env bash
# Runs the cwl-filter detector benchmark (crates/cwl-filter/benches/cis.rs) and prints a summary
# of criterion's medians (from target/criterion/*/new/estimates.json) with MB/s where measured.
#
#   bench/cwl-filter.sh                 # full run (about 2 minutes)
#   bench/cwl-filter.sh all15           # only benchmarks whose id contains "all15"
#
# Environment: CLOUDTRAIL_SAMPLES (default /work/shared/data/cloudtrail-samples) — the corpus.
# Uses the `bench` profile (optimised, debug=1).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=$(mktemp)
log=$(mktemp)
trap 'rm -f "$stamp" "$log"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: cargo bench -p cwl-filter --bench cis -- $*"
cargo bench -p cwl-filter --bench cis -- "$@" >"$log" 2>&1 || { tail -30 "$log"; exit 1; }
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E '^(corpus|benign):' "$log" || true
echo

python3 - "$stamp" <<'PY'
import json, os, sys, pathlib
since = os.path.getmtime(sys.argv[1])
rows = []
for est in pathlib.Path("target/criterion").glob("**/new/estimates.json"):
    if os.path.getmtime(est) < since:
        continue
    bench = json.loads((est.parent / "benchmark.json").read_text())
    e = json.loads(est.read_text())
    median_ns = e["median"]["point_estimate"]
    thr = bench.get("throughput") or {}
    mbs = ""
    if "Bytes" in thr:
        mbs = "%.0f MB/s" % (thr["Bytes"] / (median_ns / 1e9) / 1e6)
    t = "%.1f ns" % median_ns if median_ns < 1e4 else "%.2f ms" % (median_ns / 1e6)
    rows.append((bench["full_id"], t, mbs))
print("%-34s %14s %12s" % ("benchmark", "median", "throughput"))
for r in sorted(rows, key=lambda r: [int(x) if x.isdigit() else x for x in r[0].replace(".", "/").split("/")]):
    print("%-34s %14s %12s" % r)
PY
