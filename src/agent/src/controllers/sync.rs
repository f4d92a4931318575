//! The sync controller of one published resource (`reference/api-syncagent.md` §5.4): watches
//! the projected resource across every bound workspace through the virtual workspace (keyed by
//! logical cluster, namespace and name: a kube-runtime store would mix up equal names of
//! different workspaces) and the copies on the service cluster that carry this agent's label,
//! and takes each kcp object through [`crate::sync::object::Primary::process`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::watcher;
use serde_json::Value;

use super::queue::Queue;
use crate::kcp::Kcp;
use crate::metrics::SyncMetrics;
use crate::sync::meta::{AGENT_NAME_LABEL, CLUSTER_ANNOTATION, ObjectKey};
use crate::sync::object::{Outcome, Primary};

/// Workers per published resource (the Go agent's `numSyncWorkers`).
const WORKERS: usize = 4;
/// When a step that wrote is looked at again at the latest (its watch event, milliseconds
/// later, usually comes first).
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
}

/// A kcp object: the endpoint URL it was seen through, its cluster, namespace and name.
type Key = (String, ObjectKey);

struct Ctx {
    spec: Spec,
    kcp: Arc<Kcp>,
    local: kube::Client,
    /// The kcp objects as last seen by the wildcard watches.
    remote: RwLock<HashMap<Key, Value>>,
    /// The endpoint of each cluster's objects.
    endpoint_of: RwLock<HashMap<String, String>>,
    metrics: SyncMetrics<Key>,
    queue: Arc<Queue<Key>>,
    /// Workspace paths by logical cluster (a workspace's path does not change).
    paths: RwLock<HashMap<String, String>>,
}

/// Runs until aborted.
pub async fn run(spec: Spec, kcp: Arc<Kcp>, local: kube::Client, endpoints: Vec<String>) {
    let ctx = Arc::new(Ctx {
        metrics: SyncMetrics::new(&spec.published_resource),
        spec,
        kcp,
        local,
        remote: RwLock::new(HashMap::new()),
        endpoint_of: RwLock::new(HashMap::new()),
        queue: Queue::named(crate::metrics::SYNC),
        paths: RwLock::new(HashMap::new()),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for url in endpoints {
        tasks.spawn(watch_remote(ctx.clone(), url));
    }
    tasks.spawn(watch_local(ctx.clone()));
    for _ in 0..WORKERS {
        tasks.spawn(work(ctx.clone()));
    }
    while tasks.join_next().await.is_some() {}
}

async fn watch_remote(ctx: Arc<Ctx>, url: String) {
    let client = match ctx.kcp.client(&url, "*") {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("sync: virtual workspace {url}: {e}");
            return;
        }
    };
    let api = Api::<DynamicObject>::all_with(client, &ctx.spec.remote);
    let mut events = watcher(api, watcher::Config::default()).boxed();
    while let Some(ev) = events.next().await {
        let objects = match ev {
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => vec![(o, true)],
            Ok(watcher::Event::Delete(o)) => vec![(o, false)],
            Ok(_) => continue,
            Err(e) => {
                tracing::debug!("sync: watching {url}: {e}");
                continue;
            }
        };
        for (o, present) in objects {
            let Ok(value) = serde_json::to_value(&o) else {
                continue;
            };
            let Some(cluster) = o
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(CLUSTER_ANNOTATION))
            else {
                continue;
            };
            let key = (url.clone(), ObjectKey::of(cluster, &value));
            ctx.endpoint_of
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(cluster.clone(), url.clone());
            let had = ctx
                .remote
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(&key);
            {
                let mut remote = ctx.remote.write().unwrap_or_else(|p| p.into_inner());
                if present {
                    remote.insert(key.clone(), value);
                } else {
                    remote.remove(&key);
                }
            }
            ctx.metrics.cached(cluster, had, present);
            ctx.metrics.arrived(&key);
            ctx.queue.add(key);
        }
    }
}

async fn watch_local(ctx: Arc<Ctx>) {
    let api = Api::<DynamicObject>::all_with(ctx.local.clone(), &ctx.spec.local);
    let config =
        watcher::Config::default().labels(&format!("{AGENT_NAME_LABEL}={}", ctx.spec.agent_name));
    let mut events = watcher(api, config).boxed();
    while let Some(ev) = events.next().await {
        let o = match ev {
            Ok(
                watcher::Event::Apply(o) | watcher::Event::InitApply(o) | watcher::Event::Delete(o),
            ) => o,
            Ok(_) => continue,
            Err(e) => {
                tracing::debug!("sync: watching the copies: {e}");
                continue;
            }
        };
        let Ok(value) = serde_json::to_value(&o) else {
            continue;
        };
        let Some(key) = ObjectKey::from_copy(&value) else {
            continue;
        };
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

async fn work(ctx: Arc<Ctx>) {
    loop {
        let key = ctx.queue.next().await;
        let started = Instant::now();
        let result = reconcile(&ctx, &key).await;
        let known = ctx
            .remote
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&key);
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
    let Some(remote) = ctx
        .remote
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(key)
        .cloned()
    else {
        return Ok(Outcome::Done);
    };
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
    };
    primary.process(&remote).await
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
