//! `kcp-bench-workspaces`: the workspace benchmarks of issue #4 against the real `kcp` binary.
//!
//! ```text
//! cargo build --release -p kcp-server --bin kcp -p e2e
//! KCP_BIN=target/release/kcp target/release/kcp-bench-workspaces [--quick] [--count N]
//! ```
//!
//! It creates N workspaces (10,000; 500 with `--quick`) flat under root, then N as a tree under
//! one top workspace (branching 7, filled breadth first, each workspace's children created once
//! it is Ready), with 64 concurrent clients (kube-rs, the admin kubeconfig) in a closed loop: the
//! sustained creations per second. Then both again with the creates sent at 500/s, the target
//! rate, whatever the answers' latency. For every run it times each workspace from its create
//! request to its Ready phase (seen on one wildcard watch of all workspaces). It also prints the
//! server's resident memory per empty workspace, the time to delete the whole tree from its top,
//! and the number of metric series at `/metrics` before and after.

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
/// The creates per second of the paced runs: the issue's target rate.
const PACE: f64 = 500.0;

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

use e2e::bench::{client, percentile, rss_kib};

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

/// Takes the next workspace to create, recording when its create is sent; `None` when there is
/// none yet (in a tree, until a parent is Ready).
fn next_create(shared: &Shared) -> Option<(String, String)> {
    let mut t = shared.lock();
    let (parent, name) = t.todo.pop_front()?;
    t.sent
        .insert(name.clone(), (parent.clone(), Instant::now()));
    Some((parent, name))
}

type Worker = tokio::task::JoinHandle<Result<()>>;

/// `CLIENTS` clients, each sending its next create as soon as the last one is answered.
fn closed_loop(client: &Client, shared: &Arc<Shared>) -> Vec<Worker> {
    (0..CLIENTS)
        .map(|_| {
            let (client, shared) = (client.clone(), shared.clone());
            tokio::spawn(async move {
                loop {
                    let notified = shared.changed.notified();
                    if shared.lock().done {
                        return Ok(());
                    }
                    match next_create(&shared) {
                        Some((parent, name)) => create(&client, &parent, &name).await?,
                        None => {
                            let _ =
                                tokio::time::timeout(Duration::from_millis(100), notified).await;
                        }
                    }
                }
            })
        })
        .collect()
}

/// Creates sent at a fixed rate, each on its own task, whatever the answers' latency: the time
/// to Ready at a given load rather than at saturation.
async fn open_loop(client: Client, shared: Arc<Shared>, rate: f64) -> Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sends = tokio::task::JoinSet::new();
    loop {
        tick.tick().await;
        let notified = shared.changed.notified();
        if shared.lock().done {
            break;
        }
        match next_create(&shared) {
            Some((parent, name)) => {
                let client = client.clone();
                sends.spawn(async move { create(&client, &parent, &name).await });
            }
            None => {
                let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
            }
        }
        while let Some(done) = sends.try_join_next() {
            done??;
        }
    }
    while let Some(done) = sends.join_next().await {
        done??;
    }
    Ok(())
}

/// Creates `count` workspaces: flat under `root`, or as a tree under `root:<top>`; from
/// `CLIENTS` clients in a closed loop, or at `pace` creates per second.
async fn fill(
    client: &Client,
    prefix: &str,
    count: usize,
    top: Option<&str>,
    pace: Option<f64>,
) -> Result<Figures> {
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
    let workers = match pace {
        None => closed_loop(client, &shared),
        Some(rate) => vec![tokio::spawn(open_loop(
            client.clone(),
            shared.clone(),
            rate,
        ))],
    };
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

/// Creates a workspace under root and waits until it is Ready.
async fn create_top(client: &Client, name: &str) -> Result<()> {
    create(client, "root", name).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let path = format!("/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/{name}");
    loop {
        let ws: Value = client
            .request(http::Request::get(&path).body(Vec::new())?)
            .await?;
        if ws["status"]["phase"] == "Ready" {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "workspace {name} is not Ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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

    let flat = fill(&client, "flat-", count, None, None).await?;
    println!("{}", flat.line("flat under root"));
    let rss_flat = rss_kib(pid);
    let per_workspace = (rss_flat.saturating_sub(rss_before)) as f64 * 1024.0 / count as f64;
    println!(
        "resident memory: {} MiB before, {} MiB with {count} workspaces: {:.1} KiB per workspace",
        rss_before / 1024,
        rss_flat / 1024,
        per_workspace / 1024.0
    );

    create_top(&client, "tree").await?;
    let tree = fill(&client, "t", count, Some("tree"), None).await?;
    println!("{}", tree.line("tree (branching 7)"));
    let paced_flat = fill(&client, "paced-", count, None, Some(PACE)).await?;
    println!("{}", paced_flat.line(&format!("flat, {PACE}/s sent")));
    create_top(&client, "paced-tree").await?;
    let paced_tree = fill(&client, "pt", count, Some("paced-tree"), Some(PACE)).await?;
    println!("{}", paced_tree.line(&format!("tree, {PACE}/s sent")));
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
        4 * count + 2
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
            format!("create → Ready at {PACE}/s, flat, p50 / p99"),
            format!(
                "{:.1} / {:.1} ms",
                p(&paced_flat, 0.5),
                p(&paced_flat, 0.99)
            ),
            "p99 < 100 ms",
        ),
        (
            format!("create → Ready at {PACE}/s, tree, p50 / p99"),
            format!(
                "{:.1} / {:.1} ms",
                p(&paced_tree, 0.5),
                p(&paced_tree, 0.99)
            ),
            "p99 < 100 ms",
        ),
        (
            format!("create → Ready, {CLIENTS} clients, flat, p50 / p99"),
            format!("{:.1} / {:.1} ms", p(&flat, 0.5), p(&flat, 0.99)),
            "p99 < 100 ms (saturated)",
        ),
        (
            format!("create → Ready, {CLIENTS} clients, tree, p50 / p99"),
            format!("{:.1} / {:.1} ms", p(&tree, 0.5), p(&tree, 0.99)),
            "p99 < 100 ms (saturated)",
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
