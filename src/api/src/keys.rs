//! Well-known keys (`reference/kcp.md` Appendix A): annotations, labels, finalizers, group and
//! user names, RBAC prefixes and API group names, spelled exactly as kcp spells them. The
//! logical-cluster annotations `kcp.io/cluster` and `kcp.io/path` are re-exported from the crate
//! root.

pub use crate::{CLUSTER_ANNOTATION, PATH_ANNOTATION, ROOT_CLUSTER};

// ---- API groups --------------------------------------------------------------------------------

/// `tenancy.kcp.io`: Workspace, WorkspaceType, WorkspaceAuthenticationConfiguration.
pub const TENANCY_GROUP: &str = "tenancy.kcp.io";
/// `core.kcp.io`: LogicalCluster, Shard.
pub const CORE_GROUP: &str = "core.kcp.io";
/// `apis.kcp.io`: APIExport, APIBinding, APIResourceSchema, APIExportEndpointSlice, APIConversion.
pub const APIS_GROUP: &str = "apis.kcp.io";
/// `topology.kcp.io`: Partition, PartitionSet.
pub const TOPOLOGY_GROUP: &str = "topology.kcp.io";
/// `cache.kcp.io` (not served while the `CacheAPIs` feature is off, except its system CRDs).
pub const CACHE_GROUP: &str = "cache.kcp.io";
/// The name of the root APIExport of `shards` (core.kcp.io).
pub const SHARDS_EXPORT: &str = "shards.core.kcp.io";

// ---- well-known logical clusters and objects ---------------------------------------------------

/// Where the RBAC bootstrap policy lives.
pub const SYSTEM_ADMIN_CLUSTER: &str = "system:admin";
/// Where the system CRDs (apis.kcp.io, core.kcp.io logicalclusters, …) live.
pub const SYSTEM_CRDS_CLUSTER: &str = "system:system-crds";
/// Where the CRDs behind APIBindings live (named by APIResourceSchema UID).
pub const SYSTEM_BOUND_CRDS_CLUSTER: &str = "system:bound-crds";
/// The shard's own logical cluster.
pub const SYSTEM_SHARD_CLUSTER: &str = "system:shard";
/// Cached CRDs (cache server).
pub const SYSTEM_CACHED_CRDS_CLUSTER: &str = "system:cached-crds";
/// The singleton name of the LogicalCluster object in every logical cluster.
pub const LOGICAL_CLUSTER_OBJECT_NAME: &str = "cluster";
/// The root shard's name.
pub const ROOT_SHARD: &str = "root";
/// The namespace of APIExport identity secrets.
pub const KCP_SYSTEM_NAMESPACE: &str = "kcp-system";
/// The key of the APIExport identity secret that holds the identity.
pub const IDENTITY_SECRET_KEY: &str = "key";

// ---- annotations -------------------------------------------------------------------------------

/// `<typePath>:<typeName>` of a LogicalCluster's WorkspaceType.
pub const LOGICAL_CLUSTER_TYPE_ANNOTATION: &str = "internal.tenancy.kcp.io/type";
/// JSON user info of the creator, on Workspaces and LogicalClusters.
pub const WORKSPACE_OWNER_ANNOTATION: &str = "experimental.tenancy.kcp.io/owner";
/// Experimental mount annotation on Workspaces.
pub const WORKSPACE_MOUNT_ANNOTATION: &str = "experimental.tenancy.kcp.io/mount";
/// Marks an object as a mount (mount CRs).
pub const IS_MOUNT_ANNOTATION: &str = "experimental.tenancy.kcp.io/is-mount";
/// WorkspaceType's experimental default-APIBinding lifecycle.
pub const DEFAULT_API_BINDING_LIFECYCLE_ANNOTATION: &str =
    "experimental.tenancy.kcp.io/default-api-binding-lifecycle";
