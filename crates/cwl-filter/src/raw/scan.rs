//! A validating JSON scanner over borrowed bytes, for the fast paths.
//!
//! It recognises a *simple subset* of JSON and answers [`Surprise`] for everything else: invalid
//! JSON, but also valid JSON it chooses not to handle (surrogate `\u` escapes, numbers it cannot
//! vouch for, nesting deeper than [`MAX_DEPTH`]). The callers then ask `serde_json`, so the subset
//! only has to be *sound*: whatever this scanner accepts, `serde_json::from_str` accepts too, and
//! every value it reports is the value `serde_json` would build. It never builds a tree.
//!
//! Input is a `&str`, so UTF-8 is already valid; outside strings any non-ASCII byte is a surprise.

use std::borrow::Cow;

use crate::event::FieldValue;

/// Deeper nesting than this is left to `serde_json`, whose own limit is 127 levels.
pub(crate) const MAX_DEPTH: u32 = 100;

/// "Not in the simple subset": the caller falls back to `serde_json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Surprise;

pub(crate) type Scan<T> = Result<T, Surprise>;

/// A scalar or container found in the record, by byte offsets, so that it can be kept without
/// borrowing (scratch buffers are reused across records) and turned into a [`FieldValue`] later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawVal {
    Null,
    Bool(bool),
    /// The number's text; `plain` when that text is already `serde_json`'s own rendering.
    Number {
        start: u32,
        end: u32,
        plain: bool,
    },
    /// The string's content between the quotes; `escaped` when it holds a backslash.
    String {
        start: u32,
        end: u32,
        escaped: bool,
    },
    Object,
    Array,
}

impl RawVal {
    /// The value as the `serde_json::Value` path would report it. `None` only if the offsets do not
    /// belong to `src` (a caller bug), which the callers treat as "no value".
    pub(crate) fn field_value(self, src: &str) -> Option<FieldValue<'_>> {
        Some(match self {
            RawVal::Null => FieldValue::Null,
            RawVal::Bool(b) => FieldValue::Bool(b),
            RawVal::Object => FieldValue::Object,
            RawVal::Array => FieldValue::Array,
            RawVal::Number { start, end, plain } => {
                let text = src.get(start as usize..end as usize)?;
                if plain {
                    FieldValue::Number(Cow::Borrowed(text))
                } else {
                    // Floats, `-0`, huge integers: serde_json renders its parsed f64/i64/u64, not
                    // the source text, so ask it for exactly that rendering.
                    let v: serde_json::Value = serde_json::from_str(text).ok()?;
                    match crate::event::field_value(&v) {
                        FieldValue::Number(n) => FieldValue::Number(Cow::Owned(n.into_owned())),
                        _ => return None,
                    }
                }
            }
            RawVal::String {
                start,
                end,
                escaped,
            } => {
                if escaped {
                    // Rare: let serde_json unescape the quoted text, so the result is its own.
                    let quoted = src.get(start as usize - 1..end as usize + 1)?;
                    FieldValue::String(Cow::Owned(serde_json::from_str::<String>(quoted).ok()?))
                } else {
                    FieldValue::String(Cow::Borrowed(src.get(start as usize..end as usize)?))
                }
            }
        })
    }
}

