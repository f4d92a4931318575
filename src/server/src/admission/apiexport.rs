//! APIExports (`reference/kcp.md` §3.8, §4.9), as kcp's `apis.kcp.io/APIExport` plugin
//! validates them on create and update, in either version: a resource's schema must be named
//! `<prefix>.<resource>.<group|core>`, and a permission claim needs an `identityHash` unless it
//! claims a built-in API or one of `apis.kcp.io`. A v1alpha1 export's annotations carrying what
//! v1alpha1 cannot say (`apis.v1alpha2.kcp.io/resource-schemas`, `…/permission-claims`) must
//! decode and agree with its spec.

use std::collections::HashSet;

use serde_json::Value;

use super::{annotation, forbidden};
use crate::errors::{ApiError, ApiResult, FieldError, FieldPath};
use crate::registry::admission::Attributes;
use kcp_api::apis::{conversion, v1alpha1, v1alpha2};
use kcp_api::keys::{APIS_GROUP, PERMISSION_CLAIMS_ANNOTATION, RESOURCE_SCHEMAS_ANNOTATION};

/// The built-in APIs a permission claim may name without an identity: those kcp's APIExport
/// virtual workspace serves from their built-in schemas, as `(group, resource)`.
const BUILT_IN_APIS: [(&str, &str); 24] = [
    ("", "namespaces"),
    ("", "configmaps"),
    ("", "events"),
    ("", "resourcequotas"),
    ("", "secrets"),
    ("", "serviceaccounts"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ("rbac.authorization.k8s.io", "roles"),
    ("rbac.authorization.k8s.io", "rolebindings"),
    ("certificates.k8s.io", "certificatesigningrequests"),
    ("coordination.k8s.io", "leases"),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
    ),
    ("events.k8s.io", "events"),
    ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicybindings",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
    ),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("core.kcp.io", "logicalclusters"),
    ("authorization.k8s.io", "subjectaccessreviews"),
    ("authorization.k8s.io", "localsubjectaccessreviews"),
    ("authentication.k8s.io", "tokenreviews"),
];

/// Whether `group`/`resource` is a built-in API that claims need no identity for.
pub fn is_built_in_api(group: &str, resource: &str) -> bool {
    BUILT_IN_APIS.contains(&(group, resource))
}

/// The plugin.
pub fn validate(attrs: &Attributes<'_>, obj: &Value) -> ApiResult<()> {
    if !attrs.is(APIS_GROUP, crate::apis::APIEXPORTS) {
        return Ok(());
    }
    let undecodable = |e: serde_json::Error| {
        ApiError::bad_request(format!("failed to convert unstructured to APIExport: {e}"))
    };
    match attrs.def.version {
        "v1alpha1" => {
            let export: v1alpha1::APIExport =
                serde_json::from_value(obj.clone()).map_err(undecodable)?;
            // What v1alpha1 cannot say rides in annotations: they must make sense first.
            overhanging_resource_schemas(obj, &export)
                .and_then(|()| overhanging_permission_claims(obj, &export))
                .map_err(|e| forbidden(attrs, &e.to_string()))?;
            // An export v1alpha2 cannot hold is refused by the write's own conversion (400).
            match conversion::export_to_v1alpha2(&export) {
                Ok(v2) => validate_v1alpha2(attrs, &v2.spec),
                Err(_) => Ok(()),
            }
        }
        "v1alpha2" => {
            let export: v1alpha2::APIExport =
                serde_json::from_value(obj.clone()).map_err(undecodable)?;
            validate_v1alpha2(attrs, &export.spec)
        }
        other => {
            let version = format!("{APIS_GROUP}/{other}");
            let e = FieldError::invalid(
                &FieldPath::new("apiVersion"),
                version.as_str(),
                &format!("unsupported API version {version}"),
            );
            Err(forbidden(attrs, &e.to_string()))
        }
    }
}

/// The checks both versions share, on the v1alpha2 spec; the first failure is the answer.
fn validate_v1alpha2(attrs: &Attributes<'_>, spec: &v1alpha2::APIExportSpec) -> ApiResult<()> {
    for (i, claim) in spec.permission_claims.iter().enumerate() {
        if claim.identity_hash.is_empty()
            && !is_built_in_api(&claim.group, &claim.resource)
            && claim.group != APIS_GROUP
        {
            let path = FieldPath::new("spec")
                .child("permissionClaims")
                .index(i)
                .child("identityHash");
            let e = FieldError::invalid(
                &path,
                "",
                "identityHash is required for API types that are not built-in",
            );
            return Err(forbidden(attrs, &e.to_string()));
        }
    }
    for (i, resource) in spec.resources.iter().enumerate() {
        let path = FieldPath::new("spec").child("resources").index(i);
        if let Err(e) = validate_resource_schema(resource, &path) {
            return Err(forbidden(attrs, &e.to_string()));
        }
    }
    Ok(())
}

