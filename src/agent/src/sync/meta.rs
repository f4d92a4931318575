//! What the agent writes on and strips from objects (`reference/api-syncagent.md` §2.6, §5.6-D3):
//! the labels and annotations that tie a copy on the service cluster to its kcp object, and the
//! metadata that never travels from one side to the other.

use std::collections::BTreeMap;

use compact_str::CompactString;
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

pub use kcp_api::syncagent::{
    AGENT_NAME_LABEL, CLEANUP_FINALIZER as FINALIZER, OBJECT_STATE_LABEL,
    RELATED_OBJECT_ANNOTATION_PREFIX, RELEASED_LABEL, REMOTE_OBJECT_CLUSTER_LABEL,
    REMOTE_OBJECT_NAME_ANNOTATION, REMOTE_OBJECT_NAME_HASH_LABEL,
    REMOTE_OBJECT_NAMESPACE_ANNOTATION, REMOTE_OBJECT_NAMESPACE_HASH_LABEL,
    REMOTE_OBJECT_WORKSPACE_PATH_ANNOTATION,
};
/// The annotation kcp puts on every object with its logical cluster.
pub const CLUSTER_ANNOTATION: &str = "kcp.io/cluster";

/// Labels never copied between the sides.
fn unsynced_label(key: &str) -> bool {
    matches!(
        key,
        REMOTE_OBJECT_CLUSTER_LABEL
            | REMOTE_OBJECT_NAMESPACE_HASH_LABEL
            | REMOTE_OBJECT_NAME_HASH_LABEL
            | RELEASED_LABEL
    ) || key.starts_with("claimed.internal.apis.kcp.io/")
}

/// Annotations never copied between the sides.
fn unsynced_annotation(key: &str) -> bool {
    matches!(
        key,
        CLUSTER_ANNOTATION
            | "kubectl.kubernetes.io/last-applied-configuration"
            | REMOTE_OBJECT_NAMESPACE_ANNOTATION
            | REMOTE_OBJECT_NAME_ANNOTATION
            | REMOTE_OBJECT_WORKSPACE_PATH_ANNOTATION
    ) || key.starts_with(RELATED_OBJECT_ANNOTATION_PREFIX)
}

/// Removes what is the server's or the other side's business from an object's metadata (the
/// Go agent's `stripMetadata`): identity, versions, finalizers, owners, managed fields, and the
/// labels and annotations that are never synced (an emptied map goes).
pub fn strip_metadata(obj: &mut Value) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    for k in [
        "creationTimestamp",
        "finalizers",
        "generation",
        "ownerReferences",
        "resourceVersion",
        "managedFields",
        "uid",
        "selfLink",
    ] {
        meta.remove(k);
    }
    filter_map(meta, "labels", unsynced_label);
    filter_map(meta, "annotations", unsynced_annotation);
}

fn filter_map(meta: &mut Map<String, Value>, field: &str, drop: fn(&str) -> bool) {
    if let Some(m) = meta.get_mut(field).and_then(Value::as_object_mut) {
        m.retain(|k, _| !drop(k));
        if m.is_empty() {
            meta.remove(field);
        }
    }
}

/// Full lowercase hex SHA-1.
pub fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The identity of a kcp object: its logical cluster, namespace and name (the Go agent's
/// `objectKey`). Its parts are kept inline up to 24 bytes (a cluster name has 16): keys live as
/// long as their objects in the caches, and a small allocation each would pin slabs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub cluster_name: CompactString,
    /// Only when workspace paths are enabled.
    pub workspace_path: CompactString,
    pub namespace: CompactString,
    pub name: CompactString,
}

impl ObjectKey {
    pub fn of(cluster_name: &str, obj: &Value) -> Self {
        let meta = &obj["metadata"];
        ObjectKey {
            cluster_name: cluster_name.into(),
            workspace_path: CompactString::default(),
            namespace: meta["namespace"].as_str().unwrap_or_default().into(),
            name: meta["name"].as_str().unwrap_or_default().into(),
        }
    }

    /// The labels that find the copy: the cluster, and the SHA-1 of the name (and namespace,
    /// for a namespaced object), as names may be longer than a label value.
    pub fn labels(&self) -> BTreeMap<String, String> {
        let mut l = BTreeMap::from([
            (
                REMOTE_OBJECT_CLUSTER_LABEL.to_string(),
                self.cluster_name.to_string(),
            ),
            (
                REMOTE_OBJECT_NAME_HASH_LABEL.to_string(),
                sha1_hex(self.name.as_bytes()),
            ),
        ]);
        if !self.namespace.is_empty() {
            l.insert(
                REMOTE_OBJECT_NAMESPACE_HASH_LABEL.to_string(),
                sha1_hex(self.namespace.as_bytes()),
            );
        }
        l
    }

