//! `kcp-bench`: the performance benchmarks of the real `kcp` binary (issue #2), printed as a
//! table of figures against their targets. `docs/benchmarks.md` says how to run it and records
//! the figures of a full run.
//!
//! ```text
//! cargo build --release -p kcp-server --bin kcp
//! KCP_BIN=target/release/kcp cargo run --release -p e2e --bin kcp-bench -- [--quick]
//! ```
//!
//! It measures, in this order: the raw commit rate of the embedded store; ConfigMap creates over
//! HTTP/2 with 1 and 64 concurrent clients; a LIST of 10,000 ConfigMaps; the fan-out of one write
//! to 1,000 watchers; the time from applying the prometheus-operator CRDs to all of them
//! Established, and the create rate of a `Prometheus` custom resource against a ConfigMap of the
//! same size; and the time from process start to `/readyz` 200 with an empty store and with
//! 100,000 objects. Every client speaks HTTP/2 over TLS (rustls on ring, ALPN `h2`) with the
//! admin kubeconfig's bearer token, as kubectl and client-go do. Client and server share the
//! machine's cores, so every figure includes the client's own CPU cost.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use base64::Engine;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use kcp_store::{EmbeddedStore, Store};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_rustls::TlsConnector;

mod side_by_side;

/// How much work each scenario does: the full run, or a smoke run of about 20 seconds.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    store_writes_1: usize,
    store_writes_64: usize,
    creates_1: usize,
    creates_64: usize,
    list_objects: usize,
    lists: usize,
    watchers: usize,
    watch_writes: usize,
    startup_objects: usize,
    startup_runs: usize,
    /// Fresh servers the CRD set is applied to.
    crd_runs: usize,
    /// Creates per kind (Prometheus, ConfigMap) with 64 clients.
    cr_creates_64: usize,
}

impl Sizes {
    const FULL: Self = Self {
        store_writes_1: 1_000,
        store_writes_64: 20_000,
        creates_1: 1_000,
        creates_64: 20_000,
        list_objects: 10_000,
        lists: 20,
        watchers: 1_000,
        watch_writes: 50,
        startup_objects: 100_000,
        startup_runs: 3,
        crd_runs: 3,
        cr_creates_64: 10_000,
    };
    const QUICK: Self = Self {
        store_writes_1: 200,
        store_writes_64: 4_000,
        creates_1: 200,
        creates_64: 4_000,
        list_objects: 10_000,
        lists: 5,
        watchers: 1_000,
        watch_writes: 10,
        startup_objects: 10_000,
        startup_runs: 1,
        crd_runs: 1,
        cr_creates_64: 2_000,
    };
}

/// Watch streams per HTTP/2 connection (the server allows 1,000 concurrent streams).
const WATCHERS_PER_CONNECTION: usize = 100;
/// Objects of the startup scenario are spread over this many namespaces.
const STARTUP_NAMESPACES: usize = 10;

