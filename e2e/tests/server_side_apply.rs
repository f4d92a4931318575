//! `kubectl apply --server-side` against the server, one test per example of the Kubernetes
//! documentation page on server-side apply: field management, conflicts (with an updater and
//! between appliers), forcing, transferring ownership, the merge strategy of lists and maps,
//! removing fields, the upgrade from client-side apply, creating and no-op applies, and
//! clearing `managedFields`. Expected outputs are kube-apiserver's and kubectl's.

use serde_json::{Map, Value, json};

use e2e::{Kcp, Output};

const CM: &str = "/clusters/root/api/v1/namespaces/default/configmaps";

/// What kubectl appends to the server's message when an apply conflicts.
const CONFLICT_HINT: &str =
    "Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
";

/// kubectl with whitespace-separated arguments.
fn run(kcp: &Kcp, args: &str) -> Output {
    kcp.kubectl(&args.split_whitespace().collect::<Vec<_>>())
}

/// `kubectl apply --server-side -f -` with `flags` (`--field-manager=…`, `--force-conflicts`).
fn apply(kcp: &Kcp, flags: &str, yaml: &str) -> Output {
    let mut args = vec!["apply", "--server-side", "-f", "-"];
    args.extend(flags.split_whitespace());
    kcp.kubectl_stdin(&args, Some(yaml))
}

/// Applies and checks kubectl's report.
#[track_caller]
fn apply_ok(kcp: &Kcp, flags: &str, yaml: &str, object: &str) {
    let out = apply(kcp, flags, yaml);
    assert_eq!(out.ok(), format!("{object} serverside-applied\n"));
}

/// The stderr of an apply refused with the server's conflict `message`.
#[track_caller]
fn assert_conflict(out: &Output, message: &str) {
    assert_eq!(out.err(), format!("error: {message}\n{CONFLICT_HINT}"));
}

/// A strategic-merge patch by `manager` (an `Update`) of `target` (`cm name`).
#[track_caller]
fn patch_as(kcp: &Kcp, target: &str, manager: &str, patch: &str) {
    let (kind, name) = target.split_once(' ').unwrap();
    let manager = format!("--field-manager={manager}");
    kcp.kubectl(&["patch", kind, name, &manager, "-p", patch])
        .ok();
}

/// The object as JSON, managed fields included.
fn get(kcp: &Kcp, target: &str) -> Value {
    run(kcp, &format!("get {target} -o json --show-managed-fields")).json()
}

/// `fieldsV1` by `manager/operation[/subresource]`, to compare with one `json!`.
fn owners(obj: &Value) -> Value {
    let mut by = Map::new();
    for e in obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert_eq!(
            (&e["apiVersion"], &e["fieldsType"]),
            (&obj["apiVersion"], &json!("FieldsV1"))
        );
        let mut key = format!(
            "{}/{}",
            e["manager"].as_str().unwrap(),
            e["operation"].as_str().unwrap()
        );
        if let Some(sub) = e["subresource"].as_str() {
            key = format!("{key}/{sub}");
        }
        by.insert(key, e["fieldsV1"].clone());
    }
    Value::Object(by)
}

/// A ConfigMap in `default` with the given data.
fn cm(name: &str, data: &[(&str, &str)]) -> String {
    let mut yaml = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata:\n"
    );
    for (k, v) in data {
        yaml.push_str(&format!("  {k}: \"{v}\"\n"));
    }
    yaml
}

/// The docs' first example.
const TEST_CM: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: test-cm
  namespace: default
  labels:
    test-label: test
data:
  key: some value
";

#[test]
fn field_management_records_the_applier() {
    let kcp = Kcp::start();
    apply_ok(&kcp, "", TEST_CM, "configmap/test-cm");
    let obj = get(&kcp, "cm test-cm");
    let mut entries = obj["metadata"]["managedFields"].clone();
    let time = entries[0].as_object_mut().unwrap().remove("time");
    assert!(time.is_some_and(|t| t.as_str().is_some_and(|t| t.ends_with('Z'))));
    assert_eq!(
        entries,
        json!([{
            "manager": "kubectl", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:key": {}}, "f:metadata": {"f:labels": {"f:test-label": {}}}}
        }])
    );
    // Only --show-managed-fields shows them.
    let plain = run(&kcp, "get cm test-cm -o json").json();
    assert!(plain["metadata"].get("managedFields").is_none(), "{plain}");
}

