//! The server: wiring of the layers, and the request pipeline every request goes through
//! (health → authn → routing → discovery/non-resource → authz → admission of the body →
//! registry, whose writes call the admission plugins on their final object).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::json;

use crate::authn::{self, Authenticator, User};
use crate::authz::{self, Attributes, Decision};
use crate::catalog::{Backing, Catalog, Catalogs};
use crate::errors::{ApiError, ApiResult};
use crate::http::negotiation::{self, JSON, Restrictions};
use crate::http::response::{self, Body};
use crate::http::serve::PeerIdentity;
use crate::http::{RequestInfo, request_info};
use crate::registry::handler::{self, RestRequest};
use crate::registry::query::parse_query;
use crate::reviews;
use crate::routing::{self, Target};
use crate::storage::Storage;

/// kube-apiserver's default limit on request bodies.
pub const MAX_REQUEST_BODY_BYTES: usize = 3 * 1024 * 1024;

/// The Kubernetes version we report (kcp's: 1.36): major, minor.
pub const KUBE_VERSION: (&str, &str) = ("1", "36");

/// The version kcp reports, as a literal (a macro: `concat!` takes literals only): the
/// Kubernetes release it serves, then `+kcp-v<crate version>`, as kcp's
/// `<kube version>+kcp-<release>`.
#[macro_export]
macro_rules! git_version {
    () => {
        concat!("v1.36.0+kcp-v", env!("CARGO_PKG_VERSION"))
    };
}

/// How long a binding create waits for the APIBinding controller before it is answered anyway.
const BINDING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a workspace create waits for its workspace to be scheduled before it is answered
/// anyway.
const WORKSPACE_SCHEDULING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Server {
    pub profile: crate::options::Profile,
    pub storage: Arc<Storage>,
    /// Issues and checks service account tokens.
    pub tokens: Arc<crate::serviceaccount::TokenIssuer>,
    pub authn: Authenticator,
    pub catalogs: Arc<Catalogs>,
    /// The workspace controller's progress, which workspace creates wait on.
    pub workspace_progress: Arc<crate::controllers::workspace::Progress>,
    /// The APIBinding controller's progress, by cluster, which binding creates wait on.
    pub binding_progress: Arc<crate::controllers::progress::Progress>,
    /// The `apis.kcp.io` objects, as admission, the authorizer and the virtual workspace look
    /// them up; shared with the controllers (which keep its indexes).
    pub apis: crate::apis::Apis,
    /// The APIExport virtual workspace's catalogs.
    pub views: crate::virtual_workspace::apiexport::Views,
    ready: AtomicBool,
    shutting_down: AtomicBool,
}

