//! An in-memory kcp for the command tests: a tree of workspaces with types, phases, APIBindings,
//! APIExports and endpoint slices, answering like the server would (404 for unknown paths, 403
//! where forbidden, 409 AlreadyExists on a second create). A created APIBinding is bound by a
//! pretend controller after [`FakeState::bind_after`] (on tokio's clock, so paused-clock tests
//! run at once), and watches of it report `Binding`, then `Bound`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use kcp_api::apis::APIBindingPhase;
use kcp_api::apis::conversion::{binding_to_v1alpha1, binding_to_v1alpha2, export_to_v1alpha1};

use kcp_api::Path;
use kcp_api::apis::{v1alpha1, v1alpha2};
use kcp_api::core::{LogicalCluster, LogicalClusterPhase};
use kcp_api::tenancy::{Workspace, WorkspaceTypeReference};

use crate::api::{ApiError, BindingEvent, BindingEvents, Discovery, KcpApi};
use crate::bind::{BindingVersion, VersionedBinding};
use crate::kubeconfig::Kubeconfigs;
use crate::session::Session;

/// One logical cluster.
#[derive(Default)]
pub struct FakeCluster {
    pub forbidden: bool,
    pub workspaces: Vec<Workspace>,
    pub bindings: Vec<v1alpha2::APIBinding>,
    pub exports: Vec<v1alpha2::APIExport>,
    pub slices: Vec<v1alpha1::APIExportEndpointSlice>,
    pub phase: Option<LogicalClusterPhase>,
    pub name: String,
}

#[derive(Default)]
pub struct FakeState {
    pub clusters: BTreeMap<String, FakeCluster>,
    pub home: Option<String>,
    /// A created workspace turns Ready after this many GETs of it.
    pub ready_after_gets: u32,
    /// GETs of each workspace so far.
    pub gets: BTreeMap<String, u32>,
    pub requests: Vec<String>,
    /// The versions of `apis.kcp.io` and their resources (`None`: v1alpha2 then v1alpha1, both
    /// with apibindings and apiexports).
    pub apis_versions: Option<Vec<(String, Vec<String>)>>,
    /// A created APIBinding becomes Bound this long after its creation (`None`: never).
    pub bind_after: Option<Duration>,
    /// When each created binding (`cluster/name`) becomes Bound.
    pub bound_at: BTreeMap<String, tokio::time::Instant>,
    /// The next this many watches end at once, without an event.
    pub empty_watches: u32,
    /// The next this many watches answer 410 Gone.
    pub gone_watches: u32,
    /// Delete a binding instead of binding it.
    pub delete_instead_of_bind: bool,
    /// The last resourceVersion handed out.
    pub resource_version: u64,
}

/// The fake server.
#[derive(Default)]
pub struct FakeApi {
    pub state: RefCell<FakeState>,
}

fn type_ref(s: &str) -> WorkspaceTypeReference {
    match s.rsplit_once(':') {
        Some((path, name)) => WorkspaceTypeReference::new(path, name),
        None => WorkspaceTypeReference::new("", s),
    }
}

fn ready_workspace(path: &Path, ty: &str, phase: LogicalClusterPhase) -> Workspace {
    let mut ws = Workspace::named(path.base());
    ws.spec.type_ = Some(type_ref(ty));
    ws.spec.url = format!("https://h/clusters/{path}");
    ws.spec.cluster = format!("lc-{}", path.as_str().replace(':', "-"));
    ws.status.phase = Some(phase);
    ws
}

impl FakeApi {
    /// `root` plus the given workspaces (`(path, type)`), all Ready; parents must come first.
    pub fn tree(workspaces: &[(&str, &str)]) -> Self {
        let api = FakeApi::default();
        {
            let mut st = api.state.borrow_mut();
            st.ready_after_gets = 1;
            st.clusters.insert(
                "root".into(),
                FakeCluster {
                    name: "root".into(),
                    phase: Some(LogicalClusterPhase::Ready),
                    ..Default::default()
                },
            );
        }
        for (path, ty) in workspaces {
            api.add(path, ty, LogicalClusterPhase::Ready);
        }
        api
    }

    /// Adds a workspace `path` of type `ty` in `phase` (its parent cluster is created if needed).
    pub fn add(&self, path: &str, ty: &str, phase: LogicalClusterPhase) {
        let path = Path::new(path);
        let ws = ready_workspace(&path, ty, phase);
        let mut st = self.state.borrow_mut();
        let parent = path.parent().map(|p| p.to_string()).unwrap_or_default();
        st.clusters
            .entry(parent)
            .or_default()
            .workspaces
            .push(ws.clone());
        let c = st.clusters.entry(path.to_string()).or_default();
        c.name = ws.spec.cluster.clone();
        c.phase = Some(phase);
    }

