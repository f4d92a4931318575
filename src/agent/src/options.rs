//! The agent's command line (`reference/api-syncagent.md` §6.1): the Go agent's flags, defaults
//! and validation.

use clap::Parser;

/// The controllers `--disabled-controllers` may name.
pub const CONTROLLERS: [&str; 3] = ["apiexport", "apiresourceschema", "sync"];

/// `api-syncagent` flags.
#[derive(Parser, Clone, Debug)]
// A flag given twice takes the last value, as Go's flag package does.
#[command(
    name = "api-syncagent",
    version,
    about = "The kcp api-syncagent",
    args_override_self = true
)]
pub struct Options {
    /// Service-cluster kubeconfig (else `$KUBECONFIG`, in-cluster, `~/.kube/config`).
    #[arg(long, default_value = "")]
    pub kubeconfig: String,

    /// kcp kubeconfig; its server must point at a workspace (`…/clusters/<workspace>`).
    #[arg(long, default_value = "")]
    pub kcp_kubeconfig: String,

    /// The namespace the agent runs in: its state Secrets and leader-election Lease.
    #[arg(long, default_value = "")]
    pub namespace: String,

    /// The APIExportEndpointSlice in the kubeconfig's workspace.
    #[arg(long = "apiexportendpointslice-ref", default_value = "")]
    pub apiexportendpointslice_ref: String,

    /// The agent's name (default `<apiexportendpointslice-ref>-syncagent`); must not change
    /// after the first run.
    #[arg(long, default_value = "")]
    pub agent_name: String,

    /// Only the PublishedResources this label selector matches.
    #[arg(long, default_value = "")]
    pub published_resource_selector: String,

    /// Leader election on the Lease `syncagent.<agent-name>` in `--namespace`.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub enable_leader_election: bool,

    /// Replaces the service-cluster kubeconfig's server URL.
    #[arg(long, default_value = "")]
    pub kubeconfig_host_override: String,

    /// A CA file for the service cluster (replaces the kubeconfig's CA data).
    #[arg(long, default_value = "")]
    pub kubeconfig_ca_file_override: String,

    /// Where `/metrics` is served (`0` disables).
    #[arg(long, default_value = "127.0.0.1:8085")]
    pub metrics_address: String,

    /// Where `/healthz` and `/readyz` are served (empty or `0` disables).
    #[arg(long, default_value = "")]
    pub health_address: String,

    /// Controllers not to run: `apiexport`, `apiresourceschema`, `sync`.
    #[arg(long, value_delimiter = ',')]
    pub disabled_controllers: Vec<String>,

    /// Debug logging.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub log_debug: bool,

    /// `json` or `console`.
    #[arg(long, default_value = "JSON")]
    pub log_format: String,
}

impl Options {
    /// The agent name in effect.
    pub fn agent_name(&self) -> String {
        if self.agent_name.is_empty() {
            format!("{}-syncagent", self.apiexportendpointslice_ref)
        } else {
            self.agent_name.clone()
        }
    }

    /// Every problem with the flags (the Go agent aggregates them).
    pub fn validate(&self) -> Vec<String> {
        let mut errs = Vec::new();
        if self.kcp_kubeconfig.is_empty() {
            errs.push("--kcp-kubeconfig is required".to_string());
        }
        if self.namespace.is_empty() {
            errs.push("--namespace is required".to_string());
        }
        if self.apiexportendpointslice_ref.is_empty() {
            errs.push("--apiexportendpointslice-ref is required".to_string());
        }
        if !self.agent_name.is_empty() && !is_dns1035_label(&self.agent_name) {
            errs.push(format!(
                "--agent-name is invalid: {:?} must be a valid DNS-1035 label",
                self.agent_name
            ));
        }
        for c in &self.disabled_controllers {
            if !CONTROLLERS.contains(&c.as_str()) {
                errs.push(format!(
                    "--disabled-controllers: unknown controller {c:?} (known: {})",
                    CONTROLLERS.join(", ")
                ));
            }
        }
        if !matches!(self.log_format.to_lowercase().as_str(), "json" | "console") {
            errs.push(format!(
                "--log-format must be json or console, not {:?}",
                self.log_format
            ));
        }
        errs
    }

    pub fn disabled(&self, controller: &str) -> bool {
        self.disabled_controllers.iter().any(|c| c == controller)
    }
}

/// A DNS-1035 label: lowercase alphanumerics and `-`, starting with a letter, ending with an
/// alphanumeric, at most 63 characters.
fn is_dns1035_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_flags_and_defaults() {
        let o = Options::parse_from(["api-syncagent"]);
        assert_eq!(o.validate().len(), 3);
        assert_eq!(o.metrics_address, "127.0.0.1:8085");
        let o = Options::parse_from([
            "api-syncagent",
            "--kcp-kubeconfig",
            "k",
            "--namespace",
            "kube-system",
            "--apiexportendpointslice-ref",
            "example",
            "--enable-leader-election=false",
            "--disabled-controllers",
            "apiexport,sync",
        ]);
        assert!(o.validate().is_empty(), "{:?}", o.validate());
        assert!(!o.enable_leader_election);
        let twice = Options::parse_from([
            "api-syncagent",
            "--enable-leader-election=false",
            "--enable-leader-election=true",
        ]);
        assert!(twice.enable_leader_election, "the last one counts");
        let repeated = Options::parse_from([
            "api-syncagent",
            "--disabled-controllers",
            "apiexport",
            "--disabled-controllers=sync,apiresourceschema",
        ]);
        assert_eq!(
            repeated.disabled_controllers,
            ["apiexport", "sync", "apiresourceschema"],
            "repeatable, as the Go agent's string slice"
        );
        assert_eq!(o.agent_name(), "example-syncagent");
        assert!(o.disabled("sync") && !o.disabled("apiresourceschema"));
        let bad = Options::parse_from([
            "api-syncagent",
            "--agent-name",
            "1bad",
            "--disabled-controllers",
            "x",
        ]);
        assert!(bad.validate().iter().any(|e| e.contains("DNS-1035")));
        assert!(
            bad.validate()
                .iter()
                .any(|e| e.contains("unknown controller"))
        );
    }
}
