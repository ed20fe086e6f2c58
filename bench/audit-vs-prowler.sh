#!/usr/bin/env bash
# Audit benchmark: trailwarden vs Prowler on one moto account, all regions, in the same run.
#
#   bench/audit-vs-prowler.sh            # RUNS=3 timed runs of each tool (default)
#   RUNS=1 bench/audit-vs-prowler.sh     # quicker
#
# What it does:
# 1. bench/.venv (gitignored): pinned Prowler, installed once (PROWLER_VERSION). moto comes from the repository's
#    .venv (scripts/setup-moto.sh, the version the tests pin): asking pip for prowler and moto[server] in one venv
#    left its resolver backtracking for minutes (Prowler pins boto3/botocore and Flask's stack exactly).
# 2. target/release/trailwarden, built once if missing (`cargo build --release -p trailwarden`).
# 3. moto's server wrapped by bench/audit/counting_moto.py, which logs every AWS request with the region and
#    service it was signed for, so both tools are counted the same way (from the server's side).
# 4. bench/audit/seed.py seeds the account (one scenario per CIS §4 control, see that file).
# 5. Times `trailwarden audit --regions all` and `prowler aws --checks <the 16 CIS §4 checks>`, alternating, RUNS
#    times each; every run is fresh (no cache on either side).
# 6. bench/audit/report.py prints the figures, requests per region, and the verdicts side by side.
#
# Output: bench/out/audit-vs-prowler/ (gitignored under /bench/out): raw reports, request logs, summary.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PROWLER_VERSION="${PROWLER_VERSION:-5.46.0}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
RUNS="${RUNS:-3}"
VENV="$ROOT/bench/.venv"
OUT="$ROOT/bench/out/audit-vs-prowler"
# TRAILWARDEN_BIN: a prebuilt binary (e.g. built from a clean `git archive` while the tree is mid-edit).
TW="${TRAILWARDEN_BIN:-$ROOT/target/release/trailwarden}"

# The 16 Prowler checks of CIS v3.0.0 §4 (peer-checkers.md §1, names as in Prowler's check list).
PROWLER_CHECKS=(
    cloudwatch_log_metric_filter_unauthorized_api_calls
    cloudwatch_log_metric_filter_sign_in_without_mfa
    cloudwatch_log_metric_filter_root_usage
    cloudwatch_log_metric_filter_policy_changes
    cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled
    cloudwatch_log_metric_filter_authentication_failures
    cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk
    cloudwatch_log_metric_filter_for_s3_bucket_policy_changes
    cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled
    cloudwatch_log_metric_filter_security_group_changes
    cloudwatch_changes_to_network_acls_alarm_configured
    cloudwatch_changes_to_network_gateways_alarm_configured
    cloudwatch_changes_to_network_route_tables_alarm_configured
    cloudwatch_changes_to_vpcs_alarm_configured
    cloudwatch_log_metric_filter_aws_organizations_changes
    securityhub_enabled
)

# --- 1. the bench virtualenv ---------------------------------------------------------------------------
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('prowler') != '$PROWLER_VERSION')" 2>/dev/null; then
    echo "bench: installing prowler==$PROWLER_VERSION into $VENV (once; about 10 minutes)"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "prowler==$PROWLER_VERSION"
fi
MOTO_VERSION="$MOTO_VERSION" scripts/setup-moto.sh
MOTO_PY="$ROOT/.venv/bin/python"

# --- 2. the release binary -----------------------------------------------------------------------------
if [ -z "${TRAILWARDEN_BIN:-}" ] && { [ ! -x "$TW" ] || [ -n "${REBUILD:-}" ]; }; then
    echo "bench: cargo build --release -p trailwarden"
    cargo build --release -p trailwarden
fi

# --- 3. moto, counted ----------------------------------------------------------------------------------
rm -rf "$OUT"
mkdir -p "$OUT"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
LOG="$OUT/requests.ndjson"
: >"$LOG"
"$MOTO_PY" "$ROOT/bench/audit/counting_moto.py" "$PORT" "$LOG" >"$OUT/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
for _ in $(seq 120); do
    curl -fsS "$URL/moto-api/data.json" >/dev/null 2>&1 && break
    kill -0 "$MOTO_PID" 2>/dev/null || { cat "$OUT/moto.log"; echo "bench: moto did not start" >&2; exit 1; }
    sleep 0.5
done

# Fake credentials for moto's default account; nothing may read a real profile or reach AWS.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE

# --- 4. seed -------------------------------------------------------------------------------------------
"$MOTO_PY" "$ROOT/bench/audit/seed.py" "$URL" "$OUT/scenario.json"
PHASES="$OUT/phases.tsv"
printf 'phase\tfirst_line\tlast_line\twall_s\texit\n' >"$PHASES"
echo "seed	1	$(wc -l <"$LOG")	-	0" >>"$PHASES"

# Runs "$@" as phase $1, recording its request-log lines and wall time.
phase() {
    local name=$1
    shift
    local first=$(($(wc -l <"$LOG") + 1))
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    "$@" || rc=$?
    t1=$(date +%s.%N)
    sleep 0.3 # let moto's last log lines land
    local last
    last=$(wc -l <"$LOG")
    local wall
    wall=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$first" "$last" "$wall" "$rc" >>"$PHASES"
    echo "bench: $name: ${wall}s, $((last - first + 1)) requests, exit $rc"
}

echo "bench: machine $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "load_before	$(cut -d' ' -f1-3 /proc/loadavg)" >"$OUT/machine.tsv"

# --- 5. the runs ---------------------------------------------------------------------------------------
tw_run() {
    "$TW" audit --endpoint-url "$URL" --regions all --format json --output "$OUT/trailwarden-$1.json"
}
prowler_run() {
    # Recent botocore sends every client to AWS_ENDPOINT_URL. The dead proxy keeps anything that would not
    # go there (a version check, a missed endpoint) off the network: it fails instead. `-z`: exit 0 even with
    # FAIL findings.
    AWS_ENDPOINT_URL="$URL" HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost \
        "$VENV/bin/prowler" aws --checks "${PROWLER_CHECKS[@]}" \
        --output-formats json-ocsf csv --output-directory "$OUT/prowler-$1" --output-filename prowler \
        --no-banner --log-level ERROR -z >"$OUT/prowler-$1.stdout" 2>"$OUT/prowler-$1.stderr"
}
for i in $(seq "$RUNS"); do
    phase "trailwarden-$i" tw_run "$i"
    phase "prowler-$i" prowler_run "$i"
done
echo "load_after	$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.tsv"

# --- 6. report -----------------------------------------------------------------------------------------
{
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); load average $(sed -n 1p "$OUT/machine.tsv" | cut -f2) before, $(sed -n 2p "$OUT/machine.tsv" | cut -f2) after"
    echo "- trailwarden $("$TW" --version 2>/dev/null | awk '{print $NF}') (release build $TW, tree at commit $(git rev-parse --short HEAD)), prowler $PROWLER_VERSION, moto $MOTO_VERSION, $(date -u '+%Y-%m-%d %H:%M UTC')"
    python3 "$ROOT/bench/audit/report.py" "$OUT"
} | tee "$OUT/summary.md"
