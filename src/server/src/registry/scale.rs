//! The `scale` subresource: an `autoscaling/v1 Scale` view of an object's replica count, as
//! kube serves it for Deployments, ReplicaSets, StatefulSets and ReplicationControllers, and for
//! custom resources whose CRD version declares `subresources.scale`.
//!
//! Reading builds the Scale from the object (`spec.replicas`, `status.replicas` and the
//! selector, from the CRD's paths for a custom resource). Writing, a PUT of a Scale or a patch of
//! the current Scale, changes only the object's spec replicas and then takes the same update
//! path as every other write: the object's validation, generation, managed fields and the
//! resourceVersion precondition the Scale carries all apply.

use serde_json::{Value, json};

use super::admission::Admission;
use super::object;
use super::query::{Output, PatchType};
use super::rest::{self, Scope};
use crate::catalog::{Backing, ResourceDef};
use crate::errors::{ApiError, ApiResult, FieldError, FieldPath};
use crate::storage::Storage;
use crate::storage::keys::KeySpace;

/// The Scale kind, for its typed decoding, its strategic merge patch and its Table printer.
static SCALE: ResourceDef = ResourceDef {
    group: "autoscaling",
    version: "v1",
    resource: "scale",
    singular: "scale",
    kind: "Scale",
    namespaced: true,
    verbs: &["get", "patch", "update"],
    short_names: &[],
    categories: &[],
    subresources: &[],
    backing: Backing::Stored,
    space: KeySpace::BuiltIn,
    custom: None,
    bound: None,
    conversion: None,
};

/// How an object's selector appears in its Scale's `status.selector`.
enum Selector {
    /// A `metav1.LabelSelector` at this path, printed as a selector string.
    Structured(Vec<String>),
    /// A plain label map at this path (a ReplicationController's), printed as `k=v,…`.
    Map(Vec<String>),
    /// Already a selector string at this path (a CRD's `labelSelectorPath`).
    Text(Vec<String>),
    None,
}

/// Where a resource keeps what its Scale shows.
struct ScaleFields {
    spec_replicas: Vec<String>,
    status_replicas: Vec<String>,
    selector: Selector,
}

