//! The apiresourceschema controller (`reference/api-syncagent.md` §5.1): for each
//! PublishedResource, the service cluster's CRD, projected, becomes an APIResourceSchema in the
//! export's workspace under its content-hash name, and the PublishedResource's status names it.
//! Schemas are never updated (a changed CRD makes a new one) nor deleted (an accidentally
//! deleted PublishedResource loses no data).

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kcp_api::syncagent::v1alpha1::PublishedResource;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use serde_json::json;

use super::queue::Queue;
use crate::kcp::{Kcp, apis_resource};
use crate::metrics::{self, Reconciled};
use crate::sync::meta::AGENT_NAME_LABEL;

/// Runs until aborted.
pub async fn run(kcp: Arc<Kcp>, local: kube::Client, agent_name: String, selector: String) {
    let prs = Api::<PublishedResource>::all(local.clone());
    let queue: Arc<Queue<String>> = Queue::named(metrics::APIRESOURCESCHEMA);
    let q = queue.clone();
    let pr_watch = super::watch(prs.clone(), watcher::Config::default().labels(&selector));
    tokio::spawn(async move {
        let mut events = pr_watch;
        while let Some(ev) = events.next().await {
            if let Ok(watcher::Event::Apply(pr) | watcher::Event::InitApply(pr)) = ev {
                q.add(pr.name().to_string());
            }
        }
    });
    // A CRD's change brings back the PublishedResources of its kind.
    let (q, prs_of_crd) = (queue.clone(), prs.clone());
    let crd_watch = super::watch(
        Api::<CustomResourceDefinition>::all(local.clone()),
        watcher::Config::default(),
    );
    let sel = selector.clone();
    tokio::spawn(async move {
        let mut events = crd_watch;
        while let Some(ev) = events.next().await {
            let Ok(watcher::Event::Apply(crd)) = ev else {
                continue;
            };
            let Ok(list) = prs_of_crd
                .list(&kube::api::ListParams::default().labels(&sel))
                .await
            else {
                continue;
            };
            for pr in list.items {
                if pr.spec.resource.api_group == crd.spec.group
                    && pr.spec.resource.kind == crd.spec.names.kind
                {
                    q.add(pr.name().to_string());
                }
            }
        }
    });
    for _ in 0..4 {
        let (kcp, local, agent, prs, queue) = (
            kcp.clone(),
            local.clone(),
            agent_name.clone(),
            prs.clone(),
            queue.clone(),
        );
        tokio::spawn(async move {
            loop {
                let name = queue.next().await;
                let result = reconcile(&kcp, &local, &agent, &prs, &name).await;
                metrics::reconciled(metrics::APIRESOURCESCHEMA, Reconciled::of(&result));
                if let Err(e) = result {
                    tracing::warn!(published_resource = %name, "apiresourceschema: {e:#}");
                    queue.retry(name.clone(), std::time::Duration::from_secs(1));
                }
                queue.done(&name);
            }
        });
    }
    std::future::pending::<()>().await;
}

async fn reconcile(
    kcp: &Kcp,
    local: &kube::Client,
    agent_name: &str,
    prs: &Api<PublishedResource>,
    name: &str,
) -> anyhow::Result<()> {
    let Some(pr) = prs.get_opt(name).await? else {
        return Ok(());
    };
    if pr.metadata.deletion_timestamp.is_some() {
        return Ok(());
    }
    let crd =
        crate::discovery::crd(local, &pr.spec.resource.api_group, &pr.spec.resource.kind).await?;
    let projected = crate::published::projected(&crd, &pr)?;
    let schema_name = crate::apiresourceschema::schema_name(&projected);
    let schemas = Api::<DynamicObject>::all_with(
        kcp.export_client.clone(),
        &apis_resource("APIResourceSchema", "apiresourceschemas"),
    );
    match schemas.get_opt(&schema_name).await? {
        None => {
            tracing::info!(name = %schema_name, "Creating APIResourceSchema");
            let ars = crate::apiresourceschema::create_api_resource_schema(
                &projected,
                &schema_name,
                agent_name,
            )?;
            schemas
                .create(
                    &PostParams::default(),
                    &serde_json::from_value(serde_json::to_value(ars)?)?,
                )
                .await?;
        }
        Some(mut existing) => {
            let label = existing
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(AGENT_NAME_LABEL));
            let annotation = existing
                .metadata
                .annotations
                .as_ref()
                .and_then(|l| l.get(AGENT_NAME_LABEL));
            if label.map(String::as_str) != Some(agent_name)
                || annotation.map(String::as_str) != Some(agent_name)
            {
                tracing::info!(name = %schema_name, "Fixing incorrect agent metadata");
                existing
                    .metadata
                    .labels
                    .get_or_insert_with(Default::default)
                    .insert(AGENT_NAME_LABEL.into(), agent_name.into());
                existing
                    .metadata
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(AGENT_NAME_LABEL.into(), agent_name.into());
                schemas
                    .replace(&schema_name, &PostParams::default(), &existing)
                    .await?;
            }
        }
    }
    if pr.resource_schema_name() != schema_name {
        prs.patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"resourceSchemaName": schema_name}})),
        )
        .await?;
    }
    Ok(())
}
