//! The kcp tutorial (`shared/seed/000_168406fa6702266d.txt`), from "Starting the Server" through
//! "Proving the Isolation", run with real kubectl and our plugins; each printed line is checked
//! against kcp's strings (`reference/kcp.md` §5, which wins where the tutorial's copy differs).
//! A free port and a temporary root directory stand in for the defaults, and the repo's
//! cert-manager CRDs (applied client-side, as the tutorial applies its CRDs) for the tutorial's
//! download.

use e2e::{Kcp, Output, testdata};

/// stdout of a command that must succeed.
fn ok(out: Output) -> String {
    out.ok().to_string()
}

/// The rows of a table, each as its whitespace-separated cells.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_tutorial_runs_verbatim() {
    let kcp = Kcp::start();
    let k = |args: &[&str]| kcp.kubectl(args);

    // Connecting to the root workspace.
    assert!(kcp.root_dir().join("admin.kubeconfig").exists());
    assert_eq!(ok(k(&["ws", "."])), "Current workspace is 'root'.\n");

    // Creating and managing workspaces.
    for ws in ["platform-team", "team-a", "team-b"] {
        let out = k(&["ws", "create", ws]);
        assert_eq!(
            ok(out),
            format!(
                "Workspace \"{ws}\" (type root:organization) created. Waiting for it to be ready...\n\
                 Workspace \"{ws}\" (type root:organization) is ready to use.\n"
            )
        );
    }
    assert_eq!(
        ok(k(&["ws", "tree"])),
        ".\n└── root\n    ├── platform-team\n    ├── team-a\n    └── team-b\n\n"
    );
    assert_eq!(
        ok(k(&["ws", "team-a"])),
        "Current workspace is 'root:team-a' (type root:organization).\n"
    );

    // Proving the isolation.
    let namespaces = rows(&ok(k(&["get", "namespaces"])));
    assert_eq!(namespaces[0], ["NAME", "STATUS", "AGE"]);
    let listed: Vec<(&str, &str)> = namespaces[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(listed, [("default", "Active"), ("kube-system", "Active")]);

    let resources = ok(k(&["api-resources"]));
    let table = rows(&resources);
    assert_eq!(
        table[0],
        ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    );
    let names: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
    for absent in ["pods", "deployments", "replicasets", "services", "nodes"] {
        assert!(!names.contains(&absent), "{absent} is served:\n{resources}");
    }
    for present in [
        "configmaps",
        "namespaces",
        "secrets",
        "customresourcedefinitions",
        "apibindings",
        "apiexports",
        "logicalclusters",
        "workspaces",
        "clusterroles",
    ] {
        assert!(
            names.contains(&present),
            "{present} is missing:\n{resources}"
        );
    }
    assert!(
        resources.lines().any(|l| rows(l)[0]
            == [
                "workspaces",
                "ws",
                "tenancy.kcp.io/v1alpha1",
                "false",
                "Workspace"
            ]),
        "{resources}"
    );

    // The platform team installs CRDs; only its workspace has them.
    assert_eq!(
        ok(k(&["ws", ":root:platform-team"])),
        "Current workspace is 'root:platform-team' (type root:organization).\n"
    );
    let crds = testdata("crds/cert-manager");
    k(&["apply", "-f", crds.to_str().unwrap()]).ok();
    let listed = rows(&ok(k(&["get", "crd"])));
    assert_eq!(listed[0], ["NAME", "CREATED", "AT"]);
    let mut crd_names: Vec<&str> = listed[1..].iter().map(|r| r[0].as_str()).collect();
    crd_names.sort();
    assert_eq!(
        crd_names,
        [
            "certificaterequests.cert-manager.io",
            "certificates.cert-manager.io",
            "challenges.acme.cert-manager.io",
            "clusterissuers.cert-manager.io",
            "issuers.cert-manager.io",
            "orders.acme.cert-manager.io",
        ]
    );
    assert_eq!(
        ok(k(&["ws", ":root:team-a"])),
        "Current workspace is 'root:team-a' (type root:organization).\n"
    );
    let none = k(&["get", "crd"]);
    assert_eq!(none.stdout, "");
    assert_eq!(none.stderr.trim(), "No resources found");

    // The switches are recorded as kcp records them.
    let contexts = ok(k(&["config", "get-contexts", "-o", "name"]));
    for c in [
        "base",
        "root",
        "system:admin",
        "workspace.kcp.io/current",
        "workspace.kcp.io/previous",
    ] {
        assert!(contexts.lines().any(|l| l == c), "{c}:\n{contexts}");
    }
    assert_eq!(
        ok(k(&["ws", "-"])),
        "Current workspace is 'root:platform-team'.\n"
    );
    assert_eq!(ok(k(&["ws", "current", "--short"])), "root:platform-team\n");
}
