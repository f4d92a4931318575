//! Validation of built-in objects (placeholder until the full rules land).

use serde_json::Value;

use crate::errors::FieldError;

pub fn validate(
    _group: &str,
    _version: &str,
    _resource: &str,
    _namespaced: bool,
    _obj: &Value,
    _old: Option<&Value>,
) -> Vec<FieldError> {
    Vec::new()
}
