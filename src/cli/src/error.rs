//! The ways a plugin command can fail. Each variant's message is the one kcp's plugins print
//! (`reference/kcp.md` §5), so a script matching on kcp's stderr keeps working; the binaries print
//! it as `Error: <message>` and exit 1, as cobra does.

use crate::api::ApiError;
use crate::kubeconfig::KubeconfigError;

/// A failed plugin command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The current server URL has no `/clusters/<path>` part (or the path is invalid), and the
    /// command needs a workspace to start from.
    #[error("current URL {0:?} does not point to a workspace")]
    NotAWorkspaceUrl(String),
    /// A `use` argument that does not resolve to a valid logical-cluster path.
    #[error("invalid workspace path: {0}")]
    InvalidPath(String),
    /// `..` (in a `use` argument) past the first segment.
    #[error("cannot go up from root")]
    UpFromRoot,
    /// `..` (in a `--workspace` flag) past the first segment.
    #[error("cannot go above the root workspace")]
    AboveRootWorkspace,
    /// `kubectl ws -` without a `workspace.kcp.io/previous` context.
    #[error("no previous workspace found in kubeconfig")]
    NoPreviousWorkspace,
    /// Neither discovery nor the parent's Workspace object could see the target.
    #[error("workspace {0:?} not found")]
    WorkspaceNotFound(String),
    /// Discovery of the target was forbidden (or empty) but its Workspace object exists.
    #[error("access to workspace {0:?} denied")]
    WorkspaceAccessDenied(String),
    /// `create-context` for a name that exists, without `--overwrite`.
    #[error("context {0:?} already exists in kubeconfig, use --overwrite to update it")]
    ContextExists(String),
    /// `--ignore-existing` with a `--type` whose path is not absolute (`root...`).
    #[error("--ignore-existing must not be used with non-absolute type path")]
    IgnoreExistingNeedsAbsoluteType,
    /// `--ignore-existing` found a workspace of another type.
    #[error(
        "workspace {name:?} cannot be created with type {wanted}, it already exists with different type {existing}"
    )]
    WorkspaceTypeMismatch {
        name: String,
        wanted: String,
        existing: String,
    },
    /// A `--location-selector` that is not a label selector.
    #[error("invalid location selector {selector:?}: {reason}")]
    InvalidSelector { selector: String, reason: String },
    /// A `--type` that is not `name` or `path:name`.
    #[error("invalid workspace type {0:?}")]
    InvalidType(String),
    /// `-i` together with positional arguments.
    #[error("interactive mode does not accept arguments")]
    InteractiveWithArguments,
    /// `-i` with stdout not on a terminal.
    #[error("interactive mode needs a terminal")]
    NotATerminal,
    /// A created workspace did not show up or become Ready in time.
    #[error("{0}")]
    Timeout(String),
    /// `APIBinding` listing failed after switching workspaces.
    #[error("error checking APIBindings: {0}")]
    CheckingBindings(#[source] ApiError),
    /// Flags or input that kcp's validation rejects (several problems read `[a, b]`).
    #[error("{0}")]
    Invalid(String),
    /// `crd snapshot -f FILE` could not read the file.
    #[error("error opening {path}: open {path}: {reason}")]
    Open { path: String, reason: String },
    /// A snapshot document that is not a convertible CRD.
    #[error(transparent)]
    Crd(#[from] crate::crd_conversion::CrdError),
    /// A request to the server failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Reading, interpreting or writing the kubeconfig failed.
    #[error(transparent)]
    Kubeconfig(#[from] KubeconfigError),
    /// Building a client from the kubeconfig failed.
    #[error("{0}")]
    Client(String),
    /// Writing to the terminal failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Results of plugin commands.
pub type Result<T, E = CliError> = std::result::Result<T, E>;
