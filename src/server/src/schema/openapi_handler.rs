//! Serving `/openapi/v2` as kube-openapi's handler (`pkg/handler`) does: JSON or protobuf by
//! the `Accept` header, with an ETag and Go's `http.ServeContent` conditional requests.
//!
//! Negotiation follows goautoneg, which kube-openapi uses: the `Accept` clauses are sorted (a
//! higher `q` first, and a concrete type or subtype before a wildcard; see
//! [`crate::http::negotiation::parse_accept`]), then the first clause that matches one of the
//! served media types picks it. An empty `Accept` is `*/*`, so JSON is
//! the default; `q=0` does not exclude a type (goautoneg does not treat it specially). Nothing
//! matching is a 406 with an empty body, as kube-openapi writes it.
//!
//! Both encodings carry the same ETag — the SHA-512 of the JSON bytes, as kube-openapi reuses
//! the JSON ETag for protobuf — with `Vary: Accept` keeping caches apart. `If-None-Match` with
//! that ETag is a 304; `If-Match`, `If-Modified-Since` and `If-Unmodified-Since` are answered
//! as Go's `http.ServeContent` answers them, against `Last-Modified` (when the document was
//! rendered). Range requests are not served: the whole document is always sent.

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};

use super::openapi::{OpenApiV2, ServedResource, openapi_v2};
use crate::http::negotiation::parse_accept;
use crate::http::response::{self, Body};

/// The protobuf media type kube-openapi answers with.
pub const PROTOBUF_V2: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
/// The older spelling of it, which kubectl 1.27–1.29 ask for (answered as [`PROTOBUF_V2`]).
pub const PROTOBUF_V2_DEPRECATED: &str =
    "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

/// The two representations of the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Protobuf,
}

/// The media types served, in kube-openapi's order: `(type, subtype, answered as, format)`.
const ACCEPTED: [(&str, &str, &str, Format); 3] = [
    ("application", "json", response::JSON, Format::Json),
    (
        "application",
        "com.github.proto-openapi.spec.v2@v1.0+protobuf",
        PROTOBUF_V2,
        Format::Protobuf,
    ),
    (
        "application",
        "com.github.proto-openapi.spec.v2.v1.0+protobuf",
        PROTOBUF_V2,
        Format::Protobuf,
    ),
];

/// Answers `GET /openapi/v2` (or `HEAD`) for a catalog's resources.
pub fn serve_openapi_v2(
    resources: &[ServedResource],
    method: &Method,
    headers: &HeaderMap,
) -> Response<Body> {
    // Go's `Header.Get` reads the first `Accept` line only.
    let accept = headers
        .get(header::ACCEPT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "*/*".into());
    let Some((content_type, format)) = negotiate(&accept) else {
        return with_vary(empty(StatusCode::NOT_ACCEPTABLE));
    };
    let doc = openapi_v2(resources);
    let body = match format {
        Format::Json => doc.json.body.clone(),
        Format::Protobuf => match doc.protobuf() {
            Ok(bytes) => bytes.clone(),
            Err(e) => {
                // kube-openapi logs the conversion error and answers 503 without a body.
                tracing::error!("error in OpenAPI handler: {e}");
                return with_vary(empty(StatusCode::SERVICE_UNAVAILABLE));
            }
        },
    };
    serve_content(&doc, content_type, Bytes::from_owner(body), method, headers)
}

/// The media type and format for an `Accept` header, or `None` (406). Unlike kube-apiserver's
/// resource negotiation, kube-openapi matches type and subtype only (each may be `*`) and
/// ignores every parameter but `q`.
fn negotiate(accept: &str) -> Option<(&'static str, Format)> {
    parse_accept(accept).iter().find_map(|clause| {
        ACCEPTED
            .iter()
            .find(|(ty, sub, _, _)| {
                (clause.type_ == *ty || clause.type_ == "*")
                    && (clause.subtype == *sub || clause.subtype == "*")
            })
            .map(|&(_, _, content_type, format)| (content_type, format))
    })
}

/// An answer without a body (406, 412, 503).
fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(response::full(Bytes::new()));
    *r.status_mut() = status;
    r
}

fn with_vary(mut r: Response<Body>) -> Response<Body> {
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    r
}

/// The outcome of a precondition header (Go's `condResult`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Condition {
    /// The header is absent (or unusable).
    None,
    True,
    False,
}

