//! Go's `encoding/json` round trip through a typed struct, for the few Kubernetes and kcp types
//! `kubectl kcp crd snapshot` reads and writes: what kcp's plugin does when it decodes a CRD into
//! `apiextensionsv1.CustomResourceDefinition` and encodes an `APIResourceSchema`.
//!
//! A round trip through a Go struct drops unknown fields, puts the known ones in declaration
//! order, writes `null` for an absent slice or pointer that has no `omitempty`, drops `false`,
//! `""`, `0` and empty lists under `omitempty` (but not a pointer to them), sorts map keys, and
//! fails on a value of the wrong JSON type with Go's message (`json: cannot unmarshal number into
//! Go struct field CustomResourceDefinitionSpec.spec.group of type string`). [`round_trip`] does
//! that over a [`serde_json::Value`] driven by a table of the Go types ([`GoStruct`]), so the
//! snapshot's JSON and YAML come out byte for byte as kcp's.

use serde_json::{Map, Value};

use kcp_api::gojson::canonical_number;

/// A Go type as `encoding/json` treats it.
#[derive(Clone, Copy, Debug)]
pub enum GoType {
    String,
    Bool,
    /// A signed integer type, named as Go names it (`int32`, `int64`).
    Int(&'static str),
    Float64,
    /// `[]byte`: a base64 string.
    Bytes,
    /// `apiextensionsv1.JSON`: any JSON, kept as Go wrote it from YAML (object keys sorted).
    Raw,
    /// `runtime.RawExtension` that the program filled with JSON it encoded itself: kept as is.
    RawExtension,
    Ptr(&'static GoType),
    Slice(&'static GoType),
    /// `map[string]T`.
    Map(&'static GoType),
    Struct(GoStruct),
    /// `JSONSchemaPropsOrBool`: a schema or a boolean.
    SchemaOrBool,
    /// `JSONSchemaPropsOrArray`: a schema or a list of schemas.
    SchemaOrArray,
    /// `JSONSchemaPropsOrStringArray`: a schema or a list of strings.
    SchemaOrStringArray,
}

/// One field of a Go struct: its JSON name, type and whether it has `omitempty`.
#[derive(Clone, Copy, Debug)]
pub struct GoField {
    pub json: &'static str,
    pub ty: GoType,
    pub omitempty: bool,
}

const fn f(json: &'static str, ty: GoType) -> GoField {
    GoField {
        json,
        ty,
        omitempty: false,
    }
}

const fn o(json: &'static str, ty: GoType) -> GoField {
    GoField {
        json,
        ty,
        omitempty: true,
    }
}

/// The Go structs involved, each with its fields in declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoStruct {
    CustomResourceDefinition,
    ObjectMeta,
    CustomResourceDefinitionSpec,
    CustomResourceDefinitionNames,
    CustomResourceDefinitionVersion,
    CustomResourceValidation,
    JSONSchemaProps,
    ExternalDocumentation,
    ValidationRule,
    CustomResourceSubresources,
    CustomResourceSubresourceStatus,
    CustomResourceSubresourceScale,
    CustomResourceColumnDefinition,
    SelectableField,
    CustomResourceConversion,
    WebhookConversion,
    WebhookClientConfig,
    ServiceReference,
    APIResourceSchema,
    APIResourceSchemaSpec,
    APIResourceVersion,
    SchemaConversion,
    SchemaWebhookConversion,
    SchemaWebhookClientConfig,
}

use GoStruct as S;
use GoType as T;

const STRINGS: GoType = T::Slice(&T::String);
const SCHEMA: GoType = T::Struct(S::JSONSchemaProps);

impl GoStruct {
    /// The Go type name, as `encoding/json` prints it in errors.
    pub fn name(self) -> &'static str {
        match self {
            S::CustomResourceDefinition => "CustomResourceDefinition",
            S::ObjectMeta => "ObjectMeta",
            S::CustomResourceDefinitionSpec => "CustomResourceDefinitionSpec",
            S::CustomResourceDefinitionNames => "CustomResourceDefinitionNames",
            S::CustomResourceDefinitionVersion => "CustomResourceDefinitionVersion",
            S::CustomResourceValidation => "CustomResourceValidation",
            S::JSONSchemaProps => "JSONSchemaProps",
            S::ExternalDocumentation => "ExternalDocumentation",
            S::ValidationRule => "ValidationRule",
            S::CustomResourceSubresources => "CustomResourceSubresources",
            S::CustomResourceSubresourceStatus => "CustomResourceSubresourceStatus",
            S::CustomResourceSubresourceScale => "CustomResourceSubresourceScale",
            S::CustomResourceColumnDefinition => "CustomResourceColumnDefinition",
            S::SelectableField => "SelectableField",
            S::CustomResourceConversion | S::SchemaConversion => "CustomResourceConversion",
            S::WebhookConversion | S::SchemaWebhookConversion => "WebhookConversion",
            S::WebhookClientConfig | S::SchemaWebhookClientConfig => "WebhookClientConfig",
            S::ServiceReference => "ServiceReference",
            S::APIResourceSchema => "APIResourceSchema",
            S::APIResourceSchemaSpec => "APIResourceSchemaSpec",
            S::APIResourceVersion => "APIResourceVersion",
        }
    }

    /// The fields, in declaration order (embedded `TypeMeta` inlined).
    pub fn fields(self) -> &'static [GoField] {
        match self {
            S::CustomResourceDefinition => {
                const {
                    &[
                        o("kind", T::String),
                        o("apiVersion", T::String),
                        o("metadata", T::Struct(S::ObjectMeta)),
                        f("spec", T::Struct(S::CustomResourceDefinitionSpec)),
                    ]
                }
            }
            // Only the name is read or written.
            S::ObjectMeta => const { &[o("name", T::String)] },
            S::CustomResourceDefinitionSpec => {
                const {
                    &[
                        f("group", T::String),
                        f("names", T::Struct(S::CustomResourceDefinitionNames)),
                        f("scope", T::String),
                        f(
                            "versions",
                            T::Slice(&T::Struct(S::CustomResourceDefinitionVersion)),
                        ),
                        o(
                            "conversion",
                            T::Ptr(&T::Struct(S::CustomResourceConversion)),
                        ),
                        o("preserveUnknownFields", T::Bool),
                    ]
                }
            }
            S::CustomResourceDefinitionNames => {
                const {
                    &[
                        f("plural", T::String),
                        o("singular", T::String),
                        o("shortNames", STRINGS),
                        f("kind", T::String),
                        o("listKind", T::String),
                        o("categories", STRINGS),
                    ]
                }
            }
            S::CustomResourceDefinitionVersion => {
                const {
                    &[
                        f("name", T::String),
                        f("served", T::Bool),
                        f("storage", T::Bool),
                        o("deprecated", T::Bool),
                        o("deprecationWarning", T::Ptr(&T::String)),
                        o("schema", T::Ptr(&T::Struct(S::CustomResourceValidation))),
                        o(
                            "subresources",
                            T::Ptr(&T::Struct(S::CustomResourceSubresources)),
                        ),
                        o(
                            "additionalPrinterColumns",
                            T::Slice(&T::Struct(S::CustomResourceColumnDefinition)),
                        ),
                        o("selectableFields", T::Slice(&T::Struct(S::SelectableField))),
                    ]
                }
            }
            S::CustomResourceValidation => const { &[o("openAPIV3Schema", T::Ptr(&SCHEMA))] },
            S::JSONSchemaProps => {
                const {
                    &[
                        o("id", T::String),
                        o("$schema", T::String),
                        o("$ref", T::Ptr(&T::String)),
                        o("description", T::String),
                        o("type", T::String),
                        o("format", T::String),
                        o("title", T::String),
                        o("default", T::Ptr(&T::Raw)),
                        o("maximum", T::Ptr(&T::Float64)),
                        o("exclusiveMaximum", T::Bool),
                        o("minimum", T::Ptr(&T::Float64)),
                        o("exclusiveMinimum", T::Bool),
                        o("maxLength", T::Ptr(&T::Int("int64"))),
                        o("minLength", T::Ptr(&T::Int("int64"))),
                        o("pattern", T::String),
                        o("maxItems", T::Ptr(&T::Int("int64"))),
                        o("minItems", T::Ptr(&T::Int("int64"))),
                        o("uniqueItems", T::Bool),
                        o("multipleOf", T::Ptr(&T::Float64)),
                        o("enum", T::Slice(&T::Raw)),
                        o("maxProperties", T::Ptr(&T::Int("int64"))),
                        o("minProperties", T::Ptr(&T::Int("int64"))),
                        o("required", STRINGS),
                        o("items", T::Ptr(&T::SchemaOrArray)),
                        o("allOf", T::Slice(&SCHEMA)),
                        o("oneOf", T::Slice(&SCHEMA)),
                        o("anyOf", T::Slice(&SCHEMA)),
                        o("not", T::Ptr(&SCHEMA)),
                        o("properties", T::Map(&SCHEMA)),
                        o("additionalProperties", T::Ptr(&T::SchemaOrBool)),
                        o("patternProperties", T::Map(&SCHEMA)),
                        o("dependencies", T::Map(&T::SchemaOrStringArray)),
                        o("additionalItems", T::Ptr(&T::SchemaOrBool)),
                        o("definitions", T::Map(&SCHEMA)),
                        o("externalDocs", T::Ptr(&T::Struct(S::ExternalDocumentation))),
                        o("example", T::Ptr(&T::Raw)),
                        o("nullable", T::Bool),
                        o("x-kubernetes-preserve-unknown-fields", T::Ptr(&T::Bool)),
                        o("x-kubernetes-embedded-resource", T::Bool),
                        o("x-kubernetes-int-or-string", T::Bool),
                        o("x-kubernetes-list-map-keys", STRINGS),
                        o("x-kubernetes-list-type", T::Ptr(&T::String)),
                        o("x-kubernetes-map-type", T::Ptr(&T::String)),
                        o(
                            "x-kubernetes-validations",
                            T::Slice(&T::Struct(S::ValidationRule)),
                        ),
                    ]
                }
            }
            S::ExternalDocumentation => {
                const { &[o("description", T::String), o("url", T::String)] }
            }
            S::ValidationRule => {
                const {
                    &[
                        f("rule", T::String),
                        o("message", T::String),
                        o("messageExpression", T::String),
                        o("reason", T::Ptr(&T::String)),
                        o("fieldPath", T::String),
                        o("optionalOldSelf", T::Ptr(&T::Bool)),
                    ]
                }
            }
            S::CustomResourceSubresources => {
                const {
                    &[
                        o(
                            "status",
                            T::Ptr(&T::Struct(S::CustomResourceSubresourceStatus)),
                        ),
                        o(
                            "scale",
                            T::Ptr(&T::Struct(S::CustomResourceSubresourceScale)),
                        ),
                    ]
                }
            }
            S::CustomResourceSubresourceStatus => const { &[] },
            S::CustomResourceSubresourceScale => {
                const {
                    &[
                        f("specReplicasPath", T::String),
                        f("statusReplicasPath", T::String),
                        o("labelSelectorPath", T::Ptr(&T::String)),
                    ]
                }
            }
            S::CustomResourceColumnDefinition => {
                const {
                    &[
                        f("name", T::String),
                        f("type", T::String),
                        o("format", T::String),
                        o("description", T::String),
                        o("priority", T::Int("int32")),
                        f("jsonPath", T::String),
                    ]
                }
            }
            S::SelectableField => const { &[f("jsonPath", T::String)] },
            S::CustomResourceConversion => {
                const {
                    &[
                        f("strategy", T::String),
                        o("webhook", T::Ptr(&T::Struct(S::WebhookConversion))),
                    ]
                }
            }
            S::WebhookConversion => {
                const {
                    &[
                        o("clientConfig", T::Ptr(&T::Struct(S::WebhookClientConfig))),
                        f("conversionReviewVersions", STRINGS),
                    ]
                }
            }
            S::WebhookClientConfig => {
                const {
                    &[
                        o("url", T::Ptr(&T::String)),
                        o("service", T::Ptr(&T::Struct(S::ServiceReference))),
                        o("caBundle", T::Bytes),
                    ]
                }
            }
            S::ServiceReference => {
                const {
                    &[
                        f("namespace", T::String),
                        f("name", T::String),
                        o("path", T::Ptr(&T::String)),
                        o("port", T::Ptr(&T::Int("int32"))),
                    ]
                }
            }
            // kcp's apis.kcp.io/v1alpha1 types (`types_apiresourceschema.go`).
            S::APIResourceSchema => {
                const {
                    &[
                        o("kind", T::String),
                        o("apiVersion", T::String),
                        o("metadata", T::Struct(S::ObjectMeta)),
                        o("spec", T::Struct(S::APIResourceSchemaSpec)),
                    ]
                }
            }
            S::APIResourceSchemaSpec => {
                const {
                    &[
                        f("group", T::String),
                        f("names", T::Struct(S::CustomResourceDefinitionNames)),
                        f("scope", T::String),
                        f("versions", T::Slice(&T::Struct(S::APIResourceVersion))),
                        o("nameValidation", T::String),
                        o("conversion", T::Ptr(&T::Struct(S::SchemaConversion))),
                    ]
                }
            }
            S::APIResourceVersion => {
                const {
                    &[
                        f("name", T::String),
                        f("served", T::Bool),
                        f("storage", T::Bool),
                        o("deprecated", T::Bool),
                        o("deprecationWarning", T::Ptr(&T::String)),
                        f("schema", T::RawExtension),
                        o("subresources", T::Struct(S::CustomResourceSubresources)),
                        o(
                            "additionalPrinterColumns",
                            T::Slice(&T::Struct(S::CustomResourceColumnDefinition)),
                        ),
                        o("selectableFields", T::Slice(&T::Struct(S::SelectableField))),
                    ]
                }
            }
            S::SchemaConversion => {
                const {
                    &[
                        f("strategy", T::String),
                        o("webhook", T::Ptr(&T::Struct(S::SchemaWebhookConversion))),
                    ]
                }
            }
            S::SchemaWebhookConversion => {
                const {
                    &[
                        o(
                            "clientConfig",
                            T::Ptr(&T::Struct(S::SchemaWebhookClientConfig)),
                        ),
                        f("conversionReviewVersions", STRINGS),
                    ]
                }
            }
            S::SchemaWebhookClientConfig => {
                const { &[o("url", T::String), o("caBundle", T::Bytes)] }
            }
        }
    }
}

/// A value of the wrong JSON type for its Go field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// Decodes `v` into the Go struct `ty` and encodes it again, as Go would.
pub fn round_trip(v: &Value, ty: GoStruct) -> Result<Value, DecodeError> {
    let mut walk = Walk { first_error: None };
    let out = walk
        .decode_struct(Some(v), ty, &mut Vec::new())
        .unwrap_or(Value::Null);
    match walk.first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// A decoding pass. Its `decode` functions return the encoded field, or `None` for a field left
/// at its zero value (nil for a pointer, slice or map).
struct Walk {
    /// Go reports the first type mismatch, after decoding the rest.
    first_error: Option<DecodeError>,
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// How Go names a type in errors (`string`, `[]v1.JSONSchemaProps`, …).
fn type_name(ty: &GoType) -> String {
    match ty {
        T::String => "string".into(),
        T::Bool => "bool".into(),
        T::Int(n) => (*n).into(),
        T::Float64 => "float64".into(),
        T::Bytes => "[]uint8".into(),
        T::Raw => "v1.JSON".into(),
        T::RawExtension => "runtime.RawExtension".into(),
        T::Ptr(inner) => type_name(inner),
        T::Slice(inner) => format!("[]{}", type_name(inner)),
        T::Map(inner) => format!("map[string]{}", type_name(inner)),
        T::Struct(s) => format!("v1.{}", s.name()),
        T::SchemaOrBool => "v1.JSONSchemaPropsOrBool".into(),
        T::SchemaOrArray => "v1.JSONSchemaPropsOrArray".into(),
        T::SchemaOrStringArray => "v1.JSONSchemaPropsOrStringArray".into(),
    }
}

/// The zero value as Go encodes it.
fn zero(ty: &GoType) -> Value {
    match ty {
        T::String => Value::String(String::new()),
        T::Bool => Value::Bool(false),
        T::Int(_) | T::Float64 => Value::from(0),
        T::Struct(s) => encode_struct(s, &Map::new()),
        _ => Value::Null,
    }
}

/// Go's `omitempty` test for a decoded value (pointers are handled by the caller).
fn is_empty(v: &Value, ty: &GoType) -> bool {
    match (ty, v) {
        (T::Struct(_), _) => false,
        (_, Value::Null) => true,
        (_, Value::Bool(b)) => !b,
        (_, Value::Number(n)) => n.as_f64() == Some(0.0),
        (_, Value::String(s)) => s.is_empty(),
        (_, Value::Array(a)) => a.is_empty(),
        (_, Value::Object(m)) => m.is_empty(),
    }
}

/// Encodes decoded fields in declaration order; a field missing from `decoded` has its zero
/// value (nil for pointers, slices and maps).
fn encode_struct(s: &GoStruct, decoded: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for field in s.fields() {
        let v = match decoded.get(field.json) {
            // A non-nil pointer is never empty, even when it points at a zero value.
            Some(v) if matches!(field.ty, T::Ptr(_)) => v.clone(),
            Some(v) if !(field.omitempty && is_empty(v, &field.ty)) => v.clone(),
            Some(_) => continue,
            None if field.omitempty && !matches!(field.ty, T::Struct(_)) => continue,
            None => zero(&field.ty),
        };
        out.insert(field.json.to_owned(), v);
    }
    Value::Object(out)
}

/// Raw JSON as Go re-marshals it from YAML: object keys sorted, numbers canonical.
fn raw(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), raw(&m[k]))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(raw).collect()),
        Value::Number(n) => Value::Number(canonical_number(n)),
        other => other.clone(),
    }
}

