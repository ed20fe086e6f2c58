//! Writes a deterministic, realistic CloudTrail corpus for `bench/detect.sh` and for the
//! detector's whole-corpus equality test (`crates/trailwarden-detect/tests/corpus.rs`):
//!
//! - `<out>/ndjson/cloudtrail.ndjson`: every record, one per line (compact JSON);
//! - `<out>/s3/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz`:
//!   the same records, in the same order, as CloudTrail S3 objects (`{"Records":[...]}`, gzip) of
//!   about 1,000 records each, one account and region per object;
//! - `<out>/MANIFEST`: sizes and counts (written last: its presence means the corpus is complete).
//!
//! Usage: `trailwarden-corpus --out DIR [--size 1G|100M|...] [--seed N] [--per-object N]`, or
//! [`write`] from Rust.
//! Sizes are NDJSON bytes, decimal units (1G = 10^9). The same arguments give the same bytes.

#![forbid(unsafe_code)]

mod json;
mod monitored;
mod records;
mod world;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use flate2::write::GzEncoder;
use flate2::Compression;

use json::{civil, J, LOWER_ALNUM};
use world::{REGIONS, REGION_WEIGHTS};

/// 2026-11-01T00:00:00Z.
const START: u64 = 1_793_491_200;
/// Mean time between records, in milliseconds (≈ 850k records per GB → about 3 days).
const STEP_MS: u64 = 300;

/// What to write.
#[derive(Clone, Debug)]
pub struct Args {
    /// The folder (created; an earlier corpus there is replaced).
    pub out: PathBuf,
    /// NDJSON bytes to write at least (decimal units).
    pub size: u64,
    pub seed: u64,
    /// Mean records per `.json.gz` object (±10 %); at least 10.
    pub per_object: u64,
}

/// `1G`, `100M`, `10K` or a plain number of bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let (num, mult) = match s.chars().last() {
        Some('G' | 'g') => (&s[..s.len() - 1], 1_000_000_000),
        Some('M' | 'm') => (&s[..s.len() - 1], 1_000_000),
        Some('K' | 'k') => (&s[..s.len() - 1], 1_000),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .map(|n| n * mult)
        .map_err(|_| format!("bad --size {s:?} (expected e.g. 1G, 100M)"))
}

/// The command line of the `trailwarden-corpus` binary.
pub fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        out: PathBuf::from("bench/out/detect-1G"),
        size: 1_000_000_000,
        seed: 6,
        per_object: 1000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--out" => args.out = PathBuf::from(val()?),
            "--size" => args.size = parse_size(&val()?)?,
            "--seed" => args.seed = val()?.parse().map_err(|_| "bad --seed".to_string())?,
            "--per-object" => {
                args.per_object = val()?.parse().map_err(|_| "bad --per-object".to_string())?
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.per_object < 10 {
        return Err("--per-object must be at least 10".into());
    }
    Ok(args)
}

/// Writes the corpus described by `args`.
pub fn write(args: &Args) -> std::io::Result<()> {
    let ndjson_dir = args.out.join("ndjson");
    fs::create_dir_all(&ndjson_dir)?;
    let _ = fs::remove_file(args.out.join("MANIFEST"));
    // Objects of an earlier corpus in the same folder would be read too: start from an empty tree.
    match fs::remove_dir_all(args.out.join("s3")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut nd =
        BufWriter::with_capacity(1 << 20, File::create(ndjson_dir.join("cloudtrail.ndjson"))?);
    let mut gen = records::Gen::new(args.seed);
    let (mut nd_bytes, mut gz_bytes, mut json_bytes, mut records, mut objects) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut t_ms = START * 1000;
    let mut rec = J::new();
    while nd_bytes < args.size {
        let rng = gen.rng();
        let acct = rng.weighted(&[60, 30, 10]);
        let region = REGIONS[rng.weighted(REGION_WEIGHTS)];
        let n = args.per_object * 9 / 10 + rng.below(args.per_object / 5 + 1);
        let suffix = rng.chars(
            16,
            LOWER_ALNUM
                .iter()
                .map(|c| c.to_ascii_uppercase())
                .collect::<Vec<_>>()
                .as_slice(),
        );
        let mut body = Vec::with_capacity(1_300 * n as usize + 16);
        body.extend_from_slice(b"{\"Records\":[");
        for i in 0..n {
            t_ms += 1 + gen.rng().below(2 * STEP_MS);
            rec.b.clear();
            gen.record(&mut rec, acct, region, t_ms / 1000);
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&rec.b);
            nd.write_all(&rec.b)?;
            nd.write_all(b"\n")?;
            nd_bytes += rec.b.len() as u64 + 1;
            records += 1;
        }
        body.extend_from_slice(b"]}");
        let account = ["111122223333", "444455556666", "777788889999"][acct];
        let (y, mo, d, h, mi, _) = civil(t_ms / 1000);
        let dir = args.out.join(format!(
            "s3/AWSLogs/{account}/CloudTrail/{region}/{y:04}/{mo:02}/{d:02}"
        ));
        fs::create_dir_all(&dir)?;
        let name = format!(
            "{account}_CloudTrail_{region}_{y:04}{mo:02}{d:02}T{h:02}{mi:02}Z_{suffix}.json.gz"
        );
        let mut gz = GzEncoder::new(Vec::with_capacity(body.len() / 8), Compression::default());
        gz.write_all(&body)?;
        let compressed = gz.finish()?;
        fs::write(dir.join(name), &compressed)?;
        gz_bytes += compressed.len() as u64;
        json_bytes += body.len() as u64;
        objects += 1;
    }
    nd.flush()?;
    fs::write(
        args.out.join("MANIFEST"),
        format!(
            "size_arg={}\nseed={}\nrecords={records}\nndjson_bytes={nd_bytes}\nobjects={objects}\nobjects_json_bytes={json_bytes}\nobjects_gz_bytes={gz_bytes}\n",
            args.size, args.seed
        ),
    )?;
    eprintln!("{records} records, {nd_bytes} NDJSON bytes, {objects} objects ({json_bytes} JSON bytes, {gz_bytes} gzip bytes) in {}", args.out.display());
    Ok(())
}
