//! The sync controller of one published resource (`reference/api-syncagent.md` §5.4): watches
//! the projected resource across every bound workspace through the virtual workspace (keyed by
//! logical cluster, namespace and name: a kube-runtime store would mix up equal names of
//! different workspaces) and the copies on the service cluster that carry this agent's label
//! (keyed by the kcp object they copy), caches both ([`super::cache`]), and takes each kcp
//! object with its copy through [`crate::sync::object::Primary::process`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::watcher;
use serde_json::Value;

use super::cache::Cache;
use super::queue::Queue;
use crate::kcp::Kcp;
use crate::metrics::SyncMetrics;
use crate::sync::filter::Filter;
use crate::sync::meta::{AGENT_NAME_LABEL, CLUSTER_ANNOTATION, ObjectKey};
use crate::sync::object::{Namespaces, Observed, Outcome, Primary};

/// Workers per published resource (the Go agent has 4, `numSyncWorkers`): a reconcile mostly
/// waits on the servers, so more of them sync more objects at once.
const WORKERS: usize = 16;
/// When a reconcile that is not done is looked at again at the latest (the watch event it
/// waits for usually comes first).
const REQUEUE: Duration = Duration::from_secs(5);

/// The naming rules: the copy's namespace and name for a kcp object of a cluster (and its
/// workspace path, when resolved).
pub type Naming = Arc<dyn Fn(&Value, &str, &str) -> anyhow::Result<(String, String)> + Send + Sync>;

/// What the controller syncs.
pub struct Spec {
    /// The PublishedResource's name (the metrics' `published_resource` label).
    pub published_resource: String,
    pub agent_name: String,
    /// The agent's namespace (state Secrets).
    pub namespace: String,
    pub local: ApiResource,
    pub local_namespaced: bool,
    /// Top-level fields of the local resource's subresources (`status`).
    pub subresources: Vec<String>,
    pub remote: ApiResource,
    pub remote_namespaced: bool,
    /// Whether kcp serves the projected resource's `status` subresource.
    pub remote_status_subresource: bool,
    pub naming: Naming,
    /// `enableWorkspacePaths`: each workspace's path is read (its LogicalCluster, claimed).
    pub workspace_paths: bool,
    /// `spec.filter`.
    pub filter: Filter,
}

/// A kcp object: the endpoint URL it was seen through, its cluster, namespace and name.
type Key = (Arc<str>, ObjectKey);

struct Ctx {
    spec: Spec,
    kcp: Arc<Kcp>,
    local: kube::Client,
    /// The kcp objects as last seen by the wildcard watches (or written).
    remote: Cache<Key>,
    /// The copies on the service cluster as last seen (or written), by the kcp object they are
    /// the copy of (cluster, namespace and name, without a workspace path). Only their
    /// metadata and subresources are kept: their spec is never read but where the last-known
    /// state is lost, and then read from the server.
    copies: Cache<ObjectKey>,
    /// Set once the copies' first list is in: no reconcile runs before, as it would take a
    /// copy not listed yet for missing.
    copies_synced: tokio::sync::watch::Sender<bool>,
    /// The endpoint of each cluster's objects.
    endpoint_of: RwLock<HashMap<String, Arc<str>>>,
    namespaces: Namespaces,
    metrics: SyncMetrics<Key>,
    queue: Arc<Queue<Key>>,
    /// Workspace paths by logical cluster (a workspace's path does not change).
    paths: RwLock<HashMap<String, String>>,
}

/// Runs until aborted.
pub async fn run(spec: Spec, kcp: Arc<Kcp>, local: kube::Client, endpoints: Vec<String>) {
    let kept = spec.subresources.clone();
    let copies = Cache::new(Box::new(move |k: &str| {
        matches!(k, "apiVersion" | "kind") || kept.iter().any(|s| s == k)
    }));
    let ctx = Arc::new(Ctx {
        metrics: SyncMetrics::new(&spec.published_resource),
        spec,
        kcp,
        local,
        remote: Cache::default(),
        copies,
        copies_synced: tokio::sync::watch::Sender::new(false),
        endpoint_of: RwLock::new(HashMap::new()),
        namespaces: Namespaces::default(),
        queue: Queue::named(crate::metrics::SYNC),
        paths: RwLock::new(HashMap::new()),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for url in endpoints {
        tasks.spawn(watch_remote(ctx.clone(), url.into()));
    }
    tasks.spawn(watch_local(ctx.clone()));
    for _ in 0..WORKERS {
        tasks.spawn(work(ctx.clone()));
    }
    while tasks.join_next().await.is_some() {}
}

/// The key of a copy in [`Ctx::copies`]: the kcp object's, without a workspace path.
fn copy_key(key: &ObjectKey) -> ObjectKey {
    ObjectKey {
        workspace_path: String::new(),
        ..key.clone()
    }
}

async fn watch_remote(ctx: Arc<Ctx>, url: Arc<str>) {
    let client = match ctx.kcp.client(&url, "*") {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("sync: virtual workspace {url}: {e}");
            return;
        }
    };
    let api = Api::<DynamicObject>::all_with(client, &ctx.spec.remote);
    let mut events = super::watch(api, watcher::Config::default());
    let key_of = |o: &DynamicObject, value: &Value| -> Option<Key> {
        let cluster = o.metadata.annotations.as_ref()?.get(CLUSTER_ANNOTATION)?;
        let known = ctx
            .endpoint_of
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(cluster)
            .is_some_and(|u| *u == url);
        if !known {
            ctx.endpoint_of
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(cluster.clone(), url.clone());
        }
        Some((url.clone(), ObjectKey::of(cluster, value)))
    };
    while let Some(ev) = events.next().await {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                tracing::debug!("sync: watching {url}: {e}");
                continue;
            }
        };
        for (key, had, has) in ctx.remote.on_event(ev, key_of) {
            remote_changed(&ctx, key, had, has);
        }
    }
}

