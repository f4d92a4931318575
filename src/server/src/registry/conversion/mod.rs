//! Versions of one resource: the hook that lets a resource be stored in one (group, version)
//! and served in others, as kube-apiserver's storage codec converts through the internal type.
//!
//! A [`ResourceDef`] with a [`Conversion`] names the group and version its objects are stored
//! in (the group picks the storage key, so events.k8s.io's `events` share core's keys) and a
//! [`Converter`]: a function on JSON objects that turns an object of any of the resource's
//! versions into any other. Every path goes through this module:
//!
//! - writes through [`storage_bytes`] (served → stored);
//! - reads through [`to_served`] (a decoded object) or [`served_json`] (the watch cache's bytes,
//!   for lists and watches), which borrow the bytes when they are already in the served form;
//! - field selectors through [`stored_field_label`], since they are evaluated on stored objects;
//! - managed fields through [`OtherVersions`], which compares objects in the version a manager
//!   recorded its fields in (structured-merge-diff's version converter).
//!
//! Resources without a `Conversion` (most built-ins, single-version CRDs) cost nothing here.
//! The converters: [`crd_none`] (a CRD's `conversion: None`: only `apiVersion` changes),
//! [`events`] (core/v1 ↔ events.k8s.io/v1), [`apis`] (apis.kcp.io v1alpha1 ↔ v1alpha2). A new
//! one is a function of type [`Converter`] given to [`Conversion::new`] where its resource's
//! `ResourceDef`s are built (the catalog for built-ins, `controllers::crd::resource_defs` for
//! CRDs).

pub mod apis;
pub mod events;

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::catalog::{CustomResource, ResourceDef};
use crate::errors::{ApiError, ApiResult};
use crate::registry::apply;

/// Converts an object, whichever of its resource's versions its `apiVersion` names, to the
/// version `to` (an `apiVersion`: `v1`, `events.k8s.io/v1`), setting `apiVersion` too. Errors
/// say why the object cannot be expressed in `to`.
pub type Converter = fn(obj: &mut Value, to: &str) -> Result<(), String>;

/// Maps a field selector's label from a served version (`api_version`) to stored objects.
pub type FieldLabel = for<'a> fn(api_version: &str, label: &'a str) -> &'a str;

/// Field labels that mean the same in every version.
pub fn same_field_label<'a>(_api_version: &str, label: &'a str) -> &'a str {
    label
}

/// How a resource's versions relate: shared by every served version's `ResourceDef`.
#[derive(Clone, Debug)]
pub struct Conversion {
    /// The group objects are stored under: it names their key (`""` is `core`).
    pub storage_group: &'static str,
    pub storage_version: &'static str,
    /// Whether stored objects may be in another version than `storage_version` (a CRD whose
    /// `status.storedVersions` lists older ones): reads then check each object's version.
    pub mixed: bool,
    pub convert: Converter,
    /// A field selector's label in a served version (its `apiVersion`) → the label on stored
    /// objects: kube's field label conversion.
    pub field_label: FieldLabel,
    /// Each served version's schema, for managed fields recorded in that version.
    pub versions: Vec<VersionSchema>,
}

/// The merge schema of one version of a resource.
#[derive(Clone, Debug)]
pub enum VersionSchema {
    /// A built-in type, by its group, version and kind.
    Builtin {
        group: &'static str,
        version: &'static str,
        kind: &'static str,
    },
    /// A version of a CRD.
    Custom {
        api_version: String,
        resource: Arc<CustomResource>,
    },
}

