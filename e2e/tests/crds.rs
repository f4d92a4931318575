//! CustomResourceDefinitions with real-world CRDs: every CRD of the test data applies with
//! `kubectl apply --server-side` and becomes Established; its custom resources are served,
//! pruned, defaulted and validated with kube's messages; client-side apply of the largest ones
//! is refused for the size of the last-applied annotation; deleting a CRD deletes its CRs.

use e2e::{Kcp, testdata};

#[test]
fn real_world_crds_apply_establish_and_serve_their_resources() {
    let kcp = Kcp::start();
    for dir in ["cert-manager", "crossplane", "prometheus-operator"] {
        let path = testdata(&format!("crds/{dir}"));
        kcp.kubectl(&["apply", "--server-side", "-f", path.to_str().unwrap()])
            .ok();
    }
    kcp.kubectl(&[
        "wait",
        "--for",
        "condition=established",
        "crd",
        "--all",
        "--timeout=60s",
    ])
    .ok();
    let crds = kcp.kubectl(&["get", "crds", "-o", "name"]).ok().to_string();
    let files: usize = ["cert-manager", "crossplane", "prometheus-operator"]
        .iter()
        .map(|d| {
            std::fs::read_dir(testdata(&format!("crds/{d}")))
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "yaml"))
                })
                .count()
        })
        .sum();
    assert_eq!(crds.lines().count(), files, "{crds}");

    // A valid Certificate is accepted; the printer columns come from the CRD.
    let good = "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: good\nspec:\n  secretName: good-tls\n  dnsNames: [example.com]\n  issuerRef: {name: ca, kind: Issuer}\n";
    kcp.kubectl_stdin(&["apply", "-f", "-"], Some(good)).ok();
    let table = kcp.kubectl(&["get", "certificates"]).ok().to_string();
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(header, ["NAME", "READY", "SECRET", "AGE"], "{table}");
    assert!(table.contains("good-tls"), "{table}");

    // An invalid one is refused with kube's message.
    let bad = "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: bad\nspec:\n  dnsNames: [example.com]\n  issuerRef: {name: ca}\n";
    let refused = kcp.kubectl_stdin(&["apply", "-f", "-"], Some(bad));
    assert!(
        refused
            .err()
            .contains(r#"The Certificate "bad" is invalid: spec.secretName: Required value"#),
        "{}",
        refused.stderr
    );

    // Unknown fields: refused under kubectl's Strict validation, pruned otherwise.
    let extra = good
        .replace("good-tls", "extra-tls")
        .replace("name: good", "name: extra")
        + "  unknownField: x\n";
    let strict = kcp.kubectl_stdin(&["apply", "-f", "-"], Some(&extra));
    assert!(
        strict
            .err()
            .contains(r#"strict decoding error: unknown field "spec.unknownField""#),
        "{}",
        strict.stderr
    );
    kcp.kubectl_stdin(&["apply", "--validate=false", "-f", "-"], Some(&extra))
        .ok();
    let stored = kcp
        .kubectl(&["get", "certificate", "extra", "-o", "json"])
        .json();
    assert!(stored["spec"].get("unknownField").is_none(), "{stored}");
    assert_eq!(stored["metadata"]["generation"], 1);

    // Strategic merge patch is not served for custom resources.
    let smp = kcp.kubectl(&[
        "patch",
        "certificate",
        "good",
        "-p",
        r#"{"spec":{"secretName":"x"}}"#,
    ]);
    assert!(
        smp.err()
            .contains("application/strategic-merge-patch+json is not supported"),
        "{}",
        smp.stderr
    );
    kcp.kubectl(&[
        "patch",
        "certificate",
        "good",
        "--type=merge",
        "-p",
        r#"{"spec":{"secretName":"x"}}"#,
    ])
    .ok();
    let patched = kcp
        .kubectl(&["get", "certificate", "good", "-o", "json"])
        .json();
    assert_eq!(patched["metadata"]["generation"], 2);

    // explain reads the CRD's schema.
    let explained = kcp
        .kubectl(&["explain", "certificate.spec.secretName"])
        .ok()
        .to_string();
    assert!(explained.contains("secretName"), "{explained}");

    // Deleting the CRD deletes its custom resources.
    kcp.kubectl(&[
        "delete",
        "crd",
        "certificates.cert-manager.io",
        "--timeout=60s",
    ])
    .ok();
    e2e::wait_until(
        "the Certificate API to go away",
        std::time::Duration::from_secs(30),
        || {
            !kcp.kubectl(&[
                "get",
                "--raw",
                "/clusters/root/apis/cert-manager.io/v1/namespaces/default/certificates",
            ])
            .success()
        },
    );
    // The resources went with it: re-creating the CRD shows none.
    kcp.kubectl(&[
        "apply",
        "--server-side",
        "-f",
        testdata("crds/cert-manager/cert-manager.io_certificates.yaml")
            .to_str()
            .unwrap(),
    ])
    .ok();
    kcp.kubectl(&[
        "wait",
        "--for",
        "condition=established",
        "crd/certificates.cert-manager.io",
        "--timeout=60s",
    ])
    .ok();
    let (_, list) = kcp.curl(
        "GET",
        "/clusters/root/apis/cert-manager.io/v1/namespaces/default/certificates",
        "",
        b"",
    );
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
}

#[test]
fn client_side_apply_refuses_the_largest_crds_for_their_annotation() {
    let kcp = Kcp::start();
    let mut refused = Vec::new();
    for dir in ["cert-manager", "crossplane", "prometheus-operator"] {
        let path = testdata(&format!("crds/{dir}"));
        for entry in std::fs::read_dir(&path).unwrap() {
            let file = entry.unwrap().path();
            if file.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let out = kcp.kubectl(&["apply", "-f", file.to_str().unwrap()]);
            if !out.success() {
                // kube 1.36 words it "may not be more than" (older releases: "must have at most").
                assert!(
                    out.stderr.contains(
                        "metadata.annotations: Too long: may not be more than 262144 bytes"
                    ),
                    "{}: {}",
                    file.display(),
                    out.stderr
                );
                refused.push(file.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    refused.sort();
    assert_eq!(refused.len(), 7, "{refused:?}");
}
