//! The agent's metrics (`reference/api-syncagent.md` §7) and its `/metrics`, `/healthz` and
//! `/readyz` endpoints: a few plain HTTP/1.1 answers, no framework.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::Instant;

use prometheus::core::Collector;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::sync::object::{Failure, Outcome, Write};

/// The agent's registry.
pub static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

fn registered<C: Collector + Clone + 'static>(c: C) -> C {
    let _ = REGISTRY.register(Box::new(c.clone()));
    c
}

fn gauge_vec(name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    registered(IntGaugeVec::new(Opts::new(name, help), labels).expect("a valid gauge"))
}

fn counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    registered(IntCounterVec::new(Opts::new(name, help), labels).expect("a valid counter"))
}

fn histogram_vec(name: &str, help: &str, labels: &[&str], buckets: Vec<f64>) -> HistogramVec {
    registered(
        HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels)
            .expect("a valid histogram"),
    )
}

/// `sync_agent_published_resource`: the PublishedResources this agent's selector matches (the
/// Go agent's gauge, set by the apiexport controller).
pub static PUBLISHED_RESOURCES: LazyLock<IntGauge> = LazyLock::new(|| {
    registered(
        IntGauge::new(
            "sync_agent_published_resource",
            "The number of PublishedResources this agent serves.",
        )
        .expect("a valid gauge"),
    )
});

/// `sync_agent_sync_lag_seconds{published_resource, direction}`.
pub static SYNC_LAG: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "sync_agent_sync_lag_seconds",
        "Time from a watch event's arrival at the agent to the acknowledged write it caused: \
         of the service-cluster copy (direction=down) or of the kcp object's status (direction=up).",
        &["published_resource", "direction"],
        vec![
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
        ],
    )
});

/// `sync_agent_objects{published_resource, state}`.
pub static OBJECTS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    gauge_vec(
        "sync_agent_objects",
        "kcp objects known to a sync controller, by the outcome of their last reconcile: \
         synced (in sync), pending (queued or requeued), failed (the last reconcile failed).",
        &["published_resource", "state"],
    )
});

/// `sync_agent_engaged_workspaces`.
pub static ENGAGED_WORKSPACES: LazyLock<IntGauge> = LazyLock::new(|| {
    registered(
        IntGauge::new(
            "sync_agent_engaged_workspaces",
            "Distinct logical clusters (workspaces) with at least one object of a published \
             resource in the sync controllers' wildcard watches.",
        )
        .expect("a valid gauge"),
    )
});

/// `sync_agent_sync_errors_total{published_resource, reason}`, `reason` one of
/// [`SYNC_ERROR_REASONS`].
pub static SYNC_ERRORS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "sync_agent_sync_errors_total",
        "Failed reconciles of kcp objects by the sync controllers, by cause.",
        &["published_resource", "reason"],
    )
});

/// The `reason`s of `sync_agent_sync_errors_total` (see [`sync_error_reason`]).
pub const SYNC_ERROR_REASONS: [&str; 6] = [
    "conflict",
    "kcp_request",
    "service_request",
    "naming",
    "state",
    "other",
];

/// client-go's work-queue latency buckets: 10 ns to 1000 s, by tens.
fn queue_buckets() -> Vec<f64> {
    prometheus::exponential_buckets(1e-8, 10.0, 12).expect("valid buckets")
}

pub static WORKQUEUE_DEPTH: LazyLock<IntGaugeVec> =
    LazyLock::new(|| gauge_vec("workqueue_depth", "Current depth of workqueue", &["name"]));

pub static WORKQUEUE_ADDS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "workqueue_adds_total",
        "Total number of adds handled by workqueue",
        &["name"],
    )
});

pub static WORKQUEUE_QUEUE_DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "workqueue_queue_duration_seconds",
        "How long in seconds an item stays in workqueue before being requested",
        &["name"],
        queue_buckets(),
    )
});

pub static WORKQUEUE_WORK_DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "workqueue_work_duration_seconds",
        "How long in seconds processing an item from workqueue takes.",
        &["name"],
        queue_buckets(),
    )
});

pub static WORKQUEUE_RETRIES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "workqueue_retries_total",
        "Total number of retries handled by workqueue",
        &["name"],
    )
});

/// `controller_runtime_reconcile_total{controller, result}`.
pub static RECONCILE_TOTAL: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "controller_runtime_reconcile_total",
        "Total number of reconciliations per controller",
        &["controller", "result"],
    )
});

