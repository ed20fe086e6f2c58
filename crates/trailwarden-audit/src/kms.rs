//! Whether a KMS key policy lets CloudWatch alarms publish to an SNS topic encrypted with that key.
//!
//! A CloudWatch alarm publishing to a topic with server-side encryption makes SNS use the topic's key on
//! CloudWatch's behalf, so the key policy must allow the service principal `cloudwatch.amazonaws.com`
//! `kms:Decrypt` and `kms:GenerateDataKey*` (AWS SNS developer guide, "Enable compatibility between event
//! sources from AWS services and encrypted topics"). [`cloudwatch_access`] judges a policy document, pure.
//!
//! What counts, decided here (key policies are the only policy on a key that a service principal meets):
//! - an `Allow` whose `Principal` names the service `cloudwatch.amazonaws.com`, with or without conditions:
//!   AWS recommends `aws:SourceAccount`/`aws:SourceArn` conditions, which CloudWatch's requests carry; other
//!   condition keys are kept as a note (they are not judged);
//! - an `Allow` to every principal (`"*"`, `{"AWS": "*"}`) **without** conditions. With conditions it does not
//!   count: the usual ones (`kms:CallerAccount`, `kms:ViaService`, `aws:PrincipalOrgID`, ...) describe callers
//!   of an account, and a service principal has none — the AWS managed key `aws/sns` has exactly such a policy,
//!   and CloudWatch cannot use it;
//! - an account principal (`arn:aws:iam::ACCOUNT:root`) never counts: it delegates to IAM policies, which a
//!   service principal does not have;
//! - an unconditional `Deny` that reaches CloudWatch (its service, `"*"`, or a `NotPrincipal` without it) for
//!   one of the actions wins; a conditional `Deny` is not judged and becomes a note.
//!
//! ```
//! use trailwarden_audit::kms::{cloudwatch_access, KeyAccess};
//! let policy = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
//!   "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}]}"#;
//! assert!(matches!(cloudwatch_access(policy, None), Ok(KeyAccess::Allowed { .. })));
//! ```

use serde_json::{json, Value};
use trailwarden_evidence::{AccountEvidence, ErrorKind, Observed};

/// The service principal that must be allowed.
pub const CLOUDWATCH: &str = "cloudwatch.amazonaws.com";

/// The actions CloudWatch needs, as a statement grants them.
pub const ACTIONS: [&str; 2] = ["kms:Decrypt", "kms:GenerateDataKey*"];

/// The API calls the actions stand for (what is checked against each statement's `Action`).
const CALLS: [(&str, &str); 2] = [
    ("kms:Decrypt", "kms:Decrypt"),
    ("kms:GenerateDataKey", "kms:GenerateDataKey*"),
];

/// The verdict on a key policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAccess {
    /// CloudWatch may use the key; `notes` says what was not judged (conditions, conditional denies).
    Allowed {
        /// Observations for the reader.
        notes: Vec<String>,
    },
    /// CloudWatch may not use the key, and why (a sentence naming what is missing or what denies it).
    Denied(String),
}

/// The statement to add to a key policy so CloudWatch alarms can publish to topics encrypted with the key.
pub fn cloudwatch_statement() -> Value {
    json!({
        "Sid": "AllowCloudWatchAlarmsToUseTheKey",
        "Effect": "Allow",
        "Principal": {"Service": CLOUDWATCH},
        "Action": ACTIONS,
        "Resource": "*",
    })
}

