//! What binding an APIExport means (`reference/kcp.md` §4.10): the status an APIBinding should
//! have, computed from the export, its schemas and what the workspace already serves, and the
//! resources a binding serves. kcp takes several writes (phase `Binding`, then a bound CRD per
//! schema, then `Bound` once they are established); here the schemas are compiled in memory,
//! so a binding whose export resolves goes from no phase to `Bound` in one status write.
//!
//! The conditions and messages are kcp's: `APIExportValid` (`APIExportNotFound`,
//! `MissingIdentityHash`, `InternalError`), `InitialBindingCompleted` and `BindingUpToDate`
//! (`WaitingForEstablished`, `NamingConflicts`), and the `Ready` summary of
//! `InitialBindingCompleted`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::Apis;
use super::schema::BoundSchema;
use crate::catalog::{BoundSource, ResourceDef};
use kcp_api::apis::conditions::*;
use kcp_api::apis::v1alpha2::{APIBinding, APIBindingPhase, APIBindingStatus, APIExport};
use kcp_api::apis::{BoundAPIResource, BoundAPIResourceSchema};
use kcp_api::condition::{self, Condition, ConditionSeverity, READY};

/// The status `binding` (in `cluster`) should have.
pub async fn bind(apis: &Apis, cluster: &str, binding: &APIBinding) -> APIBindingStatus {
    let mut b = Binder {
        status: binding.status.clone(),
        now: Time(jiff::Timestamp::now()),
    };
    if b.status.phase.is_none() {
        b.status.phase = Some(APIBindingPhase::Binding);
        b.set_false(
            INITIAL_BINDING_COMPLETED,
            REASON_WAITING_FOR_ESTABLISHED,
            ConditionSeverity::Info,
            "Waiting for API(s) to be established".into(),
        );
    }
    b.bind(apis, cluster, binding).await;
    b.summarize();
    b.status
}

/// The status being computed.
struct Binder {
    status: APIBindingStatus,
    now: Time,
}

/// A group and resource another binding or a CRD holds in the workspace.
#[derive(Debug)]
struct Lock {
    name: String,
    crd: bool,
}

impl Binder {
    fn set(&mut self, c: Condition) {
        condition::set(&mut self.status.conditions, c, self.now.clone());
    }

    fn set_true(&mut self, type_: &str) {
        self.set(Condition::true_(type_));
    }

    fn set_false(
        &mut self,
        type_: &str,
        reason: &str,
        severity: ConditionSeverity,
        message: String,
    ) {
        self.set(Condition::false_(type_, reason, severity, &message));
    }

    /// `BindingUpToDate` false, and `InitialBindingCompleted` too while it is not yet true.
    fn not_up_to_date(&mut self, reason: &str, severity: ConditionSeverity, message: String) {
        self.set_false(BINDING_UP_TO_DATE, reason, severity, message.clone());
        if condition::is_false(&self.status.conditions, INITIAL_BINDING_COMPLETED) {
            self.set_false(INITIAL_BINDING_COMPLETED, reason, severity, message);
        }
    }

    /// `Ready` mirrors `InitialBindingCompleted`.
    fn summarize(&mut self) {
        let ready = match condition::find(&self.status.conditions, INITIAL_BINDING_COMPLETED) {
            Some(c) => Condition {
                type_: READY.to_string(),
                last_transition_time: None,
                ..c.clone()
            },
            None => Condition::unknown(READY, "", ""),
        };
        self.set(ready);
    }

