//! Test harness for trailwarden's AWS tests: a real moto server, and accounts built inside it.
//!
//! ```no_run
//! # async fn demo() {
//! use trailwarden_testkit::{MotoServer, TestAccount};
//! let moto = MotoServer::shared(); // one server per test binary, killed when the binary exits
//! let account = TestAccount::new(moto, "100000000001").await; // each test its own account
//! account.textbook("eu-west-1").await; // trail → log group → filter → alarm → topic → subscriber
//! # }
//! ```
//!
//! moto is installed by `scripts/setup-moto.sh` into `.venv` (or named by `$TRAILWARDEN_MOTO_SERVER`); without
//! it every test using the harness fails with that instruction, never passes silently.
//!
//! This crate is a dev-dependency only: it panics (fails the test) on any setup error.
#![forbid(unsafe_code)]

mod account;
mod moto;

pub use account::{
    fake_credentials, moto_config, test_config, TestAccount, TrailSpec, DEFAULT_ACCOUNT,
    ROOT_USAGE_PATTERN,
};
pub use moto::{moto_executable, repo_root, MotoServer};

/// Runs a future to completion on a fresh single-threaded runtime (for synchronous tests, e.g. CLI tests
/// that build their account with the SDK and then run the binary).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(future)
}
