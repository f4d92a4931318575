//! From a parsed request to a REST verb: picks the resource, checks the verb and the body's
//! media type, calls `rest`, and renders the answer in the negotiated form.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Response, header};
use serde_json::{Value, json};

use super::admission::Admission;
use super::query::{ListQuery, PatchType, negotiate};
use super::rest::{self, DeleteOptions, Deleted, Scope};
use super::{conversion, object, output, watch};
use crate::catalog::ResourceDef;
use crate::errors::{ApiError, ApiResult};
use crate::http::RequestInfo;
use crate::http::response::{self, Body};
use crate::storage::Storage;

/// The parts of a request the registry needs.
pub struct RestRequest<'a> {
    pub info: &'a RequestInfo,
    pub cluster: &'a str,
    pub headers: &'a HeaderMap,
    pub query: &'a HashMap<String, String>,
    pub body: Bytes,
    /// The admission plugins every write goes through.
    pub admission: &'a dyn Admission,
}

/// The list and watch options of a request, with field labels as stored objects name them.
fn list_query(def: &ResourceDef, query: &HashMap<String, String>) -> ApiResult<ListQuery> {
    let mut q = ListQuery::parse(query, def.kind, selectable_fields(def))?;
    q.field_selector = q
        .field_selector
        .map(|f| f.map_fields(|label| conversion::stored_field_label(def, label)));
    Ok(q)
}

/// Field selectors a resource supports besides `metadata.name` and `metadata.namespace`.
fn selectable_fields(def: &ResourceDef) -> &'static [&'static str] {
    match (def.group, def.resource) {
        ("", "namespaces") => &["status.phase"],
        ("", "nodes") => &["spec.unschedulable"],
        ("", "pods") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        ("", "replicationcontrollers") => &["status.replicas"],
        ("apps", "replicasets") => &["status.replicas"],
        ("batch", "jobs") => &["status.successful"],
        ("certificates.k8s.io", "certificatesigningrequests") => &["spec.signerName"],
        ("", "secrets") => &["type"],
        ("", "events") => conversion::events::CORE_FIELD_LABELS,
        ("events.k8s.io", "events") => conversion::events::EVENTS_V1_FIELD_LABELS,
        _ => &[],
    }
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
}

/// How a request wants unknown and duplicate fields treated (`fieldValidation`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldValidation {
    Ignore,
    Warn,
    Strict,
}

fn field_validation(q: &HashMap<String, String>) -> ApiResult<FieldValidation> {
    match q.get("fieldValidation").map(String::as_str) {
        None | Some("") | Some("Warn") => Ok(FieldValidation::Warn),
        Some("Ignore") => Ok(FieldValidation::Ignore),
        Some("Strict") => Ok(FieldValidation::Strict),
        Some(other) => Err(ApiError::bad_request(format!(
            "fieldValidation parameter unsupported: {other}"
        ))),
    }
}

/// Decodes an object the server writes itself (bootstrap, controllers) as a request's body
/// would be: pruned and defaulted for a custom resource, checked against its type for a
/// built-in.
pub fn decode_in_process(def: &ResourceDef, obj: Value) -> ApiResult<Value> {
    decode_typed(def, obj, None, FieldValidation::Ignore).map(|(o, _)| o)
}

