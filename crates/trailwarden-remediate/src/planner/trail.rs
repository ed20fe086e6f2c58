//! `--setup-trail`: when an account has no qualifying trail, plan one — an S3 bucket with public access
//! blocked and the CloudTrail bucket policy, a log group with a retention period, the role CloudTrail
//! assumes to deliver to it, a multi-region trail (all management events, global service events, log file
//! validation) that is started — and then the metric filters and alarms on that new group.
//!
//! The names are fixed ([`crate::SETUP_TRAIL_NAME`], [`crate::setup_bucket_name`], ...), so a later run finds
//! what an earlier one made. A trail of that name that is not the one trailwarden creates stops the plan
//! ([`PlanError::Collision`]). Buckets and roles are not in the evidence: apply checks them before writing
//! (a bucket, role, log group or trail of that name without the `managed-by=trailwarden` tag is a collision).

use std::collections::BTreeMap;

use trailwarden_audit::Finding;
use trailwarden_controls::Control;
use trailwarden_evidence::arn::LogGroupRef;
use trailwarden_evidence::{AccountEvidence, Observed, Trail};

use super::Planner;
use crate::model::*;
use crate::options::{
    setup_bucket_name, MANAGED_BY, SETUP_LOG_GROUP, SETUP_ROLE_NAME, SETUP_ROLE_POLICY,
    SETUP_TRAIL_NAME,
};
use crate::policy::{bucket_policy, trail_role_policy, trail_role_trust};

/// What the setup of one account gave: the new trail's log group, or why none could be planned.
type Setup = Result<LogGroupRef, String>;

