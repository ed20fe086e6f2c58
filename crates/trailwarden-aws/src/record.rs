//! Recording which AWS operations a run sends, by name: the evidence behind `trailwarden iam-policy`.
//!
//! Every operation of the official SDK stores its [`Metadata`] (service and operation name, e.g.
//! `("CloudWatch Logs", "DescribeMetricFilters")`) in the request's config bag before anything is sent.
//! [`OperationLog`] reads it at two points:
//!
//! - as an **interceptor** (`read_before_serialization`), for clients we build ourselves
//!   (`Builder::from(&config).interceptor(log.clone())`), once per operation;
//! - as an **identity cache** wrapper ([`OperationLog::install`]), for code that only accepts an `SdkConfig` and
//!   builds its own clients (`Client::new(&config)`: remediation, the detector's sources, notifiers, the
//!   assume-role credentials provider). A signed request resolves its identity through the config's cache on
//!   every attempt, with the config bag in hand, so this sees every signed operation of every client made from
//!   the config. The cache itself is unchanged: the wrapper only reads the metadata and delegates.
//!
//! One call escapes both: aws-config's assume-role credentials provider builds its STS client with no identity
//! cache and no interceptor of ours. [`OperationLog::install`] therefore also wraps the config's HTTP client and
//! records, from the request itself, exactly that operation (an STS query request whose `Action` is
//! `AssumeRole`). Every other operation is recorded from the SDK's metadata.
//!
//! All paths record the same names; a test runs the real code against moto with the log installed and compares the
//! operations seen with the IAM policy [`crate::permissions`] prints.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use aws_config::identity::IdentityCache;
use aws_config::SdkConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::identity::{
    IdentityFuture, ResolveCachedIdentity, SharedIdentityCache, SharedIdentityResolver,
};
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// One SDK operation, named as the SDK's metadata names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Operation {
    /// The SDK's service name: `CloudTrail`, `CloudWatch Logs`, `CloudWatch`, `SNS`, `STS`, `S3`...
    pub service: String,
    /// The operation (API action) name: `DescribeTrails`, `ListObjectsV2`...
    pub name: String,
}

impl Operation {
    /// An operation from its service and name.
    pub fn new(service: &str, name: &str) -> Operation {
        Operation {
            service: service.to_owned(),
            name: name.to_owned(),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service, self.name)
    }
}

/// The operations sent so far, with how often each was seen. Cheap to clone; clones share the log.
#[derive(Debug, Clone, Default)]
pub struct OperationLog(Arc<Mutex<BTreeMap<Operation, u64>>>);

impl OperationLog {
    /// An empty log.
    pub fn new() -> OperationLog {
        OperationLog::default()
    }

    fn entries(&self) -> MutexGuard<'_, BTreeMap<Operation, u64>> {
        // A panic while holding the lock cannot leave the map half-updated (one insert), so a poisoned
        // lock still guards consistent data.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts one sighting of `service`/`name`.
    pub fn record(&self, service: &str, name: &str) {
        *self
            .entries()
            .entry(Operation::new(service, name))
            .or_insert(0) += 1;
    }

    fn record_from(&self, cfg: &ConfigBag) {
        if let Some(m) = cfg.load::<Metadata>() {
            self.record(m.service(), m.name());
        }
    }

    /// The distinct operations seen, sorted.
    pub fn operations(&self) -> Vec<Operation> {
        self.entries().keys().cloned().collect()
    }

    /// Each operation seen with its count (attempts through [`OperationLog::install`], operations through
    /// the interceptor).
    pub fn counts(&self) -> BTreeMap<Operation, u64> {
        self.entries().clone()
    }

    /// Forgets everything seen so far.
    pub fn clear(&self) {
        self.entries().clear();
    }

    /// `config` with this log watching every signed operation of every client made from it, and the
    /// `AssumeRole` calls of credentials providers made from it.
    pub fn install(&self, config: &SdkConfig) -> SdkConfig {
        let inner = config
            .identity_cache()
            .unwrap_or_else(|| SharedIdentityCache::new(IdentityCache::lazy().build()));
        let http = config.http_client().unwrap_or_else(crate::sdk::http_client);
        config
            .to_builder()
            .identity_cache(RecordingCache {
                inner,
                log: self.clone(),
            })
            .http_client(RecordingHttp {
                inner: http,
                log: self.clone(),
            })
            .build()
    }
}

impl Intercept for OperationLog {
    fn name(&self) -> &'static str {
        "trailwarden::OperationLog"
    }

    // Not `read_before_execution`: the orchestrator runs a client interceptor's hook of that name before the
    // operation's configuration (and so its `Metadata`) is in the bag. Serialization comes after it, once.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.record_from(cfg);
        Ok(())
    }
}

/// The config's identity cache, reporting each operation that resolves an identity through it.
#[derive(Debug)]
struct RecordingCache {
    inner: SharedIdentityCache,
    log: OperationLog,
}

impl ResolveCachedIdentity for RecordingCache {
    fn resolve_cached_identity<'a>(
        &'a self,
        resolver: SharedIdentityResolver,
        runtime_components: &'a RuntimeComponents,
        config_bag: &'a ConfigBag,
    ) -> IdentityFuture<'a> {
        self.log.record_from(config_bag);
        self.inner
            .resolve_cached_identity(resolver, runtime_components, config_bag)
    }
}

/// The config's HTTP client, recording the `AssumeRole` requests nothing else sees.
#[derive(Debug)]
struct RecordingHttp {
    inner: SharedHttpClient,
    log: OperationLog,
}

impl HttpClient for RecordingHttp {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(RecordingConnector {
            inner: self.inner.http_connector(settings, components),
            log: self.log.clone(),
        })
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
    log: OperationLog,
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if is_assume_role(&request) {
            self.log.record("STS", "AssumeRole");
        }
        self.inner.call(request)
    }
}

/// An STS query-protocol `AssumeRole` request (form body `Action=AssumeRole&Version=2011-06-15&...`).
fn is_assume_role(request: &HttpRequest) -> bool {
    let Some(body) = request.body().bytes() else {
        return false;
    };
    let form = String::from_utf8_lossy(body);
    let mut pairs = form.split('&');
    let action = pairs.clone().any(|p| p == "Action=AssumeRole");
    action && pairs.any(|p| p == "Version=2011-06-15")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sts_assume_role_requests_are_recognised_on_the_wire() {
        let request =
            |body: &'static str| HttpRequest::new(aws_smithy_types::body::SdkBody::from(body));
        assert!(is_assume_role(&request(
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2FA"
        )));
        assert!(!is_assume_role(&request(
            "Action=GetCallerIdentity&Version=2011-06-15"
        )));
        assert!(!is_assume_role(&request(
            "Action=AssumeRoleWithSAML&Version=2011-06-15"
        )));
        assert!(!is_assume_role(&request(
            "Action=AssumeRole&Version=2010-03-31"
        )));
    }

    #[test]
    fn clones_share_one_log_and_count_repeats() {
        let log = OperationLog::new();
        let other = log.clone();
        other.record("CloudTrail", "DescribeTrails");
        log.record("CloudTrail", "DescribeTrails");
        log.record("SNS", "GetTopicAttributes");
        assert_eq!(
            log.operations(),
            vec![
                Operation::new("CloudTrail", "DescribeTrails"),
                Operation::new("SNS", "GetTopicAttributes")
            ]
        );
        assert_eq!(
            log.counts()[&Operation::new("CloudTrail", "DescribeTrails")],
            2
        );
        other.clear();
        assert!(log.operations().is_empty());
    }
}
