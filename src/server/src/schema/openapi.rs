//! The `/openapi/v2` and `/openapi/v3` documents of a set of served resources.
//!
//! `kubectl explain` reads `/openapi/v3`: the index, then the document of one group-version,
//! where it finds the resource's kind through the `x-kubernetes-group-version-kind` of the
//! operations under `paths` and then the schema with the same GVK under `components.schemas`.
//! `kubectl apply` (1.27+) computes its strategic merge patch from the same document: it needs
//! a `patch` operation carrying the GVK whose request body lists
//! `application/strategic-merge-patch+json`, and the patch extensions
//! (`x-kubernetes-patch-merge-key`, `x-kubernetes-patch-strategy`) on the schemas, reached
//! through `$ref` or `allOf: [{$ref}]`. Its `--validate=strict` check looks for a `fieldValidation`
//! query parameter on that `patch` operation: when present, validation is left to the server.
//! `/openapi/v2` (swagger 2.0) is the older form of the same content, with `#/definitions/` refs.
//!
//! Schemas come from the embedded definitions, rewritten to OpenAPI form: `type` is a single
//! string, the extra `enum` on `apiVersion`/`kind` is removed, `IntOrString` and `Quantity` take
//! the shapes Kubernetes publishes, and v3 wraps a `$ref` with siblings in `allOf`. A custom
//! resource brings its own schema ([`ServedResource::custom`]), named like Kubernetes names CRD
//! definitions (`com.example.stable.v1.CronTab`).
//!
//! Rendering is cached by the content of the resource set: the same set renders the same bytes,
//! and a v3 document's `hash` (its ETag) is the upper-case hex SHA-512 of those bytes, as
//! kube-apiserver computes it. The v2 document also has a protobuf form ([`OpenApiV2::protobuf`],
//! see `openapi_proto.rs`), made from the JSON bytes on first use and cached with them.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256, Sha512};

use super::definitions::{Definitions, GroupVersionKind, INT_OR_STRING, QUANTITY, ref_name};
use super::openapi_proto::{ProtoError, to_proto_binary};

/// The Kubernetes version the documents claim (`info.version`).
pub const KUBERNETES_VERSION: &str = "v1.36.0";

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const LIST_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
const DELETE_OPTIONS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
const STATUS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
const PATCH: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
const API_RESOURCE_LIST: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList";

/// One resource a cluster serves, as the OpenAPI documents need it.
#[derive(Clone, Debug, PartialEq)]
pub struct ServedResource {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The plural resource name in URLs (`configmaps`).
    pub resource: String,
    pub namespaced: bool,
    /// Discovery verbs: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`.
    pub verbs: Vec<String>,
    /// Subresources served with the same kind (`status`).
    pub subresources: Vec<String>,
    /// `None` for a built-in type; a custom resource's `openAPIV3Schema` otherwise.
    pub custom_schema: Option<Arc<Value>>,
    /// A custom resource's `selectableFields` (`spec.color`).
    pub selectable_fields: Vec<String>,
}

impl ServedResource {
    /// A built-in resource, whose schema comes from the embedded definitions.
    pub fn builtin(
        gvk: &GroupVersionKind,
        resource: &str,
        namespaced: bool,
        verbs: &[&str],
    ) -> Self {
        Self {
            group: gvk.group.clone(),
            version: gvk.version.clone(),
            kind: gvk.kind.clone(),
            resource: resource.to_string(),
            namespaced,
            verbs: verbs.iter().map(|v| (*v).to_string()).collect(),
            subresources: Vec::new(),
            custom_schema: None,
            selectable_fields: Vec::new(),
        }
    }

    /// A custom resource (CRD, APIResourceSchema) with its structural `openAPIV3Schema`.
    pub fn custom(
        gvk: &GroupVersionKind,
        resource: &str,
        namespaced: bool,
        verbs: &[&str],
        schema: Value,
    ) -> Self {
        Self {
            custom_schema: Some(Arc::new(schema)),
            ..Self::builtin(gvk, resource, namespaced, verbs)
        }
    }

    /// Adds subresources served with the resource's own kind (`status`).
    pub fn with_subresources(mut self, subresources: &[&str]) -> Self {
        self.subresources = subresources.iter().map(|s| (*s).to_string()).collect();
        self
    }

    /// Adds a custom resource's `selectableFields` (their labels, `spec.color`).
    pub fn with_selectable_fields<'a>(mut self, fields: impl IntoIterator<Item = &'a str>) -> Self {
        self.selectable_fields = fields.into_iter().map(str::to_owned).collect();
        self
    }

    /// `x-kubernetes-selectable-fields` of the kind and its list, as the apiextensions
    /// builder writes it.
    fn selectable_extension(&self) -> Option<Value> {
        (!self.selectable_fields.is_empty()).then(|| {
            Value::Array(
                self.selectable_fields
                    .iter()
                    .map(|f| json!({"fieldPath": f}))
                    .collect(),
            )
        })
    }

    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }

    fn has_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// The definition name of the kind and of its list, if any.
    fn definition_names(&self) -> Option<(String, Option<String>)> {
        if self.custom_schema.is_some() {
            let name = custom_definition_name(&self.group, &self.version, &self.kind);
            return Some((name.clone(), Some(format!("{name}List"))));
        }
        let defs = Definitions::builtin();
        let name = defs.name_for_gvk(&self.gvk())?.to_string();
        let list = format!("{name}List");
        let list = defs.get(&list).is_some().then_some(list);
        Some((name, list))
    }
}

/// Kubernetes' definition name for a custom kind: the group's DNS labels reversed, then version
/// and kind (`stable.example.com`, `v1`, `CronTab` → `com.example.stable.v1.CronTab`).
pub fn custom_definition_name(group: &str, version: &str, kind: &str) -> String {
    let reversed: Vec<&str> = group.split('.').rev().collect();
    format!("{}.{version}.{kind}", reversed.join("."))
}

/// The URL path of a group-version below `/openapi/v3/`: `api/v1` or `apis/apps/v1`.
pub fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// A rendered document and its ETag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedDocument {
    /// The JSON bytes.
    pub body: Arc<[u8]>,
    /// Upper-case hex SHA-512 of `body` (kube's ETag and v3 `hash`).
    pub etag: String,
}

