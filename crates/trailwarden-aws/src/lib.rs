//! trailwarden's AWS edge: read-only collection of the audit evidence through the official `aws-sdk-*` crates.
//!
//! This is the only audit step that talks to AWS, and it only reads (Describe/Get/List). It builds one
//! `SdkConfig` from the standard environment (profile, region, `AWS_ENDPOINT_URL`/`--endpoint-url`, bounded
//! standard retries), derives per-account configs (assumed roles) and per-region clients from it, and writes
//! what it sees into a [`trailwarden_evidence::Evidence`]. Every failed call is classified
//! ([`trailwarden_evidence::ErrorKind`]) and recorded where its answer would have been, so the evaluator can
//! report ERROR instead of guessing.
//!
//! ```no_run
//! use trailwarden_aws::{collect, CollectOptions, RegionSelection};
//! let options = CollectOptions {
//!     region: Some("eu-west-1".into()),
//!     regions: RegionSelection::parse("eu-west-1,us-east-1")?,
//!     ..CollectOptions::default()
//! };
//! let evidence = collect(&options)?;
//! println!("{}", evidence.accounts.len());
//! # Ok::<(), trailwarden_aws::CollectError>(())
//! ```
#![forbid(unsafe_code)]

pub mod accounts;
mod alarms;
mod cloudtrail;
mod collect;
pub mod error;
mod kms;
mod logs;
mod options;
pub mod permissions;
mod progress;
pub mod record;
pub mod regions;
pub mod sdk;
mod securityhub;
mod sns;

pub use collect::{collect, collect_async, collect_report, ApiCalls, CollectReport};
pub use error::{ApiError, CollectError};
pub use options::{AccountSelection, CollectOptions, Progress, RegionSelection};
