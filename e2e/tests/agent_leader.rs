//! The api-syncagent's leader election (`reference/api-syncagent.md` §6.4): two agents of one
//! name with `--enable-leader-election` against one service cluster. Exactly one holds the Lease
//! `syncagent.<agent-name>` in `--namespace`, says so in `leader_election_master_status`, and
//! runs the controllers; killed, the other takes the Lease over once it has expired and runs
//! them.
//!
//! The setup (kcp with the provider workspace, its APIExport and the agent's RBAC) is a copy of
//! the minimum of `tests/agent.rs`'s.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use e2e::agent::{Agent, ServiceCluster};
use e2e::{Kcp, Output, wait_until};
use serde_json::Value;

const AGENT_USER: &str = "api-syncagent-e2e";
const AGENT_TOKEN: &str = "agent-token";
const AGENT_NAME: &str = "leader";
const LEASE: &str = "syncagent.leader";

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
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              image: {type: string}
";

/// kcp with a provider workspace `root:<org>` holding the empty APIExport `example`, the
/// agent's RBAC there, and the agent's kubeconfig.
struct Env {
    kcp: Kcp,
    org: String,
    service: ServiceCluster,
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
        let env = Env {
            agent_kubeconfig: dir.path().join("agent-kcp.kubeconfig"),
            service: ServiceCluster::start(),
            kcp,
            org: format!("root:{org}"),
            dir,
        };
        env.apply(
            "apiVersion: apis.kcp.io/v1alpha1
kind: APIExport
metadata: {name: example}
spec: {}
",
        );
        env.apply(&e2e::agent::kcp_rbac_manifest(AGENT_USER, "example"));
        env.write_agent_kubeconfig();
        env
    }

    fn url(&self) -> String {
        format!("{}/clusters/{}", self.kcp.endpoint().0, self.org)
    }

    /// kubectl in the provider workspace.
    fn k(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let server = self.url();
        let mut all = vec!["--server", server.as_str()];
        all.extend_from_slice(args);
        self.kcp.kubectl_stdin(&all, stdin)
    }

    fn apply(&self, yaml: &str) {
        self.k(&["apply", "-f", "-"], Some(yaml)).ok();
    }

    fn write_agent_kubeconfig(&self) {
        e2e::agent::write_kcp_kubeconfig(
            &self.kcp.kubeconfig(),
            &self.url(),
            AGENT_TOKEN,
            &self.agent_kubeconfig,
        )
        .unwrap();
    }

    /// An agent named [`AGENT_NAME`] with leader election, its log and metrics its own.
    fn start_agent(&self, replica: &str, metrics_port: u16) -> Agent {
        let dir = self.dir.path().join(replica);
        std::fs::create_dir_all(&dir).unwrap();
        let metrics = format!("--metrics-address=127.0.0.1:{metrics_port}");
        Agent::start(
            &dir,
            AGENT_NAME,
            "example",
            &self.service.kubeconfig(),
            &self.agent_kubeconfig,
            &["--enable-leader-election=true", &metrics],
        )
    }

    /// The Lease's spec, if it exists.
    fn lease(&self) -> Option<Value> {
        let out = self.service.kubectl(
            &["get", "lease", LEASE, "-n", "kube-system", "-o", "json"],
            None,
        );
        out.success().then(|| out.json()["spec"].clone())
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `leader_election_master_status` of the Lease as the agent on `port` reports it.
fn master_status(port: u16) -> Option<u8> {
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .ok()?;
    let mut text = String::new();
    conn.read_to_string(&mut text).ok()?;
    let series = format!("leader_election_master_status{{name=\"{LEASE}\"}} ");
    let line = text.lines().find(|l| l.starts_with(&series))?;
    line[series.len()..].trim().parse().ok()
}

fn logs(agents: &[&Agent]) -> String {
    agents
        .iter()
        .enumerate()
        .map(|(i, a)| format!("--- agent {i}:\n{}", a.log()))
        .collect()
}

#[test]
fn one_leader_and_a_takeover() {
    let env = Env::new("org-leader");
    let ports = [free_port(), free_port()];
    let mut agents = [
        env.start_agent("a", ports[0]),
        env.start_agent("b", ports[1]),
    ];

    // Exactly one leads: it holds the Lease, reports 1, and starts the controllers.
    let mut statuses = [None, None];
    let deadline = Instant::now() + Duration::from_secs(60);
    while statuses.iter().filter(|s| **s == Some(1)).count() != 1
        || statuses.iter().filter(|s| **s == Some(0)).count() != 1
    {
        assert!(
            Instant::now() < deadline,
            "no single leader ({statuses:?}):\n{}",
            logs(&[&agents[0], &agents[1]])
        );
        std::thread::sleep(Duration::from_millis(200));
        statuses = [master_status(ports[0]), master_status(ports[1])];
    }
    let (leader, follower) = if statuses[0] == Some(1) {
        (0, 1)
    } else {
        (1, 0)
    };
    let lease = env.lease().expect("the Lease");
    let holder = lease["holderIdentity"].as_str().unwrap().to_string();
    let (host, uuid) = holder.rsplit_once('_').expect("<hostname>_<uuid>");
    assert!(!host.is_empty() && uuid.len() == 36, "{holder}");
    assert_eq!(lease["leaseDurationSeconds"], 15);
    let leader_log = agents[leader].log();
    assert!(
        leader_log.contains(&holder) && leader_log.contains("Starting kcp Sync Agent"),
        "{}",
        logs(&[&agents[0], &agents[1]])
    );
    let follower_log = agents[follower].log();
    assert!(
        !follower_log.contains("successfully acquired lease")
            && !follower_log.contains("Starting kcp Sync Agent"),
        "the follower runs no controllers:\n{follower_log}"
    );

    // The leader renews (every 2 s); the follower keeps waiting.
    let renewed = lease["renewTime"].clone();
    wait_until("a renewal", Duration::from_secs(10), || {
        env.lease().is_some_and(|l| l["renewTime"] != renewed)
    });
    assert_eq!(env.lease().unwrap()["holderIdentity"], holder.as_str());
    assert_eq!(master_status(ports[follower]), Some(0));

    // The leader dies without giving the Lease up: the follower takes it once it expires.
    agents[leader].kill();
    let killed = Instant::now();
    let deadline = killed + Duration::from_secs(60);
    while master_status(ports[follower]) != Some(1) {
        assert!(
            Instant::now() < deadline,
            "no takeover:\n{}",
            agents[follower].log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let took = killed.elapsed();
    assert!(
        took >= Duration::from_secs(10),
        "not before the Lease expired: {took:?}"
    );
    let lease = env.lease().unwrap();
    let new_holder = lease["holderIdentity"].as_str().unwrap();
    assert_ne!(new_holder, holder);
    assert!(agents[follower].log().contains(new_holder));
    assert_eq!(lease["leaseTransitions"], 1);

    // The new leader's controllers work: a PublishedResource's schema reaches the export.
    env.service
        .kubectl(&["apply", "-f", "-"], Some(CRONTABS))
        .ok();
    let crd = std::fs::read_to_string(
        e2e::workspace_root().join("config/crd/syncagent.kcp.io_publishedresources.yaml"),
    )
    .unwrap();
    env.service.kubectl(&["apply", "-f", "-"], Some(&crd)).ok();
    wait_until("the CRDs are served", Duration::from_secs(30), || {
        env.service
            .kubectl(&["get", "publishedresources"], None)
            .success()
    });
    env.service
        .kubectl(
            &["apply", "-f", "-"],
            Some(
                "apiVersion: syncagent.kcp.io/v1alpha1
kind: PublishedResource
metadata: {name: publish-crontabs}
spec:
  resource: {apiGroup: example.com, version: v1, kind: CronTab}
  projection: {group: kcp.example.com}
",
            ),
        )
        .ok();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let export = env.k(
            &[
                "get",
                "apiexport.v1alpha1.apis.kcp.io",
                "example",
                "-o",
                "json",
            ],
            None,
        );
        if export.success()
            && export.json()["spec"]["latestResourceSchemas"]
                .as_array()
                .is_some_and(|a| a.len() == 1)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new leader did not publish:\n{}",
            agents[follower].log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    env.service
        .kubectl(&["delete", "publishedresource", "publish-crontabs"], None)
        .ok();
    env.service
        .kubectl(&["delete", "crd", "crontabs.example.com"], None)
        .ok();
}
