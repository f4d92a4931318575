//! In-process reconcilers. Each runs once for the whole server, watching one resource across
//! all logical clusters, and calls the registry in process.

pub mod namespace;

use std::sync::Arc;

use crate::catalog::Catalog;
use crate::storage::Storage;

/// Starts every controller.
pub fn start(storage: Arc<Storage>, catalog: Catalog) {
    tokio::spawn(namespace::run(storage, catalog));
}
