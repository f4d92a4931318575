//! ObjectMeta validation on create and on update, as `k8s.io/apimachinery/pkg/api/validation`
//! (`ValidateObjectMetaAccessor`, `ValidateObjectMetaAccessorUpdate`) and the core API's
//! variants that also check legacy finalizer names (`pkg/apis/core/validation`).
//!
//! Every function takes the whole object and reads its `metadata`; paths are built under the
//! `metadata` path the caller passes, so messages read `metadata.name: Invalid value: …`.

use serde_json::Value;

use super::json::{
    arr_at, at, i64_at, is_empty, obj_at, ordered, semantic_eq, str_at, string_list, string_map,
    time_value,
};
use super::names::{NameFn, is_qualified_name, is_valid_label_value, name_is_dns_label};
use crate::errors::{FieldError, FieldPath};

/// The message of every immutable-field error (`FieldImmutableErrorMsg`).
pub const FIELD_IMMUTABLE: &str = "field is immutable";
/// Total bytes of annotation keys and values (`TotalAnnotationSizeLimitB`).
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;
/// `FieldManagerMaxLength`.
const FIELD_MANAGER_MAX_LENGTH: usize = 128;
/// `MaxSubresourceNameLength`.
const MAX_SUBRESOURCE_NAME_LENGTH: usize = 256;
const FINALIZER_ORPHAN: &str = "orphan";
const FINALIZER_FOREGROUND: &str = "foregroundDeletion";

/// `ValidateObjectMetaAccessor`: the metadata of an object being created. Name generation must
/// already have happened; `generateName` is still checked (as a prefix).
pub fn validate_object_meta(
    obj: &Value,
    namespaced: bool,
    name_fn: NameFn,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let generate_name = str_at(obj, &["metadata", "generateName"]);
    if !generate_name.is_empty() {
        for msg in name_fn(generate_name, true) {
            errs.push(FieldError::invalid(
                &path.child("generateName"),
                generate_name,
                &msg,
            ));
        }
    }
    let name = str_at(obj, &["metadata", "name"]);
    if name.is_empty() {
        errs.push(FieldError::required(
            &path.child("name"),
            "name or generateName is required",
        ));
    } else {
        for msg in name_fn(name, false) {
            errs.push(FieldError::invalid(&path.child("name"), name, &msg));
        }
    }
    errs.extend(validate_common(obj, namespaced, path));
    errs
}

/// The checks shared by the create paths (`validateObjectMetaAccessorWithOptsCommon`).
fn validate_common(obj: &Value, namespaced: bool, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let namespace = str_at(obj, &["metadata", "namespace"]);
    if namespaced {
        if namespace.is_empty() {
            errs.push(FieldError::required(&path.child("namespace"), ""));
        } else {
            for msg in name_is_dns_label(namespace, false) {
                errs.push(FieldError::invalid(
                    &path.child("namespace"),
                    namespace,
                    &msg,
                ));
            }
        }
    } else if !namespace.is_empty() {
        errs.push(FieldError::forbidden(
            &path.child("namespace"),
            "not allowed on this type",
        ));
    }
    if let Some(generation) = i64_at(obj, &["metadata", "generation"])
        && generation < 0
    {
        errs.push(FieldError::invalid(
            &path.child("generation"),
            generation,
            "must be greater than or equal to 0",
        ));
    }
    errs.extend(validate_labels(
        obj,
        &["metadata", "labels"],
        &path.child("labels"),
    ));
    errs.extend(validate_annotations(obj, &path.child("annotations")));
    errs.extend(validate_owner_references(
        obj,
        &path.child("ownerReferences"),
    ));
    errs.extend(validate_finalizers(obj, &path.child("finalizers")));
    errs.extend(validate_managed_fields(obj, &path.child("managedFields")));
    errs
}

/// `ValidateLabels`: every key a qualified name, every value a label value; errors name the map,
/// not the key (`metadata.labels: Invalid value: "-x": …`).
pub fn validate_labels(obj: &Value, at_path: &[&str], path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (k, v) in string_map(obj, at_path) {
        for msg in is_qualified_name(k) {
            errs.push(FieldError::invalid(path, k, &msg));
        }
        for msg in is_valid_label_value(v) {
            errs.push(FieldError::invalid(path, v, &msg));
        }
    }
    errs
}

