//! The compact lane: JSON with no blank outside strings, as CloudTrail writes it.
//!
//! Call the brackets, colons and commas outside strings *operators*. Three bit tests per block
//! rule out two atoms side by side — a closing quote followed by an opening quote or a scalar
//! byte, a scalar byte followed by an opening quote — and a blank outside a string sends the
//! record to the [token lane](super::tokens). So between two consecutive operators there is
//! nothing, exactly one string, or exactly one scalar, and the gap's first byte says which.
//! The state machine then runs once per operator, with that *gap* as input: `"key":"value",` is
//! two steps.

use super::{blocks, scalar, Brackets, FastHead, HeadReader, Masks, Strings};
use crate::source::head::Context;

/// A blank outside a string: take the token lane.
#[derive(Debug)]
pub struct NotCompact;

/// What stands between two operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gap {
    Empty,
    String,
    Scalar,
}

/// What the grammar expects at the next operator (with the gap before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The record's opening `{`, at byte 0.
    Start,
    /// After `{`: a key and `:`, or `}`.
    KeyOrClose,
    /// After `,` in an object: a key and `:`.
    Key,
    /// After `:`: an atom and `,` or `}`, or a `{` or `[`.
    Value,
    /// After `[`: as [`State::Element`], or `]`.
    ElementOrClose,
    /// After `,` in an array: an atom and `,` or `]`, or a `{` or `[`.
    Element,
    /// After a nested `}` or `]`: `,` or the innermost container's closing bracket.
    Next,
    /// The record is closed.
    Done,
}

#[inline(always)]
pub(super) fn walk(
    bytes: &[u8],
    context: Context,
    prefix: bool,
    classify: impl Fn(&[u8; 64]) -> Masks,
) -> Result<Option<(FastHead<'_>, usize)>, NotCompact> {
    let mut w = Walker::new(bytes, HeadReader::new(context));
    w.prefix = prefix;
    if blocks(bytes, classify, |base, m, valid| w.block(base, m, valid))?.is_none() {
        return Ok(None);
    }
    Ok(w.finish())
}

/// [`super::read_records`]: `bytes` starts at the `[` of a `Records` array.
#[inline(always)]
pub(super) fn records<'a>(
    bytes: &'a [u8],
    limit: usize,
    each: &mut dyn FnMut(u64, &'a [u8], FastHead<'a>),
    classify: impl Fn(&[u8; 64]) -> Masks,
) -> Result<Option<usize>, NotCompact> {
    let mut w = Walker::new(bytes, HeadReader::new(Context::Element));
    // The array's end ends the walk; its elements are the records, one level down.
    w.prefix = true;
    w.record_depth = 2;
    w.records = Some(Sink {
        each,
        limit,
        index: 0,
    });
    if blocks(bytes, classify, |base, m, valid| w.block(base, m, valid))?.is_none() {
        return Ok(None);
    }
    if w.state != State::Done || !w.strings.utf8(bytes, w.end) {
        return Ok(None);
    }
    Ok(Some(w.end))
}

/// Where the records of a `Records` array go.
struct Sink<'a, 'e> {
    each: &'e mut dyn FnMut(u64, &'a [u8], FastHead<'a>),
    limit: usize,
    index: u64,
}

struct Walker<'a, 'e> {
    bytes: &'a [u8],
    /// Stop at the end of the first value ([`super::read_prefix`]).
    prefix: bool,
    /// Just past the value's closing brace, once it has closed.
    end: usize,
    state: State,
    brackets: Brackets,
    /// Bit 0: the last block ended with a closing quote / a scalar byte.
    after_close_quote: u64,
    after_scalar: u64,
    strings: Strings,
    /// The position of the last operator (`usize::MAX` before the first: the first must be at
    /// byte 0).
    last_op: usize,
    head: HeadReader<'a>,
    /// The depth of a record's own members: 1, or 2 in a `Records` array.
    record_depth: u32,
    /// In a `Records` array: where the current record starts, and who is told of each.
    record_start: usize,
    records: Option<Sink<'a, 'e>>,
}

impl<'a, 'e> Walker<'a, 'e> {
    fn new(bytes: &'a [u8], head: HeadReader<'a>) -> Walker<'a, 'e> {
        Walker {
            bytes,
            prefix: false,
            end: 0,
            state: State::Start,
            brackets: Brackets::default(),
            after_close_quote: 0,
            after_scalar: 0,
            strings: Strings::default(),
            last_op: usize::MAX,
            head,
            record_depth: 1,
            record_start: 0,
            records: None,
        }
    }

    /// Processes the block at `base`: `Ok(None)` as soon as something is not vouched for,
    /// `Ok(Some(true))` when a prefix read has seen its value's end.
    #[inline]
    fn block(&mut self, base: usize, m: Masks, valid: u64) -> Result<Option<bool>, NotCompact> {
        let Some((quotes, inside)) = self.strings.block(self.bytes, base, &m) else {
            return Ok(None);
        };
        if m.blank & !inside & valid != 0 {
            return Err(NotCompact);
        }
        let open_quotes = quotes & inside;
        let close_quotes = quotes & !inside;
        let scalars = !(m.op | m.blank | m.quote | inside);
        let after_close_quote = (close_quotes << 1) | self.after_close_quote;
        let after_scalar = (scalars << 1) | self.after_scalar;
        self.after_close_quote = close_quotes >> 63;
        self.after_scalar = scalars >> 63;
        if after_close_quote & (open_quotes | scalars) != 0 || after_scalar & open_quotes != 0 {
            return Ok(None); // two atoms side by side: not JSON
        }
        let mut ops = m.op & !inside;
        while ops != 0 {
            let pos = base + ops.trailing_zeros() as usize;
            ops &= ops - 1;
            if self.op(pos).is_none() {
                return Ok(None);
            }
            if self.state == State::Done {
                self.end = pos + 1;
                if self.prefix {
                    return Ok(Some(true));
                }
            }
        }
        Ok(Some(false))
    }

