//! The APIExport virtual workspace (`reference/kcp.md` §4.11, §9.5):
//! `/services/apiexport/<export cluster>/<export>/clusters/<cluster or *>/…`.
//!
//! It serves the export's resources in every served version of their schemas, and the
//! `apibindings` of the export (read-only), as one catalog per export ([`View`]):
//!
//! - `clusters/*`: list and watch across every workspace that bound the export. The objects of
//!   an export's resources live under the export's identity, so the key prefix of the identity
//!   is exactly the bound workspaces' objects; each carries `kcp.io/cluster`, and one watch
//!   resumes from any resourceVersion of the shard;
//! - `clusters/<name>`: every verb, in a workspace with a binding to the export (a binding being
//!   deleted counts until it is gone), validated with the export's schema.
//!
//! Authorization is kcp's chain for this virtual workspace: the caller needs
//! `apiexports/content` (with the request's verb) on the export in the export's workspace;
//! a request into one workspace needs a binding there to this export and a resource it binds
//! (or `apibindings`, read-only).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use http::{HeaderMap, Method, Response};

use crate::apis::{APIBINDINGS, APIEXPORTS, EXPORT_LABEL};
use crate::authn::User;
use crate::authz::{self, Attributes, Decision};
use crate::catalog::{BoundSource, Catalog, ResourceDef};
use crate::errors::{ApiError, ApiResult, GroupResource};
use crate::http::response::{self, Body};
use crate::http::{RequestInfo, request_info};
use crate::registry::handler::{self, RestRequest};
use crate::server::{Query, Server};
use kcp_api::apis::v1alpha2::{APIBinding, APIExport};
use kcp_api::keys::APIS_GROUP;

/// What the virtual workspace of one export serves.
pub struct View {
    pub export_cluster: String,
    pub name: String,
    pub export: APIExport,
    pub catalog: Catalog,
    /// The value of the `internal.apis.kcp.io/export` label of its bindings.
    pub label: String,
}

/// The views of the exports asked for, by export and its revision (an export's change makes a
/// new view).
#[derive(Default)]
pub struct Views {
    by_export: Mutex<ViewsByExport>,
}

/// Each export's view, with the export's revision it was made from.
type ViewsByExport = HashMap<crate::apis::ExportKey, (i64, Arc<View>)>;

impl Views {
    /// The view of an export; 404 when there is no such export.
    pub async fn get(
        &self,
        server: &Server,
        export_cluster: &str,
        name: &str,
    ) -> ApiResult<Arc<View>> {
        let cached = server
            .storage
            .get_cached(&crate::apis::key(APIEXPORTS, export_cluster, name))
            .await
            .ok_or_else(ApiError::path_not_found)?;
        let key = (export_cluster.to_string(), name.to_string());
        if let Some((rev, view)) = self.lock().get(&key)
            && *rev == cached.mod_revision
        {
            return Ok(view.clone());
        }
        let export: APIExport =
            crate::apis::decode(&cached).ok_or_else(ApiError::path_not_found)?;
        let view = Arc::new(build(server, export_cluster, name, export).await);
        self.lock().insert(key, (cached.mod_revision, view.clone()));
        Ok(view)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ViewsByExport> {
        self.by_export.lock().unwrap_or_else(|p| p.into_inner())
    }
}

const READ_ONLY: &[&str] = &["get", "list", "watch"];

/// The catalog of an export's virtual workspace: its resources (from its schemas, under its
/// identity; nothing without one) and `apibindings` in both versions, read-only.
async fn build(server: &Server, export_cluster: &str, name: &str, export: APIExport) -> View {
    let mut resources: Vec<ResourceDef> = Vec::new();
    let identity = export.status.identity_hash.clone();
    if !identity.is_empty() {
        let source = Arc::new(BoundSource {
            export_cluster: export_cluster.to_string(),
            export_name: name.to_string(),
        });
        for r in &export.spec.resources {
            if let Some(schema) = server.apis.schema(export_cluster, &r.schema).await {
                resources.extend(schema.resource_defs(&identity, &source, false));
            }
        }
        for def in server.catalogs.base().resources() {
            if def.group == APIS_GROUP && def.resource == APIBINDINGS {
                resources.push(ResourceDef {
                    verbs: READ_ONLY,
                    subresources: &[],
                    ..def.clone()
                });
            }
        }
    }
    View {
        export_cluster: export_cluster.to_string(),
        name: name.to_string(),
        label: kcp_api::names::apibinding_export_label_value(export_cluster, name),
        export,
        catalog: Catalog::new(resources),
    }
}

/// A request to the virtual workspace, as the pipeline hands it over.
pub struct Request<'a> {
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    pub query: &'a Query,
    pub body: hyper::body::Incoming,
    pub user: &'a User,
    pub export_cluster: &'a str,
    pub export: &'a str,
    pub cluster: Option<&'a str>,
    pub path: &'a str,
}

