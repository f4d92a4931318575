//! The REST verbs on stored resources: one implementation for every resource, as
//! kube-apiserver's `registry/generic/registry.Store`. A resource's specifics come from its
//! `ResourceDef` and its strategy (`strategy.rs`).

use std::sync::Arc;

use bytes::Bytes;
use kcp_store::Error as StoreError;
use serde_json::{Value, json};

use super::admission::{Admission, Attributes, NoAdmission, Operation};
use super::object::{self, meta_mut};
use super::query::{ListQuery, PatchType};
use super::strategy;
use crate::catalog::ResourceDef;
use crate::errors::{ApiError, ApiResult, GroupResource};
use crate::storage::{CachedObject, Storage, keys, store_error};

/// One request against one resource in one logical cluster.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub cluster: &'a str,
    pub def: &'a ResourceDef,
    /// The namespace of the URL (`None` for cluster-scoped resources and all-namespace lists).
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    pub subresource: &'a str,
    pub dry_run: bool,
    /// Who writes, for `metadata.managedFields` (the `fieldManager`, or the user agent's
    /// product name as kube derives it).
    pub manager: &'a str,
}

impl Scope<'_> {
    pub fn gr(&self) -> GroupResource {
        self.def.group_resource()
    }

    pub fn key(&self, name: &str) -> String {
        keys::object_key(
            super::conversion::storage_group(self.def),
            self.def.resource,
            &self.def.space,
            self.cluster,
            self.namespace,
            name,
        )
    }

    /// The prefix a list or watch covers: every cluster's objects for the wildcard cluster `*`
    /// (whose namespace, if any, the query filters: see [`Scope::namespace_filter`]).
    pub fn prefix(&self) -> String {
        if self.cluster == "*" {
            return keys::resource_prefix(
                super::conversion::storage_group(self.def),
                self.def.resource,
                &self.def.space,
            );
        }
        keys::cluster_prefix(
            super::conversion::storage_group(self.def),
            self.def.resource,
            &self.def.space,
            self.cluster,
            self.namespace,
        )
    }
}

impl Scope<'_> {
    /// The namespace a list or watch must filter on by itself: a wildcard request's, which its
    /// key prefix cannot express.
    pub fn namespace_filter(&self) -> Option<String> {
        (self.cluster == "*")
            .then(|| self.namespace.map(str::to_string))
            .flatten()
    }
}

/// The outcome of a write: the object as stored (rendered) and whether it was created.
pub struct Written {
    pub object: Value,
    pub created: bool,
    /// `object` as JSON, when the watch cache holds exactly these bytes (this write's revision,
    /// stored in the served version): the response then needs no encoding.
    pub json: Option<Bytes>,
}

impl Written {
    fn new(object: Value, created: bool) -> Self {
        Self {
            object,
            created,
            json: None,
        }
    }
}

/// The outcome of a delete.
pub enum Deleted {
    /// Gone from the store: the object as it was at deletion.
    Gone(Value),
    /// Still there, waiting for finalizers (the updated object).
    Pending(Value),
}

/// A stored object decoded, in the version of the request.
pub fn served_value(def: &ResourceDef, obj: &CachedObject) -> ApiResult<Value> {
    let mut v = obj.value()?;
    super::conversion::to_served(def, &mut v)?;
    Ok(v)
}

/// Reads one object (consistently).
pub async fn get(storage: &Storage, scope: &Scope<'_>) -> ApiResult<Arc<CachedObject>> {
    storage
        .get(&scope.key(scope.name))
        .await?
        .ok_or_else(|| ApiError::not_found(&scope.gr(), scope.name))
}

/// Creates an object without admission: for the server's own writes.
pub async fn create(storage: &Storage, scope: &Scope<'_>, obj: Value) -> ApiResult<Written> {
    create_inner(storage, scope, obj, true, false, &NoAdmission).await
}

/// Creates an object from a request body, through the request's admission.
pub async fn create_admitted(
    storage: &Storage,
    scope: &Scope<'_>,
    obj: Value,
    admission: &dyn Admission,
) -> ApiResult<Written> {
    create_inner(storage, scope, obj, true, false, admission).await
}

/// Creates an object with its `status` as given: for the server's own objects (bootstrap,
/// controllers), which would otherwise need a second write for their status. No request
/// reaches this: a create through the API drops the status of a resource with a status
/// subresource.
pub async fn create_with_status(
    storage: &Storage,
    scope: &Scope<'_>,
    obj: Value,
) -> ApiResult<Written> {
    create_inner(storage, scope, obj, true, true, &NoAdmission).await
}

