//! Tests of [`decode_request`]: bodies hand-encoded the way Go's generated code writes them
//! (every non-pointer field, zero or not), the bodies a real kubectl 1.32 sent (`testdata/`,
//! captured by `testdata/capture.py`: create configmap, secret, namespace, role, rolebinding,
//! token; auth can-i, whoami), and malformed input.

use serde_json::{Value, json};

use super::*;

/// A protobuf message under construction: a minimal encoder for the tests.
#[derive(Clone, Default)]
struct Enc(Vec<u8>);

impl Enc {
    fn new() -> Self {
        Self::default()
    }

    fn put_varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn key(&mut self, number: u32, wire_type: u8) {
        self.put_varint(u64::from(number) << 3 | u64::from(wire_type));
    }

    fn varint(mut self, number: u32, v: u64) -> Self {
        self.key(number, 0);
        self.put_varint(v);
        self
    }

    fn int(self, number: u32, v: i64) -> Self {
        self.varint(number, v as u64)
    }

    fn bytes(mut self, number: u32, b: &[u8]) -> Self {
        self.key(number, 2);
        self.put_varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }

    fn string(self, number: u32, s: &str) -> Self {
        self.bytes(number, s.as_bytes())
    }

    fn message(self, number: u32, m: Enc) -> Self {
        self.bytes(number, &m.0)
    }

    fn entry(self, number: u32, key: &str, value: &[u8]) -> Self {
        self.message(number, Enc::new().string(1, key).bytes(2, value))
    }
}

/// `k8s\0` + `runtime.Unknown{typeMeta, raw, contentEncoding: "", contentType: ""}`.
fn envelope(api_version: &str, kind: &str, raw: Enc) -> Vec<u8> {
    let unknown = Enc::new()
        .message(1, Enc::new().string(1, api_version).string(2, kind))
        .message(2, raw)
        .string(3, "")
        .string(4, "");
    let mut body = MAGIC.to_vec();
    body.extend(unknown.0);
    body
}

/// `ObjectMeta` as Go writes it: every string, `generation` and an empty `creationTimestamp`.
fn meta(name: &str, namespace: &str) -> Enc {
    Enc::new()
        .string(1, name)
        .string(2, "")
        .string(3, namespace)
        .string(4, "")
        .string(5, "")
        .string(6, "")
        .int(7, 0)
        .message(8, Enc::new())
}

fn time(seconds: i64, nanos: i64) -> Enc {
    Enc::new().int(1, seconds).int(2, nanos)
}

fn decode(body: &[u8]) -> Value {
    match decode_request(body) {
        Ok(v) => v,
        Err(e) => panic!("decode failed: {}", e.message),
    }
}

fn decode_err(body: &[u8]) -> String {
    match decode_request(body) {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => {
            assert_eq!(e.code, 400, "{}", e.message);
            e.message
        }
    }
}

#[test]
fn config_map_with_data_and_labels() {
    let raw = Enc::new()
        .message(1, meta("game-config", "default").entry(11, "app", b"demo"))
        .entry(2, "game.properties", b"enemies=aliens\nlives=3")
        .entry(2, "ui", b"")
        // Unknown fields are skipped.
        .varint(99, 7)
        .string(100, "ignored");
    let got = decode(&envelope("v1", "ConfigMap", raw));
    assert_eq!(
        got,
        json!({
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {"name": "game-config", "namespace": "default", "labels": {"app": "demo"}},
            "data": {"game.properties": "enemies=aliens\nlives=3", "ui": ""},
        })
    );
    // Go prints TypeMeta first.
    let keys: Vec<&String> = got
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["kind", "apiVersion", "metadata", "data"]);
}

#[test]
fn secret_bytes_are_base64() {
    let raw = Enc::new()
        .message(1, meta("db", ""))
        .entry(2, "password", b"s3cr3t\x00\xff")
        .entry(2, "empty", b"")
        .string(3, "Opaque")
        .varint(5, 1);
    assert_eq!(
        decode(&envelope("v1", "Secret", raw)),
        json!({
            "kind": "Secret",
            "apiVersion": "v1",
            "metadata": {"name": "db"},
            "immutable": true,
            "data": {"password": "czNjcjN0AP8=", "empty": ""},
            "type": "Opaque",
        })
    );
}

