//! Server-side apply and field-ownership tracking, as kube-apiserver 1.36 does them
//! (structured-merge-diff v6 under apiserver's field manager), on plain `serde_json::Value`s.
//!
//! Start with [`apply`]: it merges an applied configuration into the live object, removes the
//! fields the manager applied before and omits now (unless someone else owns them), and either
//! moves ownership or reports [`Conflicts`] (a 409 with one cause per field). [`update`] is the
//! other half: after any non-apply write (create, update, patch) it records the fields the
//! write changed under the writer's `Update` entry and takes them from everyone else.
//! Both are pure: the caller supplies the schema ([`schema::MergeSchema`], with built-in and CRD
//! implementations), the decoded [`ManagedFields`] and the time.
//!
//! The files, bottom up: `fieldpath` (paths, sets, the `FieldsV1` form), `schema` (list and map
//! semantics per node), `typed` (field sets, merge, compare, removal), `managed` (the
//! `managedFields` entries), `conflict` (the 409).

pub mod conflict;
pub mod fieldpath;
pub mod managed;
pub mod schema;
pub mod typed;

#[cfg(test)]
mod scenarios;

use std::sync::LazyLock;

use serde_json::{Map, Value};

pub use conflict::{Conflict, Conflicts};
pub use fieldpath::{PathElement, Set};
pub use managed::{ManagedFields, ManagedFieldsEntry, Operation};
pub use schema::{BuiltinSchema, CrdSchema, Deduced, ListType, MergeSchema, ResourceSchema, Shape};

use crate::errors::ApiError;
use fieldpath::values_equal;

/// kubectl's client-side apply annotation.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The `Update` manager that takes ownership of what an object held before its first apply.
pub const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// How many `Update` entries kube keeps before folding the oldest into `ancient-changes`.
pub const MAX_UPDATE_MANAGERS: usize = 10;

/// Who writes, and in which version, at what time.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The `fieldManager` (kube uses `unknown` when it is empty).
    pub manager: &'a str,
    /// The request's group/version, `v1` or `apps/v1`.
    pub api_version: &'a str,
    /// The resource's kind; an applied configuration of another kind is refused.
    pub kind: &'a str,
    /// `status`, `scale`, … or empty for the main resource.
    pub subresource: &'a str,
    /// Now, RFC 3339 in UTC (`2024-05-01T10:00:00Z`), for the entry's `time`.
    pub now: &'a str,
    /// Fields this endpoint resets and never gives ownership of (`status` on the main
    /// resource, everything but `status` on the status subresource).
    pub reset_fields: Option<&'a Set>,
    /// The resource's other versions, when it has some: a manager whose entry names another
    /// `apiVersion` is settled by comparing the objects in that version.
    pub versions: Option<&'a dyn VersionConverter>,
}

/// Compares a write's objects in another version of their resource (structured-merge-diff's
/// version converter): a managed-fields entry's fields are paths in the entry's `apiVersion`.
pub trait VersionConverter: Sync {
    /// `old` and `new` (in the request's version) converted to `api_version` and compared
    /// there; `None` when the resource has no such version, and the manager is dropped.
    fn compare(
        &self,
        api_version: &str,
        old: &Value,
        new: &Value,
    ) -> Option<Result<typed::Comparison, String>>;
}

impl std::fmt::Debug for dyn VersionConverter + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VersionConverter")
    }
}

impl Request<'_> {
    fn manager_name(&self) -> &str {
        if self.manager.is_empty() {
            "unknown"
        } else {
            self.manager
        }
    }

    fn entry(&self, manager: &str, operation: Operation) -> ManagedFieldsEntry {
        ManagedFieldsEntry::new(manager, operation, self.api_version, self.subresource)
    }
}

/// The outcome of an apply.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// The new object, with `metadata.managedFields` written.
    pub object: Value,
    pub managed: ManagedFields,
    /// Whether the object (managed fields aside) changed; kube keeps the manager's time when it
    /// did not. The write is skipped only when `object` equals the live object, managed fields
    /// included: a co-owner applying the same values still changes them.
    pub changed: bool,
}

