//! The fast record read: validate a record's JSON and read its head in one pass, simdjson-style.
//!
//! Every record must be validated (a malformed line is a problem, never a silently counted
//! record), but only a few percent are ever parsed. serde's validating read costs about 0.8 ns a
//! byte; this one walks 64-byte blocks instead:
//!
//! 1. *Classify* (`classify`): one SIMD pass (AVX-512, else AVX2, else a portable loop) turns a
//!    block into bit masks (quotes, backslashes, brackets and separators, blanks, control bytes,
//!    non-ASCII bytes).
//! 2. *Strings* with bit arithmetic: escaped bytes (a scalar loop over the block's backslashes,
//!    which most blocks do not have), then the in-string mask as the prefix XOR of the unescaped
//!    quotes, carried from block to block. Control bytes inside strings and backslashes outside them
//!    are errors, found with one AND each.
//! 3. *Grammar*, in one of two lanes:
//!    * `compact` — JSON without blanks between tokens, as CloudTrail writes it. Two atoms side
//!      by side (`"a""b"`, `"a"1`, `1"a"`) are ruled out for the whole block with bit
//!      arithmetic, so between two brackets, colons or commas there is nothing, one string or one
//!      scalar; a small state machine then visits only those operators (about two per member,
//!      where a token walk visits six).
//!    * `tokens` — any JSON: every structural position (operators, each unescaped quote, the
//!      first byte of each scalar) through a state machine. Taken when the compact lane meets a
//!      blank outside a string.
//!
//!    Both keep a bracket stack, check scalars where they stand, and read the head keys of the
//!    top-level object.
//!
//! Soundness is the contract, as for [`super::head`] and `cwl-filter`'s raw scanner: [`read`]
//! answers `Some` only for bytes that `serde_json` accepts as a `Value`, with exactly the head
//! `head`'s serde read gives. Whatever it does not vouch for — `\u` escapes (surrogates), numbers
//! with an exponent or many digits (`1e400` is out of range for the `Value` path), nesting deeper
//! than `MAX_DEPTH` (100), duplicate or escaped head keys, a top-level `Records` key — is `None`,
//! and the caller asks serde. The differential tests (`fast/tests.rs`) hold it to that on real
//! and mutated records. [`read_prefix`] and [`read_records`] read the records of a `Records` array
//! the same way, in place.

use super::head::Context;

/// Nesting deeper than this is left to serde (the `Value` path's limit is 128).
const MAX_DEPTH: u32 = 100;

/// A number longer than this, or with more integer digits than [`MAX_INT_DIGITS`], is left to
/// serde: below both, `serde_json` reads it as a finite `u64`, `i64` or `f64`, never an error.
const MAX_NUMBER_LEN: usize = 40;
const MAX_INT_DIGITS: usize = 18;

/// What [`read`] vouches for: the record is valid JSON, an object, and (for a top-level value) a
/// CloudTrail record; its `eventID` and `eventTime` when they are strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastHead<'a> {
    pub event_id: Option<&'a str>,
    pub event_time: Option<&'a str>,
}

/// Reads `bytes` as one record, or `None`: "not vouched for, ask serde" (see the module docs).
pub fn read(bytes: &[u8], context: Context) -> Option<FastHead<'_>> {
    walk(bytes, context, false).map(|(head, _)| head)
}

/// Reads the record that starts `bytes` (a `Records` element with more of the document after
/// it): its head and where it ends. What follows it is not looked at.
pub fn read_prefix(bytes: &[u8], context: Context) -> Option<(FastHead<'_>, usize)> {
    walk(bytes, context, true)
}

fn walk(bytes: &[u8], context: Context, prefix: bool) -> Option<(FastHead<'_>, usize)> {
    classify::run(Walk {
        bytes,
        context,
        prefix,
    })
}

