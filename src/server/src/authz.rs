//! Authorization: one in-process `authorize(user, cluster, attributes)` usable for any logical
//! cluster, kcp's authorizer chain (`reference/kcp.md` §4.8) in this order:
//!
//! 1. `system:masters` may do anything;
//! 2. the workspace content check: outside the `system:` clusters, nothing without verb
//!    `access` on `/`;
//! 3. the system CRD check: nobody else writes `apibindings/status` or `apiexports/status`
//!    (the controllers write them in process);
//! 4. the maximal permission policy of the APIExport a bound resource comes from
//!    ([`authorize_resource`]): RBAC of the export's cluster, for the user and groups prefixed
//!    `apis.kcp.io:binding:`;
//! 5. RBAC of the request's logical cluster merged with the bootstrap policy kept in
//!    `system:admin` (which binds `system:kcp:admin` to `cluster-admin` everywhere).
//!
//! Admission's delegated checks (`bind` on an APIExport) are kcp's deep SubjectAccessReviews
//! ([`authorize_deep`]): RBAC alone.

use std::sync::Arc;

use serde_json::Value;

use crate::authn::{MASTERS, User};
use crate::catalog::BoundSource;
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

/// What a client is told when kcp's chain denies: its decorators replace each step's own
/// reason by this (the step's reason goes to the log).
pub const ACCESS_DENIED: &str = "access denied";

/// Whether `user` may do `attrs` in `cluster`.
pub async fn authorize(
    storage: &Storage,
    user: &User,
    cluster: &str,
    attrs: &Attributes,
) -> Decision {
    authorize_resource(storage, user, cluster, attrs, None).await
}

/// [`authorize`] for a request on a resource whose definition is known: when the resource is
/// bound from an APIExport (`bound`), that export's maximal permission policy applies too.
pub async fn authorize_resource(
    storage: &Storage,
    user: &User,
    cluster: &str,
    attrs: &Attributes,
    bound: Option<&BoundSource>,
) -> Decision {
    if user.in_group(MASTERS) {
        return Decision::Allow;
    }
    let roles = bound_roles(storage, user, cluster, rbac_namespace(attrs)).await;
    // kcp's workspace content authorizer: in a workspace, nothing at all without `access`.
    if storage.serves_logical_clusters() && !cluster.starts_with("system:") {
        let access = Attributes {
            verb: "access".into(),
            path: "/".into(),
            ..Attributes::default()
        };
        if !roles_allow(&roles, &access) {
            return Decision::Deny(ACCESS_DENIED.into());
        }
    }
    if let Some(reason) = system_crd_denial(attrs) {
        return denied(user, attrs, reason);
    }
    if let Some(source) = bound
        && let Some(reason) = maximal_permission_policy(storage, user, attrs, source).await
    {
        return denied(user, attrs, &reason);
    }
    if always_allowed(user, attrs) || roles_allow(&roles, attrs) {
        return Decision::Allow;
    }
    Decision::Deny(String::new())
}

/// kcp's deep SubjectAccessReview, which admission uses to check a permission in another
/// logical cluster (`bind` on an APIExport): RBAC of `cluster` merged with the bootstrap
/// policy, without the workspace content check or maximal permission policies.
pub async fn authorize_deep(
    storage: &Storage,
    user: &User,
    cluster: &str,
    attrs: &Attributes,
) -> Decision {
    if user.in_group(MASTERS) || rbac_allows(storage, user, cluster, attrs).await {
        return Decision::Allow;
    }
    Decision::Deny(String::new())
}

/// A denial by one step of kcp's chain: logged with the step's reason, answered as kcp does.
fn denied(user: &User, attrs: &Attributes, reason: &str) -> Decision {
    tracing::debug!(
        "authorization: {:?} {} {}/{}: {reason}",
        user.name,
        attrs.verb,
        attrs.resource,
        attrs.subresource
    );
    Decision::Deny(ACCESS_DENIED.into())
}

/// The namespace whose RoleBindings apply (none for non-resource requests).
fn rbac_namespace(attrs: &Attributes) -> &str {
    if attrs.resource_request {
        attrs.namespace.as_str()
    } else {
        ""
    }
}

fn roles_allow(roles: &[Arc<CachedObject>], attrs: &Attributes) -> bool {
    roles
        .iter()
        .flat_map(|r| rules_of(r))
        .any(|r| rule_allows(r, attrs))
}

/// Whether RBAC of `cluster` (merged with the bootstrap policy) allows `attrs` to `user`.
async fn rbac_allows(storage: &Storage, user: &User, cluster: &str, attrs: &Attributes) -> bool {
    let roles = bound_roles(storage, user, cluster, rbac_namespace(attrs)).await;
    roles_allow(&roles, attrs)
}

