//! Logical-cluster routing: `/clusters/<name|path|*>/…` selects a logical cluster and strips the
//! prefix; a path without the prefix is kcp's `base` URL (no cluster). A path like
//! `root:team-a` resolves to its logical cluster's name through the Workspace objects, one
//! watch-cache read per segment (`reference/kcp.md` §2.2); a cluster whose LogicalCluster does
//! not exist is answered like an unknown workspace.

use crate::catalog::Catalogs;
use crate::errors::{ApiError, ApiResult, GroupResource};
use crate::storage::Storage;
use crate::tenancy;

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// No `/clusters/` prefix.
    Base { path: String },
    /// A logical cluster (a name, or `*` for a wildcard list/watch) and the rest of the path.
    Cluster { cluster: String, path: String },
    /// The APIExport virtual workspace of the export `export` in logical cluster
    /// `export_cluster`: `/services/apiexport/<export cluster>/<export>[/clusters/<cluster>]…`
    /// (`cluster` is a logical cluster name or `*`; `None` for paths above `/clusters/`).
    ApiExport {
        export_cluster: String,
        export: String,
        cluster: Option<String>,
        path: String,
    },
}

/// The path prefix of the APIExport virtual workspace (`reference/kcp.md` §2.4).
pub const APIEXPORT_VIRTUAL_WORKSPACE: &str = "/services/apiexport/";

/// The one logical cluster of `--profile kube`, served at the root URL.
pub const KUBE_CLUSTER: &str = "root";

/// Routes a path for the server's profile.
pub fn route_for(profile: crate::options::Profile, path: &str) -> ApiResult<Target> {
    match profile {
        crate::options::Profile::Kcp => route(path),
        crate::options::Profile::Kube if path.starts_with("/clusters/") => {
            Err(ApiError::path_not_found())
        }
        crate::options::Profile::Kube => Ok(Target::Cluster {
            cluster: KUBE_CLUSTER.to_string(),
            path: path.to_string(),
        }),
    }
}

