//! Applying a PATCH body to the current object: JSON patch (RFC 6902), JSON merge patch
//! (RFC 7396) and strategic merge patch (built-in types, driven by their definitions).

use serde_json::Value;

use super::query::PatchType;
use crate::catalog::ResourceDef;
use crate::errors::{ApiError, ApiResult};

/// The patched object (not yet validated or stored).
pub fn apply(
    def: &ResourceDef,
    current: &Value,
    patch_type: PatchType,
    body: &[u8],
) -> ApiResult<Value> {
    let mut doc = current.clone();
    match patch_type {
        PatchType::Json => {
            let raw = decode_patch(body)?;
            let ops = match raw {
                Value::Array(_) => raw,
                // Go decodes `null` into an empty list of operations.
                Value::Null => Value::Array(Vec::new()),
                other => {
                    return Err(ApiError::bad_request(format!(
                        "error decoding patch: json: cannot unmarshal {} into Go value of type []handlers.jsonPatchOp",
                        go_json_type(&other)
                    )));
                }
            };
            // kube reads each operation as it applies it: a bad operation is a 422 as a failed
            // one is (kube's message stops before the reason; ours gives it).
            let rejected = |e: String| {
                ApiError::new(
                    422,
                    "Invalid",
                    format!("the server rejected our request due to an error in our request: {e}"),
                )
                .with_details(serde_json::json!({}))
            };
            let patch: json_patch::Patch =
                serde_json::from_value(ops).map_err(|e| rejected(e.to_string()))?;
            json_patch::patch(&mut doc, &patch).map_err(|e| rejected(e.to_string()))?;
        }
        PatchType::Merge => {
            let patch = parse_object_patch(body)?;
            json_patch::merge(&mut doc, &patch);
        }
        PatchType::Strategic if def.custom.is_some() => {
            // kube serves no strategic merge patch for custom resources.
            return Err(ApiError::new(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            ));
        }
        PatchType::Strategic => {
            let patch = parse_object_patch(body)?;
            doc = super::strategic_patch(def, &doc, &patch)?;
        }
        PatchType::Apply => {
            return Err(ApiError::unsupported_media_type(
                "application/apply-patch+yaml",
            ));
        }
    }
    Ok(doc)
}

/// A patch body as JSON; a syntax error is a 400 with Go's message, as kube gives it.
fn decode_patch(body: &[u8]) -> ApiResult<Value> {
    serde_json::from_slice(body).map_err(|e| {
        let why = crate::schema::gojson::syntax_error(body).unwrap_or_else(|| e.to_string());
        ApiError::bad_request(format!("error decoding patch: {why}"))
    })
}

/// The name Go's `encoding/json` gives a JSON value's type in its messages.
fn go_json_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

fn parse_object_patch(body: &[u8]) -> ApiResult<Value> {
    let v = decode_patch(body)?;
    if !v.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        ));
    }
    Ok(v)
}
