//! "Does any of these literals occur?" — Teddy on 64 bytes at a time, with AVX-512.
//!
//! The prefilter's first question is asked of every record, for some 80 anchor literals (the 15
//! CIS patterns' event names). `aho-corasick`'s Teddy answers it 16 bytes at a time (its widest
//! form on AVX2); this one takes 64, the width of an AVX-512 register, and is used when the CPU
//! has AVX-512 BW.
//!
//! The algorithm is Teddy's (Hyperscan's literal matcher). Literals are sorted and cut into 16
//! buckets. For each of the first four bytes of a literal (the fingerprint), two 16-entry tables
//! map the byte's low and high nibble to the set of buckets (one bit each) that accept that byte
//! there. A 64-byte window is looked up at offsets 0..4 with byte shuffles; the AND of all lookups
//! has bit `b` at position `p` when the four bytes from `p` are accepted by bucket `b` — a
//! necessary condition for a literal of bucket `b` to start at `p`, which is then checked byte for
//! byte. A literal shorter than the fingerprint accepts any byte past its end. So no occurrence is
//! ever missed: the tables only over-approximate, and every candidate is verified.

/// Fingerprint length: bytes of each literal looked up per position.
const FINGERPRINT: usize = 4;

/// Buckets: two sets of tables with a bit per bucket in each byte. Sixteen, not eight: with some
/// 80 literals, eight buckets of ten accept so many 4-byte strings that checking the candidates
/// cost more than the search.
const BUCKETS: usize = 16;

/// A compiled literal set; [`Teddy::new`] says `None` where this CPU cannot run it.
#[derive(Clone, Debug)]
pub struct Teddy {
    /// Per half (buckets 0–7, 8–15) and fingerprint byte: the bucket sets of each low nibble and
    /// each high nibble.
    lo: [[[u8; 16]; FINGERPRINT]; 2],
    hi: [[[u8; 16]; FINGERPRINT]; 2],
    /// The literals of each bucket, each with its first four bytes as a number and the mask of
    /// those it has (a cheap first comparison: most candidates fail it).
    buckets: Vec<Vec<Literal>>,
}

#[derive(Clone, Debug)]
struct Literal {
    head: u32,
    mask: u32,
    /// Bytes 4–7, as `head` (literals of 4 bytes or fewer have none).
    next: u32,
    next_mask: u32,
    bytes: Box<[u8]>,
}

/// Up to four bytes from `bytes[from..]` as a little-endian number, and the mask of those present.
fn word_at(bytes: &[u8], from: usize) -> (u32, u32) {
    let mut word = [0u8; 4];
    let mut mask = [0u8; 4];
    for (i, &b) in bytes.iter().skip(from).take(4).enumerate() {
        word[i] = b;
        mask[i] = 0xff;
    }
    (u32::from_le_bytes(word), u32::from_le_bytes(mask))
}

impl Literal {
    fn new(bytes: &[u8]) -> Literal {
        let (head, mask) = word_at(bytes, 0);
        let (next, next_mask) = word_at(bytes, 4);
        Literal {
            head,
            mask,
            next,
            next_mask,
            bytes: Box::from(bytes),
        }
    }

    /// Whether the literal starts `rest`; `word` is `rest`'s first four bytes (zero past its end).
    /// Bytes 4–7 are compared as one number before the rest: many false candidates share the
    /// first four with a literal (`Authentication` and `AuthorizeSecurityGroupIngress`), and
    /// a call to `memcmp` for each cost more than the search around them.
    #[inline]
    fn at(&self, rest: &[u8], word: u32) -> bool {
        if word & self.mask != self.head || rest.len() < self.bytes.len() {
            return false;
        }
        let next = match rest.get(4..8) {
            Some(w) => <[u8; 4]>::try_from(w).map_or(0, u32::from_le_bytes),
            None => word_at(rest, 4).0,
        };
        if next & self.next_mask != self.next {
            return false;
        }
        rest.starts_with(&self.bytes)
    }
}

impl Teddy {
    /// Compiles `literals` (none empty), if this CPU has AVX-512 BW.
    pub fn new<L: AsRef<[u8]>>(literals: &[L]) -> Option<Teddy> {
        if !simd::available() || literals.is_empty() {
            return None;
        }
        Teddy::compile(literals)
    }

