//! Pod and PodSpec defaults (`SetDefaults_Pod`, `SetDefaults_PodSpec`, `SetDefaults_Container`,
//! probes, handlers, volumes, ports, env `fieldRef`s and resource lists), the part every
//! workload template shares, plus what a new Pod gets on create (`Pending`, its QoS class).

use serde_json::{Map, Value, json};

use super::util::{
    default, default_str, each_mut, existing_mut, obj_mut, path_mut, unset, unset_str,
};
use crate::validation::quantity::Quantity;

/// `DefaultTerminationGracePeriodSeconds`.
const TERMINATION_GRACE_PERIOD: i64 = 30;
/// Volume file modes default to 0644.
const DEFAULT_MODE: i64 = 0o644;

/// A Pod: the PodSpec defaults and the Pod-only ones (requests from limits,
/// `enableServiceLinks`, host ports on the host network).
pub fn pod(obj: &mut Value) {
    let Some(spec) = path_mut(obj, &["spec"]) else {
        return;
    };
    for key in ["containers", "initContainers"] {
        each_mut(spec, key, requests_from_limits);
    }
    default(spec, "enableServiceLinks", json!(true));
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for key in ["containers", "initContainers"] {
            each_mut(spec, key, |c| {
                each_mut(c, "ports", |p| {
                    let host = p.get("hostPort").and_then(Value::as_i64).unwrap_or(0);
                    if host == 0
                        && let Some(cp) = p.get("containerPort").cloned()
                    {
                        p.insert("hostPort".into(), cp);
                    }
                })
            });
        }
    }
    pod_spec(spec);
}

/// Defaults the PodTemplateSpec at `path` of `obj` (a workload's `spec.template`).
pub fn template_at(obj: &mut Value, path: &[&str]) {
    if let Some(template) = path_mut(obj, path)
        && let Some(spec) = existing_mut(template, "spec")
    {
        pod_spec(spec);
    }
}

/// Limits without a request give the request (only for Pods, not templates).
fn requests_from_limits(c: &mut Map<String, Value>) {
    let Some(resources) = existing_mut(c, "resources") else {
        return;
    };
    let Some(limits) = resources.get("limits").and_then(Value::as_object).cloned() else {
        return;
    };
    if let Some(requests) = obj_mut(resources, "requests") {
        for (k, v) in limits {
            requests.entry(k).or_insert(v);
        }
    }
}

/// `SetDefaults_PodSpec` and everything the generated defaulter runs inside a PodSpec.
pub fn pod_spec(spec: &mut Map<String, Value>) {
    default_str(spec, "dnsPolicy", "ClusterFirst");
    default_str(spec, "restartPolicy", "Always");
    default(spec, "securityContext", json!({}));
    default(
        spec,
        "terminationGracePeriodSeconds",
        json!(TERMINATION_GRACE_PERIOD),
    );
    default_str(spec, "schedulerName", "default-scheduler");
    for key in ["containers", "initContainers", "ephemeralContainers"] {
        each_mut(spec, key, container);
    }
    each_mut(spec, "volumes", volume);
    if let Some(overhead) = existing_mut(spec, "overhead") {
        resource_list(overhead);
    }
    if let Some(resources) = existing_mut(spec, "resources") {
        resource_requirements(resources);
    }
}

/// `SetDefaults_Container` with its ports, env, probes, lifecycle handlers and resources.
fn container(c: &mut Map<String, Value>) {
    if unset_str(c, "imagePullPolicy") {
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        let policy = image_pull_policy(image);
        c.insert("imagePullPolicy".into(), json!(policy));
    }
    default_str(c, "terminationMessagePath", "/dev/termination-log");
    default_str(c, "terminationMessagePolicy", "File");
    each_mut(c, "ports", |p| default_str(p, "protocol", "TCP"));
    each_mut(c, "env", |e| {
        if let Some(value_from) = existing_mut(e, "valueFrom")
            && let Some(field_ref) = existing_mut(value_from, "fieldRef")
        {
            default_str(field_ref, "apiVersion", "v1");
        }
    });
    for probe_key in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = existing_mut(c, probe_key) {
            probe(p);
        }
    }
    if let Some(lifecycle) = existing_mut(c, "lifecycle") {
        for hook in ["postStart", "preStop"] {
            if let Some(h) = existing_mut(lifecycle, hook) {
                handler(h);
            }
        }
    }
    if let Some(resources) = existing_mut(c, "resources") {
        resource_requirements(resources);
    }
}

/// The pull policy kube picks for an image without one: `Always` for `:latest` or no tag
/// (and no digest), `IfNotPresent` otherwise, including for a name that does not parse.
pub fn image_pull_policy(image: &str) -> &'static str {
    match image_tag(image) {
        Some(tag) if tag == "latest" => "Always",
        _ => "IfNotPresent",
    }
}

