//! The simplest notifier: one plain line per notification on a writer (stdout by default).

use std::io::Write;
use std::sync::Mutex;

use crate::error::NotifyError;
use crate::notification::Notification;
use crate::Notifier;

/// Writes `[SEVERITY] title — summary | Actor: … | Region: … | key: …` lines.
pub struct StdoutNotifier {
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for StdoutNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StdoutNotifier").finish_non_exhaustive()
    }
}

impl Default for StdoutNotifier {
    fn default() -> StdoutNotifier {
        StdoutNotifier::new()
    }
}

impl StdoutNotifier {
    /// Writes to the process's standard output.
    pub fn new() -> StdoutNotifier {
        StdoutNotifier::to_writer(Box::new(std::io::stdout()))
    }

    /// Writes to any writer (a file, a buffer in tests).
    pub fn to_writer(out: Box<dyn Write + Send>) -> StdoutNotifier {
        StdoutNotifier {
            out: Mutex::new(out),
        }
    }

    /// The line written for `n` (without the newline).
    pub fn render(n: &Notification) -> String {
        let mut line = n.one_line();
        for f in &n.facts {
            // Facts are single-line by contract here: a newline would break line-oriented consumers.
            let value = f.value.replace(['\n', '\r'], " ");
            line.push_str(&format!(" | {}: {}", f.name, value));
        }
        line.push_str(&format!(" | key: {}", n.dedup_key));
        line
    }
}

impl Notifier for StdoutNotifier {
    fn name(&self) -> &'static str {
        "stdout"
    }

    fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        let mut line = StdoutNotifier::render(n);
        line.push('\n');
        let mut out = self
            .out
            .lock()
            .map_err(|_| NotifyError::permanent("stdout", "writer lock poisoned"))?;
        match out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => Ok(()),
            // A closed pipe will not reopen; anything else (disk full) might clear up.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(NotifyError::permanent(
                "stdout",
                format!("write failed: {e}"),
            )),
            Err(e) => Err(NotifyError::retryable(
                "stdout",
                format!("write failed: {e}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::{fact, Severity};
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_one_line_with_facts() {
        let buf = Buf::default();
        let notifier = StdoutNotifier::to_writer(Box::new(buf.clone()));
        let n = Notification::new(
            "Root used",
            "root called CreateUser",
            Severity::Critical,
            "e1#4.3",
        )
        .fact(fact::ACTOR, "root")
        .fact(fact::ERROR, "Access\ndenied");
        notifier.send(&n).unwrap();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "[CRITICAL] Root used — root called CreateUser | Actor: root | Error: Access denied | key: e1#4.3\n"
        );
    }
}
