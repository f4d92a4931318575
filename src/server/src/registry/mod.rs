//! The generic REST machinery: one code path for every resource (get, list, watch, create,
//! update, patch, delete, deletecollection, the `status` subresource, Table and
//! PartialObjectMetadata output), driven by the resource's `ResourceDef` and strategy.
//! Start with `handler.rs`, which turns a `RequestInfo` into one of the verbs in `rest.rs`.

pub mod handler;
pub mod object;
pub mod output;
pub mod patch;
pub mod query;
pub mod rest;
pub mod selector;
pub mod strategic;
pub mod strategy;
pub mod table;
pub mod watch;

use serde_json::Value;

use crate::catalog::ResourceDef;
use crate::errors::ApiResult;

/// Strategic merge patch of a built-in object (merge patch until the strategic engine lands).
pub fn strategic_patch(_def: &ResourceDef, doc: &Value, patch: &Value) -> ApiResult<Value> {
    let mut out = doc.clone();
    json_patch::merge(&mut out, patch);
    Ok(out)
}
