//! The embedded Kubernetes 1.36 definitions and a typed, read-only view over their schema nodes.
//!
//! The definitions (`data/kubernetes-openapi-1.36/definitions.json`, JSON Schema 2020-12 with the
//! Kubernetes `x-kubernetes-*` extensions) are compiled into the binary and parsed once, on first
//! use. [`Definitions::builtin`] gives the index: a definition by its name
//! (`io.k8s.api.core.v1.ConfigMap`), by the group/version/kind it serves, and `$ref` resolution.
//! [`SchemaNode`] is the view other modules walk (strategic merge patch, server-side apply,
//! explain, validation): type, properties, items, additionalProperties, format, required and the
//! extensions, with `$ref`s resolved on request.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The definitions file, as shipped beside the crate (see its `NOTICE.md`).
static DEFINITIONS_JSON: &[u8] =
    include_bytes!("../../data/kubernetes-openapi-1.36/definitions.json");

/// What kube-apiserver's own OpenAPI says and the definitions file lacks (enum values, the
/// descriptions listing them, two type descriptions): a JSON merge patch over `$defs`, made by
/// `scripts/extract-openapi-overlay.py` (see `NOTICE.md`).
static OVERLAY_JSON: &[u8] = include_bytes!("../../data/kubernetes-openapi-1.36/overlay.json");

/// The prefix of every `$ref` in the definitions file.
pub const REF_PREFIX: &str = "#/$defs/";

/// A group, version and kind, as `schema.GroupVersionKind`. The core group is the empty string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupVersionKind {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl GroupVersionKind {
    pub fn new(group: &str, version: &str, kind: &str) -> Self {
        Self {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        }
    }

    /// `v1` for the core group, `apps/v1` otherwise (the `apiVersion` field).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The extension object `{"group": …, "kind": …, "version": …}` (keys in Kubernetes' order).
    pub fn to_extension(&self) -> Value {
        let mut m = Map::new();
        m.insert("group".into(), Value::String(self.group.clone()));
        m.insert("kind".into(), Value::String(self.kind.clone()));
        m.insert("version".into(), Value::String(self.version.clone()));
        Value::Object(m)
    }
}

impl fmt::Display for GroupVersionKind {
    /// As Go's `GroupVersionKind.String()`: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}, Kind={}", self.group, self.version, self.kind)
    }
}

/// The parsed definitions with their lookup tables.
pub struct Definitions {
    defs: Map<String, Value>,
    by_gvk: HashMap<GroupVersionKind, String>,
}

static BUILTIN: OnceLock<Definitions> = OnceLock::new();

