//! Small helpers to fill in fields of a `serde_json` object the way Go defaulters do: a field
//! counts as unset when absent or `null` (a nil pointer), and for strings also when empty.

use serde_json::{Map, Value, json};

/// Whether a field is unset for a pointer or struct field: absent or `null`.
pub fn unset(m: &Map<String, Value>, key: &str) -> bool {
    matches!(m.get(key), None | Some(Value::Null))
}

/// Whether a string field is unset: absent, `null` or `""`.
pub fn unset_str(m: &Map<String, Value>, key: &str) -> bool {
    match m.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// Sets `key` to `value` unless the client set it (pointer semantics).
pub fn default(m: &mut Map<String, Value>, key: &str, value: Value) {
    if unset(m, key) {
        m.insert(key.to_string(), value);
    }
}

/// Sets the string `key` to `value` unless the client set a non-empty one.
pub fn default_str(m: &mut Map<String, Value>, key: &str, value: &str) {
    if unset_str(m, key) {
        m.insert(key.to_string(), json!(value));
    }
}

/// The object at `key`, created empty when absent or `null`; `None` if it is something else.
pub fn obj_mut<'a>(m: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    if unset(m, key) {
        m.insert(key.to_string(), json!({}));
    }
    m.get_mut(key).and_then(Value::as_object_mut)
}

/// The object at `key` if it exists (never created).
pub fn existing_mut<'a>(
    m: &'a mut Map<String, Value>,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    m.get_mut(key).and_then(Value::as_object_mut)
}

/// The object at a path of keys if every step exists.
pub fn path_mut<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Map<String, Value>> {
    let mut cur = v.as_object_mut()?;
    for key in path {
        cur = cur.get_mut(*key)?.as_object_mut()?;
    }
    Some(cur)
}

/// Calls `f` on every object element of the array at `key`.
pub fn each_mut(m: &mut Map<String, Value>, key: &str, mut f: impl FnMut(&mut Map<String, Value>)) {
    if let Some(items) = m.get_mut(key).and_then(Value::as_array_mut) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            f(item);
        }
    }
}

/// Whether a map field holds at least one entry.
pub fn non_empty_map(m: &Map<String, Value>, key: &str) -> bool {
    m.get(key)
        .and_then(Value::as_object)
        .is_some_and(|o| !o.is_empty())
}
