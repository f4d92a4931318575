//! `kubectl apply --server-side` against the server: managed fields, conflicts, force, and
//! removing a field by leaving it out (the examples of the Kubernetes documentation on
//! server-side apply).

use e2e::Kcp;

#[test]
fn apply_conflicts_force_and_field_removal() {
    let kcp = Kcp::start();
    let first = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: test-cm\n  namespace: default\n  labels:\n    test-label: test\ndata:\n  key: some value\n  other: kept\n";
    kcp.kubectl_stdin(&["apply", "--server-side", "-f", "-"], Some(first))
        .ok();
    let obj = kcp
        .kubectl(&[
            "get",
            "cm",
            "test-cm",
            "-o",
            "json",
            "--show-managed-fields",
        ])
        .json();
    let mf = &obj["metadata"]["managedFields"][0];
    assert_eq!(mf["manager"], "kubectl");
    assert_eq!(mf["operation"], "Apply");
    assert_eq!(mf["fieldsV1"]["f:data"]["f:key"], serde_json::json!({}));

    // Another manager changes a field the applier owns.
    kcp.kubectl(&[
        "patch",
        "cm",
        "test-cm",
        "--field-manager",
        "other-editor",
        "-p",
        r#"{"data":{"key":"changed"}}"#,
    ])
    .ok();
    let second = first.replace("some value", "new value");
    let conflict = kcp.kubectl_stdin(&["apply", "--server-side", "-f", "-"], Some(&second));
    assert!(
        conflict.err().contains(
            r#"Apply failed with 1 conflict: conflict with "other-editor" using v1: .data.key"#
        ),
        "{}",
        conflict.stderr
    );
    kcp.kubectl_stdin(
        &["apply", "--server-side", "--force-conflicts", "-f", "-"],
        Some(&second),
    )
    .ok();
    let obj = kcp.kubectl(&["get", "cm", "test-cm", "-o", "json"]).json();
    assert_eq!(obj["data"]["key"], "new value");

    // Leaving a field out of the applied configuration removes it.
    let third = second.replace("  other: kept\n", "");
    kcp.kubectl_stdin(&["apply", "--server-side", "-f", "-"], Some(&third))
        .ok();
    let obj = kcp.kubectl(&["get", "cm", "test-cm", "-o", "json"]).json();
    assert!(obj["data"].get("other").is_none(), "{obj}");
    assert_eq!(obj["metadata"]["labels"]["test-label"], "test");
}
