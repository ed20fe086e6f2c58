//! `trailwarden iam-policy audit|remediate|detect [--format json|text]`: the least-privilege IAM policy of
//! each job, from the permission tables of `trailwarden_aws::permissions` (tested against the operations each
//! job really sends to moto).
//!
//! `json` (the default) prints a policy document ready for `aws iam create-policy --policy-document`; `text`
//! lists each action with why it is needed. Flags widen or narrow the policy: `--organization` and
//! `--assume-role` for the audit, `--source`, `--notify-sns` and resource scopes for the detector,
//! `--setup-trail`, `--enable-security-hub`, `--subscribe-sqs` and `--subscribe-lambda` for remediation (their
//! statements come from `trailwarden_remediate::permissions`). A flag that
//! does not apply to the chosen job is a usage error (exit 2), so a typo never silently yields a wider policy.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use trailwarden_aws::permissions::{self, Access, Mode, Need, PolicyOptions};
use trailwarden_remediate::permissions::{self as remediate_permissions, Feature};

#[derive(clap::Args)]
pub struct Args {
    /// The job whose permissions to print.
    #[arg(value_enum)]
    mode: ModeArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// audit: the organization's accounts are listed and audited (adds organizations:ListAccounts and sts:AssumeRole).
    #[arg(long)]
    organization: bool,
    /// audit: the role name assumed in each target account (scopes sts:AssumeRole to it).
    #[arg(long, value_name = "NAME")]
    assume_role: Option<String>,
    /// detect: the AWS sources used (repeatable) [default: both].
    #[arg(long, value_enum, value_name = "KIND")]
    source: Vec<SourceArg>,
    /// detect: alerts are published to SNS (adds sns:Publish).
    #[arg(long)]
    notify_sns: bool,
    /// detect: scope the S3 permissions to this bucket.
    #[arg(long, value_name = "NAME")]
    bucket: Option<String>,
    /// detect: scope the SQS permissions to this queue ARN.
    #[arg(long, value_name = "ARN")]
    queue_arn: Option<String>,
    /// detect: scope sns:Publish to this topic ARN (implies --notify-sns).
    #[arg(long, value_name = "ARN")]
    topic_arn: Option<String>,
    /// remediate: `--setup-trail` (bucket, log group, role, trail; scoped to their fixed names).
    #[arg(long)]
    setup_trail: bool,
    /// remediate: `--enable-security-hub` (4.16).
    #[arg(long)]
    enable_security_hub: bool,
    /// remediate: `--subscribe sqs:ARN` (the queue policy).
    #[arg(long)]
    subscribe_sqs: bool,
    /// remediate: `--subscribe lambda:ARN` (the function's permission).
    #[arg(long)]
    subscribe_lambda: bool,
    /// The partition of the role and bucket ARNs.
    #[arg(long, default_value = "aws", value_name = "NAME")]
    partition: String,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ModeArg {
    Audit,
    Remediate,
    Detect,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Json,
    Text,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SourceArg {
    S3,
    Sqs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (mode, options) = resolve(&args)?;
    let features = features(&args);
    let out = match args.format {
        Format::Json => {
            let mut doc = permissions::policy(mode, &options);
            if let Some(statements) = doc["Statement"].as_array_mut() {
                statements.extend(remediate_permissions::statements(
                    &features,
                    &args.partition,
                ));
            }
            let mut text =
                serde_json::to_string_pretty(&Ordered(&doc)).context("rendering the policy")?;
            text.push('\n');
            text
        }
        Format::Text => text(mode, &options, &features, &args.partition),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("writing the policy")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A policy document with its keys in the order AWS's own examples use (`Version`, then `Statement`; `Sid`,
/// `Effect`, `Action`, `Resource`), which is easier to read than serde_json's alphabetical maps.
struct Ordered<'a>(&'a serde_json::Value);

impl serde::Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        const KEYS: [&str; 6] = [
            "Version",
            "Statement",
            "Sid",
            "Effect",
            "Action",
            "Resource",
        ];
        match self.0 {
            serde_json::Value::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                let known = KEYS.iter().filter_map(|k| map.get_key_value(*k));
                let rest = map.iter().filter(|(k, _)| !KEYS.contains(&k.as_str()));
                for (k, v) in known.chain(rest) {
                    out.serialize_entry(k, &Ordered(v))?;
                }
                out.end()
            }
            serde_json::Value::Array(items) => serializer.collect_seq(items.iter().map(Ordered)),
            other => other.serialize(serializer),
        }
    }
}

