//! The kcp kinds as `apiextensions.k8s.io/v1` CustomResourceDefinitions (`reference/kcp.md` §3):
//! names, short names (`ws`), category `kcp`, cluster scope, served and storage versions, status
//! subresources, printer columns, and an `openAPIV3Schema` describing the fields of the structs in
//! this crate with kcp's validation (patterns, enums, defaults, `oneOf`, CEL rules). Written from
//! the facts of kcp's `config/crds/*.yaml` (+ their `*.yaml-patch` overlays), not copied; field
//! descriptions are left out.
//!
//! The server loads them with [`all`] or [`get`] and serves each kind as a CRD-backed resource.

use serde_json::{Value, json};

// ---- schema vocabulary -------------------------------------------------------------------------

/// `^seg(:seg)*$`: an absolute logical-cluster path.
const PATH_PATTERN: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
/// A WorkspaceType name.
const TYPE_NAME_PATTERN: &str = "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?";
/// A LogicalCluster initializer or terminator (`<path>:<type>` or `system:…`).
const LIFECYCLE_PATTERN: &str = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[a-z0-9][a-z0-9]([-a-z0-9]*[a-z0-9])?))|(system:.+)$";
/// A workspace (or WorkspaceType) object name.
const WORKSPACE_NAME_PATTERN: &str = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
/// A group in a permission claim (empty for core).
const GROUP_PATTERN: &str = "^(|[a-z0-9]([-a-z0-9]*[a-z0-9](\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?)$";
/// A resource in a permission claim.
const RESOURCE_PATTERN: &str = "^[a-z][-a-z0-9]*[a-z0-9]$";
/// An API version name.
const VERSION_PATTERN: &str = "^v[1-9][0-9]*([a-z]+[1-9][0-9]*)?$";

fn string() -> Value {
    json!({"type": "string"})
}

fn boolean() -> Value {
    json!({"type": "boolean"})
}

fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

fn string_map() -> Value {
    json!({"type": "object", "additionalProperties": {"type": "string"}})
}

fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

