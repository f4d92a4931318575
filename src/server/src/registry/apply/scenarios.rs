//! End-to-end apply and update scenarios, taken from the Kubernetes documentation page
//! "Server-Side Apply" (field management, conflicts, force, transferring ownership, merge
//! strategy for lists and maps, removing fields) and from what kube-apiserver records.

use serde_json::{Value, json};

use super::*;
use crate::schema::GroupVersionKind;

const T0: &str = "2024-05-01T10:00:00Z";
const T1: &str = "2024-05-01T10:01:00Z";
const T2: &str = "2024-05-01T10:02:00Z";

fn req<'a>(manager: &'a str, api_version: &'a str, kind: &'a str, now: &'a str) -> Request<'a> {
    Request {
        manager,
        api_version,
        kind,
        subresource: "",
        now,
        reset_fields: None,
        versions: None,
    }
}

fn cm_schema() -> BuiltinSchema {
    BuiltinSchema::for_gvk(&GroupVersionKind::new("", "v1", "ConfigMap"))
}

fn deploy_schema() -> BuiltinSchema {
    BuiltinSchema::for_gvk(&GroupVersionKind::new("apps", "v1", "Deployment"))
}

fn managed_of(obj: &Value) -> ManagedFields {
    ManagedFields::of_object(obj).unwrap()
}

fn fields_of(obj: &Value, manager: &str) -> String {
    managed_of(obj)
        .entries()
        .iter()
        .find(|e| e.manager == manager)
        .map(|e| e.fields.to_fields_v1_string())
        .unwrap_or_default()
}

/// Applies and returns the new object.
fn do_apply<S: MergeSchema>(
    schema: &S,
    live: Option<&Value>,
    cfg: &Value,
    r: &Request<'_>,
    force: bool,
) -> Result<Value, ApplyError> {
    let managed = live.map(managed_of).unwrap_or_default();
    apply(live, cfg, r, force, &managed, schema).map(|a| a.object)
}

fn test_cm(value: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "test-cm", "namespace": "default", "labels": {"test-label": "test"}},
        "data": {"key": value}
    })
}

#[test]
fn apply_creates_and_records_the_docs_managed_fields() {
    // The page's first example: applying test-cm gives kubectl ownership of the label and key.
    let obj = do_apply(
        &cm_schema(),
        None,
        &test_cm("some value"),
        &req("kubectl", "v1", "ConfigMap", T0),
        false,
    )
    .unwrap();
    assert_eq!(obj["data"]["key"], "some value");
    assert_eq!(
        obj["metadata"]["managedFields"],
        json!([{
            "manager": "kubectl", "operation": "Apply", "apiVersion": "v1", "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:key": {}}, "f:metadata": {"f:labels": {"f:test-label": {}}}}
        }])
    );
}

#[test]
fn conflict_with_an_updater_then_force_takes_ownership() {
    let s = cm_schema();
    // Created by client-side apply (an Update by kubectl-client-side-apply).
    let mut created = test_cm("some value");
    update_object(
        None,
        &mut created,
        &req("kubectl-client-side-apply", "v1", "ConfigMap", T0),
        &s,
    )
    .unwrap();
    assert_eq!(
        fields_of(&created, "kubectl-client-side-apply"),
        r#"{"f:data":{".":{},"f:key":{}},"f:metadata":{"f:labels":{".":{},"f:test-label":{}}}}"#
    );

    let r = req("kubectl", "v1", "ConfigMap", T1);
    let err = do_apply(&s, Some(&created), &test_cm("other value"), &r, false).unwrap_err();
    let status = err.to_api_error().to_status();
    assert_eq!(status["code"], 409);
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["message"],
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.key"
    );
    assert_eq!(
        status["details"]["causes"],
        json!([{"reason": "FieldManagerConflict",
                "message": "conflict with \"kubectl-client-side-apply\" using v1",
                "field": ".data.key"}])
    );

    // Same value: no conflict, shared ownership.
    let shared = do_apply(&s, Some(&created), &test_cm("some value"), &r, false).unwrap();
    assert!(fields_of(&shared, "kubectl-client-side-apply").contains("f:key"));
    assert!(fields_of(&shared, "kubectl").contains("f:key"));

    // Forced: the value changes and ownership moves.
    let forced = do_apply(&s, Some(&created), &test_cm("other value"), &r, true).unwrap();
    assert_eq!(forced["data"]["key"], "other value");
    assert_eq!(
        fields_of(&forced, "kubectl-client-side-apply"),
        r#"{"f:data":{},"f:metadata":{"f:labels":{".":{},"f:test-label":{}}}}"#
    );
    assert_eq!(
        fields_of(&forced, "kubectl"),
        r#"{"f:data":{"f:key":{}},"f:metadata":{"f:labels":{"f:test-label":{}}}}"#
    );
}

