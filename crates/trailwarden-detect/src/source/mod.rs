//! Sources: where CloudTrail records come from, and how bytes become [`Record`](crate::record::Record)s.
//!
//! The split has two layers, so that new transports never touch decoding or matching:
//!
//! 1. A [`Source`] yields [`Input`]s: a name (for messages) and a byte stream. [`FsSource`] reads
//!    files, folders (recursively) and stdin. An S3 source (`s3://bucket/prefix`: list the keys,
//!    skip `CloudTrail-Digest/`, stream each `GetObject` body) and an SQS source (receive messages;
//!    an EventBridge envelope is itself an input, an S3/CloudTrail notification names S3 objects to
//!    fetch; delete the message in [`Source::finished`] once its input was processed) are later
//!    additions of the same trait in their own modules.
//! 2. [`decode`] turns any input into records: it sniffs gzip, streams `{"Records":[...]}` one
//!    record at a time (bounded by a size limit), reads NDJSON, unwraps EventBridge envelopes and
//!    CloudWatch Logs subscription payloads, skips digest files, and reports malformed input as
//!    [`Problem`]s with their [`Location`] instead of failing the run.

pub mod aws;
pub mod decode;
pub mod document;
pub mod fast;
pub mod fs;
pub mod head;
pub mod s3;
pub mod split;
pub mod sqs;
pub mod whole;

use std::io::Read;
use std::sync::Arc;

pub use decode::{Decoder, Item, Skipped};
pub use fs::FsSource;
pub use s3::{S3Filter, S3Source, S3Url};
pub use split::Layout;
pub use sqs::{SqsOptions, SqsSource};

use crate::record::Location;

/// A default bound on a single record (or any top-level value): 10 MB. CloudTrail records are
/// at most 256 KB since event version 1.05; anything bigger is hostile or broken.
pub const MAX_RECORD_BYTES: usize = 10 * 1024 * 1024;

/// One object to decode: a file, stdin, an S3 object, a queue message.
pub struct Input {
    /// Shown in alerts and messages (path, `<stdin>`, `s3://…`).
    pub name: Arc<str>,
    pub reader: Box<dyn Read + Send>,
    pub layout: Layout,
    /// All of it is there to read (a regular file, an S3 object, a queue message), so it may be
    /// read whole before decoding (`source::whole`). False for stdin and pipes, whose records are
    /// decoded as they arrive.
    pub complete: bool,
    /// The regular file `reader` reads, when it is one (a handle of its own, for positioned
    /// reads). An uncompressed NDJSON file is then cut into slices by offset, and each worker
    /// reads its own slice, so reading is spread over the cores like matching
    /// ([`crate::pipeline`]). The file is read up to the size it had when opened.
    pub file: Option<std::fs::File>,
}

/// A producer of inputs. Implementations own transport concerns only (listing, fetching,
/// acknowledging); everything after the bytes is shared.
pub trait Source {
    /// The next input; `Err` for one that could not be opened (reported, the run goes on);
    /// `None` when the source is exhausted.
    fn next_input(&mut self) -> Option<Result<Input, Problem>>;

    /// Called once an input has been decoded to its end. `clean` is false when a problem was
    /// reported for it. Queue-backed sources acknowledge (delete) messages here.
    fn finished(&mut self, _name: &str, _clean: bool) {}

    /// Whether [`Source::next_input`] may wait for data to arrive (a queue). The engine then
    /// finishes every input in flight before asking, so no alert or acknowledgement waits on it.
    fn streaming(&self) -> bool {
        false
    }
}

impl<S: Source + ?Sized> Source for &mut S {
    fn next_input(&mut self) -> Option<Result<Input, Problem>> {
        (**self).next_input()
    }
    fn finished(&mut self, name: &str, clean: bool) {
        (**self).finished(name, clean)
    }
    fn streaming(&self) -> bool {
        (**self).streaming()
    }
}

/// Something in the input that could not be used. Reported on stderr; the run goes on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct Problem {
    pub location: Location,
    pub message: String,
}