fn object(properties: Value, required: &[&str]) -> Value {
    let mut o = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

/// `o` with `key: value` added.
fn with(mut o: Value, key: &str, value: Value) -> Value {
    o[key] = value;
    o
}

/// A list-map array keyed by `keys`.
fn list_map(items: Value, keys: &[&str]) -> Value {
    json!({"type": "array", "items": items, "x-kubernetes-list-type": "map",
           "x-kubernetes-list-map-keys": keys})
}

fn cel(rules: &[(&str, &str)]) -> Value {
    Value::Array(
        rules
            .iter()
            .map(|(rule, message)| json!({"rule": rule, "message": message}))
            .collect(),
    )
}

fn label_selector() -> Value {
    with(
        object(
            json!({
                "matchExpressions": array(object(json!({
                    "key": string(),
                    "operator": string(),
                    "values": with(strings(), "x-kubernetes-list-type", json!("atomic")),
                }), &["key", "operator"])),
                "matchLabels": string_map(),
            }),
            &[],
        ),
        "x-kubernetes-map-type",
        json!("atomic"),
    )
}

fn conditions() -> Value {
    array(object(
        json!({
            "type": string(),
            "status": string(),
            "severity": string(),
            "lastTransitionTime": {"type": "string", "format": "date-time"},
            "reason": string(),
            "message": string(),
        }),
        &["lastTransitionTime", "status", "type"],
    ))
}

fn policy_rules() -> Value {
    array(object(
        json!({
            "apiGroups": with(strings(), "x-kubernetes-list-type", json!("atomic")),
            "nonResourceURLs": with(strings(), "x-kubernetes-list-type", json!("atomic")),
            "resourceNames": with(strings(), "x-kubernetes-list-type", json!("atomic")),
            "resources": with(strings(), "x-kubernetes-list-type", json!("atomic")),
            "verbs": with(strings(), "x-kubernetes-list-type", json!("atomic")),
        }),
        &["verbs"],
    ))
}

fn type_reference() -> Value {
    object(
        json!({
            "name": {"type": "string", "pattern": TYPE_NAME_PATTERN},
            "path": {"type": "string", "pattern": PATH_PATTERN},
        }),
        &["name"],
    )
}

fn type_selector() -> Value {
    with(
        object(
            json!({"none": boolean(), "types": with(array(type_reference()), "minItems", json!(1))}),
            &[],
        ),
        "oneOf",
        json!([{"required": ["none"]}, {"required": ["types"]}]),
    )
}

fn export_reference() -> Value {
    object(
        json!({"path": {"type": "string", "pattern": PATH_PATTERN}, "name": string()}),
        &["name"],
    )
}

fn identity() -> Value {
    object(
        json!({"secretRef": with(object(json!({"name": string(), "namespace": string()}), &[]),
                                  "x-kubernetes-map-type", json!("atomic"))}),
        &[],
    )
}

fn maximal_permission_policy() -> Value {
    with(
        object(json!({"local": {"type": "object"}}), &[]),
        "oneOf",
        json!([{"required": ["local"]}]),
    )
}

fn resource_selector() -> Value {
    with(
        object(
            json!({
                "name": {"type": "string", "maxLength": 253, "minLength": 1,
                         "pattern": "^([a-z0-9][-a-z0-9_.]*)?[a-z0-9]$"},
                "namespace": {"type": "string", "minLength": 1},
            }),
            &[],
        ),
        "x-kubernetes-validations",
        cel(&[(
            "has(self.__namespace__) || has(self.name)",
            "at least one field must be set",
        )]),
    )
}

/// The group/resource/identityHash part every claim has.
fn claim_properties(group_default: bool) -> serde_json::Map<String, Value> {
    let mut group = json!({"type": "string", "pattern": GROUP_PATTERN});
    if group_default {
        group["default"] = json!("");
    }
    let mut m = serde_json::Map::new();
    m.insert("group".into(), group);
    m.insert(
        "resource".into(),
        json!({"type": "string", "pattern": RESOURCE_PATTERN}),
    );
    m.insert("identityHash".into(), string());
    m
}

fn v1alpha1_claim(group_default: bool) -> Value {
    let mut p = claim_properties(group_default);
    p.insert("all".into(), boolean());
    p.insert("resourceSelector".into(), array(resource_selector()));
    with(
        object(Value::Object(p), &["resource"]),
        "x-kubernetes-validations",
        cel(&[(
            "(has(self.all) && self.all) != (has(self.resourceSelector) && size(self.resourceSelector) > 0)",
            "either \"all\" or \"resourceSelector\" must be set",
        )]),
    )
}

fn claim_selector() -> Value {
    let mut s = label_selector();
    s["properties"]["matchAll"] = boolean();
    s
}

fn v1alpha2_claim_properties() -> serde_json::Map<String, Value> {
    let mut p = claim_properties(true);
    p.insert(
        "verbs".into(),
        json!({"type": "array", "items": {"type": "string"}, "minItems": 1,
               "x-kubernetes-list-type": "set"}),
    );
    p.insert("defaultSelector".into(), claim_selector());
    p
}

fn v1alpha2_claim() -> Value {
    object(
        Value::Object(v1alpha2_claim_properties()),
        &["resource", "verbs"],
    )
}

fn scoped_claim() -> Value {
    let mut p = v1alpha2_claim_properties();
    p.insert(
        "selector".into(),
        with(
            claim_selector(),
            "x-kubernetes-validations",
            cel(&[("self == oldSelf", "Permission claim selector is immutable")]),
        ),
    );
    object(Value::Object(p), &["resource", "selector", "verbs"])
}

fn acceptable_claim(v1alpha1: bool) -> Value {
    let mut c = if v1alpha1 {
        v1alpha1_claim(false)
    } else {
        scoped_claim()
    };
    c["properties"]["state"] = json!({"type": "string", "enum": ["Accepted", "Rejected"]});
    let mut required: Vec<Value> = c["required"].as_array().cloned().unwrap_or_default();
    required.push(json!("state"));
    c["required"] = Value::Array(required);
    c
}

fn bound_resources() -> Value {
    list_map(
        object(
            json!({
                "group": string(),
                "resource": string(),
                "schema": object(json!({
                    "name": {"type": "string", "minLength": 1},
                    "UID": {"type": "string", "minLength": 1},
                    "identityHash": {"type": "string", "minLength": 1},
                }), &["UID", "identityHash", "name"]),
                "storageVersions": with(strings(), "x-kubernetes-list-type", json!("set")),
            }),
            &["group", "resource", "schema"],
        ),
        &["group", "resource"],
    )
}

fn virtual_workspaces() -> Value {
    array(object(
        json!({"url": {"type": "string", "minLength": 1}}),
        &["url"],
    ))
}

/// The top-level object schema: apiVersion, kind, metadata, then the kind's fields.
fn root(mut properties: Value, required: &[&str]) -> Value {
    properties["apiVersion"] = string();
    properties["kind"] = string();
    properties["metadata"] = json!({"type": "object"});
    object(properties, required)
}

// ---- CRD assembly ------------------------------------------------------------------------------

/// One printer column.
fn column(name: &str, type_: &str, json_path: &str) -> Value {
    json!({"name": name, "type": type_, "jsonPath": json_path})
}

fn age() -> Value {
    column("Age", "date", ".metadata.creationTimestamp")
}

/// A served version of a CRD.
struct Version {
    name: &'static str,
    storage: bool,
    status: bool,
    columns: Vec<Value>,
    schema: Value,
}

struct Kind {
    group: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    short_names: &'static [&'static str],
    versions: Vec<Version>,
}

fn build(k: Kind) -> Value {
    let multi = k.versions.len() > 1;
    let mut names = json!({
        "kind": k.kind,
        "listKind": format!("{}List", k.kind),
        "plural": k.plural,
        "singular": k.singular,
        "categories": ["kcp"],
    });
    if !k.short_names.is_empty() {
        names["shortNames"] = json!(k.short_names);
    }
    let versions: Vec<Value> = k
        .versions
        .into_iter()
        .map(|v| {
            let mut out = json!({
                "name": v.name,
                "served": true,
                "storage": v.storage,
                "schema": {"openAPIV3Schema": v.schema},
            });
            if v.status {
                out["subresources"] = json!({"status": {}});
            }
            if !v.columns.is_empty() {
                out["additionalPrinterColumns"] = Value::Array(v.columns);
            }
            out
        })
        .collect();
    let mut spec = json!({
        "group": k.group,
        "names": names,
        "scope": "Cluster",
        "versions": versions,
    });
    if multi {
        // Converted in process by `apis::conversion`; the CRD still names a strategy.
        spec["conversion"] = json!({"strategy": "None"});
    }
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{}.{}", k.plural, k.group)},
        "spec": spec,
    })
}

