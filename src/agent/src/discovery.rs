//! The service cluster's definition of a published kind (`reference/api-syncagent.md` §4.1): the
//! CustomResourceDefinition behind a group and kind, as the Go agent reads it (metadata reduced to
//! name, generation and the `api-approved.kubernetes.io` annotation; no status conditions;
//! conversion `None`; versions without a schema of a non-structural CRD get one that keeps
//! everything).

use anyhow::{Context, Result, bail};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceConversion, CustomResourceDefinition, CustomResourceValidation, JSONSchemaProps,
};
use kube::api::Api;
use kube::discovery::Discovery;

/// The plural of the resource of `group`/`kind` on the service cluster.
pub async fn plural_of(client: &kube::Client, group: &str, kind: &str) -> Result<String> {
    let discovery = Discovery::new(client.clone())
        .filter(&[group])
        .run()
        .await
        .context("discovering the service cluster's APIs")?;
    // Every version of the group: its preferred version may hold only other kinds (another
    // CRD of the group with a higher version).
    for g in discovery.groups() {
        if g.name() != group {
            continue;
        }
        for version in g.versions() {
            for (ar, _) in g.versioned_resources(version) {
                if ar.kind == kind && !ar.plural.contains('/') {
                    return Ok(ar.plural);
                }
            }
        }
    }
    let shown = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    bail!("could not find {shown} in APIs")
}

/// The CRD of `group`/`kind`, prepared as the Go agent prepares it.
pub async fn crd(
    client: &kube::Client,
    group: &str,
    kind: &str,
) -> Result<CustomResourceDefinition> {
    let plural = plural_of(client, group, kind).await?;
    let name = if group.is_empty() {
        format!("{plural}.core")
    } else {
        format!("{plural}.{group}")
    };
    let Some(crd) = Api::<CustomResourceDefinition>::all(client.clone())
        .get_opt(&name)
        .await
        .with_context(|| format!("getting the CRD {name}"))?
    else {
        bail!(
            "{name} is not a CustomResourceDefinition: publishing built-in types is not supported yet"
        )
    };
    Ok(prepare(crd))
}

/// The CRD reduced as the Go agent reduces it.
pub fn prepare(mut crd: CustomResourceDefinition) -> CustomResourceDefinition {
    let non_structural = crd
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| {
            c.iter()
                .any(|c| c.type_ == "NonStructuralSchema" && c.status == "True")
        });
    if non_structural {
        for v in &mut crd.spec.versions {
            if v.schema.is_none() {
                v.schema = Some(CustomResourceValidation {
                    open_api_v3_schema: Some(JSONSchemaProps {
                        type_: Some("object".into()),
                        x_kubernetes_preserve_unknown_fields: Some(true),
                        ..Default::default()
                    }),
                });
            }
        }
    }
    let annotations = crd.metadata.annotations.take().map(|a| {
        a.into_iter()
            .filter(|(k, _)| k == "api-approved.kubernetes.io")
            .collect::<std::collections::BTreeMap<_, _>>()
    });
    crd.metadata = kube::api::ObjectMeta {
        name: crd.metadata.name.take(),
        generation: crd.metadata.generation,
        annotations: annotations.filter(|a| !a.is_empty()),
        ..Default::default()
    };
    if let Some(status) = crd.status.as_mut() {
        status.conditions = None;
    }
    crd.spec.conversion = Some(CustomResourceConversion {
        strategy: "None".into(),
        webhook: None,
    });
    crd
}