#[test]
fn plural_conflicts_between_appliers() {
    let s = cm_schema();
    let cfg = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
        "data": {"a": "1", "b": "2"}});
    let obj = do_apply(&s, None, &cfg, &req("alpha", "v1", "ConfigMap", T0), false).unwrap();
    let cfg2 = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
        "data": {"a": "x", "b": "y"}});
    let err = do_apply(
        &s,
        Some(&obj),
        &cfg2,
        &req("beta", "v1", "ConfigMap", T1),
        false,
    )
    .unwrap_err();
    let ApplyError::Conflicts(c) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        c.message(),
        "Apply failed with 2 conflicts: conflicts with \"alpha\":\n- .data.a\n- .data.b"
    );
    let st = err.to_api_error().to_status();
    assert_eq!(st["details"]["causes"][1]["field"], ".data.b");
    assert_eq!(
        st["details"]["causes"][1]["message"],
        "conflict with \"alpha\""
    );
}

fn nginx(replicas: Option<i64>, image: &str) -> Value {
    let mut d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "nginx-deployment", "labels": {"app": "nginx"}},
        "spec": {
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": image}]}
            }
        }
    });
    if let Some(r) = replicas {
        d["spec"]["replicas"] = json!(r);
    }
    d
}

#[test]
fn transferring_ownership_to_a_controller() {
    // The docs' HPA walk-through: the user applies replicas: 3; a controller (Update) scales;
    // re-applying replicas conflicts; the user hands replicas over by applying the same value
    // under another manager and then dropping the field from its configuration.
    let s = deploy_schema();
    let user = req("kubectl", "apps/v1", "Deployment", T0);
    let obj = do_apply(&s, None, &nginx(Some(3), "nginx:1.14.2"), &user, false).unwrap();

    let mut scaled = obj.clone();
    scaled["spec"]["replicas"] = json!(5);
    let hpa = req("kube-controller-manager", "apps/v1", "Deployment", T1);
    update_object(Some(&obj), &mut scaled, &hpa, &s).unwrap();
    assert_eq!(
        fields_of(&scaled, "kube-controller-manager"),
        r#"{"f:spec":{"f:replicas":{}}}"#
    );
    assert!(!fields_of(&scaled, "kubectl").contains("replicas"));

    let err = do_apply(
        &s,
        Some(&scaled),
        &nginx(Some(3), "nginx:1.14.2"),
        &user,
        false,
    )
    .unwrap_err();
    assert_eq!(
        err.to_api_error().message,
        "Apply failed with 1 conflict: conflict with \"kube-controller-manager\" using apps/v1: .spec.replicas"
    );

    // Applying without replicas leaves the controller's value alone.
    let handed = do_apply(
        &s,
        Some(&scaled),
        &nginx(None, "nginx:1.14.2"),
        &user,
        false,
    )
    .unwrap();
    assert_eq!(handed["spec"]["replicas"], 5);
    assert!(!fields_of(&handed, "kubectl").contains("replicas"));
}