#[test]
fn conflicts_with_an_updater_and_between_appliers() {
    let kcp = Kcp::start();
    apply_ok(&kcp, "", TEST_CM, "configmap/test-cm");
    patch_as(
        &kcp,
        "cm test-cm",
        "other-editor",
        r#"{"data":{"key":"changed"}}"#,
    );
    let changed = TEST_CM.replace("some value", "new value");
    assert_conflict(
        &apply(&kcp, "", &changed),
        r#"Apply failed with 1 conflict: conflict with "other-editor" using v1: .data.key"#,
    );

    // Two fields: the plural message, and one cause per field in the Status. (Not `y`: kubectl
    // reads that key as YAML 1.1's `true`.)
    apply_ok(
        &kcp,
        "",
        &cm("pair", &[("x", "1"), ("z", "1")]),
        "configmap/pair",
    );
    patch_as(&kcp, "cm pair", "editor", r#"{"data":{"x":"2","z":"2"}}"#);
    let both = cm("pair", &[("x", "3"), ("z", "3")]);
    let message =
        "Apply failed with 2 conflicts: conflicts with \"editor\" using v1:\n- .data.x\n- .data.z";
    assert_conflict(&apply(&kcp, "", &both), message);
    let url = format!("{CM}/pair?fieldManager=kubectl");
    let (code, status) = kcp.curl(
        "PATCH",
        &url,
        "application/apply-patch+yaml",
        both.as_bytes(),
    );
    let cause = |field: &str| json!({"reason": "FieldManagerConflict", "message": "conflict with \"editor\" using v1", "field": field});
    assert_eq!(
        (code, status),
        (
            409,
            json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": "Conflict",
                "details": {"causes": [cause(".data.x"), cause(".data.z")]}, "code": 409
            })
        )
    );
    assert_eq!(get(&kcp, "cm pair")["data"], json!({"x": "2", "z": "2"}));

    // Between appliers (an applier is named without a version); the same value is shared.
    apply_ok(
        &kcp,
        "--field-manager=alpha",
        &cm("shared", &[("k", "a")]),
        "configmap/shared",
    );
    assert_conflict(
        &apply(&kcp, "--field-manager=beta", &cm("shared", &[("k", "b")])),
        r#"Apply failed with 1 conflict: conflict with "alpha": .data.k"#,
    );
    apply_ok(
        &kcp,
        "--field-manager=beta",
        &cm("shared", &[("k", "a")]),
        "configmap/shared",
    );
    let k = json!({"f:data": {"f:k": {}}});
    assert_eq!(
        owners(&get(&kcp, "cm shared")),
        json!({"alpha/Apply": k, "beta/Apply": k})
    );
}

#[test]
fn force_conflicts_takes_ownership() {
    let kcp = Kcp::start();
    apply_ok(&kcp, "", TEST_CM, "configmap/test-cm");
    patch_as(
        &kcp,
        "cm test-cm",
        "other-editor",
        r#"{"data":{"key":"changed"}}"#,
    );
    let label = json!({"f:labels": {"f:test-label": {}}});
    assert_eq!(
        owners(&get(&kcp, "cm test-cm")),
        json!({"kubectl/Apply": {"f:metadata": label}, "other-editor/Update": {"f:data": {"f:key": {}}}})
    );
    let changed = TEST_CM.replace("some value", "new value");
    apply_ok(&kcp, "--force-conflicts", &changed, "configmap/test-cm");
    let obj = get(&kcp, "cm test-cm");
    assert_eq!(obj["data"]["key"], "new value");
    // other-editor owned nothing else: its entry is gone.
    assert_eq!(
        owners(&obj),
        json!({"kubectl/Apply": {"f:data": {"f:key": {}}, "f:metadata": label}})
    );
}

/// The docs' nginx Deployment, with `replicas` unless `None`.
fn nginx(replicas: Option<u32>, containers: &[(&str, &str)]) -> String {
    let mut yaml = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx-deployment\n  namespace: default\n  labels:\n    app: nginx\nspec:\n",
    );
    if let Some(n) = replicas {
        yaml.push_str(&format!("  replicas: {n}\n"));
    }
    yaml.push_str("  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      containers:\n");
    for (name, image) in containers {
        yaml.push_str(&format!("      - name: {name}\n        image: {image}\n"));
    }
    yaml
}

const NGINX: &[(&str, &str)] = &[("nginx", "nginx:1.14.2")];
const DEPLOY: &str = "deployment.apps/nginx-deployment";
const GET_DEPLOY: &str = "deployment nginx-deployment";

fn owns_replicas(owners: &Value, manager: &str) -> bool {
    owners[manager]["f:spec"].get("f:replicas").is_some()
}