impl Problem {
    pub fn new(location: Location, message: impl Into<String>) -> Problem {
        Problem {
            location,
            message: message.into(),
        }
    }
}

/// Several sources read one after the other (files, then `s3://…`, then a queue…).
pub struct Chain<'a> {
    sources: Vec<Box<dyn Source + 'a>>,
    current: usize,
    /// Inputs handed out and not finished yet, oldest first, with the index of their source.
    owners: std::collections::VecDeque<(Arc<str>, usize)>,
}

impl<'a> Chain<'a> {
    pub fn new(sources: Vec<Box<dyn Source + 'a>>) -> Chain<'a> {
        Chain {
            sources,
            current: 0,
            owners: Default::default(),
        }
    }
}

impl Source for Chain<'_> {
    fn next_input(&mut self) -> Option<Result<Input, Problem>> {
        while let Some(source) = self.sources.get_mut(self.current) {
            if let Some(item) = source.next_input() {
                if let Ok(input) = &item {
                    self.owners.push_back((input.name.clone(), self.current));
                }
                return Some(item);
            }
            self.current += 1;
        }
        None
    }

    // Inputs are finished in order, but the engine may have opened later inputs (of this or the
    // next source) already: the acknowledgement goes to the source that owns the name.
    fn finished(&mut self, name: &str, clean: bool) {
        let owner = self.owners.iter().position(|(n, _)| **n == *name);
        if let Some((_, source)) = owner.and_then(|i| self.owners.remove(i)) {
            if let Some(source) = self.sources.get_mut(source) {
                source.finished(name, clean);
            }
        }
    }

    // Any source still to come, not only the current one: the call that exhausts a folder is the
    // one that starts waiting on the queue after it.
    fn streaming(&self) -> bool {
        self.sources
            .iter()
            .skip(self.current)
            .any(|source| source.streaming())
    }
}

/// Test helpers shared by the source modules.
#[cfg(test)]
pub(crate) mod testing {
    use std::io::Write;

    /// `data` as one gzip member.
    pub(crate) fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` empty inputs; `streaming` as given.
    struct Inputs {
        left: usize,
        streaming: bool,
        finished: Vec<String>,
    }

    impl Source for Inputs {
        fn next_input(&mut self) -> Option<Result<Input, Problem>> {
            if self.left == 0 {
                return None;
            }
            self.left -= 1;
            Some(Ok(Input {
                name: format!("{}-{}", self.streaming, self.left).into(),
                reader: Box::new(std::io::empty()),
                layout: Layout::Auto,
                complete: true,
                file: None,
            }))
        }
        fn finished(&mut self, name: &str, _clean: bool) {
            self.finished.push(name.to_string());
        }
        fn streaming(&self) -> bool {
            self.streaming
        }
    }

    /// A chain of files then a queue is streaming from the start (asking for the input after the
    /// last file waits on the queue), and acknowledgements reach the source that gave the input,
    /// even when the engine has opened later inputs already.
    #[test]
    fn chain_streaming_and_acknowledgements() {
        let (mut files, mut queue) = (
            Inputs {
                left: 1,
                streaming: false,
                finished: Vec::new(),
            },
            Inputs {
                left: 1,
                streaming: true,
                finished: Vec::new(),
            },
        );
        let mut chain = Chain::new(vec![Box::new(&mut files), Box::new(&mut queue)]);
        assert!(chain.streaming());
        let a = chain.next_input().unwrap().unwrap().name;
        let b = chain.next_input().unwrap().unwrap().name;
        assert!(chain.next_input().is_none());
        chain.finished(&a, true);
        chain.finished(&b, true);
        drop(chain);
        assert_eq!(files.finished, ["false-0"]);
        assert_eq!(queue.finished, ["true-0"]);
        // Files alone are not streaming.
        let mut only = Inputs {
            left: 1,
            streaming: false,
            finished: Vec::new(),
        };
        assert!(!Chain::new(vec![Box::new(&mut only)]).streaming());
    }
}
