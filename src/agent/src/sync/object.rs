//! The sync of one primary object (`reference/api-syncagent.md` §5.5, §5.6): kcp is the source
//! of the desired state, the service cluster holds the copy.
//!
//! Each step does at most one write and goes on with the server's answer to it, so every step
//! works on fresh objects: deletion (copy first, then the finalizer), the finalizer, the copy's
//! creation (or adoption of an object with its name), the three-way spec sync from the
//! last-known state (fields changed only on the service cluster stay), then the copy's status
//! back to kcp. The caller is told of each answer ([`Observed`]) to keep its caches current.

use std::collections::BTreeMap;

use anyhow::{Context as _, anyhow};

use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, ApiResource, DeleteParams, PostParams};
use serde_json::{Value, json};

use super::filter::Filter;
use super::meta::{self, AGENT_NAME_LABEL, FINALIZER, ObjectKey, RELEASED_LABEL};
use super::related::{self, Interest, Processed, Related, RelatedSync};
use super::rest::ObjectApi;
use super::state::{self, StateStore};
use crate::mutation::Mutator;
use kcp_api::syncagent::v1alpha1::ConflictPolicy;
use kcp_api::syncagent::{DELETE_COPY_FIRST_ANNOTATION, DELETION_PROPAGATION_POLICY_ANNOTATION};

/// What to do after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not done: look again later (a step waits for a watch event, or steps are left).
    Requeue,
    /// In sync (or waiting for a watch event).
    Done,
}

/// An event about the kcp object (reason, message), as the Go agent emits them.
pub type EventFn<'a> = &'a (dyn Fn(&Value, &'static str, &'static str) + Send + Sync);

/// A write [`Primary::process`] made, reported as soon as the server has acknowledged it (for
/// the sync-lag metric).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// The agent's finalizer on the kcp object, added or removed.
    Finalizer,
    /// The copy on the service cluster, created (or adopted), updated or deleted: the sync down.
    Copy,
    /// The kcp object's status: the sync up.
    Status,
    /// A related object (or its copy): towards kcp (`up`, service-origin objects) or the
    /// service cluster.
    Related { up: bool },
}

/// Told of each [`Write`].
pub type WriteFn<'a> = &'a (dyn Fn(Write) + Send + Sync);

/// An object as the server answered a write.
pub enum Observed<'v> {
    /// The kcp object.
    Remote(&'v Value),
    /// The copy on the service cluster.
    Copy(&'v Value),
}

/// Told of each [`Observed`] object.
pub type ObservedFn<'a> = &'a (dyn Fn(Observed<'_>) + Send + Sync);

/// Steps in one [`Primary::process`] at most (a new object takes three: finalizer, copy, a
/// last look); what is left is looked at again later.
const MAX_STEPS: usize = 8;

/// What a step leaves.
enum Step {
    /// It wrote the kcp object: the next step works on this answer.
    Remote(Value),
    /// It wrote the copy: the next step works on this answer.
    Copy(Value),
    /// Waiting for a watch event (the copy's deletion).
    Wait,
    Done,
}

/// The namespaces on the service cluster known to exist (made or seen by the agent), so a
/// copy's namespace is not looked up before each copy is made.
#[derive(Default)]
pub struct Namespaces(std::sync::RwLock<std::collections::HashSet<String>>);

impl Namespaces {
    fn known(&self, ns: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(ns)
    }

    fn insert(&self, ns: &str) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(ns.to_string());
    }

    fn forget(&self, ns: &str) {
        self.0.write().unwrap_or_else(|p| p.into_inner()).remove(ns);
    }
}

/// What failed, as context on the errors of [`Primary::process`] that are not the service
/// cluster's answers (for the sync-error metric, `crate::metrics::sync_error_reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A request to kcp (the object's finalizer or status).
    KcpRequest,
    /// The naming rules.
    Naming,
    /// The last-known state Secret.
    State,
    /// The copy's name is taken by another object (`conflictPolicy: Fail`, or the copy of
    /// another kcp object).
    Conflict,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Failure::KcpRequest => "request to kcp",
            Failure::Naming => "naming the copy",
            Failure::State => "last-known state",
            Failure::Conflict => "name conflict",
        })
    }
}

