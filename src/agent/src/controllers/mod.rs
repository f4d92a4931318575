//! The agent's controllers (`reference/api-syncagent.md` §5).

pub mod apiexport;
pub mod apiresourceschema;
pub mod cache;
pub mod queue;
pub mod sync;
pub mod syncmanager;
