//! Kubernetes' own kube-apiserver as test infrastructure: one etcd, one kube-apiserver and one
//! kube-controller-manager per test binary, started on first use the way controller-runtime's
//! envtest starts its control plane, and killed with the test process.
//!
//! The binaries are built from the Go module in `e2e/kube-apiserver` by
//! `scripts/build-kube-apiserver.sh` (the harness runs it when `go` is on `PATH`; it does nothing
//! when they are up to date). Without `go` and without built binaries, [`KubeApiserver::shared`]
//! says why on the terminal and returns `None`, and the test returns early: it passes, skipped.
//!
//! ```no_run
//! let Some(kube) = e2e::KubeApiserver::shared() else { return };
//! kube.kubectl(&["create", "namespace", "demo"]).ok();
//! let (code, version) = kube.curl("GET", "/version", "", b"");
//! assert_eq!(code, 200);
//! assert_eq!(version["gitVersion"], kube.version());
//! ```
//!
//! What runs (all on free loopback ports, in one run directory under the system's temporary
//! directory):
//! - etcd with `--unsafe-no-fsync` (test data need not survive a power cut);
//! - kube-apiserver with a serving certificate from a CA of the harness's (`--cert-dir`,
//!   `--client-ca-file`), a token file (an admin in `system:masters`, and the controller
//!   manager's user), a service-account key pair, `--authorization-mode=RBAC` and envtest's
//!   service IP range;
//! - kube-controller-manager with the namespace, garbage-collector, service-account and
//!   cluster-role-aggregation controllers ([`CONTROLLERS`]), each under its own service account
//!   as kubeadm runs them, without leader election.
//!
//! Every process is tied to the test process ([`crate::process::spawn_tied`]); on a normal exit
//! they are killed and the run directory removed (kept with `KCP_E2E_KEEP_RUN_DIR=1`, for the
//! logs), and a run directory left by a killed test binary is removed by the next one.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::process::spawn_tied;
use crate::{Output, workspace_root};

/// The controllers kube-controller-manager runs: enough for namespaces to be finalized, owner
/// references to be collected, service accounts (with their tokens and the root CA ConfigMap)
/// to appear, and the aggregated `admin`/`edit`/`view` roles to have rules (without that
/// controller they have none, and a binding to them grants nothing), as on a real cluster.
pub const CONTROLLERS: &str = "namespace,garbagecollector,serviceaccount,serviceaccount-token,\
                               root-ca-cert-publisher,clusterrole-aggregation";

/// The service IP range, envtest's.
const SERVICE_CLUSTER_IP_RANGE: &str = "10.0.0.0/24";

/// A running kube-apiserver (with its etcd and kube-controller-manager), shared by every test
/// of one test binary.
pub struct KubeApiserver {
    dir: PathBuf,
    url: String,
    token: String,
    version: String,
}

/// Why [`KubeApiserver::shared`] has no server to give.
enum Unavailable {
    /// Nothing to run here (no `go`, no binaries): the tests skip.
    Skip(String),
    /// It should have run and did not: the tests fail.
    Failed(String),
}

