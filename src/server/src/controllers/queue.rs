//! A work queue keyed by object: reconciles run concurrently for different keys and one at a
//! time per key; a key added while its reconcile runs runs once more afterwards (changes are
//! coalesced, never lost). A reconcile may ask to run again after a delay.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Reconcile<K> =
    Arc<dyn Fn(K) -> Pin<Box<dyn Future<Output = Option<Duration>> + Send>> + Send + Sync>;

pub struct Queue<K> {
    /// The controller's name, for the metrics.
    name: &'static str,
    /// The keys being reconciled, and whether they were added again meanwhile.
    running: Arc<Mutex<HashMap<K, bool>>>,
    reconcile: Reconcile<K>,
}

impl<K> Clone for Queue<K> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            running: self.running.clone(),
            reconcile: self.reconcile.clone(),
        }
    }
}

impl<K: Clone + Eq + Hash + Send + 'static> Queue<K> {
    pub fn new<F, Fut>(name: &'static str, reconcile: F) -> Self
    where
        F: Fn(K) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Duration>> + Send + 'static,
    {
        Self {
            name,
            running: Arc::new(Mutex::new(HashMap::new())),
            reconcile: Arc::new(move |k| Box::pin(reconcile(k))),
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<K, bool>> {
        match self.running.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Reconciles `key` now, or right after its running reconcile.
    pub fn add(&self, key: K) {
        {
            let mut running = self.running();
            if let Some(again) = running.get_mut(&key) {
                *again = true;
                return;
            }
            running.insert(key.clone(), false);
        }
        let queue = self.clone();
        tokio::spawn(async move {
            loop {
                let retry = (queue.reconcile)(key.clone()).await;
                crate::metrics::get()
                    .reconciles
                    .with_label_values(&[queue.name])
                    .inc();
                {
                    let mut running = queue.running();
                    if running.get(&key).copied().unwrap_or(false) {
                        running.insert(key.clone(), false);
                        continue;
                    }
                    running.remove(&key);
                }
                if let Some(after) = retry {
                    let queue = queue.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        queue.add(key);
                    });
                }
                return;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn coalesces_and_runs_each_key_once_at_a_time() {
        let runs = Arc::new(AtomicUsize::new(0));
        let active = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let q = {
            let (runs, active) = (runs.clone(), active.clone());
            Queue::new("test", move |_k: u32| {
                let (runs, active, tx) = (runs.clone(), active.clone(), tx.clone());
                async move {
                    assert_eq!(active.fetch_add(1, Ordering::SeqCst), 0, "one at a time");
                    tokio::task::yield_now().await;
                    runs.fetch_add(1, Ordering::SeqCst);
                    active.fetch_sub(1, Ordering::SeqCst);
                    let _ = tx.send(());
                    None
                }
            })
        };
        q.add(1);
        q.add(1);
        q.add(1);
        // The first run, then one more for the two adds made while it ran.
        rx.recv().await;
        rx.recv().await;
        tokio::time::timeout(Duration::from_millis(50), rx.recv())
            .await
            .expect_err("no third run");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }
}