/// Checks a built-in object against its type the way kube's decoder does: wrong JSON types are
/// a 400, unknown fields are dropped and, per `fieldValidation`, warned about or refused.
/// Returns the decoded object and the warnings to send.
fn decode_typed(
    def: &ResourceDef,
    obj: Value,
    raw: Option<&[u8]>,
    mode: FieldValidation,
) -> ApiResult<(Value, Vec<String>)> {
    if let Some(custom) = &def.custom {
        // A custom resource: kube prunes what the schema does not declare, then defaults.
        let mut obj = obj;
        let unknown = custom.schema.prune(&mut obj);
        custom.schema.default(&mut obj);
        let warnings: Vec<String> = unknown
            .iter()
            .map(|f| format!("unknown field {f:?}"))
            .collect();
        return match mode {
            FieldValidation::Ignore => Ok((obj, Vec::new())),
            FieldValidation::Warn => Ok((obj, warnings)),
            FieldValidation::Strict if warnings.is_empty() => Ok((obj, Vec::new())),
            FieldValidation::Strict => Err(ApiError::bad_request(format!(
                "{kind} in version {version:?} cannot be handled as a {kind}: strict decoding error: {}",
                warnings.join(", "),
                kind = def.kind,
                version = def.version,
            ))),
        };
    }
    let gvk = crate::schema::GroupVersionKind::new(def.group, def.version, def.kind);
    if crate::schema::Definitions::builtin()
        .for_gvk(&gvk)
        .is_none()
    {
        return Ok((obj, Vec::new()));
    }
    let decoded = match raw {
        Some(bytes) => crate::schema::decode_bytes(&gvk, bytes),
        None => crate::schema::decode(&gvk, obj),
    }
    .map_err(|e| e.to_api_error())?;
    let warnings = match mode {
        FieldValidation::Ignore => Vec::new(),
        FieldValidation::Warn => decoded.warnings(),
        FieldValidation::Strict => {
            decoded.check_strict(&gvk).map_err(|e| e.to_api_error())?;
            Vec::new()
        }
    };
    Ok((decoded.object, warnings))
}

/// Adds `Warning: 299 - "<text>"` headers.
fn with_warnings(mut r: Response<Body>, warnings: &[String]) -> Response<Body> {
    for w in warnings {
        let text = format!("299 - {}", serde_json::Value::String(w.clone()));
        if let Ok(v) = http::HeaderValue::from_str(&text) {
            r.headers_mut().append("warning", v);
        }
    }
    r
}

fn is_json(headers: &HeaderMap) -> bool {
    let ct = content_type(headers);
    matches!(
        ct.split(';').next().unwrap_or("").trim(),
        "application/json" | "" | "*/*"
    )
}

/// Decodes a create/update body: JSON or YAML; protobuf and anything else is 415.
pub fn decode_body(headers: &HeaderMap, body: &[u8], kind: &str) -> ApiResult<Value> {
    let ct = content_type(headers);
    let mime = ct.split(';').next().unwrap_or("").trim();
    let value = match mime {
        "application/json" | "" | "*/*" => match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                let syntax =
                    crate::schema::gojson::syntax_error(body).unwrap_or_else(|| e.to_string());
                return Err(ApiError::bad_request(
                    crate::schema::gojson::unrecognized_body_message(kind, body, &syntax),
                ));
            }
        },
        "application/yaml" => object::parse_body(body, true)?,
        // Typed clients (kubectl's create/auth commands) send built-ins as protobuf.
        m if crate::protobuf::is_protobuf(m) => crate::protobuf::decode_request(body)?,
        _ => return Err(unsupported_body(true)),
    };
    if !value.is_object() {
        let what = match &value {
            Value::Array(_) => "array",
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            _ => {
                return Err(ApiError::bad_request(
                    "the object provided is not a JSON object",
                ));
            }
        };
        // Go's message for decoding the type meta out of something that is not an object.
        return Err(ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; json parse error: json: cannot unmarshal {what} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }} ({})",
            summarize_hex(body)
        )));
    }
    Ok(value)
}

/// The 415 for a body in a media type the resource does not read: built-ins are read in
/// protobuf too, custom resources in JSON and YAML only.
fn unsupported_body(protobuf: bool) -> ApiError {
    ApiError::new(
        415,
        "UnsupportedMediaType",
        if protobuf {
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"
        } else {
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"
        },
    )
}

/// A custom resource's body must be JSON or YAML.
fn check_custom_body(def: &ResourceDef, headers: &HeaderMap) -> ApiResult<()> {
    let ct = content_type(headers);
    let mime = ct.split(';').next().unwrap_or("").trim();
    if def.custom.is_some() && !matches!(mime, "application/json" | "" | "*/*" | "application/yaml")
    {
        return Err(unsupported_body(false));
    }
    Ok(())
}

