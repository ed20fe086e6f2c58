//! `cwl-filter`: the CloudWatch Logs filter-pattern language, done faithfully.
//!
//! (Crate overview, semantics decisions and a runnable example: written with the parser.)
#![forbid(unsafe_code)]

pub mod analysis;
pub mod ast;
pub mod event;
pub mod semantics;

pub use ast::{Pattern, PatternKind, Span};
pub use event::{Event, FieldValue};
