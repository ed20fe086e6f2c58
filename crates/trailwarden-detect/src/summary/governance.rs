//! Account and governance families: console sign-in, CloudTrail, KMS, S3 bucket policies, AWS
//! Config, AWS Organizations, IAM policies.

use serde_json::Value;

use super::read::*;
use super::Described;
use crate::alert::Severity::{Critical, High, Low, Medium};
use crate::record::{lookup, scalar_text, Record};

pub(super) fn console_login(r: &Record, _: &str) -> Described {
    let root = r.path_str(&["userIdentity", "type"]) == Some("Root");
    let outcome = resp(r, &["ConsoleLogin"]);
    let failed = outcome.as_deref() == Some("Failure")
        || r.error_message().is_some()
        || r.error_code().is_some();
    let mut d = if failed {
        let why = r.error_message().or(r.error_code()).unwrap_or("failure");
        Described::new(
            format!("failed to sign in to the console ({why})"),
            raised(root, High, Medium),
        )
    } else {
        let mfa = lookup(&r.value, &["additionalEventData", "MFAUsed"]).and_then(Value::as_str);
        let federated = r.path_str(&["userIdentity", "type"]) == Some("AssumedRole")
            || lookup(&r.value, &["additionalEventData", "SamlProviderArn"]).is_some();
        match mfa {
            Some("Yes") => {
                Described::new("signed in to the console with MFA", raised(root, High, Low))
            }
            _ if federated => Described::new(
                "signed in to the console through federation (MFA is up to the identity provider)",
                Low,
            ),
            None => Described::new(
                "signed in to the console (MFA not recorded)",
                raised(root, Critical, Medium),
            ),
            Some(_) => Described::new(
                "signed in to the console without MFA",
                raised(root, Critical, High),
            ),
        }
    };
    d.tells_outcome = true;
    d
}

pub(super) fn trail(r: &Record, name: &str) -> Described {
    let trail = p(r, &["name"]).or_else(|| p(r, &["trailName"]));
    let t = trail.as_deref().map(short).unwrap_or("?");
    let d = match name {
        "StopLogging" => Described::new(format!("stopped logging on trail {t}"), Critical),
        "DeleteTrail" => Described::new(format!("deleted trail {t}"), Critical),
        "StartLogging" => Described::new(format!("started logging on trail {t}"), Low),
        "CreateTrail" => {
            let bucket = p(r, &["s3BucketName"]);
            return Described::new(
                format!("created trail {t} delivering to s3://{}", or_q(&bucket)),
                Low,
            )
            .with("trail", trail)
            .with("s3-bucket", bucket);
        }
        "UpdateTrail" => Described::new(format!("updated trail {t}"), High),
        "PutEventSelectors" => {
            Described::new(format!("changed the event selectors of trail {t}"), High)
        }
        _ => Described::new(
            format!("changed the Insights selectors of trail {t}"),
            Medium,
        ),
    };
    d.with("trail", trail)
}

pub(super) fn kms(r: &Record, name: &str) -> Described {
    let key = p(r, &["keyId"]).or_else(|| {
        r.value
            .get("resources")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|x| x.get("ARN"))
            .and_then(scalar_text)
    });
    let k = key.as_deref().map(short).unwrap_or("?");
    let d = if name == "ScheduleKeyDeletion" {
        let days = p(r, &["pendingWindowInDays"]).or_else(|| resp(r, &["pendingWindowInDays"]));
        let when = days.map(|d| format!(" in {d} days")).unwrap_or_default();
        Described::new(format!("scheduled deletion of KMS key {k}{when}"), Critical)
    } else {
        Described::new(format!("disabled KMS key {k}"), High)
    };
    d.with("kms-key", key)
}

