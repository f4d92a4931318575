//! Authorization: one in-process `authorize(user, cluster, attributes)` usable for any logical
//! cluster. `system:masters` may do anything; everyone else is checked against RBAC in the
//! request's logical cluster merged with the bootstrap policy kept in `system:admin` (which
//! binds `system:kcp:admin` to `cluster-admin` everywhere), as kcp's authorizer chain does.

use std::sync::Arc;

use serde_json::Value;

use crate::authn::{MASTERS, User};
use crate::storage::{CachedObject, Storage, keys};

/// The logical cluster holding the bootstrap policy that applies to every cluster.
pub const BOOTSTRAP_CLUSTER: &str = "system:admin";

/// What is being asked, as `authorizer.Attributes`.
#[derive(Clone, Debug, Default)]
pub struct Attributes {
    pub verb: String,
    pub resource_request: bool,
    pub api_group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    /// For non-resource requests.
    pub path: String,
}

/// The answer, with a reason for denials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(String),
}

/// Whether `user` may do `attrs` in `cluster`.
pub async fn authorize(
    storage: &Storage,
    user: &User,
    cluster: &str,
    attrs: &Attributes,
) -> Decision {
    if user.in_group(MASTERS) {
        return Decision::Allow;
    }
    let namespace = if attrs.resource_request {
        attrs.namespace.as_str()
    } else {
        ""
    };
    let roles = bound_roles(storage, user, cluster, namespace).await;
    let allows = |a: &Attributes| {
        roles
            .iter()
            .flat_map(|r| rules_of(r))
            .any(|r| rule_allows(r, a))
    };
    // kcp's workspace content authorizer: in a workspace, nothing at all without `access`.
    if storage.serves_logical_clusters() && !cluster.starts_with("system:") {
        let access = Attributes {
            verb: "access".into(),
            path: "/".into(),
            ..Attributes::default()
        };
        if !allows(&access) {
            return Decision::Deny("access denied".into());
        }
    }
    if always_allowed(user, attrs) || allows(attrs) {
        return Decision::Allow;
    }
    Decision::Deny(String::new())
}

/// What kube's default roles give every authenticated user (`system:basic-user`,
/// `system:discovery`, `system:public-info-viewer`).
fn always_allowed(user: &User, a: &Attributes) -> bool {
    if !user.in_group(crate::authn::ALL_AUTHENTICATED) {
        return false;
    }
    if a.resource_request {
        return a.verb == "create"
            && ((a.api_group == "authorization.k8s.io"
                && (a.resource == "selfsubjectaccessreviews"
                    || a.resource == "selfsubjectrulesreviews"))
                || (a.api_group == "authentication.k8s.io" && a.resource == "selfsubjectreviews"));
    }
    a.verb == "get"
        && (a.path == "/api"
            || a.path == "/apis"
            || a.path.starts_with("/api/")
            || a.path.starts_with("/apis/")
            || a.path.starts_with("/openapi")
            || a.path == "/version"
            || a.path.starts_with("/version/")
            || a.path == "/healthz"
            || a.path == "/livez"
            || a.path == "/readyz")
}

/// Who a user is to RBAC in one logical cluster. As in kcp, a service account is itself only in
/// its own logical cluster (named in its token); in any other it matches only its global name,
/// `system:kcp:serviceaccount:<cluster>:<namespace>:<name>`, and `system:authenticated`, so a
/// binding of `default/robot` in one workspace never admits the `default/robot` of another.
struct RbacSubject<'a> {
    user: &'a User,
    /// A service account of another logical cluster.
    foreign: bool,
    /// A service account's global name, bindable in every logical cluster.
    global_name: Option<String>,
}

impl<'a> RbacSubject<'a> {
    fn new(user: &'a User, cluster: &str) -> Self {
        let home = user
            .extra
            .get(crate::serviceaccount::CLUSTER_NAME_EXTRA)
            .and_then(|c| c.first());
        let sa = user.name.strip_prefix("system:serviceaccount:");
        Self {
            user,
            foreign: sa.is_some() && home.is_some_and(|h| h != cluster),
            global_name: sa
                .zip(home)
                .map(|(ns_name, home)| format!("system:kcp:serviceaccount:{home}:{ns_name}")),
        }
    }

