//! `kcp-bench-vw`: the APIExport virtual workspace benchmarks of issue #11 against the real
//! `kcp` binary.
//!
//! ```text
//! cargo build --release -p kcp-server --bin kcp -p e2e --bin kcp-bench-vw
//! KCP_BIN=target/release/kcp target/release/kcp-bench-vw [--quick | --count N]
//! ```
//!
//! A provider workspace exports the cowboys of kcp's e2e tests; N consumer workspaces (1,000;
//! 100 with `--quick`) each bind the export (64 clients at a time) and get 10 cowboys, created
//! through their own `/clusters/<path>` URLs. Through the export's virtual workspace (the URL
//! of its endpoint slice), as the shard's admin:
//!
//! - 20 LISTs of `clusters/*` cowboys, every bound workspace's (body read, not decoded): p50/p99;
//! - one watch of `clusters/*` cowboys from the list's resourceVersion while cowboys are created
//!   or updated in random workspaces through their own URLs at a fixed 200/s: the time from each
//!   write's request, and from its response (zero when the event came first), to its event on
//!   the watch, p50/p99;
//! - the server's resident memory per bound workspace: before the consumers, once they exist,
//!   once they are bound (no cowboys yet), and with a wildcard watch open, each after the server
//!   was left alone for a while (jemalloc hands back freed pages late).

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use e2e::bench::{
    CLIENTS, SETTLE, bind, client, client_at, cowboy, get, percentile, provide, rss_kib, send,
    workspaces,
};
use futures::{StreamExt, TryStreamExt};
use kube::Client;
use kube::api::WatchEvent;
use serde_json::{Value, json};

const EXPORT: &str = "cowboys";
const PER_WORKSPACE: usize = 10;
const LISTS: usize = 20;
/// The writes per second of the watch-latency run: steady, well below what the server takes,
/// so that the figure is the watch path's and not a queue's.
const RATE: f64 = 200.0;
const COWBOYS: &str = "apis/wildwest.dev/v1alpha1";

