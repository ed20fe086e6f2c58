//! `trailwarden verify`: test that each Monitoring control's deployed chain would notify someone.
//!
//! Realistic CloudTrail events (the control's must-match examples, and one per event name it lists) go
//! through the deployed filter patterns with trailwarden's engine and, live, AWS's `TestMetricFilter` where
//! the endpoint offers it; the alarm → topic → confirmed-subscriber links are the audit's judgement. With
//! `--fire`, each alarm is set to ALARM (subscribers get a real notification) and then restored. Live steps
//! run in each account with the credentials the collector used there (`--assume-role` with
//! `--accounts`/`--organization` included). The logic is `trailwarden_remediate::verify` and
//! `trailwarden_remediate::accounts`; this file parses flags and prints.
//!
//! Exit codes: 0 every control OK; 1 some control FAILED; 2 a usage or input error.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use trailwarden_audit::Selection;
use trailwarden_controls::Catalog;
use trailwarden_evidence::Evidence;
use trailwarden_remediate::verify::{self, Check};

#[derive(clap::Args)]
pub struct Args {
    /// Verify from this evidence file (engine and audit only: no AWS call) instead of collecting live.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    /// Live selection (when no --evidence): profile, region(s), endpoint, accounts.
    #[command(flatten)]
    selection: super::collect::Selection,
    /// Controls to verify, comma-separated ids or slugs (default: every metric-filter control).
    #[arg(long, value_name = "IDS")]
    controls: Option<String>,
    /// Benchmark id or version (default: cis-aws-foundations-v3.0.0).
    #[arg(long, value_name = "ID")]
    benchmark: Option<String>,
    /// Set each verified alarm to ALARM (reason "trailwarden verify") so its subscribers get a real test
    /// notification, then restore the state it had. Live only.
    #[arg(long, conflicts_with = "evidence")]
    fire: bool,
    /// Output format: text or json.
    #[arg(long, default_value = "text", value_name = "text|json")]
    format: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let json = match args.format.as_str() {
        "text" => false,
        "json" => true,
        other => bail!("unknown format '{other}' (expected text or json)"),
    };
    let catalog = Catalog::builtin().context("loading the built-in controls")?;
    let benchmark = catalog.resolve(args.benchmark.as_deref())?;
    let selection = match &args.controls {
        Some(list) => Selection::parse(benchmark, list)?,
        None => Selection::all(),
    };
    if args.evidence.is_some() && args.selection.any() {
        bail!("--evidence reads a file: it cannot be combined with the live selection flags (--profile, --region, ...)");
    }
    let (evidence, live) = match &args.evidence {
        Some(path) => (load_evidence(path)?, false),
        None => (args.selection.collect(true)?, true),
    };
    let mut checks = verify::check(&evidence, benchmark, &selection);
    if checks.is_empty() {
        bail!("nothing to verify: no metric-filter control is selected or seen in the evidence");
    }
    if live {
        // Each account's live steps run with the credentials the collector used there (its own, or the
        // --assume-role role); an account that cannot be reached gets a problem on each of its checks.
        let options = args.selection.options(trailwarden_aws::Progress::Quiet)?;
        trailwarden_remediate::accounts::verify_live(&options, &mut checks, args.fire)
            .context("the live checks")?;
    } else {
        for c in checks.iter_mut().filter(|c| !c.filters.is_empty()) {
            c.notes.push(
                "AWS TestMetricFilter: not tried (--evidence); tested with trailwarden's engine only"
                    .to_string(),
            );
        }
    }
    if json {
        let doc: Vec<_> = checks
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                v["result"] = if c.ok() { "OK" } else { "FAILED" }.into();
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print_text(&checks);
    }
    Ok(if checks.iter().all(Check::ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_text(checks: &[Check]) {
    for c in checks {
        let result = if c.ok() { "OK" } else { "FAILED" };
        let matched = c.probes.iter().filter(|(_, hit)| *hit).count();
        println!(
            "{result:<6} {:<5} {:<12} {:<14} {matched}/{} event(s) counted by {} filter(s), {} alarm(s)",
            c.control,
            c.account,
            c.region,
            c.probes.len(),
            c.filters.len(),
            c.alarms.len()
        );
        for p in &c.problems {
            println!("         - {p}");
        }
        for n in &c.notes {
            println!("         note: {n}");
        }
    }
    let failed = checks.iter().filter(|c| !c.ok()).count();
    println!("\n{} OK, {failed} FAILED", checks.len() - failed);
}

fn load_evidence(path: &PathBuf) -> anyhow::Result<Evidence> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading evidence file {}", path.display()))?;
    Evidence::from_json(&text).with_context(|| format!("evidence file {}", path.display()))
}
