//! The one place an `SdkConfig` is built, and the clients made from it.
//!
//! Everything that talks to AWS starts from [`load_config`] (profile, region, endpoint URL, bounded standard
//! retries, our HTTP client), then derives per-account configs (assumed roles) and per-region clients from it.
//! Each per-region client set counts the HTTP requests it sends, so a run can report its API cost.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The region used for global calls (STS, Organizations) when nothing else names one.
pub const FALLBACK_REGION: &str = "us-east-1";

/// How to reach AWS: the standard environment, narrowed by these choices.
#[derive(Debug, Clone, Default)]
pub struct SdkOptions {
    /// A named profile (`~/.aws/config`); `None` uses the default credential chain.
    pub profile: Option<String>,
    /// The home region; `None` uses `AWS_REGION`/the profile, then [`FALLBACK_REGION`].
    pub region: Option<String>,
    /// Send every request here instead of AWS (moto, LocalStack); `None` honours `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// Total attempts per call, first one included (standard retry mode with backoff). 0 means the default, 5.
    pub max_attempts: u32,
}

/// The HTTP client every config uses: rustls with the `ring` provider.
///
/// Built explicitly so the SDK's default (aws-lc) and its C toolchain stay out of the build.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// The retry policy every call uses: the SDK's standard mode (exponential backoff with jitter, retry quota),
/// bounded. Throttling that outlasts it is recorded as `Throttled`.
pub fn retry_config(max_attempts: u32) -> RetryConfig {
    RetryConfig::standard().with_max_attempts(if max_attempts == 0 { 5 } else { max_attempts })
}

/// Bounds on how long one call may take, so a hung endpoint becomes a recorded error instead of a hung run.
pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(60))
        .operation_timeout(Duration::from_secs(300))
        .build()
}

/// Loads the base `SdkConfig` from the standard environment and `options`.
pub async fn load_config(options: &SdkOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .retry_config(retry_config(options.max_attempts))
        .timeout_config(timeout_config());
    if let Some(profile) = &options.profile {
        // The default chain reads `AWS_ACCESS_KEY_ID` before any profile; a named profile must win, as it
        // does for the AWS CLI, so its credentials come from the profile provider alone.
        // It makes its own clients (STS for role profiles, SSO), which need our HTTP client too.
        let provider_config = ProviderConfig::without_region()
            .with_http_client(http_client())
            .with_behavior_version(Some(BehaviorVersion::latest()))
            .with_region(options.region.clone().map(Region::new));
        let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .profile_name(profile)
            .configure(&provider_config)
            .build();
        loader = loader
            .profile_name(profile)
            .credentials_provider(credentials);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_some() {
        config
    } else {
        config
            .into_builder()
            .region(Region::new(FALLBACK_REGION))
            .build()
    }
}

/// Applies our fixed choices (HTTP client, bounded retries, endpoint) to a config the caller supplied.
pub fn adopt_config(base: &SdkConfig, options: &SdkOptions) -> SdkConfig {
    let mut builder = base.to_builder();
    if base.http_client().is_none() {
        builder.set_http_client(Some(http_client()));
    }
    if base.timeout_config().is_none() {
        builder.set_timeout_config(Some(timeout_config()));
    }
    // A hand-built config may lack these; retries need a sleep, assumed-role credentials a clock.
    if base.sleep_impl().is_none() {
        builder.set_sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep());
    }
    if base.time_source().is_none() {
        builder.set_time_source(Some(aws_smithy_async::time::SharedTimeSource::default()));
    }
    if options.max_attempts != 0 || base.retry_config().is_none() {
        builder.set_retry_config(Some(retry_config(options.max_attempts)));
    }
    if let Some(url) = &options.endpoint_url {
        builder.set_endpoint_url(Some(url.clone()));
    }
    let region = match (&options.region, base.region()) {
        (Some(r), _) => Region::new(r.clone()),
        (None, Some(r)) => r.clone(),
        (None, None) => Region::new(FALLBACK_REGION),
    };
    builder.set_region(Some(region));
    builder.build()
}

/// The same config pointed at another region.
pub fn in_region(config: &SdkConfig, region: &str) -> SdkConfig {
    config
        .to_builder()
        .region(Region::new(region.to_owned()))
        .build()
}

/// Counts the HTTP requests (attempts, retries included) its clients send.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<AtomicU64>);

impl CallCounter {
    /// Requests sent so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "trailwarden::CallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// The clients of one account in one region, sharing one request counter.
#[derive(Debug, Clone)]
pub struct RegionClients {
    /// The region.
    pub region: String,
    /// CloudTrail.
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    /// CloudWatch Logs.
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// CloudWatch (alarms).
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// SNS.
    pub sns: aws_sdk_sns::Client,
    /// Security Hub.
    pub securityhub: aws_sdk_securityhub::Client,
    /// KMS (the keys of encrypted topics).
    pub kms: aws_sdk_kms::Client,
    /// Requests sent by these clients.
    pub calls: CallCounter,
}

impl RegionClients {
    /// Builds the clients of `config` (an account's config) for `region`.
    pub fn new(config: &SdkConfig, region: &str) -> RegionClients {
        let config = in_region(config, region);
        let calls = CallCounter::default();
        macro_rules! client {
            ($krate:ident) => {
                $krate::Client::from_conf(
                    $krate::config::Builder::from(&config)
                        .interceptor(calls.clone())
                        .build(),
                )
            };
        }
        RegionClients {
            region: region.to_owned(),
            cloudtrail: client!(aws_sdk_cloudtrail),
            logs: client!(aws_sdk_cloudwatchlogs),
            cloudwatch: client!(aws_sdk_cloudwatch),
            sns: client!(aws_sdk_sns),
            securityhub: client!(aws_sdk_securityhub),
            kms: client!(aws_sdk_kms),
            calls,
        }
    }
}
