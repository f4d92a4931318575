//! Decoding a request body into a built-in type, as kube-apiserver's JSON decoder does.
//!
//! kube-apiserver decodes a body into the Go struct of its type with `sigs.k8s.io/json` (a
//! case-sensitive fork of `encoding/json`). That has visible effects this module reproduces on a
//! `serde_json::Value`, driven by the type's schema:
//!
//! - a JSON value of the wrong type fails with Go's `UnmarshalTypeError` text, e.g.
//!   `json: cannot unmarshal number into Go struct field ConfigMap.data of type string` (the first
//!   such error wins; errors raised inside custom unmarshalers — times, quantities,
//!   int-or-strings — stop decoding at once, as in Go);
//! - fields the type does not have are dropped, and reported as kube's strict decoding does
//!   (`unknown field "spec.containers[0].foo"`), so that the caller can apply
//!   `fieldValidation=Ignore|Warn|Strict`; from raw bytes, repeated keys are reported as
//!   `duplicate field "x"`;
//! - `null` leaves a field unset (it is not stored), and values come back the way Go encodes
//!   them: timestamps in UTC, base64 re-encoded, numeric quantities as strings, map keys sorted.
//!
//! Start with [`decode`]; [`DecodeError`] renders kube-apiserver's 400 messages.

use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;
use serde::Deserialize;
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::definitions::{
    APIEXT_JSON, Definitions, FIELDS_V1, GroupVersionKind, INT_OR_STRING, JSON_SCHEMA_PROPS,
    JSON_SCHEMA_PROPS_OR_ARRAY, JSON_SCHEMA_PROPS_OR_BOOL, JSON_SCHEMA_PROPS_OR_STRING_ARRAY,
    MICRO_TIME, QUANTITY, RAW_EXTENSION, SchemaNode, TIME,
};
use super::gotime::{TimeLayout, parse_and_normalize};
use super::quantity::check_quantity;
use crate::errors::ApiError;

/// kube's strict decoding keeps at most this many strict errors.
const MAX_STRICT_ERRORS: usize = 100;

/// The two kinds of strict decoding error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrictErrorKind {
    /// A field the type does not have.
    UnknownField,
    /// A key given twice in one object (only detectable from raw bytes).
    DuplicateField,
}

/// One strict decoding error: `unknown field "spec.foo"` or `duplicate field "x"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StrictError {
    pub kind: StrictErrorKind,
    /// The field path: struct fields and map keys joined by `.`, list items as `[i]`.
    pub path: String,
}

impl fmt::Display for StrictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            StrictErrorKind::UnknownField => "unknown field",
            StrictErrorKind::DuplicateField => "duplicate field",
        };
        // Go's strconv.Quote; field names are JSON keys, so serde's escaping is the same for
        // printable text.
        write!(f, "{what} {}", Value::String(self.path.clone()))
    }
}

/// A successfully decoded body.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// The object as Go would re-encode it: unknown fields dropped, nulls omitted.
    pub object: Value,
    /// The group/version/kind the body names (defaulted from the target where absent).
    pub gvk: GroupVersionKind,
    /// Unknown and duplicate fields, in document order. Empty when the body is exact.
    pub strict_errors: Vec<StrictError>,
}

impl Decoded {
    /// The paths of the unknown fields.
    pub fn unknown_fields(&self) -> impl Iterator<Item = &str> {
        self.strict_errors
            .iter()
            .filter(|e| e.kind == StrictErrorKind::UnknownField)
            .map(|e| e.path.as_str())
    }

    /// The warnings `fieldValidation=Warn` sends, one per strict error (`unknown field "x"`).
    pub fn warnings(&self) -> Vec<String> {
        self.strict_errors.iter().map(ToString::to_string).collect()
    }

    /// `fieldValidation=Strict`: an error if any field was unknown or duplicated.
    pub fn check_strict(&self, target: &GroupVersionKind) -> Result<(), DecodeError> {
        if self.strict_errors.is_empty() {
            return Ok(());
        }
        Err(DecodeError::Strict {
            gvk: self.gvk.clone(),
            target_kind: target.kind.clone(),
            errors: self.strict_errors.clone(),
        })
    }
}

/// Why a body could not be decoded. `Display` gives kube-apiserver's message.
#[derive(Clone, Debug, PartialEq)]
pub enum DecodeError {
    /// No built-in schema serves the target GVK: a caller bug, not a client error.
    UnknownKind(GroupVersionKind),
    /// The body is not JSON (only from [`decode_bytes`]); carries the parser's message.
    Syntax(String),
    /// `apiVersion`/`kind` could not be read. kube-apiserver answers
    /// `the object provided is unrecognized (must be of type K): <detail> (<body summary>)`.
    Unrecognized {
        target_kind: String,
        detail: String,
        summary: String,
    },
    /// The body does not fit the type. kube-apiserver answers
    /// `K in version "v" cannot be handled as a K: <detail>`.
    Invalid {
        gvk: GroupVersionKind,
        target_kind: String,
        detail: String,
    },
    /// `fieldValidation=Strict` and the body has unknown or duplicate fields (from
    /// [`Decoded::check_strict`]).
    Strict {
        gvk: GroupVersionKind,
        target_kind: String,
        errors: Vec<StrictError>,
    },
}

