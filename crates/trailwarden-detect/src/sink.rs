//! Where alerts go. A [`Sink`] receives every alert of a run in order; the printers here write
//! the two stdout formats. Notifiers (Slack, webhook, SNS) will be sinks too, behind the alarm
//! stage that groups alerts for them.

use std::io::{self, Write};

use crate::alert::Alert;

/// Receives alerts.
pub trait Sink {
    fn alert(&mut self, alert: &Alert) -> io::Result<()>;
    /// Called when every alert of input `name` was handed over, before the source acknowledges
    /// the input (e.g. deletes its SQS message): a sink that must make alerts durable does it here.
    fn input_done(&mut self, _name: &str) -> io::Result<()> {
        Ok(())
    }
    /// Called once at the end of a run.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Called when a live input (stdin, a pipe) has nothing more for now: what was printed should
    /// be seen now, not when a buffer fills. Nothing else (grouping, alarm state) happens here.
    fn idle(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Collects alerts in memory (tests, embedding).
impl Sink for Vec<Alert> {
    fn alert(&mut self, alert: &Alert) -> io::Result<()> {
        self.push(alert.clone());
        Ok(())
    }
}

/// One JSON object per line: the `--format jsonl` contract (see [`crate::alert`]).
pub struct JsonlSink<W: Write> {
    out: W,
}

impl<W: Write> JsonlSink<W> {
    pub fn new(out: W) -> Self {
        JsonlSink { out }
    }
}

impl<W: Write> Sink for JsonlSink<W> {
    fn alert(&mut self, alert: &Alert) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, alert)?;
        self.out.write_all(b"\n")
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
    fn idle(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// For people: a headline with severity, rule, time, account and summary, then one detail line.
///
/// ```text
/// HIGH     4.10  2024-08-01T12:23:55Z  032092706103  alice opened tcp/22 to 0.0.0.0/0 on sg-0abc (us-east-1)
///          AuthorizeSecurityGroupIngress from 203.0.113.9 · aws-cli/2.15 · event 9fd6… · logs/a.json.gz:1 (record 0)
/// ```
pub struct TextSink<W: Write> {
    out: W,
}

impl<W: Write> TextSink<W> {
    pub fn new(out: W) -> Self {
        TextSink { out }
    }
}

impl<W: Write> Sink for TextSink<W> {
    fn alert(&mut self, a: &Alert) -> io::Result<()> {
        let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
        writeln!(
            self.out,
            "{:<8} {:<5} {}  {}  {}",
            a.severity.to_string().to_uppercase(),
            a.rule_label(),
            dash(&a.event_time),
            dash(&a.account),
            a.summary
        )?;
        let mut detail = vec![format!(
            "{} from {}",
            dash(&a.event_name),
            dash(&a.source_ip)
        )];
        if let Some(ua) = &a.user_agent {
            detail.push(truncate(ua, 60));
        }
        if let Some(err) = &a.error {
            let text = [err.code.as_deref(), err.message.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            detail.push(format!("error {}", truncate(&text, 120)));
        }
        if let Some(id) = &a.event_id {
            detail.push(format!("event {id}"));
        }
        detail.push(a.location.to_string());
        writeln!(self.out, "{:<8} {}", "", detail.join(" · "))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
    fn idle(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}
