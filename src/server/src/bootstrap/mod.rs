//! Bootstrap: what exists in a fresh server before anyone writes. Under the kcp profile
//! (`reference/kcp.md` §1.6): the root logical cluster's `default` namespace and the bootstrap
//! policy in `system:admin` (the `cluster-admin` ClusterRole and the binding that makes
//! `system:kcp:admin` an admin of every logical cluster). Under the kube profile: what a fresh
//! kind cluster has (its four namespaces, the `kubernetes` Service, the default cluster roles,
//! `default` service accounts). Objects are created once; existing ones are left alone.

use std::sync::Arc;

use serde_json::{Value, json};

mod root;

pub use root::export_identities;

use crate::catalog::{Catalog, ExportIdentities};
use crate::errors::{ApiError, ApiResult};
use crate::options::Profile;
use crate::registry::rest::{self, Scope};
use crate::routing::KUBE_CLUSTER;
use crate::storage::Storage;

/// One object to seed: (cluster, group, resource, namespace, object).
type Seed = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Value,
);

const RBAC: &str = "rbac.authorization.k8s.io";

fn namespace(cluster: &'static str, name: &str) -> Seed {
    (
        cluster,
        "",
        "namespaces",
        None,
        json!({"metadata": {"name": name}}),
    )
}

fn cluster_role(cluster: &'static str, name: &str, rules: Value) -> Seed {
    (
        cluster,
        RBAC,
        "clusterroles",
        None,
        json!({
            "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
            "rules": rules,
        }),
    )
}

fn cluster_role_binding(cluster: &'static str, name: &str, role: &str, group: &str) -> Seed {
    (
        cluster,
        RBAC,
        "clusterrolebindings",
        None,
        json!({
            "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": RBAC, "kind": "Group", "name": group}],
        }),
    )
}

fn cluster_admin_rules() -> Value {
    json!([
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]},
    ])
}

fn seeds(profile: Profile) -> Vec<Seed> {
    match profile {
        Profile::Kcp => vec![
            namespace("system:admin", "default"),
            cluster_role("system:admin", "cluster-admin", cluster_admin_rules()),
            cluster_role_binding(
                "system:admin",
                "system:kcp:admin:cluster-admin",
                "cluster-admin",
                "system:kcp:admin",
            ),
        ],
        Profile::Kube => {
            let c = KUBE_CLUSTER;
            let mut v = vec![
                namespace(c, "default"),
                namespace(c, "kube-system"),
                namespace(c, "kube-public"),
                namespace(c, "kube-node-lease"),
                cluster_role(c, "cluster-admin", cluster_admin_rules()),
                cluster_role_binding(c, "cluster-admin", "cluster-admin", "system:masters"),
                cluster_role(
                    c,
                    "admin",
                    json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
                ),
                cluster_role(
                    c,
                    "edit",
                    json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]}]),
                ),
                cluster_role(
                    c,
                    "view",
                    json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]}]),
                ),
                cluster_role(
                    c,
                    "system:discovery",
                    json!([{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], "verbs": ["get"]}]),
                ),
                cluster_role_binding(
                    c,
                    "system:discovery",
                    "system:discovery",
                    "system:authenticated",
                ),
                cluster_role(
                    c,
                    "system:basic-user",
                    json!([
                        {"apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]},
                        {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]},
                    ]),
                ),
                cluster_role_binding(
                    c,
                    "system:basic-user",
                    "system:basic-user",
                    "system:authenticated",
                ),
                (
                    c,
                    "",
                    "services",
                    Some("default"),
                    json!({
                        "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
                        "spec": {
                            "type": "ClusterIP",
                            "clusterIP": "10.96.0.1",
                            "clusterIPs": ["10.96.0.1"],
                            "ipFamilies": ["IPv4"],
                            "ipFamilyPolicy": "SingleStack",
                            "internalTrafficPolicy": "Cluster",
                            "sessionAffinity": "None",
                            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                        },
                    }),
                ),
            ];
            // kube computes component statuses; a cluster without those components reports
            // them healthy, as kind does.
            for name in ["controller-manager", "etcd-0", "scheduler"] {
                v.push((
                    c,
                    "",
                    "componentstatuses",
                    None,
                    json!({
                        "metadata": {"name": name},
                        "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}],
                    }),
                ));
            }
            for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
                v.push((
                    c,
                    "",
                    "serviceaccounts",
                    Some(ns),
                    json!({"metadata": {"name": "default"}}),
                ));
            }
            v
        }
    }
}

