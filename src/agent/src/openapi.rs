//! A built-in type's schema from the service cluster's OpenAPI v2 document, for publishing kinds
//! that have no CustomResourceDefinition (`reference/api-syncagent.md` §4.1, step 2).
//!
//! Two steps, as the Go agent takes them so that its schemas (and their hash names) come out the
//! same:
//!
//! 1. [`Models::parse`] reads the document's definitions into kube-openapi's model
//!    (`k8s.io/kube-openapi/pkg/util/proto`): a *kind* (an object with properties), a *map* (an
//!    object without), an *array*, a *primitive*, an *arbitrary* value (no type, no properties) or
//!    a *reference*; one malformed definition fails the whole document, as there.
//! 2. [`Models::convert`] turns a kind's model into an OpenAPI v3 schema as kcp's `crdpuller`
//!    does: well-known types get fixed schemas (ObjectMeta keeps everything, Time is a date-time
//!    string, Quantity and IntOrString are int-or-string), a top-level `metadata` is just an
//!    object, list types and map keys come from the patch strategy where no list type is given,
//!    a field's description wins over its type's, and a recursive type is an error.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    JSON, JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use serde_json::{Map, Value};

/// What every model carries.
#[derive(Clone, Debug, Default)]
struct Base {
    description: String,
    extensions: Map<String, Value>,
    /// The definition's name and the fields leading here (`io.k8s.api.core.v1.Pod.spec`).
    path: String,
}

#[derive(Clone, Debug)]
enum Model {
    Kind {
        base: Base,
        required: Vec<String>,
        fields: BTreeMap<String, Model>,
    },
    Map {
        base: Base,
        values: Box<Model>,
    },
    Array {
        base: Base,
        items: Box<Model>,
    },
    Primitive {
        base: Base,
        type_: String,
        format: String,
    },
    Arbitrary {
        base: Base,
    },
    Ref {
        base: Base,
        reference: String,
    },
}

impl Model {
    fn base(&self) -> &Base {
        match self {
            Model::Kind { base, .. }
            | Model::Map { base, .. }
            | Model::Array { base, .. }
            | Model::Primitive { base, .. }
            | Model::Arbitrary { base }
            | Model::Ref { base, .. } => base,
        }
    }

    fn description(&self) -> &str {
        &self.base().description
    }
}

/// The definitions of an OpenAPI v2 document.
pub struct Models {
    models: HashMap<String, Model>,
}

/// A group, version and kind.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Models {
    /// Reads the definitions of `doc` (the JSON of `/openapi/v2`). The error names the first
    /// malformed definition as kube-openapi does: `SchemaError(<path>): <what>`.
    pub fn parse(doc: &Value) -> Result<Models, String> {
        let definitions = doc
            .get("definitions")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let names: BTreeSet<&str> = definitions.keys().map(String::as_str).collect();
        let mut models = HashMap::with_capacity(definitions.len());
        for (name, schema) in &definitions {
            models.insert(name.clone(), parse_schema(schema, name, &names)?);
        }
        Ok(Models { models })
    }

    /// The name of the definition of each group, version and kind (its
    /// `x-kubernetes-group-version-kind`); where two name one, the last in name order wins.
    pub fn by_gvk(&self) -> HashMap<Gvk, String> {
        let mut names: Vec<&String> = self.models.keys().collect();
        names.sort();
        let mut out = HashMap::new();
        for name in names {
            let Some(list) = self.models[name]
                .base()
                .extensions
                .get("x-kubernetes-group-version-kind")
                .and_then(Value::as_array)
            else {
                continue;
            };
            for gvk in list {
                let field = |f: &str| gvk.get(f).and_then(Value::as_str).map(str::to_owned);
                if let (Some(group), Some(version), Some(kind)) =
                    (field("group"), field("version"), field("kind"))
                    && !kind.is_empty()
                {
                    out.insert(
                        Gvk {
                            group,
                            version,
                            kind,
                        },
                        name.clone(),
                    );
                }
            }
        }
        out
    }

    /// The OpenAPI v3 schema of the definition `name`, as kcp's `crdpuller.Convert` makes it.
    /// The errors are those of recursive types, all of them.
    pub fn convert(&self, name: &str) -> Result<JSONSchemaProps, Vec<String>> {
        let Some(model) = self.models.get(name) else {
            return Err(vec![format!("no model {name}")]);
        };
        let mut converter = Converter {
            models: self,
            top: name,
            visiting: BTreeSet::new(),
            errors: Vec::new(),
        };
        let mut props = JSONSchemaProps::default();
        converter.visit(model, "", &mut props);
        if converter.errors.is_empty() {
            Ok(props)
        } else {
            Err(converter.errors)
        }
    }
}