impl VersionSchema {
    pub fn api_version(&self) -> Cow<'_, str> {
        match self {
            Self::Builtin {
                group: "", version, ..
            } => Cow::Borrowed(version),
            Self::Builtin { group, version, .. } => Cow::Owned(format!("{group}/{version}")),
            Self::Custom { api_version, .. } => Cow::Borrowed(api_version),
        }
    }

    /// The schema structured merge and managed fields walk.
    pub fn merge_schema(&self) -> apply::ResourceSchema<'_> {
        match self {
            Self::Builtin {
                group,
                version,
                kind,
            } => {
                let gvk = crate::schema::GroupVersionKind::new(group, version, kind);
                apply::ResourceSchema::Builtin(apply::BuiltinSchema::for_gvk(&gvk))
            }
            Self::Custom { resource, .. } => {
                apply::ResourceSchema::Crd(apply::CrdSchema::new(resource.schema.root()))
            }
        }
    }
}

impl Conversion {
    pub fn new(
        storage_group: &'static str,
        storage_version: &'static str,
        convert: Converter,
        versions: Vec<VersionSchema>,
    ) -> Self {
        Self {
            storage_group,
            storage_version,
            mixed: false,
            convert,
            field_label: same_field_label,
            versions,
        }
    }

    /// A CRD's: stored in `storage_version`; `mixed` when `status.storedVersions` names others.
    /// Its versions convert with `conversion: None` unless the resource is one whose versions
    /// this server converts itself (kcp's apis.kcp.io system CRDs).
    pub fn for_crd(
        group: &'static str,
        resource: &str,
        storage_version: &'static str,
        mixed: bool,
        versions: Vec<VersionSchema>,
    ) -> Arc<Self> {
        let convert = if apis::converts(group, resource) {
            apis::convert
        } else {
            crd_none
        };
        Arc::new(Self {
            mixed,
            ..Self::new(group, storage_version, convert, versions)
        })
    }

    pub fn storage_api_version(&self) -> String {
        api_version(self.storage_group, self.storage_version)
    }

    fn schema_of(&self, api_version: &str) -> Option<&VersionSchema> {
        self.versions
            .iter()
            .find(|v| v.api_version() == api_version)
    }
}

fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// A CRD's `conversion: None`: versions differ in their `apiVersion` alone.
pub fn crd_none(obj: &mut Value, to: &str) -> Result<(), String> {
    set_api_version(obj, to);
    Ok(())
}

/// Sets an object's `apiVersion`, keeping the key where it was.
pub fn set_api_version(obj: &mut Value, to: &str) {
    if let Some(o) = obj.as_object_mut() {
        o.insert("apiVersion".into(), json!(to));
    }
}

/// The `apiVersion` an object carries.
pub fn api_version_of(obj: &Value) -> &str {
    obj.get("apiVersion").and_then(Value::as_str).unwrap_or("")
}

/// The group a resource's objects are stored under (their key's group segment).
pub fn storage_group(def: &ResourceDef) -> &'static str {
    def.conversion
        .as_ref()
        .map_or(def.group, |c| c.storage_group)
}

/// Whether every stored object of `def` is already in `def`'s version, so the watch cache's
/// bytes are what its clients get.
pub fn stored_as_served(def: &ResourceDef) -> bool {
    def.conversion.as_ref().is_none_or(|c| {
        !c.mixed && c.storage_group == def.group && c.storage_version == def.version
    })
}

/// The bytes to store for `obj` (in `def`'s served version): the object in the storage
/// version. A converter's refusal is the client's mistake (400).
pub fn storage_bytes(def: &ResourceDef, obj: &Value) -> ApiResult<Bytes> {
    let encode = |v: &Value| {
        serde_json::to_vec(v)
            .map(Bytes::from)
            .map_err(ApiError::internal)
    };
    match &def.conversion {
        Some(c) if !(c.storage_group == def.group && c.storage_version == def.version) => {
            let mut stored = obj.clone();
            (c.convert)(&mut stored, &c.storage_api_version()).map_err(|e| {
                ApiError::bad_request(format!(
                    "error converting {} to {}: {e}",
                    def.api_version(),
                    c.storage_api_version()
                ))
            })?;
            encode(&stored)
        }
        _ => encode(obj),
    }
}

