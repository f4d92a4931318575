//! Pruning: what kube-apiserver does to a custom resource as it decodes it. Fields the
//! structural schema does not specify are dropped (unless `x-kubernetes-preserve-unknown-fields`
//! keeps them), `apiVersion`/`kind`/`metadata` survive at the root and in embedded resources,
//! `metadata` is reduced to what `ObjectMeta` knows, and `null`s the schema neither allows nor
//! defaults are removed. The dropped paths are what `fieldValidation=Warn|Strict` reports
//! (`unknown field "spec.foo"`).

use serde_json::{Map, Value};

use super::schema::Schema;

const META_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Builds `a.b[0].c` paths the way apiextensions' `UnknownFieldPathOptions` does.
struct Tracker {
    parent: Vec<String>,
    unknown: Vec<String>,
}

impl Tracker {
    fn push_key(&mut self, k: &str) {
        if self.parent.is_empty() {
            self.parent.push(k.to_string());
        } else {
            self.parent.push(format!(".{k}"));
        }
    }
    fn push_index(&mut self, i: usize) {
        self.parent.push(format!("[{i}]"));
    }
    fn record(&mut self, k: &str) {
        self.push_key(k);
        self.unknown.push(self.parent.concat());
        self.parent.pop();
    }
}

/// Prunes `obj` (a whole custom resource) against its root schema and returns the sorted
/// paths of the dropped fields, metadata ones included.
pub(crate) fn prune_resource(obj: &mut Value, root: &Schema) -> Vec<String> {
    let mut t = Tracker {
        parent: Vec::new(),
        unknown: Vec::new(),
    };
    // The root is a resource: its TypeMeta and ObjectMeta are never pruned by the schema.
    prune(obj, Some(root), true, &mut t);
    let mut unknown = t.unknown;
    if let Some(m) = obj.as_object_mut() {
        coerce_object_meta(m, "", &mut unknown);
    }
    // Embedded resources inside: their TypeMeta and ObjectMeta are coerced too.
    coerce_embedded(obj, Some(root), true, "", &mut unknown);
    unknown.sort();
    prune_non_nullable_nulls(obj, Some(root));
    unknown
}

fn prune(x: &mut Value, s: Option<&Schema>, force_embedded: bool, t: &mut Tracker) {
    if let Some(s) = s
        && s.preserve_unknown
    {
        skip_prune(x, s, force_embedded, t);
        return;
    }
    let depth = t.parent.len();
    match x {
        Value::Object(m) => {
            let Some(s) = s else {
                for k in m.keys() {
                    t.record(k);
                }
                m.clear();
                return;
            };
            let embedded = s.embedded || force_embedded;
            m.retain(|k, v| {
                if embedded && META_FIELDS.contains(&k.as_str()) {
                    return true;
                }
                if let Some(p) = s.property(k) {
                    t.push_key(k);
                    prune(v, Some(p), false, t);
                    t.parent.truncate(depth);
                    true
                } else if let Some(a) = &s.additional {
                    t.push_key(k);
                    let sub = match a {
                        super::schema::Additional::Schema(sub) => Some(sub.as_ref()),
                        super::schema::Additional::Allows(_) => None,
                    };
                    prune(v, sub, false, t);
                    t.parent.truncate(depth);
                    true
                } else {
                    if !META_FIELDS.contains(&k.as_str()) || !t.parent.is_empty() {
                        t.record(k);
                    }
                    false
                }
            });
        }
        Value::Array(a) => {
            let items = s.and_then(|s| s.items.as_deref());
            for (i, v) in a.iter_mut().enumerate() {
                t.push_index(i);
                prune(v, items, false, t);
                t.parent.truncate(depth);
            }
        }
        _ => {}
    }
}

