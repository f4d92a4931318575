//! Watch: a streamed HTTP body of newline-separated `{"type": …, "object": …}` events, served
//! from the watch cache. As kube-apiserver: a resourceVersion that is too old is an in-stream
//! `ERROR` event carrying a 410 `Status` inside a 200 response (kube-runtime relies on this);
//! bookmarks carry apiVersion/kind; `sendInitialEvents=true` ends the initial state with a
//! bookmark annotated `k8s.io/initial-events-end`; selector transitions turn into
//! ADDED/DELETED as an object enters or leaves the selection.

use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kcp_store::EventKind;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use super::output;
use super::query::{ListQuery, Output};
use crate::catalog::ResourceDef;
use crate::errors::{ApiError, ApiResult};
use crate::storage::{CacheEvent, CachedObject, Storage, WatchStart};

const BOOKMARK_INTERVAL: Duration = Duration::from_secs(60);
/// The longest a watch lasts without `timeoutSeconds` (kube picks 30–60 minutes).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Opens a watch and returns the stream of encoded events.
pub async fn watch(
    storage: Arc<Storage>,
    def: ResourceDef,
    prefix: String,
    q: ListQuery,
    out: Output,
) -> ApiResult<ReceiverStream<Bytes>> {
    q.check_watch()?;
    let initial_events = q.send_initial_events.unwrap_or(false);
    let start = match (&q.resource_version, initial_events) {
        (_, true) => WatchStart::FromState,
        (None, _) => WatchStart::FromState,
        (Some(rv), _) if rv == "0" => WatchStart::FromState,
        (Some(_), _) => WatchStart::After(q.watch_after()?.unwrap_or(0)),
    };
    if matches!(start, WatchStart::FromState) && q.resource_version.is_none() {
        // "Most recent" means consistent with the store.
        storage.sync().await?;
    }
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let opened = storage.watch(&prefix, start).await;
    let enc = Encoder {
        def,
        out,
        columns_sent: false,
    };
    match opened {
        Err(e) => {
            // Too old: a 200 carrying one ERROR event, then the end.
            let _ = tx.send(enc.error(&e)).await;
        }
        Ok(w) => {
            let timeout = q
                .timeout_seconds
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_TIMEOUT);
            tokio::spawn(async move {
                let watchers = &crate::metrics::get().watchers;
                watchers.inc();
                let _ =
                    tokio::time::timeout(timeout, run(prefix, tx, w, q, enc, initial_events)).await;
                watchers.dec();
            });
        }
    }
    Ok(ReceiverStream::new(rx))
}

async fn run(
    prefix: String,
    tx: mpsc::Sender<Bytes>,
    w: crate::storage::CacheWatch,
    q: ListQuery,
    mut enc: Encoder,
    initial_events: bool,
) {
    let mut last_rev = w.revision;
    // The initial events are the current objects (synthetic ADDED) or, resuming from a
    // resourceVersion, the changes since: each is framed as what it was (a delete as DELETED).
    for ev in &w.initial {
        if let Some(b) = enc.event_in_prefix(&q, ev)
            && tx.send(b).await.is_err()
        {
            return;
        }
    }
    // Without bookmarks allowed, the initial events just run into the live ones (kube's
    // watch-list is `sendInitialEvents` with bookmarks).
    if initial_events && q.allow_bookmarks && tx.send(enc.bookmark(last_rev, true)).await.is_err() {
        return;
    }
    let mut live = w.live;
    let mut bookmarks = tokio::time::interval(BOOKMARK_INTERVAL);
    bookmarks.tick().await;
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(ev) => {
                    if ev.revision() <= last_rev {
                        continue;
                    }
                    last_rev = ev.revision();
                    if !ev.object.key.raw.starts_with(&prefix) {
                        continue;
                    }
                    if let Some(b) = enc.event_in_prefix(&q, &ev)
                        && tx.send(b).await.is_err()
                    {
                        return;
                    }
                }
                // Fell too far behind: end the watch; the client resumes from its last version.
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = bookmarks.tick() => {
                if q.allow_bookmarks && tx.send(enc.bookmark(last_rev, false)).await.is_err() {
                    return;
                }
            }
            () = tx.closed() => return,
        }
    }
}

/// Encodes events in the client's output form.
struct Encoder {
    def: ResourceDef,
    out: Output,
    columns_sent: bool,
}

impl Encoder {
    fn frame(&mut self, kind: &str, obj: &CachedObject) -> Option<Bytes> {
        match &self.out {
            Output::Object => {
                let json = match super::conversion::served_json(&self.def, &obj.json) {
                    Ok(json) => json,
                    Err(e) => return Some(self.error(&e)),
                };
                let mut b = BytesMut::with_capacity(json.len() + 32);
                b.put_slice(b"{\"type\":\"");
                b.put_slice(kind.as_bytes());
                b.put_slice(b"\",\"object\":");
                b.put_slice(&json);
                b.put_slice(b"}\n");
                Some(b.freeze())
            }
            other => {
                let v = match super::rest::served_value(&self.def, obj) {
                    Ok(v) => v,
                    Err(e) => return Some(self.error(&e)),
                };
                let object = match other {
                    Output::Table { include_object } => {
                        let t = output::table(
                            &self.def,
                            &[v],
                            *include_object,
                            json!({"resourceVersion": obj.mod_revision.to_string()}),
                            !self.columns_sent,
                        );
                        self.columns_sent = true;
                        t
                    }
                    _ => output::partial_metadata(&v),
                };
                Some(line(&json!({"type": kind, "object": object})))
            }
        }
    }

    /// An event for an object under the watched prefix (the caller checked the prefix).
    fn event_in_prefix(&mut self, q: &ListQuery, ev: &CacheEvent) -> Option<Bytes> {
        match ev.kind {
            EventKind::Delete => {
                if q.matches(&ev.object) {
                    self.frame("DELETED", &ev.object)
                } else {
                    None
                }
            }
            EventKind::Put => {
                let now = q.matches(&ev.object);
                let before = ev.prev.as_ref().map(|p| q.matches(p));
                match (before, now) {
                    (Some(true), true) => self.frame("MODIFIED", &ev.object),
                    (None | Some(false), true) => self.frame("ADDED", &ev.object),
                    // Left the selection: the last state the client was shown.
                    (Some(true), false) => {
                        let prev = ev.prev.as_deref()?;
                        match prev.at_revision(ev.object.mod_revision) {
                            Ok(gone) => self.frame("DELETED", &gone),
                            Err(e) => Some(self.error(&e)),
                        }
                    }
                    _ => None,
                }
            }
        }
    }

    fn bookmark(&self, revision: i64, initial_events_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": revision.to_string()});
        if initial_events_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let (kind, api_version) = match &self.out {
            Output::Object => (self.def.kind.to_string(), self.def.api_version()),
            Output::Table { .. } => ("Table".into(), "meta.k8s.io/v1".into()),
            _ => ("PartialObjectMetadata".into(), "meta.k8s.io/v1".into()),
        };
        line(
            &json!({"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version, "metadata": meta}}),
        )
    }

    fn error(&self, e: &ApiError) -> Bytes {
        line(&json!({"type": "ERROR", "object": e.to_status()}))
    }
}

fn line(v: &Value) -> Bytes {
    let mut b = serde_json::to_vec(v).unwrap_or_default();
    b.push(b'\n');
    Bytes::from(b)
}
