//! The generic REST machinery: one code path for every resource.

pub mod selector;
pub mod strategic;
pub mod table;
