//! `trailwarden collect`: read the audit evidence from AWS (read-only calls) and write the evidence document.
//!
//! The AWS selection flags live in [`Selection`], which `audit` (and any other live command) flattens into its
//! own arguments and turns into evidence with [`Selection::collect`].

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use trailwarden_aws::{AccountSelection, CollectOptions, Progress, RegionSelection};
use trailwarden_evidence::{Evidence, Observed};

/// Which AWS accounts and regions to read, and how to reach them (the stable selection flags).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Selection {
    /// AWS profile to collect with; repeat for several principals (default: the standard credential chain).
    #[arg(long, value_name = "P")]
    pub profile: Vec<String>,
    /// Home region (default: AWS_REGION or the profile's region). Without --regions, only this region is audited.
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// Regions to audit: `all` (every enabled region; the default without --region) or r1,r2,...
    #[arg(long, value_name = "all|r1,r2")]
    pub regions: Option<String>,
    /// Send every AWS request to this URL (e.g. a local moto server); default: AWS_ENDPOINT_URL.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Role name to assume in each audited account (with --accounts or --organization).
    #[arg(long, value_name = "NAME")]
    pub assume_role: Option<String>,
    /// Account ids to audit, comma-separated (needs --assume-role).
    #[arg(long, value_name = "ID,...", conflicts_with = "organization")]
    pub accounts: Option<String>,
    /// Audit every active account of the caller's organization (needs --assume-role).
    #[arg(long)]
    pub organization: bool,
}

impl Selection {
    /// Whether any selection flag was given (commands that can also read a file use this to reject a mix).
    pub fn any(&self) -> bool {
        !self.profile.is_empty()
            || self.region.is_some()
            || self.regions.is_some()
            || self.endpoint_url.is_some()
            || self.assume_role.is_some()
            || self.accounts.is_some()
            || self.organization
    }

    /// The collection options these flags describe (validated: a bad flag is named in the error).
    pub fn options(&self, progress: Progress) -> anyhow::Result<CollectOptions> {
        let regions = match (&self.regions, &self.region) {
            (Some(list), _) => RegionSelection::parse(list).context("--regions")?,
            (None, Some(_)) => RegionSelection::Home,
            (None, None) => RegionSelection::All,
        };
        let accounts = match (&self.accounts, self.organization) {
            (Some(ids), _) => AccountSelection::Accounts(
                ids.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            (None, true) => AccountSelection::Organization,
            (None, false) => AccountSelection::Callers,
        };
        let options = CollectOptions {
            profiles: self.profile.clone(),
            region: self.region.clone(),
            regions,
            endpoint_url: self.endpoint_url.clone(),
            assume_role: self.assume_role.clone(),
            accounts,
            progress,
            ..CollectOptions::default()
        };
        options.validate()?;
        Ok(options)
    }

    /// Collects the evidence from AWS, with progress on stderr unless `quiet`: a bar on a terminal, else a plain
    /// line per account and region.
    pub fn collect(&self, quiet: bool) -> anyhow::Result<Evidence> {
        // A bar only where someone watches it; pipes and logs keep the plain lines scripts and tests read.
        let progress = if quiet {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            Progress::Bar
        } else {
            Progress::Lines
        };
        let options = self.options(progress)?;
        let report = trailwarden_aws::collect_report(&options)
            .context("collecting the evidence from AWS")?;
        if !quiet {
            eprintln!(
                "trailwarden: collected {} account(s) with {} AWS request(s); {} call(s) failed and are recorded as errors",
                report.evidence.accounts.len(),
                report.total_requests(),
                count_errors(&report.evidence)
            );
        }
        Ok(report.evidence)
    }
}

/// The recorded failures of a document (each becomes ERROR in the audit of what it hid).
pub fn count_errors(evidence: &Evidence) -> usize {
    // "Does not exist" is an answer (a missing log group, topic or key), not a failed call.
    fn e<T>(o: &Observed<T>) -> usize {
        usize::from(
            o.error()
                .is_some_and(|x| x.kind != trailwarden_evidence::ErrorKind::NotFound),
        )
    }
    evidence
        .accounts
        .iter()
        .map(|a| {
            a.collection_errors.len()
                + a.regions.iter().map(|r| e(&r.enabled)).sum::<usize>()
                + e(&a.trails)
                + a.trails.ok().map_or(0, |ts| ts.iter().map(|t| e(&t.status) + e(&t.event_selectors)).sum())
                + a.log_groups
                    .iter()
                    .map(|g| e(&g.metric_filters) + g.exists.as_ref().map_or(0, e))
                    .sum::<usize>()
                + a.alarms.iter().map(|r| e(&r.alarms)).sum::<usize>()
                + a.topics.iter().map(|t| e(&t.subscriptions) + e(&t.attributes)).sum::<usize>()
                + a.kms_keys.iter().map(|k| e(&k.description) + e(&k.policy)).sum::<usize>()
                // Security Hub's "not subscribed" is an answer (disabled), not a failure.
                + a.security_hub
                    .iter()
                    .filter(|h| h.status.error().is_some_and(|x| x.kind != trailwarden_evidence::ErrorKind::NotSubscribed))
                    .count()
        })
        .sum()
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    selection: Selection,
    /// Write the evidence document (JSON) to FILE; `-` or absent writes it to stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// No progress lines on stderr.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let evidence = args.selection.collect(args.quiet)?;
    let mut text =
        serde_json::to_string_pretty(&evidence).context("cannot serialize the evidence")?;
    text.push('\n');
    match args.output.as_deref() {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            if !args.quiet && std::io::stderr().is_terminal() {
                eprintln!("trailwarden: wrote {}", path.display());
            }
        }
        _ => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                // A closed pipe (`| head`) is the reader's choice, not an error.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e).context("cannot write the evidence to stdout");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key policy that could not be read is a failed call like any other.
    #[test]
    fn a_denied_key_policy_counts_as_a_failed_call() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trailwarden-audit/tests/fixtures/topic-cmk-policy-denied.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let evidence = Evidence::from_json(&text).unwrap();
        assert_eq!(count_errors(&evidence), 1);
    }

    /// A log group whose existence could not be checked is a failed call; one that does not
    /// exist is an answer (its filters' `NotFound` too).
    #[test]
    fn log_group_existence_denied_counts_missing_does_not() {
        let fixture = |name: &str| {
            let path = format!(
                "{}/../trailwarden-audit/tests/fixtures/{name}.json",
                env!("CARGO_MANIFEST_DIR")
            );
            Evidence::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
        };
        assert_eq!(count_errors(&fixture("log-group-describe-denied")), 1);
        assert_eq!(count_errors(&fixture("log-group-does-not-exist")), 0);
        assert_eq!(count_errors(&fixture("log-group-exists")), 0);
    }
}
