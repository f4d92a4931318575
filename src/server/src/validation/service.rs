//! core/v1 Services, as `ValidateService` and `ValidateServiceUpdate`: ports (names, numbers,
//! protocols, target ports, no duplicates), types, session affinity, cluster IPs and IP
//! families, ExternalName rules, and the primary cluster IP that may not change once set.

use std::collections::HashSet;

use serde_json::Value;

use super::json::{arr_at, at, i64_at, str_at};
use super::meta::{validate_core_object_meta, validate_core_object_meta_update, validate_labels};
use super::names::{is_dns1123_label, is_dns1123_subdomain, name_is_dns1035_label};
use super::pod::{port_num_errors, validate_port_num_or_name};
use super::selector::{go_string_slice, raw};
use crate::errors::{FieldError, FieldErrorType, FieldPath};

const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
/// The kubelet's port, which a LoadBalancer may not expose.
const KUBELET_PORT: i64 = 10250;

fn md() -> FieldPath {
    FieldPath::new("metadata")
}

/// The strategy's normalization before validating: a lone `clusterIP` seeds `clusterIPs`.
fn normalized(obj: &Value) -> Value {
    let mut s = obj.clone();
    let ip = str_at(obj, &["spec", "clusterIP"]).to_string();
    if !ip.is_empty()
        && arr_at(obj, &["spec", "clusterIPs"]).is_empty()
        && let Some(spec) = s.get_mut("spec").and_then(Value::as_object_mut)
    {
        spec.insert("clusterIPs".into(), serde_json::json!([ip]));
    }
    s
}

fn is_headless(obj: &Value) -> bool {
    str_at(obj, &["spec", "clusterIP"]) == "None"
}