/// `leader_election_master_status{name}`.
pub static LEADER: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    gauge_vec(
        "leader_election_master_status",
        "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 \
         indicates master. 'name' is the string used to identify the lease. Please make sure to \
         group by name.",
        &["name"],
    )
});

/// The controllers' names (controller-runtime's `controller` label, and their queues' names).
pub const APIRESOURCESCHEMA: &str = "syncagent-apiresourceschema";
pub const APIEXPORT: &str = "syncagent-apiexport";
pub const SYNCMANAGER: &str = "syncagent-syncmanager";
pub const SYNC: &str = "syncagent-sync";

/// A reconcile's `result` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reconciled {
    Success,
    Error,
    Requeue,
}

impl Reconciled {
    /// Success or error.
    pub fn of<T>(result: &anyhow::Result<T>) -> Self {
        if result.is_ok() {
            Reconciled::Success
        } else {
            Reconciled::Error
        }
    }
}

/// Counts one reconcile of `controller`.
pub fn reconciled(controller: &str, result: Reconciled) {
    let result = match result {
        Reconciled::Success => "success",
        Reconciled::Error => "error",
        Reconciled::Requeue => "requeue",
    };
    RECONCILE_TOTAL
        .with_label_values(&[controller, result])
        .inc();
}

/// Sets `leader_election_master_status` of a lease.
pub fn set_leader(lease: &str, leading: bool) {
    LEADER.with_label_values(&[lease]).set(leading as i64);
}

/// A named queue's series.
#[derive(Clone)]
pub struct QueueMetrics {
    pub depth: IntGauge,
    pub adds: IntCounter,
    pub queue_duration: Histogram,
    pub work_duration: Histogram,
    pub retries: IntCounter,
}

impl QueueMetrics {
    pub fn new(name: &str) -> Self {
        QueueMetrics {
            depth: WORKQUEUE_DEPTH.with_label_values(&[name]),
            adds: WORKQUEUE_ADDS.with_label_values(&[name]),
            queue_duration: WORKQUEUE_QUEUE_DURATION.with_label_values(&[name]),
            work_duration: WORKQUEUE_WORK_DURATION.with_label_values(&[name]),
            retries: WORKQUEUE_RETRIES.with_label_values(&[name]),
        }
    }
}

/// The `reason` of a failed sync (`sync_agent_sync_errors_total`):
///
/// - `conflict`: an API server (kcp or the service cluster) answered 409, the object changed
///   meanwhile (or already exists);
/// - `kcp_request`: another failed request to kcp (the object's finalizer or status);
/// - `naming`: the naming rules gave no name for the copy;
/// - `state`: reading or writing the last-known state Secret failed;
/// - `service_request`: another failed request to the service cluster (the copy, its
///   namespace);
/// - `other`: anything else (an object that does not decode, two copies of one object, no
///   client for the workspace, …).
pub fn sync_error_reason(e: &anyhow::Error) -> &'static str {
    let api_code = |c: &(dyn std::error::Error + 'static)| match c.downcast_ref::<kube::Error>() {
        Some(kube::Error::Api(s)) => Some(s.code),
        _ => None,
    };
    if e.chain().any(|c| api_code(c) == Some(409)) {
        return "conflict";
    }
    match e.downcast_ref::<Failure>() {
        Some(Failure::KcpRequest) => "kcp_request",
        Some(Failure::Naming) => "naming",
        Some(Failure::State) => "state",
        Some(Failure::Conflict) => "conflict",
        None if e.chain().any(|c| c.downcast_ref::<kube::Error>().is_some()) => "service_request",
        None => "other",
    }
}

/// An object's state in `sync_agent_objects`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ObjectState {
    Synced,
    Pending,
    Failed,
}

impl ObjectState {
    fn label(self) -> &'static str {
        match self {
            ObjectState::Synced => "synced",
            ObjectState::Pending => "pending",
            ObjectState::Failed => "failed",
        }
    }
}

/// Objects per logical cluster across every sync controller (`sync_agent_engaged_workspaces`
/// is how many have any).
static CLUSTER_OBJECTS: LazyLock<Mutex<HashMap<String, usize>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn add_cluster_objects(cluster: &str, delta: isize) {
    let mut all = lock(&CLUSTER_OBJECTS);
    let n = all.entry(cluster.to_string()).or_default();
    *n = n.saturating_add_signed(delta);
    if *n == 0 {
        all.remove(cluster);
    }
    ENGAGED_WORKSPACES.set(all.len() as i64);
}