// ---- tenancy.kcp.io ----------------------------------------------------------------------------

fn workspaces() -> Value {
    let mut spec_type = type_reference();
    spec_type["x-kubernetes-validations"] = cel(&[
        ("self.name == oldSelf.name", "name is immutable"),
        ("has(oldSelf.path) == has(self.path)", "path is immutable"),
        (
            "!has(oldSelf.path) || !has(self.path) || self.path == oldSelf.path",
            "path is immutable",
        ),
    ]);
    let mount_ref = with(
        object(
            json!({"apiVersion": string(), "kind": string(), "name": string(), "namespace": string()}),
            &["apiVersion", "kind", "name"],
        ),
        "x-kubernetes-validations",
        cel(&[
            (
                "has(oldSelf.apiVersion) == has(self.apiVersion)",
                "apiVersion is immutable",
            ),
            ("has(oldSelf.kind) == has(self.kind)", "kind is immutable"),
            ("has(oldSelf.name) == has(self.name)", "name is immutable"),
        ]),
    );
    let spec = with(
        with(
            object(
                json!({
                    "type": spec_type,
                    "location": object(json!({"selector": label_selector()}), &[]),
                    "cluster": with(string(), "x-kubernetes-validations",
                                    cel(&[("self == oldSelf", "cluster is immutable")])),
                    "URL": {"type": "string", "format": "uri"},
                    "mount": with(object(json!({"ref": mount_ref}), &["ref"]),
                                  "x-kubernetes-validations",
                                  cel(&[("self == oldSelf", "mount is immutable")])),
                }),
                &[],
            ),
            "x-kubernetes-validations",
            cel(&[
                ("!has(oldSelf.URL) || has(self.URL)", "URL cannot be unset"),
                (
                    "!has(oldSelf.cluster) || has(self.cluster)",
                    "cluster cannot be unset",
                ),
            ]),
        ),
        "default",
        json!({}),
    );
    let status = with(
        object(
            json!({
                "phase": {"type": "string", "default": "Scheduling", "enum": PHASES},
                "conditions": conditions(),
                "initializers": array(json!({"type": "string", "pattern": LIFECYCLE_PATTERN})),
                "terminators": array(json!({"type": "string", "pattern": LIFECYCLE_PATTERN})),
            }),
            &[],
        ),
        "default",
        json!({}),
    );
    let mut schema = root(json!({"spec": spec, "status": status}), &["spec"]);
    schema["properties"]["metadata"] = object(
        json!({"name": {"type": "string", "minLength": 1, "maxLength": 63,
                        "pattern": WORKSPACE_NAME_PATTERN}}),
        &[],
    );
    build(Kind {
        group: crate::keys::TENANCY_GROUP,
        plural: "workspaces",
        singular: "workspace",
        kind: "Workspace",
        short_names: &["ws"],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: true,
            columns: vec![
                with(
                    column("Type", "string", ".spec.type.name"),
                    "description",
                    json!("Type of the workspace"),
                ),
                with(
                    column("Region", "string", ".metadata.labels['region']"),
                    "description",
                    json!("The region this workspace is in"),
                ),
                with(
                    column("Phase", "string", ".status.phase"),
                    "description",
                    json!("The current phase (e.g. Scheduling, Initializing, Ready, Deleting)"),
                ),
                with(
                    column("URL", "string", ".spec.URL"),
                    "description",
                    json!("URL to access the workspace"),
                ),
                age(),
            ],
            schema,
        }],
    })
}

const PHASES: [&str; 7] = [
    "Scheduling",
    "Initializing",
    "Ready",
    "Unavailable",
    "Inactive",
    "Terminating",
    "Deleting",
];

fn workspacetypes() -> Value {
    let spec = object(
        json!({
            "initializer": boolean(),
            "terminator": boolean(),
            "extend": object(json!({"with": array(type_reference())}), &[]),
            "additionalWorkspaceLabels": string_map(),
            "defaultChildWorkspaceType": with(type_reference(), "default",
                                              json!({"name": "universal", "path": "root"})),
            "limitAllowedChildren": type_selector(),
            "limitAllowedParents": type_selector(),
            "defaultAPIBindings": array(object(json!({
                "path": {"type": "string", "pattern": PATH_PATTERN},
                "export": string(),
            }), &["export"])),
            "defaultAPIBindingLifecycle": {"type": "string", "enum": ["InitializeOnly", "Maintain"]},
            "authenticationConfigurations": array(object(json!({"name": string()}), &["name"])),
            "initializerPermissions": policy_rules(),
            "terminatorPermissions": policy_rules(),
        }),
        &[],
    );
    let status = object(
        json!({
            "conditions": conditions(),
            "virtualWorkspaces": array(object(json!({
                "url": {"type": "string", "minLength": 1, "format": "url"},
                "type": {"type": "string", "enum": ["initializing", "terminating"]},
            }), &["url"])),
        }),
        &[],
    );
    let mut schema = root(json!({"spec": spec, "status": status}), &[]);
    schema["properties"]["metadata"] = object(
        json!({"name": {"type": "string", "minLength": 1, "maxLength": 63,
                        "pattern": WORKSPACE_NAME_PATTERN,
                        "not": {"enum": crate::keys::RESERVED_WORKSPACE_TYPE_NAMES}}}),
        &[],
    );
    build(Kind {
        group: crate::keys::TENANCY_GROUP,
        plural: "workspacetypes",
        singular: "workspacetype",
        kind: "WorkspaceType",
        short_names: &[],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: true,
            columns: vec![],
            schema,
        }],
    })
}

