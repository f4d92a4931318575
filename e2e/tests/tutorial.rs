//! The kcp tutorial (`shared/seed/000_168406fa6702266d.txt`), from "Starting the Server" to its
//! last `kubectl api-resources`, run with real kubectl and our plugins; each printed line is
//! checked against kcp's strings (`reference/kcp.md` §5, which wins where the tutorial's copy
//! differs). A free port and a temporary root directory stand in for the defaults, the repo's
//! cert-manager CRDs (applied client-side, as the tutorial applies its CRDs) for the tutorial's
//! download, and cert-manager's `certificates.cert-manager.io` for its MongoDBCommunity.

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

    // The platform team exports the API: a snapshot of the CRD, then an APIExport of it.
    let crd = ok(k(&[
        "get",
        "crd",
        "certificates.cert-manager.io",
        "-o",
        "yaml",
    ]));
    let snapshot = ok(kcp.kubectl_stdin(
        &["kcp", "crd", "snapshot", "-f", "-", "--prefix", "v1"],
        Some(&crd),
    ));
    assert_eq!(
        ok(kcp.kubectl_stdin(&["apply", "-f", "-"], Some(&snapshot))),
        "apiresourceschema.apis.kcp.io/v1.certificates.cert-manager.io created\n"
    );
    let schemas = rows(&ok(k(&["get", "apiresourceschemas"])));
    assert_eq!(schemas[0], ["NAME", "AGE"]);
    assert_eq!(schemas[1][0], "v1.certificates.cert-manager.io");
    assert_eq!(schemas.len(), 2);
    let export = "apiVersion: apis.kcp.io/v1alpha1
kind: APIExport
metadata:
  name: certs-v1
spec:
  latestResourceSchemas:
    - v1.certificates.cert-manager.io
";
    assert_eq!(
        ok(kcp.kubectl_stdin(&["apply", "-f", "-"], Some(export))),
        "apiexport.apis.kcp.io/certs-v1 created\n"
    );
    let exports = rows(&ok(k(&["get", "apiexports"])));
    assert_eq!(exports[0], ["NAME", "AGE"]);
    assert_eq!(exports[1][0], "certs-v1");

    // Team A binds it; before, its workspace has no idea what a Certificate is.
    assert_eq!(
        ok(k(&["ws", ":root:team-a"])),
        "Current workspace is 'root:team-a' (type root:organization).\n"
    );
    let cert_manager = |resources: &str| -> Vec<Vec<String>> {
        resources
            .lines()
            .filter(|l| l.contains("cert-manager.io"))
            .map(|l| l.split_whitespace().map(str::to_string).collect())
            .collect()
    };
    assert!(cert_manager(&ok(k(&["api-resources"]))).is_empty());
    assert_eq!(
        ok(k(&[
            "kcp",
            "bind",
            "apiexport",
            "root:platform-team:certs-v1"
        ])),
        "apibinding certs-v1 created. Waiting to successfully bind ...\ncerts-v1 created and bound.\n"
    );
    let bindings = rows(&ok(k(&["get", "apibindings"])));
    assert_eq!(bindings[0], ["NAME", "AGE", "READY"]);
    let names: Vec<&str> = bindings[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names.len(), 3, "{bindings:?}");
    assert_eq!(names[0], "certs-v1");
    assert!(
        names[1].starts_with("tenancy.kcp.io-") && names[1].len() == "tenancy.kcp.io-".len() + 5
    );
    assert!(
        names[2].starts_with("topology.kcp.io-") && names[2].len() == "topology.kcp.io-".len() + 5
    );
    assert!(bindings[1..].iter().all(|r| r[2] == "True"), "{bindings:?}");
    assert_eq!(
        cert_manager(&ok(k(&["api-resources"]))),
        [[
            "certificates",
            "cert,certs",
            "cert-manager.io/v1",
            "true",
            "Certificate"
        ]]
    );

    // A Certificate in team-a: there, and nowhere else.
    let certificate = "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web
  namespace: default
spec:
  secretName: web-tls
  dnsNames: [web.team-a.example.com]
  issuerRef:
    name: team-a-issuer
";
    assert_eq!(
        ok(kcp.kubectl_stdin(&["apply", "-f", "-"], Some(certificate))),
        "certificate.cert-manager.io/web created\n"
    );
    let certs = rows(&ok(k(&["get", "certificates"])));
    assert_eq!(certs[0], ["NAME", "READY", "SECRET", "AGE"]);
    assert_eq!(&certs[1][..2], ["web", "web-tls"]);
    assert_eq!(
        ok(k(&["ws", ":root:team-b"])),
        "Current workspace is 'root:team-b' (type root:organization).\n"
    );
    assert!(cert_manager(&ok(k(&["api-resources"]))).is_empty());
    let missing = k(&["get", "certificates"]);
    assert!(
        missing
            .err()
            .contains("the server doesn't have a resource type \"certificates\""),
        "{}",
        missing.stderr
    );
    // The provider serves its own CRD, whose objects are its own: none.
    k(&["ws", ":root:platform-team"]).ok();
    let provider = k(&["get", "certificates", "-A"]);
    assert_eq!(provider.stdout, "");
    assert_eq!(provider.stderr.trim(), "No resources found");
}
