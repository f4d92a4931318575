//! Leader election (`reference/api-syncagent.md` §6.4): with `--enable-leader-election`, only
//! the replica holding the `coordination.k8s.io/v1` Lease `syncagent.<agent-name>` in
//! `--namespace` runs the controllers.
//!
//! The protocol is client-go's `leaderelection` with controller-runtime's defaults: a replica
//! takes the Lease when nobody holds it, or when its record has not changed for the lease
//! duration (15 s) *as measured on this replica's own clock* since it first saw that record
//! (never by comparing the record's timestamps with the local time: clocks may differ); the
//! leader renews every retry period (2 s) and, when no renewal has succeeded for the renew
//! deadline (10 s), has lost the Lease. Every write carries the resourceVersion read before it,
//! so of two replicas racing for the Lease exactly one wins (the other gets a conflict). The
//! holder identity is `<hostname>_<uuid>`, as controller-runtime makes it.
//!
//! The Lease is not given up on shutdown (controller-runtime's `LeaderElectionReleaseOnCancel`
//! is off by default): another replica takes over once the lease duration has passed.

use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ObjectMeta, PostParams};
use tokio::time::Instant;

/// How long a Lease is valid after its last renewal, when to give up renewing, and how often to
/// try (controller-runtime's defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub lease_duration: Duration,
    pub renew_deadline: Duration,
    pub retry_period: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

/// The Lease's name for an agent.
pub fn lease_name(agent_name: &str) -> String {
    format!("syncagent.{agent_name}")
}

/// controller-runtime's holder identity: `<hostname>_<uuid>`.
pub fn identity() -> String {
    format!("{}_{}", hostname(), uuid::Uuid::new_v4())
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or fails.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        if end > 0 {
            return String::from_utf8_lossy(&buf[..end]).into_owned();
        }
    }
    std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".to_string())
}

/// Where the Lease lives. `replace` must fail when the stored Lease's resourceVersion is no
/// longer the one in `lease.metadata` (the API server's optimistic concurrency).
pub trait LeaseStore: Send + Sync {
    fn get(&self) -> impl Future<Output = anyhow::Result<Option<Lease>>> + Send;
    fn create(&self, lease: Lease) -> impl Future<Output = anyhow::Result<Lease>> + Send;
    fn replace(&self, lease: Lease) -> impl Future<Output = anyhow::Result<Lease>> + Send;
}

/// The Lease on the service cluster.
pub struct KubeLease {
    api: Api<Lease>,
    name: String,
}

impl KubeLease {
    pub fn new(client: kube::Client, namespace: &str, name: &str) -> Self {
        KubeLease {
            api: Api::namespaced(client, namespace),
            name: name.to_string(),
        }
    }
}

impl LeaseStore for KubeLease {
    async fn get(&self) -> anyhow::Result<Option<Lease>> {
        Ok(self.api.get_opt(&self.name).await?)
    }

    async fn create(&self, lease: Lease) -> anyhow::Result<Lease> {
        Ok(self.api.create(&PostParams::default(), &lease).await?)
    }

    async fn replace(&self, lease: Lease) -> anyhow::Result<Lease> {
        Ok(self
            .api
            .replace(&self.name, &PostParams::default(), &lease)
            .await?)
    }
}

/// One replica's side of the election.
pub struct Elector<S> {
    store: S,
    name: String,
    identity: String,
    timing: Timing,
    /// The Lease as last read or written, and when (on this replica's clock) its record was
    /// first seen as it is.
    observed: Option<(Lease, Instant)>,
}

impl<S: LeaseStore> Elector<S> {
    pub fn new(store: S, name: &str, identity: String, timing: Timing) -> Self {
        Elector {
            store,
            name: name.to_string(),
            identity,
            timing,
            observed: None,
        }
    }

    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The holder of the Lease as last seen.
    pub fn observed_holder(&self) -> Option<&str> {
        self.observed
            .as_ref()
            .and_then(|(l, _)| l.spec.as_ref()?.holder_identity.as_deref())
            .filter(|h| !h.is_empty())
    }

    fn observe(&mut self, lease: Lease, now: Instant) {
        let spec = lease.spec.clone().unwrap_or_default();
        let changed = self
            .observed
            .as_ref()
            .is_none_or(|(l, _)| l.spec.clone().unwrap_or_default() != spec);
        if !changed {
            // Same record: keep when it was first seen, take the newer resourceVersion.
            if let Some((l, _)) = &mut self.observed {
                *l = lease;
            }
            return;
        }
        let holder = spec.holder_identity.clone().unwrap_or_default();
        if self.observed_holder().unwrap_or_default() != holder && !holder.is_empty() {
            tracing::info!(lease = %self.name, leader = %holder, "new leader elected");
        }
        self.observed = Some((lease, now));
    }

