//! Failures moto cannot produce (it never denies nor throttles): a loopback HTTP server answers every call but
//! `GetCallerIdentity` with one AWS error, in each protocol's own error format. Every failure must land in the
//! evidence, classified, where its value would have been.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use trailwarden_aws::{collect_async, CollectOptions, RegionSelection};
use trailwarden_evidence::{ErrorKind, ObservationError, Observed};
use trailwarden_testkit::{fake_credentials, test_config};

const ACCOUNT: &str = "111122223333";

/// Serves on a free loopback port: STS `GetCallerIdentity` succeeds; everything else fails with
/// `query_code` (form-encoded protocols) or `json_code` (JSON protocols), except calls signed for region
/// `disabled`, which are refused as a disabled opt-in region refuses them. Returns the URL and a request counter.
fn fake_aws(
    query_code: &'static str,
    json_code: &'static str,
    disabled: Option<&'static str>,
) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicU64::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::Relaxed);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut length, mut form, mut refused) = (0usize, false, false);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                form |= lower.starts_with("content-type: application/x-www-form-urlencoded");
                if let (Some(region), true) = (disabled, lower.starts_with("authorization:")) {
                    refused |= lower.contains(&format!("/{region}/"));
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let body = String::from_utf8_lossy(&body);
            let (query_code, json_code) = if refused {
                ("InvalidClientTokenId", "UnrecognizedClientException")
            } else {
                (query_code, json_code)
            };
            let (status, headers, text) = if body.contains("Action=GetCallerIdentity") {
                (
                    200,
                    "Content-Type: text/xml\r\n".to_string(),
                    format!(
                        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                         <GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/auditor</Arn>\
                         <UserId>AIDAEXAMPLE</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult>\
                         <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
                    ),
                )
            } else if form {
                (
                    400,
                    "Content-Type: text/xml\r\n".to_string(),
                    format!(
                        "<ErrorResponse><Error><Type>Sender</Type><Code>{query_code}</Code>\
                         <Message>fake {query_code}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
                    ),
                )
            } else {
                (
                    400,
                    format!("Content-Type: application/json\r\nx-amzn-errortype: {json_code}\r\n"),
                    format!("{{\"__type\":\"{json_code}\",\"message\":\"fake {json_code}\"}}"),
                )
            };
            let answer = format!(
                "HTTP/1.1 {status} X\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, hits)
}

fn options(url: &str, max_attempts: u32) -> CollectOptions {
    let config = test_config(url, "us-east-1", fake_credentials());
    CollectOptions {
        base_config: Some(config),
        endpoint_url: Some(url.to_owned()),
        regions: RegionSelection::List(vec!["us-east-1".into()]),
        max_attempts,
        ..CollectOptions::default()
    }
}

fn err<T: std::fmt::Debug>(o: &Observed<T>) -> &ObservationError {
    o.error()
        .unwrap_or_else(|| panic!("expected an error, got {o:?}"))
}

#[tokio::test]
async fn access_denied_everywhere_is_recorded_at_every_link() {
    let (url, _) = fake_aws("AccessDenied", "AccessDeniedException", None);
    let report = collect_async(&options(&url, 1))
        .await
        .expect("the caller is known, so collection goes on");
    let a = &report.evidence.accounts[0];
    assert_eq!(a.account_id, ACCOUNT);
    // us-east-1 is enabled in every account, whatever ListRegions says.
    assert_eq!(a.regions[0].enabled, Observed::Ok(true));
    let e = err(&a.trails);
    assert_eq!(
        (e.kind, e.operation.as_str()),
        (ErrorKind::AccessDenied, "DescribeTrails")
    );
    assert_eq!(e.region.as_deref(), Some("us-east-1"));
    assert!(e.message.contains("fake AccessDeniedException"), "{e}");
    let e = err(&a.alarms[0].alarms);
    assert_eq!(
        (e.kind, e.operation.as_str()),
        (ErrorKind::AccessDenied, "DescribeAlarms")
    );
    let e = err(&a.security_hub[0].status);
    assert_eq!(
        (e.kind, e.operation.as_str()),
        (ErrorKind::AccessDenied, "DescribeHub")
    );
}

#[tokio::test]
async fn throttling_beyond_the_retries_is_recorded_and_retries_are_counted() {
    let (url, hits) = fake_aws("Throttling", "ThrottlingException", None);
    let report = collect_async(&options(&url, 2)).await.expect("collect");
    let a = &report.evidence.accounts[0];
    assert_eq!(err(&a.trails).kind, ErrorKind::Throttled);
    assert_eq!(err(&a.alarms[0].alarms).kind, ErrorKind::Throttled);
    assert_eq!(err(&a.security_hub[0].status).kind, ErrorKind::Throttled);
    // GetCallerIdentity once; ListRegions, DescribeTrails, DescribeAlarms, DescribeHub twice each.
    assert_eq!(report.total_requests(), 1 + 2 * 4);
    assert_eq!(
        hits.load(Ordering::Relaxed),
        report.total_requests(),
        "the counter sees what the server sees"
    );
}

#[tokio::test]
async fn a_disabled_opt_in_region_is_recorded_as_disabled_not_as_a_failure() {
    let (url, _) = fake_aws("AccessDenied", "AccessDeniedException", Some("af-south-1"));
    let mut o = options(&url, 1);
    o.regions = RegionSelection::List(vec!["us-east-1".into(), "af-south-1".into()]);
    let report = collect_async(&o).await.expect("collect");
    let a = &report.evidence.accounts[0];
    let enabled: Vec<(&str, Observed<bool>)> = a
        .regions
        .iter()
        .map(|r| (r.region.as_str(), r.enabled.clone()))
        .collect();
    assert_eq!(
        enabled,
        vec![
            ("us-east-1", Observed::Ok(true)),
            ("af-south-1", Observed::Ok(false))
        ]
    );
    // The trails error is us-east-1's denial; the disabled region adds no failure of its own.
    assert_eq!(err(&a.trails).region.as_deref(), Some("us-east-1"));
    let alarm_regions: Vec<&str> = a.alarms.iter().map(|r| r.region.as_str()).collect();
    assert_eq!(alarm_regions, vec!["us-east-1"]);
    assert_eq!(a.security_hub.len(), 1);
}
