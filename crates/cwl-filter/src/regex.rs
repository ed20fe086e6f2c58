//! AWS's `%regex%` subset: validation with precise errors, then translation to `regex` crate syntax.
//!
//! AWS accepts only ASCII letters and digits, the symbols `: _ # = @ / ; , -` and space, the
//! operators `^ $ ? [ ] { } | \ * + .`, the escapes `\d \D \s \S \w \W \xhh`, and escaped operators.
//! Groups are not allowed (`\x28` spells a literal parenthesis). We validate that first, so a pattern
//! AWS would reject is rejected here with the offending character underlined, then translate:
//! `.` matches newlines too (`(?s)`), the classes are ASCII (`\w` = `[a-zA-Z_0-9]`, `\s` = tab, newline,
//! space as the AWS page lists them), and `{,n}` becomes `{0,n}` which the `regex` crate requires.

use crate::ast::{Regex, Span};
use crate::error::{Error, ErrorKind};

/// Symbols allowed as literal characters.
const SYMBOLS: &[u8] = b":_#=@/;,- ";
/// Regex operators AWS lists.
const OPERATORS: &[u8] = b"^$?[]{}|\\*+.";
/// Compiled-program size cap: keeps `a{1000}{1000}`-style inputs from eating memory.
const SIZE_LIMIT: usize = 1 << 20;

/// Validates `source` (the text between the `%`s, starting at byte `offset` of `pattern`),
/// translates and compiles it.
pub fn compile(source: &str, offset: usize, pattern: &str) -> Result<Regex, Error> {
    let span = Span::new(offset.saturating_sub(1), offset + source.len() + 1);
    let translated = translate(source, offset, pattern)?;
    let compiled = regex::RegexBuilder::new(&translated)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| {
            let detail = match e {
                regex::Error::Syntax(s) => s
                    .lines()
                    .last()
                    .unwrap_or("syntax error")
                    .trim()
                    .to_string(),
                regex::Error::CompiledTooBig(_) => "the regex is too large".to_string(),
                _ => e.to_string(),
            };
            Error::new(
                ErrorKind::InvalidRegex,
                span,
                pattern,
                format!("invalid regex: {detail}"),
            )
        })?;
    if source.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidRegex,
            span,
            pattern,
            "empty regex `%%`",
        ));
    }
    Ok(Regex {
        source: source.to_string(),
        compiled,
        span,
    })
}

