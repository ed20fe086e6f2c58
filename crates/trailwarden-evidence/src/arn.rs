//! Just enough ARN parsing to join resources across the evidence: a trail names its log group by ARN
//! (`arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail/logs:*`), alarms name topics by ARN.

/// The parts of an ARN: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, ...
    pub partition: &'a str,
    /// `logs`, `sns`, `cloudtrail`, ...
    pub service: &'a str,
    /// Region (empty for global services).
    pub region: &'a str,
    /// Account id.
    pub account: &'a str,
    /// Everything after the account, colons included.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN; `None` if it does not have the six parts.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }
}

/// A CloudWatch Logs group named by ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupRef {
    /// Partition.
    pub partition: String,
    /// Region.
    pub region: String,
    /// Account.
    pub account: String,
    /// Group name.
    pub name: String,
}

impl LogGroupRef {
    /// Parses `arn:aws:logs:REGION:ACCOUNT:log-group:NAME` with or without the trailing `:*`.
    pub fn parse(arn: &str) -> Option<LogGroupRef> {
        let a = Arn::parse(arn)?;
        if a.service != "logs" {
            return None;
        }
        let name = a.resource.strip_prefix("log-group:")?;
        let name = name.strip_suffix(":*").unwrap_or(name);
        if name.is_empty() || a.region.is_empty() || a.account.is_empty() {
            return None;
        }
        Some(LogGroupRef {
            partition: a.partition.to_string(),
            region: a.region.to_string(),
            account: a.account.to_string(),
            name: name.to_string(),
        })
    }

    /// The canonical ARN, without `:*`, as [`crate::LogGroup::arn`] stores it.
    pub fn arn(&self) -> String {
        format!(
            "arn:{}:logs:{}:{}:log-group:{}",
            self.partition, self.region, self.account, self.name
        )
    }
}

/// Whether an ARN names an SNS topic (alarm actions may also be Auto Scaling, EC2, SSM or Lambda actions).
pub fn is_sns_topic(arn: &str) -> bool {
    Arn::parse(arn).is_some_and(|a| a.service == "sns" && !a.resource.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_group_arn_with_and_without_star() {
        let r = LogGroupRef::parse(
            "arn:aws:logs:eu-west-1:111122223333:log-group:aws/cloudtrail:logs:*",
        )
        .unwrap();
        assert_eq!(r.name, "aws/cloudtrail:logs");
        assert_eq!(r.region, "eu-west-1");
        assert_eq!(r.account, "111122223333");
        assert_eq!(
            r.arn(),
            "arn:aws:logs:eu-west-1:111122223333:log-group:aws/cloudtrail:logs"
        );
        assert_eq!(LogGroupRef::parse(&r.arn()), Some(r));
        assert!(LogGroupRef::parse("arn:aws:sns:eu-west-1:1:t").is_none());
        assert!(LogGroupRef::parse("not an arn").is_none());
    }

    #[test]
    fn sns_topics_are_recognised_among_alarm_actions() {
        assert!(is_sns_topic("arn:aws:sns:us-east-1:111122223333:alerts"));
        assert!(!is_sns_topic("arn:aws:automate:us-east-1:ec2:stop"));
        assert!(!is_sns_topic(
            "arn:aws:lambda:us-east-1:111122223333:function:f"
        ));
    }
}
