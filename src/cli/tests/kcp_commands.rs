//! The `kubectl-kcp` binary's `crd snapshot` and `bind apiexport` as a user runs them: output,
//! `Error: ...` on stderr and the exit code. No server is needed (`bind` fails before it would
//! reach one).

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `kubectl-kcp` with `stdin`, without a kubeconfig.
fn kcp(args: &[&str], stdin: &str) -> support::Output {
    let mut child = Command::new(support::plugin("kubectl-kcp"))
        .args(args)
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting kubectl-kcp");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("writing stdin");
    let out = child.wait_with_output().expect("running kubectl-kcp");
    support::Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn crd_snapshot_from_stdin_and_its_errors() {
    let crd = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../e2e/testdata/crds/cert-manager/cert-manager.io_certificates.yaml"
    ))
    .expect("test CRD");
    let golden = include_str!("../testdata/snapshot/certificates.v1.yaml");
    let out = kcp(&["crd", "snapshot", "-f", "-", "--prefix", "v1"], &crd);
    assert!(out.ok() == golden, "differs from the golden output");

    let out = kcp(&["crd", "snapshot"], "");
    assert_eq!(
        out.err(),
        "Error: [--filename is required, --prefix is required]\n"
    );
    assert_eq!(out.code, Some(1));
    let out = kcp(
        &["crd", "snapshot", "-f", "-", "--prefix", "v1"],
        "apiVersion: v1\nkind: ConfigMap\n",
    );
    assert_eq!(
        out.err(),
        "Error: no kind \"ConfigMap\" is registered for version \"v1\" in scheme \"pkg/runtime/scheme.go:111\"\n"
    );
    // `kubectl kcp crd` alone shows its help.
    assert!(kcp(&["crd"], "").ok().contains("snapshot"));
}

#[test]
fn bind_apiexport_validates_before_reading_the_kubeconfig() {
    let out = kcp(&["bind", "apiexport"], "");
    assert_eq!(
        out.err(),
        "Error: `root:ws:apiexport_object` reference to bind is required as an argument\n"
    );
    let out = kcp(&["bind", "apiexport", "my-export"], "");
    assert!(out.err().starts_with(
        "Error: fully qualified reference to workspace where APIExport exists is required."
    ));
    let out = kcp(
        &[
            "bind",
            "apiexport",
            "root:org:x",
            "--accept-all-permission-claims",
            "--reject-all-permission-claims",
        ],
        "",
    );
    assert_eq!(
        out.err(),
        "Error: cannot use both --accept-all-permission-claims and --reject-all-permission-claims\n"
    );
    // Valid flags: now the kubeconfig is read (and here there is none).
    let out = kcp(&["bind", "apiexport", "root:org:x"], "");
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.starts_with("Error: "), "{}", out.stderr);
    assert!(kcp(&["bind"], "").ok().contains("apiexport"));
}
