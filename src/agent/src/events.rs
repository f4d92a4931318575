//! Events about kcp objects, written into the tenant's workspace through the virtual workspace
//! (`reference/api-syncagent.md` §8.1). Best-effort: a failure (a binding that did not accept
//! the `events` claim) is logged and never fails or delays a sync.
//!
//! As client-go's event broadcaster, which the Go agent records through: events go into a queue
//! of [`QUEUE`] and are written in the background, and when a burst fills the queue (an initial
//! sync of thousands of objects makes three events each) the newest are dropped rather than
//! competing with the syncs for the servers. One writer, as client-go's: events wait while the
//! syncs of a burst go ahead (four writers took a third of kcp's requests in an initial sync,
//! and as much of its CPU), and a steady stream of syncs, which leaves the queue room, loses
//! none.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{PostParams, Resource};
use kube::core::Request;
use serde_json::Value;
use tokio::sync::mpsc;

/// The component the Go agent's sync controllers report as.
pub const COMPONENT: &str = "syncagent-sync";

/// Events waiting to be written (client-go's `maxQueuedEvents`).
const QUEUE: usize = 1000;

/// An event and the client of the workspace it goes into; boxed, so that the queue's blocks,
/// which it keeps after a burst, hold a pointer per slot rather than an event.
type Queued = Box<(kube::Client, Event)>;

/// The queue's sending end; the writers start with the first event.
fn queue() -> &'static mpsc::Sender<Queued> {
    static QUEUE_TX: OnceLock<mpsc::Sender<Queued>> = OnceLock::new();
    QUEUE_TX.get_or_init(|| {
        let (tx, mut rx) = mpsc::channel::<Queued>(QUEUE);
        tokio::spawn(async move {
            while let Some(queued) = rx.recv().await {
                let (client, event) = *queued;
                if let Err(e) = write(client, &event).await {
                    let reason = event.reason.as_deref().unwrap_or_default();
                    tracing::debug!("event {reason} not written: {e}");
                }
            }
        });
        tx
    })
}

/// Creates the event; the answer is not read.
async fn write(client: kube::Client, event: &Event) -> kube::Result<()> {
    let ns = event.metadata.namespace.as_deref();
    let body = serde_json::to_vec(event).map_err(kube::Error::SerdeError)?;
    let req = Request::new(Event::url_path(&(), ns))
        .create(&PostParams::default(), body)
        .map_err(kube::Error::BuildRequest)?;
    client.request_text(req).await.map(drop)
}

/// Logs dropped events at most once a minute, with how many since the last report.
fn dropped(reason: &str) {
    static DROPPED: AtomicU64 = AtomicU64::new(0);
    static LOGGED_AT: AtomicU64 = AtomicU64::new(0);
    let count = DROPPED.fetch_add(1, Ordering::Relaxed) + 1;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let last = LOGGED_AT.load(Ordering::Relaxed);
    if now >= last + 60
        && LOGGED_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        DROPPED.store(0, Ordering::Relaxed);
        tracing::warn!(
            "the event queue is full: {count} event(s) dropped since the last report (last: \
             {reason})"
        );
    }
}

/// Writes a Normal (or Warning) event about `obj` with `client` (the object's workspace).
pub fn emit(client: kube::Client, obj: &Value, type_: &str, reason: &str, message: &str) {
    let meta = &obj["metadata"];
    let name = meta["name"].as_str().unwrap_or_default().to_string();
    let ns = meta["namespace"]
        .as_str()
        .filter(|n| !n.is_empty())
        .unwrap_or("default")
        .to_string();
    let now = Time(jiff_now());
    let event = Event {
        metadata: kube::api::ObjectMeta {
            name: Some(format!("{name}.{:x}", rand_suffix())),
            namespace: Some(ns),
            ..Default::default()
        },
        involved_object: ObjectReference {
            api_version: obj["apiVersion"].as_str().map(str::to_string),
            kind: obj["kind"].as_str().map(str::to_string),
            name: Some(name),
            namespace: meta["namespace"].as_str().map(str::to_string),
            uid: meta["uid"].as_str().map(str::to_string),
            resource_version: meta["resourceVersion"].as_str().map(str::to_string),
            ..Default::default()
        },
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        type_: Some(type_.to_string()),
        source: Some(EventSource {
            component: Some(COMPONENT.to_string()),
            ..Default::default()
        }),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        count: Some(1),
        ..Default::default()
    };
    if queue().try_send(Box::new((client, event))).is_err() {
        dropped(reason);
    }
}

fn jiff_now() -> k8s_openapi::jiff::Timestamp {
    k8s_openapi::jiff::Timestamp::now()
}

fn rand_suffix() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    nanos ^ (std::process::id() as u64).rotate_left(32)
}
