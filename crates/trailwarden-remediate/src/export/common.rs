//! What the code exports share: grouping actions by place, stable identifiers, and how topic ARNs map to
//! references (a topic the plan creates is referred to by its resource, the `--topic-arn` topic by a
//! variable, anything else literally).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Action, Plan};

/// The actions of one (account, region), in plan order.
pub struct Place<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub actions: Vec<&'a Action>,
}

/// Groups the plan's actions by (account, region), keeping the plan's order inside each group.
pub fn places(plan: &Plan) -> Vec<Place<'_>> {
    let mut out: Vec<Place<'_>> = Vec::new();
    for a in &plan.actions {
        let (account, region) = a.location();
        match out
            .iter_mut()
            .find(|p| p.account == account && p.region == region)
        {
            Some(p) => p.actions.push(a),
            None => out.push(Place {
                account,
                region,
                actions: vec![a],
            }),
        }
    }
    out
}

/// `NetworkGWChanges` → `network_gw_changes`; anything outside `[a-z0-9_]` becomes `_`, and the result
/// starts with a letter (Terraform and CloudFormation logical ids both accept this, CloudFormation after
/// [`pascal`]).
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if !out.is_empty() && !out.ends_with('_') && (prev_lower || (prev_upper && next_lower))
            {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(*c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        out
    } else {
        format!("r_{out}")
    }
}

/// `network_gw_changes` → `NetworkGwChanges` (CloudFormation logical ids are alphanumeric).
pub fn pascal(snake_name: &str) -> String {
    snake_name
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// The topic ARNs the plan creates, with the place they are created in.
pub fn created_topics(plan: &Plan) -> BTreeMap<&str, &crate::CreateTopic> {
    plan.actions
        .iter()
        .filter_map(|a| match a {
            Action::CreateTopic(t) => Some((t.arn.as_str(), t)),
            _ => None,
        })
        .collect()
}

/// The one topic ARN the alarms notify that the plan does not create (the `--topic-arn` topic), if any.
pub fn reused_topic(plan: &Plan) -> Option<&str> {
    let created = created_topics(plan);
    let mut reused: Vec<&str> = plan
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::PutMetricAlarm(x) => Some(x.alarm_actions.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .filter(|arn| !created.contains_key(arn))
        .collect();
    reused.sort_unstable();
    reused.dedup();
    match reused.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// The endpoints subscribed to created topics (the same `--subscribe` list for each).
pub fn subscribers_of_created(plan: &Plan) -> Vec<(&str, &str)> {
    let created = created_topics(plan);
    let Some(first) = created.keys().next() else {
        return Vec::new();
    };
    plan.actions
        .iter()
        .filter_map(|a| match a {
            Action::Subscribe(s) if s.topic_arn == *first => {
                Some((s.protocol.as_str(), s.endpoint.as_str()))
            }
            _ => None,
        })
        .collect()
}

/// Replaces every string equal to `arn` in a JSON value by `replacement`.
pub fn replace_arn(v: &Value, arn: &str, replacement: &Value) -> Value {
    match v {
        Value::String(s) if s == arn => replacement.clone(),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| replace_arn(i, arn, replacement))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, x)| (k.clone(), replace_arn(x, arn, replacement)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A one-line header naming the plan's origin.
pub const HEADER: &str =
    "Generated by `trailwarden remediate`: creates only what the audit found missing.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(snake("NetworkGWChanges"), "network_gw_changes");
        assert_eq!(snake("UnauthorizedAPICalls"), "unauthorized_api_calls");
        assert_eq!(
            snake("AWSOrganizationsChanges"),
            "aws_organizations_changes"
        );
        assert_eq!(snake("CIS-4.1"), "cis_4_1");
        assert_eq!(snake("1x"), "r_1x");
        assert_eq!(pascal("network_gw_changes"), "NetworkGwChanges");
    }
}