/// Converts a stored (or cached) object to `def`'s version. A stored object that does not
/// convert is the server's problem (500), as a failing conversion webhook is in kube.
pub fn to_served(def: &ResourceDef, obj: &mut Value) -> ApiResult<()> {
    let Some(c) = &def.conversion else {
        return Ok(());
    };
    let want = def.api_version();
    if api_version_of(obj) == want {
        return Ok(());
    }
    (c.convert)(obj, &want).map_err(|e| {
        ApiError::internal(format!(
            "error converting {} {:?} to {want}: {e}",
            def.kind,
            crate::registry::object::name(obj)
        ))
    })
}

/// Just the top-level `apiVersion` of an encoded object (the rest is skipped, not built).
#[derive(serde::Deserialize)]
struct TypeMeta<'a> {
    #[serde(rename = "apiVersion", borrow)]
    api_version: Option<Cow<'a, str>>,
}

/// Cached object bytes in `def`'s version: borrowed unless they need converting.
pub fn served_json<'a>(def: &ResourceDef, json: &'a [u8]) -> ApiResult<Cow<'a, [u8]>> {
    if stored_as_served(def) {
        return Ok(Cow::Borrowed(json));
    }
    let want = def.api_version();
    if let Ok(TypeMeta {
        api_version: Some(v),
    }) = serde_json::from_slice::<TypeMeta<'_>>(json)
        && v == want
    {
        return Ok(Cow::Borrowed(json));
    }
    let mut v: Value = serde_json::from_slice(json).map_err(ApiError::internal)?;
    to_served(def, &mut v)?;
    Ok(Cow::Owned(
        serde_json::to_vec(&v).map_err(ApiError::internal)?,
    ))
}

/// The field label a field selector of `def`'s version names on stored objects (kube's field
/// label conversion to the internal version, whose fields the stored version shares).
pub fn stored_field_label<'a>(def: &ResourceDef, label: &'a str) -> &'a str {
    match &def.conversion {
        Some(c) => (c.field_label)(&def.api_version(), label),
        None => label,
    }
}

/// A resource's other versions, for managers whose fields were recorded in one of them: the
/// objects of a write are compared in that version, as structured-merge-diff does.
pub struct OtherVersions<'a> {
    conversion: &'a Conversion,
}

impl<'a> OtherVersions<'a> {
    pub fn of(def: &'a ResourceDef) -> Option<Self> {
        def.conversion
            .as_deref()
            .map(|conversion| Self { conversion })
    }
}

