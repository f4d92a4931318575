//! `syncagent.kcp.io/v1alpha1` (`reference/api-syncagent.md` §2): the `PublishedResource`, which
//! tells the api-syncagent which API of the service cluster to publish into kcp, how to name the
//! local copies, how to rename the API in kcp, how to rewrite objects on the way, and which
//! related objects travel with them.
//!
//! The JSON is the Go agent's: every field has its Go name, and a field Go leaves out when empty
//! (`omitempty`, pointers) is left out here too, so an object written by the Go agent reads and
//! writes back unchanged. `projection.shortNames` and `projection.categories` keep their presence
//! (absent keeps the CRD's, `[]` removes them), hence `Option<Vec<String>>`.
//!
//! [`PublishedResource`] is derived from [`PublishedResourceSpec`] by kube's
//! `#[derive(CustomResource)]`; its CustomResourceDefinition ([`crd`]) is generated from these
//! types (schemars), CEL rules included, and is committed as
//! `config/crd/syncagent.kcp.io_publishedresources.yaml` (a test keeps the two equal).

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube_core::crd::v1::CustomResourceExt as _;
use kube_derive::CustomResource;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::resource::is_false;

/// The version.
pub const VERSION: &str = "v1alpha1";

/// The CEL rules (`rule`, `message`) on every item of `spec.related`, in upstream's order.
pub const RELATED_RESOURCE_SPEC_VALIDATIONS: [(&str, &str); 5] = [
    (
        "has(self.kind) != (has(self.version) || has(self.resource))",
        "must specify either kind (deprecated) or group, version, resource",
    ),
    (
        "has(self.resource) == has(self.version)",
        "resource and version must be configured together or not at all",
    ),
    (
        "!has(self.group) || (has(self.resource) && has(self.version))",
        "configuring a group also requires a version and resource",
    ),
    (
        "!has(self.identityHash) || (has(self.group) && has(self.version) && has(self.resource))",
        "identity hashes can only be used with GVRs",
    ),
    (
        "!(self.origin == 'service' && has(self.syncStatus) && self.syncStatus) || has(self.watch)",
        "watch must be configured when origin is service and syncStatus is true",
    ),
];

/// The CEL rule (`rule`, `message`) on `spec.related[].watch`.
pub const RELATED_RESOURCE_WATCH_VALIDATIONS: [(&str, &str); 1] = [(
    "has(self.byOwner) != has(self.bySelector)",
    "exactly one of byOwner or bySelector must be set",
)];

/// The `spec` of a PublishedResource: what to publish, and how.
#[derive(CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "syncagent.kcp.io",
    version = "v1alpha1",
    kind = "PublishedResource",
    plural = "publishedresources",
    doc = "How an API of the service cluster (usually a CRD's) is published into kcp workspaces and how its objects are synchronised. Cluster-scoped, with a status subresource.",
    status = "PublishedResourceStatus",
    derive = "PartialEq",
    derive = "Default",
    crates(
        kube_core = "::kube_core",
        k8s_openapi = "::k8s_openapi",
        schemars = "::schemars",
        serde = "::serde",
        serde_json = "::serde_json"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct PublishedResourceSpec {
    /// The resource of the service cluster to publish.
    pub resource: SourceResourceDescriptor,
    /// Restricts which kcp objects the agent handles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<ResourceFilter>,
    /// How the namespace and name of local copies are made (defaults guard against collisions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naming: Option<ResourceNaming>,
    /// Also resolve the kcp workspace path of each object (one more request per object).
    #[serde(default, skip_serializing_if = "is_false")]
    pub enable_workspace_paths: bool,
    /// Renames the API (group, versions, kind, plural, scope, short names, categories) in kcp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<ResourceProjection>,
    /// Rewrite rules applied to objects in both directions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation: Option<ResourceMutationSpec>,
    /// Other objects synchronised along with each object (credentials Secrets and the like).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedResourceSpec>,
    /// Whether objects are synchronised at all (absent: yes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synchronization: Option<SynchronizationSpec>,
    /// How a kcp object's deletion reaches its copy (not in the Go agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion: Option<DeletionSpec>,
    /// What happens when the copy's name is taken by an object that is not this kcp object's
    /// copy (not in the Go agent). Absent: `Adopt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict_policy: Option<ConflictPolicy>,
}

/// How a kcp object's deletion reaches its copy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletionSpec {
    /// Delete the copy only once the agent's finalizer is the only one left on the kcp object
    /// (absent: true). `false` deletes it at once, as the Go agent does, for controllers in kcp
    /// that wait for the copy to be gone before they release their own finalizer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for_other_finalizers: Option<bool>,
}

