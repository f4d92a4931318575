//! Workspaces with real kubectl against the real `kcp`: creation and readiness, path routing,
//! the content and API surface of a fresh workspace, isolation of CRDs, access across
//! workspaces, and deletion of a nested tree down to the last stored key.

use std::time::Duration;

use e2e::{Kcp, Output, testdata, wait_until};

/// kubectl against one workspace by path.
fn in_ws(kcp: &Kcp, path: &str, args: &[&str]) -> Output {
    let (base, _) = kcp.endpoint();
    let server = format!("{base}/clusters/{path}");
    let mut all = vec!["--server", server.as_str()];
    all.extend_from_slice(args);
    kcp.kubectl(&all)
}

fn create_workspace(kcp: &Kcp, parent: &str, name: &str, ty: Option<&str>) {
    let spec = match ty {
        Some(t) => format!("spec:\n  type:\n    name: {t}\n    path: root\n"),
        None => String::new(),
    };
    let (base, _) = kcp.endpoint();
    let server = format!("{base}/clusters/{parent}");
    let yaml = format!(
        "apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata:\n  name: {name}\n{spec}"
    );
    kcp.kubectl_stdin(&["--server", &server, "create", "-f", "-"], Some(&yaml))
        .ok();
}

fn wait_ready(kcp: &Kcp, parent: &str, name: &str) {
    wait_until(
        &format!("workspace {parent}:{name} Ready"),
        Duration::from_secs(20),
        || {
            in_ws(
                kcp,
                parent,
                &["get", "workspace", name, "-o", "jsonpath={.status.phase}"],
            )
            .stdout
                == "Ready"
        },
    );
}

