//! A CRD version's `openAPIV3Schema`, parsed once into a tree the request path can walk
//! quickly: the structural part (types, properties, items, extensions) and the value
//! validations (bounds, patterns, enums, junctors) side by side, as kube-openapi's
//! `spec.Schema` holds them after apiextensions converted the CRD's `JSONSchemaProps`.

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;

/// `additionalProperties`: either a boolean or a schema.
#[derive(Debug)]
pub enum Additional {
    Allows(bool),
    Schema(Box<Schema>),
}

/// One schema node.
#[derive(Debug, Default)]
pub struct Schema {
    /// `type`; empty when unset.
    pub ty: String,
    /// `format` after kube stripped the formats it does not support for this type.
    pub format: String,
    pub nullable: bool,
    pub default: Option<Value>,
    /// Declared property order (error order follows it, so results are deterministic).
    pub properties: Vec<(String, Schema)>,
    index: HashMap<String, usize>,
    pub additional: Option<Additional>,
    pub items: Option<Box<Schema>>,
    pub required: Vec<String>,
    pub enum_values: Option<Vec<Value>>,
    pub maximum: Option<f64>,
    pub exclusive_maximum: bool,
    pub minimum: Option<f64>,
    pub exclusive_minimum: bool,
    pub multiple_of: Option<f64>,
    pub max_length: Option<i64>,
    pub min_length: Option<i64>,
    /// The pattern text and, when it compiles, the compiled expression.
    pub pattern: Option<(String, Option<Regex>)>,
    pub max_items: Option<i64>,
    pub min_items: Option<i64>,
    pub unique_items: bool,
    pub max_properties: Option<i64>,
    pub min_properties: Option<i64>,
    pub all_of: Vec<Schema>,
    pub any_of: Vec<Schema>,
    pub one_of: Vec<Schema>,
    pub not: Option<Box<Schema>>,
    pub preserve_unknown: bool,
    pub embedded: bool,
    pub int_or_string: bool,
    pub list_type: Option<String>,
    pub list_map_keys: Vec<String>,
    /// `x-kubernetes-map-type: atomic`.
    pub map_atomic: bool,
    /// `x-kubernetes-validations` as written.
    pub validations: Vec<Value>,
    /// Whether this node or one below it (through properties, additionalProperties or items)
    /// is an embedded resource, or a `set` or `map` list: the walks that only act there skip
    /// the rest of the object.
    pub embedded_below: bool,
    pub list_types_below: bool,
}

/// Formats kube-apiserver validates on strings (`-` removed, as go-openapi normalises names).
const STRING_FORMATS: &[&str] = &[
    "bsonobjectid",
    "uri",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
    "isbn",
    "isbn10",
    "isbn13",
    "creditcard",
    "ssn",
    "hexcolor",
    "rgbcolor",
    "byte",
    "password",
    "date",
    "duration",
    "datetime",
    "k8s-short-name",
    "k8s-long-name",
];