/// Reads a compact `Records` array — `bytes` starts at its `[` — in one pass, calling
/// `each(index, record bytes, head)` for every element, and answers where the array ends.
/// `Ok(None)`: not vouched for (an element that is not an object, one over `limit` bytes, anything
/// [`read`] would not vouch for); what `each` was given must be thrown away. `Err`: the array is
/// not compact; read its elements one by one with [`read_prefix`].
pub fn read_records<'a>(
    bytes: &'a [u8],
    limit: usize,
    each: &mut dyn FnMut(u64, &'a [u8], FastHead<'a>),
) -> Result<Option<usize>, NotCompact> {
    classify::run(Records { bytes, limit, each })
}

pub use compact::NotCompact;

/// A walk over bytes with some classifier. Each SIMD entry point ([`classify::run`]) inlines
/// [`Job::run`], so the classifier is compiled into the block loop instead of called per block.
pub(crate) trait Job {
    type Out;
    fn run<C: Fn(&[u8; 64]) -> Masks + Copy>(self, classify: C) -> Self::Out;
}

/// [`read`] and [`read_prefix`]: the compact lane, else the token lane.
struct Walk<'a> {
    bytes: &'a [u8],
    context: Context,
    prefix: bool,
}

impl<'a> Job for Walk<'a> {
    type Out = Option<(FastHead<'a>, usize)>;

    #[inline(always)]
    fn run<C: Fn(&[u8; 64]) -> Masks + Copy>(self, classify: C) -> Self::Out {
        let Walk {
            bytes,
            context,
            prefix,
        } = self;
        match compact::walk(bytes, context, prefix, classify) {
            Ok(answer) => answer,
            Err(NotCompact) => tokens::walk(bytes, context, prefix, classify),
        }
    }
}

/// [`read_records`]: the compact lane only.
struct Records<'a, 'e> {
    bytes: &'a [u8],
    limit: usize,
    each: &'e mut dyn FnMut(u64, &'a [u8], FastHead<'a>),
}

impl<'a> Job for Records<'a, '_> {
    type Out = Result<Option<usize>, NotCompact>;

    #[inline(always)]
    fn run<C: Fn(&[u8; 64]) -> Masks + Copy>(self, classify: C) -> Self::Out {
        compact::records(self.bytes, self.limit, self.each, classify)
    }
}

/// Runs `block(base, masks, valid)` over `bytes` in 64-byte blocks, the last one padded with
/// blanks (`valid` has a bit per real byte); stops when it answers `Some(true)` or `None`.
#[inline(always)]
fn blocks<E>(
    bytes: &[u8],
    classify: impl Fn(&[u8; 64]) -> Masks,
    mut block: impl FnMut(usize, Masks, u64) -> Result<Option<bool>, E>,
) -> Result<Option<()>, E> {
    let mut chunks = bytes.chunks_exact(64);
    let mut base = 0;
    for chunk in &mut chunks {
        let Ok(chunk) = <&[u8; 64]>::try_from(chunk) else {
            return Ok(None);
        };
        match block(base, classify(chunk), !0)? {
            Some(false) => base += 64,
            Some(true) => return Ok(Some(())),
            None => return Ok(None),
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut padded = [b' '; 64];
        padded[..rest.len()].copy_from_slice(rest);
        let valid = (1u64 << rest.len()) - 1;
        if block(base, classify(&padded), valid)?.is_none() {
            return Ok(None);
        }
    }
    Ok(Some(()))
}

/// Bit masks of one 64-byte block: bit `i` stands for byte `i`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Masks {
    quote: u64,
    backslash: u64,
    /// `{ } [ ] : ,`
    op: u64,
    /// JSON's blanks: space, tab, newline, carriage return.
    blank: u64,
    /// Bytes below 0x20 (invalid inside strings).
    control: u64,
    /// Bytes from 0x80 (then the record's UTF-8 is checked).
    high: u64,
}

/// Stage 1. The SIMD classifier is chosen at run time; the portable one gives the same masks
/// (a test compares them) on other CPUs.
pub(crate) mod classify {
    use super::Masks;

