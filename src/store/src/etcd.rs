//! The distributed backend: [`EtcdStore`], the [`Store`] contract on a real etcd (3.4 or newer).
//!
//! Each method is one etcd request, as kube-apiserver's `storage/etcd3` issues them:
//! - `create` is a transaction guarded by `create_revision == 0`;
//! - `update` and `delete` are transactions guarded by the key's `mod_revision` (and by the key
//!   existing), whose else branch reads the key so that a [`Error::Conflict`] carries it;
//! - `list` is a range read at a revision, from the prefix (or just past the continue key) to the
//!   end of the prefix, with a limit; etcd's count gives `remaining`. A list without a limit
//!   (the watch cache's load) is read in pages (of 10,000) at the first page's revision, as
//!   kube-apiserver's cacher pages: etcd builds each answer whole in its heap, and a single
//!   read of 100,000 objects left it holding 370 MiB more than paged reads;
//! - `watch` starts at `after + 1` with previous values; a watch canceled because its start was
//!   compacted becomes [`Error::Compacted`];
//! - `compact` is a physical etcd compaction.
//!
//! etcd's key space starts at revision 1, not 0: [`Store::current_revision`] of a fresh etcd is 1.
//! etcd does not report its compacted revision directly; [`EtcdStore`] finds it by probing reads
//! at past revisions (a binary search, a handful of round trips). etcd compaction also drops a
//! delete that sits exactly on the compaction revision from later replays (see
//! [`Store::compact`]).

use std::collections::VecDeque;

use async_trait::async_trait;
use bytes::Bytes;
use etcd_client::{
    Client, CompactionOptions, Compare, CompareOp, DeleteOptions, EventType, GetOptions, KvClient,
    PutOptions, Txn, TxnOp, TxnOpResponse, TxnResponse, WatchClient, WatchOptions,
};

use crate::{
    Error, Event, EventKind, KeyValue, ListOptions, ListResult, Result, Revision, Store,
    WatchStream,
};

/// How etcd words the two revision errors (`mvcc.ErrCompacted`, `mvcc.ErrFutureRev`).
const ERR_COMPACTED: &str = "required revision has been compacted";
const ERR_FUTURE_REV: &str = "required revision is a future revision";

/// Any key: the probes that read only the response header or a revision's availability.
const PROBE_KEY: &[u8] = b"\0kcp-store-probe";
/// Keys per range read of a list without a limit.
const PAGE: usize = 10_000;

/// Large lists are legitimate; kube-apiserver lifts gRPC's 4 MiB receive limit too.
const MAX_MESSAGE: usize = 2 * 1024 * 1024 * 1024 - 1;

/// The etcd-backed [`Store`]. Cloning shares the connection.
#[derive(Clone)]
pub struct EtcdStore {
    kv: KvClient,
    watch: WatchClient,
    /// Keys per range read of a list without a limit.
    page: usize,
}

impl std::fmt::Debug for EtcdStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdStore").finish_non_exhaustive()
    }
}

impl EtcdStore {
    /// Connects to the etcd cluster at `endpoints` (for example `http://127.0.0.1:2379`).
    pub async fn connect(endpoints: &[String]) -> Result<Self> {
        let client = Client::connect(endpoints, None).await.map_err(backend)?;
        Ok(Self {
            kv: client
                .kv_client()
                .max_decoding_message_size(MAX_MESSAGE)
                .max_encoding_message_size(MAX_MESSAGE),
            watch: client.watch_client().max_decoding_message_size(MAX_MESSAGE),
            page: PAGE,
        })
    }

    /// Sets the keys per range read of a list without a limit (tests page with a few).
    #[must_use]
    pub fn with_page_size(mut self, page: usize) -> Self {
        self.page = page.max(1);
        self
    }

    async fn txn(&self, txn: Txn) -> Result<TxnResponse> {
        self.kv.clone().txn(txn).await.map_err(backend)
    }

    /// Whether a read at `revision` is still possible (it is not compacted away).
    async fn readable_at(&self, revision: Revision) -> Result<bool> {
        let opts = GetOptions::new().with_revision(revision).with_count_only();
        match self.kv.clone().get(PROBE_KEY, Some(opts)).await {
            Ok(_) => Ok(true),
            Err(err) if is(&err, ERR_COMPACTED) => Ok(false),
            Err(err) => Err(backend(err)),
        }
    }

