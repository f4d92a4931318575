//! Tests of the public API: one real kube message per validation rule, and the real-world
//! CRDs under `e2e/testdata/crds/` (all structural, valid and invalid CRs of several).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::*;
use crate::errors::ApiError;

fn schema_of(spec: Value) -> CustomResourceSchema {
    CustomResourceSchema::new(&json!({"type": "object", "properties": {"spec": spec}}))
}

fn errors(s: &CustomResourceSchema, obj: Value) -> Vec<String> {
    s.validate(&obj, None)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn spec_errors(spec_schema: Value, spec: Value) -> Vec<String> {
    errors(&schema_of(spec_schema), json!({"spec": spec}))
}

fn object(props: Value) -> Value {
    json!({"type": "object", "properties": props})
}

#[test]
fn type_errors() {
    assert_eq!(
        spec_errors(
            object(json!({"replicas": {"type": "integer"}})),
            json!({"replicas": "string"})
        ),
        vec![
            r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#
        ]
    );
    assert_eq!(
        spec_errors(object(json!({"on": {"type": "boolean"}})), json!({"on": 1})),
        vec![
            r#"spec.on: Invalid value: "integer": spec.on in body must be of type boolean: "integer""#
        ]
    );
    // Integral floats are integers; int-or-string lists both types.
    assert!(spec_errors(object(json!({"n": {"type": "integer"}})), json!({"n": 2.0})).is_empty());
    assert_eq!(
        spec_errors(
            object(json!({"port": {"x-kubernetes-int-or-string": true}})),
            json!({"port": true})
        ),
        vec![
            r#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#
        ]
    );
    // A list item that is null and not nullable.
    assert_eq!(
        spec_errors(
            object(json!({"l": {"type": "array", "items": {"type": "string"}}})),
            json!({"l": [null]})
        ),
        vec![
            r#"spec.l[0]: Invalid value: "null": spec.l[0] in body must be of type string: "null""#
        ]
    );
    assert!(
        spec_errors(
            object(json!({"l": {"type": "array", "items": {"type": "string", "nullable": true}}})),
            json!({"l": [null]})
        )
        .is_empty()
    );
}

#[test]
fn required_and_enum() {
    let s =
        object(json!({"name": {"type": "string"}, "type": {"type": "string", "enum": ["a", "b"]}}));
    let mut s = s;
    s["required"] = json!(["name"]);
    assert_eq!(
        spec_errors(s.clone(), json!({"type": "x"})),
        vec![
            r#"spec.type: Unsupported value: "x": supported values: "a", "b""#,
            "spec.name: Required value",
        ]
    );
    let root = CustomResourceSchema::new(&json!({"type": "object", "required": ["spec"],
        "properties": {"spec": {"type": "object"}}}));
    assert_eq!(errors(&root, json!({})), vec!["spec: Required value"]);
    assert_eq!(
        spec_errors(
            object(json!({"n": {"type": "integer", "enum": [1, 2]}})),
            json!({"n": 3})
        ),
        vec![r#"spec.n: Unsupported value: 3: supported values: "1", "2""#]
    );
}

#[test]
fn string_bounds_pattern_and_format() {
    let s = object(json!({
        "name": {"type": "string", "minLength": 3, "maxLength": 5},
        "code": {"type": "string", "pattern": "^[a-z]+$"},
        "at": {"type": "string", "format": "date-time"},
        "free": {"type": "string", "format": "made-up"}}));
    assert_eq!(
        spec_errors(s.clone(), json!({"name": "ab"})),
        vec![
            r#"spec.name: Invalid value: "ab": spec.name in body should be at least 3 chars long"#
        ]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"name": "abcdef"})),
        vec!["spec.name: Too long: may not be more than 5 bytes"]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"code": "A1"})),
        vec![r#"spec.code: Invalid value: "A1": spec.code in body should match '^[a-z]+$'"#]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"at": "yesterday", "free": "anything"})),
        vec![
            r#"spec.at: Invalid value: "yesterday": spec.at in body must be of type date-time: "yesterday""#
        ]
    );
    assert!(
        spec_errors(
            s,
            json!({"name": "abc", "code": "ok", "at": "2024-05-01T10:00:00Z"})
        )
        .is_empty()
    );
}