#[test]
fn a_workspace_becomes_ready_with_its_own_content() {
    let kcp = Kcp::start();
    create_workspace(&kcp, "root", "team-a", None);
    wait_ready(&kcp, "root", "team-a");

    let ws = in_ws(&kcp, "root", &["get", "workspace", "team-a", "-o", "json"]).json();
    assert_eq!(ws["spec"]["type"]["name"], "organization");
    assert_eq!(ws["spec"]["type"]["path"], "root");
    let (base, _) = kcp.endpoint();
    assert_eq!(ws["spec"]["URL"], format!("{base}/clusters/root:team-a"));
    let cluster = ws["spec"]["cluster"].as_str().unwrap().to_string();
    assert_eq!(cluster.len(), 16, "{cluster}");
    assert_eq!(ws["metadata"]["labels"]["tenancy.kcp.io/phase"], "Ready");
    assert!(
        ws["metadata"]["finalizers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "core.kcp.io/logicalcluster")
    );

    // `kubectl get ws` columns.
    let table = in_ws(&kcp, "root", &["get", "workspaces"]).ok().to_string();
    let lines: Vec<&str> = table.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["NAME", "TYPE", "REGION", "PHASE", "URL", "AGE"]);
    assert!(lines[1].starts_with("team-a"), "{table}");
    assert!(lines[1].contains("organization"), "{table}");
    assert!(
        lines[1].contains(&format!("{base}/clusters/root:team-a")),
        "{table}"
    );

    // The same workspace by path and by logical cluster name; it carries its name.
    for path in ["root:team-a", cluster.as_str()] {
        let names = in_ws(
            &kcp,
            path,
            &[
                "get",
                "namespaces",
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ],
        );
        assert_eq!(names.ok(), "default kube-system");
    }
    let lc = in_ws(
        &kcp,
        "root:team-a",
        &["get", "logicalcluster", "cluster", "-o", "json"],
    )
    .json();
    assert_eq!(lc["status"]["phase"], "Ready");
    assert_eq!(lc["metadata"]["annotations"]["kcp.io/path"], "root:team-a");
    assert_eq!(
        lc["metadata"]["annotations"]["kcp.io/cluster"],
        cluster.as_str()
    );
    assert_eq!(
        lc["metadata"]["annotations"]["internal.tenancy.kcp.io/type"],
        "root:organization"
    );
    // The immortal namespaces stay; users do not delete LogicalClusters.
    let refused = in_ws(&kcp, "root:team-a", &["delete", "namespace", "default"]);
    assert!(
        refused
            .stderr
            .contains(r#"namespaces "default" is forbidden: this namespace may not be deleted"#),
        "{}",
        refused.stderr
    );
    let bindings = in_ws(
        &kcp,
        "root:team-a",
        &[
            "get",
            "apibindings",
            "-o",
            "jsonpath={.items[*].spec.reference.export.name}",
        ],
    );
    assert_eq!(bindings.ok(), "tenancy.kcp.io topology.kcp.io");

    // Shard metrics at the base URL only, with no per-workspace series.
    let (code, metrics) = kcp.curl("GET", "/metrics", "", b"");
    assert_eq!(code, 200);
    let text = metrics.as_str().unwrap_or_default();
    assert!(text.contains("apiserver_request_total"), "{text}");
    assert!(!text.contains(&cluster), "{text}");
    let (code, _) = kcp.curl("GET", "/clusters/root/metrics", "", b"");
    assert_eq!(code, 501);

    // Unknown workspaces and bad paths.
    let missing = in_ws(&kcp, "root:nope", &["get", "namespaces"]);
    assert!(!missing.success());
    let (code, body) = kcp.curl("GET", "/clusters/root:nope/api/v1/namespaces", "", b"");
    assert_eq!(code, 404);
    assert_eq!(
        body["message"],
        r#"workspaces.tenancy.kcp.io "root:nope" not found"#
    );
    let (code, _) = kcp.curl("GET", "/clusters/Root/api/v1/namespaces", "", b"");
    assert_eq!(code, 400);
}

#[test]
fn a_fresh_workspace_serves_kcps_api_surface() {
    let kcp = Kcp::start();
    create_workspace(&kcp, "root", "org", None);
    wait_ready(&kcp, "root", "org");
    let out = in_ws(&kcp, "root:org", &["api-resources", "--no-headers"]);
    let mut got: Vec<String> = out
        .ok()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // NAME [SHORTNAMES] APIVERSION NAMESPACED KIND
            format!("{} {} {}", f[0], f[f.len() - 3], f[f.len() - 1])
        })
        .collect();
    got.sort();
    // reference/kcp.md §4.6, without the cache.kcp.io rows (that feature is off).
    let mut want: Vec<String> = [
        "configmaps v1 ConfigMap",
        "events v1 Event",
        "namespaces v1 Namespace",
        "resourcequotas v1 ResourceQuota",
        "secrets v1 Secret",
        "serviceaccounts v1 ServiceAccount",
        "mutatingadmissionpolicies admissionregistration.k8s.io/v1 MutatingAdmissionPolicy",
        "mutatingadmissionpolicybindings admissionregistration.k8s.io/v1 MutatingAdmissionPolicyBinding",
        "mutatingwebhookconfigurations admissionregistration.k8s.io/v1 MutatingWebhookConfiguration",
        "validatingadmissionpolicies admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy",
        "validatingadmissionpolicybindings admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding",
        "validatingwebhookconfigurations admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration",
        "customresourcedefinitions apiextensions.k8s.io/v1 CustomResourceDefinition",
        "apibindings apis.kcp.io/v1alpha2 APIBinding",
        "apiconversions apis.kcp.io/v1alpha1 APIConversion",
        "apiexportendpointslices apis.kcp.io/v1alpha1 APIExportEndpointSlice",
        "apiexports apis.kcp.io/v1alpha2 APIExport",
        "apiresourceschemas apis.kcp.io/v1alpha1 APIResourceSchema",
        "selfsubjectreviews authentication.k8s.io/v1 SelfSubjectReview",
        "tokenreviews authentication.k8s.io/v1 TokenReview",
        "localsubjectaccessreviews authorization.k8s.io/v1 LocalSubjectAccessReview",
        "selfsubjectaccessreviews authorization.k8s.io/v1 SelfSubjectAccessReview",
        "selfsubjectrulesreviews authorization.k8s.io/v1 SelfSubjectRulesReview",
        "subjectaccessreviews authorization.k8s.io/v1 SubjectAccessReview",
        "certificatesigningrequests certificates.k8s.io/v1 CertificateSigningRequest",
        "leases coordination.k8s.io/v1 Lease",
        "logicalclusters core.kcp.io/v1alpha1 LogicalCluster",
        "events events.k8s.io/v1 Event",
        "clusterrolebindings rbac.authorization.k8s.io/v1 ClusterRoleBinding",
        "clusterroles rbac.authorization.k8s.io/v1 ClusterRole",
        "rolebindings rbac.authorization.k8s.io/v1 RoleBinding",
        "roles rbac.authorization.k8s.io/v1 Role",
        "partitions topology.kcp.io/v1alpha1 Partition",
        "partitionsets topology.kcp.io/v1alpha1 PartitionSet",
        "workspaceauthenticationconfigurations tenancy.kcp.io/v1alpha1 WorkspaceAuthenticationConfiguration",
        "workspaces tenancy.kcp.io/v1alpha1 Workspace",
        "workspacetypes tenancy.kcp.io/v1alpha1 WorkspaceType",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    want.sort();
    assert_eq!(got, want);
    // Root has the shards besides.
    let root = in_ws(
        &kcp,
        "root",
        &["api-resources", "--api-group", "core.kcp.io", "-o", "name"],
    );
    assert_eq!(
        root.ok(),
        "logicalclusters.core.kcp.io\nshards.core.kcp.io\n"
    );
}