fn workspaceauthenticationconfigurations() -> Value {
    let claim_or_expression = object(
        json!({"claim": {"type": "string", "minLength": 1},
               "expression": {"type": "string", "minLength": 1}}),
        &[],
    );
    let mut prefixed = claim_or_expression.clone();
    prefixed["properties"]["prefix"] = string();
    let jwt = object(
        json!({
            "issuer": object(json!({
                "url": string(),
                "discoveryURL": string(),
                "certificateAuthority": string(),
                "audiences": strings(),
                "audienceMatchPolicy": string(),
            }), &["url"]),
            "claimValidationRules": array(object(json!({
                "claim": string(), "requiredValue": string(),
                "expression": string(), "message": string(),
            }), &[])),
            "claimMappings": object(json!({
                "username": prefixed,
                "groups": prefixed,
                "uid": claim_or_expression,
                "extra": array(object(json!({"key": string(), "valueExpression": string()}),
                                      &["key", "valueExpression"])),
            }), &[]),
            "userValidationRules": array(object(json!({"expression": string(), "message": string()}),
                                                &["expression", "message"])),
        }),
        &["claimMappings", "issuer"],
    );
    let spec = object(json!({"jwt": array(jwt)}), &["jwt"]);
    build(Kind {
        group: crate::keys::TENANCY_GROUP,
        plural: "workspaceauthenticationconfigurations",
        singular: "workspaceauthenticationconfiguration",
        kind: "WorkspaceAuthenticationConfiguration",
        short_names: &[],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: false,
            columns: vec![],
            schema: root(json!({"spec": spec}), &["spec"]),
        }],
    })
}

// ---- core.kcp.io -------------------------------------------------------------------------------

fn logicalclusters() -> Value {
    let lifecycle = array(json!({"type": "string", "pattern": LIFECYCLE_PATTERN}));
    let spec = with(
        object(
            json!({
                "directlyDeletable": {"type": "boolean", "default": false},
                "owner": object(json!({
                    "apiVersion": {"type": "string", "pattern": "^([^/]+/)?[^/]+$"},
                    "resource": {"type": "string", "minLength": 1},
                    "name": {"type": "string", "minLength": 1},
                    "namespace": string(),
                    "cluster": {"type": "string", "minLength": 1},
                    "uid": string(),
                }), &["apiVersion", "cluster", "name", "resource", "uid"]),
                "createdBy": object(json!({
                    "username": string(),
                    "groups": strings(),
                    "uid": string(),
                    "extra": {"type": "object", "additionalProperties": strings()},
                }), &[]),
                "initializers": lifecycle.clone(),
                "terminators": lifecycle.clone(),
            }),
            &[],
        ),
        "default",
        json!({}),
    );
    let status = with(
        object(
            json!({
                "URL": {"type": "string", "format": "uri"},
                "phase": {"type": "string", "default": "Scheduling", "enum": PHASES},
                "conditions": conditions(),
                "initializers": lifecycle.clone(),
                "terminators": lifecycle,
            }),
            &[],
        ),
        "default",
        json!({}),
    );
    let mut schema = root(json!({"spec": spec, "status": status}), &[]);
    schema["properties"]["metadata"] = object(
        json!({"name": {"type": "string", "enum": [crate::keys::LOGICAL_CLUSTER_OBJECT_NAME]}}),
        &[],
    );
    build(Kind {
        group: crate::keys::CORE_GROUP,
        plural: "logicalclusters",
        singular: "logicalcluster",
        kind: "LogicalCluster",
        short_names: &[],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: true,
            columns: vec![
                with(
                    column("Phase", "string", ".status.phase"),
                    "description",
                    json!("The current phase (e.g. Scheduling, Initializing, Ready, Deleting)"),
                ),
                with(
                    column("URL", "string", ".status.URL"),
                    "description",
                    json!("URL to access the logical cluster"),
                ),
                age(),
            ],
            schema,
        }],
    })
}

fn shards() -> Value {
    let url = json!({"type": "string", "format": "uri", "minLength": 1});
    let spec = object(
        json!({"baseURL": url, "externalURL": url, "virtualWorkspaceURL": url}),
        &["baseURL"],
    );
    let quantity = json!({
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "pattern": "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
        "x-kubernetes-int-or-string": true,
    });
    let status = object(
        json!({
            "capacity": {"type": "object", "additionalProperties": quantity},
            "conditions": conditions(),
        }),
        &[],
    );
    build(Kind {
        group: crate::keys::CORE_GROUP,
        plural: "shards",
        singular: "shard",
        kind: "Shard",
        short_names: &[],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: true,
            columns: vec![
                with(
                    column("Region", "string", ".metadata.labels['region']"),
                    "description",
                    json!("The region this workspace is in"),
                ),
                with(
                    column("URL", "string", ".spec.baseURL"),
                    "description",
                    json!("Type URL to directly connect to the shard"),
                ),
                with(
                    column("External URL", "string", ".spec.externalURL"),
                    "description",
                    json!("The URL exposed in logical clusters created on that shard"),
                ),
                age(),
            ],
            schema: root(json!({"spec": spec, "status": status}), &[]),
        }],
    })
}

