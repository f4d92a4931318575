//! A CustomResourceDefinition as an APIResourceSchema (`reference/kcp.md` §3.7, kcp's
//! `CRDToAPIResourceSchema`): named `<prefix>.<crd name>`, with the CRD's group, names, scope
//! and conversion, and each version copied field by field with its `openAPIV3Schema` as the raw
//! schema. `kubectl kcp crd snapshot` and the server's bootstrap of root's schemas share it.

use serde_json::{Map, Value, json};

/// The APIResourceSchema of a CRD (as JSON, in the order kcp lists the fields), or why the CRD
/// cannot become one. The name is not checked here.
pub fn schema_from_crd(crd: &Value, prefix: &str) -> Result<Value, String> {
    let crd_name = crd["metadata"]["name"].as_str().unwrap_or_default();
    let spec = &crd["spec"];
    let mut schema_spec = Map::new();
    schema_spec.insert("group".into(), spec["group"].clone());
    schema_spec.insert("names".into(), spec["names"].clone());
    schema_spec.insert("scope".into(), spec["scope"].clone());

    let versions = spec["versions"].as_array();
    let conversion = spec.get("conversion").filter(|c| !c.is_null());
    if versions.is_some_and(|v| v.len() > 1) && conversion.is_none() {
        return Err(format!(
            "multiple versions specified for {crd_name} but no conversion strategy"
        ));
    }
    if let Some(conversion) = conversion {
        schema_spec.insert("conversion".into(), convert_conversion(conversion)?);
    }
    let versions = versions.map(|versions| {
        versions
            .iter()
            .map(|v| {
                let mut out = Map::new();
                for field in [
                    "name",
                    "served",
                    "storage",
                    "deprecated",
                    "deprecationWarning",
                ] {
                    if let Some(x) = v.get(field) {
                        out.insert(field.into(), x.clone());
                    }
                }
                out.insert(
                    "schema".into(),
                    v["schema"]
                        .get("openAPIV3Schema")
                        .cloned()
                        .unwrap_or(Value::Null),
                );
                for field in [
                    "subresources",
                    "additionalPrinterColumns",
                    "selectableFields",
                ] {
                    if let Some(x) = v.get(field) {
                        out.insert(field.into(), x.clone());
                    }
                }
                Value::Object(out)
            })
            .collect::<Vec<_>>()
    });
    schema_spec.insert(
        "versions".into(),
        versions.map_or(Value::Null, Value::Array),
    );
    Ok(json!({
        "kind": "APIResourceSchema",
        "apiVersion": "apis.kcp.io/v1alpha1",
        "metadata": {"name": format!("{prefix}.{crd_name}")},
        "spec": schema_spec,
    }))
}

/// The CRD's conversion, with a webhook only by URL.
fn convert_conversion(conversion: &Value) -> Result<Value, String> {
    let strategy = conversion["strategy"].clone();
    let mut out = Map::new();
    out.insert("strategy".into(), strategy.clone());
    if strategy == "Webhook" {
        // kcp dereferences a missing webhook and crashes; a clear error instead.
        let Some(webhook) = conversion.get("webhook").filter(|w| !w.is_null()) else {
            return Err("conversion strategy Webhook requires spec.conversion.webhook".into());
        };
        let mut w = Map::new();
        w.insert(
            "conversionReviewVersions".into(),
            webhook["conversionReviewVersions"].clone(),
        );
        if let Some(client) = webhook.get("clientConfig").filter(|c| !c.is_null()) {
            if client.get("service").is_some_and(|s| !s.is_null()) {
                return Err(
                    "webhooks that refer to services are not supported, please use URL instead"
                        .into(),
                );
            }
            let Some(url) = client.get("url").filter(|u| !u.is_null()) else {
                return Err("webhooks URL must be set".into());
            };
            let mut c = Map::new();
            c.insert("url".into(), url.clone());
            if let Some(ca) = client.get("caBundle") {
                c.insert("caBundle".into(), ca.clone());
            }
            w.insert("clientConfig".into(), Value::Object(c));
        }
        out.insert("webhook".into(), Value::Object(w));
    }
    Ok(Value::Object(out))
}