/// The shard a Workspace / LogicalCluster is scheduled on.
pub const SHARD_ANNOTATION: &str = "core.kcp.io/shard";
/// Deprecated: first 8 characters of base36 SHA-224 of the shard name.
pub const WORKSPACE_SHARD_HASH_ANNOTATION: &str = "internal.tenancy.kcp.io/shard";
/// The logical-cluster name chosen during scheduling, before `spec.cluster` is set.
pub const WORKSPACE_CLUSTER_ANNOTATION: &str = "internal.tenancy.kcp.io/cluster";
/// Excludes a Shard from scheduling.
pub const SHARD_UNSCHEDULABLE_ANNOTATION: &str = "experimental.core.kcp.io/unschedulable";
/// `"true"` makes a LogicalCluster Inactive.
pub const INACTIVE_ANNOTATION: &str = "core.kcp.io/inactive";
/// Legacy spelling of [`INACTIVE_ANNOTATION`].
pub const INACTIVE_ANNOTATION_LEGACY: &str = "internal.kcp.io/inactive";
/// Per-LogicalCluster object-count limit.
pub const MAX_TOTAL_OBJECTS_ANNOTATION: &str = "core.kcp.io/max-total-objects";
/// `g1,g2;g3`: AND within `,`, OR across `;`.
pub const REQUIRED_GROUPS_ANNOTATION: &str = "authorization.kcp.io/required-groups";
/// The GR lock map of a LogicalCluster (JSON).
pub const RESOURCE_BINDINGS_ANNOTATION: &str = "internal.apis.kcp.io/resource-bindings";
/// Marks objects for replication to the cache server.
pub const REPLICATE_ANNOTATION: &str = "internal.kcp.io/replicate";
/// Bound CRD marker (value empty).
pub const BOUND_CRD_ANNOTATION: &str = "apis.kcp.io/bound-crd";
/// Bound CRD: the logical cluster of its APIResourceSchema.
pub const SCHEMA_CLUSTER_ANNOTATION: &str = "apis.kcp.io/schema-cluster";
/// Bound CRD: the name of its APIResourceSchema.
pub const SCHEMA_NAME_ANNOTATION: &str = "apis.kcp.io/schema-name";
/// Bound CRD as served in a workspace: the identity hash of the export.
pub const API_IDENTITY_ANNOTATION: &str = "apis.kcp.io/identity";
/// Bound CRD: storage of the schema (virtual resources).
pub const SCHEMA_STORAGE_ANNOTATION: &str = "apis.kcp.io/schema-storage";
/// Suppresses the default APIExportEndpointSlice of an APIExport.
pub const SKIP_ENDPOINT_SLICE_ANNOTATION: &str = "apiexports.apis.kcp.io/skip-endpointslice";
/// Annotations with this prefix on an APIExport are copied to its APIBindings.
pub const APIEXPORT_EXTRA_ANNOTATION_PREFIX: &str = "extra.apis.kcp.io/";
/// Prefix of the annotations APIConversion uses to preserve fields across versions.
pub const VERSION_PRESERVATION_ANNOTATION_PREFIX: &str = "preserve.conversion.apis.kcp.io/";
/// Bootstrap objects that are created but never updated.
pub const BOOTSTRAP_CREATE_ONLY_ANNOTATION: &str = "bootstrap.kcp.io/create-only";
/// Bootstrap objects only created when the named battery is on.
pub const BOOTSTRAP_BATTERY_ANNOTATION: &str = "bootstrap.kcp.io/battery";

/// APIExport v1alpha1: v1alpha2 resources without CRD storage (JSON list).
pub const RESOURCE_SCHEMAS_ANNOTATION: &str = "apis.v1alpha2.kcp.io/resource-schemas";
/// APIExport v1alpha1: v1alpha2 permission claims v1alpha1 cannot express (JSON list).
pub const PERMISSION_CLAIMS_ANNOTATION: &str = "apis.v1alpha2.kcp.io/permission-claims";
/// APIExport / APIBinding v1alpha2: the original v1alpha1 claims (`all`, `resourceSelector`).
pub const PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION: &str =
    "apis.v1alpha2.kcp.io/v1alpha1-permission-claims";
/// APIBinding v1alpha1: v1alpha2 `spec.permissionClaims` v1alpha1 cannot express.
pub const ACCEPTABLE_PERMISSION_CLAIMS_ANNOTATION: &str =
    "apis.v1alpha2.kcp.io/acceptable-permission-claims";
/// APIBinding v1alpha1: v1alpha2 `status.exportPermissionClaims` v1alpha1 cannot express.
pub const STATUS_PERMISSION_CLAIMS_ANNOTATION: &str =
    "apis.v1alpha2.kcp.io/status-export-permission-claims";
/// APIBinding v1alpha1: v1alpha2 `status.appliedPermissionClaims` v1alpha1 cannot express.
pub const STATUS_APPLIED_CLAIMS_ANNOTATION: &str =
    "apis.v1alpha2.kcp.io/status-applied-permission-claims";
/// APIBinding v1alpha2: the original v1alpha1 `status.exportPermissionClaims`.
pub const STATUS_PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION: &str =
    "apis.v1alpha2.kcp.io/v1alpha1-status-export-permission-claims";
/// APIBinding v1alpha2: v1alpha1 `status.appliedPermissionClaims` with resource selectors.
pub const STATUS_APPLIED_CLAIMS_V1ALPHA1_ANNOTATION: &str =
    "apis.v1alpha2.kcp.io/v1alpha1-status-applied-permission-claims";

// ---- labels ------------------------------------------------------------------------------------

/// The current phase of a Workspace / LogicalCluster.
pub const WORKSPACE_PHASE_LABEL: &str = "tenancy.kcp.io/phase";
/// Prefix of the pending-initializer labels ([`crate::names::initializer_label`]).
pub const WORKSPACE_INITIALIZER_LABEL_PREFIX: &str = "initializer.internal.kcp.io/";
/// Prefix of the pending-terminator labels ([`crate::names::terminator_label`]).
pub const WORKSPACE_TERMINATOR_LABEL_PREFIX: &str = "terminator.internal.kcp.io/";
/// The export an APIBinding points at ([`crate::names::apibinding_export_label_value`]).
pub const APIBINDING_EXPORT_LABEL: &str = "internal.apis.kcp.io/export";
/// Prefix of the labels on objects claimed by an APIExport permission claim.
pub const APIEXPORT_PERMISSION_CLAIM_LABEL_PREFIX: &str = "claimed.internal.apis.kcp.io/";
/// Region of a Shard (copied to Workspaces scheduled there).
pub const REGION_LABEL: &str = "region";
/// Every Shard labels itself `name=<shard>`.
pub const SHARD_NAME_LABEL: &str = "name";

