//! The APIExportEndpointSlice controller (`reference/kcp.md` §2.4, §3.10; kcp's
//! `apiexportendpointslice` and `apiexportendpointsliceurls` controllers in one): a slice's
//! export must resolve (`APIExportValid`), its partition too (`PartitionValid`, the
//! `shardSelector` it makes), and while at least one workspace binds the export, the slice
//! lists this shard's virtual-workspace URL of it:
//! `<shard virtualWorkspaceURL>/services/apiexport/<export's logical cluster>/<export>`.
//!
//! Slices are reconciled when they change, when their export changes, and when their export's
//! consumers go from none to some or back (the APIBinding controller says so).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::queue::Queue;
use crate::apis::{self, APIEXPORTS, Apis, ClusterIndex, ExportKey};
use crate::catalog::{Catalogs, ResourceDef};
use crate::registry::rest::{self, Scope};
use crate::registry::selector::LabelSelector;
use crate::storage::WatchStart;
use crate::storage::keys;
use kcp_api::apis::conditions::{
    API_EXPORT_VALID, PARTITION_VALID, REASON_API_EXPORT_NOT_FOUND,
    REASON_PARTITION_INVALID_REFERENCE,
};
use kcp_api::apis::v1alpha1::APIExportEndpointSlice;
use kcp_api::condition::{self, Condition, ConditionSeverity};
use kcp_api::core::Endpoint;

pub const SLICES: &str = "apiexportendpointslices";
/// The path prefix of the APIExport virtual workspace.
pub const VIRTUAL_WORKSPACE_PREFIX: &str = "/services/apiexport";
const MANAGER: &str = "kcp-apiexportendpointslice-controller";

struct Ctx {
    apis: Apis,
    slices: ResourceDef,
    /// Where partitions live (root's `topology.kcp.io` identity).
    partitions: Option<ResourceDef>,
    /// Where this server's Shard lives (root's `shards.core.kcp.io` identity).
    shards: Option<ResourceDef>,
    /// Which slices (`<cluster>/<name>`) refer to which export.
    by_export: std::sync::Mutex<ClusterIndex<ExportKey>>,
}

/// Runs forever.
pub async fn run(apis: Apis, catalogs: Arc<Catalogs>) {
    let base = catalogs.base();
    let Some(slices) = base
        .lookup(kcp_api::keys::APIS_GROUP, "v1alpha1", SLICES)
        .cloned()
    else {
        return;
    };
    let partitions = base
        .lookup(kcp_api::keys::TOPOLOGY_GROUP, "v1alpha1", "partitions")
        .cloned();
    let shards = catalogs
        .root()
        .lookup(kcp_api::keys::CORE_GROUP, "v1alpha1", "shards")
        .cloned();
    let ctx = Arc::new(Ctx {
        apis,
        slices,
        partitions,
        shards,
        by_export: Default::default(),
    });
    let queue = {
        let ctx = ctx.clone();
        Queue::new(
            "apiexportendpointslice",
            move |(cluster, name): (String, String)| {
                let ctx = ctx.clone();
                async move { reconcile(&ctx, &cluster, &name).await }
            },
        )
    };
    let slices_prefix = apis::prefix(SLICES, None);
    let exports_prefix = apis::prefix(APIEXPORTS, None);
    let enqueue_export = |key: ExportKey| {
        let slices = ctx
            .by_export
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clusters(&key);
        for s in slices {
            if let Some((c, n)) = s.split_once('/') {
                queue.add((c.to_string(), n.to_string()));
            }
        }
    };
    loop {
        let watch = match ctx
            .apis
            .storage
            .watch(keys::ROOT, WatchStart::FromState)
            .await
        {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("apiexportendpointslice controller: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for ev in &watch.initial {
            if ev.object.key.raw.starts_with(&slices_prefix) {
                let key = &ev.object.key;
                queue.add((key.cluster().to_string(), key.name().to_string()));
            }
        }
        let mut live = watch.live;
        let mut flipped = ctx.apis.consumers_flipped.subscribe();
        loop {
            let ev = tokio::select! {
                ev = live.recv() => match ev {
                    Ok(ev) => ev,
                    Err(_) => break,
                },
                // An export's first consumer came or its last one went.
                export = flipped.recv() => {
                    match export {
                        Ok(export) => enqueue_export(export),
                        // Some were missed: every slice looks again.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                            for s in ctx.apis.storage.list_cached(&slices_prefix, None, 0, &|_| true).await.items {
                                queue.add((s.key.cluster().to_string(), s.key.name().to_string()));
                            }
                        }
                        Err(_) => {}
                    }
                    continue;
                }
            };
            let key = &ev.object.key;
            if key.raw.starts_with(&slices_prefix) {
                queue.add((key.cluster().to_string(), key.name().to_string()));
            } else if key.raw.starts_with(&exports_prefix) {
                enqueue_export((key.cluster().to_string(), key.name().to_string()));
            }
        }
    }
}

