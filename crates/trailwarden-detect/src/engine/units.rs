//! Decoding one [`Unit`] into [`Out`]s, fast where it can be and exact everywhere.
//!
//! * An NDJSON slice is read line by line in place. A line no rule can match is skimmed
//!   ([`super::Detector::with_skim`]): counted, not read. A line the SIMD scanner vouches for
//!   ([`fast::read`]) is a record at once, matched on its bytes, never copied; any other line is
//!   decoded alone by the exact [`Decoder`]. In that layout a value may not span lines, so decoding
//!   line by line gives the items decoding the whole slice would.
//! * A whole input (a `.json.gz` log object, a `.json` file, an S3 object) is read into memory and
//!   inflated in one call ([`whole::load`]); a plain `{"Records":[…]}` is split and read in place
//!   ([`document::records`]); inflated NDJSON goes line by line as above; anything else is decoded
//!   by the exact [`Decoder`] from the bytes in memory, or streamed when it is too big to hold.
//!
//! Without the fast path ([`super::Detector::with_fast_path`]) every unit takes the exact decoder.

use std::io::Cursor;
use std::sync::Arc;

use cwl_filter::set::Scratch;

use super::{Matcher, Out};
use crate::pipeline::{Unit, BATCH};
use crate::record::Location;
use crate::source::fast::{self, FastHead};
use crate::source::head::Context;
use crate::source::whole::{self, Loaded};
use crate::source::{document, Decoder, Input, Item, Layout};

/// Outs on their way out, [`BATCH`] at a time.
struct Batches<'e> {
    batch: Vec<Out>,
    emit: &'e mut dyn FnMut(Vec<Out>) -> bool,
    /// Something was pushed since the last [`Batches::idle`].
    fresh: bool,
}

impl Batches<'_> {
    /// False once nobody listens any more: the unit should stop. A quiet record (no alert, no
    /// time to check) or a skimmed line joins the run of its kind just before it, if any.
    fn push(&mut self, out: Out) -> bool {
        self.fresh = true;
        let out = match (out, self.batch.last_mut()) {
            (
                Out::Record {
                    id: None,
                    time: None,
                    alerts,
                },
                last,
            ) if alerts.is_empty() => match last {
                Some(Out::Quiet(n)) => {
                    *n += 1;
                    return true;
                }
                _ => Out::Quiet(1),
            },
            (Out::Skimmed(k), Some(Out::Skimmed(n))) => {
                *n += k;
                return true;
            }
            (out, _) => out,
        };
        self.batch.push(out);
        self.batch.len() < BATCH || self.send()
    }

    /// Sends the batch now; false once nobody listens any more.
    fn send(&mut self) -> bool {
        (self.emit)(std::mem::replace(
            &mut self.batch,
            Vec::with_capacity(BATCH),
        ))
    }

    /// A live input went quiet: send what there is now, and have the sink show it (once per
    /// quiet spell, and only after something new).
    fn idle(&mut self) -> bool {
        if !std::mem::replace(&mut self.fresh, false) {
            return true;
        }
        self.batch.push(Out::Idle);
        self.send()
    }

    fn finish(self) {
        if !self.batch.is_empty() {
            (self.emit)(self.batch);
        }
    }
}

/// Per-unit buffers of the raw matcher.
#[derive(Default)]
pub(super) struct Buffers {
    pub(super) scratch: Scratch,
    pub(super) hits: Vec<usize>,
}

impl Matcher {
    /// Decodes a unit and sends its [`Out`]s in batches; stops early if `emit` says so.
    pub(super) fn decode(&self, unit: Unit, emit: &mut dyn FnMut(Vec<Out>) -> bool) {
        let mut out = Batches {
            batch: Vec::with_capacity(BATCH),
            emit,
            fresh: false,
        };
        self.unit(unit, &mut Buffers::default(), &mut out);
        out.finish();
    }

