//! `apis.kcp.io` (`reference/kcp.md` §3.6–§3.10): publishing APIs (APIResourceSchema,
//! APIExport, APIExportEndpointSlice, APIConversion) and consuming them (APIBinding).
//! APIExport and APIBinding exist in [`v1alpha1`] and [`v1alpha2`] (the storage version);
//! [`conversion`] converts between them without loss, carrying what a version cannot express in
//! the annotations kcp uses. Types both versions share live here.

pub mod conversion;
pub mod snapshot;
pub mod v1alpha1;
pub mod v1alpha2;

use k8s_openapi::api::core::v1::SecretReference;
use serde::{Deserialize, Serialize};

/// Condition types and reasons of APIExports, APIBindings and endpoint slices.
pub mod conditions {
    /// APIExport: the identity secret matches `status.identityHash`.
    pub const IDENTITY_VALID: &str = "IdentityValid";
    pub const REASON_IDENTITY_VERIFICATION_FAILED: &str = "IdentityVerificationFailed";
    pub const REASON_IDENTITY_GENERATION_FAILED: &str = "IdentityGenerationFailed";
    /// APIExport (deprecated URLs) and WorkspaceType.
    pub const VIRTUAL_WORKSPACE_URLS_READY: &str = "VirtualWorkspaceURLsReady";
    pub const REASON_ERROR_GENERATING_URLS: &str = "ErrorGeneratingURLs";

    /// APIBinding: the referenced export exists and is usable.
    pub const API_EXPORT_VALID: &str = "APIExportValid";
    pub const REASON_API_EXPORT_INVALID_REFERENCE: &str = "APIExportInvalidReference";
    pub const REASON_API_EXPORT_NOT_FOUND: &str = "APIExportNotFound";
    pub const REASON_API_RESOURCE_SCHEMA_INVALID: &str = "APIResourceSchemaInvalid";
    pub const REASON_INTERNAL_ERROR: &str = "InternalError";
    pub const REASON_MISSING_IDENTITY_HASH: &str = "MissingIdentityHash";
    /// APIBinding: bound once (never reset afterwards).
    pub const INITIAL_BINDING_COMPLETED: &str = "InitialBindingCompleted";
    pub const REASON_LOGICAL_CLUSTER_NOT_FOUND: &str = "LogicalClusterNotFound";
    pub const REASON_WAITING_FOR_ESTABLISHED: &str = "WaitingForEstablished";
    pub const BINDING_UP_TO_DATE: &str = "BindingUpToDate";
    pub const REASON_NAMING_CONFLICTS: &str = "NamingConflicts";
    pub const BINDING_RESOURCE_DELETE_SUCCESS: &str = "BindingResourceDeleteSuccess";
    pub const PERMISSION_CLAIMS_VALID: &str = "PermissionClaimsValid";
    pub const REASON_INVALID_PERMISSION_CLAIMS: &str = "InvalidPermissionClaims";
    pub const REASON_PERMISSION_CLAIMS_MISMATCH: &str = "PermissionClaimsMismatch";
    pub const PERMISSION_CLAIMS_APPLIED: &str = "PermissionClaimsApplied";

    /// APIExportEndpointSlice.
    pub const PARTITION_VALID: &str = "PartitionValid";
    pub const REASON_PARTITION_INVALID_REFERENCE: &str = "PartitionInvalidReference";
    /// APIExportEndpointSlice (deprecated).
    pub const ENDPOINT_URLS_READY: &str = "EndpointURLsReady";
}

/// Where an APIExport's identity secret is (`kcp-system/<export>` by default).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretReference>,
}

/// Authorize requests to bound resources against RBAC in the export's workspace too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MaximalPermissionPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalAPIExportPolicy>,
}

/// The only policy kind: RBAC of the export's own workspace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalAPIExportPolicy {}

/// An APIExport by `path` (empty: the referrer's own cluster) and `name`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportBindingReference {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    pub name: String,
}

/// APIBinding `spec.reference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<ExportBindingReference>,
}

string_enum! {
    /// APIBinding phase; empty (`None`) before the controller saw the binding.
    pub enum APIBindingPhase {
        Binding = "Binding",
        Bound = "Bound",
    }
}

/// A resource an APIBinding serves in its workspace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundAPIResource {
    pub group: String,
    pub resource: String,
    pub schema: BoundAPIResourceSchema,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage_versions: Vec<String>,
}

/// The schema behind a bound resource (JSON key `UID` is upper case).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundAPIResourceSchema {
    pub name: String,
    #[serde(rename = "UID")]
    pub uid: String,
    pub identity_hash: String,
}

/// A (deprecated) virtual workspace URL on an APIExport.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualWorkspace {
    pub url: String,
}

/// One object selected by name and/or namespace (v1alpha1 claims).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceSelector {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

string_enum! {
    /// Whether a consumer accepted a permission claim.
    pub enum AcceptablePermissionClaimState {
        Accepted = "Accepted",
        Rejected = "Rejected",
    }
}

/// Splits an APIResourceSchema name `<prefix>.<resource>.<group>` into (resource, group), with
/// group `core` meaning the empty group (the rule kcp's conversion and validation use).
pub fn split_schema_name(schema: &str) -> Option<(&str, &str)> {
    let mut parts = schema.splitn(3, '.');
    let _prefix = parts.next()?;
    let resource = parts.next()?;
    let group = parts.next()?;
    Some((resource, if group == "core" { "" } else { group }))
}