// ---- apis.kcp.io -------------------------------------------------------------------------------

fn export_status() -> Value {
    object(
        json!({
            "identityHash": string(),
            "conditions": conditions(),
            "virtualWorkspaces": virtual_workspaces(),
        }),
        &[],
    )
}

fn apiexports() -> Value {
    let v1_spec = object(
        json!({
            "latestResourceSchemas": with(strings(), "x-kubernetes-list-type", json!("set")),
            "identity": identity(),
            "maximalPermissionPolicy": maximal_permission_policy(),
            "permissionClaims": list_map(v1alpha1_claim(true), &["group", "resource"]),
        }),
        &[],
    );
    let storage = with(
        with(
            object(
                json!({
                    "crd": {"type": "object"},
                    "virtual": object(json!({
                        "reference": with(object(json!({
                            "apiGroup": string(), "kind": string(), "name": string(),
                        }), &["kind", "name"]), "x-kubernetes-map-type", json!("atomic")),
                        "identityHash": string(),
                    }), &["identityHash", "reference"]),
                }),
                &[],
            ),
            "oneOf",
            json!([{"required": ["crd"]}, {"required": ["virtual"]}]),
        ),
        "x-kubernetes-validations",
        cel(&[(
            "has(self.crd) != has(self.virtual)",
            "Exactly one of crd or virtual must be set",
        )]),
    );
    let v2_spec = object(
        json!({
            "resources": list_map(object(json!({
                "name": string(),
                "group": string(),
                "schema": string(),
                "storage": with(storage, "default", json!({"crd": {}})),
            }), &["group", "name", "schema"]), &["name", "group"]),
            "identity": identity(),
            "maximalPermissionPolicy": maximal_permission_policy(),
            "permissionClaims": list_map(v1alpha2_claim(), &["group", "resource"]),
        }),
        &[],
    );
    build(Kind {
        group: crate::keys::APIS_GROUP,
        plural: "apiexports",
        singular: "apiexport",
        kind: "APIExport",
        short_names: &[],
        versions: vec![
            Version {
                name: "v1alpha1",
                storage: false,
                status: true,
                columns: vec![
                    age(),
                    column(
                        "Ready",
                        "string",
                        ".status.conditions[?(@.type==\"VirtualWorkspaceURLsReady\")].status",
                    ),
                ],
                schema: root(json!({"spec": v1_spec, "status": export_status()}), &[]),
            },
            Version {
                name: "v1alpha2",
                storage: true,
                status: true,
                columns: vec![age()],
                schema: root(json!({"spec": v2_spec, "status": export_status()}), &[]),
            },
        ],
    })
}

fn apibindings() -> Value {
    let reference = with(
        with(
            object(json!({"export": export_reference()}), &[]),
            "oneOf",
            json!([{"required": ["export"]}]),
        ),
        "x-kubernetes-validations",
        cel(&[("self == oldSelf", "APIExport reference must not be changed")]),
    );
    let v1_spec = object(
        json!({
            "reference": reference.clone(),
            "permissionClaims": array(acceptable_claim(true)),
        }),
        &["reference"],
    );
    let v1_status = object(
        json!({
            "apiExportClusterName": string(),
            "boundResources": bound_resources(),
            "phase": {"type": "string", "enum": ["", "Binding", "Bound"]},
            "conditions": conditions(),
            "appliedPermissionClaims": array(v1alpha1_claim(false)),
            "exportPermissionClaims": array(v1alpha1_claim(false)),
        }),
        &[],
    );
    let v2_spec = object(
        json!({
            "reference": reference,
            "permissionClaims": list_map(acceptable_claim(false),
                                         &["group", "resource", "identityHash"]),
        }),
        &["reference"],
    );
    let v2_status = object(
        json!({
            "apiExportClusterName": string(),
            "boundResources": bound_resources(),
            "phase": {"type": "string", "enum": ["", "Binding", "Bound"]},
            "conditions": conditions(),
            "appliedPermissionClaims": list_map(scoped_claim(), &["group", "resource", "identityHash"]),
            "exportPermissionClaims": array(v1alpha2_claim()),
        }),
        &[],
    );
    let ready = column(
        "Ready",
        "string",
        ".status.conditions[?(@.type==\"Ready\")].status",
    );
    build(Kind {
        group: crate::keys::APIS_GROUP,
        plural: "apibindings",
        singular: "apibinding",
        kind: "APIBinding",
        short_names: &[],
        versions: vec![
            Version {
                name: "v1alpha1",
                storage: false,
                status: true,
                columns: vec![age(), ready.clone()],
                schema: root(json!({"spec": v1_spec, "status": v1_status}), &["spec"]),
            },
            Version {
                name: "v1alpha2",
                storage: true,
                status: true,
                columns: vec![age(), ready],
                schema: root(json!({"spec": v2_spec, "status": v2_status}), &["spec"]),
            },
        ],
    })
}

