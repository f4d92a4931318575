//! The catalog: which resources a logical cluster serves, and their discovery documents.
//!
//! Today every logical cluster serves the same built-in set (the part of kcp's generic control
//! plane that issue #2 covers); CRDs and APIBindings will add per-cluster sources, and catalogs
//! with the same sources will share one instance (and one discovery document).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

use crate::registry::conversion::{Conversion, events};
use crate::storage::keys::KeySpace;

/// How a resource is implemented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Objects in the store, through the generic registry.
    Stored,
    /// A create-only review API answered in memory (access reviews, self subject review).
    Review,
}

/// One resource a cluster serves.
#[derive(Clone, Debug)]
pub struct ResourceDef {
    pub group: &'static str,
    pub version: &'static str,
    /// The plural, lower-case name (`configmaps`).
    pub resource: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub verbs: &'static [&'static str],
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// `(subresource, verbs)`.
    pub subresources: &'static [(&'static str, &'static [&'static str])],
    pub backing: Backing,
    pub space: KeySpace,
    /// For a custom resource: its schema and subresources, from its CRD.
    pub custom: Option<std::sync::Arc<CustomResource>>,
    /// For a resource served in several versions or stored in another resource's form: how
    /// objects convert (`registry::conversion`).
    pub conversion: Option<std::sync::Arc<crate::registry::conversion::Conversion>>,
    /// For a resource bound through an APIBinding: the APIExport it comes from.
    pub bound: Option<std::sync::Arc<BoundSource>>,
}

/// The APIExport a bound resource comes from (what the maximal permission policy consults).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct BoundSource {
    /// The logical cluster (name) of the export.
    pub export_cluster: String,
    pub export_name: String,
}

/// What a CRD says about one served version of its resource.
#[derive(Debug)]
pub struct CustomResource {
    pub schema: crate::crd::CustomResourceSchema,
    /// The version's `openAPIV3Schema`, for the OpenAPI documents.
    pub openapi_schema: serde_json::Value,
    /// `spec.versions[].subresources.scale`, when the version has it.
    pub scale: Option<ScalePaths>,
    /// The `Warning` every request of a deprecated version is answered with.
    pub deprecation_warning: Option<String>,
}

/// The JSON paths of a scale subresource.
#[derive(Clone, Debug, Default)]
pub struct ScalePaths {
    pub spec_replicas: String,
    pub status_replicas: String,
    pub label_selector: Option<String>,
}

/// Interns a string for the lifetime of the process: resource names from CRDs are few and
/// shared by every logical cluster that defines them, so each distinct one is kept once.
pub fn intern(s: &str) -> &'static str {
    static TABLE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<&'static str>>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(Default::default);
    let mut t = match table.lock() {
        Ok(t) => t,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(existing) = t.get(s) {
        return existing;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    t.insert(leaked);
    leaked
}

/// Interns a list of strings (short names, categories).
pub fn intern_list(items: &[String]) -> &'static [&'static str] {
    static TABLE: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<Vec<String>, &'static [&'static str]>>,
    > = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(Default::default);
    let mut t = match table.lock() {
        Ok(t) => t,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(existing) = t.get(items) {
        return existing;
    }
    let list: Vec<&'static str> = items.iter().map(|s| intern(s)).collect();
    let leaked: &'static [&'static str] = Box::leak(list.into_boxed_slice());
    t.insert(items.to_vec(), leaked);
    leaked
}

impl ResourceDef {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    pub fn group_resource(&self) -> crate::errors::GroupResource {
        crate::errors::GroupResource::new(self.group, self.resource)
    }

    pub fn has_subresource(&self, sub: &str) -> bool {
        self.subresources.iter().any(|(s, _)| *s == sub)
    }

    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.contains(&verb)
    }
}

const CRUD: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const CREATE_ONLY: &[&str] = &["create"];
const STATUS: &[&str] = &["get", "patch", "update"];

const fn stored(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> ResourceDef {
    ResourceDef {
        group,
        version,
        resource,
        singular,
        kind,
        namespaced,
        verbs: CRUD,
        short_names,
        categories: &[],
        subresources: &[],
        backing: Backing::Stored,
        space: KeySpace::BuiltIn,
        custom: None,
        bound: None,
        conversion: None,
    }
}

const fn review(
    group: &'static str,
    resource: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> ResourceDef {
    ResourceDef {
        group,
        version: "v1",
        resource,
        singular,
        kind,
        namespaced,
        verbs: CREATE_ONLY,
        short_names: &[],
        categories: &[],
        subresources: &[],
        backing: Backing::Review,
        space: KeySpace::BuiltIn,
        custom: None,
        bound: None,
        conversion: None,
    }
}

impl ResourceDef {
    const fn with_subresources(
        mut self,
        subs: &'static [(&'static str, &'static [&'static str])],
    ) -> Self {
        self.subresources = subs;
        self
    }

    const fn in_categories(mut self, categories: &'static [&'static str]) -> Self {
        self.categories = categories;
        self
    }

    const fn with_verbs(mut self, verbs: &'static [&'static str]) -> Self {
        self.verbs = verbs;
        self
    }

    fn converted_by(mut self, conversion: std::sync::Arc<Conversion>) -> Self {
        self.conversion = Some(conversion);
        self
    }
}

