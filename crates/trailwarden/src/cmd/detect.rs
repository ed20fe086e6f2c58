//! `trailwarden detect [SOURCE ...]`: the benchmark's monitoring controls (and custom rules)
//! applied straight to CloudTrail logs.
//!
//! SOURCE is a file, a folder (read recursively), `-` for stdin (the default), `s3://bucket/prefix`
//! (the CloudTrail layout, pruned by `--since/--until/--accounts/--regions`), or an SQS queue
//! (`https://sqs.<region>.amazonaws.com/<account>/<name>`, any `http(s)://host/<12 digits>/<name>`,
//! or `sqs://<name>`). Files may be CloudTrail S3 objects (`.json`/`.json.gz`), NDJSON, EventBridge
//! events or CloudWatch Logs subscription payloads.
//!
//! `--notify` sends notifications through the state's outbox (`--state`, else a throw-away file):
//! `--mode event` groups them per (actor, control) within `--group-window`; `--mode cloudwatch`
//! sends what the CIS alarms would (state transitions); `--backtest` prints the alarm timeline
//! instead of alerts. stdout stays one line per (event, control) whatever the mode.
//!
//! Exit codes:
//! * 0 — every input was read, nothing matched;
//! * 1 — every input was read, at least one alert was printed;
//! * 2 — usage or input error before any reading (unknown control or benchmark, invalid rules file
//!   or pattern, a SOURCE path that does not exist);
//! * 3 — some input was skipped (malformed, truncated, unreadable: each reported on stderr with its
//!   location); alerts for the rest were printed. Takes precedence over 1.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use trailwarden_aws::sdk::SdkOptions;
use trailwarden_controls::Catalog;
use trailwarden_detect::alarm::{AlarmConfig, Comparison, TreatMissing};
use trailwarden_detect::notify::{self, Mode as NotifyMode, NotifyStage};
use trailwarden_detect::sink::{JsonlSink, Sink, TextSink};
use trailwarden_detect::source::sqs::{self, SqsCounts};
use trailwarden_detect::source::{
    Chain, FsSource, S3Filter, S3Source, S3Url, Source, SqsOptions, SqsSource, MAX_RECORD_BYTES,
};
use trailwarden_detect::{rules, time, Detector, Rule, Stats};

#[derive(clap::Args)]
#[command(
    after_help = "Exit codes: 0 nothing matched; 1 alerts were printed; 2 usage or input error \
(bad control id, rules file, missing SOURCE); 3 some input was skipped as malformed (see stderr).\n\n\
Example: trailwarden detect examples/logs --rules examples/rules/custom.toml --format jsonl"
)]
pub struct Args {
    /// Files, folders (recursive), `-` for stdin, `s3://bucket/prefix`, or an SQS queue URL
    /// (`https://sqs.<region>.amazonaws.com/<account>/<name>`, `sqs://<name>`) [default: -].
    #[arg(value_name = "SOURCE")]
    sources: Vec<String>,
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
    /// Read every NDJSON line as a record, even those no rule can match (by default such lines
    /// are passed over unread: counted as skimmed, not checked for malformed JSON)
    #[arg(long)]
    read_all: bool,
    /// Do not print the closing counts on stderr.
    #[arg(long, short)]
    quiet: bool,

