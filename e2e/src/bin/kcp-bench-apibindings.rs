//! `kcp-bench-apibindings`: the APIBinding benchmarks of issue #10 against the real `kcp` binary.
//!
//! ```text
//! cargo build --release -p kcp-server --bin kcp -p e2e
//! KCP_BIN=target/release/kcp target/release/kcp-bench-apibindings [--quick] [--count N]
//! ```
//!
//! A provider workspace exports the cowboys of kcp's e2e tests; N consumer workspaces (1,000;
//! 200 with `--quick`) are made, then each binds the export, 64 clients at a time: the time
//! from each APIBinding's POST to its `Ready=True` seen on one wildcard watch of all bindings
//! (p50/p99), and the server's resident memory per binding (after the binds, less before). Last,
//! cowboys are created by 64 clients through a binding and, for comparison, in a workspace where
//! they are a local CRD of the same schema: the ratio of the two rates.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, ensure};
use e2e::bench::{
    CLIENTS, SETTLE, bind, client, cowboy, get, percentile, provide, rss_kib, schema, send,
    workspaces,
};
use futures::{StreamExt, TryStreamExt};
use kube::Client;
use serde_json::{Value, json};

/// The workspace of the local CRD: `local`, or `$BENCH_LOCAL_WS` (consumer-0 to compare in
/// the same workspace).
fn local_ws() -> String {
    std::env::var("BENCH_LOCAL_WS").unwrap_or_else(|_| "local".into())
}