string_enum! {
    /// What the agent does when creating a copy finds an object of that name that is not the
    /// copy of this kcp object.
    #[derive(JsonSchema)]
    pub enum ConflictPolicy {
        /// Take it over, keeping its spec (the Go agent's behaviour), unless it is the copy of
        /// another kcp object.
        Adopt = "Adopt",
        /// Leave it untouched, report the conflict and try again until the name is free.
        Fail = "Fail",
        /// Take it over, replacing it with the desired state.
        Overwrite = "Overwrite",
    }
}

/// A list of PublishedResources.
pub type PublishedResourceList = kube_core::ObjectList<PublishedResource>;

impl PublishedResource {
    /// Group of the kind.
    pub const GROUP: &'static str = super::GROUP;
    /// Version of this struct.
    pub const VERSION: &'static str = VERSION;
    /// Kind.
    pub const KIND: &'static str = "PublishedResource";
    /// Resource (plural).
    pub const RESOURCE: &'static str = "publishedresources";

    /// The object's name ("" when unset).
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    /// Whether the copy waits for the kcp object's other finalizers before it is deleted.
    pub fn waits_for_other_finalizers(&self) -> bool {
        self.spec
            .deletion
            .as_ref()
            .and_then(|d| d.wait_for_other_finalizers)
            .unwrap_or(true)
    }

    /// The conflict policy (absent: `Adopt`).
    pub fn conflict_policy(&self) -> ConflictPolicy {
        self.spec.conflict_policy.unwrap_or(ConflictPolicy::Adopt)
    }

    /// Whether objects are synchronised (`spec.synchronization` absent or enabled).
    pub fn sync_enabled(&self) -> bool {
        self.spec.synchronization.as_ref().is_none_or(|s| s.enabled)
    }

    /// The name of the APIResourceSchema made from the current projected CRD ("" when none yet).
    pub fn resource_schema_name(&self) -> &str {
        self.status
            .as_ref()
            .map(|s| s.resource_schema_name.as_str())
            .unwrap_or_default()
    }
}

/// The resource of the service cluster to publish.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceResourceDescriptor {
    /// The API group, e.g. `cert-manager.io` (`""` for the core group).
    pub api_group: String,
    /// Publish only this version. Deprecated: use `versions`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// The versions to publish (empty: all of the CRD's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// The kind, e.g. `Certificate`.
    pub kind: String,
}

/// Label selectors on kcp objects: objects that do not match are not synchronised.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceFilter {
    /// Applied to the labels of the kcp namespace the object is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "label_selector_schema")]
    pub namespace: Option<LabelSelector>,
    /// Applied to the kcp object's own labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "label_selector_schema")]
    pub resource: Option<LabelSelector>,
}

/// How the namespace and name of local copies are made: Go templates (or, deprecated, strings
/// with `$remote…` placeholders).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceNaming {
    /// The local name. Empty:
    /// `{{ .Object.metadata.namespace | sha3short }}-{{ .Object.metadata.name | sha3short }}`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The local namespace (namespaced resources). Empty: `{{ .ClusterName }}`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

string_enum! {
    /// The scope of a resource (as `apiextensions.k8s.io`'s).
    #[derive(JsonSchema)]
    pub enum ResourceScope {
        Cluster = "Cluster",
        Namespaced = "Namespaced",
    }
}

/// How the published API is renamed in kcp; every field is optional and overrides one name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceProjection {
    /// The API group in kcp.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The single version's name in kcp. Deprecated: use `versions`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Renames versions (service cluster's → kcp's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, String>,
    /// The scope in kcp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ResourceScope>,
    /// The kind in kcp (also sets the singular, `kind` lowercased, and the plural, that plus `s`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The plural in kcp.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub plural: String,
    /// Replaces the short names when present (`[]` removes them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_names: Option<Vec<String>>,
    /// Replaces the categories when present (`[]` removes them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
}

