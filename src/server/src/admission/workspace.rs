//! Workspace creation (`reference/kcp.md` §4.2), on the request body before the registry: the
//! creator's owner annotation, the parent's required groups, the type defaulted from the
//! parent's type and resolved to a path, the `use` permission on the type, and the
//! parent/child type constraints.

use serde_json::{Map, Value, json};

use super::Request;
use crate::authn::{MASTERS, User};
use crate::authz::{self, Attributes, Decision};
use crate::catalog::Catalogs;
use crate::errors::{ApiError, ApiResult, GroupResource};
use crate::storage::Storage;
use crate::tenancy::{self, Tenancy, TypeRef};
use kcp_api::keys::{
    LOGICAL_CLUSTER_TYPE_ANNOTATION, REQUIRED_GROUPS_ANNOTATION, TENANCY_GROUP,
    WORKSPACE_OWNER_ANNOTATION,
};

fn forbidden(name: &str, why: &str) -> ApiError {
    ApiError::forbidden(&GroupResource::new(TENANCY_GROUP, "workspaces"), name, why)
}

/// The owner annotation: the requester as kube's `UserInfo` JSON.
pub fn owner_json(user: &User) -> String {
    let mut u = Map::new();
    u.insert("username".into(), json!(user.name));
    if !user.uid.is_empty() {
        u.insert("uid".into(), json!(user.uid));
    }
    if !user.groups.is_empty() {
        u.insert("groups".into(), json!(user.groups));
    }
    if !user.extra.is_empty() {
        u.insert("extra".into(), json!(user.extra));
    }
    Value::Object(u).to_string()
}

pub(super) async fn admit_workspace(
    storage: &Storage,
    catalogs: &Catalogs,
    req: &Request<'_>,
    ws: &mut Map<String, Value>,
) -> ApiResult<()> {
    let name = ws
        .get("metadata")
        .and_then(|m| m["name"].as_str())
        .unwrap_or_default()
        .to_string();
    let tenancy = catalogs.tenancy();
    let parent = storage
        .get_cached(&tenancy::logical_cluster_key(req.cluster))
        .await
        .and_then(|lc| lc.shared_value().cloned())
        .unwrap_or(Value::Null);
    let parent_annotations = &parent["metadata"]["annotations"];
    let parent_path = parent_annotations[kcp_api::PATH_ANNOTATION]
        .as_str()
        .unwrap_or(req.cluster)
        .to_string();
    let parent_type = parent_annotations[LOGICAL_CLUSTER_TYPE_ANNOTATION]
        .as_str()
        .and_then(TypeRef::parse);

    // The type: as given, else the parent type's default child type; its path resolved.
    let spec = ws
        .entry("spec")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("spec must be an object"))?;
    let mut ty = match spec.get("type").and_then(TypeRef::from_json) {
        Some(t) => t,
        None => {
            let parent_type = parent_type.clone().ok_or_else(|| {
                forbidden(&name, "the parent workspace has no type to default from")
            })?;
            tenancy
                .workspace_type(storage, &parent_type)
                .await
                .and_then(|t| {
                    t.shared_value()
                        .and_then(|v| TypeRef::from_json(&v["spec"]["defaultChildWorkspaceType"]))
                })
                .ok_or_else(|| {
                    forbidden(
                        &name,
                        &format!(
                            "spec.defaultChildWorkspaceType of workspace type {parent_type} must be set"
                        ),
                    )
                })?
        }
    };
    if ty.path.is_empty() {
        ty.path = tenancy
            .resolve_type_path(storage, &parent_path, &ty.name)
            .await;
    }
    spec.insert("type".into(), ty.to_json());

    let Some(chain) = tenancy.type_chain(storage, &ty).await else {
        return Err(forbidden(
            &name,
            &format!("workspace type {ty} does not exist"),
        ));
    };
    check_use(storage, catalogs, req.user, &ty, &name).await?;
    if let Some(parent_type) = &parent_type {
        check_parent_child(storage, tenancy, parent_type, &ty, &chain, &name).await?;
    }

    // Labels the type adds, and the annotations of §4.2.
    let additional: Vec<(String, Value)> = chain
        .first()
        .and_then(|(_, t)| t.shared_value())
        .and_then(|t| t["spec"]["additionalWorkspaceLabels"].as_object().cloned())
        .map(|m| m.into_iter().collect())
        .unwrap_or_default();
    let meta = ws
        .entry("metadata")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("metadata must be an object"))?;
    if !additional.is_empty() {
        let labels = meta
            .entry("labels")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| ApiError::bad_request("metadata.labels must be an object"))?;
        for (k, v) in additional {
            labels.insert(k, v);
        }
    }
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("metadata.annotations must be an object"))?;
    if req.user.in_group(MASTERS) {
        annotations.remove(WORKSPACE_OWNER_ANNOTATION);
    } else {
        annotations.insert(
            WORKSPACE_OWNER_ANNOTATION.into(),
            json!(owner_json(req.user)),
        );
    }
    match parent_annotations[REQUIRED_GROUPS_ANNOTATION].as_str() {
        Some(groups) => {
            annotations.insert(REQUIRED_GROUPS_ANNOTATION.into(), json!(groups));
        }
        None => {
            annotations.remove(REQUIRED_GROUPS_ANNOTATION);
        }
    }
    if annotations.is_empty() {
        meta.remove("annotations");
    }
    Ok(())
}

