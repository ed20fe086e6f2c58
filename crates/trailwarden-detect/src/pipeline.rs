//! Decoding and matching on every core, with output in input order.
//!
//! The work of a record — inflating, splitting, validating, matching, building alerts — does not
//! depend on any other record. What does is *admission*: the `--since/--until` window is per
//! record, but duplicate `eventID`s must be judged in arrival order, and alerts, problems and
//! acknowledgements must come out in input order. So the work is cut into [`Unit`]s that worker
//! threads process independently, each producing a stream of results (one per record, skip or
//! problem, with the record's alerts already built); the engine's own thread
//! ([`crate::engine`]) reads the units' streams in the order the units were made and admits,
//! counts and emits.
//!
//! Units:
//! * a whole input (a `.json.gz` CloudTrail object, an S3 object, a queue message, a file that is
//!   not NDJSON): one worker streams it, so memory stays bounded by the record limit;
//! * a slice of an uncompressed NDJSON input ([`Layout::Lines`]) cut at a newline: a value may
//!   not span lines in that layout, so each slice decodes exactly as it would have in the stream
//!   (line numbers carry over). A line longer than [`LONG_LINE`] stops the slicing and the rest
//!   of the input becomes one streamed unit.
//!
//! An NDJSON *file* ([`Input::file`]) is cut without being read: the engine's thread looks at a
//! few kilobytes around each cut for a newline, and the worker reads its own [`Range`] of the
//! file. Reading — the kernel copying the page cache, a fifth of the work on one core — then
//! happens on every core instead of on the one thread everything waits for (two cores scaled
//! 1.5× before, bench/RESULTS.md step 5). A range's first line number depends on the lines of
//! the ranges before it, which the workers count as they read: each range learns its number
//! from the one before and hands on its own plus its count before it decodes anything, so the
//! workers wait on each other only for a count (`ranges.rs`).
//!
//! Memory is bounded: the engine keeps at most `2 × threads + 2` units in flight, and each unit's
//! results go through a bounded channel of batches, so a worker ahead of the engine's thread waits.
//! Deadlock is impossible because units are taken from the queue in order: the unit the engine's
//! thread waits for was taken before any later one, by a worker that only ever waits on it, or
//! (a range) first on the line count of the range before, taken earlier still and handed on
//! before that range's worker waits on anything else.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use crate::source::decode::GZIP_MAGIC;
use crate::source::whole::Failing;
use crate::source::{Input, Layout};

mod ranges;
pub use ranges::{FileSlicer, Range};

/// The size of an NDJSON slice: big enough that a unit's fixed costs vanish, small enough that
/// two cores get many units from one file.
pub const SLICE: usize = 1 << 20;

/// A line longer than this ends the slicing of an input (see the module docs).
pub const LONG_LINE: usize = 16 << 20;

/// Results are sent in batches of this many, to keep channel traffic small.
pub const BATCH: usize = 256;

/// A piece of work: decode these bytes into records and match them.
pub enum Unit {
    /// An input — or, from line `first_line` on, the rest of one — streamed by one worker.
    Stream { input: Input, first_line: u64 },
    /// Complete lines of an NDJSON input, starting at line `first_line` (1-based).
    Slice {
        name: Arc<str>,
        bytes: SliceBytes,
        first_line: u64,
    },
    /// Complete lines of an NDJSON file, not read yet: [`Range::read`] makes it a `Slice`.
    Range(Range),
}

/// Slice buffers handed back by units once decoded, for the next slices. A fresh megabyte per
/// slice cost page faults, zeroing and unmapping in the kernel — a tenth of the CPU time of a
/// two-core NDJSON run (bench/RESULTS.md, step 4) — and kept the buffers cold in the caches.
#[derive(Clone, Debug, Default)]
pub struct SlicePool(Arc<Mutex<Vec<Vec<u8>>>>);

/// Buffers kept at most: the units in flight on two cores, and a few more.
const POOLED: usize = 8;

impl SlicePool {
    fn get(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default()
    }

    /// The buffer keeps its length: a [`Range`] read resizes it to the range, and zeroes only
    /// what it grows by.
    fn put(&self, buf: Vec<u8>) {
        if let Ok(mut pool) = self.0.lock() {
            if pool.len() < POOLED {
                pool.push(buf);
            }
        }
    }
}

