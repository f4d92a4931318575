//! A PublishedResource's API as both sides serve it: the service cluster's CRD, projected for
//! kcp ([`crate::projection`]), and the resources and scopes the sync reads and writes.

use anyhow::{Context, Result};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kcp_api::syncagent::v1alpha1::PublishedResource;
use kube::api::ApiResource;

use crate::projection::{self, ProjectionRules, VersionSelection};

/// The version selection of `spec.resource`.
pub fn selection(pr: &PublishedResource) -> VersionSelection {
    VersionSelection {
        version: pr.spec.resource.version.clone(),
        versions: pr.spec.resource.versions.clone(),
    }
}

/// The projection rules of `spec.projection` (same JSON).
pub fn rules(pr: &PublishedResource) -> Result<Option<ProjectionRules>> {
    pr.spec
        .projection
        .as_ref()
        .map(|p| serde_json::to_value(p).and_then(serde_json::from_value))
        .transpose()
        .context("reading spec.projection")
}

/// The CRD of the published resource as kcp will serve it.
pub fn projected(
    crd: &CustomResourceDefinition,
    pr: &PublishedResource,
) -> Result<CustomResourceDefinition> {
    let rules = rules(pr)?;
    Ok(projection::project_crd(
        crd,
        &selection(pr),
        rules.as_ref(),
    )?)
}

/// The resource of a CRD at its storage version, and whether it is namespaced.
pub fn storage_resource(crd: &CustomResourceDefinition) -> Result<(ApiResource, bool)> {
    let version = projection::storage_version(crd).context("the CRD has no storage version")?;
    let gvk = kube::core::GroupVersionKind::gvk(&crd.spec.group, version, &crd.spec.names.kind);
    Ok((
        ApiResource::from_gvk_with_plural(&gvk, &crd.spec.names.plural),
        crd.spec.scope == "Namespaced",
    ))
}

/// The top-level fields of the storage version's subresources (`status`, `scale`).
pub fn subresources(crd: &CustomResourceDefinition) -> Vec<String> {
    let Some(v) = crd.spec.versions.iter().find(|v| v.storage) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(s) = &v.subresources {
        if s.status.is_some() {
            out.push("status".to_string());
        }
        if s.scale.is_some() {
            out.push("scale".to_string());
        }
    }
    out
}

/// Whether the storage version's schema has `status.conditions` (where the agent reports a
/// name conflict).
pub fn has_status_conditions(crd: &CustomResourceDefinition) -> bool {
    let Some(v) = crd.spec.versions.iter().find(|v| v.storage) else {
        return false;
    };
    let schema = v
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref());
    let status = schema
        .and_then(|s| s.properties.as_ref())
        .and_then(|p| p.get("status"));
    status
        .and_then(|s| s.properties.as_ref())
        .is_some_and(|p| p.contains_key("conditions"))
        || status.is_some_and(|s| s.x_kubernetes_preserve_unknown_fields == Some(true))
}