/// `create`; `track_fields` is false when server-side apply already wrote the managed fields.
async fn create_inner(
    storage: &Storage,
    scope: &Scope<'_>,
    mut obj: Value,
    track_fields: bool,
    keep_status: bool,
    admission: &dyn Admission,
) -> ApiResult<Written> {
    let def = scope.def;
    check_type_meta(def, &mut obj)?;
    if !object::resource_version(&obj).is_empty() {
        return Err(ApiError::bad_request(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    object::strip_derived(&mut obj);
    check_namespace(scope, &mut obj)?;
    let meta = meta_mut(&mut obj);
    let mut name = meta
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty()
        && let Some(prefix) = meta.get("generateName").and_then(Value::as_str)
        && !prefix.is_empty()
    {
        name = generate_name(prefix);
        meta.insert("name".into(), json!(name));
    }
    meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
    meta.insert("creationTimestamp".into(), json!(object::now_rfc3339()));
    meta.remove("deletionTimestamp");
    meta.remove("deletionGracePeriodSeconds");
    strategy::default_for_create(def, &mut obj);
    // kube's field manager runs here, between decoding and admission and the strategy.
    let tracked = track_fields.then(|| obj.clone());
    if def.group.is_empty() && def.resource == "services" {
        assign_service_addresses(storage, scope, &mut obj).await?;
    }
    let attrs = Attributes {
        operation: Operation::Create,
        cluster: scope.cluster,
        def,
        subresource: scope.subresource,
        name: &name,
        old: None,
        dry_run: scope.dry_run,
    };
    admission.admit(&attrs, &mut obj).await?;
    let status = keep_status
        .then(|| obj.as_object_mut().and_then(|o| o.remove("status")))
        .flatten();
    strategy::prepare_for_create(def, &mut obj);
    if let (Some(status), Some(o)) = (status, obj.as_object_mut()) {
        o.insert("status".into(), status);
    }
    let managed = track_fields.then(|| super::apply::ManagedFields::settle(None, &mut obj, false));
    strategy::validate(def, &obj, None)?;
    admission.validate(&attrs, &obj).await?;
    if let (Some(managed), Some(mut tracked)) = (managed, tracked) {
        managed.write_to(&mut tracked);
        let managers = managed_fields_of(scope, None, &tracked, &managed)?;
        managers.write_to(&mut obj);
    }
    if def.namespaced
        && let Some(ns) = scope.namespace
    {
        ensure_namespace_accepts_content(storage, scope.cluster, ns).await?;
    }
    if scope.dry_run {
        return Ok(Written::new(obj, true));
    }
    let key = scope.key(&name);
    let bytes = super::conversion::storage_bytes(def, &obj)?;
    match storage.store().create(&key, bytes).await {
        Ok(kv) => read_back(storage, scope, &key, obj, kv.mod_revision, true).await,
        Err(StoreError::AlreadyExists { .. }) => Err(ApiError::already_exists(&scope.gr(), &name)),
        Err(e) => Err(store_error(e)),
    }
}

/// kube's `generateName` suffix: five characters from a consonant-and-digit alphabet.
fn generate_name(prefix: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    let suffix: String = (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    // Cut to 58 bytes on a character boundary (validation refuses what is left if invalid).
    let mut end = prefix.len().min(63 - 5);
    while !prefix.is_char_boundary(end) {
        end -= 1;
    }
    let prefix = &prefix[..end];
    format!("{prefix}{suffix}")
}

/// Fills and checks `apiVersion`/`kind` against the endpoint, with kube's answers: a custom
/// resource's decoder refuses another group version (400) or kind (422 on `kind`); a built-in's
/// scheme cannot convert another kind (400, naming what it decoded).
pub(super) fn check_type_meta(def: &ResourceDef, obj: &mut Value) -> ApiResult<()> {
    let Some(o) = obj.as_object_mut() else {
        return Err(ApiError::bad_request(format!(
            "Object '{}' is missing in '{}'",
            "Kind", "null"
        )));
    };
    let want_api_version = def.api_version();
    let kind = o
        .get("kind")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .unwrap_or(def.kind)
        .to_string();
    let api_version = o
        .get("apiVersion")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .unwrap_or(&want_api_version)
        .to_string();
    if def.custom.is_some() || def.group.ends_with(".kcp.io") {
        if api_version != want_api_version {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({api_version}) does not match the expected API version ({want_api_version})"
            )));
        }
        if kind != def.kind {
            let name = o
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(ApiError::invalid(
                def.group,
                &kind,
                name,
                &[crate::errors::FieldError::invalid(
                    &crate::errors::FieldPath::new("kind"),
                    kind.as_str(),
                    &format!("must be {}", def.kind),
                )],
            ));
        }
    } else if (api_version.as_str(), kind.as_str()) != (want_api_version.as_str(), def.kind) {
        let version = api_version.rsplit('/').next().unwrap_or("");
        let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        let gvk = crate::schema::GroupVersionKind::new(group, version, &kind);
        let why = if crate::schema::Definitions::builtin()
            .for_gvk(&gvk)
            .is_some()
        {
            let internal = match def.group {
                "" | "events.k8s.io" => "core",
                g => g.split('.').next().unwrap_or(g),
            };
            format!(
                "converting ({version}.{kind}) to ({internal}.{}): unknown conversion",
                def.kind
            )
        } else {
            format!(
                "no kind {kind:?} is registered for version {api_version:?} in scheme \"pkg/runtime/scheme.go:111\""
            )
        };
        return Err(ApiError::bad_request(format!(
            "{kind} in version {version:?} cannot be handled as a {}: {why}",
            def.kind
        )));
    }
    o.insert("kind".into(), json!(def.kind));
    o.insert("apiVersion".into(), json!(want_api_version));
    Ok(())
}

/// Sets the object's namespace from the URL, or refuses a mismatch.
fn check_namespace(scope: &Scope<'_>, obj: &mut Value) -> ApiResult<()> {
    let body_ns = object::namespace(obj).to_string();
    let meta = meta_mut(obj);
    match (scope.def.namespaced, scope.namespace) {
        (true, Some(ns)) => {
            if !body_ns.is_empty() && body_ns != ns {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            meta.insert("namespace".into(), json!(ns));
        }
        (true, None) => {
            return Err(ApiError::bad_request(
                "the namespace of the object is required (use a namespaced URL)",
            ));
        }
        (false, _) => {
            meta.remove("namespace");
        }
    }
    Ok(())
}

/// Refuses new content in a namespace that is missing or terminating.
async fn ensure_namespace_accepts_content(
    storage: &Storage,
    cluster: &str,
    namespace: &str,
) -> ApiResult<()> {
    let key = keys::object_key(
        "",
        "namespaces",
        &keys::KeySpace::BuiltIn,
        cluster,
        None,
        namespace,
    );
    let Some(ns) = storage.get(&key).await? else {
        return Err(ApiError::not_found(
            &GroupResource::new("", "namespaces"),
            namespace,
        ));
    };
    // Every namespaced create passes here: only parse the namespace when its bytes could hold
    // the Terminating phase.
    let terminating = || {
        ns.json.windows(13).any(|w| w == b"\"Terminating\"")
            && ns
                .value()
                .is_ok_and(|v| v["status"]["phase"] == "Terminating")
    };
    if ns.deleting || terminating() {
        let mut e = ApiError::forbidden(
            &GroupResource::new("", "namespaces"),
            namespace,
            &format!(
                "unable to create new content in namespace {namespace} because it is being terminated"
            ),
        );
        e.message = format!(
            "unable to create new content in namespace {namespace} because it is being terminated"
        );
        e.details = Some(json!({
            "name": namespace,
            "kind": "namespaces",
            "causes": [{
                "reason": "NamespaceTerminating",
                "message": format!("namespace {namespace} is being terminated"),
                "field": "metadata.namespace",
            }],
        }));
        return Err(e);
    }
    Ok(())
}

/// What was just written, rendered as clients see it, once the watch cache has it (so the
/// writer's next read sees its write). Rendered from the written object rather than parsed
/// back from the cache (the same bytes, without a second decode), and with the cache's bytes
/// for the response when they are the same object.
async fn read_back(
    storage: &Storage,
    scope: &Scope<'_>,
    key: &str,
    written: Value,
    revision: i64,
    created: bool,
) -> ApiResult<Written> {
    storage.wait_for(revision).await?;
    let json = if super::conversion::stored_as_served(scope.def) {
        storage
            .get_cached(key)
            .await
            .filter(|c| c.mod_revision == revision)
            .map(|c| c.json.clone())
    } else {
        None
    };
    Ok(Written {
        object: storage.render_written(scope.cluster, written, revision),
        created,
        json,
    })
}

/// Replaces an object without admission: for the server's own writes.
pub async fn update(storage: &Storage, scope: &Scope<'_>, obj: Value) -> ApiResult<Written> {
    update_admitted(storage, scope, obj, &NoAdmission).await
}

/// Replaces an object (PUT) through the request's admission. `obj` is the client's full
/// object.
pub async fn update_admitted(
    storage: &Storage,
    scope: &Scope<'_>,
    mut obj: Value,
    admission: &dyn Admission,
) -> ApiResult<Written> {
    check_type_meta(scope.def, &mut obj)?;
    check_name(scope, &obj)?;
    check_namespace(scope, &mut obj)?;
    let wanted_rv = object::resource_version(&obj).to_string();
    let key = scope.key(scope.name);
    let current = storage.get(&key).await?;
    let Some(current) = current else {
        if strategy::allow_create_on_update(scope.def) && scope.subresource.is_empty() {
            meta_mut(&mut obj).insert("name".into(), json!(scope.name));
            meta_mut(&mut obj).remove("resourceVersion");
            return create_admitted(storage, scope, obj, admission).await;
        }
        return Err(ApiError::not_found(&scope.gr(), scope.name));
    };
    let expected = if wanted_rv.is_empty() {
        current.mod_revision
    } else {
        wanted_rv
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {wanted_rv:?}")))?
    };
    if expected != current.mod_revision {
        return Err(ApiError::stale_resource_version(&scope.gr(), scope.name));
    }
    let old = served_value(scope.def, &current)?;
    write_update(storage, scope, &key, old, obj, expected, false, admission).await
}

/// An update, patch or apply may not rename: a name in the body other than the URL's is a 400.
fn check_name(scope: &Scope<'_>, obj: &Value) -> ApiResult<()> {
    let body_name = object::name(obj);
    if !body_name.is_empty() && body_name != scope.name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({})",
            scope.name
        )));
    }
    Ok(())
}

