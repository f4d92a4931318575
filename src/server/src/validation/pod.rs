//! Pods, PodTemplates and the PodTemplateSpec inside every workload, as
//! `pkg/apis/core/validation` (`ValidatePodCreate`, `ValidatePodSpec`,
//! `ValidatePodTemplateSpec`): containers (names, images, ports, env, mounts, probes, pull and
//! termination-message policies, resources), volumes, restart and DNS policies, and the
//! scalar fields of the spec, with kube's messages and field paths.
//!
//! The checks run on the defaulted object, so fields kube always defaults (a container's
//! `imagePullPolicy`, a spec's `dnsPolicy`) only fail when a client sends a bad value.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::json::{arr_at, at, i64_at, obj_at, str_at};
use super::meta::{validate_core_object_meta, validate_core_object_meta_update, validate_labels};
use super::names::{
    empty_error, is_config_map_key, is_dns1123_label, is_dns1123_subdomain, is_qualified_name,
    max_len_error, name_is_dns_subdomain,
};
use super::quantity::Quantity;
use crate::errors::{FieldError, FieldPath};

const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const FILE_MODE_ERR: &str = "must be a number between 0 and 0777 (octal), both inclusive";

fn md() -> FieldPath {
    FieldPath::new("metadata")
}

/// `IsValidPortNum`.
pub fn port_num_errors(port: i64) -> Vec<String> {
    if (1..=65535).contains(&port) {
        Vec::new()
    } else {
        vec!["must be between 1 and 65535, inclusive".to_string()]
    }
}

/// `IsValidPortName`.
pub fn port_name_errors(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 15 {
        errs.push(max_len_error(15));
    }
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b == b'-' || b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if name.contains("--") {
        errs.push("must not contain consecutive hyphens (-)".to_string());
    }
    if name.starts_with('-') || name.ends_with('-') {
        errs.push("must not begin or end with a hyphen (-)".to_string());
    }
    errs
}

/// `ValidatePortNumOrName` of an int-or-string port.
pub fn validate_port_num_or_name(v: Option<&Value>, path: &FieldPath) -> Vec<FieldError> {
    match v {
        Some(Value::String(s)) => port_name_errors(s)
            .iter()
            .map(|m| FieldError::invalid(path, s.as_str(), m))
            .collect(),
        Some(Value::Number(n)) => {
            let n = n.as_i64().unwrap_or(0);
            port_num_errors(n)
                .iter()
                .map(|m| FieldError::invalid(path, n, m))
                .collect()
        }
        _ => port_num_errors(0)
            .iter()
            .map(|m| FieldError::invalid(path, 0, m))
            .collect(),
    }
}

/// `ValidateDNS1123Label` of a field.
fn dns_label(value: &str, path: &FieldPath) -> Vec<FieldError> {
    is_dns1123_label(value)
        .iter()
        .map(|m| FieldError::invalid(path, value, m))
        .collect()
}

/// The `pods` strategy's create validation (`ValidatePodCreate`).
pub fn validate_pod(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    let spec_path = FieldPath::new("spec");
    let spec = at(obj, &["spec"]).cloned().unwrap_or(Value::Null);
    errs.extend(validate_pod_spec(&spec, &spec_path, true, &[]));
    // Pod-only: images may not carry surrounding whitespace; ephemeral containers come later.
    for key in ["containers", "initContainers"] {
        for (i, c) in arr_at(&spec, &[key]).iter().enumerate() {
            let image = str_at(c, &["image"]);
            if !image.is_empty() && image.trim() != image {
                errs.push(FieldError::invalid(
                    &spec_path.child(key).index(i).child("image"),
                    image,
                    "must not have leading or trailing whitespace",
                ));
            }
        }
    }
    if !arr_at(&spec, &["ephemeralContainers"]).is_empty() {
        errs.push(FieldError::forbidden(
            &spec_path.child("ephemeralContainers"),
            "cannot be set on create",
        ));
    }
    errs
}

