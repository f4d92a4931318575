//! APIResourceSchemas as a binding serves them. A schema stands for the CRD kcp would generate
//! from it (a "bound CRD", named by the schema's UID, in `system:bound-crds`); here that CRD is
//! never stored: the schema is compiled once, by UID (schemas are immutable), into the catalog
//! entries every binding of it shares, stamped with the export's identity.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::catalog::{BoundSource, ResourceDef};
use crate::storage::CachedObject;
use crate::storage::keys::KeySpace;
use kcp_api::apis::v1alpha1::APIResourceSchema;

/// One schema, compiled.
pub struct BoundSchema {
    pub name: String,
    pub uid: String,
    pub group: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub list_kind: String,
    pub short_names: Vec<String>,
    /// The version objects are stored in.
    pub storage_version: String,
    /// More than one version without a conversion strategy: kcp refuses to bind it.
    pub lacks_conversion: bool,
    /// Its served versions as catalog entries (local-CRD key space, no source yet).
    defs: Vec<ResourceDef>,
}

impl BoundSchema {
    fn compile(schema: &APIResourceSchema, uid: &str) -> Self {
        let crd = bound_crd(schema);
        let names = &schema.spec.names;
        Self {
            name: schema.metadata.name.clone().unwrap_or_default(),
            uid: uid.to_string(),
            group: schema.spec.group.clone(),
            plural: names.plural.clone(),
            singular: names.singular.clone().unwrap_or_default(),
            kind: names.kind.clone(),
            list_kind: names.list_kind.clone().unwrap_or_default(),
            short_names: names.short_names.clone().unwrap_or_default(),
            storage_version: schema
                .spec
                .versions
                .iter()
                .find(|v| v.storage)
                .map(|v| v.name.clone())
                .unwrap_or_default(),
            lacks_conversion: schema.spec.versions.len() > 1 && schema.spec.conversion.is_none(),
            defs: crate::controllers::crd::resource_defs(&crd),
        }
    }

    /// The catalog entries of this schema bound from `source` under `identity`; without
    /// `create` while the binding is being deleted (as kcp's bound CRD turns Terminating).
    pub fn resource_defs(
        &self,
        identity: &str,
        source: &Arc<BoundSource>,
        deleting: bool,
    ) -> Vec<ResourceDef> {
        const WITHOUT_CREATE: &[&str] = &[
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ];
        self.defs
            .iter()
            .map(|d| ResourceDef {
                space: KeySpace::Bound(identity.to_string()),
                bound: Some(source.clone()),
                verbs: if deleting { WITHOUT_CREATE } else { d.verbs },
                ..d.clone()
            })
            .collect()
    }
}

/// The CRD kcp generates for a schema (`GenerateBoundCRD`), with the status an established CRD
/// has: the input of [`crate::controllers::crd::resource_defs`].
pub fn bound_crd(schema: &APIResourceSchema) -> Value {
    let spec = &schema.spec;
    let mut names = serde_json::to_value(&spec.names).unwrap_or_else(|_| json!({}));
    if names["singular"].as_str().is_none_or(str::is_empty) {
        names["singular"] = json!(spec.names.kind.to_lowercase());
    }
    if names["listKind"].as_str().is_none_or(str::is_empty) {
        names["listKind"] = json!(format!("{}List", spec.names.kind));
    }
    let versions: Vec<Value> = spec
        .versions
        .iter()
        .map(|v| {
            let mut version = json!({
                "name": v.name,
                "served": v.served,
                "storage": v.storage,
                "schema": {"openAPIV3Schema": v.schema},
                "subresources": v.subresources,
            });
            if v.deprecated {
                version["deprecated"] = json!(true);
            }
            if let Some(w) = &v.deprecation_warning {
                version["deprecationWarning"] = json!(w);
            }
            if !v.additional_printer_columns.is_empty() {
                version["additionalPrinterColumns"] = json!(v.additional_printer_columns);
            }
            if !v.selectable_fields.is_empty() {
                version["selectableFields"] = json!(v.selectable_fields);
            }
            version
        })
        .collect();
    let storage: Vec<&str> = spec
        .versions
        .iter()
        .filter(|v| v.storage)
        .map(|v| v.name.as_str())
        .collect();
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": schema.metadata.uid},
        "spec": {
            "group": spec.group,
            "names": names,
            "scope": spec.scope,
            "versions": versions,
        },
        "status": {"acceptedNames": names, "storedVersions": storage},
    })
}

/// Compiled schemas by UID.
#[derive(Default)]
pub struct SchemaCache {
    by_uid: Mutex<HashMap<String, Arc<BoundSchema>>>,
}

impl SchemaCache {
    /// The compiled form of a cached APIResourceSchema.
    pub fn get(&self, cached: &CachedObject) -> Option<Arc<BoundSchema>> {
        if let Some(s) = self.lock().get(&cached.uid) {
            return Some(s.clone());
        }
        let schema: APIResourceSchema = serde_json::from_slice(&cached.json).ok()?;
        let compiled = Arc::new(BoundSchema::compile(&schema, &cached.uid));
        self.lock().insert(cached.uid.clone(), compiled.clone());
        Some(compiled)
    }

    /// A schema compiled before, by UID (it may since have been deleted: a binding keeps
    /// serving what it bound, as kcp's bound CRD outlives the schema).
    pub fn by_uid(&self, uid: &str) -> Option<Arc<BoundSchema>> {
        self.lock().get(uid).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<BoundSchema>>> {
        match self.by_uid.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widgets() -> APIResourceSchema {
        serde_json::from_value(json!({
            "apiVersion": "apis.kcp.io/v1alpha1",
            "kind": "APIResourceSchema",
            "metadata": {"name": "v1.widgets.example.com", "uid": "u-1"},
            "spec": {
                "group": "example.com",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                "scope": "Namespaced",
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"type": "object", "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}},
                    "subresources": {"status": {}}}],
            },
        }))
        .unwrap()
    }

    #[test]
    fn a_schema_serves_what_its_bound_crd_would() {
        let s = BoundSchema::compile(&widgets(), "u-1");
        assert_eq!(
            (
                s.group.as_str(),
                s.plural.as_str(),
                s.storage_version.as_str()
            ),
            ("example.com", "widgets", "v1")
        );
        assert!(!s.lacks_conversion);
        let source = Arc::new(BoundSource {
            export_cluster: "provider".into(),
            export_name: "widgets".into(),
        });
        let defs = s.resource_defs("abc", &source, false);
        assert_eq!(defs.len(), 1);
        let d = &defs[0];
        assert_eq!(
            (d.group, d.version, d.resource, d.kind),
            ("example.com", "v1", "widgets", "Widget")
        );
        assert_eq!(d.space, KeySpace::Bound("abc".into()));
        assert!(d.has_subresource("status"));
        assert!(d.supports("create"));
        assert_eq!(d.bound.as_deref(), Some(&*source));
        let deleting = s.resource_defs("abc", &source, true);
        assert!(!deleting[0].supports("create") && deleting[0].supports("delete"));
    }
}
