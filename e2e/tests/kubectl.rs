//! Real kubectl against the real `kcp` binary: every served resource through the verbs a user
//! runs, watches, paging, selectors, discovery, explain, authorization and restarts.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use e2e::{Kcp, testdata, wait_until};

/// (fixture, resource as kubectl names it, object name, namespaced)
const FIXTURES: &[(&str, &str, &str, bool)] = &[
    ("namespace.yaml", "namespaces", "e2e-ns", false),
    ("configmap.yaml", "configmaps", "e2e-cm", true),
    ("secret.yaml", "secrets", "e2e-secret", true),
    ("serviceaccount.yaml", "serviceaccounts", "e2e-sa", true),
    ("event.yaml", "events.v1.", "e2e-event", true),
    (
        "events-k8s-io-event.yaml",
        "events.v1.events.k8s.io",
        "e2e-ev2",
        true,
    ),
    ("lease.yaml", "leases", "e2e-lease", true),
    ("role.yaml", "roles", "e2e-role", true),
    ("rolebinding.yaml", "rolebindings", "e2e-rolebinding", true),
    ("clusterrole.yaml", "clusterroles", "e2e-clusterrole", false),
    (
        "clusterrolebinding.yaml",
        "clusterrolebindings",
        "e2e-clusterrolebinding",
        false,
    ),
];

fn fixture(name: &str) -> String {
    testdata(&format!("builtins/{name}")).display().to_string()
}

#[test]
fn every_builtin_resource_through_the_kubectl_verbs() {
    let kcp = Kcp::start();
    for (file, resource, name, _namespaced) in FIXTURES {
        let f = fixture(file);
        let what = format!("{resource}/{name}");
        kcp.kubectl(&["create", "-f", &f]).ok();

        // get: table, yaml, json, jsonpath
        let table = kcp.kubectl(&["get", resource, name]).ok().to_string();
        if resource.starts_with("events") {
            // kube prints events (both APIs) without a NAME column.
            assert!(table.starts_with("LAST SEEN"), "{what}: {table}");
        } else {
            assert!(
                table.lines().next().unwrap_or("").starts_with("NAME"),
                "{what}: {table}"
            );
            assert!(table.contains(name), "{what}: {table}");
        }
        let yaml = kcp
            .kubectl(&["get", resource, name, "-o", "yaml"])
            .ok()
            .to_string();
        assert!(yaml.contains(&format!("name: {name}")), "{what}: {yaml}");
        assert!(yaml.contains("kcp.io/cluster: root"), "{what}: {yaml}");
        let json = kcp.kubectl(&["get", resource, name, "-o", "json"]).json();
        assert_eq!(json["metadata"]["name"], *name);
        assert!(
            json["metadata"]["uid"]
                .as_str()
                .is_some_and(|u| !u.is_empty())
        );
        let rv1: u64 = json["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let jp = kcp
            .kubectl(&[
                "get",
                resource,
                name,
                "-o",
                "jsonpath={.metadata.labels.suite}",
            ])
            .ok()
            .to_string();
        assert_eq!(jp, "e2e", "{what}");

        // client-side apply and replace
        kcp.kubectl(&["apply", "-f", &f]).ok();
        kcp.kubectl(&["replace", "-f", &f]).ok();

        // the three patch types
        kcp.kubectl(&[
            "patch",
            resource,
            name,
            "-p",
            r#"{"metadata":{"labels":{"strategic":"yes"}}}"#,
        ])
        .ok();
        kcp.kubectl(&[
            "patch",
            resource,
            name,
            "--type=merge",
            "-p",
            r#"{"metadata":{"labels":{"merge":"yes"}}}"#,
        ])
        .ok();
        kcp.kubectl(&[
            "patch",
            resource,
            name,
            "--type=json",
            "-p",
            r#"[{"op":"add","path":"/metadata/labels/json","value":"yes"}]"#,
        ])
        .ok();
        kcp.kubectl(&["label", resource, name, "labelled=yes"]).ok();
        kcp.kubectl(&["annotate", resource, name, "note=annotated"])
            .ok();
        let after = kcp.kubectl(&["get", resource, name, "-o", "json"]).json();
        for l in ["strategic", "merge", "json", "labelled"] {
            assert_eq!(after["metadata"]["labels"][l], "yes", "{what}: label {l}");
        }
        assert_eq!(
            after["metadata"]["annotations"]["note"], "annotated",
            "{what}"
        );
        let rv2: u64 = after["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(rv2 > rv1, "{what}: resourceVersion must grow");

        // selectors
        let listed = kcp
            .kubectl(&["get", resource, "-A", "-l", "labelled=yes", "-o", "name"])
            .ok()
            .to_string();
        assert!(listed.contains(name), "{what}: {listed}");
        let by_name = kcp
            .kubectl(&[
                "get",
                resource,
                "-A",
                "--field-selector",
                &format!("metadata.name={name}"),
                "-o",
                "name",
            ])
            .ok()
            .to_string();
        assert!(by_name.contains(name), "{what}: {by_name}");
    }
    // delete everything again (namespaces last: their deletion waits for the controller)
    for (file, resource, name, _) in FIXTURES.iter().rev() {
        kcp.kubectl(&[
            "delete",
            "-f",
            &fixture(file),
            "--wait=true",
            "--timeout=30s",
        ])
        .ok();
        let gone = kcp.kubectl(&["get", resource, name]);
        assert!(
            gone.err().contains("NotFound"),
            "{resource}/{name}: {}",
            gone.stderr
        );
    }
}

#[test]
fn get_watch_sees_later_changes() {
    let kcp = Kcp::start();
    let mut watch = kcp.kubectl_spawn(&["get", "configmaps", "-w", "--output-watch-events"]);
    let stdout = watch.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // Keep creating until the watch is established and reports it.
    let mut seen = Vec::new();
    let mut created = 0;
    wait_until(
        "the watch to report a new configmap",
        Duration::from_secs(30),
        || {
            if created < 50 {
                created += 1;
                kcp.kubectl(&[
                    "create",
                    "configmap",
                    &format!("w{created}"),
                    "--dry-run=client",
                    "-o",
                    "json",
                ])
                .ok();
                let manifest = kcp
                    .kubectl(&[
                        "create",
                        "configmap",
                        &format!("w{created}"),
                        "--dry-run=client",
                        "-o",
                        "json",
                    ])
                    .ok()
                    .to_string();
                kcp.kubectl_stdin(&["create", "-f", "-"], Some(&manifest))
                    .ok();
            }
            while let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
                seen.push(l);
            }
            seen.iter()
                .any(|l| l.starts_with("ADDED") && l.contains(" w"))
        },
    );
    // A later change shows up as MODIFIED.
    kcp.kubectl(&["label", "configmap", "w1", "changed=yes"])
        .ok();
    wait_until(
        "the watch to report the change",
        Duration::from_secs(30),
        || {
            while let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
                seen.push(l);
            }
            seen.iter()
                .any(|l| l.starts_with("MODIFIED") && l.contains("w1"))
        },
    );
    let _ = watch.kill();
    let _ = watch.wait();
}

