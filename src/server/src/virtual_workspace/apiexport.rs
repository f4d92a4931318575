//! The APIExport virtual workspace (`reference/kcp.md` §4.11, §9.5):
//! `/services/apiexport/<export cluster>/<export>/clusters/<cluster or *>/…`.
//!
//! It serves the export's resources in every served version of their schemas, the resources
//! it claims (permission claims: built-ins, kcp's kinds, other exports' by identity), and the
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
//! a request into one workspace needs a binding there to this export and a resource it binds,
//! or a claim the binding accepted for the verb (the export's and the binding's verbs both
//! allow it), or `apibindings`, read-only. A claimed resource shows only the objects its
//! claim labelled ([`crate::apis::claims`]), is written through the claim's selector
//! (its `matchLabels` set, the selector matched), and a resource claimed from another export
//! answers to that export's maximal permission policy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use http::{HeaderMap, Method, Response};

use crate::apis::{APIBINDINGS, APIEXPORTS, EXPORT_LABEL};
use crate::authn::User;
use crate::authz::{self, Decision};
use crate::catalog::{BoundSource, Catalog, ResourceDef};
use crate::errors::{ApiError, ApiResult, GroupResource};
use crate::http::response::{self, Body};
use crate::http::{RequestInfo, request_info};
use crate::registry::admission::{Admission, Attributes};
use crate::registry::handler::{self, RestRequest};
use crate::registry::selector::LabelSelector;
use crate::server::{Query, Server};
use kcp_api::apis::AcceptablePermissionClaimState;
use kcp_api::apis::v1alpha2::{APIBindingSpec, APIExport, PermissionClaimSelector};
use kcp_api::keys::APIS_GROUP;

/// What the virtual workspace of one export serves.
pub struct View {
    pub export_cluster: String,
    pub name: String,
    pub export: APIExport,
    pub catalog: Catalog,
    /// The value of the `internal.apis.kcp.io/export` label of its bindings.
    pub label: String,
    /// The claimed resources, by (group, resource): the label requirement their objects must
    /// meet (`claimed.internal.apis.kcp.io/<export> in (<claim>)`).
    pub claimed: HashMap<(String, String), String>,
}

/// The views of the exports asked for, by export and its revision (an export's change makes a
/// new view).
#[derive(Default)]
pub struct Views {
    by_export: Mutex<ViewsByExport>,
}

/// Each export's view, with the export's revision and the identities' generation it was made
/// from.
type ViewsByExport = HashMap<crate::apis::ExportKey, ((i64, u64), Arc<View>)>;

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
        // A claim by identity finds its resources among what is bound: a view is made again
        // when that grows too.
        let made_from = (cached.mod_revision, server.catalogs.identities_generation());
        if let Some((from, view)) = self.lock().get(&key)
            && *from == made_from
        {
            return Ok(view.clone());
        }
        let export: APIExport = cached.read().ok_or_else(ApiError::path_not_found)?;
        let view = Arc::new(build(server, export_cluster, name, export).await);
        self.lock().insert(key, (made_from, view.clone()));
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
    let mut claimed = HashMap::new();
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
        claimed = add_claimed(server, export_cluster, name, &export, &mut resources);
        // Without a claim on them, the export's own bindings, read-only.
        if !claimed.contains_key(&(APIS_GROUP.to_string(), APIBINDINGS.to_string())) {
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
    }
    View {
        export_cluster: export_cluster.to_string(),
        name: name.to_string(),
        label: kcp_api::names::apibinding_export_label_value(export_cluster, name),
        export,
        catalog: Catalog::new(resources),
        claimed,
    }
}

