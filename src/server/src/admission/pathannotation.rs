//! The `kcp.io/path` annotation, as kcp's `kcp.io/PathAnnotation` plugin keeps it: on create
//! and update of APIExports, APIBindings, WorkspaceTypes and ClusterCachedResources, and of
//! any object that carries the annotation, it is set to the canonical path of the workspace
//! (the LogicalCluster's `kcp.io/path`, else the cluster's name). Exports and types are found
//! by path through it.

use serde_json::{Value, json};

use super::{annotation, forbidden};
use crate::errors::{ApiError, ApiResult, GroupResource};
use crate::registry::admission::Attributes;
use crate::registry::object;
use crate::storage::Storage;
use kcp_api::PATH_ANNOTATION;
use kcp_api::keys::{APIS_GROUP, CACHE_GROUP, CORE_GROUP, TENANCY_GROUP};

/// The resources that always get the annotation.
const ANNOTATED: [(&str, &str); 4] = [
    (APIS_GROUP, crate::apis::APIEXPORTS),
    (CACHE_GROUP, "clustercachedresources"),
    (APIS_GROUP, crate::apis::APIBINDINGS),
    (TENANCY_GROUP, "workspacetypes"),
];

/// Whether the plugin looks at this write, and the annotation's value on it.
fn applies<'v>(attrs: &Attributes<'_>, obj: &'v Value) -> Option<Option<&'v str>> {
    if attrs.is(CORE_GROUP, "logicalclusters") {
        return None;
    }
    let value = annotation(obj, PATH_ANNOTATION);
    let listed = ANNOTATED.iter().any(|(g, r)| attrs.is(g, r));
    (listed || value.is_some()).then_some(value)
}

/// The canonical path of the request's workspace. A binding may be written before its
/// workspace's LogicalCluster exists (the workspace's own initialization): it goes without.
async fn canonical_path(storage: &Storage, attrs: &Attributes<'_>) -> ApiResult<Option<String>> {
    let Some(lc) = storage
        .get_cached(&crate::tenancy::logical_cluster_key(attrs.cluster))
        .await
    else {
        if attrs.is(APIS_GROUP, crate::apis::APIBINDINGS) {
            return Ok(None);
        }
        let missing = ApiError::not_found(
            &GroupResource::new(CORE_GROUP, "logicalcluster"),
            kcp_api::keys::LOGICAL_CLUSTER_OBJECT_NAME,
        );
        return Err(forbidden(
            attrs,
            &format!("cannot get this workspace: {}", missing.message),
        ));
    };
    // Read for this request only: a decoded copy kept with every workspace's LogicalCluster
    // would cost more than the LogicalCluster.
    let path = lc
        .read::<Value>()
        .and_then(|v| annotation(&v, PATH_ANNOTATION).map(str::to_string))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| attrs.cluster.to_string());
    Ok(Some(path))
}

/// Sets the annotation to the canonical path.
pub async fn admit(storage: &Storage, attrs: &Attributes<'_>, obj: &mut Value) -> ApiResult<()> {
    let Some(value) = applies(attrs, obj) else {
        return Ok(());
    };
    let value = value.map(str::to_string);
    let Some(path) = canonical_path(storage, attrs).await? else {
        return Ok(());
    };
    if value.as_deref() == Some(path.as_str()) {
        return Ok(());
    }
    let annotations = object::meta_mut(obj)
        .entry("annotations")
        .or_insert_with(|| json!({}));
    if !annotations.is_object() {
        *annotations = json!({});
    }
    annotations[PATH_ANNOTATION] = json!(path);
    Ok(())
}

/// The annotation is the canonical path (a binding is let through without it).
pub async fn validate(storage: &Storage, attrs: &Attributes<'_>, obj: &Value) -> ApiResult<()> {
    let Some(value) = applies(attrs, obj) else {
        return Ok(());
    };
    let Some(path) = canonical_path(storage, attrs).await? else {
        return Ok(());
    };
    let value = value.unwrap_or("");
    if value == path || attrs.is(APIS_GROUP, crate::apis::APIBINDINGS) {
        return Ok(());
    }
    Err(forbidden(
        attrs,
        &format!(
            "annotation for {}, {PATH_ANNOTATION:?} must match canonical path {path:?}, but got {value:?}",
            attrs.name
        ),
    ))
}
