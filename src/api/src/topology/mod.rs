//! `topology.kcp.io/v1alpha1` (`reference/kcp.md` §3.11): Partition (a set of shards chosen by a
//! label selector, referenced by APIExportEndpointSlices) and PartitionSet (generates one
//! Partition per combination of label values).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::resource::is_zero_u64;

/// Condition types and reasons on PartitionSets.
pub mod conditions {
    pub const PARTITION_SET_VALID: &str = "PartitionSetValid";
    pub const PARTITIONS_READY: &str = "PartitionsReady";
    pub const REASON_INVALID_SELECTOR: &str = "InvalidSelector";
    pub const REASON_ERROR_GENERATING_PARTITIONS: &str = "ErrorGeneratingPartitions";
}

kcp_resource! {
    /// A set of shards selected by labels.
    pub struct Partition ("topology.kcp.io", "v1alpha1", "Partition", "partitions") {
        #[serde(default)]
        pub spec: PartitionSpec,
    }
}

/// Partition `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

kcp_resource! {
    /// Generates Partitions along label dimensions.
    pub struct PartitionSet ("topology.kcp.io", "v1alpha1", "PartitionSet", "partitionsets") {
        #[serde(default)]
        pub spec: PartitionSetSpec,
        #[serde(default)]
        pub status: PartitionSetStatus,
    }
}

/// PartitionSet `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionSetSpec {
    /// Shard label keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_selector: Option<LabelSelector>,
}

/// PartitionSet `status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionSetStatus {
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}
