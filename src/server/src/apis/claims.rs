//! Permission claims (`reference/kcp.md` §3.8, §4.10): an export claims resources of its
//! consumers' workspaces (built-ins, `apis.kcp.io`, other exports' by identity), and a binding
//! accepts or rejects each claim, scoped by a label selector.
//!
//! As in kcp, an accepted claim is made visible by a label on the claimed objects:
//! `claimed.internal.apis.kcp.io/<export hash>: <claim hash>`
//! ([`kcp_api::names::permission_claim_label`]). Admission sets it on every write
//! ([`Claims::labels_for`]), the APIBinding controller relabels a cluster's objects when its
//! accepted claims change, and the export's virtual workspace serves a claimed resource
//! filtered by that label.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use serde_json::Value;

use crate::registry::selector::LabelSelector;
use kcp_api::apis::AcceptablePermissionClaimState;
use kcp_api::apis::v1alpha2::{APIBinding, PermissionClaimSelector};
use kcp_api::keys::APIEXPORT_PERMISSION_CLAIM_LABEL_PREFIX;

/// A claimed resource: group (events normalized to core) and resource.
pub type GroupResource = (String, String);

/// kcp's `NormalizeEventGroupResource`: a claim on events covers core/v1 and events.k8s.io/v1
/// events, which are one resource.
pub fn normalize(group: &str, resource: &str) -> GroupResource {
    if resource == "events" && (group.is_empty() || group == "events.k8s.io") {
        return (String::new(), "events".to_string());
    }
    (group.to_string(), resource.to_string())
}

/// Resources that are never stored: claimable, but nothing to label.
const NOT_PERSISTED: [(&str, &str); 6] = [
    ("authorization.k8s.io", "localsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authorization.k8s.io", "subjectaccessreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
    ("authentication.k8s.io", "tokenreviews"),
];

/// One accepted claim of a binding in a consumer's workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceptedClaim {
    pub resource: GroupResource,
    /// `None`: `matchAll`.
    pub selector: Option<LabelSelectorSource>,
    /// The label that marks the objects it claims.
    pub label: (String, String),
}

/// A claim's selector, with the parsed form it matches with.
#[derive(Clone, Debug)]
pub struct LabelSelectorSource {
    pub spec: PermissionClaimSelector,
    pub parsed: LabelSelector,
}

impl PartialEq for LabelSelectorSource {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl AcceptedClaim {
    fn matches(&self, obj_labels: &BTreeMap<String, String>) -> bool {
        self.selector
            .as_ref()
            .is_none_or(|s| s.parsed.matches(obj_labels))
    }
}

/// The accepted claims of a binding whose export is resolved.
pub fn accepted(binding: &APIBinding) -> Vec<AcceptedClaim> {
    let Some(export) = &binding.spec.reference.export else {
        return Vec::new();
    };
    let export_cluster = &binding.status.api_export_cluster_name;
    if export_cluster.is_empty() {
        return Vec::new();
    }
    binding
        .spec
        .permission_claims
        .iter()
        .filter(|c| c.state == Some(AcceptablePermissionClaimState::Accepted))
        .filter_map(|c| {
            let claim = &c.scoped.claim;
            let selector = if c.scoped.selector.match_all {
                None
            } else {
                let json = serde_json::to_value(&c.scoped.selector).ok()?;
                Some(LabelSelectorSource {
                    spec: c.scoped.selector.clone(),
                    parsed: LabelSelector::from_label_selector_json(&json).ok()?,
                })
            };
            Some(AcceptedClaim {
                resource: normalize(&claim.group, &claim.resource),
                selector,
                label: kcp_api::names::permission_claim_label(
                    export_cluster,
                    &export.name,
                    &claim.group,
                    &claim.resource,
                    &claim.identity_hash,
                ),
            })
        })
        .collect()
}

/// The accepted claims of every workspace (kept by the APIBinding controller).
#[derive(Debug, Default)]
pub struct Claims {
    by_cluster: RwLock<HashMap<String, Arc<Vec<AcceptedClaim>>>>,
}

impl Claims {
    /// Replaces the accepted claims of `cluster`; returns the resources whose claims changed
    /// (their objects are to be relabelled).
    pub fn set(&self, cluster: &str, claims: Vec<AcceptedClaim>) -> BTreeSet<GroupResource> {
        let mut all = self.by_cluster.write().unwrap_or_else(|p| p.into_inner());
        let old = all.get(cluster).cloned().unwrap_or_default();
        let mut changed = BTreeSet::new();
        let of = |claims: &[AcceptedClaim], gr: &GroupResource| -> Vec<AcceptedClaim> {
            claims
                .iter()
                .filter(|c| &c.resource == gr)
                .cloned()
                .collect()
        };
        for c in old.iter().chain(claims.iter()) {
            if !changed.contains(&c.resource) && of(&old, &c.resource) != of(&claims, &c.resource) {
                changed.insert(c.resource.clone());
            }
        }
        if claims.is_empty() {
            all.remove(cluster);
        } else if *old != claims {
            all.insert(cluster.to_string(), Arc::new(claims));
        }
        changed
    }

