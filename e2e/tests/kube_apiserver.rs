//! Kubernetes' own kube-apiserver, as the harness runs it ([`e2e::KubeApiserver`]): it reports
//! the release `e2e/kube-apiserver/go.mod` builds, the machine's kubectl works through its admin
//! kubeconfig, and kube-controller-manager's controllers run beside it. Each test is skipped,
//! saying why, where the binaries cannot be had (no `go` on `PATH`).

use std::time::Duration;

use e2e::{KubeApiserver, wait_until};

#[test]
fn version_is_the_release_go_mod_requires() {
    let Some(kube) = KubeApiserver::shared() else {
        return;
    };
    assert!(
        kube.version().starts_with("v1.36."),
        "go.mod requires {}",
        kube.version()
    );
    let (code, version) = kube.curl("GET", "/version", "", b"");
    assert_eq!(code, 200, "{version}");
    assert_eq!(version["gitVersion"], kube.version(), "{version}");
    assert_eq!(version["major"], "1", "{version}");
    assert_eq!(version["minor"], "36", "{version}");
}

#[test]
fn kubectl_creates_a_namespace_and_a_configmap() {
    let Some(kube) = KubeApiserver::shared() else {
        return;
    };
    kube.kubectl(&["create", "namespace", "kubectl-demo"]).ok();
    kube.kubectl(&[
        "-n",
        "kubectl-demo",
        "create",
        "configmap",
        "settings",
        "--from-literal=color=blue",
    ])
    .ok();
    let cm = kube
        .kubectl(&[
            "-n",
            "kubectl-demo",
            "get",
            "configmap",
            "settings",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(cm["data"]["color"], "blue", "{cm}");
    assert!(cm["metadata"]["resourceVersion"].as_str().is_some(), "{cm}");
}

/// A deleted namespace keeps the `kubernetes` finalizer until the namespace controller has
/// emptied it: that it goes away proves kube-controller-manager runs.
#[test]
fn controller_manager_finalizes_a_deleted_namespace() {
    let Some(kube) = KubeApiserver::shared() else {
        return;
    };
    let ns = "finalize-demo";
    kube.kubectl(&["create", "namespace", ns]).ok();
    let created = kube.kubectl(&["get", "namespace", ns, "-o", "json"]).json();
    assert_eq!(
        created["spec"]["finalizers"],
        serde_json::json!(["kubernetes"]),
        "{created}"
    );
    kube.kubectl(&["-n", ns, "create", "configmap", "inside"])
        .ok();
    // The service-account controller gives each namespace its `default` service account.
    wait_until(
        "the default service account in the new namespace",
        Duration::from_secs(60),
        || {
            kube.kubectl(&["-n", ns, "get", "serviceaccount", "default"])
                .success()
        },
    );

    kube.kubectl(&["delete", "namespace", ns, "--wait=false"])
        .ok();
    wait_until(
        "the namespace controller to finalize the namespace",
        Duration::from_secs(120),
        || {
            let out = kube.kubectl(&["get", "namespace", ns, "-o", "json"]);
            !out.success() && out.stderr.contains("NotFound")
        },
    );
}

/// A ConfigMap owned by another goes when its owner goes: the garbage collector runs.
#[test]
fn garbage_collector_deletes_dependents() {
    let Some(kube) = KubeApiserver::shared() else {
        return;
    };
    let ns = "gc-demo";
    kube.kubectl(&["create", "namespace", ns]).ok();
    kube.kubectl(&["-n", ns, "create", "configmap", "owner"])
        .ok();
    let owner = kube
        .kubectl(&["-n", ns, "get", "configmap", "owner", "-o", "json"])
        .json();
    let dependent = serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "dependent",
            "namespace": ns,
            "ownerReferences": [{
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "name": "owner",
                "uid": owner["metadata"]["uid"],
            }],
        },
    });
    kube.kubectl_stdin(&["create", "-f", "-"], Some(&dependent.to_string()))
        .ok();
    kube.kubectl(&["-n", ns, "delete", "configmap", "owner"])
        .ok();
    wait_until(
        "the garbage collector to delete the dependent",
        Duration::from_secs(120),
        || {
            let out = kube.kubectl(&["-n", ns, "get", "configmap", "dependent"]);
            !out.success() && out.stderr.contains("NotFound")
        },
    );
}

/// The `admin`, `edit` and `view` roles are only an aggregation rule until the controller
/// manager's clusterrole-aggregation controller fills in their rules: bindings to them work.
#[test]
fn aggregated_cluster_roles_get_their_rules() {
    let Some(kube) = KubeApiserver::shared() else {
        return;
    };
    wait_until(
        "the clusterrole-aggregation controller to fill in `edit`",
        Duration::from_secs(60),
        || {
            let role = kube
                .kubectl(&["get", "clusterrole", "edit", "-o", "json"])
                .json();
            role["rules"]
                .as_array()
                .is_some_and(|rules| !rules.is_empty())
        },
    );
}