/// A resource's schema is named `<prefix>.<resource>.<group>` (`core` for the core group).
fn validate_resource_schema(
    resource: &v1alpha2::ResourceSchema,
    path: &FieldPath,
) -> Result<(), FieldError> {
    let group = if resource.group.is_empty() {
        "core"
    } else {
        resource.group.as_str()
    };
    let suffix = format!(".{}.{group}", resource.name);
    if resource.schema.ends_with(&suffix) {
        return Ok(());
    }
    Err(FieldError::invalid(
        &path.child("schema"),
        resource.schema.as_str(),
        &format!("must end in {suffix}"),
    ))
}

fn annotation_path(key: &str) -> FieldPath {
    FieldPath::new("metadata").child("annotations").key(key)
}

/// The entries of an annotation holding a JSON list of objects, as Go decodes it into a slice
/// of structs (`null` entries are zero values); `None` when it is not such a list.
pub(super) fn json_list(raw: &str) -> Option<Vec<Value>> {
    let list: Vec<Value> = serde_json::from_str(raw).ok()?;
    list.into_iter()
        .map(|v| match v {
            Value::Null => Some(Value::Object(Default::default())),
            Value::Object(_) => Some(v),
            _ => None,
        })
        .collect()
}

fn field<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The v1alpha2 resources a v1alpha1 export carries in an annotation decode, and no schema is
/// named twice among them and `spec.latestResourceSchemas`.
fn overhanging_resource_schemas(
    obj: &Value,
    export: &v1alpha1::APIExport,
) -> Result<(), FieldError> {
    let Some(raw) = annotation(obj, RESOURCE_SCHEMAS_ANNOTATION) else {
        return Ok(());
    };
    let path = annotation_path(RESOURCE_SCHEMAS_ANNOTATION);
    let overhanging = json_list(raw).ok_or_else(|| {
        FieldError::invalid(&path, raw, "failed to decode overhanging resource schemas")
    })?;
    let latest = &export.spec.latest_resource_schemas;
    if latest
        .iter()
        .any(|s| kcp_api::apis::split_schema_name(s).is_none())
    {
        return Err(FieldError::invalid(
            &FieldPath::new("spec").child("latestResourceSchemas"),
            serde_json::json!(latest),
            "failed to convert spec.LatestResourceSchema",
        ));
    }
    let mut seen = HashSet::new();
    let names = overhanging
        .iter()
        .map(|rs| field(rs, "schema"))
        .chain(latest.iter().map(String::as_str));
    for schema in names {
        if !seen.insert(schema) {
            return Err(FieldError::invalid(&path, raw, "duplicate resource schema"));
        }
    }
    Ok(())
}

/// The v1alpha2 claims a v1alpha1 export carries in an annotation decode, and each is one of
/// `spec.permissionClaims` (same group, resource and identity).
fn overhanging_permission_claims(
    obj: &Value,
    export: &v1alpha1::APIExport,
) -> Result<(), FieldError> {
    let Some(raw) = annotation(obj, PERMISSION_CLAIMS_ANNOTATION) else {
        return Ok(());
    };
    let path = annotation_path(PERMISSION_CLAIMS_ANNOTATION);
    let overhanging = json_list(raw).ok_or_else(|| {
        FieldError::invalid(&path, raw, "failed to decode overhanging permission claims")
    })?;
    claims_match(&overhanging, &export.spec.permission_claims).map_err(|()| {
        FieldError::invalid(
            &path,
            raw,
            "permission claims defined in annotation do not match permission claims defined in spec",
        )
    })
}