    pub fn forbid(&self, path: &str) {
        self.state
            .borrow_mut()
            .clusters
            .entry(path.into())
            .or_default()
            .forbidden = true;
    }

    pub fn set_home(&self, path: &str) {
        self.state.borrow_mut().home = Some(path.into());
    }

    pub fn add_binding(&self, path: &str, b: v1alpha2::APIBinding) {
        self.state
            .borrow_mut()
            .clusters
            .entry(path.into())
            .or_default()
            .bindings
            .push(b);
    }

    pub fn add_export(&self, path: &str, e: v1alpha2::APIExport) {
        self.state
            .borrow_mut()
            .clusters
            .entry(path.into())
            .or_default()
            .exports
            .push(e);
    }

    pub fn add_slice(&self, path: &str, e: v1alpha1::APIExportEndpointSlice) {
        self.state
            .borrow_mut()
            .clusters
            .entry(path.into())
            .or_default()
            .slices
            .push(e);
    }

    /// The APIBinding `name` as stored in `cluster` (v1alpha2).
    pub fn binding(&self, cluster: &str, name: &str) -> Option<v1alpha2::APIBinding> {
        let st = self.state.borrow();
        st.clusters
            .get(cluster)?
            .bindings
            .iter()
            .find(|b| b.name() == name)
            .cloned()
    }

    /// Applies the pretend controller: a binding whose time has come is Bound.
    fn reconcile_binding(&self, cluster: &Path, name: &str) {
        let mut st = self.state.borrow_mut();
        let key = format!("{cluster}/{name}");
        let Some(at) = st.bound_at.get(&key).copied() else {
            return;
        };
        if tokio::time::Instant::now() < at {
            return;
        }
        st.bound_at.remove(&key);
        st.resource_version += 1;
        let rv = st.resource_version.to_string();
        let delete = st.delete_instead_of_bind;
        let Some(c) = st.clusters.get_mut(cluster.as_str()) else {
            return;
        };
        if delete {
            c.bindings.retain(|b| b.name() != name);
        } else if let Some(b) = c.bindings.iter_mut().find(|b| b.name() == name) {
            b.status.phase = Some(APIBindingPhase::Bound);
            b.metadata.resource_version = Some(rv);
        }
    }

    /// The requests so far, as `VERB path`.
    pub fn requests(&self) -> Vec<String> {
        self.state.borrow().requests.clone()
    }

    fn log(&self, r: String) {
        self.state.borrow_mut().requests.push(r);
    }

    fn with_cluster<T>(
        &self,
        cluster: &Path,
        f: impl FnOnce(&mut FakeCluster) -> T,
    ) -> Result<T, ApiError> {
        let mut st = self.state.borrow_mut();
        match st.clusters.get_mut(cluster.as_str()) {
            Some(c) if c.forbidden => Err(ApiError::status(403, "forbidden")),
            Some(c) => Ok(f(c)),
            None => Err(ApiError::status(
                404,
                "the server could not find the requested resource",
            )),
        }
    }
}

/// A session in `path` on server `https://h` with the kcp admin kubeconfig.
pub fn session(path: &str, api: FakeApi) -> Session<FakeApi> {
    let yaml = format!(
        "clusters:\n- name: root\n  cluster:\n    server: https://h/clusters/{path}\ncontexts:\n- name: root\n  context:\n    cluster: root\n    user: admin\ncurrent-context: root\nusers:\n- name: admin\n  user:\n    token: t\n"
    );
    Session {
        kubeconfig: Kubeconfigs::from_yaml("/nonexistent/kubeconfig", &yaml).unwrap(),
        context: "root".into(),
        server: format!("https://h/clusters/{path}"),
        home: None,
        api,
    }
}

impl KcpApi for FakeApi {
    async fn discovery(&self, cluster: &Path) -> Result<Discovery, ApiError> {
        self.log(format!("GET {cluster} /api /apis"));
        match self.with_cluster(cluster, |_| ()) {
            Ok(()) => Ok(Discovery {
                forbidden: false,
                groups: 5,
            }),
            Err(e) if e.is_forbidden() => Ok(Discovery {
                forbidden: true,
                groups: 0,
            }),
            Err(_) => Ok(Discovery {
                forbidden: false,
                groups: 0,
            }),
        }
    }

    async fn get_workspace(&self, cluster: &Path, name: &str) -> Result<Workspace, ApiError> {
        self.log(format!("GET {cluster} workspaces/{name}"));
        if name == "~" {
            let home = self.state.borrow().home.clone();
            let home = home.ok_or_else(|| ApiError::status(404, "no home"))?;
            return Ok(ready_workspace(
                &Path::new(home),
                "root:home",
                LogicalClusterPhase::Ready,
            ));
        }
        let key = format!("{cluster}:{name}");
        let gets = {
            let mut st = self.state.borrow_mut();
            let n = st.gets.entry(key).or_default();
            *n += 1;
            *n
        };
        let ready_after = self.state.borrow().ready_after_gets;
        self.with_cluster(cluster, |c| {
            let ws = c
                .workspaces
                .iter_mut()
                .find(|w| w.name() == name)
                .ok_or_else(|| {
                    ApiError::status(404, format!("workspaces.tenancy.kcp.io {name:?} not found"))
                })?;
            if gets >= ready_after {
                ws.status.phase = Some(LogicalClusterPhase::Ready);
            }
            Ok(ws.clone())
        })?
    }

