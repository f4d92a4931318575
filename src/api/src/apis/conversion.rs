//! Lossless conversion of APIExport and APIBinding between `v1alpha1` and `v1alpha2` (storage),
//! following kcp's conversion functions (`sdk/apis/apis/v1alpha2/types_*_conversion.go`): what
//! the target version cannot express rides in `apis.v1alpha2.kcp.io/*` annotations and is
//! restored on the way back.
//!
//! * APIExport v1alpha2 → v1alpha1: resources without CRD storage go to
//!   `…/resource-schemas`; claims whose verbs are not exactly `["*"]` go to
//!   `…/permission-claims`. `all`/`resourceSelector` come back from
//!   `…/v1alpha1-permission-claims`, which v1alpha1 → v1alpha2 writes with every claim.
//! * APIBinding: the same idea for `spec.permissionClaims`, `status.exportPermissionClaims` and
//!   `status.appliedPermissionClaims`, each with its own annotation pair.
//!
//! One deliberate difference from kcp: a wildcard export claim with a `defaultSelector` is also
//! carried in `…/permission-claims`, so its selector survives a v1alpha1 round trip (kcp drops
//! it).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::v1alpha2::{PermissionClaimSelector, ResourceSchema, ScopedPermissionClaim};
use super::{split_schema_name, v1alpha1 as v1, v1alpha2 as v2};
use crate::keys::{
    ACCEPTABLE_PERMISSION_CLAIMS_ANNOTATION, PERMISSION_CLAIMS_ANNOTATION,
    PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION, RESOURCE_SCHEMAS_ANNOTATION,
    STATUS_APPLIED_CLAIMS_ANNOTATION, STATUS_APPLIED_CLAIMS_V1ALPHA1_ANNOTATION,
    STATUS_PERMISSION_CLAIMS_ANNOTATION, STATUS_PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION,
};

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
pub enum ConversionError {
    /// A `latestResourceSchemas` entry is not `<prefix>.<resource>.<group>`.
    #[error("invalid schema {0:?}: must have at least 3 dot-separated segments")]
    InvalidSchemaName(String),
    /// A conversion annotation holds JSON of the wrong shape (edited by hand?).
    #[error("failed to decode {annotation} from JSON: {source}")]
    BadAnnotation {
        annotation: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

fn encode<T: Serialize>(value: &T) -> String {
    // Serializing these plain structs cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn set_annotation(meta: &mut ObjectMeta, key: &str, value: String) {
    meta.annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(key.to_owned(), value);
}

/// Removes and decodes an annotation.
fn take_annotation<T: DeserializeOwned>(
    meta: &mut ObjectMeta,
    key: &'static str,
) -> Result<Option<T>, ConversionError> {
    let Some(raw) = meta.annotations.as_mut().and_then(|a| a.remove(key)) else {
        return Ok(None);
    };
    serde_json::from_str(&raw)
        .map(Some)
        .map_err(|source| ConversionError::BadAnnotation {
            annotation: key,
            source,
        })
}

/// Go's `omitempty` drops empty maps; keep `metadata.annotations` absent rather than `{}`.
fn tidy(meta: &mut ObjectMeta) {
    if meta.annotations.as_ref().is_some_and(BTreeMap::is_empty) {
        meta.annotations = None;
    }
}

fn claim_to_v1(c: &v2::PermissionClaim) -> v1::PermissionClaim {
    v1::PermissionClaim {
        group: c.group.clone(),
        resource: c.resource.clone(),
        all: false,
        resource_selector: Vec::new(),
        identity_hash: c.identity_hash.clone(),
    }
}

fn claim_to_v2(c: &v1::PermissionClaim) -> v2::PermissionClaim {
    v2::PermissionClaim {
        group: c.group.clone(),
        resource: c.resource.clone(),
        verbs: Vec::new(),
        identity_hash: c.identity_hash.clone(),
        default_selector: None,
    }
}

fn scoped_to_v1(c: &ScopedPermissionClaim) -> v1::PermissionClaim {
    v1::PermissionClaim {
        all: c.selector.match_all,
        ..claim_to_v1(&c.claim)
    }
}

fn scoped_to_v2(c: &v1::PermissionClaim) -> ScopedPermissionClaim {
    ScopedPermissionClaim {
        claim: claim_to_v2(c),
        selector: PermissionClaimSelector {
            match_all: c.all,
            ..Default::default()
        },
    }
}

/// A v1alpha2 scoped claim v1alpha1 can express: verbs `["*"]` and `matchAll`.
fn scoped_fits_v1(c: &ScopedPermissionClaim) -> bool {
    c.claim.is_wildcard() && c.selector.match_all
}

/// Restores v1alpha1-only fields (`all`, `resourceSelector`) from saved v1alpha1 claims.
fn restore_v1_fields<'a>(
    saved: &[v1::PermissionClaim],
    out: impl Iterator<Item = &'a mut v1::PermissionClaim>,
) {
    for o in out {
        // The last saved claim with the same group/resource/identity wins, as in kcp.
        if let Some(pc) = saved.iter().rev().find(|pc| pc.equal_gri(o)) {
            o.all = pc.all;
            o.resource_selector = pc.resource_selector.clone();
        }
    }
}

// ---- APIExport ---------------------------------------------------------------------------------

/// APIExport v1alpha2 → v1alpha1.
pub fn export_to_v1alpha1(input: &v2::APIExport) -> Result<v1::APIExport, ConversionError> {
    let mut out = v1::APIExport {
        metadata: input.metadata.clone(),
        ..Default::default()
    };
    let spec = &input.spec;

    let overhanging_rs: Vec<&ResourceSchema> = spec
        .resources
        .iter()
        .filter(|r| r.storage.crd.is_none())
        .collect();
    if !overhanging_rs.is_empty() {
        set_annotation(
            &mut out.metadata,
            RESOURCE_SCHEMAS_ANNOTATION,
            encode(&overhanging_rs),
        );
    }
    let overhanging_pc: Vec<&v2::PermissionClaim> = spec
        .permission_claims
        .iter()
        .filter(|c| !c.is_wildcard() || c.default_selector.is_some())
        .collect();
    if !overhanging_pc.is_empty() {
        set_annotation(
            &mut out.metadata,
            PERMISSION_CLAIMS_ANNOTATION,
            encode(&overhanging_pc),
        );
    }

    out.spec = v1::APIExportSpec {
        latest_resource_schemas: spec
            .resources
            .iter()
            .filter(|r| r.storage.crd.is_some())
            .map(|r| r.schema.clone())
            .collect(),
        identity: spec.identity.clone(),
        maximal_permission_policy: spec.maximal_permission_policy.clone(),
        permission_claims: spec.permission_claims.iter().map(claim_to_v1).collect(),
    };

    if let Some(saved) = take_annotation::<Vec<v1::PermissionClaim>>(
        &mut out.metadata,
        PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION,
    )? {
        restore_v1_fields(&saved, out.spec.permission_claims.iter_mut());
    }
    tidy(&mut out.metadata);
    out.status = input.status.clone();
    Ok(out)
}

/// APIExport v1alpha1 → v1alpha2.
pub fn export_to_v1alpha2(input: &v1::APIExport) -> Result<v2::APIExport, ConversionError> {
    let mut out = v2::APIExport {
        metadata: input.metadata.clone(),
        ..Default::default()
    };
    let spec = &input.spec;
    let mut resources = Vec::with_capacity(spec.latest_resource_schemas.len());
    for schema in &spec.latest_resource_schemas {
        let (resource, group) = split_schema_name(schema)
            .ok_or_else(|| ConversionError::InvalidSchemaName(schema.clone()))?;
        resources.push(ResourceSchema::crd(resource, group, schema));
    }
    out.spec = v2::APIExportSpec {
        resources,
        identity: spec.identity.clone(),
        maximal_permission_policy: spec.maximal_permission_policy.clone(),
        permission_claims: spec.permission_claims.iter().map(claim_to_v2).collect(),
    };
    out.status = input.status.clone();

    if !spec.permission_claims.is_empty() {
        set_annotation(
            &mut out.metadata,
            PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION,
            encode(&spec.permission_claims),
        );
    }
    if let Some(extra) =
        take_annotation::<Vec<ResourceSchema>>(&mut out.metadata, RESOURCE_SCHEMAS_ANNOTATION)?
    {
        out.spec.resources.extend(extra);
    }
    if let Some(saved) = take_annotation::<Vec<v2::PermissionClaim>>(
        &mut out.metadata,
        PERMISSION_CLAIMS_ANNOTATION,
    )? {
        for pc in &saved {
            for o in out
                .spec
                .permission_claims
                .iter_mut()
                .filter(|o| pc.equal_gri(o))
            {
                o.verbs = pc.verbs.clone();
                o.default_selector = pc.default_selector.clone();
            }
        }
    }
    for c in &mut out.spec.permission_claims {
        if c.verbs.is_empty() {
            c.verbs = vec!["*".to_owned()];
        }
    }
    tidy(&mut out.metadata);
    Ok(out)
}

// ---- APIBinding --------------------------------------------------------------------------------

/// APIBinding v1alpha2 → v1alpha1.
pub fn binding_to_v1alpha1(input: &v2::APIBinding) -> Result<v1::APIBinding, ConversionError> {
    let mut out = v1::APIBinding {
        metadata: input.metadata.clone(),
        ..Default::default()
    };
    let (spec, status) = (&input.spec, &input.status);

    let overhanging: Vec<&v2::AcceptablePermissionClaim> = spec
        .permission_claims
        .iter()
        .filter(|c| !scoped_fits_v1(&c.scoped))
        .collect();
    if !overhanging.is_empty() {
        set_annotation(
            &mut out.metadata,
            ACCEPTABLE_PERMISSION_CLAIMS_ANNOTATION,
            encode(&overhanging),
        );
    }
    out.spec = v1::APIBindingSpec {
        reference: spec.reference.clone(),
        permission_claims: spec
            .permission_claims
            .iter()
            .map(|c| v1::AcceptablePermissionClaim {
                claim: scoped_to_v1(&c.scoped),
                state: c.state,
            })
            .collect(),
    };
    if let Some(saved) = take_annotation::<Vec<v1::AcceptablePermissionClaim>>(
        &mut out.metadata,
        PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION,
    )? {
        let saved: Vec<v1::PermissionClaim> = saved.into_iter().map(|c| c.claim).collect();
        restore_v1_fields(
            &saved,
            out.spec.permission_claims.iter_mut().map(|c| &mut c.claim),
        );
    }

    let overhanging_export: Vec<&v2::PermissionClaim> = status
        .export_permission_claims
        .iter()
        .filter(|c| !c.is_wildcard())
        .collect();
    if !overhanging_export.is_empty() {
        set_annotation(
            &mut out.metadata,
            STATUS_PERMISSION_CLAIMS_ANNOTATION,
            encode(&overhanging_export),
        );
    }
    let overhanging_applied: Vec<&ScopedPermissionClaim> = status
        .applied_permission_claims
        .iter()
        .filter(|c| !scoped_fits_v1(c))
        .collect();
    if !overhanging_applied.is_empty() {
        set_annotation(
            &mut out.metadata,
            STATUS_APPLIED_CLAIMS_ANNOTATION,
            encode(&overhanging_applied),
        );
    }
    out.status = v1::APIBindingStatus {
        api_export_cluster_name: status.api_export_cluster_name.clone(),
        bound_resources: status.bound_resources.clone(),
        phase: status.phase,
        conditions: status.conditions.clone(),
        applied_permission_claims: status
            .applied_permission_claims
            .iter()
            .map(scoped_to_v1)
            .collect(),
        export_permission_claims: status
            .export_permission_claims
            .iter()
            .map(claim_to_v1)
            .collect(),
    };
    if let Some(saved) = take_annotation::<Vec<v1::PermissionClaim>>(
        &mut out.metadata,
        STATUS_PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION,
    )? {
        restore_v1_fields(&saved, out.status.export_permission_claims.iter_mut());
    }
    if let Some(saved) = take_annotation::<Vec<v1::PermissionClaim>>(
        &mut out.metadata,
        STATUS_APPLIED_CLAIMS_V1ALPHA1_ANNOTATION,
    )? {
        restore_v1_fields(&saved, out.status.applied_permission_claims.iter_mut());
    }
    tidy(&mut out.metadata);
    Ok(out)
}

/// APIBinding v1alpha1 → v1alpha2.
pub fn binding_to_v1alpha2(input: &v1::APIBinding) -> Result<v2::APIBinding, ConversionError> {
    let mut out = v2::APIBinding {
        metadata: input.metadata.clone(),
        ..Default::default()
    };
    let (spec, status) = (&input.spec, &input.status);

    out.spec = v2::APIBindingSpec {
        reference: spec.reference.clone(),
        permission_claims: spec
            .permission_claims
            .iter()
            .map(|c| v2::AcceptablePermissionClaim {
                scoped: scoped_to_v2(&c.claim),
                state: c.state,
            })
            .collect(),
    };
    let with_selectors: Vec<&v1::AcceptablePermissionClaim> = spec
        .permission_claims
        .iter()
        .filter(|c| !c.claim.resource_selector.is_empty())
        .collect();
    if !with_selectors.is_empty() {
        set_annotation(
            &mut out.metadata,
            PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION,
            encode(&with_selectors),
        );
    }
    if let Some(saved) = take_annotation::<Vec<v2::AcceptablePermissionClaim>>(
        &mut out.metadata,
        ACCEPTABLE_PERMISSION_CLAIMS_ANNOTATION,
    )? {
        for pc in &saved {
            for o in out
                .spec
                .permission_claims
                .iter_mut()
                .filter(|o| pc.scoped.claim.equal_gri(&o.scoped.claim))
            {
                o.scoped.claim.verbs = pc.scoped.claim.verbs.clone();
                o.scoped.selector = pc.scoped.selector.clone();
            }
        }
    }
    for c in &mut out.spec.permission_claims {
        default_scoped(&mut c.scoped);
    }

    out.status = v2::APIBindingStatus {
        api_export_cluster_name: status.api_export_cluster_name.clone(),
        bound_resources: status.bound_resources.clone(),
        phase: status.phase,
        conditions: status.conditions.clone(),
        applied_permission_claims: status
            .applied_permission_claims
            .iter()
            .map(scoped_to_v2)
            .collect(),
        export_permission_claims: status
            .export_permission_claims
            .iter()
            .map(claim_to_v2)
            .collect(),
    };
    if !status.export_permission_claims.is_empty() {
        set_annotation(
            &mut out.metadata,
            STATUS_PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION,
            encode(&status.export_permission_claims),
        );
    }
    let applied_with_selectors: Vec<&v1::PermissionClaim> = status
        .applied_permission_claims
        .iter()
        .filter(|c| !c.resource_selector.is_empty())
        .collect();
    if !applied_with_selectors.is_empty() {
        set_annotation(
            &mut out.metadata,
            STATUS_APPLIED_CLAIMS_V1ALPHA1_ANNOTATION,
            encode(&applied_with_selectors),
        );
    }
    if let Some(saved) = take_annotation::<Vec<v2::PermissionClaim>>(
        &mut out.metadata,
        STATUS_PERMISSION_CLAIMS_ANNOTATION,
    )? {
        for pc in &saved {
            for o in out
                .status
                .export_permission_claims
                .iter_mut()
                .filter(|o| pc.equal_gri(o))
            {
                o.verbs = pc.verbs.clone();
            }
        }
    }
    if let Some(saved) = take_annotation::<Vec<ScopedPermissionClaim>>(
        &mut out.metadata,
        STATUS_APPLIED_CLAIMS_ANNOTATION,
    )? {
        for pc in &saved {
            for o in out
                .status
                .applied_permission_claims
                .iter_mut()
                .filter(|o| pc.claim.equal_gri(&o.claim))
            {
                o.claim.verbs = pc.claim.verbs.clone();
                o.selector = pc.selector.clone();
            }
        }
    }
    for c in &mut out.status.export_permission_claims {
        if c.verbs.is_empty() {
            c.verbs = vec!["*".to_owned()];
        }
    }
    for c in &mut out.status.applied_permission_claims {
        default_scoped(c);
    }
    tidy(&mut out.metadata);
    Ok(out)
}

/// Verbs default to `*`; a claim without any selector meant "all objects" in v1alpha1.
fn default_scoped(c: &mut ScopedPermissionClaim) {
    if c.claim.verbs.is_empty() {
        c.claim.verbs = vec!["*".to_owned()];
    }
    if c.selector_is_empty() {
        c.selector.match_all = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(v: serde_json::Value) -> T {
        let typed: T = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), v);
        typed
    }

