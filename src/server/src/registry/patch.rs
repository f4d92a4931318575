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
            let patch: json_patch::Patch = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            json_patch::patch(&mut doc, &patch).map_err(|e| {
                ApiError::new(
                    422,
                    "Invalid",
                    format!("the server rejected our request due to an error in our request: {e}"),
                )
            })?;
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

fn parse_object_patch(body: &[u8]) -> ApiResult<Value> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    if !v.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        ));
    }
    Ok(v)
}