    /// The annotations that name the kcp object in plain text.
    pub fn annotations(&self) -> BTreeMap<String, String> {
        let mut a = BTreeMap::from([(
            REMOTE_OBJECT_NAME_ANNOTATION.to_string(),
            self.name.to_string(),
        )]);
        if !self.namespace.is_empty() {
            a.insert(
                REMOTE_OBJECT_NAMESPACE_ANNOTATION.to_string(),
                self.namespace.to_string(),
            );
        }
        if !self.workspace_path.is_empty() {
            a.insert(
                REMOTE_OBJECT_WORKSPACE_PATH_ANNOTATION.to_string(),
                self.workspace_path.to_string(),
            );
        }
        a
    }

    /// The label selector of [`Self::labels`].
    pub fn selector(&self) -> String {
        self.labels()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The kcp object a copy on the service cluster stands for, from its labels and
    /// annotations (`None` when they are missing).
    pub fn from_copy(copy: &Value) -> Option<Self> {
        let meta = &copy["metadata"];
        let cluster = meta["labels"][REMOTE_OBJECT_CLUSTER_LABEL].as_str()?;
        let name = meta["annotations"][REMOTE_OBJECT_NAME_ANNOTATION].as_str()?;
        if cluster.is_empty() || name.is_empty() {
            return None;
        }
        Some(ObjectKey {
            cluster_name: cluster.into(),
            workspace_path: CompactString::default(),
            namespace: meta["annotations"][REMOTE_OBJECT_NAMESPACE_ANNOTATION]
                .as_str()
                .unwrap_or_default()
                .into(),
            name: name.into(),
        })
    }
}

impl std::fmt::Display for ObjectKey {
    /// `name`, `ns/name`, `cluster|name` or `cluster|ns/name` (the path is never shown).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.cluster_name.is_empty() {
            write!(f, "{}|", self.cluster_name)?;
        }
        if !self.namespace.is_empty() {
            write!(f, "{}/", self.namespace)?;
        }
        write!(f, "{}", self.name)
    }
}

/// Sets string entries of `metadata.<field>` (labels or annotations).
pub fn set_all(obj: &mut Value, field: &str, entries: &BTreeMap<String, String>) {
    if entries.is_empty() {
        return;
    }
    let meta = obj.as_object_mut().map(|o| {
        o.entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()))
    });
    let Some(meta) = meta.and_then(Value::as_object_mut) else {
        return;
    };
    let m = meta
        .entry(field)
        .or_insert_with(|| Value::Object(Map::new()));
    if !m.is_object() {
        *m = Value::Object(Map::new());
    }
    if let Some(m) = m.as_object_mut() {
        for (k, v) in entries {
            m.insert(k.clone(), Value::String(v.clone()));
        }
    }
}

/// The finalizers of an object.
/// An object's labels.
pub fn labels(obj: &Value) -> BTreeMap<String, String> {
    obj["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

pub fn finalizers(obj: &Value) -> Vec<String> {
    obj["metadata"]["finalizers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn copies_are_found_by_hashed_labels() {
        let key = ObjectKey::of(
            "1084s8ceexsehjm2",
            &json!({"metadata": {"name": "my-test-thing"}}),
        );
        assert_eq!(
            key.labels()[REMOTE_OBJECT_NAME_HASH_LABEL],
            "c346c8ceb5d104cc783d09b95e8ea7032c190948"
        );
        assert!(
            !key.labels()
                .contains_key(REMOTE_OBJECT_NAMESPACE_HASH_LABEL)
        );
        assert_eq!(key.to_string(), "1084s8ceexsehjm2|my-test-thing");
        let mut copy = json!({"metadata": {"name": "x"}});
        set_all(&mut copy, "labels", &key.labels());
        set_all(&mut copy, "annotations", &key.annotations());
        assert_eq!(ObjectKey::from_copy(&copy), Some(key));
    }

    #[test]
    fn stripping_keeps_only_what_travels() {
        let mut o = json!({"metadata": {
            "name": "n", "namespace": "ns", "uid": "u", "resourceVersion": "1", "generation": 2,
            "creationTimestamp": "t", "finalizers": ["f"], "managedFields": [], "ownerReferences": [],
            "labels": {"app": "x", "claimed.internal.apis.kcp.io/abc": "y", REMOTE_OBJECT_CLUSTER_LABEL: "c"},
            "annotations": {"kcp.io/cluster": "c"}}, "spec": {"a": 1}});
        strip_metadata(&mut o);
        assert_eq!(
            o,
            json!({"metadata": {"name": "n", "namespace": "ns", "labels": {"app": "x"}}, "spec": {"a": 1}})
        );
    }
}
