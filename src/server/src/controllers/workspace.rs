//! The workspace and logical-cluster controllers (`reference/kcp.md` §4.3–§4.5, §4.14). One
//! instance each for the whole server, keyed by (cluster, name), writing through the registry
//! in process:
//!
//! - a new Workspace gets its logical cluster: a random name, the LogicalCluster `cluster` in
//!   it (type, path, owner, initializers; phase Initializing), then its `spec.cluster`,
//!   `spec.URL`, finalizer and phase Initializing;
//! - a LogicalCluster that is Initializing has the initializers this server runs done at once
//!   (`root:universal`: the `default` and `kube-system` namespaces; `system:apibindings`: the
//!   types' default APIBindings) and the creator bound to `cluster-admin`, then becomes Ready;
//! - a Workspace mirrors its LogicalCluster's phase;
//! - a deleted Workspace has its logical cluster and everything in it, nested workspaces
//!   included, removed from the store before its finalizer goes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::queue::Queue;
use crate::catalog::{Catalogs, ResourceDef};
use crate::errors::ApiResult;
use crate::registry::handler::decode_in_process;
use crate::registry::object::{self, condition, set_condition};
use crate::registry::rest::{self, Scope};
use crate::storage::{Storage, WatchStart};
use crate::tenancy::{self, APIBINDINGS_INITIALIZER, Tenancy, TypeRef};
use kcp_api::keys::{
    LOGICAL_CLUSTER_TYPE_ANNOTATION, REQUIRED_GROUPS_ANNOTATION, SHARD_ANNOTATION,
    WORKSPACE_CLUSTER_ANNOTATION, WORKSPACE_OWNER_ANNOTATION, WORKSPACE_SHARD_HASH_ANNOTATION,
};
use kcp_api::{LogicalClusterName, PATH_ANNOTATION};

/// Held on a Workspace until its logical cluster is gone.
pub const FINALIZER: &str = "core.kcp.io/logicalcluster";
/// The label mirroring a workspace's phase.
const PHASE_LABEL: &str = "tenancy.kcp.io/phase";
/// The initializer of the `universal` type, run by this server.
const UNIVERSAL_INITIALIZER: &str = "root:universal";
const MANAGER: &str = "kcp-workspace-controller";

/// What the reconcilers share.
struct Ctx {
    storage: Arc<Storage>,
    tenancy: Tenancy,
    /// For binding the default APIs (the same computation as the APIBinding controller's).
    apis: crate::apis::Apis,
    shard_url: String,
    workspaces: ResourceDef,
    logical_clusters: ResourceDef,
    namespaces: ResourceDef,
    apibindings: ResourceDef,
    cluster_role_bindings: ResourceDef,
}

fn def(catalogs: &Catalogs, group: &str, version: &str, resource: &str) -> Option<ResourceDef> {
    catalogs.base().lookup(group, version, resource).cloned()
}

impl Ctx {
    /// `None` unless the catalog has the kcp kinds (the kcp profile).
    fn new(apis: crate::apis::Apis, catalogs: &Catalogs, shard_url: String) -> Option<Self> {
        let storage = apis.storage.clone();
        Some(Self {
            tenancy: catalogs.tenancy().clone(),
            apis,
            workspaces: def(
                catalogs,
                kcp_api::keys::TENANCY_GROUP,
                "v1alpha1",
                "workspaces",
            )?,
            logical_clusters: def(
                catalogs,
                kcp_api::keys::CORE_GROUP,
                "v1alpha1",
                "logicalclusters",
            )?,
            namespaces: def(catalogs, "", "v1", "namespaces")?,
            apibindings: def(
                catalogs,
                kcp_api::keys::APIS_GROUP,
                "v1alpha2",
                "apibindings",
            )?,
            cluster_role_bindings: def(
                catalogs,
                "rbac.authorization.k8s.io",
                "v1",
                "clusterrolebindings",
            )?,
            storage,
            shard_url,
        })
    }
}

pub use super::progress::Progress;

