//! The embedded backend: [`EmbeddedStore`], a kine-style revision log in one redb file.
//!
//! The file holds three tables:
//! - `kv`: every live key with its create revision, mod revision, version and value;
//! - `log`: one row per revision (the change it made: the key, the new state, the previous
//!   state), which is the history that `list` at a past revision and `watch` read;
//! - `meta`: the current and the compacted revision.
//!
//! Writes go through one writer thread that owns every write transaction. Callers queue their
//! operation on a channel; the writer drains the queue, applies the operations in order (each gets
//! its own revision and is checked against the state the previous ones left), commits them in one
//! `Durability::Immediate` transaction (one fsync for the whole group), and only then answers the
//! callers and broadcasts the new events to the watchers. Reads use redb's MVCC read transactions
//! on the blocking thread pool, so they never wait for the writer and never block the runtime.
//!
//! A watch subscribes to the broadcast *before* it replays the log, and drops whatever it has
//! already delivered (by revision), so nothing is lost or doubled between the replay and the live
//! events. A watcher that falls behind the broadcast, or sees a gap in it, goes back to the log.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Display;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use async_trait::async_trait;
use bytes::Bytes;
use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, Table, TableDefinition,
};
use std::sync::atomic::{AtomicI64, Ordering};

use tokio::sync::{broadcast, oneshot};

use crate::{
    Error, Event, EventKind, KeyValue, ListOptions, ListResult, Result, Revision, Store,
    WatchStream,
};

/// Live keys: key → `create_revision | mod_revision | version | value`.
const KV: TableDefinition<&str, &[u8]> = TableDefinition::new("kv");
/// History: revision → the [`Event`] that revision produced.
const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
/// Bookkeeping: [`META_CURRENT`] and [`META_COMPACTED`].
const META: TableDefinition<&str, i64> = TableDefinition::new("meta");
const META_CURRENT: &str = "current_revision";
const META_COMPACTED: &str = "compacted_revision";

/// At most this many queued writes share one commit, so one group cannot grow without bound.
const MAX_GROUP: usize = 1024;
/// redb's page cache.
const CACHE_SIZE_BYTES: usize = 64 * 1024 * 1024;

/// How many commits the live broadcast buffers for a slow watcher before it has to re-read the
/// log.
const BROADCAST_CAPACITY: usize = 1024;
/// How many log rows a watcher reads per trip to the blocking pool while it catches up.
const REPLAY_CHUNK_REVISIONS: i64 = 1024;

/// The redb-backed [`Store`]. Cheap to share behind an `Arc`; dropping the last handle (and
/// every watch stream) stops the writer thread and closes the file.
pub struct EmbeddedStore {
    db: Arc<Database>,
    writes: std_mpsc::Sender<WriteRequest>,
    events: broadcast::Sender<Arc<[Event]>>,
    /// The newest committed revision, kept by the writer: reading it is on every consistent
    /// read's path, so it must not cost a read transaction.
    current: Arc<AtomicI64>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").finish_non_exhaustive()
    }
}

impl EmbeddedStore {
    /// Opens the store in the redb file at `path`, creating the file if it is absent. After a
    /// crash the file holds every write that was acknowledged (redb recovers the last committed
    /// transaction). This blocks (it may fsync): call it before serving, or on a blocking thread.
    /// Only one process may have the file open.
    pub fn open(path: &Path) -> Result<Self> {
        // Reads are served from the server's watch cache: redb's own page cache only needs to
        // hold the write path's pages, not the whole file (its default is 1 GiB).
        let db = redb::Builder::new()
            .set_cache_size(CACHE_SIZE_BYTES)
            .create(path)
            .or_backend()?;
        // Create the tables up front so that read transactions can always open them.
        let txn = db.begin_write().or_backend()?;
        {
            txn.open_table(KV).or_backend()?;
            txn.open_table(LOG).or_backend()?;
            let mut meta = txn.open_table(META).or_backend()?;
            for name in [META_CURRENT, META_COMPACTED] {
                if meta.get(name).or_backend()?.is_none() {
                    meta.insert(name, 0).or_backend()?;
                }
            }
        }
        txn.commit().or_backend()?;
        let current = {
            let txn = db.begin_read().or_backend()?;
            Arc::new(AtomicI64::new(read_meta(&txn)?.current))
        };

        let db = Arc::new(db);
        let (writes, queue) = std_mpsc::channel();
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let writer = Writer {
            db: Arc::clone(&db),
            queue,
            events: events.clone(),
            current: Arc::clone(&current),
        };
        std::thread::Builder::new()
            .name("kcp-store-writer".into())
            .spawn(move || writer.run())
            .or_backend()?;
        Ok(Self {
            db,
            writes,
            events,
            current,
        })
    }

