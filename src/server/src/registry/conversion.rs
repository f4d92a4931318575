//! Versions of one resource: custom resources are stored in their CRD's storage version and
//! served in the version of the request. With `conversion: None`, the only strategy served
//! today, converting an object between versions rewrites its `apiVersion` and nothing else.
//!
//! Writes go through [`storage_bytes`]; reads through [`to_served`] (a decoded object) or
//! [`served_json`] (cached bytes, for lists and watches). Built-in resources keep one version
//! per storage key and pass through untouched, as do custom resources whose objects can only
//! be stored in the version being served (one version, never changed: the common case costs
//! nothing).

use std::borrow::Cow;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::catalog::ResourceDef;
use crate::errors::{ApiError, ApiResult};

/// Whether objects read through `def` may carry another version than `def`'s.
fn converts(def: &ResourceDef) -> bool {
    def.custom
        .as_ref()
        .is_some_and(|c| c.stored_in_other_versions)
}

/// The `apiVersion` objects of `def` are written with.
fn storage_api_version(def: &ResourceDef) -> Option<String> {
    let storage = def.custom.as_ref()?.storage_version;
    (storage != def.version).then(|| format!("{}/{storage}", def.group))
}

/// Whether objects of `def` are stored in its served version, so the watch cache's bytes are
/// what a client of `def` gets.
pub fn stored_as_served(def: &ResourceDef) -> bool {
    storage_api_version(def).is_none()
}

/// The bytes to store for `obj` (in `def`'s served version): the object in the storage version.
pub fn storage_bytes(def: &ResourceDef, obj: &mut Value) -> ApiResult<Bytes> {
    let Some(storage) = storage_api_version(def) else {
        return Ok(Bytes::from(
            serde_json::to_vec(obj).map_err(ApiError::internal)?,
        ));
    };
    // Swap the version for the encoding and back: no copy of the object.
    let served = obj
        .as_object_mut()
        .and_then(|o| o.insert("apiVersion".into(), json!(storage)));
    let bytes = serde_json::to_vec(obj).map_err(ApiError::internal);
    if let (Some(o), Some(served)) = (obj.as_object_mut(), served) {
        o.insert("apiVersion".into(), served);
    }
    Ok(Bytes::from(bytes?))
}

/// Converts a stored (or cached) object to `def`'s version.
pub fn to_served(def: &ResourceDef, obj: &mut Value) {
    if converts(def)
        && let Some(o) = obj.as_object_mut()
    {
        o.insert("apiVersion".into(), json!(def.api_version()));
    }
}

/// Just the top-level `apiVersion` of an encoded object (the rest is skipped, not built).
#[derive(serde::Deserialize)]
struct TypeMeta<'a> {
    #[serde(rename = "apiVersion", borrow)]
    api_version: Option<Cow<'a, str>>,
}

/// Cached object bytes in `def`'s version: borrowed unless they need converting.
pub fn served_json<'a>(def: &ResourceDef, json: &'a [u8]) -> Cow<'a, [u8]> {
    if !converts(def) {
        return Cow::Borrowed(json);
    }
    let want = def.api_version();
    match serde_json::from_slice::<TypeMeta<'_>>(json) {
        Ok(TypeMeta {
            api_version: Some(v),
        }) if v == want => Cow::Borrowed(json),
        _ => match serde_json::from_slice::<Value>(json) {
            Ok(mut v) => {
                to_served(def, &mut v);
                serde_json::to_vec(&v).map_or(Cow::Borrowed(json), Cow::Owned)
            }
            Err(_) => Cow::Borrowed(json),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::CustomResource;

    fn widget(version: &'static str, storage: &'static str, other_versions: bool) -> ResourceDef {
        let mut def = crate::catalog::kube_builtins()[0].clone();
        def.group = "example.com";
        def.version = version;
        def.kind = "Widget";
        def.custom = Some(Arc::new(CustomResource {
            schema: crate::crd::CustomResourceSchema::from_crd_version(&json!({"name": version})),
            openapi_schema: json!({}),
            scale: None,
            storage_version: storage,
            stored_in_other_versions: other_versions,
        }));
        def
    }

    #[test]
    fn objects_are_stored_in_the_storage_version_and_served_in_the_requested_one() {
        let v2 = widget("v2", "v1", true);
        let mut obj = json!({"apiVersion": "example.com/v2", "kind": "Widget",
            "metadata": {"ownerReferences": [{"apiVersion": "example.com/v2"}]}});
        let stored: Value = serde_json::from_slice(&storage_bytes(&v2, &mut obj).unwrap()).unwrap();
        assert_eq!(stored["apiVersion"], "example.com/v1");
        // Only the object's own version changes; the caller's object is left as it was.
        assert_eq!(
            stored["metadata"]["ownerReferences"][0]["apiVersion"],
            "example.com/v2"
        );
        assert_eq!(obj["apiVersion"], "example.com/v2");

        let bytes = serde_json::to_vec(&stored).unwrap();
        let served: Value = serde_json::from_slice(&served_json(&v2, &bytes)).unwrap();
        assert_eq!(served["apiVersion"], "example.com/v2");
        let mut decoded = stored.clone();
        to_served(&v2, &mut decoded);
        assert_eq!(decoded, served);
        // Already in the requested version: the same bytes.
        let v1 = widget("v1", "v1", true);
        assert!(matches!(served_json(&v1, &bytes), Cow::Borrowed(_)));
    }

    #[test]
    fn a_single_version_resource_is_never_rewritten() {
        let v1 = widget("v1", "v1", false);
        let bytes = br#"{"apiVersion":"example.com/v0","kind":"Widget"}"#;
        assert!(matches!(served_json(&v1, bytes), Cow::Borrowed(_)));
        let mut obj = json!({"apiVersion": "example.com/v1"});
        assert_eq!(
            &storage_bytes(&v1, &mut obj).unwrap()[..],
            br#"{"apiVersion":"example.com/v1"}"#
        );
    }
}
