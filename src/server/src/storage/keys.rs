//! Storage keys, in kcp's three shapes (`reference/kcp.md` §6.1). The resource comes before the
//! logical cluster, so one prefix covers a resource across all clusters:
//!
//! ```text
//! /registry/<group or core>/<resource>/<cluster>/[<namespace>/]<name>                  built-in
//! /registry/<group>/<resource>/customresources/<cluster>/[<namespace>/]<name>          local CRD
//! /registry/<group>/<resource>/<export identity hash>/<cluster>/[<namespace>/]<name>   bound
//! ```

/// Where a resource's objects live: which of the three shapes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeySpace {
    BuiltIn,
    CustomResource,
    /// Bound through an APIBinding: the APIExport's identity hash.
    Bound(String),
}

/// A parsed object key: the key itself and where its segments are in it (one allocation per
/// cached object rather than one per segment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectKey {
    /// The key, shared with the watch cache's index and the garbage collector's graph.
    pub raw: std::sync::Arc<str>,
    group: Span,
    resource: Span,
    /// The identity hash's segment, or the `customresources` one; empty for a built-in.
    space: Span,
    cluster: Span,
    /// Empty for a cluster-scoped object.
    namespace: Span,
    name: Span,
}

/// A byte range of [`ObjectKey::raw`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Span(u32, u32);

impl ObjectKey {
    fn at(&self, s: Span) -> &str {
        &self.raw[s.0 as usize..s.1 as usize]
    }

    /// The group as it appears in the key (`core` for the legacy group).
    pub fn group(&self) -> &str {
        self.at(self.group)
    }

    pub fn resource(&self) -> &str {
        self.at(self.resource)
    }

    pub fn space(&self) -> KeySpace {
        match self.at(self.space) {
            "" => KeySpace::BuiltIn,
            "customresources" => KeySpace::CustomResource,
            identity => KeySpace::Bound(identity.to_string()),
        }
    }

    pub fn cluster(&self) -> &str {
        self.at(self.cluster)
    }

    pub fn namespace(&self) -> Option<&str> {
        Some(self.at(self.namespace)).filter(|n| !n.is_empty())
    }

    pub fn name(&self) -> &str {
        self.at(self.name)
    }
}

pub const ROOT: &str = "/registry/";

/// The group segment of a key: `core` for the legacy group.
fn group_segment(group: &str) -> &str {
    if group.is_empty() { "core" } else { group }
}

fn space_segment(space: &KeySpace) -> Option<&str> {
    match space {
        KeySpace::BuiltIn => None,
        KeySpace::CustomResource => Some("customresources"),
        KeySpace::Bound(identity) => Some(identity),
    }
}

/// The prefix of a resource across all clusters: `/registry/core/configmaps/`.
pub fn resource_prefix(group: &str, resource: &str, space: &KeySpace) -> String {
    let mut k = format!("{ROOT}{}/{resource}/", group_segment(group));
    if let Some(s) = space_segment(space) {
        k.push_str(s);
        k.push('/');
    }
    k
}

/// The prefix of a resource in one cluster, optionally one namespace.
pub fn cluster_prefix(
    group: &str,
    resource: &str,
    space: &KeySpace,
    cluster: &str,
    namespace: Option<&str>,
) -> String {
    let mut k = resource_prefix(group, resource, space);
    k.push_str(cluster);
    k.push('/');
    if let Some(ns) = namespace {
        k.push_str(ns);
        k.push('/');
    }
    k
}

/// The key of one object.
pub fn object_key(
    group: &str,
    resource: &str,
    space: &KeySpace,
    cluster: &str,
    namespace: Option<&str>,
    name: &str,
) -> String {
    let mut k = cluster_prefix(group, resource, space, cluster, namespace);
    k.push_str(name);
    k
}

/// Whether a key segment is an APIExport identity hash (hex SHA-256) rather than a cluster name.
fn is_identity(segment: &str) -> bool {
    segment.len() == 64 && segment.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ObjectKey {
    pub fn parse(raw: &str) -> Option<Self> {
        let rest = raw.strip_prefix(ROOT)?;
        // The segments after the root, with their byte ranges in `raw`.
        let mut spans = Vec::with_capacity(6);
        let mut start = ROOT.len();
        for part in rest.split('/') {
            let end = start + part.len();
            spans.push((
                part,
                Span(u32::try_from(start).ok()?, u32::try_from(end).ok()?),
            ));
            start = end + 1;
        }
        if spans.len() < 4 {
            return None;
        }
        let (group, resource) = (spans[0].1, spans[1].1);
        let (space, tail) = match spans[2].0 {
            s if s == "customresources" || is_identity(s) => (spans[2].1, &spans[3..]),
            _ => (Span::default(), &spans[2..]),
        };
        let (cluster, namespace, name) = match tail {
            [c, n] => (*c, None, *n),
            [c, ns, n] => (*c, Some(ns.1), *n),
            _ => return None,
        };
        if cluster.0.is_empty() || name.0.is_empty() || namespace.is_some_and(|n| n.0 == n.1) {
            return None;
        }
        Some(Self {
            raw: raw.into(),
            group,
            resource,
            space,
            cluster: cluster.1,
            namespace: namespace.unwrap_or_default(),
            name: name.1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_the_three_shapes() {
        let k = object_key(
            "",
            "configmaps",
            &KeySpace::BuiltIn,
            "root",
            Some("default"),
            "x",
        );
        assert_eq!(k, "/registry/core/configmaps/root/default/x");
        let p = ObjectKey::parse(&k).unwrap();
        assert_eq!(
            (p.cluster(), p.namespace(), p.name()),
            ("root", Some("default"), "x")
        );

        let k = object_key(
            "apis.kcp.io",
            "apibindings",
            &KeySpace::CustomResource,
            "2cynbfy2m0wtjqcs",
            None,
            "b",
        );
        assert_eq!(
            k,
            "/registry/apis.kcp.io/apibindings/customresources/2cynbfy2m0wtjqcs/b"
        );
        assert_eq!(
            ObjectKey::parse(&k).unwrap().space(),
            KeySpace::CustomResource
        );

        let id = "a".repeat(64);
        let k = object_key(
            "tenancy.kcp.io",
            "workspaces",
            &KeySpace::Bound(id.clone()),
            "root",
            None,
            "compute",
        );
        let p = ObjectKey::parse(&k).unwrap();
        assert_eq!(p.space(), KeySpace::Bound(id));
        assert_eq!(p.cluster(), "root");
        assert_eq!(p.name(), "compute");
    }
}
