//! Bad input gets kube-apiserver's status code, reason and message (whole `Status` bodies), and
//! the server keeps serving. Requests go through curl so that bodies, methods and content types
//! can be anything a broken client might send.

use serde_json::{Value, json};

use e2e::Kcp;

const CM: &str = "/clusters/root/api/v1/namespaces/default/configmaps";

/// The exact `Status` kube-apiserver sends for a client error without details.
fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code,
    })
}

#[test]
fn malformed_and_mistyped_bodies() {
    let kcp = Kcp::start();

    let (code, body) = kcp.curl(
        "POST",
        CM,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"#,
    );
    assert_eq!(
        (code, body),
        (
            400,
            status(
                400,
                "BadRequest",
                r#"the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: unexpected end of JSON input ({"apiVersion":"v1","kind":"Con ...)"#
            )
        )
    );

    let (code, body) = kcp.curl(
        "POST",
        CM,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":1}}"#,
    );
    assert_eq!(
        (code, body),
        (
            400,
            status(
                400,
                "BadRequest",
                r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string"#
            )
        )
    );

    let (code, body) = kcp.curl("POST", CM, "application/yaml", b"metadata: [unclosed\n");
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["reason"], "BadRequest");

    let (code, body) = kcp.curl(
        "POST",
        &format!("{CM}?fieldValidation=Strict"),
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"spec":{"foo":1}}"#,
    );
    assert_eq!(
        (code, body),
        (
            400,
            status(
                400,
                "BadRequest",
                r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec""#
            )
        )
    );

    // Under the default (Warn) the unknown field is dropped and the write succeeds.
    let (code, body) = kcp.curl(
        "POST",
        CM,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warned"},"spec":{"foo":1}}"#,
    );
    assert_eq!(code, 201, "{body}");
    assert!(body.get("spec").is_none(), "{body}");

    assert!(kcp.kubectl(&["get", "--raw", "/readyz"]).success());
}

#[test]
fn invalid_names_are_422_with_causes() {
    let kcp = Kcp::start();
    let (code, body) = kcp.curl(
        "POST",
        CM,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"#,
    );
    let detail = r"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    assert_eq!(code, 422);
    assert_eq!(
        body,
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!(r#"ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": {detail}"#),
            "reason": "Invalid",
            "details": {"name": "Bad_Name", "kind": "ConfigMap", "causes": [{
                "reason": "FieldValueInvalid",
                "message": format!(r#"Invalid value: "Bad_Name": {detail}"#),
                "field": "metadata.name",
            }]},
            "code": 422,
        })
    );
}

#[test]
fn oversized_bodies_are_413() {
    let kcp = Kcp::start();
    let big = format!(
        r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"big"}},"data":{{"a":"{}"}}}}"#,
        "x".repeat(4 * 1024 * 1024)
    );
    let (code, body) = kcp.curl("POST", CM, "application/json", big.as_bytes());
    assert_eq!(
        (code, body),
        (
            413,
            status(
                413,
                "RequestEntityTooLarge",
                "Request entity too large: limit is 3145728"
            )
        )
    );
    assert!(kcp.kubectl(&["get", "--raw", "/readyz"]).success());
}

#[test]
fn bad_selectors_methods_and_media_types() {
    let kcp = Kcp::start();
    let (code, body) = kcp.curl("GET", &format!("{CM}?labelSelector=a%20in%20(x"), "", b"");
    assert_eq!(
        (code, body),
        (
            400,
            status(
                400,
                "BadRequest",
                "unable to parse requirement: found '', expected: ',' or ')'"
            )
        )
    );

    let (code, body) = kcp.curl("GET", &format!("{CM}?fieldSelector=spec.foo%3Dx"), "", b"");
    assert_eq!(
        (code, body),
        (
            400,
            status(
                400,
                "BadRequest",
                r#""spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace""#
            )
        )
    );

    kcp.curl(
        "POST",
        CM,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p"}}"#,
    );
    // Kubernetes 1.36 refuses a patch type it does not know before its patch handler (see the
    // differential suite, `patch/an unsupported patch type`).
    let (code, body) = kcp.curl("PATCH", &format!("{CM}/p"), "application/foo", b"{}");
    let mut want = status(415, "UnsupportedMediaType", "415: Unsupported Media Type");
    want["details"] = json!({});
    assert_eq!((code, body), (415, want));

    let (code, body) = kcp.curl("PUT", CM, "application/json", b"{}");
    let mut want = status(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    );
    want["details"] = json!({});
    assert_eq!((code, body), (405, want));

    let (code, body) = kcp.curl(
        "GET",
        "/clusters/root/api/v1/namespaces/default/nonsense",
        "",
        b"",
    );
    let mut want = status(
        404,
        "NotFound",
        "the server could not find the requested resource",
    );
    want["details"] = json!({});
    assert_eq!((code, body), (404, want));

    let (code, body) = kcp.curl("GET", &format!("{CM}/nope"), "", b"");
    let mut want = status(404, "NotFound", r#"configmaps "nope" not found"#);
    want["details"] = json!({"name": "nope", "kind": "configmaps"});
    assert_eq!((code, body), (404, want));

    let (code, body) = kcp.curl_accept("GET", CM, "application/vnd.kubernetes.protobuf");
    assert_eq!(code, 406, "{body}");
    assert_eq!(body["reason"], "NotAcceptable");

    let (code, body) = kcp.curl(
        "POST",
        CM,
        "application/vnd.kubernetes.protobuf",
        b"not protobuf",
    );
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["reason"], "BadRequest");

    let (code, _) = kcp.curl("GET", "/clusters/root:nope/api/v1/namespaces", "", b"");
    assert_eq!(code, 404);
    assert!(kcp.kubectl(&["get", "--raw", "/readyz"]).success());
}

#[test]
fn stale_updates_conflict() {
    let kcp = Kcp::start();
    let (_, created) = kcp.curl(
        "POST",
        CM,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"#,
    );
    let rv = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let update = |v: &str| {
        format!(
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"c","resourceVersion":"{rv}"}},"data":{{"a":"{v}"}}}}"#
        )
    };
    let (code, _) = kcp.curl(
        "PUT",
        &format!("{CM}/c"),
        "application/json",
        update("2").as_bytes(),
    );
    assert_eq!(code, 200);
    let (code, body) = kcp.curl(
        "PUT",
        &format!("{CM}/c"),
        "application/json",
        update("3").as_bytes(),
    );
    let mut want = status(
        409,
        "Conflict",
        r#"Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again"#,
    );
    want["details"] = json!({"name": "c", "kind": "configmaps"});
    assert_eq!((code, body), (409, want));
}
