//! The one HTTP path shared by the Slack and webhook notifiers: POST a JSON body, map the answer to
//! success, retryable or permanent failure.

use std::time::Duration;

use crate::error::NotifyError;
use crate::notification::truncate;

/// Default time limit for one request, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A blocking HTTP client (ureq on rustls). Cheap to clone; connections are pooled.
#[derive(Debug, Clone)]
pub(crate) struct HttpClient {
    agent: ureq::Agent,
}

impl HttpClient {
    pub(crate) fn new(timeout: Duration) -> HttpClient {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // We classify statuses ourselves (429 and 5xx retry, other 4xx do not) and need the headers.
            .http_status_as_error(false)
            // A webhook that redirects is misconfigured; following it could leak the signed body elsewhere.
            .max_redirects(0)
            .build();
        HttpClient {
            agent: config.into(),
        }
    }

    /// POSTs `body` as `application/json` with extra `headers`. 2xx is success.
    pub(crate) fn post_json(
        &self,
        notifier: &'static str,
        url: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> Result<(), NotifyError> {
        let mut req = self
            .agent
            .post(url)
            .header("content-type", "application/json");
        for (name, value) in headers {
            req = req.header(*name, value.as_str());
        }
        let mut resp = match req.send(body) {
            Ok(resp) => resp,
            Err(e) => return Err(transport_error(notifier, url, e)),
        };
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        // The body usually names the problem (Slack: `invalid_payload`, `channel_is_archived`); keep it short.
        let text = resp
            .body_mut()
            .with_config()
            .limit(4096)
            .read_to_string()
            .unwrap_or_default();
        let message = format!(
            "HTTP {status} from {}: {}",
            redact(url),
            truncate(text.trim(), 200)
        );
        if status == 408 || status == 429 || status >= 500 {
            Err(NotifyError::Retryable {
                notifier,
                message,
                retry_after,
            })
        } else {
            Err(NotifyError::Permanent { notifier, message })
        }
    }
}

fn transport_error(notifier: &'static str, url: &str, e: ureq::Error) -> NotifyError {
    let message = format!("POST {}: {e}", redact(url));
    match e {
        // Nothing about these changes by waiting.
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::RequireHttpsOnly(_) => {
            NotifyError::Permanent { notifier, message }
        }
        // Connection refused/reset, DNS, timeouts, TLS hiccups: the receiver may be back later.
        _ => NotifyError::Retryable {
            notifier,
            message,
            retry_after: None,
        },
    }
}

/// `Retry-After` in delta-seconds (what Slack sends). HTTP-dates are not parsed: the caller then falls
/// back to its own backoff, which is the safe direction.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The scheme and host of a URL only: webhook URLs carry their secret in the path (Slack's
/// `/services/T…/B…/XXXX`), and error messages end up in logs.
pub(crate) fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            format!("{scheme}://{host}/…")
        }
        None => "<invalid url>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn redact_hides_path_secret() {
        assert_eq!(
            redact("https://hooks.slack.com/services/T0/B0/SECRET"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(redact("nonsense"), "<invalid url>");
    }
}
