//! Data files → validated [`Benchmark`]s.
//!
//! The TOML shape is fixed by the private `*File` structs below (unknown fields are errors, so a
//! typo in a field name cannot silently drop data). Validation then checks what serde cannot: file
//! names agree with ids, every pattern parses, example overrides name a real alternative, and so on.
//! Every error names the file and the field.

use std::collections::{BTreeMap, BTreeSet};

use cwl_filter::Pattern;
use serde::Deserialize;

use crate::model::{
    Alternative, Benchmark, Control, Example, Kind, SecurityHub, CANONICAL, SECURITY_HUB,
};
use crate::Error;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BenchmarkFile {
    id: String,
    version: String,
    title: String,
    section: String,
    section_title: String,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlFile {
    id: String,
    slug: String,
    title: String,
    level: crate::Level,
    assessment: crate::Assessment,
    kind: Kind,
    metric_name: Option<String>,
    event_source: Option<String>,
    #[serde(default)]
    event_names: Vec<String>,
    pattern: Option<String>,
    pattern_source: Option<String>,
    rationale: String,
    remediation: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    alternatives: Vec<AlternativeFile>,
    security_hub: Option<SecurityHubFile>,
    #[serde(default)]
    examples: Vec<ExampleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlternativeFile {
    name: String,
    pattern: String,
    source: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecurityHubFile {
    control_id: String,
    pattern: String,
    source: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleFile {
    description: String,
    matches: bool,
    #[serde(default)]
    alternative_matches: BTreeMap<String, bool>,
    event: String,
}

fn parse_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| Error::Toml {
        file: file.to_string(),
        message: e.to_string(),
    })
}

fn compile(file: &str, field: &str, text: &str) -> Result<Pattern, Error> {
    Pattern::parse(text).map_err(|source| Error::Pattern {
        file: file.to_string(),
        field: field.to_string(),
        source,
    })
}

/// Loads one benchmark directory: `dir` is its path relative to `controls/`
/// (`cis-aws-foundations/v3.0.0`), `files` its TOML files as (path, contents).
pub(crate) fn benchmark(dir: &str, files: &[(&str, &str)]) -> Result<Benchmark, Error> {
    let bench_path = format!("{dir}/benchmark.toml");
    let Some((_, text)) = files.iter().find(|(p, _)| *p == bench_path) else {
        return Err(Error::invalid(
            &bench_path,
            "(file)",
            "missing: every benchmark directory needs a benchmark.toml",
        ));
    };
    let meta: BenchmarkFile = parse_toml(&bench_path, text)?;
    let (family, version_dir) = dir.rsplit_once('/').unwrap_or(("", dir));
    if version_dir != format!("v{}", meta.version) {
        return Err(Error::invalid(
            &bench_path,
            "version",
            format!(
                "`{}` does not match the directory name `{version_dir}`",
                meta.version
            ),
        ));
    }
    let expected_id = format!(
        "{}-v{}",
        family.rsplit('/').next().unwrap_or(family),
        meta.version
    );
    if meta.id != expected_id {
        return Err(Error::invalid(
            &bench_path,
            "id",
            format!("`{}` should be `{expected_id}`", meta.id),
        ));
    }

    let mut controls = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| *p != bench_path) {
        controls.push(control(path, text, &meta.section)?);
    }
    controls.sort_by_key(|c| number(&c.id));
    let mut seen = BTreeSet::new();
    for c in &controls {
        if !seen.insert(c.id.as_str()) {
            return Err(Error::invalid(
                &c.file,
                "id",
                format!("`{}` is defined twice in {dir}", c.id),
            ));
        }
    }
    Ok(Benchmark {
        id: meta.id,
        version: meta.version,
        title: meta.title,
        section: meta.section,
        section_title: meta.section_title,
        sources: meta.sources,
        notes: meta.notes.trim().to_string(),
        controls,
    })
}

/// The item number of `4.10` is 10; ids were validated to have one.
fn number(id: &str) -> u32 {
    id.rsplit_once('.')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(u32::MAX)
}

fn control(file: &str, text: &str, section: &str) -> Result<Control, Error> {
    let raw: ControlFile = parse_toml(file, text)?;
    let f = file;

    // `4.10-security-group-changes.toml` in section 4.
    let item = raw
        .id
        .strip_prefix(section)
        .and_then(|rest| rest.strip_prefix('.'));
    if !item.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) {
        return Err(Error::invalid(
            f,
            "id",
            format!(
                "`{}` is not `{section}.<number>` (this benchmark's section is {section})",
                raw.id
            ),
        ));
    }
    let name = f.rsplit('/').next().unwrap_or(f);
    let expected = format!("{}-{}.toml", raw.id, raw.slug);
    if name != expected {
        return Err(Error::invalid(
            f,
            "slug",
            format!("the file should be named `{expected}` after its id and slug"),
        ));
    }

    let compiled = match (&raw.kind, &raw.pattern) {
        (Kind::MetricFilter, Some(p)) => Some(compile(f, "pattern", p)?),
        (Kind::MetricFilter, None) => {
            return Err(Error::invalid(
                f,
                "pattern",
                "a metric-filter control needs a pattern",
            ))
        }
        (Kind::SecurityHubEnabled, Some(_)) => {
            return Err(Error::invalid(
                f,
                "pattern",
                "a security-hub-enabled control has no pattern",
            ))
        }
        (Kind::SecurityHubEnabled, None) => None,
    };
    if raw.kind == Kind::MetricFilter && raw.metric_name.is_none() {
        return Err(Error::invalid(
            f,
            "metric_name",
            "a metric-filter control needs a metric name",
        ));
    }
    if raw.kind == Kind::SecurityHubEnabled
        && (!raw.alternatives.is_empty() || raw.security_hub.is_some() || !raw.examples.is_empty())
    {
        return Err(Error::invalid(
            f,
            "kind",
            "a security-hub-enabled control has no alternatives, Security Hub pattern or examples",
        ));
    }

    let mut alternatives = Vec::new();
    for (i, a) in raw.alternatives.into_iter().enumerate() {
        let field = format!("alternatives[{i}]");
        if a.name.is_empty() || a.name == CANONICAL || a.name == SECURITY_HUB {
            return Err(Error::invalid(
                f,
                format!("{field}.name"),
                format!("`{}` is empty or reserved", a.name),
            ));
        }
        if alternatives.iter().any(|b: &Alternative| b.name == a.name) {
            return Err(Error::invalid(
                f,
                format!("{field}.name"),
                format!("`{}` is used twice", a.name),
            ));
        }
        let compiled = compile(f, &format!("{field}.pattern"), &a.pattern)?;
        alternatives.push(Alternative {
            name: a.name,
            pattern: a.pattern,
            source: a.source,
            note: a.note,
            compiled,
        });
    }

    let security_hub = match raw.security_hub {
        Some(s) => {
            let compiled = compile(f, "security_hub.pattern", &s.pattern)?;
            Some(SecurityHub {
                control_id: s.control_id,
                pattern: s.pattern,
                source: s.source,
                note: s.note,
                compiled,
            })
        }
        None => None,
    };

    let mut examples = Vec::new();
    for (i, e) in raw.examples.into_iter().enumerate() {
        let field = format!("examples[{i}]");
        for (name, verdict) in &e.alternative_matches {
            let known = alternatives.iter().any(|a| &a.name == name)
                || (name == SECURITY_HUB && security_hub.is_some());
            if !known {
                return Err(Error::invalid(
                    f,
                    format!("{field}.alternative_matches"),
                    format!("`{name}` names no alternative of this control"),
                ));
            }
            if *verdict == e.matches {
                return Err(Error::invalid(
                    f,
                    format!("{field}.alternative_matches"),
                    format!("`{name}` repeats `matches`; list only verdicts that differ"),
                ));
            }
        }
        if e.event.contains('\n') {
            return Err(Error::invalid(
                f,
                format!("{field}.event"),
                "must be one line, as CloudTrail delivers it",
            ));
        }
        let value: serde_json::Value = serde_json::from_str(&e.event).map_err(|err| {
            Error::invalid(f, format!("{field}.event"), format!("not JSON: {err}"))
        })?;
        if !value.is_object() {
            return Err(Error::invalid(
                f,
                format!("{field}.event"),
                "must be a JSON object (one CloudTrail record)",
            ));
        }
        examples.push(Example {
            description: e.description,
            matches: e.matches,
            alternative_matches: e.alternative_matches,
            event: e.event,
            value,
        });
    }

    Ok(Control {
        id: raw.id,
        slug: raw.slug,
        title: raw.title,
        level: raw.level,
        assessment: raw.assessment,
        kind: raw.kind,
        metric_name: raw.metric_name,
        event_source: raw.event_source,
        event_names: raw.event_names,
        pattern: raw.pattern,
        pattern_source: raw.pattern_source,
        rationale: raw.rationale.trim().to_string(),
        remediation: raw.remediation.map(|r| r.trim().to_string()),
        warnings: raw.warnings,
        alternatives,
        security_hub,
        examples,
        file: file.to_string(),
        compiled,
    })
}