/// `ValidateAnnotations`: keys are qualified names once lowercased; keys and values together
/// at most 256 KiB.
pub fn validate_annotations(obj: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let annotations = string_map(obj, &["metadata", "annotations"]);
    let mut total = 0usize;
    for (k, v) in &annotations {
        for msg in is_qualified_name(&k.to_lowercase()) {
            errs.push(FieldError::invalid(path, *k, &msg));
        }
        total += k.len() + v.len();
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        // Since 1.32 `field.TooLong` reads "may not be more than N bytes".
        errs.push(FieldError::too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
    errs
}

/// An owner reference as Go marshals `metav1.OwnerReference` in an error message.
fn owner_reference_value(r: &Value) -> Value {
    let mut fields = vec![
        ("apiVersion", Value::from(str_at(r, &["apiVersion"]))),
        ("kind", Value::from(str_at(r, &["kind"]))),
        ("name", Value::from(str_at(r, &["name"]))),
        ("uid", Value::from(str_at(r, &["uid"]))),
    ];
    for key in ["controller", "blockOwnerDeletion"] {
        if let Some(b) = at(r, &[key]).and_then(Value::as_bool) {
            fields.push((key, Value::Bool(b)));
        }
    }
    ordered(fields)
}

/// `schema.FromAPIVersionAndKind`: the (group, version) of an apiVersion; a malformed one
/// (more than one `/`) yields empty group and version, as upstream.
fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        None => ("", api_version),
        Some((g, v)) if !v.contains('/') => (g, v),
        Some(_) => ("", ""),
    }
}

