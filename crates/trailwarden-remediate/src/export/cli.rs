//! `--format cli`: a bash script of `aws` commands — the benchmark's remediation template (cis-controls.md §2)
//! filled in with the plan's names, in the plan's order.
//!
//! Every argument is single-quoted (patterns contain `$`, `"` and spaces), and each account's section first
//! checks that the credentials in use belong to that account, so the script cannot create resources in the
//! wrong one.
//!
//! The script keeps apply's rules where bash can: `create-trail` is retried while IAM propagates a new role
//! (`retry`), and an SQS queue gets our policy only when it has none (otherwise the script prints the
//! statement to add and goes on).

use std::fmt::Write;

use serde_json::json;

use super::common::{places, HEADER};
use crate::{Action, Plan};

/// Quotes a word for bash: `'...'`, with `'` written as `'\''`.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,/:=@+".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Renders the plan as a bash script.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/usr/bin/env bash\n# {HEADER}");
    out.push_str("# Run it with credentials for each account named below (AWS_PROFILE=... bash script.sh).\n");
    out.push_str("set -euo pipefail\n");
    if plan.actions.is_empty() {
        out.push_str("# Nothing to create.\n");
        return out;
    }
    out.push_str(
        r#"
require_account() {
  local actual
  actual=$(aws sts get-caller-identity --query Account --output text)
  if [ "$actual" != "$1" ]; then
    echo "these commands are for account $1, but the credentials belong to $actual" >&2
    exit 1
  fi
}

# A new IAM role takes a few seconds to become usable by CloudTrail: try a command up to 7 times, 10 s apart.
retry() {
  local n
  for n in 1 2 3 4 5 6; do
    "$@" && return 0
    echo "retrying in 10 s ($n/6)" >&2
    sleep 10
  done
  "$@"
}
"#,
    );
    let mut current_account = None;
    for place in places(plan) {
        let region = sh_quote(place.region);
        let _ = writeln!(
            out,
            "\n# ---- account {}, {} ----",
            place.account, place.region
        );
        if current_account != Some(place.account) {
            let _ = writeln!(out, "require_account {}", sh_quote(place.account));
            current_account = Some(place.account);
        }
        for action in &place.actions {
            let cmd = match action {
                Action::CreateTopic(t) => {
                    let tags: Vec<String> = t.tags.iter().map(|(k, v)| format!("Key={k},Value={v}")).collect();
                    format!(
                        "aws sns create-topic --region {region} --name {} --tags {}",
                        sh_quote(&t.name),
                        tags.iter().map(|t| sh_quote(t)).collect::<Vec<_>>().join(" ")
                    )
                }
                Action::SetTopicPolicy(p) => format!(
                    "aws sns set-topic-attributes --region {region} --topic-arn {} --attribute-name Policy --attribute-value {}",
                    sh_quote(&p.topic_arn),
                    sh_quote(&p.policy)
                ),
                Action::Subscribe(s) => format!(
                    "aws sns subscribe --region {region} --topic-arn {} --protocol {} --notification-endpoint {}",
                    sh_quote(&s.topic_arn),
                    sh_quote(&s.protocol),
                    sh_quote(&s.endpoint)
                ),
                Action::PutMetricFilter(f) => {
                    // The JSON form: the shorthand breaks on commas or equals signs in a namespace.
                    let transformations = json!([{
                        "metricName": f.metric_name,
                        "metricNamespace": f.metric_namespace,
                        "metricValue": f.metric_value,
                    }]);
                    format!(
                        "# {}\naws logs put-metric-filter --region {region} --log-group-name {} --filter-name {} --metric-transformations {} --filter-pattern {}",
                        f.controls.join(", "),
                        sh_quote(&f.log_group_name),
                        sh_quote(&f.filter_name),
                        sh_quote(&transformations.to_string()),
                        sh_quote(&f.pattern)
                    )
                }
                Action::PutMetricAlarm(a) => {
                    let tags: Vec<String> = a.tags.iter().map(|(k, v)| sh_quote(&format!("Key={k},Value={v}"))).collect();
                    let actions: Vec<String> = a.alarm_actions.iter().map(|t| sh_quote(t)).collect();
                    format!(
                        "aws cloudwatch put-metric-alarm --region {region} --alarm-name {} --alarm-description {} --metric-name {} --namespace {} --statistic {} --period {} --threshold {} --comparison-operator {} --evaluation-periods {} --treat-missing-data {} --alarm-actions {} --tags {}",
                        sh_quote(&a.alarm_name),
                        sh_quote(&a.alarm_description),
                        sh_quote(&a.metric_name),
                        sh_quote(&a.namespace),
                        sh_quote(&a.statistic),
                        a.period,
                        a.threshold,
                        sh_quote(&a.comparison_operator),
                        a.evaluation_periods,
                        sh_quote(&a.treat_missing_data),
                        actions.join(" "),
                        tags.join(" ")
                    )
                }
                _ => setup_command(action, &region),
            };
            let _ = writeln!(out, "{cmd}");
        }
    }
    out
}