    /// One operator. The checks are ordered by the operator byte first: `:` and `,` alternate
    /// in a steady rhythm that the branch predictor learns, where a dispatch on the state did not.
    #[inline]
    fn op(&mut self, pos: usize) -> Option<()> {
        let b = *self.bytes.get(pos)?;
        // The gap before this operator is bytes[from..pos]: nothing, one string or one scalar (a
        // blank there was caught by its block, which came first).
        let from = self.last_op.wrapping_add(1);
        self.last_op = pos;
        let gap = if from == pos {
            Gap::Empty
        } else if *self.bytes.get(from)? == b'"' {
            Gap::String
        } else {
            Gap::Scalar
        };
        match b {
            b':' => {
                if gap != Gap::String || !matches!(self.state, State::Key | State::KeyOrClose) {
                    return None;
                }
                if self.brackets.depth == self.record_depth {
                    self.head
                        .key(&self.strings, self.bytes, from + 1, pos - 1)?;
                }
                self.state = State::Value;
            }
            b',' => match (self.state, gap) {
                (State::Value, Gap::String | Gap::Scalar) => {
                    self.atom(gap, from, pos)?;
                    self.state = State::Key;
                }
                (State::Element | State::ElementOrClose, Gap::String | Gap::Scalar) => {
                    self.atom(gap, from, pos)?;
                    self.state = State::Element;
                }
                (State::Next, Gap::Empty) => {
                    self.state = if self.in_array() {
                        State::Element
                    } else {
                        State::Key
                    };
                }
                _ => return None,
            },
            b'}' => {
                match (self.state, gap) {
                    (State::Value, Gap::String | Gap::Scalar) => self.atom(gap, from, pos)?,
                    (State::KeyOrClose, Gap::Empty) => {}
                    (State::Next, Gap::Empty) if !self.in_array() => {}
                    _ => return None,
                }
                self.close(pos)?;
            }
            b']' => {
                match (self.state, gap) {
                    (State::Element | State::ElementOrClose, Gap::String | Gap::Scalar) => {
                        self.atom(gap, from, pos)?
                    }
                    (State::ElementOrClose, Gap::Empty) => {}
                    (State::Next, Gap::Empty) if self.in_array() => {}
                    _ => return None,
                }
                self.close(pos)?;
            }
            b'{' | b'[' => match (self.state, gap) {
                (State::Value | State::Element | State::ElementOrClose, Gap::Empty) => {
                    if self.head.field.is_some() {
                        return None; // a head field must be a string or null: serde decides
                    }
                    self.open(pos, b == b'[')?;
                }
                // A record opens with `{`; a `Records` array with `[`.
                (State::Start, Gap::Empty) if (b == b'[') == self.records.is_some() => {
                    self.open(pos, b == b'[')?
                }
                _ => return None,
            },
            _ => return None,
        }
        Some(())
    }

    /// The atom `bytes[from..to]`: a whole string (quotes included) or a whole scalar. Most
    /// are strings nobody reads, with nothing to check: that case stays inline.
    #[inline(always)]
    fn atom(&mut self, gap: Gap, from: usize, to: usize) -> Option<()> {
        if gap == Gap::String
            && self.head.field.is_none()
            && self.brackets.depth >= self.record_depth
        {
            return Some(());
        }
        self.checked_atom(gap, from, to)
    }

    #[inline(never)]
    fn checked_atom(&mut self, gap: Gap, from: usize, to: usize) -> Option<()> {
        if self.brackets.depth < self.record_depth {
            return None; // an element of a Records array that is not an object
        }
        if gap == Gap::String {
            return self
                .head
                .string(&self.strings, self.bytes, from + 1, to - 1);
        }
        if !scalar(self.bytes, from, to) {
            return None;
        }
        if self.head.field.take().is_some() && self.bytes.get(from..to) != Some(b"null") {
            return None;
        }
        Some(())
    }

    fn in_array(&self) -> bool {
        self.brackets.in_array()
    }

    fn open(&mut self, pos: usize, array: bool) -> Option<()> {
        if self.records.is_some() && self.brackets.depth + 1 == self.record_depth {
            if array {
                return None; // an element of a Records array that is not an object
            }
            self.record_start = pos;
        }
        self.brackets.open(array)?;
        self.state = if array {
            State::ElementOrClose
        } else {
            State::KeyOrClose
        };
        Some(())
    }

    /// The innermost container closes at `pos`; in a `Records` array, that may end a record.
    fn close(&mut self, pos: usize) -> Option<()> {
        if self.brackets.depth == self.record_depth {
            if let Some(sink) = &mut self.records {
                let bytes = self.bytes.get(self.record_start..=pos)?;
                if bytes.len() > sink.limit {
                    return None;
                }
                let head = std::mem::replace(&mut self.head, HeadReader::new(Context::Element));
                (sink.each)(sink.index, bytes, head.finish()?);
                sink.index += 1;
            }
        }
        self.state = if self.brackets.close() {
            State::Done
        } else {
            State::Next
        };
        Some(())
    }

    fn finish(self) -> Option<(FastHead<'a>, usize)> {
        // Compact: nothing at all may follow a whole record.
        if self.state != State::Done || (!self.prefix && self.end != self.bytes.len()) {
            return None;
        }
        if !self.strings.utf8(self.bytes, self.end) {
            return None;
        }
        Some((self.head.finish()?, self.end))
    }
}