pub(super) fn s3(r: &Record, name: &str) -> Described {
    let bucket = p(r, &["bucketName"]).or_else(|| p(r, &["Host"]));
    let b = or_q(&bucket).to_string();
    let what = match name.trim_start_matches("Put").trim_start_matches("Delete") {
        "BucketAcl" => "the ACL",
        "BucketPolicy" => "the bucket policy",
        "BucketCors" => "the CORS configuration",
        "BucketLifecycle" => "the lifecycle configuration",
        _ => "the replication configuration",
    };
    let verb = if name.starts_with("Put") {
        "changed"
    } else {
        "deleted"
    };
    // A grant to everyone (ACL) or an unconditional `"Principal":"*"` (policy) makes the bucket
    // public: worth more attention.
    let public = match name {
        "PutBucketPolicy" => req(r)
            .and_then(|m| m.get("bucketPolicy"))
            .is_some_and(|doc| {
                allow_statements(doc)
                    .iter()
                    .any(|st| st.get("Condition").is_none() && is_everyone(st.get("Principal")))
            }),
        "PutBucketAcl" => {
            let text = r
                .value
                .get("requestParameters")
                .map(Value::to_string)
                .unwrap_or_default();
            [
                "global/AllUsers",
                "global/AuthenticatedUsers",
                "public-read",
                "authenticated-read",
            ]
            .iter()
            .any(|t| text.contains(t))
        }
        _ => false,
    };
    let extra = if public {
        " (grants public access)"
    } else {
        ""
    };
    Described::new(
        format!("{verb} {what} of bucket {b}{extra}"),
        raised(public, High, Medium),
    )
    .with("s3-bucket", bucket)
}

pub(super) fn config(r: &Record, name: &str) -> Described {
    let recorder =
        p(r, &["configurationRecorderName"]).or_else(|| p(r, &["configurationRecorder", "name"]));
    let channel = p(r, &["deliveryChannelName"]).or_else(|| p(r, &["deliveryChannel", "name"]));
    match name {
        "StopConfigurationRecorder" => Described::new(
            format!("stopped AWS Config recorder {}", or_q(&recorder)),
            High,
        )
        .with("config-recorder", recorder),
        "PutConfigurationRecorder" => Described::new(
            format!("changed AWS Config recorder {}", or_q(&recorder)),
            Medium,
        )
        .with("config-recorder", recorder),
        "DeleteDeliveryChannel" => Described::new(
            format!("deleted AWS Config delivery channel {}", or_q(&channel)),
            High,
        )
        .with("config-delivery-channel", channel),
        _ => Described::new(
            format!("changed AWS Config delivery channel {}", or_q(&channel)),
            Medium,
        )
        .with("config-delivery-channel", channel),
    }
}

pub(super) fn organizations(r: &Record, name: &str) -> Described {
    let account = p(r, &["accountId"]).or_else(|| p(r, &["target", "id"]));
    let policy = p(r, &["policyId"]);
    let target = p(r, &["targetId"]);
    let (phrase, severity) = match name {
        "LeaveOrganization" => ("left the organization".to_string(), High),
        "DeleteOrganization" => ("deleted the organization".to_string(), Critical),
        "RemoveAccountFromOrganization" => (
            format!("removed account {} from the organization", or_q(&account)),
            High,
        ),
        "InviteAccountToOrganization" => (
            format!("invited account {} to the organization", or_q(&account)),
            Medium,
        ),
        "CreateAccount" => (
            format!(
                "created organization account {}",
                or_q(&p(r, &["accountName"]))
            ),
            Medium,
        ),
        "MoveAccount" => (
            format!(
                "moved account {} to {}",
                or_q(&account),
                or_q(&p(r, &["destinationParentId"]))
            ),
            Medium,
        ),
        "AttachPolicy" => (
            format!(
                "attached organization policy {} to {}",
                or_q(&policy),
                or_q(&target)
            ),
            Medium,
        ),
        "DetachPolicy" => (
            format!(
                "detached organization policy {} from {}",
                or_q(&policy),
                or_q(&target)
            ),
            High,
        ),
        "CreatePolicy" => (
            format!("created organization policy {}", or_q(&p(r, &["name"]))),
            Medium,
        ),
        "UpdatePolicy" => (
            format!("updated organization policy {}", or_q(&policy)),
            Medium,
        ),
        "DeletePolicy" => (
            format!("deleted organization policy {}", or_q(&policy)),
            Medium,
        ),
        "DisablePolicyType" => (
            format!("disabled policy type {}", or_q(&p(r, &["policyType"]))),
            High,
        ),
        "EnablePolicyType" => (
            format!("enabled policy type {}", or_q(&p(r, &["policyType"]))),
            Medium,
        ),
        "AcceptHandshake" | "DeclineHandshake" => (
            format!(
                "{} organization handshake {}",
                if name.starts_with("Accept") {
                    "accepted"
                } else {
                    "declined"
                },
                or_q(&p(r, &["handshakeId"]))
            ),
            Medium,
        ),
        "CreateOrganizationalUnit" => (
            format!("created organizational unit {}", or_q(&p(r, &["name"]))),
            Medium,
        ),
        "DeleteOrganizationalUnit" => (
            format!(
                "deleted organizational unit {}",
                or_q(&p(r, &["organizationalUnitId"]))
            ),
            Medium,
        ),
        "UpdateOrganizationalUnit" => (
            format!(
                "renamed organizational unit {} to {}",
                or_q(&p(r, &["organizationalUnitId"])),
                or_q(&p(r, &["name"]))
            ),
            Medium,
        ),
        other => (format!("called organizations:{other}"), Medium),
    };
    Described::new(phrase, severity)
        .with("account", account)
        .with("organization-policy", policy)
}

