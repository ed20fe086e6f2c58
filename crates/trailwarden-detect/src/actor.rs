//! Who did it: `userIdentity` turned into something a person recognises.
//!
//! | `userIdentity.type` | shown as |
//! |---|---|
//! | `IAMUser` | `alice` |
//! | `AssumedRole` | `role Deployer/ci` (role name / session name) |
//! | `AssumedRole` from an `AWSReservedSSO_<PermissionSet>_<hash>` role | `sso alice@example.com (AdministratorAccess)` |
//! | `Root` | `root` |
//! | `AWSService` | `lambda.amazonaws.com` |
//! | `FederatedUser` | `federated user bob` |
//! | `IdentityCenterUser` | `identity center user <userId>` |
//! | `AWSAccount` | `account 111122223333` |
//! | `SAMLUser`, `WebIdentityUser` | `saml user x`, `web identity user x (accounts.google.com)` |
//! | anything else | user name, principal id, or `unknown` |
//!
//! When an AWS service acted on the principal's behalf (`invokedBy`), ` via <service>` is added.

use serde::Serialize;
use serde_json::Value;

use crate::record::lookup;

/// The resolved actor of a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The readable name (see the module table).
    pub display: String,
    /// `userIdentity.type`, or `Unknown`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `userIdentity.arn` when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The caller's account (may differ from the event's account in cross-account calls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl Actor {
    pub fn is_root(&self) -> bool {
        self.kind == "Root"
    }
}