#[test]
fn namespace_prints_empty_structs() {
    let raw = Enc::new()
        .message(1, meta("team-a", ""))
        .message(2, Enc::new())
        .message(3, Enc::new().string(1, ""));
    assert_eq!(
        decode(&envelope("v1", "Namespace", raw)),
        json!({
            "kind": "Namespace",
            "apiVersion": "v1",
            "metadata": {"name": "team-a"},
            "spec": {},
            "status": {},
        })
    );
}

#[test]
fn self_subject_access_review_with_resource_attributes() {
    let attributes = Enc::new()
        .string(1, "default")
        .string(2, "list")
        .string(3, "")
        .string(4, "")
        .string(5, "configmaps")
        .string(6, "")
        .string(7, "");
    let raw = Enc::new()
        .message(1, meta("", ""))
        .message(2, Enc::new().message(1, attributes))
        .message(
            3,
            Enc::new()
                .varint(1, 0)
                .varint(4, 0)
                .string(2, "")
                .string(3, ""),
        );
    assert_eq!(
        decode(&envelope(
            "authorization.k8s.io/v1",
            "SelfSubjectAccessReview",
            raw
        )),
        json!({
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {"resourceAttributes": {
                "namespace": "default", "verb": "list", "resource": "configmaps",
            }},
            // `allowed` has no omitempty.
            "status": {"allowed": false},
        })
    );
}

#[test]
fn role_binding_with_subjects() {
    let subject = |kind: &str, group: &str, name: &str, ns: &str| {
        Enc::new()
            .string(1, kind)
            .string(2, group)
            .string(3, name)
            .string(4, ns)
    };
    let raw = Enc::new()
        .message(1, meta("read-pods", "default"))
        .message(2, subject("User", "rbac.authorization.k8s.io", "jane", ""))
        .message(2, subject("ServiceAccount", "", "default", "kube-system"))
        .message(
            3,
            Enc::new()
                .string(1, "rbac.authorization.k8s.io")
                .string(2, "Role")
                .string(3, "pod-reader"),
        );
    assert_eq!(
        decode(&envelope(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            raw
        )),
        json!({
            "kind": "RoleBinding",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "read-pods", "namespace": "default"},
            "subjects": [
                {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "jane"},
                {"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"},
            ],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
        })
    );
}

#[test]
fn event_times() {
    // 2026-01-01T00:00:00Z is 1767225600.
    let raw = Enc::new()
        .message(1, meta("pod.1", "default"))
        .message(2, time(1_767_225_600, 123_456_789))
        .message(
            3,
            Enc::new().int(1, 2).message(2, time(1_767_225_660, 5_000)),
        )
        .string(4, "kubelet")
        .string(5, "node-1")
        .string(6, "Pulling")
        .string(7, "Pulling")
        .message(
            8,
            Enc::new().string(1, "Pod").string(3, "web").string(5, "v1"),
        )
        .string(10, "Pulling image")
        .string(11, "Normal")
        .message(12, Enc::new().string(1, "").string(2, ""))
        .message(13, time(1_767_225_600, 999))
        .message(14, Enc::new())
        .int(15, 0);
    assert_eq!(
        decode(&envelope("events.k8s.io/v1", "Event", raw)),
        json!({
            "kind": "Event",
            "apiVersion": "events.k8s.io/v1",
            "metadata": {"name": "pod.1", "namespace": "default"},
            // MicroTime truncates to microseconds; Time to seconds.
            "eventTime": "2026-01-01T00:00:00.123456Z",
            "series": {"count": 2, "lastObservedTime": "2026-01-01T00:01:00.000005Z"},
            "reportingController": "kubelet",
            "reportingInstance": "node-1",
            "action": "Pulling",
            "reason": "Pulling",
            "regarding": {"kind": "Pod", "name": "web", "apiVersion": "v1"},
            "note": "Pulling image",
            "type": "Normal",
            "deprecatedSource": {},
            "deprecatedFirstTimestamp": "2026-01-01T00:00:00Z",
            "deprecatedLastTimestamp": null,
        })
    );
}

