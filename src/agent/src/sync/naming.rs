//! The name and namespace of an object's copy in the service cluster
//! (`reference/api-syncagent.md` §2.5, §13 item 2).
//!
//! Each of `naming.namespace` and `naming.name` is a pattern; an empty or absent one takes the
//! default. A pattern containing `{{` is a Go template (see [`crate::template`]) rendered with
//! the context `{ Object, ClusterName, ClusterPath }` and trimmed; any other pattern is a
//! legacy one whose `$…` placeholders are replaced.

use serde::{Deserialize, Serialize};

use crate::template::{self, Value};

/// `spec.naming` of a PublishedResource: the patterns for the local copy's namespace and name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Naming {
    /// Pattern of the local namespace (ignored for cluster-scoped local resources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Pattern of the local name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The namespace pattern used when none is configured.
pub const DEFAULT_NAMESPACE_PATTERN: &str = "{{ .ClusterName }}";

/// The name pattern used when none is configured.
pub const DEFAULT_NAME_PATTERN: &str =
    "{{ .Object.metadata.namespace | sha3short }}-{{ .Object.metadata.name | sha3short }}";

/// The name pattern used when none is configured, for a kcp object without a namespace.
pub const DEFAULT_CLUSTER_SCOPED_NAME_PATTERN: &str = "{{ .Object.metadata.name | sha3short }}";

/// Legacy placeholder: the kcp logical cluster name (deprecated).
pub const PLACEHOLDER_REMOTE_CLUSTER_NAME: &str = "$remoteClusterName";
/// Legacy placeholder: the first 20 hex characters of SHA-1 of the kcp namespace (deprecated).
pub const PLACEHOLDER_REMOTE_NAMESPACE_HASH: &str = "$remoteNamespaceHash";
/// Legacy placeholder: the kcp namespace (empty for cluster-scoped objects; deprecated).
pub const PLACEHOLDER_REMOTE_NAMESPACE: &str = "$remoteNamespace";
/// Legacy placeholder: the first 20 hex characters of SHA-1 of the kcp name (deprecated).
pub const PLACEHOLDER_REMOTE_NAME_HASH: &str = "$remoteNameHash";
/// Legacy placeholder: the kcp name (deprecated).
pub const PLACEHOLDER_REMOTE_NAME: &str = "$remoteName";

/// The Go type name of the template context, as template errors name it.
const CONTEXT_TYPE: &str = "templating.localObjectNamingContext";

/// Why no local name could be made; worded as the Go agent words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamingError {
    /// The namespace pattern failed.
    #[error("invalid namespace naming: {0}")]
    Namespace(template::Error),
    /// The name pattern failed.
    #[error("invalid name naming: {0}")]
    Name(template::Error),
}

/// The template context of a naming pattern: a Go struct with `Object` (the whole kcp
/// object), `ClusterName` and `ClusterPath` (empty unless workspace paths are enabled).
pub fn naming_context(
    remote: &serde_json::Value,
    cluster_name: &str,
    workspace_path: &str,
) -> Value {
    Value::record(
        CONTEXT_TYPE,
        vec![
            ("Object", Value::from(remote)),
            ("ClusterName", Value::str(cluster_name)),
            ("ClusterPath", Value::str(workspace_path)),
        ],
    )
}

/// Returns `(namespace, name)` of the local copy of `remote`, a kcp object in the logical
/// cluster `cluster_name` (at `workspace_path`, or "" when paths are not resolved).
///
/// Whether the namespace is used is the caller's business: it is discarded when the local
/// resource is cluster-scoped.
///
/// **Cluster-scoped kcp objects** (§2.5 [QUIRK], §12 item 3): the Go agent's default name
/// pattern pipes `.Object.metadata.namespace` into `sha3short`, which fails for an object
/// without a namespace (`invalid value; expected string`), so such PublishedResources need an
/// explicit `naming.name` there. Here the default for an object without a namespace is
/// `sha3short(name)` instead (`docs/differences.md`); namespaced objects get the Go agent's
/// names, and explicit patterns behave as in Go (also the missing-value error).
pub fn generate_local_object_name(
    naming: Option<&Naming>,
    remote: &serde_json::Value,
    cluster_name: &str,
    workspace_path: &str,
) -> Result<(String, String), NamingError> {
    let pattern = |p: Option<&String>, default: &'static str| -> String {
        match p {
            Some(p) if !p.is_empty() => p.clone(),
            _ => default.to_string(),
        }
    };
    let ns_pattern = pattern(
        naming.and_then(|n| n.namespace.as_ref()),
        DEFAULT_NAMESPACE_PATTERN,
    );
    let namespaced = remote["metadata"]["namespace"]
        .as_str()
        .is_some_and(|n| !n.is_empty());
    let default_name = if namespaced {
        DEFAULT_NAME_PATTERN
    } else {
        DEFAULT_CLUSTER_SCOPED_NAME_PATTERN
    };
    let name_pattern = pattern(naming.and_then(|n| n.name.as_ref()), default_name);

    let namespace = identifier(&ns_pattern, remote, cluster_name, workspace_path)
        .map_err(NamingError::Namespace)?;
    let name = identifier(&name_pattern, remote, cluster_name, workspace_path)
        .map_err(NamingError::Name)?;
    Ok((namespace, name))
}