/// Adds the resources the export claims (those it exports itself win) and returns their label
/// requirements: built-ins and kcp's own kinds by group and resource (a claim on either events
/// serves both), other exports' resources by identity.
fn add_claimed(
    server: &Server,
    export_cluster: &str,
    name: &str,
    export: &APIExport,
    resources: &mut Vec<ResourceDef>,
) -> HashMap<(String, String), String> {
    let mut claimed = HashMap::new();
    let own: std::collections::HashSet<(&str, &str)> =
        resources.iter().map(|d| (d.group, d.resource)).collect();
    let exported = |g: &str, r: &str| own.contains(&(g, r));
    let mut added = Vec::new();
    for claim in &export.spec.permission_claims {
        if exported(&claim.group, &claim.resource) {
            continue;
        }
        let (key, value) = kcp_api::names::permission_claim_label(
            export_cluster,
            name,
            &claim.group,
            &claim.resource,
            &claim.identity_hash,
        );
        let mut values = vec![value];
        if claim.group == APIS_GROUP && claim.resource == APIBINDINGS {
            // Bindings that accepted no claim on them still show the export's own.
            values.push(kcp_api::names::reflexive_apibinding_label(export_cluster, name).1);
        }
        let requirement = format!("{key} in ({})", values.join(","));
        let defs: Vec<ResourceDef> = if claim.identity_hash.is_empty() {
            let groups: &[&str] = match (claim.group.as_str(), claim.resource.as_str()) {
                ("" | "events.k8s.io", "events") => &["", "events.k8s.io"],
                _ => &[claim.group.as_str()],
            };
            server
                .catalogs
                .base()
                .resources()
                .iter()
                .filter(|d| groups.contains(&d.group) && d.resource == claim.resource)
                .filter(|d| claimable_builtin(d.group))
                .cloned()
                .collect()
        } else {
            server
                .catalogs
                .by_identity_all(&claim.identity_hash, &claim.group, &claim.resource)
        };
        for d in defs {
            let gr = (d.group.to_string(), d.resource.to_string());
            if claimed.contains_key(&gr) || exported(d.group, d.resource) {
                continue;
            }
            claimed.insert(gr, requirement.clone());
            added.push(d);
        }
    }
    resources.extend(added);
    claimed
}

/// Built-in groups a claim without identity reaches: every built-in of a workspace, kcp's
/// `apis.kcp.io` and `core.kcp.io`; the kinds bound from root's exports need their identity.
fn claimable_builtin(group: &str) -> bool {
    group != kcp_api::keys::TENANCY_GROUP && group != kcp_api::keys::TOPOLOGY_GROUP
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
    let claim = view
        .claimed
        .get(&(def.group.to_string(), def.resource.to_string()));
    // Authorized first, as kcp's filter chain does (a write to a binding is a 403, not a 405).
    let binding = if cluster == "*" {
        if !matches!(info.verb.as_str(), "list" | "watch") {
            return Err(ApiError::method_not_allowed());
        }
        None
    } else {
        Some(authorize_bound(server, req.user, &view, cluster, &info).await?)
    };
    if claim.is_some() {
        authorize_claimed(server, req.user, &def, &info).await?;
    }
    if !def.supports(&info.verb) && info.subresource.is_empty() {
        return Err(ApiError::method_not_allowed());
    }
    let mut query = req.query.clone();
    if let Some(requirement) = claim {
        // Only the objects the claim labelled (kcp's static label selector of a claim).
        if matches!(info.verb.as_str(), "list" | "watch" | "deletecollection") {
            add_requirement(&mut query, requirement);
        }
        if info.verb == "get" && info.subresource.is_empty() {
            hide_unclaimed(server, &def, cluster, &info, requirement).await?;
        }
        // Server-side apply of an object not there yet creates it: the claim must allow that.
        let apply = req
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/apply-patch"));
        if let Some(b) = &binding
            && info.verb == "patch"
            && apply
            && !object_exists(server, &def, cluster, &info).await
            && !claim_allows(b, &view, &info.api_group, &info.resource, "create")
        {
            return Err(denied(
                req.user,
                &info,
                "create",
                "failed to find suitable reason to allow access in APIBinding",
            ));
        }
    } else if def.group == APIS_GROUP && def.resource == APIBINDINGS {
        // Only this export's bindings.
        add_requirement(&mut query, &format!("{EXPORT_LABEL}={}", view.label));
    }
    let body = crate::server::read_body(req.body, req.headers).await?;
    let plugins = crate::admission::Plugins {
        apis: &server.apis,
        user: req.user,
    };
    let selector = binding.as_ref().and_then(|b| claim_selector(b, &def));
    handler::serve(
        &server.storage,
        &def,
        RestRequest {
            info: &info,
            cluster,
            headers: req.headers,
            query: &query,
            body,
            admission: &ClaimSelectorAdmission {
                selector,
                next: &plugins,
            },
        },
    )
    .await
}

