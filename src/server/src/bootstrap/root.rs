//! The kcp root workspace (`reference/kcp.md` §1.6, §3.2, §4.8): the identities of root's
//! exports, the root LogicalCluster, the default WorkspaceTypes, the root Shard, the exports and
//! root's bindings of `tenancy.kcp.io`, `topology.kcp.io` and `shards.core.kcp.io`, and the RBAC
//! that lets every authenticated user into root and lets them use the default types, and the
//! maximal permission policy of `tenancy.kcp.io`.

use base64::Engine;
use serde_json::{Value, json};

use super::{Seed, cluster_role, cluster_role_binding, namespace};
use crate::catalog::{Catalog, ExportIdentities};
use crate::errors::{ApiError, ApiResult};
use crate::registry::object::condition;
use crate::storage::Storage;
use kcp_api::keys::{
    KCP_SYSTEM_NAMESPACE, LOGICAL_CLUSTER_TYPE_ANNOTATION, ROOT_SHARD, SHARDS_EXPORT,
    TENANCY_GROUP, TOPOLOGY_GROUP,
};
use kcp_api::{PATH_ANNOTATION, ROOT_CLUSTER};

const ROOT: &str = ROOT_CLUSTER;
const SYSTEM_ADMIN: &str = crate::authz::BOOTSTRAP_CLUSTER;
const TENANCY: &str = TENANCY_GROUP;
const CORE: &str = kcp_api::keys::CORE_GROUP;
const APIS: &str = kcp_api::keys::APIS_GROUP;

/// The exports of root whose identities decide where their objects are stored.
const EXPORTS: [&str; 3] = [TENANCY_GROUP, TOPOLOGY_GROUP, SHARDS_EXPORT];

/// Reads, or on the first start creates, the identity Secrets of root's exports
/// (`kcp-system/<export>` in root, a random `key`), and returns their identity hashes.
pub async fn export_identities(
    storage: &Storage,
    builtin: &Catalog,
) -> ApiResult<ExportIdentities> {
    let (ns_cluster, _, _, _, ns) = namespace(ROOT, KCP_SYSTEM_NAMESPACE);
    super::ensure(storage, builtin, ns_cluster, "", "namespaces", None, ns).await?;
    let mut hashes = Vec::new();
    for export in EXPORTS {
        let key: [u8; 32] = rand::random();
        let secret = json!({
            "metadata": {"name": export},
            "type": "Opaque",
            "data": {kcp_api::keys::IDENTITY_SECRET_KEY: base64::engine::general_purpose::STANDARD.encode(
                kcp_api::hash::hex(&key))},
        });
        let stored = super::ensure(
            storage,
            builtin,
            ROOT,
            "",
            "secrets",
            Some(KCP_SYSTEM_NAMESPACE),
            secret,
        )
        .await?;
        let key = stored["data"][kcp_api::keys::IDENTITY_SECRET_KEY]
            .as_str()
            .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok())
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "the identity secret {KCP_SYSTEM_NAMESPACE}/{export} in root has no key"
                ))
            })?;
        hashes.push(kcp_api::names::identity_hash(&key));
    }
    let [tenancy, topology, shards] = <[String; 3]>::try_from(hashes)
        .map_err(|_| ApiError::internal("three export identities"))?;
    Ok(ExportIdentities {
        tenancy,
        topology,
        shards,
    })
}

fn type_ref(name: &str) -> Value {
    json!({"name": name, "path": ROOT})
}

fn workspace_type(name: &str, spec: Value) -> Seed {
    (
        ROOT,
        TENANCY,
        "workspacetypes",
        None,
        json!({
            "metadata": {"name": name, "annotations": {PATH_ANNOTATION: ROOT}},
            "spec": spec,
            "status": {"conditions": [ready_condition()]},
        }),
    )
}

fn ready_condition() -> Value {
    condition("Ready", true, "", "")
}

/// The APIResourceSchemas of root's exports, from kcp's own CRDs (`kcp_api::crds`), named
/// `v<hash>.<plural>.<group>` as kcp names its root schemas (`v<date>-<hash>`): the prefix is
/// a digest of the schema, so a changed schema is a new one. `(export, schema)`.
fn root_schemas() -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for crd in kcp_api::crds::all() {
        let group = crd["spec"]["group"].as_str().unwrap_or_default();
        let plural = crd["spec"]["names"]["plural"].as_str().unwrap_or_default();
        let export = match (group, plural) {
            (TENANCY_GROUP, _) => TENANCY_GROUP,
            (TOPOLOGY_GROUP, _) => TOPOLOGY_GROUP,
            (kcp_api::keys::CORE_GROUP, "shards") => SHARDS_EXPORT,
            _ => continue,
        };
        let digest = kcp_api::hash::hex_sha256(crd["spec"].to_string().as_bytes());
        let prefix = format!("v{}", &digest[..9]);
        if let Ok(schema) = kcp_api::apis::snapshot::schema_from_crd(&crd, &prefix) {
            out.push((export, schema));
        }
    }
    out
}

