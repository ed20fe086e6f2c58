//! The notification stage: alerts → the state's outbox → notifiers.
//!
//! [`NotifyStage`] is a [`Sink`] wrapped around the stdout printer: every alert still goes to the
//! printer one line per event, and is also turned into a [`Notification`]. At the end of each
//! input (before the source acknowledges it, e.g. deletes its SQS message) the input's
//! notifications are committed to the outbox with [`State::commit_batch`] — one transaction with
//! the input's name as checkpoint and its event ids in the dedup window — so a restart neither
//! loses an alert (it waits in the outbox) nor repeats one (its event id is known).
//!
//! [`NotifyStage::drain`] then delivers the outbox (this run's entries and any a previous run could
//! not deliver). In `--mode event` entries with the same (actor, control) whose event times lie
//! within the group window of the group's first event become **one** notification listing them;
//! an entry leaves the outbox only after every notifier accepted it (a notifier that succeeded
//! before a failing one will see it again: receivers drop it by its idempotency key).
//!
//! In `--mode cloudwatch` alerts only feed the per-control alarms ([`crate::alarm`]); at the end
//! the replayed state transitions are committed and delivered instead, keyed by control and time
//! so a rerun over the same history does not announce them again.

use std::collections::BTreeMap;
use std::io;

use serde_json::Value;
use trailwarden_notify::{
    deliver, fact, Group, Notification, Notifier, Severity as NSeverity, ThreadSleeper,
};
pub use trailwarden_notify::{webhook, RetryPolicy};
pub use trailwarden_state::{OutboxEntry, State, StateError};

use crate::alarm::{self, AlarmConfig, State as AlarmState};
use crate::alert::{Alert, Severity};
use crate::sink::Sink;

/// How alerts become notifications.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// One notification per (actor, control) within `window` seconds of event time.
    Event { window: i64 },
    /// One notification per alarm state change.
    CloudWatch(AlarmConfig),
}

/// What a run delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotifyCounts {
    /// Outbox entries added by this run (new alerts, or alarm transitions).
    pub enqueued: u64,
    /// Notifications sent (a group counts once).
    pub sent: u64,
    /// Outbox entries delivered (a group's entries all count).
    pub delivered: u64,
    /// Notifications that failed and stay in the outbox.
    pub failed: u64,
}

/// See the module docs.
pub struct NotifyStage<'a> {
    inner: &'a mut dyn Sink,
    state: State,
    /// (destination id, notifier): the id records per entry which notifiers already have it.
    notifiers: Vec<(String, Box<dyn Notifier>)>,
    source_id: String,
    mode: Mode,
    retry: RetryPolicy,
    pending: Vec<(String, Notification)>,
    /// `--mode cloudwatch`: per rule label, its title and event times.
    alarms: BTreeMap<String, (String, Vec<i64>)>,
    pub counts: NotifyCounts,
    /// Delivery failures, for the caller to report.
    pub errors: Vec<String>,
    /// `--mode event` on a long-running source: deliver at least this often (wall clock), not
    /// only at the end of the run. `None`: only when the caller drains.
    drain_every: Option<std::time::Duration>,
    last_drain: std::time::Instant,
}

fn severity(s: Severity) -> NSeverity {
    match s {
        Severity::Low => NSeverity::Low,
        Severity::Medium => NSeverity::Medium,
        Severity::High => NSeverity::High,
        Severity::Critical => NSeverity::Critical,
    }
}

