//! A CustomResourceDefinition turned into an APIResourceSchema (`reference/kcp.md` §3.7), as
//! `kubectl kcp crd snapshot` does it: the schema is named `<prefix>.<crd name>` and copies the
//! group, names, scope, conversion and every version field by field, with the version's
//! `openAPIV3Schema` as its raw schema.
//!
//! Both objects are handled in their Go shape ([`crate::go_types`]): the CRD is decoded the way
//! kcp's plugin decodes it (Kubernetes' defaulting included: `singular`, `listKind` and a `None`
//! conversion are filled in when missing) and the schema comes out as kcp encodes it.

use serde_json::{Value, json};

use crate::go_types::{DecodeError, GoStruct, round_trip};
use kcp_api::gojson::canonicalize_numbers;

/// The scheme name in kcp's "no kind is registered" errors (apimachinery names the scheme after
/// the place it was made, which for this scheme is inside apimachinery itself).
const SCHEME: &str = "pkg/runtime/scheme.go:111";

/// Why a document is not a CRD that can be converted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrdError {
    /// Not YAML (the parser's message, not go-yaml's).
    #[error("yaml: {0}")]
    Yaml(String),
    /// No `kind` (Kubernetes' decoder quotes the whole document).
    #[error("Object 'Kind' is missing in '{0}'")]
    MissingKind(String),
    /// No `apiVersion`.
    #[error("Object 'apiVersion' is missing in '{0}'")]
    MissingApiVersion(String),
    /// Another kind than `apiextensions.k8s.io/v1` CustomResourceDefinition.
    #[error("no kind {kind:?} is registered for version {version:?} in scheme \"{SCHEME}\"")]
    NotRegistered { kind: String, version: String },
    /// A kind of `apiextensions.k8s.io/v1` that is not a CRD.
    #[error("unexpected type for CRD *v1.{0}")]
    UnexpectedType(String),
    /// A field of the wrong JSON type.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The CRD cannot become an APIResourceSchema.
    #[error("error converting CRD: {0}")]
    Convert(String),
}

/// Decodes one YAML document as kcp's plugin decodes a CRD: the document in Go's
/// `apiextensionsv1.CustomResourceDefinition` shape, with Kubernetes' defaults applied.
pub fn decode_crd(doc: &str) -> Result<Value, CrdError> {
    let mut v: Value = serde_saphyr::from_str(doc).map_err(|e| {
        // The parser's first line says what and where; the rest is a source snippet.
        let message = e.to_string();
        let first = message.lines().next().unwrap_or_default();
        CrdError::Yaml(first.strip_prefix("error: ").unwrap_or(first).to_owned())
    })?;
    canonicalize_numbers(&mut v);
    let field = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (kind, version) = (field("kind"), field("apiVersion"));
    if kind.is_empty() {
        return Err(CrdError::MissingKind(doc.to_owned()));
    }
    if version.is_empty() {
        return Err(CrdError::MissingApiVersion(doc.to_owned()));
    }
    match (version.as_str(), kind.as_str()) {
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition") => {}
        ("apiextensions.k8s.io/v1", "CustomResourceDefinitionList" | "ConversionReview") => {
            return Err(CrdError::UnexpectedType(kind));
        }
        _ => return Err(CrdError::NotRegistered { kind, version }),
    }
    let mut crd = round_trip(&v, GoStruct::CustomResourceDefinition)?;
    set_defaults(&mut crd);
    Ok(crd)
}

