//! `kcp-server`: a Kubernetes-compatible API server with logical clusters, kcp's control plane.
//!
//! A request meets the layers in this order (one module each, see `DESIGN.md`):
//! `http` → `authn` → `routing` → `authz` → `catalog` → `registry` → `storage`.
//! Newcomers should start with `registry`, the one generic code path every resource takes.

pub mod errors;
pub mod registry;
pub mod schema;
pub mod validation;