/// The notification of one alert: title with the control, the readable summary, the facts.
pub fn notification_for(a: &Alert) -> Notification {
    let label = a.rule_label();
    let title = match &a.control {
        Some(c) => format!("{} (CIS {c})", a.title),
        None => format!("{} ({label})", a.title),
    };
    let key = format!(
        "{}#{label}",
        a.event_id.as_deref().unwrap_or(&a.location.to_string())
    );
    let resources = a
        .resources
        .iter()
        .map(|r| format!("{} {}", r.kind, r.id))
        .collect::<Vec<_>>()
        .join(", ");
    let error = a.error.as_ref().map(|e| {
        [e.code.as_deref(), e.message.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ")
    });
    Notification::new(title, a.summary.clone(), severity(a.severity), key)
        .fact(fact::CONTROL, label)
        .fact(fact::ACTOR, a.actor.clone())
        .fact_opt(fact::ACTION, a.event_name.clone())
        .fact_opt(fact::ACCOUNT, a.account.clone())
        .fact_opt(fact::REGION, a.region.clone())
        .fact_opt(fact::SOURCE_IP, a.source_ip.clone())
        .fact_opt(fact::TIME, a.event_time.clone())
        .fact(fact::RESOURCES, resources)
        .fact_opt(fact::ERROR, error)
        .fact_opt(fact::EVENT_ID, a.event_id.clone())
        .alert(serde_json::to_value(a).unwrap_or(Value::Null))
}

impl<'a> NotifyStage<'a> {
    /// `source_id` names the run's sources in the state's checkpoints.
    pub fn new(
        inner: &'a mut dyn Sink,
        state: State,
        notifiers: Vec<(String, Box<dyn Notifier>)>,
        source_id: impl Into<String>,
        mode: Mode,
    ) -> NotifyStage<'a> {
        NotifyStage {
            inner,
            state,
            notifiers,
            source_id: source_id.into(),
            mode,
            retry: RetryPolicy::default(),
            pending: Vec::new(),
            alarms: BTreeMap::new(),
            counts: NotifyCounts::default(),
            errors: Vec::new(),
            drain_every: match mode {
                Mode::Event { window } => {
                    Some(std::time::Duration::from_secs(window.max(1) as u64))
                }
                Mode::CloudWatch(_) => None,
            },
            last_drain: std::time::Instant::now(),
        }
    }

    /// Overrides the retry policy of each delivery.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    fn commit(&mut self, checkpoint: &str) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        let added = self
            .state
            .commit_batch(&self.source_id, checkpoint, &batch)
            .map_err(state_err)?;
        self.counts.enqueued += added.len() as u64;
        Ok(())
    }

    /// `--mode cloudwatch`: replays each control's alarm and commits its transitions.
    fn commit_alarms(&mut self, config: &AlarmConfig) -> io::Result<()> {
        for (label, (title, times)) in std::mem::take(&mut self.alarms) {
            let timeline = alarm::replay(config, &times, AlarmState::Ok);
            for t in &timeline.transitions {
                let at = crate::time::format(t.at);
                let key = format!("alarm:{label}:{}:{}", t.at, t.to);
                let sev = if t.to == AlarmState::Alarm {
                    NSeverity::High
                } else {
                    NSeverity::Low
                };
                let n = Notification::new(
                    format!("{}: \"{label}\" {}", t.to, title),
                    t.reason.clone(),
                    sev,
                    key.clone(),
                )
                .fact(fact::CONTROL, label.clone())
                .fact("State change", format!("{} -> {}", t.from, t.to))
                .fact(fact::TIME, at);
                self.pending.push((key, n));
            }
        }
        self.commit("cloudwatch-alarms")
    }

    /// Delivers the outbox (see the module docs). Failures are counted and kept in
    /// [`NotifyStage::errors`]; only a broken state file is an `Err`.
    pub fn drain(&mut self) -> Result<(), Box<StateError>> {
        let entries = self.state.outbox().map_err(Box::new)?;
        let groups = match self.mode {
            Mode::Event { window } => group(entries, window),
            Mode::CloudWatch(_) => entries.into_iter().map(|e| vec![e]).collect(),
        };
        for members in groups {
            let n = grouped_notification(&members);
            let mut failure = None;
            for (destination, notifier) in &self.notifiers {
                // A notifier that accepted every member in an earlier round is not asked again.
                let done = members
                    .iter()
                    .all(|m| m.delivered_to.iter().any(|d| d == destination));
                if done {
                    continue;
                }
                match deliver(notifier.as_ref(), &n, &self.retry, &ThreadSleeper) {
                    Ok(_) => {
                        for m in &members {
                            self.state
                                .delivered_to(m.id, destination)
                                .map_err(Box::new)?;
                        }
                    }
                    Err(e) => failure = Some(format!("{}: {e}", notifier.name())),
                }
            }
            match failure {
                None => {
                    self.counts.sent += 1;
                    // One transaction for the whole group: removing members one by one, a kill
                    // in between would leave a rest that the next run regroups and re-sends under
                    // a new idempotency key, which receivers cannot drop as a duplicate.
                    let ids: Vec<u64> = members.iter().map(|m| m.id).collect();
                    self.state.delivered_all(&ids).map_err(Box::new)?;
                    self.counts.delivered += ids.len() as u64;
                }
                Some(why) => {
                    self.counts.failed += 1;
                    for m in &members {
                        self.state.record_failure(m.id, &why).map_err(Box::new)?;
                    }
                    self.errors.push(format!("{}: {why}", n.dedup_key));
                }
            }
        }
        // Keep the dedup window within its age limit (its size is kept by commit_batch).
        self.state
            .prune(std::time::SystemTime::now())
            .map_err(Box::new)?;
        Ok(())
    }
}

fn state_err(e: StateError) -> io::Error {
    io::Error::other(format!("state: {e}"))
}

