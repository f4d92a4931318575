//! The agent's metrics (`reference/api-syncagent.md` §7) and its `/metrics`, `/healthz` and
//! `/readyz` endpoints: a few plain HTTP/1.1 answers, no framework.

use std::sync::LazyLock;

use prometheus::{Encoder, IntGauge, Registry, TextEncoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The agent's registry.
pub static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

/// `sync_agent_published_resource`: the PublishedResources this agent's selector matches (the
/// Go agent's gauge, set by the apiexport controller).
pub static PUBLISHED_RESOURCES: LazyLock<IntGauge> = LazyLock::new(|| {
    let g = IntGauge::new(
        "sync_agent_published_resource",
        "The number of PublishedResources this agent serves.",
    )
    .expect("a valid gauge");
    let _ = REGISTRY.register(Box::new(g.clone()));
    g
});

/// The text exposition of every series.
pub fn render() -> String {
    LazyLock::force(&PUBLISHED_RESOURCES);
    let mut out = Vec::new();
    let _ = TextEncoder::new().encode(&REGISTRY.gather(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Serves `/metrics`, `/healthz`, `/readyz` on `addr` until the process ends.
pub async fn serve(addr: String) -> std::io::Result<()> {
    let listener = TcpListener::bind(&addr).await?;
    tracing::info!(address = %addr, "serving metrics and health");
    loop {
        let (mut conn, _) = listener.accept().await?;
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let Ok(n) = conn.read(&mut buf).await else {
                return;
            };
            let head = String::from_utf8_lossy(&buf[..n]);
            let path = head.split_whitespace().nth(1).unwrap_or("/");
            let (code, ctype, body) = match path.split('?').next().unwrap_or("") {
                "/metrics" => (200, "text/plain; version=0.0.4", render()),
                "/healthz" | "/readyz" => (200, "text/plain", "ok".to_string()),
                _ => (404, "text/plain", "not found".to_string()),
            };
            let reason = if code == 200 { "OK" } else { "Not Found" };
            let answer = format!(
                "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(answer.as_bytes()).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gauge_is_exposed() {
        PUBLISHED_RESOURCES.set(2);
        assert!(render().contains("\nsync_agent_published_resource 2\n"));
    }
}
