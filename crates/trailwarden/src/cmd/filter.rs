//! `trailwarden filter ...`: work with CloudWatch Logs filter patterns offline.
//!
//! * `filter test PATTERN [--events FILE] [--metric-value EXPR]` mirrors
//!   `aws logs test-metric-filter`: one JSON line per *matching* message,
//!   `{"eventNumber": N, "eventMessage": "...", "extractedValues": {...}}`, N counting every
//!   non-empty input line from 0 (AWS rejects empty messages, so empty lines are skipped).
//! * `filter explain PATTERN [--json]`: kind, canonical form, selectors/fields and literals.
//! * `filter covers ...`: coverage of a required pattern by actual ones (see `covers.rs`).
//!
//! Exit codes: 0 for a valid pattern (whether or not anything matched), 2 for an invalid pattern
//! (the error, with a `^^^` line under the problem, goes to stderr) or unreadable input.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::process::ExitCode;

use anyhow::Context;
use cwl_filter::ast::{Expr, FieldExpr, Operand, Slot, TermMode, TermValue};
use cwl_filter::Pattern;
use serde_json::json;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Test a pattern against log messages (one per line), like `aws logs test-metric-filter`.
    Test(TestArgs),
    /// Show how a pattern parses: kind, canonical form, fields and literals.
    Explain(ExplainArgs),
    /// Check whether filter patterns cover (match every event of) a required pattern.
    Covers(super::covers::Args),
}

#[derive(clap::Args)]
struct TestArgs {
    /// The filter pattern.
    #[arg(value_name = "PATTERN", allow_hyphen_values = true)]
    pattern: String,
    /// Read messages from FILE, one per line (default: standard input; `-` also means stdin).
    #[arg(long, value_name = "FILE")]
    events: Option<String>,
    /// Also report the metric value (a number, `$.selector` or `$name`/`$N`) as `metricValue`.
    #[arg(long, value_name = "EXPR")]
    metric_value: Option<String>,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// The filter pattern.
    #[arg(value_name = "PATTERN", allow_hyphen_values = true)]
    pattern: String,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Test(a) => test(a),
        Command::Explain(a) => explain(a),
        Command::Covers(a) => super::covers::run(a),
    }
}

/// Parses the pattern, or prints the caret error to stderr (the caller exits 2).
fn parse_or_report(text: &str) -> Option<Pattern> {
    match Pattern::parse(text) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!(
                "trailwarden: invalid filter pattern ({}): {e}",
                e.kind.name()
            );
            None
        }
    }
}