/// Every claim of an annotation (JSON objects) is one of `spec` (by group, resource, identity).
pub(super) fn claims_match(
    overhanging: &[Value],
    spec: &[v1alpha1::PermissionClaim],
) -> Result<(), ()> {
    let all_found = overhanging.iter().all(|o| {
        spec.iter().any(|pc| {
            pc.group == field(o, "group")
                && pc.resource == field(o, "resource")
                && pc.identity_hash == field(o, "identityHash")
        })
    });
    if all_found { Ok(()) } else { Err(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalogs;
    use crate::registry::admission::Operation;
    use serde_json::json;

    fn check(version: &str, obj: Value) -> Result<(), String> {
        let catalogs = Catalogs::new(crate::options::Profile::Kcp, &Default::default());
        let def = catalogs
            .base()
            .lookup(APIS_GROUP, version, "apiexports")
            .expect("apiexports served")
            .clone();
        let attrs = Attributes {
            operation: Operation::Create,
            cluster: "root",
            def: &def,
            subresource: "",
            name: "cool-something",
            old: None,
            dry_run: false,
        };
        validate(&attrs, &obj).map_err(|e| {
            assert_eq!((e.code, e.reason), (403, "Forbidden"));
            e.message
        })
    }

    fn v2(spec: Value) -> Value {
        json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIExport",
               "metadata": {"name": "cool-something"}, "spec": spec})
    }

    #[test]
    fn claims_of_other_apis_need_an_identity() {
        assert_eq!(
            check("v1alpha2", v2(json!({"permissionClaims": [
                {"group": "", "resource": "configmaps", "verbs": ["*"]},
                {"group": "imnot", "resource": "builtin", "verbs": ["*"]},
            ]}))),
            Err(r#"apiexports.apis.kcp.io "cool-something" is forbidden: spec.permissionClaims[1].identityHash: Invalid value: "": identityHash is required for API types that are not built-in"#.into())
        );
        for ok in [
            json!({"group": "some", "resource": "somethings", "identityHash": "h", "verbs": ["get"]}),
            json!({"group": "apis.kcp.io", "resource": "apibindings", "verbs": ["get"]}),
            json!({"group": "core.kcp.io", "resource": "logicalclusters", "verbs": ["get"]}),
            json!({"group": "rbac.authorization.k8s.io", "resource": "roles", "verbs": ["get"]}),
        ] {
            assert_eq!(
                check("v1alpha2", v2(json!({"permissionClaims": [ok]}))),
                Ok(())
            );
        }
        assert!(!is_built_in_api("tenancy.kcp.io", "workspaces"));
    }

    #[test]
    fn a_resources_schema_ends_in_its_resource_and_group() {
        assert_eq!(
            check("v1alpha2", v2(json!({"resources": [
                {"name": "foo", "group": "bar", "schema": "this.is.invalid", "storage": {"crd": {}}},
            ]}))),
            Err(r#"apiexports.apis.kcp.io "cool-something" is forbidden: spec.resources[0].schema: Invalid value: "this.is.invalid": must end in .foo.bar"#.into())
        );
        // The group may hold the dots: kcp's "ValidResourceSchemaName".
        assert_eq!(
            check(
                "v1alpha2",
                v2(json!({"resources": [
                    {"name": "wild.wild.west", "group": "sheriffs", "schema": "today.wild.wild.west.sheriffs", "storage": {"crd": {}}},
                    {"name": "configmaps", "group": "", "schema": "v1.configmaps.core", "storage": {"crd": {}}},
                ]}))
            ),
            Ok(())
        );
    }

    fn v1(annotations: Value, spec: Value) -> Value {
        json!({"apiVersion": "apis.kcp.io/v1alpha1", "kind": "APIExport",
               "metadata": {"name": "cool-something", "annotations": annotations}, "spec": spec})
    }

    #[test]
    fn v1alpha1_overhanging_resource_schemas() {
        let key = RESOURCE_SCHEMAS_ANNOTATION;
        let forbidden = |why: &str, raw: &str| {
            Err(format!(
                r#"apiexports.apis.kcp.io "cool-something" is forbidden: metadata.annotations[{key}]: Invalid value: {raw:?}: {why}"#
            ))
        };
        assert_eq!(
            check("v1alpha1", v1(json!({key: "invalid json"}), json!({}))),
            forbidden(
                "failed to decode overhanging resource schemas",
                "invalid json"
            )
        );
        assert_eq!(
            check("v1alpha1", v1(json!({key: "{}"}), json!({}))),
            forbidden("failed to decode overhanging resource schemas", "{}")
        );
        assert_eq!(check("v1alpha1", v1(json!({key: "[]"}), json!({}))), Ok(()));
        let one = r#"[{"name":"test","group":"schema","schema":"v1.test.schema","storage":{"virtual":{"reference":{"kind":"K","name":"n"},"identityHash":"h"}}}]"#;
        assert_eq!(
            check(
                "v1alpha1",
                v1(
                    json!({key: one}),
                    json!({"latestResourceSchemas": ["v1.test.schema"]})
                )
            ),
            forbidden("duplicate resource schema", one)
        );
        assert_eq!(
            check(
                "v1alpha1",
                v1(
                    json!({key: one}),
                    json!({"latestResourceSchemas": ["v1.a.schema", "v1.b.schema"]})
                )
            ),
            Ok(())
        );
        // The v1alpha2 checks apply to a v1alpha1 export too.
        assert!(
            check("v1alpha1", v1(json!({}), json!({"permissionClaims": [{"group": "x.io", "resource": "things", "all": true}]})))
                .unwrap_err()
                .ends_with("spec.permissionClaims[0].identityHash: Invalid value: \"\": identityHash is required for API types that are not built-in")
        );
    }

    #[test]
    fn v1alpha1_overhanging_permission_claims() {
        let key = PERMISSION_CLAIMS_ANNOTATION;
        let claims = r#"[{"group":"foo","resource":"bar","identityHash":"baz","verbs":["get"]}]"#;
        let spec = json!({"permissionClaims": [{"group": "foo", "resource": "bar", "identityHash": "baz", "all": true}]});
        assert_eq!(check("v1alpha1", v1(json!({key: claims}), spec)), Ok(()));
        let other = json!({"permissionClaims": [{"group": "foo", "resource": "baz", "identityHash": "baz", "all": true}]});
        assert_eq!(
            check("v1alpha1", v1(json!({key: claims}), other)),
            Err(format!(
                r#"apiexports.apis.kcp.io "cool-something" is forbidden: metadata.annotations[{key}]: Invalid value: {claims:?}: permission claims defined in annotation do not match permission claims defined in spec"#
            ))
        );
    }
}
