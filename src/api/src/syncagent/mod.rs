//! `syncagent.kcp.io`: the api-syncagent's own API ([`v1alpha1::PublishedResource`]), its
//! CustomResourceDefinition ([`v1alpha1::crd`], committed as
//! `config/crd/syncagent.kcp.io_publishedresources.yaml`), and the finalizer, labels and
//! annotations the agent puts on objects in kcp and on the service cluster
//! (`reference/api-syncagent.md` §2.6).

pub mod v1alpha1;

/// The API group.
pub const GROUP: &str = "syncagent.kcp.io";

// ---- finalizer ---------------------------------------------------------------------------------

/// On kcp primary objects (and on kcp-origin related objects): the agent still has to clean up
/// the service cluster's copy.
pub const CLEANUP_FINALIZER: &str = "syncagent.kcp.io/cleanup";

/// The finalizer an agent puts on kcp-origin related objects: `<agent-name>` followed by this,
/// so that agents sharing an object never take each other's (not in the Go agent, which puts
/// [`CLEANUP_FINALIZER`] there too).
pub const AGENT_CLEANUP_FINALIZER_SUFFIX: &str = ".syncagent.kcp.io/cleanup";

/// On a kcp object, `"true"`: its copy is deleted as soon as the object is (the Go agent's
/// order), without waiting for the object's other finalizers.
pub const DELETE_COPY_FIRST_ANNOTATION: &str = "syncagent.kcp.io/delete-copy-first";

/// On a kcp object: the propagation policy (`background`, `foreground` or `orphan`) of its
/// copy's deletion.
pub const DELETION_PROPAGATION_POLICY_ANNOTATION: &str =
    "syncagent.kcp.io/deletion-propagation-policy";

// ---- labels and annotations on the service cluster's copies ------------------------------------

/// Label `"true"`: a copy the agent let go of because its kcp object stopped matching the
/// PublishedResource's filter (this agent's own; the Go agent has none). Its `remote-object-*`
/// labels stay, so the object matching again makes it the copy again.
pub const RELEASED_LABEL: &str = "syncagent.kcp.io/released";
/// Label: the kcp logical cluster name of the object a local copy (or a state Secret) belongs to.
pub const REMOTE_OBJECT_CLUSTER_LABEL: &str = "syncagent.kcp.io/remote-object-cluster";
/// Label: the full hex SHA-1 of the kcp object's namespace (only for namespaced objects).
pub const REMOTE_OBJECT_NAMESPACE_HASH_LABEL: &str =
    "syncagent.kcp.io/remote-object-namespace-hash";
/// Label: the full hex SHA-1 of the kcp object's name.
pub const REMOTE_OBJECT_NAME_HASH_LABEL: &str = "syncagent.kcp.io/remote-object-name-hash";
/// Annotation: the kcp object's namespace in plain text (only when not empty).
pub const REMOTE_OBJECT_NAMESPACE_ANNOTATION: &str = "syncagent.kcp.io/remote-object-namespace";
/// Annotation: the kcp object's name in plain text.
pub const REMOTE_OBJECT_NAME_ANNOTATION: &str = "syncagent.kcp.io/remote-object-name";
/// Annotation: the kcp workspace path of the object (only when `enableWorkspacePaths` resolved
/// it).
pub const REMOTE_OBJECT_WORKSPACE_PATH_ANNOTATION: &str =
    "syncagent.kcp.io/remote-object-workspace-path";

/// Label on local copies and APIResourceSchemas: the name of the agent that made them.
pub const AGENT_NAME_LABEL: &str = "syncagent.kcp.io/agent-name";
/// Annotation on APIResourceSchemas and on the APIExport: the name of the agent that manages
/// them.
pub const AGENT_NAME_ANNOTATION: &str = "syncagent.kcp.io/agent-name";
/// Annotation on APIResourceSchemas: the `metadata.generation` (decimal) of the CRD it was made
/// from.
pub const SOURCE_GENERATION_ANNOTATION: &str = "syncagent.kcp.io/source-generation";

/// Label on the Secrets that keep last-known object states; its value is
/// [`OBJECT_STATE_LABEL_VALUE`].
pub const OBJECT_STATE_LABEL: &str = "syncagent.kcp.io/object-state";
/// The value of [`OBJECT_STATE_LABEL`].
pub const OBJECT_STATE_LABEL_VALUE: &str = "true";

/// Prefix of the annotations on kcp primary objects that tell users about a related object:
/// the related resource's `identifier` is appended.
pub const RELATED_OBJECT_ANNOTATION_PREFIX: &str = "related-resources.syncagent.kcp.io/";

// ---- legacy naming placeholders (deprecated: naming rules should be templates) -----------------

/// The kcp logical cluster name.
pub const PLACEHOLDER_REMOTE_CLUSTER_NAME: &str = "$remoteClusterName";
/// The kcp object's namespace.
pub const PLACEHOLDER_REMOTE_NAMESPACE: &str = "$remoteNamespace";
/// The first 20 hex characters of the SHA-1 of the kcp object's namespace.
pub const PLACEHOLDER_REMOTE_NAMESPACE_HASH: &str = "$remoteNamespaceHash";
/// The kcp object's name.
pub const PLACEHOLDER_REMOTE_NAME: &str = "$remoteName";
/// The first 20 hex characters of the SHA-1 of the kcp object's name.
pub const PLACEHOLDER_REMOTE_NAME_HASH: &str = "$remoteNameHash";