impl RenderedDocument {
    fn new(doc: &Value) -> Self {
        let body: Arc<[u8]> = serde_json::to_vec(doc).unwrap_or_default().into();
        let etag = hex_upper(&Sha512::digest(&body));
        Self { body, etag }
    }
}

/// `/openapi/v2`: the JSON document, and its protobuf form made from it on first use.
#[derive(Debug)]
pub struct OpenApiV2 {
    pub json: RenderedDocument,
    /// When the JSON was rendered (`Last-Modified`).
    pub rendered_at: SystemTime,
    protobuf: OnceLock<Result<Arc<[u8]>, ProtoError>>,
}

impl OpenApiV2 {
    fn new(doc: &Value) -> Self {
        Self {
            json: RenderedDocument::new(doc),
            rendered_at: SystemTime::now(),
            protobuf: OnceLock::new(),
        }
    }

    /// gnostic's protobuf encoding of the JSON document, as kube-openapi serves it; an error
    /// if gnostic would refuse the document.
    pub fn protobuf(&self) -> Result<&Arc<[u8]>, &ProtoError> {
        self.protobuf
            .get_or_init(|| to_proto_binary(&self.json.body).map(Arc::from))
            .as_ref()
    }
}

/// The v3 index (`/openapi/v3`) and one document per group-version (`/openapi/v3/api/v1`).
#[derive(Debug)]
pub struct OpenApiV3 {
    pub index: RenderedDocument,
    /// Keyed by [`group_version_path`].
    pub group_versions: BTreeMap<String, RenderedDocument>,
}

impl OpenApiV3 {
    /// The document at `/openapi/v3/<path>` (`path` without leading slash or query).
    pub fn group_version(&self, path: &str) -> Option<&RenderedDocument> {
        self.group_versions.get(path.trim_matches('/'))
    }
}

/// `/openapi/v2` for these resources (cached by content).
pub fn openapi_v2(resources: &[ServedResource]) -> Arc<OpenApiV2> {
    let key = cache_key("v2", resources);
    cached(&V2_CACHE, key, || OpenApiV2::new(&render_v2(resources)))
}

/// `/openapi/v3` and its group-version documents for these resources (cached by content).
pub fn openapi_v3(resources: &[ServedResource]) -> Arc<OpenApiV3> {
    let key = cache_key("v3", resources);
    cached(&V3_CACHE, key, || render_v3(resources))
}

type Cache<T> = OnceLock<Mutex<HashMap<[u8; 32], Arc<T>>>>;
static V2_CACHE: Cache<OpenApiV2> = OnceLock::new();
static V3_CACHE: Cache<OpenApiV3> = OnceLock::new();
/// Distinct resource sets kept per cache; past that the cache starts over (sets are few: most
/// workspaces share a handful).
const CACHE_LIMIT: usize = 64;

fn cached<T>(cache: &Cache<T>, key: [u8; 32], render: impl FnOnce() -> T) -> Arc<T> {
    let map = cache.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = map.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return hit;
    }
    // Rendered outside the lock: two racing renders give the same bytes.
    let rendered = Arc::new(render());
    if let Ok(mut m) = map.lock() {
        if m.len() >= CACHE_LIMIT {
            m.clear();
        }
        m.insert(key, rendered.clone());
    }
    rendered
}

/// A digest of everything that shapes the documents, independent of the input order.
fn cache_key(flavor: &str, resources: &[ServedResource]) -> [u8; 32] {
    let mut lines: Vec<String> = resources
        .iter()
        .map(|r| {
            let schema = r
                .custom_schema
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default();
            json!([
                r.group,
                r.version,
                r.kind,
                r.resource,
                r.namespaced,
                r.verbs,
                r.subresources,
                r.selectable_fields,
                schema
            ])
            .to_string()
        })
        .collect();
    lines.sort();
    let mut h = Sha256::new();
    h.update(flavor.as_bytes());
    for l in &lines {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    h.finalize().into()
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Which OpenAPI dialect is being written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    V2,
    V3,
}

impl Flavor {
    fn ref_to(self, name: &str) -> String {
        match self {
            Flavor::V2 => format!("#/definitions/{name}"),
            Flavor::V3 => format!("#/components/schemas/{name}"),
        }
    }
}

fn render_v2(resources: &[ServedResource]) -> Value {
    let mut paths = BTreeMap::new();
    let mut roots = BTreeSet::new();
    let mut custom = BTreeMap::new();
    for r in resources {
        add_resource(Flavor::V2, r, &mut paths, &mut roots, &mut custom);
    }
    for gv in group_versions(resources) {
        add_discovery_path(Flavor::V2, &gv.0, &gv.1, &mut paths, &mut roots);
    }
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": paths,
        "definitions": schemas(Flavor::V2, &roots, &custom, None),
        "securityDefinitions": {
            "BearerToken": {"description": "Bearer Token authentication", "type": "apiKey",
                            "name": "authorization", "in": "header"}
        },
        "security": [{"BearerToken": []}],
    })
}

fn render_v3(resources: &[ServedResource]) -> OpenApiV3 {
    let mut by_gv: BTreeMap<(String, String), Vec<&ServedResource>> = BTreeMap::new();
    for r in resources {
        by_gv
            .entry((r.group.clone(), r.version.clone()))
            .or_default()
            .push(r);
    }
    let mut group_versions = BTreeMap::new();
    for ((group, version), members) in by_gv {
        let mut paths = BTreeMap::new();
        let mut roots = BTreeSet::new();
        let mut custom = BTreeMap::new();
        for r in members {
            add_resource(Flavor::V3, r, &mut paths, &mut roots, &mut custom);
        }
        add_discovery_path(Flavor::V3, &group, &version, &mut paths, &mut roots);
        let doc = json!({
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
            "paths": paths,
            "components": {
                "schemas": schemas(Flavor::V3, &roots, &custom, Some((&group, &version))),
                "securitySchemes": {
                    "BearerToken": {"type": "apiKey", "description": "Bearer Token authentication",
                                    "name": "authorization", "in": "header"}
                }
            },
        });
        group_versions.insert(
            group_version_path(&group, &version),
            RenderedDocument::new(&doc),
        );
    }
    let index_paths: Map<String, Value> = group_versions
        .iter()
        .map(|(path, doc)| {
            (
                path.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={}", doc.etag)}),
            )
        })
        .collect();
    OpenApiV3 {
        index: RenderedDocument::new(&json!({ "paths": index_paths })),
        group_versions,
    }
}