fn main() -> ExitCode {
    let (mut quick, mut only_crds, mut side_by_side) = (false, false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => quick = true,
            "--crds" => only_crds = true,
            "--side-by-side" => side_by_side = true,
            "-h" | "--help" => {
                println!(
                    "usage: kcp-bench [--quick] [--crds: only the CRD section | --side-by-side: \
                     against kube-apiserver + etcd, ours, ours + etcd]   (KCP_BIN: the kcp \
                     binary, release-built)"
                );
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("kcp-bench: unknown argument {other}");
                return ExitCode::from(2);
            }
        }
    }
    if let Err(e) = ensure_release_binary() {
        eprintln!("kcp-bench: {e:#}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kcp-bench: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sizes = if quick { Sizes::QUICK } else { Sizes::FULL };
    let run = async {
        if side_by_side {
            side_by_side::run(&sizes).await
        } else {
            run(sizes, quick, only_crds).await
        }
    };
    match runtime.block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kcp-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the release `kcp` when `KCP_BIN` is unset and points the harness at it (the harness
/// would otherwise build and start a debug binary, which is no use for measuring).
fn ensure_release_binary() -> Result<()> {
    if std::env::var_os("KCP_BIN").is_some() {
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("KCP_BIN is unset: building the release kcp binary");
    let status = std::process::Command::new(cargo)
        .current_dir(e2e::workspace_root())
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "kcp-server",
            "--bin",
            "kcp",
        ])
        .status()
        .context("running cargo build")?;
    ensure!(status.success(), "building the release kcp binary failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| e2e::workspace_root().join("target"), PathBuf::from);
    // SAFETY: called from `main` before the runtime or any other thread exists.
    unsafe { std::env::set_var("KCP_BIN", target.join("release/kcp")) };
    Ok(())
}

async fn run(sizes: Sizes, quick: bool, only_crds: bool) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    println!(
        "kcp-bench{}: {} on {cores} core(s), load average {}",
        if quick { " --quick" } else { "" },
        e2e::kcp_binary().display(),
        load_average()
    );
    let mut report = Report::default();
    if only_crds {
        section(
            "CRDs: the prometheus-operator set to Established; Prometheus vs ConfigMap creates",
        );
        report.crds(&crds(&sizes).await?);
        report.print();
        return Ok(());
    }

    section("embedded store: raw commit rate (EmbeddedStore, one fsync per group)");
    let store = store_commits(&sizes).await?;

    section("starting kcp (e2e harness)");
    let kcp = tokio::task::spawn_blocking(e2e::Kcp::start).await?;
    let cfg = KubeConfig::read(&kcp.kubeconfig())?;
    let admin = Endpoint::new(&cfg, "root", "kcp-admin")?;
    let masters = Endpoint::new(&cfg, "root", "shard-admin")?;
    let meter = CpuMeter::of(kcp.pid());

    section("creates: POST ConfigMap over HTTP/2");
    let creates = creates(&admin, &masters, &sizes, meter).await?;
    report.creates(&creates, &store);

    section("list: GET all ConfigMaps of one namespace");
    let list = list(&admin, &sizes, meter).await?;
    report.list(&list, &sizes);

    section("watch fan-out: one write to many watchers");
    let fan = fan_out(&admin, &sizes, meter).await?;
    report.fan_out(&fan, &sizes);
    drop(kcp);

    section("CRDs: the prometheus-operator set to Established; Prometheus vs ConfigMap creates");
    let crds = crds(&sizes).await?;
    report.crds(&crds);

    section("startup: process start to /readyz 200");
    let startup = startup(&sizes).await?;
    report.startup(&startup, &sizes);

    report.print();
    println!("load average at the end: {}", load_average());
    Ok(())
}

fn section(title: &str) {
    println!("\n== {title}");
}

// ---------------------------------------------------------------------------------------------
// Figures

/// The latencies of one run, how long it took, and the CPU time it cost.
struct Run {
    latencies: Vec<Duration>,
    elapsed: Duration,
    cpu: Option<CpuUse>,
}

impl Run {
    fn new(mut latencies: Vec<Duration>, elapsed: Duration) -> Self {
        latencies.sort_unstable();
        Self {
            latencies,
            elapsed,
            cpu: None,
        }
    }

    /// CPU microseconds per operation of the server and of the benchmark itself.
    fn cpu_per_op(&self) -> Option<(f64, f64)> {
        let cpu = self.cpu?;
        let n = self.latencies.len().max(1) as f64;
        Some((
            cpu.server.as_secs_f64() * 1e6 / n,
            cpu.client.as_secs_f64() * 1e6 / n,
        ))
    }

    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn p(&self, q: f64) -> Duration {
        percentile(&self.latencies, q)
    }

    /// `rate/s (p50 …, p99 …, CPU/op server+bench µs)`, for the summary.
    fn rate(&self) -> String {
        let cpu = self.cpu_per_op().map_or(String::new(), |(server, client)| {
            format!(", CPU/op {server:.0}+{client:.0} µs")
        });
        format!(
            "{:.0}/s (p50 {}, p99 {}{cpu})",
            self.per_second(),
            ms(self.p(0.5)),
            ms(self.p(0.99))
        )
    }

    fn line(&self, what: &str) -> String {
        let cpu = self.cpu_per_op().map_or(String::new(), |(server, client)| {
            format!("  CPU/op: server {server:.0} µs, bench {client:.0} µs")
        });
        format!(
            "{what:<44} {:>8.0}/s  p50 {:>8}  p99 {:>8}  ({} in {}){cpu}",
            self.per_second(),
            ms(self.p(0.50)),
            ms(self.p(0.99)),
            self.latencies.len(),
            secs(self.elapsed)
        )
    }
}

/// CPU time (user + system) of the server process and of this process.
#[derive(Clone, Copy, Debug, Default)]
struct CpuUse {
    server: Duration,
    client: Duration,
}

/// Reads CPU times from `/proc` (Linux; zero elsewhere), so that each figure can say what one
/// operation costs: on a shared 2-core machine that is steadier than a rate. The server is one
/// process, or two (an API server and its etcd).
#[derive(Clone, Copy, Debug)]
struct CpuMeter {
    server: Option<u32>,
    store: Option<u32>,
}

impl CpuMeter {
    fn of(server: Option<u32>) -> Self {
        Self {
            server,
            store: None,
        }
    }

    fn sample(self) -> CpuUse {
        let cpu = |pid: Option<u32>| pid.map_or(Duration::ZERO, |p| proc_cpu(&p.to_string()));
        CpuUse {
            server: cpu(self.server) + cpu(self.store),
            client: proc_cpu("self"),
        }
    }

    /// Runs `work` and attaches the CPU time it cost to its `Run`.
    async fn measure(self, work: impl Future<Output = Result<Run>>) -> Result<Run> {
        let before = self.sample();
        let mut run = work.await?;
        let after = self.sample();
        run.cpu = Some(CpuUse {
            server: after.server.saturating_sub(before.server),
            client: after.client.saturating_sub(before.client),
        });
        Ok(run)
    }
}

/// utime + stime of a process from `/proc/<pid>/stat`, in clock ticks of 1/100 s (Linux's
/// `USER_HZ`).
fn proc_cpu(pid: &str) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // The fields after the command name (which may hold spaces) start with the state, field 3.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((tick(14 - 3) + tick(15 - 3)) * 10)
}

/// The resident set of a process (`self` or a pid), from `/proc/<pid>/status`.
fn rss_kib(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The `q` quantile of sorted durations (nearest rank).
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * q).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The summary table: one row per figure, with its target where the issue sets one.
#[derive(Default)]
struct Report {
    rows: Vec<[String; 3]>,
}

impl Report {
    fn row(
        &mut self,
        what: impl Into<String>,
        value: impl Into<String>,
        target: Option<(&str, bool)>,
    ) {
        let target = match target {
            Some((t, met)) => format!("{t} {}", if met { "(met)" } else { "(MISSED)" }),
            None => String::new(),
        };
        self.rows.push([what.into(), value.into(), target]);
    }

    fn creates(&mut self, c: &Creates, s: &StoreCommits) {
        self.row("store commits, 1 writer", s.one.rate(), None);
        self.row("store commits, 64 writers", s.many.rate(), None);
        self.row("creates, 1 client", c.one.rate(), None);
        self.row(
            "creates, 64 clients (64 connections)",
            c.many_conns.rate(),
            Some((">= 5,000/s", c.many_conns.per_second() >= 5_000.0)),
        );
        self.row(
            "creates, 64 streams on 1 connection",
            c.many_streams.rate(),
            None,
        );
        self.row(
            "creates, 64 clients as system:masters",
            c.many_masters.rate(),
            None,
        );
    }

    fn list(&mut self, l: &ListFigures, s: &Sizes) {
        self.row(
            format!("list of {} ConfigMaps, p50", s.list_objects),
            format!("{} ({:.1} MB)", ms(l.run.p(0.5)), l.bytes as f64 / 1e6),
            Some(("< 50 ms", l.run.p(0.5) < Duration::from_millis(50))),
        );
        self.row(
            format!("list of {} ConfigMaps, p99", s.list_objects),
            ms(l.run.p(0.99)),
            None,
        );
    }

    fn fan_out(&mut self, f: &FanOut, s: &Sizes) {
        self.row(
            format!("watch fan-out to {}, p50", s.watchers),
            ms(percentile(&f.after_response, 0.5)),
            None,
        );
        let p99 = percentile(&f.after_response, 0.99);
        self.row(
            format!("watch fan-out to {}, p99", s.watchers),
            ms(p99),
            Some(("< 50 ms", p99 < Duration::from_millis(50))),
        );
        self.row(
            "  (from the request sent), p50 / p99",
            format!(
                "{} / {}",
                ms(percentile(&f.after_request, 0.5)),
                ms(percentile(&f.after_request, 0.99))
            ),
            None,
        );
        self.row(
            "  (CPU per write and its fan-out)",
            format!(
                "server {}, bench {}",
                ms(f.cpu_per_write.server),
                ms(f.cpu_per_write.client)
            ),
            None,
        );
    }

    fn crds(&mut self, c: &CrdFigures) {
        self.row(
            format!("{} prometheus-operator CRDs: all applied", c.count),
            ms(median(&c.applied)),
            None,
        );
        self.row(
            format!("{} prometheus-operator CRDs: all Established", c.count),
            ms(median(&c.established)),
            None,
        );
        self.row(
            format!("creates of a Prometheus ({} B), 64 clients", c.body_bytes),
            c.prometheus.rate(),
            None,
        );
        self.row(
            format!("creates of a ConfigMap ({} B), 64 clients", c.body_bytes),
            c.configmap.rate(),
            None,
        );
        let ratio = c.prometheus.per_second() / c.configmap.per_second();
        self.row(
            "  Prometheus / ConfigMap create rate",
            format!("{ratio:.2}"),
            Some((">= 0.5", ratio >= 0.5)),
        );
    }

    fn startup(&mut self, st: &Startup, s: &Sizes) {
        self.row(
            "start to readyz, first start (new root dir)",
            ms(st.fresh),
            None,
        );
        self.row("start to readyz, empty store", ms(median(&st.empty)), None);
        self.row(
            format!("start to readyz, {} objects", s.startup_objects),
            ms(median(&st.loaded)),
            None,
        );
        self.row(
            "  (in-process: store open / list all / cache load)",
            format!(
                "{} / {} / {}",
                ms(st.cache_load.open),
                ms(st.cache_load.list),
                ms(st.cache_load.cache)
            ),
            None,
        );
        self.row(
            format!("  (rate of the {} creates, 64 clients)", s.startup_objects),
            format!("{:.0}/s", st.fill_rate),
            None,
        );
        self.row(
            format!("  (server RSS after restart with {})", s.startup_objects),
            format!("{} MiB", st.rss_kib / 1024),
            None,
        );
        self.row(
            format!("  (store file with {} objects)", s.startup_objects),
            format!("{} MiB", st.store_bytes / (1024 * 1024)),
            None,
        );
    }

    fn print(&self) {
        println!("\n== summary");
        let width = |i: usize| self.rows.iter().map(|r| r[i].len()).max().unwrap_or(0);
        let (w0, w1) = (width(0).max(6), width(1).max(8));
        println!("{:<w0$}  {:<w1$}  target", "figure", "measured");
        println!("{}", "-".repeat(w0 + w1 + 20));
        for [what, value, target] in &self.rows {
            println!("{what:<w0$}  {value:<w1$}  {target}");
        }
        println!("(CPU/op a+b µs: CPU time per operation of the server + of the benchmark client)");
    }
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort_unstable();
    percentile(&v, 0.5)
}

// ---------------------------------------------------------------------------------------------
// The client: HTTP/2 over TLS with the admin kubeconfig's credentials

/// What the benchmark needs from `admin.kubeconfig`.
struct KubeConfig {
    doc: Value,
    ca_pem: Vec<u8>,
}

impl KubeConfig {
    fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path:?}"))?;
        let doc: Value =
            serde_saphyr::from_str(&text).with_context(|| format!("parsing {path:?}"))?;
        let ca = doc["clusters"]
            .as_array()
            .and_then(|cs| cs.first())
            .and_then(|c| c["cluster"]["certificate-authority-data"].as_str())
            .ok_or_else(|| anyhow!("{path:?} has no certificate-authority-data"))?;
        let ca_pem = base64::engine::general_purpose::STANDARD
            .decode(ca)
            .context("decoding certificate-authority-data")?;
        Ok(Self { doc, ca_pem })
    }

    fn named<'a>(&'a self, list: &str, name: &str) -> Result<&'a Value> {
        self.doc[list]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["name"] == name))
            .ok_or_else(|| anyhow!("the kubeconfig has no {list} entry {name:?}"))
    }
}