/// Why an apply failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ApplyError {
    /// Other managers own fields the configuration changes (and `force` was not set).
    Conflicts(Conflicts),
    /// The configuration is not acceptable as an apply patch (wrong kind, managedFields set).
    BadRequest(String),
    /// The configuration or the live object does not fit the schema (a list item without its
    /// keys, duplicate items) or the live managed fields do not decode: kube answers 500.
    Internal(String),
}

impl ApplyError {
    pub fn to_api_error(&self) -> ApiError {
        match self {
            Self::Conflicts(c) => c.to_api_error(),
            Self::BadRequest(m) => ApiError::bad_request(m.clone()),
            // Plain errors become a 500 Status without a reason.
            Self::Internal(m) => ApiError::new(500, "", m.clone()),
        }
    }
}

impl From<ApplyError> for ApiError {
    fn from(e: ApplyError) -> Self {
        e.to_api_error()
    }
}

/// Server-side apply of `applied` onto `live` (`None` when the apply creates the object) by
/// `req.manager`. `managed` are the live object's decoded managed fields.
pub fn apply<S: MergeSchema>(
    live: Option<&Value>,
    applied: &Value,
    req: &Request<'_>,
    force: bool,
    managed: &ManagedFields,
    schema: &S,
) -> Result<Applied, ApplyError> {
    check_patch(applied, req)?;
    typed::validate(schema, applied).map_err(|e| {
        ApplyError::Internal(format!(
            "failed to create typed patch object ({}): {e}",
            describe_object(applied)
        ))
    })?;
    // A create merges into nothing: the zero value's empty structs would only add noise.
    let live_obj = match live {
        Some(l) => without_managed_fields(l),
        None => Value::Object(Map::new()),
    };
    let exists = live.is_some();

    let mut result = apply_chain(schema, exists, &live_obj, applied, req, force, managed);
    // kubectl switching from client-side to server-side apply: conflicts on fields whose live
    // value is still what the last client-side apply set are not conflicts.
    if req.manager == "kubectl"
        && let Err(ApplyError::Conflicts(conflicts)) = &result
        && let Some(allowed) = allowed_from_last_applied(schema, &live_obj, req)
    {
        let remaining: Vec<Conflict> = conflicts
            .0
            .iter()
            .filter(|c| !allowed.has(&c.path))
            .cloned()
            .collect();
        result = if remaining.is_empty() {
            apply_chain(schema, exists, &live_obj, applied, req, true, managed)
        } else {
            Err(ApplyError::Conflicts(Conflicts(remaining)))
        };
    }
    let (mut object, managed, changed) = result?;
    if req.manager == "kubectl" && has_last_applied(&object) {
        set_last_applied(&mut object, applied);
    }
    managed.write_to(&mut object);
    Ok(Applied {
        object,
        managed,
        changed,
    })
}

/// Records a non-apply write (`Update` operation) of `live_new` over `live_old` (`None` for a
/// create) by `req.manager`. `managed` are the managed fields the write starts from (see
/// [`ManagedFields::for_update`]). An existing object that has no managed fields stays
/// untracked until its first apply, as in kube.
pub fn update<S: MergeSchema>(
    live_old: Option<&Value>,
    live_new: &Value,
    req: &Request<'_>,
    managed: &ManagedFields,
    schema: &S,
) -> Result<ManagedFields, ApplyError> {
    if managed.is_empty() && live_old.is_some() {
        return Ok(ManagedFields::new());
    }
    let empty;
    let old = match live_old {
        Some(l) => l,
        None => {
            empty = schema.empty_object();
            &empty
        }
    };
    let mut managers = managed.clone();
    update_chain(
        schema,
        old,
        live_new,
        req.manager_name(),
        req,
        &mut managers,
    )?;
    Ok(managers)
}

/// [`update`] and writing the result into `live_new.metadata.managedFields`.
pub fn update_object<S: MergeSchema>(
    live_old: Option<&Value>,
    live_new: &mut Value,
    req: &Request<'_>,
    schema: &S,
) -> Result<(), ApplyError> {
    let managed = ManagedFields::for_update(live_old, live_new, !req.subresource.is_empty());
    let managers = update(live_old, live_new, req, &managed, schema)?;
    managers.write_to(live_new);
    Ok(())
}

