//! APIExports and APIBindings in both served versions of apis.kcp.io: written in one, read,
//! watched and applied in the other, converted losslessly through kcp-api's conversion.

use e2e::Kcp;

const TUTORIAL_EXPORT: &str = r#"
apiVersion: apis.kcp.io/v1alpha1
kind: APIExport
metadata:
  name: certs-v1
spec:
  latestResourceSchemas:
    - v1.certificates.cert-manager.io
"#;

const EXPORTS_V1ALPHA2: &str = "/clusters/root/apis/apis.kcp.io/v1alpha2/apiexports";

/// The events of a finished watch response: one JSON object, or lines of them.
fn watch_events(body: &serde_json::Value) -> Vec<serde_json::Value> {
    match body.as_str() {
        Some(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).expect("a watch event"))
            .collect(),
        None if body.is_object() => vec![body.clone()],
        None => Vec::new(),
    }
}

#[test]
fn the_tutorials_v1alpha1_export_reads_in_both_versions() {
    let kcp = Kcp::start();
    kcp.kubectl_stdin(&["apply", "-f", "-"], Some(TUTORIAL_EXPORT))
        .ok();

    let v2 = kcp
        .kubectl(&[
            "get",
            "apiexports.v1alpha2.apis.kcp.io",
            "certs-v1",
            "-o",
            "yaml",
        ])
        .ok()
        .to_string();
    assert!(v2.contains("apiVersion: apis.kcp.io/v1alpha2"), "{v2}");
    let v2: serde_json::Value = serde_saphyr::from_str(&v2).expect("yaml");
    assert_eq!(
        v2["spec"]["resources"],
        serde_json::json!([{"name": "certificates", "group": "cert-manager.io",
            "schema": "v1.certificates.cert-manager.io", "storage": {"crd": {}}}]),
        "{v2}"
    );
    assert!(v2["spec"].get("latestResourceSchemas").is_none(), "{v2}");

    let v1 = kcp
        .kubectl(&[
            "get",
            "apiexports.v1alpha1.apis.kcp.io",
            "certs-v1",
            "-o",
            "yaml",
        ])
        .ok()
        .to_string();
    let v1: serde_json::Value = serde_saphyr::from_str(&v1).expect("yaml");
    assert_eq!(v1["apiVersion"], "apis.kcp.io/v1alpha1");
    assert_eq!(
        v1["spec"]["latestResourceSchemas"],
        serde_json::json!(["v1.certificates.cert-manager.io"])
    );
    assert!(v1["spec"].get("resources").is_none(), "{v1}");
    assert_eq!(
        v1["metadata"]["resourceVersion"], v2["metadata"]["resourceVersion"],
        "one object"
    );

    // A schema name v1alpha2 cannot express is refused, not stored half-converted.
    let bad = TUTORIAL_EXPORT
        .replace("certs-v1", "bad")
        .replace("v1.certificates.cert-manager.io", "nodots");
    let refused = kcp
        .kubectl_stdin(&["apply", "-f", "-"], Some(&bad))
        .err()
        .to_string();
    assert!(refused.contains("nodots"), "{refused}");
}

