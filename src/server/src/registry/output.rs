//! Rendering answers in the form the client asked for: the object itself, a list, a
//! `meta.k8s.io/v1 Table`, or `PartialObjectMetadata(List)`.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{Value, json};

use super::query::{IncludeObject, Output};
use super::{conversion, table};
use crate::catalog::ResourceDef;
use crate::errors::{ApiError, ApiResult};
use crate::storage::CachedObject;

/// `PartialObjectMetadata` of an object.
pub fn partial_metadata(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata").cloned().unwrap_or(json!({})),
    })
}

/// The column definitions of a resource's Table: kube's printers for built-ins, the CRD's
/// `additionalPrinterColumns` for custom resources.
fn columns(def: &ResourceDef) -> Vec<Value> {
    let Some(custom) = &def.custom else {
        return table::builtin_columns(def.group, def.resource);
    };
    let mut cols = vec![json!({"name": "Name", "type": "string", "format": "name",
        "description": "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
        "priority": 0})];
    cols.extend(custom.schema.columns().iter().map(|c| {
        // kube describes a column without a description by its JSONPath.
        let description = if c.description.is_empty() {
            format!("Custom resource definition column (in JSONPath format): {}", c.json_path)
        } else {
            c.description.clone()
        };
        json!({"name": c.name, "type": c.type_, "format": c.format, "description": description, "priority": c.priority})
    }));
    cols
}

fn cells(def: &ResourceDef, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
    match &def.custom {
        Some(custom) => {
            let mut cells = vec![obj["metadata"]["name"].clone()];
            cells.extend(custom.schema.printer_columns_at(obj, now));
            cells
        }
        None => table::builtin_row_cells(def.group, def.resource, obj, now),
    }
}

fn table_row(
    def: &ResourceDef,
    obj: &Value,
    include: IncludeObject,
    now: jiff::Timestamp,
) -> Value {
    let cells = cells(def, obj, now);
    let mut row = json!({"cells": cells});
    if def.custom.is_none()
        && let Some(conditions) = table::builtin_row_conditions(def.group, def.resource, obj)
    {
        row["conditions"] = conditions;
    }
    match include {
        IncludeObject::None => {}
        IncludeObject::Metadata => row["object"] = partial_metadata(obj),
        IncludeObject::Object => row["object"] = obj.clone(),
    }
    row
}

/// A Table of the given objects.
pub fn table(
    def: &ResourceDef,
    objs: &[Value],
    include: IncludeObject,
    list_meta: Value,
    with_columns: bool,
) -> Value {
    let now = jiff::Timestamp::now();
    let rows: Vec<Value> = objs
        .iter()
        .map(|o| table_row(def, o, include, now))
        .collect();
    let mut t = json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
    });
    if with_columns {
        t["columnDefinitions"] = Value::Array(columns(def));
    } else {
        t["columnDefinitions"] = Value::Null;
    }
    t["rows"] = Value::Array(rows);
    t
}

/// The Go type kube-apiserver names in its messages for an object (or list) of `def`: the
/// internal type of a built-in (`*core.ConfigMap`), unstructured for custom resources.
fn go_type(def: &ResourceDef, list: bool) -> String {
    let list = if list { "List" } else { "" };
    if def.custom.is_some() {
        return format!("*unstructured.Unstructured{list}");
    }
    let package = match def.group {
        "" | "events.k8s.io" => "core",
        g => g.split('.').next().unwrap_or(g),
    };
    format!("*{package}.{}{list}", def.kind)
}

/// One object in the requested form.
pub fn single(def: &ResourceDef, obj: Value, out: &Output) -> ApiResult<Value> {
    Ok(match out {
        Output::Object => obj,
        Output::PartialObjectMetadata => partial_metadata(&obj),
        Output::PartialObjectMetadataList => {
            return Err(ApiError::not_acceptable_form(format!(
                "you requested PartialObjectMetadataList, but the requested object is not a list ({})",
                go_type(def, false)
            )));
        }
        Output::Table { include_object } => {
            // The Table of one object carries the object's resourceVersion.
            let rv = obj["metadata"]["resourceVersion"].clone();
            let meta = if rv.is_string() {
                json!({"resourceVersion": rv})
            } else {
                json!({})
            };
            table(def, &[obj], *include_object, meta, true)
        }
    })
}

/// Whether the items of `def`'s lists go without `apiVersion` and `kind`: kube-apiserver encodes
/// a list of a built-in type as its typed Go list, whose items carry no type meta; the items of
/// custom resources (unstructured, and kcp's own APIs, which kcp serves through CRDs) keep them.
pub fn typed_items(def: &ResourceDef) -> bool {
    def.custom.is_none() && def.bound.is_none() && !def.group.ends_with(".kcp.io")
}

