//! The conformance suite every [`Store`] backend must pass.
//!
//! [`run`] takes a factory that produces a fresh, empty store and runs each check on a store of
//! its own; a check panics (with what it expected and what it got) when the backend breaks the
//! contract written on [`Store`]. The backends' integration tests (`tests/conformance.rs`) call
//! it: the embedded store on a temporary file, etcd on a throwaway server.
//!
//! The checks never assume a starting revision: they read [`Store::current_revision`] first and
//! reason relative to it (etcd starts at 1, the embedded store at 0).

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;

use crate::{Error, Event, EventKind, KeyValue, ListOptions, Revision, Store, WatchStream};

/// How long a check waits for a watch event before it declares it lost.
const EVENT_DEADLINE: Duration = Duration::from_secs(30);

/// Runs every check, each on a fresh store from `fresh`, and panics on the first failure.
pub async fn run<S, F, Fut>(mut fresh: F)
where
    S: Store,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    macro_rules! checks {
        ($($check:ident),* $(,)?) => {$(
            eprintln!("store conformance: {}", stringify!($check));
            let store: Arc<dyn Store> = Arc::new(fresh().await);
            $check(store).await;
        )*};
    }
    checks!(
        create_and_get,
        update_is_guarded_by_mod_revision,
        delete_guarded_and_unguarded,
        revisions_are_shared_and_increasing,
        list_pages_in_key_order,
        list_at_a_past_revision,
        list_at_a_future_revision,
        compaction_forgets_old_history,
        watch_replays_then_goes_live,
        watch_sees_only_its_prefix,
        watch_delete_carries_previous_value,
        watch_from_a_future_revision_waits,
        concurrent_writers_get_distinct_revisions,
        slow_watcher_loses_nothing,
    );
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

async fn current(store: &Arc<dyn Store>) -> Revision {
    match store.current_revision().await {
        Ok(rev) => rev,
        Err(err) => panic!("current_revision failed: {err}"),
    }
}

async fn create(store: &Arc<dyn Store>, key: &str, value: &str) -> KeyValue {
    match store.create(key, b(value)).await {
        Ok(kv) => kv,
        Err(err) => panic!("create {key} failed: {err}"),
    }
}

async fn update(store: &Arc<dyn Store>, key: &str, value: &str, expected: Revision) -> KeyValue {
    match store.update(key, b(value), expected).await {
        Ok(kv) => kv,
        Err(err) => panic!("update {key} failed: {err}"),
    }
}

async fn delete(store: &Arc<dyn Store>, key: &str) -> KeyValue {
    match store.delete(key, None).await {
        Ok(kv) => kv,
        Err(err) => panic!("delete {key} failed: {err}"),
    }
}

async fn list_at(
    store: &Arc<dyn Store>,
    prefix: &str,
    opts: ListOptions,
) -> crate::Result<crate::ListResult> {
    store.list(prefix, opts).await
}

async fn watch(store: &Arc<dyn Store>, prefix: &str, after: Revision) -> WatchStream {
    match store.watch(prefix, after).await {
        Ok(stream) => stream,
        Err(err) => panic!("watch {prefix} after {after} failed: {err}"),
    }
}

/// The stream's next item, which must come within [`EVENT_DEADLINE`].
async fn next_item(stream: &mut WatchStream) -> Option<crate::Result<Event>> {
    match tokio::time::timeout(EVENT_DEADLINE, stream.next()).await {
        Ok(item) => item,
        Err(_) => panic!("no watch event within {EVENT_DEADLINE:?}"),
    }
}

async fn next_event(stream: &mut WatchStream) -> Event {
    match next_item(stream).await {
        Some(Ok(event)) => event,
        Some(Err(err)) => panic!("the watch failed: {err}"),
        None => panic!("the watch ended early"),
    }
}

fn keys(items: &[KeyValue]) -> Vec<&str> {
    items.iter().map(|kv| kv.key.as_str()).collect()
}

