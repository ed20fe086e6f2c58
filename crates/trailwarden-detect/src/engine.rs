//! The detector: records in, alerts out.
//!
//! [`Detector::run`] pulls inputs from a [`Source`], decodes them, matches every record against
//! every rule, drops alerting records whose `eventID` was seen, and hands each (record, rule)
//! alert to a [`Sink`].
//! Problems (malformed input) go to a callback and are counted; they never stop the run.
//!
//! All the per-record work runs on every core ([`crate::pipeline`]): inputs, and slices of big
//! NDJSON inputs, are decoded, matched and turned into alerts by worker threads; this thread then
//! admits the records in input order (time window, duplicate `eventID`s), counts them and emits
//! the alerts of admitted records. So the output is the same whatever the thread count. An
//! input's alerts are all out, and [`Sink::input_done`] called, before [`Source::finished`].
//!
//! Matching works on the raw record bytes: one [`PatternSet`] built from every rule scans each
//! record once (literal prefilter first), and only the records that match something (a few
//! percent of real traffic) are parsed into a `serde_json::Value` to build their alerts. An NDJSON
//! line that holds none of the rules' literals is not even read ([`Detector::with_skim`]). Every
//! other record is still validated and its `eventID` and `eventTime` read, without a `Value`, by
//! the SIMD scanner ([`crate::source::fast`], serde where it is unsure: [`crate::source::head`]),
//! so malformed input is still reported and the time window still sees every record read. How a
//! unit's bytes get there — NDJSON lines in place, whole `.json.gz` objects inflated and split in
//! memory, the exact decoder for the rest — is in `engine/units.rs`.
//! [`Detector::with_fast_path`] turns all this off (every record parsed by the exact decoder, each
//! rule evaluated on the `Value`); both give the same alerts, stats and problems.
//!
//! The stages after matching are sinks: the printers, and around them [`crate::notify::NotifyStage`]
//! (grouping per actor/control, or CloudWatch alarm state, for notifications only — never in front
//! of the jsonl stream). [`Sink::input_done`] is called after an input's last alert and before
//! [`Source::finished`], so a sink can make the alerts durable before a queue message is deleted.

use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use cwl_filter::set::PatternSet;
use cwl_filter::Pattern;

use crate::alert::{Alert, ErrorInfo};
use crate::dedup::{Dedup, IdHasher, DEFAULT_CAPACITY};
use crate::pipeline::{Pool, SlicePool, Slicer, Unit};
use crate::record::{Location, Record};
use crate::rules::{Rule, RuleId};
use crate::sink::Sink;
use crate::source::{Problem, Source, MAX_RECORD_BYTES};
use crate::template::Context;

mod units;

/// Problems reported one by one per input; the rest are summed up in one closing message.
pub const PROBLEMS_SHOWN_PER_INPUT: u64 = 5;

/// Counters of a run, for the closing line and the exit code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Inputs opened (files, stdin…).
    pub inputs: u64,
    /// Records decoded (duplicates included).
    pub records: u64,
    /// NDJSON lines no rule can match, passed over without being read as records
    /// ([`Detector::with_skim`]); not in `records`.
    pub skimmed: u64,
    /// Records dropped because their `eventID` was already seen. Only records that raise an
    /// alert are checked (a duplicate that raises none changes nothing), so this does not depend
    /// on which records were skimmed.
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
    matcher: Matcher,
    dedup: Dedup,
    threads: usize,
    /// `[since, until)` in Unix seconds over `eventTime`.
    window: (Option<i64>, Option<i64>),
    pub stats: Stats,
}

/// Everything a worker needs to turn bytes into alerts: read-only, shared by all threads.
struct Matcher {
    rules: Vec<Rule>,
    /// The patterns of the rules that can match a parsed record (JSON and match-all), in rule
    /// order; `set_rules[i]` is the rule of pattern `i`. Term and space-delimited patterns never
    /// match a parsed record (`Pattern::matches_json`), so they stay out: in the set they would
    /// match the raw text and the fast path would alert where the reference path does not.
    set: PatternSet,
    set_rules: Vec<usize>,
    fast: bool,
    /// Pass over NDJSON lines that no rule can match ([`Detector::with_skim`]).
    skim: bool,
    record_limit: usize,
    ids: IdHasher,
    /// Whether records' `eventTime` must be read (a window is set).
    timed: bool,
}

