//! A published resource's CRD as kcp serves it (`reference/api-syncagent.md` §2.3, §2.7, §4.2):
//! the source CRD reduced to the selected versions, given a storage version, its versions renamed
//! and sorted, and its group, names and scope replaced by the projection rules.
//!
//! The inputs are small structs of their own ([`VersionSelection`], [`ProjectionRules`]) with the
//! Go agent's JSON names, so that the `PublishedResource` type converts into them trivially.
//! Errors carry the Go agent's messages.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceConversion, CustomResourceDefinition, CustomResourceDefinitionSpec,
};
use kube::core::GroupVersionKind;
use serde::{Deserialize, Serialize};

use crate::template::go_quote;

/// Which versions of the source CRD are published (`spec.resource.version` / `.versions`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionSelection {
    /// Deprecated: publish only this version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Publish these versions; empty (and no `version`) publishes all versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// How the CRD is changed for kcp (`spec.projection`); an empty string leaves a field alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionRules {
    /// Replaces the API group.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Deprecated: renames the single remaining version; wins over `versions`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Renames versions (old name → new name); unmapped versions keep their name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, String>,
    /// `Cluster` or `Namespaced`: the scope in kcp.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// Sets kind, listKind (`<kind>List`), singular (lowercase kind) and plural (`<singular>s`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Sets the plural (after `kind`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub plural: String,
    /// Present (even empty) replaces the short names; absent (`null`) keeps them.
    #[serde(default)]
    pub short_names: Option<Vec<String>>,
    /// Present (even empty) replaces the categories; absent (`null`) keeps them.
    #[serde(default)]
    pub categories: Option<Vec<String>>,
}

/// A group and kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKind {
    /// API group (`""` for core).
    pub group: String,
    /// Kind.
    pub kind: String,
}

/// Why a CRD cannot be projected (the Go agent's messages).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    /// Both `version` and `versions` select source versions.
    #[error("cannot configure both .version and .versions in as the source of a PublishedResource")]
    VersionAndVersions,
    /// The deprecated `version` names no version of the CRD.
    #[error("CRD does not contain version {0}")]
    MissingVersion(String),
    /// `versions` names no version of the CRD.
    #[error("CRD does not contain any of versions [{}]", .0.join(" "))]
    MissingVersions(Vec<String>),
    /// The CRD has no versions at all.
    #[error("CRD contains no versions")]
    NoVersions,
    /// None of the selected versions is served.
    #[error("no CRD version selected that is marked as served")]
    NoServedVersion,
    /// The deprecated single-version projection with more than one version left.
    #[error(
        "cannot project CRD version to a single version {} because it contains {count} versions",
        go_quote(.version)
    )]
    SingleVersionProjection {
        /// The projected version name.
        version: String,
        /// How many versions remained.
        count: usize,
    },
    /// Two versions have the same name after renaming.
    #[error("CRD contains multiple entries for {0} after applying mutation rules")]
    DuplicateVersion(String),
    /// The source CRD has no storage version.
    #[error("CRD does not contain a storage version")]
    NoStorageVersion,
    /// The projected CRD has no storage version.
    #[error("projected CRD does not contain a storage version")]
    NoProjectedStorageVersion,
    /// Projection failed while computing the projected GVK.
    #[error("failed to project CRD: {0}")]
    Project(Box<ProjectionError>),
}

/// The source group and kind (`spec.resource.apiGroup`, `spec.resource.kind`).
pub fn source_gk(api_group: &str, kind: &str) -> GroupKind {
    GroupKind {
        group: api_group.to_owned(),
        kind: kind.to_owned(),
    }
}

/// The GVK the agent reads and writes in the service cluster: the source group and kind at the
/// storage version of the *unprojected* local CRD.
pub fn source_gvk(
    crd: &CustomResourceDefinition,
    api_group: &str,
    kind: &str,
) -> Result<GroupVersionKind, ProjectionError> {
    let version = storage_version(crd).ok_or(ProjectionError::NoStorageVersion)?;
    Ok(GroupVersionKind::gvk(api_group, version, kind))
}

