//! `kcp start` flags. Names and defaults follow kcp's (`reference/kcp.md` §1.2); where we differ,
//! `docs/differences.md` says so.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// What the server presents itself as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// kcp: logical clusters under `/clusters/<name>`, the kcp APIs.
    #[default]
    Kcp,
    /// One plain Kubernetes cluster at the root URL, as kind presents it (a service cluster
    /// for the api-syncagent where kind cannot run).
    Kube,
}

/// The flags of `kcp start`.
#[derive(Args, Clone, Debug)]
pub struct StartOptions {
    /// Directory for all generated files (certificates, kubeconfig, the embedded store).
    #[arg(long, default_value = ".kcp")]
    pub root_directory: PathBuf,

    /// The IP address to listen on; when set, it is also the host written into the kubeconfig.
    #[arg(long)]
    pub bind_address: Option<IpAddr>,

    /// The HTTPS port; 0 picks a free port (and writes it into the kubeconfig).
    #[arg(long, default_value_t = 6443)]
    pub secure_port: u16,

    /// etcd endpoints (comma-separated). `embedded` (the default) uses the built-in store.
    #[arg(long, value_delimiter = ',', default_value = "embedded")]
    pub etcd_servers: Vec<String>,

    /// A CSV file of static tokens: `token,user,uid,"group1,group2"`.
    #[arg(long)]
    pub token_auth_file: Option<PathBuf>,

    /// PEM bundle of CAs that sign client certificates (CN = user, O = groups).
    #[arg(long)]
    pub client_ca_file: Option<PathBuf>,

    /// Where to write the admin kubeconfig (default `<root>/admin.kubeconfig`).
    #[arg(long)]
    pub kubeconfig_path: Option<PathBuf>,

    /// The name of this shard.
    #[arg(long, default_value = "root")]
    pub shard_name: String,

    /// The URL other shards and the front proxy reach this shard at (the Shard's `baseURL`);
    /// default `https://<external host>:<port>`.
    #[arg(long)]
    pub shard_base_url: Option<String>,

    /// The URL clients reach this shard's workspaces at (the Shard's `externalURL`, the
    /// workspaces' `spec.URL`); default the base URL.
    #[arg(long)]
    pub shard_external_url: Option<String>,

    /// The URL of this shard's virtual workspaces (the Shard's `virtualWorkspaceURL`, the
    /// endpoint slices' URLs); default the base URL.
    #[arg(long)]
    pub shard_virtual_workspace_url: Option<String>,

    /// Batteries: `workspace-types`, `admin`, `user`, `metrics-viewer` (or `+x`/`-x` deltas).
    #[arg(long, value_delimiter = ',', default_value = "workspace-types,admin")]
    pub batteries_included: Vec<String>,

    /// `kcp` (workspaces under /clusters/) or `kube` (one plain Kubernetes cluster).
    #[arg(long, value_enum, default_value_t = Profile::Kcp)]
    pub profile: Profile,

    /// Seconds to wait for in-flight requests on shutdown.
    #[arg(long, default_value_t = 10)]
    pub shutdown_timeout_seconds: u64,
}

/// The URLs a shard publishes in its Shard object (`reference/kcp.md` §1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardUrls {
    pub base: String,
    pub external: String,
    pub virtual_workspace: String,
}

impl ShardUrls {
    /// The hosts of the three URLs (what the serving certificate must cover).
    pub fn hosts(&self) -> Vec<String> {
        [&self.base, &self.external, &self.virtual_workspace]
            .iter()
            .filter_map(|u| u.parse::<http::Uri>().ok()?.host().map(str::to_string))
            .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string())
            .collect()
    }
}

/// A flag's URL: absolute `http(s)://host[:port][/path]`, kept without a trailing slash.
fn shard_url(flag: &str, value: &str) -> anyhow::Result<String> {
    let uri: http::Uri = value
        .parse()
        .map_err(|e| anyhow::anyhow!("--{flag} {value:?}: {e}"))?;
    if !matches!(uri.scheme_str(), Some("https" | "http")) || uri.host().is_none() {
        anyhow::bail!("--{flag} {value:?}: must be an absolute http(s) URL");
    }
    Ok(value.trim_end_matches('/').to_string())
}

impl StartOptions {
    /// The shard's URLs: the flags, else the base URL, else `serving` (where this server
    /// listens, as clients reach it).
    pub fn shard_urls(&self, serving: &str) -> anyhow::Result<ShardUrls> {
        let base = match &self.shard_base_url {
            Some(u) => shard_url("shard-base-url", u)?,
            None => serving.to_string(),
        };
        let or_base = |flag: &str, v: &Option<String>| match v {
            Some(u) => shard_url(flag, u),
            None => Ok(base.clone()),
        };
        Ok(ShardUrls {
            external: or_base("shard-external-url", &self.shard_external_url)?,
            virtual_workspace: or_base(
                "shard-virtual-workspace-url",
                &self.shard_virtual_workspace_url,
            )?,
            base,
        })
    }

    pub fn kubeconfig_path(&self) -> PathBuf {
        self.kubeconfig_path
            .clone()
            .unwrap_or_else(|| self.root_directory.join("admin.kubeconfig"))
    }

    /// The embedded store when `--etcd-servers` is left at `embedded`.
    pub fn embedded_storage(&self) -> bool {
        self.etcd_servers.is_empty() || self.etcd_servers == ["embedded"]
    }

    /// The host clients should use: the bind address when one was given, else loopback.
    /// (kcp falls back to the primary non-loopback IP; with loopback-only networking, and for a
    /// kubeconfig that works out of the box on a laptop, we prefer `127.0.0.1`.)
    pub fn external_host(&self) -> String {
        match self.bind_address {
            Some(ip) if !ip.is_unspecified() => match ip {
                IpAddr::V6(v6) => format!("[{v6}]"),
                IpAddr::V4(v4) => v4.to_string(),
            },
            _ => "127.0.0.1".to_string(),
        }
    }
}
