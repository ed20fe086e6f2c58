//! The `trailwarden` command line. `main` only parses arguments and dispatches: each subcommand lives
//! in its own file under `cmd/`, owns its flags (a clap `Args` struct) and returns an exit code.
//!
//! Exit codes (the contract in DESIGN.md): 0 nothing failed, 1 a control failed / something was
//! detected or skipped (per subcommand docs), 2 a usage or input error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(name = "trailwarden", version, about = "Audit, remediate and detect the CIS AWS Foundations Monitoring controls", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with CloudWatch Logs filter patterns offline: test, explain, compare coverage.
    Filter(cmd::filter::Args),
    /// List and show the benchmark controls trailwarden knows.
    Controls(cmd::controls::Args),
    /// Audit accounts (live, or from an evidence file) against the CIS Monitoring controls.
    Audit(cmd::audit::Args),
    /// Collect the audit evidence from AWS into a file, without evaluating it.
    Collect(cmd::collect::Args),
    /// Detect the monitored events in CloudTrail logs, with CloudWatch's semantics.
    Detect(cmd::detect::Args),
    /// Plan, export or apply exactly what the failing Monitoring controls miss.
    Remediate(cmd::remediate::Args),
    /// Test that each control's deployed chain counts realistic events and notifies (--fire: for real).
    Verify(cmd::verify::Args),
    /// Print the least-privilege IAM policy of audit, remediate --apply or detect.
    IamPolicy(cmd::iam_policy::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Filter(args) => cmd::filter::run(args),
        Command::Controls(args) => cmd::controls::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Collect(args) => cmd::collect::run(args),
        Command::Detect(args) => cmd::detect::run(args),
        Command::Remediate(args) => cmd::remediate::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::IamPolicy(args) => cmd::iam_policy::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // Fatal errors: one readable message with its causes, exit 2 (usage/input error).
            eprintln!("trailwarden: {err:#}");
            ExitCode::from(2)
        }
    }
}