/// `SetDefaults_CustomResourceDefinitionSpec`: `singular` from the kind, `listKind` as
/// `<Kind>List`, and conversion strategy `None`.
fn set_defaults(crd: &mut Value) {
    let spec = &mut crd["spec"];
    let names = &mut spec["names"];
    let kind = names["kind"].as_str().unwrap_or_default().to_owned();
    if names
        .get("singular")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .is_empty()
    {
        names["singular"] = Value::String(kind.to_lowercase());
    }
    if names
        .get("listKind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .is_empty()
        && !kind.is_empty()
    {
        names["listKind"] = Value::String(format!("{kind}List"));
    }
    if spec.get("conversion").is_none_or(Value::is_null) {
        spec["conversion"] = json!({"strategy": "None"});
    }
}

/// kcp's `CRDToAPIResourceSchema`: the APIResourceSchema for a decoded CRD, in the shape kcp
/// encodes it.
pub fn crd_to_api_resource_schema(crd: &Value, prefix: &str) -> Result<Value, CrdError> {
    let crd_name = crd["metadata"]["name"].as_str().unwrap_or_default();
    let name = format!("{prefix}.{crd_name}");
    let reasons = is_dns1123_subdomain(&name);
    if !reasons.is_empty() {
        let errors: Vec<String> = reasons
            .iter()
            .map(|r| format!("metadata.name: Invalid value: {name:?}: {r}"))
            .collect();
        return Err(CrdError::Convert(aggregate(&errors)));
    }

    let schema =
        kcp_api::apis::snapshot::schema_from_crd(crd, prefix).map_err(CrdError::Convert)?;
    // Encode in kcp's Go shape (field order, omitempty).
    Ok(round_trip(&schema, GoStruct::APIResourceSchema)?)
}

/// `utilerrors.NewAggregate(...).Error()`: one message as is, several as `[a, b]`.
pub fn aggregate(messages: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for m in messages {
        if !seen.contains(&m.as_str()) {
            seen.push(m);
        }
    }
    match seen.as_slice() {
        [one] => (*one).to_owned(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// `validation.IsDNS1123Subdomain` with apimachinery's messages (the server's rule in
/// `kcp-server`'s `validation::names`).
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut reasons = Vec::new();
    if value.len() > 253 {
        reasons.push("must be no more than 253 characters".to_owned());
    }
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
            && (b[b.len() - 1].is_ascii_lowercase() || b[b.len() - 1].is_ascii_digit())
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    };
    if !value.split('.').all(label_ok) {
        reasons.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_owned());
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd(extra_spec: &str) -> String {
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.io\nspec:\n  group: example.io\n  names:\n    kind: Widget\n    plural: widgets\n  scope: Namespaced\n{extra_spec}"
        )
    }

    const ONE_VERSION: &str = "  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n";
    const TWO_VERSIONS: &str = "  versions:\n  - name: v1\n    served: true\n    storage: true\n  - name: v2\n    served: true\n    storage: false\n";

    fn convert(doc: &str, prefix: &str) -> Result<Value, CrdError> {
        crd_to_api_resource_schema(&decode_crd(doc)?, prefix)
    }

    #[test]
    fn defaults_and_copies() {
        let s = convert(&crd(ONE_VERSION), "v1").unwrap();
        assert_eq!(
            kcp_api::gojson::to_string(&s),
            r#"{"kind":"APIResourceSchema","apiVersion":"apis.kcp.io/v1alpha1","metadata":{"name":"v1.widgets.example.io"},"spec":{"group":"example.io","names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},"scope":"Namespaced","versions":[{"name":"v1","served":true,"storage":true,"schema":{"type":"object"},"subresources":{}}],"conversion":{"strategy":"None"}}}"#
        );
    }

    #[test]
    fn several_versions_need_a_strategy_kubernetes_defaults_to_none() {
        // Kubernetes' defaulting fills in `None` before kcp's check could fire.
        let s = convert(&crd(TWO_VERSIONS), "v1").unwrap();
        assert_eq!(s["spec"]["conversion"], json!({"strategy": "None"}));
        assert_eq!(s["spec"]["versions"][1]["schema"], Value::Null);
        // The check itself, on a CRD that bypassed defaulting.
        let mut raw = decode_crd(&crd(TWO_VERSIONS)).unwrap();
        raw["spec"].as_object_mut().unwrap().remove("conversion");
        assert_eq!(
            crd_to_api_resource_schema(&raw, "v1")
                .unwrap_err()
                .to_string(),
            "error converting CRD: multiple versions specified for widgets.example.io but no conversion strategy"
        );
    }

    #[test]
    fn webhook_conversion_by_url_only() {
        let webhook = |client: &str| {
            crd(&format!(
                "{TWO_VERSIONS}  conversion:\n    strategy: Webhook\n    webhook:\n      conversionReviewVersions: [v1]\n{client}"
            ))
        };
        let s = convert(
            &webhook("      clientConfig:\n        url: https://conv.example.io\n        caBundle: Y2E=\n"),
            "v1",
        )
        .unwrap();
        assert_eq!(
            s["spec"]["conversion"],
            json!({"strategy": "Webhook", "webhook": {"clientConfig": {"url": "https://conv.example.io", "caBundle": "Y2E="}, "conversionReviewVersions": ["v1"]}})
        );
        let err = convert(
            &webhook("      clientConfig:\n        service:\n          name: conv\n          namespace: ns\n"),
            "v1",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "error converting CRD: webhooks that refer to services are not supported, please use URL instead"
        );
        let err = convert(
            &webhook("      clientConfig:\n        caBundle: Y2E=\n"),
            "v1",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "error converting CRD: webhooks URL must be set"
        );
        // Without a clientConfig the webhook is copied without one.
        let s = convert(&webhook(""), "v1").unwrap();
        assert_eq!(
            s["spec"]["conversion"]["webhook"],
            json!({"conversionReviewVersions": ["v1"]})
        );
        let err = convert(
            &crd(&format!(
                "{TWO_VERSIONS}  conversion:\n    strategy: Webhook\n"
            )),
            "v1",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "error converting CRD: conversion strategy Webhook requires spec.conversion.webhook"
        );
    }

    #[test]
    fn names_are_checked_client_side() {
        let err = convert(&crd(ONE_VERSION), "A").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"error converting CRD: metadata.name: Invalid value: "A.widgets.example.io": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
        );
        let long = "a".repeat(260);
        let err = convert(&crd(ONE_VERSION), &format!("{long}_"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("error converting CRD: [metadata.name: Invalid value: \""),
            "{err}"
        );
        assert!(
            err.contains(": must be no more than 253 characters, metadata.name:"),
            "{err}"
        );
        // A date prefix passes here (the server rejects it: it must start with a letter).
        assert!(convert(&crd(ONE_VERSION), "2022-05-07").is_ok());
    }

    #[test]
    fn documents_that_are_not_crds() {
        let err = decode_crd("apiVersion: v1\nkind: ConfigMap\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"no kind "ConfigMap" is registered for version "v1" in scheme "pkg/runtime/scheme.go:111""#
        );
        let err = decode_crd("metadata:\n  name: x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Object 'Kind' is missing in 'metadata:\n  name: x\n'"
        );
        let err = decode_crd("kind: CustomResourceDefinition\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Object 'apiVersion' is missing in 'kind: CustomResourceDefinition\n'"
        );
        let err =
            decode_crd("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinitionList\n")
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected type for CRD *v1.CustomResourceDefinitionList"
        );
        let err = decode_crd(&crd("  versions: 5\n")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "json: cannot unmarshal number into Go struct field CustomResourceDefinitionSpec.spec.versions of type []v1.CustomResourceDefinitionVersion"
        );
    }

    #[test]
    fn a_minimal_crd_keeps_go_s_zero_values() {
        let s = convert(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x\n",
            "v1",
        )
        .unwrap();
        assert_eq!(
            kcp_api::gojson::to_string(&s),
            r#"{"kind":"APIResourceSchema","apiVersion":"apis.kcp.io/v1alpha1","metadata":{"name":"v1.x"},"spec":{"group":"","names":{"plural":"","kind":""},"scope":"","versions":null,"conversion":{"strategy":"None"}}}"#
        );
    }

    #[test]
    fn aggregate_like_apimachinery() {
        assert_eq!(aggregate(&["a".into()]), "a");
        assert_eq!(aggregate(&["a".into(), "b".into(), "a".into()]), "[a, b]");
    }
}