    /// Whether some binding of `cluster` accepted a claim.
    pub fn any(&self, cluster: &str) -> bool {
        self.by_cluster
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(cluster)
    }

    /// The claim labels an object of `group/resource` in `cluster` with `labels` must carry
    /// (kcp's permission-claim labeler).
    pub fn labels_for(
        &self,
        cluster: &str,
        group: &str,
        resource: &str,
        labels: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if NOT_PERSISTED.contains(&(group, resource)) {
            return out;
        }
        let Some(claims) = self
            .by_cluster
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(cluster)
            .cloned()
        else {
            return out;
        };
        let gr = normalize(group, resource);
        for c in claims.iter().filter(|c| c.resource == gr) {
            if c.matches(labels) {
                out.insert(c.label.0.clone(), c.label.1.clone());
            }
        }
        out
    }
}

/// An object's labels as a map of strings.
pub fn object_labels(obj: &Value) -> BTreeMap<String, String> {
    obj.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Sets the claim labels of `obj` to `expected`: other claim labels are removed. Returns
/// whether anything changed.
pub fn apply_labels(obj: &mut Value, expected: &BTreeMap<String, String>) -> bool {
    let current = object_labels(obj);
    let stale: Vec<&String> = current
        .keys()
        .filter(|k| {
            k.starts_with(APIEXPORT_PERMISSION_CLAIM_LABEL_PREFIX) && !expected.contains_key(*k)
        })
        .collect();
    let missing: Vec<(&String, &String)> = expected
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(*v))
        .collect();
    if stale.is_empty() && missing.is_empty() {
        return false;
    }
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return false;
    };
    let labels = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(Default::default()));
    if !labels.is_object() {
        *labels = Value::Object(Default::default());
    }
    let Some(labels) = labels.as_object_mut() else {
        return false;
    };
    for k in stale {
        labels.remove(k);
    }
    for (k, v) in missing {
        labels.insert(k.clone(), Value::String(v.clone()));
    }
    if labels.is_empty() {
        meta.remove("labels");
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn binding(claims: Value) -> APIBinding {
        serde_json::from_value(json!({
            "apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIBinding",
            "metadata": {"name": "b"},
            "spec": {"reference": {"export": {"path": "root:p", "name": "cowboys"}},
                     "permissionClaims": claims},
            "status": {"apiExportClusterName": "pcluster"}
        }))
        .unwrap()
    }

    #[test]
    fn accepted_claims_label_what_their_selector_matches() {
        let b = binding(json!([
            {"resource": "secrets", "verbs": ["*"], "selector": {"matchAll": true}, "state": "Accepted"},
            {"resource": "configmaps", "verbs": ["get"], "selector": {"matchLabels": {"app": "x"}}, "state": "Accepted"},
            {"group": "events.k8s.io", "resource": "events", "verbs": ["*"], "selector": {"matchAll": true}, "state": "Accepted"},
            {"resource": "serviceaccounts", "verbs": ["*"], "selector": {"matchAll": true}, "state": "Rejected"},
        ]));
        let claims = Claims::default();
        let changed = claims.set("c1", accepted(&b));
        assert_eq!(changed.len(), 3);
        let (key, secret_value) =
            kcp_api::names::permission_claim_label("pcluster", "cowboys", "", "secrets", "");
        let none = BTreeMap::new();
        assert_eq!(
            claims.labels_for("c1", "", "secrets", &none),
            BTreeMap::from([(key.clone(), secret_value)])
        );
        assert!(claims.labels_for("c1", "", "configmaps", &none).is_empty());
        let app = BTreeMap::from([("app".to_string(), "x".to_string())]);
        assert_eq!(claims.labels_for("c1", "", "configmaps", &app).len(), 1);
        // A claim on either events covers both.
        assert_eq!(claims.labels_for("c1", "", "events", &none).len(), 1);
        assert!(
            claims
                .labels_for("c1", "", "serviceaccounts", &none)
                .is_empty()
        );
        assert!(claims.labels_for("c2", "", "secrets", &none).is_empty());
        // Same claims again: nothing to relabel.
        assert!(claims.set("c1", accepted(&b)).is_empty());
        assert_eq!(
            claims.set("c1", Vec::new()),
            BTreeSet::from([
                normalize("", "secrets"),
                normalize("", "configmaps"),
                normalize("", "events")
            ])
        );
        assert!(!claims.any("c1"));
    }

    #[test]
    fn stale_claim_labels_are_removed() {
        let mut obj = json!({"metadata": {"name": "s", "labels": {
            "a": "b", "claimed.internal.apis.kcp.io/old": "x"}}});
        let expected = BTreeMap::from([(
            "claimed.internal.apis.kcp.io/new".to_string(),
            "y".to_string(),
        )]);
        assert!(apply_labels(&mut obj, &expected));
        assert_eq!(
            obj["metadata"]["labels"],
            json!({"a": "b", "claimed.internal.apis.kcp.io/new": "y"})
        );
        assert!(!apply_labels(&mut obj, &expected));
        let mut bare = json!({"metadata": {"name": "s"}});
        assert!(!apply_labels(&mut bare, &BTreeMap::new()));
        assert_eq!(bare, json!({"metadata": {"name": "s"}}));
    }
}
