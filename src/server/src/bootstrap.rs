//! Bootstrap: what exists in a fresh server before anyone writes (`reference/kcp.md` §1.6):
//! the root logical cluster's `default` namespace, and the bootstrap policy in `system:admin`
//! (the `cluster-admin` ClusterRole and the binding that makes `system:kcp:admin` an admin of
//! every logical cluster). Objects are created once; existing ones are left alone.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::errors::ApiResult;
use crate::registry::rest::{self, Scope};
use crate::storage::Storage;

fn ensure_blocking(
    storage: &Arc<Storage>,
    catalog: &Catalog,
) -> Vec<(String, &'static str, &'static str, &'static str, Value)> {
    let _ = (storage, catalog);
    vec![
        (
            "root".into(),
            "",
            "namespaces",
            "default",
            json!({"metadata": {"name": "default"}}),
        ),
        (
            "system:admin".into(),
            "",
            "namespaces",
            "default",
            json!({"metadata": {"name": "default"}}),
        ),
        (
            "system:admin".into(),
            "rbac.authorization.k8s.io",
            "clusterroles",
            "cluster-admin",
            json!({
                "metadata": {"name": "cluster-admin", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                    "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
                "rules": [
                    {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                    {"nonResourceURLs": ["*"], "verbs": ["*"]},
                ],
            }),
        ),
        (
            "system:admin".into(),
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            "system:kcp:admin:cluster-admin",
            json!({
                "metadata": {"name": "system:kcp:admin:cluster-admin"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:kcp:admin"}],
            }),
        ),
    ]
}

/// Creates the bootstrap objects that are missing.
pub async fn run(storage: &Arc<Storage>, catalog: &Catalog) -> ApiResult<()> {
    for (cluster, group, resource, name, obj) in ensure_blocking(storage, catalog) {
        let Some(def) = catalog
            .resources()
            .iter()
            .find(|r| r.group == group && r.resource == resource)
        else {
            continue;
        };
        let scope = Scope {
            cluster: &cluster,
            def,
            namespace: None,
            name,
            subresource: "",
            dry_run: false,
        };
        if storage.get(&scope.key(name)).await?.is_some() {
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