/// When a key's unacknowledged watch events arrived.
#[derive(Clone, Copy)]
struct Arrival {
    first: Instant,
    last: Instant,
}

/// Keys are kept as 64-bit hashes: a few bytes an object instead of a copy of its key (two
/// keys of one hash, never seen in practice, would only share a state in the metrics).
struct SyncState {
    arrivals: HashMap<u64, Arrival>,
    states: HashMap<u64, ObjectState>,
    clusters: HashMap<String, usize>,
}

/// The series of one sync controller (one published resource): the lag from a watch event to
/// the write it causes, its objects' states, its errors, its workspaces. Everything it added to
/// the gauges is taken back when it is dropped (the controller stopped).
pub struct SyncMetrics<K> {
    published_resource: String,
    inner: Mutex<SyncState>,
    keys: std::marker::PhantomData<fn(&K)>,
}

/// The hash a key is kept as (SipHash with fixed keys: the same in every process).
fn key_id<K: Hash>(key: &K) -> u64 {
    use std::hash::Hasher as _;
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl<K: Hash + Eq + Clone> SyncMetrics<K> {
    pub fn new(published_resource: &str) -> Self {
        SyncMetrics {
            published_resource: published_resource.to_string(),
            inner: Mutex::new(SyncState {
                arrivals: HashMap::new(),
                states: HashMap::new(),
                clusters: HashMap::new(),
            }),
            keys: std::marker::PhantomData,
        }
    }

    fn set_state(&self, states: &mut HashMap<u64, ObjectState>, id: u64, to: Option<ObjectState>) {
        let from = match to {
            Some(s) => states.insert(id, s),
            None => states.remove(&id),
        };
        if from == to {
            return;
        }
        if let Some(f) = from {
            OBJECTS
                .with_label_values(&[self.published_resource.as_str(), f.label()])
                .dec();
        }
        if let Some(t) = to {
            OBJECTS
                .with_label_values(&[self.published_resource.as_str(), t.label()])
                .inc();
        }
    }

    /// A watch event (of the kcp object or of its copy) for `key` arrived: the key is pending.
    pub fn arrived(&self, key: &K) {
        let now = Instant::now();
        let id = key_id(key);
        let mut s = lock(&self.inner);
        s.arrivals
            .entry(id)
            .and_modify(|a| a.last = now)
            .or_insert(Arrival {
                first: now,
                last: now,
            });
        self.set_state(&mut s.states, id, Some(ObjectState::Pending));
    }

    /// The wildcard watch cache of `cluster` had an object (`had`) and has it now (`has`).
    pub fn cached(&self, cluster: &str, had: bool, has: bool) {
        let delta: isize = match (had, has) {
            (false, true) => 1,
            (true, false) => -1,
            _ => return,
        };
        let mut s = lock(&self.inner);
        let n = s.clusters.entry(cluster.to_string()).or_default();
        *n = n.saturating_add_signed(delta);
        if *n == 0 {
            s.clusters.remove(cluster);
        }
        add_cluster_objects(cluster, delta);
    }

    /// The reconcile of `key` made `write` (acknowledged by the server just now).
    pub fn wrote(&self, key: &K, write: Write) {
        let direction = match write {
            Write::Copy => "down",
            Write::Status => "up",
            Write::Related { up: true } => "up",
            Write::Related { up: false } => "down",
            Write::Finalizer => return,
        };
        let Some(arrival) = lock(&self.inner).arrivals.get(&key_id(key)).copied() else {
            return;
        };
        SYNC_LAG
            .with_label_values(&[self.published_resource.as_str(), direction])
            .observe(arrival.first.elapsed().as_secs_f64());
    }

    /// The reconcile of `key`, begun at `started`, ended with `result`; `known`: the kcp object
    /// is (still) in the watch cache.
    pub fn finished(
        &self,
        key: &K,
        started: Instant,
        result: &anyhow::Result<Outcome>,
        known: bool,
    ) {
        let pr = self.published_resource.as_str();
        let id = key_id(key);
        let mut s = lock(&self.inner);
        match result {
            Ok(Outcome::Done) => {
                reconciled(SYNC, Reconciled::Success);
                // An event that came in meanwhile is not acknowledged yet.
                let newer = s.arrivals.get(&id).copied().filter(|a| a.last > started);
                match newer {
                    Some(a) => {
                        s.arrivals.insert(
                            id,
                            Arrival {
                                first: a.last,
                                last: a.last,
                            },
                        );
                        self.set_state(&mut s.states, id, Some(ObjectState::Pending));
                    }
                    None => {
                        s.arrivals.remove(&id);
                        let to = known.then_some(ObjectState::Synced);
                        self.set_state(&mut s.states, id, to);
                    }
                }
            }
            Ok(Outcome::Requeue) => {
                reconciled(SYNC, Reconciled::Requeue);
                self.set_state(&mut s.states, id, Some(ObjectState::Pending));
            }
            Err(e) => {
                reconciled(SYNC, Reconciled::Error);
                SYNC_ERRORS
                    .with_label_values(&[pr, sync_error_reason(e)])
                    .inc();
                self.set_state(&mut s.states, id, Some(ObjectState::Failed));
            }
        }
    }
}

impl<K> Drop for SyncMetrics<K> {
    fn drop(&mut self) {
        let s = lock(&self.inner);
        for state in s.states.values() {
            OBJECTS
                .with_label_values(&[self.published_resource.as_str(), state.label()])
                .dec();
        }
        for (cluster, n) in &s.clusters {
            add_cluster_objects(cluster, -(*n as isize));
        }
    }
}

/// The text exposition of every series.
pub fn render() -> String {
    LazyLock::force(&PUBLISHED_RESOURCES);
    LazyLock::force(&ENGAGED_WORKSPACES);
    for v in [
        &SYNC_LAG,
        &WORKQUEUE_QUEUE_DURATION,
        &WORKQUEUE_WORK_DURATION,
    ] {
        LazyLock::force(v);
    }
    for v in [&OBJECTS, &WORKQUEUE_DEPTH, &LEADER] {
        LazyLock::force(v);
    }
    for v in [
        &SYNC_ERRORS,
        &WORKQUEUE_ADDS,
        &WORKQUEUE_RETRIES,
        &RECONCILE_TOTAL,
    ] {
        LazyLock::force(v);
    }
    let mut out = Vec::new();
    let _ = TextEncoder::new().encode(&REGISTRY.gather(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Serves `/metrics`, `/healthz`, `/readyz` on `addr` until the process ends.
pub async fn serve(addr: String) -> std::io::Result<()> {
    let listener = TcpListener::bind(&addr).await?;
    tracing::info!(address = %addr, "serving metrics and health");
    loop {
        let (mut conn, _) = listener.accept().await?;
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let Ok(n) = conn.read(&mut buf).await else {
                return;
            };
            let head = String::from_utf8_lossy(&buf[..n]);
            let path = head.split_whitespace().nth(1).unwrap_or("/");
            let (code, ctype, body) = match path.split('?').next().unwrap_or("") {
                "/metrics" => (200, "text/plain; version=0.0.4", render()),
                "/healthz" | "/readyz" => (200, "text/plain", "ok".to_string()),
                _ => (404, "text/plain", "not found".to_string()),
            };
            let reason = if code == 200 { "OK" } else { "Not Found" };
            let answer = format!(
                "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(answer.as_bytes()).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gauge_is_exposed() {
        PUBLISHED_RESOURCES.set(2);
        assert!(render().contains("\nsync_agent_published_resource 2\n"));
    }

    fn api_error(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            ..Default::default()
        }))
    }

    #[test]
    fn sync_errors_are_classified() {
        use anyhow::Context as _;
        let reason = |e: anyhow::Error| sync_error_reason(&e);
        assert_eq!(reason(api_error(409).into()), "conflict");
        assert_eq!(
            reason(anyhow::Error::from(api_error(409)).context(Failure::KcpRequest)),
            "conflict",
            "a conflict on either side"
        );
        assert_eq!(
            reason(anyhow::Error::from(api_error(403)).context(Failure::KcpRequest)),
            "kcp_request"
        );
        assert_eq!(reason(api_error(500).into()), "service_request");
        assert_eq!(
            reason(
                anyhow::Error::from(api_error(404))
                    .context(Failure::State)
                    .context("outer")
            ),
            "state",
            "found under further context"
        );
        let naming: anyhow::Result<()> = Err(anyhow::anyhow!("template: no such key"));
        assert_eq!(
            reason(naming.context(Failure::Naming).unwrap_err()),
            "naming"
        );
        assert_eq!(reason(anyhow::anyhow!("expected 1 object")), "other");
        for r in [
            "conflict",
            "kcp_request",
            "service_request",
            "naming",
            "state",
            "other",
        ] {
            assert!(SYNC_ERROR_REASONS.contains(&r));
        }
    }

    fn objects(pr: &str, state: &str) -> i64 {
        OBJECTS.with_label_values(&[pr, state]).get()
    }

    fn engaged(cluster: &str) -> bool {
        lock(&CLUSTER_OBJECTS).contains_key(cluster)
    }

    #[test]
    fn sync_metrics_follow_the_objects() {
        let pr = "test-sync-metrics";
        let m = SyncMetrics::<&str>::new(pr);
        // Two objects of one workspace arrive.
        m.cached("ws-test-1", false, true);
        m.cached("ws-test-1", false, true);
        m.arrived(&"a");
        m.arrived(&"b");
        assert!(engaged("ws-test-1"));
        assert_eq!(objects(pr, "pending"), 2);

        // a: finalizer, copy (down lag), done.
        let started = Instant::now();
        m.wrote(&"a", Write::Finalizer);
        m.finished(&"a", started, &Ok(Outcome::Requeue), true);
        let down = SYNC_LAG.with_label_values(&[pr, "down"]);
        m.wrote(&"a", Write::Copy);
        assert_eq!(down.get_sample_count(), 1);
        m.finished(&"a", Instant::now(), &Ok(Outcome::Done), true);
        assert_eq!((objects(pr, "synced"), objects(pr, "pending")), (1, 1));
        // Acknowledged: a status write without a new event has no lag to report.
        m.wrote(&"a", Write::Status);
        assert_eq!(
            SYNC_LAG.with_label_values(&[pr, "up"]).get_sample_count(),
            0
        );

        // b fails, then an event arrives while it is retried and done: still pending.
        m.finished(&"b", Instant::now(), &Err(api_error(409).into()), true);
        assert_eq!(objects(pr, "failed"), 1);
        assert_eq!(SYNC_ERRORS.with_label_values(&[pr, "conflict"]).get(), 1);
        let started = Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        m.arrived(&"b");
        m.finished(&"b", started, &Ok(Outcome::Done), true);
        assert_eq!(
            objects(pr, "pending"),
            1,
            "the newer event is not handled yet"
        );
        m.wrote(&"b", Write::Status);
        assert_eq!(
            SYNC_LAG.with_label_values(&[pr, "up"]).get_sample_count(),
            1
        );
        m.finished(&"b", Instant::now(), &Ok(Outcome::Done), true);
        assert_eq!((objects(pr, "synced"), objects(pr, "pending")), (2, 0));

        // b is deleted in kcp: it is forgotten.
        m.cached("ws-test-1", true, false);
        m.arrived(&"b");
        m.finished(&"b", Instant::now(), &Ok(Outcome::Done), false);
        assert_eq!(objects(pr, "synced"), 1);
        assert!(engaged("ws-test-1"));

        // The controller stops: its series go back to zero.
        drop(m);
        assert_eq!(objects(pr, "synced"), 0);
        assert!(!engaged("ws-test-1"));
        assert!(RECONCILE_TOTAL.with_label_values(&[SYNC, "error"]).get() >= 1);
    }

    #[test]
    fn every_series_is_named_as_documented() {
        set_leader("syncagent.test", true);
        reconciled(APIEXPORT, Reconciled::Success);
        let _ = QueueMetrics::new("test-render");
        let text = render();
        for name in [
            "sync_agent_published_resource",
            "sync_agent_engaged_workspaces",
            "leader_election_master_status{name=\"syncagent.test\"} 1",
            "controller_runtime_reconcile_total{controller=\"syncagent-apiexport\",result=\"success\"}",
            "workqueue_depth{name=\"test-render\"} 0",
            "workqueue_adds_total{name=\"test-render\"} 0",
            "workqueue_retries_total{name=\"test-render\"} 0",
            "workqueue_queue_duration_seconds_bucket{name=\"test-render\",le=",
            "workqueue_work_duration_seconds_count{name=\"test-render\"} 0",
        ] {
            assert!(text.contains(name), "{name} in:\n{text}");
        }
    }
}
