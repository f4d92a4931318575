//! apps/v1 Deployments, ReplicaSets, StatefulSets and DaemonSets, as
//! `pkg/apis/apps/validation`: selectors that are required, valid and match the template,
//! non-negative counts, update strategies, the template itself (restart policy `Always`), and
//! on update the immutable selector and StatefulSet spec.

use serde_json::Value;

use super::json::{at, i64_at, semantic_eq, str_at};
use super::meta::{FIELD_IMMUTABLE, validate_core_object_meta, validate_core_object_meta_update};
use super::names::name_is_dns_subdomain;
use super::pod::validate_pod_template_spec;
use super::selector::{
    Selector, go_label_selector, int_or_percent_value, int_or_string_text, invalid_raw,
    nonnegative, not_more_than_100_percent, selector_matches_template, validate_label_selector,
    validate_positive_int_or_percent,
};
use crate::errors::{FieldError, FieldPath};

fn md() -> FieldPath {
    FieldPath::new("metadata")
}

fn spec_path() -> FieldPath {
    FieldPath::new("spec")
}

/// A required, valid, non-empty selector (`kind` names the empty-selector message).
fn required_selector(obj: &Value, kind: &str) -> Vec<FieldError> {
    let path = spec_path().child("selector");
    match at(obj, &["spec", "selector"]).filter(|s| s.is_object()) {
        None => vec![FieldError::required(&path, "")],
        Some(sel) => {
            let mut errs = validate_label_selector(Some(sel), &path);
            if sel_is_blank(sel) {
                errs.push(invalid_raw(
                    &path,
                    &go_label_selector(Some(sel)),
                    &format!("empty selector is invalid for {kind}"),
                ));
            }
            errs
        }
    }
}

fn sel_is_blank(sel: &Value) -> bool {
    super::json::obj_at(sel, &["matchLabels"]).is_none_or(|m| m.is_empty())
        && super::json::arr_at(sel, &["matchExpressions"]).is_empty()
}

/// `ValidatePodTemplateSpecForReplicaSet` (shared by Deployments): the selector must match the
/// labels (unless it is empty), the template must be valid and restart `Always`.
fn template_for_replica_set(obj: &Value, what: &str) -> Vec<FieldError> {
    let tp = spec_path().child("template");
    let mut errs = Vec::new();
    if Selector::new(at(obj, &["spec", "selector"])).is_none() {
        errs.push(invalid_raw(
            &spec_path().child("selector"),
            &go_label_selector(at(obj, &["spec", "selector"])),
            "invalid label selector",
        ));
        return errs;
    }
    errs.extend(selector_matches_template(
        obj,
        &["spec", "selector"],
        &["spec", "template", "metadata", "labels"],
        &tp.child("metadata").child("labels"),
        true,
    ));
    let template = at(obj, &["spec", "template"])
        .cloned()
        .unwrap_or(Value::Null);
    errs.extend(validate_pod_template_spec(&template, &tp, &[]));
    errs.extend(restart_always(obj, &tp));
    if i64_at(obj, &["spec", "template", "spec", "activeDeadlineSeconds"]).is_some() {
        errs.push(FieldError::forbidden(
            &tp.child("spec").child("activeDeadlineSeconds"),
            &format!("activeDeadlineSeconds in {what} is not Supported"),
        ));
    }
    errs
}

fn restart_always(obj: &Value, tp: &FieldPath) -> Vec<FieldError> {
    let policy = str_at(obj, &["spec", "template", "spec", "restartPolicy"]);
    if policy != "Always" {
        vec![FieldError::not_supported(
            &tp.child("spec").child("restartPolicy"),
            policy,
            &["Always"],
        )]
    } else {
        Vec::new()
    }
}

/// The selector may not change on update (apps/v1).
fn immutable_selector(new: &Value, old: &Value) -> Vec<FieldError> {
    let (n, o) = (
        at(new, &["spec", "selector"]),
        at(old, &["spec", "selector"]),
    );
    if semantic_eq(n, o) {
        Vec::new()
    } else {
        vec![invalid_raw(
            &spec_path().child("selector"),
            &go_label_selector(n),
            FIELD_IMMUTABLE,
        )]
    }
}

/// `ValidateDeployment`.
pub fn validate_deployment(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    errs.extend(deployment_spec(obj));
    errs
}

