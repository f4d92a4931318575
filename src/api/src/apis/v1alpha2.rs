//! `apis.kcp.io/v1alpha2`, the storage version of APIExport and APIBinding: exports list
//! `resources` with their storage, and permission claims carry `verbs` and label selectors.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::TypedLocalObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;
use serde::{Deserialize, Serialize};

pub use super::v1alpha1::APIExportStatus;
pub use super::{
    APIBindingPhase, AcceptablePermissionClaimState, BindingReference, BoundAPIResource,
    BoundAPIResourceSchema, ExportBindingReference, Identity, LocalAPIExportPolicy,
    MaximalPermissionPolicy, VirtualWorkspace,
};
use crate::condition::Condition;
use crate::resource::is_false;

kcp_resource! {
    /// An API published from a workspace.
    pub struct APIExport ("apis.kcp.io", "v1alpha2", "APIExport", "apiexports") {
        #[serde(default)]
        pub spec: APIExportSpec,
        #[serde(default)]
        pub status: APIExportStatus,
    }
}

/// APIExport `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIExportSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximal_permission_policy: Option<MaximalPermissionPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_claims: Vec<PermissionClaim>,
}

/// One exported resource: plural `name`, `group` (always encoded), the APIResourceSchema name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceSchema {
    pub name: String,
    #[serde(default)]
    pub group: String,
    pub schema: String,
    /// Defaults to `{crd: {}}`.
    #[serde(default)]
    pub storage: ResourceSchemaStorage,
}

impl ResourceSchema {
    /// A CRD-stored resource.
    pub fn crd(name: &str, group: &str, schema: &str) -> Self {
        ResourceSchema {
            name: name.to_owned(),
            group: group.to_owned(),
            schema: schema.to_owned(),
            storage: ResourceSchemaStorage::crd(),
        }
    }
}

/// Exactly one of `crd` and `virtual`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceSchemaStorage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crd: Option<ResourceSchemaStorageCRD>,
    #[serde(rename = "virtual", default, skip_serializing_if = "Option::is_none")]
    pub virtual_: Option<ResourceSchemaStorageVirtual>,
}

impl ResourceSchemaStorage {
    /// `{crd: {}}`.
    pub fn crd() -> Self {
        ResourceSchemaStorage {
            crd: Some(ResourceSchemaStorageCRD {}),
            virtual_: None,
        }
    }
}

/// Stored like a CRD.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceSchemaStorageCRD {}

/// Served by a virtual workspace of another export.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSchemaStorageVirtual {
    pub reference: TypedLocalObjectReference,
    pub identity_hash: String,
}

/// A claim on other resources in consumer workspaces.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionClaim {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    pub resource: String,
    /// At least one; `*` means all.
    #[serde(default)]
    pub verbs: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_selector: Option<PermissionClaimSelector>,
}

impl PermissionClaim {
    /// Same group, resource and identity hash.
    pub fn equal_gri(&self, other: &PermissionClaim) -> bool {
        self.group == other.group
            && self.resource == other.resource
            && self.identity_hash == other.identity_hash
    }

    /// Whether the verbs are exactly `["*"]`.
    pub fn is_wildcard(&self) -> bool {
        self.verbs.len() == 1 && self.verbs[0] == "*"
    }
}

pub(crate) fn fmt_claim(
    f: &mut std::fmt::Formatter<'_>,
    group: &str,
    resource: &str,
    identity_hash: &str,
) -> std::fmt::Result {
    if group.is_empty() {
        f.write_str(resource)
    } else if identity_hash.is_empty() {
        write!(f, "{resource}.{group}")
    } else {
        write!(f, "{resource}.{group}:{identity_hash}")
    }
}

impl std::fmt::Display for PermissionClaim {
    /// `resource`, `resource.group` or `resource.group:identityHash` (kcp's `String()`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_claim(f, &self.group, &self.resource, &self.identity_hash)
    }
}

/// A label selector (inlined) or `matchAll`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionClaimSelector {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub match_all: bool,
}

impl PermissionClaimSelector {
    /// `{matchAll: true}`.
    pub fn all() -> Self {
        PermissionClaimSelector {
            match_all: true,
            ..Default::default()
        }
    }

    fn is_empty(&self) -> bool {
        !self.match_all && self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// A claim with the selector the consumer chose.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopedPermissionClaim {
    #[serde(flatten)]
    pub claim: PermissionClaim,
    /// A Go struct: always encoded.
    #[serde(default)]
    pub selector: PermissionClaimSelector,
}

/// A scoped claim and the consumer's decision on it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AcceptablePermissionClaim {
    #[serde(flatten)]
    pub scoped: ScopedPermissionClaim,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<AcceptablePermissionClaimState>,
}

kcp_resource! {
    /// A workspace's binding to an APIExport.
    pub struct APIBinding ("apis.kcp.io", "v1alpha2", "APIBinding", "apibindings") {
        #[serde(default)]
        pub spec: APIBindingSpec,
        #[serde(default)]
        pub status: APIBindingStatus,
    }
}

/// APIBinding `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIBindingSpec {
    pub reference: BindingReference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_claims: Vec<AcceptablePermissionClaim>,
}

/// APIBinding `status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIBindingStatus {
    /// The logical-cluster NAME of the export's workspace.
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
    pub applied_permission_claims: Vec<ScopedPermissionClaim>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_permission_claims: Vec<PermissionClaim>,
}

impl ScopedPermissionClaim {
    pub(crate) fn selector_is_empty(&self) -> bool {
        self.selector.is_empty()
    }
}