async fn reconcile(ctx: &Ctx, cluster: &str, name: &str) -> Option<Duration> {
    let storage = ctx.apis.storage.as_ref();
    let cached = storage.get_cached(&apis::key(SLICES, cluster, name)).await;
    let slice_id = format!("{cluster}/{name}");
    let Some(cached) = cached else {
        ctx.by_export
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .set(&slice_id, Vec::new());
        return None;
    };
    let current: Value = cached.value().ok()?;
    let slice: APIExportEndpointSlice = serde_json::from_value(current.clone()).ok()?;
    let now = k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(jiff::Timestamp::now());
    let mut status = slice.status.clone();
    let path = if slice.spec.export.path.is_empty() {
        cluster.to_string()
    } else {
        slice.spec.export.path.clone()
    };
    let export_name = slice.spec.export.name.clone();
    let export_cluster = match ctx.apis.export(&path, &export_name).await {
        Some((c, _)) => {
            condition::set(
                &mut status.conditions,
                Condition::true_(API_EXPORT_VALID),
                now.clone(),
            );
            Some(c)
        }
        None => {
            status.endpoints.clear();
            condition::set(
                &mut status.conditions,
                Condition::false_(
                    API_EXPORT_VALID,
                    REASON_API_EXPORT_NOT_FOUND,
                    ConditionSeverity::Error,
                    &format!("Error getting APIExport {path}|{export_name}"),
                ),
                now.clone(),
            );
            None
        }
    };
    // Found again when the export appears: registered under its name in this cluster too.
    let key = export_cluster
        .clone()
        .unwrap_or_else(|| cluster.to_string());
    ctx.by_export
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .set(&slice_id, vec![(key, export_name.clone())]);
    if let Some(export_cluster) = export_cluster {
        match shard_selector(ctx, cluster, &slice.spec.partition).await {
            Ok(selector) => {
                condition::set(
                    &mut status.conditions,
                    Condition::true_(PARTITION_VALID),
                    now,
                );
                status.shard_selector = selector.to_string();
                let shard = shard(ctx).await;
                let in_partition = shard.as_ref().is_some_and(|s| selector.matches_object(s));
                let consumers = ctx.apis.has_consumers(&export_cluster, &export_name);
                let url = shard
                    .as_ref()
                    .and_then(|s| s["spec"]["virtualWorkspaceURL"].as_str())
                    .filter(|u| !u.is_empty())
                    .map(|u| {
                        format!(
                            "{}{VIRTUAL_WORKSPACE_PREFIX}/{export_cluster}/{export_name}",
                            u.trim_end_matches('/')
                        )
                    });
                if !consumers {
                    status.endpoints.clear();
                } else if let Some(url) = url.filter(|_| in_partition)
                    && !status.endpoints.iter().any(|e| e.url == url)
                {
                    status.endpoints = vec![Endpoint {
                        url,
                        ..Default::default()
                    }];
                }
            }
            Err(message) => {
                status.endpoints.clear();
                condition::set(
                    &mut status.conditions,
                    Condition::false_(
                        PARTITION_VALID,
                        REASON_PARTITION_INVALID_REFERENCE,
                        ConditionSeverity::Error,
                        &message,
                    ),
                    now,
                );
            }
        }
    }
    if status == slice.status {
        return None;
    }
    let mut updated = current;
    updated["status"] = serde_json::to_value(&status).unwrap_or_else(|_| json!({}));
    let scope = Scope {
        cluster,
        def: &ctx.slices,
        namespace: None,
        name,
        subresource: "status",
        dry_run: false,
        manager: MANAGER,
    };
    match rest::update(storage, &scope, updated).await {
        Ok(_) => None,
        Err(e) => {
            tracing::debug!("apiexportendpointslice controller: {cluster}/{name}: {e}");
            Some(Duration::from_millis(100))
        }
    }
}

/// The shard selector of a slice's partition (everything without one).
async fn shard_selector(
    ctx: &Ctx,
    cluster: &str,
    partition: &str,
) -> Result<LabelSelector, String> {
    if partition.is_empty() {
        return LabelSelector::parse("").map_err(|e| e.to_string());
    }
    let Some(def) = &ctx.partitions else {
        return Err(format!(
            "partitions.topology.kcp.io {partition:?} not found"
        ));
    };
    let key = keys::object_key(
        def.group,
        def.resource,
        &def.space,
        cluster,
        None,
        partition,
    );
    let Some(p) = ctx.apis.storage.get_cached(&key).await else {
        return Err(format!(
            "partitions.topology.kcp.io {partition:?} not found"
        ));
    };
    let p: Value = p.value().map_err(|e| e.message)?;
    LabelSelector::from_label_selector_json(&p["spec"]["selector"]).map_err(|e| e.to_string())
}

/// This server's Shard (in root).
async fn shard(ctx: &Ctx) -> Option<Value> {
    let def = ctx.shards.as_ref()?;
    let key = keys::object_key(
        def.group,
        def.resource,
        &def.space,
        kcp_api::ROOT_CLUSTER,
        None,
        kcp_api::keys::ROOT_SHARD,
    );
    ctx.apis.storage.get_cached(&key).await?.value().ok()
}
