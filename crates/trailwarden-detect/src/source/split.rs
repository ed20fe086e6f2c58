//! Splitting a byte stream into JSON values *without* parsing them.
//!
//! A CloudTrail object holds all its records in one document, `{"Records":[...]}`, and busy accounts
//! write objects of many megabytes. Parsing the document whole would hold every record in memory at
//! once, so the [`Splitter`] walks the bytes with a small structural scanner (strings, escapes,
//! brackets) and hands out **one record at a time** as raw bytes, each bounded by a size limit. The
//! caller parses each piece with `serde_json` (the reference path; a faster raw event may replace
//! that step later without touching this module).
//!
//! What it recognises at the top level of a stream:
//! * `{"Records": [ ... ], ...}` — the elements of `Records` come out one by one as
//!   [`Piece::Element`]; the rest of the object is read and dropped.
//! * `[ ... ]` — a bare array of records (the upstream Stratus Red Team sample shape), the same way.
//! * any other value — one [`Piece::Value`]; several values may follow each other (NDJSON, or
//!   concatenated JSON).
//!
//! Recovery. In [`Layout::Lines`] (NDJSON) a value may not span lines, so after a syntax error the
//! scanner skips to the next line and goes on. In [`Layout::Document`] a syntax error ends the
//! stream (the structure is lost). [`Layout::Auto`] starts as a document and switches to lines when
//! the first value is a one-line value followed by a newline. A value over the size limit is
//! scanned to its end without being stored and reported; the stream goes on.

use std::io::{self, BufRead};

/// How the values of a stream are laid out; decides how a syntax error is recovered from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One JSON document (or several), values may span lines. A syntax error ends the stream.
    Document,
    /// NDJSON: one value per line. A syntax error skips that line.
    Lines,
    /// Decide from the first value (see the module docs).
    Auto,
}

/// A raw piece of JSON and where it started.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// A top-level value that is not a `Records` container.
    Value { bytes: Vec<u8>, line: u64 },
    /// A whole line of a [`Layout::Lines`] stream that *may* be one value: it starts with `{`
    /// and cannot be a `Records` container. Not checked yet: the caller validates it and, if it
    /// is not plainly one record, splits it again with [`split_line`] for the exact pieces and
    /// error messages.
    Line { bytes: Vec<u8>, line: u64 },
    /// Element `index` (0-based) of a `Records` array (or of a bare top-level array).
    Element {
        bytes: Vec<u8>,
        line: u64,
        index: u64,
    },
}

/// Why a piece could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// Reading failed (for a `.gz`: truncated or corrupt compressed data). Ends the stream.
    #[error("line {line}: read error: {source}")]
    Io { line: u64, source: io::Error },
    /// The bytes are not well-formed JSON.
    #[error("line {line}: {message}")]
    Syntax { line: u64, message: String },
    /// A value larger than the limit; it was skipped.
    #[error("line {line}{}: value of more than {limit} bytes skipped", index.map(|i| format!(" (record {i})")).unwrap_or_default())]
    TooLarge {
        line: u64,
        index: Option<u64>,
        limit: usize,
    },
}

impl SplitError {
    /// The line the problem was seen on (1-based).
    pub fn line(&self) -> u64 {
        match self {
            SplitError::Io { line, .. }
            | SplitError::Syntax { line, .. }
            | SplitError::TooLarge { line, .. } => *line,
        }
    }
}

/// Where the scanner is between pieces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between top-level values.
    Top,
    /// Inside a `Records` array (or bare array); `next` is the index of the next element.
    /// `in_object` says whether the array sits inside `{...}` whose remainder must be skipped.
    Array { next: u64, in_object: bool },
    /// The stream ended (EOF or unrecoverable error).
    Done,
}

/// Pulls [`Piece`]s out of a buffered byte stream. See the module docs.
pub struct Splitter<R> {
    reader: R,
    limit: usize,
    layout: Layout,
    line: u64,
    state: State,
    started: bool,
    /// The size of the last record captured: the next one is usually about as big, so its buffer
    /// starts there instead of growing by doubling (about ten reallocations for a 1.5 KB record).
    hint: usize,
    /// Whether [`Piece::Line`]s may be handed out (not when splitting one again).
    fast_lines: bool,
}

