//! An acknowledged write to the embedded store survives `kill -9`.
//!
//! The test re-runs its own binary as a child (selected by an environment variable) that writes
//! from many tasks at once and prints every acknowledged key. The parent SIGKILLs the child in
//! the middle of that, reopens the file, and checks that every acknowledged key is there at the
//! revision it was acknowledged with, that the history has no hole, and that new writes continue
//! after the highest revision.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use kcp_store::{EmbeddedStore, Revision, Store};

/// Set (to the store's path) in the child process.
const CHILD_ENV: &str = "KCP_STORE_DURABILITY_CHILD";
const WRITERS: usize = 16;
/// The parent kills the child once it has seen this many acknowledgements.
const KILL_AFTER: usize = 400;

#[test]
fn embedded_writes_survive_kill_9() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        write_until_killed(Path::new(&path));
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("temp dir: {err}"));
    let path = dir.path().join("store.redb");
    let exe = std::env::current_exe().unwrap_or_else(|err| panic!("current exe: {err}"));
    let mut child = Command::new(exe)
        .args(["embedded_writes_survive_kill_9", "--exact", "--nocapture"])
        .env(CHILD_ENV, &path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|err| panic!("spawn the writer: {err}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));

    // Read acknowledgements on a thread so that the deadline below holds even if the child hangs.
    let (lines, acks_rx) = std::sync::mpsc::channel::<(String, Revision)>();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                // A line cut by the kill has no newline: it was never a complete acknowledgement.
                Ok(_) if line.last() != Some(&b'\n') => break,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let mut words = text.split_whitespace();
            if words.next() != Some("ack") {
                continue;
            }
            if let (Some(key), Some(Ok(rev))) = (words.next(), words.next().map(str::parse))
                && lines.send((key.to_owned(), rev)).is_err()
            {
                break;
            }
        }
    });

    let deadline = Instant::now() + Duration::from_secs(60);
    let mut acks = Vec::new();
    while acks.len() < KILL_AFTER {
        let left = deadline.saturating_duration_since(Instant::now());
        match acks_rx.recv_timeout(left) {
            Ok(ack) => acks.push(ack),
            Err(err) => {
                let _ = child.kill();
                panic!("only {} acknowledgements before {err}", acks.len());
            }
        }
    }
    // SIGKILL, mid-write: the writers are still going.
    child
        .kill()
        .unwrap_or_else(|err| panic!("kill the writer: {err}"));
    let status = child
        .wait()
        .unwrap_or_else(|err| panic!("wait for the writer: {err}"));
    assert!(!status.success(), "the writer was killed, not finished");
    let _ = reader.join();
    acks.extend(acks_rx.try_iter());

    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|err| panic!("runtime: {err}"));
    runtime.block_on(check_after_crash(&path, &acks));
}

async fn check_after_crash(path: &Path, acks: &[(String, Revision)]) {
    let store = EmbeddedStore::open(path).unwrap_or_else(|err| panic!("reopen after kill: {err}"));
    let current = store.current_revision().await.unwrap_or(-1);
    let highest = acks.iter().map(|(_, rev)| *rev).max().unwrap_or(0);
    assert!(
        current >= highest,
        "current revision {current} is below the acknowledged {highest}"
    );
    for (key, rev) in acks {
        let kv = store
            .get(key)
            .await
            .unwrap_or_else(|err| panic!("get {key}: {err}"));
        let kv = kv.unwrap_or_else(|| panic!("acknowledged key {key} (revision {rev}) was lost"));
        assert_eq!(kv.mod_revision, *rev, "{key}");
        assert_eq!(kv.value, Bytes::copy_from_slice(key.as_bytes()), "{key}");
    }
    // The log has every revision up to the current one, in order.
    let mut history = store
        .watch("/", 0)
        .await
        .unwrap_or_else(|err| panic!("watch: {err}"));
    for expected in 1..=current {
        let event = tokio::time::timeout(Duration::from_secs(10), history.next()).await;
        match event {
            Ok(Some(Ok(event))) => assert_eq!(event.revision(), expected),
            other => panic!("history at revision {expected}: {other:?}"),
        }
    }
    let next = store.create("/after-crash", Bytes::new()).await;
    assert_eq!(next.ok().map(|kv| kv.mod_revision), Some(current + 1));
    eprintln!(
        "durability: {} acknowledged writes kept, {} committed before the kill",
        acks.len(),
        current
    );
}

/// The child: write from many tasks until killed, printing each acknowledged key.
fn write_until_killed(path: &Path) {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|err| panic!("runtime: {err}"));
    runtime.block_on(async {
        let store = Arc::new(EmbeddedStore::open(path).unwrap_or_else(|err| panic!("open: {err}")));
        let stop = Instant::now() + Duration::from_secs(120);
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                let mut i = 0u64;
                while Instant::now() < stop {
                    let key = format!("/durability/{w:02}/{i:08}");
                    let kv = store
                        .create(&key, Bytes::copy_from_slice(key.as_bytes()))
                        .await;
                    let Ok(kv) = kv else { return };
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "ack {key} {}", kv.mod_revision);
                    let _ = out.flush();
                    i += 1;
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
    });
}
