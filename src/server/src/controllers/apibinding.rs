//! The APIBinding controller (`reference/kcp.md` §4.10): one instance for all logical
//! clusters, keyed by cluster. A reconcile of a cluster takes each of its APIBindings through
//! [`crate::apis::binding::bind`], publishes what they bind in the cluster's catalog (served
//! first, then said `Bound`, so a client that saw `Bound` finds the resources), and writes the
//! statuses that changed. A binding being deleted has the objects it bound deleted through the
//! registry (their finalizers honoured, `create` gone meanwhile), then loses its finalizer.
//!
//! Clusters are reconciled when one of their bindings or CRDs changes, and when an export
//! changes, every cluster with a binding to it (an index the reconciles keep), so that a changed
//! export moves every binding, and a binding waiting for a missing export binds once it exists.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::queue::Queue;
use crate::apis::{self, APIBINDINGS, APIEXPORTS, Apis, BINDING_FINALIZER, ClusterIndex};
use crate::catalog::{Catalogs, ResourceDef};
use crate::registry::object;
use crate::registry::rest::{self, Scope};
use crate::storage::WatchStart;
use crate::storage::keys::{self, KeySpace};
use kcp_api::apis::conditions::BINDING_RESOURCE_DELETE_SUCCESS;
use kcp_api::apis::v1alpha2::APIBinding;
use kcp_api::condition::{self, Condition, ConditionSeverity};

const MANAGER: &str = "kcp-apibinding-controller";
/// How often a binding being deleted looks again at the objects it waits for.
const DELETION_RECHECK: Duration = Duration::from_secs(1);

struct Ctx {
    apis: Apis,
    catalogs: Arc<Catalogs>,
    bindings: ResourceDef,
    /// Which clusters bind which export, for the exports' changes.
    bound_to: std::sync::Mutex<ClusterIndex<ExportRef>>,
    /// The resources of a cluster whose claim labels are still to be written.
    relabel:
        std::sync::Mutex<std::collections::HashMap<String, BTreeSet<apis::claims::GroupResource>>>,
}

/// What a cluster's bindings refer to: an export by its (cluster, name) once resolved, by its
/// name alone while it is not found (an export appearing anywhere with that name brings the
/// cluster back).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum ExportRef {
    Resolved(String, String),
    Waiting(String),
}

/// The clusters to reconcile when the export `name` in `export_cluster` changes.
fn clusters_referring(
    index: &ClusterIndex<ExportRef>,
    export_cluster: &str,
    name: &str,
) -> BTreeSet<String> {
    let mut out = index.clusters(&ExportRef::Resolved(
        export_cluster.to_string(),
        name.to_string(),
    ));
    out.extend(index.clusters(&ExportRef::Waiting(name.to_string())));
    out
}

