//! Defaults of the core/v1 objects besides Pods: Services, Namespaces, Secrets, Nodes,
//! Endpoints, PersistentVolumes and claims, LimitRanges (`pkg/apis/core/v1/defaults.go`).

use serde_json::{Map, Value, json};

use super::pod::{pvc_spec, resource_list};
use super::util::{default, default_str, each_mut, existing_mut, obj_mut, unset, unset_str};

/// `DefaultClientIPServiceAffinitySeconds`: three hours.
const CLIENT_IP_AFFINITY_SECONDS: i64 = 10_800;

fn spec_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    obj.as_object_mut().and_then(|o| obj_mut(o, "spec"))
}

/// `SetDefaults_Service`: affinity None (or ClientIP for 3 h), type ClusterIP, ports TCP with
/// the target port equal to the port, traffic policies Cluster, LoadBalancers allocate node
/// ports, load-balancer ingress IPs in VIP mode.
pub fn service(obj: &mut Value) {
    let Some(spec) = spec_mut(obj) else {
        return;
    };
    default_str(spec, "sessionAffinity", "None");
    match spec.get("sessionAffinity").and_then(Value::as_str) {
        Some("None") => {
            spec.remove("sessionAffinityConfig");
        }
        Some("ClientIP") => {
            let has_timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| c.get("clientIP"))
                .and_then(|c| c.get("timeoutSeconds"))
                .is_some_and(|t| !t.is_null());
            if !has_timeout {
                spec.insert(
                    "sessionAffinityConfig".into(),
                    json!({"clientIP": {"timeoutSeconds": CLIENT_IP_AFFINITY_SECONDS}}),
                );
            }
        }
        _ => {}
    }
    default_str(spec, "type", "ClusterIP");
    each_mut(spec, "ports", |p| {
        default_str(p, "protocol", "TCP");
        let target_unset = match p.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(_) => false,
        };
        if target_unset && let Some(port) = p.get("port").cloned() {
            p.insert("targetPort".into(), port);
        }
    });
    let ty = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let has_external_ips = spec
        .get("externalIPs")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let externally_accessible =
        ty == "LoadBalancer" || ty == "NodePort" || (ty == "ClusterIP" && has_external_ips);
    if externally_accessible {
        default_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if matches!(ty.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP") {
        default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        default(spec, "allocateLoadBalancerNodePorts", json!(true));
        if let Some(status) = obj.as_object_mut().and_then(|o| existing_mut(o, "status"))
            && let Some(lb) = existing_mut(status, "loadBalancer")
        {
            each_mut(lb, "ingress", |ing| {
                if !unset_str(ing, "ip") {
                    default(ing, "ipMode", json!("VIP"));
                }
            });
        }
    }
}

/// `SetDefaults_Namespace` and `SetDefaults_NamespaceStatus`: the
/// `kubernetes.io/metadata.name` label (when named) and phase Active.
pub fn namespace(obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else {
        return;
    };
    let name = o
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !name.is_empty()
        && let Some(meta) = obj_mut(o, "metadata")
        && let Some(labels) = obj_mut(meta, "labels")
    {
        labels.insert("kubernetes.io/metadata.name".into(), json!(name));
    }
    if let Some(status) = obj_mut(o, "status") {
        default_str(status, "phase", "Active");
    }
}

/// `SetDefaults_Secret`: type Opaque.
pub fn secret(obj: &mut Value) {
    if let Some(o) = obj.as_object_mut() {
        default_str(o, "type", "Opaque");
    }
}

/// `SetDefaults_NodeStatus`: allocatable is the capacity when unset.
pub fn node(obj: &mut Value) {
    if let Some(status) = obj.as_object_mut().and_then(|o| existing_mut(o, "status")) {
        for key in ["capacity", "allocatable"] {
            if let Some(list) = existing_mut(status, key) {
                resource_list(list);
            }
        }
        if unset(status, "allocatable")
            && let Some(capacity) = status.get("capacity").filter(|c| c.is_object()).cloned()
        {
            status.insert("allocatable".into(), capacity);
        }
    }
}

/// `SetDefaults_Endpoints`: port protocols TCP.
pub fn endpoints(obj: &mut Value) {
    if let Some(o) = obj.as_object_mut() {
        each_mut(o, "subsets", |subset| {
            each_mut(subset, "ports", |p| default_str(p, "protocol", "TCP"));
        });
    }
}

/// `SetDefaults_PersistentVolume`: phase Pending, reclaim policy Retain, Filesystem mode.
pub fn persistent_volume(obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else {
        return;
    };
    if let Some(status) = obj_mut(o, "status") {
        default_str(status, "phase", "Pending");
    }
    if let Some(spec) = obj_mut(o, "spec") {
        default_str(spec, "persistentVolumeReclaimPolicy", "Retain");
        default(spec, "volumeMode", json!("Filesystem"));
        if let Some(capacity) = existing_mut(spec, "capacity") {
            resource_list(capacity);
        }
    }
}

