//! Table output for built-in resources.
