//! The catalog's types: a [`Benchmark`] holds [`Control`]s; a control carries its canonical
//! pattern, named [`Alternative`]s, the [`SecurityHub`] string where one exists, and [`Example`]
//! events with their expected verdicts.
//!
//! Values are only built by the loader ([`crate::Catalog`]), which has already parsed every pattern,
//! so the compiled forms are always at hand. Everything serialises to JSON for `controls show --json`.

use std::collections::BTreeMap;
use std::fmt;

use cwl_filter::Pattern;
use serde::{Deserialize, Serialize};

/// The benchmark trailwarden uses when none is named.
pub const DEFAULT_BENCHMARK_ID: &str = "cis-aws-foundations-v3.0.0";

/// One version of the CIS AWS Foundations Benchmark, restricted to its Monitoring section.
#[derive(Clone, Debug, Serialize)]
pub struct Benchmark {
    /// `cis-aws-foundations-v3.0.0`.
    pub id: String,
    /// `3.0.0`.
    pub version: String,
    pub title: String,
    /// The section number of Monitoring in this version (`3`, `4` or `5`).
    pub section: String,
    pub section_title: String,
    /// Where the texts were transcribed from.
    pub sources: Vec<String>,
    pub notes: String,
    pub(crate) controls: Vec<Control>,
}

impl Benchmark {
    /// The id of the default benchmark, CIS v3.0.0.
    pub fn default_id() -> &'static str {
        DEFAULT_BENCHMARK_ID
    }

    /// The controls in benchmark order (4.1, 4.2, …, 4.10, …).
    pub fn controls(&self) -> &[Control] {
        &self.controls
    }

    /// A control by id (`4.10`) or slug (`security-group-changes`).
    pub fn control(&self, id_or_slug: &str) -> Option<&Control> {
        let wanted = id_or_slug.trim();
        self.controls
            .iter()
            .find(|c| c.id == wanted || c.slug == wanted)
    }

    /// Like [`Benchmark::control`], with an error listing the valid ids.
    pub fn require_control(&self, id_or_slug: &str) -> Result<&Control, crate::Error> {
        self.control(id_or_slug)
            .ok_or_else(|| crate::Error::UnknownControl {
                given: id_or_slug.to_string(),
                benchmark: self.id.clone(),
                valid: self.control_ids().into_iter().map(str::to_string).collect(),
            })
    }

    /// The control ids in order.
    pub fn control_ids(&self) -> Vec<&str> {
        self.controls.iter().map(|c| c.id.as_str()).collect()
    }

    /// Whether this is [`DEFAULT_BENCHMARK_ID`].
    pub fn is_default(&self) -> bool {
        self.id == DEFAULT_BENCHMARK_ID
    }
}

/// CIS profile level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    L1,
    L2,
}

/// Whether CIS calls the control's assessment automated or manual ("Scored" in v1.2.0 counts as
/// automated).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Assessment {
    Automated,
    Manual,
}

/// What a control asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A metric filter with this pattern, an alarm on its metric, and a subscribed SNS topic.
    MetricFilter,
    /// Security Hub enabled in every region (4.16): no pattern.
    SecurityHubEnabled,
}

macro_rules! display_as_serde_name {
    ($($t:ty => { $($v:ident = $s:literal),* }),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $(Self::$v => $s),* })
            }
        }
    )*};
}
display_as_serde_name!(
    Level => { L1 = "L1", L2 = "L2" },
    Assessment => { Automated = "automated", Manual = "manual" },
    Kind => { MetricFilter = "metric-filter", SecurityHubEnabled = "security-hub-enabled" }
);

