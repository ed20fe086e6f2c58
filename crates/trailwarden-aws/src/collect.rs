//! The collection run: principals → target accounts → regions → the evidence chain of each account.
//!
//! Per account the chain is read in dependency order, each step as concurrent as its inputs allow (bounded by
//! [`CollectOptions::concurrency`]):
//! 1. per region: `DescribeTrails` (shadow trails included), `DescribeAlarms`, `DescribeHub`;
//! 2. per distinct trail, in its home region: `GetTrailStatus`, `GetEventSelectors`;
//! 3. per log group a trail delivers to, in the group's region: `DescribeLogGroups` (does it exist?), then
//!    `DescribeMetricFilters` unless it does not (plus `DescribeAlarms` there if that region was not audited);
//! 4. per SNS topic in an alarm's actions, in the topic's region: `ListSubscriptionsByTopic`, `GetTopicAttributes`;
//! 5. per customer KMS key encrypting such a topic, in the topic's region: `DescribeKey`, `GetKeyPolicy`.
//!
//! Every failed call is recorded in the evidence where the value would have been; only failures that leave
//! nothing to collect (the caller cannot be identified, the organization cannot be listed) end the run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_sdk_cloudtrail::primitives::{DateTime, DateTimeFormat};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use trailwarden_evidence::arn::{is_sns_topic, LogGroupRef};
use trailwarden_evidence::{
    AccountEvidence, ErrorKind, Evidence, ObservationError, Observed, RegionAlarms, RegionEvidence,
    RegionSecurityHub, Tool,
};

use crate::accounts::{self, Identity};
use crate::cloudtrail::{self, TrailSummary};
use crate::error::{ApiError, CollectError};
use crate::options::{CollectOptions, RegionSelection};
use crate::progress::Reporter;
use crate::regions::{self, RegionStatus};
use crate::sdk::{self, CallCounter, RegionClients};
use crate::{alarms, kms, logs, securityhub, sns};

/// Requests sent to one account in one region (`region` is `global` for STS, Organizations and Account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCalls {
    /// Account id.
    pub account_id: String,
    /// Region, or `global`.
    pub region: String,
    /// HTTP requests sent, retries included.
    pub requests: u64,
}

/// A collection's result: the evidence, and what it cost.
#[derive(Debug, Clone)]
pub struct CollectReport {
    /// The evidence document.
    pub evidence: Evidence,
    /// Requests per account and region, in collection order.
    pub api_calls: Vec<ApiCalls>,
}

impl CollectReport {
    /// All requests sent.
    pub fn total_requests(&self) -> u64 {
        self.api_calls.iter().map(|c| c.requests).sum()
    }
}

/// Collects the evidence described by `options`, blocking the calling thread.
///
/// Do not call this from inside an async runtime; use [`collect_async`] there.
pub fn collect(options: &CollectOptions) -> Result<Evidence, CollectError> {
    collect_report(options).map(|r| r.evidence)
}

/// Like [`collect`], with the number of requests sent.
pub fn collect_report(options: &CollectOptions) -> Result<CollectReport, CollectError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CollectError::Runtime)?;
    runtime.block_on(collect_async(options))
}

/// Collects the evidence described by `options`.
pub async fn collect_async(options: &CollectOptions) -> Result<CollectReport, CollectError> {
    let principals = accounts::principals(options).await?;

    let mut run = Run {
        options,
        limit: Arc::new(Semaphore::new(if options.concurrency == 0 {
            8
        } else {
            options.concurrency
        })),
        api_calls: Vec::new(),
        progress: Reporter::new(options.progress),
    };
    let mut evidence = Evidence::new(
        now_rfc3339(),
        Tool {
            name: "trailwarden".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
    );
    for principal in &principals {
        let me = &principal.identity;
        run.record_calls(&me.account_id, "global", &principal.calls);
        let count = principal.targets.len();
        for (n, account_id) in principal.targets.iter().enumerate() {
            if evidence.account(account_id).is_some() {
                run.say(format!("account {account_id}: already collected, skipped"));
                continue;
            }
            run.say(format!(
                "account {account_id} ({} of {count}) with {}",
                n + 1,
                principal.label
            ));
            let account = if *account_id == me.account_id {
                run.account(&principal.config, me).await
            } else {
                run.assumed_account(principal, account_id).await
            };
            evidence.accounts.push(account);
        }
    }
    Ok(CollectReport {
        evidence,
        api_calls: run.api_calls,
    })
}

fn now_rfc3339() -> String {
    let now = DateTime::from(SystemTime::now());
    DateTime::from_secs(now.secs())
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_default()
}

/// State shared by one collection run.
struct Run<'a> {
    options: &'a CollectOptions,
    limit: Arc<Semaphore>,
    api_calls: Vec<ApiCalls>,
    progress: Reporter,
}

