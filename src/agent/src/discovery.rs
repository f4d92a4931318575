//! The service cluster's definition of a published kind (`reference/api-syncagent.md` §4.1): the
//! CustomResourceDefinition behind a group and kind, as the Go agent reads it (metadata reduced to
//! name, generation and the `api-approved.kubernetes.io` annotation; no status conditions;
//! conversion `None`; versions without a schema of a non-structural CRD get one that keeps
//! everything), or for a built-in type one made from discovery and OpenAPI v2 (`openapi`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, Result, bail};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceConversion, CustomResourceDefinition, CustomResourceDefinitionNames,
    CustomResourceDefinitionSpec, CustomResourceDefinitionStatus, CustomResourceDefinitionVersion,
    CustomResourceSubresourceScale, CustomResourceSubresourceStatus, CustomResourceSubresources,
    CustomResourceValidation, JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIResource, APIResourceList};
use kube::api::Api;

use crate::openapi::{Gvk, Models};

/// What discovery says of a group and kind (the Go agent's `ServerGroupsAndResources` pass).
struct Discovered {
    /// The main resource (of the last version listing it).
    resource: APIResource,
    /// The versions listing the resource or one of its subresources, with those subresources.
    versions: BTreeMap<String, BTreeSet<String>>,
    /// The version `ServerPreferredResources` gives: the group's preferred version when it
    /// lists the resource, else the first version that does.
    preferred: Option<String>,
}

impl Discovered {
    /// What the CRD made from OpenAPI depends on besides the document.
    fn fingerprint(&self) -> String {
        serde_json::json!([self.resource, self.versions, self.preferred]).to_string()
    }
}

/// The group's versions in the server's order, and its preferred version.
async fn group_versions(client: &kube::Client, group: &str) -> Result<(Vec<String>, String)> {
    if group.is_empty() {
        let versions = client.list_core_api_versions().await?.versions;
        let preferred = versions.first().cloned().unwrap_or_default();
        return Ok((versions, preferred));
    }
    let groups = client.list_api_groups().await?;
    let Some(g) = groups.groups.into_iter().find(|g| g.name == group) else {
        return Ok((Vec::new(), String::new()));
    };
    let preferred = g.preferred_version.map(|p| p.version).unwrap_or_else(|| {
        g.versions
            .first()
            .map(|v| v.version.clone())
            .unwrap_or_default()
    });
    Ok((
        g.versions.into_iter().map(|v| v.version).collect(),
        preferred,
    ))
}

async fn discover(client: &kube::Client, group: &str, kind: &str) -> Result<Discovered> {
    let (versions, preferred_version) = group_versions(client, group)
        .await
        .context("discovering the service cluster's APIs")?;
    let mut resource = None;
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut preferred = None;
    for version in &versions {
        let list: APIResourceList = if group.is_empty() {
            client.list_core_api_resources(version).await
        } else {
            client
                .list_api_group_resources(&format!("{group}/{version}"))
                .await
        }
        .with_context(|| format!("discovering the resources of {group}/{version}"))?;
        for r in list.resources {
            if r.kind != kind {
                continue;
            }
            let subresources = found.entry(version.clone()).or_default();
            match r.name.split_once('/') {
                Some((_, sub)) => {
                    subresources.insert(sub.to_owned());
                }
                None => {
                    if preferred.is_none() || *version == preferred_version {
                        preferred = Some(version.clone());
                    }
                    resource = Some(r);
                }
            }
        }
    }
    let Some(resource) = resource else {
        let shown = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        bail!("could not find {shown} in APIs")
    };
    Ok(Discovered {
        resource,
        versions: found,
        preferred,
    })
}

/// The CRD of `group`/`kind`, prepared as the Go agent prepares it; for a kind without one (a
/// built-in type), one made from the service cluster's OpenAPI v2 document.
pub async fn crd(
    client: &kube::Client,
    group: &str,
    kind: &str,
) -> Result<CustomResourceDefinition> {
    let discovered = discover(client, group, kind).await?;
    let name = crd_name(&discovered.resource.name, group);
    match Api::<CustomResourceDefinition>::all(client.clone())
        .get_opt(&name)
        .await
        .with_context(|| format!("getting the CRD {name}"))?
    {
        Some(crd) => Ok(prepare(crd)),
        None => built_in(client, group, kind, &discovered).await,
    }
}

/// The CRDs made from OpenAPI, by the document's ETag and what discovery said: the document is
/// megabytes, and the controllers ask again on every reconcile. kube-openapi's ETag is the
/// document's hash, so one ETag is one document whichever server sent it.
type BuiltIns = HashMap<(String, String, String), (String, CustomResourceDefinition)>;