/// One server URL with one identity; `connect` opens an HTTP/2 connection to it.
struct Endpoint {
    addr: SocketAddr,
    /// `host:port`, for the `:authority` of each request.
    authority: String,
    /// The logical cluster's path prefix, e.g. `/clusters/root`.
    base: String,
    bearer: String,
    tls: TlsConnector,
}

impl Endpoint {
    fn new(cfg: &KubeConfig, cluster: &str, user: &str) -> Result<Arc<Self>> {
        let server = cfg.named("clusters", cluster)?["cluster"]["server"]
            .as_str()
            .ok_or_else(|| anyhow!("cluster {cluster:?} has no server"))?;
        let token = cfg.named("users", user)?["user"]["token"]
            .as_str()
            .ok_or_else(|| anyhow!("user {user:?} has no token"))?;
        let rest = server
            .strip_prefix("https://")
            .ok_or_else(|| anyhow!("server {server:?} is not https"))?;
        let (authority, base) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        Ok(Arc::new(Self {
            addr: authority
                .parse()
                .with_context(|| format!("server address {authority:?}"))?,
            authority: authority.to_string(),
            base: base.to_string(),
            bearer: format!("Bearer {token}"),
            tls: tls_connector(&cfg.ca_pem)?,
        }))
    }

    /// The endpoint of the kubeconfig's current context.
    fn current(cfg: &KubeConfig) -> Result<Arc<Self>> {
        let name = cfg.doc["current-context"]
            .as_str()
            .ok_or_else(|| anyhow!("the kubeconfig has no current-context"))?;
        let context = &cfg.named("contexts", name)?["context"];
        let field = |f: &str| {
            context[f]
                .as_str()
                .ok_or_else(|| anyhow!("context {name:?} has no {f}"))
        };
        Self::new(cfg, field("cluster")?, field("user")?)
    }

    async fn connect(self: &Arc<Self>) -> Result<Conn> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .with_context(|| format!("connecting to {}", self.addr))?;
        tcp.set_nodelay(true)?;
        let name = ServerName::from(self.addr.ip());
        let tls = self.tls.connect(name, tcp).await.context("TLS handshake")?;
        ensure!(
            tls.get_ref().1.alpn_protocol() == Some(b"h2"),
            "the server did not negotiate HTTP/2"
        );
        // Window sizes as Go's HTTP/2 transport (client-go) advertises them.
        let (sender, connection) = http2::Builder::new(TokioExecutor::new())
            .initial_stream_window_size(4 << 20)
            .initial_connection_window_size(1 << 30)
            .handshake(TokioIo::new(tls))
            .await
            .context("HTTP/2 handshake")?;
        let task = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Conn {
            endpoint: Arc::clone(self),
            sender,
            _driver: Arc::new(AbortOnDrop(task)),
        })
    }

    async fn connections(self: &Arc<Self>, n: usize) -> Result<Vec<Conn>> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            conns.push(self.connect().await?);
        }
        Ok(conns)
    }
}