/// How one published resource is synced.
pub struct Primary<'a> {
    pub agent_name: &'a str,
    /// The logical cluster of the kcp object.
    pub cluster_name: &'a str,
    /// The workspace's path ("" unless workspace paths are enabled).
    pub workspace_path: &'a str,
    /// The kcp side: a client for the object's workspace and the projected resource.
    pub remote_client: kube::Client,
    pub remote_resource: &'a ApiResource,
    pub remote_namespaced: bool,
    /// Whether kcp serves the resource's `status` subresource (else the status is written
    /// with the object).
    pub remote_status_subresource: bool,
    /// The service cluster's side.
    pub local_client: kube::Client,
    pub local_resource: &'a ApiResource,
    pub local_namespaced: bool,
    /// Top-level fields that belong to subresources of the local resource (`status`, …).
    pub subresources: &'a [&'a str],
    /// The copy's namespace and name for a kcp object (the naming rules).
    pub naming: &'a (dyn Fn(&Value) -> anyhow::Result<(String, String)> + Send + Sync),
    /// The agent's namespace (state Secrets).
    pub namespace: &'a str,
    pub event: EventFn<'a>,
    /// Told of each write as soon as it is acknowledged.
    pub on_write: WriteFn<'a>,
    /// Told of each object a write answered with.
    pub observed: ObservedFn<'a>,
    /// The service cluster's namespaces known to exist.
    pub namespaces: &'a Namespaces,
    /// Which kcp objects are synced (`spec.filter`).
    pub filter: &'a Filter,
    /// `spec.related`, with their resources.
    pub related: &'a [Related],
    /// The related objects the controller's watches hold.
    pub related_objects: Option<&'a dyn related::RelatedObjects>,
    /// Told what the related objects of the object were looked for by, each time.
    pub interests: &'a (dyn Fn(Vec<Interest>) + Send + Sync),
    /// `spec.deletion.waitForOtherFinalizers`.
    pub wait_for_other_finalizers: bool,
    /// `spec.conflictPolicy`.
    pub conflict_policy: ConflictPolicy,
    /// Whether the projected schema has `status.conditions` (where a conflict is reported).
    pub remote_conditions: bool,
    /// A Warning event about the kcp object (reason, message).
    pub warning: &'a (dyn Fn(&Value, &'static str, &str) + Send + Sync),
    /// `spec.mutation`, compiled.
    pub mutator: Option<&'a Mutator>,
}

fn api(client: &kube::Client, ar: &ApiResource, namespaced: bool, ns: &str) -> ObjectApi {
    ObjectApi::new(client, ar, (namespaced && !ns.is_empty()).then_some(ns))
}

pub(super) fn namespace_of(o: &Value) -> &str {
    o["metadata"]["namespace"].as_str().unwrap_or_default()
}

pub(super) fn name_of(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap_or_default()
}

pub(super) fn deleting(o: &Value) -> bool {
    !o["metadata"]["deletionTimestamp"].is_null()
}

