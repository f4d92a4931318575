//! The syncmanager (`reference/api-syncagent.md` §5.3): one sync controller per
//! PublishedResource that has its schema, is not being deleted and has sync enabled — started
//! once the projected kind is served at every virtual-workspace URL of the endpoint slice,
//! restarted when the PublishedResource's spec or the slice's URLs change, stopped when it is
//! deleted, disabled or loses its schema. (The Go agent keys its controllers by resourceVersion
//! and so starts one more on every status write, and never stops one whose PublishedResource
//! is deleted; here there is exactly one per PublishedResource.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use kcp_api::syncagent::v1alpha1::PublishedResource;
use kube::api::{Api, DynamicObject};
use kube::runtime::watcher;
use serde_json::Value;

use super::queue::Queue;
use super::sync::{self as sync_controller, Naming, Spec};
use crate::kcp::{Kcp, apis_resource};
use crate::metrics::{self, Reconciled};
use crate::published;
use crate::sync::filter::Filter;
use crate::sync::related::Related;

/// A running controller and what it was started from.
struct Running {
    /// The PublishedResource's generation and schema, and the slice's URLs.
    started_from: (i64, String, Vec<String>),
    task: tokio::task::JoinHandle<()>,
}

struct Ctx {
    kcp: Arc<Kcp>,
    local: kube::Client,
    agent_name: String,
    namespace: String,
    prs: Api<PublishedResource>,
    running: Mutex<HashMap<String, Running>>,
    queue: Arc<Queue<String>>,
}

impl Ctx {
    fn stop(&self, name: &str) {
        if let Some(r) = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name)
        {
            tracing::info!(published_resource = %name, "stopping its sync controller");
            r.task.abort();
        }
    }
}

/// Runs until aborted.
pub async fn run(
    kcp: Arc<Kcp>,
    local: kube::Client,
    agent_name: String,
    namespace: String,
    selector: String,
) {
    let ctx = Arc::new(Ctx {
        prs: Api::<PublishedResource>::all(local.clone()),
        kcp,
        local,
        agent_name,
        namespace,
        running: Mutex::new(HashMap::new()),
        queue: Queue::named(crate::metrics::SYNCMANAGER),
    });
    let pr_watch = super::watch(
        ctx.prs.clone(),
        watcher::Config::default().labels(&selector),
    );
    let c = ctx.clone();
    tokio::spawn(async move {
        let mut events = pr_watch;
        while let Some(ev) = events.next().await {
            match ev {
                Ok(watcher::Event::Apply(pr) | watcher::Event::InitApply(pr)) => {
                    c.queue.add(pr.name().to_string())
                }
                Ok(watcher::Event::Delete(pr)) => c.stop(pr.name()),
                _ => {}
            }
        }
    });
    // The slice's URLs change: every controller is looked at again.
    let slices = Api::<DynamicObject>::all_with(
        ctx.kcp.slice_client.clone(),
        &apis_resource("APIExportEndpointSlice", "apiexportendpointslices"),
    );
    let slice_watch = super::watch(
        slices,
        watcher::Config::default().fields(&format!("metadata.name={}", ctx.kcp.slice_name)),
    );
    let c = ctx.clone();
    tokio::spawn(async move {
        let mut events = slice_watch;
        while let Some(ev) = events.next().await {
            if let Ok(watcher::Event::Apply(_)) = ev {
                let names: Vec<String> = c
                    .running
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .keys()
                    .cloned()
                    .collect();
                for n in names {
                    c.queue.add(n);
                }
            }
        }
    });
    loop {
        let name = ctx.queue.next().await;
        let result = reconcile(&ctx, &name).await;
        metrics::reconciled(
            metrics::SYNCMANAGER,
            match result {
                Ok(true) => Reconciled::Success,
                Ok(false) => Reconciled::Requeue,
                Err(_) => Reconciled::Error,
            },
        );
        match result {
            Ok(true) => {}
            Ok(false) => ctx.queue.add_after(name.clone(), Duration::from_secs(1)),
            Err(e) => {
                tracing::warn!(published_resource = %name, "syncmanager: {e:#}");
                ctx.queue.retry(name.clone(), Duration::from_secs(1));
            }
        }
        ctx.queue.done(&name);
    }
}