fn group_versions(resources: &[ServedResource]) -> BTreeSet<(String, String)> {
    resources
        .iter()
        .map(|r| (r.group.clone(), r.version.clone()))
        .collect()
}

/// `Apps`, `RbacAuthorization`, `Core` (the group part of operation ids and tags).
fn group_camel(group: &str) -> String {
    if group.is_empty() {
        return "Core".into();
    }
    let trimmed = group.strip_suffix(".k8s.io").unwrap_or(group);
    trimmed
        .split(['.', '-'])
        .map(capitalize)
        .collect::<String>()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `core_v1`, `apps_v1`, `rbacAuthorization_v1`.
fn tag(group: &str, version: &str) -> String {
    let camel = group_camel(group);
    let mut c = camel.chars();
    let lower: String = match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    };
    format!("{lower}_{version}")
}

fn url_prefix(group: &str, version: &str) -> String {
    format!("/{}", group_version_path(group, version))
}

/// Media types of responses.
fn produces(custom: bool, watch: bool) -> Vec<&'static str> {
    let mut out = vec!["application/json", "application/yaml"];
    if !custom {
        out.insert(1, "application/vnd.kubernetes.protobuf");
    }
    if watch {
        out.push("application/json;stream=watch");
        if !custom {
            out.push("application/vnd.kubernetes.protobuf;stream=watch");
        }
    }
    out
}

/// Media types a `patch` accepts; strategic merge only for built-in types.
fn patch_types(custom: bool) -> Vec<&'static str> {
    let mut out = vec![
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/apply-patch+yaml",
    ];
    if !custom {
        out.insert(2, "application/strategic-merge-patch+json");
    }
    out
}

/// A query or path parameter, in the flavor's form.
fn param(flavor: Flavor, name: &str, location: &str, ty: &str, description: &str) -> Value {
    let mut p = Map::new();
    p.insert("name".into(), name.into());
    p.insert("in".into(), location.into());
    p.insert("description".into(), description.into());
    if location == "path" {
        p.insert("required".into(), true.into());
    }
    match flavor {
        Flavor::V2 => {
            p.insert("type".into(), ty.into());
            p.insert("uniqueItems".into(), true.into());
        }
        Flavor::V3 => {
            p.insert("schema".into(), json!({"type": ty, "uniqueItems": true}));
        }
    }
    Value::Object(p)
}

/// The query parameters of each action (our own one-line descriptions).
fn query_params(flavor: Flavor, names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|name| {
            let (ty, text) = match *name {
                "allowWatchBookmarks" => ("boolean", "Ask for BOOKMARK events on a watch."),
                "continue" => (
                    "string",
                    "The continue token of the previous page of a list.",
                ),
                "dryRun" => (
                    "string",
                    "`All` runs every stage without persisting the result.",
                ),
                "fieldManager" => (
                    "string",
                    "The name of the actor making the change (required for apply).",
                ),
                "fieldSelector" => ("string", "Restrict the result by field values."),
                "fieldValidation" => (
                    "string",
                    "How to treat unknown or duplicate fields in the body: Ignore, Warn or Strict.",
                ),
                "force" => ("boolean", "Take over conflicting fields on apply."),
                "gracePeriodSeconds" => {
                    ("integer", "Seconds to wait before the object is deleted.")
                }
                "labelSelector" => ("string", "Restrict the result by labels."),
                "limit" => (
                    "integer",
                    "The maximum number of items in one page of a list.",
                ),
                "orphanDependents" => ("boolean", "Deprecated: use propagationPolicy."),
                "propagationPolicy" => (
                    "string",
                    "Garbage collection of dependents: Orphan, Background or Foreground.",
                ),
                "resourceVersion" => (
                    "string",
                    "The resource version the request may be served from.",
                ),
                "resourceVersionMatch" => ("string", "How resourceVersion applies to a list."),
                "sendInitialEvents" => (
                    "boolean",
                    "Start a watch with synthetic events for the current state.",
                ),
                "timeoutSeconds" => ("integer", "The time limit of a list or watch call."),
                "watch" => ("boolean", "Watch for changes instead of listing."),
                _ => ("string", ""),
            };
            param(flavor, name, "query", ty, text)
        })
        .collect()
}

const LIST_PARAMS: &[&str] = &[
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
];
const WRITE_PARAMS: &[&str] = &["dryRun", "fieldManager", "fieldValidation"];
const PATCH_PARAMS: &[&str] = &["dryRun", "fieldManager", "fieldValidation", "force"];
const DELETE_PARAMS: &[&str] = &[
    "dryRun",
    "gracePeriodSeconds",
    "orphanDependents",
    "propagationPolicy",
];
const DELETE_COLLECTION_PARAMS: &[&str] = &[
    "continue",
    "dryRun",
    "fieldSelector",
    "gracePeriodSeconds",
    "labelSelector",
    "limit",
    "orphanDependents",
    "propagationPolicy",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
];

/// What one operation looks like, before it is written in a flavor.
struct Op<'a> {
    action: &'a str,
    operation_id: String,
    description: String,
    params: Vec<Value>,
    /// Request body: media types and the schema name.
    body: Option<(Vec<&'static str>, &'a str)>,
    /// Response codes with the schema name.
    responses: Vec<(&'static str, &'static str, &'a str)>,
    produces: Vec<&'static str>,
    gvk: Option<GroupVersionKind>,
    tag: String,
}

