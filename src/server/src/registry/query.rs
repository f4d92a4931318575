//! What a request's query string and headers ask for: list and watch options (selectors,
//! paging, resourceVersion semantics), the patch type, and the response form (object, Table,
//! PartialObjectMetadata).

use std::collections::HashMap;

use base64::Engine;
use serde_json::json;

use super::selector::{FieldSelector, LabelSelector};
use crate::errors::{ApiError, ApiResult};
use crate::storage::CachedObject;

/// The decoded query string.
pub fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.insert(percent_decode(k), percent_decode(v));
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// List and watch options.
#[derive(Debug, Default)]
pub struct ListQuery {
    /// Only this namespace: for a wildcard (`*`) request, whose key prefix spans clusters.
    pub namespace: Option<String>,
    pub label_selector: Option<LabelSelector>,
    pub field_selector: Option<FieldSelector>,
    pub limit: usize,
    pub continue_token: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
    pub allow_bookmarks: bool,
    pub timeout_seconds: Option<u64>,
    pub send_initial_events: Option<bool>,
}

fn flag(v: Option<&String>) -> bool {
    matches!(v.map(String::as_str), Some("true" | "1"))
}

impl ListQuery {
    /// Parses and checks the options; `fields` lists the field selectors the resource supports
    /// besides `metadata.name` and `metadata.namespace`.
    pub fn parse(q: &HashMap<String, String>, kind: &str, fields: &[&str]) -> ApiResult<Self> {
        let label_selector = match q.get("labelSelector").filter(|s| !s.is_empty()) {
            Some(s) => Some(LabelSelector::parse(s).map_err(|e| e.to_api_error())?),
            None => None,
        };
        let field_selector = match q.get("fieldSelector").filter(|s| !s.is_empty()) {
            Some(s) => {
                let sel = FieldSelector::parse(s).map_err(|e| e.to_api_error())?;
                let supported = |f: &str| {
                    f == "metadata.name" || f == "metadata.namespace" || fields.contains(&f)
                };
                if fields.is_empty() {
                    sel.check_supported(supported, super::selector::unknown_field_selector)?;
                } else {
                    sel.check_supported(supported, super::selector::field_label_not_supported)?;
                }
                Some(sel)
            }
            None => None,
        };
        let int = |name: &str| match q.get(name).filter(|s| !s.is_empty()) {
            Some(v) => v.parse::<i64>().map(Some).map_err(|e| {
                // Go's strconv message, as kube's query decoding gives it.
                let why = match e.kind() {
                    std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                        "value out of range"
                    }
                    _ => "invalid syntax",
                };
                ApiError::bad_request(format!("strconv.ParseInt: parsing {v:?}: {why}"))
            }),
            None => Ok(None),
        };
        let limit = int("limit")?.map_or(0, |l| l.max(0) as usize);
        let timeout_seconds = int("timeoutSeconds")?.map(|t| t.max(0) as u64);
        let rv_match = q
            .get("resourceVersionMatch")
            .filter(|s| !s.is_empty())
            .cloned();
        let _ = kind;
        Ok(Self {
            namespace: None,
            label_selector,
            field_selector,
            limit,
            continue_token: q.get("continue").filter(|s| !s.is_empty()).cloned(),
            resource_version: q.get("resourceVersion").filter(|s| !s.is_empty()).cloned(),
            resource_version_match: rv_match,
            allow_bookmarks: flag(q.get("allowWatchBookmarks")),
            timeout_seconds,
            send_initial_events: q.get("sendInitialEvents").map(|v| v == "true"),
        })
    }

    /// A list's resourceVersion as a number (kube's 400 for one that is not).
    fn parsed_rv(&self) -> ApiResult<Option<i64>> {
        self.rv_number()
            .map_err(|e| ApiError::bad_request(format!("invalid resource version: {e}")))
    }

    /// Where a watch starts: after the resourceVersion (kube's storage refuses one that is not
    /// a number with a 500, without the list's prefix; ours is a 400: docs/differences.md).
    pub fn watch_after(&self) -> ApiResult<Option<i64>> {
        self.rv_number().map_err(ApiError::bad_request)
    }

    /// The resourceVersion as a number; kube's field error when it is not one.
    fn rv_number(&self) -> Result<Option<i64>, String> {
        match &self.resource_version {
            None => Ok(None),
            Some(rv) => rv.parse::<i64>().map(Some).map_err(|_| {
                format!(
                    "resourceVersion: Invalid value: {rv:?}: strconv.ParseUint: parsing {rv:?}: \
                     invalid syntax"
                )
            }),
        }
    }

    /// The checks kube makes of a watch's options (`ValidateListOptions` for a watch: a 422 on
    /// `ListOptions`): `resourceVersionMatch` only with `sendInitialEvents` and only
    /// `NotOlderThan`.
    pub fn check_watch(&self) -> ApiResult<()> {
        use crate::errors::{FieldError, FieldPath};
        let path = FieldPath::new("resourceVersionMatch");
        let matching = self.resource_version_match.as_deref();
        let mut errs = Vec::new();
        if self.send_initial_events.is_some() && matching != Some("NotOlderThan") {
            errs.push(FieldError::forbidden(
                &path,
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            ));
        }
        if let Some(m) = matching {
            if self.send_initial_events.is_none() {
                errs.push(FieldError::forbidden(
                    &path,
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is \
                     provided",
                ));
            }
            if m != "NotOlderThan" {
                errs.push(FieldError::not_supported(&path, m, &["NotOlderThan"]));
            }
            if self.continue_token.is_some() {
                errs.push(FieldError::forbidden(
                    &path,
                    "resourceVersionMatch is forbidden when continue is provided",
                ));
            }
        }
        if !errs.is_empty() {
            return Err(ApiError::invalid("meta.k8s.io", "ListOptions", "", &errs));
        }
        Ok(())
    }

    /// The checks kube makes of a list's options (`ValidateListOptions`: a 422 on
    /// `ListOptions`), then its storage's refusal of a resourceVersion beside a continue token.
    pub fn check_list(&self, prefix: &str) -> ApiResult<()> {
        use crate::errors::{FieldError, FieldPath};
        let path = FieldPath::new("resourceVersionMatch");
        let mut errs = Vec::new();
        if self.resource_version_match.is_some() {
            if self.resource_version.is_none() {
                errs.push(FieldError::forbidden(
                    &path,
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                ));
            }
            if self.continue_token.is_some() {
                errs.push(FieldError::forbidden(
                    &path,
                    "resourceVersionMatch is forbidden when continue is provided",
                ));
            }
            if let Some(m) = self.resource_version_match.as_deref()
                && m != "Exact"
                && m != "NotOlderThan"
            {
                errs.push(FieldError::not_supported(
                    &path,
                    m,
                    &["Exact", "NotOlderThan", ""],
                ));
            }
            if self.resource_version_match.as_deref() == Some("Exact")
                && self.resource_version.as_deref() == Some("0")
            {
                errs.push(FieldError::forbidden(
                    &path,
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                ));
            }
        }
        if self.send_initial_events.is_some() {
            errs.push(FieldError::forbidden(
                &FieldPath::new("sendInitialEvents"),
                "sendInitialEvents is forbidden for list",
            ));
        }
        if !errs.is_empty() {
            return Err(ApiError::invalid("meta.k8s.io", "ListOptions", "", &errs));
        }
        if let Some(token) = &self.continue_token {
            decode_continue(token, prefix)?;
            if self.resource_version.as_deref().is_some_and(|rv| rv != "0") {
                return Err(ApiError::bad_request(
                    "specifying resource version is not allowed when using continue",
                ));
            }
        }
        Ok(())
    }

    /// `resourceVersionMatch=Exact` with a resourceVersion.
    pub fn exact_revision(&self) -> ApiResult<Option<i64>> {
        if self.resource_version_match.as_deref() == Some("Exact") {
            return match self.parsed_rv()? {
                Some(rv) if rv > 0 => Ok(Some(rv)),
                _ => Err(ApiError::bad_request(
                    "resourceVersionMatch: Exact requires a non-zero resourceVersion",
                )),
            };
        }
        Ok(None)
    }

    /// The revision a list must not be older than (a resourceVersion other than "0").
    pub fn not_older_than(&self) -> ApiResult<Option<i64>> {
        Ok(self.parsed_rv()?.filter(|rv| *rv > 0))
    }

    /// Whether the object passes the label and field selectors.
    pub fn matches(&self, o: &CachedObject) -> bool {
        if let Some(l) = &self.label_selector
            && !l.matches(&o.labels)
        {
            return false;
        }
        if let Some(ns) = &self.namespace
            && o.key.namespace() != Some(ns.as_str())
        {
            return false;
        }
        if let Some(f) = &self.field_selector {
            // Decoded only for a field other than the name and namespace, which the key has.
            let mut value: Option<Option<serde_json::Value>> = None;
            return f.matches(|field| match field {
                "metadata.name" => Some(o.key.name().to_string()),
                "metadata.namespace" => {
                    Some(o.key.namespace().map(str::to_string).unwrap_or_default())
                }
                other => value
                    .get_or_insert_with(|| o.value().ok())
                    .as_ref()
                    .and_then(|v| field_value(v, other)),
            });
        }
        true
    }
}

