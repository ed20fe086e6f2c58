//! `trailwarden detect [SOURCE ...]`: the benchmark's monitoring controls (and custom rules)
//! applied straight to CloudTrail logs.
//!
//! SOURCE is a file, a folder (read recursively), or `-` for stdin (the default). Files may be
//! CloudTrail S3 objects (`.json`/`.json.gz`), NDJSON, EventBridge events or CloudWatch Logs
//! subscription payloads. `s3://` and SQS sources come later (the `Source` trait of
//! `trailwarden-detect` is their seam).
//!
//! Exit codes:
//! * 0 — every input was read, nothing matched;
//! * 1 — every input was read, at least one alert was printed;
//! * 2 — usage or input error before any reading (unknown control or benchmark, invalid rules file
//!   or pattern, a SOURCE path that does not exist);
//! * 3 — some input was skipped (malformed, truncated, unreadable: each reported on stderr with its
//!   location); alerts for the rest were printed. Takes precedence over 1.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use trailwarden_controls::Catalog;
use trailwarden_detect::sink::{JsonlSink, Sink, TextSink};
use trailwarden_detect::source::{FsSource, MAX_RECORD_BYTES};
use trailwarden_detect::{rules, Detector, Rule, Stats};

#[derive(clap::Args)]
#[command(
    after_help = "Exit codes: 0 nothing matched; 1 alerts were printed; 2 usage or input error \
(bad control id, rules file, missing SOURCE); 3 some input was skipped as malformed (see stderr).\n\n\
Example: trailwarden detect examples/logs --rules examples/rules/custom.toml --format jsonl"
)]
pub struct Args {
    /// Files, folders (recursive) or `-` for stdin [default: -].
    #[arg(value_name = "SOURCE")]
    sources: Vec<PathBuf>,
    /// Output: `text` for people, `jsonl` for one JSON object per (event, matched rule).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Benchmark id or version: cis-aws-foundations-v3.0.0, v3.0.0 or 3.0.0 [default: v3.0.0].
    #[arg(long, value_name = "ID")]
    benchmark: Option<String>,
    /// Only these controls (comma-separated ids, e.g. 4.1,4.3); `none` for custom rules only.
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    controls: Vec<String>,
    /// Custom rules (TOML, `[[rule]] name, pattern, severity, description, summary`); repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Skip records (or other values) larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = MAX_RECORD_BYTES)]
    max_record_size: usize,
    /// Do not print the closing counts on stderr.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Jsonl,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rules = build_rules(&args)?;
    if rules.is_empty() {
        bail!("no rules to detect with: the selected controls have no filter pattern and no --rules were given");
    }
    let mut sources = args.sources.clone();
    if sources.is_empty() {
        sources.push(PathBuf::from("-"));
    }
    for s in &sources {
        if s.as_os_str() != "-" && !s.exists() {
            bail!("source {} does not exist", s.display());
        }
    }

    let mut detector = Detector::new(rules).with_record_limit(args.max_record_size);
    let mut source = FsSource::new(&sources);
    let stdout = io::stdout().lock();
    let mut sink: Box<dyn Sink> = match args.format {
        Format::Text => Box::new(TextSink::new(io::BufWriter::new(stdout))),
        Format::Jsonl => Box::new(JsonlSink::new(io::BufWriter::new(stdout))),
    };
    let mut report = |p: &trailwarden_detect::source::Problem| {
        let _ = writeln!(io::stderr(), "trailwarden detect: skipped {p}");
    };
    match detector.run(&mut source, sink.as_mut(), &mut report) {
        Ok(()) => {}
        // `detect … | head`: the reader left; stop quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e).context("writing alerts"),
    }
    let mut stats = detector.stats.clone();
    stats.ignored += source.digests_skipped;
    if !args.quiet {
        eprintln!("trailwarden detect: {}", counts(&stats));
    }
    Ok(exit_code(&stats))
}

/// 3 when something was skipped, else 1 when something matched, else 0.
fn exit_code(stats: &Stats) -> ExitCode {
    if stats.problems > 0 {
        ExitCode::from(3)
    } else if stats.alerts > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn counts(s: &Stats) -> String {
    format!(
        "{} input(s), {} record(s) ({} duplicate), {} alert(s), {} ignored (digest/control), {} skipped as malformed",
        s.inputs, s.records, s.duplicates, s.alerts, s.ignored, s.problems
    )
}

/// The benchmark's controls (all with a pattern, or those named by `--controls`), then the
/// custom rules. Any unknown id or invalid rule is fatal (exit 2).
fn build_rules(args: &Args) -> anyhow::Result<Vec<Rule>> {
    let catalog = Catalog::builtin().context("loading the built-in controls")?;
    let benchmark = catalog.resolve(args.benchmark.as_deref())?;
    let none = args
        .controls
        .iter()
        .any(|c| c.trim().eq_ignore_ascii_case("none"));
    let mut rules = Vec::new();
    if !none {
        let selected: Vec<_> = if args.controls.is_empty() {
            benchmark.controls().iter().collect()
        } else {
            let mut v = Vec::new();
            for id in &args.controls {
                let control = benchmark.require_control(id.trim())?;
                if control.pattern.is_none() {
                    eprintln!("trailwarden detect: control {} has no filter pattern; nothing to detect for it", control.id);
                }
                v.push(control);
            }
            v
        };
        for control in selected {
            if let Some(pattern) = &control.pattern {
                rules.push(Rule::control(&control.id, &control.title, pattern)?);
            }
        }
    }
    for path in &args.rules {
        rules.extend(rules::load_rules_file(path)?);
    }
    Ok(rules)
}