    #[cfg(test)]
    pub(crate) type Classify = fn(&[u8; 64]) -> Masks;

    /// Runs `job` with the fastest classifier this CPU runs.
    pub(super) fn run<J: super::Job>(job: J) -> J::Out {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512bw") {
                return avx512::run(job);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return avx2::run(job);
            }
        }
        job.run(portable)
    }

    /// The fastest classifier this CPU runs.
    #[cfg(test)]
    pub(crate) fn pick() -> Classify {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512bw") {
                return avx512::classify;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return avx2::classify;
            }
        }
        portable
    }

    /// Every classifier this CPU runs, by name (the tests hold each to the portable one).
    #[cfg(test)]
    pub(crate) fn all() -> Vec<(&'static str, Classify)> {
        let mut all: Vec<(&'static str, Classify)> = vec![("portable", portable)];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                all.push(("avx2", avx2::classify));
            }
            if std::arch::is_x86_feature_detected!("avx512bw") {
                all.push(("avx512", avx512::classify));
            }
        }
        all
    }

    /// One byte at a time: the reference, and the fallback.
    pub(crate) fn portable(block: &[u8; 64]) -> Masks {
        let mut m = Masks::default();
        for (i, &b) in block.iter().enumerate() {
            let bit = 1u64 << i;
            match b {
                b'"' => m.quote |= bit,
                b'\\' => m.backslash |= bit,
                b'{' | b'}' | b'[' | b']' | b':' | b',' => m.op |= bit,
                b' ' | b'\t' | b'\n' | b'\r' => m.blank |= bit,
                _ => {}
            }
            if b < 0x20 {
                m.control |= bit;
            }
            if b >= 0x80 {
                m.high |= bit;
            }
        }
        m
    }

    /// AVX2: two 32-byte loads, a handful of compares each, `movemask` to bits. `unsafe` is
    /// allowed here alone: the intrinsics need it, and this pass is what lets the detector read
    /// NDJSON at over a gigabyte a second (bench/RESULTS.md, step 3).
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    mod avx2 {
        use super::Masks;
        use std::arch::x86_64::*;

        /// Only called when the CPU has AVX2.
        pub(super) fn run<J: crate::source::fast::Job>(job: J) -> J::Out {
            // SAFETY: the caller checked that the CPU has AVX2.
            unsafe { run_avx2(job) }
        }

        #[target_feature(enable = "avx2")]
        unsafe fn run_avx2<J: crate::source::fast::Job>(job: J) -> J::Out {
            // SAFETY: this function runs only where AVX2 is present.
            job.run(|block: &[u8; 64]| unsafe { classify_avx2(block) })
        }

        /// Only called when the CPU has AVX2.
        #[cfg(test)]
        pub(super) fn classify(block: &[u8; 64]) -> Masks {
            // SAFETY: the caller checked that the CPU has AVX2.
            unsafe { classify_avx2(block) }
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        unsafe fn classify_avx2(block: &[u8; 64]) -> Masks {
            // SAFETY: both loads read 32 bytes inside the 64-byte array; `loadu` has no
            // alignment requirement.
            let (lo, hi) = unsafe {
                (
                    _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()),
                    _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>()),
                )
            };
            Masks {
                quote: bits(eq(lo, b'"'), eq(hi, b'"')),
                backslash: bits(eq(lo, b'\\'), eq(hi, b'\\')),
                op: bits(op(lo), op(hi)),
                blank: bits(blank(lo), blank(hi)),
                control: bits(control(lo), control(hi)),
                high: bits(lo, hi),
            }
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn eq(v: __m256i, c: u8) -> __m256i {
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8))
        }

        /// `{ [` and `} ]` differ only in bit 0x20.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn op(v: __m256i) -> __m256i {
            let folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
            _mm256_or_si256(
                _mm256_or_si256(eq(folded, b'{'), eq(folded, b'}')),
                _mm256_or_si256(eq(v, b':'), eq(v, b',')),
            )
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn blank(v: __m256i) -> __m256i {
            _mm256_or_si256(
                _mm256_or_si256(eq(v, b' '), eq(v, b'\t')),
                _mm256_or_si256(eq(v, b'\n'), eq(v, b'\r')),
            )
        }

        /// Unsigned `v <= 0x1f`: the minimum with 0x1f is `v` itself.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn control(v: __m256i) -> __m256i {
            _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v)
        }

        /// The top bit of each byte, low half first.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn bits(lo: __m256i, hi: __m256i) -> u64 {
            let lo = _mm256_movemask_epi8(lo) as u32 as u64;
            let hi = _mm256_movemask_epi8(hi) as u32 as u64;
            lo | (hi << 32)
        }
    }

    /// AVX-512: the whole block in one register, compares straight into bit masks.
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    mod avx512 {
        use super::Masks;
        use std::arch::x86_64::*;

        /// Only called when the CPU has AVX-512 BW.
        pub(super) fn run<J: crate::source::fast::Job>(job: J) -> J::Out {
            // SAFETY: the caller checked that the CPU has AVX-512 BW.
            unsafe { run_avx512(job) }
        }

        #[target_feature(enable = "avx512f,avx512bw")]
        unsafe fn run_avx512<J: crate::source::fast::Job>(job: J) -> J::Out {
            // SAFETY: this function runs only where AVX-512 BW is present.
            job.run(|block: &[u8; 64]| unsafe { classify_avx512(block) })
        }

        /// Only called when the CPU has AVX-512 BW.
        #[cfg(test)]
        pub(super) fn classify(block: &[u8; 64]) -> Masks {
            // SAFETY: the caller checked that the CPU has AVX-512 BW.
            unsafe { classify_avx512(block) }
        }

        #[inline]
        #[target_feature(enable = "avx512f,avx512bw")]
        unsafe fn classify_avx512(block: &[u8; 64]) -> Masks {
            // SAFETY: the load reads the 64 bytes of the array; `loadu` has no alignment requirement.
            let v = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
            let eq = |c: u8| _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c as i8));
            // `{ [` and `} ]` differ only in bit 0x20.
            let folded = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
            let folded_eq = |c: u8| _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8(c as i8));
            Masks {
                quote: eq(b'"'),
                backslash: eq(b'\\'),
                op: folded_eq(b'{') | folded_eq(b'}') | eq(b':') | eq(b','),
                blank: eq(b' ') | eq(b'\t') | eq(b'\n') | eq(b'\r'),
                control: _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1f)),
                high: _mm512_movepi8_mask(v),
            }
        }
    }
}

