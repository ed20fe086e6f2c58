//! `trailwarden-controls`: the CIS AWS Foundations Benchmark Monitoring controls, as data.
//!
//! The data lives in `controls/<family>/<version>/*.toml` at the workspace root (one file per control
//! plus a `benchmark.toml`; see `controls/README.md`). This crate embeds those files at compile time,
//! parses them, and validates every pattern with [`cwl_filter`], so a binary built from a green test
//! run cannot carry a broken control.
//!
//! ```
//! use trailwarden_controls::{Benchmark, Catalog};
//!
//! let catalog = Catalog::builtin()?;
//! let v3 = catalog.benchmark("v3.0.0").expect("v3.0.0 is built in");
//! assert_eq!(v3.id, Benchmark::default_id());
//! let sg = v3.control("4.10").expect("4.10 exists");
//! assert_eq!(sg.metric_name.as_deref(), Some("SecurityGroupChanges"));
//! let pattern = sg.compiled().expect("a metric-filter control has a pattern");
//! assert!(pattern.matches_message(r#"{"eventName": "AuthorizeSecurityGroupIngress"}"#));
//! # Ok::<(), trailwarden_controls::Error>(())
//! ```
#![forbid(unsafe_code)]

mod catalog;
mod error;
mod load;
mod model;

pub use catalog::Catalog;
pub use error::Error;
pub use model::{
    Alternative, Assessment, Benchmark, Control, Example, Kind, Level, SecurityHub, Variant,
    CANONICAL, DEFAULT_BENCHMARK_ID, SECURITY_HUB,
};
