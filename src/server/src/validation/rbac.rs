//! Validation of rbac.authorization.k8s.io/v1 Roles, ClusterRoles, RoleBindings and
//! ClusterRoleBindings, as `pkg/apis/rbac/validation`.
//!
//! RBAC names only need to be usable as a URL path segment (`ValidateRBACName`).

use serde_json::Value;

use super::json::{arr_at, at, obj_at, ordered, str_at, string_list, string_map};
use super::meta::{validate_core_object_meta, validate_core_object_meta_update, validate_labels};
use super::names::{
    is_qualified_name, is_valid_label_value, name_is_dns_subdomain, validate_path_segment_name,
};
use crate::errors::{FieldError, FieldPath};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

fn md() -> FieldPath {
    FieldPath::new("metadata")
}

/// `ValidatePolicyRule`.
fn validate_policy_rule(rule: &Value, namespaced: bool, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let len = |key: &str| arr_at(rule, &[key]).len();
    if len("verbs") == 0 {
        errs.push(FieldError::required(
            &path.child("verbs"),
            "verbs must contain at least one value",
        ));
    }
    if len("nonResourceURLs") > 0 {
        let urls = Value::from(string_list(rule, &["nonResourceURLs"]));
        if namespaced {
            errs.push(FieldError::invalid(
                &path.child("nonResourceURLs"),
                urls.clone(),
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        if len("apiGroups") > 0 || len("resources") > 0 || len("resourceNames") > 0 {
            errs.push(FieldError::invalid(
                &path.child("nonResourceURLs"),
                urls,
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return errs;
    }
    if len("apiGroups") == 0 {
        errs.push(FieldError::required(
            &path.child("apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    if len("resources") == 0 {
        errs.push(FieldError::required(
            &path.child("resources"),
            "resource rules must supply at least one resource",
        ));
    }
    errs
}

fn validate_rules(obj: &Value, namespaced: bool) -> Vec<FieldError> {
    arr_at(obj, &["rules"])
        .iter()
        .enumerate()
        .flat_map(|(i, r)| validate_policy_rule(r, namespaced, &FieldPath::new("rules").index(i)))
        .collect()
}

/// `ValidateRole`.
pub fn validate_role(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, validate_path_segment_name, &md());
    errs.extend(validate_rules(obj, true));
    errs
}

/// `ValidateRoleUpdate`.
pub fn validate_role_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_role(new);
    errs.extend(validate_core_object_meta_update(new, old, &md()));
    errs
}

/// `ValidateClusterRole`: rules may name non-resource URLs; an aggregation rule needs valid
/// selectors. `allow_invalid_label_values` is set on update when the stored object already had
/// such values.
fn validate_cluster_role_with(obj: &Value, allow_invalid_label_values: bool) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, false, validate_path_segment_name, &md());
    errs.extend(validate_rules(obj, false));
    if let Some(rule) = at(obj, &["aggregationRule"]).filter(|r| !r.is_null()) {
        let selectors = arr_at(rule, &["clusterRoleSelectors"]);
        let base = FieldPath::new("aggregationRule").child("clusterRoleSelectors");
        if selectors.is_empty() {
            errs.push(FieldError::required(
                &base,
                "at least one clusterRoleSelector required if aggregationRule is non-nil",
            ));
        }
        for (i, selector) in selectors.iter().enumerate() {
            let path = base.index(i);
            errs.extend(validate_label_selector(
                selector,
                allow_invalid_label_values,
                &path,
            ));
            if !selector_converts(selector) {
                errs.push(FieldError::invalid(
                    &path,
                    Value::Null,
                    "invalid label selector.",
                ));
            }
        }
    }
    errs
}

/// `ValidateClusterRole`.
pub fn validate_cluster_role(obj: &Value) -> Vec<FieldError> {
    validate_cluster_role_with(obj, false)
}

/// `ValidateClusterRoleUpdate`.
pub fn validate_cluster_role_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let allow = arr_at(old, &["aggregationRule", "clusterRoleSelectors"])
        .iter()
        .any(has_invalid_label_value);
    let mut errs = validate_cluster_role_with(new, allow);
    errs.extend(validate_core_object_meta_update(new, old, &md()));
    errs
}

fn expressions(selector: &Value) -> &[Value] {
    arr_at(selector, &["matchExpressions"])
}

/// `LabelSelectorHasInvalidLabelValue`.
fn has_invalid_label_value(selector: &Value) -> bool {
    expressions(selector).iter().any(|e| {
        string_list(e, &["values"])
            .iter()
            .any(|v| !is_valid_label_value(v).is_empty())
    })
}

/// `ValidateLabelSelector`.
fn validate_label_selector(
    selector: &Value,
    allow_invalid_values: bool,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = validate_labels(selector, &["matchLabels"], &path.child("matchLabels"));
    for (i, expr) in expressions(selector).iter().enumerate() {
        let p = path.child("matchExpressions").index(i);
        let operator = str_at(expr, &["operator"]);
        let values = string_list(expr, &["values"]);
        match operator {
            "In" | "NotIn" => {
                if values.is_empty() {
                    errs.push(FieldError::required(
                        &p.child("values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    errs.push(FieldError::forbidden(
                        &p.child("values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            _ => errs.push(FieldError::invalid(
                &p.child("operator"),
                operator,
                "not a valid selector operator",
            )),
        }
        let key = str_at(expr, &["key"]);
        for msg in is_qualified_name(key) {
            errs.push(FieldError::invalid(&p.child("key"), key, &msg));
        }
        if !allow_invalid_values {
            for (j, v) in values.iter().enumerate() {
                for msg in is_valid_label_value(v) {
                    errs.push(FieldError::invalid(&p.child("values").index(j), *v, &msg));
                }
            }
        }
    }
    errs
}

/// Whether `metav1.LabelSelectorAsSelector` accepts the selector (`labels.NewRequirement`'s
/// rules for every label and expression).
fn selector_converts(selector: &Value) -> bool {
    let labels_ok = string_map(selector, &["matchLabels"])
        .iter()
        .all(|(k, v)| is_qualified_name(k).is_empty() && is_valid_label_value(v).is_empty());
    let exprs_ok = expressions(selector).iter().all(|e| {
        let values = string_list(e, &["values"]);
        let count_ok = match str_at(e, &["operator"]) {
            "In" | "NotIn" => !values.is_empty(),
            "Exists" | "DoesNotExist" => values.is_empty(),
            _ => false,
        };
        count_ok
            && is_qualified_name(str_at(e, &["key"])).is_empty()
            && values.iter().all(|v| is_valid_label_value(v).is_empty())
    });
    labels_ok && exprs_ok
}

/// The checks both binding kinds share (`ValidateRoleBinding`, `ValidateClusterRoleBinding`).
fn validate_binding(obj: &Value, namespaced: bool) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, namespaced, validate_path_segment_name, &md());
    let role_ref = FieldPath::new("roleRef");
    let api_group = str_at(obj, &["roleRef", "apiGroup"]);
    if api_group != RBAC_GROUP {
        errs.push(FieldError::not_supported(
            &role_ref.child("apiGroup"),
            api_group,
            &[RBAC_GROUP],
        ));
    }
    let kind = str_at(obj, &["roleRef", "kind"]);
    let kinds: &[&str] = if namespaced {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !kinds.contains(&kind) {
        errs.push(FieldError::not_supported(
            &role_ref.child("kind"),
            kind,
            kinds,
        ));
    }
    let name = str_at(obj, &["roleRef", "name"]);
    if name.is_empty() {
        errs.push(FieldError::required(&role_ref.child("name"), ""));
    } else {
        for msg in validate_path_segment_name(name, false) {
            errs.push(FieldError::invalid(&role_ref.child("name"), name, &msg));
        }
    }
    for (i, subject) in arr_at(obj, &["subjects"]).iter().enumerate() {
        errs.extend(validate_subject(
            subject,
            namespaced,
            &FieldPath::new("subjects").index(i),
        ));
    }
    errs
}

/// `ValidateRoleBindingSubject`.
fn validate_subject(subject: &Value, namespaced: bool, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = str_at(subject, &["name"]);
    let api_group = str_at(subject, &["apiGroup"]);
    if name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    }
    match str_at(subject, &["kind"]) {
        "ServiceAccount" => {
            if !name.is_empty() {
                for msg in name_is_dns_subdomain(name, false) {
                    errs.push(FieldError::invalid(&path.child("name"), name, &msg));
                }
            }
            if !api_group.is_empty() {
                errs.push(FieldError::not_supported(
                    &path.child("apiGroup"),
                    api_group,
                    &[""],
                ));
            }
            if !namespaced && str_at(subject, &["namespace"]).is_empty() {
                errs.push(FieldError::required(&path.child("namespace"), ""));
            }
        }
        "User" | "Group" => {
            if api_group != RBAC_GROUP {
                errs.push(FieldError::not_supported(
                    &path.child("apiGroup"),
                    api_group,
                    &[RBAC_GROUP],
                ));
            }
        }
        kind => errs.push(FieldError::not_supported(
            &path.child("kind"),
            kind,
            &["ServiceAccount", "User", "Group"],
        )),
    }
    errs
}

/// `roleRef` as the internal `rbac.RoleRef` marshals in an error (no JSON tags: Go names).
fn role_ref_value(obj: &Value) -> Value {
    let r = obj_at(obj, &["roleRef"]);
    let get = |k: &str| {
        Value::from(
            r.and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .unwrap_or(""),
        )
    };
    ordered(vec![
        ("APIGroup", get("apiGroup")),
        ("Kind", get("kind")),
        ("Name", get("name")),
    ])
}

fn validate_binding_update(new: &Value, old: &Value, namespaced: bool) -> Vec<FieldError> {
    let mut errs = validate_binding(new, namespaced);
    errs.extend(validate_core_object_meta_update(new, old, &md()));
    if role_ref_value(new) != role_ref_value(old) {
        errs.push(FieldError::invalid(
            &FieldPath::new("roleRef"),
            role_ref_value(new),
            "cannot change roleRef",
        ));
    }
    errs
}

/// `ValidateRoleBinding`.
pub fn validate_role_binding(obj: &Value) -> Vec<FieldError> {
    validate_binding(obj, true)
}

/// `ValidateRoleBindingUpdate`: also, `roleRef` never changes.
pub fn validate_role_binding_update(new: &Value, old: &Value) -> Vec<FieldError> {
    validate_binding_update(new, old, true)
}

/// `ValidateClusterRoleBinding`.
pub fn validate_cluster_role_binding(obj: &Value) -> Vec<FieldError> {
    validate_binding(obj, false)
}

/// `ValidateClusterRoleBindingUpdate`.
pub fn validate_cluster_role_binding_update(new: &Value, old: &Value) -> Vec<FieldError> {
    validate_binding_update(new, old, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn role_rules() {
        let role = json!({"metadata": {"name": "pod-reader", "namespace": "default"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"]}]});
        assert!(validate_role(&role).is_empty());
        let role = json!({"metadata": {"name": "r", "namespace": "default"}, "rules": [
            {"apiGroups": [""], "resources": ["pods"]},
            {"verbs": ["get"]},
            {"verbs": ["get"], "nonResourceURLs": ["/healthz"], "resources": ["pods"]}
        ]});
        assert_eq!(
            msgs(&validate_role(&role)),
            vec![
                "rules[0].verbs: Required value: verbs must contain at least one value",
                "rules[1].apiGroups: Required value: resource rules must supply at least one api group",
                "rules[1].resources: Required value: resource rules must supply at least one resource",
                r#"rules[2].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs"#,
                r#"rules[2].nonResourceURLs: Invalid value: ["/healthz"]: rules cannot apply to both regular resources and non-resource URLs"#,
            ]
        );
    }

    #[test]
    fn rbac_names_are_path_segments() {
        let role = json!({"metadata": {"name": "system:controller:x", "namespace": "d"}});
        assert!(validate_role(&role).is_empty());
        let role = json!({"metadata": {"name": "a/b"}});
        assert_eq!(
            msgs(&validate_cluster_role(&role)),
            vec![r#"metadata.name: Invalid value: "a/b": may not contain '/'"#]
        );
    }

    #[test]
    fn cluster_role_non_resource_urls_and_aggregation() {
        let cr = json!({"metadata": {"name": "health"}, "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]});
        assert!(validate_cluster_role(&cr).is_empty());
        let cr =
            json!({"metadata": {"name": "agg"}, "aggregationRule": {"clusterRoleSelectors": []}});
        assert_eq!(
            msgs(&validate_cluster_role(&cr)),
            vec![
                "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"
            ]
        );
        let cr = json!({"metadata": {"name": "agg"}, "aggregationRule": {"clusterRoleSelectors": [
            {"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}},
            {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]}
        ]}});
        assert_eq!(
            msgs(&validate_cluster_role(&cr)),
            vec![
                r#"aggregationRule.clusterRoleSelectors[1].matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator"#,
                "aggregationRule.clusterRoleSelectors[1]: Invalid value: null: invalid label selector.",
            ]
        );
    }

    #[test]
    fn bindings() {
        let rb = json!({"metadata": {"name": "read-pods", "namespace": "default"},
            "subjects": [{"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"}, {"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"}],
            "roleRef": {"kind": "Role", "name": "pod-reader", "apiGroup": "rbac.authorization.k8s.io"}});
        assert!(validate_role_binding(&rb).is_empty());
        let rb = json!({"metadata": {"name": "b", "namespace": "default"},
            "subjects": [{"kind": "User", "name": "jane"}, {"kind": "Robot", "name": ""}, {"kind": "ServiceAccount", "name": "Bad", "apiGroup": "x"}],
            "roleRef": {"kind": "Secret", "name": "", "apiGroup": "v1"}});
        assert_eq!(
            msgs(&validate_role_binding(&rb)),
            vec![
                r#"roleRef.apiGroup: Unsupported value: "v1": supported values: "rbac.authorization.k8s.io""#,
                r#"roleRef.kind: Unsupported value: "Secret": supported values: "Role", "ClusterRole""#,
                "roleRef.name: Required value",
                r#"subjects[0].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io""#,
                "subjects[1].name: Required value",
                r#"subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group""#,
                r#"subjects[2].name: Invalid value: "Bad": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#,
                r#"subjects[2].apiGroup: Unsupported value: "x": supported values: """#,
            ]
        );
        let crb = json!({"metadata": {"name": "b"}, "subjects": [{"kind": "ServiceAccount", "name": "sa"}],
            "roleRef": {"kind": "Role", "name": "r", "apiGroup": "rbac.authorization.k8s.io"}});
        assert_eq!(
            msgs(&validate_cluster_role_binding(&crb)),
            vec![
                r#"roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole""#,
                "subjects[0].namespace: Required value",
            ]
        );
    }

    #[test]
    fn role_ref_is_immutable() {
        let old = json!({"metadata": {"name": "b", "namespace": "d", "resourceVersion": "1"}, "roleRef": {"kind": "Role", "name": "a", "apiGroup": "rbac.authorization.k8s.io"}});
        let mut new = old.clone();
        new["roleRef"]["name"] = json!("other");
        assert_eq!(
            msgs(&validate_role_binding_update(&new, &old)),
            vec![
                r#"roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"Role","Name":"other"}: cannot change roleRef"#
            ]
        );
    }
}
