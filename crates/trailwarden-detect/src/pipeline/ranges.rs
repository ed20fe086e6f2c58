//! NDJSON files cut by offset: the engine's thread finds the cuts, the workers read the
//! ranges (see the [`super`] module docs for why).

use std::fs::File;
use std::io::{self, Read};
use std::sync::{Arc, Condvar, Mutex};

use super::{SliceBytes, SlicePool, Unit, LONG_LINE, SLICE};
use crate::record::Location;
use crate::source::decode::GZIP_MAGIC;
use crate::source::{Input, Layout, Problem};

/// How much of a file the engine's thread reads at a time when it looks for a cut: a few
/// CloudTrail records.
const WINDOW: usize = 16 << 10;

/// Slices an NDJSON file by offset: the engine's thread reads only the few kilobytes before each
/// cut, to find a newline there; the workers read the slices ([`Range`]).
pub struct FileSlicer {
    /// The input until its first bytes are checked (a compressed file is streamed whole).
    input: Option<Input>,
    name: Arc<str>,
    file: Arc<File>,
    /// The file's size when opened: it is read that far.
    len: u64,
    /// Where the next range starts.
    off: u64,
    /// The line the next range starts at.
    next: LineAt,
    window: Vec<u8>,
    pool: SlicePool,
}

impl FileSlicer {
    /// `file` is the one `input` reads; the input back if its size is unknown.
    pub(super) fn new(input: Input, file: File, pool: &SlicePool) -> Result<FileSlicer, Input> {
        let Ok(meta) = file.metadata() else {
            return Err(input);
        };
        Ok(FileSlicer {
            name: input.name.clone(),
            input: Some(input),
            file: Arc::new(file),
            len: meta.len(),
            off: 0,
            next: LineAt::known(1),
            window: Vec::new(),
            pool: pool.clone(),
        })
    }

    pub(super) fn next_unit(&mut self) -> Option<Unit> {
        if let Some(input) = self.input.take() {
            let mut magic = [0u8; 2];
            let streamed = match read_full_at(&self.file, &mut magic, 0) {
                Ok(2) => magic == GZIP_MAGIC,
                Ok(_) => false,
                // The decoder reports the error.
                Err(_) => true,
            };
            if streamed {
                self.off = self.len;
                return Some(stream(input));
            }
        }
        if self.off >= self.len {
            return None;
        }
        let start = self.off;
        // A line longer than LONG_LINE (or a read error while looking): the rest is streamed,
        // and its decoder bounds the record (or reports the error at its line).
        let (end, rest) = match self.cut(start) {
            Ok(Some(end)) => (end, false),
            Ok(None) | Err(_) => (self.len, true),
        };
        self.off = end;
        let (after, next) = LineAt::pair();
        let at = std::mem::replace(&mut self.next, next);
        Some(Unit::Range(Range {
            name: self.name.clone(),
            file: Arc::clone(&self.file),
            start,
            end,
            rest,
            at,
            after,
            pool: self.pool.clone(),
        }))
    }

    /// Where the range starting at `start` ends: after the last newline before `start + SLICE`,
    /// else after the first one past it; `None` if no line ends within [`LONG_LINE`] bytes.
    fn cut(&mut self, start: u64) -> io::Result<Option<u64>> {
        let target = start + SLICE as u64;
        if target >= self.len {
            return Ok(Some(self.len));
        }
        let mut hi = target;
        while hi > start {
            let lo = hi.saturating_sub(WINDOW as u64).max(start);
            if let Some(i) = memchr::memrchr(b'\n', self.read_window(lo, hi)?) {
                return Ok(Some(lo + i as u64 + 1));
            }
            hi = lo;
        }
        let limit = (start + LONG_LINE as u64).min(self.len);
        let mut lo = target;
        while lo < limit {
            let hi = (lo + WINDOW as u64).min(limit);
            if let Some(i) = memchr::memchr(b'\n', self.read_window(lo, hi)?) {
                return Ok(Some(lo + i as u64 + 1));
            }
            lo = hi;
        }
        // The last line, without a newline and not too long, is a range of its own.
        Ok((limit == self.len).then_some(self.len))
    }