#[test]
fn deployment_pointers_int_or_string_and_quantities() {
    let container = Enc::new().string(1, "web").string(2, "nginx").message(
        8,
        Enc::new()
            .entry(1, "cpu", &Enc::new().string(1, "500m").0)
            .entry(2, "memory", &Enc::new().string(1, "128Mi").0),
    );
    let template = Enc::new()
        .message(1, meta("", ""))
        .message(2, Enc::new().message(2, container));
    let strategy = Enc::new().string(1, "RollingUpdate").message(
        2,
        Enc::new()
            .message(1, Enc::new().int(1, 0).int(2, 0).string(3, ""))
            .message(2, Enc::new().int(1, 1).int(2, 0).string(3, "25%")),
    );
    let spec = Enc::new()
        .int(1, 0)
        .message(2, Enc::new().entry(1, "app", b"web"))
        .message(3, template)
        .message(4, strategy)
        .int(5, 0)
        .varint(7, 0);
    let got = decode(&envelope(
        "apps/v1",
        "Deployment",
        Enc::new().message(1, meta("web", "")).message(2, spec),
    ));
    let spec = &got["spec"];
    // A pointer set to zero is kept; a non-pointer zero with omitempty is dropped.
    assert_eq!(spec["replicas"], json!(0));
    assert_eq!(spec.get("minReadySeconds"), None);
    assert_eq!(spec.get("paused"), None);
    assert_eq!(spec["selector"], json!({"matchLabels": {"app": "web"}}));
    assert_eq!(
        spec["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}})
    );
    let container = &spec["template"]["spec"]["containers"][0];
    assert_eq!(container["name"], json!("web"));
    assert_eq!(
        container["resources"],
        json!({"limits": {"cpu": "500m"}, "requests": {"memory": "128Mi"}})
    );
    // A struct without omitempty-able zero: PodSpec's `containers` has no omitempty.
    assert_eq!(spec["template"]["metadata"], json!({}));
}

#[test]
fn negative_ints_extra_values_and_inline_fields() {
    let user = Enc::new()
        .string(1, "jane")
        .string(3, "admins")
        .string(3, "devs")
        .message(
            4,
            Enc::new()
                .string(1, "scopes")
                .message(2, Enc::new().string(1, "a").string(1, "b")),
        )
        .message(4, Enc::new().string(1, "none"));
    let review = Enc::new()
        .message(1, meta("", ""))
        .message(2, Enc::new().message(1, user));
    assert_eq!(
        decode(&envelope(
            "authentication.k8s.io/v1",
            "SelfSubjectReview",
            review
        ))["status"],
        json!({"userInfo": {
            "username": "jane",
            "groups": ["admins", "devs"],
            "extra": {"scopes": ["a", "b"], "none": null},
        }})
    );

    // Volume inlines VolumeSource; a negative int32 comes as a ten-byte varint.
    let volume = Enc::new().string(1, "config").message(
        2,
        Enc::new().message(
            19,
            Enc::new().message(1, Enc::new().string(1, "cm")).int(3, -1),
        ),
    );
    let pod = Enc::new()
        .message(1, meta("p", ""))
        .message(2, Enc::new().message(1, volume).int(5, -5));
    let got = decode(&envelope("v1", "Pod", pod));
    assert_eq!(
        got["spec"]["volumes"],
        json!([{"name": "config", "configMap": {"name": "cm", "defaultMode": -1}}])
    );
    assert_eq!(got["spec"]["activeDeadlineSeconds"], json!(-5));
}

#[test]
fn packed_and_repeated_scalars() {
    let schema = Schema::builtin().expect("table");
    let decoder = Decoder::new(schema);
    // A repeated int64 in packed form: PodSecurityContext.supplementalGroups (field 4).
    let packed = {
        let mut inner = Enc::new();
        for v in [1000u64, 2000, 3000] {
            inner.put_varint(v);
        }
        Enc::new().bytes(4, &inner.0)
    };
    let ctx = schema.message("core.v1.PodSecurityContext").expect("ctx");
    let got = decoder.message(ctx, &packed.0, 0).expect("decodes");
    assert_eq!(got["supplementalGroups"], json!([1000, 2000, 3000]));
    let unpacked = Enc::new().int(4, 1000).int(4, 2000);
    let got = decoder.message(ctx, &unpacked.0, 0).expect("decodes");
    assert_eq!(got["supplementalGroups"], json!([1000, 2000]));
}

#[test]
fn every_message_has_a_zero_form() {
    // Each message decodes from no bytes (Go's zero value) without error: the table is whole.
    let schema = Schema::builtin().expect("table");
    let decoder = Decoder::new(schema);
    for gv_kind in [
        ("v1", "Pod"),
        ("apps/v1", "StatefulSet"),
        ("batch/v1", "CronJob"),
    ] {
        let msg = schema.kind(gv_kind.0, gv_kind.1).expect("kind");
        let zero = decoder.message(msg, &[], 0).expect("decodes");
        assert_eq!(zero["metadata"], json!({}), "{gv_kind:?}");
    }
    let pod = decoder
        .message(schema.kind("v1", "Pod").expect("Pod"), &[], 0)
        .expect("decodes");
    // PodSpec.containers has no omitempty: a nil slice prints as null, as in Go.
    assert_eq!(pod["spec"]["containers"], Value::Null);
}

#[test]
fn map_keys_are_sorted_and_last_value_wins() {
    let raw = Enc::new()
        .message(1, meta("x", ""))
        .entry(2, "b", b"1")
        .entry(2, "a", b"2")
        .entry(2, "b", b"3");
    let got = decode(&envelope("v1", "ConfigMap", raw));
    let keys: Vec<&String> = got["data"]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["a", "b"]);
    assert_eq!(got["data"]["b"], json!("3"));
}