pub fn route(path: &str) -> ApiResult<Target> {
    if let Some(rest) = path.strip_prefix(APIEXPORT_VIRTUAL_WORKSPACE) {
        return route_apiexport(rest);
    }
    if path.starts_with("/services/") {
        return Err(ApiError::path_not_found());
    }
    let Some(rest) = path.strip_prefix("/clusters/") else {
        return Ok(Target::Base {
            path: path.to_string(),
        });
    };
    let (cluster, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    // Clients escape `*` and `:` in paths (client-go sends `/clusters/%2A/…`).
    let cluster = percent_decode(cluster);
    let cluster = cluster.as_str();
    if !kcp_api::logicalcluster::is_valid_path(cluster) {
        return Err(ApiError::bad_request(format!(
            "invalid cluster: {cluster:?} does not match the regex"
        )));
    }
    if tail.starts_with("/clusters/") {
        return Err(ApiError::path_not_found());
    }
    Ok(Target::Cluster {
        cluster: cluster.to_string(),
        path: tail.to_string(),
    })
}

/// `<export cluster>/<export>[/clusters/<name or *>]<path>`: both clusters must be logical
/// cluster names (not paths), as kcp's virtual workspace accepts them.
fn route_apiexport(rest: &str) -> ApiResult<Target> {
    let mut parts = rest.splitn(3, '/');
    let (Some(export_cluster), Some(export)) = (parts.next(), parts.next()) else {
        return Err(ApiError::path_not_found());
    };
    let export_cluster = percent_decode(export_cluster);
    let export = percent_decode(export);
    if export_cluster.is_empty()
        || export.is_empty()
        || !kcp_api::logicalcluster::is_valid_path(&export_cluster)
        || export_cluster.contains(':')
    {
        return Err(ApiError::path_not_found());
    }
    let tail = parts.next().map(|t| format!("/{t}")).unwrap_or_default();
    let Some(after) = tail.strip_prefix("/clusters/") else {
        return Ok(Target::ApiExport {
            export_cluster,
            export,
            cluster: None,
            path: tail,
        });
    };
    let (cluster, path) = match after.find('/') {
        Some(i) => (&after[..i], &after[i..]),
        None => (after, "/"),
    };
    // client-go escapes the wildcard (`clusters/%2A`); kube-rs does not.
    let cluster = percent_decode(cluster);
    if cluster != "*"
        && (!kcp_api::logicalcluster::is_valid_path(&cluster) || cluster.contains(':'))
    {
        return Err(ApiError::path_not_found());
    }
    Ok(Target::ApiExport {
        export_cluster,
        export,
        cluster: Some(cluster),
        path: path.to_string(),
    })
}

/// Decodes `%XX` escapes; an invalid escape is kept as it is (and then fails validation).
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn unknown_workspace(path: &str) -> ApiError {
    ApiError::not_found(&GroupResource::new("tenancy.kcp.io", "workspaces"), path)
}

/// The name of the logical cluster a path or name designates, if it exists. `*` and the
/// `system:` clusters are taken as they are.
pub async fn resolve(storage: &Storage, catalogs: &Catalogs, path: &str) -> ApiResult<String> {
    if path == "*" || path.starts_with("system:") {
        return Ok(path.to_string());
    }
    let cluster = catalogs
        .tenancy()
        .cluster_of_path(storage, path)
        .await
        .ok_or_else(|| unknown_workspace(path))?;
    if storage
        .get_cached(&tenancy::logical_cluster_key(&cluster))
        .await
        .is_none()
    {
        return Err(unknown_workspace(path));
    }
    Ok(cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(
            route("/clusters/root/api/v1/namespaces").unwrap(),
            Target::Cluster {
                cluster: "root".into(),
                path: "/api/v1/namespaces".into()
            }
        );
        assert_eq!(
            route("/api").unwrap(),
            Target::Base {
                path: "/api".into()
            }
        );
        assert_eq!(route("/clusters/Bad/api").unwrap_err().code, 400);
        assert_eq!(
            route("/clusters/%2A/api").unwrap(),
            Target::Cluster {
                cluster: "*".into(),
                path: "/api".into()
            }
        );
        assert_eq!(
            route("/clusters/root%3Ateam-a/api").unwrap(),
            Target::Cluster {
                cluster: "root:team-a".into(),
                path: "/api".into()
            }
        );
        assert_eq!(
            route("/clusters/root/clusters/root/api").unwrap_err().code,
            404
        );
    }

    #[test]
    fn routes_the_apiexport_virtual_workspace() {
        let vw = |cluster: Option<&str>, path: &str| Target::ApiExport {
            export_cluster: "2abc".into(),
            export: "cowboys".into(),
            cluster: cluster.map(str::to_string),
            path: path.into(),
        };
        assert_eq!(
            route("/services/apiexport/2abc/cowboys/clusters/*/apis/wildwest.dev/v1alpha1/cowboys")
                .unwrap(),
            vw(Some("*"), "/apis/wildwest.dev/v1alpha1/cowboys")
        );
        assert_eq!(
            route("/services/apiexport/2abc/cowboys/clusters/%2A/api").unwrap(),
            vw(Some("*"), "/api")
        );
        assert_eq!(
            route("/services/apiexport/2abc/cowboys/clusters/x1y2/apis").unwrap(),
            vw(Some("x1y2"), "/apis")
        );
        assert_eq!(
            route("/services/apiexport/2abc/cowboys/version").unwrap(),
            vw(None, "/version")
        );
        // Paths are not names.
        for bad in [
            "/services/apiexport/root:org/cowboys/clusters/*/api",
            "/services/apiexport/2abc/cowboys/clusters/root:a/api",
            "/services/apiexport/2abc",
            "/services/other/x",
        ] {
            assert_eq!(route(bad).unwrap_err().code, 404, "{bad}");
        }
    }
}