/// The requester needs verb `use` on the type in the type's workspace.
async fn check_use(
    storage: &Storage,
    catalogs: &Catalogs,
    user: &User,
    ty: &TypeRef,
    name: &str,
) -> ApiResult<()> {
    let type_cluster = catalogs
        .tenancy()
        .cluster_of_path(storage, &ty.path)
        .await
        .unwrap_or_else(|| ty.path.clone());
    let attrs = Attributes {
        verb: "use".into(),
        resource_request: true,
        api_group: TENANCY_GROUP.into(),
        resource: "workspacetypes".into(),
        name: ty.name.clone(),
        ..Attributes::default()
    };
    match authz::authorize(storage, user, &type_cluster, &attrs).await {
        Decision::Allow => Ok(()),
        Decision::Deny(_) => Err(forbidden(
            name,
            &format!(
                "unable to use workspace type {ty}: missing verb='use' permission on workspacetype"
            ),
        )),
    }
}

/// The type references a `limitAllowed*` entry allows, or `None` for no limit.
fn allowed(limit: &Value) -> Option<Vec<TypeRef>> {
    if limit["none"] == true {
        return Some(Vec::new());
    }
    let types = limit["types"].as_array()?;
    Some(types.iter().filter_map(TypeRef::from_json).collect())
}

fn names(types: &[TypeRef]) -> String {
    let list: Vec<String> = types.iter().map(ToString::to_string).collect();
    format!("[{}]", list.join(" "))
}

/// The parent's `limitAllowedChildren` and the child's `limitAllowedParents`, each satisfied
/// when any type the other implements (itself or one it extends) is allowed.
async fn check_parent_child(
    storage: &Storage,
    tenancy: &Tenancy,
    parent: &TypeRef,
    child: &TypeRef,
    child_chain: &[(TypeRef, std::sync::Arc<crate::storage::CachedObject>)],
    name: &str,
) -> ApiResult<()> {
    let Some(parent_chain) = tenancy.type_chain(storage, parent).await else {
        return Ok(());
    };
    let implements = |chain: &[(TypeRef, std::sync::Arc<crate::storage::CachedObject>)]| {
        chain.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>()
    };
    let child_implements = implements(child_chain);
    let parent_implements = implements(&parent_chain);
    let spec = |chain: &[(TypeRef, std::sync::Arc<crate::storage::CachedObject>)], field: &str| {
        chain
            .first()
            .and_then(|(_, t)| t.shared_value())
            .map(|t| t["spec"][field].clone())
            .unwrap_or(Value::Null)
    };
    if let Some(parents) = allowed(&spec(child_chain, "limitAllowedParents")) {
        if parents.is_empty() {
            return Err(forbidden(
                name,
                &format!("workspace type {child} cannot have any parent"),
            ));
        }
        if !parents.iter().any(|p| parent_implements.contains(p)) {
            return Err(forbidden(
                name,
                &format!(
                    "workspace type {child} only allows {} parent workspaces, but parent type {parent} only implements {}",
                    names(&parents),
                    names(&parent_implements)
                ),
            ));
        }
    }
    if let Some(children) = allowed(&spec(&parent_chain, "limitAllowedChildren")) {
        if children.is_empty() {
            return Err(forbidden(
                name,
                &format!("workspace type {parent} cannot have any children"),
            ));
        }
        if !children.iter().any(|c| child_implements.contains(c)) {
            return Err(forbidden(
                name,
                &format!(
                    "workspace type {parent} only allows {} child workspaces, but child type {child} only implements {}",
                    names(&children),
                    names(&child_implements)
                ),
            ));
        }
    }
    Ok(())
}
