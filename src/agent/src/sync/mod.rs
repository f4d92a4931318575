//! The per-object sync machinery (`reference/api-syncagent.md` §5).

pub mod naming;