impl Server {
    pub fn new(
        profile: crate::options::Profile,
        storage: Arc<Storage>,
        authn: Authenticator,
        tokens: Arc<crate::serviceaccount::TokenIssuer>,
        catalogs: Arc<Catalogs>,
    ) -> Self {
        Self {
            profile,
            apis: crate::apis::Apis::new(storage.clone(), catalogs.tenancy().clone()),
            storage,
            authn,
            tokens,
            catalogs,
            workspace_progress: Default::default(),
            binding_progress: Default::default(),
            views: Default::default(),
            ready: AtomicBool::new(false),
            shutting_down: AtomicBool::new(false),
        }
    }

    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }

    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    /// Serves one HTTP request.
    pub async fn handle(&self, req: Request<Incoming>, peer: &PeerIdentity) -> Response<Body> {
        let started = std::time::Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let mut labels = RequestLabels::default();
        let resp = match self.pipeline(req, peer, &mut labels).await {
            Ok(r) => r,
            Err(e) => response::error(&e),
        };
        labels.record(resp.status().as_u16(), started.elapsed());
        tracing::debug!(
            "{method} {path} {} {:?}",
            resp.status().as_u16(),
            started.elapsed()
        );
        resp
    }

    async fn pipeline(
        &self,
        req: Request<Incoming>,
        peer: &PeerIdentity,
        labels: &mut RequestLabels,
    ) -> ApiResult<Response<Body>> {
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().to_string();
        let query = parse_query(parts.uri.query());

        // Health and version need no credentials.
        if let Some(r) = self.health(&path) {
            return Ok(r);
        }

        let user = self.authenticate(&parts.headers, peer)?;
        let mut target = routing::route_for(self.profile, &path)?;
        if let (Target::Cluster { cluster, .. }, crate::options::Profile::Kcp) =
            (&mut target, self.profile)
        {
            *cluster = routing::resolve(&self.storage, &self.catalogs, cluster).await?;
        }
        let (cluster, rest_path) = match &target {
            Target::Base { path } => (None, path.as_str()),
            Target::Cluster { cluster, path } => (Some(cluster.as_str()), path.as_str()),
            Target::ApiExport {
                export_cluster,
                export,
                cluster,
                path,
            } => {
                if let Some(r) = self.health(path) {
                    return Ok(r);
                }
                labels.fill(&parts.method, path, &query);
                let user = self
                    .impersonate(user, &parts.headers, Some(export_cluster))
                    .await?;
                return crate::virtual_workspace::apiexport::serve(
                    self,
                    crate::virtual_workspace::apiexport::Request {
                        method: &parts.method,
                        headers: &parts.headers,
                        query: &query,
                        body,
                        user: &user,
                        export_cluster,
                        export,
                        cluster: cluster.as_deref(),
                        path,
                    },
                )
                .await;
            }
        };
        if let Some(r) = self.health(rest_path) {
            return Ok(r);
        }
        let mut info = labels.fill(&parts.method, rest_path, &query);
        let user = self.impersonate(user, &parts.headers, cluster).await?;

        if !info.is_resource_request {
            return self
                .non_resource(&parts.method, &parts.headers, cluster, &info, &user)
                .await;
        }
        let Some(cluster) = cluster else {
            // kcp's base URL has no logical cluster: only non-resource paths are served there.
            return Err(ApiError::path_not_found());
        };
        if cluster == "*" && !matches!(info.verb.as_str(), "list" | "watch") {
            return Err(ApiError::method_not_allowed());
        }
        let def = self.resource_def(cluster, &mut info)?;
        if !def.supports(&info.verb) && info.subresource.is_empty() {
            return Err(ApiError::method_not_allowed());
        }
        self.check(&user, cluster, &info, &def).await?;
        let body = read_body(body, &parts.headers).await?;
        let body = crate::admission::admit(
            &self.storage,
            &self.catalogs,
            &crate::admission::Request {
                user: &user,
                cluster,
                verb: &info.verb,
                subresource: &info.subresource,
                name: &info.name,
                def: &def,
            },
            body,
        )
        .await?;
        if def.resource == "serviceaccounts" && def.group.is_empty() && info.subresource == "token"
        {
            if parts.method != Method::POST {
                return Err(ApiError::method_not_allowed());
            }
            return reviews::token_request(self, &def, cluster, &info, &parts.headers, &body).await;
        }
        if def.group == kcp_api::keys::TENANCY_GROUP
            && def.resource == "workspaces"
            && info.name == "~"
            && info.verb == "get"
            && cluster == kcp_api::ROOT_CLUSTER
        {
            let home =
                crate::controllers::workspace::home_workspace(&self.storage, &self.catalogs, &user)
                    .await?;
            return Ok(response::json(200, &home));
        }
        if def.backing == Backing::Review {
            if parts.method != Method::POST {
                return Err(ApiError::method_not_allowed());
            }
            return reviews::create(self, &def, cluster, &info, &user, &parts.headers, &body).await;
        }
        // A workspace create is answered once the workspace is scheduled (see `Progress`).
        let new_workspace = (def.group == kcp_api::keys::TENANCY_GROUP
            && def.resource == "workspaces"
            && info.verb == "create"
            && !query.contains_key("dryRun"))
        .then(|| handler::decode_body(&parts.headers, &body, def.kind).ok())
        .flatten()
        .and_then(|ws| ws["metadata"]["name"].as_str().map(str::to_string));
        // A binding create is answered once the APIBinding controller has taken it through its
        // first reconcile: clients binding faster than bindings are made are paced by it.
        let new_binding = (def.group == kcp_api::keys::APIS_GROUP
            && def.resource == crate::apis::APIBINDINGS
            && info.verb == "create"
            && !query.contains_key("dryRun"))
        .then(|| handler::decode_body(&parts.headers, &body, def.kind).ok())
        .flatten()
        .and_then(|b| b["metadata"]["name"].as_str().map(str::to_string));
        let response = handler::serve(
            &self.storage,
            &def,
            RestRequest {
                info: &info,
                cluster,
                headers: &parts.headers,
                query: &query,
                body,
                admission: &crate::admission::Plugins {
                    apis: &self.apis,
                    user: &user,
                },
            },
        )
        .await?;
        if let Some(name) = new_binding
            && response.status() == http::StatusCode::CREATED
        {
            let key = crate::apis::key(crate::apis::APIBINDINGS, cluster, &name);
            self.binding_progress
                .wait(
                    (cluster.to_string(), String::new()),
                    BINDING_WAIT,
                    || async {
                        // The controller's first status (Bound, or Binding with why not).
                        self.storage.get_cached(&key).await.is_none_or(|b| {
                            b.value().is_ok_and(|v| {
                                v["status"]["phase"].as_str().is_some_and(|p| !p.is_empty())
                            })
                        })
                    },
                )
                .await;
        }
        if let Some(name) = new_workspace
            && response.status() == http::StatusCode::CREATED
        {
            crate::controllers::workspace::wait_scheduled(
                &self.workspace_progress,
                &self.storage,
                self.catalogs.tenancy(),
                cluster,
                &name,
                WORKSPACE_SCHEDULING_WAIT,
            )
            .await;
        }
        Ok(response)
    }

    /// The resource a request addresses in `cluster`. In a wildcard request, a bound resource
    /// is addressed with its export's identity, `<resource>:<identity>` (`reference/kcp.md`
    /// §2.3); without it, only the built-ins and root's kinds are found.
    fn resource_def(
        &self,
        cluster: &str,
        info: &mut RequestInfo,
    ) -> ApiResult<crate::catalog::ResourceDef> {
        if cluster == "*"
            && let Some((resource, identity)) = info.resource.split_once(':')
        {
            let def = self
                .catalogs
                .by_identity(identity, &info.api_group, &info.api_version, resource)
                .ok_or_else(ApiError::path_not_found)?;
            info.resource = resource.to_string();
            return Ok(def);
        }
        let catalog = self.catalogs.for_cluster(cluster);
        match catalog.lookup(&info.api_group, &info.api_version, &info.resource) {
            Some(def) => Ok(def.clone()),
            // No handler at all for a group version nobody serves: kube's mux answers.
            None if !info.api_group.is_empty()
                && !catalog.serves_group_version(&info.api_group, &info.api_version) =>
            {
                Err(ApiError::page_not_found())
            }
            None => Err(ApiError::path_not_found()),
        }
    }

    fn health(&self, path: &str) -> Option<Response<Body>> {
        match path {
            "/healthz" | "/livez" | "/healthz/ping" | "/livez/ping" => {
                Some(response::text(200, "ok"))
            }
            "/readyz" | "/readyz/ping" => {
                let ready =
                    self.ready.load(Ordering::SeqCst) && !self.shutting_down.load(Ordering::SeqCst);
                Some(if ready {
                    response::text(200, "ok")
                } else {
                    response::text(500, "[-]ready failed: not ready\nreadyz check failed")
                })
            }
            "/version" | "/version/" => Some(response::json(200, &version())),
            _ => None,
        }
    }

    fn authenticate(&self, headers: &HeaderMap, peer: &PeerIdentity) -> ApiResult<User> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let user = match self.authn.authenticate(bearer, peer.credentials()) {
            Ok(u) => u,
            // Last in the chain: service account tokens.
            Err(_) => bearer
                .and_then(|t| self.tokens.verify(t, None))
                .map(|s| s.user)
                .ok_or_else(ApiError::unauthorized)?,
        };
        if user.name == authn::ANONYMOUS {
            return Err(ApiError::unauthorized());
        }
        Ok(user)
    }

    /// Switches to the impersonated user after checking the caller may impersonate it.
    async fn impersonate(
        &self,
        user: User,
        headers: &HeaderMap,
        cluster: Option<&str>,
    ) -> ApiResult<User> {
        let Some(target) = authn::impersonation(headers) else {
            return Ok(user);
        };
        let cluster = cluster.unwrap_or(kcp_api::ROOT_CLUSTER);
        let mut checks = vec![("users", target.name.clone())];
        for g in &target.groups {
            if g != authn::ALL_AUTHENTICATED {
                checks.push(("groups", g.clone()));
            }
        }
        for (resource, name) in checks {
            let attrs = Attributes {
                verb: "impersonate".into(),
                resource_request: true,
                api_group: String::new(),
                resource: resource.into(),
                name: name.clone(),
                ..Attributes::default()
            };
            if let Decision::Deny(reason) =
                authz::authorize(&self.storage, &user, cluster, &attrs).await
            {
                return Err(ApiError::forbidden(
                    &crate::errors::GroupResource::new("", resource),
                    &name,
                    &authz::denial_message(&user, &attrs, &reason),
                ));
            }
        }
        Ok(target)
    }

    /// Authorizes a resource request; `def` is the resource served, whose APIExport's maximal
    /// permission policy applies when it is bound.
    async fn check(
        &self,
        user: &User,
        cluster: &str,
        info: &RequestInfo,
        def: &crate::catalog::ResourceDef,
    ) -> ApiResult<()> {
        let attrs = Attributes {
            verb: info.verb.clone(),
            resource_request: true,
            api_group: info.api_group.clone(),
            resource: info.resource.clone(),
            subresource: info.subresource.clone(),
            namespace: info.namespace.clone(),
            name: info.name.clone(),
            path: info.path.clone(),
        };
        let cluster_for_authz = if cluster == "*" {
            kcp_api::ROOT_CLUSTER
        } else {
            cluster
        };
        if cluster == "*" && !user.in_group(authn::MASTERS) {
            return Err(ApiError::forbidden(
                &crate::errors::GroupResource::new(&info.api_group, &info.resource),
                "",
                "wildcard requests are only allowed for privileged users",
            ));
        }
        let bound = def.bound.as_deref();
        match authz::authorize_resource(&self.storage, user, cluster_for_authz, &attrs, bound).await
        {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) => Err(ApiError::forbidden(
                &crate::errors::GroupResource::new(&info.api_group, &info.resource),
                &info.name,
                &authz::denial_message(user, &attrs, &reason),
            )),
        }
    }

    /// Discovery and other non-resource paths.
    async fn non_resource(
        &self,
        method: &Method,
        headers: &HeaderMap,
        cluster: Option<&str>,
        info: &RequestInfo,
        user: &User,
    ) -> ApiResult<Response<Body>> {
        let attrs = Attributes {
            verb: info.verb.clone(),
            path: info.path.clone(),
            ..Attributes::default()
        };
        if let Decision::Deny(reason) = authz::authorize(
            &self.storage,
            user,
            cluster.unwrap_or(kcp_api::ROOT_CLUSTER),
            &attrs,
        )
        .await
        {
            return Err(ApiError::forbidden_path(&authz::denial_message(
                user, &attrs, &reason,
            )));
        }
        if *method != Method::GET && *method != Method::HEAD {
            return Err(ApiError::method_not_allowed());
        }
        let segments: Vec<&str> = info.path.trim_matches('/').split('/').collect();
        match segments.as_slice() {
            ["metrics"] if cluster.is_none() || self.profile == crate::options::Profile::Kube => {
                Ok(response::bytes(
                    200,
                    "text/plain; version=0.0.4",
                    Bytes::from(crate::metrics::get().render()),
                ))
            }
            // Shard-level metrics exist only at the base URL, as in kcp.
            ["metrics"] => Err(ApiError::new(
                501,
                "NotImplemented",
                "the metrics of a logical cluster are not served: use /metrics at the base URL",
            )),
            _ => discovery(
                &self
                    .catalogs
                    .for_cluster(cluster.unwrap_or(crate::routing::KUBE_CLUSTER)),
                method,
                headers,
                &segments,
            ),
        }
    }
}