fn test(args: TestArgs) -> anyhow::Result<ExitCode> {
    let Some(pattern) = parse_or_report(&args.pattern) else {
        return Ok(ExitCode::from(2));
    };
    if let Some(expr) = &args.metric_value {
        // Validate the expression up front, so a bad one is a usage error even with no input.
        if let Err(e) = pattern.metric_value("", expr) {
            eprintln!("trailwarden: invalid metric value: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    let input: Box<dyn BufRead> = match args.events.as_deref() {
        None | Some("-") => Box::new(BufReader::new(io::stdin())),
        Some(path) => Box::new(BufReader::new(
            File::open(path).with_context(|| format!("cannot open events file {path}"))?,
        )),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut number = 0usize;
    for line in input.lines() {
        let line = line.context("cannot read events")?;
        let msg = line.strip_suffix('\r').unwrap_or(&line);
        if msg.is_empty() {
            continue;
        }
        if let Some(m) = pattern.test_message(msg) {
            let mut doc = json!({
                "eventNumber": number,
                "eventMessage": msg,
                "extractedValues": m.extracted_values,
            });
            if let Some(expr) = &args.metric_value {
                let value = pattern.metric_value(msg, expr).ok().flatten();
                doc["metricValue"] = json!(value);
            }
            if let Err(e) = writeln!(out, "{}", ordered(&doc)) {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    return Ok(ExitCode::SUCCESS);
                }
                return Err(e).context("cannot write output");
            }
        }
        number += 1;
    }
    Ok(ExitCode::SUCCESS)
}

/// Renders a match in the AWS response's key order (serde_json's map would sort the keys).
fn ordered(doc: &serde_json::Value) -> String {
    let mut s = String::from("{");
    for (i, key) in [
        "eventNumber",
        "eventMessage",
        "extractedValues",
        "metricValue",
    ]
    .into_iter()
    .filter(|k| doc.get(k).is_some())
    .enumerate()
    {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&format!("{}: {}", json!(key), doc[key]));
    }
    s.push('}');
    s
}

/// What `explain` reports about a pattern.
struct Description {
    kind: &'static str,
    canonical: String,
    fields: Vec<String>,
    literals: Vec<String>,
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

fn describe(p: &Pattern) -> Description {
    let mut d = Description {
        kind: match p {
            Pattern::MatchAll => "match-all",
            Pattern::Terms(_) => "terms",
            Pattern::Delimited(_) => "space-delimited",
            Pattern::Json(_) => "json",
        },
        canonical: p.to_string(),
        fields: Vec::new(),
        literals: Vec::new(),
    };
    match p {
        Pattern::MatchAll => {}
        Pattern::Terms(terms) => {
            for t in terms {
                let prefix = match t.mode {
                    TermMode::Required => "",
                    TermMode::Optional => "?",
                    TermMode::Excluded => "-",
                };
                let value = match &t.value {
                    TermValue::Literal { text, .. } => json!(text).to_string(),
                    TermValue::Regex(r) => format!("%{}%", r.source),
                };
                push_unique(&mut d.literals, format!("{prefix}{value}"));
            }
        }
        Pattern::Delimited(slots) => {
            for (i, s) in slots.iter().enumerate() {
                match s {
                    Slot::Ellipsis(_) => push_unique(&mut d.fields, "...".into()),
                    Slot::Field(f) => {
                        let name = f.name.clone().unwrap_or_else(|| (i + 1).to_string());
                        push_unique(&mut d.fields, format!("${name}"));
                        if let Some(c) = &f.cond {
                            field_literals(c, &mut d.literals);
                        }
                    }
                }
            }
        }
        Pattern::Json(e) => expr_parts(e, &mut d),
    }
    d
}

fn field_literals(c: &FieldExpr, out: &mut Vec<String>) {
    match c {
        FieldExpr::Or(v) | FieldExpr::And(v) => v.iter().for_each(|c| field_literals(c, out)),
        FieldExpr::Compare { value, .. } => push_unique(out, operand_text(value)),
    }
}

fn expr_parts(e: &Expr, d: &mut Description) {
    match e {
        Expr::Or(v) | Expr::And(v) => v.iter().for_each(|e| expr_parts(e, d)),
        Expr::Compare {
            selector, value, ..
        } => {
            push_unique(&mut d.fields, selector.to_string());
            push_unique(&mut d.literals, operand_text(value));
        }
        Expr::Test { selector, .. } => push_unique(&mut d.fields, selector.to_string()),
    }
}

fn operand_text(o: &Operand) -> String {
    o.to_string()
}

fn explain(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let Some(pattern) = parse_or_report(&args.pattern) else {
        return Ok(ExitCode::from(2));
    };
    let d = describe(&pattern);
    if args.json {
        let doc = json!({
            "kind": d.kind,
            "canonical": d.canonical,
            "fields": d.fields,
            "literals": d.literals,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).context("cannot render JSON")?
        );
    } else {
        println!("kind:      {}", d.kind);
        println!("canonical: {}", d.canonical);
        let label = if d.kind == "json" {
            "selectors"
        } else {
            "fields"
        };
        println!(
            "{:<10} {}",
            format!("{label}:"),
            if d.fields.is_empty() {
                "(none)".to_string()
            } else {
                d.fields.join(", ")
            }
        );
        println!(
            "literals:  {}",
            if d.literals.is_empty() {
                "(none)".to_string()
            } else {
                d.literals.join(", ")
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
