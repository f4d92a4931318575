//! What server-side apply needs to know about a type: per node, whether it is a scalar, a list
//! (atomic, set, or map keyed by some fields) or a map (granular or atomic), and its children.
//!
//! [`MergeSchema`] is the small trait the engine walks; [`BuiltinSchema`] implements it over the
//! Kubernetes 1.36 definitions (with kube's legacy reading of patch strategies), [`CrdSchema`]
//! over a CRD's `openAPIV3Schema`, and [`Deduced`] for types without a schema. A node without a
//! schema is "deduced" as structured-merge-diff deduces it: objects are granular maps, lists are
//! atomic, anything else a scalar.

use serde_json::Value;

use crate::crd::schema::Schema as CompiledSchema;
use crate::schema::{Definitions, GroupVersionKind, SchemaNode};

/// How a list's items are identified and merged (`x-kubernetes-list-type`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListType {
    /// The list is replaced as a whole and owned as one field.
    Atomic,
    /// Items are scalars, identified by value (`v:`).
    Set,
    /// Items are objects identified by these key fields (`k:`).
    Map(Vec<String>),
}

/// The shape of one schema node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A leaf: any value, replaced as a whole (also int-or-string, quantities, raw extensions).
    Scalar,
    List(ListType),
    /// An object; `atomic` when `x-kubernetes-map-type: atomic`.
    Map {
        atomic: bool,
    },
    /// No usable schema: decide from the value.
    Deduced,
}

/// A type's schema as the apply engine walks it. `None` for a node means "deduced".
pub trait MergeSchema {
    type Node: Clone;

    /// The object's root node.
    fn root(&self) -> Option<Self::Node>;

    fn shape(&self, node: &Self::Node) -> Shape;

    /// A declared field (property) of an object node.
    fn field(&self, node: &Self::Node, name: &str) -> Option<Self::Node>;

    /// The items of a list, or the values of a map's undeclared keys (`additionalProperties`).
    /// `None` means deduced.
    fn element(&self, node: &Self::Node) -> Option<Self::Node>;

    /// The default of key field `key` in the items of a map list (`items` is the item node),
    /// used when an item omits it (a container port without `protocol` is keyed `TCP`).
    fn key_default(&self, items: &Self::Node, key: &str) -> Option<Value> {
        let _ = (items, key);
        None
    }

    /// The object a create is compared against: kube compares with the type's zero value,
    /// whose non-pointer structs and non-omitempty lists are present though empty, and this
    /// decides which granular fields count as added (and get a `.` entry). `{}` by default.
    fn empty_object(&self) -> Value {
        Value::Object(serde_json::Map::new())
    }
}

/// A schema that knows nothing: every node is deduced.
#[derive(Clone, Copy, Debug, Default)]
pub struct Deduced;

impl MergeSchema for Deduced {
    type Node = ();
    fn root(&self) -> Option<()> {
        None
    }
    fn shape(&self, _: &()) -> Shape {
        Shape::Deduced
    }
    fn field(&self, _: &(), _: &str) -> Option<()> {
        None
    }
    fn element(&self, _: &()) -> Option<()> {
        None
    }
}

/// Definitions that kube models as untyped scalars whatever their JSON shape.
const SCALAR_DEFINITIONS: &[&str] = &[
    "io.k8s.apimachinery.pkg.api.resource.Quantity",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    "io.k8s.apimachinery.pkg.runtime.RawExtension",
];

/// A node of the built-in definitions: the schema at the use site (which may carry
/// `x-kubernetes-map-type` or list extensions beside its `$ref`) and what it resolves to.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinNode {
    site: SchemaNode<'static>,
    target: SchemaNode<'static>,
}

impl BuiltinNode {
    pub fn new(site: SchemaNode<'static>) -> Self {
        Self {
            site,
            target: site.resolve(),
        }
    }

    fn shape(&self) -> Shape {
        if self
            .target
            .name()
            .is_some_and(|n| SCALAR_DEFINITIONS.contains(&n))
            || self.target.is_int_or_string()
        {
            return Shape::Scalar;
        }
        match self.target.type_name() {
            Some("array") => Shape::List(self.list_type()),
            Some("object") => Shape::Map {
                atomic: self.site.map_type().or(self.target.map_type()) == Some("atomic"),
            },
            Some(_) => Shape::Scalar,
            None if self.target.has_properties() => Shape::Map {
                atomic: self.site.map_type().or(self.target.map_type()) == Some("atomic"),
            },
            None => Shape::Deduced,
        }
    }

