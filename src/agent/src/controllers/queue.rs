//! A work queue as client-go's: a key is queued once however often it is added, never processed
//! by two workers at once, and processed again when it was added while being processed.
//!
//! A named queue ([`Queue::named`]) has client-go's `workqueue_*` series under its name: depth
//! (keys waiting, including those added again while processed), adds (keys that started to
//! wait), queue duration (from the first add to a worker taking it), work duration (from taken
//! to done) and retries ([`Queue::retry`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::metrics::QueueMetrics;

struct Inner<K> {
    queue: VecDeque<K>,
    queued: HashSet<K>,
    processing: HashSet<K>,
    /// Added while processing: queued again when done.
    dirty: HashSet<K>,
    /// Since when each waiting key waits, and since when each processed key is processed.
    added_at: HashMap<K, Instant>,
    started_at: HashMap<K, Instant>,
}

pub struct Queue<K> {
    inner: Mutex<Inner<K>>,
    ready: Notify,
    metrics: Option<QueueMetrics>,
}

impl<K: Clone + Eq + Hash + Send + 'static> Queue<K> {
    /// A queue without metrics.
    pub fn new() -> Arc<Self> {
        Self::with_metrics(None)
    }

    /// A queue with the `workqueue_*` series labelled `name` (several queues may share one).
    pub fn named(name: &str) -> Arc<Self> {
        Self::with_metrics(Some(QueueMetrics::new(name)))
    }

    fn with_metrics(metrics: Option<QueueMetrics>) -> Arc<Self> {
        Arc::new(Queue {
            inner: Mutex::new(Inner {
                queue: VecDeque::new(),
                queued: HashSet::new(),
                processing: HashSet::new(),
                dirty: HashSet::new(),
                added_at: HashMap::new(),
                started_at: HashMap::new(),
            }),
            ready: Notify::new(),
            metrics,
        })
    }

    /// `key` starts to wait.
    fn waiting(&self, q: &mut Inner<K>, key: &K) {
        if let Some(m) = &self.metrics {
            m.adds.inc();
            m.depth.inc();
            q.added_at.insert(key.clone(), Instant::now());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, key: K) {
        let mut q = self.lock();
        if q.processing.contains(&key) {
            if q.dirty.insert(key.clone()) {
                self.waiting(&mut q, &key);
            }
            return;
        }
        if q.queued.insert(key.clone()) {
            self.waiting(&mut q, &key);
            q.queue.push_back(key);
            drop(q);
            self.ready.notify_one();
        }
    }

    /// Adds `key` after `delay`.
    pub fn add_after(self: &Arc<Self>, key: K, delay: Duration) {
        let q = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            q.add(key);
        });
    }

    /// Adds `key` after `delay`, counted as a retry (a failed reconcile).
    pub fn retry(self: &Arc<Self>, key: K, delay: Duration) {
        if let Some(m) = &self.metrics {
            m.retries.inc();
        }
        self.add_after(key, delay);
    }

    /// The next key to process (call [`Self::done`] after).
    pub async fn next(&self) -> K {
        loop {
            {
                let mut q = self.lock();
                if let Some(k) = q.queue.pop_front() {
                    q.queued.remove(&k);
                    q.processing.insert(k.clone());
                    if let Some(m) = &self.metrics {
                        m.depth.dec();
                        if let Some(t) = q.added_at.remove(&k) {
                            m.queue_duration.observe(t.elapsed().as_secs_f64());
                        }
                        q.started_at.insert(k.clone(), Instant::now());
                    }
                    if !q.queue.is_empty() {
                        self.ready.notify_one();
                    }
                    return k;
                }
            }
            self.ready.notified().await;
        }
    }

    pub fn done(&self, key: &K) {
        let mut q = self.lock();
        q.processing.remove(key);
        if let (Some(m), Some(t)) = (&self.metrics, q.started_at.remove(key)) {
            m.work_duration.observe(t.elapsed().as_secs_f64());
        }
        if q.dirty.remove(key) && q.queued.insert(key.clone()) {
            q.queue.push_back(key.clone());
            drop(q);
            self.ready.notify_one();
        } else if q.queue.is_empty() && q.processing.is_empty() {
            q.shrink();
        }
    }
}

impl<K: Eq + Hash> Inner<K> {
    /// Gives back the room a burst of keys (an initial sync) took, once all are done.
    fn shrink(&mut self) {
        const KEEP: usize = 64;
        if self.queued.capacity() > KEEP || self.queue.capacity() > KEEP {
            self.queue.shrink_to(KEEP);
            self.queued.shrink_to(KEEP);
            self.processing.shrink_to(KEEP);
            self.dirty.shrink_to(KEEP);
            self.added_at.shrink_to(KEEP);
            self.started_at.shrink_to(KEEP);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_are_deduplicated_and_requeued_when_dirty() {
        let q = Queue::new();
        q.add("a");
        q.add("a");
        q.add("b");
        let a = q.next().await;
        assert_eq!(a, "a");
        q.add("a"); // while processing
        assert_eq!(q.next().await, "b");
        q.done(&"b");
        q.done(&a);
        assert_eq!(q.next().await, "a");
    }

    #[tokio::test]
    async fn named_queues_have_client_go_s_series() {
        let name = "test-queue-series";
        let m = QueueMetrics::new(name);
        let q = Queue::named(name);
        q.add("a");
        q.add("a");
        q.add("b");
        assert_eq!((m.adds.get(), m.depth.get()), (2, 2));
        let a = q.next().await;
        assert_eq!(m.depth.get(), 1);
        q.add("a"); // while processing: waits again
        q.add("a");
        assert_eq!((m.adds.get(), m.depth.get()), (3, 2));
        q.done(&a);
        assert_eq!(m.depth.get(), 2, "a queued again, already counted");
        for _ in 0..2 {
            let k = q.next().await;
            q.done(&k);
        }
        assert_eq!(m.depth.get(), 0);
        assert_eq!(m.queue_duration.get_sample_count(), 3);
        assert_eq!(m.work_duration.get_sample_count(), 3);
        q.retry("c", Duration::from_millis(1));
        assert_eq!(m.retries.get(), 1);
        assert_eq!(q.next().await, "c");
        assert_eq!(m.adds.get(), 4);
    }
}