    fn matches(&self, s: &Value, binding_ns: &str) -> bool {
        let name = s["name"].as_str().unwrap_or("");
        match s["kind"].as_str().unwrap_or("") {
            "User" => {
                (!self.foreign && name == self.user.name)
                    || self.global_name.as_deref() == Some(name)
            }
            "Group" if self.foreign => name == crate::authn::ALL_AUTHENTICATED,
            "Group" => self.user.in_group(name),
            "ServiceAccount" if self.foreign => false,
            "ServiceAccount" => {
                let ns = s["namespace"]
                    .as_str()
                    .filter(|n| !n.is_empty())
                    .unwrap_or(binding_ns);
                self.user
                    .name
                    .strip_prefix("system:serviceaccount:")
                    .and_then(|rest| rest.split_once(':'))
                    == Some((ns, name))
            }
            _ => false,
        }
    }
}

fn matches_item(list: &Value, want: &str) -> bool {
    list.as_array()
        .is_some_and(|a| a.iter().any(|v| v == "*" || v.as_str() == Some(want)))
}

/// Whether one policy rule covers the request.
pub fn rule_allows(rule: &Value, a: &Attributes) -> bool {
    if !matches_item(&rule["verbs"], &a.verb) {
        return false;
    }
    if !a.resource_request {
        return rule["nonResourceURLs"].as_array().is_some_and(|urls| {
            urls.iter().filter_map(Value::as_str).any(|u| {
                u == "*"
                    || u == a.path
                    || (u.ends_with('*') && a.path.starts_with(&u[..u.len() - 1]))
            })
        });
    }
    if !matches_item(&rule["apiGroups"], &a.api_group) {
        return false;
    }
    let combined = if a.subresource.is_empty() {
        a.resource.clone()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let resource_ok = rule["resources"].as_array().is_some_and(|rs| {
        rs.iter().filter_map(Value::as_str).any(|r| {
            r == "*"
                || r == combined
                || (!a.subresource.is_empty() && r == format!("*/{}", a.subresource))
        })
    });
    if !resource_ok {
        return false;
    }
    match rule["resourceNames"].as_array() {
        Some(names) if !names.is_empty() => names.iter().any(|n| n.as_str() == Some(&a.name)),
        _ => true,
    }
}

/// The policy rules of a Role or ClusterRole.
pub fn rules_of(role: &CachedObject) -> &[Value] {
    role.shared_value()
        .and_then(|r| r["rules"].as_array())
        .map_or(&[], Vec::as_slice)
}

/// The role a binding's `roleRef` names, if it exists.
async fn bound_role(
    storage: &Storage,
    cluster: &str,
    role_ref: &Value,
    binding_ns: Option<&str>,
) -> Option<Arc<CachedObject>> {
    let name = role_ref["name"].as_str().unwrap_or("");
    let (resource, ns) = match role_ref["kind"].as_str() {
        Some("ClusterRole") => ("clusterroles", None),
        Some("Role") => ("roles", binding_ns),
        _ => return None,
    };
    // A ClusterRole missing locally resolves against the bootstrap policy, as kcp does.
    let clusters: &[&str] = if ns.is_none() {
        &[cluster, BOOTSTRAP_CLUSTER]
    } else {
        &[cluster]
    };
    for c in clusters {
        let key = keys::object_key(
            "rbac.authorization.k8s.io",
            resource,
            &keys::KeySpace::BuiltIn,
            c,
            ns,
            name,
        );
        if let Some(role) = storage.get_cached(&key).await {
            return Some(role);
        }
    }
    None
}

/// Every role bound to `user` in `cluster` (and in `namespace`, when given): by the cluster's
/// ClusterRoleBindings and the namespace's RoleBindings, plus the bootstrap policy's
/// ClusterRoleBindings. Read from the watch cache, as kube's RBAC authorizer reads informers;
/// each binding and role is decoded once per revision (see [`CachedObject::shared_value`]).
pub async fn bound_roles(
    storage: &Storage,
    user: &User,
    cluster: &str,
    namespace: &str,
) -> Vec<Arc<CachedObject>> {
    let subject = RbacSubject::new(user, cluster);
    let group = "rbac.authorization.k8s.io";
    let space = keys::KeySpace::BuiltIn;
    let mut scopes: Vec<(&str, String, Option<&str>)> = Vec::new();
    for c in [cluster, BOOTSTRAP_CLUSTER] {
        scopes.push((
            c,
            keys::cluster_prefix(group, "clusterrolebindings", &space, c, None),
            None,
        ));
        if c == BOOTSTRAP_CLUSTER {
            break;
        }
    }
    if !namespace.is_empty() {
        scopes.push((
            cluster,
            keys::cluster_prefix(group, "rolebindings", &space, cluster, Some(namespace)),
            Some(namespace),
        ));
    }
    let mut roles = Vec::new();
    for (c, prefix, ns) in scopes {
        let page = storage.list_cached(&prefix, None, 0, &|_| true).await;
        for b in page.items {
            let Some(binding) = b.shared_value() else {
                continue;
            };
            let bound = binding["subjects"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| subject.matches(s, ns.unwrap_or(""))));
            if bound && let Some(role) = bound_role(storage, c, &binding["roleRef"], ns).await {
                roles.push(role);
            }
        }
    }
    roles
}