const ALL: &[&str] = &["all"];
/// The category kube gives the resources that extend the API (`kubectl get api-extensions`).
const API_EXTENSIONS: &[&str] = &["api-extensions"];
const WITH_STATUS: &[(&str, &[&str])] = &[("status", STATUS)];
const WITH_SCALE_STATUS: &[(&str, &[&str])] = &[("scale", STATUS), ("status", STATUS)];
const READ_ONLY: &[&str] = &["get", "list"];

/// The resources of a plain Kubernetes 1.36 cluster (`kcp start --profile kube`), as kind
/// presents them (minus what needs a kubelet or controllers to mean anything).
pub fn kube_builtins() -> &'static [ResourceDef] {
    static KUBE: std::sync::OnceLock<Vec<ResourceDef>> = std::sync::OnceLock::new();
    KUBE.get_or_init(|| {
        let core = |resource, singular, kind, namespaced, short| {
            stored("", "v1", resource, singular, kind, namespaced, short)
        };
        let mut v = vec![
            core(
                "componentstatuses",
                "componentstatus",
                "ComponentStatus",
                false,
                &["cs"],
            )
            .with_verbs(READ_ONLY),
            core("configmaps", "configmap", "ConfigMap", true, &["cm"]),
            core("endpoints", "endpoints", "Endpoints", true, &["ep"]),
            core("events", "event", "Event", true, &["ev"]).converted_by(events::conversion()),
            core("limitranges", "limitrange", "LimitRange", true, &["limits"]),
            core("namespaces", "namespace", "Namespace", false, &["ns"])
                .with_verbs(&[
                    "create", "delete", "get", "list", "patch", "update", "watch",
                ])
                .with_subresources(&[("finalize", &["update"]), ("status", STATUS)]),
            core("nodes", "node", "Node", false, &["no"]).with_subresources(WITH_STATUS),
            core(
                "persistentvolumeclaims",
                "persistentvolumeclaim",
                "PersistentVolumeClaim",
                true,
                &["pvc"],
            )
            .with_subresources(WITH_STATUS),
            core(
                "persistentvolumes",
                "persistentvolume",
                "PersistentVolume",
                false,
                &["pv"],
            )
            .with_subresources(WITH_STATUS),
            core("pods", "pod", "Pod", true, &["po"])
                .in_categories(ALL)
                .with_subresources(&[
                    ("ephemeralcontainers", STATUS),
                    ("resize", STATUS),
                    ("status", STATUS),
                ]),
            core("podtemplates", "podtemplate", "PodTemplate", true, &[]),
            core(
                "replicationcontrollers",
                "replicationcontroller",
                "ReplicationController",
                true,
                &["rc"],
            )
            .in_categories(ALL)
            .with_subresources(WITH_SCALE_STATUS),
            core(
                "resourcequotas",
                "resourcequota",
                "ResourceQuota",
                true,
                &["quota"],
            )
            .with_subresources(WITH_STATUS),
            core("secrets", "secret", "Secret", true, &[]),
            core(
                "serviceaccounts",
                "serviceaccount",
                "ServiceAccount",
                true,
                &["sa"],
            )
            .with_subresources(&[("token", CREATE_ONLY)]),
            core("services", "service", "Service", true, &["svc"])
                .in_categories(ALL)
                .with_subresources(WITH_STATUS),
        ];
        let apps = |resource, singular, kind, short| {
            stored("apps", "v1", resource, singular, kind, true, short)
        };
        v.extend([
            apps(
                "controllerrevisions",
                "controllerrevision",
                "ControllerRevision",
                &[],
            ),
            apps("daemonsets", "daemonset", "DaemonSet", &["ds"])
                .in_categories(ALL)
                .with_subresources(WITH_STATUS),
            apps("deployments", "deployment", "Deployment", &["deploy"])
                .in_categories(ALL)
                .with_subresources(WITH_SCALE_STATUS),
            apps("replicasets", "replicaset", "ReplicaSet", &["rs"])
                .in_categories(ALL)
                .with_subresources(WITH_SCALE_STATUS),
            apps("statefulsets", "statefulset", "StatefulSet", &["sts"])
                .in_categories(ALL)
                .with_subresources(WITH_SCALE_STATUS),
        ]);
        v.extend([
            stored(
                "apiregistration.k8s.io",
                "v1",
                "apiservices",
                "apiservice",
                "APIService",
                false,
                &[],
            )
            .in_categories(API_EXTENSIONS)
            .with_subresources(WITH_STATUS),
            stored(
                "autoscaling",
                "v2",
                "horizontalpodautoscalers",
                "horizontalpodautoscaler",
                "HorizontalPodAutoscaler",
                true,
                &["hpa"],
            )
            .in_categories(ALL)
            .with_subresources(WITH_STATUS),
            stored(
                "batch",
                "v1",
                "cronjobs",
                "cronjob",
                "CronJob",
                true,
                &["cj"],
            )
            .in_categories(ALL)
            .with_subresources(WITH_STATUS),
            stored("batch", "v1", "jobs", "job", "Job", true, &[])
                .in_categories(ALL)
                .with_subresources(WITH_STATUS),
            stored(
                "discovery.k8s.io",
                "v1",
                "endpointslices",
                "endpointslice",
                "EndpointSlice",
                true,
                &[],
            ),
            stored(
                "networking.k8s.io",
                "v1",
                "ingressclasses",
                "ingressclass",
                "IngressClass",
                false,
                &[],
            ),
            stored(
                "networking.k8s.io",
                "v1",
                "ingresses",
                "ingress",
                "Ingress",
                true,
                &["ing"],
            )
            .with_subresources(WITH_STATUS),
            stored(
                "networking.k8s.io",
                "v1",
                "networkpolicies",
                "networkpolicy",
                "NetworkPolicy",
                true,
                &["netpol"],
            ),
            stored(
                "node.k8s.io",
                "v1",
                "runtimeclasses",
                "runtimeclass",
                "RuntimeClass",
                false,
                &[],
            ),
            stored(
                "policy",
                "v1",
                "poddisruptionbudgets",
                "poddisruptionbudget",
                "PodDisruptionBudget",
                true,
                &["pdb"],
            )
            .with_subresources(WITH_STATUS),
            stored(
                "scheduling.k8s.io",
                "v1",
                "priorityclasses",
                "priorityclass",
                "PriorityClass",
                false,
                &["pc"],
            ),
            stored(
                "storage.k8s.io",
                "v1",
                "csidrivers",
                "csidriver",
                "CSIDriver",
                false,
                &[],
            ),
            stored(
                "storage.k8s.io",
                "v1",
                "csinodes",
                "csinode",
                "CSINode",
                false,
                &[],
            ),
            stored(
                "storage.k8s.io",
                "v1",
                "csistoragecapacities",
                "csistoragecapacity",
                "CSIStorageCapacity",
                true,
                &[],
            ),
            stored(
                "storage.k8s.io",
                "v1",
                "storageclasses",
                "storageclass",
                "StorageClass",
                false,
                &["sc"],
            ),
            stored(
                "storage.k8s.io",
                "v1",
                "volumeattachments",
                "volumeattachment",
                "VolumeAttachment",
                false,
                &[],
            )
            .with_subresources(WITH_STATUS),
        ]);
        v.extend(shared_apis());
        v
    })
}

