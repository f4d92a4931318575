//! Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`),
//! turned into the JSON object the same client would have sent as `application/json`.
//!
//! client-go's typed clients, and so kubectl's `create configmap|secret|namespace|…`,
//! `auth can-i` and `auth whoami`, send protobuf. The server is JSON inside, so
//! [`decode_request`] converts at the edge: it reads the envelope (the magic `k8s\0`, then a
//! `runtime.Unknown` with the `apiVersion`/`kind` and the raw message), looks the kind up in
//! the schema table generated from Kubernetes' `generated.proto` files
//! (`data/kubernetes-protobuf-1.36.json`, see [`schema`]), and walks the wire format
//! ([`wire`]) into JSON with Go's JSON rules ([`decode`] lists them). Responses stay JSON.
//! Newcomers should start with [`decode_request`], then `decode.rs`.

pub mod decode;
pub mod schema;
pub mod wire;

use serde_json::{Map, Value};

use crate::errors::ApiError;
use decode::Decoder;
use schema::Schema;
use wire::{Reader, WireValue};

/// The media type of Kubernetes' protobuf encoding.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The four bytes every Kubernetes protobuf body starts with.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// The scheme kube-apiserver names in "no kind is registered" errors.
const SCHEME: &str = "pkg/api/legacyscheme/scheme.go:30";

/// Decodes a protobuf request body of a built-in type into its JSON object, `apiVersion` and
/// `kind` included.
///
/// Errors are 400s with kube-apiserver's messages where it has one (`empty body`, `no kind
/// "X" is registered …`, `Object 'Kind' is missing in …`); a malformed message reads
/// `ConfigMap in version "v1" cannot be handled as a ConfigMap: metadata.labels: unexpected
/// EOF`, naming the field being read.
// `ApiError` is the house error type, built once per failed request.
#[allow(clippy::result_large_err)]
pub fn decode_request(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request("empty data"));
    }
    if !body.starts_with(MAGIC) {
        // Go prints the prefix with %v: `[107 56 115 0]`.
        let prefix: Vec<String> = MAGIC.iter().map(u8::to_string).collect();
        return Err(ApiError::bad_request(format!(
            "provided data does not appear to be a protobuf message, expected prefix [{}]",
            prefix.join(" ")
        )));
    }
    if body.len() == MAGIC.len() {
        return Err(ApiError::bad_request("empty body"));
    }
    let envelope = Envelope::read(&body[MAGIC.len()..])
        .map_err(|e| ApiError::bad_request(format!("runtime.Unknown: {e}")))?;
    let (api_version, kind) = (&envelope.api_version, &envelope.kind);
    let version = version_of(api_version);
    let type_meta = || format!("runtime.TypeMeta{{APIVersion:{api_version:?}, Kind:{kind:?}}}");
    if kind.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Object 'Kind' is missing in '{}'",
            type_meta()
        )));
    }
    if version.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Object 'apiVersion' is missing in '{}'",
            type_meta()
        )));
    }
    let schema = Schema::builtin().map_err(ApiError::internal)?;
    let msg = schema.kind(api_version, kind).ok_or_else(|| {
        ApiError::bad_request(format!(
            "no kind {kind:?} is registered for version {api_version:?} in scheme {SCHEME:?}"
        ))
    })?;
    let object = Decoder::new(schema)
        .message(msg, envelope.raw, 0)
        .map_err(|e| {
            ApiError::bad_request(format!(
                "{kind} in version {version:?} cannot be handled as a {kind}: {e}"
            ))
        })?;
    // Go prints TypeMeta first: kind, then apiVersion.
    let mut out = Map::new();
    out.insert("kind".into(), Value::String(kind.clone()));
    out.insert("apiVersion".into(), Value::String(api_version.clone()));
    if let Value::Object(fields) = object {
        out.extend(fields);
    }
    Ok(Value::Object(out))
}

/// Whether a `Content-Type` (parameters allowed) is the protobuf encoding.
pub fn is_protobuf(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(CONTENT_TYPE))
}

/// The version of an `apiVersion`: `v1` of `apps/v1`; empty when it does not parse (Go's
/// `schema.ParseGroupVersion` rejects more than one slash).
fn version_of(api_version: &str) -> &str {
    match api_version.split('/').collect::<Vec<_>>().as_slice() {
        [version] | [_, version] => version,
        _ => "",
    }
}

/// `runtime.Unknown`: `typeMeta` (1), `raw` (2), `contentEncoding` (3), `contentType` (4). The
/// last two are ignored, as kube-apiserver does: `raw` is always read as protobuf.
struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
}

impl<'a> Envelope<'a> {
    fn read(bytes: &'a [u8]) -> Result<Self, String> {
        let mut envelope = Envelope {
            api_version: String::new(),
            kind: String::new(),
            raw: &[],
        };
        let mut reader = Reader::new(bytes);
        while let Some((number, value)) = reader.next_field().map_err(|e| e.to_string())? {
            match (number, value) {
                (1, WireValue::Bytes(type_meta)) => {
                    let mut tm = Reader::new(type_meta);
                    while let Some((n, v)) =
                        tm.next_field().map_err(|e| format!("typeMeta: {e}"))?
                    {
                        match (n, v) {
                            (1, WireValue::Bytes(s)) => {
                                envelope.api_version = decode::go_string(s);
                            }
                            (2, WireValue::Bytes(s)) => {
                                envelope.kind = decode::go_string(s);
                            }
                            (1 | 2, _) => return Err("typeMeta: wrong wire type".to_string()),
                            _ => {}
                        }
                    }
                }
                (2, WireValue::Bytes(raw)) => envelope.raw = raw,
                (3 | 4, WireValue::Bytes(_)) => {}
                (1..=4, _) => return Err(format!("field {number}: wrong wire type")),
                _ => {}
            }
        }
        Ok(envelope)
    }
}

#[cfg(test)]
mod tests;