    /// The error for a read at `requested`, which etcd refused as compacted.
    async fn compacted(&self, requested: Revision) -> Error {
        match self.compacted_revision().await {
            Ok(compacted) => Error::Compacted {
                requested,
                compacted,
            },
            Err(err) => err,
        }
    }

    /// The error for a read at `requested`, which etcd refused as in the future.
    async fn future(&self, requested: Revision) -> Error {
        match self.current_revision().await {
            Ok(current) => Error::FutureRevision { requested, current },
            Err(err) => err,
        }
    }

    /// One range read: [`Store::list`] with a limit.
    async fn range(&self, prefix: &str, opts: ListOptions) -> Result<ListResult> {
        let start = match opts.start_after.as_deref() {
            Some(after) if after >= prefix => {
                let mut start = after.as_bytes().to_vec();
                start.push(0);
                start
            }
            _ => prefix.as_bytes().to_vec(),
        };
        let end = prefix_end(prefix);
        // A continue key past the end of the prefix leaves nothing to read; etcd would read
        // from the start key to the end of the key space, so probe instead (which still checks
        // the revision).
        let past_end = !prefix.is_empty() && start >= end;
        let (key, mut get) = if past_end {
            (PROBE_KEY.to_vec(), GetOptions::new().with_count_only())
        } else if start.is_empty() {
            // etcd refuses an empty key: "\0" is the first key there is.
            (vec![0], GetOptions::new().with_range(end))
        } else {
            (start, GetOptions::new().with_range(end))
        };
        if let Some(limit) = opts.limit.filter(|&n| n > 0) {
            get = get.with_limit(i64::try_from(limit).unwrap_or(i64::MAX));
        }
        if let Some(rev) = opts.revision {
            if rev <= 0 {
                // Revision 0 would read "now" on etcd; nothing is kept from before revision 1.
                let compacted = self.compacted_revision().await?.max(1);
                return Err(Error::Compacted {
                    requested: rev,
                    compacted,
                });
            }
            get = get.with_revision(rev);
        }
        let mut resp = match self.kv.clone().get(key, Some(get)).await {
            Ok(resp) => resp,
            Err(err) if is(&err, ERR_COMPACTED) => {
                return Err(self.compacted(opts.revision.unwrap_or(0)).await);
            }
            Err(err) if is(&err, ERR_FUTURE_REV) => {
                return Err(self.future(opts.revision.unwrap_or(0)).await);
            }
            Err(err) => return Err(backend(err)),
        };
        let count = if past_end { 0 } else { resp.count() };
        let revision = match opts.revision {
            Some(rev) => rev,
            None => header_revision(resp.header())?,
        };
        let items = if past_end {
            Vec::new()
        } else {
            resp.take_kvs()
        };
        let items = items.iter().map(from_etcd).collect::<Result<Vec<_>>>()?;
        let returned = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let remaining = (count - returned).max(0);
        Ok(ListResult {
            items,
            revision,
            more: remaining > 0,
            remaining,
        })
    }
}

#[async_trait]
impl Store for EtcdStore {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>> {
        let mut resp = self.kv.clone().get(key, None).await.map_err(backend)?;
        resp.take_kvs().first().map(from_etcd).transpose()
    }

    async fn list(&self, prefix: &str, opts: ListOptions) -> Result<ListResult> {
        if opts.limit.is_some_and(|n| n > 0) {
            return self.range(prefix, opts).await;
        }
        let mut page = ListOptions {
            limit: Some(self.page),
            ..opts
        };
        let mut items = Vec::new();
        loop {
            let listed = self.range(prefix, page.clone()).await?;
            items.extend(listed.items);
            if !listed.more {
                return Ok(ListResult {
                    items,
                    revision: listed.revision,
                    more: false,
                    remaining: 0,
                });
            }
            page.revision = Some(listed.revision);
            page.start_after = items.last().map(|kv| kv.key.clone());
        }
    }

    async fn count(&self, prefix: &str) -> Result<i64> {
        let opts = GetOptions::new()
            .with_range(prefix_end(prefix))
            .with_count_only();
        let key = if prefix.is_empty() { "\0" } else { prefix };
        let resp = self
            .kv
            .clone()
            .get(key, Some(opts))
            .await
            .map_err(backend)?;
        Ok(resp.count())
    }

