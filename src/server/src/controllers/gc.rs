//! The garbage collector: deletes objects whose owners (`metadata.ownerReferences`) are all
//! gone (background propagation), deletes the dependents of an owner deleted with
//! `propagationPolicy: Foreground` before removing the owner's `foregroundDeletion` finalizer
//! (an owner waits for dependents that set `blockOwnerDeletion`), and, for
//! `propagationPolicy: Orphan`, removes the owner's references from its dependents before
//! removing the owner's `orphan` finalizer. One instance for every logical cluster: it follows
//! the whole key space through the watch cache and keeps an index of owners to dependents.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use kcp_store::EventKind;
use serde_json::{Value, json};

use crate::catalog::{Catalogs, ResourceDef};
use crate::registry::object;
use crate::registry::rest::{self, DeleteOptions, Scope};
use crate::storage::keys::ObjectKey;
use crate::storage::{CachedObject, Storage, WatchStart};

const FOREGROUND: &str = "foregroundDeletion";
const ORPHAN: &str = "orphan";

/// An object's identity for the collector: `<logical cluster>/<uid>`, one allocation.
type Uid = Box<str>;

/// An object's key, shared with the watch cache.
type Key = Arc<str>;

#[derive(Default)]
struct Graph {
    /// Every object's uid → its key.
    keys: HashMap<Uid, Key>,
    /// An owner's uid → the keys of its dependents.
    dependents: HashMap<Uid, BTreeSet<Key>>,
    /// A dependent's key → the owner uids it references.
    owners: HashMap<Key, Vec<Uid>>,
}

fn uid(cluster: &str, uid: &str) -> Uid {
    format!("{cluster}/{uid}").into_boxed_str()
}

/// The object uid part of a [`Uid`] (cluster names hold no `/`).
fn object_uid(u: &Uid) -> &str {
    u.split_once('/').map_or(u, |(_, uid)| uid)
}

fn uid_of(obj: &CachedObject) -> Uid {
    uid(obj.key.cluster(), &obj.uid)
}

fn owner_uids(obj: &CachedObject) -> Vec<Uid> {
    obj.owner_uids
        .iter()
        .map(|u| uid(obj.key.cluster(), u))
        .collect()
}

impl Graph {
    fn forget(&mut self, key: &str) {
        if let Some(owners) = self.owners.remove(key) {
            for o in owners {
                if let Some(d) = self.dependents.get_mut(&o) {
                    d.remove(key);
                    if d.is_empty() {
                        self.dependents.remove(&o);
                    }
                }
            }
        }
    }

    fn put(&mut self, obj: &CachedObject) {
        let key = obj.key.raw.clone();
        self.forget(&key);
        if !obj.uid.is_empty() {
            self.keys.insert(uid_of(obj), key.clone());
        }
        let owners = owner_uids(obj);
        for o in &owners {
            self.dependents
                .entry(o.clone())
                .or_default()
                .insert(key.clone());
        }
        if !owners.is_empty() {
            self.owners.insert(key, owners);
        }
    }

    fn delete(&mut self, obj: &CachedObject) {
        self.forget(&obj.key.raw);
        self.keys.remove(&uid_of(obj));
    }
}

/// Runs forever.
pub async fn run(storage: Arc<Storage>, catalogs: Arc<Catalogs>) {
    loop {
        let watch = match storage.watch("/registry/", WatchStart::FromState).await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("garbage collector: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut graph = Graph::default();
        for ev in &watch.initial {
            graph.put(&ev.object);
        }
        // Owners already gone or being deleted when we start.
        let mut pending: BTreeSet<Uid> = graph.dependents.keys().cloned().collect();
        for ev in watch.initial.iter().filter(|e| e.object.deleting) {
            pending.insert(uid_of(&ev.object));
        }
        let mut live = watch.live;
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            for owner in std::mem::take(&mut pending) {
                if !process(&storage, &catalogs, &graph, &owner).await {
                    pending.insert(owner);
                }
            }
            tokio::select! {
                ev = live.recv() => match ev {
                    Ok(ev) => {
                        let obj = &ev.object;
                        match ev.kind {
                            EventKind::Put => {
                                graph.put(obj);
                                if obj.deleting {
                                    pending.insert(uid_of(obj));
                                }
                            }
                            EventKind::Delete => {
                                graph.delete(obj);
                                // Only owners of dependents have anything to collect.
                                if graph.dependents.contains_key(&uid_of(obj)) {
                                    pending.insert(uid_of(obj));
                                }
                            }
                        }
                        // A dependent changed or went: its owners may now be free to go.
                        pending.extend(owner_uids(obj));
                    }
                    Err(_) => break,
                },
                _ = tick.tick() => {}
            }
        }
    }
}

/// The resource a key belongs to, in the catalog of its cluster.
fn def_for(catalogs: &Catalogs, key: &ObjectKey) -> Option<ResourceDef> {
    let group = if key.group() == "core" {
        ""
    } else {
        key.group()
    };
    catalogs
        .for_cluster(key.cluster())
        .resources()
        .iter()
        .find(|r| r.group == group && r.resource == key.resource() && r.space == key.space())
        .cloned()
}

