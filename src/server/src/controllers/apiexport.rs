//! The APIExport controller (`reference/kcp.md` §4.9): gives every export an identity. An
//! export without `spec.identity.secretRef` gets the Secret `kcp-system/<export>` (a random
//! 256-bit `key`, in a `kcp-system` namespace made if missing) and the reference to it; then
//! `status.identityHash` is the SHA-256 of the key, set once, and `IdentityValid` says whether
//! the Secret still matches it (kcp's reasons and messages). One instance for all logical
//! clusters, keyed by (cluster, export); a change of an identity Secret brings its export back.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use super::queue::Queue;
use crate::apis::{self, APIEXPORTS, Apis};
use crate::catalog::{Catalogs, ResourceDef};
use crate::registry::handler::decode_in_process;
use crate::registry::rest::{self, Scope};
use crate::storage::WatchStart;
use crate::storage::keys::{self, KeySpace};
use kcp_api::apis::conditions::{
    IDENTITY_VALID, REASON_IDENTITY_GENERATION_FAILED, REASON_IDENTITY_VERIFICATION_FAILED,
};
use kcp_api::apis::v1alpha2::APIExport;
use kcp_api::condition::{self, Condition, ConditionSeverity};
use kcp_api::keys::{IDENTITY_SECRET_KEY, KCP_SYSTEM_NAMESPACE};

const MANAGER: &str = "kcp-apiexport-controller";

struct Ctx {
    apis: Apis,
    exports: ResourceDef,
    secrets: ResourceDef,
    namespaces: ResourceDef,
    slices: Option<ResourceDef>,
}

/// An export with this annotation gets no default endpoint slice.
const SKIP_ENDPOINTSLICE: &str = "apiexports.apis.kcp.io/skip-endpointslice";

/// Runs forever.
pub async fn run(apis: Apis, catalogs: Arc<Catalogs>) {
    let base = catalogs.base();
    let (Some(exports), Some(secrets), Some(namespaces)) = (
        base.lookup(kcp_api::keys::APIS_GROUP, "v1alpha2", APIEXPORTS)
            .cloned(),
        base.lookup("", "v1", "secrets").cloned(),
        base.lookup("", "v1", "namespaces").cloned(),
    ) else {
        return;
    };
    let slices = base
        .lookup(
            kcp_api::keys::APIS_GROUP,
            "v1alpha1",
            super::endpointslice::SLICES,
        )
        .cloned();
    let ctx = Arc::new(Ctx {
        apis,
        exports,
        secrets,
        namespaces,
        slices,
    });
    let queue = {
        let ctx = ctx.clone();
        Queue::new("apiexport", move |(cluster, name): (String, String)| {
            let ctx = ctx.clone();
            async move { reconcile(&ctx, &cluster, &name).await }
        })
    };
    let exports_prefix = apis::prefix(APIEXPORTS, None);
    let secrets_prefix = keys::resource_prefix("", "secrets", &KeySpace::BuiltIn);
    loop {
        let watch = match ctx
            .apis
            .storage
            .watch(keys::ROOT, WatchStart::FromState)
            .await
        {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("apiexport controller: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let dispatch = |key: &crate::storage::keys::ObjectKey| {
            if key.raw.starts_with(&exports_prefix) {
                queue.add((key.cluster().to_string(), key.name().to_string()));
            }
        };
        // A Secret may be an export's identity: its cluster's exports look again (a cluster
        // has few exports; most have none).
        let secret_changed = |key: &crate::storage::keys::ObjectKey| {
            let (queue, storage) = (queue.clone(), ctx.apis.storage.clone());
            let cluster = key.cluster().to_string();
            async move {
                let page = storage
                    .list_cached(&apis::prefix(APIEXPORTS, Some(&cluster)), None, 0, &|_| {
                        true
                    })
                    .await;
                for e in page.items {
                    queue.add((cluster.clone(), e.key.name().to_string()));
                }
            }
        };
        for ev in &watch.initial {
            dispatch(&ev.object.key);
        }
        let mut live = watch.live;
        while let Ok(ev) = live.recv().await {
            if ev.object.key.raw.starts_with(&secrets_prefix) {
                secret_changed(&ev.object.key).await;
            } else {
                dispatch(&ev.object.key);
            }
        }
    }
}

fn scope<'a>(
    cluster: &'a str,
    def: &'a ResourceDef,
    namespace: Option<&'a str>,
    name: &'a str,
    subresource: &'a str,
) -> Scope<'a> {
    Scope {
        cluster,
        def,
        namespace,
        name,
        subresource,
        dry_run: false,
        manager: MANAGER,
    }
}

