//! The checks kube-apiserver runs on a CRD version's `openAPIV3Schema` when the CRD is
//! created: the structural-schema invariants (`ValidateStructural`: every specified field has
//! a type, junctors only restrict values, metadata only restricts name and generateName…),
//! completeness of junctors, and the OpenAPI rules of apiextensions' validation (unsupported
//! keywords, `x-kubernetes-list-type`/`-map-keys`/`-map-type`, `x-kubernetes-validations`
//! shape). Errors carry kube's paths, e.g.
//! `spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields`.

use serde_json::{Map, Value};

use crate::errors::{FieldError, FieldPath};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Item,
    Field,
}

type Obj = Map<String, Value>;

fn s_type(s: &Obj) -> &str {
    s.get("type").and_then(Value::as_str).unwrap_or("")
}

fn flag(s: &Obj, k: &str) -> bool {
    s.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn props(s: &Obj) -> Option<&Obj> {
    s.get("properties").and_then(Value::as_object)
}

fn items(s: &Obj) -> Option<&Obj> {
    s.get("items").and_then(Value::as_object)
}

/// `additionalProperties` as a schema (a boolean counts as present but has no schema).
fn additional(s: &Obj) -> (bool, Option<&Obj>) {
    match s.get("additionalProperties") {
        Some(Value::Object(o)) => (true, Some(o)),
        Some(Value::Bool(_)) => (true, None),
        _ => (false, None),
    }
}

fn is_int_or_string_any_of(any_of: Option<&Value>) -> bool {
    let Some(a) = any_of.and_then(Value::as_array) else {
        return false;
    };
    a.len() == 2
        && a[0] == serde_json::json!({"type": "integer"})
        && a[1] == serde_json::json!({"type": "string"})
}

fn int_or_string_all_of(s: &Obj) -> bool {
    s.get("allOf")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_object)
        .is_some_and(|first| is_int_or_string_any_of(first.get("anyOf")))
}