/// An object's JSON without its leading `apiVersion` and `kind` (the way the cache writes every
/// object); parsed and written again when they are elsewhere.
pub fn without_type_meta(json: &[u8]) -> ApiResult<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    /// `"name":"<string without escapes>",` at the start of `s`: its length.
    fn field(s: &[u8], name: &[u8]) -> Option<usize> {
        let rest = s
            .strip_prefix(b"\"")?
            .strip_prefix(name)?
            .strip_prefix(b"\":\"")?;
        let end = rest.iter().position(|b| *b == b'"' || *b == b'\\')?;
        (rest[end] == b'"' && rest.get(end + 1) == Some(&b',')).then(|| name.len() + end + 6)
    }
    if let Some(body) = json.strip_prefix(b"{") {
        let a = field(body, b"apiVersion");
        let k = a.and_then(|a| field(&body[a..], b"kind").map(|k| a + k));
        let k = k.or_else(|| {
            let k = field(body, b"kind")?;
            field(&body[k..], b"apiVersion").map(|a| k + a)
        });
        if let Some(n) = k {
            let mut out = Vec::with_capacity(json.len() - n);
            out.push(b'{');
            out.extend_from_slice(&body[n..]);
            return Ok(Cow::Owned(out));
        }
    }
    let mut v: Value = serde_json::from_slice(json).map_err(ApiError::internal)?;
    if let Some(m) = v.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
    }
    Ok(Cow::Owned(
        serde_json::to_vec(&v).map_err(ApiError::internal)?,
    ))
}

/// A list in the requested form, as bytes (the object form is assembled from cached bytes).
pub fn list(
    def: &ResourceDef,
    items: &[Arc<CachedObject>],
    revision: i64,
    continue_token: Option<String>,
    remaining: usize,
    out: &Output,
) -> ApiResult<Bytes> {
    let mut meta = json!({"resourceVersion": revision.to_string()});
    if let Some(c) = &continue_token {
        meta["continue"] = json!(c);
        if remaining > 0 {
            meta["remainingItemCount"] = json!(remaining);
        }
    }
    match out {
        Output::Object => {
            let head =
                json!({"kind": def.list_kind(), "apiVersion": def.api_version(), "metadata": meta});
            let head = serde_json::to_vec(&head).map_err(ApiError::internal)?;
            let size: usize = items.iter().map(|o| o.json.len() + 1).sum();
            let mut buf = BytesMut::with_capacity(head.len() + size + 16);
            buf.put_slice(&head[..head.len() - 1]);
            buf.put_slice(b",\"items\":[");
            let typed = typed_items(def);
            for (i, o) in items.iter().enumerate() {
                if i > 0 {
                    buf.put_u8(b',');
                }
                let item = conversion::served_json(def, &o.json)?;
                if typed {
                    buf.put_slice(&without_type_meta(&item)?);
                } else {
                    buf.put_slice(&item);
                }
            }
            buf.put_slice(b"]}");
            Ok(buf.freeze())
        }
        Output::PartialObjectMetadata => Err(ApiError::not_acceptable_form(format!(
            "you requested PartialObjectMetadata, but the requested object is a list ({})",
            go_type(def, true)
        ))),
        Output::PartialObjectMetadataList => {
            // Metadata too may differ between versions (apis.kcp.io's conversion annotations).
            let objs: Vec<Value> = items
                .iter()
                .map(|o| crate::registry::rest::served_value(def, o).map(|v| partial_metadata(&v)))
                .collect::<ApiResult<_>>()?;
            let v = json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": objs});
            Ok(Bytes::from(
                serde_json::to_vec(&v).map_err(ApiError::internal)?,
            ))
        }
        Output::Table { include_object } => {
            let objs: Vec<Value> = items
                .iter()
                .map(|o| crate::registry::rest::served_value(def, o))
                .collect::<ApiResult<_>>()?;
            let t = table(def, &objs, *include_object, meta, true);
            Ok(Bytes::from(
                serde_json::to_vec(&t).map_err(ApiError::internal)?,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_type_meta;

    #[test]
    fn list_items_lose_their_type_meta() {
        let strip = |s: &str| {
            String::from_utf8(without_type_meta(s.as_bytes()).unwrap().into_owned()).unwrap()
        };
        // The cache's layout, either order, and anywhere else in the object.
        assert_eq!(
            strip(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}"#),
            r#"{"metadata":{"name":"a"}}"#
        );
        assert_eq!(
            strip(r#"{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","rules":[]}"#),
            r#"{"rules":[]}"#
        );
        assert_eq!(
            strip(r#"{"metadata":{"name":"a"},"kind":"ConfigMap","apiVersion":"v1"}"#),
            r#"{"metadata":{"name":"a"}}"#
        );
        // A value with an escape is parsed rather than cut.
        assert_eq!(
            strip(r#"{"apiVersion":"v\u0031","kind":"ConfigMap","data":{}}"#),
            r#"{"data":{}}"#
        );
    }
}
