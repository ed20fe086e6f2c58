//! Parse errors: what went wrong, where, and how to show it.
//!
//! An [`Error`] keeps the whole pattern and the byte [`Span`] of the offending text so that its
//! `Display` can print the pattern with a `^^^` line under the problem, like `rustc` and the `regex`
//! crate do. Where AWS has its own message for a problem, the message quotes it.

use std::fmt;

use crate::ast::Span;

/// The kinds of problems the parser reports. Each variant names an example pattern that triggers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Longer than AWS's 1024-character limit (a 1025-character pattern).
    TooLong,
    /// `{ $.a = 1` — AWS: "If a filter pattern starts with '{' it must end with '}'".
    UnbalancedBrace,
    /// `[a, b` — a space-delimited pattern must end with `]`.
    UnbalancedBracket,
    /// `{ ($.a = 1 }` or `{ $.a = 1) }`.
    UnbalancedParen,
    /// `"abc` or `{ $.a = "x }`.
    UnterminatedQuote,
    /// `%abc` — a regex must be closed by `%`.
    UnterminatedRegex,
    /// `%a(b)%`, `%é%`, `%\q%` — outside AWS's regex subset, or not a valid regex.
    InvalidRegex,
    /// `{ $.a = %x% || $.b = %y% || $.c = %z% }` — more than two regexes in a JSON or delimited pattern.
    TooManyRegexes,
    /// `{ $.a[*].b[*] = 1 }` (two wildcards in one selector) or more than three wildcard selectors.
    TooManyWildcards,
    /// `{ a.b = 1 }`, `{ $ = 1 }`, `{ $.a[x] = 1 }` — AWS: "Invalid metric filter pattern".
    InvalidSelector,
    /// `{ $.a 1 }`, `[a ~ 1]` — a comparison operator or `IS`/`NOT EXISTS` was expected.
    ExpectedOperator,
    /// `{ $.a = }`, `[a=]`, `-` — a value was expected.
    ExpectedValue,
    /// `{ $.a > abc }` — `<`, `<=`, `>`, `>=` need a number.
    ExpectedNumber,
    /// `{ $.a IS NOT NULL }`, `{ $.a EXISTS }` — AWS: "currently not supported".
    Unsupported,
    /// `{ $.a = 1 $.b = 2 }`, `"a"b` — text where none may be.
    UnexpectedToken,
    /// `[..., a, ...]` — at most one `...` per pattern.
    TwoEllipses,
    /// `[a = 1 && b = 2]` — a condition must name its own slot.
    FieldMismatch,
    /// Parentheses nested deeper than [`crate::parse::MAX_DEPTH`].
    TooDeep,
    /// A metric value that is not a number, `$.selector` or `$name`/`$N` valid for the pattern.
    InvalidMetricValue,
}

impl ErrorKind {
    /// The variant name, as used by the conformance files (`kind = "UnbalancedBrace"`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::TooLong => "TooLong",
            ErrorKind::UnbalancedBrace => "UnbalancedBrace",
            ErrorKind::UnbalancedBracket => "UnbalancedBracket",
            ErrorKind::UnbalancedParen => "UnbalancedParen",
            ErrorKind::UnterminatedQuote => "UnterminatedQuote",
            ErrorKind::UnterminatedRegex => "UnterminatedRegex",
            ErrorKind::InvalidRegex => "InvalidRegex",
            ErrorKind::TooManyRegexes => "TooManyRegexes",
            ErrorKind::TooManyWildcards => "TooManyWildcards",
            ErrorKind::InvalidSelector => "InvalidSelector",
            ErrorKind::ExpectedOperator => "ExpectedOperator",
            ErrorKind::ExpectedValue => "ExpectedValue",
            ErrorKind::ExpectedNumber => "ExpectedNumber",
            ErrorKind::Unsupported => "Unsupported",
            ErrorKind::UnexpectedToken => "UnexpectedToken",
            ErrorKind::TwoEllipses => "TwoEllipses",
            ErrorKind::FieldMismatch => "FieldMismatch",
            ErrorKind::TooDeep => "TooDeep",
            ErrorKind::InvalidMetricValue => "InvalidMetricValue",
        }
    }
}

/// A pattern that could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    pub kind: ErrorKind,
    /// The offending bytes of `pattern`.
    pub span: Span,
    /// The whole pattern, as given.
    pub pattern: String,
    /// One line saying what is wrong (AWS's own wording where AWS has one).
    pub message: String,
}

impl Error {
    pub(crate) fn new(
        kind: ErrorKind,
        span: Span,
        pattern: &str,
        message: impl Into<String>,
    ) -> Error {
        Error {
            kind,
            span,
            pattern: pattern.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.message)?;
        // Show the line of the pattern holding the span; carets count characters, not bytes, so
        // they line up under multi-byte text too.
        let start = self.span.start.min(self.pattern.len());
        let end = self.span.end.clamp(start, self.pattern.len());
        let line_start = self.pattern[..floor(&self.pattern, start)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line_end = self.pattern[floor(&self.pattern, start)..]
            .find('\n')
            .map_or(self.pattern.len(), |i| i + floor(&self.pattern, start));
        let line = &self.pattern[line_start..line_end];
        let lead = self.pattern[line_start..floor(&self.pattern, start)]
            .chars()
            .count();
        let width = self.pattern
            [floor(&self.pattern, start)..floor(&self.pattern, end.min(line_end))]
            .chars()
            .count()
            .max(1);
        writeln!(f, "    {line}")?;
        write!(f, "    {}{}", " ".repeat(lead), "^".repeat(width))
    }
}

/// The largest char boundary at or before `i`, so slicing never panics.
fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use crate::Pattern;

    #[test]
    fn carets_sit_under_the_span_counting_characters() {
        let e = Pattern::parse("{ $.a = \"é\" $.b = 2 }").unwrap_err();
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "    { $.a = \"é\" $.b = 2 }");
        // `$.b` starts at character 12 (byte 13, after the two-byte é).
        assert_eq!(lines[2], format!("    {}^", " ".repeat(12)));
    }

    #[test]
    fn empty_span_at_the_end_still_shows_one_caret() {
        let e = Pattern::parse("{ $.a = }").unwrap_err();
        assert!(e.to_string().ends_with(&format!("    {}^", " ".repeat(8))));
    }
}
