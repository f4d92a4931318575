//! Logical-cluster names and paths (`reference/kcp.md` §2.1): a path is colon-separated segments
//! `[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?`; `*` is the wildcard; a single segment, or anything
//! starting with `system:`, is a name.

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
}