/// An applied configuration must fit the type: kube's field manager refuses one with a field
/// the schema does not declare, whatever `fieldValidation` says (kube answers 500; a client's
/// mistake is a 400 here, with kube's message).
fn check_applied_fields(scope: &Scope<'_>, applied: &Value) -> ApiResult<()> {
    let def = scope.def;
    let unknown: Vec<String> = match &def.custom {
        Some(custom) => custom.schema.prune(&mut applied.clone()),
        None => {
            let gvk = crate::schema::GroupVersionKind::new(def.group, def.version, def.kind);
            match crate::schema::decode(&gvk, applied.clone()) {
                Ok(decoded) => decoded.unknown_fields().map(str::to_string).collect(),
                Err(_) => Vec::new(),
            }
        }
    };
    let Some(first) = unknown.first() else {
        return Ok(());
    };
    let namespace = applied["metadata"]["namespace"].as_str().unwrap_or("");
    let name = object::name(applied);
    Err(ApiError::bad_request(format!(
        "failed to create typed patch object ({namespace}/{name}; {}/{}, Kind={}): .{first}: field not declared in schema",
        def.group, def.version, def.kind
    )))
}

/// Applies a patch to the current object and writes the result, retrying on conflicts the way
/// kube does (a patch that does not pin a resourceVersion is retried against the newest object).
pub async fn patch(
    storage: &Storage,
    scope: &Scope<'_>,
    patch_type: PatchType,
    patch: &[u8],
    decode: &(dyn Fn(Value) -> ApiResult<Value> + Sync),
    admission: &dyn Admission,
) -> ApiResult<Written> {
    let key = scope.key(scope.name);
    for _ in 0..5 {
        let current = get(storage, scope).await?;
        let old = served_value(scope.def, &current)?;
        let patched = decode(super::patch::apply(scope.def, &old, patch_type, patch)?)?;
        let pinned = object::resource_version(&patched).to_string();
        let expected = if pinned.is_empty() || pinned == current.mod_revision.to_string() {
            current.mod_revision
        } else {
            return Err(ApiError::stale_resource_version(&scope.gr(), scope.name));
        };
        let mut patched = patched;
        check_type_meta(scope.def, &mut patched)?;
        check_name(scope, &patched)?;
        match write_update(
            storage, scope, &key, old, patched, expected, false, admission,
        )
        .await
        {
            Err(e) if e.code == 409 && e.reason == "Conflict" && pinned.is_empty() => continue,
            other => return other,
        }
    }
    Err(ApiError::stale_resource_version(&scope.gr(), scope.name))
}