/// A value being captured: its bytes, unless it outgrew the limit.
struct Capture {
    bytes: Vec<u8>,
    limit: usize,
    overflow: bool,
}

impl Capture {
    fn new(limit: usize) -> Capture {
        Capture {
            bytes: Vec::new(),
            limit,
            overflow: false,
        }
    }

    /// A capture whose buffer starts with room for `hint` bytes and a quarter more (capped by
    /// the limit, so an oversized neighbour does not make every buffer huge).
    fn with_hint(limit: usize, hint: usize) -> Capture {
        Capture {
            bytes: Vec::with_capacity((hint + hint / 4).min(limit)),
            limit,
            overflow: false,
        }
    }
    fn extend(&mut self, bytes: &[u8]) {
        if self.overflow {
            return;
        }
        if self.bytes.len() + bytes.len() > self.limit {
            self.overflow = true;
            self.bytes = Vec::new();
        } else {
            self.bytes.extend_from_slice(bytes);
        }
    }

    fn push(&mut self, b: u8) {
        if self.overflow {
            return;
        }
        if self.bytes.len() >= self.limit {
            self.overflow = true;
            // Release the memory now: the value is going to be skipped.
            self.bytes = Vec::new();
        } else {
            self.bytes.push(b);
        }
    }
}

type Res<T> = Result<T, SplitError>;

impl<R: BufRead> Splitter<R> {
    /// `limit` bounds the bytes of any one piece (a record); larger ones are skipped and reported.
    pub fn new(reader: R, layout: Layout, limit: usize) -> Splitter<R> {
        Splitter {
            reader,
            limit,
            layout,
            line: 1,
            state: State::Top,
            started: false,
            hint: 0,
            fast_lines: true,
        }
    }

    /// Makes this a continuation: the stream is the part of an input that starts at line `line`
    /// (a slice cut at a newline). Line numbers carry on, and past line 1 no byte-order mark is
    /// accepted: one may only start the input.
    pub fn continue_at(&mut self, line: u64) {
        self.line = line;
        self.started = line > 1;
    }

    /// Notes a finished record's size for the next buffer. A buffer that got far more room than
    /// it used (a small record after a big one) is shrunk: records wait in batches, and without
    /// this they could hold many times their size, where plain doubling holds at most twice.
    fn captured(&mut self, cap: &mut Capture) {
        let len = cap.bytes.len();
        self.hint = len;
        if cap.bytes.capacity() > 2 * len {
            cap.bytes.shrink_to_fit();
        }
    }

    /// The line the scanner is on (1-based).
    pub fn line(&self) -> u64 {
        self.line
    }

    fn syntax(&self, message: impl Into<String>) -> SplitError {
        SplitError::Syntax {
            line: self.line,
            message: message.into(),
        }
    }