/// One monitoring control of one benchmark version.
#[derive(Clone, Debug, Serialize)]
pub struct Control {
    /// `4.1` (`3.1` in v1.2.0, `5.1` in v6.0.0+).
    pub id: String,
    /// The same topic keeps its slug across versions: `unauthorized-api-calls`.
    pub slug: String,
    pub title: String,
    pub level: Level,
    pub assessment: Assessment,
    pub kind: Kind,
    /// The suggested metric name (also used for the filter and the alarm): `UnauthorizedAPICalls`.
    pub metric_name: Option<String>,
    /// The service that emits `event_names` (part of the pattern only where the pattern says so).
    pub event_source: Option<String>,
    /// The event names the pattern monitors (empty when it selects by other fields).
    pub event_names: Vec<String>,
    /// The benchmark's canonical remediation pattern, exactly as published.
    pub pattern: Option<String>,
    pub pattern_source: Option<String>,
    pub rationale: String,
    /// How to remediate, for controls that are not a metric filter.
    pub remediation: Option<String>,
    /// Known problems of the published text.
    pub warnings: Vec<String>,
    pub alternatives: Vec<Alternative>,
    pub security_hub: Option<SecurityHub>,
    pub examples: Vec<Example>,
    /// The data file, relative to `controls/`.
    pub file: String,
    #[serde(skip)]
    pub(crate) compiled: Option<Pattern>,
}

impl Control {
    /// The parsed canonical pattern (`None` for [`Kind::SecurityHubEnabled`]).
    pub fn compiled(&self) -> Option<&Pattern> {
        self.compiled.as_ref()
    }

    /// An alternative by name.
    pub fn alternative(&self, name: &str) -> Option<&Alternative> {
        self.alternatives.iter().find(|a| a.name == name)
    }

    /// Every pattern text this control knows, each with its parsed form: the canonical one (named
    /// [`CANONICAL`]), the alternatives by name, and Security Hub's (named [`SECURITY_HUB`]).
    pub fn variants(&self) -> Vec<Variant<'_>> {
        let mut out = Vec::new();
        if let (Some(text), Some(compiled)) = (&self.pattern, &self.compiled) {
            out.push(Variant {
                name: CANONICAL,
                text,
                compiled,
            });
        }
        for a in &self.alternatives {
            out.push(Variant {
                name: &a.name,
                text: &a.pattern,
                compiled: &a.compiled,
            });
        }
        if let Some(sh) = &self.security_hub {
            out.push(Variant {
                name: SECURITY_HUB,
                text: &sh.pattern,
                compiled: &sh.compiled,
            });
        }
        out
    }
}

/// The variant name of a control's canonical pattern.
pub const CANONICAL: &str = "canonical";
/// The variant name of Security Hub's pattern (also the key in `alternative_matches`).
pub const SECURITY_HUB: &str = "security_hub";

/// One pattern of a control, for iterating over all of them.
#[derive(Clone, Copy, Debug)]
pub struct Variant<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub compiled: &'a Pattern,
}

/// Another published form of a control's pattern (e.g. 4.2's SSO variant, 4.13's audit text).
#[derive(Clone, Debug, Serialize)]
pub struct Alternative {
    pub name: String,
    pub pattern: String,
    pub source: Option<String>,
    pub note: Option<String>,
    #[serde(skip)]
    pub(crate) compiled: Pattern,
}

impl Alternative {
    pub fn compiled(&self) -> &Pattern {
        &self.compiled
    }
}

/// The Security Hub control that checks this requirement, with its own exact pattern string (Security
/// Hub compares the text literally).
#[derive(Clone, Debug, Serialize)]
pub struct SecurityHub {
    /// `CloudWatch.12`.
    pub control_id: String,
    pub pattern: String,
    pub source: Option<String>,
    pub note: Option<String>,
    #[serde(skip)]
    pub(crate) compiled: Pattern,
}

impl SecurityHub {
    pub fn compiled(&self) -> &Pattern {
        &self.compiled
    }
}

/// A CloudTrail record with the verdict each of the control's patterns must give it.
#[derive(Clone, Debug, Serialize)]
pub struct Example {
    pub description: String,
    /// Whether the canonical pattern matches.
    pub matches: bool,
    /// Verdicts of alternatives (or `security_hub`) that differ from `matches`.
    pub alternative_matches: BTreeMap<String, bool>,
    /// The record as one line of JSON, as CloudTrail delivers it to CloudWatch Logs.
    pub event: String,
    #[serde(skip)]
    pub(crate) value: serde_json::Value,
}

impl Example {
    /// The record, parsed.
    pub fn event_json(&self) -> &serde_json::Value {
        &self.value
    }

    /// The verdict the named variant ([`CANONICAL`], an alternative, or [`SECURITY_HUB`]) must give.
    pub fn expected(&self, variant: &str) -> bool {
        self.alternative_matches
            .get(variant)
            .copied()
            .unwrap_or(self.matches)
    }
}
