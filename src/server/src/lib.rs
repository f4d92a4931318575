//! `kcp-server`: a Kubernetes-compatible API server with logical clusters, kcp's control plane.
//!
//! A request meets the layers in this order (one module each, see `DESIGN.md`):
//! `http` → `authn` → `routing` → `authz` → `catalog` → `registry` → `storage`; `server.rs`
//! wires them into one pipeline. Newcomers should start with `server.rs`, then `registry`, the
//! one generic code path every resource takes.

// `ApiError` is the one error currency of the request path: it is built once per failed request,
// so boxing it to shrink `Result` would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod admission;
pub mod apis;
pub mod authn;
pub mod authz;
pub mod bootstrap;
pub mod catalog;
pub mod controllers;
pub mod crd;
pub mod defaulting;
pub mod errors;
pub mod http;
pub mod kubeconfig;
pub mod metrics;
pub mod options;
pub mod pki;
pub mod protobuf;
pub mod registry;
pub mod reviews;
pub mod routing;
pub mod schema;
pub mod server;
pub mod serviceaccount;
pub mod start;
pub mod storage;
pub mod tenancy;
pub mod validation;
pub mod virtual_workspace;
