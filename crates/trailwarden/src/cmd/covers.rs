//! `trailwarden filter covers` (placeholder until written; wired from `filter.rs`).
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("'covers' is not implemented yet")
}
