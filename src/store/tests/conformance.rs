//! Runs the one conformance suite ([`kcp_store::conformance::run`]) against both backends: the
//! embedded store on a temporary file, and etcd on a throwaway single-node server that the test
//! starts itself (free loopback ports, a temporary data directory) and kills at the end.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use kcp_store::{
    EmbeddedStore, EtcdStore, KeyValue, ListOptions, ListResult, Result, Revision, Store,
    WatchStream,
};
use tempfile::TempDir;

/// An embedded store with the directory that holds its file.
struct Embedded {
    store: EmbeddedStore,
    _dir: TempDir,
}

impl Embedded {
    fn fresh() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("temp dir: {err}"));
        let store = EmbeddedStore::open(&dir.path().join("store.redb"))
            .unwrap_or_else(|err| panic!("open the embedded store: {err}"));
        Self { store, _dir: dir }
    }
}

/// An etcd server of our own, killed (and its data removed) on drop.
struct EtcdServer {
    child: Child,
    endpoint: String,
    _dir: TempDir,
}

impl EtcdServer {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("temp dir: {err}"));
        let client = format!("http://127.0.0.1:{}", free_port());
        let peer = format!("http://127.0.0.1:{}", free_port());
        let log = std::fs::File::create(dir.path().join("etcd.log"))
            .unwrap_or_else(|err| panic!("etcd log file: {err}"));
        let child = Command::new("etcd")
            .arg("--name=conformance")
            .arg(format!("--data-dir={}", dir.path().join("data").display()))
            .arg(format!("--listen-client-urls={client}"))
            .arg(format!("--advertise-client-urls={client}"))
            .arg(format!("--listen-peer-urls={peer}"))
            .arg(format!("--initial-advertise-peer-urls={peer}"))
            .arg(format!("--initial-cluster=conformance={peer}"))
            .arg("--heartbeat-interval=10")
            .arg("--election-timeout=100")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
                "`etcd` is not on PATH: run the project's install script (it installs Debian's \
                 `etcd-server` and `protobuf-compiler`), or `apt-get install etcd-server`"
            ),
            Err(err) => panic!("starting etcd failed: {err}"),
        };
        Self {
            child,
            endpoint: client,
            _dir: dir,
        }
    }

    /// Connects once etcd answers, within a deadline; `Err` with its log if it exited first.
    async fn connect(&mut self) -> std::result::Result<EtcdStore, String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last_error = String::new();
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "etcd exited early ({status}); see its log: {}",
                    self.log()
                ));
            }
            match EtcdStore::connect(std::slice::from_ref(&self.endpoint)).await {
                Ok(store) => match store.current_revision().await {
                    Ok(_) => return Ok(store),
                    Err(err) => last_error = err.to_string(),
                },
                Err(err) => last_error = err.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "etcd did not answer within 30s: {last_error}; log: {}",
            self.log()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("etcd.log")).unwrap_or_default()
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An etcd store with the server behind it.
struct Etcd {
    store: EtcdStore,
    _server: EtcdServer,
}

impl Etcd {
    async fn fresh() -> Self {
        // A free port can be taken by another process between our probe and etcd's bind:
        // then start again on new ports.
        let mut attempts = 0;
        loop {
            let mut server = EtcdServer::start();
            match server.connect().await {
                Ok(store) => {
                    return Self {
                        // Lists without a limit are read in pages of two here, so that every
                        // case of the suite reads them as a large list is read.
                        store: store.with_page_size(2),
                        _server: server,
                    };
                }
                Err(log) if log.contains("address already in use") && attempts < 5 => {
                    attempts += 1;
                }
                Err(log) => panic!("{log}"),
            }
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|err| panic!("no free port: {err}"))
}

/// Both fixtures are stores: they hand every call to the store they hold.
macro_rules! delegate_store {
    ($fixture:ty) => {
        #[async_trait]
        impl Store for $fixture {
            async fn get(&self, key: &str) -> Result<Option<KeyValue>> {
                self.store.get(key).await
            }
            async fn list(&self, prefix: &str, opts: ListOptions) -> Result<ListResult> {
                self.store.list(prefix, opts).await
            }
            async fn count(&self, prefix: &str) -> Result<i64> {
                self.store.count(prefix).await
            }
            async fn create(&self, key: &str, value: Bytes) -> Result<KeyValue> {
                self.store.create(key, value).await
            }
            async fn update(
                &self,
                key: &str,
                value: Bytes,
                expected: Revision,
            ) -> Result<KeyValue> {
                self.store.update(key, value, expected).await
            }
            async fn delete(&self, key: &str, expected: Option<Revision>) -> Result<KeyValue> {
                self.store.delete(key, expected).await
            }
            async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream> {
                self.store.watch(prefix, after).await
            }
            async fn current_revision(&self) -> Result<Revision> {
                self.store.current_revision().await
            }
            async fn compacted_revision(&self) -> Result<Revision> {
                self.store.compacted_revision().await
            }
            async fn compact(&self, revision: Revision) -> Result<()> {
                self.store.compact(revision).await
            }
        }
    };
}
delegate_store!(Embedded);
delegate_store!(Etcd);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_store_conforms() {
    kcp_store::conformance::run(|| async { Embedded::fresh() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn etcd_store_conforms() {
    kcp_store::conformance::run(Etcd::fresh).await;
}
