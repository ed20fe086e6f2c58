//! Whole inputs in memory, for the fast paths.
//!
//! A CloudTrail log object is a few megabytes of JSON at most in practice, and the fastest way
//! through one is to read it whole, inflate it in one call into a buffer of the size its gzip
//! trailer announces, and split and read its records in place ([`super::document`]). [`load`] does
//! that when it is safe, and otherwise gives the input back — as a reader that yields exactly the
//! same bytes, errors included — for the streaming decoder, which bounds memory and reports damage
//! exactly: inputs over the caps, gzip with several members or trailing bytes, damaged gzip.

use std::io::{self, Read};

use std::sync::Arc;

use super::decode::GZIP_MAGIC;
use super::{Input, Layout};

/// Compressed bytes read into memory at most; a larger input is streamed.
pub const MAX_COMPRESSED: usize = 8 << 20;

/// Inflated bytes held in memory at most (per worker); a larger object is streamed.
pub const MAX_INFLATED: usize = 32 << 20;

/// What [`load`] made of an input.
pub enum Loaded {
    /// The whole input, inflated if it was gzip, with the input's name and layout.
    Json {
        name: Arc<str>,
        layout: Layout,
        json: Vec<u8>,
    },
    /// Not loaded: the input, whose reader still yields every byte from the start.
    Stream(Input),
}

/// Reads `input` whole, or gives it back (see the module docs).
pub fn load(mut input: Input) -> Loaded {
    let mut raw = Vec::new();
    let read = (&mut input.reader)
        .take(MAX_COMPRESSED as u64 + 1)
        .read_to_end(&mut raw);
    if let Err(e) = read {
        // The streaming decoder reports the error after the bytes that came before it.
        input.reader = Box::new(io::Cursor::new(raw).chain(Failing(Some(e))));
        return Loaded::Stream(input);
    }
    if raw.len() > MAX_COMPRESSED {
        input.reader = Box::new(io::Cursor::new(raw).chain(input.reader));
        return Loaded::Stream(input);
    }
    let json = |json| Loaded::Json {
        name: input.name.clone(),
        layout: input.layout,
        json,
    };
    if !raw.starts_with(&GZIP_MAGIC) {
        return json(raw);
    }
    match inflate(&raw) {
        Some(inflated) => json(inflated),
        None => {
            input.reader = Box::new(io::Cursor::new(raw));
            Loaded::Stream(input)
        }
    }
}

/// One gzip member, inflated whole; `None` for anything else (several members, trailing bytes,
/// damage, more than [`MAX_INFLATED`]).
pub fn inflate(gz: &[u8]) -> Option<Vec<u8>> {
    // ISIZE, the last four bytes: the inflated size modulo 2^32 (exact below the cap).
    let size = u32::from_le_bytes(gz.get(gz.len().checked_sub(4)?..)?.try_into().ok()?) as usize;
    if size > MAX_INFLATED {
        return None;
    }
    libdeflate::gzip_member(gz, size)
}

/// libdeflate, through its C API: the one `unsafe` corner of whole-object reading.
#[allow(unsafe_code)]
mod libdeflate {
    use libdeflate_sys::{
        libdeflate_alloc_decompressor, libdeflate_free_decompressor, libdeflate_gzip_decompress_ex,
        libdeflate_result_LIBDEFLATE_SUCCESS,
    };

    /// Inflates `gz`, which must be exactly one gzip member inflating to exactly `size` bytes
    /// (libdeflate checks the member's CRC-32 and ISIZE itself).
    pub(super) fn gzip_member(gz: &[u8], size: usize) -> Option<Vec<u8>> {
        let mut out: Vec<u8> = Vec::with_capacity(size);
        let (mut used, mut written) = (0usize, 0usize);
        // SAFETY: the decompressor is checked for null and freed once; libdeflate reads at most
        // `gz.len()` bytes from `gz`, writes at most `size` bytes into `out`'s spare capacity (at
        // least `size`), and reports how many it wrote; `set_len` is called with that count only
        // on success, when those bytes are initialised.
        unsafe {
            let d = libdeflate_alloc_decompressor();
            if d.is_null() {
                return None;
            }
            let result = libdeflate_gzip_decompress_ex(
                d,
                gz.as_ptr().cast(),
                gz.len(),
                out.as_mut_ptr().cast(),
                size,
                &mut used,
                &mut written,
            );
            libdeflate_free_decompressor(d);
            if result != libdeflate_result_LIBDEFLATE_SUCCESS || written > size {
                return None;
            }
            out.set_len(written);
        }
        // A second member, or anything after the first, goes to the streaming decoder.
        (used == gz.len() && written == size).then_some(out)
    }
}