    async fn create(&self, key: &str, value: Bytes) -> Result<KeyValue> {
        let txn = Txn::new()
            .when([Compare::create_revision(key, CompareOp::Equal, 0)])
            .and_then([TxnOp::put(key, value.to_vec(), None)]);
        let resp = self.txn(txn).await?;
        if !resp.succeeded() {
            return Err(Error::AlreadyExists { key: key.into() });
        }
        let rev = header_revision(resp.header())?;
        Ok(KeyValue {
            key: key.into(),
            value,
            create_revision: rev,
            mod_revision: rev,
            version: 1,
        })
    }

    async fn update(
        &self,
        key: &str,
        value: Bytes,
        expected_mod_revision: Revision,
    ) -> Result<KeyValue> {
        let txn = Txn::new()
            .when([
                Compare::version(key, CompareOp::Greater, 0),
                Compare::mod_revision(key, CompareOp::Equal, expected_mod_revision),
            ])
            .and_then([TxnOp::put(
                key,
                value.to_vec(),
                Some(PutOptions::new().with_prev_key()),
            )])
            .or_else([TxnOp::get(key, None)]);
        let resp = self.txn(txn).await?;
        if !resp.succeeded() {
            return Err(refused(key, expected_mod_revision, &resp)?);
        }
        let rev = header_revision(resp.header())?;
        let prev = match resp.op_responses().first() {
            Some(TxnOpResponse::Put(put)) => put.prev_key().map(from_etcd).transpose()?,
            _ => None,
        };
        let prev = prev.ok_or_else(|| unexpected("an update without the previous key"))?;
        Ok(KeyValue {
            key: key.into(),
            value,
            create_revision: prev.create_revision,
            mod_revision: rev,
            version: prev.version + 1,
        })
    }

    async fn delete(&self, key: &str, expected_mod_revision: Option<Revision>) -> Result<KeyValue> {
        let mut guards = vec![Compare::version(key, CompareOp::Greater, 0)];
        if let Some(expected) = expected_mod_revision {
            guards.push(Compare::mod_revision(key, CompareOp::Equal, expected));
        }
        let txn = Txn::new()
            .when(guards)
            .and_then([TxnOp::delete(
                key,
                Some(DeleteOptions::new().with_prev_key()),
            )])
            .or_else([TxnOp::get(key, None)]);
        let resp = self.txn(txn).await?;
        if !resp.succeeded() {
            return Err(refused(key, expected_mod_revision.unwrap_or(0), &resp)?);
        }
        let rev = header_revision(resp.header())?;
        let prev = match resp.op_responses().first() {
            Some(TxnOpResponse::Delete(del)) => {
                del.prev_kvs().first().map(from_etcd).transpose()?
            }
            _ => None,
        };
        let prev = prev.ok_or_else(|| unexpected("a delete without the previous key"))?;
        Ok(KeyValue {
            mod_revision: rev,
            ..prev
        })
    }

    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream> {
        // etcd reads start revision 0 as "from now": never ask for less than 1.
        let start = after.saturating_add(1).max(1);
        let key = if prefix.is_empty() { "\0" } else { prefix };
        let opts = WatchOptions::new()
            .with_range(prefix_end(prefix))
            .with_start_revision(start)
            .with_prev_key();
        let stream = self
            .watch
            .clone()
            .watch(key, Some(opts))
            .await
            .map_err(backend)?;
        let watch = Watch {
            stream,
            pending: VecDeque::new(),
            next_wanted: start,
            done: false,
        };
        Ok(Box::pin(futures::stream::unfold(watch, Watch::next)))
    }

    async fn current_revision(&self) -> Result<Revision> {
        let opts = GetOptions::new().with_count_only();
        let resp = self
            .kv
            .clone()
            .get(PROBE_KEY, Some(opts))
            .await
            .map_err(backend)?;
        header_revision(resp.header())
    }