#[test]
fn removing_a_field_by_omitting_it() {
    let s = cm_schema();
    let r = req("kubectl", "v1", "ConfigMap", T0);
    let cfg = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
        "labels": {"a": "1", "b": "2"}}, "data": {"x": "1", "y": "2"}});
    let obj = do_apply(&s, None, &cfg, &r, false).unwrap();
    let cfg2 = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
        "labels": {"a": "1"}}, "data": {"x": "1"}});
    let obj2 = do_apply(
        &s,
        Some(&obj),
        &cfg2,
        &req("kubectl", "v1", "ConfigMap", T1),
        false,
    )
    .unwrap();
    assert_eq!(obj2["metadata"]["labels"], json!({"a": "1"}));
    assert_eq!(obj2["data"], json!({"x": "1"}));
    // Dropping everything removes the emptied maps.
    let cfg3 = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    let obj3 = do_apply(
        &s,
        Some(&obj2),
        &cfg3,
        &req("kubectl", "v1", "ConfigMap", T2),
        false,
    )
    .unwrap();
    assert!(obj3.get("data").is_none());
    assert!(obj3["metadata"].get("labels").is_none());
    assert!(obj3["metadata"].get("managedFields").is_none());
}

#[test]
fn shared_ownership_keeps_a_field_the_other_applier_still_owns() {
    let s = cm_schema();
    let cfg = test_cm("v");
    let a = do_apply(&s, None, &cfg, &req("a", "v1", "ConfigMap", T0), false).unwrap();
    let b = do_apply(&s, Some(&a), &cfg, &req("b", "v1", "ConfigMap", T1), false).unwrap();
    assert_eq!(managed_of(&b).entries().len(), 2);
    // a drops data.key; b still owns it, so it stays.
    let mut without = cfg.clone();
    without.as_object_mut().unwrap().remove("data");
    let c = do_apply(
        &s,
        Some(&b),
        &without,
        &req("a", "v1", "ConfigMap", T2),
        false,
    )
    .unwrap();
    assert_eq!(c["data"]["key"], "v");
    assert!(!fields_of(&c, "a").contains("f:data"));
    // Any change to the shared field now conflicts for... nobody but b, who owns it alone.
    let changed = test_cm("w");
    assert!(
        do_apply(
            &s,
            Some(&c),
            &changed,
            &req("b", "v1", "ConfigMap", T2),
            false
        )
        .is_ok()
    );
}

#[test]
fn fields_not_owned_by_the_applier_are_not_removed() {
    // A field set by an updater stays when an applier that never owned it omits it.
    let s = cm_schema();
    let mut created = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
        "data": {"mine": "1", "theirs": "2"}});
    update_object(
        None,
        &mut created,
        &req("kubectl-create", "v1", "ConfigMap", T0),
        &s,
    )
    .unwrap();
    let cfg = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
        "data": {"mine": "1"}});
    let obj = do_apply(
        &s,
        Some(&created),
        &cfg,
        &req("kubectl", "v1", "ConfigMap", T1),
        false,
    )
    .unwrap();
    let obj2 = do_apply(
        &s,
        Some(&obj),
        &json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c"}}),
        &req("kubectl", "v1", "ConfigMap", T2),
        false,
    )
    .unwrap();
    // kubectl-create still owns both keys, so neither goes.
    assert_eq!(obj2["data"], json!({"mine": "1", "theirs": "2"}));
}

fn crd_schema() -> Value {
    json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "mapList": {"type": "array", "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "properties": {"name": {"type": "string"}, "v": {"type": "string"}}}},
        "setList": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "atomicList": {"type": "array", "x-kubernetes-list-type": "atomic", "items": {"type": "string"}},
        "atomicMap": {"type": "object", "x-kubernetes-map-type": "atomic",
            "additionalProperties": {"type": "string"}},
        "granularMap": {"type": "object", "additionalProperties": {"type": "string"}}
    }}}})
}