/// The fields of a Pod's spec an update may change (`ValidatePodUpdate`).
const POD_UPDATABLE: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// The `pods` strategy's update validation: the metadata update, the spec again, and a spec
/// that only changes images, the active deadline and added tolerations.
pub fn validate_pod_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    let spec = at(new, &["spec"]).cloned().unwrap_or(Value::Null);
    errs.extend(validate_pod_spec(&spec, &FieldPath::new("spec"), true, &[]));
    // Compare with the mutable fields taken from the old spec.
    let mut mutated = spec.clone();
    let old_spec = at(old, &["spec"]).cloned().unwrap_or(Value::Null);
    if let Some(m) = mutated.as_object_mut() {
        for key in ["containers", "initContainers"] {
            if let (Some(new_cs), Some(old_cs)) = (
                m.get_mut(key).and_then(Value::as_array_mut),
                old_spec.get(key).and_then(Value::as_array),
            ) && new_cs.len() == old_cs.len()
            {
                for (n, o) in new_cs.iter_mut().zip(old_cs) {
                    if let (Some(n), Some(img)) = (n.as_object_mut(), o.get("image")) {
                        n.insert("image".into(), img.clone());
                    }
                    // Resources change through the resize subresource; compare them as-is.
                }
            }
        }
        for key in [
            "activeDeadlineSeconds",
            "tolerations",
            "terminationGracePeriodSeconds",
        ] {
            match old_spec.get(key) {
                Some(v) => {
                    m.insert(key.into(), v.clone());
                }
                None => {
                    m.remove(key);
                }
            }
        }
    }
    if !super::json::semantic_eq(Some(&mutated), Some(&old_spec)) {
        errs.push(FieldError::forbidden(
            &FieldPath::new("spec"),
            &format!("pod updates may not change fields other than {POD_UPDATABLE}"),
        ));
    }
    errs
}

/// The `podtemplates` strategy (`ValidatePodTemplate`).
pub fn validate_pod_template(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    let template = at(obj, &["template"]).cloned().unwrap_or(Value::Null);
    errs.extend(validate_pod_template_spec(
        &template,
        &FieldPath::new("template"),
        &[],
    ));
    errs
}

pub fn validate_pod_template_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    let template = at(new, &["template"]).cloned().unwrap_or(Value::Null);
    errs.extend(validate_pod_template_spec(
        &template,
        &FieldPath::new("template"),
        &[],
    ));
    errs
}