#[test]
fn an_update_in_one_version_is_watched_in_the_other() {
    let kcp = Kcp::start();
    kcp.kubectl_stdin(&["apply", "-f", "-"], Some(TUTORIAL_EXPORT))
        .ok();
    let before = kcp
        .kubectl(&[
            "get",
            "apiexports.v1alpha2.apis.kcp.io",
            "certs-v1",
            "-o",
            "json",
        ])
        .json();
    let rv = before["metadata"]["resourceVersion"]
        .as_str()
        .expect("a resourceVersion")
        .to_string();

    // Through v1alpha1: a merge patch of the schema list.
    kcp.kubectl(&[
        "patch",
        "apiexports.v1alpha1.apis.kcp.io",
        "certs-v1",
        "--type=merge",
        "-p",
        r#"{"spec":{"latestResourceSchemas":["v1.certificates.cert-manager.io","v2.issuers.cert-manager.io"]}}"#,
    ])
    .ok();
    // Through v1alpha2: a JSON patch of the resources.
    kcp.kubectl(&[
        "patch",
        "apiexports.v1alpha2.apis.kcp.io",
        "certs-v1",
        "--type=json",
        "-p",
        r#"[{"op":"add","path":"/spec/resources/-","value":{"name":"orders","group":"acme.cert-manager.io","schema":"v1.orders.acme.cert-manager.io","storage":{"crd":{}}}}]"#,
    ])
    .ok();

    let (code, body) = kcp.curl(
        "GET",
        &format!(
            "{EXPORTS_V1ALPHA2}?watch=true&resourceVersion={rv}&timeoutSeconds=1&fieldSelector=metadata.name%3Dcerts-v1"
        ),
        "",
        b"",
    );
    assert_eq!(code, 200, "{body}");
    let events = watch_events(&body);
    let resources: Vec<usize> = events
        .iter()
        .filter(|e| e["type"] == "MODIFIED")
        .map(|e| {
            assert_eq!(e["object"]["apiVersion"], "apis.kcp.io/v1alpha2", "{e}");
            e["object"]["spec"]["resources"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert!(
        resources.contains(&2) && resources.contains(&3),
        "{events:?}"
    );

    // And the other way: the v1alpha1 watch sees the v1alpha2 patch as three schemas.
    let (code, body) = kcp.curl(
        "GET",
        &format!(
            "/clusters/root/apis/apis.kcp.io/v1alpha1/apiexports?watch=true&resourceVersion={rv}&timeoutSeconds=1"
        ),
        "",
        b"",
    );
    assert_eq!(code, 200, "{body}");
    let last = watch_events(&body)
        .into_iter()
        .rev()
        .find(|e| e["type"] == "MODIFIED")
        .expect("a MODIFIED event");
    assert_eq!(
        last["object"]["spec"]["latestResourceSchemas"],
        serde_json::json!([
            "v1.certificates.cert-manager.io",
            "v2.issuers.cert-manager.io",
            "v1.orders.acme.cert-manager.io"
        ]),
        "{last}"
    );
}

#[test]
fn server_side_apply_in_both_versions_tracks_each_managers_version() {
    let kcp = Kcp::start();
    let v1_config = format!(
        "{TUTORIAL_EXPORT}  identity:\n    secretRef:\n      namespace: kcp-system\n      name: certs\n"
    );
    kcp.kubectl_stdin(
        &[
            "apply",
            "--server-side",
            "--field-manager=v1-manager",
            "-f",
            "-",
        ],
        Some(&v1_config),
    )
    .ok();
    let v2_config = |identity: &str| {
        format!(
            r#"
apiVersion: apis.kcp.io/v1alpha2
kind: APIExport
metadata:
  name: certs-v1
spec:
  resources:
    - name: issuers
      group: cert-manager.io
      schema: v1.issuers.cert-manager.io
      storage:
        crd: {{}}
{identity}"#
        )
    };
    let other_identity =
        "  identity:\n    secretRef:\n      namespace: kcp-system\n      name: other\n";
    let apply_v2 = |config: &str, force: bool| {
        let mut args = vec!["apply", "--server-side", "--field-manager=v2-manager"];
        if force {
            args.push("--force-conflicts");
        }
        args.extend(["-f", "-"]);
        kcp.kubectl_stdin(&args, Some(config))
    };
    // The v1alpha1 manager's identity (an atomic secret reference) conflicts when changed
    // through v1alpha2.
    let conflict = apply_v2(&v2_config(other_identity), false)
        .err()
        .to_string();
    assert!(
        conflict.contains("v1-manager") && conflict.contains(".spec.identity.secretRef"),
        "{conflict}"
    );
    // Adding a resource takes nothing from anyone: the v1alpha1 manager keeps its schema, in
    // v1alpha1's terms (a set item of `latestResourceSchemas`).
    apply_v2(&v2_config(""), false).ok();
    let managed = |version: &str| {
        let obj = kcp
            .kubectl(&[
                "get",
                &format!("apiexports.{version}.apis.kcp.io"),
                "certs-v1",
                "-o",
                "json",
                "--show-managed-fields",
            ])
            .json();
        let entries = obj["metadata"]["managedFields"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        (obj, entries)
    };
    let (v2, entries) = managed("v1alpha2");
    let names: Vec<&str> = v2["spec"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["certificates", "issuers"], "{v2}");
    let entry = |entries: &[serde_json::Value], manager: &str| {
        entries
            .iter()
            .find(|m| m["manager"] == manager)
            .cloned()
            .unwrap_or_else(|| panic!("no {manager} entry: {entries:?}"))
    };
    let v1_entry = entry(&entries, "v1-manager");
    assert_eq!(v1_entry["apiVersion"], "apis.kcp.io/v1alpha1");
    let v1_fields = v1_entry["fieldsV1"].to_string();
    assert!(
        v1_fields.contains("v:\\\"v1.certificates.cert-manager.io\\\"")
            && v1_fields.contains("f:secretRef"),
        "{v1_fields}"
    );
    let v2_entry = entry(&entries, "v2-manager");
    assert_eq!(v2_entry["apiVersion"], "apis.kcp.io/v1alpha2");
    assert!(
        v2_entry["fieldsV1"].to_string().contains("issuers"),
        "{v2_entry}"
    );
    let (v1, _) = managed("v1alpha1");
    assert_eq!(
        v1["spec"]["latestResourceSchemas"],
        serde_json::json!([
            "v1.certificates.cert-manager.io",
            "v1.issuers.cert-manager.io"
        ])
    );

    // Forced, the v1alpha2 manager takes the identity and the v1alpha1 manager keeps its schema.
    apply_v2(&v2_config(other_identity), true).ok();
    let (v1, entries) = managed("v1alpha1");
    assert_eq!(v1["spec"]["identity"]["secretRef"]["name"], "other");
    let v1_fields = entry(&entries, "v1-manager")["fieldsV1"].to_string();
    assert!(
        !v1_fields.contains("f:secretRef") && v1_fields.contains("latestResourceSchemas"),
        "{v1_fields}"
    );
}

#[test]
fn bindings_read_in_both_versions() {
    let kcp = Kcp::start();
    let binding = r#"
apiVersion: apis.kcp.io/v1alpha1
kind: APIBinding
metadata:
  name: certs
spec:
  reference:
    export:
      path: root
      name: certs-v1
  permissionClaims:
    - resource: configmaps
      all: true
      state: Accepted
"#;
    kcp.kubectl_stdin(&["create", "-f", "-"], Some(binding))
        .ok();
    let v2 = kcp
        .kubectl(&[
            "get",
            "apibindings.v1alpha2.apis.kcp.io",
            "certs",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(
        v2["spec"]["permissionClaims"],
        serde_json::json!([{"resource": "configmaps", "verbs": ["*"],
            "selector": {"matchAll": true}, "state": "Accepted"}]),
        "{v2}"
    );
    let v1 = kcp
        .kubectl(&[
            "get",
            "apibindings.v1alpha1.apis.kcp.io",
            "certs",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(
        v1["spec"]["permissionClaims"],
        serde_json::json!([{"resource": "configmaps", "all": true, "state": "Accepted"}]),
        "{v1}"
    );
}