fn tls_connector(ca_pem: &[u8]) -> Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(cert.context("parsing the CA certificate")?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Ends a spawned task when the last handle to it goes.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One HTTP/2 connection; clones share it (each request is a stream of its own).
#[derive(Clone)]
struct Conn {
    endpoint: Arc<Endpoint>,
    sender: http2::SendRequest<Full<Bytes>>,
    /// Drives the connection; it closes when the last clone goes.
    _driver: Arc<AbortOnDrop>,
}

impl Conn {
    /// Sends a request on `path` under the cluster's base path; returns the response head.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<Response<Incoming>> {
        let ep = &self.endpoint;
        let mut req = Request::builder()
            .method(method)
            .uri(format!("https://{}{}{path}", ep.authority, ep.base))
            .header(header::AUTHORIZATION, &ep.bearer)
            .header(header::ACCEPT, "application/json");
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let req = req.body(Full::new(body.unwrap_or_default()))?;
        let mut sender = self.sender.clone();
        Ok(sender.send_request(req).await?)
    }

    /// A server-side apply (`application/apply-patch+yaml`, of which JSON is a subset).
    async fn apply(&self, path: &str, body: Bytes) -> Result<(StatusCode, Bytes)> {
        let ep = &self.endpoint;
        let req = Request::builder()
            .method(Method::PATCH)
            .uri(format!("https://{}{}{path}", ep.authority, ep.base))
            .header(header::AUTHORIZATION, &ep.bearer)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/apply-patch+yaml")
            .body(Full::new(body))?;
        let mut sender = self.sender.clone();
        let resp = sender.send_request(req).await?;
        let status = resp.status();
        Ok((status, resp.into_body().collect().await?.to_bytes()))
    }

    /// Sends a request and reads the whole answer.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<(StatusCode, Bytes)> {
        let resp = self.send(method, path, body).await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    async fn create_namespace(&self, name: &str) -> Result<()> {
        let body = serde_json::to_vec(&serde_json::json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name},
        }))?;
        let (status, answer) = self
            .call(Method::POST, "/api/v1/namespaces", Some(body.into()))
            .await?;
        ensure!(
            status == StatusCode::CREATED || status == StatusCode::CONFLICT,
            "creating namespace {name}: {status}: {}",
            String::from_utf8_lossy(&answer)
        );
        Ok(())
    }

    async fn create_configmap(&self, namespace: &str, name: &str) -> Result<()> {
        let path = format!("/api/v1/namespaces/{namespace}/configmaps");
        self.create(&path, configmap(name)).await
    }

    /// POSTs `body` to the collection at `path`; anything but 201 is an error.
    async fn create(&self, path: &str, body: Bytes) -> Result<()> {
        let (status, answer) = self.call(Method::POST, path, Some(body)).await?;
        ensure!(
            status == StatusCode::CREATED,
            "creating in {path}: {status}: {}",
            String::from_utf8_lossy(&answer)
        );
        Ok(())
    }
}

/// A small ConfigMap as a controller would write it: a label and ~200 bytes of data.
fn configmap(name: &str) -> Bytes {
    let value = "x".repeat(200);
    Bytes::from(format!(
        r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}","labels":{{"app":"kcp-bench","tier":"benchmark"}}}},"data":{{"config.yaml":"{value}","mode":"bench"}}}}"#
    ))
}

/// How many of `total` operations worker `w` of `workers` does (all of them, spread evenly).
fn share(total: usize, workers: usize, w: usize) -> usize {
    total / workers + usize::from(w < total % workers)
}

/// `clients` concurrent clients, each creating its share of `total` ConfigMaps in `namespace`
/// back to back; client `c` uses `conns[c % conns.len()]`.
async fn create_load(
    conns: &[Conn],
    clients: usize,
    total: usize,
    namespace: &str,
    prefix: &str,
) -> Result<Run> {
    let path = format!("/api/v1/namespaces/{namespace}/configmaps");
    create_load_of(conns, clients, total, &path, prefix, Arc::new(configmap)).await
}

/// Makes the body of an object to create from its name.
type BodyFn = Arc<dyn Fn(&str) -> Bytes + Send + Sync>;

/// As [`create_load`], for any collection `path` and object `body`.
async fn create_load_of(
    conns: &[Conn],
    clients: usize,
    total: usize,
    path: &str,
    prefix: &str,
    body: BodyFn,
) -> Result<Run> {
    ensure!(!conns.is_empty(), "no connection");
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let conn = conns[c % conns.len()].clone();
        let path = path.to_string();
        let prefix = prefix.to_string();
        let body = Arc::clone(&body);
        let each = share(total, clients, c);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(each);
            for i in 0..each {
                let name = format!("{prefix}-{c:03}-{i:06}");
                let bytes = body(&name);
                let t = Instant::now();
                conn.create(&path, bytes).await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    for t in tasks {
        latencies.extend(t.await??);
    }
    Ok(Run::new(latencies, started.elapsed()))
}

// ---------------------------------------------------------------------------------------------
// 0. The store's own commit rate

struct StoreCommits {
    one: Run,
    many: Run,
}

/// Creates of ConfigMap-sized values straight into an `EmbeddedStore` on the same disk as the
/// server's root directory (the system temp dir), with 1 and with 64 concurrent writers.
async fn store_commits(sizes: &Sizes) -> Result<StoreCommits> {
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(&dir.path().join("store.redb"))?);
    // About the size of the stored ConfigMap (uid, timestamps, managed fields aside).
    let value = Bytes::from(vec![b'x'; 480]);
    let mut runs = Vec::new();
    for (writers, total) in [(1, sizes.store_writes_1), (64, sizes.store_writes_64)] {
        let meter = CpuMeter::of(None);
        let before = meter.sample();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..writers {
            let each = share(total, writers, w);
            let store = Arc::clone(&store);
            let value = value.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(each);
                for i in 0..each {
                    let key = format!("/registry/bench/{writers}/{w:03}/{i:08}");
                    let t = Instant::now();
                    store.create(&key, value.clone()).await?;
                    latencies.push(t.elapsed());
                }
                Ok::<_, anyhow::Error>(latencies)
            }));
        }
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.extend(t.await??);
        }
        let mut run = Run::new(latencies, started.elapsed());
        let after = meter.sample();
        run.cpu = Some(CpuUse {
            server: Duration::ZERO,
            client: after.client.saturating_sub(before.client),
        });
        println!(
            "{}",
            run.line(&format!("store commits, {writers} writer(s)"))
        );
        runs.push(run);
    }
    let many = runs.pop().ok_or_else(|| anyhow!("no run"))?;
    let one = runs.pop().ok_or_else(|| anyhow!("no run"))?;
    Ok(StoreCommits { one, many })
}

// ---------------------------------------------------------------------------------------------
// 1. Creates

struct Creates {
    one: Run,
    many_conns: Run,
    many_streams: Run,
    many_masters: Run,
}

/// Creates before the measured ones: the first requests pay for lazily built state and page
/// faults.
const WARM_UP_CREATES: usize = 400;