    fn record(&self, previous: Option<&LeaseSpec>, leading: bool) -> LeaseSpec {
        let now = Some(MicroTime(Timestamp::now()));
        let previous = previous.cloned().unwrap_or_default();
        LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(self.timing.lease_duration.as_secs().max(1) as i32),
            acquire_time: if leading {
                previous.acquire_time.or(now.clone())
            } else {
                now.clone()
            },
            renew_time: now,
            lease_transitions: Some(if leading {
                previous.lease_transitions.unwrap_or(0)
            } else {
                previous.lease_transitions.map_or(0, |t| t + 1)
            }),
            ..previous
        }
    }

    /// One attempt to take or renew the Lease (client-go's `tryAcquireOrRenew`): whether this
    /// replica holds it afterwards.
    pub async fn try_acquire_or_renew(&mut self) -> bool {
        let now = Instant::now();
        let current = match self.store.get().await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(lease = %self.name, "error retrieving the lease: {e:#}");
                return false;
            }
        };
        let Some(current) = current else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.name.clone()),
                    ..Default::default()
                },
                spec: Some(self.record(None, false)),
            };
            return match self.store.create(lease).await {
                Ok(created) => {
                    self.observe(created, now);
                    true
                }
                Err(e) => {
                    tracing::debug!(lease = %self.name, "error creating the lease: {e:#}");
                    false
                }
            };
        };
        self.observe(current.clone(), now);
        let spec = current.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().unwrap_or_default();
        let leading = holder == self.identity;
        let seen_at = self.observed.as_ref().map_or(now, |(_, t)| *t);
        let duration = match spec.lease_duration_seconds {
            Some(s) if s > 0 => Duration::from_secs(s as u64),
            _ => self.timing.lease_duration,
        };
        if !holder.is_empty() && !leading && seen_at + duration > now {
            tracing::trace!(lease = %self.name, leader = %holder, "lock is held and has not yet expired");
            return false;
        }
        let mut updated = current;
        updated.spec = Some(self.record(Some(&spec), leading));
        match self.store.replace(updated).await {
            Ok(written) => {
                self.observe(written, now);
                true
            }
            Err(e) => {
                tracing::debug!(lease = %self.name, "error updating the lease: {e:#}");
                false
            }
        }
    }

    /// Returns once this replica holds the Lease: one attempt every retry period (jittered, as
    /// client-go does, so replicas do not try in step).
    pub async fn acquire(&mut self) {
        tracing::info!(lease = %self.name, identity = %self.identity, "attempting to acquire leader lease");
        loop {
            let attempt = tokio::time::timeout(self.timing.renew_deadline, async {
                self.try_acquire_or_renew().await
            });
            if attempt.await.unwrap_or(false) {
                tracing::info!(lease = %self.name, identity = %self.identity, "successfully acquired lease");
                return;
            }
            let jitter = self
                .timing
                .retry_period
                .mul_f64(1.2 * rand::random::<f64>());
            tokio::time::sleep(self.timing.retry_period + jitter).await;
        }
    }

    /// While this replica leads: renews every retry period, and returns when no renewal has
    /// succeeded for the renew deadline (the Lease is lost).
    pub async fn keep(&mut self) {
        loop {
            let deadline = Instant::now() + self.timing.renew_deadline;
            let mut renewed = false;
            while Instant::now() < deadline {
                let attempt = tokio::time::timeout_at(deadline, self.try_acquire_or_renew());
                if attempt.await.unwrap_or(false) {
                    renewed = true;
                    break;
                }
                tokio::time::sleep_until((Instant::now() + self.timing.retry_period).min(deadline))
                    .await;
            }
            if !renewed {
                tracing::error!(lease = %self.name, "failed to renew the lease: leader election lost");
                return;
            }
            tokio::time::sleep(self.timing.retry_period).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// An API server's Lease: resourceVersion bumped on every write, stale writes refused.
    #[derive(Clone, Default)]
    struct Fake {
        lease: Arc<Mutex<Option<Lease>>>,
        /// While set, every request fails (a partitioned replica).
        down: Arc<Mutex<bool>>,
    }

    impl Fake {
        fn check(&self) -> anyhow::Result<()> {
            anyhow::ensure!(!*self.down.lock().unwrap(), "connection refused");
            Ok(())
        }
        fn holder(&self) -> Option<String> {
            self.lease
                .lock()
                .unwrap()
                .as_ref()
                .and_then(|l| l.spec.as_ref()?.holder_identity.clone())
        }
        fn transitions(&self) -> i32 {
            self.lease
                .lock()
                .unwrap()
                .as_ref()
                .and_then(|l| l.spec.as_ref()?.lease_transitions)
                .unwrap_or(-1)
        }
    }

    fn bump(lease: &mut Lease) {
        let rv: u64 = lease
            .metadata
            .resource_version
            .as_deref()
            .unwrap_or("0")
            .parse()
            .unwrap();
        lease.metadata.resource_version = Some((rv + 1).to_string());
    }

    impl LeaseStore for Fake {
        async fn get(&self) -> anyhow::Result<Option<Lease>> {
            self.check()?;
            Ok(self.lease.lock().unwrap().clone())
        }
        async fn create(&self, mut lease: Lease) -> anyhow::Result<Lease> {
            self.check()?;
            let mut stored = self.lease.lock().unwrap();
            anyhow::ensure!(stored.is_none(), "already exists");
            bump(&mut lease);
            *stored = Some(lease.clone());
            Ok(lease)
        }
        async fn replace(&self, mut lease: Lease) -> anyhow::Result<Lease> {
            self.check()?;
            let mut stored = self.lease.lock().unwrap();
            let current = stored
                .as_ref()
                .and_then(|l| l.metadata.resource_version.clone());
            anyhow::ensure!(
                current.is_some() && current == lease.metadata.resource_version,
                "conflict"
            );
            bump(&mut lease);
            *stored = Some(lease.clone());
            Ok(lease)
        }
    }

    fn elector(store: &Fake, id: &str) -> Elector<Fake> {
        Elector::new(
            store.clone(),
            "syncagent.a",
            id.to_string(),
            Timing::default(),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn one_holder_and_takeover_after_the_lease_duration() {
        let store = Fake::default();
        let (mut a, mut b) = (elector(&store, "a"), elector(&store, "b"));
        assert!(a.try_acquire_or_renew().await, "a creates the lease");
        assert_eq!(store.holder().as_deref(), Some("a"));
        assert_eq!(store.transitions(), 0);
        assert!(!b.try_acquire_or_renew().await, "held by a");
        assert_eq!(b.observed_holder(), Some("a"));

        // a renews: the record changes, b's clock for it starts again.
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(a.try_acquire_or_renew().await);
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(
            !b.try_acquire_or_renew().await,
            "renewed 10 s ago (b saw it now)"
        );
        tokio::time::advance(Duration::from_secs(14)).await;
        assert!(
            !b.try_acquire_or_renew().await,
            "not yet 15 s since b saw it"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(
            b.try_acquire_or_renew().await,
            "a stopped renewing: b takes over"
        );
        assert_eq!(store.holder().as_deref(), Some("b"));
        assert_eq!(store.transitions(), 1);
        assert!(!a.try_acquire_or_renew().await, "a has lost it");
        assert!(b.try_acquire_or_renew().await, "b renews");
        assert_eq!(store.transitions(), 1, "a renewal is no transition");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stale_write_loses_the_race() {
        let store = Fake::default();
        let mut a = elector(&store, "a");
        assert!(a.try_acquire_or_renew().await);
        let (mut b, mut c) = (elector(&store, "b"), elector(&store, "c"));
        assert!(!b.try_acquire_or_renew().await);
        assert!(!c.try_acquire_or_renew().await);
        tokio::time::advance(Duration::from_secs(16)).await;
        // Both read the expired lease; b writes first, c's write carries a stale version.
        let expired = store.lease.lock().unwrap().clone().unwrap();
        assert!(b.try_acquire_or_renew().await);
        let mut stale = expired.clone();
        stale.spec.as_mut().unwrap().holder_identity = Some("c".into());
        assert!(store.replace(stale).await.is_err());
        assert_eq!(store.holder().as_deref(), Some("b"));
        // And c, on its own clock, sees b's fresh record: no takeover.
        assert!(!c.try_acquire_or_renew().await);
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_holder_is_free_to_take() {
        let store = Fake::default();
        let mut a = elector(&store, "a");
        assert!(a.try_acquire_or_renew().await);
        {
            let mut l = store.lease.lock().unwrap();
            let l = l.as_mut().unwrap();
            l.spec.as_mut().unwrap().holder_identity = None;
            bump(l);
        }
        let mut b = elector(&store, "b");
        assert!(b.try_acquire_or_renew().await, "released: no waiting");
        assert_eq!(store.holder().as_deref(), Some("b"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_leader_that_cannot_renew_gives_up_after_the_renew_deadline() {
        let store = Fake::default();
        let mut a = elector(&store, "a");
        a.acquire().await;
        let started = Instant::now();
        *store.down.lock().unwrap() = true;
        a.keep().await;
        let waited = Instant::now() - started;
        // Renewals fail for the renew deadline.
        assert!(
            waited >= Duration::from_secs(10) && waited <= Duration::from_secs(13),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_follower_acquires_once_the_leader_stops() {
        let store = Fake::default();
        let mut a = elector(&store, "a");
        a.acquire().await;
        let mut b = elector(&store, "b");
        let start = Instant::now();
        // a renews for 20 s, then dies.
        let leader = tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(20), a.keep()).await;
        });
        b.acquire().await;
        leader.await.unwrap();
        let waited = Instant::now() - start;
        assert!(
            waited >= Duration::from_secs(33) && waited <= Duration::from_secs(42),
            "{waited:?}"
        );
        assert_eq!(store.holder().as_deref(), Some("b"));
    }

    #[test]
    fn identities_and_names() {
        let id = identity();
        let (host, uuid) = id.rsplit_once('_').unwrap();
        assert!(!host.is_empty());
        assert_eq!(uuid.len(), 36);
        assert_eq!(lease_name("x"), "syncagent.x");
    }
}
