//! Write throughput and latency of the store backends: creates of 1 KiB values, first from one
//! writer, then from 64 concurrent writers (where the embedded store's group commit shares one
//! fsync between many writes).
//!
//! ```text
//! cargo run --release -p kcp-store --example store_bench -- [--etcd URL] [--writes N] [--dir DIR]
//! ```
//!
//! `--dir` puts the embedded store's file in DIR (default: a temporary directory, which may be a
//! tmpfs on some machines; pass a directory on the real disk to measure real fsyncs).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kcp_store::{EmbeddedStore, EtcdStore, Store};

struct Args {
    etcd: Option<String>,
    writes: usize,
    dir: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        etcd: None,
        writes: 4096,
        dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--etcd" => args.etcd = Some(value()?),
            "--writes" => {
                args.writes = value()?.parse().map_err(|err| format!("--writes: {err}"))?;
            }
            "--dir" => args.dir = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = parse_args()?;
    let scratch = tempfile::tempdir().map_err(|err| err.to_string())?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| scratch.path().to_owned());
    let file = dir.join(format!("store-bench-{}.redb", std::process::id()));
    let embedded = EmbeddedStore::open(&file).map_err(|err| err.to_string())?;
    println!("embedded store ({})", file.display());
    run(Arc::new(embedded), &args, "/bench").await?;
    let _ = std::fs::remove_file(&file);

    if let Some(url) = &args.etcd {
        let etcd = EtcdStore::connect(std::slice::from_ref(url))
            .await
            .map_err(|err| err.to_string())?;
        println!("etcd ({url})");
        // A prefix of its own, so that repeated runs do not collide.
        let prefix = format!("/bench-{}", std::process::id());
        run(Arc::new(etcd), &args, &prefix).await?;
    }
    Ok(())
}

async fn run(store: Arc<dyn Store>, args: &Args, prefix: &str) -> Result<(), String> {
    for writers in [1, 64] {
        let figures = creates(&store, writers, args.writes, &format!("{prefix}/{writers}")).await?;
        println!(
            "  {writers:>2} writer(s): {:>7.0} creates/s  p50 {:>8.3} ms  p99 {:>8.3} ms  ({} creates of 1 KiB)",
            figures.per_second,
            ms(figures.p50),
            ms(figures.p99),
            args.writes
        );
    }
    Ok(())
}

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn creates(
    store: &Arc<dyn Store>,
    writers: usize,
    total: usize,
    prefix: &str,
) -> Result<Figures, String> {
    let value = Bytes::from(vec![b'x'; 1024]);
    let each = total.div_ceil(writers);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = Arc::clone(store);
        let value = value.clone();
        let prefix = prefix.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(each);
            for i in 0..each {
                let key = format!("{prefix}/{w:02}/{i:08}");
                let t = Instant::now();
                store
                    .create(&key, value.clone())
                    .await
                    .map_err(|err| err.to_string())?;
                latencies.push(t.elapsed());
            }
            Ok::<_, String>(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(each * writers);
    for task in tasks {
        latencies.extend(task.await.map_err(|err| err.to_string())??);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(i).copied().unwrap_or_default()
    };
    Ok(Figures {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
