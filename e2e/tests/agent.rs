//! The api-syncagent end to end (issue #13): real `kcp`, a real service cluster (Kubernetes' own
//! kube-apiserver when Go is here, else `kcp start --profile kube`), the agent as a subprocess
//! holding exactly the kcp permissions of `reference/api-syncagent.md` §10.3. Each test names the
//! upstream e2e test it follows.

use std::path::{Path, PathBuf};
use std::time::Duration;

use e2e::agent::Agent;
use e2e::{Kcp, KubeApiserver, Output, wait_until};
use serde_json::Value;

const AGENT_USER: &str = "api-syncagent-e2e";
const AGENT_TOKEN: &str = "agent-token";

const CRONTABS: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.example.com
spec:
  group: example.com
  names: {kind: CronTab, listKind: CronTabList, plural: crontabs, singular: crontab}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              image: {type: string}
          status:
            type: object
            properties:
              phase: {type: string}
";

/// The service cluster: kube-apiserver, or our server as a plain Kubernetes cluster.
enum Service {
    Real(&'static KubeApiserver),
    Ours(Kcp),
}

impl Service {
    fn start() -> Self {
        match KubeApiserver::shared() {
            Some(k) => Service::Real(k),
            None => Service::Ours(Kcp::start_with(&["--profile", "kube"])),
        }
    }

    fn kubeconfig(&self) -> PathBuf {
        match self {
            Service::Real(k) => k.kubeconfig(),
            Service::Ours(k) => k.kubeconfig(),
        }
    }

    fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Output {
        match self {
            Service::Real(k) => k.kubectl_stdin(args, stdin),
            Service::Ours(k) => k.kubectl_stdin(args, stdin),
        }
    }
}

/// kcp with a provider workspace `root:<org>` holding the empty APIExport `example` (its
/// endpoint slice made by kcp), the agent's RBAC there, and its kubeconfig.
struct Env {
    kcp: Kcp,
    org: String,
    service: Service,
    dir: tempfile::TempDir,
    agent_kubeconfig: PathBuf,
}

impl Env {
    fn new(org: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens.csv");
        std::fs::write(
            &tokens,
            format!("{AGENT_TOKEN},{AGENT_USER},1001,\"api-syncagents\"\n"),
        )
        .unwrap();
        let kcp = Kcp::start_with(&["--token-auth-file", tokens.to_str().unwrap()]);
        kcp.kubectl(&["ws", "create", org]).ok();
        let env_path = format!("root:{org}");
        let mut env = Env {
            agent_kubeconfig: dir.path().join("agent-kcp.kubeconfig"),
            service: Service::start(),
            kcp,
            org: env_path,
            dir,
        };
        env.apply(
            &env.org.clone(),
            "apiVersion: apis.kcp.io/v1alpha1
kind: APIExport
metadata: {name: example}
spec: {}
",
        );
        env.apply(&env.org.clone(), &agent_rbac());
        env.write_agent_kubeconfig();
        env
    }

    fn url(&self, path: &str) -> String {
        format!("{}/clusters/{path}", self.kcp.endpoint().0)
    }

    fn k(&self, path: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let server = self.url(path);
        let mut all = vec!["--server", server.as_str()];
        all.extend_from_slice(args);
        self.kcp.kubectl_stdin(&all, stdin)
    }

    fn apply(&mut self, path: &str, yaml: &str) {
        self.k(path, &["apply", "-f", "-"], Some(yaml)).ok();
    }

    /// The agent's kcp kubeconfig: the provider workspace, the agent's token, kcp's CA.
    fn write_agent_kubeconfig(&mut self) {
        let admin: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(self.kcp.kubeconfig()).unwrap())
                .unwrap();
        let ca = admin["clusters"][0]["cluster"]["certificate-authority-data"]
            .as_str()
            .unwrap()
            .to_string();
        let config = serde_json::json!({
            "apiVersion": "v1", "kind": "Config", "current-context": "agent",
            "clusters": [{"name": "kcp", "cluster": {"server": self.url(&self.org), "certificate-authority-data": ca}}],
            "users": [{"name": "agent", "user": {"token": AGENT_TOKEN}}],
            "contexts": [{"name": "agent", "context": {"cluster": "kcp", "user": "agent"}}],
        });
        std::fs::write(&self.agent_kubeconfig, config.to_string()).unwrap();
    }

    fn start_agent(&self, name: &str) -> Agent {
        Agent::start(
            self.dir.path(),
            name,
            "example",
            &self.service.kubeconfig(),
            &self.agent_kubeconfig,
            &[],
        )
    }

    /// A consumer workspace binding the export (accepting its claims) once it serves a schema.
    fn consumer(&mut self, name: &str) -> String {
        wait_until(
            "the export serves a schema",
            Duration::from_secs(60),
            || {
                let out = self.k(
                    &self.org,
                    &[
                        "get",
                        "apiexport.v1alpha1.apis.kcp.io",
                        "example",
                        "-o",
                        "json",
                    ],
                    None,
                );
                out.success()
                    && out.json()["spec"]["latestResourceSchemas"]
                        .as_array()
                        .is_some_and(|a| !a.is_empty())
            },
        );
        self.kcp.kubectl(&["ws", "create", name]).ok();
        let path = format!("root:{name}");
        let binding = format!(
            "apiVersion: apis.kcp.io/v1alpha2
kind: APIBinding
metadata: {{name: example}}
spec:
  reference:
    export: {{path: {}, name: example}}
  permissionClaims:
  - {{resource: events, verbs: ['*'], selector: {{matchAll: true}}, state: Accepted}}
",
            self.org
        );
        self.apply(&path, &binding);
        wait_until("the binding is ready", Duration::from_secs(30), || {
            self.k(
                &path,
                &[
                    "get",
                    "apibinding",
                    "example",
                    "-o",
                    "jsonpath={.status.phase}",
                ],
                None,
            )
            .stdout
                == "Bound"
        });
        path
    }
}

