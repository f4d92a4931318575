//! The CRD controller: for every logical cluster, accepts the names of its
//! CustomResourceDefinitions, marks them `NamesAccepted` and `Established`, records the stored
//! versions, publishes their resources in the cluster's catalog (discovery, OpenAPI and the
//! REST endpoints follow at once), and, when a CRD is deleted, deletes its custom resources
//! before letting the CRD go. One instance for all logical clusters, keyed by cluster.
//!
//! Events are coalesced (one reconcile per cluster for whatever arrived meanwhile), and each
//! CRD's catalog entries are built again only when its spec (generation) or stored versions
//! change: compiling a large schema costs milliseconds, and a cluster may hold many.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::catalog::{
    Backing, Catalogs, CustomResource, ResourceDef, ScalePaths, intern, intern_list,
};
use crate::registry::conversion::{Conversion, VersionSchema};
use crate::registry::object;
use crate::registry::rest::{self, Scope};
use crate::storage::keys::{self, KeySpace};
use crate::storage::{Storage, WatchStart};

pub const GROUP: &str = "apiextensions.k8s.io";
pub const RESOURCE: &str = "customresourcedefinitions";
/// Held on every CRD until its custom resources are gone.
pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

const CRUD: &[&str] = &[
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "create",
    "update",
    "watch",
];
const STATUS: &[&str] = &["get", "patch", "update"];

/// What the controller last saw of one CRD.
struct Seen {
    /// The revision it reconciled.
    revision: i64,
    /// What its catalog entries were built from (uid, generation, stored versions).
    source: String,
    /// Its served versions, as catalog entries.
    defs: Vec<ResourceDef>,
}

/// The CRDs seen so far, by storage key.
type SeenCrds = HashMap<String, Seen>;

/// Runs forever.
pub async fn run(storage: Arc<Storage>, catalogs: Arc<Catalogs>) {
    let prefix = keys::resource_prefix(GROUP, RESOURCE, &KeySpace::BuiltIn);
    let mut seen = SeenCrds::new();
    loop {
        let watch = match storage.watch(&prefix, WatchStart::FromState).await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("crd controller: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let clusters: BTreeSet<String> = watch
            .initial
            .iter()
            .map(|e| e.object.key.cluster().to_string())
            .collect();
        for c in clusters {
            reconcile_cluster(&storage, &catalogs, &c, &mut seen).await;
        }
        let mut live = watch.live;
        'events: loop {
            // Wait for one event, then take all that are already queued.
            let mut clusters = BTreeSet::new();
            let mut next = live.recv().await;
            loop {
                match next {
                    Ok(ev) if ev.object.key.raw.starts_with(&prefix) => {
                        clusters.insert(ev.object.key.cluster().to_string());
                    }
                    Ok(_) => {}
                    Err(_) => break 'events,
                }
                next = match live.try_recv() {
                    Ok(ev) => Ok(ev),
                    Err(tokio::sync::broadcast::error::TryRecvError::Empty) => break,
                    Err(_) => break 'events,
                };
            }
            for c in clusters {
                reconcile_cluster(&storage, &catalogs, &c, &mut seen).await;
            }
        }
    }
}

fn crd_def(catalogs: &Catalogs) -> Option<ResourceDef> {
    catalogs
        .base()
        .resources()
        .iter()
        .find(|r| r.group == GROUP && r.resource == RESOURCE)
        .cloned()
}

/// What a CRD's catalog entries depend on besides its spec's generation.
fn defs_source(crd: &Value) -> String {
    format!(
        "{}/{}/{}/{}",
        object::meta_str(crd, "uid"),
        crd["metadata"]["generation"],
        crd["status"]["storedVersions"],
        object::is_deleting(crd),
    )
}

