//! A real `kcp start` for the plugin tests, and helpers to run the plugin binaries against it.
//!
//! The server binary is `$KCP_BIN` or `kcp` next to the test's own target directory (what
//! `cargo build --workspace --bins`, run by `scripts/test.sh`, leaves there). Without one the tests
//! that need it say so and pass without running: building the whole server just for these tests
//! would make `cargo test -p kcp-cli` take many minutes.

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Polls `cond` until it holds; panics with `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(200));
    }
}

/// The directory of the binaries cargo built for this test run (`target/debug`).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/debug/deps/<test>-<hash> → target/debug
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("target directory")
}

/// The `kcp` binary to test against, if there is one.
pub fn kcp_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KCP_BIN") {
        return Some(PathBuf::from(p));
    }
    let p = bin_dir().join("kcp");
    p.exists().then_some(p)
}

/// A plugin binary of this crate.
pub fn plugin(name: &str) -> PathBuf {
    match name {
        "kubectl-ws" => PathBuf::from(env!("CARGO_BIN_EXE_kubectl-ws")),
        "kubectl-kcp" => PathBuf::from(env!("CARGO_BIN_EXE_kubectl-kcp")),
        "kubectl-create-workspace" => PathBuf::from(env!("CARGO_BIN_EXE_kubectl-create-workspace")),
        other => panic!("no plugin {other}"),
    }
}

/// What a command printed and how it ended.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The stdout of a command that must have succeeded.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, Some(0), "command failed: {self:#?}");
        &self.stdout
    }

    /// The stderr of a command that must have failed.
    #[track_caller]
    pub fn err(&self) -> &str {
        assert_ne!(
            self.code,
            Some(0),
            "command unexpectedly succeeded: {self:#?}"
        );
        &self.stderr
    }
}

/// A running `kcp start` with a fresh root directory, and a kubeconfig of our own (a copy of
/// its admin kubeconfig) for the plugins to edit.
pub struct Kcp {
    child: Child,
    dir: tempfile::TempDir,
}

impl Kcp {
    /// Starts kcp, or returns `None` (after saying why) when there is no binary.
    pub fn start() -> Option<Self> {
        let Some(bin) = kcp_binary() else {
            eprintln!(
                "skipping: no kcp binary (set KCP_BIN or run `cargo build -p kcp-server --bin kcp`)"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let log = std::fs::File::create(dir.path().join("kcp.log")).expect("log file");
        let child = Command::new(bin)
            .args(["start", "--secure-port", "0", "--bind-address", "127.0.0.1"])
            .arg("--root-directory")
            .arg(dir.path().join("root"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting kcp");
        let mut kcp = Kcp { child, dir };
        let admin = kcp.dir.path().join("root/admin.kubeconfig");
        wait_until(
            "kcp to write admin.kubeconfig",
            Duration::from_secs(60),
            || {
                if let Ok(Some(status)) = kcp.child.try_wait() {
                    panic!("kcp exited early ({status}): {}", kcp.log());
                }
                std::fs::metadata(&admin).is_ok_and(|m| m.len() > 0)
            },
        );
        // Ready when the plugin can see the root workspace (discovery works); checked on a
        // throwaway copy of the kubeconfig.
        let probe = kcp.dir.path().join("probe.kubeconfig");
        wait_until(
            "kcp to serve the root workspace",
            Duration::from_secs(60),
            || {
                std::fs::copy(&admin, &probe).expect("copying the kubeconfig");
                kcp.run_with("kubectl-ws", &[":root"], &probe).code == Some(0)
            },
        );
        std::fs::copy(&admin, kcp.kubeconfig()).expect("copying the kubeconfig");
        Some(kcp)
    }

    /// The kubeconfig the plugins edit.
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// A scratch directory that lives as long as the server.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kcp.log")).unwrap_or_default()
    }

    /// Runs a plugin with `KUBECONFIG` pointing at [`Kcp::kubeconfig`].
    pub fn run(&self, plugin_name: &str, args: &[&str]) -> Output {
        self.run_with(plugin_name, args, &self.kubeconfig())
    }

    /// Runs a plugin with `stdin` as its standard input.
    pub fn run_stdin(&self, plugin_name: &str, args: &[&str], stdin: &str) -> Output {
        self.command(Command::new(plugin(plugin_name)).args(args), Some(stdin))
    }

    /// Runs the machine's `kubectl` against the server, with `stdin` if given.
    pub fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.command(Command::new("kubectl").args(args), stdin)
    }

    fn command(&self, cmd: &mut Command, stdin: Option<&str>) -> Output {
        use std::io::Write;
        let mut child = cmd
            .env("KUBECONFIG", self.kubeconfig())
            .env("HOME", self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting the command");
        let mut input = child.stdin.take().expect("stdin");
        let text = stdin.unwrap_or_default().to_owned();
        // Written from a thread so that a large input cannot block on a full output pipe.
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(text.as_bytes());
        });
        let out = child.wait_with_output().expect("running the command");
        writer.join().expect("stdin writer");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run_with(&self, plugin_name: &str, args: &[&str], kubeconfig: &Path) -> Output {
        let out = Command::new(plugin(plugin_name))
            .args(args)
            .env("KUBECONFIG", kubeconfig)
            .env("HOME", self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("running the plugin");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The kubeconfig as YAML parsed into JSON.
    pub fn kubeconfig_json(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.kubeconfig()).expect("kubeconfig");
        serde_saphyr::from_str(&text).expect("kubeconfig parses")
    }
}

impl Drop for Kcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
