//! Workspace types and logical clusters as the admission and the controllers read them
//! (`reference/kcp.md` §3.2, §4.2–§4.3): where the tenancy objects live, a WorkspaceType by
//! reference, the types a type implements through `extend.with`, and the initializers of a new
//! workspace. Reads come from the watch cache.

use serde_json::Value;

use crate::catalog::Catalog;
use crate::storage::keys::{self, KeySpace};
use crate::storage::{CachedObject, Storage};
use kcp_api::keys::{CORE_GROUP, TENANCY_GROUP};

/// The `system:apibindings` initializer: binds a new workspace to its types' default APIs.
pub const APIBINDINGS_INITIALIZER: &str = "system:apibindings";

/// A reference to a WorkspaceType: `<path>:<name>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeRef {
    pub path: String,
    pub name: String,
}

impl TypeRef {
    /// `spec.type`-shaped JSON (`{name, path}`).
    pub fn from_json(v: &Value) -> Option<Self> {
        let name = v["name"].as_str().filter(|n| !n.is_empty())?;
        Some(Self {
            name: name.to_string(),
            path: v["path"].as_str().unwrap_or_default().to_string(),
        })
    }

    /// `<path>:<name>`, as in the `internal.tenancy.kcp.io/type` annotation.
    pub fn parse(s: &str) -> Option<Self> {
        let (path, name) = s.rsplit_once(':')?;
        Some(Self {
            path: path.to_string(),
            name: name.to_string(),
        })
    }

    pub fn to_json(&self) -> Value {
        serde_json::json!({"name": self.name, "path": self.path})
    }
}

impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.name)
    }
}

/// The one field of a Workspace that routing reads: its logical cluster.
#[derive(serde::Deserialize)]
struct Scheduled {
    spec: ScheduledSpec,
}

#[derive(serde::Deserialize)]
struct ScheduledSpec {
    cluster: Option<String>,
}

/// Where the tenancy objects are stored: the workspaces and types under root's
/// `tenancy.kcp.io` identity.
#[derive(Clone, Debug)]
pub struct Tenancy {
    space: KeySpace,
}

impl Tenancy {
    /// The tenancy objects of a catalog that serves them (else of the local-CRD key space).
    pub fn new(catalog: &Catalog) -> Self {
        let space = catalog
            .lookup(TENANCY_GROUP, "v1alpha1", "workspaces")
            .map(|d| d.space.clone())
            .unwrap_or(KeySpace::CustomResource);
        Self { space }
    }

    pub fn workspace_key(&self, cluster: &str, name: &str) -> String {
        keys::object_key(
            TENANCY_GROUP,
            "workspaces",
            &self.space,
            cluster,
            None,
            name,
        )
    }

    pub fn workspace_prefix(&self) -> String {
        keys::resource_prefix(TENANCY_GROUP, "workspaces", &self.space)
    }

    fn type_key(&self, cluster: &str, name: &str) -> String {
        keys::object_key(
            TENANCY_GROUP,
            "workspacetypes",
            &self.space,
            cluster,
            None,
            name,
        )
    }

    /// The logical cluster a canonical path designates (`root:org:team`), walking the
    /// workspaces from the path's first segment.
    pub async fn cluster_of_path(&self, storage: &Storage, path: &str) -> Option<String> {
        let mut segments = path.split(':');
        let mut cluster = segments.next()?.to_string();
        for segment in segments {
            let ws = storage
                .get_cached(&self.workspace_key(&cluster, segment))
                .await?;
            cluster = ws
                .read::<Scheduled>()?
                .spec
                .cluster
                .filter(|c| !c.is_empty())?;
        }
        Some(cluster)
    }

    /// The WorkspaceType a reference names.
    pub async fn workspace_type(
        &self,
        storage: &Storage,
        r: &TypeRef,
    ) -> Option<std::sync::Arc<CachedObject>> {
        let cluster = self.cluster_of_path(storage, &r.path).await?;
        storage.get_cached(&self.type_key(&cluster, &r.name)).await
    }

    /// Resolves a type name without a path as kcp does: the first workspace on the way from
    /// `from` (a canonical path) up to root that has a type of that name; root last.
    pub async fn resolve_type_path(&self, storage: &Storage, from: &str, name: &str) -> String {
        let mut path = from.to_string();
        loop {
            let r = TypeRef {
                path: path.clone(),
                name: name.to_string(),
            };
            if self.workspace_type(storage, &r).await.is_some() {
                return path;
            }
            match path.rsplit_once(':') {
                Some((parent, _)) => path = parent.to_string(),
                None => return kcp_api::ROOT_CLUSTER.to_string(),
            }
        }
    }

    /// A type and every type it extends, transitively, each once, the type first. `None` when a
    /// type of the chain is missing.
    pub async fn type_chain(
        &self,
        storage: &Storage,
        r: &TypeRef,
    ) -> Option<Vec<(TypeRef, std::sync::Arc<CachedObject>)>> {
        let mut out: Vec<(TypeRef, std::sync::Arc<CachedObject>)> = Vec::new();
        let mut todo = vec![r.clone()];
        while let Some(next) = todo.pop() {
            if out.iter().any(|(seen, _)| *seen == next) {
                continue;
            }
            let t = self.workspace_type(storage, &next).await?;
            if let Some(spec) = t.shared_value() {
                for ext in spec["spec"]["extend"]["with"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    if let Some(e) = TypeRef::from_json(ext) {
                        todo.push(e);
                    }
                }
            }
            out.push((next, t));
        }
        Some(out)
    }

    /// The initializers a workspace of this type chain starts with: `<path>:<name>` of each type
    /// with `initializer: true`, and `system:apibindings` when any has default APIBindings.
    pub fn initializers(chain: &[(TypeRef, std::sync::Arc<CachedObject>)]) -> Vec<String> {
        let mut out = Vec::new();
        let mut bindings = false;
        for (r, t) in chain {
            let Some(t) = t.shared_value() else { continue };
            if t["spec"]["initializer"] == true {
                out.push(r.to_string());
            }
            bindings |= t["spec"]["defaultAPIBindings"]
                .as_array()
                .is_some_and(|b| !b.is_empty());
        }
        if bindings {
            out.push(APIBINDINGS_INITIALIZER.to_string());
        }
        out
    }
}

/// The key of the LogicalCluster object of cluster `name`.
pub fn logical_cluster_key(name: &str) -> String {
    keys::object_key(
        CORE_GROUP,
        "logicalclusters",
        &KeySpace::CustomResource,
        name,
        None,
        kcp_api::keys::LOGICAL_CLUSTER_OBJECT_NAME,
    )
}
