//! The api-syncagent end to end (issue #13): real `kcp`, a real service cluster (Kubernetes' own
//! kube-apiserver when Go is here, else `kcp start --profile kube`; `E2E_SERVICE_KUBECONFIG` or
//! `E2E_SERVICE=ours` choose another: `e2e::agent::ServiceCluster`), the agent as a subprocess
//! holding exactly the kcp permissions of `reference/api-syncagent.md` §10.3. Each test names the
//! upstream e2e test it follows.

use std::path::PathBuf;
use std::time::Duration;

use e2e::agent::{Agent, ServiceCluster};
use e2e::{Kcp, Output, wait_until};
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

/// One test's world: its own kcp with a provider workspace `root:org` holding the empty
/// APIExport `example` (its endpoint slice made by kcp) and the agent's RBAC, a service
/// cluster (shared: the test's PublishedResources carry the label `e2e-test=<test>`, which its
/// agent selects), and the agent's kcp kubeconfig.
struct Env {
    test: String,
    kcp: Kcp,
    org: String,
    service: ServiceCluster,
    dir: tempfile::TempDir,
    agent_kubeconfig: PathBuf,
}

impl Env {
    fn new(test: &str) -> Self {
        Self::with_service(test, ServiceCluster::start())
    }

    fn with_service(test: &str, service: ServiceCluster) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens.csv");
        std::fs::write(
            &tokens,
            format!("{AGENT_TOKEN},{AGENT_USER},1001,\"api-syncagents\"\n"),
        )
        .unwrap();
        let kcp = Kcp::start_on_fixed_port(&["--token-auth-file", tokens.to_str().unwrap()]);
        kcp.kubectl(&["ws", "create", "org"]).ok();
        let mut env = Env {
            test: test.to_string(),
            agent_kubeconfig: dir.path().join("agent-kcp.kubeconfig"),
            service,
            kcp,
            org: "root:org".to_string(),
            dir,
        };
        env.set_export("  {}\n");
        env.apply(
            &env.org.clone(),
            &e2e::agent::kcp_rbac_manifest(AGENT_USER, "example"),
        );
        env.write_agent_kubeconfig();
        env.service_apply(CRONTABS);
        let crd = std::fs::read_to_string(
            e2e::workspace_root().join("config/crd/syncagent.kcp.io_publishedresources.yaml"),
        )
        .unwrap();
        env.service_apply(&crd);
        wait_until("the CRDs are served", Duration::from_secs(30), || {
            env.service
                .kubectl(&["get", "crontabs", "-A"], None)
                .success()
                && env
                    .service
                    .kubectl(&["get", "publishedresources"], None)
                    .success()
        });
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
        let path = self.org.clone();
        self.write_agent_kubeconfig_at(&path);
    }

    /// The agent's kcp kubeconfig pointing at the workspace `path`.
    fn write_agent_kubeconfig_at(&mut self, path: &str) {
        e2e::agent::write_kcp_kubeconfig(
            &self.kcp.kubeconfig(),
            &self.url(path),
            AGENT_TOKEN,
            &self.agent_kubeconfig,
        )
        .unwrap();
    }

    /// This test's PublishedResource `<test>-<name>` with `spec` (YAML lines indented two
    /// spaces): PublishedResources are cluster-scoped and the service cluster is shared.
    fn publish(&self, name: &str, spec: &str) {
        let name = self.pr_name(name);
        let pr = format!(
            "apiVersion: syncagent.kcp.io/v1alpha1
kind: PublishedResource
metadata:
  name: {name}
  labels: {{e2e-test: {}}}
spec:
{spec}",
            self.test
        );
        self.service_apply(&pr);
    }

    fn pr_name(&self, name: &str) -> String {
        format!("{}-{name}", self.test)
    }

    /// `kubectl apply` on the service cluster, again while tests beside this one change the
    /// same object (409).
    fn service_apply(&self, yaml: &str) {
        wait_until(
            "an apply on the service cluster",
            Duration::from_secs(30),
            || {
                self.service
                    .kubectl(&["apply", "-f", "-"], Some(yaml))
                    .success()
            },
        );
    }

    fn start_agent(&self, extra: &[&str]) -> Agent {
        self.start_agent_for("example", extra)
    }

    fn start_agent_for(&self, slice: &str, extra: &[&str]) -> Agent {
        let selector = format!("e2e-test={}", self.test);
        let mut args = vec!["--published-resource-selector", selector.as_str()];
        args.extend_from_slice(extra);
        Agent::start(
            self.dir.path(),
            &self.test,
            slice,
            &self.service.kubeconfig(),
            &self.agent_kubeconfig,
            &args,
        )
    }

    /// The export once it serves `n` schemas.
    fn export_with_schemas(&self, n: usize) -> Value {
        self.export_once("the export's schemas", |e| schemas(e).len() == n)
    }

    /// A consumer workspace binding the export (accepting its claims) once it serves a schema.
    fn consumer(&mut self, name: &str) -> String {
        self.consumer_accepting(name, "")
    }

    /// A consumer accepting `events` and the claims in `claims` (YAML list items).
    fn consumer_accepting(&mut self, name: &str, claims: &str) -> String {
        self.export_with_schemas(1);
        self.kcp.kubectl(&["ws", "create", name]).ok();
        let path = format!("root:{name}");
        self.bind(&path, claims);
        path
    }

    fn bind(&mut self, path: &str, claims: &str) {
        let binding = format!(
            "apiVersion: apis.kcp.io/v1alpha2
kind: APIBinding
metadata: {{name: example}}
spec:
  reference:
    export: {{path: {}, name: example}}
  permissionClaims:
  - {{resource: events, verbs: ['*'], selector: {{matchAll: true}}, state: Accepted}}
{claims}",
            self.org
        );
        self.apply(path, &binding);
        wait_until("the binding is ready", Duration::from_secs(30), || {
            self.k(
                path,
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
    }

    /// Creates a kcp object once its kind is served in the workspace.
    fn create_in(&self, path: &str, yaml: &str) {
        wait_until("the kind in the consumer", Duration::from_secs(30), || {
            self.k(path, &["apply", "-f", "-"], Some(yaml)).success()
        });
    }

    /// A second provider in the provider workspace: the export `export` (with its own RBAC for
    /// the agent's user: the same names would replace the first's) and the PublishedResource
    /// `spec` of the agent `agent` (label `e2e-test=<agent>`).
    fn second_provider(&mut self, export: &str, agent: &str, spec: &str) {
        let org = self.org.clone();
        self.apply(
            &org,
            &format!("apiVersion: apis.kcp.io/v1alpha1\nkind: APIExport\nmetadata: {{name: {export}}}\nspec: {{}}\n"),
        );
        self.apply(
            &org,
            &e2e::agent::kcp_rbac_manifest(AGENT_USER, export)
                .replace("\"api-syncagent\"", &format!("\"api-syncagent-{export}\"")),
        );
        self.service_apply(&format!(
            "apiVersion: syncagent.kcp.io/v1alpha1
kind: PublishedResource
metadata:
  name: {agent}-publish
  labels: {{e2e-test: {agent}}}
spec:
{spec}"
        ));
    }

    /// The second provider's agent.
    fn start_second_agent(&self, export: &str, agent: &str) -> Agent {
        Agent::start(
            self.dir.path(),
            agent,
            export,
            &self.service.kubeconfig(),
            &self.agent_kubeconfig,
            &[
                "--published-resource-selector",
                &format!("e2e-test={agent}"),
            ],
        )
    }

    /// The second export (v1alpha1) once it serves a schema and `done` holds.
    fn second_export(&self, export: &str, agent: &Agent, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let e = self
                .k(
                    &self.org,
                    &[
                        "get",
                        "apiexports.v1alpha1.apis.kcp.io",
                        export,
                        "-o",
                        "json",
                    ],
                    None,
                )
                .json();
            if schemas(&e).len() == 1 && done(&e) {
                return e;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the export {export}: {e}\nits agent's log:\n{}",
                agent.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Binds the second export in `path`, accepting `events` and `claims`.
    fn bind_second(&mut self, path: &str, export: &str, claims: &str) {
        let binding = format!(
            "apiVersion: apis.kcp.io/v1alpha2
kind: APIBinding
metadata: {{name: {export}}}
spec:
  reference:
    export: {{path: {}, name: {export}}}
  permissionClaims:
  - {{resource: events, verbs: ['*'], selector: {{matchAll: true}}, state: Accepted}}
{claims}",
            self.org
        );
        self.apply(path, &binding);
    }

    /// A kcp object (`kubectl get -o json`; `null` when it cannot be read).
    fn kcp_json(&self, path: &str, resource: &str, ns: &str, name: &str) -> Value {
        let out = self.k(path, &["get", resource, name, "-n", ns, "-o", "json"], None);
        if out.success() {
            out.json()
        } else {
            Value::Null
        }
    }

    /// Waits for the CronTab copy `ns/name` on the service cluster; returns it.
    fn copy(&self, agent: &Agent, ns: &str, name: &str) -> Value {
        wait_for_copy(self, agent, "crontab.example.com", ns, name)
    }
}

fn crontab(name: &str, namespace: &str, spec: &str) -> String {
    format!(
        "apiVersion: kcp.example.com/v1
kind: CronTab
metadata: {{name: {name}, namespace: {namespace}}}
spec: {spec}
"
    )
}

/// The PublishedResource most upstream tests use: CronTabs projected to `kcp.example.com`,
/// copies named `synced-<namespace>/<name>` (or `naming`).
fn crontabs_spec(naming: &str) -> String {
    format!(
        "  resource: {{apiGroup: example.com, version: v1, kind: CronTab}}
  projection: {{group: kcp.example.com}}
{naming}"
    )
}

/// A free loopback address.
fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// The agent's `/metrics` (empty while it does not answer).
fn scrape(address: &str) -> String {
    use std::io::{Read, Write};
    let Ok(mut c) = std::net::TcpStream::connect(address) else {
        return String::new();
    };
    let _ = c.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut out = String::new();
    let _ = c.read_to_string(&mut out);
    out
}

/// The value of the series `name{labels…}` (labels as written, sorted) in a scrape.
fn series(scrape: &str, name_and_labels: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.trim().parse().ok())
}

/// The service's operator at work: the CronTab copy `ns/name` gets `status.phase: Running`.
fn set_running(env: &Env, ns: &str, name: &str) {
    env.service
        .kubectl(
            &[
                "patch",
                "crontab.example.com",
                name,
                "-n",
                ns,
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
}

/// Follows the Go agent's `TestSyncSimpleObject`, then our own: the status written back, and
/// deletion (the copy goes first, then the kcp object). Run on both service clusters.
fn sync_simple_object_on(service: ServiceCluster, test: &str) {
    let mut env = Env::with_service(test, service);
    let ns = format!("synced-{test}");
    env.publish(
        "publish-crontabs",
        &crontabs_spec(&format!(
            "  naming: {{namespace: '{ns}', name: '{{{{ .Object.metadata.name }}}}'}}\n"
        )),
    );
    let metrics = free_address();
    let agent = env.start_agent(&["--metrics-address", &metrics]);
    let team = env.consumer("team-1");
    env.create_in(
        &team,
        &crontab(
            "my-crontab",
            "default",
            "{cronSpec: '* * *', image: ubuntu:latest}",
        ),
    );
    let c = env.copy(&agent, &ns, "my-crontab");
    assert_eq!(c["spec"]["image"], "ubuntu:latest");
    assert_eq!(c["metadata"]["labels"]["syncagent.kcp.io/agent-name"], test);
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
    set_running(&env, &ns, "my-crontab");
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

    // The metrics saw it: one engaged workspace, a synced object, lag measured both ways.
    let pr = env.pr_name("publish-crontabs");
    wait_until("the agent's metrics", Duration::from_secs(30), || {
        let m = scrape(&metrics);
        series(&m, "sync_agent_engaged_workspaces") == Some(1.0)
            && series(&m, &format!("sync_agent_objects{{published_resource=\"{pr}\",state=\"synced\"}}")) == Some(1.0)
            && series(&m, &format!("sync_agent_sync_lag_seconds_count{{direction=\"down\",published_resource=\"{pr}\"}}")).is_some_and(|n| n >= 1.0)
            && series(&m, &format!("sync_agent_sync_lag_seconds_count{{direction=\"up\",published_resource=\"{pr}\"}}")).is_some_and(|n| n >= 1.0)
    });

    // The last-known state, in the Go agent's Secret.
    let cluster = c["metadata"]["labels"]["syncagent.kcp.io/remote-object-cluster"]
        .as_str()
        .unwrap()
        .to_string();
    let states = || {
        env.service
            .kubectl(
                &[
                    "get",
                    "secrets",
                    "-n",
                    "kube-system",
                    "-l",
                    &format!("syncagent.kcp.io/object-state=true,syncagent.kcp.io/remote-object-cluster={cluster}"),
                    "-o",
                    "name",
                ],
                None,
            )
            .ok()
            .lines()
            .count()
    };
    assert_eq!(states(), 1);

    // Deleting in kcp deletes the copy, then releases the object; its state goes too.
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
    assert!(
        !env.service
            .kubectl(
                &["get", "crontab.example.com", "my-crontab", "-n", &ns],
                None
            )
            .success(),
        "the copy is gone too"
    );
    assert_eq!(states(), 0, "the state Secret is gone too");
}

#[test]
fn sync_simple_object() {
    sync_simple_object_on(ServiceCluster::start(), "simple");
}

/// The same on our own server as the service cluster (the smoke run on `--profile kube`).
#[test]
fn sync_simple_object_on_our_server() {
    sync_simple_object_on(ServiceCluster::ours(), "simple-ours");
}

/// Follows `TestSyncSimpleObjectOldNaming`: the deprecated `$remote…` placeholders.
#[test]
fn sync_simple_object_old_naming() {
    let mut env = Env::new("old-naming");
    env.publish(
        "publish-crontabs",
        &crontabs_spec(
            "  naming: {namespace: 'oldnaming-$remoteNamespace', name: '$remoteName'}\n",
        ),
    );
    let agent = env.start_agent(&[]);
    let team = env.consumer("team-1");
    env.create_in(
        &team,
        &crontab("my-crontab", "default", "{image: ubuntu:latest}"),
    );
    env.copy(&agent, "oldnaming-default", "my-crontab");
}

/// Follows `TestSyncWithDefaultNamingRules`: the same namespace and name in two workspaces make
/// two copies (namespace: the cluster; name: the SHA3 of namespace and name).
#[test]
fn sync_with_default_naming_rules() {
    let mut env = Env::new("default-naming");
    env.publish("publish-crontabs", &crontabs_spec(""));
    let agent = env.start_agent(&[]);
    for team in ["team-1", "team-2"] {
        let path = env.consumer(team);
        env.create_in(
            &path,
            &crontab("my-crontab", "default", "{image: ubuntu:latest}"),
        );
        let cluster = env
            .k(
                &path,
                &[
                    "get",
                    "logicalcluster",
                    "cluster",
                    "-o",
                    "jsonpath={.metadata.annotations.kcp\\.io/cluster}",
                ],
                None,
            )
            .ok()
            .to_string();
        // sha3short("default") - sha3short("my-crontab"), the Go agent's vectors.
        let copy = env.copy(
            &agent,
            &cluster,
            "2747cabbb481a433679f-f9777ac9df6791c362ee",
        );
        assert_eq!(
            copy["metadata"]["labels"]["syncagent.kcp.io/remote-object-cluster"],
            cluster.as_str()
        );
    }
}

/// Follows `TestLocalChangesAreKept`: a field changed on the service cluster survives a change
/// of another field in kcp; a later change of that field in kcp wins.
#[test]
fn local_changes_are_kept() {
    let mut env = Env::new("local-changes");
    env.publish(
        "publish-crontabs",
        &crontabs_spec("  naming: {namespace: 'localchanges-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"),
    );
    let agent = env.start_agent(&[]);
    let team = env.consumer("team-1");
    env.create_in(
        &team,
        &crontab(
            "my-crontab",
            "default",
            "{cronSpec: '* * *', image: ubuntu:latest}",
        ),
    );
    let ns = "localchanges-default";
    env.copy(&agent, ns, "my-crontab");
    let patch_copy = |p: &str| {
        env.service
            .kubectl(
                &[
                    "patch",
                    "crontab.example.com",
                    "my-crontab",
                    "-n",
                    ns,
                    "--type",
                    "merge",
                    "-p",
                    p,
                ],
                None,
            )
            .ok();
    };
    let patch_kcp = |p: &str| {
        env.k(
            &team,
            &[
                "patch",
                "crontab",
                "my-crontab",
                "-n",
                "default",
                "--type",
                "merge",
                "-p",
                p,
            ],
            None,
        )
        .ok();
    };
    let copy_spec = || env.copy(&agent, ns, "my-crontab")["spec"].clone();
    patch_copy(r#"{"spec":{"cronSpec":"local"}}"#);
    patch_kcp(r#"{"spec":{"image":"debian:12"}}"#);
    wait_until("kcp's image on the copy", Duration::from_secs(30), || {
        copy_spec()["image"] == "debian:12"
    });
    assert_eq!(copy_spec()["cronSpec"], "local");
    patch_kcp(r#"{"spec":{"cronSpec":"*/5 * *"}}"#);
    wait_until(
        "kcp's cronSpec on the copy",
        Duration::from_secs(30),
        || copy_spec()["cronSpec"] == "*/5 * *",
    );
}

/// Follows `TestSyncingOverlyLongNames`: a 250-character name syncs (the labels carry hashes).
#[test]
fn syncing_overly_long_names() {
    let mut env = Env::new("long-names");
    env.publish(
        "publish-crontabs",
        &crontabs_spec("  naming: {namespace: 'longnames-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"),
    );
    let agent = env.start_agent(&[]);
    let team = env.consumer("team-1");
    let name = format!("long-{}", "x".repeat(245));
    env.create_in(&team, &crontab(&name, "default", "{image: ubuntu:latest}"));
    let copy = env.copy(&agent, "longnames-default", &name);
    assert_eq!(
        copy["metadata"]["annotations"]["syncagent.kcp.io/remote-object-name"],
        name.as_str()
    );
}

/// Follows `TestAPIExportEndpointSliceSameCluster`: the agent started on a second endpoint
/// slice of the export, in the same workspace.
#[test]
fn apiexport_endpoint_slice_same_cluster() {
    let mut env = Env::new("slice-same-cluster");
    env.apply(
        &env.org.clone(),
        "apiVersion: apis.kcp.io/v1alpha1
kind: APIExportEndpointSlice
metadata: {name: dummy}
spec:
  export: {name: example}
",
    );
    env.publish(
        "publish-crontabs",
        &crontabs_spec("  naming: {namespace: 'dummyslice-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"),
    );
    let agent = env.start_agent_for("dummy", &[]);
    let team = env.consumer("team-1");
    env.create_in(
        &team,
        &crontab("my-crontab", "default", "{image: ubuntu:latest}"),
    );
    env.copy(&agent, "dummyslice-default", "my-crontab");
}

/// Ours: a copy deleted on the service cluster is made again.
#[test]
fn a_copy_deleted_locally_is_recreated() {
    let mut env = Env::new("recreated");
    env.publish(
        "publish-crontabs",
        &crontabs_spec("  naming: {namespace: 'recreated-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"),
    );
    let agent = env.start_agent(&[]);
    let team = env.consumer("team-1");
    env.create_in(
        &team,
        &crontab("my-crontab", "default", "{image: ubuntu:latest}"),
    );
    let first = env.copy(&agent, "recreated-default", "my-crontab");
    env.service
        .kubectl(
            &[
                "delete",
                "crontab.example.com",
                "my-crontab",
                "-n",
                "recreated-default",
            ],
            None,
        )
        .ok();
    wait_until("a new copy", Duration::from_secs(30), || {
        let out = env.service.kubectl(
            &[
                "get",
                "crontab.example.com",
                "my-crontab",
                "-n",
                "recreated-default",
                "-o",
                "json",
            ],
            None,
        );
        out.success() && out.json()["metadata"]["uid"] != first["metadata"]["uid"]
    });
}

/// Ours: the agent killed (SIGKILL) while a batch of objects is being created, then started
/// again, makes exactly one copy of each and deletes nothing; and kcp restarted under the
/// agent: objects made afterwards sync too.
#[test]
fn the_agent_killed_and_kcp_restarted() {
    let mut env = Env::new("restarts");
    env.publish(
        "publish-crontabs",
        &crontabs_spec("  naming: {namespace: 'restarts-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"),
    );
    let mut agent = env.start_agent(&[]);
    let team = env.consumer("team-1");
    env.create_in(&team, &crontab("c-0", "default", "{image: ubuntu:latest}"));
    let batch: String = (1..20)
        .map(|i| {
            format!(
                "---\n{}",
                crontab(&format!("c-{i}"), "default", "{image: ubuntu:latest}")
            )
        })
        .collect();
    let mut creating = std::process::Command::new("kubectl")
        .args(["--kubeconfig"])
        .arg(env.kcp.kubeconfig())
        .args(["--server", &env.url(&team), "apply", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    creating
        .stdin
        .take()
        .unwrap()
        .write_all(batch.as_bytes())
        .unwrap();
    env.copy(&agent, "restarts-default", "c-0");
    agent.kill();
    assert!(creating.wait().unwrap().success());
    let agent = env.start_agent(&[]);
    let copies = || {
        env.service
            .kubectl(
                &[
                    "get",
                    "crontab.example.com",
                    "-n",
                    "restarts-default",
                    "-l",
                    "syncagent.kcp.io/agent-name=restarts",
                    "-o",
                    "json",
                ],
                None,
            )
            .json()["items"]
            .as_array()
            .map(|a| a.len())
            .unwrap_or(0)
    };
    wait_until("a copy of each", Duration::from_secs(60), || copies() == 20);
    for i in 0..20 {
        env.copy(&agent, "restarts-default", &format!("c-{i}"));
    }

    // kcp restarted under the agent.
    env.kcp.restart();
    env.create_in(
        &team,
        &crontab("after-restart", "default", "{image: ubuntu:latest}"),
    );
    env.copy(&agent, "restarts-default", "after-restart");
    assert_eq!(copies(), 21);
}

/// Ours: unbinding a workspace goes as deletion does: its objects' copies are deleted, their
/// finalizers released, and the binding goes.
#[test]
fn a_workspace_unbinding() {
    let mut env = Env::new("unbinding");
    env.publish(
        "publish-crontabs",
        &crontabs_spec("  naming: {namespace: 'unbinding-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"),
    );
    let agent = env.start_agent(&[]);
    let team = env.consumer("team-1");
    env.create_in(
        &team,
        &crontab("my-crontab", "default", "{image: ubuntu:latest}"),
    );
    env.copy(&agent, "unbinding-default", "my-crontab");
    env.k(
        &team,
        &["delete", "apibinding", "example", "--wait=false"],
        None,
    )
    .ok();
    wait_until("the binding gone", Duration::from_secs(60), || {
        !env.k(&team, &["get", "apibinding", "example"], None)
            .success()
    });
    assert!(
        !env.service
            .kubectl(
                &[
                    "get",
                    "crontab.example.com",
                    "my-crontab",
                    "-n",
                    "unbinding-default"
                ],
                None
            )
            .success(),
        "the copy went with the binding: {}",
        agent.log()
    );
}

/// Follows `TestARSAreCreated` and `TestProjection`: the schema the export serves exists, and
/// carries the projection (version, scope, kind, plural, short names).
#[test]
fn schemas_are_created_with_the_projection() {
    let env = Env::new("projection");
    env.publish(
        "publish-crontabs",
        "  resource: {apiGroup: example.com, version: v1, kind: CronTab}
  projection:
    group: kcp.example.com
    versions: {v1: v6}
    scope: Cluster
    kind: CronusTabulatus
    plural: cronustabulati
    shortNames: [cront]
",
    );
    let _agent = env.start_agent(&[]);
    let export = env.export_with_schemas(1);
    let name = export["spec"]["latestResourceSchemas"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(name.ends_with(".cronustabulati.kcp.example.com"), "{name}");
    let ars = env
        .k(
            &env.org,
            &["get", "apiresourceschema", &name, "-o", "json"],
            None,
        )
        .json();
    assert_eq!(ars["spec"]["scope"], "Cluster");
    assert_eq!(ars["spec"]["names"]["kind"], "CronusTabulatus");
    assert_eq!(
        ars["spec"]["names"]["shortNames"],
        serde_json::json!(["cront"])
    );
    assert_eq!(ars["spec"]["versions"][0]["name"], "v6");
    assert_eq!(
        ars["metadata"]["labels"]["syncagent.kcp.io/agent-name"],
        "projection"
    );
    let pr = env
        .service
        .kubectl(
            &[
                "get",
                "publishedresource",
                &env.pr_name("publish-crontabs"),
                "-o",
                "json",
            ],
            None,
        )
        .json();
    assert_eq!(pr["status"]["resourceSchemaName"], name.as_str());
    assert_eq!(
        export["spec"]["permissionClaims"],
        serde_json::json!([{"resource": "events", "all": true}])
    );
}

/// Follows `TestPublishedResourceMetric`: the gauge follows the PublishedResources.
#[test]
fn published_resource_metric() {
    let env = Env::new("metric");
    env.publish("publish-one", &crontabs_spec(""));
    let address = free_address();
    let _agent = env.start_agent(&["--metrics-address", &address]);
    let has = |line: &str| scrape(&address).lines().any(|l| l == line);
    wait_until("one", Duration::from_secs(30), || {
        has("sync_agent_published_resource 1")
    });
    env.publish(
        "publish-two",
        "  resource: {apiGroup: example.com, version: v1, kind: CronTab}\n  projection: {group: two.example.com}\n",
    );
    wait_until("two", Duration::from_secs(30), || {
        has("sync_agent_published_resource 2")
    });
    env.service
        .kubectl(
            &["delete", "publishedresource", &env.pr_name("publish-two")],
            None,
        )
        .ok();
    wait_until("one again", Duration::from_secs(30), || {
        has("sync_agent_published_resource 1")
    });
}

/// Follows `TestSyncWithWorkspacePath`: with `enableWorkspacePaths` the copy names the
/// workspace's path, read through the `core.kcp.io/logicalclusters` claim.
#[test]
fn sync_with_workspace_path() {
    let mut env = Env::new("workspace-path");
    env.publish(
        "publish-crontabs",
        &crontabs_spec(
            "  enableWorkspacePaths: true
  naming: {namespace: 'wspath-{{ .Object.metadata.namespace }}', name: '{{ .ClusterPath | replace \":\" \"-\" }}-{{ .Object.metadata.name }}'}
",
        ),
    );
    let agent = env.start_agent(&[]);
    let team = env.consumer_accepting(
        "team-1",
        "  - {group: core.kcp.io, resource: logicalclusters, verbs: ['*'], selector: {matchAll: true}, state: Accepted}\n",
    );
    env.create_in(
        &team,
        &crontab("my-crontab", "default", "{image: ubuntu:latest}"),
    );
    let copy = env.copy(&agent, "wspath-default", "root-team-1-my-crontab");
    assert_eq!(
        copy["metadata"]["annotations"]["syncagent.kcp.io/remote-object-workspace-path"],
        "root:team-1"
    );
}

/// Follows `TestAPIExportEndpointSliceDifferentCluster`: the endpoint slice in another
/// workspace names the export by path; the agent's kubeconfig points at the slice's workspace
/// and holds only what it needs there (§10.3).
#[test]
fn apiexport_endpoint_slice_different_cluster() {
    let mut env = Env::new("slice-elsewhere");
    env.kcp.kubectl(&["ws", "create", "slices"]).ok();
    env.apply(
        "root:slices",
        "apiVersion: apis.kcp.io/v1alpha1
kind: APIExportEndpointSlice
metadata: {name: elsewhere}
spec:
  export: {path: 'root:org', name: example}
",
    );
    env.apply(
        "root:slices",
        &format!(
            "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: api-syncagent-slice}}
rules:
- {{nonResourceURLs: ['/'], verbs: [access]}}
- {{apiGroups: [core.kcp.io], resources: [logicalclusters], resourceNames: [cluster], verbs: [get]}}
- {{apiGroups: [apis.kcp.io], resources: [apiexportendpointslices], verbs: [get, list, watch]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: api-syncagent-slice}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: api-syncagent-slice}}
subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: {AGENT_USER}}}]
"
        ),
    );
    env.write_agent_kubeconfig_at("root:slices");
    env.publish(
        "publish-crontabs",
        &crontabs_spec("  naming: {namespace: 'elsewhere-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"),
    );
    let agent = env.start_agent_for("elsewhere", &[]);
    let team = env.consumer("team-1");
    env.create_in(
        &team,
        &crontab("my-crontab", "default", "{image: ubuntu:latest}"),
    );
    env.copy(&agent, "elsewhere-default", "my-crontab");
}

/// Ours: two agents on one service cluster, each with its own PublishedResources (by
/// selector), kcp and export, sync only their own objects.
#[test]
fn two_agents_on_one_service_cluster_are_kept_apart() {
    let mut a = Env::new("apart-a");
    let mut b = Env::new("apart-b");
    for env in [&a, &b] {
        env.publish(
            "publish-crontabs",
            &crontabs_spec(&format!(
                "  naming: {{namespace: '{}', name: '{{{{ .Object.metadata.name }}}}'}}\n",
                env.test
            )),
        );
    }
    let agent_a = a.start_agent(&[]);
    let agent_b = b.start_agent(&[]);
    let team_a = a.consumer("team-1");
    let team_b = b.consumer("team-1");
    a.create_in(&team_a, &crontab("mine", "default", "{image: a}"));
    b.create_in(&team_b, &crontab("mine", "default", "{image: b}"));
    let copy_a = a.copy(&agent_a, "apart-a", "mine");
    let copy_b = b.copy(&agent_b, "apart-b", "mine");
    assert_eq!(copy_a["spec"]["image"], "a");
    assert_eq!(copy_b["spec"]["image"], "b");
    assert_eq!(
        copy_a["metadata"]["labels"]["syncagent.kcp.io/agent-name"],
        "apart-a"
    );
    assert_eq!(
        copy_b["metadata"]["labels"]["syncagent.kcp.io/agent-name"],
        "apart-b"
    );
    // A sentinel: b's agent, later, syncs a second object; a's namespace holds one copy only.
    b.create_in(&team_b, &crontab("sentinel", "default", "{image: b}"));
    b.copy(&agent_b, "apart-b", "sentinel");
    let in_a = a
        .service
        .kubectl(
            &["get", "crontab.example.com", "-n", "apart-a", "-o", "name"],
            None,
        )
        .ok()
        .to_string();
    assert_eq!(in_a.lines().count(), 1, "{in_a}");
}

/// A CRD of two versions (v2 stored) that only these tests use.
const MULTI: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: multis.example.com
spec:
  group: example.com
  names: {kind: Multi, listKind: MultiList, plural: multis, singular: multi}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: false
    schema:
      openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {a: {type: string}}}}}
  - name: v2
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {b: {type: string}}}}}
";

/// The schema the export serves for this test's PublishedResource `name` once its status names
/// it.
fn schema_of(env: &Env, name: &str) -> Value {
    let mut schema = String::new();
    wait_until(
        "the PublishedResource's schema",
        Duration::from_secs(60),
        || {
            schema = env
                .service
                .kubectl(
                    &[
                        "get",
                        "publishedresource",
                        &env.pr_name(name),
                        "-o",
                        "jsonpath={.status.resourceSchemaName}",
                    ],
                    None,
                )
                .stdout;
            !schema.is_empty()
        },
    );
    env.k(
        &env.org,
        &["get", "apiresourceschema", &schema, "-o", "json"],
        None,
    )
    .json()
}

fn versions_of(ars: &Value) -> Vec<String> {
    ars["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

/// Follows `TestARSOnlyContainsSelectedCRDVersion` and `TestMultiVersionCRD`: `versions` picks
/// what the schema holds.
#[test]
fn schemas_hold_the_selected_versions() {
    let env = Env::new("versions");
    env.service_apply(MULTI);
    wait_until("multis served", Duration::from_secs(30), || {
        env.service
            .kubectl(&["get", "multis", "-A"], None)
            .success()
    });
    env.publish(
        "only-v1",
        "  resource: {apiGroup: example.com, versions: [v1], kind: Multi}\n  projection: {group: v1only.example.com}\n",
    );
    env.publish(
        "both",
        "  resource: {apiGroup: example.com, versions: [v2, v1], kind: Multi}\n  projection: {group: both.example.com}\n",
    );
    let _agent = env.start_agent(&[]);
    let only = schema_of(&env, "only-v1");
    assert_eq!(versions_of(&only), ["v1"]);
    assert_eq!(only["spec"]["versions"][0]["storage"], true);
    let both = schema_of(&env, "both");
    assert_eq!(versions_of(&both), ["v1", "v2"]);
    assert_eq!(both["spec"]["conversion"]["strategy"], "None");
}

/// Follows `TestARSAreNotUpdated`: a changed CRD makes a second schema (the first stays) and
/// the PublishedResource's status moves to it.
#[test]
fn schemas_are_not_updated() {
    let env = Env::new("not-updated");
    let crd = |field: &str| {
        format!(
            "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.eksempel.no
spec:
  group: eksempel.no
  names: {{kind: Backup, listKind: BackupList, plural: backups, singular: backup}}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {{type: object, properties: {{spec: {{type: object, properties: {{{field}: {{type: string}}}}}}}}}}
"
        )
    };
    env.service_apply(&crd("source"));
    wait_until("backups served", Duration::from_secs(30), || {
        env.service
            .kubectl(&["get", "backups", "-A"], None)
            .success()
    });
    env.publish(
        "backups",
        "  resource: {apiGroup: eksempel.no, version: v1, kind: Backup}\n",
    );
    let _agent = env.start_agent(&[]);
    let first = schema_of(&env, "backups")["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    env.service_apply(&crd("destination"));
    let mut second = String::new();
    wait_until("a second schema", Duration::from_secs(60), || {
        second = env
            .service
            .kubectl(
                &[
                    "get",
                    "publishedresource",
                    &env.pr_name("backups"),
                    "-o",
                    "jsonpath={.status.resourceSchemaName}",
                ],
                None,
            )
            .stdout;
        !second.is_empty() && second != first
    });
    let labelled = env
        .k(
            &env.org,
            &[
                "get",
                "apiresourceschemas",
                "-l",
                "syncagent.kcp.io/agent-name=not-updated",
                "-o",
                "name",
            ],
            None,
        )
        .ok()
        .to_string();
    assert!(
        labelled.contains(&first) && labelled.contains(&second),
        "{labelled}"
    );
}

/// The Go agent's schema digits for each built-in kind of Kubernetes v1.36.5
/// (`src/agent/testdata/builtin/kube-1.36.5.txt`): `(group, kind, digits)`.
fn built_in_vectors() -> Vec<(String, String, String)> {
    let path = e2e::workspace_root().join("src/agent/testdata/builtin/kube-1.36.5.txt");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (gk, digits) = l.split_once(' ').unwrap();
            let (group, kind) = gk.split_once('/').unwrap();
            (group.into(), kind.into(), digits.into())
        })
        .collect()
}

/// Follows `TestDiscoverSingleVersionCRD` for its built-in kinds (Role: one version; the
/// HorizontalPodAutoscaler: two, in Kubernetes' order, with status and no scale), then holds the
/// schema of every built-in kind of the harness's kube-apiserver v1.36.5 to the Go agent's; and
/// of every one our own server serves as a plain cluster, whose discovery and OpenAPI must give
/// the same (but for the HorizontalPodAutoscaler, which it serves in `v2` only:
/// docs/differences.md).
#[test]
fn built_in_kinds_are_discovered_as_the_go_agent_discovers_them() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // `vectors`: whether the Go agent's digits hold, and for which kinds they do not.
    let check = |service: &ServiceCluster, vectors: Option<&[&str]>| {
        rt.block_on(async {
            let kubeconfig = kube::config::Kubeconfig::read_from(service.kubeconfig()).unwrap();
            let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .unwrap();
            let client = kube::Client::try_from(config).unwrap();
            let crd = |group: &str, kind: &str| {
                let (client, group, kind) = (client.clone(), group.to_owned(), kind.to_owned());
                async move { api_syncagent::discovery::crd(&client, &group, &kind).await }
            };
            let role = crd("rbac.authorization.k8s.io", "Role").await.unwrap();
            let names = &role.spec.names;
            assert_eq!(
                (
                    names.plural.as_str(),
                    names.singular.as_deref(),
                    names.kind.as_str(),
                    names.list_kind.as_deref()
                ),
                ("roles", Some("role"), "Role", Some("RoleList"))
            );
            let versions: Vec<&str> = role.spec.versions.iter().map(|v| v.name.as_str()).collect();
            assert_eq!(versions, ["v1"]);
            assert_eq!(
                role.metadata.annotations.as_ref().unwrap()["api-approved.kubernetes.io"],
                "https://github.com/kcp-dev/kubernetes/pull/4"
            );
            let hpa = crd("autoscaling", "HorizontalPodAutoscaler").await.unwrap();
            assert_eq!(hpa.spec.names.short_names, Some(vec!["hpa".to_string()]));
            assert_eq!(hpa.spec.names.categories, Some(vec!["all".to_string()]));
            for v in &hpa.spec.versions {
                let sub = v.subresources.as_ref().unwrap();
                assert!(sub.status.is_some() && sub.scale.is_none(), "{}", v.name);
            }
            let mut differ = Vec::new();
            for (group, kind, digits) in built_in_vectors() {
                match crd(&group, &kind).await {
                    Ok(crd) => {
                        let sum = api_syncagent::apiresourceschema::spec_checksum(&crd.spec);
                        let exempt = |ex: &[&str]| ex.contains(&format!("{group}/{kind}").as_str());
                        if vectors.is_some_and(|ex| !exempt(ex)) && sum[..8] != digits {
                            differ.push(format!("{group}/{kind}: {} (Go: {digits})", &sum[..8]));
                        }
                    }
                    // Not every cluster serves every kind (ours does not).
                    Err(e)
                        if vectors != Some(&[]) && format!("{e}").starts_with("could not find") => {
                    }
                    Err(e) => differ.push(format!("{group}/{kind}: {e:#}")),
                }
            }
            assert!(
                differ.is_empty(),
                "schemas unlike the Go agent's:\n{}",
                differ.join("\n")
            );
            if vectors == Some(&[]) {
                let versions: Vec<&str> =
                    hpa.spec.versions.iter().map(|v| v.name.as_str()).collect();
                assert_eq!(versions, ["v1", "v2"]);
            }
        })
    };
    let service = ServiceCluster::start();
    let pinned = matches!(&service, ServiceCluster::Real(k) if k.version() == "v1.36.5");
    let ours_exempt: &[&str] = &["autoscaling/HorizontalPodAutoscaler"];
    match service {
        ServiceCluster::Ours(_) => check(&service, Some(ours_exempt)),
        _ => {
            check(&service, pinned.then_some(&[]));
            check(&ServiceCluster::ours(), Some(ours_exempt));
        }
    }
}

/// Follows `TestNonCRDResource`: a built-in kind (rbac Roles, projected out of the group
/// Kubernetes reserves) is published from OpenAPI; then a tenant's Role is synced down.
#[test]
fn non_crd_resource() {
    let mut env = Env::new("non-crd");
    env.publish(
        "publish-roles",
        "  resource: {apiGroup: rbac.authorization.k8s.io, version: v1, kind: Role}
  projection: {group: example.com}
  naming: {namespace: 'non-crd-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}
",
    );
    let agent = env.start_agent(&[]);
    let export = env.export_with_schemas(1);
    let name = export["spec"]["latestResourceSchemas"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(name.ends_with(".roles.example.com"), "{name}");
    let team = env.consumer("team-1");
    env.create_in(
        &team,
        "apiVersion: example.com/v1
kind: Role
metadata: {name: reader, namespace: default}
rules:
- apiGroups: ['']
  resources: [configmaps]
  verbs: [get, list]
",
    );
    let copy = wait_for_copy(
        &env,
        &agent,
        "role.rbac.authorization.k8s.io",
        "non-crd-default",
        "reader",
    );
    assert_eq!(
        copy["rules"],
        serde_json::json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}])
    );
}

