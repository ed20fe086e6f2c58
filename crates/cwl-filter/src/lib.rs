//! `cwl-filter`: the CloudWatch Logs filter-pattern language, done faithfully.
//!
//! One language serves metric filters, subscription filters, `FilterLogEvents`, Live Tail and
//! `TestMetricFilter`. A pattern is one of four kinds, decided by its first non-blank character:
//!
//! * **match-all** — empty, `""` or `" "`;
//! * **JSON** — `{ $.eventName = "ConsoleLogin" && $.errorMessage = "Failed authentication" }`;
//! * **space-delimited** — `[ip, user, ..., status_code = 4*, bytes > 1000]`;
//! * **terms** — `ERROR -DEBUG "exact phrase" %regex%`.
//!
//! [`Pattern::parse`] builds the [`ast`] (with byte [`Span`]s; errors render a `^^^` line under the
//! problem), `Display` prints it back canonically, and [`Pattern::matches_message`],
//! [`Pattern::matches_event`] and [`Pattern::test_message`] evaluate it. Where AWS's documentation
//! is silent the behaviour follows the decisions written down, with their evidence, in
//! [`semantics`]; the conformance suite (`tests/conformance/*.toml`) pins every documented vector
//! and every decision.
//!
//! ```
//! use cwl_filter::{Pattern, PatternKind};
//!
//! let p = Pattern::parse(r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*") && ($.eventName!="HeadBucket")}"#)?;
//! assert_eq!(p.kind(), PatternKind::Json);
//! // `&&` binds tighter than `||`: A || (B && C).
//! assert_eq!(p.to_string(), "{ $.errorCode = *UnauthorizedOperation || ($.errorCode = AccessDenied* && $.eventName != HeadBucket) }");
//! assert!(p.matches_message(r#"{"errorCode": "AccessDenied", "eventName": "GetObject"}"#));
//! assert!(!p.matches_message(r#"{"errorCode": "AccessDenied", "eventName": "HeadBucket"}"#));
//!
//! let d = Pattern::parse("[ip, user, ..., status=4*, size]")?;
//! let m = d.test_message("10.0.0.1 bob GET /x 404 12").expect("matches");
//! assert_eq!(m.extracted_values["$status"], "404");
//!
//! let err = Pattern::parse("{ $.a = 1").unwrap_err();
//! assert!(err.to_string().starts_with("If a filter pattern starts with '{' it must end with '}'"));
//! # Ok::<(), cwl_filter::Error>(())
//! ```
// `deny`, not `forbid`: the AVX-512 literal search (teddy) alone allows it, with its reason.
#![deny(unsafe_code)]

pub mod analysis;
pub mod ast;
pub mod compile;
pub mod error;
pub mod eval;
pub mod event;
pub mod extract;
pub mod parse;
pub mod parse_json;
pub mod prefilter;
mod print;
pub mod raw;
pub mod regex;
pub mod semantics;
pub mod set;
pub mod teddy;

pub use ast::{Pattern, PatternKind, Span};
pub use error::{Error, ErrorKind};
pub use event::{Event, FieldValue};
pub use extract::TestMatch;
