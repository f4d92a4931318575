//! The built-in types' schemas: the Kubernetes 1.36 definitions, body decoding, OpenAPI.
//!
//! Everything here is driven by one embedded file, `data/kubernetes-openapi-1.36/definitions.json`
//! (see its `NOTICE.md`), parsed once on first use. Newcomers should start with
//! [`Definitions::builtin`] and [`SchemaNode`].
//!
//! # Public API
//!
//! Looking up and walking a type (strategic merge patch, server-side apply, explain, validation):
//! - [`Definitions::builtin()`] `-> &'static Definitions`; [`Definitions::get`]`(name)`,
//!   [`Definitions::for_gvk`]`(&GroupVersionKind)`, [`Definitions::resolve_ref`]`("#/$defs/…")`,
//!   [`Definitions::iter`].
//! - [`SchemaNode`]: `type_name()`, `is_nullable()`, `format()`, `description()`,
//!   `properties()`, `property(name)`, `items()`, `additional_properties()`, `required()`,
//!   `enum_values()`, `reference()`, `resolve()`, `name()`, `patch_strategy()`,
//!   `patch_merge_key()`, `list_type()`, `list_map_keys()`, `map_type()`,
//!   `group_version_kinds()`, `is_int_or_string()`, `preserves_unknown_fields()`, `raw()`.
//! - [`GroupVersionKind`] (`api_version()`, `Display` as Go's `apps/v1, Kind=Deployment`).
//!
//! Decoding a request body the way kube-apiserver's JSON decoder does:
//! - [`decode`]`(&target_gvk, body: Value) -> Result<Decoded, DecodeError>`, and
//!   [`decode_bytes`]`(&target_gvk, &[u8])`, which also reports duplicate fields.
//! - [`Decoded`]: `object` (pruned, as Go re-encodes it), `gvk` (from the body, defaulted),
//!   `strict_errors`; `unknown_fields()`, `warnings()` (for `fieldValidation=Warn`),
//!   `check_strict(&target)` (for `fieldValidation=Strict`).
//! - [`DecodeError`]: `Display` is kube-apiserver's message
//!   (`ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal …`);
//!   `to_api_error()` gives the 400 `Status`.
//!
//! OpenAPI documents for `kubectl explain` / `kubectl apply`:
//! - [`ServedResource::builtin`]`(&gvk, resource, namespaced, verbs)` and
//!   [`ServedResource::custom`]`(&gvk, resource, namespaced, verbs, openAPIV3Schema)` (CRDs,
//!   APIResourceSchemas); `.with_subresources(&["status"])`.
//! - [`openapi_v2`]`(&[ServedResource]) -> Arc<OpenApiV2>`: `json` (a [`RenderedDocument`])
//!   and `protobuf()` (gnostic's encoding, as kube-openapi serves it); [`serve_openapi_v2`]
//!   `(&[ServedResource], &Method, &HeaderMap)` answers `/openapi/v2` with kube-openapi's
//!   content negotiation and conditional requests.
//! - [`openapi_v3`]`(&[ServedResource]) -> Arc<OpenApiV3>`: `index` (`/openapi/v3`) and
//!   `group_version("apis/apps/v1")` (`/openapi/v3/apis/apps/v1`); each [`RenderedDocument`]
//!   has `body` and `etag` (the `hash` query parameter). Rendering is cached by content.

mod decode;
mod definitions;
mod gotime;
mod goyaml;
mod openapi;
mod openapi_handler;
mod openapi_proto;
mod quantity;

pub use decode::{
    DecodeError, Decoded, StrictError, StrictErrorKind, decode, decode_bytes,
    strict_decoding_message,
};
pub mod gojson;
pub use definitions::{Definitions, GroupVersionKind, REF_PREFIX, SchemaNode, ref_name};
pub use gotime::{TimeLayout, parse_and_normalize as parse_time};
pub use openapi::{
    KUBERNETES_VERSION, OpenApiV2, OpenApiV3, RenderedDocument, ServedResource,
    custom_definition_name, group_version_path, openapi_v2, openapi_v3,
};
pub use openapi_handler::{PROTOBUF_V2, PROTOBUF_V2_DEPRECATED, serve_openapi_v2};
pub use openapi_proto::{ProtoError, to_proto_binary};
pub use quantity::check_quantity;
