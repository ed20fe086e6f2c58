//! Embeds the control data (`controls/**/*.toml` at the workspace root) into the library.
//!
//! It writes `$OUT_DIR/embedded.rs`: one `(relative path, include_str!(absolute path))` pair per
//! file, sorted, so the binary carries the data and cargo rebuilds when a file changes. Only TOML
//! files two levels down (`controls/<family>/<version>/*.toml`) are data; `controls/tools/` is not.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.join("../../controls");
    let root = root.canonicalize().unwrap_or(root);
    println!("cargo:rerun-if-changed={}", root.display());

    let mut files = Vec::new();
    for family in sorted_dirs(&root) {
        if family.file_name().is_some_and(|n| n == "tools") {
            continue;
        }
        println!("cargo:rerun-if-changed={}", family.display());
        for version in sorted_dirs(&family) {
            println!("cargo:rerun-if-changed={}", version.display());
            let mut tomls: Vec<PathBuf> = read_dir(&version)
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
                .collect();
            tomls.sort();
            for file in tomls {
                println!("cargo:rerun-if-changed={}", file.display());
                let rel = file
                    .strip_prefix(&root)
                    .expect("file lies under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((rel, file));
            }
        }
    }

    let mut out =
        String::from("/// Every control data file: (path relative to `controls/`, contents).\n");
    out.push_str("pub(crate) static FILES: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        let abs = abs.to_string_lossy();
        writeln!(out, "    ({rel:?}, include_str!({abs:?})),")
            .expect("writing to a String cannot fail");
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}

fn read_dir(dir: &Path) -> impl Iterator<Item = PathBuf> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = read_dir(dir).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}