/// The APIExport of one of root's APIs, with its identity and its schemas; `tenancy.kcp.io`
/// has a maximal permission policy (root's RBAC for `apis.kcp.io:binding:` subjects).
fn export(name: &str, identity: &str, schemas: &[(&str, Value)]) -> Seed {
    let resources: Vec<Value> = schemas
        .iter()
        .filter(|(e, _)| *e == name)
        .map(|(_, s)| {
            json!({
                "group": s["spec"]["group"],
                "name": s["spec"]["names"]["plural"],
                "schema": s["metadata"]["name"],
                "storage": {"crd": {}},
            })
        })
        .collect();
    let mut spec = json!({
        "resources": resources,
        "identity": {"secretRef": {"namespace": KCP_SYSTEM_NAMESPACE, "name": name}},
    });
    if name == TENANCY_GROUP {
        spec["maximalPermissionPolicy"] = json!({"local": {}});
    }
    (
        ROOT,
        APIS,
        "apiexports",
        None,
        json!({
            "apiVersion": "apis.kcp.io/v1alpha2",
            "kind": "APIExport",
            "metadata": {"name": name, "annotations": {PATH_ANNOTATION: ROOT}},
            "spec": spec,
            "status": {"identityHash": identity, "conditions": [
                condition("IdentityValid", true, "", ""),
            ]},
        }),
    )
}

/// Root's binding of one of its own exports (named like the export, as kcp names them); the
/// APIBinding controller gives it its status.
fn root_binding(name: &str) -> Seed {
    (
        ROOT,
        APIS,
        "apibindings",
        None,
        json!({
            "apiVersion": "apis.kcp.io/v1alpha2",
            "kind": "APIBinding",
            "metadata": {
                "name": name,
                "labels": {crate::apis::EXPORT_LABEL: kcp_api::names::apibinding_export_label_value(ROOT, name)},
                "annotations": {PATH_ANNOTATION: ROOT},
                "finalizers": [crate::apis::BINDING_FINALIZER],
            },
            "spec": {"reference": {"export": {"path": ROOT, "name": name}}},
        }),
    )
}

/// The RBAC of an export's maximal permission policy: what `apis.kcp.io:binding:<group>` may
/// do with the export's resources in any workspace that binds them.
fn policy(role: &str, binding: &str, group: &str, rules: Value) -> [Seed; 2] {
    [
        cluster_role(ROOT, role, rules),
        cluster_role_binding(
            ROOT,
            binding,
            role,
            &format!("{}{group}", crate::apis::POLICY_PREFIX),
        ),
    ]
}