/// A kcp object came, changed or went: it is reconciled.
fn remote_changed(ctx: &Ctx, key: Key, had: bool, has: bool) {
    ctx.metrics.cached(&key.1.cluster_name, had, has);
    ctx.metrics.arrived(&key);
    ctx.queue.add(key);
}

async fn watch_local(ctx: Arc<Ctx>) {
    let api = Api::<DynamicObject>::all_with(ctx.local.clone(), &ctx.spec.local);
    let config =
        watcher::Config::default().labels(&format!("{AGENT_NAME_LABEL}={}", ctx.spec.agent_name));
    let mut events = super::watch(api, config);
    while let Some(ev) = events.next().await {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                tracing::debug!("sync: watching the copies: {e}");
                continue;
            }
        };
        let listed = matches!(ev, watcher::Event::InitDone);
        let changed = ctx
            .copies
            .on_event(ev, |_, value| ObjectKey::from_copy(value));
        if listed {
            ctx.copies_synced.send_replace(true);
        }
        for (key, _, _) in changed {
            let url = ctx
                .endpoint_of
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key.cluster_name)
                .cloned();
            if let Some(url) = url {
                let key = (url, key);
                ctx.metrics.arrived(&key);
                ctx.queue.add(key);
            }
        }
    }
}

async fn work(ctx: Arc<Ctx>) {
    let mut synced = ctx.copies_synced.subscribe();
    // Only a closed channel (the controller going away) errs.
    if synced.wait_for(|s| *s).await.is_err() {
        return;
    }
    loop {
        let key = ctx.queue.next().await;
        let started = Instant::now();
        let result = reconcile(&ctx, &key).await;
        let known = ctx.remote.contains(&key);
        ctx.metrics.finished(&key, started, &result, known);
        match result {
            Ok(Outcome::Done) => {}
            Ok(Outcome::Requeue) => ctx.queue.add_after(key.clone(), REQUEUE),
            Err(e) => {
                tracing::warn!(object = %key.1, "sync: {e:#}");
                ctx.queue.retry(key.clone(), Duration::from_secs(1));
            }
        }
        ctx.queue.done(&key);
    }
}

async fn reconcile(ctx: &Ctx, key: &Key) -> anyhow::Result<Outcome> {
    let (url, object) = key;
    let Some(remote) = ctx.remote.get(key) else {
        return Ok(Outcome::Done);
    };
    let copy = ctx.copies.get(&copy_key(object));
    let cluster = &object.cluster_name;
    let remote_client = ctx.kcp.client(url, cluster)?;
    let path = if ctx.spec.workspace_paths {
        workspace_path(ctx, &remote_client, cluster).await?
    } else {
        String::new()
    };
    let naming = |o: &Value| (ctx.spec.naming)(o, cluster, &path);
    let event_client = remote_client.clone();
    let event = move |o: &Value, reason: &'static str, message: &'static str| {
        crate::events::emit(event_client.clone(), o, "Normal", reason, message);
    };
    let observed = |o: Observed<'_>| match o {
        Observed::Remote(v) => {
            ctx.remote.apply(key.clone(), v);
        }
        Observed::Copy(v) => {
            ctx.copies.apply(copy_key(object), v);
        }
    };
    let subresources: Vec<&str> = ctx.spec.subresources.iter().map(String::as_str).collect();
    let primary = Primary {
        agent_name: &ctx.spec.agent_name,
        cluster_name: cluster,
        workspace_path: &path,
        remote_client,
        remote_resource: &ctx.spec.remote,
        remote_namespaced: ctx.spec.remote_namespaced,
        remote_status_subresource: ctx.spec.remote_status_subresource,
        local_client: ctx.local.clone(),
        local_resource: &ctx.spec.local,
        local_namespaced: ctx.spec.local_namespaced,
        subresources: &subresources,
        naming: &naming,
        namespace: &ctx.spec.namespace,
        event: &event,
        on_write: &|w| ctx.metrics.wrote(key, w),
        observed: &observed,
        namespaces: &ctx.namespaces,
        filter: &ctx.spec.filter,
    };
    primary.process(remote, copy).await
}

/// The path of a workspace: its LogicalCluster's `kcp.io/path`, read through the virtual
/// workspace (the `core.kcp.io/logicalclusters` claim) once.
async fn workspace_path(ctx: &Ctx, client: &kube::Client, cluster: &str) -> anyhow::Result<String> {
    if let Some(p) = ctx
        .paths
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(cluster)
    {
        return Ok(p.clone());
    }
    let lc = Api::<DynamicObject>::all_with(client.clone(), &crate::kcp::logical_clusters())
        .get("cluster")
        .await
        .map_err(anyhow::Error::from)
        .context("Failed to retrieve workspace path, cannot process object")
        .context(crate::sync::object::Failure::KcpRequest)?;
    let path = lc
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("kcp.io/path"))
        .cloned()
        .unwrap_or_default();
    ctx.paths
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(cluster.to_string(), path.clone());
    Ok(path)
}