/// Checks the AWS subset and produces the equivalent `regex` crate syntax.
pub fn translate(source: &str, offset: usize, pattern: &str) -> Result<String, Error> {
    let bytes = source.as_bytes();
    let mut out = String::from("(?s)");
    let mut in_class = false;
    let mut class_prev_dash = false;
    let mut i = 0;
    let err = |at: usize, len: usize, msg: String| {
        Error::new(
            ErrorKind::InvalidRegex,
            Span::new(offset + at, offset + at + len),
            pattern,
            msg,
        )
    };
    while i < bytes.len() {
        let c = bytes[i];
        if !c.is_ascii() {
            let ch = source[i..].chars().next().unwrap_or('?');
            return Err(err(
                i,
                ch.len_utf8(),
                format!("regex character {ch:?} is not allowed (AWS regexes are ASCII only)"),
            ));
        }
        let mut dash = false;
        match c {
            b'\\' => {
                let Some(&n) = bytes.get(i + 1) else {
                    return Err(err(i, 1, "regex ends with a lone backslash".into()));
                };
                let class = |neg: bool, set: &str| {
                    if neg {
                        format!("[^{set}]")
                    } else if in_class {
                        set.to_string()
                    } else {
                        format!("[{set}]")
                    }
                };
                match n {
                    b'd' | b'D' => out.push_str(&class(n == b'D', "0-9")),
                    b'w' | b'W' => out.push_str(&class(n == b'W', "a-zA-Z_0-9")),
                    b's' | b'S' => out.push_str(&class(n == b'S', "\\t\\n ")),
                    b'x' => {
                        let hex = source
                            .get(i + 2..i + 4)
                            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                        let Some(hex) = hex else {
                            return Err(err(
                                i,
                                2,
                                "`\\x` must be followed by two hex digits".into(),
                            ));
                        };
                        out.push_str("\\x");
                        out.push_str(hex);
                        i += 2;
                    }
                    _ if OPERATORS.contains(&n) || SYMBOLS.contains(&n) => {
                        if n.is_ascii_punctuation() {
                            out.push('\\');
                        }
                        out.push(n as char);
                    }
                    _ => {
                        let ch = source[i + 1..].chars().next().unwrap_or('?');
                        return Err(err(
                            i,
                            1 + ch.len_utf8(),
                            format!("escape `\\{ch}` is not allowed in an AWS regex"),
                        ));
                    }
                }
                i += 2;
                class_prev_dash = false;
                continue;
            }
            b'(' | b')' => {
                return Err(err(i, 1, format!("`{}` is not allowed: AWS regexes have no groups (use \\x28 / \\x29 for a literal parenthesis)", c as char)));
            }
            _ if c.is_ascii_alphanumeric() => out.push(c as char),
            _ if in_class => match c {
                b']' => {
                    in_class = false;
                    out.push(']');
                }
                // Characters the regex crate gives meaning inside a class are escaped.
                b'[' | b'&' | b'~' => {
                    out.push('\\');
                    out.push(c as char);
                }
                b'-' => {
                    if class_prev_dash {
                        out.push('\\');
                    }
                    out.push('-');
                    dash = true;
                }
                _ if SYMBOLS.contains(&c) || OPERATORS.contains(&c) => {
                    if c == b' ' {
                        out.push(' ');
                    } else {
                        out.push('\\');
                        out.push(c as char);
                    }
                }
                _ => return Err(not_allowed(c, i, offset, pattern)),
            },
            b'[' => {
                in_class = true;
                out.push('[');
                if bytes.get(i + 1) == Some(&b'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` right after `[` or `[^` is a literal, as in POSIX.
                if bytes.get(i + 1) == Some(&b']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            b'{' => {
                // `{m}`, `{m,}`, `{,n}`, `{m,n}`.
                let close = source[i..].find('}').map(|j| i + j);
                let body = close.map(|j| &source[i + 1..j]);
                let valid = body.is_some_and(|b| {
                    let mut parts = b.splitn(2, ',');
                    let m = parts.next().unwrap_or("");
                    let n = parts.next();
                    m.bytes().all(|x| x.is_ascii_digit())
                        && n.is_none_or(|n| n.bytes().all(|x| x.is_ascii_digit()))
                        && !(m.is_empty() && n.is_none_or(str::is_empty))
                });
                match (close, body) {
                    (Some(j), Some(b)) if valid => {
                        out.push('{');
                        if b.starts_with(',') {
                            out.push('0');
                        }
                        out.push_str(b);
                        out.push('}');
                        i = j + 1;
                        continue;
                    }
                    _ => return Err(err(i, 1, "`{` must start a repetition `{m}`, `{m,}`, `{,n}` or `{m,n}` (write `\\{` for a literal brace)".into())),
                }
            }
            b'}' => {
                return Err(err(
                    i,
                    1,
                    "unmatched `}` (write `\\}` for a literal brace)".into(),
                ))
            }
            b']' => out.push_str("\\]"),
            b'^' | b'$' | b'?' | b'|' | b'*' | b'+' | b'.' => out.push(c as char),
            _ if SYMBOLS.contains(&c) => {
                if c == b' ' || c == b'#' {
                    // Escaped so that no flag can turn them into comment/whitespace syntax.
                    out.push('\\');
                }
                out.push(c as char);
            }
            _ => return Err(not_allowed(c, i, offset, pattern)),
        }
        class_prev_dash = dash;
        i += 1;
    }
    if in_class {
        return Err(err(
            source.len().saturating_sub(1),
            1,
            "unclosed character class `[`".into(),
        ));
    }
    Ok(out)
}

fn not_allowed(c: u8, i: usize, offset: usize, pattern: &str) -> Error {
    Error::new(
        ErrorKind::InvalidRegex,
        Span::new(offset + i, offset + i + 1),
        pattern,
        format!(
            "regex character `{}` is not allowed (AWS allows letters, digits, `: _ # = @ / ; , -`, space, the operators `^ $ ? [ ] {{ }} | \\ * + .` and \\xhh)",
            c as char
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Result<String, ErrorKind> {
        translate(s, 0, s).map_err(|e| e.kind)
    }

    #[test]
    fn translates_classes_and_bounds() {
        assert_eq!(t(r"\d{,3}").unwrap(), "(?s)[0-9]{0,3}");
        assert_eq!(t(r"[\w-]").unwrap(), "(?s)[a-zA-Z_0-9-]");
        assert_eq!(t(r"a\x28").unwrap(), "(?s)a\\x28");
    }

    #[test]
    fn every_allowed_symbol_compiles_plain_escaped_and_in_a_class() {
        for c in ":_#=@/;,- ".chars() {
            for src in [format!("a{c}b"), format!("a\\{c}b"), format!("[{c}x]")] {
                let re = compile(&src, 0, &src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
                let hay = format!("a{c}b");
                assert!(re.compiled.is_match(&hay), "{src:?} on {hay:?}");
            }
        }
        for c in "^$?[]{}|\\*+.".chars() {
            let src = format!("\\{c}");
            let re = compile(&src, 0, &src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
            assert!(re.compiled.is_match(&c.to_string()), "{src:?}");
        }
    }

    #[test]
    fn rejects_outside_subset() {
        assert_eq!(t("a(b)"), Err(ErrorKind::InvalidRegex));
        assert_eq!(t("a!"), Err(ErrorKind::InvalidRegex));
        assert_eq!(t("é"), Err(ErrorKind::InvalidRegex));
        assert_eq!(t(r"\q"), Err(ErrorKind::InvalidRegex));
        assert_eq!(t("[abc"), Err(ErrorKind::InvalidRegex));
    }
}
