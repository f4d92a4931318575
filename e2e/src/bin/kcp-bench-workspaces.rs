//! `kcp-bench-workspaces`: the workspace benchmarks of issue #4 against the real `kcp` binary.
//!
//! ```text
//! cargo build --release -p kcp-server --bin kcp -p e2e
//! KCP_BIN=target/release/kcp target/release/kcp-bench-workspaces [--quick] [--count N]
//! ```
//!
//! It creates N workspaces (10,000; 500 with `--quick`) flat under root, then N as a tree under
//! one top workspace (branching 7, filled breadth first, each workspace's children created once
//! it is Ready), with 64 concurrent clients (kube-rs, the admin kubeconfig). It prints the
//! sustained creations per second, the time from each create request to the workspace's Ready
//! (seen on one wildcard watch of all workspaces), the server's resident memory per empty
//! workspace, the time to delete the whole tree from its top, and the number of metric series at
//! `/metrics` before and after.

use std::collections::{HashMap, VecDeque};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use futures::StreamExt;
use kube::Client;
use serde_json::{Value, json};
use tokio::sync::Notify;

const CLIENTS: usize = 64;
const BRANCHING: usize = 7;

fn main() -> ExitCode {
    let mut count = 10_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => count = 500,
            "--count" => count = args.next().and_then(|n| n.parse().ok()).unwrap_or(count),
            _ => {
                println!(
                    "usage: kcp-bench-workspaces [--quick] [--count N]   (KCP_BIN: the kcp binary)"
                );
                return ExitCode::from(2);
            }
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(count)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kcp-bench-workspaces: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

async fn client(kcp: &e2e::Kcp) -> Result<Client> {
    let kubeconfig = kube::config::Kubeconfig::read_from(kcp.kubeconfig())?;
    let options = kube::config::KubeConfigOptions {
        context: Some("shard-base".into()),
        ..Default::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await?;
    config.read_timeout = Some(Duration::from_secs(600));
    Ok(Client::try_from(config)?)
}

/// Metric series at `/metrics` (lines that are not comments).
async fn metric_series(client: &Client) -> Result<usize> {
    let req = http::Request::get("/metrics").body(Vec::new())?;
    let text = client.request_text(req).await?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count())
}

/// What the run knows of each workspace it created.
#[derive(Default)]
struct Tracker {
    /// name → (path, when its create was sent).
    sent: HashMap<String, (String, Instant)>,
    /// Create-to-Ready times.
    ready: Vec<Duration>,
    /// Workspaces whose children are to be created: (parent path, name).
    todo: VecDeque<(String, String)>,
    /// Names handed out so far.
    issued: usize,
    done: bool,
}

struct Shared {
    tracker: Mutex<Tracker>,
    /// Woken when work is queued or a workspace becomes Ready.
    changed: Notify,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tracker> {
        match self.tracker.lock() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        }
    }
}

/// Follows every workspace on one wildcard watch (as `shard-admin`, a `system:masters` user:
/// wildcard requests are privileged) and records when each one is Ready; in tree
/// mode queues the children of each Ready workspace.
async fn follow(client: Client, shared: Arc<Shared>, prefix: String, tree: Option<usize>) {
    let req = http::Request::get(
        "/clusters/*/apis/tenancy.kcp.io/v1alpha1/workspaces?watch=true&allowWatchBookmarks=false",
    )
    .body(Vec::new())
    .expect("watch request");
    let stream = match client.request_events::<Value>(req).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kcp-bench-workspaces: the wildcard watch failed: {e}");
            return;
        }
    };
    let mut stream = std::pin::pin!(stream);
    while let Some(ev) = stream.next().await {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                eprintln!("kcp-bench-workspaces: the wildcard watch ended: {e}");
                return;
            }
        };
        let obj = match ev {
            kube::api::WatchEvent::Added(o) | kube::api::WatchEvent::Modified(o) => o,
            _ => continue,
        };
        if obj["status"]["phase"] != "Ready" {
            continue;
        }
        let Some(name) = obj["metadata"]["name"].as_str() else {
            continue;
        };
        if !name.starts_with(&prefix) {
            continue;
        }
        let mut t = shared.lock();
        let Some((path, sent)) = t.sent.remove(name) else {
            continue;
        };
        t.ready.push(sent.elapsed());
        if let Some(total) = tree {
            for _ in 0..BRANCHING {
                if t.issued >= total {
                    break;
                }
                t.issued += 1;
                let child = format!("{prefix}{}", t.issued);
                t.todo.push_back((format!("{path}:{name}"), child));
            }
        }
        drop(t);
        shared.changed.notify_waiters();
    }
}