#[test]
fn number_bounds_and_formats() {
    let s = object(json!({
        "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
        "ex": {"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 5, "exclusiveMaximum": true},
        "ratio": {"type": "number", "maximum": 1.5},
        "even": {"type": "integer", "multipleOf": 2},
        "small": {"type": "integer", "format": "int32"}}));
    assert_eq!(
        spec_errors(s.clone(), json!({"replicas": 20})),
        vec![
            "spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10"
        ]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"replicas": 0})),
        vec![
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"
        ]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"ex": 0})),
        vec!["spec.ex: Invalid value: 0: spec.ex in body should be greater than 0"]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"ex": 5})),
        vec!["spec.ex: Invalid value: 5: spec.ex in body should be less than 5"]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"ratio": 2.5})),
        vec![
            "spec.ratio: Invalid value: 2.5: spec.ratio in body should be less than or equal to 1.5"
        ]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"even": 3})),
        vec!["spec.even: Invalid value: 3: spec.even in body should be a multiple of 2"]
    );
    assert_eq!(
        spec_errors(s, json!({"small": 3_000_000_000_i64})),
        vec![
            r#"<nil>: Invalid value: "": Checked value must be of type integer with format int32 in spec.small"#
        ]
    );
}

#[test]
fn array_and_object_bounds() {
    let s = object(json!({
        "l": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}},
        "one": {"type": "array", "maxItems": 1, "items": {"type": "string"}},
        "m": {"type": "object", "minProperties": 1, "maxProperties": 2, "additionalProperties": {"type": "string"}}}));
    assert_eq!(
        spec_errors(s.clone(), json!({"l": []})),
        vec!["spec.l: Invalid value: 0: spec.l in body should have at least 1 items"]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"l": ["a", "b", "c"]})),
        vec!["spec.l: Too many: 3: must have at most 2 items"]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"one": ["a", "b"]})),
        vec!["spec.one: Too many: 2: must have at most 1 item"]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"m": {}})),
        vec!["spec.m: Invalid value: 0: spec.m in body should have at least 1 properties"]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"m": {"a": "1", "b": "2", "c": "3"}})),
        vec!["spec.m: Too many: 3: must have at most 2 items"]
    );
    assert_eq!(
        spec_errors(s, json!({"m": {"a": 1}})),
        vec![
            r#"spec.m.a: Invalid value: "integer": spec.m.a in body must be of type string: "integer""#
        ]
    );
    assert_eq!(
        spec_errors(
            object(
                json!({"u": {"type": "array", "uniqueItems": true, "items": {"type": "integer"}}})
            ),
            json!({"u": [1, 1]})
        ),
        vec![r#"spec.u: Invalid value: "": spec.u in body shouldn't contain duplicates"#]
    );
}

#[test]
fn junctors() {
    let s = object(json!({
        "a": {"type": "string", "anyOf": [{"pattern": "^x"}, {"pattern": "^y"}]},
        "o": {"type": "object", "properties": {"p": {"type": "string"}, "q": {"type": "string"}},
              "oneOf": [{"required": ["p"]}, {"required": ["q"]}]},
        "n": {"type": "string", "not": {"enum": ["bad"]}}}));
    assert_eq!(
        spec_errors(s.clone(), json!({"a": "z"})),
        vec![
            r#"<nil>: Invalid value: "": "spec.a" must validate at least one schema (anyOf)"#,
            r#"spec.a: Invalid value: "z": spec.a in body should match '^x'"#,
        ]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"o": {"p": "1", "q": "2"}})),
        vec![
            r#"<nil>: Invalid value: "": "spec.o" must validate one and only one schema (oneOf). Found 2 valid alternatives"#
        ]
    );
    assert_eq!(
        spec_errors(s.clone(), json!({"n": "bad"})),
        vec![r#"<nil>: Invalid value: "": "spec.n" must not validate the schema (not)"#]
    );
    assert!(spec_errors(s, json!({"a": "yes", "o": {"p": "1"}, "n": "ok"})).is_empty());
}