async fn reconcile(ctx: &Ctx, cluster: &str, name: &str) -> Option<Duration> {
    let storage = ctx.apis.storage.as_ref();
    let cached = storage
        .get_cached(&apis::key(APIEXPORTS, cluster, name))
        .await?;
    let current: Value = cached.value().ok()?;
    let export: APIExport = serde_json::from_value(current.clone()).ok()?;
    if export.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let now = k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(jiff::Timestamp::now());
    let mut status = export.status.clone();
    let secret_ref = export
        .spec
        .identity
        .as_ref()
        .and_then(|i| i.secret_ref.clone());
    let Some(secret_ref) = secret_ref else {
        // A Secret of that name is adopted (exports sharing a Secret share an identity).
        if let Err(e) = ensure_identity_secret(ctx, cluster, name).await {
            condition::set(
                &mut status.conditions,
                Condition::false_(
                    IDENTITY_VALID,
                    REASON_IDENTITY_GENERATION_FAILED,
                    ConditionSeverity::Error,
                    &format!("Error creating identity secret: {}", e.message),
                ),
                now,
            );
            write_status(ctx, cluster, name, current, &status).await;
            return Some(Duration::from_secs(1));
        }
        let mut updated = current;
        updated["spec"]["identity"] =
            json!({"secretRef": {"namespace": KCP_SYSTEM_NAMESPACE, "name": name}});
        if let Err(e) = rest::update(
            storage,
            &scope(cluster, &ctx.exports, None, name, ""),
            updated,
        )
        .await
        {
            tracing::debug!("apiexport controller: identity of {cluster}/{name}: {e}");
            return Some(Duration::from_millis(100));
        }
        // The update's event brings the export back to verify the identity.
        return None;
    };
    let ns = secret_ref.namespace.unwrap_or_default();
    let secret_name = secret_ref.name.unwrap_or_default();
    let verified = match storage
        .get_cached(&keys::object_key(
            "",
            "secrets",
            &KeySpace::BuiltIn,
            cluster,
            Some(&ns),
            &secret_name,
        ))
        .await
    {
        None => Err(format!("secrets {secret_name:?} not found")),
        Some(secret) => match identity_key(&secret) {
            None => Err(format!(
                "secret {ns}/{secret_name} does not contain a {IDENTITY_SECRET_KEY:?} key"
            )),
            Some(key) => {
                let hash = kcp_api::names::identity_hash(&key);
                if status.identity_hash.is_empty() {
                    status.identity_hash = hash.clone();
                }
                if status.identity_hash == hash {
                    Ok(())
                } else {
                    Err(format!(
                        "hash mismatch: identity secret hash {hash:?} must match status.identityHash {:?}",
                        status.identity_hash
                    ))
                }
            }
        },
    };
    let c = match &verified {
        Ok(()) => Condition::true_(IDENTITY_VALID),
        Err(message) => Condition::false_(
            IDENTITY_VALID,
            REASON_IDENTITY_VERIFICATION_FAILED,
            ConditionSeverity::Error,
            message,
        ),
    };
    condition::set(&mut status.conditions, c, now);
    if !export
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(SKIP_ENDPOINTSLICE))
    {
        ensure_endpoint_slice(ctx, cluster, &export).await;
    }
    if status != export.status && !write_status(ctx, cluster, name, current, &status).await {
        return Some(Duration::from_millis(100));
    }
    None
}

