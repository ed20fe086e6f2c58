//! # Semantics: what this crate decides, and why
//!
//! AWS documents the filter-pattern language by example. Where the documentation (and every other
//! source gathered in `shared/reference/filter-pattern-spec.md`) is silent, this crate makes a
//! decision. Each decision below names its evidence and is pinned by a conformance vector in
//! `tests/conformance/decisions.toml` (look for the vector named in brackets).
//!
//! ## Dispatch
//! The pattern is trimmed of blanks. Empty, `""` and a quoted phrase of blanks only (`" "`, which AWS
//! documents as "match everything") match every event. A pattern starting with `{` is a JSON pattern
//! and must end with `}`; one starting with `[` is space-delimited and must end with `]`; anything else
//! is a term pattern. At most 1024 characters (AWS's limit; longer is an error).
//!
//! ## Term patterns
//! * Terms are case-sensitive substrings of the whole message; several terms are ANDed.
//! * An unquoted term runs to the next blank. Inside `"..."`, `\"` and `\\` are escapes (what the AWS
//!   CDK emits); any other backslash is literal. An unterminated quote is an error.
//! * `-term` must not occur. `?term`: when *every* term of the pattern is a `?` term, the pattern
//!   matches if any of them occurs; otherwise all `?` terms are ignored (AWS documented rule), so
//!   `?a -b` means `-b` and `?a b` means `b` [decision: optional-mixed-with-exclude].
//! * A pattern of exclusions only matches messages containing none of them.
//! * `%regex%` is a term: an unanchored search of the message.
//!
//! ## Regular expressions (`%...%`)
//! AWS's subset only: ASCII letters and digits, the symbols `: _ # = @ / ; , -` and space, the
//! operators `^ $ ? [ ] { } | \ * + .`, escapes `\d \D \s \S \w \W \xhh` and escaped operators. Groups
//! `( )` and any other character are errors (use `\x28`). `.` matches any character including a
//! newline; matching is case-sensitive; `^`/`$` anchor to the whole string under test (the message,
//! the JSON value, or the delimited field). At most two regexes per JSON or delimited pattern.
//! Evaluation uses the `regex` crate on a translated, validated pattern, so it runs in linear time.
//!
//! ## Space-delimited patterns
//! * The message is split on spaces; text inside `"..."` or `[...]` is one field, delimiters stripped.
//! * Slots are positional. `...` stands for zero or more fields; at most one `...` per pattern
//!   (the CDK's rule; a second is an error) [decision: two-ellipses].
//! * Without `...`: fewer fields than slots → no match; more fields than slots → the **last slot
//!   absorbs the rest of the line** (AWS: "you must include a blank indicator after the order of your
//!   terms"; the documented `[w1=ERROR, w2]` example matches multi-word lines) [decision: absorb].
//!   With `...`: the slots before it bind the first fields, the slots after it the last ones.
//! * Extracted values: a named slot gives `$name`; every other field (under `...`, or an empty slot)
//!   gives `$N`, its 1-based position. `[]` matches everything and extracts every field.
//! * A condition names its own slot (`[a, b = 4* || b = 5*]`); naming another field is an error.
//!
//! ## JSON patterns
//! * Only a message that *is* one JSON object (after trimming blanks) can match; a message that merely
//!   contains JSON does not [decision: embedded-json].
//! * Precedence `()` > `&&` > `||`: `A || B && C` is `A || (B && C)` (the documented vector).
//! * A selector that does not resolve makes every comparison false, `!=` included (AZ evidence:
//!   DataBiosphere/azul#5884) [decision: ne-missing]. So does a selector resolving to an object, an
//!   array (AWS: "won't match", both `=` and `!=`) or `null` [decision: ne-null].
//! * `IS NULL`: present and JSON `null`. `NOT EXISTS`: does not resolve. `IS TRUE`/`IS FALSE`: JSON
//!   booleans only. `IS NOT NULL`, `IS NOT`, `EXISTS` are errors (AWS: "currently not supported").
//! * Under `[*]` and `.*` a comparison is true when **some** resolved value satisfies it, for `!=` too
//!   (the documented examples are existential) [decision: wildcard-exists]. `.*` is one level deep,
//!   not recursive.
//! * Text comparison (`=`/`!=` with a quoted or bare word): against a string, its text; against a
//!   number, its JSON source text; against a boolean, `true`/`false` [decision: text-vs-number,
//!   text-vs-bool] — CloudWatch compares scalar text, so `{ $.code = "400" }` matches `400`.
//! * `*` is a wildcard only at the start and/or end of a value (`*Event`, `Event*`, `*vent*`); in the
//!   middle it is literal (`Ev*ent`). `= *` and `= "*"` mean "present with a non-null scalar value";
//!   `!= *` is therefore never true [decision: star-null].
//! * Numeric operators (`< <= > >=`, and `=`/`!=` with a bare number) compare numerically against
//!   JSON numbers, and against strings that parse entirely as a number; anything else is false. A bare
//!   number with `=` also matches a string or number whose text equals it exactly.
//! * Regex values search within the scalar's text (strings, numbers, booleans).
//!
//! ## Metric values and TestMetricFilter
//! `filter test` mirrors `aws logs test-metric-filter`: `eventNumber` counts from 0 (the API
//! reference; the CLI page's 1-based example is taken to be wrong). `extractedValues` is `{}` for term
//! and JSON patterns and the `$name`/`$N` map for delimited ones.