/// Bit `i` of the result is the XOR of bits `0..=i` of `x`: over unescaped quotes, "inside a
/// string" (the opening quote included, the closing one not).
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The bracket stack both lanes keep: the depth, and whether each open container is an array.
#[derive(Default)]
struct Brackets {
    depth: u32,
    /// Bit `d`: the container at depth `d` (1-based) is an array.
    arrays: u128,
}

impl Brackets {
    /// Opens a container; `None` past [`MAX_DEPTH`].
    fn open(&mut self, array: bool) -> Option<()> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        self.arrays = (self.arrays & !(1 << self.depth)) | (u128::from(array) << self.depth);
        Some(())
    }

    /// Closes the innermost container; true when that was the outermost.
    fn close(&mut self) -> bool {
        self.depth -= 1;
        self.depth == 0
    }

    fn in_array(&self) -> bool {
        self.arrays & (1 << self.depth) != 0
    }
}

/// The string layer both lanes share: escapes, the in-string mask and its checks, carried from
/// block to block.
#[derive(Default)]
struct Strings {
    /// The last block ended inside a string (all ones) or not (zero).
    in_string: u64,
    /// The last block ended with a backslash that escapes the next block's first byte.
    escape: bool,
    /// Some byte is not ASCII: the UTF-8 is checked at the end.
    high: bool,
    /// The current block's start and backslashes, and one past the last backslash of the blocks
    /// before (0: none), to tell whether a string has an escape without looking at it again.
    base: usize,
    backslashes: u64,
    backslash_end: usize,
}

