use std::path::{Path, PathBuf};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinitionVersion, CustomResourceSubresourceStatus, CustomResourceValidation,
    ServiceReference, WebhookClientConfig, WebhookConversion,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::json;

use super::*;
use crate::projection::{self, ProjectionRules, VersionSelection};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The inputs of `testdata/arshash/vectors.txt`, in the order the Go program reads them.
fn vector_inputs() -> Vec<PathBuf> {
    let root = manifest_dir();
    let mut files = Vec::new();
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, files);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                files.push(p);
            }
        }
    }
    walk(&root.join("../../e2e/testdata/crds"), &mut files);
    files.push(root.join("testdata/arshash/edge-cases.yaml"));
    files
}

/// Every CRD of a multi-document YAML file, defaulted as the API server does.
fn read_crds(path: &Path) -> Vec<CustomResourceDefinition> {
    let text = std::fs::read_to_string(path).expect("read yaml");
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    docs.into_iter()
        .filter(|d| d["kind"] == "CustomResourceDefinition")
        .map(|d| {
            let mut crd: CustomResourceDefinition =
                serde_json::from_value(d).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            projection::set_crd_spec_defaults(&mut crd.spec);
            crd
        })
        .collect()
}

/// The Go agent's names for the real-world CRDs of `e2e/testdata/crds` and the hand-written
/// edge cases (`testdata/arshash/`, regenerate with its README's command): every one matches.
#[test]
fn schema_names_match_the_go_agent() {
    let vectors = std::fs::read_to_string(manifest_dir().join("testdata/arshash/vectors.txt"))
        .expect("vectors.txt");
    let expected: Vec<(&str, &str)> = vectors
        .lines()
        .map(|l| l.split_once(' ').expect("<crd name> <schema name>"))
        .collect();

    let dump = std::env::var_os("ARSHASH_DUMP").map(PathBuf::from);
    let mut actual = Vec::new();
    for file in vector_inputs() {
        for crd in read_crds(&file) {
            let name = crd.metadata.name.clone().expect("crd name");
            if let Some(dir) = &dump {
                std::fs::write(dir.join(format!("{name}.json")), spec_json(&crd.spec))
                    .expect("dump");
            }
            // what the agent reads back from the API server is JSON: same name
            let reread: CustomResourceDefinition =
                serde_json::from_str(&serde_json::to_string(&crd).unwrap()).unwrap();
            assert_eq!(schema_name(&reread), schema_name(&crd), "{name}");
            actual.push((name, schema_name(&crd)));
        }
    }

    let mismatches: Vec<String> = expected
        .iter()
        .zip(&actual)
        .filter(|((en, es), (an, asn))| en != an || es != asn)
        .map(|((en, es), (an, asn))| format!("{en} {es} (go) != {an} {asn} (rust)"))
        .collect();
    assert_eq!(expected.len(), actual.len(), "number of CRDs");
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        expected.len(),
        mismatches.join("\n")
    );
    assert_eq!(actual.len(), 39);
}

fn thing_crd() -> CustomResourceDefinition {
    CustomResourceDefinition {
        metadata: ObjectMeta {
            name: Some("things.example.com".to_owned()),
            generation: Some(7),
            ..Default::default()
        },
        spec: CustomResourceDefinitionSpec {
            group: "example.com".to_owned(),
            scope: "Namespaced".to_owned(),
            names: CustomResourceDefinitionNames {
                plural: "things".to_owned(),
                singular: Some("thing".to_owned()),
                kind: "Thing".to_owned(),
                list_kind: Some("ThingList".to_owned()),
                ..Default::default()
            },
            versions: vec![
                CustomResourceDefinitionVersion {
                    name: "v1".to_owned(),
                    served: true,
                    storage: true,
                    schema: Some(CustomResourceValidation {
                        open_api_v3_schema: Some(JSONSchemaProps {
                            type_: Some("object".to_owned()),
                            ..Default::default()
                        }),
                    }),
                    subresources: Some(CustomResourceSubresources {
                        status: Some(CustomResourceSubresourceStatus(json!({}))),
                        scale: None,
                    }),
                    ..Default::default()
                },
                CustomResourceDefinitionVersion {
                    name: "v2".to_owned(),
                    served: false,
                    storage: false,
                    ..Default::default()
                },
            ],
            conversion: Some(CustomResourceConversion {
                strategy: "None".to_owned(),
                webhook: None,
            }),
            preserve_unknown_fields: None,
        },
        status: None,
    }
}

#[test]
fn spec_json_is_gos_encoding_without_conversion() {
    let crd = thing_crd();
    let want = concat!(
        r#"{"group":"example.com","names":{"plural":"things","singular":"thing","kind":"Thing","listKind":"ThingList"},"#,
        r#""scope":"Namespaced","versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}},"#,
        r#""subresources":{"status":{}}},{"name":"v2","served":false,"storage":false}]}"#,
        "\n"
    );
    assert_eq!(spec_json(&crd.spec), want);
    // conversion does not change the name
    let mut without = crd.clone();
    without.spec.conversion = None;
    assert_eq!(schema_name(&without), schema_name(&crd));
    assert!(schema_name(&crd).starts_with('v'));
    assert!(schema_name(&crd).ends_with(".things.example.com"));
    assert_eq!(
        schema_name(&crd).len(),
        "v12345678.things.example.com".len()
    );
    // SHA-1 of those exact bytes
    let digest = Sha1::digest(want.as_bytes());
    assert_eq!(
        &schema_name(&crd)[1..9],
        &format!(
            "{:02x}{:02x}{:02x}{:02x}",
            digest[0], digest[1], digest[2], digest[3]
        )
    );
}

