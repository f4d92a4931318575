//! The api-syncagent (`reference/api-syncagent.md`): runs next to a service cluster, publishes
//! its CRDs (and built-in types) into kcp through an APIExport, watches every bound object
//! through the export's virtual workspace, keeps a copy of each in the service cluster, and
//! writes the copy's status back to the tenant.
//!
//! One module per concept (DESIGN.md):
//!
//! - [`options`]: the command line of the Go agent;
//! - [`projection`], `discovery`: the published resource's CRD as kcp serves it;
//! - [`apiresourceschema`]: the APIResourceSchema made from it, and its hash-based name
//!   (`kcp_api::gojson`: Go's `encoding/json` output, byte for byte, for the hashes);
//! - `controllers`: apiresourceschema, apiexport, syncmanager, sync;
//! - `sync`: the per-object state machine (finalizer, copy, three-way merge, status back,
//!   deletion) and the Go agent's state Secrets;
//! - `template`: Go `text/template` with sprig, for naming and related resources;
//! - `mutation`: the rewrite rules of `spec.mutation` (regex, template, delete, CEL);
//! - [`leader`]: leader election on a Lease; [`metrics`]: the Prometheus series.

pub mod apiresourceschema;
pub mod client;
pub mod controllers;
pub mod discovery;
pub mod events;
pub mod kcp;
pub mod leader;
pub mod metrics;
pub mod mutation;
pub mod openapi;
pub mod options;
pub mod projection;
pub mod published;
pub mod run;
pub mod sync;
pub mod template;
