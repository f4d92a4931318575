//! Validation of coordination.k8s.io/v1 Leases, as `pkg/apis/coordination/validation`.

use serde_json::Value;

use super::json::{at, str_at};
use super::meta::{validate_object_meta, validate_object_meta_update};
use super::names::{is_qualified_name, name_is_dns_subdomain};
use crate::errors::{FieldError, FieldPath};

/// The strategies Kubernetes defines (`validLeaseStrategies`).
const VALID_LEASE_STRATEGIES: [&str; 1] = ["OldestEmulationVersion"];

/// `ValidateLease`: generic metadata (no legacy finalizer check) and the spec.
pub fn validate_lease(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_object_meta(
        obj,
        true,
        name_is_dns_subdomain,
        &FieldPath::new("metadata"),
    );
    errs.extend(validate_lease_spec(obj));
    errs
}

/// `ValidateLeaseUpdate`.
pub fn validate_lease_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_object_meta_update(new, old, &FieldPath::new("metadata"));
    errs.extend(validate_lease_spec(new));
    errs
}

/// `ValidateLeaseSpec`.
fn validate_lease_spec(obj: &Value) -> Vec<FieldError> {
    let spec = FieldPath::new("spec");
    let mut errs = Vec::new();
    if let Some(d) = at(obj, &["spec", "leaseDurationSeconds"]).and_then(Value::as_i64)
        && d <= 0
    {
        errs.push(FieldError::invalid(
            &spec.child("leaseDurationSeconds"),
            d,
            "must be greater than 0",
        ));
    }
    if let Some(t) = at(obj, &["spec", "leaseTransitions"]).and_then(Value::as_i64)
        && t < 0
    {
        errs.push(FieldError::invalid(
            &spec.child("leaseTransitions"),
            t,
            "must be greater than or equal to 0",
        ));
    }
    let strategy = at(obj, &["spec", "strategy"]).and_then(Value::as_str);
    if let Some(strategy) = strategy {
        errs.extend(validate_coordinated_lease_strategy(
            strategy,
            &spec.child("strategy"),
        ));
    }
    if !str_at(obj, &["spec", "preferredHolder"]).is_empty() && strategy.is_none_or(str::is_empty) {
        errs.push(FieldError::forbidden(
            &spec.child("preferredHolder"),
            "may only be specified if `strategy` is defined",
        ));
    }
    errs
}

/// `ValidateCoordinatedLeaseStrategy`. Upstream appends `strategy` to a path that already ends
/// in it, so errors read `spec.strategy.strategy`; kept for parity.
fn validate_coordinated_lease_strategy(strategy: &str, path: &FieldPath) -> Vec<FieldError> {
    let path = path.child("strategy");
    if strategy.contains('/') {
        is_qualified_name(strategy)
            .into_iter()
            .map(|msg| FieldError::invalid(&path, strategy, &msg))
            .collect()
    } else if VALID_LEASE_STRATEGIES.contains(&strategy) {
        Vec::new()
    } else {
        vec![FieldError::not_supported(
            &path,
            strategy,
            &VALID_LEASE_STRATEGIES,
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn valid_lease() {
        let lease = json!({"metadata": {"name": "kube-scheduler", "namespace": "kube-system"}, "spec": {"holderIdentity": "node-1_abc", "leaseDurationSeconds": 15, "leaseTransitions": 0}});
        assert!(validate_lease(&lease).is_empty());
    }

    #[test]
    fn invalid_spec() {
        let lease = json!({"metadata": {"name": "l", "namespace": "d"}, "spec": {"leaseDurationSeconds": 0, "leaseTransitions": -1, "strategy": "Newest", "preferredHolder": "x"}});
        assert_eq!(
            msgs(&validate_lease(&lease)),
            vec![
                "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
                "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
                r#"spec.strategy.strategy: Unsupported value: "Newest": supported values: "OldestEmulationVersion""#,
            ]
        );
        let lease =
            json!({"metadata": {"name": "l", "namespace": "d"}, "spec": {"preferredHolder": "x"}});
        assert_eq!(
            msgs(&validate_lease(&lease)),
            vec!["spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined"]
        );
        let lease = json!({"metadata": {"name": "l", "namespace": "d"}, "spec": {"strategy": "example.com/mine"}});
        assert!(validate_lease(&lease).is_empty());
    }

    #[test]
    fn lease_update() {
        let old = json!({"metadata": {"name": "l", "namespace": "d", "resourceVersion": "1"}, "spec": {"holderIdentity": "a"}});
        let new = json!({"metadata": {"name": "l", "namespace": "d", "resourceVersion": "1"}, "spec": {"holderIdentity": "b", "leaseDurationSeconds": -5}});
        assert_eq!(
            msgs(&validate_lease_update(&new, &old)),
            vec!["spec.leaseDurationSeconds: Invalid value: -5: must be greater than 0"]
        );
    }
}