/// Follows `TestSyncMultiResources`: a CRD's kind and a built-in kind (ConfigMaps, projected to
/// `KubeConfigMap`) published side by side through one export, both synced.
#[test]
fn sync_multi_resources() {
    let mut env = Env::new("multi");
    let naming = "  naming: {namespace: 'multi-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n";
    env.publish(
        "publish-crontabs",
        &format!(
            "  resource: {{apiGroup: example.com, version: v1, kind: CronTab}}
  projection: {{group: kcp.example.com}}
{naming}"
        ),
    );
    env.publish(
        "publish-configmaps",
        &format!(
            "  resource: {{apiGroup: '', version: v1, kind: ConfigMap}}
  projection: {{group: kcp.example.com, kind: KubeConfigMap}}
{naming}"
        ),
    );
    let agent = env.start_agent(&[]);
    env.export_with_schemas(2);
    env.kcp.kubectl(&["ws", "create", "team-1"]).ok();
    let team = "root:team-1".to_string();
    env.bind(&team, "");
    env.create_in(
        &team,
        "apiVersion: kcp.example.com/v1
kind: CronTab
metadata: {name: my-crontab, namespace: default}
spec: {cronSpec: '* * *', image: 'ubuntu:latest'}
",
    );
    let crontab = wait_for_copy(
        &env,
        &agent,
        "crontab.example.com",
        "multi-default",
        "my-crontab",
    );
    assert_eq!(crontab["spec"]["image"], "ubuntu:latest");
    env.create_in(
        &team,
        "apiVersion: kcp.example.com/v1
kind: KubeConfigMap
metadata: {name: my-configmap, namespace: default}
data: {dummydata: dummydata}
",
    );
    let cm = wait_for_copy(&env, &agent, "configmap", "multi-default", "my-configmap");
    assert_eq!(cm["data"]["dummydata"], "dummydata");
}

