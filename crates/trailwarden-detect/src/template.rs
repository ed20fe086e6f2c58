//! Summary templates of custom rules: `"{actor} pushed an SSH key to {$.requestParameters.instanceId}"`.
//!
//! Placeholders: `{actor}`, `{event_name}`, `{event_source}`, `{service}` (event source without
//! `.amazonaws.com`), `{event_time}`, `{account}`, `{region}`, `{source_ip}`, `{user_agent}`,
//! `{error}` (error code), `{phrase}` (the built-in family phrase, e.g. `opened tcp/22 to …`),
//! `{summary}` (the whole built-in summary line), `{resources}` (comma-separated ids), and
//! `{$.path.to[0].field}` for any scalar of the record. `{{` and `}}` are literal braces. A missing
//! value renders as `-`. Unknown placeholders are rejected when the rules are loaded.

use crate::actor::Actor;
use crate::record::{scalar_text, Record};
use crate::summary::Summary;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(Field),
    Path(Vec<PathStep>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Actor,
    EventName,
    EventSource,
    Service,
    EventTime,
    Account,
    Region,
    SourceIp,
    UserAgent,
    Error,
    Phrase,
    Summary,
    Resources,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PathStep {
    Key(String),
    Index(usize),
}

/// A parsed summary template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// What a template is rendered from.
pub struct Context<'a> {
    pub record: &'a Record,
    pub actor: &'a Actor,
    pub summary: &'a Summary,
}

impl Template {
    /// Parses a template; the error names the offending placeholder.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let rest = &text[i + 1..];
                    let end = rest
                        .find('}')
                        .ok_or_else(|| format!("unclosed '{{' at byte {i}"))?;
                    let name = rest[..end].trim();
                    for _ in 0..end + 1 {
                        chars.next();
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut lit)));
                    }
                    parts.push(placeholder(name)?);
                }
                '}' => {
                    return Err(format!(
                        "unmatched '}}' at byte {i} (write '}}}}' for a brace)"
                    ))
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        Ok(Template { parts })
    }

    pub fn render(&self, cx: &Context<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(f) => out.push_str(&field(*f, cx).unwrap_or_else(|| "-".into())),
                Part::Path(steps) => {
                    let v = steps.iter().try_fold(&cx.record.value, |v, s| match s {
                        PathStep::Key(k) => v.get(k),
                        PathStep::Index(i) => v.get(*i),
                    });
                    out.push_str(&v.and_then(scalar_text).unwrap_or_else(|| "-".into()));
                }
            }
        }
        out
    }
}

fn placeholder(name: &str) -> Result<Part, String> {
    if let Some(path) = name.strip_prefix("$.") {
        return parse_path(path)
            .map(Part::Path)
            .ok_or_else(|| format!("invalid path placeholder {{{name}}}"));
    }
    let f = match name {
        "actor" => Field::Actor,
        "event_name" => Field::EventName,
        "event_source" => Field::EventSource,
        "service" => Field::Service,
        "event_time" => Field::EventTime,
        "account" => Field::Account,
        "region" => Field::Region,
        "source_ip" => Field::SourceIp,
        "user_agent" => Field::UserAgent,
        "error" => Field::Error,
        "phrase" => Field::Phrase,
        "summary" => Field::Summary,
        "resources" => Field::Resources,
        other => {
            return Err(format!(
                "unknown placeholder {{{other}}} (known: actor, event_name, event_source, service, event_time, account, region, source_ip, user_agent, error, phrase, summary, resources, $.path)"
            ))
        }
    };
    Ok(Part::Field(f))
}

/// `a.b[0].c` → keys and indices.
fn parse_path(path: &str) -> Option<Vec<PathStep>> {
    let mut steps = Vec::new();
    for seg in path.split('.') {
        let (key, mut rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if key.is_empty() {
            return None;
        }
        steps.push(PathStep::Key(key.to_string()));
        while let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            steps.push(PathStep::Index(r[..close].parse().ok()?));
            rest = &r[close + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(steps)
}

fn field(f: Field, cx: &Context<'_>) -> Option<String> {
    let r = cx.record;
    let s = |o: Option<&str>| o.map(str::to_string);
    match f {
        Field::Actor => Some(cx.actor.display.clone()),
        Field::EventName => s(r.event_name()),
        Field::EventSource => s(r.event_source()),
        Field::Service => r
            .event_source()
            .map(|x| x.strip_suffix(".amazonaws.com").unwrap_or(x).to_string()),
        Field::EventTime => s(r.event_time()),
        Field::Account => s(r.account()),
        Field::Region => s(r.region()),
        Field::SourceIp => s(r.source_ip()),
        Field::UserAgent => s(r.user_agent()),
        Field::Error => s(r.error_code()),
        Field::Phrase => Some(cx.summary.phrase.clone()),
        Field::Summary => Some(cx.summary.line.clone()),
        Field::Resources => {
            let ids: Vec<&str> = cx.summary.resources.iter().map(|x| x.id.as_str()).collect();
            (!ids.is_empty()).then(|| ids.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Location;
    use serde_json::json;

    #[test]
    fn renders_fields_paths_and_braces() {
        let rec = Record::new(
            json!({"eventName":"SendSSHPublicKey","awsRegion":"eu-west-1","requestParameters":{"instanceId":"i-1","list":[{"x":5}]},
                   "userIdentity":{"type":"IAMUser","userName":"alice"}}),
            Location::new("f".into(), None, None),
        );
        let actor = crate::actor::resolve(&rec.value);
        let summary = crate::summary::describe(&rec, &actor);
        let t = Template::parse("{actor} → {$.requestParameters.instanceId} {$.requestParameters.list[0].x} {{{region}}} {source_ip}").unwrap();
        assert_eq!(
            t.render(&Context {
                record: &rec,
                actor: &actor,
                summary: &summary
            }),
            "alice → i-1 5 {eu-west-1} -"
        );
    }

    #[test]
    fn rejects_bad_templates() {
        assert!(Template::parse("{who}")
            .unwrap_err()
            .contains("unknown placeholder {who}"));
        assert!(Template::parse("{actor").is_err());
        assert!(Template::parse("a } b").is_err());
        assert!(Template::parse("{$.a..b}").is_err());
    }
}