fn widget(spec: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec})
}

#[test]
fn list_and_map_merge_strategies() {
    // The docs' merge-strategy table: map lists and sets merge item by item, with each item
    // owned by whoever applied it; atomic lists and maps are replaced whole and owned whole.
    let schema = crate::crd::schema::Schema::parse(&crd_schema());
    let s = CrdSchema::new(&schema);
    let a = req("a", "example.com/v1", "Widget", T0);
    let b = req("b", "example.com/v1", "Widget", T1);
    let obj = do_apply(
        &s,
        None,
        &widget(json!({
        "mapList": [{"name": "x", "v": "1"}], "setList": ["p"], "atomicList": ["p"],
        "atomicMap": {"k": "1"}, "granularMap": {"k": "1"}})),
        &a,
        false,
    )
    .unwrap();
    assert_eq!(
        fields_of(&obj, "a"),
        r#"{"f:spec":{"f:atomicList":{},"f:atomicMap":{},"f:granularMap":{"f:k":{}},"f:mapList":{"k:{\"name\":\"x\"}":{".":{},"f:name":{},"f:v":{}}},"f:setList":{"v:\"p\"":{}}}}"#
    );

    // b adds items to the granular structures: they merge.
    let obj2 = do_apply(
        &s,
        Some(&obj),
        &widget(json!({
        "mapList": [{"name": "y", "v": "2"}], "setList": ["q"], "granularMap": {"j": "2"}})),
        &b,
        false,
    )
    .unwrap();
    assert_eq!(
        obj2["spec"]["mapList"],
        json!([{"name": "x", "v": "1"}, {"name": "y", "v": "2"}])
    );
    assert_eq!(obj2["spec"]["setList"], json!(["p", "q"]));
    assert_eq!(obj2["spec"]["granularMap"], json!({"k": "1", "j": "2"}));

    // b touching the atomic ones conflicts with a on the whole field.
    let err = do_apply(
        &s,
        Some(&obj2),
        &widget(json!({"atomicList": ["q"], "atomicMap": {"j": "2"}})),
        &b,
        false,
    )
    .unwrap_err();
    assert_eq!(
        err.to_api_error().message,
        "Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.atomicList\n- .spec.atomicMap"
    );
    let forced = do_apply(
        &s,
        Some(&obj2),
        &widget(json!({"atomicList": ["q"], "atomicMap": {"j": "2"}})),
        &b,
        true,
    )
    .unwrap();
    assert_eq!(forced["spec"]["atomicList"], json!(["q"]));
    assert_eq!(forced["spec"]["atomicMap"], json!({"j": "2"}));

    // a dropping its map-list item removes only that item.
    let obj3 = do_apply(
        &s,
        Some(&obj2),
        &widget(json!({"setList": ["p"], "atomicList": ["p"],
        "atomicMap": {"k": "1"}, "granularMap": {"k": "1"}})),
        &req("a", "example.com/v1", "Widget", T2),
        false,
    )
    .unwrap();
    assert_eq!(obj3["spec"]["mapList"], json!([{"name": "y", "v": "2"}]));
}

#[test]
fn map_list_item_conflict_path_uses_the_key() {
    let s = deploy_schema();
    let obj = do_apply(
        &s,
        None,
        &nginx(Some(1), "nginx:1.14.2"),
        &req("a", "apps/v1", "Deployment", T0),
        false,
    )
    .unwrap();
    let err = do_apply(
        &s,
        Some(&obj),
        &nginx(None, "nginx:1.16.1"),
        &req("b", "apps/v1", "Deployment", T1),
        false,
    )
    .unwrap_err();
    assert_eq!(
        err.to_api_error().message,
        "Apply failed with 1 conflict: conflict with \"a\": .spec.template.spec.containers[name=\"nginx\"].image"
    );
}