/// Runs forever; `synced` is told once every cluster's bindings have been reconciled once
/// (the server is not ready before: a bound resource would answer 404 meanwhile).
pub async fn run(
    apis: Apis,
    catalogs: Arc<Catalogs>,
    progress: Arc<super::progress::Progress>,
    synced: tokio::sync::oneshot::Sender<()>,
) {
    let Some(bindings) = catalogs
        .base()
        .lookup(kcp_api::keys::APIS_GROUP, "v1alpha2", APIBINDINGS)
        .cloned()
    else {
        let _ = synced.send(());
        return;
    };
    let ctx = Arc::new(Ctx {
        apis,
        catalogs,
        bindings,
        bound_to: Default::default(),
        relabel: Default::default(),
    });
    let queue = {
        let ctx = ctx.clone();
        Queue::new("apibinding", move |cluster: String| {
            let (ctx, progress) = (ctx.clone(), progress.clone());
            async move {
                let retry = reconcile_cluster(&ctx, &cluster).await;
                progress.reconciled(&(cluster, String::new()));
                retry
            }
        })
    };
    let bindings_prefix = apis::prefix(APIBINDINGS, None);
    let exports_prefix = apis::prefix(APIEXPORTS, None);
    let crds_prefix =
        keys::resource_prefix(super::crd::GROUP, super::crd::RESOURCE, &KeySpace::BuiltIn);
    let mut synced = Some(synced);
    loop {
        let watch = match ctx
            .apis
            .storage
            .watch(keys::ROOT, WatchStart::FromState)
            .await
        {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("apibinding controller: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        // The initial state, reconciled in line: readiness waits for it.
        let clusters: BTreeSet<String> = watch
            .initial
            .iter()
            .filter(|e| e.object.key.raw.starts_with(&bindings_prefix))
            .map(|e| e.object.key.cluster().to_string())
            .collect();
        for c in &clusters {
            if let Some(after) = reconcile_cluster(&ctx, c).await {
                let (queue, c) = (queue.clone(), c.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    queue.add(c);
                });
            }
        }
        if let Some(s) = synced.take() {
            let _ = s.send(());
        }
        let mut live = watch.live;
        while let Ok(ev) = live.recv().await {
            let raw = &ev.object.key.raw;
            if raw.starts_with(&crds_prefix) {
                // A CRD may conflict with what is bound: everything is checked again.
                let cluster = ev.object.key.cluster();
                ctx.apis.computed.forget(cluster);
                queue.add(cluster.to_string());
            } else if raw.starts_with(&bindings_prefix) {
                queue.add(ev.object.key.cluster().to_string());
            } else if raw.starts_with(&exports_prefix) {
                let clusters = clusters_referring(
                    &ctx.bound_to.lock().unwrap_or_else(|p| p.into_inner()),
                    ev.object.key.cluster(),
                    ev.object.key.name(),
                );
                for c in clusters {
                    queue.add(c);
                }
            }
        }
    }
}

fn scope<'a>(ctx: &'a Ctx, cluster: &'a str, name: &'a str, subresource: &'a str) -> Scope<'a> {
    Scope {
        cluster,
        def: &ctx.bindings,
        namespace: None,
        name,
        subresource,
        dry_run: false,
        manager: MANAGER,
    }
}

/// Reconciles every binding of a cluster; returns when to look again, if needed.
async fn reconcile_cluster(ctx: &Ctx, cluster: &str) -> Option<Duration> {
    let storage = &ctx.apis.storage;
    let page = storage
        .list_cached(&apis::prefix(APIBINDINGS, Some(cluster)), None, 0, &|_| {
            true
        })
        .await;
    let mut retry = None;
    // Each binding as it will be once its status is written, and the statuses to write.
    let mut serving: Vec<APIBinding> = Vec::new();
    let mut writes: Vec<(Arc<crate::storage::CachedObject>, APIBinding, i64)> = Vec::new();
    let names: std::collections::HashSet<&str> = page.items.iter().map(|i| i.key.name()).collect();
    ctx.apis.computed.retain(cluster, |n| names.contains(n));
    for item in &page.items {
        let Some(binding) = item.read::<APIBinding>() else {
            continue;
        };
        let deleting = binding.metadata.deletion_timestamp.is_some();
        let has_finalizer = binding
            .metadata
            .finalizers
            .as_ref()
            .is_some_and(|f| f.iter().any(|f| f == BINDING_FINALIZER));
        if deleting || !has_finalizer {
            let Ok(current) = item.value() else { continue };
            if !deleting {
                // Admission adds it on create; bindings made otherwise get it here first (the
                // update brings the cluster back for the status).
                add_finalizer(ctx, cluster, &current).await;
                serving.push(binding);
                continue;
            }
            match delete_bound_objects(ctx, cluster, &binding).await {
                Remaining::None => {
                    finalize(ctx, cluster, &current).await;
                    continue;
                }
                Remaining::Some(c) => {
                    retry = Some(DELETION_RECHECK);
                    let mut next = binding.clone();
                    condition::set(
                        &mut next.status.conditions,
                        c,
                        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(jiff::Timestamp::now()),
                    );
                    if next.status != binding.status {
                        writes.push((item.clone(), next.clone(), 0));
                    }
                    serving.push(next);
                }
            }
            continue;
        }
        let key = (cluster.to_string(), item.key.name().to_string());
        let export = ctx.apis.export_revision(&binding).await;
        let now = apis::Computed {
            binding: item.mod_revision,
            export,
        };
        let unchanged = binding.status.phase == Some(kcp_api::apis::APIBindingPhase::Bound)
            && ctx.apis.computed.get(&key.0, &key.1) == Some(now);
        if unchanged {
            serving.push(binding);
            continue;
        }
        let status = apis::binding::bind(&ctx.apis, cluster, &binding).await;
        let mut next = binding.clone();
        next.status = status;
        if next.status != binding.status {
            writes.push((item.clone(), next.clone(), export));
        } else {
            ctx.apis.computed.insert(&key.0, &key.1, now);
        }
        serving.push(next);
    }
    let refs = serving
        .iter()
        .filter_map(|b| {
            let export = b.spec.reference.export.as_ref()?;
            Some(if b.status.api_export_cluster_name.is_empty() {
                ExportRef::Waiting(export.name.clone())
            } else {
                ExportRef::Resolved(
                    b.status.api_export_cluster_name.clone(),
                    export.name.clone(),
                )
            })
        })
        .collect();
    ctx.bound_to
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .set(cluster, refs);
    let serves: Vec<apis::ExportKey> = serving
        .iter()
        .filter(|b| !b.status.bound_resources.is_empty())
        .filter_map(|b| {
            let export = b.spec.reference.export.as_ref()?;
            Some((
                b.status.api_export_cluster_name.clone(),
                export.name.clone(),
            ))
        })
        .collect();
    let flipped = ctx
        .apis
        .consumers
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .set(cluster, serves);
    for export in flipped {
        let _ = ctx.apis.consumers_flipped.send(export);
    }
    publish(ctx, cluster, &serving).await;
    let claims = serving.iter().flat_map(apis::claims::accepted).collect();
    let mut changed = ctx.apis.claims.set(cluster, claims);
    let pending = ctx
        .relabel
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(cluster);
    changed.extend(pending.unwrap_or_default());
    if !changed.is_empty() && !relabel(ctx, cluster, &changed).await {
        // A write lost a race: all of it again, shortly.
        ctx.relabel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(cluster.to_string(), changed);
        retry = Some(Duration::from_millis(50));
    }
    for (current, next, export) in writes {
        let Ok(value) = current.value() else { continue };
        match write_status(ctx, cluster, value, &next).await {
            Some(binding) => {
                ctx.apis.computed.insert(
                    cluster,
                    current.key.name(),
                    apis::Computed { binding, export },
                );
            }
            None => retry = Some(Duration::from_millis(50)),
        }
    }
    retry
}

/// Publishes what a cluster's bindings serve in its catalog. Resources the shared catalog
/// already serves under the same identity (root's `tenancy.kcp.io` and `topology.kcp.io` in
/// every workspace) are not added again.
async fn publish(ctx: &Ctx, cluster: &str, bindings: &[APIBinding]) {
    let builtin = ctx.catalogs.builtin_for(cluster);
    let mut defs: Vec<ResourceDef> = Vec::new();
    let mut sources: Vec<&APIBinding> = Vec::new();
    for b in bindings {
        // Root's tenancy and topology bindings, in every workspace: nothing to build.
        let all_builtin = b.status.bound_resources.iter().all(|br| {
            let space = crate::storage::keys::KeySpace::Bound(br.schema.identity_hash.clone());
            builtin
                .resources()
                .iter()
                .any(|d| d.group == br.group && d.resource == br.resource && d.space == space)
        });
        if all_builtin {
            continue;
        }
        let served: Vec<ResourceDef> = apis::binding::served(&ctx.apis, b)
            .await
            .into_iter()
            .filter(|d| {
                builtin
                    .lookup(d.group, d.version, d.resource)
                    .is_none_or(|existing| existing.space != d.space)
            })
            .collect();
        if !served.is_empty() {
            sources.push(b);
            defs.extend(served);
        }
    }
    let key = apis::binding::served_key(&sources);
    if ctx.catalogs.bound_key(cluster) != key {
        ctx.catalogs.set_bound(cluster, key, defs);
    }
}

/// Gives the objects of `resources` in `cluster` the claim labels the cluster's accepted
/// claims now give them (kcp's permissionclaimlabel controller). Returns false when a write
/// lost a race: the cluster is reconciled again.
async fn relabel(
    ctx: &Ctx,
    cluster: &str,
    resources: &BTreeSet<apis::claims::GroupResource>,
) -> bool {
    let storage = ctx.apis.storage.as_ref();
    let catalog = ctx.catalogs.for_cluster(cluster);
    let mut done = true;
    for (group, resource) in resources {
        let Some(def) = catalog
            .resources()
            .iter()
            .find(|d| d.group == group && d.resource == resource)
            .cloned()
        else {
            continue;
        };
        let prefix = keys::cluster_prefix(def.group, def.resource, &def.space, cluster, None);
        let page = storage.list_cached(&prefix, None, 0, &|_| true).await;
        for item in &page.items {
            let Ok(mut obj) = item.value() else { continue };
            let expected = ctx.apis.claims.labels_for(
                cluster,
                group,
                resource,
                &apis::claims::object_labels(&obj),
            );
            if !apis::claims::apply_labels(&mut obj, &expected) {
                continue;
            }
            let s = Scope {
                cluster,
                def: &def,
                namespace: item.key.namespace(),
                name: item.key.name(),
                subresource: "",
                dry_run: false,
                manager: MANAGER,
            };
            match rest::update(storage, &s, obj).await {
                // Deleted meanwhile: nothing to label.
                Err(e) if e.code == 404 => {}
                Err(e) => {
                    tracing::debug!(
                        "apibinding controller: claim labels of {}: {e}",
                        item.key.raw
                    );
                    done = false;
                }
                Ok(_) => {}
            }
        }
    }
    done
}

/// Writes a binding's status; the revision written, or `None` on a conflict (the next
/// reconcile tries again).
async fn write_status(
    ctx: &Ctx,
    cluster: &str,
    mut current: Value,
    next: &APIBinding,
) -> Option<i64> {
    let name = object::name(&current).to_string();
    current["status"] = serde_json::to_value(&next.status).unwrap_or_else(|_| json!({}));
    match rest::update(
        ctx.apis.storage.as_ref(),
        &scope(ctx, cluster, &name, "status"),
        current,
    )
    .await
    {
        Ok(written) => object::resource_version(&written.object).parse().ok(),
        Err(e) => {
            tracing::debug!("apibinding controller: status of {cluster}/{name}: {e}");
            None
        }
    }
}

async fn add_finalizer(ctx: &Ctx, cluster: &str, current: &Value) {
    let name = object::name(current).to_string();
    let mut updated = current.clone();
    let mut finalizers = object::finalizers(current);
    finalizers.push(BINDING_FINALIZER.to_string());
    updated["metadata"]["finalizers"] = json!(finalizers);
    if let Err(e) = rest::update(
        ctx.apis.storage.as_ref(),
        &scope(ctx, cluster, &name, ""),
        updated,
    )
    .await
    {
        tracing::debug!("apibinding controller: finalizer of {cluster}/{name}: {e}");
    }
}

/// Removes the binding's finalizer: the binding goes.
async fn finalize(ctx: &Ctx, cluster: &str, current: &Value) {
    let name = object::name(current).to_string();
    let finalizers: Vec<String> = object::finalizers(current)
        .into_iter()
        .filter(|f| f != BINDING_FINALIZER)
        .collect();
    if finalizers.len() == object::finalizers(current).len() {
        return;
    }
    let mut updated = current.clone();
    updated["metadata"]["finalizers"] = json!(finalizers);
    if let Err(e) = rest::update(
        ctx.apis.storage.as_ref(),
        &scope(ctx, cluster, &name, ""),
        updated,
    )
    .await
    {
        tracing::debug!("apibinding controller: finalizing {cluster}/{name}: {e}");
    }
}

/// What is left of a deleted binding's objects.
enum Remaining {
    None,
    /// The `BindingResourceDeleteSuccess` condition saying what.
    Some(Condition),
}

/// Deletes the objects of every resource the binding bound in `cluster`, through the registry
/// (finalizers are honoured), and says what is left (kcp's `apibindingdeletion` messages).
async fn delete_bound_objects(ctx: &Ctx, cluster: &str, binding: &APIBinding) -> Remaining {
    let storage = ctx.apis.storage.as_ref();
    let catalog = ctx.catalogs.for_cluster(cluster);
    let mut by_finalizer: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_resource: BTreeMap<String, usize> = BTreeMap::new();
    for br in &binding.status.bound_resources {
        let Some(def) = catalog
            .resources()
            .iter()
            .find(|d| {
                d.group == br.group
                    && d.resource == br.resource
                    && d.space == KeySpace::Bound(br.schema.identity_hash.clone())
            })
            .cloned()
        else {
            continue;
        };
        let prefix = keys::cluster_prefix(def.group, def.resource, &def.space, cluster, None);
        let page = storage.list_cached(&prefix, None, 0, &|_| true).await;
        let mut left = 0;
        for obj in &page.items {
            let s = Scope {
                cluster,
                def: &def,
                namespace: obj.key.namespace(),
                name: obj.key.name(),
                subresource: "",
                dry_run: false,
                manager: MANAGER,
            };
            match rest::delete(storage, &s, &rest::DeleteOptions::default()).await {
                Ok(rest::Deleted::Gone(_)) => {}
                Ok(rest::Deleted::Pending(o)) => {
                    left += 1;
                    for f in object::finalizers(&o) {
                        *by_finalizer.entry(f).or_default() += 1;
                    }
                }
                Err(e) if e.code == 404 => {}
                Err(_) => left += 1,
            }
        }
        if left > 0 {
            by_resource.insert(format!("{}.{}", br.resource, br.group), left);
        }
    }
    if !by_finalizer.is_empty() {
        let parts: Vec<String> = by_finalizer
            .iter()
            .map(|(f, n)| format!("{f} in {n} resource instances"))
            .collect();
        return Remaining::Some(Condition::false_(
            BINDING_RESOURCE_DELETE_SUCCESS,
            "SomeFinalizersRemain",
            ConditionSeverity::Error,
            &format!(
                "Some content in the workspace has finalizers remaining: {}",
                parts.join(", ")
            ),
        ));
    }
    if !by_resource.is_empty() {
        let parts: Vec<String> = by_resource
            .iter()
            .map(|(r, n)| format!("{r} has {n} resource instances"))
            .collect();
        return Remaining::Some(Condition::false_(
            BINDING_RESOURCE_DELETE_SUCCESS,
            "SomeResourcesRemain",
            ConditionSeverity::Error,
            &format!("Some resources are remaining: {}", parts.join(", ")),
        ));
    }
    Remaining::None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_brings_back_the_clusters_that_refer_to_it() {
        let mut index = ClusterIndex::default();
        index.set(
            "c1",
            vec![
                ExportRef::Resolved("p".into(), "cowboys".into()),
                ExportRef::Waiting("later".into()),
            ],
        );
        index.set(
            "c2",
            vec![ExportRef::Resolved("p".into(), "cowboys".into())],
        );
        let names = |s: BTreeSet<String>| s.into_iter().collect::<Vec<_>>();
        assert_eq!(
            names(clusters_referring(&index, "p", "cowboys")),
            ["c1", "c2"]
        );
        // A missing export is found by name in any cluster.
        assert_eq!(
            names(clusters_referring(&index, "anywhere", "later")),
            ["c1"]
        );
        index.set("c1", vec![ExportRef::Resolved("q".into(), "later".into())]);
        assert_eq!(names(clusters_referring(&index, "p", "cowboys")), ["c2"]);
        assert_eq!(names(clusters_referring(&index, "q", "later")), ["c1"]);
    }
}