/// Go's `http.ServeContent` for a document with its ETag already chosen: the preconditions of
/// RFC 7232 §6, then the whole body.
fn serve_content(
    doc: &OpenApiV2,
    content_type: &'static str,
    body: Bytes,
    method: &Method,
    headers: &HeaderMap,
) -> Response<Body> {
    let etag = format!("\"{}\"", doc.json.etag);
    let mut r = with_vary(empty(StatusCode::OK));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(doc.rendered_at)) {
        h.insert(header::LAST_MODIFIED, v);
    }
    let get_or_head = method == Method::GET || method == Method::HEAD;

    let mut precondition = if_match(headers, &etag);
    if precondition == Condition::None {
        precondition = if_unmodified_since(headers, doc.rendered_at);
    }
    if precondition == Condition::False {
        *r.status_mut() = StatusCode::PRECONDITION_FAILED;
        return r;
    }
    let not_modified = match if_none_match(headers, &etag) {
        Condition::False if get_or_head => true,
        Condition::False => {
            *r.status_mut() = StatusCode::PRECONDITION_FAILED;
            return r;
        }
        Condition::None => {
            get_or_head && if_modified_since(headers, doc.rendered_at) == Condition::False
        }
        Condition::True => false,
    };
    if not_modified {
        // RFC 7232 §4.1: no representation metadata; the ETag makes Last-Modified redundant.
        let h = r.headers_mut();
        h.remove(header::CONTENT_TYPE);
        h.remove(header::LAST_MODIFIED);
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        return r;
    }
    *r.body_mut() = response::full(body);
    r
}

fn header_str<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

/// `If-Match`: `*` or a strong match of one of the listed ETags.
fn if_match(headers: &HeaderMap, etag: &str) -> Condition {
    let Some(list) = header_str(headers, &header::IF_MATCH) else {
        return Condition::None;
    };
    match scan_etags(list, etag, |a, b| a == b && a.starts_with('"')) {
        Some(true) => Condition::True,
        _ => Condition::False,
    }
}

/// `If-None-Match`: `*` or a weak match of one of the listed ETags is `False` (not modified).
fn if_none_match(headers: &HeaderMap, etag: &str) -> Condition {
    let Some(list) = header_str(headers, &header::IF_NONE_MATCH) else {
        return Condition::None;
    };
    let weak = |a: &str, b: &str| a.trim_start_matches("W/") == b.trim_start_matches("W/");
    match scan_etags(list, etag, weak) {
        Some(true) => Condition::False,
        _ => Condition::True,
    }
}

/// Walks a list of ETags as Go does: `Some(true)` on `*` or a match, `Some(false)` at the end
/// of a well-formed list, `None` where the list stops parsing.
fn scan_etags(list: &str, etag: &str, matches: impl Fn(&str, &str) -> bool) -> Option<bool> {
    let mut rest = list;
    loop {
        rest = rest.trim_matches([' ', '\t']);
        if rest.is_empty() {
            return Some(false);
        }
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
            continue;
        }
        if rest.starts_with('*') {
            return Some(true);
        }
        let (candidate, after) = scan_etag(rest)?;
        if matches(candidate, etag) {
            return Some(true);
        }
        rest = after;
    }
}

/// One ETag (`"x"` or `W/"x"`) at the start of `s`, and what follows it.
fn scan_etag(s: &str) -> Option<(&str, &str)> {
    let start = if s.starts_with("W/") { 2 } else { 0 };
    let bytes = s.as_bytes();
    if bytes.len() < start + 2 || bytes[start] != b'"' {
        return None;
    }
    for (i, &c) in bytes.iter().enumerate().skip(start + 1) {
        match c {
            b'"' => return Some((&s[..=i], &s[i + 1..])),
            0x21 | 0x23..=0x7e | 0x80.. => {}
            _ => return None,
        }
    }
    None
}

fn if_unmodified_since(headers: &HeaderMap, modified: SystemTime) -> Condition {
    match since(headers, &header::IF_UNMODIFIED_SINCE, modified) {
        Some(true) => Condition::True,
        Some(false) => Condition::False,
        None => Condition::None,
    }
}

fn if_modified_since(headers: &HeaderMap, modified: SystemTime) -> Condition {
    match since(headers, &header::IF_MODIFIED_SINCE, modified) {
        Some(true) => Condition::False,
        Some(false) => Condition::True,
        None => Condition::None,
    }
}

