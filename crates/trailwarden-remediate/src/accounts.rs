//! Acting in many accounts: each action of a plan (and each live `verify` step) runs in its own account, with
//! the very credentials the collector used there.
//!
//! The accounts and how to reach them come from [`trailwarden_aws::accounts`] (the collector's own resolution:
//! principals, their target accounts, the assumed role), so apply never acts in an account the collection did
//! not see, nor with other credentials. Every account a plan needs is reached, and every planned name is
//! looked at ([`crate::apply::preflight`]), *before* anything is written: an account the selection cannot
//! reach (not targeted, role not assumable) or a collision in any account stops the run with the account's id
//! and the reason, and nothing is changed anywhere. Then [`crate::apply::apply_async`] runs once per account,
//! in plan order.
//!
//! ```no_run
//! use trailwarden_aws::{AccountSelection, CollectOptions};
//! use trailwarden_remediate::{accounts, Plan};
//! let options = CollectOptions {
//!     assume_role: Some("Remediate".into()),
//!     accounts: AccountSelection::Accounts(vec!["111122223333".into(), "444455556666".into()]),
//!     ..CollectOptions::default()
//! };
//! let report = accounts::apply_live(&Plan::default(), &options)?;
//! assert!(report.results.is_empty());
//! # Ok::<(), accounts::AccountsError>(())
//! ```

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use trailwarden_aws::accounts::{owner, principals, reach, Principal};
use trailwarden_aws::sdk::CallCounter;
use trailwarden_aws::{CollectError, CollectOptions};

use crate::apply::{self, ApplyError, ApplyReport};
use crate::verify::{self, Check};
use crate::Plan;

