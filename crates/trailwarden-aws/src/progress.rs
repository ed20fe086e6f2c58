//! Progress reporting for a collection run, on stderr.
//!
//! Three modes ([`Progress`]): nothing; one plain `trailwarden: …` line per account and region (pipes, CI logs,
//! and the integration tests, which read those lines); or, on a terminal, an `indicatif` bar counting the regions
//! of the current account with the same lines printed above it. The reporter is cheap to clone so the per-region
//! tasks can each hold one.

use std::io::Write;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::options::Progress;

/// Reports a run's progress; clones share one output.
#[derive(Clone)]
pub(crate) struct Reporter {
    inner: Arc<Inner>,
}

enum Inner {
    Quiet,
    /// Plain lines to this writer (stderr outside tests).
    Lines(Mutex<Box<dyn Write + Send>>),
    Bar(ProgressBar),
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The run is over (or failed): remove the bar so the caller's summary line starts on a clean row.
        if let Inner::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

impl Reporter {
    /// A reporter writing to stderr in the given mode.
    pub(crate) fn new(progress: Progress) -> Reporter {
        match progress {
            Progress::Quiet => Reporter::from(Inner::Quiet),
            Progress::Lines => Reporter::lines(Box::new(std::io::stderr())),
            Progress::Bar => Reporter::bar(ProgressDrawTarget::stderr()),
        }
    }

    /// Plain lines to `out`.
    pub(crate) fn lines(out: Box<dyn Write + Send>) -> Reporter {
        Reporter::from(Inner::Lines(Mutex::new(out)))
    }

    /// A bar drawn to `target`.
    pub(crate) fn bar(target: ProgressDrawTarget) -> Reporter {
        let bar = ProgressBar::with_draw_target(Some(0), target);
        // The template is a constant known to parse; on the impossible error keep indicatif's default style.
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} regions  {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Reporter::from(Inner::Bar(bar))
    }

    fn from(inner: Inner) -> Reporter {
        Reporter {
            inner: Arc::new(inner),
        }
    }

    /// An information line (`trailwarden: ` is prefixed); above the bar in bar mode.
    pub(crate) fn say(&self, line: &str) {
        match &*self.inner {
            Inner::Quiet => {}
            Inner::Lines(out) => {
                // A poisoned lock only means another task panicked mid-line; the writer is still usable.
                let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
                // Progress is best effort: a closed stderr must not end the collection.
                let _ = writeln!(out, "trailwarden: {line}");
            }
            Inner::Bar(bar) => bar.println(format!("trailwarden: {line}")),
        }
    }

    /// An account's region pass starts: the bar restarts at 0 of `regions`.
    pub(crate) fn account_start(&self, account_id: &str, regions: usize) {
        if let Inner::Bar(bar) = &*self.inner {
            bar.reset();
            bar.set_length(regions as u64);
            bar.set_message(format!("account {account_id}"));
        }
    }

    /// One region of an account answered; `summary` says what it holds.
    pub(crate) fn region_done(&self, account_id: &str, region: &str, summary: &str) {
        self.say(&format!("account {account_id} {region}: {summary}"));
        if let Inner::Bar(bar) = &*self.inner {
            bar.inc(1);
            bar.set_message(format!("account {account_id} {region}"));
        }
    }

    /// The bar's (position, length), for tests.
    #[cfg(test)]
    fn bar_state(&self) -> Option<(u64, Option<u64>)> {
        match &*self.inner {
            Inner::Bar(bar) => Some((bar.position(), bar.length())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose bytes the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_mode_prints_the_plain_lines() {
        let out = Shared::default();
        let r = Reporter::lines(Box::new(out.clone()));
        r.say("account 123456789012 (1 of 1) with the default credentials");
        r.account_start("123456789012", 2);
        let task = r.clone();
        task.region_done("123456789012", "eu-west-1", "1 trail(s), 0 alarm(s)");
        r.region_done("123456789012", "us-east-1", "0 trail(s), 2 alarm(s)");
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "trailwarden: account 123456789012 (1 of 1) with the default credentials\n\
             trailwarden: account 123456789012 eu-west-1: 1 trail(s), 0 alarm(s)\n\
             trailwarden: account 123456789012 us-east-1: 0 trail(s), 2 alarm(s)\n"
        );
        assert_eq!(r.bar_state(), None);
    }

    #[test]
    fn bar_mode_counts_regions_per_account() {
        let r = Reporter::bar(ProgressDrawTarget::hidden());
        r.account_start("111111111111", 3);
        assert_eq!(r.bar_state(), Some((0, Some(3))));
        r.region_done("111111111111", "eu-west-1", "x");
        r.clone().region_done("111111111111", "us-east-1", "x");
        assert_eq!(r.bar_state(), Some((2, Some(3))));
        // The next account starts over with its own region count.
        r.account_start("222222222222", 17);
        assert_eq!(r.bar_state(), Some((0, Some(17))));
        r.region_done("222222222222", "eu-west-1", "x");
        assert_eq!(r.bar_state(), Some((1, Some(17))));
        if let Inner::Bar(bar) = &*r.inner {
            assert_eq!(bar.message(), "account 222222222222 eu-west-1");
        }
    }
}