/// The shared tail of update and patch: keep what the client may not change, admit,
/// validate, store.
#[allow(clippy::too_many_arguments)] // the one tail of four write paths
pub(super) async fn write_update(
    storage: &Storage,
    scope: &Scope<'_>,
    key: &str,
    old: Value,
    mut obj: Value,
    expected: i64,
    applied: bool,
    admission: &dyn Admission,
) -> ApiResult<Written> {
    object::strip_derived(&mut obj);
    let mut old_stored = old.clone();
    object::strip_derived(&mut old_stored);
    {
        // System fields are the server's.
        let old_meta = old_stored.get("metadata");
        let meta = meta_mut(&mut obj);
        for field in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
        ] {
            match old_meta.and_then(|m| m.get(field)) {
                Some(v) => {
                    meta.insert(field.into(), v.clone());
                }
                None => {
                    meta.remove(field);
                }
            }
        }
        meta.insert("name".into(), json!(scope.name));
    }
    // Admission and validation see both objects with the resourceVersion being updated, as
    // kube's do: set for them and taken off again (not on copies: objects are deep trees).
    let rv = expected.to_string();
    fn attrs<'a>(scope: &'a Scope<'_>, old: &'a Value) -> Attributes<'a> {
        Attributes {
            operation: Operation::Update,
            cluster: scope.cluster,
            def: scope.def,
            subresource: scope.subresource,
            name: scope.name,
            old: Some(old),
            dry_run: scope.dry_run,
        }
    }
    set_resource_version(&mut old_stored, Some(&rv));
    admission
        .admit(&attrs(scope, &old_stored), &mut obj)
        .await?;
    set_resource_version(&mut old_stored, None);
    strategy::prepare_for_update(scope.def, scope.subresource, &mut obj, &old_stored);
    let managed = (!applied).then(|| {
        let subresource = !scope.subresource.is_empty();
        super::apply::ManagedFields::settle(Some(&old_stored), &mut obj, subresource)
    });
    set_resource_version(&mut obj, Some(&rv));
    set_resource_version(&mut old_stored, Some(&rv));
    if scope.subresource == "ephemeralcontainers" {
        // The subresource's own change is not a Pod spec update.
        let mut old_v = old_stored.clone();
        old_v["spec"]["ephemeralContainers"] = obj["spec"]["ephemeralContainers"].clone();
        strategy::validate(scope.def, &obj, Some(&old_v))?;
    } else {
        strategy::validate(scope.def, &obj, Some(&old_stored))?;
    }
    admission.validate(&attrs(scope, &old_stored), &obj).await?;
    set_resource_version(&mut obj, None);
    set_resource_version(&mut old_stored, None);
    if scope.dry_run {
        return Ok(Written::new(obj, false));
    }
    // The last finalizer gone from an object being deleted: delete it for real.
    if object::is_deleting(&obj)
        && object::finalizers(&obj).is_empty()
        && !strategy::blocks_deletion(scope.def, &obj)
    {
        return match storage.store().delete(key, Some(expected)).await {
            Ok(_) => Ok(Written::new(obj, false)),
            Err(e) => Err(map_write_error(scope, e)),
        };
    }
    // A no-op writes nothing and keeps the resourceVersion, as kube does; a change to the
    // managed fields alone (a new co-owner, a reset, kubectl's migration) is a write.
    if obj == old_stored {
        return Ok(Written::new(old, false));
    }
    if let Some(managed) = managed {
        let managers = managed_fields_of(scope, Some(&old_stored), &obj, &managed)?;
        managers.write_to(&mut obj);
    }
    let bytes = super::conversion::storage_bytes(scope.def, &obj)?;
    match storage.store().update(key, bytes, expected).await {
        Ok(kv) => read_back(storage, scope, key, obj, kv.mod_revision, false).await,
        Err(e) => Err(map_write_error(scope, e)),
    }
}

