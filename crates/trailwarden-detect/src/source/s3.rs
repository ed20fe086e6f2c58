//! `s3://bucket/prefix`: CloudTrail's log objects, listed and fetched in the background.
//!
//! The CloudTrail key layout is walked rather than listed flat, so filters prune whole folders:
//!
//! ```text
//! [prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDD>T<HHmm>Z_<rand>.json.gz
//! [prefix/]AWSLogs/o-<org>/<account>/CloudTrail/…            (organization trails)
//! ```
//!
//! `--accounts` and `--regions` pick folders; `--since/--until` list only the date folders in
//! range. Date folders (and the date in the file name) are the **delivery** date, and CloudTrail
//! delivers up to ~15 minutes late (later under `addendum` redelivery), so the range is widened by
//! a day on each side; records are then kept or dropped by their `eventTime` in the engine.
//! Keys that fail AWS's own log-file test ([`super::aws::is_log_key`]: digest, Insight and other
//! files) are skipped and counted. A prefix that already reaches into `AWSLogs/` (one account or
//! region) is listed flat and filtered by the file name's account, region and date.
//!
//! A background thread lists (ListObjectsV2 paginator) and downloads up to `concurrency` objects
//! at once, handing bodies to the matching thread through a bounded queue in listing order, so
//! the detector never waits on the network while there is work in the queue.

use std::collections::VecDeque;
use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;
use trailwarden_aws::sdk::SdkOptions;

use super::aws::{self, error_text, is_log_key, key_info, problem, Clients};
use super::{Input, Layout, Problem, Source};
use crate::time::DAY;

/// `s3://bucket/prefix`, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    /// Without a leading `/`; empty for the whole bucket.
    pub prefix: String,
}

impl S3Url {
    /// Parses `s3://bucket[/prefix]`.
    pub fn parse(url: &str) -> Result<S3Url, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{url}: not an s3:// URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{url}: no bucket name after s3://"));
        }
        Ok(S3Url {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

/// What to read from the bucket.
#[derive(Clone, Debug, Default)]
pub struct S3Filter {
    /// Unix seconds; records before it are dropped by the engine, folders before it (minus a day) are not listed.
    pub since: Option<i64>,
    /// Unix seconds, exclusive.
    pub until: Option<i64>,
    /// Account ids; empty means all.
    pub accounts: Vec<String>,
    /// Region names; empty means all.
    pub regions: Vec<String>,
}

impl S3Filter {
    /// The delivery days to read, widened by one day each side (`None`: unbounded).
    fn days(&self) -> (Option<i64>, Option<i64>) {
        (
            self.since.map(|s| s.div_euclid(DAY) - 1),
            self.until.map(|u| (u - 1).div_euclid(DAY) + 1),
        )
    }

    fn wants_account(&self, a: &str) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|x| x == a)
    }

    fn wants_region(&self, r: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|x| x == r)
    }

    /// The file-name test applied to every key (also in the walked layout, where it is cheap).
    fn wants_key(&self, key: &str) -> bool {
        let Some(info) = key_info(key) else {
            return false;
        };
        let (from, to) = self.days();
        self.wants_account(info.account)
            && self.wants_region(info.region)
            && from.is_none_or(|f| info.day >= f)
            && to.is_none_or(|t| info.day <= t)
    }
}

/// Counters shared with the background thread.
#[derive(Debug, Default)]
pub struct S3Counts {
    /// Keys listed that are not CloudTrail log files (digest, Insight, other) or out of the filters.
    pub skipped: AtomicU64,
    /// Objects fetched.
    pub fetched: AtomicU64,
}

/// The S3 source. See the module docs.
pub struct S3Source {
    rx: mpsc::Receiver<Result<Input, Problem>>,
    pub counts: Arc<S3Counts>,
    /// Kept so the runtime (and its tasks) live as long as the source.
    _runtime: tokio::runtime::Runtime,
}

impl S3Source {
    /// Starts listing and fetching at once; `concurrency` objects are downloaded at a time (0: the default).
    pub fn new(
        url: S3Url,
        filter: S3Filter,
        options: SdkOptions,
        concurrency: usize,
    ) -> std::io::Result<S3Source> {
        Self::start(url, filter, concurrency, Err(options))
    }

    /// The same with clients the caller built.
    pub fn from_clients(
        url: S3Url,
        filter: S3Filter,
        clients: Clients,
        concurrency: usize,
    ) -> std::io::Result<S3Source> {
        Self::start(url, filter, concurrency, Ok(clients))
    }