    /// The tables, whatever the CPU (the tests check them on any machine).
    fn compile<L: AsRef<[u8]>>(literals: &[L]) -> Option<Teddy> {
        let mut sorted: Vec<&[u8]> = literals.iter().map(AsRef::as_ref).collect();
        if sorted.iter().any(|l| l.is_empty()) {
            return None;
        }
        // Neighbours in sorted order share prefixes: putting them in one bucket keeps each
        // bucket's accepted bytes few, and so its false candidates.
        sorted.sort_unstable();
        sorted.dedup();
        // A literal shorter than the fingerprint accepts any byte past its end, and so would
        // every literal of its bucket: `\u` among ten event names made the search 35 times more
        // candidates to check. Each such literal gets a bucket of its own while there are enough.
        let short = sorted.iter().filter(|l| l.len() < FINGERPRINT).count();
        let own = if short < BUCKETS { short } else { 0 };
        let (alone, shared): (Vec<&[u8]>, Vec<&[u8]>) = if own > 0 {
            sorted.iter().partition(|l| l.len() < FINGERPRINT)
        } else {
            (Vec::new(), sorted)
        };
        let per_bucket = shared.len().div_ceil(BUCKETS - own).max(1);
        let mut t = Teddy {
            lo: [[[0; 16]; FINGERPRINT]; 2],
            hi: [[[0; 16]; FINGERPRINT]; 2],
            buckets: vec![Vec::new(); BUCKETS],
        };
        let placed = alone.iter().enumerate().chain(
            shared
                .iter()
                .enumerate()
                .map(|(i, l)| (own + i / per_bucket, l)),
        );
        for (bucket, lit) in placed {
            let (half, bit) = (bucket / 8, 1u8 << (bucket % 8));
            let (lo, hi) = (&mut t.lo[half], &mut t.hi[half]);
            for k in 0..FINGERPRINT {
                match lit.get(k) {
                    Some(&b) => {
                        lo[k][usize::from(b & 0xf)] |= bit;
                        hi[k][usize::from(b >> 4)] |= bit;
                    }
                    // Past the literal's end any byte will do.
                    None => {
                        for n in 0..16 {
                            lo[k][n] |= bit;
                            hi[k][n] |= bit;
                        }
                    }
                }
            }
            t.buckets[bucket].push(Literal::new(lit));
        }
        Some(t)
    }

    /// Whether any literal occurs in `haystack`.
    pub fn occurs(&self, haystack: &[u8]) -> bool {
        self.find(haystack).is_some()
    }

    /// Where the leftmost occurrence of any literal starts in `haystack`. Searching a whole
    /// buffer once costs less than asking [`Teddy::occurs`] of each of its lines: the tables are
    /// loaded once, and only the buffer's last 64 bytes need padding.
    pub fn find(&self, haystack: &[u8]) -> Option<usize> {
        simd::find(self, haystack)
    }

    /// Whether a literal of a bucket in `buckets` (a bit each) starts at `haystack[at..]`.
    #[inline]
    fn verify(&self, haystack: &[u8], at: usize, mut buckets: u16) -> bool {
        let Some(rest) = haystack.get(at..) else {
            return false;
        };
        let mut word = [0u8; 4];
        let n = rest.len().min(4);
        word[..n].copy_from_slice(&rest[..n]);
        let word = u32::from_le_bytes(word);
        while buckets != 0 {
            let b = buckets.trailing_zeros() as usize;
            buckets &= buckets - 1;
            if self.buckets[b].iter().any(|l| l.at(rest, word)) {
                return true;
            }
        }
        false
    }

    /// The same answer without SIMD: each position's bucket set from the tables, then verified.
    /// The reference the tests hold the SIMD search to.
    #[cfg(test)]
    fn find_portable(&self, haystack: &[u8]) -> Option<usize> {
        (0..haystack.len()).find(|&p| {
            let mut set = [0xffu8; 2];
            for (half, set) in set.iter_mut().enumerate() {
                for k in 0..FINGERPRINT {
                    // Past the end the SIMD search sees zero bytes.
                    let b = haystack.get(p + k).copied().unwrap_or(0);
                    *set &= self.lo[half][k][usize::from(b & 0xf)]
                        & self.hi[half][k][usize::from(b >> 4)];
                }
            }
            let set = u16::from_le_bytes(set);
            set != 0 && self.verify(haystack, p, set)
        })
    }
}

/// The AVX-512 search. `unsafe` is allowed here alone: the intrinsics need it, and this is the
/// prefilter every record goes through (bench/RESULTS.md, step 3).
#[allow(unsafe_code)]
mod simd {
    use super::Teddy;

