//! The few requests the plugins make, behind one trait so that the command logic can be tested
//! against an in-memory fake.
//!
//! [`KcpApi`] is "cluster-aware" (`reference/kcp.md` §5.1): every call names the logical cluster
//! path it goes to, and [`KubeApi`] — the real implementation — sends it to
//! `<base URL>/clusters/<path>/...` through one kube-rs client that carries the kubeconfig's TLS
//! settings and credentials.

use std::sync::OnceLock;

use futures::StreamExt;
use futures::stream::LocalBoxStream;
use http::Request;
use kcp_api::Path;
use kcp_api::apis::{v1alpha1, v1alpha2};
use kcp_api::core::LogicalCluster;
use kcp_api::tenancy::Workspace;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::bind::{BindingVersion, VersionedBinding};
use crate::workspace_url::WorkspaceUrl;

/// A failed request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error status (a Kubernetes `Status` when it sent one).
    #[error("{message}")]
    Status {
        code: u16,
        reason: String,
        message: String,
    },
    /// The request did not get an answer, or the answer could not be read.
    #[error("{0}")]
    Transport(String),
}

impl ApiError {
    /// A status error with kube-apiserver's reason for `code`.
    pub fn status(code: u16, message: impl Into<String>) -> Self {
        let reason = match code {
            403 => "Forbidden",
            404 => "NotFound",
            409 => "AlreadyExists",
            _ => "",
        };
        ApiError::Status {
            code,
            reason: reason.into(),
            message: message.into(),
        }
    }

    fn code(&self) -> Option<u16> {
        match self {
            ApiError::Status { code, .. } => Some(*code),
            ApiError::Transport(_) => None,
        }
    }

    /// 404.
    pub fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }

    /// 403.
    pub fn is_forbidden(&self) -> bool {
        self.code() == Some(403)
    }

    /// 409 with reason `AlreadyExists` (a 409 `Conflict` is something else).
    pub fn is_already_exists(&self) -> bool {
        matches!(self, ApiError::Status { code: 409, reason, .. } if reason == "AlreadyExists")
    }
}

impl From<kube::Error> for ApiError {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(status) => {
                let message = if status.message.is_empty() {
                    format!(
                        "the server responded with the status code {} but did not return more information",
                        status.code
                    )
                } else {
                    status.message.clone()
                };
                ApiError::Status {
                    code: status.code,
                    reason: status.reason.clone(),
                    message,
                }
            }
            other => ApiError::Transport(error_chain(&other)),
        }
    }
}

/// An error and its sources, `outer: inner: innermost`, skipping a source whose text its
/// parent already shows.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// What discovery of a workspace showed (§5.2 step 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Discovery {
    /// `/api` or `/apis` answered 403.
    pub forbidden: bool,
    /// The number of API groups served (the legacy group counts as one).
    pub groups: usize,
}

/// What a watch of one APIBinding reports.
#[derive(Clone, Debug, PartialEq)]
pub enum BindingEvent {
    /// ADDED or MODIFIED.
    Changed(Box<VersionedBinding>),
    /// DELETED.
    Deleted,
    /// BOOKMARK with its resourceVersion.
    Bookmark(String),
    /// An ERROR event with 410: the resourceVersion is too old to watch from.
    Gone,
}

/// The events of one watch, until the server ends it.
pub type BindingEvents<'a> = LocalBoxStream<'a, Result<BindingEvent, ApiError>>;

