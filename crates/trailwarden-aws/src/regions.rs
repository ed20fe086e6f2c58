//! Which regions an account has enabled.
//!
//! The authority is the Account service's `ListRegions` (a light client, unlike EC2's `DescribeRegions`).
//! When it cannot be read (denied, or an endpoint such as moto that does not serve it), `--regions all` falls
//! back to the commercial partition's known regions: those enabled by default are enabled by definition; for the
//! opt-in ones the answer is inferred from whether the region answered our calls, and the `ListRegions` failure
//! stays recorded as the `enabled` of each region that did not.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_account::types::RegionOptStatus;

use crate::error::{ApiError, CollectError};
use crate::sdk::CallCounter;

/// Regions of the `aws` partition enabled in every account (they cannot be disabled).
pub const ENABLED_BY_DEFAULT: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "sa-east-1",
];

/// Opt-in regions of the `aws` partition known when this list was written (used only as a fallback).
pub const OPT_IN: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// Checks the shape of a region name (`eu-west-1`, `us-gov-west-1`, `cn-north-1`), naming it when wrong.
pub fn validate(region: &str) -> Result<(), CollectError> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(CollectError::Options(format!(
            "'{region}' is not an AWS region name (like eu-west-1)"
        )))
    }
}

/// What `ListRegions` said: region → enabled.
pub type RegionStatus = BTreeMap<String, bool>;

/// Lists the account's regions with their opt-in status (paginated).
pub async fn list_regions(
    config: &SdkConfig,
    calls: &CallCounter,
) -> Result<RegionStatus, ApiError> {
    let client = aws_sdk_account::Client::from_conf(
        aws_sdk_account::config::Builder::from(config)
            .interceptor(calls.clone())
            .build(),
    );
    let home = config.region().map(|r| r.as_ref().to_owned());
    let mut pages = client.list_regions().into_paginator().items().send();
    let mut out = RegionStatus::new();
    while let Some(region) = pages
        .try_next()
        .await
        .map_err(|e| ApiError::from_sdk("ListRegions", home.as_deref(), e))?
    {
        if let Some(name) = region.region_name() {
            let enabled = matches!(
                region.region_opt_status(),
                Some(RegionOptStatus::Enabled | RegionOptStatus::EnabledByDefault)
            );
            out.insert(name.to_owned(), enabled);
        }
    }
    Ok(out)
}

/// The regions `--regions all` covers when `ListRegions` could not be read, for a partition.
pub fn fallback_all(partition: &str, home: &str) -> Vec<String> {
    if partition == "aws" {
        ENABLED_BY_DEFAULT
            .iter()
            .chain(OPT_IN)
            .map(|r| r.to_string())
            .collect()
    } else {
        vec![home.to_owned()]
    }
}

/// Whether a region is enabled in every account of its partition.
pub fn enabled_by_default(region: &str) -> bool {
    ENABLED_BY_DEFAULT.contains(&region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_checked() {
        for ok in ["eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5"] {
            validate(ok).unwrap();
        }
        for bad in ["", "eu-west", "EU-WEST-1", "eu_west_1", "eu--1", "all"] {
            let err = validate(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("'{bad}'")), "{err}");
        }
    }

    #[test]
    fn fallback_covers_opt_in_regions_of_the_commercial_partition_only() {
        let all = fallback_all("aws", "us-east-1");
        assert!(all.iter().any(|r| r == "af-south-1") && all.iter().any(|r| r == "eu-west-1"));
        assert_eq!(
            fallback_all("aws-cn", "cn-north-1"),
            vec!["cn-north-1".to_string()]
        );
    }
}