/// Creates the bootstrap objects that are missing, from `catalog` (root's, which has every
/// kind a seed may be), and brings the Shard's URLs up to date with `shard` (the flags of this
/// start).
pub async fn run(
    storage: &Arc<Storage>,
    catalog: &Catalog,
    profile: Profile,
    identities: &ExportIdentities,
    shard: &crate::options::ShardUrls,
) -> ApiResult<()> {
    let mut all = seeds(profile);
    if profile == Profile::Kcp {
        all.extend(root::seeds(identities, shard));
    }
    for (cluster, group, resource, ns, obj) in all {
        let wanted_spec = (resource == "shards").then(|| obj["spec"].clone());
        let stored = ensure(storage, catalog, cluster, group, resource, ns, obj).await?;
        if let Some(spec) = wanted_spec
            && stored["spec"] != spec
        {
            update_spec(storage, catalog, cluster, group, resource, stored, spec).await?;
        }
    }
    Ok(())
}

/// Replaces the spec of a bootstrap object written by an earlier start.
async fn update_spec(
    storage: &Storage,
    catalog: &Catalog,
    cluster: &str,
    group: &str,
    resource: &str,
    mut stored: Value,
    spec: Value,
) -> ApiResult<()> {
    let def = catalog
        .resources()
        .iter()
        .find(|r| r.group == group && r.resource == resource)
        .ok_or_else(|| ApiError::internal(format!("bootstrap: no resource {resource}.{group}")))?;
    let name = stored["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    stored["spec"] = spec;
    let scope = Scope {
        cluster,
        def,
        namespace: None,
        name: &name,
        subresource: "",
        dry_run: false,
        manager: "kcp",
    };
    rest::update(storage, &scope, stored).await.map(|_| ())
}

/// Creates one object unless it exists (a seed's `status` is written right after creating it:
/// a create ignores the status of a resource with a status subresource). Returns the object
/// as stored.
pub async fn ensure(
    storage: &Storage,
    catalog: &Catalog,
    cluster: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    mut obj: Value,
) -> ApiResult<Value> {
    // The version the seed is written in, else the first one served.
    let version = obj["apiVersion"]
        .as_str()
        .map(|v| v.rsplit('/').next().unwrap_or(v).to_string());
    let def = catalog
        .resources()
        .iter()
        .find(|r| {
            r.group == group
                && r.resource == resource
                && version.as_deref().is_none_or(|v| v == r.version)
        })
        .ok_or_else(|| ApiError::internal(format!("bootstrap: no resource {resource}.{group}")))?;
    let name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut scope = Scope {
        cluster,
        def,
        namespace,
        name: &name,
        subresource: "",
        dry_run: false,
        manager: "kcp",
    };
    if let Some(existing) = storage.get(&scope.key(&name)).await? {
        return existing.value();
    }
    let status = obj.as_object_mut().and_then(|o| o.remove("status"));
    let obj = crate::registry::handler::decode_in_process(def, obj)?;
    let created = match rest::create(storage, &scope, obj).await {
        Ok(w) => w.object,
        Err(e) if e.code == 409 => {
            return storage
                .get(&scope.key(&name))
                .await?
                .ok_or_else(|| ApiError::internal(format!("bootstrap: {name} vanished")))?
                .value();
        }
        Err(e) => return Err(e),
    };
    match status {
        Some(status) if def.has_subresource("status") => {
            let mut with_status = created;
            with_status["status"] = status;
            scope.subresource = "status";
            Ok(rest::update(storage, &scope, with_status).await?.object)
        }
        _ => Ok(created),
    }
}