/// The requests the plugins make, each against one logical-cluster path.
#[allow(async_fn_in_trait)] // only used with concrete types, never as `dyn` or across threads
pub trait KcpApi {
    /// `GET /api` and `GET /apis`; 403 and 404 count as no groups.
    async fn discovery(&self, cluster: &Path) -> Result<Discovery, ApiError>;
    /// `GET .../workspaces/<name>` (`~` is the user's home workspace, in `root`).
    async fn get_workspace(&self, cluster: &Path, name: &str) -> Result<Workspace, ApiError>;
    /// `GET .../workspaces[?limit=n]`.
    async fn list_workspaces(
        &self,
        cluster: &Path,
        limit: Option<u32>,
    ) -> Result<Vec<Workspace>, ApiError>;
    /// `POST .../workspaces`.
    async fn create_workspace(
        &self,
        cluster: &Path,
        workspace: &Workspace,
    ) -> Result<Workspace, ApiError>;
    /// `GET .../logicalclusters/cluster`.
    async fn get_logical_cluster(&self, cluster: &Path) -> Result<LogicalCluster, ApiError>;
    /// `GET .../apis.kcp.io/v1alpha2/apibindings`.
    async fn list_api_bindings(
        &self,
        cluster: &Path,
    ) -> Result<Vec<v1alpha2::APIBinding>, ApiError>;
    /// `GET .../apis.kcp.io/v1alpha2/apiexports`.
    async fn list_api_exports(&self, cluster: &Path) -> Result<Vec<v1alpha2::APIExport>, ApiError>;
    /// `GET .../apis.kcp.io/v1alpha1/apiexportendpointslices`.
    async fn list_endpoint_slices(
        &self,
        cluster: &Path,
    ) -> Result<Vec<v1alpha1::APIExportEndpointSlice>, ApiError>;
    /// Discovery of one API group: its versions in the server's order of preference, each with
    /// the names of its resources (subresources left out).
    async fn group_versions(
        &self,
        cluster: &Path,
        group: &str,
    ) -> Result<Vec<(String, Vec<String>)>, ApiError>;
    /// `GET .../apis.kcp.io/v1alpha1/apiexports/<name>`.
    async fn get_api_export_v1alpha1(
        &self,
        cluster: &Path,
        name: &str,
    ) -> Result<v1alpha1::APIExport, ApiError>;
    /// `POST .../apis.kcp.io/<version>/apibindings`.
    async fn create_api_binding(
        &self,
        cluster: &Path,
        binding: &VersionedBinding,
    ) -> Result<VersionedBinding, ApiError>;
    /// `GET .../apis.kcp.io/<version>/apibindings/<name>`.
    async fn get_api_binding(
        &self,
        cluster: &Path,
        version: BindingVersion,
        name: &str,
    ) -> Result<VersionedBinding, ApiError>;
    /// `GET .../apis.kcp.io/<version>/apibindings?watch=true&fieldSelector=metadata.name=<name>`
    /// from `resource_version`.
    async fn watch_api_binding<'a>(
        &'a self,
        cluster: &Path,
        version: BindingVersion,
        name: &str,
        resource_version: &str,
    ) -> Result<BindingEvents<'a>, ApiError>;
}

/// The collection URL path of a cluster-scoped kind.
fn collection<K: k8s_openapi::Resource>() -> String {
    if K::GROUP.is_empty() {
        format!("/api/{}/{}", K::VERSION, K::URL_PATH_SEGMENT)
    } else {
        format!("/apis/{}/{}", K::API_VERSION, K::URL_PATH_SEGMENT)
    }
}

#[derive(Deserialize)]
struct List<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

#[derive(Default, Deserialize)]
struct LegacyVersions {
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Default, Deserialize)]
struct GroupList {
    #[serde(default)]
    groups: Vec<serde_json::Value>,
}

/// `/apis` as client-go asks for it: aggregated discovery (`APIGroupDiscoveryList`, one request
/// for every group's versions and resources), else the legacy `APIGroupList`.
const DISCOVERY_ACCEPT: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

