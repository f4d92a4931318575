//! Storage: the `kcp-store` backend plus the watch cache that serves every read.
//!
//! As kube-apiserver's cacher, one cache mirrors the whole key space in memory, fed by a single
//! store watch on `/registry/`. Lists and gets are served from it after waiting until it has
//! caught up with the store's current revision (a consistent read, as kube 1.31+ does), and
//! watches are served from its event history and a broadcast of live events.
//!
//! The cache keeps each object *rendered*: the stored JSON with `metadata.resourceVersion` and the
//! `kcp.io/cluster` annotation added (neither is ever stored), so a list is a concatenation of
//! byte strings and ten thousand workspaces cost only their bytes. Writes go straight to the
//! store; the revision they return is what the next consistent read waits for.

pub mod keys;
mod render;

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use kcp_store::{EventKind, ListOptions, Revision, Store};
use serde_json::Value;
use tokio::sync::{RwLock, broadcast, watch};

use crate::errors::{ApiError, ApiResult};
pub use keys::ObjectKey;
pub use render::{render_kv, render_value};

/// How many events the cache keeps for watches that resume from an older resourceVersion.
const HISTORY_CAPACITY: usize = 100_000;
/// How many live events a slow watcher may fall behind before its watch is closed (the client
/// then resumes from its last resourceVersion, as with kube-apiserver).
const BROADCAST_CAPACITY: usize = 16_384;

/// One object as the cache holds it.
#[derive(Debug)]
pub struct CachedObject {
    pub key: ObjectKey,
    /// The JSON served to clients (with resourceVersion and `kcp.io/cluster`).
    pub json: Bytes,
    pub mod_revision: Revision,
    /// `metadata.labels`, kept parsed for label selectors.
    pub labels: LabelSet,
    /// `metadata.uid`.
    pub uid: String,
    /// The uids of `metadata.ownerReferences`, for the garbage collector.
    pub owner_uids: Vec<String>,
    /// Whether `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// The object decoded, kept after the first [`CachedObject::shared_value`]: for the few
    /// kinds read on every request (RBAC), so they are parsed once per revision, not per use.
    decoded: OnceLock<Box<Value>>,
}

/// An object's labels (those with string values): a boxed slice, a few dozen bytes per label
/// where a map would hold a node of half a kilobyte for every cached object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSet(Box<[(Box<str>, Box<str>)]>);

