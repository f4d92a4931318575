//! The apiexport controller (`reference/api-syncagent.md` §5.2): keeps the (pre-existing)
//! APIExport serving the schemas of this agent's PublishedResources and claiming what their
//! sync needs. It never creates the export, never removes a claim, and keeps schemas it does not
//! manage (other group/resources, or of deleted PublishedResources).

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::StreamExt;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use kube::runtime::watcher;
use serde_json::{Value, json};

use crate::kcp::{Kcp, apis_resource};
use crate::metrics::{self, Reconciled};
use crate::sync::meta::AGENT_NAME_LABEL;

/// The PublishedResource kind, read dynamically.
pub fn published_resources() -> kube::api::ApiResource {
    kube::api::ApiResource::from_gvk_with_plural(
        &kube::core::GroupVersionKind::gvk("syncagent.kcp.io", "v1alpha1", "PublishedResource"),
        "publishedresources",
    )
}

/// `<resource>.<group>` of a schema name `<version>.<resource>.<group>`.
fn group_resource_of(schema: &str) -> Option<(String, String)> {
    let mut parts = schema.splitn(3, '.');
    let _version = parts.next()?;
    let resource = parts.next()?;
    let group = parts.next().unwrap_or("");
    Some((group.to_string(), resource.to_string()))
}

/// The Go agent's `mergeResourceSchemas`: the configured names, the existing ones of other
/// group/resources, sorted by `<resource>.<group>`.
pub fn merge_schemas(existing: &[String], configured: &[String]) -> Vec<String> {
    let owned: BTreeSet<(String, String)> = configured
        .iter()
        .filter_map(|s| group_resource_of(s))
        .collect();
    let mut out: Vec<String> = configured.to_vec();
    for e in existing {
        let keep = group_resource_of(e).is_none_or(|gr| !owned.contains(&gr));
        if keep && !out.contains(e) {
            out.push(e.clone());
        }
    }
    let sort_key = |s: &String| {
        group_resource_of(s)
            .map(|(g, r)| format!("{r}.{g}"))
            .unwrap_or_else(|| s.clone())
    };
    out.sort_by_key(sort_key);
    out.dedup();
    out
}

/// A claim as the export holds it: (group, resource, identityHash).
type Claim = (String, String, String);

/// The claims the PublishedResources need: `events` always; `namespaces` for namespace filters
/// and any related resource; `core.kcp.io/logicalclusters` for workspace paths; each related
/// resource's kcp-side resource unless the export serves it itself.
pub fn required_claims(prs: &[Value], owned: &BTreeSet<(String, String)>) -> BTreeSet<Claim> {
    let mut out = BTreeSet::from([(String::new(), "events".to_string(), String::new())]);
    for pr in prs {
        let spec = &pr["spec"];
        if !spec["filter"]["namespace"].is_null() {
            out.insert((String::new(), "namespaces".into(), String::new()));
        }
        if spec["enableWorkspacePaths"].as_bool() == Some(true) {
            out.insert((
                "core.kcp.io".into(),
                "logicalclusters".into(),
                String::new(),
            ));
        }
        for rel in spec["related"].as_array().into_iter().flatten() {
            out.insert((String::new(), "namespaces".into(), String::new()));
            let (mut group, mut resource) = match rel["kind"].as_str() {
                Some("ConfigMap") => (String::new(), "configmaps".to_string()),
                Some("Secret") => (String::new(), "secrets".to_string()),
                _ => (
                    rel["group"].as_str().unwrap_or_default().to_string(),
                    rel["resource"].as_str().unwrap_or_default().to_string(),
                ),
            };
            // The kcp side is the destination of a service-origin object: projected there.
            if rel["origin"] == "service" {
                if let Some(g) = rel["projection"]["group"]
                    .as_str()
                    .filter(|g| !g.is_empty())
                {
                    group = g.to_string();
                }
                if let Some(r) = rel["projection"]["resource"]
                    .as_str()
                    .filter(|r| !r.is_empty())
                {
                    resource = r.to_string();
                }
            }
            if resource.is_empty() || owned.contains(&(group.clone(), resource.clone())) {
                continue;
            }
            let identity = rel["identityHash"].as_str().unwrap_or_default().to_string();
            out.insert((group, resource, identity));
        }
    }
    out
}