#[test]
fn encode_spec_writes_the_conversion() {
    let mut crd = thing_crd();
    crd.spec.conversion = Some(CustomResourceConversion {
        strategy: "Webhook".to_owned(),
        webhook: Some(WebhookConversion {
            client_config: Some(WebhookClientConfig {
                url: Some("https://x/convert".to_owned()),
                service: Some(ServiceReference {
                    name: "svc".to_owned(),
                    namespace: "ns".to_owned(),
                    path: None,
                    port: Some(443),
                }),
                ca_bundle: Some(k8s_openapi::ByteString(b"ca".to_vec())),
            }),
            conversion_review_versions: vec!["v1".to_owned()],
        }),
    });
    crd.spec.preserve_unknown_fields = Some(true);
    let encoded = encode_spec(&crd.spec);
    assert!(
        encoded.ends_with(concat!(
            r#""conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"url":"https://x/convert","#,
            r#""service":{"namespace":"ns","name":"svc","port":443},"caBundle":"Y2E="},"#,
            r#""conversionReviewVersions":["v1"]}},"preserveUnknownFields":true}"#,
            "\n"
        )),
        "{encoded}"
    );
    assert!(!spec_json(&crd.spec).contains("conversion"));
}

#[test]
fn projection_changes_the_name() {
    let crd = thing_crd();
    let rules = ProjectionRules {
        group: "kcp.example.com".to_owned(),
        kind: "Gizmo".to_owned(),
        ..Default::default()
    };
    let projected =
        projection::project_crd(&crd, &VersionSelection::default(), Some(&rules)).unwrap();
    let name = schema_name(&projected);
    assert!(name.ends_with(".gizmos.kcp.example.com"), "{name}");
    assert_ne!(&name[..9], &schema_name(&crd)[..9]);
}

#[test]
fn schema_object() {
    let crd = thing_crd();
    let name = schema_name(&crd);
    let ars = create_api_resource_schema(&crd, &name, "my-agent").unwrap();
    let v = serde_json::to_value(&ars).unwrap();
    assert_eq!(v["apiVersion"], "apis.kcp.io/v1alpha1");
    assert_eq!(v["kind"], "APIResourceSchema");
    assert_eq!(v["metadata"]["name"], name.as_str());
    assert_eq!(
        v["metadata"]["labels"],
        json!({"syncagent.kcp.io/agent-name": "my-agent"})
    );
    assert_eq!(
        v["metadata"]["annotations"],
        json!({
            "syncagent.kcp.io/agent-name": "my-agent",
            "syncagent.kcp.io/source-generation": "7",
        })
    );
    assert_eq!(
        v["spec"],
        json!({
            "group": "example.com",
            "names": {"plural": "things", "singular": "thing", "kind": "Thing", "listKind": "ThingList"},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1", "served": true, "storage": true, "schema": {"type": "object"},
                 "subresources": {"status": {}}},
                {"name": "v2", "served": false, "storage": false, "schema": null, "subresources": {}},
            ],
            "conversion": {"strategy": "None"},
        })
    );

    // one version: no conversion
    let mut single = crd.clone();
    single.spec.versions.truncate(1);
    single.metadata.generation = None;
    let ars = create_api_resource_schema(&single, &schema_name(&single), "a").unwrap();
    assert_eq!(ars.spec.conversion, None);
    assert_eq!(
        ars.annotation(SOURCE_GENERATION_ANNOTATION),
        Some("0"),
        "Go prints the zero generation"
    );
}

#[test]
fn schema_object_errors() {
    let mut crd = thing_crd();
    crd.spec.conversion = None;
    assert_eq!(
        create_api_resource_schema(&crd, "n", "a")
            .unwrap_err()
            .to_string(),
        "failed to convert CRD: multiple versions specified for things.example.com but no conversion strategy"
    );

    let mut crd = thing_crd();
    crd.metadata.name = Some("Things.example.com".to_owned());
    assert_eq!(
        create_api_resource_schema(&crd, "n", "a")
            .unwrap_err()
            .to_string(),
        "failed to convert CRD: metadata.name: Invalid value: \"irrelevant.Things.example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    );

    let mut crd = thing_crd();
    crd.spec.conversion = Some(CustomResourceConversion {
        strategy: "Webhook".to_owned(),
        webhook: Some(WebhookConversion {
            client_config: Some(WebhookClientConfig::default()),
            conversion_review_versions: vec![],
        }),
    });
    assert_eq!(
        create_api_resource_schema(&crd, "n", "a").unwrap_err(),
        SchemaError::WebhookUrl
    );
}

#[test]
fn dns1123_subdomain() {
    assert!(dns1123_subdomain_problems("irrelevant.things.example.com").is_empty());
    assert!(dns1123_subdomain_problems("a-b.c1").is_empty());
    for bad in ["", "a..b", "-a", "a-", "a_b", "A", "a."] {
        assert_eq!(dns1123_subdomain_problems(bad).len(), 1, "{bad:?}");
    }
    assert_eq!(dns1123_subdomain_problems(&"a".repeat(254)).len(), 1);
}
