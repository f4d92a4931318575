//! Per-resource strategies: what differs between resources on the one generic code path
//! (defaults on create, what an update of the main resource or of `status` may change,
//! validation, what blocks a deletion), as kube-apiserver's `rest.RESTCreateStrategy` and
//! friends.

use serde_json::{Value, json};

use super::object::meta_mut;
use crate::catalog::ResourceDef;
use crate::errors::{ApiError, ApiResult};

/// Resources whose `status` is only written through the `status` subresource.
fn has_status_subresource(def: &ResourceDef) -> bool {
    def.has_subresource("status")
}

fn is(def: &ResourceDef, group: &str, resource: &str) -> bool {
    def.group == group && def.resource == resource
}

/// A Secret's `stringData` is write-only: it is merged into `data` (base64) on every write.
fn fold_string_data(def: &ResourceDef, obj: &mut Value) {
    use base64::Engine;
    if !is(def, "", "secrets") {
        return;
    }
    let Some(o) = obj.as_object_mut() else { return };
    let Some(Value::Object(string_data)) = o.remove("stringData") else {
        return;
    };
    let data = o.entry("data").or_insert_with(|| json!({}));
    if !data.is_object() {
        *data = json!({});
    }
    for (k, v) in string_data {
        if let (Some(d), Some(v)) = (data.as_object_mut(), v.as_str()) {
            d.insert(
                k,
                json!(base64::engine::general_purpose::STANDARD.encode(v)),
            );
        }
    }
}

/// Whether kube tracks `metadata.generation` for the resource (custom resources, CRDs and the
/// workload-style APIs whose controllers compare it with `status.observedGeneration`).
fn tracks_generation(def: &ResourceDef) -> bool {
    def.custom.is_some()
        || matches!(
            def.group,
            "apiextensions.k8s.io" | "apps" | "batch" | "autoscaling" | "policy"
        )
        || (def.group == "networking.k8s.io" && def.resource == "ingresses")
}

/// Whether anything but metadata and status differs: what a generation counts changes of.
/// Compared in place (an object's metadata, with its managed fields, is most of it).
fn spec_changed(obj: &Value, old: &Value) -> bool {
    let (Some(a), Some(b)) = (obj.as_object(), old.as_object()) else {
        return obj != old;
    };
    let spec = |(k, _): &(&String, &Value)| k.as_str() != "metadata" && k.as_str() != "status";
    a.iter().filter(spec).count() != b.iter().filter(spec).count()
        || a.iter().filter(spec).any(|(k, v)| b.get(k) != Some(v))
}

/// What kube's decoder does to a new object (conversion and defaulting): a Secret's
/// `stringData` folded into `data`, the type's defaults, a namespace's name label. kube's field
/// manager sees the object as it is after this and before [`prepare_for_create`], so only these
/// changes are tracked in `managedFields`.
pub fn default_for_create(def: &ResourceDef, obj: &mut Value) {
    fold_string_data(def, obj);
    if def.custom.is_none() {
        crate::defaulting::apply(def.group, def.version, def.resource, obj);
    }
    if is(def, "", "namespaces") {
        let name = meta_mut(obj)
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        // kube labels every namespace with its own name.
        let labels = meta_mut(obj).entry("labels").or_insert_with(|| json!({}));
        if let Some(l) = labels.as_object_mut() {
            l.insert("kubernetes.io/metadata.name".into(), json!(name));
        }
    }
}

/// The strategy's changes on create (`PrepareForCreate`), after [`default_for_create`].
pub fn prepare_for_create(def: &ResourceDef, obj: &mut Value) {
    if def.custom.is_none() {
        crate::defaulting::prepare_for_create(def.group, def.resource, obj);
    }
    if tracks_generation(def) {
        meta_mut(obj).insert("generation".into(), json!(1));
    }
    if is(def, "", "namespaces") {
        // A namespace starts Active, with the `kubernetes` finalizer the namespace controller
        // removes once the namespace is empty.
        if let Some(o) = obj.as_object_mut() {
            let spec = o.entry("spec").or_insert_with(|| json!({}));
            let finalizers = spec
                .as_object_mut()
                .map(|s| s.entry("finalizers").or_insert_with(|| json!([])));
            if let Some(Value::Array(f)) = finalizers
                && !f.iter().any(|x| x == "kubernetes")
            {
                f.push(json!("kubernetes"));
            }
            o.insert("status".into(), json!({"phase": "Active"}));
        }
    } else if has_status_subresource(def)
        && let Some(o) = obj.as_object_mut()
    {
        o.remove("status");
    }
}