    pub(super) fn available() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx512bw")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    pub(super) fn find(t: &Teddy, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        {
            if available() {
                // SAFETY: the CPU has AVX-512 BW (checked just above; the result is cached).
                return unsafe { avx512::find(t, haystack) };
            }
        }
        // `Teddy::new` only builds where `available()`; answer without SIMD all the same.
        (0..haystack.len()).find(|&p| t.verify(haystack, p, u16::MAX))
    }

    #[cfg(target_arch = "x86_64")]
    mod avx512 {
        use super::super::{Teddy, FINGERPRINT};
        use std::arch::x86_64::*;

        /// 64 positions per step; each step reads 64 + 3 bytes.
        const STEP: usize = 64;
        const READ: usize = STEP + FINGERPRINT - 1;

        #[target_feature(enable = "avx512f,avx512bw")]
        pub(in super::super) fn find(t: &Teddy, haystack: &[u8]) -> Option<usize> {
            let tables = Tables::new(t);
            let mut p = 0;
            while p < haystack.len() {
                let acc = if p + READ <= haystack.len() {
                    // SAFETY: bytes p..p + READ are inside `haystack`.
                    unsafe { tables.buckets(haystack.as_ptr().add(p)) }
                } else {
                    // The tail, zero-padded: every candidate is verified against `haystack`
                    // itself, so a padding byte can only add candidates, never a match.
                    let mut padded = [0u8; READ];
                    let rest = &haystack[p..];
                    padded[..rest.len()].copy_from_slice(rest);
                    // SAFETY: `padded` holds READ bytes.
                    unsafe { tables.buckets(padded.as_ptr()) }
                };
                let left = haystack.len() - p;
                let valid = if left >= STEP { !0 } else { (1u64 << left) - 1 };
                if let Some(i) = verify(t, haystack, p, acc, valid) {
                    return Some(p + i);
                }
                p += STEP;
            }
            None
        }

        /// Verifies the candidates among the `valid` positions of the step at `p`, whose bucket
        /// sets (buckets 0–7, 8–15) are `acc`, in order: the first that holds a literal.
        #[inline]
        #[target_feature(enable = "avx512f,avx512bw")]
        fn verify(
            t: &Teddy,
            haystack: &[u8],
            p: usize,
            acc: [__m512i; 2],
            valid: u64,
        ) -> Option<usize> {
            let [a, b] = acc;
            let mut found = (_mm512_test_epi8_mask(a, a) | _mm512_test_epi8_mask(b, b)) & valid;
            if found == 0 {
                return None;
            }
            let mut sets = [[0u8; STEP]; 2];
            // SAFETY: each store writes the 64 bytes of one array.
            unsafe {
                _mm512_storeu_si512(sets[0].as_mut_ptr().cast(), a);
                _mm512_storeu_si512(sets[1].as_mut_ptr().cast(), b);
            }
            while found != 0 {
                let i = found.trailing_zeros() as usize;
                found &= found - 1;
                if t.verify(
                    haystack,
                    p + i,
                    u16::from_le_bytes([sets[0][i], sets[1][i]]),
                ) {
                    return Some(i);
                }
            }
            None
        }

        /// The nibble tables, each broadcast to the four 128-bit lanes (shuffles stay in a lane).
        struct Tables {
            lo: [[__m512i; FINGERPRINT]; 2],
            hi: [[__m512i; FINGERPRINT]; 2],
        }

        impl Tables {
            #[target_feature(enable = "avx512f,avx512bw")]
            fn new(t: &Teddy) -> Tables {
                let wide = |table: &[u8; 16]| {
                    // SAFETY: reads the 16 bytes of `table`.
                    let v = unsafe { _mm_loadu_si128(table.as_ptr().cast()) };
                    _mm512_broadcast_i32x4(v)
                };
                Tables {
                    lo: std::array::from_fn(|h| std::array::from_fn(|k| wide(&t.lo[h][k]))),
                    hi: std::array::from_fn(|h| std::array::from_fn(|k| wide(&t.hi[h][k]))),
                }
            }

            /// The bucket sets (buckets 0–7, 8–15) of the 64 positions starting at `at`.
            #[inline]
            #[target_feature(enable = "avx512f,avx512bw")]
            unsafe fn buckets(&self, at: *const u8) -> [__m512i; 2] {
                let nibble = _mm512_set1_epi8(0x0f);
                let mut acc = [_mm512_set1_epi8(-1); 2];
                for k in 0..FINGERPRINT {
                    // SAFETY: the caller guarantees READ readable bytes at `at`.
                    let v = unsafe { _mm512_loadu_si512(at.add(k).cast()) };
                    let lo = _mm512_and_si512(v, nibble);
                    let hi = _mm512_and_si512(_mm512_srli_epi16::<4>(v), nibble);
                    for (h, acc) in acc.iter_mut().enumerate() {
                        let m = _mm512_and_si512(
                            _mm512_shuffle_epi8(self.lo[h][k], lo),
                            _mm512_shuffle_epi8(self.hi[h][k], hi),
                        );
                        *acc = _mm512_and_si512(*acc, m);
                    }
                }
                acc
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leftmost start of any literal, by brute force.
    fn reference(literals: &[&[u8]], haystack: &[u8]) -> Option<usize> {
        (0..haystack.len()).find(|&p| literals.iter().any(|l| haystack[p..].starts_with(l)))
    }

    #[test]
    fn finds_every_literal_everywhere() {
        let literals: Vec<&[u8]> = vec![
            b"ConsoleLogin",
            b"Root",
            b"Ab",
            b"x",
            b"DeleteTrail",
            b"CreateVpc",
            b"AccessDenied",
            b"\xff\x00z",
        ];
        let t = Teddy::compile(&literals).unwrap();
        for lit in &literals {
            for pad in 0..140 {
                for tail in 0..5 {
                    let mut h = vec![b'.'; pad];
                    h.extend_from_slice(lit);
                    h.extend(std::iter::repeat_n(b'-', tail));
                    let want = reference(&literals, &h);
                    assert!(want.is_some_and(|w| w <= pad));
                    assert_eq!(t.find_portable(&h), want);
                    assert_eq!(
                        t.find(&h),
                        want,
                        "{:?} at {pad}",
                        String::from_utf8_lossy(lit)
                    );
                }
            }
        }
        assert!(!t.occurs(&[b'.'; 500]));
        assert!(!t.occurs(b""));
        assert!(!t.occurs(b"ConsoleLogi"));
        assert!(!t.occurs(b"Roo"));
    }

    #[test]
    fn agrees_with_a_plain_search_on_random_text() {
        let mut rng = 0x9e3779b97f4a7c15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let alphabet = b"abcABC\"{}:,0\xff";
        for round in 0..300 {
            let n = 1 + (next() % 100) as usize;
            let lits: Vec<Vec<u8>> = (0..n)
                .map(|_| {
                    let len = 1 + (next() % 7) as usize;
                    (0..len)
                        .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                        .collect()
                })
                .collect();
            let refs: Vec<&[u8]> = lits.iter().map(Vec::as_slice).collect();
            let t = Teddy::compile(&refs).unwrap();
            for _ in 0..20 {
                let len = (next() % 300) as usize;
                let h: Vec<u8> = (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect();
                let want = reference(&refs, &h);
                assert_eq!(t.find_portable(&h), want, "round {round}");
                assert_eq!(t.find(&h), want, "round {round}");
                assert_eq!(t.occurs(&h), want.is_some(), "round {round}");
            }
        }
    }

    /// The CIS anchors over real CloudTrail records, line by line and at every cut of a record:
    /// the same answers as aho-corasick.
    #[test]
    fn cis_anchors_on_real_records() {
        let records =
            include_str!("../../../testdata/cloudtrail-samples/panther-analysis-rule-tests.ndjson");
        let text = include_str!("../benches/cis_v3.txt");
        let mut anchors: Vec<String> = Vec::new();
        for line in text.lines().filter(|l| l.starts_with('{')) {
            if let Ok(crate::Pattern::Json(e)) = crate::Pattern::parse(line) {
                anchors.extend(crate::prefilter::requirement(&e).into_iter().flatten());
            }
        }
        assert!(anchors.len() > 60);
        let t = Teddy::compile(&anchors).unwrap();
        // Leftmost-first: its first match is the one that starts first.
        let ac = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(&anchors)
            .unwrap();
        let mut hits = 0;
        for record in records.lines() {
            let r = record.as_bytes();
            for cut in [0, 1, 7, 63, 64, 65, r.len() / 2] {
                let h = &r[cut.min(r.len())..];
                let want = ac.find(h).map(|m| m.start());
                assert_eq!(t.find(h), want, "{record}");
                assert_eq!(t.find_portable(h), want);
                hits += usize::from(want.is_some());
            }
        }
        assert!(hits > 100, "{hits}");
    }

    /// A literal shorter than the fingerprint has a bucket of its own while there are enough,
    /// and finding still finds everything (`finds_every_literal_everywhere` mixes lengths too).
    #[test]
    fn short_literals_get_buckets_of_their_own() {
        let mut lits: Vec<String> = (0..40).map(|i| format!("Event{i:02}Name")).collect();
        lits.push("\\u".into());
        lits.push("ab".into());
        let t = Teddy::compile(&lits).unwrap();
        for short in [&b"\\u"[..], b"ab"] {
            let bucket = t
                .buckets
                .iter()
                .find(|b| b.iter().any(|l| &*l.bytes == short))
                .unwrap();
            assert_eq!(bucket.len(), 1);
        }
        assert_eq!(t.buckets.iter().map(Vec::len).sum::<usize>(), 42);
        assert_eq!(t.find(b"xx\\u0041 Event07Name"), Some(2));
        assert_eq!(t.find(b"..Event39Name"), Some(2));
        assert_eq!(t.find(b"Event40Name"), None);
    }

    #[test]
    fn empty_literals_are_refused() {
        assert!(Teddy::compile(&[&b""[..], b"a"]).is_none());
    }
}