/// create returns the new key at one fresh revision; a second create is `AlreadyExists`.
async fn create_and_get(store: Arc<dyn Store>) {
    let base = current(&store).await;
    assert_eq!(
        store.get("/c/a").await.ok(),
        Some(None),
        "get of a missing key"
    );

    let a = create(&store, "/c/a", "one").await;
    assert_eq!(a.key, "/c/a");
    assert_eq!(a.value, b("one"));
    assert_eq!(a.create_revision, base + 1);
    assert_eq!(a.mod_revision, base + 1);
    assert_eq!(a.version, 1);
    assert_eq!(store.get("/c/a").await.ok(), Some(Some(a.clone())));

    match store.create("/c/a", b("two")).await {
        Err(Error::AlreadyExists { key }) => assert_eq!(key, "/c/a"),
        other => panic!("second create: expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        store.get("/c/a").await.ok(),
        Some(Some(a)),
        "a failed create changes nothing"
    );
    // An empty value is a value.
    let empty = create(&store, "/c/empty", "").await;
    assert_eq!(store.get("/c/empty").await.ok(), Some(Some(empty)));
}

/// update needs the key's current mod revision; a stale one is a `Conflict` carrying the key.
async fn update_is_guarded_by_mod_revision(store: Arc<dyn Store>) {
    let a = create(&store, "/u/a", "v1").await;
    let a2 = update(&store, "/u/a", "v2", a.mod_revision).await;
    assert_eq!(a2.value, b("v2"));
    assert_eq!(
        a2.create_revision, a.create_revision,
        "update keeps the create revision"
    );
    assert_eq!(a2.mod_revision, a.mod_revision + 1);
    assert_eq!(a2.version, 2);
    assert_eq!(store.get("/u/a").await.ok(), Some(Some(a2.clone())));

    match store.update("/u/a", b("v3"), a.mod_revision).await {
        Err(Error::Conflict {
            key,
            expected,
            current,
        }) => {
            assert_eq!(key, "/u/a");
            assert_eq!(expected, a.mod_revision);
            assert_eq!(
                current,
                Some(a2.clone()),
                "the conflict carries the current key"
            );
        }
        other => panic!("stale update: expected Conflict, got {other:?}"),
    }
    match store.update("/u/missing", b("x"), a2.mod_revision).await {
        Err(Error::NotFound { key }) => assert_eq!(key, "/u/missing"),
        other => panic!("update of a missing key: expected NotFound, got {other:?}"),
    }
    // Expecting "0" (never written) must not create the key.
    match store.update("/u/missing", b("x"), 0).await {
        Err(Error::NotFound { .. }) => {}
        other => panic!("update of a missing key at 0: expected NotFound, got {other:?}"),
    }
    assert_eq!(store.get("/u/missing").await.ok(), Some(None));
    let a3 = update(&store, "/u/a", "v3", a2.mod_revision).await;
    assert_eq!(a3.version, 3);
}

/// delete, guarded or not, returns what went away at the delete's revision.
async fn delete_guarded_and_unguarded(store: Arc<dyn Store>) {
    let a = create(&store, "/d/a", "v1").await;
    let a2 = update(&store, "/d/a", "v2", a.mod_revision).await;
    match store.delete("/d/a", Some(a.mod_revision)).await {
        Err(Error::Conflict {
            key,
            expected,
            current,
        }) => {
            assert_eq!(key, "/d/a");
            assert_eq!(expected, a.mod_revision);
            assert_eq!(current, Some(a2.clone()));
        }
        other => panic!("stale delete: expected Conflict, got {other:?}"),
    }
    let gone = match store.delete("/d/a", Some(a2.mod_revision)).await {
        Ok(kv) => kv,
        Err(err) => panic!("guarded delete failed: {err}"),
    };
    assert_eq!(gone.key, "/d/a");
    assert_eq!(
        gone.value,
        b("v2"),
        "delete returns the value that went away"
    );
    assert_eq!(gone.create_revision, a.create_revision);
    assert_eq!(
        gone.mod_revision,
        a2.mod_revision + 1,
        "at the delete's revision"
    );
    assert_eq!(store.get("/d/a").await.ok(), Some(None));

    for guard in [None, Some(gone.mod_revision)] {
        match store.delete("/d/a", guard).await {
            Err(Error::NotFound { key }) => assert_eq!(key, "/d/a"),
            other => {
                panic!("delete of a missing key ({guard:?}): expected NotFound, got {other:?}")
            }
        }
    }

    // Re-creating starts a new life: new create revision, version 1.
    let again = create(&store, "/d/a", "v3").await;
    assert_eq!(again.create_revision, gone.mod_revision + 1);
    assert_eq!(again.version, 1);
    let unguarded = delete(&store, "/d/a").await;
    assert_eq!(unguarded.value, b("v3"));
    assert_eq!(unguarded.mod_revision, again.mod_revision + 1);
    assert_eq!(store.count("/d/").await.ok(), Some(0));
}

/// One revision counter for every key; failed writes do not take a revision.
async fn revisions_are_shared_and_increasing(store: Arc<dyn Store>) {
    let base = current(&store).await;
    let a = create(&store, "/r/a", "1").await;
    let b_ = create(&store, "/r/b", "1").await;
    let a2 = update(&store, "/r/a", "2", a.mod_revision).await;
    assert_eq!(
        [a.mod_revision, b_.mod_revision, a2.mod_revision],
        [base + 1, base + 2, base + 3]
    );
    assert_eq!(current(&store).await, base + 3);

    assert!(store.create("/r/a", b("x")).await.is_err());
    assert!(store.update("/r/a", b("x"), a.mod_revision).await.is_err());
    assert!(store.delete("/r/missing", None).await.is_err());
    assert_eq!(
        current(&store).await,
        base + 3,
        "failed writes take no revision"
    );

    let gone = delete(&store, "/r/b").await;
    assert_eq!(gone.mod_revision, base + 4);
    assert_eq!(current(&store).await, base + 4);
}

/// Paged lists: key order, prefix boundaries, `more` and `remaining`.
async fn list_pages_in_key_order(store: Arc<dyn Store>) {
    // Written out of order; the list must sort them.
    for i in [3, 9, 0, 5, 1, 7, 2, 8, 4, 6] {
        create(&store, &format!("/l/items/k{i:02}"), &format!("v{i}")).await;
    }
    // Neighbours that a byte-wise prefix must not include.
    for key in ["/l/items", "/l/items0", "/l/itemsx/k", "/l/i"] {
        create(&store, key, "neighbour").await;
    }
    let now = current(&store).await;
    let all: Vec<String> = (0..10).map(|i| format!("/l/items/k{i:02}")).collect();
    let prefix = "/l/items/";
    let page = |start_after: Option<&str>, limit: Option<usize>| ListOptions {
        revision: None,
        start_after: start_after.map(str::to_owned),
        limit,
    };

    let full = match list_at(&store, prefix, page(None, None)).await {
        Ok(list) => list,
        Err(err) => panic!("list failed: {err}"),
    };
    assert_eq!(keys(&full.items), all);
    assert_eq!(full.items[0].value, b("v0"));
    assert_eq!((full.revision, full.more, full.remaining), (now, false, 0));
    let unlimited = list_at(&store, prefix, page(None, Some(0))).await.ok();
    assert_eq!(
        unlimited.map(|l| l.items.len()),
        Some(10),
        "limit 0 means no limit"
    );

    // Walk the pages the way a paged LIST does.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let list = match list_at(&store, prefix, page(after.as_deref(), Some(3))).await {
            Ok(list) => list,
            Err(err) => panic!("paged list failed: {err}"),
        };
        pages += 1;
        assert!(list.items.len() <= 3);
        let left = 10 - seen.len() - list.items.len();
        assert_eq!(
            list.remaining,
            i64::try_from(left).unwrap_or(-1),
            "page {pages}"
        );
        assert_eq!(list.more, left > 0, "page {pages}");
        assert_eq!(list.revision, now);
        seen.extend(list.items.iter().map(|kv| kv.key.clone()));
        if !list.more {
            break;
        }
        after = list.items.last().map(|kv| kv.key.clone());
    }
    assert_eq!(seen, all);
    assert_eq!(pages, 4);

    let last = list_at(&store, prefix, page(Some("/l/items/k09"), Some(3)))
        .await
        .ok();
    assert!(last.is_some_and(|l| l.items.is_empty() && !l.more && l.remaining == 0));
    let before = list_at(&store, prefix, page(Some("/a"), Some(2)))
        .await
        .ok();
    assert_eq!(
        before.map(|l| (keys(&l.items).join(","), l.remaining)),
        Some(("/l/items/k00,/l/items/k01".to_owned(), 8)),
        "a continue key before the prefix starts at the prefix"
    );
    let beyond = list_at(&store, prefix, page(Some("/m"), None)).await.ok();
    assert!(beyond.is_some_and(|l| l.items.is_empty() && !l.more));

    assert_eq!(store.count(prefix).await.ok(), Some(10));
    assert_eq!(store.count("/l/").await.ok(), Some(14));
    assert_eq!(store.count("/nothing/").await.ok(), Some(0));
    let everything = list_at(&store, "", page(None, None)).await.ok();
    assert_eq!(
        everything.map(|l| l.items.len()),
        Some(14),
        "the empty prefix lists every key"
    );
}

