//! `core.kcp.io/v1alpha1` (`reference/kcp.md` §3.4, §3.5): LogicalCluster — the singleton
//! `cluster` object whose existence *is* the logical cluster — and Shard, plus the phase enum that
//! Workspaces share with LogicalClusters.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::resource::is_false;

string_enum! {
    /// The lifecycle phase of a LogicalCluster, mirrored on its Workspace (kcp
    /// `LogicalClusterPhaseType`). An empty phase on the wire is `None` in the structs.
    pub enum LogicalClusterPhase {
        Scheduling = "Scheduling",
        Initializing = "Initializing",
        Ready = "Ready",
        Unavailable = "Unavailable",
        Inactive = "Inactive",
        Terminating = "Terminating",
        Deleting = "Deleting",
    }
}

kcp_resource! {
    /// The LogicalCluster object, always named `cluster`, in every logical cluster.
    pub struct LogicalCluster ("core.kcp.io", "v1alpha1", "LogicalCluster", "logicalclusters") {
        #[serde(default)]
        pub spec: LogicalClusterSpec,
        #[serde(default)]
        pub status: LogicalClusterStatus,
    }
}

/// LogicalCluster `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalClusterSpec {
    #[serde(default, skip_serializing_if = "is_false")]
    pub directly_deletable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<LogicalClusterOwner>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<OwnerUserInfo>,
    /// `<type path>:<type name>` or `system:…`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initializers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terminators: Vec<String>,
}

/// The object owning a LogicalCluster (its Workspace, for workspaces).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalClusterOwner {
    pub api_version: String,
    pub resource: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// The logical cluster of the owner (the parent workspace's cluster).
    pub cluster: String,
    pub uid: String,
}

/// The creator of a workspace, as in the `experimental.tenancy.kcp.io/owner` annotation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerUserInfo {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
}

/// LogicalCluster `status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalClusterStatus {
    /// `<shard externalURL>/clusters/<logical cluster name>` (JSON key `URL`).
    #[serde(rename = "URL", default, skip_serializing_if = "String::is_empty")]
    pub url: String,
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
    /// A shard: a kcp server holding a set of logical clusters.
    pub struct Shard ("core.kcp.io", "v1alpha1", "Shard", "shards") {
        #[serde(default)]
        pub spec: ShardSpec,
        #[serde(default)]
        pub status: ShardStatus,
    }
}

/// Shard `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardSpec {
    /// Required: where the shard is reached directly.
    #[serde(rename = "baseURL", default)]
    pub base_url: String,
    /// The URL used in workspace URLs (defaults to baseURL).
    #[serde(
        rename = "externalURL",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub external_url: String,
    /// The URL of the shard's virtual workspaces (defaults to baseURL).
    #[serde(
        rename = "virtualWorkspaceURL",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub virtual_workspace_url: String,
}

/// Shard `status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardStatus {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// A URL served by some shards (shared by endpoint slices).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub url: String,
    /// Go struct, so always encoded (`{}` when empty).
    #[serde(default)]
    pub shards: EndpointSelector,
}

/// Which shards an [`Endpoint`] covers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSelector {
    #[serde(default, skip_serializing_if = "is_false")]
    pub match_all: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

impl LogicalCluster {
    /// The singleton LogicalCluster object `cluster`.
    pub fn singleton() -> Self {
        Self::named(crate::keys::LOGICAL_CLUSTER_OBJECT_NAME)
    }

    /// The canonical path (`kcp.io/path`).
    pub fn path(&self) -> Option<&str> {
        self.annotation(crate::PATH_ANNOTATION)
    }

    /// Whether the inactive annotation is set.
    pub fn is_inactive(&self) -> bool {
        self.metadata
            .annotations
            .as_ref()
            .is_some_and(crate::keys::is_inactive)
    }
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
    fn logical_cluster_of_a_new_workspace() {
        let lc: LogicalCluster = round_trip(json!({
            "apiVersion": "core.kcp.io/v1alpha1",
            "kind": "LogicalCluster",
            "metadata": {
                "name": "cluster",
                "annotations": {
                    "kcp.io/path": "root:team-a",
                    "internal.tenancy.kcp.io/type": "root:organization",
                    "core.kcp.io/shard": "root"
                },
                "finalizers": ["core.kcp.io/logicalcluster-deletion"]
            },
            "spec": {
                "owner": {"apiVersion": "tenancy.kcp.io/v1alpha1", "resource": "workspaces",
                          "name": "team-a", "cluster": "root", "uid": "0b7c3f6e-0000-4000-8000-000000000001"},
                "createdBy": {"username": "kcp-admin", "groups": ["system:kcp:admin", "system:authenticated"]},
                "initializers": ["root:universal", "system:apibindings"]
            },
            "status": {
                "URL": "https://127.0.0.1:6443/clusters/2cynbfy2m0wtjqcs",
                "phase": "Initializing",
                "initializers": ["root:universal", "system:apibindings"]
            }
        }));
        assert_eq!(lc.path(), Some("root:team-a"));
        assert_eq!(lc.status.phase, Some(LogicalClusterPhase::Initializing));
        assert!(!lc.is_inactive());
        assert_eq!(
            serde_json::to_value(LogicalCluster::singleton()).unwrap(),
            json!({"apiVersion": "core.kcp.io/v1alpha1", "kind": "LogicalCluster",
                   "metadata": {"name": "cluster"}, "spec": {}, "status": {}})
        );
    }

    #[test]
    fn root_shard() {
        let shard: Shard = round_trip(json!({
            "apiVersion": "core.kcp.io/v1alpha1",
            "kind": "Shard",
            "metadata": {"name": "root", "labels": {"name": "root"}, "annotations": {"kcp.io/cluster": "root"}},
            "spec": {"baseURL": "https://127.0.0.1:6443", "externalURL": "https://127.0.0.1:6443",
                     "virtualWorkspaceURL": "https://127.0.0.1:6443"},
            "status": {"capacity": {"workspaces": "10k"}}
        }));
        assert_eq!(shard.spec.base_url, "https://127.0.0.1:6443");
    }

    #[test]
    fn phases_spelled_as_kcp() {
        let names: Vec<&str> = LogicalClusterPhase::ALL
            .iter()
            .map(|p| p.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "Scheduling",
                "Initializing",
                "Ready",
                "Unavailable",
                "Inactive",
                "Terminating",
                "Deleting"
            ]
        );
        assert_eq!(
            LogicalClusterPhase::parse("Ready"),
            Some(LogicalClusterPhase::Ready)
        );
        assert_eq!(LogicalClusterPhase::parse("ready"), None);
    }
}