/// Checks that every flag given applies to the mode, and builds the policy options.
fn resolve(args: &Args) -> anyhow::Result<(Mode, PolicyOptions)> {
    let mode = match args.mode {
        ModeArg::Audit => Mode::Audit,
        ModeArg::Remediate => Mode::Remediate,
        ModeArg::Detect => Mode::Detect,
    };
    let remediate_flags = [
        ("--setup-trail", args.setup_trail),
        ("--enable-security-hub", args.enable_security_hub),
        ("--subscribe-sqs", args.subscribe_sqs),
        ("--subscribe-lambda", args.subscribe_lambda),
    ];
    let audit_flags = [
        ("--organization", args.organization),
        ("--assume-role", args.assume_role.is_some()),
    ];
    let detect_flags = [
        ("--source", !args.source.is_empty()),
        ("--notify-sns", args.notify_sns),
        ("--bucket", args.bucket.is_some()),
        ("--queue-arn", args.queue_arn.is_some()),
        ("--topic-arn", args.topic_arn.is_some()),
    ];
    let foreign = match mode {
        Mode::Audit => detect_flags.iter().chain(&remediate_flags).find(|f| f.1),
        Mode::Remediate => audit_flags.iter().chain(&detect_flags).find(|f| f.1),
        Mode::Detect => audit_flags.iter().chain(&remediate_flags).find(|f| f.1),
    };
    if let Some((flag, _)) = foreign {
        bail!("{flag} does not apply to `iam-policy {mode}`");
    }
    if let Some(role) = &args.assume_role {
        if role.is_empty() || role.contains(':') {
            bail!("--assume-role takes a role name (or path/name), not an ARN: '{role}'");
        }
    }
    for (flag, arn, service) in [
        ("--queue-arn", &args.queue_arn, "sqs"),
        ("--topic-arn", &args.topic_arn, "sns"),
    ] {
        if let Some(arn) = arn {
            let parts: Vec<&str> = arn.split(':').collect();
            if parts.len() != 6 || parts[0] != "arn" || parts[2] != service {
                bail!("{flag}: '{arn}' is not an {service} ARN (arn:PARTITION:{service}:REGION:ACCOUNT:NAME)");
            }
        }
    }
    let p = &args.partition;
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        bail!("--partition: '{p}' is not an AWS partition (aws, aws-cn, aws-us-gov)");
    }
    if let Some(bucket) = &args.bucket {
        if bucket.is_empty() || bucket.contains(['/', ':', '*']) {
            bail!("--bucket takes a bucket name, not a URL or ARN: '{bucket}'");
        }
    }
    let options = PolicyOptions {
        organization: args.organization,
        assume_role: args.assume_role.clone(),
        sources: args
            .source
            .iter()
            .map(|s| match s {
                SourceArg::S3 => Need::S3Source,
                SourceArg::Sqs => Need::SqsSource,
            })
            .collect(),
        notify_sns: args.notify_sns || args.topic_arn.is_some(),
        bucket: args.bucket.clone(),
        queue_arn: args.queue_arn.clone(),
        topic_arn: args.topic_arn.clone(),
        partition: args.partition.clone(),
    };
    Ok((mode, options))
}

/// The remediation features the flags ask for (only remediate accepts them).
fn features(args: &Args) -> Vec<Feature> {
    [
        (Feature::SetupTrail, args.setup_trail),
        (Feature::SecurityHub, args.enable_security_hub),
        (Feature::SqsSubscriber, args.subscribe_sqs),
        (Feature::LambdaSubscriber, args.subscribe_lambda),
    ]
    .into_iter()
    .filter_map(|(f, on)| on.then_some(f))
    .collect()
}

/// Each statement's actions with the reason for each, then what the policy leaves out on purpose.
fn text(mode: Mode, options: &PolicyOptions, features: &[Feature], partition: &str) -> String {
    let doc = permissions::policy(mode, options);
    let chosen = permissions::selected(mode, options);
    let extra = remediate_permissions::grants(features);
    let extra_actions: std::collections::BTreeSet<&str> = extra.iter().map(|g| g.action).collect();
    let writes = chosen.iter().filter(|p| p.access == Access::Write).count()
        + extra.iter().filter(|g| g.write).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "IAM policy for `trailwarden {}`: {} action(s), {}",
        match mode {
            Mode::Audit => "audit` / `collect",
            Mode::Remediate => "remediate --apply",
            Mode::Detect => "detect",
        },
        permissions::actions(mode, options).len() + extra_actions.len(),
        if writes == 0 {
            "read-only".to_owned()
        } else {
            format!("{writes} of IAM's write access level")
        }
    );
    for statement in doc["Statement"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "\n{} (Resource: {})",
            statement["Sid"].as_str().unwrap_or_default(),
            statement["Resource"].as_str().unwrap_or_default()
        );
        for action in statement["Action"].as_array().into_iter().flatten() {
            let action = action.as_str().unwrap_or_default();
            if let Some(p) = chosen.iter().find(|p| p.action == action) {
                let access = match p.access {
                    Access::Read => "read ",
                    Access::Write => "write",
                };
                let _ = writeln!(out, "  {action:<32} {access}  {}", p.why);
            }
        }
    }
    for statement in remediate_permissions::statements(features, partition) {
        let _ = writeln!(
            out,
            "\n{} (Resource: {})",
            statement["Sid"].as_str().unwrap_or_default(),
            statement["Resource"].as_str().unwrap_or_default()
        );
        for action in statement["Action"].as_array().into_iter().flatten() {
            let action = action.as_str().unwrap_or_default();
            if let Some(g) = extra.iter().find(|g| g.action == action) {
                let access = if g.write { "write" } else { "read " };
                let _ = writeln!(out, "  {action:<32} {access}  {}", g.why);
            }
        }
    }
    let notes: &[&str] = match mode {
        Mode::Audit => &[
            "With --accounts/--organization, the assumed role in each target account needs the read statement; \
             the caller needs the rest.",
        ],
        Mode::Remediate => &[
            "remediate --apply collects before planning and again after applying: the read statement is the audit's.",
            "The writes scoped to the resources of one plan instead: trailwarden remediate ... --format iam-policy.",
            "--setup-trail, --enable-security-hub, --subscribe-sqs and --subscribe-lambda add the statements of those options.",
        ],
        Mode::Detect => &[
            "Log objects or queues encrypted with a customer-managed KMS key also need kms:Decrypt on that key; \
             publishing to a topic encrypted with one needs kms:GenerateDataKey and kms:Decrypt on it.",
            "Slack, webhook and stdout notifiers and file sources need no AWS permission.",
        ],
    };
    out.push('\n');
    for note in notes {
        let _ = writeln!(out, "Note: {note}");
    }
    out
}
