//! A watched object kept as JSON: what the sync controller's watches yield. The caches and the
//! sync work on `serde_json::Value`s; kube's `DynamicObject` would decode each event's
//! metadata into a typed `ObjectMeta` (managed fields too) and then be converted to a `Value`,
//! the larger part of the agent's CPU per watch event.

use std::borrow::Cow;

use kube::api::{ApiResource, ObjectMeta, Resource};
use kube::core::DynamicResourceScope;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct JsonObject {
    /// The identity kube-runtime's watcher reads (name, namespace, uid, resourceVersion).
    meta: ObjectMeta,
    /// The object, without `metadata.managedFields` (nothing reads them).
    pub value: Value,
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut value = Value::deserialize(d)?;
        let metadata = value.get_mut("metadata").and_then(Value::as_object_mut);
        let mut meta = ObjectMeta::default();
        if let Some(m) = metadata {
            m.remove("managedFields");
            let text = |f: &str| m.get(f).and_then(Value::as_str).map(str::to_string);
            meta.name = text("name");
            meta.namespace = text("namespace");
            meta.uid = text("uid");
            meta.resource_version = text("resourceVersion");
        }
        Ok(JsonObject { meta, value })
    }
}

impl Resource for JsonObject {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }

    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }

    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }

    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.meta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_object_and_its_identity() {
        let o: JsonObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "example.com/v1", "kind": "Thing",
            "metadata": {"name": "a", "namespace": "n", "uid": "u", "resourceVersion": "7",
                         "managedFields": [{"manager": "m"}], "labels": {"l": "v"}},
            "spec": {"x": 1}
        }))
        .unwrap();
        assert_eq!(o.meta().name.as_deref(), Some("a"));
        assert_eq!(o.meta().namespace.as_deref(), Some("n"));
        assert_eq!(o.meta().resource_version.as_deref(), Some("7"));
        assert_eq!(o.value["spec"]["x"], 1);
        assert_eq!(o.value["metadata"]["labels"]["l"], "v");
        assert!(o.value["metadata"].get("managedFields").is_none());
    }
}