    async fn bind(&mut self, apis: &Apis, cluster: &str, binding: &APIBinding) {
        let Some(reference) = &binding.spec.reference.export else {
            self.set_false(
                API_EXPORT_VALID,
                REASON_API_EXPORT_INVALID_REFERENCE,
                ConditionSeverity::Error,
                "Missing APIExport reference".into(),
            );
            return;
        };
        let path = if reference.path.is_empty() {
            cluster
        } else {
            reference.path.as_str()
        };
        let name = reference.name.as_str();
        let Some((export_cluster, export)) = apis.export(path, name).await else {
            self.set_false(
                API_EXPORT_VALID,
                REASON_API_EXPORT_NOT_FOUND,
                ConditionSeverity::Error,
                format!("APIExport {path}|{name} not found"),
            );
            return;
        };
        self.status.export_permission_claims = export.spec.permission_claims.clone();
        self.claims(&export, binding);
        let identity = export.status.identity_hash.clone();
        if identity.is_empty() {
            self.set_false(
                API_EXPORT_VALID,
                REASON_MISSING_IDENTITY_HASH,
                ConditionSeverity::Warning,
                format!("APIExport {path}|{name} is missing status.identityHash"),
            );
            return;
        }
        self.status.api_export_cluster_name = export_cluster.clone();

        let mut schemas: Vec<Arc<BoundSchema>> = Vec::new();
        for r in &export.spec.resources {
            match apis.schema(&export_cluster, &r.schema).await {
                Some(s) => schemas.push(s),
                None => {
                    self.set_false(
                        API_EXPORT_VALID,
                        REASON_INTERNAL_ERROR,
                        ConditionSeverity::Error,
                        format!(
                            "Invalid APIExport. Please contact the APIExport owner to resolve: APIResourceSchema {:?} not found",
                            r.schema
                        ),
                    );
                    return;
                }
            }
        }

        let held = held_elsewhere(apis, cluster, binding).await;
        // A group and resource another binding or a CRD holds is skipped, as kcp's lock does.
        let mut skipped: BTreeMap<String, &Lock> = BTreeMap::new();
        for s in &schemas {
            let gr = group_resource(&s.group, &s.plural);
            if let Some(lock) = held.locks.get(&gr) {
                skipped.insert(gr, lock);
            }
        }
        for s in &schemas {
            if skipped.contains_key(&group_resource(&s.group, &s.plural)) {
                continue;
            }
            if let Some(conflict) = held.conflict_with(s) {
                self.not_up_to_date(
                    REASON_NAMING_CONFLICTS,
                    ConditionSeverity::Error,
                    format!("Unable to bind APIs: {conflict}"),
                );
                return;
            }
            if s.lacks_conversion {
                self.set_false(
                    API_EXPORT_VALID,
                    REASON_INTERNAL_ERROR,
                    ConditionSeverity::Error,
                    "Invalid APIExport. Please contact the APIExport owner to resolve".into(),
                );
                return;
            }
            self.upsert_bound_resource(s, &identity);
        }
        self.set_true(API_EXPORT_VALID);
        if skipped.is_empty() {
            self.set_true(INITIAL_BINDING_COMPLETED);
            self.set_true(BINDING_UP_TO_DATE);
            self.status.phase = Some(APIBindingPhase::Bound);
        } else {
            // Go's `%v` of map[GroupResource]Lock.
            let locks: Vec<String> = skipped
                .iter()
                .map(|(gr, l)| format!("{gr}:{{{} {}}}", l.name, l.crd))
                .collect();
            self.not_up_to_date(
                REASON_NAMING_CONFLICTS,
                ConditionSeverity::Error,
                format!(
                    "Unable to bind APIs because they are bound by other APIBindings or CRDs: map[{}]",
                    locks.join(" ")
                ),
            );
        }
    }

