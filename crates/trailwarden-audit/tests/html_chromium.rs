//! The HTML report opened in a real browser: headless Chromium (Debian `chromium`) loads the page from a
//! file, and its serialized DOM (`--dump-dom`) must show every finding, one table row each with its
//! control, status, account and region, and the summary counts. A hostile alarm name must reach the DOM as
//! text, never as a script. A screenshot is written to `target/tmp/audit-broken.png` for people to look at.
//!
//! Chromium is required: when it is missing these tests fail and say to run scripts/setup-test-tools.sh.
mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use trailwarden_audit::render::Report;
use trailwarden_audit::{render, Finding, Format, Status};

const SETUP_HINT: &str =
    "run scripts/setup-test-tools.sh (installs Debian chromium and libxml2-utils)";
/// Generous: the machine is shared, and a cold Chromium start takes a few seconds.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "trailwarden-html-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn html(findings: &[Finding]) -> String {
    let report = Report {
        findings,
        benchmark: "cis-aws-foundations-v3.0.0",
        benchmark_version: "3.0.0",
        tool_version: "0.1.0",
        collected_at: "2026-11-25T16:00:00Z",
        color: false,
    };
    render(Format::Html, &report).unwrap()
}

fn file_url(path: &Path) -> String {
    let p = path.display().to_string();
    let p = p
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('#', "%23");
    format!("file://{p}")
}

/// Runs headless Chromium on a page with one extra argument (`--dump-dom` or `--screenshot=...`), bounded
/// by [`CHROMIUM_TIMEOUT`]; returns what it printed on stdout.
fn chromium(scratch: &Path, page: &Path, action: &str) -> String {
    let stdout_path = scratch.join("chromium.out");
    let stderr_path = scratch.join("chromium.err");
    let spawned = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,1600",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.join("profile").display()
        ))
        .arg(action)
        .arg(file_url(page))
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("chromium is not installed: {SETUP_HINT}")
        }
        Err(e) => panic!("cannot start chromium: {e}"),
    };
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {action} did not finish within {CHROMIUM_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium {action} failed: {status}\n{stderr}"
    );
    std::fs::read_to_string(&stdout_path).unwrap()
}

/// Writes the page and returns Chromium's serialized DOM of it.
fn dom_of(scratch: &Path, page_html: &str) -> String {
    let page = scratch.join("report.html");
    std::fs::write(&page, page_html).unwrap();
    let dom = chromium(scratch, &page, "--dump-dom");
    assert!(dom.contains("</html>"), "chromium printed no DOM:\n{dom}");
    dom
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// Text with the tags removed and white space collapsed.
fn text_of(fragment: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The table body's rows, each as its cells' leading text (before any nested element).
fn rows(dom: &str) -> Vec<Vec<String>> {
    let start = dom.find("<tbody>").expect("no <tbody> in the DOM");
    let end = dom[start..].find("</tbody>").expect("no </tbody>") + start;
    dom[start..end]
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let body = &cell[cell.find('>').unwrap() + 1..];
                    let lead = &body[..body.find('<').unwrap_or(body.len())];
                    decode(lead.trim())
                })
                .collect()
        })
        .collect()
}

#[test]
fn chromium_renders_every_finding_and_the_summary() {
    let findings = run(&load("examples/evidence/broken.json"));
    let scratch = Scratch::new();
    let dom = dom_of(&scratch.0, &html(&findings));

    let rows = rows(&dom);
    assert_eq!(rows.len(), findings.len(), "one table row per finding");
    for (row, f) in rows.iter().zip(&findings) {
        assert_eq!(row.len(), 6, "six cells: {row:?}");
        let status = f.status.to_string();
        let expected = [
            f.control.as_str(),
            status.as_str(),
            f.account.as_str(),
            f.region.as_str(),
        ];
        assert_eq!(&row[..4], &expected, "row of {} {}", f.control, f.region);
    }
    let count = |s: Status| findings.iter().filter(|f| f.status == s).count();
    let summary = format!(
        "{} findings: {} PASS, {} FAIL, {} ERROR.",
        findings.len(),
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Error)
    );
    assert!(
        text_of(&dom).contains(&summary),
        "summary {summary:?} not in the rendered page"
    );
    // The example evidence has every status, so every status class is exercised.
    assert!(count(Status::Pass) > 0 && count(Status::Fail) > 0 && count(Status::Error) > 0);

    // For people: a screenshot of the same page, kept under target/tmp.
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("audit-broken.png");
    let _ = std::fs::remove_file(&png);
    chromium(
        &scratch.0,
        &scratch.0.join("report.html"),
        &format!("--screenshot={}", png.display()),
    );
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(bytes.len() > 20_000, "suspiciously small screenshot");
}

#[test]
fn chromium_shows_a_hostile_alarm_name_as_text() {
    let mut ev = load("examples/evidence/broken.json");
    let alarms = match &mut ev.accounts[0].alarms[0].alarms {
        trailwarden_evidence::Observed::Ok(a) => a,
        other => panic!("example evidence changed: {other:?}"),
    };
    let alarm = alarms
        .iter_mut()
        .find(|a| a.name == "CIS-4.11-NACLChanges")
        .unwrap();
    let hostile = "<script>document.title='pwned'</script><b>bold</b>";
    alarm.name = hostile.into();
    let findings = run(&ev);
    let scratch = Scratch::new();
    let dom = dom_of(&scratch.0, &html(&findings));
    assert!(!dom.contains("<script"), "a script element reached the DOM");
    assert!(
        !dom.contains("<b>bold"),
        "markup from evidence reached the DOM"
    );
    assert!(!dom.contains("pwned</title>"), "a script ran");
    assert!(
        text_of(&dom).contains(hostile),
        "the alarm name is not shown as text"
    );
}
