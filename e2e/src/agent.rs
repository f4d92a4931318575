//! The api-syncagent as a test runs it: a subprocess on the service cluster's and kcp's
//! kubeconfigs, its log kept in a file, killed with the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::{Kcp, KubeApiserver, Output};

/// The service cluster the agent's tests sync into, chosen by the environment:
/// `E2E_SERVICE_KUBECONFIG=<file>`: any cluster (kind, EKS) through that kubeconfig, with
/// kubectl on the PATH; `E2E_SERVICE=ours`: `kcp start --profile kube`, one per test; else
/// Kubernetes' own kube-apiserver where Go is here (one shared by a test binary's tests), and
/// ours where it is not.
pub enum ServiceCluster {
    Real(&'static KubeApiserver),
    Ours(Kcp),
    External {
        kubeconfig: PathBuf,
        /// kubectl's HOME (its discovery cache).
        home: tempfile::TempDir,
    },
}

impl ServiceCluster {
    pub fn start() -> Self {
        if let Some(kubeconfig) = std::env::var_os("E2E_SERVICE_KUBECONFIG") {
            return ServiceCluster::External {
                kubeconfig: kubeconfig.into(),
                home: tempfile::tempdir().expect("a temporary directory"),
            };
        }
        if std::env::var("E2E_SERVICE").as_deref() == Ok("ours") {
            return Self::ours();
        }
        match KubeApiserver::shared() {
            Some(k) => ServiceCluster::Real(k),
            None => Self::ours(),
        }
    }

    /// Our own server as a plain Kubernetes cluster.
    pub fn ours() -> Self {
        ServiceCluster::Ours(Kcp::start_with(&["--profile", "kube"]))
    }

    pub fn kubeconfig(&self) -> PathBuf {
        match self {
            ServiceCluster::Real(k) => k.kubeconfig(),
            ServiceCluster::Ours(k) => k.kubeconfig(),
            ServiceCluster::External { kubeconfig, .. } => kubeconfig.clone(),
        }
    }

    pub fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Output {
        match self {
            ServiceCluster::Real(k) => k.kubectl_stdin(args, stdin),
            ServiceCluster::Ours(k) => k.kubectl_stdin(args, stdin),
            ServiceCluster::External { kubeconfig, home } => crate::kubectl_output(
                Path::new("kubectl"),
                kubeconfig,
                home.path(),
                None,
                args,
                stdin,
            ),
        }
    }
}

/// §10.3 of `reference/api-syncagent.md`: what the agent may do in its export's workspace, as
/// the ClusterRole and ClusterRoleBinding `api-syncagent` for `user` and the export `export`.
pub fn kcp_rbac(user: &str, export: &str) -> [serde_json::Value; 2] {
    let rule = |groups: &[&str], resources: &[&str], names: &[&str], verbs: &[&str]| {
        let mut r = json!({"apiGroups": groups, "resources": resources, "verbs": verbs});
        if !names.is_empty() {
            r["resourceNames"] = json!(names);
        }
        r
    };
    let role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "api-syncagent"},
        "rules": [
            {"nonResourceURLs": ["/"], "verbs": ["access"]},
            rule(&["core.kcp.io"], &["logicalclusters"], &["cluster"], &["get"]),
            rule(&["apis.kcp.io"], &["apiexportendpointslices"], &[], &["get", "list", "watch"]),
            rule(&["apis.kcp.io"], &["apiexports"], &[], &["get", "list", "watch", "patch", "update"]),
            rule(&[""], &["events"], &[], &["get", "create", "patch", "update"]),
            rule(&["apis.kcp.io"], &["apiresourceschemas"], &[], &["get", "list", "watch", "create"]),
            rule(&["apis.kcp.io"], &["apiexports/content"], &[export], &["*"]),
        ],
    });
    let binding = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "api-syncagent"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "api-syncagent"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    });
    [role, binding]
}

/// [`kcp_rbac`] for `kubectl apply -f -` (a stream of JSON objects: kubectl reads a stream
/// that starts with `{` as JSON, where `---` is no separator).
pub fn kcp_rbac_manifest(user: &str, export: &str) -> String {
    let [role, binding] = kcp_rbac(user, export);
    format!("{role}\n{binding}\n")
}

/// Writes the agent's kcp kubeconfig to `out`: `server` (a workspace's URL), the bearer
/// `token`, and the CA of kcp's admin kubeconfig `admin`.
pub fn write_kcp_kubeconfig(
    admin: &Path,
    server: &str,
    token: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let admin: serde_json::Value = serde_saphyr::from_str(&std::fs::read_to_string(admin)?)?;
    let ca = admin["clusters"][0]["cluster"]["certificate-authority-data"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("kcp's kubeconfig has no CA"))?;
    let config = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "agent",
        "clusters": [{"name": "kcp", "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": "agent", "user": {"token": token}}],
        "contexts": [{"name": "agent", "context": {"cluster": "kcp", "user": "agent"}}],
    });
    std::fs::write(out, config.to_string())?;
    Ok(())
}

/// Path to the `api-syncagent` binary: `$AGENT_BIN`, or built with the workspace's binaries.
pub fn agent_binary() -> PathBuf {
    if let Ok(p) = std::env::var("AGENT_BIN") {
        return PathBuf::from(p);
    }
    crate::kcp_binary()
        .parent()
        .map(|d| d.join("api-syncagent"))
        .unwrap_or_else(|| PathBuf::from("api-syncagent"))
}

/// A running agent.
pub struct Agent {
    child: Child,
    log: PathBuf,
}

impl Agent {
    /// Starts the agent with the Go e2e's flags: its name, the endpoint slice, the two
    /// kubeconfigs, `--namespace kube-system`, no leader election, no metrics or health port
    /// (unless `extra` says otherwise).
    pub fn start(
        dir: &Path,
        name: &str,
        slice: &str,
        service_kubeconfig: &Path,
        kcp_kubeconfig: &Path,
        extra: &[&str],
    ) -> Self {
        let log = dir.join(format!("agent-{name}.log"));
        let file = std::fs::File::create(&log).expect("agent log");
        let mut cmd = Command::new(agent_binary());
        cmd.args(["--agent-name", name, "--apiexportendpointslice-ref", slice])
            .arg("--kubeconfig")
            .arg(service_kubeconfig)
            .arg("--kcp-kubeconfig")
            .arg(kcp_kubeconfig)
            .args([
                "--namespace",
                "kube-system",
                "--enable-leader-election=false",
                "--log-format",
                "console",
                "--log-debug=true",
                "--health-address",
                "0",
            ])
            .args(
                if extra.iter().any(|a| a.starts_with("--metrics-address")) {
                    &[][..]
                } else {
                    &["--metrics-address", "0"][..]
                },
            )
            .args(extra)
            .stdout(Stdio::null())
            .stderr(file);
        let child = crate::process::spawn_tied(cmd).expect("starting api-syncagent");
        Agent { child, log }
    }

    /// The agent's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The agent's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the agent (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.kill();
    }
}