/// Rewrite rules: `spec` ones on the way to the destination, `status` ones on the way back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceMutationSpec {
    /// Applied, in order, to the kcp object before it is written to the service cluster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spec: Vec<ResourceMutation>,
    /// Applied, in order, to the local copy before its status is copied back to kcp.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<ResourceMutation>,
}

/// One rewrite rule: exactly one of its fields should be set (not validated by the CRD).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceMutation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete: Option<ResourceDeleteMutation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<ResourceRegexMutation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<ResourceTemplateMutation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cel: Option<ResourceCELMutation>,
}

/// Removes the value at `path`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceDeleteMutation {
    pub path: String,
}

/// Replaces `pattern` (a Go regular expression) in the value at `path` by `replacement`; an empty
/// pattern sets the value to `replacement`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceRegexMutation {
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pattern: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub replacement: String,
}

/// Sets the value at `path` to the rendered Go `template`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceTemplateMutation {
    pub path: String,
    pub template: String,
}

/// Sets the value at `path` to the result of the CEL `expression`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceCELMutation {
    pub path: String,
    pub expression: String,
}

string_enum! {
    /// The side where a related object is authored.
    #[derive(JsonSchema)]
    pub enum RelatedResourceOrigin {
        Service = "service",
        Kcp = "kcp",
    }
}

/// A kind of related object, and how to find its objects for each primary object.
///
/// Either the deprecated `kind` or `version` and `resource` (and `group`, empty for core) must be
/// set (the CRD's rules are `RELATED_RESOURCE_SPEC_VALIDATIONS`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = cel_rules(&RELATED_RESOURCE_SPEC_VALIDATIONS)))]
pub struct RelatedResourceSpec {
    /// Unique within the PublishedResource, e.g. `credentials`.
    pub identifier: String,
    /// Where the objects are authored.
    pub origin: RelatedResourceOrigin,
    /// The API group (empty for core).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The API version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// The resource (plural), e.g. `secrets`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource: String,
    /// Deprecated: `ConfigMap` or `Secret` (core v1); use `version` and `resource`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(extend("enum" = ["ConfigMap", "Secret"]))]
    pub kind: String,
    /// The identity hash of the APIExport providing the resource, if another export does.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity_hash: String,
    /// Delete the destination copies when the primary object is deleted.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cleanup: bool,
    /// Group, version and resource on the destination side (each overrides when not empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<RelatedResourceProjection>,
    /// How the objects are found on the origin side and placed on the destination side.
    pub object: RelatedResourceObject,
    /// Rewrite rules for the related objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutation: Option<ResourceMutationSpec>,
    /// How a change of a related object finds its primary object again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<RelatedResourceWatch>,
    /// Also copy `status` from the origin to the destination (origin `service` needs `watch`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sync_status: bool,
}

impl RelatedResourceSpec {
    /// A related resource with only `identifier` and `origin` set (and an empty `object`).
    pub fn new(identifier: &str, origin: RelatedResourceOrigin) -> Self {
        RelatedResourceSpec {
            identifier: identifier.to_owned(),
            origin,
            group: String::new(),
            version: String::new(),
            resource: String::new(),
            kind: String::new(),
            identity_hash: String::new(),
            cleanup: false,
            projection: None,
            object: RelatedResourceObject::default(),
            mutation: None,
            watch: None,
            sync_status: false,
        }
    }
}

/// How a changed related object leads back to its primary object: exactly one of the two.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = cel_rules(&RELATED_RESOURCE_WATCH_VALIDATIONS)))]
pub struct RelatedResourceWatch {
    /// The owner reference of the primary object's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_owner: Option<RelatedResourceWatchByOwner>,
    /// Every primary object matching this selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "label_selector_schema")]
    pub by_selector: Option<LabelSelector>,
}

/// Find the primary object through the related object's owner references (no settings).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RelatedResourceWatchByOwner {}

/// Group, version and resource of related objects on the destination side.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RelatedResourceProjection {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource: String,
}

/// Where related objects are (their names, inline) and in which namespace (`namespace`; absent:
/// the primary object's).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RelatedResourceObject {
    /// How the objects' names are found (inline in the JSON).
    #[serde(flatten)]
    pub spec: RelatedResourceObjectSpec,
    /// How the objects' namespaces are found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<RelatedResourceObjectSpec>,
}