/// The fields kube never tracks: identity and bookkeeping metadata.
fn stripped_paths() -> &'static Set {
    static STRIPPED: LazyLock<Set> = LazyLock::new(|| {
        let f = PathElement::field;
        let meta = |name: &str| vec![f("metadata"), f(name)];
        let mut s = Set::new();
        s.insert(&[f("apiVersion")]);
        s.insert(&[f("kind")]);
        s.insert(&[f("metadata")]);
        for name in [
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        ] {
            s.insert(&meta(name));
        }
        s
    });
    &STRIPPED
}

fn strip_meta(managers: &mut ManagedFields, identifier: &str) {
    if let Some(e) = managers.get_mut(identifier) {
        e.fields.remove_all(stripped_paths());
        if e.fields.is_empty() {
            managers.remove(identifier);
        }
    }
}

/// The version and kind check, and the ban on managedFields in a configuration.
fn check_patch(applied: &Value, req: &Request<'_>) -> Result<(), ApplyError> {
    let Some(obj) = applied.as_object() else {
        return Err(ApplyError::BadRequest(
            "apply patch must be a JSON object".into(),
        ));
    };
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version != req.api_version || kind != req.kind {
        return Err(ApplyError::BadRequest(format!(
            "invalid object type: {}",
            gvk_string(api_version, kind)
        )));
    }
    let managed = obj.get("metadata").and_then(|m| m.get("managedFields"));
    if managed.is_some_and(|m| !m.is_null()) {
        return Err(ApplyError::BadRequest(
            "metadata.managedFields must be nil".into(),
        ));
    }
    Ok(())
}

/// `apps/v1, Kind=Deployment`, `/v1, Kind=ConfigMap`.
fn gvk_string(api_version: &str, kind: &str) -> String {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={kind}")
}

/// `ns/name; apps/v1, Kind=Deployment`, as kube names an object in field-manager errors.
fn describe_object(obj: &Value) -> String {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let meta = obj.get("metadata");
    format!(
        "{}/{}; {}",
        s(meta.and_then(|m| m.get("namespace"))),
        s(meta.and_then(|m| m.get("name"))),
        gvk_string(&s(obj.get("apiVersion")), &s(obj.get("kind")))
    )
}

fn without_managed_fields(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    v
}

/// The apply below kubectl's last-applied handling: tracking of pre-apply fields, the merge,
/// ownership, and the time.
fn apply_chain<S: MergeSchema>(
    schema: &S,
    exists: bool,
    live: &Value,
    applied: &Value,
    req: &Request<'_>,
    force: bool,
    managed: &ManagedFields,
) -> Result<(Value, ManagedFields, bool), ApplyError> {
    let mut managers = managed.clone();
    if managers.is_empty() && exists {
        // The fields the object had before anyone applied belong to a synthetic updater, so
        // that applying over them conflicts rather than silently taking them.
        let empty = schema.empty_object();
        update_chain(schema, &empty, live, BEFORE_FIRST_APPLY, req, &mut managers)?;
    }
    let template = req.entry(req.manager_name(), Operation::Apply);
    let id = template.identifier();
    let new = smd_apply(schema, live, applied, &mut managers, &template, force, req)?;
    strip_meta(&mut managers, &id);
    let changed = !values_equal(live, &new);
    if changed && let Some(e) = managers.get_mut(&id) {
        e.time = Some(req.now.to_string());
    }
    Ok((if changed { new } else { live.clone() }, managers, changed))
}

/// An `Update` by `manager`: ownership of what changed, the time, and the cap on updaters.
fn update_chain<S: MergeSchema>(
    schema: &S,
    old: &Value,
    new: &Value,
    manager: &str,
    req: &Request<'_>,
    managers: &mut ManagedFields,
) -> Result<(), ApplyError> {
    // The write is computed for a fresh "current operation" and then folded into the
    // manager's entry, so its earlier fields stay unless this write removed them.
    let current = req.entry("current-operation", Operation::Update);
    let current_id = current.identifier();
    let cmp = update_managers(schema, old, new, managers, &current_id, true, req)?;
    let mut set = cmp.added;
    set.merge(cmp.modified);
    if let Some(reset) = req.reset_fields {
        set = set.recursive_difference(reset);
    }
    set.remove_all(stripped_paths());
    if set.is_empty() {
        return Ok(());
    }
    let mut entry = req.entry(manager, Operation::Update);
    let id = entry.identifier();
    if let Some(previous) = managers.get(&id) {
        set.union_in_place(&previous.fields);
    }
    entry.fields = set;
    entry.time = Some(req.now.to_string());
    managers.upsert(entry);
    managers.cap_update_managers(MAX_UPDATE_MANAGERS);
    Ok(())
}

