//! The protobuf schema of the built-in types: per message, each field's number, JSON name, type
//! and Go JSON behaviour, loaded once from `data/kubernetes-protobuf-1.36.json`.
//!
//! The table is generated from Kubernetes' `generated.proto` files and Go struct tags by
//! `data/gen-kubernetes-protobuf.py` (its docstring describes the format). Message names are the
//! proto full names without `k8s.io.api.` / `k8s.io.apimachinery.pkg.`: `core.v1.ConfigMap`,
//! `apis.meta.v1.ObjectMeta`, `util.intstr.IntOrString`.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

/// The generated table, compiled into the binary.
static TABLE_JSON: &[u8] = include_bytes!("../../data/kubernetes-protobuf-1.36.json");

/// A protobuf scalar type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    Uint32,
    Uint64,
    Double,
    Float,
}

impl Scalar {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Scalar::String,
            "bytes" => Scalar::Bytes,
            "bool" => Scalar::Bool,
            "int32" => Scalar::Int32,
            "int64" => Scalar::Int64,
            "uint32" => Scalar::Uint32,
            "uint64" => Scalar::Uint64,
            "double" => Scalar::Double,
            "float" => Scalar::Float,
            _ => return None,
        })
    }
}

/// A field's type: a scalar, or a message by its (short) name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    Scalar(Scalar),
    Message(String),
}

/// Singular, `repeated`, or `map<string, T>` (the type is then the value type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cardinality {
    Single,
    Repeated,
    Map,
}

/// One field of a message.
#[derive(Clone, Debug)]
pub struct Field {
    pub number: u32,
    /// The JSON name (the Go json tag); empty for an inline field.
    pub json: String,
    pub ty: FieldType,
    pub cardinality: Cardinality,
    /// The Go field is a pointer: present on the wire means set, even to a zero value.
    pub pointer: bool,
    /// `omitempty`: Go's JSON encoder drops a zero scalar, nil pointer and empty slice or map.
    pub omitempty: bool,
    /// `omitzero`: Go's JSON encoder drops a zero value, structs included.
    pub omitzero: bool,
    /// `json:",inline"`: the message's JSON fields are merged into the parent object.
    pub inline: bool,
}

/// The message types whose Go type has its own JSON form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WellKnown {
    /// `metav1.Time`: RFC 3339 in UTC, whole seconds; zero is `null`.
    Time,
    /// `metav1.MicroTime`: RFC 3339 in UTC with six fractional digits; zero is `null`.
    MicroTime,
    /// `metav1.Duration`: Go's `time.Duration` string, `1h2m3s`.
    Duration,
    /// `metav1.FieldsV1`: the raw JSON of the field set.
    FieldsV1,
    /// `resource.Quantity` (and `QuantityValue`): the quantity string.
    Quantity,
    /// `intstr.IntOrString`: a JSON number or string.
    IntOrString,
    /// `runtime.RawExtension`: the raw JSON object.
    RawExtension,
    /// A Go slice type with a wrapper message (`ExtraValue`, `Verbs`): the array of field 1.
    List,
}

impl WellKnown {
    fn by_name(name: &str) -> Option<Self> {
        Some(match name {
            "apis.meta.v1.Time" => WellKnown::Time,
            "apis.meta.v1.MicroTime" => WellKnown::MicroTime,
            "apis.meta.v1.Duration" => WellKnown::Duration,
            "apis.meta.v1.FieldsV1" => WellKnown::FieldsV1,
            "api.resource.Quantity" | "api.resource.QuantityValue" => WellKnown::Quantity,
            "util.intstr.IntOrString" => WellKnown::IntOrString,
            "runtime.RawExtension" => WellKnown::RawExtension,
            _ => return None,
        })
    }
}

/// A message: its fields in Go struct order (the order Go's JSON encoder prints them).
#[derive(Clone, Debug)]
pub struct Message {
    pub name: String,
    pub fields: Vec<Field>,
    pub well_known: Option<WellKnown>,
}

impl Message {
    /// The index in `fields` of field `number`.
    pub fn field_index(&self, number: u32) -> Option<usize> {
        self.fields.iter().position(|f| f.number == number)
    }
}

/// The meta/v1 kinds every group version can decode: `metav1.AddToGroupVersion` registers the
/// options and `WatchEvent` in each, and the unversioned kinds are known in all.
const META_KINDS: &[&str] = &[
    "WatchEvent",
    "ListOptions",
    "GetOptions",
    "DeleteOptions",
    "CreateOptions",
    "UpdateOptions",
    "PatchOptions",
    "Status",
    "APIVersions",
    "APIGroupList",
    "APIGroup",
    "APIResourceList",
];

/// The whole table.
#[derive(Debug)]
pub struct Schema {
    /// `apps/v1` → `apps.v1`.
    group_versions: HashMap<String, String>,
    /// The messages registered as kinds (from each package's register.go).
    kinds: HashSet<String>,
    messages: HashMap<String, Message>,
}

#[derive(Deserialize)]
struct Table {
    #[serde(rename = "groupVersions")]
    group_versions: HashMap<String, String>,
    lists: Vec<String>,
    kinds: HashSet<String>,
    messages: HashMap<String, Vec<(u32, String, String, String)>>,
}