    /// Runs `read` in a fresh read transaction on the blocking pool.
    async fn read<T, F>(&self, read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> Result<T> + Send + 'static,
    {
        read_blocking(Arc::clone(&self.db), read).await
    }

    /// Queues one write for the writer thread and waits for its commit.
    async fn write(&self, op: WriteOp) -> Result<Applied> {
        let (reply, answer) = oneshot::channel();
        self.writes
            .send(WriteRequest { op, reply })
            .map_err(|_| Error::Backend("the store's writer thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Backend("the store's writer thread has stopped".into()))?
    }

    async fn write_kv(&self, op: WriteOp) -> Result<KeyValue> {
        match self.write(op).await? {
            Applied::Kv(kv) => Ok(kv),
            Applied::Compacted => Err(Error::Backend("unexpected answer from the writer".into())),
        }
    }
}

async fn read_blocking<T, F>(db: Arc<Database>, read: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&ReadTransaction) -> Result<T> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let txn = db.begin_read().or_backend()?;
        read(&txn)
    })
    .await
    .or_backend()?
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>> {
        let key = key.to_owned();
        self.read(move |txn| {
            let kv = txn.open_table(KV).or_backend()?;
            get_live(&kv, &key)
        })
        .await
    }

    async fn list(&self, prefix: &str, opts: ListOptions) -> Result<ListResult> {
        let prefix = prefix.to_owned();
        self.read(move |txn| list(txn, &prefix, &opts)).await
    }

    async fn count(&self, prefix: &str) -> Result<i64> {
        let prefix = prefix.to_owned();
        self.read(move |txn| {
            let kv = txn.open_table(KV).or_backend()?;
            let mut n = 0;
            for row in kv.range::<&str>(prefix.as_str()..).or_backend()? {
                let (key, _) = row.or_backend()?;
                if !key.value().starts_with(prefix.as_str()) {
                    break;
                }
                n += 1;
            }
            Ok(n)
        })
        .await
    }

    async fn create(&self, key: &str, value: Bytes) -> Result<KeyValue> {
        self.write_kv(WriteOp::Create {
            key: key.to_owned(),
            value,
        })
        .await
    }

    async fn update(
        &self,
        key: &str,
        value: Bytes,
        expected_mod_revision: Revision,
    ) -> Result<KeyValue> {
        self.write_kv(WriteOp::Update {
            key: key.to_owned(),
            value,
            expected: expected_mod_revision,
        })
        .await
    }

    async fn delete(&self, key: &str, expected_mod_revision: Option<Revision>) -> Result<KeyValue> {
        self.write_kv(WriteOp::Delete {
            key: key.to_owned(),
            expected: expected_mod_revision,
        })
        .await
    }

    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream> {
        // Subscribe first: every commit from now on reaches `live`, every earlier one is in the
        // log that the first poll replays.
        let watch = Watch {
            db: Arc::clone(&self.db),
            prefix: prefix.to_owned(),
            live: self.events.subscribe(),
            // As on etcd, anything before the first revision means "from the beginning".
            seen: after.max(0),
            requested: after.max(0) + 1,
            pending: VecDeque::new(),
            state: WatchState::CatchingUp,
        };
        Ok(Box::pin(futures::stream::unfold(watch, Watch::next)))
    }

