//! Text → [`Pattern`]: dispatch on the first character, then the term, space-delimited or JSON
//! grammar (the JSON one lives in [`crate::parse_json`]).
//!
//! The parser works on bytes of the original text so that every error and every AST leaf carries a
//! [`Span`] into it. It never panics: each construct checks its bounds and reports an [`Error`].

use crate::ast::*;
use crate::error::{Error, ErrorKind};

/// AWS's `filterPattern` length limit, in characters.
pub const MAX_LEN: usize = 1024;
/// How deep parentheses may nest; deeper input is rejected before it can exhaust the stack.
pub const MAX_DEPTH: usize = 64;
/// AWS: at most two regexes per JSON or space-delimited pattern.
pub const MAX_REGEXES: usize = 2;
/// AWS: at most three wildcard selectors per (compound) JSON pattern.
pub const MAX_WILDCARD_SELECTORS: usize = 3;

impl Pattern {
    /// Parses a filter pattern. See the crate docs and [`crate::semantics`] for the language.
    pub fn parse(text: &str) -> Result<Pattern, Error> {
        parse(text)
    }

    /// Which of the four kinds of pattern this is.
    pub fn kind(&self) -> PatternKind {
        match self {
            Pattern::MatchAll => PatternKind::MatchAll,
            Pattern::Terms(_) => PatternKind::Terms,
            Pattern::Delimited(_) => PatternKind::Delimited,
            Pattern::Json(_) => PatternKind::Json,
        }
    }
}

/// Parses a filter pattern (the free-function form of [`Pattern::parse`]).
pub fn parse(text: &str) -> Result<Pattern, Error> {
    let chars = text.chars().count();
    if chars > MAX_LEN {
        let start = text
            .char_indices()
            .nth(MAX_LEN)
            .map_or(text.len(), |(i, _)| i);
        return Err(Error::new(
            ErrorKind::TooLong,
            Span::new(start, text.len()),
            text,
            format!(
                "1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to {MAX_LEN} (this one has {chars})"
            ),
        ));
    }
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len();
    if start >= end {
        return Ok(Pattern::MatchAll);
    }
    let mut p = Parser::new(text, start, end);
    match text.as_bytes()[start] {
        b'{' => {
            if text.as_bytes()[end - 1] != b'}' || end - start < 2 {
                return Err(p.error(
                    ErrorKind::UnbalancedBrace,
                    start,
                    start + 1,
                    "If a filter pattern starts with '{' it must end with '}'",
                ));
            }
            p.pos = start + 1;
            p.end = end - 1;
            p.json().map(Pattern::Json)
        }
        b'[' => {
            if text.as_bytes()[end - 1] != b']' || end - start < 2 {
                return Err(p.error(
                    ErrorKind::UnbalancedBracket,
                    start,
                    start + 1,
                    "If a filter pattern starts with '[' it must end with ']'",
                ));
            }
            p.pos = start + 1;
            p.end = end - 1;
            p.delimited().map(Pattern::Delimited)
        }
        _ => p.terms(),
    }
}

