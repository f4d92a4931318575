//! APIBindings (`reference/kcp.md` §3.9, §4.8), as kcp's `apis.kcp.io/APIBinding` plugin
//! admits them, in either version. On create, and on an update that changes the export
//! reference or the `internal.apis.kcp.io/export` label:
//!
//! - the export is resolved by path (an empty path is the binding's own cluster; `root` is
//!   taken as is, so that root's own bindings need no lookup);
//! - the label is set to `base62(sha224("<export cluster>:<export name>"))` (mutating) and must
//!   be that value (validating);
//! - the user must have verb `bind` on `apiexports/<name>` in the export's cluster, else
//!   403 `unable to create APIBinding: no permission to bind to export <path>:<name>` (`update`
//!   on updates) — the same answer when the export does not exist, so that a user learns
//!   nothing of workspaces they cannot bind from.
//!
//! Every create and update is also checked as kcp's `ValidateAPIBinding` and
//! `ValidateAPIBindingUpdate` check it.

use serde_json::{Value, json};

use super::{Plugins, error_list, forbidden, label, text};
use crate::apis::{APIBINDINGS, APIEXPORTS, Apis, EXPORT_LABEL};
use crate::authz::{self, Decision};
use crate::errors::{ApiError, ApiResult, FieldError, FieldPath};
use crate::registry::admission::{Attributes, Operation};
use crate::registry::object;
use kcp_api::ROOT_CLUSTER;
use kcp_api::keys::{APIS_GROUP, PERMISSION_CLAIMS_ANNOTATION};

/// `spec.reference.export` of a binding.
#[derive(Debug, PartialEq, Eq)]
struct Reference<'v> {
    path: &'v str,
    name: &'v str,
}

impl<'v> Reference<'v> {
    fn of(binding: &'v Value) -> Option<Self> {
        let export = binding.pointer("/spec/reference/export")?;
        if export.is_null() {
            return None;
        }
        Some(Self {
            path: text(export, "/path"),
            name: text(export, "/name"),
        })
    }

    /// `<path>:<name>`, or the name alone for an export of the binding's own cluster.
    fn display(&self) -> String {
        if self.path.is_empty() {
            self.name.to_string()
        } else {
            format!("{}:{}", self.path, self.name)
        }
    }
}

/// Whether the write must have its export resolved, labelled and permitted: a create, or an
/// update changing the reference or the export label.
fn binds(attrs: &Attributes<'_>, binding: &Value) -> bool {
    match (attrs.operation, attrs.old) {
        (Operation::Update, Some(old)) => {
            Reference::of(binding) != Reference::of(old)
                || label(binding, EXPORT_LABEL) != label(old, EXPORT_LABEL)
        }
        _ => true,
    }
}

/// The one answer to a binding whose export cannot be bound, whether it exists or not.
fn no_permission(attrs: &Attributes<'_>, reference: &Reference<'_>) -> ApiError {
    let action = match attrs.operation {
        Operation::Create => "create",
        Operation::Update => "update",
    };
    forbidden(
        attrs,
        &format!(
            "unable to {action} APIBinding: no permission to bind to export {}",
            reference.display()
        ),
    )
}

/// The logical cluster of the referenced export, if it can be found.
async fn export_cluster(apis: &Apis, cluster: &str, reference: &Reference<'_>) -> Option<String> {
    match reference.path {
        "" => Some(cluster.to_string()),
        ROOT_CLUSTER => Some(ROOT_CLUSTER.to_string()),
        path => {
            let export_cluster = apis.cluster_of(path).await?;
            let key = crate::apis::key(APIEXPORTS, &export_cluster, reference.name);
            apis.storage.get_cached(&key).await.map(|_| export_cluster)
        }
    }
}

/// The mutating half: sets the export label.
pub async fn admit(
    plugins: &Plugins<'_>,
    attrs: &Attributes<'_>,
    obj: &mut Value,
) -> ApiResult<()> {
    if !attrs.is(APIS_GROUP, APIBINDINGS) {
        return Ok(());
    }
    if attrs.def.version == "v1alpha1" {
        overhanging_permission_claims(obj).map_err(|e| forbidden(attrs, &e.to_string()))?;
    }
    // Without a reference there is nothing to label: validation says what is missing.
    let Some(reference) = Reference::of(obj) else {
        return Ok(());
    };
    if !binds(attrs, obj) {
        return Ok(());
    }
    let Some(export_cluster) = export_cluster(plugins.apis, attrs.cluster, &reference).await else {
        return Err(no_permission(attrs, &reference));
    };
    let value = kcp_api::names::apibinding_export_label_value(&export_cluster, reference.name);
    let labels = object::meta_mut(obj)
        .entry("labels")
        .or_insert_with(|| json!({}));
    if !labels.is_object() {
        *labels = json!({});
    }
    labels[EXPORT_LABEL] = json!(value);
    Ok(())
}