    async fn current_revision(&self) -> Result<Revision> {
        Ok(self.current.load(Ordering::Acquire))
    }

    async fn compacted_revision(&self) -> Result<Revision> {
        self.read(|txn| Ok(read_meta(txn)?.compacted)).await
    }

    async fn compact(&self, revision: Revision) -> Result<()> {
        self.write(WriteOp::Compact { revision }).await.map(|_| ())
    }
}

// ---------------------------------------------------------------------------------------------
// Reads

/// The two revisions kept in `meta`.
#[derive(Clone, Copy, Debug)]
struct Meta {
    current: Revision,
    compacted: Revision,
}

fn read_meta(txn: &ReadTransaction) -> Result<Meta> {
    let meta = txn.open_table(META).or_backend()?;
    let get = |name: &str| -> Result<Revision> {
        Ok(meta.get(name).or_backend()?.map_or(0, |v| v.value()))
    };
    Ok(Meta {
        current: get(META_CURRENT)?,
        compacted: get(META_COMPACTED)?,
    })
}

fn get_live(
    kv: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<KeyValue>> {
    match kv.get(key).or_backend()? {
        Some(row) => decode_kv(key, row.value()).map(Some),
        None => Ok(None),
    }
}

/// The lower bound of a list window: the prefix itself, or just past the continue key.
fn window_start<'a>(prefix: &'a str, start_after: Option<&'a str>) -> Bound<&'a str> {
    match start_after {
        Some(after) if after >= prefix => Bound::Excluded(after),
        _ => Bound::Included(prefix),
    }
}

fn list(txn: &ReadTransaction, prefix: &str, opts: &ListOptions) -> Result<ListResult> {
    let meta = read_meta(txn)?;
    let revision = match opts.revision {
        None => meta.current,
        Some(rev) if rev > meta.current => {
            return Err(Error::FutureRevision {
                requested: rev,
                current: meta.current,
            });
        }
        Some(rev) if rev < meta.compacted => {
            return Err(Error::Compacted {
                requested: rev,
                compacted: meta.compacted,
            });
        }
        Some(rev) => rev,
    };
    let limit = opts.limit.filter(|&n| n > 0).unwrap_or(usize::MAX);
    let start = window_start(prefix, opts.start_after.as_deref());
    let kv = txn.open_table(KV).or_backend()?;
    let rows = kv.range::<&str>((start, Bound::Unbounded)).or_backend()?;

    let mut page = Page::new(limit);
    if revision == meta.current {
        // Now: straight from the live keys.
        for row in rows {
            let (key, value) = row.or_backend()?;
            let key = key.value();
            if !key.starts_with(prefix) {
                break;
            }
            if page.wants_more() {
                page.items.push(decode_kv(key, value.value())?);
            } else {
                page.remaining += 1;
            }
        }
    } else {
        // The past: today's keys in the window, with every later change undone, newest first.
        let mut state = BTreeMap::new();
        for row in rows {
            let (key, value) = row.or_backend()?;
            let key = key.value();
            if !key.starts_with(prefix) {
                break;
            }
            state.insert(key.to_owned(), decode_kv(key, value.value())?);
        }
        let in_window = |key: &str| {
            key.starts_with(prefix)
                && match start {
                    Bound::Excluded(after) => key > after,
                    _ => true,
                }
        };
        let log = txn.open_table(LOG).or_backend()?;
        let newer = log
            .range::<u64>((Bound::Excluded(log_key(revision)), Bound::Unbounded))
            .or_backend()?;
        for row in newer.rev() {
            let (_, record) = row.or_backend()?;
            let event = decode_event(record.value())?;
            if !in_window(&event.kv.key) {
                continue;
            }
            match event.prev {
                Some(prev) => state.insert(prev.key.clone(), prev),
                None => state.remove(&event.kv.key),
            };
        }
        for kv in state.into_values() {
            if page.wants_more() {
                page.items.push(kv);
            } else {
                page.remaining += 1;
            }
        }
    }
    Ok(page.finish(revision))
}

/// A list page being filled.
struct Page {
    limit: usize,
    items: Vec<KeyValue>,
    remaining: i64,
}

impl Page {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            items: Vec::new(),
            remaining: 0,
        }
    }

    fn wants_more(&self) -> bool {
        self.items.len() < self.limit
    }

    fn finish(self, revision: Revision) -> ListResult {
        ListResult {
            items: self.items,
            revision,
            more: self.remaining > 0,
            remaining: self.remaining,
        }
    }
}

