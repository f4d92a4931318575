//! Bootstrap: what exists in a fresh server before anyone writes. Under the kcp profile
//! (`reference/kcp.md` §1.6): the root logical cluster's `default` namespace and the bootstrap
//! policy in `system:admin` (the `cluster-admin` ClusterRole and the binding that makes
//! `system:kcp:admin` an admin of every logical cluster). Under the kube profile: what a fresh
//! kind cluster has (its four namespaces, the `kubernetes` Service, the default cluster roles,
//! `default` service accounts). Objects are created once; existing ones are left alone.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::errors::ApiResult;
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
            namespace("root", "default"),
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

/// Creates the bootstrap objects that are missing.
pub async fn run(storage: &Arc<Storage>, catalog: &Catalog, profile: Profile) -> ApiResult<()> {
    for (cluster, group, resource, ns, obj) in seeds(profile) {
        let Some(def) = catalog
            .resources()
            .iter()
            .find(|r| r.group == group && r.resource == resource)
        else {
            continue;
        };
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let scope = Scope {
            cluster,
            def,
            namespace: ns,
            name: &name,
            subresource: "",
            dry_run: false,
            manager: "kcp",
        };
        if storage.get(&scope.key(&name)).await?.is_some() {
            continue;
        }
        match rest::create(storage, &scope, obj).await {
            Ok(_) => {}
            Err(e) if e.code == 409 => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