fn apiresourceschemas() -> Value {
    let names = object(
        json!({
            "plural": string(), "singular": string(), "kind": string(), "listKind": string(),
            "shortNames": with(strings(), "x-kubernetes-list-type", json!("atomic")),
            "categories": with(strings(), "x-kubernetes-list-type", json!("atomic")),
        }),
        &["kind", "plural"],
    );
    let version = object(
        json!({
            "name": {"type": "string", "minLength": 1, "pattern": VERSION_PATTERN},
            "served": {"type": "boolean", "default": true},
            "storage": boolean(),
            "deprecated": boolean(),
            "deprecationWarning": string(),
            "schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                       "x-kubernetes-map-type": "atomic"},
            "subresources": object(json!({
                "status": {"type": "object"},
                "scale": object(json!({
                    "specReplicasPath": string(),
                    "statusReplicasPath": string(),
                    "labelSelectorPath": string(),
                }), &["specReplicasPath", "statusReplicasPath"]),
            }), &[]),
            "additionalPrinterColumns": list_map(object(json!({
                "name": string(), "type": string(), "format": string(),
                "description": string(), "priority": {"type": "integer", "format": "int32"},
                "jsonPath": string(),
            }), &["jsonPath", "name", "type"]), &["name"]),
            "selectableFields": with(array(object(json!({"jsonPath": string()}), &["jsonPath"])),
                                     "x-kubernetes-list-type", json!("atomic")),
        }),
        &["name", "schema", "served", "storage"],
    );
    let conversion = with(
        object(
            json!({
                "strategy": {"type": "string", "enum": ["None", "Webhook"]},
                "webhook": object(json!({
                    "clientConfig": object(json!({
                        "url": {"type": "string", "format": "uri"},
                        "caBundle": {"type": "string", "format": "byte"},
                    }), &[]),
                    "conversionReviewVersions": with(strings(), "x-kubernetes-list-type", json!("atomic")),
                }), &["conversionReviewVersions"]),
            }),
            &["strategy"],
        ),
        "x-kubernetes-validations",
        cel(&[(
            "(self.strategy == 'None' && !has(self.webhook))  || (self.strategy == 'Webhook' && has(self.webhook))",
            "Webhook must be specified if strategy=Webhook",
        )]),
    );
    let spec = with(
        object(
            json!({
                "group": string(),
                "names": names,
                "scope": {"type": "string", "enum": ["Cluster", "Namespaced"]},
                "versions": with(list_map(version, &["name"]), "minItems", json!(1)),
                "nameValidation": {"type": "string", "default": "DNS1123Subdomain",
                                   "enum": ["DNS1123Subdomain", "PathSegmentName"]},
                "conversion": conversion,
            }),
            &["group", "names", "scope", "versions"],
        ),
        "x-kubernetes-validations",
        cel(&[(
            "size(self.versions) == 1 || (size(self.versions) > 1 && has(self.conversion))",
            "Conversion must be specified when multiple versions exist",
        )]),
    );
    build(Kind {
        group: crate::keys::APIS_GROUP,
        plural: "apiresourceschemas",
        singular: "apiresourceschema",
        kind: "APIResourceSchema",
        short_names: &[],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: false,
            columns: vec![age()],
            schema: root(json!({"spec": spec}), &[]),
        }],
    })
}

fn apiexportendpointslices() -> Value {
    let spec = object(
        json!({
            "export": with(export_reference(), "x-kubernetes-validations",
                           cel(&[("self == oldSelf", "APIExport reference must not be changed")])),
            "partition": string(),
        }),
        &["export"],
    );
    let status = object(
        json!({
            "conditions": conditions(),
            "endpoints": list_map(object(json!({
                "url": {"type": "string", "minLength": 1, "format": "url"},
                "shards": with(object(json!({"matchAll": boolean(), "selector": label_selector()}), &[]),
                               "x-kubernetes-validations",
                               cel(&[("!(has(self.matchAll) && self.matchAll && has(self.selector))",
                                      "matchAll and selector are mutually exclusive")])),
            }), &["url"]), &["url"]),
            "shardSelector": string(),
        }),
        &[],
    );
    build(Kind {
        group: crate::keys::APIS_GROUP,
        plural: "apiexportendpointslices",
        singular: "apiexportendpointslice",
        kind: "APIExportEndpointSlice",
        short_names: &[],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: true,
            columns: vec![
                column("Export", "string", ".spec.export.name"),
                column("Partition", "string", ".spec.partition"),
                age(),
            ],
            schema: root(json!({"spec": spec, "status": status}), &[]),
        }],
    })
}

fn apiconversions() -> Value {
    let version = json!({"type": "string", "minLength": 1, "pattern": VERSION_PATTERN});
    let spec = object(
        json!({
            "conversions": list_map(object(json!({
                "from": version,
                "to": version,
                "rules": list_map(object(json!({
                    "field": {"type": "string", "minLength": 1},
                    "destination": {"type": "string", "minLength": 1},
                    "transformation": string(),
                }), &["destination", "field"]), &["destination"]),
                "preserve": strings(),
            }), &["from", "rules", "to"]), &["from", "to"]),
        }),
        &["conversions"],
    );
    build(Kind {
        group: crate::keys::APIS_GROUP,
        plural: "apiconversions",
        singular: "apiconversion",
        kind: "APIConversion",
        short_names: &[],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: false,
            columns: vec![age()],
            schema: root(json!({"spec": spec}), &["spec"]),
        }],
    })
}

