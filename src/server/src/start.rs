//! `kcp start`: builds the server from its options and runs it until SIGTERM/SIGINT.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use kcp_store::Store;
use tokio::net::TcpListener;

use crate::authn::Authenticator;
use crate::catalog::{Catalog, Catalogs};
use crate::options::{Profile, StartOptions};
use crate::server::Server;
use crate::storage::Storage;
use crate::{bootstrap, controllers, http, kubeconfig, pki};

/// Opens the store the options name: the embedded one under the root directory, or etcd.
pub async fn open_store(opts: &StartOptions) -> Result<Arc<dyn Store>> {
    if opts.embedded_storage() {
        let path = opts.root_directory.join("store.redb");
        let store = kcp_store::EmbeddedStore::open(&path)
            .with_context(|| format!("opening the embedded store at {path:?}"))?;
        Ok(Arc::new(store))
    } else {
        let store = kcp_store::EtcdStore::connect(&opts.etcd_servers)
            .await
            .with_context(|| format!("connecting to etcd at {:?}", opts.etcd_servers))?;
        Ok(Arc::new(store))
    }
}

/// Runs the server until a termination signal.
pub async fn run(opts: StartOptions) -> Result<()> {
    let started = std::time::Instant::now();
    create_root_directory(&opts.root_directory)?;

    let bind_ip = opts
        .bind_address
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let listener = TcpListener::bind(SocketAddr::new(bind_ip, opts.secure_port))
        .await
        .with_context(|| format!("listening on {bind_ip}:{}", opts.secure_port))?;
    let port = listener.local_addr()?.port();

    let host = opts.external_host();
    let base_url = format!("https://{host}:{port}");
    let shard_urls = opts.shard_urls(&base_url)?;
    let mut sans = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if let Some(ip) = opts.bind_address
        && !ip.is_unspecified()
    {
        sans.push(ip.to_string());
    }
    for h in shard_urls.hosts() {
        if !sans.contains(&h) {
            sans.push(h);
        }
    }
    let serving = pki::load_or_generate(&opts.root_directory, &sans)?;
    let client_ca = match &opts.client_ca_file {
        Some(p) => Some(std::fs::read_to_string(p).with_context(|| format!("reading {p:?}"))?),
        None => None,
    };
    let acceptor =
        http::serve::tls_config(&serving.chain_pem, &serving.key_pem, client_ca.as_deref())?;

    let kubeconfig_path = opts.kubeconfig_path();
    let tokens = kubeconfig::admin_tokens(&opts.root_directory, &kubeconfig_path)?;
    let mut authn = Authenticator::new(tokens.users());
    if let Some(f) = &opts.token_auth_file {
        authn.load_token_file(f)?;
    }

    let store = open_store(&opts).await?;
    let profile = opts.profile;
    let storage = Storage::start(store.clone(), profile == Profile::Kcp).await?;
    crate::storage::spawn_compactor(store, Duration::from_secs(300));
    let issuer = match profile {
        Profile::Kcp => "https://kcp.default.svc",
        Profile::Kube => "https://kubernetes.default.svc.cluster.local",
    };
    let sa_tokens = Arc::new(crate::serviceaccount::TokenIssuer::load_or_generate(
        &opts.root_directory.join("sa.key"),
        issuer,
    )?);
    let identities = match profile {
        Profile::Kcp => bootstrap::export_identities(&storage, &Catalog::for_profile(profile))
            .await
            .map_err(|e| anyhow::anyhow!("bootstrap: export identities: {e}"))?,
        Profile::Kube => Default::default(),
    };
    let catalogs = Arc::new(Catalogs::new(profile, &identities));
    let server = Arc::new(Server::new(
        profile,
        storage.clone(),
        authn,
        sa_tokens,
        catalogs.clone(),
    ));
    bootstrap::run(&storage, catalogs.root(), profile, &identities, &shard_urls)
        .await
        .map_err(|e| anyhow::anyhow!("bootstrap: {e}"))?;
    controllers::start(
        storage.clone(),
        catalogs,
        server.apis.clone(),
        &shard_urls.external,
        server.workspace_progress.clone(),
        server.binding_progress.clone(),
    )
    .await;

    match profile {
        Profile::Kcp => kubeconfig::write_admin_kubeconfig(
            &kubeconfig_path,
            &base_url,
            &serving.chain_pem,
            &tokens,
        )?,
        Profile::Kube => kubeconfig::write_kube_kubeconfig(
            &kubeconfig_path,
            &base_url,
            &serving.chain_pem,
            &tokens,
        )?,
    }
    server.set_ready();
    tracing::info!(
        "kcp is ready at {base_url} after {:?}; export KUBECONFIG={}",
        started.elapsed(),
        kubeconfig_path.display()
    );
    http::serve::serve(
        listener,
        acceptor,
        server,
        shutdown_signal(),
        Duration::from_secs(opts.shutdown_timeout_seconds),
    )
    .await;
    Ok(())
}

fn create_root_directory(dir: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!("{dir:?} exists and is not a directory");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {dir:?}"))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