#[test]
fn raw_extension_fields_v1_and_duration() {
    let managed = Enc::new()
        .string(1, "kubectl")
        .string(2, "Apply")
        .string(3, "v1")
        .message(4, time(1_767_225_600, 0))
        .string(6, "FieldsV1")
        .message(7, Enc::new().bytes(1, br#"{"f:data":{"f:a":{}}}"#));
    let raw = Enc::new().message(1, meta("x", "").message(17, managed));
    let got = decode(&envelope("v1", "ConfigMap", raw));
    assert_eq!(
        got["metadata"]["managedFields"],
        json!([{
            "manager": "kubectl", "operation": "Apply", "apiVersion": "v1",
            "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:a": {}}},
        }])
    );

    let revision = Enc::new()
        .message(1, meta("web-1", ""))
        .message(2, Enc::new().bytes(1, br#"{"spec":{"replicas":3}}"#))
        .int(3, 1);
    assert_eq!(
        decode(&envelope("apps/v1", "ControllerRevision", revision)),
        json!({
            "kind": "ControllerRevision", "apiVersion": "apps/v1",
            "metadata": {"name": "web-1"},
            "data": {"spec": {"replicas": 3}},
            "revision": 1,
        })
    );

    // metav1.Duration: Go's duration string.
    let schema = Schema::builtin().expect("table");
    let duration = schema.message("apis.meta.v1.Duration").expect("Duration");
    let got = Decoder::new(schema).message(duration, &Enc::new().int(1, 90_000_000_000).0, 0);
    assert_eq!(got, Ok(json!("1m30s")));
}

#[test]
fn delete_options_in_any_group_version() {
    let raw = Enc::new()
        .int(1, 0)
        .string(4, "Foreground")
        .string(5, "All");
    assert_eq!(
        decode(&envelope("apps/v1", "DeleteOptions", raw)),
        json!({
            "kind": "DeleteOptions", "apiVersion": "apps/v1",
            "gracePeriodSeconds": 0, "propagationPolicy": "Foreground", "dryRun": ["All"],
        })
    );
}

// The bodies kubectl v1.32.4 sent (see testdata/capture.py).

#[test]
fn kubectl_create_configmap() {
    let body = include_bytes!("testdata/kubectl-create-configmap.pb");
    assert_eq!(
        decode(body),
        json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"}, "data": {"a": "b"}})
    );
}

#[test]
fn kubectl_create_secret() {
    let body = include_bytes!("testdata/kubectl-create-secret.pb");
    assert_eq!(
        decode(body),
        json!({"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s"},
               "data": {"password": "czNjcjN0"}})
    );
}

#[test]
fn kubectl_auth_can_i() {
    let body = include_bytes!("testdata/kubectl-auth-can-i.pb");
    assert_eq!(
        decode(body),
        json!({
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {"resourceAttributes": {
                "namespace": "default", "verb": "list", "resource": "configmaps",
            }},
            "status": {"allowed": false},
        })
    );
}

#[test]
fn kubectl_auth_whoami() {
    let body = include_bytes!("testdata/kubectl-auth-whoami.pb");
    assert_eq!(
        decode(body),
        json!({
            "kind": "SelfSubjectReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {},
            "status": {"userInfo": {}},
        })
    );
}

#[test]
fn kubectl_create_namespace() {
    let body = include_bytes!("testdata/kubectl-create-namespace.pb");
    assert_eq!(
        decode(body),
        json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "team-a"},
               "spec": {}, "status": {}})
    );
}