fn deployment_spec(obj: &Value) -> Vec<FieldError> {
    let sp = spec_path();
    let mut errs = nonnegative(obj, &["spec", "replicas"], &sp.child("replicas"));
    errs.extend(required_selector(obj, "deployment"));
    errs.extend(template_for_replica_set(obj, "ReplicaSet"));
    errs.extend(deployment_strategy(obj, &sp.child("strategy")));
    errs.extend(nonnegative(
        obj,
        &["spec", "minReadySeconds"],
        &sp.child("minReadySeconds"),
    ));
    errs.extend(nonnegative(
        obj,
        &["spec", "revisionHistoryLimit"],
        &sp.child("revisionHistoryLimit"),
    ));
    if let Some(deadline) = i64_at(obj, &["spec", "progressDeadlineSeconds"]) {
        errs.extend(nonnegative(
            obj,
            &["spec", "progressDeadlineSeconds"],
            &sp.child("progressDeadlineSeconds"),
        ));
        let min_ready = i64_at(obj, &["spec", "minReadySeconds"]).unwrap_or(0);
        if deadline <= min_ready {
            errs.push(FieldError::invalid(
                &sp.child("progressDeadlineSeconds"),
                deadline,
                "must be greater than minReadySeconds",
            ));
        }
    }
    errs
}

