//! Server-level behaviour: watch resumption and its 410, client certificates, the etcd backend.

use std::process::Command;
use std::time::Duration;

use e2e::{Kcp, wait_until};

const CM: &str = "/clusters/root/api/v1/namespaces/default/configmaps";

/// Creates ConfigMap `name` in `default`; returns its resourceVersion.
fn create_cm(kcp: &Kcp, name: &str) -> String {
    let body =
        format!(r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}"}}}}"#);
    let (_, created) = kcp.curl("POST", CM, "application/json", body.as_bytes());
    created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_else(|| panic!("creating {name}: {created}"))
        .to_string()
}

/// kubectl's `delete --wait` lists, then watches from the list's resourceVersion: a delete
/// between the two must reach the watch as DELETED (it once came as ADDED, and kubectl waited
/// for the object to go until it timed out).
#[test]
fn a_resumed_watch_replays_a_delete_as_deleted() {
    let kcp = Kcp::start();
    let rv = create_cm(&kcp, "gone");
    let (code, _) = kcp.curl("DELETE", &format!("{CM}/gone"), "", b"");
    assert_eq!(code, 200);
    let (code, body) = kcp.curl(
        "GET",
        &format!(
            "{CM}?watch=true&resourceVersion={rv}&timeoutSeconds=1&fieldSelector=metadata.name%3Dgone"
        ),
        "",
        b"",
    );
    assert_eq!(code, 200);
    let text = body
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| body.to_string());
    let types: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(types, ["DELETED"], "{text}");
}

#[test]
fn a_too_old_resource_version_is_an_in_stream_410() {
    let mut kcp = Kcp::start();
    let old_rv = create_cm(&kcp, "a");
    create_cm(&kcp, "b");

    // A resume from a recent revision replays what came after it.
    let (code, body) = kcp.curl(
        "GET",
        &format!("{CM}?watch=true&resourceVersion={old_rv}&timeoutSeconds=1"),
        "",
        b"",
    );
    assert_eq!(code, 200);
    let text = body
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| body.to_string());
    assert!(
        text.contains(r#""type":"ADDED""#) && text.contains(r#""name":"b""#),
        "{text}"
    );
    assert!(!text.contains(r#""name":"a""#), "{text}");

    // After a restart the history before it is gone: 200 with one ERROR event carrying 410.
    kcp.restart();
    let (code, body) = kcp.curl(
        "GET",
        &format!("{CM}?watch=true&resourceVersion={old_rv}"),
        "",
        b"",
    );
    assert_eq!(code, 200);
    assert_eq!(body["type"], "ERROR", "{body}");
    assert_eq!(body["object"]["code"], 410);
    assert_eq!(body["object"]["reason"], "Expired");
    assert_eq!(body["object"]["kind"], "Status");

    // Lists always carry a resourceVersion; bookmarks carry kind and apiVersion.
    let (_, list) = kcp.curl("GET", CM, "", b"");
    assert!(
        list["metadata"]["resourceVersion"]
            .as_str()
            .is_some_and(|rv| !rv.is_empty())
    );
    let (code, body) = kcp.curl(
        "GET",
        &format!("{CM}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1"),
        "",
        b"",
    );
    assert_eq!(code, 200);
    let text = body.as_str().unwrap_or_default().to_string();
    let bookmark = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["type"] == "BOOKMARK")
        .unwrap_or_else(|| panic!("no bookmark in {text}"));
    assert_eq!(bookmark["object"]["kind"], "ConfigMap");
    assert_eq!(bookmark["object"]["apiVersion"], "v1");
    assert_eq!(
        bookmark["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        status.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn client_certificates_authenticate_cn_and_o() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=test-ca",
            "-days",
            "2",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "user.key",
            "-out",
            "user.csr",
            "-subj",
            "/CN=carol/O=devs/O=ops",
        ],
    );
    std::fs::write(
        d.join("client.ext"),
        "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "user.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "user.crt",
            "-days",
            "1",
            "-extfile",
            "client.ext",
        ],
    );
    let kcp = Kcp::start_with(&["--client-ca-file", d.join("ca.crt").to_str().unwrap()]);
    let (base, _) = kcp.endpoint();
    let server = format!("{base}/clusters/root");
    let who = kcp
        .kubectl(&[
            "auth",
            "whoami",
            "-o",
            "json",
            "--kubeconfig",
            "/dev/null",
            "--server",
            &server,
            "--insecure-skip-tls-verify",
            "--client-certificate",
            d.join("user.crt").to_str().unwrap(),
            "--client-key",
            d.join("user.key").to_str().unwrap(),
        ])
        .json();
    assert_eq!(who["status"]["userInfo"]["username"], "carol");
    let groups = who["status"]["userInfo"]["groups"].to_string();
    assert!(
        groups.contains("devs")
            && groups.contains("ops")
            && groups.contains("system:authenticated"),
        "{groups}"
    );
}

/// A throwaway etcd on free loopback ports.
struct Etcd {
    child: std::process::Child,
    _dir: tempfile::TempDir,
    url: String,
}

impl Etcd {
    fn start() -> Self {
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let (client, peer) = (free(), free());
        let dir = tempfile::tempdir().unwrap();
        let url = format!("http://127.0.0.1:{client}");
        let child = Command::new("etcd")
            .args(["--data-dir", dir.path().to_str().unwrap()])
            .args([
                "--listen-client-urls",
                &url,
                "--advertise-client-urls",
                &url,
            ])
            .args(["--listen-peer-urls", &format!("http://127.0.0.1:{peer}")])
            .args([
                "--initial-advertise-peer-urls",
                &format!("http://127.0.0.1:{peer}"),
            ])
            .args([
                "--initial-cluster",
                &format!("default=http://127.0.0.1:{peer}"),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("etcd is installed (scripts/install-test-deps.sh)");
        let health = format!("127.0.0.1:{client}");
        wait_until("etcd to listen", Duration::from_secs(30), || {
            std::net::TcpStream::connect(&health).is_ok()
        });
        Self {
            child,
            _dir: dir,
            url,
        }
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_etcd_backend_serves_and_keeps_objects() {
    let etcd = Etcd::start();
    let mut kcp = Kcp::start_with(&["--etcd-servers", &etcd.url]);
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: in-etcd\ndata:\n  a: b\n";
    kcp.kubectl_stdin(&["create", "-f", "-"], Some(manifest))
        .ok();
    kcp.kubectl(&["label", "configmap", "in-etcd", "x=y"]).ok();
    kcp.restart();
    let obj = kcp
        .kubectl(&["get", "configmap", "in-etcd", "-o", "json"])
        .json();
    assert_eq!(obj["data"]["a"], "b");
    assert_eq!(obj["metadata"]["labels"]["x"], "y");
    kcp.kubectl(&["get", "namespace", "default"]).ok();
}