    /// `x-kubernetes-list-type`, or kube's reading of a list that predates it: strategy
    /// `merge` with a merge key is a map list keyed by it, `merge` without one a set, anything
    /// else atomic.
    fn list_type(&self) -> ListType {
        let node = if self.site.list_type().is_some() || self.site.patch_strategy().is_some() {
            self.site
        } else {
            self.target
        };
        match node.list_type() {
            Some("set") => return ListType::Set,
            Some("map") => {
                return ListType::Map(node.list_map_keys().into_iter().map(String::from).collect());
            }
            Some(_) => return ListType::Atomic,
            None => {}
        }
        match node.patch_strategy() {
            Some("merge" | "merge,retainKeys") => match node.patch_merge_key() {
                Some(key) => ListType::Map(vec![key.to_string()]),
                None => ListType::Set,
            },
            _ => ListType::Atomic,
        }
    }
}

/// The built-in Kubernetes 1.36 types.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinSchema {
    root: Option<BuiltinNode>,
}

impl BuiltinSchema {
    /// The schema of a built-in kind; deduced throughout if the kind is unknown.
    pub fn for_gvk(gvk: &GroupVersionKind) -> Self {
        Self {
            root: Definitions::builtin().for_gvk(gvk).map(BuiltinNode::new),
        }
    }

    /// The schema of a definition by name (`io.k8s.api.core.v1.ConfigMap`).
    pub fn for_definition(name: &str) -> Self {
        Self {
            root: Definitions::builtin().get(name).map(BuiltinNode::new),
        }
    }

    /// Whether the kind was found.
    pub fn is_known(&self) -> bool {
        self.root.is_some()
    }
}

impl MergeSchema for BuiltinSchema {
    type Node = BuiltinNode;

    fn root(&self) -> Option<BuiltinNode> {
        self.root
    }
    fn shape(&self, node: &BuiltinNode) -> Shape {
        node.shape()
    }
    fn field(&self, node: &BuiltinNode, name: &str) -> Option<BuiltinNode> {
        node.target.property(name).map(BuiltinNode::new)
    }
    fn element(&self, node: &BuiltinNode) -> Option<BuiltinNode> {
        match node.target.type_name() {
            Some("array") => node.target.items().map(BuiltinNode::new),
            _ => node.target.additional_properties().map(BuiltinNode::new),
        }
    }
    fn empty_object(&self) -> Value {
        match self.root {
            Some(root) => zero_value(root.target, 0),
            None => Value::Object(serde_json::Map::new()),
        }
    }

    fn key_default(&self, items: &BuiltinNode, key: &str) -> Option<Value> {
        let prop = items.target.property(key)?;
        if let Some(d) = prop.raw().get("default") {
            return Some(d.clone());
        }
        // kube's published OpenAPI carries `default: "TCP"` on the protocol of container,
        // service and endpoint ports; the embedded definitions drop defaults.
        (key == "protocol").then(|| Value::String("TCP".into()))
    }
}

/// Struct fields that Kubernetes' Go types hold by value rather than by pointer, so their zero
/// value is an empty object rather than absent. The definitions do not record pointer-ness; by
/// API convention these are the names such fields carry.
const VALUE_STRUCT_FIELDS: &[&str] = &[
    "metadata",
    "spec",
    "status",
    "template",
    "strategy",
    "updateStrategy",
    "jobTemplate",
    // An Event's `EventSource`, under both of its names.
    "source",
    "deprecatedSource",
];

/// The Go zero value of a built-in type as JSON: value structs present (recursively), lists
/// that are not nullable (no `omitempty`) present as null, everything else absent.
fn zero_value(node: SchemaNode<'static>, depth: usize) -> Value {
    let mut m = serde_json::Map::new();
    if depth > 6 {
        return Value::Object(m);
    }
    for (name, prop) in node.properties() {
        let target = prop.resolve();
        if prop.reference().is_some() {
            if VALUE_STRUCT_FIELDS.contains(&name) && target.has_properties() {
                m.insert(name.to_string(), zero_value(target, depth + 1));
            }
        } else if target.type_name() == Some("array") && !target.is_nullable() {
            m.insert(name.to_string(), Value::Null);
        }
    }
    Value::Object(m)
}

/// A node of a CRD schema, or of the built-in `ObjectMeta` that kube puts under `metadata`.
#[derive(Clone, Copy, Debug)]
pub enum CrdNode<'a> {
    Crd(&'a CompiledSchema),
    Builtin(BuiltinNode),
}