/// Resolves the actor of a whole record (reads `userIdentity`).
pub fn resolve(record: &Value) -> Actor {
    let Some(ui) = record.get("userIdentity").filter(|v| v.is_object()) else {
        return Actor {
            display: "unknown".into(),
            kind: "Unknown".into(),
            arn: None,
            account: None,
        };
    };
    let s = |path: &[&str]| {
        lookup(ui, path)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let kind = s(&["type"]).unwrap_or("Unknown");
    let arn = s(&["arn"]);
    let user_name = s(&["userName"]);
    let principal = s(&["principalId"]);
    let invoked_by = s(&["invokedBy"]);
    let arn_tail = |marker: &str| arn.and_then(|a| a.split_once(marker)).map(|(_, t)| t);

    let mut display = match kind {
        "Root" => "root".to_string(),
        "IAMUser" => user_name
            .or_else(|| arn_tail(":user/").map(|t| t.rsplit('/').next().unwrap_or(t)))
            .or(principal)
            .unwrap_or("unknown IAM user")
            .to_string(),
        "AssumedRole" => assumed_role_or_name(
            arn_tail(":assumed-role/"),
            s(&["sessionContext", "sessionIssuer", "userName"]),
            principal,
            user_name,
        ),
        "AWSService" => invoked_by
            .or(principal)
            .unwrap_or("an AWS service")
            .to_string(),
        "FederatedUser" => {
            let name = arn_tail(":federated-user/")
                .or_else(|| principal.and_then(|p| p.split_once(':')).map(|(_, n)| n));
            format!("federated user {}", name.unwrap_or("unknown"))
        }
        "IdentityCenterUser" => {
            format!(
                "identity center user {}",
                s(&["onBehalfOf", "userId"])
                    .or(principal)
                    .unwrap_or("unknown")
            )
        }
        "AWSAccount" => match (s(&["accountId"]), principal) {
            (Some(acct), _) => format!("account {acct}"),
            (None, Some(p)) => format!("account principal {p}"),
            (None, None) => "another account".to_string(),
        },
        "SAMLUser" => format!("saml user {}", user_name.or(principal).unwrap_or("unknown")),
        "WebIdentityUser" => {
            let who = format!(
                "web identity user {}",
                user_name.or(principal).unwrap_or("unknown")
            );
            match s(&["identityProvider"]) {
                Some(idp) => format!("{who} ({idp})"),
                None => who,
            }
        }
        _ => user_name
            .or(principal)
            .or(arn)
            .unwrap_or("unknown")
            .to_string(),
    };
    if kind != "AWSService" {
        if let Some(svc) = invoked_by {
            display = format!("{display} via {svc}");
        }
    }
    Actor {
        display,
        kind: kind.to_string(),
        arn: arn.map(str::to_string),
        account: s(&["accountId"]).map(str::to_string),
    }
}

/// `role Role/session`, or for IAM Identity Center sessions `sso <session> (<PermissionSet>)`.
fn assumed_role(tail: Option<&str>, issuer_name: Option<&str>, principal: Option<&str>) -> String {
    // tail is `RoleName/SessionName` (role names cannot contain '/', paths are not in STS ARNs).
    let (role, session) = match tail.and_then(|t| t.split_once('/')) {
        Some((r, s)) => (Some(r), Some(s)),
        None => (
            issuer_name,
            principal.and_then(|p| p.split_once(':')).map(|(_, s)| s),
        ),
    };
    let role = role.or(issuer_name);
    match (role, session) {
        (Some(r), Some(s)) if r.starts_with("AWSReservedSSO_") => {
            format!("sso {s} ({})", permission_set(r))
        }
        (Some(r), Some(s)) => format!("role {r}/{s}"),
        (Some(r), None) => format!("role {r}"),
        (None, Some(s)) => format!("role ?/{s}"),
        (None, None) => "an assumed role".to_string(),
    }
}

/// Like [`assumed_role`], falling back to the identity's own `userName` as the role name (partial
/// records, hand-written fixtures).
fn assumed_role_or_name(
    tail: Option<&str>,
    issuer_name: Option<&str>,
    principal: Option<&str>,
    user_name: Option<&str>,
) -> String {
    match (tail, issuer_name, principal, user_name) {
        (None, None, None, Some(name)) => format!("role {name}"),
        _ => assumed_role(tail, issuer_name, principal),
    }
}

/// `AWSReservedSSO_AdministratorAccess_0123abcd` → `AdministratorAccess` (permission-set names may
/// contain `_`, the hash suffix never does).
fn permission_set(role: &str) -> &str {
    let rest = role.trim_start_matches("AWSReservedSSO_");
    rest.rsplit_once('_').map(|(ps, _)| ps).unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn who(ui: Value) -> String {
        resolve(&json!({ "userIdentity": ui })).display
    }

    #[test]
    fn each_identity_type() {
        assert_eq!(
            who(json!({"type":"IAMUser","arn":"arn:aws:iam::1:user/Alice","userName":"alice"})),
            "alice"
        );
        assert_eq!(
            who(json!({"type":"IAMUser","arn":"arn:aws:iam::1:user/dev/bob"})),
            "bob"
        );
        assert_eq!(
            who(
                json!({"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/Deployer/ci",
                "sessionContext":{"sessionIssuer":{"userName":"Deployer"}}})
            ),
            "role Deployer/ci"
        );
        assert_eq!(
            who(json!({"type":"AssumedRole",
                "arn":"arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_Access_0123456789abcdef/jane@example.com"})),
            "sso jane@example.com (Admin_Access)"
        );
        assert_eq!(
            who(json!({"type":"Root","arn":"arn:aws:iam::1:root"})),
            "root"
        );
        assert_eq!(
            who(json!({"type":"Root","invokedBy":"support.amazonaws.com"})),
            "root via support.amazonaws.com"
        );
        assert_eq!(
            who(json!({"type":"AWSService","invokedBy":"lambda.amazonaws.com"})),
            "lambda.amazonaws.com"
        );
        assert_eq!(
            who(
                json!({"type":"FederatedUser","arn":"arn:aws:sts::1:federated-user/bob","principalId":"1:bob"})
            ),
            "federated user bob"
        );
        assert_eq!(
            who(json!({"type":"IdentityCenterUser","onBehalfOf":{"userId":"544894e8-1"}})),
            "identity center user 544894e8-1"
        );
        assert_eq!(
            who(json!({"type":"AWSAccount","accountId":"111122223333","principalId":"X:y"})),
            "account 111122223333"
        );
        assert_eq!(
            who(
                json!({"type":"WebIdentityUser","userName":"u1","identityProvider":"accounts.google.com"})
            ),
            "web identity user u1 (accounts.google.com)"
        );
        assert_eq!(resolve(&json!({})).display, "unknown");
    }

    #[test]
    fn partial_assumed_role() {
        assert_eq!(
            who(json!({"type":"AssumedRole","userName":"TestRole"})),
            "role TestRole"
        );
        assert_eq!(who(json!({"type":"AssumedRole"})), "an assumed role");
    }

    #[test]
    fn role_from_session_issuer_when_arn_missing() {
        let ui = json!({"type":"AssumedRole","principalId":"AROAX:sess","sessionContext":{"sessionIssuer":{"userName":"R"}}});
        assert_eq!(who(ui), "role R/sess");
    }
}
