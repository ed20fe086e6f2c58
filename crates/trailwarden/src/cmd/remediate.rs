//! `trailwarden remediate`: plan (and with `--apply`, make) exactly what the failing controls miss, or export
//! the plan as Terraform, CloudFormation or an `aws` CLI script.
//!
//! Exit codes: 0 when the plan (or, with `--apply`, the account afterwards) leaves nothing failing that
//! trailwarden could fix; 1 when some failing control is blocked (reported in the plan, e.g. no qualifying
//! trail, a topic whose subscriptions are all pending), still fails after `--apply`, or was left to you (a
//! subscribed queue that has a policy of its own, or a KMS key a human must change: what to do is printed);
//! 2 on a usage or input error, including a name collision with a resource trailwarden did not create.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use serde_json::json;
use trailwarden_audit::{evaluate, Finding, Selection, Status};
use trailwarden_controls::Catalog;
use trailwarden_evidence::Evidence;
use trailwarden_remediate::apply::Outcome;
use trailwarden_remediate::export::{self, Format};
use trailwarden_remediate::{
    plan, Options, Subscriber, TopicChoice, DEFAULT_LOG_RETENTION_DAYS, DEFAULT_NAMESPACE,
    DEFAULT_TOPIC_NAME,
};

#[derive(clap::Args)]
pub struct Args {
    /// Plan from this evidence file (`trailwarden collect --output FILE`) instead of collecting live.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    /// Live selection (when no --evidence): profile, region(s), endpoint, accounts.
    #[command(flatten)]
    selection: super::collect::Selection,
    /// Controls to remediate, e.g. `4.3,4.12` (default: all).
    #[arg(long, value_delimiter = ',')]
    controls: Vec<String>,
    /// Benchmark id or version (default: cis-aws-foundations-v3.0.0).
    #[arg(long, value_name = "ID")]
    benchmark: Option<String>,
    /// Reuse this SNS topic for the alarms (it must be in the alarms' region).
    #[arg(long, value_name = "ARN", conflicts_with = "topic_name")]
    topic_arn: Option<String>,
    /// Name of the SNS topic to create in each place that needs one.
    #[arg(long, value_name = "NAME")]
    topic_name: Option<String>,
    /// Subscribe an endpoint: `email:ADDR`, `https:URL`, `sqs:ARN` or `lambda:ARN` (repeatable).
    #[arg(long, value_name = "PROTOCOL:ENDPOINT")]
    subscribe: Vec<String>,
    /// CloudWatch namespace of the metrics created.
    #[arg(long, value_name = "NS", default_value = DEFAULT_NAMESPACE)]
    namespace: String,
    /// Write Security Hub's exact pattern strings where Security Hub has one (it compares text literally).
    #[arg(long)]
    security_hub_compatible: bool,
    /// In an account without a qualifying trail, create one: S3 bucket (public access blocked) with the
    /// CloudTrail bucket policy, log group, CloudTrail→CloudWatch Logs role, multi-region trail; then the
    /// filters and alarms on its log group.
    #[arg(long)]
    setup_trail: bool,
    /// Retention of the log group --setup-trail creates, in days (a value CloudWatch Logs accepts).
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_LOG_RETENTION_DAYS, requires = "setup_trail")]
    log_retention_days: i32,
    /// Home region of the trail --setup-trail creates (default: --region, else the first audited region).
    #[arg(long, value_name = "R", requires = "setup_trail")]
    trail_region: Option<String>,
    /// Remediate 4.16: enable Security Hub where it is off (default standards off), and subscribe the
    /// benchmark's CIS standard where Security Hub has one. Security Hub is billed per check and finding.
    #[arg(long)]
    enable_security_hub: bool,
    /// Make the changes in AWS, then collect and audit again and print before → after (without it, only the
    /// plan is printed). Needs live collection, not --evidence.
    #[arg(long, conflicts_with = "evidence")]
    apply: bool,
    /// Output format.
    #[arg(
        long,
        default_value = "plan",
        value_name = "plan|json|terraform|cloudformation|cli|iam-policy"
    )]
    format: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format = Format::parse(&args.format)?;
    let catalog = Catalog::builtin().context("loading the built-in controls")?;
    let benchmark = catalog.resolve(args.benchmark.as_deref())?;
    let subscribers = args
        .subscribe
        .iter()
        .map(|s| Subscriber::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let topic = match (&args.topic_arn, &args.topic_name) {
        (Some(arn), _) => TopicChoice::Reuse(arn.clone()),
        (None, Some(name)) => TopicChoice::Create(name.clone()),
        (None, None) => TopicChoice::Create(DEFAULT_TOPIC_NAME.to_string()),
    };
    let options = Options {
        controls: args.controls.clone(),
        topic,
        subscribers,
        namespace: args.namespace.clone(),
        security_hub_compatible: args.security_hub_compatible,
        setup_trail: args.setup_trail,
        log_retention_days: args.log_retention_days,
        trail_region: args
            .trail_region
            .clone()
            .or_else(|| args.selection.region.clone()),
        enable_security_hub: args.enable_security_hub,
    };
    if args.apply && !matches!(format, Format::Plan | Format::Json) {
        bail!(
            "--apply prints the plan and the before/after audit: use --format plan or json with it"
        );
    }
    if args.evidence.is_some() && args.selection.any() {
        bail!("--evidence reads a file: it cannot be combined with the live selection flags (--profile, --region, ...)");
    }
    let evidence = match &args.evidence {
        Some(path) => load_evidence(path)?,
        None => args.selection.collect(false)?,
    };
    let the_plan = plan(&evidence, benchmark, &options)?;
    if !args.apply {
        print!("{}", export::render(&the_plan, format)?);
        return Ok(if the_plan.blocked.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }

    let selection = Selection::parse(benchmark, &args.controls.join(","))?;
    let before = evaluate(&evidence, benchmark, &selection);
    // Multi-account: each account's actions run with the credentials the collector used there (its own, or
    // the --assume-role role); an account it cannot reach stops the run before anything is written.
    let collected_with = args.selection.options(trailwarden_aws::Progress::Quiet)?;
    let report = trailwarden_remediate::accounts::apply_live(&the_plan, &collected_with)?;
    let after_evidence = args
        .selection
        .collect(false)
        .context("collecting again after applying")?;
    let after = evaluate(&after_evidence, benchmark, &selection);
    // 4.16 counts only when it was asked to be fixed (--enable-security-hub).
    let still_failing = after.iter().any(|f| {
        f.status != Status::Pass
            && (f.control_is_metric_filter(benchmark) || args.enable_security_hub)
    });
    let manual = report.results.iter().any(|(_, o)| o.note().is_some());
    match format {
        Format::Json => {
            let doc = json!({
                "actions": the_plan.actions,
                "applied": report.results.iter().map(|(a, o)| {
                    let mut entry = json!({"action": a.describe(), "outcome": outcome_word(o)});
                    if let Some(why) = o.note() {
                        entry["note"] = json!(why);
                    }
                    entry
                }).collect::<Vec<_>>(),
                "before": statuses(&before),
                "after": statuses(&after),
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        _ => {
            print!("{}", export::render(&the_plan, Format::Plan)?);
            println!("\nApplied:");
            for (a, o) in &report.results {
                println!("  [{}] {}", outcome_word(o), a.describe());
                if let Some(why) = o.note() {
                    println!("      {why}");
                }
            }
            println!("\nBefore → after:");
            for b in &before {
                let a = after
                    .iter()
                    .find(|a| {
                        (&a.control, &a.account, &a.region) == (&b.control, &b.account, &b.region)
                    })
                    .map_or("(not seen)", |a| a.status.as_str());
                println!(
                    "  {:<5} {:<12} {:<10} {} → {a}",
                    b.control, b.account, b.region, b.status
                );
            }
        }
    }
    Ok(if still_failing || manual || !the_plan.blocked.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// How an applied action ended, in one word (JSON) or two (text).
fn outcome_word(o: &Outcome) -> &'static str {
    match o {
        Outcome::Done | Outcome::DoneWithNote(_) => "done",
        Outcome::AlreadyThere => "already-there",
        Outcome::Manual(_) => "left-to-you",
    }
}

/// `[{control, account, region, status}]` for the before/after report.
fn statuses(findings: &[Finding]) -> serde_json::Value {
    findings
        .iter()
        .map(|f| json!({"control": f.control, "account": f.account, "region": f.region, "status": f.status}))
        .collect()
}

trait MetricFilterControl {
    fn control_is_metric_filter(&self, benchmark: &trailwarden_controls::Benchmark) -> bool;
}

impl MetricFilterControl for Finding {
    /// 4.16 (Security Hub) is remediated only with `--enable-security-hub`; otherwise it does not make
    /// `--apply` fail.
    fn control_is_metric_filter(&self, benchmark: &trailwarden_controls::Benchmark) -> bool {
        benchmark
            .control(&self.control)
            .is_some_and(|c| c.kind == trailwarden_controls::Kind::MetricFilter)
    }
}

fn load_evidence(path: &PathBuf) -> anyhow::Result<Evidence> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading evidence file {}", path.display()))?;
    Evidence::from_json(&text).with_context(|| format!("evidence file {}", path.display()))
}