async fn create(client: &Client, parent: &str, name: &str) -> Result<()> {
    let body = serde_json::to_vec(&json!({
        "apiVersion": "tenancy.kcp.io/v1alpha1",
        "kind": "Workspace",
        "metadata": {"name": name},
    }))?;
    let req = http::Request::post(format!(
        "/clusters/{parent}/apis/tenancy.kcp.io/v1alpha1/workspaces"
    ))
    .header("Content-Type", "application/json")
    .body(body)?;
    client
        .request::<Value>(req)
        .await
        .with_context(|| format!("creating workspace {parent}:{name}"))?;
    Ok(())
}

struct Figures {
    count: usize,
    elapsed: Duration,
    ready: Vec<Duration>,
}

impl Figures {
    fn line(&self, what: &str) -> String {
        format!(
            "{what:<28} {:>6} in {:>6.2} s = {:>7.0}/s   create→Ready p50 {:>7.2} ms  p99 {:>7.2} ms",
            self.count,
            self.elapsed.as_secs_f64(),
            self.count as f64 / self.elapsed.as_secs_f64(),
            percentile(&self.ready, 0.5).as_secs_f64() * 1e3,
            percentile(&self.ready, 0.99).as_secs_f64() * 1e3,
        )
    }
}

/// Creates `count` workspaces: flat under `root`, or as a tree under `root:<top>`.
async fn fill(client: &Client, prefix: &str, count: usize, top: Option<&str>) -> Result<Figures> {
    let shared = Arc::new(Shared {
        tracker: Mutex::new(Tracker::default()),
        changed: Notify::new(),
    });
    {
        let mut t = shared.lock();
        match top {
            None => {
                for i in 1..=count {
                    t.todo.push_back(("root".into(), format!("{prefix}{i}")));
                }
                t.issued = count;
            }
            Some(top) => {
                for i in 1..=BRANCHING.min(count) {
                    t.todo
                        .push_back((format!("root:{top}"), format!("{prefix}{i}")));
                }
                t.issued = BRANCHING.min(count);
            }
        }
    }
    let watcher = tokio::spawn(follow(
        client.clone(),
        shared.clone(),
        prefix.to_string(),
        top.map(|_| count),
    ));
    // Let the watch open before the first create.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        let (client, shared) = (client.clone(), shared.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let next = {
                    let notified = shared.changed.notified();
                    let mut t = shared.lock();
                    if t.done {
                        return Ok::<_, anyhow::Error>(());
                    }
                    match t.todo.pop_front() {
                        Some((parent, name)) => {
                            let path = parent.clone();
                            t.sent.insert(name.clone(), (path, Instant::now()));
                            Some((parent, name, None))
                        }
                        None => {
                            drop(t);
                            Some((String::new(), String::new(), Some(notified)))
                        }
                    }
                };
                match next {
                    Some((_, _, Some(notified))) => {
                        let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
                    }
                    Some((parent, name, None)) => create(&client, &parent, &name).await?,
                    None => return Ok(()),
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let notified = shared.changed.notified();
        if shared.lock().ready.len() >= count {
            break;
        }
        if Instant::now() >= deadline {
            let t = shared.lock();
            anyhow::bail!(
                "only {} of {count} workspaces Ready ({} queued, {} waiting for Ready)",
                t.ready.len(),
                t.todo.len(),
                t.sent.len()
            );
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), notified).await;
    }
    let elapsed = started.elapsed();
    shared.lock().done = true;
    shared.changed.notify_waiters();
    for w in workers {
        w.await??;
    }
    watcher.abort();
    let mut ready = std::mem::take(&mut shared.lock().ready);
    ready.sort_unstable();
    Ok(Figures {
        count,
        elapsed,
        ready,
    })
}