/// What a watcher got from one trip to the log.
struct Replay {
    events: Vec<Event>,
    /// The last revision the trip covered (whether or not it matched the prefix).
    through: Revision,
    /// Whether the trip reached the current revision.
    caught_up: bool,
}

/// Reads the log after `seen`, at most [`REPLAY_CHUNK_REVISIONS`] rows.
fn replay(txn: &ReadTransaction, prefix: &str, seen: Revision) -> Result<Replay> {
    let meta = read_meta(txn)?;
    let first = seen.saturating_add(1);
    if first < meta.compacted {
        return Err(Error::Compacted {
            requested: first,
            compacted: meta.compacted,
        });
    }
    let mut out = Replay {
        events: Vec::new(),
        through: seen.max(meta.current),
        caught_up: true,
    };
    if seen >= meta.current {
        return Ok(out);
    }
    let log = txn.open_table(LOG).or_backend()?;
    let rows = log.range::<u64>(log_key(first)..).or_backend()?;
    for (expected, row) in (first..).zip(rows) {
        if expected - first == REPLAY_CHUNK_REVISIONS {
            out.through = expected - 1;
            out.caught_up = false;
            break;
        }
        let (rev, record) = row.or_backend()?;
        if i64::try_from(rev.value()).ok() != Some(expected) {
            return Err(Error::Backend(format!(
                "the change log has no entry for revision {expected}"
            )));
        }
        let event = decode_event(record.value())?;
        if event.kv.key.starts_with(prefix) {
            out.events.push(event);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Watch

/// Where a watch stands.
enum WatchState {
    /// The next poll reads the log after `seen` (first replay, or after falling behind).
    CatchingUp,
    /// The next poll waits for the writer's broadcast.
    Live,
    /// The stream has ended (after an error, or because the store is gone).
    Done,
}

struct Watch {
    db: Arc<Database>,
    prefix: String,
    live: broadcast::Receiver<Arc<[Event]>>,
    /// The newest revision already handled: every change up to it was delivered or filtered out.
    seen: Revision,
    /// The first revision the caller asked for, for the error if it was compacted.
    requested: Revision,
    pending: VecDeque<Event>,
    state: WatchState,
}

impl Watch {
    async fn next(mut self) -> Option<(Result<Event>, Self)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((Ok(event), self));
            }
            match self.state {
                WatchState::Done => return None,
                WatchState::CatchingUp => {
                    let prefix = self.prefix.clone();
                    let seen = self.seen;
                    match read_blocking(Arc::clone(&self.db), move |txn| replay(txn, &prefix, seen))
                        .await
                    {
                        Ok(replay) => {
                            self.pending.extend(replay.events);
                            self.seen = replay.through;
                            if replay.caught_up {
                                self.state = WatchState::Live;
                            }
                        }
                        Err(err) => {
                            self.state = WatchState::Done;
                            let err = match err {
                                Error::Compacted { compacted, .. } => Error::Compacted {
                                    requested: self.requested.max(seen + 1),
                                    compacted,
                                },
                                other => other,
                            };
                            return Some((Err(err), self));
                        }
                    }
                }
                WatchState::Live => match self.live.recv().await {
                    Ok(batch) => {
                        for event in batch.iter() {
                            let rev = event.revision();
                            if rev <= self.seen {
                                continue;
                            }
                            if rev > self.seen + 1 {
                                // A change we never saw: the log has it.
                                self.state = WatchState::CatchingUp;
                                break;
                            }
                            self.seen = rev;
                            if event.kv.key.starts_with(self.prefix.as_str()) {
                                self.pending.push_back(event.clone());
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        self.state = WatchState::CatchingUp;
                    }
                    Err(broadcast::error::RecvError::Closed) => {
                        self.state = WatchState::Done;
                    }
                },
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writes

/// One write, as the caller asked for it.
enum WriteOp {
    Create {
        key: String,
        value: Bytes,
    },
    Update {
        key: String,
        value: Bytes,
        expected: Revision,
    },
    Delete {
        key: String,
        expected: Option<Revision>,
    },
    Compact {
        revision: Revision,
    },
}

/// What a successful write answers.
enum Applied {
    Kv(KeyValue),
    Compacted,
}

struct WriteRequest {
    op: WriteOp,
    reply: oneshot::Sender<Result<Applied>>,
}

/// The writer thread: the only owner of write transactions.
struct Writer {
    db: Arc<Database>,
    queue: std_mpsc::Receiver<WriteRequest>,
    events: broadcast::Sender<Arc<[Event]>>,
    current: Arc<AtomicI64>,
}

/// The tables and revisions of one group's write transaction.
struct Group<'txn> {
    kv: Table<'txn, &'static str, &'static [u8]>,
    log: Table<'txn, u64, &'static [u8]>,
    meta: Meta,
}

impl Writer {
    fn run(self) {
        // Ends when every store handle is gone.
        while let Ok(first) = self.queue.recv() {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match self.queue.try_recv() {
                    Ok(request) => group.push(request),
                    Err(_) => break,
                }
            }
            self.commit(group);
        }
    }

    /// Applies a group of writes in one durable transaction, then answers them.
    fn commit(&self, group: Vec<WriteRequest>) {
        let (ops, replies): (Vec<_>, Vec<_>) = group.into_iter().map(|r| (r.op, r.reply)).unzip();
        match self.apply_all(ops) {
            Ok((answers, events)) => {
                if let Some(last) = events.last() {
                    self.current.fetch_max(last.revision(), Ordering::AcqRel);
                }
                if !events.is_empty() {
                    // No receivers is fine: nobody is watching.
                    let _ = self.events.send(events.into());
                }
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(answer);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "embedded store: commit failed");
                let message = err.to_string();
                for reply in replies {
                    let _ = reply.send(Err(Error::Backend(message.clone())));
                }
            }
        }
    }

    /// Runs the group's transaction. The outer error aborts the whole group (nothing was
    /// committed); the inner results are each caller's answer.
    #[allow(clippy::type_complexity)]
    fn apply_all(&self, ops: Vec<WriteOp>) -> Result<(Vec<Result<Applied>>, Vec<Event>)> {
        let mut txn = self.db.begin_write().or_backend()?;
        txn.set_durability(Durability::Immediate).or_backend()?;
        let mut answers = Vec::with_capacity(ops.len());
        let mut events = Vec::new();
        {
            let mut group = Group {
                kv: txn.open_table(KV).or_backend()?,
                log: txn.open_table(LOG).or_backend()?,
                meta: Meta {
                    current: 0,
                    compacted: 0,
                },
            };
            {
                let meta = txn.open_table(META).or_backend()?;
                let get = |name: &str| -> Result<Revision> {
                    Ok(meta.get(name).or_backend()?.map_or(0, |v| v.value()))
                };
                group.meta = Meta {
                    current: get(META_CURRENT)?,
                    compacted: get(META_COMPACTED)?,
                };
            }
            for op in ops {
                answers.push(match group.apply(op)? {
                    Ok((applied, event)) => {
                        events.extend(event);
                        Ok(applied)
                    }
                    Err(err) => Err(err),
                });
            }
            let mut meta = txn.open_table(META).or_backend()?;
            meta.insert(META_CURRENT, group.meta.current).or_backend()?;
            meta.insert(META_COMPACTED, group.meta.compacted)
                .or_backend()?;
        }
        txn.commit().or_backend()?;
        Ok((answers, events))
    }
}

impl Group<'_> {
    /// Applies one write on top of the group's earlier ones.
    #[allow(clippy::type_complexity)]
    fn apply(&mut self, op: WriteOp) -> Result<Result<(Applied, Option<Event>)>> {
        match op {
            WriteOp::Create { key, value } => {
                if self.live(&key)?.is_some() {
                    return Ok(Err(Error::AlreadyExists { key }));
                }
                let rev = self.meta.current + 1;
                let kv = KeyValue {
                    key,
                    value,
                    create_revision: rev,
                    mod_revision: rev,
                    version: 1,
                };
                self.record(Event {
                    kind: EventKind::Put,
                    kv,
                    prev: None,
                })
            }
            WriteOp::Update {
                key,
                value,
                expected,
            } => {
                let Some(current) = self.live(&key)? else {
                    return Ok(Err(Error::NotFound { key }));
                };
                if current.mod_revision != expected {
                    return Ok(Err(Error::Conflict {
                        key,
                        expected,
                        current: Some(current),
                    }));
                }
                let kv = KeyValue {
                    key,
                    value,
                    create_revision: current.create_revision,
                    mod_revision: self.meta.current + 1,
                    version: current.version + 1,
                };
                self.record(Event {
                    kind: EventKind::Put,
                    kv,
                    prev: Some(current),
                })
            }
            WriteOp::Delete { key, expected } => {
                let Some(current) = self.live(&key)? else {
                    return Ok(Err(Error::NotFound { key }));
                };
                if let Some(expected) = expected
                    && current.mod_revision != expected
                {
                    return Ok(Err(Error::Conflict {
                        key,
                        expected,
                        current: Some(current),
                    }));
                }
                let kv = KeyValue {
                    mod_revision: self.meta.current + 1,
                    ..current.clone()
                };
                self.record(Event {
                    kind: EventKind::Delete,
                    kv,
                    prev: Some(current),
                })
            }
            WriteOp::Compact { revision } => {
                if revision > self.meta.current {
                    return Ok(Err(Error::FutureRevision {
                        requested: revision,
                        current: self.meta.current,
                    }));
                }
                if revision <= self.meta.compacted {
                    return Ok(Err(Error::Compacted {
                        requested: revision,
                        compacted: self.meta.compacted,
                    }));
                }
                self.log
                    .retain_in::<u64, _>(..log_key(revision), |_, _| false)
                    .or_backend()?;
                self.meta.compacted = revision;
                Ok(Ok((Applied::Compacted, None)))
            }
        }
    }

    fn live(&self, key: &str) -> Result<Option<KeyValue>> {
        get_live(&self.kv, key)
    }

    /// Writes `event` (whose `kv.mod_revision` is the next revision) to `kv` and `log`.
    fn record(&mut self, event: Event) -> Result<Result<(Applied, Option<Event>)>> {
        let rev = event.revision();
        match event.kind {
            EventKind::Put => {
                self.kv
                    .insert(event.kv.key.as_str(), encode_kv(&event.kv).as_slice())
                    .or_backend()?;
            }
            EventKind::Delete => {
                self.kv.remove(event.kv.key.as_str()).or_backend()?;
            }
        }
        self.log
            .insert(log_key(rev), encode_event(&event).as_slice())
            .or_backend()?;
        self.meta.current = rev;
        Ok(Ok((Applied::Kv(event.kv.clone()), Some(event))))
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// Revisions are positive, so they order the same as `u64` log keys.
fn log_key(rev: Revision) -> u64 {
    u64::try_from(rev).unwrap_or(0)
}

/// `kv` rows: `create_revision | mod_revision | version` (little-endian `i64`s), then the value.
fn encode_kv(kv: &KeyValue) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + kv.value.len());
    out.extend_from_slice(&kv.create_revision.to_le_bytes());
    out.extend_from_slice(&kv.mod_revision.to_le_bytes());
    out.extend_from_slice(&kv.version.to_le_bytes());
    out.extend_from_slice(&kv.value);
    out
}

fn decode_kv(key: &str, bytes: &[u8]) -> Result<KeyValue> {
    let mut r = Reader(bytes);
    Ok(KeyValue {
        key: key.to_owned(),
        create_revision: r.i64()?,
        mod_revision: r.i64()?,
        version: r.i64()?,
        value: Bytes::copy_from_slice(r.0),
    })
}

/// `log` rows: the kind (0 put, 1 delete), the key-value, then a flag and the previous one.
/// A key-value is `key | create_revision | mod_revision | version | value` with length-prefixed
/// key and value.
fn encode_event(event: &Event) -> Vec<u8> {
    fn put_kv(out: &mut Vec<u8>, kv: &KeyValue) {
        put_bytes(out, kv.key.as_bytes());
        out.extend_from_slice(&kv.create_revision.to_le_bytes());
        out.extend_from_slice(&kv.mod_revision.to_le_bytes());
        out.extend_from_slice(&kv.version.to_le_bytes());
        put_bytes(out, &kv.value);
    }
    fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
        // Keys and values are far below 4 GiB (redb itself caps values there).
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(bytes);
    }
    let mut out = Vec::with_capacity(64 + 2 * event.kv.value.len());
    out.push(match event.kind {
        EventKind::Put => 0,
        EventKind::Delete => 1,
    });
    put_kv(&mut out, &event.kv);
    match &event.prev {
        Some(prev) => {
            out.push(1);
            put_kv(&mut out, prev);
        }
        None => out.push(0),
    }
    out
}

fn decode_event(bytes: &[u8]) -> Result<Event> {
    fn read_kv(r: &mut Reader<'_>) -> Result<KeyValue> {
        let key = String::from_utf8(r.bytes()?.to_vec())
            .map_err(|_| corrupt("a key that is not UTF-8"))?;
        Ok(KeyValue {
            key,
            create_revision: r.i64()?,
            mod_revision: r.i64()?,
            version: r.i64()?,
            value: Bytes::copy_from_slice(r.bytes()?),
        })
    }
    let mut r = Reader(bytes);
    let kind = match r.u8()? {
        0 => EventKind::Put,
        1 => EventKind::Delete,
        _ => return Err(corrupt("an unknown change kind")),
    };
    let kv = read_kv(&mut r)?;
    let prev = match r.u8()? {
        0 => None,
        _ => Some(read_kv(&mut r)?),
    };
    Ok(Event { kind, kv, prev })
}

/// A cursor over a stored record.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(corrupt("a truncated record"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn i64(&mut self) -> Result<i64> {
        let mut buf = [0; 8];
        buf.copy_from_slice(self.take(8)?);
        Ok(i64::from_le_bytes(buf))
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let mut buf = [0; 4];
        buf.copy_from_slice(self.take(4)?);
        let len = usize::try_from(u32::from_le_bytes(buf)).map_err(|_| corrupt("a huge field"))?;
        self.take(len)
    }
}