/// `(actor, control)` of an entry, and its event time in seconds (unknown times sort first and
/// never group with others).
fn group_key(e: &OutboxEntry) -> (String, String, Option<i64>) {
    let a = &e.notification.alert;
    let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let label = if a.get("control").is_some() {
        s("control")
    } else {
        s("rule")
    };
    let time = a
        .get("event_time")
        .and_then(Value::as_str)
        .and_then(crate::time::parse);
    (s("actor"), label, time)
}

/// Splits outbox entries into groups: same (actor, control), within `window` seconds of the
/// group's first event. Groups come out in outbox (FIFO) order of their first entry.
fn group(entries: Vec<OutboxEntry>, window: i64) -> Vec<Vec<OutboxEntry>> {
    type Timed = Vec<(Option<i64>, OutboxEntry)>;
    let mut by_key: BTreeMap<(String, String), Timed> = BTreeMap::new();
    for e in entries {
        let (actor, label, time) = group_key(&e);
        by_key.entry((actor, label)).or_default().push((time, e));
    }
    let mut groups: Vec<Vec<OutboxEntry>> = Vec::new();
    for (_, mut list) in by_key {
        list.sort_by_key(|(t, e)| (*t, e.id));
        let mut start: Option<i64> = None;
        for (t, e) in list {
            let joins = matches!((start, t), (Some(s), Some(t)) if t - s <= window);
            if joins {
                if let Some(last) = groups.last_mut() {
                    last.push(e);
                    continue;
                }
            }
            start = t;
            groups.push(vec![e]);
        }
    }
    groups.sort_by_key(|g| g.iter().map(|e| e.id).min());
    groups
}

/// One entry as is; several as the first one's notification carrying a [`Group`].
fn grouped_notification(members: &[OutboxEntry]) -> Notification {
    let first = &members[0].notification;
    if members.len() == 1 {
        return first.clone();
    }
    let time = |e: &OutboxEntry| {
        e.notification
            .alert
            .get("event_time")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (actor, label, _) = group_key(&members[0]);
    let mut n = first.clone();
    n.dedup_key = format!("{}+{}", first.dedup_key, members.len() - 1);
    n.severity = members
        .iter()
        .map(|m| m.notification.severity)
        .max()
        .unwrap_or(n.severity);
    n.summary = format!(
        "{} (and {} more by {actor})",
        first.summary,
        members.len() - 1
    );
    n.group(Group {
        key: format!("{label} by {actor}"),
        count: members.len() as u64,
        first_time: time(&members[0]),
        last_time: members.last().map(time).unwrap_or_default(),
        event_ids: members
            .iter()
            .take(20)
            .map(|m| m.event_id.clone())
            .collect(),
    })
}

impl Sink for NotifyStage<'_> {
    fn alert(&mut self, alert: &Alert) -> io::Result<()> {
        self.inner.alert(alert)?;
        match self.mode {
            Mode::Event { .. } => {
                let id = alert
                    .event_id
                    .clone()
                    .unwrap_or_else(|| alert.location.to_string());
                self.pending.push((id, notification_for(alert)));
            }
            Mode::CloudWatch(_) => {
                if let Some(t) = alert.event_time.as_deref().and_then(crate::time::parse) {
                    self.alarms
                        .entry(alert.rule_label().to_string())
                        .or_insert_with(|| (alert.title.clone(), Vec::new()))
                        .1
                        .push(t);
                }
            }
        }
        Ok(())
    }

    fn input_done(&mut self, name: &str) -> io::Result<()> {
        self.inner.input_done(name)?;
        self.commit(name)?;
        // A queue consumer never reaches the end of its run: deliver once a group window has
        // passed (groups still open then are cut there; their rest follows in the next round).
        if self
            .drain_every
            .is_some_and(|every| self.last_drain.elapsed() >= every)
        {
            self.last_drain = std::time::Instant::now();
            self.drain()
                .map_err(|e| io::Error::other(format!("state: {e}")))?;
        }
        Ok(())
    }

    fn idle(&mut self) -> io::Result<()> {
        self.inner.idle()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.commit("end")?;
        if let Mode::CloudWatch(config) = self.mode {
            self.commit_alarms(&config)?;
        }
        self.inner.flush()
    }
}

/// Builds a notifier from a `--notify` target: `stdout`, `slack:URL`, `webhook:URL` (needs
/// `secret`), `sns:ARN` (credentials and endpoint from `sdk`).
pub fn target(
    spec: &str,
    secret: Option<&str>,
    sdk: &trailwarden_aws::sdk::SdkOptions,
) -> Result<(String, Box<dyn Notifier>), String> {
    let notifier = notifier(spec, secret, sdk)?;
    Ok((destination(spec), notifier))
}

/// The id under which the state records that an entry reached `spec`: the kind and a hash, so
/// a Slack or webhook URL (a secret) is not written to the state file.
pub fn destination(spec: &str) -> String {
    // FNV-1a: stable across runs and Rust versions (unlike `DefaultHasher`).
    let hash = spec.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let kind = spec.split(':').next().unwrap_or(spec);
    format!("{kind}#{hash:016x}")
}