#[test]
fn crds_are_isolated_between_workspaces() {
    let kcp = Kcp::start();
    for ws in ["platform-team", "team-a"] {
        create_workspace(&kcp, "root", ws, None);
    }
    for ws in ["platform-team", "team-a"] {
        wait_ready(&kcp, "root", ws);
    }
    let crds = testdata("crds/prometheus-operator");
    let crds = crds.to_str().unwrap();
    in_ws(
        &kcp,
        "root:platform-team",
        &["apply", "--server-side", "-f", crds],
    )
    .ok();
    let listed = in_ws(&kcp, "root:platform-team", &["get", "crd", "-o", "name"]);
    assert!(
        listed.ok().contains("prometheuses.monitoring.coreos.com"),
        "{}",
        listed.stdout
    );
    let other = in_ws(&kcp, "root:team-a", &["get", "crd"]);
    assert_eq!(other.stdout, "");
    assert!(
        other.stderr.contains("No resources found"),
        "{}",
        other.stderr
    );
    let root = in_ws(&kcp, "root", &["get", "crd"]);
    assert_eq!(root.stdout, "");
}

#[test]
fn a_token_user_reaches_only_the_workspaces_it_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(&tokens, "alice-token,alice,1001\nbob-token,bob,1002\n").unwrap();
    let kcp = Kcp::start_with(&["--token-auth-file", tokens.to_str().unwrap()]);
    // Alice may create workspaces in root; she administers what she creates.
    let grant = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ws-creator\nrules:\n- apiGroups: [tenancy.kcp.io]\n  resources: [workspaces]\n  verbs: [create, get, list, watch]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: alice-ws-creator\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: ws-creator\nsubjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: alice\n";
    kcp.kubectl_stdin(&["create", "-f", "-"], Some(grant)).ok();
    let as_user = |token: &str, path: &str, args: &[&str]| {
        let mut all = vec!["--token", token];
        all.extend_from_slice(args);
        in_ws(&kcp, path, &all)
    };
    let yaml = "apiVersion: tenancy.kcp.io/v1alpha1\nkind: Workspace\nmetadata:\n  name: team-b\n";
    let (base, _) = kcp.endpoint();
    kcp.kubectl_stdin(
        &[
            "--token",
            "alice-token",
            "--server",
            &format!("{base}/clusters/root"),
            "create",
            "-f",
            "-",
        ],
        Some(yaml),
    )
    .ok();
    wait_ready(&kcp, "root", "team-b");
    let ws = in_ws(&kcp, "root", &["get", "workspace", "team-b", "-o", "json"]).json();
    assert_eq!(
        ws["metadata"]["annotations"]["experimental.tenancy.kcp.io/owner"],
        r#"{"username":"alice"}"#
    );
    let lc = as_user(
        "alice-token",
        "root:team-b",
        &["get", "logicalcluster", "cluster", "-o", "json"],
    )
    .json();
    assert_eq!(
        lc["spec"]["createdBy"],
        serde_json::json!({"username": "alice", "uid": "1001", "groups": ["system:authenticated"]})
    );
    as_user(
        "alice-token",
        "root:team-b",
        &["create", "configmap", "mine", "--from-literal=a=b"],
    )
    .ok();
    as_user("alice-token", "root:team-b", &["get", "configmap", "mine"]).ok();

    // Bob was given nothing in team-b: no reads, no writes, no discovery.
    for args in [
        vec!["get", "configmaps"],
        vec!["get", "namespaces"],
        vec!["create", "configmap", "bobs", "--from-literal=a=b"],
        vec!["delete", "configmap", "mine"],
    ] {
        let denied = as_user("bob-token", "root:team-b", &args);
        assert!(!denied.success(), "{args:?}: {}", denied.stdout);
        assert!(
            denied.stderr.contains("Forbidden") || denied.stderr.contains("forbidden"),
            "{args:?}: {}",
            denied.stderr
        );
    }
    let (code, _) = kcp.curl_as("bob-token", "GET", "/clusters/root:team-b/api");
    assert_eq!(code, 403);
    // Bob may still enter root (every authenticated user may).
    as_user("bob-token", "root", &["auth", "can-i", "get", "workspaces"]).ok();
    as_user("alice-token", "root:team-b", &["get", "configmap", "mine"]).ok();
}