impl DecodeError {
    /// The inner Go error text (after `cannot be handled as a K: `).
    pub fn detail(&self) -> String {
        match self {
            DecodeError::UnknownKind(gvk) => format!("no kind {gvk} is registered"),
            DecodeError::Syntax(m) => m.clone(),
            DecodeError::Unrecognized { detail, .. } | DecodeError::Invalid { detail, .. } => {
                detail.clone()
            }
            DecodeError::Strict { errors, .. } => strict_decoding_message(errors),
        }
    }

    /// The error as the `Status` kube-apiserver sends (400 BadRequest; 500 for a caller bug).
    pub fn to_api_error(&self) -> ApiError {
        match self {
            DecodeError::UnknownKind(_) => ApiError::internal(self),
            _ => ApiError::bad_request(self.to_string()),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::UnknownKind(_) | DecodeError::Syntax(_) => f.write_str(&self.detail()),
            DecodeError::Unrecognized {
                target_kind,
                detail,
                summary,
            } => write!(
                f,
                "the object provided is unrecognized (must be of type {target_kind}): {detail} ({summary})"
            ),
            DecodeError::Invalid {
                gvk, target_kind, ..
            }
            | DecodeError::Strict {
                gvk, target_kind, ..
            } => write!(
                f,
                "{} in version {} cannot be handled as a {target_kind}: {}",
                gvk.kind,
                Value::String(gvk.version.clone()),
                self.detail()
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// `strict decoding error: unknown field "a", duplicate field "b"`.
pub fn strict_decoding_message(errors: &[StrictError]) -> String {
    let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
    format!("strict decoding error: {}", list.join(", "))
}

/// Decodes `body` into the built-in type `target` (the GVK the request addresses).
pub fn decode(target: &GroupVersionKind, body: Value) -> Result<Decoded, DecodeError> {
    decode_json(target, Json::from(body))
}

/// As [`decode`], from the raw request bytes, which also reports duplicate fields.
pub fn decode_bytes(target: &GroupVersionKind, body: &[u8]) -> Result<Decoded, DecodeError> {
    let json: Json =
        serde_json::from_slice(body).map_err(|e| DecodeError::Syntax(e.to_string()))?;
    decode_json(target, json)
}

fn decode_json(target: &GroupVersionKind, body: Json) -> Result<Decoded, DecodeError> {
    let Some(schema) = Definitions::builtin().for_gvk(target) else {
        return Err(DecodeError::UnknownKind(target.clone()));
    };
    let gvk = interpret_type_meta(target, &body)?;
    let mut decoder = Decoder::default();
    let result = decoder.value(GoType::classify(schema), body);
    let invalid = |detail: String| DecodeError::Invalid {
        gvk: gvk.clone(),
        target_kind: target.kind.clone(),
        detail,
    };
    let object = match result {
        Err(fatal) => return Err(invalid(fatal)),
        Ok(v) => v,
    };
    if let Some(saved) = decoder.saved {
        return Err(invalid(saved));
    }
    Ok(Decoded {
        object: object.unwrap_or_else(|| Value::Object(Map::new())),
        gvk,
        strict_errors: decoder.strict,
    })
}

/// The `apiVersion`/`kind` step before decoding (`SimpleMetaFactory.Interpret`), defaulted from
/// the target as kube does.
fn interpret_type_meta(
    target: &GroupVersionKind,
    body: &Json,
) -> Result<GroupVersionKind, DecodeError> {
    const FIND_KIND: &str = r#"struct { APIVersion string "json:\"apiVersion,omitempty\""; Kind string "json:\"kind,omitempty\"" }"#;
    let unrecognized = |detail: String| DecodeError::Unrecognized {
        target_kind: target.kind.clone(),
        detail: format!("couldn't get version/kind; json parse error: {detail}"),
        summary: summarize(body),
    };
    let empty = Vec::new();
    let fields = match body {
        Json::Object(fields) => fields,
        // `null` decodes into an empty struct.
        Json::Null => &empty,
        _ => {
            return Err(unrecognized(format!(
                "json: cannot unmarshal {} into Go value of type {FIND_KIND}",
                body.go_kind()
            )));
        }
    };
    let mut api_version = String::new();
    let mut kind = String::new();
    for (key, value) in fields {
        let slot = match key.as_str() {
            "apiVersion" => &mut api_version,
            "kind" => &mut kind,
            _ => continue,
        };
        match value {
            Json::String(s) => slot.clone_from(s),
            Json::Null => {}
            other => {
                return Err(unrecognized(format!(
                    "json: cannot unmarshal {} into Go struct field .{key} of type string",
                    other.go_kind()
                )));
            }
        }
    }
    let (group, version) = match api_version.split('/').collect::<Vec<_>>().as_slice() {
        [""] => (String::new(), String::new()),
        [v] => (String::new(), (*v).to_string()),
        [g, v] => ((*g).to_string(), (*v).to_string()),
        _ => {
            return Err(DecodeError::Unrecognized {
                target_kind: target.kind.clone(),
                detail: format!("unexpected GroupVersion string: {api_version}"),
                summary: summarize(body),
            });
        }
    };
    // gvkWithDefaults: an empty kind takes the target's; an empty version takes the target's
    // group and version.
    let mut gvk = GroupVersionKind {
        group,
        version,
        kind,
    };
    if gvk.kind.is_empty() {
        gvk.kind.clone_from(&target.kind);
    }
    if gvk.version.is_empty() && gvk.group.is_empty() {
        gvk.group.clone_from(&target.group);
        gvk.version.clone_from(&target.version);
    }
    Ok(gvk)
}

/// kube's `summarizeData(body, 30)` over the compact JSON of the body.
fn summarize(body: &Json) -> String {
    let text = serde_json::to_string(&body.clone().into_value()).unwrap_or_default();
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return "<empty>".into();
    }
    if bytes[0] == b'{' {
        if bytes.len() > 30 {
            return format!("{} ...", String::from_utf8_lossy(&bytes[..30]));
        }
        return text;
    }
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    if bytes.len() > 30 {
        format!("{} ...", hex(&bytes[..30]))
    } else {
        hex(bytes)
    }
}

/// A JSON tree that keeps repeated object keys, so duplicates can be reported.
#[derive(Clone, Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl From<Value> for Json {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) => Json::Number(n),
            Value::String(s) => Json::String(s),
            Value::Array(a) => Json::Array(a.into_iter().map(Json::from).collect()),
            Value::Object(m) => Json::Object(m.into_iter().map(|(k, v)| (k, v.into())).collect()),
        }
    }
}

