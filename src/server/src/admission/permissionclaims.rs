//! kcp's `permissionclaims` mutating admission: every create and update of an object (not of
//! a subresource) leaves it with exactly the claim labels its workspace's accepted permission
//! claims give it ([`crate::apis::claims`]). A label a client sets or removes is put back as
//! the claims say, so kcp's validating half never has anything to refuse.

use serde_json::Value;

use crate::apis::claims;
use crate::registry::admission::Attributes;

pub fn admit(claims: &claims::Claims, attrs: &Attributes<'_>, obj: &mut Value) {
    if !attrs.subresource.is_empty() {
        return;
    }
    let has_claim_label = || {
        obj.pointer("/metadata/labels")
            .and_then(Value::as_object)
            .is_some_and(|l| {
                l.keys()
                    .any(|k| k.starts_with(kcp_api::keys::APIEXPORT_PERMISSION_CLAIM_LABEL_PREFIX))
            })
    };
    // The common case, a workspace without accepted claims and an object without their labels,
    // costs one map lookup.
    if !claims.any(attrs.cluster) && !has_claim_label() {
        return;
    }
    let expected = claims.labels_for(
        attrs.cluster,
        attrs.def.group,
        attrs.def.resource,
        &claims::object_labels(obj),
    );
    claims::apply_labels(obj, &expected);
}