/// The APIs every profile serves besides the core group: admission registration, the
/// reviews, CRDs, certificate signing requests, leases, events and RBAC.
fn shared_apis() -> Vec<ResourceDef> {
    let admission = |resource, singular, kind| {
        stored(
            "admissionregistration.k8s.io",
            "v1",
            resource,
            singular,
            kind,
            false,
            &[],
        )
        .in_categories(API_EXTENSIONS)
    };
    vec![
        admission(
            "mutatingadmissionpolicies",
            "mutatingadmissionpolicy",
            "MutatingAdmissionPolicy",
        ),
        admission(
            "mutatingadmissionpolicybindings",
            "mutatingadmissionpolicybinding",
            "MutatingAdmissionPolicyBinding",
        ),
        admission(
            "mutatingwebhookconfigurations",
            "mutatingwebhookconfiguration",
            "MutatingWebhookConfiguration",
        ),
        admission(
            "validatingadmissionpolicies",
            "validatingadmissionpolicy",
            "ValidatingAdmissionPolicy",
        )
        .with_subresources(WITH_STATUS),
        admission(
            "validatingadmissionpolicybindings",
            "validatingadmissionpolicybinding",
            "ValidatingAdmissionPolicyBinding",
        ),
        admission(
            "validatingwebhookconfigurations",
            "validatingwebhookconfiguration",
            "ValidatingWebhookConfiguration",
        ),
        stored(
            "certificates.k8s.io",
            "v1",
            "certificatesigningrequests",
            "certificatesigningrequest",
            "CertificateSigningRequest",
            false,
            &["csr"],
        )
        .with_subresources(&[("approval", STATUS), ("status", STATUS)]),
        review(
            "authentication.k8s.io",
            "tokenreviews",
            "tokenreview",
            "TokenReview",
            false,
        ),
        review(
            "authentication.k8s.io",
            "selfsubjectreviews",
            "selfsubjectreview",
            "SelfSubjectReview",
            false,
        ),
        review(
            "authorization.k8s.io",
            "localsubjectaccessreviews",
            "localsubjectaccessreview",
            "LocalSubjectAccessReview",
            true,
        ),
        review(
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            "selfsubjectaccessreview",
            "SelfSubjectAccessReview",
            false,
        ),
        review(
            "authorization.k8s.io",
            "selfsubjectrulesreviews",
            "selfsubjectrulesreview",
            "SelfSubjectRulesReview",
            false,
        ),
        review(
            "authorization.k8s.io",
            "subjectaccessreviews",
            "subjectaccessreview",
            "SubjectAccessReview",
            false,
        ),
        stored(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "customresourcedefinition",
            "CustomResourceDefinition",
            false,
            &["crd", "crds"],
        )
        .in_categories(API_EXTENSIONS)
        .with_subresources(WITH_STATUS),
        stored(
            "coordination.k8s.io",
            "v1",
            "leases",
            "lease",
            "Lease",
            true,
            &[],
        ),
        // Stored as core's events: one Event, two APIs.
        stored(
            "events.k8s.io",
            "v1",
            "events",
            "event",
            "Event",
            true,
            &["ev"],
        )
        .converted_by(events::conversion()),
        stored(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterrolebindings",
            "clusterrolebinding",
            "ClusterRoleBinding",
            false,
            &[],
        ),
        stored(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterroles",
            "clusterrole",
            "ClusterRole",
            false,
            &[],
        ),
        stored(
            "rbac.authorization.k8s.io",
            "v1",
            "rolebindings",
            "rolebinding",
            "RoleBinding",
            true,
            &[],
        ),
        stored(
            "rbac.authorization.k8s.io",
            "v1",
            "roles",
            "role",
            "Role",
            true,
            &[],
        ),
    ]
}