/// Waits until workspace `name` of `cluster` has its logical cluster (or is gone), at most
/// `timeout` (see [`Progress`]).
pub async fn wait_scheduled(
    progress: &Progress,
    storage: &Storage,
    tenancy: &Tenancy,
    cluster: &str,
    name: &str,
    timeout: Duration,
) {
    let key = (cluster.to_string(), name.to_string());
    progress
        .wait(key, timeout, || async {
            match storage
                .get_cached(&tenancy.workspace_key(cluster, name))
                .await
            {
                // Decoded for this check only: a decoded copy kept with the cached object would
                // stay in memory as long as the watch history holds that version.
                Some(ws) => ws.value().map_or(true, |v| {
                    v["spec"]["cluster"].as_str().is_some_and(|c| !c.is_empty())
                }),
                None => true,
            }
        })
        .await;
}

/// Runs forever (kcp profile only: it needs the kcp kinds in the catalog).
pub async fn run(
    apis: crate::apis::Apis,
    catalogs: Arc<Catalogs>,
    shard_url: String,
    progress: Arc<Progress>,
) {
    let storage = apis.storage.clone();
    let Some(ctx) = Ctx::new(apis, &catalogs, shard_url) else {
        return;
    };
    let ctx = Arc::new(ctx);
    let ws_queue = {
        let ctx = ctx.clone();
        Queue::new("workspace", move |key: (String, String)| {
            let (ctx, progress) = (ctx.clone(), progress.clone());
            async move {
                let retry = reconcile_workspace(&ctx, &key.0, &key.1).await;
                progress.reconciled(&key);
                retry
            }
        })
    };
    let lc_queue = {
        let ctx = ctx.clone();
        Queue::new("logicalcluster", move |cluster: String| {
            let ctx = ctx.clone();
            async move { reconcile_logical_cluster(&ctx, &cluster).await }
        })
    };
    let ws_prefix = ctx.tenancy.workspace_prefix();
    let bindings_prefix = crate::apis::prefix(crate::apis::APIBINDINGS, None);
    let lc_prefix = crate::storage::keys::resource_prefix(
        kcp_api::keys::CORE_GROUP,
        "logicalclusters",
        &crate::storage::keys::KeySpace::CustomResource,
    );
    loop {
        let watch = match storage
            .watch(crate::storage::keys::ROOT, WatchStart::FromState)
            .await
        {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("workspace controller: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let dispatch = |object: &crate::storage::CachedObject| {
            let key = &object.key;
            if key.raw.starts_with(&ws_prefix) {
                ws_queue.add((key.cluster().to_string(), key.name().to_string()));
            } else if key.raw.starts_with(&lc_prefix) {
                lc_queue.add(key.cluster().to_string());
                // Decoded for the dispatch only (see `Progress::wait_scheduled`).
                if let Ok(lc) = object.value()
                    && let owner = &lc["spec"]["owner"]
                    && owner["resource"] == "workspaces"
                    && let (Some(c), Some(n)) = (owner["cluster"].as_str(), owner["name"].as_str())
                {
                    ws_queue.add((c.to_string(), n.to_string()));
                }
            }
        };
        for ev in &watch.initial {
            dispatch(&ev.object);
        }
        let mut live = watch.live;
        while let Ok(ev) = live.recv().await {
            // A binding that turned Bound may be the last one an Initializing cluster waits for.
            if ev.object.key.raw.starts_with(&bindings_prefix) {
                if turned_bound(&ev) {
                    lc_queue.add(ev.object.key.cluster().to_string());
                }
                continue;
            }
            dispatch(&ev.object);
        }
    }
}

/// Whether an event is an APIBinding's phase becoming `Bound`. Read from the cached bytes
/// (every binding event passes here; stored objects are compact JSON, so the phase reads
/// `"phase":"Bound"` exactly).
fn turned_bound(ev: &crate::storage::CacheEvent) -> bool {
    let bound = |o: &crate::storage::CachedObject| {
        o.json.windows(PHASE_BOUND.len()).any(|w| w == PHASE_BOUND)
    };
    // A binding created Bound was made by the initializer itself: nothing to wake.
    ev.prev.as_deref().is_some_and(|p| !bound(p)) && bound(&ev.object)
}

const PHASE_BOUND: &[u8] = b"\"phase\":\"Bound\"";

fn scope<'a>(cluster: &'a str, def: &'a ResourceDef, name: &'a str) -> Scope<'a> {
    Scope {
        cluster,
        def,
        namespace: None,
        name,
        subresource: "",
        dry_run: false,
        manager: MANAGER,
    }
}