impl Definitions {
    /// The Kubernetes 1.36 built-in definitions, parsed on first use.
    pub fn builtin() -> &'static Definitions {
        BUILTIN.get_or_init(|| {
            // The file is part of the binary and checked by the tests: failing here is a build bug.
            #[allow(clippy::expect_used)]
            let mut root: Value =
                serde_json::from_slice(DEFINITIONS_JSON).expect("embedded definitions.json parses");
            #[allow(clippy::expect_used)]
            let overlay: Value =
                serde_json::from_slice(OVERLAY_JSON).expect("embedded overlay.json parses");
            if let Some(Value::Object(defs)) = root.get_mut("$defs") {
                // The file gives each kind's `apiVersion` and `kind` an enum of the served
                // value; Kubernetes' own documents have none.
                for def in defs.values_mut() {
                    for field in ["apiVersion", "kind"] {
                        if let Some(Value::Object(p)) =
                            def.pointer_mut(&format!("/properties/{field}"))
                        {
                            p.remove("enum");
                        }
                    }
                }
            }
            if let Some(defs) = root.get_mut("$defs") {
                json_patch::merge(defs, &overlay);
            }
            Definitions::from_root(root)
        })
    }

    /// Builds the index over a document whose `$defs` holds the definitions.
    fn from_root(root: Value) -> Definitions {
        let defs = match root {
            Value::Object(mut m) => match m.remove("$defs") {
                Some(Value::Object(defs)) => defs,
                _ => Map::new(),
            },
            _ => Map::new(),
        };
        let mut by_gvk = HashMap::new();
        for (name, def) in &defs {
            for gvk in gvks_of(def) {
                // Some types are served under several kinds (DeleteOptions, WatchEvent): the first
                // definition that claims a GVK keeps it.
                by_gvk.entry(gvk).or_insert_with(|| name.clone());
            }
        }
        Definitions { defs, by_gvk }
    }

    /// The raw `$defs` map (for walkers that keep their own view, like strategic merge patch).
    pub fn defs(&self) -> &Map<String, Value> {
        &self.defs
    }

    /// A definition by name, e.g. `io.k8s.api.core.v1.ConfigMap`.
    pub fn get(&self, name: &str) -> Option<SchemaNode<'_>> {
        self.defs
            .get_key_value(name)
            .map(|(k, v)| SchemaNode::named(k, v))
    }

    /// The top-level definition that serves `gvk` (from `x-kubernetes-group-version-kind`).
    pub fn for_gvk(&self, gvk: &GroupVersionKind) -> Option<SchemaNode<'_>> {
        self.by_gvk.get(gvk).and_then(|name| self.get(name))
    }

    /// The definition name that serves `gvk`.
    pub fn name_for_gvk(&self, gvk: &GroupVersionKind) -> Option<&str> {
        self.by_gvk.get(gvk).map(String::as_str)
    }

    /// Resolves `#/$defs/<name>` (or a bare name) to its definition.
    pub fn resolve_ref(&self, reference: &str) -> Option<SchemaNode<'_>> {
        self.get(ref_name(reference))
    }

    /// Every definition, in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, SchemaNode<'_>)> {
        self.defs
            .iter()
            .map(|(k, v)| (k.as_str(), SchemaNode::named(k, v)))
    }

    /// How many definitions there are.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// Whether there are none (never, for the built-in set).
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// The raw JSON of a definition.
    pub(crate) fn raw(&self, name: &str) -> Option<&Value> {
        self.defs.get(name)
    }
}

/// `#/$defs/io.k8s.X` or `#/definitions/io.k8s.X` or `#/components/schemas/io.k8s.X` → `io.k8s.X`.
pub fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// The GVKs listed in a node's `x-kubernetes-group-version-kind`.
fn gvks_of(node: &Value) -> Vec<GroupVersionKind> {
    let Some(list) = node
        .get("x-kubernetes-group-version-kind")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|e| {
            Some(GroupVersionKind::new(
                e.get("group")?.as_str()?,
                e.get("version")?.as_str()?,
                e.get("kind")?.as_str()?,
            ))
        })
        .collect()
}

/// A read-only view of one schema node. Cheap to copy.
///
/// A node reached through `$ref` remembers the definition name it came from ([`Self::name`]), which
/// is how callers recognise the special types (`Time`, `Quantity`, `IntOrString`, …).
#[derive(Clone, Copy)]
pub struct SchemaNode<'a> {
    name: Option<&'a str>,
    raw: &'a Value,
}

impl fmt::Debug for SchemaNode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchemaNode")
            .field("name", &self.name)
            .field("type", &self.type_name())
            .finish_non_exhaustive()
    }
}

impl<'a> SchemaNode<'a> {
    /// A view over any schema JSON (an inline node, or a CRD's schema).
    pub fn new(raw: &'a Value) -> Self {
        Self { name: None, raw }
    }

    fn named(name: &'a str, raw: &'a Value) -> Self {
        Self {
            name: Some(name),
            raw,
        }
    }

