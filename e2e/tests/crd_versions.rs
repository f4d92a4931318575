//! A CRD with several versions and `conversion: None`: objects are stored once, in the storage
//! version; every served version reads, lists, watches and writes them with its own
//! `apiVersion`; `status.storedVersions` records each storage version; a version that stops
//! being served is gone from discovery and from the REST paths.

use std::time::Duration;

use e2e::{Kcp, wait_until};

fn crd(v1_served: bool, storage: &str) -> String {
    let version = |name: &str, served: bool| {
        format!(
            "  - name: {name}\n    served: {served}\n    storage: {}\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              size: {{type: integer}}\n              color: {{type: string, default: blue}}\n",
            name == storage
        )
    };
    format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {{plural: widgets, singular: widget, kind: Widget}}\n  scope: Namespaced\n  conversion: {{strategy: None}}\n  versions:\n{}{}",
        version("v1", v1_served),
        version("v2", true)
    )
}

const BASE: &str = "/clusters/root/apis/example.com";

#[test]
fn every_served_version_sees_the_same_objects_in_its_own_version() {
    let kcp = Kcp::start();
    kcp.kubectl_stdin(&["apply", "-f", "-"], Some(&crd(true, "v1")))
        .ok();
    kcp.kubectl(&[
        "wait",
        "--for",
        "condition=established",
        "crd/widgets.example.com",
        "--timeout=30s",
    ])
    .ok();
    for (name, version) in [("a", "v1"), ("b", "v2")] {
        let manifest = format!(
            "apiVersion: example.com/{version}\nkind: Widget\nmetadata:\n  name: {name}\nspec:\n  size: 1\n"
        );
        let created = kcp
            .kubectl_stdin(&["create", "-o", "json", "-f", "-"], Some(&manifest))
            .json();
        assert_eq!(created["apiVersion"], format!("example.com/{version}"));
        assert_eq!(created["spec"]["color"], "blue", "{created}");
    }

    // Reads through either version see that version, whichever one wrote the object.
    for version in ["v1", "v2"] {
        let want = format!("example.com/{version}");
        for name in ["a", "b"] {
            let (code, obj) = kcp.curl(
                "GET",
                &format!("{BASE}/{version}/namespaces/default/widgets/{name}"),
                "",
                b"",
            );
            assert_eq!(code, 200, "{obj}");
            assert_eq!(obj["apiVersion"], want, "{obj}");
        }
        let list = kcp
            .kubectl(&[
                "get",
                &format!("widgets.{version}.example.com"),
                "-o",
                "json",
            ])
            .json();
        let items = list["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 2, "{list}");
        assert!(items.iter().all(|i| i["apiVersion"] == want), "{list}");
        // A watch from resourceVersion 0 replays both objects in this version.
        let (code, events) = kcp.curl(
            "GET",
            &format!(
                "{BASE}/{version}/namespaces/default/widgets?watch=true&resourceVersion=0&timeoutSeconds=1"
            ),
            "",
            b"",
        );
        assert_eq!(code, 200);
        let text = events.as_str().unwrap_or_default().to_string();
        let events: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("a watch event"))
            .collect();
        assert_eq!(events.len(), 2, "{text}");
        assert!(
            events.iter().all(|e| e["object"]["apiVersion"] == want),
            "{text}"
        );
    }

    // Writes through the other version: update, merge patch, server-side apply.
    let patched = kcp
        .kubectl(&[
            "patch",
            "widgets.v2.example.com",
            "a",
            "--type=merge",
            "-p",
            r#"{"spec":{"size":2}}"#,
            "-o",
            "json",
        ])
        .json();
    assert_eq!(patched["apiVersion"], "example.com/v2", "{patched}");
    assert_eq!(patched["spec"]["size"], 2, "{patched}");
    assert_eq!(patched["metadata"]["generation"], 2, "{patched}");
    let applied =
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: b\nspec:\n  size: 3\n";
    let out = kcp
        .kubectl_stdin(
            &[
                "apply",
                "--server-side",
                "--force-conflicts",
                "-o",
                "json",
                "-f",
                "-",
            ],
            Some(applied),
        )
        .json();
    assert_eq!(out["apiVersion"], "example.com/v1", "{out}");
    assert_eq!(out["spec"]["size"], 3, "{out}");
    let mut replaced = kcp
        .kubectl(&["get", "widgets.v1.example.com", "a", "-o", "json"])
        .json();
    replaced["spec"]["size"] = serde_json::json!(4);
    let out = kcp
        .kubectl_stdin(
            &["replace", "-o", "json", "-f", "-"],
            Some(&replaced.to_string()),
        )
        .json();
    assert_eq!(out["apiVersion"], "example.com/v1", "{out}");
    assert_eq!(out["spec"]["size"], 4, "{out}");
    // A no-op write through the other version stays a no-op.
    let before = kcp
        .kubectl(&["get", "widgets.v2.example.com", "a", "-o", "json"])
        .json();
    let again = kcp
        .kubectl_stdin(
            &["replace", "-o", "json", "-f", "-"],
            Some(&before.to_string()),
        )
        .json();
    assert_eq!(
        again["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );

    // A new storage version is recorded next to the old one.
    kcp.kubectl_stdin(&["apply", "-f", "-"], Some(&crd(true, "v2")))
        .ok();
    wait_until("storedVersions [v1, v2]", Duration::from_secs(30), || {
        let crd = kcp
            .kubectl(&["get", "crd", "widgets.example.com", "-o", "json"])
            .json();
        crd["status"]["storedVersions"] == serde_json::json!(["v1", "v2"])
    });

    // v1 stops being served: gone from discovery and its paths; v2 still serves everything.
    kcp.kubectl_stdin(&["apply", "-f", "-"], Some(&crd(false, "v2")))
        .ok();
    wait_until("v1 to stop being served", Duration::from_secs(30), || {
        let (code, _) = kcp.curl(
            "GET",
            &format!("{BASE}/v1/namespaces/default/widgets/a"),
            "",
            b"",
        );
        code == 404
    });
    let versions = kcp.kubectl(&["api-versions"]).ok().to_string();
    assert!(
        versions.lines().any(|l| l == "example.com/v2"),
        "{versions}"
    );
    assert!(
        !versions.lines().any(|l| l == "example.com/v1"),
        "{versions}"
    );
    let list = kcp.kubectl(&["get", "widgets", "-o", "json"]).json();
    let items = list["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{list}");
    assert!(
        items.iter().all(|i| i["apiVersion"] == "example.com/v2"),
        "{list}"
    );
}
