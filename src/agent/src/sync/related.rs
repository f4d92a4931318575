//! Related resources (`reference/api-syncagent.md` §2.9, §5.8): objects that belong with a
//! primary object, authored on one side (`origin`: `kcp` or `service`) and copied to the other,
//! such as the credentials Secret a database operator makes next to its database.
//!
//! For each primary object and each entry of `spec.related`, in order: the origin objects are
//! found (by a gjson `reference` into the primary object, read on both sides, a `template`
//! rendered on both sides, or a label `selector` with a `rewrite` of each found name), with
//! their namespaces found the same way or taken from the primary object on each side; then each
//! is synced to its destination as the Go agent's object syncer does for related objects: the
//! agent's finalizer on kcp-origin objects, the copy made (or adopted), its spec kept three ways
//! from the last-known state (in the primary's state Secret), `status` forwarded with
//! `syncStatus`; on the primary's deletion, kcp-origin copies (and with `cleanup` every copy)
//! deleted. A service-origin object is named on the kcp primary in the annotation
//! `related-resources.syncagent.kcp.io/<identifier>.<index>`.
//!
//! What each primary object's entries looked for is reported as [`Interest`]s, so the sync
//! controller can bring a change of a related object on either side back to its primary
//! object without `watch` being configured (the Go agent only notices such a change when the
//! primary object changes, upstream #118).

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use k8s_openapi::api::core::v1::Namespace;
use kcp_api::gojson;
use kcp_api::syncagent::v1alpha1::{
    RegularExpression, RelatedResourceObjectReference, RelatedResourceObjectSpec,
    RelatedResourceOrigin, RelatedResourceSelectorRewrite, RelatedResourceSpec, TemplateExpression,
};
use kube::api::{Api, ApiResource, DeleteParams, ListParams};
use kube::core::Selector;
use serde_json::{Value, json};

use super::meta::{self, FINALIZER, ObjectKey, RELATED_OBJECT_ANNOTATION_PREFIX};
use super::object::{
    deleting, ensure_namespace, name_of, namespace_of, overwrite_with, spec_patch,
};
use super::rest::ObjectApi;
use super::state::{self, StateStore};
use crate::mutation::Mutator;
use crate::template::{self, Value as TemplateValue};
use kcp_api::syncagent::AGENT_CLEANUP_FINALIZER_SUFFIX;

/// A side of the sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Kcp,
    Service,
}

impl Side {
    fn opposite(self) -> Side {
        match self {
            Side::Kcp => Side::Service,
            Side::Service => Side::Kcp,
        }
    }

    /// The `Side` a template sees (`.Side`): the origin values.
    fn name(self) -> &'static str {
        match self {
            Side::Kcp => "kcp",
            Side::Service => "service",
        }
    }
}

/// A resource on one side, as discovery serves it.
#[derive(Clone, Debug)]
pub struct Resource {
    pub api: ApiResource,
    pub namespaced: bool,
}

/// A `spec.related` entry with its resource found on both sides.
#[derive(Clone)]
pub struct Related {
    pub spec: RelatedResourceSpec,
    /// The entry's `mutation`, compiled.
    pub mutator: Option<Arc<Mutator>>,
    pub origin: Side,
    /// The configured resource, on the origin side.
    pub origin_resource: Resource,
    /// The projected resource, on the destination side.
    pub destination_resource: Resource,
}

/// Group, version and resource.
pub type Gvr = (String, String, String);

/// The configured resource (the deprecated `kind`: core v1 ConfigMaps or Secrets).
pub fn gvr(spec: &RelatedResourceSpec) -> Gvr {
    match spec.kind.as_str() {
        "ConfigMap" => (String::new(), "v1".into(), "configmaps".into()),
        "Secret" => (String::new(), "v1".into(), "secrets".into()),
        _ => (
            spec.group.clone(),
            spec.version.clone(),
            spec.resource.clone(),
        ),
    }
}

/// The resource on the destination side: [`gvr`] with the projection's non-empty fields.
pub fn projected_gvr(spec: &RelatedResourceSpec) -> Gvr {
    let (mut g, mut v, mut r) = gvr(spec);
    if let Some(p) = &spec.projection {
        if !p.group.is_empty() {
            g = p.group.clone();
        }
        if !p.version.is_empty() {
            v = p.version.clone();
        }
        if !p.resource.is_empty() {
            r = p.resource.clone();
        }
    }
    (g, v, r)
}

