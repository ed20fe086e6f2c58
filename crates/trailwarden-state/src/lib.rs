//! The detector's state, in one crash-safe embedded file (redb): per-source checkpoints, the dedup
//! window of event ids, and the outbox of notifications not yet delivered.
//!
//! # The crash contract
//!
//! * [`State::commit_batch`] records, in **one** transaction, the batch's new alerts in the outbox, the
//!   source's new checkpoint, and the batch's event ids in the dedup window. After a crash at any point
//!   either all of it happened or none of it: with none, the source is re-read from the old checkpoint and
//!   the same alerts are produced again; with all, they wait in the outbox. No alert is lost, and none
//!   is enqueued twice (a re-read event id is skipped).
//! * [`State::delivered`] removes an entry from the outbox, and must be called only **after** the
//!   notifier reported success. The one unavoidable window: the receiver accepted the notification but
//!   the process died before `delivered` committed. The entry is then sent again after the restart —
//!   at-least-once delivery, at most one duplicate per entry in flight when the process died. Receivers
//!   drop it by the notification's dedup key (sent as an idempotency key). Recording delivery *before*
//!   sending would instead lose alerts in the mirror-image window, which is worse for a security tool.
//!
//! # What the detector calls, and when
//!
//! 1. At start: [`State::open`] (one file per detector; a second process gets [`StateError::Open`]),
//!    then [`State::deliver_outbox`] to flush what a previous run left behind.
//! 2. Per source, resume from [`State::checkpoint`] (`None`: from the beginning / the configured start).
//! 3. After each batch (an S3 object, a file, an SQS message batch) is fully matched: build one
//!    [`Notification`] per alert and call [`State::commit_batch`] with the position *after* the batch.
//!    Only after it returns may the source acknowledge the batch (e.g. delete the SQS messages).
//! 4. Then [`State::deliver_outbox`] with the configured notifiers (or, by hand: send each
//!    [`State::outbox`] entry and call [`State::delivered`] only after success).
//! 5. Now and then (e.g. every few minutes): [`State::prune`].
//!
//! # Example
//!
//! ```
//! use trailwarden_notify::{Notification, Severity};
//! use trailwarden_state::State;
//!
//! let dir = std::env::temp_dir().join(format!("tw-state-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let state = State::open(dir.join("state.redb")).unwrap();
//! let n = Notification::new("Root used", "root called CreateUser", Severity::Critical, "ev-1#4.3");
//! let new = state.commit_batch("s3://trail/AWSLogs/", "AWSLogs/…/file-1.json.gz", &[("ev-1".into(), n)]).unwrap();
//! assert_eq!(new.len(), 1);
//! for entry in state.outbox().unwrap() {
//!     // … deliver entry.notification; only on success:
//!     state.delivered(entry.id).unwrap();
//! }
//! assert!(state.outbox().unwrap().is_empty());
//! assert_eq!(state.checkpoint("s3://trail/AWSLogs/").unwrap().as_deref(), Some("AWSLogs/…/file-1.json.gz"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
#![forbid(unsafe_code)]

mod error;
mod outbox;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};
use trailwarden_notify::Notification;

pub use error::StateError;
pub use outbox::DeliveryReport;

/// source id → checkpoint (opaque to us: an S3 key, a file offset, an SQS marker).
const CHECKPOINTS: TableDefinition<&str, &str> = TableDefinition::new("checkpoints");
/// event id → first seen (unix seconds).
const SEEN: TableDefinition<&str, u64> = TableDefinition::new("seen");
/// (first seen, event id) → (): the same window ordered by age, so pruning takes the oldest first.
const SEEN_BY_TIME: TableDefinition<(u64, &str), ()> = TableDefinition::new("seen_by_time");
/// outbox id (increasing, so iteration is FIFO) → JSON of [`OutboxEntry`] without its id.
const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");
/// counters and the layout version.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

const LAYOUT_VERSION: u64 = 1;
const KEY_VERSION: &str = "layout_version";
const KEY_NEXT_ID: &str = "next_outbox_id";