    /// kcp's permission-claim reconcile: the accepted claims the export makes are applied
    /// (objects are matched by the claim at request time, so applying needs no write to them);
    /// accepted claims the export does not make, and accepted claims whose verbs or selector
    /// differ from the export's, make the claims invalid.
    fn claims(&mut self, export: &APIExport, binding: &APIBinding) {
        use kcp_api::apis::AcceptablePermissionClaimState;
        use kcp_api::apis::v1alpha2::{PermissionClaim, ScopedPermissionClaim};
        let key = |c: &PermissionClaim| format!("{}/{}/{}", c.resource, c.group, c.identity_hash);
        let exported: BTreeMap<String, &PermissionClaim> = export
            .spec
            .permission_claims
            .iter()
            .map(|c| (key(c), c))
            .collect();
        let accepted: BTreeMap<String, &ScopedPermissionClaim> = binding
            .spec
            .permission_claims
            .iter()
            .filter(|c| c.state == Some(AcceptablePermissionClaimState::Accepted))
            .map(|c| (key(&c.scoped.claim), &c.scoped))
            .collect();
        let unexpected: Vec<String> = accepted
            .iter()
            .filter(|(k, _)| !exported.contains_key(*k))
            .map(|(_, c)| {
                format!(
                    "unexpected/invalid claim for {}.{} (identity {:?})",
                    c.claim.resource, c.claim.group, c.claim.identity_hash
                )
            })
            .collect();
        let mut mismatches: Vec<String> = Vec::new();
        for (k, a) in &accepted {
            let Some(e) = exported.get(k) else { continue };
            let mut parts = Vec::new();
            let wildcard =
                a.claim.verbs.iter().any(|v| v == "*") || e.verbs.iter().any(|v| v == "*");
            let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
            if !wildcard && set(&a.claim.verbs) != set(&e.verbs) {
                parts.push(format!(
                    "verbs: accepted [{}], exported [{}]",
                    a.claim.verbs.join(" "),
                    e.verbs.join(" ")
                ));
            }
            if e.default_selector
                .as_ref()
                .is_some_and(|d| *d != a.selector)
            {
                parts.push("selector differs from defaultSelector".to_string());
            }
            if !parts.is_empty() {
                mismatches.push(format!(
                    "{}.{} ({})",
                    a.claim.resource,
                    a.claim.group,
                    parts.join("; ")
                ));
            }
        }
        if !unexpected.is_empty() {
            let shown = &unexpected[..unexpected.len().min(10)];
            let aggregate = if shown.len() == 1 {
                shown[0].clone()
            } else {
                format!("[{}]", shown.join(", "))
            };
            self.set_false(
                PERMISSION_CLAIMS_VALID,
                REASON_INVALID_PERMISSION_CLAIMS,
                ConditionSeverity::Error,
                format!(
                    "{} unexpected and/or invalid permission claims (showing first {}): {aggregate}",
                    unexpected.len(),
                    shown.len()
                ),
            );
        }
        if !mismatches.is_empty() {
            let shown = &mismatches[..mismatches.len().min(5)];
            self.set_false(
                PERMISSION_CLAIMS_VALID,
                REASON_PERMISSION_CLAIMS_MISMATCH,
                ConditionSeverity::Warning,
                format!(
                    "{} permission claim(s) have mismatched verbs or selectors (showing first {}): {}",
                    mismatches.len(),
                    shown.len(),
                    shown.join(", ")
                ),
            );
        }
        if unexpected.is_empty() && mismatches.is_empty() {
            self.set_true(PERMISSION_CLAIMS_VALID);
        }
        self.status.applied_permission_claims = accepted
            .iter()
            .filter(|(k, _)| exported.contains_key(*k))
            .map(|(_, c)| (*c).clone())
            .collect();
        self.set_true(PERMISSION_CLAIMS_APPLIED);
    }

    fn upsert_bound_resource(&mut self, s: &BoundSchema, identity: &str) {
        let mut versions: BTreeSet<String> = BTreeSet::new();
        versions.insert(s.storage_version.clone());
        let existing = self
            .status
            .bound_resources
            .iter()
            .position(|b| b.group == s.group && b.resource == s.plural);
        if let Some(i) = existing {
            versions.extend(
                self.status.bound_resources[i]
                    .storage_versions
                    .iter()
                    .cloned(),
            );
        }
        let bound = BoundAPIResource {
            group: s.group.clone(),
            resource: s.plural.clone(),
            schema: BoundAPIResourceSchema {
                name: s.name.clone(),
                uid: s.uid.clone(),
                identity_hash: identity.to_string(),
            },
            storage_versions: versions.into_iter().collect(),
        };
        match existing {
            Some(i) => self.status.bound_resources[i] = bound,
            None => self.status.bound_resources.push(bound),
        }
    }
}