/// structured-merge-diff's Apply: merge, take ownership of the configuration's fields, prune
/// what this manager dropped, then settle ownership against everyone else.
fn smd_apply<S: MergeSchema>(
    schema: &S,
    live: &Value,
    config: &Value,
    managers: &mut ManagedFields,
    template: &ManagedFieldsEntry,
    force: bool,
    req: &Request<'_>,
) -> Result<Value, ApplyError> {
    let internal = ApplyError::Internal;
    let reset = req.reset_fields;
    let merged = typed::merge(schema, live, config)
        .map_err(|e| internal(format!("failed to merge config: {e}")))?;
    let id = template.identifier();
    let last = managers.get(&id).map(|e| e.fields.clone());
    let mut set = typed::to_field_set(schema, config)
        .map_err(|e| internal(format!("failed to get field set: {e}")))?;
    if let Some(reset) = reset {
        set = set.recursive_difference(reset);
    }
    let mut entry = template.clone();
    entry.time = managers.get(&id).and_then(|e| e.time.clone());
    entry.fields = set;
    managers.upsert(entry);
    let new = match last {
        Some(last) if !last.is_empty() => prune(schema, &merged, managers, &last)?,
        _ => merged,
    };
    update_managers(schema, live, &new, managers, &id, force, req)?;
    Ok(new)
}

/// Removes what the applier owned last time and no longer applies, unless another manager
/// (or the new configuration) owns it; fields nobody owned are left alone.
fn prune<S: MergeSchema>(
    schema: &S,
    merged: &Value,
    managers: &ManagedFields,
    last: &Set,
) -> Result<Value, ApplyError> {
    let ensure = |s: &Set| typed::ensure_named_fields_are_members(schema, s);
    let field_set = |v: &Value| {
        typed::to_field_set(schema, v)
            .map(|s| ensure(&s))
            .map_err(|e| ApplyError::Internal(format!("failed to prune fields: {e}")))
    };
    let last = ensure(last);
    let pruned = typed::remove_items(schema, merged, &last);
    // Add back what someone still owns.
    let merged_set = field_set(merged)?;
    let owned = ensure(&managers.all_fields());
    let pruned_set = field_set(&pruned)?;
    let pruned = typed::remove_items(
        schema,
        merged,
        &merged_set.difference(&pruned_set.union(&owned)),
    );
    // Only remove what the applier did own: dangling fields stay.
    let pruned_set = field_set(&pruned)?;
    Ok(typed::remove_items(
        schema,
        merged,
        &merged_set.difference(&pruned_set).intersection(&last),
    ))
}

