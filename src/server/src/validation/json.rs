//! Small, panic-free readers over `serde_json::Value` objects, and comparisons with the meaning
//! kube's Go structs give them.
//!
//! Objects reach validation already type-checked against their schema, but nothing here relies
//! on it: a field of the wrong JSON type reads as absent (or empty), never as a panic.

use serde_json::{Map, Value};

/// The value at a dotted path of object keys, if every step is an object that has the key.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(v, |cur, key| cur.as_object()?.get(*key))
}

/// The string at `path`, or `""` when absent, null or not a string (Go's zero value).
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or("")
}

/// The object at `path`, if it is one.
pub fn obj_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Map<String, Value>> {
    at(v, path).and_then(Value::as_object)
}

/// The array at `path`, or an empty slice.
pub fn arr_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The integer at `path`, if it is one.
pub fn i64_at(v: &Value, path: &[&str]) -> Option<i64> {
    at(v, path).and_then(Value::as_i64)
}

/// The bool at `path`, treating absent and null as `false`.
pub fn bool_at(v: &Value, path: &[&str]) -> bool {
    at(v, path).and_then(Value::as_bool).unwrap_or(false)
}

/// A map of strings (labels, annotations, ConfigMap data) as sorted pairs; non-string values
/// read as `""`. Sorted so that errors come out in a stable order (Go's map order is random).
pub fn string_map<'a>(v: &'a Value, path: &[&str]) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = obj_at(v, path)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    pairs.sort_unstable();
    pairs
}

/// The strings of a string array; non-strings read as `""`.
pub fn string_list<'a>(v: &'a Value, path: &[&str]) -> Vec<&'a str> {
    arr_at(v, path)
        .iter()
        .map(|s| s.as_str().unwrap_or(""))
        .collect()
}

/// Whether a value is "unset" the way Go sees an omitted field: absent, null, or an empty
/// string, map or list.
pub fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

/// Semantic equality as `apiequality.Semantic.DeepEqual` sees two decoded fields: an omitted
/// field equals its zero value, timestamps compare as instants, everything else structurally.
pub fn semantic_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::String(x)), Some(Value::String(y))) => {
            x == y || matches!((parse_time(x), parse_time(y)), (Some(p), Some(q)) if p == q)
        }
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let keys = x.keys().chain(y.keys());
            keys.into_iter().all(|k| semantic_eq(x.get(k), y.get(k)))
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| semantic_eq(Some(p), Some(q)))
        }
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if p == q)
        }
        (x, y) if is_empty(x) && is_empty(y) => true,
        (
            Some(Value::Bool(false)) | None | Some(Value::Null),
            Some(Value::Bool(false)) | None | Some(Value::Null),
        ) => true,
        (Some(Value::Number(n)), None | Some(Value::Null))
        | (None | Some(Value::Null), Some(Value::Number(n))) => n.as_f64() == Some(0.0),
        (x, y) => x == y,
    }
}

/// An RFC 3339 timestamp, as `metav1.Time` and `metav1.MicroTime` serialize.
pub fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    s.parse::<jiff::Timestamp>().ok()
}

/// A `metav1.Time` (or `MicroTime`) field as Go's `json.Marshal` renders it in an error: the
/// string, or `null` when unset.
pub fn time_value(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Value::String(s.clone()),
        _ => Value::Null,
    }
}

/// Builds a JSON object with the keys in the order given (Go marshals struct fields in
/// declaration order, and `serde_json` here preserves insertion order).
pub fn ordered(fields: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in fields {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readers_never_panic_on_wrong_types() {
        let v = json!({"metadata": {"name": 3, "labels": ["x"], "finalizers": "a"}});
        assert_eq!(str_at(&v, &["metadata", "name"]), "");
        assert!(string_map(&v, &["metadata", "labels"]).is_empty());
        assert!(string_list(&v, &["metadata", "finalizers"]).is_empty());
        assert_eq!(str_at(&v, &["metadata", "name", "deeper"]), "");
    }

    #[test]
    fn semantic_equality() {
        assert!(semantic_eq(None, Some(&json!({}))));
        assert!(semantic_eq(Some(&json!("")), None));
        assert!(semantic_eq(
            Some(&json!("2024-01-01T00:00:00Z")),
            Some(&json!("2024-01-01T00:00:00+00:00"))
        ));
        assert!(!semantic_eq(
            Some(&json!({"a": "1"})),
            Some(&json!({"a": "2"}))
        ));
        assert!(semantic_eq(
            Some(&json!({"a": "1", "b": null})),
            Some(&json!({"a": "1"}))
        ));
        assert!(semantic_eq(Some(&json!(0)), None));
        assert!(!semantic_eq(Some(&json!(1)), None));
    }
}