pub(super) fn iam_policy(r: &Record, name: &str) -> Described {
    let principal = [
        ("userName", "user"),
        ("roleName", "role"),
        ("groupName", "group"),
    ]
    .iter()
    .find_map(|(k, kind)| p(r, &[k]).map(|v| (*kind, v)));
    let on = principal
        .as_ref()
        .map(|(k, v)| format!("{k} {v}"))
        .unwrap_or_else(|| "?".into());
    let arn = p(r, &["policyArn"]);
    let pol = arn
        .as_deref()
        .map(short)
        .map(str::to_string)
        .or_else(|| p(r, &["policyName"]));
    let pname = or_q(&pol).to_string();
    let powerful =
        ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"].contains(&pname.as_str());
    let (phrase, severity) = match name {
        "AttachUserPolicy" | "AttachRolePolicy" | "AttachGroupPolicy" => (
            format!("attached policy {pname} to {on}"),
            raised(powerful, High, Medium),
        ),
        "DetachUserPolicy" | "DetachRolePolicy" | "DetachGroupPolicy" => {
            (format!("detached policy {pname} from {on}"), Medium)
        }
        "PutUserPolicy" | "PutRolePolicy" | "PutGroupPolicy" => {
            let star = req(r)
                .and_then(|m| m.get("policyDocument"))
                .is_some_and(|doc| {
                    allow_statements(doc)
                        .iter()
                        .any(|st| has_star(st.get("Action")) && has_star(st.get("Resource")))
                });
            (
                format!("put inline policy {pname} on {on}"),
                raised(star, High, Medium),
            )
        }
        "DeleteUserPolicy" | "DeleteRolePolicy" | "DeleteGroupPolicy" => {
            (format!("deleted inline policy {pname} of {on}"), Medium)
        }
        "CreatePolicy" => (format!("created managed policy {pname}"), Medium),
        "DeletePolicy" => (format!("deleted managed policy {pname}"), Medium),
        "CreatePolicyVersion" => {
            let default = p(r, &["setAsDefault"]).as_deref() == Some("true");
            let how = if default { " (as default)" } else { "" };
            (
                format!("created a new version of policy {pname}{how}"),
                Medium,
            )
        }
        _ => (
            format!(
                "deleted version {} of policy {pname}",
                or_q(&p(r, &["versionId"]))
            ),
            Medium,
        ),
    };
    let mut d = Described::new(phrase, severity).with("iam-policy", arn.or(pol));
    if let Some((kind, v)) = principal {
        d = d.with(
            match kind {
                "user" => "iam-user",
                "role" => "iam-role",
                _ => "iam-group",
            },
            Some(v),
        );
    }
    d
}