impl Related {
    /// Finds the entry's resources: on the kcp side through `kcp` (the virtual workspace), on
    /// the service cluster through `service`. `None` while one of them is not served.
    pub async fn discover(
        spec: &RelatedResourceSpec,
        kcp: &kube::Client,
        service: &kube::Client,
    ) -> anyhow::Result<Option<Related>> {
        let origin = match spec.origin {
            RelatedResourceOrigin::Kcp => Side::Kcp,
            RelatedResourceOrigin::Service => Side::Service,
        };
        let client = |side| match side {
            Side::Kcp => kcp,
            Side::Service => service,
        };
        let Some(origin_resource) = discover(client(origin), &gvr(spec)).await? else {
            return Ok(None);
        };
        let Some(destination_resource) =
            discover(client(origin.opposite()), &projected_gvr(spec)).await?
        else {
            return Ok(None);
        };
        Ok(Some(Related {
            spec: spec.clone(),
            mutator: Mutator::new(spec.mutation.as_ref())?.map(Arc::new),
            origin,
            origin_resource,
            destination_resource,
        }))
    }

    /// The resource on `side`.
    pub fn resource(&self, side: Side) -> &Resource {
        if side == self.origin {
            &self.origin_resource
        } else {
            &self.destination_resource
        }
    }
}

/// The resource `gvr` as `client`'s discovery serves it.
async fn discover(
    client: &kube::Client,
    (group, version, resource): &Gvr,
) -> anyhow::Result<Option<Resource>> {
    let api_version = if group.is_empty() {
        version.clone()
    } else {
        format!("{group}/{version}")
    };
    let listed = if group.is_empty() {
        client.list_core_api_resources(version).await
    } else {
        client.list_api_group_resources(&api_version).await
    };
    let list = match listed {
        Ok(l) => l,
        Err(kube::Error::Api(e)) if e.code == 404 => return Ok(None),
        Err(e) => return Err(e).context(format!("failed to lookup {api_version}/{resource}")),
    };
    Ok(list
        .resources
        .iter()
        .find(|r| r.name == *resource)
        .map(|r| Resource {
            api: ApiResource {
                group: group.clone(),
                version: version.clone(),
                api_version: api_version.clone(),
                kind: r.kind.clone(),
                plural: resource.clone(),
            },
            namespaced: r.namespaced,
        }))
}

/// What a primary object's related objects are found by, on one side: a name (in a
/// namespace, or in any), or a label selector. On the kcp side it is within the primary
/// object's workspace.
#[derive(Clone, Debug)]
pub struct Interest {
    /// The index of the `spec.related` entry.
    pub related: usize,
    pub side: Side,
    /// `None`: any namespace.
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub selector: Option<Selector>,
}

impl Interest {
    /// Whether an object of the entry's resource on `side` (in `namespace`, named `name`, with
    /// `labels`) is of interest.
    pub fn matches(
        &self,
        side: Side,
        namespace: &str,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> bool {
        use kube::core::SelectorExt as _;
        self.side == side
            && self.namespace.as_deref().is_none_or(|n| n == namespace)
            && self.name.as_deref().is_none_or(|n| n == name)
            && self.selector.as_ref().is_none_or(|s| s.matches(labels))
    }
}

/// The primary object on both sides, and where the kcp one is.
pub struct Primaries<'a> {
    /// The kcp object.
    pub remote: &'a Value,
    /// Its copy on the service cluster (whole).
    pub local: &'a Value,
    pub cluster_name: &'a str,
    pub workspace_path: &'a str,
}

/// The related objects as the sync controller's watches see them (both sides, every related
/// resource), so a reconcile reads no related object from the servers. On the kcp side,
/// `cluster` is the primary object's logical cluster; on the service cluster, "".
pub trait RelatedObjects: Send + Sync {
    /// The object, when the watch knows (`Some(None)`: known to be absent); `None` while its
    /// first list is not in.
    fn get(
        &self,
        side: Side,
        resource: &ApiResource,
        cluster: &str,
        ns: &str,
        name: &str,
    ) -> Option<Option<Value>>;
    /// The objects of a namespace that `selector` selects; `None` while the first list is not
    /// in.
    fn list(
        &self,
        side: Side,
        resource: &ApiResource,
        cluster: &str,
        ns: &str,
        selector: &Selector,
    ) -> Option<Vec<Value>>;
    /// The agent wrote `ns/name`: the server's answer (`None`: it is gone), recorded before the
    /// watch brings it, so the next read is never older than the write.
    fn written(
        &self,
        side: Side,
        resource: &ApiResource,
        cluster: &str,
        ns: &str,
        name: &str,
        obj: Option<&Value>,
    );
}

/// The clients of both sides: the primary object's workspace and the service cluster; and the
/// related objects the watches hold, when there are watches.
pub struct Clients<'a> {
    pub kcp: &'a kube::Client,
    pub service: &'a kube::Client,
    pub objects: Option<&'a dyn RelatedObjects>,
    /// The primary object's logical cluster.
    pub cluster: &'a str,
}

