//! `trailwarden audit`: evaluate the CIS Monitoring controls on evidence (a file, or collected live) and
//! print the findings.
//!
//! Exit codes: 0 every finding PASS; 1 some finding is FAIL **or ERROR** (a link we could not see must
//! never look compliant); 2 usage or input error (bad flags, unreadable or invalid evidence file, with its
//! location).

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use trailwarden_audit::{evaluate, render, Format, Selection, Summary};
use trailwarden_controls::Catalog;
use trailwarden_evidence::Evidence;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Evaluate this evidence file (from `trailwarden collect`; `-` for stdin) instead of calling AWS.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    /// Only these controls, comma-separated ids or slugs (e.g. 4.10,4.11).
    #[arg(long, value_name = "IDS")]
    controls: Option<String>,
    /// Benchmark id or version: cis-aws-foundations-v3.0.0, v3.0.0 or 3.0.0 [default: v3.0.0].
    #[arg(long, value_name = "ID")]
    benchmark: Option<String>,
    /// Output format: text, json, csv, sarif, asff, ocsf, junit, html.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    format: String,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Where to collect from when there is no `--evidence` (the selection flags of `collect`).
    #[command(flatten)]
    live: super::collect::Selection,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format: Format = args.format.parse()?;
    let catalog = Catalog::builtin().context("the built-in control catalog is broken")?;
    let benchmark = catalog.resolve(args.benchmark.as_deref())?;
    let selection = match &args.controls {
        Some(list) => Selection::parse(benchmark, list)?,
        None => Selection::all(),
    };
    let evidence = match &args.evidence {
        Some(path) => {
            if args.live.any() {
                bail!("--evidence evaluates a file; the AWS selection flags (--profile, --region, --regions, --endpoint-url, --assume-role, --accounts, --organization) apply only to live collection");
            }
            load(path)?
        }
        None => collect_live(&args.live)?,
    };
    let findings = evaluate(&evidence, benchmark, &selection);
    let color = args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let report = render::Report {
        findings: &findings,
        benchmark: &benchmark.id,
        benchmark_version: &benchmark.version,
        tool_version: env!("CARGO_PKG_VERSION"),
        collected_at: &evidence.collected_at,
        color,
    };
    let text = render(format, &report)?;
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                // A closed pipe (`| head`) is not an error worth reporting.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e).context("cannot write the report");
                }
            }
        }
    }
    Ok(if Summary::of(&findings).has_problems() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn load(path: &PathBuf) -> anyhow::Result<Evidence> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read evidence from stdin")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read evidence file {}", path.display()))?
    };
    Evidence::from_json(&text).with_context(|| format!("invalid evidence file {}", path.display()))
}

/// Live mode: collect with the read-only calls of `trailwarden collect`, then evaluate. Progress lines go to
/// stderr only when it is a terminal, so scripts reading `--format json` see one clean document on stdout.
fn collect_live(live: &super::collect::Selection) -> anyhow::Result<Evidence> {
    live.collect(!std::io::stderr().is_terminal())
}
