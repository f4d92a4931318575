//! The same everyday session with every kubectl release on the machine (1.27–1.33 beside the
//! dispatcher, 1.37 from PyPI), each with its own empty `--cache-dir` and its own copy of the
//! kubeconfig, in a workspace of its own: objects through typed and generic commands, the
//! three patch types, client- and server-side apply, `get -w`, discovery, `explain`, a CRD and
//! a custom resource, and `describe` showing an Event written through events.k8s.io/v1.
//!
//! Stdout is compared, not stderr (kubectl warns about the version skew there). The test
//! prints which releases ran; a release that is expected but missing fails the test unless
//! `KCP_E2E_ALLOW_MISSING_KUBECTL=1`. `KCP_E2E_KUBECTL=1.30,1.33` runs only those.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use e2e::kubectls::{self, Release};
use e2e::{Kcp, Output};

/// One release's session: its binary, kubeconfig and cache.
struct Session<'a> {
    kcp: &'a Kcp,
    release: &'a Release,
    kubeconfig: PathBuf,
    cache: PathBuf,
}

impl Session<'_> {
    /// Runs this release with its own kubeconfig and cache directory. Our plugins, like kcp's,
    /// take kubeconfig overrides but no `--cache-dir` (they cache nothing).
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let cache = self.cache.display().to_string();
        let mut all: Vec<&str> = args.to_vec();
        if !matches!(args.first(), Some(&("ws" | "kcp" | "create-workspace"))) {
            all.extend(["--cache-dir", &cache]);
        }
        self.kcp
            .run_kubectl(&self.release.path, &self.kubeconfig, &all, stdin)
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(
            out.success(),
            "kubectl {}: {args:?} failed: {}{}",
            self.release.version,
            out.stderr,
            out.stdout
        );
        out.stdout
    }

    #[track_caller]
    fn ok_stdin(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, Some(stdin));
        assert!(
            out.success(),
            "kubectl {}: {args:?} failed: {}{}",
            self.release.version,
            out.stderr,
            out.stdout
        );
        out.stdout
    }

    /// `args` must print exactly `expected`.
    #[track_caller]
    fn expect(&self, args: &[&str], expected: &str) {
        let out = self.ok(args);
        assert_eq!(out, expected, "kubectl {}: {args:?}", self.release.version);
    }

    #[track_caller]
    fn expect_stdin(&self, args: &[&str], stdin: &str, expected: &str) {
        let out = self.ok_stdin(args, stdin);
        assert_eq!(out, expected, "kubectl {}: {args:?}", self.release.version);
    }

    /// `kubectl get -w` in the background, its stdout lines sent to a channel.
    fn watch(&self, args: &[&str]) -> (std::process::Child, mpsc::Receiver<String>) {
        let cache = self.cache.display().to_string();
        let mut child = std::process::Command::new(&self.release.path)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.kcp.root_dir())
            .args(args)
            .args(["--cache-dir", &cache])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("kubectl get -w");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        (child, rx)
    }
}

/// Waits for a line containing `needle`.
#[track_caller]
fn wait_for_line(rx: &mpsc::Receiver<String>, needle: &str, what: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return line,
            Ok(_) => {}
            Err(_) => panic!("{what}: no line with {needle:?} in time"),
        }
    }
}

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.e2e.example.com
spec:
  group: e2e.example.com
  names:
    kind: Widget
    listKind: WidgetList
    plural: widgets
    singular: widget
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - name: Size
      type: integer
      jsonPath: .spec.size
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size:
                type: integer
                minimum: 1
";

const WIDGET: &str = "apiVersion: e2e.example.com/v1
kind: Widget
metadata:
  name: w1
  namespace: demo
spec:
  size: 3
";

fn configmap(name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: demo\ndata:\n  key: {value}\n"
    )
}

/// An Event about the ConfigMap `cm` written through events.k8s.io/v1, as a kube-rs
/// `Recorder` writes them.
fn event(uid: &str) -> String {
    format!(
        "apiVersion: events.k8s.io/v1
kind: Event
metadata:
  name: cm.synced
  namespace: demo
eventTime: \"2026-01-01T00:00:00.000000Z\"
reportingController: e2e.example.com/syncer
reportingInstance: syncer-0
action: Sync
reason: Synced
type: Normal
note: configmap synced by the e2e syncer
regarding:
  apiVersion: v1
  kind: ConfigMap
  name: cm
  namespace: demo
  uid: {uid}
"
    )
}