/// Adds a label requirement to the request's label selector.
fn add_requirement(query: &mut Query, requirement: &str) {
    let selector = match query.get("labelSelector").filter(|s| !s.is_empty()) {
        Some(s) => format!("{s},{requirement}"),
        None => requirement.to_string(),
    };
    query.insert("labelSelector".into(), selector);
}

/// The key of the object a request names.
fn object_key(def: &ResourceDef, cluster: &str, info: &RequestInfo) -> String {
    crate::storage::keys::object_key(
        crate::registry::conversion::storage_group(def),
        def.resource,
        &def.space,
        cluster,
        (!info.namespace.is_empty()).then_some(info.namespace.as_str()),
        &info.name,
    )
}

async fn object_exists(
    server: &Server,
    def: &ResourceDef,
    cluster: &str,
    info: &RequestInfo,
) -> bool {
    server
        .storage
        .get_cached(&object_key(def, cluster, info))
        .await
        .is_some()
}

/// A claimed object the claim did not label is not found through the virtual workspace.
async fn hide_unclaimed(
    server: &Server,
    def: &ResourceDef,
    cluster: &str,
    info: &RequestInfo,
    requirement: &str,
) -> ApiResult<()> {
    let Some(obj) = server
        .storage
        .get_cached(&object_key(def, cluster, info))
        .await
    else {
        return Ok(());
    };
    let selector = LabelSelector::parse(requirement).map_err(|e| e.to_api_error())?;
    let labels = crate::apis::claims::object_labels(&obj.value()?);
    if selector.matches(&labels) {
        return Ok(());
    }
    Err(ApiError::not_found(&def.group_resource(), &info.name))
}

/// The selector of the binding's accepted claim on `def`, unless it is `matchAll`.
fn claim_selector(binding: &BindingAccess, def: &ResourceDef) -> Option<PermissionClaimSelector> {
    let (group, resource) = crate::apis::claims::normalize(def.group, def.resource);
    if binding
        .status
        .bound_resources
        .iter()
        .any(|r| r.group == def.group && r.resource == def.resource)
    {
        return None;
    }
    binding
        .spec
        .permission_claims
        .iter()
        .find(|c| {
            c.state == Some(AcceptablePermissionClaimState::Accepted)
                && c.scoped.claim.group == group
                && c.scoped.claim.resource == resource
        })
        .map(|c| c.scoped.selector.clone())
        .filter(|s| !s.match_all)
}

/// kcp's selector admission of the virtual workspace: an object written to a claimed resource
/// gets the `matchLabels` of the binding's claim and must match its selector; then the
/// plugins of the workspace (which label it claimed).
struct ClaimSelectorAdmission<'a> {
    selector: Option<PermissionClaimSelector>,
    next: &'a crate::admission::Plugins<'a>,
}