/// Waits for the copy `ns/name` of `resource` on the service cluster; returns it.
fn wait_for_copy(env: &Env, agent: &Agent, resource: &str, ns: &str, name: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let out = env
            .service
            .kubectl(&["get", resource, name, "-n", ns, "-o", "json"], None);
        if out.success() {
            return out.json();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no copy {resource} {ns}/{name}: agent log:\n{}",
            agent.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A related resource of `origin` (`kcp` or `service`) named by `spec.<field>`, as the
/// upstream apiexport tests configure them (YAML lines of a PublishedResource's spec).
fn related(identifier: &str, origin: &str, resource: &str, field: &str) -> String {
    format!(
        "  - identifier: {identifier}
    origin: {origin}
    resource: {resource}
    version: v1
    object:
      reference: {{path: spec.{field}.name}}
      namespace:
        reference: {{path: spec.{field}.namespace}}
"
    )
}

impl Env {
    /// The export `example` in the provider workspace (`null` until it can be read).
    fn export(&self) -> Value {
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
        if out.success() {
            out.json()
        } else {
            Value::Null
        }
    }

    /// Applies the export `example` with `spec` (YAML lines indented two spaces).
    fn set_export(&mut self, spec: &str) {
        let org = self.org.clone();
        self.apply(
            &org,
            &format!(
                "apiVersion: apis.kcp.io/v1alpha1
kind: APIExport
metadata: {{name: example}}
spec:
{spec}"
            ),
        );
    }

    /// The export once `done` holds for it.
    fn export_once(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut export = Value::Null;
        wait_until(what, Duration::from_secs(60), || {
            export = self.export();
            done(&export)
        });
        export
    }
}

/// The resources an export claims, sorted, each with `all: true` (the agent's claims).
fn claimed(export: &Value) -> Vec<String> {
    let mut out: Vec<String> = export["spec"]["permissionClaims"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            assert_eq!(c["all"], true, "{c}");
            format!(
                "{}/{}",
                c["group"].as_str().unwrap_or(""),
                c["resource"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

fn schemas(export: &Value) -> Vec<String> {
    export["spec"]["latestResourceSchemas"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

const PUBLISH_ROLES: &str =
    "  resource: {apiGroup: rbac.authorization.k8s.io, version: v1, kind: Role}
  projection: {group: example.com}
";

/// Follows `TestPermissionsClaims`: two published kinds claim only `events`; once they name
/// related resources, the export claims those too (and `namespaces`, to place them).
#[test]
fn permission_claims() {
    let env = Env::new("claims");
    let crontabs = "  resource: {apiGroup: example.com, version: v1, kind: CronTab}\n";
    env.publish("publish-crontabs", crontabs);
    env.publish("publish-roles", PUBLISH_ROLES);
    let _agent = env.start_agent(&[]);
    let export = env.export_with_schemas(2);
    assert_eq!(claimed(&export), ["/events"]);
    env.publish(
        "publish-roles",
        &format!(
            "{PUBLISH_ROLES}  related:\n{}{}",
            related("super-secret", "kcp", "secrets", "test"),
            related("other-super-secret", "service", "secrets", "otherTest")
        ),
    );
    env.publish(
        "publish-crontabs",
        &format!(
            "{crontabs}  related:\n{}",
            related("config", "kcp", "configmaps", "secretTest")
        ),
    );
    let export = env.export_once("four claims", |e| claimed(e).len() == 4);
    assert_eq!(
        claimed(&export),
        ["/configmaps", "/events", "/namespaces", "/secrets"]
    );
}

/// Follows `TestExistingPermissionsClaimsAreKept`: claims the export had are kept beside the
/// agent's.
#[test]
fn existing_permission_claims_are_kept() {
    let mut env = Env::new("claims-kept");
    env.set_export("  permissionClaims:\n  - {resource: configmaps, all: true}\n");
    env.publish(
        "publish-crontabs",
        &format!(
            "  resource: {{apiGroup: example.com, version: v1, kind: CronTab}}\n  related:\n{}",
            related("super-secret", "kcp", "secrets", "test")
        ),
    );
    let _agent = env.start_agent(&[]);
    let export = env.export_once("the agent's claims", |e| claimed(e).len() == 4);
    assert_eq!(
        claimed(&export),
        ["/configmaps", "/events", "/namespaces", "/secrets"]
    );
}

/// Follows `TestSchemasAreMerged`: a schema the agent does not manage stays; its own
/// resource's older schema is replaced.
#[test]
fn schemas_are_merged() {
    let mut env = Env::new("merged");
    env.set_export("  latestResourceSchemas: [v1.fakes.example.com, v0.crontabs.example.com]\n");
    env.publish(
        "publish-crontabs",
        "  resource: {apiGroup: example.com, versions: [v1], kind: CronTab}\n",
    );
    let _agent = env.start_agent(&[]);
    let export = env.export_once("the agent's schema", |e| {
        schemas(e)
            .iter()
            .any(|s| s.ends_with(".crontabs.example.com") && s != "v0.crontabs.example.com")
    });
    let schemas = schemas(&export);
    assert!(
        schemas.contains(&"v1.fakes.example.com".to_string()),
        "{schemas:?}"
    );
    assert_eq!(schemas.len(), 2, "{schemas:?}");
}

/// Follows `TestSchemaIsKeptWhenDeletingPublishedResource`: a deleted PublishedResource's
/// schema stays in the export when the export is next updated (tenants' data is not orphaned).
#[test]
fn schema_is_kept_when_deleting_published_resource() {
    let env = Env::new("kept");
    env.publish(
        "publish-crontabs",
        "  resource: {apiGroup: example.com, versions: [v1], kind: CronTab}\n",
    );
    let _agent = env.start_agent(&[]);
    let crontabs = schemas(&env.export_with_schemas(1))[0].clone();
    assert!(crontabs.ends_with(".crontabs.example.com"), "{crontabs}");
    env.service
        .kubectl(
            &[
                "delete",
                "publishedresource",
                &env.pr_name("publish-crontabs"),
            ],
            None,
        )
        .ok();
    // Another PublishedResource makes the export change again.
    env.publish("publish-roles", PUBLISH_ROLES);
    let export = env.export_once("the roles' schema", |e| {
        schemas(e).iter().any(|s| s.ends_with(".roles.example.com"))
    });
    assert!(schemas(&export).contains(&crontabs), "{export}");
}

/// Follows `TestNewSchemasAreCreatedAsNeeded`: when the published resource changes (here its
/// projected scope), a new schema is made and replaces the old one in the export.
#[test]
fn new_schemas_are_created_as_needed() {
    let env = Env::new("new-schemas");
    let crontabs = "  resource: {apiGroup: example.com, versions: [v1], kind: CronTab}\n";
    env.publish("publish-crontabs", crontabs);
    let _agent = env.start_agent(&[]);
    let old = schemas(&env.export_with_schemas(1))[0].clone();
    env.publish(
        "publish-crontabs",
        &format!("{crontabs}  projection: {{scope: Cluster}}\n"),
    );
    let export = env.export_once("a new schema", |e| {
        schemas(e)
            .iter()
            .any(|s| s.ends_with(".crontabs.example.com") && *s != old)
    });
    assert_eq!(schemas(&export).len(), 1, "{export}");
    assert!(
        env.k(&env.org, &["get", "apiresourceschema", &old], None)
            .success(),
        "the old schema stays"
    );
}

/// Follows `TestResourceFilter`: only the kcp objects the filter selects are synced (the
/// negative check waits on a later object synced). Then ours: an object that stops matching is
/// released (its finalizer goes, its copy stays, labelled released) and matching again makes
/// the copy its copy again; a namespace filter reads the namespace's labels.
#[test]
fn resource_filter() {
    let mut env = Env::new("filter");
    env.publish(
        "publish-crontabs",
        "  resource: {apiGroup: example.com, version: v1, kind: CronTab}
  projection: {group: kcp.example.com}
  naming: {namespace: 'filter-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}
  filter:
    resource: {matchLabels: {include: me}}
    namespace: {matchExpressions: [{key: team, operator: NotIn, values: [b]}]}
",
    );
    let agent = env.start_agent(&[]);
    // The namespace filter reads namespaces: the export claims them.
    env.export_once("the namespaces claim", |e| {
        claimed(e).contains(&"/namespaces".to_string())
    });
    let team = env.consumer_accepting(
        "team-1",
        "  - {resource: namespaces, verbs: ['*'], selector: {matchAll: true}, state: Accepted}\n",
    );
    let crontab = |name: &str, ns: &str, labels: &str| {
        format!(
            "apiVersion: kcp.example.com/v1
kind: CronTab
metadata: {{name: {name}, namespace: {ns}, labels: {{{labels}}}}}
spec: {{image: 'ubuntu:latest'}}
"
        )
    };
    env.k(&team, &["create", "namespace", "team-b"], None).ok();
    env.k(&team, &["label", "namespace", "team-b", "team=b"], None)
        .ok();
    env.create_in(&team, &crontab("ignored", "default", ""));
    env.create_in(&team, &crontab("other-team", "team-b", "include: me"));
    env.create_in(&team, &crontab("included", "default", "include: me"));
    wait_for_copy(
        &env,
        &agent,
        "crontab.example.com",
        "filter-default",
        "included",
    );
    let get = |ns: &str, name: &str| {
        env.service.kubectl(
            &["get", "crontab.example.com", name, "-n", ns, "-o", "json"],
            None,
        )
    };
    let source = |name: &str, ns: &str| {
        env.k(
            &team,
            &["get", "crontab", name, "-n", ns, "-o", "json"],
            None,
        )
        .json()
    };
    assert!(
        !get("filter-default", "ignored").success(),
        "ignored was synced"
    );
    assert!(
        !get("filter-team-b", "other-team").success(),
        "the other team's was synced"
    );
    assert!(source("ignored", "default")["metadata"]["finalizers"].is_null());

    // Unlabelled: released.
    env.k(
        &team,
        &["label", "crontab", "included", "-n", "default", "include-"],
        None,
    )
    .ok();
    wait_until("the copy released", Duration::from_secs(30), || {
        get("filter-default", "included").json()["metadata"]["labels"]["syncagent.kcp.io/released"]
            == "true"
    });
    wait_until("the finalizer released", Duration::from_secs(30), || {
        source("included", "default")["metadata"]["finalizers"].is_null()
    });
    // Labelled again: the copy is its copy again.
    env.k(
        &team,
        &[
            "label",
            "crontab",
            "included",
            "-n",
            "default",
            "include=me",
        ],
        None,
    )
    .ok();
    wait_until("the copy taken back", Duration::from_secs(30), || {
        let copy = get("filter-default", "included").json();
        copy["metadata"]["labels"]["syncagent.kcp.io/released"].is_null()
            && source("included", "default")["metadata"]["finalizers"]
                == serde_json::json!(["syncagent.kcp.io/cleanup"])
    });
    // Released and deleted: the copy stays.
    env.k(
        &team,
        &["label", "crontab", "included", "-n", "default", "include-"],
        None,
    )
    .ok();
    wait_until("the finalizer released", Duration::from_secs(30), || {
        source("included", "default")["metadata"]["finalizers"].is_null()
    });
    env.k(
        &team,
        &["delete", "crontab", "included", "-n", "default"],
        None,
    )
    .ok();
    assert!(
        get("filter-default", "included").success(),
        "a released copy stays"
    );
}

/// The claims a consumer accepts for Secrets as related objects (and their namespaces).
const SECRET_CLAIMS: &str =
    "  - {resource: secrets, verbs: ['*'], selector: {matchAll: true}, state: Accepted}
  - {resource: namespaces, verbs: ['*'], selector: {matchAll: true}, state: Accepted}
";

/// A Secret with one data key (`password`), as YAML.
fn secret(ns: &str, name: &str, labels: &str, password: &str) -> String {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(password);
    format!(
        "apiVersion: v1
kind: Secret
metadata: {{name: {name}, namespace: {ns}, labels: {{{labels}}}}}
type: Opaque
data: {{password: {data}}}
"
    )
}

/// The `password` of a Secret (`kubectl get -o json`), decoded.
fn password(secret: &Value) -> String {
    use base64::Engine as _;
    let data = secret["data"]["password"].as_str().unwrap_or_default();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap_or_default(),
    )
    .unwrap_or_default()
}

/// Follows every case of `TestSyncRelatedObjects` (one PublishedResource holds them all, one
/// entry per case), `TestDeletePrimaryWithRelatedKcpResource`,
/// `TestRelatedResourceCleanupDisabled` and `TestRelatedResourceCleanupEnabled`; and ours: a
/// related object's change on either side reaches the other without `watch` (upstream #118),
/// also for an origin object made after its primary object synced.
#[test]
fn sync_related_objects() {
    let mut env = Env::new("related");
    let secret_entry = |id: &str, origin: &str, object: &str| {
        format!(
            "  - identifier: {id}\n    origin: {origin}\n    kind: Secret\n    object:\n{object}"
        )
    };
    let named = |name: &str| format!("      template: {{template: {name}}}\n");
    let in_namespace = |name: &str, kcp: &str, service: &str| {
        format!(
            "{}      namespace:\n        template: {{template: '{{{{ if eq .Side \"kcp\" }}}}{kcp}{{{{ else }}}}{service}{{{{ end }}}}'}}\n",
            named(name)
        )
    };
    let selected = |labels: &str, name: &str| {
        format!(
            "      selector:\n        matchLabels: {labels}\n        rewrite: {{template: {{template: {name}}}}}\n"
        )
    };
    let same_ns = "{{ .Object.metadata.namespace }}";
    let related = [
        secret_entry("up", "service", &named("up-credentials")),
        secret_entry("down", "kcp", &named("down-credentials")),
        format!(
            "{}    cleanup: true\n",
            secret_entry(
                "up-new-namespace",
                "service",
                &in_namespace("up-ns-credentials", "new-namespace", same_ns)
            )
        ),
        secret_entry(
            "down-new-namespace",
            "kcp",
            &in_namespace("down-ns-credentials", same_ns, "related-new-namespace"),
        ),
        secret_entry(
            "up-foreign-namespace",
            "service",
            &in_namespace("foreign-credentials", same_ns, "related-other-namespace"),
        ),
        secret_entry(
            "selected",
            "service",
            &selected("{find: me}", "selected-credentials"),
        ),
        secret_entry(
            "cluster-fields",
            "service",
            &selected(
                "{find: 'foo-{{ .ClusterName | len }}'}",
                "cluster-credentials",
            ),
        ),
        secret_entry(
            "templated-selector",
            "service",
            &selected(
                "{'  {{ list \"fi\" \"nd\" | join \"-\" }} ': \"\\n{{ lower \\\"ME\\\" }}\\n \"}",
                "templated-credentials",
            ),
        ),
        secret_entry(
            "namespace-selected",
            "kcp",
            "      template: {template: selected-down}
      namespace:
        selector:
          matchLabels: {team: blue}
          rewrite: {template: {template: 'related-{{ .Value }}'}}
",
        ),
    ]
    .concat();
    env.publish(
        "publish-crontabs",
        &format!(
            "{}  related:\n{related}",
            crontabs_spec(
                "  naming: {namespace: 'related-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"
            )
        ),
    );
    let agent = env.start_agent(&[]);
    env.export_once("the secrets claim", |e| {
        claimed(e).contains(&"/secrets".to_string())
    });
    let team = env.consumer_accepting("team-1", SECRET_CLAIMS);
    env.create_in(
        &team,
        &crontab(
            "my-crontab",
            "default",
            "{cronSpec: '* * *', image: ubuntu}",
        ),
    );
    let copy = env.copy(&agent, "related-default", "my-crontab");
    let cluster = copy["metadata"]["labels"]["syncagent.kcp.io/remote-object-cluster"]
        .as_str()
        .unwrap()
        .to_string();

    // The fake operator's Secrets on the service cluster, the tenant's in kcp.
    env.service
        .kubectl(&["create", "namespace", "related-other-namespace"], None);
    let service_secrets = [
        secret("related-default", "up-credentials", "", "up"),
        secret("related-default", "up-ns-credentials", "", "up-ns"),
        secret(
            "related-other-namespace",
            "foreign-credentials",
            "",
            "foreign",
        ),
        secret("related-default", "unknown-1", "find: me", "selected"),
        secret(
            "related-default",
            "unknown-2",
            &format!("find: foo-{}", cluster.len()),
            "cluster",
        ),
        secret("related-default", "unknown-3", "fi-nd: me", "templated"),
    ];
    for s in service_secrets {
        env.service_apply(&s);
    }
    env.apply(&team, &secret("default", "down-credentials", "", "down"));
    env.apply(
        &team,
        &secret("default", "down-ns-credentials", "", "down-ns"),
    );

    let kcp_secret = |ns: &str, name: &str| {
        env.k(
            &team,
            &["get", "secret", name, "-n", ns, "-o", "json"],
            None,
        )
    };
    let service_secret = |ns: &str, name: &str| {
        env.service
            .kubectl(&["get", "secret", name, "-n", ns, "-o", "json"], None)
    };
    let synced = |what: &str, get: &dyn Fn() -> Output, want: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let out = get();
            if out.success() && password(&out.json()) == want {
                return out.json();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{what} not synced: agent log:\n{}",
                agent.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // Up from the service cluster: into the primary's namespace, a new one, from a foreign
    // one, found by labels (plain, with the cluster's name, templated with whitespace).
    for (ns, name, want) in [
        ("default", "up-credentials", "up"),
        ("new-namespace", "up-ns-credentials", "up-ns"),
        ("default", "foreign-credentials", "foreign"),
        ("default", "selected-credentials", "selected"),
        ("default", "cluster-credentials", "cluster"),
        ("default", "templated-credentials", "templated"),
    ] {
        synced(name, &|| kcp_secret(ns, name), want);
    }
    let labels = |name: &str| kcp_secret("default", name).json()["metadata"].clone();
    assert!(labels("up-credentials")["finalizers"].is_null());
    assert_eq!(labels("selected-credentials")["labels"]["find"], "me");
    assert_eq!(labels("templated-credentials")["labels"]["fi-nd"], "me");
    // Down from kcp: into the copy's namespace and a new one; the originals hold the finalizer.
    for (ns, name, want) in [
        ("related-default", "down-credentials", "down"),
        ("related-new-namespace", "down-ns-credentials", "down-ns"),
    ] {
        synced(name, &|| service_secret(ns, name), want);
    }
    // The agent's own finalizer on related objects (upstream #172).
    assert_eq!(
        kcp_secret("default", "down-credentials").json()["metadata"]["finalizers"],
        serde_json::json!(["related.syncagent.kcp.io/cleanup"])
    );
    // The service's objects are named on the primary object.
    wait_until(
        "the related-object annotation",
        Duration::from_secs(30),
        || {
            env.kcp_json(&team, "crontab", "default", "my-crontab")["metadata"]["annotations"]["related-resources.syncagent.kcp.io/up.0"]
                == r#"{"namespace":"default","name":"up-credentials","apiVersion":"v1","kind":"Secret"}"#
        },
    );

    // Changes on either side reach the other without the primary object changing (no
    // `watch` configured).
    env.service_apply(&secret("related-default", "up-credentials", "", "rotated"));
    synced(
        "the rotated up",
        &|| kcp_secret("default", "up-credentials"),
        "rotated",
    );
    env.k(
        &team,
        &["apply", "-f", "-"],
        Some(&secret("default", "down-credentials", "", "changed")),
    )
    .ok();
    synced(
        "the changed down",
        &|| service_secret("related-default", "down-credentials"),
        "changed",
    );
    // A namespace found by labels that appears later, with the object in it.
    env.k(&team, &["create", "namespace", "blue-ns"], None).ok();
    env.k(&team, &["label", "namespace", "blue-ns", "team=blue"], None)
        .ok();
    env.k(
        &team,
        &["apply", "-f", "-"],
        Some(&secret("blue-ns", "selected-down", "", "blue")),
    )
    .ok();
    synced(
        "the Secret of a namespace found by labels",
        &|| service_secret("related-blue-ns", "selected-down"),
        "blue",
    );
    // A copy deleted in kcp is made again.
    env.k(
        &team,
        &["delete", "secret", "selected-credentials", "-n", "default"],
        None,
    )
    .ok();
    synced(
        "the deleted copy",
        &|| kcp_secret("default", "selected-credentials"),
        "selected",
    );

    // The primary object deleted: copies of kcp's objects go (their originals stay, released),
    // copies in kcp stay but with `cleanup`, the service's objects stay.
    env.k(
        &team,
        &["delete", "crontab", "my-crontab", "-n", "default"],
        None,
    )
    .ok();
    wait_until("the primary object gone", Duration::from_secs(30), || {
        !env.k(
            &team,
            &["get", "crontab", "my-crontab", "-n", "default"],
            None,
        )
        .success()
    });
    assert!(!service_secret("related-default", "down-credentials").success());
    assert!(!service_secret("related-new-namespace", "down-ns-credentials").success());
    assert!(
        kcp_secret("default", "down-credentials").json()["metadata"]["finalizers"].is_null(),
        "the original is released: {}",
        kcp_secret("default", "down-credentials").stdout
    );
    assert!(
        kcp_secret("default", "up-credentials").success(),
        "cleanup: false keeps it"
    );
    assert!(
        !kcp_secret("new-namespace", "up-ns-credentials").success(),
        "cleanup: true deletes it"
    );
    assert!(service_secret("related-default", "up-ns-credentials").success());
}

/// The conflict policies (ours; the Go agent always adopts): `Fail` leaves a foreign object of
/// the copy's name untouched and reports it, `Overwrite` replaces it, `Adopt` takes it keeping
/// its spec; the copy of another kcp object is never taken. And the deletion order (upstream
/// #115): a copy waits for the kcp object's other finalizers, unless the object asks for the
/// Go agent's order.
#[test]
fn conflicts_and_deletion_order() {
    let mut env = Env::new("conflict");
    let ns = "conflict-default";
    let spec = |policy: &str| {
        crontabs_spec(&format!(
            "  naming: {{namespace: 'conflict-{{{{ .Object.metadata.namespace }}}}', name: '{{{{ .Object.metadata.name }}}}'}}\n  conflictPolicy: {policy}\n"
        ))
    };
    env.publish("publish-crontabs", &spec("Fail"));
    let metrics = free_address();
    let agent = env.start_agent(&["--metrics-address", &metrics]);
    let team = env.consumer("team-1");
    env.service.kubectl(&["create", "namespace", ns], None);
    let local = |name: &str, labels: &str| {
        format!(
            "apiVersion: example.com/v1
kind: CronTab
metadata: {{name: {name}, namespace: {ns}, labels: {{{labels}}}}}
spec: {{image: theirs}}
"
        )
    };
    let get_local = |name: &str| {
        env.service.kubectl(
            &["get", "crontab.example.com", name, "-n", ns, "-o", "json"],
            None,
        )
    };
    let warned = |name: &str| {
        env.k(
            &team,
            &[
                "get",
                "events",
                "-n",
                "default",
                "--field-selector",
                &format!("involvedObject.name={name},reason=SyncConflict"),
                "-o",
                "name",
            ],
            None,
        )
        .stdout
        .lines()
        .count()
            > 0
    };

    // Fail: the foreign object stays byte for byte; a Warning, the conflict counted.
    env.service_apply(&local("taken", ""));
    let before = get_local("taken").json();
    env.create_in(&team, &crontab("taken", "default", "{image: ours}"));
    wait_until("the SyncConflict event", Duration::from_secs(30), || {
        warned("taken")
    });
    let pr = env.pr_name("publish-crontabs");
    wait_until("the conflict counted", Duration::from_secs(30), || {
        series(
            &scrape(&metrics),
            &format!(
                "sync_agent_sync_errors_total{{published_resource=\"{pr}\",reason=\"conflict\"}}"
            ),
        )
        .is_some_and(|n| n >= 1.0)
    });
    assert_eq!(
        get_local("taken").json(),
        before,
        "the foreign object was changed"
    );
    // Freed, the name gets the copy.
    env.service
        .kubectl(&["delete", "crontab.example.com", "taken", "-n", ns], None)
        .ok();
    let copy = env.copy(&agent, ns, "taken");
    assert_eq!(copy["spec"]["image"], "ours");
    // A kcp object deleted while its copy's name is taken: only the finalizer goes.
    env.service_apply(&local("blocked", ""));
    env.create_in(&team, &crontab("blocked", "default", "{image: ours}"));
    wait_until("the SyncConflict event", Duration::from_secs(30), || {
        warned("blocked")
    });
    env.k(
        &team,
        &["delete", "crontab", "blocked", "-n", "default"],
        None,
    )
    .ok();
    assert_eq!(get_local("blocked").json()["spec"]["image"], "theirs");

    // Overwrite: the desired state replaces it, and it is the copy from then on.
    env.publish("publish-crontabs", &spec("Overwrite"));
    env.service_apply(&local("overwritten", "mine: x"));
    env.create_in(&team, &crontab("overwritten", "default", "{image: ours}"));
    wait_until("the object overwritten", Duration::from_secs(30), || {
        let o = get_local("overwritten").json();
        o["spec"]["image"] == "ours"
            && o["metadata"]["labels"]["syncagent.kcp.io/agent-name"] == "conflict"
            && o["metadata"]["labels"]["mine"].is_null()
    });

    // Adopt: labelled as the copy, its spec kept (the Go agent's adoption)…
    env.publish("publish-crontabs", &spec("Adopt"));
    env.service_apply(&local("adopted", ""));
    env.create_in(&team, &crontab("adopted", "default", "{image: ours}"));
    wait_until("the object adopted", Duration::from_secs(30), || {
        let o = get_local("adopted").json();
        o["metadata"]["labels"]["syncagent.kcp.io/agent-name"] == "conflict"
    });
    // …but never the copy of another kcp object.
    env.service_apply(&local(
        "anothers",
        "syncagent.kcp.io/remote-object-cluster: elsewhere",
    ));
    env.create_in(&team, &crontab("anothers", "default", "{image: ours}"));
    wait_until("the SyncConflict event", Duration::from_secs(30), || {
        warned("anothers")
    });
    assert_eq!(get_local("anothers").json()["spec"]["image"], "theirs");

    // Deletion order: a copy waits for the kcp object's other finalizers…
    let held = |name: &str, annotations: &str| {
        format!(
            "apiVersion: kcp.example.com/v1
kind: CronTab
metadata: {{name: {name}, namespace: default, finalizers: [example.com/hold], annotations: {{{annotations}}}}}
spec: {{image: ours}}
"
        )
    };
    env.create_in(&team, &held("held", ""));
    env.create_in(
        &team,
        &held("first", "syncagent.kcp.io/delete-copy-first: 'true'"),
    );
    env.create_in(&team, &crontab("sentinel", "default", "{image: ours}"));
    for name in ["held", "first", "sentinel"] {
        env.copy(&agent, ns, name);
    }
    for name in ["held", "first", "sentinel"] {
        env.k(
            &team,
            &["delete", "crontab", name, "-n", "default", "--wait=false"],
            None,
        )
        .ok();
    }
    // …unless the object asks for the Go agent's order.
    wait_until("the copy deleted first", Duration::from_secs(30), || {
        !get_local("first").success()
    });
    wait_until("the sentinel's copy gone", Duration::from_secs(30), || {
        !get_local("sentinel").success()
    });
    assert!(get_local("held").success(), "the copy did not wait");
    env.k(
        &team,
        &[
            "patch",
            "crontab",
            "held",
            "-n",
            "default",
            "--type",
            "json",
            "-p",
            r#"[{"op":"remove","path":"/metadata/finalizers/0"}]"#,
        ],
        None,
    )
    .ok();
    wait_until("the held copy gone", Duration::from_secs(30), || {
        !get_local("held").success()
    });
    wait_until("the held object gone", Duration::from_secs(30), || {
        !env.k(&team, &["get", "crontab", "held", "-n", "default"], None)
            .success()
    });
}

/// Mutations (the Go agent's `internal/mutation` rules, end to end): the copy gets the
/// rewritten desired state (regex, template with gjson's accessors, CEL), the kcp object keeps
/// its own; the status comes back through the status rules; a change in kcp reaches the copy
/// rewritten again.
#[test]
fn mutations() {
    let mut env = Env::new("mutation");
    env.publish(
        "publish-crontabs",
        &crontabs_spec(
            "  naming: {namespace: 'mutation-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}
  mutation:
    spec:
    - regex: {path: spec.image, pattern: '^ubuntu:(.*)$', replacement: 'registry.local/ubuntu:$1'}
    - template: {path: spec.cronSpec, template: '{{ .Value.String }} # {{ .LocalObject.metadata.name }}'}
    status:
    - cel: {path: status.phase, expression: 'value == \"Running\" ? \"Ready\" : value'}
",
        ),
    );
    let agent = env.start_agent(&[]);
    let team = env.consumer("team-1");
    env.create_in(
        &team,
        &crontab(
            "my-crontab",
            "default",
            "{cronSpec: '* * *', image: 'ubuntu:22.04'}",
        ),
    );
    let copy = env.copy(&agent, "mutation-default", "my-crontab");
    assert_eq!(copy["spec"]["image"], "registry.local/ubuntu:22.04");
    assert_eq!(copy["spec"]["cronSpec"], "* * * # my-crontab");
    let source = || env.kcp_json(&team, "crontab", "default", "my-crontab");
    assert_eq!(source()["spec"]["image"], "ubuntu:22.04");

    set_running(&env, "mutation-default", "my-crontab");
    wait_until("the mutated status in kcp", Duration::from_secs(30), || {
        source()["status"]["phase"] == "Ready"
    });

    env.k(
        &team,
        &[
            "patch",
            "crontab",
            "my-crontab",
            "-n",
            "default",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"image":"ubuntu:24.04"}}"#,
        ],
        None,
    )
    .ok();
    wait_until(
        "the change rewritten on the copy",
        Duration::from_secs(30),
        || {
            env.copy(&agent, "mutation-default", "my-crontab")["spec"]["image"]
                == "registry.local/ubuntu:24.04"
        },
    );
    assert_eq!(source()["spec"]["image"], "ubuntu:24.04");
}

/// A CRD only `api_lifecycle` changes (the service cluster is shared).
fn lifecycle_crd(with_replicas: bool) -> String {
    let replicas = if with_replicas {
        "\n              replicas: {type: integer}"
    } else {
        ""
    };
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: lifecycles.example.com
spec:
  group: example.com
  names: {{kind: Lifecycle, listKind: LifecycleList, plural: lifecycles, singular: lifecycle}}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              image: {{type: string}}{replicas}
"
    )
}

/// The API lifecycle (ours): a changed CRD makes a new APIResourceSchema, the export moves to
/// it, and the tenant's objects made before keep syncing, now with the new field; nothing is
/// converted (the schema's storage version is the CRD's).
#[test]
fn api_lifecycle() {
    let mut env = Env::new("lifecycle");
    env.service_apply(&lifecycle_crd(false));
    env.publish(
        "publish-lifecycles",
        "  resource: {apiGroup: example.com, version: v1, kind: Lifecycle}
  projection: {group: kcp.example.com}
  naming: {namespace: 'lifecycle-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}
",
    );
    let agent = env.start_agent(&[]);
    let first = schemas(&env.export_with_schemas(1));
    let team = env.consumer("team-1");
    let object = |name: &str, spec: &str| {
        format!(
            "apiVersion: kcp.example.com/v1
kind: Lifecycle
metadata: {{name: {name}, namespace: default}}
spec: {spec}
"
        )
    };
    env.create_in(&team, &object("before", "{image: a}"));
    wait_for_copy(
        &env,
        &agent,
        "lifecycle.example.com",
        "lifecycle-default",
        "before",
    );

    // The CRD gains a field: a new schema, and the export serves it instead.
    env.service_apply(&lifecycle_crd(true));
    let export = env.export_once("the export moved to a new schema", |e| {
        let s = schemas(e);
        s.len() == 1 && s != first
    });
    assert_ne!(schemas(&export), first);
    // The object made before takes the new field, and so does a new one.
    wait_until("the new field in kcp", Duration::from_secs(30), || {
        env.k(
            &team,
            &["apply", "-f", "-"],
            Some(&object("before", "{image: a, replicas: 3}")),
        )
        .success()
            && env.kcp_json(&team, "lifecycle", "default", "before")["spec"]["replicas"] == 3
    });
    env.create_in(&team, &object("after", "{image: b, replicas: 2}"));
    wait_until(
        "both copies with the new field",
        Duration::from_secs(30),
        || {
            let get = |name: &str| {
                env.service.kubectl(
                    &[
                        "get",
                        "lifecycle.example.com",
                        name,
                        "-n",
                        "lifecycle-default",
                        "-o",
                        "json",
                    ],
                    None,
                )
            };
            let (b, a) = (get("before"), get("after"));
            b.success()
                && a.success()
                && b.json()["spec"]["replicas"] == 3
                && a.json()["spec"]["replicas"] == 2
        },
    );
}

/// A CRD of `eksempel.no` whose spec takes anything (the related objects' tests).
const BACKUPS: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.eksempel.no
spec:
  group: eksempel.no
  names: {kind: Backup, listKind: BackupList, plural: backups, singular: backup}
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
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

/// Follows both cases of `TestSyncNonStandardRelatedResources`: a ConfigMap on the service
/// cluster becomes a Secret in kcp (`projection.resource`), and a resource of the same export
/// (Backups, published with synchronization disabled) is a related resource.
#[test]
fn sync_non_standard_related_resources() {
    let mut env = Env::new("nonstd");
    env.service_apply(BACKUPS);
    env.publish(
        "publish-backups",
        "  resource: {apiGroup: eksempel.no, version: v1, kind: Backup}
  projection: {group: kcp.example.com}
  synchronization: {enabled: false}
",
    );
    env.publish(
        "publish-crontabs",
        &format!(
            "{}  related:
  - identifier: credentials
    origin: service
    version: v1
    resource: configmaps
    projection: {{resource: secrets}}
    object: {{template: {{template: my-credentials}}}}
  - identifier: the-backup
    origin: service
    group: eksempel.no
    version: v1
    resource: backups
    projection: {{group: kcp.example.com}}
    object: {{template: {{template: my-backup}}}}
",
            crontabs_spec(
                "  naming: {namespace: 'nonstd-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"
            )
        ),
    );
    let agent = env.start_agent(&[]);
    env.export_with_schemas(2);
    env.kcp.kubectl(&["ws", "create", "team-1"]).ok();
    let team = "root:team-1".to_string();
    env.bind(&team, SECRET_CLAIMS);
    env.create_in(&team, &crontab("my-crontab", "default", "{image: ubuntu}"));
    env.copy(&agent, "nonstd-default", "my-crontab");
    env.service_apply(
        "apiVersion: v1
kind: ConfigMap
metadata: {name: my-credentials, namespace: nonstd-default}
data: {password: aHVudGVyMg==}
",
    );
    env.service_apply(
        "apiVersion: eksempel.no/v1
kind: Backup
metadata: {name: my-backup, namespace: nonstd-default}
spec: {schedule: nightly}
",
    );
    wait_until(
        "the ConfigMap as a Secret in kcp",
        Duration::from_secs(30),
        || password(&env.kcp_json(&team, "secret", "default", "my-credentials")) == "hunter2",
    );
    wait_until("the Backup in kcp", Duration::from_secs(30), || {
        env.kcp_json(&team, "backups.kcp.example.com", "default", "my-backup")["spec"]["schedule"]
            == "nightly"
    });
    let _ = agent;
}

/// A CRD whose spec lists items by name (`TestSyncRelatedMultiObjects`' Backup).
const HOLDERS: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: holders.example.com
spec:
  group: example.com
  names: {kind: Holder, listKind: HolderList, plural: holders, singular: holder}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

/// Follows both cases of `TestSyncRelatedMultiObjects`: a reference that finds an array pairs
/// the kcp object's names with its copy's (the copy adopted, so its own spec names them), and
/// a pair with an empty side is skipped.
#[test]
fn sync_related_multi_objects() {
    let mut env = Env::new("multiobj");
    env.service_apply(HOLDERS);
    env.publish(
        "publish-holders",
        "  resource: {apiGroup: example.com, version: v1, kind: Holder}
  projection: {group: kcp.example.com}
  naming: {namespace: 'multiobj-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}
  related:
  - identifier: credentials
    origin: service
    kind: Secret
    object:
      reference: {path: 'spec.items.#.name'}
  - identifier: own
    origin: service
    kind: Secret
    object:
      selector:
        matchLabels: {owner: '{{ .RemoteObject.metadata.name }}'}
        rewrite: {template: {template: '{{ .Value }}-own'}}
",
    );
    let agent = env.start_agent(&[]);
    let team = env.consumer_accepting("team-1", SECRET_CLAIMS);
    let holder = |group: &str, ns: &str, name: &str, items: &[&str]| {
        let items: Vec<String> = items.iter().map(|i| format!("{{name: '{i}'}}")).collect();
        format!(
            "apiVersion: {group}/v1
kind: Holder
metadata: {{name: {name}, namespace: {ns}}}
spec: {{items: [{}]}}
",
            items.join(", ")
        )
    };
    // The copies exist first, with their own names for the Secrets (adoption keeps them).
    env.service
        .kubectl(&["create", "namespace", "multiobj-default"], None);
    env.service_apply(&holder(
        "example.com",
        "multiobj-default",
        "sensible",
        &["m-1", "m-2", "m-3"],
    ));
    env.service_apply(&holder(
        "example.com",
        "multiobj-default",
        "gaps",
        &["g-m-1", "g-m-2", ""],
    ));
    for (name, password) in [
        ("m-1", "hunter1"),
        ("m-2", "hunter2"),
        ("m-3", "hunter3"),
        ("g-m-1", "g1"),
        ("g-m-2", "g2"),
    ] {
        env.service_apply(&secret("multiobj-default", name, "", password));
    }
    env.create_in(
        &team,
        &holder(
            "kcp.example.com",
            "default",
            "sensible",
            &["s-1", "s-2", "s-3"],
        ),
    );
    env.create_in(
        &team,
        &holder("kcp.example.com", "default", "gaps", &["g-1", "", "g-3"]),
    );
    for (name, want) in [
        ("s-1", "hunter1"),
        ("s-2", "hunter2"),
        ("s-3", "hunter3"),
        ("g-1", "g1"),
    ] {
        wait_until(
            &format!("the Secret {name} in kcp"),
            Duration::from_secs(30),
            || password(&env.kcp_json(&team, "secret", "default", name)) == want,
        );
    }
    // A templated selector is rendered for each object (upstream §12.2: the Go agent kept the
    // first object's rendering for every later one).
    for owner in ["sensible", "gaps"] {
        env.service_apply(&secret(
            "multiobj-default",
            &format!("{owner}-secret"),
            &format!("owner: {owner}"),
            owner,
        ));
    }
    for owner in ["sensible", "gaps"] {
        wait_until("each object's own Secret", Duration::from_secs(30), || {
            password(&env.kcp_json(&team, "secret", "default", &format!("{owner}-secret-own")))
                == owner
        });
    }
    // The pairs with an empty side were skipped (the sentinel: g-1, synced in the same pass).
    assert!(env.kcp_json(&team, "secret", "default", "g-3").is_null());
    let annotations =
        env.kcp_json(&team, "holder", "default", "sensible")["metadata"]["annotations"].clone();
    assert_eq!(
        annotations["related-resources.syncagent.kcp.io/credentials.2"],
        r#"{"namespace":"default","name":"s-3","apiVersion":"v1","kind":"Secret"}"#
    );
    let _ = agent;
}

/// Follows `TestSyncRelatedObjectStatusFromKcp`, `TestSyncRelatedObjectStatusFromService` and
/// `TestSyncRelatedObjectStatusNotSyncedByDefault`: with `syncStatus` a related object's status
/// follows it to the other side (through `/status`), without it the copy has none.
#[test]
fn sync_related_object_status() {
    let mut env = Env::new("relstatus");
    env.service_apply(BACKUPS);
    env.publish(
        "publish-backups",
        "  resource: {apiGroup: eksempel.no, version: v1, kind: Backup}
  projection: {group: kcp.example.com}
  synchronization: {enabled: false}
",
    );
    let entry = |id: &str, origin: &str, group: &str, projected: &str, extra: &str| {
        format!(
            "  - identifier: {id}
    origin: {origin}
    group: {group}
    version: v1
    resource: backups
    projection: {{group: {projected}}}
    object: {{template: {{template: {id}}}}}
{extra}"
        )
    };
    env.publish(
        "publish-crontabs",
        &format!(
            "{}  related:\n{}{}{}",
            crontabs_spec(
                "  naming: {namespace: 'relstatus-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"
            ),
            entry("from-kcp", "kcp", "kcp.example.com", "eksempel.no", "    syncStatus: true\n"),
            entry(
                "from-service",
                "service",
                "eksempel.no",
                "kcp.example.com",
                "    syncStatus: true\n    watch: {bySelector: {}}\n"
            ),
            entry("no-status", "kcp", "kcp.example.com", "eksempel.no", ""),
        ),
    );
    let agent = env.start_agent(&[]);
    env.export_with_schemas(2);
    env.kcp.kubectl(&["ws", "create", "team-1"]).ok();
    let team = "root:team-1".to_string();
    env.bind(&team, SECRET_CLAIMS);
    env.create_in(&team, &crontab("my-crontab", "default", "{image: ubuntu}"));
    env.copy(&agent, "relstatus-default", "my-crontab");
    let backup = |group: &str, ns: &str, name: &str| {
        format!(
            "apiVersion: {group}/v1
kind: Backup
metadata: {{name: {name}, namespace: {ns}}}
spec: {{schedule: nightly}}
"
        )
    };
    let status_patch = |id: &str| format!(r#"{{"status":{{"id":"{id}"}}}}"#);
    for name in ["no-status", "from-kcp"] {
        env.create_in(&team, &backup("kcp.example.com", "default", name));
        env.k(
            &team,
            &[
                "patch",
                "backup",
                name,
                "-n",
                "default",
                "--subresource",
                "status",
                "--type",
                "merge",
                "-p",
                &status_patch(&format!("{name}-1")),
            ],
            None,
        )
        .ok();
    }
    env.service_apply(&backup("eksempel.no", "relstatus-default", "from-service"));
    env.service
        .kubectl(
            &[
                "patch",
                "backups.eksempel.no",
                "from-service",
                "-n",
                "relstatus-default",
                "--subresource",
                "status",
                "--type",
                "merge",
                "-p",
                &status_patch("from-service-1"),
            ],
            None,
        )
        .ok();
    let local = |name: &str| {
        let out = env.service.kubectl(
            &[
                "get",
                "backups.eksempel.no",
                name,
                "-n",
                "relstatus-default",
                "-o",
                "json",
            ],
            None,
        );
        if out.success() {
            out.json()
        } else {
            Value::Null
        }
    };
    wait_until(
        "the kcp object's status on the service cluster",
        Duration::from_secs(30),
        || local("from-kcp")["status"]["id"] == "from-kcp-1",
    );
    wait_until(
        "the service object's status in kcp",
        Duration::from_secs(30),
        || {
            env.kcp_json(&team, "backup", "default", "from-service")["status"]["id"]
                == "from-service-1"
        },
    );
    // Synced in the same passes, without its status.
    let copy = local("no-status");
    assert_eq!(copy["spec"]["schedule"], "nightly");
    assert!(copy["status"].is_null(), "{copy}");
}

/// Ours (upstream #172): two agents (two exports, one tenant binding both) that share a
/// kcp-origin related Secret each put their own finalizer on it; one of them letting go (its
/// primary object deleted) leaves the other's in place, and neither puts back the other's.
#[test]
fn two_agents_sharing_a_related_secret() {
    let mut env = Env::new("share-a");
    env.service_apply(BACKUPS);
    let shared = "  - identifier: shared
    origin: kcp
    kind: Secret
    object: {template: {template: shared}}
";
    env.publish(
        "publish-crontabs",
        &format!(
            "{}  related:\n{shared}",
            crontabs_spec(
                "  naming: {namespace: 'share-a-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"
            )
        ),
    );
    // The second provider: its own export and agent, publishing Backups.
    env.second_provider(
        "other",
        "share-b",
        &format!(
            "  resource: {{apiGroup: eksempel.no, version: v1, kind: Backup}}
  projection: {{group: other.example.com}}
  naming: {{namespace: 'share-b-{{{{ .Object.metadata.namespace }}}}', name: '{{{{ .Object.metadata.name }}}}'}}
  related:
{shared}"
        ),
    );
    let agent_a = env.start_agent(&[]);
    let agent_b = env.start_second_agent("other", "share-b");
    let team = env.consumer_accepting("team-1", SECRET_CLAIMS);
    // The tenant binds the second export too (once it serves its schema and claims).
    env.second_export("other", &agent_b, |e| {
        claimed(e).contains(&"/secrets".to_string())
    });
    env.bind_second(&team, "other", SECRET_CLAIMS);
    env.apply(&team, &secret("default", "shared", "", "both"));
    env.create_in(&team, &crontab("mine", "default", "{image: a}"));
    env.create_in(
        &team,
        "apiVersion: other.example.com/v1
kind: Backup
metadata: {name: theirs, namespace: default}
spec: {schedule: nightly}
",
    );
    let both = serde_json::json!([
        "share-a.syncagent.kcp.io/cleanup",
        "share-b.syncagent.kcp.io/cleanup"
    ]);
    wait_until("both agents' finalizers", Duration::from_secs(30), || {
        env.kcp_json(&team, "secret", "default", "shared")["metadata"]["finalizers"] == both
    });
    for ns in ["share-a-default", "share-b-default"] {
        wait_until("both copies", Duration::from_secs(30), || {
            env.service
                .kubectl(&["get", "secret", "shared", "-n", ns], None)
                .success()
        });
    }
    // The first agent's primary object goes: its copy and its finalizer go, the other's stay.
    env.k(&team, &["delete", "crontab", "mine", "-n", "default"], None)
        .ok();
    wait_until(
        "the first agent's finalizer released",
        Duration::from_secs(30),
        || {
            env.kcp_json(&team, "secret", "default", "shared")["metadata"]["finalizers"]
                == serde_json::json!(["share-b.syncagent.kcp.io/cleanup"])
        },
    );
    assert!(
        !env.service
            .kubectl(&["get", "secret", "shared", "-n", "share-a-default"], None)
            .success()
    );
    // A change still reaches the second agent's copy, and nobody puts the first one back.
    env.k(
        &team,
        &["apply", "-f", "-"],
        Some(&secret("default", "shared", "", "changed")),
    )
    .ok();
    wait_until(
        "the change on the second copy",
        Duration::from_secs(30),
        || {
            let out = env.service.kubectl(
                &[
                    "get",
                    "secret",
                    "shared",
                    "-n",
                    "share-b-default",
                    "-o",
                    "json",
                ],
                None,
            );
            out.success() && password(&out.json()) == "changed"
        },
    );
    assert_eq!(
        env.kcp_json(&team, "secret", "default", "shared")["metadata"]["finalizers"],
        serde_json::json!(["share-b.syncagent.kcp.io/cleanup"]),
        "agent a's log:\n{}\nagent b's log:\n{}",
        agent_a.log(),
        agent_b.log()
    );
}

/// Follows `TestSyncNonStandardRelatedResourcesMultipleAPIExports`: a related resource served
/// by another provider's export (claimed by its identity hash) is synced into it.
#[test]
fn sync_non_standard_related_resources_multiple_apiexports() {
    let mut env = Env::new("identity");
    env.service_apply(BACKUPS);
    // The other provider publishes Backups (objects synced by nobody).
    env.second_provider(
        "initroid",
        "identity-b",
        "  resource: {apiGroup: eksempel.no, version: v1, kind: Backup}
  projection: {group: initroid.example.com}
  synchronization: {enabled: false}
",
    );
    let agent_b = env.start_second_agent("initroid", "identity-b");
    let initroid = env.second_export("initroid", &agent_b, |e| {
        e["status"]["identityHash"]
            .as_str()
            .is_some_and(|h| !h.is_empty())
    });
    let identity = initroid["status"]["identityHash"]
        .as_str()
        .unwrap()
        .to_string();
    env.publish(
        "publish-crontabs",
        &format!(
            "{}  related:
  - identifier: the-backup
    origin: service
    group: eksempel.no
    version: v1
    resource: backups
    identityHash: {identity}
    projection: {{group: initroid.example.com}}
    object: {{template: {{template: my-backup}}}}
",
            crontabs_spec(
                "  naming: {namespace: 'identity-{{ .Object.metadata.namespace }}', name: '{{ .Object.metadata.name }}'}\n"
            )
        ),
    );
    let agent = env.start_agent(&[]);
    env.export_once("the claim by identity", |e| {
        claimed(e).iter().any(|c| c.contains("backups"))
    });
    // The tenant binds both exports, accepting the claim on the other's Backups.
    env.kcp.kubectl(&["ws", "create", "team-1"]).ok();
    let team = "root:team-1".to_string();
    env.bind_second(&team, "initroid", "");
    env.bind(
        &team,
        &format!(
            "{SECRET_CLAIMS}  - {{group: initroid.example.com, resource: backups, identityHash: {identity}, verbs: ['*'], selector: {{matchAll: true}}, state: Accepted}}\n"
        ),
    );
    env.create_in(&team, &crontab("my-crontab", "default", "{image: ubuntu}"));
    env.copy(&agent, "identity-default", "my-crontab");
    env.service_apply(
        "apiVersion: eksempel.no/v1
kind: Backup
metadata: {name: my-backup, namespace: identity-default}
spec: {schedule: hourly}
",
    );
    wait_until("the Backup in kcp", Duration::from_secs(30), || {
        env.kcp_json(
            &team,
            "backups.initroid.example.com",
            "default",
            "my-backup",
        )["spec"]["schedule"]
            == "hourly"
    });
}