impl Strings {
    /// The block's unescaped quotes and its in-string mask (opening quotes included, closing ones
    /// not); `None` for a control byte in a string, a backslash outside one or a bad escape.
    #[inline]
    fn block(&mut self, bytes: &[u8], base: usize, m: &Masks) -> Option<(u64, u64)> {
        // The last block's backslash_end is final once its tokens are done.
        if self.backslashes != 0 {
            self.backslash_end = self.base + 64 - self.backslashes.leading_zeros() as usize;
        }
        // Escaped bytes: bit 0 may be escaped by the last block's final backslash.
        let mut escaped = u64::from(self.escape);
        self.escape = false;
        if m.backslash != 0 {
            let mut escapers = m.backslash & !escaped;
            while escapers != 0 {
                let i = escapers.trailing_zeros();
                if i == 63 {
                    self.escape = true;
                    break;
                }
                escaped |= 2 << i;
                // This backslash, and the next byte if it is one (escaped, so it escapes nothing).
                escapers &= !(3 << i);
            }
        }
        if escaped != 0 {
            check_escapes(bytes, base, escaped)?;
        }
        let quotes = m.quote & !escaped;
        let inside = prefix_xor(quotes) ^ self.in_string;
        self.in_string = ((inside as i64) >> 63) as u64;
        if m.control & inside != 0 || m.backslash & !inside != 0 {
            return None;
        }
        self.high |= m.high != 0;
        self.base = base;
        self.backslashes = m.backslash;
        Some((quotes, inside))
    }

    /// Whether `start..end` holds a backslash; `end` is at most the current block's end.
    fn has_backslash(&self, start: usize, end: usize) -> bool {
        if self.backslash_end > start {
            return true;
        }
        if end <= self.base {
            return false;
        }
        let lo = start.max(self.base) - self.base;
        let hi = end - self.base;
        (self.backslashes >> lo) & ((1u64 << (hi - lo)) - 1) != 0
    }

    /// Whether the bytes up to `end` are UTF-8 (checked only if some byte was not ASCII).
    fn utf8(&self, bytes: &[u8], end: usize) -> bool {
        !self.high
            || bytes
                .get(..end)
                .is_some_and(|b| std::str::from_utf8(b).is_ok())
    }
}

/// Each escaped byte must be one of JSON's two-byte escapes; `\u` is left to serde (it may be a
/// lone surrogate, which the `Value` path rejects).
#[cold]
fn check_escapes(bytes: &[u8], base: usize, mut escaped: u64) -> Option<()> {
    while escaped != 0 {
        let b = *bytes.get(base + escaped.trailing_zeros() as usize)?;
        if !matches!(b, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') {
            return None;
        }
        escaped &= escaped - 1;
    }
    Some(())
}

/// Top-level keys the head looks at, and their bit in the duplicate check (as in
/// [`super::head`]; `Records` only matters for a top-level value, see [`HeadReader::key`]).
const EVENT_ID: usize = 0;
const EVENT_TIME: usize = 1;
const RECORD_KEYS: [usize; 4] = [2, 3, 4, 5];
const ENVELOPE_KEYS: [usize; 4] = [6, 7, 8, 9];
const RECORDS: usize = 10;
fn head_key(key: &[u8]) -> Option<usize> {
    Some(match key {
        b"eventID" => EVENT_ID,
        b"eventTime" => EVENT_TIME,
        b"eventVersion" => 2,
        b"eventName" => 3,
        b"eventSource" => 4,
        b"userIdentity" => 5,
        b"detail-type" => 6,
        b"messageType" => 7,
        b"digestStartTime" => 8,
        b"logFiles" => 9,
        b"Records" => RECORDS,
        _ => return None,
    })
}