fn identifier(
    pattern: &str,
    remote: &serde_json::Value,
    cluster_name: &str,
    workspace_path: &str,
) -> Result<String, template::Error> {
    if let Some(name) = default_identifier(pattern, remote, cluster_name) {
        return Ok(name);
    }
    if pattern.contains("{{") {
        return template::render_value(
            pattern,
            &naming_context(remote, cluster_name, workspace_path),
        );
    }
    Ok(replace_legacy(pattern, remote, cluster_name))
}

/// The default patterns' result computed directly: what rendering them gives, without
/// converting the whole object for the template (most of an initial sync's naming cost).
/// `None` for any other pattern, or where the template would fail (a name or namespace that
/// is not a string), which the template then reports.
fn default_identifier(
    pattern: &str,
    remote: &serde_json::Value,
    cluster_name: &str,
) -> Option<String> {
    let field = |f: &str| remote.get("metadata")?.get(f)?.as_str();
    let short = |s: &str| template::sha3short(s, &[]).ok();
    match pattern {
        DEFAULT_NAMESPACE_PATTERN => Some(cluster_name.to_string()),
        DEFAULT_NAME_PATTERN => Some(format!(
            "{}-{}",
            short(field("namespace")?)?,
            short(field("name")?)?
        )),
        DEFAULT_CLUSTER_SCOPED_NAME_PATTERN => short(field("name")?),
        _ => None,
    }
}

fn metadata_str<'a>(obj: &'a serde_json::Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(|v| v.as_str())
        .unwrap_or("")
}