/// A dotted field of an object as a string (`spec.unschedulable`, `type`).
fn field_value(v: &serde_json::Value, path: &str) -> Option<String> {
    // The one label that is not a path: an Event's `source`.
    if let Some(value) = super::conversion::events::stored_field_value(v, path) {
        return Some(value);
    }
    // kube reads field labels from typed objects, where an absent boolean is `false`.
    let absent = || match path {
        "spec.unschedulable" | "spec.hostNetwork" => Some("false".to_string()),
        _ => None,
    };
    let mut cur = v;
    for part in path.split('.') {
        match cur.get(part) {
            Some(next) => cur = next,
            None => return absent(),
        }
    }
    Some(match cur {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// A continue token: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"<key suffix>\u0000"}`,
/// the shape kube-apiserver uses.
pub fn encode_continue(rev: i64, last_key: &str, prefix: &str) -> String {
    let start = format!("{}\u{0}", last_key.strip_prefix(prefix).unwrap_or(last_key));
    let token = json!({"v": "meta.k8s.io/v1", "rv": rev, "start": start});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token.to_string())
}

/// Decodes a continue token into the revision and the key to continue after; a token that does
/// not decode is a 400 `invalid continue token: continue key is not valid: …` with the reason
/// kube gives (base64, JSON, version, revision, start key).
pub fn decode_continue(token: &str, prefix: &str) -> ApiResult<(i64, String)> {
    let bad = |why: String| {
        ApiError::bad_request(format!(
            "invalid continue token: continue key is not valid: {why}"
        ))
    };
    // Go's RawURLEncoding, which ignores the unused bits of the last character (padding is
    // tolerated, as our older tokens have it).
    const RAW_URL: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    let raw = RAW_URL
        .decode(token.trim_end_matches('='))
        .map_err(|e| match e {
            base64::DecodeError::InvalidByte(at, _)
            | base64::DecodeError::InvalidLastSymbol(at, _) => {
                bad(format!("illegal base64 data at input byte {at}"))
            }
            _ => bad(format!("illegal base64 data at input byte {}", token.len())),
        })?;
    let v: serde_json::Value = match serde_json::from_slice(&raw) {
        Ok(v) => v,
        Err(e) => {
            let why = crate::schema::gojson::syntax_error(&raw).unwrap_or_else(|| e.to_string());
            return Err(bad(why));
        }
    };
    if v["v"] != "meta.k8s.io/v1" {
        return Err(bad(
            "server does not recognize this encoded version".to_string()
        ));
    }
    let rev = v["rv"].as_i64().filter(|r| *r > 0).ok_or_else(|| {
        bad("incorrect encoded start resourceVersion (version meta.k8s.io/v1)".to_string())
    })?;
    let start = v["start"].as_str().unwrap_or_default();
    if start.is_empty() {
        return Err(bad(
            "encoded start key empty (version meta.k8s.io/v1)".to_string()
        ));
    }
    let start = start.strip_suffix('\u{0}').unwrap_or(start);
    if start.contains("..") || start.starts_with('/') {
        return Err(bad(format!("{start:?}")));
    }
    Ok((rev, format!("{prefix}{start}")))
}

/// The patch content types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

impl PatchType {
    pub fn from_content_type(ct: &str) -> Option<Self> {
        match ct.split(';').next().unwrap_or("").trim() {
            "application/json-patch+json" => Some(Self::Json),
            "application/merge-patch+json" => Some(Self::Merge),
            "application/strategic-merge-patch+json" => Some(Self::Strategic),
            // kube 1.36 takes apply configurations as YAML only (CBOR is behind a gate).
            "application/apply-patch+yaml" => Some(Self::Apply),
            _ => None,
        }
    }
}

/// The form of the response body a client accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Object,
    Table { include_object: IncludeObject },
    PartialObjectMetadata,
    PartialObjectMetadataList,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

/// The response form `Accept` asks for, negotiated as kube-apiserver does
/// ([`crate::http::negotiation`]): responses are JSON; a clause kube would answer in another
/// encoding only (protobuf) is passed over for the next.
pub fn negotiate(accept: Option<&str>, q: &HashMap<String, String>) -> ApiResult<Output> {
    use crate::http::negotiation::{self, JSON, Restrictions};
    let n = negotiation::negotiate(accept, &[JSON], Restrictions::Resource)
        .ok_or_else(|| ApiError::not_acceptable(&[JSON]))?;
    Ok(match n.convert.map(|c| c.kind) {
        None => Output::Object,
        Some("Table") => Output::Table {
            include_object: match q.get("includeObject").map(String::as_str) {
                Some("None") => IncludeObject::None,
                Some("Object") => IncludeObject::Object,
                _ => IncludeObject::Metadata,
            },
        },
        Some("PartialObjectMetadataList") => Output::PartialObjectMetadataList,
        Some(_) => Output::PartialObjectMetadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        let q = HashMap::new();
        assert_eq!(negotiate(None, &q).unwrap(), Output::Object);
        assert_eq!(
            negotiate(
                Some("application/vnd.kubernetes.protobuf, application/json"),
                &q
            )
            .unwrap(),
            Output::Object
        );
        assert_eq!(
            negotiate(Some("application/vnd.kubernetes.protobuf"), &q)
                .unwrap_err()
                .code,
            406
        );
        assert!(matches!(
            negotiate(
                Some("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"),
                &q
            )
            .unwrap(),
            Output::Table { .. }
        ));
    }

    #[test]
    fn continue_tokens_round_trip() {
        let t = encode_continue(
            42,
            "/registry/core/configmaps/root/default/b",
            "/registry/core/configmaps/root/",
        );
        let (rev, key) = decode_continue(&t, "/registry/core/configmaps/root/").unwrap();
        assert_eq!(
            (rev, key.as_str()),
            (42, "/registry/core/configmaps/root/default/b")
        );
        assert!(decode_continue("!!", "/p/").is_err());
    }

    #[test]
    fn continue_tokens_are_checked_as_kube_checks_them() {
        let msg = |q: &str| {
            let query = parse_query(Some(q));
            ListQuery::parse(&query, "ConfigMap", &[])
                .and_then(|l| l.check_list("/p/"))
                .unwrap_err()
                .message
        };
        assert_eq!(
            msg("continue=garbage"),
            r"invalid continue token: continue key is not valid: invalid character '\u0081' looking for beginning of value"
        );
        let token = encode_continue(7, "/p/ns/a", "/p/");
        assert!(!token.contains('='), "{token}");
        assert_eq!(
            msg(&format!("continue={token}&resourceVersion=5")),
            "specifying resource version is not allowed when using continue"
        );
        assert_eq!(
            msg("resourceVersionMatch=NotOlderThan"),
            r#"ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"#
        );
        assert_eq!(
            msg("limit=abc"),
            r#"strconv.ParseInt: parsing "abc": invalid syntax"#
        );
    }

    #[test]
    fn query_decoding() {
        let q = parse_query(Some("labelSelector=app%3Dx%2Cb%21%3Dc&limit=5"));
        assert_eq!(q["labelSelector"], "app=x,b!=c");
        assert_eq!(q["limit"], "5");
    }
}
