//! Validation of built-in objects.
