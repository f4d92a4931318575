//! Building responses: JSON objects, `Status` errors, and streamed bodies (watch).

use std::convert::Infallible;

use bytes::Bytes;
use futures::Stream;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use serde_json::Value;

use crate::errors::ApiError;

pub type Body = BoxBody<Bytes, Infallible>;

pub const JSON: &str = "application/json";

/// A complete body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// A body fed by a stream of chunks (each chunk is flushed as it comes).
pub fn streaming(chunks: impl Stream<Item = Bytes> + Send + Sync + 'static) -> Body {
    use futures::StreamExt;
    BodyExt::boxed(StreamBody::new(
        chunks.map(|b| Ok::<_, Infallible>(Frame::data(b))),
    ))
}

/// Bytes with a status and content type (none when empty).
pub fn bytes(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if !content_type.is_empty()
        && let Ok(v) = HeaderValue::from_str(content_type)
    {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// A JSON value.
pub fn json(status: u16, value: &Value) -> Response<Body> {
    bytes(status, JSON, serde_json::to_vec(value).unwrap_or_default())
}

/// Plain text (health endpoints).
pub fn text(status: u16, body: &str) -> Response<Body> {
    let mut r = bytes(status, "text/plain; charset=utf-8", body.to_string());
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// An error as a `Status`.
pub fn error(e: &ApiError) -> Response<Body> {
    if e.is_page_not_found() {
        return text(404, "404 page not found\n");
    }
    let mut r = json(e.code, &e.to_status());
    if let Some(s) = e.retry_after_seconds
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}