/// Brings one cluster's CRDs and catalog up to date. CRDs whose revision `seen` already holds
/// are neither decoded nor reconciled again.
async fn reconcile_cluster(
    storage: &Storage,
    catalogs: &Catalogs,
    cluster: &str,
    seen: &mut SeenCrds,
) {
    let Some(def) = crd_def(catalogs) else { return };
    let prefix = keys::cluster_prefix(GROUP, RESOURCE, &KeySpace::BuiltIn, cluster, None);
    let Ok(page) = storage.list(&prefix, None, 0, &|_| true).await else {
        return;
    };
    seen.retain(|key, _| {
        !key.starts_with(&prefix) || page.items.iter().any(|i| *i.key.raw == **key)
    });
    // The CRDs that changed since the last reconcile, decoded.
    let mut changed: Vec<(String, String, Value)> = Vec::new();
    for item in &page.items {
        if seen
            .get(&*item.key.raw)
            .is_some_and(|s| s.revision == item.mod_revision)
        {
            continue;
        }
        let Ok(crd) = item.value() else { continue };
        let source = defs_source(&crd);
        let defs = match seen.remove(&*item.key.raw) {
            Some(s) if s.source == source => s.defs,
            _ if object::is_deleting(&crd) => Vec::new(),
            _ => resource_defs(&crd),
        };
        seen.insert(
            item.key.raw.to_string(),
            Seen {
                revision: item.mod_revision,
                source,
                defs,
            },
        );
        changed.push((item.key.raw.to_string(), item.key.name().to_string(), crd));
    }
    // Serve first, then say Established: a client that saw the condition finds the endpoint.
    let served: Vec<ResourceDef> = page
        .items
        .iter()
        .filter_map(|item| seen.get(&*item.key.raw))
        .flat_map(|s| s.defs.iter().cloned())
        .collect();
    catalogs.set_custom(cluster, served);
    for (key, name, crd) in changed {
        let scope = Scope {
            cluster,
            def: &def,
            namespace: None,
            name: &name,
            subresource: "status",
            dry_run: false,
            manager: "apiextensions-apiserver",
        };
        if object::is_deleting(&crd) {
            cleanup(storage, &scope, &crd).await;
            // Until it is gone, every reconcile of the cluster finishes what is left.
            if let Some(s) = seen.get_mut(&key) {
                s.revision = 0;
            }
            continue;
        }
        let status = desired_status(&crd);
        if !same_status(&crd["status"], &status) {
            let mut updated = crd.clone();
            updated["status"] = status;
            if let Err(e) = rest::update(storage, &scope, updated).await {
                tracing::debug!("crd controller: status of {cluster}/{name}: {e}");
                // Not done: the next reconcile of the cluster tries again.
                if let Some(s) = seen.get_mut(&key) {
                    s.revision = 0;
                }
            }
        }
    }
}

/// Deletes the CRD's custom resources, then its cleanup finalizer.
async fn cleanup(storage: &Storage, scope: &Scope<'_>, crd: &Value) {
    let group = crd["spec"]["group"].as_str().unwrap_or("");
    let plural = crd["spec"]["names"]["plural"].as_str().unwrap_or("");
    if !group.is_empty() && !plural.is_empty() {
        let prefix = keys::cluster_prefix(
            group,
            plural,
            &KeySpace::CustomResource,
            scope.cluster,
            None,
        );
        if let Ok(page) = storage.list(&prefix, None, 0, &|_| true).await {
            for cr in page.items {
                let _ = storage.store().delete(&cr.key.raw, None).await;
            }
        }
    }
    let finalizers: Vec<String> = object::finalizers(crd)
        .into_iter()
        .filter(|f| f != CLEANUP_FINALIZER)
        .collect();
    if finalizers.len() == object::finalizers(crd).len() {
        return;
    }
    let mut updated = crd.clone();
    updated["metadata"]["finalizers"] = json!(finalizers);
    let main = Scope {
        subresource: "",
        ..*scope
    };
    if let Err(e) = rest::update(storage, &main, updated).await {
        tracing::debug!("crd controller: finalizing {}: {e}", scope.name);
    }
}

