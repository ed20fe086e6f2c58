//! One module per subcommand. Each exposes a clap `Args` struct and `run(Args) -> Result<ExitCode>`.
pub mod audit;
pub mod collect;
pub mod controls;
pub mod covers;
pub mod detect;
pub mod filter;
pub mod iam_policy;
pub mod remediate;
pub mod verify;