/// The bytes of a [`Unit::Slice`]; the buffer goes back to its pool when dropped.
#[derive(Debug)]
pub struct SliceBytes {
    bytes: Vec<u8>,
    pool: SlicePool,
}

impl SliceBytes {
    /// The buffer itself (not handed back).
    pub fn into_vec(mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

impl std::ops::Deref for SliceBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for SliceBytes {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.bytes);
        if buf.capacity() > 0 {
            self.pool.put(buf);
        }
    }
}

/// Cuts an input into [`Unit`]s. Only complete, uncompressed [`Layout::Lines`] inputs are sliced
/// (files by offset, other inputs as they are read); anything else is one [`Unit::Stream`].
pub enum Slicer {
    Reader(Reader),
    File(FileSlicer),
}

impl Slicer {
    /// Slices `input` into buffers from `pool` (shared by the inputs of a run).
    pub fn new(mut input: Input, pool: &SlicePool) -> Slicer {
        if input.layout == Layout::Lines && input.complete {
            if let Some(file) = input.file.take() {
                match FileSlicer::new(input, file, pool) {
                    Ok(slicer) => return Slicer::File(slicer),
                    Err(back) => input = back,
                }
            }
        }
        Slicer::Reader(Reader::new(input, pool))
    }

    /// The next unit of this input; `None` when it is exhausted.
    pub fn next_unit(&mut self) -> Option<Unit> {
        match self {
            Slicer::Reader(r) => r.next_unit(),
            Slicer::File(f) => f.next_unit(),
        }
    }
}

/// Slices an input by reading it on the engine's thread.
pub struct Reader {
    input: Option<Input>,
    /// Bytes read past the last complete line.
    carry: Vec<u8>,
    pool: SlicePool,
    next_line: u64,
    started: bool,
}

impl Reader {
    fn new(input: Input, pool: &SlicePool) -> Reader {
        Reader {
            input: Some(input),
            carry: Vec::new(),
            pool: pool.clone(),
            next_line: 1,
            started: false,
        }
    }

    fn next_unit(&mut self) -> Option<Unit> {
        let mut input = self.input.take()?;
        // A live input is not cut: a slice would wait for a megabyte of it.
        if input.layout != Layout::Lines || !input.complete {
            return Some(Unit::Stream {
                input,
                first_line: 1,
            });
        }
        // Read until the slice size is reached with a newline in it, or the input ends.
        let mut buf = self.pool.get();
        buf.clear();
        // Room for a carried line and a slice read: a reused buffer is not grown again (unless
        // a line is longer than a slice).
        buf.reserve(self.carry.len().max(SLICE) + SLICE);
        buf.extend_from_slice(&self.carry);
        self.carry.clear();
        loop {
            let have = buf.len();
            if (have >= SLICE && memchr::memrchr(b'\n', &buf).is_some()) || have > LONG_LINE {
                break;
            }
            // `read_to_end` on a `take` fills spare capacity without zeroing it first.
            buf.reserve(SLICE);
            match read_up_to(&mut input.reader, &mut buf, SLICE) {
                Ok(0) => return (!buf.is_empty()).then(|| self.slice(&input, buf)),
                Ok(_) => {}
                Err(e) => {
                    // The decoder reports the error with its line, after the bytes read so far.
                    input.reader = Box::new(io::Cursor::new(buf).chain(Failing(Some(e))));
                    return Some(self.rest(input));
                }
            }
            if !self.started && buf.len() >= 2 {
                self.started = true;
                if buf[..2] == GZIP_MAGIC {
                    // Compressed NDJSON: one streamed unit (the decoder inflates it).
                    return Some(self.rest_after(input, buf));
                }
            }
        }
        let Some(cut) = memchr::memrchr(b'\n', &buf) else {
            // A line longer than LONG_LINE: stream the rest (the decoder bounds the record).
            return Some(self.rest_after(input, buf));
        };
        self.carry.extend_from_slice(&buf[cut + 1..]);
        buf.truncate(cut + 1);
        let unit = self.slice(&input, buf);
        self.input = Some(input);
        Some(unit)
    }

    fn slice(&mut self, input: &Input, bytes: Vec<u8>) -> Unit {
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
        Unit::Slice {
            name: input.name.clone(),
            bytes: SliceBytes {
                bytes,
                pool: self.pool.clone(),
            },
            first_line,
        }
    }

    /// The rest of `input`, `read` being bytes already taken from its reader.
    fn rest_after(&mut self, mut input: Input, read: Vec<u8>) -> Unit {
        input.reader = Box::new(io::Cursor::new(read).chain(input.reader));
        self.rest(input)
    }

