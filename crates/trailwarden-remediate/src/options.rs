//! What the user asks the plan for: which topic, which subscribers, which namespace, which pattern flavour.

use serde::Serialize;

use crate::PlanError;

/// The default CloudWatch namespace of the metrics we create (the benchmark's remediation template).
pub const DEFAULT_NAMESPACE: &str = "CISBenchmark";
/// The default name of the SNS topic we create when the user names none.
pub const DEFAULT_TOPIC_NAME: &str = "trailwarden-cis-alarms";
/// The tag every resource we create carries (`managed-by=trailwarden`), so a human and a later run can tell
/// ours from theirs.
pub const MANAGED_BY: (&str, &str) = ("managed-by", "trailwarden");

/// The trail `--setup-trail` creates (one per account, in its home region).
pub const SETUP_TRAIL_NAME: &str = "trailwarden-cis";
/// The log group that trail delivers to.
pub const SETUP_LOG_GROUP: &str = "trailwarden/cloudtrail";
/// The role CloudTrail assumes to deliver to that group (IAM names are per account, not per region).
pub const SETUP_ROLE_NAME: &str = "trailwarden-cloudtrail-to-logs";
/// The role's inline policy.
pub const SETUP_ROLE_POLICY: &str = "cloudtrail-to-cloudwatch-logs";
/// The default retention of that log group, in days (`--log-retention-days`).
pub const DEFAULT_LOG_RETENTION_DAYS: i32 = 365;
/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The trail's bucket: S3 names are global, so the account and region make it unique and predictable.
pub fn setup_bucket_name(account: &str, region: &str) -> String {
    format!("trailwarden-cloudtrail-{account}-{region}")
}

/// Where the alarms send their notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicChoice {
    /// Create a topic with this name in each (account, region) that needs one (`--topic-name`).
    Create(String),
    /// Reuse this existing topic (`--topic-arn`); it must be in the region of the alarms.
    Reuse(String),
}

impl Default for TopicChoice {
    fn default() -> Self {
        TopicChoice::Create(DEFAULT_TOPIC_NAME.to_string())
    }
}

/// One `--subscribe` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscriber {
    /// SNS protocol: `email`, `https`, `sqs` or `lambda`.
    pub protocol: String,
    /// The address, URL or ARN.
    pub endpoint: String,
}

impl Subscriber {
    /// Parses `email:ADDR`, `https:URL`, `sqs:ARN` or `lambda:ARN`.
    pub fn parse(text: &str) -> Result<Subscriber, PlanError> {
        let bad = |why: &str| PlanError::BadOption {
            option: "--subscribe",
            value: text.to_string(),
            why: why.to_string(),
        };
        let (protocol, endpoint) = text
            .split_once(':')
            .ok_or_else(|| bad("expected PROTOCOL:ENDPOINT, e.g. email:ops@example.com"))?;
        let endpoint = endpoint.trim();
        match protocol {
            "email" => {
                if !endpoint.contains('@') || endpoint.contains(char::is_whitespace) {
                    return Err(bad("not an e-mail address"));
                }
            }
            // `https:URL` keeps the whole URL: `https:https://hooks.example.com/x`.
            "https" => {
                if !endpoint.starts_with("https://") {
                    return Err(bad(
                        "the https endpoint must be a URL starting with https://",
                    ));
                }
            }
            "sqs" | "lambda" => {
                let service = if protocol == "sqs" { "sqs" } else { "lambda" };
                let parts: Vec<&str> = endpoint.split(':').collect();
                if parts.len() < 6 || parts[0] != "arn" || parts[2] != service {
                    return Err(bad(&format!(
                        "expected an {service} ARN (arn:aws:{service}:REGION:ACCOUNT:...)"
                    )));
                }
            }
            _ => return Err(bad("the protocol must be one of email, https, sqs, lambda")),
        }
        Ok(Subscriber {
            protocol: protocol.to_string(),
            endpoint: endpoint.to_string(),
        })
    }
}

/// Everything [`crate::plan`] needs besides the evidence and the benchmark.
#[derive(Debug, Clone)]
pub struct Options {
    /// Control ids to remediate; empty means every control of the benchmark.
    pub controls: Vec<String>,
    /// The topic to create or reuse.
    pub topic: TopicChoice,
    /// Subscriptions to add to the topic the alarms notify.
    pub subscribers: Vec<Subscriber>,
    /// Namespace of the metrics we create.
    pub namespace: String,
    /// Write Security Hub's exact pattern strings where Security Hub has one (it compares text literally).
    pub security_hub_compatible: bool,
    /// Create a trail (bucket, log group, role, multi-region trail) in an account that has no qualifying one.
    pub setup_trail: bool,
    /// Retention of the log group `--setup-trail` creates; one of [`RETENTION_DAYS`].
    pub log_retention_days: i32,
    /// Home region of the trail `--setup-trail` creates; `None`: the account's first enabled audited region.
    pub trail_region: Option<String>,
    /// Remediate 4.16: enable Security Hub (and the benchmark's CIS standard where Security Hub has one).
    pub enable_security_hub: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            controls: Vec::new(),
            topic: TopicChoice::default(),
            subscribers: Vec::new(),
            namespace: DEFAULT_NAMESPACE.to_string(),
            security_hub_compatible: false,
            setup_trail: false,
            log_retention_days: DEFAULT_LOG_RETENTION_DAYS,
            trail_region: None,
            enable_security_hub: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_parse_each_protocol() {
        let s = Subscriber::parse("email:ops@example.com").unwrap();
        assert_eq!(
            (s.protocol.as_str(), s.endpoint.as_str()),
            ("email", "ops@example.com")
        );
        let s = Subscriber::parse("https:https://hooks.example.com/a?b=c").unwrap();
        assert_eq!(s.endpoint, "https://hooks.example.com/a?b=c");
        assert!(Subscriber::parse("sqs:arn:aws:sqs:eu-west-1:111122223333:alerts").is_ok());
        assert!(
            Subscriber::parse("lambda:arn:aws:lambda:eu-west-1:111122223333:function:f").is_ok()
        );
    }

    #[test]
    fn bad_subscribers_say_why() {
        for (text, why) in [
            ("ops@example.com", "PROTOCOL:ENDPOINT"),
            ("sms:+15550100", "one of email"),
            ("https:http://x", "https://"),
            ("sqs:arn:aws:sns:eu-west-1:1:t", "sqs ARN"),
            ("email:nobody", "e-mail"),
        ] {
            let err = Subscriber::parse(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
            assert!(err.contains("--subscribe"), "{err}");
        }
    }
}