/// §10.3: what the agent may do in its workspace.
fn agent_rbac() -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: api-syncagent}}
rules:
- {{nonResourceURLs: ['/'], verbs: [access]}}
- {{apiGroups: [core.kcp.io], resources: [logicalclusters], resourceNames: [cluster], verbs: [get]}}
- {{apiGroups: [apis.kcp.io], resources: [apiexportendpointslices], verbs: [get, list, watch]}}
- {{apiGroups: [apis.kcp.io], resources: [apiexports], verbs: [get, list, watch, patch, update]}}
- {{apiGroups: [''], resources: [events], verbs: [get, create, patch, update]}}
- {{apiGroups: [apis.kcp.io], resources: [apiresourceschemas], verbs: [get, list, watch, create]}}
- {{apiGroups: [apis.kcp.io], resources: [apiexports/content], resourceNames: [example], verbs: ['*']}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: api-syncagent}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: api-syncagent}}
subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: {AGENT_USER}}}]
"
    )
}

fn publish_crontabs(service: &Service, naming: &str) {
    service.kubectl(&["apply", "-f", "-"], Some(CRONTABS)).ok();
    let crd = std::fs::read_to_string(
        e2e::workspace_root().join("config/crd/syncagent.kcp.io_publishedresources.yaml"),
    )
    .unwrap();
    service.kubectl(&["apply", "-f", "-"], Some(&crd)).ok();
    wait_until("the CRDs are served", Duration::from_secs(30), || {
        service.kubectl(&["get", "crontabs", "-A"], None).success()
            && service
                .kubectl(&["get", "publishedresources"], None)
                .success()
    });
    let pr = format!(
        "apiVersion: syncagent.kcp.io/v1alpha1
kind: PublishedResource
metadata: {{name: publish-crontabs}}
spec:
  resource: {{apiGroup: example.com, version: v1, kind: CronTab}}
  projection: {{group: kcp.example.com}}
{naming}"
    );
    service.kubectl(&["apply", "-f", "-"], Some(&pr)).ok();
}

fn agent_log_on_failure(agent: &Agent, dir: &Path) -> String {
    format!("agent log:\n{}\n(dir {})", agent.log(), dir.display())
}

/// Follows the Go agent's `TestSyncSimpleObject`, then our own: the status written back, and
/// deletion (the copy goes first, then the kcp object).
#[test]
fn sync_simple_object() {
    let mut env = Env::new("org-simple");
    publish_crontabs(
        &env.service,
        "  naming: {namespace: 'synced-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n",
    );
    let agent = env.start_agent("simple");
    let team = env.consumer("team-1");
    let crontab = "apiVersion: kcp.example.com/v1
kind: CronTab
metadata: {name: my-crontab, namespace: default}
spec: {cronSpec: '* * *', image: ubuntu:latest}
";
    let mut tried = 0;
    wait_until(
        "the CronTab kind in the consumer",
        Duration::from_secs(30),
        || {
            tried += 1;
            env.k(&team, &["apply", "-f", "-"], Some(crontab)).success()
        },
    );
    let copy = || {
        env.service.kubectl(
            &[
                "get",
                "crontab.example.com",
                "my-crontab",
                "-n",
                "synced-default",
                "-o",
                "json",
            ],
            None,
        )
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !copy().success() {
        assert!(
            std::time::Instant::now() < deadline,
            "no copy: {}",
            agent_log_on_failure(&agent, env.dir.path())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let c = copy().json();
    assert_eq!(c["spec"]["image"], "ubuntu:latest");
    assert_eq!(
        c["metadata"]["labels"]["syncagent.kcp.io/agent-name"],
        "simple"
    );
    let source = env
        .k(
            &team,
            &[
                "get",
                "crontab",
                "my-crontab",
                "-n",
                "default",
                "-o",
                "json",
            ],
            None,
        )
        .json();
    assert_eq!(
        source["metadata"]["finalizers"],
        serde_json::json!(["syncagent.kcp.io/cleanup"])
    );

    // The service's status reaches the tenant.
    env.service
        .kubectl(
            &[
                "patch",
                "crontab.example.com",
                "my-crontab",
                "-n",
                "synced-default",
                "--subresource",
                "status",
                "--type",
                "merge",
                "-p",
                r#"{"status":{"phase":"Running"}}"#,
            ],
            None,
        )
        .ok();
    wait_until("the status back in kcp", Duration::from_secs(30), || {
        env.k(
            &team,
            &[
                "get",
                "crontab",
                "my-crontab",
                "-n",
                "default",
                "-o",
                "jsonpath={.status.phase}",
            ],
            None,
        )
        .stdout
            == "Running"
    });

    // Deleting in kcp deletes the copy, then releases the object.
    env.k(
        &team,
        &[
            "delete",
            "crontab",
            "my-crontab",
            "-n",
            "default",
            "--wait=false",
        ],
        None,
    )
    .ok();
    wait_until("the kcp object gone", Duration::from_secs(30), || {
        !env.k(
            &team,
            &["get", "crontab", "my-crontab", "-n", "default"],
            None,
        )
        .success()
    });
    assert!(!copy().success(), "the copy is gone too");
    drop(agent);
}
