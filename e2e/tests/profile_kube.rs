//! `kcp start --profile kube`: one plain Kubernetes cluster at the root URL, seeded like a fresh
//! kind cluster, with no kcp APIs and no `kcp.io/cluster` annotation.

use e2e::Kcp;

#[test]
fn serves_a_plain_cluster_at_the_root_url() {
    let kcp = Kcp::start_with(&["--profile", "kube"]);
    let ns = kcp
        .kubectl(&["get", "namespaces", "-o", "name"])
        .ok()
        .to_string();
    for want in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        assert!(ns.lines().any(|l| l == format!("namespace/{want}")), "{ns}");
    }
    let svc = kcp
        .kubectl(&[
            "get",
            "service",
            "kubernetes",
            "-n",
            "default",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(svc["spec"]["ports"][0]["port"], 443);
    assert!(
        svc["metadata"]["annotations"]
            .get("kcp.io/cluster")
            .is_none(),
        "{svc}"
    );
    kcp.kubectl(&["get", "clusterrole", "cluster-admin"]).ok();
    kcp.kubectl(&["get", "serviceaccount", "default", "-n", "kube-system"])
        .ok();

    let resources = kcp
        .kubectl(&["api-resources", "-o", "name"])
        .ok()
        .to_string();
    for want in [
        "pods",
        "services",
        "nodes",
        "deployments.apps",
        "jobs.batch",
        "certificatesigningrequests.certificates.k8s.io",
    ] {
        assert!(
            resources.lines().any(|l| l == want),
            "missing {want} in {resources}"
        );
    }
    assert!(!resources.contains("kcp.io"), "{resources}");

    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx\n";
    kcp.kubectl_stdin(&["apply", "-f", "-"], Some(deployment))
        .ok();
    let got = kcp
        .kubectl(&["get", "deployment", "web", "-o", "json"])
        .json();
    assert_eq!(got["spec"]["replicas"], 2);
    // kube-apiserver's defaulting of Deployments and Pod templates.
    assert_eq!(got["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(got["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
    assert_eq!(got["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(got["spec"]["progressDeadlineSeconds"], 600);
    let container = &got["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["imagePullPolicy"], "Always");
    assert_eq!(container["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(got["spec"]["template"]["spec"]["restartPolicy"], "Always");
    assert_eq!(got["metadata"]["generation"], 1);
    let table = kcp.kubectl(&["get", "deployments"]).ok().to_string();
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        "{table}"
    );

    // Per-resource field selectors, read as kube reads typed objects (absent booleans false).
    kcp.kubectl_stdin(
        &["create", "-f", "-"],
        Some("apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n"),
    )
    .ok();
    let schedulable = kcp
        .kubectl(&[
            "get",
            "nodes",
            "--field-selector",
            "spec.unschedulable=false",
            "-o",
            "name",
        ])
        .ok()
        .to_string();
    assert_eq!(schedulable.trim(), "node/n1");
    kcp.kubectl(&["cordon", "n1"]).ok();
    let schedulable = kcp
        .kubectl(&[
            "get",
            "nodes",
            "--field-selector",
            "spec.unschedulable=false",
            "-o",
            "name",
        ])
        .ok()
        .to_string();
    assert_eq!(schedulable.trim(), "");

    // Service account tokens: TokenRequest, then the token authenticates as the account.
    kcp.kubectl(&["create", "serviceaccount", "robot"]).ok();
    let token = kcp
        .kubectl(&["create", "token", "robot"])
        .ok()
        .trim()
        .to_string();
    let who = kcp
        .kubectl(&["--token", &token, "auth", "whoami", "-o", "json"])
        .json();
    assert_eq!(
        who["status"]["userInfo"]["username"],
        "system:serviceaccount:default:robot"
    );
    let review = format!(
        r#"{{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{{"token":"{token}"}}}}"#
    );
    let reviewed = kcp
        .kubectl_stdin(
            &["create", "--validate=false", "-f", "-", "-o", "json"],
            Some(&review),
        )
        .json();
    assert_eq!(reviewed["status"]["authenticated"], true, "{reviewed}");
    assert_eq!(
        reviewed["status"]["user"]["username"],
        "system:serviceaccount:default:robot"
    );

    // A Service gets a cluster IP from the service range.
    kcp.kubectl(&["expose", "deployment", "web", "--port=80"])
        .ok();
    let svc = kcp.kubectl(&["get", "service", "web", "-o", "json"]).json();
    let ip = svc["spec"]["clusterIP"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(ip.starts_with("10.") && ip != "10.96.0.1", "{ip}");
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 80);

    // An invalid Deployment gets kube's 422.
    let bad = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\nspec:\n  selector:\n    matchLabels: {app: one}\n  template:\n    metadata:\n      labels: {app: two}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n";
    let refused = kcp.kubectl_stdin(&["apply", "-f", "-"], Some(bad));
    assert!(
        refused.err().contains(r#"The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"two"}: `selector` does not match template `labels`"#),
        "{}",
        refused.stderr
    );

    let (base, _) = kcp.endpoint_of_current_context();
    assert!(!base.contains("/clusters/"), "{base}");
    let out = kcp.kubectl(&["get", "--raw", "/clusters/root/api/v1/namespaces"]);
    assert!(out.err().contains("NotFound"), "{}", out.stderr);
}

/// A restart keeps the objects and the kubeconfig's token (kcp used to refuse to start again:
/// it looked for the token under the kcp profile's user name).
#[test]
fn restarts_on_its_root_directory() {
    let mut kcp = Kcp::start_on_fixed_port(&["--profile", "kube"]);
    kcp.kubectl(&["create", "configmap", "kept", "--from-literal=k=v"])
        .ok();
    let before = std::fs::read_to_string(kcp.kubeconfig()).expect("kubeconfig");
    kcp.restart();
    let after = std::fs::read_to_string(kcp.kubeconfig()).expect("kubeconfig");
    assert_eq!(before, after, "the kubeconfig changed across a restart");
    let got = kcp
        .kubectl(&["get", "configmap", "kept", "-o", "jsonpath={.data.k}"])
        .ok()
        .to_string();
    assert_eq!(got, "v");
}
