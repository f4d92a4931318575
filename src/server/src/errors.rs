//! API errors: the `Status` objects kube-apiserver answers with, and field errors with paths.
//!
//! Every handler returns `Result<_, ApiError>`; an [`ApiError`] is rendered at the HTTP edge as a
//! `meta/v1 Status` with the same code, reason, message and details kube-apiserver would send.
//! Build them with the constructors (`ApiError::not_found`, `ApiError::invalid`, …), which mirror
//! `k8s.io/apimachinery/pkg/api/errors`; build field errors with [`FieldError`] and
//! [`FieldPath`], which mirror `k8s.io/apimachinery/pkg/util/validation/field`.

use std::fmt;

use serde_json::{Value, json};

/// `group`/`resource` as they appear in error messages: `configmaps` or `deployments.apps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupResource {
    pub group: String,
    pub resource: String,
}

impl GroupResource {
    pub fn new(group: &str, resource: &str) -> Self {
        Self {
            group: group.to_string(),
            resource: resource.to_string(),
        }
    }
}

impl fmt::Display for GroupResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}", self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// The kinds of field error, as `field.ErrorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldErrorType {
    NotFound,
    Required,
    Duplicate,
    Invalid,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    Internal,
    TypeInvalid,
}

impl FieldErrorType {
    /// The human text, as `ErrorType.String()`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "Not found",
            Self::Required => "Required value",
            Self::Duplicate => "Duplicate value",
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::Forbidden => "Forbidden",
            Self::TooLong => "Too long",
            Self::TooMany => "Too many",
            Self::Internal => "Internal error",
        }
    }

    /// The `StatusCause.reason`, as `metav1.CauseType`.
    pub fn cause(self) -> &'static str {
        match self {
            Self::NotFound => "FieldValueNotFound",
            Self::Required => "FieldValueRequired",
            Self::Duplicate => "FieldValueDuplicate",
            Self::Invalid => "FieldValueInvalid",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Forbidden => "FieldValueForbidden",
            Self::TooLong => "FieldValueTooLong",
            Self::TooMany => "FieldValueTooMany",
            Self::Internal => "InternalError",
            Self::TypeInvalid => "FieldValueTypeInvalid",
        }
    }
}

/// A field path such as `metadata.labels[app]` or `spec.containers[0].name`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(String);

impl FieldPath {
    pub fn new(root: &str) -> Self {
        Self(root.to_string())
    }

    /// `a` → `a.b`
    pub fn child(&self, name: &str) -> Self {
        if self.0.is_empty() {
            Self(name.to_string())
        } else {
            Self(format!("{}.{}", self.0, name))
        }
    }

    /// `a` → `a[3]`
    pub fn index(&self, i: usize) -> Self {
        Self(format!("{}[{}]", self.0, i))
    }

    /// `a` → `a[k]`
    pub fn key(&self, k: &str) -> Self {
        Self(format!("{}[{}]", self.0, k))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One validation error on one field, as `field.Error`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub kind: FieldErrorType,
    pub field: String,
    /// The offending value; `None` omits it from the message (as `field.OmitValueType`).
    pub bad_value: Option<Value>,
    pub detail: String,
}

impl FieldError {
    fn make(kind: FieldErrorType, path: &FieldPath, value: Option<Value>, detail: &str) -> Self {
        Self {
            kind,
            field: path.to_string(),
            bad_value: value,
            detail: detail.to_string(),
        }
    }
    pub fn required(path: &FieldPath, detail: &str) -> Self {
        Self::make(FieldErrorType::Required, path, None, detail)
    }
    pub fn invalid(path: &FieldPath, value: impl Into<Value>, detail: &str) -> Self {
        Self::make(FieldErrorType::Invalid, path, Some(value.into()), detail)
    }
    pub fn forbidden(path: &FieldPath, detail: &str) -> Self {
        Self::make(FieldErrorType::Forbidden, path, None, detail)
    }
    pub fn not_found(path: &FieldPath, value: impl Into<Value>) -> Self {
        Self::make(FieldErrorType::NotFound, path, Some(value.into()), "")
    }
    pub fn duplicate(path: &FieldPath, value: impl Into<Value>) -> Self {
        Self::make(FieldErrorType::Duplicate, path, Some(value.into()), "")
    }
    /// `Unsupported value: "x": supported values: "a", "b"`
    pub fn not_supported(path: &FieldPath, value: impl Into<Value>, supported: &[&str]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::make(
            FieldErrorType::NotSupported,
            path,
            Some(value.into()),
            &detail,
        )
    }
    /// `Too long: may not be more than N bytes` (the value is never printed).
    pub fn too_long(path: &FieldPath, max_bytes: usize) -> Self {
        let detail = format!("may not be more than {max_bytes} bytes");
        Self::make(FieldErrorType::TooLong, path, None, &detail)
    }
    /// `Too long: must have at most N bytes`, the wording `ValidateAnnotationsSize` uses.
    pub fn too_long_total(path: &FieldPath, max_bytes: usize) -> Self {
        let detail = format!("must have at most {max_bytes} bytes");
        Self::make(FieldErrorType::TooLong, path, None, &detail)
    }
    pub fn too_many(path: &FieldPath, actual: usize, max: usize) -> Self {
        let detail = format!("must have at most {max} items");
        Self::make(
            FieldErrorType::TooMany,
            path,
            Some(Value::from(actual)),
            &detail,
        )
    }
    pub fn type_invalid(path: &FieldPath, value: impl Into<Value>, detail: &str) -> Self {
        Self::make(
            FieldErrorType::TypeInvalid,
            path,
            Some(value.into()),
            detail,
        )
    }
    pub fn internal(path: &FieldPath, detail: &str) -> Self {
        Self::make(FieldErrorType::Internal, path, None, detail)
    }

