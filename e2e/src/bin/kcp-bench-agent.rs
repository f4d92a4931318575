//! `kcp-bench-agent`: the api-syncagent benchmarks of issue #13 against the real `kcp` and
//! `api-syncagent` binaries, with Kubernetes' own kube-apiserver as the service cluster.
//!
//! ```text
//! cargo build --release -p kcp-server --bin kcp -p api-syncagent --bin api-syncagent \
//!     -p e2e --bin kcp-bench-agent
//! KCP_BIN=target/release/kcp AGENT_BIN=target/release/api-syncagent \
//!     target/release/kcp-bench-agent [--quick | --count N] [--objects M] [--rate R] \
//!     [--service ours] [--related]
//! ```
//!
//! By default it runs twice, with 100 and then 1,000 consumer workspaces (`--quick`: 20;
//! `--count N`: N), each with 10 `Database`s (`--objects M`): a MongoDBCommunity-sized custom
//! resource (a realistic schema, 0.6 KiB of spec). Each run has its own kcp: a provider workspace `root:org`
//! with the empty APIExport `example`, the agent's RBAC and kcp kubeconfig (as
//! `e2e/tests/agent.rs` sets them up), and a PublishedResource of the `Database`s on the
//! service cluster — the real kube-apiserver (`KubeApiserver::shared()`), or, without Go or with
//! `--service ours`, `kcp start --profile kube`. Copies get the agent's default naming (one
//! namespace per workspace).
//!
//! - **Memory baseline**: a first agent publishes the schema; the consumers bind the export
//!   (accepting the `events` claim); the agent's resident memory is read after a settle, and
//!   it is killed.
//! - **Initial sync**: every object is created in kcp (64 clients), then a second agent starts,
//!   timed until one kube-rs watcher of the service cluster's copies has seen every copy; with
//!   the CPU each process spent (the service cluster's where the benchmark runs it) and the
//!   requests each server counted (`apiserver_request_total`) per object.
//! - **Single requests**, once the agent is idle, timed one after another: the requests the
//!   agent makes per object (the LIST that finds a copy by its labels — also right after a
//!   write of another resource, and with `resourceVersion=0` —, a state Secret's GET, a POST;
//!   a GET through the virtual workspace), to tell the agent's costs from the servers'.
//! - **Lag**: once the agent is idle, at a fixed 100/s each (`--rate`; ten seconds of writes,
//!   at most 1,000 and half the objects): creates in kcp (request → the copy's ADDED event),
//!   spec updates in kcp (→ the copy's event showing the change), status patches of the copies
//!   (→ the kcp object's event showing it, on a watch through the export's virtual
//!   workspace), deletes in kcp (→ the copy's DELETED event; and → the kcp object's own
//!   DELETED event, once the agent released its finalizer). p50/p99. For creates and updates
//!   also the time to the kcp object's own event on the virtual workspace's watch (what the
//!   agent waits for before it can start).
//! - **Memory per synced object**: (resident memory once idle after the initial sync − the
//!   baseline) / objects; with what both are made of (anonymous memory, mapped files, open
//!   sockets). Read again at the end, after the lag phases made and deleted their objects.
//! - `sync_agent_sync_lag_seconds` from the agent's `/metrics`, if it has it: p50/p99 of the
//!   lag phases' observations (the histogram's buckets, interpolated as Prometheus does).
//!
//! - **Related Secret lag** (`--related`, issue #14): the PublishedResource also names a related
//!   Secret of origin `service` (`<copy name>-creds` next to each copy, `templated`); once the
//!   other phases are done, the service's operator writes one such Secret per object at the
//!   lag phases' rate (request → the Secret's copy on a kcp watch through the export's virtual
//!   workspace). With the related entry the agent resolves each object's Secret on every
//!   reconcile, so the other phases' figures are not those of the runs without it.
//!
//! `KCP_BENCH_AGENT_LOGS=<dir>` keeps the agents' logs (with `RUST_LOG=debug,kube_client=debug`
//! they time each request the agent makes).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use e2e::agent::Agent;
use e2e::bench::{CLIENTS, SETTLE, client, client_at, get, percentile, rss_kib, send, workspaces};
use e2e::{Kcp, KubeApiserver};
use futures::{StreamExt, TryStreamExt};
use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::core::GroupVersionKind;
use kube::runtime::watcher;
use serde_json::{Value, json};

/// The writes per second of each lag phase (`--rate`): steady, moderate.
const RATE: f64 = 100.0;
const GROUP: &str = "bench.example.com";
const RESOURCE: &str = "apis/bench.example.com/v1";
const AGENT_USER: &str = "api-syncagent-bench";
const AGENT_TOKEN: &str = "agent-bench-token";
/// The label every object carries (copied to the copy): which object it is.
const ID: &str = "bench-id";
/// The agent's label on its copies.
const AGENT_NAME_LABEL: &str = "syncagent.kcp.io/agent-name";

fn main() -> ExitCode {
    let mut sizes = vec![100, 1_000];
    let mut per_workspace = 10;
    let mut rate = RATE;
    let mut ours = false;
    let mut related = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => sizes = vec![20],
            "--count" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => sizes = vec![n],
                None => return usage(),
            },
            "--objects" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => per_workspace = n,
                None => return usage(),
            },
            "--rate" => match args.next().and_then(|n| n.parse().ok()) {
                Some(r) if r > 0.0 => rate = r,
                _ => return usage(),
            },
            "--related" => related = true,
            "--service" => match args.next().as_deref() {
                Some("ours") => ours = true,
                Some("kube") => ours = false,
                _ => return usage(),
            },
            _ => return usage(),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(&sizes, per_workspace, rate, ours, related)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kcp-bench-agent: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    println!(
        "usage: kcp-bench-agent [--quick | --count N] [--objects M] [--rate R] [--service ours|kube] [--related]   \
         (KCP_BIN, AGENT_BIN: the binaries; KCP_BENCH_AGENT_LOGS: a directory to keep the \
         agents' logs in)"
    );
    ExitCode::from(2)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A process's CPU time (user + system), in seconds.
fn cpu_secs(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_string();
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

/// Waits (at most a minute) until `pid` used under 2% of a core over a second.
async fn wait_idle(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = cpu_secs(pid);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = cpu_secs(pid);
        if now - last < 0.02 {
            return;
        }
        last = now;
    }
}

/// The service cluster: kube-apiserver, or our server as a plain Kubernetes cluster.
enum Service {
    Real(&'static KubeApiserver),
    Ours(Kcp),
}

impl Service {
    fn start(ours: bool) -> Self {
        if !ours {
            if let Some(k) = KubeApiserver::shared() {
                return Service::Real(k);
            }
            println!(
                "note: Kubernetes' kube-apiserver cannot run here (no Go, no built binaries): \
                 the service cluster is `kcp start --profile kube`"
            );
        }
        Service::Ours(Kcp::start_with(&["--profile", "kube"]))
    }