fn structural_invariants(s: &Obj, lvl: Level, p: &FieldPath, out: &mut Vec<FieldError>) {
    let ty = s_type(s);
    if ty == "array" && items(s).is_none() {
        out.push(FieldError::required(&p.child("items"), "must be specified"));
    }
    if let Some(i) = items(s) {
        structural_invariants(i, Level::Item, &p.child("items"), out);
    }
    if let Some(ps) = props(s) {
        for (k, v) in ps {
            if let Some(v) = v.as_object() {
                structural_invariants(v, Level::Field, &p.child("properties").key(k), out);
            }
        }
    }
    let (has_additional, add_schema) = additional(s);
    if has_additional {
        if lvl == Level::Root {
            out.push(FieldError::forbidden(
                &p.child("additionalProperties"),
                "must not be used at the root",
            ));
        }
        if let Some(a) = add_schema {
            structural_invariants(a, Level::Field, &p.child("additionalProperties"), out);
        }
    }
    let int_or_string = flag(s, "x-kubernetes-int-or-string");
    let preserve = flag(s, "x-kubernetes-preserve-unknown-fields");
    let embedded = flag(s, "x-kubernetes-embedded-resource");
    if int_or_string && preserve {
        out.push(FieldError::invalid(
            &p.child("x-kubernetes-preserve-unknown-fields"),
            true,
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    if int_or_string && embedded {
        out.push(FieldError::invalid(
            &p.child("x-kubernetes-embedded-resource"),
            true,
            "must be false if x-kubernetes-int-or-string is true",
        ));
    }
    let skip_any_of = is_int_or_string_any_of(s.get("anyOf"));
    let skip_first_all_of_any_of = int_or_string_all_of(s);
    value_validation(s, skip_any_of, skip_first_all_of_any_of, p, out);

    let check_metadata = lvl == Level::Root || embedded;
    if embedded && ty != "object" {
        if ty.is_empty() {
            out.push(FieldError::required(
                &p.child("type"),
                "must be object if x-kubernetes-embedded-resource is true",
            ));
        } else {
            out.push(FieldError::invalid(
                &p.child("type"),
                ty,
                "must be object if x-kubernetes-embedded-resource is true",
            ));
        }
    } else if ty.is_empty() && !int_or_string && !preserve {
        let detail = match lvl {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        out.push(FieldError::required(&p.child("type"), detail));
    }
    if embedded && has_additional {
        out.push(FieldError::forbidden(
            &p.child("additionalProperties"),
            "must not be used if x-kubernetes-embedded-resource is set",
        ));
    }
    if lvl == Level::Root && !ty.is_empty() && ty != "object" {
        out.push(FieldError::invalid(
            &p.child("type"),
            ty,
            "must be object at the root",
        ));
    }
    if check_metadata && let Some(ps) = props(s) {
        for k in ["kind", "apiVersion"] {
            if let Some(sub) = ps.get(k).and_then(Value::as_object) {
                let t = s_type(sub);
                if t != "string" {
                    out.push(FieldError::invalid(
                        &p.child("properties").key(k).child("type"),
                        t,
                        "must be string",
                    ));
                }
            }
        }
    }
    if let Some(meta) = props(s)
        .and_then(|ps| ps.get("metadata"))
        .and_then(Value::as_object)
    {
        let mp = p.child("properties").key("metadata");
        let mt = s_type(meta);
        if check_metadata && mt != "object" {
            out.push(FieldError::invalid(&mp.child("type"), mt, "must be object"));
        }
        if lvl == Level::Root && !metadata_is_plain(meta) {
            out.push(FieldError::forbidden(
                &mp,
                "must not specify anything other than name and generateName, but metadata is implicitly specified",
            ));
        }
    }
    if embedded && !preserve && props(s).is_none_or(|ps| ps.is_empty()) {
        out.push(FieldError::required(
            &p.child("properties"),
            "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
        ));
    }
}

/// The root `metadata` schema may only say `type`, give a (ignored) `default` and restrict
/// `name` and/or `generateName`.
fn metadata_is_plain(meta: &Obj) -> bool {
    meta.iter().all(|(k, v)| match k.as_str() {
        "type" | "default" => true,
        "properties" => v.as_object().is_some_and(|ps| {
            !ps.is_empty() && ps.len() <= 2 && ps.keys().all(|n| n == "name" || n == "generateName")
        }),
        _ => false,
    })
}

fn value_validation(
    s: &Obj,
    skip_any_of: bool,
    skip_first_all_of_any_of: bool,
    p: &FieldPath,
    out: &mut Vec<FieldError>,
) {
    let list = |k: &str| -> Vec<&Obj> {
        s.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_object).collect())
            .unwrap_or_default()
    };
    if !skip_any_of {
        for (i, n) in list("anyOf").into_iter().enumerate() {
            nested(n, false, &p.child("anyOf").index(i), out);
        }
    }
    for (i, n) in list("allOf").into_iter().enumerate() {
        nested(
            n,
            skip_first_all_of_any_of && i == 0,
            &p.child("allOf").index(i),
            out,
        );
    }
    for (i, n) in list("oneOf").into_iter().enumerate() {
        nested(n, false, &p.child("oneOf").index(i), out);
    }
    if let Some(n) = s.get("not").and_then(Value::as_object) {
        nested(n, false, &p.child("not"), out);
    }
    if let Some(pat) = s.get("pattern").and_then(Value::as_str)
        && !pat.is_empty()
        && let Err(e) = super::schema::compile_pattern(pat)
    {
        out.push(FieldError::invalid(
            &p.child("pattern"),
            pat,
            &format!("must be a valid regular expression, but isn't: {e}"),
        ));
    }
}

/// A schema inside a junctor: only value validations are allowed.
fn nested(n: &Obj, skip_any_of: bool, p: &FieldPath, out: &mut Vec<FieldError>) {
    value_validation(n, skip_any_of, false, p, out);
    if let Some(i) = items(n) {
        nested(i, false, &p.child("items"), out);
    }
    if let Some(ps) = props(n) {
        for (k, v) in ps {
            if let Some(v) = v.as_object() {
                nested(v, false, &p.child("properties").key(k), out);
            }
        }
    }
    if !s_type(n).is_empty() {
        out.push(FieldError::forbidden(
            &p.child("type"),
            "must be empty to be structural",
        ));
    }
    if n.contains_key("additionalProperties") {
        out.push(FieldError::forbidden(
            &p.child("additionalProperties"),
            "must be undefined to be structural",
        ));
    }
    if n.contains_key("default") {
        out.push(FieldError::forbidden(
            &p.child("default"),
            "must be undefined to be structural",
        ));
    }
    if n.get("title")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty())
    {
        out.push(FieldError::forbidden(
            &p.child("title"),
            "must be empty to be structural",
        ));
    }
    if n.get("description")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty())
    {
        out.push(FieldError::forbidden(
            &p.child("description"),
            "must be empty to be structural",
        ));
    }
    if flag(n, "nullable") {
        out.push(FieldError::forbidden(
            &p.child("nullable"),
            "must be false to be structural",
        ));
    }
    for k in [
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
        "x-kubernetes-int-or-string",
    ] {
        if flag(n, k) {
            out.push(FieldError::forbidden(
                &p.child(k),
                "must be false to be structural",
            ));
        }
    }
    if n.get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        out.push(FieldError::forbidden(
            &p.child("x-kubernetes-list-map-keys"),
            "must be empty to be structural",
        ));
    }
    for k in ["x-kubernetes-list-type", "x-kubernetes-map-type"] {
        if n.contains_key(k) {
            out.push(FieldError::forbidden(
                &p.child(k),
                "must be undefined to be structural",
            ));
        }
    }
    if n.get("x-kubernetes-validations")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        out.push(FieldError::forbidden(
            &p.child("x-kubernetes-validations"),
            "must be empty to be structural",
        ));
    }
    if props(n).is_some_and(|ps| ps.contains_key("metadata")) {
        out.push(FieldError::forbidden(
            &p.child("properties").key("metadata"),
            "must not be specified in a nested context",
        ));
    }
}