/// What one region answered in the first pass.
struct RegionPass {
    region: String,
    trails: Result<Vec<TrailSummary>, ApiError>,
    alarms: Result<Vec<trailwarden_evidence::Alarm>, ApiError>,
    hub: Result<trailwarden_evidence::SecurityHubStatus, ApiError>,
}

impl Run<'_> {
    fn say(&self, line: String) {
        self.progress.say(&line);
    }

    fn record_calls(&mut self, account_id: &str, region: &str, counter: &CallCounter) {
        let requests = counter.get();
        if requests == 0 {
            return;
        }
        let same = |c: &&mut ApiCalls| c.account_id == account_id && c.region == region;
        match self.api_calls.iter_mut().find(same) {
            Some(entry) => entry.requests += requests,
            None => self.api_calls.push(ApiCalls {
                account_id: account_id.into(),
                region: region.into(),
                requests,
            }),
        }
    }

    /// Runs `tasks` with at most `limit` in flight; results come back in input order.
    async fn bounded<T, F>(&self, tasks: Vec<F>) -> Vec<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let mut set = JoinSet::new();
        let count = tasks.len();
        for (i, task) in tasks.into_iter().enumerate() {
            let limit = self.limit.clone();
            set.spawn(async move {
                // The semaphore is never closed, so acquiring only waits; on the impossible error run unbounded.
                let _permit = limit.acquire_owned().await.ok();
                (i, task.await)
            });
        }
        let mut out: Vec<Option<T>> = (0..count).map(|_| None).collect();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok((i, value)) => out[i] = Some(value),
                // A panicking task is a bug: surface it as the panic it was.
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
        out.into_iter().flatten().collect()
    }

    /// An account reached by assuming the role; a failure to assume is recorded as the account's evidence.
    async fn assumed_account(
        &mut self,
        principal: &accounts::Principal,
        account_id: &str,
    ) -> AccountEvidence {
        let (base, me) = (&principal.config, &principal.identity);
        let global = CallCounter::default();
        let reached = accounts::reach(
            principal,
            self.options.assume_role.as_deref(),
            account_id,
            &global,
        )
        .await;
        self.record_calls(account_id, "global", &global);
        let failure = match reached {
            Ok((config, id)) => return self.account(&config, &id).await,
            Err(failure) => failure,
        };
        self.say(format!("account {account_id}: {failure}"));
        let regions = match &self.options.regions {
            RegionSelection::List(list) => list.clone(),
            RegionSelection::Home => vec![home_region(base)],
            RegionSelection::All => Vec::new(),
        };
        AccountEvidence {
            account_id: account_id.into(),
            partition: me.partition.clone(),
            regions: regions
                .into_iter()
                .map(|region| RegionEvidence {
                    region,
                    enabled: Observed::Error(failure.clone()),
                })
                .collect(),
            collection_errors: vec![failure.clone()],
            trails: Observed::Error(failure),
            log_groups: Vec::new(),
            alarms: Vec::new(),
            topics: Vec::new(),
            security_hub: Vec::new(),
            kms_keys: Vec::new(),
        }
    }

    /// Collects one account with `config` (whose caller is `me`).
    async fn account(&mut self, config: &SdkConfig, me: &Identity) -> AccountEvidence {
        let account_id = me.account_id.clone();
        let home = home_region(config);
        let global = CallCounter::default();

        // Which regions, and which of them are enabled.
        let listed: Option<Result<RegionStatus, ApiError>> = match &self.options.regions {
            RegionSelection::Home => None,
            _ => Some(regions::list_regions(config, &global).await),
        };
        let selected: Vec<String> = match (&self.options.regions, &listed) {
            (RegionSelection::Home, _) => vec![home.clone()],
            (RegionSelection::List(list), _) => list.clone(),
            (RegionSelection::All, Some(Ok(status))) => status
                .iter()
                .filter(|(_, on)| **on)
                .map(|(r, _)| r.clone())
                .collect(),
            (RegionSelection::All, _) => regions::fallback_all(&me.partition, &home),
        };
        if let (RegionSelection::All, Some(Err(e))) = (&self.options.regions, &listed) {
            // Not an evidence error: each region's own answers then tell whether it is enabled. Said aloud
            // because a region newer than our list would be missed.
            self.say(format!(
                "account {account_id}: {e}; auditing the {} regions known to trailwarden instead",
                selected.len()
            ));
        }
        let known_disabled =
            |r: &str| matches!(&listed, Some(Ok(s)) if !s.get(r).copied().unwrap_or(false));
        let active: Vec<String> = selected
            .iter()
            .filter(|r| !known_disabled(r))
            .cloned()
            .collect();
        let mut clients: HashMap<String, RegionClients> = HashMap::new();
        let mut region_clients = |region: &str| {
            clients
                .entry(region.to_owned())
                .or_insert_with(|| RegionClients::new(config, region))
                .clone()
        };

        // 1. Per region: trails, alarms, Security Hub.
        self.progress.account_start(&account_id, active.len());
        let tasks: Vec<_> = active
            .iter()
            .map(|region| {
                let c = region_clients(region);
                let progress = self.progress.clone();
                let account = account_id.clone();
                async move {
                    let trails = cloudtrail::describe_trails(&c).await;
                    let alarms = alarms::metric_alarms(&c).await;
                    let hub = securityhub::status(&c).await;
                    progress.region_done(&account, &c.region, &summary(&trails, &alarms, &hub));
                    RegionPass {
                        region: c.region.clone(),
                        trails,
                        alarms,
                        hub,
                    }
                }
            })
            .collect();
        let passes = self.bounded(tasks).await;

        let region_evidence = selected
            .iter()
            .map(|region| {
                let pass = passes.iter().find(|p| &p.region == region);
                RegionEvidence {
                    region: region.clone(),
                    enabled: enabled(region, &listed, pass),
                }
            })
            .collect();

        // Trails: merged by ARN across regions. A region that could not be read (other than being disabled)
        // may hide a trail, so it makes the whole list an error rather than a possibly partial answer.
        let mut by_arn: BTreeMap<String, TrailSummary> = BTreeMap::new();
        let mut trail_error: Option<ObservationError> = None;
        for pass in &passes {
            match &pass.trails {
                Ok(list) => {
                    for t in list {
                        by_arn.entry(t.arn.clone()).or_insert_with(|| t.clone());
                    }
                }
                Err(e) if e.kind == ErrorKind::RegionDisabled => {}
                Err(e) => {
                    trail_error.get_or_insert_with(|| e.to_observation());
                }
            }
        }

        // 2. Trail details in each trail's home region.
        let tasks: Vec<_> = by_arn
            .values()
            .map(|t| {
                let c = region_clients(&t.home_region);
                let t = t.clone();
                async move { cloudtrail::trail_details(&c, t).await }
            })
            .collect();
        let trails = self.bounded(tasks).await;

        // 3. The trails' log groups, in their own regions.
        let groups: BTreeMap<String, LogGroupRef> = trails
            .iter()
            .filter_map(|t| t.log_group_arn.as_deref().and_then(LogGroupRef::parse))
            .map(|g| (g.arn(), g))
            .collect();
        let tasks: Vec<_> = groups
            .values()
            .map(|g| {
                let c = (g.account == account_id).then(|| region_clients(&g.region));
                let (g, account) = (g.clone(), account_id.clone());
                async move { logs::log_group(c.as_ref(), &g, &account).await }
            })
            .collect();
        let log_groups = self.bounded(tasks).await;

        // Alarms: every audited region, plus the regions of our own log groups (alarms live beside their metric).
        let mut alarms: Vec<RegionAlarms> = passes
            .iter()
            .filter(|p| !matches!(&p.alarms, Err(e) if e.kind == ErrorKind::RegionDisabled))
            .map(|p| RegionAlarms {
                region: p.region.clone(),
                alarms: p
                    .alarms
                    .as_ref()
                    .map(Clone::clone)
                    .map_err(ApiError::to_observation)
                    .into(),
            })
            .collect();
        let extra: BTreeSet<String> = groups
            .values()
            .filter(|g| g.account == account_id && !alarms.iter().any(|a| a.region == g.region))
            .map(|g| g.region.clone())
            .collect();
        let tasks: Vec<_> = extra
            .iter()
            .map(|region| {
                let c = region_clients(region);
                async move {
                    let found = alarms::metric_alarms(&c)
                        .await
                        .map_err(ObservationError::from)
                        .into();
                    RegionAlarms {
                        region: c.region.clone(),
                        alarms: found,
                    }
                }
            })
            .collect();
        alarms.extend(self.bounded(tasks).await);

        // 4. The SNS topics the alarms notify, in each topic's region.
        let topic_arns: BTreeSet<String> = alarms
            .iter()
            .filter_map(|a| a.alarms.ok())
            .flatten()
            .flat_map(|a| a.alarm_actions.iter())
            .filter(|arn| is_sns_topic(arn))
            .cloned()
            .collect();
        let tasks: Vec<_> = topic_arns
            .iter()
            .map(|arn| {
                let region = arn.split(':').nth(3).unwrap_or(&home).to_owned();
                let c = region_clients(&region);
                let arn = arn.clone();
                async move { sns::topic(&c, &arn).await }
            })
            .collect();
        let topics = self.bounded(tasks).await;

        // 5. The KMS keys of encrypted topics (but the AWS managed aws/sns, which CloudWatch never can use),
        // in each topic's region: their key policies decide whether CloudWatch may publish.
        let keys: BTreeSet<(String, String)> = topics
            .iter()
            .filter_map(|t| {
                let key = t.attributes.ok()?.kms_master_key_id.clone()?;
                let region = t.arn.split(':').nth(3).unwrap_or(&home).to_owned();
                let managed = key == "alias/aws/sns" || key.ends_with(":alias/aws/sns");
                (!key.is_empty() && !managed).then_some((key, region))
            })
            .collect();
        let tasks: Vec<_> = keys
            .iter()
            .map(|(key, region)| {
                let c = region_clients(region);
                let key = key.clone();
                async move { kms::key(&c, &key).await }
            })
            .collect();
        let kms_keys = self.bounded(tasks).await;

        let security_hub = passes
            .iter()
            .filter(|p| !matches!(&p.hub, Err(e) if e.kind == ErrorKind::RegionDisabled))
            .map(|p| RegionSecurityHub {
                region: p.region.clone(),
                status: p
                    .hub
                    .as_ref()
                    .map(Clone::clone)
                    .map_err(ApiError::to_observation)
                    .into(),
            })
            .collect();

        self.record_calls(&account_id, "global", &global);
        let mut regions_used: Vec<&RegionClients> = clients.values().collect();
        regions_used.sort_by(|a, b| a.region.cmp(&b.region));
        for c in regions_used {
            self.record_calls(&account_id, &c.region, &c.calls);
        }
        AccountEvidence {
            account_id,
            partition: me.partition.clone(),
            regions: region_evidence,
            collection_errors: Vec::new(),
            trails: match trail_error {
                Some(e) => Observed::Error(e),
                None => Observed::Ok(trails),
            },
            log_groups,
            alarms,
            topics,
            security_hub,
            kms_keys,
        }
    }
}