#[test]
fn list_type_uniqueness() {
    let s = object(json!({
        "set": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "map": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "v": {"type": "integer"}}}}}));
    assert_eq!(
        spec_errors(s.clone(), json!({"set": ["a", "b", "a", "a"]})),
        vec![r#"spec.set[2]: Duplicate value: "a""#]
    );
    assert_eq!(
        spec_errors(
            s,
            json!({"map": [{"name": "x", "v": 1}, {"name": "x", "v": 2}]})
        ),
        vec![r#"spec.map[1]: Duplicate value: {"name":"x"}"#]
    );
}

#[test]
fn cel_blocked_by_schema_errors() {
    let s = CustomResourceSchema::new(
        &json!({"type": "object", "properties": {"spec": {"type": "object",
        "x-kubernetes-validations": [{"rule": "self.a > 0"}],
        "properties": {"a": {"type": "integer"}}}}}),
    );
    assert_eq!(
        errors(&s, json!({"spec": {"a": "x"}})),
        vec![
            r#"spec.a: Invalid value: "string": spec.a in body must be of type integer: "string""#,
            "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ]
    );
    assert_eq!(
        errors(&s, json!({"spec": {"a": 0}})),
        vec!["spec: Invalid value: failed rule: self.a > 0"]
    );
}

#[test]
fn invalid_status_message_is_kubes() {
    let s = schema_of(object(json!({"replicas": {"type": "integer"}})));
    let errs = s.validate(&json!({"spec": {"replicas": "x"}}), None);
    let e = ApiError::invalid("stable.example.com", "CronTab", "my-cron", &errs);
    assert_eq!(
        e.message,
        r#"CronTab.stable.example.com "my-cron" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#
    );
    assert_eq!(
        e.to_status()["details"]["causes"][0]["reason"],
        "FieldValueTypeInvalid"
    );
}

#[test]
fn prune_then_default_pipeline() {
    let s = CustomResourceSchema::new(
        &json!({"type": "object", "properties": {"spec": {"type": "object",
        "properties": {"replicas": {"type": "integer", "default": 1}, "image": {"type": "string"}}}}}),
    );
    let mut obj = json!({"apiVersion": "stable.example.com/v1", "kind": "CronTab",
        "metadata": {"name": "x"}, "spec": {"image": "i", "foo": "bar", "replicas": null}});
    let unknown = s.prune(&mut obj);
    s.default(&mut obj);
    assert_eq!(unknown, vec!["spec.foo"]);
    assert_eq!(obj["spec"], json!({"image": "i", "replicas": 1}));
    assert!(s.validate(&obj, None).is_empty());
}

#[test]
fn printer_columns_and_selectable_fields() {
    let version = json!({"name": "v1", "schema": {"openAPIV3Schema": {"type": "object"}},
        "additionalPrinterColumns": [
            {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
            {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
            {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio"},
            {"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused"},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            {"name": "Missing", "type": "string", "jsonPath": ".spec.nothing"},
            {"name": "Count", "type": "string", "jsonPath": ".spec.replicas"}],
        "selectableFields": [{"jsonPath": ".spec.color"}, {"jsonPath": ".spec.size"}]});
    let s = CustomResourceSchema::from_crd_version(&version);
    let obj = json!({"metadata": {"creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"replicas": 3, "ratio": 2, "paused": false, "color": "blue", "size": 5},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    let now: jiff::Timestamp = "2024-01-01T03:30:00Z".parse().expect("time");
    assert_eq!(
        s.printer_columns_at(&obj, now),
        vec![
            json!(3),
            json!("True"),
            json!(2.0),
            json!(false),
            json!("3h30m"),
            Value::Null,
            json!("3")
        ]
    );
    assert_eq!(
        s.selectable_field(&obj, "spec.color").as_deref(),
        Some("blue")
    );
    assert_eq!(s.selectable_field(&obj, "spec.size").as_deref(), Some("5"));
    assert_eq!(
        s.selectable_field(&json!({}), "spec.color").as_deref(),
        Some("")
    );
    assert_eq!(s.selectable_field(&obj, "spec.other"), None);
    assert_eq!(human_duration(90_000), "90s");
    assert_eq!(human_duration(5 * 86_400_000 + 3_600_000), "5d1h");
}

// ---- real-world CRDs ----------------------------------------------------------------------

fn crd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e/testdata/crds")
}

fn load_crds() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for project in ["cert-manager", "crossplane", "prometheus-operator"] {
        let dir = crd_dir().join(project);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("crd dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read crd");
            let v: Value = serde_saphyr::from_str(&text).expect("parse crd");
            out.push((f.display().to_string(), v));
        }
    }
    out
}

fn version_schema(crds: &[(String, Value)], name: &str, version: &str) -> CustomResourceSchema {
    let crd = crds
        .iter()
        .find(|(_, c)| c["metadata"]["name"] == name)
        .map(|(_, c)| c)
        .expect("crd present");
    let v = crd["spec"]["versions"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == version))
        .expect("version present");
    CustomResourceSchema::from_crd_version(v)
}

#[test]
fn every_real_crd_is_structural() {
    let crds = load_crds();
    assert!(crds.len() >= 30, "found {} CRDs", crds.len());
    for (file, crd) in &crds {
        for (i, v) in crd["spec"]["versions"]
            .as_array()
            .expect("versions")
            .iter()
            .enumerate()
        {
            let path = FieldPath::new(&format!("spec.versions[{i}].schema.openAPIV3Schema"));
            let errs = validate_crd_schema(&v["schema"]["openAPIV3Schema"], &path);
            assert!(
                errs.is_empty(),
                "{file}: {:?}",
                errs.iter().map(ToString::to_string).collect::<Vec<_>>()
            );
            assert!(is_structural(&v["schema"]["openAPIV3Schema"]));
            // Every schema builds, and an empty object of it prunes and defaults.
            let s = CustomResourceSchema::from_crd_version(v);
            let mut obj = json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "n"}});
            s.prune(&mut obj);
            s.default(&mut obj);
        }
    }
}

fn cert(spec: Value) -> Value {
    json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": "example", "namespace": "default"}, "spec": spec})
}

#[test]
fn cert_manager_certificate() {
    let crds = load_crds();
    let s = version_schema(&crds, "certificates.cert-manager.io", "v1");
    let valid = cert(
        json!({"secretName": "example-tls", "dnsNames": ["example.com"],
        "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}}),
    );
    let mut obj = valid.clone();
    assert!(s.prune(&mut obj).is_empty());
    s.default(&mut obj);
    assert!(
        s.validate(&obj, None).is_empty(),
        "{:?}",
        errors(&s, obj.clone())
    );

    let missing = cert(json!({"dnsNames": ["example.com"], "issuerRef": {"name": "letsencrypt"}}));
    assert_eq!(errors(&s, missing), vec!["spec.secretName: Required value"]);

    let mut unknown = cert(json!({"secretName": "s", "issuerRef": {"name": "i"}, "bogus": 1}));
    assert_eq!(s.prune(&mut unknown), vec!["spec.bogus"]);

    let bad_usage =
        cert(json!({"secretName": "s", "issuerRef": {"name": "i"}, "usages": ["flying"]}));
    let errs = errors(&s, bad_usage);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with(r#"spec.usages[0]: Unsupported value: "flying": supported values: "signing", "digital signature""#), "{errs:?}");

    // Printer columns of the CRD: Ready, Secret, Issuer, Status, Age.
    let mut ready = valid;
    ready["status"] = json!({"conditions": [{"type": "Ready", "status": "True", "message": "ok"}]});
    let cells = s.printer_columns(&ready);
    assert_eq!(cells[0], json!("True"));
    assert_eq!(cells[1], json!("example-tls"));
}

#[test]
fn prometheus_operator_prometheus() {
    let crds = load_crds();
    let s = version_schema(&crds, "prometheuses.monitoring.coreos.com", "v1");
    let obj = json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
        "metadata": {"name": "k8s", "namespace": "monitoring"},
        "spec": {"replicas": 2, "serviceAccountName": "prometheus", "serviceMonitorSelector": {},
                 "resources": {"requests": {"memory": "400Mi"}}}});
    let mut ok = obj.clone();
    s.prune(&mut ok);
    s.default(&mut ok);
    assert!(
        s.validate(&ok, None).is_empty(),
        "{:?}",
        errors(&s, ok.clone())
    );

    let mut bad = obj.clone();
    bad["spec"]["replicas"] = json!("two");
    // The Prometheus schema has CEL rules, which a type error keeps from running.
    assert_eq!(
        errors(&s, bad),
        vec![
            r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
            "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ]
    );
    let mut bad = obj;
    bad["spec"]["serviceMonitorSelector"] = json!({"matchExpressions": [{"key": "k"}]});
    assert_eq!(
        errors(&s, bad)[0],
        "spec.serviceMonitorSelector.matchExpressions[0].operator: Required value"
    );
}

#[test]
fn prometheus_operator_service_monitor_and_rule() {
    let crds = load_crds();
    let s = version_schema(&crds, "servicemonitors.monitoring.coreos.com", "v1");
    let sm = json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
        "metadata": {"name": "app"},
        "spec": {"selector": {"matchLabels": {"app": "x"}}, "endpoints": [{"port": "web", "interval": "30s"}]}});
    assert!(
        s.validate(&sm, None).is_empty(),
        "{:?}",
        errors(&s, sm.clone())
    );
    let mut bad = sm;
    bad["spec"]["endpoints"][0]["interval"] = json!("often");
    let errs = errors(&s, bad);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with(r#"spec.endpoints[0].interval: Invalid value: "often": spec.endpoints[0].interval in body should match '"#), "{errs:?}");

    let s = version_schema(&crds, "prometheusrules.monitoring.coreos.com", "v1");
    let rule = json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
        "metadata": {"name": "r"},
        "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]},
                            {"name": "g", "rules": []}]}});
    let errs = errors(&s, rule);
    assert_eq!(
        errs,
        vec![r#"spec.groups[1]: Duplicate value: {"name":"g"}"#]
    );
}

#[test]
fn crossplane_composition_cel() {
    let crds = load_crds();
    let s = version_schema(&crds, "compositions.apiextensions.crossplane.io", "v1");
    let comp = json!({"apiVersion": "apiextensions.crossplane.io/v1", "kind": "Composition",
        "metadata": {"name": "c"},
        "spec": {"compositeTypeRef": {"apiVersion": "example.org/v1", "kind": "XThing"},
                 "mode": "Pipeline",
                 "pipeline": [{"step": "s", "functionRef": {"name": "f"}}]}});
    let mut ok = comp.clone();
    s.prune(&mut ok);
    s.default(&mut ok);
    assert!(
        s.validate(&ok, None).is_empty(),
        "{:?}",
        errors(&s, ok.clone())
    );
    // compositeTypeRef is immutable (a transition rule).
    let mut changed = ok.clone();
    changed["spec"]["compositeTypeRef"]["kind"] = json!("XOther");
    let errs: Vec<String> = s
        .validate(&changed, Some(&ok))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errs,
        vec!["spec.compositeTypeRef: Invalid value: Value is immutable"]
    );
}

#[test]
fn schema_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CustomResourceSchema>();
}