/// `ValidatePodTemplateSpec`: the template's labels (reported at `<path>.labels`, as upstream),
/// annotations and spec. `extra_volumes` are names mounts may use besides the spec's volumes
/// (a StatefulSet's claim templates).
pub fn validate_pod_template_spec(
    template: &Value,
    path: &FieldPath,
    extra_volumes: &[&str],
) -> Vec<FieldError> {
    let mut errs = validate_labels(template, &["metadata", "labels"], &path.child("labels"));
    errs.extend(super::meta::validate_annotations(
        template,
        &path.child("annotations"),
    ));
    let spec = at(template, &["spec"]).cloned().unwrap_or(Value::Null);
    errs.extend(validate_pod_spec(
        &spec,
        &path.child("spec"),
        false,
        extra_volumes,
    ));
    if !arr_at(&spec, &["ephemeralContainers"]).is_empty() {
        errs.push(FieldError::forbidden(
            &path.child("spec").child("ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        ));
    }
    errs
}

/// `ValidatePodSpec`.
pub fn validate_pod_spec(
    spec: &Value,
    path: &FieldPath,
    is_pod: bool,
    extra_volumes: &[&str],
) -> Vec<FieldError> {
    let (volumes, mut errs) = validate_volumes(spec, &path.child("volumes"));
    let mut volume_names: HashSet<String> = volumes;
    volume_names.extend(extra_volumes.iter().map(|s| s.to_string()));
    let grace = i64_at(spec, &["terminationGracePeriodSeconds"]);
    errs.extend(validate_containers(spec, &volume_names, grace, path));
    errs.extend(validate_init_containers(spec, &volume_names, path));
    if at(spec, &["hostNetwork"]).and_then(Value::as_bool) == Some(true) {
        for (i, c) in arr_at(spec, &["containers"]).iter().enumerate() {
            for (j, p) in arr_at(c, &["ports"]).iter().enumerate() {
                let hp = i64_at(p, &["hostPort"]).unwrap_or(0);
                let cp = i64_at(p, &["containerPort"]).unwrap_or(0);
                if (is_pod || hp != 0) && hp != cp {
                    errs.push(FieldError::invalid(
                        &path
                            .child("containers")
                            .index(i)
                            .child("ports")
                            .index(j)
                            .child("hostPort"),
                        hp,
                        "must match `containerPort` when `hostNetwork` is true",
                    ));
                }
            }
        }
    }
    errs.extend(one_of(
        str_at(spec, &["restartPolicy"]),
        &["Always", "OnFailure", "Never"],
        &path.child("restartPolicy"),
    ));
    errs.extend(one_of(
        str_at(spec, &["dnsPolicy"]),
        &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        &path.child("dnsPolicy"),
    ));
    errs.extend(validate_labels(
        spec,
        &["nodeSelector"],
        &path.child("nodeSelector"),
    ));
    for (key, what) in [
        ("serviceAccountName", "serviceAccountName"),
        ("nodeName", "nodeName"),
        ("priorityClassName", "priorityClassName"),
    ] {
        let v = str_at(spec, &[key]);
        if !v.is_empty() {
            for msg in is_dns1123_subdomain(v) {
                errs.push(FieldError::invalid(&path.child(what), v, &msg));
            }
        }
    }
    if let Some(v) = i64_at(spec, &["activeDeadlineSeconds"])
        && !(1..=2_147_483_647).contains(&v)
    {
        errs.push(FieldError::invalid(
            &path.child("activeDeadlineSeconds"),
            v,
            "must be between 1 and 2147483647, inclusive",
        ));
    }
    for key in ["hostname", "subdomain"] {
        let v = str_at(spec, &[key]);
        if !v.is_empty() {
            errs.extend(dns_label(v, &path.child(key)));
        }
    }
    if let Some(Value::String(rc)) = at(spec, &["runtimeClassName"]) {
        for msg in is_dns1123_subdomain(rc) {
            errs.push(FieldError::invalid(
                &path.child("runtimeClassName"),
                rc.as_str(),
                &msg,
            ));
        }
    }
    if let Some(Value::String(p)) = at(spec, &["preemptionPolicy"]) {
        errs.extend(one_of(
            p,
            &["PreemptLowerPriority", "Never"],
            &path.child("preemptionPolicy"),
        ));
    }
    errs
}

/// An enum field kube always defaults: `Required` when empty, else one of `allowed` in order.
fn one_of(value: &str, allowed: &[&str], path: &FieldPath) -> Vec<FieldError> {
    if value.is_empty() {
        vec![FieldError::required(path, "")]
    } else if !allowed.contains(&value) {
        vec![FieldError::not_supported(path, value, allowed)]
    } else {
        Vec::new()
    }
}

/// `ValidateVolumes`: the names of the valid volumes and the errors.
fn validate_volumes(spec: &Value, path: &FieldPath) -> (HashSet<String>, Vec<FieldError>) {
    let mut names = HashSet::new();
    let mut errs = Vec::new();
    for (i, v) in arr_at(spec, &["volumes"]).iter().enumerate() {
        let vp = path.index(i);
        let mut el = validate_volume_source(v, &vp);
        let name = str_at(v, &["name"]);
        if name.is_empty() {
            el.push(FieldError::required(&vp.child("name"), ""));
        } else {
            el.extend(dns_label(name, &vp.child("name")));
        }
        if names.contains(name) {
            el.push(FieldError::duplicate(&vp.child("name"), name));
        }
        if el.is_empty() {
            names.insert(name.to_string());
        } else {
            errs.extend(el);
        }
    }
    (names, errs)
}

fn validate_volume_source(v: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let set: Vec<&str> = crate::defaulting::VOLUME_SOURCES
        .iter()
        .copied()
        .filter(|k| at(v, &[k]).is_some_and(|x| !x.is_null()))
        .collect();
    if set.is_empty() {
        errs.push(FieldError::required(path, "must specify a volume type"));
    }
    for extra in set.iter().skip(1) {
        errs.push(FieldError::forbidden(
            &path.child(extra),
            "may not specify more than 1 volume type",
        ));
    }
    let mode_ok = |m: Option<i64>| m.is_none_or(|m| (0..=0o777).contains(&m));
    if let Some(s) = at(v, &["secret"]).filter(|s| s.is_object()) {
        let p = path.child("secret");
        if str_at(s, &["secretName"]).is_empty() {
            errs.push(FieldError::required(&p.child("secretName"), ""));
        }
        if !mode_ok(i64_at(s, &["defaultMode"])) {
            errs.push(FieldError::invalid(
                &p.child("defaultMode"),
                i64_at(s, &["defaultMode"]).unwrap_or(0),
                FILE_MODE_ERR,
            ));
        }
    }
    if let Some(s) = at(v, &["configMap"]).filter(|s| s.is_object()) {
        let p = path.child("configMap");
        if str_at(s, &["name"]).is_empty() {
            errs.push(FieldError::required(&p.child("name"), ""));
        }
        if !mode_ok(i64_at(s, &["defaultMode"])) {
            errs.push(FieldError::invalid(
                &p.child("defaultMode"),
                i64_at(s, &["defaultMode"]).unwrap_or(0),
                FILE_MODE_ERR,
            ));
        }
    }
    if let Some(s) = at(v, &["persistentVolumeClaim"]).filter(|s| s.is_object())
        && str_at(s, &["claimName"]).is_empty()
    {
        errs.push(FieldError::required(
            &path.child("persistentVolumeClaim").child("claimName"),
            "",
        ));
    }
    if let Some(s) = at(v, &["hostPath"]).filter(|s| s.is_object())
        && str_at(s, &["path"]).is_empty()
    {
        errs.push(FieldError::required(
            &path.child("hostPath").child("path"),
            "",
        ));
    }
    errs
}

/// `validateContainers`: the regular containers.
fn validate_containers(
    spec: &Value,
    volumes: &HashSet<String>,
    grace: Option<i64>,
    spec_path: &FieldPath,
) -> Vec<FieldError> {
    let path = spec_path.child("containers");
    let containers = arr_at(spec, &["containers"]);
    if containers.is_empty() {
        return vec![FieldError::required(&path, "")];
    }
    let _ = grace;
    let mut errs = Vec::new();
    let mut names = HashSet::new();
    for (i, c) in containers.iter().enumerate() {
        let cp = path.index(i);
        errs.extend(validate_container_common(c, volumes, &cp));
        let name = str_at(c, &["name"]);
        if !names.insert(name) {
            errs.push(FieldError::duplicate(&cp.child("name"), name));
        }
        for (key, liveness_like) in [
            ("livenessProbe", true),
            ("readinessProbe", false),
            ("startupProbe", true),
        ] {
            if let Some(p) = at(c, &[key]).filter(|p| p.is_object()) {
                errs.extend(validate_probe(p, &cp.child(key), liveness_like));
            }
        }
    }
    errs.extend(host_port_conflicts(containers, &path));
    errs
}

/// `validateInitContainers`: the common rules, names unique across both lists.
fn validate_init_containers(
    spec: &Value,
    volumes: &HashSet<String>,
    spec_path: &FieldPath,
) -> Vec<FieldError> {
    let path = spec_path.child("initContainers");
    let mut names: HashSet<&str> = arr_at(spec, &["containers"])
        .iter()
        .map(|c| str_at(c, &["name"]))
        .collect();
    let mut errs = Vec::new();
    let inits = arr_at(spec, &["initContainers"]);
    for (i, c) in inits.iter().enumerate() {
        let cp = path.index(i);
        errs.extend(validate_container_common(c, volumes, &cp));
        let name = str_at(c, &["name"]);
        if !names.insert(name) {
            errs.push(FieldError::duplicate(&cp.child("name"), name));
        }
    }
    errs.extend(host_port_conflicts(inits, &path));
    errs
}

/// `validateContainerCommon`.
fn validate_container_common(
    c: &Value,
    volumes: &HashSet<String>,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = str_at(c, &["name"]);
    if name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    } else {
        errs.extend(dns_label(name, &path.child("name")));
    }
    if str_at(c, &["image"]).is_empty() {
        errs.push(FieldError::required(&path.child("image"), ""));
    }
    errs.extend(one_of(
        str_at(c, &["terminationMessagePolicy"]),
        &["File", "FallbackToLogsOnError"],
        &path.child("terminationMessagePolicy"),
    ));
    errs.extend(validate_container_ports(c, &path.child("ports")));
    errs.extend(validate_env(c, &path.child("env")));
    errs.extend(validate_volume_mounts(
        c,
        volumes,
        &path.child("volumeMounts"),
    ));
    errs.extend(one_of(
        str_at(c, &["imagePullPolicy"]),
        &["Always", "IfNotPresent", "Never"],
        &path.child("imagePullPolicy"),
    ));
    errs.extend(validate_resources(c, &path.child("resources")));
    errs
}

/// `validateContainerPorts`.
fn validate_container_ports(c: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut names = HashSet::new();
    for (i, p) in arr_at(c, &["ports"]).iter().enumerate() {
        let pp = path.index(i);
        let name = str_at(p, &["name"]);
        if !name.is_empty() {
            let msgs = port_name_errors(name);
            if !msgs.is_empty() {
                for m in msgs {
                    errs.push(FieldError::invalid(&pp.child("name"), name, &m));
                }
            } else if !names.insert(name) {
                errs.push(FieldError::duplicate(&pp.child("name"), name));
            }
        }
        match i64_at(p, &["containerPort"]).unwrap_or(0) {
            0 => errs.push(FieldError::required(&pp.child("containerPort"), "")),
            n => {
                for m in port_num_errors(n) {
                    errs.push(FieldError::invalid(&pp.child("containerPort"), n, &m));
                }
            }
        }
        let hp = i64_at(p, &["hostPort"]).unwrap_or(0);
        if hp != 0 {
            for m in port_num_errors(hp) {
                errs.push(FieldError::invalid(&pp.child("hostPort"), hp, &m));
            }
        }
        let proto = str_at(p, &["protocol"]);
        if proto.is_empty() {
            errs.push(FieldError::required(&pp.child("protocol"), ""));
        } else if !PROTOCOLS.contains(&proto) {
            errs.push(FieldError::not_supported(
                &pp.child("protocol"),
                proto,
                PROTOCOLS,
            ));
        }
    }
    errs
}

/// `AccumulateUniqueHostPorts`: one host IP, protocol and port per list.
fn host_port_conflicts(containers: &[Value], path: &FieldPath) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    let mut errs = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        for (j, p) in arr_at(c, &["ports"]).iter().enumerate() {
            let port = i64_at(p, &["hostPort"]).unwrap_or(0);
            if port == 0 {
                continue;
            }
            let key = format!(
                "{}/{}/{}",
                str_at(p, &["hostIP"]),
                str_at(p, &["protocol"]),
                port
            );
            if !seen.insert(key.clone()) {
                errs.push(FieldError::duplicate(
                    &path.index(i).child("ports").index(j).child("hostPort"),
                    key,
                ));
            }
        }
    }
    errs
}

