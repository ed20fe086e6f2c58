//! Control 4.16: Security Hub enabled in every audited region, one finding per region.
//!
//! An opt-in region that is not enabled cannot be audited: ERROR with that reason, never PASS.
//! Security Hub "not enabled" may come as `{"ok": {"enabled": false}}` or as a `NotSubscribed` (or
//! `NotFound`) error from `DescribeHub`: both are definite, so FAIL.

use trailwarden_evidence::{AccountEvidence, ErrorKind, Observed};

use crate::finding::{Link, Resources};
use crate::outcome::Outcome;

/// One outcome per audited region.
pub(crate) fn evaluate(account: &AccountEvidence) -> Vec<(String, Outcome)> {
    account
        .regions
        .iter()
        .map(|r| (r.region.clone(), region(account, &r.region, &r.enabled)))
        .collect()
}

fn region(account: &AccountEvidence, region: &str, enabled: &Observed<bool>) -> Outcome {
    match enabled {
        Observed::Ok(false) => {
            return Outcome::error(
                0,
                Link::Region,
                format!("region {region} is not enabled for the account, so Security Hub cannot be checked there"),
            )
        }
        Observed::Error(e) => {
            return Outcome::error(0, Link::Region, format!("cannot tell whether region {region} is enabled: {e}"))
        }
        Observed::Ok(true) => {}
    }
    let Some(hub) = account.security_hub.iter().find(|h| h.region == region) else {
        return Outcome::error(
            0,
            Link::SecurityHub,
            format!("Security Hub in {region} was not collected"),
        );
    };
    match &hub.status {
        Observed::Ok(s) if s.enabled => {
            let mut o = Outcome::pass(format!(
                "Security Hub is enabled in {region} with {} standard(s)",
                s.standards.len()
            ));
            o.resources = Resources {
                other: s.hub_arn.clone(),
                ..Resources::default()
            };
            o
        }
        Observed::Ok(_) => Outcome::fail(
            0,
            Link::SecurityHub,
            format!("Security Hub is not enabled in {region}"),
        ),
        Observed::Error(e) if matches!(e.kind, ErrorKind::NotSubscribed | ErrorKind::NotFound) => {
            Outcome::fail(
                0,
                Link::SecurityHub,
                format!("Security Hub is not enabled in {region} ({})", e.operation),
            )
        }
        Observed::Error(e) => Outcome::error(
            0,
            Link::SecurityHub,
            format!("cannot tell whether Security Hub is enabled in {region}: {e}"),
        ),
    }
}