fn write_op(flavor: Flavor, op: Op<'_>) -> Value {
    let mut o = Map::new();
    o.insert("description".into(), op.description.into());
    let mut params = op.params;
    match flavor {
        Flavor::V2 => {
            if let Some((types, schema)) = &op.body {
                o.insert("consumes".into(), json!(types));
                params.insert(
                    0,
                    json!({"name": "body", "in": "body", "required": true,
                           "schema": {"$ref": flavor.ref_to(schema)}}),
                );
            }
            o.insert("produces".into(), json!(op.produces));
            o.insert("schemes".into(), json!(["https"]));
        }
        Flavor::V3 => {
            if let Some((types, schema)) = &op.body {
                let content: Map<String, Value> = types
                    .iter()
                    .map(|t| {
                        (
                            (*t).to_string(),
                            json!({"schema": {"$ref": flavor.ref_to(schema)}}),
                        )
                    })
                    .collect();
                o.insert(
                    "requestBody".into(),
                    json!({"content": content, "required": true}),
                );
            }
        }
    }
    o.insert("tags".into(), json!([op.tag]));
    o.insert("operationId".into(), op.operation_id.into());
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    let mut responses = Map::new();
    for (code, text, schema) in op.responses {
        let r = match flavor {
            Flavor::V2 => json!({"description": text, "schema": {"$ref": flavor.ref_to(schema)}}),
            Flavor::V3 => {
                let content: Map<String, Value> = op
                    .produces
                    .iter()
                    .map(|t| {
                        (
                            (*t).to_string(),
                            json!({"schema": {"$ref": flavor.ref_to(schema)}}),
                        )
                    })
                    .collect();
                json!({"description": text, "content": content})
            }
        };
        responses.insert(code.into(), r);
    }
    responses.insert("401".into(), json!({"description": "Unauthorized"}));
    o.insert("responses".into(), Value::Object(responses));
    o.insert("x-kubernetes-action".into(), op.action.into());
    if let Some(gvk) = op.gvk {
        o.insert(
            "x-kubernetes-group-version-kind".into(),
            json!({"group": gvk.group, "version": gvk.version, "kind": gvk.kind}),
        );
    }
    Value::Object(o)
}

fn add_discovery_path(
    flavor: Flavor,
    group: &str,
    version: &str,
    paths: &mut BTreeMap<String, Value>,
    roots: &mut BTreeSet<String>,
) {
    roots.insert(API_RESOURCE_LIST.into());
    let op = Op {
        action: "get",
        operation_id: format!(
            "get{}{}APIResources",
            group_camel(group),
            capitalize(version)
        ),
        description: "get available resources".into(),
        params: Vec::new(),
        body: None,
        responses: vec![("200", "OK", API_RESOURCE_LIST)],
        produces: produces(false, false),
        gvk: None,
        tag: tag(group, version),
    };
    let mut o = write_op(flavor, op);
    if let Some(m) = o.as_object_mut() {
        m.remove("x-kubernetes-action");
    }
    paths.insert(
        format!("{}/", url_prefix(group, version)),
        json!({ "get": o }),
    );
}