    async fn list_workspaces(
        &self,
        cluster: &Path,
        limit: Option<u32>,
    ) -> Result<Vec<Workspace>, ApiError> {
        self.log(format!("LIST {cluster} workspaces"));
        self.with_cluster(cluster, |c| {
            let mut l = c.workspaces.clone();
            if let Some(n) = limit {
                l.truncate(n as usize);
            }
            l
        })
    }

    async fn create_workspace(
        &self,
        cluster: &Path,
        workspace: &Workspace,
    ) -> Result<Workspace, ApiError> {
        self.log(format!("POST {cluster} workspaces/{}", workspace.name()));
        let name = workspace.name().to_owned();
        let path = cluster.join(&name);
        let created = self.with_cluster(cluster, |c| {
            if c.workspaces.iter().any(|w| w.name() == name) {
                return Err(ApiError::status(
                    409,
                    format!("workspaces.tenancy.kcp.io {name:?} already exists"),
                ));
            }
            let default_type = if *cluster == Path::root() {
                "root:organization"
            } else {
                "root:universal"
            };
            let mut ws = ready_workspace(&path, default_type, LogicalClusterPhase::Scheduling);
            if let Some(t) = &workspace.spec.type_ {
                let mut t = t.clone();
                if t.path.is_empty() {
                    t.path = "root".into();
                }
                ws.spec.type_ = Some(t);
            }
            ws.spec.location = workspace.spec.location.clone();
            // The URL and cluster are set by scheduling, later.
            ws.spec.url.clear();
            ws.spec.cluster.clear();
            let mut stored = ws.clone();
            stored.spec.url = format!("https://h/clusters/{path}");
            stored.spec.cluster = format!("lc-{}", path.as_str().replace(':', "-"));
            c.workspaces.push(stored);
            Ok(ws)
        })??;
        let mut st = self.state.borrow_mut();
        let c = st.clusters.entry(path.to_string()).or_default();
        c.phase = Some(LogicalClusterPhase::Ready);
        Ok(created)
    }

    async fn get_logical_cluster(&self, cluster: &Path) -> Result<LogicalCluster, ApiError> {
        self.log(format!("GET {cluster} logicalclusters/cluster"));
        self.with_cluster(cluster, |c| {
            let mut lc = LogicalCluster::named("cluster");
            lc.metadata.annotations = Some(
                [(kcp_api::CLUSTER_ANNOTATION.to_owned(), c.name.clone())]
                    .into_iter()
                    .collect(),
            );
            lc.status.phase = c.phase;
            lc
        })
    }

    async fn list_api_bindings(
        &self,
        cluster: &Path,
    ) -> Result<Vec<v1alpha2::APIBinding>, ApiError> {
        self.log(format!("LIST {cluster} apibindings"));
        self.with_cluster(cluster, |c| c.bindings.clone())
    }

    async fn list_api_exports(&self, cluster: &Path) -> Result<Vec<v1alpha2::APIExport>, ApiError> {
        self.log(format!("LIST {cluster} apiexports"));
        self.with_cluster(cluster, |c| c.exports.clone())
    }

    async fn list_endpoint_slices(
        &self,
        cluster: &Path,
    ) -> Result<Vec<v1alpha1::APIExportEndpointSlice>, ApiError> {
        self.log(format!("LIST {cluster} apiexportendpointslices"));
        self.with_cluster(cluster, |c| c.slices.clone())
    }

    async fn group_versions(
        &self,
        cluster: &Path,
        group: &str,
    ) -> Result<Vec<(String, Vec<String>)>, ApiError> {
        self.log(format!("GET {cluster} /apis ({group})"));
        self.with_cluster(cluster, |_| ())?;
        if group != "apis.kcp.io" {
            return Ok(Vec::new());
        }
        let versions = self.state.borrow().apis_versions.clone();
        Ok(versions.unwrap_or_else(|| {
            let resources = vec!["apibindings".to_owned(), "apiexports".to_owned()];
            vec![
                ("v1alpha2".to_owned(), resources.clone()),
                ("v1alpha1".to_owned(), resources),
            ]
        }))
    }