impl Clients<'_> {
    fn of(&self, side: Side) -> &kube::Client {
        match side {
            Side::Kcp => self.kcp,
            Side::Service => self.service,
        }
    }

    fn cluster_of(&self, side: Side) -> &str {
        match side {
            Side::Kcp => self.cluster,
            Side::Service => "",
        }
    }

    /// An object of `r` on `side`: from the watches' cache, else from the server.
    async fn get(
        &self,
        side: Side,
        r: &Resource,
        ns: &str,
        name: &str,
    ) -> anyhow::Result<Option<Value>> {
        let ns = if r.namespaced { ns } else { "" };
        if let Some(known) = self
            .objects
            .and_then(|o| o.get(side, &r.api, self.cluster_of(side), ns, name))
        {
            return Ok(known);
        }
        Ok(api(self.of(side), r, ns).get_opt(name).await?)
    }

    /// The objects of `r` on `side` in `ns` that `selector` selects.
    async fn list(
        &self,
        side: Side,
        r: &Resource,
        ns: &str,
        selector: &Selector,
    ) -> anyhow::Result<Vec<Value>> {
        let ns = if r.namespaced { ns } else { "" };
        if let Some(known) = self
            .objects
            .and_then(|o| o.list(side, &r.api, self.cluster_of(side), ns, selector))
        {
            return Ok(known);
        }
        Ok(api(self.of(side), r, ns)
            .list(&selector.to_string())
            .await?)
    }

    /// Records a write's answer (`None`: the object is gone).
    fn written(&self, side: Side, r: &Resource, ns: &str, name: &str, obj: Option<&Value>) {
        if let Some(o) = self.objects {
            let ns = if r.namespaced { ns } else { "" };
            o.written(side, &r.api, self.cluster_of(side), ns, name, obj);
        }
    }
}

fn api(client: &kube::Client, r: &Resource, ns: &str) -> ObjectApi {
    ObjectApi::new(
        client,
        &r.api,
        (r.namespaced && !ns.is_empty()).then_some(ns),
    )
}

/// An origin object found, and where its copy goes.
#[derive(Debug)]
pub struct Resolved {
    pub origin: Value,
    pub namespace: String,
    pub name: String,
}

/// Finding one entry's objects for one primary object.
struct Resolver<'a> {
    related: &'a Related,
    index: usize,
    clients: &'a Clients<'a>,
    primaries: &'a Primaries<'a>,
}

/// The values a gjson `path` finds in `object` (one per element of an array), trimmed, each
/// rewritten by `regex`; none when the path is missing.
pub fn resolve_reference(
    object: &Value,
    reference: &RelatedResourceObjectReference,
) -> anyhow::Result<Vec<String>> {
    let json = gojson::to_string_sorted(object);
    let found = gjson::get(&json, &reference.path);
    if !found.exists() {
        return Ok(Vec::new());
    }
    let mut values: Vec<String> = if found.kind() == gjson::Kind::Array {
        found
            .array()
            .iter()
            .map(|v| v.str().trim().to_string())
            .collect()
    } else {
        vec![found.str().trim().to_string()]
    };
    if let Some(re) = &reference.regex {
        for v in &mut values {
            *v = apply_regex(v, re)?;
        }
    }
    Ok(values)
}

/// A regular expression's replacement of `value` (an empty pattern: the replacement).
pub fn apply_regex(value: &str, re: &RegularExpression) -> anyhow::Result<String> {
    if re.pattern.is_empty() {
        return Ok(re.replacement.clone());
    }
    template::regex_replace_all(&re.pattern, value, &re.replacement)
        .map_err(|e| anyhow!("invalid pattern {}: {e}", template::go_quote(&re.pattern)))
}

/// Origin and destination values paired, pairs with an empty side left out.
fn pair(origin: Vec<String>, destination: Vec<String>) -> BTreeMap<String, String> {
    origin
        .into_iter()
        .zip(destination)
        .filter(|(o, d)| !o.is_empty() && !d.is_empty())
        .collect()
}

