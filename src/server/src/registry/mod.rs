//! The generic REST machinery: one code path for every resource (get, list, watch, create,
//! update, patch, delete, deletecollection, the `status` and `scale` subresources, Table and
//! PartialObjectMetadata output), driven by the resource's `ResourceDef` and strategy.
//! Start with `handler.rs`, which turns a `RequestInfo` into one of the verbs in `rest.rs`.

pub mod admission;
pub mod apply;
pub mod conversion;
pub mod handler;
pub mod object;
pub mod output;
pub mod patch;
pub mod query;
pub mod rest;
pub mod scale;
pub mod selector;
pub mod strategic;
pub mod strategy;
pub mod table;
pub mod watch;

use serde_json::Value;

use crate::catalog::ResourceDef;
use crate::errors::ApiResult;

/// Strategic merge patch of a built-in object, driven by its definition.
pub fn strategic_patch(def: &ResourceDef, doc: &Value, patch: &Value) -> ApiResult<Value> {
    let defs = crate::schema::Definitions::builtin();
    let gvk = crate::schema::GroupVersionKind::new(def.group, def.version, def.kind);
    let node = defs
        .name_for_gvk(&gvk)
        .and_then(|name| strategic::SchemaNode::definition(defs.defs(), name))
        .unwrap_or_else(strategic::SchemaNode::unknown);
    strategic::apply_strategic_merge_patch(doc, patch, node).map_err(|e| e.to_api_error())
}
