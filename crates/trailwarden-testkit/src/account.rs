//! AWS accounts inside moto, and builders of the resources an audit looks at.
//!
//! Each test takes its own account id: moto keeps every account's resources apart, so tests sharing one
//! server run in parallel without resetting it. moto lets `AssumeRole` switch to any account, which is how
//! a [`TestAccount`] gets its credentials.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, EventSelector, ReadWriteType,
};
use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use aws_sdk_cloudwatchlogs::types::MetricTransformation;

use crate::MotoServer;

/// moto's default account (the one fake static credentials land in).
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// The CIS 4.3 (root account usage) pattern, v3.0.0 text: a real pattern for textbook fixtures.
pub const ROOT_USAGE_PATTERN: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

/// An `SdkConfig` for moto with fixed fake credentials (no environment is read or changed).
pub fn moto_config(moto: &MotoServer, region: &str, credentials: Credentials) -> SdkConfig {
    test_config(&moto.endpoint_url(), region, credentials)
}

/// An `SdkConfig` sending everything to `endpoint_url` with `credentials`, built without reading the
/// environment (for fake servers other than moto, too).
pub fn test_config(endpoint_url: &str, region: &str, credentials: Credentials) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint_url)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep().expect("tokio sleep"))
        .time_source(aws_smithy_async::time::SharedTimeSource::default())
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                ))
                .build_https(),
        )
        .build()
}

/// Fake credentials of moto's default account.
pub fn fake_credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "trailwarden-testkit")
}

/// One account inside moto.
#[derive(Debug, Clone)]
pub struct TestAccount {
    /// The 12-digit id.
    pub account_id: String,
    /// A config whose credentials belong to this account (home region `us-east-1`).
    pub config: SdkConfig,
    /// Those credentials, e.g. to hand to a child process (see [`TestAccount::env`]).
    pub credentials: Credentials,
    moto: &'static MotoServer,
}

/// A trail to create; see [`TestAccount::trail`].
#[derive(Debug, Clone)]
pub struct TrailSpec {
    /// Name.
    pub name: String,
    /// Home region.
    pub region: String,
    /// `IsMultiRegionTrail`.
    pub multi_region: bool,
    /// `IsOrganizationTrail`.
    pub organization: bool,
    /// Deliver to this log group ARN (`...:log-group:NAME:*`).
    pub log_group_arn: Option<String>,
    /// `StartLogging` after creation.
    pub logging: bool,
}

impl TrailSpec {
    /// A multi-region, logging trail named `name` in `region`, without a log group.
    pub fn new(name: &str, region: &str) -> TrailSpec {
        TrailSpec {
            name: name.into(),
            region: region.into(),
            multi_region: true,
            organization: false,
            log_group_arn: None,
            logging: true,
        }
    }
}