    fn rest(&mut self, input: Input) -> Unit {
        Unit::Stream {
            input,
            first_line: self.next_line,
        }
    }
}

/// Appends up to `max` bytes from `r` to `buf` (fewer only at the end of the input); the count.
/// `read_to_end` retries on `Interrupted` and keeps what it read before an error.
fn read_up_to(r: &mut dyn Read, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    r.take(max as u64).read_to_end(buf)
}

/// Worker threads that run units; each unit's results come back through its own bounded channel.
pub struct Pool<T: Send + 'static> {
    jobs: Option<mpsc::Sender<Job<T>>>,
}

struct Job<T> {
    unit: Unit,
    results: SyncSender<Vec<T>>,
}

impl<T: Send + 'static> Pool<T> {
    /// Starts `threads` workers in `scope`; each runs `work(unit, emit)` per unit, where `emit`
    /// returns false once nobody listens any more (then the worker should stop that unit).
    pub fn new<'scope, 'env, W>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        threads: usize,
        work: &'env W,
    ) -> Pool<T>
    where
        W: Fn(Unit, &mut dyn FnMut(Vec<T>) -> bool) + Sync,
    {
        let (tx, rx) = mpsc::channel::<Job<T>>();
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..threads {
            let rx = Arc::clone(&rx);
            scope.spawn(move || loop {
                // The lock is held only to take one job; a poisoned lock means another worker
                // panicked, and the scope will re-raise that panic: stop quietly.
                let job = match rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok(job) = job else { return };
                work(job.unit, &mut |batch| job.results.send(batch).is_ok());
            });
        }
        Pool { jobs: Some(tx) }
    }

    /// Queues a unit and returns its result stream (which ends when the unit is done). Never
    /// blocks: the caller bounds how many units are in flight.
    pub fn submit(&self, unit: Unit) -> Receiver<Vec<T>> {
        // A few batches of slack, so a worker ahead of the reader is not stopped at once.
        let (results, rx) = mpsc::sync_channel(4);
        if let Some(jobs) = &self.jobs {
            // Fails only if every worker is gone (one panicked): the stream then just ends, and
            // the scope re-raises the panic.
            let _ = jobs.send(Job { unit, results });
        }
        rx
    }
}

impl<T: Send + 'static> Drop for Pool<T> {
    /// Closing the queue ends the workers' loops once it is empty; workers still on a unit stop
    /// when its receiver is gone. So a scope can join them, even after an early return.
    fn drop(&mut self) {
        self.jobs = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slices(input: Input, pool: &SlicePool) -> Slicer {
        Slicer::new(input, pool)
    }

    fn pooled(pool: &SlicePool) -> usize {
        pool.0.lock().unwrap().len()
    }

    /// A slice's buffer, once dropped, carries the next slice; lines and their numbers are
    /// unchanged by the reuse (the carried partial line included).
    #[test]
    fn slice_buffers_are_reused_and_keep_the_lines() {
        let line = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(1000));
        let lines = 3 * SLICE / line.len();
        let body = line.repeat(lines);
        let pool = SlicePool::default();
        let mut slicer = slices(
            Input {
                name: Arc::from("t.ndjson"),
                reader: Box::new(io::Cursor::new(body.clone().into_bytes())),
                layout: Layout::Lines,
                complete: true,
                file: None,
            },
            &pool,
        );
        let mut got = Vec::new();
        let mut next_line = 1;
        let mut buffers = Vec::new();
        while let Some(unit) = slicer.next_unit() {
            let Unit::Slice {
                bytes, first_line, ..
            } = unit
            else {
                panic!("an NDJSON file is sliced");
            };
            assert_eq!(first_line, next_line);
            next_line += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            buffers.push(bytes.as_ptr());
            got.extend_from_slice(&bytes);
            // The pool's one buffer is out with this slice, and back once it is dropped.
            assert_eq!(pooled(&pool), 0);
            drop(bytes);
            assert_eq!(pooled(&pool), 1);
        }
        assert_eq!(got, body.as_bytes());
        assert_eq!(next_line, lines as u64 + 1);
        assert!(buffers.len() >= 3, "{}", buffers.len());
        // Every slice after the first was read into the first one's buffer, handed back.
        assert!(buffers.iter().all(|&b| b == buffers[0]));
    }
}