/// The namespace of the create runs.
const CREATE_NS: &str = "bench-create";

/// The warm-up, then ConfigMap creates from 1 client and from 64 clients on their own
/// connections, as `who`; the first client's connection is returned for more runs.
async fn creates_1_and_64(
    admin: &Arc<Endpoint>,
    sizes: &Sizes,
    meter: CpuMeter,
    who: &str,
) -> Result<(Conn, Run, Run)> {
    let ns = CREATE_NS;
    let first = admin.connect().await?;
    first.create_namespace(ns).await?;
    create_load(std::slice::from_ref(&first), 8, WARM_UP_CREATES, ns, "warm").await?;
    let one = meter
        .measure(create_load(
            std::slice::from_ref(&first),
            1,
            sizes.creates_1,
            ns,
            "one",
        ))
        .await?;
    println!("{}", one.line(&format!("1 client{who}")));
    let conns = admin.connections(64).await?;
    let many = meter
        .measure(create_load(&conns, 64, sizes.creates_64, ns, "conns"))
        .await?;
    println!("{}", many.line(&format!("64 clients, 64 connections{who}")));
    Ok((first, one, many))
}

async fn creates(
    admin: &Arc<Endpoint>,
    masters: &Arc<Endpoint>,
    sizes: &Sizes,
    meter: CpuMeter,
) -> Result<Creates> {
    let ns = CREATE_NS;
    let (first, one, many_conns) = creates_1_and_64(admin, sizes, meter, " (kcp-admin)").await?;

    let many_streams = meter
        .measure(create_load(
            std::slice::from_ref(&first),
            64,
            sizes.creates_64,
            ns,
            "streams",
        ))
        .await?;
    println!(
        "{}",
        many_streams.line("64 clients, 64 streams on 1 connection")
    );

    let conns = masters.connections(64).await?;
    let many_masters = meter
        .measure(create_load(&conns, 64, sizes.creates_64, ns, "masters"))
        .await?;
    println!(
        "{}",
        many_masters.line("64 clients, 64 connections (system:masters)")
    );
    Ok(Creates {
        one,
        many_conns,
        many_streams,
        many_masters,
    })
}

// ---------------------------------------------------------------------------------------------
// 2. List

struct ListFigures {
    run: Run,
    bytes: usize,
}

async fn list(admin: &Arc<Endpoint>, sizes: &Sizes, meter: CpuMeter) -> Result<ListFigures> {
    let ns = "bench-list";
    let conns = admin.connections(64).await?;
    conns[0].create_namespace(ns).await?;
    let fill = meter
        .measure(create_load(&conns, 64, sizes.list_objects, ns, "item"))
        .await?;
    println!(
        "{}",
        fill.line(&format!(
            "fill: {} creates, 64 clients",
            fill.latencies.len()
        ))
    );
    drop(conns);

    let conn = admin.connect().await?;
    let path = format!("/api/v1/namespaces/{ns}/configmaps");
    // Check the answer once (outside the timed lists), then warm up.
    let (status, body) = conn.call(Method::GET, &path, None).await?;
    ensure!(status == StatusCode::OK, "list: {status}");
    let listed: Value = serde_json::from_slice(&body)?;
    let items = listed["items"].as_array().map_or(0, Vec::len);
    ensure!(
        items == sizes.list_objects,
        "the list has {items} items, expected {}",
        sizes.list_objects
    );

    let lists = async {
        let mut latencies = Vec::with_capacity(sizes.lists);
        let started = Instant::now();
        for _ in 0..sizes.lists {
            let t = Instant::now();
            let (status, _) = conn.call(Method::GET, &path, None).await?;
            latencies.push(t.elapsed());
            ensure!(status == StatusCode::OK, "list: {status}");
        }
        Ok(Run::new(latencies, started.elapsed()))
    };
    let run = meter.measure(lists).await?;
    let bytes = body.len();
    println!(
        "{}",
        run.line(&format!(
            "list of {items} ConfigMaps ({:.1} MB)",
            bytes as f64 / 1e6
        ))
    );
    Ok(ListFigures { run, bytes })
}

// ---------------------------------------------------------------------------------------------
// 3. Watch fan-out

/// What the watchers saw, per write: how many got its event and when the last one did.
struct Arrivals {
    watchers: usize,
    seen: Vec<AtomicUsize>,
    last: Vec<std::sync::Mutex<Option<Instant>>>,
    all_seen: Notify,
}

impl Arrivals {
    fn record(&self, write: usize) {
        let now = Instant::now();
        let (Some(seen), Some(last)) = (self.seen.get(write), self.last.get(write)) else {
            return;
        };
        if let Ok(mut last) = last.lock() {
            *last = Some(last.map_or(now, |l| l.max(now)));
        }
        if seen.fetch_add(1, Ordering::SeqCst) + 1 == self.watchers {
            self.all_seen.notify_waiters();
        }
    }

    /// Waits until every watcher has seen write `i`; the time the last one did.
    async fn wait_all(&self, i: usize, timeout: Duration) -> Result<Instant> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.all_seen.notified();
            let seen = self.seen[i].load(Ordering::SeqCst);
            if seen >= self.watchers {
                break;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                bail!(
                    "only {seen} of {} watchers saw write {i} within {timeout:?}",
                    self.watchers
                );
            }
        }
        let last = self.last[i].lock().map_err(|_| anyhow!("poisoned"))?;
        last.ok_or_else(|| anyhow!("no arrival recorded"))
    }
}

struct FanOut {
    /// From the write's response to the last watcher's event (zero when the events were all
    /// there before the response).
    after_response: Vec<Duration>,
    /// From sending the write to the last watcher's event.
    after_request: Vec<Duration>,
    /// CPU time per write, its fan-out included (10 ms ticks: coarse for few writes).
    cpu_per_write: CpuUse,
}