    /// The definition name this node is (after `$ref` resolution), if any.
    pub fn name(&self) -> Option<&'a str> {
        self.name
    }

    /// The node's JSON.
    pub fn raw(&self) -> &'a Value {
        self.raw
    }

    fn str_field(&self, key: &str) -> Option<&'a str> {
        self.raw.get(key).and_then(Value::as_str)
    }

    /// The `$ref` target name (`io.k8s.api.core.v1.PodSpec`), if this node is a reference.
    pub fn reference(&self) -> Option<&'a str> {
        self.str_field("$ref").map(ref_name)
    }

    /// Follows `$ref` (through the built-in definitions) until a non-reference node. A dangling
    /// reference resolves to the node itself.
    pub fn resolve(self) -> SchemaNode<'a> {
        let mut node = self;
        // Definitions never chain more than a couple of refs; the bound guards against cycles.
        for _ in 0..8 {
            let Some(target) = node.reference() else {
                return node;
            };
            match Definitions::builtin().get(target) {
                Some(next) => node = next,
                None => return node,
            }
        }
        node
    }

    /// The JSON type without `null`: `object`, `array`, `string`, `integer`, `number`, `boolean`.
    /// The definitions write nullable types as `["string", "null"]`.
    pub fn type_name(&self) -> Option<&'a str> {
        match self.raw.get("type")? {
            Value::String(s) => Some(s.as_str()),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null"),
            _ => None,
        }
    }

    /// Whether `type` admits `null`.
    pub fn is_nullable(&self) -> bool {
        match self.raw.get("type") {
            Some(Value::Array(items)) => items.iter().any(|t| t.as_str() == Some("null")),
            _ => false,
        }
    }

    /// `format`: `int32`, `int64`, `byte`, `double`, `date-time`, …
    pub fn format(&self) -> Option<&'a str> {
        self.str_field("format")
    }

    pub fn description(&self) -> Option<&'a str> {
        self.str_field("description")
    }

    /// The node's own properties, in schema order.
    pub fn properties(&self) -> impl Iterator<Item = (&'a str, SchemaNode<'a>)> + 'a {
        self.raw
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), SchemaNode::new(v))))
    }

    /// Whether the node declares `properties` (even empty).
    pub fn has_properties(&self) -> bool {
        self.raw.get("properties").is_some()
    }

    /// One property by exact (case-sensitive) name.
    pub fn property(&self, name: &str) -> Option<SchemaNode<'a>> {
        self.raw
            .get("properties")
            .and_then(|p| p.get(name))
            .map(SchemaNode::new)
    }

    /// `items` of an array.
    pub fn items(&self) -> Option<SchemaNode<'a>> {
        self.raw
            .get("items")
            .filter(|v| v.is_object())
            .map(SchemaNode::new)
    }

    /// `additionalProperties` when it is a schema (a map's value type).
    pub fn additional_properties(&self) -> Option<SchemaNode<'a>> {
        self.raw
            .get("additionalProperties")
            .filter(|v| v.is_object())
            .map(SchemaNode::new)
    }

    /// `required` property names.
    pub fn required(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.raw
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flat_map(|a| a.iter().filter_map(Value::as_str))
    }

    pub fn is_required(&self, property: &str) -> bool {
        self.required().any(|r| r == property)
    }

    /// `enum` values, if any.
    pub fn enum_values(&self) -> Option<&'a Vec<Value>> {
        self.raw.get("enum").and_then(Value::as_array)
    }

    /// The types of a `oneOf` of plain types (`IntOrString`, `Quantity`).
    pub fn one_of_types(&self) -> Vec<&'a str> {
        self.raw
            .get("oneOf")
            .and_then(Value::as_array)
            .map(|alts| {
                alts.iter()
                    .filter_map(|a| SchemaNode::new(a).type_name())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `x-kubernetes-patch-strategy`: `merge`, `replace`, `retainKeys`, `merge,retainKeys`.
    pub fn patch_strategy(&self) -> Option<&'a str> {
        self.str_field("x-kubernetes-patch-strategy")
    }

    /// `x-kubernetes-patch-merge-key`, e.g. `name` for containers.
    pub fn patch_merge_key(&self) -> Option<&'a str> {
        self.str_field("x-kubernetes-patch-merge-key")
    }

    /// `x-kubernetes-list-type`: `atomic`, `set` or `map`.
    pub fn list_type(&self) -> Option<&'a str> {
        self.str_field("x-kubernetes-list-type")
    }

    /// `x-kubernetes-list-map-keys`.
    pub fn list_map_keys(&self) -> Vec<&'a str> {
        self.raw
            .get("x-kubernetes-list-map-keys")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// `x-kubernetes-map-type`: `atomic` or `granular`.
    pub fn map_type(&self) -> Option<&'a str> {
        self.str_field("x-kubernetes-map-type")
    }

    /// `x-kubernetes-group-version-kind` of a top-level definition.
    pub fn group_version_kinds(&self) -> Vec<GroupVersionKind> {
        gvks_of(self.raw)
    }

    /// `x-kubernetes-preserve-unknown-fields: true` (CRD schemas).
    pub fn preserves_unknown_fields(&self) -> bool {
        self.raw
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// `x-kubernetes-int-or-string: true` (CRD schemas), or the built-in `IntOrString` type.
    pub fn is_int_or_string(&self) -> bool {
        self.name == Some(INT_OR_STRING)
            || self.format() == Some("int-or-string")
            || self
                .raw
                .get("x-kubernetes-int-or-string")
                .and_then(Value::as_bool)
                .unwrap_or(false)
    }
}

