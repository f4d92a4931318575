//! The conversion's rules on small documents; the whole of Kubernetes' document is converted
//! against the Go agent's output in the e2e tests (`e2e/tests/agent.rs`).

use serde_json::{Value, json};

use super::*;

fn doc(definitions: Value) -> Value {
    json!({"swagger": "2.0", "definitions": definitions})
}

fn converted(definitions: Value, name: &str) -> Value {
    let models = Models::parse(&doc(definitions)).expect("parses");
    serde_json::to_value(models.convert(name).expect("converts")).unwrap()
}

const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

fn object_meta() -> Value {
    json!({"description": "ObjectMeta is metadata.", "type": "object",
           "properties": {"name": {"type": "string"}}})
}

#[test]
fn top_level_metadata_is_a_plain_object_and_nested_metadata_keeps_everything() {
    let out = converted(
        json!({
            "a.Thing": {
                "description": "A thing.",
                "type": "object",
                "required": ["spec"],
                "properties": {
                    "metadata": {"description": "Standard metadata.", "$ref": format!("#/definitions/{META}")},
                    "spec": {"description": "The spec.", "$ref": "#/definitions/a.Spec"},
                },
                "x-kubernetes-group-version-kind": [{"group": "a", "version": "v1", "kind": "Thing"}],
            },
            "a.Spec": {
                "description": "Spec of a thing.",
                "type": "object",
                "properties": {
                    "template": {"$ref": format!("#/definitions/{META}")},
                    "count": {"description": "How many.", "type": "integer", "format": "int32"},
                },
            },
            META: object_meta(),
        }),
        "a.Thing",
    );
    assert_eq!(
        out,
        json!({
            "description": "A thing.",
            "type": "object",
            "required": ["spec"],
            "properties": {
                "metadata": {"type": "object"},
                "spec": {
                    // the field's description wins over its type's
                    "description": "The spec.",
                    "type": "object",
                    "properties": {
                        // without one of its own, the known type's own description
                        "template": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                        "count": {"description": "How many.", "type": "integer", "format": "int32"},
                    },
                },
            },
        })
    );
}

#[test]
fn a_reference_without_description_takes_its_definitions() {
    let out = converted(
        json!({
            "a.Outer": {"type": "object", "properties": {"inner": {"$ref": "#/definitions/a.Inner"}}},
            "a.Inner": {"description": "Inner.", "type": "object", "properties": {"x": {"type": "string"}}},
        }),
        "a.Outer",
    );
    assert_eq!(out["properties"]["inner"]["description"], "Inner.");
}

#[test]
fn well_known_types() {
    let known = |name: &str| {
        let out = converted(
            json!({
                "a.T": {"type": "object", "properties": {"f": {"description": "F.", "$ref": format!("#/definitions/{name}")}}},
                name: {"description": "not used", "type": "string"},
            }),
            "a.T",
        );
        out["properties"]["f"].clone()
    };
    assert_eq!(
        known("io.k8s.apimachinery.pkg.apis.meta.v1.Time"),
        json!({"description": "F.", "type": "string", "format": "date-time"})
    );
    assert_eq!(
        known("io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"),
        json!({"description": "F.", "type": "string", "format": "date-time"})
    );
    assert_eq!(
        known("io.k8s.apimachinery.pkg.apis.meta.v1.Duration"),
        json!({"description": "F.", "type": "string"})
    );
    assert_eq!(
        known("io.k8s.apimachinery.pkg.util.intstr.IntOrString"),
        json!({"description": "F.", "anyOf": [{"type": "integer"}, {"type": "string"}],
               "x-kubernetes-int-or-string": true})
    );
    let quantity = known("io.k8s.apimachinery.pkg.api.resource.Quantity");
    assert_eq!(quantity["x-kubernetes-int-or-string"], true);
    assert!(
        quantity["pattern"]
            .as_str()
            .unwrap()
            .starts_with("^(\\+|-)?")
    );
    assert_eq!(
        known("io.k8s.apimachinery.pkg.runtime.RawExtension"),
        json!({"description": "F.", "type": "object"})
    );
    assert_eq!(
        known("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON"),
        json!({"description": "F.", "x-kubernetes-preserve-unknown-fields": true})
    );
    // The schema of schemas would recurse: it is left empty.
    assert_eq!(
        known("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"),
        json!({})
    );
}