    fn unit(&self, unit: Unit, buf: &mut Buffers, out: &mut Batches<'_>) {
        match unit {
            // A range of a file is read here, on the worker; what it reads is a slice (or the
            // rest of the file, streamed).
            Unit::Range(range) => match range.read() {
                Ok(Some(unit)) => self.unit(unit, buf, out),
                Ok(None) => {}
                Err(problem) => {
                    out.push(Out::Problem(problem));
                }
            },
            Unit::Slice {
                name,
                bytes,
                first_line,
            } if self.fast => {
                self.lines(&name, &bytes, first_line, buf, out);
            }
            // (`continuing_at(1)` is a new decoder's own state.)
            Unit::Stream { input, first_line } if !input.complete => {
                let d = Decoder::new(input, self.record_limit).continuing_at(first_line);
                self.live(d, buf, out);
            }
            Unit::Stream {
                input,
                first_line: 1,
            } if self.fast => match whole::load(input) {
                Loaded::Json { name, layout, json } => {
                    self.whole(name, layout, json, buf, out);
                }
                Loaded::Stream(input) => {
                    self.exact(Decoder::new(input, self.record_limit), buf, out);
                }
            },
            Unit::Stream { input, first_line } => {
                let d = Decoder::new(input, self.record_limit).continuing_at(first_line);
                self.exact(d, buf, out);
            }
            Unit::Slice {
                name,
                bytes,
                first_line,
            } => {
                let d = Decoder::lines_slice(name, bytes.into_vec(), first_line, self.record_limit);
                self.exact(d, buf, out);
            }
        }
    }

    /// Every item of an exact decoder; false if the receiver went away.
    fn exact(&self, decoder: Decoder, buf: &mut Buffers, out: &mut Batches<'_>) -> bool {
        for item in decoder.with_raw(self.fast) {
            if !out.push(self.out(item, buf)) {
                return false;
            }
        }
        true
    }

    /// A live input (stdin, a pipe): as [`Matcher::exact`], but what was decoded goes out as soon
    /// as the input has nothing more for now, not when a batch is full. The decoder runs on a
    /// thread of its own, so that waiting for input and noticing the wait are two things; it is
    /// not joined: if the receiver goes away while it waits on a read that never returns, the
    /// process must still be able to end.
    fn live(&self, decoder: Decoder, buf: &mut Buffers, out: &mut Batches<'_>) {
        use std::sync::mpsc::{sync_channel, TryRecvError};
        let (tx, rx) = sync_channel(BATCH);
        let decoder = decoder.with_raw(self.fast);
        std::thread::spawn(move || {
            for item in decoder {
                if tx.send(item).is_err() {
                    return;
                }
            }
        });
        loop {
            let item = match rx.try_recv() {
                Ok(item) => item,
                Err(TryRecvError::Empty) => {
                    if !out.idle() {
                        return;
                    }
                    match rx.recv() {
                        Ok(item) => item,
                        Err(_) => return,
                    }
                }
                Err(TryRecvError::Disconnected) => return,
            };
            if !out.push(self.out(item, buf)) {
                return;
            }
        }
    }

    /// The [`Out`] of one decoded item.
    fn out(&self, item: Item, buf: &mut Buffers) -> Out {
        match item {
            Item::Record(record) => {
                let alerts = self.alerts_for(&record);
                Out::Record {
                    id: self.id(record.event_id(), &alerts),
                    time: self.time(record.event_time()),
                    alerts,
                }
            }
            Item::Raw(raw) => {
                let (id, time) = (raw.event_id.as_deref(), raw.event_time.as_deref());
                self.raw_out(&raw.bytes, id, time, || raw.location.clone(), buf)
            }
            Item::Skipped(_) => Out::Skipped,
            Item::Problem(problem) => Out::Problem(problem),
        }
    }

    /// A record the fast read vouched for.
    fn fast_out(
        &self,
        bytes: &[u8],
        head: FastHead<'_>,
        location: impl FnOnce() -> Location,
        buf: &mut Buffers,
    ) -> Out {
        self.raw_out(bytes, head.event_id, head.event_time, location, buf)
    }

    /// A record still in bytes, with its `eventID` and `eventTime`.
    fn raw_out(
        &self,
        bytes: &[u8],
        event_id: Option<&str>,
        event_time: Option<&str>,
        location: impl FnOnce() -> Location,
        buf: &mut Buffers,
    ) -> Out {
        let alerts = self.raw_alerts(bytes, location, buf);
        Out::Record {
            id: self.id(event_id, &alerts),
            time: self.time(event_time),
            alerts,
        }
    }