impl Json {
    /// The word Go's `UnmarshalTypeError` uses for this value.
    fn go_kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// Back to a `Value`; a repeated key keeps its last value (at its first position).
    fn into_value(self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => Value::Number(n),
            Json::String(s) => Value::String(s),
            Json::Array(a) => Value::Array(a.into_iter().map(Json::into_value).collect()),
            Json::Object(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    m.insert(k, v.into_value());
                }
                Value::Object(m)
            }
        }
    }

    /// The literal text of a scalar, as custom unmarshalers see it.
    fn literal(&self) -> String {
        match self {
            Json::Number(n) => n.to_string(),
            Json::Bool(b) => b.to_string(),
            Json::Null => "null".into(),
            other => serde_json::to_string(&other.clone().into_value()).unwrap_or_default(),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct JsonVisitor;
        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
                Ok(Number::from_f64(v).map_or(Json::Null, Json::Number))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::String(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Json, E> {
                Ok(Json::String(v))
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
                Json::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Json::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    out.push((k, v));
                }
                Ok(Json::Object(out))
            }
        }
        d.deserialize_any(JsonVisitor)
    }
}

/// The Go type a schema node stands for, as far as decoding is concerned.
#[derive(Clone, Copy, Debug)]
enum GoType<'a> {
    String,
    Bool,
    Int32,
    Int64,
    Float64,
    /// `[]byte`: base64 in JSON.
    Bytes,
    Time(TimeLayout),
    IntOrString,
    Quantity,
    /// Kept verbatim (`RawExtension`, `FieldsV1`, apiextensions `JSON`, untyped nodes).
    Raw(&'static str),
    SchemaPropsOrBool,
    SchemaPropsOrArray,
    SchemaPropsOrStringArray,
    Struct(SchemaNode<'a>),
    Slice(SchemaNode<'a>),
    Map(SchemaNode<'a>),
}

impl<'a> GoType<'a> {
    fn classify(node: SchemaNode<'a>) -> GoType<'a> {
        let node = node.resolve();
        match node.name() {
            Some(TIME) => return GoType::Time(TimeLayout::Time),
            Some(MICRO_TIME) => return GoType::Time(TimeLayout::MicroTime),
            Some(INT_OR_STRING) => return GoType::IntOrString,
            Some(QUANTITY) => return GoType::Quantity,
            Some(RAW_EXTENSION) => return GoType::Raw("runtime.RawExtension"),
            Some(FIELDS_V1) => return GoType::Raw("v1.FieldsV1"),
            Some(APIEXT_JSON) => return GoType::Raw("v1.JSON"),
            Some(JSON_SCHEMA_PROPS_OR_BOOL) => return GoType::SchemaPropsOrBool,
            Some(JSON_SCHEMA_PROPS_OR_ARRAY) => return GoType::SchemaPropsOrArray,
            Some(JSON_SCHEMA_PROPS_OR_STRING_ARRAY) => return GoType::SchemaPropsOrStringArray,
            _ => {}
        }
        match node.type_name() {
            Some("string") if node.format() == Some("byte") => GoType::Bytes,
            Some("string") => GoType::String,
            Some("boolean") => GoType::Bool,
            Some("integer") if node.format() == Some("int32") => GoType::Int32,
            Some("integer") => GoType::Int64,
            Some("number") => GoType::Float64,
            Some("array") => node
                .items()
                .map_or(GoType::Raw("interface {}"), GoType::Slice),
            Some("object") => match node.additional_properties() {
                Some(values) => GoType::Map(values),
                None => GoType::Struct(node),
            },
            _ => GoType::Raw("interface {}"),
        }
    }

    /// `reflect.Type.String()` of the Go type, for error messages.
    fn go_name(self) -> String {
        match self {
            GoType::String => "string".into(),
            GoType::Bool => "bool".into(),
            GoType::Int32 => "int32".into(),
            GoType::Int64 => "int64".into(),
            GoType::Float64 => "float64".into(),
            GoType::Bytes => "[]uint8".into(),
            GoType::Time(TimeLayout::Time) => "v1.Time".into(),
            GoType::Time(TimeLayout::MicroTime) => "v1.MicroTime".into(),
            GoType::IntOrString => "intstr.IntOrString".into(),
            GoType::Quantity => "resource.Quantity".into(),
            GoType::Raw(name) => name.into(),
            GoType::SchemaPropsOrBool => "v1.JSONSchemaPropsOrBool".into(),
            GoType::SchemaPropsOrArray => "v1.JSONSchemaPropsOrArray".into(),
            GoType::SchemaPropsOrStringArray => "v1.JSONSchemaPropsOrStringArray".into(),
            GoType::Struct(node) => node.name().map_or_else(|| "struct {}".into(), qualified),
            GoType::Slice(items) => format!("[]{}", GoType::classify(items).go_name()),
            GoType::Map(values) => match GoType::classify(values) {
                // core/v1's named map type.
                GoType::Quantity => "v1.ResourceList".into(),
                other => format!("map[string]{}", other.go_name()),
            },
        }
    }

    /// The value Go stores for a `null` list item or map value (the element's zero value).
    fn zero_value(self) -> Value {
        match self {
            GoType::String => Value::String(String::new()),
            GoType::Bool => Value::Bool(false),
            GoType::Int32 | GoType::Int64 | GoType::IntOrString => Value::from(0),
            GoType::Float64 => Value::from(0),
            GoType::Quantity => Value::String("0".into()),
            GoType::Struct(_) => Value::Object(Map::new()),
            _ => Value::Null,
        }
    }
}

/// `io.k8s.api.apps.v1.DeploymentSpec` → `v1.DeploymentSpec` (Go's package-qualified name).
fn qualified(def_name: &str) -> String {
    let mut parts = def_name.rsplitn(3, '.');
    let ty = parts.next().unwrap_or(def_name);
    match parts.next() {
        Some(pkg) => format!("{pkg}.{ty}"),
        None => ty.to_string(),
    }
}

/// `io.k8s.api.apps.v1.DeploymentSpec` → `DeploymentSpec` (Go's `reflect.Type.Name()`).
fn short_name(def_name: &str) -> &str {
    def_name.rsplit('.').next().unwrap_or(def_name)
}

/// The walk's state: Go's error context, the first saved error and the strict errors.
#[derive(Default)]
struct Decoder {
    /// `errorContext.Struct`: the innermost struct whose field is being decoded.
    ctx_struct: Option<String>,
    /// `errorContext.FieldStack`: JSON names of the struct fields on the way down.
    ctx_fields: Vec<String>,
    /// The strict field path (`spec.containers[0]`).
    strict_path: String,
    strict: Vec<StrictError>,
    strict_seen: HashSet<StrictError>,
    /// Depth of custom unmarshalers that decode without strict checks and whose inner errors
    /// take the context of the field they sit in.
    opaque: usize,
    /// The first non-fatal error (Go's `savedError`).
    saved: Option<String>,
}

/// A fatal error: decoding stops (errors returned by custom unmarshalers).
type Fatal = String;

impl Decoder {
    fn type_error(&self, value: &str, go_type: &str) -> String {
        match &self.ctx_struct {
            Some(st) => format!(
                "json: cannot unmarshal {value} into Go struct field {st}.{} of type {go_type}",
                self.ctx_fields.join(".")
            ),
            None => format!("json: cannot unmarshal {value} into Go value of type {go_type}"),
        }
    }

    fn save(&mut self, err: String) {
        if self.saved.is_none() {
            self.saved = Some(err);
        }
    }

    fn save_type_error(&mut self, value: &str, go_type: &str) {
        let err = self.type_error(value, go_type);
        self.save(err);
    }

    fn strict_error(&mut self, kind: StrictErrorKind, key: &str) {
        if self.opaque > 0 || self.strict.len() >= MAX_STRICT_ERRORS {
            return;
        }
        let path = if self.strict_path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.strict_path)
        };
        let err = StrictError { kind, path };
        if self.strict_seen.insert(err.clone()) {
            self.strict.push(err);
        }
    }

    fn push_key(&mut self, key: &str) -> usize {
        let len = self.strict_path.len();
        if !self.strict_path.is_empty() {
            self.strict_path.push('.');
        }
        self.strict_path.push_str(key);
        len
    }

    fn push_index(&mut self, i: usize) -> usize {
        let len = self.strict_path.len();
        self.strict_path.push_str(&format!("[{i}]"));
        len
    }

    /// Decodes one value; `Ok(None)` means nothing is stored (null, or a value Go rejected).
    fn value(&mut self, ty: GoType<'_>, v: Json) -> Result<Option<Value>, Fatal> {
        if matches!(v, Json::Null) {
            return Ok(None);
        }
        match ty {
            GoType::String => match v {
                Json::String(s) => Ok(Some(Value::String(s))),
                other => self.mismatch(&other, ty),
            },
            GoType::Bool => match v {
                Json::Bool(b) => Ok(Some(Value::Bool(b))),
                other => self.mismatch(&other, ty),
            },
            GoType::Int32 | GoType::Int64 => match v {
                Json::Number(n) => {
                    let fits = match ty {
                        GoType::Int32 => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
                        _ => n.as_i64().is_some(),
                    };
                    if fits {
                        Ok(Some(Value::Number(n)))
                    } else {
                        self.save_type_error(&format!("number {n}"), &ty.go_name());
                        Ok(None)
                    }
                }
                other => self.mismatch(&other, ty),
            },
            GoType::Float64 => match v {
                Json::Number(n) => Ok(Some(Value::Number(n))),
                other => self.mismatch(&other, ty),
            },
            GoType::Bytes => self.bytes(v),
            GoType::Time(layout) => match v {
                Json::String(s) => match parse_and_normalize(&s, layout) {
                    Ok(normalized) => Ok(normalized.map(Value::String)),
                    Err(e) => Err(e),
                },
                // The unmarshaler first reads a Go string; encoding/json's error gets the
                // field's context.
                other => Err(self.type_error(other.go_kind(), "string")),
            },
            GoType::IntOrString => match v {
                Json::String(s) => Ok(Some(Value::String(s))),
                Json::Number(n) => {
                    if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) {
                        Ok(Some(Value::Number(n)))
                    } else {
                        Err(self.type_error(&format!("number {n}"), "int32"))
                    }
                }
                other => Err(self.type_error(other.go_kind(), "int32")),
            },
            GoType::Quantity => {
                let text = match &v {
                    Json::String(s) => s.trim().to_string(),
                    other => other.literal().trim().to_string(),
                };
                check_quantity(&text).map_err(str::to_string)?;
                Ok(Some(Value::String(text)))
            }
            GoType::Raw(_) => Ok(Some(v.into_value())),
            GoType::SchemaPropsOrBool => match v {
                Json::Bool(b) => Ok(Some(Value::Bool(b))),
                Json::Object(_) => self.opaque_props(v),
                _ => Err("boolean or JSON schema expected".into()),
            },
            GoType::SchemaPropsOrArray => match v {
                Json::Object(_) => self.opaque_props(v),
                Json::Array(items) => {
                    self.opaque += 1;
                    let out = self.props_list(items);
                    self.opaque -= 1;
                    out
                }
                _ => Ok(None),
            },
            GoType::SchemaPropsOrStringArray => match v {
                Json::Object(_) => self.opaque_props(v),
                Json::Array(items) => {
                    self.opaque += 1;
                    let mut out = Vec::new();
                    let mut err = None;
                    for item in items {
                        match item {
                            Json::String(s) => out.push(Value::String(s)),
                            Json::Null => out.push(Value::String(String::new())),
                            other => {
                                err.get_or_insert_with(|| {
                                    self.type_error(other.go_kind(), "string")
                                });
                            }
                        }
                    }
                    self.opaque -= 1;
                    match err {
                        Some(e) => Err(e),
                        None => Ok(Some(Value::Array(out))),
                    }
                }
                _ => Ok(None),
            },
            GoType::Struct(node) => match v {
                Json::Object(fields) => self.object_struct(node, fields).map(Some),
                other => self.mismatch(&other, ty),
            },
            GoType::Map(values) => match v {
                Json::Object(fields) => self.object_map(values, fields).map(Some),
                other => self.mismatch(&other, ty),
            },
            GoType::Slice(items) => match v {
                Json::Array(elems) => {
                    let item_ty = GoType::classify(items);
                    let mut out = Vec::with_capacity(elems.len());
                    for (i, elem) in elems.into_iter().enumerate() {
                        let mark = self.push_index(i);
                        let decoded = self.value(item_ty, elem);
                        self.strict_path.truncate(mark);
                        out.push(decoded?.unwrap_or_else(|| item_ty.zero_value()));
                    }
                    Ok(Some(Value::Array(out)))
                }
                other => self.mismatch(&other, ty),
            },
        }
    }

    /// A non-fatal type mismatch: recorded, and the field is left unset.
    fn mismatch(&mut self, v: &Json, ty: GoType<'_>) -> Result<Option<Value>, Fatal> {
        self.save_type_error(v.go_kind(), &ty.go_name());
        Ok(None)
    }

    /// `JSONSchemaProps` inside the `JSONSchemaPropsOr*` wrappers: decoded by a nested,
    /// non-strict `json.Unmarshal`, whose first error is fatal to the outer decode.
    fn opaque_props(&mut self, v: Json) -> Result<Option<Value>, Fatal> {
        let Some(props) = Definitions::builtin().get(JSON_SCHEMA_PROPS) else {
            return Ok(Some(v.into_value()));
        };
        self.opaque += 1;
        let saved_before = self.saved.take();
        let out = self.value(GoType::Struct(props), v);
        let inner_error = self.saved.take();
        self.saved = saved_before;
        self.opaque -= 1;
        match (out, inner_error) {
            (Err(e), _) | (Ok(_), Some(e)) => Err(e),
            (Ok(v), None) => Ok(v),
        }
    }

    fn props_list(&mut self, items: Vec<Json>) -> Result<Option<Value>, Fatal> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Json::Null => out.push(Value::Object(Map::new())),
                Json::Object(_) => {
                    out.push(
                        self.opaque_props(item)?
                            .unwrap_or(Value::Object(Map::new())),
                    );
                }
                other => {
                    return Err(self.type_error(other.go_kind(), "v1.JSONSchemaProps"));
                }
            }
        }
        Ok(Some(Value::Array(out)))
    }

    fn bytes(&mut self, v: Json) -> Result<Option<Value>, Fatal> {
        match v {
            Json::String(s) => match go_base64_decode(s.as_bytes()) {
                Ok(bytes) => Ok(Some(Value::String(
                    base64::engine::general_purpose::STANDARD.encode(bytes),
                ))),
                Err(offset) => {
                    self.save(format!("illegal base64 data at input byte {offset}"));
                    Ok(None)
                }
            },
            // encoding/json also accepts a []byte as an array of numbers.
            Json::Array(elems) => {
                let mut bytes = Vec::with_capacity(elems.len());
                for elem in elems {
                    match elem {
                        Json::Null => bytes.push(0),
                        Json::Number(n) => match n.as_u64().and_then(|u| u8::try_from(u).ok()) {
                            Some(b) => bytes.push(b),
                            None => {
                                self.save_type_error(&format!("number {n}"), "uint8");
                                bytes.push(0);
                            }
                        },
                        other => {
                            self.save_type_error(other.go_kind(), "uint8");
                            bytes.push(0);
                        }
                    }
                }
                Ok(Some(Value::String(
                    base64::engine::general_purpose::STANDARD.encode(bytes),
                )))
            }
            other => self.mismatch(&other, GoType::Bytes),
        }
    }

    fn object_struct(
        &mut self,
        node: SchemaNode<'_>,
        fields: Vec<(String, Json)>,
    ) -> Result<Value, Fatal> {
        let struct_name = node.name().map(short_name).unwrap_or_default().to_string();
        let mut out = Map::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (key, value) in fields {
            let Some(prop) = node.property(&key) else {
                self.strict_error(StrictErrorKind::UnknownField, &key);
                continue;
            };
            if !seen.insert(key.clone()) {
                self.strict_error(StrictErrorKind::DuplicateField, &key);
            }
            let saved_ctx = if self.opaque == 0 || self.ctx_struct.is_none() {
                let prev = self.ctx_struct.replace(struct_name.clone());
                self.ctx_fields.push(key.clone());
                Some(prev)
            } else {
                None
            };
            let mark = self.push_key(&key);
            let decoded = self.value(GoType::classify(prop), value);
            self.strict_path.truncate(mark);
            if let Some(prev) = saved_ctx {
                self.ctx_struct = prev;
                self.ctx_fields.pop();
            }
            // On a fatal error Go returns at once, context and all.
            if let Some(v) = decoded? {
                out.insert(key, v);
            }
        }
        Ok(Value::Object(out))
    }

    fn object_map(
        &mut self,
        values: SchemaNode<'_>,
        fields: Vec<(String, Json)>,
    ) -> Result<Value, Fatal> {
        let value_ty = GoType::classify(values);
        let mut entries: Vec<(String, Value)> = Vec::with_capacity(fields.len());
        let mut seen: HashSet<String> = HashSet::new();
        for (key, value) in fields {
            if !seen.insert(key.clone()) {
                self.strict_error(StrictErrorKind::DuplicateField, &key);
            }
            let mark = self.push_key(&key);
            let decoded = self.value(value_ty, value);
            self.strict_path.truncate(mark);
            let v = decoded?.unwrap_or_else(|| value_ty.zero_value());
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = v,
                None => entries.push((key, v)),
            }
        }
        // Go writes map keys sorted.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Value::Object(entries.into_iter().collect()))
    }
}