fn built_ins() -> &'static Mutex<BuiltIns> {
    static CACHE: OnceLock<Mutex<BuiltIns>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The CRD of a built-in kind, made again only when the OpenAPI document (asked for with the
/// last one's ETag) or discovery changed.
async fn built_in(
    client: &kube::Client,
    group: &str,
    kind: &str,
    discovered: &Discovered,
) -> Result<CustomResourceDefinition> {
    let key = (group.to_owned(), kind.to_owned(), discovered.fingerprint());
    let known = built_ins()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .cloned();
    let mut request =
        http::Request::get("/openapi/v2").header(http::header::ACCEPT, "application/json");
    if let Some((etag, _)) = &known {
        request = request.header(http::header::IF_NONE_MATCH, etag.as_str());
    }
    let response = client
        .send(request.body(kube::client::Body::empty())?)
        .await
        .context("getting the service cluster's OpenAPI v2 document")?;
    if response.status() == http::StatusCode::NOT_MODIFIED
        && let Some((_, crd)) = known
    {
        return Ok(crd);
    }
    let status = response.status();
    let etag = response
        .headers()
        .get(http::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .context("reading the service cluster's OpenAPI v2 document")?
        .to_bytes();
    if !status.is_success() {
        bail!(
            "getting the service cluster's OpenAPI v2 document: {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&body).context("decoding the OpenAPI v2 document")?;
    let crd = from_openapi(&doc, group, kind, discovered)?;
    if let Some(etag) = etag {
        built_ins()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, (etag, crd.clone()));
    }
    Ok(crd)
}

/// `<plural>.<group>`, `<plural>.core` for the core group.
fn crd_name(plural: &str, group: &str) -> String {
    if group.is_empty() {
        format!("{plural}.core")
    } else {
        format!("{plural}.{group}")
    }
}

/// The CRD the Go agent makes of a built-in type: names and scope from discovery, one version
/// per discovered version in Kubernetes' version order with the schema converted from OpenAPI,
/// the status and scale subresources discovery lists, storage in the preferred version, CRD
/// defaulting, and for the groups Kubernetes reserves the `api-approved.kubernetes.io`
/// annotation.
fn from_openapi(
    doc: &serde_json::Value,
    group: &str,
    kind: &str,
    discovered: &Discovered,
) -> Result<CustomResourceDefinition> {
    let Some(preferred) = &discovered.preferred else {
        bail!("cannot determine storage version because no preferred version exists in the schema")
    };
    let models = Models::parse(doc).map_err(anyhow::Error::msg)?;
    let by_gvk = models.by_gvk();
    let mut versions: Vec<&String> = discovered.versions.keys().collect();
    // Ascending: the version Kubernetes ranks highest comes last.
    versions.sort_by(|a, b| crate::projection::compare_kube_aware_versions(a, b));
    let mut crd_versions = Vec::with_capacity(versions.len());
    for version in versions {
        let gvk = Gvk {
            group: group.to_owned(),
            version: version.clone(),
            kind: kind.to_owned(),
        };
        let Some(model) = by_gvk.get(&gvk) else {
            bail!("no models for {group}/{version}, Kind={kind}")
        };
        let schema = models
            .convert(model)
            .map_err(|errs| anyhow::anyhow!(aggregate(&errs)))?;
        let subresources = &discovered.versions[version];
        crd_versions.push(CustomResourceDefinitionVersion {
            name: version.clone(),
            schema: Some(CustomResourceValidation {
                open_api_v3_schema: Some(schema),
            }),
            subresources: Some(CustomResourceSubresources {
                status: subresources
                    .contains("status")
                    .then(|| CustomResourceSubresourceStatus(Default::default())),
                scale: subresources
                    .contains("scale")
                    .then(|| CustomResourceSubresourceScale {
                        spec_replicas_path: ".spec.replicas".into(),
                        status_replicas_path: ".status.replicas".into(),
                        label_selector_path: None,
                    }),
            }),
            served: true,
            storage: version == preferred,
            ..Default::default()
        });
    }
    let r = &discovered.resource;
    let name = crd_name(&r.name, group);
    let singular = Some(r.singular_name.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| kind.to_lowercase());
    let protected = group == "k8s.io"
        || group.ends_with(".k8s.io")
        || group == "kubernetes.io"
        || group.ends_with(".kubernetes.io");
    Ok(CustomResourceDefinition {
        metadata: kube::api::ObjectMeta {
            name: Some(name),
            annotations: protected.then(|| {
                BTreeMap::from([(
                    "api-approved.kubernetes.io".to_owned(),
                    "https://github.com/kcp-dev/kubernetes/pull/4".to_owned(),
                )])
            }),
            ..Default::default()
        },
        spec: CustomResourceDefinitionSpec {
            group: group.to_owned(),
            names: CustomResourceDefinitionNames {
                plural: r.name.clone(),
                singular: Some(singular),
                kind: r.kind.clone(),
                list_kind: Some(format!("{}List", r.kind)),
                categories: r.categories.clone().filter(|c| !c.is_empty()),
                short_names: r.short_names.clone().filter(|s| !s.is_empty()),
            },
            scope: if r.namespaced {
                "Namespaced"
            } else {
                "Cluster"
            }
            .into(),
            versions: crd_versions,
            conversion: Some(CustomResourceConversion {
                strategy: "None".into(),
                webhook: None,
            }),
            preserve_unknown_fields: None,
        },
        status: Some(CustomResourceDefinitionStatus {
            stored_versions: Some(vec![preferred.clone()]),
            ..Default::default()
        }),
    })
}

/// Go's `utilerrors.NewAggregate(errs).Error()`.
fn aggregate(errs: &[String]) -> String {
    match errs {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
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
