//! `tenancy.kcp.io/v1alpha1` (`reference/kcp.md` §3.1–§3.3): Workspace (a child logical
//! cluster as seen from its parent), WorkspaceType (what a workspace is allowed to be and what
//! initializes it) and WorkspaceAuthenticationConfiguration, with kcp's condition types and
//! reasons.

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::PolicyRule;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::core::LogicalClusterPhase;
use crate::resource::is_false;

/// Condition types and reasons on Workspaces.
pub mod conditions {
    pub const WORKSPACE_SCHEDULED: &str = "WorkspaceScheduled";
    pub const REASON_UNSCHEDULABLE: &str = "Unschedulable";
    pub const REASON_UNKNOWN: &str = "Unknown";
    pub const WORKSPACE_CONTENT_DELETED: &str = "WorkspaceContentDeleted";
    pub const WORKSPACE_INITIALIZED: &str = "WorkspaceInitialized";
    pub const REASON_INITIALIZER_EXISTS: &str = "InitializerExists";
    pub const REASON_WORKSPACE_DISAPPEARED: &str = "WorkspaceDisappeared";
    pub const API_BINDINGS_INITIALIZED: &str = "APIBindingsInitialized";
    pub const REASON_WAITING_ON_API_BINDINGS: &str = "WaitingOnAPIBindings";
    pub const REASON_WORKSPACE_TYPES_INVALID: &str = "WorkspaceTypesInvalid";
    pub const REASON_API_BINDING_ERRORS: &str = "APIBindingErrors";
    pub const API_BINDINGS_RECONCILED: &str = "APIBindingsReconciled";
    /// WorkspaceType: the virtual workspace URLs are published.
    pub const VIRTUAL_WORKSPACE_URLS_READY: &str = "VirtualWorkspaceURLsReady";
    pub const REASON_ERROR_GENERATING_URLS: &str = "ErrorGeneratingURLs";
}

/// A reference to a WorkspaceType: `name` and the absolute `path` of its workspace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceTypeReference {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
}

impl WorkspaceTypeReference {
    /// `{name, path}`.
    pub fn new(path: &str, name: &str) -> Self {
        WorkspaceTypeReference {
            name: name.to_owned(),
            path: path.to_owned(),
        }
    }
}

impl std::fmt::Display for WorkspaceTypeReference {
    /// `path:name`, or `name` without a path (kcp's `String()`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}:{}", self.path, self.name)
        }
    }
}

kcp_resource! {
    /// A workspace: a child logical cluster, as an object in its parent.
    pub struct Workspace ("tenancy.kcp.io", "v1alpha1", "Workspace", "workspaces") {
        #[serde(default)]
        pub spec: WorkspaceSpec,
        #[serde(default)]
        pub status: WorkspaceStatus,
    }
}

/// Workspace `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSpec {
    /// Defaulted at admission; immutable.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<WorkspaceTypeReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<WorkspaceLocation>,
    /// The logical-cluster name; set by the system, immutable.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    /// `<shard externalURL>/clusters/<canonical path>` (JSON key `URL`).
    #[serde(rename = "URL", default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<Mount>,
}

/// Where to schedule a workspace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceLocation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

/// A mounted workspace (no LogicalCluster behind it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mount {
    #[serde(rename = "ref")]
    pub reference: ObjectReference,
}

/// The object a mount points at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// Workspace `status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<LogicalClusterPhase>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initializers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terminators: Vec<String>,
}

kcp_resource! {
    /// A workspace type: defaults, parent/child rules, initializers and default bindings.
    pub struct WorkspaceType ("tenancy.kcp.io", "v1alpha1", "WorkspaceType", "workspacetypes") {
        #[serde(default)]
        pub spec: WorkspaceTypeSpec,
        #[serde(default)]
        pub status: WorkspaceTypeStatus,
    }
}

/// WorkspaceType `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceTypeSpec {
    /// Adds the initializer `<type path>:<type name>`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub initializer: bool,
    /// Adds the terminator `<type path>:<type name>`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub terminator: bool,
    /// A Go struct: always encoded (`{}` when empty).
    #[serde(default)]
    pub extend: WorkspaceTypeExtension,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub additional_workspace_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_child_workspace_type: Option<WorkspaceTypeReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_allowed_children: Option<WorkspaceTypeSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_allowed_parents: Option<WorkspaceTypeSelector>,
    #[serde(
        rename = "defaultAPIBindings",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub default_api_bindings: Vec<APIExportReference>,
    #[serde(
        rename = "defaultAPIBindingLifecycle",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub default_api_binding_lifecycle: Option<APIBindingLifecycleMode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication_configurations: Vec<AuthenticationConfigurationReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initializer_permissions: Vec<PolicyRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terminator_permissions: Vec<PolicyRule>,
}

