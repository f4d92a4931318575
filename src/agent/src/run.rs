//! The agent's start (`reference/api-syncagent.md` §6.2): both sides' clients, the endpoint
//! slice and its export resolved, the metrics and health endpoints, then (with leader election,
//! once this replica holds the Lease, §6.4) the controllers until a termination signal, or until
//! the Lease is lost: then the process ends with an error, as controller-runtime's manager does.

use std::sync::Arc;

use anyhow::{Context, Result};
use tracing_subscriber::EnvFilter;

use crate::controllers;
use crate::kcp::Kcp;
use crate::leader::{self, Elector, KubeLease};
use crate::options::Options;

/// Logs to stderr, JSON or console, Info (Debug with `--log-debug`).
pub fn init_logging(opts: &Options) {
    let level = if opts.log_debug { "debug" } else { "info" };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},kube=info,hyper=info,tower=info")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if opts.log_format.eq_ignore_ascii_case("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The service cluster's client: `--kubeconfig`, else `$KUBECONFIG`, in-cluster or
/// `~/.kube/config`; with the host and CA overrides.
async fn local_client(opts: &Options) -> Result<kube::Client> {
    let mut config = if opts.kubeconfig.is_empty() {
        kube::Config::infer()
            .await
            .context("no service-cluster kubeconfig")?
    } else {
        let kc = kube::config::Kubeconfig::read_from(&opts.kubeconfig)
            .with_context(|| format!("reading {:?}", opts.kubeconfig))?;
        kube::Config::from_custom_kubeconfig(kc, &Default::default()).await?
    };
    if !opts.kubeconfig_host_override.is_empty() {
        config.cluster_url = opts
            .kubeconfig_host_override
            .parse()
            .context("--kubeconfig-host-override")?;
    }
    if !opts.kubeconfig_ca_file_override.is_empty() {
        let pem = std::fs::read(&opts.kubeconfig_ca_file_override)
            .context("--kubeconfig-ca-file-override")?;
        config.root_cert = Some(pem_certificates(&pem));
    }
    config.read_timeout = None;
    crate::client::client(config)
}

/// The DER certificates of a PEM bundle.
fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine;
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE-----") {
            inside = true;
            current.clear();
        } else if line.starts_with("-----END CERTIFICATE-----") {
            inside = false;
            if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(current.trim()) {
                out.push(der);
            }
        } else if inside {
            current.push_str(line.trim());
        }
    }
    out
}

fn enabled(address: &str) -> bool {
    !address.is_empty() && address != "0"
}

/// Runs the agent until SIGTERM or SIGINT.
pub async fn run(opts: Options) -> Result<()> {
    let agent_name = opts.agent_name();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        name = %agent_name,
        apiexportendpointslice = %opts.apiexportendpointslice_ref,
        "Moin, I'm the kcp Sync Agent"
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    tokio::pin!(shutdown);
    let local = local_client(&opts).await?;
    let kcp = Arc::new(Kcp::connect(&opts.kcp_kubeconfig, &opts.apiexportendpointslice_ref).await?);
    tracing::info!(
        slice = %opts.apiexportendpointslice_ref,
        export = %kcp.export_name,
        "Using APIExportEndpointSlice"
    );
    for address in [&opts.metrics_address, &opts.health_address] {
        if enabled(address) {
            let address = address.clone();
            tokio::spawn(async move {
                if let Err(e) = crate::metrics::serve(address.clone()).await {
                    tracing::error!("serving on {address}: {e}");
                }
            });
        }
    }
    // The controllers run only on the leader.
    let mut elector = None;
    if opts.enable_leader_election {
        let lease = leader::lease_name(&agent_name);
        crate::metrics::set_leader(&lease, false);
        let mut e = Elector::new(
            KubeLease::new(local.clone(), &opts.namespace, &lease),
            &lease,
            leader::identity(),
            leader::Timing::default(),
        );
        tokio::select! {
            _ = e.acquire() => {}
            _ = &mut shutdown => {
                tracing::info!("shutting down");
                return Ok(());
            }
        }
        crate::metrics::set_leader(&lease, true);
        elector = Some((e, lease));
    }
    let selector = opts.published_resource_selector.clone();
    let mut tasks = tokio::task::JoinSet::new();
    if !opts.disabled("apiresourceschema") {
        tasks.spawn(controllers::apiresourceschema::run(
            kcp.clone(),
            local.clone(),
            agent_name.clone(),
            selector.clone(),
        ));
    }
    if !opts.disabled("apiexport") {
        tasks.spawn(controllers::apiexport::run(
            kcp.clone(),
            local.clone(),
            agent_name.clone(),
            selector.clone(),
        ));
    }
    if !opts.disabled("sync") {
        tasks.spawn(controllers::syncmanager::run(
            kcp.clone(),
            local.clone(),
            agent_name.clone(),
            opts.namespace.clone(),
            selector.clone(),
        ));
    }
    tracing::info!("Starting kcp Sync Agent…");
    let lost = async {
        match &mut elector {
            Some((e, lease)) => {
                e.keep().await;
                crate::metrics::set_leader(lease, false);
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = &mut shutdown => {}
        _ = lost => {
            tasks.abort_all();
            anyhow::bail!("leader election lost");
        }
    }
    tracing::info!("shutting down");
    tasks.abort_all();
    Ok(())
}
