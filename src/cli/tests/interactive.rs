//! `kubectl ws -i` on a real terminal: tmux runs it against a real `kcp start`, keys are sent
//! with `send-keys` and the screen is read with `capture-pane`. Skipped without tmux or without a
//! kcp binary (`scripts/test.sh` installs the one and builds the other).

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{Kcp, plugin, wait_until};

/// A tmux server of our own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(name: &str) -> Option<Self> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipping: tmux is not installed");
            return None;
        }
        Some(Tmux {
            socket: format!("kcp-cli-test-{}-{name}", std::process::id()),
        })
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            // Also when the tests themselves run inside tmux, or with no terminal at all (CI).
            .env_remove("TMUX")
            .env("TERM", "xterm-256color")
            .output()
            .expect("running tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `kubectl-ws <args>` in a 100x30 window; when it exits the pane shows `EXITED <code>`
    /// and waits for input, so the screen can still be read.
    fn start(&self, kubeconfig: &Path, home: &Path, args: &str) {
        let command = format!(
            "env KUBECONFIG='{}' HOME='{}' '{}' {args}; echo \"EXITED $?\"; read _",
            kubeconfig.display(),
            home.display(),
            plugin("kubectl-ws").display()
        );
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            "ws",
            "-x",
            "100",
            "-y",
            "30",
            "sh",
            "-c",
            &command,
        ]);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "ws"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "ws"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Waits until the screen satisfies `cond`, returning it.
    fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        wait_until(what, Duration::from_secs(30), || {
            last = self.screen();
            cond(&last)
        });
        last
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

const HELP: &str = "↑/↓: navigate  →/←/Space: expand/collapse  q: quit";
const PROMPT: &str = "Press Enter to switch to this workspace";

#[test]
fn browse_collapse_and_quit() {
    let Some(tmux) = Tmux::new("quit") else {
        return;
    };
    let Some(kcp) = Kcp::start() else { return };
    tmux.start(&kcp.kubeconfig(), kcp.dir(), "-i");
    // The screen may be read while it is being drawn: wait for everything expected at once.
    tmux.wait_for("the browser with root expanded", |s| {
        s.contains("kcp Workspaces")
            && s.contains(HELP)
            && s.contains(PROMPT)
            && s.contains("cluster:")
            && (s.contains("▿ root") || s.contains("▾ root"))
    });

    // Space collapses the selected node, and `l` expands it again.
    tmux.keys(&["Space"]);
    tmux.wait_for("root to collapse", |s| {
        !s.contains("cluster:") && (s.contains("▹ root") || s.contains("▸ root"))
    });
    tmux.keys(&["l"]);
    tmux.wait_for("root to expand", |s| {
        s.contains("cluster:") && (s.contains("▿ root") || s.contains("▾ root"))
    });
    // Navigation keys on a single node stay on it.
    tmux.keys(&["j", "k", "Down", "Up"]);

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the browser to quit", |s| s.contains("EXITED"));
    assert!(screen.contains("EXITED 0"), "{screen}");
    assert!(!screen.contains("Current workspace"), "{screen}");
    // Quitting changes nothing.
    assert_eq!(kcp.kubeconfig_json()["current-context"], "root");
}

#[test]
fn enter_switches_workspace() {
    let Some(tmux) = Tmux::new("enter") else {
        return;
    };
    let Some(kcp) = Kcp::start() else { return };
    tmux.start(&kcp.kubeconfig(), kcp.dir(), "tree -i");
    tmux.wait_for("the browser", |s| {
        s.contains("kcp Workspaces") && s.contains("cluster:")
    });
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the switch", |s| s.contains("EXITED"));
    assert!(
        screen.contains("Current workspace is 'root' (type root)."),
        "{screen}"
    );
    assert!(screen.contains("EXITED 0"), "{screen}");
    assert!(
        !screen.contains("kcp Workspaces"),
        "the alternate screen is gone: {screen}"
    );
    assert_eq!(
        kcp.kubeconfig_json()["current-context"],
        "workspace.kcp.io/current"
    );
}

#[test]
fn ctrl_c_and_escape_quit() {
    let Some(kcp) = Kcp::start() else { return };
    for (i, key) in ["C-c", "Escape"].into_iter().enumerate() {
        // A tmux server per run: one whose last session was just killed may still be exiting.
        let Some(tmux) = Tmux::new(&format!("quit-key-{i}")) else {
            return;
        };
        tmux.start(&kcp.kubeconfig(), kcp.dir(), "-i");
        tmux.wait_for("the browser", |s| {
            s.contains("kcp Workspaces") && s.contains(PROMPT)
        });
        tmux.keys(&[key]);
        let screen = tmux.wait_for("the browser to quit", |s| s.contains("EXITED"));
        assert!(screen.contains("EXITED 0"), "{key}: {screen}");
    }
}