impl LabelSet {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of label `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| &**k == key).map(|(_, v)| &**v)
    }
}

impl FromIterator<(String, String)> for LabelSet {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_str()))
                .collect(),
        )
    }
}

impl crate::registry::selector::Labels for LabelSet {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key)
    }
}

impl CachedObject {
    /// The object decoded into a value of the caller's own.
    pub fn value(&self) -> ApiResult<Value> {
        serde_json::from_slice(&self.json).map_err(ApiError::internal)
    }

    /// The parts of the object a caller's type names, decoded now and not kept (serde skips the
    /// rest): for the reads on every request of objects that are one per workspace, whose
    /// decoded copies, kept, would cost more than the objects.
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.json).ok()
    }

    /// The object as it is, served at another resourceVersion: a watch's DELETED event for an
    /// object that left the selection carries its last state that matched, at the event's
    /// resourceVersion (as kube's cacher frames it).
    pub fn at_revision(&self, revision: Revision) -> ApiResult<Self> {
        let mut v = self.value()?;
        v["metadata"]["resourceVersion"] = Value::String(revision.to_string());
        Ok(Self {
            key: self.key.clone(),
            json: Bytes::from(serde_json::to_vec(&v).map_err(ApiError::internal)?),
            mod_revision: revision,
            labels: self.labels.clone(),
            uid: self.uid.clone(),
            owner_uids: self.owner_uids.clone(),
            deleting: self.deleting,
            decoded: OnceLock::new(),
        })
    }

    /// The object decoded once and kept with it (see `decoded`); `None` if it does not decode.
    pub fn shared_value(&self) -> Option<&Value> {
        if let Some(v) = self.decoded.get() {
            return Some(v);
        }
        let v = serde_json::from_slice(&self.json).ok()?;
        Some(self.decoded.get_or_init(|| Box::new(v)))
    }
}

/// A change, as the watch cache fans it out.
#[derive(Clone, Debug)]
pub struct CacheEvent {
    pub kind: EventKind,
    /// The object after the change (for a delete: as it was, at the delete's revision).
    pub object: Arc<CachedObject>,
    /// The object before the change, when it existed.
    pub prev: Option<Arc<CachedObject>>,
}

impl CacheEvent {
    pub fn revision(&self) -> Revision {
        self.object.mod_revision
    }
}

struct CacheState {
    /// By key (the key shared with the object's own).
    objects: BTreeMap<Arc<str>, Arc<CachedObject>>,
    /// The revision the cache reflects.
    revision: Revision,
    history: VecDeque<CacheEvent>,
    /// The oldest revision a watch may resume from (events after it are all in `history`).
    oldest_resumable: Revision,
}

/// The storage layer: the store for writes, the cache for reads.
pub struct Storage {
    store: Arc<dyn Store>,
    /// Whether objects carry the `kcp.io/cluster` annotation (not under `--profile kube`).
    annotate_cluster: bool,
    state: RwLock<CacheState>,
    live: broadcast::Sender<CacheEvent>,
    revision_seen: watch::Sender<Revision>,
}

/// A list answer.
pub struct ListPage {
    pub items: Vec<Arc<CachedObject>>,
    pub revision: Revision,
    /// The key to continue after, when the page was cut by a limit.
    pub continue_after: Option<String>,
    pub remaining: usize,
}

/// What a watch delivers first.
pub enum WatchStart {
    /// Synthetic ADDED events for what exists (resourceVersion unset or "0"), then changes.
    FromState,
    /// Only changes after this revision.
    After(Revision),
}

/// An open watch: the initial events, then the live receiver.
pub struct CacheWatch {
    pub initial: Vec<CacheEvent>,
    /// The revision the initial events reflect.
    pub revision: Revision,
    pub live: broadcast::Receiver<CacheEvent>,
}

impl Storage {
    /// Loads the whole key space into the cache and starts following the store.
    pub async fn start(store: Arc<dyn Store>, annotate_cluster: bool) -> anyhow::Result<Arc<Self>> {
        let listed = store.list("/registry/", ListOptions::default()).await?;
        let mut objects = BTreeMap::new();
        for kv in listed.items {
            if let Some(obj) = render_kv(&kv.key, &kv.value, kv.mod_revision, annotate_cluster) {
                objects.insert(obj.key.raw.clone(), Arc::new(obj));
            }
        }
        let revision = listed.revision;
        crate::metrics::get().objects.set(objects.len() as i64);
        let (live, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (revision_seen, _) = watch::channel(revision);
        let storage = Arc::new(Self {
            store: store.clone(),
            annotate_cluster,
            state: RwLock::new(CacheState {
                objects,
                revision,
                history: VecDeque::new(),
                oldest_resumable: revision,
            }),
            live,
            revision_seen,
        });
        let follower = storage.clone();
        tokio::spawn(async move { follower.follow(revision).await });
        Ok(storage)
    }

    /// Whether this server serves many logical clusters (the kcp profile), whose objects carry
    /// the `kcp.io/cluster` annotation.
    pub fn serves_logical_clusters(&self) -> bool {
        self.annotate_cluster
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Renders stored bytes as clients see them (see [`render_kv`]).
    pub fn render(&self, key: &str, value: &[u8], revision: Revision) -> Option<CachedObject> {
        render_kv(key, value, revision, self.annotate_cluster)
    }

    /// Renders an object this server just wrote in `cluster` (see [`render_value`]).
    pub fn render_written(&self, cluster: &str, mut obj: Value, revision: Revision) -> Value {
        render_value(&mut obj, cluster, revision, self.annotate_cluster);
        obj
    }

    /// Applies the store's changes to the cache, forever; re-lists after a compaction gap.
    async fn follow(self: Arc<Self>, mut after: Revision) {
        loop {
            let mut stream = match self.store.watch("/registry/", after).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!("watch cache: cannot watch the store: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            };
            while let Some(item) = stream.next().await {
                match item {
                    Ok(ev) => {
                        after = ev.revision();
                        self.apply(ev).await;
                    }
                    Err(e) => {
                        tracing::error!("watch cache: store watch ended: {e}");
                        break;
                    }
                }
            }
            if let Err(e) = self.relist(&mut after).await {
                tracing::error!("watch cache: relist failed: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    /// Rebuilds the cache from a fresh list (after a gap that history cannot fill).
    async fn relist(&self, after: &mut Revision) -> anyhow::Result<()> {
        let listed = self
            .store
            .list("/registry/", ListOptions::default())
            .await?;
        if listed.revision <= *after {
            return Ok(());
        }
        let mut objects = BTreeMap::new();
        for kv in listed.items {
            if let Some(obj) = self.render(&kv.key, &kv.value, kv.mod_revision) {
                objects.insert(obj.key.raw.clone(), Arc::new(obj));
            }
        }
        let mut st = self.state.write().await;
        st.objects = objects;
        st.revision = listed.revision;
        st.history.clear();
        // Watchers older than this revision must relist (410).
        st.oldest_resumable = listed.revision;
        *after = listed.revision;
        drop(st);
        self.revision_seen.send_replace(listed.revision);
        Ok(())
    }

    async fn apply(&self, ev: kcp_store::Event) {
        let Some(object) = self.render(&ev.kv.key, &ev.kv.value, ev.kv.mod_revision) else {
            return;
        };
        let object = Arc::new(object);
        let mut st = self.state.write().await;
        let prev = match ev.kind {
            EventKind::Put => st.objects.insert(object.key.raw.clone(), object.clone()),
            EventKind::Delete => st.objects.remove(&*object.key.raw),
        };
        crate::metrics::get().objects.set(st.objects.len() as i64);
        let event = CacheEvent {
            kind: ev.kind,
            object,
            prev,
        };
        st.revision = event.revision();
        st.history.push_back(event.clone());
        if st.history.len() > HISTORY_CAPACITY
            && let Some(old) = st.history.pop_front()
        {
            st.oldest_resumable = old.revision();
        }
        let _ = self.live.send(event);
        let rev = st.revision;
        drop(st);
        self.revision_seen.send_replace(rev);
    }

    /// Waits until the cache reflects at least `revision`.
    pub async fn wait_for(&self, revision: Revision) -> ApiResult<()> {
        let mut rx = self.revision_seen.subscribe();
        let wait = rx.wait_for(|seen| *seen >= revision);
        match tokio::time::timeout(Duration::from_secs(3), wait).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(ApiError::new(
                504,
                "Timeout",
                format!(
                    "Too large resource version: {revision}, current: {}",
                    self.revision_now()
                ),
            )),
        }
    }

    fn revision_now(&self) -> Revision {
        *self.revision_seen.borrow()
    }

    /// Waits until the cache has caught up with the store (a consistent read).
    pub async fn sync(&self) -> ApiResult<Revision> {
        let rev = self.store.current_revision().await.map_err(store_error)?;
        self.wait_for(rev).await?;
        Ok(rev)
    }

    /// The object at `key`, consistently read.
    pub async fn get(&self, key: &str) -> ApiResult<Option<Arc<CachedObject>>> {
        self.sync().await?;
        Ok(self.state.read().await.objects.get(key).cloned())
    }

    /// The object at `key` as the cache has it now, without waiting.
    pub async fn get_cached(&self, key: &str) -> Option<Arc<CachedObject>> {
        self.state.read().await.objects.get(key).cloned()
    }

    /// Every cached object of one logical cluster, across all resources: one seek per resource
    /// present in the cache rather than a scan of every object (deleting a workspace's content).
    pub async fn cluster_objects(&self, cluster: &str) -> Vec<Arc<CachedObject>> {
        let st = self.state.read().await;
        let mut out = Vec::new();
        let mut cursor = keys::ROOT.to_string();
        while let Some((_, obj)) = st.objects.range::<str, _>(from(&cursor)).next() {
            let k = &obj.key;
            let prefix = keys::resource_prefix(k.group(), k.resource(), &k.space());
            let in_cluster = format!("{prefix}{cluster}/");
            out.extend(
                st.objects
                    .range::<str, _>(from(&in_cluster))
                    .take_while(|(key, _)| key.starts_with(&in_cluster))
                    .filter(|(_, o)| o.key.cluster() == cluster)
                    .map(|(_, o)| o.clone()),
            );
            // Past every key of this resource: '0' sorts right after the prefix's final '/'.
            cursor = format!("{}0", &prefix[..prefix.len() - 1]);
        }
        out
    }

    /// The objects under `prefix` (in key order) that `filter` keeps, consistently read,
    /// starting after `continue_after`, at most `limit` of them (0: all).
    pub async fn list(
        &self,
        prefix: &str,
        continue_after: Option<&str>,
        limit: usize,
        filter: &(dyn Fn(&CachedObject) -> bool + Sync),
    ) -> ApiResult<ListPage> {
        self.sync().await?;
        Ok(self
            .list_cached(prefix, continue_after, limit, filter)
            .await)
    }

    /// As [`Storage::list`], from the cache as it is now, without waiting for the store: for
    /// readers that tolerate a moment's lag (authorization, admission), as kube's informers do.
    pub async fn list_cached(
        &self,
        prefix: &str,
        continue_after: Option<&str>,
        limit: usize,
        filter: &(dyn Fn(&CachedObject) -> bool + Sync),
    ) -> ListPage {
        let st = self.state.read().await;
        let start = match continue_after {
            Some(k) => Bound::Excluded(k),
            None => Bound::Included(prefix),
        };
        let mut items = Vec::new();
        let mut continue_after = None;
        let mut remaining = 0;
        for (k, obj) in st.objects.range::<str, _>((start, Bound::Unbounded)) {
            if !k.starts_with(prefix) {
                break;
            }
            if !filter(obj) {
                continue;
            }
            if limit > 0 && items.len() >= limit {
                remaining += 1;
                continue;
            }
            items.push(obj.clone());
            if limit > 0 && items.len() == limit {
                continue_after = Some(k.to_string());
            }
        }
        if remaining == 0 {
            continue_after = None;
        }
        ListPage {
            items,
            revision: st.revision,
            continue_after,
            remaining,
        }
    }

    /// Opens a watch on `prefix`. History that is gone is a 410 `Expired` error.
    pub async fn watch(&self, prefix: &str, start: WatchStart) -> ApiResult<CacheWatch> {
        if let WatchStart::After(rev) = start
            && rev > self.revision_now()
        {
            // A resourceVersion from the future (or one the cache has not seen yet).
            self.wait_for(rev).await?;
        }
        let st = self.state.read().await;
        let live = self.live.subscribe();
        let initial = match start {
            WatchStart::FromState => st
                .objects
                .range::<str, _>(from(prefix))
                .take_while(|(k, _)| k.starts_with(prefix))
                .map(|(_, o)| CacheEvent {
                    kind: EventKind::Put,
                    object: o.clone(),
                    prev: None,
                })
                .collect(),
            WatchStart::After(rev) => {
                if rev < st.oldest_resumable {
                    return Err(ApiError::gone(format!(
                        "too old resource version: {rev} ({})",
                        st.oldest_resumable
                    )));
                }
                st.history
                    .iter()
                    .filter(|e| e.revision() > rev && e.object.key.raw.starts_with(prefix))
                    .cloned()
                    .collect()
            }
        };
        Ok(CacheWatch {
            initial,
            revision: st.revision,
            live,
        })
    }
}

/// The keys from `key` on, for a range over the cache's index.
fn from(key: &str) -> (Bound<&str>, Bound<&str>) {
    (Bound::Included(key), Bound::Unbounded)
}

/// Compacts the store's history every `interval` to the revision seen one interval earlier, as
/// kube-apiserver does with etcd (every five minutes): watches can resume across one interval,
/// and the store does not grow without bound.
pub fn spawn_compactor(store: Arc<dyn Store>, interval: Duration) {
    tokio::spawn(async move {
        let mut previous: Option<Revision> = None;
        loop {
            tokio::time::sleep(interval).await;
            let (Ok(current), Ok(compacted)) = (
                store.current_revision().await,
                store.compacted_revision().await,
            ) else {
                continue;
            };
            if let Some(rev) = previous
                && rev > compacted
            {
                match store.compact(rev).await {
                    Ok(()) => tracing::debug!("compacted the store at revision {rev}"),
                    Err(e) => tracing::warn!("compacting the store at revision {rev}: {e}"),
                }
            }
            previous = Some(current);
        }
    });
}

/// Maps a backend failure to an API error (500/503 class: never the client's fault).
pub fn store_error(e: kcp_store::Error) -> ApiError {
    match e {
        kcp_store::Error::Compacted {
            requested,
            compacted,
        } => ApiError::gone(format!(
            "too old resource version: {requested} ({compacted})"
        )),
        other => ApiError::internal(other),
    }
}