    async fn get_api_export_v1alpha1(
        &self,
        cluster: &Path,
        name: &str,
    ) -> Result<v1alpha1::APIExport, ApiError> {
        self.log(format!("GET {cluster} v1alpha1 apiexports/{name}"));
        let export = self.with_cluster(cluster, |c| {
            c.exports.iter().find(|e| e.name() == name).cloned()
        })?;
        let export = export.ok_or_else(|| {
            ApiError::status(404, format!("apiexports.apis.kcp.io {name:?} not found"))
        })?;
        export_to_v1alpha1(&export).map_err(|e| ApiError::Transport(e.to_string()))
    }

    async fn create_api_binding(
        &self,
        cluster: &Path,
        binding: &VersionedBinding,
    ) -> Result<VersionedBinding, ApiError> {
        let version = binding.version();
        let name = binding.name().to_owned();
        self.log(format!(
            "POST {cluster} {} apibindings/{name}",
            version.as_str()
        ));
        let mut stored = match binding {
            VersionedBinding::V1alpha2(b) => b.clone(),
            VersionedBinding::V1alpha1(b) => {
                binding_to_v1alpha2(b).map_err(|e| ApiError::Transport(e.to_string()))?
            }
        };
        let rv = {
            let mut st = self.state.borrow_mut();
            st.resource_version += 1;
            st.resource_version.to_string()
        };
        stored.metadata.resource_version = Some(rv);
        self.with_cluster(cluster, |c| {
            if c.bindings.iter().any(|b| b.name() == name) {
                return Err(ApiError::status(
                    409,
                    format!("apibindings.apis.kcp.io {name:?} already exists"),
                ));
            }
            c.bindings.push(stored.clone());
            Ok(())
        })??;
        let after = self.state.borrow().bind_after;
        if let Some(after) = after {
            self.state.borrow_mut().bound_at.insert(
                format!("{cluster}/{name}"),
                tokio::time::Instant::now() + after,
            );
        }
        versioned(&stored, version)
    }

    async fn get_api_binding(
        &self,
        cluster: &Path,
        version: BindingVersion,
        name: &str,
    ) -> Result<VersionedBinding, ApiError> {
        self.log(format!(
            "GET {cluster} {} apibindings/{name}",
            version.as_str()
        ));
        self.reconcile_binding(cluster, name);
        let b = self.with_cluster(cluster, |c| {
            c.bindings.iter().find(|b| b.name() == name).cloned()
        })?;
        let b = b.ok_or_else(|| {
            ApiError::status(404, format!("apibindings.apis.kcp.io {name:?} not found"))
        })?;
        versioned(&b, version)
    }

    async fn watch_api_binding<'a>(
        &'a self,
        cluster: &Path,
        version: BindingVersion,
        name: &str,
        resource_version: &str,
    ) -> Result<BindingEvents<'a>, ApiError> {
        self.log(format!(
            "WATCH {cluster} {} apibindings/{name} from {resource_version}",
            version.as_str()
        ));
        self.with_cluster(cluster, |_| ())?;
        {
            let mut st = self.state.borrow_mut();
            if st.empty_watches > 0 {
                st.empty_watches -= 1;
                return Ok(futures::stream::empty().boxed_local());
            }
            if st.gone_watches > 0 {
                st.gone_watches -= 1;
                return Ok(futures::stream::iter([Ok(BindingEvent::Gone)]).boxed_local());
            }
        }
        let (cluster, name) = (cluster.clone(), name.to_owned());
        let bound_at = self
            .state
            .borrow()
            .bound_at
            .get(&format!("{cluster}/{name}"))
            .copied();
        // First the controller takes the binding on (phase Binding), then, when its time has
        // come, binds it (or deletes it); a binding never bound leaves the watch open.
        let steps = futures::stream::iter([false, true]).then(move |bind| {
            let (cluster, name) = (cluster.clone(), name.clone());
            async move {
                if bind {
                    match bound_at {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending::<()>().await,
                    }
                    self.reconcile_binding(&cluster, &name);
                }
                let stored = self.with_cluster(&cluster, |c| {
                    c.bindings.iter().find(|b| b.name() == name).cloned()
                })?;
                let Some(mut b) = stored else {
                    return Ok(BindingEvent::Deleted);
                };
                if !bind && b.status.phase.is_none() {
                    b.status.phase = Some(APIBindingPhase::Binding);
                }
                Ok(BindingEvent::Changed(Box::new(versioned(&b, version)?)))
            }
        });
        Ok(steps.boxed_local())
    }
}

/// `b` in `version`.
fn versioned(
    b: &v1alpha2::APIBinding,
    version: BindingVersion,
) -> Result<VersionedBinding, ApiError> {
    Ok(match version {
        BindingVersion::V1alpha2 => VersionedBinding::V1alpha2(b.clone()),
        BindingVersion::V1alpha1 => VersionedBinding::V1alpha1(
            binding_to_v1alpha1(b).map_err(|e| ApiError::Transport(e.to_string()))?,
        ),
    })
}