#[test]
fn kubectl_create_role() {
    let body = include_bytes!("testdata/kubectl-create-role.pb");
    assert_eq!(
        decode(body),
        json!({
            "kind": "Role",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "pod-reader"},
            "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}],
        })
    );
}

#[test]
fn kubectl_create_rolebinding() {
    let body = include_bytes!("testdata/kubectl-create-rolebinding.pb");
    assert_eq!(
        decode(body),
        json!({
            "kind": "RoleBinding",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "read-pods"},
            "subjects": [
                {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "jane"},
                {"kind": "ServiceAccount", "name": "builder", "namespace": "default"},
            ],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
        })
    );
}

#[test]
fn kubectl_create_token() {
    let body = include_bytes!("testdata/kubectl-create-token.pb");
    assert_eq!(
        decode(body),
        json!({
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {},
            // `boundObjectRef` is a nil pointer without omitempty: Go prints null.
            "spec": {"audiences": ["api"], "expirationSeconds": 3600, "boundObjectRef": null},
            // Neither status field has omitempty; the zero Time prints as null.
            "status": {"token": "", "expirationTimestamp": null},
        })
    );
}

#[test]
fn envelope_errors_use_kube_apiserver_messages() {
    assert_eq!(decode_err(b""), "empty data");
    assert_eq!(
        decode_err(b"{\"kind\":\"ConfigMap\"}"),
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
    );
    assert_eq!(decode_err(MAGIC), "empty body");
    assert_eq!(
        decode_err(&envelope("v1", "", Enc::new())),
        r#"Object 'Kind' is missing in 'runtime.TypeMeta{APIVersion:"v1", Kind:""}'"#
    );
    assert_eq!(
        decode_err(&envelope("", "ConfigMap", Enc::new())),
        r#"Object 'apiVersion' is missing in 'runtime.TypeMeta{APIVersion:"", Kind:"ConfigMap"}'"#
    );
    assert_eq!(
        decode_err(&envelope("v1", "Widget", Enc::new())),
        r#"no kind "Widget" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30""#
    );
    assert_eq!(
        decode_err(&envelope("v1", "PodSpec", Enc::new())),
        r#"no kind "PodSpec" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30""#
    );
}

#[test]
fn malformed_objects_name_the_field() {
    let truncated_label = {
        let mut m = meta("x", "").0;
        m.extend([0x5a, 0x10, 0x0a]); // labels: an entry claiming 16 bytes
        Enc(m)
    };
    assert_eq!(
        decode_err(&envelope(
            "v1",
            "ConfigMap",
            Enc::new().message(1, truncated_label)
        )),
        r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: metadata: unexpected EOF"#
    );
    let wrong_type = Enc::new().message(1, Enc::new().varint(1, 5));
    assert_eq!(
        decode_err(&envelope("v1", "ConfigMap", wrong_type)),
        r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: metadata.name: wrong wire type varint for a string field"#
    );
    let bad_quantity = Enc::new().message(
        2,
        Enc::new().message(1, Enc::new().entry(2, "cpu", &Enc::new().string(1, "").0)),
    );
    let msg = decode_err(&envelope("v1", "LimitRange", bad_quantity));
    assert!(msg.ends_with("spec.limits[0].max[cpu]: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"), "{msg}");
    let bad_raw = Enc::new().message(2, Enc::new().bytes(1, b"\xa1\x01"));
    let msg = decode_err(&envelope("apps/v1", "ControllerRevision", bad_raw));
    assert!(
        msg.ends_with("data: runtime.RawExtension: raw data is not JSON"),
        "{msg}"
    );
    let bad_int_or_string = Enc::new().message(
        2,
        Enc::new().message(
            4,
            Enc::new().message(2, Enc::new().message(1, Enc::new().int(1, 7))),
        ),
    );
    let msg = decode_err(&envelope("apps/v1", "Deployment", bad_int_or_string));
    assert!(
        msg.ends_with("spec.strategy.rollingUpdate.maxUnavailable: impossible IntOrString.Type"),
        "{msg}"
    );
}

