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

use super::object::JsonObject;
use kube::runtime::watcher;
use serde_json::Value;

use super::cache::Cache;
use super::queue::Queue;
use crate::kcp::Kcp;
use crate::metrics::SyncMetrics;
use crate::sync::filter::Filter;
use crate::sync::meta::{AGENT_NAME_LABEL, CLUSTER_ANNOTATION, ObjectKey};
use crate::sync::object::{Namespaces, Observed, Outcome, Primary};
use crate::sync::related::{Interest, Related, RelatedObjects, Side};

/// Workers per published resource (the Go agent has 4, `numSyncWorkers`): a reconcile mostly
/// waits on the servers, so more of them sync more objects at once, and the more writes reach
/// a server together, the more of them share one durable commit (an initial sync of 1,000
/// objects: 16 workers cost kcp and the service cluster 0.7–0.8 ms of CPU per object, 64
/// workers 0.5–0.6 ms; docs/benchmarks.md).
const WORKERS: usize = 64;
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
    /// `spec.related`, with their resources on both sides.
    pub related: Vec<Related>,
    /// `spec.deletion.waitForOtherFinalizers` (absent: true).
    pub wait_for_other_finalizers: bool,
    /// `spec.conflictPolicy`.
    pub conflict_policy: kcp_api::syncagent::v1alpha1::ConflictPolicy,
    /// Whether the projected schema has `status.conditions`.
    pub remote_conditions: bool,
    /// `spec.mutation`, compiled.
    pub mutator: Option<crate::mutation::Mutator>,
}

/// A kcp object: the endpoint URL it was seen through, its cluster, namespace and name.
type Key = (Arc<str>, ObjectKey);

/// A related object: its logical cluster ("" on the service cluster), namespace and name.
type RelatedKey = (String, String, String);

/// What one watch of a related resource (on the kcp side, one per endpoint) has seen.
struct RelatedWatch {
    side: Side,
    api_version: String,
    plural: String,
    objects: Cache<RelatedKey>,
    /// Its first list is in: from then on an object it does not hold does not exist.
    listed: std::sync::atomic::AtomicBool,
}

impl RelatedWatch {
    /// Whether it watches `resource` on `side`.
    fn watches(&self, side: Side, resource: &ApiResource) -> bool {
        self.side == side
            && self.api_version == resource.api_version
            && self.plural == resource.plural
    }
}

/// Every related resource's objects on both sides, as the watches see them and the agent's
/// writes leave them ([`RelatedObjects`]).
#[derive(Default)]
struct RelatedStore(Vec<RelatedWatch>);

impl RelatedStore {
    /// The watches of `resource` on `side`; `None` while one has not listed yet.
    fn of(&self, side: Side, resource: &ApiResource) -> Option<Vec<&RelatedWatch>> {
        let watches: Vec<&RelatedWatch> = self
            .0
            .iter()
            .filter(|w| w.watches(side, resource))
            .collect();
        let listed = !watches.is_empty()
            && watches
                .iter()
                .all(|w| w.listed.load(std::sync::atomic::Ordering::Acquire));
        listed.then_some(watches)
    }
}

impl RelatedObjects for RelatedStore {
    fn get(
        &self,
        side: Side,
        resource: &ApiResource,
        cluster: &str,
        ns: &str,
        name: &str,
    ) -> Option<Option<Value>> {
        let key = (cluster.to_string(), ns.to_string(), name.to_string());
        Some(
            self.of(side, resource)?
                .iter()
                .find_map(|w| w.objects.get(&key)),
        )
    }

    fn list(
        &self,
        side: Side,
        resource: &ApiResource,
        cluster: &str,
        ns: &str,
        selector: &kube::core::Selector,
    ) -> Option<Vec<Value>> {
        use kube::core::SelectorExt as _;
        let mut out = Vec::new();
        for w in self.of(side, resource)? {
            let found = w.objects.find(
                |k| k.0 == cluster && k.1 == ns,
                |_, v| selector.matches(&crate::sync::meta::labels(v)),
            );
            out.extend(found.into_iter().map(|(_, v)| v));
        }
        Some(out)
    }

