//! Content negotiation over `Accept`, as kube-apiserver 1.36 does it.
//!
//! The header is parsed and ordered as Go's `goautoneg.ParseAccept` orders it (by `q`, then
//! concrete types before wildcards, stably), and the first clause that names a media type the
//! endpoint serves, with parameters the endpoint allows, wins — apimachinery's
//! `NegotiateMediaTypeOptions`. A clause is never rejected for its `q` (not even `q=0`), and an
//! empty header takes the endpoint's first media type. Each endpoint says what it allows through
//! [`Restrictions`]: resources allow `as=Table` and `as=PartialObjectMetadata[List]` of
//! `meta.k8s.io`, `/api` and `/apis` allow `as=APIGroupDiscoveryList` of
//! `apidiscovery.k8s.io/v2` (v2beta1 is no longer served in 1.36, so clients that ask for it
//! first get the legacy documents they list next), and everything else allows no conversion.

/// The JSON media type.
pub const JSON: &str = "application/json";

/// One clause of an `Accept` header.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause<'a> {
    pub type_: &'a str,
    pub subtype: &'a str,
    pub q: f64,
    /// The parameters other than `q`, in the order given.
    pub params: Vec<(&'a str, &'a str)>,
}

impl<'a> Clause<'a> {
    fn param(&self, key: &str) -> Option<&'a str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// Whether this clause's range covers `media` (`type/subtype`).
    fn covers(&self, media: &str) -> bool {
        let (t, s) = media.split_once('/').unwrap_or((media, ""));
        (self.type_ == t && (self.subtype == s || self.subtype == "*"))
            || (self.type_ == "*" && self.subtype == "*")
    }
}

/// Parses and orders `Accept` as `goautoneg.ParseAccept` does: clauses split on `,`, a lone
/// `*` read as `*/*`, malformed ranges (`text`, `a/b/c`) dropped, `q` parsed (unparsable is 0),
/// then an insertion sort with goautoneg's ordering (Go's `sort.Sort` on a short slice).
pub fn parse_accept(header: &str) -> Vec<Clause<'_>> {
    let mut clauses = Vec::new();
    for part in header.split(',') {
        let part = part.trim_matches(' ');
        if part.is_empty() {
            continue;
        }
        let (range, params) = part.split_once(';').unwrap_or((part, ""));
        let (type_, subtype) = match range.split_once('/').unwrap_or((range, "")) {
            (t, "") if t.trim_matches(' ') == "*" => ("*", "*"),
            (_, "") => continue,
            (_, s) if s.contains('/') => continue,
            (t, s) => (t.trim_matches(' '), s.trim_matches(' ')),
        };
        let mut clause = Clause {
            type_,
            subtype,
            q: 1.0,
            params: Vec::new(),
        };
        for p in params.split(';') {
            let Some((k, v)) = p.split_once('=') else {
                continue;
            };
            // `k=` and `k=a=b` are skipped: `q=` leaves q at 1.
            if v.is_empty() || v.contains('=') {
                continue;
            }
            let k = k.trim_matches(' ');
            if k == "q" {
                // Go parses the value untrimmed: `q=0.5 ` is unparsable, so 0.
                clause.q = v.parse::<f32>().map(f64::from).unwrap_or(0.0);
            } else {
                clause.params.push((k, v.trim_matches(' ')));
            }
        }
        clauses.push(clause);
    }
    for i in 1..clauses.len() {
        let mut j = i;
        while j > 0 && goes_before(&clauses[j], &clauses[j - 1]) {
            clauses.swap(j, j - 1);
            j -= 1;
        }
    }
    clauses
}

/// goautoneg's `Less`: a higher `q` first, then a concrete type or subtype before a wildcard.
fn goes_before(a: &Clause, b: &Clause) -> bool {
    a.q > b.q || (a.type_ != "*" && b.type_ == "*") || (a.subtype != "*" && b.subtype == "*")
}

/// What a clause asks the server to turn the answer into: `as=<kind>;g=<group>;v=<version>`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Convert<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
}

/// The outcome of a negotiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated<'a> {
    /// The served media type chosen (one of the endpoint's).
    pub media_type: &'static str,
    pub convert: Option<Convert<'a>>,
    /// `stream=watch`.
    pub stream: bool,
}

/// Which conversions and streams an endpoint allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restrictions {
    /// A resource: Table (JSON, YAML) and PartialObjectMetadata(List) of `meta.k8s.io` v1 and
    /// v1beta1; `stream=watch`.
    Resource,
    /// `/api` and `/apis`: the aggregated discovery document, `apidiscovery.k8s.io/v2`.
    AggregatedDiscovery,
    /// No conversion and no stream: legacy discovery, OpenAPI.
    None,
}