/// Sets `metadata.resourceVersion` (last, where [`object::strip_derived`] left none) or takes
/// it off again, leaving the object as it was.
fn set_resource_version(obj: &mut Value, rv: Option<&str>) {
    let meta = meta_mut(obj);
    match rv {
        Some(rv) => {
            meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
        None => {
            meta.shift_remove("resourceVersion");
        }
    }
}

/// Gives a new Service its cluster IP and node ports, avoiding those the cluster's Services
/// hold (read from the cache, as kube's allocators keep their own bitmaps).
async fn assign_service_addresses(
    storage: &Storage,
    scope: &Scope<'_>,
    obj: &mut Value,
) -> ApiResult<()> {
    let prefix = keys::cluster_prefix(
        "",
        "services",
        &keys::KeySpace::BuiltIn,
        scope.cluster,
        None,
    );
    let page = storage.list_cached(&prefix, None, 0, &|_| true).await;
    let mut ips = Vec::new();
    let mut ports = Vec::new();
    for svc in page.items {
        let Ok(v) = svc.value() else { continue };
        for ip in v["spec"]["clusterIPs"].as_array().into_iter().flatten() {
            if let Some(ip) = ip.as_str() {
                ips.push(ip.to_string());
            }
        }
        for p in v["spec"]["ports"].as_array().into_iter().flatten() {
            if let Some(n) = p["nodePort"].as_u64().and_then(|n| u16::try_from(n).ok()) {
                ports.push(n);
            }
        }
    }
    // The `kubernetes` Service owns the first address of the range (seeded at bootstrap).
    if obj["spec"]["clusterIP"] == crate::defaulting::KUBERNETES_SERVICE_IP
        && !ips
            .iter()
            .any(|ip| ip == crate::defaulting::KUBERNETES_SERVICE_IP)
    {
        return Ok(());
    }
    crate::defaulting::assign_service_addresses(obj, &ips, &ports).map_err(|errs| {
        ApiError::invalid(scope.def.group, scope.def.kind, object::name(obj), &errs)
    })
}

/// The merge schema of a resource, for managed fields and apply.
fn merge_schema(def: &ResourceDef) -> super::apply::ResourceSchema<'_> {
    match &def.custom {
        Some(c) => super::apply::ResourceSchema::Crd(super::apply::CrdSchema::new(c.schema.root())),
        None => {
            let gvk = crate::schema::GroupVersionKind::new(def.group, def.version, def.kind);
            super::apply::ResourceSchema::Builtin(super::apply::BuiltinSchema::for_gvk(&gvk))
        }
    }
}

