//! Admission: what a request must satisfy beyond authorization and its type's validation, as
//! kcp's and kube's admission plugins. Two places call it:
//!
//! - [`admit`], on the request body between authorization and the registry: workspace creation
//!   ([`workspace`]), the namespaces that may not be deleted, LogicalClusters created and
//!   deleted only by the system.
//! - [`Plugins`], the registry's admission hook ([`crate::registry::admission`]), on the final
//!   object of every create, update, patch and apply and the old object, in kcp's plugin order:
//!   [`permissionclaims`] (labels), [`apiresourceschema`], [`apiexport`], [`apibinding`],
//!   [`apiexportendpointslice`], the binding [`finalizer`] and
//!   [`pathannotation`] (`reference/kcp.md` §3.7–§3.9).
//!
//! kcp's plugins refuse with `admission.NewForbidden`: a 403 `<resource>.<group> "<name>" is
//! forbidden: <why>` ([`forbidden`]), where a list of field errors reads as Go prints it
//! ([`error_list`]). A new validating plugin is a `validate` function in its own module, called
//! from [`Plugins::validate`] at its place in kcp's order.

pub mod apibinding;
pub mod apiexport;
pub mod apiexportendpointslice;
pub mod apiresourceschema;
pub mod finalizer;
pub mod pathannotation;
pub mod permissionclaims;
mod workspace;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::Value;

use crate::apis::Apis;
use crate::authn::{MASTERS, User};
use crate::catalog::{Catalogs, ResourceDef};
use crate::errors::{ApiError, ApiResult, FieldError, GroupResource};
use crate::registry::admission::{Admission, Attributes};
use crate::storage::Storage;
use kcp_api::keys::TENANCY_GROUP;

pub use workspace::owner_json;

/// A request as admission sees it.
pub struct Request<'a> {
    pub user: &'a User,
    pub cluster: &'a str,
    pub verb: &'a str,
    pub subresource: &'a str,
    /// The object's name, for requests on one object.
    pub name: &'a str,
    pub def: &'a ResourceDef,
}

/// Namespaces a cluster keeps for as long as it lives (kube's and kcp's namespace lifecycle).
const IMMORTAL_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

/// Admits a request's body, possibly changing it. Bodies that are not JSON objects pass
/// unchanged: the registry answers them with the proper decoding error.
pub async fn admit(
    storage: &Storage,
    catalogs: &Catalogs,
    req: &Request<'_>,
    body: Bytes,
) -> ApiResult<Bytes> {
    if req.verb == "delete"
        && req.subresource.is_empty()
        && req.def.group.is_empty()
        && req.def.resource == "namespaces"
        && IMMORTAL_NAMESPACES.contains(&req.name)
    {
        return Err(ApiError::forbidden(
            &GroupResource::new("", "namespaces"),
            req.name,
            "this namespace may not be deleted",
        ));
    }
    if req.def.group == kcp_api::keys::CORE_GROUP
        && req.def.resource == "logicalclusters"
        && matches!(req.verb, "create" | "delete" | "deletecollection")
        && req.subresource.is_empty()
        && !req.user.in_group(MASTERS)
    {
        return Err(ApiError::forbidden(
            &GroupResource::new(kcp_api::keys::CORE_GROUP, "logicalclusters"),
            req.name,
            &format!("{} of a LogicalCluster is not allowed", req.verb),
        ));
    }
    let is_workspace_create = req.verb == "create"
        && req.subresource.is_empty()
        && req.def.group == TENANCY_GROUP
        && req.def.resource == "workspaces";
    if !is_workspace_create {
        return Ok(body);
    }
    let Ok(Value::Object(mut ws)) = serde_json::from_slice::<Value>(&body) else {
        return Ok(body);
    };
    workspace::admit_workspace(storage, catalogs, req, &mut ws).await?;
    Ok(Bytes::from(
        serde_json::to_vec(&Value::Object(ws)).map_err(ApiError::internal)?,
    ))
}

/// kcp's admission plugins on the registry's write paths, for one request's user.
pub struct Plugins<'a> {
    pub apis: &'a Apis,
    pub user: &'a User,
}

#[async_trait]
impl Admission for Plugins<'_> {
    async fn admit(&self, attrs: &Attributes<'_>, obj: &mut Value) -> ApiResult<()> {
        // kcp's kinds and annotations mean nothing to a plain Kubernetes cluster.
        if !self.apis.storage.serves_logical_clusters() {
            return Ok(());
        }
        permissionclaims::admit(&self.apis.claims, attrs, obj);
        apibinding::admit(self, attrs, obj).await?;
        finalizer::APIBINDING.admit(attrs, obj);
        pathannotation::admit(&self.apis.storage, attrs, obj).await
    }

    async fn validate(&self, attrs: &Attributes<'_>, obj: &Value) -> ApiResult<()> {
        if !self.apis.storage.serves_logical_clusters() {
            return Ok(());
        }
        apiresourceschema::validate(attrs, obj)?;
        apiexport::validate(attrs, obj)?;
        apibinding::validate(self, attrs, obj).await?;
        apiexportendpointslice::validate(self, attrs, obj).await?;
        finalizer::APIBINDING.validate(attrs, obj, self.user)?;
        pathannotation::validate(&self.apis.storage, attrs, obj).await
    }
}

/// kcp's `admission.NewForbidden(a, err)`: 403 `<resource>.<group> "<name>" is forbidden:
/// <why>`, with the resource and name in the details.
pub fn forbidden(attrs: &Attributes<'_>, why: &str) -> ApiError {
    ApiError::forbidden(
        &GroupResource::new(attrs.def.group, attrs.def.resource),
        attrs.name,
        why,
    )
}

/// A `field.ErrorList` as Go's `fmt.Errorf("%v", errs)` prints it: `[e1 e2]`, brackets even
/// around one error, spaces between.
pub fn error_list(errs: &[FieldError]) -> String {
    let items: Vec<String> = errs.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(" "))
}

/// `metadata.annotations[key]` of an object, if it is a string.
fn annotation<'v>(obj: &'v Value, key: &str) -> Option<&'v str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// `metadata.labels[key]` of an object, if it is a string.
fn label<'v>(obj: &'v Value, key: &str) -> Option<&'v str> {
    obj.get("metadata")?.get("labels")?.get(key)?.as_str()
}

/// A string field of an object (`""` when missing or not a string).
fn text<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::FieldPath;

    #[test]
    fn field_error_lists_read_as_go_prints_them() {
        let name = FieldPath::new("metadata").child("name");
        let one = [FieldError::required(&name, "")];
        assert_eq!(error_list(&one), "[metadata.name: Required value]");
        let two = [
            FieldError::required(&name, ""),
            FieldError::invalid(&FieldPath::new("spec").child("group"), "core", "bad"),
        ];
        assert_eq!(
            error_list(&two),
            r#"[metadata.name: Required value spec.group: Invalid value: "core": bad]"#
        );
    }
}
