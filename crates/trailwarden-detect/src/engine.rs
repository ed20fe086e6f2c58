//! The detector: records in, alerts out.
//!
//! [`Detector::run`] pulls inputs from a [`Source`], decodes them, drops duplicate `eventID`s,
//! matches every record against every rule, and hands each (record, rule) alert to a [`Sink`].
//! Problems (malformed input) go to a callback and are counted; they never stop the run.
//!
//! Records are deduplicated in arrival order, then matched in batches on all cores (contiguous
//! chunks, so alerts keep the order of their records whatever the thread count). A batch is
//! flushed at the end of every input, before [`Source::finished`] is called.
//!
//! Matching works on the raw record bytes: one [`PatternSet`] built from every rule scans each
//! record once (literal prefilter first), and only the records that match something (a few
//! percent of real traffic) are parsed into a `serde_json::Value` to build their alerts. The
//! decoder reads `eventID` and `eventTime` without a `Value` ([`crate::source::head`]), so
//! duplicate detection and the time window still see every record. [`Detector::with_fast_path`]
//! turns this off (every record parsed, each rule evaluated on the `Value`); both give the same
//! alerts, stats and problems.
//!
//! The stages after matching are sinks: the printers, and around them [`crate::notify::NotifyStage`]
//! (grouping per actor/control, or CloudWatch alarm state, for notifications only — never in front
//! of the jsonl stream). [`Sink::input_done`] is called after an input's last alert and before
//! [`Source::finished`], so a sink can make the alerts durable before a queue message is deleted.

use std::io;

use cwl_filter::set::{PatternSet, Scratch};
use cwl_filter::Pattern;

use crate::alert::{Alert, ErrorInfo};
use crate::dedup::{Dedup, DEFAULT_CAPACITY};
use crate::record::{Location, RawRecord, Record};
use crate::rules::{Rule, RuleId};
use crate::sink::Sink;
use crate::source::{Decoder, Item, Problem, Source, MAX_RECORD_BYTES};
use crate::template::Context;

/// Problems reported one by one per input; the rest are summed up in one closing message.
pub const PROBLEMS_SHOWN_PER_INPUT: u64 = 5;

/// Counters of a run, for the closing line and the exit code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Inputs opened (files, stdin…).
    pub inputs: u64,
    /// Records decoded (duplicates included).
    pub records: u64,
    /// Records dropped because their `eventID` was already seen.
    pub duplicates: u64,
    /// Alerts emitted.
    pub alerts: u64,
    /// Inputs recognised and ignored (digest files, control messages).
    pub ignored: u64,
    /// Problems reported (malformed or unreadable input).
    pub problems: u64,
    /// Records dropped because their `eventTime` is outside [`Detector::with_window`].
    pub outside: u64,
}

/// Matches records against rules. See the module docs.
pub struct Detector {
    rules: Vec<Rule>,
    /// The patterns of the rules that can match a parsed record (JSON and match-all), in rule
    /// order; `set_rules[i]` is the rule of pattern `i`. Term and space-delimited patterns never
    /// match a parsed record (`Pattern::matches_json`), so they stay out: in the set they would
    /// match the raw text and the fast path would alert where the reference path does not.
    set: PatternSet,
    set_rules: Vec<usize>,
    fast: bool,
    dedup: Dedup,
    record_limit: usize,
    threads: usize,
    /// `[since, until)` in Unix seconds over `eventTime`.
    window: (Option<i64>, Option<i64>),
    pub stats: Stats,
}

/// A record admitted into a batch, parsed or not.
enum Pending {
    Parsed(Record),
    Raw(RawRecord),
}

/// Records matched together: big enough to keep every core busy, small enough that alerts are
/// not held back for long.
const BATCH: usize = 2048;
/// Below this many records per thread, spawning costs more than it saves.
const MIN_PER_THREAD: usize = 128;

impl Detector {
    pub fn new(rules: Vec<Rule>) -> Detector {
        let set_rules: Vec<usize> = (0..rules.len())
            .filter(|&i| matches!(rules[i].pattern, Pattern::Json(_) | Pattern::MatchAll))
            .collect();
        let set = PatternSet::new(
            set_rules
                .iter()
                .map(|&i| rules[i].pattern.clone())
                .collect(),
        );
        Detector {
            rules,
            set,
            set_rules,
            fast: true,
            dedup: Dedup::new(DEFAULT_CAPACITY),
            record_limit: MAX_RECORD_BYTES,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            window: (None, None),
            stats: Stats::default(),
        }
    }