fn add_resource(
    flavor: Flavor,
    r: &ServedResource,
    paths: &mut BTreeMap<String, Value>,
    roots: &mut BTreeSet<String>,
    custom: &mut BTreeMap<String, Value>,
) {
    let Some((kind_def, list_def)) = r.definition_names() else {
        return;
    };
    if let Some(schema) = &r.custom_schema {
        custom.insert(kind_def.clone(), custom_kind_schema(r, schema));
        if let Some(list) = &list_def {
            custom.insert(list.clone(), custom_list_schema(r, &kind_def));
        }
    }
    roots.insert(kind_def.clone());
    if let Some(list) = &list_def {
        roots.insert(list.clone());
    }
    roots.extend([DELETE_OPTIONS, STATUS, PATCH].map(String::from));

    let is_custom = r.custom_schema.is_some();
    let gvk = r.gvk();
    let prefix = url_prefix(&r.group, &r.version);
    let (scope, ns_segment) = if r.namespaced {
        ("Namespaced", "/namespaces/{namespace}")
    } else {
        ("", "")
    };
    let id = |verb: &str, extra: &str| {
        format!(
            "{verb}{}{}{scope}{}{extra}",
            group_camel(&r.group),
            capitalize(&r.version),
            r.kind
        )
    };
    let name_param = param(
        flavor,
        "name",
        "path",
        "string",
        &format!("name of the {}", r.kind),
    );
    let ns_param = param(
        flavor,
        "namespace",
        "path",
        "string",
        "object name and auth scope, such as for teams and projects",
    );
    let pretty = param(
        flavor,
        "pretty",
        "query",
        "string",
        "If 'true', the output is pretty printed.",
    );
    let tag = tag(&r.group, &r.version);
    let op = |action: &'static str, operation_id: String, description: String| Op {
        action,
        operation_id,
        description,
        params: Vec::new(),
        body: None,
        responses: Vec::new(),
        produces: produces(is_custom, false),
        gvk: Some(gvk.clone()),
        tag: tag.clone(),
    };
    let path_params = |with_name: bool| {
        let mut p = Vec::new();
        if with_name {
            p.push(name_param.clone());
        }
        if r.namespaced {
            p.push(ns_param.clone());
        }
        p.push(pretty.clone());
        p
    };

    // The collection: list, create, deletecollection.
    let mut collection = Map::new();
    if r.has_verb("list")
        && let Some(list) = &list_def
    {
        let mut o = op(
            "list",
            id("list", ""),
            format!("list or watch objects of kind {}", r.kind),
        );
        o.params = query_params(flavor, LIST_PARAMS);
        o.responses = vec![("200", "OK", list)];
        o.produces = produces(is_custom, true);
        collection.insert("get".into(), write_op(flavor, o));
    }
    if r.has_verb("create") {
        let mut o = op("post", id("create", ""), format!("create a {}", r.kind));
        o.params = query_params(flavor, WRITE_PARAMS);
        o.body = Some((vec!["*/*"], &kind_def));
        o.responses = vec![
            ("200", "OK", &kind_def),
            ("201", "Created", &kind_def),
            ("202", "Accepted", &kind_def),
        ];
        collection.insert("post".into(), write_op(flavor, o));
    }
    if r.has_verb("deletecollection") {
        let mut o = op(
            "deletecollection",
            format!(
                "delete{}{}Collection{scope}{}",
                group_camel(&r.group),
                capitalize(&r.version),
                r.kind
            ),
            format!("delete collection of {}", r.kind),
        );
        o.params = query_params(flavor, DELETE_COLLECTION_PARAMS);
        o.body = Some((vec!["*/*"], DELETE_OPTIONS));
        o.responses = vec![("200", "OK", STATUS)];
        collection.insert("delete".into(), write_op(flavor, o));
    }
    if !collection.is_empty() {
        collection.insert("parameters".into(), Value::Array(path_params(false)));
        paths.insert(
            format!("{prefix}{ns_segment}/{}", r.resource),
            Value::Object(collection),
        );
    }

    // Listing a namespaced resource across namespaces.
    if r.namespaced
        && r.has_verb("list")
        && let Some(list) = &list_def
    {
        let mut o = op(
            "list",
            format!(
                "list{}{}{}ForAllNamespaces",
                group_camel(&r.group),
                capitalize(&r.version),
                r.kind
            ),
            format!("list or watch objects of kind {}", r.kind),
        );
        o.responses = vec![("200", "OK", list)];
        o.produces = produces(is_custom, true);
        let mut all = Map::new();
        all.insert("get".into(), write_op(flavor, o));
        let mut params = query_params(flavor, LIST_PARAMS);
        params.push(pretty.clone());
        all.insert("parameters".into(), Value::Array(params));
        paths.insert(format!("{prefix}/{}", r.resource), Value::Object(all));
    }

    // The object and its subresources: get, replace, patch, delete.
    let mut item_paths = vec![(String::new(), String::new())];
    for sub in &r.subresources {
        item_paths.push((format!("/{sub}"), capitalize(sub)));
    }
    for (suffix, sub_camel) in item_paths {
        let what = if suffix.is_empty() {
            format!("the specified {}", r.kind)
        } else {
            format!("{} of the specified {}", &suffix[1..], r.kind)
        };
        let mut item = Map::new();
        if r.has_verb("get") {
            let mut o = op("get", id("read", &sub_camel), format!("read {what}"));
            o.responses = vec![("200", "OK", &kind_def)];
            item.insert("get".into(), write_op(flavor, o));
        }
        if r.has_verb("update") {
            let mut o = op("put", id("replace", &sub_camel), format!("replace {what}"));
            o.params = query_params(flavor, WRITE_PARAMS);
            o.body = Some((vec!["*/*"], &kind_def));
            o.responses = vec![("200", "OK", &kind_def), ("201", "Created", &kind_def)];
            item.insert("put".into(), write_op(flavor, o));
        }
        if r.has_verb("patch") {
            let mut o = op(
                "patch",
                id("patch", &sub_camel),
                format!("partially update {what}"),
            );
            o.params = query_params(flavor, PATCH_PARAMS);
            o.body = Some((patch_types(is_custom), PATCH));
            o.responses = vec![("200", "OK", &kind_def), ("201", "Created", &kind_def)];
            item.insert("patch".into(), write_op(flavor, o));
        }
        if r.has_verb("delete") && suffix.is_empty() {
            let mut o = op("delete", id("delete", ""), format!("delete a {}", r.kind));
            o.params = query_params(flavor, DELETE_PARAMS);
            o.body = Some((vec!["*/*"], DELETE_OPTIONS));
            o.responses = vec![("200", "OK", STATUS), ("202", "Accepted", STATUS)];
            item.insert("delete".into(), write_op(flavor, o));
        }
        if !item.is_empty() {
            item.insert("parameters".into(), Value::Array(path_params(true)));
            paths.insert(
                format!("{prefix}{ns_segment}/{}/{{name}}{suffix}", r.resource),
                Value::Object(item),
            );
        }
    }
}

/// The definition of a custom kind: its schema plus the standard `apiVersion`, `kind` and
/// `metadata`, and the GVK extension.
fn custom_kind_schema(r: &ServedResource, schema: &Value) -> Value {
    let mut def = match schema {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    def.entry("type").or_insert_with(|| "object".into());
    let props = def
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(props) = props {
        let (api_version, kind) = type_meta_properties();
        props.insert("apiVersion".into(), api_version);
        props.insert("kind".into(), kind);
        props.insert(
            "metadata".into(),
            json!({"$ref": format!("#/$defs/{OBJECT_META}"),
                   "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"}),
        );
    }
    def.insert(
        "x-kubernetes-group-version-kind".into(),
        json!([r.gvk().to_extension()]),
    );
    if let Some(fields) = r.selectable_extension() {
        def.insert("x-kubernetes-selectable-fields".into(), fields);
    }
    Value::Object(def)
}

fn custom_list_schema(r: &ServedResource, kind_def: &str) -> Value {
    let (api_version, kind) = type_meta_properties();
    let mut list_gvk = r.gvk();
    list_gvk.kind.push_str("List");
    let mut list = json!({
        "description": format!("{}List is a list of {}", r.kind, r.kind),
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": api_version,
            "items": {
                "description": format!("List of {}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md", r.resource),
                "type": "array",
                "items": {"$ref": format!("#/$defs/{kind_def}")}
            },
            "kind": kind,
            "metadata": {"$ref": format!("#/$defs/{LIST_META}"),
                         "description": "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"}
        },
        "x-kubernetes-group-version-kind": [list_gvk.to_extension()],
    });
    if let Some(fields) = r.selectable_extension() {
        list["x-kubernetes-selectable-fields"] = fields;
    }
    list
}

/// `apiVersion` and `kind` as every built-in type describes them (from `Status`).
fn type_meta_properties() -> (Value, Value) {
    let status = Definitions::builtin().get(STATUS);
    let describe = |field: &str| {
        let description = status
            .and_then(|s| s.property(field))
            .and_then(|p| p.description())
            .unwrap_or_default();
        json!({"description": description, "type": "string"})
    };
    (describe("apiVersion"), describe("kind"))
}

