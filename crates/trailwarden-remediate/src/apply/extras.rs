//! Apply the extras: Security Hub (4.16), a queue policy for an SQS subscriber, a Lambda permission for a
//! Lambda subscriber.
//!
//! Security Hub is an account switch, not a named resource: enabled already (by anyone) means done. A queue
//! gets our policy only when it has none; a queue with a policy of its own is never rewritten — the action
//! ends [`Outcome::Manual`](super::Outcome::Manual) naming the statement to add (and, for a KMS-encrypted
//! queue, what its key policy must allow). A Lambda permission is one statement added beside the others;
//! one of our id that differs is left alone the same way.

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;

use super::{api, code, ApplyError, Check};
use crate::policy::queue_statement;
use crate::Action;

/// The queue's name and owner from its ARN (`arn:aws:sqs:REGION:ACCOUNT:NAME`).
fn queue_parts(arn: &str) -> (&str, &str) {
    let mut parts = arn.rsplitn(3, ':');
    let name = parts.next().unwrap_or_default();
    let account = parts.next().unwrap_or_default();
    (name, account)
}

async fn queue_url(
    sqs: &aws_sdk_sqs::Client,
    arn: &str,
    region: &str,
    changed: bool,
) -> Result<String, ApplyError> {
    let (name, account) = queue_parts(arn);
    let out = sqs
        .get_queue_url()
        .queue_name(name)
        .queue_owner_aws_account_id(account)
        .send()
        .await
        .map_err(api("GetQueueUrl", region, changed))?;
    Ok(out.queue_url().unwrap_or_default().to_string())
}

pub(super) async fn check(action: &Action, cfg: &SdkConfig) -> Result<Check, ApplyError> {
    let region = action.location().1;
    match action {
        Action::EnableSecurityHub(_) => {
            let hub = aws_sdk_securityhub::Client::new(cfg);
            match hub.describe_hub().send().await {
                Ok(_) => Ok(Check::Present),
                Err(e)
                    if matches!(
                        code(&e),
                        Some("InvalidAccessException" | "ResourceNotFoundException")
                    ) =>
                {
                    Ok(Check::Absent)
                }
                Err(e) => Err(api("DescribeHub", region, false)(e)),
            }
        }
        // Subscribing an enabled standard again is a no-op in Security Hub.
        Action::EnableStandard(_) => Ok(Check::Absent),
        Action::SetQueuePolicy(q) => {
            let sqs = aws_sdk_sqs::Client::new(cfg);
            let url = queue_url(&sqs, &q.queue_arn, region, false).await?;
            let out = sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::Policy)
                .attribute_names(QueueAttributeName::KmsMasterKeyId)
                .send()
                .await
                .map_err(api("GetQueueAttributes", region, false))?;
            let attrs = out.attributes();
            let key = attrs
                .and_then(|a| a.get(&QueueAttributeName::KmsMasterKeyId))
                .filter(|k| !k.is_empty());
            let kms = key.map_or(String::new(), |k| format!(
                " The queue is encrypted with KMS key {k}: its key policy must also let sns.amazonaws.com use it (kms:GenerateDataKey, kms:Decrypt)."
            ));
            let Some(policy) = attrs
                .and_then(|a| a.get(&QueueAttributeName::Policy))
                .filter(|p| !p.is_empty())
            else {
                return Ok(if kms.is_empty() {
                    Check::Absent
                } else {
                    Check::AbsentBut(format!("SQS queue {}:{kms}", q.queue_arn))
                });
            };
            let wanted = queue_statement(&q.queue_arn, &q.topic_arn);
            let has = serde_json::from_str::<serde_json::Value>(policy)
                .ok()
                .and_then(|p| p["Statement"].as_array().cloned())
                .is_some_and(|s| s.contains(&wanted));
            if has {
                return Ok(Check::Present);
            }
            Ok(Check::Manual(format!(
                "SQS queue {} already has a policy that trailwarden did not write, so it is left unchanged; until this statement is added to it, SNS cannot deliver: {wanted}{kms}",
                q.queue_arn
            )))
        }
        Action::AddLambdaPermission(l) => {
            let lambda = aws_sdk_lambda::Client::new(cfg);
            let policy = match lambda
                .get_policy()
                .function_name(&l.function_arn)
                .send()
                .await
            {
                Ok(out) => out.policy().unwrap_or_default().to_string(),
                Err(e) if code(&e) == Some("ResourceNotFoundException") => {
                    return Ok(Check::Absent)
                }
                Err(e) => return Err(api("GetPolicy", region, false)(e)),
            };
            let doc: serde_json::Value = serde_json::from_str(&policy).unwrap_or_default();
            let ours = doc["Statement"]
                .as_array()
                .and_then(|s| s.iter().find(|x| x["Sid"] == l.statement_id.as_str()));
            match ours {
                None => Ok(Check::Absent),
                Some(s) if s.to_string().contains(&l.topic_arn) => Ok(Check::Present),
                Some(_) => Ok(Check::Manual(format!(
                    "Lambda function {} has a permission {} that does not name topic {}; it is left unchanged: add a permission for sns.amazonaws.com with that source ARN yourself",
                    l.function_arn, l.statement_id, l.topic_arn
                ))),
            }
        }
        _ => Ok(Check::Absent),
    }
}

pub(super) async fn write(
    action: &Action,
    cfg: &SdkConfig,
    region: &str,
    changed: bool,
) -> Result<(), ApplyError> {
    match action {
        Action::EnableSecurityHub(h) => {
            aws_sdk_securityhub::Client::new(cfg)
                .enable_security_hub()
                .enable_default_standards(false)
                .set_tags(Some(h.tags.clone().into_iter().collect()))
                .send()
                .await
                .map_err(api("EnableSecurityHub", region, changed))?;
        }
        Action::EnableStandard(s) => {
            let request = aws_sdk_securityhub::types::StandardsSubscriptionRequest::builder()
                .standards_arn(&s.standards_arn)
                .build();
            aws_sdk_securityhub::Client::new(cfg)
                .batch_enable_standards()
                .standards_subscription_requests(request)
                .send()
                .await
                .map_err(api("BatchEnableStandards", region, changed))?;
        }
        Action::SetQueuePolicy(q) => {
            let sqs = aws_sdk_sqs::Client::new(cfg);
            let url = queue_url(&sqs, &q.queue_arn, region, changed).await?;
            sqs.set_queue_attributes()
                .queue_url(url)
                .attributes(QueueAttributeName::Policy, &q.policy)
                .send()
                .await
                .map_err(api("SetQueueAttributes", region, changed))?;
        }
        Action::AddLambdaPermission(l) => {
            aws_sdk_lambda::Client::new(cfg)
                .add_permission()
                .function_name(&l.function_arn)
                .statement_id(&l.statement_id)
                .action("lambda:InvokeFunction")
                .principal("sns.amazonaws.com")
                .source_arn(&l.topic_arn)
                .send()
                .await
                .map_err(api("AddPermission", region, changed))?;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn queue_name_and_owner_come_from_the_arn() {
        assert_eq!(
            super::queue_parts("arn:aws:sqs:eu-west-1:111122223333:alerts"),
            ("alerts", "111122223333")
        );
    }
}