    /// Matches with at most `n` threads (default: the available cores). Output order does not
    /// depend on it.
    pub fn with_threads(mut self, n: usize) -> Detector {
        self.threads = n.max(1);
        self
    }

    /// Matches raw record bytes and parses only matching records (default: on). Off, every
    /// record is parsed and each rule evaluated on the `Value` (the reference behaviour).
    pub fn with_fast_path(mut self, on: bool) -> Detector {
        self.fast = on;
        self
    }

    /// Bounds the size of one record (default [`MAX_RECORD_BYTES`]).
    pub fn with_record_limit(mut self, limit: usize) -> Detector {
        self.record_limit = limit;
        self
    }

    /// Keeps only records whose `eventTime` is in `[since, until)` (Unix seconds). Records
    /// without a readable `eventTime` are kept: dropping them silently would hide events.
    pub fn with_window(mut self, since: Option<i64>, until: Option<i64>) -> Detector {
        self.window = (since, until);
        self
    }

    /// Remembers at most `capacity` event ids for duplicate detection.
    pub fn with_dedup_capacity(mut self, capacity: usize) -> Detector {
        self.dedup = Dedup::new(capacity);
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The alerts of one record, without duplicate detection or counting.
    pub fn alerts_for(&self, record: &Record) -> Vec<Alert> {
        let matched: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.matches(&record.value))
            .collect();
        self.alerts_with(record, matched)
    }

    /// The alerts of a raw record: matched on its bytes, parsed only if some rule matched.
    /// `hits` is a reusable buffer.
    fn raw_alerts(
        &self,
        raw: &RawRecord,
        scratch: &mut Scratch,
        hits: &mut Vec<usize>,
    ) -> Vec<Alert> {
        self.set.matches_into(&raw.bytes, scratch, hits);
        if hits.is_empty() {
            return Vec::new();
        }
        // The decoder validated the bytes with serde_json already; `None` cannot happen, and
        // would mean no alerts rather than a crash.
        let Some(record) = raw.parse() else {
            return Vec::new();
        };
        let matched = hits
            .iter()
            .filter_map(|&i| self.set_rules.get(i).and_then(|&r| self.rules.get(r)))
            .collect();
        self.alerts_with(&record, matched)
    }

    fn pending_alerts(
        &self,
        p: &Pending,
        scratch: &mut Scratch,
        hits: &mut Vec<usize>,
    ) -> Vec<Alert> {
        match p {
            Pending::Parsed(record) => self.alerts_for(record),
            Pending::Raw(raw) => self.raw_alerts(raw, scratch, hits),
        }
    }

    /// The alerts of `record` for the rules that matched it (in rule order).
    fn alerts_with(&self, record: &Record, matched: Vec<&Rule>) -> Vec<Alert> {
        if matched.is_empty() {
            return Vec::new();
        }
        let actor = crate::actor::resolve(&record.value);
        let summary = crate::summary::describe(record, &actor);
        let own = |s: Option<&str>| s.map(str::to_string);
        let error =
            (record.error_code().is_some() || record.error_message().is_some()).then(|| {
                ErrorInfo {
                    code: own(record.error_code()),
                    message: own(record.error_message()),
                }
            });
        matched
            .into_iter()
            .map(|rule| {
                let line = match &rule.summary {
                    Some(t) => t.render(&Context {
                        record,
                        actor: &actor,
                        summary: &summary,
                    }),
                    None => summary.line.clone(),
                };
                let (control, custom) = match &rule.id {
                    RuleId::Control(id) => (Some(id.clone()), None),
                    RuleId::Custom(name) => (None, Some(name.clone())),
                };
                Alert {
                    control,
                    rule: custom,
                    title: rule.title.clone(),
                    severity: summary.severity.max(rule.severity),
                    summary: line,
                    event_id: own(record.event_id()),
                    event_name: own(record.event_name()),
                    event_source: own(record.event_source()),
                    event_time: own(record.event_time()),
                    account: own(record.account()),
                    region: own(record.region()),
                    actor: actor.display.clone(),
                    actor_detail: actor.clone(),
                    source_ip: own(record.source_ip()),
                    user_agent: own(record.user_agent()),
                    resources: summary.resources.clone(),
                    error: error.clone(),
                    location: record.location.clone(),
                }
            })
            .collect()
    }

    /// Counts the record, drops it if its `eventID` was seen, and returns its alerts.
    pub fn process(&mut self, record: &Record) -> Vec<Alert> {
        if !self.admit(record.event_id(), record.event_time()) {
            return Vec::new();
        }
        let alerts = self.alerts_for(record);
        self.stats.alerts += alerts.len() as u64;
        alerts
    }