/// The GVK the agent reads and writes in kcp: group, storage version and kind of the projected
/// CRD.
pub fn projected_gvk(
    crd: &CustomResourceDefinition,
    selection: &VersionSelection,
    projection: Option<&ProjectionRules>,
) -> Result<GroupVersionKind, ProjectionError> {
    let projected = project_crd(crd, selection, projection)
        .map_err(|e| ProjectionError::Project(Box::new(e)))?;
    let version = storage_version(&projected).ok_or(ProjectionError::NoProjectedStorageVersion)?;
    Ok(GroupVersionKind::gvk(
        &projected.spec.group,
        version,
        &projected.spec.names.kind,
    ))
}

/// The name of the first version marked as storage.
pub fn storage_version(crd: &CustomResourceDefinition) -> Option<&str> {
    crd.spec
        .versions
        .iter()
        .find(|v| v.storage)
        .map(|v| v.name.as_str())
}

/// The API server's defaulting of a CRD spec (apiextensions/v1 `SetDefaults_CustomResourceDefinitionSpec`):
/// singular is the lowercase kind, listKind `<kind>List`, conversion `{strategy: None}`.
pub fn set_crd_spec_defaults(spec: &mut CustomResourceDefinitionSpec) {
    let names = &mut spec.names;
    if names.singular.as_deref().unwrap_or_default().is_empty() {
        names.singular = Some(names.kind.to_lowercase());
    }
    if names.list_kind.as_deref().unwrap_or_default().is_empty() && !names.kind.is_empty() {
        names.list_kind = Some(format!("{}List", names.kind));
    }
    if spec.conversion.is_none() {
        spec.conversion = Some(CustomResourceConversion {
            strategy: "None".to_owned(),
            webhook: None,
        });
    }
}

/// Projects a copy of `crd` in the Go agent's order: keep the selected versions, make sure one
/// is storage, rename and sort the versions, then replace group, names and scope and recompute
/// the CRD name. Without `projection` only the first two steps apply.
pub fn project_crd(
    crd: &CustomResourceDefinition,
    selection: &VersionSelection,
    projection: Option<&ProjectionRules>,
) -> Result<CustomResourceDefinition, ProjectionError> {
    let mut out = crd.clone();
    strip_unwanted_versions(&mut out, selection)?;
    adjust_storage_version(&mut out)?;
    if let Some(rules) = projection {
        project_versions(&mut out, rules)?;
        project_names(&mut out, rules);
    }
    Ok(out)
}

/// Removes the versions the selection does not name (keeping CRD order); no selection keeps
/// every version, served or not.
pub fn strip_unwanted_versions(
    crd: &mut CustomResourceDefinition,
    selection: &VersionSelection,
) -> Result<(), ProjectionError> {
    if !selection.version.is_empty() && !selection.versions.is_empty() {
        return Err(ProjectionError::VersionAndVersions);
    }
    let versions = &mut crd.spec.versions;
    if !selection.version.is_empty() {
        versions.retain(|v| v.name == selection.version);
    } else if !selection.versions.is_empty() {
        versions.retain(|v| selection.versions.contains(&v.name));
    }
    if versions.is_empty() {
        return Err(if !selection.version.is_empty() {
            ProjectionError::MissingVersion(selection.version.clone())
        } else if !selection.versions.is_empty() {
            ProjectionError::MissingVersions(selection.versions.clone())
        } else {
            ProjectionError::NoVersions
        });
    }
    Ok(())
}

/// Requires a served version; when no version is storage, the last served one (CRD order)
/// becomes storage.
pub fn adjust_storage_version(crd: &mut CustomResourceDefinition) -> Result<(), ProjectionError> {
    let versions = &mut crd.spec.versions;
    let last_served = versions
        .iter()
        .rposition(|v| v.served)
        .ok_or(ProjectionError::NoServedVersion)?;
    if !versions.iter().any(|v| v.storage) {
        versions[last_served].storage = true;
    }
    Ok(())
}

