//! The Service REST storage's allocators: cluster IPs from the service CIDR `10.96.0.0/12`
//! (kind's default, whose first address belongs to the `kubernetes` Service) and node ports
//! from `30000-32767`, plus [`assign_service_addresses`], the create-time step that fills a
//! Service's `clusterIP(s)`, IP family fields and node ports, or refuses a requested address
//! with kube's message.
//!
//! As upstream, dynamic picks are random and prefer the upper part of each range, leaving the
//! lower band (the first 256 IPs, the first 86 ports) for addresses clients ask for.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use rand::Rng;
use serde_json::{Value, json};

use crate::errors::{FieldError, FieldPath};

/// The service CIDR.
pub const SERVICE_CIDR: &str = "10.96.0.0/12";
/// The `kubernetes` Service's address, the first of the range.
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";
/// The node port range, inclusive.
pub const NODE_PORT_RANGE: (u16, u16) = (30000, 32767);

const NET: u32 = u32::from_be_bytes([10, 96, 0, 0]);
const PREFIX: u32 = 12;
/// Usable offsets are 1..=size-2 (no network or broadcast address).
const SIZE: u32 = 1 << (32 - PREFIX);
/// The low band dynamic allocation avoids while it can (`min(max(16, size/16), 256)`).
const IP_STATIC_BAND: u32 = 256;

fn in_range(ip: Ipv4Addr) -> bool {
    let n = u32::from(ip);
    n > NET && n < NET + SIZE - 1
}

/// A free cluster IP: random from the dynamic band, else the first free one of the static band;
/// an empty string only if all million addresses are taken. `existing` are the addresses in use
/// (the `kubernetes` Service's included).
pub fn allocate_cluster_ip(existing: &[String]) -> String {
    let used: HashSet<u32> = existing
        .iter()
        .filter_map(|s| s.parse::<Ipv4Addr>().ok())
        .map(u32::from)
        .chain(std::iter::once(u32::from(Ipv4Addr::new(10, 96, 0, 1))))
        .collect();
    let mut rng = rand::rng();
    for _ in 0..64 {
        let candidate = NET + rng.random_range(IP_STATIC_BAND..SIZE - 1);
        if !used.contains(&candidate) {
            return Ipv4Addr::from(candidate).to_string();
        }
    }
    (1..SIZE - 1)
        .map(|off| NET + off)
        .find(|c| !used.contains(c))
        .map(|c| Ipv4Addr::from(c).to_string())
        .unwrap_or_default()
}

/// A free node port, random from the upper band of the range first; `None` when none is left.
pub fn allocate_node_port(existing: &[u16]) -> Option<u16> {
    let (lo, hi) = NODE_PORT_RANGE;
    let size = u32::from(hi - lo) + 1;
    // `min(max(16, size/32), 128)` ports are kept for static requests.
    let band = (size / 32).clamp(16, 128) as u16;
    let used: HashSet<u16> = existing.iter().copied().collect();
    let mut rng = rand::rng();
    for _ in 0..64 {
        let candidate = rng.random_range(lo + band..=hi);
        if !used.contains(&candidate) {
            return Some(candidate);
        }
    }
    (lo..=hi).find(|p| !used.contains(p))
}