    fn describe(&self) -> String {
        match self {
            Service::Real(k) => format!("kube-apiserver {}", k.version()),
            Service::Ours(_) => "kcp --profile kube".to_string(),
        }
    }

    /// The server's pid, where the benchmark runs it (the shared kube-apiserver is not its).
    fn pid(&self) -> Option<u32> {
        match self {
            Service::Real(_) => None,
            Service::Ours(k) => k.pid(),
        }
    }

    fn kubeconfig(&self) -> PathBuf {
        match self {
            Service::Real(k) => k.kubeconfig(),
            Service::Ours(k) => k.kubeconfig(),
        }
    }

    async fn client(&self) -> Result<Client> {
        let kubeconfig = kube::config::Kubeconfig::read_from(self.kubeconfig())?;
        let mut config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
        config.read_timeout = Some(Duration::from_secs(600));
        Ok(Client::try_from(config)?)
    }
}

fn databases() -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(GROUP, "v1", "Database"), "databases")
}

/// The `Database` CRD: MongoDBCommunity's shape (members, version, security, users with roles,
/// extra mongod configuration and a StatefulSet override kept as they come), a `marker` the
/// benchmark changes, and a status.
fn crd() -> Value {
    let string = json!({"type": "string"});
    let secret_ref = json!({"type": "object", "properties": {"name": string, "key": string}});
    let spec = json!({
        "type": "object",
        "required": ["members", "type", "version"],
        "properties": {
            "members": {"type": "integer", "minimum": 1, "maximum": 50},
            "arbiters": {"type": "integer"},
            "type": {"type": "string", "enum": ["ReplicaSet"]},
            "version": string,
            "featureCompatibilityVersion": string,
            "marker": string,
            "replicaSetHorizons": {"type": "array", "items": {"type": "object",
                "additionalProperties": string}},
            "security": {"type": "object", "properties": {
                "authentication": {"type": "object", "properties": {
                    "modes": {"type": "array", "items": {"type": "string",
                        "enum": ["SCRAM", "SCRAM-SHA-256", "SCRAM-SHA-1", "X509"]}},
                    "ignoreUnknownUsers": {"type": "boolean"},
                }},
                "tls": {"type": "object", "properties": {
                    "enabled": {"type": "boolean"},
                    "optional": {"type": "boolean"},
                    "certificateKeySecretRef": secret_ref,
                    "caConfigMapRef": secret_ref,
                }},
                "roles": {"type": "array", "items": {"type": "object",
                    "x-kubernetes-preserve-unknown-fields": true}},
            }},
            "users": {"type": "array", "items": {"type": "object",
                "required": ["name", "db", "roles"],
                "properties": {
                    "name": string,
                    "db": string,
                    "passwordSecretRef": secret_ref,
                    "roles": {"type": "array", "items": {"type": "object",
                        "properties": {"name": string, "db": string}}},
                    "scramCredentialsSecretName": string,
                    "connectionStringSecretName": string,
                }}},
            "additionalMongodConfig": {"type": "object",
                "x-kubernetes-preserve-unknown-fields": true},
            "statefulSet": {"type": "object", "properties": {
                "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "metadata": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            }},
        },
    });
    let status = json!({"type": "object", "properties": {
        "phase": string,
        "mongoUri": string,
        "version": string,
        "currentStatefulSetReplicas": {"type": "integer"},
        "currentMongoDBMembers": {"type": "integer"},
        "message": string,
        "marker": string,
    }});
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("databases.{GROUP}")},
        "spec": {
            "group": GROUP,
            "names": {"kind": "Database", "listKind": "DatabaseList", "plural": "databases",
                      "singular": "database"},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": spec, "status": status}}},
            }],
        },
    })
}

/// A `Database` named `name` (label [`ID`] = `id`), its spec about 0.6 KiB of JSON.
/// The PublishedResource's spec: the `Database`s, with `--related` each one's credentials
/// Secret written by the service's operator next to its copy.
fn pr_spec(related: bool) -> Value {
    let mut spec = json!({"resource": {"apiGroup": GROUP, "version": "v1", "kind": "Database"}});
    if related {
        spec["related"] = json!([{
            "identifier": "credentials", "origin": "service", "kind": "Secret",
            "object": {"template": {"template": "{{ .Object.metadata.name }}-creds"}}}]);
    }
    spec
}

/// The permission claims a consumer accepts: `events`, and for related Secrets `secrets` and
/// `namespaces` (what the agent makes the export claim).
fn claims(related: bool) -> Value {
    let claim = |r: &str| json!({"resource": r, "verbs": ["*"], "selector": {"matchAll": true}, "state": "Accepted"});
    let mut out = vec![claim("events")];
    if related {
        out.extend([claim("namespaces"), claim("secrets")]);
    }
    Value::Array(out)
}

/// Records each Secret seen through the virtual workspace by the marker in its data
/// (`rel:<marker>`).
async fn watch_secrets(api: Api<DynamicObject>, seen: Shared) {
    use base64::Engine as _;
    let mut events = std::pin::pin!(watcher(api, watcher::Config::default()));
    while let Some(ev) = events.next().await {
        let now = Instant::now();
        let o = match ev {
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => o,
            Ok(_) => continue,
            Err(e) => {
                eprintln!("kcp-bench-agent: watching kcp's Secrets: {e}");
                continue;
            }
        };
        let marker = o.data["data"]["marker"]
            .as_str()
            .and_then(|m| base64::engine::general_purpose::STANDARD.decode(m).ok())
            .and_then(|m| String::from_utf8(m).ok());
        if let Some(m) = marker {
            lock(&seen).times.entry(format!("rel:{m}")).or_insert(now);
        }
    }
}

fn database(name: &str, id: &str, marker: &str) -> Value {
    json!({
        "apiVersion": format!("{GROUP}/v1"),
        "kind": "Database",
        "metadata": {"name": name, "labels": {ID: id}},
        "spec": {
            "members": 3,
            "type": "ReplicaSet",
            "version": "6.0.5",
            "marker": marker,
            "security": {"authentication": {"modes": ["SCRAM"]}},
            "users": [{
                "name": "app-user",
                "db": "admin",
                "passwordSecretRef": {"name": "app-user-password"},
                "roles": [
                    {"name": "clusterAdmin", "db": "admin"},
                    {"name": "userAdminAnyDatabase", "db": "admin"},
                    {"name": "readWrite", "db": "orders"},
                ],
                "scramCredentialsSecretName": "app-user-scram",
            }],
            "additionalMongodConfig": {
                "storage.wiredTiger.engineConfig.journalCompressor": "zlib",
            },
            "statefulSet": {"spec": {"template": {"spec": {"containers": [{
                "name": "mongod",
                "resources": {"limits": {"cpu": "1", "memory": "2Gi"},
                              "requests": {"cpu": "500m", "memory": "1Gi"}},
            }]}}}},
        },
    })
}

