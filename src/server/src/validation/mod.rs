//! Validation of objects on create and update, with kube-apiserver 1.36's rules and messages.
//!
//! Start with [`validate`], the one entry point the registry calls: it runs what kube's generic
//! registry runs around a resource's strategy (`rest.BeforeCreate` / `rest.BeforeUpdate`) plus
//! the strategy's own `Validate` / `ValidateUpdate` for the built-ins we know:
//!
//! - create: the strategy's errors; only when there are none, the generic metadata check
//!   (names that are URL path segments). Known built-ins check their own name rule first.
//! - update: the generic metadata checks (create rules plus immutable fields), then the
//!   strategy's update errors, all together. Duplicates are possible, as upstream; the
//!   aggregated `Status` message is expected to show each message once (as Go's
//!   `ErrorList.ToAggregate` does) while `details.causes` keeps them all.
//!
//! Unknown resources (CRs, bound resources, built-ins without rules here) get the metadata
//! rules with DNS-subdomain names, as the custom resource strategy does. Schema validation is
//! another module's job.
//!
//! The single name checks ([`names`]) are public for other modules (CRD names, workspace names).
//! Workloads (Pods, PodTemplates, Services, apps/v1 and batch/v1 controllers) expect objects
//! already defaulted by [`crate::defaulting::apply`], as kube validates after defaulting.

mod apps;
mod batch;
mod coordination;
mod core;
mod events;
mod json;
pub mod meta;
pub mod names;
mod pod;
pub mod quantity;
mod rbac;
mod selector;
mod service;

use serde_json::Value;

pub use events::EventApi;
pub use meta::prepare_for_update;
pub use names::{
    NameFn, is_config_map_key, is_dns1035_label, is_dns1123_label, is_dns1123_subdomain,
    is_fully_qualified_name, is_path_segment_name, is_path_segment_prefix, is_qualified_name,
    is_valid_label_value, name_is_dns_label, name_is_dns_subdomain, name_is_dns1035_label,
    validate_path_segment_name,
};

use crate::errors::{FieldError, FieldPath};

/// The per-resource rules of a strategy: create and update.
struct Strategy {
    create: fn(&Value) -> Vec<FieldError>,
    update: fn(&Value, &Value) -> Vec<FieldError>,
}

fn core_event_create(obj: &Value) -> Vec<FieldError> {
    events::validate_event(obj, EventApi::CoreV1)
}
fn core_event_update(new: &Value, old: &Value) -> Vec<FieldError> {
    events::validate_event_update(new, old, EventApi::CoreV1)
}
fn events_v1_create(obj: &Value) -> Vec<FieldError> {
    events::validate_event(obj, EventApi::EventsV1)
}
fn events_v1_update(new: &Value, old: &Value) -> Vec<FieldError> {
    events::validate_event_update(new, old, EventApi::EventsV1)
}

/// The strategy of a built-in resource we have rules for, and whether it is namespaced.
fn builtin_strategy(group: &str, resource: &str) -> Option<(Strategy, bool)> {
    let s = |create, update| Strategy { create, update };
    Some(match (group, resource) {
        ("", "namespaces") => (
            s(core::validate_namespace, core::validate_namespace_update),
            false,
        ),
        ("", "configmaps") => (
            s(core::validate_config_map, core::validate_config_map_update),
            true,
        ),
        ("", "secrets") => (s(core::validate_secret, core::validate_secret_update), true),
        ("", "serviceaccounts") => (
            s(
                core::validate_service_account,
                core::validate_service_account_update,
            ),
            true,
        ),
        ("", "events") => (s(core_event_create, core_event_update), true),
        ("", "pods") => (s(pod::validate_pod, pod::validate_pod_update), true),
        ("", "podtemplates") => (
            s(
                pod::validate_pod_template,
                pod::validate_pod_template_update,
            ),
            true,
        ),
        ("", "services") => (
            s(service::validate_service, service::validate_service_update),
            true,
        ),
        ("apps", "deployments") => (
            s(apps::validate_deployment, apps::validate_deployment_update),
            true,
        ),
        ("apps", "replicasets") => (
            s(
                apps::validate_replica_set,
                apps::validate_replica_set_update,
            ),
            true,
        ),
        ("apps", "statefulsets") => (
            s(
                apps::validate_stateful_set,
                apps::validate_stateful_set_update,
            ),
            true,
        ),
        ("apps", "daemonsets") => (
            s(apps::validate_daemon_set, apps::validate_daemon_set_update),
            true,
        ),
        ("batch", "jobs") => (s(batch::validate_job, batch::validate_job_update), true),
        ("batch", "cronjobs") => (
            s(batch::validate_cron_job, batch::validate_cron_job_update),
            true,
        ),
        ("events.k8s.io", "events") => (s(events_v1_create, events_v1_update), true),
        ("coordination.k8s.io", "leases") => (
            s(
                coordination::validate_lease,
                coordination::validate_lease_update,
            ),
            true,
        ),
        ("rbac.authorization.k8s.io", "roles") => {
            (s(rbac::validate_role, rbac::validate_role_update), true)
        }
        ("rbac.authorization.k8s.io", "clusterroles") => (
            s(
                rbac::validate_cluster_role,
                rbac::validate_cluster_role_update,
            ),
            false,
        ),
        ("rbac.authorization.k8s.io", "rolebindings") => (
            s(
                rbac::validate_role_binding,
                rbac::validate_role_binding_update,
            ),
            true,
        ),
        ("rbac.authorization.k8s.io", "clusterrolebindings") => (
            s(
                rbac::validate_cluster_role_binding,
                rbac::validate_cluster_role_binding_update,
            ),
            false,
        ),
        _ => return None,
    })
}

