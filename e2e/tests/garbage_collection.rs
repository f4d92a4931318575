//! Garbage collection through `ownerReferences`: background, foreground (with
//! `blockOwnerDeletion`) and orphan propagation.

use std::time::Duration;

use e2e::{Kcp, wait_until};

const CM: &str = "/clusters/root/api/v1/namespaces/default/configmaps";

fn create(kcp: &Kcp, name: &str, owner: Option<(&str, &str)>) -> String {
    let owners = match owner {
        Some((n, uid)) => format!(
            r#","ownerReferences":[{{"apiVersion":"v1","kind":"ConfigMap","name":"{n}","uid":"{uid}","blockOwnerDeletion":true}}]"#
        ),
        None => String::new(),
    };
    let body = format!(
        r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}"{owners}}}}}"#
    );
    let (code, obj) = kcp.curl("POST", CM, "application/json", body.as_bytes());
    assert_eq!(code, 201, "{obj}");
    obj["metadata"]["uid"].as_str().unwrap().to_string()
}

fn exists(kcp: &Kcp, name: &str) -> bool {
    kcp.curl("GET", &format!("{CM}/{name}"), "", b"").0 == 200
}

#[test]
fn background_foreground_and_orphan_propagation() {
    let kcp = Kcp::start();

    // Background: the owner goes at once, then its dependents.
    let owner = create(&kcp, "bg-owner", None);
    create(&kcp, "bg-child", Some(("bg-owner", &owner)));
    kcp.kubectl(&["delete", "configmap", "bg-owner", "--cascade=background"])
        .ok();
    wait_until(
        "the background dependent to be collected",
        Duration::from_secs(30),
        || !exists(&kcp, "bg-child"),
    );

    // Foreground: dependents go first, then the owner.
    let owner = create(&kcp, "fg-owner", None);
    create(&kcp, "fg-child", Some(("fg-owner", &owner)));
    let (code, body) = kcp.curl(
        "DELETE",
        &format!("{CM}/fg-owner"),
        "application/json",
        br#"{"propagationPolicy":"Foreground"}"#,
    );
    assert_eq!(code, 200, "{body}");
    assert!(
        body["metadata"]["finalizers"]
            .to_string()
            .contains("foregroundDeletion"),
        "{body}"
    );
    wait_until(
        "the foreground owner and dependent to go",
        Duration::from_secs(30),
        || !exists(&kcp, "fg-child") && !exists(&kcp, "fg-owner"),
    );

    // Orphan: the dependent stays, without its owner reference.
    let owner = create(&kcp, "or-owner", None);
    create(&kcp, "or-child", Some(("or-owner", &owner)));
    let (code, body) = kcp.curl(
        "DELETE",
        &format!("{CM}/or-owner"),
        "application/json",
        br#"{"propagationPolicy":"Orphan"}"#,
    );
    assert_eq!(code, 200, "{body}");
    wait_until("the orphaning owner to go", Duration::from_secs(30), || {
        !exists(&kcp, "or-owner")
    });
    let child = kcp
        .kubectl(&["get", "configmap", "or-child", "-o", "json"])
        .json();
    assert!(
        child["metadata"]
            .get("ownerReferences")
            .is_none_or(|r| r.as_array().is_some_and(Vec::is_empty)),
        "{child}"
    );
}
