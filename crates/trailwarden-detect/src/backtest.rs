//! `--backtest`: the CloudWatch alarm timeline of each control over a history of events, and how
//! many matched events its notifications never announced.
//!
//! ```text
//! 4.10  Security group changes: 12 event(s), 2 notification(s)
//!   2024-08-01T12:05:00Z  OK -> ALARM  Threshold Crossed: 1 out of the last 1 datapoints [3.0 (…)] were …
//!   2024-08-01T12:10:00Z  ALARM -> OK  …
//!   9 of 12 matched event(s) never announced (7 while already in ALARM, 2 below the alarm's threshold)
//! ```
//!
//! With `jsonl`, one object per control: `control`, `title`, `events`, `announced`,
//! `silent_in_alarm`, `below_alarm`, `transitions` (`at`, `from`, `to`, `reason`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;

use crate::alarm::{self, AlarmConfig, State};
use crate::alert::Alert;
use crate::sink::Sink;

/// Collects event times per control; prints the timelines at [`Sink::flush`].
pub struct Backtest<W: Write> {
    config: AlarmConfig,
    json: bool,
    out: W,
    /// Rule label → (title, event times). Alerts without a readable `eventTime` are counted apart.
    seen: BTreeMap<String, (String, Vec<i64>)>,
    pub untimed: u64,
}

impl<W: Write> Backtest<W> {
    pub fn new(config: AlarmConfig, json: bool, out: W) -> Self {
        Backtest {
            config,
            json,
            out,
            seen: BTreeMap::new(),
            untimed: 0,
        }
    }
}

impl<W: Write> Sink for Backtest<W> {
    fn alert(&mut self, a: &Alert) -> io::Result<()> {
        match a.event_time.as_deref().and_then(crate::time::parse) {
            Some(t) => self
                .seen
                .entry(a.rule_label().to_string())
                .or_insert_with(|| (a.title.clone(), Vec::new()))
                .1
                .push(t),
            None => self.untimed += 1,
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Controls sort as versions would (4.2 before 4.10).
        let mut labels: Vec<&String> = self.seen.keys().collect();
        labels.sort_by_key(|l| {
            l.split('.')
                .map(|p| {
                    p.parse::<u32>()
                        .map_or((1, 0, p.to_string()), |n| (0, n, String::new()))
                })
                .collect::<Vec<_>>()
        });
        for label in labels {
            let (title, times) = &self.seen[label];
            let t = alarm::replay(&self.config, times, State::Ok);
            if self.json {
                let transitions: Vec<_> = t
                    .transitions
                    .iter()
                    .map(|x| json!({"at": crate::time::format(x.at), "from": x.from, "to": x.to, "reason": x.reason}))
                    .collect();
                let line = json!({
                    "control": label, "title": title, "events": t.events, "announced": t.announced,
                    "silent_in_alarm": t.silent_in_alarm, "below_alarm": t.below_alarm,
                    "transitions": transitions,
                });
                serde_json::to_writer(&mut self.out, &line)?;
                self.out.write_all(b"\n")?;
                continue;
            }
            writeln!(
                self.out,
                "{label:<5} {title}: {} event(s), {} notification(s)",
                t.events,
                t.transitions.len()
            )?;
            for x in &t.transitions {
                writeln!(
                    self.out,
                    "  {}  {} -> {}  {}",
                    crate::time::format(x.at),
                    x.from,
                    x.to,
                    x.reason
                )?;
            }
            writeln!(
                self.out,
                "  {} of {} matched event(s) never announced ({} while already in ALARM, {} below the alarm's threshold)",
                t.unannounced(),
                t.events,
                t.silent_in_alarm,
                t.below_alarm
            )?;
        }
        if self.untimed > 0 && !self.json {
            writeln!(
                self.out,
                "{} alert(s) without a readable eventTime left out",
                self.untimed
            )?;
        }
        self.out.flush()
    }
}
