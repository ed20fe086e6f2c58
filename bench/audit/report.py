"""Summarises one run of bench/audit-vs-prowler.sh as Markdown.

    python report.py OUT_DIR

Reads OUT_DIR/phases.tsv (request-log line ranges and wall times per phase), requests.ndjson (one line per
AWS request seen by moto), scenario.json (from seed.py), trailwarden-1.json and prowler-1/prowler.ocsf.json.
"""

import collections
import json
import pathlib
import statistics
import sys

# Prowler check → CIS v3.0.0 control (peer-checkers.md §1).
PROWLER_CIS = {
    "cloudwatch_log_metric_filter_unauthorized_api_calls": "4.1",
    "cloudwatch_log_metric_filter_sign_in_without_mfa": "4.2",
    "cloudwatch_log_metric_filter_root_usage": "4.3",
    "cloudwatch_log_metric_filter_policy_changes": "4.4",
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled": "4.5",
    "cloudwatch_log_metric_filter_authentication_failures": "4.6",
    "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk": "4.7",
    "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes": "4.8",
    "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled": "4.9",
    "cloudwatch_log_metric_filter_security_group_changes": "4.10",
    "cloudwatch_changes_to_network_acls_alarm_configured": "4.11",
    "cloudwatch_changes_to_network_gateways_alarm_configured": "4.12",
    "cloudwatch_changes_to_network_route_tables_alarm_configured": "4.13",
    "cloudwatch_changes_to_vpcs_alarm_configured": "4.14",
    "cloudwatch_log_metric_filter_aws_organizations_changes": "4.15",
    "securityhub_enabled": "4.16",
}


def control_key(c):
    return tuple(int(x) for x in c.split("."))


def load_phases(out):
    rows = []
    lines = (out / "phases.tsv").read_text().splitlines()[1:]
    for line in lines:
        name, first, last, wall, rc = line.split("\t")
        rows.append({"name": name, "first": int(first), "last": int(last), "wall": wall, "rc": rc})
    return rows


def requests_of(log, phase):
    return log[phase["first"] - 1 : phase["last"]]


def short(text, n=150):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def tw_verdicts(path):
    doc = json.loads(path.read_text())
    by = collections.defaultdict(list)
    for f in doc["findings"]:
        by[f["control"]].append(f)
    return by


def prowler_verdicts(path):
    if not path.exists():
        return None
    by = collections.defaultdict(list)
    for f in json.loads(path.read_text()):
        check = f.get("metadata", {}).get("event_code", "")
        control = PROWLER_CIS.get(check)
        if control is None:
            continue
        region = (f.get("cloud") or {}).get("region") or ""
        by[control].append({"status": f.get("status_code", "?"), "region": region,
                            "detail": f.get("status_detail") or f.get("message") or ""})
    return by