/// The schemas reachable from `roots`, converted to the flavor's form, sorted by name.
/// What only kube's OpenAPI v3 documents say of the built-in types: the zero-value `default`s
/// Go's decoding fills in. A JSON merge patch over the definitions, written by
/// `scripts/extract-openapi-overlay.py --v3` (see the data's `NOTICE.md`).
static V3_OVERLAY_JSON: &[u8] =
    include_bytes!("../../data/kubernetes-openapi-1.36/overlay-v3.json");

fn v3_overlay() -> &'static Map<String, Value> {
    static OVERLAY: OnceLock<Map<String, Value>> = OnceLock::new();
    OVERLAY.get_or_init(|| serde_json::from_slice(V3_OVERLAY_JSON).unwrap_or_default())
}

/// A built-in definition as a v3 document of `group_version` shows it: with its defaults, and
/// the kinds a shared type (`DeleteOptions`, `WatchEvent`) is served as reduced to core/v1's and
/// the document's own.
fn v3_definition(name: &str, raw: &Value, group_version: (&str, &str)) -> Value {
    let mut def = raw.clone();
    if let Some(patch) = v3_overlay().get(name) {
        json_patch::merge(&mut def, patch);
    }
    if let Some(Value::Array(gvks)) = def.get_mut("x-kubernetes-group-version-kind")
        && gvks.len() > 1
    {
        gvks.retain(|g| {
            let gv = (
                g["group"].as_str().unwrap_or_default(),
                g["version"].as_str().unwrap_or_default(),
            );
            gv == ("", "v1") || gv == group_version
        });
    }
    def
}

fn schemas(
    flavor: Flavor,
    roots: &BTreeSet<String>,
    custom: &BTreeMap<String, Value>,
    group_version: Option<(&str, &str)>,
) -> Value {
    let defs = Definitions::builtin();
    let mut out = BTreeMap::new();
    let mut queue: VecDeque<String> = roots.iter().cloned().collect();
    while let Some(name) = queue.pop_front() {
        if out.contains_key(&name) {
            continue;
        }
        let raw = match custom.get(&name) {
            Some(v) => v,
            None => match defs.raw(&name) {
                Some(v) => v,
                None => continue,
            },
        };
        collect_refs(raw, &mut queue);
        let converted = if custom.contains_key(&name) {
            convert_custom(flavor, raw)
        } else if let Some(gv) = group_version {
            convert_definition(flavor, &name, &v3_definition(&name, raw, gv))
        } else {
            convert_definition(flavor, &name, raw)
        };
        out.insert(name, converted);
    }
    json!(out)
}

fn collect_refs(v: &Value, queue: &mut VecDeque<String>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                queue.push_back(ref_name(r).to_string());
            }
            m.values().for_each(|c| collect_refs(c, queue));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_refs(c, queue)),
        _ => {}
    }
}

