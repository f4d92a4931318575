//! Rendering a stored object as clients see it: the stored JSON with `metadata.resourceVersion`
//! and, when the server annotates them, `kcp.io/cluster` added (neither is ever stored).
//!
//! The watch cache renders every write. Only `metadata` changes, so [`render_kv`] parses the
//! top level and `metadata` into raw slices, decodes just the few metadata fields it reads, and
//! copies everything else through as bytes: for a custom resource with a large `spec` and its
//! managed fields, that is most of the object left unparsed. Its output is byte for byte what
//! decoding the whole object, [`render_value`], and encoding it again give.

use std::sync::OnceLock;

use bytes::Bytes;
use kcp_store::Revision;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{CachedObject, ObjectKey};

/// Adds `resourceVersion` and, when `annotate_cluster`, the `kcp.io/cluster` annotation to an
/// object. The one place a write's response and the watch cache do it (the cache through
/// [`render_kv`], which matches it byte for byte), so a create's answer is what a later get
/// returns.
pub fn render_value(obj: &mut Value, cluster: &str, revision: Revision, annotate_cluster: bool) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    meta.insert(
        "resourceVersion".into(),
        Value::String(revision.to_string()),
    );
    if annotate_cluster {
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(a) = annotations.as_object_mut() {
            a.insert(
                kcp_api::CLUSTER_ANNOTATION.into(),
                Value::String(cluster.to_string()),
            );
        }
    }
}

/// Parses stored bytes and renders them for clients; `None` for a key or value that is not an
/// object of ours (logged: it should not happen).
pub fn render_kv(
    key: &str,
    value: &[u8],
    revision: Revision,
    annotate_cluster: bool,
) -> Option<CachedObject> {
    let Some(parsed_key) = ObjectKey::parse(key) else {
        tracing::warn!("watch cache: ignoring unexpected key {key}");
        return None;
    };
    let cluster = parsed_key.cluster().to_string();
    if let Some(r) = render_raw(value, &cluster, revision, annotate_cluster) {
        return Some(r.into_cached(parsed_key, revision));
    }
    // Not the shape the fast path expects (no `metadata` object): decode it whole.
    let mut obj: Value = match serde_json::from_slice(value) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!("watch cache: ignoring undecodable value at {key}: {e}");
            return None;
        }
    };
    render_value(&mut obj, &cluster, revision, annotate_cluster);
    let meta = obj.get("metadata")?.as_object()?;
    let field = |k: &str| meta.get(k).cloned().unwrap_or(Value::Null);
    let rendered = Rendered {
        json: serde_json::to_vec(&obj).ok()?,
        labels: field("labels"),
        uid: field("uid"),
        owner_references: field("ownerReferences"),
        deleting: meta.get("deletionTimestamp").is_some_and(|t| !t.is_null()),
    };
    Some(rendered.into_cached(parsed_key, revision))
}

/// A rendered object and the metadata the cache keeps parsed beside it.
struct Rendered {
    json: Vec<u8>,
    labels: Value,
    uid: Value,
    owner_references: Value,
    deleting: bool,
}

impl Rendered {
    fn into_cached(self, key: ObjectKey, revision: Revision) -> CachedObject {
        let labels = self
            .labels
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let owner_uids = self
            .owner_references
            .as_array()
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| r.get("uid").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        CachedObject {
            key,
            json: Bytes::from(self.json),
            mod_revision: revision,
            labels,
            uid: self.uid.as_str().unwrap_or("").to_string(),
            owner_uids,
            deleting: self.deleting,
            decoded: OnceLock::new(),
        }
    }
}

/// A JSON object's members in order, values left raw; a repeated key keeps its first place and
/// its last value, as decoding into an order-preserving map does.
struct RawMembers<'a>(Vec<(String, &'a RawValue)>);

impl<'a> RawMembers<'a> {
    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawMembers<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Members<'a> {
            type Value = RawMembers<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Self::Value, M::Error> {
                let mut out: Vec<(String, &'a RawValue)> = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, &'de RawValue>()? {
                    match out.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                Ok(RawMembers(out))
            }
        }
        d.deserialize_map(Members(std::marker::PhantomData))
    }
}

fn parse<'a, T: Deserialize<'a>>(raw: Option<&'a RawValue>) -> Option<T> {
    raw.and_then(|r| serde_json::from_str(r.get()).ok())
}

fn push_member(out: &mut Vec<u8>, first: &mut bool, key: &str, value: &[u8]) {
    if !std::mem::take(first) {
        out.push(b',');
    }
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, key);
    out.push(b':');
    out.extend_from_slice(value);
}