fn accepted_names(crd: &Value) -> Value {
    let mut names = crd["spec"]["names"].clone();
    let kind = names["kind"].as_str().unwrap_or("").to_string();
    if names["singular"].as_str().is_none_or(str::is_empty) {
        names["singular"] = json!(kind.to_lowercase());
    }
    if names["listKind"].as_str().is_none_or(str::is_empty) {
        names["listKind"] = json!(format!("{kind}List"));
    }
    names
}

fn storage_version(crd: &Value) -> Option<String> {
    crd["spec"]["versions"]
        .as_array()?
        .iter()
        .find(|v| v["storage"] == true)
        .and_then(|v| v["name"].as_str())
        .map(str::to_string)
}

fn condition(type_: &str, reason: &str, message: &str, previous: &Value) -> Value {
    // Keep the transition time of a condition whose status does not change.
    let time = previous["conditions"]
        .as_array()
        .and_then(|cs| {
            cs.iter()
                .find(|c| c["type"] == type_ && c["status"] == "True")
        })
        .and_then(|c| c["lastTransitionTime"].as_str().map(str::to_string))
        .unwrap_or_else(object::now_rfc3339);
    json!({"type": type_, "status": "True", "lastTransitionTime": time, "reason": reason, "message": message})
}

fn desired_status(crd: &Value) -> Value {
    let previous = &crd["status"];
    let mut stored: Vec<Value> = previous["storedVersions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(v) = storage_version(crd)
        && !stored.iter().any(|s| s == &json!(v))
    {
        stored.push(json!(v));
    }
    json!({
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found", previous),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted", previous),
        ],
        "acceptedNames": accepted_names(crd),
        "storedVersions": stored,
    })
}

fn same_status(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(cs) = v["conditions"].as_array_mut() {
            for c in cs {
                if let Some(o) = c.as_object_mut() {
                    o.remove("lastTransitionTime");
                }
            }
        }
        v
    };
    strip(a) == strip(b)
}

/// kube's CRD defaulting: a version without `additionalPrinterColumns` prints its age.
fn with_default_columns(version: &Value) -> Value {
    let mut v = version.clone();
    if v["additionalPrinterColumns"]
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        v["additionalPrinterColumns"] =
            json!([{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]);
    }
    v
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The served versions of a CRD as catalog entries.
pub fn resource_defs(crd: &Value) -> Vec<ResourceDef> {
    let spec = &crd["spec"];
    let names = accepted_names(crd);
    let (Some(group), Some(plural), Some(kind)) = (
        spec["group"].as_str(),
        names["plural"].as_str(),
        names["kind"].as_str(),
    ) else {
        return Vec::new();
    };
    let singular = names["singular"].as_str().unwrap_or("");
    let namespaced = spec["scope"] != "Cluster";
    let storage = storage_version(crd).unwrap_or_default();
    let stored_versions = strings(&crd["status"]["storedVersions"]);
    let mut out = Vec::new();
    for v in spec["versions"].as_array().into_iter().flatten() {
        if v["served"] != true {
            continue;
        }
        let Some(version) = v["name"].as_str() else {
            continue;
        };
        let schema_json = v["schema"]["openAPIV3Schema"].clone();
        let scale = v["subresources"]
            .get("scale")
            .filter(|s| s.is_object())
            .map(|s| ScalePaths {
                spec_replicas: s["specReplicasPath"].as_str().unwrap_or("").to_string(),
                status_replicas: s["statusReplicasPath"].as_str().unwrap_or("").to_string(),
                label_selector: s["labelSelectorPath"].as_str().map(str::to_string),
            });
        let status = v["subresources"]
            .get("status")
            .is_some_and(Value::is_object);
        let subresources: &'static [(&'static str, &'static [&'static str])] =
            match (scale.is_some(), status) {
                // kube's order: status, then scale (aggregated discovery keeps it).
                (true, true) => &[("status", STATUS), ("scale", STATUS)],
                (true, false) => &[("scale", STATUS)],
                (false, true) => &[("status", STATUS)],
                (false, false) => &[],
            };
        out.push(ResourceDef {
            group: intern(group),
            version: intern(version),
            resource: intern(plural),
            singular: intern(singular),
            kind: intern(kind),
            namespaced,
            verbs: CRUD,
            short_names: intern_list(&strings(&names["shortNames"])),
            categories: intern_list(&strings(&names["categories"])),
            subresources,
            backing: Backing::Stored,
            space: KeySpace::CustomResource,
            bound: None,
            custom: Some(Arc::new(CustomResource {
                schema: crate::crd::CustomResourceSchema::from_crd_version(&with_default_columns(
                    v,
                )),
                openapi_schema: schema_json,
                scale,
                deprecation_warning: deprecation_warning(spec, v),
            })),
            conversion: None,
        });
    }
    // Objects may be in another version than the one read: one conversion for all versions.
    let mixed = stored_versions.iter().any(|s| *s != storage);
    if mixed || out.iter().any(|d| d.version != storage) {
        let versions = out
            .iter()
            .filter_map(|d| {
                Some(VersionSchema::Custom {
                    api_version: d.api_version(),
                    resource: d.custom.clone()?,
                })
            })
            .collect();
        let conversion =
            Conversion::for_crd(intern(group), plural, intern(&storage), mixed, versions);
        for d in &mut out {
            d.conversion = Some(conversion.clone());
        }
    }
    out
}