/// Fills what kube-apiserver's Service storage sets on create: `clusterIP` and `clusterIPs`
/// (allocated, or checked when requested), `ipFamilies` and `ipFamilyPolicy` (single-stack
/// IPv4 cluster), node ports for NodePort and LoadBalancer Services (and the health check port
/// of a LoadBalancer with `externalTrafficPolicy: Local`). Run after [`apply`](super::apply).
/// Errors are the 422 causes kube reports for an address it cannot give.
pub fn assign_service_addresses(
    obj: &mut Value,
    used_ips: &[String],
    used_node_ports: &[u16],
) -> Result<(), Vec<FieldError>> {
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let ty = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    if ty == "ExternalName" {
        return Ok(());
    }
    let mut errs = Vec::new();
    // clusterIPs wins when both are set; a lone clusterIP seeds clusterIPs.
    let requested = spec
        .get("clusterIPs")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .or_else(|| spec.get("clusterIP").and_then(Value::as_str))
        .unwrap_or("")
        .to_string();
    let headless = requested == "None";
    let ip = if headless || requested.is_empty() {
        if headless {
            requested.clone()
        } else {
            allocate_cluster_ip(used_ips)
        }
    } else {
        let path = FieldPath::new("spec").child("clusterIPs");
        let bad = |detail: String| FieldError {
            kind: crate::errors::FieldErrorType::Invalid,
            field: path.to_string(),
            bad_value: None,
            detail: format!(
                "[]string{{{:?}}}: failed to allocate IP {requested}: {detail}",
                requested
            ),
        };
        match requested.parse::<Ipv4Addr>() {
            Ok(addr) if !in_range(addr) => errs.push(bad(format!(
                "the provided IP ({requested}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR}"
            ))),
            Ok(_) if used_ips.contains(&requested) || requested == KUBERNETES_SERVICE_IP => {
                errs.push(bad("provided IP is already allocated".to_string()))
            }
            _ => {}
        }
        requested.clone()
    };
    spec.insert("clusterIP".into(), json!(ip));
    spec.insert("clusterIPs".into(), json!([ip]));
    let has_selector = spec
        .get("selector")
        .and_then(Value::as_object)
        .is_some_and(|s| !s.is_empty());
    if spec.get("ipFamilyPolicy").is_none_or(Value::is_null) {
        let policy = if headless && !has_selector {
            "RequireDualStack"
        } else {
            "SingleStack"
        };
        spec.insert("ipFamilyPolicy".into(), json!(policy));
    }
    if spec
        .get("ipFamilies")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        spec.insert("ipFamilies".into(), json!(["IPv4"]));
    }

    let wants_node_ports = ty == "NodePort"
        || (ty == "LoadBalancer"
            && spec
                .get("allocateLoadBalancerNodePorts")
                .and_then(Value::as_bool)
                != Some(false));
    let mut taken: Vec<u16> = used_node_ports.to_vec();
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for (i, p) in ports.iter_mut().enumerate() {
            let Some(p) = p.as_object_mut() else { continue };
            let given = p.get("nodePort").and_then(Value::as_i64).unwrap_or(0);
            if given != 0 {
                if let Some(e) = check_node_port(
                    given,
                    &taken,
                    &FieldPath::new("spec")
                        .child("ports")
                        .index(i)
                        .child("nodePort"),
                ) {
                    errs.push(e);
                } else {
                    taken.push(given as u16);
                }
            } else if wants_node_ports && let Some(port) = allocate_node_port(&taken) {
                taken.push(port);
                p.insert("nodePort".into(), json!(port));
            }
        }
    }
    let local = spec.get("externalTrafficPolicy").and_then(Value::as_str) == Some("Local");
    if ty == "LoadBalancer" && local {
        let given = spec
            .get("healthCheckNodePort")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if given != 0 {
            if let Some(e) = check_node_port(
                given,
                &taken,
                &FieldPath::new("spec").child("healthCheckNodePort"),
            ) {
                errs.push(e);
            }
        } else if let Some(port) = allocate_node_port(&taken) {
            spec.insert("healthCheckNodePort".into(), json!(port));
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// A requested node port must lie in the range and be free.
fn check_node_port(port: i64, taken: &[u16], path: &FieldPath) -> Option<FieldError> {
    let (lo, hi) = NODE_PORT_RANGE;
    if port < i64::from(lo) || port > i64::from(hi) {
        return Some(FieldError::invalid(
            path,
            port,
            &format!(
                "provided port is not in the valid range. The range of valid ports is {lo}-{hi}"
            ),
        ));
    }
    if taken.iter().any(|t| i64::from(*t) == port) {
        return Some(FieldError::invalid(
            path,
            port,
            "provided port is already allocated",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ips_come_from_the_range_and_are_free() {
        let used = vec!["10.96.0.10".to_string()];
        for _ in 0..50 {
            let ip = allocate_cluster_ip(&used);
            let addr: Ipv4Addr = ip.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
            assert!(in_range(addr), "{ip}");
            assert_ne!(ip, KUBERNETES_SERVICE_IP);
            assert_ne!(ip, "10.96.0.10");
            // Dynamic picks stay out of the static band.
            assert!(u32::from(addr) >= NET + IP_STATIC_BAND);
        }
    }

    #[test]
    fn node_ports_come_from_the_range() {
        for _ in 0..50 {
            let p = allocate_node_port(&[30100]).unwrap_or(0);
            assert!((30000..=32767).contains(&p));
            assert_ne!(p, 30100);
        }
        let all: Vec<u16> = (30000..=32767).collect();
        assert_eq!(allocate_node_port(&all), None);
    }

    #[test]
    fn a_cluster_ip_service_gets_an_address_and_single_stack() {
        let mut s = json!({"spec": {"type": "ClusterIP", "selector": {"app": "a"}, "ports": [{"port": 80}]}});
        assert!(assign_service_addresses(&mut s, &[], &[]).is_ok());
        let ip = s["spec"]["clusterIP"].as_str().unwrap_or("").to_string();
        assert!(ip.starts_with("10."));
        assert_eq!(s["spec"]["clusterIPs"], json!([ip]));
        assert_eq!(s["spec"]["ipFamilies"], json!(["IPv4"]));
        assert_eq!(s["spec"]["ipFamilyPolicy"], "SingleStack");
        assert!(s["spec"]["ports"][0].get("nodePort").is_none());
    }

    #[test]
    fn headless_and_node_port_services() {
        let mut s = json!({"spec": {"clusterIP": "None", "ports": [{"port": 80}]}});
        assert!(assign_service_addresses(&mut s, &[], &[]).is_ok());
        assert_eq!(s["spec"]["clusterIPs"], json!(["None"]));
        assert_eq!(s["spec"]["ipFamilyPolicy"], "RequireDualStack");
        let mut s = json!({"spec": {"type": "NodePort", "ports": [{"port": 80}, {"port": 81, "nodePort": 30080}]}});
        assert!(assign_service_addresses(&mut s, &[], &[]).is_ok());
        let p0 = s["spec"]["ports"][0]["nodePort"].as_i64().unwrap_or(0);
        assert!((30000..=32767).contains(&p0));
        assert_eq!(s["spec"]["ports"][1]["nodePort"], 30080);
    }

    #[test]
    fn requested_addresses_are_checked() {
        let mut s = json!({"spec": {"type": "NodePort", "clusterIP": "10.0.0.1", "ports": [{"port": 80, "nodePort": 80}]}});
        let errs: Vec<String> = assign_service_addresses(&mut s, &[], &[])
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            vec![
                r#"spec.clusterIPs: Invalid value: []string{"10.0.0.1"}: failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"#,
                "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
            ]
        );
        let mut s = json!({"spec": {"clusterIP": "10.96.0.1", "ports": [{"port": 80}]}});
        let errs = assign_service_addresses(&mut s, &[], &[])
            .err()
            .unwrap_or_default();
        assert!(
            errs[0]
                .to_string()
                .ends_with("provided IP is already allocated")
        );
    }
}