fn home_region(config: &SdkConfig) -> String {
    config
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_else(|| sdk::FALLBACK_REGION.to_owned())
}

/// Whether `region` is enabled: `ListRegions` when it answered; otherwise what the region's own answers show.
fn enabled(
    region: &str,
    listed: &Option<Result<RegionStatus, ApiError>>,
    pass: Option<&RegionPass>,
) -> Observed<bool> {
    if let Some(Ok(status)) = listed {
        return Observed::Ok(status.get(region).copied().unwrap_or(false));
    }
    match pass.map(|p| &p.trails) {
        Some(Ok(_)) => Observed::Ok(true),
        Some(Err(e)) if e.kind == ErrorKind::RegionDisabled => Observed::Ok(false),
        _ if regions::enabled_by_default(region) => Observed::Ok(true),
        Some(Err(e)) => Observed::Error(match listed {
            Some(Err(list_error)) => list_error.to_observation(),
            _ => e.to_observation(),
        }),
        None => Observed::Error(ObservationError::new(
            ErrorKind::Other,
            "ListRegions",
            None,
            "not collected",
        )),
    }
}

/// The progress line of one region.
fn summary(
    trails: &Result<Vec<TrailSummary>, ApiError>,
    alarms: &Result<Vec<trailwarden_evidence::Alarm>, ApiError>,
    hub: &Result<trailwarden_evidence::SecurityHubStatus, ApiError>,
) -> String {
    let trails = match trails {
        Ok(t) => format!("{} trail(s)", t.len()),
        Err(e) => format!("trails: {}", e.kind),
    };
    let alarms = match alarms {
        Ok(a) => format!("{} alarm(s)", a.len()),
        Err(e) => format!("alarms: {}", e.kind),
    };
    let hub = match hub {
        Ok(_) => "Security Hub on".to_owned(),
        Err(e) if e.kind == ErrorKind::NotSubscribed => "Security Hub off".to_owned(),
        Err(e) => format!("Security Hub: {}", e.kind),
    };
    format!("{trails}, {alarms}, {hub}")
}