#[test]
fn update_records_kubectl_create_deployment_fields() {
    // `kubectl create deployment` style: value structs have no `.` entry, new maps and lists do.
    let s = deploy_schema();
    let mut obj = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "default", "labels": {"app": "d"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "d"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [
                {"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                 "resources": {}}]}}}
    });
    update_object(
        None,
        &mut obj,
        &req("kubectl-create", "apps/v1", "Deployment", T0),
        &s,
    )
    .unwrap();
    assert_eq!(
        fields_of(&obj, "kubectl-create"),
        r#"{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},"f:resources":{}}}}}}}"#
    );
}

#[test]
fn update_moves_fields_between_updaters_and_keeps_untracked_objects_untracked() {
    let s = cm_schema();
    let mut obj = test_cm("1");
    update_object(None, &mut obj, &req("creator", "v1", "ConfigMap", T0), &s).unwrap();
    let mut edited = obj.clone();
    edited["data"]["key"] = json!("2");
    update_object(
        Some(&obj),
        &mut edited,
        &req("kubectl-edit", "v1", "ConfigMap", T1),
        &s,
    )
    .unwrap();
    assert_eq!(
        fields_of(&edited, "kubectl-edit"),
        r#"{"f:data":{"f:key":{}}}"#
    );
    assert_eq!(
        fields_of(&edited, "creator"),
        r#"{"f:data":{},"f:metadata":{"f:labels":{".":{},"f:test-label":{}}}}"#
    );
    let times: Vec<Option<String>> = managed_of(&edited)
        .entries()
        .iter()
        .map(|e| e.time.clone())
        .collect();
    assert!(times.contains(&Some(T1.to_string())));

    // An object that exists without managed fields is not tracked by updates.
    let mut plain = test_cm("1");
    let mut changed = plain.clone();
    changed["data"]["key"] = json!("3");
    update_object(
        Some(&plain),
        &mut changed,
        &req("x", "v1", "ConfigMap", T1),
        &s,
    )
    .unwrap();
    assert!(changed["metadata"].get("managedFields").is_none());

    // Its first apply hands what it held to before-first-apply, which then conflicts.
    plain["data"]["other"] = json!("o");
    let err = do_apply(
        &s,
        Some(&plain),
        &test_cm("9"),
        &req("kubectl", "v1", "ConfigMap", T2),
        false,
    )
    .unwrap_err();
    assert_eq!(
        err.to_api_error().message,
        "Apply failed with 1 conflict: conflict with \"before-first-apply\" using v1: .data.key"
    );
}

#[test]
fn noop_apply_keeps_time_and_reports_unchanged() {
    let s = cm_schema();
    let obj = do_apply(
        &s,
        None,
        &test_cm("v"),
        &req("kubectl", "v1", "ConfigMap", T0),
        false,
    )
    .unwrap();
    let again = apply(
        Some(&obj),
        &test_cm("v"),
        &req("kubectl", "v1", "ConfigMap", T1),
        false,
        &managed_of(&obj),
        &s,
    )
    .unwrap();
    assert!(!again.changed);
    assert_eq!(again.object, obj);
}

#[test]
fn a_co_owner_applying_the_same_values_changes_only_the_managed_fields() {
    let s = cm_schema();
    let obj = do_apply(
        &s,
        None,
        &test_cm("v"),
        &req("a", "v1", "ConfigMap", T0),
        false,
    )
    .unwrap();
    let shared = apply(
        Some(&obj),
        &test_cm("v"),
        &req("b", "v1", "ConfigMap", T1),
        false,
        &managed_of(&obj),
        &s,
    )
    .unwrap();
    assert!(!shared.changed);
    // The object must still be written: b co-owns the fields now, with no time (kube only
    // stamps a manager whose apply changed the object).
    assert_ne!(shared.object, obj);
    assert_eq!(fields_of(&shared.object, "b"), fields_of(&obj, "a"));
    let b = managed_of(&shared.object)
        .entries()
        .iter()
        .find(|e| e.manager == "b")
        .cloned();
    assert_eq!(b.map(|e| e.time), Some(None));
}

#[test]
fn bad_patches_are_refused_as_kube_refuses_them() {
    let s = cm_schema();
    let r = req("kubectl", "v1", "ConfigMap", T0);
    let mut cfg = test_cm("v");
    cfg["kind"] = json!("Secret");
    let e = do_apply(&s, None, &cfg, &r, false)
        .unwrap_err()
        .to_api_error();
    assert_eq!(
        (e.code, e.message.as_str()),
        (400, "invalid object type: /v1, Kind=Secret")
    );
    let mut cfg = test_cm("v");
    cfg["metadata"]["managedFields"] = json!([]);
    let e = do_apply(&s, None, &cfg, &r, false)
        .unwrap_err()
        .to_api_error();
    assert_eq!(e.message, "metadata.managedFields must be nil");

    let d = deploy_schema();
    let mut dup = nginx(None, "a");
    dup["spec"]["template"]["spec"]["containers"] = json!([{"name": "a"}, {"name": "a"}]);
    let e = do_apply(
        &d,
        None,
        &dup,
        &req("k", "apps/v1", "Deployment", T0),
        false,
    )
    .unwrap_err()
    .to_api_error();
    assert_eq!(e.code, 500);
    assert_eq!(
        e.message,
        "failed to create typed patch object (/nginx-deployment; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name=\"a\"]"
    );
}

#[test]
fn kubectl_takes_over_from_client_side_apply() {
    // Switching from `kubectl apply` to `kubectl apply --server-side`: changes to fields the
    // last client-side apply set are not conflicts, and the annotation follows the new config.
    let s = cm_schema();
    let last = "{\"apiVersion\":\"v1\",\"data\":{\"key\":\"some value\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"labels\":{\"test-label\":\"test\"},\"name\":\"test-cm\",\"namespace\":\"default\"}}\n";
    let mut created = test_cm("some value");
    created["metadata"]["annotations"] = json!({LAST_APPLIED_ANNOTATION: last});
    update_object(
        None,
        &mut created,
        &req("kubectl-client-side-apply", "v1", "ConfigMap", T0),
        &s,
    )
    .unwrap();

    let mut cfg = test_cm("other value");
    cfg["metadata"]["annotations"] = json!({LAST_APPLIED_ANNOTATION: last});
    let obj = do_apply(
        &s,
        Some(&created),
        &test_cm("other value"),
        &req("kubectl", "v1", "ConfigMap", T1),
        false,
    )
    .unwrap();
    assert_eq!(obj["data"]["key"], "other value");
    let ann = obj["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
        .as_str()
        .unwrap();
    assert_eq!(
        ann,
        "{\"apiVersion\":\"v1\",\"data\":{\"key\":\"other value\"},\"kind\":\"ConfigMap\",\"metadata\":{\"labels\":{\"test-label\":\"test\"},\"name\":\"test-cm\",\"namespace\":\"default\"}}\n"
    );
    // Another manager does not get that leniency.
    let err = do_apply(
        &s,
        Some(&created),
        &test_cm("other value"),
        &req("helm", "v1", "ConfigMap", T1),
        false,
    );
    assert!(matches!(err, Err(ApplyError::Conflicts(_))));
}

#[test]
fn reset_fields_are_never_owned() {
    let s = deploy_schema();
    let status = Set::from_paths([&[PathElement::field("status")][..]]);
    let mut r = req("kubectl", "apps/v1", "Deployment", T0);
    r.reset_fields = Some(&status);
    let mut cfg = nginx(Some(1), "a");
    cfg["status"] = json!({"replicas": 7});
    let obj = do_apply(&s, None, &cfg, &r, false).unwrap();
    assert!(!fields_of(&obj, "kubectl").contains("status"));
}