/// Discovery (legacy and aggregated) and OpenAPI (v2, v3) of a catalog: a logical cluster's,
/// or a virtual workspace's.
pub fn discovery(
    cat: &Catalog,
    method: &Method,
    headers: &HeaderMap,
    segments: &[&str],
) -> ApiResult<Response<Body>> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    // Legacy discovery and OpenAPI v3 take no `as=`: JSON only.
    let json_only = || {
        negotiation::negotiate(accept, &[JSON], Restrictions::None)
            .map(|_| ())
            .ok_or_else(|| ApiError::not_acceptable(&[JSON]))
    };
    match segments {
        ["api"] | ["apis"] => {
            let legacy = segments[0] == "api";
            let n = negotiation::negotiate(accept, &[JSON], Restrictions::AggregatedDiscovery)
                .ok_or_else(|| ApiError::not_acceptable(&[JSON]))?;
            if n.convert.is_some() {
                let mut r = response::json(200, &cat.aggregated(legacy));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    http::HeaderValue::from_static(
                        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
                    ),
                );
                return Ok(with_vary_accept(r));
            }
            Ok(with_vary_accept(response::json(
                200,
                &if legacy {
                    cat.api_versions()
                } else {
                    cat.api_group_list()
                },
            )))
        }
        ["api", "v1"] => {
            json_only()?;
            // Always there, empty where nothing of the core group is served (an export's
            // virtual workspace without core claims).
            let list = cat.api_resource_list("", "v1").unwrap_or_else(|| {
                serde_json::json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": []})
            });
            Ok(response::json(200, &list))
        }
        ["apis", group] => {
            let v = cat.api_group(group).ok_or_else(ApiError::page_not_found)?;
            json_only()?;
            Ok(response::json(200, &v))
        }
        ["apis", group, version] => {
            let v = cat
                .api_resource_list(group, version)
                .ok_or_else(ApiError::page_not_found)?;
            json_only()?;
            Ok(response::json(200, &v))
        }
        ["openapi", "v2"] => Ok(crate::schema::serve_openapi_v2(
            &served_resources(cat),
            method,
            headers,
        )),
        ["openapi", "v3"] => {
            json_only()?;
            let docs = crate::schema::openapi_v3(&served_resources(cat));
            let mut r = openapi_response(&docs.index);
            // kube-openapi writes the index without a type; Go's server sniffs it as text.
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            Ok(r)
        }
        ["openapi", "v3", rest @ ..] => {
            json_only()?;
            let docs = crate::schema::openapi_v3(&served_resources(cat));
            // kube-openapi answers an unknown group version with an empty 404.
            Ok(docs
                .group_version(&rest.join("/"))
                .map(openapi_response)
                .unwrap_or_else(|| response::bytes(404, "", Bytes::new())))
        }
        _ => Err(ApiError::page_not_found()),
    }
}

