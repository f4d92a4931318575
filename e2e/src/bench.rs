//! What the benchmark binaries share: a kube-rs client as the shard's admin, the server's
//! resident memory, percentiles, and the setup of workspaces, the cowboys export and bindings.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use futures::{StreamExt, TryStreamExt};
use kube::Client;
use serde_json::{Value, json};

/// A kube-rs client for the server's `shard-base` context (a `system:masters` user: wildcard
/// requests are privileged), with a long read timeout for watches.
pub async fn client(kcp: &crate::Kcp) -> Result<Client> {
    Ok(Client::try_from(config(kcp).await?)?)
}

/// The same user's client for another URL of the server (a virtual workspace's).
pub async fn client_at(kcp: &crate::Kcp, url: &str) -> Result<Client> {
    let mut config = config(kcp).await?;
    config.cluster_url = url.parse().with_context(|| format!("URL {url}"))?;
    Ok(Client::try_from(config)?)
}

async fn config(kcp: &crate::Kcp) -> Result<kube::Config> {
    let kubeconfig = kube::config::Kubeconfig::read_from(kcp.kubeconfig())?;
    let options = kube::config::KubeConfigOptions {
        context: Some("shard-base".into()),
        ..Default::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await?;
    config.read_timeout = Some(Duration::from_secs(600));
    Ok(config)
}

/// The resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS")
}

/// A size field of a process's `/proc/<pid>/status` (`VmRSS`, `RssAnon`, …), in KiB.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
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

/// The concurrent clients of the setup steps (workspace creates, binds, object creates).
pub const CLIENTS: usize = 64;

/// How long the server is left alone before its memory is read: jemalloc returns the pages a
/// burst of requests freed after about ten seconds (its default `dirty_decay_ms`).
pub const SETTLE: Duration = Duration::from_secs(12);

/// The provider's APIResourceSchema of the cowboys.
pub const SCHEMA: &str = "today.cowboys.wildwest.dev";

/// Sends `body` as JSON with `method` to `path`; the answer decoded.
pub async fn send(client: &Client, method: &str, path: &str, body: &Value) -> Result<Value> {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("Content-Type", "application/json")
        .body(serde_json::to_vec(body)?)?;
    client
        .request::<Value>(req)
        .await
        .with_context(|| format!("{method} {path}"))
}

/// GETs `path`; the answer decoded.
pub async fn get(client: &Client, path: &str) -> Result<Value> {
    let req = http::Request::get(path).body(Vec::new())?;
    client
        .request::<Value>(req)
        .await
        .with_context(|| format!("GET {path}"))
}

/// Creates workspaces under root, `CLIENTS` at a time, and waits until all are Ready.
pub async fn workspaces(client: &Client, names: &[String]) -> Result<()> {
    futures::stream::iter(names.iter().map(|n| {
        let body = json!({"apiVersion": "tenancy.kcp.io/v1alpha1", "kind": "Workspace", "metadata": {"name": n}});
        async move {
            send(client, "POST", "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces", &body)
                .await
        }
    }))
    .buffer_unordered(CLIENTS)
    .try_collect::<Vec<_>>()
    .await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let list = get(
            client,
            "/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces",
        )
        .await?;
        let ready = list["items"]
            .as_array()
            .map(|a| a.iter().filter(|w| w["status"]["phase"] == "Ready").count())
            .unwrap_or(0);
        if ready >= names.len() {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "workspaces not Ready in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The cowboys' CRD spec (also an APIResourceSchema's) in `group` as `plural`.
pub fn schema(group_plural: (&str, &str)) -> Value {
    let (group, plural) = group_plural;
    json!({
        "group": group,
        "names": {"kind": "Cowboy", "listKind": "CowboyList", "plural": plural, "singular": "cowboy"},
        "scope": "Namespaced",
        "versions": [{
            "name": "v1alpha1", "served": true, "storage": true,
            "schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {"intent": {"type": "string"}}},
                "status": {"type": "object", "properties": {"result": {"type": "string"}}},
            }},
            "subresources": {"status": {}},
        }],
    })
}

/// A cowboy of `group`'s `v1alpha1` named `name`.
pub fn cowboy(group: &str, name: &str, intent: &str) -> Value {
    json!({"apiVersion": format!("{group}/v1alpha1"), "kind": "Cowboy",
        "metadata": {"name": name}, "spec": {"intent": intent}})
}

/// The provider's schema and the APIExport `export` of `wildwest.dev` cowboys in
/// `root:provider`; returns when the export has its identity.
pub async fn provide(client: &Client, export: &str) -> Result<()> {
    let base = "/clusters/root:provider/apis/apis.kcp.io";
    send(
        client,
        "POST",
        &format!("{base}/v1alpha1/apiresourceschemas"),
        &json!({"apiVersion": "apis.kcp.io/v1alpha1", "kind": "APIResourceSchema",
                "metadata": {"name": SCHEMA}, "spec": schema(("wildwest.dev", "cowboys"))}),
    )
    .await?;
    send(
        client,
        "POST",
        &format!("{base}/v1alpha2/apiexports"),
        &json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIExport",
                "metadata": {"name": export},
                "spec": {"resources": [{"group": "wildwest.dev", "name": "cowboys", "schema": SCHEMA, "storage": {"crd": {}}}]}}),
    )
    .await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let e = get(client, &format!("{base}/v1alpha2/apiexports/{export}")).await?;
        if e["status"]["identityHash"]
            .as_str()
            .is_some_and(|h| !h.is_empty())
        {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "the export has no identity");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Creates the APIBinding `name` in `root:<ws>` to `root:provider`'s export `export`.
pub async fn bind(client: &Client, ws: &str, name: &str, export: &str) -> Result<Value> {
    let body = json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIBinding",
        "metadata": {"name": name},
        "spec": {"reference": {"export": {"path": "root:provider", "name": export}}}});
    send(
        client,
        "POST",
        &format!("/clusters/root:{ws}/apis/apis.kcp.io/v1alpha2/apibindings"),
        &body,
    )
    .await
}