/// `SetDefaults_PersistentVolumeClaim`: phase Pending, Filesystem mode.
pub fn persistent_volume_claim(obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else {
        return;
    };
    if let Some(spec) = obj_mut(o, "spec") {
        pvc_spec(spec);
    }
    if let Some(status) = obj_mut(o, "status") {
        default_str(status, "phase", "Pending");
    }
}

/// `SetDefaults_LimitRangeItem`: for Container limits, the default limit falls back to the
/// max, the default request to the default limit, then to the min.
pub fn limit_range(obj: &mut Value) {
    let Some(spec) = obj.as_object_mut().and_then(|o| existing_mut(o, "spec")) else {
        return;
    };
    each_mut(spec, "limits", |item| {
        if item.get("type").and_then(Value::as_str) != Some("Container") {
            return;
        }
        let max = item.get("max").and_then(Value::as_object).cloned();
        let min = item.get("min").and_then(Value::as_object).cloned();
        if let Some(d) = obj_mut(item, "default") {
            for (k, v) in max.into_iter().flatten() {
                d.entry(k).or_insert(v);
            }
        }
        let defaults = item.get("default").and_then(Value::as_object).cloned();
        if let Some(dr) = obj_mut(item, "defaultRequest") {
            for (k, v) in defaults
                .into_iter()
                .flatten()
                .chain(min.into_iter().flatten())
            {
                dr.entry(k).or_insert(v);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kubectl create service clusterip web --tcp=80:8080` and a bare port.
    #[test]
    fn cluster_ip_service_defaults() {
        let mut s = json!({"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"},
            "ports": [{"name": "80-8080", "port": 80, "targetPort": 8080}, {"name": "b", "port": 9000}]}});
        service(&mut s);
        let spec = &s["spec"];
        assert_eq!(spec["type"], "ClusterIP");
        assert_eq!(spec["sessionAffinity"], "None");
        assert_eq!(spec["internalTrafficPolicy"], "Cluster");
        assert_eq!(
            spec["ports"][0],
            json!({"name": "80-8080", "port": 80, "targetPort": 8080, "protocol": "TCP"})
        );
        assert_eq!(spec["ports"][1]["targetPort"], 9000);
        assert!(spec.get("externalTrafficPolicy").is_none());
        assert!(spec.get("allocateLoadBalancerNodePorts").is_none());
    }

    #[test]
    fn load_balancer_and_affinity_defaults() {
        let mut s = json!({"spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP", "ports": [{"port": 443, "targetPort": "https"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}, {"hostname": "lb.example.com"}]}}});
        service(&mut s);
        assert_eq!(s["spec"]["externalTrafficPolicy"], "Cluster");
        assert_eq!(s["spec"]["internalTrafficPolicy"], "Cluster");
        assert_eq!(s["spec"]["allocateLoadBalancerNodePorts"], true);
        assert_eq!(
            s["spec"]["sessionAffinityConfig"],
            json!({"clientIP": {"timeoutSeconds": 10800}})
        );
        assert_eq!(s["spec"]["ports"][0]["targetPort"], "https");
        assert_eq!(s["status"]["loadBalancer"]["ingress"][0]["ipMode"], "VIP");
        assert!(
            s["status"]["loadBalancer"]["ingress"][1]
                .get("ipMode")
                .is_none()
        );
    }

    #[test]
    fn external_name_gets_no_traffic_policy() {
        let mut s = json!({"spec": {"type": "ExternalName", "externalName": "example.com"}});
        service(&mut s);
        assert!(s["spec"].get("internalTrafficPolicy").is_none());
        assert_eq!(s["spec"]["sessionAffinity"], "None");
    }

    #[test]
    fn namespace_secret_node_defaults() {
        let mut ns = json!({"metadata": {"name": "team-a"}});
        namespace(&mut ns);
        assert_eq!(
            ns["metadata"]["labels"],
            json!({"kubernetes.io/metadata.name": "team-a"})
        );
        assert_eq!(ns["status"]["phase"], "Active");
        let mut s = json!({"metadata": {"name": "s"}});
        secret(&mut s);
        assert_eq!(s["type"], "Opaque");
        let mut n = json!({"status": {"capacity": {"cpu": "4", "memory": "8Gi"}}});
        node(&mut n);
        assert_eq!(
            n["status"]["allocatable"],
            json!({"cpu": "4", "memory": "8Gi"})
        );
    }

    #[test]
    fn limit_range_item_defaults() {
        let mut lr = json!({"spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}}]}});
        limit_range(&mut lr);
        let item = &lr["spec"]["limits"][0];
        assert_eq!(item["default"], json!({"cpu": "2"}));
        assert_eq!(
            item["defaultRequest"],
            json!({"cpu": "2", "memory": "64Mi"})
        );
    }
}
