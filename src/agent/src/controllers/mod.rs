//! The agent's controllers (`reference/api-syncagent.md` §5).

pub mod apiexport;
pub mod apiresourceschema;
pub mod cache;
pub mod object;
pub mod queue;
pub mod sync;
pub mod syncmanager;

use futures::StreamExt as _;
use futures::stream::BoxStream;
use kube::runtime::{WatchStreamExt as _, watcher};

/// A watch of `api` that backs off after an error (kube-runtime's default: 0.8 s doubling to
/// 30 s, reset once it has run for two minutes). Without it a watch whose server is gone
/// retries at once, forever: an agent whose kcp was unreachable took most of a core.
pub fn watch<K>(
    api: kube::Api<K>,
    config: watcher::Config,
) -> BoxStream<'static, watcher::Result<watcher::Event<K>>>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    watcher(api, config).default_backoff().boxed()
}