/// A built-in definition in OpenAPI form.
fn convert_definition(flavor: Flavor, name: &str, raw: &Value) -> Value {
    let description = raw.get("description").cloned();
    let with_description = |mut v: Map<String, Value>| {
        if let Some(d) = &description {
            v.insert("description".into(), d.clone());
        }
        Value::Object(v)
    };
    match (name, flavor) {
        (INT_OR_STRING, Flavor::V2) => {
            with_description(obj(json!({"type": "string", "format": "int-or-string"})))
        }
        (INT_OR_STRING, Flavor::V3) => with_description(obj(json!({
            "format": "int-or-string",
            "oneOf": [{"type": "integer"}, {"type": "string"}]
        }))),
        (QUANTITY, Flavor::V2) => with_description(obj(json!({"type": "string"}))),
        (QUANTITY, Flavor::V3) => with_description(obj(
            json!({"oneOf": [{"type": "string"}, {"type": "number"}]}),
        )),
        _ => convert_node(flavor, raw),
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Rewrites one schema node (recursively) from the definitions' JSON Schema form.
fn convert_node(flavor: Flavor, v: &Value) -> Value {
    let Value::Object(m) = v else {
        return v.clone();
    };
    let mut out = Map::new();
    for (k, val) in m {
        let converted = match k.as_str() {
            "type" => match val {
                Value::Array(types) => match types.iter().find(|t| t.as_str() != Some("null")) {
                    Some(t) => t.clone(),
                    None => continue,
                },
                other => other.clone(),
            },
            "$ref" => match val.as_str() {
                Some(r) => Value::String(flavor.ref_to(ref_name(r))),
                None => continue,
            },
            "properties" => {
                let Value::Object(props) = val else { continue };
                let mut converted = Map::new();
                for (name, prop) in props {
                    converted.insert(name.clone(), convert_node(flavor, prop));
                }
                Value::Object(converted)
            }
            "items" | "additionalProperties" | "not" => convert_node(flavor, val),
            "allOf" | "oneOf" | "anyOf" => match val {
                Value::Array(a) => {
                    Value::Array(a.iter().map(|x| convert_node(flavor, x)).collect())
                }
                other => other.clone(),
            },
            _ => val.clone(),
        };
        out.insert(k.clone(), converted);
    }
    wrap_ref(flavor, out)
}

/// OpenAPI 3.0 ignores siblings of `$ref`; Kubernetes wraps such refs in `allOf`.
fn wrap_ref(flavor: Flavor, mut out: Map<String, Value>) -> Value {
    if flavor == Flavor::V3
        && out.len() > 1
        && let Some(r) = out.remove("$ref")
    {
        out.insert("allOf".into(), json!([{ "$ref": r }]));
    }
    Value::Object(out)
}

/// What the v2 document leaves out of one custom schema node, as apiextensions'
/// `ToStructuralOpenAPIV2` and kube-openapi's `PruneDefaults` do: the keywords swagger 2.0 lacks;
/// defaults; a nullable node's type, items and properties (kubectl cannot read them); a node
/// keeping unknown fields has no items or properties, nor `type: object`; an array left without
/// items loses its type.
fn v2_dropped(m: &Map<String, Value>, key: &str) -> bool {
    let flag = |k: &str| m.get(k).and_then(Value::as_bool) == Some(true);
    let (nullable, preserve) = (
        flag("nullable"),
        flag("x-kubernetes-preserve-unknown-fields"),
    );
    let ty = m.get("type").and_then(Value::as_str);
    match key {
        "nullable" | "oneOf" | "anyOf" | "not" | "allOf" | "default" => true,
        "items" | "properties" => nullable || preserve,
        "type" => {
            let items_kept = m.contains_key("items") && !nullable && !preserve;
            nullable
                || flag("x-kubernetes-int-or-string")
                || (preserve && ty == Some("object"))
                || (ty == Some("array") && !items_kept)
        }
        _ => false,
    }
}

/// `required` in v2: without the properties that are nullable (all of them when the values of
/// a map are nullable), as `ToStructuralOpenAPIV2` does.
fn v2_required(m: &Map<String, Value>, required: &Value) -> Option<Value> {
    let nullable = |s: Option<&Value>| {
        s.and_then(|s| s.get("nullable")).and_then(Value::as_bool) == Some(true)
    };
    if nullable(m.get("additionalProperties")) {
        return None;
    }
    let props = m.get("properties").filter(|_| !v2_dropped(m, "properties"));
    let kept: Vec<Value> = required
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| !nullable(r.as_str().and_then(|r| props.and_then(|p| p.get(r)))))
        .cloned()
        .collect();
    (!kept.is_empty()).then_some(Value::Array(kept))
}

/// A custom resource's schema (OpenAPI v3 already, refs written as `#/$defs/`): refs rewritten;
/// for v2, what swagger 2.0 and kubectl cannot take is dropped, as Kubernetes does
/// ([`v2_dropped`]).
fn convert_custom(flavor: Flavor, v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, val) in m {
                if flavor == Flavor::V2 && v2_dropped(m, k) {
                    continue;
                }
                if flavor == Flavor::V2 && k == "required" {
                    if let Some(r) = v2_required(m, val) {
                        out.insert(k.clone(), r);
                    }
                    continue;
                }
                let converted = match (k.as_str(), val) {
                    ("$ref", Value::String(r)) => Value::String(flavor.ref_to(ref_name(r))),
                    // Property names and enum/default/example values are data, not schemas.
                    ("properties", Value::Object(props)) => Value::Object(
                        props
                            .iter()
                            .map(|(n, p)| (n.clone(), convert_custom(flavor, p)))
                            .collect(),
                    ),
                    ("enum" | "default" | "example" | "x-kubernetes-validations", _) => val.clone(),
                    _ => convert_custom(flavor, val),
                };
                out.insert(k.clone(), converted);
            }
            wrap_ref(flavor, out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| convert_custom(flavor, x)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(kind: &str, resource: &str, namespaced: bool) -> ServedResource {
        ServedResource::builtin(
            &GroupVersionKind::new("", "v1", kind),
            resource,
            namespaced,
            &[
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ],
        )
    }

    fn deployments() -> ServedResource {
        ServedResource::builtin(
            &GroupVersionKind::new("apps", "v1", "Deployment"),
            "deployments",
            true,
            &[
                "create", "delete", "get", "list", "patch", "update", "watch",
            ],
        )
        .with_subresources(&["status"])
    }

    fn crontabs() -> ServedResource {
        ServedResource::custom(
            &GroupVersionKind::new("stable.example.com", "v1", "CronTab"),
            "crontabs",
            true,
            &["get", "list", "create", "patch", "update", "delete"],
            json!({"type": "object", "properties": {
                "spec": {"type": "object", "properties": {
                    "cronSpec": {"type": "string"},
                    "replicas": {"type": "integer", "nullable": true},
                    "port": {"x-kubernetes-int-or-string": true,
                             "anyOf": [{"type": "integer"}, {"type": "string"}]}}}}}),
        )
    }

    fn served() -> Vec<ServedResource> {
        vec![
            core("ConfigMap", "configmaps", true),
            core("Namespace", "namespaces", false),
            deployments(),
            crontabs(),
        ]
    }

    fn parse(doc: &RenderedDocument) -> Value {
        serde_json::from_slice(&doc.body).unwrap()
    }

    /// Every `$ref` in `doc` points into `schemas`.
    fn assert_refs_resolve(v: &Value, prefix: &str, schemas: &Map<String, Value>) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                    let name = r
                        .strip_prefix(prefix)
                        .unwrap_or_else(|| panic!("bad ref {r}"));
                    assert!(schemas.contains_key(name), "dangling ref {r}");
                    assert_eq!(m.len(), 1, "v3 $ref with siblings: {m:?}");
                }
                m.values()
                    .for_each(|c| assert_refs_resolve(c, prefix, schemas));
            }
            Value::Array(a) => a
                .iter()
                .for_each(|c| assert_refs_resolve(c, prefix, schemas)),
            _ => {}
        }
    }

    #[test]
    fn v3_index_points_at_each_group_version() {
        let v3 = openapi_v3(&served());
        let index = parse(&v3.index);
        let paths = index["paths"].as_object().unwrap();
        let keys: Vec<&str> = paths.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            vec!["api/v1", "apis/apps/v1", "apis/stable.example.com/v1"]
        );
        let core = v3.group_version("api/v1").unwrap();
        assert_eq!(core.etag.len(), 128);
        assert_eq!(
            paths["api/v1"]["serverRelativeURL"],
            format!("/openapi/v3/api/v1?hash={}", core.etag)
        );
        assert_eq!(hex_upper(&Sha512::digest(&core.body)), core.etag);
    }

    #[test]
    fn v3_core_document_serves_explain_and_apply() {
        let v3 = openapi_v3(&served());
        let doc = parse(v3.group_version("/api/v1").unwrap());
        assert_eq!(doc["openapi"], "3.0.0");
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        assert_refs_resolve(&doc, "#/components/schemas/", schemas);

        // explain: the GVK on an operation of the resource's path…
        let path = &doc["paths"]["/api/v1/namespaces/{namespace}/configmaps"];
        let gvk = json!({"group": "", "version": "v1", "kind": "ConfigMap"});
        assert_eq!(path["get"]["x-kubernetes-group-version-kind"], gvk);
        // …and a schema carrying the same GVK.
        let cm = &schemas["io.k8s.api.core.v1.ConfigMap"];
        assert_eq!(cm["x-kubernetes-group-version-kind"][0], gvk);
        assert_eq!(cm["type"], "object");
        assert_eq!(
            cm["properties"]["data"]["additionalProperties"]["type"],
            "string"
        );
        assert!(cm["properties"]["kind"].get("enum").is_none());
        assert_eq!(cm["properties"]["kind"]["type"], "string");
        assert_eq!(
            cm["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );

        // apply: a patch operation with the GVK, strategic merge, and fieldValidation.
        let patch = &doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"];
        assert_eq!(patch["x-kubernetes-group-version-kind"], gvk);
        assert!(
            patch["requestBody"]["content"]["application/strategic-merge-patch+json"].is_object()
        );
        assert!(
            patch["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation" && p["in"] == "query")
        );
        assert_eq!(patch["operationId"], "patchCoreV1NamespacedConfigMap");

        // Cluster-scoped paths have no namespace segment.
        assert!(doc["paths"]["/api/v1/namespaces/{name}"]["get"].is_object());
        // Special types in their published v3 shapes.
        assert_eq!(
            schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"],
            json!({"description": schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]["description"], "format": "date-time", "type": "string"})
        );
    }

    #[test]
    fn v3_apps_document_keeps_patch_metadata() {
        let v3 = openapi_v3(&served());
        let doc = parse(v3.group_version("apis/apps/v1").unwrap());
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        assert_refs_resolve(&doc, "#/components/schemas/", schemas);
        let containers = &schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
        assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
        assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
        assert_eq!(containers["type"], "array");
        let ios = &schemas[INT_OR_STRING];
        assert_eq!(ios["format"], "int-or-string");
        assert_eq!(
            ios["oneOf"],
            json!([{"type": "integer"}, {"type": "string"}])
        );
        assert!(
            doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]["patch"]
                .is_object()
        );
        assert_eq!(
            doc["paths"]["/apis/apps/v1/deployments"]["get"]["operationId"],
            "listAppsV1DeploymentForAllNamespaces"
        );
        // Only this group-version's paths.
        assert!(
            doc["paths"]
                .as_object()
                .unwrap()
                .keys()
                .all(|k| k.starts_with("/apis/apps/v1"))
        );
    }

    #[test]
    fn v3_custom_resource_document() {
        let v3 = openapi_v3(&served());
        let doc = parse(v3.group_version("apis/stable.example.com/v1").unwrap());
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        assert_refs_resolve(&doc, "#/components/schemas/", schemas);
        let ct = &schemas["com.example.stable.v1.CronTab"];
        assert_eq!(
            ct["x-kubernetes-group-version-kind"],
            json!([{"group": "stable.example.com", "kind": "CronTab", "version": "v1"}])
        );
        assert_eq!(
            ct["properties"]["spec"]["properties"]["cronSpec"]["type"],
            "string"
        );
        assert!(schemas.contains_key("com.example.stable.v1.CronTabList"));
        let patch = &doc["paths"]["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]
            ["patch"];
        // No strategic merge patch for custom resources: kubectl falls back to a merge patch.
        assert!(
            patch["requestBody"]["content"]
                .get("application/strategic-merge-patch+json")
                .is_none()
        );
        assert!(patch["requestBody"]["content"]["application/merge-patch+json"].is_object());
    }

    #[test]
    fn v2_document_shape() {
        let v2 = openapi_v2(&served());
        let doc = parse(&v2.json);
        assert_eq!(doc["swagger"], "2.0");
        let defs = doc["definitions"].as_object().unwrap();
        // v2 keeps siblings next to $ref, so check refs resolve without the sibling rule.
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                        out.push(r.to_string());
                    }
                    m.values().for_each(|c| refs(c, out));
                }
                Value::Array(a) => a.iter().for_each(|c| refs(c, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        for r in all {
            let name = r.strip_prefix("#/definitions/").unwrap();
            assert!(defs.contains_key(name), "dangling {r}");
        }
        let cm = &defs["io.k8s.api.core.v1.ConfigMap"];
        assert_eq!(
            cm["x-kubernetes-group-version-kind"],
            json!([{"group": "", "kind": "ConfigMap", "version": "v1"}])
        );
        assert_eq!(
            cm["properties"]["metadata"]["$ref"],
            "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
        assert_eq!(defs[INT_OR_STRING]["type"], "string");
        assert_eq!(defs[INT_OR_STRING]["format"], "int-or-string");
        assert_eq!(defs[QUANTITY]["type"], "string");
        let port =
            &defs["com.example.stable.v1.CronTab"]["properties"]["spec"]["properties"]["port"];
        assert!(port.get("anyOf").is_none() && port.get("type").is_none());
        let patch =
            &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert!(
            patch["consumes"]
                .as_array()
                .unwrap()
                .contains(&json!("application/strategic-merge-patch+json"))
        );
        assert_eq!(patch["parameters"][0]["in"], "body");
    }

    #[test]
    fn rendering_is_cached_and_order_independent() {
        let a = openapi_v3(&served());
        let mut reversed = served();
        reversed.reverse();
        let b = openapi_v3(&reversed);
        assert!(Arc::ptr_eq(&a, &b));
        let fewer = openapi_v3(&served()[..1]);
        assert_eq!(fewer.group_versions.len(), 1);
        assert!(fewer.group_versions["api/v1"].body.len() < a.group_versions["api/v1"].body.len());
    }

    #[test]
    fn names() {
        assert_eq!(
            custom_definition_name("stable.example.com", "v1", "CronTab"),
            "com.example.stable.v1.CronTab"
        );
        assert_eq!(
            group_camel("rbac.authorization.k8s.io"),
            "RbacAuthorization"
        );
        assert_eq!(
            tag("rbac.authorization.k8s.io", "v1"),
            "rbacAuthorization_v1"
        );
        assert_eq!(tag("", "v1"), "core_v1");
        assert_eq!(group_version_path("apps", "v1"), "apis/apps/v1");
    }
}