/// The `Warning` of a deprecated served version: its `deprecationWarning`, else kube's default,
/// `<group>/<version> <Kind> is deprecated`, naming the newest served version that is not
/// deprecated and ranks above it (`; use <group>/<version> <Kind>`).
fn deprecation_warning(spec: &Value, version: &Value) -> Option<String> {
    if version["deprecated"] != true {
        return None;
    }
    if let Some(w) = version["deprecationWarning"].as_str() {
        return Some(w.to_string());
    }
    let name = version["name"].as_str()?;
    let group = spec["group"].as_str().unwrap_or_default();
    let kind = spec["names"]["kind"].as_str().unwrap_or_default();
    let mut msg = format!("{group}/{name} {kind} is deprecated");
    let priority = crate::catalog::version_priority;
    let newer = spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["served"] == true && v["deprecated"] != true)
        .filter_map(|v| v["name"].as_str())
        .filter(|v| priority(v) < priority(name))
        .min_by_key(|v| priority(v));
    if let Some(newer) = newer {
        msg.push_str(&format!("; use {group}/{newer} {kind}"));
    }
    Some(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// kube's messages (`defaultDeprecationWarning`): the newest served version that is not
    /// deprecated and ranks above the deprecated one, or none.
    #[test]
    fn deprecation_warnings_are_kubes() {
        let spec = json!({
            "group": "stable.example.com",
            "names": {"kind": "CronTab"},
            "versions": [
                {"name": "v1alpha1", "served": true, "deprecated": true},
                {"name": "v1beta1", "served": true, "deprecated": true,
                 "deprecationWarning": "use v1, please"},
                {"name": "v1", "served": true},
                {"name": "v2", "served": false},
            ],
        });
        let versions = spec["versions"].as_array().unwrap();
        assert_eq!(
            deprecation_warning(&spec, &versions[0]).as_deref(),
            Some(
                "stable.example.com/v1alpha1 CronTab is deprecated; use stable.example.com/v1 CronTab"
            )
        );
        assert_eq!(
            deprecation_warning(&spec, &versions[1]).as_deref(),
            Some("use v1, please")
        );
        assert_eq!(deprecation_warning(&spec, &versions[2]), None);
        let only = json!({"group": "g", "names": {"kind": "K"},
                          "versions": [{"name": "v1", "served": true, "deprecated": true}]});
        assert_eq!(
            deprecation_warning(&only, &only["versions"][0]).as_deref(),
            Some("g/v1 K is deprecated")
        );
    }
}