/// A reader that fails once with a saved error (then reads as empty).
pub(crate) struct Failing(pub(crate) Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    use crate::source::testing::gz;

    fn input(bytes: Vec<u8>) -> Input {
        Input {
            name: "t".into(),
            reader: Box::new(io::Cursor::new(bytes)),
            layout: super::super::Layout::Auto,
            complete: true,
            file: None,
        }
    }

    fn streamed_bytes(loaded: Loaded) -> Vec<u8> {
        match loaded {
            Loaded::Json { .. } => panic!("expected the input back"),
            Loaded::Stream(mut input) => {
                let mut all = Vec::new();
                input.reader.read_to_end(&mut all).unwrap();
                all
            }
        }
    }

    #[test]
    fn one_member_is_inflated_plain_json_kept() {
        let json = br#"{"Records":[]}"#.repeat(1000);
        assert_eq!(inflate(&gz(&json)).as_deref(), Some(&json[..]));
        for bytes in [gz(&json), json.clone()] {
            match load(input(bytes)) {
                Loaded::Json { json: j, name, .. } => {
                    assert_eq!(j, json);
                    assert_eq!(&*name, "t");
                }
                Loaded::Stream(_) => panic!("not loaded"),
            }
        }
    }

    #[test]
    fn header_fields_are_understood() {
        let mut e = flate2::GzBuilder::new()
            .filename("123_CloudTrail_us-east-1_x.json")
            .comment("c")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), flate2::Compression::best());
        e.write_all(b"{\"Records\":[]}").unwrap();
        let data = e.finish().unwrap();
        assert_eq!(inflate(&data).as_deref(), Some(&b"{\"Records\":[]}"[..]));
    }

    #[test]
    fn anything_else_goes_back_to_the_stream_unchanged() {
        let a = gz(b"{\"a\":1}");
        // Two members of the same size and content: ISIZE and CRC alone would not tell.
        let two = [a.clone(), a.clone()].concat();
        assert!(inflate(&two).is_none());
        assert_eq!(streamed_bytes(load(input(two.clone()))), two);
        // Trailing garbage, truncation, a wrong ISIZE.
        let trailing = [a.clone(), b"xx".to_vec()].concat();
        assert!(inflate(&trailing).is_none());
        let truncated = a[..a.len() - 5].to_vec();
        assert_eq!(streamed_bytes(load(input(truncated.clone()))), truncated);
        let mut lying = a.clone();
        let n = lying.len();
        lying[n - 4] ^= 1;
        assert!(inflate(&lying).is_none());
        // A damaged body (the CRC-32 no longer matches).
        let mut damaged = gz(&br#"{"Records":[{"eventName":"A"}]}"#.repeat(50));
        let mid = damaged.len() / 2;
        damaged[mid] ^= 0x55;
        assert!(inflate(&damaged).is_none());
        // Over the compressed cap.
        let big = vec![b' '; MAX_COMPRESSED + 10];
        assert_eq!(streamed_bytes(load(input(big.clone()))).len(), big.len());
    }

    #[test]
    fn a_read_error_comes_after_the_bytes_before_it() {
        struct Broken(bool);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    Err(io::Error::other("disk on fire"))
                } else {
                    buf[..3].copy_from_slice(b"abc");
                    Ok(3)
                }
            }
        }
        let loaded = load(Input {
            name: "b".into(),
            reader: Box::new(Broken(false)),
            layout: super::super::Layout::Auto,
            complete: true,
            file: None,
        });
        let Loaded::Stream(mut input) = loaded else {
            panic!("loaded a broken input")
        };
        let mut buf = [0u8; 8];
        assert_eq!(input.reader.read(&mut buf).unwrap(), 3);
        assert_eq!(
            input.reader.read(&mut buf).unwrap_err().to_string(),
            "disk on fire"
        );
    }
}