    fn start(
        url: S3Url,
        filter: S3Filter,
        concurrency: usize,
        clients: Result<Clients, SdkOptions>,
    ) -> std::io::Result<S3Source> {
        let concurrency = if concurrency == 0 {
            aws::DEFAULT_CONCURRENCY
        } else {
            concurrency
        };
        let runtime = aws::runtime()?;
        let (tx, rx) = mpsc::channel(concurrency);
        let counts = Arc::new(S3Counts::default());
        let c = counts.clone();
        runtime.spawn(async move {
            let clients = match clients {
                Ok(c) => c,
                Err(options) => aws::clients(&options).await,
            };
            run(clients, url, filter, concurrency, tx, c).await;
        });
        Ok(S3Source {
            rx,
            counts,
            _runtime: runtime,
        })
    }
}

impl Source for S3Source {
    fn next_input(&mut self) -> Option<Result<Input, Problem>> {
        self.rx.blocking_recv()
    }
}

/// Lists keys into a bounded queue while fetching them `concurrency` at a time, in order.
async fn run(
    clients: Clients,
    url: S3Url,
    filter: S3Filter,
    concurrency: usize,
    out: mpsc::Sender<Result<Input, Problem>>,
    counts: Arc<S3Counts>,
) {
    let (keys_tx, mut keys_rx) = mpsc::channel::<Result<String, Problem>>(1000);
    let lister = {
        let (s3, url, filter, counts) = (clients.s3.clone(), url.clone(), filter, counts.clone());
        tokio::spawn(async move { walk(&s3, &url, &filter, &keys_tx, &counts).await })
    };
    let mut in_flight = VecDeque::new();
    let mut listing_done = false;
    loop {
        while !listing_done && in_flight.len() < concurrency {
            match keys_rx.recv().await {
                Some(Ok(key)) => {
                    let s3 = clients.s3.clone();
                    let bucket = url.bucket.clone();
                    in_flight
                        .push_back(tokio::spawn(async move { fetch(&s3, &bucket, key).await }));
                }
                Some(Err(p)) => in_flight.push_back(tokio::spawn(async move { Err(p) })),
                None => listing_done = true,
            }
        }
        let Some(next) = in_flight.pop_front() else {
            break;
        };
        let item = match next.await {
            Ok(item) => item,
            Err(e) => Err(problem(
                &format!("s3://{}", url.bucket),
                format!("download task failed: {e}"),
            )),
        };
        if item.is_ok() {
            counts.fetched.fetch_add(1, Ordering::Relaxed);
        }
        if out.send(item).await.is_err() {
            // The detector stopped (closed pipe): stop listing too.
            lister.abort();
            return;
        }
    }
    let _ = lister.await;
}

async fn fetch(s3: &aws_sdk_s3::Client, bucket: &str, key: String) -> Result<Input, Problem> {
    let name = format!("s3://{bucket}/{key}");
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(&key)
        .send()
        .await
        .map_err(|e| problem(&name, format!("cannot get object: {}", error_text(&e))))?;
    let body = object
        .body
        .collect()
        .await
        .map_err(|e| problem(&name, format!("download interrupted: {e}")))?
        .into_bytes();
    Ok(Input {
        name: Arc::from(name),
        reader: Box::new(Cursor::new(body)),
        layout: Layout::Auto,
        complete: true,
        file: None,
    })
}

/// Sends every wanted key under `url`, walking the CloudTrail layout where possible.
async fn walk(
    s3: &aws_sdk_s3::Client,
    url: &S3Url,
    filter: &S3Filter,
    keys: &mpsc::Sender<Result<String, Problem>>,
    counts: &S3Counts,
) {
    let mut root = url.prefix.clone();
    if !root.is_empty() && !root.ends_with('/') && !root.contains("AWSLogs") {
        root.push('/');
    }
    let result = if root.contains("AWSLogs/") && !root.ends_with("AWSLogs/") {
        // Already inside one account or region: list flat, filter by name.
        list_keys(s3, &url.bucket, &root, filter, keys, counts).await
    } else {
        let base = if root.ends_with("AWSLogs/") {
            root
        } else {
            format!("{root}AWSLogs/")
        };
        walk_layout(s3, &url.bucket, &base, filter, keys, counts).await
    };
    if let Err(p) = result {
        let _ = keys.send(Err(p)).await;
    }
}