/// What a worker hands back for one decoded item, in input order.
enum Out {
    /// A record: its `eventID` key ([`IdHasher`]), its `eventTime` (only when a window is set)
    /// and the alerts it raises if admitted.
    Record {
        id: Option<u128>,
        time: Option<i64>,
        alerts: Vec<Alert>,
    },
    /// This many records in a row that raise no alert and need no admission check (no window
    /// set): only counted. Most records are; one `Out` for a run of them keeps the engine's
    /// thread, and the channels to it, out of the workers' way.
    Quiet(u64),
    Skipped,
    /// This many NDJSON lines in a row that no rule can match, not read
    /// ([`Detector::with_skim`]).
    Skimmed(u64),
    Problem(Problem),
    /// A live input has nothing more for now: the sink shows what it has ([`Sink::idle`]).
    Idle,
}

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
        let dedup = Dedup::new(DEFAULT_CAPACITY);
        Detector {
            matcher: Matcher {
                rules,
                set,
                set_rules,
                fast: true,
                skim: true,
                record_limit: MAX_RECORD_BYTES,
                ids: dedup.hasher().clone(),
                timed: false,
            },
            dedup,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            window: (None, None),
            stats: Stats::default(),
        }
    }

    /// Works with at most `n` threads (default: the available cores); 1 runs everything on the
    /// calling thread. Output order does not depend on it.
    pub fn with_threads(mut self, n: usize) -> Detector {
        self.threads = n.max(1);
        self
    }

    /// Matches raw record bytes and parses only matching records (default: on). Off, every
    /// record is parsed and each rule evaluated on the `Value` (the reference behaviour).
    pub fn with_fast_path(mut self, on: bool) -> Detector {
        self.matcher.fast = on;
        self
    }

    /// Passes over NDJSON lines that no rule can match (default: on, with the fast path).
    ///
    /// A line that is an object (`{` … `}`) holding none of the literals every match of every
    /// rule needs ([`PatternSet::may_match`]) cannot raise an alert, whatever else it holds; it
    /// is counted in [`Stats::skimmed`] and not read further. Only a line that follows a line
    /// read as a good record is skimmed: the first line of each slice, and every line after a
    /// problem, are read, so an input that is not CloudTrail is still reported line by line. A
    /// skimmed line's JSON is not checked (a malformation inside it is not reported), and its
    /// `eventID` and `eventTime` are not read (it is not in [`Stats::records`] nor
    /// [`Stats::outside`]). Alerts are the same either way.
    /// Off, every line is read as a record: exact record counts, every malformed line reported.
    pub fn with_skim(mut self, on: bool) -> Detector {
        self.matcher.skim = on;
        self
    }

    /// Bounds the size of one record (default [`MAX_RECORD_BYTES`]).
    pub fn with_record_limit(mut self, limit: usize) -> Detector {
        self.matcher.record_limit = limit;
        self
    }

    /// Keeps only records whose `eventTime` is in `[since, until)` (Unix seconds). Records
    /// without a readable `eventTime` are kept: dropping them silently would hide events.
    pub fn with_window(mut self, since: Option<i64>, until: Option<i64>) -> Detector {
        self.window = (since, until);
        self.matcher.timed = self.window != (None, None);
        self
    }

    /// Remembers at most `capacity` event ids for duplicate detection.
    pub fn with_dedup_capacity(mut self, capacity: usize) -> Detector {
        self.dedup = Dedup::new(capacity);
        self.matcher.ids = self.dedup.hasher().clone();
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.matcher.rules
    }

    /// The alerts of one record, without duplicate detection or counting.
    pub fn alerts_for(&self, record: &Record) -> Vec<Alert> {
        self.matcher.alerts_for(record)
    }

    /// Counts the record, drops it if it alerts and its `eventID` was seen, and returns its
    /// alerts.
    pub fn process(&mut self, record: &Record) -> Vec<Alert> {
        let alerts = self.alerts_for(record);
        let id = self.matcher.id(record.event_id(), &alerts);
        let time = self.matcher.time(record.event_time());
        if !admit(&mut self.stats, &mut self.dedup, self.window, id, time) {
            return Vec::new();
        }
        self.stats.alerts += alerts.len() as u64;
        alerts
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
        let Detector {
            matcher,
            dedup,
            threads,
            window,
            stats,
        } = self;
        let mut front = Front {
            stats,
            dedup,
            window: *window,
            sink,
            on_problem,
            input: None,
        };
        let matcher = &*matcher;
        if *threads <= 1 {
            return run_inline(matcher, source, &mut front);
        }
        let work = |unit: Unit, emit: &mut dyn FnMut(Vec<Out>) -> bool| matcher.decode(unit, emit);
        std::thread::scope(|scope| {
            let pool = Pool::new(scope, *threads, &work);
            run_pooled(&pool, *threads, source, &mut front)
        })
    }
}