/// An APIExport to bind by default: `path` (empty: the type's own workspace) and `export`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIExportReference {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    pub export: String,
}

/// A WorkspaceAuthenticationConfiguration by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationConfigurationReference {
    pub name: String,
}

string_enum! {
    /// Whether default APIBindings are only created at initialization or kept up to date.
    pub enum APIBindingLifecycleMode {
        InitializeOnly = "InitializeOnly",
        Maintain = "Maintain",
    }
}

/// `limitAllowedChildren` / `limitAllowedParents`: `{none: true}` xor `{types: [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceTypeSelector {
    #[serde(default, skip_serializing_if = "is_false")]
    pub none: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<WorkspaceTypeReference>,
}

/// The types a WorkspaceType extends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceTypeExtension {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<WorkspaceTypeReference>,
}

/// WorkspaceType `status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceTypeStatus {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_workspaces: Vec<VirtualWorkspace>,
}

/// A virtual workspace URL published on a WorkspaceType.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualWorkspace {
    pub url: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<VirtualWorkspaceType>,
}

string_enum! {
    /// Which lifecycle virtual workspace a URL belongs to.
    pub enum VirtualWorkspaceType {
        Initializing = "initializing",
        Terminating = "terminating",
    }
}

kcp_resource! {
    /// JWT authenticators a WorkspaceType can attach to its workspaces (feature-gated in kcp;
    /// stored and served only).
    pub struct WorkspaceAuthenticationConfiguration ("tenancy.kcp.io", "v1alpha1", "WorkspaceAuthenticationConfiguration", "workspaceauthenticationconfigurations") {
        #[serde(default)]
        pub spec: WorkspaceAuthenticationConfigurationSpec,
    }
}

/// WorkspaceAuthenticationConfiguration `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAuthenticationConfigurationSpec {
    /// Each authenticator is kept as JSON (issuer, claimValidationRules, claimMappings,
    /// userValidationRules): kcp's structured authentication config, used as data only.
    #[serde(default)]
    pub jwt: Vec<serde_json::Value>,
}

impl Workspace {
    /// The phase, `Scheduling` when unset (the CRD default).
    pub fn phase(&self) -> LogicalClusterPhase {
        self.status.phase.unwrap_or(LogicalClusterPhase::Scheduling)
    }
}

impl WorkspaceType {
    /// Whether `name` is reserved (`any`, `system`).
    pub fn is_reserved_name(name: &str) -> bool {
        crate::keys::RESERVED_WORKSPACE_TYPE_NAMES.contains(&name)
    }
}