/// `ValidateEnv` with relaxed names (printable ASCII but `=`), and the value sources.
fn validate_env(c: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, e) in arr_at(c, &["env"]).iter().enumerate() {
        let ep = path.index(i);
        let name = str_at(e, &["name"]);
        if name.is_empty() {
            errs.push(FieldError::required(&ep.child("name"), ""));
            errs.push(FieldError::invalid(
                &ep.child("name"),
                name,
                &format!("environment variable name {}", empty_error()),
            ));
        } else if name
            .chars()
            .any(|ch| !(' '..='~').contains(&ch) || ch == '=')
        {
            errs.push(FieldError::invalid(
                &ep.child("name"),
                name,
                "a valid environment variable name must consist only of printable ASCII characters other than '='",
            ));
        }
        let Some(from) = at(e, &["valueFrom"]).filter(|v| v.is_object()) else {
            continue;
        };
        let fp = ep.child("valueFrom");
        let sources = [
            "fieldRef",
            "resourceFieldRef",
            "configMapKeyRef",
            "secretKeyRef",
            "fileKeyRef",
        ];
        let count = sources
            .iter()
            .filter(|k| at(from, &[k]).is_some_and(|v| !v.is_null()))
            .count();
        for key in ["configMapKeyRef", "secretKeyRef"] {
            if let Some(sel) = at(from, &[key]).filter(|v| v.is_object()) {
                let sp = fp.child(key);
                if str_at(sel, &["name"]).is_empty() {
                    errs.push(FieldError::required(&sp.child("name"), ""));
                }
                let k = str_at(sel, &["key"]);
                if k.is_empty() {
                    errs.push(FieldError::required(&sp.child("key"), ""));
                } else {
                    for m in is_config_map_key(k) {
                        errs.push(FieldError::invalid(&sp.child("key"), k, &m));
                    }
                }
            }
        }
        if let Some(f) = at(from, &["fieldRef"]).filter(|v| v.is_object())
            && str_at(f, &["fieldPath"]).is_empty()
        {
            errs.push(FieldError::required(
                &fp.child("fieldRef").child("fieldPath"),
                "",
            ));
        }
        if count == 0 {
            errs.push(FieldError::invalid(
                &fp,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            ));
        } else if !str_at(e, &["value"]).is_empty() {
            errs.push(FieldError::invalid(
                &fp,
                "",
                "may not be specified when `value` is not empty",
            ));
        } else if count > 1 {
            errs.push(FieldError::invalid(
                &fp,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
    errs
}

/// `ValidateVolumeMounts`: named after a volume, a unique mount path.
fn validate_volume_mounts(
    c: &Value,
    volumes: &HashSet<String>,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut mount_points = HashSet::new();
    for (i, m) in arr_at(c, &["volumeMounts"]).iter().enumerate() {
        let mp = path.index(i);
        let name = str_at(m, &["name"]);
        if name.is_empty() {
            errs.push(FieldError::required(&mp.child("name"), ""));
        }
        if !volumes.contains(name) {
            errs.push(FieldError::not_found(&mp.child("name"), name));
        }
        let mount_path = str_at(m, &["mountPath"]);
        if mount_path.is_empty() {
            errs.push(FieldError::required(&mp.child("mountPath"), ""));
        }
        if !mount_points.insert(mount_path) {
            errs.push(FieldError::invalid(
                &mp.child("mountPath"),
                mount_path,
                "must be unique",
            ));
        }
        let sub_path = str_at(m, &["subPath"]);
        if sub_path.starts_with('/') {
            errs.push(FieldError::invalid(
                &path.child("subPath"),
                sub_path,
                "must be a relative path",
            ));
        } else if sub_path.split('/').any(|s| s == "..") {
            errs.push(FieldError::invalid(
                &path.child("subPath"),
                sub_path,
                "must not contain '..'",
            ));
        }
    }
    errs
}

/// `validateProbe` (and the handler): non-negative numbers, one handler, and a success
/// threshold of 1 for liveness and startup probes.
fn validate_probe(p: &Value, path: &FieldPath, liveness_like: bool) -> Vec<FieldError> {
    let mut errs = validate_handler(p, path);
    for key in [
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ] {
        errs.extend(super::selector::nonnegative(p, &[key], &path.child(key)));
    }
    if let Some(t) = i64_at(p, &["terminationGracePeriodSeconds"]) {
        if !liveness_like {
            errs.push(FieldError::invalid(
                &path.child("terminationGracePeriodSeconds"),
                t,
                "must not be set for readinessProbes",
            ));
        } else if t <= 0 {
            errs.push(FieldError::invalid(
                &path.child("terminationGracePeriodSeconds"),
                t,
                "must be greater than 0",
            ));
        }
    }
    if liveness_like
        && let Some(s) = i64_at(p, &["successThreshold"])
        && s != 1
    {
        errs.push(FieldError::invalid(
            &path.child("successThreshold"),
            s,
            "must be 1",
        ));
    }
    errs
}

fn validate_handler(h: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let kinds: Vec<&str> = ["exec", "httpGet", "tcpSocket", "grpc"]
        .into_iter()
        .filter(|k| at(h, &[k]).is_some_and(Value::is_object))
        .collect();
    if kinds.is_empty() {
        errs.push(FieldError::required(path, "must specify a handler type"));
    }
    for extra in kinds.iter().skip(1) {
        errs.push(FieldError::forbidden(
            &path.child(extra),
            "may not specify more than 1 handler type",
        ));
    }
    if let Some(e) = at(h, &["exec"]).filter(|v| v.is_object())
        && arr_at(e, &["command"]).is_empty()
    {
        errs.push(FieldError::required(
            &path.child("exec").child("command"),
            "",
        ));
    }
    if let Some(g) = at(h, &["httpGet"]).filter(|v| v.is_object()) {
        let gp = path.child("httpGet");
        if str_at(g, &["path"]).is_empty() {
            errs.push(FieldError::required(&gp.child("path"), ""));
        }
        errs.extend(validate_port_num_or_name(
            at(g, &["port"]),
            &gp.child("port"),
        ));
        let scheme = str_at(g, &["scheme"]);
        if scheme != "HTTP" && scheme != "HTTPS" {
            errs.push(FieldError::not_supported(
                &gp.child("scheme"),
                scheme,
                &["HTTP", "HTTPS"],
            ));
        }
    }
    if let Some(t) = at(h, &["tcpSocket"]).filter(|v| v.is_object()) {
        errs.extend(validate_port_num_or_name(
            at(t, &["port"]),
            &path.child("tcpSocket").child("port"),
        ));
    }
    if let Some(g) = at(h, &["grpc"]).filter(|v| v.is_object()) {
        let port = i64_at(g, &["port"]).unwrap_or(0);
        for m in port_num_errors(port) {
            errs.push(FieldError::invalid(
                &path.child("grpc").child("port"),
                port,
                &m,
            ));
        }
    }
    errs
}

fn is_hugepages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

/// `IsNativeResource`: unqualified or under `kubernetes.io/`.
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `ValidateResourceRequirements` for a container: names, non-negative quantities, whole
/// numbers for extended resources, requests within limits (equal for non-overcommitable ones).
fn validate_resources(c: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let lim_path = path.child("limits");
    let req_path = path.child("requests");
    let parse = |key: &str| -> BTreeMap<String, Option<Quantity>> {
        obj_at(c, &["resources", key])
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), Quantity::from_value(v)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let limits = parse("limits");
    let requests = parse("requests");
    let quantity_errs =
        |name: &str, q: &Option<Quantity>, p: &FieldPath, errs: &mut Vec<FieldError>| {
            errs.extend(resource_name_errors(name, p));
            if let Some(q) = q {
                if q.is_negative() {
                    errs.push(FieldError::invalid(
                        p,
                        q.canonical(),
                        "must be greater than or equal to 0",
                    ));
                }
                if !is_native(name) && !q.is_integer() {
                    errs.push(FieldError::invalid(p, q.canonical(), "must be an integer"));
                }
            }
        };
    for (name, q) in &limits {
        quantity_errs(name, q, &lim_path.key(name), &mut errs);
    }
    for (name, q) in &requests {
        quantity_errs(name, q, &req_path.key(name), &mut errs);
        let overcommit = is_native(name) && !is_hugepages(name);
        match (q, limits.get(name)) {
            (Some(rq), Some(Some(lq))) => {
                if rq.nanos != lq.nanos && !overcommit {
                    errs.push(FieldError::invalid(
                        &req_path,
                        rq.canonical(),
                        &format!("must be equal to {name} limit of {}", lq.canonical()),
                    ));
                } else if rq.nanos > lq.nanos {
                    errs.push(FieldError::invalid(
                        &req_path,
                        rq.canonical(),
                        &format!(
                            "must be less than or equal to {name} limit of {}",
                            lq.canonical()
                        ),
                    ));
                }
            }
            (_, None) if !overcommit => errs.push(FieldError::required(
                &lim_path,
                "Limit must be set for non overcommitable resources",
            )),
            _ => {}
        }
    }
    errs
}

/// The standard resource names (`IsStandardResourceName`), for unqualified names.
const STANDARD_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "quota",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
    "requests.storage",
];

/// `validateContainerResourceName`.
fn resource_name_errors(name: &str, path: &FieldPath) -> Vec<FieldError> {
    let mut errs: Vec<FieldError> = is_qualified_name(name)
        .iter()
        .map(|m| FieldError::invalid(path, name, m))
        .collect();
    if !errs.is_empty() {
        return errs;
    }
    if !name.contains('/') {
        if !STANDARD_RESOURCES.contains(&name) && !is_hugepages(name) {
            errs.push(FieldError::invalid(
                path,
                name,
                "must be a standard resource type or fully qualified",
            ));
        }
        if !["cpu", "memory", "ephemeral-storage"].contains(&name) && !is_hugepages(name) {
            errs.push(FieldError::invalid(
                path,
                name,
                "must be a standard resource for containers",
            ));
        }
    } else if !is_native(name) && (name.starts_with("requests.") || name.contains("kubernetes.io"))
    {
        errs.push(FieldError::invalid(
            path,
            name,
            "doesn't follow extended resource name standard",
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn defaulted_pod(spec: Value) -> Value {
        let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "resourceVersion": "1"}, "spec": spec});
        crate::defaulting::apply("", "v1", "pods", &mut p);
        p
    }

    #[test]
    fn a_valid_pod_passes() {
        let p = defaulted_pod(
            json!({"containers": [{"name": "nginx", "image": "nginx:1.27",
            "ports": [{"name": "http", "containerPort": 80}],
            "env": [{"name": "A", "value": "1"}],
            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
            "readinessProbe": {"httpGet": {"port": "http"}},
            "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1", "memory": "1Gi"}}}],
            "volumes": [{"name": "data"}]}),
        );
        assert_eq!(msgs(&validate_pod(&p)), Vec::<String>::new());
    }

    #[test]
    fn containers_are_required() {
        let p = defaulted_pod(json!({}));
        assert_eq!(
            msgs(&validate_pod(&p)),
            vec!["spec.containers: Required value"]
        );
    }

    #[test]
    fn container_rules_read_like_kube() {
        let p = defaulted_pod(json!({"restartPolicy": "Sometimes", "containers": [
            {"name": "Web", "image": "", "ports": [{"containerPort": 70000, "protocol": "HTTP"}]},
            {"name": "b", "image": "x", "imagePullPolicy": "Sometimes",
             "env": [{"name": "A=B"}], "volumeMounts": [{"name": "missing", "mountPath": "/m"}]},
            {"name": "b", "image": "x"}]}));
        assert_eq!(
            msgs(&validate_pod(&p)),
            vec![
                r#"spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#,
                "spec.containers[0].image: Required value",
                "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                r#"spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP""#,
                r#"spec.containers[1].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='"#,
                r#"spec.containers[1].volumeMounts[0].name: Not found: "missing""#,
                r#"spec.containers[1].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never""#,
                r#"spec.containers[2].name: Duplicate value: "b""#,
                r#"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#,
            ]
        );
    }

    #[test]
    fn requests_may_not_exceed_limits() {
        let p = defaulted_pod(json!({"containers": [{"name": "c", "image": "x",
            "resources": {"requests": {"memory": "1Gi", "cpu": "-1"}, "limits": {"memory": "512Mi", "foo": "1"}}}]}));
        assert_eq!(
            msgs(&validate_pod(&p)),
            vec![
                r#"spec.containers[0].resources.limits[foo]: Invalid value: "foo": must be a standard resource type or fully qualified"#,
                r#"spec.containers[0].resources.limits[foo]: Invalid value: "foo": must be a standard resource for containers"#,
                r#"spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0"#,
                // The Pod defaulter copied the `foo` limit into the requests.
                r#"spec.containers[0].resources.requests[foo]: Invalid value: "foo": must be a standard resource type or fully qualified"#,
                r#"spec.containers[0].resources.requests[foo]: Invalid value: "foo": must be a standard resource for containers"#,
                r#"spec.containers[0].resources.requests: Invalid value: "1Gi": must be less than or equal to memory limit of 512Mi"#,
            ]
        );
    }

    #[test]
    fn volumes_unique_and_ports_named_well() {
        let p = defaulted_pod(json!({"containers": [{"name": "c", "image": "x",
            "ports": [{"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 81}, {"name": "HTTP--", "containerPort": 82}]}],
            "volumes": [{"name": "v"}, {"name": "v"}, {"name": "s", "secret": {}, "configMap": {"name": "c"}}]}));
        assert_eq!(
            msgs(&validate_pod(&p)),
            vec![
                r#"spec.volumes[1].name: Duplicate value: "v""#,
                "spec.volumes[2].configMap: Forbidden: may not specify more than 1 volume type",
                "spec.volumes[2].secret.secretName: Required value",
                r#"spec.containers[0].ports[1].name: Duplicate value: "http""#,
                r#"spec.containers[0].ports[2].name: Invalid value: "HTTP--": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"#,
                r#"spec.containers[0].ports[2].name: Invalid value: "HTTP--": must contain at least one letter (a-z)"#,
                r#"spec.containers[0].ports[2].name: Invalid value: "HTTP--": must not contain consecutive hyphens (-)"#,
                r#"spec.containers[0].ports[2].name: Invalid value: "HTTP--": must not begin or end with a hyphen (-)"#,
            ]
        );
    }

    #[test]
    fn pod_update_may_only_change_images() {
        let old = defaulted_pod(json!({"containers": [{"name": "c", "image": "nginx:1"}]}));
        let mut new = old.clone();
        new["spec"]["containers"][0]["image"] = json!("nginx:2");
        assert!(validate_pod_update(&new, &old).is_empty());
        new["spec"]["restartPolicy"] = json!("Never");
        let got = msgs(&validate_pod_update(&new, &old));
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"));
    }
}
