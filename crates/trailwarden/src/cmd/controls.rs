//! `trailwarden controls` (placeholder until written).
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("'controls' is not implemented yet")
}