fn skip_prune(x: &mut Value, s: &Schema, force_embedded: bool, t: &mut Tracker) {
    let depth = t.parent.len();
    match x {
        Value::Object(m) => {
            let embedded = s.embedded || force_embedded;
            for (k, v) in m.iter_mut() {
                if embedded && META_FIELDS.contains(&k.as_str()) {
                    continue;
                }
                if let Some(p) = s.property(k) {
                    t.push_key(k);
                    prune(v, Some(p), false, t);
                    t.parent.truncate(depth);
                } else if let Some(a) = &s.additional {
                    t.push_key(k);
                    let sub = match a {
                        super::schema::Additional::Schema(sub) => Some(sub.as_ref()),
                        super::schema::Additional::Allows(_) => None,
                    };
                    prune(v, sub, false, t);
                    t.parent.truncate(depth);
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = s.items.as_deref() {
                for (i, v) in a.iter_mut().enumerate() {
                    t.push_index(i);
                    skip_prune(v, items, false, t);
                    t.parent.truncate(depth);
                }
            }
        }
        _ => {}
    }
}

/// What `ObjectMeta` decodes: each field with the JSON shape it accepts.
#[derive(Clone, Copy)]
enum MetaShape {
    Str,
    Int,
    StrMap,
    StrList,
    ObjList,
}

const OBJECT_META: &[(&str, MetaShape)] = &[
    ("name", MetaShape::Str),
    ("generateName", MetaShape::Str),
    ("namespace", MetaShape::Str),
    ("selfLink", MetaShape::Str),
    ("uid", MetaShape::Str),
    ("resourceVersion", MetaShape::Str),
    ("generation", MetaShape::Int),
    ("creationTimestamp", MetaShape::Str),
    ("deletionTimestamp", MetaShape::Str),
    ("deletionGracePeriodSeconds", MetaShape::Int),
    ("labels", MetaShape::StrMap),
    ("annotations", MetaShape::StrMap),
    ("ownerReferences", MetaShape::ObjList),
    ("finalizers", MetaShape::StrList),
    ("managedFields", MetaShape::ObjList),
];

fn fits(shape: MetaShape, v: &Value) -> bool {
    match shape {
        MetaShape::Str => v.is_string(),
        MetaShape::Int => v.is_i64() || v.is_u64(),
        MetaShape::StrMap => v
            .as_object()
            .is_some_and(|m| m.values().all(|x| x.is_string() || x.is_null())),
        MetaShape::StrList => v
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.is_string())),
        MetaShape::ObjList => v
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.is_object())),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_i64() == Some(0),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Bool(b) => !b,
    }
}

/// Round-trips `metadata` through `ObjectMeta` as kube does: unknown fields are dropped
/// (and reported as `<prefix>metadata.x`), malformed ones dropped, empty ones omitted.
fn coerce_object_meta(obj: &mut Map<String, Value>, prefix: &str, unknown: &mut Vec<String>) {
    let Some(meta) = obj.get_mut("metadata") else {
        return;
    };
    let Some(m) = meta.as_object_mut() else {
        // Not an object at all: ObjectMeta cannot hold it.
        obj.remove("metadata");
        return;
    };
    m.retain(|k, v| match OBJECT_META.iter().find(|(n, _)| n == k) {
        None => {
            unknown.push(format!("{prefix}metadata.{k}"));
            false
        }
        Some((name, shape)) => {
            if v.is_null() {
                return false;
            }
            if !fits(*shape, v) {
                return false;
            }
            if let Value::Object(labels) = v {
                labels.retain(|_, x| !x.is_null());
            }
            // `creationTimestamp` has no omitempty; the rest do.
            *name == "creationTimestamp" || !is_empty(v)
        }
    });
}