/// The managed fields after a create or update (kube's `Update` operation under the request's
/// manager), starting from the settled `managed` fields; `new` is the object as kube's field
/// manager sees it.
fn managed_fields_of(
    scope: &Scope<'_>,
    old: Option<&Value>,
    new: &Value,
    managed: &super::apply::ManagedFields,
) -> ApiResult<super::apply::ManagedFields> {
    let now = object::now_rfc3339();
    let api_version = scope.def.api_version();
    let versions = super::conversion::OtherVersions::of(scope.def);
    let status = super::apply::Set::from_paths([&[super::apply::PathElement::field("status")][..]]);
    let req = super::apply::Request {
        manager: scope.manager,
        api_version: &api_version,
        kind: scope.def.kind,
        subresource: scope.subresource,
        now: &now,
        reset_fields: strategy::resets_status(scope.def, scope.subresource).then_some(&status),
        versions: versions
            .as_ref()
            .map(|v| v as &dyn super::apply::VersionConverter),
    };
    Ok(super::apply::update(
        old,
        new,
        &req,
        managed,
        &merge_schema(scope.def),
    )?)
}

/// Server-side apply (`application/apply-patch+yaml`): merges the applied configuration into
/// the live object (creating it when missing) and records ownership; conflicts are a 409
/// unless `force`.
pub async fn apply(
    storage: &Storage,
    scope: &Scope<'_>,
    body: &[u8],
    force: bool,
    decode: &(dyn Fn(Value) -> ApiResult<Value> + Sync),
    admission: &dyn Admission,
) -> ApiResult<Written> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not UTF-8: {e}")))?;
    let applied: Value = serde_saphyr::from_str(text)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
    if !applied.is_object() {
        return Err(ApiError::bad_request(
            "the applied configuration is not an object",
        ));
    }
    check_name(scope, &applied)?;
    check_applied_fields(scope, &applied)?;
    let api_version = scope.def.api_version();
    let versions = super::conversion::OtherVersions::of(scope.def);
    let key = scope.key(scope.name);
    for _ in 0..5 {
        let live = storage.get(&key).await?;
        let live_value = live
            .as_ref()
            .map(|c| served_value(scope.def, c))
            .transpose()?;
        let mut live_stored = live_value.clone();
        if let Some(l) = live_stored.as_mut() {
            object::strip_derived(l);
        }
        let managed = match &live_stored {
            Some(l) => super::apply::ManagedFields::of_object(l).unwrap_or_default(),
            None => super::apply::ManagedFields::default(),
        };
        let now = object::now_rfc3339();
        let req = super::apply::Request {
            manager: scope.manager,
            api_version: &api_version,
            kind: scope.def.kind,
            subresource: scope.subresource,
            now: &now,
            reset_fields: None,
            versions: versions
                .as_ref()
                .map(|v| v as &dyn super::apply::VersionConverter),
        };
        let result = super::apply::apply(
            live_stored.as_ref(),
            &applied,
            &req,
            force,
            &managed,
            &merge_schema(scope.def),
        )?;
        // Unchanged, managed fields included: nothing to write.
        let unchanged = live_stored.as_ref() == Some(&result.object);
        let merged = decode(result.object)?;
        let Some(current) = live else {
            let mut obj = merged;
            meta_mut(&mut obj).insert("name".into(), json!(scope.name));
            return create_inner(storage, scope, obj, false, false, admission).await;
        };
        if unchanged {
            return Ok(Written::new(live_value.unwrap_or_default(), false));
        }
        let old = live_value.unwrap_or_default();
        match write_update(
            storage,
            scope,
            &key,
            old,
            merged,
            current.mod_revision,
            true,
            admission,
        )
        .await
        {
            Err(e)
                if e.code == 409
                    && e.reason == "Conflict"
                    && e.details
                        .as_ref()
                        .is_some_and(|d| d.get("causes").is_none()) =>
            {
                continue;
            }
            other => return other,
        }
    }
    Err(ApiError::stale_resource_version(&scope.gr(), scope.name))
}