    /// kcp's round-trip tests drop the v1alpha1 bookkeeping annotation before comparing.
    fn without_v1_bookkeeping(mut meta: ObjectMeta) -> ObjectMeta {
        if let Some(a) = meta.annotations.as_mut() {
            a.remove(PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION);
        }
        tidy(&mut meta);
        meta
    }

    fn export_v2(v: serde_json::Value) -> v2::APIExport {
        round_trip(v)
    }

    #[test]
    fn export_v1alpha1_as_the_syncagent_writes_it() {
        let v1obj: v1::APIExport = round_trip(json!({
            "apiVersion": "apis.kcp.io/v1alpha1",
            "kind": "APIExport",
            "metadata": {"name": "kcp.example.com", "annotations": {"syncagent.kcp.io/agent-name": "a"}},
            "spec": {
                "latestResourceSchemas": ["v1.crontabs.kcp.example.com", "v1.configmaps.core"],
                "identity": {"secretRef": {"name": "kcp.example.com", "namespace": "kcp-system"}},
                "permissionClaims": [
                    {"resource": "events", "all": true},
                    {"group": "core.kcp.io", "resource": "logicalclusters", "all": true},
                    {"resource": "secrets", "resourceSelector": [{"namespace": "default", "name": "s"}]}
                ]
            },
            "status": {"identityHash": "99ab9660c4e55f77fd420904b46180434242e63be70f6bb54084c9a4abccc941"}
        }));
        let stored = export_to_v1alpha2(&v1obj).unwrap();
        assert_eq!(
            stored.spec.resources[0],
            ResourceSchema::crd("crontabs", "kcp.example.com", "v1.crontabs.kcp.example.com")
        );
        assert_eq!(stored.spec.resources[1].group, "");
        assert!(
            stored
                .spec
                .permission_claims
                .iter()
                .all(|c| c.verbs == ["*"])
        );
        assert!(
            stored
                .annotation(PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION)
                .is_some()
        );
        assert_eq!(
            serde_json::to_value(&stored.spec.resources[0]).unwrap(),
            json!({"name": "crontabs", "group": "kcp.example.com", "schema": "v1.crontabs.kcp.example.com", "storage": {"crd": {}}})
        );
        let back = export_to_v1alpha1(&stored).unwrap();
        assert_eq!(back, v1obj);
    }

