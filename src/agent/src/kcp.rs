//! Reaching kcp (`reference/api-syncagent.md` §6.2, §6.3): the kubeconfig of the workspace the
//! agent serves, the endpoint slice there, the APIExport it names (its workspace by path), and
//! clients for the export's virtual workspace, across workspaces (`clusters/*`) and into each.

use std::collections::HashMap;
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::core::GroupVersionKind;
use serde_json::Value;

/// `apis.kcp.io/v1alpha1` of a kind, for dynamic reads.
pub fn apis_resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("apis.kcp.io", "v1alpha1", kind),
        plural,
    )
}

/// `core.kcp.io/v1alpha1` LogicalClusters.
pub fn logical_clusters() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("core.kcp.io", "v1alpha1", "LogicalCluster"),
        "logicalclusters",
    )
}

/// The kcp side of the agent.
pub struct Kcp {
    /// A client for the APIExport's workspace.
    pub export_client: kube::Client,
    /// The export's name and logical cluster.
    pub export_name: String,
    pub export_cluster: String,
    /// A client for the endpoint slice's workspace.
    pub slice_client: kube::Client,
    pub slice_name: String,
    /// The kubeconfig's configuration (credentials and CA for every kcp URL).
    config: kube::Config,
    /// One client (one connection pool) per virtual-workspace URL, shared by its clusters.
    per_url: Mutex<HashMap<String, kube::Client>>,
}

/// A cluster's view of a URL's shared client: `/clusters/<cluster>` goes in front of every
/// request's path. (A client of its own per cluster would hold its own connections, TLS
/// sessions and buffers: over 100 KiB for each bound workspace.)
#[derive(Clone)]
struct InCluster {
    shared: kube::Client,
    prefix: String,
}

impl tower_service::Service<http::Request<kube::client::Body>> for InCluster {
    type Response = http::Response<kube::client::Body>;
    type Error = kube::Error;
    type Future = futures::future::BoxFuture<'static, Result<Self::Response, kube::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), kube::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<kube::client::Body>) -> Self::Future {
        let path = request
            .uri()
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str);
        let shared = self.shared.clone();
        match format!("{}{path}", self.prefix).parse() {
            Ok(uri) => {
                *request.uri_mut() = uri;
                Box::pin(async move { shared.send(request).await })
            }
            Err(e) => {
                let e = kube::Error::HttpError(http::Error::from(e));
                Box::pin(async move { Err(e) })
            }
        }
    }
}

/// The config with its URL's `/clusters/<x>` replaced by `/clusters/<path>`.
pub fn retarget(config: &kube::Config, path: &str) -> Result<kube::Config> {
    let url = config.cluster_url.to_string();
    let parts: Vec<&str> = url.split("/clusters/").collect();
    if parts.len() != 2 {
        bail!("kcp kubeconfig URL {url:?} must contain exactly one /clusters/ segment");
    }
    let rest = parts[1].split_once('/').map(|(_, r)| r).unwrap_or("");
    let mut target = format!("{}/clusters/{path}", parts[0]);
    if !rest.is_empty() {
        target = format!("{target}/{rest}");
    }
    let mut c = config.clone();
    c.cluster_url = target.parse().context("retargeted URL")?;
    Ok(c)
}

/// The config pointed at `url`.
pub fn at(config: &kube::Config, url: &str) -> Result<kube::Config> {
    let mut c = config.clone();
    c.cluster_url = url.parse().with_context(|| format!("URL {url:?}"))?;
    Ok(c)
}

/// The logical cluster (name) of the workspace a client points at.
pub async fn cluster_name(client: &kube::Client) -> Result<String> {
    let lc = Api::<DynamicObject>::all_with(client.clone(), &logical_clusters())
        .get("cluster")
        .await
        .context("getting the LogicalCluster \"cluster\"")?;
    lc.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("kcp.io/cluster"))
        .cloned()
        .context("the LogicalCluster has no kcp.io/cluster annotation")
}