/// One way of finding names: exactly one of `selector`, `reference` and `template`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RelatedResourceObjectSpec {
    /// Objects found by labels, their destination names made by `rewrite`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<RelatedResourceObjectSelector>,
    /// A field of the primary object (read on both sides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<RelatedResourceObjectReference>,
    /// A Go template (rendered on both sides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateExpression>,
}

/// A path (gjson syntax) into the primary object, its value optionally rewritten by `regex`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RelatedResourceObjectReference {
    /// E.g. `spec.secretName`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<RegularExpression>,
}

/// A label selector (inline in the JSON: `matchLabels`, `matchExpressions`) and how found names
/// become destination names.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RelatedResourceObjectSelector {
    #[serde(flatten)]
    pub selector: LabelSelector,
    pub rewrite: RelatedResourceSelectorRewrite,
}

impl JsonSchema for RelatedResourceObjectSelector {
    fn schema_name() -> Cow<'static, str> {
        "RelatedResourceObjectSelector".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = label_selector_value();
        schema["properties"]["rewrite"] = generator
            .subschema_for::<RelatedResourceSelectorRewrite>()
            .to_value();
        schema["required"] = json!(["rewrite"]);
        Schema::try_from(schema).expect("an object is a schema")
    }
}

/// How a found name becomes the destination name: `regex` or `template`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RelatedResourceSelectorRewrite {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<RegularExpression>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateExpression>,
}

/// A Go regular expression replacement; an empty `pattern` replaces the whole value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RegularExpression {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pattern: String,
    /// May refer to the pattern's groups (`$1`, `${name}`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub replacement: String,
}

/// A Go template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TemplateExpression {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub template: String,
}

/// Whether the agent synchronises objects of the published resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SynchronizationSpec {
    /// `false`: the API is still published in the APIExport, but no object is synchronised.
    pub enabled: bool,
}

/// What the agent records about a PublishedResource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishedResourceStatus {
    /// The APIResourceSchema made from the current projected CRD.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_schema_name: String,
}

// ---- schema helpers ----------------------------------------------------------------------------

/// `x-kubernetes-validations` from `(rule, message)` pairs.
fn cel_rules(rules: &[(&str, &str)]) -> Value {
    rules
        .iter()
        .map(|(rule, message)| json!({"rule": rule, "message": message}))
        .collect()
}

/// `metav1.LabelSelector` as controller-gen writes it (atomic map, atomic lists).
fn label_selector_value() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"},
                         "x-kubernetes-list-type": "atomic"});
    json!({
        "type": "object",
        "properties": {
            "matchExpressions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string"},
                        "operator": {"type": "string"},
                        "values": strings,
                    },
                    "required": ["key", "operator"],
                },
                "x-kubernetes-list-type": "atomic",
            },
            "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "x-kubernetes-map-type": "atomic",
    })
}

fn label_selector_schema(_: &mut SchemaGenerator) -> Schema {
    Schema::try_from(label_selector_value()).expect("an object is a schema")
}

// ---- the CRD -----------------------------------------------------------------------------------

/// The CustomResourceDefinition of PublishedResources, generated from these types: what
/// `config/crd/syncagent.kcp.io_publishedresources.yaml` holds. Semantically upstream's
/// (`deploy/crd/kcp.io/syncagent.kcp.io_publishedresources.yaml`); descriptions are ours.
pub fn crd() -> CustomResourceDefinition {
    let mut crd = PublishedResource::crd();
    crd.spec.names.list_kind = Some(format!("{}List", PublishedResource::KIND));
    for version in &mut crd.spec.versions {
        let Some(schema) = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
        else {
            continue;
        };
        let mut value = serde_json::to_value(&*schema).expect("a schema serializes");
        finish_schema(&mut value);
        *schema = serde_json::from_value::<JSONSchemaProps>(value).expect("still a schema");
    }
    crd
}

