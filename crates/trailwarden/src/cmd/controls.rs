//! `trailwarden controls [list | show ID | benchmarks]`: what the built-in catalog holds.
//!
//! `controls` alone lists the default benchmark's controls. An unknown benchmark or control id is a
//! usage error (exit 2) whose message lists the valid ones.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;
use trailwarden_controls::{Benchmark, Catalog, Control, CANONICAL, SECURITY_HUB};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// List a benchmark's controls: id, level, assessment, title.
    List(ListArgs),
    /// Show one control: pattern, alternatives, Security Hub string, event names, examples, rationale.
    Show(ShowArgs),
    /// List the benchmark versions trailwarden knows.
    Benchmarks(JsonFlag),
}

#[derive(clap::Args, Default)]
struct ListArgs {
    /// Benchmark id or version: cis-aws-foundations-v3.0.0, v3.0.0 or 3.0.0 [default: v3.0.0].
    #[arg(long, value_name = "ID")]
    benchmark: Option<String>,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ShowArgs {
    /// The control id (4.10) or slug (security-group-changes).
    id: String,
    /// Benchmark id or version [default: v3.0.0].
    #[arg(long, value_name = "ID")]
    benchmark: Option<String>,
    /// Print the control as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct JsonFlag {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::builtin().context("the built-in control catalog is broken")?;
    let out = match args.command.unwrap_or(Sub::List(ListArgs::default())) {
        Sub::List(a) => {
            let b = catalog.resolve(a.benchmark.as_deref())?;
            if a.json {
                json_text(&list_json(b))?
            } else {
                list_text(b)
            }
        }
        Sub::Show(a) => {
            let b = catalog.resolve(a.benchmark.as_deref())?;
            let c = b.require_control(&a.id)?;
            if a.json {
                json_text(&json!({ "benchmark": b.id, "control": c }))?
            } else {
                show_text(b, c)
            }
        }
        Sub::Benchmarks(a) => {
            if a.json {
                json_text(&benchmarks_json(catalog))?
            } else {
                benchmarks_text(catalog)
            }
        }
    };
    emit(&out)
}

/// Writes everything at once; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<ExitCode> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn json_text(value: &serde_json::Value) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value).context("rendering JSON")? + "\n")
}

fn list_json(b: &Benchmark) -> serde_json::Value {
    let controls: Vec<_> = b
        .controls()
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "slug": c.slug, "level": c.level, "assessment": c.assessment, "kind": c.kind,
                "title": c.title, "metric_name": c.metric_name,
            })
        })
        .collect();
    json!({
        "benchmark": { "id": b.id, "version": b.version, "title": b.title, "section": b.section,
                       "section_title": b.section_title, "default": b.is_default() },
        "controls": controls,
    })
}

fn list_text(b: &Benchmark) -> String {
    let mut out = format!(
        "{} ({}), section {} {}\n",
        b.title, b.id, b.section, b.section_title
    );
    let rows: Vec<[String; 4]> = b
        .controls()
        .iter()
        .map(|c| {
            [
                c.id.clone(),
                c.level.to_string(),
                c.assessment.to_string(),
                c.title.clone(),
            ]
        })
        .collect();
    table(&mut out, ["ID", "LEVEL", "ASSESSMENT", "TITLE"], &rows);
    out
}

fn benchmarks_json(catalog: &Catalog) -> serde_json::Value {
    let list: Vec<_> = catalog
        .benchmarks()
        .iter()
        .map(|b| {
            json!({ "id": b.id, "version": b.version, "title": b.title, "section": b.section,
                    "controls": b.controls().len(), "default": b.is_default(), "notes": b.notes })
        })
        .collect();
    json!({ "benchmarks": list })
}

fn benchmarks_text(catalog: &Catalog) -> String {
    let rows: Vec<[String; 4]> = catalog
        .benchmarks()
        .iter()
        .map(|b| {
            let default = if b.is_default() { "  (default)" } else { "" };
            [
                b.id.clone(),
                b.section.clone(),
                b.controls().len().to_string(),
                format!("{}{default}", b.title),
            ]
        })
        .collect();
    let mut out = String::new();
    table(&mut out, ["ID", "SECTION", "CONTROLS", "TITLE"], &rows);
    out
}

/// Left-aligned columns, the last one unpadded.
fn table<const N: usize>(out: &mut String, header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

fn show_text(b: &Benchmark, c: &Control) -> String {
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let mut o = String::new();
    let _ = writeln!(o, "{}  {}", c.id, c.title);
    let _ = writeln!(
        o,
        "benchmark:   {} (section {} {})",
        b.id, b.section, b.section_title
    );
    let _ = writeln!(o, "level:       {}", c.level);
    let _ = writeln!(o, "assessment:  {}", c.assessment);
    let _ = writeln!(o, "kind:        {}", c.kind);
    if let Some(m) = &c.metric_name {
        let _ = writeln!(
            o,
            "metric:      {m} (suggested name for the metric, filter and alarm)"
        );
    }
    let _ = writeln!(o, "data file:   controls/{}", c.file);
    if let Some(p) = &c.pattern {
        let source = c
            .pattern_source
            .as_deref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default();
        let _ = writeln!(o, "\npattern{source}:\n  {p}");
    }
    if !c.alternatives.is_empty() {
        let _ = writeln!(o, "\nalternatives:");
        for a in &c.alternatives {
            let source = a
                .source
                .as_deref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default();
            let _ = writeln!(o, "  {}{source}:\n    {}", a.name, a.pattern);
            if let Some(n) = &a.note {
                let _ = writeln!(o, "    note: {n}");
            }
        }
    }
    if let Some(sh) = &c.security_hub {
        let _ = writeln!(
            o,
            "\nSecurity Hub {} (compared literally):\n  {}",
            sh.control_id, sh.pattern
        );
        if let Some(n) = &sh.note {
            let _ = writeln!(o, "  note: {n}");
        }
    }
    if let Some(s) = &c.event_source {
        let _ = writeln!(o, "\nevent source: {s}");
    }
    if !c.event_names.is_empty() {
        let _ = writeln!(
            o,
            "event names ({}): {}",
            c.event_names.len(),
            c.event_names.join(", ")
        );
    }
    if !c.warnings.is_empty() {
        let _ = writeln!(o, "\nwarnings:");
        for w in &c.warnings {
            let _ = writeln!(o, "  - {w}");
        }
    }
    let _ = writeln!(
        o,
        "\nrationale:\n  {}",
        c.rationale.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    if let Some(r) = &c.remediation {
        let _ = writeln!(
            o,
            "\nremediation:\n  {}",
            r.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    if !c.examples.is_empty() {
        let hits = c.examples.iter().filter(|e| e.matches).count();
        let _ = writeln!(
            o,
            "\nexamples ({hits} match, {} do not):",
            c.examples.len() - hits
        );
        for e in &c.examples {
            let verdict = if e.matches { "MATCH   " } else { "no match" };
            let _ = writeln!(o, "  {verdict}  {}", e.description);
            for (name, m) in &e.alternative_matches {
                let label = if name == SECURITY_HUB {
                    "Security Hub"
                } else {
                    name.as_str()
                };
                let _ = writeln!(
                    o,
                    "            ({label}: {})",
                    if *m { "match" } else { "no match" }
                );
            }
            let _ = writeln!(o, "            {}", e.event);
        }
        let _ = writeln!(
            o,
            "  (verdicts are for the {CANONICAL} pattern unless noted)"
        );
    }
    o
}