/// Writes `obj`'s status when it differs from `current`'s.
async fn write_status(
    ctx: &Ctx,
    cluster: &str,
    def: &ResourceDef,
    name: &str,
    current: &Value,
    obj: Value,
) -> ApiResult<()> {
    if obj["status"] == current["status"] {
        return Ok(());
    }
    let mut s = scope(cluster, def, name);
    s.subresource = "status";
    rest::update(&ctx.storage, &s, obj).await.map(|_| ())
}

fn log_err(what: &str, r: ApiResult<()>) -> Option<Duration> {
    match r {
        Ok(()) => None,
        // Someone else wrote first: the watch brings the new version.
        Err(e) if e.code == 409 => None,
        Err(e) => {
            tracing::warn!("workspace controller: {what}: {}", e.message);
            Some(Duration::from_millis(500))
        }
    }
}

async fn reconcile_workspace(ctx: &Ctx, cluster: &str, name: &str) -> Option<Duration> {
    let cached = ctx
        .storage
        .get_cached(&ctx.tenancy.workspace_key(cluster, name))
        .await?;
    let ws = cached.value().ok()?;
    let what = format!("workspace {cluster}:{name}");
    if object::is_deleting(&ws) {
        return log_err(&what, delete_workspace(ctx, cluster, name, &ws).await);
    }
    let lc_name = ws["spec"]["cluster"].as_str().unwrap_or_default();
    if lc_name.is_empty() {
        return log_err(&what, schedule(ctx, cluster, name, ws).await);
    }
    let lc = ctx
        .storage
        .get_cached(&tenancy::logical_cluster_key(lc_name))
        .await
        .and_then(|o| o.value().ok());
    log_err(&what, mirror_phase(ctx, cluster, name, ws, lc, false).await)
}

/// Creates the workspace's logical cluster and points the workspace at it.
async fn schedule(ctx: &Ctx, cluster: &str, name: &str, mut ws: Value) -> ApiResult<()> {
    let parent = ctx
        .storage
        .get_cached(&tenancy::logical_cluster_key(cluster))
        .await
        .and_then(|o| o.value().ok())
        .unwrap_or(Value::Null);
    let parent_path = parent["metadata"]["annotations"][PATH_ANNOTATION]
        .as_str()
        .unwrap_or(cluster)
        .to_string();
    let path = format!("{parent_path}:{name}");
    let ty = TypeRef::from_json(&ws["spec"]["type"]).unwrap_or(TypeRef {
        path: kcp_api::ROOT_CLUSTER.into(),
        name: "universal".into(),
    });
    let initializers = match ctx.tenancy.type_chain(&ctx.storage, &ty).await {
        Some(chain) => Tenancy::initializers(&chain),
        None => Vec::new(),
    };
    let annotations = &ws["metadata"]["annotations"];
    let lc_name = annotations[WORKSPACE_CLUSTER_ANNOTATION]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| LogicalClusterName::random().as_str().to_string());
    let mut lc_annotations = json!({
        LOGICAL_CLUSTER_TYPE_ANNOTATION: ty.to_string(),
        SHARD_ANNOTATION: kcp_api::keys::ROOT_SHARD,
        PATH_ANNOTATION: path,
    });
    for key in [WORKSPACE_OWNER_ANNOTATION, REQUIRED_GROUPS_ANNOTATION] {
        if let Some(v) = annotations[key].as_str() {
            lc_annotations[key] = json!(v);
        }
    }
    let mut spec = json!({
        "owner": {
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "resource": "workspaces",
            "name": name,
            "cluster": cluster,
            "uid": ws["metadata"]["uid"],
        },
    });
    if !initializers.is_empty() {
        spec["initializers"] = json!(initializers);
    }
    if let Some(owner) = annotations[WORKSPACE_OWNER_ANNOTATION]
        .as_str()
        .and_then(|o| serde_json::from_str::<Value>(o).ok())
    {
        spec["createdBy"] = owner;
    }
    let mut lc = json!({
        "apiVersion": "core.kcp.io/v1alpha1",
        "kind": "LogicalCluster",
        "metadata": {"name": kcp_api::keys::LOGICAL_CLUSTER_OBJECT_NAME, "annotations": lc_annotations},
        "spec": spec,
        "status": {"phase": "Initializing", "initializers": initializers,
            "URL": format!("{}/clusters/{lc_name}", ctx.shard_url)},
    });
    // This server's initializers run before the LogicalCluster is written: it is stored once,
    // Ready unless an initializer of someone else's remains.
    run_initializers(ctx, &lc_name, &mut lc).await?;
    let lc_scope = scope(
        &lc_name,
        &ctx.logical_clusters,
        kcp_api::keys::LOGICAL_CLUSTER_OBJECT_NAME,
    );
    let lc = decode_in_process(&ctx.logical_clusters, lc)?;
    let lc = match rest::create_with_status(&ctx.storage, &lc_scope, lc).await {
        Ok(w) => w.object,
        Err(e) if e.code == 409 => match ctx.storage.get_cached(&lc_scope.key(lc_scope.name)).await
        {
            // Ours from an earlier attempt.
            Some(o)
                if o.value()
                    .is_ok_and(|v| v["spec"]["owner"]["uid"] == ws["metadata"]["uid"]) =>
            {
                o.value()?
            }
            _ => return Err(e),
        },
        Err(e) => return Err(e),
    };

    // The workspace: its cluster, URL, shard, finalizer; then its phase.
    let meta = object::meta_mut(&mut ws);
    let finalizers = meta
        .entry("finalizers")
        .or_insert_with(|| json!([]))
        .as_array_mut();
    if let Some(f) = finalizers
        && !f.iter().any(|x| x == FINALIZER)
    {
        f.push(json!(FINALIZER));
    }
    let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
    annotations[SHARD_ANNOTATION] = json!(kcp_api::keys::ROOT_SHARD);
    annotations[WORKSPACE_SHARD_HASH_ANNOTATION] =
        json!(kcp_api::names::shard_hash(kcp_api::keys::ROOT_SHARD));
    ws["spec"]["cluster"] = json!(lc_name);
    ws["spec"]["URL"] = json!(format!("{}/clusters/{path}", ctx.shard_url));
    mirror_phase(ctx, cluster, name, ws, Some(lc), true).await
}

