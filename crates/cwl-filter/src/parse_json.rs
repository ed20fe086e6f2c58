//! The JSON-pattern grammar: `or := and ('||' and)*`, `and := primary ('&&' primary)*`,
//! `primary := '(' or ')' | selector op value | selector IS (NULL|TRUE|FALSE) | selector NOT EXISTS`.
//!
//! `&&`/`||` chains are flattened into n-ary nodes (also across redundant parentheses), so
//! `(A && B) && C` and `A && B && C` parse to the same tree.

use crate::ast::*;
use crate::error::{Error, ErrorKind};
use crate::parse::{Parser, MAX_DEPTH, MAX_WILDCARD_SELECTORS};

impl Parser<'_> {
    /// Parses the text between the outer braces.
    pub(crate) fn json(&mut self) -> Result<Expr, Error> {
        let e = self.or_expr(0)?;
        self.skip_ws();
        if !self.at_end() {
            let (s, e) = self.here();
            let (kind, msg) = if self.peek() == Some(b')') {
                (ErrorKind::UnbalancedParen, "unmatched `)`")
            } else {
                (
                    ErrorKind::UnexpectedToken,
                    "expected `&&`, `||` or the end of the pattern",
                )
            };
            return Err(self.error(kind, s, e, msg));
        }
        Ok(e)
    }

    fn or_expr(&mut self, depth: usize) -> Result<Expr, Error> {
        let mut parts = Vec::new();
        push_flat(&mut parts, self.and_expr(depth)?, true);
        loop {
            self.skip_ws();
            if !self.eat("||") {
                break;
            }
            push_flat(&mut parts, self.and_expr(depth)?, true);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and_expr(&mut self, depth: usize) -> Result<Expr, Error> {
        let mut parts = Vec::new();
        push_flat(&mut parts, self.primary(depth)?, false);
        loop {
            self.skip_ws();
            if !self.eat("&&") {
                break;
            }
            push_flat(&mut parts, self.primary(depth)?, false);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, Error> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some(b'(') => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(
                        ErrorKind::TooDeep,
                        start,
                        start + 1,
                        format!("parentheses nest deeper than {MAX_DEPTH} levels"),
                    ));
                }
                self.pos += 1;
                let e = self.or_expr(depth + 1)?;
                self.skip_ws();
                if !self.eat(")") {
                    return Err(self.error(
                        ErrorKind::UnbalancedParen,
                        start,
                        start + 1,
                        "this `(` is never closed",
                    ));
                }
                Ok(e)
            }
            Some(b'$') => self.condition(),
            None => Err(self.error(
                ErrorKind::ExpectedValue,
                start,
                start,
                "expected a condition such as `$.field = value`",
            )),
            Some(b')') => Err(self.error(
                ErrorKind::UnbalancedParen,
                start,
                start + 1,
                "unmatched `)` (or an empty pair of parentheses)",
            )),
            Some(_) => {
                let word = self
                    .rest()
                    .split(|c: char| c.is_whitespace() || "=!<>()".contains(c))
                    .next()
                    .unwrap_or("");
                let end = start + word.len().max(1);
                Err(self.error(
                    ErrorKind::InvalidSelector,
                    start,
                    end.min(self.end),
                    "Invalid metric filter pattern: a property selector must start with `$.` (e.g. `$.eventName`)",
                ))
            }
        }
    }

    fn condition(&mut self) -> Result<Expr, Error> {
        let start = self.pos;
        let selector = self.selector()?;
        self.skip_ws();
        let kw_start = self.pos;
        if let Some(word) = self.keyword() {
            let test = match word {
                "IS" => {
                    self.skip_ws();
                    match self.keyword() {
                        Some("NULL") => Test::IsNull,
                        Some("TRUE") => Test::IsTrue,
                        Some("FALSE") => Test::IsFalse,
                        Some("NOT") => {
                            return Err(self.error(ErrorKind::Unsupported, kw_start, self.pos, "`IS NOT` is currently not supported by CloudWatch Logs (use `NOT EXISTS`, or `!= ...`)"));
                        }
                        _ => {
                            let (s, e) = self.here();
                            return Err(self.error(
                                ErrorKind::ExpectedOperator,
                                s,
                                e,
                                "expected NULL, TRUE or FALSE after IS",
                            ));
                        }
                    }
                }
                "NOT" => {
                    self.skip_ws();
                    if self.keyword() != Some("EXISTS") {
                        let (s, e) = self.here();
                        return Err(self.error(
                            ErrorKind::ExpectedOperator,
                            s,
                            e,
                            "expected EXISTS after NOT",
                        ));
                    }
                    Test::NotExists
                }
                "EXISTS" => {
                    return Err(self.error(ErrorKind::Unsupported, kw_start, self.pos, "`EXISTS` is currently not supported by CloudWatch Logs (use `= *` for presence)"));
                }
                _ => {
                    return Err(self.error(
                        ErrorKind::ExpectedOperator,
                        kw_start,
                        self.pos,
                        "expected an operator (=, !=, <, <=, >, >=), IS or NOT EXISTS",
                    ));
                }
            };
            return Ok(Expr::Test {
                selector,
                test,
                span: Span::new(start, self.pos),
            });
        }
        let Some(op) = self.op() else {
            let (s, e) = self.here();
            return Err(self.error(
                ErrorKind::ExpectedOperator,
                s,
                e,
                "expected an operator (=, !=, <, <=, >, >=), IS or NOT EXISTS",
            ));
        };
        let value = self.operand(op, |b| b == b')' || b == b'(')?;
        Ok(Expr::Compare {
            selector,
            op,
            value,
            span: Span::new(start, self.pos),
        })
    }

    /// An upper-case word at the cursor (consumed), if any.
    fn keyword(&mut self) -> Option<&'static str> {
        const WORDS: [&str; 6] = ["IS", "NOT", "NULL", "TRUE", "FALSE", "EXISTS"];
        let rest = self.rest();
        let len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let word = &rest[..len];
        if word.is_empty() {
            return None;
        }
        self.pos += len;
        Some(WORDS.iter().find(|w| **w == word).copied().unwrap_or("?"))
    }

    /// `$` followed by `.name`, `.*`, `.['key']`, `['key']`, `[N]`, `[*]` steps.
    fn selector(&mut self) -> Result<Selector, Error> {
        let start = self.pos;
        self.pos += 1; // the `$`
        let mut steps = Vec::new();
        loop {
            let step_start = self.pos;
            if self.eat(".") {
                if self.eat("*") {
                    steps.push(Step::AnyKey);
                } else if self.peek() == Some(b'[') {
                    self.pos += 1;
                    steps.push(self.bracket_key(step_start)?);
                } else {
                    let rest = self.rest();
                    let len = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
                    if len == 0 {
                        let (s, e) = self.here();
                        return Err(self.error(
                            ErrorKind::InvalidSelector,
                            s,
                            e,
                            "Invalid metric filter pattern: expected a property name after `.`",
                        ));
                    }
                    steps.push(Step::Key(rest[..len].to_string()));
                    self.pos += len;
                }
            } else if self.eat("[") {
                if self.eat("*]") {
                    steps.push(Step::AnyIndex);
                } else if matches!(self.peek(), Some(b'\'' | b'"')) {
                    steps.push(self.bracket_key(step_start)?);
                } else {
                    let rest = self.rest();
                    let len = rest
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(rest.len());
                    let index = rest[..len]
                        .parse::<usize>()
                        .ok()
                        .filter(|_| rest[len..].starts_with(']'));
                    let Some(index) = index else {
                        return Err(self.error(
                            ErrorKind::InvalidSelector,
                            step_start,
                            self.pos + len + 1,
                            "Invalid metric filter pattern: expected `[N]`, `[*]` or `['key']`",
                        ));
                    };
                    self.pos += len + 1;
                    steps.push(Step::Index(index));
                }
            } else {
                break;
            }
        }
        let span = Span::new(start, self.pos);
        if steps.is_empty() {
            return Err(self.error(ErrorKind::InvalidSelector, start, self.pos.max(start + 1), "Invalid metric filter pattern: a selector needs at least one property, e.g. `$.eventName`"));
        }
        let selector = Selector { steps, span };
        let wildcards = selector
            .steps
            .iter()
            .filter(|s| matches!(s, Step::AnyIndex | Step::AnyKey))
            .count();
        if wildcards > 1 {
            return Err(self.error(
                ErrorKind::TooManyWildcards,
                start,
                self.pos,
                "a property selector may contain at most one wildcard (`[*]` or `.*`)",
            ));
        }
        if wildcards == 1 {
            self.wildcard_selectors += 1;
            if self.wildcard_selectors > MAX_WILDCARD_SELECTORS {
                return Err(self.error(
                    ErrorKind::TooManyWildcards,
                    start,
                    self.pos,
                    format!("a filter pattern may contain at most {MAX_WILDCARD_SELECTORS} wildcard selectors"),
                ));
            }
        }
        Ok(selector)
    }

    /// `'key']` or `"key"]` after a `[` (cursor on the quote).
    fn bracket_key(&mut self, step_start: usize) -> Result<Step, Error> {
        let Some(q) = self.peek().filter(|b| matches!(b, b'\'' | b'"')) else {
            let (s, e) = self.here();
            return Err(self.error(
                ErrorKind::InvalidSelector,
                s,
                e,
                "Invalid metric filter pattern: expected a quoted key, as in `$.['dotted.key']`",
            ));
        };
        let body = &self.rest()[1..];
        let Some(len) = body.find(q as char) else {
            return Err(self.error(
                ErrorKind::UnterminatedQuote,
                step_start,
                self.end,
                "unterminated quoted key in selector",
            ));
        };
        let key = body[..len].to_string();
        self.pos += len + 2;
        if !self.eat("]") {
            let (s, e) = self.here();
            return Err(self.error(
                ErrorKind::InvalidSelector,
                s,
                e,
                "Invalid metric filter pattern: expected `]` after the quoted key",
            ));
        }
        Ok(Step::Key(key))
    }
}

/// Characters of a key written as `.name` (others need `.['...']`).
pub fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | ':')
}

/// Appends `e`, splicing in the operands of a same-kind node so chains stay flat.
fn push_flat(parts: &mut Vec<Expr>, e: Expr, or: bool) {
    match e {
        Expr::Or(v) if or => parts.extend(v),
        Expr::And(v) if !or => parts.extend(v),
        e => parts.push(e),
    }
}