/// The start of a body in hex, as kube's decoder quotes a body it cannot recognise (the first
/// 30 bytes, then ` ...`).
fn summarize_hex(body: &[u8]) -> String {
    let head: String = body.iter().take(30).map(|b| format!("{b:02x}")).collect();
    if body.len() > 30 {
        format!("{head} ...")
    } else {
        head
    }
}

/// The field manager: `fieldManager`, else the user agent's product (`kubectl/v1.32 …` →
/// `kubectl`), as kube derives it.
fn field_manager(q: &HashMap<String, String>, headers: &HeaderMap) -> String {
    if let Some(m) = q.get("fieldManager").filter(|m| !m.is_empty()) {
        return m.clone();
    }
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .filter(|p| !p.is_empty())
        .unwrap_or("unknown")
        .to_string()
}

/// `dryRun=All` (other values are refused by [`check_write_options`] on the writes).
fn dry_run(q: &HashMap<String, String>) -> bool {
    q.get("dryRun").is_some_and(|d| d == "All")
}

/// kube's validation of a write's options (`ValidateCreateOptions` and its siblings): one 422
/// on the options' kind naming each bad parameter.
fn check_write_options(verb: &str, q: &HashMap<String, String>) -> ApiResult<()> {
    use crate::errors::{FieldError, FieldPath};
    let kind = match verb {
        "create" => "CreateOptions",
        "update" => "UpdateOptions",
        "patch" => "PatchOptions",
        "delete" | "deletecollection" => "DeleteOptions",
        _ => return Ok(()),
    };
    let mut errs = Vec::new();
    if kind != "DeleteOptions"
        && let Some(m) = q.get("fieldManager")
        && m.len() > 128
    {
        errs.push(FieldError::too_long(&FieldPath::new("fieldManager"), 128));
    }
    if let Some(d) = q.get("dryRun").filter(|d| !d.is_empty() && *d != "All") {
        errs.push(FieldError::not_supported(
            &FieldPath::new("dryRun"),
            json!([d]),
            &["All"],
        ));
    }
    if kind != "DeleteOptions"
        && let Some(v) = q.get("fieldValidation")
        && !matches!(v.as_str(), "" | "Ignore" | "Strict" | "Warn")
    {
        errs.push(FieldError::not_supported(
            &FieldPath::new("fieldValidation"),
            v.as_str(),
            &["", "Ignore", "Strict", "Warn"],
        ));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid("meta.k8s.io", kind, "", &errs))
    }
}

fn json_bytes(status: u16, v: &Value) -> Response<Body> {
    response::json(status, v)
}

/// A write's object as the response: the watch cache's bytes when it has them.
fn written_response(status: u16, written: rest::Written) -> Response<Body> {
    match written.json {
        Some(json) => response::bytes(status, response::JSON, json),
        None => json_bytes(status, &written.object),
    }
}

/// Serves one request on a stored resource. A deprecated version of a custom resource answers
/// every request, failed or not, with its deprecation `Warning`, as kube's CRD handler does.
pub async fn serve(
    storage: &Arc<Storage>,
    def: &ResourceDef,
    req: RestRequest<'_>,
) -> ApiResult<Response<Body>> {
    let served = serve_request(storage, def, req).await;
    match def
        .custom
        .as_ref()
        .and_then(|c| c.deprecation_warning.as_ref())
    {
        None => served,
        Some(warning) => {
            let r = served.unwrap_or_else(|e| response::error(&e));
            Ok(with_warnings(r, std::slice::from_ref(warning)))
        }
    }
}