/// A cursor over one record.
pub(crate) struct Scanner<'a> {
    pub(crate) src: &'a str,
    pub(crate) b: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Scanner<'a> {
    /// Fails on records of 4 GiB or more (offsets are kept as `u32`).
    pub(crate) fn new(src: &'a str) -> Scan<Scanner<'a>> {
        if src.len() >= u32::MAX as usize {
            return Err(Surprise);
        }
        Ok(Scanner {
            src,
            b: src.as_bytes(),
            pos: 0,
        })
    }

    #[inline]
    pub(crate) fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn eat(&mut self, c: u8) -> Scan<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Surprise)
        }
    }

    /// At `"`: consumes the string. Returns the content's range and whether it holds escapes.
    /// Control characters, unknown escapes and surrogate `\u` escapes are surprises.
    pub(crate) fn string(&mut self) -> Scan<(u32, u32, bool)> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            // memchr2 finds the end (or an escape) fast; the segment before it is checked for raw
            // control characters, which JSON forbids inside strings.
            let rest = &self.b[self.pos..];
            let Some(off) = memchr::memchr2(b'"', b'\\', rest) else {
                return Err(Surprise);
            };
            if rest[..off].iter().fold(false, |acc, &c| acc | (c < 0x20)) {
                return Err(Surprise);
            }
            self.pos += off;
            if self.b[self.pos] == b'"' {
                let end = self.pos;
                self.pos += 1;
                return Ok((start as u32, end as u32, escaped));
            }
            escaped = true;
            match self.b.get(self.pos + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 2,
                Some(b'u') => {
                    let hex = self.b.get(self.pos + 2..self.pos + 6).ok_or(Surprise)?;
                    let mut cp = 0u32;
                    for &h in hex {
                        cp = cp * 16 + (h as char).to_digit(16).ok_or(Surprise)?;
                    }
                    if (0xD800..=0xDFFF).contains(&cp) {
                        return Err(Surprise);
                    }
                    self.pos += 6;
                }
                _ => return Err(Surprise),
            }
        }
    }

    /// At `-` or a digit: consumes a number in JSON's grammar. `plain` when it is an integer whose
    /// text `serde_json` renders unchanged (`0`, up to 19 digits, or `-` and up to 18 digits);
    /// any other number is checked by `serde_json` itself (it rejects out-of-range ones like `1e400`).
    pub(crate) fn number(&mut self) -> Scan<RawVal> {
        let start = self.pos;
        let neg = self.peek() == Some(b'-');
        if neg {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Surprise),
        }
        let int_len = self.pos - int_start;
        let mut plain = if neg {
            int_len <= 18 && self.b[int_start] != b'0'
        } else {
            int_len <= 19
        };
        if self.peek() == Some(b'.') {
            self.pos += 1;
            plain = false;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            plain = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.some_digits()?;
        }
        let end = self.pos;
        if !plain && serde_json::from_str::<serde_json::Number>(&self.src[start..end]).is_err() {
            return Err(Surprise);
        }
        Ok(RawVal::Number {
            start: start as u32,
            end: end as u32,
            plain,
        })
    }

    #[inline]
    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    fn some_digits(&mut self) -> Scan<()> {
        let at = self.pos;
        self.digits();
        if self.pos == at {
            Err(Surprise)
        } else {
            Ok(())
        }
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Surprise)
        }
    }

    /// Consumes one scalar, or only the opening bracket of a container, and says what it was.
    /// The caller continues a container with [`Scanner::members`] or [`Scanner::elements`].
    pub(crate) fn value_head(&mut self) -> Scan<RawVal> {
        match self.peek().ok_or(Surprise)? {
            b'"' => {
                let (start, end, escaped) = self.string()?;
                Ok(RawVal::String {
                    start,
                    end,
                    escaped,
                })
            }
            b'{' => Ok(RawVal::Object),
            b'[' => Ok(RawVal::Array),
            b't' => self.literal(b"true").map(|_| RawVal::Bool(true)),
            b'f' => self.literal(b"false").map(|_| RawVal::Bool(false)),
            b'n' => self.literal(b"null").map(|_| RawVal::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Surprise),
        }
    }

    /// Consumes one whole value, validating it.
    pub(crate) fn skip_value(&mut self, depth: u32) -> Scan<()> {
        match self.value_head()? {
            RawVal::Object => self.members(depth, |s, _, _, _| s.skip_value(depth + 1)),
            RawVal::Array => self.elements(depth, |s, _| s.skip_value(depth + 1)),
            _ => Ok(()),
        }
    }

    /// At `{`: walks the members, calling `on_member(scanner, key_start, key_end, key_escaped)`
    /// with the scanner at each member's value, which the callback must consume.
    pub(crate) fn members(
        &mut self,
        depth: u32,
        mut on_member: impl FnMut(&mut Self, u32, u32, bool) -> Scan<()>,
    ) -> Scan<()> {
        if depth >= MAX_DEPTH {
            return Err(Surprise);
        }
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let (ks, ke, kesc) = self.string()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            on_member(self, ks, ke, kesc)?;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Surprise),
            }
        }
    }

    /// At `[`: walks the elements, calling `on_element(scanner, index)` at each, which must
    /// consume it.
    pub(crate) fn elements(
        &mut self,
        depth: u32,
        mut on_element: impl FnMut(&mut Self, usize) -> Scan<()>,
    ) -> Scan<()> {
        if depth >= MAX_DEPTH {
            return Err(Surprise);
        }
        self.eat(b'[')?;
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut i = 0;
        loop {
            on_element(self, i)?;
            i += 1;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Surprise),
            }
        }
    }

    /// The bytes of a key (raw, i.e. only meaningful when it has no escapes).
    pub(crate) fn bytes(&self, start: u32, end: u32) -> &'a [u8] {
        &self.b[start as usize..end as usize]
    }
}