/// The validating half: the binding is valid, and binding the export is permitted.
pub async fn validate(plugins: &Plugins<'_>, attrs: &Attributes<'_>, obj: &Value) -> ApiResult<()> {
    if !attrs.is(APIS_GROUP, APIBINDINGS) {
        return Ok(());
    }
    let v1alpha1 = attrs.def.version == "v1alpha1";
    let errs = match (attrs.operation, attrs.old) {
        (Operation::Update, Some(old)) => validate_binding_update(obj, old, v1alpha1),
        _ => validate_binding(obj, v1alpha1),
    };
    if !errs.is_empty() {
        return Err(forbidden(attrs, &error_list(&errs)));
    }
    let Some(reference) = Reference::of(obj) else {
        return Ok(());
    };
    if !binds(attrs, obj) {
        return Ok(());
    }
    let Some(export_cluster) = export_cluster(plugins.apis, attrs.cluster, &reference).await else {
        return Err(no_permission(attrs, &reference));
    };
    let bind = authz::Attributes {
        verb: "bind".into(),
        resource_request: true,
        api_group: APIS_GROUP.into(),
        resource: APIEXPORTS.into(),
        name: reference.name.to_string(),
        ..authz::Attributes::default()
    };
    if let Decision::Deny(_) =
        authz::authorize_deep(&plugins.apis.storage, plugins.user, &export_cluster, &bind).await
    {
        return Err(no_permission(attrs, &reference));
    }
    let expected = kcp_api::names::apibinding_export_label_value(&export_cluster, reference.name);
    let value = label(obj, EXPORT_LABEL).unwrap_or("");
    if value != expected {
        let path = FieldPath::new("metadata").child("labels").key(EXPORT_LABEL);
        let e = FieldError::invalid(&path, value, &format!("must be set to {expected:?}"));
        return Err(forbidden(attrs, &e.to_string()));
    }
    Ok(())
}

/// kcp's `ValidateAPIBinding` (v1alpha1 checks the reference only; v1alpha2 also the
/// selectors of the accepted claims).
fn validate_binding(binding: &Value, v1alpha1: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let reference = FieldPath::new("spec").child("reference");
    match Reference::of(binding) {
        None => errs.push(FieldError::required(&reference.child("export"), "")),
        Some(r) if r.name.is_empty() => errs.push(FieldError::required(
            &reference.child("export").child("name"),
            "",
        )),
        Some(_) => {}
    }
    if v1alpha1 {
        return errs;
    }
    let claims = binding
        .pointer("/spec/permissionClaims")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, claim) in claims.iter().enumerate() {
        let path = FieldPath::new("spec")
            .child("permissionClaims")
            .index(i)
            .child("selector");
        let selector = claim.get("selector").cloned().unwrap_or(json!({}));
        let non_empty = |k: &str| match selector.get(k) {
            Some(Value::Object(m)) => !m.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            _ => false,
        };
        if selector.get("matchAll") == Some(&Value::Bool(true)) {
            for (field, what) in [
                ("matchLabels", "matchLabels cannot be used with matchAll"),
                (
                    "matchExpressions",
                    "matchExpressions cannot be used with matchAll",
                ),
            ] {
                if non_empty(field) {
                    errs.push(FieldError::invalid(
                        &path.child(field),
                        selector.clone(),
                        what,
                    ));
                }
            }
        } else if !non_empty("matchLabels") && !non_empty("matchExpressions") {
            errs.push(FieldError::required(
                &path,
                "either one of matchAll, matchLabels, or matchExpressions must be set",
            ));
        }
    }
    errs
}

/// kcp's `ValidateAPIBindingUpdate`: valid, and a phase once set is never unset.
fn validate_binding_update(binding: &Value, old: &Value, v1alpha1: bool) -> Vec<FieldError> {
    let mut errs = validate_binding(binding, v1alpha1);
    let (old_phase, phase) = (text(old, "/status/phase"), text(binding, "/status/phase"));
    if !old_phase.is_empty() && phase.is_empty() {
        errs.push(FieldError::forbidden(
            &FieldPath::new("status").child("phase"),
            &format!("cannot transition from {old_phase:?} to {phase:?}"),
        ));
    }
    errs
}

