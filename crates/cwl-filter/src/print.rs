//! `Display for Pattern`: a canonical spelling that parses back to an equal [`Pattern`].
//!
//! Canonical means: single blanks around operators, `{ ... }` / `[...]` framing, values quoted only
//! when a bare word would read differently, and parentheses exactly where the tree needs them
//! (an `&&` group inside `||` is parenthesised for readability, an `||` inside `&&` because it must be).

use std::fmt::{self, Write};

use crate::ast::*;
use crate::parse::number;
use crate::parse_json::is_key_char;

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::MatchAll => Ok(()),
            Pattern::Terms(terms) => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    write!(f, "{t}")?;
                }
                Ok(())
            }
            Pattern::Delimited(slots) => {
                f.write_char('[')?;
                for (i, s) in slots.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match s {
                        Slot::Ellipsis(_) => f.write_str("...")?,
                        Slot::Field(field) => match (&field.name, &field.cond) {
                            (_, Some(c)) => write!(f, "{c}")?,
                            (Some(n), None) => f.write_str(n)?,
                            (None, None) => {}
                        },
                    }
                }
                f.write_char(']')
            }
            Pattern::Json(e) => write!(f, "{{ {e} }}"),
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            TermMode::Required => {}
            TermMode::Optional => f.write_char('?')?,
            TermMode::Excluded => f.write_char('-')?,
        }
        match &self.value {
            TermValue::Regex(r) => write!(f, "%{}%", r.source),
            TermValue::Literal { text, .. } => {
                let bare = !text.is_empty()
                    && !text.chars().any(|c| c.is_whitespace() || c == '"')
                    && !text.starts_with(['-', '?', '%', '{', '['])
                    && !text.contains('\\');
                if bare {
                    f.write_str(text)
                } else {
                    write_quoted(f, text)
                }
            }
        }
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

impl fmt::Display for FieldExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldExpr::Or(v) | FieldExpr::And(v) => {
                let sep = if matches!(self, FieldExpr::Or(_)) {
                    " || "
                } else {
                    " && "
                };
                for (i, c) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    write!(f, "{c}")?;
                }
                Ok(())
            }
            FieldExpr::Compare {
                field, op, value, ..
            } => write!(f, "{field} {op} {value}"),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Or(v) | Expr::And(v) => {
                let or = matches!(self, Expr::Or(_));
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if or { " || " } else { " && " })?;
                    }
                    if matches!(e, Expr::Or(_) | Expr::And(_)) {
                        write!(f, "({e})")?;
                    } else {
                        write!(f, "{e}")?;
                    }
                }
                Ok(())
            }
            Expr::Compare {
                selector,
                op,
                value,
                ..
            } => write!(f, "{selector} {op} {value}"),
            Expr::Test { selector, test, .. } => write!(f, "{selector} {test}"),
        }
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Test::IsNull => "IS NULL",
            Test::IsTrue => "IS TRUE",
            Test::IsFalse => "IS FALSE",
            Test::NotExists => "NOT EXISTS",
        })
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('$')?;
        for s in &self.steps {
            match s {
                Step::Key(k) if !k.is_empty() && k.chars().all(is_key_char) => write!(f, ".{k}")?,
                // Keys holding `'` cannot be written with single quotes; the parser accepts `"`.
                Step::Key(k) if k.contains('\'') => write!(f, ".[\"{k}\"]")?,
                Step::Key(k) => write!(f, ".['{k}']")?,
                Step::Index(i) => write!(f, "[{i}]")?,
                Step::AnyIndex => f.write_str("[*]")?,
                Step::AnyKey => f.write_str(".*")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Number(n) => f.write_str(&n.text),
            Operand::Regex(r) => write!(f, "%{}%", r.source),
            Operand::Text(t) => {
                let bare = !t.text.is_empty()
                    && t.text
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-:@/*+".contains(c))
                    // Only the whole bare word reads as a number: `4*` stays text.
                    && (t.prefix_star || t.suffix_star || number(&t.text).is_none())
                    && !t.text.starts_with(['=', '<', '>', '!']);
                if t.is_any() && !t.suffix_star {
                    return f.write_char('*');
                }
                if bare || (t.text.is_empty() && t.prefix_star) {
                    let star = |b: bool| if b { "*" } else { "" };
                    return write!(
                        f,
                        "{}{}{}",
                        star(t.prefix_star),
                        t.text,
                        star(t.suffix_star)
                    );
                }
                f.write_char('"')?;
                if t.prefix_star {
                    f.write_char('*')?;
                }
                for c in t.text.chars() {
                    if c == '"' || c == '\\' {
                        f.write_char('\\')?;
                    }
                    f.write_char(c)?;
                }
                if t.suffix_star {
                    f.write_char('*')?;
                }
                f.write_char('"')
            }
        }
    }
}