impl apply::VersionConverter for OtherVersions<'_> {
    fn compare(
        &self,
        api_version: &str,
        old: &Value,
        new: &Value,
    ) -> Option<Result<apply::typed::Comparison, String>> {
        let schema = self.conversion.schema_of(api_version)?.merge_schema();
        let convert = |v: &Value| {
            let mut v = v.clone();
            (self.conversion.convert)(&mut v, api_version).map(|()| v)
        };
        let compared = (|| {
            let (old, new) = (convert(old)?, convert(new)?);
            apply::typed::compare(&schema, &old, &new)
        })();
        Some(compared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CustomResource;

    fn widget(version: &'static str, storage: &'static str, mixed: bool) -> ResourceDef {
        let mut def = crate::catalog::kube_builtins()[0].clone();
        def.group = "example.com";
        def.version = version;
        def.kind = "Widget";
        def.custom = Some(Arc::new(CustomResource {
            schema: crate::crd::CustomResourceSchema::from_crd_version(&json!({"name": version})),
            openapi_schema: json!({}),
            scale: None,
            deprecation_warning: None,
        }));
        def.conversion = Some(Conversion::for_crd(
            "example.com",
            "widgets",
            storage,
            mixed,
            vec![],
        ));
        def
    }

    #[test]
    fn objects_are_stored_in_the_storage_version_and_served_in_the_requested_one() {
        let v2 = widget("v2", "v1", false);
        let obj = json!({"apiVersion": "example.com/v2", "kind": "Widget",
            "metadata": {"ownerReferences": [{"apiVersion": "example.com/v2"}]}});
        let stored: Value = serde_json::from_slice(&storage_bytes(&v2, &obj).unwrap()).unwrap();
        assert_eq!(stored["apiVersion"], "example.com/v1");
        // Only the object's own version changes; the caller's object is left as it was.
        assert_eq!(
            stored["metadata"]["ownerReferences"][0]["apiVersion"],
            "example.com/v2"
        );
        assert_eq!(obj["apiVersion"], "example.com/v2");

        let bytes = serde_json::to_vec(&stored).unwrap();
        let served: Value = serde_json::from_slice(&served_json(&v2, &bytes).unwrap()).unwrap();
        assert_eq!(served["apiVersion"], "example.com/v2");
        let mut decoded = stored.clone();
        to_served(&v2, &mut decoded).unwrap();
        assert_eq!(decoded, served);
        // Already in the requested version: the same bytes.
        let v1 = widget("v1", "v1", true);
        assert!(matches!(
            served_json(&v1, &bytes).unwrap(),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn the_storage_version_is_never_rewritten_unless_others_are_stored() {
        let v1 = widget("v1", "v1", false);
        let bytes = br#"{"apiVersion":"example.com/v0","kind":"Widget"}"#;
        assert!(matches!(served_json(&v1, bytes).unwrap(), Cow::Borrowed(_)));
        let mixed = widget("v1", "v1", true);
        let served: Value = serde_json::from_slice(&served_json(&mixed, bytes).unwrap()).unwrap();
        assert_eq!(served["apiVersion"], "example.com/v1");
        let obj = json!({"apiVersion": "example.com/v1"});
        assert_eq!(
            &storage_bytes(&v1, &obj).unwrap()[..],
            br#"{"apiVersion":"example.com/v1"}"#
        );
    }

    /// A field set through core/v1 is owned in core/v1's terms: applying its events.k8s.io/v1
    /// name conflicts, and forcing takes it, as structured-merge-diff's version converter does.
    #[test]
    fn managers_of_another_version_are_settled_in_their_version() {
        use crate::registry::apply::{self, ApplyError, ManagedFields, Request};
        let def = crate::catalog::builtins()
            .iter()
            .find(|d| d.group == "events.k8s.io" && d.resource == "events")
            .unwrap();
        let live = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "ns", "managedFields": [
                {"manager": "core-writer", "operation": "Update", "apiVersion": "v1",
                 "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:message": {}, "f:reason": {}}}]},
            "note": "old", "reason": "R"});
        let applied = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "ns"}, "note": "new"});
        let versions = OtherVersions::of(def).unwrap();
        let req = Request {
            manager: "recorder",
            api_version: "events.k8s.io/v1",
            kind: "Event",
            subresource: "",
            now: "2026-01-01T00:01:00Z",
            reset_fields: None,
            versions: Some(&versions),
        };
        let managed = ManagedFields::of_object(&live).unwrap();
        let schema = VersionSchema::Builtin {
            group: "events.k8s.io",
            version: "v1",
            kind: "Event",
        };
        let schema = schema.merge_schema();
        let Err(ApplyError::Conflicts(conflicts)) =
            apply::apply(Some(&live), &applied, &req, false, &managed, &schema)
        else {
            panic!("expected a conflict");
        };
        let message = conflicts.to_api_error().message;
        assert!(
            message.contains("core-writer") && message.contains(".message"),
            "{message}"
        );

        let forced = apply::apply(Some(&live), &applied, &req, true, &managed, &schema).unwrap();
        assert_eq!(forced.object["note"], "new");
        let writer = forced
            .managed
            .entries()
            .iter()
            .find(|e| e.manager == "core-writer")
            .unwrap();
        // The writer keeps `reason` (in its own version's terms) and loses `message`.
        assert_eq!(writer.api_version, "v1");
        let paths: Vec<String> = writer
            .fields
            .paths()
            .iter()
            .map(|p| apply::fieldpath::path_string(p))
            .collect();
        assert_eq!(paths, vec![".reason"]);
    }
}