/// `<resource>.<group>`, as Go prints a GroupResource (`widgets` for the core group).
fn group_resource(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

/// What the workspace already serves besides this binding: the names of its CRDs and of the
/// other bindings' resources, for kcp's naming-conflict check, and who holds each resource.
#[derive(Default)]
struct Held {
    /// `(group, names, holder)`, ordered as kcp orders its CRDs (by UID).
    names: Vec<(String, HeldNames, Holder)>,
    locks: BTreeMap<String, Lock>,
}

#[derive(Default)]
struct HeldNames {
    plural: String,
    singular: String,
    short_names: Vec<String>,
    kind: String,
    list_kind: String,
}

enum Holder {
    Crd(String),
    /// A binding's name and its export reference (path, name).
    Binding(String, String, String),
}

impl Held {
    /// kcp's `namesConflict`: the first held name set in the same group that the schema's names
    /// clash with.
    fn conflict_with(&self, s: &BoundSchema) -> Option<String> {
        for (group, held, holder) in &self.names {
            if *group != s.group {
                continue;
            }
            let Some(details) = names_conflict(held, s) else {
                continue;
            };
            return Some(match holder {
                Holder::Crd(name) => {
                    format!("naming conflict with CustomResourceDefinition {name:?}: {details}")
                }
                Holder::Binding(name, path, export) => {
                    let bound_to = if path.is_empty() {
                        format!("local APIExport {export:?}")
                    } else {
                        format!("APIExport {path}:{export}")
                    };
                    format!(
                        "naming conflict with APIBinding {name:?} bound to {bound_to}: {details}"
                    )
                }
            });
        }
        None
    }
}

fn names_conflict(held: &HeldNames, s: &BoundSchema) -> Option<String> {
    let names: BTreeSet<&str> = [held.plural.as_str(), held.singular.as_str()]
        .into_iter()
        .chain(held.short_names.iter().map(String::as_str))
        .collect();
    if names.contains(s.plural.as_str()) {
        return Some(format!("spec.names.plural={} is forbidden", s.plural));
    }
    if names.contains(s.singular.as_str()) {
        return Some(format!("spec.names.singular={} is forbidden", s.singular));
    }
    if s.short_names.iter().any(|n| names.contains(n.as_str())) {
        return Some(format!(
            "spec.names.shortNames=[{}] is forbidden",
            s.short_names.join(" ")
        ));
    }
    if held.kind == s.kind || held.list_kind == s.kind {
        return Some(format!("spec.names.kind={} is forbidden", s.kind));
    }
    if held.kind == s.list_kind || held.list_kind == s.list_kind {
        return Some(format!("spec.names.listKind={} is forbidden", s.list_kind));
    }
    None
}

/// The names the workspace's CRDs and its other bindings hold.
async fn held_elsewhere(apis: &Apis, cluster: &str, binding: &APIBinding) -> Held {
    let me = binding.metadata.name.as_deref().unwrap_or("");
    let mut entries: Vec<(String, String, HeldNames, Holder)> = Vec::new();
    let mut held = Held::default();
    for other in apis.bindings::<APIBinding>(cluster).await {
        let other_name = other.metadata.name.clone().unwrap_or_default();
        if other_name == me {
            continue;
        }
        let (path, export) = other
            .spec
            .reference
            .export
            .as_ref()
            .map(|e| (e.path.clone(), e.name.clone()))
            .unwrap_or_default();
        for br in &other.status.bound_resources {
            held.locks.insert(
                group_resource(&br.group, &br.resource),
                Lock {
                    name: other_name.clone(),
                    crd: false,
                },
            );
            let schema = match apis.schemas.by_uid(&br.schema.uid) {
                Some(s) => Some(s),
                None => {
                    apis.schema(&other.status.api_export_cluster_name, &br.schema.name)
                        .await
                }
            };
            if let Some(s) = schema {
                entries.push((
                    br.schema.uid.clone(),
                    s.group.clone(),
                    HeldNames {
                        plural: s.plural.clone(),
                        singular: s.singular.clone(),
                        short_names: s.short_names.clone(),
                        kind: s.kind.clone(),
                        list_kind: s.list_kind.clone(),
                    },
                    Holder::Binding(other_name.clone(), path.clone(), export.clone()),
                ));
            }
        }
    }
    for crd in apis.crds(cluster).await {
        let names = if crd["status"]["acceptedNames"]["plural"].is_string() {
            &crd["status"]["acceptedNames"]
        } else {
            &crd["spec"]["names"]
        };
        let text = |k: &str| names[k].as_str().unwrap_or("").to_string();
        let group = crd["spec"]["group"].as_str().unwrap_or("").to_string();
        let name = crate::registry::object::name(&crd).to_string();
        held.locks.insert(
            group_resource(&group, &text("plural")),
            Lock {
                name: name.clone(),
                crd: true,
            },
        );
        entries.push((
            crate::registry::object::meta_str(&crd, "uid").to_string(),
            group,
            HeldNames {
                plural: text("plural"),
                singular: text("singular"),
                short_names: names["shortNames"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                kind: text("kind"),
                list_kind: text("listKind"),
            },
            Holder::Crd(name),
        ));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    held.names = entries
        .into_iter()
        .map(|(_, group, names, holder)| (group, names, holder))
        .collect();
    held
}

/// The resources `binding` serves in its workspace: one entry per served version of each of its
/// `status.boundResources`, under the export's identity. A binding being deleted still serves
/// them, without `create`, until it is gone.
pub async fn served(apis: &Apis, binding: &APIBinding) -> Vec<ResourceDef> {
    let Some(reference) = &binding.spec.reference.export else {
        return Vec::new();
    };
    let status = &binding.status;
    if status.bound_resources.is_empty() {
        return Vec::new();
    }
    let source = Arc::new(BoundSource {
        export_cluster: status.api_export_cluster_name.clone(),
        export_name: reference.name.clone(),
    });
    let deleting = binding.metadata.deletion_timestamp.is_some();
    let mut defs = Vec::new();
    for br in &status.bound_resources {
        let schema = match apis.schemas.by_uid(&br.schema.uid) {
            Some(s) => Some(s),
            None => {
                apis.schema(&status.api_export_cluster_name, &br.schema.name)
                    .await
            }
        };
        if let Some(s) = schema {
            defs.extend(s.resource_defs(&br.schema.identity_hash, &source, deleting));
        }
    }
    defs
}

/// The key naming what a set of bindings serves, for catalog sharing.
pub fn served_key(bindings: &[&APIBinding]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for b in bindings {
        let export = b
            .spec
            .reference
            .export
            .as_ref()
            .map(|e| e.name.as_str())
            .unwrap_or("");
        for br in &b.status.bound_resources {
            parts.push(format!(
                "{}/{}/{}/{}/{}",
                br.schema.uid,
                br.schema.identity_hash,
                b.status.api_export_cluster_name,
                export,
                b.metadata.deletion_timestamp.is_some()
            ));
        }
    }
    parts.sort();
    parts.join(",")
}

/// Whether an export binds a resource (for the exports' dispatch of their bindings).
pub fn export_label(export_cluster: &str, export: &APIExport) -> String {
    kcp_api::names::apibinding_export_label_value(
        export_cluster,
        export.metadata.name.as_deref().unwrap_or(""),
    )
}