    /// The message without the field, as `field.Error.ErrorBody()`.
    pub fn body(&self) -> String {
        let mut s = match (&self.kind, &self.bad_value) {
            (
                FieldErrorType::Required
                | FieldErrorType::Forbidden
                | FieldErrorType::TooLong
                | FieldErrorType::Internal,
                _,
            )
            | (_, None) => self.kind.as_str().to_string(),
            (_, Some(v)) => format!("{}: {}", self.kind.as_str(), format_value(v)),
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.body())
        } else {
            write!(f, "{}: {}", self.field, self.body())
        }
    }
}

/// Formats a bad value the way Go's `%#v`-ish field-error printer does: strings quoted, numbers
/// and booleans bare, `null` for nil, JSON for anything composite.
fn format_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

const PAGE_NOT_FOUND: &str = "404 page not found";

/// An error that becomes a `meta/v1 Status` response.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub code: u16,
    /// `StatusReason`, for example `NotFound`; empty for a bare failure.
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
    /// Seconds a client should wait before retrying (429, 503); sent as `Retry-After` too.
    pub retry_after_seconds: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after_seconds: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    fn name_details(gr: &GroupResource, name: &str) -> Value {
        let mut d = serde_json::Map::new();
        if !name.is_empty() {
            d.insert("name".into(), json!(name));
        }
        if !gr.group.is_empty() {
            d.insert("group".into(), json!(gr.group));
        }
        d.insert("kind".into(), json!(gr.resource));
        Value::Object(d)
    }

    /// `configmaps "x" not found`
    pub fn not_found(gr: &GroupResource, name: &str) -> Self {
        Self::new(404, "NotFound", format!("{gr} {name:?} not found"))
            .with_details(Self::name_details(gr, name))
    }

    /// `configmaps "x" already exists`
    pub fn already_exists(gr: &GroupResource, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{gr} {name:?} already exists"),
        )
        .with_details(Self::name_details(gr, name))
    }

    /// `Operation cannot be fulfilled on configmaps "x": <why>`
    pub fn conflict(gr: &GroupResource, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {gr} {name:?}: {why}"),
        )
        .with_details(Self::name_details(gr, name))
    }

    /// The optimistic-concurrency conflict of an update with a stale resourceVersion.
    pub fn stale_resource_version(gr: &GroupResource, name: &str) -> Self {
        Self::conflict(
            gr,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// `ConfigMap "x" is invalid: metadata.name: Invalid value: …` (422).
    /// `kind` is `Kind` for the core group and `Kind.group` otherwise.
    pub fn invalid(group: &str, kind: &str, name: &str, errs: &[FieldError]) -> Self {
        let qualified = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        // The message lists each distinct error once (as Go's `ErrorList.ToAggregate`); the
        // causes keep them all.
        let mut parts: Vec<String> = Vec::new();
        for e in errs {
            let s = e.to_string();
            if !parts.contains(&s) {
                parts.push(s);
            }
        }
        let message = match parts.as_slice() {
            [] => format!("{qualified} {name:?} is invalid"),
            [one] => format!("{qualified} {name:?} is invalid: {one}"),
            many => format!("{qualified} {name:?} is invalid: [{}]", many.join(", ")),
        };
        let causes: Vec<Value> = errs
            .iter()
            .map(|e| json!({"reason": e.kind.cause(), "message": e.body(), "field": e.field}))
            .collect();
        let mut d = serde_json::Map::new();
        if !name.is_empty() {
            d.insert("name".into(), json!(name));
        }
        if !group.is_empty() {
            d.insert("group".into(), json!(group));
        }
        d.insert("kind".into(), json!(kind));
        if !causes.is_empty() {
            d.insert("causes".into(), Value::Array(causes));
        }
        Self::new(422, "Invalid", message).with_details(Value::Object(d))
    }

    /// 400 with reason `BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 401.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// `configmaps "x" is forbidden: <why>` (403); `name` may be empty (lists).
    pub fn forbidden(gr: &GroupResource, name: &str, why: &str) -> Self {
        let message = if name.is_empty() {
            format!("{gr} is forbidden: {why}")
        } else {
            format!("{gr} {name:?} is forbidden: {why}")
        };
        Self::new(403, "Forbidden", message).with_details(Self::name_details(gr, name))
    }

    /// A 403 for a non-resource URL: `forbidden: User "x" cannot get path "/foo"`.
    pub fn forbidden_path(why: &str) -> Self {
        Self::new(403, "Forbidden", format!("forbidden: {why}")).with_details(json!({}))
    }

    /// 404 for a URL that names nothing the server serves.
    pub fn path_not_found() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    /// 404 for a path no API handler serves (an unknown group or group version): kube's mux
    /// answers `404 page not found` in plain text, not a `Status`.
    pub fn page_not_found() -> Self {
        Self::new(404, "NotFound", PAGE_NOT_FOUND)
    }

    /// Whether this is [`ApiError::page_not_found`], sent as plain text.
    pub fn is_page_not_found(&self) -> bool {
        self.code == 404 && self.details.is_none() && self.message == PAGE_NOT_FOUND
    }

    /// 405: the resource does not support the verb.
    pub fn method_not_supported(gr: &GroupResource, action: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("{action} is not supported on resources of kind {gr:?}"),
        )
        .with_details(json!({"group": gr.group, "kind": gr.resource}))
    }

    /// 405 for an HTTP method the endpoint does not have.
    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
        .with_details(json!({}))
    }

    /// 406: nothing in `Accept` can be served; `accepted` are the media types that can.
    pub fn not_acceptable(accepted: &[&str]) -> Self {
        Self::new(
            406,
            "NotAcceptable",
            format!(
                "only the following media types are accepted: {}",
                accepted.join(", ")
            ),
        )
    }

    /// 406 for a form that does not fit the answer (`PartialObjectMetadata` of a list).
    pub fn not_acceptable_form(message: impl Into<String>) -> Self {
        Self::new(406, "NotAcceptable", message)
    }

    /// 410 for a too old resourceVersion (watch and list).
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 413 for a body over the limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            413,
            "RequestEntityTooLarge",
            format!("Request entity too large: limit is {limit}"),
        )
    }

    /// 415 for a body in a format the endpoint does not read.
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!("{content_type} is unsupported"),
        )
    }

    /// 429.
    pub fn too_many_requests(message: impl Into<String>, retry_after_seconds: u64) -> Self {
        let mut e = Self::new(429, "TooManyRequests", message)
            .with_details(json!({"retryAfterSeconds": retry_after_seconds}));
        e.retry_after_seconds = Some(retry_after_seconds);
        e
    }

    /// 500: something went wrong on our side. Never for a client's mistake.
    pub fn internal(message: impl fmt::Display) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {message}"),
        )
        .with_details(json!({"causes": [{"message": message.to_string()}]}))
    }

    /// 503 while the server cannot serve yet (or any longer).
    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "ServiceUnavailable", message)
    }

    /// The `Status` object.
    pub fn to_status(&self) -> Value {
        let mut s = serde_json::Map::new();
        s.insert("kind".into(), json!("Status"));
        s.insert("apiVersion".into(), json!("v1"));
        s.insert("metadata".into(), json!({}));
        s.insert("status".into(), json!("Failure"));
        s.insert("message".into(), json!(self.message));
        if !self.reason.is_empty() {
            s.insert("reason".into(), json!(self.reason));
        }
        if let Some(d) = &self.details {
            s.insert("details".into(), d.clone());
        }
        s.insert("code".into(), json!(self.code));
        Value::Object(s)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_name_message_matches_kube() {
        let path = FieldPath::new("metadata").child("name");
        let e = ApiError::invalid(
            "",
            "ConfigMap",
            "Foo",
            &[FieldError::invalid(&path, "Foo", "bad")],
        );
        assert_eq!(
            e.message,
            r#"ConfigMap "Foo" is invalid: metadata.name: Invalid value: "Foo": bad"#
        );
        let st = e.to_status();
        assert_eq!(st["details"]["causes"][0]["reason"], "FieldValueInvalid");
        assert_eq!(
            st["details"]["causes"][0]["message"],
            r#"Invalid value: "Foo": bad"#
        );
        assert_eq!(st["code"], 422);
    }

    #[test]
    fn too_long_and_not_supported_bodies() {
        let p = FieldPath::new("metadata").child("annotations");
        assert_eq!(
            FieldError::too_long_total(&p, 262144).to_string(),
            "metadata.annotations: Too long: must have at most 262144 bytes"
        );
        let p = FieldPath::new("spec").child("type");
        assert_eq!(
            FieldError::not_supported(&p, "x", &["a", "b"]).to_string(),
            r#"spec.type: Unsupported value: "x": supported values: "a", "b""#
        );
        assert_eq!(
            FieldError::required(&FieldPath::new("spec").child("replicas"), "").to_string(),
            "spec.replicas: Required value"
        );
    }

    #[test]
    fn not_found_for_grouped_resource() {
        let e = ApiError::not_found(&GroupResource::new("apps", "deployments"), "x");
        assert_eq!(e.message, r#"deployments.apps "x" not found"#);
        assert_eq!(e.to_status()["details"]["group"], "apps");
    }
}
