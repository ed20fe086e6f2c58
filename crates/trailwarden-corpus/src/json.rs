//! The small pieces the record writer needs: a compact JSON writer, a seeded PRNG and UTC time
//! formatting. Hand-written (no serde) because the generator must write 1 GB in seconds.

/// Compact JSON written straight into a byte buffer; commas are placed automatically.
pub struct J {
    pub b: Vec<u8>,
    /// One entry per open object/array: "no member written yet".
    first: Vec<bool>,
}

impl J {
    pub fn new() -> J {
        J {
            b: Vec::with_capacity(1 << 20),
            first: Vec::new(),
        }
    }

    fn sep(&mut self) {
        if let Some(f) = self.first.last_mut() {
            if *f {
                *f = false;
            } else {
                self.b.push(b',');
            }
        }
    }

    fn key(&mut self, k: &str) {
        self.sep();
        self.b.push(b'"');
        self.b.extend_from_slice(k.as_bytes());
        self.b.extend_from_slice(b"\":");
    }

    pub fn open(&mut self) {
        self.sep();
        self.b.push(b'{');
        self.first.push(true);
    }

    pub fn close(&mut self) {
        self.b.push(b'}');
        self.first.pop();
    }

    pub fn obj(&mut self, k: &str) {
        self.key(k);
        self.b.push(b'{');
        self.first.push(true);
    }

    pub fn arr(&mut self, k: &str) {
        self.key(k);
        self.b.push(b'[');
        self.first.push(true);
    }

    pub fn close_arr(&mut self) {
        self.b.push(b']');
        self.first.pop();
    }

    /// A string member, escaped as CloudTrail does (quotes, backslashes, control characters).
    pub fn s(&mut self, k: &str, v: &str) {
        self.key(k);
        self.quoted(v);
    }

    /// A string element of an array.
    #[cfg(test)]
    pub fn item(&mut self, v: &str) {
        self.sep();
        self.quoted(v);
    }

    /// A raw JSON member (numbers, booleans, null, pre-built JSON).
    pub fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.b.extend_from_slice(v.as_bytes());
    }

    pub fn boolean(&mut self, k: &str, v: bool) {
        self.raw(k, if v { "true" } else { "false" });
    }

    fn quoted(&mut self, v: &str) {
        self.b.push(b'"');
        for &c in v.as_bytes() {
            match c {
                b'"' => self.b.extend_from_slice(b"\\\""),
                b'\\' => self.b.extend_from_slice(b"\\\\"),
                b'\n' => self.b.extend_from_slice(b"\\n"),
                c if c < 0x20 => self.b.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
                c => self.b.push(c),
            }
        }
        self.b.push(b'"');
    }
}

/// SplitMix64: deterministic, fast, good enough for a synthetic corpus.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }

    /// True with probability `per_million / 1e6`.
    pub fn chance(&mut self, per_million: u64) -> bool {
        self.below(1_000_000) < per_million
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// Index chosen with the given integer weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < u64::from(w) {
                return i;
            }
            r -= u64::from(w);
        }
        weights.len() - 1
    }

    pub fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// `n` characters from `alphabet`.
    pub fn chars(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n).map(|_| *self.pick(alphabet) as char).collect()
    }

    pub fn ip(&mut self) -> String {
        // Documentation and private-looking public ranges, mixed.
        let prefixes = [
            "203.0.113",
            "198.51.100",
            "192.0.2",
            "52.94.133",
            "3.120.181",
            "18.206.107",
        ];
        format!("{}.{}", self.pick(&prefixes), 1 + self.below(254))
    }
}

pub const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// (year, month, day, hour, minute, second) of a Unix time (UTC).
pub fn civil(t: u64) -> (u64, u64, u64, u64, u64, u64) {
    let days = (t / 86_400) as i64;
    let secs = t % 86_400;
    // Howard Hinnant's days_from_civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y as u64,
        m as u64,
        d as u64,
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
    )
}

/// `2026-11-01T00:00:00Z`, the form of `eventTime`.
pub fn iso(t: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_time() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_793_491_200), "2026-11-01T00:00:00Z");
        assert_eq!(iso(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn writer_commas_and_escapes() {
        let mut j = J::new();
        j.open();
        j.s("a", "x\"y");
        j.arr("b");
        j.item("1");
        j.item("2");
        j.close_arr();
        j.obj("c");
        j.close();
        j.close();
        assert_eq!(
            String::from_utf8(j.b).unwrap(),
            r#"{"a":"x\"y","b":["1","2"],"c":{}}"#
        );
    }
}