/// A list at an older revision shows the keys as they were then, pages included.
async fn list_at_a_past_revision(store: Arc<dyn Store>) {
    let base = current(&store).await;
    let a = create(&store, "/p/a", "a1").await;
    let b1 = create(&store, "/p/b", "b1").await;
    let r1 = current(&store).await;
    let a2 = update(&store, "/p/a", "a2", a.mod_revision).await;
    let r_update = current(&store).await;
    delete(&store, "/p/b").await;
    let c = create(&store, "/p/c", "c1").await;
    create(&store, "/q/other", "x").await;

    let at = |revision: Revision, start_after: Option<&str>, limit: Option<usize>| ListOptions {
        revision: Some(revision),
        start_after: start_after.map(str::to_owned),
        limit,
    };
    let then = match list_at(&store, "/p/", at(r1, None, None)).await {
        Ok(list) => list,
        Err(err) => panic!("list at {r1} failed: {err}"),
    };
    assert_eq!(then.items, vec![a.clone(), b1.clone()]);
    assert_eq!((then.revision, then.more, then.remaining), (r1, false, 0));

    let first = list_at(&store, "/p/", at(r1, None, Some(1))).await.ok();
    assert_eq!(
        first.map(|l| (l.items, l.more, l.remaining)),
        Some((vec![a.clone()], true, 1))
    );
    let second = list_at(&store, "/p/", at(r1, Some("/p/a"), Some(1)))
        .await
        .ok();
    assert_eq!(
        second.map(|l| (l.items, l.more)),
        Some((vec![b1.clone()], false))
    );

    let mid = list_at(&store, "/p/", at(r_update, None, None)).await.ok();
    assert_eq!(mid.map(|l| l.items), Some(vec![a2.clone(), b1]));
    let now = list_at(&store, "/p/", ListOptions::default()).await.ok();
    assert_eq!(now.map(|l| l.items), Some(vec![a2.clone(), c.clone()]));
    let latest = current(&store).await;
    let explicit = list_at(&store, "/p/", at(latest, None, None)).await.ok();
    assert_eq!(
        explicit.map(|l| (l.items, l.revision)),
        Some((vec![a2, c], latest))
    );
    let empty = list_at(&store, "/p/", at(base, None, None)).await.ok();
    assert!(empty.is_some_and(|l| l.items.is_empty() && l.revision == base));
}