async fn serve_request(
    storage: &Arc<Storage>,
    def: &ResourceDef,
    req: RestRequest<'_>,
) -> ApiResult<Response<Body>> {
    let info = req.info;
    if !info.subresource.is_empty() && !def.has_subresource(&info.subresource) {
        return Err(ApiError::path_not_found());
    }
    if !def.namespaced && !info.namespace.is_empty() && def.resource != "namespaces" {
        return Err(ApiError::path_not_found());
    }
    let namespace = if def.namespaced && !info.namespace.is_empty() {
        Some(info.namespace.as_str())
    } else {
        None
    };
    check_write_options(&info.verb, req.query)?;
    let manager = field_manager(req.query, req.headers);
    let scope = Scope {
        cluster: req.cluster,
        def,
        namespace,
        name: &info.name,
        subresource: &info.subresource,
        dry_run: dry_run(req.query),
        manager: &manager,
    };
    let accept = req
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let out = negotiate(accept, req.query)?;
    if info.subresource == "scale" {
        let request = match info.verb.as_str() {
            "get" => super::scale::Request::Get,
            "update" => {
                super::scale::Request::Replace(decode_body(req.headers, &req.body, "Scale")?)
            }
            "patch" => super::scale::Request::Patch(patch_type(req.headers)?, &req.body),
            _ => return Err(ApiError::method_not_allowed()),
        };
        let scale = super::scale::serve(storage, &scope, request, &out, req.admission).await?;
        return Ok(json_bytes(200, &scale));
    }
    match info.verb.as_str() {
        "get" => {
            let obj = rest::served_value(def, &*rest::get(storage, &scope).await?)?;
            Ok(json_bytes(200, &output::single(def, obj, &out)?))
        }
        "list" => {
            let mut q = list_query(def, req.query)?;
            q.check_list(&scope.prefix())?;
            q.namespace = scope.namespace_filter();
            let (items, rev, next, remaining) = rest::list(storage, &scope, &q).await?;
            let body = output::list(def, &items, rev, next, remaining, &out)?;
            Ok(response::bytes(200, response::JSON, body))
        }
        "watch" => {
            let mut q = list_query(def, req.query)?;
            q.namespace = scope.namespace_filter();
            if !info.name.is_empty() {
                // A watch on one object is a watch on its name.
                q.field_selector = Some(super::selector::FieldSelector::one_term_equal(
                    "metadata.name",
                    &info.name,
                ));
            }
            let stream = watch::watch(storage.clone(), def.clone(), scope.prefix(), q, out).await?;
            let mut r = Response::new(response::streaming(stream));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            Ok(r)
        }
        "create" => {
            if !info.name.is_empty() {
                return Err(ApiError::method_not_allowed());
            }
            check_custom_body(def, req.headers)?;
            let mut obj = decode_body(req.headers, &req.body, def.kind)?;
            rest::check_type_meta(def, &mut obj)?;
            let raw = is_json(req.headers).then_some(&req.body[..]);
            let (obj, warnings) = decode_typed(def, obj, raw, field_validation(req.query)?)?;
            let written = rest::create_admitted(storage, &scope, obj, req.admission).await?;
            Ok(with_warnings(written_response(201, written), &warnings))
        }
        "update" | "patch" if info.name.is_empty() => Err(ApiError::method_not_allowed()),
        "update" => {
            check_custom_body(def, req.headers)?;
            let mut obj = decode_body(req.headers, &req.body, def.kind)?;
            rest::check_type_meta(def, &mut obj)?;
            let raw = is_json(req.headers).then_some(&req.body[..]);
            let (obj, warnings) = decode_typed(def, obj, raw, field_validation(req.query)?)?;
            let written = rest::update_admitted(storage, &scope, obj, req.admission).await?;
            let code = if written.created { 201 } else { 200 };
            Ok(with_warnings(written_response(code, written), &warnings))
        }
        "patch" => {
            let patch_type = patch_type(req.headers)?;
            let mode = field_validation(req.query)?;
            let warnings = std::sync::Mutex::new(Vec::new());
            let check = |patched: Value| -> ApiResult<Value> {
                let (obj, w) = decode_typed(def, patched, None, mode)?;
                if let Ok(mut all) = warnings.lock() {
                    *all = w;
                }
                Ok(obj)
            };
            let written = if patch_type == PatchType::Apply {
                if !req.query.contains_key("fieldManager") {
                    return Err(ApiError::invalid(
                        "meta.k8s.io",
                        "PatchOptions",
                        "",
                        &[crate::errors::FieldError::required(
                            &crate::errors::FieldPath::new("fieldManager"),
                            "is required for apply patch",
                        )],
                    ));
                }
                let force = matches!(req.query.get("force").map(String::as_str), Some("true"));
                rest::apply(storage, &scope, &req.body, force, &check, req.admission).await?
            } else {
                rest::patch(
                    storage,
                    &scope,
                    patch_type,
                    &req.body,
                    &check,
                    req.admission,
                )
                .await?
            };
            let warnings = warnings.into_inner().unwrap_or_default();
            // An apply that creates the object answers 201, as kube does.
            let code = if written.created { 201 } else { 200 };
            Ok(with_warnings(
                json_bytes(code, &output::single(def, written.object, &out)?),
                &warnings,
            ))
        }
        "delete" => {
            let opts = delete_options(req.query, &req.body)?;
            match rest::delete(storage, &scope, &opts).await? {
                Deleted::Gone(obj) => Ok(json_bytes(200, &deleted_status(def, &obj))),
                // 200 with the object, as kube answers, unless `orphanDependents=false`.
                Deleted::Pending(obj) if opts.orphan_dependents == Some(false) => {
                    Ok(json_bytes(202, &obj))
                }
                Deleted::Pending(obj) => Ok(json_bytes(200, &obj)),
            }
        }
        "deletecollection" => {
            let opts = delete_options(req.query, &req.body)?;
            let q = list_query(def, req.query)?;
            let (items, rev, _, _) = rest::list(storage, &scope, &q).await?;
            let mut deleted = Vec::new();
            for item in &items {
                let one = Scope {
                    namespace: item.key.namespace().or(scope.namespace),
                    name: item.key.name(),
                    ..scope
                };
                match rest::delete(storage, &one, &opts).await {
                    Ok(Deleted::Gone(o) | Deleted::Pending(o)) => deleted.push(o),
                    Err(e) if e.code == 404 => {}
                    Err(e) => return Err(e),
                }
            }
            if output::typed_items(def) {
                for item in &mut deleted {
                    if let Some(o) = item.as_object_mut() {
                        o.remove("apiVersion");
                        o.remove("kind");
                    }
                }
            }
            let list = json!({
                "kind": def.list_kind(),
                "apiVersion": def.api_version(),
                "metadata": {"resourceVersion": rev.to_string()},
                "items": deleted,
            });
            Ok(json_bytes(200, &list))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// The kind of patch a PATCH body is, from its media type.
/// (Any other media type is refused as kube refuses it, before its patch handler.)
fn patch_type(headers: &HeaderMap) -> ApiResult<PatchType> {
    PatchType::from_content_type(content_type(headers)).ok_or_else(|| {
        ApiError::new(415, "UnsupportedMediaType", "415: Unsupported Media Type")
            .with_details(json!({}))
    })
}

fn delete_options(q: &HashMap<String, String>, body: &[u8]) -> ApiResult<DeleteOptions> {
    let mut opts = if body.iter().all(u8::is_ascii_whitespace) {
        DeleteOptions::default()
    } else {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding DeleteOptions: {e}")))?;
        DeleteOptions::from_body(&v)
    };
    if let Some(p) = q.get("propagationPolicy").filter(|p| !p.is_empty()) {
        opts.propagation_policy = Some(p.clone());
    }
    match q.get("orphanDependents").map(String::as_str) {
        Some("true") => {
            opts.orphan_dependents = Some(true);
            opts.propagation_policy
                .get_or_insert_with(|| "Orphan".into());
        }
        Some("false") => opts.orphan_dependents = Some(false),
        _ => {}
    }
    Ok(opts)
}

/// The `Status` kube answers an immediate delete with.
fn deleted_status(def: &ResourceDef, obj: &Value) -> Value {
    let mut details = json!({
        "name": object::name(obj),
        "kind": def.resource,
        "uid": object::meta_str(obj, "uid"),
    });
    if !def.group.is_empty() {
        details["group"] = json!(def.group);
    }
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    })
}
