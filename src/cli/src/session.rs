//! What every plugin command starts from (`reference/kcp.md` §5.1): the kubeconfig files, the
//! context in effect, the server URL in effect (after kubectl's override flags) and a client for
//! the URL's base.
//!
//! [`ConfigFlags`] are the kubectl flags the plugins accept; [`Session::load`] applies them the way
//! kubectl does and builds a [`KubeApi`]. Commands take a `Session<A>` for any [`KcpApi`], so
//! tests run them against a fake.

use std::path::PathBuf;

use kcp_api::Path;
use kube::config::{KubeConfigOptions, NamedAuthInfo};

use crate::api::{KcpApi, KubeApi};
use crate::error::{CliError, Result};
use crate::kubeconfig::{CURRENT_CONTEXT, KubeconfigError, Kubeconfigs};
use crate::navigation::resolve_workspace_flag;
use crate::workspace_url::WorkspaceUrl;

/// The kubectl flags the plugins accept (a subset of kubectl's: no `--cluster`, no client
/// certificate flags, no impersonation, no `--request-timeout`).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ConfigFlags {
    /// Path to the kubeconfig file to use for CLI requests.
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The name of the kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The name of the kubeconfig user to use.
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// If present, the namespace scope for this CLI request.
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// The address and port of the Kubernetes API server.
    #[arg(short = 's', long, global = true)]
    pub server: Option<String>,
    /// Bearer token for authentication to the API server.
    #[arg(long, global = true)]
    pub token: Option<String>,
    /// Path to a cert file for the certificate authority.
    #[arg(long, global = true, value_name = "PATH")]
    pub certificate_authority: Option<PathBuf>,
    /// If true, the server's certificate will not be checked for validity.
    #[arg(
        long,
        global = true,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_name = "BOOL"
    )]
    pub insecure_skip_tls_verify: Option<bool>,
    /// Server name to use for server certificate validation.
    #[arg(long, global = true)]
    pub tls_server_name: Option<String>,
    /// Log level verbosity (accepted for compatibility with kubectl plugins).
    #[arg(
        short = 'v',
        long = "v",
        global = true,
        value_name = "LEVEL",
        hide = true
    )]
    pub verbosity: Option<u32>,
}

/// The state a command works on.
pub struct Session<A> {
    /// The kubeconfig files, for edits.
    pub kubeconfig: Kubeconfigs,
    /// The context in effect (`--context` or `current-context`).
    pub context: String,
    /// The server URL in effect (`--server` or the context's cluster, or `-w`'s retarget).
    pub server: String,
    /// `$HOME`, for reading `~` that a shell expanded.
    pub home: Option<String>,
    /// The API client for the server's base URL.
    pub api: A,
}

impl<A> Session<A> {
    /// The current server URL as a workspace URL, or kcp's "does not point to a workspace".
    pub fn workspace(&self) -> Result<WorkspaceUrl> {
        WorkspaceUrl::require(&self.server)
    }

    /// Applies `-w/--workspace`: the current URL now points at that path.
    pub fn retarget(&mut self, workspace: Option<&str>) -> Result<()> {
        if let Some(arg) = workspace {
            let current = self.workspace()?;
            let path = resolve_workspace_flag(&current.path, arg)?;
            self.server = current.with_path(path).url();
        }
        Ok(())
    }

    /// After an edit made `workspace.kcp.io/current` current with `server`.
    pub(crate) fn now_current(&mut self, context: &str, server: String) {
        self.context = context.to_owned();
        self.server = server;
    }

    /// The server of the context `workspace.kcp.io/current` as the kubeconfig has it now.
    pub(crate) fn server_of_current_context(&self) -> String {
        self.kubeconfig
            .context(CURRENT_CONTEXT)
            .and_then(|c| c.get("cluster")?.as_str())
            .and_then(|cluster| self.kubeconfig.cluster(cluster)?.get("server")?.as_str())
            .unwrap_or_default()
            .to_owned()
    }
}

impl<A: KcpApi> Session<A> {
    /// The logical-cluster path `spec.URL` of the home workspace points at.
    pub async fn home_workspace(&self) -> Result<Path> {
        let home = self.api.get_workspace(&Path::root(), "~").await?;
        WorkspaceUrl::parse(&home.spec.url)
            .map(|u| u.path)
            .ok_or_else(|| CliError::NotAWorkspaceUrl(home.spec.url.clone()))
    }
}

impl Session<KubeApi> {
    /// Loads the kubeconfig with `flags` applied.
    pub async fn load(flags: &ConfigFlags) -> Result<Self> {
        let kubeconfig = Kubeconfigs::load(flags.kubeconfig.as_deref())?;
        let mut merged = kubeconfig.merged()?;
        let context = flags
            .context
            .clone()
            .filter(|c| !c.is_empty())
            .or_else(|| merged.current_context.clone().filter(|c| !c.is_empty()))
            .ok_or(KubeconfigError::NoContext)?;
        let ctx = merged
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.clone())
            .ok_or_else(|| KubeconfigError::ContextNotFound(context.clone()))?;

        // kubectl's overrides: cluster fields on the context's cluster, a token on its user.
        let cluster = merged
            .clusters
            .iter_mut()
            .find(|c| c.name == ctx.cluster)
            .and_then(|c| c.cluster.as_mut())
            .ok_or_else(|| KubeconfigError::ClusterNotFound(ctx.cluster.clone()))?;
        if let Some(server) = &flags.server {
            cluster.server = Some(server.clone());
        }
        if let Some(ca) = &flags.certificate_authority {
            cluster.certificate_authority = Some(ca.to_string_lossy().into_owned());
            cluster.certificate_authority_data = None;
        }
        if let Some(insecure) = flags.insecure_skip_tls_verify {
            cluster.insecure_skip_tls_verify = Some(insecure);
        }
        if let Some(name) = &flags.tls_server_name {
            cluster.tls_server_name = Some(name.clone());
        }
        let server = cluster
            .server
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| KubeconfigError::NoServer(ctx.cluster.clone()))?;
        let user = flags.user.clone().or_else(|| ctx.user.clone());
        if let Some(token) = &flags.token {
            let name = user.clone().unwrap_or_default();
            let entry = match merged.auth_infos.iter().position(|u| u.name == name) {
                Some(i) => &mut merged.auth_infos[i],
                None => {
                    merged.auth_infos.push(NamedAuthInfo {
                        name: name.clone(),
                        ..Default::default()
                    });
                    merged.auth_infos.last_mut().expect("just pushed")
                }
            };
            let auth = entry.auth_info.get_or_insert_with(Default::default);
            auth.token = Some(token.clone().into());
            auth.token_file = None;
        } else if let Some(name) = &user
            && !merged.auth_infos.iter().any(|u| &u.name == name)
            && flags.user.is_some()
        {
            return Err(KubeconfigError::UserNotFound(name.clone()).into());
        }

        let options = KubeConfigOptions {
            context: Some(context.clone()),
            cluster: None,
            user,
        };
        let config = kube::Config::from_custom_kubeconfig(merged, &options)
            .await
            .map_err(|e| KubeconfigError::Client(e.to_string()))?;
        Ok(Session {
            kubeconfig,
            context,
            server,
            home: std::env::var("HOME").ok(),
            api: KubeApi::new(config),
        })
    }
}
