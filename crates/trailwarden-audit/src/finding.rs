//! Findings: one verdict per (control, account, region), with the resources of the chain it judged, the
//! broken link in plain English, and the details a reviewer needs to check it.

use serde::Serialize;
use serde_json::Value;

/// A finding's verdict. ERROR means "could not see": never read it as compliant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// The whole chain is in place.
    Pass,
    /// A link is definitely missing or wrong.
    Fail,
    /// A link could not be observed (access denied, throttled, region disabled, not collected).
    Error,
}

impl Status {
    /// `PASS`, `FAIL`, `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The links of the CIS chain, in order (DESIGN.md). A finding names the one that broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Link {
    /// The account itself could not be read (assume-role, caller identity).
    Account,
    /// A multi-region trail, logging, delivering all management events read and write.
    Trail,
    /// The trail delivers to a CloudWatch Logs group that exists.
    LogGroup,
    /// A metric filter (or several on one metric) covering the control's pattern.
    MetricFilter,
    /// An alarm on that metric that fires on one event and notifies an SNS topic.
    Alarm,
    /// The SNS topic exists and has a confirmed subscription.
    Topic,
    /// Security Hub enabled in the region (4.16).
    SecurityHub,
    /// The region itself (disabled, not collected).
    Region,
}

impl Link {
    /// kebab-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Account => "account",
            Link::Trail => "trail",
            Link::LogGroup => "log-group",
            Link::MetricFilter => "metric-filter",
            Link::Alarm => "alarm",
            Link::Topic => "topic",
            Link::SecurityHub => "security-hub",
            Link::Region => "region",
        }
    }
}

/// The resources of the chain a finding judged (for a PASS: the chain that passed; otherwise the most
/// complete one).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resources {
    /// Trail ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trail: Option<String>,
    /// Log group ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    /// Metric filter names (on the log group).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<String>,
    /// `namespace/metric` the filters publish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// Alarm ARNs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<String>,
    /// SNS topic ARNs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    /// Other resources (Security Hub's hub ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
}

impl Resources {
    /// Every ARN/name, most specific last, for formats that want one list.
    pub fn all(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.trail.clone());
        out.extend(self.log_group.clone());
        out.extend(self.filters.iter().cloned());
        out.extend(self.alarms.iter().cloned());
        out.extend(self.topics.iter().cloned());
        out.extend(self.other.clone());
        out
    }

    /// The single most relevant resource for formats with one resource per finding.
    pub fn primary(&self) -> Option<&str> {
        self.topics
            .first()
            .or(self.alarms.first())
            .map(String::as_str)
            .or(self.log_group.as_deref())
            .or(self.trail.as_deref())
            .or(self.other.as_deref())
    }
}

/// What a reviewer needs beyond the reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Details {
    /// An event the control's pattern matches and the filters on the metric do not (verified).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Value>,
    /// An event the filters match beyond the control's pattern (the filter is broader: fine, noted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broader_example: Option<Value>,
    /// Whether one filter's text is exactly Security Hub's string (Security Hub compares text literally).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_hub_exact: Option<bool>,
    /// Whether one filter's text is exactly the benchmark's pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cis_exact: Option<bool>,
    /// Further observations: other chains and why they broke, links that could not be seen.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Control id, e.g. `4.12`.
    pub control: String,
    /// Control title.
    pub title: String,
    /// PASS, FAIL or ERROR.
    pub status: Status,
    /// Account id.
    pub account: String,
    /// Region the finding is about (the log group's region for 4.1–4.15, the audited region for 4.16).
    pub region: String,
    /// The broken link (none for PASS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    /// Plain English: what was found, or which link is broken and why.
    pub reason: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// The resources of the judged chain.
    pub resources: Resources,
    /// Supporting details.
    pub details: Details,
}

/// Counts per status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Number of findings.
    pub total: usize,
    /// PASS findings.
    pub pass: usize,
    /// FAIL findings.
    pub fail: usize,
    /// ERROR findings.
    pub error: usize,
}

impl Summary {
    /// Counts the findings.
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary {
            total: findings.len(),
            ..Summary::default()
        };
        for f in findings {
            match f.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Error => s.error += 1,
            }
        }
        s
    }

    /// Whether anything is not PASS (FAIL or ERROR: nothing unseen may look compliant).
    pub fn has_problems(&self) -> bool {
        self.fail + self.error > 0
    }
}