    /// Bytes `lo..hi` of the file; an error if it has fewer now.
    fn read_window(&mut self, lo: u64, hi: u64) -> io::Result<&[u8]> {
        self.window.resize((hi - lo) as usize, 0);
        let got = read_full_at(&self.file, &mut self.window, lo)?;
        if got < self.window.len() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(&self.window)
    }
}

/// The whole input, streamed by one worker.
fn stream(input: Input) -> Unit {
    Unit::Stream {
        input,
        first_line: 1,
    }
}

/// Bytes `start..end` of an NDJSON file, complete lines (or, if `rest`, the rest of the file
/// from `start`, which holds a line too long to slice).
pub struct Range {
    name: Arc<str>,
    file: Arc<File>,
    start: u64,
    end: u64,
    rest: bool,
    /// The line number of the first line, known once the range before has been counted.
    at: LineAt,
    /// Where the next range learns its first line number.
    after: LineAfter,
    pool: SlicePool,
}

impl Range {
    /// Reads the range on the worker: a [`Unit::Slice`] (or, for the rest of a file, a
    /// [`Unit::Stream`]) with its first line number. `Ok(None)` when an earlier range of the same
    /// file could not be read: that was reported, and the rest of the file is not read.
    /// `Err`: this range could not be read, nor any after it.
    pub fn read(self) -> Result<Option<Unit>, Problem> {
        let Range {
            name,
            file,
            start,
            end,
            rest,
            at,
            after,
            pool,
        } = self;
        if rest {
            let Some(first_line) = at.wait() else {
                return Ok(None);
            };
            let input = Input {
                name,
                reader: Box::new(RangeReader {
                    file,
                    off: start,
                    end,
                }),
                layout: Layout::Lines,
                complete: true,
                file: None,
            };
            return Ok(Some(Unit::Stream { input, first_line }));
        }
        let mut bytes = SliceBytes {
            bytes: pool.get(),
            pool,
        };
        let want = (end - start) as usize;
        bytes.bytes.resize(want, 0);
        let got = read_full_at(&file, &mut bytes.bytes, start);
        // Counted before anything is decoded: the next range waits for this number.
        let lines = match &got {
            Ok(n) if *n == want => memchr::memchr_iter(b'\n', &bytes.bytes).count() as u64,
            _ => {
                after.set(None);
                // After a range that could not be read, this one is no news.
                let Some(first_line) = at.wait() else {
                    return Ok(None);
                };
                let why = match got {
                    Err(e) => format!("cannot read bytes {start}..{end}: {e}"),
                    Ok(n) => format!(
                        "the file ended at byte {}, short of byte {end} (it shrank while it \
                         was read)",
                        start + n as u64,
                    ),
                };
                return Err(Problem::new(
                    Location::new(name, Some(first_line), None),
                    format!("{why}; the rest of this input is not read"),
                ));
            }
        };
        let Some(first_line) = at.wait() else {
            after.set(None);
            return Ok(None);
        };
        after.set(Some(first_line + lines));
        Ok(Some(Unit::Slice {
            name,
            bytes,
            first_line,
        }))
    }
}

/// The rest of a file from `off` up to `end`, by positioned reads.
struct RangeReader {
    file: Arc<File>,
    off: u64,
    end: u64,
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = buf.len().min((self.end - self.off) as usize);
        if room == 0 {
            return Ok(0);
        }
        let n = read_at(&self.file, &mut buf[..room], self.off)?;
        self.off += n as u64;
        Ok(n)
    }
}

/// Reads into all of `buf` from `off`, fewer bytes only at the end of the file; the count.
fn read_full_at(file: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match read_at(file, &mut buf[got..], off + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, off)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, off)
}

/// A range's first line number, once known; `None` once it never will be (a range before it
/// could not be read).
struct LineAt(Arc<LineSlot>);

/// The other end of a [`LineAt`]: the range before sets it. Dropped unset (a unit thrown away
/// unread, a worker that panicked), it sets "never", so no worker waits for ever.
struct LineAfter(Option<Arc<LineSlot>>);

#[derive(Default)]
struct LineSlot {
    line: Mutex<Option<Option<u64>>>,
    set: Condvar,
}

