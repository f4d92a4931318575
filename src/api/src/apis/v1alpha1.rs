//! `apis.kcp.io/v1alpha1`: APIResourceSchema, APIExportEndpointSlice and APIConversion (only
//! version), and the older shapes of APIExport (`latestResourceSchemas`, claims with `all` and
//! `resourceSelector`) and APIBinding, which the api-syncagent uses.

use k8s_openapi::ByteString;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinitionNames, CustomResourceSubresources,
    SelectableField,
};
use serde::{Deserialize, Serialize};

pub use super::{
    APIBindingPhase, AcceptablePermissionClaimState, BindingReference, BoundAPIResource,
    BoundAPIResourceSchema, ExportBindingReference, Identity, LocalAPIExportPolicy,
    MaximalPermissionPolicy, ResourceSelector, VirtualWorkspace,
};
use crate::condition::Condition;
use crate::core::Endpoint;
use crate::resource::is_false;

kcp_resource! {
    /// An API published from a workspace (v1alpha1 shape).
    pub struct APIExport ("apis.kcp.io", "v1alpha1", "APIExport", "apiexports") {
        #[serde(default)]
        pub spec: APIExportSpec,
        #[serde(default)]
        pub status: APIExportStatus,
    }
}

/// APIExport `spec` (v1alpha1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIExportSpec {
    /// APIResourceSchema names `<prefix>.<resource>.<group>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latest_resource_schemas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximal_permission_policy: Option<MaximalPermissionPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_claims: Vec<PermissionClaim>,
}

/// A claim on other resources in consumer workspaces (v1alpha1: `all` or `resourceSelector`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionClaim {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub all: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_selector: Vec<ResourceSelector>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity_hash: String,
}

impl PermissionClaim {
    /// Same group, resource and identity hash.
    pub fn equal_gri(&self, other: &PermissionClaim) -> bool {
        self.group == other.group
            && self.resource == other.resource
            && self.identity_hash == other.identity_hash
    }
}

impl std::fmt::Display for PermissionClaim {
    /// `resource`, `resource.group` or `resource.group:identityHash` (kcp's `String()`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::v1alpha2::fmt_claim(f, &self.group, &self.resource, &self.identity_hash)
    }
}

/// APIExport `status` (both versions have the same shape).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIExportStatus {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity_hash: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_workspaces: Vec<VirtualWorkspace>,
}

kcp_resource! {
    /// A workspace's binding to an APIExport (v1alpha1 shape).
    pub struct APIBinding ("apis.kcp.io", "v1alpha1", "APIBinding", "apibindings") {
        #[serde(default)]
        pub spec: APIBindingSpec,
        #[serde(default)]
        pub status: APIBindingStatus,
    }
}

/// APIBinding `spec` (v1alpha1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIBindingSpec {
    pub reference: BindingReference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_claims: Vec<AcceptablePermissionClaim>,
}

/// A claim and the consumer's decision on it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptablePermissionClaim {
    #[serde(flatten)]
    pub claim: PermissionClaim,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<AcceptablePermissionClaimState>,
}

/// APIBinding `status` (v1alpha1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIBindingStatus {
    #[serde(
        rename = "apiExportClusterName",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub api_export_cluster_name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bound_resources: Vec<BoundAPIResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<APIBindingPhase>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied_permission_claims: Vec<PermissionClaim>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_permission_claims: Vec<PermissionClaim>,
}

kcp_resource! {
    /// An immutable, CRD-like schema; creating one serves nothing.
    pub struct APIResourceSchema ("apis.kcp.io", "v1alpha1", "APIResourceSchema", "apiresourceschemas") {
        #[serde(default)]
        pub spec: APIResourceSchemaSpec,
    }
}

/// APIResourceSchema `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIResourceSchemaSpec {
    pub group: String,
    pub names: CustomResourceDefinitionNames,
    /// `Cluster` or `Namespaced`.
    pub scope: String,
    pub versions: Vec<APIResourceVersion>,
    /// `DNS1123Subdomain` (default) or `PathSegmentName`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_validation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion: Option<CustomResourceConversion>,
}

/// One version of an APIResourceSchema.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIResourceVersion {
    pub name: String,
    pub served: bool,
    pub storage: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation_warning: Option<String>,
    /// The `openAPIV3Schema`, kept as raw JSON.
    #[serde(default)]
    pub schema: serde_json::Value,
    /// A Go struct: always encoded (`{}` when empty).
    #[serde(default)]
    pub subresources: CustomResourceSubresources,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_printer_columns: Vec<CustomResourceColumnDefinition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectable_fields: Vec<SelectableField>,
}

/// How versions of a schema convert (`None` or `Webhook`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomResourceConversion {
    pub strategy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookConversion>,
}