/// The session every release runs, in workspace `root:<ws>`.
fn everyday_session(s: &Session, ws: &str) {
    let v = &s.release.version;

    // Workspaces: create and enter one, then print it.
    s.expect(
        &["ws", "create", ws, "--enter"],
        &format!(
            "Workspace \"{ws}\" (type root:organization) created. Waiting for it to be ready...\n\
             Workspace \"{ws}\" (type root:organization) is ready to use.\n\
             Current workspace is 'root:{ws}' (type root:organization).\n"
        ),
    );
    s.expect(
        &["ws", "."],
        &format!("Current workspace is 'root:{ws}'.\n"),
    );

    // Typed creates (protobuf bodies) and gets in each output form.
    s.expect(&["create", "namespace", "demo"], "namespace/demo created\n");
    s.expect(
        &[
            "create",
            "configmap",
            "cm",
            "-n",
            "demo",
            "--from-literal=a=1",
        ],
        "configmap/cm created\n",
    );
    let table = s.ok(&["get", "configmap", "cm", "-n", "demo"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{v}: {table}");
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "DATA", "AGE"],
        "{v}"
    );
    assert_eq!(
        &lines[1].split_whitespace().collect::<Vec<_>>()[..2],
        ["cm", "1"],
        "{v}"
    );
    let yaml = s.ok(&["get", "configmap", "cm", "-n", "demo", "-o", "yaml"]);
    assert!(yaml.contains("  a: \"1\"\n"), "{v}: {yaml}");
    assert!(yaml.contains("kind: ConfigMap\n"), "{v}: {yaml}");
    s.expect(
        &[
            "get",
            "configmap",
            "cm",
            "-n",
            "demo",
            "-o",
            "jsonpath={.data.a}",
        ],
        "1",
    );

    // Patches of the three types, and a label.
    s.expect(
        &[
            "patch",
            "configmap",
            "cm",
            "-n",
            "demo",
            "-p",
            r#"{"data":{"b":"2"}}"#,
        ],
        "configmap/cm patched\n",
    );
    s.expect(
        &[
            "patch",
            "configmap",
            "cm",
            "-n",
            "demo",
            "--type",
            "merge",
            "-p",
            r#"{"data":{"c":"3"}}"#,
        ],
        "configmap/cm patched\n",
    );
    s.expect(
        &[
            "patch",
            "configmap",
            "cm",
            "-n",
            "demo",
            "--type",
            "json",
            "-p",
            r#"[{"op":"add","path":"/data/d","value":"4"}]"#,
        ],
        "configmap/cm patched\n",
    );
    s.expect(
        &["label", "configmap", "cm", "-n", "demo", "tier=web"],
        "configmap/cm labeled\n",
    );
    s.expect(
        &[
            "get",
            "configmap",
            "cm",
            "-n",
            "demo",
            "-o",
            "jsonpath={.data.b}{.data.c}{.data.d}{.metadata.labels.tier}",
        ],
        "234web",
    );

    // Client-side apply (create, then configure) and server-side apply.
    s.expect_stdin(
        &["apply", "-f", "-"],
        &configmap("app", "one"),
        "configmap/app created\n",
    );
    s.expect_stdin(
        &["apply", "-f", "-"],
        &configmap("app", "two"),
        "configmap/app configured\n",
    );
    s.expect_stdin(
        &["apply", "-f", "-"],
        &configmap("app", "two"),
        "configmap/app unchanged\n",
    );
    s.expect_stdin(
        &["apply", "--server-side", "-f", "-"],
        &configmap("ssa", "one"),
        "configmap/ssa serverside-applied\n",
    );
    s.expect(
        &[
            "get",
            "configmap",
            "app",
            "-n",
            "demo",
            "-o",
            "jsonpath={.data.key}",
        ],
        "two",
    );

    // A watch sees a later create.
    let (mut child, rx) = s.watch(&[
        "get",
        "configmaps",
        "-n",
        "demo",
        "-w",
        "--output-watch-events",
    ]);
    wait_for_line(&rx, "ssa", &format!("{v}: the watch's initial list"));
    s.expect(
        &["create", "configmap", "watched", "-n", "demo"],
        "configmap/watched created\n",
    );
    let line = wait_for_line(&rx, "watched", &format!("{v}: the watch event"));
    assert!(line.starts_with("ADDED"), "{v}: {line}");
    let _ = child.kill();
    let _ = child.wait();

    // Discovery and OpenAPI.
    let resources = s.ok(&["api-resources"]);
    for (name, line_start) in [
        ("configmaps", "configmaps "),
        ("events", "events "),
        ("workspaces", "workspaces "),
    ] {
        assert!(
            resources.lines().any(|l| l.starts_with(line_start)),
            "{v}: {name} missing from api-resources:\n{resources}"
        );
    }
    let explain = s.ok(&["explain", "configmap.data"]);
    assert!(
        explain.contains("KIND:") && explain.contains("ConfigMap"),
        "{v}: {explain}"
    );
    assert!(explain.contains("data"), "{v}: {explain}");

    // A CRD and a custom resource, with the CRD's printer column.
    s.expect_stdin(
        &["apply", "-f", "-"],
        CRD,
        "customresourcedefinition.apiextensions.k8s.io/widgets.e2e.example.com created\n",
    );
    s.ok(&[
        "wait",
        "--for",
        "condition=Established",
        "crd/widgets.e2e.example.com",
        "--timeout",
        "30s",
    ]);
    s.expect_stdin(
        &["create", "-f", "-"],
        WIDGET,
        "widget.e2e.example.com/w1 created\n",
    );
    let widgets = s.ok(&["get", "widgets", "-n", "demo"]);
    let rows: Vec<Vec<&str>> = widgets
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    // Only NAME and the CRD's own columns: kube adds AGE only to a CRD without columns.
    assert_eq!(rows[0], ["NAME", "SIZE"], "{v}: {widgets}");
    assert_eq!(rows[1], ["w1", "3"], "{v}: {widgets}");
    let bad = s.run(
        &["create", "-f", "-"],
        Some(&WIDGET.replace("size: 3", "size: 0")),
    );
    assert!(
        bad.err().contains(
            "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"
        ),
        "{v}: {}",
        bad.stderr
    );

    // describe shows an Event written through events.k8s.io/v1.
    let uid = s.ok(&[
        "get",
        "configmap",
        "cm",
        "-n",
        "demo",
        "-o",
        "jsonpath={.metadata.uid}",
    ]);
    s.expect_stdin(
        &["create", "-f", "-"],
        &event(&uid),
        "event.events.k8s.io/cm.synced created\n",
    );
    let described = s.ok(&["describe", "configmap", "cm", "-n", "demo"]);
    let events = described
        .split_once("\nEvents:")
        .map(|(_, e)| e)
        .unwrap_or_else(|| panic!("{v}: no Events section:\n{described}"));
    assert!(
        events.contains("Synced") && events.contains("configmap synced by the e2e syncer"),
        "{v}: the events.k8s.io/v1 Event is not in describe:\n{described}"
    );
    let listed = s.ok(&["get", "events", "-n", "demo"]);
    assert!(
        listed.contains("configmap synced by the e2e syncer"),
        "{v}: {listed}"
    );

    // Deletes (kubectl 1.34 and later name the namespace).
    let from = if s.release.minor() >= 34 {
        " from demo namespace"
    } else {
        ""
    };
    s.expect(
        &["delete", "configmap", "cm", "-n", "demo"],
        &format!("configmap \"cm\" deleted{from}\n"),
    );
    s.expect(
        &["delete", "widget", "w1", "-n", "demo"],
        &format!("widget.e2e.example.com \"w1\" deleted{from}\n"),
    );
    let gone = s.run(&["get", "configmap", "cm", "-n", "demo"], None);
    assert!(gone.err().contains("NotFound"), "{v}: {}", gone.stderr);
}