#[async_trait::async_trait]
impl Admission for ClaimSelectorAdmission<'_> {
    async fn admit(&self, attrs: &Attributes<'_>, obj: &mut serde_json::Value) -> ApiResult<()> {
        if let Some(selector) = &self.selector {
            let labels = crate::apis::claims::object_labels(obj);
            for (k, v) in &selector.match_labels {
                match labels.get(k) {
                    None => {
                        if let Some(meta) = obj.get_mut("metadata").and_then(|m| m.as_object_mut())
                        {
                            let l = meta
                                .entry("labels")
                                .or_insert_with(|| serde_json::json!({}));
                            if let Some(l) = l.as_object_mut() {
                                l.insert(k.clone(), v.clone().into());
                            }
                        }
                    }
                    Some(current) if current != v => {
                        return Err(crate::admission::forbidden(
                            attrs,
                            &format!("protected label {k} must have value {v}"),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        self.next.admit(attrs, obj).await
    }

    async fn validate(&self, attrs: &Attributes<'_>, obj: &serde_json::Value) -> ApiResult<()> {
        if let Some(selector) = &self.selector {
            let json = serde_json::to_value(selector).map_err(ApiError::internal)?;
            let parsed =
                LabelSelector::from_label_selector_json(&json).map_err(|e| e.to_api_error())?;
            if !parsed.matches(&crate::apis::claims::object_labels(obj)) {
                return Err(crate::admission::forbidden(
                    attrs,
                    "object does not match required labels",
                ));
            }
        }
        self.next.validate(attrs, obj).await
    }
}

/// kcp's maximal permission policy authorizer of the virtual workspace: a claimed resource of
/// another export (by identity) is limited by that export's maximal permission policy, for the
/// caller prefixed `apis.kcp.io:binding:`.
async fn authorize_claimed(
    server: &Server,
    user: &User,
    def: &ResourceDef,
    info: &RequestInfo,
) -> ApiResult<()> {
    let Some(source) = &def.bound else {
        return Ok(());
    };
    let attrs = attributes(info, &info.verb);
    match authz::maximal_permission_policy(&server.storage, user, &attrs, source).await {
        None => Ok(()),
        Some(reason) => Err(denied(user, info, &info.verb, &reason)),
    }
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
    let content = authz::Attributes {
        verb: verb.to_string(),
        resource_request: true,
        api_group: APIS_GROUP.to_string(),
        resource: APIEXPORTS.to_string(),
        subresource: "content".to_string(),
        name: view.name.clone(),
        ..authz::Attributes::default()
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

/// The parts of an APIBinding the authorizer reads on every request: decoded per request
/// with serde skipping the rest (metadata with its managed fields, conditions, schemas), which
/// costs a fraction of decoding the whole binding.
#[derive(Debug, Default, serde::Deserialize)]
struct BindingAccess {
    #[serde(default)]
    spec: APIBindingSpec,
    #[serde(default)]
    status: BindingAccessStatus,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct BindingAccessStatus {
    #[serde(default)]
    api_export_cluster_name: String,
    #[serde(default)]
    bound_resources: Vec<BoundGroupResource>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct BoundGroupResource {
    #[serde(default)]
    group: String,
    #[serde(default)]
    resource: String,
}

/// kcp's bound-API authorizer for a request into one workspace: a binding there to this
/// export, and a resource it binds (or `apibindings`, read-only).
async fn authorize_bound(
    server: &Server,
    user: &User,
    view: &View,
    cluster: &str,
    info: &RequestInfo,
) -> ApiResult<BindingAccess> {
    let binding = server
        .apis
        .bindings::<BindingAccess>(cluster)
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
        return Ok(binding);
    }
    if claim_allows(&binding, view, &info.api_group, &info.resource, &info.verb) {
        return Ok(binding);
    }
    if info.api_group == APIS_GROUP && info.resource == APIBINDINGS {
        if READ_ONLY.contains(&info.verb.as_str()) {
            return Ok(binding);
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

/// Whether an accepted claim of `binding` on `group/resource` allows `verb`: both the export's
/// and the binding's verbs must name it (or both `*`, kcp's intersection).
fn claim_allows(
    binding: &BindingAccess,
    view: &View,
    group: &str,
    resource: &str,
    verb: &str,
) -> bool {
    let (group, resource) = crate::apis::claims::normalize(group, resource);
    binding.spec.permission_claims.iter().any(|accepted| {
        if accepted.state != Some(AcceptablePermissionClaimState::Accepted)
            || accepted.scoped.claim.group != group
            || accepted.scoped.claim.resource != resource
        {
            return false;
        }
        let exported: &[String] = view
            .export
            .spec
            .permission_claims
            .iter()
            .find(|c| c.equal_gri(&accepted.scoped.claim))
            .map_or(&[], |c| c.verbs.as_slice());
        let allowed = |v: &str| {
            accepted.scoped.claim.verbs.iter().any(|b| b == v) && exported.iter().any(|e| e == v)
        };
        allowed(verb) || allowed("*")
    })
}

/// Whether `b` binds the view's export (resolved, or still referring to it by the export's
/// cluster name).
fn binds(b: &BindingAccess, view: &View) -> bool {
    let Some(export) = &b.spec.reference.export else {
        return false;
    };
    export.name == view.name
        && (b.status.api_export_cluster_name == view.export_cluster
            || (b.status.api_export_cluster_name.is_empty() && export.path == view.export_cluster))
}

fn attributes(info: &RequestInfo, verb: &str) -> authz::Attributes {
    authz::Attributes {
        verb: verb.to_string(),
        resource_request: info.is_resource_request,
        api_group: info.api_group.clone(),
        resource: info.resource.clone(),
        subresource: info.subresource.clone(),
        namespace: info.namespace.clone(),
        name: info.name.clone(),
        path: info.path.clone(),
    }
}

fn denied(user: &User, info: &RequestInfo, verb: &str, why: &str) -> ApiError {
    let attrs = attributes(info, verb);
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