fn int(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

fn flag(v: &serde_json::Map<String, Value>, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Translates a Go RE2 pattern for the `regex` crate: both are RE2-family, so this is
/// mostly the identity; `\z` is spelled the same and `\Z` does not exist in either.
pub(crate) fn compile_pattern(p: &str) -> Result<Regex, regex::Error> {
    Regex::new(p)
}

impl Schema {
    /// Parses a schema node; anything malformed is simply absent (the CRD was validated).
    pub(crate) fn parse(v: &Value) -> Schema {
        let Some(m) = v.as_object() else {
            return Schema::default();
        };
        let ty = m
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let raw_format = m.get("format").and_then(Value::as_str).unwrap_or("");
        let int_or_string = flag(m, "x-kubernetes-int-or-string");
        let format = strip_format(&ty, raw_format, int_or_string);
        let mut properties = Vec::new();
        let mut index = HashMap::new();
        if let Some(props) = m.get("properties").and_then(Value::as_object) {
            for (k, p) in props {
                index.insert(k.clone(), properties.len());
                properties.push((k.clone(), Schema::parse(p)));
            }
        }
        let additional = match m.get("additionalProperties") {
            Some(Value::Bool(b)) => Some(Additional::Allows(*b)),
            Some(s @ Value::Object(_)) => Some(Additional::Schema(Box::new(Schema::parse(s)))),
            _ => None,
        };
        let list = |k: &str| -> Vec<Schema> {
            m.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().map(Schema::parse).collect())
                .unwrap_or_default()
        };
        let pattern = m
            .get("pattern")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .map(|p| (p.to_string(), compile_pattern(p).ok()));
        let mut schema = Schema {
            ty,
            format,
            nullable: flag(m, "nullable"),
            default: m.get("default").cloned(),
            properties,
            index,
            additional,
            items: m
                .get("items")
                .filter(|i| i.is_object())
                .map(|i| Box::new(Schema::parse(i))),
            required: strings(m.get("required")),
            enum_values: m.get("enum").and_then(Value::as_array).cloned(),
            maximum: m.get("maximum").and_then(Value::as_f64),
            exclusive_maximum: flag(m, "exclusiveMaximum"),
            minimum: m.get("minimum").and_then(Value::as_f64),
            exclusive_minimum: flag(m, "exclusiveMinimum"),
            multiple_of: m.get("multipleOf").and_then(Value::as_f64),
            max_length: int(m.get("maxLength")),
            min_length: int(m.get("minLength")),
            pattern,
            max_items: int(m.get("maxItems")),
            min_items: int(m.get("minItems")),
            unique_items: flag(m, "uniqueItems"),
            max_properties: int(m.get("maxProperties")),
            min_properties: int(m.get("minProperties")),
            all_of: list("allOf"),
            any_of: list("anyOf"),
            one_of: list("oneOf"),
            not: m
                .get("not")
                .filter(|n| n.is_object())
                .map(|n| Box::new(Schema::parse(n))),
            preserve_unknown: flag(m, "x-kubernetes-preserve-unknown-fields"),
            embedded: flag(m, "x-kubernetes-embedded-resource"),
            int_or_string,
            list_type: m
                .get("x-kubernetes-list-type")
                .and_then(Value::as_str)
                .map(str::to_string),
            list_map_keys: strings(m.get("x-kubernetes-list-map-keys")),
            map_atomic: m.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic"),
            validations: m
                .get("x-kubernetes-validations")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            embedded_below: false,
            list_types_below: false,
        };
        schema.embedded_below = schema.embedded || schema.any_child(|c| c.embedded_below);
        schema.list_types_below = matches!(schema.list_type.as_deref(), Some("set" | "map"))
            || schema.any_child(|c| c.list_types_below);
        schema
    }

    pub(crate) fn property(&self, name: &str) -> Option<&Schema> {
        self.index.get(name).map(|&i| &self.properties[i].1)
    }

    /// Whether `f` holds for a property, the `additionalProperties` schema or the items.
    fn any_child(&self, f: impl Fn(&Schema) -> bool) -> bool {
        self.properties.iter().any(|(_, p)| f(p))
            || self.additional_schema().is_some_and(&f)
            || self.items.as_deref().is_some_and(&f)
    }

    /// The place of a property in declared order.
    pub(crate) fn property_index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The schema of an `additionalProperties` value, when it has one.
    pub(crate) fn additional_schema(&self) -> Option<&Schema> {
        match &self.additional {
            Some(Additional::Schema(s)) => Some(s),
            _ => None,
        }
    }

    /// The schema that applies to the value under `key` of an object: a property, else
    /// `additionalProperties`.
    pub(crate) fn field(&self, key: &str) -> Option<&Schema> {
        self.property(key).or_else(|| self.additional_schema())
    }

    /// Whether [`Schema::types`] is not empty.
    pub(crate) fn has_type(&self) -> bool {
        self.int_or_string || !self.ty.is_empty()
    }

    /// The types a value may have, as kube-openapi's `StringOrArray` (int-or-string is two).
    pub(crate) fn types(&self) -> Vec<&str> {
        if self.int_or_string {
            vec!["integer", "string"]
        } else if self.ty.is_empty() {
            vec![]
        } else {
            vec![self.ty.as_str()]
        }
    }
}

/// kube keeps only the formats it validates (`StripUnsupportedFormatsPostProcessor`).
fn strip_format(ty: &str, format: &str, int_or_string: bool) -> String {
    if format.is_empty() || int_or_string {
        return String::new();
    }
    let keep = match ty {
        "" | "string" => {
            STRING_FORMATS.contains(&format.replace('-', "").as_str())
                || STRING_FORMATS.contains(&format)
        }
        "integer" => format == "int32" || format == "int64",
        "number" => format == "float" || format == "double",
        _ => false,
    };
    if keep {
        format.to_string()
    } else {
        String::new()
    }
}