/// Go's `base64.StdEncoding.Decode`: padding required, `\r` and `\n` ignored. The error is the
/// offset `CorruptInputError` reports.
fn go_base64_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    fn sextet(c: u8) -> Option<u8> {
        match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let skip_newlines = |mut si: usize| {
        while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
            si += 1;
        }
        si
    };
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0;
        let mut trailing_error = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                // Padding is required, so a short final quantum is corrupt.
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = sextet(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            // Padding: only after two or three symbols.
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    si = skip_newlines(si);
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            si = skip_newlines(si);
            if si < src.len() {
                trailing_error = Some(si);
            }
            dlen = j;
            break;
        }
        let val = (u32::from(dbuf[0]) << 18)
            | (u32::from(dbuf[1]) << 12)
            | (u32::from(dbuf[2]) << 6)
            | u32::from(dbuf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(at) = trailing_error {
            return Err(at);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gvk(g: &str, v: &str, k: &str) -> GroupVersionKind {
        GroupVersionKind::new(g, v, k)
    }

    fn err_of(target: &GroupVersionKind, body: Value) -> String {
        decode(target, body).unwrap_err().to_string()
    }

    #[test]
    fn configmap_type_errors() {
        let cm = gvk("", "v1", "ConfigMap");
        assert_eq!(
            err_of(
                &cm,
                json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": 1}})
            ),
            r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string"#
        );
        assert_eq!(
            err_of(&cm, json!({"data": ["a"]})),
            r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string"#
        );
        assert_eq!(
            err_of(&cm, json!({"immutable": "true"})),
            r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ConfigMap.immutable of type bool"#
        );
        assert_eq!(
            err_of(&cm, json!({"metadata": {"labels": {"a": true}}})),
            r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string"#
        );
        assert_eq!(
            err_of(&cm, json!({"metadata": "x"})),
            r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ConfigMap.metadata of type v1.ObjectMeta"#
        );
    }

    #[test]
    fn nested_and_list_type_errors() {
        let dep = gvk("apps", "v1", "Deployment");
        assert_eq!(
            err_of(&dep, json!({"spec": {"replicas": "3"}})),
            r#"Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"#
        );
        assert_eq!(
            err_of(&dep, json!({"spec": {"replicas": 3_000_000_000u64}})),
            r#"Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32"#
        );
        assert_eq!(
            err_of(&dep, json!({"spec": {"replicas": 1.5}})),
            r#"Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32"#
        );
        let pod = gvk("", "v1", "Pod");
        assert_eq!(
            err_of(&pod, json!({"spec": {"containers": [{"name": 5}]}})),
            r#"Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Container.spec.containers.name of type string"#
        );
        assert_eq!(
            err_of(&pod, json!({"spec": {"containers": {"name": "a"}}})),
            r#"Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container"#
        );
        assert_eq!(
            err_of(
                &pod,
                json!({"spec": {"containers": [{"name": "a", "args": [1]}]}})
            ),
            r#"Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string"#
        );
        assert_eq!(
            err_of(&pod, json!({"spec": {"activeDeadlineSeconds": "1"}})),
            r#"Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64"#
        );
        // The first error wins.
        assert_eq!(
            err_of(
                &pod,
                json!({"metadata": {"name": 1}, "spec": {"hostNetwork": "yes"}})
            ),
            r#"Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string"#
        );
    }

    #[test]
    fn custom_unmarshaler_errors() {
        let pod = gvk("", "v1", "Pod");
        let resources = |v: Value| json!({"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": v}}}]}});
        assert_eq!(
            err_of(&pod, resources(json!("abc"))),
            r#"Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"#
        );
        assert_eq!(
            err_of(&pod, resources(json!("1mi"))),
            r#"Pod in version "v1" cannot be handled as a Pod: unable to parse quantity's suffix"#
        );
        // A fatal (unmarshaler) error beats an earlier saved type error.
        assert_eq!(
            err_of(
                &pod,
                json!({"metadata": {"name": 1, "creationTimestamp": "yesterday"}})
            ),
            r#"Pod in version "v1" cannot be handled as a Pod: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006""#
        );
        assert_eq!(
            err_of(&pod, json!({"metadata": {"creationTimestamp": 5}})),
            r#"Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string"#
        );
        let svc = gvk("", "v1", "Service");
        assert_eq!(
            err_of(
                &svc,
                json!({"spec": {"ports": [{"port": 80, "targetPort": true}]}})
            ),
            r#"Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32"#
        );
        assert_eq!(
            err_of(
                &svc,
                json!({"spec": {"ports": [{"port": 80, "targetPort": 1.5}]}})
            ),
            r#"Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.targetPort of type int32"#
        );
        let secret = gvk("", "v1", "Secret");
        assert_eq!(
            err_of(&secret, json!({"data": {"a": "not base64!"}})),
            r#"Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3"#
        );
        assert_eq!(
            err_of(&secret, json!({"data": {"a": 5}})),
            r#"Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.data of type []uint8"#
        );
    }

    #[test]
    fn values_come_back_as_go_encodes_them() {
        let pod = gvk("", "v1", "Pod");
        let d = decode(
            &pod,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": null,
                             "creationTimestamp": "2024-05-01T12:00:00+02:00",
                             "labels": {"b": "2", "a": "1"}},
                "spec": {"containers": [{"name": "c", "image": "nginx",
                         "resources": {"limits": {"cpu": 1, "memory": " 1Gi "}},
                         "ports": [{"containerPort": 80}]}]}
            }),
        )
        .unwrap();
        assert_eq!(
            d.object,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "creationTimestamp": "2024-05-01T10:00:00Z",
                             "labels": {"a": "1", "b": "2"}},
                "spec": {"containers": [{"name": "c", "image": "nginx",
                         "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                         "ports": [{"containerPort": 80}]}]}
            })
        );
        assert!(d.strict_errors.is_empty());
        assert_eq!(d.gvk, pod);
        let secret = decode(
            &gvk("", "v1", "Secret"),
            json!({"data": {"a": "aGVs\nbG8="}, "stringData": {"b": null}}),
        )
        .unwrap();
        assert_eq!(
            secret.object,
            json!({"data": {"a": "aGVsbG8="}, "stringData": {"b": ""}})
        );
    }

    #[test]
    fn unknown_fields_are_dropped_and_reported() {
        let pod = gvk("", "v1", "Pod");
        let d = decode(
            &pod,
            json!({
                "apiVersion": "v1", "kind": "Pod", "foo": 1,
                "metadata": {"name": "p", "Labels": {}},
                "spec": {"containers": [{"name": "c"}, {"name": "d", "foo": {"x": 1},
                         "env": [{"name": "e", "valueFrom": {"bar": true}}]}],
                         "overhead": {"cpu": "1"}}
            }),
        )
        .unwrap();
        let unknown: Vec<&str> = d.unknown_fields().collect();
        assert_eq!(
            unknown,
            vec![
                "foo",
                "metadata.Labels",
                "spec.containers[1].foo",
                "spec.containers[1].env[0].valueFrom.bar"
            ]
        );
        assert_eq!(
            d.object,
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                   "spec": {"containers": [{"name": "c"}, {"name": "d",
                            "env": [{"name": "e", "valueFrom": {}}]}],
                            "overhead": {"cpu": "1"}}})
        );
        assert_eq!(d.warnings()[0], r#"unknown field "foo""#);
        assert_eq!(
            d.check_strict(&pod).unwrap_err().to_string(),
            r#"Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "foo", unknown field "metadata.Labels", unknown field "spec.containers[1].foo", unknown field "spec.containers[1].env[0].valueFrom.bar""#
        );
    }

    #[test]
    fn map_keys_appear_in_strict_paths() {
        // CRD schemas: properties is a map of JSONSchemaProps.
        let crd = gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition");
        let d = decode(
            &crd,
            json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {"spec": {"type": "object", "bogus": 1}}}}}]}}),
        )
        .unwrap();
        assert_eq!(
            d.unknown_fields().collect::<Vec<_>>(),
            vec!["spec.versions[0].schema.openAPIV3Schema.properties.spec.bogus"]
        );
    }

    #[test]
    fn duplicate_fields_from_bytes() {
        let cm = gvk("", "v1", "ConfigMap");
        let d = decode_bytes(
            &cm,
            br#"{"kind":"ConfigMap","metadata":{"name":"a","name":"b"},"data":{"x":"1","x":"2"},"nope":1}"#,
        )
        .unwrap();
        assert_eq!(
            d.warnings(),
            vec![
                r#"duplicate field "metadata.name""#,
                r#"duplicate field "data.x""#,
                r#"unknown field "nope""#
            ]
        );
        assert_eq!(
            d.object,
            json!({"kind": "ConfigMap", "metadata": {"name": "b"}, "data": {"x": "2"}})
        );
    }

    #[test]
    fn type_meta_errors() {
        let cm = gvk("", "v1", "ConfigMap");
        assert_eq!(
            err_of(&cm, json!({"kind": 5})),
            r#"the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string ({"kind":5})"#
        );
        assert_eq!(
            err_of(&cm, json!({"apiVersion": "a/b/c", "kind": "ConfigMap"})),
            r#"the object provided is unrecognized (must be of type ConfigMap): unexpected GroupVersion string: a/b/c ({"apiVersion":"a/b/c","kind":" ...)"#
        );
        assert!(matches!(
            decode(&gvk("x", "v1", "Nope"), json!({})),
            Err(DecodeError::UnknownKind(_))
        ));
        let d = decode(&gvk("apps", "v1", "Deployment"), json!({})).unwrap();
        assert_eq!(d.gvk, gvk("apps", "v1", "Deployment"));
    }

    #[test]
    fn go_base64() {
        assert_eq!(go_base64_decode(b"aGVsbG8="), Ok(b"hello".to_vec()));
        assert_eq!(go_base64_decode(b"aGVsbA=="), Ok(b"hell".to_vec()));
        assert_eq!(go_base64_decode(b""), Ok(vec![]));
        assert_eq!(go_base64_decode(b"abc"), Err(0));
        assert_eq!(go_base64_decode(b"aGVsbG8"), Err(4));
        assert_eq!(go_base64_decode(b"aGVs!G8="), Err(4));
        assert_eq!(go_base64_decode(b"aGVsbA="), Err(7));
        assert_eq!(go_base64_decode(b"aGVsbG8=x"), Err(8));
        assert_eq!(go_base64_decode(b"a==="), Err(1));
    }
}