impl KubeApiserver {
    /// The kube-apiserver of this test binary, started by the first caller. `None` when it
    /// cannot run here (no `go` on `PATH` and no built binaries): the reason is printed on the
    /// terminal and the caller returns, skipped. Panics when it should run and does not start.
    pub fn shared() -> Option<&'static KubeApiserver> {
        static SHARED: OnceLock<Result<KubeApiserver, Unavailable>> = OnceLock::new();
        match SHARED.get_or_init(start) {
            Ok(kube) => Some(kube),
            Err(Unavailable::Skip(why)) => {
                let test = std::thread::current()
                    .name()
                    .unwrap_or("a test")
                    .to_string();
                // Straight to the terminal: the test harness would swallow eprintln! of a
                // passing test.
                let _ = writeln!(
                    std::io::stderr(),
                    "skipped {test}: needs Kubernetes' kube-apiserver: {why}"
                );
                None
            }
            Err(Unavailable::Failed(why)) => panic!("kube-apiserver did not start: {why}"),
        }
    }

    /// The server's URL, `https://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The admin's bearer token (user `admin`, group `system:masters`).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The admin kubeconfig (self-contained: the CA and the token are inline).
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.join("admin.kubeconfig")
    }

    /// The PEM file of the CA that signed the serving certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// The Kubernetes version the binaries were built as (`/version`'s `gitVersion`), e.g.
    /// `v1.36.5`: the `k8s.io/kubernetes` version `e2e/kube-apiserver/go.mod` requires.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The run directory: certificates, the token file, kubeconfigs, etcd's data and one log per
    /// process (`etcd.log`, `kube-apiserver.log`, `kube-controller-manager.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// One process's log so far (`"etcd"`, `"kube-apiserver"`, `"kube-controller-manager"`).
    pub fn log(&self, process: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{process}.log"))).unwrap_or_default()
    }

    /// Runs kubectl as the admin.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_stdin(args, None)
    }

    /// Runs kubectl as the admin with `stdin` fed to it.
    pub fn kubectl_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        crate::kubectl_output(
            Path::new("kubectl"),
            &self.kubeconfig(),
            &self.dir,
            None,
            args,
            stdin,
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
        crate::curl_request(
            &crate::Endpoint {
                server: &self.url,
                token: &self.token,
                ca_file: Some(&self.ca_file()),
            },
            method,
            path,
            &[("Content-Type", content_type)],
            body,
        )
    }

    /// A kube-rs client as the admin.
    pub async fn client(&self) -> kube::Client {
        use kube::config::{KubeConfigOptions, Kubeconfig};
        let kubeconfig = Kubeconfig::read_from(self.kubeconfig()).expect("admin kubeconfig");
        let config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .expect("client config");
        kube::Client::try_from(config).expect("kube client")
    }
}

/// etcd and Kubernetes' kube-apiserver for the side-by-side benchmark (`kcp-bench
/// --side-by-side`), run as production runs them: etcd commits with fsync. There is no
/// controller manager. The benchmark spawns kube-apiserver itself
/// ([`BenchControlPlane::spawn_apiserver`]) to time it from spawn to ready, and may stop it and
/// start it again on the same etcd and port. Both processes end with the value (and with the
/// process, as the shared server's do).
pub struct BenchControlPlane {
    launch: Launch,
    etcd_url: String,
    etcd: Child,
    port: u16,
    apiserver: Option<Child>,
}

impl BenchControlPlane {
    /// Starts etcd (with fsync) in a run directory of this process and writes the admin
    /// kubeconfig of the kube-apiserver that [`Self::spawn_apiserver`] starts. Only one may
    /// exist at a time in a process, and not beside [`KubeApiserver::shared`].
    pub fn start() -> Result<Self, String> {
        let bin = binaries().map_err(|e| match e {
            Unavailable::Skip(why) | Unavailable::Failed(why) => why,
        })?;
        let mut launch = Launch::new(&bin, RunDir::create()?)?;
        let (etcd_url, etcd) = launch.with_free_ports("etcd", |l| l.start_etcd(true))?;
        let port = free_port()?;
        launch.url = format!("https://127.0.0.1:{port}");
        launch.write_kubeconfigs()?;
        Ok(Self {
            launch,
            etcd_url,
            etcd,
            port,
            apiserver: None,
        })
    }

    /// etcd's client URL, `http://127.0.0.1:<port>`.
    pub fn etcd_url(&self) -> &str {
        &self.etcd_url
    }

    pub fn etcd_pid(&self) -> u32 {
        self.etcd.id()
    }

    /// kube-apiserver's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The admin kubeconfig (user `admin` in `system:masters`, the CA inline).
    pub fn kubeconfig(&self) -> PathBuf {
        self.launch.path("admin.kubeconfig")
    }

    /// Spawns kube-apiserver and returns its pid without waiting for it to be ready.
    pub fn spawn_apiserver(&mut self) -> Result<u32, String> {
        self.stop_apiserver();
        let cmd = self.launch.apiserver_command(&self.etcd_url, self.port);
        let child = self.launch.spawn("kube-apiserver", cmd)?;
        let pid = child.id();
        self.apiserver = Some(child);
        Ok(pid)
    }

    /// kube-apiserver's pid while it runs.
    pub fn apiserver_pid(&self) -> Option<u32> {
        self.apiserver.as_ref().map(Child::id)
    }

    /// `Some(the end of its log)` once kube-apiserver has exited.
    pub fn apiserver_exited(&mut self) -> Option<String> {
        let child = self.apiserver.as_mut()?;
        match child.try_wait() {
            Ok(Some(status)) => {
                let log = self.launch.log_tail("kube-apiserver");
                Some(format!("kube-apiserver exited ({status}): {log}"))
            }
            _ => None,
        }
    }

