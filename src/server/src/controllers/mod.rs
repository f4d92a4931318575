//! In-process reconcilers. Each runs once for the whole server, watching one resource across
//! all logical clusters, and calls the registry in process.

pub mod apibinding;
pub mod apiexport;
pub mod crd;
pub mod endpointslice;
pub mod gc;
pub mod namespace;
pub mod progress;
pub mod queue;
pub mod workspace;

use std::sync::Arc;

use crate::catalog::Catalogs;
use crate::storage::Storage;

/// Starts every controller; `shard_url` is where clients reach this shard's workspaces; `workspaces` and
/// `bindings` are how requests learn that a workspace was scheduled, a binding bound. Returns when the controllers that decide what
/// is served have seen the whole state once (the server is ready then).
pub async fn start(
    storage: Arc<Storage>,
    catalogs: Arc<Catalogs>,
    apis: crate::apis::Apis,
    shard_url: &str,
    workspaces: Arc<workspace::Progress>,
    bindings: Arc<progress::Progress>,
) {
    let (bindings_synced, synced) = tokio::sync::oneshot::channel();
    tokio::spawn(apiexport::run(apis.clone(), catalogs.clone()));
    tokio::spawn(endpointslice::run(apis.clone(), catalogs.clone()));
    tokio::spawn(apibinding::run(
        apis.clone(),
        catalogs.clone(),
        bindings,
        bindings_synced,
    ));
    tokio::spawn(workspace::run(
        apis,
        catalogs.clone(),
        shard_url.to_string(),
        workspaces,
    ));
    tokio::spawn(namespace::run(storage.clone(), catalogs.clone()));
    tokio::spawn(crd::run(storage.clone(), catalogs.clone()));
    tokio::spawn(gc::run(storage, catalogs));
    let _ = synced.await;
}