/// A v1alpha1 binding's `apis.v1alpha2.kcp.io/permission-claims` annotation decodes, and each
/// of its claims is one of `spec.permissionClaims`.
fn overhanging_permission_claims(binding: &Value) -> Result<(), FieldError> {
    let Some(raw) = super::annotation(binding, PERMISSION_CLAIMS_ANNOTATION) else {
        return Ok(());
    };
    let path = FieldPath::new("metadata")
        .child("annotations")
        .key(PERMISSION_CLAIMS_ANNOTATION);
    let overhanging = super::apiexport::json_list(raw).ok_or_else(|| {
        FieldError::invalid(&path, raw, "failed to decode overhanging permission claims")
    })?;
    let spec: Vec<kcp_api::apis::v1alpha1::PermissionClaim> = binding
        .pointer("/spec/permissionClaims")
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default();
    super::apiexport::claims_match(&overhanging, &spec).map_err(|()| {
        FieldError::invalid(
            &path,
            raw,
            "permission claims defined in annotation do not match permission claims defined in spec",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errs(binding: Value, v1alpha1: bool) -> Vec<String> {
        validate_binding(&binding, v1alpha1)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_reference_names_an_export() {
        assert_eq!(
            errs(json!({"spec": {"reference": {}}}), false),
            vec!["spec.reference.export: Required value"]
        );
        assert_eq!(
            errs(
                json!({"spec": {"reference": {"export": {"path": "root"}}}}),
                true
            ),
            vec!["spec.reference.export.name: Required value"]
        );
        assert!(
            errs(
                json!({"spec": {"reference": {"export": {"name": "x"}}}}),
                false
            )
            .is_empty()
        );
    }

    #[test]
    fn accepted_claims_select_one_way() {
        let with = |selector: Value| {
            errs(
                json!({"spec": {"reference": {"export": {"name": "x"}}, "permissionClaims": [
                    {"resource": "configmaps", "verbs": ["*"], "selector": selector, "state": "Accepted"}]}}),
                false,
            )
        };
        assert!(with(json!({"matchAll": true})).is_empty());
        assert!(with(json!({"matchLabels": {"a": "b"}})).is_empty());
        assert_eq!(
            with(json!({})),
            vec![
                "spec.permissionClaims[0].selector: Required value: either one of matchAll, matchLabels, or matchExpressions must be set"
            ]
        );
        assert_eq!(
            with(json!({"matchAll": true, "matchLabels": {"a": "b"}})),
            vec![
                r#"spec.permissionClaims[0].selector.matchLabels: Invalid value: {"matchAll":true,"matchLabels":{"a":"b"}}: matchLabels cannot be used with matchAll"#
            ]
        );
    }

    #[test]
    fn a_phase_is_never_unset() {
        let old =
            json!({"spec": {"reference": {"export": {"name": "x"}}}, "status": {"phase": "Bound"}});
        let new = json!({"spec": {"reference": {"export": {"name": "x"}}}, "status": {}});
        let got: Vec<String> = validate_binding_update(&new, &old, false)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            got,
            vec![r#"status.phase: Forbidden: cannot transition from "Bound" to """#]
        );
    }

    #[test]
    fn the_export_is_named_with_its_path() {
        let r = Reference {
            path: "root:not-existent",
            name: "today-cowboys",
        };
        assert_eq!(r.display(), "root:not-existent:today-cowboys");
        assert_eq!(
            Reference {
                path: "",
                name: "x"
            }
            .display(),
            "x"
        );
    }

    #[test]
    fn v1alpha1_overhanging_claims_match_the_spec() {
        let binding = |claims: &str| {
            json!({"metadata": {"annotations": {PERMISSION_CLAIMS_ANNOTATION: claims}},
                   "spec": {"reference": {"export": {"name": "x"}},
                            "permissionClaims": [{"group": "foo", "resource": "bar", "identityHash": "baz", "all": true, "state": "Accepted"}]}})
        };
        assert!(
            overhanging_permission_claims(&binding(
                r#"[{"group":"foo","resource":"bar","identityHash":"baz","verbs":["get"]}]"#
            ))
            .is_ok()
        );
        let e = overhanging_permission_claims(&binding(r#"[{"group":"foo","resource":"other"}]"#))
            .unwrap_err();
        assert!(e.to_string().ends_with(
            "permission claims defined in annotation do not match permission claims defined in spec"
        ));
        let e = overhanging_permission_claims(&binding("nope")).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("failed to decode overhanging permission claims")
        );
    }
}