/// Junctors may only reason about fields the structural part specifies.
fn completeness(s: &Obj, p: &FieldPath, out: &mut Vec<FieldError>) {
    completeness_value(s, Some(s), p, p, out);
}

fn completeness_value(
    v: &Obj,
    s: Option<&Obj>,
    sp: &FieldPath,
    vp: &FieldPath,
    out: &mut Vec<FieldError>,
) {
    let Some(s) = s else {
        out.push(FieldError::required(
            sp,
            &format!("because it is defined in {vp}"),
        ));
        return;
    };
    if let Some(n) = v.get("not").and_then(Value::as_object) {
        completeness_nested(n, Some(s), sp, &vp.child("not"), out);
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        if let Some(a) = v.get(k).and_then(Value::as_array) {
            for (i, n) in a.iter().enumerate() {
                if let Some(n) = n.as_object() {
                    completeness_nested(n, Some(s), sp, &vp.child(k).index(i), out);
                }
            }
        }
    }
}

fn completeness_nested(
    v: &Obj,
    s: Option<&Obj>,
    sp: &FieldPath,
    vp: &FieldPath,
    out: &mut Vec<FieldError>,
) {
    let Some(s) = s else {
        out.push(FieldError::required(
            sp,
            &format!("because it is defined in {vp}"),
        ));
        return;
    };
    completeness_value(v, Some(s), sp, vp, out);
    if let Some(i) = items(v) {
        completeness_nested(i, items(s), &sp.child("items"), &vp.child("items"), out);
    }
    if let Some(ps) = props(v) {
        for (k, f) in ps {
            let Some(f) = f.as_object() else { continue };
            match props(s).and_then(|sp| sp.get(k)).and_then(Value::as_object) {
                None => out.push(FieldError::required(
                    &sp.child("properties").key(k),
                    &format!("because it is defined in {}", vp.child("properties").key(k)),
                )),
                Some(sf) => completeness_nested(
                    f,
                    Some(sf),
                    &sp.child("properties").key(k),
                    &vp.child("properties").key(k),
                    out,
                ),
            }
        }
    }
}