    fn written(
        &self,
        side: Side,
        resource: &ApiResource,
        cluster: &str,
        ns: &str,
        name: &str,
        obj: Option<&Value>,
    ) {
        let key = (cluster.to_string(), ns.to_string(), name.to_string());
        for w in self.0.iter().filter(|w| w.watches(side, resource)) {
            match obj {
                Some(v) => {
                    w.objects.apply(key.clone(), v);
                }
                None => {
                    w.objects.delete(&key);
                }
            }
        }
    }
}

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
    /// What each kcp object's related objects were last looked for by: a related object's
    /// change on either side brings back the kcp objects interested in it.
    interests: RwLock<HashMap<Key, Vec<Interest>>>,
    /// The name conflicts in a row of each kcp object, for their retries' backoff.
    conflicts: std::sync::Mutex<HashMap<Key, u32>>,
    /// The related objects, as their watches see them.
    related_objects: RelatedStore,
}

/// Runs until aborted.
pub async fn run(spec: Spec, kcp: Arc<Kcp>, local: kube::Client, endpoints: Vec<String>) {
    let kept = spec.subresources.clone();
    // Related objects are found in the whole copy (a reference to its spec), and mutations
    // see it whole.
    let whole = !spec.related.is_empty() || spec.mutator.is_some();
    let copies = Cache::new(Box::new(move |k: &str| {
        whole || matches!(k, "apiVersion" | "kind") || kept.iter().any(|s| s == k)
    }));
    // One watch per related resource and side (on the kcp side, per endpoint).
    let mut related_watches: Vec<(Side, ApiResource, Option<Arc<str>>)> = Vec::new();
    for related in &spec.related {
        for side in [Side::Kcp, Side::Service] {
            let r = &related.resource(side).api;
            let urls: Vec<Option<Arc<str>>> = match side {
                Side::Service => vec![None],
                Side::Kcp => endpoints.iter().map(|u| Some(u.as_str().into())).collect(),
            };
            for url in urls {
                let known = related_watches.iter().any(|(s, a, u)| {
                    *s == side
                        && a.api_version == r.api_version
                        && a.plural == r.plural
                        && *u == url
                });
                if !known {
                    related_watches.push((side, r.clone(), url));
                }
            }
        }
    }
    let related_objects = RelatedStore(
        related_watches
            .iter()
            .map(|(side, r, _)| RelatedWatch {
                side: *side,
                api_version: r.api_version.clone(),
                plural: r.plural.clone(),
                objects: Cache::default(),
                listed: std::sync::atomic::AtomicBool::new(false),
            })
            .collect(),
    );
    let ctx = Arc::new(Ctx {
        related_objects,
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
        interests: RwLock::new(HashMap::new()),
        conflicts: std::sync::Mutex::new(HashMap::new()),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for url in &endpoints {
        tasks.spawn(watch_remote(ctx.clone(), url.as_str().into()));
    }
    for (i, (side, r, url)) in related_watches.into_iter().enumerate() {
        tasks.spawn(watch_related(ctx.clone(), i, side, r, url));
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
        workspace_path: Default::default(),
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
    let api = Api::<JsonObject>::all_with(client, &ctx.spec.remote);
    let mut events = super::watch(api, watcher::Config::default());
    let key_of = |value: &Value| -> Option<Key> {
        let cluster = value["metadata"]["annotations"][CLUSTER_ANNOTATION].as_str()?;
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
                .insert(cluster.to_string(), url.clone());
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
    let api = Api::<JsonObject>::all_with(ctx.local.clone(), &ctx.spec.local);
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
        let changed = ctx.copies.on_event(ev, ObjectKey::from_copy);
        if listed {
            ctx.copies_synced.send_replace(true);
        }
        for (key, _, _) in changed {
            let url = ctx
                .endpoint_of
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(key.cluster_name.as_str())
                .cloned();
            if let Some(url) = url {
                let key = (url, key);
                ctx.metrics.arrived(&key);
                ctx.queue.add(key);
            }
        }
    }
}

/// Watches a related resource on one side (on the kcp side through the virtual workspace at
/// `url`): each change reconciles the kcp objects whose related objects it may be, by what
/// they were last looked for ([`Interest`]) and by the entries' `watch` (owner references or
/// a selector of primary objects).
async fn watch_related(
    ctx: Arc<Ctx>,
    index: usize,
    side: Side,
    resource: ApiResource,
    url: Option<Arc<str>>,
) {
    let client = match &url {
        Some(url) => match ctx.kcp.client(url, "*") {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("sync: virtual workspace {url}: {e}");
                return;
            }
        },
        None => ctx.local.clone(),
    };
    let api = Api::<JsonObject>::all_with(client, &resource);
    let watch = &ctx.related_objects.0[index];
    let key_of = |v: &Value| -> Option<RelatedKey> {
        let meta = &v["metadata"];
        // The agents' own state Secrets are never anyone's related objects.
        if !meta["labels"][crate::sync::meta::OBJECT_STATE_LABEL].is_null() {
            return None;
        }
        let text = |f: &Value| f.as_str().unwrap_or_default().to_string();
        Some((
            text(&meta["annotations"][CLUSTER_ANNOTATION]),
            text(&meta["namespace"]),
            text(&meta["name"]),
        ))
    };
    let mut events = super::watch(api, watcher::Config::default());
    while let Some(ev) = events.next().await {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                tracing::debug!("sync: watching related {}: {e}", resource.plural);
                continue;
            }
        };
        let listed = matches!(ev, watcher::Event::InitDone);
        let mut changed: Vec<Value> = match &ev {
            watcher::Event::Apply(o) | watcher::Event::Delete(o) => key_of(&o.value)
                .map(|_| o.value.clone())
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
        let relisted = watch.objects.on_event(ev, key_of);
        if listed {
            watch
                .listed
                .store(true, std::sync::atomic::Ordering::Release);
            // What changed while the watch was down (nothing on the first list: every object
            // is reconciled then anyway).
            for ((cluster, ns, name), _, has) in relisted {
                let key = (cluster.clone(), ns.clone(), name.clone());
                changed.push(match has.then(|| watch.objects.get(&key)).flatten() {
                    Some(v) => v,
                    None => serde_json::json!({"metadata": {"name": name, "namespace": ns,
                        "annotations": {CLUSTER_ANNOTATION: cluster}}}),
                });
            }
        }
        for obj in changed {
            for key in related_changed(&ctx, side, &resource, &obj) {
                ctx.metrics.arrived(&key);
                ctx.queue.add(key);
            }
        }
    }
}

/// The kcp objects a change of the related object `obj` (of `resource`, on `side`) concerns.
fn related_changed(ctx: &Ctx, side: Side, resource: &ApiResource, obj: &Value) -> Vec<Key> {
    let meta = &obj["metadata"];
    let cluster = meta["annotations"][CLUSTER_ANNOTATION]
        .as_str()
        .unwrap_or_default();
    let (ns, name) = (
        meta["namespace"].as_str().unwrap_or_default(),
        meta["name"].as_str().unwrap_or_default(),
    );
    let labels = crate::sync::meta::labels(obj);
    let entries: Vec<usize> = ctx
        .spec
        .related
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let a = &r.resource(side).api;
            a.api_version == resource.api_version && a.plural == resource.plural
        })
        .map(|(i, _)| i)
        .collect();
    let mut keys: Vec<Key> = ctx
        .interests
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|(key, interests)| {
            (side == Side::Service || key.1.cluster_name == cluster)
                && interests
                    .iter()
                    .any(|i| entries.contains(&i.related) && i.matches(side, ns, name, &labels))
        })
        .map(|(key, _)| key.clone())
        .collect();
    // The entries' own `watch`, on their origin side.
    for i in entries {
        let related = &ctx.spec.related[i];
        let Some(watch) = related
            .spec
            .watch
            .as_ref()
            .filter(|_| related.origin == side)
        else {
            continue;
        };
        let (api_version, kind) = match side {
            Side::Kcp => (&ctx.spec.remote.api_version, &ctx.spec.remote.kind),
            Side::Service => (&ctx.spec.local.api_version, &ctx.spec.local.kind),
        };
        let owner = meta["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["apiVersion"] == **api_version && o["kind"] == **kind)
            .and_then(|o| o["name"].as_str().map(str::to_string));
        let selector = watch
            .by_selector
            .clone()
            .and_then(|s| kube::core::Selector::try_from(s).ok());
        let selects = |v: &Value| {
            use kube::core::SelectorExt as _;
            selector
                .as_ref()
                .is_some_and(|s| s.matches(&crate::sync::meta::labels(v)))
        };
        let owned = |v: &Value, ns_of_primary: &str| {
            watch.by_owner.is_some()
                && owner.as_deref() == v["metadata"]["name"].as_str()
                && ns_of_primary == ns
        };
        match side {
            Side::Kcp => keys.extend(
                ctx.remote
                    .find(
                        |k| k.1.cluster_name == cluster,
                        |k, v| owned(v, &k.1.namespace) || selects(v),
                    )
                    .into_iter()
                    .map(|(k, _)| k),
            ),
            Side::Service => {
                let endpoints = ctx.endpoint_of.read().unwrap_or_else(|p| p.into_inner());
                keys.extend(
                    ctx.copies
                        .find(
                            |_| true,
                            |_, v| {
                                owned(v, v["metadata"]["namespace"].as_str().unwrap_or_default())
                                    || selects(v)
                            },
                        )
                        .into_iter()
                        .filter_map(|(k, _)| {
                            Some((endpoints.get(k.cluster_name.as_str())?.clone(), k))
                        }),
                );
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
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
        // Boxed, so that each of the workers' tasks is not kept at the size of a reconcile's
        // future (6.5 KiB) once a burst has used it: allocated per reconcile, given back.
        let result = Box::pin(reconcile(&ctx, &key)).await;
        let known = ctx.remote.contains(&key);
        ctx.metrics.finished(&key, started, &result, known);
        let conflicted = result.as_ref().err().is_some_and(|e| {
            e.downcast_ref::<crate::sync::object::Failure>()
                == Some(&crate::sync::object::Failure::Conflict)
        });
        let conflicts = {
            let mut all = ctx.conflicts.lock().unwrap_or_else(|p| p.into_inner());
            if conflicted {
                let n = all.entry(key.clone()).or_default();
                *n += 1;
                *n
            } else {
                all.remove(&key);
                0
            }
        };
        match result {
            Ok(Outcome::Done) => {}
            Ok(Outcome::Requeue) => ctx.queue.add_after(key.clone(), REQUEUE),
            Err(e) => {
                tracing::warn!(object = %key.1, "sync: {e:#}");
                // A name conflict waits for someone to free the name: 1 s, doubling, at most
                // 5 minutes between tries.
                let delay = Duration::from_secs(1 << conflicts.saturating_sub(1).min(8))
                    .min(Duration::from_secs(300));
                ctx.queue.retry(key.clone(), delay);
            }
        }
        ctx.queue.done(&key);
    }
}

async fn reconcile(ctx: &Ctx, key: &Key) -> anyhow::Result<Outcome> {
    let (url, object) = key;
    let Some(remote) = ctx.remote.get(key) else {
        ctx.interests
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
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
    let warning_client = remote_client.clone();
    let event = move |o: &Value, reason: &'static str, message: &'static str| {
        crate::events::emit(event_client.clone(), o, "Normal", reason, message);
    };
    let warning = move |o: &Value, reason: &'static str, message: &str| {
        crate::events::emit(warning_client.clone(), o, "Warning", reason, message);
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
        related: &ctx.spec.related,
        related_objects: Some(&ctx.related_objects),
        wait_for_other_finalizers: ctx.spec.wait_for_other_finalizers,
        conflict_policy: ctx.spec.conflict_policy,
        remote_conditions: ctx.spec.remote_conditions,
        warning: &warning,
        mutator: ctx.spec.mutator.as_ref(),
        interests: &|interests| {
            let mut all = ctx.interests.write().unwrap_or_else(|p| p.into_inner());
            if interests.is_empty() {
                all.remove(key);
            } else {
                all.insert(key.clone(), interests);
            }
        },
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