    /// Complete NDJSON lines, the first being line `first_line` of input `name`; false if the
    /// receiver went away.
    fn lines(
        &self,
        name: &Arc<str>,
        bytes: &[u8],
        first_line: u64,
        buf: &mut Buffers,
        out: &mut Batches<'_>,
    ) -> bool {
        let mut line_no = first_line;
        let mut rest = bytes;
        // Skim only right after a line read as a good record: so a slice's first line is always
        // read, and so is every line after one that was not a record. A file that is not
        // CloudTrail at all (or badly damaged) is then reported line by line, as if nothing
        // were skimmed, instead of passing over as lines without literals.
        let mut after_record = false;
        // One literal search over the slice answers for every line.
        let mut screen = self.set.screen(bytes);
        while !rest.is_empty() {
            let at = bytes.len() - rest.len();
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let (line, tail) = rest.split_at(end);
            rest = tail;
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            if after_record && self.skims(body) && !screen.may_match(at, at + body.len()) {
                if !out.push(Out::Skimmed(1)) {
                    return false;
                }
                line_no += 1;
                continue;
            }
            // What the splitter would hand out whole (a line that starts with `{` and fits the
            // limit), read by the fast scanner.
            let head = (body.first() == Some(&b'{') && body.len() <= self.record_limit)
                .then(|| fast::read(body, Context::TopLevel))
                .flatten();
            after_record = head.is_some();
            let more = match head {
                Some(head) => {
                    let at = || Location::new(name.clone(), Some(line_no), None);
                    let o = self.fast_out(body, head, at, buf);
                    out.push(o)
                }
                None => {
                    let d = Decoder::lines_slice(
                        name.clone(),
                        line.to_vec(),
                        line_no,
                        self.record_limit,
                    );
                    self.exact(d, buf, out)
                }
            };
            if !more {
                return false;
            }
            line_no += 1;
        }
        true
    }

    /// Whether this NDJSON line, which follows a good record, may be passed over
    /// ([`super::Detector::with_skim`]) if no rule can match it (the caller asks that last).
    /// Only `{` … `}` qualifies, so that a line cut short (the usual damage: a write
    /// interrupted, a file still growing) or one that is not an object at all still goes to the
    /// readers and is reported; what a splitter would skip as too big still is.
    fn skims(&self, body: &[u8]) -> bool {
        self.skim
            && body.first() == Some(&b'{')
            && body.last() == Some(&b'}')
            && body.len() <= self.record_limit
    }

    /// A whole input in memory (see the module docs).
    fn whole(
        &self,
        name: Arc<str>,
        layout: Layout,
        json: Vec<u8>,
        buf: &mut Buffers,
        out: &mut Batches<'_>,
    ) {
        let mut outs = Vec::new();
        let plain = document::records(&json, self.record_limit, |index, bytes, head| {
            let at = || Location::new(name.clone(), Some(1), Some(index));
            outs.push(self.fast_out(bytes, head, at, buf));
        });
        if plain.is_some() {
            for o in outs {
                if !out.push(o) {
                    return;
                }
            }
            return;
        }
        drop(outs);
        if layout == Layout::Lines {
            self.lines(&name, &json, 1, buf, out);
            return;
        }
        let input = Input {
            name,
            reader: Box::new(Cursor::new(json)),
            layout,
            complete: true,
            file: None,
        };
        self.exact(Decoder::new(input, self.record_limit), buf, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quiet records and skimmed lines go out as runs: a whole batch's worth is one `Out`, and
    /// anything else between them keeps its place.
    #[test]
    fn quiet_records_and_skimmed_lines_are_sent_as_runs() {
        let mut sent: Vec<Vec<Out>> = Vec::new();
        let mut emit = |batch: Vec<Out>| {
            sent.push(batch);
            true
        };
        let mut out = Batches {
            batch: Vec::new(),
            emit: &mut emit,
            fresh: false,
        };
        let quiet = || Out::Record {
            id: None,
            time: None,
            alerts: Vec::new(),
        };
        for _ in 0..3 * BATCH {
            assert!(out.push(quiet()));
        }
        assert!(out.push(Out::Skipped));
        for _ in 0..BATCH {
            assert!(out.push(Out::Skimmed(1)));
        }
        // A record with a time to check (a window is set) is not quiet.
        assert!(out.push(Out::Record {
            id: None,
            time: Some(0),
            alerts: Vec::new(),
        }));
        assert!(out.push(quiet()));
        out.finish();
        let runs: Vec<String> = sent
            .iter()
            .flatten()
            .map(|o| match o {
                Out::Quiet(n) => format!("quiet {n}"),
                Out::Skimmed(n) => format!("skimmed {n}"),
                Out::Skipped => "skipped".into(),
                Out::Record { .. } => "record".into(),
                _ => "other".into(),
            })
            .collect();
        assert_eq!(
            runs,
            [
                format!("quiet {}", 3 * BATCH),
                "skipped".into(),
                format!("skimmed {BATCH}"),
                "record".into(),
                "quiet 1".into()
            ]
        );
        assert_eq!(sent.len(), 1);
    }
}