impl Kcp {
    /// Loads the kcp kubeconfig and resolves the endpoint slice and its export.
    pub async fn connect(kubeconfig: &str, slice_name: &str) -> Result<Self> {
        let kc = kube::config::Kubeconfig::read_from(kubeconfig)
            .with_context(|| format!("reading the kcp kubeconfig {kubeconfig:?}"))?;
        let config =
            kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
                .await
                .context("no kubeconfig was found. Have you set current-context?")?;
        if !config.cluster_url.to_string().contains("/clusters/") {
            bail!("kcp kubeconfig does not point to a specific workspace");
        }
        let slice_client = crate::client::client(config.clone())?;
        let slice: Value = serde_json::to_value(
            Api::<DynamicObject>::all_with(
                slice_client.clone(),
                &apis_resource("APIExportEndpointSlice", "apiexportendpointslices"),
            )
            .get(slice_name)
            .await
            .with_context(|| format!("getting the APIExportEndpointSlice {slice_name:?}"))?,
        )?;
        let export_name = slice["spec"]["export"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let export_path = slice["spec"]["export"]["path"].as_str().unwrap_or_default();
        let export_config = if export_path.is_empty() {
            config.clone()
        } else {
            retarget(&config, export_path)?
        };
        let export_client = crate::client::client(export_config)?;
        Api::<DynamicObject>::all_with(
            export_client.clone(),
            &apis_resource("APIExport", "apiexports"),
        )
        .get(&export_name)
        .await
        .with_context(|| format!("getting the APIExport {export_name:?}"))?;
        let export_cluster = cluster_name(&export_client).await?;
        tracing::info!(export = %export_name, cluster = %export_cluster, "Resolved APIExport");
        Ok(Kcp {
            export_client,
            export_name,
            export_cluster,
            slice_client,
            slice_name: slice_name.to_string(),
            config,
            per_url: Mutex::new(HashMap::new()),
        })
    }

    /// The endpoint slice's virtual-workspace URLs now.
    pub async fn endpoints(&self) -> Result<Vec<String>> {
        let slice: Value = serde_json::to_value(
            Api::<DynamicObject>::all_with(
                self.slice_client.clone(),
                &apis_resource("APIExportEndpointSlice", "apiexportendpointslices"),
            )
            .get(&self.slice_name)
            .await?,
        )?;
        Ok(slice["status"]["endpoints"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["url"].as_str().map(str::to_string))
            .collect())
    }

    /// A client for `<url>/clusters/<cluster>` (`*` for every bound workspace). The clients of
    /// one URL share its connections. A client is made for each use and not kept: each
    /// `kube::Client` has its own request buffer and task, and one kept per workspace took
    /// about 19 KiB each (kcp-bench-agent: 1,000 workspaces, 19 MiB).
    pub fn client(&self, url: &str, cluster: &str) -> Result<kube::Client> {
        let shared = {
            let mut urls = self.per_url.lock().unwrap_or_else(|p| p.into_inner());
            match urls.get(url) {
                Some(c) => c.clone(),
                None => {
                    let mut config = at(&self.config, url)?;
                    // Watches stay open: no read timeout.
                    config.read_timeout = None;
                    let client = crate::client::client(config)?;
                    urls.insert(url.to_string(), client.clone());
                    client
                }
            }
        };
        let prefix = format!("/clusters/{cluster}");
        // The prefix must make a valid URI path: fail here, as `at` would.
        let _: http::uri::PathAndQuery = prefix
            .parse()
            .with_context(|| format!("URL {url:?}/clusters/{cluster:?}"))?;
        Ok(kube::Client::new(InCluster { shared, prefix }, "default"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_are_retargeted_to_the_export_s_workspace() {
        let mut c = kube::Config::new("https://127.0.0.1:6443/clusters/root:org".parse().unwrap());
        c.default_namespace = "default".into();
        let r = retarget(&c, "root:provider").unwrap();
        assert_eq!(
            r.cluster_url.to_string(),
            "https://127.0.0.1:6443/clusters/root:provider"
        );
        let bare = kube::Config::new("https://127.0.0.1:6443".parse().unwrap());
        assert!(retarget(&bare, "x").is_err());
    }

    /// The inner service of a shared client: records each request's URI, answers `{}`.
    #[derive(Clone, Default)]
    struct Recorder(std::sync::Arc<Mutex<Vec<String>>>);

    impl tower_service::Service<http::Request<kube::client::Body>> for Recorder {
        type Response = http::Response<kube::client::Body>;
        type Error = kube::Error;
        type Future = futures::future::BoxFuture<'static, Result<Self::Response, kube::Error>>;

        fn poll_ready(
            &mut self,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), kube::Error>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: http::Request<kube::client::Body>) -> Self::Future {
            self.0.lock().unwrap().push(request.uri().to_string());
            Box::pin(async {
                Ok(http::Response::new(kube::client::Body::from(
                    b"{}".to_vec(),
                )))
            })
        }
    }

    #[tokio::test]
    async fn a_cluster_s_view_prefixes_the_path_and_keeps_the_query() {
        let recorder = Recorder::default();
        let shared = kube::Client::new(recorder.clone(), "default");
        let client = kube::Client::new(
            InCluster {
                shared,
                prefix: "/clusters/abc".to_string(),
            },
            "default",
        );
        let request = http::Request::get("/api/v1/namespaces?limit=1")
            .body(Vec::new())
            .unwrap();
        assert_eq!(client.request_text(request).await.unwrap(), "{}");
        assert_eq!(
            *recorder.0.lock().unwrap(),
            ["/clusters/abc/api/v1/namespaces?limit=1"]
        );
    }
}
