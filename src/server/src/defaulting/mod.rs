//! Defaulting of built-in objects, as kube-apiserver's scheme defaulters (`SetDefaults_*` in
//! `pkg/apis/*/v1/defaults.go` plus the declarative `+default` markers) fill in what a client
//! left out, so that a stored Deployment reads exactly as kube-apiserver would store it.
//!
//! - [`apply`] runs on every decoded write (create, update, patch result), like kube's
//!   conversion-time defaulting. It never overwrites a value the client set.
//! - [`prepare_for_create`] is the strategies' `PrepareForCreate` work that depends on system
//!   metadata (a Job's generated selector needs the uid; a Pod starts `Pending`); call it after
//!   the uid is filled in and before validation.
//! - [`assign_service_addresses`], [`allocate_cluster_ip`] and [`allocate_node_port`] are the
//!   Service REST storage's allocators (cluster IPs from `10.96.0.0/12`, node ports from
//!   `30000-32767`), for the server to call on create with the addresses already in use.

mod alloc;
mod core;
mod pod;
mod util;
mod workloads;

use serde_json::Value;

pub use alloc::{
    KUBERNETES_SERVICE_IP, NODE_PORT_RANGE, SERVICE_CIDR, allocate_cluster_ip, allocate_node_port,
    assign_service_addresses,
};
pub use pod::{VOLUME_SOURCES, image_pull_policy, qos_class};

/// Applies kube-apiserver's defaults for `group`/`resource` to `obj` in place. Resources
/// without defaults are left untouched. `version` is accepted for symmetry with validation;
/// every defaulter here is for the one served version.
pub fn apply(group: &str, version: &str, resource: &str, obj: &mut Value) {
    let _ = version;
    match (group, resource) {
        ("", "pods") => pod::pod(obj),
        ("", "podtemplates") => pod::template_at(obj, &["template"]),
        ("", "replicationcontrollers") => workloads::replication_controller(obj),
        ("", "services") => core::service(obj),
        ("", "namespaces") => core::namespace(obj),
        ("", "secrets") => core::secret(obj),
        ("", "nodes") => core::node(obj),
        ("", "endpoints") => core::endpoints(obj),
        ("", "persistentvolumes") => core::persistent_volume(obj),
        ("", "persistentvolumeclaims") => core::persistent_volume_claim(obj),
        ("", "limitranges") => core::limit_range(obj),
        ("apps", "deployments") => workloads::deployment(obj),
        ("apps", "replicasets") => workloads::replica_set(obj),
        ("apps", "statefulsets") => workloads::stateful_set(obj),
        ("apps", "daemonsets") => workloads::daemon_set(obj),
        ("apps", "controllerrevisions") => {}
        ("batch", "jobs") => workloads::job(obj),
        ("batch", "cronjobs") => workloads::cron_job(obj),
        ("apiextensions.k8s.io", "customresourcedefinitions") => custom_resource_definition(obj),
        _ => {}
    }
}

/// apiextensions.k8s.io/v1's defaults of a CRD: its singular name and list kind from its kind,
/// conversion `None`, and port 443 for a conversion webhook's service.
fn custom_resource_definition(obj: &mut Value) {
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(names) = spec.get_mut("names").and_then(Value::as_object_mut) {
        let kind = names
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let empty = |v: Option<&Value>| v.and_then(Value::as_str).is_none_or(str::is_empty);
        if empty(names.get("singular")) {
            names.insert("singular".into(), Value::from(kind.to_lowercase()));
        }
        if empty(names.get("listKind")) && !kind.is_empty() {
            names.insert("listKind".into(), Value::from(format!("{kind}List")));
        }
    }
    let conversion = spec
        .entry("conversion")
        .or_insert_with(|| serde_json::json!({"strategy": "None"}));
    if let Some(service) = conversion.pointer_mut("/webhook/clientConfig/service")
        && let Some(service) = service.as_object_mut()
    {
        service.entry("port").or_insert(Value::from(443));
    }
}

/// The create-time preparation of the strategies that depends on the uid and name being set:
/// a Job's generated selector and template labels (unless `manualSelector`), a new Pod's
/// `Pending` status and QoS class, the empty status of new workloads.
pub fn prepare_for_create(group: &str, resource: &str, obj: &mut Value) {
    match (group, resource) {
        ("", "pods") => pod::prepare_pod_for_create(obj),
        ("batch", "jobs") => workloads::generate_job_selector(obj),
        _ => {}
    }
}
