//! `kcp-api`: what the kcp server, the api-syncagent and the kubectl plugins share — the kcp
//! kinds as typed structs with kcp's exact JSON ([`tenancy`], [`core`], [`apis`], [`topology`],
//! conditions in [`condition`]), well-known annotations, labels and finalizers ([`keys`]),
//! logical-cluster names and paths ([`logicalcluster`]), the hashed names kcp derives
//! ([`names`]), Go's `encoding/json` output byte for byte ([`gojson`]) and the CRD-shaped definitions the server serves the kinds from ([`crds`]); and the
//! api-syncagent's `PublishedResource` with its generated CRD ([`syncagent`]).
//!
//! Every kind implements `k8s_openapi::Resource`, `ListableResource` and `Metadata`, so kube-rs'
//! `Api<tenancy::Workspace>` works directly; `syncagent::v1alpha1::PublishedResource`, derived
//! with kube's `CustomResource`, implements `kube_core::Resource` itself.

#[macro_use]
mod resource;

pub mod apis;
pub mod condition;
pub mod core;
pub mod crds;
pub mod gojson;
pub mod hash;
pub mod keys;
pub mod logicalcluster;
pub mod names;
pub mod syncagent;
pub mod tenancy;
pub mod topology;

pub use condition::{Condition, ConditionSeverity, ConditionStatus};
pub use logicalcluster::{LogicalClusterName, Path};

/// Every object read from the server carries its logical cluster name here (never stored).
pub const CLUSTER_ANNOTATION: &str = "kcp.io/cluster";
/// The canonical path of a LogicalCluster and of objects referenced by path.
pub const PATH_ANNOTATION: &str = "kcp.io/path";
/// The root logical cluster.
pub const ROOT_CLUSTER: &str = "root";