impl Planner<'_> {
    /// A control of an account without a qualifying trail: the account's trail setup (planned once), then
    /// the control's filter and alarm on the new log group.
    pub(super) fn setup_trail(&mut self, f: &Finding, control: &Control) -> Result<(), PlanError> {
        let setup = match self.setups.get(&f.account) {
            Some(Some(group)) => Ok(group.clone()),
            Some(None) => Err(String::new()),
            None => {
                let setup = self.plan_setup(f)?;
                self.setups
                    .insert(f.account.clone(), setup.as_ref().ok().cloned());
                setup
            }
        };
        match setup {
            Ok(group) => self.filter_and_alarm_on(&group, control),
            Err(reason) => {
                // One blocked entry per account, listing every control it holds back.
                let existing = self
                    .plan
                    .blocked
                    .iter_mut()
                    .find(|b| b.account == f.account && b.link == "trail");
                match existing {
                    Some(b) => b.controls.push(control.id.clone()),
                    None => self.plan.blocked.push(Blocked {
                        controls: vec![control.id.clone()],
                        account: f.account.clone(),
                        region: f.region.clone(),
                        link: "trail".to_string(),
                        reason,
                    }),
                }
                Ok(())
            }
        }
    }

    fn plan_setup(&mut self, f: &Finding) -> Result<Setup, PlanError> {
        let Some(account) = self.evidence.account(&f.account) else {
            return Ok(Err(format!(
                "account {} is not in the evidence, so no trail can be planned for it",
                f.account
            )));
        };
        let Some(region) = self.trail_region(account) else {
            return Ok(Err(
                "--setup-trail: the evidence lists no enabled region to create the trail in; pass --region"
                    .to_string(),
            ));
        };
        let names = Names::new(&account.partition, &account.account_id, &region);
        let trails: &[Trail] = match &account.trails {
            Observed::Ok(t) => t,
            Observed::Error(_) => &[],
        };
        if let Some(ours) = trails.iter().find(|t| t.name == SETUP_TRAIL_NAME) {
            return self.existing_setup_trail(f, ours, &names);
        }
        if let Some(g) = account
            .log_groups
            .iter()
            .find(|g| g.name == SETUP_LOG_GROUP && g.region == region)
        {
            return Err(PlanError::Collision(Box::new(Collision {
                kind: "log group",
                name: g.name.clone(),
                account: account.account_id.clone(),
                region,
                diff: "another trail delivers to it, and trailwarden's trail does not exist"
                    .to_string(),
                hint: "remediate without --setup-trail, using the trail that delivers to it"
                    .to_string(),
            })));
        }
        self.push_setup(&names);
        let others: Vec<&str> = trails.iter().map(|t| t.name.as_str()).collect();
        let mut note = format!(
            "account {}: --setup-trail creates trail {} in {} delivering to s3://{} and log group {} (retention {} days) through role {}; apply first checks that none of these exists already unless tagged {}={} (the evidence does not list buckets and roles)",
            names.account,
            SETUP_TRAIL_NAME,
            names.region,
            names.bucket,
            SETUP_LOG_GROUP,
            self.options.log_retention_days,
            SETUP_ROLE_NAME,
            MANAGED_BY.0,
            MANAGED_BY.1
        );
        if !others.is_empty() {
            note.push_str(&format!(
                "; the existing trail(s) {} stay as they are (CloudTrail bills every copy of management events after the first: fixing one of them instead may be cheaper)",
                others.join(", ")
            ));
        }
        self.plan.notes.push(note);
        Ok(Ok(names.group_ref()))
    }

    /// The trail of our name exists: ours (same log group and role, multi-region) and only stopped → start
    /// it; anything else is a collision or a fix for a human.
    fn existing_setup_trail(
        &mut self,
        f: &Finding,
        trail: &Trail,
        names: &Names,
    ) -> Result<Setup, PlanError> {
        let group = trail
            .log_group_arn
            .as_deref()
            .map(|g| g.trim_end_matches(":*"));
        let ours = trail.is_multi_region
            && group == Some(names.group_arn_bare().as_str())
            && trail.cloudwatch_logs_role_arn.as_deref() == Some(names.role_arn.as_str());
        if !ours {
            return Err(PlanError::Collision(Box::new(Collision {
                kind: "trail",
                name: trail.name.clone(),
                account: names.account.clone(),
                region: trail.home_region.clone(),
                diff: format!(
                    "it delivers to {} through {} and is {}multi-region",
                    trail.log_group_arn.as_deref().unwrap_or("no log group"),
                    trail.cloudwatch_logs_role_arn.as_deref().unwrap_or("no role"),
                    if trail.is_multi_region { "" } else { "not " }
                ),
                hint: "fix that trail so it qualifies and remediate without --setup-trail, or remove it yourself".to_string(),
            })));
        }
        let stopped = matches!(&trail.status, Observed::Ok(s) if !s.is_logging);
        if !stopped {
            return Ok(Err(format!(
                "trailwarden's own trail {} exists but does not qualify: {}. Fix it by hand (trailwarden never changes a trail's configuration once created)",
                trail.name, f.reason
            )));
        }
        self.setup_actions.push(Action::StartLogging(StartLogging {
            account: names.account.clone(),
            region: trail.home_region.clone(),
            trail_arn: trail.arn.clone(),
        }));
        self.plan.notes.push(format!(
            "trail {} was created by trailwarden earlier and is stopped; it is started again",
            trail.arn
        ));
        let group = LogGroupRef::parse(trail.log_group_arn.as_deref().unwrap_or_default());
        Ok(group.ok_or_else(|| format!("trail {} names an unreadable log group", trail.arn)))
    }

    fn push_setup(&mut self, n: &Names) {
        let tags = managed_tags();
        let (account, region) = (n.account.clone(), n.region.clone());
        let policy = bucket_policy(&n.partition, &n.account, &n.bucket, &n.trail_arn);
        self.setup_actions.extend([
            Action::CreateBucket(CreateBucket {
                account: account.clone(),
                region: region.clone(),
                bucket: n.bucket.clone(),
                tags: tags.clone(),
            }),
            Action::PutBucketPolicy(PutBucketPolicy {
                account: account.clone(),
                region: region.clone(),
                bucket: n.bucket.clone(),
                policy: policy.to_string(),
            }),
            Action::CreateLogGroup(CreateLogGroup {
                account: account.clone(),
                region: region.clone(),
                log_group_name: SETUP_LOG_GROUP.to_string(),
                arn: n.group_arn.clone(),
                retention_days: self.options.log_retention_days,
                tags: tags.clone(),
            }),
            Action::CreateRole(CreateRole {
                account: account.clone(),
                region: region.clone(),
                role_name: SETUP_ROLE_NAME.to_string(),
                arn: n.role_arn.clone(),
                assume_role_policy: trail_role_trust().to_string(),
                tags: tags.clone(),
            }),
            Action::PutRolePolicy(PutRolePolicy {
                account: account.clone(),
                region: region.clone(),
                role_name: SETUP_ROLE_NAME.to_string(),
                policy_name: SETUP_ROLE_POLICY.to_string(),
                policy: trail_role_policy(&n.group_arn_bare()).to_string(),
            }),
            Action::CreateTrail(CreateTrail {
                account: account.clone(),
                region: region.clone(),
                name: SETUP_TRAIL_NAME.to_string(),
                arn: n.trail_arn.clone(),
                bucket: n.bucket.clone(),
                log_group_arn: n.group_arn.clone(),
                role_arn: n.role_arn.clone(),
                multi_region: true,
                include_global_service_events: true,
                log_file_validation: true,
                tags,
            }),
            Action::StartLogging(StartLogging {
                account,
                region,
                trail_arn: n.trail_arn.clone(),
            }),
        ]);
    }

    /// `--region` if given, else the account's first enabled audited region.
    fn trail_region(&self, account: &AccountEvidence) -> Option<String> {
        if let Some(r) = &self.options.trail_region {
            return Some(r.clone());
        }
        account
            .regions
            .iter()
            .find(|r| matches!(r.enabled, Observed::Ok(true)))
            .map(|r| r.region.clone())
    }
}

/// `managed-by=trailwarden`.
pub(super) fn managed_tags() -> BTreeMap<String, String> {
    BTreeMap::from([(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string())])
}

/// Every name and ARN of one account's setup.
struct Names {
    partition: String,
    account: String,
    region: String,
    bucket: String,
    trail_arn: String,
    /// `...:log-group:NAME:*`, the form trails use.
    group_arn: String,
    role_arn: String,
}

impl Names {
    fn new(partition: &str, account: &str, region: &str) -> Names {
        Names {
            partition: partition.to_string(),
            account: account.to_string(),
            region: region.to_string(),
            bucket: setup_bucket_name(account, region),
            trail_arn: format!(
                "arn:{partition}:cloudtrail:{region}:{account}:trail/{SETUP_TRAIL_NAME}"
            ),
            group_arn: format!(
                "arn:{partition}:logs:{region}:{account}:log-group:{SETUP_LOG_GROUP}:*"
            ),
            role_arn: format!("arn:{partition}:iam::{account}:role/{SETUP_ROLE_NAME}"),
        }
    }

    fn group_arn_bare(&self) -> String {
        self.group_arn.trim_end_matches(":*").to_string()
    }

    fn group_ref(&self) -> LogGroupRef {
        LogGroupRef {
            partition: self.partition.clone(),
            region: self.region.clone(),
            account: self.account.clone(),
            name: SETUP_LOG_GROUP.to_string(),
        }
    }
}