/// The initializer (and terminator) name of a WorkspaceType: `<type workspace path>:<name>`.
pub fn workspace_type_initializer(type_path: &str, type_name: &str) -> String {
    format!("{type_path}:{type_name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Parses `v`, checks it serializes back unchanged, returns the typed value.
    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(v: serde_json::Value) -> T {
        let typed: T = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), v);
        typed
    }

    #[test]
    fn workspace_as_kcp_serves_it() {
        let ws: Workspace = round_trip(json!({
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "kind": "Workspace",
            "metadata": {
                "name": "team-a",
                "annotations": {
                    "kcp.io/cluster": "root",
                    "core.kcp.io/shard": "root",
                    "internal.tenancy.kcp.io/shard": "1pfxsevk",
                    "experimental.tenancy.kcp.io/owner": "{\"username\":\"kcp-admin\"}"
                },
                "labels": {"tenancy.kcp.io/phase": "Ready"},
                "finalizers": ["core.kcp.io/logicalcluster"],
                "creationTimestamp": "2026-01-02T03:04:05Z"
            },
            "spec": {
                "type": {"name": "organization", "path": "root"},
                "cluster": "2cynbfy2m0wtjqcs",
                "URL": "https://127.0.0.1:6443/clusters/root:team-a"
            },
            "status": {
                "phase": "Ready",
                "conditions": [
                    {"type": "WorkspaceScheduled", "status": "True", "lastTransitionTime": "2026-01-02T03:04:05Z"},
                    {"type": "WorkspaceInitialized", "status": "True", "lastTransitionTime": "2026-01-02T03:04:06Z"}
                ]
            }
        }));
        assert_eq!(ws.phase(), LogicalClusterPhase::Ready);
        assert_eq!(
            ws.spec.type_.as_ref().map(ToString::to_string).as_deref(),
            Some("root:organization")
        );
        assert_eq!(ws.cluster(), Some("root"));
        assert_eq!(ws.spec.url, "https://127.0.0.1:6443/clusters/root:team-a");
    }

    #[test]
    fn empty_workspace_encodes_spec_and_status() {
        let ws = Workspace::named("x");
        assert_eq!(
            serde_json::to_value(&ws).unwrap(),
            json!({"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace",
                   "metadata": {"name": "x"}, "spec": {}, "status": {}})
        );
        assert_eq!(ws.phase(), LogicalClusterPhase::Scheduling);
        let scheduling: Workspace =
            serde_json::from_value(json!({"spec": {}, "status": {"phase": "Initializing"}}))
                .unwrap();
        assert_eq!(
            scheduling.status.phase,
            Some(LogicalClusterPhase::Initializing)
        );
    }

    #[test]
    fn workspace_types_from_bootstrap() {
        let root: WorkspaceType = round_trip(json!({
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "kind": "WorkspaceType",
            "metadata": {"name": "root", "annotations": {"bootstrap.kcp.io/create-only": "true"}},
            "spec": {
                "extend": {"with": [{"name": "universal", "path": "root"}]},
                "defaultChildWorkspaceType": {"name": "organization", "path": "root"},
                "limitAllowedParents": {"none": true}
            },
            "status": {}
        }));
        assert!(
            root.spec
                .limit_allowed_parents
                .as_ref()
                .is_some_and(|s| s.none)
        );
        let universal: WorkspaceType = round_trip(json!({
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "kind": "WorkspaceType",
            "metadata": {"name": "universal"},
            "spec": {
                "initializer": true,
                "extend": {},
                "defaultAPIBindings": [
                    {"path": "root", "export": "tenancy.kcp.io"},
                    {"path": "root", "export": "topology.kcp.io"}
                ],
                "defaultAPIBindingLifecycle": "InitializeOnly"
            },
            "status": {
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-02T03:04:05Z"}],
                "virtualWorkspaces": [
                    {"url": "https://127.0.0.1:6443/services/initializingworkspaces/root:universal", "type": "initializing"},
                    {"url": "https://127.0.0.1:6443/services/terminatingworkspaces/root:universal", "type": "terminating"}
                ]
            }
        }));
        assert_eq!(
            universal.spec.default_api_bindings[1].export,
            "topology.kcp.io"
        );
        let organization: WorkspaceType = round_trip(json!({
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "kind": "WorkspaceType",
            "metadata": {"name": "organization"},
            "spec": {
                "extend": {"with": [{"name": "universal", "path": "root"}]},
                "defaultChildWorkspaceType": {"name": "universal", "path": "root"},
                "limitAllowedChildren": {"types": [{"name": "universal", "path": "root"}]},
                "limitAllowedParents": {"types": [{"name": "root", "path": "root"}]},
                "initializerPermissions": [{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["create"]}]
            },
            "status": {}
        }));
        assert_eq!(
            organization
                .spec
                .limit_allowed_children
                .unwrap()
                .types
                .len(),
            1
        );
        assert!(WorkspaceType::is_reserved_name("any") && !WorkspaceType::is_reserved_name("team"));
        assert_eq!(
            workspace_type_initializer("root", "universal"),
            "root:universal"
        );
    }

    #[test]
    fn authentication_configuration() {
        let c: WorkspaceAuthenticationConfiguration = round_trip(json!({
            "apiVersion": "tenancy.kcp.io/v1alpha1",
            "kind": "WorkspaceAuthenticationConfiguration",
            "metadata": {"name": "oidc"},
            "spec": {"jwt": [{"issuer": {"url": "https://idp.example.com", "audiences": ["kcp"]},
                              "claimMappings": {"username": {"claim": "email", "prefix": ""}}}]}
        }));
        assert_eq!(c.spec.jwt.len(), 1);
    }
}
