//! The token lane: any JSON, every structural position through a state machine.
//!
//! Tokens are the brackets, colons and commas outside strings, every unescaped quote (opening
//! and closing), and the first byte of each scalar. Inside a string nothing is a token, so after an
//! opening quote the next token is its closing quote.

use super::{blocks, scalar, Brackets, FastHead, HeadReader, Masks, Strings};
use crate::source::head::Context;

/// What the grammar expects at the next token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The record's opening `{`.
    Start,
    /// After `{`: a key or `}`.
    KeyOrClose,
    /// After `,` in an object.
    Key,
    /// The closing quote of a key.
    KeyEnd,
    Colon,
    /// After `:`, or `,` in an array.
    Value,
    /// After `[`: a value or `]`.
    ValueOrClose,
    /// The closing quote of a string value.
    StringEnd,
    /// After a value: `,` or the closing bracket of the innermost container.
    Next,
    /// The record is closed; only blanks may follow.
    Done,
}

#[inline(always)]
pub(super) fn walk(
    bytes: &[u8],
    context: Context,
    prefix: bool,
    classify: impl Fn(&[u8; 64]) -> Masks,
) -> Option<(FastHead<'_>, usize)> {
    let mut w = Walker {
        bytes,
        prefix,
        end: 0,
        expect: Expect::Start,
        brackets: Brackets::default(),
        scalar: 0,
        strings: Strings::default(),
        string_start: 0,
        head: HeadReader::new(context),
    };
    let done = blocks(bytes, classify, |base, m, _| Ok::<_, ()>(w.block(base, m)));
    done.ok()??;
    w.finish()
}

struct Walker<'a> {
    bytes: &'a [u8],
    /// Stop at the end of the first value ([`super::read_prefix`]).
    prefix: bool,
    /// Just past the value's closing brace, once it has closed.
    end: usize,
    expect: Expect,
    brackets: Brackets,
    /// The last byte of the last block was part of a scalar.
    scalar: u64,
    strings: Strings,
    /// Where the current string's content starts.
    string_start: usize,
    head: HeadReader<'a>,
}

impl<'a> Walker<'a> {
    /// Processes the block at `base`; `None` as soon as something is not vouched for, `true` when
    /// a prefix read has seen its value's end.
    #[inline]
    fn block(&mut self, base: usize, m: Masks) -> Option<bool> {
        let (quotes, inside) = self.strings.block(self.bytes, base, &m)?;
        let other = !(m.op | m.blank | m.quote | inside);
        let scalar_starts = other & !((other << 1) | self.scalar);
        self.scalar = other >> 63;
        let mut tokens = (m.op & !inside) | quotes | scalar_starts;
        while tokens != 0 {
            let pos = base + tokens.trailing_zeros() as usize;
            tokens &= tokens - 1;
            self.token(pos)?;
            if self.expect == Expect::Done {
                self.end = pos + 1;
                if self.prefix {
                    return Some(true);
                }
            }
        }
        Some(false)
    }

    #[inline]
    fn token(&mut self, pos: usize) -> Option<()> {
        let b = *self.bytes.get(pos)?;
        match (self.expect, b) {
            (Expect::KeyEnd, b'"') => {
                self.expect = Expect::Colon;
                if self.brackets.depth == 1 {
                    self.head
                        .key(&self.strings, self.bytes, self.string_start, pos)?;
                }
            }
            (Expect::StringEnd, b'"') => {
                self.expect = Expect::Next;
                self.head
                    .string(&self.strings, self.bytes, self.string_start, pos)?;
            }
            (Expect::Colon, b':') => self.expect = Expect::Value,
            (Expect::KeyOrClose | Expect::Key, b'"') => {
                self.string_start = pos + 1;
                self.expect = Expect::KeyEnd;
            }
            (Expect::Next, b',') => {
                self.expect = if self.in_array() {
                    Expect::Value
                } else {
                    Expect::Key
                };
            }
            (Expect::Next | Expect::ValueOrClose, b']') if self.in_array() => self.close(),
            (Expect::Next | Expect::KeyOrClose, b'}')
                if self.brackets.depth > 0 && !self.in_array() =>
            {
                self.close()
            }
            (Expect::Start, b'{') => self.open(false)?,
            (Expect::Value | Expect::ValueOrClose, _) => self.value(pos, b)?,
            _ => return None,
        }
        Some(())
    }

    fn in_array(&self) -> bool {
        self.brackets.in_array()
    }

    fn open(&mut self, array: bool) -> Option<()> {
        self.brackets.open(array)?;
        self.expect = if array {
            Expect::ValueOrClose
        } else {
            Expect::KeyOrClose
        };
        Some(())
    }

    fn close(&mut self) {
        self.expect = if self.brackets.close() {
            Expect::Done
        } else {
            Expect::Next
        };
    }

    /// A value starts at `pos` (first byte `b`).
    fn value(&mut self, pos: usize, b: u8) -> Option<()> {
        match b {
            b'"' => {
                self.string_start = pos + 1;
                self.expect = Expect::StringEnd;
                return Some(());
            }
            // A head field must be a string or null; anything else is serde's to judge.
            b'{' | b'[' if self.head.field.is_none() => return self.open(b == b'['),
            b'{' | b'[' => return None,
            _ => {}
        }
        let len = scalar_len(self.bytes.get(pos..)?);
        if !scalar(self.bytes, pos, pos + len) {
            return None;
        }
        if self.head.field.take().is_some() && self.bytes.get(pos..pos + len) != Some(b"null") {
            return None;
        }
        self.expect = Expect::Next;
        Some(())
    }

    fn finish(self) -> Option<(FastHead<'a>, usize)> {
        if self.expect != Expect::Done {
            return None;
        }
        // Past the value (in a prefix read, the rest of the block is not the value's).
        if !self.prefix && (self.strings.in_string != 0 || self.strings.escape) {
            return None;
        }
        if !self.strings.utf8(self.bytes, self.end) {
            return None;
        }
        Some((self.head.finish()?, self.end))
    }
}

/// The length of the scalar that starts `s`: up to the next delimiter (or the end).
fn scalar_len(s: &[u8]) -> usize {
    s.iter()
        .position(|&b| super::delimiter(b))
        .unwrap_or(s.len())
}