#[test]
fn transferring_replicas_to_another_manager() {
    let kcp = Kcp::start_with(&["--profile", "kube"]);
    apply_ok(&kcp, "", &nginx(Some(3), NGINX), DEPLOY);

    // The handover: a private manager applies the same value, so both own replicas…
    let replicas_only = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx-deployment\n  namespace: default\nspec:\n  replicas: 3\n";
    apply_ok(
        &kcp,
        "--field-manager=handover-to-hpa --validate=false",
        replicas_only,
        DEPLOY,
    );
    let by = owners(&get(&kcp, GET_DEPLOY));
    assert_eq!(
        by["handover-to-hpa/Apply"],
        json!({"f:spec": {"f:replicas": {}}})
    );
    assert!(owns_replicas(&by, "kubectl/Apply"), "{by}");
    // …and the user can drop it from its configuration without the value changing.
    apply_ok(&kcp, "", &nginx(None, NGINX), DEPLOY);
    let obj = get(&kcp, GET_DEPLOY);
    assert_eq!(obj["spec"]["replicas"], 3);
    let by = owners(&obj);
    assert!(!owns_replicas(&by, "kubectl/Apply") && owns_replicas(&by, "handover-to-hpa/Apply"));

    // A controller scaling through the scale subresource (kubectl, by its user agent) takes
    // replicas: the handover manager owns nothing any more and is gone.
    run(&kcp, "scale deployment nginx-deployment --replicas=5").ok();
    let by = owners(&get(&kcp, GET_DEPLOY));
    assert!(by.get("handover-to-hpa/Apply").is_none(), "{by}");
    assert_eq!(
        by["kubectl/Update/scale"],
        json!({"f:spec": {"f:replicas": {}}})
    );

    // The user's configuration leaves the controller's value alone; one with replicas conflicts.
    apply_ok(&kcp, "", &nginx(None, NGINX), DEPLOY);
    assert_eq!(get(&kcp, GET_DEPLOY)["spec"]["replicas"], 5);
    assert_conflict(
        &apply(&kcp, "", &nginx(Some(3), NGINX)),
        r#"Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas"#,
    );
}

const WIDGET_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.ssa.example.com
spec:
  group: ssa.example.com
  names: {plural: widgets, singular: widget, kind: Widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              mapList:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    value: {type: string}
              setList:
                type: array
                x-kubernetes-list-type: set
                items: {type: string}
              atomicList:
                type: array
                x-kubernetes-list-type: atomic
                items: {type: string}
              atomicMap:
                type: object
                x-kubernetes-map-type: atomic
                additionalProperties: {type: string}
              granularMap:
                type: object
                x-kubernetes-map-type: granular
                additionalProperties: {type: string}
";

/// The Widget `w` with `spec` in YAML flow style.
fn widget(spec: &str) -> String {
    format!(
        "apiVersion: ssa.example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\nspec: {{{spec}}}\n"
    )
}

#[test]
fn lists_and_maps_merge_by_their_schema() {
    let kcp = Kcp::start();
    let crd = "customresourcedefinition.apiextensions.k8s.io/widgets.ssa.example.com";
    apply_ok(&kcp, "", WIDGET_CRD, crd);
    run(
        &kcp,
        "wait --for=condition=established crd/widgets.ssa.example.com --timeout=60s",
    )
    .ok();
    let w = "widget.ssa.example.com/w";
    let alpha = "mapList: [{name: a, value: '1'}], setList: [a], atomicList: [a], atomicMap: {a: '1'}, granularMap: {a: '1'}";
    apply_ok(&kcp, "--field-manager=alpha", &widget(alpha), w);
    let beta = "setList: [b], granularMap: {b: '2'}";
    let beta_items = format!("mapList: [{{name: b, value: '2'}}], {beta}");
    apply_ok(&kcp, "--field-manager=beta", &widget(&beta_items), w);
    // Map-list items, set members and granular map keys of both appliers are merged.
    assert_eq!(
        get(&kcp, "widget w")["spec"],
        json!({
            "mapList": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}],
            "setList": ["a", "b"], "atomicList": ["a"], "atomicMap": {"a": "1"},
            "granularMap": {"a": "1", "b": "2"}
        })
    );

    // A map-list item is owned field by field, under its key.
    let other_item = format!("mapList: [{{name: a, value: '9'}}, {{name: b, value: '2'}}], {beta}");
    assert_conflict(
        &apply(&kcp, "--field-manager=beta", &widget(&other_item)),
        r#"Apply failed with 1 conflict: conflict with "alpha": .spec.mapList[name="a"].value"#,
    );

    // Atomic structures are owned whole: any change by another applier conflicts, and forcing
    // replaces them rather than merging.
    let atomic = widget(&format!(
        "{beta_items}, atomicList: [b], atomicMap: {{b: '2'}}"
    ));
    assert_conflict(
        &apply(&kcp, "--field-manager=beta", &atomic),
        "Apply failed with 2 conflicts: conflicts with \"alpha\":\n- .spec.atomicList\n- .spec.atomicMap",
    );
    apply_ok(&kcp, "--field-manager=beta --force-conflicts", &atomic, w);
    let obj = get(&kcp, "widget w");
    assert_eq!(
        (&obj["spec"]["atomicList"], &obj["spec"]["atomicMap"]),
        (&json!(["b"]), &json!({"b": "2"}))
    );
    let item = json!({".": {}, "f:name": {}, "f:value": {}});
    assert_eq!(
        owners(&obj),
        json!({
            "alpha/Apply": {"f:spec": {
                "f:granularMap": {"f:a": {}}, "f:mapList": {"k:{\"name\":\"a\"}": item},
                "f:setList": {"v:\"a\"": {}}
            }},
            "beta/Apply": {"f:spec": {
                "f:atomicList": {}, "f:atomicMap": {}, "f:granularMap": {"f:b": {}},
                "f:mapList": {"k:{\"name\":\"b\"}": item}, "f:setList": {"v:\"b\"": {}}
            }}
        })
    );
}

