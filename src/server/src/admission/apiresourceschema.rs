//! APIResourceSchemas (`reference/kcp.md` §3.7), as kcp's `apis.kcp.io/APIResourceSchema`
//! plugin validates them on create and update: the name `<prefix>.<plural>.<group|core>`, the
//! API approval of protected groups, the group, the versions (unique DNS-1035 names, one
//! storage version, each schema a structural CRD schema), the names a CRD must have, and on
//! update an unchanged `spec`. A schema is a CRD in all but name, so the CRD rules are the
//! server's own ([`crate::crd`]).

use serde_json::Value;

use super::{annotation, error_list, forbidden, text};
use crate::errors::{ApiResult, FieldError, FieldPath};
use crate::registry::admission::{Attributes, Operation};
use crate::validation::{is_dns1035_label, is_dns1123_subdomain};
use kcp_api::keys::APIS_GROUP;

/// Kubernetes' own single-word groups: the only groups without a dot a schema may have.
const SINGLE_SEGMENT_GROUPS: [&str; 5] = ["apps", "batch", "extensions", "policy", "autoscaling"];

/// The annotation an API in a protected group must carry.
const API_APPROVED_ANNOTATION: &str = "api-approved.kubernetes.io";

/// The plugin: forbids an invalid schema, or a changed `spec`.
pub fn validate(attrs: &Attributes<'_>, obj: &Value) -> ApiResult<()> {
    if !attrs.is(APIS_GROUP, crate::apis::APIRESOURCESCHEMAS) {
        return Ok(());
    }
    let errs = match (attrs.operation, attrs.old) {
        (Operation::Update, Some(old)) => validate_schema_update(obj, old),
        _ => validate_schema(obj),
    };
    if errs.is_empty() {
        return Ok(());
    }
    Err(forbidden(attrs, &error_list(&errs)))
}

/// kcp's `ValidateAPIResourceSchema`.
pub fn validate_schema(schema: &Value) -> Vec<FieldError> {
    let spec = schema.get("spec").unwrap_or(&Value::Null);
    let mut errs = validate_name(
        text(schema, "/metadata/name"),
        spec,
        &FieldPath::new("metadata").child("name"),
    );
    errs.extend(validate_group_approval(
        text(spec, "/group"),
        annotation(schema, API_APPROVED_ANNOTATION),
    ));
    errs.extend(validate_spec(spec, &FieldPath::new("spec")));
    errs
}

/// kcp's `ValidateAPIResourceSchemaUpdate`: the schema is valid and its `spec` is immutable.
pub fn validate_schema_update(schema: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_schema(schema);
    let spec = schema.get("spec").unwrap_or(&Value::Null);
    if old.get("spec").unwrap_or(&Value::Null) != spec {
        errs.push(FieldError::invalid(
            &FieldPath::new("spec"),
            spec.clone(),
            "is immutable",
        ));
    }
    errs
}

/// The name ends in `.<plural>.<group>` (`core` for the core group), after a prefix of lower
/// case letters, digits and dashes starting with a letter. Nothing is said without a plural:
/// the names check says that.
fn validate_name(name: &str, spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let plural = text(spec, "/names/plural");
    if plural.is_empty() {
        return Vec::new();
    }
    let group = match text(spec, "/group") {
        "" => "core",
        g => g,
    };
    let suffix = format!(".{plural}.{group}");
    let Some(prefix) = name.strip_suffix(&suffix) else {
        return vec![FieldError::invalid(
            path,
            name,
            &format!("must end in {suffix}"),
        )];
    };
    if !is_name_prefix(prefix) {
        return vec![FieldError::invalid(
            path,
            name,
            &format!("must match ^[a-z]([-a-z0-9]*[a-z0-9])?$ in front of {suffix}"),
        )];
    }
    Vec::new()
}

/// `^[a-z]([-a-z0-9]*[a-z0-9])?$` (a DNS-1035 label without its length limit).
fn is_name_prefix(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_lowercase()
                && (last.is_ascii_lowercase() || last.is_ascii_digit())
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        }
        _ => false,
    }
}

/// Kubernetes' own groups (`*.k8s.io`, `*.kubernetes.io`) need the API approval annotation,
/// as kube's `IsProtectedCommunityGroup` and `GetAPIApprovalState` say.
fn validate_group_approval(group: &str, approval: Option<&str>) -> Vec<FieldError> {
    let protected = ["k8s.io", "kubernetes.io"]
        .iter()
        .any(|g| group == *g || group.ends_with(&format!(".{g}")));
    if !protected {
        return Vec::new();
    }
    let path = FieldPath::new("metadata")
        .child("annotations")
        .key(API_APPROVED_ANNOTATION);
    let approval = approval.unwrap_or("");
    if approval.is_empty() {
        return vec![FieldError::required(
            &path,
            &format!(
                "protected groups must have approval annotation {API_APPROVED_ANNOTATION:?}, see https://github.com/kubernetes/enhancements/pull/1111"
            ),
        )];
    }
    if approval.starts_with("unapproved") || is_absolute_url(approval) {
        return Vec::new();
    }
    vec![FieldError::invalid(
        &path,
        approval,
        &format!(
            "protected groups must have approval annotation {API_APPROVED_ANNOTATION:?} with either a URL or a reason starting with \"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111"
        ),
    )]
}