/// kube's denial message: `User "bob" cannot list resource "configmaps" in API group "" in the
/// namespace "default"`.
pub fn denial_message(user: &User, a: &Attributes, reason: &str) -> String {
    let mut msg = if a.resource_request {
        let mut m = format!(
            "User {:?} cannot {} resource {:?}",
            user.name,
            a.verb,
            if a.subresource.is_empty() {
                a.resource.clone()
            } else {
                format!("{}/{}", a.resource, a.subresource)
            }
        );
        m.push_str(&format!(" in API group {:?}", a.api_group));
        if a.namespace.is_empty() {
            m.push_str(" at the cluster scope");
        } else {
            m.push_str(&format!(" in the namespace {:?}", a.namespace));
        }
        m
    } else {
        format!("User {:?} cannot {} path {:?}", user.name, a.verb, a.path)
    };
    if !reason.is_empty() {
        msg.push_str(": ");
        msg.push_str(reason);
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(verb: &str, group: &str, resource: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            resource_request: true,
            api_group: group.into(),
            resource: resource.into(),
            ..Attributes::default()
        }
    }

    #[test]
    fn rules() {
        let admin = json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]});
        assert!(rule_allows(&admin, &attrs("delete", "apps", "deployments")));
        let cm = json!({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]});
        assert!(rule_allows(&cm, &attrs("list", "", "configmaps")));
        assert!(!rule_allows(&cm, &attrs("create", "", "configmaps")));
        assert!(!rule_allows(&cm, &attrs("list", "", "secrets")));
        let named = json!({"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"], "verbs": ["get"]});
        let mut a = attrs("get", "", "configmaps");
        a.name = "b".into();
        assert!(!rule_allows(&named, &a));
        a.name = "a".into();
        assert!(rule_allows(&named, &a));
    }

    #[test]
    fn a_service_account_is_itself_only_in_its_own_logical_cluster() {
        let mut robot = User::new(
            "system:serviceaccount:default:robot",
            &[
                "system:serviceaccounts",
                "system:serviceaccounts:default",
                crate::authn::ALL_AUTHENTICATED,
            ],
        );
        robot.extra.insert(
            crate::serviceaccount::CLUSTER_NAME_EXTRA.into(),
            vec!["home1".into()],
        );
        let sa = json!({"kind": "ServiceAccount", "name": "robot", "namespace": "default"});
        let user = json!({"kind": "User", "name": "system:serviceaccount:default:robot"});
        let global =
            json!({"kind": "User", "name": "system:kcp:serviceaccount:home1:default:robot"});
        let group = json!({"kind": "Group", "name": "system:serviceaccounts"});
        let everyone = json!({"kind": "Group", "name": "system:authenticated"});

        let home = RbacSubject::new(&robot, "home1");
        for s in [&sa, &user, &global, &group, &everyone] {
            assert!(home.matches(s, "default"), "{s}");
        }
        let elsewhere = RbacSubject::new(&robot, "other2");
        for s in [&sa, &user, &group] {
            assert!(!elsewhere.matches(s, "default"), "{s}");
        }
        for s in [&global, &everyone] {
            assert!(elsewhere.matches(s, "default"), "{s}");
        }
        // A token without a cluster (the kube profile's older tokens) is matched as kube does.
        robot.extra.clear();
        assert!(RbacSubject::new(&robot, "other2").matches(&sa, "default"));
    }
}