#[test]
fn chunked_lists_return_everything() {
    let kcp = Kcp::start();
    let mut list = String::new();
    for i in 0..25 {
        list.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: chunk-{i:02}\n  namespace: default\n"
        ));
    }
    kcp.kubectl_stdin(&["create", "-f", "-"], Some(&list)).ok();
    let out = kcp
        .kubectl(&["get", "configmaps", "--chunk-size=4", "-o", "name"])
        .ok()
        .to_string();
    let names: Vec<&str> = out.lines().collect();
    assert_eq!(names.len(), 25, "{out}");
    assert_eq!(names[0], "configmap/chunk-00");
    assert_eq!(names[24], "configmap/chunk-24");
}

#[test]
fn api_resources_lists_the_builtins() {
    let kcp = Kcp::start();
    let out = kcp.kubectl(&["api-resources"]).ok().to_string();
    let header = out.lines().next().unwrap_or("");
    assert!(header.starts_with("NAME") && header.contains("SHORTNAMES") && header.contains("KIND"));
    for row in [
        ("configmaps", "cm", "v1", "true", "ConfigMap"),
        ("namespaces", "ns", "v1", "false", "Namespace"),
        ("leases", "", "coordination.k8s.io/v1", "true", "Lease"),
        (
            "clusterroles",
            "",
            "rbac.authorization.k8s.io/v1",
            "false",
            "ClusterRole",
        ),
        (
            "selfsubjectaccessreviews",
            "",
            "authorization.k8s.io/v1",
            "false",
            "SelfSubjectAccessReview",
        ),
    ] {
        let found = out.lines().any(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let want: Vec<&str> = [row.0, row.1, row.2, row.3, row.4]
                .into_iter()
                .filter(|c| !c.is_empty())
                .collect();
            cols == want
        });
        assert!(found, "missing {row:?} in\n{out}");
    }
    let versions = kcp.kubectl(&["api-versions"]).ok().to_string();
    assert!(versions.lines().any(|l| l == "v1"));
    assert!(
        versions
            .lines()
            .any(|l| l == "rbac.authorization.k8s.io/v1")
    );
}