async fn fan_out(admin: &Arc<Endpoint>, sizes: &Sizes, meter: CpuMeter) -> Result<FanOut> {
    let ns = "bench-watch";
    let writer = admin.connect().await?;
    writer.create_namespace(ns).await?;
    let path = format!("/api/v1/namespaces/{ns}/configmaps");
    let (status, body) = writer.call(Method::GET, &path, None).await?;
    ensure!(status == StatusCode::OK, "list: {status}");
    let listed: Value = serde_json::from_slice(&body)?;
    let rv = listed["metadata"]["resourceVersion"]
        .as_str()
        .ok_or_else(|| anyhow!("the list has no resourceVersion"))?
        .to_string();

    let arrivals = Arc::new(Arrivals {
        watchers: sizes.watchers,
        seen: (0..sizes.watch_writes)
            .map(|_| AtomicUsize::new(0))
            .collect(),
        last: (0..sizes.watch_writes)
            .map(|_| std::sync::Mutex::new(None))
            .collect(),
        all_seen: Notify::new(),
    });
    let conns = admin
        .connections(sizes.watchers.div_ceil(WATCHERS_PER_CONNECTION))
        .await?;
    let watch_path = format!("{path}?watch=true&resourceVersion={rv}");
    let started = Instant::now();
    // Open every watch (the response head comes once the server has subscribed), then read them.
    let mut opening = Vec::with_capacity(sizes.watchers);
    for w in 0..sizes.watchers {
        let conn = conns[w / WATCHERS_PER_CONNECTION].clone();
        let watch_path = watch_path.clone();
        opening.push(tokio::spawn(async move {
            conn.send(Method::GET, &watch_path, None).await
        }));
    }
    let mut readers = Vec::with_capacity(sizes.watchers);
    for o in opening {
        let resp = o.await??;
        ensure!(resp.status() == StatusCode::OK, "watch: {}", resp.status());
        let arrivals = Arc::clone(&arrivals);
        readers.push(AbortOnDrop(tokio::spawn(read_watch(
            resp.into_body(),
            arrivals,
        ))));
    }
    println!(
        "{} watches open on {} connections in {}",
        sizes.watchers,
        conns.len(),
        ms(started.elapsed())
    );

    let mut fan = FanOut {
        after_response: Vec::new(),
        after_request: Vec::new(),
        cpu_per_write: CpuUse::default(),
    };
    let before = meter.sample();
    for i in 0..sizes.watch_writes {
        let sent = Instant::now();
        writer.create_configmap(ns, &format!("fan-{i:06}")).await?;
        let answered = Instant::now();
        let last = arrivals.wait_all(i, Duration::from_secs(30)).await?;
        fan.after_response
            .push(last.saturating_duration_since(answered));
        fan.after_request.push(last.saturating_duration_since(sent));
    }
    let after = meter.sample();
    let writes = u32::try_from(sizes.watch_writes.max(1)).unwrap_or(u32::MAX);
    fan.cpu_per_write = CpuUse {
        server: after.server.saturating_sub(before.server) / writes,
        client: after.client.saturating_sub(before.client) / writes,
    };
    fan.after_response.sort_unstable();
    fan.after_request.sort_unstable();
    println!(
        "{} writes to {} watchers: last watcher after the response p50 {} p99 {}; after the request p50 {} p99 {}",
        sizes.watch_writes,
        sizes.watchers,
        ms(percentile(&fan.after_response, 0.5)),
        ms(percentile(&fan.after_response, 0.99)),
        ms(percentile(&fan.after_request, 0.5)),
        ms(percentile(&fan.after_request, 0.99)),
    );
    println!(
        "CPU per write and its fan-out: server {}, bench {}",
        ms(fan.cpu_per_write.server),
        ms(fan.cpu_per_write.client)
    );
    drop(readers);
    drop(conns);
    Ok(fan)
}

/// Reads one watch's events and records which write each one is for.
async fn read_watch(mut body: Incoming, arrivals: Arc<Arrivals>) {
    let mut buf: Vec<u8> = Vec::new();
    while let Some(Ok(frame)) = body.frame().await {
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buf.extend_from_slice(&data);
        while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
            if let Some(i) = write_index(&buf[..nl]) {
                arrivals.record(i);
            }
            buf.drain(..=nl);
        }
    }
}

/// The write an event line is for: the number in `"name":"fan-NNNNNN"`.
fn write_index(line: &[u8]) -> Option<usize> {
    const NEEDLE: &[u8] = b"\"name\":\"fan-";
    let at = line.windows(NEEDLE.len()).position(|w| w == NEEDLE)? + NEEDLE.len();
    let digits = line[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&line[at..at + digits])
        .ok()?
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------------
// 4. CRDs

struct CrdFigures {
    count: usize,
    /// Per run: from the first apply sent to the last one answered.
    applied: Vec<Duration>,
    /// Per run: from the first apply sent to the last CRD seen Established by a watch.
    established: Vec<Duration>,
    /// The JSON size of both created objects.
    body_bytes: usize,
    prometheus: Run,
    configmap: Run,
}

/// The prometheus-operator CRDs of the test data: `(name, JSON body)`.
fn prometheus_operator_crds() -> Result<Vec<(String, Bytes)>> {
    let dir = e2e::testdata("crds/prometheus-operator");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {dir:?}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).with_context(|| format!("reading {f:?}"))?;
            let crd: Value =
                serde_saphyr::from_str(&text).with_context(|| format!("parsing {f:?}"))?;
            let name = crd["metadata"]["name"]
                .as_str()
                .ok_or_else(|| anyhow!("{f:?} has no name"))?
                .to_string();
            Ok((name, Bytes::from(serde_json::to_vec(&crd)?)))
        })
        .collect()
}

/// A `Prometheus` as a platform team would write one: replicas, retention, selectors,
/// resources, storage, security context, alerting, external labels, a toleration.
fn prometheus(name: &str) -> Bytes {
    let obj = serde_json::json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "Prometheus",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "prometheus", "team": "platform"}},
        "spec": {
            "replicas": 2,
            "version": "v3.5.0",
            "image": "quay.io/prometheus/prometheus:v3.5.0",
            "serviceAccountName": "prometheus",
            "retention": "15d",
            "retentionSize": "40GB",
            "scrapeInterval": "30s",
            "evaluationInterval": "30s",
            "logLevel": "info",
            "enableAdminAPI": false,
            "externalLabels": {"cluster": "eu-west-1-prod", "region": "eu-west-1"},
            "podMetadata": {"labels": {"app": "prometheus"}, "annotations": {"cluster-autoscaler.kubernetes.io/safe-to-evict": "true"}},
            "serviceMonitorSelector": {"matchLabels": {"release": "platform"}},
            "serviceMonitorNamespaceSelector": {"matchExpressions": [{"key": "monitoring", "operator": "In", "values": ["enabled", "true"]}]},
            "podMonitorSelector": {"matchLabels": {"release": "platform"}},
            "ruleSelector": {"matchLabels": {"role": "alert-rules"}},
            "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"memory": "4Gi"}},
            "securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "runAsGroup": 2000, "fsGroup": 2000},
            "storage": {"volumeClaimTemplate": {"spec": {
                "storageClassName": "gp3",
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "50Gi"}}
            }}},
            "alerting": {"alertmanagers": [{"namespace": "monitoring", "name": "alertmanager-operated", "port": "web", "apiVersion": "v2"}]},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "monitoring", "effect": "NoSchedule"}],
            "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                "weight": 100,
                "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "prometheus"}}}
            }]}},
            "additionalScrapeConfigs": {"name": "additional-scrape-configs", "key": "prometheus-additional.yaml"},
            "remoteWrite": [{"url": "https://metrics.example.com/api/v1/write", "queueConfig": {"maxSamplesPerSend": 2000, "capacity": 10000}}]
        }
    });
    Bytes::from(serde_json::to_vec(&obj).unwrap_or_default())
}