#[test]
fn list_types_follow_the_patch_strategy_where_none_is_given() {
    let out = converted(
        json!({
            "a.T": {"type": "object", "properties": {
                "ports": {"type": "array", "items": {"$ref": "#/definitions/a.Port"},
                          "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "port",
                          "x-kubernetes-list-map-keys": ["port", "protocol"]},
                "finalizers": {"type": "array", "items": {"type": "string"},
                               "x-kubernetes-patch-strategy": "merge"},
                "volumes": {"type": "array", "items": {"$ref": "#/definitions/a.Port"},
                            "x-kubernetes-patch-strategy": "merge,retainKeys", "x-kubernetes-patch-merge-key": "name"},
                "env": {"type": "array", "items": {"$ref": "#/definitions/a.Port"},
                        "x-kubernetes-patch-merge-key": "name"},
                "args": {"type": "array", "items": {"type": "string"},
                         "x-kubernetes-patch-strategy": "replace"},
                "given": {"type": "array", "items": {"type": "string"},
                          "x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "atomic"},
                "plain": {"type": "array", "items": {"type": "string"}},
            }},
            "io.k8s.api.core.v1.ContainerPort": {"type": "object", "required": ["port"], "properties": {
                "port": {"type": "integer"}, "protocol": {"type": "string"}, "name": {"type": "string"}}},
            "a.Port": {"type": "object", "required": ["port"], "properties": {
                "port": {"type": "integer"}, "protocol": {"type": "string"}, "name": {"type": "string"}}},
        }),
        "a.T",
    );
    let p = &out["properties"];
    assert_eq!(p["ports"]["x-kubernetes-list-type"], "map");
    assert_eq!(
        p["ports"]["x-kubernetes-list-map-keys"],
        json!(["port", "protocol"])
    );
    // the map keys become required
    assert_eq!(p["ports"]["items"]["required"], json!(["port", "protocol"]));
    assert_eq!(p["finalizers"]["x-kubernetes-list-type"], "set");
    assert_eq!(p["volumes"]["x-kubernetes-list-type"], "map");
    assert_eq!(p["volumes"]["x-kubernetes-list-map-keys"], json!(["name"]));
    assert_eq!(p["volumes"]["items"]["required"], json!(["name", "port"]));
    // a merge key without a strategy makes a map
    assert_eq!(p["env"]["x-kubernetes-list-type"], "map");
    assert_eq!(p["args"]["x-kubernetes-list-type"], "atomic");
    assert_eq!(p["given"]["x-kubernetes-list-type"], "atomic");
    assert_eq!(
        p["plain"],
        json!({"type": "array", "items": {"type": "string"}})
    );
}

#[test]
fn a_port_protocol_has_its_default_and_is_not_required() {
    let out = converted(
        json!({
            "io.k8s.api.core.v1.Container": {"type": "object", "properties": {
                "ports": {"type": "array", "items": {"$ref": "#/definitions/io.k8s.api.core.v1.ContainerPort"},
                          "x-kubernetes-list-type": "map",
                          "x-kubernetes-list-map-keys": ["containerPort", "protocol"]},
            }},
            "io.k8s.api.core.v1.ContainerPort": {"type": "object", "required": ["containerPort"], "properties": {
                "containerPort": {"type": "integer"}, "protocol": {"type": "string"}}},
        }),
        "io.k8s.api.core.v1.Container",
    );
    let items = &out["properties"]["ports"]["items"];
    assert_eq!(items["properties"]["protocol"]["default"], "TCP");
    assert_eq!(items["required"], json!(["containerPort"]));
}

#[test]
fn maps_and_arbitrary_values() {
    let out = converted(
        json!({
            "a.T": {"type": "object", "properties": {
                "data": {"description": "Data.", "type": "object", "additionalProperties": {"type": "string"}},
                "free": {"description": "Free.", "type": "object"},
                "any": {"description": "Any.", "x-kubernetes-preserve-unknown-fields": true},
            }},
        }),
        "a.T",
    );
    let p = &out["properties"];
    assert_eq!(
        p["data"],
        json!({"description": "Data.", "type": "object", "additionalProperties": {"type": "string"}})
    );
    // without a value schema, the value is the map itself again, as an embedded resource
    assert_eq!(
        p["free"],
        json!({"description": "Free.", "type": "object",
               "additionalProperties": {"description": "Free.", "x-kubernetes-embedded-resource": true}})
    );
    assert_eq!(
        p["any"],
        json!({"description": "Any.", "x-kubernetes-embedded-resource": true,
               "x-kubernetes-preserve-unknown-fields": true})
    );
}

#[test]
fn a_recursive_type_is_an_error() {
    let models = Models::parse(&doc(json!({
        "a.Node": {"type": "object", "properties": {
            "children": {"type": "array", "items": {"$ref": "#/definitions/a.Node"}}}},
        "a.Tree": {"type": "object", "properties": {"root": {"$ref": "#/definitions/a.Node"}}},
    })))
    .unwrap();
    assert_eq!(
        models.convert("a.Tree").unwrap_err(),
        vec!["recursive schema are not supported: a.Node".to_string()]
    );
    // The same type twice side by side is not recursion.
    let models = Models::parse(&doc(json!({
        "a.T": {"type": "object", "properties": {
            "a": {"$ref": "#/definitions/a.U"}, "b": {"$ref": "#/definitions/a.U"}}},
        "a.U": {"type": "object", "properties": {"x": {"type": "string"}}},
    })))
    .unwrap();
    assert!(models.convert("a.T").is_ok());
}

#[test]
fn malformed_documents_fail_as_kube_openapi_fails_them() {
    let error = |definitions: Value| Models::parse(&doc(definitions)).err().unwrap();
    assert_eq!(
        error(
            json!({"a.T": {"type": "object", "properties": {"x": {"$ref": "#/definitions/a.Missing"}}}})
        ),
        "SchemaError(a.T.x): unknown model in reference: \"a.Missing\""
    );
    assert_eq!(
        error(
            json!({"a.T": {"type": "object", "properties": {"x": {"$ref": "#/definitions/a.T", "type": "string"}}}})
        ),
        "SchemaError(a.T.x): definition reference can't have a type"
    );
    assert_eq!(
        error(json!({"a.T": {"type": "null"}})),
        "SchemaError(a.T): Unknown primitive type: \"null\""
    );
    assert_eq!(
        error(json!({"a.T": {"type": ["string", "integer"]}})),
        "SchemaError(a.T): definitions with multiple types aren't supported"
    );
    assert_eq!(
        error(json!({"a.T": {"type": "array"}})),
        "SchemaError(a.T): array should have exactly one sub-item"
    );
}

#[test]
fn kinds_by_group_version_kind() {
    let models = Models::parse(&doc(json!({
        "a.v1.Thing": {"type": "object", "properties": {},
                       "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Thing"}]},
        "b.v1.Thing": {"type": "object", "properties": {},
                       "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Thing"},
                                                           {"group": "x", "version": "v1", "kind": ""}]},
    })))
    .unwrap();
    let by_gvk = models.by_gvk();
    assert_eq!(by_gvk.len(), 1);
    let gvk = Gvk {
        group: String::new(),
        version: "v1".into(),
        kind: "Thing".into(),
    };
    // the last in name order
    assert_eq!(by_gvk[&gvk], "b.v1.Thing");
}