    /// Only events at or after this time (`2024-08-01` or `2024-08-01T12:00:00Z`, UTC); s3://
    /// sources list only the date folders from the day before.
    #[arg(long, value_name = "TIME", help_heading = "Selection")]
    since: Option<String>,
    /// Only events before this time; a bare date includes that whole day.
    #[arg(long, value_name = "TIME", help_heading = "Selection")]
    until: Option<String>,
    /// s3:// sources: only these account ids (comma-separated).
    #[arg(
        long,
        value_name = "IDS",
        value_delimiter = ',',
        help_heading = "Selection"
    )]
    accounts: Vec<String>,
    /// s3:// sources: only these regions (comma-separated).
    #[arg(
        long,
        value_name = "REGIONS",
        value_delimiter = ',',
        help_heading = "Selection"
    )]
    regions: Vec<String>,

    /// Named AWS profile for s3://, SQS and SNS.
    #[arg(long, value_name = "NAME", help_heading = "AWS")]
    profile: Option<String>,
    /// AWS region (default: the environment, the queue URL's, or us-east-1).
    #[arg(long, value_name = "REGION", help_heading = "AWS")]
    region: Option<String>,
    /// Send AWS requests here (moto, LocalStack); default: AWS_ENDPOINT_URL.
    #[arg(long, value_name = "URL", help_heading = "AWS")]
    endpoint_url: Option<String>,
    /// S3 objects downloaded at once.
    #[arg(long, value_name = "N", default_value_t = 8, help_heading = "AWS")]
    concurrency: usize,
    /// SQS: stop at the first empty receive instead of polling forever.
    #[arg(long, help_heading = "AWS")]
    once: bool,
    /// SQS: stop after this many messages.
    #[arg(long, value_name = "N", help_heading = "AWS")]
    max_messages: Option<u64>,
    /// SQS: long-poll wait per receive (0–20 s).
    #[arg(long, value_name = "SECONDS", default_value_t = 20, value_parser = clap::value_parser!(i32).range(0..=20), help_heading = "AWS")]
    wait_seconds: i32,
    /// SQS: visibility timeout asked for each receive (default: the queue's).
    #[arg(long, value_name = "SECONDS", help_heading = "AWS")]
    visibility_timeout: Option<i32>,

    /// How notifications are made: `event` (grouped per actor and control) or `cloudwatch` (alarm
    /// state changes, as the CIS metric filter + alarm would send).
    #[arg(long, value_enum, default_value_t = Mode::Event, help_heading = "Notifications")]
    mode: Mode,
    /// Where to notify (repeatable): stdout, slack:URL, webhook:URL, sns:ARN.
    #[arg(long = "notify", value_name = "TARGET", help_heading = "Notifications")]
    notify: Vec<String>,
    /// HMAC-SHA256 key for webhook signatures.
    #[arg(
        long,
        env = "TRAILWARDEN_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET",
        help_heading = "Notifications"
    )]
    webhook_secret: Option<String>,
    /// State file (outbox, dedup window, checkpoints): a rerun neither repeats nor loses a notification.
    #[arg(long, value_name = "FILE", help_heading = "Notifications")]
    state: Option<PathBuf>,
    /// Attempts per notification and run (retryable failures back off, from 0.5 s doubling); what
    /// still fails stays in the outbox for the next run.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 5,
        help_heading = "Notifications"
    )]
    notify_attempts: u32,
    /// `--mode event`: alerts of one actor and control within this many seconds make one notification.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        help_heading = "Notifications"
    )]
    group_window: i64,
    /// Print the CloudWatch alarm timeline per control (implies --mode cloudwatch) instead of alerts.
    #[arg(long, help_heading = "CloudWatch alarm")]
    backtest: bool,
    /// Alarm period in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        help_heading = "CloudWatch alarm"
    )]
    alarm_period: i64,
    /// Alarm threshold.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1.0,
        help_heading = "CloudWatch alarm"
    )]
    alarm_threshold: f64,
    /// GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold.
    #[arg(
        long,
        value_name = "OP",
        default_value = "GreaterThanOrEqualToThreshold",
        help_heading = "CloudWatch alarm"
    )]
    alarm_comparison: String,
    /// Evaluation periods (N).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        help_heading = "CloudWatch alarm"
    )]
    alarm_evaluation_periods: u32,
    /// Datapoints to alarm (M of N) [default: N].
    #[arg(long, value_name = "M", help_heading = "CloudWatch alarm")]
    alarm_datapoints: Option<u32>,
    /// notBreaching, breaching, ignore, missing.
    #[arg(
        long,
        value_name = "HOW",
        default_value = "notBreaching",
        help_heading = "CloudWatch alarm"
    )]
    alarm_missing_data: String,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    Event,
    Cloudwatch,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Jsonl,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rules = build_rules(&args)?;
    if rules.is_empty() {
        bail!("no rules to detect with: the selected controls have no filter pattern and no --rules were given");
    }
    let since = args
        .since
        .as_deref()
        .map(|t| parse_time("--since", t, false))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|t| parse_time("--until", t, true))
        .transpose()?;
    let alarm = alarm_config(&args)?;
    let mode = if args.backtest || args.mode == Mode::Cloudwatch {
        NotifyMode::CloudWatch(alarm)
    } else {
        NotifyMode::Event {
            window: args.group_window.max(0),
        }
    };
    let sdk = SdkOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        max_attempts: 0,
    };

    let mut sources = args.sources.clone();
    if sources.is_empty() {
        sources.push("-".into());
    }
    let mut paths = Vec::new();
    let mut chain: Vec<Box<dyn Source>> = Vec::new();
    let mut queues = Vec::new();
    for s in &sources {
        if s.starts_with("s3://") {
            let url = S3Url::parse(s).map_err(anyhow::Error::msg)?;
            let filter = S3Filter {
                since,
                until,
                accounts: args.accounts.clone(),
                regions: args.regions.clone(),
            };
            let source = S3Source::new(url, filter, sdk.clone(), args.concurrency)
                .context("starting the S3 source")?;
            chain.push(Box::new(source));
        } else if sqs::is_queue(s) {
            queues.push(s.clone());
        } else {
            if s != "-" && !Path::new(s).exists() {
                bail!("source {s} does not exist");
            }
            paths.push(PathBuf::from(s));
        }
    }
    // Alarm transitions are replayed when the run ends; a queue read without an end would never
    // produce them. Say so instead of running silently.
    if !queues.is_empty()
        && matches!(mode, NotifyMode::CloudWatch(_))
        && !args.once
        && args.max_messages.is_none()
    {
        let what = if args.backtest {
            "--backtest"
        } else {
            "--mode cloudwatch"
        };
        bail!("{what} replays the alarms when the run ends, and reading a queue without --once or --max-messages never ends: add one of them (e.g. run it on a schedule), or use --mode event for notifications as events arrive");
    }
    let mut fs = FsSource::new(&paths);
    let fs_digests = std::cell::Cell::new(0u64);
    let sqs_options = SqsOptions {
        once: args.once,
        max_messages: args.max_messages,
        wait_seconds: args.wait_seconds,
        visibility_timeout: args.visibility_timeout,
    };
    let mut sqs_sources = Vec::new();
    for q in &queues {
        let source = SqsSource::new(q, sdk.clone(), sqs_options.clone())
            .map_err(|p| anyhow::anyhow!("{p}"))?;
        sqs_sources.push(source);
    }
    let notifiers = args
        .notify
        .iter()
        .map(|spec| notify::target(spec, args.webhook_secret.as_deref(), &sdk))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    // A throw-away state when none is given: the outbox is still how notifications are delivered.
    let scratch = tempdir_state();
    let state_path = match &args.state {
        Some(p) => p.clone(),
        None => scratch.clone(),
    };
    let state = if notifiers.is_empty() {
        if args.state.is_some() {
            eprintln!("trailwarden detect: --state is only used with --notify; ignored");
        }
        None
    } else {
        Some(
            notify::State::open(&state_path)
                .with_context(|| format!("opening the state file {}", state_path.display()))?,
        )
    };

    let mut detector = Detector::new(rules)
        .with_record_limit(args.max_record_size)
        .with_skim(!args.read_all)
        .with_window(since, until);
    let stdout = io::stdout().lock();
    let mut printer: Box<dyn Sink> = if args.backtest {
        Box::new(trailwarden_detect::backtest::Backtest::new(
            alarm,
            args.format == Format::Jsonl,
            io::BufWriter::new(stdout),
        ))
    } else {
        match args.format {
            Format::Text => Box::new(TextSink::new(io::BufWriter::new(stdout))),
            Format::Jsonl => Box::new(JsonlSink::new(io::BufWriter::new(stdout))),
        }
    };
    let mut report = |p: &trailwarden_detect::source::Problem| {
        let _ = writeln!(io::stderr(), "trailwarden detect: skipped {p}");
    };
    let source_id = sources.join(" ");
    let mut sqs_counts = SqsCounts::default();
    let result = {
        let mut all: Vec<Box<dyn Source + '_>> = Vec::new();
        all.push(Box::new(Counted {
            inner: &mut fs,
            digests: &fs_digests,
        }));
        all.extend(chain);
        for q in sqs_sources.iter_mut() {
            all.push(Box::new(q));
        }
        let mut source = Chain::new(all);
        match state {
            Some(state) => {
                let retry = notify::RetryPolicy {
                    max_attempts: args.notify_attempts.max(1),
                    ..notify::RetryPolicy::default()
                };
                let mut stage =
                    NotifyStage::new(printer.as_mut(), state, notifiers, source_id, mode)
                        .with_retry(retry);
                let r = detector.run(&mut source, &mut stage, &mut report);
                if r.is_ok() {
                    stage.drain().context("delivering notifications")?;
                    if !args.quiet {
                        let c = &stage.counts;
                        eprintln!(
                            "trailwarden detect: notifications: {} new in the outbox, {} sent ({} alert(s)), {} failed (kept for the next run)",
                            c.enqueued, c.sent, c.delivered, c.failed
                        );
                    }
                    for e in &stage.errors {
                        eprintln!("trailwarden detect: not delivered: {e}");
                    }
                }
                r
            }
            None => detector.run(&mut source, printer.as_mut(), &mut report),
        }
    };
    for q in &sqs_sources {
        sqs_counts.received += q.counts.received;
        sqs_counts.deleted += q.counts.deleted;
        sqs_counts.ignored += q.counts.ignored;
        sqs_counts.left += q.counts.left;
    }
    if args.state.is_none() {
        let _ = std::fs::remove_file(&scratch);
    }
    match result {
        Ok(()) => {}
        // `detect … | head`: the reader left; stop quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e).context("writing alerts"),
    }
    let mut stats = detector.stats.clone();
    stats.ignored += fs_digests.get();
    if !args.quiet {
        eprintln!("trailwarden detect: {}", counts(&stats));
        if !queues.is_empty() {
            eprintln!(
                "trailwarden detect: sqs: {} message(s) received, {} deleted, {} ignored (test/validation), {} left in the queue",
                sqs_counts.received, sqs_counts.deleted, sqs_counts.ignored, sqs_counts.left
            );
        }
    }
    Ok(exit_code(&stats))
}