fn corrupt(what: &str) -> Error {
    Error::Backend(format!("corrupt embedded store: {what}"))
}

/// Turns any redb (or thread) failure into [`Error::Backend`].
trait OrBackend<T> {
    fn or_backend(self) -> Result<T>;
}

impl<T, E: Display> OrBackend<T> for std::result::Result<T, E> {
    fn or_backend(self) -> Result<T> {
        self.map_err(|err| Error::Backend(err.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(key: &str, value: &str, create: i64, modr: i64, version: i64) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Bytes::copy_from_slice(value.as_bytes()),
            create_revision: create,
            mod_revision: modr,
            version,
        }
    }

    #[test]
    fn kv_rows_round_trip() {
        let original = kv("/registry/a", "{\"x\":1}", 3, 7, 4);
        let decoded = decode_kv("/registry/a", &encode_kv(&original));
        assert_eq!(decoded.ok(), Some(original));
    }

    #[test]
    fn log_rows_round_trip() {
        let event = Event {
            kind: EventKind::Delete,
            kv: kv("/a", "old", 2, 9, 3),
            prev: Some(kv("/a", "old", 2, 5, 3)),
        };
        let decoded = decode_event(&encode_event(&event)).ok();
        assert_eq!(decoded.as_ref().map(|e| &e.kind), Some(&EventKind::Delete));
        assert_eq!(decoded.as_ref().map(|e| &e.kv), Some(&event.kv));
        assert_eq!(decoded.and_then(|e| e.prev), event.prev);

        let create = Event {
            kind: EventKind::Put,
            kv: kv("/b", "", 4, 4, 1),
            prev: None,
        };
        let decoded = decode_event(&encode_event(&create)).ok();
        assert!(decoded.is_some_and(|e| e.prev.is_none() && e.kv == create.kv));
    }

    #[test]
    fn truncated_rows_are_backend_errors() {
        let bytes = encode_event(&Event {
            kind: EventKind::Put,
            kv: kv("/a", "v", 1, 1, 1),
            prev: None,
        });
        for cut in 0..bytes.len() {
            assert!(matches!(
                decode_event(&bytes[..cut]),
                Err(Error::Backend(_))
            ));
        }
        assert!(matches!(
            decode_kv("/a", &[1, 2, 3]),
            Err(Error::Backend(_))
        ));
    }

    #[test]
    fn window_starts_after_the_continue_key_only_inside_the_prefix() {
        assert_eq!(window_start("/a/", None), Bound::Included("/a/"));
        assert_eq!(window_start("/a/", Some("/a/x")), Bound::Excluded("/a/x"));
        // A continue key before the prefix cannot widen the window.
        assert_eq!(window_start("/b/", Some("/a/x")), Bound::Included("/b/"));
    }

    #[tokio::test]
    async fn reopening_keeps_keys_and_revisions() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let path = dir.path().join("store.redb");
        {
            let store = EmbeddedStore::open(&path).ok();
            let store = store.as_ref();
            assert!(store.is_some());
            if let Some(store) = store {
                let a = store.create("/a", Bytes::from_static(b"1")).await.ok();
                assert_eq!(a.map(|kv| kv.mod_revision), Some(1));
                let b = store.create("/b", Bytes::from_static(b"2")).await.ok();
                assert_eq!(b.map(|kv| kv.mod_revision), Some(2));
            }
        }
        // The writer thread closes the file once its queue is dropped; wait for that.
        let reopened = wait_reopen(&path).await;
        assert_eq!(reopened.current_revision().await.ok(), Some(2));
        let got = reopened.get("/a").await.ok().flatten();
        assert_eq!(got.map(|kv| kv.value), Some(Bytes::from_static(b"1")));
        let c = reopened.create("/c", Bytes::new()).await.ok();
        assert_eq!(c.map(|kv| kv.mod_revision), Some(3));
    }

    async fn wait_reopen(path: &Path) -> EmbeddedStore {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match EmbeddedStore::open(path) {
                Ok(store) => return store,
                Err(err) if std::time::Instant::now() > deadline => {
                    panic!("reopening the store failed: {err}")
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
            }
        }
    }
}