fn scope_for<'a>(def: &'a ResourceDef, key: &'a ObjectKey, subresource: &'a str) -> Scope<'a> {
    Scope {
        cluster: key.cluster(),
        def,
        namespace: key.namespace(),
        name: key.name(),
        subresource,
        dry_run: false,
        manager: "generic-garbage-collector",
    }
}

async fn current(storage: &Storage, key: &str) -> Option<(ObjectKey, Value)> {
    let obj = storage.get_cached(key).await?;
    let v = obj.value().ok()?;
    Some((obj.key.clone(), v))
}

/// Handles one owner uid; returns whether it is done (nothing left to wait for).
async fn process(storage: &Storage, catalogs: &Catalogs, graph: &Graph, owner: &Uid) -> bool {
    let dependents: Vec<Key> = graph
        .dependents
        .get(owner)
        .map(|d| d.iter().cloned().collect())
        .unwrap_or_default();
    let owner_state = match graph.keys.get(owner) {
        Some(k) => current(storage, k).await,
        None => None,
    };
    match owner_state {
        // The owner is gone: delete dependents none of whose owners remain.
        None => {
            for dep in dependents {
                let Some(obj) = storage.get_cached(&dep).await else {
                    continue;
                };
                let alive = owner_uids(&obj)
                    .iter()
                    .any(|o| o != owner && graph.keys.contains_key(o));
                if !alive {
                    delete(storage, catalogs, &obj.key, None).await;
                }
            }
            true
        }
        Some((key, v)) if object::is_deleting(&v) => {
            let finalizers = object::finalizers(&v);
            if finalizers.iter().any(|f| f == ORPHAN) {
                let mut done = true;
                for dep in &dependents {
                    done &= orphan(storage, catalogs, dep, owner).await;
                }
                // Retried on the next tick until both steps went through.
                return done && remove_finalizer(storage, catalogs, &key, &v, ORPHAN).await;
            }
            if finalizers.iter().any(|f| f == FOREGROUND) {
                let mut blocking = 0;
                for dep in &dependents {
                    let Some((dkey, dv)) = current(storage, dep).await else {
                        continue;
                    };
                    if blocks(&dv, owner) {
                        blocking += 1;
                    }
                    if !object::is_deleting(&dv) {
                        delete(storage, catalogs, &dkey, Some("Foreground")).await;
                    }
                }
                if blocking == 0 {
                    return remove_finalizer(storage, catalogs, &key, &v, FOREGROUND).await;
                }
                return false;
            }
            true
        }
        Some(_) => true,
    }
}

/// Whether a dependent holds its owner's foreground deletion back.
fn blocks(dependent: &Value, owner: &Uid) -> bool {
    dependent["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r["uid"] == json!(object_uid(owner)) && r["blockOwnerDeletion"] == true)
        })
}

async fn delete(storage: &Storage, catalogs: &Catalogs, key: &ObjectKey, policy: Option<&str>) {
    let Some(def) = def_for(catalogs, key) else {
        return;
    };
    let opts = DeleteOptions {
        propagation_policy: policy.map(str::to_string),
        ..DeleteOptions::default()
    };
    if let Err(e) = rest::delete(storage, &scope_for(&def, key, ""), &opts).await
        && e.code != 404
    {
        tracing::debug!("garbage collector: deleting {}: {e}", key.raw);
    }
}

/// Removes the owner's reference from a dependent; whether that is done.
async fn orphan(storage: &Storage, catalogs: &Catalogs, dep: &str, owner: &Uid) -> bool {
    let Some((key, mut v)) = current(storage, dep).await else {
        return true;
    };
    let Some(def) = def_for(catalogs, &key) else {
        return true;
    };
    if let Some(refs) = v["metadata"]["ownerReferences"].as_array_mut() {
        refs.retain(|r| r["uid"] != json!(object_uid(owner)));
    }
    settled(
        rest::update(storage, &scope_for(&def, &key, ""), v).await,
        "orphaning",
        &key,
    )
}

/// Removes one finalizer from an owner; whether that is done.
async fn remove_finalizer(
    storage: &Storage,
    catalogs: &Catalogs,
    key: &ObjectKey,
    v: &Value,
    finalizer: &str,
) -> bool {
    let Some(def) = def_for(catalogs, key) else {
        return true;
    };
    let mut updated = v.clone();
    let kept: Vec<String> = object::finalizers(v)
        .into_iter()
        .filter(|f| f != finalizer)
        .collect();
    updated["metadata"]["finalizers"] = json!(kept);
    settled(
        rest::update(storage, &scope_for(&def, key, ""), updated).await,
        "finalizing",
        key,
    )
}

/// Whether a write went through (or has nothing left to do); a failure is retried later.
fn settled<T>(result: crate::errors::ApiResult<T>, what: &str, key: &ObjectKey) -> bool {
    match result {
        Ok(_) => true,
        Err(e) if e.code == 404 => true,
        Err(e) => {
            tracing::debug!("garbage collector: {what} {}: {e}", key.raw);
            false
        }
    }
}
