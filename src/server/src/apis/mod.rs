//! APIs as a service (`reference/kcp.md` §3.7–§3.9, §4.9, §4.10): a provider snapshots a CRD
//! into an APIResourceSchema, exports it with an APIExport, and a consumer binds it into its
//! workspace with an APIBinding. This module is what the APIBinding controller, the workspace
//! initializer (default bindings), admission and the authorizer share:
//!
//! - [`Apis`]: finding exports by path, schemas and bindings in the watch cache;
//! - [`schema`]: the catalog entries a bound schema serves, compiled once per schema;
//! - [`binding`]: what binding an export means — the status an APIBinding should have and the
//!   resources it serves — as one function, so that a binding is written once, already Bound.
//!
//! Newcomers should start with [`binding::bind`].

pub mod binding;
pub mod schema;

use std::sync::Arc;

use serde_json::Value;

use crate::storage::keys::{self, KeySpace};
use crate::storage::{CachedObject, Storage};
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
}

impl Apis {
    pub fn new(storage: Arc<Storage>, tenancy: Tenancy) -> Self {
        Self {
            storage,
            tenancy,
            schemas: Default::default(),
            consumers: Default::default(),
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
        decode(
            &*self
                .storage
                .get_cached(&key(APIEXPORTS, cluster, name))
                .await?,
        )
    }

    /// The schema `name` in the logical cluster `cluster`, compiled (once per UID).
    pub async fn schema(&self, cluster: &str, name: &str) -> Option<Arc<schema::BoundSchema>> {
        let cached = self
            .storage
            .get_cached(&key(APIRESOURCESCHEMAS, cluster, name))
            .await?;
        self.schemas.get(&cached)
    }

    /// The bindings of a cluster.
    pub async fn bindings(&self, cluster: &str) -> Vec<APIBinding> {
        let page = self
            .storage
            .list_cached(&prefix(APIBINDINGS, Some(cluster)), None, 0, &|_| true)
            .await;
        page.items.iter().filter_map(|o| decode(o)).collect()
    }

    /// The clusters the export (`cluster`, `name`) is served in.
    pub fn consumers_of(&self, cluster: &str, name: &str) -> std::collections::BTreeSet<String> {
        self.consumers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clusters(&(cluster.to_string(), name.to_string()))
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
    /// Replaces what `cluster` registered with `keys`.
    pub fn set(&mut self, cluster: &str, keys: Vec<K>) {
        for old in self.by_cluster.remove(cluster).unwrap_or_default() {
            if let Some(set) = self.by_key.get_mut(&old) {
                set.remove(cluster);
                if set.is_empty() {
                    self.by_key.remove(&old);
                }
            }
        }
        for k in &keys {
            self.by_key
                .entry(k.clone())
                .or_default()
                .insert(cluster.to_string());
        }
        if !keys.is_empty() {
            self.by_cluster.insert(cluster.to_string(), keys);
        }
    }

    /// The clusters that registered `key`.
    pub fn clusters(&self, key: &K) -> std::collections::BTreeSet<String> {
        self.by_key.get(key).cloned().unwrap_or_default()
    }

    /// Whether `cluster` registered `key`.
    pub fn contains(&self, key: &K, cluster: &str) -> bool {
        self.by_key.get(key).is_some_and(|s| s.contains(cluster))
    }
}

/// An export: its logical cluster and name.
pub type ExportKey = (String, String);

/// A cached object as a typed `apis.kcp.io` object, decoded from its bytes (not kept: a
/// decoded copy held for every binding would cost more than the binding).
pub fn decode<T: serde::de::DeserializeOwned>(obj: &CachedObject) -> Option<T> {
    serde_json::from_slice(&obj.json).ok()
}
