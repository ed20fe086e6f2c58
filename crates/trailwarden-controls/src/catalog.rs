//! The [`Catalog`]: every benchmark version, loaded from the embedded data or from a directory.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use crate::model::{Benchmark, DEFAULT_BENCHMARK_ID};
use crate::{load, Error};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// All known benchmark versions, oldest first.
#[derive(Clone, Debug)]
pub struct Catalog {
    benchmarks: Vec<Benchmark>,
}

impl Catalog {
    /// The catalog compiled into this binary, loaded once. It only fails if the data shipped with
    /// the build is broken, which the crate's tests rule out; the error names file and field.
    pub fn builtin() -> Result<&'static Catalog, Error> {
        static BUILTIN: OnceLock<Result<Catalog, Error>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Catalog::from_files(embedded::FILES.iter().copied()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Builds a catalog from `(path, contents)` pairs, paths relative to `controls/`
    /// (`cis-aws-foundations/v3.0.0/4.1-unauthorized-api-calls.toml`). Each directory holding
    /// TOML files is one benchmark.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalog, Error> {
        let mut dirs: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for (path, text) in files {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            dirs.entry(dir).or_default().push((path, text));
        }
        let mut benchmarks = Vec::new();
        for (dir, files) in &dirs {
            let b = load::benchmark(dir, files)?;
            if benchmarks.iter().any(|o: &Benchmark| o.id == b.id) {
                return Err(Error::invalid(
                    &format!("{dir}/benchmark.toml"),
                    "id",
                    format!("`{}` is defined twice", b.id),
                ));
            }
            benchmarks.push(b);
        }
        benchmarks.sort_by_key(|b| version_key(&b.version));
        Ok(Catalog { benchmarks })
    }

    /// Loads `root/<family>/<version>/*.toml` from disk (e.g. a user's own copy of `controls/`).
    pub fn load_dir(root: &Path) -> Result<Catalog, Error> {
        let io = |p: &Path, e: std::io::Error| Error::Io {
            file: p.display().to_string(),
            message: e.to_string(),
        };
        let mut owned = Vec::new();
        for family in sorted_dirs(root).map_err(|e| io(root, e))? {
            for version in sorted_dirs(&family).map_err(|e| io(&family, e))? {
                for entry in std::fs::read_dir(&version).map_err(|e| io(&version, e))? {
                    let path = entry.map_err(|e| io(&version, e))?.path();
                    if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                        let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
                        let rel = path
                            .strip_prefix(root)
                            .unwrap_or(&path)
                            .to_string_lossy()
                            .replace('\\', "/");
                        owned.push((rel, text));
                    }
                }
            }
        }
        Catalog::from_files(owned.iter().map(|(p, t)| (p.as_str(), t.as_str())))
    }

    /// Every benchmark, oldest version first.
    pub fn benchmarks(&self) -> &[Benchmark] {
        &self.benchmarks
    }

    /// A benchmark by id or version: `cis-aws-foundations-v3.0.0`, `v3.0.0` or `3.0.0`.
    pub fn benchmark(&self, id_or_version: &str) -> Option<&Benchmark> {
        let wanted = id_or_version.trim();
        let version = wanted.strip_prefix('v').unwrap_or(wanted);
        self.benchmarks
            .iter()
            .find(|b| b.id.eq_ignore_ascii_case(wanted) || b.version == version)
    }

    /// The named benchmark, or the default one for `None`; an unknown name is an error listing the
    /// known ids.
    pub fn resolve(&self, id_or_version: Option<&str>) -> Result<&Benchmark, Error> {
        let wanted = id_or_version.unwrap_or(DEFAULT_BENCHMARK_ID);
        self.benchmark(wanted)
            .ok_or_else(|| Error::UnknownBenchmark {
                given: wanted.to_string(),
                known: self.benchmarks.iter().map(|b| b.id.clone()).collect(),
            })
    }

    /// The default benchmark (CIS v3.0.0), if the catalog has it.
    pub fn default_benchmark(&self) -> Option<&Benchmark> {
        self.benchmark(DEFAULT_BENCHMARK_ID)
    }
}

/// `1.10.0` sorts after `1.4.0`; anything unparsable sorts last.
fn version_key(v: &str) -> Vec<u64> {
    v.split('.')
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect()
}

fn sorted_dirs(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "tools") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