const OPENAPI_TYPES: &[&str] = &["array", "boolean", "integer", "number", "object", "string"];
const META_FIELDS: &[&str] = &["metadata", "apiVersion", "kind"];
const SUPPORTED_REASONS: &[&str] = &[
    "FieldValueDuplicate",
    "FieldValueForbidden",
    "FieldValueInvalid",
    "FieldValueRequired",
];

#[derive(Clone)]
struct Ctx {
    /// Why defaults are not allowed here, when they are not.
    no_defaults: Option<String>,
    inside_meta: bool,
}

/// `ValidateCustomResourceDefinitionOpenAPISchema` (the parts that do not need CEL).
fn openapi(s: &Obj, p: &FieldPath, ctx: &Ctx, is_root: bool, out: &mut Vec<FieldError>) {
    let ty = s_type(s);
    if !ty.is_empty() && !OPENAPI_TYPES.contains(&ty) {
        out.push(FieldError::not_supported(
            &p.child("type"),
            ty,
            OPENAPI_TYPES,
        ));
    }
    if s.contains_key("default")
        && let Some(why) = &ctx.no_defaults
    {
        out.push(FieldError::forbidden(
            &p.child("default"),
            &format!("must not be set {why}"),
        ));
    }
    for (k, msg) in [
        ("id", "id is not supported"),
        ("additionalItems", "additionalItems is not supported"),
        ("patternProperties", "patternProperties is not supported"),
        ("definitions", "definitions is not supported"),
        ("dependencies", "dependencies is not supported"),
        ("$ref", "$ref is not supported"),
    ] {
        if s.get(k).is_some_and(|v| !v.is_null() && v != "") {
            out.push(FieldError::forbidden(&p.child(k), msg));
        }
    }
    if ty == "null" {
        out.push(FieldError::forbidden(
            &p.child("type"),
            "type cannot be set to null, use nullable as an alternative",
        ));
    }
    if s.get("items").is_some_and(Value::is_array) {
        out.push(FieldError::forbidden(
            &p.child("items"),
            "items must be a schema object and not an array",
        ));
    }
    if ctx.inside_meta && flag(s, "x-kubernetes-embedded-resource") {
        out.push(FieldError::forbidden(
            &p.child("x-kubernetes-embedded-resource"),
            "must not be used inside of resource meta",
        ));
    }
    if flag(s, "uniqueItems") {
        out.push(FieldError::forbidden(
            &p.child("uniqueItems"),
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        ));
    }
    let (has_additional, add_schema) = additional(s);
    if has_additional {
        let allows = !matches!(s.get("additionalProperties"), Some(Value::Bool(false)));
        if props(s).is_some_and(|ps| !ps.is_empty()) && (!allows || add_schema.is_some()) {
            out.push(FieldError::forbidden(
                &p.child("additionalProperties"),
                "additionalProperties and properties are mutual exclusive",
            ));
        }
        if let Some(a) = add_schema {
            let mut sub = ctx.clone();
            if ctx.inside_meta {
                sub.no_defaults =
                    Some("inside additionalProperties applying to object metadata".into());
            }
            openapi(a, &p.child("additionalProperties"), &sub, false, out);
        }
    }
    if let Some(ps) = props(s) {
        for (k, v) in ps {
            let Some(v) = v.as_object() else { continue };
            let mut sub = ctx.clone();
            if (is_root || flag(s, "x-kubernetes-embedded-resource"))
                && META_FIELDS.contains(&k.as_str())
            {
                sub.inside_meta = true;
                if is_root {
                    sub.no_defaults = Some(format!("in top-level {k}"));
                }
            }
            openapi(v, &p.child("properties").key(k), &sub, false, out);
        }
    }
    if let Some(n) = s.get("not").and_then(Value::as_object) {
        openapi(n, &p.child("not"), ctx, false, out);
    }
    for k in ["allOf", "oneOf", "anyOf"] {
        if let Some(a) = s.get(k).and_then(Value::as_array) {
            for (i, n) in a.iter().enumerate() {
                if let Some(n) = n.as_object() {
                    openapi(n, &p.child(k).index(i), ctx, false, out);
                }
            }
        }
    }
    if let Some(i) = items(s) {
        openapi(i, &p.child("items"), ctx, false, out);
    }
    if s.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(false)) {
        out.push(FieldError::invalid(
            &p.child("x-kubernetes-preserve-unknown-fields"),
            false,
            "must be true or undefined",
        ));
    }
    let map_type = s.get("x-kubernetes-map-type").and_then(Value::as_str);
    if map_type.is_some() && ty != "object" {
        if ty.is_empty() {
            out.push(FieldError::required(
                &p.child("type"),
                "must be object if x-kubernetes-map-type is specified",
            ));
        } else {
            out.push(FieldError::invalid(
                &p.child("type"),
                ty,
                "must be object if x-kubernetes-map-type is specified",
            ));
        }
    }
    if let Some(mt) = map_type
        && mt != "atomic"
        && mt != "granular"
    {
        out.push(FieldError::not_supported(
            &p.child("x-kubernetes-map-type"),
            mt,
            &["atomic", "granular"],
        ));
    }
    let list_type = s.get("x-kubernetes-list-type").and_then(Value::as_str);
    if list_type.is_some() && ty != "array" {
        if ty.is_empty() {
            out.push(FieldError::required(
                &p.child("type"),
                "must be array if x-kubernetes-list-type is specified",
            ));
        } else {
            out.push(FieldError::invalid(
                &p.child("type"),
                ty,
                "must be array if x-kubernetes-list-type is specified",
            ));
        }
    } else if list_type == Some("set")
        && let Some(is) = items(s)
    {
        match s_type(is) {
            "array" => {
                if let Some(lt) = is.get("x-kubernetes-list-type").and_then(Value::as_str)
                    && lt != "atomic"
                {
                    out.push(FieldError::invalid(
                        &p.child("items").child("x-kubernetes-list-type"),
                        lt,
                        "must be atomic as item of a list with x-kubernetes-list-type=set",
                    ));
                }
            }
            "object"
                if is.get("x-kubernetes-map-type").and_then(Value::as_str) != Some("atomic") =>
            {
                out.push(FieldError::invalid(
                    &p.child("items").child("x-kubernetes-map-type"),
                    Value::Null,
                    "must be atomic as item of a list with x-kubernetes-list-type=set",
                ));
            }
            _ => {}
        }
    }
    if let Some(lt) = list_type
        && !["atomic", "set", "map"].contains(&lt)
    {
        out.push(FieldError::not_supported(
            &p.child("x-kubernetes-list-type"),
            lt,
            &["atomic", "set", "map"],
        ));
    }
    let keys: Vec<&str> = s
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !keys.is_empty() {
        match list_type {
            None => out.push(FieldError::required(
                &p.child("x-kubernetes-list-type"),
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
            Some(lt) if lt != "map" => out.push(FieldError::invalid(
                &p.child("x-kubernetes-list-type"),
                lt,
                "must be map if x-kubernetes-list-map-keys is non-empty",
            )),
            _ => {}
        }
    }
    if list_type == Some("map") {
        let keys_value = s
            .get("x-kubernetes-list-map-keys")
            .cloned()
            .unwrap_or(Value::Null);
        if keys.is_empty() {
            out.push(FieldError::required(
                &p.child("x-kubernetes-list-map-keys"),
                "must not be empty if x-kubernetes-list-type is map",
            ));
        }
        match items(s) {
            None => out.push(FieldError::required(
                &p.child("items"),
                "must have a schema if x-kubernetes-list-type is map",
            )),
            Some(is) if s_type(is) != "object" => out.push(FieldError::invalid(
                &p.child("items").child("type"),
                s_type(is),
                "must be object if parent array's x-kubernetes-list-type is map",
            )),
            Some(is) => {
                let mut seen: Vec<&str> = Vec::new();
                let item_props = props(is);
                for k in &keys {
                    match item_props
                        .and_then(|ps| ps.get(*k))
                        .and_then(Value::as_object)
                    {
                        Some(kp) => {
                            let kt = s_type(kp);
                            if kt == "array" || kt == "object" {
                                out.push(FieldError::invalid(
                                    &p.child("items").child("properties").key(k).child("type"),
                                    s_type(is),
                                    "must be a scalar type if parent array's x-kubernetes-list-type is map",
                                ));
                            }
                        }
                        None => out.push(FieldError::invalid(
                            &p.child("x-kubernetes-list-map-keys"),
                            keys_value.clone(),
                            "entries must all be names of item properties",
                        )),
                    }
                    if seen.contains(k) {
                        out.push(FieldError::invalid(
                            &p.child("x-kubernetes-list-map-keys"),
                            keys_value.clone(),
                            "must not contain duplicate entries",
                        ));
                    }
                    seen.push(k);
                }
            }
        }
    }
    map_list_keys_map_set(s, p, list_type, &keys, out);
    if let Some(rules) = s.get("x-kubernetes-validations").and_then(Value::as_array) {
        for (i, r) in rules.iter().enumerate() {
            let rp = p.child("x-kubernetes-validations").index(i);
            let rule = r.get("rule").and_then(Value::as_str).unwrap_or("");
            let message = r.get("message").and_then(Value::as_str);
            if rule.trim().is_empty() {
                out.push(FieldError::required(
                    &rp.child("rule"),
                    "rule is not specified",
                ));
            }
            if let Some(m) = message {
                if m.trim().is_empty() {
                    out.push(FieldError::invalid(
                        &rp.child("message"),
                        m,
                        "must be non-empty if specified",
                    ));
                } else if m.contains('\n') || m.contains('\r') {
                    out.push(FieldError::invalid(
                        &rp.child("message"),
                        m,
                        "must not contain line breaks",
                    ));
                }
            }
            if (rule.contains('\n') || rule.contains('\r')) && message.is_none_or(str::is_empty) {
                out.push(FieldError::required(
                    &rp.child("message"),
                    "message must be specified if rule contains line breaks",
                ));
            }
            if let Some(me) = r.get("messageExpression").and_then(Value::as_str)
                && me.trim().is_empty()
            {
                out.push(FieldError::required(
                    &rp.child("messageExpression"),
                    "messageExpression must be non-empty if specified",
                ));
            }
            if let Some(reason) = r.get("reason").and_then(Value::as_str)
                && !SUPPORTED_REASONS.contains(&reason)
            {
                out.push(FieldError::not_supported(
                    &rp.child("reason"),
                    reason,
                    SUPPORTED_REASONS,
                ));
            }
            if let Some(fp) = r.get("fieldPath").and_then(Value::as_str) {
                if fp.trim().is_empty() {
                    out.push(FieldError::invalid(
                        &rp.child("fieldPath"),
                        fp,
                        "must be non-empty if specified",
                    ));
                } else if fp.contains('\n') {
                    out.push(FieldError::invalid(
                        &rp.child("fieldPath"),
                        fp,
                        "must not contain line breaks",
                    ));
                }
            }
            if !rule.trim().is_empty()
                && let Err(e) = kube_cel::cel::Program::compile(rule)
            {
                out.push(FieldError::invalid(
                    &rp.child("rule"),
                    r.clone(),
                    &format!("compilation failed: {e}"),
                ));
            }
        }
    }
}

/// `validateMapListKeysMapSet`: set/map items are not nullable; map keys are required or
/// defaulted, and not nullable.
fn map_list_keys_map_set(
    s: &Obj,
    p: &FieldPath,
    list_type: Option<&str>,
    keys: &[&str],
    out: &mut Vec<FieldError>,
) {
    let Some(lt @ ("set" | "map")) = list_type else {
        return;
    };
    let Some(is) = items(s) else { return };
    if flag(is, "nullable") {
        out.push(FieldError::forbidden(
            &p.child("items").child("nullable"),
            &format!("cannot be nullable when x-kubernetes-list-type is {lt}"),
        ));
    }
    if lt != "map" {
        return;
    }
    let required: Vec<&str> = is
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for k in keys {
        let Some(kp) = props(is)
            .and_then(|ps| ps.get(*k))
            .and_then(Value::as_object)
        else {
            continue;
        };
        if !required.contains(k) && !kp.contains_key("default") {
            out.push(FieldError::required(
                &p.child("items").child("properties").key(k).child("default"),
                "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
            ));
        }
        if flag(kp, "nullable") {
            out.push(FieldError::forbidden(
                &p.child("items")
                    .child("properties")
                    .key(k)
                    .child("nullable"),
                "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
            ));
        }
    }
}

/// All errors kube-apiserver reports for `schema` (a version's `openAPIV3Schema`) at `path`
/// (for example `spec.versions[0].schema.openAPIV3Schema`); empty when the schema is a valid
/// structural schema.
pub fn validate_crd_schema(schema: &Value, path: &FieldPath) -> Vec<FieldError> {
    let Some(s) = schema.as_object() else {
        return vec![FieldError::required(path, "")];
    };
    let mut out = Vec::new();
    if flag(s, "nullable") {
        out.push(FieldError::forbidden(
            &FieldPath::new(&format!("{path}.nullable")),
            "nullable cannot be true at the root",
        ));
    }
    let mut structural = Vec::new();
    structural_invariants(s, Level::Root, path, &mut structural);
    completeness(s, path, &mut structural);
    structural.sort_by_key(|e| e.to_string());
    out.extend(structural);
    let ctx = Ctx {
        no_defaults: None,
        inside_meta: false,
    };
    openapi(s, path, &ctx, true, &mut out);
    out
}

/// Whether a schema is structural (kube's `NonStructuralSchema` condition is set otherwise).
pub fn is_structural(schema: &Value) -> bool {
    let Some(s) = schema.as_object() else {
        return false;
    };
    let mut out = Vec::new();
    structural_invariants(s, Level::Root, &FieldPath::default(), &mut out);
    completeness(s, &FieldPath::default(), &mut out);
    out.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errs(schema: Value) -> Vec<String> {
        let p = FieldPath::new("spec.validation.openAPIV3Schema");
        validate_crd_schema(&schema, &p)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn missing_type_of_a_field() {
        assert_eq!(
            errs(
                json!({"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}})
            ),
            vec![
                "spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
            ]
        );
    }

    #[test]
    fn root_and_items_rules() {
        assert_eq!(
            errs(
                json!({"properties": {"l": {"type": "array"}, "m": {"type": "array", "items": {}}}})
            ),
            vec![
                "spec.validation.openAPIV3Schema.properties[l].items: Required value: must be specified",
                "spec.validation.openAPIV3Schema.properties[m].items.type: Required value: must not be empty for specified array items",
                "spec.validation.openAPIV3Schema.type: Required value: must not be empty at the root",
            ]
        );
        assert_eq!(
            errs(json!({"type": "string"})),
            vec![
                r#"spec.validation.openAPIV3Schema.type: Invalid value: "string": must be object at the root"#
            ]
        );
        assert_eq!(
            errs(json!({"type": "object", "additionalProperties": {"type": "string"}})),
            vec![
                "spec.validation.openAPIV3Schema.additionalProperties: Forbidden: must not be used at the root"
            ]
        );
    }

    #[test]
    fn junctors_may_not_carry_types_or_unknown_fields() {
        assert_eq!(
            errs(
                json!({"type": "object", "properties": {"a": {"type": "string",
                "anyOf": [{"type": "string"}]}},
                "anyOf": [{"properties": {"b": {}}}]})
            ),
            vec![
                "spec.validation.openAPIV3Schema.properties[a].anyOf[0].type: Forbidden: must be empty to be structural",
                "spec.validation.openAPIV3Schema.properties[b]: Required value: because it is defined in spec.validation.openAPIV3Schema.anyOf[0].properties[b]",
            ]
        );
        // The int-or-string pattern is the one exception.
        assert!(
            errs(
                json!({"type": "object", "properties": {"p": {"x-kubernetes-int-or-string": true,
            "anyOf": [{"type": "integer"}, {"type": "string"}]}}})
            )
            .is_empty()
        );
    }

    #[test]
    fn metadata_restrictions() {
        assert_eq!(
            errs(
                json!({"type": "object", "properties": {"metadata": {"type": "object",
                "properties": {"labels": {"type": "object"}}}}})
            ),
            vec![
                "spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"
            ]
        );
        assert!(
            errs(
                json!({"type": "object", "properties": {"metadata": {"type": "object",
            "properties": {"name": {"type": "string", "maxLength": 10}}}}})
            )
            .is_empty()
        );
        assert_eq!(
            errs(
                json!({"type": "object", "properties": {"metadata": {"type": "object", "default": {"name": "x"}}}})
            ),
            vec![
                "spec.validation.openAPIV3Schema.properties[metadata].default: Forbidden: must not be set in top-level metadata"
            ]
        );
    }

    #[test]
    fn embedded_resource_rules() {
        assert_eq!(
            errs(
                json!({"type": "object", "properties": {"e": {"x-kubernetes-embedded-resource": true}}})
            ),
            vec![
                "spec.validation.openAPIV3Schema.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
                "spec.validation.openAPIV3Schema.properties[e].type: Required value: must be object if x-kubernetes-embedded-resource is true",
            ]
        );
    }

    #[test]
    fn extension_rules() {
        assert_eq!(
            errs(json!({"type": "object", "properties": {
                "l": {"type": "array", "x-kubernetes-list-type": "map", "items": {"type": "object",
                    "properties": {"k": {"type": "string"}}}},
                "s": {"type": "array", "x-kubernetes-list-type": "bag", "items": {"type": "string"}},
                "m": {"type": "string", "x-kubernetes-map-type": "atomic"},
                "k": {"type": "array", "x-kubernetes-list-map-keys": ["a"], "items": {"type": "object", "properties": {"a": {"type": "string"}}}},
                "p": {"type": "object", "x-kubernetes-preserve-unknown-fields": false}}})),
            vec![
                "spec.validation.openAPIV3Schema.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map",
                r#"spec.validation.openAPIV3Schema.properties[s].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map""#,
                r#"spec.validation.openAPIV3Schema.properties[m].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified"#,
                "spec.validation.openAPIV3Schema.properties[k].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty",
                "spec.validation.openAPIV3Schema.properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined",
            ]
        );
        assert_eq!(
            errs(json!({"type": "object", "properties": {
                "l": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"],
                    "items": {"type": "object", "properties": {"k": {"type": "string"}}}}}})),
            vec![
                "spec.validation.openAPIV3Schema.properties[l].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"
            ]
        );
    }

    #[test]
    fn validation_rules_shape() {
        assert_eq!(
            errs(json!({"type": "object", "x-kubernetes-validations": [
                {"rule": "self.a == 1", "reason": "Nope"}, {"rule": ""}]})),
            vec![
                r#"spec.validation.openAPIV3Schema.x-kubernetes-validations[0].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired""#,
                "spec.validation.openAPIV3Schema.x-kubernetes-validations[1].rule: Required value: rule is not specified",
            ]
        );
    }
}