/// Whether the controller is as it should be (false: look again in a second).
async fn reconcile(ctx: &Arc<Ctx>, name: &str) -> anyhow::Result<bool> {
    let Some(pr) = ctx.prs.get_opt(name).await? else {
        ctx.stop(name);
        return Ok(true);
    };
    if pr.metadata.deletion_timestamp.is_some()
        || pr.resource_schema_name().is_empty()
        || !pr.sync_enabled()
    {
        ctx.stop(name);
        return Ok(true);
    }
    let endpoints = ctx.kcp.endpoints().await?;
    let started_from = (
        pr.metadata.generation.unwrap_or_default(),
        pr.resource_schema_name().to_string(),
        endpoints.clone(),
    );
    if ctx
        .running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(name)
        .is_some_and(|r| r.started_from == started_from)
    {
        return Ok(true);
    }
    let crd = crate::discovery::crd(
        &ctx.local,
        &pr.spec.resource.api_group,
        &pr.spec.resource.kind,
    )
    .await?;
    let projected = published::projected(&crd, &pr)?;
    let (local, local_namespaced) = published::storage_resource(&crd)?;
    let (remote, remote_namespaced) = published::storage_resource(&projected)?;
    let filter = Filter::new(pr.spec.filter.as_ref(), remote_namespaced)?;
    for url in &endpoints {
        let client = ctx.kcp.client(url, "*")?;
        let served = client
            .list_api_group_resources(&remote.api_version)
            .await
            .map(|l| l.resources.iter().any(|r| r.kind == remote.kind))
            .unwrap_or(false);
        if !served {
            tracing::info!(published_resource = %name, "Not all required resources are yet available");
            return Ok(false);
        }
    }
    // Related resources, found on both sides (on the kcp side, as the virtual workspace
    // serves them once the export claims them).
    let mut related = Vec::new();
    for r in &pr.spec.related {
        let found = match endpoints.first() {
            Some(url) => Related::discover(r, &ctx.kcp.client(url, "*")?, &ctx.local).await?,
            None => None,
        };
        let Some(found) = found else {
            tracing::info!(published_resource = %name, related = %r.identifier, "Not all required resources are yet available");
            return Ok(false);
        };
        related.push(found);
    }
    let rules = pr
        .spec
        .naming
        .as_ref()
        .map(|n| crate::sync::naming::Naming {
            namespace: Some(n.namespace.clone()),
            name: Some(n.name.clone()),
        });
    let naming: Naming = Arc::new(move |obj: &Value, cluster: &str, path: &str| {
        Ok(crate::sync::naming::generate_local_object_name(
            rules.as_ref(),
            obj,
            cluster,
            path,
        )?)
    });
    let spec = Spec {
        published_resource: name.to_string(),
        agent_name: ctx.agent_name.clone(),
        namespace: ctx.namespace.clone(),
        subresources: published::subresources(&crd),
        local,
        local_namespaced,
        remote,
        remote_namespaced,
        remote_status_subresource: published::subresources(&projected)
            .iter()
            .any(|s| s == "status"),
        naming,
        workspace_paths: pr.spec.enable_workspace_paths,
        filter,
        related,
        wait_for_other_finalizers: pr.waits_for_other_finalizers(),
        conflict_policy: pr.conflict_policy(),
        remote_conditions: published::has_status_conditions(&projected),
        mutator: crate::mutation::Mutator::new(pr.spec.mutation.as_ref())?,
    };
    ctx.stop(name);
    tracing::info!(published_resource = %name, "starting its sync controller");
    let task = tokio::spawn(sync_controller::run(
        spec,
        ctx.kcp.clone(),
        ctx.local.clone(),
        endpoints,
    ));
    ctx.running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_string(), Running { started_from, task });
    Ok(true)
}
