//! apis.kcp.io: APIExport and APIBinding are served in v1alpha1 and v1alpha2 and stored in
//! v1alpha2, converted by kcp-api's lossless conversion functions (`kcp_api::apis::conversion`,
//! which carry what one version cannot say in `apis.v1alpha2.kcp.io/*` annotations).
//!
//! The typed conversion rewrites `spec`, `status` and `metadata.annotations`; the rest of the
//! object is kept as it is, so metadata (managed fields, timestamps) never goes through a typed
//! round trip.

use kcp_api::apis::conversion;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub const V1ALPHA1: &str = "apis.kcp.io/v1alpha1";
pub const V1ALPHA2: &str = "apis.kcp.io/v1alpha2";

/// Whether a resource of `apis.kcp.io` has versions to convert between.
pub fn converts(group: &str, resource: &str) -> bool {
    group == kcp_api::keys::APIS_GROUP && matches!(resource, "apiexports" | "apibindings")
}

/// The [`super::Converter`] of APIExports and APIBindings.
pub fn convert(obj: &mut Value, to: &str) -> Result<(), String> {
    let from = super::api_version_of(obj);
    if from == to {
        return Ok(());
    }
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    match (kind, from, to) {
        ("APIExport", V1ALPHA1, V1ALPHA2) => typed(obj, conversion::export_to_v1alpha2),
        ("APIExport", V1ALPHA2, V1ALPHA1) => typed(obj, conversion::export_to_v1alpha1),
        ("APIBinding", V1ALPHA1, V1ALPHA2) => typed(obj, conversion::binding_to_v1alpha2),
        ("APIBinding", V1ALPHA2, V1ALPHA1) => typed(obj, conversion::binding_to_v1alpha1),
        _ => Err(format!("no conversion of {kind} from {from:?} to {to:?}")),
    }
}

/// Converts through kcp-api's types; see the module doc for what is taken from the result.
fn typed<A: DeserializeOwned, B: Serialize>(
    obj: &mut Value,
    f: fn(&A) -> Result<B, conversion::ConversionError>,
) -> Result<(), String> {
    let input: A = serde_json::from_value(obj.clone()).map_err(|e| e.to_string())?;
    let output =
        serde_json::to_value(f(&input).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let (Some(o), Value::Object(mut out)) = (obj.as_object_mut(), output) else {
        return Err("not an object".into());
    };
    for field in ["apiVersion", "spec", "status"] {
        match out.remove(field) {
            // The types default an absent spec or status to an empty one: keep it absent.
            Some(Value::Object(m)) if m.is_empty() && !o.contains_key(field) => {}
            Some(v) => {
                o.insert(field.into(), v);
            }
            None => {
                o.remove(field);
            }
        }
    }
    let annotations = out
        .get_mut("metadata")
        .and_then(|m| m.as_object_mut())
        .and_then(|m| m.remove("annotations"));
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        match annotations {
            Some(a) => meta.insert("annotations".into(), a),
            None => meta.remove("annotations"),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_tutorials_v1alpha1_export_keeps_its_schemas_in_v1alpha2() {
        let mut v = json!({"apiVersion": V1ALPHA1, "kind": "APIExport",
            "metadata": {"name": "certs-v1", "uid": "u",
                "managedFields": [{"manager": "kubectl", "operation": "Apply",
                    "apiVersion": V1ALPHA1}]},
            "spec": {"latestResourceSchemas": ["v1.certificates.cert-manager.io"]}});
        let original = v.clone();
        convert(&mut v, V1ALPHA2).unwrap();
        assert_eq!(
            v,
            json!({"apiVersion": V1ALPHA2, "kind": "APIExport",
                "metadata": original["metadata"].clone(),
                "spec": {"resources": [{"name": "certificates", "group": "cert-manager.io",
                    "schema": "v1.certificates.cert-manager.io", "storage": {"crd": {}}}]}})
        );
        convert(&mut v, V1ALPHA1).unwrap();
        assert_eq!(v, original);
    }

    #[test]
    fn a_core_schema_has_the_empty_group() {
        let mut v = json!({"apiVersion": V1ALPHA1, "kind": "APIExport", "metadata": {"name": "x"},
            "spec": {"latestResourceSchemas": ["today.configmaps.core"]}});
        convert(&mut v, V1ALPHA2).unwrap();
        assert_eq!(v["spec"]["resources"][0]["group"], "");
        assert_eq!(v["spec"]["resources"][0]["name"], "configmaps");
    }

    #[test]
    fn a_bad_schema_name_does_not_convert() {
        let mut v = json!({"apiVersion": V1ALPHA1, "kind": "APIExport", "metadata": {"name": "x"},
            "spec": {"latestResourceSchemas": ["nodots"]}});
        let e = convert(&mut v, V1ALPHA2).unwrap_err();
        assert!(e.contains("nodots"), "{e}");
    }

    #[test]
    fn virtual_resources_and_verbs_ride_in_annotations_through_v1alpha1() {
        let v2 = json!({"apiVersion": V1ALPHA2, "kind": "APIExport", "metadata": {"name": "x"},
        "spec": {
            "resources": [
                {"name": "widgets", "group": "example.com",
                    "schema": "v1.widgets.example.com", "storage": {"crd": {}}},
                {"name": "gadgets", "group": "example.com",
                    "schema": "v1.gadgets.example.com", "storage": {"virtual": {
                        "reference": {"apiGroup": "example.com", "kind": "Thing", "name": "t"},
                        "identityHash": "abc"}}},
            ],
            "permissionClaims": [{"resource": "configmaps",
                "verbs": ["get", "list"]}],
        }});
        let mut v1 = v2.clone();
        convert(&mut v1, V1ALPHA1).unwrap();
        assert_eq!(
            v1["spec"]["latestResourceSchemas"],
            json!(["v1.widgets.example.com"])
        );
        let annotations = v1["metadata"]["annotations"].as_object().unwrap();
        assert!(annotations.contains_key("apis.v1alpha2.kcp.io/resource-schemas"));
        assert!(annotations.contains_key("apis.v1alpha2.kcp.io/permission-claims"));
        let mut back = v1;
        convert(&mut back, V1ALPHA2).unwrap();
        assert_eq!(back["spec"], v2["spec"]);
        // The v1alpha1 claims are remembered for the way back, as kcp does.
        assert!(
            back["metadata"]["annotations"]
                .get("apis.v1alpha2.kcp.io/v1alpha1-permission-claims")
                .is_some()
        );
    }

    #[test]
    fn bindings_convert_their_claims() {
        let v1 = json!({"apiVersion": V1ALPHA1, "kind": "APIBinding", "metadata": {"name": "b"},
            "spec": {"reference": {"export": {"path": "root", "name": "e"}},
                "permissionClaims": [{"resource": "configmaps", "all": true,
                    "state": "Accepted"}]}});
        let mut v2 = v1.clone();
        convert(&mut v2, V1ALPHA2).unwrap();
        assert_eq!(
            v2["spec"]["permissionClaims"],
            json!([{"resource": "configmaps", "verbs": ["*"], "selector": {"matchAll": true},
                "state": "Accepted"}])
        );
        convert(&mut v2, V1ALPHA1).unwrap();
        assert_eq!(v2, v1);
    }
}
