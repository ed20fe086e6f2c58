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
//!
//! What moto 5.2.5 does differently from AWS (checked by the tests of `trailwarden-aws`):
//! - CloudWatch: moto speaks only the Query and JSON protocols; `aws-sdk-cloudwatch` >= 1.100 speaks only
//!   Smithy RPC v2 CBOR, hence the workspace pin `=1.99.0`.
//! - CloudTrail: a new trail has *no* event selectors (AWS gives it "All, management events");
//!   [`TestAccount::trail`] puts that selector. Organization trails are a flag only (no member visibility).
//! - CloudWatch Logs: `DescribeMetricFilters` on a missing group returns an empty list, not ResourceNotFound.
//! - SNS: subscriptions are confirmed at once (no `PendingConfirmation`): cover that with evidence files.
//! - Security Hub: `DescribeHub` and the "not subscribed" error work; `GetEnabledStandards` is not served.
//! - Account `ListRegions` is not served (so `--regions all` uses trailwarden's fallback list).
//! - STS `AssumeRole` into any account always succeeds; S3 `CreateBucket` is done by a raw request.
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