/// `ValidateOwnerReferences`.
pub fn validate_owner_references(obj: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let refs = arr_at(obj, &["metadata", "ownerReferences"]);
    let mut first_controller: Option<String> = None;
    for r in refs {
        let api_version = str_at(r, &["apiVersion"]);
        let kind = str_at(r, &["kind"]);
        let (group, version) = split_api_version(api_version);
        if version.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("apiVersion"),
                api_version,
                "version must not be empty",
            ));
        }
        if kind.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("kind"),
                kind,
                "must not be empty",
            ));
        }
        let name = str_at(r, &["name"]);
        if name.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("name"),
                name,
                "must not be empty",
            ));
        }
        let uid = str_at(r, &["uid"]);
        if uid.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("uid"),
                uid,
                "must not be empty",
            ));
        }
        // BannedOwners: core/v1 Events may not own anything.
        if group.is_empty() && version == "v1" && kind == "Event" {
            errs.push(FieldError::invalid(
                path,
                owner_reference_value(r),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if at(r, &["controller"]).and_then(Value::as_bool) == Some(true) {
            let current = format!("{kind}/{name}");
            match &first_controller {
                Some(first) => {
                    let all: Vec<Value> = refs.iter().map(owner_reference_value).collect();
                    errs.push(FieldError::invalid(
                        path,
                        Value::Array(all),
                        &format!(
                            "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                        ),
                    ));
                }
                None => first_controller = Some(current),
            }
        }
    }
    errs
}

/// `ValidateFinalizers`: each a qualified name; `orphan` and `foregroundDeletion` exclusive.
/// Errors name the list, not the item, as upstream.
pub fn validate_finalizers(obj: &Value, path: &FieldPath) -> Vec<FieldError> {
    let finalizers = string_list(obj, &["metadata", "finalizers"]);
    let mut errs = Vec::new();
    for f in &finalizers {
        for msg in is_qualified_name(f) {
            errs.push(FieldError::invalid(path, *f, &msg));
        }
    }
    if finalizers.contains(&FINALIZER_ORPHAN) && finalizers.contains(&FINALIZER_FOREGROUND) {
        errs.push(FieldError::invalid(
            path,
            Value::from(finalizers.clone()),
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
    errs
}

/// `%#U` of Go's fmt: `U+0007`, or `U+0041 'A'` for a printable rune.
fn go_unicode_repr(c: char) -> String {
    if is_go_printable(c) {
        format!("U+{:04X} '{c}'", u32::from(c))
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

/// An approximation of `unicode.IsPrint`: graphic characters and the ASCII space.
fn is_go_printable(c: char) -> bool {
    c == ' ' || !(c.is_control() || c.is_whitespace() || matches!(c, '\u{ad}' | '\u{fffd}'))
}

/// `ValidateManagedFields`: the basics (operation, fieldsType, manager, subresource).
pub fn validate_managed_fields(obj: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, entry) in arr_at(obj, &["metadata", "managedFields"])
        .iter()
        .enumerate()
    {
        let p = path.index(i);
        let operation = str_at(entry, &["operation"]);
        if operation != "Apply" && operation != "Update" {
            errs.push(FieldError::invalid(
                &p.child("operation"),
                operation,
                "must be `Apply` or `Update`",
            ));
        }
        let fields_type = str_at(entry, &["fieldsType"]);
        if !fields_type.is_empty() && fields_type != "FieldsV1" {
            errs.push(FieldError::invalid(
                &p.child("fieldsType"),
                fields_type,
                "must be `FieldsV1`",
            ));
        }
        let manager = str_at(entry, &["manager"]);
        if manager.len() > FIELD_MANAGER_MAX_LENGTH {
            errs.push(FieldError::too_long(
                &p.child("manager"),
                FIELD_MANAGER_MAX_LENGTH,
            ));
        }
        for (pos, c) in manager.char_indices() {
            if !is_go_printable(c) {
                errs.push(FieldError::invalid(
                    &p.child("manager"),
                    manager,
                    &format!(
                        "invalid character {} (at position {pos})",
                        go_unicode_repr(c)
                    ),
                ));
            }
        }
        if str_at(entry, &["subresource"]).len() > MAX_SUBRESOURCE_NAME_LENGTH {
            errs.push(FieldError::too_long(
                &p.child("subresource"),
                MAX_SUBRESOURCE_NAME_LENGTH,
            ));
        }
    }
    errs
}

/// `ValidateObjectMetaAccessorUpdate`: what may not change, and the create rules that apply
/// again to the new labels, annotations, owner references and managed fields.
pub fn validate_object_meta_update(new: &Value, old: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if !is_empty(at(old, &["metadata", "deletionTimestamp"])) {
        let old_finalizers = string_list(old, &["metadata", "finalizers"]);
        let mut extra: Vec<&str> = string_list(new, &["metadata", "finalizers"])
            .into_iter()
            .filter(|f| !old_finalizers.contains(f))
            .collect();
        extra.sort_unstable();
        extra.dedup();
        if !extra.is_empty() {
            let quoted: Vec<String> = extra.iter().map(|f| format!("{f:?}")).collect();
            errs.push(FieldError::forbidden(
                &path.child("finalizers"),
                &format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    quoted.join(", ")
                ),
            ));
        }
    }
    let rv = str_at(new, &["metadata", "resourceVersion"]);
    if rv.is_empty() {
        errs.push(FieldError::invalid(
            &path.child("resourceVersion"),
            rv,
            "must be specified for an update",
        ));
    }
    let new_gen = i64_at(new, &["metadata", "generation"]).unwrap_or(0);
    let old_gen = i64_at(old, &["metadata", "generation"]).unwrap_or(0);
    if new_gen < old_gen {
        errs.push(FieldError::invalid(
            &path.child("generation"),
            new_gen,
            "must not be decremented",
        ));
    }
    for key in ["name", "namespace", "uid"] {
        let (n, o) = (
            str_at(new, &["metadata", key]),
            str_at(old, &["metadata", key]),
        );
        if n != o {
            errs.push(FieldError::invalid(&path.child(key), n, FIELD_IMMUTABLE));
        }
    }
    for key in ["creationTimestamp", "deletionTimestamp"] {
        let (n, o) = (at(new, &["metadata", key]), at(old, &["metadata", key]));
        if !semantic_eq(n, o) {
            errs.push(FieldError::invalid(
                &path.child(key),
                time_value(n),
                FIELD_IMMUTABLE,
            ));
        }
    }
    let (n, o) = (
        at(new, &["metadata", "deletionGracePeriodSeconds"]),
        at(old, &["metadata", "deletionGracePeriodSeconds"]),
    );
    let (n_num, o_num) = (n.and_then(Value::as_i64), o.and_then(Value::as_i64));
    if n_num != o_num {
        let bad = n_num.map_or(Value::Null, Value::from);
        errs.push(FieldError::invalid(
            &path.child("deletionGracePeriodSeconds"),
            bad,
            FIELD_IMMUTABLE,
        ));
    }
    errs.extend(validate_labels(
        new,
        &["metadata", "labels"],
        &path.child("labels"),
    ));
    errs.extend(validate_annotations(new, &path.child("annotations")));
    errs.extend(validate_owner_references(
        new,
        &path.child("ownerReferences"),
    ));
    errs.extend(validate_managed_fields(new, &path.child("managedFields")));
    errs
}

/// The finalizer names the core API knows without a domain prefix (`IsStandardFinalizerName`).
const STANDARD_FINALIZERS: [&str; 3] = ["kubernetes", FINALIZER_ORPHAN, FINALIZER_FOREGROUND];

/// `validateKubeFinalizerName`: an unqualified finalizer must be a standard one.
pub fn validate_kube_finalizer_name(value: &str, path: &FieldPath) -> Vec<FieldError> {
    if !value.contains('/') && !STANDARD_FINALIZERS.contains(&value) {
        return vec![FieldError::invalid(
            path,
            value,
            "name is neither a standard finalizer name nor is it fully qualified",
        )];
    }
    Vec::new()
}

/// The core API's `ValidateObjectMeta`: the generic rules plus legacy finalizer names, each
/// reported at its index.
pub fn validate_core_object_meta(
    obj: &Value,
    namespaced: bool,
    name_fn: NameFn,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = validate_object_meta(obj, namespaced, name_fn, path);
    errs.extend(kube_finalizer_names(obj, path));
    errs
}

/// The core API's `ValidateObjectMetaUpdate`.
pub fn validate_core_object_meta_update(
    new: &Value,
    old: &Value,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = validate_object_meta_update(new, old, path);
    errs.extend(kube_finalizer_names(new, path));
    errs
}

fn kube_finalizer_names(obj: &Value, path: &FieldPath) -> Vec<FieldError> {
    string_list(obj, &["metadata", "finalizers"])
        .iter()
        .enumerate()
        .flat_map(|(i, f)| validate_kube_finalizer_name(f, &path.child("finalizers").index(i)))
        .collect()
}

/// What kube-apiserver's `BeforeUpdate` does to the metadata of an updated object before it
/// validates it: generation, uid, creation and deletion timestamps and the grace period carry
/// over from the stored object (so a client cannot change them, and gets no error for trying,
/// except for a different non-empty uid). The registry should call this on the object it
/// stores; [`validate`](super::validate) applies it to its own copy either way.
pub fn prepare_for_update(obj: &mut Value, old: &Value) {
    let Some(old_meta) = obj_at(old, &["metadata"]).cloned() else {
        return;
    };
    let Some(meta) = obj
        .as_object_mut()
        .map(|o| {
            o.entry("metadata")
                .or_insert_with(|| Value::Object(Default::default()))
        })
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    match old_meta.get("generation") {
        Some(g) => {
            meta.insert("generation".into(), g.clone());
        }
        None => {
            meta.remove("generation");
        }
    }
    if is_empty(meta.get("uid"))
        && let Some(uid) = old_meta.get("uid")
    {
        meta.insert("uid".into(), uid.clone());
    }
    for key in ["creationTimestamp", "deletionTimestamp"] {
        if !is_empty(old_meta.get(key))
            && let Some(v) = old_meta.get(key)
        {
            meta.insert(key.into(), v.clone());
        }
    }
    if is_empty(meta.get("deletionGracePeriodSeconds"))
        && let Some(v) = old_meta.get("deletionGracePeriodSeconds")
        && !v.is_null()
    {
        meta.insert("deletionGracePeriodSeconds".into(), v.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::names::{name_is_dns_subdomain, validate_path_segment_name};
    use serde_json::json;

    fn md() -> FieldPath {
        FieldPath::new("metadata")
    }

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn name_or_generate_name_required() {
        let obj = json!({"metadata": {"namespace": "default"}});
        assert_eq!(
            msgs(&validate_object_meta(
                &obj,
                true,
                name_is_dns_subdomain,
                &md()
            )),
            vec!["metadata.name: Required value: name or generateName is required"]
        );
    }

    #[test]
    fn invalid_name_and_generate_name() {
        let obj = json!({"metadata": {"name": "Foo", "generateName": "Bar-", "namespace": "ns"}});
        let got = msgs(&validate_object_meta(
            &obj,
            true,
            name_is_dns_subdomain,
            &md(),
        ));
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with(
            r#"metadata.generateName: Invalid value: "Bar-": a lowercase RFC 1123 subdomain"#
        ));
        assert_eq!(
            got[1],
            r#"metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
        );
    }

    #[test]
    fn namespace_by_scope() {
        let obj = json!({"metadata": {"name": "a"}});
        assert_eq!(
            msgs(&validate_object_meta(
                &obj,
                true,
                name_is_dns_subdomain,
                &md()
            )),
            vec!["metadata.namespace: Required value"]
        );
        let obj = json!({"metadata": {"name": "a", "namespace": "x"}});
        assert_eq!(
            msgs(&validate_object_meta(
                &obj,
                false,
                name_is_dns_subdomain,
                &md()
            )),
            vec!["metadata.namespace: Forbidden: not allowed on this type"]
        );
        let obj = json!({"metadata": {"name": "a", "namespace": "a.b"}});
        assert_eq!(
            msgs(&validate_object_meta(
                &obj,
                true,
                name_is_dns_subdomain,
                &md()
            )),
            vec![r#"metadata.namespace: Invalid value: "a.b": must not contain dots"#]
        );
    }

    #[test]
    fn labels_and_annotations() {
        let obj = json!({"metadata": {"name": "a", "labels": {"good": "-bad", "a/b/c": "ok"}, "annotations": {"Example.COM/Key": "fine", "bad key": "x"}}});
        let got = msgs(&validate_object_meta(
            &obj,
            false,
            name_is_dns_subdomain,
            &md(),
        ));
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(
            got[0].starts_with(r#"metadata.labels: Invalid value: "a/b/c": a valid label key"#)
        );
        assert!(
            got[1].starts_with(r#"metadata.labels: Invalid value: "-bad": a valid label must be"#)
        );
        assert!(got[2].starts_with(
            r#"metadata.annotations: Invalid value: "bad key": name part must consist"#
        ));
    }

    #[test]
    fn annotations_too_long() {
        let big = "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT);
        let obj = json!({"metadata": {"name": "a", "annotations": {"k": big}}});
        assert_eq!(
            msgs(&validate_object_meta(
                &obj,
                false,
                name_is_dns_subdomain,
                &md()
            )),
            vec!["metadata.annotations: Too long: may not be more than 262144 bytes"]
        );
    }

    #[test]
    fn owner_references() {
        let obj = json!({"metadata": {"name": "a", "ownerReferences": [
            {"apiVersion": "", "kind": "", "name": "", "uid": ""},
            {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "1"},
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r1", "uid": "2", "controller": true},
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r2", "uid": "3", "controller": true}
        ]}});
        let got = msgs(&validate_object_meta(
            &obj,
            false,
            name_is_dns_subdomain,
            &md(),
        ));
        assert_eq!(
            got[0],
            r#"metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty"#
        );
        assert_eq!(
            got[1],
            r#"metadata.ownerReferences.kind: Invalid value: "": must not be empty"#
        );
        assert_eq!(
            got[2],
            r#"metadata.ownerReferences.name: Invalid value: "": must not be empty"#
        );
        assert_eq!(
            got[3],
            r#"metadata.ownerReferences.uid: Invalid value: "": must not be empty"#
        );
        assert_eq!(
            got[4],
            r#"metadata.ownerReferences: Invalid value: {"apiVersion":"v1","kind":"Event","name":"e","uid":"1"}: /v1, Kind=Event is disallowed from being an owner"#
        );
        assert!(got[5].ends_with(r#"Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/r1 and ReplicaSet/r2"#));
    }

    #[test]
    fn finalizers() {
        let obj = json!({"metadata": {"name": "a", "finalizers": ["orphan", "foregroundDeletion", "bad/x/y"]}});
        let got = msgs(&validate_object_meta(
            &obj,
            false,
            name_is_dns_subdomain,
            &md(),
        ));
        assert_eq!(got.len(), 2);
        assert!(
            got[0]
                .starts_with(r#"metadata.finalizers: Invalid value: "bad/x/y": a valid label key"#)
        );
        assert_eq!(
            got[1],
            r#"metadata.finalizers: Invalid value: ["orphan","foregroundDeletion","bad/x/y"]: finalizer orphan and foregroundDeletion cannot be both set"#
        );
        let obj = json!({"metadata": {"name": "a", "finalizers": ["custom"]}});
        assert_eq!(
            msgs(&validate_core_object_meta(
                &obj,
                false,
                name_is_dns_subdomain,
                &md()
            )),
            vec![
                r#"metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified"#
            ]
        );
        let obj = json!({"metadata": {"name": "a", "finalizers": ["kubernetes", "example.com/x"]}});
        assert!(validate_core_object_meta(&obj, false, name_is_dns_subdomain, &md()).is_empty());
    }

    #[test]
    fn managed_fields() {
        let obj = json!({"metadata": {"name": "a", "managedFields": [
            {"manager": "kubectl\u{7}", "operation": "Patch", "fieldsType": "FieldsV2"}
        ]}});
        let got = msgs(&validate_object_meta(
            &obj,
            false,
            name_is_dns_subdomain,
            &md(),
        ));
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            r#"metadata.managedFields[0].operation: Invalid value: "Patch": must be `Apply` or `Update`"#
        );
        assert_eq!(
            got[1],
            r#"metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be `FieldsV1`"#
        );
        // The quoting of the control character itself is the errors module's business.
        assert!(got[2].starts_with("metadata.managedFields[0].manager: Invalid value: "));
        assert!(got[2].ends_with(": invalid character U+0007 (at position 7)"));
    }

    #[test]
    fn update_immutable_fields() {
        let old = json!({"metadata": {"name": "a", "namespace": "ns", "uid": "u1", "resourceVersion": "5", "creationTimestamp": "2024-01-01T00:00:00Z"}});
        let new = json!({"metadata": {"name": "b", "namespace": "other", "uid": "u2", "resourceVersion": "", "creationTimestamp": "2025-01-01T00:00:00Z"}});
        assert_eq!(
            msgs(&validate_object_meta_update(&new, &old, &md())),
            vec![
                r#"metadata.resourceVersion: Invalid value: "": must be specified for an update"#,
                r#"metadata.name: Invalid value: "b": field is immutable"#,
                r#"metadata.namespace: Invalid value: "other": field is immutable"#,
                r#"metadata.uid: Invalid value: "u2": field is immutable"#,
                r#"metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable"#,
            ]
        );
    }

    #[test]
    fn update_prepared_like_before_update() {
        let old = json!({"metadata": {"name": "a", "uid": "u1", "resourceVersion": "5", "generation": 3, "creationTimestamp": "2024-01-01T00:00:00Z"}});
        let mut new = json!({"metadata": {"name": "a", "resourceVersion": "5", "generation": 1, "creationTimestamp": "2025-01-01T00:00:00Z"}});
        prepare_for_update(&mut new, &old);
        assert_eq!(new["metadata"]["uid"], "u1");
        assert_eq!(new["metadata"]["generation"], 3);
        assert!(validate_object_meta_update(&new, &old, &md()).is_empty());
    }

    #[test]
    fn no_new_finalizers_while_deleting() {
        let old = json!({"metadata": {"name": "a", "resourceVersion": "1", "deletionTimestamp": "2024-01-01T00:00:00Z", "finalizers": ["a.io/x"]}});
        let new = json!({"metadata": {"name": "a", "resourceVersion": "1", "deletionTimestamp": "2024-01-01T00:00:00Z", "finalizers": ["a.io/x", "b.io/y", "a.io/z"]}});
        assert_eq!(
            msgs(&validate_object_meta_update(&new, &old, &md())),
            vec![
                r#"metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a.io/z", "b.io/y"}"#
            ]
        );
    }

    #[test]
    fn path_segment_names_for_generic_objects() {
        let obj = json!({"metadata": {"name": "a/b"}});
        assert_eq!(
            msgs(&validate_object_meta(
                &obj,
                false,
                validate_path_segment_name,
                &md()
            )),
            vec![r#"metadata.name: Invalid value: "a/b": may not contain '/'"#]
        );
    }
}