/// What the derive cannot say: the root's `apiVersion`, `kind` and `metadata` (kube-derive leaves
/// them out; controller-gen writes them), no `nullable` (schemars marks every `Option` so, and
/// lists `null` among an optional enum's values; upstream's fields are not nullable: a `null`
/// there is dropped by the apiserver, not kept), and no `title`.
fn finish_schema(root: &mut Value) {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if map.get("nullable").is_some_and(Value::is_boolean) {
                    map.remove("nullable");
                }
                if let Some(Value::Array(values)) = map.get_mut("enum") {
                    values.retain(|v| !v.is_null());
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(root);
    root.as_object_mut()
        .expect("the root is an object")
        .remove("title");
    let properties = root["properties"]
        .as_object_mut()
        .expect("the root has properties");
    properties.insert("apiVersion".into(), json!({"type": "string"}));
    properties.insert("kind".into(), json!({"type": "string"}));
    properties.insert("metadata".into(), json!({"type": "object"}));
    properties.sort_keys();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed CRD, relative to this crate.
    const CRD_FILE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/crd/syncagent.kcp.io_publishedresources.yaml"
    );

    /// `config/crd/syncagent.kcp.io_publishedresources.yaml` is what [`crd`] generates. After a
    /// change to the types, `UPDATE_CRDS=1 cargo test -p kcp-api` rewrites the file (then commit
    /// it).
    #[test]
    fn committed_crd_is_generated() {
        let generated = format!(
            "# Generated from kcp-api's syncagent::v1alpha1 types by `UPDATE_CRDS=1 cargo test -p kcp-api`; do not edit.\n{}",
            serde_saphyr::to_string(&crd()).expect("the CRD renders as YAML")
        );
        if std::env::var_os("UPDATE_CRDS").is_some_and(|v| v == "1") {
            std::fs::create_dir_all(std::path::Path::new(CRD_FILE).parent().unwrap()).unwrap();
            std::fs::write(CRD_FILE, &generated).expect("write the CRD");
            return;
        }
        let committed = std::fs::read_to_string(CRD_FILE).unwrap_or_default();
        assert!(
            committed == generated,
            "{CRD_FILE} is not what the types generate; run `UPDATE_CRDS=1 cargo test -p kcp-api` \
             and commit the file"
        );
    }
}

#[cfg(test)]
mod json_tests {
    use super::*;

    /// Every field set, as the Go agent's types write them (field order aside).
    fn go_object() -> Value {
        json!({
            "apiVersion": "syncagent.kcp.io/v1alpha1",
            "kind": "PublishedResource",
            "metadata": {"name": "publish-certmanager-certs", "resourceVersion": "7"},
            "spec": {
                "resource": {"apiGroup": "cert-manager.io", "version": "v1",
                             "versions": ["v1", "v2"], "kind": "Certificate"},
                "filter": {
                    "namespace": {"matchLabels": {"team": "a"}},
                    "resource": {"matchExpressions": [
                        {"key": "tier", "operator": "In", "values": ["gold"]}]}
                },
                "naming": {"name": "{{ .Object.metadata.name }}", "namespace": "synced"},
                "enableWorkspacePaths": true,
                "projection": {"group": "certs.example.com", "version": "v1beta1",
                               "versions": {"v1": "v1beta1"}, "scope": "Namespaced",
                               "kind": "Cert", "plural": "certs", "shortNames": [],
                               "categories": ["all"]},
                "mutation": {
                    "spec": [
                        {"delete": {"path": "spec.a"}},
                        {"regex": {"path": "spec.b", "pattern": "o", "replacement": "u"}},
                        {"template": {"path": "spec.c", "template": "{{ .Value.String }}"}},
                        {"cel": {"path": "spec.d", "expression": "value + 'x'"}}
                    ],
                    "status": [{"regex": {"path": "status.e"}}]
                },
                "related": [
                    {
                        "identifier": "tls-secret",
                        "origin": "service",
                        "version": "v1",
                        "resource": "secrets",
                        "identityHash": "abc",
                        "cleanup": true,
                        "projection": {"group": "g", "version": "v2", "resource": "things"},
                        "object": {
                            "reference": {"path": "spec.secretName",
                                          "regex": {"pattern": "(.*)", "replacement": "$1-x"}},
                            "namespace": {"template": {"template": "{{ .ClusterName }}"}}
                        },
                        "mutation": {"spec": [{"delete": {"path": "data.x"}}]},
                        "watch": {"byOwner": {}},
                        "syncStatus": true
                    },
                    {
                        "identifier": "config",
                        "origin": "kcp",
                        "kind": "ConfigMap",
                        "object": {
                            "selector": {
                                "matchLabels": {"app": "{{ .ClusterName }}"},
                                "matchExpressions": [{"key": "k", "operator": "Exists"}],
                                "rewrite": {"template": {"template": "{{ .Value }}"}}
                            }
                        },
                        "watch": {"bySelector": {"matchLabels": {"a": "b"}}}
                    }
                ],
                "synchronization": {"enabled": false}
            },
            "status": {"resourceSchemaName": "v1.certs.certs.example.com"}
        })
    }

