//! Whose accounts: the callers themselves, listed accounts, or a whole organization, reached by assuming a role.
//!
//! [`principals`] and [`reach`] are the one account resolution of trailwarden: the collector uses them, and so
//! does everything that must later act in the same accounts with the same credentials (remediation's
//! `--apply`, `verify`'s live steps), so both always agree on which principal reaches which account and how.

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_organizations::types::AccountStatus;
use trailwarden_evidence::{ErrorKind, ObservationError};

use crate::error::{ApiError, CollectError};
use crate::options::{AccountSelection, CollectOptions};
use crate::sdk::{self, CallCounter, SdkOptions};

/// One set of credentials (default chain, a profile, or a given config), who it is, and the accounts it targets.
#[derive(Debug, Clone)]
pub struct Principal {
    /// How the report names it: `the default credentials`, `profile 'audit'`, `the given SDK config`.
    pub label: String,
    /// Its config (home region, endpoint, retries applied).
    pub config: SdkConfig,
    /// Who it is.
    pub identity: Identity,
    /// The accounts it is to reach: its own, the listed ones, or its organization's active accounts.
    pub targets: Vec<String>,
    /// Requests sent for the identification and the organization listing.
    pub calls: CallCounter,
}

/// The principals `options` describe, each identified, with its target accounts, in option order.
///
/// An account targeted by several principals belongs to the first (the collector skips it for the others).
/// Fails when a principal cannot be identified or its organization cannot be listed: nothing is reachable then.
pub async fn principals(options: &CollectOptions) -> Result<Vec<Principal>, CollectError> {
    options.validate()?;
    let base = SdkOptions {
        profile: None,
        region: options.region.clone(),
        endpoint_url: options.endpoint_url.clone(),
        max_attempts: options.max_attempts,
    };
    let mut configs: Vec<(String, SdkConfig)> = Vec::new();
    if let Some(config) = &options.base_config {
        configs.push((
            "the given SDK config".into(),
            sdk::adopt_config(config, &base),
        ));
    } else if options.profiles.is_empty() {
        configs.push((
            "the default credentials".into(),
            sdk::load_config(&base).await,
        ));
    } else {
        for profile in &options.profiles {
            let o = SdkOptions {
                profile: Some(profile.clone()),
                ..base.clone()
            };
            configs.push((format!("profile '{profile}'"), sdk::load_config(&o).await));
        }
    }
    let mut out = Vec::new();
    for (label, config) in configs {
        let calls = CallCounter::default();
        let identity = identify(&config, &calls)
            .await
            .map_err(|source| CollectError::Fatal {
                context: format!("identifying the caller of {label}"),
                source,
            })?;
        let targets = match &options.accounts {
            AccountSelection::Callers => vec![identity.account_id.clone()],
            AccountSelection::Accounts(ids) => ids.clone(),
            AccountSelection::Organization => organization_accounts(&config, &calls)
                .await
                .map_err(|source| CollectError::Fatal {
                    context: format!("listing the organization's accounts with {label}"),
                    source,
                })?,
        };
        out.push(Principal {
            label,
            config,
            identity,
            targets,
            calls,
        });
    }
    Ok(out)
}

/// The principal that reaches `account_id`: the first one targeting it.
pub fn owner<'p>(principals: &'p [Principal], account_id: &str) -> Option<&'p Principal> {
    principals
        .iter()
        .find(|p| p.targets.iter().any(|t| t == account_id))
}

/// The config acting in `account_id` for `principal`: its own config in its own account, otherwise the
/// assumed role `role` (a name), checked with `GetCallerIdentity` to land in that very account.
///
/// A failure is returned as the evidence record the collector keeps (operation `AssumeRole`, the role ARN in
/// the message, `AccessDenied` when the service said so).
pub async fn reach(
    principal: &Principal,
    role: Option<&str>,
    account_id: &str,
    calls: &CallCounter,
) -> Result<(SdkConfig, Identity), ObservationError> {
    let me = &principal.identity;
    if account_id == me.account_id {
        return Ok((principal.config.clone(), me.clone()));
    }
    let Some(role) = role else {
        return Err(ObservationError::new(
            ErrorKind::AccessDenied,
            "AssumeRole",
            None,
            format!(
                "account {account_id} is not {label}'s own account ({}) and no role to assume was given",
                me.account_id,
                label = principal.label
            ),
        ));
    };
    let arn = role_arn(&me.partition, account_id, role);
    let config = assume_role(&principal.config, &arn).await;
    match identify(&config, calls).await {
        Ok(id) if id.account_id == account_id => Ok((config, id)),
        Ok(id) => Err(ObservationError::new(
            ErrorKind::Other,
            "AssumeRole",
            None,
            format!(
                "assuming {arn} landed in account {}, not {account_id}",
                id.account_id
            ),
        )),
        Err(e) => {
            let mut o = e.to_observation();
            o.operation = "AssumeRole".into();
            if o.kind == ErrorKind::Other && o.message.contains("AccessDenied") {
                o.kind = ErrorKind::AccessDenied;
            }
            o.message = format!("{arn}: {}", o.message);
            Err(o)
        }
    }
}

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
