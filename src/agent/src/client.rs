//! The agent's kube clients: kube's own middleware (base URL, authentication, extra headers,
//! retries, connect/read/write timeouts) over a hyper client whose idle connections close
//! after [`IDLE`].
//!
//! kube's default client keeps every idle connection for 90 s: after the initial sync, whose 16
//! workers each hold a connection to kcp and one to the service cluster, about 50 idle TLS
//! connections (roughly 100 KiB each) stayed resident, doubling the agent's memory at 1,000
//! objects (`docs/benchmarks.md`). A busy pool keeps its connections: only idle ones go.

use std::time::Duration;

use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use kube::client::ConfigExt as _;
use kube::client::retry::RetryPolicy;
use tower::retry::RetryLayer;
use tower::{BoxError, ServiceBuilder};

/// How long an unused connection stays open.
pub const IDLE: Duration = Duration::from_secs(5);

/// A client for `config`, as `kube::Client::try_from` makes it but for the idle connections.
pub fn client(config: kube::Config) -> anyhow::Result<kube::Client> {
    let mut connector = hyper_timeout::TimeoutConnector::new(config.rustls_https_connector()?);
    connector.set_connect_timeout(config.connect_timeout);
    connector.set_read_timeout(config.read_timeout);
    connector.set_write_timeout(config.write_timeout);
    connector.set_reset_reader_on_write(config.reset_reader_on_write);
    let http = HyperClient::builder(TokioExecutor::new())
        .pool_idle_timeout(IDLE)
        .pool_timer(TokioTimer::new())
        .build(connector);
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(
            config
                .default_retry
                .then(|| RetryLayer::new(RetryPolicy::server_retry())),
        )
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(BoxError::from)
        .service(http);
    Ok(kube::Client::new(service, config.default_namespace))
}
