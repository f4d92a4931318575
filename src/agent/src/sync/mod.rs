//! The per-object sync (`reference/api-syncagent.md` §5.5–§5.7).

pub mod filter;
pub mod meta;
pub mod naming;
pub mod object;
pub mod related;
pub mod rest;
pub mod state;