/// The built-in resources every logical cluster serves: of the core group, only what kcp's
/// generic control plane keeps (the same definitions as the kube profile's), and the shared APIs.
pub fn builtins() -> &'static [ResourceDef] {
    const KCP_CORE: [&str; 6] = [
        "configmaps",
        "events",
        "namespaces",
        "resourcequotas",
        "secrets",
        "serviceaccounts",
    ];
    static BUILTINS: std::sync::OnceLock<Vec<ResourceDef>> = std::sync::OnceLock::new();
    BUILTINS.get_or_init(|| {
        let mut v: Vec<ResourceDef> = kube_builtins()
            .iter()
            .filter(|r| r.group.is_empty() && KCP_CORE.contains(&r.resource))
            .cloned()
            .collect();
        v.extend(shared_apis());
        v
    })
}

/// The identities of the APIs that root exports and every workspace binds: objects of these
/// APIs are stored under their export's identity hash, as kcp stores bound resources
/// (`reference/kcp.md` §6.1), so that the APIBinding machinery moves no data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportIdentities {
    /// `tenancy.kcp.io` (workspaces, workspacetypes, workspaceauthenticationconfigurations).
    pub tenancy: String,
    /// `topology.kcp.io` (partitions, partitionsets).
    pub topology: String,
    /// `shards.core.kcp.io` (shards, bound in root only).
    pub shards: String,
}

/// kcp's own kinds, served from their CRD definitions (`kcp_api::crds`): `(in every logical
/// cluster, in root only)`. `apis.kcp.io` and `logicalclusters` are system CRDs; the others are
/// bound from root's exports under their identities.
fn kcp_kinds(ids: &ExportIdentities) -> (Vec<ResourceDef>, Vec<ResourceDef>) {
    let mut everywhere = Vec::new();
    let mut root_only = Vec::new();
    for crd in kcp_api::crds::all() {
        let group = crd["spec"]["group"].as_str().unwrap_or_default();
        let plural = crd["spec"]["names"]["plural"].as_str().unwrap_or_default();
        let (space, export) = match (group, plural) {
            (kcp_api::keys::TENANCY_GROUP, _) => (
                KeySpace::Bound(ids.tenancy.clone()),
                Some(kcp_api::keys::TENANCY_GROUP),
            ),
            (kcp_api::keys::TOPOLOGY_GROUP, _) => (
                KeySpace::Bound(ids.topology.clone()),
                Some(kcp_api::keys::TOPOLOGY_GROUP),
            ),
            (kcp_api::keys::CORE_GROUP, "shards") => (
                KeySpace::Bound(ids.shards.clone()),
                Some(kcp_api::keys::SHARDS_EXPORT),
            ),
            _ => (KeySpace::CustomResource, None),
        };
        let bound = export.map(|name| {
            Arc::new(BoundSource {
                export_cluster: kcp_api::ROOT_CLUSTER.to_string(),
                export_name: name.to_string(),
            })
        });
        let defs = crate::controllers::crd::resource_defs(&crd)
            .into_iter()
            .map(|d| ResourceDef {
                space: space.clone(),
                bound: bound.clone(),
                ..d
            });
        if plural == "shards" {
            root_only.extend(defs);
        } else {
            everywhere.extend(defs);
        }
    }
    (everywhere, root_only)
}