/// Why a multi-account run stopped.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// The principals could not be identified, or the organization could not be listed.
    #[error(transparent)]
    Resolve(#[from] CollectError),
    /// Accounts the plan needs that the credentials cannot reach, each with the reason.
    #[error("cannot act in {}; nothing was changed", describe(.0))]
    Unreachable(Vec<(String, String)>),
    /// Applying in one account failed; `applied` lists the accounts fully applied before it.
    #[error("account {account}: {error}{}", applied_before(.applied))]
    Apply {
        account: String,
        /// Boxed: the error is large and rare.
        error: Box<ApplyError>,
        applied: Vec<String>,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

fn describe(unreachable: &[(String, String)]) -> String {
    unreachable
        .iter()
        .map(|(account, why)| format!("account {account} ({why})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn applied_before(applied: &[String]) -> String {
    if applied.is_empty() {
        String::new()
    } else {
        format!(
            " (account(s) {} were remediated before this)",
            applied.join(", ")
        )
    }
}

/// The plan split per account, accounts in order of first appearance, each keeping its actions' order and its
/// blocked entries (notes are about the whole plan and stay with the caller).
pub fn split(plan: &Plan) -> Vec<(String, Plan)> {
    let mut out: Vec<(String, Plan)> = Vec::new();
    let slot = |out: &mut Vec<(String, Plan)>, account: &str| -> usize {
        match out.iter().position(|(a, _)| a == account) {
            Some(i) => i,
            None => {
                out.push((account.to_owned(), Plan::default()));
                out.len() - 1
            }
        }
    };
    for action in &plan.actions {
        let i = slot(&mut out, action.location().0);
        out[i].1.actions.push(action.clone());
    }
    for blocked in &plan.blocked {
        let i = slot(&mut out, &blocked.account);
        out[i].1.blocked.push(blocked.clone());
    }
    out
}

/// The principals of a selection, identified once, and the role they assume: the way to each account.
#[derive(Debug)]
pub struct Reach {
    principals: Vec<Principal>,
    role: Option<String>,
    calls: CallCounter,
}

impl Reach {
    /// Identifies the principals `options` describe and lists their target accounts (as the collector does).
    pub async fn new(options: &CollectOptions) -> Result<Reach, AccountsError> {
        Ok(Reach {
            principals: principals(options).await?,
            role: options.assume_role.clone(),
            calls: CallCounter::default(),
        })
    }

    /// The config acting in `account` (own credentials in a principal's own account, the assumed role
    /// elsewhere, checked to land there), or why it cannot be reached.
    pub async fn config(&self, account: &str) -> Result<SdkConfig, String> {
        let Some(principal) = owner(&self.principals, account) else {
            let own: Vec<String> = self
                .principals
                .iter()
                .map(|p| format!("{} is {}", p.label, p.identity.account_id))
                .collect();
            return Err(format!(
                "not among the selected accounts ({}); select it with --accounts/--organization and --assume-role",
                own.join(", ")
            ));
        };
        reach(principal, self.role.as_deref(), account, &self.calls)
            .await
            .map(|(config, _)| config)
            .map_err(|why| why.to_string())
    }
}

/// The config of each of `accounts` as the collection described by `options` reaches it (see
/// [`Reach::config`]). Every account is tried; all those that cannot be reached are named together in
/// [`AccountsError::Unreachable`].
pub async fn configs(
    options: &CollectOptions,
    accounts: &[String],
) -> Result<BTreeMap<String, SdkConfig>, AccountsError> {
    let reach = Reach::new(options).await?;
    let mut found = BTreeMap::new();
    let mut unreachable = Vec::new();
    for account in accounts {
        if found.contains_key(account) {
            continue;
        }
        match reach.config(account).await {
            Ok(config) => {
                found.insert(account.clone(), config);
            }
            Err(why) => unreachable.push((account.clone(), why)),
        }
    }
    if unreachable.is_empty() {
        Ok(found)
    } else {
        Err(AccountsError::Unreachable(unreachable))
    }
}

/// Applies `plan` account by account, each with its own credentials; see the module documentation.
pub async fn apply_async(
    plan: &Plan,
    options: &CollectOptions,
) -> Result<ApplyReport, AccountsError> {
    let parts: Vec<(String, Plan)> = split(plan)
        .into_iter()
        .filter(|(_, p)| !p.actions.is_empty())
        .collect();
    if parts.is_empty() {
        return Ok(ApplyReport::default());
    }
    let wanted: Vec<String> = parts.iter().map(|(a, _)| a.clone()).collect();
    let configs = configs(options, &wanted).await?;
    // Look in every account before writing in any: a collision anywhere leaves every account unchanged.
    for (account, part) in &parts {
        if let Some(config) = configs.get(account) {
            apply::preflight(part, config)
                .await
                .map_err(|error| AccountsError::Apply {
                    account: account.clone(),
                    error: Box::new(error),
                    applied: Vec::new(),
                })?;
        }
    }
    let mut report = ApplyReport::default();
    let mut applied = Vec::new();
    for (account, part) in &parts {
        // `configs` holds every wanted account, or it returned `Unreachable`.
        let Some(config) = configs.get(account) else {
            return Err(AccountsError::Unreachable(vec![(
                account.clone(),
                "no credentials".into(),
            )]));
        };
        match apply::apply_async(part, config).await {
            Ok(r) => report.results.extend(r.results),
            Err(error) => {
                return Err(AccountsError::Apply {
                    account: account.clone(),
                    error: Box::new(error),
                    applied,
                })
            }
        }
        applied.push(account.clone());
    }
    Ok(report)
}

fn runtime() -> Result<tokio::runtime::Runtime, AccountsError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AccountsError::Runtime(e.to_string()))
}

/// [`apply_async`] from a plain (non-async) caller.
pub fn apply_live(plan: &Plan, options: &CollectOptions) -> Result<ApplyReport, AccountsError> {
    runtime()?.block_on(apply_async(plan, options))
}

/// `verify`'s live steps ([`verify::aws_test_filters`], with `fire` also [`verify::fire`]) for each account's
/// checks with that account's credentials. An account that cannot be reached gets a problem on each of its
/// checks (the live steps were not done there); only a failure to identify the principals stops the run.
pub async fn verify_async(
    options: &CollectOptions,
    checks: &mut [Check],
    fire: bool,
) -> Result<(), AccountsError> {
    let mut wanted: Vec<String> = checks.iter().map(|c| c.account.clone()).collect();
    wanted.sort();
    wanted.dedup();
    let reach = Reach::new(options).await?;
    for account in wanted {
        let config = match reach.config(&account).await {
            Ok(config) => config,
            Err(why) => {
                for c in checks.iter_mut().filter(|c| c.account == account) {
                    c.problems.push(format!(
                        "live checks not done: cannot reach account {account} ({why})"
                    ));
                }
                continue;
            }
        };
        let index: Vec<usize> = (0..checks.len())
            .filter(|&i| checks[i].account == account)
            .collect();
        let mut group: Vec<Check> = index.iter().map(|&i| checks[i].clone()).collect();
        verify::aws_test_filters(&config, &mut group).await;
        if fire {
            verify::fire(&config, &mut group).await;
        }
        for (i, c) in index.into_iter().zip(group) {
            checks[i] = c;
        }
    }
    Ok(())
}

/// [`verify_async`] from a plain (non-async) caller.
pub fn verify_live(
    options: &CollectOptions,
    checks: &mut [Check],
    fire: bool,
) -> Result<(), AccountsError> {
    runtime()?.block_on(verify_async(options, checks, fire))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Blocked, Subscribe};

    fn subscribe(account: &str, endpoint: &str) -> Action {
        Action::Subscribe(Subscribe {
            account: account.into(),
            region: "eu-west-1".into(),
            topic_arn: format!("arn:aws:sns:eu-west-1:{account}:t"),
            protocol: "email".into(),
            endpoint: endpoint.into(),
        })
    }

    #[test]
    fn split_keeps_each_accounts_order_and_blocked_entries() {
        let plan = Plan {
            actions: vec![
                subscribe("222222222222", "a"),
                subscribe("111111111111", "b"),
                subscribe("222222222222", "c"),
            ],
            blocked: vec![Blocked {
                controls: vec!["4.3".into()],
                account: "333333333333".into(),
                region: "eu-west-1".into(),
                link: "trail".into(),
                reason: "no trail".into(),
            }],
            notes: vec!["n".into()],
        };
        let parts = split(&plan);
        let accounts: Vec<&str> = parts.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(accounts, ["222222222222", "111111111111", "333333333333"]);
        assert_eq!(
            parts[0].1.actions,
            vec![plan.actions[0].clone(), plan.actions[2].clone()]
        );
        assert_eq!(parts[1].1.actions, vec![plan.actions[1].clone()]);
        assert!(parts[2].1.actions.is_empty());
        assert_eq!(parts[2].1.blocked.len(), 1);
    }

    #[test]
    fn unreachable_names_every_account_and_says_nothing_changed() {
        let e = AccountsError::Unreachable(vec![
            ("111111111111".into(), "AccessDenied".into()),
            ("222222222222".into(), "not selected".into()),
        ]);
        let text = e.to_string();
        assert!(
            text.contains("account 111111111111 (AccessDenied)"),
            "{text}"
        );
        assert!(
            text.contains("account 222222222222 (not selected)"),
            "{text}"
        );
        assert!(text.ends_with("nothing was changed"), "{text}");
    }
}