/// The versions of `group` in an aggregated discovery document, preferred first.
fn aggregated_group_versions(doc: &serde_json::Value, group: &str) -> Vec<(String, Vec<String>)> {
    let str_of = |v: &serde_json::Value, key: &str| {
        v.get(key)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    doc["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["metadata"]["name"].as_str().unwrap_or_default() == group)
        .flat_map(|g| g["versions"].as_array().cloned().unwrap_or_default())
        .map(|v| {
            let resources = v["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| str_of(r, "resource"))
                .collect();
            (str_of(&v, "version"), resources)
        })
        .collect()
}

/// The versions of `group` in a legacy `APIGroupList`, preferred first.
fn legacy_group_versions(doc: &serde_json::Value, group: &str) -> Vec<String> {
    let Some(g) = doc["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["name"].as_str() == Some(group))
    else {
        return Vec::new();
    };
    let preferred = g["preferredVersion"]["version"]
        .as_str()
        .unwrap_or_default();
    let mut versions: Vec<String> = g["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["version"].as_str().map(str::to_owned))
        .collect();
    if let Some(i) = versions.iter().position(|v| v == preferred) {
        let p = versions.remove(i);
        versions.insert(0, p);
    }
    versions
}

fn binding_collection(version: BindingVersion) -> String {
    format!("/apis/apis.kcp.io/{}/apibindings", version.as_str())
}

/// [`KcpApi`] over HTTPS with kube-rs: one client whose cluster URL is the base URL of the
/// kubeconfig's server, built on first use (a command that only prints the current workspace
/// never needs one, and its URL may not even be a workspace URL).
pub struct KubeApi {
    config: kube::Config,
    client: OnceLock<Result<kube::Client, ApiError>>,
}

impl KubeApi {
    /// A client for the base of `config.cluster_url` (`<base>/clusters/<path>`, or a plain URL).
    pub fn new(config: kube::Config) -> Self {
        KubeApi {
            config,
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> Result<&kube::Client, ApiError> {
        self.client
            .get_or_init(|| {
                let url = self.config.cluster_url.to_string();
                let base = WorkspaceUrl::parse(&url).map_or(url, |u| u.base);
                let mut config = self.config.clone();
                config.cluster_url = base.trim_end_matches('/').parse().map_err(|e| {
                    ApiError::Transport(format!("invalid server URL {base:?}: {e}"))
                })?;
                Ok(kube::Client::try_from(config)?)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn request<T: DeserializeOwned>(
        &self,
        method: http::Method,
        cluster: &Path,
        path: &str,
        body: Vec<u8>,
    ) -> Result<T, ApiError> {
        let req = Self::build(method, cluster, path, "application/json", body)?;
        Ok(self.client()?.request::<T>(req).await?)
    }

    fn build(
        method: http::Method,
        cluster: &Path,
        path: &str,
        accept: &str,
        body: Vec<u8>,
    ) -> Result<Request<Vec<u8>>, ApiError> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", cluster.request_path()))
            .header(http::header::ACCEPT, accept);
        if !body.is_empty() {
            req = req.header(http::header::CONTENT_TYPE, "application/json");
        }
        req.body(body)
            .map_err(|e| ApiError::Transport(e.to_string()))
    }

    async fn get<T: DeserializeOwned>(&self, cluster: &Path, path: &str) -> Result<T, ApiError> {
        self.request(http::Method::GET, cluster, path, Vec::new())
            .await
    }

    async fn list<K: k8s_openapi::Resource + DeserializeOwned>(
        &self,
        cluster: &Path,
    ) -> Result<Vec<K>, ApiError> {
        Ok(self
            .get::<List<K>>(cluster, &collection::<K>())
            .await?
            .items)
    }
}

/// 403 and 404 answers to a discovery request count as "nothing there".
fn tolerate<T: Default>(r: Result<T, ApiError>, forbidden: &mut bool) -> Result<T, ApiError> {
    match r {
        Ok(v) => Ok(v),
        Err(e) if e.is_forbidden() => {
            *forbidden = true;
            Ok(T::default())
        }
        Err(e) if e.is_not_found() => Ok(T::default()),
        Err(e) => Err(e),
    }
}

impl KcpApi for KubeApi {
    async fn discovery(&self, cluster: &Path) -> Result<Discovery, ApiError> {
        let mut forbidden = false;
        let legacy = tolerate(
            self.get::<LegacyVersions>(cluster, "/api").await,
            &mut forbidden,
        )?;
        let groups = tolerate(
            self.get::<GroupList>(cluster, "/apis").await,
            &mut forbidden,
        )?;
        Ok(Discovery {
            forbidden,
            groups: usize::from(!legacy.versions.is_empty()) + groups.groups.len(),
        })
    }

    async fn get_workspace(&self, cluster: &Path, name: &str) -> Result<Workspace, ApiError> {
        self.get(cluster, &format!("{}/{name}", collection::<Workspace>()))
            .await
    }

    async fn list_workspaces(
        &self,
        cluster: &Path,
        limit: Option<u32>,
    ) -> Result<Vec<Workspace>, ApiError> {
        let mut path = collection::<Workspace>();
        if let Some(limit) = limit {
            path.push_str(&format!("?limit={limit}"));
        }
        Ok(self.get::<List<Workspace>>(cluster, &path).await?.items)
    }

    async fn create_workspace(
        &self,
        cluster: &Path,
        workspace: &Workspace,
    ) -> Result<Workspace, ApiError> {
        let body = serde_json::to_vec(workspace).map_err(|e| ApiError::Transport(e.to_string()))?;
        self.request(
            http::Method::POST,
            cluster,
            &collection::<Workspace>(),
            body,
        )
        .await
    }

    async fn get_logical_cluster(&self, cluster: &Path) -> Result<LogicalCluster, ApiError> {
        self.get(
            cluster,
            &format!("{}/cluster", collection::<LogicalCluster>()),
        )
        .await
    }

    async fn list_api_bindings(
        &self,
        cluster: &Path,
    ) -> Result<Vec<v1alpha2::APIBinding>, ApiError> {
        self.list(cluster).await
    }

    async fn list_api_exports(&self, cluster: &Path) -> Result<Vec<v1alpha2::APIExport>, ApiError> {
        self.list(cluster).await
    }

    async fn list_endpoint_slices(
        &self,
        cluster: &Path,
    ) -> Result<Vec<v1alpha1::APIExportEndpointSlice>, ApiError> {
        self.list(cluster).await
    }

    async fn group_versions(
        &self,
        cluster: &Path,
        group: &str,
    ) -> Result<Vec<(String, Vec<String>)>, ApiError> {
        let req = Self::build(
            http::Method::GET,
            cluster,
            "/apis",
            DISCOVERY_ACCEPT,
            Vec::new(),
        )?;
        let doc: serde_json::Value = self.client()?.request(req).await?;
        if doc["kind"] == "APIGroupDiscoveryList" {
            return Ok(aggregated_group_versions(&doc, group));
        }
        let mut out = Vec::new();
        for version in legacy_group_versions(&doc, group) {
            let list: serde_json::Value = self
                .get(cluster, &format!("/apis/{group}/{version}"))
                .await?;
            let resources = list["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["name"].as_str())
                .filter(|n| !n.contains('/'))
                .map(str::to_owned)
                .collect();
            out.push((version, resources));
        }
        Ok(out)
    }

    async fn get_api_export_v1alpha1(
        &self,
        cluster: &Path,
        name: &str,
    ) -> Result<v1alpha1::APIExport, ApiError> {
        self.get(
            cluster,
            &format!("{}/{name}", collection::<v1alpha1::APIExport>()),
        )
        .await
    }

    async fn create_api_binding(
        &self,
        cluster: &Path,
        binding: &VersionedBinding,
    ) -> Result<VersionedBinding, ApiError> {
        let version = binding.version();
        let body = binding
            .to_json()
            .and_then(|v| serde_json::to_vec(&v))
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        let created: serde_json::Value = self
            .request(
                http::Method::POST,
                cluster,
                &binding_collection(version),
                body,
            )
            .await?;
        VersionedBinding::from_json(version, created)
            .map_err(|e| ApiError::Transport(e.to_string()))
    }

    async fn get_api_binding(
        &self,
        cluster: &Path,
        version: BindingVersion,
        name: &str,
    ) -> Result<VersionedBinding, ApiError> {
        let v: serde_json::Value = self
            .get(cluster, &format!("{}/{name}", binding_collection(version)))
            .await?;
        VersionedBinding::from_json(version, v).map_err(|e| ApiError::Transport(e.to_string()))
    }

    async fn watch_api_binding<'a>(
        &'a self,
        cluster: &Path,
        version: BindingVersion,
        name: &str,
        resource_version: &str,
    ) -> Result<BindingEvents<'a>, ApiError> {
        let path = format!(
            "{}?watch=true&allowWatchBookmarks=true&fieldSelector=metadata.name%3D{name}&resourceVersion={resource_version}",
            binding_collection(version)
        );
        let req = Self::build(
            http::Method::GET,
            cluster,
            &path,
            "application/json",
            Vec::new(),
        )?;
        let events = self
            .client()?
            .request_events::<serde_json::Value>(req)
            .await?;
        Ok(events
            .map(move |event| {
                use kube::core::WatchEvent;
                let to_binding = |v: serde_json::Value| {
                    VersionedBinding::from_json(version, v)
                        .map_err(|e| ApiError::Transport(e.to_string()))
                };
                match event? {
                    WatchEvent::Added(v) | WatchEvent::Modified(v) => {
                        Ok(BindingEvent::Changed(Box::new(to_binding(v)?)))
                    }
                    WatchEvent::Deleted(_) => Ok(BindingEvent::Deleted),
                    WatchEvent::Bookmark(b) => {
                        Ok(BindingEvent::Bookmark(b.metadata.resource_version))
                    }
                    WatchEvent::Error(status) if status.code == 410 => Ok(BindingEvent::Gone),
                    WatchEvent::Error(status) => Err(ApiError::Status {
                        code: status.code,
                        reason: status.reason,
                        message: status.message,
                    }),
                }
            })
            .boxed_local())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_paths() {
        assert_eq!(
            collection::<Workspace>(),
            "/apis/tenancy.kcp.io/v1alpha1/workspaces"
        );
        assert_eq!(
            collection::<v1alpha2::APIBinding>(),
            "/apis/apis.kcp.io/v1alpha2/apibindings"
        );
        assert_eq!(
            collection::<v1alpha1::APIExportEndpointSlice>(),
            "/apis/apis.kcp.io/v1alpha1/apiexportendpointslices"
        );
        assert_eq!(
            collection::<LogicalCluster>(),
            "/apis/core.kcp.io/v1alpha1/logicalclusters"
        );
    }

    #[test]
    fn error_classes() {
        assert!(ApiError::status(404, "x").is_not_found());
        assert!(ApiError::status(403, "x").is_forbidden());
        assert!(ApiError::status(409, "x").is_already_exists());
        let conflict = ApiError::Status {
            code: 409,
            reason: "Conflict".into(),
            message: "x".into(),
        };
        assert!(!conflict.is_already_exists());
        assert!(!ApiError::Transport("down".into()).is_not_found());
        let status = kube::core::Status::failure(
            r#"workspaces.tenancy.kcp.io "a" already exists"#,
            "AlreadyExists",
        )
        .with_code(409);
        let e = ApiError::from(kube::Error::Api(status.boxed()));
        assert!(e.is_already_exists());
        assert_eq!(
            e.to_string(),
            r#"workspaces.tenancy.kcp.io "a" already exists"#
        );
    }
}