impl Walk {
    fn mismatch(&mut self, v: &Value, ty: &GoType, context: Option<(&str, &[String])>) {
        if self.first_error.is_some() {
            return;
        }
        let what = match (v, ty) {
            (Value::Number(n), T::Int(_)) => format!("number {n}"),
            _ => json_kind(v).to_owned(),
        };
        let message = match context {
            Some((s, path)) if !path.is_empty() => format!(
                "json: cannot unmarshal {what} into Go struct field {s}.{} of type {}",
                path.join("."),
                type_name(ty)
            ),
            _ => format!(
                "json: cannot unmarshal {what} into Go value of type {}",
                type_name(ty)
            ),
        };
        self.first_error = Some(DecodeError(message));
    }

    fn error(&mut self, message: &str) {
        if self.first_error.is_none() {
            self.first_error = Some(DecodeError(message.to_owned()));
        }
    }

    /// Decodes a struct; `None` input means absent (the zero value).
    fn decode_struct(
        &mut self,
        v: Option<&Value>,
        s: GoStruct,
        path: &mut Vec<String>,
    ) -> Option<Value> {
        let mut decoded = Map::new();
        if let Some(Value::Object(m)) = v {
            for (key, value) in m {
                let Some(field) = s.fields().iter().find(|f| f.json == key) else {
                    continue;
                };
                path.push(key.clone());
                if let Some(out) = self.decode(value, &field.ty, s.name(), path) {
                    decoded.insert(key.clone(), out);
                }
                path.pop();
            }
        }
        Some(encode_struct(&s, &decoded))
    }