/// Finalizers a deletion adds before it waits for them: a CRD's cleanup finalizer (kube's CRD
/// registry adds it on the first delete, not on create).
pub fn finalizers_on_delete(def: &ResourceDef, finalizers: &mut Vec<String>) {
    let cleanup = crate::controllers::crd::CLEANUP_FINALIZER;
    if is(def, "apiextensions.k8s.io", "customresourcedefinitions")
        && !finalizers.iter().any(|f| f == cleanup)
    {
        finalizers.push(cleanup.to_string());
    }
}

/// The fields a write of the main resource resets and never gives ownership of (the
/// strategies' `GetResetFields`): `status` where it has its own subresource, and a namespace's.
pub fn resets_status(def: &ResourceDef, subresource: &str) -> bool {
    subresource.is_empty() && (has_status_subresource(def) || is(def, "", "namespaces"))
}

/// What an update may change (`PrepareForUpdate`): the main resource keeps the old status, the
/// `status` subresource keeps everything but status (and metadata labels/annotations).
pub fn prepare_for_update(def: &ResourceDef, subresource: &str, obj: &mut Value, old: &Value) {
    fold_string_data(def, obj);
    if def.custom.is_none() {
        crate::defaulting::apply(def.group, def.version, def.resource, obj);
    }
    // A Scale write changes the spec, as a write of the main resource does.
    if tracks_generation(def) && matches!(subresource, "" | "scale") {
        let old_generation = old["metadata"]["generation"].as_i64().unwrap_or(0);
        let generation = if spec_changed(obj, old) {
            old_generation + 1
        } else {
            old_generation
        };
        meta_mut(obj).insert("generation".into(), json!(generation.max(1)));
    }
    if !has_status_subresource(def) && !is(def, "", "namespaces") {
        return;
    }
    match subresource {
        "status" => {
            let status = obj.get("status").cloned();
            let meta = obj.get("metadata").cloned();
            *obj = old.clone();
            if let Some(o) = obj.as_object_mut() {
                match status {
                    Some(s) => o.insert("status".into(), s),
                    None => o.remove("status"),
                };
            }
            // Status updates may still not touch the rest of metadata.
            let _ = meta;
        }
        // Ephemeral containers change only through their subresource, and it changes nothing
        // else of the Pod.
        "ephemeralcontainers" => {
            let ephemeral = obj["spec"]["ephemeralContainers"].clone();
            *obj = old.clone();
            obj["spec"]["ephemeralContainers"] = ephemeral;
        }
        "finalize" if is(def, "", "namespaces") => {
            let finalizers = obj["spec"]["finalizers"].clone();
            *obj = old.clone();
            obj["spec"]["finalizers"] = if finalizers.is_null() {
                json!([])
            } else {
                finalizers
            };
        }
        _ => {
            if let (Some(o), Some(s)) = (obj.as_object_mut(), old.get("status")) {
                o.insert("status".into(), s.clone());
            }
            if is(def, "", "namespaces") {
                // spec.finalizers only change through `finalize`.
                if let Some(f) = old.get("spec").and_then(|s| s.get("finalizers")) {
                    obj["spec"]["finalizers"] = f.clone();
                }
                if let Some(name) = old["metadata"]["name"].as_str() {
                    let labels = meta_mut(obj).entry("labels").or_insert_with(|| json!({}));
                    if let Some(l) = labels.as_object_mut() {
                        l.insert("kubernetes.io/metadata.name".into(), json!(name));
                    }
                }
            }
        }
    }
}

/// Changes when an object is marked for deletion (a namespace turns Terminating).
pub fn prepare_for_delete(def: &ResourceDef, obj: &mut Value) {
    if is(def, "", "namespaces") {
        obj["status"] = json!({"phase": "Terminating"});
        // The namespace registry's own delete sets the timestamp alone.
        if let Some(meta) = obj["metadata"].as_object_mut() {
            meta.remove("deletionGracePeriodSeconds");
        }
    }
}