fn notifier(
    spec: &str,
    secret: Option<&str>,
    sdk: &trailwarden_aws::sdk::SdkOptions,
) -> Result<Box<dyn Notifier>, String> {
    use trailwarden_notify::{SlackNotifier, SnsNotifier, StdoutNotifier, WebhookNotifier};
    let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
    match kind {
        "stdout" if rest.is_empty() => Ok(Box::new(StdoutNotifier::new())),
        "slack" if rest.starts_with("https://") || rest.starts_with("http://") => {
            Ok(Box::new(SlackNotifier::new(rest)))
        }
        "webhook" if rest.starts_with("https://") || rest.starts_with("http://") => {
            let secret = secret.filter(|s| !s.is_empty()).ok_or_else(|| {
                format!("--notify {spec}: a webhook needs --webhook-secret (or TRAILWARDEN_WEBHOOK_SECRET) to sign its requests")
            })?;
            Ok(Box::new(WebhookNotifier::new(rest, secret.as_bytes().to_vec())))
        }
        "sns" if rest.starts_with("arn:") => {
            let mut sdk = sdk.clone();
            // The topic's region, so the publish goes where the topic lives.
            if sdk.region.is_none() {
                sdk.region = rest.split(':').nth(3).filter(|r| !r.is_empty()).map(str::to_string);
            }
            let runtime = crate::source::aws::runtime().map_err(|e| format!("--notify {spec}: {e}"))?;
            let config = runtime.block_on(trailwarden_aws::sdk::load_config(&sdk));
            SnsNotifier::new(&config, rest)
                .map(|n| Box::new(n) as Box<dyn Notifier>)
                .map_err(|e| format!("--notify {spec}: {e}"))
        }
        _ => Err(format!(
            "--notify {spec}: expected stdout, slack:https://…, webhook:https://… or sns:arn:aws:sns:…"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, actor: &str, control: &str, time: Option<&str>) -> OutboxEntry {
        let alert = serde_json::json!({"actor": actor, "control": control, "event_time": time});
        OutboxEntry {
            id,
            event_id: format!("e{id}"),
            source_id: "s".into(),
            notification: Notification::new(
                "t",
                format!("s{id}"),
                NSeverity::Low,
                format!("e{id}#{control}"),
            )
            .alert(alert),
            enqueued_at: 0,
            attempts: 0,
            last_error: None,
            delivered_to: Vec::new(),
        }
    }

    fn ids(groups: &[Vec<OutboxEntry>]) -> Vec<Vec<u64>> {
        groups
            .iter()
            .map(|g| g.iter().map(|e| e.id).collect())
            .collect()
    }

    #[test]
    fn groups_per_actor_and_control_within_the_window_of_the_first_event() {
        let entries = vec![
            entry(1, "alice", "4.10", Some("2024-08-01T12:00:00Z")),
            entry(2, "bob", "4.10", Some("2024-08-01T12:01:00Z")),
            entry(3, "alice", "4.10", Some("2024-08-01T12:05:00Z")), // exactly the window: joins
            entry(4, "alice", "4.10", Some("2024-08-01T12:05:01Z")), // 301 s after 1: new group
            entry(5, "alice", "4.3", Some("2024-08-01T12:00:30Z")),  // other control
            entry(6, "alice", "4.10", None),                         // no time: alone
            entry(7, "alice", "4.10", Some("2024-08-01T12:00:00Z")), // as early as 1, arrived later
        ];
        let groups = group(entries, 300);
        assert_eq!(
            ids(&groups),
            vec![vec![1, 7, 3], vec![2], vec![4], vec![5], vec![6]]
        );
        let n = grouped_notification(&groups[0]);
        let g = n.group.clone().unwrap();
        assert_eq!(g.key, "4.10 by alice");
        assert_eq!(
            (g.count, g.first_time.as_str(), g.last_time.as_str()),
            (3, "2024-08-01T12:00:00Z", "2024-08-01T12:05:00Z")
        );
        assert_eq!(g.event_ids, vec!["e1", "e7", "e3"]);
        assert_eq!(n.dedup_key, "e1#4.10+2");
        // A single entry goes out unchanged.
        assert_eq!(grouped_notification(&groups[1]).group, None);
        // A zero window groups only simultaneous events.
        assert_eq!(
            group(
                vec![
                    entry(1, "a", "4.1", Some("2024-08-01T00:00:00Z")),
                    entry(2, "a", "4.1", Some("2024-08-01T00:00:00Z"))
                ],
                0
            )
            .len(),
            1
        );
    }
}