    /// Decodes `v` into a field of type `ty`; `None` keeps the field's zero value.
    fn decode(
        &mut self,
        v: &Value,
        ty: &GoType,
        owner: &str,
        path: &mut Vec<String>,
    ) -> Option<Value> {
        // `null` leaves a value type alone and sets pointers, slices and maps to nil.
        if v.is_null() {
            return match ty {
                T::Raw | T::RawExtension => Some(Value::Null),
                _ => None,
            };
        }
        let ok = match (ty, v) {
            (T::String | T::Bytes, Value::String(_))
            | (T::Bool, Value::Bool(_))
            | (T::Float64, Value::Number(_))
            | (T::Slice(_), Value::Array(_))
            | (T::Map(_) | T::Struct(_), Value::Object(_)) => true,
            (T::Int(_), Value::Number(n)) => n.is_i64() || n.is_u64(),
            (
                T::Raw
                | T::RawExtension
                | T::Ptr(_)
                | T::SchemaOrBool
                | T::SchemaOrArray
                | T::SchemaOrStringArray,
                _,
            ) => true,
            _ => false,
        };
        if !ok {
            self.mismatch(v, ty, Some((owner, path)));
            return None;
        }
        match ty {
            T::String | T::Bytes | T::Bool => Some(v.clone()),
            T::Int(_) | T::Float64 => Some(Value::Number(canonical_number(v.as_number()?))),
            T::Raw => Some(raw(v)),
            T::RawExtension => Some(v.clone()),
            T::Ptr(inner) => {
                // A pointer to a value type that `null` would leave alone still points at it.
                self.decode(v, inner, owner, path)
                    .or_else(|| Some(zero(inner)))
            }
            T::Slice(inner) => {
                let items = v.as_array()?;
                Some(Value::Array(
                    items
                        .iter()
                        .map(|item| {
                            self.decode(item, inner, owner, path)
                                .unwrap_or_else(|| zero(inner))
                        })
                        .collect(),
                ))
            }
            T::Map(inner) => {
                let m = v.as_object()?;
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    path.push(k.clone());
                    let item = self
                        .decode(&m[k], inner, owner, path)
                        .unwrap_or_else(|| zero(inner));
                    path.pop();
                    out.insert(k.clone(), item);
                }
                Some(Value::Object(out))
            }
            T::Struct(s) => self.decode_struct(Some(v), *s, path),
            T::SchemaOrBool => match v {
                Value::Object(_) => {
                    self.decode_struct(Some(v), S::JSONSchemaProps, &mut Vec::new())
                }
                Value::Bool(_) => Some(v.clone()),
                _ => {
                    self.error("boolean or JSON schema expected");
                    None
                }
            },
            T::SchemaOrArray => match v {
                Value::Object(_) => {
                    self.decode_struct(Some(v), S::JSONSchemaProps, &mut Vec::new())
                }
                Value::Array(items) => {
                    let schemas: Vec<Value> = items
                        .iter()
                        .map(|item| self.decode_top(item, &SCHEMA))
                        .collect();
                    // An empty list encodes as the (nil) single schema.
                    Some(if schemas.is_empty() {
                        Value::Null
                    } else {
                        Value::Array(schemas)
                    })
                }
                _ => Some(Value::Null),
            },
            T::SchemaOrStringArray => match v {
                Value::Object(_) => {
                    self.decode_struct(Some(v), S::JSONSchemaProps, &mut Vec::new())
                }
                Value::Array(items) => {
                    let strings: Vec<Value> = items
                        .iter()
                        .map(|item| self.decode_top(item, &T::String))
                        .collect();
                    Some(if strings.is_empty() {
                        Value::Null
                    } else {
                        Value::Array(strings)
                    })
                }
                _ => Some(Value::Null),
            },
        }
    }

    /// Decodes a value that a custom `UnmarshalJSON` decodes on its own (no field context).
    fn decode_top(&mut self, v: &Value, ty: &GoType) -> Value {
        let ok = matches!(
            (ty, v),
            (T::String, Value::String(_)) | (T::Struct(_), Value::Object(_)) | (_, Value::Null)
        );
        if !ok {
            self.mismatch(v, ty, None);
            return zero(ty);
        }
        self.decode(v, ty, "", &mut Vec::new())
            .unwrap_or_else(|| zero(ty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn zero_values_omitempty_and_order() {
        let crd = json!({
            "spec": {"versions": [], "names": {"kind": "X", "extra": 1}, "group": "g"},
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "n", "labels": {"a": "b"}},
        });
        let out = round_trip(&crd, S::CustomResourceDefinition).unwrap();
        assert_eq!(
            kcp_api::gojson::to_string(&out),
            r#"{"kind":"CustomResourceDefinition","apiVersion":"apiextensions.k8s.io/v1","metadata":{"name":"n"},"spec":{"group":"g","names":{"plural":"","kind":"X"},"scope":"","versions":[]}}"#
        );
    }

    #[test]
    fn schema_round_trip() {
        let schema = json!({
            "type": "object", "nullable": false, "x-kubernetes-preserve-unknown-fields": false,
            "properties": {"b": {"type": "integer", "maximum": 5.0, "default": {"z": 1, "a": 2.0}},
                           "a": {"type": "string", "enum": ["x", null], "$ref": ""}},
            "additionalProperties": false, "items": [], "unknown": 1,
            "description": "", "required": [],
        });
        let out = round_trip(&schema, S::JSONSchemaProps).unwrap();
        assert_eq!(
            kcp_api::gojson::to_string(&out),
            r#"{"type":"object","items":null,"properties":{"a":{"$ref":"","type":"string","enum":["x",null]},"b":{"type":"integer","default":{"a":2,"z":1},"maximum":5}},"additionalProperties":false,"x-kubernetes-preserve-unknown-fields":false}"#
        );
    }

    #[test]
    fn type_errors_read_like_go_s() {
        let crd = json!({"spec": {"group": 5, "versions": [{"name": "v1", "served": "yes"}]}});
        assert_eq!(
            round_trip(&crd, S::CustomResourceDefinition).unwrap_err().0,
            "json: cannot unmarshal number into Go struct field CustomResourceDefinitionSpec.spec.group of type string"
        );
        let crd = json!({"spec": {"versions": [{"name": "v1", "served": "yes"}]}});
        assert_eq!(
            round_trip(&crd, S::CustomResourceDefinition).unwrap_err().0,
            "json: cannot unmarshal string into Go struct field CustomResourceDefinitionVersion.spec.versions.served of type bool"
        );
        let schema = json!({"properties": {"a": {"maxLength": 1.5}}});
        assert_eq!(
            round_trip(&schema, S::JSONSchemaProps).unwrap_err().0,
            "json: cannot unmarshal number 1.5 into Go struct field JSONSchemaProps.properties.a.maxLength of type int64"
        );
    }
}
