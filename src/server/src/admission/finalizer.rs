//! A finalizer every object of a resource carries while it lives, as kcp's finalizer plugins
//! (`apis.kcp.io/APIBindingDeletionFinalizer`): added on create, and on update when missing;
//! only the system may remove it once the object is being deleted (its controller does, in
//! process, when the object's dependents are gone).

use serde_json::Value;

use super::forbidden;
use crate::authn::{MASTERS, User};
use crate::errors::ApiResult;
use crate::registry::admission::{Attributes, Operation};
use crate::registry::object;

/// The finalizer of one resource.
pub struct Finalizer {
    pub group: &'static str,
    pub resource: &'static str,
    pub name: &'static str,
}

/// Every APIBinding keeps `apis.kcp.io/apibinding-finalizer` until the objects it bound are
/// deleted.
pub const APIBINDING: Finalizer = Finalizer {
    group: kcp_api::keys::APIS_GROUP,
    resource: crate::apis::APIBINDINGS,
    name: crate::apis::BINDING_FINALIZER,
};

impl Finalizer {
    fn has(&self, obj: &Value) -> bool {
        object::finalizers(obj).iter().any(|f| f == self.name)
    }

    /// Adds the finalizer to an object that lacks it and is not being deleted.
    pub fn admit(&self, attrs: &Attributes<'_>, obj: &mut Value) {
        if !attrs.is(self.group, self.resource) || self.has(obj) || object::is_deleting(obj) {
            return;
        }
        let finalizers = object::meta_mut(obj)
            .entry("finalizers")
            .or_insert_with(|| Value::Array(Vec::new()));
        match finalizers.as_array_mut() {
            Some(list) => list.push(Value::from(self.name)),
            None => *finalizers = Value::from(vec![self.name]),
        }
    }

    /// The finalizer is there on create and while the object lives; a user may not remove it
    /// from an object being deleted.
    pub fn validate(&self, attrs: &Attributes<'_>, obj: &Value, user: &User) -> ApiResult<()> {
        if !attrs.is(self.group, self.resource) {
            return Ok(());
        }
        let exists = self.has(obj);
        let required = || forbidden(attrs, &format!("finalizer {} is required", self.name));
        match (attrs.operation, attrs.old) {
            (Operation::Create, _) if !exists => Err(required()),
            (Operation::Update, Some(old)) => {
                let deleting = object::is_deleting(obj);
                let removing = self.has(old) && !exists;
                if !deleting && !exists {
                    Err(required())
                } else if deleting && removing && !user.in_group(MASTERS) {
                    Err(forbidden(
                        attrs,
                        &format!("removing the finalizer {} is forbidden", self.name),
                    ))
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalogs;
    use serde_json::json;

    fn bindings() -> crate::catalog::ResourceDef {
        let catalogs = Catalogs::new(crate::options::Profile::Kcp, &Default::default());
        catalogs
            .base()
            .lookup(kcp_api::keys::APIS_GROUP, "v1alpha2", "apibindings")
            .expect("apibindings served")
            .clone()
    }

    fn attrs<'a>(
        def: &'a crate::catalog::ResourceDef,
        operation: Operation,
        old: Option<&'a Value>,
    ) -> Attributes<'a> {
        Attributes {
            operation,
            cluster: "c",
            def,
            subresource: "",
            name: "b",
            old,
            dry_run: false,
        }
    }

    #[test]
    fn added_on_create_and_update_unless_deleting() {
        let def = bindings();
        let mut obj = json!({"metadata": {"name": "b", "finalizers": ["other"]}});
        APIBINDING.admit(&attrs(&def, Operation::Create, None), &mut obj);
        assert_eq!(
            obj["metadata"]["finalizers"],
            json!(["other", "apis.kcp.io/apibinding-finalizer"])
        );
        APIBINDING.admit(&attrs(&def, Operation::Create, None), &mut obj);
        assert_eq!(
            obj["metadata"]["finalizers"].as_array().map(Vec::len),
            Some(2)
        );
        let mut deleting =
            json!({"metadata": {"name": "b", "deletionTimestamp": "2026-01-01T00:00:00Z"}});
        let old = deleting.clone();
        APIBINDING.admit(&attrs(&def, Operation::Update, Some(&old)), &mut deleting);
        assert!(deleting["metadata"].get("finalizers").is_none());
    }

    #[test]
    fn only_the_system_removes_it_from_a_binding_being_deleted() {
        let def = bindings();
        let user = User::new("alice", &["system:authenticated"]);
        let old = json!({"metadata": {"name": "b", "deletionTimestamp": "2026-01-01T00:00:00Z",
                                      "finalizers": ["apis.kcp.io/apibinding-finalizer"]}});
        let new = json!({"metadata": {"name": "b", "deletionTimestamp": "2026-01-01T00:00:00Z",
                                      "finalizers": []}});
        let e = APIBINDING
            .validate(&attrs(&def, Operation::Update, Some(&old)), &new, &user)
            .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                403,
                r#"apibindings.apis.kcp.io "b" is forbidden: removing the finalizer apis.kcp.io/apibinding-finalizer is forbidden"#
            )
        );
        let system = User::new("shard-admin", &[MASTERS]);
        assert!(
            APIBINDING
                .validate(&attrs(&def, Operation::Update, Some(&old)), &new, &system)
                .is_ok()
        );
        let live = json!({"metadata": {"name": "b"}});
        let e = APIBINDING
            .validate(&attrs(&def, Operation::Create, None), &live, &user)
            .unwrap_err();
        assert!(
            e.message
                .ends_with("finalizer apis.kcp.io/apibinding-finalizer is required")
        );
    }
}