fn schema_error(path: &str, what: String) -> String {
    if path.is_empty() {
        format!("SchemaError: {what}")
    } else {
        format!("SchemaError({path}): {what}")
    }
}

/// One schema of the document (kube-openapi's `ParseSchema`).
fn parse_schema(s: &Value, path: &str, names: &BTreeSet<&str>) -> Result<Model, String> {
    let reference = s.get("$ref").and_then(Value::as_str).unwrap_or_default();
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let properties = s.get("properties").and_then(Value::as_object);
    if !reference.is_empty() {
        if properties.is_some_and(|p| !p.is_empty()) {
            return Err(schema_error(
                path,
                "unallowed embedded type definition".into(),
            ));
        }
        if !types.is_empty() {
            return Err(schema_error(
                path,
                "definition reference can't have a type".into(),
            ));
        }
        let Some(target) = reference.strip_prefix("#/definitions/") else {
            return Err(schema_error(
                path,
                format!("unallowed reference to non-definition {reference:?}"),
            ));
        };
        if !names.contains(target) {
            return Err(schema_error(
                path,
                format!("unknown model in reference: {target:?}"),
            ));
        }
        return Ok(Model::Ref {
            base: base(s, path),
            reference: target.to_owned(),
        });
    }
    match types.as_slice() {
        [] if properties.is_some() => parse_kind(s, path, names),
        [] => Ok(Model::Arbitrary {
            base: base(s, path),
        }),
        ["object"] if properties.is_some() => parse_kind(s, path, names),
        ["object"] => {
            let values = match s.get("additionalProperties") {
                Some(v @ Value::Object(_)) => parse_schema(v, path, names)?,
                _ => Model::Arbitrary {
                    base: base(s, path),
                },
            };
            Ok(Model::Map {
                base: base(s, path),
                values: Box::new(values),
            })
        }
        ["array"] => {
            let items: Vec<&Value> = match s.get("items") {
                Some(Value::Array(items)) => items.iter().collect(),
                Some(item @ Value::Object(_)) => vec![item],
                _ => Vec::new(),
            };
            let [item] = items.as_slice() else {
                return Err(schema_error(
                    path,
                    "array should have exactly one sub-item".into(),
                ));
            };
            Ok(Model::Array {
                base: base(s, path),
                items: Box::new(parse_schema(item, path, names)?),
            })
        }
        [t @ ("string" | "number" | "integer" | "boolean")] => Ok(Model::Primitive {
            base: base(s, path),
            type_: (*t).to_owned(),
            format: s
                .get("format")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        }),
        [t] => Err(schema_error(path, format!("Unknown primitive type: {t:?}"))),
        _ => Err(schema_error(
            path,
            "definitions with multiple types aren't supported".into(),
        )),
    }
}

fn parse_kind(s: &Value, path: &str, names: &BTreeSet<&str>) -> Result<Model, String> {
    let mut fields = BTreeMap::new();
    for (name, field) in s
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        fields.insert(
            name.clone(),
            parse_schema(field, &format!("{path}.{name}"), names)?,
        );
    }
    Ok(Model::Kind {
        base: base(s, path),
        required: strings(s.get("required")),
        fields,
    })
}