impl Restrictions {
    fn allows(self, media_type: &str, convert: Option<&Convert>) -> bool {
        let Some(c) = convert else { return true };
        match self {
            Self::Resource => {
                if c.group != "meta.k8s.io" || !matches!(c.version, "v1" | "v1beta1") {
                    return false;
                }
                match c.kind {
                    "Table" => matches!(media_type, JSON | "application/yaml"),
                    "PartialObjectMetadata" | "PartialObjectMetadataList" => true,
                    _ => false,
                }
            }
            Self::AggregatedDiscovery => {
                c.group == "apidiscovery.k8s.io"
                    && c.version == "v2"
                    && c.kind == "APIGroupDiscoveryList"
            }
            Self::None => false,
        }
    }

    fn allows_stream(self, stream: &str) -> bool {
        self == Self::Resource && stream == "watch"
    }
}

/// Picks the first clause of `accept` that one of `served` (media types, in the server's order
/// of preference) satisfies under `restrictions`; `None` is a 406.
pub fn negotiate<'a>(
    accept: Option<&'a str>,
    served: &[&'static str],
    restrictions: Restrictions,
) -> Option<Negotiated<'a>> {
    let header = accept.unwrap_or("");
    if header.is_empty() {
        return served.first().map(|&media_type| Negotiated {
            media_type,
            convert: None,
            stream: false,
        });
    }
    for clause in parse_accept(header) {
        for &media_type in served {
            if !clause.covers(media_type) {
                continue;
            }
            if let Some(n) = options(&clause, media_type, restrictions) {
                return Some(n);
            }
        }
    }
    None
}