    /// The buffered bytes, reading more when none are left; empty at the end of the input.
    fn fill(&mut self) -> Res<&[u8]> {
        let line = self.line;
        loop {
            match self.reader.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(SplitError::Io { line, source }),
            }
        }
        // Filled: this call hands out the same bytes without reading (returning the first call's
        // borrow from inside the loop is what the borrow checker cannot follow).
        self.reader
            .fill_buf()
            .map_err(|source| SplitError::Io { line, source })
    }

    fn peek(&mut self) -> Res<Option<u8>> {
        Ok(self.fill()?.first().copied())
    }

    fn bump(&mut self) -> Res<Option<u8>> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.reader.consume(1);
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }

    /// Skips blanks (and, in a `Lines` layout too, newlines: they separate values).
    fn skip_ws(&mut self) -> Res<()> {
        while let Some(b) = self.peek()? {
            if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                self.bump()?;
            } else {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Skips blanks inside a value. In a `Lines` layout a value may not span lines, so a newline
    /// here is a syntax error (it is left unread, so recovery resumes on the next line).
    fn skip_blank(&mut self) -> Res<()> {
        while let Some(b) = self.peek()? {
            match b {
                b' ' | b'\t' | b'\r' => {
                    self.bump()?;
                }
                b'\n' if self.layout == Layout::Lines => {
                    return Err(self.syntax("value not closed at end of line"))
                }
                b'\n' => {
                    self.bump()?;
                }
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    fn expect(&mut self, want: u8, what: &str) -> Res<()> {
        match self.bump()? {
            Some(b) if b == want => Ok(()),
            Some(b) => Err(self.syntax(format!("expected {what}, found {}", show(b)))),
            None => Err(self.syntax(format!("expected {what}, found end of input"))),
        }
    }

    /// Reads one complete JSON value (structurally) into `cap`. Strings, escapes and bracket
    /// nesting are checked; scalars are left for `serde_json` to judge.
    fn read_value(&mut self, cap: &mut Capture) -> Res<()> {
        let Some(first) = self.peek()? else {
            return Err(self.syntax("expected a value, found end of input"));
        };
        match first {
            b'"' => self.read_string(cap),
            b'{' | b'[' => self.read_nested(cap),
            b'}' | b']' | b',' | b':' => {
                Err(self.syntax(format!("expected a value, found {}", show(first))))
            }
            _ => {
                // A scalar (number, true, false, null, or garbage): up to the next delimiter.
                while let Some(b) = self.peek()? {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    cap.push(b);
                    self.bump()?;
                }
                Ok(())
            }
        }
    }

    /// Reads a string. Most bytes of a record are inside strings, so the buffer is scanned in
    /// bulk (memchr) for the three bytes that matter: the closing quote, a backslash, a newline.
    fn read_string(&mut self, cap: &mut Capture) -> Res<()> {
        self.bump()?; // the opening quote
        cap.push(b'"');
        let mut escaped = false;
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                return Err(self.syntax("unterminated string at end of input"));
            }
            // After a backslash the next byte is taken as is (only a newline is still an error).
            let from = usize::from(escaped);
            if escaped && buf[0] != b'\n' {
                cap.push(buf[0]);
                escaped = false;
            }
            let (used, stop) = match memchr::memchr3(b'"', b'\\', b'\n', &buf[from..]) {
                _ if from == 1 && buf[0] == b'\n' => (0, Some(b'\n')),
                Some(i) => (from + i + 1, Some(buf[from + i])),
                None => (buf.len(), None),
            };
            let end = if stop == Some(b'\n') {
                used.saturating_sub(1)
            } else {
                used
            };
            cap.extend(&buf[from.min(end)..end]);
            self.reader.consume(used);
            match stop {
                Some(b'"') => return Ok(()),
                Some(b'\\') => escaped = true,
                Some(_) => {
                    let line = self.line;
                    if used > 0 {
                        self.line += 1; // the newline was consumed
                    }
                    return Err(SplitError::Syntax {
                        line,
                        message: "unterminated string at end of line".into(),
                    });
                }
                None => {}
            }
        }
    }

    /// Reads an object or array. The buffered bytes are scanned in one tight loop — strings,
    /// escapes and brackets alike, as [`Splitter::read_string`] and the bracket rules would — and
    /// captured a whole buffer at a time: a record has a hundred short strings, and a call per
    /// string (or per byte) cost more than the scan itself.
    fn read_nested(&mut self, cap: &mut Capture) -> Res<()> {
        let mut stack: Vec<u8> = Vec::new();
        let (mut in_string, mut escaped) = (false, false);
        loop {
            let lines = self.layout == Layout::Lines;
            let buf = self.fill()?;
            if buf.is_empty() {
                return Err(self.syntax(if in_string {
                    "unterminated string at end of input".to_string()
                } else {
                    format!("unclosed {} at end of input", open_name(&stack))
                }));
            }
            // How the scan of this buffer ended.
            enum Stop {
                /// The buffer ran out.
                More,
                /// The value is complete.
                Closed,
                /// A bracket that does not close the innermost open one.
                Unexpected(u8),
                /// A newline inside a value of a `Lines` layout.
                LineEnd,
                /// A newline inside a string (consumed).
                StringLineEnd,
            }
            let (mut i, mut newlines, mut stop) = (0, 0u64, Stop::More);
            while i < buf.len() {
                let b = buf[i];
                if in_string {
                    // After a backslash the next byte is taken as is; only a newline is an error.
                    if b == b'\n' {
                        stop = Stop::StringLineEnd;
                        break;
                    }
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                    }
                    i += 1;
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => stack.push(b),
                    b'}' | b']' => {
                        let want = if b == b'}' { b'{' } else { b'[' };
                        if stack.pop() != Some(want) {
                            stop = Stop::Unexpected(b);
                            break;
                        }
                    }
                    b'\n' if lines => {
                        stop = Stop::LineEnd;
                        break;
                    }
                    b'\n' => newlines += 1,
                    _ => {}
                }
                i += 1;
                if stack.is_empty() {
                    stop = Stop::Closed;
                    break;
                }
            }
            cap.extend(&buf[..i]);
            let newline = matches!(stop, Stop::StringLineEnd);
            self.reader.consume(i + usize::from(newline));
            self.line += newlines;
            match stop {
                Stop::More => {}
                Stop::Closed => return Ok(()),
                Stop::Unexpected(b) => return Err(self.syntax(format!("unexpected {}", show(b)))),
                Stop::LineEnd => {
                    return Err(
                        self.syntax(format!("unclosed {} at end of line", open_name(&stack)))
                    )
                }
                Stop::StringLineEnd => {
                    let err = self.syntax("unterminated string at end of line");
                    self.line += 1; // the newline was consumed
                    return Err(err);
                }
            }
        }
    }

    /// After an error in a `Lines` layout: drop the rest of the current line.
    fn skip_line(&mut self, error_line: u64) -> Res<()> {
        while self.line == error_line {
            if self.bump()?.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// The next piece, an error (after which the stream may go on), or `None` at the end.
    pub fn next_piece(&mut self) -> Option<Res<Piece>> {
        if self.state == State::Done {
            return None;
        }
        let result = self.step();
        match &result {
            Ok(None) => self.state = State::Done,
            Err(SplitError::Io { .. }) => self.state = State::Done,
            Err(SplitError::Syntax { line, .. }) => {
                if self.layout == Layout::Lines {
                    self.state = State::Top;
                    let line = *line;
                    if let Err(e) = self.skip_line(line) {
                        return Some(Err(e));
                    }
                } else {
                    self.state = State::Done;
                }
            }
            _ => {}
        }
        result.transpose()
    }

    fn step(&mut self) -> Res<Option<Piece>> {
        match self.state {
            State::Done => Ok(None),
            State::Top => self.top(),
            State::Array { next, in_object } => self.element(next, in_object),
        }
    }

    fn top(&mut self) -> Res<Option<Piece>> {
        if !self.started {
            self.started = true;
            // A UTF-8 byte-order mark is tolerated at the very start.
            if self.peek()? == Some(0xEF) {
                for want in [0xEF, 0xBB, 0xBF] {
                    self.expect(want, "a byte-order mark")?;
                }
            }
        }
        self.skip_ws()?;
        if let Some(piece) = self.whole_line()? {
            return Ok(Some(piece));
        }
        let start = self.line;
        match self.peek()? {
            None => Ok(None),
            Some(b'[') => {
                self.bump()?;
                self.state = State::Array {
                    next: 0,
                    in_object: false,
                };
                self.element(0, false)
            }
            Some(b'{') => self.top_object(start),
            Some(_) if self.layout == Layout::Lines => {
                // A line that is not an object or array: take it whole, so one bad line is one
                // problem (serde_json will say what is wrong with it).
                let mut cap = Capture::new(self.limit);
                while let Some(b) = self.peek()? {
                    if b == b'\n' {
                        break;
                    }
                    cap.push(b);
                    self.bump()?;
                }
                self.finish_top(cap, start)
            }
            Some(_) => {
                let mut cap = Capture::new(self.limit);
                self.read_value(&mut cap)?;
                self.finish_top(cap, start)
            }
        }
    }

    /// NDJSON fast path: a line that starts with `{`, is in the buffer whole, fits the limit and
    /// has no `"Records"` in it is handed out as it is, without a byte-by-byte scan. Validating
    /// it is the caller's job (it parses it anyway).
    fn whole_line(&mut self) -> Res<Option<Piece>> {
        if self.layout != Layout::Lines || !self.fast_lines {
            return Ok(None);
        }
        let limit = self.limit;
        let buf = self.fill()?;
        if buf.first() != Some(&b'{') {
            return Ok(None);
        }
        let Some(end) = memchr::memchr(b'\n', buf) else {
            return Ok(None);
        };
        let line = &buf[..end];
        if line.len() > limit || records_key().find(line).is_some() {
            return Ok(None);
        }
        let bytes = line.to_vec();
        self.reader.consume(end + 1);
        let start = self.line;
        self.line += 1;
        Ok(Some(Piece::Line { bytes, line: start }))
    }

    /// A top-level object: either a `Records` container (switch to streaming its array) or a value.
    fn top_object(&mut self, start: u64) -> Res<Option<Piece>> {
        let mut cap = Capture::with_hint(self.limit, self.hint);
        self.bump()?;
        cap.push(b'{');
        self.skip_blank()?;
        if self.peek()? == Some(b'}') {
            self.bump()?;
            cap.push(b'}');
            return self.finish_top(cap, start);
        }
        loop {
            self.skip_blank()?;
            if self.peek()? != Some(b'"') {
                let found = self
                    .peek()?
                    .map(show)
                    .unwrap_or_else(|| "end of input".into());
                return Err(self.syntax(format!("expected an object key, found {found}")));
            }
            let mut key = Capture::new(self.limit);
            self.read_string(&mut key)?;
            self.skip_blank()?;
            self.expect(b':', "':' after an object key")?;
            self.skip_blank()?;
            if key.bytes == b"\"Records\"" && self.peek()? == Some(b'[') {
                self.bump()?;
                self.state = State::Array {
                    next: 0,
                    in_object: true,
                };
                return self.element(0, true);
            }
            for b in key.bytes {
                cap.push(b);
            }
            cap.push(b':');
            self.read_value(&mut cap)?;
            self.skip_blank()?;
            match self.bump()? {
                Some(b',') => cap.push(b','),
                Some(b'}') => {
                    cap.push(b'}');
                    return self.finish_top(cap, start);
                }
                Some(b) => {
                    return Err(self.syntax(format!(
                        "expected ',' or '}}' in an object, found {}",
                        show(b)
                    )))
                }
                None => return Err(self.syntax("unclosed object at end of input")),
            }
        }
    }

    fn finish_top(&mut self, mut cap: Capture, start: u64) -> Res<Option<Piece>> {
        match self.layout {
            Layout::Auto => {
                // A one-line first value followed by a newline: this is NDJSON.
                self.layout = Layout::Document;
                if start == self.line && self.rest_of_line_blank()? {
                    self.layout = Layout::Lines;
                }
            }
            Layout::Lines => {
                if !self.rest_of_line_blank()? {
                    return Err(self.syntax("unexpected text after the value on this line"));
                }
            }
            Layout::Document => {}
        }
        if cap.overflow {
            return Err(SplitError::TooLarge {
                line: start,
                index: None,
                limit: self.limit,
            });
        }
        self.captured(&mut cap);
        Ok(Some(Piece::Value {
            bytes: cap.bytes,
            line: start,
        }))
    }

    /// Consumes blanks up to a newline; true if the line (or input) ends before other content.
    fn rest_of_line_blank(&mut self) -> Res<bool> {
        while let Some(b) = self.peek()? {
            match b {
                b' ' | b'\t' | b'\r' => {
                    self.bump()?;
                }
                b'\n' => return Ok(true),
                _ => return Ok(false),
            }
        }
        Ok(true)
    }

    /// The next element of the array being streamed, or the end of the array (then the remainder
    /// of an enclosing object is skipped and the next top-level piece is returned).
    fn element(&mut self, index: u64, in_object: bool) -> Res<Option<Piece>> {
        self.skip_blank()?;
        if index > 0 || self.peek()? == Some(b']') {
            match self.bump()? {
                Some(b']') => {
                    if in_object {
                        self.skip_object_rest()?;
                    }
                    self.state = State::Top;
                    return self.top();
                }
                Some(b',') if index > 0 => self.skip_blank()?,
                Some(b) => {
                    return Err(self.syntax(format!(
                        "expected ',' or ']' between records, found {}",
                        show(b)
                    )))
                }
                None => return Err(self.syntax("unclosed Records array at end of input")),
            }
        }
        let line = self.line;
        let mut cap = Capture::with_hint(self.limit, self.hint);
        self.read_value(&mut cap)?;
        self.captured(&mut cap);
        self.state = State::Array {
            next: index + 1,
            in_object,
        };
        if cap.overflow {
            return Err(SplitError::TooLarge {
                line,
                index: Some(index),
                limit: self.limit,
            });
        }
        Ok(Some(Piece::Element {
            bytes: cap.bytes,
            line,
            index,
        }))
    }

    /// After `"Records":[...]`: the other members of the object are read and dropped.
    fn skip_object_rest(&mut self) -> Res<()> {
        loop {
            self.skip_blank()?;
            match self.bump()? {
                Some(b'}') => return Ok(()),
                Some(b',') => {
                    self.skip_blank()?;
                    let mut sink = Capture::new(0);
                    if self.peek()? != Some(b'"') {
                        return Err(self.syntax("expected an object key"));
                    }
                    self.read_string(&mut sink)?;
                    self.skip_blank()?;
                    self.expect(b':', "':' after an object key")?;
                    self.skip_blank()?;
                    self.read_value(&mut sink)?;
                }
                Some(b) => {
                    return Err(self.syntax(format!(
                        "expected ',' or '}}' after the Records array, found {}",
                        show(b)
                    )))
                }
                None => return Err(self.syntax("unclosed object at end of input")),
            }
        }
    }
}

fn open_name(stack: &[u8]) -> &'static str {
    match stack.last() {
        Some(b'[') => "array",
        _ => "object",
    }
}

fn show(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

/// A searcher for `"Records"`, built once (`memmem::find` would build one per line).
fn records_key() -> &'static memchr::memmem::Finder<'static> {
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    FINDER.get_or_init(|| memchr::memmem::Finder::new(b"\"Records\""))
}

/// The pieces of one line of a [`Layout::Lines`] stream (given without its newline), exactly as
/// the stream's splitter would have produced them — for a [`Piece::Line`] that turned out not to
/// be plainly one record.
pub fn split_line(bytes: &[u8], line: u64, limit: usize) -> Vec<Res<Piece>> {
    use std::io::Read;
    // With its newline back (for the same messages), and without the fast path this time.
    let mut s = Splitter::new(bytes.chain(&b"\n"[..]), Layout::Lines, limit);
    s.continue_at(line);
    s.fast_lines = false;
    std::iter::from_fn(|| s.next_piece()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, line, record index) of a piece, or the error's message.
    type Out = Result<(String, u64, Option<u64>), String>;

    fn split(input: &str, layout: Layout, limit: usize) -> Vec<Out> {
        pieces(Splitter::new(input.as_bytes(), layout, limit), limit)
    }

    fn pieces<R: BufRead>(mut s: Splitter<R>, limit: usize) -> Vec<Out> {
        let mut out = Vec::new();
        while let Some(p) = s.next_piece() {
            // A fast-path line stands for the pieces `split_line` finds in it.
            let pieces = match p {
                Ok(Piece::Line { bytes, line }) => split_line(&bytes, line, limit),
                p => vec![p],
            };
            out.extend(pieces.into_iter().map(|p| match p {
                Ok(Piece::Value { bytes, line }) => {
                    Ok((String::from_utf8(bytes).unwrap(), line, None))
                }
                Ok(Piece::Element { bytes, line, index }) => {
                    Ok((String::from_utf8(bytes).unwrap(), line, Some(index)))
                }
                Ok(Piece::Line { .. }) => unreachable!("split_line never takes the fast path"),
                Err(e) => Err(e.to_string()),
            }));
        }
        out
    }

    /// Only lines that start with `{` (after blanks), fit the buffer and the limit and cannot be a `Records`
    /// container take the fast path; split again, each gives what the byte scan gives.
    #[test]
    fn fast_path_lines() {
        let input =
            "{\"a\":1}\n{\"Records\":[{\"b\":2}]}\n {\"c\":3}\n{\"d\": oops\n{\"e\":\"x\ny\"}\n";
        let mut s = Splitter::new(input.as_bytes(), Layout::Lines, 100);
        let mut kinds = Vec::new();
        while let Some(p) = s.next_piece() {
            kinds.push(match p {
                Ok(Piece::Line { bytes, line }) => {
                    format!("line {line} {}", String::from_utf8(bytes).unwrap())
                }
                Ok(Piece::Value { line, .. }) => format!("value {line}"),
                Ok(Piece::Element { line, index, .. }) => format!("element {line}.{index}"),
                Err(e) => format!("error {e}"),
            });
        }
        assert_eq!(
            kinds,
            [
                "line 1 {\"a\":1}",
                "element 2.0",
                "line 3 {\"c\":3}",
                "line 4 {\"d\": oops",
                "line 5 {\"e\":\"x",
                "value 6",
            ]
        );
        let whole = split(input, Layout::Lines, 100);
        assert_eq!(
            whole[3],
            Err("line 4: value not closed at end of line".into())
        );
        assert_eq!(
            whole[4],
            Err("line 5: unterminated string at end of line".into())
        );
    }

    /// Buffers start at the previous record's size, yet a small record after a big one does not
    /// keep the big one's room (records wait in batches).
    #[test]
    fn buffers_are_sized_from_the_previous_record_and_not_oversized() {
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(10_000));
        for input in [
            format!("{big}\n{big}\n{{\"a\":1}}\n"),
            format!(r#"{{"Records":[{big},{big},{{"a":1}}]}}"#),
        ] {
            let mut s = Splitter::new(input.as_bytes(), Layout::Auto, 1 << 20);
            let mut caps = Vec::new();
            while let Some(p) = s.next_piece() {
                let (Piece::Value { bytes, .. }
                | Piece::Element { bytes, .. }
                | Piece::Line { bytes, .. }) = p.unwrap();
                caps.push((bytes.len(), bytes.capacity()));
            }
            assert_eq!(caps.len(), 3, "{caps:?}");
            // The second big record got its room up front: no doubling past 1.25x.
            assert!(caps[1].1 <= caps[1].0 + caps[1].0 / 4, "{caps:?}");
            assert!(caps[2].1 <= 2 * caps[2].0.max(8), "{caps:?}");
        }
    }

    #[test]
    fn records_container_streams_elements() {
        let out = split(
            "{\"Records\": [ {\"a\":1},\n {\"b\":\"x]}\"} ], \"z\": [1]}",
            Layout::Document,
            100,
        );
        assert_eq!(
            out,
            vec![
                Ok(("{\"a\":1}".into(), 1, Some(0))),
                Ok(("{\"b\":\"x]}\"}".into(), 2, Some(1)))
            ]
        );
    }

    #[test]
    fn empty_records_and_bare_array() {
        assert!(split("{\"Records\":[]}", Layout::Document, 100).is_empty());
        let out = split("[{\"a\":1},{\"a\":2}]", Layout::Document, 100);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1], Ok(("{\"a\":2}".into(), 1, Some(1))));
    }

    #[test]
    fn other_objects_are_values() {
        let out = split(
            "{\"x\":{\"Records\":[1]},\"y\":\"a\\\"b\"}",
            Layout::Document,
            100,
        );
        assert_eq!(
            out,
            vec![Ok((
                "{\"x\":{\"Records\":[1]},\"y\":\"a\\\"b\"}".into(),
                1,
                None
            ))]
        );
    }

    #[test]
    fn auto_layout_recovers_per_line() {
        let out = split("{\"a\":1}\n{\"b\":\n{\"c\":3}\n", Layout::Auto, 100);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0], Ok(("{\"a\":1}".into(), 1, None)));
        assert!(
            out[1].as_ref().unwrap_err().contains("line 2"),
            "{:?}",
            out[1]
        );
        assert_eq!(out[2], Ok(("{\"c\":3}".into(), 3, None)));
    }

    #[test]
    fn document_syntax_error_ends_stream() {
        let out = split("{\"Records\":[{\"a\":1} {\"b\":2}]}", Layout::Document, 100);
        assert_eq!(out.len(), 2);
        assert!(out[1].as_ref().unwrap_err().contains("expected ',' or ']'"));
    }

    #[test]
    fn oversized_record_is_skipped_and_stream_goes_on() {
        let big = "x".repeat(50);
        let input = format!("{{\"Records\":[{{\"a\":\"{big}\"}},{{\"b\":1}}]}}");
        let out = split(&input, Layout::Document, 20);
        assert_eq!(out.len(), 2);
        assert!(out[0].as_ref().unwrap_err().contains("record 0"));
        assert_eq!(out[1], Ok(("{\"b\":1}".into(), 1, Some(1))));
    }

    /// Bulk string scanning must not depend on where the reader's buffer happens to end.
    #[test]
    fn buffer_boundaries_do_not_matter() {
        let inputs = [
            r#"{"Records":[{"a":"x\"y\\","b":"]}"},{"c":"\u00e9\n"}]}"#,
            "{\"a\":\"b\\\\\"}\n{\"c\":\"d\n{\"e\":1}\n",
            "[{\"k\":\"v\\\n\"}]",
            "{\"Records\":[{\"a\":[1,\n2]},\n{\"b\":{\"c\":1]}]}",
            "[{\"a\":\"x\\\"\ny\"}]",
            "[{\"a\":[\"x\\\"y",
        ];
        for input in inputs {
            let reference = split(input, Layout::Auto, 1000);
            for cap in 1..8 {
                let reader = std::io::BufReader::with_capacity(cap, input.as_bytes());
                let out = pieces(Splitter::new(reader, Layout::Auto, 1000), 1000);
                assert_eq!(out, reference, "buffer of {cap} bytes, input {input:?}");
            }
        }
        // Line numbers carry over newlines inside a record; a wrong bracket is named.
        assert_eq!(
            split(inputs[3], Layout::Auto, 1000),
            [
                Ok(("{\"a\":[1,\n2]}".into(), 1, Some(0))),
                Err("line 3: unexpected ']'".into())
            ]
        );
        // A newline in a string, the end of input in a string: the string is named.
        assert_eq!(
            split(inputs[4], Layout::Auto, 1000),
            [Err("line 1: unterminated string at end of line".into())]
        );
        assert_eq!(
            split(inputs[5], Layout::Auto, 1000),
            [Err("line 1: unterminated string at end of input".into())]
        );
        // And the reference itself is right about the first input.
        let first = split(inputs[0], Layout::Auto, 1000);
        assert_eq!(
            first[0],
            Ok((r#"{"a":"x\"y\\","b":"]}"}"#.to_string(), 1, Some(0)))
        );
        assert_eq!(first.len(), 2);
    }

    #[test]
    fn truncated_document_is_an_error() {
        let out = split("{\"Records\":[{\"a\":1},{\"b\":", Layout::Document, 100);
        assert_eq!(out.len(), 2);
        assert!(out[1].is_err());
    }
}