def main():
    out = pathlib.Path(sys.argv[1])
    phases = load_phases(out)
    log = [json.loads(l) for l in (out / "requests.ndjson").read_text().splitlines() if l.strip()]
    scenario = json.loads((out / "scenario.json").read_text())

    # --- wall time and requests -------------------------------------------------------------------------
    runs = {"trailwarden": [], "prowler": []}
    for p in phases:
        tool = p["name"].split("-")[0]
        if tool in runs:
            runs[tool].append(p)
    print("\n### Wall time and requests (every run)\n")
    print("| run | wall (s) | requests | exit |")
    print("|---|---:|---:|---:|")
    for tool in runs:
        for p in runs[tool]:
            print(f"| {p['name']} | {p['wall']} | {p['last'] - p['first'] + 1} | {p['rc']} |")
    med = {t: statistics.median(float(p["wall"]) for p in ps) for t, ps in runs.items() if ps}
    if "trailwarden" in med and "prowler" in med:
        print(f"\nMedian wall time: trailwarden **{med['trailwarden']:.2f} s**, Prowler **{med['prowler']:.2f} s** "
              f"→ trailwarden is **{med['prowler'] / med['trailwarden']:.1f}×** faster.")

    # --- requests per region (first run of each tool) ----------------------------------------------------
    per = {}
    actions = {}
    for tool, ps in runs.items():
        if not ps:
            continue
        reqs = requests_of(log, ps[0])
        per[tool] = collections.Counter(r["region"] for r in reqs)
        actions[tool] = collections.Counter((r["region"], f"{r['service']}:{r['action']}") for r in reqs)
    regions = sorted(set().union(*[set(c) for c in per.values()]))
    print("\n### Requests per signing region (run 1 of each tool)\n")
    print("| region | trailwarden | Prowler |")
    print("|---|---:|---:|")
    for r in regions:
        print(f"| {r} | {per.get('trailwarden', {}).get(r, 0)} | {per.get('prowler', {}).get(r, 0)} |")
    print(f"| **total** | {sum(per.get('trailwarden', {}).values())} | {sum(per.get('prowler', {}).values())} |")
    for tool in per:
        print(f"\n{tool}, requests by region group (identical call mixes counted once):\n")
        mixes = collections.defaultdict(list)
        for r in regions:
            mix = tuple(sorted((a, n) for (reg, a), n in actions[tool].items() if reg == r))
            if mix:
                mixes[mix].append(r)
        for mix, rs in sorted(mixes.items(), key=lambda kv: -len(kv[1])):
            calls = ", ".join(f"{a} ×{n}" if n > 1 else a for a, n in mix)
            label = ", ".join(rs) if len(rs) <= 3 else f"{len(rs)} regions ({rs[0]} … {rs[-1]})"
            print(f"- {label}: {sum(n for _, n in mix)} — {calls}")

    # --- verdicts ----------------------------------------------------------------------------------------
    tw = tw_verdicts(out / "trailwarden-1.json")
    pr = prowler_verdicts(out / "prowler-1" / "prowler.ocsf.json")
    print("\n### Verdicts (run 1)\n")
    if pr is None:
        print("Prowler wrote no OCSF report; see prowler-1.stderr.\n")
        pr = {}
    print("| control | case (seed.py) | trailwarden | Prowler | expected tw / Prowler | trailwarden says | Prowler says |")
    print("|---|---|---|---|---|---|---|")
    for control in sorted(scenario["controls"], key=control_key):
        sc = scenario["controls"][control]
        t = tw.get(control, [])
        p = pr.get(control, [])
        ts = "/".join(sorted({f["status"] for f in t})) or "—"
        ps = "/".join(sorted({f["status"] for f in p})) or "—"
        exp = f"{sc['expected']['trailwarden']} / {sc['expected']['prowler']}"
        flag = "" if ts == sc["expected"]["trailwarden"] and ps == sc["expected"]["prowler"] else " ⚠ unexpected"
        mark = "" if ts == ps else " ≠"
        treason = short(t[0]["reason"]) if t else ""
        preason = short(p[0]["detail"]) if p else ""
        print(f"| {control}{mark} | {sc['case']} | {ts} | {ps} | {exp}{flag} | {treason} | {preason} |")

    # 4.16 per region.
    t16 = {f["region"]: f for f in tw.get("4.16", [])}
    p16 = {f["region"]: f for f in pr.get("4.16", [])}
    print("\n4.16 (Security Hub), per region:\n")
    print("| regions | trailwarden | Prowler | trailwarden says | Prowler says |")
    print("|---|---|---|---|---|")
    groups = collections.defaultdict(list)
    for r in sorted(set(t16) | set(p16)):
        ts = t16[r]["status"] if r in t16 else "—"
        ps = p16[r]["status"] if r in p16 else "—"
        tr = short(t16[r]["reason"], 90) if r in t16 else ""
        prr = short(p16[r]["detail"], 90) if r in p16 else ""
        key = (ts, ps, tr.replace(r, "<region>"), prr.replace(r, "<region>"))
        groups[key].append(r)
    for (ts, ps, tr, prr), rs in sorted(groups.items(), key=lambda kv: len(kv[1])):
        label = ", ".join(rs) if len(rs) <= 3 else f"{len(rs)} regions"
        mark = " ≠" if ts != ps else ""
        print(f"| {label}{mark} | {ts} | {ps} | {tr} | {prr} |")


if __name__ == "__main__":
    main()
