//! sprig's crypto functions.

use super::funcs::Func;

/// The functions this module adds to sprig's table.
pub(crate) fn functions() -> Vec<(&'static str, Func)> {
    Vec::new()
}