/// The objects of the root workspace and of the bootstrap policy it relies on.
pub fn seeds(ids: &ExportIdentities, shard: &crate::options::ShardUrls) -> Vec<Seed> {
    let shard_url = &shard.external;
    let universal = type_ref("universal");
    let schemas = root_schemas();
    let mut seeds: Vec<Seed> = schemas
        .iter()
        .map(|(_, s)| (ROOT, APIS, "apiresourceschemas", None, s.clone()))
        .collect();
    seeds.extend(policy(
        "system:kcp:apiexport:tenancy:maximal-permission-policy",
        "system:kcp:authenticated:apiexport:tenancy:maximal-permission-policy",
        "system:authenticated",
        json!([
            {"apiGroups": [TENANCY], "verbs": ["*"], "resources": ["workspaces", "workspaceauthenticationconfigurations", "workspacetypes"]},
            {"apiGroups": [TENANCY], "verbs": ["list", "watch", "get"], "resources": ["workspaces/status", "workspacetypes/status"]},
        ]),
    ));
    seeds.extend(policy(
        "system:kcp:apiexport:kcp-admin:maximal-permission-policy",
        "system:kcp:authenticated:apiexport:kcp-admin:maximal-permission-policy",
        "system:kcp:admin",
        json!([{"apiGroups": [TENANCY], "verbs": ["*"], "resources": ["*"]}]),
    ));
    seeds.extend(policy(
        "system:kcp:apiexport:topology:maximal-permission-policy",
        "system:kcp:authenticated:apiexport:topology:maximal-permission-policy",
        "system:authenticated",
        json!([{"apiGroups": [TOPOLOGY_GROUP], "verbs": ["*"], "resources": ["partitions", "partitionsets"]}]),
    ));
    seeds.extend([
        // The bootstrap policy (`system:admin`) every logical cluster's RBAC is merged with.
        cluster_role(
            SYSTEM_ADMIN,
            "system:kcp:workspace:access",
            json!([{"nonResourceURLs": ["/"], "verbs": ["access"]}]),
        ),
        cluster_role(
            SYSTEM_ADMIN,
            "system:kcp:tenancy:reader",
            json!([{"apiGroups": [TENANCY, CORE], "resources": ["workspaces", "workspacetypes", "logicalclusters"], "verbs": ["get", "list", "watch"]}]),
        ),
        namespace(ROOT, "default"),
        (
            ROOT,
            CORE,
            "logicalclusters",
            None,
            json!({
                "metadata": {
                    "name": kcp_api::keys::LOGICAL_CLUSTER_OBJECT_NAME,
                    "annotations": {
                        LOGICAL_CLUSTER_TYPE_ANNOTATION: "root:root",
                        PATH_ANNOTATION: ROOT,
                        kcp_api::keys::WORKSPACE_OWNER_ANNOTATION: r#"{"username":"system:kcp-bootstrapper"}"#,
                    },
                },
                "spec": {},
                "status": {
                    "phase": "Ready",
                    "URL": format!("{shard_url}/clusters/{ROOT}"),
                    "conditions": [condition("WorkspaceInitialized", true, "", "")],
                },
            }),
        ),
        (
            ROOT,
            CORE,
            "shards",
            None,
            json!({
                "metadata": {"name": ROOT_SHARD, "labels": {"name": ROOT_SHARD}},
                "spec": {"baseURL": shard.base, "externalURL": shard.external,
                         "virtualWorkspaceURL": shard.virtual_workspace},
            }),
        ),
        workspace_type(
            "root",
            json!({
                "extend": {"with": [universal]},
                "limitAllowedParents": {"none": true},
                "defaultChildWorkspaceType": type_ref("organization"),
            }),
        ),
        workspace_type(
            "universal",
            json!({
                "initializer": true,
                "defaultAPIBindings": [
                    {"path": ROOT, "export": TENANCY_GROUP},
                    {"path": ROOT, "export": TOPOLOGY_GROUP},
                ],
            }),
        ),
        workspace_type(
            "home",
            json!({
                "extend": {"with": [universal]},
                "defaultChildWorkspaceType": universal,
                "limitAllowedParents": {"none": true},
            }),
        ),
        workspace_type(
            "organization",
            json!({
                "extend": {"with": [universal]},
                "defaultChildWorkspaceType": universal,
                "limitAllowedChildren": {"types": [universal]},
                "limitAllowedParents": {"types": [type_ref("root")]},
            }),
        ),
        workspace_type(
            "team",
            json!({
                "extend": {"with": [universal]},
                "defaultChildWorkspaceType": universal,
                "limitAllowedParents": {"types": [type_ref("organization"), type_ref("team")]},
            }),
        ),
        export(TENANCY_GROUP, &ids.tenancy, &schemas),
        export(TOPOLOGY_GROUP, &ids.topology, &schemas),
        export(SHARDS_EXPORT, &ids.shards, &schemas),
        root_binding(TENANCY_GROUP),
        root_binding(TOPOLOGY_GROUP),
        root_binding(SHARDS_EXPORT),
        // Every authenticated user may enter root, read its workspaces and types, bind the
        // tenancy and topology APIs and use the default types.
        cluster_role_binding(
            ROOT,
            "system:kcp:authenticated:access",
            "system:kcp:workspace:access",
            "system:authenticated",
        ),
        cluster_role_binding(
            ROOT,
            "system:kcp:tenancy:reader",
            "system:kcp:tenancy:reader",
            "system:authenticated",
        ),
        cluster_role(
            ROOT,
            "system:kcp:apiexport:bind",
            json!([{"apiGroups": [APIS], "resources": ["apiexports"], "resourceNames": [TENANCY_GROUP, TOPOLOGY_GROUP], "verbs": ["bind"]}]),
        ),
        cluster_role_binding(
            ROOT,
            "system:kcp:apiexport:bind",
            "system:kcp:apiexport:bind",
            "system:authenticated",
        ),
        cluster_role(
            ROOT,
            "system:kcp:workspacetypes:use",
            json!([{"apiGroups": [TENANCY], "resources": ["workspacetypes"], "resourceNames": ["universal", "organization", "team"], "verbs": ["use"]}]),
        ),
        cluster_role_binding(
            ROOT,
            "system:kcp:workspacetypes:use",
            "system:kcp:workspacetypes:use",
            "system:authenticated",
        ),
    ]);
    seeds
}