    async fn compacted_revision(&self) -> Result<Revision> {
        if self.readable_at(1).await? {
            return Ok(0);
        }
        // Not readable at `lo`, readable at `hi` (the current revision always is).
        let (mut lo, mut hi) = (1, self.current_revision().await?);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.readable_at(mid).await? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    async fn compact(&self, revision: Revision) -> Result<()> {
        let opts = CompactionOptions::new().with_physical();
        match self.kv.clone().compact(revision, Some(opts)).await {
            Ok(_) => Ok(()),
            Err(err) if is(&err, ERR_COMPACTED) => Err(self.compacted(revision).await),
            Err(err) if is(&err, ERR_FUTURE_REV) => Err(self.future(revision).await),
            Err(err) => Err(backend(err)),
        }
    }
}

/// Where an etcd watch stands: the response stream, events not yet handed out, and the first
/// revision still wanted (for the error when etcd cancels the watch as compacted).
struct Watch {
    stream: etcd_client::WatchStream,
    pending: VecDeque<Event>,
    next_wanted: Revision,
    done: bool,
}

impl Watch {
    async fn next(mut self) -> Option<(Result<Event>, Self)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                self.next_wanted = event.revision() + 1;
                return Some((Ok(event), self));
            }
            if self.done {
                return None;
            }
            let resp = match self.stream.message().await {
                Ok(Some(resp)) => resp,
                Ok(None) => {
                    self.done = true;
                    return Some((Err(Error::Backend("etcd closed the watch".into())), self));
                }
                Err(err) => {
                    self.done = true;
                    return Some((Err(backend(err)), self));
                }
            };
            if resp.canceled() {
                self.done = true;
                let err = if resp.compact_revision() > 0 {
                    Error::Compacted {
                        requested: self.next_wanted,
                        compacted: resp.compact_revision(),
                    }
                } else {
                    Error::Backend(format!("etcd canceled the watch: {}", resp.cancel_reason()))
                };
                return Some((Err(err), self));
            }
            for event in resp.events() {
                match to_event(event) {
                    Ok(event) => self.pending.push_back(event),
                    Err(err) => {
                        self.done = true;
                        return Some((Err(err), self));
                    }
                }
            }
        }
    }
}

fn to_event(event: &etcd_client::Event) -> Result<Event> {
    let kv = event
        .kv()
        .ok_or_else(|| unexpected("a watch event without a key"))?;
    let prev = event.prev_kv().map(from_etcd).transpose()?;
    match event.event_type() {
        EventType::Put => Ok(Event {
            kind: EventKind::Put,
            kv: from_etcd(kv)?,
            prev,
        }),
        EventType::Delete => {
            // Our delete events carry what went away, as `Store::delete` returns it.
            let gone = match &prev {
                Some(prev) => KeyValue {
                    mod_revision: kv.mod_revision(),
                    ..prev.clone()
                },
                None => KeyValue {
                    mod_revision: kv.mod_revision(),
                    ..from_etcd(kv)?
                },
            };
            Ok(Event {
                kind: EventKind::Delete,
                kv: gone,
                prev,
            })
        }
    }
}

/// The answer to a guarded write whose guard failed: the else branch read the key.
fn refused(key: &str, expected: Revision, resp: &TxnResponse) -> Result<Error> {
    let current = match resp.op_responses().first() {
        Some(TxnOpResponse::Get(get)) => get.kvs().first().map(from_etcd).transpose()?,
        _ => {
            return Err(unexpected(
                "a refused write without the key's current state",
            ));
        }
    };
    Ok(match current {
        None => Error::NotFound { key: key.into() },
        Some(current) => Error::Conflict {
            key: key.into(),
            expected,
            current: Some(current),
        },
    })
}

fn from_etcd(kv: &etcd_client::KeyValue) -> Result<KeyValue> {
    Ok(KeyValue {
        key: kv.key_str().map_err(backend)?.to_owned(),
        value: Bytes::copy_from_slice(kv.value()),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
        version: kv.version(),
    })
}

fn header_revision(header: Option<&etcd_client::ResponseHeader>) -> Result<Revision> {
    header
        .map(|h| h.revision())
        .ok_or_else(|| unexpected("a response without a header"))
}

/// The first key after every key that starts with `prefix` (etcd's range end for a prefix);
/// `"\0"` (to the end of the key space) for the empty prefix or one of only `0xff` bytes.
fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

/// Whether `err` is the etcd server error whose message contains `what`.
fn is(err: &etcd_client::Error, what: &str) -> bool {
    matches!(err, etcd_client::Error::GRpcStatus(status) if status.message().contains(what))
}

fn backend(err: impl std::fmt::Display) -> Error {
    Error::Backend(format!("etcd: {err}"))
}

fn unexpected(what: &str) -> Error {
    Error::Backend(format!("etcd: unexpected answer: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_is_the_next_key_after_the_prefix() {
        assert_eq!(prefix_end("/registry/"), b"/registry0".to_vec());
        assert_eq!(prefix_end("a"), b"b".to_vec());
        assert_eq!(prefix_end(""), vec![0]);
    }
}
