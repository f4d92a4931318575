//! The `scale` subresource with real kubectl: `kubectl scale` and `kubectl get --subresource=scale`
//! on a custom resource whose CRD declares `subresources.scale`, and on the workload types of
//! `--profile kube` (Deployments, ReplicaSets, StatefulSets, ReplicationControllers).

use e2e::Kcp;

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: workers.example.com
spec:
  group: example.com
  names: {plural: workers, singular: worker, kind: Worker}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.size
        statusReplicasPath: .status.ready
        labelSelectorPath: .status.selector
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, maximum: 10}
              image: {type: string}
          status:
            type: object
            properties:
              ready: {type: integer}
              selector: {type: string}
"#;

#[test]
fn custom_resources_scale_through_their_crd_paths() {
    let kcp = Kcp::start();
    kcp.kubectl_stdin(&["apply", "-f", "-"], Some(CRD)).ok();
    kcp.kubectl(&[
        "wait",
        "--for",
        "condition=established",
        "crd/workers.example.com",
        "--timeout=30s",
    ])
    .ok();
    let worker = "apiVersion: example.com/v1\nkind: Worker\nmetadata:\n  name: w\nspec:\n  size: 1\n  image: busybox\n";
    kcp.kubectl_stdin(&["apply", "-f", "-"], Some(worker)).ok();

    kcp.kubectl(&["scale", "worker", "w", "--replicas=3"]).ok();
    let scale = kcp
        .kubectl(&["get", "worker", "w", "--subresource=scale", "-o", "json"])
        .json();
    assert_eq!(scale["kind"], "Scale", "{scale}");
    assert_eq!(scale["apiVersion"], "autoscaling/v1", "{scale}");
    assert_eq!(scale["spec"]["replicas"], 3, "{scale}");
    assert_eq!(scale["status"]["replicas"], 0, "{scale}");
    assert!(scale["status"].get("selector").is_none(), "{scale}");

    // Only the spec replicas path changed; the spec change counts as a generation.
    let w = kcp.kubectl(&["get", "worker", "w", "-o", "json"]).json();
    assert_eq!(
        w["spec"],
        serde_json::json!({"size": 3, "image": "busybox"})
    );
    assert_eq!(w["metadata"]["generation"], 2);
    assert_eq!(
        scale["metadata"]["resourceVersion"],
        w["metadata"]["resourceVersion"]
    );

    // The status paths show through, and the table has kube's Scale columns.
    kcp.kubectl(&[
        "patch",
        "worker",
        "w",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"ready":2,"selector":"app=w"}}"#,
    ])
    .ok();
    let scale = kcp
        .kubectl(&["get", "worker", "w", "--subresource=scale", "-o", "json"])
        .json();
    assert_eq!(scale["status"]["replicas"], 2, "{scale}");
    assert_eq!(scale["status"]["selector"], "app=w", "{scale}");
    let table = kcp
        .kubectl(&["get", "worker", "w", "--subresource=scale"])
        .ok()
        .to_string();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(header, ["NAME", "DESIRED", "AVAILABLE", "AGE"], "{table}");
    let row: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(row[..3], ["w", "3", "2"], "{table}");

    // The custom resource's schema still applies to what a Scale writes.
    let too_many = kcp.kubectl(&["scale", "worker", "w", "--replicas=11"]);
    assert!(
        too_many.err().contains(
            "spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"
        ),
        "{}",
        too_many.stderr
    );
    // A Scale of its own is checked as kube checks one.
    let path = "/clusters/root/apis/example.com/v1/namespaces/default/workers/w/scale";
    let put = |metadata: &str, replicas: &str| {
        let body = format!(
            r#"{{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{metadata},"spec":{{"replicas":{replicas}}}}}"#
        );
        kcp.curl("PUT", path, "application/json", body.as_bytes())
    };
    let (code, status) = put(r#"{"name":"w"}"#, "-1");
    assert_eq!(code, 422, "{status}");
    assert_eq!(
        status["message"],
        r#"Scale.autoscaling "w" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"#
    );
    assert_eq!(status["details"]["causes"][0]["field"], "spec.replicas");
    let (code, status) = put(r#"{"name":"w"}"#, r#""two""#);
    assert_eq!(code, 400, "{status}");
    assert!(
        status["message"]
            .as_str()
            .is_some_and(|m| m.contains("spec.replicas")),
        "{status}"
    );
    // A stale resourceVersion in the Scale is a conflict.
    let (code, status) = put(r#"{"name":"w","resourceVersion":"1"}"#, "4");
    assert_eq!(code, 409, "{status}");
    let (code, scale) = put(r#"{"name":"w"}"#, "4");
    assert_eq!(code, 200, "{scale}");
    assert_eq!(scale["spec"]["replicas"], 4, "{scale}");
    // A JSON patch of the Scale works too.
    let (code, scale) = kcp.curl(
        "PATCH",
        path,
        "application/json-patch+json",
        br#"[{"op":"replace","path":"/spec/replicas","value":5}]"#,
    );
    assert_eq!(code, 200, "{scale}");
    assert_eq!(scale["spec"]["replicas"], 5, "{scale}");
}

#[test]
fn workloads_scale_with_kubectl() {
    let kcp = Kcp::start_with(&["--profile", "kube"]);
    kcp.kubectl(&[
        "create",
        "deployment",
        "web",
        "--image=nginx",
        "--replicas=1",
    ])
    .ok();
    kcp.kubectl(&["scale", "deployment", "web", "--replicas=3"])
        .ok();
    let scale = kcp
        .kubectl(&[
            "get",
            "deployment",
            "web",
            "--subresource=scale",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(scale["spec"]["replicas"], 3, "{scale}");
    assert_eq!(scale["status"]["replicas"], 0, "{scale}");
    assert_eq!(scale["status"]["selector"], "app=web", "{scale}");
    assert_eq!(scale["metadata"]["namespace"], "default", "{scale}");
    let d = kcp
        .kubectl(&[
            "get",
            "deployment",
            "web",
            "--show-managed-fields",
            "-o",
            "json",
        ])
        .json();
    assert_eq!(d["spec"]["replicas"], 3);
    assert_eq!(d["metadata"]["generation"], 2);
    let by_scale: Vec<&serde_json::Value> = d["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["subresource"] == "scale")
        .collect();
    assert_eq!(by_scale.len(), 1, "{d}");
    assert_eq!(by_scale[0]["operation"], "Update");

    // The other workload types, with their own selector shapes.
    let rs = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: rs\nspec:\n  replicas: 1\n  selector:\n    matchExpressions: [{key: app, operator: In, values: [rs, b]}]\n  template:\n    metadata:\n      labels: {app: rs}\n    spec:\n      containers: [{name: c, image: nginx}]\n";
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 1\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers: [{name: c, image: postgres}]\n";
    let rc = "apiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: rc\nspec:\n  replicas: 1\n  selector: {app: rc, tier: x}\n  template:\n    metadata:\n      labels: {app: rc, tier: x}\n    spec:\n      containers: [{name: c, image: nginx}]\n";
    for (manifest, kind, selector) in [
        (rs, "replicaset/rs", "app in (b,rs)"),
        (sts, "statefulset/db", "app=db"),
        (rc, "replicationcontroller/rc", "app=rc,tier=x"),
    ] {
        kcp.kubectl_stdin(&["apply", "-f", "-"], Some(manifest))
            .ok();
        kcp.kubectl(&["scale", kind, "--replicas=2"]).ok();
        let scale = kcp
            .kubectl(&["get", kind, "--subresource=scale", "-o", "json"])
            .json();
        assert_eq!(scale["spec"]["replicas"], 2, "{kind}: {scale}");
        assert_eq!(scale["status"]["selector"], selector, "{kind}: {scale}");
    }

    // Objects without a scale subresource have none.
    kcp.kubectl(&["create", "configmap", "c"]).ok();
    let missing = kcp.kubectl(&["get", "configmap", "c", "--subresource=scale"]);
    assert!(missing.err().contains("NotFound"), "{}", missing.stderr);
}
