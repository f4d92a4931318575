//! APIs as a service (`reference/kcp.md` §3.7–§3.9, §4.9, §4.10): a provider snapshots a CRD
//! into an APIResourceSchema, exports it with an APIExport, and a consumer binds it into its
//! workspace with an APIBinding. This module is what the APIBinding controller, the workspace
//! initializer (default bindings), admission and the authorizer share:
//!
//! - [`Apis`]: finding exports by path, schemas and bindings in the watch cache;
//! - [`schema`]: the catalog entries a bound schema serves, compiled once per schema;
//! - [`claims`]: the permission claims a workspace accepted, and the labels they put on its
//!   objects;
//! - [`binding`]: what binding an export means — the status an APIBinding should have and the
//!   resources it serves — as one function, so that a binding is written once, already Bound.
//!
//! Newcomers should start with [`binding::bind`].

pub mod binding;
pub mod claims;
pub mod schema;

use std::sync::Arc;

use serde_json::Value;

use crate::storage::Storage;
use crate::storage::keys::{self, KeySpace};
use crate::tenancy::Tenancy;
use kcp_api::apis::v1alpha2::{APIBinding, APIExport};
use kcp_api::keys::APIS_GROUP;

pub const APIEXPORTS: &str = "apiexports";
pub const APIBINDINGS: &str = "apibindings";
pub const APIRESOURCESCHEMAS: &str = "apiresourceschemas";
/// Held on every APIBinding until the objects it bound are gone.
pub const BINDING_FINALIZER: &str = "apis.kcp.io/apibinding-finalizer";
/// The label naming the export a binding binds (`base62(sha224("<cluster>:<export>"))`).
pub const EXPORT_LABEL: &str = "internal.apis.kcp.io/export";
/// The prefix of the RBAC subjects an export's maximal permission policy is written for.
pub const POLICY_PREFIX: &str = "apis.kcp.io:binding:";

/// The key of an `apis.kcp.io` object (all are cluster-scoped system CRDs).
pub fn key(resource: &str, cluster: &str, name: &str) -> String {
    keys::object_key(
        APIS_GROUP,
        resource,
        &KeySpace::CustomResource,
        cluster,
        None,
        name,
    )
}

/// The prefix of one resource of `apis.kcp.io` in one cluster, or in all (`None`).
pub fn prefix(resource: &str, cluster: Option<&str>) -> String {
    match cluster {
        Some(c) => keys::cluster_prefix(APIS_GROUP, resource, &KeySpace::CustomResource, c, None),
        None => keys::resource_prefix(APIS_GROUP, resource, &KeySpace::CustomResource),
    }
}

/// Reads the `apis.kcp.io` objects and what they refer to from the watch cache.
#[derive(Clone)]
pub struct Apis {
    pub storage: Arc<Storage>,
    pub tenancy: Tenancy,
    pub schemas: Arc<schema::SchemaCache>,
    /// The clusters each export's resources are served in (kept by the APIBinding controller;
    /// a binding being deleted counts until it is gone): the endpoint slices and the virtual
    /// workspace read it.
    pub consumers: Arc<std::sync::RwLock<ClusterIndex<ExportKey>>>,
    /// Told of every export whose consumers went from none to some or back.
    pub consumers_flipped: tokio::sync::broadcast::Sender<ExportKey>,
    /// The revisions each Bound binding's status was computed from, by (cluster, name): while
    /// neither the binding nor its export changes (and no CRD of its cluster), the APIBinding
    /// controller does not compute it again. The workspace initializer records the default
    /// bindings it creates bound.
    pub computed: Arc<ComputedStatuses>,
    /// Each workspace's accepted permission claims (kept by the APIBinding controller; read
    /// by admission to label claimed objects).
    pub claims: Arc<claims::Claims>,
}

/// Per cluster, per binding: the revisions its status was computed from.
#[derive(Debug, Default)]
pub struct ComputedStatuses {
    by_cluster: std::sync::Mutex<
        std::collections::HashMap<String, std::collections::HashMap<String, Computed>>,
    >,
}

impl ComputedStatuses {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, std::collections::HashMap<String, Computed>>,
    > {
        self.by_cluster.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, cluster: &str, name: &str) -> Option<Computed> {
        self.lock().get(cluster)?.get(name).copied()
    }

    pub fn insert(&self, cluster: &str, name: &str, c: Computed) {
        self.lock()
            .entry(cluster.to_string())
            .or_default()
            .insert(name.to_string(), c);
    }

    /// Forgets the cluster's bindings (all are computed again).
    pub fn forget(&self, cluster: &str) {
        self.lock().remove(cluster);
    }

    /// Keeps only the cluster's bindings that still exist.
    pub fn retain(&self, cluster: &str, exists: impl Fn(&str) -> bool) {
        let mut all = self.lock();
        if let Some(c) = all.get_mut(cluster) {
            c.retain(|n, _| exists(n));
            if c.is_empty() {
                all.remove(cluster);
            }
        }
    }
}

/// The binding's and its export's revisions a status was computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Computed {
    pub binding: i64,
    pub export: i64,
}

impl Apis {
    pub fn new(storage: Arc<Storage>, tenancy: Tenancy) -> Self {
        Self {
            storage,
            tenancy,
            schemas: Default::default(),
            consumers: Default::default(),
            consumers_flipped: tokio::sync::broadcast::channel(1024).0,
            computed: Default::default(),
            claims: Default::default(),
        }
    }