/// `ValidateDeploymentStrategy`.
fn deployment_strategy(obj: &Value, path: &FieldPath) -> Vec<FieldError> {
    let strategy = at(obj, &["spec", "strategy"])
        .cloned()
        .unwrap_or(Value::Null);
    let ru = at(&strategy, &["rollingUpdate"]).filter(|v| v.is_object());
    match str_at(&strategy, &["type"]) {
        "Recreate" => match ru {
            Some(_) => vec![FieldError::forbidden(
                &path.child("rollingUpdate"),
                "may not be specified when strategy `type` is 'Recreate'",
            )],
            None => Vec::new(),
        },
        "RollingUpdate" => match ru {
            None => vec![FieldError::required(
                &path.child("rollingUpdate"),
                "this should be defaulted and never be nil",
            )],
            Some(ru) => {
                let rp = path.child("rollingUpdate");
                let (mu, ms) = (at(ru, &["maxUnavailable"]), at(ru, &["maxSurge"]));
                let mut errs = validate_positive_int_or_percent(mu, &rp.child("maxUnavailable"));
                errs.extend(validate_positive_int_or_percent(ms, &rp.child("maxSurge")));
                if int_or_percent_value(mu) == 0 && int_or_percent_value(ms) == 0 {
                    errs.push(invalid_raw(
                        &rp.child("maxUnavailable"),
                        &mu.map(int_or_string_text).unwrap_or_default(),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
                errs.extend(not_more_than_100_percent(mu, &rp.child("maxUnavailable")));
                errs
            }
        },
        other => vec![FieldError {
            kind: crate::errors::FieldErrorType::NotSupported,
            field: path.to_string(),
            bad_value: None,
            detail: format!(
                "apps.DeploymentStrategy{{Type:{other:?}, RollingUpdate:{}}}: supported values: \"Recreate\", \"RollingUpdate\"",
                if ru.is_some() {
                    "(*apps.RollingUpdateDeployment)(0xc000000000)"
                } else {
                    "(*apps.RollingUpdateDeployment)(nil)"
                }
            ),
        }],
    }
}

/// `ValidateDeploymentUpdate` plus the strategy's immutable selector.
pub fn validate_deployment_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    errs.extend(deployment_spec(new));
    errs.extend(immutable_selector(new, old));
    errs
}

/// `ValidateReplicaSet`.
pub fn validate_replica_set(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    errs.extend(replica_set_spec(obj));
    errs
}

fn replica_set_spec(obj: &Value) -> Vec<FieldError> {
    let sp = spec_path();
    let mut errs = nonnegative(obj, &["spec", "replicas"], &sp.child("replicas"));
    errs.extend(nonnegative(
        obj,
        &["spec", "minReadySeconds"],
        &sp.child("minReadySeconds"),
    ));
    errs.extend(required_selector(obj, "deployment"));
    errs.extend(template_for_replica_set(obj, "ReplicaSet"));
    errs
}

pub fn validate_replica_set_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    errs.extend(replica_set_spec(new));
    errs.extend(immutable_selector(new, old));
    errs
}

/// `ValidateStatefulSet`.
pub fn validate_stateful_set(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    errs.extend(stateful_set_spec(obj));
    errs
}

fn stateful_set_spec(obj: &Value) -> Vec<FieldError> {
    let sp = spec_path();
    let mut errs = Vec::new();
    match str_at(obj, &["spec", "podManagementPolicy"]) {
        "" => errs.push(FieldError::required(&sp.child("podManagementPolicy"), "")),
        "OrderedReady" | "Parallel" => {}
        other => errs.push(FieldError::invalid(
            &sp.child("podManagementPolicy"),
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let up = sp.child("updateStrategy");
    let ru = at(obj, &["spec", "updateStrategy", "rollingUpdate"]).filter(|v| v.is_object());
    match str_at(obj, &["spec", "updateStrategy", "type"]) {
        "" => errs.push(FieldError::required(&up, "")),
        "OnDelete" => {
            if ru.is_some() {
                errs.push(invalid_raw(
                    &up.child("rollingUpdate"),
                    "apps.RollingUpdateStatefulSetStrategy{}",
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = ru {
                let rp = up.child("rollingUpdate");
                errs.extend(nonnegative(ru, &["partition"], &rp.child("partition")));
                if let Some(mu) = at(ru, &["maxUnavailable"]) {
                    errs.extend(validate_positive_int_or_percent(Some(mu), &rp.child("maxUnavailable")));
                    if int_or_percent_value(Some(mu)) == 0 {
                        errs.push(invalid_raw(
                            &rp.child("maxUnavailable"),
                            &int_or_string_text(mu),
                            "cannot be 0",
                        ));
                    }
                    errs.extend(not_more_than_100_percent(Some(mu), &rp.child("maxUnavailable")));
                }
            }
        }
        other => errs.push(invalid_raw(
            &up,
            &format!("apps.StatefulSetUpdateStrategy{{Type:{other:?}, RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}}"),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    let pp = sp.child("persistentVolumeClaimRetentionPolicy");
    for key in ["whenDeleted", "whenScaled"] {
        if let Some(Value::String(v)) =
            at(obj, &["spec", "persistentVolumeClaimRetentionPolicy", key])
            && v != "Retain"
            && v != "Delete"
        {
            errs.push(FieldError::not_supported(
                &pp.child(key),
                v.as_str(),
                &["Retain", "Delete"],
            ));
        }
    }
    errs.extend(nonnegative(
        obj,
        &["spec", "replicas"],
        &sp.child("replicas"),
    ));
    errs.extend(nonnegative(
        obj,
        &["spec", "minReadySeconds"],
        &sp.child("minReadySeconds"),
    ));
    errs.extend(nonnegative(
        obj,
        &["spec", "ordinals", "start"],
        &sp.child("ordinals").child("start"),
    ));
    errs.extend(required_selector(obj, "statefulset"));
    let tp = sp.child("template");
    if Selector::new(at(obj, &["spec", "selector"])).is_none() {
        errs.push(FieldError::invalid(&sp.child("selector"), Value::Null, ""));
    } else {
        errs.extend(selector_matches_template(
            obj,
            &["spec", "selector"],
            &["spec", "template", "metadata", "labels"],
            &tp.child("metadata").child("labels"),
            true,
        ));
        // Mounts may name the claim templates as well as the template's volumes.
        let claims: Vec<&str> = super::json::arr_at(obj, &["spec", "volumeClaimTemplates"])
            .iter()
            .map(|c| str_at(c, &["metadata", "name"]))
            .collect();
        let template = at(obj, &["spec", "template"])
            .cloned()
            .unwrap_or(Value::Null);
        errs.extend(validate_pod_template_spec(&template, &tp, &claims));
    }
    errs.extend(restart_always(obj, &tp));
    if i64_at(obj, &["spec", "template", "spec", "activeDeadlineSeconds"]).is_some() {
        errs.push(FieldError::forbidden(
            &tp.child("spec").child("activeDeadlineSeconds"),
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
    errs
}

/// Spec fields a StatefulSet update may change.
const STS_MUTABLE: &[&str] = &[
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
];

/// `ValidateStatefulSetUpdate`.
pub fn validate_stateful_set_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    errs.extend(stateful_set_spec(new));
    let strip = |v: &Value| {
        let mut s = at(v, &["spec"]).cloned().unwrap_or(Value::Null);
        if let Some(m) = s.as_object_mut() {
            for k in STS_MUTABLE {
                m.remove(*k);
            }
        }
        s
    };
    if !semantic_eq(Some(&strip(new)), Some(&strip(old))) {
        errs.push(FieldError::forbidden(
            &spec_path(),
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ));
    }
    errs
}

/// `ValidateDaemonSet`.
pub fn validate_daemon_set(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    errs.extend(daemon_set_spec(obj));
    errs
}

fn daemon_set_spec(obj: &Value) -> Vec<FieldError> {
    let sp = spec_path();
    let sel = at(obj, &["spec", "selector"]).filter(|s| s.is_object());
    let mut errs = validate_label_selector(sel, &sp.child("selector"));
    let tp = sp.child("template");
    if Selector::new(sel).is_some() {
        errs.extend(selector_matches_template(
            obj,
            &["spec", "selector"],
            &["spec", "template", "metadata", "labels"],
            &tp.child("metadata").child("labels"),
            false,
        ));
    }
    if let Some(s) = sel
        && sel_is_blank(s)
    {
        errs.push(invalid_raw(
            &sp.child("selector"),
            &go_label_selector(Some(s)),
            "empty selector is invalid for daemonset",
        ));
    }
    let template = at(obj, &["spec", "template"])
        .cloned()
        .unwrap_or(Value::Null);
    errs.extend(validate_pod_template_spec(&template, &tp, &[]));
    errs.extend(restart_always(obj, &tp));
    if let Some(v) = i64_at(obj, &["spec", "template", "spec", "activeDeadlineSeconds"]) {
        errs.push(FieldError::invalid(
            &tp.child("spec").child("activeDeadlineSeconds"),
            v,
            "activeDeadlineSeconds in DaemonSet is not Supported",
        ));
    }
    errs.extend(nonnegative(
        obj,
        &["spec", "minReadySeconds"],
        &sp.child("minReadySeconds"),
    ));
    errs.extend(nonnegative(
        obj,
        &["spec", "templateGeneration"],
        &sp.child("templateGeneration"),
    ));
    let up = sp.child("updateStrategy");
    let ru = at(obj, &["spec", "updateStrategy", "rollingUpdate"]).filter(|v| v.is_object());
    match str_at(obj, &["spec", "updateStrategy", "type"]) {
        "OnDelete" => {}
        "RollingUpdate" => match ru {
            None => errs.push(FieldError::required(&up.child("rollingUpdate"), "")),
            Some(ru) => {
                let rp = up.child("rollingUpdate");
                let (mu, ms) = (at(ru, &["maxUnavailable"]), at(ru, &["maxSurge"]));
                errs.extend(validate_positive_int_or_percent(mu, &rp.child("maxUnavailable")));
                errs.extend(validate_positive_int_or_percent(ms, &rp.child("maxSurge")));
                errs.extend(not_more_than_100_percent(mu, &rp.child("maxUnavailable")));
                errs.extend(not_more_than_100_percent(ms, &rp.child("maxSurge")));
                let (has_u, has_s) = (int_or_percent_value(mu) != 0, int_or_percent_value(ms) != 0);
                if has_u && has_s {
                    errs.push(invalid_raw(
                        &rp.child("maxSurge"),
                        &ms.map(int_or_string_text).unwrap_or_default(),
                        "may not be set when maxUnavailable is non-zero",
                    ));
                } else if !has_u && !has_s {
                    errs.push(FieldError::required(
                        &rp.child("maxUnavailable"),
                        "cannot be 0 when maxSurge is 0",
                    ));
                }
            }
        },
        other => errs.push(FieldError {
            kind: crate::errors::FieldErrorType::NotSupported,
            field: up.to_string(),
            bad_value: None,
            detail: format!(
                "apps.DaemonSetUpdateStrategy{{Type:{other:?}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}}: supported values: \"RollingUpdate\", \"OnDelete\""
            ),
        }),
    }
    errs.extend(nonnegative(
        obj,
        &["spec", "revisionHistoryLimit"],
        &sp.child("revisionHistoryLimit"),
    ));
    errs
}

pub fn validate_daemon_set_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    errs.extend(daemon_set_spec(new));
    errs.extend(immutable_selector(new, old));
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::ApiError;
    use serde_json::json;

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn deployment(spec: Value) -> Value {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "resourceVersion": "1"}, "spec": spec});
        crate::defaulting::apply("apps", "v1", "deployments", &mut d);
        d
    }

    fn web_template(image: &str) -> Value {
        json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": image}]}})
    }

    #[test]
    fn kubectl_create_deployment_is_valid() {
        let d = deployment(
            json!({"selector": {"matchLabels": {"app": "web"}}, "template": web_template("nginx")}),
        );
        assert_eq!(msgs(&validate_deployment(&d)), Vec::<String>::new());
    }

    #[test]
    fn missing_selector_reads_like_kube() {
        let d = deployment(
            json!({"template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}),
        );
        let e = ApiError::invalid("apps", "Deployment", "web", &validate_deployment(&d));
        assert_eq!(
            e.message,
            r#"Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`]"#
        );
        assert_eq!(e.code, 422);
    }

    #[test]
    fn template_errors_carry_the_template_path() {
        let d = deployment(
            json!({"selector": {"matchLabels": {"app": "web"}}, "template": web_template(""), "replicas": -1}),
        );
        assert_eq!(
            msgs(&validate_deployment(&d)),
            vec![
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                "spec.template.spec.containers[0].image: Required value",
            ]
        );
    }

    #[test]
    fn strategy_rules() {
        let d = deployment(
            json!({"selector": {"matchLabels": {"app": "web"}}, "template": web_template("nginx"),
            "strategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": "abc"}}}),
        );
        assert_eq!(
            msgs(&validate_deployment(&d)),
            vec![
                "spec.strategy.rollingUpdate.maxSurge: Invalid value: abc: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0",
            ]
        );
        let d = deployment(
            json!({"selector": {"matchLabels": {"app": "web"}}, "template": web_template("nginx"),
            "strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}}),
        );
        assert_eq!(
            msgs(&validate_deployment(&d)),
            vec![
                "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"
            ]
        );
    }

    #[test]
    fn selector_is_immutable() {
        let old = deployment(
            json!({"selector": {"matchLabels": {"app": "web"}}, "template": web_template("nginx")}),
        );
        let mut new = old.clone();
        new["spec"]["selector"] = json!({"matchLabels": {"app": "web", "v": "2"}});
        new["spec"]["template"]["metadata"]["labels"]["v"] = json!("2");
        assert_eq!(
            msgs(&validate_deployment_update(&new, &old)),
            vec![
                r#"spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#
            ]
        );
    }

    #[test]
    fn replica_set_restart_policy_must_be_always() {
        let mut rs = json!({"metadata": {"name": "rs", "namespace": "default"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}});
        crate::defaulting::apply("apps", "v1", "replicasets", &mut rs);
        assert_eq!(
            msgs(&validate_replica_set(&rs)),
            vec![
                r#"spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always""#
            ]
        );
    }

    #[test]
    fn stateful_set_rules() {
        let mut s = json!({"metadata": {"name": "web", "namespace": "default", "resourceVersion": "1"}, "spec": {"serviceName": "web",
            "selector": {"matchLabels": {"app": "web"}}, "podManagementPolicy": "Whatever",
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "x",
                "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]}});
        crate::defaulting::apply("apps", "v1", "statefulsets", &mut s);
        assert_eq!(
            msgs(&validate_stateful_set(&s)),
            vec![
                r#"spec.podManagementPolicy: Invalid value: "Whatever": must be 'OrderedReady' or 'Parallel'"#
            ]
        );
        s["spec"]["podManagementPolicy"] = json!("Parallel");
        let old = s.clone();
        s["spec"]["serviceName"] = json!("other");
        s["spec"]["replicas"] = json!(3);
        assert_eq!(
            msgs(&validate_stateful_set_update(&s, &old)),
            vec![
                "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
            ]
        );
    }

    #[test]
    fn daemon_set_rules() {
        let mut d = json!({"metadata": {"name": "ds", "namespace": "kube-system"}, "spec": {
            "selector": {"matchLabels": {"app": "a"}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}},
            "template": {"metadata": {"labels": {"app": "b"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}});
        crate::defaulting::apply("apps", "v1", "daemonsets", &mut d);
        assert_eq!(
            msgs(&validate_daemon_set(&d)),
            vec![
                r#"spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`"#,
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0",
            ]
        );
    }
}
