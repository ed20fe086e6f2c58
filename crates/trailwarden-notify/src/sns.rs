//! Amazon SNS: publish to a topic, so that e-mail, SQS, Lambda and chat subscribers all get the alert.
//!
//! One publish carries two renderings (`MessageStructure=json`): e-mail subscribers get readable text,
//! every other protocol (SQS, Lambda, HTTP) gets the machine JSON of [`SnsNotifier::json_message`]. The
//! `severity` and `idempotency_key` message attributes let subscribers filter (subscription filter
//! policies) and drop duplicates.

use aws_config::SdkConfig;
use aws_sdk_sns::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sns::types::MessageAttributeValue;
use serde_json::{json, Value};

use crate::error::NotifyError;
use crate::notification::{truncate, Notification};
use crate::Notifier;

/// SNS limit: a Subject is ASCII, without line breaks, and shorter than 100 characters.
pub const SUBJECT_MAX: usize = 99;

/// Publishes to one topic.
#[derive(Debug)]
pub struct SnsNotifier {
    client: aws_sdk_sns::Client,
    topic_arn: String,
    runtime: tokio::runtime::Runtime,
}

impl SnsNotifier {
    /// `config` is the one `SdkConfig` the binary builds at its AWS edge (credentials, region, endpoint).
    pub fn new(
        config: &SdkConfig,
        topic_arn: impl Into<String>,
    ) -> Result<SnsNotifier, NotifyError> {
        // Our notifiers are blocking (the detector delivers from a plain thread); the SDK is async, so the
        // notifier owns a small runtime of its own.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                NotifyError::permanent("sns", format!("cannot start the async runtime: {e}"))
            })?;
        Ok(SnsNotifier {
            client: aws_sdk_sns::Client::new(config),
            topic_arn: topic_arn.into(),
            runtime,
        })
    }

    /// The Subject: the one-line form made ASCII and cut to SNS's limit.
    pub fn subject(n: &Notification) -> String {
        let ascii: String = n
            .one_line()
            .chars()
            .map(|c| match c {
                '—' | '–' => '-',
                c if c.is_ascii() && !c.is_ascii_control() => c,
                _ => '?',
            })
            .collect();
        // Both kinds of character are ASCII now, so counting characters counts bytes too.
        let cut = truncate(&ascii, SUBJECT_MAX);
        cut.replace('…', "~")
    }

    /// The e-mail text: headline, summary, facts, key.
    pub fn text_message(n: &Notification) -> String {
        let mut text = format!("{}\n\n{}\n\n", n.title, n.summary);
        for f in &n.facts {
            text.push_str(&format!("{}: {}\n", f.name, f.value));
        }
        if let Some(g) = &n.group {
            text.push_str(&format!(
                "\n{} events ({}) from {} to {}\n",
                g.count, g.key, g.first_time, g.last_time
            ));
        }
        text.push_str(&format!(
            "\nSeverity: {}\nKey: {}\n",
            n.severity, n.dedup_key
        ));
        text
    }

    /// The JSON every non-e-mail subscriber receives.
    pub fn json_message(n: &Notification) -> Value {
        let facts: serde_json::Map<String, Value> = n
            .facts
            .iter()
            .map(|f| (f.name.clone(), Value::String(f.value.clone())))
            .collect();
        json!({
            "version": 1,
            "idempotency_key": n.dedup_key,
            "title": n.title,
            "summary": n.summary,
            "severity": n.severity,
            "facts": facts,
            "group": n.group,
            "alert": n.alert,
        })
    }

    async fn publish(&self, n: &Notification) -> Result<(), NotifyError> {
        let machine = SnsNotifier::json_message(n).to_string();
        let structured = json!({
            "default": machine,
            "email": SnsNotifier::text_message(n),
        })
        .to_string();
        let attr = |v: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(v)
                .build()
                .map_err(|e| NotifyError::permanent("sns", format!("message attribute: {e}")))
        };
        let mut req = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(SnsNotifier::subject(n))
            .message_structure("json")
            .message(structured)
            .message_attributes("severity", attr(n.severity.as_str())?);
        if !n.dedup_key.is_empty() {
            req = req.message_attributes("idempotency_key", attr(&n.dedup_key)?);
        }
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| classify(&self.topic_arn, e))
    }
}

fn classify<E, R>(topic: &str, err: SdkError<E, R>) -> NotifyError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = format!("publish to {topic}: {}", DisplayErrorContext(&err));
    match &err {
        SdkError::ConstructionFailure(_) => NotifyError::permanent("sns", message),
        SdkError::ServiceError(_) => match err.code() {
            Some(
                "Throttled"
                | "Throttling"
                | "ThrottlingException"
                | "InternalError"
                | "InternalFailure"
                | "ServiceUnavailable"
                | "KMSThrottling",
            ) => NotifyError::retryable("sns", message),
            // NotFound, AuthorizationError, InvalidParameter, KMS access problems: fix the configuration.
            _ => NotifyError::permanent("sns", message),
        },
        // Timeouts, connection failures, unparseable responses: the service may answer next time.
        _ => NotifyError::retryable("sns", message),
    }
}

impl Notifier for SnsNotifier {
    fn name(&self) -> &'static str {
        "sns"
    }

    fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            // Called from inside someone else's runtime, where block_on would panic: block on a scoped thread.
            std::thread::scope(|s| {
                s.spawn(|| self.runtime.block_on(self.publish(n)))
                    .join()
                    .unwrap_or_else(|_| {
                        Err(NotifyError::permanent("sns", "publishing thread panicked"))
                    })
            })
        } else {
            self.runtime.block_on(self.publish(n))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::Severity;

    #[test]
    fn subject_is_ascii_and_short() {
        let n = Notification::new(
            "Sécurité group opened ".repeat(10),
            "x",
            Severity::High,
            "k",
        );
        let s = SnsNotifier::subject(&n);
        assert!(s.len() <= SUBJECT_MAX, "{}", s.len());
        assert!(s.is_ascii() && !s.chars().any(|c| c.is_control()));
        assert!(s.starts_with("[HIGH] S?curit? group"));
        assert!(s.ends_with('~'));
    }
}
