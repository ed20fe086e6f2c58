//! What to collect: whose accounts, which regions, how to reach AWS.

use aws_config::SdkConfig;

use crate::error::CollectError;

/// The regions to audit in each account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RegionSelection {
    /// Only the home region (`--region`, `AWS_REGION`, the profile's region).
    Home,
    /// Every region enabled for the account (account `ListRegions`; see [`crate::regions`] when it is denied).
    #[default]
    All,
    /// These regions.
    List(Vec<String>),
}

impl RegionSelection {
    /// Parses `all` or a comma-separated list (`eu-west-1,us-east-1`).
    pub fn parse(text: &str) -> Result<RegionSelection, CollectError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(RegionSelection::All);
        }
        let mut regions = Vec::new();
        for part in text.split(',') {
            let region = part.trim();
            crate::regions::validate(region)?;
            if !regions.iter().any(|r| r == region) {
                regions.push(region.to_owned());
            }
        }
        Ok(RegionSelection::List(regions))
    }
}

/// Which accounts to audit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AccountSelection {
    /// The accounts the credentials themselves belong to (one per profile).
    #[default]
    Callers,
    /// Assume [`CollectOptions::assume_role`] in each of these account ids.
    Accounts(Vec<String>),
    /// Assume [`CollectOptions::assume_role`] in every active account of the caller's organization.
    Organization,
}

/// How progress is reported on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// Nothing.
    #[default]
    Quiet,
    /// One plain line per account and region.
    Lines,
    /// A bar counting the current account's regions, the same lines printed above it (for a terminal).
    Bar,
}

/// Everything [`crate::collect`] needs.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    /// Named profiles, each a principal to collect with; empty uses the default credential chain.
    pub profiles: Vec<String>,
    /// Home region (global calls, [`RegionSelection::Home`]); `None` uses the environment.
    pub region: Option<String>,
    /// Regions to audit.
    pub regions: RegionSelection,
    /// Endpoint URL for every service (moto, LocalStack); `None` honours `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// Role *name* to assume in each target account (with [`AccountSelection::Accounts`]/`Organization`).
    pub assume_role: Option<String>,
    /// Accounts to audit.
    pub accounts: AccountSelection,
    /// Calls in flight at once per account (0 means 8).
    pub concurrency: usize,
    /// Attempts per call, retries included (0 means 5).
    pub max_attempts: u32,
    /// Progress reporting.
    pub progress: Progress,
    /// Start from this config instead of loading the environment (tests, embedding); `profiles` must be empty.
    pub base_config: Option<SdkConfig>,
}

impl CollectOptions {
    /// Checks that the options make sense together, naming the offending option.
    pub fn validate(&self) -> Result<(), CollectError> {
        let bad = |m: &str| Err(CollectError::Options(m.to_owned()));
        match (&self.accounts, &self.assume_role) {
            (AccountSelection::Callers, Some(_)) => {
                return bad("--assume-role needs --accounts ID,... or --organization");
            }
            (AccountSelection::Accounts(_) | AccountSelection::Organization, None) => {
                return bad("--accounts and --organization need --assume-role NAME");
            }
            _ => {}
        }
        if let AccountSelection::Accounts(ids) = &self.accounts {
            if ids.is_empty() {
                return bad("--accounts is empty");
            }
            for id in ids {
                if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(CollectError::Options(format!(
                        "--accounts: '{id}' is not a 12-digit AWS account id"
                    )));
                }
            }
        }
        if let Some(role) = &self.assume_role {
            if role.is_empty() || role.contains(':') {
                return Err(CollectError::Options(format!(
                    "--assume-role takes a role name (or path/name), not an ARN: '{role}'"
                )));
            }
        }
        if self.base_config.is_some() && !self.profiles.is_empty() {
            return bad("a base SDK config and profiles are exclusive");
        }
        if let Some(region) = &self.region {
            crate::regions::validate(region)?;
        }
        if let RegionSelection::List(list) = &self.regions {
            if list.is_empty() {
                return bad("--regions is empty");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_parse_all_and_lists() {
        assert_eq!(RegionSelection::parse("all").unwrap(), RegionSelection::All);
        assert_eq!(
            RegionSelection::parse("eu-west-1, us-east-1,eu-west-1").unwrap(),
            RegionSelection::List(vec!["eu-west-1".into(), "us-east-1".into()])
        );
        let err = RegionSelection::parse("eu-west-1,Paris")
            .unwrap_err()
            .to_string();
        assert!(err.contains("'Paris'"), "{err}");
    }

    #[test]
    fn assume_role_and_targets_go_together() {
        let mut o = CollectOptions {
            assume_role: Some("Audit".into()),
            ..Default::default()
        };
        assert!(o.validate().unwrap_err().to_string().contains("--accounts"));
        o.accounts = AccountSelection::Accounts(vec!["12345".into()]);
        assert!(o.validate().unwrap_err().to_string().contains("'12345'"));
        o.accounts = AccountSelection::Accounts(vec!["123456789012".into()]);
        o.validate().unwrap();
        o.assume_role = Some("arn:aws:iam::123456789012:role/Audit".into());
        assert!(o.validate().unwrap_err().to_string().contains("role name"));
        let o = CollectOptions {
            accounts: AccountSelection::Organization,
            ..Default::default()
        };
        assert!(o
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--assume-role"));
    }
}