/// The legacy `$…` placeholders, replaced in one left-to-right pass; at each position the
/// first placeholder of the list that matches wins (Go's `strings.NewReplacer`), so
/// `$remoteNamespaceHash` is not read as `$remoteNamespace` + `Hash`. The workspace path has
/// no placeholder.
fn replace_legacy(pattern: &str, remote: &serde_json::Value, cluster_name: &str) -> String {
    let namespace = metadata_str(remote, "namespace");
    let name = metadata_str(remote, "name");
    let short = |s: &str| template::sha1_hex(s.as_bytes())[..20].to_string();
    let pairs: [(&str, String); 5] = [
        (PLACEHOLDER_REMOTE_CLUSTER_NAME, cluster_name.to_string()),
        (PLACEHOLDER_REMOTE_NAMESPACE_HASH, short(namespace)),
        (PLACEHOLDER_REMOTE_NAMESPACE, namespace.to_string()),
        (PLACEHOLDER_REMOTE_NAME_HASH, short(name)),
        (PLACEHOLDER_REMOTE_NAME, name.to_string()),
    ];
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    'outer: while let Some(c) = rest.chars().next() {
        for (old, new) in &pairs {
            if let Some(after) = rest.strip_prefix(old) {
                out.push_str(new);
                rest = after;
                continue 'outer;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(name: &str, namespace: &str) -> serde_json::Value {
        let mut metadata = serde_json::Map::new();
        metadata.insert("name".into(), json!(name));
        if !namespace.is_empty() {
            metadata.insert("namespace".into(), json!(namespace));
        }
        json!({ "metadata": metadata })
    }

    fn naming(namespace: &str, name: &str) -> Naming {
        Naming {
            namespace: Some(namespace.to_string()),
            name: Some(name.to_string()),
        }
    }

    /// The default patterns computed directly give what rendering them gives, and leave the
    /// template's error to the template.
    #[test]
    fn default_patterns_match_their_templates() {
        let objects = [
            object("my-object", "objnamespace"),
            object("x", ""),
            object("ünïcode.name", "a"),
            json!({"metadata": {"name": 5, "namespace": "a"}}),
            json!({"metadata": {"namespace": "a"}}),
        ];
        for pattern in [
            DEFAULT_NAMESPACE_PATTERN,
            DEFAULT_NAME_PATTERN,
            DEFAULT_CLUSTER_SCOPED_NAME_PATTERN,
        ] {
            for obj in &objects {
                let rendered =
                    template::render_value(pattern, &naming_context(obj, "testcluster", "root:a"));
                match default_identifier(pattern, obj, "testcluster") {
                    Some(direct) => assert_eq!(Ok(&direct), rendered.as_ref(), "{pattern} {obj}"),
                    None => assert!(rendered.is_err(), "{pattern} {obj}: {rendered:?}"),
                }
            }
        }
    }

    /// Upstream `TestGenerateLocalObjectName`, with the vectors of §2.5.
    #[test]
    fn test_generate_local_object_name() {
        let default_name = "2928c2aa0e510f017f07-73d08a1ba188f1340dae";
        type Case<'a> = (&'a str, &'a str, Option<Naming>, (&'a str, &'a str));
        let cases: Vec<Case> = vec![
            (
                "follow default naming rules",
                "",
                None,
                ("testcluster", default_name),
            ),
            (
                "custom static namespace pattern",
                "",
                Some(naming("foobar", "")),
                ("foobar", default_name),
            ),
            (
                "custom dynamic namespace pattern",
                "",
                Some(naming("foobar-$remoteClusterName", "")),
                ("foobar-testcluster", default_name),
            ),
            (
                "plain, unhashed values should be available in patterns",
                "",
                Some(naming("$remoteNamespace", "")),
                ("objnamespace", default_name),
            ),
            (
                "configured but empty patterns",
                "",
                Some(naming("", "")),
                ("testcluster", default_name),
            ),
            (
                "custom dynamic name pattern",
                "",
                Some(Naming {
                    namespace: None,
                    name: Some("foobar-$remoteName".into()),
                }),
                ("testcluster", "foobar-objname"),
            ),
            (
                "Go templates",
                "root:test:team",
                Some(Naming {
                    namespace: None,
                    name: Some("{{ .ClusterPath }}-{{ .Object.metadata.name }}".into()),
                }),
                ("testcluster", "root:test:team-objname"),
            ),
        ];
        let remote = object("objname", "objnamespace");
        for (name, path, naming, want) in cases {
            let got = generate_local_object_name(naming.as_ref(), &remote, "testcluster", path)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got, (want.0.to_string(), want.1.to_string()), "{name}");
        }
    }

    /// Upstream `TestRender`: templates over the naming context of a crontab.
    #[test]
    fn test_render() {
        let crontab = json!({
            "apiVersion": "kcp.example.com/v1",
            "kind": "CronTab",
            "metadata": {"creationTimestamp": null, "name": "my-crontab", "namespace": "default"},
            "spec": {"image": "ubuntu:latest"},
        });
        let ctx = naming_context(&crontab, "12386rtr4u", "root:yadda:yadda");
        let cases = [
            (
                "simple object access",
                "{{ .Object.spec.image }}",
                "ubuntu:latest",
            ),
            (
                "default empty fields",
                r#"{{ .Object.spec.spec | default "test" }}"#,
                "test",
            ),
            (
                "default non-existing field",
                r#"{{ .Object.does.not.exist | default "test" }}"#,
                "test",
            ),
            ("cluster path", "{{ .ClusterPath }}", "root:yadda:yadda"),
            (
                "context printed as a Go struct",
                "{{ .ClusterName }} {{ printf \"%T\" . }}",
                "12386rtr4u templating.localObjectNamingContext",
            ),
        ];
        for (name, tpl, want) in cases {
            let got = template::render_value(tpl, &ctx).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn hash_vectors() {
        assert_eq!(
            template::sha3short("objnamespace", &[]).unwrap(),
            "2928c2aa0e510f017f07"
        );
        assert_eq!(
            template::sha3short("objname", &[]).unwrap(),
            "73d08a1ba188f1340dae"
        );
        assert_eq!(
            template::sha3short("default", &[]).unwrap(),
            "2747cabbb481a433679f"
        );
        assert_eq!(
            template::sha3short("my-crontab", &[]).unwrap(),
            "f9777ac9df6791c362ee"
        );
        let remote = object("my-crontab", "default");
        let got = generate_local_object_name(None, &remote, "12386rtr4u", "").unwrap();
        assert_eq!(
            got,
            (
                "12386rtr4u".into(),
                "2747cabbb481a433679f-f9777ac9df6791c362ee".into()
            )
        );
    }

    #[test]
    fn legacy_placeholders_take_the_first_listed_match() {
        let remote = object("objname", "objnamespace");
        let sha1_20 = |s: &str| template::sha1_hex(s.as_bytes())[..20].to_string();
        let cases = [
            ("$remoteNamespaceHash", sha1_20("objnamespace")),
            ("$remoteNameHash-x", format!("{}-x", sha1_20("objname"))),
            (
                "$remoteNamespace$remoteName",
                "objnamespaceobjname".to_string(),
            ),
            (
                "a-$remoteClusterName-$remoteNamespace-$remoteName",
                "a-testcluster-objnamespace-objname".to_string(),
            ),
            // Not a placeholder: left alone.
            ("$remote-$other", "$remote-$other".to_string()),
        ];
        for (pattern, want) in cases {
            let n = Naming {
                namespace: None,
                name: Some(pattern.into()),
            };
            let (_, got) =
                generate_local_object_name(Some(&n), &remote, "testcluster", "root:x").unwrap();
            assert_eq!(got, want, "{pattern}");
        }
        // SHA-1/20 of the empty namespace of a cluster-scoped object.
        let n = Naming {
            namespace: Some("$remoteNamespaceHash".into()),
            name: Some("$remoteName".into()),
        };
        let got = generate_local_object_name(Some(&n), &object("objname", ""), "c", "").unwrap();
        assert_eq!(got, (sha1_20(""), "objname".to_string()));
        assert_eq!(sha1_20(""), "da39a3ee5e6b4b0d3255");
    }

    #[test]
    fn templates_see_cluster_name_and_trim_their_output() {
        let remote = object("objname", "objnamespace");
        let n = naming(
            "  {{ .ClusterName }}-{{ .Object.metadata.namespace }}\n",
            "foo-{{ .ClusterName | len }}",
        );
        let got = generate_local_object_name(Some(&n), &remote, "1084s8ceexsehjm2", "").unwrap();
        assert_eq!(
            got,
            ("1084s8ceexsehjm2-objnamespace".into(), "foo-16".into())
        );
    }

    /// The cluster-scoped quirk, fixed: see [`generate_local_object_name`].
    #[test]
    fn default_name_of_objects_without_namespace() {
        let remote = object("objname", "");
        let got = generate_local_object_name(None, &remote, "testcluster", "").unwrap();
        assert_eq!(got, ("testcluster".into(), "73d08a1ba188f1340dae".into()));
        // The Go pattern, given explicitly, still fails as in Go.
        let n = Naming {
            namespace: None,
            name: Some(DEFAULT_NAME_PATTERN.into()),
        };
        let err = generate_local_object_name(Some(&n), &remote, "testcluster", "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid name naming: failed to evaluate: template: inline:1:32: executing \"inline\" at \
             <sha3short>: invalid value; expected string"
        );
        // Printing the missing namespace shows Go's "<no value>".
        let n = Naming {
            namespace: None,
            name: Some("{{ .Object.metadata.namespace }}".into()),
        };
        let got = generate_local_object_name(Some(&n), &remote, "testcluster", "").unwrap();
        assert_eq!(got.1, "<no value>");
    }

    #[test]
    fn errors_carry_the_field_prefix() {
        let remote = object("objname", "objnamespace");
        let n = naming("{{ .Nope }}", "");
        let err = generate_local_object_name(Some(&n), &remote, "c", "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid namespace naming: failed to evaluate: template: inline:1:3: executing \"inline\" at \
             <.Nope>: can't evaluate field Nope in type templating.localObjectNamingContext"
        );
        let n = naming("", "{{ .ClusterName ");
        let err = generate_local_object_name(Some(&n), &remote, "c", "").unwrap_err();
        assert!(
            matches!(err, NamingError::Name(template::Error::Parse(_))),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "invalid name naming: failed to parse: template: inline:1: unclosed action"
        );
    }

    #[test]
    fn naming_deserializes_camel_case() {
        let n: Naming = serde_json::from_value(json!({"namespace": "a", "name": "b"})).unwrap();
        assert_eq!(n, naming("a", "b"));
        let n: Naming = serde_json::from_value(json!({})).unwrap();
        assert_eq!(n, Naming::default());
    }
}