/// The fast path of [`render_kv`]; `None` unless the object and its `metadata` are objects.
fn render_raw(
    value: &[u8],
    cluster: &str,
    revision: Revision,
    annotate_cluster: bool,
) -> Option<Rendered> {
    let top: RawMembers = serde_json::from_slice(value).ok()?;
    let meta: RawMembers = parse(top.get("metadata"))?;
    let annotations = if annotate_cluster {
        match parse::<Value>(meta.get("annotations")) {
            Some(Value::Object(mut a)) => {
                a.insert(
                    kcp_api::CLUSTER_ANNOTATION.into(),
                    Value::String(cluster.to_string()),
                );
                Some(serde_json::to_vec(&a).ok()?)
            }
            // Present but not an object: left as it is, as `render_value` leaves it.
            Some(_) => None,
            None => Some(
                serde_json::to_vec(&serde_json::json!({kcp_api::CLUSTER_ANNOTATION: cluster}))
                    .ok()?,
            ),
        }
    } else {
        None
    };
    let rv = serde_json::to_vec(&revision.to_string()).ok()?;

    let mut rendered_meta =
        Vec::with_capacity(top.get("metadata").map_or(0, |m| m.get().len()) + 64);
    rendered_meta.push(b'{');
    let mut first = true;
    let (mut rv_written, mut annotations_written) = (false, annotations.is_none());
    for (k, v) in &meta.0 {
        let bytes = match k.as_str() {
            "resourceVersion" => {
                rv_written = true;
                &rv[..]
            }
            "annotations" if annotations.is_some() => {
                annotations_written = true;
                annotations.as_deref().unwrap_or_default()
            }
            _ => v.get().as_bytes(),
        };
        push_member(&mut rendered_meta, &mut first, k, bytes);
    }
    if !rv_written {
        push_member(&mut rendered_meta, &mut first, "resourceVersion", &rv);
    }
    if !annotations_written {
        let a = annotations.as_deref().unwrap_or_default();
        push_member(&mut rendered_meta, &mut first, "annotations", a);
    }
    rendered_meta.push(b'}');

    let mut json = Vec::with_capacity(value.len() + 96);
    json.push(b'{');
    let mut first = true;
    for (k, v) in &top.0 {
        let bytes = if k == "metadata" {
            &rendered_meta[..]
        } else {
            v.get().as_bytes()
        };
        push_member(&mut json, &mut first, k, bytes);
    }
    json.push(b'}');
    Some(Rendered {
        json,
        labels: parse(meta.get("labels")).unwrap_or(Value::Null),
        uid: parse(meta.get("uid")).unwrap_or(Value::Null),
        owner_references: parse(meta.get("ownerReferences")).unwrap_or(Value::Null),
        deleting: meta
            .get("deletionTimestamp")
            .is_some_and(|t| t.get() != "null"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What decoding the whole object and `render_value` give.
    fn slow(value: &[u8], annotate: bool) -> Vec<u8> {
        let mut obj: Value = serde_json::from_slice(value).unwrap();
        render_value(&mut obj, "root:org", 42, annotate);
        serde_json::to_vec(&obj).unwrap()
    }

    /// The inputs are as the server stores objects: its own compact encoding (raw slices are
    /// copied, so an input spelling `\u00e9` for `é` would stay so).
    #[test]
    fn the_fast_path_renders_exactly_what_decoding_the_whole_object_renders() {
        let objects = [
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default","uid":"u1","labels":{"app":"x","n":"1"}},"data":{"k":"v"}}"#,
            r#"{"metadata":{"name":"a","annotations":{"z":"1","a":"\"quoted\" ☃"},"resourceVersion":"7","managedFields":[{"manager":"m","fieldsV1":{"f:spec":{".":{}}}}]},"spec":{"x":[1,2.5,-3e-7,null,true],"y":{"é":"\u0001"}}}"#,
            r#"{"kind":"X","metadata":{"annotations":null,"ownerReferences":[{"uid":"o1"},{"uid":"o2"}],"deletionTimestamp":"2026-01-01T00:00:00Z"}}"#,
            r#"{"metadata":{"name":"dup","name":"second"},"metadata":{"name":"last"},"b":1}"#,
            r#"{"metadata":{}}"#,
        ];
        for o in objects {
            for annotate in [true, false] {
                let fast = render_raw(o.as_bytes(), "root:org", 42, annotate).unwrap();
                assert_eq!(
                    String::from_utf8(fast.json).unwrap(),
                    String::from_utf8(slow(o.as_bytes(), annotate)).unwrap(),
                    "{o} (annotate: {annotate})"
                );
            }
        }
    }

    #[test]
    fn the_cache_entry_keeps_labels_uid_owners_and_deletion() {
        let o = r#"{"metadata":{"name":"a","uid":"u1","labels":{"app":"x","num":1},"ownerReferences":[{"uid":"o1"}],"deletionTimestamp":"2026-01-01T00:00:00Z"}}"#;
        let key = "/registry/core/configmaps/root/default/a";
        let c = render_kv(key, o.as_bytes(), 9, true).unwrap();
        assert_eq!(c.uid, "u1");
        assert_eq!(c.owner_uids, vec!["o1".to_string()]);
        assert!(c.deleting);
        assert_eq!(c.labels.len(), 1, "only string labels: {:?}", c.labels);
        assert_eq!(c.mod_revision, 9);
        // No metadata object: decoded whole, as before.
        let c = render_kv(key, br#"{"kind":"X"}"#, 9, true).unwrap();
        assert_eq!(
            std::str::from_utf8(&c.json).unwrap(),
            r#"{"kind":"X","metadata":{"resourceVersion":"9","annotations":{"kcp.io/cluster":"root"}}}"#
        );
    }
}
