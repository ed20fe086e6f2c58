//! Errors of the state store. Every one names the state file, since a detector may run several.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file could not be created or opened (permissions, not a redb file, already open by another
    /// detector process: redb locks the file).
    #[error("cannot open state file {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: Box<redb::DatabaseError>,
    },
    /// A new state file could not be created (directory missing or not writable).
    #[error("cannot create state file {path}: {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A read, write or commit failed (I/O error, disk full, corruption).
    #[error("state file {path}: {source}")]
    Storage {
        path: PathBuf,
        #[source]
        source: Box<redb::Error>,
    },
    /// An outbox entry did not decode: the file was written by an incompatible build or damaged.
    #[error("state file {path}: outbox entry {id} cannot be read: {source}")]
    Corrupt {
        path: PathBuf,
        id: u64,
        #[source]
        source: serde_json::Error,
    },
    /// A notification could not be encoded for the outbox.
    #[error("state file {path}: cannot encode notification for event {event_id}: {source}")]
    Encode {
        path: PathBuf,
        event_id: String,
        #[source]
        source: serde_json::Error,
    },
    /// The file was written by a newer trailwarden with a different layout.
    #[error(
        "state file {path} has layout version {found}; this trailwarden reads version {expected}"
    )]
    Version {
        path: PathBuf,
        found: u64,
        expected: u64,
    },
}
