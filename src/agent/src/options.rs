//! The agent's command line (`reference/api-syncagent.md` §6.1): the Go agent's flags, defaults
//! and validation.

use clap::Parser;

/// `api-syncagent` flags.
#[derive(Parser, Clone, Debug)]
#[command(name = "api-syncagent", version, about = "The kcp api-syncagent")]
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
}