/// What Go's `url.ParseRequestURI` accepts with a scheme and a host: `scheme://host…`, the
/// scheme a letter then letters, digits, `+`, `-` or `.`, the host free of characters a host
/// may not hold, no control characters anywhere.
fn is_absolute_url(s: &str) -> bool {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return false;
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    scheme_ok
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || "-._~!$&'()*+,;=:[]%<>\"".contains(c) || !c.is_ascii())
}

/// kcp's `ValidateAPIResourceSchemaSpec`.
fn validate_spec(spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let group = text(spec, "/group");
    let group_path = path.child("group");
    // The core group is written as "" in a schema (its name says `core`).
    if group == "core" {
        errs.push(FieldError::invalid(
            &group_path,
            group,
            "must be empty string for the core group",
        ));
    } else if !group.is_empty() {
        let reasons = is_dns1123_subdomain(group);
        if !reasons.is_empty() {
            errs.push(FieldError::invalid(&group_path, group, &reasons.join(",")));
        } else if !group.contains('.') && !SINGLE_SEGMENT_GROUPS.contains(&group) {
            errs.push(FieldError::invalid(
                &group_path,
                group,
                "should be a domain with at least one dot",
            ));
        }
    }

    let versions = spec
        .get("versions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let versions_path = path.child("versions");
    let mut seen = std::collections::HashSet::new();
    let mut unique = true;
    for (i, version) in versions.iter().enumerate() {
        let name = text(version, "/name");
        unique &= seen.insert(name);
        let reasons = is_dns1035_label(name);
        if !reasons.is_empty() {
            errs.push(FieldError::invalid(
                &versions_path.index(i).child("name"),
                name,
                &reasons.join(","),
            ));
        }
        errs.extend(validate_version(version, &versions_path.index(i)));
    }
    let versions_value = || Value::Array(versions.to_vec());
    if !unique {
        errs.push(FieldError::invalid(
            &versions_path,
            versions_value(),
            "must contain unique version names",
        ));
    }
    if versions.iter().filter(|v| v["storage"] == true).count() != 1 {
        errs.push(FieldError::invalid(
            &versions_path,
            versions_value(),
            "must have exactly one version marked as storage version",
        ));
    }

    // A schema must name its kinds; a CRD's status may do without.
    let names = spec.get("names").unwrap_or(&Value::Null);
    let names_path = path.child("names");
    for field in ["plural", "singular", "kind", "listKind"] {
        if text(names, &format!("/{field}")).is_empty() {
            errs.push(FieldError::required(&names_path.child(field), ""));
        }
    }
    errs.extend(crate::crd::validate_crd_names(names, &names_path));
    errs
}

/// One version: its schema is there and is a structural CRD schema.
fn validate_version(version: &Value, path: &FieldPath) -> Vec<FieldError> {
    let schema_path = path.child("schema");
    match version.get("schema") {
        None | Some(Value::Null) => vec![FieldError::required(&schema_path, "")],
        Some(schema) => {
            crate::crd::validate_crd_schema(schema, &schema_path.child("openAPIV3Schema"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(name: &str, spec: Value) -> Value {
        json!({"apiVersion": "apis.kcp.io/v1alpha1", "kind": "APIResourceSchema",
               "metadata": {"name": name}, "spec": spec})
    }

    fn cowboys() -> Value {
        json!({
            "group": "wild.west",
            "names": {"plural": "cowboys", "singular": "cowboy", "kind": "Cowboy", "listKind": "CowboyList"},
            "scope": "Cluster",
            "versions": [{"name": "v1", "served": true, "storage": true,
                          "subresources": {"status": {}},
                          "schema": {"type": "object", "properties": {"spec": {"type": "object"}}}}],
        })
    }

    fn errs(v: &Value) -> Vec<String> {
        validate_schema(v).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_valid_schema_passes_with_any_letter_prefix() {
        for name in [
            "july.cowboys.wild.west",
            "v1.cowboys.wild.west",
            "v250827-717cfea84.cowboys.wild.west",
        ] {
            assert!(errs(&schema(name, cowboys())).is_empty(), "{name}");
        }
        let mut core = cowboys();
        core["group"] = json!("");
        assert!(errs(&schema("july.cowboys.core", core)).is_empty());
    }

    #[test]
    fn the_name_needs_the_suffix_and_a_letter_prefix() {
        assert_eq!(
            errs(&schema("v1.cowboys.wild.east", cowboys())),
            vec![
                r#"metadata.name: Invalid value: "v1.cowboys.wild.east": must end in .cowboys.wild.west"#
            ]
        );
        for name in [
            "2022-05-07.cowboys.wild.west",
            "may.2022.cowboys.wild.west",
            ".cowboys.wild.west",
        ] {
            let suffix = ".cowboys.wild.west";
            assert_eq!(
                errs(&schema(name, cowboys())),
                vec![format!(
                    "metadata.name: Invalid value: {name:?}: must match ^[a-z]([-a-z0-9]*[a-z0-9])?$ in front of {suffix}"
                )]
            );
        }
    }

    #[test]
    fn kcps_failing_example_fails_with_kcps_messages() {
        // kcp's pkg/admission/apiresourceschema/admission_test.go "can fail admission".
        let spec = json!({
            "group": "wild.west",
            "scope": "Clustered",
            "names": {"plural": "cowboys"},
            "versions": [
                {"name": "v1-rc17", "served": true, "storage": false},
                {"name": "v2", "served": true, "storage": true, "schema": {"type": "thing"}},
            ],
        });
        let got = errs(&schema("may.2022.cowboys.wild.west", spec));
        for want in [
            r#"metadata.name: Invalid value: "may.2022.cowboys.wild.west": must match ^[a-z]([-a-z0-9]*[a-z0-9])?$ in front of .cowboys.wild.west"#,
            "spec.versions[0].schema: Required value",
            r#"spec.versions[1].schema.openAPIV3Schema.type: Unsupported value: "thing": supported values: "array", "boolean", "integer", "number", "object", "string""#,
            r#"spec.versions[1].schema.openAPIV3Schema.type: Invalid value: "thing": must be object at the root"#,
            "spec.names.singular: Required value",
            "spec.names.kind: Required value",
            "spec.names.listKind: Required value",
        ] {
            assert!(got.iter().any(|g| g == want), "missing {want}\nin {got:#?}");
        }
    }

    #[test]
    fn group_rules() {
        let with_group = |g: &str| {
            let mut s = cowboys();
            s["group"] = json!(g);
            let group = if g.is_empty() { "core" } else { g };
            errs(&schema(&format!("v1.cowboys.{group}"), s))
        };
        assert_eq!(
            with_group("core"),
            vec![r#"spec.group: Invalid value: "core": must be empty string for the core group"#]
        );
        assert_eq!(
            with_group("west"),
            vec![r#"spec.group: Invalid value: "west": should be a domain with at least one dot"#]
        );
        assert!(with_group("apps").is_empty());
        assert_eq!(
            with_group("Wild.West"),
            vec![
                r#"spec.group: Invalid value: "Wild.West": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
            ]
        );
    }

    #[test]
    fn protected_groups_need_approval() {
        let mut s = cowboys();
        s["group"] = json!("gateway.networking.k8s.io");
        let name = "v1.cowboys.gateway.networking.k8s.io";
        assert_eq!(
            errs(&schema(name, s.clone())),
            vec![
                r#"metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111"#
            ]
        );
        let annotated = |v: &str| {
            let mut o = schema(name, s.clone());
            o["metadata"]["annotations"] = json!({API_APPROVED_ANNOTATION: v});
            errs(&o)
        };
        assert!(annotated("https://github.com/kubernetes-sigs/gateway-api/pull/1538").is_empty());
        assert!(annotated("unapproved, experimental").is_empty());
        assert_eq!(
            annotated("yes"),
            vec![
                r#"metadata.annotations[api-approved.kubernetes.io]: Invalid value: "yes": protected groups must have approval annotation "api-approved.kubernetes.io" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111"#
            ]
        );
    }

    #[test]
    fn versions_unique_named_and_one_storage() {
        let mut s = cowboys();
        let v = s["versions"][0].clone();
        let mut second = v.clone();
        second["name"] = json!("V2");
        s["versions"] = json!([v.clone(), v, second]);
        let got = errs(&schema("v1.cowboys.wild.west", s));
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(
            got[0].starts_with(r#"spec.versions[2].name: Invalid value: "V2": a DNS-1035 label"#),
            "{got:#?}"
        );
        assert!(
            got[1].starts_with("spec.versions: Invalid value: [")
                && got[1].ends_with("]: must contain unique version names"),
            "{got:#?}"
        );
        assert!(
            got[2].ends_with("]: must have exactly one version marked as storage version"),
            "{got:#?}"
        );
    }

    #[test]
    fn the_spec_is_immutable() {
        let old = schema("v1.cowboys.wild.west", cowboys());
        let mut new = old.clone();
        assert!(validate_schema_update(&new, &old).is_empty());
        new["metadata"]["labels"] = json!({"a": "b"});
        assert!(validate_schema_update(&new, &old).is_empty());
        new["spec"]["scope"] = json!("Namespaced");
        let got: Vec<String> = validate_schema_update(&new, &old)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(got.len(), 1);
        assert!(
            got[0].starts_with(r#"spec: Invalid value: {"group":"wild.west""#),
            "{got:?}"
        );
        assert!(got[0].ends_with(": is immutable"), "{got:?}");
    }
}
