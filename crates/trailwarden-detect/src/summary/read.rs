//! Reading `requestParameters`: the small helpers every family uses.

use serde_json::{Map, Value};

use crate::alert::Severity;
use crate::record::{lookup, scalar_text, Record};

pub(super) fn req(r: &Record) -> Option<&Map<String, Value>> {
    r.request()
}

/// A request parameter at a path, as text.
pub(super) fn p(r: &Record, path: &[&str]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    lookup(req(r)?.get(*first)?, rest)
        .and_then(scalar_text)
        .filter(|s| !s.is_empty())
}

/// A response element at a path, as text.
pub(super) fn resp(r: &Record, path: &[&str]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    lookup(r.response()?.get(*first)?, rest)
        .and_then(scalar_text)
        .filter(|s| !s.is_empty())
}

pub(super) fn or_q(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("?")
}

/// `items` of a CloudTrail EC2 list (`{"items":[...]}`), or an array as is.
pub(super) fn items(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a,
        Some(Value::Object(m)) => m
            .get("items")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        _ => &[],
    }
}

/// A `/0` prefix is every address, whatever the address bits say (`208.236.235.254/0` is as open as
/// `0.0.0.0/0`; anonymised samples and careless hands write such ranges).
pub(super) fn is_open_cidr(c: &str) -> bool {
    c.trim().ends_with("/0")
}

/// `tcp/22`, `tcp/1000-2000`, `all traffic`, `icmp`.
pub(super) fn ports(proto: Option<String>, from: Option<String>, to: Option<String>) -> String {
    let proto = match proto.as_deref() {
        None | Some("-1") | Some("all") => return "all traffic".into(),
        Some("6") => "tcp".to_string(),
        Some("17") => "udp".to_string(),
        Some("1") => "icmp".to_string(),
        Some(p) => p.to_ascii_lowercase(),
    };
    match (from, to) {
        (Some(f), Some(t)) if f == "-1" || (f == "0" && t == "65535") => format!("{proto}/all"),
        (Some(f), Some(t)) if f == t => format!("{proto}/{f}"),
        (Some(f), Some(t)) => format!("{proto}/{f}-{t}"),
        (Some(f), None) => format!("{proto}/{f}"),
        _ => proto,
    }
}

pub(super) fn is_admin_port(perm: &str) -> bool {
    perm == "all traffic" || perm.ends_with("/all") || ["tcp/22", "tcp/3389"].contains(&perm)
}

/// The last segment of an ARN-or-name (`arn:aws:cloudtrail:…:trail/main` → `main`).
pub(super) fn short(s: &str) -> &str {
    s.rsplit(['/', ':']).next().unwrap_or(s)
}

/// The `Allow` statements of a policy document given as an object or as JSON text.
pub(super) fn allow_statements(doc: &Value) -> Vec<Map<String, Value>> {
    let parsed;
    let doc = match doc {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(_) => return Vec::new(),
        },
        other => other,
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect::<Vec<_>>(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    statements
        .into_iter()
        .filter_map(Value::as_object)
        .filter(|st| st.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .cloned()
        .collect()
}

/// `"*"` or a list containing `"*"`.
pub(super) fn has_star(v: Option<&Value>) -> bool {
    match v {
        Some(Value::String(s)) => s == "*",
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some("*")),
        _ => false,
    }
}

/// A principal of `"*"` or `{"AWS": "*"}` (or a list holding `"*"`).
pub(super) fn is_everyone(p: Option<&Value>) -> bool {
    match p {
        Some(Value::Object(m)) => has_star(m.get("AWS")),
        other => has_star(other),
    }
}

pub(super) fn raised(cond: bool, yes: Severity, no: Severity) -> Severity {
    if cond {
        yes
    } else {
        no
    }
}