/// `.spec.replicas` → `["spec", "replicas"]` (CRD scale paths are plain field paths).
fn segments(path: &str) -> Vec<String> {
    path.trim_start_matches('.')
        .split('.')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl ScaleFields {
    fn of(def: &ResourceDef) -> Option<Self> {
        if let Some(paths) = def.custom.as_ref().and_then(|c| c.scale.as_ref()) {
            return Some(Self {
                spec_replicas: segments(&paths.spec_replicas),
                status_replicas: segments(&paths.status_replicas),
                selector: match &paths.label_selector {
                    Some(p) if !p.is_empty() => Selector::Text(segments(p)),
                    _ => Selector::None,
                },
            });
        }
        let selector = segments(".spec.selector");
        let selector = match (def.group, def.resource) {
            ("apps", "deployments" | "replicasets" | "statefulsets") => {
                Selector::Structured(selector)
            }
            ("", "replicationcontrollers") => Selector::Map(selector),
            _ => return None,
        };
        Some(Self {
            spec_replicas: segments(".spec.replicas"),
            status_replicas: segments(".status.replicas"),
            selector,
        })
    }

    /// The Scale of `obj` (as rendered, with its resourceVersion).
    fn scale_of(&self, obj: &Value) -> Value {
        let at = |path: &[String]| path.iter().try_fold(obj, |v, k| v.get(k));
        let replicas = |path: &[String]| at(path).and_then(Value::as_i64).unwrap_or(0);
        let selector = match &self.selector {
            Selector::Structured(p) => {
                super::table::label_selector_string(at(p)).unwrap_or_default()
            }
            Selector::Map(p) => super::table::label_selector_string(
                at(p).map(|m| json!({"matchLabels": m})).as_ref(),
            )
            .unwrap_or_default(),
            Selector::Text(p) => at(p).and_then(Value::as_str).unwrap_or("").to_string(),
            Selector::None => String::new(),
        };
        let meta = &obj["metadata"];
        let mut metadata = serde_json::Map::new();
        for field in [
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "creationTimestamp",
        ] {
            if let Some(v) = meta
                .get(field)
                .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            {
                metadata.insert(field.into(), v.clone());
            }
        }
        let mut status = json!({"replicas": replicas(&self.status_replicas)});
        if !selector.is_empty() {
            status["selector"] = json!(selector);
        }
        json!({
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": metadata,
            "spec": {"replicas": replicas(&self.spec_replicas)},
            "status": status,
        })
    }

    /// `obj` with its spec replicas set to `replicas` (creating missing parents).
    fn with_replicas(&self, mut obj: Value, replicas: i64) -> Value {
        let Some((last, parents)) = self.spec_replicas.split_last() else {
            return obj;
        };
        let mut cur = &mut obj;
        for key in parents {
            if !cur.get(key).is_some_and(Value::is_object) {
                cur[key.as_str()] = json!({});
            }
            cur = &mut cur[key.as_str()];
        }
        cur[last.as_str()] = json!(replicas);
        obj
    }
}

/// A request on `<object>/scale`.
pub enum Request<'a> {
    /// GET.
    Get,
    /// PUT of the client's whole Scale.
    Replace(Value),
    /// PATCH of the current Scale.
    Patch(PatchType, &'a [u8]),
}

/// Serves a request on `<object>/scale`: the Scale (after the write), in the requested form.
pub async fn serve(
    storage: &Storage,
    scope: &Scope<'_>,
    request: Request<'_>,
    out: &Output,
    admission: &dyn Admission,
) -> ApiResult<Value> {
    let fields = ScaleFields::of(scope.def).ok_or_else(ApiError::path_not_found)?;
    let scale = match request {
        Request::Get => fields.scale_of(&rest::get(storage, scope).await?.value()?),
        change => write(storage, scope, &fields, change, admission).await?,
    };
    super::output::single(&SCALE, scale, out)
}

/// Changes the spec replicas as the request says, retrying an unpinned change on conflicts.
async fn write(
    storage: &Storage,
    scope: &Scope<'_>,
    fields: &ScaleFields,
    change: Request<'_>,
    admission: &dyn Admission,
) -> ApiResult<Value> {
    let key = scope.key(scope.name);
    for _ in 0..5 {
        let current = rest::get(storage, scope).await?;
        let old = current.value()?;
        let old_scale = fields.scale_of(&old);
        let (new_scale, pinned) = match &change {
            Request::Get => return Ok(old_scale),
            Request::Replace(body) => (body.clone(), !object::resource_version(body).is_empty()),
            Request::Patch(patch_type, body) => (patched(&old_scale, *patch_type, body)?, false),
        };
        let replicas = checked_replicas(scope, new_scale)?;
        let expected = match replicas.resource_version {
            Some(rv) if rv != current.mod_revision => {
                return Err(ApiError::stale_resource_version(&scope.gr(), scope.name));
            }
            _ => current.mod_revision,
        };
        let obj = fields.with_replicas(old.clone(), replicas.replicas);
        match rest::write_update(storage, scope, &key, old, obj, expected, false, admission).await {
            Err(e) if e.code == 409 && e.reason == "Conflict" && !pinned => continue,
            Err(e) => return Err(e),
            Ok(written) => return Ok(fields.scale_of(&written.object)),
        }
    }
    Err(ApiError::stale_resource_version(&scope.gr(), scope.name))
}

/// The current Scale with a patch applied.
fn patched(scale: &Value, patch_type: PatchType, body: &[u8]) -> ApiResult<Value> {
    if patch_type != PatchType::Apply {
        return super::patch::apply(&SCALE, scale, patch_type, body);
    }
    // Apply to a Scale: it owns one field, so the applied configuration is merged in.
    let applied = object::parse_body(body, true)?;
    let mut doc = scale.clone();
    json_patch::merge(&mut doc, &applied);
    Ok(doc)
}

/// What a written Scale asks for.
struct Requested {
    replicas: i64,
    resource_version: Option<i64>,
}

/// Decodes a Scale as kube's typed decoder does (wrong types are a 400) and validates it as
/// `ValidateScale` (a negative replica count is a 422).
fn checked_replicas(scope: &Scope<'_>, scale: Value) -> ApiResult<Requested> {
    let (api_version, kind) = object::type_meta(&scale);
    if !kind.is_empty() && kind != SCALE.kind {
        return Err(ApiError::bad_request(format!(
            "the kind of the provided object ({kind}) does not match the expected kind (Scale)"
        )));
    }
    if !api_version.is_empty() && api_version != "autoscaling/v1" {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version (autoscaling/v1)"
        )));
    }
    let name = object::name(&scale);
    if !name.is_empty() && name != scope.name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            scope.name
        )));
    }
    let gvk = crate::schema::GroupVersionKind::new(SCALE.group, SCALE.version, SCALE.kind);
    let scale = crate::schema::decode(&gvk, scale)
        .map_err(|e| e.to_api_error())?
        .object;
    let replicas = scale["spec"]["replicas"].as_i64().unwrap_or(0);
    if replicas < 0 {
        return Err(ApiError::invalid(
            SCALE.group,
            SCALE.kind,
            scope.name,
            &[FieldError::invalid(
                &FieldPath::new("spec").child("replicas"),
                replicas,
                "must be greater than or equal to 0",
            )],
        ));
    }
    let rv = object::resource_version(&scale);
    let resource_version = if rv.is_empty() {
        None
    } else {
        Some(
            rv.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {rv:?}")))?,
        )
    };
    Ok(Requested {
        replicas,
        resource_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CustomResource, ScalePaths};

    fn deployment() -> &'static ResourceDef {
        crate::catalog::kube_builtins()
            .iter()
            .find(|d| d.group == "apps" && d.resource == "deployments")
            .unwrap()
    }

    #[test]
    fn a_deployments_scale_prints_its_selector() {
        let fields = ScaleFields::of(deployment()).unwrap();
        let d = json!({
            "metadata": {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "7",
                "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"x": "y"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"tier": "a", "app": "web"},
                "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}]}},
            "status": {"replicas": 1},
        });
        assert_eq!(
            fields.scale_of(&d),
            json!({
                "kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {"name": "web", "namespace": "default", "uid": "u1",
                    "resourceVersion": "7", "creationTimestamp": "2026-01-01T00:00:00Z"},
                "spec": {"replicas": 2},
                "status": {"replicas": 1, "selector": "app=web,env in (dev,prod),tier=a"},
            })
        );
    }

    #[test]
    fn a_custom_resources_scale_follows_the_crd_paths() {
        let mut def = deployment().clone();
        def.custom = Some(std::sync::Arc::new(CustomResource {
            schema: crate::crd::CustomResourceSchema::from_crd_version(&json!({"name": "v1"})),
            openapi_schema: json!({}),
            scale: Some(ScalePaths {
                spec_replicas: ".spec.size".into(),
                status_replicas: ".status.ready".into(),
                label_selector: Some(".status.selector".into()),
            }),
            deprecation_warning: None,
        }));
        let fields = ScaleFields::of(&def).unwrap();
        let cr = json!({"metadata": {"name": "x"}, "status": {"selector": "app=x"}});
        let scale = fields.scale_of(&cr);
        assert_eq!(scale["spec"], json!({"replicas": 0}));
        assert_eq!(scale["status"], json!({"replicas": 0, "selector": "app=x"}));
        let scaled = fields.with_replicas(cr, 3);
        assert_eq!(scaled["spec"], json!({"size": 3}));
    }

    #[test]
    fn a_negative_or_mistyped_replica_count_is_refused_with_its_field() {
        let def = deployment();
        let scope = Scope {
            cluster: "root",
            def,
            namespace: Some("default"),
            name: "web",
            subresource: "scale",
            dry_run: false,
            manager: "test",
        };
        let e = checked_replicas(&scope, json!({"spec": {"replicas": -1}}))
            .err()
            .unwrap();
        assert_eq!(e.code, 422);
        assert_eq!(
            e.message,
            r#"Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"#
        );
        let e = checked_replicas(&scope, json!({"spec": {"replicas": "three"}}))
            .err()
            .unwrap();
        assert_eq!(e.code, 400, "{}", e.message);
        assert!(e.message.contains("spec.replicas"), "{}", e.message);
    }
}
