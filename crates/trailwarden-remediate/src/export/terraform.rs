//! `--format terraform`: the plan as `hashicorp/aws` resources. The topic name (or the reused topic's ARN)
//! and the subscribers are variables; everything the audit decided (log group, patterns, metric names) is
//! literal, because changing it would change what the audit checks.
//!
//! One aliased provider per (account, region), pinned with `allowed_account_ids` so the code cannot be
//! applied to the wrong account by mistake.
//!
//! `--setup-trail` becomes `aws_s3_bucket` (+ public access block, policy), `aws_cloudwatch_log_group`,
//! `aws_iam_role` (+ inline policy) and `aws_cloudtrail`; the metric filters then name the new group by
//! reference, so Terraform orders them after it. Terraform cannot "set only if absent": an
//! `aws_sqs_queue_policy` replaces the queue's policy, which the file says beside it.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::common::{
    self, created_topics, places, reused_topic, snake, subscribers_of_created, HEADER,
};
use crate::{Action, Plan};

/// Escapes a string for an HCL quoted template: `\`, `"`, newlines, and the template introducers `${`/`%{`.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Renders the plan as Terraform.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {HEADER}");
    if plan.actions.is_empty() {
        out.push_str("# Nothing to create.\n");
        return out;
    }
    out.push_str("terraform {\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \">= 5.0\"\n    }\n  }\n}\n");

    let places = places(plan);
    let created = created_topics(plan);
    let reused = reused_topic(plan);
    if let Some(first) = created.values().next() {
        let _ = write!(
            out,
            "\nvariable \"topic_name\" {{\n  description = \"Name of the SNS topic the alarms notify (created in each account and region)\"\n  type        = string\n  default     = {}\n}}\n",
            hcl_string(&first.name)
        );
        out.push_str("\nvariable \"subscribers\" {\n  description = \"Endpoints subscribed to the alarm topic: protocol email, https, sqs or lambda\"\n  type = list(object({\n    protocol = string\n    endpoint = string\n  }))\n  default = [\n");
        for (protocol, endpoint) in subscribers_of_created(plan) {
            let _ = writeln!(
                out,
                "    {{ protocol = {}, endpoint = {} }},",
                hcl_string(protocol),
                hcl_string(endpoint)
            );
        }
        out.push_str("  ]\n}\n");
    }
    if let Some(arn) = reused {
        let _ = write!(
            out,
            "\nvariable \"topic_arn\" {{\n  description = \"The existing SNS topic the alarms notify (same region as the alarms)\"\n  type        = string\n  default     = {}\n}}\n",
            hcl_string(arn)
        );
    }

    // Topic ARN → HCL expression.
    let mut topic_expr: BTreeMap<String, String> = BTreeMap::new();
    let multi = places.len() > 1;
    let suffix = |account: &str, region: &str| {
        if multi {
            format!("_{}_{}", account, snake(region))
        } else {
            String::new()
        }
    };
    for t in created.values() {
        topic_expr.insert(
            t.arn.clone(),
            format!("aws_sns_topic.alarms{}.arn", suffix(&t.account, &t.region)),
        );
    }
    if let Some(arn) = reused {
        topic_expr.insert(arn.to_string(), "var.topic_arn".to_string());
    }
    let topic = |arn: &str| {
        topic_expr
            .get(arn)
            .cloned()
            .unwrap_or_else(|| hcl_string(arn))
    };

    for place in &places {
        let alias = format!("a{}_{}", place.account, snake(place.region));
        let sfx = suffix(place.account, place.region);
        let _ = write!(
            out,
            "\n# ---- account {}, {} ----\nprovider \"aws\" {{\n  alias               = {}\n  region              = {}\n  allowed_account_ids = [{}]\n}}\n",
            place.account,
            place.region,
            hcl_string(&alias),
            hcl_string(place.region),
            hcl_string(place.account)
        );
        let provider = format!("  provider = aws.{alias}\n");
        let created_group = place.actions.iter().find_map(|a| match a {
            Action::CreateLogGroup(g) => Some(g.log_group_name.as_str()),
            _ => None,
        });
        let group_expr = |name: &str| {
            if created_group == Some(name) {
                format!("aws_cloudwatch_log_group.trail{sfx}.name")
            } else {
                hcl_string(name)
            }
        };
        let mut extra_subs = 0;
        for action in &place.actions {
            match action {
                Action::CreateTopic(t) => {
                    let _ = write!(
                        out,
                        "\nresource \"aws_sns_topic\" \"alarms{sfx}\" {{\n{provider}  name     = var.topic_name\n  tags     = {}\n}}\n",
                        tags(&t.tags)
                    );
                }
                Action::SetTopicPolicy(p) => {
                    let doc: Value = serde_json::from_str(&p.policy).unwrap_or(Value::Null);
                    let reference = format!("${{{}}}", topic(&p.topic_arn));
                    let doc = common::replace_arn(&doc, &p.topic_arn, &Value::String(reference));
                    let json = serde_json::to_string_pretty(&doc).unwrap_or_default();
                    let _ = write!(
                        out,
                        "\nresource \"aws_sns_topic_policy\" \"alarms{sfx}\" {{\n{provider}  arn      = {}\n  policy   = jsonencode({})\n}}\n",
                        topic(&p.topic_arn),
                        indent(&json, "  ")
                    );
                }
                Action::Subscribe(s) if created.contains_key(s.topic_arn.as_str()) => {
                    // Created topics take every subscriber from the variable, once.
                    if !out.contains(&format!("\"aws_sns_topic_subscription\" \"alarms{sfx}\"")) {
                        let _ = write!(
                            out,
                            "\nresource \"aws_sns_topic_subscription\" \"alarms{sfx}\" {{\n{provider}  count     = length(var.subscribers)\n  topic_arn = {}\n  protocol  = var.subscribers[count.index].protocol\n  endpoint  = var.subscribers[count.index].endpoint\n}}\n",
                            topic(&s.topic_arn)
                        );
                    }
                }
                Action::Subscribe(s) => {
                    extra_subs += 1;
                    let _ = write!(
                        out,
                        "\nresource \"aws_sns_topic_subscription\" \"existing_topic{sfx}_{extra_subs}\" {{\n{provider}  topic_arn = {}\n  protocol  = {}\n  endpoint  = {}\n}}\n",
                        topic(&s.topic_arn),
                        hcl_string(&s.protocol),
                        hcl_string(&s.endpoint)
                    );
                }
                Action::PutMetricFilter(f) => {
                    let _ = write!(
                        out,
                        "\n# {}\nresource \"aws_cloudwatch_log_metric_filter\" \"{}{sfx}\" {{\n{provider}  name           = {}\n  log_group_name = {}\n  pattern        = {}\n\n  metric_transformation {{\n    name      = {}\n    namespace = {}\n    value     = {}\n  }}\n}}\n",
                        f.controls.join(", "),
                        snake(&f.filter_name),
                        hcl_string(&f.filter_name),
                        group_expr(&f.log_group_name),
                        hcl_string(&f.pattern),
                        hcl_string(&f.metric_name),
                        hcl_string(&f.metric_namespace),
                        hcl_string(&f.metric_value)
                    );
                }
                Action::PutMetricAlarm(a) => {
                    let actions: Vec<String> = a.alarm_actions.iter().map(|t| topic(t)).collect();
                    let _ = write!(
                        out,
                        "\n# {}\nresource \"aws_cloudwatch_metric_alarm\" \"{}{sfx}\" {{\n{provider}  alarm_name          = {}\n  alarm_description   = {}\n  metric_name         = {}\n  namespace           = {}\n  statistic           = {}\n  period              = {}\n  threshold           = {}\n  comparison_operator = {}\n  evaluation_periods  = {}\n  treat_missing_data  = {}\n  alarm_actions       = [{}]\n  tags                = {}\n}}\n",
                        a.controls.join(", "),
                        snake(&a.alarm_name),
                        hcl_string(&a.alarm_name),
                        hcl_string(&a.alarm_description),
                        hcl_string(&a.metric_name),
                        hcl_string(&a.namespace),
                        hcl_string(&a.statistic),
                        a.period,
                        a.threshold,
                        hcl_string(&a.comparison_operator),
                        a.evaluation_periods,
                        hcl_string(&a.treat_missing_data),
                        actions.join(", "),
                        tags(&a.tags)
                    );
                }
                other => {
                    extra_subs += 1;
                    let creates_trail = place
                        .actions
                        .iter()
                        .any(|a| matches!(a, Action::CreateTrail(_)));
                    // A topic created in this same place is referred to, so `var.topic_name` stays true.
                    let local_topic = created
                        .values()
                        .find(|t| t.account == place.account && t.region == place.region)
                        .map(|t| (t.arn.as_str(), format!("aws_sns_topic.alarms{sfx}.arn")));
                    let local_topic = local_topic.as_ref().map(|(a, e)| (*a, e.as_str()));
                    out.push_str(&setup_resource(
                        other,
                        &sfx,
                        &provider,
                        extra_subs,
                        creates_trail,
                        local_topic,
                    ));
                }
            }
        }
    }
    out
}

