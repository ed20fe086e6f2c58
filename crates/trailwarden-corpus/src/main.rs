//! `trailwarden-corpus --out DIR [--size 1G] [--seed N] [--per-object N]`: see the library docs.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match trailwarden_corpus::parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("trailwarden-corpus: {e}");
            return ExitCode::from(2);
        }
    };
    match trailwarden_corpus::write(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trailwarden-corpus: writing {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