/// The concurrent binds: `CLIENTS`, or `$BENCH_BIND_CLIENTS` (to see one bind's own latency).
fn clients() -> usize {
    std::env::var("BENCH_BIND_CLIENTS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CLIENTS)
}

fn main() -> ExitCode {
    let mut count = 1_000;
    let mut creates = 40_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => {
                count = 200;
                creates = 2_000;
            }
            "--count" => count = args.next().and_then(|n| n.parse().ok()).unwrap_or(count),
            _ => {
                println!(
                    "usage: kcp-bench-apibindings [--quick] [--count N]   (KCP_BIN: the kcp binary)"
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
    match rt.block_on(run(count, creates)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kcp-bench-apibindings: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// When each binding was sent, and the POST → Ready times seen.
#[derive(Default)]
struct Binds {
    sent: HashMap<String, Instant>,
    ready: Vec<Duration>,
}

/// Follows every APIBinding on one wildcard watch; records the time to `Ready=True`.
async fn follow(client: Client, binds: Arc<Mutex<Binds>>) {
    let req = http::Request::get(
        "/clusters/*/apis/apis.kcp.io/v1alpha2/apibindings?watch=true&allowWatchBookmarks=false",
    )
    .body(Vec::new())
    .expect("watch request");
    let Ok(stream) = client.request_events::<Value>(req).await else {
        eprintln!("kcp-bench-apibindings: the wildcard watch failed");
        return;
    };
    let mut stream = std::pin::pin!(stream);
    while let Some(Ok(ev)) = stream.next().await {
        let obj = match ev {
            kube::api::WatchEvent::Added(o) | kube::api::WatchEvent::Modified(o) => o,
            _ => continue,
        };
        let ready = obj["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        });
        let Some(name) = obj["metadata"]["name"].as_str() else {
            continue;
        };
        if !ready {
            continue;
        }
        let mut b = binds.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sent) = b.sent.remove(name) {
            b.ready.push(sent.elapsed());
        }
    }
}

/// Creates `n` cowboys in `root:<ws>`, `CLIENTS` at a time: creates per second.
async fn cowboys(
    client: &Client,
    ws: &str,
    group: &str,
    plural: &str,
    n: usize,
    prefix: &str,
) -> Result<f64> {
    let path = format!("/clusters/root:{ws}/apis/{group}/v1alpha1/namespaces/default/{plural}");
    let started = Instant::now();
    futures::stream::iter((0..n).map(|i| {
        let body = cowboy(group, &format!("cowboy-{prefix}-{i}"), "ride the range");
        let path = path.clone();
        async move { send(client, "POST", &path, &body).await }
    }))
    .buffer_unordered(CLIENTS)
    .try_collect::<Vec<_>>()
    .await?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

async fn run(count: usize, creates: usize) -> Result<()> {
    let kcp = tokio::task::spawn_blocking(e2e::Kcp::start).await?;
    let pid = kcp.pid().ok_or_else(|| anyhow!("kcp is not running"))?;
    let client = client(&kcp).await?;
    println!(
        "kcp-bench-apibindings: {count} consumers, {CLIENTS} clients, binary {}",
        e2e::kcp_binary().display()
    );
    workspaces(&client, &["provider".to_string(), "local".to_string()]).await?;
    provide(&client, "today-cowboys").await?;
    let consumers: Vec<String> = (0..count).map(|i| format!("consumer-{i}")).collect();
    workspaces(&client, &consumers).await?;
    tokio::time::sleep(SETTLE).await;
    let rss_before = rss_kib(pid);

    let binds = Arc::new(Mutex::new(Binds::default()));
    tokio::spawn(follow(client.clone(), binds.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    futures::stream::iter(consumers.iter().enumerate().map(|(i, ws)| {
        let name = format!("cowboys-{i}");
        let binds = binds.clone();
        let client = &client;
        async move {
            binds
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .sent
                .insert(name.clone(), Instant::now());
            bind(client, ws, &name, "today-cowboys").await
        }
    }))
    .buffer_unordered(clients())
    .try_collect::<Vec<_>>()
    .await?;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let done = binds.lock().unwrap_or_else(|p| p.into_inner()).ready.len();
        if done >= count {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "only {done} of {count} bindings Ready"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    let mut ready = binds
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .ready
        .clone();
    ready.sort();
    tokio::time::sleep(SETTLE).await;
    let rss_after = rss_kib(pid);
    let per_binding = rss_after.saturating_sub(rss_before) as f64 / count as f64;
    println!(
        "{count} binds in {:.2} s ({:.0}/s); POST → Ready p50 {:.1} ms, p99 {:.1} ms",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        percentile(&ready, 0.5).as_secs_f64() * 1e3,
        percentile(&ready, 0.99).as_secs_f64() * 1e3,
    );
    println!(
        "resident memory: {} MiB before, {} MiB after: {per_binding:.1} KiB per binding",
        rss_before / 1024,
        rss_after / 1024
    );

    // Creates through a binding vs the same schema as a local CRD.
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "cowboys.local.wildwest.dev"},
        "spec": schema(("local.wildwest.dev", "cowboys"))});
    send(
        &client,
        "POST",
        &format!(
            "/clusters/root:{}/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            local_ws()
        ),
        &crd,
    )
    .await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(
        &client,
        &format!(
            "/clusters/root:{}/apis/local.wildwest.dev/v1alpha1/cowboys",
            local_ws()
        ),
    )
    .await
    .is_err()
    {
        ensure!(Instant::now() < deadline, "the local CRD is not served");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Rounds of each, alternating (the store grows as they run), and the median of each.
    let (mut local_rates, mut bound_rates) = (Vec::new(), Vec::new());
    for round in 0..8 {
        let n = creates / 8;
        let local = |prefix: String| {
            let client = client.clone();
            async move {
                cowboys(
                    &client,
                    &local_ws(),
                    "local.wildwest.dev",
                    "cowboys",
                    n,
                    &prefix,
                )
                .await
            }
        };
        let bound = |prefix: String| {
            let client = client.clone();
            async move { cowboys(&client, "consumer-0", "wildwest.dev", "cowboys", n, &prefix).await }
        };
        // `$BENCH_CREATES_ONLY=bound|local`: one kind only (to profile it).
        match std::env::var("BENCH_CREATES_ONLY").as_deref() {
            Ok("bound") => {
                bound_rates.push(bound(format!("b{round}")).await?);
                local_rates.push(1.0);
                continue;
            }
            Ok("local") => {
                local_rates.push(local(format!("l{round}")).await?);
                bound_rates.push(1.0);
                continue;
            }
            _ => {}
        }
        // Each goes first in turn: the second of a pair runs right after the first's burst.
        if round % 2 == 0 {
            local_rates.push(local(format!("l{round}")).await?);
            bound_rates.push(bound(format!("b{round}")).await?);
        } else {
            bound_rates.push(bound(format!("b{round}")).await?);
            local_rates.push(local(format!("l{round}")).await?);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (local, bound) = (median(&mut local_rates), median(&mut bound_rates));
    println!(
        "{creates} cowboys in 8 rounds, {CLIENTS} clients: {bound:.0}/s bound, {local:.0}/s as a local CRD (medians): ratio {:.2}",
        bound / local
    );

    println!("\n== summary");
    println!("{:<48} {:<24} target", "figure", "measured");
    let rows = [
        (
            format!("APIBinding POST → Ready, p50 / p99 ({count})"),
            format!(
                "{:.1} / {:.1} ms",
                percentile(&ready, 0.5).as_secs_f64() * 1e3,
                percentile(&ready, 0.99).as_secs_f64() * 1e3
            ),
            "p99 < 100 ms",
        ),
        (
            format!("resident memory per APIBinding ({count})"),
            format!("{per_binding:.1} KiB"),
            "< 32 KiB",
        ),
        (
            format!("bound vs local-CRD creates, {CLIENTS} clients"),
            format!("{:.2} ({bound:.0} / {local:.0} per s)", bound / local),
            ">= 0.9",
        ),
    ];
    for (what, measured, target) in rows {
        println!("{what:<48} {measured:<24} {target}");
    }
    drop(kcp);
    Ok(())
}