/// A CRD version's `openAPIV3Schema` (a structural schema), walked in the form the CRD's
/// validation compiled it to, so no node is looked up by name in the schema's JSON.
#[derive(Clone, Copy, Debug)]
pub struct CrdSchema<'a> {
    root: &'a CompiledSchema,
}

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

impl<'a> CrdSchema<'a> {
    pub fn new(root: &'a CompiledSchema) -> Self {
        Self { root }
    }

    fn crd_shape(s: &CompiledSchema) -> Shape {
        if s.int_or_string {
            return Shape::Scalar;
        }
        match s.ty.as_str() {
            "array" => Shape::List(match s.list_type.as_deref() {
                Some("set") => ListType::Set,
                Some("map") => ListType::Map(s.list_map_keys.clone()),
                _ => ListType::Atomic,
            }),
            "object" => Shape::Map {
                atomic: s.map_atomic,
            },
            "" => Shape::Deduced,
            _ => Shape::Scalar,
        }
    }
}

impl<'a> MergeSchema for CrdSchema<'a> {
    type Node = CrdNode<'a>;

    fn root(&self) -> Option<CrdNode<'a>> {
        Some(CrdNode::Crd(self.root))
    }

    fn shape(&self, node: &CrdNode<'a>) -> Shape {
        match node {
            CrdNode::Crd(s) => Self::crd_shape(s),
            CrdNode::Builtin(b) => b.shape(),
        }
    }

    fn field(&self, node: &CrdNode<'a>, name: &str) -> Option<CrdNode<'a>> {
        match node {
            CrdNode::Crd(s) => {
                // kube serves every custom resource with the full ObjectMeta schema.
                if std::ptr::eq(*s, self.root)
                    && name == "metadata"
                    && let Some(meta) = Definitions::builtin().get(OBJECT_META)
                {
                    return Some(CrdNode::Builtin(BuiltinNode::new(meta)));
                }
                s.property(name).map(CrdNode::Crd)
            }
            CrdNode::Builtin(b) => b
                .target
                .property(name)
                .map(|n| CrdNode::Builtin(BuiltinNode::new(n))),
        }
    }

    fn element(&self, node: &CrdNode<'a>) -> Option<CrdNode<'a>> {
        match node {
            CrdNode::Crd(s) if s.ty == "array" => s.items.as_deref().map(CrdNode::Crd),
            CrdNode::Crd(s) => s.additional_schema().map(CrdNode::Crd),
            CrdNode::Builtin(b) => BuiltinSchema { root: None }
                .element(b)
                .map(CrdNode::Builtin),
        }
    }

    fn key_default(&self, items: &CrdNode<'a>, key: &str) -> Option<Value> {
        match items {
            CrdNode::Crd(s) => s.property(key)?.default.clone(),
            CrdNode::Builtin(b) => BuiltinSchema { root: None }.key_default(b, key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path<S: MergeSchema>(s: &S, names: &[&str]) -> Option<S::Node> {
        let mut node = s.root()?;
        for n in names {
            node = match s.shape(&node) {
                Shape::List(_) => s.element(&node)?,
                _ => s.field(&node, n).or_else(|| s.element(&node))?,
            };
        }
        Some(node)
    }

    #[test]
    fn builtin_pod_spec_shapes() {
        let s = BuiltinSchema::for_gvk(&GroupVersionKind::new("apps", "v1", "Deployment"));
        assert!(s.is_known());
        let spec = ["spec", "template", "spec"];
        let at = |rest: &[&str]| {
            let mut p: Vec<&str> = spec.to_vec();
            p.extend_from_slice(rest);
            s.shape(&path(&s, &p).unwrap())
        };
        assert_eq!(
            at(&["containers"]),
            Shape::List(ListType::Map(vec!["name".into()]))
        );
        assert_eq!(at(&["tolerations"]), Shape::List(ListType::Atomic));
        assert_eq!(at(&["nodeSelector"]), Shape::Map { atomic: true });
        assert_eq!(
            at(&["containers", "-", "ports"]),
            Shape::List(ListType::Map(vec![
                "containerPort".into(),
                "protocol".into()
            ]))
        );
        assert_eq!(at(&["containers", "-", "image"]), Shape::Scalar);
        assert_eq!(
            at(&["containers", "-", "resources", "limits", "cpu"]),
            Shape::Scalar
        );
        assert_eq!(
            s.shape(&path(&s, &["spec", "selector"]).unwrap()),
            Shape::Map { atomic: true }
        );
        let meta = |f: &str| s.shape(&path(&s, &["metadata", f]).unwrap());
        assert_eq!(meta("labels"), Shape::Map { atomic: false });
        assert_eq!(meta("finalizers"), Shape::List(ListType::Set));
        assert_eq!(
            meta("ownerReferences"),
            Shape::List(ListType::Map(vec!["uid".into()]))
        );
        let ports = path(
            &s,
            &["spec", "template", "spec", "containers", "-", "ports", "-"],
        )
        .unwrap();
        assert_eq!(s.key_default(&ports, "protocol"), Some(json!("TCP")));
    }

    #[test]
    fn crd_schema_shapes_and_object_meta() {
        let schema = json!({
            "type": "object",
            "properties": {
                "spec": {"type": "object", "properties": {
                    "items": {"type": "array", "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                        "items": {"type": "object", "properties": {
                            "name": {"type": "string"},
                            "proto": {"type": "string", "default": "TCP"}}}},
                    "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
                    "args": {"type": "array", "items": {"type": "string"}},
                    "sel": {"type": "object", "x-kubernetes-map-type": "atomic",
                        "additionalProperties": {"type": "string"}},
                    "port": {"x-kubernetes-int-or-string": true},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                }}
            }
        });
        let compiled = CompiledSchema::parse(&schema);
        let s = CrdSchema::new(&compiled);
        let shape = |p: &[&str]| s.shape(&path(&s, p).unwrap());
        assert_eq!(
            shape(&["spec", "items"]),
            Shape::List(ListType::Map(vec!["name".into()]))
        );
        assert_eq!(shape(&["spec", "tags"]), Shape::List(ListType::Set));
        assert_eq!(shape(&["spec", "args"]), Shape::List(ListType::Atomic));
        assert_eq!(shape(&["spec", "sel"]), Shape::Map { atomic: true });
        assert_eq!(shape(&["spec", "port"]), Shape::Scalar);
        assert_eq!(
            shape(&["metadata", "finalizers"]),
            Shape::List(ListType::Set)
        );
        assert!(path(&s, &["spec", "free", "x"]).is_none());
        let item = path(&s, &["spec", "items", "-"]).unwrap();
        assert_eq!(s.key_default(&item, "proto"), Some(json!("TCP")));
    }
}

/// The schema of any resource the registry serves: a built-in type or a custom resource.
pub enum ResourceSchema<'a> {
    Builtin(BuiltinSchema),
    Crd(CrdSchema<'a>),
}

/// A node of a [`ResourceSchema`].
#[derive(Clone)]
pub enum ResourceNode<'a> {
    Builtin(BuiltinNode),
    Crd(CrdNode<'a>),
}

impl<'a> MergeSchema for ResourceSchema<'a> {
    type Node = ResourceNode<'a>;

    fn root(&self) -> Option<Self::Node> {
        match self {
            Self::Builtin(s) => s.root().map(ResourceNode::Builtin),
            Self::Crd(s) => s.root().map(ResourceNode::Crd),
        }
    }

    fn shape(&self, node: &Self::Node) -> Shape {
        match (self, node) {
            (Self::Builtin(s), ResourceNode::Builtin(n)) => s.shape(n),
            (Self::Crd(s), ResourceNode::Crd(n)) => s.shape(n),
            _ => Shape::Deduced,
        }
    }

    fn field(&self, node: &Self::Node, name: &str) -> Option<Self::Node> {
        match (self, node) {
            (Self::Builtin(s), ResourceNode::Builtin(n)) => {
                s.field(n, name).map(ResourceNode::Builtin)
            }
            (Self::Crd(s), ResourceNode::Crd(n)) => s.field(n, name).map(ResourceNode::Crd),
            _ => None,
        }
    }

    fn element(&self, node: &Self::Node) -> Option<Self::Node> {
        match (self, node) {
            (Self::Builtin(s), ResourceNode::Builtin(n)) => s.element(n).map(ResourceNode::Builtin),
            (Self::Crd(s), ResourceNode::Crd(n)) => s.element(n).map(ResourceNode::Crd),
            _ => None,
        }
    }

    fn key_default(&self, items: &Self::Node, key: &str) -> Option<Value> {
        match (self, items) {
            (Self::Builtin(s), ResourceNode::Builtin(n)) => s.key_default(n, key),
            (Self::Crd(s), ResourceNode::Crd(n)) => s.key_default(n, key),
            _ => None,
        }
    }

    fn empty_object(&self) -> Value {
        match self {
            Self::Builtin(s) => s.empty_object(),
            Self::Crd(s) => s.empty_object(),
        }
    }
}
