//! `trailwarden-detect`: the CIS monitoring controls applied straight to CloudTrail records, with
//! CloudWatch Logs' matching semantics, and alerts that say who did what, where.
//!
//! The crate follows the data flow (as ripgrep splits searcher, matcher and printer):
//!
//! * [`source`] — where records come from: files, folders, stdin ([`source::FsSource`]),
//!   `s3://bucket/prefix` ([`source::S3Source`]: the CloudTrail layout walked and pruned, objects
//!   fetched in parallel) and SQS queues ([`source::SqsSource`]: S3/SNS/CloudTrail/EventBridge/
//!   CloudWatch Logs message shapes, messages deleted only once their alerts are out). Decoding (gzip, `{"Records":[…]}`
//!   streamed one record at a time, NDJSON, EventBridge envelopes, CloudWatch Logs subscription
//!   payloads, digest files skipped) is shared by every source; malformed input becomes a
//!   [`source::Problem`] with its location and the run goes on.
//! * [`rules`] — compiled filter patterns: the benchmark's controls and custom TOML rules.
//! * [`engine`] — the loop: dedup by `eventID`, match, build [`alert::Alert`]s.
//! * [`actor`] and [`summary`] — turning a record into `alice opened tcp/22 to 0.0.0.0/0 on
//!   sg-0abc (us-east-1)` with a severity and the resources acted on.
//! * [`sink`] — the text and jsonl printers; [`notify`] — alerts through the state's outbox to
//!   notifiers (grouped per actor and control, or as CloudWatch alarm transitions: [`alarm`]);
//!   [`backtest`] — the alarm timeline over a history.
//!
//! ```
//! use trailwarden_detect::{engine::Detector, rules::Rule, source::decode::decode_all, source::{Item, Layout}};
//!
//! let rule = Rule::control("4.5", "CloudTrail changes", "{ ($.eventName = StopLogging) }").unwrap();
//! let detector = Detector::new(vec![rule]);
//! let log = br#"{"Records":[{"eventName":"StopLogging","awsRegion":"us-east-1",
//!   "requestParameters":{"name":"main"},"userIdentity":{"type":"IAMUser","userName":"alice"}}]}"#;
//! for item in decode_all("log.json", log.to_vec(), Layout::Document, 1 << 20) {
//!     if let Item::Record(record) = item {
//!         let alerts = detector.alerts_for(&record);
//!         assert_eq!(alerts[0].summary, "alice stopped logging on trail main (us-east-1)");
//!     }
//! }
//! ```
// `deny`, not `forbid`: the SIMD classifier (source::fast) alone allows it, with its reason.
#![deny(unsafe_code)]

pub mod actor;
pub mod alarm;
pub mod alert;
pub mod backtest;
pub mod dedup;
pub mod engine;
pub mod notify;
pub mod pipeline;
pub mod record;
pub mod rules;
pub mod sink;
pub mod source;
pub mod summary;
pub mod template;
pub mod time;

pub use alert::{Alert, Severity};
pub use engine::{Detector, Stats};
pub use record::{Location, Record};
pub use rules::{Rule, RuleError, RuleId};
