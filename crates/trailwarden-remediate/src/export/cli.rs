//! `--format cli`: a bash script of `aws` commands — the benchmark's remediation template (cis-controls.md §2)
//! filled in with the plan's names, in the plan's order.
//!
//! Every argument is single-quoted (patterns contain `$`, `"` and spaces), and each account's section first
//! checks that the credentials in use belong to that account, so the script cannot create resources in the
//! wrong one.

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
            };
            let _ = writeln!(out, "{cmd}");
        }
    }
    out
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