/// Deterministic pseudo-random bytes (a 64-bit LCG), for the fuzz-ish tests.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

#[test]
fn truncated_and_corrupted_bodies_never_panic() {
    let bodies: Vec<Vec<u8>> = vec![
        include_bytes!("testdata/kubectl-create-configmap.pb").to_vec(),
        include_bytes!("testdata/kubectl-auth-can-i.pb").to_vec(),
        include_bytes!("testdata/kubectl-create-secret.pb").to_vec(),
        envelope(
            "events.k8s.io/v1",
            "Event",
            Enc::new()
                .message(1, meta("e", "ns"))
                .message(2, time(1_767_225_600, 5))
                .message(3, Enc::new().int(1, 2).message(2, time(1, 2))),
        ),
    ];
    let mut seed = 42;
    for body in &bodies {
        for len in 0..body.len() {
            // Either a clean error or a (shorter) object: never a panic.
            let _ = decode_request(&body[..len]);
        }
        for _ in 0..500 {
            let mut corrupted = body.clone();
            for _ in 0..=lcg(&mut seed) % 3 {
                let i = (lcg(&mut seed) as usize) % corrupted.len();
                corrupted[i] = lcg(&mut seed) as u8;
            }
            if let Err(e) = decode_request(&corrupted) {
                assert_eq!(e.code, 400, "{}", e.message);
            }
        }
    }
    // Truncating inside a field is an error, not a silently shorter object.
    let cm = include_bytes!("testdata/kubectl-create-configmap.pb");
    assert!(decode_request(&cm[..cm.len() - 1]).is_err());
}

#[test]
fn content_type_matching() {
    assert!(is_protobuf("application/vnd.kubernetes.protobuf"));
    assert!(is_protobuf(
        "application/vnd.kubernetes.protobuf; charset=utf-8"
    ));
    assert!(!is_protobuf("application/json"));
    assert!(!is_protobuf("application/json;as=Table;v=v1;g=meta.k8s.io"));
}

/// Decodes Kubernetes' own round-trip fixtures (`k8s.io/api` `testdata/HEAD/*.pb`, each with
/// its `.json`) when `KUBE_API_TESTDATA` points at that directory: a check against every
/// field of every type, filled by the upstream fuzzer. Not committed; run by hand:
/// `KUBE_API_TESTDATA=/path/to/api/testdata/HEAD cargo test -p kcp-server --lib
/// protobuf::tests::upstream_fixtures`. Without the variable it checks nothing.
#[test]
fn upstream_fixtures() {
    let Ok(dir) = std::env::var("KUBE_API_TESTDATA") else {
        return;
    };
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pb"))
        .collect();
    entries.sort();
    let mut failures = Vec::new();
    for pb in &entries {
        let body = std::fs::read(pb).expect("pb");
        // Older releases' directories also hold `.after_roundtrip.pb` files without a `.json`.
        let Ok(json) = std::fs::read(pb.with_extension("json")) else {
            continue;
        };
        let want: Value = serde_json::from_slice(&json).expect("json parses");
        match decode_request(&body) {
            Ok(got) if got == want => {}
            // WatchEvent's fixture has no TypeMeta: it needs a type hint, here as upstream.
            Err(e) if e.message.starts_with("Object 'Kind' is missing") => {}
            Ok(got) => failures.push(format!("{}: {}", pb.display(), first_diff(&got, &want, ""))),
            Err(e) => failures.push(format!("{}: {}", pb.display(), e.message)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {}:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}

/// The first path where two values differ, for readable failures.
fn first_diff(got: &Value, want: &Value, path: &str) -> String {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                match g.get(k) {
                    None => return format!("{path}.{k}: missing, want {wv}"),
                    Some(gv) if gv != wv => return first_diff(gv, wv, &format!("{path}.{k}")),
                    _ => {}
                }
            }
            for k in g.keys() {
                if !w.contains_key(k) {
                    return format!("{path}.{k}: unexpected {}", g[k]);
                }
            }
            format!("{path}: differs")
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => {
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                if gv != wv {
                    return first_diff(gv, wv, &format!("{path}[{i}]"));
                }
            }
            format!("{path}: differs")
        }
        _ => format!("{path}: got {got}, want {want}"),
    }
}
