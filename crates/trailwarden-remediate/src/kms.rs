//! A reused topic (`--topic-arn`) encrypted with KMS: can the alarms the plan creates publish to it?
//!
//! CloudWatch alarms reach an encrypted topic only when the key policy lets the service principal
//! `cloudwatch.amazonaws.com` use the key (`kms:Decrypt`, `kms:GenerateDataKey*`). trailwarden never changes a
//! key policy (it did not create the key), so the plan carries a note naming the key and the statement to
//! add. The judgement is the audit's own ([`trailwarden_audit::kms::topic_key`]), so plan and audit agree.
//!
//! ```
//! use trailwarden_evidence::Evidence;
//! let evidence = Evidence::from_json(r#"{"schema": "trailwarden.evidence/v1",
//!   "collected_at": "2026-11-25T16:00:00Z", "tool": {"name": "t", "version": "0"},
//!   "accounts": [{"account_id": "111122223333", "regions": [], "trails": {"ok": []},
//!     "topics": [{"arn": "arn:aws:sns:eu-west-1:111122223333:alarms", "subscriptions": {"ok": []},
//!                 "attributes": {"ok": {"kms_master_key_id": "alias/aws/sns"}}}]}]}"#)?;
//! let note = trailwarden_remediate::kms::reused_topic_key_note(
//!     &evidence, "arn:aws:sns:eu-west-1:111122223333:alarms").unwrap();
//! assert!(note.contains("AWS managed key aws/sns"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use trailwarden_audit::kms::{cloudwatch_statement, topic_key, TopicKey};
use trailwarden_evidence::{Evidence, Observed};

/// What stands between the alarms and the reused topic `topic_arn` because of its KMS key, as a plan note
/// naming the key and the fix; `None` when the topic is not encrypted (or not in the evidence), or its key
/// lets CloudWatch use it.
pub fn reused_topic_key_note(evidence: &Evidence, topic_arn: &str) -> Option<String> {
    problem(evidence, topic_arn, true).map(|why| format!("--topic-arn {topic_arn}: {why}"))
}

/// Why CloudWatch alarms cannot publish to `topic_arn` because of its KMS key, with the fix (the statement to
/// add, or another key): only definite breaks, `None` otherwise (not encrypted, usable key, or a key policy
/// that could not be read — the topic's other problems then matter). For a topic an existing alarm already
/// notifies, this is the blocked reason: no subscriber can help.
pub fn topic_key_problem(evidence: &Evidence, topic_arn: &str) -> Option<String> {
    problem(evidence, topic_arn, false)
}

fn problem(evidence: &Evidence, topic_arn: &str, unseen_too: bool) -> Option<String> {
    let (holder, topic) = evidence
        .accounts
        .iter()
        .find_map(|a| a.topic(topic_arn).map(|t| (a, t)))?;
    let Observed::Ok(attributes) = &topic.attributes else {
        return None;
    };
    let key = attributes
        .kms_master_key_id
        .as_deref()
        .filter(|k| !k.is_empty())?;
    let statement = cloudwatch_statement().to_string();
    match topic_key(holder, topic_arn, key) {
        TopicKey::Usable(_) => None,
        TopicKey::Broken(why) if why.contains("AWS managed key") => Some(format!(
            "{why}; encrypt the topic with a customer managed key whose key policy has the statement {statement}, or use another topic (trailwarden never changes encryption or key policies)"
        )),
        TopicKey::Broken(why) => Some(format!(
            "{why} (trailwarden never changes key policies: the alarms notify no one until this is done)"
        )),
        TopicKey::Unseen(_) if !unseen_too => None,
        TopicKey::Unseen(why) => Some(format!(
            "{why}; make sure the key policy of {key} has the statement {statement}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: &str = "arn:aws:sns:eu-west-1:111122223333:alarms";

    fn evidence(key_id: Option<&str>, keys: &str) -> Evidence {
        let attributes = match key_id {
            Some(k) => format!(r#"{{"kms_master_key_id": "{k}"}}"#),
            None => "{}".into(),
        };
        Evidence::from_json(&format!(
            r#"{{"schema": "trailwarden.evidence/v1", "collected_at": "2026-11-25T16:00:00Z",
              "tool": {{"name": "t", "version": "0"}},
              "accounts": [{{"account_id": "111122223333", "regions": [], "trails": {{"ok": []}},
                "topics": [{{"arn": "{TOPIC}", "subscriptions": {{"ok": []}}, "attributes": {{"ok": {attributes}}}}}],
                "kms_keys": {keys}}}]}}"#
        ))
        .unwrap()
    }

    fn key(policy: &str) -> String {
        format!(
            r#"[{{"key_id": "alias/alarms", "region": "eu-west-1",
                "description": {{"ok": {{"arn": "arn:aws:kms:eu-west-1:111122223333:key/k1", "key_manager": "CUSTOMER", "key_state": "Enabled"}}}},
                "policy": {policy}}}]"#
        )
    }

    fn policy(statement: serde_json::Value) -> String {
        let doc =
            serde_json::json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
        serde_json::json!({ "ok": doc }).to_string()
    }

    #[test]
    fn an_unencrypted_topic_or_a_usable_key_needs_no_note() {
        assert_eq!(reused_topic_key_note(&evidence(None, "[]"), TOPIC), None);
        let ok = key(&policy(cloudwatch_statement()));
        assert_eq!(
            reused_topic_key_note(&evidence(Some("alias/alarms"), &ok), TOPIC),
            None
        );
        assert_eq!(
            reused_topic_key_note(&evidence(None, "[]"), "arn:aws:sns:eu-west-1:1:other"),
            None
        );
    }

    #[test]
    fn a_key_cloudwatch_may_not_use_is_named_with_the_statement_to_add() {
        let root = serde_json::json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                      "Action": "kms:*", "Resource": "*"});
        let note =
            reused_topic_key_note(&evidence(Some("alias/alarms"), &key(&policy(root))), TOPIC)
                .expect("a note");
        assert!(note.starts_with(&format!("--topic-arn {TOPIC}: SNS topic {TOPIC} is encrypted with KMS key arn:aws:kms:eu-west-1:111122223333:key/k1, but its key policy does not allow")), "{note}");
        assert!(
            note.contains(r#""Principal":{"Service":"cloudwatch.amazonaws.com"}"#),
            "{note}"
        );
        assert!(note.contains("never changes key policies"), "{note}");
    }

    #[test]
    fn an_unreadable_policy_says_what_to_check() {
        let denied =
            r#"{"error": {"kind": "AccessDenied", "operation": "GetKeyPolicy", "message": "no"}}"#;
        let note = reused_topic_key_note(&evidence(Some("alias/alarms"), &key(denied)), TOPIC)
            .expect("a note");
        assert!(
            note.contains(
                "cannot read the key policy of KMS key arn:aws:kms:eu-west-1:111122223333:key/k1"
            ),
            "{note}"
        );
        assert!(
            note.contains("make sure the key policy of alias/alarms has the statement {"),
            "{note}"
        );
        // Not a definite break: an existing alarm's topic is judged by its other problems.
        assert_eq!(
            topic_key_problem(&evidence(Some("alias/alarms"), &key(denied)), TOPIC),
            None
        );
    }
}