/// POSTs `body`; an object that exists already (409) is fine.
async fn create(client: &Client, path: &str, body: &Value) -> Result<()> {
    match send(client, "POST", path, body).await {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.downcast_ref::<kube::Error>(), Some(kube::Error::Api(s)) if s.code == 409) => {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// A merge patch of `path`.
async fn merge_patch(client: &Client, path: &str, patch: &Value) -> Result<()> {
    let req = http::Request::patch(path)
        .header("Content-Type", "application/merge-patch+json")
        .body(serde_json::to_vec(patch)?)?;
    client
        .request::<Value>(req)
        .await
        .with_context(|| format!("PATCH {path}"))?;
    Ok(())
}

async fn delete(client: &Client, path: &str) -> Result<()> {
    let req = http::Request::delete(path).body(Vec::new())?;
    client
        .request::<Value>(req)
        .await
        .with_context(|| format!("DELETE {path}"))?;
    Ok(())
}

/// Polls `cond` every 50 ms until it holds (or fails after `timeout`).
async fn until<F: std::future::Future<Output = bool>>(
    what: &str,
    timeout: Duration,
    mut cond: impl FnMut() -> F,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while !cond().await {
        ensure!(Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// What the two watches saw, and when: the copies present (by [`ID`], with their namespace and
/// name), and first sightings by key (`add:<id>`, `spec:<marker>`, `del:<id>` on the service
/// cluster; `status:<marker>`, `gone:<id>`, `kcpadd:<id>`, `kcpspec:<marker>` in kcp).
#[derive(Default)]
struct Seen {
    copies: HashMap<String, (String, String)>,
    times: HashMap<String, Instant>,
    last_copy: Option<Instant>,
    first_copy: Option<Instant>,
}

type Shared = Arc<Mutex<Seen>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Seen> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

fn id_of(o: &DynamicObject) -> Option<String> {
    o.metadata.labels.as_ref()?.get(ID).cloned()
}

fn field(o: &DynamicObject, part: &str) -> Option<String> {
    o.data[part]["marker"].as_str().map(str::to_string)
}

/// The one watcher of the copies on the service cluster.
async fn watch_copies(api: Api<DynamicObject>, agent: String, seen: Shared) {
    let config = watcher::Config::default().labels(&format!("{AGENT_NAME_LABEL}={agent}"));
    let mut events = std::pin::pin!(watcher(api, config));
    while let Some(ev) = events.next().await {
        let now = Instant::now();
        let (o, present) = match ev {
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => (o, true),
            Ok(watcher::Event::Delete(o)) => (o, false),
            Ok(_) => continue,
            Err(e) => {
                eprintln!("kcp-bench-agent: watching the copies: {e}");
                continue;
            }
        };
        let Some(id) = id_of(&o) else { continue };
        let mut s = lock(&seen);
        if present {
            let place = (
                o.metadata.namespace.clone().unwrap_or_default(),
                o.metadata.name.clone().unwrap_or_default(),
            );
            if s.copies.insert(id.clone(), place).is_none() {
                s.first_copy.get_or_insert(now);
                s.last_copy = Some(now);
            }
            s.times.entry(format!("add:{id}")).or_insert(now);
            if let Some(m) = field(&o, "spec") {
                s.times.entry(format!("spec:{m}")).or_insert(now);
            }
        } else {
            s.copies.remove(&id);
            s.times.entry(format!("del:{id}")).or_insert(now);
        }
    }
}

/// The watcher of the kcp objects, through the export's virtual workspace.
async fn watch_kcp(api: Api<DynamicObject>, seen: Shared) {
    let mut events = std::pin::pin!(watcher(api, watcher::Config::default()));
    while let Some(ev) = events.next().await {
        let now = Instant::now();
        let (o, present) = match ev {
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => (o, true),
            Ok(watcher::Event::Delete(o)) => (o, false),
            Ok(_) => continue,
            Err(e) => {
                eprintln!("kcp-bench-agent: watching kcp: {e}");
                continue;
            }
        };
        let mut s = lock(&seen);
        if present {
            if let Some(m) = field(&o, "status") {
                s.times.entry(format!("status:{m}")).or_insert(now);
            }
            if let Some(m) = field(&o, "spec") {
                s.times.entry(format!("kcpspec:{m}")).or_insert(now);
            }
            if let Some(id) = id_of(&o) {
                s.times.entry(format!("kcpadd:{id}")).or_insert(now);
            }
        } else if let Some(id) = id_of(&o) {
            s.times.entry(format!("gone:{id}")).or_insert(now);
        }
    }
}

/// One lag phase's figures.
#[derive(Clone, Default)]
struct Lag {
    p50: Duration,
    p99: Duration,
    missing: usize,
}

impl Lag {
    fn show(&self) -> String {
        let mut s = format!("{:.1} / {:.1} ms", ms(self.p50), ms(self.p99));
        if self.missing > 0 {
            s.push_str(&format!(" ({} missed)", self.missing));
        }
        s
    }
}

/// Runs `ops` writes at `rate` per second (`write(seq)`), then waits for each write's sighting
/// (`keys(seq)`, one per figure); the figures from each request to its sightings.
async fn phase<W, F>(
    what: &str,
    ops: usize,
    rate: f64,
    seen: &Shared,
    write: W,
    keys: &[&dyn Fn(usize) -> String],
) -> Result<Vec<Lag>>
where
    W: Fn(usize) -> F,
    F: std::future::Future<Output = Result<()>> + Send + 'static,
{
    let sent = Arc::new(Mutex::new(vec![None::<(Instant, Instant)>; ops]));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tasks = Vec::with_capacity(ops);
    let started = Instant::now();
    for seq in 0..ops {
        tick.tick().await;
        let fut = write(seq);
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            fut.await?;
            sent.lock().unwrap_or_else(|p| p.into_inner())[seq] = Some((t, Instant::now()));
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let achieved = ops as f64 / started.elapsed().as_secs_f64();
    let sent = sent.lock().unwrap_or_else(|p| p.into_inner()).clone();
    // A backlog drains at the agent's pace: a minute at most after the last write.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all = {
            let s = lock(seen);
            (0..ops).all(|i| keys.iter().all(|k| s.times.contains_key(&k(i))))
        };
        if all || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let s = lock(seen);
    let mut writes: Vec<Duration> = sent.iter().flatten().map(|(a, b)| *b - *a).collect();
    writes.sort();
    let mut out = Vec::new();
    for k in keys {
        let mut v: Vec<Duration> = (0..ops)
            .filter_map(|i| {
                let (t, _) = sent[i]?;
                Some(s.times.get(&k(i))?.saturating_duration_since(t))
            })
            .collect();
        v.sort();
        out.push(Lag {
            p50: percentile(&v, 0.5),
            p99: percentile(&v, 0.99),
            missing: ops - v.len(),
        });
    }
    println!(
        "{what}: {ops} at {achieved:.0}/s: {} (the writes themselves p50 {:.1} ms, p99 {:.1} ms)",
        out.iter()
            .map(Lag::show)
            .collect::<Vec<_>>()
            .join("; then "),
        ms(percentile(&writes, 0.5)),
        ms(percentile(&writes, 0.99)),
    );
    Ok(out)
}

/// The agent's `/metrics` text.
async fn scrape(address: &str) -> Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut c = tokio::net::TcpStream::connect(address).await?;
    c.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await?;
    let mut out = String::new();
    c.read_to_string(&mut out).await?;
    Ok(out)
}

/// A process's resident memory by kind (heap and other anonymous memory, mapped files) and
/// its open sockets: what the per-object figure is made of.
fn memory_parts(pid: u32) -> String {
    let mib = |field: &str| e2e::bench::status_kib(pid, field) as f64 / 1024.0;
    let sockets = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| {
                    std::fs::read_link(e.path())
                        .is_ok_and(|t| t.to_string_lossy().starts_with("socket:"))
                })
                .count()
        })
        .unwrap_or(0);
    format!(
        "anonymous {:.1} MiB, files {:.1} MiB, {sockets} sockets",
        mib("RssAnon"),
        mib("RssFile")
    )
}

/// A server's `apiserver_request_total`, summed by verb, resource and subresource (ours and
/// kube-apiserver's both count requests under that name; the other labels differ).
async fn request_counts(client: &Client) -> BTreeMap<String, f64> {
    let req = http::Request::get("/metrics").body(Vec::new());
    let text = match req {
        Ok(req) => client.request_text(req).await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("apiserver_request_total{") else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once("} ") else {
            continue;
        };
        let label = |name: &str| {
            labels
                .split(',')
                .find_map(|l| l.strip_prefix(&format!("{name}=\"")))
                .map(|v| v.trim_end_matches('"').to_string())
                .unwrap_or_default()
        };
        let mut what = format!("{} {}", label("verb").to_lowercase(), label("resource"));
        let sub = label("subresource");
        if !sub.is_empty() {
            what = format!("{what}/{sub}");
        }
        *counts.entry(what).or_insert(0.0) += value.trim().parse::<f64>().unwrap_or(0.0);
    }
    counts
}

/// The requests made between two [`request_counts`], per object, largest first.
fn requests_per_object(
    before: &BTreeMap<String, f64>,
    after: &BTreeMap<String, f64>,
    objects: usize,
) -> String {
    let mut per: Vec<(String, f64)> = after
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                (v - before.get(k).unwrap_or(&0.0)) / objects as f64,
            )
        })
        .filter(|(_, v)| *v >= 0.005)
        .collect();
    per.sort_by(|a, b| b.1.total_cmp(&a.1));
    per.iter()
        .map(|(k, v)| format!("{k} {v:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cumulative buckets of histogram `name`, summed over its series: upper bound → count.
fn buckets(text: &str, name: &str) -> BTreeMap<u64, f64> {
    let prefix = format!("{name}_bucket{{");
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with(&prefix)) {
        let Some((labels, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Some(le) = labels
            .split("le=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
        else {
            continue;
        };
        let le = if le == "+Inf" {
            f64::INFINITY
        } else {
            le.parse().unwrap_or(f64::INFINITY)
        };
        *out.entry(le.to_bits()).or_insert(0.0) += value.parse::<f64>().unwrap_or(0.0);
    }
    out
}

/// The `q` quantile of cumulative buckets, interpolated within a bucket as Prometheus'
/// `histogram_quantile` does; seconds.
fn bucket_quantile(b: &BTreeMap<u64, f64>, q: f64) -> Option<f64> {
    let mut v: Vec<(f64, f64)> = b.iter().map(|(k, c)| (f64::from_bits(*k), *c)).collect();
    v.sort_by(|x, y| x.0.total_cmp(&y.0));
    let total = v.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let (mut lo, mut below) = (0.0, 0.0);
    for (le, count) in v {
        if count >= rank {
            if le.is_infinite() {
                return Some(lo);
            }
            let inside = count - below;
            return Some(if inside > 0.0 {
                lo + (le - lo) * (rank - below) / inside
            } else {
                le
            });
        }
        (lo, below) = (le, count);
    }
    None
}

/// The figures of one run.
struct Figures {
    count: usize,
    rate: f64,
    objects: usize,
    initial: Duration,
    initial_steady: Duration,
    create: Lag,
    update: Lag,
    status: Lag,
    delete: Lag,
    released: Lag,
    /// Memory per object after the initial sync, and after the lag phases.
    per_object_kib: f64,
    rss_mib: f64,
    per_object_end_kib: f64,
    rss_end_mib: f64,
    metric: Option<(f64, f64)>,
    related: Option<Lag>,
    load: String,
}

async fn run(
    sizes: &[usize],
    per_workspace: usize,
    rate: f64,
    ours: bool,
    related: bool,
) -> Result<()> {
    let service = tokio::task::spawn_blocking(move || Service::start(ours)).await?;
    println!(
        "kcp-bench-agent: service cluster {}; kcp {}; agent {}; load {}",
        service.describe(),
        e2e::kcp_binary().display(),
        e2e::agent::agent_binary().display(),
        load_average()
    );
    let sc = service.client().await?;
    create(
        &sc,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        &crd(),
    )
    .await?;
    let pr_crd: Value = serde_saphyr::from_str(&std::fs::read_to_string(
        e2e::workspace_root().join("config/crd/syncagent.kcp.io_publishedresources.yaml"),
    )?)?;
    create(
        &sc,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        &pr_crd,
    )
    .await?;
    until("the CRDs are served", Duration::from_secs(60), || async {
        get(&sc, &format!("/{RESOURCE}/databases")).await.is_ok()
            && get(&sc, "/apis/syncagent.kcp.io/v1alpha1/publishedresources")
                .await
                .is_ok()
    })
    .await?;
    let mut all = Vec::new();
    for &count in sizes {
        all.push(run_one(&service, &sc, count, per_workspace, rate, related).await?);
    }
    println!("\n== summary");
    let cols: Vec<String> = all
        .iter()
        .map(|f| format!("{} × {}", f.count, f.objects / f.count.max(1)))
        .collect();
    print!("{:<58}", "figure");
    for c in &cols {
        print!(" {c:<26}");
    }
    println!(" target");
    let row = |what: &str, cell: &dyn Fn(&Figures) -> String, target: &str| {
        print!("{what:<58}");
        for f in &all {
            print!(" {:<26}", cell(f));
        }
        println!(" {target}");
    };
    row(
        "initial sync, all pending at start (from the agent's start)",
        &|f| {
            format!(
                "{:.0}/s ({:.1} s)",
                f.objects as f64 / f.initial.as_secs_f64(),
                f.initial.as_secs_f64()
            )
        },
        "≥ 1,000 objects/s",
    );
    row(
        "  … from its first copy to its last",
        &|f| {
            format!(
                "{:.0}/s ({:.1} s)",
                f.objects as f64 / f.initial_steady.as_secs_f64().max(1e-3),
                f.initial_steady.as_secs_f64()
            )
        },
        "",
    );
    row(
        "create lag: kcp request → copy ADDED, p50 / p99",
        &|f| f.create.show(),
        "p50 < 10, p99 < 50 ms",
    );
    row(
        "update lag: kcp spec request → copy event, p50 / p99",
        &|f| f.update.show(),
        "p50 < 10, p99 < 50 ms",
    );
    row(
        "status lag: copy status request → kcp event, p50 / p99",
        &|f| f.status.show(),
        "p50 < 10, p99 < 50 ms",
    );
    row(
        "delete lag: kcp request → copy DELETED, p50 / p99",
        &|f| f.delete.show(),
        "p50 < 10, p99 < 50 ms",
    );
    row(
        "  … → the kcp object gone (finalizer released)",
        &|f| f.released.show(),
        "",
    );
    row(
        "agent resident memory per synced object",
        &|f| format!("{:.2} KiB ({:.0} MiB)", f.per_object_kib, f.rss_mib),
        "< 4 KiB",
    );
    row(
        "  … after the lag phases (as many again made and deleted)",
        &|f| format!("{:.2} KiB ({:.0} MiB)", f.per_object_end_kib, f.rss_end_mib),
        "",
    );
    row(
        "sync_agent_sync_lag_seconds (lag phases), p50 / p99",
        &|f| match f.metric {
            Some((a, b)) => format!("{:.1} / {:.1} ms", a * 1e3, b * 1e3),
            None => "not exposed".to_string(),
        },
        "",
    );
    if related {
        row(
            "related Secret lag: service request → kcp copy, p50 / p99",
            &|f| f.related.as_ref().map_or(String::new(), Lag::show),
            "p99 < 50 ms",
        );
    }
    row("lag phases' rate", &|f| format!("{:.0}/s", f.rate), "");
    row("load average at the end", &|f| f.load.clone(), "");
    drop(service);
    Ok(())
}

async fn run_one(
    service: &Service,
    sc: &Client,
    count: usize,
    per_workspace: usize,
    rate: f64,
    related: bool,
) -> Result<Figures> {
    let total = count * per_workspace;
    // Ten seconds of writes per phase, at most 1,000, and at most half the objects.
    let ops = (total / 2).min(1_000).min((rate * 10.0) as usize).max(1);
    let name = format!("bench-{count}");
    println!(
        "\n== {count} workspaces × {per_workspace} objects ({} bytes of spec each), load {}",
        serde_json::to_vec(&database("x", "x", "initial")["spec"])?.len(),
        load_average()
    );
    let dir = tempfile::tempdir()?;
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(
        &tokens,
        format!("{AGENT_TOKEN},{AGENT_USER},1001,\"api-syncagents\"\n"),
    )?;
    let tokens_arg = tokens.to_str().context("path")?.to_string();
    let kcp = tokio::task::spawn_blocking(move || {
        Kcp::start_with(&["--token-auth-file", tokens_arg.as_str()])
    })
    .await?;
    let kcp_pid = kcp.pid().ok_or_else(|| anyhow!("kcp is not running"))?;
    let client = client(&kcp).await?;

    // The provider: root:org, the empty export, the agent's RBAC and kubeconfig.
    workspaces(&client, &["org".to_string()]).await?;
    send(
        &client,
        "POST",
        "/clusters/root:org/apis/apis.kcp.io/v1alpha1/apiexports",
        &json!({"apiVersion": "apis.kcp.io/v1alpha1", "kind": "APIExport",
                "metadata": {"name": "example"}, "spec": {}}),
    )
    .await?;
    for (plural, body) in ["clusterroles", "clusterrolebindings"]
        .into_iter()
        .zip(e2e::agent::kcp_rbac(AGENT_USER, "example"))
    {
        send(
            &client,
            "POST",
            &format!("/clusters/root:org/apis/rbac.authorization.k8s.io/v1/{plural}"),
            &body,
        )
        .await?;
    }
    let agent_kubeconfig = dir.path().join("agent-kcp.kubeconfig");
    e2e::agent::write_kcp_kubeconfig(
        &kcp.kubeconfig(),
        &format!("{}/clusters/root:org", kcp.endpoint().0),
        AGENT_TOKEN,
        &agent_kubeconfig,
    )?;
    // The PublishedResource of this run (its label selects it).
    create(
        sc,
        "/apis/syncagent.kcp.io/v1alpha1/publishedresources",
        &json!({"apiVersion": "syncagent.kcp.io/v1alpha1", "kind": "PublishedResource",
                "metadata": {"name": name, "labels": {"bench-agent": name}},
                "spec": pr_spec(related)}),
    )
    .await?;
    let metrics = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        format!("127.0.0.1:{port}")
    };
    let selector = format!("bench-agent={name}");
    let start_agent = |extra: &[&str]| {
        let mut args = vec!["--published-resource-selector", selector.as_str()];
        args.extend_from_slice(extra);
        Agent::start(
            dir.path(),
            &name,
            "example",
            &service.kubeconfig(),
            &agent_kubeconfig,
            &args,
        )
    };

    // The first agent publishes the schema; the consumers bind.
    let mut agent = start_agent(&[]);
    until(
        "the export serves the schema",
        Duration::from_secs(60),
        || async {
            get(
                &client,
                "/clusters/root:org/apis/apis.kcp.io/v1alpha1/apiexports/example",
            )
            .await
            .is_ok_and(|e| {
                e["spec"]["latestResourceSchemas"]
                    .as_array()
                    .is_some_and(|a| a.len() == 1)
                    && e["spec"]["permissionClaims"].as_array().map_or(0, Vec::len)
                        == claims(related).as_array().map_or(0, Vec::len)
            })
        },
    )
    .await
    .with_context(|| format!("agent log:\n{}", agent.log()))?;
    let consumers: Vec<String> = (0..count).map(|i| format!("consumer-{i}")).collect();
    let started = Instant::now();
    workspaces(&client, &consumers).await?;
    futures::stream::iter(consumers.iter().map(|ws| {
        let body = json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIBinding",
            "metadata": {"name": "example"},
            "spec": {"reference": {"export": {"path": "root:org", "name": "example"}},
                     "permissionClaims": claims(related)}});
        let client = &client;
        async move {
            send(
                client,
                "POST",
                &format!("/clusters/root:{ws}/apis/apis.kcp.io/v1alpha2/apibindings"),
                &body,
            )
            .await
        }
    }))
    .buffer_unordered(CLIENTS)
    .try_collect::<Vec<_>>()
    .await?;
    until(
        "the bindings are Bound",
        Duration::from_secs(300),
        || async {
            get(&client, "/clusters/*/apis/apis.kcp.io/v1alpha2/apibindings")
                .await
                .is_ok_and(|l| {
                    l["items"].as_array().map_or(0, |a| {
                        a.iter()
                            .filter(|b| b["metadata"]["name"] == "example")
                            .filter(|b| b["status"]["phase"] == "Bound")
                            .count()
                    }) >= count
                })
        },
    )
    .await?;
    println!(
        "{count} workspaces made and bound in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let slice = get(
        &client,
        "/clusters/root:org/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/example",
    )
    .await?;
    let vw_url = slice["status"]["endpoints"][0]["url"]
        .as_str()
        .context("the endpoint slice has no URL")?
        .to_string();
    // Every consumer's kind served in its workspace before the objects are created.
    futures::stream::iter(consumers.iter().map(|ws| {
        let client = &client;
        async move {
            until(
                "the kind in a consumer",
                Duration::from_secs(60),
                || async {
                    get(
                        client,
                        &format!("/clusters/root:{ws}/{RESOURCE}/namespaces/default/databases"),
                    )
                    .await
                    .is_ok()
                },
            )
            .await
        }
    }))
    .buffer_unordered(CLIENTS)
    .try_collect::<Vec<_>>()
    .await?;
    wait_idle(agent.pid()).await;
    tokio::time::sleep(SETTLE).await;
    let rss_baseline = rss_kib(agent.pid());
    let baseline_parts = memory_parts(agent.pid());
    agent.kill();
    keep_log(&agent, &format!("{name}-baseline"));
    println!(
        "agent baseline (schema published, {count} workspaces bound, no objects): {:.1} MiB",
        rss_baseline as f64 / 1024.0
    );

    // Everything pending: the objects first, then the agent.
    let started = Instant::now();
    futures::stream::iter((0..total).map(|i| {
        let (ws, o) = (i % count, i / count);
        let path = format!(
            "/clusters/root:{}/{RESOURCE}/namespaces/default/databases",
            consumers[ws]
        );
        let body = database(&format!("db-{o}"), &format!("w{ws}-o{o}"), "initial");
        let client = &client;
        async move { send(client, "POST", &path, &body).await }
    }))
    .buffer_unordered(CLIENTS)
    .try_collect::<Vec<_>>()
    .await?;
    let created = started.elapsed();
    println!(
        "{total} objects created in kcp in {:.1} s ({:.0}/s, {CLIENTS} clients)",
        created.as_secs_f64(),
        total as f64 / created.as_secs_f64()
    );
    let seen: Shared = Arc::default();
    let copies = Api::<DynamicObject>::all_with(sc.clone(), &databases());
    let copy_watch = tokio::spawn(watch_copies(copies, name.clone(), seen.clone()));
    let vw = client_at(&kcp, &format!("{vw_url}/clusters/*")).await?;
    let kcp_watch = tokio::spawn(watch_kcp(
        Api::<DynamicObject>::all_with(vw.clone(), &databases()),
        seen.clone(),
    ));
    let secrets_watch = related.then(|| {
        tokio::spawn(watch_secrets(
            Api::<DynamicObject>::all_with(
                vw,
                &ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "Secret")),
            ),
            seen.clone(),
        ))
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    let kcp_requests = request_counts(&client).await;
    let service_requests = request_counts(sc).await;
    let kcp_cpu = cpu_secs(kcp_pid);
    let service_cpu = service.pid().map(cpu_secs);
    let bench_cpu = cpu_secs(std::process::id());
    let started = Instant::now();
    let agent = start_agent(&["--metrics-address", &metrics]);
    let pid = agent.pid();
    let limit = Duration::from_secs(120 + total as u64 / 20);
    let mut last_report = Instant::now();
    loop {
        let n = lock(&seen).copies.len();
        if n >= total {
            break;
        }
        if started.elapsed() > limit {
            bail!(
                "only {n} of {total} copies after {:.0} s; agent log tail:\n{}",
                limit.as_secs_f64(),
                tail(&agent.log(), 40)
            );
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            println!(
                "  … {n} copies after {:.0} s",
                started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (initial, initial_steady) = {
        let s = lock(&seen);
        let last = s.last_copy.unwrap_or_else(Instant::now);
        (
            last.saturating_duration_since(started),
            last.saturating_duration_since(s.first_copy.unwrap_or(started)),
        )
    };
    let agent_cpu = cpu_secs(pid);
    let (kcp_cpu, bench_cpu) = (
        cpu_secs(kcp_pid) - kcp_cpu,
        cpu_secs(std::process::id()) - bench_cpu,
    );
    let service_cpu = match (service.pid(), service_cpu) {
        (Some(pid), Some(before)) => format!(", service cluster {:.2} s", cpu_secs(pid) - before),
        _ => String::new(),
    };
    println!(
        "initial sync: {total} copies in {:.2} s from the agent's start ({:.0}/s); the first \
         after {:.2} s, then {:.0}/s; CPU: agent {agent_cpu:.1} s ({:.0} µs/object), kcp \
         {kcp_cpu:.2} s{service_cpu}, bench {bench_cpu:.1} s",
        initial.as_secs_f64(),
        total as f64 / initial.as_secs_f64(),
        initial.saturating_sub(initial_steady).as_secs_f64(),
        total as f64 / initial_steady.as_secs_f64().max(1e-3),
        agent_cpu * 1e6 / total as f64,
    );
    println!(
        "initial sync, requests per object: kcp: {}; service cluster: {}",
        requests_per_object(&kcp_requests, &request_counts(&client).await, total),
        requests_per_object(&service_requests, &request_counts(sc).await, total),
    );
    let idle = Instant::now();
    wait_idle(pid).await;
    println!(
        "agent idle {:.1} s after the last copy (CPU {:.1} s in all)",
        idle.elapsed().as_secs_f64(),
        cpu_secs(pid)
    );
    let (rss_mib, per_object_kib) = memory_per_object(
        pid,
        rss_baseline,
        total,
        &format!("after the initial sync (baseline {baseline_parts})"),
    )
    .await;
    let copy_ns = lock(&seen)
        .copies
        .get("w0-o0")
        .map(|(ns, _)| ns.clone())
        .unwrap_or_default();
    probe(&kcp, &client, sc, &vw_url, &copy_ns).await?;
    wait_idle(pid).await;
    let metrics_before = scrape(&metrics).await.unwrap_or_default();

    // The lag phases.
    let ws_of = |seq: usize| consumers[seq % count].clone();
    let kcp_path = |ws: &str, name: &str| {
        format!("/clusters/root:{ws}/{RESOURCE}/namespaces/default/databases/{name}")
    };
    let created = phase(
        "create lag (kcp request → copy ADDED; → the object's event on a VW watch)",
        ops,
        rate,
        &seen,
        |seq| {
            let client = client.clone();
            let path = format!(
                "/clusters/root:{}/{RESOURCE}/namespaces/default/databases",
                ws_of(seq)
            );
            let body = database(&format!("lag-{seq}"), &format!("lag-{seq}"), "initial");
            async move { send(&client, "POST", &path, &body).await.map(|_| ()) }
        },
        &[&|seq| format!("add:lag-{seq}"), &|seq| {
            format!("kcpadd:lag-{seq}")
        }],
    )
    .await?;
    wait_idle(pid).await;
    let updated = phase(
        "update lag (kcp spec request → copy event; → the object's event on a VW watch)",
        ops,
        rate,
        &seen,
        |seq| {
            let client = client.clone();
            let path = kcp_path(
                &ws_of(seq),
                &format!("db-{}", (seq / count) % per_workspace),
            );
            let patch = json!({"spec": {"marker": format!("u-{seq}")}});
            async move { merge_patch(&client, &path, &patch).await }
        },
        &[&|seq| format!("spec:u-{seq}"), &|seq| {
            format!("kcpspec:u-{seq}")
        }],
    )
    .await?;
    wait_idle(pid).await;
    let places = lock(&seen).copies.clone();
    let status = phase(
        "status lag (copy status request → kcp event through the VW)",
        ops,
        rate,
        &seen,
        |seq| {
            let sc = sc.clone();
            let id = format!("w{}-o{}", seq % count, (seq / count) % per_workspace);
            let place = places.get(&id).cloned();
            let patch = json!({"status": {"phase": "Running", "marker": format!("s-{seq}")}});
            async move {
                let (ns, name) = place.with_context(|| format!("no copy of {id}"))?;
                merge_patch(
                    &sc,
                    &format!("/{RESOURCE}/namespaces/{ns}/databases/{name}/status"),
                    &patch,
                )
                .await
            }
        },
        &[&|seq| format!("status:s-{seq}")],
    )
    .await?;
    wait_idle(pid).await;
    let related_lag = if related {
        let lag = phase(
            "related Secret lag (the service's Secret request → its copy on a kcp VW watch)",
            ops,
            rate,
            &seen,
            |seq| {
                use base64::Engine as _;
                let sc = sc.clone();
                let id = format!("w{}-o{}", seq % count, (seq / count) % per_workspace);
                let place = places.get(&id).cloned();
                let marker = base64::engine::general_purpose::STANDARD.encode(format!("r-{seq}"));
                async move {
                    let (ns, name) = place.with_context(|| format!("no copy of {id}"))?;
                    let body = json!({"apiVersion": "v1", "kind": "Secret",
                        "metadata": {"name": format!("{name}-creds"), "namespace": ns},
                        "data": {"marker": marker}});
                    send(
                        &sc,
                        "POST",
                        &format!("/api/v1/namespaces/{ns}/secrets"),
                        &body,
                    )
                    .await
                    .map(|_| ())
                }
            },
            &[&|seq| format!("rel:r-{seq}")],
        )
        .await?;
        wait_idle(pid).await;
        lag.into_iter().next()
    } else {
        None
    };
    let deleted = phase(
        "delete lag (kcp request → copy DELETED; → kcp object gone)",
        ops,
        rate,
        &seen,
        |seq| {
            let client = client.clone();
            let path = kcp_path(&ws_of(seq), &format!("lag-{seq}"));
            async move { delete(&client, &path).await }
        },
        &[&|seq| format!("del:lag-{seq}"), &|seq| {
            format!("gone:lag-{seq}")
        }],
    )
    .await?;
    let metrics_after = scrape(&metrics).await.unwrap_or_default();
    const LAG: &str = "sync_agent_sync_lag_seconds";
    let metric = if metrics_after.contains(&format!("{LAG}_bucket")) {
        let (before, after) = (buckets(&metrics_before, LAG), buckets(&metrics_after, LAG));
        let delta: BTreeMap<u64, f64> = after
            .iter()
            .map(|(k, v)| (*k, v - before.get(k).copied().unwrap_or(0.0)))
            .collect();
        let all = (bucket_quantile(&after, 0.5), bucket_quantile(&after, 0.99));
        let lag = (bucket_quantile(&delta, 0.5), bucket_quantile(&delta, 0.99));
        if let (Some(a), Some(b)) = all {
            println!(
                "{LAG} since the agent's start: p50 {:.1} ms, p99 {:.1} ms",
                a * 1e3,
                b * 1e3
            );
        }
        match lag {
            (Some(a), Some(b)) => {
                println!(
                    "{LAG} of the lag phases: p50 {:.1} ms, p99 {:.1} ms",
                    a * 1e3,
                    b * 1e3
                );
                Some((a, b))
            }
            _ => None,
        }
    } else {
        println!("note: the agent's /metrics has no {LAG}: skipped");
        None
    };

    // Memory, idle again: the objects of the lag phases were made and deleted.
    wait_idle(pid).await;
    let (rss_end_mib, per_object_end_kib) = memory_per_object(
        pid,
        rss_baseline,
        total,
        &format!("after the lag phases ({} objects at the most)", total + ops),
    )
    .await;
    let load = load_average();
    println!("load {load}");
    copy_watch.abort();
    kcp_watch.abort();
    if let Some(w) = secrets_watch {
        w.abort();
    }
    keep_log(&agent, &name);
    drop(agent);
    drop(kcp);
    let copies = lock(&seen).copies.clone();
    cleanup(sc, &name, &copies).await;
    Ok(Figures {
        count,
        rate,
        objects: total,
        initial,
        initial_steady,
        create: created[0].clone(),
        update: updated[0].clone(),
        status: status[0].clone(),
        delete: deleted[0].clone(),
        released: deleted[1].clone(),
        per_object_kib,
        rss_mib,
        per_object_end_kib,
        rss_end_mib,
        metric,
        related: related_lag,
        load,
    })
}

/// `n` runs of `f`, one after another, each timed whole (`f` returns `None`) or as it says (`f`
/// returns the time of its part): p50 and p99 in ms.
async fn timed<F, Fut>(n: usize, mut f: F) -> Result<String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Option<Duration>>>,
{
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let part = f(i).await?;
        v.push(part.unwrap_or_else(|| t.elapsed()));
    }
    v.sort();
    Ok(format!(
        "{:.1}/{:.1}",
        ms(percentile(&v, 0.5)),
        ms(percentile(&v, 0.99))
    ))
}

/// The requests the agent makes for an object, timed one after another from here while the
/// agent is idle: what each step of a sync costs at least.
async fn probe(kcp: &Kcp, client: &Client, sc: &Client, vw_url: &str, copy_ns: &str) -> Result<()> {
    const N: usize = 40;
    let list = timed(N, |_| async {
        get(
            sc,
            &format!("/{RESOURCE}/databases?labelSelector={ID}%3Dw0-o0&limit=2"),
        )
        .await
        .map(|_| None)
    })
    .await?;
    let secrets = get(
        sc,
        "/api/v1/namespaces/kube-system/secrets?labelSelector=syncagent.kcp.io%2Fobject-state&limit=1",
    )
    .await?;
    let secret = secrets["items"][0]["metadata"]["name"]
        .as_str()
        .unwrap_or("none")
        .to_string();
    let get_secret = timed(N, |_| async {
        get(
            sc,
            &format!("/api/v1/namespaces/kube-system/secrets/{secret}"),
        )
        .await
        .map(|_| None)
    })
    .await?;
    let configmap = |i: usize| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": format!("bench-probe-{i}")}, "data": {"a": "b"}})
    };
    let service_post = timed(N, |i| async move {
        send(
            sc,
            "POST",
            "/api/v1/namespaces/kube-system/configmaps",
            &configmap(i),
        )
        .await
        .map(|_| None)
    })
    .await?;
    // The same LIST right after a write of another resource: a consistent read waits until
    // the watch cache has seen etcd's newest revision; with resourceVersion=0 it does not.
    let mut after_write = Vec::new();
    for rv0 in [false, true] {
        let rv = if rv0 { "&resourceVersion=0" } else { "" };
        after_write.push(
            timed(N, |i| async move {
                let _ = delete(
                    sc,
                    &format!("/api/v1/namespaces/kube-system/configmaps/bench-probe-{i}"),
                )
                .await;
                if !rv0 {
                    send(
                        sc,
                        "POST",
                        "/api/v1/namespaces/kube-system/configmaps",
                        &configmap(i),
                    )
                    .await?;
                }
                let t = Instant::now();
                get(
                    sc,
                    &format!("/{RESOURCE}/databases?labelSelector={ID}%3Dw0-o0&limit=2{rv}"),
                )
                .await?;
                Ok(Some(t.elapsed()))
            })
            .await?,
        );
    }
    let vw = client_at(kcp, &format!("{vw_url}/clusters/{copy_ns}")).await?;
    // What the agent's watch holds of each object: its size as JSON, managed fields apart.
    let object = get(
        &vw,
        &format!("/{RESOURCE}/namespaces/default/databases/db-0"),
    )
    .await?;
    let managed = serde_json::to_vec(&object["metadata"]["managedFields"])?.len();
    println!(
        "a synced object as the agent's watch gets it: {} bytes of JSON, {managed} of them its \
         managed fields",
        serde_json::to_vec(&object)?.len()
    );
    let vw_get = timed(N, |_| async {
        get(
            &vw,
            &format!("/{RESOURCE}/namespaces/default/databases/db-0"),
        )
        .await
        .map(|_| None)
    })
    .await?;
    let kcp_post = timed(N, |i| async move {
        send(
            client,
            "POST",
            "/clusters/root:consumer-0/api/v1/namespaces/default/configmaps",
            &configmap(i),
        )
        .await
        .map(|_| None)
    })
    .await?;
    println!(
        "single requests one after another, p50/p99 ms: service cluster: LIST of the copies by \
         label (limit 2) {list}, the same right after a write of a ConfigMap {}, and with \
         resourceVersion=0 {}; GET of a state Secret {get_secret}, POST of a ConfigMap \
         {service_post}; kcp: GET through the virtual workspace {vw_get}, POST of a ConfigMap \
         {kcp_post}",
        after_write[0], after_write[1]
    );
    Ok(())
}

/// The agent's resident memory once left alone for [`SETTLE`], printed as `when` it is read:
/// in MiB, and per object over `baseline` (KiB).
async fn memory_per_object(pid: u32, baseline: u64, objects: usize, when: &str) -> (f64, f64) {
    tokio::time::sleep(SETTLE).await;
    let rss = rss_kib(pid);
    let per_object = rss.saturating_sub(baseline) as f64 / objects as f64;
    println!(
        "agent resident memory {when}: {:.1} MiB with {objects} objects synced, {:.1} MiB \
         baseline: {per_object:.2} KiB per object ({})",
        rss as f64 / 1024.0,
        baseline as f64 / 1024.0,
        memory_parts(pid),
    );
    (rss as f64 / 1024.0, per_object)
}

/// Copies the agent's log into `$KCP_BENCH_AGENT_LOGS/agent-<name>.log`, if set.
fn keep_log(agent: &Agent, name: &str) {
    if let Some(dir) = std::env::var_os("KCP_BENCH_AGENT_LOGS") {
        let path = Path::new(&dir).join(format!("agent-{name}.log"));
        if let Err(e) = std::fs::write(&path, agent.log()) {
            eprintln!("kcp-bench-agent: keeping {}: {e}", path.display());
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Removes a run's objects from the service cluster: its PublishedResource, the copies'
/// namespaces and the agent's state Secrets, and waits (two minutes at most) for the copies to
/// go, so that the next run starts on a clean cluster.
async fn cleanup(sc: &Client, name: &str, copies: &HashMap<String, (String, String)>) {
    let _ = delete(
        sc,
        &format!("/apis/syncagent.kcp.io/v1alpha1/publishedresources/{name}"),
    )
    .await;
    let namespaces: std::collections::BTreeSet<&str> =
        copies.values().map(|(ns, _)| ns.as_str()).collect();
    futures::stream::iter(namespaces.into_iter().map(|ns| async move {
        let _ = delete(sc, &format!("/api/v1/namespaces/{ns}")).await;
    }))
    .buffer_unordered(CLIENTS)
    .collect::<Vec<_>>()
    .await;
    let _ = delete(
        sc,
        "/api/v1/namespaces/kube-system/secrets?labelSelector=syncagent.kcp.io%2Fobject-state%3Dtrue",
    )
    .await;
    let gone = until("the copies are gone", Duration::from_secs(120), || async {
        get(
            sc,
            &format!(
                "/{RESOURCE}/databases?limit=1&labelSelector={}%3D{name}",
                AGENT_NAME_LABEL.replace('/', "%2F")
            ),
        )
        .await
        .is_ok_and(|l| l["items"].as_array().is_some_and(Vec::is_empty))
    })
    .await;
    if gone.is_err() {
        println!("note: the copies of {name} were not all deleted in two minutes");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_interpolated_across_series() {
        let text = "# TYPE sync_agent_sync_lag_seconds histogram
sync_agent_sync_lag_seconds_bucket{resource=\"a\",le=\"0.01\"} 40
sync_agent_sync_lag_seconds_bucket{resource=\"a\",le=\"0.1\"} 90
sync_agent_sync_lag_seconds_bucket{resource=\"a\",le=\"+Inf\"} 100
sync_agent_sync_lag_seconds_bucket{resource=\"b\",le=\"0.01\"} 60
sync_agent_sync_lag_seconds_bucket{resource=\"b\",le=\"0.1\"} 90
sync_agent_sync_lag_seconds_bucket{resource=\"b\",le=\"+Inf\"} 100
sync_agent_sync_lag_seconds_sum 3
sync_agent_sync_lag_seconds_count 200
";
        let b = buckets(text, "sync_agent_sync_lag_seconds");
        assert_eq!(b.len(), 3);
        // 200 observations: 100 under 10 ms, 180 under 100 ms.
        assert_eq!(bucket_quantile(&b, 0.5), Some(0.01));
        let p75 = bucket_quantile(&b, 0.75).unwrap();
        assert!((p75 - (0.01 + 0.09 * 50.0 / 80.0)).abs() < 1e-9, "{p75}");
        // In the +Inf bucket: its lower bound.
        assert_eq!(bucket_quantile(&b, 0.99), Some(0.1));
        assert_eq!(bucket_quantile(&BTreeMap::new(), 0.5), None);
    }
}