/// A ConfigMap whose JSON is exactly `size` bytes long (one padded value).
fn configmap_of_size(name: &str, size: usize) -> Bytes {
    let head = format!(
        r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}","labels":{{"app.kubernetes.io/name":"prometheus","team":"platform"}}}},"data":{{"prometheus.yaml":""#
    );
    let tail = r#""}}"#;
    let pad = size.saturating_sub(head.len() + tail.len());
    Bytes::from(format!("{head}{}{tail}", "x".repeat(pad)))
}

/// Applies every CRD (server-side apply, one after the other, as `kubectl apply --server-side`
/// does) while a watch waits for all of them to be Established.
async fn apply_crds(
    admin: &Arc<Endpoint>,
    crds: &[(String, Bytes)],
) -> Result<(Duration, Duration)> {
    let conn = admin.connect().await?;
    let watch = conn
        .send(
            Method::GET,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=true",
            None,
        )
        .await?;
    ensure!(
        watch.status() == StatusCode::OK,
        "watching CRDs: {}",
        watch.status()
    );
    let names: std::collections::HashSet<String> = crds.iter().map(|(n, _)| n.clone()).collect();
    let started = Instant::now();
    let established = tokio::spawn(wait_established(watch.into_body(), names));
    for (name, body) in crds {
        let path = format!(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}?fieldManager=kcp-bench&force=true"
        );
        let (status, answer) = conn.apply(&path, body.clone()).await?;
        ensure!(
            status.is_success(),
            "applying {name}: {status}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    let applied = started.elapsed();
    tokio::time::timeout(Duration::from_secs(300), established)
        .await
        .context("waiting for the CRDs to be Established")???;
    Ok((applied, started.elapsed()))
}

/// Reads a CRD watch until every named CRD has been seen with `Established: True`.
async fn wait_established(
    mut body: Incoming,
    mut waiting: std::collections::HashSet<String>,
) -> Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    while !waiting.is_empty() {
        let frame = body
            .frame()
            .await
            .ok_or_else(|| anyhow!("the CRD watch ended"))??;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buf.extend_from_slice(&data);
        while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
            let event: Value = serde_json::from_slice(&buf[..nl])?;
            buf.drain(..=nl);
            let crd = &event["object"];
            let established = crd["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Established" && c["status"] == "True");
            if established && let Some(name) = crd["metadata"]["name"].as_str() {
                waiting.remove(name);
            }
        }
    }
    Ok(())
}

async fn crds(sizes: &Sizes) -> Result<CrdFigures> {
    let set = prometheus_operator_crds()?;
    let mut applied = Vec::new();
    let mut established = Vec::new();
    let mut last = None;
    for run in 0..sizes.crd_runs {
        let kcp = tokio::task::spawn_blocking(e2e::Kcp::start).await?;
        let cfg = KubeConfig::read(&kcp.kubeconfig())?;
        let admin = Endpoint::new(&cfg, "root", "kcp-admin")?;
        let (a, e) = apply_crds(&admin, &set).await?;
        println!(
            "run {}: {} CRDs applied in {}, all Established after {}",
            run + 1,
            set.len(),
            ms(a),
            ms(e)
        );
        applied.push(a);
        established.push(e);
        last = Some((kcp, admin));
    }
    let (kcp, admin) = last.ok_or_else(|| anyhow!("no CRD run"))?;
    let meter = CpuMeter::of(kcp.pid());

    let ns = "bench-crs";
    let conns = admin.connections(64).await?;
    conns[0].create_namespace(ns).await?;
    let body_bytes = prometheus("p-000-000000").len();
    let sized: BodyFn = Arc::new(move |name: &str| configmap_of_size(name, body_bytes));
    let crs = format!("/apis/monitoring.coreos.com/v1/namespaces/{ns}/prometheuses");
    let cms = format!("/api/v1/namespaces/{ns}/configmaps");
    // Warm-up of both paths.
    create_load_of(&conns, 8, 400, &crs, "warm", Arc::new(prometheus)).await?;
    create_load_of(&conns, 8, 400, &cms, "warm", Arc::clone(&sized)).await?;
    let total = sizes.cr_creates_64;
    let prometheus = meter
        .measure(create_load_of(
            &conns,
            64,
            total,
            &crs,
            "p",
            Arc::new(prometheus),
        ))
        .await?;
    println!(
        "{}",
        prometheus.line(&format!("Prometheus ({body_bytes} B), 64 clients"))
    );
    let configmap = meter
        .measure(create_load_of(&conns, 64, total, &cms, "c", sized))
        .await?;
    println!(
        "{}",
        configmap.line(&format!("ConfigMap ({body_bytes} B), 64 clients"))
    );
    drop(conns);
    Ok(CrdFigures {
        count: set.len(),
        applied,
        established,
        body_bytes,
        prometheus,
        configmap,
    })
}

// ---------------------------------------------------------------------------------------------
// 5. Startup

struct Startup {
    fresh: Duration,
    empty: Vec<Duration>,
    loaded: Vec<Duration>,
    fill_rate: f64,
    rss_kib: u64,
    store_bytes: u64,
    /// The parts of a start that grow with the store, timed in this process.
    cache_load: CacheLoad,
}

/// A `kcp start` of our own (the harness's start waits through kubectl, too coarse to time),
/// on a fixed port so that readiness can be polled from the moment the process starts.
struct Server {
    child: tokio::process::Child,
    dir: PathBuf,
}