/// The catalogs of every logical cluster: the profile's built-ins (with kcp's own kinds in the
/// kcp profile, and the shards in root), plus, for the clusters that have them, the resources
/// their APIBindings bind (kept by the APIBinding controller) and their established CRDs (kept
/// by the CRD controller). Clusters whose only extra source is the same set of bound resources
/// share one catalog: a thousand workspaces binding one export cost one catalog.
pub struct Catalogs {
    base: Catalog,
    root: Catalog,
    /// Where the tenancy objects live (read on every routed request).
    tenancy: crate::tenancy::Tenancy,
    by_cluster: RwLock<HashMap<String, ClusterSources>>,
    /// Catalogs of bound resources only, by their sources' key, for sharing.
    shared: std::sync::Mutex<HashMap<String, std::sync::Weak<[ResourceDef]>>>,
    /// Every bound resource by (identity, group, version, resource): what a wildcard request
    /// `resource:<identity>` addresses (`reference/kcp.md` §2.3).
    by_identity: RwLock<HashMap<IdentityKey, ResourceDef>>,
    identities_generation: std::sync::atomic::AtomicU64,
}

/// (identity, group, version, resource).
type IdentityKey = (String, &'static str, &'static str, &'static str);

/// What one cluster serves beyond the built-ins, and the catalog made of it.
#[derive(Default)]
struct ClusterSources {
    /// The bound resources and the key naming their sources (`""` when none).
    bound: Arc<[ResourceDef]>,
    bound_key: String,
    custom: Arc<[ResourceDef]>,
    catalog: Option<Catalog>,
}

impl Catalogs {
    /// The catalogs of a profile; `identities` are those of root's exports (kcp profile).
    pub fn new(profile: crate::options::Profile, identities: &ExportIdentities) -> Self {
        let builtin = Catalog::for_profile(profile);
        let (base, root) = match profile {
            crate::options::Profile::Kube => (builtin.clone(), builtin),
            crate::options::Profile::Kcp => {
                let (everywhere, root_only) = kcp_kinds(identities);
                let base: Arc<[ResourceDef]> = builtin
                    .resources()
                    .iter()
                    .cloned()
                    .chain(everywhere)
                    .collect();
                let root: Arc<[ResourceDef]> = base.iter().cloned().chain(root_only).collect();
                (Catalog { resources: base }, Catalog { resources: root })
            }
        };
        Self {
            tenancy: crate::tenancy::Tenancy::new(&base),
            base,
            root,
            by_cluster: RwLock::new(HashMap::new()),
            shared: Default::default(),
            by_identity: Default::default(),
            identities_generation: Default::default(),
        }
    }

    /// Where the tenancy objects live.
    pub fn tenancy(&self) -> &crate::tenancy::Tenancy {
        &self.tenancy
    }

    /// What a workspace serves before its own CRDs.
    pub fn base(&self) -> &Catalog {
        &self.base
    }

    /// What the root workspace serves before its own CRDs (the base and the shards).
    pub fn root(&self) -> &Catalog {
        &self.root
    }

    /// What a cluster serves before its bindings and CRDs.
    pub fn builtin_for(&self, cluster: &str) -> &Catalog {
        self.without_custom(cluster)
    }

    fn without_custom(&self, cluster: &str) -> &Catalog {
        if cluster == kcp_api::ROOT_CLUSTER {
            &self.root
        } else {
            &self.base
        }
    }

    /// The catalog of one logical cluster.
    pub fn for_cluster(&self, cluster: &str) -> Catalog {
        let map = match self.by_cluster.read() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.get(cluster)
            .and_then(|s| s.catalog.clone())
            .unwrap_or_else(|| self.without_custom(cluster).clone())
    }

    /// Replaces the established CRDs of a cluster.
    pub fn set_custom(&self, cluster: &str, custom: Vec<ResourceDef>) {
        self.update(cluster, |s| s.custom = custom.into());
    }

    /// Replaces the bound resources of a cluster; `key` names their sources (schema UIDs,
    /// identities, deletion state): clusters with the same key share one catalog.
    pub fn set_bound(&self, cluster: &str, key: String, bound: Vec<ResourceDef>) {
        {
            let mut ids = self.by_identity.write().unwrap_or_else(|p| p.into_inner());
            for d in &bound {
                if let KeySpace::Bound(identity) = &d.space {
                    let key = (identity.clone(), d.group, d.version, d.resource);
                    if let std::collections::hash_map::Entry::Vacant(e) = ids.entry(key) {
                        e.insert(d.clone());
                        self.identities_generation
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        }
        self.update(cluster, |s| {
            if s.bound_key != key {
                s.bound = bound.into();
                s.bound_key = key;
            }
        });
    }

    /// Grows whenever a resource is first bound under an identity (what
    /// [`Self::by_identity_all`] finds changes): views made from it are made again.
    pub fn identities_generation(&self) -> u64 {
        self.identities_generation
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The bound resource `resource` of `group/version` under `identity`, as any binding serves
    /// it (the built-in kinds bound from root's exports included).
    pub fn by_identity(
        &self,
        identity: &str,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Option<ResourceDef> {
        let builtin = self
            .root
            .resources()
            .iter()
            .find(|d| {
                d.group == group
                    && d.version == version
                    && d.resource == resource
                    && d.space == KeySpace::Bound(identity.to_string())
            })
            .cloned();
        builtin.or_else(|| {
            self.by_identity
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .find(|((i, g, v, r), _)| {
                    i == identity && *g == group && *v == version && *r == resource
                })
                .map(|(_, d)| d.clone())
        })
    }

    /// Every served version of the bound resource `group/resource` under `identity` (what a
    /// permission claim by identity reaches).
    pub fn by_identity_all(&self, identity: &str, group: &str, resource: &str) -> Vec<ResourceDef> {
        let space = KeySpace::Bound(identity.to_string());
        let mut out: Vec<ResourceDef> = self
            .root
            .resources()
            .iter()
            .filter(|d| d.group == group && d.resource == resource && d.space == space)
            .cloned()
            .collect();
        if out.is_empty() {
            out = self
                .by_identity
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .filter(|((i, g, _, r), _)| i == identity && *g == group && *r == resource)
                .map(|(_, d)| d.clone())
                .collect();
        }
        out
    }

    /// Whether the cluster's bound resources are those of `key`.
    pub fn bound_key(&self, cluster: &str) -> String {
        let map = match self.by_cluster.read() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.get(cluster)
            .map(|s| s.bound_key.clone())
            .unwrap_or_default()
    }

    fn update(&self, cluster: &str, change: impl FnOnce(&mut ClusterSources)) {
        let mut map = match self.by_cluster.write() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        let sources = map.entry(cluster.to_string()).or_default();
        change(sources);
        if sources.bound.is_empty() && sources.custom.is_empty() {
            map.remove(cluster);
            return;
        }
        let base = self.without_custom(cluster);
        let catalog = if sources.custom.is_empty() {
            self.shared_catalog(cluster, &sources.bound_key, base, &sources.bound)
        } else {
            Catalog {
                resources: combine(base, &sources.bound, &sources.custom),
            }
        };
        sources.catalog = Some(catalog);
    }

    /// The catalog of `base` plus `bound`, shared between the clusters with the same sources.
    fn shared_catalog(
        &self,
        cluster: &str,
        key: &str,
        base: &Catalog,
        bound: &[ResourceDef],
    ) -> Catalog {
        // Root's catalog differs from every other's: its key says so.
        let key = format!("{}|{key}", cluster == kcp_api::ROOT_CLUSTER);
        let mut shared = match self.shared.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(resources) = shared.get(&key).and_then(std::sync::Weak::upgrade) {
            return Catalog { resources };
        }
        let resources = combine(base, bound, &[]);
        shared.retain(|_, w| w.strong_count() > 0);
        shared.insert(key, Arc::downgrade(&resources));
        Catalog { resources }
    }
}

/// The built-ins, then the bound resources, then the CRDs no bound resource shadows (a bound
/// resource wins over a local CRD of the same group and resource, as in kcp).
fn combine(base: &Catalog, bound: &[ResourceDef], custom: &[ResourceDef]) -> Arc<[ResourceDef]> {
    base.resources()
        .iter()
        .cloned()
        .chain(bound.iter().cloned())
        .chain(
            custom
                .iter()
                .filter(|c| {
                    !bound
                        .iter()
                        .any(|b| b.group == c.group && b.resource == c.resource)
                })
                .cloned(),
        )
        .collect()
}

/// The resources of one logical cluster: the built-ins of the profile plus the cluster's
/// established CRDs. Clusters with the same sources share one instance.
#[derive(Clone)]
pub struct Catalog {
    resources: Arc<[ResourceDef]>,
}

impl Catalog {
    /// A catalog of the given resources (a virtual workspace's).
    pub fn new(resources: Vec<ResourceDef>) -> Self {
        Self {
            resources: resources.into(),
        }
    }

    pub fn builtin() -> Self {
        Self::for_profile(crate::options::Profile::Kcp)
    }

    /// The built-in catalog of a server profile (one shared instance per profile).
    pub fn for_profile(profile: crate::options::Profile) -> Self {
        static KCP: std::sync::OnceLock<Arc<[ResourceDef]>> = std::sync::OnceLock::new();
        static KUBE: std::sync::OnceLock<Arc<[ResourceDef]>> = std::sync::OnceLock::new();
        let resources = match profile {
            crate::options::Profile::Kcp => KCP.get_or_init(|| builtins().into()),
            crate::options::Profile::Kube => KUBE.get_or_init(|| kube_builtins().into()),
        };
        Self {
            resources: resources.clone(),
        }
    }

    pub fn resources(&self) -> &[ResourceDef] {
        &self.resources
    }

    /// The resource `resource` of `group/version`.
    pub fn lookup(&self, group: &str, version: &str, resource: &str) -> Option<&ResourceDef> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.resource == resource)
    }

    /// Whether `group/version` is served at all.
    pub fn serves_group_version(&self, group: &str, version: &str) -> bool {
        self.resources
            .iter()
            .any(|r| r.group == group && r.version == version)
    }

    /// The groups (other than the legacy core group), in the order kube lists them: the
    /// built-in groups by kube-apiserver's group priorities, then the others (custom resources',
    /// which kube ranks alike) by name.
    fn groups(&self) -> Vec<&'static str> {
        let mut groups: Vec<&'static str> = Vec::new();
        for r in self.resources.iter() {
            if !r.group.is_empty() && !groups.contains(&r.group) {
                groups.push(r.group);
            }
        }
        groups.sort_by_key(|g| {
            let rank = KUBE_GROUP_ORDER
                .iter()
                .position(|k| k == g)
                .unwrap_or(KUBE_GROUP_ORDER.len());
            (rank, *g)
        });
        groups
    }

    /// The versions of a group, preferred first, in kube's version priority.
    fn versions(&self, group: &str) -> Vec<&'static str> {
        let mut versions: Vec<&'static str> = Vec::new();
        for r in self.resources.iter().filter(|r| r.group == group) {
            if !versions.contains(&r.version) {
                versions.push(r.version);
            }
        }
        versions.sort_by_key(|v| version_priority(v));
        versions
    }

    /// The resources of a group version by name, as discovery lists them.
    fn sorted_resources(&self, group: &str, version: &str) -> Vec<&ResourceDef> {
        let mut resources: Vec<&ResourceDef> = self
            .resources
            .iter()
            .filter(|r| r.group == group && r.version == version)
            .collect();
        resources.sort_by_key(|r| r.resource);
        resources
    }

    /// `/api`.
    pub fn api_versions(&self) -> Value {
        json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
        })
    }

    fn group_json(&self, group: &str) -> Value {
        let versions: Vec<Value> = self
            .versions(group)
            .iter()
            .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
            .collect();
        let preferred = versions.first().cloned().unwrap_or(Value::Null);
        json!({"name": group, "versions": versions, "preferredVersion": preferred})
    }

    /// `/apis`.
    pub fn api_group_list(&self) -> Value {
        let groups: Vec<Value> = self.groups().iter().map(|g| self.group_json(g)).collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }

    /// `/apis/<group>`, if served.
    pub fn api_group(&self, group: &str) -> Option<Value> {
        if !self.groups().contains(&group) {
            return None;
        }
        let mut g = self.group_json(group);
        g["kind"] = json!("APIGroup");
        g["apiVersion"] = json!("v1");
        Some(g)
    }

    /// `/api/v1` or `/apis/<group>/<version>`, if served: kube's `APIResourceList`, each
    /// stored resource with its storage version hash, each subresource with the kind it answers
    /// (its group and version only where they differ from the list's).
    pub fn api_resource_list(&self, group: &str, version: &str) -> Option<Value> {
        if !self.serves_group_version(group, version) {
            return None;
        }
        let mut resources = Vec::new();
        for r in self.sorted_resources(group, version) {
            let mut entry = json!({
                "name": r.resource,
                "singularName": r.singular,
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": r.verbs,
            });
            if !r.short_names.is_empty() {
                entry["shortNames"] = json!(r.short_names);
            }
            if !r.categories.is_empty() {
                entry["categories"] = json!(r.categories);
            }
            if let Some(hash) = storage_version_hash(r) {
                entry["storageVersionHash"] = json!(hash);
            }
            resources.push(entry);
            for (sub, verbs) in r.subresources {
                let mut entry = json!({
                    "name": format!("{}/{sub}", r.resource),
                    "singularName": "",
                    "namespaced": r.namespaced,
                });
                let (g, v, kind) = subresource_kind(r, sub);
                if (g, v) != (r.group, r.version) {
                    entry["group"] = json!(g);
                    entry["version"] = json!(v);
                }
                entry["kind"] = json!(kind);
                entry["verbs"] = json!(verbs);
                resources.push(entry);
            }
        }
        // kube's core list carries no apiVersion.
        Some(if group.is_empty() {
            json!({
                "kind": "APIResourceList",
                "groupVersion": version,
                "resources": resources,
            })
        } else {
            json!({
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": format!("{group}/{version}"),
                "resources": resources,
            })
        })
    }

    /// Aggregated discovery (`apidiscovery.k8s.io/v2`) for `/api` (`legacy`) or `/apis`.
    pub fn aggregated(&self, legacy: bool) -> Value {
        let groups: Vec<&str> = if legacy { vec![""] } else { self.groups() };
        let items: Vec<Value> = groups
            .iter()
            .map(|g| {
                let versions: Vec<Value> = self
                    .versions(g)
                    .iter()
                    .map(|v| {
                        let resources: Vec<Value> = self
                            .sorted_resources(g, v)
                            .into_iter()
                            .map(aggregated_resource)
                            .collect();
                        json!({"version": v, "resources": resources, "freshness": "Current"})
                    })
                    .collect();
                let metadata = if g.is_empty() {
                    json!({})
                } else {
                    json!({"name": g})
                };
                json!({"metadata": metadata, "versions": versions})
            })
            .collect();
        json!({
            "kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {},
            "items": items,
        })
    }
}