impl Resolver<'_> {
    fn origin(&self) -> Side {
        self.related.origin
    }

    /// The primary object on `side`.
    fn primary(&self, side: Side) -> &Value {
        match side {
            Side::Kcp => self.primaries.remote,
            Side::Service => self.primaries.local,
        }
    }

    fn record(&self, fields: Vec<(&str, TemplateValue)>, type_name: &str) -> TemplateValue {
        let mut fields = fields;
        fields.push((
            "ClusterName",
            TemplateValue::str(self.primaries.cluster_name),
        ));
        fields.push((
            "ClusterPath",
            TemplateValue::str(self.primaries.workspace_path),
        ));
        TemplateValue::record(type_name, fields)
    }

    /// A template rendered once for each side: `(origin, destination)`.
    fn template_both_sides(&self, tpl: &TemplateExpression) -> anyhow::Result<(String, String)> {
        let render = |side: Side| {
            let ctx = self.record(
                vec![
                    ("Side", TemplateValue::str(side.name())),
                    ("Object", TemplateValue::from(self.primary(side))),
                ],
                "templating.relatedObjectContext",
            );
            template::render_value(&tpl.template, &ctx)
        };
        let origin = render(self.origin())
            .map_err(|e| anyhow!("failed to evaluate template on origin side: {e}"))?;
        let destination = render(self.origin().opposite())
            .map_err(|e| anyhow!("failed to evaluate template on destination side: {e}"))?;
        Ok((origin, destination))
    }

    /// The selector with the templates in its `matchLabels` rendered (keys rendering empty
    /// dropped); the configured selector itself is never changed (upstream §12.2).
    fn selector(
        &self,
        selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
    ) -> anyhow::Result<Selector> {
        let ctx = self.record(
            vec![
                ("LocalObject", TemplateValue::from(self.primaries.local)),
                ("RemoteObject", TemplateValue::from(self.primaries.remote)),
            ],
            "templating.relatedObjectLabelContext",
        );
        let render = |s: &str, what: &str| -> anyhow::Result<String> {
            if !s.contains("{{") {
                return Ok(s.to_string());
            }
            template::render_value(s, &ctx)
                .map_err(|e| anyhow!("failed to evaluate {what} as template: {e}"))
        };
        let mut rendered = selector.clone();
        let mut labels = BTreeMap::new();
        for (k, v) in selector.match_labels.iter().flatten() {
            let key = render(k, "key")?;
            if !key.is_empty() {
                labels.insert(key, render(v, "value")?);
            }
        }
        rendered.match_labels = Some(labels);
        Selector::try_from(rendered).map_err(|e| anyhow!("invalid selector configured: {e}"))
    }

    /// A found name (or namespace) rewritten into the destination's.
    fn rewrite(
        &self,
        value: &str,
        related_object: Option<&Value>,
        rewrite: &RelatedResourceSelectorRewrite,
    ) -> anyhow::Result<String> {
        if let Some(re) = &rewrite.regex {
            return apply_regex(value, re);
        }
        let Some(tpl) = &rewrite.template else {
            bail!("invalid rewrite: no mechanism configured");
        };
        let ctx = self.record(
            vec![
                ("Value", TemplateValue::str(value)),
                (
                    "RelatedObject",
                    related_object.map_or(TemplateValue::Nil, TemplateValue::from),
                ),
                ("LocalObject", TemplateValue::from(self.primaries.local)),
                ("RemoteObject", TemplateValue::from(self.primaries.remote)),
            ],
            "templating.relatedObjectLabelRewriteContext",
        );
        Ok(template::render_value(&tpl.template, &ctx)?)
    }

    /// A reference read on both sides, paired in order (`what` names the values in the error).
    fn reference_pairs(
        &self,
        reference: &RelatedResourceObjectReference,
        what: &str,
    ) -> anyhow::Result<BTreeMap<String, String>> {
        let origin = resolve_reference(self.primary(self.origin()), reference)?;
        if origin.is_empty() {
            return Ok(BTreeMap::new());
        }
        let destination = resolve_reference(self.primary(self.origin().opposite()), reference)?;
        if origin.len() != destination.len() {
            bail!(
                "cannot sync related resources: found {} {what} on the origin, but {} on the destination side",
                origin.len(),
                destination.len()
            );
        }
        Ok(pair(origin, destination))
    }

    /// A template rendered on both sides: one pair, or none when a side renders empty.
    fn template_pair(&self, tpl: &TemplateExpression) -> anyhow::Result<BTreeMap<String, String>> {
        let (o, d) = self
            .template_both_sides(tpl)
            .context("failed to apply template")?;
        if o.is_empty() || d.is_empty() {
            return Ok(BTreeMap::new());
        }
        Ok(BTreeMap::from([(o, d)]))
    }

    /// Origin namespace → destination namespace, by the `namespace` rules.
    async fn namespaces(
        &self,
        spec: &RelatedResourceObjectSpec,
    ) -> anyhow::Result<BTreeMap<String, String>> {
        if let Some(reference) = &spec.reference {
            return self.reference_pairs(reference, "namespaces");
        }
        if let Some(selector) = &spec.selector {
            let sel = self
                .selector(&selector.selector)
                .context("failed to apply templates to label selector")?;
            let list = Api::<Namespace>::all(self.clients.of(self.origin()).clone())
                .list(&ListParams::default().labels(&sel.to_string()))
                .await
                .context("failed to evaluate label selector")?;
            let mut out = BTreeMap::new();
            for ns in list.items {
                let name = ns.metadata.name.unwrap_or_default();
                let dest = self
                    .rewrite(&name, None, &selector.rewrite)
                    .context("failed to rewrite origin namespace")?;
                out.insert(name, dest);
            }
            return Ok(out);
        }
        if let Some(tpl) = &spec.template {
            return self.template_pair(tpl);
        }
        bail!("invalid sourceSpec: no mechanism configured")
    }

    /// Origin name → destination name within the origin namespace `namespace`.
    async fn names(
        &self,
        spec: &RelatedResourceObjectSpec,
        namespace: &str,
        interests: &mut Vec<Interest>,
    ) -> anyhow::Result<BTreeMap<String, String>> {
        if let Some(reference) = &spec.reference {
            return self.reference_pairs(reference, "names");
        }
        if let Some(selector) = &spec.selector {
            let sel = self
                .selector(&selector.selector)
                .context("failed to apply templates to label selector")?;
            interests.push(Interest {
                related: self.index,
                side: self.origin(),
                namespace: Some(namespace.to_string()),
                name: None,
                selector: Some(sel.clone()),
            });
            let list = self
                .clients
                .list(
                    self.origin(),
                    &self.related.origin_resource,
                    namespace,
                    &sel,
                )
                .await
                .context("failed to select origin objects based on label selector")?;
            let mut out = BTreeMap::new();
            for o in list {
                let name = name_of(&o).to_string();
                let dest = self
                    .rewrite(&name, Some(&o), &selector.rewrite)
                    .context("failed to rewrite origin name")?;
                out.insert(name, dest);
            }
            return Ok(out);
        }
        if let Some(tpl) = &spec.template {
            return self.template_pair(tpl);
        }
        bail!("invalid objectSpec: no mechanism configured")
    }

    /// The origin objects of the entry, sorted by namespace and name, each with its
    /// destination; what was looked for goes into `interests`.
    async fn resolve(&self, interests: &mut Vec<Interest>) -> anyhow::Result<Vec<Resolved>> {
        let origin_ns = namespace_of(self.primary(self.origin()));
        let dest_ns = namespace_of(self.primary(self.origin().opposite()));
        let namespaces = match &self.related.spec.object.namespace {
            Some(spec) => {
                if spec.selector.is_some() {
                    // Namespaces found by labels can appear later, with objects in them (no
                    // namespace is watched): any object of the resource brings this one back.
                    interests.push(Interest {
                        related: self.index,
                        side: self.origin(),
                        namespace: None,
                        name: None,
                        selector: None,
                    });
                }
                self.namespaces(spec)
                    .await
                    .context("failed to resolve namespace")?
            }
            None if origin_ns.is_empty() => bail!(
                "primary object is cluster-scoped and no source namespace configuration was provided"
            ),
            None if dest_ns.is_empty() => bail!(
                "primary object copy is cluster-scoped and no source namespace configuration was provided"
            ),
            None => BTreeMap::from([(origin_ns.to_string(), dest_ns.to_string())]),
        };
        let mut out = Vec::new();
        for (origin_ns, dest_ns) in namespaces {
            let names = self
                .names(&self.related.spec.object.spec, &origin_ns, interests)
                .await
                .context("failed to resolve objects")?;
            for (origin_name, dest_name) in names {
                for (side, ns, name) in [
                    (self.origin(), &origin_ns, &origin_name),
                    (self.origin().opposite(), &dest_ns, &dest_name),
                ] {
                    interests.push(Interest {
                        related: self.index,
                        side,
                        namespace: Some(ns.clone()),
                        name: Some(name.clone()),
                        selector: None,
                    });
                }
                let got = self
                    .clients
                    .get(
                        self.origin(),
                        &self.related.origin_resource,
                        &origin_ns,
                        &origin_name,
                    )
                    .await
                    .context("failed to get origin object")?;
                // Not there (yet): its creation brings the primary object back.
                let Some(origin) = got else { continue };
                out.push(Resolved {
                    origin,
                    namespace: dest_ns.clone(),
                    name: dest_name,
                });
            }
        }
        out.sort_by(|a, b| {
            let key = |r: &Resolved| {
                let ns = namespace_of(&r.origin);
                if ns.is_empty() {
                    name_of(&r.origin).to_string()
                } else {
                    format!("{ns}/{}", name_of(&r.origin))
                }
            };
            key(a).cmp(&key(b))
        });
        Ok(out)
    }
}

