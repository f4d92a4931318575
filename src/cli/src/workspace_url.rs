//! A workspace URL is a server URL of the form `<base>/clusters/<path>` (`reference/kcp.md`
//! §5.1): everything before `/clusters/` is the *base URL*, kept verbatim so that a prefix such as
//! a front proxy's path survives, and `<path>` is a logical-cluster path. Every command that moves
//! between workspaces keeps the base and swaps the path.

use kcp_api::Path;

use crate::error::CliError;

/// A server URL split into its base URL and workspace path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceUrl {
    /// Everything before `/clusters/`, e.g. `https://127.0.0.1:6443`.
    pub base: String,
    /// The workspace, e.g. `root:team-a`.
    pub path: Path,
}

impl WorkspaceUrl {
    /// Splits `url` at its `/clusters/` segment; `None` if it has none or the path after it is
    /// not a valid (non-wildcard) logical-cluster path.
    pub fn parse(url: &str) -> Option<Self> {
        // Only look for `/clusters/` in the path part: after `scheme://authority`.
        let path_start = url.find("://").map_or(0, |i| {
            url[i + 3..].find('/').map_or(url.len(), |j| i + 3 + j)
        });
        let at = url[path_start..].find("/clusters/")? + path_start;
        let path = &url[at + "/clusters/".len()..];
        // A query or fragment is not part of the path.
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let path = Path::parse(path).ok().filter(|p| p.as_str() != "*")?;
        Some(WorkspaceUrl {
            base: url[..at].to_owned(),
            path,
        })
    }

    /// Like [`WorkspaceUrl::parse`], failing with kcp's message.
    pub fn require(url: &str) -> Result<Self, CliError> {
        Self::parse(url).ok_or_else(|| CliError::NotAWorkspaceUrl(url.to_owned()))
    }

    /// The same base with another path.
    pub fn with_path(&self, path: Path) -> Self {
        WorkspaceUrl {
            base: self.base.clone(),
            path,
        }
    }

    /// The full URL `<base>/clusters/<path>`.
    pub fn url(&self) -> String {
        format!("{}/clusters/{}", self.base, self.path)
    }
}

impl std::fmt::Display for WorkspaceUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_base_and_path() {
        let u = WorkspaceUrl::parse("https://127.0.0.1:6443/clusters/root:team-a").unwrap();
        assert_eq!(u.base, "https://127.0.0.1:6443");
        assert_eq!(u.path.as_str(), "root:team-a");
        assert_eq!(u.url(), "https://127.0.0.1:6443/clusters/root:team-a");
        assert_eq!(
            u.with_path(Path::root()).url(),
            "https://127.0.0.1:6443/clusters/root"
        );
    }

    #[test]
    fn keeps_a_base_path_verbatim() {
        let u = WorkspaceUrl::parse("https://proxy.example/kcp/prefix/clusters/root").unwrap();
        assert_eq!(u.base, "https://proxy.example/kcp/prefix");
        assert_eq!(u.path, Path::root());
    }

    #[test]
    fn rejects_urls_without_a_workspace() {
        for url in [
            "https://127.0.0.1:6443",
            "https://127.0.0.1:6443/",
            "https://127.0.0.1:6443/clusters/",
            "https://127.0.0.1:6443/clusters/Root",
            "https://127.0.0.1:6443/clusters/root/",
            "https://127.0.0.1:6443/clusters/*",
            "https://127.0.0.1:6443/clusters/root::a",
        ] {
            assert_eq!(WorkspaceUrl::parse(url), None, "{url}");
        }
        let err = WorkspaceUrl::require("https://127.0.0.1:6443").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"current URL "https://127.0.0.1:6443" does not point to a workspace"#
        );
    }

    #[test]
    fn a_host_named_clusters_is_not_a_path() {
        assert_eq!(WorkspaceUrl::parse("https://clusters/x"), None);
        let u = WorkspaceUrl::parse("https://clusters/clusters/x").unwrap();
        assert_eq!(
            (u.base.as_str(), u.path.as_str()),
            ("https://clusters", "x")
        );
    }
}