/// The folder source, reporting its skipped digest files when done.
struct Counted<'a> {
    inner: &'a mut FsSource,
    digests: &'a std::cell::Cell<u64>,
}

impl Source for Counted<'_> {
    fn next_input(
        &mut self,
    ) -> Option<Result<trailwarden_detect::source::Input, trailwarden_detect::source::Problem>>
    {
        let next = self.inner.next_input();
        self.digests.set(self.inner.digests_skipped);
        next
    }
    fn finished(&mut self, name: &str, clean: bool) {
        self.inner.finished(name, clean)
    }
    fn streaming(&self) -> bool {
        self.inner.streaming()
    }
}

fn tempdir_state() -> PathBuf {
    std::env::temp_dir().join(format!("trailwarden-detect-{}.redb", std::process::id()))
}

/// `--since/--until`: a date or an RFC 3339 UTC time; a bare date as `--until` means the end of that day.
fn parse_time(flag: &str, text: &str, end_of_day: bool) -> anyhow::Result<i64> {
    let t = time::parse(text).with_context(|| {
        format!("{flag} {text}: expected a UTC date (2024-08-01) or time (2024-08-01T12:00:00Z)")
    })?;
    let bare_date = !text.contains(['T', ' ']);
    Ok(if end_of_day && bare_date {
        t + time::DAY
    } else {
        t
    })
}

