//! The two extras of a plan: control 4.16 (`--enable-security-hub`) and the resource policy a subscribed
//! SQS queue or Lambda function needs before SNS can deliver to it.
//!
//! Security Hub is enabled with its default standards **off** (they are AWS FSBP and CIS 1.2.0, not the
//! benchmark being remediated), then subscribed to the chosen benchmark's CIS standard where Security Hub has
//! one (v3.0.0 and v5.0.0 among the benchmarks with 4.16).
//!
//! A queue or function in another account than the topic cannot be changed with the topic owner's
//! credentials: the plan then says exactly what its owner must add.

use trailwarden_audit::Finding;
use trailwarden_evidence::arn::Arn;

use super::trail::managed_tags;
use super::Planner;
use crate::model::*;
use crate::options::Subscriber;
use crate::policy::{queue_policy, queue_statement};

/// The CIS standards Security Hub offers, by benchmark version.
const SECURITY_HUB_CIS_STANDARDS: [&str; 4] = ["1.2.0", "1.4.0", "3.0.0", "5.0.0"];

/// The ARN of Security Hub's CIS standard for a benchmark version, if it has one. (1.2.0 is a global
/// "ruleset" ARN, the later ones are per region.)
pub fn security_hub_standard(partition: &str, region: &str, version: &str) -> Option<String> {
    match version {
        "1.2.0" => Some(format!(
            "arn:{partition}:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"
        )),
        v if SECURITY_HUB_CIS_STANDARDS.contains(&v) => Some(format!(
            "arn:{partition}:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/{v}"
        )),
        _ => None,
    }
}

impl Planner<'_> {
    /// 4.16 fails in `f.region`: enable Security Hub there, and the benchmark's standard.
    pub(super) fn security_hub(&mut self, f: &Finding) {
        let partition = self
            .evidence
            .account(&f.account)
            .map_or("aws", |a| a.partition.as_str());
        self.setup_actions
            .push(Action::EnableSecurityHub(EnableSecurityHub {
                account: f.account.clone(),
                region: f.region.clone(),
                tags: managed_tags(),
            }));
        let version = &self.benchmark.version;
        match security_hub_standard(partition, &f.region, version) {
            Some(standards_arn) => {
                self.setup_actions
                    .push(Action::EnableStandard(EnableStandard {
                        account: f.account.clone(),
                        region: f.region.clone(),
                        standards_arn,
                    }))
            }
            None => {
                let note = format!(
                    "Security Hub has no CIS {version} standard (it offers {}): it is enabled without a standard; subscribe the one you want in each region",
                    SECURITY_HUB_CIS_STANDARDS.join(", ")
                );
                if !self.plan.notes.contains(&note) {
                    self.plan.notes.push(note);
                }
            }
        }
    }

    /// Before subscribing `s` to `topic_arn` (owned by `account`): the queue policy or Lambda permission
    /// that lets the topic in, or a note saying what the endpoint's owner must add.
    pub(super) fn endpoint_permission(&mut self, s: &Subscriber, topic_arn: &str, account: &str) {
        let Some(endpoint) = Arn::parse(&s.endpoint) else {
            return; // email and https endpoints need no permission.
        };
        match s.protocol.as_str() {
            "sqs" if endpoint.account == account => {
                let policy = queue_policy(&s.endpoint, topic_arn).to_string();
                self.topic_actions.push(Action::SetQueuePolicy(SetQueuePolicy {
                    account: account.to_string(),
                    region: endpoint.region.to_string(),
                    queue_arn: s.endpoint.clone(),
                    topic_arn: topic_arn.to_string(),
                    policy,
                }));
            }
            "sqs" => self.plan.notes.push(format!(
                "SQS queue {} is in account {}, not the topic's ({account}): its owner must add this statement to the queue policy, or SNS cannot deliver: {}",
                s.endpoint,
                endpoint.account,
                queue_statement(&s.endpoint, topic_arn)
            )),
            "lambda" => {
                let statement_id = lambda_statement_id(topic_arn);
                if endpoint.account == account {
                    self.topic_actions
                        .push(Action::AddLambdaPermission(AddLambdaPermission {
                            account: account.to_string(),
                            region: endpoint.region.to_string(),
                            function_arn: s.endpoint.clone(),
                            topic_arn: topic_arn.to_string(),
                            statement_id,
                        }));
                } else {
                    self.plan.notes.push(format!(
                        "Lambda function {} is in account {}, not the topic's ({account}): its owner must run `aws lambda add-permission --function-name {} --statement-id {statement_id} --action lambda:InvokeFunction --principal sns.amazonaws.com --source-arn {topic_arn}`, or SNS cannot invoke it",
                        s.endpoint, endpoint.account, s.endpoint
                    ));
                }
            }
            _ => {}
        }
    }
}

/// `trailwarden-sns-<topic name>` (Lambda statement ids allow letters, digits, `-` and `_`, as topic names do).
pub fn lambda_statement_id(topic_arn: &str) -> String {
    let name = topic_arn.rsplit(':').next().unwrap_or_default();
    format!("trailwarden-sns-{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standards_exist_for_the_versions_security_hub_offers() {
        assert_eq!(
            security_hub_standard("aws", "eu-west-1", "3.0.0").as_deref(),
            Some("arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0")
        );
        assert!(security_hub_standard("aws", "eu-west-1", "1.2.0")
            .unwrap()
            .contains(":::ruleset/"));
        assert_eq!(security_hub_standard("aws", "eu-west-1", "6.0.0"), None);
        assert_eq!(
            lambda_statement_id("arn:aws:sns:eu-west-1:1:trailwarden-cis-alarms"),
            "trailwarden-sns-trailwarden-cis-alarms"
        );
    }
}