/// Whether the document, to the second, is no newer than the date in header `name`; `None`
/// without a parsable date.
fn since(headers: &HeaderMap, name: &header::HeaderName, modified: SystemTime) -> Option<bool> {
    let date = httpdate::parse_http_date(header_str(headers, name)?).ok()?;
    let seconds = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    };
    Some(seconds(modified) <= seconds(date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::GroupVersionKind;
    use http_body_util::BodyExt;

    #[test]
    fn negotiation_picks_kube_openapi_media_types() {
        let pb = Some((PROTOBUF_V2, Format::Protobuf));
        let json = Some((response::JSON, Format::Json));
        assert_eq!(negotiate(PROTOBUF_V2_DEPRECATED), pb);
        assert_eq!(negotiate(PROTOBUF_V2), pb);
        assert_eq!(negotiate("application/json"), json);
        assert_eq!(negotiate("*/*"), json);
        assert_eq!(negotiate("application/*"), json);
        // kubectl 1.27–1.29 ask for protobuf, then JSON, at lower q.
        assert_eq!(
            negotiate(&format!("{PROTOBUF_V2_DEPRECATED}, application/json;q=0.9")),
            pb
        );
        assert_eq!(
            negotiate(&format!("application/json;q=0.5, {PROTOBUF_V2}")),
            pb
        );
        // q=0 does not exclude a type in goautoneg.
        assert_eq!(negotiate("application/json;q=0"), json);
        // Media types are case-sensitive, parameters do not matter, and `*` may stand for the
        // type alone.
        assert_eq!(negotiate("*/json"), json);
        assert_eq!(
            negotiate("application/json;as=Table;g=meta.k8s.io;v=v1"),
            json
        );
        assert_eq!(negotiate("Application/JSON"), None);
        assert_eq!(negotiate("application/json;charset=utf-8"), json);
        assert_eq!(negotiate("application/vnd.kubernetes.protobuf"), None);
        assert_eq!(negotiate("text/*, application/yaml"), None);
    }

    #[test]
    fn etag_lists() {
        let etag = "\"ABC\"";
        let strong = |a: &str, b: &str| a == b && a.starts_with('"');
        assert_eq!(scan_etags("\"x\", \"ABC\"", etag, strong), Some(true));
        assert_eq!(scan_etags("W/\"ABC\"", etag, strong), Some(false));
        assert_eq!(scan_etags(" , *", etag, strong), Some(true));
        assert_eq!(scan_etags("\"x\"", etag, strong), Some(false));
        assert_eq!(scan_etags("ABC", etag, strong), None);
        assert_eq!(scan_etag("\"a b\""), None);
    }

    fn served() -> Vec<ServedResource> {
        vec![ServedResource::builtin(
            &GroupVersionKind::new("", "v1", "ConfigMap"),
            "configmaps",
            true,
            &["get", "list", "patch"],
        )]
    }

    fn get(headers: &[(header::HeaderName, &str)]) -> Response<Body> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        serve_openapi_v2(&served(), &Method::GET, &map)
    }

    async fn body(r: Response<Body>) -> Vec<u8> {
        r.into_body().collect().await.unwrap().to_bytes().to_vec()
    }

    #[tokio::test]
    async fn serves_json_and_protobuf_with_one_etag() {
        let doc = openapi_v2(&served());
        let json = get(&[]);
        assert_eq!(json.status(), 200);
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(json.headers()[header::VARY], "Accept");
        let etag = json.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_eq!(etag, format!("\"{}\"", doc.json.etag));
        assert!(json.headers().contains_key(header::LAST_MODIFIED));
        assert_eq!(body(json).await, doc.json.body.to_vec());

        let pb = get(&[(header::ACCEPT, PROTOBUF_V2_DEPRECATED)]);
        assert_eq!(pb.status(), 200);
        assert_eq!(pb.headers()[header::CONTENT_TYPE], PROTOBUF_V2);
        assert_eq!(pb.headers()[header::ETAG], etag.as_str());
        let bytes = body(pb).await;
        assert_eq!(bytes, doc.protobuf().unwrap().to_vec());
        // Field 1 of the Document is `swagger: "2.0"`.
        assert_eq!(&bytes[..5], b"\x0a\x032.0");

        let refused = get(&[(header::ACCEPT, "application/yaml")]);
        assert_eq!(refused.status(), 406);
        assert_eq!(refused.headers()[header::VARY], "Accept");
        assert!(body(refused).await.is_empty());
    }

    #[tokio::test]
    async fn conditional_requests() {
        let etag = get(&[]).headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_string();
        let not_modified = get(&[
            (header::IF_NONE_MATCH, &format!("\"other\", W/{etag}")),
            (header::ACCEPT, PROTOBUF_V2),
        ]);
        assert_eq!(not_modified.status(), 304);
        assert_eq!(not_modified.headers()[header::ETAG], etag.as_str());
        assert!(!not_modified.headers().contains_key(header::CONTENT_TYPE));
        assert!(!not_modified.headers().contains_key(header::LAST_MODIFIED));
        assert!(body(not_modified).await.is_empty());
        assert_eq!(get(&[(header::IF_NONE_MATCH, "*")]).status(), 304);
        assert_eq!(get(&[(header::IF_NONE_MATCH, "\"other\"")]).status(), 200);
        assert_eq!(get(&[(header::IF_MATCH, "\"other\"")]).status(), 412);
        assert_eq!(get(&[(header::IF_MATCH, &etag)]).status(), 200);

        let last_modified = get(&[]).headers()[header::LAST_MODIFIED]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(
            get(&[(header::IF_MODIFIED_SINCE, &last_modified)]).status(),
            304
        );
        let long_ago = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(get(&[(header::IF_MODIFIED_SINCE, long_ago)]).status(), 200);
        assert_eq!(
            get(&[(header::IF_UNMODIFIED_SINCE, long_ago)]).status(),
            412
        );
        // If-None-Match decides when present, whatever If-Modified-Since says.
        assert_eq!(
            get(&[
                (header::IF_NONE_MATCH, "\"other\""),
                (header::IF_MODIFIED_SINCE, &last_modified)
            ])
            .status(),
            200
        );
    }
}