/// A JSON policy document as an HCL `jsonencode(...)` argument, with `topic` = (ARN, expression) by reference.
/// (A topic of another place stays literal: the queue or function may be in another region's provider.)
fn policy_hcl(policy: &str, topic: Option<(&str, &str)>) -> String {
    let mut doc: Value = serde_json::from_str(policy).unwrap_or(Value::Null);
    if let Some((arn, expr)) = topic {
        doc = common::replace_arn(&doc, arn, &Value::String(format!("${{{expr}}}")));
    }
    let json = serde_json::to_string_pretty(&doc).unwrap_or_default();
    format!("jsonencode({})", indent(&json, "  "))
}

/// The resources of the setup, Security Hub and endpoint-permission actions. `n` numbers the per-endpoint
/// resources of a place.
fn setup_resource(
    action: &Action,
    sfx: &str,
    provider: &str,
    n: usize,
    creates_trail: bool,
    local_topic: Option<(&str, &str)>,
) -> String {
    let topic = |arn: &str| match local_topic {
        Some((a, expr)) if a == arn => expr.to_string(),
        _ => hcl_string(arn),
    };
    match action {
        Action::CreateBucket(b) => format!(
            "\n# The trail's log files (--setup-trail)\nresource \"aws_s3_bucket\" \"trail{sfx}\" {{\n{provider}  bucket   = {}\n  tags     = {}\n}}\n\nresource \"aws_s3_bucket_public_access_block\" \"trail{sfx}\" {{\n{provider}  bucket                  = aws_s3_bucket.trail{sfx}.id\n  block_public_acls       = true\n  ignore_public_acls      = true\n  block_public_policy     = true\n  restrict_public_buckets = true\n}}\n",
            hcl_string(&b.bucket),
            tags(&b.tags)
        ),
        Action::PutBucketPolicy(p) => format!(
            "\nresource \"aws_s3_bucket_policy\" \"trail{sfx}\" {{\n{provider}  bucket   = aws_s3_bucket.trail{sfx}.id\n  policy   = {}\n  depends_on = [aws_s3_bucket_public_access_block.trail{sfx}]\n}}\n",
            policy_hcl(&p.policy, None)
        ),
        Action::CreateLogGroup(g) => format!(
            "\nresource \"aws_cloudwatch_log_group\" \"trail{sfx}\" {{\n{provider}  name              = {}\n  retention_in_days = {}\n  tags              = {}\n}}\n",
            hcl_string(&g.log_group_name),
            g.retention_days,
            tags(&g.tags)
        ),
        Action::CreateRole(r) => format!(
            "\nresource \"aws_iam_role\" \"trail_to_logs{sfx}\" {{\n{provider}  name               = {}\n  assume_role_policy = {}\n  tags               = {}\n}}\n",
            hcl_string(&r.role_name),
            policy_hcl(&r.assume_role_policy, None),
            tags(&r.tags)
        ),
        Action::PutRolePolicy(p) => format!(
            "\nresource \"aws_iam_role_policy\" \"trail_to_logs{sfx}\" {{\n{provider}  name     = {}\n  role     = aws_iam_role.trail_to_logs{sfx}.id\n  policy   = {}\n}}\n",
            hcl_string(&p.policy_name),
            policy_hcl(&p.policy, None)
        ),
        Action::CreateTrail(t) => format!(
            "\nresource \"aws_cloudtrail\" \"trail{sfx}\" {{\n{provider}  name                          = {}\n  s3_bucket_name                = aws_s3_bucket.trail{sfx}.id\n  is_multi_region_trail         = {}\n  include_global_service_events = {}\n  enable_log_file_validation    = {}\n  enable_logging                = true\n  cloud_watch_logs_group_arn    = \"${{aws_cloudwatch_log_group.trail{sfx}.arn}}:*\"\n  cloud_watch_logs_role_arn     = aws_iam_role.trail_to_logs{sfx}.arn\n  tags                          = {}\n\n  event_selector {{\n    read_write_type           = \"All\"\n    include_management_events = true\n  }}\n\n  depends_on = [aws_s3_bucket_policy.trail{sfx}, aws_iam_role_policy.trail_to_logs{sfx}]\n}}\n",
            hcl_string(&t.name),
            t.multi_region,
            t.include_global_service_events,
            t.log_file_validation,
            tags(&t.tags)
        ),
        // A trail created here starts with `enable_logging = true`; an existing one (trailwarden's, found
        // stopped) is not Terraform's to manage.
        Action::StartLogging(s) if !creates_trail => format!(
            "\n# Trail {} exists and is stopped: start it with\n#   aws cloudtrail start-logging --region {} --name {}\n",
            s.trail_arn, s.region, s.trail_arn
        ),
        Action::StartLogging(_) => String::new(),
        Action::EnableSecurityHub(_) => format!(
            "\n# 4.16\nresource \"aws_securityhub_account\" \"this{sfx}\" {{\n{provider}  enable_default_standards = false\n}}\n"
        ),
        Action::EnableStandard(s) => format!(
            "\nresource \"aws_securityhub_standards_subscription\" \"cis{sfx}\" {{\n{provider}  standards_arn = {}\n  depends_on    = [aws_securityhub_account.this{sfx}]\n}}\n",
            hcl_string(&s.standards_arn)
        ),
        Action::SetQueuePolicy(q) => {
            let name = q.queue_arn.rsplit(':').next().unwrap_or_default();
            format!(
                "\n# Lets the alarm topic send to {}. Terraform REPLACES the queue's policy: apply this only if the queue has\n# none (trailwarden --apply checks that and otherwise names the statement to add).\ndata \"aws_sqs_queue\" \"subscriber{sfx}_{n}\" {{\n{provider}  name     = {}\n}}\n\nresource \"aws_sqs_queue_policy\" \"subscriber{sfx}_{n}\" {{\n{provider}  queue_url = data.aws_sqs_queue.subscriber{sfx}_{n}.url\n  policy    = {}\n}}\n",
                q.queue_arn,
                hcl_string(name),
                policy_hcl(&q.policy, local_topic.filter(|(a, _)| *a == q.topic_arn))
            )
        }
        Action::AddLambdaPermission(l) => format!(
            "\nresource \"aws_lambda_permission\" \"subscriber{sfx}_{n}\" {{\n{provider}  statement_id  = {}\n  action        = \"lambda:InvokeFunction\"\n  function_name = {}\n  principal     = \"sns.amazonaws.com\"\n  source_arn    = {}\n}}\n",
            hcl_string(&l.statement_id),
            hcl_string(&l.function_arn),
            topic(&l.topic_arn)
        ),
        // Filters, alarms and topics are rendered by `render`.
        _ => String::new(),
    }
}

fn tags(t: &BTreeMap<String, String>) -> String {
    let items: Vec<String> = t
        .iter()
        .map(|(k, v)| format!("{} = {}", hcl_string(k), hcl_string(v)))
        .collect();
    format!("{{ {} }}", items.join(", "))
}

fn indent(text: &str, pad: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_string()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_strings_escape_quotes_backslashes_and_template_introducers() {
        assert_eq!(hcl_string(r#"{ $.a = "x\y" }"#), r#""{ $.a = \"x\\y\" }""#);
        assert_eq!(hcl_string("${x} %{y} $z"), r#""$${x} %%{y} $z""#);
    }
}