    #[test]
    fn export_v1alpha2_round_trips_through_v1alpha1() {
        let cases = [
            json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIExport", "metadata": {"name": "e"},
                   "spec": {}, "status": {}}),
            json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIExport", "metadata": {"name": "e"},
                   "spec": {
                       "resources": [
                           {"name": "cowboys", "group": "wildwest.dev", "schema": "v1.cowboys.wildwest.dev", "storage": {"crd": {}}},
                           {"name": "things", "group": "example.com", "schema": "v1.things.example.com",
                            "storage": {"virtual": {"reference": {"apiGroup": "cache.kcp.io", "kind": "CachedResourceEndpointSlice", "name": "x"},
                                                    "identityHash": "abc"}}}
                       ],
                       "maximalPermissionPolicy": {"local": {}},
                       "permissionClaims": [
                           {"resource": "configmaps", "verbs": ["get", "list"]},
                           {"resource": "secrets", "verbs": ["*"]},
                           {"group": "wildwest.dev", "resource": "horses", "verbs": ["*"], "identityHash": "h",
                            "defaultSelector": {"matchLabels": {"a": "b"}}}
                       ]
                   },
                   "status": {"identityHash": "h"}}),
        ];
        for case in cases {
            let original = export_v2(case);
            let v1obj = export_to_v1alpha1(&original).unwrap();
            // v1alpha1 shows only CRD-stored schemas; the rest rides in annotations.
            assert!(
                v1obj
                    .spec
                    .latest_resource_schemas
                    .iter()
                    .all(|s| !s.contains("things"))
            );
            let mut back = export_to_v1alpha2(&v1obj).unwrap();
            back.metadata = without_v1_bookkeeping(back.metadata);
            assert_eq!(back, original);
        }
    }

    #[test]
    fn export_bad_schema_name_and_annotation() {
        let mut e = v1::APIExport::named("e");
        e.spec.latest_resource_schemas = vec!["v1.nodots".into()];
        assert_eq!(
            export_to_v1alpha2(&e).unwrap_err().to_string(),
            r#"invalid schema "v1.nodots": must have at least 3 dot-separated segments"#
        );
        let mut e = v1::APIExport::named("e");
        set_annotation(&mut e.metadata, RESOURCE_SCHEMAS_ANNOTATION, "{".into());
        assert!(matches!(
            export_to_v1alpha2(&e),
            Err(ConversionError::BadAnnotation { .. })
        ));
    }

    fn binding_v2(v: serde_json::Value) -> v2::APIBinding {
        round_trip(v)
    }

    #[test]
    fn binding_v1alpha2_round_trips_through_v1alpha1() {
        let cases = [
            json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIBinding", "metadata": {"name": "b"},
                   "spec": {"reference": {}}, "status": {}}),
            json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIBinding", "metadata": {"name": "b"},
                   "spec": {"reference": {"export": {"path": "foo", "name": "bar"}},
                            "permissionClaims": [{"resource": "configmaps", "verbs": ["get"],
                                                  "selector": {"matchAll": true}, "state": "Accepted"}]},
                   "status": {}}),
            json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIBinding", "metadata": {"name": "b"},
                   "spec": {"reference": {"export": {"path": "foo", "name": "bar"}},
                            "permissionClaims": [{"resource": "configmaps", "verbs": ["get"],
                                                  "selector": {"matchLabels": {"test": "label"}}, "state": "Accepted"}]},
                   "status": {}}),
            json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIBinding", "metadata": {"name": "b"},
                   "spec": {"reference": {"export": {"path": "foo", "name": "bar"}},
                            "permissionClaims": [{"resource": "configmaps", "verbs": ["get"],
                                                  "selector": {"matchExpressions": [{"key": "test", "operator": "In", "values": ["expression"]}]},
                                                  "state": "Accepted"}]},
                   "status": {}}),
            json!({"apiVersion": "apis.kcp.io/v1alpha2", "kind": "APIBinding",
            "metadata": {"name": "tenancy.kcp.io-4xer2", "labels": {"internal.apis.kcp.io/export": "bmCdly9xXiUpEHe3ypvDwvXMTfoVZUE92mqAQf"}},
            "spec": {"reference": {"export": {"path": "root", "name": "tenancy.kcp.io"}},
                     "permissionClaims": [{"resource": "secrets", "verbs": ["*"], "selector": {"matchAll": true}, "state": "Accepted"}]},
            "status": {
                "apiExportClusterName": "root",
                "boundResources": [{"group": "tenancy.kcp.io", "resource": "workspaces",
                                    "schema": {"name": "v250101-abc.workspaces.tenancy.kcp.io", "UID": "u1", "identityHash": "h"},
                                    "storageVersions": ["v1alpha1"]}],
                "phase": "Bound",
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-02T03:04:05Z"}],
                "appliedPermissionClaims": [
                    {"resource": "secrets", "verbs": ["*"], "selector": {"matchAll": true}},
                    {"resource": "configmaps", "verbs": ["get"], "selector": {"matchLabels": {"a": "b"}}}
                ],
                "exportPermissionClaims": [
                    {"resource": "secrets", "verbs": ["*"]},
                    {"resource": "configmaps", "verbs": ["get", "list"]}
                ]
            }}),
        ];
        for case in cases {
            let original = binding_v2(case);
            let v1obj = binding_to_v1alpha1(&original).unwrap();
            let mut back = binding_to_v1alpha2(&v1obj).unwrap();
            back.metadata = without_v1_bookkeeping(back.metadata);
            if let Some(a) = back.metadata.annotations.as_mut() {
                a.remove(STATUS_PERMISSION_CLAIMS_V1ALPHA1_ANNOTATION);
            }
            tidy(&mut back.metadata);
            assert_eq!(back, original);
        }
    }

    #[test]
    fn binding_v1alpha1_round_trips_through_v1alpha2() {
        let original: v1::APIBinding = round_trip(json!({
            "apiVersion": "apis.kcp.io/v1alpha1",
            "kind": "APIBinding",
            "metadata": {"name": "b"},
            "spec": {
                "reference": {"export": {"path": "root:org", "name": "kubernetes"}},
                "permissionClaims": [
                    {"resource": "secrets", "all": true, "state": "Accepted"},
                    {"resource": "configmaps", "resourceSelector": [{"name": "cm", "namespace": "ns"}], "state": "Rejected"}
                ]
            },
            "status": {
                "phase": "Binding",
                "appliedPermissionClaims": [
                    {"resource": "secrets", "all": true},
                    {"resource": "configmaps", "resourceSelector": [{"namespace": "ns"}]}
                ],
                "exportPermissionClaims": [{"resource": "secrets", "all": true}]
            }
        }));
        let stored = binding_to_v1alpha2(&original).unwrap();
        let claims = &stored.spec.permission_claims;
        assert!(
            claims
                .iter()
                .all(|c| c.scoped.claim.verbs == ["*"] && c.scoped.selector.match_all)
        );
        assert!(
            stored
                .status
                .applied_permission_claims
                .iter()
                .all(|c| c.selector.match_all)
        );
        assert_eq!(binding_to_v1alpha1(&stored).unwrap(), original);
    }
}