/// Compares `old` and `new` and settles every other manager's ownership: fields this write
/// changes or adds that another manager owns are conflicts (or, with `force`, are taken from
/// it); removed fields are dropped from everyone. A manager whose fields are in another version
/// is settled against the objects compared in that version.
fn update_managers<S: MergeSchema>(
    schema: &S,
    old: &Value,
    new: &Value,
    managers: &mut ManagedFields,
    workflow: &str,
    force: bool,
    req: &Request<'_>,
) -> Result<typed::Comparison, ApplyError> {
    let reset = req.reset_fields;
    let without_reset = |mut cmp: typed::Comparison| {
        if let Some(reset) = reset {
            cmp.added = cmp.added.recursive_difference(reset);
            cmp.modified = cmp.modified.recursive_difference(reset);
            cmp.removed = cmp.removed.recursive_difference(reset);
        }
        cmp
    };
    let cmp = without_reset(
        typed::compare(schema, old, new)
            .map_err(|e| ApplyError::Internal(format!("failed to compare objects: {e}")))?,
    );
    if managers.is_empty() {
        // Nobody owns anything yet (a create): nothing to settle.
        return Ok(cmp);
    }
    // The comparison in each other version a manager recorded its fields in.
    let mut in_version: Vec<(String, Option<typed::Comparison>)> = Vec::new();
    if let Some(versions) = req.versions {
        for e in managers.entries() {
            let v = &e.api_version;
            if e.identifier() == workflow
                || v.is_empty()
                || v == req.api_version
                || in_version.iter().any(|(seen, _)| seen == v)
            {
                continue;
            }
            let compared = versions
                .compare(v, old, new)
                .transpose()
                .map_err(|e| ApplyError::Internal(format!("failed to convert objects: {e}")))?
                .map(without_reset);
            in_version.push((v.clone(), compared));
        }
    }
    let comparison_for = |e: &ManagedFieldsEntry| -> Option<&typed::Comparison> {
        match in_version.iter().find(|(v, _)| *v == e.api_version) {
            Some((_, compared)) => compared.as_ref(),
            None => Some(&cmp),
        }
    };
    let mut conflicts: Vec<Conflict> = Vec::new();
    for e in managers.entries() {
        if e.identifier() == workflow {
            continue;
        }
        let Some(c) = comparison_for(e) else { continue };
        for path in e.fields.intersection(&c.modified.union(&c.added)).paths() {
            conflicts.push(Conflict::new(e, path));
        }
    }
    if !force && !conflicts.is_empty() {
        // Managers in identifier order; each manager's fields in set iteration order.
        conflicts.sort_by(|a, b| a.identifier.cmp(&b.identifier));
        return Err(ApplyError::Conflicts(Conflicts(conflicts)));
    }
    let missing: Vec<String> = managers
        .entries()
        .iter()
        .filter(|e| e.identifier() != workflow && comparison_for(e).is_none())
        .map(ManagedFieldsEntry::identifier)
        .collect();
    for e in managers.entries_mut() {
        if e.identifier() == workflow {
            continue;
        }
        let c = match in_version.iter().find(|(v, _)| *v == e.api_version) {
            Some((_, Some(c))) => c,
            Some((_, None)) => continue,
            None => &cmp,
        };
        e.fields = e
            .fields
            .difference(&c.modified.union(&c.added))
            .difference(&c.removed);
    }
    // A manager of a version the resource no longer has goes, as in structured-merge-diff.
    managers
        .entries_mut()
        .retain(|e| !e.fields.is_empty() && !missing.contains(&e.identifier()));
    Ok(cmp)
}

fn has_last_applied(obj: &Value) -> bool {
    obj.get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(LAST_APPLIED_ANNOTATION))
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// The fields kubectl's last client-side apply set that still hold the value it set: a
/// server-side apply by `kubectl` may take these over without a conflict.
fn allowed_from_last_applied<S: MergeSchema>(
    schema: &S,
    live: &Value,
    req: &Request<'_>,
) -> Option<Set> {
    let raw = live
        .get("metadata")?
        .get("annotations")?
        .get(LAST_APPLIED_ANNOTATION)?
        .as_str()
        .filter(|s| !s.is_empty())?;
    let last: Value = serde_json::from_str(raw).ok()?;
    if last.get("apiVersion").and_then(Value::as_str) != Some(req.api_version) {
        return None;
    }
    let set = typed::to_field_set(schema, &last).ok()?;
    let cmp = typed::compare(schema, &last, live).ok()?;
    Some(
        set.difference(&cmp.modified)
            .difference(&cmp.added)
            .difference(&cmp.removed),
    )
}

/// Rewrites the last-applied annotation to the configuration kubectl just applied (without
/// the annotation itself), encoded as Go encodes an unstructured object: keys sorted, HTML
/// characters escaped, and a trailing newline.
fn set_last_applied(obj: &mut Value, applied: &Value) {
    let mut cfg = applied.clone();
    if let Some(ann) = cfg
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        ann.remove(LAST_APPLIED_ANNOTATION);
    }
    let encoded = format!("{}\n", kcp_api::gojson::to_string_sorted(&cfg));
    if let Some(ann) = obj
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        ann.insert(LAST_APPLIED_ANNOTATION.into(), Value::String(encoded));
    }
}
