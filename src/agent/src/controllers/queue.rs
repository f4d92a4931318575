//! A work queue as client-go's: a key is queued once however often it is added, never processed
//! by two workers at once, and processed again when it was added while being processed.

use std::collections::{HashSet, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

struct Inner<K> {
    queue: VecDeque<K>,
    queued: HashSet<K>,
    processing: HashSet<K>,
    /// Added while processing: queued again when done.
    dirty: HashSet<K>,
}

pub struct Queue<K> {
    inner: Mutex<Inner<K>>,
    ready: Notify,
}

impl<K: Clone + Eq + Hash + Send + 'static> Queue<K> {
    pub fn new() -> Arc<Self> {
        Arc::new(Queue {
            inner: Mutex::new(Inner {
                queue: VecDeque::new(),
                queued: HashSet::new(),
                processing: HashSet::new(),
                dirty: HashSet::new(),
            }),
            ready: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, key: K) {
        let mut q = self.lock();
        if q.processing.contains(&key) {
            q.dirty.insert(key);
            return;
        }
        if q.queued.insert(key.clone()) {
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

    /// The next key to process (call [`Self::done`] after).
    pub async fn next(&self) -> K {
        loop {
            {
                let mut q = self.lock();
                if let Some(k) = q.queue.pop_front() {
                    q.queued.remove(&k);
                    q.processing.insert(k.clone());
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
        if q.dirty.remove(key) && q.queued.insert(key.clone()) {
            q.queue.push_back(key.clone());
            drop(q);
            self.ready.notify_one();
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
}