fn main() -> ExitCode {
    let mut count = 1_000;
    let mut writes = 2_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => {
                count = 100;
                writes = 500;
            }
            "--count" => count = args.next().and_then(|n| n.parse().ok()).unwrap_or(count),
            _ => {
                println!("usage: kcp-bench-vw [--quick | --count N]   (KCP_BIN: the kcp binary)");
                return ExitCode::from(2);
            }
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(count, writes)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kcp-bench-vw: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Waits until every consumer's binding to the export is `Ready` (seen on a wildcard list).
async fn wait_bound(client: &Client, count: usize) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let list = get(client, "/clusters/*/apis/apis.kcp.io/v1alpha2/apibindings").await?;
        let ready = list["items"].as_array().map_or(0, |a| {
            a.iter()
                .filter(|b| b["metadata"]["name"] == EXPORT)
                .filter(|b| {
                    b["status"]["conditions"].as_array().is_some_and(|cs| {
                        cs.iter()
                            .any(|c| c["type"] == "Ready" && c["status"] == "True")
                    })
                })
                .count()
        });
        if ready >= count {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "only {ready} of {count} bindings Ready"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The virtual workspace's URL, from the export's endpoint slice.
async fn vw_url(client: &Client) -> Result<String> {
    let path = format!(
        "/clusters/root:provider/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/{EXPORT}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(slice) = get(client, &path).await
            && let Some(url) = slice["status"]["endpoints"][0]["url"].as_str()
        {
            return Ok(url.to_string());
        }
        ensure!(Instant::now() < deadline, "the endpoint slice has no URL");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A LIST of every bound workspace's cowboys; its body as text, undecoded.
async fn list_text(vw: &Client) -> Result<String> {
    let req = http::Request::get(format!("/clusters/*/{COWBOYS}/cowboys")).body(Vec::new())?;
    Ok(vw.request_text(req).await?)
}

/// Opens a watch of every bound workspace's cowboys from `rv`.
async fn watch(
    vw: &Client,
    rv: &str,
) -> Result<impl futures::Stream<Item = kube::Result<WatchEvent<Value>>> + use<>> {
    let req = http::Request::get(format!(
        "/clusters/*/{COWBOYS}/cowboys?watch=true&allowWatchBookmarks=false&resourceVersion={rv}"
    ))
    .body(Vec::new())?;
    Ok(vw.request_events::<Value>(req).await?)
}

/// A small deterministic random generator (xorshift64), to pick workspaces and objects.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Each timed write: when it was sent, answered, and seen on the watch.
#[derive(Default, Clone, Copy)]
struct Write {
    sent: Option<Instant>,
    answered: Option<Instant>,
    seen: Option<Instant>,
}

/// The write `seq`: a new cowboy (even) or a changed intent of an existing one (odd), in
/// `root:<ws>`; the intent `w-<seq>` names it on the watch.
async fn write(client: &Client, ws: &str, seq: usize, existing: usize) -> Result<()> {
    let intent = format!("w-{seq}");
    if seq.is_multiple_of(2) {
        let path = format!("/clusters/root:{ws}/{COWBOYS}/namespaces/default/cowboys");
        let body = cowboy("wildwest.dev", &intent, &intent);
        send(client, "POST", &path, &body).await?;
    } else {
        set_intent(client, ws, &format!("cowboy-{existing}"), &intent).await?;
    }
    Ok(())
}

/// Changes a cowboy's intent (a merge patch).
async fn set_intent(client: &Client, ws: &str, name: &str, intent: &str) -> Result<()> {
    let path = format!("/clusters/root:{ws}/{COWBOYS}/namespaces/default/cowboys/{name}");
    let req = http::Request::patch(&path)
        .header("Content-Type", "application/merge-patch+json")
        .body(serde_json::to_vec(&json!({"spec": {"intent": intent}}))?)?;
    client
        .request::<Value>(req)
        .await
        .with_context(|| format!("PATCH {path}"))?;
    Ok(())
}

/// Reads the watch: the time each write's event (by the intent it set) arrives.
async fn follow(
    stream: impl futures::Stream<Item = kube::Result<WatchEvent<Value>>>,
    writes: Arc<Mutex<Vec<Write>>>,
    warmed: Arc<tokio::sync::Notify>,
) {
    let mut stream = std::pin::pin!(stream);
    while let Some(ev) = stream.next().await {
        let now = Instant::now();
        let obj = match ev {
            Ok(WatchEvent::Added(o) | WatchEvent::Modified(o)) => o,
            Ok(WatchEvent::Error(e)) => {
                eprintln!("kcp-bench-vw: watch error: {e:?}");
                return;
            }
            Err(e) => {
                eprintln!("kcp-bench-vw: watch failed: {e}");
                return;
            }
            Ok(_) => continue,
        };
        let intent = obj["spec"]["intent"].as_str().unwrap_or_default();
        if intent == "warm-up" {
            warmed.notify_one();
        } else if let Some(seq) = intent.strip_prefix("w-").and_then(|s| s.parse().ok()) {
            let mut w = writes.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(w) = w.get_mut::<usize>(seq) {
                w.seen.get_or_insert(now);
            }
        }
    }
}

async fn run(count: usize, writes: usize) -> Result<()> {
    let kcp = tokio::task::spawn_blocking(e2e::Kcp::start).await?;
    let pid = kcp.pid().ok_or_else(|| anyhow!("kcp is not running"))?;
    let client = client(&kcp).await?;
    println!(
        "kcp-bench-vw: {count} consumers × {PER_WORKSPACE} cowboys, {CLIENTS} clients, binary {}; load {}",
        e2e::kcp_binary().display(),
        load_average()
    );
    workspaces(&client, &["provider".to_string()]).await?;
    provide(&client, EXPORT).await?;
    // The clients' connections open first: their buffers in the server are not the consumers'.
    futures::stream::iter((0..CLIENTS).map(|_| {
        get(
            &client,
            "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces",
        )
    }))
    .buffer_unordered(CLIENTS)
    .try_collect::<Vec<_>>()
    .await?;
    tokio::time::sleep(SETTLE).await;
    let rss_before = rss_kib(pid);

    // Setup: the consumers, bound.
    let consumers: Vec<String> = (0..count).map(|i| format!("consumer-{i}")).collect();
    let started = Instant::now();
    workspaces(&client, &consumers).await?;
    let made = started.elapsed();
    // Read apart too: how much of a bound workspace is the workspace, how much its binding.
    tokio::time::sleep(SETTLE).await;
    let rss_workspaces = rss_kib(pid);
    let started = Instant::now();
    futures::stream::iter(consumers.iter().map(|ws| bind(&client, ws, EXPORT, EXPORT)))
        .buffer_unordered(CLIENTS)
        .try_collect::<Vec<_>>()
        .await?;
    wait_bound(&client, count).await?;
    let bound = started.elapsed();
    let url = vw_url(&client).await?;
    println!(
        "{count} workspaces in {:.1} s, bound in {:.1} s ({:.0}/s); virtual workspace {url}",
        made.as_secs_f64(),
        bound.as_secs_f64(),
        count as f64 / bound.as_secs_f64()
    );
    let vw = client_at(&kcp, &url).await?;

    // Memory: bound, then with a wildcard watch open (no cowboys yet: the figure is the
    // workspaces' and bindings', not their objects').
    tokio::time::sleep(SETTLE).await;
    let rss_bound = rss_kib(pid);
    let list: Value = serde_json::from_str(&list_text(&vw).await?)?;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let idle = tokio::spawn(watch(&vw, &rv).await?.for_each(|_| async {}));
    tokio::time::sleep(SETTLE).await;
    let rss_watch = rss_kib(pid);
    idle.abort();
    let per_ws = |rss: u64| rss.saturating_sub(rss_before) as f64 / count as f64;
    println!(
        "resident memory: {} MiB before the consumers, {} MiB with the workspaces \
         ({:.1} KiB each), {} MiB bound ({:.1} KiB per bound workspace, {:.1} KiB of it the \
         binding), {} MiB with a wildcard watch open ({:.1} KiB per bound workspace)",
        rss_before / 1024,
        rss_workspaces / 1024,
        per_ws(rss_workspaces),
        rss_bound / 1024,
        per_ws(rss_bound),
        per_ws(rss_bound) - per_ws(rss_workspaces),
        rss_watch / 1024,
        per_ws(rss_watch)
    );

    // Setup: the cowboys, through each workspace's own URL.
    let total = count * PER_WORKSPACE;
    let started = Instant::now();
    futures::stream::iter((0..total).map(|i| {
        let path = format!(
            "/clusters/root:{}/{COWBOYS}/namespaces/default/cowboys",
            consumers[i % count]
        );
        let body = cowboy(
            "wildwest.dev",
            &format!("cowboy-{}", i / count),
            "ride the range",
        );
        let client = &client;
        async move { send(client, "POST", &path, &body).await }
    }))
    .buffer_unordered(CLIENTS)
    .try_collect::<Vec<_>>()
    .await?;
    let created = started.elapsed();
    println!(
        "{total} cowboys in {:.1} s ({:.0}/s), {CLIENTS} clients",
        created.as_secs_f64(),
        total as f64 / created.as_secs_f64()
    );

    // The list: everything once checked, then timed.
    let list: Value = serde_json::from_str(&list_text(&vw).await?)?;
    let items = list["items"].as_array().map_or(&[][..], Vec::as_slice);
    let clusters: BTreeSet<&str> = items
        .iter()
        .filter_map(|o| o["metadata"]["annotations"]["kcp.io/cluster"].as_str())
        .collect();
    ensure!(
        items.len() == total && clusters.len() == count,
        "the virtual workspace lists {} cowboys of {} workspaces, not {total} of {count}",
        items.len(),
        clusters.len()
    );
    let mut lists = Vec::with_capacity(LISTS);
    let mut bytes = 0;
    for _ in 0..LISTS {
        let t = Instant::now();
        bytes = list_text(&vw).await?.len();
        lists.push(t.elapsed());
    }
    lists.sort();
    let (list_p50, list_p99) = (percentile(&lists, 0.5), percentile(&lists, 0.99));
    println!(
        "LIST clusters/* cowboys ({total} objects, {:.1} MB) × {LISTS}: p50 {:.1} ms, p99 {:.1} ms",
        bytes as f64 / 1e6,
        ms(list_p50),
        ms(list_p99)
    );

    // The wildcard watch: writes at a fixed rate into random workspaces.
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let log = Arc::new(Mutex::new(vec![Write::default(); writes]));
    let warmed = Arc::new(tokio::sync::Notify::new());
    let follower = tokio::spawn(follow(watch(&vw, &rv).await?, log.clone(), warmed.clone()));
    // One write seen first: the watch is open and caught up before the clock starts.
    set_intent(&client, &consumers[0], "cowboy-0", "warm-up").await?;
    tokio::time::timeout(Duration::from_secs(30), warmed.notified())
        .await
        .context("the watch did not see the warm-up write")?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / RATE));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tasks = Vec::with_capacity(writes);
    let started = Instant::now();
    for seq in 0..writes {
        tick.tick().await;
        let ws = consumers[rng.below(count)].clone();
        let existing = rng.below(PER_WORKSPACE);
        let (client, log) = (client.clone(), log.clone());
        tasks.push(tokio::spawn(async move {
            log.lock().unwrap_or_else(|p| p.into_inner())[seq].sent = Some(Instant::now());
            write(&client, &ws, seq, existing).await?;
            log.lock().unwrap_or_else(|p| p.into_inner())[seq].answered = Some(Instant::now());
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let rate = writes as f64 / started.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(30);
    let missing = loop {
        let missing = log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|w| w.seen.is_none())
            .count();
        if missing == 0 || Instant::now() > deadline {
            break missing;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    follower.abort();
    ensure!(
        missing == 0,
        "the watch missed {missing} of {writes} writes"
    );
    let log = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let since = |from: fn(&Write) -> Option<Instant>| {
        let mut v: Vec<Duration> = log
            .iter()
            .filter_map(|w| Some(w.seen?.saturating_duration_since(from(w)?)))
            .collect();
        v.sort();
        (percentile(&v, 0.5), percentile(&v, 0.99))
    };
    let (sent_p50, sent_p99) = since(|w| w.sent);
    let (answered_p50, answered_p99) = since(|w| w.answered);
    let mut answers: Vec<Duration> = log
        .iter()
        .filter_map(|w| Some(w.answered?.duration_since(w.sent?)))
        .collect();
    answers.sort();
    println!(
        "wildcard watch, {writes} writes at {rate:.0}/s (half creates, half updates): \
         request → event p50 {:.1} ms, p99 {:.1} ms; response → event p50 {:.1} ms, p99 {:.1} ms \
         (the writes themselves: p50 {:.1} ms, p99 {:.1} ms)",
        ms(sent_p50),
        ms(sent_p99),
        ms(answered_p50),
        ms(answered_p99),
        ms(percentile(&answers, 0.5)),
        ms(percentile(&answers, 0.99)),
    );
    println!("load {}", load_average());

    println!("\n== summary");
    println!("{:<56} {:<32} target", "figure", "measured");
    let rows = [
        (
            format!("VW LIST clusters/* ({total} objects), p50 / p99"),
            format!("{:.1} / {:.1} ms", ms(list_p50), ms(list_p99)),
            "p50 < 100 ms",
        ),
        (
            "VW wildcard watch, write request → event, p50 / p99".to_string(),
            format!("{:.1} / {:.1} ms", ms(sent_p50), ms(sent_p99)),
            "p99 < 20 ms",
        ),
        (
            "VW wildcard watch, write response → event, p50 / p99".to_string(),
            format!("{:.1} / {:.1} ms", ms(answered_p50), ms(answered_p99)),
            "",
        ),
        (
            format!("resident memory per bound workspace ({count})"),
            format!(
                "{:.1} KiB ({:.1} + {:.1} binding)",
                per_ws(rss_bound),
                per_ws(rss_workspaces),
                per_ws(rss_bound) - per_ws(rss_workspaces)
            ),
            "",
        ),
        (
            "  … with a wildcard watch open through the VW".to_string(),
            format!("{:.1} KiB", per_ws(rss_watch)),
            "",
        ),
    ];
    for (what, measured, target) in rows {
        println!("{what:<56} {measured:<32} {target}");
    }
    drop(kcp);
    Ok(())
}
