//! Whose accounts: the callers themselves, listed accounts, or a whole organization, reached by assuming a role.

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_organizations::types::AccountStatus;

use crate::error::ApiError;
use crate::sdk::CallCounter;

/// Who a config's credentials belong to (`GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// 12-digit account id.
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The caller's ARN.
    pub arn: String,
}

fn sts(config: &SdkConfig, calls: &CallCounter) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(config)
            .interceptor(calls.clone())
            .build(),
    )
}

/// `GetCallerIdentity`.
pub async fn identify(config: &SdkConfig, calls: &CallCounter) -> Result<Identity, ApiError> {
    let region = config.region().map(|r| r.as_ref().to_owned());
    let out = sts(config, calls)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| ApiError::from_sdk("GetCallerIdentity", region.as_deref(), e))?;
    let arn = out.arn().unwrap_or_default().to_owned();
    let partition = arn
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_owned();
    Ok(Identity {
        account_id: out.account().unwrap_or_default().to_owned(),
        partition,
        arn,
    })
}

/// The ARN of role `name` (which may carry a path, `audit/Reader`) in `account`.
pub fn role_arn(partition: &str, account: &str, name: &str) -> String {
    format!(
        "arn:{partition}:iam::{account}:role/{}",
        name.trim_start_matches('/')
    )
}

/// A config whose credentials come from assuming `role_arn` with `base`'s credentials (refreshed when needed).
pub async fn assume_role(base: &SdkConfig, role_arn: &str) -> SdkConfig {
    let provider = AssumeRoleProvider::builder(role_arn)
        .session_name("trailwarden-audit")
        .configure(base)
        .build()
        .await;
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// The active accounts of the caller's organization (`ListAccounts`, paginated), sorted by id.
pub async fn organization_accounts(
    config: &SdkConfig,
    calls: &CallCounter,
) -> Result<Vec<String>, ApiError> {
    let region = config.region().map(|r| r.as_ref().to_owned());
    let client = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(config)
            .interceptor(calls.clone())
            .build(),
    );
    let mut pages = client.list_accounts().into_paginator().send();
    let mut ids = Vec::new();
    while let Some(page) = pages
        .try_next()
        .await
        .map_err(|e| ApiError::from_sdk("ListAccounts", region.as_deref(), e))?
    {
        for account in page.accounts() {
            // Suspended or closing accounts cannot be audited (AssumeRole fails); skip them deliberately.
            let active = account.status().is_none_or(|s| *s == AccountStatus::Active);
            if let (true, Some(id)) = (active, account.id()) {
                ids.push(id.to_owned());
            }
        }
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_keep_paths() {
        assert_eq!(
            role_arn("aws", "111122223333", "Audit"),
            "arn:aws:iam::111122223333:role/Audit"
        );
        assert_eq!(
            role_arn("aws-us-gov", "111122223333", "/sec/Audit"),
            "arn:aws-us-gov:iam::111122223333:role/sec/Audit"
        );
    }
}
