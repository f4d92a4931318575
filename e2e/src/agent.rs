//! The api-syncagent as a test runs it: a subprocess on the service cluster's and kcp's
//! kubeconfigs, its log kept in a file, killed with the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Path to the `api-syncagent` binary: `$AGENT_BIN`, or built with the workspace's binaries.
pub fn agent_binary() -> PathBuf {
    if let Ok(p) = std::env::var("AGENT_BIN") {
        return PathBuf::from(p);
    }
    crate::kcp_binary()
        .parent()
        .map(|d| d.join("api-syncagent"))
        .unwrap_or_else(|| PathBuf::from("api-syncagent"))
}

/// A running agent.
pub struct Agent {
    child: Child,
    log: PathBuf,
}

impl Agent {
    /// Starts the agent with the Go e2e's flags: its name, the endpoint slice, the two
    /// kubeconfigs, `--namespace kube-system`, no leader election, no metrics or health port
    /// (unless `extra` says otherwise).
    pub fn start(
        dir: &Path,
        name: &str,
        slice: &str,
        service_kubeconfig: &Path,
        kcp_kubeconfig: &Path,
        extra: &[&str],
    ) -> Self {
        let log = dir.join(format!("agent-{name}.log"));
        let file = std::fs::File::create(&log).expect("agent log");
        let mut cmd = Command::new(agent_binary());
        cmd.args(["--agent-name", name, "--apiexportendpointslice-ref", slice])
            .arg("--kubeconfig")
            .arg(service_kubeconfig)
            .arg("--kcp-kubeconfig")
            .arg(kcp_kubeconfig)
            .args([
                "--namespace",
                "kube-system",
                "--enable-leader-election=false",
                "--log-format",
                "console",
                "--log-debug=true",
                "--health-address",
                "0",
            ])
            .args(
                if extra.iter().any(|a| a.starts_with("--metrics-address")) {
                    &[][..]
                } else {
                    &["--metrics-address", "0"][..]
                },
            )
            .args(extra)
            .stdout(Stdio::null())
            .stderr(file);
        let child = crate::process::spawn_tied(cmd).expect("starting api-syncagent");
        Agent { child, log }
    }

    /// The agent's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The agent's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the agent (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.kill();
    }
}
