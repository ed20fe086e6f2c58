//! The abstract syntax of a filter pattern.
//!
//! The parser produces this tree directly in *normalized* shape: `&&`/`||` chains are flattened into
//! n-ary [`Expr::And`]/[`Expr::Or`] nodes, parentheses leave no node behind (they only shape the
//! tree), and quoted and unquoted spellings of the same value compare equal (the `quoted` flag is kept
//! only so that messages can echo the user's spelling). Every leaf keeps the byte [`Span`] of the text
//! it came from, so errors and analyses can point into the original pattern.
//!
//! Equality (`PartialEq`) ignores spans and quoting: two patterns are equal when they mean the same
//! thing *syntactically* (same tree, same literals). Semantic equivalence is the job of
//! [`crate::analysis`].

use std::fmt;

/// A half-open byte range `start..end` into the pattern text.
#[derive(Clone, Copy, Debug, Default, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// Spans never take part in equality: a pattern printed and re-parsed has other offsets but is the
/// same pattern.
impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

/// Consistent with `PartialEq`: all spans are equal, so none contributes to a hash.
impl std::hash::Hash for Span {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// A parsed filter pattern. The first non-blank character decides the kind (see the crate docs).
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// The empty pattern, `""` or `" "`: matches every log event.
    MatchAll,
    /// Unstructured terms: `ERROR -DEBUG "exact phrase" %regex%`.
    Terms(Vec<Term>),
    /// Space-delimited: `[ip, user, ..., status=4*]`.
    Delimited(Vec<Slot>),
    /// JSON: `{ $.eventName = "X" || ... }`.
    Json(Expr),
}

/// The kinds of pattern, for `filter explain` and for metric dimension rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternKind {
    MatchAll,
    Terms,
    Delimited,
    Json,
}

// ---------------------------------------------------------------------------------------------
// Term patterns

#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub mode: TermMode,
    pub value: TermValue,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermMode {
    /// A plain term: must occur.
    Required,
    /// `?term`: any of the optional terms must occur — but only when the pattern has no other kind of
    /// term; mixed with required or excluded terms every `?` term is ignored (AWS documented rule).
    Optional,
    /// `-term`: must not occur.
    Excluded,
}

#[derive(Clone, Debug)]
pub enum TermValue {
    /// A case-sensitive substring. `quoted` records whether it was written as `"..."`.
    Literal { text: String, quoted: bool },
    /// `%regex%`: an unanchored search.
    Regex(Regex),
}

/// Quoting is spelling, not meaning: `"abc"` and `abc` are the same term.
impl PartialEq for TermValue {
    fn eq(&self, o: &TermValue) -> bool {
        match (self, o) {
            (TermValue::Literal { text: a, .. }, TermValue::Literal { text: b, .. }) => a == b,
            (TermValue::Regex(a), TermValue::Regex(b)) => a == b,
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Space-delimited patterns

#[derive(Clone, Debug, PartialEq)]
pub enum Slot {
    /// `...`: any number (zero or more) of unnamed fields.
    Ellipsis(Span),
    /// A positional field: `name`, `name=value`, `name != x && name != y`, or an empty slot (`[a,,b]`
    /// or a trailing comma), which has neither name nor condition.
    Field(Field),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: Option<String>,
    pub cond: Option<FieldExpr>,
    pub span: Span,
}

/// Conditions on one delimited field, combined with `&&` (binds tighter) and `||`.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldExpr {
    Or(Vec<FieldExpr>),
    And(Vec<FieldExpr>),
    Compare {
        /// The field name as written in the condition (must be the slot's own name).
        field: String,
        op: CmpOp,
        value: Operand,
        span: Span,
    },
}

// ---------------------------------------------------------------------------------------------
// JSON patterns

/// A JSON pattern's boolean expression. Precedence is `()` > `&&` > `||`.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// Any operand true. Always has at least two operands after parsing.
    Or(Vec<Expr>),
    /// All operands true. Always has at least two operands after parsing.
    And(Vec<Expr>),
    /// `selector op value`.
    Compare {
        selector: Selector,
        op: CmpOp,
        value: Operand,
        span: Span,
    },
    /// `selector IS NULL | IS TRUE | IS FALSE | NOT EXISTS`.
    Test {
        selector: Selector,
        test: Test,
        span: Span,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Test {
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// `$.a.b[0]`, `$.list[*].id`, `$.*`, `$.['dotted.key']`.
#[derive(Clone, Debug)]
pub struct Selector {
    pub steps: Vec<Step>,
    pub span: Span,
}

impl PartialEq for Selector {
    fn eq(&self, other: &Selector) -> bool {
        self.steps == other.steps
    }
}
impl Eq for Selector {}
impl std::hash::Hash for Selector {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.steps.hash(state)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// `.name` or `.['name']`.
    Key(String),
    /// `[N]`, zero-based.
    Index(usize),
    /// `[*]`: any element of an array (existential).
    AnyIndex,
    /// `.*`: any member of an object (existential, not recursive).
    AnyKey,
}

impl Selector {
    /// True when the selector contains `[*]` or `.*`.
    pub fn has_wildcard(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::AnyIndex | Step::AnyKey))
    }
}

/// The right-hand side of a comparison (JSON or delimited).
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A string value, quoted or bare, with `*` wildcards allowed only at its start and/or end
    /// (a `*` in the middle is literal). `"*"` / `*` alone (empty `text`, `prefix_star`) means
    /// "present with any value".
    Text(TextValue),
    /// A bare number: `200`, `-1.5`, `1e3`, `+1000`. Used by `< <= > >=`, and by `=`/`!=`.
    Number(NumValue),
    /// `%regex%`: an unanchored search within the value.
    Regex(Regex),
}

#[derive(Clone, Debug)]
pub struct TextValue {
    /// The literal text without the wildcard stars.
    pub text: String,
    /// Written with a leading `*`: matches any string that *ends with* `text`.
    pub prefix_star: bool,
    /// Written with a trailing `*`: matches any string that *starts with* `text`.
    pub suffix_star: bool,
    /// Written inside double quotes (kept for messages only; not part of equality).
    pub quoted: bool,
}

impl PartialEq for TextValue {
    fn eq(&self, o: &TextValue) -> bool {
        self.text == o.text
            && self.prefix_star == o.prefix_star
            && self.suffix_star == o.suffix_star
    }
}

impl TextValue {
    /// `*` alone: any present scalar value.
    pub fn is_any(&self) -> bool {
        self.text.is_empty() && (self.prefix_star || self.suffix_star)
    }
}

#[derive(Clone, Debug)]
pub struct NumValue {
    /// As written (`1e3`, `+1000`), for printing.
    pub text: String,
    pub value: f64,
}

impl PartialEq for NumValue {
    fn eq(&self, o: &NumValue) -> bool {
        self.value == o.value
    }
}

/// A `%...%` regular expression in AWS's restricted syntax. `source` is the text between the `%`s;
/// the compiled form lives in [`crate::regex`]'s cache-free compiled matcher.
#[derive(Clone, Debug)]
pub struct Regex {
    pub source: String,
    pub compiled: regex::Regex,
    pub span: Span,
}

impl PartialEq for Regex {
    fn eq(&self, o: &Regex) -> bool {
        self.source == o.source
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        })
    }
}