fn tag_list(tags: &std::collections::BTreeMap<String, String>) -> String {
    tags.iter()
        .map(|(k, v)| sh_quote(&format!("Key={k},Value={v}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The queue's name and owner from its ARN (`arn:aws:sqs:REGION:ACCOUNT:NAME`).
fn queue_parts(arn: &str) -> (&str, &str) {
    let mut parts = arn.rsplitn(3, ':');
    let name = parts.next().unwrap_or_default();
    (name, parts.next().unwrap_or_default())
}

/// The commands of the setup, Security Hub and endpoint-permission actions.
fn setup_command(action: &Action, region: &str) -> String {
    match action {
        Action::CreateBucket(b) => {
            let location = if b.region == "us-east-1" {
                String::new()
            } else {
                format!(
                    " --create-bucket-configuration LocationConstraint={}",
                    sh_quote(&b.region)
                )
            };
            let tags: Vec<String> = b
                .tags
                .iter()
                .map(|(k, v)| format!("{{Key={k},Value={v}}}"))
                .collect();
            format!(
                "aws s3api create-bucket --region {region} --bucket {bucket}{location}\n\
                 aws s3api put-public-access-block --region {region} --bucket {bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true\n\
                 aws s3api put-bucket-tagging --region {region} --bucket {bucket} --tagging {}",
                sh_quote(&format!("TagSet=[{}]", tags.join(","))),
                bucket = sh_quote(&b.bucket)
            )
        }
        Action::PutBucketPolicy(p) => format!(
            "aws s3api put-bucket-policy --region {region} --bucket {} --policy {}",
            sh_quote(&p.bucket),
            sh_quote(&p.policy)
        ),
        Action::CreateLogGroup(g) => {
            let tags: Vec<String> = g.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "aws logs create-log-group --region {region} --log-group-name {name} --tags {}\n\
                 aws logs put-retention-policy --region {region} --log-group-name {name} --retention-in-days {}",
                sh_quote(&tags.join(",")),
                g.retention_days,
                name = sh_quote(&g.log_group_name)
            )
        }
        Action::CreateRole(r) => format!(
            "aws iam create-role --role-name {} --assume-role-policy-document {} --tags {}",
            sh_quote(&r.role_name),
            sh_quote(&r.assume_role_policy),
            tag_list(&r.tags)
        ),
        Action::PutRolePolicy(p) => format!(
            "aws iam put-role-policy --role-name {} --policy-name {} --policy-document {}",
            sh_quote(&p.role_name),
            sh_quote(&p.policy_name),
            sh_quote(&p.policy)
        ),
        Action::CreateTrail(t) => {
            let selectors = json!([{"ReadWriteType": "All", "IncludeManagementEvents": true}]);
            format!(
                "retry aws cloudtrail create-trail --region {region} --name {name} --s3-bucket-name {} --is-multi-region-trail --include-global-service-events --enable-log-file-validation --cloud-watch-logs-log-group-arn {} --cloud-watch-logs-role-arn {} --tags-list {}\n\
                 aws cloudtrail put-event-selectors --region {region} --trail-name {name} --event-selectors {}",
                sh_quote(&t.bucket),
                sh_quote(&t.log_group_arn),
                sh_quote(&t.role_arn),
                tag_list(&t.tags),
                sh_quote(&selectors.to_string()),
                name = sh_quote(&t.name)
            )
        }
        Action::StartLogging(s) => format!(
            "aws cloudtrail start-logging --region {region} --name {}",
            sh_quote(&s.trail_arn)
        ),
        Action::EnableSecurityHub(h) => {
            let tags: Vec<String> = h.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "# 4.16\naws securityhub enable-security-hub --region {region} --no-enable-default-standards --tags {}",
                sh_quote(&tags.join(","))
            )
        }
        Action::EnableStandard(s) => format!(
            "aws securityhub batch-enable-standards --region {region} --standards-subscription-requests StandardsArn={}",
            sh_quote(&s.standards_arn)
        ),
        Action::SetQueuePolicy(q) => {
            let (name, owner) = queue_parts(&q.queue_arn);
            let statement = crate::policy::queue_statement(&q.queue_arn, &q.topic_arn);
            // `--attributes` takes a JSON map whose Policy value is the policy document as a string.
            let attributes = json!({"Policy": q.policy});
            format!(
                "# Never overwrite a queue policy trailwarden did not write.\n\
                 queue_url=$(aws sqs get-queue-url --region {region} --queue-name {} --queue-owner-aws-account-id {} --query QueueUrl --output text)\n\
                 queue_policy=$(aws sqs get-queue-attributes --region {region} --queue-url \"$queue_url\" --attribute-names Policy --query Attributes.Policy --output text)\n\
                 if [ -z \"$queue_policy\" ] || [ \"$queue_policy\" = None ]; then\n  \
                 aws sqs set-queue-attributes --region {region} --queue-url \"$queue_url\" --attributes {}\n\
                 else\n  \
                 echo {} >&2\n\
                 fi",
                sh_quote(name),
                sh_quote(owner),
                sh_quote(&attributes.to_string()),
                sh_quote(&format!(
                    "SQS queue {} has a policy of its own; left unchanged. Add this statement to it: {statement}",
                    q.queue_arn
                ))
            )
        }
        Action::AddLambdaPermission(l) => format!(
            "aws lambda add-permission --region {region} --function-name {} --statement-id {} --action lambda:InvokeFunction --principal sns.amazonaws.com --source-arn {}",
            sh_quote(&l.function_arn),
            sh_quote(&l.statement_id),
            sh_quote(&l.topic_arn)
        ),
        // The filter, alarm and topic actions are rendered by `render`.
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_every_byte() {
        assert_eq!(sh_quote("CloudTrail/main"), "CloudTrail/main");
        assert_eq!(sh_quote(r#"{ $.a = "b" }"#), r#"'{ $.a = "b" }'"#);
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote(""), "''");
    }
}