/// The export's default APIExportEndpointSlice: named like it, owned by it, pointing at it by
/// its workspace's path (kcp's `apiexport_reconcile.go`).
async fn ensure_endpoint_slice(ctx: &Ctx, cluster: &str, export: &APIExport) {
    let Some(def) = &ctx.slices else { return };
    let name = export.metadata.name.clone().unwrap_or_default();
    let s = scope(cluster, def, None, &name, "");
    if ctx.apis.storage.get_cached(&s.key(&name)).await.is_some() {
        return;
    }
    let path = export
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(kcp_api::PATH_ANNOTATION))
        .cloned()
        .unwrap_or_default();
    let slice = json!({
        "apiVersion": "apis.kcp.io/v1alpha1",
        "kind": "APIExportEndpointSlice",
        "metadata": {
            "name": name,
            "ownerReferences": [{
                "apiVersion": "apis.kcp.io/v1alpha1",
                "kind": "APIExport",
                "name": name,
                "uid": export.metadata.uid.clone().unwrap_or_default(),
            }],
        },
        "spec": {"export": {"name": name, "path": path}},
    });
    let created = match decode_in_process(def, slice) {
        Ok(obj) => rest::create(ctx.apis.storage.as_ref(), &s, obj)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = created
        && e.code != 409
    {
        tracing::debug!("apiexport controller: endpoint slice of {cluster}/{name}: {e}");
    }
}

/// The identity key of a cached Secret (`data.key`, decoded).
fn identity_key(secret: &crate::storage::CachedObject) -> Option<Vec<u8>> {
    let value: Value = serde_json::from_slice(&secret.json).ok()?;
    let data = value["data"][IDENTITY_SECRET_KEY].as_str()?;
    base64::engine::general_purpose::STANDARD.decode(data).ok()
}

/// Creates `kcp-system` and the Secret `kcp-system/<export>` with a random key, unless they
/// exist.
async fn ensure_identity_secret(
    ctx: &Ctx,
    cluster: &str,
    name: &str,
) -> crate::errors::ApiResult<()> {
    let storage = ctx.apis.storage.as_ref();
    let ns_scope = scope(cluster, &ctx.namespaces, None, KCP_SYSTEM_NAMESPACE, "");
    if storage
        .get_cached(&ns_scope.key(KCP_SYSTEM_NAMESPACE))
        .await
        .is_none()
    {
        let ns = json!({"metadata": {"name": KCP_SYSTEM_NAMESPACE}});
        match rest::create(storage, &ns_scope, decode_in_process(&ctx.namespaces, ns)?).await {
            Ok(_) => {}
            Err(e) if e.code == 409 => {}
            Err(e) => return Err(e),
        }
    }
    let secret_scope = scope(cluster, &ctx.secrets, Some(KCP_SYSTEM_NAMESPACE), name, "");
    if storage.get_cached(&secret_scope.key(name)).await.is_some() {
        return Ok(());
    }
    // kcp's key: 256 random bits, base64url without padding (43 characters).
    let key: [u8; 32] = rand::random();
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key);
    let secret = json!({
        "metadata": {"name": name, "namespace": KCP_SYSTEM_NAMESPACE},
        "type": "Opaque",
        "stringData": {IDENTITY_SECRET_KEY: key},
    });
    match rest::create(
        storage,
        &secret_scope,
        decode_in_process(&ctx.secrets, secret)?,
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.code == 409 => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes the export's status; false when that failed (a conflict: try again).
async fn write_status(
    ctx: &Ctx,
    cluster: &str,
    name: &str,
    mut current: Value,
    status: &kcp_api::apis::v1alpha2::APIExportStatus,
) -> bool {
    current["status"] = serde_json::to_value(status).unwrap_or_else(|_| json!({}));
    match rest::update(
        ctx.apis.storage.as_ref(),
        &scope(cluster, &ctx.exports, None, name, "status"),
        current,
    )
    .await
    {
        Ok(_) => true,
        Err(e) => {
            tracing::debug!("apiexport controller: status of {cluster}/{name}: {e}");
            false
        }
    }
}