/// The workspace follows its LogicalCluster: Initializing (with its initializers) until the
/// logical cluster is Ready.
async fn mirror_phase(
    ctx: &Ctx,
    cluster: &str,
    name: &str,
    ws: Value,
    lc: Option<Value>,
    spec_changed: bool,
) -> ApiResult<()> {
    let Some(lc) = lc else {
        return Ok(());
    };
    let lc_phase = lc["status"]["phase"].as_str().unwrap_or("Scheduling");
    let phase = match lc_phase {
        "Ready" => "Ready",
        "Scheduling" | "Initializing" => "Initializing",
        other => other,
    };
    let mut ws = ws;
    // Once Ready, the owner annotation keeps only the user name.
    let owner = ws["metadata"]["annotations"][WORKSPACE_OWNER_ANNOTATION]
        .as_str()
        .and_then(|o| serde_json::from_str::<Value>(o).ok());
    let short_owner = owner
        .filter(|_| phase == "Ready")
        .map(|o| json!({"username": o["username"]}).to_string())
        .filter(|short| ws["metadata"]["annotations"][WORKSPACE_OWNER_ANNOTATION] != *short);
    if spec_changed || ws["metadata"]["labels"][PHASE_LABEL] != phase || short_owner.is_some() {
        let meta = object::meta_mut(&mut ws);
        if let Some(short) = short_owner {
            meta.entry("annotations").or_insert_with(|| json!({}))[WORKSPACE_OWNER_ANNOTATION] =
                json!(short);
        }
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        labels[PHASE_LABEL] = json!(phase);
        ws = rest::update(&ctx.storage, &scope(cluster, &ctx.workspaces, name), ws)
            .await?
            .object;
    }
    let mut status = ws["status"].clone();
    status["phase"] = json!(phase);
    set_condition(&mut status, condition("WorkspaceScheduled", true, "", ""));
    let initializers = lc["status"]["initializers"].clone();
    if initializers.as_array().is_some_and(|i| !i.is_empty()) {
        status["initializers"] = initializers.clone();
        let pending: Vec<&str> = initializers
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        set_condition(
            &mut status,
            condition(
                "WorkspaceInitialized",
                false,
                "InitializerExists",
                &format!("Initializers still exist: [{}]", pending.join(" ")),
            ),
        );
    } else if let Some(s) = status.as_object_mut() {
        s.remove("initializers");
        if phase == "Ready" {
            set_condition(&mut status, condition("WorkspaceInitialized", true, "", ""));
        }
    }
    let mut with_status = ws.clone();
    with_status["status"] = status;
    write_status(ctx, cluster, &ctx.workspaces, name, &ws, with_status).await
}

