//! The admission hook of the write paths: what kube-apiserver's mutating and validating
//! admission chains see of a write. Every create, update, patch (all types), server-side apply
//! and `scale` write computes its final object, then calls [`Admission::admit`] on it (before
//! the strategy's defaults and validation: kube's mutating admission) and
//! [`Admission::validate`] (after the strategy's validation, right before the store: kube's
//! `ValidateObjectFunc`), both with the old object on updates.
//!
//! The registry only defines the hook; the plugins live in [`crate::admission`]. Writes the
//! server makes itself (bootstrap, controllers) pass [`NoAdmission`], as they are the system.

use async_trait::async_trait;
use serde_json::Value;

use crate::catalog::ResourceDef;
use crate::errors::ApiResult;

/// What a write is (`admission.Operation`; deletes do not reach admission here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
}

/// The request as an admission plugin sees it (`admission.Attributes`).
#[derive(Clone, Copy)]
pub struct Attributes<'a> {
    pub operation: Operation,
    /// The logical cluster written to.
    pub cluster: &'a str,
    /// The resource, in the version of the request (the objects are in that version too).
    pub def: &'a ResourceDef,
    pub subresource: &'a str,
    /// The object's name (generated already for `generateName`).
    pub name: &'a str,
    /// The stored object, on updates.
    pub old: Option<&'a Value>,
    pub dry_run: bool,
}

impl Attributes<'_> {
    /// Whether the write is to `resource` of `group` (any version, any subresource).
    pub fn is(&self, group: &str, resource: &str) -> bool {
        self.def.group == group && self.def.resource == resource
    }
}

/// Admission plugins on the final object of a write. Errors are returned to the client as they
/// are (kcp's plugins answer `403 Forbidden`, see `crate::admission::forbidden`).
#[async_trait]
pub trait Admission: Send + Sync {
    /// Mutating admission: may change the object before it is defaulted and validated.
    async fn admit(&self, attrs: &Attributes<'_>, obj: &mut Value) -> ApiResult<()>;

    /// Validating admission: the object as it will be stored.
    async fn validate(&self, attrs: &Attributes<'_>, obj: &Value) -> ApiResult<()>;
}

/// No admission: the server's own writes.
pub struct NoAdmission;

#[async_trait]
impl Admission for NoAdmission {
    async fn admit(&self, _: &Attributes<'_>, _: &mut Value) -> ApiResult<()> {
        Ok(())
    }

    async fn validate(&self, _: &Attributes<'_>, _: &Value) -> ApiResult<()> {
        Ok(())
    }
}