/// What processing the related objects of a primary object did.
#[derive(Debug)]
pub enum Processed {
    /// Nothing left to do.
    Done,
    /// It wrote (towards kcp: `up`): look again, on fresh objects.
    Wrote { up: bool },
    /// It wrote the kcp primary object (an annotation naming a related object): this is it.
    Primary(Value),
}

/// An event about an object: type, reason, message.
pub type EventFn<'a> = &'a (dyn Fn(&Value, &'static str, &'static str, &'static str) + Send + Sync);

/// The related objects of one primary object.
pub struct RelatedSync<'a> {
    /// The agent's name (its finalizer on kcp-origin objects).
    pub agent_name: &'a str,
    pub related: &'a [Related],
    pub clients: Clients<'a>,
    pub primaries: Primaries<'a>,
    /// The kcp primary object's resource.
    pub remote_resource: &'a Resource,
    /// The primary's state Secret (related objects' states are kept in it too).
    pub states: &'a StateStore,
    /// Events, written into the workspace.
    pub event: EventFn<'a>,
}

impl RelatedSync<'_> {
    /// Processes every entry in order, up to the first that wrote (§5.8). With
    /// `primary_deleting`, kcp-origin copies (and all copies of `cleanup` entries) are
    /// deleted. What was looked for goes into `interests`.
    pub async fn process(
        &self,
        primary_deleting: bool,
        interests: &mut Vec<Interest>,
    ) -> anyhow::Result<Processed> {
        for (index, related) in self.related.iter().enumerate() {
            let processed = self
                .process_entry(index, related, primary_deleting, interests)
                .await
                .with_context(|| {
                    format!(
                        "failed to process related resource {}",
                        related.spec.identifier
                    )
                })?;
            if !matches!(processed, Processed::Done) {
                return Ok(processed);
            }
        }
        Ok(Processed::Done)
    }

    async fn process_entry(
        &self,
        index: usize,
        related: &Related,
        primary_deleting: bool,
        interests: &mut Vec<Interest>,
    ) -> anyhow::Result<Processed> {
        let resolver = Resolver {
            related,
            index,
            clients: &self.clients,
            primaries: &self.primaries,
        };
        let resolved = resolver
            .resolve(interests)
            .await
            .context("failed to get resolve origin objects")?;
        let finalizer = related_finalizer(self.agent_name);
        let force_delete =
            primary_deleting && (related.spec.cleanup || related.origin == Side::Kcp);
        let mut wrote = false;
        for (idx, r) in resolved.iter().enumerate() {
            let dest_side = related.origin.opposite();
            let dest = self
                .clients
                .get(
                    dest_side,
                    &related.destination_resource,
                    &r.namespace,
                    &r.name,
                )
                .await
                .ok()
                .flatten();
            let syncer = ObjectSync {
                finalizer: &finalizer,
                related,
                clients: &self.clients,
                cluster_name: self.primaries.cluster_name,
                states: self.states,
                event: self.event,
                force_delete,
            };
            wrote |= syncer
                .sync(r, dest)
                .await
                .context("failed to sync related object")?;
            if related.origin == Side::Service
                && let Some(primary) = self.remember(related, idx, r).await?
            {
                return Ok(Processed::Primary(primary));
            }
        }
        Ok(if wrote {
            Processed::Wrote {
                up: related.origin == Side::Service,
            }
        } else {
            Processed::Done
        })
    }

    /// Names a service-origin object on the kcp primary object (for its users; the sync does
    /// not read it): the primary as written, when the annotation changed.
    async fn remember(
        &self,
        related: &Related,
        idx: usize,
        r: &Resolved,
    ) -> anyhow::Result<Option<Value>> {
        let key = format!(
            "{RELATED_OBJECT_ANNOTATION_PREFIX}{}.{idx}",
            related.spec.identifier
        );
        // Go's encoding of {namespace (omitted when empty), name, apiVersion, kind}.
        let mut value = String::from("{");
        if !r.namespace.is_empty() {
            value.push_str(&format!("\"namespace\":{},", gojson::string(&r.namespace)));
        }
        value.push_str(&format!(
            "\"name\":{},\"apiVersion\":{},\"kind\":{}}}",
            gojson::string(&r.name),
            gojson::string(r.origin["apiVersion"].as_str().unwrap_or_default()),
            gojson::string(r.origin["kind"].as_str().unwrap_or_default()),
        ));
        let remote = self.primaries.remote;
        if remote["metadata"]["annotations"][&key].as_str() == Some(value.as_str()) {
            return Ok(None);
        }
        let patch = json!({"metadata": {"annotations": {key: value}}});
        let written = api(self.clients.kcp, self.remote_resource, namespace_of(remote))
            .merge_patch(name_of(remote), &patch)
            .await
            .context("failed to update related data in remote object")?;
        Ok(Some(written))
    }
}

