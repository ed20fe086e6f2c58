//! Compiled rules: the benchmark's controls and the user's own.
//!
//! A [`Rule`] is a parsed filter pattern with what an alert needs to say about it. Built-in
//! controls come in as `(id, title, pattern)` so this crate does not depend on the catalog's
//! types; custom rules come from a TOML file:
//!
//! ```toml
//! [[rule]]
//! name = "ec2-instance-connect"
//! pattern = '{ $.eventSource = "ec2-instance-connect.amazonaws.com" && $.eventName = "SendSSHPublicKey" }'
//! severity = "medium"                    # low | medium | high | critical (default: medium)
//! description = "Someone pushed an SSH key to an instance."
//! summary = "{actor} pushed an SSH key to {$.requestParameters.instanceId} ({region})"   # optional
//! ```
//!
//! Every pattern and template is validated at load; an error names the file, the rule and (for a
//! pattern) points at the problem with the parser's caret message.

use std::path::Path;

use cwl_filter::Pattern;
use serde::Deserialize;
use serde_json::Value;

use crate::alert::Severity;
use crate::template::Template;

/// What a rule is, for the alert's `control` or `rule` key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleId {
    /// A benchmark control, by id (`4.10`).
    Control(String),
    /// A custom rule, by name.
    Custom(String),
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: RuleId,
    pub title: String,
    /// The lowest severity of this rule's alerts; the event's own risk may raise it.
    pub severity: Severity,
    pub description: Option<String>,
    pub pattern_text: String,
    pub pattern: Pattern,
    pub summary: Option<Template>,
}

impl Rule {
    /// A rule for a benchmark control. Controls start at `low`: the event decides how bad it is.
    pub fn control(id: &str, title: &str, pattern: &str) -> Result<Rule, RuleError> {
        let compiled = Pattern::parse(pattern).map_err(|e| RuleError::Pattern {
            origin: "the benchmark".into(),
            rule: id.to_string(),
            message: e.to_string(),
        })?;
        Ok(Rule {
            id: RuleId::Control(id.to_string()),
            title: title.to_string(),
            severity: Severity::Low,
            description: None,
            pattern_text: pattern.to_string(),
            pattern: compiled,
            summary: None,
        })
    }

    pub fn matches(&self, record: &Value) -> bool {
        self.pattern.matches_json(record)
    }

    /// The label used in messages: the control id or the rule name.
    pub fn label(&self) -> &str {
        match &self.id {
            RuleId::Control(s) | RuleId::Custom(s) => s,
        }
    }
}

/// A rule file or pattern that cannot be used. Fatal: `detect` exits 2.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{path}: cannot read rules: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: invalid rules file: {message}")]
    Toml { path: String, message: String },
    #[error("{origin}: rule {rule}: invalid pattern:\n{message}")]
    Pattern {
        origin: String,
        rule: String,
        message: String,
    },
    #[error("{origin}: rule {rule}: invalid summary template: {message}")]
    Template {
        origin: String,
        rule: String,
        message: String,
    },
    #[error("{origin}: rule name {rule:?} is used twice")]
    Duplicate { origin: String, rule: String },
    #[error("{origin}: a rule needs a non-empty name")]
    EmptyName { origin: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    name: String,
    pattern: String,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    summary: Option<String>,
}

/// Reads custom rules from a TOML file.
pub fn load_rules_file(path: &Path) -> Result<Vec<Rule>, RuleError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| RuleError::Io {
        path: shown.clone(),
        source,
    })?;
    parse_rules(&text, &shown)
}

/// Parses custom rules from TOML text; `origin` names it in errors.
pub fn parse_rules(text: &str, origin: &str) -> Result<Vec<Rule>, RuleError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| RuleError::Toml {
        path: origin.to_string(),
        message: e.to_string(),
    })?;
    let mut rules: Vec<Rule> = Vec::new();
    for def in file.rule {
        let name = def.name.trim().to_string();
        if name.is_empty() {
            return Err(RuleError::EmptyName {
                origin: origin.to_string(),
            });
        }
        if rules.iter().any(|r| r.label() == name) {
            return Err(RuleError::Duplicate {
                origin: origin.to_string(),
                rule: name,
            });
        }
        let pattern = Pattern::parse(&def.pattern).map_err(|e| RuleError::Pattern {
            origin: origin.to_string(),
            rule: name.clone(),
            message: e.to_string(),
        })?;
        let summary = def
            .summary
            .as_deref()
            .map(Template::parse)
            .transpose()
            .map_err(|message| RuleError::Template {
                origin: origin.to_string(),
                rule: name.clone(),
                message,
            })?;
        rules.push(Rule {
            title: def
                .title
                .or_else(|| def.description.clone())
                .unwrap_or_else(|| name.clone()),
            id: RuleId::Custom(name),
            severity: def.severity.unwrap_or(Severity::Medium),
            description: def.description,
            pattern_text: def.pattern,
            pattern,
            summary,
        });
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_rules_load_and_match() {
        let rules = parse_rules(
            r#"
[[rule]]
name = "ssh-key"
pattern = '{ $.eventName = "SendSSHPublicKey" }'
severity = "high"
summary = "{actor} pushed a key to {$.requestParameters.instanceId}"
"#,
            "r.toml",
        )
        .unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].severity, Severity::High);
        assert!(rules[0].matches(&json!({"eventName": "SendSSHPublicKey"})));
        assert!(!rules[0].matches(&json!({"eventName": "SendSerialConsoleSSHPublicKey"})));
    }

    #[test]
    fn bad_pattern_names_file_rule_and_position() {
        let err = parse_rules(
            "[[rule]]\nname = \"x\"\npattern = '{ $.eventName = '\n",
            "r.toml",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("r.toml: rule x: invalid pattern:"), "{msg}");
        assert!(msg.contains('^'), "caret expected: {msg}");
    }

    #[test]
    fn other_load_errors() {
        let dup = "[[rule]]\nname='a'\npattern='x'\n[[rule]]\nname='a'\npattern='y'\n";
        assert!(matches!(
            parse_rules(dup, "f").unwrap_err(),
            RuleError::Duplicate { .. }
        ));
        let unknown = "[[rule]]\nname='a'\npattern='x'\ncolour='red'\n";
        assert!(parse_rules(unknown, "f")
            .unwrap_err()
            .to_string()
            .contains("colour"));
        let sev = "[[rule]]\nname='a'\npattern='x'\nseverity='urgent'\n";
        assert!(matches!(
            parse_rules(sev, "f").unwrap_err(),
            RuleError::Toml { .. }
        ));
        let tpl = "[[rule]]\nname='a'\npattern='x'\nsummary='{nope}'\n";
        assert!(parse_rules(tpl, "f")
            .unwrap_err()
            .to_string()
            .contains("nope"));
    }
}