/// How much the dedup window remembers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DedupLimits {
    /// At most this many event ids; the oldest go first.
    pub max_entries: u64,
    /// Event ids older than this are forgotten by [`State::prune`].
    pub max_age: Duration,
}

impl Default for DedupLimits {
    /// 1,000,000 ids for 7 days. CloudTrail duplicates (the same event in an organization trail and an
    /// account trail, S3 notifications re-sent) arrive within hours; ~100 bytes per id keeps this ~100 MB.
    fn default() -> DedupLimits {
        DedupLimits {
            max_entries: 1_000_000,
            max_age: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// An undelivered notification.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Pass to [`State::delivered`] / [`State::record_failure`].
    pub id: u64,
    /// The event id it was committed with.
    pub event_id: String,
    /// The source that produced it.
    pub source_id: String,
    pub notification: Notification,
    /// When it was committed (unix seconds).
    pub enqueued_at: u64,
    /// Failed delivery rounds so far, and the last error.
    pub attempts: u32,
    pub last_error: Option<String>,
    /// Destinations (notifier names) it already reached, when there are several; see
    /// [`State::delivered_to`] and [`State::deliver_outbox`].
    pub delivered_to: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredEntry {
    event_id: String,
    source_id: String,
    notification: Notification,
    enqueued_at: u64,
    #[serde(default)]
    attempts: u32,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    delivered_to: Vec<String>,
}

/// What [`State::prune`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    pub by_age: u64,
    pub by_count: u64,
}

/// The open state file. One process at a time: redb locks the file, a second `open` fails with
/// [`StateError::Open`].
pub struct State {
    db: Database,
    path: PathBuf,
    limits: DedupLimits,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("path", &self.path)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

fn unix(t: SystemTime) -> u64 {
    // A clock before 1970 is treated as 1970: ages then only grow, nothing is pruned early.
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl State {
    /// Opens (creating if needed) the state file at `path` with the default [`DedupLimits`].
    pub fn open(path: impl AsRef<Path>) -> Result<State, StateError> {
        State::open_with(path, DedupLimits::default())
    }

    /// Opens with explicit dedup limits. After a crash redb repairs the file here (it may take a moment).
    pub fn open_with(path: impl AsRef<Path>, limits: DedupLimits) -> Result<State, StateError> {
        let path = path.as_ref().to_path_buf();
        if !path.exists() {
            create_atomically(&path, limits)?;
        } else {
            // A creation killed after linking the file into place leaves its second name behind.
            let _ = std::fs::remove_file(creating_name(&path));
        }
        let db = Database::create(&path).map_err(|source| StateError::Open {
            path: path.clone(),
            source: Box::new(source),
        })?;
        let state = State { db, path, limits };
        state.init()?;
        Ok(state)
    }

    /// The file this state lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn storage<T, E: Into<redb::Error>>(&self, r: Result<T, E>) -> Result<T, StateError> {
        r.map_err(|e| StateError::Storage {
            path: self.path.clone(),
            source: Box::new(e.into()),
        })
    }

    /// Creates the tables (so readers never meet a missing one) and checks the layout version.
    fn init(&self) -> Result<(), StateError> {
        let tx = self.storage(self.db.begin_write())?;
        {
            self.storage(tx.open_table(CHECKPOINTS))?;
            self.storage(tx.open_table(SEEN))?;
            self.storage(tx.open_table(SEEN_BY_TIME))?;
            self.storage(tx.open_table(OUTBOX))?;
            let mut meta = self.storage(tx.open_table(META))?;
            let found = self.storage(meta.get(KEY_VERSION))?.map(|g| g.value());
            match found {
                None => {
                    self.storage(meta.insert(KEY_VERSION, LAYOUT_VERSION))?;
                }
                Some(v) if v == LAYOUT_VERSION => {}
                Some(found) => {
                    return Err(StateError::Version {
                        path: self.path.clone(),
                        found,
                        expected: LAYOUT_VERSION,
                    });
                }
            }
        }
        self.storage(tx.commit())
    }

    /// The last committed checkpoint of `source_id`, if any.
    pub fn checkpoint(&self, source_id: &str) -> Result<Option<String>, StateError> {
        let tx = self.storage(self.db.begin_read())?;
        let table = self.storage(tx.open_table(CHECKPOINTS))?;
        Ok(self
            .storage(table.get(source_id))?
            .map(|g| g.value().to_owned()))
    }

    /// Every source's checkpoint, ordered by source id.
    pub fn checkpoints(&self) -> Result<Vec<(String, String)>, StateError> {
        let tx = self.storage(self.db.begin_read())?;
        let table = self.storage(tx.open_table(CHECKPOINTS))?;
        let mut out = Vec::new();
        for item in self.storage(table.iter())? {
            let (k, v) = self.storage(item)?;
            out.push((k.value().to_owned(), v.value().to_owned()));
        }
        Ok(out)
    }

    /// Whether `event_id` is in the dedup window.
    pub fn seen(&self, event_id: &str) -> Result<bool, StateError> {
        let tx = self.storage(self.db.begin_read())?;
        let table = self.storage(tx.open_table(SEEN))?;
        Ok(self.storage(table.get(event_id))?.is_some())
    }

    /// How many event ids the dedup window holds.
    pub fn seen_len(&self) -> Result<u64, StateError> {
        let tx = self.storage(self.db.begin_read())?;
        let table = self.storage(tx.open_table(SEEN))?;
        self.storage(table.len())
    }

    /// [`State::commit_batch_at`] at the current time.
    pub fn commit_batch(
        &self,
        source_id: &str,
        new_checkpoint: &str,
        alerts: &[(String, Notification)],
    ) -> Result<Vec<OutboxEntry>, StateError> {
        self.commit_batch_at(source_id, new_checkpoint, alerts, SystemTime::now())
    }

    /// Commits one processed batch of `source_id` atomically: its alerts (`(event id, notification)`)
    /// go to the outbox, `new_checkpoint` becomes the source's checkpoint, and the event ids join the
    /// dedup window. Returns the entries actually enqueued, in order.
    ///
    /// Skipped: an alert whose event id was committed by an earlier batch (of any source — the same
    /// event reaches us through an organization trail and an account trail), and an alert repeating an
    /// earlier one of this batch (same event id and dedup key). Several alerts of one new event with
    /// different dedup keys (one event matching two controls) are all kept.
    ///
    /// The dedup window is kept within its entry limit here; its age limit is applied by [`State::prune`].
    pub fn commit_batch_at(
        &self,
        source_id: &str,
        new_checkpoint: &str,
        alerts: &[(String, Notification)],
        now: SystemTime,
    ) -> Result<Vec<OutboxEntry>, StateError> {
        let now = unix(now);
        let tx = self.storage(self.db.begin_write())?;
        let mut enqueued = Vec::new();
        {
            let mut checkpoints = self.storage(tx.open_table(CHECKPOINTS))?;
            let mut seen = self.storage(tx.open_table(SEEN))?;
            let mut by_time = self.storage(tx.open_table(SEEN_BY_TIME))?;
            let mut outbox = self.storage(tx.open_table(OUTBOX))?;
            let mut meta = self.storage(tx.open_table(META))?;
            let mut next_id = self
                .storage(meta.get(KEY_NEXT_ID))?
                .map(|g| g.value())
                .unwrap_or(1);

            let mut new_events: HashSet<&str> = HashSet::new();
            let mut keys: HashSet<(&str, &str)> = HashSet::new();
            for (event_id, notification) in alerts {
                let event_id = event_id.as_str();
                if !new_events.contains(event_id) {
                    if self.storage(seen.get(event_id))?.is_some() {
                        continue;
                    }
                    self.storage(seen.insert(event_id, now))?;
                    self.storage(by_time.insert((now, event_id), ()))?;
                    new_events.insert(event_id);
                }
                if !keys.insert((event_id, notification.dedup_key.as_str())) {
                    continue;
                }
                let stored = StoredEntry {
                    event_id: event_id.to_owned(),
                    source_id: source_id.to_owned(),
                    notification: notification.clone(),
                    enqueued_at: now,
                    attempts: 0,
                    last_error: None,
                    delivered_to: Vec::new(),
                };
                let bytes = serde_json::to_vec(&stored).map_err(|source| StateError::Encode {
                    path: self.path.clone(),
                    event_id: event_id.to_owned(),
                    source,
                })?;
                self.storage(outbox.insert(next_id, bytes.as_slice()))?;
                enqueued.push(stored.into_entry(next_id));
                next_id += 1;
            }
            self.storage(meta.insert(KEY_NEXT_ID, next_id))?;
            self.storage(checkpoints.insert(source_id, new_checkpoint))?;
            self.trim_count(&mut seen, &mut by_time)?;
        }
        self.storage(tx.commit())?;
        Ok(enqueued)
    }

    /// Every undelivered notification, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StateError> {
        let tx = self.storage(self.db.begin_read())?;
        let table = self.storage(tx.open_table(OUTBOX))?;
        let mut out = Vec::new();
        for item in self.storage(table.iter())? {
            let (k, v) = self.storage(item)?;
            out.push(self.decode(k.value(), v.value())?);
        }
        Ok(out)
    }

    /// How many notifications wait in the outbox.
    pub fn outbox_len(&self) -> Result<u64, StateError> {
        let tx = self.storage(self.db.begin_read())?;
        let table = self.storage(tx.open_table(OUTBOX))?;
        self.storage(table.len())
    }

    fn decode(&self, id: u64, bytes: &[u8]) -> Result<OutboxEntry, StateError> {
        let stored: StoredEntry =
            serde_json::from_slice(bytes).map_err(|source| StateError::Corrupt {
                path: self.path.clone(),
                id,
                source,
            })?;
        Ok(stored.into_entry(id))
    }

    /// Removes entry `id` from the outbox, durably. Call only after the notifier reported success.
    /// Returns whether it was there (false: already removed).
    pub fn delivered(&self, id: u64) -> Result<bool, StateError> {
        let tx = self.storage(self.db.begin_write())?;
        let removed = {
            let mut table = self.storage(tx.open_table(OUTBOX))?;
            let removed = self.storage(table.remove(id))?.is_some();
            removed
        };
        self.storage(tx.commit())?;
        Ok(removed)
    }

    /// Removes all of `ids` from the outbox in **one** transaction (the members of one grouped
    /// notification): a crash removes either all or none, so the next run sends the same group
    /// again under the same idempotency key instead of a regrouped rest under a new one.
    /// Returns how many were there.
    pub fn delivered_all(&self, ids: &[u64]) -> Result<u64, StateError> {
        let tx = self.storage(self.db.begin_write())?;
        let mut removed = 0;
        {
            let mut table = self.storage(tx.open_table(OUTBOX))?;
            for id in ids {
                if self.storage(table.remove(*id))?.is_some() {
                    removed += 1;
                }
            }
        }
        self.storage(tx.commit())?;
        Ok(removed)
    }

    /// Notes a failed delivery round of entry `id` (it stays in the outbox). Returns whether it exists.
    pub fn record_failure(&self, id: u64, error: &str) -> Result<bool, StateError> {
        self.update_entry(id, |e| {
            e.attempts = e.attempts.saturating_add(1);
            e.last_error = Some(error.to_owned());
        })
    }

    /// Notes that entry `id` reached `destination` (one of several notifiers), so that a later round
    /// sends it only to the others. Returns whether the entry exists.
    pub fn delivered_to(&self, id: u64, destination: &str) -> Result<bool, StateError> {
        self.update_entry(id, |e| {
            if !e.delivered_to.iter().any(|d| d == destination) {
                e.delivered_to.push(destination.to_owned());
            }
        })
    }

    /// Rewrites entry `id` through `change` in one transaction; false when it does not exist.
    fn update_entry(
        &self,
        id: u64,
        change: impl FnOnce(&mut StoredEntry),
    ) -> Result<bool, StateError> {
        let tx = self.storage(self.db.begin_write())?;
        let found = {
            let mut table = self.storage(tx.open_table(OUTBOX))?;
            let current = self.storage(table.get(id))?.map(|g| g.value().to_vec());
            match current {
                None => false,
                Some(bytes) => {
                    let mut stored: StoredEntry =
                        serde_json::from_slice(&bytes).map_err(|source| StateError::Corrupt {
                            path: self.path.clone(),
                            id,
                            source,
                        })?;
                    change(&mut stored);
                    let bytes =
                        serde_json::to_vec(&stored).map_err(|source| StateError::Encode {
                            path: self.path.clone(),
                            event_id: stored.event_id.clone(),
                            source,
                        })?;
                    self.storage(table.insert(id, bytes.as_slice()))?;
                    true
                }
            }
        };
        self.storage(tx.commit())?;
        Ok(found)
    }

    /// Forgets event ids first seen more than `max_age` before `now`, then the oldest beyond
    /// `max_entries`. The outbox is never pruned: undelivered alerts are kept until delivered.
    pub fn prune(&self, now: SystemTime) -> Result<Pruned, StateError> {
        let cutoff = unix(now).saturating_sub(self.limits.max_age.as_secs());
        let tx = self.storage(self.db.begin_write())?;
        let mut pruned = Pruned::default();
        {
            let mut seen = self.storage(tx.open_table(SEEN))?;
            let mut by_time = self.storage(tx.open_table(SEEN_BY_TIME))?;
            loop {
                let first = self.storage(by_time.first())?.map(|(k, _)| {
                    let (t, id) = k.value();
                    (t, id.to_owned())
                });
                match first {
                    Some((t, id)) if t < cutoff => {
                        self.storage(by_time.remove((t, id.as_str())))?;
                        self.storage(seen.remove(id.as_str()))?;
                        pruned.by_age += 1;
                    }
                    _ => break,
                }
            }
            pruned.by_count = self.trim_count(&mut seen, &mut by_time)?;
        }
        self.storage(tx.commit())?;
        Ok(pruned)
    }

    /// Drops the oldest ids until the window holds at most `max_entries`. Returns how many went.
    fn trim_count(
        &self,
        seen: &mut redb::Table<&str, u64>,
        by_time: &mut redb::Table<(u64, &str), ()>,
    ) -> Result<u64, StateError> {
        let mut removed = 0;
        while self.storage(seen.len())? > self.limits.max_entries {
            let oldest = self
                .storage(by_time.pop_first())?
                .map(|(k, _)| k.value().1.to_owned());
            match oldest {
                Some(id) => {
                    self.storage(seen.remove(id.as_str()))?;
                    removed += 1;
                }
                None => break,
            }
        }
        Ok(removed)
    }
}

/// `.state.redb.creating` beside `state.redb`.
fn creating_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.creating"))
}

/// Creates a new state file under a temporary name and links it into place when complete.
///
/// Why: redb writes a new file's header in several steps, and a process killed in between leaves a file
/// that no later `open` accepts (`InvalidData`; the crash test caught exactly this). Building the file
/// aside makes its appearance at `path` atomic: either there is no file (and we create it again) or a
/// complete one.
fn create_atomically(path: &Path, limits: DedupLimits) -> Result<(), StateError> {
    let io = |source: std::io::Error| StateError::Create {
        path: path.to_path_buf(),
        source,
    };
    let tmp = creating_name(path);
    // A leftover from a creation that was killed: it was never linked into place, so nothing needs it.
    match std::fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    {
        let db = Database::create(&tmp).map_err(|source| StateError::Open {
            path: tmp.clone(),
            source: Box::new(source),
        })?;
        State {
            db,
            path: tmp.clone(),
            limits,
        }
        .init()?;
    }
    // hard_link fails if another process created `path` meanwhile: then theirs wins and ours is dropped.
    match std::fs::hard_link(&tmp, path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        // Filesystems without hard links: rename is atomic too.
        Err(_) => std::fs::rename(&tmp, path).map_err(io)?,
    }
    let _ = std::fs::remove_file(&tmp);
    // Make the new directory entry durable across power loss, not only process death (best effort:
    // not every platform can open a directory).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

impl StoredEntry {
    fn into_entry(self, id: u64) -> OutboxEntry {
        OutboxEntry {
            id,
            event_id: self.event_id,
            source_id: self.source_id,
            notification: self.notification,
            enqueued_at: self.enqueued_at,
            attempts: self.attempts,
            last_error: self.last_error,
            delivered_to: self.delivered_to,
        }
    }
}