/// kube's ordering of API versions, highest priority first: GA versions (`v2` before `v1`),
/// then betas, then alphas (each by major, then minor version, descending), then any other
/// name alphabetically.
pub fn version_priority(v: &str) -> (u8, std::cmp::Reverse<u64>, std::cmp::Reverse<u64>, String) {
    use std::cmp::Reverse;
    let other = (3, Reverse(0), Reverse(0), v.to_string());
    let Some(rest) = v.strip_prefix('v') else {
        return other;
    };
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let Ok(major) = rest[..digits].parse::<u64>() else {
        return other;
    };
    let tail = &rest[digits..];
    let (stage, minor) = if tail.is_empty() {
        (0, "0")
    } else if let Some(m) = tail.strip_prefix("beta") {
        (1, m)
    } else if let Some(m) = tail.strip_prefix("alpha") {
        (2, m)
    } else {
        return other;
    };
    match minor.parse::<u64>() {
        Ok(minor) => (stage, Reverse(major), Reverse(minor), String::new()),
        _ => other,
    }
}

/// kube-apiserver's order of its built-in groups in discovery (its group priorities).
const KUBE_GROUP_ORDER: &[&str] = &[
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "resource.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "storagemigration.k8s.io",
];

/// The hash kube publishes for a stored resource (`storageVersionHash`): the first eight bytes
/// of SHA-256 of `<group>/<version>/<kind>` of its storage version, base64.
fn storage_version_hash(r: &ResourceDef) -> Option<String> {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    // (componentstatuses are read from the components, not stored: no hash.)
    if r.backing != Backing::Stored || !r.verbs.contains(&"watch") {
        return None;
    }
    let (group, version) = match &r.conversion {
        Some(c) => (c.storage_group, c.storage_version),
        None => (r.group, r.version),
    };
    let digest = Sha256::digest(format!("{group}/{version}/{}", r.kind).as_bytes());
    Some(base64::engine::general_purpose::STANDARD.encode(&digest[..8]))
}

