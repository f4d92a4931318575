//! APIExportEndpointSlices (`reference/kcp.md` §2.4, §4.8), as kcp's
//! `apis.kcp.io/APIExportEndpointSlice` plugin admits them: `spec.export.name` is required, and
//! on create, and on an update that changes `spec.export`, the user must have verb `bind` on
//! `apiexports/<name>` in the export's cluster (an empty path is the slice's own cluster), else
//! 403 `unable to create APIExportEndpointSlice: no permission to bind to export <path>:<name>`
//! — the same answer when the export does not exist.

use serde_json::Value;

use super::{Plugins, error_list, forbidden, text};
use crate::apis::APIEXPORTS;
use crate::authz::{self, Decision};
use crate::errors::{ApiResult, FieldError, FieldPath};
use crate::registry::admission::{Attributes, Operation};
use kcp_api::keys::APIS_GROUP;

pub const APIEXPORTENDPOINTSLICES: &str = "apiexportendpointslices";

pub async fn validate(plugins: &Plugins<'_>, attrs: &Attributes<'_>, obj: &Value) -> ApiResult<()> {
    if !attrs.is(APIS_GROUP, APIEXPORTENDPOINTSLICES) || !attrs.subresource.is_empty() {
        return Ok(());
    }
    let export = |o: &Value| {
        let e = o.pointer("/spec/export").cloned().unwrap_or(Value::Null);
        (text(&e, "/path").to_string(), text(&e, "/name").to_string())
    };
    let (path, name) = export(obj);
    match (attrs.operation, attrs.old) {
        (Operation::Update, Some(old)) if export(old) == (path.clone(), name.clone()) => {
            return Ok(());
        }
        (Operation::Update, _) => {}
        (Operation::Create, _) => {
            if name.is_empty() {
                let p = FieldPath::new("spec").child("export").child("name");
                return Err(forbidden(
                    attrs,
                    &error_list(&[FieldError::required(&p, "")]),
                ));
            }
        }
    }
    let shown = if path.is_empty() {
        name.clone()
    } else {
        format!("{path}:{name}")
    };
    let refused = || {
        forbidden(
            attrs,
            &format!(
                "unable to create APIExportEndpointSlice: no permission to bind to export {shown}"
            ),
        )
    };
    let export_cluster = if path.is_empty() {
        attrs.cluster.to_string()
    } else {
        match plugins.apis.export(&path, &name).await {
            Some((cluster, _)) => cluster,
            None => return Err(refused()),
        }
    };
    let bind = authz::Attributes {
        verb: "bind".into(),
        resource_request: true,
        api_group: APIS_GROUP.into(),
        resource: APIEXPORTS.into(),
        name: name.clone(),
        ..authz::Attributes::default()
    };
    match authz::authorize_deep(&plugins.apis.storage, plugins.user, &export_cluster, &bind).await {
        Decision::Allow => Ok(()),
        Decision::Deny(_) => Err(refused()),
    }
}