/// Judges `policy` (a key policy document) for CloudWatch's use of the key `key_arn` (when known, it is
/// matched against each statement's `Resource`; otherwise only `*` resources count). An unreadable document is
/// an `Err` naming the problem.
pub fn cloudwatch_access(policy: &str, key_arn: Option<&str>) -> Result<KeyAccess, String> {
    let doc: Value =
        serde_json::from_str(policy).map_err(|e| format!("the key policy is not JSON: {e}"))?;
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return Err("the key policy has no Statement".into()),
    };
    let mut notes = Vec::new();
    let mut missing = Vec::new();
    let mut conditional_wildcards = Vec::new();
    for (call, granted) in CALLS {
        let mut allowed = false;
        for (i, s) in statements.iter().enumerate() {
            if !s.get("Effect").is_some_and(|e| e == "Allow")
                || !action_matches(s, call)
                || !resource_matches(s, key_arn)
            {
                continue;
            }
            match reach(s) {
                Reach::Service => {
                    allowed = true;
                    let odd = condition_keys(s)
                        .into_iter()
                        .filter(|k| {
                            !matches!(
                                k.to_ascii_lowercase().as_str(),
                                "aws:sourceaccount" | "aws:sourcearn"
                            )
                        })
                        .collect::<Vec<_>>();
                    let note = format!(
                        "{} allows {CLOUDWATCH} only under condition(s) {} (not judged)",
                        name(s, i),
                        odd.join(", ")
                    );
                    if !odd.is_empty() && !notes.contains(&note) {
                        notes.push(note);
                    }
                }
                Reach::Everyone if condition_keys(s).is_empty() => allowed = true,
                Reach::Everyone => {
                    let text = format!(
                        "{} allows every principal only under condition(s) {}, which a service principal does not meet",
                        name(s, i),
                        condition_keys(s).join(", ")
                    );
                    if !conditional_wildcards.contains(&text) {
                        conditional_wildcards.push(text);
                    }
                }
                Reach::No => {}
            }
        }
        for (i, s) in statements.iter().enumerate() {
            if !s.get("Effect").is_some_and(|e| e == "Deny")
                || !action_matches(s, call)
                || !resource_matches(s, key_arn)
                || reach(s) == Reach::No
            {
                continue;
            }
            let keys = condition_keys(s);
            if keys.is_empty() {
                return Ok(KeyAccess::Denied(format!(
                    "its key policy denies {CLOUDWATCH} {call} ({})",
                    name(s, i)
                )));
            }
            let note = format!(
                "{} denies {call} under condition(s) {} (not judged)",
                name(s, i),
                keys.join(", ")
            );
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        if !allowed {
            missing.push(granted);
        }
    }
    if missing.is_empty() {
        return Ok(KeyAccess::Allowed { notes });
    }
    let mut why = format!(
        "its key policy does not allow {CLOUDWATCH} {}",
        missing.join(" and ")
    );
    if !conditional_wildcards.is_empty() {
        why.push_str(&format!(" ({})", conditional_wildcards.join("; ")));
    }
    Ok(KeyAccess::Denied(why))
}

/// Whom a statement reaches, as far as CloudWatch is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// It names the CloudWatch service principal.
    Service,
    /// Every principal (`*`, `{"AWS": "*"}`, or a `NotPrincipal` that does not name CloudWatch).
    Everyone,
    /// Not CloudWatch.
    No,
}

fn reach(s: &Value) -> Reach {
    if let Some(p) = s.get("Principal") {
        if p == "*" || strings(p.get("AWS")).contains(&"*") {
            return Reach::Everyone;
        }
        let services = strings(p.get("Service"));
        if services.iter().any(|x| x.eq_ignore_ascii_case(CLOUDWATCH)) {
            return Reach::Service;
        }
        return Reach::No;
    }
    if let Some(np) = s.get("NotPrincipal") {
        let excluded = strings(np.get("Service"))
            .iter()
            .any(|x| x.eq_ignore_ascii_case(CLOUDWATCH));
        return if excluded { Reach::No } else { Reach::Everyone };
    }
    Reach::No
}

/// A string or a list of strings (IAM's "one or many"); anything else is empty.
fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn action_matches(s: &Value, call: &str) -> bool {
    if let Some(a) = s.get("Action") {
        return strings(Some(a)).iter().any(|p| glob(p, call));
    }
    if let Some(na) = s.get("NotAction") {
        return !strings(Some(na)).iter().any(|p| glob(p, call));
    }
    false
}

fn resource_matches(s: &Value, key_arn: Option<&str>) -> bool {
    let hits = |list: Vec<&str>| {
        list.iter()
            .any(|p| *p == "*" || key_arn.is_some_and(|k| glob(p, k)))
    };
    if let Some(r) = s.get("Resource") {
        return hits(strings(Some(r)));
    }
    if let Some(nr) = s.get("NotResource") {
        // Without the key's ARN an exclusion cannot be judged; it then does not exclude this key.
        return key_arn.is_none() || !hits(strings(Some(nr)));
    }
    false
}

/// The condition keys of a statement (`aws:SourceAccount`, `kms:ViaService`, ...), sorted.
fn condition_keys(s: &Value) -> Vec<String> {
    let mut keys: Vec<String> = s
        .get("Condition")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|ops| ops.values())
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn name(s: &Value, i: usize) -> String {
    match s.get("Sid").and_then(Value::as_str) {
        Some(sid) if !sid.is_empty() => format!("statement '{sid}'"),
        _ => format!("statement #{}", i + 1),
    }
}