/// kcp's system CRD authorizer: the status of APIBindings and APIExports (any version) is
/// written by the system only. Returns kcp's reason for the log.
fn system_crd_denial(attrs: &Attributes) -> Option<&'static str> {
    if attrs.api_group != kcp_api::keys::APIS_GROUP || attrs.subresource != "status" {
        return None;
    }
    match attrs.resource.as_str() {
        crate::apis::APIBINDINGS => Some("apibinding status updates not permitted"),
        crate::apis::APIEXPORTS => Some("apiexport status updates not permitted"),
        _ => None,
    }
}

/// kcp's maximal permission policy authorizer, for a resource bound from `source`: when the
/// export has `spec.maximalPermissionPolicy.local`, RBAC of the export's cluster (merged with
/// the bootstrap policy) must allow the request to the user and groups prefixed
/// `apis.kcp.io:binding:`. Returns kcp's denial reason, or `None` when the policy allows or
/// does not apply (no policy, or the export deleted since).
pub async fn maximal_permission_policy(
    storage: &Storage,
    user: &User,
    attrs: &Attributes,
    source: &BoundSource,
) -> Option<String> {
    let key = crate::apis::key(
        crate::apis::APIEXPORTS,
        &source.export_cluster,
        &source.export_name,
    );
    let export = storage.get_cached(&key).await?;
    // The policy is read from the cached, decoded-once object: this runs on every request
    // on a bound resource (workspaces, in every workspace).
    export
        .shared_value()?
        .pointer("/spec/maximalPermissionPolicy/local")
        .filter(|local| local.is_object())?;
    let prefixed = policy_subject(user);
    if rbac_allows(storage, &prefixed, &source.export_cluster, attrs).await {
        return None;
    }
    Some(policy_reason(
        &source.export_cluster,
        &source.export_name,
        "",
    ))
}

/// The user as an export's maximal permission policy sees it: name and groups prefixed
/// `apis.kcp.io:binding:` (RBAC's `PrefixUser`).
fn policy_subject(user: &User) -> User {
    let prefix = crate::apis::POLICY_PREFIX;
    User {
        name: format!("{prefix}{}", user.name),
        uid: user.uid.clone(),
        groups: user.groups.iter().map(|g| format!("{prefix}{g}")).collect(),
        extra: user.extra.clone(),
    }
}

