//! The e2e harness: starts the real `kcp` binary on a free port with a temporary root directory
//! and drives it with the machine's real `kubectl`.
//!
//! ```no_run
//! let kcp = e2e::Kcp::start();
//! let out = kcp.kubectl(&["get", "namespaces"]);
//! assert!(out.success());
//! ```
//!
//! [`KubeApiserver`] is the reference beside it: Kubernetes' own kube-apiserver, one per test
//! binary (see [`kube_apiserver`]).

pub mod agent;
pub mod bench;
pub mod differential;
pub mod kube_apiserver;
pub mod kubectls;
pub mod process;

pub use kube_apiserver::{BenchControlPlane, KubeApiserver};

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The workspace root (this crate lives in `<root>/e2e`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The test data directory of the repo.
pub fn testdata(rel: &str) -> PathBuf {
    workspace_root().join("e2e/testdata").join(rel)
}

/// Path to the `kcp` binary: `$KCP_BIN`, or built once with cargo for this test run.
pub fn kcp_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(p) = std::env::var("KCP_BIN") {
            return PathBuf::from(p);
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        // The variables cargo sets for this test binary would make build scripts that watch
        // them (ring's) rerun, and flip-flop with the outer build: drop them.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
                "CARGO_PRIMARY_",
                "CARGO_TARGET_TMPDIR",
            ]
            .iter()
            .any(|p| k.starts_with(p))
            {
                cmd.env_remove(k.as_ref());
            }
        }
        let status = cmd
            .current_dir(workspace_root())
            // --all-targets: the features `cargo test --workspace` resolves (dev-dependencies
            // turn on tokio's test-util), so the binaries reuse the tests' build of each crate
            // instead of a second copy of the dependency tree.
            .args(["build", "-q", "--workspace", "--all-targets"])
            .status()
            .expect("running cargo build for the kcp binary");
        assert!(status.success(), "building kcp failed");
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| workspace_root().join("target"));
        target.join("debug/kcp")
    })
    .clone()
}

/// `PATH` with the directory of the built binaries first, so that kubectl finds our plugins
/// (`kubectl ws`, `kubectl create-workspace`, `kubectl kcp`).
pub fn path_with_plugins() -> std::ffi::OsString {
    let mut dirs: Vec<PathBuf> = kcp_binary()
        .parent()
        .map(Path::to_path_buf)
        .into_iter()
        .collect();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// Polls `cond` until it holds or `timeout` passes; panics with `what` on timeout.
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(200));
    }
}

/// A command's outcome.
#[derive(Debug)]
pub struct Output {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    /// The stdout, panicking with the stderr if the command failed.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert!(
            self.success(),
            "command failed: {}\n{}",
            self.stderr,
            self.stdout
        );
        &self.stdout
    }

    /// The stderr of a command that must have failed.
    #[track_caller]
    pub fn err(&self) -> &str {
        assert!(
            !self.success(),
            "command unexpectedly succeeded: {}",
            self.stdout
        );
        &self.stderr
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).expect("stdout is JSON")
    }
}

/// A running `kcp start`.
pub struct Kcp {
    child: Option<Child>,
    dir: tempfile::TempDir,
    extra_args: Vec<String>,
}

impl Kcp {
    /// Starts a server with a fresh root directory.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a server with extra `kcp start` flags.
    pub fn start_with(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut kcp = Self {
            child: None,
            dir,
            extra_args: extra.iter().map(|s| s.to_string()).collect(),
        };
        kcp.launch();
        kcp
    }

    /// Starts a server on a fixed free port, so that it keeps its URL across restarts.
    pub fn start_on_fixed_port(extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port")
            .to_string();
        let mut args = vec!["--secure-port", port.as_str()];
        args.extend_from_slice(extra);
        Self::start_with(&args)
    }

