//! Events about kcp objects, written into the tenant's workspace through the virtual workspace
//! (`reference/api-syncagent.md` §8.1). Best-effort: a failure (a binding that did not accept
//! the `events` claim) is logged and never fails or delays a sync.

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, PostParams};
use serde_json::Value;

/// The component the Go agent's sync controllers report as.
pub const COMPONENT: &str = "syncagent-sync";

/// Writes a Normal (or Warning) event about `obj` with `client` (the object's workspace).
pub fn emit(client: kube::Client, obj: &Value, type_: &str, reason: &str, message: &str) {
    let meta = &obj["metadata"];
    let name = meta["name"].as_str().unwrap_or_default().to_string();
    let ns = meta["namespace"]
        .as_str()
        .filter(|n| !n.is_empty())
        .unwrap_or("default")
        .to_string();
    let now = Time(jiff_now());
    let event = Event {
        metadata: kube::api::ObjectMeta {
            name: Some(format!("{name}.{:x}", rand_suffix())),
            namespace: Some(ns.clone()),
            ..Default::default()
        },
        involved_object: ObjectReference {
            api_version: obj["apiVersion"].as_str().map(str::to_string),
            kind: obj["kind"].as_str().map(str::to_string),
            name: Some(name),
            namespace: meta["namespace"].as_str().map(str::to_string),
            uid: meta["uid"].as_str().map(str::to_string),
            resource_version: meta["resourceVersion"].as_str().map(str::to_string),
            ..Default::default()
        },
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        type_: Some(type_.to_string()),
        source: Some(EventSource {
            component: Some(COMPONENT.to_string()),
            ..Default::default()
        }),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        count: Some(1),
        ..Default::default()
    };
    let reason = reason.to_string();
    tokio::spawn(async move {
        if let Err(e) = Api::<Event>::namespaced(client, &ns)
            .create(&PostParams::default(), &event)
            .await
        {
            tracing::debug!("event {reason} not written: {e}");
        }
    });
}

fn jiff_now() -> k8s_openapi::jiff::Timestamp {
    k8s_openapi::jiff::Timestamp::now()
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    nanos ^ (std::process::id() as u64).rotate_left(32)
}
