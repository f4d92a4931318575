//! The plugins against a real `kcp start` (skipped without a kcp binary, see `support`): what
//! works on a fresh server — the root workspace, the kubeconfig edits, the tree, the errors, and
//! `crd snapshot` piped into `kubectl apply` (binding is not tested here: the server does not
//! bind APIBindings yet).

mod support;

use support::Kcp;

#[test]
fn ws_moves_around_root_and_edits_the_kubeconfig() {
    let Some(kcp) = Kcp::start() else { return };

    assert_eq!(
        kcp.run("kubectl-ws", &["."]).ok(),
        "Current workspace is 'root'.\n"
    );
    assert_eq!(
        kcp.run("kubectl-ws", &["current"]).ok(),
        "Current workspace is 'root'.\n"
    );
    assert_eq!(kcp.run("kubectl-ws", &[".", "--short"]).ok(), "root\n");
    assert_eq!(
        kcp.run("kubectl-kcp", &["ws", "."]).ok(),
        "Current workspace is 'root'.\n"
    );
    // Nothing was written so far.
    assert_eq!(kcp.kubeconfig_json()["current-context"], "root");

    assert_eq!(
        kcp.run("kubectl-ws", &[":root"]).ok(),
        "Current workspace is 'root' (type root).\n"
    );
    let cfg = kcp.kubeconfig_json();
    assert_eq!(cfg["current-context"], "workspace.kcp.io/current");
    let names = |list: &str| -> Vec<String> {
        cfg[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names("contexts"),
        [
            "base",
            "root",
            "shard-base",
            "system:admin",
            "workspace.kcp.io/previous",
            "workspace.kcp.io/current"
        ]
    );
    assert!(names("clusters").contains(&"workspace.kcp.io/current".to_owned()));

    // The old `root:` form works with a note.
    let out = kcp.run("kubectl-ws", &["use", "root"]);
    assert_eq!(out.ok(), "Current workspace is 'root' (type root).\n");
    assert_eq!(
        out.stderr,
        "Note: Using 'root:' to define an absolute path is no longer supported. Instead, use ':root' to specify an absolute path.\n"
    );
    assert_eq!(
        kcp.run("kubectl-ws", &["-"]).ok(),
        "Current workspace is 'root'.\n"
    );
    assert_eq!(
        kcp.run("kubectl-ws", &[":"]).ok(),
        "Current workspace is 'root'.\n"
    );

    let out = kcp.run("kubectl-ws", &["..", "--short"]);
    assert_eq!(out.err(), "Error: cannot go up from root\n");
    let out = kcp.run("kubectl-ws", &["does-not-exist"]);
    assert_eq!(
        out.err(),
        "Error: workspace \"root:does-not-exist\" not found\n"
    );
    let out = kcp.run("kubectl-ws", &["Bad_Name"]);
    assert_eq!(out.err(), "Error: invalid workspace path: Bad_Name\n");

    // kubectl reads what the plugin wrote.
    if std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok()
    {
        let out = std::process::Command::new("kubectl")
            .args(["get", "namespaces", "-o", "name"])
            .env("KUBECONFIG", kcp.kubeconfig())
            .output()
            .expect("kubectl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("namespace/default"));
    }
}

#[test]
fn tree_and_create_context() {
    let Some(kcp) = Kcp::start() else { return };
    assert_eq!(kcp.run("kubectl-ws", &["tree"]).ok(), ".\n└── root\n\n");
    assert_eq!(
        kcp.run("kubectl-ws", &["tree", "--full"]).ok(),
        ".\n└── root\n\n"
    );

    let out = kcp.run("kubectl-ws", &["create-context", "my-root"]);
    assert_eq!(
        out.ok(),
        "Created context \"my-root\" and switched to it.\n"
    );
    assert_eq!(kcp.kubeconfig_json()["current-context"], "my-root");
    let out = kcp.run("kubectl-ws", &["create-context", "my-root"]);
    assert_eq!(
        out.err(),
        "Error: context \"my-root\" already exists in kubeconfig, use --overwrite to update it\n"
    );
    let out = kcp.run("kubectl-ws", &["create-context", "my-root", "--overwrite"]);
    assert_eq!(
        out.ok(),
        "Updated context \"my-root\" and switched to it.\n"
    );

    // The `base` context has no workspace in its URL.
    let out = kcp.run("kubectl-ws", &["--context", "base", "."]);
    assert!(
        out.ok()
            .starts_with("Current workspace is the URL \"https://127.0.0.1:")
    );
    let out = kcp.run("kubectl-ws", &["--context", "base", "tree"]);
    assert!(
        out.ok()
            .starts_with("current context URL \"https://127.0.0.1:")
    );
    let out = kcp.run("kubectl-create-workspace", &["--context", "base", "x"]);
    assert!(
        out.err().contains("does not point to a workspace"),
        "{out:?}"
    );

    let out = kcp.run(
        "kubectl-create-workspace",
        &["x", "--ignore-existing", "--type", "universal"],
    );
    assert_eq!(
        out.err(),
        "Error: --ignore-existing must not be used with non-absolute type path\n"
    );
}

/// The tutorial's pipe: `kubectl get crd X -o yaml | kubectl kcp crd snapshot -f - --prefix v1 |
/// kubectl apply -f -`.
#[test]
fn crd_snapshot_pipes_into_kubectl_apply() {
    let Some(kcp) = Kcp::start() else { return };
    let crd = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../e2e/testdata/crds/cert-manager/cert-manager.io_certificates.yaml"
    );
    kcp.kubectl(&["apply", "-f", crd], None).ok();
    kcp.kubectl(
        &[
            "wait",
            "--for=condition=Established",
            "crd/certificates.cert-manager.io",
            "--timeout=60s",
        ],
        None,
    )
    .ok();
    let served = kcp
        .kubectl(
            &["get", "crd", "certificates.cert-manager.io", "-o", "yaml"],
            None,
        )
        .ok()
        .to_owned();
    let schemas = kcp
        .run_stdin(
            "kubectl-kcp",
            &["crd", "snapshot", "-f", "-", "--prefix", "v1"],
            &served,
        )
        .ok()
        .to_owned();
    // The CRD as the server serves it converts to what the file converts to.
    let from_file = kcp
        .run(
            "kubectl-kcp",
            &["crd", "snapshot", "-f", crd, "--prefix", "v1"],
        )
        .ok()
        .to_owned();
    assert_eq!(schemas, from_file);
    assert_eq!(
        kcp.kubectl(&["apply", "-f", "-"], Some(&schemas)).ok(),
        "apiresourceschema.apis.kcp.io/v1.certificates.cert-manager.io created\n"
    );
    assert_eq!(
        kcp.kubectl(&["apply", "-f", "-"], Some(&schemas)).ok(),
        "apiresourceschema.apis.kcp.io/v1.certificates.cert-manager.io unchanged\n"
    );
    assert_eq!(
        kcp.kubectl(
            &[
                "get",
                "apiresourceschema",
                "v1.certificates.cert-manager.io",
                "-o",
                "jsonpath={.spec.names.kind} {.spec.versions[0].name} {.spec.versions[0].schema.properties.spec.required}",
            ],
            None,
        )
        .ok(),
        r#"Certificate v1 ["issuerRef","secretName"]"#
    );
}