#[test]
fn containers_of_two_appliers_merge_by_name() {
    let kcp = Kcp::start_with(&["--profile", "kube"]);
    apply_ok(&kcp, "", &nginx(Some(1), NGINX), DEPLOY);
    let sidecar = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx-deployment\n  namespace: default\nspec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        image: busybox\n";
    apply_ok(&kcp, "--field-manager=sidecar-injector", sidecar, DEPLOY);
    // Re-applying the user's configuration keeps the other applier's container.
    apply_ok(&kcp, "", &nginx(Some(1), NGINX), DEPLOY);
    let obj = get(&kcp, GET_DEPLOY);
    let containers = obj["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    let names: Vec<&Value> = containers.iter().map(|c| &c["name"]).collect();
    assert_eq!(names, ["nginx", "sidecar"]);
    let by = owners(&obj);
    let owned = |m: &str| &by[m]["f:spec"]["f:template"]["f:spec"]["f:containers"];
    let container = |name: &str| json!({format!("k:{{\"name\":\"{name}\"}}"): {".": {}, "f:image": {}, "f:name": {}}});
    assert_eq!(owned("kubectl/Apply"), &container("nginx"));
    assert_eq!(owned("sidecar-injector/Apply"), &container("sidecar"));
}

#[test]
fn removing_fields_by_leaving_them_out() {
    let kcp = Kcp::start();
    let all = cm("c", &[("keep", "1"), ("drop", "2"), ("shared", "3")]);
    apply_ok(&kcp, "", &all, "configmap/c");
    apply_ok(
        &kcp,
        "--field-manager=co-owner",
        &cm("c", &[("shared", "3")]),
        "configmap/c",
    );
    apply_ok(&kcp, "", &cm("c", &[("keep", "1")]), "configmap/c");
    // `drop` had no other owner; `shared` still has one.
    let obj = get(&kcp, "cm c");
    assert_eq!(obj["data"], json!({"keep": "1", "shared": "3"}));
    assert_eq!(
        owners(&obj),
        json!({"co-owner/Apply": {"f:data": {"f:shared": {}}}, "kubectl/Apply": {"f:data": {"f:keep": {}}}})
    );
}

#[test]
fn removed_fields_fall_back_to_their_defaults() {
    // Dropping replicas without a handover resets it to its default; a dropped container (a
    // map-list item) goes.
    let kcp = Kcp::start_with(&["--profile", "kube"]);
    let two = [("nginx", "nginx:1.14.2"), ("helper", "busybox")];
    apply_ok(&kcp, "", &nginx(Some(3), &two), DEPLOY);
    apply_ok(&kcp, "", &nginx(None, NGINX), DEPLOY);
    let obj = get(&kcp, GET_DEPLOY);
    assert_eq!(obj["spec"]["replicas"], 1);
    let containers = &obj["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers.as_array().map(Vec::len), Some(1), "{obj}");
    assert_eq!(containers[0]["name"], "nginx");
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

#[test]
fn upgrading_from_client_side_apply() {
    let kcp = Kcp::start();
    let config = cm("test-cm", &[("key", "some value"), ("other", "x")]);
    let client_side = |yaml: &str| {
        kcp.kubectl_stdin(&["apply", "-f", "-"], Some(yaml))
            .ok()
            .to_string()
    };
    assert_eq!(client_side(&config), "configmap/test-cm created\n");
    let by = owners(&get(&kcp, "cm test-cm"));
    assert!(by.get("kubectl-client-side-apply/Update").is_some(), "{by}");

    // The same configuration server-side: no conflict, and kubectl moves the client-side
    // manager's fields to its Apply entry, the annotation to a manager of its own.
    apply_ok(&kcp, "", &config, "configmap/test-cm");
    assert_eq!(
        owners(&get(&kcp, "cm test-cm")),
        json!({
            "kubectl-last-applied/Apply": {"f:metadata": {"f:annotations": {format!("f:{LAST_APPLIED}"): {}}}},
            "kubectl/Apply": {"f:data": {"f:key": {}, "f:other": {}}}
        })
    );

    // Server-side apply now removes what the configuration leaves out, and the server keeps
    // the annotation up to date for kubectl…
    apply_ok(
        &kcp,
        "",
        &cm("test-cm", &[("key", "some value")]),
        "configmap/test-cm",
    );
    let obj = get(&kcp, "cm test-cm");
    assert_eq!(obj["data"], json!({"key": "some value"}));
    assert_eq!(
        obj["metadata"]["annotations"][LAST_APPLIED],
        "{\"apiVersion\":\"v1\",\"data\":{\"key\":\"some value\"},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"test-cm\",\"namespace\":\"default\"}}\n"
    );
    // …so that going back to client-side apply works.
    let more = cm("test-cm", &[("key", "some value"), ("third", "3")]);
    assert_eq!(client_side(&more), "configmap/test-cm configured\n");
    assert_eq!(
        get(&kcp, "cm test-cm")["data"],
        json!({"key": "some value", "third": "3"})
    );

    // Only fields still holding the last client-side value move without a conflict.
    client_side(&cm("edited", &[("key", "a")]));
    patch_as(&kcp, "cm edited", "editor", r#"{"data":{"key":"b"}}"#);
    assert_conflict(
        &apply(&kcp, "", &cm("edited", &[("key", "a")])),
        r#"Apply failed with 1 conflict: conflict with "editor" using v1: .data.key"#,
    );
}

#[test]
fn apply_creates_and_a_repeat_changes_nothing() {
    let kcp = Kcp::start();
    let apply_raw = |query: &str| {
        let url = format!("{CM}/test-cm{query}");
        kcp.curl(
            "PATCH",
            &url,
            "application/apply-patch+yaml",
            TEST_CM.as_bytes(),
        )
    };
    let (code, created) = apply_raw("?fieldManager=kubectl");
    assert_eq!(
        (code, &created["data"]),
        (201, &json!({"key": "some value"}))
    );
    let before = get(&kcp, "cm test-cm");
    assert_eq!(
        before["metadata"]["resourceVersion"],
        created["metadata"]["resourceVersion"]
    );

    // Repeats keep the resourceVersion and the managed fields, time included.
    apply_ok(&kcp, "", TEST_CM, "configmap/test-cm");
    assert_eq!(apply_raw("?fieldManager=kubectl").0, 200);
    assert_eq!(get(&kcp, "cm test-cm"), before);

    let (code, status) = apply_raw("");
    assert_eq!(
        (code, status["message"].as_str()),
        (
            422,
            Some(
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
            )
        )
    );
}

#[test]
fn clearing_managed_fields() {
    let kcp = Kcp::start();
    for (kind, patch) in [
        ("merge", r#"{"metadata":{"managedFields":[{}]}}"#),
        (
            "json",
            r#"[{"op":"replace","path":"/metadata/managedFields","value":[{}]}]"#,
        ),
    ] {
        apply_ok(&kcp, "", TEST_CM, "configmap/test-cm");
        kcp.kubectl(&["patch", "cm", "test-cm", "--type", kind, "-p", patch])
            .ok();
        let obj = get(&kcp, "cm test-cm");
        assert!(
            obj["metadata"].get("managedFields").is_none(),
            "{kind}: {obj}"
        );
    }
    // What nobody tracks belongs to `before-first-apply` at the next apply.
    assert_conflict(
        &apply(&kcp, "", &TEST_CM.replace("some value", "new value")),
        r#"Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.key"#,
    );
}