/// Validates `obj` for a create (`old` is `None`) or an update of `old`, returning every field
/// error kube-apiserver would report (empty when the object is valid).
///
/// `obj` is expected as the registry holds it just before storing: defaults applied, a
/// generated name filled in, and on update the resourceVersion set (kube fills it in for an
/// unconditional update before validating). On update the carried-over metadata of
/// [`prepare_for_update`] is applied to a copy here as well, so calling that first is optional.
/// `version` is unused today (every rule here is version-independent once converted) but kept
/// so versioned rules need no new signature.
pub fn validate(
    group: &str,
    version: &str,
    resource: &str,
    namespaced: bool,
    obj: &Value,
    old: Option<&Value>,
) -> Vec<FieldError> {
    let _ = version;
    let metadata = FieldPath::new("metadata");
    let (Strategy { create, update }, namespaced) = builtin_strategy(group, resource)
        .unwrap_or_else(|| {
            let custom = Strategy {
                create: custom_resource_create_for(namespaced),
                update: custom_resource_update,
            };
            (custom, namespaced)
        });
    match old {
        None => {
            let errs = create(obj);
            if !errs.is_empty() {
                return errs;
            }
            meta::validate_object_meta(obj, namespaced, validate_path_segment_name, &metadata)
        }
        Some(old) => {
            let mut prepared = obj.clone();
            prepare_for_update(&mut prepared, old);
            let mut errs = meta::validate_object_meta(
                &prepared,
                namespaced,
                validate_path_segment_name,
                &metadata,
            );
            errs.extend(meta::validate_object_meta_update(&prepared, old, &metadata));
            errs.extend(update(&prepared, old));
            errs
        }
    }
}

/// The custom resource strategy's metadata rule: DNS-subdomain names.
fn custom_resource_create_for(namespaced: bool) -> fn(&Value) -> Vec<FieldError> {
    fn namespaced_cr(obj: &Value) -> Vec<FieldError> {
        meta::validate_object_meta(
            obj,
            true,
            name_is_dns_subdomain,
            &FieldPath::new("metadata"),
        )
    }
    fn cluster_cr(obj: &Value) -> Vec<FieldError> {
        meta::validate_object_meta(
            obj,
            false,
            name_is_dns_subdomain,
            &FieldPath::new("metadata"),
        )
    }
    if namespaced {
        namespaced_cr
    } else {
        cluster_cr
    }
}