/// Runs this server's initializers of an Initializing logical cluster, then makes it Ready.
async fn reconcile_logical_cluster(ctx: &Ctx, cluster: &str) -> Option<Duration> {
    let cached = ctx
        .storage
        .get_cached(&tenancy::logical_cluster_key(cluster))
        .await?;
    let lc = cached.value().ok()?;
    if lc["status"]["phase"] != "Initializing" || object::is_deleting(&lc) {
        return None;
    }
    log_err(
        &format!("logical cluster {cluster}"),
        initialize(ctx, cluster, lc).await,
    )
}

async fn initialize(ctx: &Ctx, cluster: &str, lc: Value) -> ApiResult<()> {
    let mut updated = lc.clone();
    run_initializers(ctx, cluster, &mut updated).await?;
    write_status(
        ctx,
        cluster,
        &ctx.logical_clusters,
        kcp_api::keys::LOGICAL_CLUSTER_OBJECT_NAME,
        &lc,
        updated,
    )
    .await
}

/// Does what this server's initializers do for an Initializing LogicalCluster (`lc`, stored or
/// about to be): binds the creator to `cluster-admin`, creates the `default` and `kube-system`
/// namespaces (`root:universal`) and the default APIBindings (`system:apibindings`); then
/// removes those initializers from `lc`'s status, and makes it Ready when none is left.
async fn run_initializers(ctx: &Ctx, cluster: &str, lc: &mut Value) -> ApiResult<()> {
    let pending: Vec<String> = lc["status"]["initializers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i.as_str().map(str::to_string))
        .collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    if let Some(user) = lc["metadata"]["annotations"][WORKSPACE_OWNER_ANNOTATION]
        .as_str()
        .and_then(|o| serde_json::from_str::<Value>(o).ok())
        .and_then(|o| o["username"].as_str().map(str::to_string))
    {
        let crb = json!({
            "metadata": {"name": "workspace-admin"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
        });
        create_if_missing(ctx, cluster, &ctx.cluster_role_bindings, crb).await?;
    }
    for initializer in &pending {
        match initializer.as_str() {
            UNIVERSAL_INITIALIZER => {
                for ns in ["default", "kube-system"] {
                    let obj = json!({"metadata": {"name": ns, "annotations": {
                        kcp_api::keys::BOOTSTRAP_CREATE_ONLY_ANNOTATION: "true"}}});
                    create_if_missing(ctx, cluster, &ctx.namespaces, obj).await?;
                }
            }
            // Done once every default binding is bound; the APIBinding controller binds the
            // others, and each binding that turns Bound brings this cluster back here.
            APIBINDINGS_INITIALIZER => {
                if !bind_default_apis(ctx, cluster, lc).await? {
                    continue;
                }
            }
            _ => continue,
        }
        done.insert(initializer.clone());
    }
    let remaining: Vec<&String> = pending.iter().filter(|i| !done.contains(*i)).collect();
    lc["status"]["initializers"] = json!(remaining);
    if remaining.is_empty() {
        lc["status"]["phase"] = json!("Ready");
        let mut status = lc["status"].clone();
        set_condition(&mut status, condition("WorkspaceInitialized", true, "", ""));
        lc["status"] = status;
    }
    Ok(())
}

/// Creates the APIBindings of every `defaultAPIBindings` entry of the workspace's type chain,
/// named as kcp names them, each already bound when its export resolves (the APIBinding
/// controller's own computation, [`crate::apis::binding::bind`]): a default workspace is Ready
/// without waiting for another controller. Returns whether every one of them is bound.
async fn bind_default_apis(ctx: &Ctx, cluster: &str, lc: &Value) -> ApiResult<bool> {
    let Some(ty) = lc["metadata"]["annotations"][LOGICAL_CLUSTER_TYPE_ANNOTATION]
        .as_str()
        .and_then(TypeRef::parse)
    else {
        return Ok(true);
    };
    let Some(chain) = ctx.tenancy.type_chain(&ctx.storage, &ty).await else {
        return Ok(true);
    };
    let mut all_bound = true;
    for (r, t) in &chain {
        let Some(t) = t.shared_value() else { continue };
        for b in t["spec"]["defaultAPIBindings"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let export = b["export"].as_str().unwrap_or_default();
            let path = b["path"]
                .as_str()
                .filter(|p| !p.is_empty())
                .unwrap_or(&r.path);
            let name = kcp_api::names::default_apibinding_name(cluster, path, export);
            let s = scope(cluster, &ctx.apibindings, &name);
            let stored = match ctx.storage.get_cached(&s.key(&name)).await {
                Some(existing) => existing.value()?,
                None => {
                    let export_cluster = ctx.apis.cluster_of(path).await.unwrap_or_default();
                    let mut binding = json!({
                        "apiVersion": "apis.kcp.io/v1alpha2",
                        "kind": "APIBinding",
                        "metadata": {
                            "name": name,
                            "labels": {crate::apis::EXPORT_LABEL:
                                kcp_api::names::apibinding_export_label_value(&export_cluster, export)},
                            "annotations": {PATH_ANNOTATION: lc["metadata"]["annotations"][PATH_ANNOTATION]},
                            "finalizers": [crate::apis::BINDING_FINALIZER],
                        },
                        "spec": {"reference": {"export": {"path": path, "name": export}}},
                    });
                    let claims = accepted_claims(ctx, &export_cluster, export).await;
                    if !claims.is_empty() {
                        binding["spec"]["permissionClaims"] = Value::Array(claims);
                    }
                    let mut computed = None;
                    if let Ok(mut typed) = serde_json::from_value::<
                        kcp_api::apis::v1alpha2::APIBinding,
                    >(binding.clone())
                    {
                        typed.status = crate::apis::binding::bind(&ctx.apis, cluster, &typed).await;
                        binding["status"] = serde_json::to_value(&typed.status).unwrap_or_default();
                        computed = Some(typed);
                    }
                    let created =
                        create_if_missing(ctx, cluster, &ctx.apibindings, binding).await?;
                    // The APIBinding controller need not compute it again.
                    if let Some(typed) = computed
                        && let Ok(rev) = crate::registry::object::resource_version(&created).parse()
                    {
                        ctx.apis.record_computed(cluster, &typed, rev).await;
                    }
                    created
                }
            };
            all_bound &= stored["status"]["phase"] == "Bound";
        }
    }
    Ok(all_bound)
}

/// A default binding accepts every permission claim of its export, each with the claim's
/// `defaultSelector` or else `matchAll` (kcp's APIBinder initializer).
async fn accepted_claims(ctx: &Ctx, export_cluster: &str, export: &str) -> Vec<Value> {
    let key = crate::apis::key(crate::apis::APIEXPORTS, export_cluster, export);
    let Some(cached) = ctx.storage.get_cached(&key).await else {
        return Vec::new();
    };
    // Most exports claim nothing: not decoded for that.
    if !cached.json.windows(16).any(|w| w == b"permissionClaims") {
        return Vec::new();
    }
    let Some(export) = cached.read::<kcp_api::apis::v1alpha2::APIExport>() else {
        return Vec::new();
    };
    export
        .spec
        .permission_claims
        .iter()
        .filter_map(|c| {
            let mut claim = serde_json::to_value(c).ok()?;
            let selector = match &c.default_selector {
                Some(s) => serde_json::to_value(s).ok()?,
                None => json!({"matchAll": true}),
            };
            let o = claim.as_object_mut()?;
            o.remove("defaultSelector");
            o.insert("selector".into(), selector);
            o.insert("state".into(), json!("Accepted"));
            Some(claim)
        })
        .collect()
}

/// Creates a cluster-scoped object, with its status, unless it exists; returns it as stored.
async fn create_if_missing(
    ctx: &Ctx,
    cluster: &str,
    def: &ResourceDef,
    obj: Value,
) -> ApiResult<Value> {
    let name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let s = scope(cluster, def, &name);
    if let Some(existing) = ctx.storage.get_cached(&s.key(&name)).await {
        return existing.value();
    }
    match rest::create_with_status(&ctx.storage, &s, decode_in_process(def, obj)?).await {
        Ok(w) => Ok(w.object),
        Err(e) if e.code == 409 => match ctx.storage.get(&s.key(&name)).await? {
            Some(o) => o.value(),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// Removes the workspace's logical cluster with all its content, then the finalizer.
async fn delete_workspace(ctx: &Ctx, cluster: &str, name: &str, ws: &Value) -> ApiResult<()> {
    if !object::finalizers(ws).iter().any(|f| f == FINALIZER) {
        return Ok(());
    }
    if let Some(lc_name) = ws["spec"]["cluster"].as_str().filter(|c| !c.is_empty()) {
        purge(ctx, lc_name.to_string()).await?;
    }
    let mut ws = ws.clone();
    let remaining: Vec<String> = object::finalizers(&ws)
        .into_iter()
        .filter(|f| f != FINALIZER)
        .collect();
    object::meta_mut(&mut ws).insert("finalizers".into(), json!(remaining));
    rest::update(&ctx.storage, &scope(cluster, &ctx.workspaces, name), ws)
        .await
        .map(|_| ())
}

/// Deletes every object of a logical cluster from the store, the logical clusters of its
/// workspaces first (depth first), many deletes at a time so they share commits.
fn purge(ctx: &Ctx, cluster: String) -> BoxFuture<'_, ApiResult<()>> {
    Box::pin(async move {
        let objects = ctx.storage.cluster_objects(&cluster).await;
        let ws_prefix = ctx.tenancy.workspace_prefix();
        for o in &objects {
            if o.key.raw.starts_with(&ws_prefix)
                && let Some(child) = o
                    .shared_value()
                    .and_then(|v| v["spec"]["cluster"].as_str())
                    .filter(|c| !c.is_empty())
            {
                purge(ctx, child.to_string()).await?;
            }
        }
        for chunk in objects.chunks(256) {
            let deletes = chunk
                .iter()
                .map(|o| ctx.storage.store().delete(&o.key.raw, None));
            for r in futures::future::join_all(deletes).await {
                match r {
                    Ok(_) | Err(kcp_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(crate::storage::store_error(e)),
                }
            }
        }
        Ok(())
    })
}

/// The home workspace of `user` (`reference/kcp.md` §4.13), as `GET workspaces/~` in root answers
/// it: a Workspace named after the user's home logical cluster. The logical cluster (type
/// `root:home`, the user its owner and admin) is created, initialized and Ready on first use. Its
/// canonical path is its name (kcp's `user:<name>` paths are not routed).
pub async fn home_workspace(
    storage: &Arc<Storage>,
    catalogs: &Catalogs,
    user: &crate::authn::User,
) -> ApiResult<Value> {
    let shard_url = storage
        .get_cached(&tenancy::logical_cluster_key(kcp_api::ROOT_CLUSTER))
        .await
        .and_then(|lc| {
            lc.shared_value()
                .and_then(|v| v["status"]["URL"].as_str().map(str::to_string))
        })
        .and_then(|url| url.strip_suffix("/clusters/root").map(str::to_string))
        .unwrap_or_default();
    let apis = crate::apis::Apis::new(storage.clone(), catalogs.tenancy().clone());
    let ctx =
        Ctx::new(apis, catalogs, shard_url).ok_or_else(crate::errors::ApiError::path_not_found)?;
    let name = LogicalClusterName::home(&user.name).as_str().to_string();
    let key = tenancy::logical_cluster_key(&name);
    let lc = match ctx.storage.get_cached(&key).await {
        Some(lc) => lc.value()?,
        None => {
            let ty = TypeRef {
                path: kcp_api::ROOT_CLUSTER.into(),
                name: "home".into(),
            };
            let initializers = match ctx.tenancy.type_chain(&ctx.storage, &ty).await {
                Some(chain) => Tenancy::initializers(&chain),
                None => Vec::new(),
            };
            let owner = crate::admission::owner_json(user);
            let mut lc = json!({
                "apiVersion": "core.kcp.io/v1alpha1",
                "kind": "LogicalCluster",
                "metadata": {"name": kcp_api::keys::LOGICAL_CLUSTER_OBJECT_NAME, "annotations": {
                    LOGICAL_CLUSTER_TYPE_ANNOTATION: ty.to_string(),
                    SHARD_ANNOTATION: kcp_api::keys::ROOT_SHARD,
                    PATH_ANNOTATION: name,
                    WORKSPACE_OWNER_ANNOTATION: owner,
                }},
                "spec": {"initializers": initializers},
                "status": {"phase": "Initializing", "initializers": initializers,
                    "URL": format!("{}/clusters/{name}", ctx.shard_url)},
            });
            if let Ok(created_by) = serde_json::from_str::<Value>(&owner) {
                lc["spec"]["createdBy"] = created_by;
            }
            run_initializers(&ctx, &name, &mut lc).await?;
            let s = scope(
                &name,
                &ctx.logical_clusters,
                kcp_api::keys::LOGICAL_CLUSTER_OBJECT_NAME,
            );
            let lc = decode_in_process(&ctx.logical_clusters, lc)?;
            match rest::create_with_status(&ctx.storage, &s, lc).await {
                Ok(w) => w.object,
                Err(e) if e.code == 409 => ctx.storage.get(&key).await?.ok_or(e)?.value()?,
                Err(e) => return Err(e),
            }
        }
    };
    Ok(json!({
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "Workspace",
        "metadata": {
            "name": name,
            "creationTimestamp": lc["metadata"]["creationTimestamp"],
            "annotations": {kcp_api::CLUSTER_ANNOTATION: kcp_api::ROOT_CLUSTER},
        },
        "spec": {
            "type": {"name": "home", "path": kcp_api::ROOT_CLUSTER},
            "cluster": name,
            "URL": lc["status"]["URL"],
        },
        "status": {"phase": lc["status"]["phase"]},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use kcp_store::Store;

    /// Polls until `progress` has a waiter for `key` (the waiting task registered).
    async fn until_waiting(progress: &Progress, key: &(String, String)) {
        while !progress.is_waiting(key) {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_create_waits_until_its_workspace_is_scheduled() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(kcp_store::EmbeddedStore::open(&dir.path().join("store.redb")).unwrap());
        let storage = Storage::start(store.clone(), true).await.unwrap();
        let tenancy = Tenancy::new(&crate::catalog::Catalog::for_profile(
            crate::options::Profile::Kcp,
        ));
        let progress = Arc::new(Progress::default());
        let wait = Duration::from_secs(30);
        // Gone (or never there): nothing to wait for.
        tokio::time::timeout(
            Duration::from_secs(5),
            wait_scheduled(&progress, &storage, &tenancy, "root", "a", wait),
        )
        .await
        .expect("no wait for a missing workspace");

        let write = |rev: Option<i64>, spec: &str| {
            let (store, key) = (store.clone(), tenancy.workspace_key("root", "a"));
            let body = Bytes::from(format!(r#"{{"metadata":{{"name":"a"}},"spec":{spec}}}"#));
            async move {
                match rev {
                    None => store.create(&key, body).await.unwrap().mod_revision,
                    Some(r) => store.update(&key, body, r).await.unwrap().mod_revision,
                }
            }
        };
        let rev = write(None, "{}").await;
        storage.wait_for(rev).await.unwrap();
        let waiting = {
            let (storage, progress, tenancy) = (storage.clone(), progress.clone(), tenancy.clone());
            tokio::spawn(async move {
                wait_scheduled(&progress, &storage, &tenancy, "root", "a", wait).await
            })
        };
        let key = ("root".to_string(), "a".to_string());
        until_waiting(&progress, &key).await;
        // A reconcile that leaves it unscheduled does not end the wait: it waits again.
        progress.reconciled(&key);
        until_waiting(&progress, &key).await;
        assert!(!waiting.is_finished());

        let rev = write(Some(rev), r#"{"cluster":"2abc"}"#).await;
        storage.wait_for(rev).await.unwrap();
        progress.reconciled(&key);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the wait ends once the workspace is scheduled")
            .unwrap();
        assert!(progress.is_empty(), "no waiter is left behind");
    }
}
