//! `trailwarden-remediate`: create exactly what is missing for the CIS Monitoring controls, or export it as code.
//!
//! [`plan`] is a pure function of an evidence document, a benchmark and [`Options`]: it asks the audit which
//! link of each control's chain is broken and plans only what comes after it (metric filter with the
//! benchmark's exact pattern, single-event alarm, SNS topic with a policy that lets CloudWatch publish,
//! subscriptions), reusing what already works and refusing ([`PlanError::Collision`]) to touch a resource of
//! the same name that it did not create. Everything it creates is tagged `managed-by=trailwarden` (metric
//! filters cannot carry tags). A failing control whose account has no qualifying trail is reported in
//! [`Plan::blocked`], never guessed at — unless [`Options::setup_trail`] asks for a new trail (bucket with its
//! policy, log group with a retention period, the CloudTrail → CloudWatch Logs role, a multi-region trail),
//! whose log group then gets the filters. [`Options::enable_security_hub`] remediates 4.16; SQS and Lambda
//! subscribers get the resource policy that lets the topic reach them. [`permissions`] lists the IAM actions
//! of those options.
//!
//! [`export`] renders a plan as a readable list, JSON, Terraform, CloudFormation or a bash script of `aws`
//! commands.
//!
//! ```
//! use trailwarden_controls::Catalog;
//! use trailwarden_evidence::Evidence;
//! use trailwarden_remediate::{plan, Options};
//!
//! // An account with no trail at all: nothing to create, the plan says what is missing.
//! let evidence = Evidence::from_json(r#"{"schema": "trailwarden.evidence/v1",
//!   "collected_at": "2026-11-25T16:00:00Z", "tool": {"name": "t", "version": "0"},
//!   "accounts": [{"account_id": "111122223333", "regions": [], "trails": {"ok": []}}]}"#)?;
//! let benchmark = Catalog::builtin()?.resolve(None)?;
//! let options = Options { controls: vec!["4.3".into()], ..Options::default() };
//! let p = plan(&evidence, benchmark, &options)?;
//! assert!(p.actions.is_empty());
//! assert!(p.blocked[0].reason.contains("no qualifying trail"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod accounts;
pub mod apply;
pub mod export;
pub mod kms;
mod model;
mod options;
pub mod permissions;
mod planner;
mod policy;
pub mod verify;

pub use model::*;
pub use options::{
    setup_bucket_name, Options, Subscriber, TopicChoice, DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_NAMESPACE, DEFAULT_TOPIC_NAME, MANAGED_BY, RETENTION_DAYS, SETUP_LOG_GROUP,
    SETUP_ROLE_NAME, SETUP_ROLE_POLICY, SETUP_TRAIL_NAME,
};
pub use planner::{lambda_statement_id, metric_name, plan, security_hub_standard};
pub use policy::topic_policy;