/// A list newer than the store is `FutureRevision`.
async fn list_at_a_future_revision(store: Arc<dyn Store>) {
    create(&store, "/f/a", "1").await;
    let now = current(&store).await;
    let opts = ListOptions {
        revision: Some(now + 5),
        ..ListOptions::default()
    };
    match list_at(&store, "/f/", opts).await {
        Err(Error::FutureRevision { requested, current }) => {
            assert_eq!((requested, current), (now + 5, now));
        }
        other => panic!("future list: expected FutureRevision, got {other:?}"),
    }
}

/// After `compact(r)`: reads before `r` are `Compacted`, reads at or after `r` still work.
async fn compaction_forgets_old_history(store: Arc<dyn Store>) {
    assert_eq!(
        store.compacted_revision().await.ok(),
        Some(0),
        "a fresh store"
    );
    // The compaction lands on a put: etcd drops a delete that sits exactly on the compaction
    // revision from replays (see `Store::compact`).
    let x1 = create(&store, "/k/x", "x1").await; // r1
    let y = create(&store, "/k/y", "y1").await; // r2
    let y_gone = delete(&store, "/k/y").await; // r3
    let x2 = update(&store, "/k/x", "x2", x1.mod_revision).await; // r4
    let x3 = update(&store, "/k/x", "x3", x2.mod_revision).await; // r5
    let (r3, r4) = (y_gone.mod_revision, x2.mod_revision);
    assert_eq!((y.mod_revision + 1, r3 + 1), (r3, r4));

    if let Err(err) = store.compact(r4).await {
        panic!("compact({r4}) failed: {err}");
    }
    assert_eq!(store.compacted_revision().await.ok(), Some(r4));

    let at = |revision| ListOptions {
        revision: Some(revision),
        ..ListOptions::default()
    };
    match list_at(&store, "/k/", at(r3)).await {
        Err(Error::Compacted {
            requested,
            compacted,
        }) => assert_eq!((requested, compacted), (r3, r4)),
        other => panic!("list below the compaction: expected Compacted, got {other:?}"),
    }
    let kept = list_at(&store, "/k/", at(r4)).await.ok();
    assert_eq!(
        kept.map(|l| l.items),
        Some(vec![x2.clone()]),
        "the state at the compaction is kept"
    );
    let now = list_at(&store, "/k/", ListOptions::default()).await.ok();
    assert_eq!(now.map(|l| l.items), Some(vec![x3.clone()]));
    assert_eq!(store.get("/k/x").await.ok(), Some(Some(x3.clone())));

    // A watch whose first wanted event was compacted: Compacted, then the end.
    let mut stream = watch(&store, "/k/", r3 - 1).await;
    match next_item(&mut stream).await {
        Some(Err(Error::Compacted {
            requested,
            compacted,
        })) => assert_eq!((requested, compacted), (r3, r4)),
        other => panic!("watch below the compaction: expected Compacted, got {other:?}"),
    }
    assert!(
        next_item(&mut stream).await.is_none(),
        "the watch ends after Compacted"
    );

    // watch(prefix, r - 1) still replays from r.
    let mut stream = watch(&store, "/k/", r4 - 1).await;
    let first = next_event(&mut stream).await;
    assert_eq!((first.kind, first.kv), (EventKind::Put, x2));
    let second = next_event(&mut stream).await;
    assert_eq!((second.kind, second.kv), (EventKind::Put, x3));

    for again in [r4, r3] {
        match store.compact(again).await {
            Err(Error::Compacted {
                requested,
                compacted,
            }) => assert_eq!((requested, compacted), (again, r4)),
            other => panic!("compact({again}) again: expected Compacted, got {other:?}"),
        }
    }
    let ahead = current(&store).await + 1;
    match store.compact(ahead).await {
        Err(Error::FutureRevision { requested, .. }) => assert_eq!(requested, ahead),
        other => panic!("compact in the future: expected FutureRevision, got {other:?}"),
    }
}