impl Primary<'_> {
    fn remote_api(&self, obj: &Value) -> ObjectApi {
        api(
            &self.remote_client,
            self.remote_resource,
            self.remote_namespaced,
            namespace_of(obj),
        )
    }

    fn local_api(&self, ns: &str) -> ObjectApi {
        api(
            &self.local_client,
            self.local_resource,
            self.local_namespaced,
            ns,
        )
    }

    /// Syncs `remote` (the kcp object as last seen) with `copy` (its copy on the service
    /// cluster as last seen, if any; its metadata and subresources are enough): step by step,
    /// each step on the server's answer to the step before, until nothing is left to do or
    /// what is left waits on a watch event.
    pub async fn process(&self, remote: Value, copy: Option<Value>) -> anyhow::Result<Outcome> {
        let mut key = ObjectKey::of(self.cluster_name, &remote);
        key.workspace_path = self.workspace_path.into();
        let states = StateStore::new(
            Api::<Secret>::namespaced(self.local_client.clone(), self.namespace),
            &key,
            &remote,
        );
        let (mut remote, mut copy) = (remote, copy);
        if !self.selected(&remote).await? {
            return self.release(remote, copy).await;
        }
        // A deleted object's copy waits for its other finalizers.
        if deleting(&remote) && copy.is_some() && !self.copy_may_go(&remote) {
            return Ok(Outcome::Done);
        }
        // The related objects go before the copy when the object is deleted (§5.5).
        if deleting(&remote)
            && let Some(c) = &copy
            && self.sync_related(&states, &mut remote, c, true).await? == Outcome::Requeue
        {
            return Ok(Outcome::Requeue);
        }
        for _ in 0..MAX_STEPS {
            match self.step(&key, &states, &remote, copy.as_ref()).await? {
                Step::Remote(o) => {
                    (self.observed)(Observed::Remote(&o));
                    remote = o;
                }
                Step::Copy(o) => {
                    (self.observed)(Observed::Copy(&o));
                    copy = Some(o);
                }
                Step::Wait => return Ok(Outcome::Requeue),
                Step::Done => {
                    return match &copy {
                        Some(c) if !deleting(&remote) => {
                            self.sync_related(&states, &mut remote, c, false).await
                        }
                        _ => Ok(Outcome::Done),
                    };
                }
            }
        }
        Ok(Outcome::Requeue)
    }

    /// The related objects of `remote` (whose copy is `copy`, whole), step by step as the
    /// object itself; `primary_deleting` deletes the copies that go with it.
    async fn sync_related(
        &self,
        states: &StateStore,
        remote: &mut Value,
        copy: &Value,
        primary_deleting: bool,
    ) -> anyhow::Result<Outcome> {
        if self.related.is_empty() {
            return Ok(Outcome::Done);
        }
        let resource = related::Resource {
            api: self.remote_resource.clone(),
            namespaced: self.remote_namespaced,
        };
        let event_client = self.remote_client.clone();
        let event = move |o: &Value, type_: &str, reason: &str, message: &str| {
            crate::events::emit(event_client.clone(), o, type_, reason, message);
        };
        for _ in 0..MAX_STEPS {
            let mut interests = Vec::new();
            let processed = RelatedSync {
                agent_name: self.agent_name,
                related: self.related,
                clients: related::Clients {
                    kcp: &self.remote_client,
                    service: &self.local_client,
                    objects: self.related_objects,
                    cluster: self.cluster_name,
                },
                primaries: related::Primaries {
                    remote,
                    local: copy,
                    cluster_name: self.cluster_name,
                    workspace_path: self.workspace_path,
                },
                remote_resource: &resource,
                states,
                event: &event,
            }
            .process(primary_deleting, &mut interests)
            .await;
            (self.interests)(interests);
            match processed? {
                Processed::Done => return Ok(Outcome::Done),
                Processed::Wrote { up } => (self.on_write)(Write::Related { up }),
                Processed::Primary(written) => {
                    (self.observed)(Observed::Remote(&written));
                    *remote = written;
                }
            }
        }
        Ok(Outcome::Requeue)
    }

    /// Whether the filter selects `remote` (its namespace read through the virtual workspace
    /// when the filter looks at namespaces).
    async fn selected(&self, remote: &Value) -> anyhow::Result<bool> {
        if self.filter.is_empty() {
            return Ok(true);
        }
        let labels = meta::labels(remote);
        let mut namespace_labels = BTreeMap::new();
        let ns = namespace_of(remote);
        if self.filter.needs_namespace() && !ns.is_empty() {
            let namespace = Api::<Namespace>::all(self.remote_client.clone())
                .get(ns)
                .await
                .context(Failure::KcpRequest)?;
            namespace_labels = namespace.metadata.labels.unwrap_or_default();
        }
        Ok(self.filter.matches(&labels, &namespace_labels))
    }

    /// Lets go of an object the filter does not select: an object never synced is left alone;
    /// one synced before keeps its copy, labelled released, and loses the agent's finalizer
    /// (its deletion no longer waits on the agent, the Go agent's deadlock). Matching again
    /// makes the copy its copy again.
    async fn release(&self, remote: Value, copy: Option<Value>) -> anyhow::Result<Outcome> {
        if let Some(copy) = copy
            && meta::labels(&copy).get(RELEASED_LABEL).map(String::as_str) != Some("true")
        {
            let labelled = self.label_released(&copy, true).await?;
            (self.observed)(Observed::Copy(&labelled));
        }
        if let Some(released) = self.set_finalizer(&remote, false).await? {
            (self.observed)(Observed::Remote(&released));
        }
        Ok(Outcome::Done)
    }

    /// Sets or removes the copy's released label; the copy as written.
    async fn label_released(&self, copy: &Value, released: bool) -> anyhow::Result<Value> {
        let value = if released { json!("true") } else { Value::Null };
        let patch = json!({"metadata": {"labels": {RELEASED_LABEL: value}}});
        let written = self
            .local_api(namespace_of(copy))
            .merge_patch(name_of(copy), &patch)
            .await?;
        (self.on_write)(Write::Copy);
        Ok(written)
    }

    /// One step of the sync: at most one write.
    async fn step(
        &self,
        key: &ObjectKey,
        states: &StateStore,
        remote: &Value,
        copy: Option<&Value>,
    ) -> anyhow::Result<Step> {
        // A. Deletion: the copy goes first, then the finalizer.
        if deleting(remote) {
            if let Some(copy) = copy {
                if !deleting(copy) {
                    self.local_api(namespace_of(copy))
                        .delete(name_of(copy), &delete_params(remote))
                        .await?;
                    (self.on_write)(Write::Copy);
                    (self.event)(
                        remote,
                        "ObjectCleanup",
                        "Object deletion has been started and will progress in the background.",
                    );
                }
                // The copy's DELETED event brings the object back.
                return Ok(Step::Wait);
            }
            if self.set_finalizer(remote, false).await?.is_none() {
                return Ok(Step::Done);
            }
            // Its state goes with it (the Go agent keeps state Secrets forever).
            match states
                .api
                .delete(&states.secret, &DeleteParams::default())
                .await
            {
                Ok(_) => {}
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(e) => tracing::debug!("state of {key}: {e}"),
            }
            (self.event)(
                remote,
                "ObjectDeleted",
                "Object deletion has been completed, finalizer has been removed.",
            );
            // Not passed on: the object is gone, and its DELETED event may already have come.
            return Ok(Step::Done);
        }

        // B. The finalizer, before anything is made.
        if !meta::finalizers(remote).iter().any(|f| f == FINALIZER) {
            let Some(finalized) = self.set_finalizer(remote, true).await? else {
                return Ok(Step::Done);
            };
            (self.event)(
                remote,
                "ObjectAccepted",
                "Object has been seen by the service provider.",
            );
            return Ok(Step::Remote(finalized));
        }

        // C. Mutations: the desired state (the source from here on), and the copy as the
        // status rules make it.
        let mutated;
        let (source, copy) = match self.mutator {
            None => (remote, copy),
            Some(m) => {
                let would_be;
                let other = match copy {
                    Some(c) => c,
                    None => {
                        would_be = self.would_be_copy(remote)?;
                        &would_be
                    }
                };
                let source = m
                    .mutate_spec(remote, Some(other))
                    .context("failed to apply mutations")?;
                let copy = copy
                    .map(|c| m.mutate_status(c, Some(&source)))
                    .transpose()
                    .context("failed to apply mutations")?;
                mutated = (source, copy);
                (&mutated.0, mutated.1.as_ref())
            }
        };
        let current = state::snapshot(source, self.subresources);

        // D. The copy.
        let Some(copy) = copy else {
            let created = self.create_copy(key, source).await?;
            (self.on_write)(Write::Copy);
            (self.event)(remote, "ObjectPlaced", "Object has been placed.");
            states.put(key, &current).await.context(Failure::State)?;
            return Ok(Step::Copy(created));
        };

        // E. An administrator deletes the copy: it is made again once it is gone.
        if deleting(copy) {
            return Ok(Step::Done);
        }

        // A copy released when its object stopped matching the filter is the copy again.
        if meta::labels(copy).contains_key(RELEASED_LABEL) {
            return Ok(Step::Copy(self.label_released(copy, false).await?));
        }

        // F. The spec, three ways.
        if let Some(synced) = self.sync_spec(key, states, copy, current).await? {
            (self.event)(
                remote,
                "ObjectSynced",
                "The current desired state of the object has been synchronized.",
            );
            return Ok(Step::Copy(synced));
        }

        // I. The status back. Its answer is not looked at again: where kcp's schema prunes
        // part of the copy's status, the two never become equal.
        if copy.get("status") != remote.get("status") {
            let mut updated = remote.clone();
            match copy.get("status") {
                Some(s) => updated["status"] = s.clone(),
                None => {
                    if let Some(o) = updated.as_object_mut() {
                        o.remove("status");
                    }
                }
            }
            let api = self.remote_api(remote);
            let written = if self.remote_status_subresource {
                api.replace_status(name_of(remote), &updated).await
            } else {
                api.replace(name_of(remote), &updated).await
            }
            .context(Failure::KcpRequest)?;
            (self.event)(
                remote,
                "ObjectStatusSynced",
                "The current object status has been updated.",
            );
            (self.on_write)(Write::Status);
            (self.observed)(Observed::Remote(&written));
        }
        Ok(Step::Done)
    }

    /// Whether the copy of a deleted kcp object may be deleted: once the agent's finalizer is
    /// the only one left on it (upstream #115: the copy is what other finalizers' controllers
    /// may still be working with), unless the PublishedResource or the object asks for the
    /// Go agent's order.
    fn copy_may_go(&self, remote: &Value) -> bool {
        !self.wait_for_other_finalizers
            || remote["metadata"]["annotations"][DELETE_COPY_FIRST_ANNOTATION] == "true"
            || meta::finalizers(remote).iter().all(|f| f == FINALIZER)
    }

    /// Adds or removes the agent's finalizer (the list sorted, as the Go agent writes it); the
    /// object as written, when anything changed.
    async fn set_finalizer(&self, remote: &Value, present: bool) -> anyhow::Result<Option<Value>> {
        let mut finalizers = meta::finalizers(remote);
        let had = finalizers.iter().any(|f| f == FINALIZER);
        if had == present {
            return Ok(None);
        }
        finalizers.retain(|f| f != FINALIZER);
        if present {
            finalizers.push(FINALIZER.to_string());
        }
        finalizers.sort();
        let patch = json!({"metadata": {"finalizers": finalizers}});
        let written = self
            .remote_api(remote)
            .merge_patch(name_of(remote), &patch)
            .await
            .context(Failure::KcpRequest)?;
        (self.on_write)(Write::Finalizer);
        Ok(Some(written))
    }

    /// The copy `remote` would have: its type, namespace and name on the service cluster,
    /// its metadata not stripped yet (what mutations see as the other side before the copy
    /// exists).
    fn would_be_copy(&self, remote: &Value) -> anyhow::Result<Value> {
        let (ns, name) = (self.naming)(remote).context(Failure::Naming)?;
        let mut copy = remote.clone();
        copy["apiVersion"] = json!(self.local_resource.api_version);
        copy["kind"] = json!(self.local_resource.kind);
        copy["metadata"]["name"] = json!(name);
        match copy["metadata"].as_object_mut() {
            Some(m) if !self.local_namespaced => {
                m.remove("namespace");
            }
            _ => copy["metadata"]["namespace"] = json!(ns),
        }
        Ok(copy)
    }

    /// Makes the copy of `remote` (the desired state; or adopts an object already there under
    /// its name); the copy as written.
    async fn create_copy(&self, key: &ObjectKey, remote: &Value) -> anyhow::Result<Value> {
        let mut copy = self.would_be_copy(remote)?;
        let ns = namespace_of(&copy).to_string();
        let name = name_of(&copy).to_string();
        if !ns.is_empty() {
            self.ensure_namespace(&ns).await?;
        }
        meta::strip_metadata(&mut copy);
        let labels = self.copy_labels(key);
        meta::set_all(&mut copy, "labels", &labels);
        meta::set_all(&mut copy, "annotations", &key.annotations());
        let api = self.local_api(&ns);
        match api.create(&copy).await {
            Ok(created) => Ok(created),
            Err(kube::Error::Api(e)) if e.code == 409 => {
                let mut existing = api.get(&name).await?;
                let theirs = meta::labels(&existing);
                let ours = key.labels();
                let its_copy = ours.iter().all(|(k, v)| theirs.get(k) == Some(v));
                let another_copy =
                    !its_copy && theirs.contains_key(meta::REMOTE_OBJECT_CLUSTER_LABEL);
                let policy = if another_copy {
                    // Never taken from another kcp object.
                    ConflictPolicy::Fail
                } else if its_copy {
                    ConflictPolicy::Adopt
                } else {
                    self.conflict_policy
                };
                let taken = match policy {
                    ConflictPolicy::Fail => {
                        return Err(self.conflict(remote, &existing, another_copy).await);
                    }
                    // Adopted: its spec stays, it gets the labels that make it the copy.
                    ConflictPolicy::Adopt => {
                        meta::set_all(&mut existing, "labels", &labels);
                        meta::set_all(&mut existing, "annotations", &key.annotations());
                        existing
                    }
                    // Overwritten: the desired state, on the existing object's identity.
                    ConflictPolicy::Overwrite => {
                        let mut desired = copy;
                        desired["metadata"]["resourceVersion"] =
                            existing["metadata"]["resourceVersion"].clone();
                        desired
                    }
                };
                Ok(api.replace(&name, &taken).await?)
            }
            Err(kube::Error::Api(e)) if e.code == 404 && !ns.is_empty() => {
                // Its namespace is gone since it was made: made again on the retry.
                self.namespaces.forget(&ns);
                Err(kube::Error::Api(e).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Reports that the copy's name is taken by `existing`, which is left untouched: a
    /// Warning Event on the kcp object, a `Synced` condition where its schema has
    /// `status.conditions`; the error (counted as a conflict) retries with backoff.
    async fn conflict(
        &self,
        remote: &Value,
        existing: &Value,
        another_copy: bool,
    ) -> anyhow::Error {
        let what = if another_copy {
            "the copy of another kcp object"
        } else {
            "an object the agent did not make"
        };
        let message = format!(
            "Cannot place the object: {} {}/{} on the service cluster is {what} (conflictPolicy: Fail).",
            self.local_resource.kind,
            namespace_of(existing),
            name_of(existing),
        );
        (self.warning)(remote, "SyncConflict", &message);
        if self.remote_conditions
            && let Err(e) = self.set_conflict_condition(remote, &message).await
        {
            tracing::debug!("the conflict condition not written: {e}");
        }
        anyhow!("{message}").context(Failure::Conflict)
    }

    /// Sets the `Synced` condition of the kcp object to False with reason `SyncConflict`.
    async fn set_conflict_condition(&self, remote: &Value, message: &str) -> anyhow::Result<()> {
        let mut updated = remote.clone();
        let mut conditions: Vec<Value> = remote["status"]["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if conditions.iter().any(|c| {
            c["type"] == "Synced" && c["reason"] == "SyncConflict" && c["message"] == message
        }) {
            return Ok(());
        }
        conditions.retain(|c| c["type"] != "Synced");
        conditions.push(json!({
            "type": "Synced",
            "status": "False",
            "reason": "SyncConflict",
            "message": message,
            "lastTransitionTime": k8s_openapi::jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }));
        if !updated["status"].is_object() {
            updated["status"] = json!({});
        }
        updated["status"]["conditions"] = json!(conditions);
        let api = self.remote_api(remote);
        if self.remote_status_subresource {
            api.replace_status(name_of(remote), &updated).await?;
        } else {
            api.replace(name_of(remote), &updated).await?;
        }
        Ok(())
    }

    fn copy_labels(&self, key: &ObjectKey) -> BTreeMap<String, String> {
        let mut labels = key.labels();
        if !self.agent_name.is_empty() {
            labels.insert(AGENT_NAME_LABEL.to_string(), self.agent_name.to_string());
        }
        labels
    }

    async fn ensure_namespace(&self, ns: &str) -> anyhow::Result<()> {
        if self.namespaces.known(ns) {
            return Ok(());
        }
        ensure_namespace(&self.local_client, ns).await?;
        self.namespaces.insert(ns);
        Ok(())
    }

    /// The spec of the copy follows the kcp object's changes since the last-known state; with
    /// no usable state, the copy is overwritten. The copy as written, if it was.
    async fn sync_spec(
        &self,
        key: &ObjectKey,
        states: &StateStore,
        copy: &Value,
        mut current: Value,
    ) -> anyhow::Result<Option<Value>> {
        let api = self.local_api(namespace_of(copy));
        let written = match states.get(key).await.context(Failure::State)? {
            Some(last) => {
                // The copy's own labels and annotations, repaired where they went missing.
                let mut missing_labels = BTreeMap::new();
                for (k, v) in self.copy_labels(key) {
                    if copy["metadata"]["labels"][&k].as_str() != Some(v.as_str()) {
                        missing_labels.insert(k, v);
                    }
                }
                let mut missing_annotations = BTreeMap::new();
                for (k, v) in key.annotations() {
                    if copy["metadata"]["annotations"][&k].as_str() != Some(v.as_str()) {
                        missing_annotations.insert(k, v);
                    }
                }
                meta::set_all(&mut current, "labels", &missing_labels);
                meta::set_all(&mut current, "annotations", &missing_annotations);
                let patch = spec_patch(last, current.clone(), self.subresources);
                if patch == json!({}) {
                    return Ok(None);
                }
                api.merge_patch(name_of(copy), &patch).await?
            }
            None => {
                tracing::warn!(
                    object = %key,
                    "Updating destination object because last-known-state is missing/invalid"
                );
                // The whole copy: the caller's may hold only its metadata and subresources.
                let mut updated = api.get(name_of(copy)).await?;
                overwrite_with(&mut updated, &current, self.subresources);
                api.replace(name_of(copy), &updated).await?
            }
        };
        (self.on_write)(Write::Copy);
        states.put(key, &current).await.context(Failure::State)?;
        Ok(Some(written))
    }
}

/// Makes the namespace `ns` with `client` unless it is there.
pub(super) async fn ensure_namespace(client: &kube::Client, ns: &str) -> anyhow::Result<()> {
    let api = Api::<Namespace>::all(client.clone());
    if api.get_opt(ns).await?.is_some() {
        return Ok(());
    }
    let namespace = Namespace {
        metadata: kube::api::ObjectMeta {
            name: Some(ns.to_string()),
            ..Default::default()
        },
        ..Default::default()
    };
    match api.create(&PostParams::default(), &namespace).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(e)) if e.code == 409 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The three-way patch of a copy's spec (§5.6-F): from the last-known state to the current
/// one (its type taken over), without the subresources' fields.
pub fn spec_patch(mut last: Value, mut current: Value, subresources: &[&str]) -> Value {
    last["apiVersion"] = current["apiVersion"].clone();
    last["kind"] = current["kind"].clone();
    for s in subresources {
        for o in [&mut last, &mut current] {
            if let Some(m) = o.as_object_mut() {
                m.remove(*s);
            }
        }
    }
    merge_patch(&last, &current)
}

/// The update of a copy when the last-known state is lost (§5.6-F): every top-level field of
/// `current` but its type, metadata and subresources, and its labels and annotations added.
pub fn overwrite_with(dest: &mut Value, current: &Value, subresources: &[&str]) {
    if let (Some(dst), Some(src)) = (dest.as_object_mut(), current.as_object()) {
        for (k, v) in src {
            if matches!(k.as_str(), "apiVersion" | "kind" | "metadata")
                || subresources.contains(&k.as_str())
            {
                continue;
            }
            dst.insert(k.clone(), v.clone());
        }
    }
    for field in ["labels", "annotations"] {
        let entries: BTreeMap<String, String> = current["metadata"][field]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        meta::set_all(dest, field, &entries);
    }
}

/// The copy's deletion, with the propagation policy the kcp object asks for
/// (`syncagent.kcp.io/deletion-propagation-policy`: `background`, `foreground` or `orphan`;
/// else the server's default).
fn delete_params(remote: &Value) -> DeleteParams {
    let policy = remote["metadata"]["annotations"][DELETION_PROPAGATION_POLICY_ANNOTATION]
        .as_str()
        .unwrap_or_default();
    match policy.to_ascii_lowercase().as_str() {
        "background" => DeleteParams::background(),
        "foreground" => DeleteParams::foreground(),
        "orphan" => DeleteParams::orphan(),
        _ => DeleteParams::default(),
    }
}

/// The RFC 7386 merge patch that turns `from` into `to` (objects merged key by key, anything
/// else replaced, removed keys set to null).
pub fn merge_patch(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(f), Value::Object(t)) => {
            let mut patch = serde_json::Map::new();
            for (k, tv) in t {
                match f.get(k) {
                    Some(fv) if fv == tv => {}
                    Some(fv) if fv.is_object() && tv.is_object() => {
                        patch.insert(k.clone(), merge_patch(fv, tv));
                    }
                    _ => {
                        patch.insert(k.clone(), tv.clone());
                    }
                }
            }
            for k in f.keys() {
                if !t.contains_key(k) {
                    patch.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(patch)
        }
        _ => to.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_is_deleted_with_the_propagation_policy_asked_for() {
        let with = |policy: &str| {
            delete_params(&json!({"metadata": {"annotations": {
                DELETION_PROPAGATION_POLICY_ANNOTATION: policy}}}))
            .propagation_policy
        };
        use kube::api::PropagationPolicy as P;
        assert!(matches!(with("background"), Some(P::Background)));
        assert!(matches!(with("Foreground"), Some(P::Foreground)));
        assert!(matches!(with("orphan"), Some(P::Orphan)));
        assert!(with("sideways").is_none());
        assert!(
            delete_params(&json!({"metadata": {}}))
                .propagation_policy
                .is_none()
        );
    }

    #[test]
    fn merge_patches_carry_only_changes() {
        let from = json!({"spec": {"a": 1, "b": {"c": 2, "d": 3}, "gone": true, "list": [1]}});
        let to = json!({"spec": {"a": 1, "b": {"c": 2, "d": 4}, "list": [1, 2], "new": "x"}});
        let patch = merge_patch(&from, &to);
        assert_eq!(
            patch,
            json!({"spec": {"b": {"d": 4}, "gone": null, "list": [1, 2], "new": "x"}})
        );
        let mut applied = from.clone();
        json_patch::merge(&mut applied, &patch);
        assert_eq!(applied, to);
        assert_eq!(merge_patch(&to, &to), json!({}));
    }
}
