//! `kcp-cli`: the kcp kubectl plugins — `kubectl ws` (`kubectl-ws`), `kubectl kcp workspace`,
//! `kubectl kcp bind apiexport` and `kubectl kcp crd snapshot` (`kubectl-kcp`) and
//! `kubectl create workspace` (`kubectl-create-workspace`) — as
//! `reference/kcp.md` §5 describes them: moving between workspaces by path, creating them, showing
//! the tree and browsing it interactively, all by editing the user's kubeconfig the way kcp's own
//! plugins do.
//!
//! Newcomers should start with [`cli`] (the command lines and what each runs), then
//! [`use_workspace`] (the heart: `kubectl ws <path>`). Underneath:
//!
//! * [`session`] — kubeconfig loading with kubectl's override flags, the server URL in effect;
//! * [`workspace_url`] — `<base>/clusters/<path>` URLs;
//! * [`navigation`] — the argument grammar (`..`, `-`, `~`, `:root:a`, ...);
//! * [`kubeconfig`] — the files and the `workspace.kcp.io/current|previous` edits;
//! * [`api`] — the requests, behind the [`api::KcpApi`] trait;
//! * [`create`], [`create_context`], [`tree`], [`interactive`], [`claims`] — the other workspace
//!   commands;
//! * [`bind`] — `kubectl kcp bind apiexport`;
//! * [`crd_snapshot`] — `kubectl kcp crd snapshot`, with [`crd_conversion`] (CRD →
//!   APIResourceSchema) and Go's encodings of it ([`go_types`], `kcp_api::gojson`, [`go_yaml`]).

#![deny(clippy::all)]

pub mod api;
pub mod bind;
pub mod claims;
pub mod cli;
pub mod crd_conversion;
pub mod crd_snapshot;
pub mod create;
pub mod create_context;
pub mod error;
pub mod go_types;
pub mod go_yaml;
pub mod interactive;
pub mod kubeconfig;
pub mod navigation;
pub mod output;
pub mod selector;
pub mod session;
pub mod tabwriter;
pub mod tree;
pub mod use_workspace;
pub mod workspace_url;

#[cfg(test)]
mod fake;

pub use error::{CliError, Result};
pub use session::{ConfigFlags, Session};