impl LineAt {
    fn known(line: u64) -> LineAt {
        let (after, at) = LineAt::pair();
        after.set(Some(line));
        at
    }

    fn pair() -> (LineAfter, LineAt) {
        let slot = Arc::new(LineSlot::default());
        (LineAfter(Some(Arc::clone(&slot))), LineAt(slot))
    }

    fn wait(&self) -> Option<u64> {
        // A poisoned lock only means a worker panicked while holding it; the value is still
        // whole (a plain Option), and the scope re-raises the panic.
        let mut line = self.0.line.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(line) = *line {
                return line;
            }
            line = self.0.set.wait(line).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl LineAfter {
    fn set(mut self, line: Option<u64>) {
        self.publish(line);
    }

    fn publish(&mut self, line: Option<u64>) {
        if let Some(slot) = self.0.take() {
            *slot.line.lock().unwrap_or_else(|e| e.into_inner()) = Some(line);
            slot.set.notify_all();
        }
    }
}

impl Drop for LineAfter {
    fn drop(&mut self) {
        self.publish(None);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Slicer;
    use super::*;

    /// A file of its own for one test, removed when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(test: &str, body: &[u8]) -> TempFile {
            let path = std::env::temp_dir()
                .join(format!("tw-pipeline-{}-{test}.ndjson", std::process::id()));
            std::fs::write(&path, body).unwrap();
            TempFile(path)
        }

        /// The file as `FsSource` opens it: a reader and a handle for positioned reads.
        fn input(&self) -> Input {
            let file = File::open(&self.0).unwrap();
            Input {
                name: Arc::from(self.0.display().to_string()),
                reader: Box::new(file.try_clone().unwrap()),
                layout: Layout::Lines,
                complete: true,
                file: Some(file),
            }
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// Lines of lengths from 1 to ~3,000 bytes, so that the cuts fall anywhere; about `size` bytes.
    fn varied_lines(size: usize) -> Vec<u8> {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut body = Vec::new();
        let mut i = 0;
        while body.len() < size {
            let pad = "x".repeat(rng.usize(0..3000));
            body.extend_from_slice(format!("{{\"n\":{i},\"pad\":\"{pad}\"}}\n").as_bytes());
            i += 1;
        }
        body
    }

    fn ranges(slicer: &mut Slicer) -> Vec<Range> {
        std::iter::from_fn(|| slicer.next_unit())
            .map(|unit| match unit {
                Unit::Range(range) => range,
                _ => panic!("a file is cut into ranges"),
            })
            .collect()
    }

    /// A file is cut by offset at newlines without the engine's thread reading it; each range
    /// is read on its own thread — the later ones started first, so they wait for the line
    /// numbers of the earlier ones — and together they are the file, in complete lines, each
    /// numbered where it stands in the file.
    #[test]
    fn a_file_is_cut_by_offset_into_ranges_read_on_any_thread() {
        let mut body = varied_lines(5 * SLICE);
        body.extend_from_slice(b"{\"last\":\"no newline\"}");
        let file = TempFile::new("cut", &body);
        let pool = SlicePool::default();
        let mut slicer = Slicer::new(file.input(), &pool);
        assert!(matches!(slicer, Slicer::File(_)));
        let ranges = ranges(&mut slicer);
        assert!(ranges.len() >= 5, "{}", ranges.len());
        let read: Vec<(Vec<u8>, u64)> = std::thread::scope(|scope| {
            let handles: Vec<_> = ranges
                .into_iter()
                .rev()
                .map(|range| {
                    scope.spawn(move || match range.read() {
                        Ok(Some(Unit::Slice {
                            bytes, first_line, ..
                        })) => (bytes.to_vec(), first_line),
                        _ => panic!("a range of a readable file is a slice"),
                    })
                })
                .collect();
            let mut read: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            read.reverse();
            read
        });
        let mut next_line = 1;
        let mut whole = Vec::new();
        for (i, (bytes, first_line)) in read.iter().enumerate() {
            assert_eq!(*first_line, next_line, "range {i}");
            next_line += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            // Cut after a newline, near the slice size (a line is at most ~3 KB here).
            if i + 1 < read.len() {
                assert_eq!(bytes.last(), Some(&b'\n'), "range {i}");
                assert!(
                    (SLICE - 4000..=SLICE).contains(&bytes.len()),
                    "{}",
                    bytes.len()
                );
            }
            whole.extend_from_slice(bytes);
        }
        assert_eq!(whole, body);
    }

    /// A line longer than LONG_LINE ends the cutting: the rest of the file is one stream that
    /// starts at that line's number and reads to the end.
    #[test]
    fn a_line_longer_than_long_line_makes_the_rest_one_stream() {
        let mut body = b"{\"a\":1}\n{\"a\":2}\n".to_vec();
        let long_at = body.len();
        body.extend(std::iter::repeat_n(b'x', LONG_LINE + 10));
        body.extend_from_slice(b"\n{\"a\":3}\n");
        let file = TempFile::new("long", &body);
        let mut slicer = Slicer::new(file.input(), &SlicePool::default());
        let mut ranges = ranges(&mut slicer).into_iter();
        let (first, rest) = (ranges.next().unwrap(), ranges.next().unwrap());
        assert!(ranges.next().is_none());
        match first.read() {
            Ok(Some(Unit::Slice {
                bytes, first_line, ..
            })) => {
                assert_eq!(&bytes[..], &body[..long_at]);
                assert_eq!(first_line, 1);
            }
            _ => panic!("the short lines are a slice"),
        }
        match rest.read() {
            Ok(Some(Unit::Stream {
                mut input,
                first_line,
            })) => {
                assert_eq!(first_line, 3);
                let mut got = Vec::new();
                input.reader.read_to_end(&mut got).unwrap();
                assert_eq!(got, &body[long_at..]);
            }
            _ => panic!("the rest is a stream"),
        }
    }

    /// A file that shrinks while it is read: the range that finds it short is a problem naming
    /// the byte and the line, and no range after it is read (their lines would be numbered
    /// wrong); nothing waits for ever.
    #[test]
    fn a_file_truncated_while_read_is_reported_and_not_read_further() {
        let body = varied_lines(4 * SLICE);
        let file = TempFile::new("truncated", &body);
        let mut slicer = Slicer::new(file.input(), &SlicePool::default());
        let ranges = ranges(&mut slicer);
        assert!(ranges.len() >= 4);
        let keep = SLICE + SLICE / 2;
        std::fs::OpenOptions::new()
            .write(true)
            .open(&file.0)
            .unwrap()
            .set_len(keep as u64)
            .unwrap();
        let mut ranges = ranges.into_iter();
        let Ok(Some(Unit::Slice { bytes, .. })) = ranges.next().unwrap().read() else {
            panic!("the first range is whole");
        };
        let second_line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        let problem = match ranges.next().unwrap().read() {
            Err(problem) => problem.to_string(),
            _ => panic!("the second range is cut short"),
        };
        assert!(
            problem.contains(&format!(
                ":{second_line}: the file ended at byte {keep}, short of byte"
            )),
            "{problem}"
        );
        assert!(
            problem.ends_with("the rest of this input is not read"),
            "{problem}"
        );
        for range in ranges {
            assert!(matches!(range.read(), Ok(None)));
        }
    }

    /// A range thrown away unread (the run stopped) does not leave the next one waiting.
    #[test]
    fn a_range_dropped_unread_releases_the_next() {
        let file = TempFile::new("dropped", &varied_lines(3 * SLICE));
        let mut slicer = Slicer::new(file.input(), &SlicePool::default());
        let mut ranges = ranges(&mut slicer).into_iter();
        drop(ranges.next());
        assert!(matches!(ranges.next().unwrap().read(), Ok(None)));
    }

    /// A compressed file is not cut: one worker streams (and inflates) it.
    #[test]
    fn a_compressed_ndjson_file_is_one_stream() {
        let file = TempFile::new("gz", &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
        let mut slicer = Slicer::new(file.input(), &SlicePool::default());
        assert!(matches!(
            slicer.next_unit(),
            Some(Unit::Stream { first_line: 1, .. })
        ));
        assert!(slicer.next_unit().is_none());
    }
}
