//! What the benchmark binaries share: a kube-rs client as the shard's admin, the server's
//! resident memory, percentiles.

use std::time::Duration;

use anyhow::Result;
use kube::Client;

/// A kube-rs client for the server's `shard-base` context (a `system:masters` user: wildcard
/// requests are privileged), with a long read timeout for watches.
pub async fn client(kcp: &crate::Kcp) -> Result<Client> {
    let kubeconfig = kube::config::Kubeconfig::read_from(kcp.kubeconfig())?;
    let options = kube::config::KubeConfigOptions {
        context: Some("shard-base".into()),
        ..Default::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await?;
    config.read_timeout = Some(Duration::from_secs(600));
    Ok(Client::try_from(config)?)
}

/// The resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// The `q` quantile of sorted durations.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}
