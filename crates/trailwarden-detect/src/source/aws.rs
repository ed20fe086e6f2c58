//! What the S3 and SQS sources share: one `SdkConfig` (built by `trailwarden-aws`, so profile,
//! region, endpoint URL and retries behave as in `audit`/`collect`), a tokio runtime, and the
//! CloudTrail log-file name test.

use std::sync::{Arc, OnceLock};

use regex::Regex;
use trailwarden_aws::sdk::{self, SdkOptions};

use super::Problem;
use crate::record::Location;

/// Objects fetched at once by default.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// The clients a source needs, made from one config.
#[derive(Clone, Debug)]
pub struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
}

/// A multi-threaded runtime for the SDK's futures (two workers: the work is waiting on the network).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

impl Clients {
    /// Clients from a config the caller built (tests, embedding); `path_style` for S3 servers
    /// other than AWS.
    pub fn from_config(config: &aws_config::SdkConfig, path_style: bool) -> Clients {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(config)
                .force_path_style(path_style)
                .build(),
        );
        Clients {
            s3,
            sqs: aws_sdk_sqs::Client::new(config),
        }
    }
}

/// Builds the clients. With an endpoint URL (moto, LocalStack, MinIO) S3 uses path-style
/// addressing, since such servers rarely resolve `bucket.host` names.
pub async fn clients(options: &SdkOptions) -> Clients {
    let config = sdk::load_config(options).await;
    let path_style =
        options.endpoint_url.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(path_style)
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::new(&config);
    Clients { s3, sqs }
}

/// AWS's own test for CloudTrail log files (`SourceIdentifier.java` of the CloudTrail processing
/// library): digest (`_CloudTrail-Digest_`) and Insight (`_CloudTrail-Insight_`) files fail it.
pub fn is_log_key(key: &str) -> bool {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^.+_CloudTrail_[\w\-]+_\d{8}T\d{4}Z_[\w]+\.json\.gz$").ok())
        .as_ref()
        .is_some_and(|re| re.is_match(key))
}

/// What a log file's name says: account, region, and delivery date as a day number.
#[derive(Debug, PartialEq, Eq)]
pub struct KeyInfo<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub day: i64,
}

/// Parses `<account>_CloudTrail_<region>_<YYYYMMDD>T<HHmm>Z_<rand>.json.gz` (the key's last segment).
pub fn key_info(key: &str) -> Option<KeyInfo<'_>> {
    let name = key.rsplit('/').next()?;
    let (account, rest) = name.split_once("_CloudTrail_")?;
    let (region, rest) = rest.split_once('_')?;
    let date = rest.get(..8)?;
    let y = date.get(..4)?.parse().ok()?;
    let m = date.get(4..6)?.parse().ok()?;
    let d = date.get(6..8)?.parse().ok()?;
    Some(KeyInfo {
        account,
        region,
        day: crate::time::days_from_civil(y, m, d),
    })
}

/// A problem about a whole AWS resource (bucket, queue, object).
pub fn problem(origin: &str, message: impl Into<String>) -> Problem {
    Problem::new(Location::new(Arc::from(origin), None, None), message)
}

/// The message of an SDK error with its service code (`NoSuchBucket: …`), not just "service error".
pub fn error_text<E, R>(e: &aws_sdk_s3::error::SdkError<E, R>) -> String
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_s3::error::DisplayErrorContext;
    match e.as_service_error() {
        Some(service) => match (service.code(), service.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_string(),
            _ => DisplayErrorContext(e).to_string(),
        },
        None => DisplayErrorContext(e).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_keys() {
        let log = "p/AWSLogs/o-abc/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz";
        assert!(is_log_key(log));
        assert_eq!(
            key_info(log),
            Some(KeyInfo {
                account: "111122223333",
                region: "us-east-2",
                day: crate::time::days_from_civil(2015, 8, 1)
            })
        );
        assert!(!is_log_key("AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20150817T150131Z.json.gz"));
        assert!(!is_log_key("AWSLogs/1/CloudTrail-Insight/us-east-1/2024/01/01/1_CloudTrail-Insight_us-east-1_20240101T0000Z_abc.json.gz"));
        assert!(!is_log_key(
            "AWSLogs/1/CloudTrail/us-east-1/2024/01/01/notes.txt"
        ));
    }
}