/// The tag of an image reference as `parsers.ParseImageName` reports it: the explicit tag,
/// `latest` when there is neither tag nor digest, `None` when there is only a digest or the
/// reference does not parse.
fn image_tag(image: &str) -> Option<String> {
    if image.is_empty() || image.chars().any(char::is_whitespace) {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    if !valid_repository(repo) {
        return None;
    }
    match (tag, digest) {
        (Some(t), _) if valid_tag(t) => Some(t.to_string()),
        (Some(_), _) | (None, Some(_)) => None,
        (None, None) => Some("latest".to_string()),
    }
}

/// A docker repository name: an optional domain, then lowercase path components.
fn valid_repository(repo: &str) -> bool {
    let mut parts: Vec<&str> = repo.split('/').collect();
    if parts.len() > 1 {
        let first = parts[0];
        if first.contains(['.', ':'])
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase())
        {
            parts.remove(0);
        }
    }
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    !parts.is_empty()
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
                && edge(p.as_bytes().first())
                && edge(p.as_bytes().last())
        })
}

/// `[\w][\w.-]{0,127}`
fn valid_tag(tag: &str) -> bool {
    tag.len() <= 128
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        && tag
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// `SetDefaults_Probe` and the defaults of its handler.
fn probe(p: &mut Map<String, Value>) {
    for (key, value) in [
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ] {
        // Zero counts as unset for these non-pointer ints.
        if p.get(key).and_then(Value::as_i64).unwrap_or(0) == 0 {
            p.insert(key.into(), json!(value));
        }
    }
    handler(p);
}

/// `httpGet` path `/` and scheme `HTTP`; a `grpc` service of `""`.
fn handler(h: &mut Map<String, Value>) {
    if let Some(get) = existing_mut(h, "httpGet") {
        default_str(get, "path", "/");
        default_str(get, "scheme", "HTTP");
    }
    if let Some(grpc) = existing_mut(h, "grpc") {
        default(grpc, "service", json!(""));
    }
}

/// Every volume source field of `VolumeSource`.
pub const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

/// `SetDefaults_Volume` and the per-source defaults.
fn volume(v: &mut Map<String, Value>) {
    if VOLUME_SOURCES.iter().all(|k| unset(v, k)) {
        v.insert("emptyDir".into(), json!({}));
    }
    if let Some(s) = existing_mut(v, "hostPath") {
        default(s, "type", json!(""));
    }
    for key in ["secret", "configMap"] {
        if let Some(s) = existing_mut(v, key) {
            default(s, "defaultMode", json!(DEFAULT_MODE));
        }
    }
    if let Some(s) = existing_mut(v, "downwardAPI") {
        default(s, "defaultMode", json!(DEFAULT_MODE));
        downward_items(s);
    }
    if let Some(s) = existing_mut(v, "projected") {
        default(s, "defaultMode", json!(DEFAULT_MODE));
        each_mut(s, "sources", |src| {
            if let Some(d) = existing_mut(src, "downwardAPI") {
                downward_items(d);
            }
            if let Some(t) = existing_mut(src, "serviceAccountToken") {
                default(t, "expirationSeconds", json!(3600));
            }
        });
    }
    if let Some(s) = existing_mut(v, "iscsi") {
        default_str(s, "iscsiInterface", "default");
    }
    if let Some(s) = existing_mut(v, "rbd") {
        default_str(s, "pool", "rbd");
        default_str(s, "user", "admin");
        default_str(s, "keyring", "/etc/ceph/keyring");
    }
    if let Some(s) = existing_mut(v, "azureDisk") {
        default(s, "cachingMode", json!("ReadWrite"));
        default(s, "fsType", json!("ext4"));
        default(s, "readOnly", json!(false));
        default(s, "kind", json!("Shared"));
    }
    if let Some(s) = existing_mut(v, "scaleIO") {
        default_str(s, "storageMode", "ThinProvisioned");
        default_str(s, "fsType", "xfs");
    }
    if let Some(s) = existing_mut(v, "ephemeral")
        && let Some(t) = existing_mut(s, "volumeClaimTemplate")
        && let Some(spec) = existing_mut(t, "spec")
    {
        pvc_spec(spec);
    }
    if let Some(s) = existing_mut(v, "image")
        && unset_str(s, "pullPolicy")
    {
        let reference = s.get("reference").and_then(Value::as_str).unwrap_or("");
        let policy = image_pull_policy(reference);
        s.insert("pullPolicy".into(), json!(policy));
    }
}

fn downward_items(d: &mut Map<String, Value>) {
    each_mut(d, "items", |item| {
        if let Some(f) = existing_mut(item, "fieldRef") {
            default_str(f, "apiVersion", "v1");
        }
    });
}

/// `SetDefaults_PersistentVolumeClaimSpec`: `volumeMode: Filesystem`.
pub fn pvc_spec(spec: &mut Map<String, Value>) {
    default(spec, "volumeMode", json!("Filesystem"));
    if let Some(resources) = existing_mut(spec, "resources") {
        resource_requirements(resources);
    }
}

fn resource_requirements(r: &mut Map<String, Value>) {
    for key in ["limits", "requests"] {
        if let Some(list) = existing_mut(r, key) {
            resource_list(list);
        }
    }
}

/// `SetDefaults_ResourceList`: every quantity rounded up to milli-units, stored in canonical
/// form (`0.5` → `500m`). Unparseable values are left for the decoder to refuse.
pub fn resource_list(list: &mut Map<String, Value>) {
    for v in list.values_mut() {
        if let Some(q) = Quantity::from_value(v) {
            *v = json!(q.round_up(-3).canonical());
        }
    }
}

/// A new Pod's status: `Pending` with its QoS class (the strategy's `PrepareForCreate`).
pub fn prepare_pod_for_create(obj: &mut Value) {
    let qos = qos_class(obj);
    if let Some(o) = obj.as_object_mut() {
        o.insert(
            "status".into(),
            json!({"phase": "Pending", "qosClass": qos}),
        );
    }
}

/// The QoS class of a Pod (`qos.GetPodQOS`): `Guaranteed` when every container limits cpu and
/// memory and requests equal limits, `BestEffort` when nothing asks for cpu or memory,
/// `Burstable` otherwise.
pub fn qos_class(pod: &Value) -> &'static str {
    let spec = &pod["spec"];
    let containers: Vec<&Value> = ["containers", "initContainers"]
        .iter()
        .flat_map(|k| spec[*k].as_array().map_or(&[][..], Vec::as_slice))
        .collect();
    let compute = |v: &Value| -> Vec<(String, Quantity)> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| *k == "cpu" || *k == "memory")
                    .filter_map(|(k, q)| Quantity::from_value(q).map(|q| (k.clone(), q)))
                    .filter(|(_, q)| q.nanos != 0)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        let requests = compute(&c["resources"]["requests"]);
        let limits = compute(&c["resources"]["limits"]);
        any |= !requests.is_empty() || !limits.is_empty();
        if limits.len() < 2 {
            guaranteed = false;
        }
        for (k, rq) in &requests {
            let limit = limits.iter().find(|(lk, _)| lk == k).map(|(_, l)| l.nanos);
            if limit != Some(rq.nanos) {
                guaranteed = false;
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(image_pull_policy("nginx"), "Always");
        assert_eq!(image_pull_policy("nginx:latest"), "Always");
        assert_eq!(image_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(image_pull_policy("localhost:5000/app"), "Always");
        assert_eq!(image_pull_policy("localhost:5000/app:v1"), "IfNotPresent");
        assert_eq!(
            image_pull_policy("registry.k8s.io/pause@sha256:abcd"),
            "IfNotPresent"
        );
        assert_eq!(image_pull_policy("busybox:latest@sha256:abcd"), "Always");
        // Names that do not parse get IfNotPresent (the tag is empty).
        assert_eq!(image_pull_policy("NGINX"), "IfNotPresent");
        assert_eq!(image_pull_policy(""), "IfNotPresent");
    }

    #[test]
    fn a_bare_pod_gets_kube_defaults() {
        let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36",
                "ports": [{"containerPort": 80}],
                "livenessProbe": {"httpGet": {"port": 80}},
                "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                "resources": {"limits": {"cpu": "0.5", "memory": "128Mi"}}}],
                "volumes": [{"name": "v"}, {"name": "s", "secret": {"secretName": "x"}}]}});
        pod(&mut p);
        let spec = &p["spec"];
        assert_eq!(spec["restartPolicy"], "Always");
        assert_eq!(spec["dnsPolicy"], "ClusterFirst");
        assert_eq!(spec["schedulerName"], "default-scheduler");
        assert_eq!(spec["terminationGracePeriodSeconds"], 30);
        assert_eq!(spec["securityContext"], json!({}));
        assert_eq!(spec["enableServiceLinks"], true);
        let c = &spec["containers"][0];
        assert_eq!(c["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
        assert_eq!(c["terminationMessagePolicy"], "File");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(
            c["livenessProbe"],
            json!({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})
        );
        assert_eq!(c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], "v1");
        assert_eq!(
            c["resources"],
            json!({"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "500m", "memory": "128Mi"}})
        );
        assert_eq!(spec["volumes"][0], json!({"name": "v", "emptyDir": {}}));
        assert_eq!(spec["volumes"][1]["secret"]["defaultMode"], 420);
        assert_eq!(qos_class(&p), "Guaranteed");
    }

    #[test]
    fn host_network_copies_container_ports() {
        let mut p = json!({"spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 8080}]}]}});
        pod(&mut p);
        assert_eq!(p["spec"]["containers"][0]["ports"][0]["hostPort"], 8080);
    }

    #[test]
    fn explicit_values_are_kept() {
        let mut p = json!({"spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Never"}]}});
        pod(&mut p);
        assert_eq!(p["spec"]["restartPolicy"], "Never");
        assert_eq!(p["spec"]["terminationGracePeriodSeconds"], 0);
        assert_eq!(p["spec"]["containers"][0]["imagePullPolicy"], "Never");
    }

    #[test]
    fn qos_classes() {
        let best = json!({"spec": {"containers": [{"name": "c"}]}});
        assert_eq!(qos_class(&best), "BestEffort");
        let burst = json!({"spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "100m"}}}]}});
        assert_eq!(qos_class(&burst), "Burstable");
    }
}