// ---- topology.kcp.io ---------------------------------------------------------------------------

fn partitions() -> Value {
    build(Kind {
        group: crate::keys::TOPOLOGY_GROUP,
        plural: "partitions",
        singular: "partition",
        kind: "Partition",
        short_names: &[],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: false,
            columns: vec![
                column("Owner", "string", ".metadata.ownerReferences[*].name"),
                age(),
            ],
            schema: root(
                json!({"spec": object(json!({"selector": label_selector()}), &[])}),
                &["spec"],
            ),
        }],
    })
}

fn partitionsets() -> Value {
    const KEY_RULE: &str = "self.contains(\"/\") ? self.split(\"/\", 2)[0].matches(\"^[a-z0-9]([-a-z0-9]{0,251}[a-z0-9])?$\") && self.split(\"/\", 2)[1].matches(\"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$\") : self.matches(\"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$\")";
    const KEY_MESSAGE: &str = "Label key prefixes are optional and limited to 253 characters. They should match \"^[a-z0-9]([-a-z0-9]{0,251}[a-z0-9])?$\". Names are limited to 63 characters and should match \"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$\". \"/\" is used as separator.";
    const VALUE_PATTERN: &str = "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
    let mut selector = label_selector();
    let exprs = &mut selector["properties"]["matchExpressions"];
    exprs["maxItems"] = json!(10);
    exprs["items"]["x-kubernetes-validations"] = cel(&[(
        "self.operator in [\"In\", \"NotIn\"] ? size(self.values) > 0 : (self.operator in [\"Exists\", \"DoesNotExist\"] ? !has(self.values) : true)",
        "There should be at least one value for In and NotIn operators. There should not be any value for Exists and DoesNotExist operators.",
    )]);
    exprs["items"]["properties"]["operator"]["enum"] =
        json!(["In", "NotIn", "Exists", "DoesNotExist"]);
    exprs["items"]["properties"]["key"]["maxLength"] = json!(317);
    exprs["items"]["properties"]["key"]["x-kubernetes-validations"] =
        cel(&[(KEY_RULE, KEY_MESSAGE)]);
    exprs["items"]["properties"]["values"]["items"]["maxLength"] = json!(63);
    exprs["items"]["properties"]["values"]["items"]["pattern"] = json!(VALUE_PATTERN);
    let labels = &mut selector["properties"]["matchLabels"];
    labels["maxProperties"] = json!(10);
    labels["additionalProperties"]["maxLength"] = json!(380);
    let map_key_rule = KEY_RULE
        .replace("self.contains", "k.contains")
        .replace("self.split", "k.split")
        .replace("self.matches", "k.matches");
    labels["x-kubernetes-validations"] = cel(&[
        (&format!("self.all(k, {map_key_rule})"), KEY_MESSAGE),
        (
            "self.all(k, self[k].matches(\"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$\"))",
            "Label values are limited to 63 characters and should match \"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$\".",
        ),
    ]);
    let spec = object(
        json!({"dimensions": strings(), "shardSelector": selector}),
        &[],
    );
    let status = object(
        json!({"count": {"type": "integer"}, "conditions": conditions()}),
        &[],
    );
    build(Kind {
        group: crate::keys::TOPOLOGY_GROUP,
        plural: "partitionsets",
        singular: "partitionset",
        kind: "PartitionSet",
        short_names: &[],
        versions: vec![Version {
            name: "v1alpha1",
            storage: true,
            status: true,
            columns: vec![
                with(
                    column("Count", "string", ".status.count"),
                    "description",
                    json!("Count of the partitions belonging the PartitionSet"),
                ),
                age(),
            ],
            schema: root(json!({"spec": spec, "status": status}), &["spec"]),
        }],
    })
}

// ---- public entry points -----------------------------------------------------------------------

/// `(group, plural)` of every kind defined here, in a stable order.
pub const KINDS: [(&str, &str); 12] = [
    ("tenancy.kcp.io", "workspaces"),
    ("tenancy.kcp.io", "workspacetypes"),
    ("tenancy.kcp.io", "workspaceauthenticationconfigurations"),
    ("core.kcp.io", "logicalclusters"),
    ("core.kcp.io", "shards"),
    ("apis.kcp.io", "apiexports"),
    ("apis.kcp.io", "apibindings"),
    ("apis.kcp.io", "apiresourceschemas"),
    ("apis.kcp.io", "apiexportendpointslices"),
    ("apis.kcp.io", "apiconversions"),
    ("topology.kcp.io", "partitions"),
    ("topology.kcp.io", "partitionsets"),
];

/// The CRD of `plural.group`, if it is one of ours.
pub fn get(group: &str, plural: &str) -> Option<Value> {
    Some(match (group, plural) {
        ("tenancy.kcp.io", "workspaces") => workspaces(),
        ("tenancy.kcp.io", "workspacetypes") => workspacetypes(),
        ("tenancy.kcp.io", "workspaceauthenticationconfigurations") => {
            workspaceauthenticationconfigurations()
        }
        ("core.kcp.io", "logicalclusters") => logicalclusters(),
        ("core.kcp.io", "shards") => shards(),
        ("apis.kcp.io", "apiexports") => apiexports(),
        ("apis.kcp.io", "apibindings") => apibindings(),
        ("apis.kcp.io", "apiresourceschemas") => apiresourceschemas(),
        ("apis.kcp.io", "apiexportendpointslices") => apiexportendpointslices(),
        ("apis.kcp.io", "apiconversions") => apiconversions(),
        ("topology.kcp.io", "partitions") => partitions(),
        ("topology.kcp.io", "partitionsets") => partitionsets(),
        _ => return None,
    })
}