/// A watch replays the kept history after `after`, then delivers live changes, in order.
async fn watch_replays_then_goes_live(store: Arc<dyn Store>) {
    let base = current(&store).await;
    let a1 = create(&store, "/w/a", "1").await;
    let a2 = update(&store, "/w/a", "2", a1.mod_revision).await;
    let b1 = create(&store, "/w/b", "1").await;

    let mut stream = watch(&store, "/w/", base).await;
    let e1 = next_event(&mut stream).await;
    assert_eq!(
        (e1.kind.clone(), e1.kv.clone(), e1.prev.clone()),
        (EventKind::Put, a1.clone(), None)
    );
    let e2 = next_event(&mut stream).await;
    assert_eq!(
        (e2.kind.clone(), e2.kv.clone()),
        (EventKind::Put, a2.clone())
    );
    assert_eq!(e2.prev, Some(a1), "an update carries the previous value");
    let e3 = next_event(&mut stream).await;
    assert_eq!(e3.kv, b1);

    // Live.
    let b_gone = delete(&store, "/w/b").await;
    let c1 = create(&store, "/w/c", "1").await;
    let e4 = next_event(&mut stream).await;
    assert_eq!(
        (e4.kind.clone(), e4.kv.clone()),
        (EventKind::Delete, b_gone)
    );
    let e5 = next_event(&mut stream).await;
    assert_eq!(e5.kv, c1.clone());

    // A second watch from the middle starts right after `after`.
    let mut from_middle = watch(&store, "/w/", a2.mod_revision).await;
    let revisions = [
        next_event(&mut from_middle).await.revision(),
        next_event(&mut from_middle).await.revision(),
        next_event(&mut from_middle).await.revision(),
    ];
    assert_eq!(
        revisions,
        [b1.mod_revision, b1.mod_revision + 1, c1.mod_revision]
    );
}

