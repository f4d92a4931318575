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

/// A parsed object key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectKey {
    pub raw: String,
    /// The group as it appears in the key (`core` for the legacy group).
    pub group: String,
    pub resource: String,
    pub space: KeySpace,
    pub cluster: String,
    pub namespace: Option<String>,
    pub name: String,
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
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.len() < 4 {
            return None;
        }
        let (group, resource) = (parts[0], parts[1]);
        let (space, tail) = match parts[2] {
            "customresources" => (KeySpace::CustomResource, &parts[3..]),
            s if is_identity(s) => (KeySpace::Bound(s.to_string()), &parts[3..]),
            _ => (KeySpace::BuiltIn, &parts[2..]),
        };
        let (cluster, namespace, name) = match tail {
            [c, n] => (*c, None, *n),
            [c, ns, n] => (*c, Some(ns.to_string()), *n),
            _ => return None,
        };
        if cluster.is_empty() || name.is_empty() {
            return None;
        }
        Some(Self {
            raw: raw.to_string(),
            group: group.to_string(),
            resource: resource.to_string(),
            space,
            cluster: cluster.to_string(),
            namespace,
            name: name.to_string(),
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
            (p.cluster.as_str(), p.namespace.as_deref(), p.name.as_str()),
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
            ObjectKey::parse(&k).unwrap().space,
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
        assert_eq!(p.space, KeySpace::Bound(id));
        assert_eq!(p.cluster, "root");
        assert_eq!(p.name, "compute");
    }
}