/// What a request is counted under in the metrics (known once it is parsed).
#[derive(Default)]
struct RequestLabels {
    verb: String,
    group: String,
    resource: String,
}

impl RequestLabels {
    /// Parses the request (what it is counted under); the parsed request.
    fn fill(&mut self, method: &Method, path: &str, query: &Query) -> RequestInfo {
        let watch = matches!(query.get("watch").map(String::as_str), Some("true" | "1"));
        let info = request_info::parse(method, path, watch);
        self.verb.clone_from(&info.verb);
        if info.is_resource_request {
            self.group.clone_from(&info.api_group);
            self.resource.clone_from(&info.resource);
        }
        info
    }

    fn record(&self, code: u16, elapsed: std::time::Duration) {
        let m = crate::metrics::get();
        let verb = if self.verb.is_empty() {
            "unknown"
        } else {
            &self.verb
        };
        m.requests
            .with_label_values(&[verb, &self.group, &self.resource, &code.to_string()])
            .inc();
        if verb != "watch" {
            m.request_duration
                .with_label_values(&[verb])
                .observe(elapsed.as_secs_f64());
        }
    }
}

/// The resources of a catalog as the OpenAPI documents need them.
fn served_resources(cat: &Catalog) -> Vec<crate::schema::ServedResource> {
    cat.resources()
        .iter()
        .map(|r| {
            let gvk = crate::schema::GroupVersionKind::new(r.group, r.version, r.kind);
            let subs: Vec<&str> = r.subresources.iter().map(|(s, _)| *s).collect();
            let served = match &r.custom {
                Some(c) => crate::schema::ServedResource::custom(
                    &gvk,
                    r.resource,
                    r.namespaced,
                    r.verbs,
                    c.openapi_schema.clone(),
                )
                .with_selectable_fields(c.schema.selectable_field_names()),
                None => {
                    crate::schema::ServedResource::builtin(&gvk, r.resource, r.namespaced, r.verbs)
                }
            };
            served.with_subresources(&subs)
        })
        .collect()
}