async fn walk_layout(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    base: &str,
    filter: &S3Filter,
    keys: &mpsc::Sender<Result<String, Problem>>,
    counts: &S3Counts,
) -> Result<(), Problem> {
    let mut accounts = Vec::new();
    for dir in list_dirs(s3, bucket, base).await? {
        let name = last_segment(&dir);
        if name.starts_with("o-") {
            for member in list_dirs(s3, bucket, &dir).await? {
                accounts.push(member);
            }
        } else {
            accounts.push(dir);
        }
    }
    let (from, to) = filter.days();
    for account in accounts {
        if !filter.wants_account(last_segment(&account)) {
            continue;
        }
        for region in list_dirs(s3, bucket, &format!("{account}CloudTrail/")).await? {
            if !filter.wants_region(last_segment(&region)) {
                continue;
            }
            match (from, to) {
                (None, None) => list_keys(s3, bucket, &region, filter, keys, counts).await?,
                (from, to) => {
                    // Without an end, read up to tomorrow (clocks differ).
                    let to = to.unwrap_or(crate::time::now().div_euclid(DAY) + 1);
                    let from = match from {
                        Some(f) => f,
                        None => first_day(s3, bucket, &region).await?.unwrap_or(to + 1),
                    };
                    for day in from..=to {
                        let (y, m, d) = crate::time::civil_from_days(day);
                        let folder = format!("{region}{y:04}/{m:02}/{d:02}/");
                        list_keys(s3, bucket, &folder, filter, keys, counts).await?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The first date folder under a region (for `--until` without `--since`).
async fn first_day(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    region: &str,
) -> Result<Option<i64>, Problem> {
    let mut prefix = region.to_string();
    let mut parts = Vec::new();
    for _ in 0..3 {
        let Some(first) = list_dirs(s3, bucket, &prefix).await?.into_iter().next() else {
            return Ok(None);
        };
        parts.push(last_segment(&first).parse::<u32>().unwrap_or(1));
        prefix = first;
    }
    Ok(Some(crate::time::days_from_civil(
        i64::from(parts[0]),
        parts[1],
        parts[2],
    )))
}

/// `a/b/c/` → `c`.
fn last_segment(dir: &str) -> &str {
    dir.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// The "folders" (common prefixes) directly under `prefix`.
async fn list_dirs(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<String>, Problem> {
    let mut pages = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .delimiter("/")
        .into_paginator()
        .send();
    let mut dirs = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            problem(
                &format!("s3://{bucket}/{prefix}"),
                format!("cannot list: {}", error_text(&e)),
            )
        })?;
        dirs.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_string)),
        );
    }
    Ok(dirs)
}

/// Every key under `prefix` that is a wanted log file, in listing (lexicographic) order.
async fn list_keys(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    filter: &S3Filter,
    keys: &mpsc::Sender<Result<String, Problem>>,
    counts: &S3Counts,
) -> Result<(), Problem> {
    let mut pages = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            problem(
                &format!("s3://{bucket}/{prefix}"),
                format!("cannot list: {}", error_text(&e)),
            )
        })?;
        for key in page.contents().iter().filter_map(|o| o.key()) {
            if is_log_key(key) && filter.wants_key(key) {
                if keys.send(Ok(key.to_string())).await.is_err() {
                    return Ok(());
                }
            } else {
                counts.skipped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_filters() {
        assert_eq!(
            S3Url::parse("s3://b/p/q").unwrap(),
            S3Url {
                bucket: "b".into(),
                prefix: "p/q".into()
            }
        );
        assert_eq!(S3Url::parse("s3://b").unwrap().prefix, "");
        assert!(S3Url::parse("s3:///x").is_err());
        assert!(S3Url::parse("b/x").is_err());

        let f = S3Filter {
            since: crate::time::parse("2024-08-02"),
            until: crate::time::parse("2024-08-03"),
            accounts: vec!["111122223333".into()],
            regions: vec![],
        };
        let key = |acct: &str, date: &str| {
            format!("AWSLogs/{acct}/CloudTrail/us-east-1/x/{acct}_CloudTrail_us-east-1_{date}T0010Z_abc.json.gz")
        };
        // Delivery a day before --since or after --until may still hold events in range.
        assert!(f.wants_key(&key("111122223333", "20240801")));
        assert!(f.wants_key(&key("111122223333", "20240803")));
        assert!(!f.wants_key(&key("111122223333", "20240731")));
        assert!(!f.wants_key(&key("111122223333", "20240804")));
        assert!(!f.wants_key(&key("999999999999", "20240802")));
    }
}