fn base(s: &Value, path: &str) -> Base {
    Base {
        description: s
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        extensions: s
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| k.starts_with("x-"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        path: path.to_owned(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The fixed schemas of well-known types (controller-tools' list, as crdpuller keeps it), by
/// definition name.
fn known_schema(reference: &str) -> Option<JSONSchemaProps> {
    let int_or_string = |pattern: Option<&str>| JSONSchemaProps {
        x_kubernetes_int_or_string: Some(true),
        any_of: Some(vec![
            JSONSchemaProps {
                type_: Some("integer".into()),
                ..Default::default()
            },
            JSONSchemaProps {
                type_: Some("string".into()),
                ..Default::default()
            },
        ]),
        pattern: pattern.map(str::to_owned),
        ..Default::default()
    };
    let typed = |t: &str, format: Option<&str>| JSONSchemaProps {
        type_: Some(t.into()),
        format: format.map(str::to_owned),
        ..Default::default()
    };
    let preserve = JSONSchemaProps {
        x_kubernetes_preserve_unknown_fields: Some(true),
        ..Default::default()
    };
    Some(match reference {
        "io.k8s.api.core.v1.Protocol" => JSONSchemaProps {
            default: Some(JSON(Value::String("TCP".into()))),
            ..typed("string", None)
        },
        // Kept whole: below the top level (a pod template's metadata) pruning would empty it.
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" => JSONSchemaProps {
            x_kubernetes_preserve_unknown_fields: Some(true),
            ..typed("object", None)
        },
        "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
        | "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime" => typed("string", Some("date-time")),
        "io.k8s.apimachinery.pkg.apis.meta.v1.Duration" => typed("string", None),
        "io.k8s.apimachinery.pkg.apis.meta.v1.Fields" => JSONSchemaProps {
            additional_properties: Some(JSONSchemaPropsOrBool::Bool(true)),
            ..typed("object", None)
        },
        "io.k8s.apimachinery.pkg.api.resource.Quantity" => int_or_string(Some(
            r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
        )),
        "io.k8s.apimachinery.pkg.runtime.RawExtension"
        | "io.k8s.apimachinery.pkg.apis.meta.v1.unstructured.Unstructured" => typed("object", None),
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => int_or_string(None),
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSON"
        | "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON" => preserve,
        _ => return None,
    })
}

/// Fields whose default crdpuller sets (the protocol of ports, `TCP`).
fn known_default(path: &str) -> Option<JSON> {
    matches!(
        path,
        "io.k8s.api.core.v1.ContainerPort.protocol" | "io.k8s.api.core.v1.ServicePort.protocol"
    )
    .then(|| JSON(Value::String("TCP".into())))
}

struct Converter<'a> {
    models: &'a Models,
    /// The converted definition: its own `metadata` becomes a plain object.
    top: &'a str,
    /// The references being expanded (a reference met again is a recursive type).
    visiting: BTreeSet<String>,
    errors: Vec<String>,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

impl Converter<'_> {
    /// Converts `model` into `out`. `inherited` is the description given where the model is used
    /// (the field's): it wins over the model's own.
    fn visit(&mut self, model: &Model, inherited: &str, out: &mut JSONSchemaProps) {
        match model {
            Model::Ref { base, reference } => {
                self.visit_ref(model, base, reference, inherited, out)
            }
            Model::Arbitrary { base } => {
                out.description = self.description(model, inherited);
                out.x_kubernetes_embedded_resource = Some(true);
                if let Some(b) = base
                    .extensions
                    .get("x-kubernetes-preserve-unknown-fields")
                    .and_then(Value::as_bool)
                {
                    out.x_kubernetes_preserve_unknown_fields = Some(b);
                }
            }
            Model::Primitive {
                base,
                type_,
                format,
            } => {
                out.description = self.description(model, inherited);
                out.type_ = non_empty(type_);
                out.format = non_empty(format);
                if let Some(default) = known_default(&base.path) {
                    out.default = Some(default);
                }
            }
            Model::Map { values, .. } => {
                out.description = self.description(model, inherited);
                let mut sub = JSONSchemaProps::default();
                self.visit(values, values.description(), &mut sub);
                out.additional_properties = Some(JSONSchemaPropsOrBool::Schema(Box::new(sub)));
                out.type_ = Some("object".into());
            }
            Model::Array { base, items } => self.visit_array(model, base, items, inherited, out),
            Model::Kind {
                base,
                required,
                fields,
            } => {
                out.description = self.description(model, inherited);
                out.required = (!required.is_empty()).then(|| required.clone());
                out.type_ = Some("object".into());
                let mut properties = BTreeMap::new();
                for (name, field) in fields {
                    let mut props = JSONSchemaProps::default();
                    if field.base().path == format!("{}.metadata", self.top) {
                        props.type_ = Some("object".into());
                    } else {
                        self.visit(field, field.description(), &mut props);
                    }
                    properties.insert(name.clone(), props);
                }
                out.properties = (!properties.is_empty()).then_some(properties);
                if let Some(key) = base
                    .extensions
                    .get("x-kubernetes-patch-merge-key")
                    .and_then(Value::as_str)
                {
                    out.x_kubernetes_list_map_keys = Some(vec![key.to_owned()]);
                }
                if let Some(keys) = base.extensions.get("x-kubernetes-list-map-keys") {
                    out.x_kubernetes_list_map_keys = Some(strings(Some(keys)));
                }
                if let Some(t) = base
                    .extensions
                    .get("x-kubernetes-list-type")
                    .and_then(Value::as_str)
                {
                    out.x_kubernetes_list_type = Some(t.to_owned());
                }
            }
        }
    }

    /// A model's description where it is used: the one given there, else (for an array, a map
    /// or a reference) that of what it holds or names, else its own.
    fn description(&self, model: &Model, inherited: &str) -> Option<String> {
        let held = match model {
            Model::Array { items, .. } => items.description(),
            Model::Map { values, .. } => values.description(),
            Model::Ref { reference, .. } => self
                .models
                .models
                .get(reference)
                .map_or("", Model::description),
            _ => "",
        };
        [inherited, held, model.description()]
            .into_iter()
            .find(|d| !d.is_empty())
            .map(str::to_owned)
    }

    fn visit_ref(
        &mut self,
        model: &Model,
        base: &Base,
        reference: &str,
        inherited: &str,
        out: &mut JSONSchemaProps,
    ) {
        // Recursive itself; crdpuller leaves it as an empty schema.
        if reference == "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps" {
            return;
        }
        if self.visiting.contains(reference) {
            self.errors
                .push(format!("recursive schema are not supported: {reference}"));
            return;
        }
        if let Some(known) = known_schema(reference) {
            *out = known;
            out.description = non_empty(inherited).or_else(|| non_empty(&base.description));
            return;
        }
        out.description = self.description(model, inherited);
        let Some(target) = self.models.models.get(reference) else {
            return;
        };
        self.visiting.insert(reference.to_owned());
        self.visit(target, inherited, out);
        self.visiting.remove(reference);
    }

    fn visit_array(
        &mut self,
        model: &Model,
        base: &Base,
        items: &Model,
        inherited: &str,
        out: &mut JSONSchemaProps,
    ) {
        out.description = self.description(model, inherited);
        out.type_ = Some("array".into());
        let ext = &base.extensions;
        if !ext.is_empty() {
            // Items that are objects with fields make a merge strategy a map, others a set.
            let items_are_kind = match items {
                Model::Kind { .. } => true,
                Model::Ref { reference, .. } => {
                    matches!(self.models.models.get(reference), Some(Model::Kind { .. }))
                }
                _ => false,
            };
            let strategy = ext.get("x-kubernetes-patch-strategy");
            if let Some(t) = ext.get("x-kubernetes-list-type").and_then(Value::as_str) {
                out.x_kubernetes_list_type = Some(t.to_owned());
            } else if let Some(s) = strategy.and_then(Value::as_str)
                && !s.is_empty()
            {
                let merge = s == "merge" || s.starts_with("merge,") || s.ends_with(",merge");
                out.x_kubernetes_list_type = Some(
                    match (merge, items_are_kind) {
                        (false, _) => "atomic",
                        (true, true) => "map",
                        (true, false) => "set",
                    }
                    .into(),
                );
            }
            if let Some(keys) = ext.get("x-kubernetes-list-map-keys") {
                out.x_kubernetes_list_map_keys = Some(strings(Some(keys)));
            } else if let Some(key) = ext
                .get("x-kubernetes-patch-merge-key")
                .and_then(Value::as_str)
            {
                out.x_kubernetes_list_map_keys = Some(vec![key.to_owned()]);
                if strategy.is_none() {
                    out.x_kubernetes_list_type = Some("map".into());
                }
            }
        }
        let mut sub = JSONSchemaProps::default();
        self.visit(items, items.description(), &mut sub);
        // A list map's keys are required, unless they have a default.
        if let (Some(properties), Some(keys)) = (&sub.properties, &out.x_kubernetes_list_map_keys)
            && !keys.is_empty()
        {
            let mut required: BTreeSet<String> = sub.required.iter().flatten().cloned().collect();
            required.extend(keys.iter().cloned());
            for (name, field) in properties {
                if field.default.is_some() {
                    required.remove(name);
                }
            }
            sub.required = (!required.is_empty()).then(|| required.into_iter().collect());
        }
        out.items = Some(JSONSchemaPropsOrArray::Schema(Box::new(sub)));
    }
}

#[cfg(test)]
mod tests;
