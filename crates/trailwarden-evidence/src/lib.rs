//! The evidence document of a trailwarden audit (schema `trailwarden.evidence/v1`).
//!
//! Collection (the only step that talks to AWS) writes an [`Evidence`]; evaluation reads it. Keeping this
//! boundary as a versioned, documented JSON document means an audit can be replayed, reviewed and tested from
//! files, and an auditor can evaluate evidence collected by someone else. See `docs/evidence.md`.
//!
//! Every observation the audit depends on is an [`Observed<T>`]: either the API's answer or the error that
//! hid it. An audit that cannot see something reports ERROR, never PASS.
//!
//! ```
//! use trailwarden_evidence::{Evidence, Observed};
//! let text = r#"{
//!   "schema": "trailwarden.evidence/v1",
//!   "collected_at": "2026-11-25T16:00:00Z",
//!   "tool": {"name": "trailwarden", "version": "0.1.0"},
//!   "accounts": [{
//!     "account_id": "111122223333",
//!     "regions": [{"region": "us-east-1", "enabled": {"ok": true}}],
//!     "trails": {"error": {"kind": "AccessDenied", "operation": "DescribeTrails", "region": "us-east-1",
//!                          "message": "not authorized"}}
//!   }]
//! }"#;
//! let evidence = Evidence::from_json(text).unwrap();
//! assert!(matches!(evidence.accounts[0].trails, Observed::Error(_)));
//! ```
#![forbid(unsafe_code)]

pub mod arn;
mod load;
mod model;
mod observed;

pub use load::EvidenceError;
pub use model::*;
pub use observed::{ErrorKind, ObservationError, Observed};

impl AccountEvidence {
    /// The log group with this ARN (with or without `:*`), if the collector recorded it.
    pub fn log_group(&self, arn: &str) -> Option<&LogGroup> {
        let wanted = arn::LogGroupRef::parse(arn)?.arn();
        self.log_groups
            .iter()
            .find(|g| arn::LogGroupRef::parse(&g.arn).is_some_and(|r| r.arn() == wanted))
    }

    /// The alarms recorded for a region.
    pub fn alarms_in(&self, region: &str) -> Option<&RegionAlarms> {
        self.alarms.iter().find(|a| a.region == region)
    }

    /// The topic with this ARN, if recorded.
    pub fn topic(&self, arn: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.arn == arn)
    }

    /// The KMS key a topic in `region` names `key_id` (as in its `KmsMasterKeyId`), if recorded.
    pub fn kms_key(&self, key_id: &str, region: &str) -> Option<&KmsKey> {
        self.kms_keys
            .iter()
            .find(|k| k.key_id == key_id && k.region == region)
    }
}

impl Evidence {
    /// A new, empty document stamped with this schema.
    pub fn new(collected_at: impl Into<String>, tool: Tool) -> Evidence {
        Evidence {
            schema: SCHEMA_V1.to_string(),
            collected_at: collected_at.into(),
            tool,
            accounts: Vec::new(),
        }
    }

    /// The account with this id, if present.
    pub fn account(&self, account_id: &str) -> Option<&AccountEvidence> {
        self.accounts.iter().find(|a| a.account_id == account_id)
    }
}