/// Whether something besides `metadata.finalizers` holds the object back from deletion
/// (a namespace's `spec.finalizers`).
pub fn blocks_deletion(def: &ResourceDef, obj: &Value) -> bool {
    is(def, "", "namespaces")
        && obj["spec"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
}

/// The CRD rules kube checks on every write: the name is `<plural>.<group>`, the names are
/// valid, exactly one version is the storage version, the schemas are structural.
fn validate_crd(crd: &Value) -> Vec<crate::errors::FieldError> {
    use crate::errors::{FieldError, FieldPath};
    let mut errs = Vec::new();
    let spec = &crd["spec"];
    let group = spec["group"].as_str().unwrap_or("");
    let plural = spec["names"]["plural"].as_str().unwrap_or("");
    let name = super::object::name(crd);
    if name != format!("{plural}.{group}") {
        errs.push(FieldError::invalid(
            &FieldPath::new("metadata").child("name"),
            name,
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    errs.extend(crate::crd::validate_crd_names(
        &spec["names"],
        &FieldPath::new("spec").child("names"),
    ));
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    if versions.iter().filter(|v| v["storage"] == true).count() != 1 {
        errs.push(FieldError::invalid(
            &FieldPath::new("spec").child("versions"),
            Value::Array(versions.clone()),
            "must have exactly one version marked as storage version",
        ));
    }
    for (i, v) in versions.iter().enumerate() {
        if let Some(schema) = v.pointer("/schema/openAPIV3Schema") {
            let path = FieldPath::new("spec")
                .child("versions")
                .index(i)
                .child("schema")
                .child("openAPIV3Schema");
            errs.extend(crate::crd::validate_crd_schema(schema, &path));
        }
    }
    // kube starts `status.storedVersions` with the storage version on create; without one there
    // is none, and its status validation says so too.
    let stored = crd["status"]["storedVersions"]
        .as_array()
        .is_some_and(|s| !s.is_empty());
    if !stored && !versions.iter().any(|v| v["storage"] == true) {
        errs.push(FieldError::invalid(
            &FieldPath::new("status").child("storedVersions"),
            Value::Null,
            "must have at least one stored version",
        ));
    }
    errs
}

/// Whether PUT of a missing object creates it (`AllowCreateOnUpdate`).
pub fn allow_create_on_update(def: &ResourceDef) -> bool {
    matches!(def.group, "rbac.authorization.k8s.io")
        || def.resource == "events"
        || def.resource == "leases"
}

/// Validates the object (and the update against the old object).
pub fn validate(def: &ResourceDef, obj: &Value, old: Option<&Value>) -> ApiResult<()> {
    let mut errs = crate::validation::validate(
        def.group,
        def.version,
        def.resource,
        def.namespaced,
        obj,
        old,
    );
    if let Some(custom) = &def.custom {
        errs.extend(custom.schema.validate(obj, old));
    }
    if is(def, "apiextensions.k8s.io", "customresourcedefinitions") {
        errs.extend(validate_crd(obj));
    }
    if errs.is_empty() {
        return Ok(());
    }
    // kube validates events.k8s.io Events as the core group's internal Event, and names that
    // kind in the error.
    let group = if is(def, "events.k8s.io", "events") {
        ""
    } else {
        def.group
    };
    Err(ApiError::invalid(
        group,
        def.kind,
        super::object::name(obj),
        &errs,
    ))
}

#[cfg(test)]
mod tests {
    use super::spec_changed;
    use serde_json::json;

    #[test]
    fn spec_changes_ignore_metadata_and_status() {
        let old = json!({"metadata": {"name": "a"}, "spec": {"x": 1}, "status": {"y": 1}});
        let relabelled = json!({"metadata": {"name": "a", "labels": {"l": "v"}}, "spec": {"x": 1}, "status": {"y": 2}});
        assert!(!spec_changed(&relabelled, &old));
        assert!(spec_changed(
            &json!({"metadata": {}, "spec": {"x": 2}}),
            &old
        ));
        // A top-level field added or taken away is a change too (a ConfigMap's `data`).
        assert!(spec_changed(
            &json!({"metadata": {}, "spec": {"x": 1}, "data": {}}),
            &old
        ));
        assert!(spec_changed(&json!({"metadata": {}}), &old));
    }
}