impl TestAccount {
    /// The account `account_id` in `moto` (credentials from `AssumeRole`, which moto grants for any account).
    pub async fn new(moto: &'static MotoServer, account_id: &str) -> TestAccount {
        let base = moto_config(moto, "us-east-1", fake_credentials());
        let credentials = if account_id == DEFAULT_ACCOUNT {
            fake_credentials()
        } else {
            let out = aws_sdk_sts::Client::new(&base)
                .assume_role()
                .role_arn(format!("arn:aws:iam::{account_id}:role/trailwarden-test"))
                .role_session_name("testkit")
                .send()
                .await
                .expect("moto AssumeRole");
            let c = out.credentials().expect("AssumeRole returns credentials");
            Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                Some(c.session_token().to_owned()),
                None,
                "trailwarden-testkit",
            )
        };
        TestAccount {
            account_id: account_id.into(),
            config: moto_config(moto, "us-east-1", credentials.clone()),
            credentials,
            moto,
        }
    }

    /// The environment a child process needs to act as this account against moto (no profile files are read).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            (
                "AWS_ACCESS_KEY_ID",
                self.credentials.access_key_id().to_owned(),
            ),
            (
                "AWS_SECRET_ACCESS_KEY",
                self.credentials.secret_access_key().to_owned(),
            ),
            (
                "AWS_CONFIG_FILE",
                "/nonexistent/trailwarden-testkit/config".to_owned(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/trailwarden-testkit/credentials".to_owned(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ];
        if let Some(token) = self.credentials.session_token() {
            env.push(("AWS_SESSION_TOKEN", token.to_owned()));
        }
        env
    }

    /// A command running `program` as this account against moto: the caller's AWS environment (profile,
    /// region, endpoint, session token) removed, this account's [`TestAccount::env`] set. Arguments are the
    /// caller's (e.g. `--endpoint-url`).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        for var in [
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT_URL",
            "AWS_SESSION_TOKEN",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(self.env());
        cmd
    }

    /// This account's config pointed at `region`.
    pub fn in_region(&self, region: &str) -> SdkConfig {
        self.config
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build()
    }

    /// CloudTrail client in `region`.
    pub fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        aws_sdk_cloudtrail::Client::new(&self.in_region(region))
    }
    /// CloudWatch Logs client in `region`.
    pub fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.in_region(region))
    }
    /// CloudWatch client in `region`.
    pub fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.in_region(region))
    }
    /// SNS client in `region`.
    pub fn sns(&self, region: &str) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.in_region(region))
    }
    /// Security Hub client in `region`.
    pub fn securityhub(&self, region: &str) -> aws_sdk_securityhub::Client {
        aws_sdk_securityhub::Client::new(&self.in_region(region))
    }
    /// Organizations client.
    pub fn organizations(&self) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::new(&self.config)
    }

    /// Creates an S3 bucket (raw request: the S3 SDK crate is not worth its build time for this).
    pub fn bucket(&self, name: &str) {
        let auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, \
                    SignedHeaders=host, Signature=0";
        let (status, body) = self
            .moto
            .request(
                "PUT",
                &format!("/{name}"),
                &[
                    ("Authorization", auth),
                    ("x-moto-account-id", &self.account_id),
                ],
                "",
            )
            .expect("create bucket");
        assert_eq!(status, 200, "create bucket {name}: {body}");
    }

    /// Creates a log group and returns its ARN in the form trails use (`...:log-group:NAME:*`).
    pub async fn log_group(&self, region: &str, name: &str) -> String {
        self.logs(region)
            .create_log_group()
            .log_group_name(name)
            .send()
            .await
            .expect("CreateLogGroup");
        format!(
            "arn:aws:logs:{region}:{}:log-group:{name}:*",
            self.account_id
        )
    }

    /// Creates a trail (and its bucket), optionally starting it. Returns the trail ARN.
    ///
    /// moto gives a new trail no event selectors at all (AWS gives it one "All, management events"
    /// selector), so this puts that default selector explicitly.
    pub async fn trail(&self, spec: &TrailSpec) -> String {
        let bucket = format!("{}-{}", spec.name.to_lowercase(), self.account_id);
        self.bucket(&bucket);
        let ct = self.cloudtrail(&spec.region);
        let mut req = ct
            .create_trail()
            .name(&spec.name)
            .s3_bucket_name(&bucket)
            .is_multi_region_trail(spec.multi_region)
            .is_organization_trail(spec.organization);
        if let Some(group) = &spec.log_group_arn {
            req = req
                .cloud_watch_logs_log_group_arn(group)
                .cloud_watch_logs_role_arn(format!(
                    "arn:aws:iam::{}:role/CloudTrail_CloudWatchLogs",
                    self.account_id
                ));
        }
        let arn = req
            .send()
            .await
            .expect("CreateTrail")
            .trail_arn()
            .expect("trail ARN")
            .to_owned();
        self.basic_selectors(&spec.region, &spec.name, ReadWriteType::All, true)
            .await;
        if spec.logging {
            ct.start_logging()
                .name(&spec.name)
                .send()
                .await
                .expect("StartLogging");
        }
        arn
    }

    /// Replaces a trail's selectors with one basic selector.
    pub async fn basic_selectors(
        &self,
        region: &str,
        trail: &str,
        rw: ReadWriteType,
        management: bool,
    ) {
        let selector = EventSelector::builder()
            .read_write_type(rw)
            .include_management_events(management)
            .build();
        self.cloudtrail(region)
            .put_event_selectors()
            .trail_name(trail)
            .event_selectors(selector)
            .send()
            .await
            .expect("PutEventSelectors");
    }

    /// Replaces a trail's selectors with advanced ones: management events, minus `excluded_sources`.
    pub async fn advanced_selectors(&self, region: &str, trail: &str, excluded_sources: &[&str]) {
        let mut selector = AdvancedEventSelector::builder()
            .name("Management events")
            .field_selectors(
                AdvancedFieldSelector::builder()
                    .field("eventCategory")
                    .equals("Management")
                    .build()
                    .expect("field"),
            );
        if !excluded_sources.is_empty() {
            let mut f = AdvancedFieldSelector::builder().field("eventSource");
            for s in excluded_sources {
                f = f.not_equals(*s);
            }
            selector = selector.field_selectors(f.build().expect("field"));
        }
        self.cloudtrail(region)
            .put_event_selectors()
            .trail_name(trail)
            .advanced_event_selectors(selector.build().expect("selector"))
            .send()
            .await
            .expect("PutEventSelectors (advanced)");
    }

    /// Stops a trail's logging.
    pub async fn stop_logging(&self, region: &str, trail: &str) {
        self.cloudtrail(region)
            .stop_logging()
            .name(trail)
            .send()
            .await
            .expect("StopLogging");
    }

    /// Puts a metric filter `name` (metric `name` in namespace `CISBenchmark`, value 1) on `group`.
    pub async fn metric_filter(&self, region: &str, group: &str, name: &str, pattern: &str) {
        let t = MetricTransformation::builder()
            .metric_name(name)
            .metric_namespace("CISBenchmark")
            .metric_value("1")
            .build()
            .expect("transformation");
        self.logs(region)
            .put_metric_filter()
            .log_group_name(group)
            .filter_name(name)
            .filter_pattern(pattern)
            .metric_transformations(t)
            .send()
            .await
            .expect("PutMetricFilter");
    }

    /// Creates a topic; with `subscriber`, subscribes that e-mail address (moto confirms it at once).
    pub async fn topic(&self, region: &str, name: &str, subscriber: Option<&str>) -> String {
        let sns = self.sns(region);
        let arn = sns
            .create_topic()
            .name(name)
            .send()
            .await
            .expect("CreateTopic")
            .topic_arn()
            .expect("arn")
            .to_owned();
        if let Some(email) = subscriber {
            sns.subscribe()
                .topic_arn(&arn)
                .protocol("email")
                .endpoint(email)
                .send()
                .await
                .expect("Subscribe");
        }
        arn
    }

    /// Puts the CIS alarm on metric `metric` (namespace `CISBenchmark`, Sum ≥ 1 over 300 s) notifying `actions`.
    pub async fn alarm(&self, region: &str, name: &str, metric: &str, actions: &[&str]) {
        let mut req = self
            .cloudwatch(region)
            .put_metric_alarm()
            .alarm_name(name)
            .metric_name(metric)
            .namespace("CISBenchmark")
            .statistic(Statistic::Sum)
            .period(300)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .evaluation_periods(1);
        for a in actions {
            req = req.alarm_actions(*a);
        }
        req.send().await.expect("PutMetricAlarm");
    }

    /// Enables Security Hub in `region`.
    pub async fn enable_security_hub(&self, region: &str) {
        self.securityhub(region)
            .enable_security_hub()
            .send()
            .await
            .expect("EnableSecurityHub");
    }

    /// The textbook chain in `region`: multi-region logging trail → log group → root-usage filter → alarm →
    /// topic with a confirmed subscriber, and Security Hub on. Returns the trail ARN.
    pub async fn textbook(&self, region: &str) -> String {
        let group_arn = self.log_group(region, "CloudTrail/audit").await;
        let trail = self
            .trail(&TrailSpec {
                log_group_arn: Some(group_arn),
                ..TrailSpec::new("audit-trail", region)
            })
            .await;
        self.metric_filter(
            region,
            "CloudTrail/audit",
            "RootAccountUsage",
            ROOT_USAGE_PATTERN,
        )
        .await;
        let topic = self
            .topic(region, "cis-alarms", Some("security@example.com"))
            .await;
        self.alarm(region, "RootAccountUsage", "RootAccountUsage", &[&topic])
            .await;
        self.enable_security_hub(region).await;
        trail
    }
}