impl Server {
    /// Starts kcp on `dir` (with `extra` arguments) and returns it with the time from spawn to
    /// `/readyz` 200.
    async fn start(dir: &Path, port: u16, extra: &[&str]) -> Result<(Self, Duration)> {
        let log = std::fs::File::create(dir.join("kcp.log"))?;
        let started = Instant::now();
        let child = tokio::process::Command::new(e2e::kcp_binary())
            .args([
                "start",
                "--bind-address",
                "127.0.0.1",
                "--secure-port",
                &port.to_string(),
                "--root-directory",
            ])
            .arg(dir)
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .context("starting kcp")?;
        let mut server = Self {
            child,
            dir: dir.to_path_buf(),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = started + Duration::from_secs(600);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("kcp exited early ({status}): {}", server.log());
            }
            ensure!(
                Instant::now() < deadline,
                "kcp not ready after 600 s: {}",
                server.log()
            );
            // The CA is in the kubeconfig of a previous start, or of this one once it is written.
            if let Ok(cfg) = KubeConfig::read(&dir.join("admin.kubeconfig"))
                && readyz(addr, &cfg.ca_pem).await
            {
                return Ok((server, started.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("kcp.log")).unwrap_or_default()
    }

    fn rss_kib(&self) -> u64 {
        self.child.id().map_or(0, |pid| rss_kib(&pid.to_string()))
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 60 s).
    async fn stop(mut self) -> Result<()> {
        if let Some(pid) = self.child.id() {
            tokio::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await?;
        }
        if tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .is_err()
        {
            self.child.kill().await?;
        }
        Ok(())
    }
}

/// Whether `/readyz` answers 200 (one fresh connection, as a prober makes).
async fn readyz(addr: SocketAddr, ca_pem: &[u8]) -> bool {
    let attempt = async {
        let endpoint = Arc::new(Endpoint {
            addr,
            authority: addr.to_string(),
            base: String::new(),
            bearer: String::new(),
            tls: tls_connector(ca_pem)?,
        });
        let conn = endpoint.connect().await?;
        let (status, _) = conn.call(Method::GET, "/readyz", None).await?;
        Ok::<_, anyhow::Error>(status == StatusCode::OK)
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(5), attempt).await,
        Ok(Ok(true))
    )
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

async fn startup(sizes: &Sizes) -> Result<Startup> {
    let dir = tempfile::tempdir()?;
    let port = free_port()?;

    let (server, fresh) = Server::start(dir.path(), port, &[]).await?;
    println!("first start (new root directory): {}", ms(fresh));
    server.stop().await?;

    let mut empty = Vec::new();
    for _ in 0..sizes.startup_runs {
        let (server, t) = Server::start(dir.path(), port, &[]).await?;
        println!("restart, empty store: {}", ms(t));
        empty.push(t);
        server.stop().await?;
    }

    // Fill the store through the API, 64 concurrent clients.
    let (server, _) = Server::start(dir.path(), port, &[]).await?;
    let cfg = KubeConfig::read(&dir.path().join("admin.kubeconfig"))?;
    let admin = Endpoint::new(&cfg, "root", "kcp-admin")?;
    let conns = admin.connections(64).await?;
    let per_ns = sizes.startup_objects / STARTUP_NAMESPACES;
    let meter = CpuMeter::of(server.child.id());
    let started = Instant::now();
    let mut created = 0;
    for n in 0..STARTUP_NAMESPACES {
        let ns = format!("bench-startup-{n:02}");
        conns[0].create_namespace(&ns).await?;
        // One line per batch shows whether creates slow down as the store grows.
        let batch = meter
            .measure(create_load(&conns, 64, per_ns, &ns, "obj"))
            .await?;
        created += batch.latencies.len();
        println!(
            "{}",
            batch.line(&format!("  fill {ns} (store: {created} objects)"))
        );
    }
    let fill_rate = created as f64 / started.elapsed().as_secs_f64();
    println!(
        "filled {created} ConfigMaps in {} ({fill_rate:.0}/s)",
        secs(started.elapsed())
    );
    drop(conns);
    server.stop().await?;
    let store_path = dir.path().join("store.redb");
    let store_bytes = std::fs::metadata(&store_path).map_or(0, |m| m.len());

    let mut loaded = Vec::new();
    let mut rss_kib = 0;
    for _ in 0..sizes.startup_runs {
        let (server, t) = Server::start(dir.path(), port, &[]).await?;
        rss_kib = server.rss_kib();
        println!(
            "restart, {created} objects: {} (RSS {} MiB)",
            ms(t),
            rss_kib / 1024
        );
        loaded.push(t);
        // Check that the restarted server serves what was stored.
        let cfg = KubeConfig::read(&dir.path().join("admin.kubeconfig"))?;
        let conn = Endpoint::new(&cfg, "root", "kcp-admin")?.connect().await?;
        let (status, body) = conn
            .call(
                Method::GET,
                "/api/v1/namespaces/bench-startup-00/configmaps",
                None,
            )
            .await?;
        ensure!(status == StatusCode::OK, "list after restart: {status}");
        let listed: Value = serde_json::from_slice(&body)?;
        let items = listed["items"].as_array().map_or(0, Vec::len);
        ensure!(
            items == per_ns,
            "after restart the namespace has {items} items, expected {per_ns}"
        );
        drop(conn);
        server.stop().await?;
    }
    // Last: the store stays open (locked) until this process ends.
    let cache_load = time_cache_load(&store_path).await?;
    Ok(Startup {
        fresh,
        empty,
        loaded,
        fill_rate,
        rss_kib,
        store_bytes,
        cache_load,
    })
}

/// The parts of a start that grow with the store, timed in this process: opening the store
/// file, listing the whole key space, and the server's watch cache load (`Storage::start`: the
/// same list, then every object parsed and rendered into the cache).
struct CacheLoad {
    open: Duration,
    list: Duration,
    cache: Duration,
}

/// Times the store's open and list and the cache load on what the server stored. The store
/// stays open (its file locked) until this process ends, so this runs last.
async fn time_cache_load(path: &Path) -> Result<CacheLoad> {
    let rss_before = rss_kib("self");
    let started = Instant::now();
    let store = Arc::new(EmbeddedStore::open(path)?);
    let open = started.elapsed();
    let started = Instant::now();
    let listed = store
        .list("/registry/", kcp_store::ListOptions::default())
        .await?;
    let list = started.elapsed();
    let keys = listed.items.len();
    drop(listed);
    let rss_listed = rss_kib("self");
    let started = Instant::now();
    let storage = kcp_server::storage::Storage::start(store, true)
        .await
        .map_err(|e| anyhow!("loading the watch cache: {e}"))?;
    let cache = started.elapsed();
    let rss_cached = rss_kib("self");
    drop(storage);
    println!(
        "in-process: store open {}, list of all {keys} keys {}, watch cache load (list + render) {}",
        ms(open),
        ms(list),
        ms(cache)
    );
    // What stays resident: the store's page cache after a full list (the listed values are
    // dropped by then), then the watch cache on top of it.
    println!(
        "in-process RSS growth: {} MiB after the store list, {} MiB more after the cache load",
        rss_listed.saturating_sub(rss_before) / 1024,
        rss_cached.saturating_sub(rss_listed) / 1024
    );
    Ok(CacheLoad { open, list, cache })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&d, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&d, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&d[..1], 0.99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn write_index_reads_the_object_name() {
        let line = br#"{"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"fan-000042","namespace":"w"}}}"#;
        assert_eq!(write_index(line), Some(42));
        assert_eq!(write_index(br#"{"type":"BOOKMARK"}"#), None);
    }
}
