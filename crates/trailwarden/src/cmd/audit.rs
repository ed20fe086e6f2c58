//! `trailwarden audit` (placeholder until written).
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("'audit' is not implemented yet")
}