impl Schema {
    /// The embedded table, parsed on first use.
    pub fn builtin() -> Result<&'static Schema, String> {
        static SCHEMA: OnceLock<Result<Schema, String>> = OnceLock::new();
        SCHEMA
            .get_or_init(|| Schema::parse(TABLE_JSON))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn parse(bytes: &[u8]) -> Result<Schema, String> {
        let table: Table = serde_json::from_slice(bytes)
            .map_err(|e| format!("kubernetes-protobuf-1.36.json: {e}"))?;
        let mut messages = HashMap::with_capacity(table.messages.len());
        for (name, raw_fields) in table.messages {
            let mut fields = Vec::with_capacity(raw_fields.len());
            for (number, json, ty, flags) in raw_fields {
                // Anything but a scalar names a message, checked once all are read.
                let ty = match Scalar::parse(&ty) {
                    Some(s) => FieldType::Scalar(s),
                    None => FieldType::Message(ty),
                };
                let cardinality = if flags.contains('r') {
                    Cardinality::Repeated
                } else if flags.contains('m') {
                    Cardinality::Map
                } else {
                    Cardinality::Single
                };
                fields.push(Field {
                    number,
                    json,
                    ty,
                    cardinality,
                    pointer: flags.contains('p'),
                    omitempty: flags.contains('o'),
                    omitzero: flags.contains('z'),
                    inline: flags.contains('i'),
                });
            }
            let well_known = if table.lists.contains(&name) {
                Some(WellKnown::List)
            } else {
                WellKnown::by_name(&name)
            };
            messages.insert(
                name.clone(),
                Message {
                    name,
                    fields,
                    well_known,
                },
            );
        }
        // Every field's message type must be in the table.
        for m in messages.values() {
            for f in &m.fields {
                if let FieldType::Message(t) = &f.ty
                    && !messages.contains_key(t)
                {
                    return Err(format!("{}.{}: unknown message {t}", m.name, f.json));
                }
            }
        }
        if let Some(k) = table.kinds.iter().find(|k| !messages.contains_key(*k)) {
            return Err(format!("kind {k} has no message"));
        }
        Ok(Schema {
            group_versions: table.group_versions,
            kinds: table.kinds,
            messages,
        })
    }

    pub fn message(&self, name: &str) -> Option<&Message> {
        self.messages.get(name)
    }

    /// The message of a top-level kind: `("v1", "ConfigMap")` → `core.v1.ConfigMap`.
    ///
    /// A kind is a type the group version's register.go adds to the scheme, or one of the
    /// meta/v1 kinds every group version knows (`DeleteOptions`, `Status`, …).
    pub fn kind(&self, api_version: &str, kind: &str) -> Option<&Message> {
        let package = self.group_versions.get(api_version)?;
        let name = format!("{package}.{kind}");
        if self.kinds.contains(&name) {
            return self.messages.get(&name);
        }
        if META_KINDS.contains(&kind) {
            return self.messages.get(&format!("apis.meta.v1.{kind}"));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_embedded_table() {
        let schema = Schema::builtin().expect("the embedded table parses");
        let cm = schema.kind("v1", "ConfigMap").expect("ConfigMap");
        assert_eq!(cm.name, "core.v1.ConfigMap");
        let data = &cm.fields[cm.field_index(2).expect("field 2")];
        assert_eq!(data.json, "data");
        assert_eq!(data.cardinality, Cardinality::Map);
        assert_eq!(data.ty, FieldType::Scalar(Scalar::String));
        assert!(data.omitempty);
    }

    #[test]
    fn covers_the_groups_kubectl_uses() {
        let schema = Schema::builtin().expect("table");
        for (gv, kind) in [
            ("v1", "Namespace"),
            ("v1", "Secret"),
            ("v1", "ServiceAccount"),
            ("v1", "Pod"),
            ("v1", "DeleteOptions"),
            ("apps/v1", "Deployment"),
            ("batch/v1", "CronJob"),
            ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
            ("authentication.k8s.io/v1", "TokenRequest"),
            ("authentication.k8s.io/v1", "SelfSubjectReview"),
            ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
            ("coordination.k8s.io/v1", "Lease"),
            ("events.k8s.io/v1", "Event"),
            ("autoscaling/v1", "Scale"),
            ("policy/v1", "Eviction"),
            ("meta.k8s.io/v1", "Status"),
        ] {
            assert!(schema.kind(gv, kind).is_some(), "{gv} {kind}");
        }
        // Not a kind: not registered.
        assert!(schema.kind("v1", "PodSpec").is_none());
        assert!(schema.kind("v2", "Pod").is_none());
    }

    #[test]
    fn inline_and_well_known_fields() {
        let schema = Schema::builtin().expect("table");
        let volume = schema.message("core.v1.Volume").expect("Volume");
        let source = &volume.fields[volume.field_index(2).expect("field 2")];
        assert!(source.inline);
        assert_eq!(source.json, "");
        let meta = schema
            .message("apis.meta.v1.ObjectMeta")
            .expect("ObjectMeta");
        let created = &meta.fields[meta.field_index(8).expect("field 8")];
        assert!(created.omitzero);
        let extra = schema
            .message("authentication.v1.ExtraValue")
            .expect("ExtraValue");
        assert_eq!(extra.well_known, Some(WellKnown::List));
    }
}