/// apimachinery's `acceptMediaTypeOptions`: the parameters a served media type takes from a
/// clause; unknown parameters are ignored.
fn options<'a>(
    clause: &Clause<'a>,
    media_type: &'static str,
    restrictions: Restrictions,
) -> Option<Negotiated<'a>> {
    let (kind, group, version) = (clause.param("as"), clause.param("g"), clause.param("v"));
    let convert = (kind.is_some() || group.is_some() || version.is_some()).then(|| Convert {
        group: group.unwrap_or(""),
        version: version.unwrap_or(""),
        kind: kind.unwrap_or(""),
    });
    let stream = clause.param("stream").unwrap_or("");
    // JSON streams (watch); YAML has no stream encoding.
    if !stream.is_empty() && (media_type != JSON || !restrictions.allows_stream(stream)) {
        return None;
    }
    if !restrictions.allows(media_type, convert.as_ref()) {
        return None;
    }
    Some(Negotiated {
        media_type,
        convert,
        stream: !stream.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGGREGATED_V2: &str =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    const DISCOVERY: &[&str] = &[JSON];

    fn discovery(accept: &str) -> Option<Negotiated<'_>> {
        negotiate(Some(accept), DISCOVERY, Restrictions::AggregatedDiscovery)
    }

    fn aggregated(n: Option<Negotiated>) -> bool {
        n.and_then(|n| n.convert)
            .is_some_and(|c| c.kind == "APIGroupDiscoveryList")
    }

    #[test]
    fn aggregated_v2_first_is_served_aggregated() {
        // kubectl 1.30+.
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert!(aggregated(discovery(accept)));
        // client-go with protobuf first: the protobuf clause is skipped, the JSON v2 one taken.
        let accept = "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        assert!(aggregated(discovery(accept)));
    }

    #[test]
    fn v2beta1_then_json_is_served_legacy() {
        // kubectl 1.27–1.29: v2beta1 is not served, so the legacy document they list next.
        let n = discovery(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json",
        )
        .unwrap();
        assert_eq!((n.media_type, n.convert), (JSON, None));
        // v2beta1 alone: nothing servable.
        assert_eq!(
            discovery("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"),
            None
        );
    }

    #[test]
    fn protobuf_then_json_is_json() {
        let n = negotiate(
            Some("application/vnd.kubernetes.protobuf, application/json"),
            &[JSON],
            Restrictions::Resource,
        )
        .unwrap();
        assert_eq!((n.media_type, n.convert), (JSON, None));
        assert!(aggregated(discovery(&format!(
            "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList, {AGGREGATED_V2}"
        ))));
    }

    #[test]
    fn json_only() {
        let n = discovery("application/json").unwrap();
        assert_eq!((n.media_type, n.convert), (JSON, None));
        let n = negotiate(Some("application/json"), &[JSON], Restrictions::None).unwrap();
        assert_eq!(n.media_type, JSON);
    }

    #[test]
    fn wildcards_and_empty_take_the_first_served_type() {
        for accept in ["*/*", "application/*", "*", "", "text/html, */*;q=0.8"] {
            let n = negotiate(
                Some(accept),
                &[JSON, "application/yaml"],
                Restrictions::Resource,
            )
            .unwrap_or_else(|| panic!("{accept:?}"));
            assert_eq!((n.media_type, n.convert), (JSON, None), "{accept:?}");
        }
        assert_eq!(
            negotiate(None, &[JSON], Restrictions::None).map(|n| n.media_type),
            Some(JSON)
        );
        // `*/*` on /apis is the legacy document: no conversion asked for.
        assert_eq!(discovery("*/*").unwrap().convert, None);
    }

    #[test]
    fn nothing_servable_is_none() {
        for accept in [
            "application/vnd.kubernetes.protobuf",
            "text/html",
            "application/json;as=Table;v=v1;g=meta.k8s.io",
            "application/json;as=Table",
            "application/json;stream=watch",
        ] {
            assert_eq!(
                negotiate(Some(accept), &[JSON], Restrictions::None),
                None,
                "{accept:?}"
            );
        }
        assert_eq!(discovery("application/vnd.kubernetes.protobuf"), None);
        assert_eq!(
            negotiate(
                Some("application/json;as=Foo;g=meta.k8s.io;v=v1"),
                &[JSON],
                Restrictions::Resource
            ),
            None
        );
    }

    #[test]
    fn table_and_partial_metadata() {
        let n = negotiate(
            Some("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"),
            &[JSON],
            Restrictions::Resource,
        )
        .unwrap();
        assert_eq!(
            n.convert,
            Some(Convert {
                group: "meta.k8s.io",
                version: "v1",
                kind: "Table"
            })
        );
        // A Table in another group is not servable; the next clause is taken.
        let n = negotiate(
            Some("application/json;as=Table;g=example.com;v=v1, application/json"),
            &[JSON],
            Restrictions::Resource,
        )
        .unwrap();
        assert_eq!(n.convert, None);
        let n = negotiate(
            Some("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
            &[JSON],
            Restrictions::Resource,
        )
        .unwrap();
        assert_eq!(n.convert.map(|c| c.kind), Some("PartialObjectMetadataList"));
    }

    #[test]
    fn q_values_order_clauses() {
        // The higher q wins over the order written.
        let n = negotiate(
            Some("application/json;as=Table;g=meta.k8s.io;v=v1;q=0.5, application/json;q=0.9"),
            &[JSON],
            Restrictions::Resource,
        )
        .unwrap();
        assert_eq!(n.convert, None);
        // A concrete type goes before a wildcard of the same q.
        let clauses = parse_accept("*/*, application/yaml");
        assert_eq!(clauses[0].subtype, "yaml");
        // q=0 is not a refusal in kube's negotiation.
        assert!(negotiate(Some("application/json;q=0"), &[JSON], Restrictions::None).is_some());
    }

    #[test]
    fn goautoneg_order_and_q_quirks() {
        let order = |header| {
            parse_accept(header)
                .iter()
                .map(|c| format!("{}/{};{}", c.type_, c.subtype, c.q))
                .collect::<Vec<_>>()
        };
        // A concrete type goes before a wildcard even at a lower q (goautoneg's `Less`).
        assert_eq!(
            order("*/*;q=1, application/json;q=0.5"),
            ["application/json;0.5", "*/*;1"]
        );
        assert_eq!(
            order("a/b;q=0.25, c/d;q=0.75, e/f"),
            ["e/f;1", "c/d;0.75", "a/b;0.25"]
        );
        // A lone `*` is `*/*`; `q=` without a value is skipped; an unparsable q is 0.
        assert_eq!(order("*"), ["*/*;1"]);
        assert_eq!(order("a/b;q=;c=d"), ["a/b;1"]);
        assert_eq!(order("a/b;q=x"), ["a/b;0"]);
    }

    #[test]
    fn stream_watch() {
        let n = negotiate(
            Some("application/json;stream=watch"),
            &[JSON],
            Restrictions::Resource,
        )
        .unwrap();
        assert!(n.stream);
        assert_eq!(
            negotiate(
                Some("application/json;stream=other"),
                &[JSON],
                Restrictions::Resource
            ),
            None
        );
    }

    #[test]
    fn malformed_ranges_are_dropped() {
        let clauses = parse_accept("text, text/, a/b/c, application/json ;q=0.5; x=y=z");
        assert_eq!(clauses.len(), 1);
        assert_eq!(
            (clauses[0].type_, clauses[0].subtype),
            ("application", "json")
        );
        assert!((clauses[0].q - 0.5).abs() < 1e-9);
        assert!(clauses[0].params.is_empty());
        // Go reads `q` untrimmed: a space after the value makes it unparsable, so 0.
        assert_eq!(parse_accept("application/json; q=0.5 ;x=1")[0].q, 0.0);
    }
}
