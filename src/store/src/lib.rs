//! `kcp-store`: the revisioned key-value store the kcp server keeps its objects in.
//!
//! The model is etcd's, as kube-apiserver uses it: one global, strictly increasing revision; every
//! key carries the revision that created it and the revision that last modified it; writes are
//! guarded by the key's mod revision (optimistic concurrency); a watch replays every change after a
//! given revision; old history is compacted away, and a watch or list at a compacted revision is
//! answered with [`Error::Compacted`] (the server turns it into a `410 Gone`).
//!
//! Two backends implement [`Store`]:
//! - [`EmbeddedStore`] (redb, the default): a kine-style append-only change log next to
//!   the current key space, with group commit so that concurrent writers share one fsync;
//! - [`EtcdStore`]: real etcd 3.4+ through `etcd-client`.
//!
//! Both pass the one conformance suite in [`conformance`]. Newcomers should start with the
//! [`Store`] trait: every method's contract is written there.

use std::fmt;
use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;

pub mod conformance;
pub mod embedded;
pub mod etcd;

pub use embedded::EmbeddedStore;
pub use etcd::EtcdStore;

/// A store revision. Every write gets the next one; a backend starts from its own initial
/// revision (0 for [`embedded::EmbeddedStore`], so its first write is 1; 1 for etcd, whose empty
/// key space already sits at revision 1).
pub type Revision = i64;

/// One key with its value and its revision bookkeeping, as etcd's `mvccpb.KeyValue`.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: Bytes,
    /// The revision of the write that created this key (reset by delete + re-create).
    pub create_revision: Revision,
    /// The revision of the last write to this key.
    pub mod_revision: Revision,
    /// How many writes this key has seen since its creation (1 after create).
    pub version: i64,
}

impl fmt::Debug for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyValue")
            .field("key", &self.key)
            .field("value_len", &self.value.len())
            .field("create_revision", &self.create_revision)
            .field("mod_revision", &self.mod_revision)
            .field("version", &self.version)
            .finish()
    }
}

/// What [`Store::list`] should return.
#[derive(Clone, Debug, Default)]
pub struct ListOptions {
    /// Read the key space as it was at this revision; `None` reads the current state.
    /// A revision below the compacted revision is [`Error::Compacted`]; one above the
    /// current revision is [`Error::FutureRevision`].
    pub revision: Option<Revision>,
    /// Return only keys strictly greater than this one (the continue token of a paged list).
    pub start_after: Option<String>,
    /// Return at most this many items; `None` or `Some(0)` means no limit.
    pub limit: Option<usize>,
}

/// The answer of [`Store::list`].
#[derive(Clone, Debug)]
pub struct ListResult {
    /// Items in ascending key order.
    pub items: Vec<KeyValue>,
    /// The revision the list was served at (the current revision when none was asked for).
    pub revision: Revision,
    /// Whether keys under the prefix remain after the last item returned.
    pub more: bool,
    /// How many keys remain after the last item returned (0 when `more` is false).
    pub remaining: i64,
}

/// What happened to a key, as seen by a watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A create or an update: `kv` holds the new value.
    Put,
    /// A delete: `kv.mod_revision` is the delete's revision and `kv.value` is the value the
    /// key had before it was deleted (so a watcher can tell what went away).
    Delete,
}

/// One change seen by a watch.
#[derive(Clone, Debug)]
pub struct Event {
    pub kind: EventKind,
    pub kv: KeyValue,
    /// The key's previous value, if it had one (always set for deletes and updates).
    pub prev: Option<KeyValue>,
}

impl Event {
    /// The revision of the write that produced this event.
    pub fn revision(&self) -> Revision {
        self.kv.mod_revision
    }
}

/// A stream of changes under one prefix, in revision order. It ends with an `Err` (and then
/// `None`) when the store can no longer deliver it, for example [`Error::Compacted`].
pub type WatchStream = Pin<Box<dyn Stream<Item = Result<Event, Error>> + Send>>;