/// Renames versions: the deprecated single `version` (exactly one version must remain), else the
/// `versions` map, after which names must be unique and versions are sorted in Kubernetes
/// version order (lowest priority first).
pub fn project_versions(
    crd: &mut CustomResourceDefinition,
    rules: &ProjectionRules,
) -> Result<(), ProjectionError> {
    let versions = &mut crd.spec.versions;
    if !rules.version.is_empty() {
        if versions.len() != 1 {
            return Err(ProjectionError::SingleVersionProjection {
                version: rules.version.clone(),
                count: versions.len(),
            });
        }
        versions[0].name = rules.version.clone();
    } else if !rules.versions.is_empty() {
        for v in versions.iter_mut() {
            if let Some(new) = rules.versions.get(&v.name).filter(|n| !n.is_empty()) {
                v.name = new.clone();
            }
        }
        let mut seen = BTreeSet::new();
        for v in versions.iter() {
            if !seen.insert(v.name.as_str()) {
                return Err(ProjectionError::DuplicateVersion(v.name.clone()));
            }
        }
        versions.sort_by(|a, b| compare_kube_aware_versions(&a.name, &b.name));
    }
    Ok(())
}

/// Replaces group, kind-derived names, plural, scope, categories and short names, then sets the
/// CRD name to `<plural>.<group>`.
pub fn project_names(crd: &mut CustomResourceDefinition, rules: &ProjectionRules) {
    let spec = &mut crd.spec;
    if !rules.group.is_empty() {
        spec.group = rules.group.clone();
    }
    if !rules.kind.is_empty() {
        let singular = rules.kind.to_lowercase();
        spec.names.kind = rules.kind.clone();
        spec.names.list_kind = Some(format!("{}List", rules.kind));
        spec.names.plural = format!("{singular}s");
        spec.names.singular = Some(singular);
    }
    if !rules.plural.is_empty() {
        spec.names.plural = rules.plural.clone();
    }
    if !rules.scope.is_empty() {
        spec.scope = rules.scope.clone();
    }
    if let Some(categories) = &rules.categories {
        spec.names.categories = Some(categories.clone());
    }
    if let Some(short_names) = &rules.short_names {
        spec.names.short_names = Some(short_names.clone());
    }
    crd.metadata.name = Some(format!("{}.{}", spec.names.plural, spec.group));
}

/// Kubernetes version priority (apimachinery's `CompareKubeAwareVersionStrings`): `Greater` when
/// `a` has the higher priority. Kube-like versions (`v<N>`, `v<N>beta<M>`, `v<N>alpha<M>`) rank
/// above all others, GA above beta above alpha, then by major and minor number; other strings
/// compare in reverse lexical order.
pub fn compare_kube_aware_versions(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    match (parse_kube_version(a), parse_kube_version(b)) {
        (None, None) => b.cmp(a),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some((a_major, a_type, a_minor)), Some((b_major, b_type, b_minor))) => a_type
            .cmp(&b_type)
            .then(a_major.cmp(&b_major))
            .then(a_minor.cmp(&b_minor)),
    }
}

/// Release stage, in priority order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Alpha,
    Beta,
    Ga,
}

/// `^v(\d+)(?:(alpha|beta)(\d+))?$` with numbers that fit an `i64` (Go's `strconv.Atoi`).
fn parse_kube_version(v: &str) -> Option<(i64, Stage, i64)> {
    let rest = v.strip_prefix('v')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let major = parse_number(&rest[..digits])?;
    let rest = &rest[digits..];
    if rest.is_empty() {
        return Some((major, Stage::Ga, 0));
    }
    let (stage, minor) = if let Some(m) = rest.strip_prefix("alpha") {
        (Stage::Alpha, m)
    } else if let Some(m) = rest.strip_prefix("beta") {
        (Stage::Beta, m)
    } else {
        return None;
    };
    if !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((major, stage, parse_number(minor)?))
}