/// The group, version and kind a subresource answers with.
fn subresource_kind(r: &ResourceDef, sub: &str) -> (&'static str, &'static str, &'static str) {
    match sub {
        "scale" => ("autoscaling", "v1", "Scale"),
        "token" => ("authentication.k8s.io", "v1", "TokenRequest"),
        "eviction" => ("policy", "v1", "Eviction"),
        "binding" => (r.group, r.version, "Binding"),
        _ => (r.group, r.version, r.kind),
    }
}

fn aggregated_resource(r: &ResourceDef) -> Value {
    // A built-in's response kinds leave out the group and version they share with the
    // resource (kube converts them from its APIResourceList); a CRD's name them.
    let response_kind = |(g, v, kind): (&str, &str, &str)| {
        if r.custom.is_none() && (g, v) == (r.group, r.version) {
            json!({"group": "", "version": "", "kind": kind})
        } else {
            json!({"group": g, "version": v, "kind": kind})
        }
    };
    let kind = response_kind((r.group, r.version, r.kind));
    let mut entry = json!({
        "resource": r.resource,
        "responseKind": kind,
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        entry["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        entry["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        entry["subresources"] = r
            .subresources
            .iter()
            .map(|(sub, verbs)| {
                json!({"subresource": sub, "responseKind": response_kind(subresource_kind(r, sub)), "verbs": verbs})
            })
            .collect();
    }
    entry
}