fn alarm_config(args: &Args) -> anyhow::Result<AlarmConfig> {
    let config = AlarmConfig {
        period: args.alarm_period,
        threshold: args.alarm_threshold,
        comparison: Comparison::parse(&args.alarm_comparison).with_context(|| {
            format!("--alarm-comparison {}: expected GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold", args.alarm_comparison)
        })?,
        evaluation_periods: args.alarm_evaluation_periods,
        datapoints_to_alarm: args.alarm_datapoints.unwrap_or(args.alarm_evaluation_periods),
        treat_missing: TreatMissing::parse(&args.alarm_missing_data).with_context(|| {
            format!("--alarm-missing-data {}: expected notBreaching, breaching, ignore or missing", args.alarm_missing_data)
        })?,
    };
    config.validate().map_err(anyhow::Error::msg)?;
    Ok(config)
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
    let mut line = format!(
        "{} input(s), {} record(s) ({} duplicate), {} alert(s), {} ignored (digest/control), {} skipped as malformed",
        s.inputs, s.records, s.duplicates, s.alerts, s.ignored, s.problems
    );
    if s.skimmed > 0 {
        line.push_str(&format!(
            ", {} line(s) skimmed (no rule can match them)",
            s.skimmed
        ));
    }
    if s.outside > 0 {
        line.push_str(&format!(", {} outside --since/--until", s.outside));
    }
    line
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
