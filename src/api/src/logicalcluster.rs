//! Logical-cluster names and paths (`reference/kcp.md` §2.1): a path is colon-separated segments
//! `[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?`; `*` is the wildcard; a single segment, or anything
//! starting with `system:`, is a name. Also the generators of cluster names: random workspace
//! clusters (`randomClusterName`) and users' home clusters.

/// Whether `s` is a valid path segment.
fn is_segment(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && !b[0].is_ascii_uppercase()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && !b[b.len() - 1].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Whether `s` is a valid logical-cluster path (or name), e.g. `root:team-a`, `system:admin`.
pub fn is_valid_path(s: &str) -> bool {
    s == "*" || (!s.is_empty() && s.split(':').all(is_segment))
}

/// Whether a valid path is already a logical-cluster name (needs no resolution).
pub fn is_name(path: &str) -> bool {
    !path.contains(':') || path.starts_with("system:")
}

/// A logical-cluster path such as `root:team-a` (possibly also a bare name such as `root` or
/// `2cynbfy2m0wtjqcs`). Construction does not validate; call [`Path::is_valid`] on input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(String);

impl Path {
    /// The path `s` as given (not validated).
    pub fn new(s: impl Into<String>) -> Self {
        Path(s.into())
    }

    /// Parses and validates `s`.
    pub fn parse(s: &str) -> Result<Self, InvalidPath> {
        if is_valid_path(s) {
            Ok(Path(s.to_owned()))
        } else {
            Err(InvalidPath(s.to_owned()))
        }
    }

    /// The root workspace's path.
    pub fn root() -> Self {
        Path(crate::ROOT_CLUSTER.to_owned())
    }

    /// The path as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the empty path (no cluster, e.g. a request without `/clusters/`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether this is a valid path (see [`is_valid_path`]).
    pub fn is_valid(&self) -> bool {
        is_valid_path(&self.0)
    }

    /// Whether the path is already a logical-cluster name (see [`is_name`]).
    pub fn is_name(&self) -> bool {
        !self.0.is_empty() && is_name(&self.0)
    }

    /// The logical-cluster name if the path is one.
    pub fn name(&self) -> Option<LogicalClusterName> {
        self.is_name().then(|| LogicalClusterName(self.0.clone()))
    }

    /// The parent path (`root:a:b` → `root:a`), or `None` for a single segment or empty path.
    pub fn parent(&self) -> Option<Path> {
        self.0.rfind(':').map(|i| Path(self.0[..i].to_owned()))
    }

    /// The last segment (`root:a:b` → `b`; `root` → `root`).
    pub fn base(&self) -> &str {
        self.0
            .rfind(':')
            .map_or(self.0.as_str(), |i| &self.0[i + 1..])
    }

    /// Parent and base at once.
    pub fn split(&self) -> (Option<Path>, &str) {
        (self.parent(), self.base())
    }

    /// The child path `self:name` (just `name` when `self` is empty).
    pub fn join(&self, name: &str) -> Path {
        if self.0.is_empty() {
            Path(name.to_owned())
        } else {
            Path(format!("{}:{name}", self.0))
        }
    }

    /// The segments of the path.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split(':').filter(|s| !s.is_empty())
    }

    /// Whether `other` is this path or one of its ancestors.
    pub fn has_prefix(&self, other: &Path) -> bool {
        other.0.is_empty()
            || self.0 == other.0
            || (self.0.starts_with(&other.0) && self.0.as_bytes().get(other.0.len()) == Some(&b':'))
    }

    /// The URL path prefix of this cluster: `/clusters/<path>`.
    pub fn request_path(&self) -> String {
        format!("/clusters/{}", self.0)
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Path {
    type Err = InvalidPath;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Path::parse(s)
    }
}

impl From<LogicalClusterName> for Path {
    fn from(n: LogicalClusterName) -> Self {
        Path(n.0)
    }
}

/// A string that is not a valid logical-cluster path; the message is kcp's routing message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid cluster: {0:?} does not match the regex")]
pub struct InvalidPath(pub String);

/// The opaque name of a logical cluster (`root`, `system:admin`, `2cynbfy2m0wtjqcs`), the
/// value of `kcp.io/cluster` and of `Workspace.spec.cluster`.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct LogicalClusterName(String);

impl LogicalClusterName {
    /// The name `s` as given (not validated).
    pub fn new(s: impl Into<String>) -> Self {
        LogicalClusterName(s.into())
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as a one-element path (what `kcp.io/path` would hold for `root`).
    pub fn path(&self) -> Path {
        Path(self.0.clone())
    }

    /// A fresh random name for a workspace's logical cluster: the first 16 characters of
    /// base36(SHA-224(32 random bytes)) with zero-byte padding (kcp `randomClusterName`).
    pub fn random() -> Self {
        Self::from_token(&rand::random::<[u8; 32]>())
    }

    /// The cluster name [`LogicalClusterName::random`] derives from `token`.
    pub fn from_token(token: &[u8; 32]) -> Self {
        let mut s = crate::hash::base36_sha224_pad(token);
        s.truncate(16);
        LogicalClusterName(s)
    }

    /// The logical cluster of `user`'s home workspace: base36 (zero-byte padded) of the first 8
    /// bytes of SHA-224(user name) (kcp `HomeClusterName`).
    pub fn home(user: &str) -> Self {
        let digest = crate::hash::sha224(user.as_bytes());
        LogicalClusterName(crate::hash::encode_pad(&digest[..8], 36))
    }
}

impl std::fmt::Display for LogicalClusterName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for LogicalClusterName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The logical cluster of `user`'s home workspace (see [`LogicalClusterName::home`]).
pub fn home_cluster_name(user: &str) -> LogicalClusterName {
    LogicalClusterName::home(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(is_valid_path("root"));
        assert!(is_valid_path("root:team-a"));
        assert!(is_valid_path("2cynbfy2m0wtjqcs:child"));
        assert!(is_valid_path("system:admin"));
        assert!(is_valid_path("*"));
        assert!(!is_valid_path("Root"));
        assert!(!is_valid_path("root::a"));
        assert!(!is_valid_path("root:-a"));
        assert!(!is_valid_path(""));
        assert!(is_name("root") && is_name("system:admin") && !is_name("root:a"));
    }

    #[test]
    fn path_navigation() {
        let p = Path::parse("root:org:team").unwrap();
        assert_eq!(p.parent(), Some(Path::new("root:org")));
        assert_eq!(p.base(), "team");
        assert_eq!(p.parent().and_then(|p| p.parent()), Some(Path::root()));
        assert_eq!(Path::root().parent(), None);
        assert_eq!(Path::root().base(), "root");
        assert_eq!(Path::root().join("a").join("b").as_str(), "root:a:b");
        assert_eq!(Path::default().join("root"), Path::root());
        assert!(!p.is_name() && Path::root().is_name());
        assert_eq!(
            Path::new("system:admin")
                .name()
                .map(|n| n.to_string())
                .as_deref(),
            Some("system:admin")
        );
        assert!(p.has_prefix(&Path::root()) && p.has_prefix(&p));
        assert!(!Path::new("root:orga").has_prefix(&Path::new("root:org")));
        assert_eq!(p.request_path(), "/clusters/root:org:team");
        assert_eq!(p.segments().collect::<Vec<_>>(), ["root", "org", "team"]);
        let err = Path::parse("root:Team").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid cluster: "root:Team" does not match the regex"#
        );
        assert_eq!("root:a".parse::<Path>(), Ok(Path::new("root:a")));
    }

    #[test]
    fn cluster_name_generation() {
        // SHA-224 of 32 zero bytes starts with a non-zero byte, so no padding; the value is
        // base36 of the digest cut to 16 characters (computed with kcp's algorithm).
        let n = LogicalClusterName::from_token(&[0; 32]);
        assert_eq!(n.as_str().len(), 16);
        assert!(is_valid_path(n.as_str()) && is_name(n.as_str()));
        assert_eq!(n, LogicalClusterName::from_token(&[0; 32]));
        assert_ne!(LogicalClusterName::random(), LogicalClusterName::random());
        assert_eq!(n.as_str(), &crate::hash::base36_sha224_pad(&[0; 32])[..16]);
        let home = home_cluster_name("kcp-admin");
        assert!(home.as_str().len() <= 13 && is_valid_path(home.as_str()));
    }
}
