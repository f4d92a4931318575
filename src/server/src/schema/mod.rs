//! The Kubernetes 1.36 definitions of the built-in types.
mod decode;
mod definitions;
mod gotime;
mod quantity;

pub use decode::*;
pub use definitions::*;