// ---- finalizers --------------------------------------------------------------------------------

/// On Workspaces: the LogicalCluster must be deleted first.
pub const LOGICAL_CLUSTER_FINALIZER: &str = "core.kcp.io/logicalcluster";
/// On LogicalClusters: the content must be deleted first.
pub const LOGICAL_CLUSTER_DELETION_FINALIZER: &str = "core.kcp.io/logicalcluster-deletion";
/// On LogicalClusters with terminators.
pub const HAS_TERMINATORS_FINALIZER: &str = "kcp.io/has-terminators";
/// On APIBindings: bound objects must be deleted first.
pub const APIBINDING_FINALIZER: &str = "apis.kcp.io/apibinding-finalizer";

// ---- users, groups, RBAC -----------------------------------------------------------------------

/// Bypasses authorization.
pub const SYSTEM_MASTERS_GROUP: &str = "system:masters";
/// Bound to `cluster-admin` in every workspace.
pub const SYSTEM_KCP_ADMIN_GROUP: &str = "system:kcp:admin";
/// The group of the universal initializer's bootstrap user.
pub const SYSTEM_WORKSPACE_BOOTSTRAPPER_GROUP: &str = "system:kcp:tenancy:workspace-bootstrapper";
/// Logical-cluster admins pass the workspace content authorizer.
pub const SYSTEM_LOGICAL_CLUSTER_ADMIN_GROUP: &str = "system:kcp:logical-cluster-admin";
/// External logical-cluster admins (migration).
pub const SYSTEM_EXTERNAL_LOGICAL_CLUSTER_ADMIN_GROUP: &str =
    "system:kcp:external-logical-cluster-admin";
/// The user bootstrap objects are created as.
pub const SYSTEM_KCP_BOOTSTRAPPER_USER: &str = "system:kcp:bootstrapper";
/// ClusterRole granting verb `access` on `/`.
pub const WORKSPACE_ACCESS_CLUSTER_ROLE: &str = "system:kcp:workspace:access";
/// ClusterRole granting read on workspaces, workspacetypes and logicalclusters in root.
pub const TENANCY_READER_CLUSTER_ROLE: &str = "system:kcp:tenancy:reader";
/// ClusterRole for `/metrics`.
pub const METRICS_READER_CLUSTER_ROLE: &str = "system:kcp:metrics-reader";
/// The creator's ClusterRoleBinding in a new workspace.
pub const WORKSPACE_ADMIN_BINDING: &str = "workspace-admin";
/// Prefix of users and groups in maximal-permission-policy checks.
pub const MAXIMAL_PERMISSION_POLICY_PREFIX: &str = "apis.kcp.io:binding:";
/// Prefix of the group of requests forwarded by the initializing-workspaces VW.
pub const INITIALIZER_GROUP_PREFIX: &str = "system:kcp:initializer:";
/// Prefix of the group of requests forwarded by the terminating-workspaces VW.
pub const TERMINATOR_GROUP_PREFIX: &str = "system:kcp:terminator:";
/// Prefix of the group users from another workspace carry (`system:cluster:<name>`).
pub const CLUSTER_GROUP_PREFIX: &str = "system:cluster:";
/// User extra: scopes (`cluster:<name>`).
pub const SCOPES_EXTRA_KEY: &str = "authentication.kcp.io/scopes";
/// User extra: warrants (JSON user info).
pub const WARRANT_EXTRA_KEY: &str = "authorization.kcp.io/warrant";
/// User extra in webhook SubjectAccessReviews: the target logical cluster.
pub const CLUSTER_NAME_EXTRA_KEY: &str = "authorization.kcp.io/cluster-name";

// ---- reserved names ----------------------------------------------------------------------------

/// The implicit initializer added when a type chain has default APIBindings.
pub const APIBINDINGS_INITIALIZER: &str = "system:apibindings";
/// WorkspaceType names no one may use.
pub const RESERVED_WORKSPACE_TYPE_NAMES: [&str; 2] = ["any", "system"];
/// The name of the root WorkspaceType.
pub const ROOT_WORKSPACE_TYPE: &str = "root";

/// Whether a LogicalCluster's annotations make it Inactive.
pub fn is_inactive(annotations: &std::collections::BTreeMap<String, String>) -> bool {
    annotations.get(INACTIVE_ANNOTATION).map(String::as_str) == Some("true")
        || annotations
            .get(INACTIVE_ANNOTATION_LEGACY)
            .map(String::as_str)
            == Some("true")
}