fn map_write_error(scope: &Scope<'_>, e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict { .. } => ApiError::stale_resource_version(&scope.gr(), scope.name),
        StoreError::NotFound { .. } => ApiError::not_found(&scope.gr(), scope.name),
        other => store_error(other),
    }
}

/// What a DELETE may carry (`DeleteOptions`, from the body or the query).
#[derive(Debug, Default)]
pub struct DeleteOptions {
    pub propagation_policy: Option<String>,
    /// The deprecated `orphanDependents`, as given: `Some(false)` makes a delete that waits for
    /// finalizers answer 202 instead of 200, as kube's does.
    pub orphan_dependents: Option<bool>,
    pub precondition_uid: Option<String>,
    pub precondition_resource_version: Option<String>,
}

impl DeleteOptions {
    pub fn from_body(body: &Value) -> Self {
        let pre = &body["preconditions"];
        let mut o = Self {
            propagation_policy: body["propagationPolicy"].as_str().map(str::to_string),
            precondition_uid: pre["uid"].as_str().map(str::to_string),
            precondition_resource_version: pre["resourceVersion"].as_str().map(str::to_string),
            orphan_dependents: body["orphanDependents"].as_bool(),
        };
        if o.propagation_policy.is_none() && body["orphanDependents"] == json!(true) {
            o.propagation_policy = Some("Orphan".into());
        }
        o
    }
}

/// Deletes one object: at once without finalizers, else marks it for deletion.
pub async fn delete(
    storage: &Storage,
    scope: &Scope<'_>,
    opts: &DeleteOptions,
) -> ApiResult<Deleted> {
    let key = scope.key(scope.name);
    for _ in 0..5 {
        let current = get(storage, scope).await?;
        let obj = served_value(scope.def, &current)?;
        check_preconditions(scope, &obj, opts)?;
        let mut finalizers = object::finalizers(&obj);
        strategy::finalizers_on_delete(scope.def, &mut finalizers);
        match opts.propagation_policy.as_deref() {
            Some("Foreground") => add_once(&mut finalizers, "foregroundDeletion"),
            Some("Orphan") => add_once(&mut finalizers, "orphan"),
            Some("Background") | None => {}
            Some(other) => {
                return Err(ApiError::invalid(
                    "meta.k8s.io",
                    "DeleteOptions",
                    "",
                    &[crate::errors::FieldError::not_supported(
                        &crate::errors::FieldPath::new("propagationPolicy"),
                        other,
                        &["Foreground", "Background", "Orphan", "nil"],
                    )],
                ));
            }
        }
        let blocked = !finalizers.is_empty() || strategy::blocks_deletion(scope.def, &obj);
        if !blocked {
            if scope.dry_run {
                return Ok(Deleted::Gone(obj));
            }
            return match storage
                .store()
                .delete(&key, Some(current.mod_revision))
                .await
            {
                Ok(kv) => {
                    let mut gone = obj;
                    meta_mut(&mut gone)
                        .insert("resourceVersion".into(), json!(kv.mod_revision.to_string()));
                    Ok(Deleted::Gone(gone))
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => Err(map_write_error(scope, e)),
            };
        }
        // Graceful: set deletionTimestamp once, keep the finalizers.
        let mut marked = obj.clone();
        object::strip_derived(&mut marked);
        let meta = meta_mut(&mut marked);
        if !meta.contains_key("deletionTimestamp") {
            meta.insert("deletionTimestamp".into(), json!(object::now_rfc3339()));
            meta.insert("deletionGracePeriodSeconds".into(), json!(0));
        }
        if finalizers.is_empty() {
            meta.remove("finalizers");
        } else {
            meta.insert("finalizers".into(), json!(finalizers));
        }
        strategy::prepare_for_delete(scope.def, &mut marked);
        if scope.dry_run {
            return Ok(Deleted::Pending(marked));
        }
        let mut unchanged = obj.clone();
        object::strip_derived(&mut unchanged);
        if marked == unchanged {
            return Ok(Deleted::Pending(obj));
        }
        let bytes = super::conversion::storage_bytes(scope.def, &marked)?;
        return match storage
            .store()
            .update(&key, bytes, current.mod_revision)
            .await
        {
            Ok(kv) => Ok(Deleted::Pending(
                read_back(storage, scope, &key, marked, kv.mod_revision, false)
                    .await?
                    .object,
            )),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => Err(map_write_error(scope, e)),
        };
    }
    Err(ApiError::stale_resource_version(&scope.gr(), scope.name))
}

fn add_once(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|f| f == item) {
        list.push(item.to_string());
    }
}