    /// Stops kube-apiserver (SIGTERM, as kubelet does) and waits for it to exit.
    pub fn stop_apiserver(&mut self) {
        if let Some(mut child) = self.apiserver.take() {
            // SAFETY: kill on our own child, which has not been reaped.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            let _ = child.wait();
            forget_pid(child.id());
        }
    }
}

impl Drop for BenchControlPlane {
    fn drop(&mut self) {
        self.stop_apiserver();
        let _ = self.etcd.kill();
        let _ = self.etcd.wait();
        forget_pid(self.etcd.id());
    }
}

/// Where the harness looks for the binaries, and whether it may build them.
fn binaries() -> Result<PathBuf, Unavailable> {
    const NAMES: [&str; 3] = ["etcd", "kube-apiserver", "kube-controller-manager"];
    let have_all = |dir: &Path| NAMES.iter().all(|n| dir.join(n).is_file());
    if let Some(dir) = std::env::var_os("KUBE_APISERVER_BIN_DIR").map(PathBuf::from) {
        return if have_all(&dir) {
            Ok(dir)
        } else {
            Err(Unavailable::Failed(format!(
                "KUBE_APISERVER_BIN_DIR={} lacks one of {NAMES:?}",
                dir.display()
            )))
        };
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let dir = target.join("kube-apiserver/bin");
    let go = Command::new("go")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !go {
        return if have_all(&dir) {
            Ok(dir)
        } else {
            Err(Unavailable::Skip(format!(
                "`go` is not on PATH and {} holds no binaries \
                 (scripts/build-kube-apiserver.sh builds them with Go)",
                dir.display()
            )))
        };
    }
    if !have_all(&dir) {
        let _ = writeln!(
            std::io::stderr(),
            "building kube-apiserver with scripts/build-kube-apiserver.sh (a first build takes \
             about ten minutes)"
        );
    }
    // Up to date in a second when scripts/test.sh built them already.
    let out = Command::new("bash")
        .arg(workspace_root().join("scripts/build-kube-apiserver.sh"))
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Unavailable::Failed(format!("running the build script: {e}")))?;
    if !out.status.success() {
        return Err(Unavailable::Failed(format!(
            "scripts/build-kube-apiserver.sh failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(dir)
}

/// The `k8s.io/kubernetes` version `e2e/kube-apiserver/go.mod` requires.
fn required_version() -> Result<String, Unavailable> {
    let go_mod = workspace_root().join("e2e/kube-apiserver/go.mod");
    let text = std::fs::read_to_string(&go_mod)
        .map_err(|e| Unavailable::Failed(format!("reading {}: {e}", go_mod.display())))?;
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("k8s.io/kubernetes "))
        .map(|v| v.split_whitespace().next().unwrap_or_default().to_string())
        .find(|v| v.starts_with('v'))
        .ok_or_else(|| Unavailable::Failed(format!("no k8s.io/kubernetes in {}", go_mod.display())))
}

fn start() -> Result<KubeApiserver, Unavailable> {
    let bin = binaries()?;
    let version = required_version()?;
    let dir = RunDir::create().map_err(Unavailable::Failed)?;
    let started = Instant::now();
    let kube = Launch::new(&bin, dir)
        .and_then(|mut launch| {
            launch.run()?;
            Ok(KubeApiserver {
                url: launch.url.clone(),
                token: launch.admin_token.clone(),
                dir: launch.dir.clone(),
                version,
            })
        })
        .map_err(Unavailable::Failed)?;
    let _ = writeln!(
        std::io::stderr(),
        "kube-apiserver {} ready at {} in {:.1}s (run directory {})",
        kube.version,
        kube.url,
        started.elapsed().as_secs_f64(),
        kube.dir.display()
    );
    Ok(kube)
}

/// Set (to anything) to keep the run directory, its logs among it, after the test process exits.
pub const KEEP_RUN_DIR: &str = "KCP_E2E_KEEP_RUN_DIR";

/// The processes to kill and the directory to remove when the test process exits normally.
static CLEANUP: Mutex<Option<(PathBuf, Vec<u32>)>> = Mutex::new(None);

extern "C" fn cleanup_at_exit() {
    // Never panic here: this runs inside libc's exit().
    let Ok(mut guard) = CLEANUP.lock() else {
        return;
    };
    if let Some((dir, pids)) = guard.take() {
        for pid in pids.iter().rev() {
            // SAFETY: kill and waitpid on our own children.
            unsafe {
                libc::kill(*pid as libc::pid_t, libc::SIGKILL);
                libc::waitpid(*pid as libc::pid_t, std::ptr::null_mut(), 0);
            }
        }
        if std::env::var_os(KEEP_RUN_DIR).is_none() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A child that was reaped: its pid may be reused, so the exit handler must not kill it.
fn forget_pid(pid: u32) {
    if let Ok(mut guard) = CLEANUP.lock()
        && let Some((_, pids)) = guard.as_mut()
    {
        pids.retain(|p| *p != pid);
    }
}

/// This test process's directory under `<tmp>/kcp-e2e-kube-apiserver/<pid>`.
struct RunDir;

impl RunDir {
    fn create() -> Result<PathBuf, String> {
        let base = std::env::temp_dir().join("kcp-e2e-kube-apiserver");
        // Directories of test processes that were killed (no exit handler ran): remove them.
        if let Ok(entries) = std::fs::read_dir(&base) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let alive = name
                    .to_str()
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
                if !alive {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = base.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        *CLEANUP.lock().map_err(|_| "cleanup lock poisoned")? = Some((dir.clone(), Vec::new()));
        // SAFETY: registers a plain extern "C" function with libc.
        unsafe { libc::atexit(cleanup_at_exit) };
        Ok(dir)
    }
}

/// Starting the three processes, in order, each on free ports (again on new ports when another
/// process took one between our probe and the server's bind).
struct Launch {
    bin: PathBuf,
    dir: PathBuf,
    url: String,
    admin_token: String,
    controller_manager_token: String,
}

impl Launch {
    fn new(bin: &Path, dir: PathBuf) -> Result<Self, String> {
        let launch = Self {
            bin: bin.to_path_buf(),
            dir,
            url: String::new(),
            admin_token: random_token()?,
            controller_manager_token: random_token()?,
        };
        launch.write_credentials()?;
        Ok(launch)
    }

    fn run(&mut self) -> Result<(), String> {
        // Once ready, a `Child` may be dropped: that neither kills nor waits for it, and the
        // kernel and the exit handler end it.
        let (etcd, _) = self.with_free_ports("etcd", |l| l.start_etcd(false))?;
        self.with_free_ports("kube-apiserver", |l| l.start_apiserver(&etcd))?;
        self.write_kubeconfigs()?;
        self.start_controller_manager()?;
        Ok(())
    }

    /// Runs `start` until it does not fail for a port taken under it (five tries).
    fn with_free_ports<T>(
        &mut self,
        process: &str,
        mut start: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut tries = 0;
        loop {
            match start(self) {
                Err(e) if e.contains("address already in use") && tries < 5 => {
                    tries += 1;
                    let _ = writeln!(
                        std::io::stderr(),
                        "{process}: a free port was taken before it bound; again on new ports"
                    );
                }
                other => return other,
            }
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The last 40 lines of a process's log.
    fn log_tail(&self, process: &str) -> String {
        let text =
            std::fs::read_to_string(self.path(&format!("{process}.log"))).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// The CA, the serving certificate (envtest's `apiserver.crt`/`.key` in the cert dir), the
    /// service-account key pair and the token file.
    fn write_credentials(&self) -> Result<(), String> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        let err = |e: rcgen::Error| format!("generating certificates: {e}");
        let ca_key = KeyPair::generate().map_err(err)?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca.distinguished_name
            .push(DnType::CommonName, "kcp-e2e-kube-apiserver-ca");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::CrlSign,
        ];
        let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
        let issuer = Issuer::new(ca, ca_key);

        let serving_key = KeyPair::generate().map_err(err)?;
        let mut serving = CertificateParams::new(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "kubernetes".to_string(),
            "kubernetes.default".to_string(),
            "kubernetes.default.svc".to_string(),
            // The `kubernetes` Service's cluster IP, the first of the range.
            "10.0.0.1".to_string(),
        ])
        .map_err(err)?;
        serving
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        serving.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let serving_cert = serving.signed_by(&serving_key, &issuer).map_err(err)?;

        let sa_key = KeyPair::generate().map_err(err)?;

        let certs = self.path("certs");
        std::fs::create_dir_all(&certs).map_err(|e| format!("creating {certs:?}: {e}"))?;
        let tokens = format!(
            "{},admin,admin,\"system:masters\"\n{},system:kube-controller-manager,\
             system:kube-controller-manager\n",
            self.admin_token, self.controller_manager_token
        );
        for (path, contents) in [
            (self.path("ca.crt"), ca_cert.pem()),
            (certs.join("apiserver.crt"), serving_cert.pem()),
            (certs.join("apiserver.key"), serving_key.serialize_pem()),
            (self.path("sa.key"), sa_key.serialize_pem()),
            (self.path("sa.pub"), sa_key.public_key_pem()),
            (self.path("tokens.csv"), tokens),
        ] {
            std::fs::write(&path, contents).map_err(|e| format!("writing {path:?}: {e}"))?;
        }
        Ok(())
    }

    /// etcd on free ports; without `fsync` it runs with `--unsafe-no-fsync` (test data need not
    /// survive a power cut). Its client URL and process.
    fn start_etcd(&mut self, fsync: bool) -> Result<(String, Child), String> {
        let client = format!("http://127.0.0.1:{}", free_port()?);
        let peer = format!("http://127.0.0.1:{}", free_port()?);
        let data = self.path("etcd");
        let _ = std::fs::remove_dir_all(&data);
        let mut cmd = Command::new(self.bin.join("etcd"));
        cmd.arg("--name=e2e")
            .arg(format!("--data-dir={}", data.display()))
            .arg(format!("--listen-client-urls={client}"))
            .arg(format!("--advertise-client-urls={client}"))
            .arg(format!("--listen-peer-urls={peer}"))
            .arg(format!("--initial-advertise-peer-urls={peer}"))
            .arg(format!("--initial-cluster=e2e={peer}"));
        if !fsync {
            cmd.arg("--unsafe-no-fsync");
        }
        let mut child = self.spawn("etcd", cmd)?;
        let health = format!("{client}/health");
        self.wait_ready("etcd", &mut child, Duration::from_secs(60), || {
            curl_ok(&["-sf", &health]).is_some_and(|body| body.contains("\"true\""))
        })?;
        Ok((client, child))
    }

    fn start_apiserver(&mut self, etcd: &str) -> Result<(), String> {
        let port = free_port()?;
        let url = format!("https://127.0.0.1:{port}");
        let mut child = self.spawn("kube-apiserver", self.apiserver_command(etcd, port))?;
        let ca = self.path("ca.crt");
        let auth = format!("Authorization: Bearer {}", self.admin_token);
        let readyz = format!("{url}/readyz");
        let ca_arg = ca.display().to_string();
        self.wait_ready(
            "kube-apiserver",
            &mut child,
            Duration::from_secs(180),
            || curl_ok(&["-sf", "--cacert", &ca_arg, "-H", &auth, &readyz]).is_some(),
        )?;
        self.url = url;
        Ok(())
    }

    /// kube-apiserver on `port` with etcd at `etcd`: RBAC, the token file, the serving
    /// certificate and the service-account keys of this run directory.
    fn apiserver_command(&self, etcd: &str, port: u16) -> Command {
        let url = format!("https://127.0.0.1:{port}");
        let mut cmd = Command::new(self.bin.join("kube-apiserver"));
        cmd.arg(format!("--etcd-servers={etcd}"))
            .arg("--bind-address=127.0.0.1")
            .arg("--advertise-address=127.0.0.1")
            .arg(format!("--secure-port={port}"))
            .arg(format!("--cert-dir={}", self.path("certs").display()))
            .arg(format!(
                "--client-ca-file={}",
                self.path("ca.crt").display()
            ))
            .arg(format!(
                "--token-auth-file={}",
                self.path("tokens.csv").display()
            ))
            .arg("--authorization-mode=RBAC")
            .arg(format!(
                "--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}"
            ))
            .arg("--allow-privileged=true")
            // The `kubernetes` Service's endpoints would be the advertised 127.0.0.1, which
            // Endpoints validation refuses (loopback): publish none rather than retry forever.
            .arg("--endpoint-reconciler-type=none")
            .arg(format!("--service-account-issuer={url}"))
            .arg(format!(
                "--service-account-key-file={}",
                self.path("sa.pub").display()
            ))
            .arg(format!(
                "--service-account-signing-key-file={}",
                self.path("sa.key").display()
            ));
        cmd
    }

    /// kube-controller-manager as kubeadm runs it (each controller under its own service
    /// account), without leader election and without a serving port. Ready once its root-CA
    /// publisher has written `kube-root-ca.crt` into `default`: its controllers then run.
    fn start_controller_manager(&mut self) -> Result<(), String> {
        let mut cmd = Command::new(self.bin.join("kube-controller-manager"));
        cmd.arg(format!(
            "--kubeconfig={}",
            self.path("controller-manager.kubeconfig").display()
        ))
        .arg(format!("--controllers={CONTROLLERS}"))
        .arg("--leader-elect=false")
        .arg("--use-service-account-credentials=true")
        .arg(format!(
            "--service-account-private-key-file={}",
            self.path("sa.key").display()
        ))
        .arg(format!("--root-ca-file={}", self.path("ca.crt").display()))
        .arg(format!(
            "--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}"
        ))
        .arg("--secure-port=0");
        let mut child = self.spawn("kube-controller-manager", cmd)?;
        let ca = self.path("ca.crt").display().to_string();
        let auth = format!("Authorization: Bearer {}", self.admin_token);
        let configmap = format!(
            "{}/api/v1/namespaces/default/configmaps/kube-root-ca.crt",
            self.url
        );
        self.wait_ready(
            "kube-controller-manager",
            &mut child,
            Duration::from_secs(120),
            || curl_ok(&["-sf", "--cacert", &ca, "-H", &auth, &configmap]).is_some(),
        )?;
        Ok(())
    }

    /// The admin's kubeconfig and the controller manager's.
    fn write_kubeconfigs(&self) -> Result<(), String> {
        use base64::Engine as _;
        let ca = std::fs::read(self.path("ca.crt")).map_err(|e| format!("reading ca.crt: {e}"))?;
        let ca = base64::engine::general_purpose::STANDARD.encode(ca);
        for (file, user, token) in [
            ("admin.kubeconfig", "admin", &self.admin_token),
            (
                "controller-manager.kubeconfig",
                "system:kube-controller-manager",
                &self.controller_manager_token,
            ),
        ] {
            let mut text = String::new();
            let _ = write!(
                text,
                "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-apiserver\n  cluster:\n    \
                 server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: {user}\n  \
                 user:\n    token: {token}\ncontexts:\n- name: kube-apiserver\n  context:\n    \
                 cluster: kube-apiserver\n    user: {user}\ncurrent-context: kube-apiserver\n",
                url = self.url
            );
            let path = self.path(file);
            std::fs::write(&path, text).map_err(|e| format!("writing {path:?}: {e}"))?;
        }
        Ok(())
    }

    fn spawn(&self, name: &str, mut cmd: Command) -> Result<Child, String> {
        let log_path = self.path(&format!("{name}.log"));
        let log = std::fs::File::create(&log_path).map_err(|e| format!("{log_path:?}: {e}"))?;
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| format!("{log_path:?}: {e}"))?);
        cmd.stderr(log);
        let child = spawn_tied(cmd).map_err(|e| format!("starting {name}: {e}"))?;
        if let Ok(mut guard) = CLEANUP.lock()
            && let Some((_, pids)) = guard.as_mut()
        {
            pids.push(child.id());
        }
        Ok(child)
    }

    /// Polls `ready` until it holds; `Err` with the log's tail when the process exits first or
    /// the deadline passes (the process is then killed). Once ready, the `Child` may be dropped:
    /// that neither kills nor waits for it, and the kernel and the exit handler end it.
    fn wait_ready(
        &self,
        name: &str,
        child: &mut Child,
        timeout: Duration,
        mut ready: impl FnMut() -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let log = || self.log_tail(name);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                forget_pid(child.id());
                return Err(format!(
                    "{name} exited ({status}); its log ends:\n{}",
                    log()
                ));
            }
            if ready() {
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                forget_pid(child.id());
                return Err(format!(
                    "{name} was not ready within {timeout:?}; its log ends:\n{}",
                    log()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Runs curl; its stdout when it exits 0.
fn curl_ok(args: &[&str]) -> Option<String> {
    let out = Command::new("curl")
        .args(["--max-time", "5"])
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// 32 hex digits from the kernel's random source.
fn random_token() -> Result<String, String> {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("reading /dev/urandom: {e}"))?;
    Ok(bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}
