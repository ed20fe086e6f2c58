//! `--format html`: one self-contained page (inline CSS, no scripts, no external resources), rendered with
//! minijinja. The template's name ends in `.html`, so minijinja escapes every interpolated value: reasons
//! quote filter patterns and ARNs, which may contain `<`, `&` or quotes.

use minijinja::Environment;
use serde_json::json;

use super::Report;
use crate::{AuditError, Summary};

const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>trailwarden audit: {{ benchmark }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .4rem .6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.PASS { color: #176f2c; font-weight: bold; }
.FAIL { color: #b3261e; font-weight: bold; }
.ERROR { color: #8a5300; font-weight: bold; }
.small { font-size: .85em; color: #555; }
code { word-break: break-all; }
/* Account and region stay on one line; long reasons wrap anywhere, so the ARNs keep room to be read. */
td:nth-child(3), td:nth-child(4) { white-space: nowrap; }
td:nth-child(5) { overflow-wrap: anywhere; }
td:nth-child(6) { min-width: 22em; }
</style>
</head>
<body>
<h1>trailwarden audit</h1>
<p>Benchmark <strong>{{ benchmark }}</strong>, evidence collected {{ collected_at }}, trailwarden {{ tool_version }}.</p>
<p>{{ summary.total }} findings: <span class="PASS">{{ summary.pass }} PASS</span>,
<span class="FAIL">{{ summary.fail }} FAIL</span>, <span class="ERROR">{{ summary.error }} ERROR</span>.</p>
<table>
<thead><tr><th>Control</th><th>Status</th><th>Account</th><th>Region</th><th>Reason</th><th>Resources</th></tr></thead>
<tbody>
{%- for f in findings %}
<tr>
<td>{{ f.control }}<div class="small">{{ f.title }}</div></td>
<td class="{{ f.status }}">{{ f.status }}{% if f.link %}<div class="small">{{ f.link }}</div>{% endif %}</td>
<td>{{ f.account }}</td>
<td>{{ f.region }}</td>
<td>{{ f.reason }}
{%- if f.remediation %}<div class="small">Fix: {{ f.remediation }}</div>{% endif %}
{%- for n in f.details.notes %}<div class="small">{{ n }}</div>{% endfor %}
{%- if f.details.counterexample %}<div class="small">Missed event: <code>{{ f.details.counterexample | tojson }}</code></div>{% endif %}</td>
<td class="small">
{%- if f.resources.trail %}<div><code>{{ f.resources.trail }}</code></div>{% endif %}
{%- if f.resources.log_group %}<div><code>{{ f.resources.log_group }}</code></div>{% endif %}
{%- for a in f.resources.filters %}<div>filter <code>{{ a }}</code></div>{% endfor %}
{%- for a in f.resources.alarms %}<div><code>{{ a }}</code></div>{% endfor %}
{%- for a in f.resources.topics %}<div><code>{{ a }}</code></div>{% endfor %}
{%- if f.resources.other %}<div><code>{{ f.resources.other }}</code></div>{% endif %}</td>
</tr>
{%- endfor %}
</tbody>
</table>
</body>
</html>
"#;

pub(super) fn render(r: &Report<'_>) -> Result<String, AuditError> {
    let err = |e: minijinja::Error| AuditError::Render {
        format: "html",
        message: e.to_string(),
    };
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE).map_err(err)?;
    let ctx = json!({
        "benchmark": r.benchmark,
        "collected_at": r.collected_at,
        "tool_version": r.tool_version,
        "summary": Summary::of(r.findings),
        "findings": r.findings,
    });
    env.get_template("report.html")
        .map_err(err)?
        .render(ctx)
        .map_err(err)
}
