//! `trailwarden filter covers (--control ID | --required PATTERN) PATTERN...`: do these filter
//! patterns (together, as several metric filters feeding one metric) match every event the
//! required pattern matches?
//!
//! Prints the verdict, a counterexample event (matched by the required pattern and by none of the
//! given ones) and an example of what the given patterns match beyond the required one. `--json`
//! prints one document instead. Exit 0 when covered, 1 when not covered or undecided (an audit
//! treats "unknown" as "not covered"), 2 for an invalid pattern or an unknown control.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use cwl_filter::analysis::{covers, Coverage, Verdict};
use cwl_filter::Pattern;
use serde_json::{json, Value};
use trailwarden_controls::Catalog;

#[derive(clap::Args)]
pub struct Args {
    /// Take the required pattern from this control of the benchmark (e.g. 4.12).
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "required",
        required_unless_present = "required"
    )]
    control: Option<String>,
    /// The benchmark for --control (id or version, e.g. v3.0.0); default: the default benchmark.
    #[arg(long, value_name = "ID", requires = "control")]
    benchmark: Option<String>,
    /// The required pattern, as text.
    #[arg(long, value_name = "PATTERN")]
    required: Option<String>,
    /// The actual filter patterns (one per metric filter).
    #[arg(value_name = "PATTERN", required = true)]
    patterns: Vec<String>,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (label, required_text) = required_pattern(&args)?;
    let required =
        Pattern::parse(&required_text).map_err(|e| anyhow!("invalid required pattern:\n{e}"))?;
    let actual = args
        .patterns
        .iter()
        .enumerate()
        .map(|(i, p)| Pattern::parse(p).map_err(|e| anyhow!("invalid pattern #{}:\n{e}", i + 1)))
        .collect::<anyhow::Result<Vec<Pattern>>>()?;
    let coverage = covers(&required, &actual);
    let out = if args.json {
        let doc = json_doc(&label, &required_text, &args.patterns, &coverage);
        serde_json::to_string_pretty(&doc).context("cannot render JSON")? + "\n"
    } else {
        text(&label, &coverage)?
    };
    print!("{out}");
    Ok(if coverage.verdict.is_covered() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The required pattern's text and a label for it (`control 4.12 (cis-…-v3.0.0)` or `required`).
fn required_pattern(args: &Args) -> anyhow::Result<(String, String)> {
    if let Some(text) = &args.required {
        return Ok(("the required pattern".into(), text.clone()));
    }
    let Some(id) = &args.control else {
        bail!("give --control ID or --required PATTERN");
    };
    let catalog = Catalog::builtin().context("the built-in control catalog is broken")?;
    let benchmark = catalog.resolve(args.benchmark.as_deref())?;
    let control = benchmark.require_control(id)?;
    let Some(pattern) = &control.pattern else {
        bail!(
            "control {} of {} has no filter pattern (it is not a metric-filter control)",
            control.id,
            benchmark.id
        );
    };
    Ok((
        format!("control {} ({})", control.id, benchmark.id),
        pattern.clone(),
    ))
}

fn text(label: &str, c: &Coverage) -> anyhow::Result<String> {
    let mut o = String::new();
    let pretty = |v: &Value| serde_json::to_string_pretty(v).context("cannot render JSON");
    match &c.verdict {
        Verdict::Covered => writeln!(
            o,
            "COVERED: every event {label} matches is matched by a given pattern."
        )?,
        Verdict::NotCovered { counterexample } => {
            writeln!(
                o,
                "NOT COVERED: this event matches {label} but none of the given patterns:"
            )?;
            writeln!(o, "{}", pretty(counterexample)?)?;
        }
        Verdict::Unknown { reason } => {
            writeln!(o, "UNKNOWN (treated as not covered): {reason}")?;
        }
    }
    if let Some(b) = &c.broader {
        writeln!(
            o,
            "BROADER: the given patterns also match events {label} does not, e.g.:"
        )?;
        writeln!(o, "{}", pretty(b)?)?;
    }
    Ok(o)
}

fn json_doc(label: &str, required: &str, actual: &[String], c: &Coverage) -> Value {
    let (counterexample, reason) = match &c.verdict {
        Verdict::NotCovered { counterexample } => (Some(counterexample.clone()), None),
        Verdict::Unknown { reason } => (None, Some(reason.clone())),
        Verdict::Covered => (None, None),
    };
    json!({
        "verdict": c.verdict.label(),
        "covered": c.verdict.is_covered(),
        "required": { "source": label, "pattern": required },
        "patterns": actual,
        "counterexample": counterexample,
        "reason": reason,
        "broader": c.broader,
    })
}