#[test]
fn every_kubectl_release_runs_the_everyday_session() {
    let (releases, missing) = kubectls::releases();
    let ran: Vec<&str> = releases.iter().map(|r| r.version.as_str()).collect();
    println!("kubectl releases: {}", ran.join(", "));
    if !missing.is_empty() {
        println!("kubectl releases missing: {}", missing.join(", "));
        assert!(
            std::env::var("KCP_E2E_ALLOW_MISSING_KUBECTL").is_ok_and(|v| v == "1"),
            "kubectl releases missing: {} (scripts/install-test-deps.sh installs 1.37; \
             KCP_E2E_ALLOW_MISSING_KUBECTL=1 runs with what there is)",
            missing.join(", ")
        );
    }
    assert!(!releases.is_empty(), "no kubectl release found");
    // `KCP_E2E_KUBECTL=1.30,1.33` runs only those (while working on one of them).
    let only = std::env::var("KCP_E2E_KUBECTL").unwrap_or_default();
    let releases: Vec<Release> = releases
        .into_iter()
        .filter(|r| only.is_empty() || only.split(',').any(|v| v == r.version))
        .collect();
    let kcp = Kcp::start();
    let admin = std::fs::read(kcp.kubeconfig()).expect("admin kubeconfig");
    for release in &releases {
        let minor = release.version.replace('.', "-");
        let dir = kcp.root_dir().join(format!("kubectl-{minor}"));
        std::fs::create_dir_all(&dir).expect("session dir");
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(&kubeconfig, &admin).expect("kubeconfig copy");
        let session = Session {
            kcp: &kcp,
            release,
            kubeconfig,
            cache: dir.join("cache"),
        };
        everyday_session(&session, &format!("kubectl-{minor}"));
        println!("kubectl {}: the session passed", release.version);
    }
}