/// The ways a store operation can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `create` found the key already present.
    #[error("key {key:?} already exists")]
    AlreadyExists { key: String },
    /// `update` or `delete` found no such key.
    #[error("key {key:?} not found")]
    NotFound { key: String },
    /// `update` or `delete` was guarded by a mod revision that is no longer the key's.
    /// `current` is the key as it is now, so the caller can retry without another read.
    #[error("key {key:?} was modified: expected mod revision {expected}")]
    Conflict {
        key: String,
        expected: Revision,
        current: Option<KeyValue>,
    },
    /// The requested revision was compacted away.
    #[error("revision {requested} has been compacted; the oldest available is {compacted}")]
    Compacted {
        requested: Revision,
        compacted: Revision,
    },
    /// The requested revision is newer than the store's current one.
    #[error("revision {requested} is newer than the current revision {current}")]
    FutureRevision {
        requested: Revision,
        current: Revision,
    },
    /// The backend failed (I/O, a lost etcd connection, a corrupt file). Not the client's fault.
    #[error("storage backend error: {0}")]
    Backend(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The revisioned key-value store.
///
/// Keys are `/`-separated strings (for example `/registry/core/configmaps/root/default/x`);
/// a prefix is matched byte-wise, so callers end a directory prefix with `/`.
/// Every successful write returns the revision it was committed at, and is durable when the
/// call returns: an acknowledged write survives `kill -9`.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The key's current value, or `None`.
    async fn get(&self, key: &str) -> Result<Option<KeyValue>>;

    /// The keys under `prefix`, in key order, as of `opts.revision` (or now).
    async fn list(&self, prefix: &str, opts: ListOptions) -> Result<ListResult>;

    /// How many keys are under `prefix` now.
    async fn count(&self, prefix: &str) -> Result<i64>;

    /// Creates `key` if it is absent; [`Error::AlreadyExists`] otherwise.
    /// Returns the created key (create and mod revision are the commit's revision).
    async fn create(&self, key: &str, value: Bytes) -> Result<KeyValue>;

    /// Replaces the value of `key` if its mod revision is `expected_mod_revision`;
    /// [`Error::Conflict`] (carrying the current key) if it is not, [`Error::NotFound`] if absent.
    async fn update(
        &self,
        key: &str,
        value: Bytes,
        expected_mod_revision: Revision,
    ) -> Result<KeyValue>;

    /// Deletes `key`, guarded by its mod revision when `expected_mod_revision` is `Some`.
    /// Returns the deleted key as it was, with `mod_revision` set to the delete's revision.
    async fn delete(&self, key: &str, expected_mod_revision: Option<Revision>) -> Result<KeyValue>;

    /// Every change under `prefix` with a revision strictly greater than `after`, first the
    /// history still kept, then live changes. When that history was compacted
    /// (`after + 1 < compacted_revision`) the stream's first item is [`Error::Compacted`].
    /// `after` newer than the current revision is allowed: the stream waits for it.
    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream>;

    /// The revision of the newest write, or the backend's initial revision for a never-written
    /// store (0 for the embedded store, 1 for etcd). Failed writes do not move it.
    async fn current_revision(&self) -> Result<Revision>;

    /// The revision of the last compaction (0 when nothing was compacted): history older than
    /// it is gone, as in etcd.
    async fn compacted_revision(&self) -> Result<Revision>;

    /// Forgets history older than `revision` (which must not be newer than the current one), as
    /// etcd's compaction does: afterwards a `list` at a revision below `revision` and a `watch`
    /// whose first wanted event (`after + 1`) is below `revision` are [`Error::Compacted`];
    /// reads at `revision` or later and `watch(prefix, revision - 1)` still work.
    /// The current value of every live key is kept.
    ///
    /// One etcd quirk the embedded store does not share: etcd forgets a *delete* whose revision
    /// is exactly `revision` (its tombstone is compacted), so `watch(prefix, revision - 1)` on
    /// etcd starts with the first put at `revision` or later when that revision was a delete.
    ///
    /// A `revision` newer than the current one is [`Error::FutureRevision`]; one at or below the
    /// last compaction is [`Error::Compacted`] (both as etcd answers them).
    async fn compact(&self, revision: Revision) -> Result<()>;
}