/// The finalizer an agent puts on kcp-origin related objects: its own
/// (`<agent-name>.syncagent.kcp.io/cleanup`), so that agents sharing an object never take or
/// put back each other's (upstream #172); the Go agent's shared one without a name.
pub fn related_finalizer(agent_name: &str) -> String {
    if agent_name.is_empty() {
        FINALIZER.to_string()
    } else {
        format!("{agent_name}{AGENT_CLEANUP_FINALIZER_SUFFIX}")
    }
}

/// The Go agent's object syncer with the settings of related objects (§5.6, §5.8): no agent
/// label, no key labels, events on the kcp side's object, `status` forwarded with
/// `syncStatus`.
struct ObjectSync<'a> {
    /// The agent's own finalizer for kcp-origin objects.
    finalizer: &'a str,
    related: &'a Related,
    clients: &'a Clients<'a>,
    cluster_name: &'a str,
    states: &'a StateStore,
    event: EventFn<'a>,
    force_delete: bool,
}

impl ObjectSync<'_> {
    fn subresources(&self) -> &'static [&'static str] {
        if self.related.spec.sync_status {
            &["status"]
        } else {
            &[]
        }
    }

    fn origin_api(&self, obj: &Value) -> ObjectApi {
        api(
            self.clients.of(self.related.origin),
            &self.related.origin_resource,
            namespace_of(obj),
        )
    }

    fn dest_api(&self, ns: &str) -> ObjectApi {
        api(
            self.clients.of(self.related.origin.opposite()),
            &self.related.destination_resource,
            ns,
        )
    }

    /// Records a write of the copy `dest` (the answer; `None`: gone).
    fn dest_written(&self, dest: &Value, answer: Option<&Value>) {
        self.clients.written(
            self.related.origin.opposite(),
            &self.related.destination_resource,
            namespace_of(dest),
            name_of(dest),
            answer,
        );
    }

    /// Events go on the object on the kcp side: the origin object, or the copy.
    fn event(
        &self,
        source: &Value,
        dest: &Value,
        type_: &'static str,
        reason: &'static str,
        message: &'static str,
    ) {
        let obj = match self.related.origin {
            Side::Kcp => source,
            Side::Service => dest,
        };
        (self.event)(obj, type_, reason, message);
    }

    /// One step for the object `r` and its copy `dest`; whether it wrote.
    async fn sync(&self, r: &Resolved, dest: Option<Value>) -> anyhow::Result<bool> {
        let source = &r.origin;
        let block_source_deletion = self.force_delete || self.related.origin == Side::Kcp;
        let source_cluster = match self.related.origin {
            Side::Kcp => self.cluster_name,
            Side::Service => "",
        };
        let key = ObjectKey::of(source_cluster, source);

        // A. Deletion: the copy first, then the origin's finalizer.
        if deleting(source) || self.force_delete {
            if !block_source_deletion {
                return Ok(false);
            }
            if let Some(dest) = dest {
                if !deleting(&dest) {
                    let answer = self
                        .dest_api(namespace_of(&dest))
                        .delete(name_of(&dest), &DeleteParams::default())
                        .await
                        .context("failed to delete destination object")?;
                    self.dest_written(&dest, answer.as_ref());
                    self.event(
                        source,
                        &dest,
                        "Normal",
                        "ObjectCleanup",
                        "Object deletion has been started and will progress in the background.",
                    );
                }
                return Ok(true);
            }
            if self.set_finalizer(source, false).await? {
                self.event(
                    source,
                    source,
                    "Normal",
                    "ObjectDeleted",
                    "Object deletion has been completed, finalizer has been removed.",
                );
                return Ok(true);
            }
            return Ok(false);
        }

        // B. The finalizer on a kcp-origin object.
        if block_source_deletion && !meta::finalizers(source).iter().any(|f| f == self.finalizer) {
            self.set_finalizer(source, true)
                .await
                .context("failed to add cleanup finalizer to source object")?;
            self.event(
                source,
                source,
                "Normal",
                "ObjectAccepted",
                "Object has been seen by the service provider.",
            );
            return Ok(true);
        }

        // C. Mutations: the desired state (the source from here on); the copy's status rules
        // only feed the status comparison.
        let mutated;
        let mut status_of_dest = dest.as_ref().and_then(|d| d.get("status").cloned());
        let source = match &self.related.mutator {
            None => source,
            Some(m) => {
                let would_be;
                let other = match &dest {
                    Some(d) => d,
                    None => {
                        would_be = self.would_be(&r.origin, r);
                        &would_be
                    }
                };
                mutated = m
                    .mutate_spec(source, Some(other))
                    .context("failed to apply mutations")?;
                if let Some(d) = &dest {
                    status_of_dest = m
                        .mutate_status(d, Some(&mutated))
                        .context("failed to apply mutations")?
                        .get("status")
                        .cloned();
                }
                &mutated
            }
        };
        let subresources = self.subresources();
        let current = state::snapshot(source, subresources);

        // D. The copy.
        let Some(dest) = dest else {
            let placed = self
                .create(source, r, &key)
                .await
                .context("failed to create destination object")?;
            self.dest_written(&placed, Some(&placed));
            self.event(
                source,
                &placed,
                "Normal",
                "ObjectPlaced",
                "Object has been placed.",
            );
            self.states
                .put(&key, &current)
                .await
                .context("failed to update sync state")?;
            return Ok(true);
        };

        // E. An administrator deletes the copy: nothing is changed meanwhile.
        if deleting(&dest) {
            return Ok(false);
        }

        // F. The spec, three ways.
        let api = self.dest_api(namespace_of(&dest));
        let mut dest = dest;
        let mut wrote = false;
        match self
            .states
            .get(&key)
            .await
            .context("failed to get sync state")?
        {
            Some(last) => {
                let patch = spec_patch(last, current.clone(), subresources);
                if patch != json!({}) {
                    dest = api
                        .merge_patch(name_of(&dest), &patch)
                        .await
                        .context("failed to patch destination object")?;
                    self.dest_written(&dest, Some(&dest));
                    wrote = true;
                }
            }
            None => {
                tracing::warn!(
                    object = %key,
                    "Updating destination object because last-known-state is missing/invalid"
                );
                let mut updated = dest.clone();
                overwrite_with(&mut updated, &current, subresources);
                dest = api
                    .replace(name_of(&dest), &updated)
                    .await
                    .context("failed to update destination object")?;
                self.dest_written(&dest, Some(&dest));
                wrote = true;
            }
        }
        if wrote {
            self.event(
                source,
                &dest,
                "Normal",
                "ObjectSynced",
                "The current desired state of the object has been synchronized.",
            );
            self.states
                .put(&key, &current)
                .await
                .context("failed to update sync state")?;
        }

        // G. The status forward.
        if self.related.spec.sync_status && source.get("status") != status_of_dest.as_ref() {
            let mut updated = dest.clone();
            match source.get("status") {
                Some(s) => updated["status"] = s.clone(),
                None => {
                    if let Some(o) = updated.as_object_mut() {
                        o.remove("status");
                    }
                }
            }
            match api.replace_status(name_of(&dest), &updated).await {
                Ok(written) => {
                    self.dest_written(&dest, Some(&written));
                    wrote = true;
                }
                Err(kube::Error::Api(e)) if e.code == 404 => self.event(
                    source,
                    &dest,
                    "Warning",
                    "StatusSubresourceMissing",
                    "Cannot sync status: the destination resource does not have a status subresource. Set syncStatus: false or add subresources.status to the CRD.",
                ),
                Err(e) => {
                    return Err(e).context("failed to update destination object status");
                }
            }
        }
        Ok(wrote)
    }

    /// Adds the agent's own finalizer to the origin object, or removes it and the Go agent's
    /// shared one (sorted list, as the Go agent writes it); whether it changed anything.
    async fn set_finalizer(&self, obj: &Value, present: bool) -> anyhow::Result<bool> {
        let mut finalizers = meta::finalizers(obj);
        let ours = |f: &String| f == self.finalizer || (!present && f == FINALIZER);
        if finalizers.iter().any(ours) == present {
            return Ok(false);
        }
        finalizers.retain(|f| !ours(f));
        if present {
            finalizers.push(self.finalizer.to_string());
        }
        finalizers.sort();
        let patch = json!({"metadata": {"finalizers": finalizers}});
        let written = self
            .origin_api(obj)
            .merge_patch(name_of(obj), &patch)
            .await?;
        self.clients.written(
            self.related.origin,
            &self.related.origin_resource,
            namespace_of(obj),
            name_of(obj),
            Some(&written),
        );
        Ok(true)
    }

    /// Makes the copy (or adopts an object of its name, which then gets the key labels, as
    /// the Go agent does); the copy as written.
    /// The copy `source` (the origin object, mutated) would have: the destination's type,
    /// namespace and name, metadata not stripped yet.
    fn would_be(&self, source: &Value, r: &Resolved) -> Value {
        let resource = &self.related.destination_resource;
        let mut copy = source.clone();
        copy["apiVersion"] = json!(resource.api.api_version);
        copy["kind"] = json!(resource.api.kind);
        copy["metadata"]["name"] = json!(r.name);
        match copy["metadata"].as_object_mut() {
            Some(m) if !resource.namespaced => {
                m.remove("namespace");
            }
            _ => copy["metadata"]["namespace"] = json!(r.namespace),
        }
        copy
    }

    async fn create(&self, source: &Value, r: &Resolved, key: &ObjectKey) -> anyhow::Result<Value> {
        let mut copy = self.would_be(source, r);
        let ns = namespace_of(&copy).to_string();
        if !ns.is_empty() {
            // In kcp: in the primary's workspace, through the `namespaces` claim.
            ensure_namespace(self.clients.of(self.related.origin.opposite()), &ns)
                .await
                .context("failed to ensure destination namespace")?;
        }
        meta::strip_metadata(&mut copy);
        let api = self.dest_api(&ns);
        match api.create(&copy).await {
            Ok(created) => Ok(created),
            Err(kube::Error::Api(e)) if e.code == 409 => {
                let mut existing = api.get(&r.name).await?;
                if deleting(&existing) {
                    // Made again once it is gone.
                    return Ok(existing);
                }
                meta::set_all(&mut existing, "labels", &key.labels());
                meta::set_all(&mut existing, "annotations", &key.annotations());
                api.replace(&r.name, &existing)
                    .await
                    .context("failed to adopt destination object")
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests;
