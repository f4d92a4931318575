//! The namespace controller: empties a terminating namespace (deletes every namespaced object in
//! it), then removes the `kubernetes` finalizer through `namespaces/finalize`, which deletes the
//! namespace. One instance for all logical clusters, keyed by (cluster, namespace).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use kcp_store::EventKind;
use serde_json::{Value, json};

use crate::catalog::{Backing, Catalog, Catalogs};
use crate::registry::object;
use crate::registry::rest::{self, DeleteOptions, Scope};
use crate::storage::{Storage, WatchStart, keys};

const FINALIZER: &str = "kubernetes";

fn terminating(ns: &Value) -> bool {
    object::is_deleting(ns)
        && ns["spec"]["finalizers"]
            .as_array()
            .is_some_and(|f| f.iter().any(|x| x == FINALIZER))
}

/// Runs forever.
pub async fn run(storage: Arc<Storage>, catalogs: Arc<Catalogs>) {
    let prefix = keys::resource_prefix("", "namespaces", &keys::KeySpace::BuiltIn);
    let mut pending: BTreeSet<(String, String)> = BTreeSet::new();
    loop {
        let watch = match storage.watch(&prefix, WatchStart::FromState).await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("namespace controller: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for ev in &watch.initial {
            if ev.object.value().is_ok_and(|v| terminating(&v)) {
                pending.insert((
                    ev.object.key.cluster().to_string(),
                    ev.object.key.name().to_string(),
                ));
            }
        }
        let mut live = watch.live;
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                ev = live.recv() => match ev {
                    Ok(ev) => {
                        if ev.kind == EventKind::Put
                            && ev.object.key.raw.starts_with(&prefix)
                            && ev.object.value().is_ok_and(|v| terminating(&v))
                        {
                            let k = &ev.object.key;
                            let key = (k.cluster().to_string(), k.name().to_string());
                            if finalize(&storage, &catalogs.for_cluster(&key.0), &key.0, &key.1).await {
                                pending.remove(&key);
                            } else {
                                pending.insert(key);
                            }
                        }
                    }
                    Err(_) => break,
                },
                _ = tick.tick(), if !pending.is_empty() => {
                    let keys: Vec<_> = pending.iter().cloned().collect();
                    for key in keys {
                        if finalize(&storage, &catalogs.for_cluster(&key.0), &key.0, &key.1).await {
                            pending.remove(&key);
                        }
                    }
                }
            }
        }
    }
}

/// Deletes the namespace's content; when it is empty, finalizes the namespace. Returns whether
/// the namespace is done (finalized or gone).
async fn finalize(storage: &Storage, catalog: &Catalog, cluster: &str, ns: &str) -> bool {
    let mut remaining = 0usize;
    // Resources served in several versions (or APIs) share their keys: each prefix once.
    let mut seen = std::collections::HashSet::new();
    for def in catalog
        .resources()
        .iter()
        .filter(|d| d.namespaced && d.backing == Backing::Stored)
    {
        let group = crate::registry::conversion::storage_group(def);
        let prefix = keys::cluster_prefix(group, def.resource, &def.space, cluster, Some(ns));
        if !seen.insert(prefix.clone()) {
            continue;
        }
        let Ok(page) = storage.list(&prefix, None, 0, &|_| true).await else {
            return false;
        };
        for item in page.items {
            remaining += 1;
            let scope = Scope {
                cluster,
                def,
                namespace: Some(ns),
                name: item.key.name(),
                subresource: "",
                dry_run: false,
                manager: "kcp",
            };
            if let Err(e) = rest::delete(storage, &scope, &DeleteOptions::default()).await
                && e.code != 404
            {
                tracing::warn!("namespace controller: deleting {}: {e}", item.key.raw);
            }
        }
    }
    if remaining > 0 {
        return false;
    }
    let Some(def) = catalog
        .resources()
        .iter()
        .find(|d| d.group.is_empty() && d.resource == "namespaces")
    else {
        return true;
    };
    let scope = Scope {
        cluster,
        def,
        namespace: None,
        name: ns,
        subresource: "finalize",
        dry_run: false,
        manager: "kcp",
    };
    let Ok(current) = rest::get(storage, &scope).await else {
        return true;
    };
    let Ok(mut obj) = current.value() else {
        return true;
    };
    let finalizers: Vec<Value> = obj["spec"]["finalizers"]
        .as_array()
        .map(|f| f.iter().filter(|x| *x != FINALIZER).cloned().collect())
        .unwrap_or_default();
    obj["spec"]["finalizers"] = json!(finalizers);
    match rest::update(storage, &scope, obj).await {
        Ok(_) => true,
        Err(e) if e.code == 404 => true,
        Err(e) => {
            tracing::debug!("namespace controller: finalizing {cluster}/{ns}: {e}");
            false
        }
    }
}