/// Every CRD, in [`KINDS`] order.
pub fn all() -> Vec<Value> {
    KINDS.iter().filter_map(|(g, p)| get(g, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version<'a>(crd: &'a Value, name: &str) -> &'a Value {
        crd["spec"]["versions"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["name"] == name))
            .unwrap()
    }

    fn column_names(v: &Value) -> Vec<&str> {
        v["additionalPrinterColumns"]
            .as_array()
            .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_kind_is_a_cluster_scoped_kcp_crd() {
        let all = all();
        assert_eq!(all.len(), KINDS.len());
        for crd in &all {
            let spec = &crd["spec"];
            assert_eq!(spec["scope"], "Cluster");
            assert_eq!(spec["names"]["categories"], json!(["kcp"]));
            assert_eq!(
                crd["metadata"]["name"],
                format!(
                    "{}.{}",
                    spec["names"]["plural"].as_str().unwrap(),
                    spec["group"].as_str().unwrap()
                )
            );
            let versions = spec["versions"].as_array().unwrap();
            assert_eq!(versions.iter().filter(|v| v["storage"] == true).count(), 1);
            assert!(versions.iter().all(|v| v["served"] == true));
            assert!(
                versions
                    .iter()
                    .all(|v| v["schema"]["openAPIV3Schema"]["type"] == "object")
            );
            let short = &spec["names"]["shortNames"];
            if spec["names"]["plural"] == "workspaces" {
                assert_eq!(short, &json!(["ws"]));
            } else {
                assert!(short.is_null());
            }
        }
    }

    #[test]
    fn printer_columns_as_kcp() {
        let ws = get("tenancy.kcp.io", "workspaces").unwrap();
        assert_eq!(
            column_names(version(&ws, "v1alpha1")),
            ["Type", "Region", "Phase", "URL", "Age"]
        );
        let lc = get("core.kcp.io", "logicalclusters").unwrap();
        assert_eq!(
            column_names(version(&lc, "v1alpha1")),
            ["Phase", "URL", "Age"]
        );
        assert_eq!(
            version(&lc, "v1alpha1")["additionalPrinterColumns"][1]["jsonPath"],
            ".status.URL"
        );
        let shard = get("core.kcp.io", "shards").unwrap();
        assert_eq!(
            column_names(version(&shard, "v1alpha1")),
            ["Region", "URL", "External URL", "Age"]
        );
        let b = get("apis.kcp.io", "apibindings").unwrap();
        assert_eq!(column_names(version(&b, "v1alpha2")), ["Age", "Ready"]);
        assert_eq!(column_names(version(&b, "v1alpha1")), ["Age", "Ready"]);
        assert_eq!(b["spec"]["conversion"]["strategy"], "None");
        let e = get("apis.kcp.io", "apiexports").unwrap();
        assert_eq!(column_names(version(&e, "v1alpha2")), ["Age"]);
        assert_eq!(column_names(version(&e, "v1alpha1")), ["Age", "Ready"]);
        assert_eq!(version(&e, "v1alpha2")["storage"], true);
        let s = get("apis.kcp.io", "apiexportendpointslices").unwrap();
        assert_eq!(
            column_names(version(&s, "v1alpha1")),
            ["Export", "Partition", "Age"]
        );
        let wt = get("tenancy.kcp.io", "workspacetypes").unwrap();
        assert!(column_names(version(&wt, "v1alpha1")).is_empty());
        let p = get("topology.kcp.io", "partitions").unwrap();
        assert_eq!(column_names(version(&p, "v1alpha1")), ["Owner", "Age"]);
        assert!(get("apis.kcp.io", "nothing").is_none());
    }

    #[test]
    fn schema_facts() {
        let ws = get("tenancy.kcp.io", "workspaces").unwrap();
        let schema = &version(&ws, "v1alpha1")["schema"]["openAPIV3Schema"];
        assert_eq!(schema["properties"]["spec"]["default"], json!({}));
        assert_eq!(
            schema["properties"]["status"]["properties"]["phase"]["default"],
            "Scheduling"
        );
        assert_eq!(
            schema["properties"]["metadata"]["properties"]["name"]["maxLength"],
            63
        );
        assert!(schema["properties"]["spec"]["properties"]["URL"].is_object());
        let wt = get("tenancy.kcp.io", "workspacetypes").unwrap();
        let spec = &version(&wt, "v1alpha1")["schema"]["openAPIV3Schema"]["properties"]["spec"];
        assert_eq!(
            spec["properties"]["defaultChildWorkspaceType"]["default"],
            json!({"name": "universal", "path": "root"})
        );
        assert_eq!(
            spec["properties"]["limitAllowedParents"]["oneOf"][1],
            json!({"required": ["types"]})
        );
        let b = get("apis.kcp.io", "apibindings").unwrap();
        let uid = &version(&b, "v1alpha2")["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
            ["boundResources"]["items"]["properties"]["schema"]["properties"]["UID"];
        assert_eq!(uid["minLength"], 1);
    }
}