/// Counts a record; false if it is outside the window or its `eventID` was already seen. `id`
/// is given only for records that raise an alert ([`Matcher::id`]).
fn admit(
    stats: &mut Stats,
    dedup: &mut Dedup,
    window: (Option<i64>, Option<i64>),
    id: Option<u128>,
    time: Option<i64>,
) -> bool {
    stats.records += 1;
    if let Some(t) = time {
        let (since, until) = window;
        if since.is_some_and(|s| t < s) || until.is_some_and(|u| t >= u) {
            stats.outside += 1;
            return false;
        }
    }
    if let Some(id) = id {
        if !dedup.insert_key(id) {
            stats.duplicates += 1;
            return false;
        }
    }
    true
}

/// One thread, one input after the other, cut into units as for the pool (so an NDJSON file is
/// read in slices, as on more cores).
fn run_inline(matcher: &Matcher, source: &mut dyn Source, front: &mut Front<'_>) -> io::Result<()> {
    let buffers = SlicePool::default();
    while let Some(input) = source.next_input() {
        let input = match input {
            Ok(input) => input,
            Err(problem) => {
                front.open_failed(&problem);
                continue;
            }
        };
        front.start(input.name.clone());
        let mut slicer = Slicer::new(input, &buffers);
        while let Some(unit) = slicer.next_unit() {
            let mut failed = None;
            matcher.decode(unit, &mut |batch| match front.take(batch) {
                Ok(()) => true,
                Err(e) => {
                    failed = Some(e);
                    false
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
        }
        front.end(source)?;
    }
    front.sink.flush()
}

/// What the engine's thread still has to do, in order.
enum Step {
    /// An input was opened (or could not be).
    Start(Arc<str>),
    OpenFailed(Problem),
    /// The results of a unit of the current input.
    Unit(Receiver<Vec<Out>>),
    /// The current input has no more units.
    End,
}

/// Inputs are sliced into units and queued to the pool while this thread drains the oldest
/// unit's results; at most `2 × threads + 2` units are in flight, which bounds memory.
fn run_pooled(
    pool: &Pool<Out>,
    threads: usize,
    source: &mut dyn Source,
    front: &mut Front<'_>,
) -> io::Result<()> {
    let max_units = threads * 2 + 2;
    let buffers = SlicePool::default();
    let mut steps: VecDeque<Step> = VecDeque::new();
    let mut units = 0usize;
    let mut slicer: Option<Slicer> = None;
    let mut exhausted = false;
    loop {
        while units < max_units {
            if let Some(s) = &mut slicer {
                match s.next_unit() {
                    Some(unit) => {
                        steps.push_back(Step::Unit(pool.submit(unit)));
                        units += 1;
                        continue;
                    }
                    None => {
                        steps.push_back(Step::End);
                        slicer = None;
                    }
                }
            }
            // A source that may wait for data (a queue) is asked only when everything before is
            // out, so alerts and acknowledgements are never held back by the wait.
            if exhausted || (source.streaming() && !steps.is_empty()) {
                break;
            }
            match source.next_input() {
                None => exhausted = true,
                Some(Err(problem)) => steps.push_back(Step::OpenFailed(problem)),
                Some(Ok(input)) => {
                    steps.push_back(Step::Start(input.name.clone()));
                    slicer = Some(Slicer::new(input, &buffers));
                }
            }
        }
        match steps.pop_front() {
            None if exhausted => break,
            None => {}
            Some(Step::Start(name)) => front.start(name),
            Some(Step::OpenFailed(problem)) => front.open_failed(&problem),
            Some(Step::Unit(results)) => {
                units -= 1;
                for batch in results {
                    front.take(batch)?;
                }
            }
            Some(Step::End) => front.end(source)?,
        }
    }
    front.sink.flush()
}

/// The engine thread's side: admission, counting, emitting, per-input problem accounting.
struct Front<'a> {
    stats: &'a mut Stats,
    dedup: &'a mut Dedup,
    window: (Option<i64>, Option<i64>),
    sink: &'a mut dyn Sink,
    on_problem: &'a mut dyn FnMut(&Problem),
    /// The input being drained: its name, whether it is clean, its problem count.
    input: Option<(Arc<str>, bool, u64)>,
}

impl Front<'_> {
    fn open_failed(&mut self, problem: &Problem) {
        self.stats.problems += 1;
        (self.on_problem)(problem);
    }

    fn start(&mut self, name: Arc<str>) {
        self.stats.inputs += 1;
        self.input = Some((name, true, 0));
    }

    fn take(&mut self, batch: Vec<Out>) -> io::Result<()> {
        for out in batch {
            match out {
                Out::Record { id, time, alerts } => {
                    if admit(self.stats, self.dedup, self.window, id, time) {
                        for alert in &alerts {
                            self.stats.alerts += 1;
                            self.sink.alert(alert)?;
                        }
                    }
                }
                Out::Skipped => self.stats.ignored += 1,
                Out::Quiet(n) => self.stats.records += n,
                Out::Skimmed(n) => self.stats.skimmed += n,
                Out::Idle => self.sink.idle()?,
                Out::Problem(problem) => {
                    self.stats.problems += 1;
                    if let Some((_, clean, count)) = &mut self.input {
                        *clean = false;
                        *count += 1;
                        if *count > PROBLEMS_SHOWN_PER_INPUT {
                            continue;
                        }
                    }
                    (self.on_problem)(&problem);
                }
            }
        }
        Ok(())
    }

    /// After an input's last alert: the summary of hidden problems, then the sink and the
    /// source are told (in that order: a queue may delete its message once told).
    fn end(&mut self, source: &mut dyn Source) -> io::Result<()> {
        let Some((name, clean, count)) = self.input.take() else {
            return Ok(());
        };
        if count > PROBLEMS_SHOWN_PER_INPUT {
            // A file that is not CloudTrail at all would otherwise print one line per line.
            let hidden = count - PROBLEMS_SHOWN_PER_INPUT;
            (self.on_problem)(&Problem::new(
                Location::new(name.clone(), None, None),
                format!("{hidden} more problem(s) in this input not shown"),
            ));
        }
        self.sink.input_done(&name)?;
        source.finished(&name, clean);
        Ok(())
    }
}

impl Matcher {
    /// The duplicate-detection key of a record's `eventID`, for a record that raises alerts:
    /// the others need none (a duplicate that alerts nothing changes nothing), which keeps
    /// duplicate detection the same whether or not lines were skimmed, and the window of
    /// remembered ids as long in time as it can be.
    fn id(&self, event_id: Option<&str>, alerts: &[Alert]) -> Option<u128> {
        if alerts.is_empty() {
            None
        } else {
            event_id.map(|id| self.ids.key(id))
        }
    }

    /// `eventTime` in Unix seconds, when a window needs it.
    fn time(&self, event_time: Option<&str>) -> Option<i64> {
        if self.timed {
            event_time.and_then(crate::time::parse)
        } else {
            None
        }
    }

    fn alerts_for(&self, record: &Record) -> Vec<Alert> {
        let matched: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.matches(&record.value))
            .collect();
        self.alerts_with(record, matched)
    }

    /// The alerts of a record still in bytes (validated JSON, an object): matched on the bytes,
    /// parsed only if some rule matched.
    fn raw_alerts(
        &self,
        bytes: &[u8],
        location: impl FnOnce() -> Location,
        buf: &mut units::Buffers,
    ) -> Vec<Alert> {
        let hits = &mut buf.hits;
        self.set.matches_into(bytes, &mut buf.scratch, hits);
        if hits.is_empty() {
            return Vec::new();
        }
        // The bytes were validated already; a parse failure cannot happen, and would mean no
        // alerts rather than a crash.
        let Some(record) = Record::parse(bytes, location()) else {
            return Vec::new();
        };
        let matched = hits
            .iter()
            .filter_map(|&i| self.set_rules.get(i).and_then(|&r| self.rules.get(r)))
            .collect();
        self.alerts_with(&record, matched)
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

    /// Runs `d` over `source`: the `eventID` of each alert, and each problem as text.
    fn ids_and_problems(d: &mut Detector, source: &mut Fake) -> (Vec<String>, Vec<String>) {
        let mut alerts: Vec<Alert> = Vec::new();
        let mut problems = Vec::new();
        d.run(source, &mut alerts, &mut |p| problems.push(p.to_string()))
            .unwrap();
        let ids = alerts.into_iter().filter_map(|a| a.event_id).collect();
        (ids, problems)
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
            let layout = if name.ends_with(".ndjson") {
                Layout::Lines
            } else {
                Layout::Auto
            };
            Some(Ok(Input {
                name: Arc::from(name),
                reader: Box::new(Cursor::new(body.into_bytes())),
                layout,
                complete: true,
                file: None,
            }))
        }
        fn finished(&mut self, name: &str, clean: bool) {
            self.finished.push((name.to_string(), clean));
        }
    }

    /// A live stream (stdin, a pipe) is decoded as it arrives: a record's alert is out, and the
    /// sink told to show it, while the writer still holds the pipe open — on one thread and on
    /// several, in the `Auto` layout of stdin and the `Lines` layout of a named pipe.
    #[test]
    fn an_incomplete_input_is_decoded_as_it_arrives() {
        use std::sync::mpsc;
        use std::time::Duration;

        /// Bytes as the test thread sends them; a read waits for the next piece.
        struct Pipe(mpsc::Receiver<Vec<u8>>, Cursor<Vec<u8>>);
        impl io::Read for Pipe {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                loop {
                    let n = self.1.read(buf)?;
                    if n > 0 {
                        return Ok(n);
                    }
                    match self.0.recv() {
                        Ok(piece) => self.1 = Cursor::new(piece),
                        Err(_) => return Ok(0),
                    }
                }
            }
        }
        struct Live(Option<Pipe>, Layout);
        impl Source for Live {
            fn next_input(&mut self) -> Option<Result<Input, Problem>> {
                let pipe = self.0.take()?;
                Some(Ok(Input {
                    name: Arc::from("<stdin>"),
                    reader: Box::new(pipe),
                    layout: self.1,
                    complete: false,
                    file: None,
                }))
            }
        }
        /// Tells the test of each alert and each `idle`.
        struct Forward(mpsc::Sender<String>);
        impl Sink for Forward {
            fn alert(&mut self, alert: &Alert) -> io::Result<()> {
                let id = alert.event_id.clone().unwrap_or_default();
                let _ = self.0.send(format!("alert {id}"));
                Ok(())
            }
            fn idle(&mut self) -> io::Result<()> {
                let _ = self.0.send("idle".into());
                Ok(())
            }
        }

        let line = |id: &str| {
            format!("{{\"eventName\":\"StopLogging\",\"eventID\":\"{id}\"}}\n").into_bytes()
        };
        for (threads, layout) in [(1, Layout::Auto), (3, Layout::Auto), (2, Layout::Lines)] {
            let (bytes, pipe) = mpsc::channel();
            let (events, got) = mpsc::channel();
            let run = std::thread::spawn(move || {
                let rule = Rule::control("4.5", "trail", "{ $.eventName = StopLogging }").unwrap();
                let mut d = Detector::new(vec![rule]).with_threads(threads);
                let mut source = Live(Some(Pipe(pipe, Cursor::new(Vec::new()))), layout);
                d.run(&mut source, &mut Forward(events), &mut |p| panic!("{p}"))
                    .unwrap();
            });
            let next = || got.recv_timeout(Duration::from_secs(20));
            bytes.send(line("first")).unwrap();
            assert_eq!(next().as_deref(), Ok("alert first"), "{threads} {layout:?}");
            assert_eq!(next().as_deref(), Ok("idle"), "{threads} {layout:?}");
            bytes.send(line("second")).unwrap();
            assert_eq!(
                next().as_deref(),
                Ok("alert second"),
                "{threads} {layout:?}"
            );
            drop(bytes);
            run.join().unwrap();
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

    /// An NDJSON input of several slices: problems keep their line numbers, a duplicate in a
    /// later slice is still a duplicate, and one thread or four give the same run.
    #[test]
    fn slices_keep_line_numbers_duplicates_and_order() {
        let mut body = String::new();
        let mut garbage_lines = Vec::new();
        for i in 0..12_000usize {
            if i % 1000 == 17 {
                body.push_str("{\"eventName\":\"StopLogging\",\"eventID\":\"dup\"}\n");
            } else if i % 1000 == 500 && i > 5000 {
                garbage_lines.push(i + 1);
                body.push_str("{\"eventName\": not json\n");
            } else {
                let name = ["StopLogging", "DescribeInstances"][i % 2];
                let pad = "x".repeat(200);
                body.push_str(&format!(
                    "{{\"eventName\":\"{name}\",\"eventID\":\"id-{i}\",\"pad\":\"{pad}\"}}\n"
                ));
            }
        }
        assert!(
            body.len() > 2 * crate::pipeline::SLICE,
            "spans several slices"
        );
        let run = |threads: usize| {
            let rule = Rule::control("4.5", "trail", "{ $.eventName = StopLogging }").unwrap();
            let mut d = Detector::new(vec![rule]).with_threads(threads);
            let mut source = Fake {
                inputs: vec![
                    ("big.ndjson", body.clone()),
                    (
                        "after.ndjson",
                        "{\"eventName\":\"StopLogging\",\"eventID\":\"last\"}\n".into(),
                    ),
                ],
                finished: Vec::new(),
            };
            let (ids, problems) = ids_and_problems(&mut d, &mut source);
            (ids, problems, d.stats.clone(), source.finished)
        };
        let (ids, problems, stats, finished) = run(1);
        // Even lines are StopLogging (minus the 7 garbage ones); the 12 "dup" records count once.
        assert_eq!(garbage_lines.len(), 7);
        // The DescribeInstances lines cannot match: skimmed, not read (the garbage lines, cut
        // short, are read and reported all the same).
        assert_eq!(stats.records + stats.skimmed, 12_000 - 7 + 1);
        // (Less a few: the first line of each slice and the line after a garbage one are read.)
        assert!((5_900..6_000 - 12).contains(&stats.skimmed), "{stats:?}");
        assert_eq!(stats.duplicates, 11);
        assert_eq!(ids.iter().filter(|i| *i == "dup").count(), 1);
        assert_eq!(ids.len(), (6_000 - 7) + 1 + 1);
        assert_eq!(ids.last().map(String::as_str), Some("last"));
        let shown: Vec<usize> = problems
            .iter()
            .filter_map(|p| {
                p.strip_prefix("big.ndjson:")?
                    .split(':')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
        assert_eq!(shown, garbage_lines[..5]);
        assert_eq!(
            finished,
            vec![
                ("big.ndjson".to_string(), false),
                ("after.ndjson".to_string(), true)
            ]
        );
        assert_eq!(run(4), (ids, problems, stats, finished));
    }

    /// An NDJSON file is cut by offset and read by the workers (`pipeline::Range`); the same
    /// bytes from a reader are sliced as they are read on the engine's thread. Both give the same
    /// alerts with the same locations (line numbers counted across ranges read in parallel), the
    /// same problems and the same counts, on one thread and on three; only which lines are
    /// skimmed depends on where the cuts fall (the first line of a slice is always read).
    #[test]
    fn a_file_cut_by_offset_reads_as_the_same_bytes_from_a_reader() {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut body = String::new();
        for i in 0..9_000usize {
            if i % 700 == 350 {
                body.push_str("{\"eventName\": not json\n");
                continue;
            }
            let name = ["StopLogging", "DescribeInstances", "DeleteTrail"][i % 3];
            let pad = "x".repeat(rng.usize(0..1200));
            body.push_str(&format!(
                "{{\"eventName\":\"{name}\",\"eventID\":\"id-{i}\",\"pad\":\"{pad}\"}}\n"
            ));
        }
        body.push_str("{\"eventName\":\"StopLogging\",\"eventID\":\"no-newline\"}");
        assert!(body.len() > 4 * crate::pipeline::SLICE);
        let path =
            std::env::temp_dir().join(format!("tw-engine-{}-cut.ndjson", std::process::id()));
        std::fs::write(&path, &body).unwrap();
        let name: &'static str = Box::leak(path.display().to_string().into_boxed_str());
        let run = |source: &mut dyn Source, threads: usize, skim: bool| {
            let rules = vec![
                Rule::control("4.5", "trail", "{ $.eventName = StopLogging }").unwrap(),
                Rule::control("4.6", "deleted", "{ $.eventName = DeleteTrail }").unwrap(),
            ];
            let mut d = Detector::new(rules).with_threads(threads).with_skim(skim);
            let mut alerts: Vec<Alert> = Vec::new();
            let mut problems = Vec::new();
            d.run(source, &mut alerts, &mut |p| problems.push(p.to_string()))
                .unwrap();
            let alerts: Vec<String> = alerts
                .iter()
                .map(|a| format!("{} {:?} {}", a.rule_label(), a.event_id, a.location))
                .collect();
            (alerts, problems, d.stats.clone())
        };
        let from_reader = |threads, skim| {
            let mut source = Fake {
                inputs: vec![(name, body.clone())],
                finished: Vec::new(),
            };
            run(&mut source, threads, skim)
        };
        let from_file =
            |threads, skim| run(&mut crate::source::FsSource::new([&path]), threads, skim);
        let (alerts, problems, stats) = from_reader(1, false);
        assert_eq!(alerts.len(), 6_000 - 9 + 1, "{stats:?}");
        assert_eq!(
            alerts.last().map(String::as_str),
            Some(format!("4.5 Some(\"no-newline\") {name}:9001").as_str())
        );
        assert_eq!(problems.len(), 5 + 1, "five shown, then how many more");
        for threads in [1, 3] {
            assert_eq!(
                from_file(threads, false),
                (alerts.clone(), problems.clone(), stats.clone())
            );
            let (a, p, s) = from_file(threads, true);
            assert_eq!(
                (a, p),
                (alerts.clone(), problems.clone()),
                "{threads} threads, skimmed"
            );
            assert_eq!(s.records + s.skimmed, stats.records);
            assert!(s.skimmed > 2_500, "{s:?}");
        }
        let _ = std::fs::remove_file(&path);
    }

    /// What skimming passes over, what it leaves to the readers, and that it changes no alert.
    #[test]
    fn skimming_passes_over_only_objects_no_rule_can_match() {
        let body = [
            // 1, 2: a duplicate pair that alerts nothing: never compared. The first line (of a
            // slice) is read; the second, after a good record, is skimmed.
            r#"{"eventName":"DescribeTrails","eventID":"d1"}"#,
            r#"{"eventName":"DescribeTrails","eventID":"d1"}"#,
            // 3: malformed inside, no literal, after a good record: skimmed (read, a problem).
            r#"{"eventName":"DescribeTrails",,"eventID":"d2"}"#,
            // 4: cut short: read, and reported, skimming or not. So the next line is read.
            r#"{"eventName":"DescribeTrails","eventID":"#,
            // 5: the literal behind a \u escape: read, and it alerts.
            r#"{"eventName":"\u0053topLogging","eventID":"e1"}"#,
            // 6, 7: an alerting duplicate: one alert, one duplicate.
            r#"{"eventName":"StopLogging","eventID":"e2"}"#,
            r#"{"eventName":"StopLogging","eventID":"e2"}"#,
            // 8: the literal in another field: read, no alert.
            r#"{"eventName":"DescribeTrails","note":"StopLogging","eventID":"d3"}"#,
            // 9: not an object: read, reported.
            "true",
        ]
        .join("\n");
        let run = |skim: bool| {
            let rule = Rule::control("4.5", "trail", "{ $.eventName = StopLogging }").unwrap();
            let mut d = Detector::new(vec![rule]).with_threads(1).with_skim(skim);
            let mut source = Fake {
                inputs: vec![("t.ndjson", body.clone())],
                finished: Vec::new(),
            };
            let (ids, problems) = ids_and_problems(&mut d, &mut source);
            (ids, problems, d.stats.clone())
        };
        let (ids, problems, stats) = run(true);
        assert_eq!(ids, ["e1", "e2"]);
        let lines: Vec<&str> = problems.iter().map(|p| &p[..11]).collect();
        assert_eq!(lines, ["t.ndjson:4:", "t.ndjson:9:"], "{problems:?}");
        assert_eq!((stats.records, stats.skimmed, stats.duplicates), (5, 2, 1));

        let (all_ids, all_problems, all_stats) = run(false);
        assert_eq!(all_ids, ids);
        let lines: Vec<&str> = all_problems.iter().map(|p| &p[..11]).collect();
        assert_eq!(lines, ["t.ndjson:3:", "t.ndjson:4:", "t.ndjson:9:"]);
        // Only alerting records are checked for duplicates: d1 twice is not one.
        assert_eq!(
            (all_stats.records, all_stats.skimmed, all_stats.duplicates),
            (6, 0, 1)
        );
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
