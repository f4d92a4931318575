//! `RequestInfo`: what a request asks for, parsed from its method, path and query the way
//! kube-apiserver's `RequestInfoFactory` does, after the `/clusters/<x>` prefix is removed.

use http::Method;

/// The parsed request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestInfo {
    pub is_resource_request: bool,
    /// The path as the handler sees it (without `/clusters/<x>`).
    pub path: String,
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or the
    /// lower-cased HTTP method for non-resource requests.
    pub verb: String,
    /// `api` or `apis`.
    pub api_prefix: String,
    pub api_group: String,
    pub api_version: String,
    pub namespace: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    /// The path segments after `/<prefix>/<group>/<version>`.
    pub parts: Vec<String>,
}

/// Parses a request. `watch` is the value of the `watch` query parameter.
pub fn parse(method: &Method, path: &str, watch: bool) -> RequestInfo {
    let mut info = RequestInfo {
        path: path.to_string(),
        verb: method.as_str().to_ascii_lowercase(),
        ..RequestInfo::default()
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let Some(prefix) = segments.first() else {
        return info;
    };
    if *prefix != "api" && *prefix != "apis" {
        return info;
    }
    let mut rest = &segments[1..];
    info.api_prefix = prefix.to_string();
    if *prefix == "apis" {
        match rest.first() {
            Some(g) if !g.is_empty() => {
                info.api_group = g.to_string();
                rest = &rest[1..];
            }
            _ => return info,
        }
    }
    match rest.first() {
        Some(v) if !v.is_empty() => {
            info.api_version = v.to_string();
            rest = &rest[1..];
        }
        _ => return info,
    }
    if rest.is_empty() || rest[0].is_empty() {
        return info;
    }
    info.is_resource_request = true;

    // The deprecated `/watch/` path form.
    let mut is_watch_path = false;
    if rest[0] == "watch" {
        is_watch_path = true;
        rest = &rest[1..];
    }
    info.verb = match *method {
        Method::POST => "create",
        Method::GET | Method::HEAD => "get",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        _ => "",
    }
    .to_string();
    if is_watch_path {
        info.verb = "watch".into();
    }

    // `namespaces/<ns>/<resource>…` scopes a resource; `namespaces/<name>[/status|/finalize]`
    // is the namespace object itself.
    if rest[0] == "namespaces" && rest.len() > 1 {
        info.namespace = rest[1].to_string();
        if rest.len() > 2 && rest[2] != "status" && rest[2] != "finalize" {
            rest = &rest[2..];
        }
    }
    info.parts = rest.iter().map(|s| s.to_string()).collect();
    match info.parts.len() {
        0 => {}
        1 => info.resource = info.parts[0].clone(),
        2 => {
            info.resource = info.parts[0].clone();
            info.name = info.parts[1].clone();
        }
        _ => {
            info.resource = info.parts[0].clone();
            info.name = info.parts[1].clone();
            info.subresource = info.parts[2].clone();
        }
    }

    if info.name.is_empty() {
        if info.verb == "get" {
            info.verb = "list".into();
        } else if info.verb == "delete" {
            info.verb = "deletecollection".into();
        }
    }
    if (info.verb == "list" || info.verb == "get") && watch {
        info.verb = "watch".into();
    }
    if is_watch_path && info.verb != "watch" {
        info.verb = "watch".into();
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(m: Method, path: &str) -> RequestInfo {
        parse(&m, path, false)
    }

    #[test]
    fn resource_paths() {
        let i = p(Method::GET, "/api/v1/namespaces/default/configmaps/x");
        assert!(i.is_resource_request);
        assert_eq!(
            (
                i.verb.as_str(),
                i.namespace.as_str(),
                i.resource.as_str(),
                i.name.as_str()
            ),
            ("get", "default", "configmaps", "x")
        );
        let i = p(Method::GET, "/api/v1/namespaces/default/configmaps");
        assert_eq!(
            (i.verb.as_str(), i.resource.as_str(), i.name.as_str()),
            ("list", "configmaps", "")
        );
        let i = p(Method::GET, "/api/v1/namespaces/default");
        assert_eq!(
            (i.resource.as_str(), i.name.as_str(), i.namespace.as_str()),
            ("namespaces", "default", "default")
        );
        let i = p(Method::PUT, "/api/v1/namespaces/foo/finalize");
        assert_eq!(
            (i.resource.as_str(), i.name.as_str(), i.subresource.as_str()),
            ("namespaces", "foo", "finalize")
        );
        let i = p(Method::GET, "/api/v1/namespaces");
        assert_eq!(
            (i.verb.as_str(), i.resource.as_str()),
            ("list", "namespaces")
        );
        let i = p(
            Method::DELETE,
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        );
        assert_eq!(
            (i.verb.as_str(), i.api_group.as_str()),
            ("deletecollection", "rbac.authorization.k8s.io")
        );
        let i = parse(&Method::GET, "/api/v1/configmaps", true);
        assert_eq!(i.verb, "watch");
        let i = p(Method::GET, "/api/v1/watch/namespaces/default/configmaps");
        assert_eq!(
            (i.verb.as_str(), i.namespace.as_str()),
            ("watch", "default")
        );
        let i = p(
            Method::PATCH,
            "/api/v1/namespaces/default/configmaps/x/status",
        );
        assert_eq!(
            (i.verb.as_str(), i.subresource.as_str()),
            ("patch", "status")
        );
    }

    #[test]
    fn non_resource_paths() {
        for path in [
            "/api",
            "/apis",
            "/apis/apps",
            "/api/v1",
            "/apis/apps/v1",
            "/version",
            "/healthz",
        ] {
            assert!(!p(Method::GET, path).is_resource_request, "{path}");
        }
    }
}
