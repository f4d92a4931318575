//! `kcp-api`: what the kcp server, the api-syncagent and the kubectl plugins share — well-known
//! annotations, labels and finalizers, and logical-cluster names and paths.

pub mod logicalcluster;

/// Every object read from the server carries its logical cluster name here (never stored).
pub const CLUSTER_ANNOTATION: &str = "kcp.io/cluster";
/// The canonical path of a LogicalCluster and of objects referenced by path.
pub const PATH_ANNOTATION: &str = "kcp.io/path";
/// The root logical cluster.
pub const ROOT_CLUSTER: &str = "root";