/// The export as it should be; the events to emit.
pub fn desired(
    export: &Value,
    agent_name: &str,
    schemas: &[String],
    claims: &BTreeSet<Claim>,
) -> (Value, Vec<(&'static str, &'static str, String)>) {
    let mut next = export.clone();
    next["metadata"]["annotations"][AGENT_NAME_LABEL] = json!(agent_name);
    let existing: Vec<String> = export["spec"]["latestResourceSchemas"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    let merged = merge_schemas(&existing, schemas);
    let mut events = Vec::new();
    let added: Vec<&String> = merged.iter().filter(|s| !existing.contains(s)).collect();
    let removed: Vec<&String> = existing.iter().filter(|s| !merged.contains(s)).collect();
    if !added.is_empty() {
        events.push((
            "Normal",
            "AddingResourceSchemas",
            format!("Added new resource schema(s) {}.", join(&added)),
        ));
    }
    if !removed.is_empty() {
        events.push((
            "Warning",
            "RemovingResourceSchemas",
            format!("Removed resource schema(s) {}.", join(&removed)),
        ));
    }
    next["spec"]["latestResourceSchemas"] = json!(merged);
    let mut current: Vec<Value> = export["spec"]["permissionClaims"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let present: BTreeSet<Claim> = current
        .iter()
        .filter(|c| c["all"] == true && c["resourceSelector"].is_null())
        .map(|c| {
            (
                c["group"].as_str().unwrap_or_default().to_string(),
                c["resource"].as_str().unwrap_or_default().to_string(),
                c["identityHash"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let missing: Vec<&Claim> = claims.iter().filter(|c| !present.contains(c)).collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing
            .iter()
            .map(|(g, r, _)| {
                if g.is_empty() {
                    r.clone()
                } else {
                    format!("{g}/{r}")
                }
            })
            .collect();
        events.push((
            "Normal",
            "AddingPermissionClaims",
            format!(
                "Added new permission claim(s) for all {}.",
                names.join(", ")
            ),
        ));
        for (g, r, i) in missing {
            let mut c = json!({"group": g, "resource": r, "all": true});
            if !i.is_empty() {
                c["identityHash"] = json!(i);
            }
            current.push(c);
        }
    }
    current.sort_by_key(|c| {
        (
            c["group"].as_str().unwrap_or_default().to_string(),
            c["resource"].as_str().unwrap_or_default().to_string(),
        )
    });
    if !current.is_empty() {
        next["spec"]["permissionClaims"] = json!(current);
    }
    (next, events)
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs until aborted: reconciles on every change of the export or of a PublishedResource.
pub async fn run(kcp: Arc<Kcp>, local: kube::Client, agent_name: String, selector: String) {
    let exports = Api::<DynamicObject>::all_with(
        kcp.export_client.clone(),
        &apis_resource("APIExport", "apiexports"),
    );
    let prs = Api::<DynamicObject>::all_with(local, &published_resources());
    let trigger = Arc::new(tokio::sync::Notify::new());
    let export_watch = super::watch(
        exports.clone(),
        watcher::Config::default().fields(&format!("metadata.name={}", kcp.export_name)),
    );
    let pr_watch = super::watch(prs.clone(), watcher::Config::default().labels(&selector));
    let t = trigger.clone();
    tokio::spawn(async move {
        let mut both = futures::stream::select(
            export_watch.map(|_| ()).boxed(),
            pr_watch.map(|_| ()).boxed(),
        );
        while both.next().await.is_some() {
            t.notify_one();
        }
    });
    loop {
        trigger.notified().await;
        let result = reconcile(&kcp, &exports, &prs, &agent_name, &selector).await;
        metrics::reconciled(metrics::APIEXPORT, Reconciled::of(&result));
        if let Err(e) = result {
            tracing::warn!("apiexport: {e:#}");
            let t = trigger.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                t.notify_one();
            });
        }
    }
}

async fn reconcile(
    kcp: &Kcp,
    exports: &Api<DynamicObject>,
    prs: &Api<DynamicObject>,
    agent_name: &str,
    selector: &str,
) -> anyhow::Result<()> {
    let Some(export) = exports.get_opt(&kcp.export_name).await? else {
        return Ok(());
    };
    let export = serde_json::to_value(export)?;
    let list = prs.list(&ListParams::default().labels(selector)).await?;
    crate::metrics::PUBLISHED_RESOURCES.set(list.items.len() as i64);
    let prs: Vec<Value> = list
        .items
        .iter()
        .filter_map(|p| serde_json::to_value(p).ok())
        .collect();
    let schemas: Vec<String> = prs
        .iter()
        .filter_map(|p| p["status"]["resourceSchemaName"].as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let owned: BTreeSet<(String, String)> = schemas
        .iter()
        .filter_map(|s| group_resource_of(s))
        .collect();
    let claims = required_claims(&prs, &owned);
    let (next, events) = desired(&export, agent_name, &schemas, &claims);
    if next == export {
        return Ok(());
    }
    exports
        .replace(
            &kcp.export_name,
            &PostParams::default(),
            &serde_json::from_value(next.clone())?,
        )
        .await?;
    for (type_, reason, message) in events {
        crate::events::emit(kcp.export_client.clone(), &next, type_, reason, &message);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Upstream `TestSchemasAreMerged`: a foreign schema stays, the agent's group/resource is
    // replaced.
    #[test]
    fn schemas_are_merged() {
        let merged = merge_schemas(
            &[
                "v1.fakes.example.com".into(),
                "v0.crontabs.example.com".into(),
            ],
            &["vabc.crontabs.example.com".into()],
        );
        assert_eq!(
            merged,
            ["vabc.crontabs.example.com", "v1.fakes.example.com"]
        );
    }

    // Upstream `TestPermissionsClaims` / `TestExistingPermissionsClaimsAreKept`.
    #[test]
    fn claims_are_added_never_removed() {
        let prs = vec![json!({"spec": {"related": [
            {"identifier": "a", "origin": "kcp", "kind": "Secret"},
            {"identifier": "b", "origin": "service", "group": "", "version": "v1", "resource": "configmaps"},
        ]}})];
        let claims = required_claims(&prs, &BTreeSet::new());
        let export = json!({"metadata": {"name": "e"}, "spec": {"permissionClaims": [
            {"group": "", "resource": "configmaps", "all": true}]}});
        let (next, events) = desired(&export, "agent", &[], &claims);
        let names: Vec<&str> = next["spec"]["permissionClaims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["resource"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["configmaps", "events", "namespaces", "secrets"]);
        assert_eq!(
            events[0].2,
            "Added new permission claim(s) for all events, namespaces, secrets."
        );
        assert_eq!(next["metadata"]["annotations"][AGENT_NAME_LABEL], "agent");
    }
}