async fn run(count: usize) -> Result<()> {
    let kcp = tokio::task::spawn_blocking(e2e::Kcp::start).await?;
    let pid = kcp.pid().ok_or_else(|| anyhow!("kcp is not running"))?;
    let client = client(&kcp).await?;
    println!(
        "kcp-bench-workspaces: {} workspaces, {} clients, binary {}",
        count,
        CLIENTS,
        e2e::kcp_binary().display()
    );
    let series_before = metric_series(&client).await?;
    eprintln!("metric series: {series_before}");
    let rss_before = rss_kib(pid);

    let flat = fill(&client, "flat-", count, None).await?;
    println!("{}", flat.line("flat under root"));
    let rss_flat = rss_kib(pid);
    let per_workspace = (rss_flat.saturating_sub(rss_before)) as f64 * 1024.0 / count as f64;
    println!(
        "resident memory: {} MiB before, {} MiB with {count} workspaces: {:.1} KiB per workspace",
        rss_before / 1024,
        rss_flat / 1024,
        per_workspace / 1024.0
    );

    create(&client, "root", "tree").await?;
    let top_ready = Instant::now() + Duration::from_secs(30);
    loop {
        let req = http::Request::get("/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/tree")
            .body(Vec::new())?;
        let ws: Value = client.request(req).await?;
        if ws["status"]["phase"] == "Ready" {
            break;
        }
        ensure!(Instant::now() < top_ready, "the tree's top is not Ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let tree = fill(&client, "t", count, Some("tree")).await?;
    println!("{}", tree.line("tree (branching 7)"));
    let series_after = metric_series(&client).await?;

    let started = Instant::now();
    let req = http::Request::delete("/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/tree")
        .body(Vec::new())?;
    client.request::<Value>(req).await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let req = http::Request::get("/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/tree")
            .body(Vec::new())?;
        match client.request::<Value>(req).await {
            Err(kube::Error::Api(e)) if e.code == 404 => break,
            _ => {}
        }
        ensure!(Instant::now() < deadline, "the tree is still there");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deleted = started.elapsed();
    println!(
        "deleting the tree of {count} from its top: {:.2} s",
        deleted.as_secs_f64()
    );
    println!(
        "metric series: {series_before} with no workspace, {series_after} with {} workspaces",
        2 * count + 1
    );

    println!("\n== summary");
    println!("{:<44} {:<48} target", "figure", "measured");
    let rate = |f: &Figures| f.count as f64 / f.elapsed.as_secs_f64();
    let p = |f: &Figures, q| percentile(&f.ready, q).as_secs_f64() * 1e3;
    let rows = [
        (
            format!("workspaces created, flat ({count})"),
            format!("{:.0}/s", rate(&flat)),
            ">= 500/s",
        ),
        (
            format!("workspaces created, tree ({count})"),
            format!("{:.0}/s", rate(&tree)),
            ">= 500/s",
        ),
        (
            "create → Ready, flat, p50 / p99".into(),
            format!("{:.1} / {:.1} ms", p(&flat, 0.5), p(&flat, 0.99)),
            "p99 < 100 ms",
        ),
        (
            "create → Ready, tree, p50 / p99".into(),
            format!("{:.1} / {:.1} ms", p(&tree, 0.5), p(&tree, 0.99)),
            "p99 < 100 ms",
        ),
        (
            "resident memory per empty workspace".into(),
            format!("{:.1} KiB", per_workspace / 1024.0),
            "< 64 KiB",
        ),
        (
            "delete the tree from its top".into(),
            format!("{:.2} s", deleted.as_secs_f64()),
            "< 30 s",
        ),
        (
            "metric series, 0 / all workspaces".into(),
            format!("{series_before} / {series_after}"),
            "< 2,000, independent",
        ),
    ];
    for (what, measured, target) in rows {
        println!("{what:<44} {measured:<48} {target}");
    }
    drop(kcp);
    Ok(())
}
