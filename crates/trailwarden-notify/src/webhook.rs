//! A generic JSON webhook, signed with HMAC-SHA256 so the receiver can trust it.
//!
//! # What is sent
//!
//! `POST <url>` with `Content-Type: application/json` and the body of [`WebhookNotifier::body`]:
//!
//! ```json
//! {"version": 1, "idempotency_key": "…", "timestamp": 1764086400, "title": "…", "summary": "…",
//!  "severity": "high", "facts": {"Actor": "alice", …}, "group": null, "alert": {…}}
//! ```
//!
//! Headers:
//! * `X-Trailwarden-Signature: sha256=<hex of HMAC-SHA256(secret, raw body bytes)>`
//! * `X-Trailwarden-Timestamp: <unix seconds>` — equal to the body's `timestamp`
//! * `Idempotency-Key: <dedup key>` — equal to the body's `idempotency_key`
//!
//! # How a receiver verifies a request
//!
//! 1. Take the **raw** body bytes, before any JSON parsing (re-serialising changes the bytes).
//! 2. Compute `HMAC-SHA256(secret, body)`, hex-encode it (lowercase), prefix `sha256=` and compare with
//!    the signature header **in constant time**. Reject on mismatch.
//! 3. Parse the body; reject unless its `timestamp` equals the timestamp header and is within a few
//!    minutes of the receiver's clock (the signature covers the body, hence the body's timestamp: this is
//!    what stops an old captured request from being replayed).
//! 4. Drop the request if its `idempotency_key` was already processed: delivery is at-least-once.
//!
//! [`verify`] does steps 1–3 and is what our own tests use; in Python, step 2 is
//! `hmac.compare_digest("sha256=" + hmac.new(secret, body, "sha256").hexdigest(), header)`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::NotifyError;
use crate::http::{HttpClient, DEFAULT_TIMEOUT};
use crate::notification::Notification;
use crate::Notifier;

/// Header carrying `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-Trailwarden-Signature";
/// Header carrying the unix time of sending.
pub const TIMESTAMP_HEADER: &str = "X-Trailwarden-Timestamp";
/// Header carrying the dedup key.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

type HmacSha256 = Hmac<Sha256>;

/// Posts signed JSON to any URL.
#[derive(Clone)]
pub struct WebhookNotifier {
    url: String,
    secret: Vec<u8>,
    http: HttpClient,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("WebhookNotifier")
            .field("url", &crate::http::redact(&self.url))
            .finish_non_exhaustive()
    }
}

impl WebhookNotifier {
    pub fn new(url: impl Into<String>, secret: impl Into<Vec<u8>>) -> WebhookNotifier {
        WebhookNotifier::with_timeout(url, secret, DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(
        url: impl Into<String>,
        secret: impl Into<Vec<u8>>,
        timeout: Duration,
    ) -> WebhookNotifier {
        WebhookNotifier {
            url: url.into(),
            secret: secret.into(),
            http: HttpClient::new(timeout),
        }
    }

    /// The JSON body for `n` sent at `timestamp` (unix seconds).
    pub fn body(n: &Notification, timestamp: u64) -> Value {
        let facts: serde_json::Map<String, Value> = n
            .facts
            .iter()
            .map(|f| (f.name.clone(), Value::String(f.value.clone())))
            .collect();
        json!({
            "version": 1,
            "idempotency_key": n.dedup_key,
            "timestamp": timestamp,
            "title": n.title,
            "summary": n.summary,
            "severity": n.severity,
            "facts": facts,
            "group": n.group,
            "alert": n.alert,
        })
    }
}

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, body).finalize().into_bytes())
    )
}

fn mac(secret: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC is defined for keys of any length (long keys are hashed), so this cannot fail.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(body);
    mac
}

/// Why [`verify`] rejected a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("signature header is not `sha256=<64 hex digits>`")]
    MalformedSignature,
    #[error("signature does not match the body (wrong secret or altered body)")]
    BadSignature,
    #[error("body is not JSON with a numeric `timestamp`")]
    MalformedBody,
    #[error("timestamp header {header} differs from the signed body's timestamp {body}")]
    TimestampMismatch { header: String, body: u64 },
    #[error(
        "request is {age_secs} s away from now, more than the {tolerance_secs} s allowed (replay?)"
    )]
    Stale { age_secs: u64, tolerance_secs: u64 },
}

/// Verifies a received request the way a receiver should (see the module docs). `now` is the unix time
/// of the receiver; `tolerance` the largest clock difference accepted.
pub fn verify(
    secret: &[u8],
    body: &[u8],
    signature_header: &str,
    timestamp_header: &str,
    now: u64,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let hex_sig = signature_header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(VerifyError::MalformedSignature)?;
    let given = hex::decode(hex_sig).map_err(|_| VerifyError::MalformedSignature)?;
    if given.len() != 32 {
        return Err(VerifyError::MalformedSignature);
    }
    // Constant-time comparison (hmac's verify_slice), so the signature cannot be guessed byte by byte.
    mac(secret, body)
        .verify_slice(&given)
        .map_err(|_| VerifyError::BadSignature)?;
    let parsed: Value = serde_json::from_slice(body).map_err(|_| VerifyError::MalformedBody)?;
    let ts = parsed
        .get("timestamp")
        .and_then(Value::as_u64)
        .ok_or(VerifyError::MalformedBody)?;
    if timestamp_header.trim() != ts.to_string() {
        return Err(VerifyError::TimestampMismatch {
            header: timestamp_header.to_owned(),
            body: ts,
        });
    }
    let age = now.abs_diff(ts);
    if age > tolerance.as_secs() {
        return Err(VerifyError::Stale {
            age_secs: age,
            tolerance_secs: tolerance.as_secs(),
        });
    }
    Ok(())
}

impl Notifier for WebhookNotifier {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let body = serde_json::to_vec(&WebhookNotifier::body(n, now))
            .map_err(|e| NotifyError::permanent("webhook", format!("cannot encode body: {e}")))?;
        let headers = [
            (SIGNATURE_HEADER, sign(&self.secret, &body)),
            (TIMESTAMP_HEADER, now.to_string()),
            (IDEMPOTENCY_HEADER, n.dedup_key.clone()),
        ];
        self.http.post_json("webhook", &self.url, &headers, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_matches_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn verify_rejects_stale_and_mismatched() {
        let body = br#"{"timestamp":1000}"#;
        let sig = sign(b"k", body);
        let tol = Duration::from_secs(300);
        assert_eq!(verify(b"k", body, &sig, "1000", 1100, tol), Ok(()));
        assert_eq!(
            verify(b"k", body, &sig, "1000", 2000, tol),
            Err(VerifyError::Stale {
                age_secs: 1000,
                tolerance_secs: 300
            })
        );
        assert!(matches!(
            verify(b"k", body, &sig, "999", 1000, tol),
            Err(VerifyError::TimestampMismatch { .. })
        ));
        assert_eq!(
            verify(b"k", body, "sha1=00", "1000", 1000, tol),
            Err(VerifyError::MalformedSignature)
        );
    }
}