/// A watch on a prefix sees nothing from its neighbours.
async fn watch_sees_only_its_prefix(store: Arc<dyn Store>) {
    let now = current(&store).await;
    let mut stream = watch(&store, "/i/a/", now).await;
    for key in ["/i/b/x", "/i/a", "/i/ab", "/i/a0"] {
        create(&store, key, "other").await;
    }
    let mine = create(&store, "/i/a/x", "mine").await;
    let event = next_event(&mut stream).await;
    assert_eq!(
        event.kv, mine,
        "the first event under the prefix is the only one"
    );
}

/// A delete event carries the value that went away, in `kv` and in `prev`.
async fn watch_delete_carries_previous_value(store: Arc<dyn Store>) {
    let v1 = create(&store, "/x/k", "v1").await;
    let v2 = update(&store, "/x/k", "v2", v1.mod_revision).await;
    let mut stream = watch(&store, "/x/", v2.mod_revision).await;
    let gone = delete(&store, "/x/k").await;
    let event = next_event(&mut stream).await;
    assert_eq!(event.kind, EventKind::Delete);
    assert_eq!(
        event.kv, gone,
        "the event's key-value is what delete returned"
    );
    assert_eq!(event.kv.value, b("v2"));
    assert_eq!(event.revision(), v2.mod_revision + 1);
    assert_eq!(event.prev, Some(v2));
}

/// `after` beyond the current revision: the watch waits for it.
async fn watch_from_a_future_revision_waits(store: Arc<dyn Store>) {
    let now = current(&store).await;
    let mut stream = watch(&store, "/z/", now + 2).await;
    for i in 1..=3 {
        create(&store, &format!("/z/{i}"), "v").await;
    }
    let event = next_event(&mut stream).await;
    assert_eq!((event.kv.key.as_str(), event.revision()), ("/z/3", now + 3));
}

/// 64 concurrent writers: every write gets its own revision, with no gap, and a watch sees
/// them all in order.
async fn concurrent_writers_get_distinct_revisions(store: Arc<dyn Store>) {
    const WRITERS: usize = 64;
    const EACH: usize = 8;
    let base = current(&store).await;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut revisions = Vec::new();
            for i in 0..EACH {
                let kv = create(&store, &format!("/cw/{w:02}/{i}"), "v").await;
                revisions.push(kv.mod_revision);
            }
            revisions
        }));
    }
    let mut all = BTreeSet::new();
    for task in tasks {
        let revisions = match task.await {
            Ok(revisions) => revisions,
            Err(err) => panic!("a writer failed: {err}"),
        };
        assert!(
            revisions.windows(2).all(|w| w[0] < w[1]),
            "one writer's revisions increase"
        );
        all.extend(revisions);
    }
    let total = i64::try_from(WRITERS * EACH).unwrap_or(0);
    assert_eq!(
        all.len(),
        WRITERS * EACH,
        "every write got its own revision"
    );
    assert_eq!(all.first().copied(), Some(base + 1));
    assert_eq!(all.last().copied(), Some(base + total));
    assert_eq!(current(&store).await, base + total);

    let mut stream = watch(&store, "/cw/", base).await;
    for expected in base + 1..=base + total {
        assert_eq!(next_event(&mut stream).await.revision(), expected);
    }
}

/// A watcher that does not read while many commits happen still gets every event, in order.
async fn slow_watcher_loses_nothing(store: Arc<dyn Store>) {
    // More separate commits than a live buffer holds.
    const WRITES: i64 = 1500;
    let base = current(&store).await;
    let mut stream = watch(&store, "/s/", base).await;
    let mut early = watch(&store, "/s/", base).await;
    // One watcher has started reading, the other has not.
    create(&store, "/s/first", "v").await;
    assert_eq!(next_event(&mut early).await.revision(), base + 1);
    for i in 1..WRITES {
        create(&store, &format!("/s/{i:05}"), "v").await;
    }
    expect_revisions(&mut stream, base + 1, base + WRITES).await;
    expect_revisions(&mut early, base + 2, base + WRITES).await;
}

/// The stream's next events are exactly revisions `first..=last`.
async fn expect_revisions(stream: &mut WatchStream, first: Revision, last: Revision) {
    for expected in first..=last {
        let event = next_event(stream).await;
        assert_eq!(event.revision(), expected, "no event lost or doubled");
    }
}