    pub fn root_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("admin.kubeconfig")
    }

    fn launch(&mut self) {
        // Every start writes the kubeconfig (under the kcp profile with a new kcp-admin token),
        // so a rewritten kubeconfig means "started".
        let written = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let previous = written(&self.kubeconfig());
        let log = std::fs::File::create(self.dir.path().join("kcp.log")).expect("log file");
        // A port of the caller's (for restarts on the same URL), else a free one each start.
        let port: &[&str] = if self.extra_args.iter().any(|a| a == "--secure-port") {
            &[]
        } else {
            &["--secure-port", "0"]
        };
        let child = Command::new(kcp_binary())
            .arg("start")
            .args(port)
            .args(["--bind-address", "127.0.0.1", "--root-directory"])
            .arg(self.dir.path())
            .args(&self.extra_args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting kcp");
        self.child = Some(child);
        let kubeconfig = self.kubeconfig();
        wait_until(
            "kcp to write its kubeconfig",
            Duration::from_secs(30),
            || {
                if let Some(c) = self.child.as_mut()
                    && let Ok(Some(status)) = c.try_wait()
                {
                    panic!("kcp exited early ({status}): {}", self.log());
                }
                written(&kubeconfig).is_some_and(|w| Some(w) != previous)
            },
        );
        wait_until("kcp readyz", Duration::from_secs(30), || {
            self.kubectl(&["get", "--raw", "/readyz"]).success()
        });
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kcp.log")).unwrap_or_default()
    }

    /// Runs kubectl against this server (context `root` unless the args say otherwise).
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_stdin(args, None)
    }

    /// Runs kubectl with `stdin` fed to it.
    pub fn kubectl_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.run_kubectl(Path::new("kubectl"), &self.kubeconfig(), args, stdin)
    }

    /// Runs a given kubectl binary with a given kubeconfig (several releases side by side,
    /// each with its own copy of the kubeconfig).
    pub fn run_kubectl(
        &self,
        kubectl: &Path,
        kubeconfig: &Path,
        args: &[&str],
        stdin: Option<&str>,
    ) -> Output {
        kubectl_output(
            kubectl,
            kubeconfig,
            self.dir.path(),
            Some(path_with_plugins()),
            args,
            stdin,
        )
    }

    /// The `base` URL and the kcp-admin token from the kubeconfig.
    pub fn endpoint(&self) -> (String, String) {
        let text = std::fs::read_to_string(self.kubeconfig()).expect("kubeconfig");
        let cfg: serde_json::Value = serde_saphyr::from_str(&text).expect("kubeconfig parses");
        let find = |list: &str, name: &str| {
            cfg[list]
                .as_array()
                .and_then(|a| a.iter().find(|e| e["name"] == name).cloned())
                .unwrap_or_default()
        };
        let server = find("clusters", "base")["cluster"]["server"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let token = find("users", "kcp-admin")["user"]["token"]
            .as_str()
            .unwrap_or("")
            .to_string();
        (server, token)
    }

    /// The server URL and token of the kubeconfig's current context.
    pub fn endpoint_of_current_context(&self) -> (String, String) {
        let text = std::fs::read_to_string(self.kubeconfig()).expect("kubeconfig");
        let cfg: serde_json::Value = serde_saphyr::from_str(&text).expect("kubeconfig parses");
        let current = cfg["current-context"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let find = |list: &str, name: &str| {
            cfg[list]
                .as_array()
                .and_then(|a| a.iter().find(|e| e["name"] == name).cloned())
                .unwrap_or_default()
        };
        let ctx = find("contexts", &current);
        let cluster = ctx["context"]["cluster"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let user = ctx["context"]["user"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (
            find("clusters", &cluster)["cluster"]["server"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            find("users", &user)["user"]["token"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    }

    /// A raw request as the admin: `(status code, body as JSON or as a string)`.
    pub fn curl(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> (u16, serde_json::Value) {
        self.curl_with(None, method, path, &[("Content-Type", content_type)], body)
    }

    /// A raw request with another bearer token.
    pub fn curl_as(&self, token: &str, method: &str, path: &str) -> (u16, serde_json::Value) {
        self.curl_with(Some(token), method, path, &[], b"")
    }

    /// A raw GET with an `Accept` header.
    pub fn curl_accept(&self, method: &str, path: &str, accept: &str) -> (u16, serde_json::Value) {
        self.curl_with(None, method, path, &[("Accept", accept)], b"")
    }

    fn curl_with(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, serde_json::Value) {
        let (server, admin) = self.endpoint();
        let endpoint = Endpoint {
            server: &server,
            token: token.unwrap_or(&admin),
            ca_file: None,
        };
        curl_request(&endpoint, method, path, headers, body)
    }

    /// Starts `kubectl` in the background (for `get -w`), stdout piped.
    pub fn kubectl_spawn(&self, args: &[&str]) -> Child {
        Command::new("kubectl")
            .env("KUBECONFIG", self.kubeconfig())
            .env("HOME", self.dir.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running kubectl")
    }

    /// Stops the server gracefully (SIGTERM) and starts it again on the same root directory.
    pub fn restart(&mut self) {
        self.stop(libc_signal::TERM);
        self.launch();
    }

    /// Kills the server with SIGKILL and starts it again on the same root directory.
    pub fn kill_and_restart(&mut self) {
        self.stop(libc_signal::KILL);
        self.launch();
    }

    fn stop(&mut self, signal: &str) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args([&format!("-{signal}"), &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }

    /// Stops the server gracefully (SIGTERM), leaving its root directory for inspection.
    pub fn shutdown(&mut self) {
        self.stop(libc_signal::TERM);
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

/// Runs a kubectl binary with `KUBECONFIG` and `HOME` (kubectl's cache) set, and `PATH` when
/// given.
pub(crate) fn kubectl_output(
    kubectl: &Path,
    kubeconfig: &Path,
    home: &Path,
    path: Option<std::ffi::OsString>,
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(kubectl);
    cmd.env("KUBECONFIG", kubeconfig).env("HOME", home);
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("running kubectl");
    if let Some(input) = stdin
        && let Some(mut s) = child.stdin.take()
    {
        s.write_all(input.as_bytes())
            .expect("writing kubectl stdin");
    }
    let out = child.wait_with_output().expect("kubectl output");
    Output {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Where [`curl_request`] sends a request: the server, the bearer token, and the CA to verify
/// the server with (`None`: no verification).
pub(crate) struct Endpoint<'a> {
    pub server: &'a str,
    pub token: &'a str,
    pub ca_file: Option<&'a Path>,
}

/// A raw request with curl: `(status code, body as JSON or as a string)`.
pub(crate) fn curl_request(
    endpoint: &Endpoint<'_>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, serde_json::Value) {
    use std::io::Write;
    let mut cmd = Command::new("curl");
    match endpoint.ca_file {
        Some(ca) => cmd.arg("-s").arg("--cacert").arg(ca),
        None => cmd.arg("-sk"),
    };
    cmd.args(["-X", method, "-w", "\n%{http_code}", "-H"])
        .arg(format!("Authorization: Bearer {}", endpoint.token));
    for (k, v) in headers {
        if !v.is_empty() {
            cmd.arg("-H").arg(format!("{k}: {v}"));
        }
    }
    if !body.is_empty() {
        cmd.args(["--data-binary", "@-"]);
    }
    cmd.arg(format!("{}{path}", endpoint.server))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("running curl");
    if let Some(mut s) = child.stdin.take() {
        let _ = s.write_all(body);
    }
    let out = child.wait_with_output().expect("curl output");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    let code: u16 = code.trim().parse().unwrap_or(0);
    let json =
        serde_json::from_str(body).unwrap_or_else(|_| serde_json::Value::String(body.to_string()));
    (code, json)
}

mod libc_signal {
    pub const TERM: &str = "TERM";
    pub const KILL: &str = "KILL";
}

impl Drop for Kcp {
    fn drop(&mut self) {
        self.stop(libc_signal::KILL);
        if std::thread::panicking() {
            eprintln!("--- kcp log ---\n{}", self.log());
        }
    }
}