fn coerce_embedded(
    x: &mut Value,
    s: Option<&Schema>,
    is_root: bool,
    path: &str,
    unknown: &mut Vec<String>,
) {
    let Some(s) = s.filter(|s| s.embedded_below) else {
        return;
    };
    match x {
        Value::Object(m) => {
            if s.embedded && !is_root {
                for k in ["apiVersion", "kind"] {
                    if m.get(k).is_some_and(|v| !v.is_string()) {
                        m.remove(k);
                    }
                }
                coerce_object_meta(m, &format!("{path}."), unknown);
            }
            for (k, v) in m.iter_mut() {
                if is_root && META_FIELDS.contains(&k.as_str()) {
                    continue;
                }
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                coerce_embedded(v, s.field(k), false, &child, unknown);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter_mut().enumerate() {
                coerce_embedded(
                    v,
                    s.items.as_deref(),
                    false,
                    &format!("{path}[{i}]"),
                    unknown,
                );
            }
        }
        _ => {}
    }
}

/// Removes `null`s where the schema neither allows them (`nullable`) nor defaults them.
fn prune_non_nullable_nulls(x: &mut Value, s: Option<&Schema>) {
    match x {
        Value::Object(m) => {
            m.retain(|k, v| {
                let sub = s.and_then(|s| s.field(k));
                if v.is_null() && sub.is_some_and(|p| !p.nullable && p.default.is_none()) {
                    return false;
                }
                prune_non_nullable_nulls(v, sub);
                true
            });
        }
        Value::Array(a) => {
            let items = s.and_then(|s| s.items.as_deref());
            for v in a.iter_mut() {
                prune_non_nullable_nulls(v, items);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(schema: Value, mut obj: Value) -> (Value, Vec<String>) {
        let s = Schema::parse(&schema);
        let unknown = prune_resource(&mut obj, &s);
        (obj, unknown)
    }

    #[test]
    fn drops_unknown_fields_and_reports_paths() {
        let (obj, unknown) = run(
            json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
                "a": {"type": "string"},
                "list": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}}}}
            }}}}),
            json!({"apiVersion": "g/v1", "kind": "K", "metadata": {"name": "n", "bogus": 1},
                   "spec": {"a": "x", "foo": 1, "list": [{"x": 1, "y": 2}]}, "extra": true}),
        );
        assert_eq!(
            obj,
            json!({"apiVersion": "g/v1", "kind": "K", "metadata": {"name": "n"},
                   "spec": {"a": "x", "list": [{"x": 1}]}})
        );
        assert_eq!(
            unknown,
            vec!["extra", "metadata.bogus", "spec.foo", "spec.list[0].y"]
        );
    }

    #[test]
    fn preserve_unknown_fields_keeps_but_still_prunes_known_children() {
        let (obj, unknown) = run(
            json!({"type": "object", "properties": {"spec": {"type": "object",
                "x-kubernetes-preserve-unknown-fields": true,
                "properties": {"known": {"type": "object", "properties": {"a": {"type": "string"}}}}}}}),
            json!({"spec": {"free": {"any": 1}, "known": {"a": "x", "b": 1}}}),
        );
        assert_eq!(
            obj,
            json!({"spec": {"free": {"any": 1}, "known": {"a": "x"}}})
        );
        assert_eq!(unknown, vec!["spec.known.b"]);
    }

    #[test]
    fn embedded_resource_keeps_type_and_object_meta() {
        let (obj, unknown) = run(
            json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
                "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                    "properties": {"spec": {"type": "object", "properties": {"a": {"type": "string"}}}}}}}}}),
            json!({"spec": {"template": {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "labels": {"a": "b"}, "junk": 1},
                "spec": {"a": "x", "b": "y"}, "status": {}}}}),
        );
        assert_eq!(
            obj,
            json!({"spec": {"template": {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "labels": {"a": "b"}}, "spec": {"a": "x"}}}})
        );
        assert_eq!(
            unknown,
            vec![
                "spec.template.metadata.junk",
                "spec.template.spec.b",
                "spec.template.status"
            ]
        );
    }

    #[test]
    fn additional_properties_and_int_or_string() {
        let (obj, unknown) = run(
            json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
                "port": {"x-kubernetes-int-or-string": true},
                "labels": {"type": "object", "additionalProperties": {"type": "object",
                    "properties": {"v": {"type": "string"}}}}}}}}),
            json!({"spec": {"port": "http", "labels": {"k": {"v": "1", "w": 2}}}}),
        );
        assert_eq!(
            obj,
            json!({"spec": {"port": "http", "labels": {"k": {"v": "1"}}}})
        );
        assert_eq!(unknown, vec!["spec.labels.k.w"]);
    }

    #[test]
    fn nulls_without_nullable_or_default_are_removed() {
        let (obj, _) = run(
            json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
                "a": {"type": "string"},
                "b": {"type": "string", "nullable": true},
                "c": {"type": "string", "default": "d"}}}}}),
            json!({"spec": {"a": null, "b": null, "c": null}}),
        );
        assert_eq!(obj, json!({"spec": {"b": null, "c": null}}));
    }

    #[test]
    fn metadata_at_root_is_object_meta() {
        let (obj, unknown) = run(
            json!({"type": "object"}),
            json!({"metadata": {"name": "n", "namespace": "", "labels": {}, "annotations": {"a": "b"},
                   "finalizers": ["f"], "generation": "x", "clusterName": "c"}}),
        );
        assert_eq!(
            obj,
            json!({"metadata": {"name": "n", "annotations": {"a": "b"}, "finalizers": ["f"]}})
        );
        assert_eq!(unknown, vec!["metadata.clusterName"]);
    }
}