fn openapi_response(doc: &crate::schema::RenderedDocument) -> Response<Body> {
    let mut r = response::bytes(200, response::JSON, Bytes::copy_from_slice(&doc.body));
    if let Ok(v) = http::HeaderValue::from_str(&format!("\"{}\"", doc.etag)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// `/api` and `/apis` answer differently by `Accept`: caches must key on it.
fn with_vary_accept(mut r: Response<Body>) -> Response<Body> {
    r.headers_mut()
        .insert(header::VARY, http::HeaderValue::from_static("Accept"));
    r
}

/// `/version`'s `gitVersion` and `kcp --version`'s: see [`git_version!`].
pub const fn git_version() -> &'static str {
    git_version!()
}

/// The `/version` document.
pub fn version() -> serde_json::Value {
    let (major, minor) = KUBE_VERSION;
    json!({
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": "35",
        "gitVersion": git_version(),
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": "",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
    })
}

/// Reads the body, refusing more than kube's limit with a 413. An oversized body is still
/// drained (up to a bound) so that the client reads the 413 instead of a reset connection.
pub(crate) async fn read_body(mut body: Incoming, headers: &HeaderMap) -> ApiResult<Bytes> {
    const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut buf = bytes::BytesMut::new();
    let mut seen = 0usize;
    let too_large = declared.is_some_and(|len| len > MAX_REQUEST_BODY_BYTES);
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| ApiError::bad_request(format!("reading the request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen > DRAIN_LIMIT {
                break;
            }
            if !too_large && seen <= MAX_REQUEST_BODY_BYTES {
                buf.extend_from_slice(&data);
            }
        }
    }
    if too_large || seen > MAX_REQUEST_BODY_BYTES {
        return Err(ApiError::too_large(MAX_REQUEST_BODY_BYTES));
    }
    Ok(buf.freeze())
}

/// Parsed query parameters, for handlers outside the registry.
pub type Query = HashMap<String, String>;
