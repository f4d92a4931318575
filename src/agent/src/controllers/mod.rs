//! The agent's controllers (`reference/api-syncagent.md` §5).

pub mod queue;
pub mod sync;
