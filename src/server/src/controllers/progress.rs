//! Lets a request wait for a controller: a create answered once the controller has taken the
//! object through its first step (a workspace scheduled, a binding bound), so that clients
//! writing faster than the controller works are paced by it instead of piling up a backlog
//! behind it. The answer itself is the object as created, as kcp's.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Who waits for the next reconcile of each key (an object's, or a cluster's).
#[derive(Default)]
pub struct Progress {
    waiters: Mutex<Waiters>,
}

type Waiters = HashMap<(String, String), Vec<tokio::sync::oneshot::Sender<()>>>;

impl Progress {
    fn waiters(&self) -> std::sync::MutexGuard<'_, Waiters> {
        match self.waiters.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A reconcile of `key` ended.
    pub fn reconciled(&self, key: &(String, String)) {
        if let Some(waiters) = self.waiters().remove(key) {
            for w in waiters {
                let _ = w.send(());
            }
        }
    }

    /// Waits until `done` holds, checking it again after each reconcile of `key`, at most
    /// `timeout`.
    pub async fn wait<F, Fut>(&self, key: (String, String), timeout: Duration, mut done: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        let deadline = Instant::now() + timeout;
        loop {
            let (tx, rx) = tokio::sync::oneshot::channel();
            self.waiters().entry(key.clone()).or_default().push(tx);
            // Checked after registering, so a reconcile ending in between is not missed.
            let finished = done().await;
            let left = deadline.saturating_duration_since(Instant::now());
            if finished || left.is_zero() || tokio::time::timeout(left, rx).await.is_err() {
                break;
            }
        }
        // Drop this request's senders that no reconcile consumed.
        let mut waiters = self.waiters();
        if let Some(w) = waiters.get_mut(&key) {
            w.retain(|tx| !tx.is_closed());
            if w.is_empty() {
                waiters.remove(&key);
            }
        }
    }

    #[cfg(test)]
    pub fn is_waiting(&self, key: &(String, String)) -> bool {
        self.waiters().contains_key(key)
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.waiters().is_empty()
    }
}