/// `ValidateService`.
pub fn validate_service(obj: &Value) -> Vec<FieldError> {
    let obj = &normalized(obj);
    let mut errs = validate_core_object_meta(obj, true, name_is_dns1035_label, &md());
    let sp = FieldPath::new("spec");
    let ty = str_at(obj, &["spec", "type"]);
    let ports = arr_at(obj, &["spec", "ports"]);
    let cluster_ips = at(obj, &["spec", "clusterIPs"]);
    let first_ip = arr_at(obj, &["spec", "clusterIPs"])
        .first()
        .and_then(Value::as_str)
        .unwrap_or("");
    if ports.is_empty() && !is_headless(obj) && ty != "ExternalName" {
        errs.push(FieldError::required(&sp.child("ports"), ""));
    }
    match ty {
        "LoadBalancer" | "NodePort" => {
            if is_headless(obj) {
                errs.push(FieldError::invalid(
                    &sp.child("clusterIPs").index(0),
                    first_ip,
                    &format!("may not be set to 'None' for {ty} services"),
                ));
            }
            if ty == "LoadBalancer" {
                for (i, p) in ports.iter().enumerate() {
                    if i64_at(p, &["port"]) == Some(KUBELET_PORT) {
                        errs.push(FieldError::invalid(
                            &sp.child("ports").index(i),
                            KUBELET_PORT,
                            "may not expose port 10250 externally since it is used by kubelet",
                        ));
                    }
                }
            }
        }
        "ExternalName" => {
            if !arr_at(obj, &["spec", "clusterIPs"]).is_empty() {
                errs.push(FieldError::forbidden(
                    &sp.child("clusterIPs"),
                    "may not be set for ExternalName services",
                ));
            }
            if !arr_at(obj, &["spec", "ipFamilies"]).is_empty() {
                errs.push(FieldError::forbidden(
                    &sp.child("ipFamilies"),
                    "may not be set for ExternalName services",
                ));
            }
            if at(obj, &["spec", "ipFamilyPolicy"]).is_some_and(|v| !v.is_null()) {
                errs.push(FieldError::forbidden(
                    &sp.child("ipFamilyPolicy"),
                    "may not be set for ExternalName services",
                ));
            }
            let name = str_at(obj, &["spec", "externalName"]);
            let cname = name.strip_suffix('.').unwrap_or(name);
            if cname.is_empty() {
                errs.push(FieldError::required(&sp.child("externalName"), ""));
            } else {
                for m in is_dns1123_subdomain(cname) {
                    errs.push(FieldError::invalid(&sp.child("externalName"), cname, &m));
                }
            }
        }
        _ => {}
    }
    let mut names = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        errs.extend(validate_service_port(
            p,
            ports.len() > 1,
            &mut names,
            &sp.child("ports").index(i),
        ));
    }
    errs.extend(validate_labels(
        obj,
        &["spec", "selector"],
        &sp.child("selector"),
    ));
    let affinity = str_at(obj, &["spec", "sessionAffinity"]);
    match affinity {
        "" => errs.push(FieldError::required(&sp.child("sessionAffinity"), "")),
        "ClientIP" => {
            let t = i64_at(
                obj,
                &[
                    "spec",
                    "sessionAffinityConfig",
                    "clientIP",
                    "timeoutSeconds",
                ],
            );
            if let Some(t) = t
                && !(1..=86400).contains(&t)
            {
                errs.push(FieldError::invalid(
                    &sp.child("sessionAffinityConfig")
                        .child("clientIP")
                        .child("timeoutSeconds"),
                    t,
                    "must be greater than 0 and less than 86400",
                ));
            }
        }
        "None" => {
            if at(obj, &["spec", "sessionAffinityConfig"]).is_some_and(|v| !v.is_null()) {
                errs.push(FieldError::forbidden(
                    &sp.child("sessionAffinityConfig"),
                    "must not be set when session affinity is None",
                ));
            }
        }
        other => errs.push(FieldError::not_supported(
            &sp.child("sessionAffinity"),
            other,
            &["ClientIP", "None"],
        )),
    }
    errs.extend(cluster_ip_fields(obj, cluster_ips, &sp));
    if ty.is_empty() {
        errs.push(FieldError::required(&sp.child("type"), ""));
    } else if !TYPES.contains(&ty) {
        errs.push(FieldError::not_supported(&sp.child("type"), ty, TYPES));
    }
    if ty == "ClusterIP" {
        for (i, p) in ports.iter().enumerate() {
            if i64_at(p, &["nodePort"]).unwrap_or(0) != 0 {
                errs.push(FieldError::forbidden(
                    &sp.child("ports").index(i).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut node_ports = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let np = i64_at(p, &["nodePort"]).unwrap_or(0);
        if np != 0 && !node_ports.insert((str_at(p, &["protocol"]).to_string(), np)) {
            errs.push(FieldError::duplicate(
                &sp.child("ports").index(i).child("nodePort"),
                np,
            ));
        }
    }
    let mut seen = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let proto = str_at(p, &["protocol"]);
        let port = i64_at(p, &["port"]).unwrap_or(0);
        if !seen.insert((proto.to_string(), port)) {
            errs.push(raw(
                FieldErrorType::Duplicate,
                &sp.child("ports").index(i),
                &format!(
                    "core.ServicePort{{Name:\"\", Protocol:{proto:?}, AppProtocol:(*string)(nil), Port:{port}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}"
                ),
                "",
            ));
        }
    }
    errs
}

/// `validateServicePort`.
fn validate_service_port(
    p: &Value,
    require_name: bool,
    names: &mut HashSet<String>,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = str_at(p, &["name"]);
    if require_name && name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    } else if !name.is_empty() {
        for m in is_dns1123_label(name) {
            errs.push(FieldError::invalid(&path.child("name"), name, &m));
        }
        if !names.insert(name.to_string()) {
            errs.push(FieldError::duplicate(&path.child("name"), name));
        }
    }
    let port = i64_at(p, &["port"]).unwrap_or(0);
    for m in port_num_errors(port) {
        errs.push(FieldError::invalid(&path.child("port"), port, &m));
    }
    let proto = str_at(p, &["protocol"]);
    if proto.is_empty() {
        errs.push(FieldError::required(&path.child("protocol"), ""));
    } else if !PROTOCOLS.contains(&proto) {
        errs.push(FieldError::not_supported(
            &path.child("protocol"),
            proto,
            PROTOCOLS,
        ));
    }
    errs.extend(validate_port_num_or_name(
        at(p, &["targetPort"]),
        &path.child("targetPort"),
    ));
    errs
}

/// `ValidateServiceClusterIPsRelatedFields`, single-stack: `clusterIP` and `clusterIPs`
/// agree, addresses parse, families and policy are known values.
fn cluster_ip_fields(obj: &Value, cluster_ips: Option<&Value>, sp: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let ips_path = sp.child("clusterIPs");
    let ips = arr_at(obj, &["spec", "clusterIPs"]);
    let ip = str_at(obj, &["spec", "clusterIP"]);
    if !ip.is_empty() {
        if ips.is_empty() {
            errs.push(FieldError::required(&ips_path, ""));
        } else if ips[0].as_str() != Some(ip) {
            errs.push(raw(
                FieldErrorType::Invalid,
                &ips_path,
                &go_string_slice(cluster_ips),
                "first value must match `clusterIP`",
            ));
        }
    } else if !ips.is_empty() {
        errs.push(raw(
            FieldErrorType::Invalid,
            &ips_path,
            &go_string_slice(cluster_ips),
            "must be empty when `clusterIP` is not specified",
        ));
    }
    let fp = sp.child("ipFamilies");
    let mut seen = HashSet::new();
    for (i, f) in arr_at(obj, &["spec", "ipFamilies"]).iter().enumerate() {
        let f = f.as_str().unwrap_or("");
        if f != "IPv4" && f != "IPv6" {
            errs.push(FieldError::not_supported(
                &fp.index(i),
                f,
                &["IPv4", "IPv6"],
            ));
        }
        if !seen.insert(f) {
            errs.push(FieldError::duplicate(&fp.index(i), f));
        }
    }
    if let Some(Value::String(policy)) = at(obj, &["spec", "ipFamilyPolicy"])
        && !["PreferDualStack", "RequireDualStack", "SingleStack"].contains(&policy.as_str())
    {
        errs.push(FieldError::not_supported(
            &sp.child("ipFamilyPolicy"),
            policy.as_str(),
            &["PreferDualStack", "RequireDualStack", "SingleStack"],
        ));
    }
    for (i, v) in ips.iter().enumerate() {
        let v = v.as_str().unwrap_or("");
        if i == 0 && v == "None" {
            if ips.len() > 1 {
                errs.push(raw(
                    FieldErrorType::Invalid,
                    &ips_path,
                    &go_string_slice(cluster_ips),
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        if v.parse::<std::net::IpAddr>().is_err() {
            errs.push(FieldError::invalid(
                &ips_path.index(i),
                v,
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ));
        }
    }
    errs
}

/// `ValidateServiceUpdate`: metadata, the primary cluster IP kept (unless to or from
/// ExternalName), then the create rules.
pub fn validate_service_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let new_n = normalized(new);
    let old_n = normalized(old);
    let mut errs = validate_core_object_meta_update(&new_n, &old_n, &md());
    let (nt, ot) = (
        str_at(&new_n, &["spec", "type"]),
        str_at(&old_n, &["spec", "type"]),
    );
    if nt != "ExternalName" && ot != "ExternalName" {
        let (n_ips, o_ips) = (
            arr_at(&new_n, &["spec", "clusterIPs"]),
            arr_at(&old_n, &["spec", "clusterIPs"]),
        );
        if !n_ips.is_empty() && !o_ips.is_empty() && n_ips[0] != o_ips[0] {
            errs.push(raw(
                FieldErrorType::Invalid,
                &FieldPath::new("spec").child("clusterIPs").index(0),
                &go_string_slice(at(&new_n, &["spec", "clusterIPs"])),
                "may not change once set",
            ));
        }
    }
    errs.extend(validate_service(&new_n));
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn service(spec: Value) -> Value {
        let mut s = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default", "resourceVersion": "1"}, "spec": spec});
        crate::defaulting::apply("", "v1", "services", &mut s);
        s
    }

    #[test]
    fn a_cluster_ip_service_is_valid() {
        let mut s = service(
            json!({"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}),
        );
        assert!(crate::defaulting::assign_service_addresses(&mut s, &[], &[]).is_ok());
        assert_eq!(msgs(&validate_service(&s)), Vec::<String>::new());
    }

    #[test]
    fn ports_are_required_and_checked() {
        let s = service(json!({"selector": {"app": "web"}}));
        assert_eq!(
            msgs(&validate_service(&s)),
            vec!["spec.ports: Required value"]
        );
        let s = service(
            json!({"type": "Magic", "ports": [{"port": 0, "protocol": "HTTP", "name": "a"}, {"port": 80, "targetPort": "Web_1"}]}),
        );
        assert_eq!(
            msgs(&validate_service(&s)),
            vec![
                "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                r#"spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP""#,
                "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.ports[1].name: Required value",
                r#"spec.ports[1].targetPort: Invalid value: "Web_1": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"#,
                r#"spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort""#,
            ]
        );
    }

    #[test]
    fn node_port_on_cluster_ip_and_duplicate_ports() {
        let s = service(
            json!({"ports": [{"name": "a", "port": 80, "nodePort": 30080}, {"name": "b", "port": 80}]}),
        );
        assert_eq!(
            msgs(&validate_service(&s)),
            vec![
                "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
                r#"spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}"#,
            ]
        );
    }

    #[test]
    fn external_name_needs_a_name() {
        let s = service(json!({"type": "ExternalName"}));
        assert_eq!(
            msgs(&validate_service(&s)),
            vec!["spec.externalName: Required value"]
        );
    }

    #[test]
    fn cluster_ip_may_not_change() {
        let old = service(json!({"clusterIP": "10.96.10.10", "ports": [{"port": 80}]}));
        let mut new = old.clone();
        new["spec"]["clusterIP"] = json!("10.96.10.11");
        new["spec"]["clusterIPs"] = json!(["10.96.10.11"]);
        assert_eq!(
            msgs(&validate_service_update(&new, &old)),
            vec![
                r#"spec.clusterIPs[0]: Invalid value: []string{"10.96.10.11"}: may not change once set"#
            ]
        );
    }

    #[test]
    fn service_names_are_dns1035_labels() {
        let mut s = service(json!({"ports": [{"port": 80}]}));
        s["metadata"]["name"] = json!("1web");
        let got = msgs(&validate_service(&s));
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with(r#"metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters"#));
    }
}