/// The custom resource strategy's update rule: the metadata update checks.
fn custom_resource_update(new: &Value, old: &Value) -> Vec<FieldError> {
    meta::validate_object_meta_update(new, old, &FieldPath::new("metadata"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::ApiError;
    use serde_json::json;

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn configmap_with_bad_name_reads_like_kube() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Foo", "namespace": "default"}});
        let errs = validate("", "v1", "configmaps", true, &cm, None);
        let e = ApiError::invalid("", "ConfigMap", "Foo", &errs);
        assert_eq!(
            e.message,
            r#"ConfigMap "Foo" is invalid: metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
        );
    }

    #[test]
    fn name_required_on_create() {
        let cm = json!({"metadata": {"namespace": "default"}});
        assert_eq!(
            msgs(&validate("", "v1", "configmaps", true, &cm, None)),
            vec!["metadata.name: Required value: name or generateName is required"]
        );
    }

    #[test]
    fn generic_check_runs_only_after_strategy_passes() {
        // Core events only get the legacy checks; the generic one then rejects a '/' name.
        let ev = json!({"metadata": {"name": "a/b", "namespace": "default"}, "involvedObject": {"namespace": "default"}});
        assert_eq!(
            msgs(&validate("", "v1", "events", true, &ev, None)),
            vec![r#"metadata.name: Invalid value: "a/b": may not contain '/'"#]
        );
        // A name the DNS rule accepts passes the generic rule too.
        let ev = json!({"metadata": {"name": "Upper_Case", "namespace": "default"}, "involvedObject": {"namespace": "default"}});
        assert!(validate("", "v1", "events", true, &ev, None).is_empty());
    }

    #[test]
    fn unknown_resources_get_dns_subdomain_names() {
        let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w_1", "namespace": "default"}});
        let got = msgs(&validate("example.com", "v1", "widgets", true, &cr, None));
        assert_eq!(got.len(), 1);
        assert!(
            got[0].starts_with(
                r#"metadata.name: Invalid value: "w_1": a lowercase RFC 1123 subdomain"#
            )
        );
        let cluster = json!({"metadata": {"name": "w", "namespace": "default"}});
        assert_eq!(
            msgs(&validate(
                "example.com",
                "v1",
                "widgets",
                false,
                &cluster,
                None
            )),
            vec!["metadata.namespace: Forbidden: not allowed on this type"]
        );
    }

    #[test]
    fn update_combines_generic_and_strategy_errors() {
        let old = json!({"metadata": {"name": "cm", "namespace": "default", "uid": "u", "resourceVersion": "7", "creationTimestamp": "2024-01-01T00:00:00Z"}, "immutable": true, "data": {"a": "1"}});
        // The client drops uid and creationTimestamp: kube carries them over, no error.
        let new = json!({"metadata": {"name": "cm", "namespace": "default", "resourceVersion": "7", "labels": {"x": "-"}}, "immutable": true, "data": {"a": "2"}});
        let got = msgs(&validate("", "v1", "configmaps", true, &new, Some(&old)));
        let label_err = got
            .iter()
            .filter(|m| m.starts_with(r#"metadata.labels: Invalid value: "-""#))
            .count();
        // Reported by the generic create and update rules, and by the strategy's update and
        // create rules (ValidateConfigMapUpdate runs ValidateConfigMap again).
        assert_eq!(label_err, 4);
        assert!(
            got.contains(
                &"data: Forbidden: field is immutable when `immutable` is set".to_string()
            )
        );
        assert!(
            !got.iter()
                .any(|m| m.contains("uid") || m.contains("creationTimestamp"))
        );
    }

    #[test]
    fn update_rejects_a_changed_uid() {
        let old = json!({"metadata": {"name": "ns1", "uid": "u1", "resourceVersion": "1"}});
        let new = json!({"metadata": {"name": "ns1", "uid": "u2", "resourceVersion": "1"}});
        let got = msgs(&validate("", "v1", "namespaces", false, &new, Some(&old)));
        assert_eq!(
            got,
            vec![
                r#"metadata.uid: Invalid value: "u2": field is immutable"#,
                r#"metadata.uid: Invalid value: "u2": field is immutable"#,
            ]
        );
        let e = ApiError::invalid(
            "",
            "Namespace",
            "ns1",
            &validate("", "v1", "namespaces", false, &new, Some(&old)),
        );
        assert_eq!(
            e.to_status()["details"]["causes"].as_array().map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn known_resources_use_their_own_scope() {
        // The caller's scope flag does not override what the built-in is.
        let ns = json!({"metadata": {"name": "team-a"}});
        assert!(validate("", "v1", "namespaces", true, &ns, None).is_empty());
    }

    #[test]
    fn rbac_and_leases_through_the_entry_point() {
        let cr = json!({"metadata": {"name": "system:aggregate-to-view"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": []}]});
        assert_eq!(
            msgs(&validate(
                "rbac.authorization.k8s.io",
                "v1",
                "clusterroles",
                false,
                &cr,
                None
            )),
            vec!["rules[0].verbs: Required value: verbs must contain at least one value"]
        );
        let lease = json!({"metadata": {"name": "l", "namespace": "kube-node-lease"}, "spec": {"leaseDurationSeconds": 40}});
        assert!(validate("coordination.k8s.io", "v1", "leases", true, &lease, None).is_empty());
    }
}