/// Serves one request to an export's virtual workspace.
pub async fn serve(server: &Server, req: Request<'_>) -> ApiResult<Response<Body>> {
    let view = server
        .views
        .get(server, req.export_cluster, req.export)
        .await?;
    if matches!(req.path, "/version" | "/version/") {
        return Ok(response::json(200, &crate::server::version()));
    }
    let watch = matches!(
        req.query.get("watch").map(String::as_str),
        Some("true" | "1")
    );
    let info = request_info::parse(req.method, req.path, watch);
    let verb = if info.is_resource_request {
        info.verb.as_str()
    } else {
        "get"
    };
    authorize_content(server, req.user, &view, verb, &info).await?;
    if !info.is_resource_request {
        if *req.method != Method::GET && *req.method != Method::HEAD {
            return Err(ApiError::method_not_allowed());
        }
        let segments: Vec<&str> = info.path.trim_matches('/').split('/').collect();
        return crate::server::discovery(&view.catalog, req.method, req.headers, &segments);
    }
    let Some(cluster) = req.cluster else {
        return Err(ApiError::path_not_found());
    };
    let def = view
        .catalog
        .lookup(&info.api_group, &info.api_version, &info.resource)
        .ok_or_else(ApiError::path_not_found)?
        .clone();
    // Authorized first, as kcp's filter chain does (a write to a binding is a 403, not a 405).
    if cluster == "*" {
        if !matches!(info.verb.as_str(), "list" | "watch") {
            return Err(ApiError::method_not_allowed());
        }
    } else {
        authorize_bound(server, req.user, &view, cluster, &info).await?;
    }
    if !def.supports(&info.verb) && info.subresource.is_empty() {
        return Err(ApiError::method_not_allowed());
    }
    let mut query = req.query.clone();
    if def.group == APIS_GROUP && def.resource == APIBINDINGS {
        // Only this export's bindings.
        let only_ours = format!("{EXPORT_LABEL}={}", view.label);
        let selector = match query.get("labelSelector").filter(|s| !s.is_empty()) {
            Some(s) => format!("{s},{only_ours}"),
            None => only_ours,
        };
        query.insert("labelSelector".into(), selector);
    }
    let body = crate::server::read_body(req.body, req.headers).await?;
    handler::serve(
        &server.storage,
        &def,
        RestRequest {
            info: &info,
            cluster,
            headers: req.headers,
            query: &query,
            body,
            admission: &crate::admission::Plugins {
                apis: &server.apis,
                user: req.user,
            },
        },
    )
    .await
}

/// kcp's content authorizer: `apiexports/content` with the request's verb on the export, in
/// the export's workspace.
async fn authorize_content(
    server: &Server,
    user: &User,
    view: &View,
    verb: &str,
    info: &RequestInfo,
) -> ApiResult<()> {
    let content = Attributes {
        verb: verb.to_string(),
        resource_request: true,
        api_group: APIS_GROUP.to_string(),
        resource: APIEXPORTS.to_string(),
        subresource: "content".to_string(),
        name: view.name.clone(),
        ..Attributes::default()
    };
    match authz::authorize(&server.storage, user, &view.export_cluster, &content).await {
        Decision::Allow => Ok(()),
        Decision::Deny(reason) => {
            let why = format!(
                "API export: {:?}, workspace: {:?} RBAC decision: {reason}",
                view.name, view.export_cluster
            );
            Err(denied(user, info, verb, &why))
        }
    }
}

/// kcp's bound-API authorizer for a request into one workspace: a binding there to this
/// export, and a resource it binds (or `apibindings`, read-only).
async fn authorize_bound(
    server: &Server,
    user: &User,
    view: &View,
    cluster: &str,
    info: &RequestInfo,
) -> ApiResult<()> {
    let binding = server
        .apis
        .bindings(cluster)
        .await
        .into_iter()
        .find(|b| binds(b, view));
    let Some(binding) = binding else {
        return Err(denied(
            user,
            info,
            &info.verb,
            "could not find suitable APIBinding in target logical cluster",
        ));
    };
    if binding
        .status
        .bound_resources
        .iter()
        .any(|r| r.group == info.api_group && r.resource == info.resource)
    {
        return Ok(());
    }
    if info.api_group == APIS_GROUP && info.resource == APIBINDINGS {
        if READ_ONLY.contains(&info.verb.as_str()) {
            return Ok(());
        }
        return Err(denied(
            user,
            info,
            &info.verb,
            "write access to APIBinding is not allowed from virtual workspace",
        ));
    }
    Err(denied(
        user,
        info,
        &info.verb,
        "failed to find suitable reason to allow access in APIBinding",
    ))
}

/// Whether `b` binds the view's export (resolved, or still referring to it by the export's
/// cluster name).
fn binds(b: &APIBinding, view: &View) -> bool {
    let Some(export) = &b.spec.reference.export else {
        return false;
    };
    export.name == view.name
        && (b.status.api_export_cluster_name == view.export_cluster
            || (b.status.api_export_cluster_name.is_empty() && export.path == view.export_cluster))
}

fn denied(user: &User, info: &RequestInfo, verb: &str, why: &str) -> ApiError {
    let attrs = Attributes {
        verb: verb.to_string(),
        resource_request: info.is_resource_request,
        api_group: info.api_group.clone(),
        resource: info.resource.clone(),
        subresource: info.subresource.clone(),
        namespace: info.namespace.clone(),
        name: info.name.clone(),
        path: info.path.clone(),
    };
    let message = authz::denial_message(user, &attrs, why);
    if info.is_resource_request {
        ApiError::forbidden(
            &GroupResource::new(&info.api_group, &info.resource),
            &info.name,
            &message,
        )
    } else {
        ApiError::forbidden_path(&message)
    }
}
