//! Helpers on objects as JSON: metadata access and the fields the server owns.

use serde_json::{Map, Value, json};

use crate::errors::{ApiError, ApiResult};

/// `metadata` as a map, created if missing.
pub fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.is_object() {
        *obj = json!({});
    }
    let Some(o) = obj.as_object_mut() else {
        unreachable!("made an object above")
    };
    let m = o.entry("metadata").or_insert_with(|| json!({}));
    if !m.is_object() {
        *m = json!({});
    }
    match m.as_object_mut() {
        Some(m) => m,
        None => unreachable!("made an object above"),
    }
}

/// A string field of `metadata`, or "".
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

pub fn name(obj: &Value) -> &str {
    meta_str(obj, "name")
}

pub fn namespace(obj: &Value) -> &str {
    meta_str(obj, "namespace")
}

pub fn resource_version(obj: &Value) -> &str {
    meta_str(obj, "resourceVersion")
}

/// `metadata.finalizers` as strings.
pub fn finalizers(obj: &Value) -> Vec<String> {
    obj.get("metadata")
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn is_deleting(obj: &Value) -> bool {
    obj.get("metadata")
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some_and(|t| !t.is_null())
}

/// Removes what the server derives at read time and never stores: the resourceVersion and the
/// `kcp.io/cluster` annotation (a client's copy of it is never trusted).
pub fn strip_derived(obj: &mut Value) {
    let meta = meta_mut(obj);
    meta.remove("resourceVersion");
    meta.remove("selfLink");
    if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
        a.remove(kcp_api::CLUSTER_ANNOTATION);
    }
    // Explicit nulls are dropped, as Go's decoder leaves the zero value; so are empty maps and
    // lists, which ObjectMeta's `omitempty` leaves out when the object is written
    // (`managedFields: []` is a request to clear them, for the field manager to see).
    meta.retain(|k, v| match v {
        Value::Null => false,
        Value::Object(m) => !(m.is_empty() && matches!(k.as_str(), "labels" | "annotations")),
        Value::Array(a) => {
            !(a.is_empty() && matches!(k.as_str(), "finalizers" | "ownerReferences"))
        }
        _ => true,
    });
}

/// The current time as kube writes it (RFC 3339, seconds).
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Parses a request body as JSON, or YAML when the content type says so, into an object.
pub fn parse_body(body: &[u8], yaml: bool) -> ApiResult<Value> {
    let value: Value = if yaml {
        let text = std::str::from_utf8(body)
            .map_err(|e| ApiError::bad_request(format!("the body is not UTF-8: {e}")))?;
        serde_saphyr::from_str(text).map_err(|e| {
            ApiError::bad_request(format!("error converting YAML to JSON: yaml: {e}"))
        })?
    } else {
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(json_error(body, &e)))?
    };
    Ok(value)
}

/// kube-apiserver's message for a body that is not valid JSON.
fn json_error(body: &[u8], e: &serde_json::Error) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        return "the server could not find the requested resource: empty body".into();
    }
    format!(
        "couldn't get version/kind; json parse error: {}",
        go_json_message(e)
    )
}

/// serde_json's error phrased as Go's `encoding/json` would be close enough to recognise.
fn go_json_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "unexpected end of JSON input".into(),
        _ => format!(
            "invalid character at line {} column {}",
            e.line(),
            e.column()
        ),
    }
}

/// Whether `a` and `b` carry the same `kind` (ignoring absence).
pub fn type_meta(obj: &Value) -> (&str, &str) {
    (
        obj.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
        obj.get("kind").and_then(Value::as_str).unwrap_or(""),
    )
}

/// A condition of kcp's type (`reference/kcp.md` §3.0), transitioned now; a reason makes it an
/// `Error` with its message.
pub fn condition(type_: &str, status: bool, reason: &str, message: &str) -> Value {
    let mut c = json!({
        "type": type_,
        "status": if status { "True" } else { "False" },
        "lastTransitionTime": now_rfc3339(),
    });
    if !reason.is_empty() {
        c["reason"] = json!(reason);
        c["message"] = json!(message);
        c["severity"] = json!("Error");
    }
    c
}

/// Sets a condition, keeping its transition time when the status is unchanged.
pub fn set_condition(status: &mut Value, cond: Value) {
    if !status["conditions"].is_array() {
        status["conditions"] = json!([]);
    }
    let Some(list) = status["conditions"].as_array_mut() else {
        return;
    };
    match list.iter_mut().find(|c| c["type"] == cond["type"]) {
        Some(existing) if existing["status"] == cond["status"] => {
            let time = existing["lastTransitionTime"].clone();
            *existing = cond;
            existing["lastTransitionTime"] = time;
        }
        Some(existing) => *existing = cond,
        None => list.push(cond),
    }
}