/// kcp's reason for a denial by a policy: `API export "<cluster>"|"<name>" policy: <RBAC's>`.
fn policy_reason(export_cluster: &str, export_name: &str, rbac_reason: &str) -> String {
    format!("API export {export_cluster:?}|{export_name:?} policy: {rbac_reason}")
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
    fn only_the_system_writes_binding_and_export_status() {
        for version in ["v1alpha1", "v1alpha2"] {
            for (resource, reason) in [
                ("apibindings", "apibinding status updates not permitted"),
                ("apiexports", "apiexport status updates not permitted"),
            ] {
                let mut a = attrs("patch", "apis.kcp.io", resource);
                assert_eq!(system_crd_denial(&a), None, "{version}");
                a.subresource = "status".into();
                assert_eq!(system_crd_denial(&a), Some(reason));
            }
        }
        let mut other = attrs("update", "tenancy.kcp.io", "workspaces");
        other.subresource = "status".into();
        assert_eq!(system_crd_denial(&other), None);
    }

    #[test]
    fn a_policy_sees_prefixed_subjects_and_says_which_export() {
        let mut user = User::new("alice", &["devs", "system:authenticated"]);
        user.uid = "1".into();
        let p = policy_subject(&user);
        assert_eq!(p.name, "apis.kcp.io:binding:alice");
        assert_eq!(
            p.groups,
            [
                "apis.kcp.io:binding:devs",
                "apis.kcp.io:binding:system:authenticated"
            ]
        );
        assert_eq!(p.uid, "1");
        assert_eq!(
            policy_reason("root", "tenancy.kcp.io", ""),
            r#"API export "root"|"tenancy.kcp.io" policy: "#
        );
    }

    /// A store with the objects `(key, JSON)`, behind a started watch cache.
    async fn storage_with(objects: &[(String, Value)]) -> (tempfile::TempDir, Arc<Storage>) {
        use kcp_store::Store;
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(kcp_store::EmbeddedStore::open(&dir.path().join("store.redb")).unwrap());
        let mut rev = 0;
        for (key, obj) in objects {
            let bytes = bytes::Bytes::from(obj.to_string());
            rev = store.create(key, bytes).await.unwrap().mod_revision;
        }
        let storage = Storage::start(store, true).await.unwrap();
        storage.wait_for(rev).await.unwrap();
        (dir, storage)
    }

    fn rbac_key(resource: &str, cluster: &str, name: &str) -> String {
        keys::object_key(
            "rbac.authorization.k8s.io",
            resource,
            &keys::KeySpace::BuiltIn,
            cluster,
            None,
            name,
        )
    }

    fn role(cluster: &str, name: &str, rules: Value) -> (String, Value) {
        (
            rbac_key("clusterroles", cluster, name),
            json!({"metadata": {"name": name}, "rules": rules}),
        )
    }

    fn binding(cluster: &str, role: &str, kind: &str, subject: &str) -> (String, Value) {
        let name = format!("{role}-{subject}");
        (
            rbac_key("clusterrolebindings", cluster, &name),
            json!({"metadata": {"name": name},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                   "subjects": [{"kind": kind, "name": subject}]}),
        )
    }

    #[tokio::test]
    async fn a_maximal_permission_policy_limits_even_a_workspace_admin() {
        let admin_rules = json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                                 {"nonResourceURLs": ["*"], "verbs": ["*"]}]);
        let export = |name: &str, policy: Value| {
            (
                crate::apis::key(crate::apis::APIEXPORTS, "root", name),
                json!({"metadata": {"name": name}, "spec": policy}),
            )
        };
        let (_dir, storage) = storage_with(&[
            role(BOOTSTRAP_CLUSTER, "cluster-admin", admin_rules.clone()),
            binding(BOOTSTRAP_CLUSTER, "cluster-admin", "Group", "system:kcp:admin"),
            binding("ws", "cluster-admin", "User", "alice"),
            export("tenancy.kcp.io", json!({"maximalPermissionPolicy": {"local": {}}})),
            export("topology.kcp.io", json!({})),
            role("root", "policy", json!([
                {"apiGroups": ["tenancy.kcp.io"], "resources": ["workspacetypes"], "verbs": ["*"]},
                {"apiGroups": ["tenancy.kcp.io"], "resources": ["workspacetypes/status"], "verbs": ["get"]},
            ])),
            binding("root", "policy", "Group", "apis.kcp.io:binding:system:authenticated"),
            role("root", "admin-policy", json!([{"apiGroups": ["tenancy.kcp.io"], "resources": ["*"], "verbs": ["*"]}])),
            binding("root", "admin-policy", "Group", "apis.kcp.io:binding:system:kcp:admin"),
        ])
        .await;
        let source = |name: &str| BoundSource {
            export_cluster: "root".into(),
            export_name: name.into(),
        };
        let alice = User::new("alice", &[crate::authn::ALL_AUTHENTICATED]);
        let kcp_admin = User::new(
            "kcp-admin",
            &["system:kcp:admin", crate::authn::ALL_AUTHENTICATED],
        );
        let mut status = attrs("update", "tenancy.kcp.io", "workspacetypes");
        status.subresource = "status".into();
        let main = attrs("update", "tenancy.kcp.io", "workspacetypes");
        let check = |user: &User, a: &Attributes, export: &str| {
            let (storage, user, a, source) =
                (storage.clone(), user.clone(), a.clone(), source(export));
            async move { authorize_resource(&storage, &user, "ws", &a, Some(&source)).await }
        };
        assert_eq!(
            check(&alice, &main, "tenancy.kcp.io").await,
            Decision::Allow
        );
        assert_eq!(
            check(&alice, &status, "tenancy.kcp.io").await,
            Decision::Deny(ACCESS_DENIED.into())
        );
        assert_eq!(
            check(&kcp_admin, &status, "tenancy.kcp.io").await,
            Decision::Allow
        );
        // No policy on the export, or no export any more: RBAC alone decides.
        assert_eq!(
            check(&alice, &status, "topology.kcp.io").await,
            Decision::Allow
        );
        assert_eq!(
            check(&alice, &status, "deleted.kcp.io").await,
            Decision::Allow
        );
        // The policy limits, it does not grant.
        let bob = User::new("bob", &[crate::authn::ALL_AUTHENTICATED]);
        assert!(matches!(
            check(&bob, &main, "tenancy.kcp.io").await,
            Decision::Deny(_)
        ));
        // Masters pass every step.
        let masters = User::new("shard-admin", &[MASTERS]);
        assert_eq!(
            check(&masters, &status, "tenancy.kcp.io").await,
            Decision::Allow
        );
        // A deep check (bind) is RBAC alone: no workspace access needed.
        let bind = Attributes {
            name: "tenancy.kcp.io".into(),
            ..attrs("bind", "apis.kcp.io", "apiexports")
        };
        assert!(matches!(
            authorize_deep(&storage, &bob, "ws", &bind).await,
            Decision::Deny(_)
        ));
        assert_eq!(
            authorize_deep(&storage, &alice, "ws", &bind).await,
            Decision::Allow
        );
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