#[test]
fn explain_reads_the_openapi_documents() {
    let kcp = Kcp::start();
    let out = kcp.kubectl(&["explain", "configmap.data"]).ok().to_string();
    assert!(out.contains("KIND:") && out.contains("ConfigMap"), "{out}");
    assert!(out.contains("FIELD:") && out.contains("data"), "{out}");
    assert!(
        out.contains("Data contains the configuration data"),
        "{out}"
    );
}

#[test]
fn auth_can_i_as_admin_and_as_a_token_user() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(
        &tokens,
        "alice-token,alice,1001,\"devs\"\nbob-token,bob,1002\n",
    )
    .unwrap();
    let kcp = Kcp::start_with(&["--token-auth-file", tokens.to_str().unwrap()]);
    assert_eq!(
        kcp.kubectl(&["auth", "can-i", "create", "configmaps"])
            .ok()
            .trim(),
        "yes"
    );
    assert_eq!(kcp.kubectl(&["auth", "can-i", "*", "*"]).ok().trim(), "yes");

    let as_alice = |args: &[&str]| {
        let mut all = vec!["--token", "alice-token"];
        all.extend_from_slice(args);
        kcp.kubectl(&all)
    };
    let no = as_alice(&["auth", "can-i", "list", "configmaps"]);
    assert_eq!(no.stdout.trim(), "no");
    let denied = as_alice(&["get", "configmaps"]);
    assert!(denied.err().contains("Forbidden"), "{}", denied.stderr);
    assert!(
        denied.stderr.contains(r#"User "alice" cannot list resource "configmaps" in API group "" in the namespace "default""#),
        "{}",
        denied.stderr
    );
    // Grant alice's group read access to configmaps in default.
    kcp.kubectl(&["create", "-f", &fixture("role.yaml")]).ok();
    let binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: devs-read\n  namespace: default\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: e2e-role\nsubjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: Group\n  name: devs\n";
    kcp.kubectl_stdin(&["create", "-f", "-"], Some(binding))
        .ok();
    assert_eq!(
        as_alice(&["auth", "can-i", "list", "configmaps"])
            .ok()
            .trim(),
        "yes"
    );
    as_alice(&["get", "configmaps"]).ok();
    assert_eq!(
        as_alice(&["auth", "can-i", "delete", "configmaps"])
            .stdout
            .trim(),
        "no"
    );
    let whoami = as_alice(&["auth", "whoami", "-o", "json"]).json();
    assert_eq!(whoami["status"]["userInfo"]["username"], "alice");
    // Impersonation by the admin.
    assert_eq!(
        kcp.kubectl(&["auth", "can-i", "list", "configmaps", "--as", "bob"])
            .stdout
            .trim(),
        "no"
    );
    // A bad token is refused.
    let bad = kcp.kubectl(&["--token", "nope", "get", "configmaps"]);
    assert!(bad.err().contains("Unauthorized"), "{}", bad.stderr);
}

#[test]
fn a_restart_keeps_every_object() {
    let mut kcp = Kcp::start();
    for f in [
        "namespace.yaml",
        "configmap.yaml",
        "secret.yaml",
        "role.yaml",
    ] {
        kcp.kubectl(&["create", "-f", &fixture(f)]).ok();
    }
    let before = kcp
        .kubectl(&["get", "configmaps,secrets,roles", "-A", "-o", "json"])
        .json();
    kcp.restart();
    let after = kcp
        .kubectl(&["get", "configmaps,secrets,roles", "-A", "-o", "json"])
        .json();
    assert_eq!(before["items"], after["items"]);
    kcp.kubectl(&["get", "namespace", "e2e-ns"]).ok();
}
