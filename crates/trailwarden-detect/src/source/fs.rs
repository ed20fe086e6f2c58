//! Files, folders and stdin.
//!
//! A named file is always read. In a folder (walked recursively, in sorted order so runs are
//! reproducible) only files that look like CloudTrail data are read: `.json`, `.json.gz`,
//! `.ndjson`, `.jsonl` (optionally `.gz`), and `.gz`; digest files (a `CloudTrail-Digest` path
//! component or `_CloudTrail-Digest_` in the name) are skipped. `-` is stdin.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Input, Layout, Problem, Source};
use crate::record::Location;

/// Reads the paths given on the command line, one input per file.
pub struct FsSource {
    /// Paths still to visit, in reverse order (a stack).
    todo: Vec<Entry>,
    /// Digest files seen while walking folders (skipped, counted).
    pub digests_skipped: u64,
}

enum Entry {
    Stdin,
    /// A path named explicitly: read whatever its name.
    Named(PathBuf),
    /// A path found in a folder: filtered by name.
    Found(PathBuf),
}

impl FsSource {
    /// `-` means stdin. Paths are not checked here; a missing one becomes a [`Problem`].
    pub fn new<I, P>(paths: I) -> FsSource
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        let mut todo: Vec<Entry> = paths
            .into_iter()
            .map(|p| {
                let p = p.as_ref();
                if p == Path::new("-") {
                    Entry::Stdin
                } else {
                    Entry::Named(p.to_path_buf())
                }
            })
            .collect();
        todo.reverse();
        FsSource {
            todo,
            digests_skipped: 0,
        }
    }

    fn problem(path: &Path, message: String) -> Problem {
        Problem::new(
            Location::new(Arc::from(path.display().to_string()), None, None),
            message,
        )
    }

    fn expand(&mut self, dir: &Path) -> Result<(), Problem> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Self::problem(dir, format!("cannot read folder: {e}")))?;
        let mut paths: Vec<PathBuf> = Vec::new();
        for entry in entries {
            match entry {
                Ok(e) => paths.push(e.path()),
                Err(e) => return Err(Self::problem(dir, format!("cannot read folder: {e}"))),
            }
        }
        paths.sort();
        self.todo.extend(paths.into_iter().rev().map(Entry::Found));
        Ok(())
    }

    fn open(path: &Path) -> Result<Input, Problem> {
        let file =
            File::open(path).map_err(|e| Self::problem(path, format!("cannot open: {e}")))?;
        // A FIFO or a device may be a live stream: decode it as it comes.
        let complete = file.metadata().is_ok_and(|m| m.is_file());
        // A second handle for positioned reads (without one, the file is read as a stream).
        let positioned = if complete {
            file.try_clone().ok()
        } else {
            None
        };
        Ok(Input {
            name: Arc::from(path.display().to_string()),
            reader: Box::new(file),
            layout: layout_for(path),
            complete,
            file: positioned,
        })
    }
}

impl Source for FsSource {
    fn next_input(&mut self) -> Option<Result<Input, Problem>> {
        loop {
            match self.todo.pop()? {
                Entry::Stdin => {
                    return Some(Ok(Input {
                        name: Arc::from("<stdin>"),
                        reader: Box::new(io::stdin()),
                        layout: Layout::Auto,
                        complete: false,
                        file: None,
                    }))
                }
                Entry::Named(path) | Entry::Found(path) if path.is_dir() => {
                    if let Err(p) = self.expand(&path) {
                        return Some(Err(p));
                    }
                }
                Entry::Named(path) => return Some(Self::open(&path)),
                Entry::Found(path) => {
                    if is_digest(&path) {
                        self.digests_skipped += 1;
                    } else if is_data_name(&path) {
                        return Some(Self::open(&path));
                    }
                }
            }
        }
    }
}

/// NDJSON by name is read line by line; anything else (`.json` included: people save NDJSON under
/// that name too) decides from its first value, see [`Layout::Auto`].
pub fn layout_for(path: &Path) -> Layout {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".ndjson") || name.ends_with(".jsonl") {
        Layout::Lines
    } else {
        Layout::Auto
    }
}

fn is_data_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [
        ".json",
        ".json.gz",
        ".ndjson",
        ".ndjson.gz",
        ".jsonl",
        ".jsonl.gz",
        ".gz",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// Digest files hold hashes of log files, not events (the S3 key layout puts them under
/// `CloudTrail-Digest/`).
pub fn is_digest(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str() == "CloudTrail-Digest")
        || path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("_CloudTrail-Digest_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(layout_for(Path::new("a/b.ndjson")), Layout::Lines);
        assert_eq!(layout_for(Path::new("a/b.json.gz")), Layout::Auto);
        assert_eq!(layout_for(Path::new("-x")), Layout::Auto);
        assert!(is_digest(Path::new(
            "AWSLogs/1/CloudTrail-Digest/us-east-1/x.json.gz"
        )));
        assert!(!is_digest(Path::new(
            "AWSLogs/1/CloudTrail/us-east-1/x.json.gz"
        )));
        assert!(is_data_name(Path::new("x.JSON.GZ")));
        assert!(!is_data_name(Path::new("NOTICE")));
    }
}