/// Names of the built-in definitions with custom JSON handling in Go.
pub const INT_OR_STRING: &str = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
pub const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";
pub const TIME: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
pub const MICRO_TIME: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
pub const RAW_EXTENSION: &str = "io.k8s.apimachinery.pkg.runtime.RawExtension";
pub const FIELDS_V1: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1";
pub const APIEXT_JSON: &str = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON";
pub const JSON_SCHEMA_PROPS: &str =
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps";
pub const JSON_SCHEMA_PROPS_OR_BOOL: &str =
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool";
pub const JSON_SCHEMA_PROPS_OR_ARRAY: &str =
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray";
pub const JSON_SCHEMA_PROPS_OR_STRING_ARRAY: &str =
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_all_definitions() {
        let defs = Definitions::builtin();
        assert_eq!(defs.len(), 771);
        assert!(defs.get("io.k8s.api.core.v1.ConfigMap").is_some());
    }

    #[test]
    fn finds_by_gvk() {
        let defs = Definitions::builtin();
        let cm = defs
            .for_gvk(&GroupVersionKind::new("", "v1", "ConfigMap"))
            .unwrap();
        assert_eq!(cm.name(), Some("io.k8s.api.core.v1.ConfigMap"));
        let dep = defs
            .for_gvk(&GroupVersionKind::new("apps", "v1", "Deployment"))
            .unwrap();
        assert_eq!(dep.name(), Some("io.k8s.api.apps.v1.Deployment"));
        assert!(
            defs.for_gvk(&GroupVersionKind::new("apps", "v1", "Nope"))
                .is_none()
        );
    }

    #[test]
    fn typed_view_walks_a_pod() {
        let defs = Definitions::builtin();
        let pod = defs.get("io.k8s.api.core.v1.Pod").unwrap();
        assert_eq!(pod.type_name(), Some("object"));
        assert!(pod.is_nullable());
        let spec = pod.property("spec").unwrap();
        assert_eq!(spec.reference(), Some("io.k8s.api.core.v1.PodSpec"));
        let spec = spec.resolve();
        assert_eq!(spec.name(), Some("io.k8s.api.core.v1.PodSpec"));
        assert!(spec.is_required("containers"));
        let containers = spec.property("containers").unwrap();
        assert_eq!(containers.type_name(), Some("array"));
        assert_eq!(containers.patch_merge_key(), Some("name"));
        assert_eq!(containers.patch_strategy(), Some("merge"));
        assert_eq!(containers.list_type(), Some("map"));
        assert_eq!(containers.list_map_keys(), vec!["name"]);
        let container = containers.items().unwrap().resolve();
        assert_eq!(container.name(), Some("io.k8s.api.core.v1.Container"));
        let ports = container.property("ports").unwrap();
        assert_eq!(ports.list_type(), Some("map"));
        assert_eq!(ports.list_map_keys(), vec!["containerPort", "protocol"]);
        let cm = defs.get("io.k8s.api.core.v1.ConfigMap").unwrap();
        let data = cm.property("data").unwrap();
        assert_eq!(
            data.additional_properties().unwrap().type_name(),
            Some("string")
        );
        let binary = cm.property("binaryData").unwrap();
        assert_eq!(
            binary.additional_properties().unwrap().format(),
            Some("byte")
        );
        let ios = defs.get(INT_OR_STRING).unwrap();
        assert!(ios.is_int_or_string());
        assert_eq!(ios.one_of_types(), vec!["string", "integer"]);
    }

    #[test]
    fn gvk_strings() {
        let gvk = GroupVersionKind::new("apps", "v1", "Deployment");
        assert_eq!(gvk.api_version(), "apps/v1");
        assert_eq!(gvk.to_string(), "apps/v1, Kind=Deployment");
        assert_eq!(GroupVersionKind::new("", "v1", "Pod").api_version(), "v1");
    }
}