/// IAM wildcard matching (`*` any run, `?` one character), case-insensitive as IAM action names are.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// What a topic's KMS key means for CloudWatch's notifications to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicKey {
    /// CloudWatch may use it (with notes for the reader).
    Usable(Vec<String>),
    /// CloudWatch cannot use it: the reason, naming the key (and, for a customer key, the statement to add).
    Broken(String),
    /// Cannot tell (not collected, not readable): the reason.
    Unseen(String),
}

/// The verdict on the key `key` (the topic's `KmsMasterKeyId`) of the topic `topic_arn`, from the evidence
/// of the account holding the topic (`holder`): the AWS managed `aws/sns` key, a missing or disabled key, or a
/// key policy that does not let CloudWatch use the key are [`TopicKey::Broken`].
pub fn topic_key(holder: &AccountEvidence, topic_arn: &str, key: &str) -> TopicKey {
    // CloudWatch cannot use the AWS managed key of SNS (its key policy admits only callers through SNS).
    let managed = |name: &str| {
        TopicKey::Broken(format!(
            "SNS topic {topic_arn} is encrypted with the AWS managed key {name}, which CloudWatch alarms cannot use, so no notification is delivered"
        ))
    };
    if key == "alias/aws/sns" || key.ends_with(":alias/aws/sns") {
        return managed("aws/sns");
    }
    let region = topic_arn.split(':').nth(3).unwrap_or_default();
    let Some(found) = holder.kms_key(key, region) else {
        return TopicKey::Unseen(format!(
            "SNS topic {topic_arn} is encrypted with KMS key {key}, whose key policy was not collected (kms:DescribeKey, kms:GetKeyPolicy)"
        ));
    };
    let description = match &found.description {
        Observed::Ok(d) => d,
        Observed::Error(e) if e.kind == ErrorKind::NotFound => {
            return TopicKey::Broken(format!(
                "SNS topic {topic_arn} is encrypted with KMS key {key}, which does not exist, so SNS cannot deliver anything"
            ))
        }
        Observed::Error(e) => {
            return TopicKey::Unseen(format!(
                "cannot describe KMS key {key} of SNS topic {topic_arn}: {e}"
            ))
        }
    };
    let arn = description.arn.as_str();
    if description.key_manager.as_deref() == Some("AWS") {
        return managed(arn);
    }
    if let Some(state) = description.key_state.as_deref().filter(|s| *s != "Enabled") {
        return TopicKey::Broken(format!(
            "SNS topic {topic_arn} is encrypted with KMS key {arn}, which is {state}, so SNS cannot deliver anything"
        ));
    }
    let policy = match &found.policy {
        Observed::Ok(p) => p,
        Observed::Error(e) => {
            // GetKeyPolicy only answers in the key's own account: say so when the key is another account's.
            let owner = arn.split(':').nth(4).filter(|a| *a != holder.account_id);
            let hint = owner.map_or(String::new(), |a| {
                format!(" (the key belongs to account {a}; GetKeyPolicy works only there: check its policy in that account)")
            });
            return TopicKey::Unseen(format!(
                "cannot read the key policy of KMS key {arn} (SNS topic {topic_arn}): {e}{hint}"
            ));
        }
    };
    match cloudwatch_access(policy, Some(arn)) {
        Ok(KeyAccess::Allowed { notes }) => TopicKey::Usable(
            notes
                .into_iter()
                .map(|n| format!("KMS key {arn} of SNS topic {topic_arn}: {n}"))
                .collect(),
        ),
        Ok(KeyAccess::Denied(why)) => TopicKey::Broken(format!(
            "SNS topic {topic_arn} is encrypted with KMS key {arn}, but {why}, so the alarm's notifications are dropped; add the statement {}",
            cloudwatch_statement()
        )),
        Err(why) => TopicKey::Unseen(format!(
            "cannot judge the key policy of KMS key {arn} (SNS topic {topic_arn}): {why}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(statements: Value) -> KeyAccess {
        let doc = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        cloudwatch_access(&doc, Some("arn:aws:kms:eu-west-1:111122223333:key/k")).unwrap()
    }

    fn root() -> Value {
        json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
               "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"})
    }

    #[test]
    fn the_documented_statement_allows() {
        assert_eq!(
            judge(json!([root(), cloudwatch_statement()])),
            KeyAccess::Allowed { notes: vec![] }
        );
    }

    #[test]
    fn the_default_policy_does_not_allow_and_says_what_is_missing() {
        let KeyAccess::Denied(why) = judge(json!([root()])) else {
            panic!("the account-root statement must not count");
        };
        assert_eq!(
            why,
            "its key policy does not allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*"
        );
    }

    #[test]
    fn one_action_missing_is_named() {
        let s = json!({"Effect": "Allow", "Principal": {"Service": ["sns.amazonaws.com", "cloudwatch.amazonaws.com"]},
                       "Action": "kms:Decrypt", "Resource": "*"});
        assert_eq!(
            judge(json!([s])),
            KeyAccess::Denied(
                "its key policy does not allow cloudwatch.amazonaws.com kms:GenerateDataKey*"
                    .into()
            )
        );
    }

    #[test]
    fn wildcards_in_actions_and_source_conditions_count() {
        let s = json!({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                       "Action": "KMS:*", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}});
        assert_eq!(judge(json!([s])), KeyAccess::Allowed { notes: vec![] });
        let other = json!({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                           "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                           "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}});
        let KeyAccess::Allowed { notes } = judge(json!([other])) else {
            panic!("a condition on the service statement is noted, not judged")
        };
        assert!(notes[0].contains("kms:GrantIsForAWSResource"), "{notes:?}");
    }

    #[test]
    fn a_wildcard_principal_counts_only_without_conditions() {
        let open = json!({"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"});
        assert_eq!(judge(json!([open])), KeyAccess::Allowed { notes: vec![] });
        // The shape of the aws/sns managed key's policy.
        let via_sns = json!({"Sid": "Allow access through SNS", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333",
                                           "kms:ViaService": "sns.eu-west-1.amazonaws.com"}}});
        let KeyAccess::Denied(why) = judge(json!([root(), via_sns])) else {
            panic!("a conditional wildcard must not count");
        };
        assert!(
            why.contains("statement 'Allow access through SNS' allows every principal only under condition(s) kms:CallerAccount, kms:ViaService"),
            "{why}"
        );
    }

    #[test]
    fn an_unconditional_deny_wins_and_a_conditional_one_is_noted() {
        let deny = json!({"Sid": "NoDecrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"});
        assert_eq!(
            judge(json!([cloudwatch_statement(), deny])),
            KeyAccess::Denied(
                "its key policy denies cloudwatch.amazonaws.com kms:Decrypt (statement 'NoDecrypt')".into()
            )
        );
        let conditional = json!({"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
        let KeyAccess::Allowed { notes } = judge(json!([cloudwatch_statement(), conditional]))
        else {
            panic!("a conditional deny is not judged")
        };
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0]
            .contains("statement #2 denies kms:Decrypt under condition(s) aws:SecureTransport"));
    }

    #[test]
    fn resources_not_actions_and_single_statements() {
        let elsewhere = json!({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ACTIONS, "Resource": "arn:aws:kms:eu-west-1:111122223333:key/other"});
        assert!(matches!(judge(json!([elsewhere])), KeyAccess::Denied(_)));
        let not_action = json!({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "NotAction": "kms:ScheduleKeyDeletion", "Resource": "arn:aws:kms:eu-west-1:111122223333:key/*"});
        assert!(matches!(judge(not_action), KeyAccess::Allowed { .. }));
        assert!(cloudwatch_access("{}", None)
            .unwrap_err()
            .contains("no Statement"));
        assert!(cloudwatch_access("nope", None)
            .unwrap_err()
            .contains("not JSON"));
    }

    #[test]
    fn another_accounts_key_whose_policy_cannot_be_read_says_where_to_look() {
        let holder: AccountEvidence = serde_json::from_value(json!({
            "account_id": "111122223333", "regions": [], "trails": {"ok": []},
            "kms_keys": [{"key_id": "arn:aws:kms:eu-west-1:444455556666:key/k", "region": "eu-west-1",
                "description": {"ok": {"arn": "arn:aws:kms:eu-west-1:444455556666:key/k", "key_manager": "CUSTOMER", "key_state": "Enabled"}},
                "policy": {"error": {"kind": "AccessDenied", "operation": "GetKeyPolicy", "message": "no"}}}]
        }))
        .unwrap();
        let TopicKey::Unseen(why) = topic_key(
            &holder,
            "arn:aws:sns:eu-west-1:111122223333:t",
            "arn:aws:kms:eu-west-1:444455556666:key/k",
        ) else {
            panic!("an unreadable policy is not a verdict");
        };
        assert!(
            why.contains("the key belongs to account 444455556666"),
            "{why}"
        );
    }

    #[test]
    fn globbing() {
        assert!(glob("kms:GenerateDataKey*", "kms:GenerateDataKey"));
        assert!(glob("kms:Gen?rate*", "KMS:generatedatakey"));
        assert!(!glob("kms:GenerateDataKeyPair*", "kms:GenerateDataKey"));
        assert!(glob("*", "anything"));
    }
}