    /// Counts the record; false if its `eventID` was already seen.
    fn admit(&mut self, event_id: Option<&str>, event_time: Option<&str>) -> bool {
        self.stats.records += 1;
        if self.window != (None, None) {
            if let Some(t) = event_time.and_then(crate::time::parse) {
                let (since, until) = self.window;
                if since.is_some_and(|s| t < s) || until.is_some_and(|u| t >= u) {
                    self.stats.outside += 1;
                    return false;
                }
            }
        }
        if let Some(id) = event_id {
            if !self.dedup.insert(id) {
                self.stats.duplicates += 1;
                return false;
            }
        }
        true
    }

    /// Matches a batch on up to `threads` threads (contiguous chunks, so the alerts come out in
    /// record order) and hands the alerts to the sink.
    fn match_batch(&mut self, batch: &mut Vec<Pending>, sink: &mut dyn Sink) -> io::Result<()> {
        let threads = self
            .threads
            .min(batch.len().div_ceil(MIN_PER_THREAD))
            .max(1);
        // One scratch per thread per batch: a few small vectors, negligible next to 2048 records.
        let run = |part: &[Pending]| {
            let (mut scratch, mut hits) = (Scratch::default(), Vec::new());
            part.iter()
                .map(|p| self.pending_alerts(p, &mut scratch, &mut hits))
                .collect::<Vec<_>>()
        };
        let results: Vec<Vec<Alert>> = if threads == 1 {
            run(batch)
        } else {
            let chunk = batch.len().div_ceil(threads);
            let run = &run;
            std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || run(part)))
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| match h.join() {
                        Ok(alerts) => alerts,
                        // A panic in a matcher is a bug: let it surface as it would single-threaded.
                        Err(panic) => std::panic::resume_unwind(panic),
                    })
                    .collect()
            })
        };
        batch.clear();
        for alert in results.into_iter().flatten() {
            self.stats.alerts += 1;
            sink.alert(&alert)?;
        }
        Ok(())
    }

    /// Runs a whole source into a sink. Only a sink error (e.g. a closed pipe) stops the run.
    /// `on_problem` sees the first [`PROBLEMS_SHOWN_PER_INPUT`] problems of each input, then one
    /// message with the number not shown; `stats.problems` counts them all.
    pub fn run(
        &mut self,
        source: &mut dyn Source,
        sink: &mut dyn Sink,
        on_problem: &mut dyn FnMut(&Problem),
    ) -> io::Result<()> {
        while let Some(input) = source.next_input() {
            let input = match input {
                Ok(input) => input,
                Err(problem) => {
                    self.stats.problems += 1;
                    on_problem(&problem);
                    continue;
                }
            };
            self.stats.inputs += 1;
            let name = input.name.clone();
            let mut clean = true;
            let mut input_problems = 0u64;
            let mut batch = Vec::new();
            for item in Decoder::new(input, self.record_limit).with_raw(self.fast) {
                let pending = match item {
                    Item::Record(record) => {
                        if !self.admit(record.event_id(), record.event_time()) {
                            continue;
                        }
                        Pending::Parsed(record)
                    }
                    Item::Raw(raw) => {
                        if !self.admit(raw.event_id.as_deref(), raw.event_time.as_deref()) {
                            continue;
                        }
                        Pending::Raw(raw)
                    }
                    Item::Skipped(_) => {
                        self.stats.ignored += 1;
                        continue;
                    }
                    Item::Problem(problem) => {
                        clean = false;
                        self.stats.problems += 1;
                        input_problems += 1;
                        if input_problems <= PROBLEMS_SHOWN_PER_INPUT {
                            on_problem(&problem);
                        }
                        continue;
                    }
                };
                batch.push(pending);
                if batch.len() >= BATCH {
                    self.match_batch(&mut batch, sink)?;
                }
            }
            // Before `finished`: a queue source may delete its message once told, so every alert
            // of the input must be out by then.
            self.match_batch(&mut batch, sink)?;
            if input_problems > PROBLEMS_SHOWN_PER_INPUT {
                // A file that is not CloudTrail at all would otherwise print one line per line.
                let hidden = input_problems - PROBLEMS_SHOWN_PER_INPUT;
                on_problem(&Problem::new(
                    Location::new(name.clone(), None, None),
                    format!("{hidden} more problem(s) in this input not shown"),
                ));
            }
            sink.input_done(&name)?;
            source.finished(&name, clean);
        }
        sink.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::sync::Arc;

    use super::*;
    use crate::source::{Input, Layout};

    /// An in-memory source that records what `finished` was told.
    struct Fake {
        inputs: Vec<(&'static str, String)>,
        finished: Vec<(String, bool)>,
    }

    impl Source for Fake {
        fn next_input(&mut self) -> Option<Result<Input, Problem>> {
            if self.inputs.is_empty() {
                return None;
            }
            let (name, body) = self.inputs.remove(0);
            if body == "unopenable" {
                let loc = Location::new(Arc::from(name), None, None);
                return Some(Err(Problem::new(loc, "cannot open: permission denied")));
            }
            Some(Ok(Input {
                name: Arc::from(name),
                reader: Box::new(Cursor::new(body.into_bytes())),
                layout: Layout::Auto,
            }))
        }
        fn finished(&mut self, name: &str, clean: bool) {
            self.finished.push((name.to_string(), clean));
        }
    }

    #[test]
    fn threads_do_not_change_the_output() {
        let names = [
            "StopLogging",
            "DescribeInstances",
            "DeleteTrail",
            "CreateVpc",
        ];
        let body: String = (0..5000)
            .map(|i| {
                format!(
                    "{{\"eventName\":\"{}\",\"eventID\":\"id-{i}\"}}\n",
                    names[i % names.len()]
                )
            })
            .collect();
        let ids = |threads: usize| {
            let rules = vec![
                Rule::control(
                    "4.5",
                    "trail",
                    "{ $.eventName = StopLogging || $.eventName = DeleteTrail }",
                )
                .unwrap(),
                Rule::control("4.14", "vpc", "{ $.eventName = CreateVpc }").unwrap(),
            ];
            let mut d = Detector::new(rules).with_threads(threads);
            let mut source = Fake {
                inputs: vec![("big", body.clone())],
                finished: Vec::new(),
            };
            let mut alerts: Vec<Alert> = Vec::new();
            d.run(&mut source, &mut alerts, &mut |p| panic!("{p}"))
                .unwrap();
            assert_eq!(d.stats.alerts, alerts.len() as u64);
            alerts
                .into_iter()
                .map(|a| format!("{}:{}", a.rule_label(), a.event_id.as_deref().unwrap()))
                .collect::<Vec<_>>()
        };
        let one = ids(1);
        assert_eq!(one.len(), 3750);
        assert_eq!(&one[..3], ["4.5:id-0", "4.5:id-2", "4.14:id-3"]);
        assert_eq!(ids(4), one);
    }

    #[test]
    fn run_counts_dedups_across_inputs_and_acknowledges() {
        let rule = Rule::control("4.5", "trail", "{ $.eventName = StopLogging }").unwrap();
        let mut d = Detector::new(vec![rule]);
        let stop = r#"{"eventName":"StopLogging","eventID":"e1"}"#;
        let garbage: String = (0..8).map(|i| format!("{{\"x\":{i}}}\n")).collect();
        let mut source = Fake {
            inputs: vec![
                ("a", format!("{stop}\n")),
                (
                    "b",
                    format!("{stop}\n{{\"eventName\":\"StopLogging\",\"eventID\":\"e2\"}}\n"),
                ),
                ("c", garbage),
                ("d", "unopenable".into()),
            ],
            finished: Vec::new(),
        };
        let mut alerts: Vec<Alert> = Vec::new();
        let mut seen = Vec::new();
        d.run(&mut source, &mut alerts, &mut |p| seen.push(p.to_string()))
            .unwrap();
        assert_eq!(
            alerts
                .iter()
                .map(|a| a.event_id.clone().unwrap())
                .collect::<Vec<_>>(),
            vec!["e1", "e2"]
        );
        assert_eq!(d.stats.records, 3);
        assert_eq!(d.stats.duplicates, 1);
        assert_eq!(d.stats.inputs, 3);
        assert_eq!(
            d.stats.problems, 9,
            "8 garbage lines and the unopenable input"
        );
        assert_eq!(
            source.finished,
            vec![
                ("a".to_string(), true),
                ("b".to_string(), true),
                ("c".to_string(), false)
            ]
        );
        // Five problems of `c` shown, then the remainder summed up, then `d`.
        assert_eq!(seen.len(), 7, "{seen:#?}");
        assert_eq!(seen[5], "c: 3 more problem(s) in this input not shown");
        assert_eq!(seen[6], "d: cannot open: permission denied");
    }
}