    /// The logical cluster `path` names: a canonical path (`root:org:team`) or a cluster name.
    pub async fn cluster_of(&self, path: &str) -> Option<String> {
        self.tenancy.cluster_of_path(&self.storage, path).await
    }

    /// The export `name` in the workspace `path`, with its logical cluster.
    pub async fn export(&self, path: &str, name: &str) -> Option<(String, APIExport)> {
        let cluster = self.cluster_of(path).await?;
        let export = self.export_in(&cluster, name).await?;
        Some((cluster, export))
    }

    /// The export `name` in the logical cluster `cluster`.
    pub async fn export_in(&self, cluster: &str, name: &str) -> Option<APIExport> {
        self.storage
            .get_cached(&key(APIEXPORTS, cluster, name))
            .await?
            .read()
    }

    /// The schema `name` in the logical cluster `cluster`, compiled (once per UID).
    pub async fn schema(&self, cluster: &str, name: &str) -> Option<Arc<schema::BoundSchema>> {
        let cached = self
            .storage
            .get_cached(&key(APIRESOURCESCHEMAS, cluster, name))
            .await?;
        self.schemas.get(&cached)
    }

    /// The revision of the export a binding binds (0 when it is not resolved yet).
    pub async fn export_revision(&self, binding: &APIBinding) -> i64 {
        let Some(export) = &binding.spec.reference.export else {
            return 0;
        };
        let cluster = &binding.status.api_export_cluster_name;
        if cluster.is_empty() {
            return 0;
        }
        self.storage
            .get_cached(&key(APIEXPORTS, cluster, &export.name))
            .await
            .map_or(0, |e| e.mod_revision)
    }

    /// Records that `binding`'s status, at revision `binding_rev`, is computed.
    pub async fn record_computed(&self, cluster: &str, binding: &APIBinding, binding_rev: i64) {
        let export = self.export_revision(binding).await;
        let name = binding.metadata.name.clone().unwrap_or_default();
        self.computed.insert(
            cluster,
            &name,
            Computed {
                binding: binding_rev,
                export,
            },
        );
    }

    /// The bindings of a cluster, each decoded into what the caller's type names (serde skips
    /// the rest: the reads on every request need a few fields of each, not whole bindings).
    pub async fn bindings<T: serde::de::DeserializeOwned>(&self, cluster: &str) -> Vec<T> {
        let page = self
            .storage
            .list_cached(&prefix(APIBINDINGS, Some(cluster)), None, 0, &|_| true)
            .await;
        page.items.iter().filter_map(|o| o.read()).collect()
    }

    /// Whether the export (`cluster`, `name`) is served in any workspace (root's exports are
    /// served in every one: no copy of the set is made).
    pub fn has_consumers(&self, cluster: &str, name: &str) -> bool {
        self.consumers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .has_any(&(cluster.to_string(), name.to_string()))
    }

    /// The CRDs of a cluster.
    pub async fn crds(&self, cluster: &str) -> Vec<Value> {
        let prefix = keys::cluster_prefix(
            crate::controllers::crd::GROUP,
            crate::controllers::crd::RESOURCE,
            &KeySpace::BuiltIn,
            cluster,
            None,
        );
        let page = self.storage.list_cached(&prefix, None, 0, &|_| true).await;
        page.items
            .iter()
            .filter_map(|o| o.shared_value().cloned())
            .collect()
    }
}

/// Which logical clusters refer to what: each cluster registers its keys (replacing what it
/// registered before), and a key gives the clusters that registered it.
#[derive(Debug)]
pub struct ClusterIndex<K> {
    by_key: std::collections::BTreeMap<K, std::collections::BTreeSet<String>>,
    by_cluster: std::collections::BTreeMap<String, Vec<K>>,
}

impl<K> Default for ClusterIndex<K> {
    fn default() -> Self {
        Self {
            by_key: Default::default(),
            by_cluster: Default::default(),
        }
    }
}

impl<K: Ord + Clone> ClusterIndex<K> {
    /// Replaces what `cluster` registered with `keys`; returns the keys that went from no
    /// cluster to some, or from some to none.
    pub fn set(&mut self, cluster: &str, keys: Vec<K>) -> Vec<K> {
        let mut flipped = Vec::new();
        for old in self.by_cluster.remove(cluster).unwrap_or_default() {
            if let Some(set) = self.by_key.get_mut(&old) {
                set.remove(cluster);
                if set.is_empty() {
                    self.by_key.remove(&old);
                    flipped.push(old);
                }
            }
        }
        for k in &keys {
            let set = self.by_key.entry(k.clone()).or_default();
            if set.is_empty() {
                // Gone and back in one call: no change.
                match flipped.iter().position(|f| f == k) {
                    Some(i) => {
                        flipped.remove(i);
                    }
                    None => flipped.push(k.clone()),
                }
            }
            set.insert(cluster.to_string());
        }
        if !keys.is_empty() {
            self.by_cluster.insert(cluster.to_string(), keys);
        }
        flipped
    }

    /// The clusters that registered `key`.
    pub fn clusters(&self, key: &K) -> std::collections::BTreeSet<String> {
        self.by_key.get(key).cloned().unwrap_or_default()
    }

    /// Whether any cluster registered `key`.
    pub fn has_any(&self, key: &K) -> bool {
        self.by_key.get(key).is_some_and(|s| !s.is_empty())
    }

    /// Whether `cluster` registered `key`.
    pub fn contains(&self, key: &K, cluster: &str) -> bool {
        self.by_key.get(key).is_some_and(|s| s.contains(cluster))
    }
}

/// An export: its logical cluster and name.
pub type ExportKey = (String, String);