/// A cursor over `src[pos..end]` plus the per-pattern quota counters.
pub(crate) struct Parser<'a> {
    pub(crate) src: &'a str,
    pub(crate) pos: usize,
    pub(crate) end: usize,
    pub(crate) regexes: usize,
    pub(crate) wildcard_selectors: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str, pos: usize, end: usize) -> Parser<'a> {
        Parser {
            src,
            pos,
            end,
            regexes: 0,
            wildcard_selectors: 0,
        }
    }

    pub(crate) fn error(
        &self,
        kind: ErrorKind,
        start: usize,
        end: usize,
        msg: impl Into<String>,
    ) -> Error {
        Error::new(kind, Span::new(start, end.max(start)), self.src, msg)
    }

    /// The span of the character at the cursor (or an empty span at the end).
    pub(crate) fn here(&self) -> (usize, usize) {
        let len = self.rest().chars().next().map_or(0, char::len_utf8);
        (self.pos, self.pos + len)
    }

    pub(crate) fn rest(&self) -> &'a str {
        self.src.get(self.pos..self.end).unwrap_or("")
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.rest().as_bytes().first().copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.end
    }

    pub(crate) fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    pub(crate) fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// `"..."` with `\"` and `\\` escapes (any other backslash is literal). Cursor on the quote.
    pub(crate) fn quoted(&mut self) -> Result<String, Error> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match self.rest()[i + 1..].chars().next() {
                    Some(n @ ('"' | '\\')) => {
                        out.push(n);
                        chars.next();
                    }
                    _ => out.push('\\'),
                },
                _ => out.push(c),
            }
        }
        Err(self.error(
            ErrorKind::UnterminatedQuote,
            open,
            self.end,
            "unterminated quoted string: missing closing `\"`",
        ))
    }

    /// `%...%`, cursor on the opening `%`. Counts towards the regex quota when `counted`.
    pub(crate) fn regex(&mut self, counted: bool) -> Result<Regex, Error> {
        let open = self.pos;
        let Some(len) = self.rest()[1..].find('%') else {
            return Err(self.error(
                ErrorKind::UnterminatedRegex,
                open,
                self.end,
                "unterminated regex: missing closing `%`",
            ));
        };
        let source = &self.rest()[1..1 + len];
        let re = crate::regex::compile(source, open + 1, self.src)?;
        self.pos = open + len + 2;
        if counted {
            self.regexes += 1;
            if self.regexes > MAX_REGEXES {
                return Err(self.error(
                    ErrorKind::TooManyRegexes,
                    open,
                    self.pos,
                    format!(
                        "a filter pattern may contain at most {MAX_REGEXES} regular expressions"
                    ),
                ));
            }
        }
        Ok(re)
    }

    /// A comparison operator at the cursor, if any.
    pub(crate) fn op(&mut self) -> Option<CmpOp> {
        for (s, op) in [
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("=", CmpOp::Eq),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ] {
            if self.eat(s) {
                return Some(op);
            }
        }
        None
    }

    /// The value after an operator: quoted text, `%regex%`, a number or a bare word. A bare word
    /// ends at a blank, `&&`, `||`, or a byte for which `stop` is true.
    pub(crate) fn operand(&mut self, op: CmpOp, stop: fn(u8) -> bool) -> Result<Operand, Error> {
        self.skip_ws();
        let start = self.pos;
        let numeric = matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
        let need_number = |p: &Parser<'_>| {
            p.error(
                ErrorKind::ExpectedNumber,
                start,
                p.pos,
                format!("`{op}` compares numbers: write a number such as 200 or 1.5e3 (strings support only = and !=)"),
            )
        };
        match self.peek() {
            Some(b'"') => {
                let text = self.quoted()?;
                if numeric {
                    return Err(need_number(self));
                }
                Ok(Operand::Text(text_value(&text, true)))
            }
            Some(b'%') => {
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    let re = self.regex(true)?;
                    let _ = re;
                    return Err(need_number(self));
                }
                self.regex(true).map(Operand::Regex)
            }
            _ => {
                let rest = self.rest();
                let mut len = 0;
                let bytes = rest.as_bytes();
                for (i, &b) in bytes.iter().enumerate() {
                    // Compare bytes, not `&str` slices: `i` may sit inside a multi-byte character
                    // (found by the `parse` fuzz target; see tests/fuzz_regressions.rs).
                    if b.is_ascii_whitespace()
                        || stop(b)
                        || bytes[i..].starts_with(b"&&")
                        || bytes[i..].starts_with(b"||")
                    {
                        break;
                    }
                    len = i + 1;
                }
                // `len` is at a byte after an ASCII stop, so a char boundary (or the end).
                let word = rest.get(..len).unwrap_or(rest);
                self.pos += word.len();
                if word.is_empty() {
                    return Err(self.error(
                        ErrorKind::ExpectedValue,
                        start,
                        start,
                        format!("expected a value after `{op}`"),
                    ));
                }
                if matches!(word.as_bytes()[0], b'=' | b'<' | b'>' | b'!') {
                    return Err(self.error(
                        ErrorKind::UnexpectedToken,
                        start - op.to_string().len(),
                        start + 1,
                        "not an operator (use =, !=, <, <=, > or >=)",
                    ));
                }
                if let Some(value) = number(word) {
                    return Ok(Operand::Number(NumValue {
                        text: word.to_string(),
                        value,
                    }));
                }
                if numeric {
                    return Err(need_number(self));
                }
                Ok(Operand::Text(text_value(word, false)))
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Term patterns

    fn terms(&mut self) -> Result<Pattern, Error> {
        let mut terms = Vec::new();
        loop {
            self.skip_ws();
            if self.at_end() {
                break;
            }
            let start = self.pos;
            let mode = match self.peek() {
                Some(b'-') => TermMode::Excluded,
                Some(b'?') => TermMode::Optional,
                _ => TermMode::Required,
            };
            if mode != TermMode::Required {
                self.pos += 1;
                if self.at_end() || self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
                    return Err(self.error(
                        ErrorKind::ExpectedValue,
                        start,
                        start + 1,
                        "expected a term after `-` / `?`",
                    ));
                }
            }
            let value = match self.peek() {
                Some(b'"') => {
                    let text = self.quoted()?;
                    TermValue::Literal { text, quoted: true }
                }
                Some(b'%') => TermValue::Regex(self.regex(false)?),
                _ => {
                    let rest = self.rest();
                    let len = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
                    self.pos += len;
                    TermValue::Literal {
                        text: rest[..len].to_string(),
                        quoted: false,
                    }
                }
            };
            if !self.at_end() && !self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
                let (s, e) = self.here();
                return Err(self.error(
                    ErrorKind::UnexpectedToken,
                    s,
                    e,
                    "expected a blank between terms",
                ));
            }
            terms.push(Term {
                mode,
                value,
                span: Span::new(start, self.pos),
            });
        }
        // `""` and `" "` alone are documented as "match everything".
        if let [Term {
            mode: TermMode::Required,
            value: TermValue::Literal { text, quoted: true },
            ..
        }] = terms.as_slice()
        {
            if text.trim().is_empty() {
                return Ok(Pattern::MatchAll);
            }
        }
        Ok(Pattern::Terms(terms))
    }

    // -----------------------------------------------------------------------------------------
    // Space-delimited patterns

    fn delimited(&mut self) -> Result<Vec<Slot>, Error> {
        let mut slots = Vec::new();
        self.skip_ws();
        if self.at_end() {
            return Ok(slots);
        }
        let mut ellipsis: Option<Span> = None;
        loop {
            self.skip_ws();
            let start = self.pos;
            if self.eat("...") {
                let span = Span::new(start, self.pos);
                if let Some(first) = ellipsis {
                    return Err(self.error(
                        ErrorKind::TwoEllipses,
                        span.start,
                        span.end,
                        format!("a space-delimited pattern may contain only one `...` (the first is at byte {})", first.start),
                    ));
                }
                ellipsis = Some(span);
                slots.push(Slot::Ellipsis(span));
                self.skip_ws();
            } else if self.at_end() || self.peek() == Some(b',') {
                slots.push(Slot::Field(Field {
                    name: None,
                    cond: None,
                    span: Span::new(start, start),
                }));
            } else {
                slots.push(Slot::Field(self.field()?));
            }
            self.skip_ws();
            if self.at_end() {
                break;
            }
            if !self.eat(",") {
                let (s, e) = self.here();
                return Err(self.error(
                    ErrorKind::UnexpectedToken,
                    s,
                    e,
                    "expected `,` or `]` (conditions on one field are joined with && or ||)",
                ));
            }
        }
        Ok(slots)
    }

    fn name(&mut self) -> Result<String, Error> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        if len == 0 {
            let (s, e) = self.here();
            return Err(self.error(
                ErrorKind::UnexpectedToken,
                s,
                e,
                "expected a field name (letters, digits, `_`, `-`) or `...`",
            ));
        }
        self.pos += len;
        Ok(rest[..len].to_string())
    }

    fn field(&mut self) -> Result<Field, Error> {
        let start = self.pos;
        let name = self.name()?;
        self.skip_ws();
        if self.at_end() || self.peek() == Some(b',') {
            return Ok(Field {
                name: Some(name),
                cond: None,
                span: Span::new(start, self.pos),
            });
        }
        let mut ors = Vec::new();
        let mut ands = Vec::new();
        let mut first = true;
        loop {
            let cstart = self.pos;
            if !first {
                self.skip_ws();
                let nstart = self.pos;
                let other = self.name()?;
                if other != name {
                    return Err(self.error(
                        ErrorKind::FieldMismatch,
                        nstart,
                        self.pos,
                        format!("a condition in slot `{name}` must test `{name}`, not `{other}` (AWS: Invalid filter pattern)"),
                    ));
                }
                self.skip_ws();
            }
            first = false;
            let Some(op) = self.op() else {
                let (s, e) = self.here();
                return Err(self.error(
                    ErrorKind::ExpectedOperator,
                    s,
                    e,
                    "expected =, !=, <, <=, > or >= after the field name",
                ));
            };
            let value = self.operand(op, |b| b == b',')?;
            ands.push(FieldExpr::Compare {
                field: name.clone(),
                op,
                value,
                span: Span::new(cstart, self.pos),
            });
            self.skip_ws();
            if self.eat("&&") {
                continue;
            }
            ors.push(collapse(std::mem::take(&mut ands), FieldExpr::And));
            if self.eat("||") {
                continue;
            }
            break;
        }
        Ok(Field {
            name: Some(name),
            cond: Some(collapse(ors, FieldExpr::Or)),
            span: Span::new(start, self.pos),
        })
    }
}

/// One operand stays itself; several become an n-ary node.
fn collapse<T>(mut v: Vec<T>, wrap: fn(Vec<T>) -> T) -> T {
    if v.len() == 1 {
        if let Some(x) = v.pop() {
            return x;
        }
    }
    wrap(v)
}

/// Splits the wildcard stars off a written value: `*` only counts at the start and end.
pub fn text_value(s: &str, quoted: bool) -> TextValue {
    let (prefix_star, rest) = match s.strip_prefix('*') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (suffix_star, text) = match rest.strip_suffix('*') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    TextValue {
        text: text.to_string(),
        prefix_star,
        suffix_star,
        quoted,
    }
}

/// The number a bare word spells, by the pattern grammar: optional sign, digits with an optional
/// fraction (or a leading-dot fraction), optional exponent. `inf`, `NaN`, hex and the like are not
/// numbers here even though Rust's `f64::from_str` accepts some of them.
pub fn number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok()
}
