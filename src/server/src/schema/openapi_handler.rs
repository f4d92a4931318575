//! Serving `/openapi/v2` as kube-openapi's handler (`pkg/handler`) does: JSON or protobuf by
//! the `Accept` header, with an ETag and Go's `http.ServeContent` conditional requests.
//!
//! Negotiation follows goautoneg, which kube-openapi uses: the `Accept` clauses are sorted (a
//! higher `q` first, and a concrete type or subtype before a wildcard), then the first clause
//! that matches one of the served media types picks it. An empty `Accept` is `*/*`, so JSON is
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

/// The media type and format for an `Accept` header, or `None` (406).
fn negotiate(accept: &str) -> Option<(&'static str, Format)> {
    parse_accept(accept).iter().find_map(|clause| {
        ACCEPTED
            .iter()
            .find(|(ty, sub, _, _)| {
                (clause.ty == *ty || clause.ty == "*")
                    && (clause.subtype == *sub || clause.subtype == "*")
            })
            .map(|&(_, _, content_type, format)| (content_type, format))
    })
}

/// One clause of an `Accept` header (parameters other than `q` are ignored).
#[derive(Clone, Debug, PartialEq)]
struct Clause {
    ty: String,
    subtype: String,
    /// Parsed as a 32-bit float, as goautoneg does; an unparsable `q` is 0.
    q: f32,
}

/// goautoneg's `ParseAccept`: the clauses in the order they are tried.
fn parse_accept(header: &str) -> Vec<Clause> {
    let mut clauses = Vec::new();
    for part in header.split(',') {
        let part = part.trim_matches(' ');
        let (media, params) = part.split_once(';').unwrap_or((part, ""));
        let (ty, rest) = media.split_once('/').unwrap_or((media, ""));
        let ty = ty.trim_matches(' ');
        let subtype = if rest.is_empty() {
            // `*` alone stands for `*/*`; another type without a subtype is dropped.
            if ty != "*" {
                continue;
            }
            "*"
        } else if rest.contains('/') {
            continue;
        } else {
            rest.trim_matches(' ')
        };
        let mut q = 1.0;
        for param in params.split(';') {
            // `name=value` with a value and exactly one `=`; others are skipped. The value is
            // not trimmed.
            if let Some((name, value)) = param.split_once('=')
                && !value.is_empty()
                && !value.contains('=')
                && name.trim_matches(' ') == "q"
            {
                q = go_parse_float32(value);
            }
        }
        clauses.push(Clause {
            ty: ty.to_string(),
            subtype: subtype.to_string(),
            q,
        });
    }
    // Go's sort.Sort of up to twelve elements is an insertion sort; goautoneg's order is not a
    // strict weak order (a concrete type beats a wildcard even at a lower q), so the algorithm
    // decides the outcome. Longer headers are sorted the same way here, where Go switches to
    // pattern-defeating quicksort.
    for i in 1..clauses.len() {
        let mut j = i;
        while j > 0 && accept_less(&clauses[j], &clauses[j - 1]) {
            clauses.swap(j, j - 1);
            j -= 1;
        }
    }
    clauses
}

/// goautoneg's `Less`: a higher q, else a concrete type over `*`, else a concrete subtype
/// over `*`.
fn accept_less(a: &Clause, b: &Clause) -> bool {
    a.q > b.q || (a.ty != "*" && b.ty == "*") || (a.subtype != "*" && b.subtype == "*")
}

/// Go's `strconv.ParseFloat(s, 32)` as goautoneg uses it: the value on success, ±infinity on
/// overflow, 0 on a syntax error.
fn go_parse_float32(s: &str) -> f32 {
    let lower = s.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    // Rust reads `inf`, `infinity` and `nan` as Go does; hex floats and `_` are Go-only and
    // count as syntax errors here.
    if unsigned.is_empty() || unsigned.starts_with("0x") || s.contains('_') {
        return 0.0;
    }
    s.parse::<f32>().unwrap_or(0.0)
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

    fn kinds(header: &str) -> Vec<String> {
        parse_accept(header)
            .iter()
            .map(|c| format!("{}/{};{}", c.ty, c.subtype, c.q))
            .collect()
    }

    #[test]
    fn accept_clauses_are_parsed_and_sorted_as_goautoneg_does() {
        assert_eq!(kinds("application/json"), ["application/json;1"]);
        assert_eq!(kinds("*"), ["*/*;1"]);
        // A type without a subtype, or with two slashes, is dropped.
        assert_eq!(kinds("text, a/b/c, */*"), ["*/*;1"]);
        // Higher q first; a concrete type beats a wildcard even at a lower q.
        assert_eq!(
            kinds("*/*;q=1, application/json;q=0.5"),
            ["application/json;0.5", "*/*;1"]
        );
        assert_eq!(
            kinds("a/b;q=0.2, c/d;q=0.9, e/f"),
            ["e/f;1", "c/d;0.9", "a/b;0.2"]
        );
        // Unparsable q is 0; parameters other than q are ignored; spaces are trimmed.
        assert_eq!(
            kinds(" application/json ; q=x ; v=2"),
            ["application/json;0"]
        );
        assert_eq!(kinds("a/b;q=0.5=1;q="), ["a/b;1"]);
        assert_eq!(kinds("a/;q=0.1, */"), ["*/*;1"]);
    }

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
        // Media types are case-sensitive, and parameters do not matter.
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