/// kube's early check of a delete's preconditions (`rest.BeforeDelete`): a 409 on the kind.
fn check_preconditions(scope: &Scope<'_>, obj: &Value, opts: &DeleteOptions) -> ApiResult<()> {
    let kind = GroupResource::new(scope.def.group, scope.def.kind);
    if let Some(uid) = &opts.precondition_uid {
        let actual = object::meta_str(obj, "uid");
        if uid != actual {
            return Err(ApiError::conflict(
                &kind,
                scope.name,
                &format!(
                    "the UID in the precondition ({uid}) does not match the UID in record ({actual}). The object might have been deleted and then recreated"
                ),
            ));
        }
    }
    if let Some(rv) = &opts.precondition_resource_version {
        let actual = object::resource_version(obj);
        if rv != actual {
            return Err(ApiError::conflict(
                &kind,
                scope.name,
                &format!(
                    "the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({actual}). The object might have been modified"
                ),
            ));
        }
    }
    Ok(())
}

/// Lists one page (or all) of the objects matching the query.
pub async fn list(
    storage: &Storage,
    scope: &Scope<'_>,
    q: &ListQuery,
) -> ApiResult<(Vec<Arc<CachedObject>>, i64, Option<String>, usize)> {
    let prefix = scope.prefix();
    let filter = |o: &CachedObject| q.matches(o);
    if let Some(token) = &q.continue_token {
        // Later pages come from the store at the first page's revision: one consistent snapshot.
        let (rev, start_after) = super::query::decode_continue(token, &prefix)?;
        let mut items = Vec::new();
        let mut after = start_after;
        loop {
            let page = storage
                .store()
                .list(
                    &prefix,
                    kcp_store::ListOptions {
                        revision: Some(rev),
                        start_after: Some(after.clone()),
                        limit: Some(q.limit.max(500)),
                    },
                )
                .await
                .map_err(|e| match e {
                    StoreError::Compacted { .. } => ApiError::gone(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                    ),
                    other => store_error(other),
                })?;
            let more = page.more;
            for kv in page.items {
                after = kv.key.clone();
                if let Some(o) = storage.render(&kv.key, &kv.value, kv.mod_revision)
                    && filter(&o)
                {
                    items.push(Arc::new(o));
                    if q.limit > 0 && items.len() == q.limit {
                        let next = if more || items.len() == q.limit {
                            Some(super::query::encode_continue(rev, &after, &prefix))
                        } else {
                            None
                        };
                        return Ok((items, rev, next, 0));
                    }
                }
            }
            if !more {
                return Ok((items, rev, None, 0));
            }
        }
    }
    if let Some(rv) = q.exact_revision()? {
        // resourceVersionMatch=Exact: a snapshot from the store.
        let page = storage
            .store()
            .list(
                &prefix,
                kcp_store::ListOptions {
                    revision: Some(rv),
                    start_after: None,
                    limit: None,
                },
            )
            .await
            .map_err(store_error)?;
        let items = page
            .items
            .iter()
            .filter_map(|kv| storage.render(&kv.key, &kv.value, kv.mod_revision))
            .filter(|o| filter(o))
            .map(Arc::new)
            .collect();
        return Ok((items, rv, None, 0));
    }
    if let Some(min) = q.not_older_than()? {
        storage.wait_for(min).await?;
    }
    let page = storage.list(&prefix, None, q.limit, &filter).await?;
    let next = page
        .continue_after
        .as_ref()
        .map(|k| super::query::encode_continue(page.revision, k, &prefix));
    // kube counts the remaining items only when nothing is filtered (it could not know them).
    let remaining = if q.label_selector.is_some() || q.field_selector.is_some() {
        0
    } else {
        page.remaining
    };
    Ok((page.items, page.revision, next, remaining))
}