#[test]
fn a_service_account_is_itself_only_in_its_own_workspace() {
    let kcp = Kcp::start();
    for name in ["team-a", "team-b"] {
        create_workspace(&kcp, "root", name, None);
        wait_ready(&kcp, "root", name);
    }
    let team_a = in_ws(
        &kcp,
        "root",
        &[
            "get",
            "workspace",
            "team-a",
            "-o",
            "jsonpath={.spec.cluster}",
        ],
    )
    .stdout
    .clone();
    in_ws(&kcp, "root:team-a", &["create", "serviceaccount", "robot"]).ok();
    let token = in_ws(&kcp, "root:team-a", &["create", "token", "robot"])
        .ok()
        .trim()
        .to_string();
    let list = |ws: &str| {
        kcp.curl_as(
            &token,
            "GET",
            &format!("/clusters/{ws}/api/v1/namespaces/default/configmaps"),
        )
        .0
    };
    // Both workspaces bind `default/robot`: only team-a's is this robot.
    let bind = |ws: &str, name: &str, subject: &str| {
        in_ws(
            &kcp,
            ws,
            &[
                "create",
                "clusterrolebinding",
                name,
                "--clusterrole=cluster-admin",
                subject,
            ],
        )
        .ok();
    };
    for ws in ["root:team-a", "root:team-b"] {
        bind(ws, "robot", "--serviceaccount=default:robot");
    }
    assert_eq!(list("root:team-a"), 200);
    assert_eq!(list("root:team-b"), 403);
    // team-b grants it by its global name, which names the workspace it lives in.
    let global = format!("--user=system:kcp:serviceaccount:{team_a}:default:robot");
    bind("root:team-b", "robot-of-team-a", &global);
    assert_eq!(list("root:team-b"), 200);
}

#[test]
fn deleting_a_nested_tree_removes_every_key_of_its_clusters() {
    let mut kcp = Kcp::start();
    create_workspace(&kcp, "root", "org", None);
    wait_ready(&kcp, "root", "org");
    create_workspace(&kcp, "root:org", "team", Some("universal"));
    wait_ready(&kcp, "root:org", "team");
    create_workspace(&kcp, "root:org:team", "leaf", Some("universal"));
    wait_ready(&kcp, "root:org:team", "leaf");
    let mut clusters = Vec::new();
    for (parent, name) in [
        ("root", "org"),
        ("root:org", "team"),
        ("root:org:team", "leaf"),
    ] {
        let c = in_ws(
            &kcp,
            parent,
            &["get", "workspace", name, "-o", "jsonpath={.spec.cluster}"],
        );
        clusters.push(c.ok().to_string());
    }
    in_ws(
        &kcp,
        "root:org:team:leaf",
        &["create", "configmap", "deep", "--from-literal=a=b"],
    )
    .ok();
    in_ws(&kcp, "root:org", &["create", "namespace", "extra"]).ok();

    in_ws(
        &kcp,
        "root",
        &["delete", "workspace", "org", "--wait=true", "--timeout=30s"],
    )
    .ok();
    let gone = in_ws(&kcp, "root", &["get", "workspace", "org"]);
    assert!(gone.stderr.contains("NotFound"), "{}", gone.stderr);

    // Nothing of the three logical clusters is left in the store.
    kcp.shutdown();
    let store = kcp_store::EmbeddedStore::open(&kcp.root_dir().join("store.redb")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let keys = rt
        .block_on(async {
            use kcp_store::Store;
            store.list("/registry/", Default::default()).await
        })
        .unwrap();
    let left: Vec<&str> = keys
        .items
        .iter()
        .map(|kv| kv.key.as_str())
        .filter(|k| clusters.iter().any(|c| k.contains(&format!("/{c}/"))))
        .collect();
    assert!(left.is_empty(), "keys left: {left:?}");
    assert!(keys.items.len() > 10, "the root's keys are still there");
}

#[test]
fn a_users_home_workspace_is_made_on_first_use() {
    let kcp = Kcp::start();
    let home = kcp.curl(
        "GET",
        "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/~",
        "",
        b"",
    );
    assert_eq!(home.0, 200, "{}", home.1);
    let name = home.1["metadata"]["name"].as_str().unwrap().to_string();
    assert_eq!(home.1["spec"]["cluster"], name.as_str());
    assert_eq!(home.1["status"]["phase"], "Ready");
    let (base, _) = kcp.endpoint();
    assert_eq!(home.1["spec"]["URL"], format!("{base}/clusters/{name}"));
    // `kubectl ws` goes home; the home workspace has its own content.
    let out = kcp.kubectl(&["ws"]);
    assert_eq!(out.ok(), format!("Current workspace is '{name}'.\n"));
    let names = kcp.kubectl(&[
        "get",
        "namespaces",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ]);
    assert_eq!(names.ok(), "default kube-system");
    // The same workspace the second time.
    let again = kcp.curl(
        "GET",
        "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/~",
        "",
        b"",
    );
    assert_eq!(again.1["metadata"]["name"], name.as_str());
}