/// A conversion webhook (URL only: service references are not supported).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookConversion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_config: Option<WebhookClientConfig>,
    #[serde(default)]
    pub conversion_review_versions: Vec<String>,
}

/// Where the conversion webhook is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookClientConfig {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_bundle: Option<ByteString>,
}

kcp_resource! {
    /// Where an APIExport's virtual workspace is served (one URL per shard with bindings).
    pub struct APIExportEndpointSlice ("apis.kcp.io", "v1alpha1", "APIExportEndpointSlice", "apiexportendpointslices") {
        #[serde(default)]
        pub spec: APIExportEndpointSliceSpec,
        #[serde(default)]
        pub status: APIExportEndpointSliceStatus,
    }
}

/// APIExportEndpointSlice `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIExportEndpointSliceSpec {
    pub export: ExportBindingReference,
    /// A Partition in the same workspace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub partition: String,
}

/// APIExportEndpointSlice `status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIExportEndpointSliceStatus {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// `<shard virtualWorkspaceURL>/services/apiexport/<export cluster>/<export name>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<Endpoint>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shard_selector: String,
}

kcp_resource! {
    /// CEL conversion rules between the versions of an APIResourceSchema (same name).
    pub struct APIConversion ("apis.kcp.io", "v1alpha1", "APIConversion", "apiconversions") {
        #[serde(default)]
        pub spec: APIConversionSpec,
    }
}

/// APIConversion `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct APIConversionSpec {
    #[serde(default)]
    pub conversions: Vec<APIVersionConversion>,
}

/// Rules from one version to another.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct APIVersionConversion {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub rules: Vec<APIConversionRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preserve: Vec<String>,
}

/// One field mapping, optionally through a CEL transformation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct APIConversionRule {
    pub field: String,
    pub destination: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub transformation: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(v: serde_json::Value) -> T {
        let typed: T = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), v);
        typed
    }

    #[test]
    fn resource_schema_from_crd_snapshot() {
        let s: APIResourceSchema = round_trip(json!({
            "apiVersion": "apis.kcp.io/v1alpha1",
            "kind": "APIResourceSchema",
            "metadata": {"name": "v1.cowboys.wildwest.dev",
                         "labels": {"syncagent.kcp.io/agent-name": "a"}},
            "spec": {
                "group": "wildwest.dev",
                "names": {"plural": "cowboys", "singular": "cowboy", "kind": "Cowboy", "listKind": "CowboyList"},
                "scope": "Namespaced",
                "versions": [{
                    "name": "v1alpha1", "served": true, "storage": true,
                    "schema": {"type": "object", "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [{"name": "Intent", "type": "string", "jsonPath": ".spec.intent"}]
                }, {
                    "name": "v1", "served": true, "storage": false, "deprecated": true,
                    "deprecationWarning": "use v1alpha1",
                    "schema": {"type": "object"},
                    "subresources": {}
                }],
                "conversion": {"strategy": "Webhook", "webhook": {"clientConfig": {"url": "https://conv.example.com", "caBundle": "Y2E="},
                                                                  "conversionReviewVersions": ["v1"]}}
            }
        }));
        assert_eq!(
            super::super::split_schema_name(s.name()),
            Some(("cowboys", "wildwest.dev"))
        );
        assert_eq!(
            super::super::split_schema_name("v1.configmaps.core"),
            Some(("configmaps", ""))
        );
        assert_eq!(super::super::split_schema_name("v1.x"), None);
    }

    #[test]
    fn endpoint_slice_with_urls() {
        let s: APIExportEndpointSlice = round_trip(json!({
            "apiVersion": "apis.kcp.io/v1alpha1",
            "kind": "APIExportEndpointSlice",
            "metadata": {"name": "kubernetes", "ownerReferences": [{"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIExport", "name": "kubernetes", "uid": "u"}]},
            "spec": {"export": {"path": "root:org", "name": "kubernetes"}},
            "status": {
                "conditions": [{"type": "APIExportValid", "status": "True", "lastTransitionTime": "2026-01-02T03:04:05Z"}],
                "endpoints": [{"url": "https://127.0.0.1:6443/services/apiexport/2cynbfy2m0wtjqcs/kubernetes", "shards": {}}]
            }
        }));
        assert_eq!(s.status.endpoints.len(), 1);
        let _: APIConversion = round_trip(json!({
            "apiVersion": "apis.kcp.io/v1alpha1", "kind": "APIConversion",
            "metadata": {"name": "v1.cowboys.wildwest.dev"},
            "spec": {"conversions": [{"from": "v1", "to": "v2",
                                      "rules": [{"field": ".spec.a", "destination": ".spec.b", "transformation": "self"}]}]}
        }));
    }
}