/// The head being read from the top-level object, shared by both lanes.
struct HeadReader<'a> {
    context: Context,
    /// The head field the value being read belongs to (an index into the head keys).
    field: Option<usize>,
    /// Head keys seen at the top level (duplicates go to serde).
    seen: u16,
    event_id: Option<&'a str>,
    event_time: Option<&'a str>,
}

impl<'a> HeadReader<'a> {
    fn new(context: Context) -> HeadReader<'a> {
        HeadReader {
            context,
            field: None,
            seen: 0,
            event_id: None,
            event_time: None,
        }
    }

    /// A top-level key, `bytes[start..end]` between its quotes.
    fn key(&mut self, strings: &Strings, bytes: &'a [u8], start: usize, end: usize) -> Option<()> {
        if strings.has_backslash(start, end) {
            return None; // it might unescape to a head key
        }
        let Some(k) = head_key(bytes.get(start..end)?) else {
            return Some(());
        };
        if k == RECORDS && self.context == Context::Element {
            return Some(());
        }
        if self.seen & (1 << k) != 0 || k == RECORDS {
            // A duplicate (serde keeps the last one), or a top-level Records key (the splitter
            // may stream it as a container): the exact paths decide.
            return None;
        }
        self.seen |= 1 << k;
        if k == EVENT_ID || k == EVENT_TIME {
            self.field = Some(k);
        }
        Some(())
    }

    /// The string value `bytes[start..end]` of the field being read, if any.
    fn string(
        &mut self,
        strings: &Strings,
        bytes: &'a [u8],
        start: usize,
        end: usize,
    ) -> Option<()> {
        let Some(f) = self.field.take() else {
            return Some(());
        };
        if strings.has_backslash(start, end) {
            return None; // escaped: serde unescapes it
        }
        let s = std::str::from_utf8(bytes.get(start..end)?).ok()?;
        if f == EVENT_ID {
            self.event_id = Some(s);
        } else {
            self.event_time = Some(s);
        }
        Some(())
    }

    /// The head, if a top-level value is a record by the decoder's rules.
    fn finish(self) -> Option<FastHead<'a>> {
        if self.context == Context::TopLevel {
            let has = |keys: &[usize]| keys.iter().any(|&k| self.seen & (1 << k) != 0);
            let record = self.event_id.is_some() || has(&RECORD_KEYS);
            if has(&ENVELOPE_KEYS) || !record {
                return None;
            }
        }
        Some(FastHead {
            event_id: self.event_id,
            event_time: self.event_time,
        })
    }
}

/// `bytes[start..end]` is one whole JSON scalar that `serde_json` reads without error.
fn scalar(bytes: &[u8], start: usize, end: usize) -> bool {
    match bytes.get(start..end) {
        Some(b"true" | b"false" | b"null") => true,
        Some(s) => number(s) == Some(s.len()),
        None => false,
    }
}

/// A byte that ends a scalar.
fn delimiter(b: u8) -> bool {
    matches!(
        b,
        b',' | b'}' | b']' | b':' | b'[' | b'{' | b'"' | b' ' | b'\t' | b'\n' | b'\r'
    )
}

/// The length of the JSON number that starts `s`, if it has no exponent and is short enough to be
/// finite for serde (see [`MAX_NUMBER_LEN`]), and a delimiter or the end follows.
fn number(s: &[u8]) -> Option<usize> {
    let mut i = usize::from(s.first() == Some(&b'-'));
    let int_start = i;
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while s.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return None,
    }
    if i - int_start > MAX_INT_DIGITS {
        return None;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        let frac = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == frac {
            return None;
        }
    }
    if i > MAX_NUMBER_LEN || !s.get(i).is_none_or(|&b| delimiter(b)) {
        return None;
    }
    Some(i)
}

mod compact;
mod tokens;

#[cfg(test)]
mod tests;