    #[test]
    fn a_go_object_round_trips() {
        let pr: PublishedResource = serde_json::from_value(go_object()).expect("decodes");
        assert_eq!(serde_json::to_value(&pr).unwrap(), go_object());
        let related = &pr.spec.related[0];
        assert_eq!(related.origin, RelatedResourceOrigin::Service);
        assert_eq!(related.version, "v1");
        assert!(related.watch.as_ref().unwrap().by_owner.is_some());
        let selector = pr.spec.related[1].object.spec.selector.as_ref().unwrap();
        assert_eq!(
            selector.selector.match_labels.as_ref().unwrap()["app"],
            "{{ .ClusterName }}"
        );
        assert_eq!(
            pr.spec.projection.as_ref().unwrap().scope,
            Some(ResourceScope::Namespaced)
        );
        assert!(!pr.sync_enabled());
        assert_eq!(pr.resource_schema_name(), "v1.certs.certs.example.com");
    }

    #[test]
    fn empty_strings_are_left_out_as_go_leaves_them_out() {
        // The documentation's `group: ""` for core: Go's omitempty drops it on the way back too.
        let related: RelatedResourceSpec = serde_json::from_value(json!({
            "identifier": "s", "origin": "service", "group": "", "version": "v1",
            "resource": "secrets", "object": {"reference": {"path": "spec.secretName"}}
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(&related).unwrap(),
            json!({"identifier": "s", "origin": "service", "version": "v1", "resource": "secrets",
                   "object": {"reference": {"path": "spec.secretName"}}})
        );
    }

    #[test]
    fn short_names_and_categories_keep_presence() {
        let absent: ResourceProjection = serde_json::from_value(json!({})).unwrap();
        assert_eq!(absent.short_names, None);
        assert_eq!(serde_json::to_value(&absent).unwrap(), json!({}));
        // Go writes nil slices of these as `null`: absent.
        let null: ResourceProjection =
            serde_json::from_value(json!({"shortNames": null, "categories": null})).unwrap();
        assert_eq!(null, absent);
        let empty: ResourceProjection =
            serde_json::from_value(json!({"shortNames": [], "categories": []})).unwrap();
        assert_eq!(empty.short_names, Some(vec![]));
        assert_eq!(
            serde_json::to_value(&empty).unwrap(),
            json!({"shortNames": [], "categories": []})
        );
    }

    #[test]
    fn zero_values_are_left_out_as_go_leaves_them_out() {
        let mut pr = PublishedResource::new("p", PublishedResourceSpec::default());
        pr.spec
            .related
            .push(RelatedResourceSpec::new("", RelatedResourceOrigin::Kcp));
        assert_eq!(
            serde_json::to_value(&pr).unwrap(),
            json!({
                "apiVersion": "syncagent.kcp.io/v1alpha1",
                "kind": "PublishedResource",
                "metadata": {"name": "p"},
                "spec": {
                    "resource": {"apiGroup": "", "kind": ""},
                    "related": [{"identifier": "", "origin": "kcp", "object": {}}]
                }
            })
        );
        assert!(pr.sync_enabled());
        assert_eq!(pr.resource_schema_name(), "");
    }

    #[test]
    fn the_crd_carries_upstreams_cel_rules() {
        let crd = serde_json::to_value(crd()).unwrap();
        let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        let related = &schema["properties"]["spec"]["properties"]["related"]["items"];
        assert_eq!(
            related["x-kubernetes-validations"],
            cel_rules(&RELATED_RESOURCE_SPEC_VALIDATIONS)
        );
        assert_eq!(
            related["properties"]["watch"]["x-kubernetes-validations"],
            cel_rules(&RELATED_RESOURCE_WATCH_VALIDATIONS)
        );
        assert_eq!(
            related["properties"]["origin"]["enum"],
            json!(["service", "kcp"])
        );
        assert_eq!(
            related["properties"]["kind"]["enum"],
            json!(["ConfigMap", "Secret"])
        );
        assert_eq!(crd["spec"]["scope"], "Cluster");
        assert_eq!(
            crd["spec"]["versions"][0]["subresources"],
            json!({"status": {}})
        );
        assert_eq!(schema["required"], json!(["spec"]));
    }
}
