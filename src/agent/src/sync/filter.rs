//! `spec.filter` (`reference/api-syncagent.md` §2.4): which kcp objects a PublishedResource
//! syncs, by their own labels and by their namespace's labels. Objects that do not match are
//! left alone; one that stops matching after it was synced is released (`object.rs`).

use std::collections::BTreeMap;

use anyhow::bail;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kcp_api::syncagent::v1alpha1::ResourceFilter;

/// A PublishedResource's filter, checked once when its sync controller starts.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    resource: Option<LabelSelector>,
    namespace: Option<LabelSelector>,
}

impl Filter {
    /// The filter of `spec.filter`. Errors as apimachinery's `LabelSelectorAsSelector` does on a
    /// malformed selector, and on a namespace filter for a cluster-scoped kcp resource (where
    /// the Go agent dereferences a missing namespace).
    pub fn new(filter: Option<&ResourceFilter>, remote_namespaced: bool) -> anyhow::Result<Self> {
        let Some(f) = filter else {
            return Ok(Self::default());
        };
        for (field, sel) in [("resource", &f.resource), ("namespace", &f.namespace)] {
            if let Some(sel) = sel {
                validate(sel).map_err(|e| anyhow::anyhow!("spec.filter.{field}: {e}"))?;
            }
        }
        if f.namespace.is_some() && !remote_namespaced {
            bail!(
                "spec.filter.namespace: Invalid value: a namespace filter cannot select objects of a cluster-scoped resource"
            );
        }
        Ok(Self {
            resource: f.resource.clone(),
            namespace: f.namespace.clone(),
        })
    }

    /// Whether the filter selects everything (no `spec.filter`): nothing to look at.
    pub fn is_empty(&self) -> bool {
        self.resource.is_none() && self.namespace.is_none()
    }

    /// Whether the namespace's labels are needed.
    pub fn needs_namespace(&self) -> bool {
        self.namespace.is_some()
    }

    /// Whether an object with `labels` in a namespace with `namespace_labels` is synced.
    pub fn matches(
        &self,
        labels: &BTreeMap<String, String>,
        namespace_labels: &BTreeMap<String, String>,
    ) -> bool {
        self.resource.as_ref().is_none_or(|s| selects(s, labels))
            && self
                .namespace
                .as_ref()
                .is_none_or(|s| selects(s, namespace_labels))
    }
}

/// apimachinery's checks of a selector's requirements.
fn validate(sel: &LabelSelector) -> Result<(), String> {
    for r in sel.match_expressions.iter().flatten() {
        let values = r.values.as_deref().unwrap_or_default();
        match r.operator.as_str() {
            "In" | "NotIn" if values.is_empty() => {
                return Err(
                    "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
                        .to_string(),
                );
            }
            "Exists" | "DoesNotExist" if !values.is_empty() => {
                return Err(format!(
                    "values: Invalid value: {values:?}: values set must be empty for exists and does not exist"
                ));
            }
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            other => return Err(format!("{other:?} is not a valid label selector operator")),
        }
    }
    Ok(())
}

/// `matchLabels` and `matchExpressions`, all of them (an empty selector selects everything).
fn selects(sel: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    sel.match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v))
        && sel.match_expressions.iter().flatten().all(|r| {
            let values = r.values.as_deref().unwrap_or_default();
            let value = labels.get(&r.key);
            match r.operator.as_str() {
                "In" => value.is_some_and(|v| values.contains(v)),
                "NotIn" => value.is_none_or(|v| !values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn filter(f: serde_json::Value, namespaced: bool) -> anyhow::Result<Filter> {
        let f: ResourceFilter = serde_json::from_value(f).unwrap();
        Filter::new(Some(&f), namespaced)
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn no_filter_selects_everything() {
        let f = Filter::new(None, false).unwrap();
        assert!(f.matches(&labels(&[]), &labels(&[])));
        assert!(f.is_empty() && !f.needs_namespace());
        let empty = filter(json!({"resource": {}}), true).unwrap();
        assert!(empty.matches(&labels(&[]), &labels(&[])));
    }

    #[test]
    fn selectors_follow_kubernetes() {
        let f = filter(
            json!({"resource": {"matchLabels": {"include": "me"},
                                "matchExpressions": [
                                    {"key": "tier", "operator": "In", "values": ["gold", "silver"]},
                                    {"key": "legacy", "operator": "DoesNotExist"},
                                    {"key": "env", "operator": "NotIn", "values": ["prod"]},
                                    {"key": "team", "operator": "Exists"}]}}),
            true,
        )
        .unwrap();
        let ok = [("include", "me"), ("tier", "gold"), ("team", "a")];
        assert!(f.matches(&labels(&ok), &labels(&[])));
        assert!(f.matches(
            &labels(&[ok[0], ok[1], ok[2], ("env", "dev")]),
            &labels(&[])
        ));
        assert!(!f.matches(
            &labels(&[ok[0], ok[1], ok[2], ("env", "prod")]),
            &labels(&[])
        ));
        assert!(!f.matches(
            &labels(&[ok[0], ok[1], ok[2], ("legacy", "")]),
            &labels(&[])
        ));
        assert!(!f.matches(&labels(&[ok[0], ("tier", "bronze"), ok[2]]), &labels(&[])));
        assert!(!f.matches(&labels(&[ok[1], ok[2]]), &labels(&[])));
        assert!(!f.matches(&labels(&[ok[0], ok[1]]), &labels(&[])));
    }

    #[test]
    fn the_namespace_filter_reads_the_namespace_labels() {
        let f = filter(json!({"namespace": {"matchLabels": {"team": "a"}}}), true).unwrap();
        assert!(f.needs_namespace());
        assert!(f.matches(&labels(&[]), &labels(&[("team", "a")])));
        assert!(!f.matches(&labels(&[("team", "a")]), &labels(&[("team", "b")])));
    }

    #[test]
    fn a_namespace_filter_on_a_cluster_scoped_resource_is_an_error() {
        let e = filter(json!({"namespace": {"matchLabels": {"team": "a"}}}), false).unwrap_err();
        assert!(
            format!("{e}").starts_with("spec.filter.namespace: Invalid value"),
            "{e}"
        );
    }

    #[test]
    fn malformed_selectors_are_errors() {
        let e = |sel: serde_json::Value| {
            format!("{}", filter(json!({"resource": sel}), true).unwrap_err())
        };
        assert_eq!(
            e(json!({"matchExpressions": [{"key": "a", "operator": "In"}]})),
            "spec.filter.resource: values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
        );
        assert_eq!(
            e(json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]})),
            "spec.filter.resource: values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist"
        );
        assert_eq!(
            e(json!({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]})),
            "spec.filter.resource: \"Gt\" is not a valid label selector operator"
        );
    }
}