fn parse_number(digits: &str) -> Option<i64> {
    if digits.is_empty() {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
        CustomResourceDefinitionNames, CustomResourceDefinitionSpec,
        CustomResourceDefinitionVersion, CustomResourceSubresourceStatus,
        CustomResourceSubresources, CustomResourceValidation, JSONSchemaProps,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn version(
        name: &str,
        served: bool,
        storage: bool,
        status: bool,
    ) -> CustomResourceDefinitionVersion {
        CustomResourceDefinitionVersion {
            name: name.to_owned(),
            served,
            storage,
            subresources: status.then(|| CustomResourceSubresources {
                status: Some(CustomResourceSubresourceStatus(serde_json::json!({}))),
                scale: None,
            }),
            ..Default::default()
        }
    }

    fn crd(versions: Vec<CustomResourceDefinitionVersion>) -> CustomResourceDefinition {
        CustomResourceDefinition {
            metadata: ObjectMeta {
                name: Some("things.example.com".to_owned()),
                ..Default::default()
            },
            spec: CustomResourceDefinitionSpec {
                group: "example.com".to_owned(),
                scope: "Cluster".to_owned(),
                names: CustomResourceDefinitionNames {
                    plural: "things".to_owned(),
                    singular: Some("thing".to_owned()),
                    kind: "Thing".to_owned(),
                    list_kind: Some("ThingList".to_owned()),
                    ..Default::default()
                },
                versions,
                ..Default::default()
            },
            status: None,
        }
    }

    /// upstream's `crdSingleVersion`
    fn single_version() -> CustomResourceDefinition {
        crd(vec![version("v1", true, true, true)])
    }

    /// upstream's `crdMultiVersions`
    fn multi_versions() -> CustomResourceDefinition {
        crd(vec![
            version("v1beta1", false, false, true),
            version("v1", true, false, true),
            version("v2alpha1", true, false, true),
            version("v2", true, true, true),
            version("v3", true, false, false),
        ])
    }

    fn patched(
        mut base: CustomResourceDefinition,
        patch: impl FnOnce(&mut CustomResourceDefinition),
    ) -> CustomResourceDefinition {
        patch(&mut base);
        base
    }

    fn selection(versions: &[&str]) -> VersionSelection {
        VersionSelection {
            version: String::new(),
            versions: versions.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn renames(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    /// upstream's `compareSchemalessCRDs`: name, names and versions without schemas.
    fn assert_schemaless_eq(
        case: &str,
        expected: &CustomResourceDefinition,
        actual: &CustomResourceDefinition,
    ) {
        assert_eq!(expected.metadata.name, actual.metadata.name, "{case}: name");
        assert_eq!(expected.spec.names, actual.spec.names, "{case}: names");
        let mut versions = actual.spec.versions.clone();
        for v in &mut versions {
            v.schema = None;
        }
        assert_eq!(expected.spec.versions, versions, "{case}: versions");
    }

    struct Case {
        name: &'static str,
        crd: CustomResourceDefinition,
        selection: VersionSelection,
        projection: Option<ProjectionRules>,
        /// `None`: an error is expected.
        expected: Option<CustomResourceDefinition>,
    }

    /// upstream's `TestProjectCRD`, all 18 cases.
    #[test]
    fn test_project_crd() {
        let multi = multi_versions;
        let cases = vec![
            Case {
                name: "no projection on a single-version CRD",
                crd: single_version(),
                selection: VersionSelection::default(),
                projection: None,
                expected: Some(single_version()),
            },
            Case {
                name: "no projection on a multi-version CRD",
                crd: multi(),
                selection: VersionSelection::default(),
                projection: None,
                expected: Some(multi()),
            },
            Case {
                name: "select a single version (deprecated)",
                crd: multi(),
                selection: VersionSelection {
                    version: "v3".to_owned(),
                    versions: vec![],
                },
                projection: None,
                expected: Some(patched(multi(), |c| {
                    // storage is flipped to true by the projection
                    c.spec.versions = vec![version("v3", true, true, false)];
                })),
            },
            Case {
                name: "select a single version (modern)",
                crd: multi(),
                selection: selection(&["v3"]),
                projection: None,
                expected: Some(patched(multi(), |c| {
                    c.spec.versions = vec![version("v3", true, true, false)];
                })),
            },
            Case {
                name: "select a subset of versions",
                crd: multi(),
                // note the order: the result keeps CRD order
                selection: selection(&["v3", "v1"]),
                projection: None,
                expected: Some(patched(multi(), |c| {
                    c.spec.versions = vec![
                        version("v1", true, false, true),
                        version("v3", true, true, false),
                    ];
                })),
            },
            Case {
                name: "error: select a non-existing version (deprecated)",
                crd: multi(),
                selection: VersionSelection {
                    version: "v4".to_owned(),
                    versions: vec![],
                },
                projection: None,
                expected: None,
            },
            Case {
                name: "error: select a non-existing version (modern)",
                crd: multi(),
                selection: selection(&["v4"]),
                projection: None,
                expected: None,
            },
            Case {
                name: "error: select no served version",
                crd: multi(),
                selection: selection(&["v1beta1"]),
                projection: None,
                expected: None,
            },
            Case {
                name: "auto-determine storage version",
                crd: multi(),
                selection: selection(&["v2", "v1"]),
                projection: None,
                expected: Some(patched(multi(), |c| {
                    c.spec.versions = vec![
                        version("v1", true, false, true),
                        version("v2", true, true, true),
                    ];
                })),
            },
            Case {
                name: "project single version (deprecated)",
                crd: multi(),
                selection: selection(&["v3"]),
                projection: Some(ProjectionRules {
                    version: "v6".to_owned(),
                    ..Default::default()
                }),
                expected: Some(patched(multi(), |c| {
                    c.spec.versions = vec![version("v6", true, true, false)];
                })),
            },
            Case {
                name: "project single version (modern)",
                crd: multi(),
                selection: selection(&["v3"]),
                projection: Some(ProjectionRules {
                    versions: renames(&[("v3", "v6")]),
                    ..Default::default()
                }),
                expected: Some(patched(multi(), |c| {
                    c.spec.versions = vec![version("v6", true, true, false)];
                })),
            },
            Case {
                name: "error: project multiple versions to the same version",
                crd: multi(),
                selection: selection(&["v3", "v1"]),
                projection: Some(ProjectionRules {
                    versions: renames(&[("v3", "v6"), ("v1", "v6")]),
                    ..Default::default()
                }),
                expected: None,
            },
            Case {
                name: "project multiple versions",
                crd: multi(),
                selection: selection(&["v3", "v1"]),
                projection: Some(ProjectionRules {
                    versions: renames(&[("v3", "v6"), ("v1", "v7")]),
                    ..Default::default()
                }),
                expected: Some(patched(multi(), |c| {
                    c.spec.versions = vec![
                        version("v6", true, true, false),
                        version("v7", true, false, true),
                    ];
                })),
            },
            Case {
                name: "project API group",
                crd: multi(),
                selection: VersionSelection::default(),
                projection: Some(ProjectionRules {
                    group: "new.example.com".to_owned(),
                    ..Default::default()
                }),
                expected: Some(patched(multi(), |c| {
                    c.spec.group = "new.example.com".to_owned();
                    c.metadata.name = Some("things.new.example.com".to_owned());
                })),
            },
            Case {
                name: "project kind (auto-pluralizes)",
                crd: multi(),
                selection: VersionSelection::default(),
                projection: Some(ProjectionRules {
                    kind: "NewThing".to_owned(),
                    ..Default::default()
                }),
                expected: Some(patched(multi(), |c| {
                    c.spec.names.kind = "NewThing".to_owned();
                    c.spec.names.list_kind = Some("NewThingList".to_owned());
                    c.spec.names.singular = Some("newthing".to_owned());
                    c.spec.names.plural = "newthings".to_owned();
                    c.metadata.name = Some("newthings.example.com".to_owned());
                })),
            },
            Case {
                name: "project kind (explicit plural projection)",
                crd: multi(),
                selection: VersionSelection::default(),
                projection: Some(ProjectionRules {
                    kind: "Foot".to_owned(),
                    plural: "feet".to_owned(),
                    ..Default::default()
                }),
                expected: Some(patched(multi(), |c| {
                    c.spec.names.kind = "Foot".to_owned();
                    c.spec.names.list_kind = Some("FootList".to_owned());
                    c.spec.names.singular = Some("foot".to_owned());
                    c.spec.names.plural = "feet".to_owned();
                    c.metadata.name = Some("feet.example.com".to_owned());
                })),
            },
            Case {
                name: "project CRD properties",
                crd: multi(),
                selection: VersionSelection::default(),
                projection: Some(ProjectionRules {
                    scope: "Namespaced".to_owned(),
                    short_names: Some(vec!["shorty".to_owned()]),
                    categories: Some(vec!["e2e".to_owned()]),
                    ..Default::default()
                }),
                expected: Some(patched(multi(), |c| {
                    c.spec.scope = "Namespaced".to_owned();
                    c.spec.names.short_names = Some(vec!["shorty".to_owned()]);
                    c.spec.names.categories = Some(vec!["e2e".to_owned()]);
                })),
            },
            Case {
                name: "ensure new name takes both new group and new plural into account",
                crd: multi(),
                selection: VersionSelection::default(),
                projection: Some(ProjectionRules {
                    group: "new.example.com".to_owned(),
                    plural: "feet".to_owned(),
                    ..Default::default()
                }),
                expected: Some(patched(multi(), |c| {
                    c.spec.group = "new.example.com".to_owned();
                    c.spec.names.plural = "feet".to_owned();
                    c.metadata.name = Some("feet.new.example.com".to_owned());
                })),
            },
        ];
        assert_eq!(cases.len(), 18);

        for case in cases {
            let result = project_crd(&case.crd, &case.selection, case.projection.as_ref());
            match (result, case.expected) {
                (Ok(actual), Some(expected)) => {
                    assert_schemaless_eq(case.name, &expected, &actual);
                    // upstream compares only names and versions; scope and group are checked
                    // here too
                    assert_eq!(expected.spec.scope, actual.spec.scope, "{}", case.name);
                    assert_eq!(expected.spec.group, actual.spec.group, "{}", case.name);
                }
                (Err(e), Some(_)) => panic!("{}: unexpected error: {e}", case.name),
                (Ok(actual), None) => {
                    panic!("{}: expected an error, got {actual:?}", case.name)
                }
                (Err(_), None) => {}
            }
        }
    }

    /// upstream's `TestPublishedResourceSourceGVK`, plus the version.
    #[test]
    fn test_published_resource_source_gvk() {
        let gk = source_gk("testgroup", "test");
        assert_eq!(gk.group, "testgroup");
        assert_eq!(gk.kind, "test");

        let gvk = source_gvk(&multi_versions(), "testgroup", "test").unwrap();
        assert_eq!(gvk, GroupVersionKind::gvk("testgroup", "v2", "test"));

        let no_storage = crd(vec![version("v1", true, false, false)]);
        assert_eq!(
            source_gvk(&no_storage, "testgroup", "test").unwrap_err(),
            ProjectionError::NoStorageVersion
        );
    }

    #[test]
    fn projected_gvk_uses_projected_storage_version() {
        let rules = ProjectionRules {
            group: "kcp.example.com".to_owned(),
            kind: "Widget".to_owned(),
            versions: renames(&[("v2", "v9")]),
            ..Default::default()
        };
        let gvk =
            projected_gvk(&multi_versions(), &selection(&["v1", "v2"]), Some(&rules)).unwrap();
        assert_eq!(
            gvk,
            GroupVersionKind::gvk("kcp.example.com", "v9", "Widget")
        );

        // the source side keeps the local CRD's storage version and the source kind
        let local = source_gvk(&multi_versions(), "example.com", "Thing").unwrap();
        assert_eq!(local, GroupVersionKind::gvk("example.com", "v2", "Thing"));

        // no storage left among the selection: the last served one is chosen
        let gvk = projected_gvk(&multi_versions(), &selection(&["v1", "v2alpha1"]), None).unwrap();
        assert_eq!(gvk.version, "v2alpha1");

        let err = projected_gvk(&multi_versions(), &selection(&["v1beta1"]), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to project CRD: no CRD version selected that is marked as served"
        );
    }

    #[test]
    fn error_messages_match_go() {
        let multi = multi_versions();
        let both = VersionSelection {
            version: "v1".to_owned(),
            versions: vec!["v2".to_owned()],
        };
        let cases: Vec<(VersionSelection, Option<ProjectionRules>, &str)> = vec![
            (
                both,
                None,
                "cannot configure both .version and .versions in as the source of a PublishedResource",
            ),
            (
                VersionSelection {
                    version: "v4".to_owned(),
                    versions: vec![],
                },
                None,
                "CRD does not contain version v4",
            ),
            (
                selection(&["v4", "v5"]),
                None,
                "CRD does not contain any of versions [v4 v5]",
            ),
            (
                selection(&["v1beta1"]),
                None,
                "no CRD version selected that is marked as served",
            ),
            (
                selection(&["v1", "v3"]),
                Some(ProjectionRules {
                    version: "v6".to_owned(),
                    ..Default::default()
                }),
                "cannot project CRD version to a single version \"v6\" because it contains 2 versions",
            ),
            (
                selection(&["v1", "v3"]),
                Some(ProjectionRules {
                    versions: renames(&[("v3", "v1")]),
                    ..Default::default()
                }),
                "CRD contains multiple entries for v1 after applying mutation rules",
            ),
        ];
        for (sel, rules, message) in cases {
            let err = project_crd(&multi, &sel, rules.as_ref()).unwrap_err();
            assert_eq!(err.to_string(), message);
        }

        let empty = crd(vec![]);
        let err = project_crd(&empty, &VersionSelection::default(), None).unwrap_err();
        assert_eq!(err.to_string(), "CRD contains no versions");
    }

    #[test]
    fn deprecated_projection_version_wins_over_versions() {
        let rules = ProjectionRules {
            version: "v6".to_owned(),
            versions: renames(&[("v3", "v7")]),
            ..Default::default()
        };
        let out = project_crd(&multi_versions(), &selection(&["v3"]), Some(&rules)).unwrap();
        assert_eq!(out.spec.versions[0].name, "v6");
    }

    #[test]
    fn unmapped_versions_keep_their_name_and_all_are_sorted() {
        let rules = ProjectionRules {
            versions: renames(&[("v2", "v1alpha1"), ("v3", "")]),
            ..Default::default()
        };
        let out = project_crd(
            &multi_versions(),
            &VersionSelection::default(),
            Some(&rules),
        )
        .unwrap();
        let names: Vec<_> = out.spec.versions.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["v1alpha1", "v2alpha1", "v1beta1", "v1", "v3"]);
        // the renamed storage version stays storage
        assert_eq!(storage_version(&out), Some("v1alpha1"));
    }

    #[test]
    fn empty_short_names_and_categories_replace_absent_keep() {
        let mut base = multi_versions();
        base.spec.names.short_names = Some(vec!["th".to_owned()]);
        base.spec.names.categories = Some(vec!["all".to_owned()]);

        let keep = project_crd(
            &base,
            &VersionSelection::default(),
            Some(&ProjectionRules::default()),
        )
        .unwrap();
        assert_eq!(keep.spec.names.short_names, Some(vec!["th".to_owned()]));
        assert_eq!(keep.spec.names.categories, Some(vec!["all".to_owned()]));

        let rules: ProjectionRules =
            serde_json::from_value(serde_json::json!({"shortNames": [], "categories": []}))
                .unwrap();
        let cleared = project_crd(&base, &VersionSelection::default(), Some(&rules)).unwrap();
        assert_eq!(cleared.spec.names.short_names, Some(vec![]));
        assert_eq!(cleared.spec.names.categories, Some(vec![]));

        let rules: ProjectionRules =
            serde_json::from_value(serde_json::json!({"shortNames": null})).unwrap();
        assert_eq!(rules.short_names, None);
        assert_eq!(rules.categories, None);
    }

    #[test]
    fn schemas_are_kept() {
        let mut base = single_version();
        base.spec.versions[0].schema = Some(CustomResourceValidation {
            open_api_v3_schema: Some(JSONSchemaProps {
                type_: Some("object".to_owned()),
                ..Default::default()
            }),
        });
        let out = project_crd(
            &base,
            &VersionSelection::default(),
            Some(&ProjectionRules::default()),
        )
        .unwrap();
        assert_eq!(out.spec.versions[0].schema, base.spec.versions[0].schema);
        assert_eq!(out.metadata.name.as_deref(), Some("things.example.com"));
    }

    #[test]
    fn serde_uses_go_json_names() {
        let rules: ProjectionRules = serde_json::from_value(serde_json::json!({
            "group": "g", "version": "v9", "versions": {"v1": "v2"}, "scope": "Namespaced",
            "kind": "K", "plural": "ks", "shortNames": ["k"], "categories": ["c"],
        }))
        .unwrap();
        assert_eq!(rules.versions, renames(&[("v1", "v2")]));
        assert_eq!(rules.short_names, Some(vec!["k".to_owned()]));
        let sel: VersionSelection =
            serde_json::from_value(serde_json::json!({"version": "v1", "versions": ["v2"]}))
                .unwrap();
        assert_eq!(sel.version, "v1");
        assert_eq!(sel.versions, ["v2"]);
    }

    #[test]
    fn kube_version_order() {
        // apimachinery's TestCompareKubeAwareVersionStrings: (a, b, a ranks higher)
        let table = [
            ("v1", "v2", false),
            ("v2", "v1", true),
            ("v10", "v2", true),
            ("v1", "v2alpha1", true),
            ("v1", "v2beta1", true),
            ("v1alpha2", "v1alpha1", true),
            ("v1beta1", "v2alpha3", true),
            ("v1alpha10", "v1alpha2", true),
            ("v1beta10", "v1beta2", true),
            ("foo", "v1beta2", false),
            ("bar", "foo", true),
            ("version1", "version2", true),
            ("version1", "version10", true),
        ];
        for (a, b, greater) in table {
            assert_eq!(
                compare_kube_aware_versions(a, b) == Ordering::Greater,
                greater,
                "{a} vs {b}"
            );
        }

        // highest priority first; non-kube strings rank below and in lexical order
        let ordered = [
            "v2",
            "v1",
            "v10beta3",
            "v10beta2",
            "v2beta2",
            "v2beta1",
            "v1beta2",
            "v1beta1",
            "v10alpha1",
            "v1alpha1",
            "",
            "foo1",
            "foo10",
            "v1.0",
            "v12alpha",
            "v1beta",
        ];
        let mut shuffled = ordered.to_vec();
        shuffled.reverse();
        shuffled.swap(0, 5);
        shuffled.swap(3, 9);
        shuffled.sort_by(|a, b| compare_kube_aware_versions(b, a));
        assert_eq!(shuffled, ordered);
        assert_eq!(compare_kube_aware_versions("v1", "v1"), Ordering::Equal);
        // too large for Go's Atoi: not kube-like
        assert_eq!(
            compare_kube_aware_versions("v99999999999999999999", "v1alpha1"),
            Ordering::Less
        );
    }

    #[test]
    fn go_quote_escapes() {
        assert_eq!(go_quote("v1"), "\"v1\"");
        assert_eq!(go_quote("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\x01\"");
    }
}
