//! The admin kubeconfig (`<root>/admin.kubeconfig`) and its tokens, as kcp writes them
//! (`reference/kcp.md` §1.3–1.4): clusters `root`, `base`, `system:admin`; users `kcp-admin`
//! (a new token at every start, group `system:kcp:admin`) and `shard-admin` (a token kept across
//! restarts, verified against the SHA-256 in `.admin-token-store`, group `system:masters`).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::authn::User;
use crate::pki::write_private;

/// The two admin identities and their tokens.
pub struct AdminTokens {
    pub kcp_admin: String,
    pub shard_admin: String,
}

impl AdminTokens {
    /// `(token, user)` pairs for the token authenticator.
    pub fn users(&self) -> Vec<(String, User)> {
        vec![
            (
                self.kcp_admin.clone(),
                User::new("kcp-admin", &["system:kcp:admin"]),
            ),
            (
                self.shard_admin.clone(),
                User::new(SHARD_ADMIN, &["system:masters"]),
            ),
        ]
    }
}

/// The kubeconfig user holding the `system:masters` token under the kcp profile.
const SHARD_ADMIN: &str = "shard-admin";
/// Its name in the kubeconfig of `--profile kube` (and the cluster's and context's).
const KUBE_USER: &str = "kcp-kube";

/// A fresh `kcp-admin` token, and the `shard-admin` token: reused from the existing kubeconfig
/// when `.admin-token-store` holds its hash, new (and its hash stored) otherwise.
pub fn admin_tokens(root: &Path, kubeconfig: &Path) -> Result<AdminTokens> {
    let store = root.join(".admin-token-store");
    let shard_admin = if store.exists() {
        let want = fs::read(&store).with_context(|| format!("reading {store:?}"))?;
        // The token is the `shard-admin` user's, or `kcp-kube`'s under `--profile kube`
        // (either, so a root directory can change profile).
        let token = [SHARD_ADMIN, KUBE_USER]
            .iter()
            .filter_map(|user| read_user_token(kubeconfig, user).ok().flatten())
            .find(|t| Sha256::digest(t.as_bytes()).as_slice() == want.as_slice());
        match token {
            Some(t) => t,
            None => bail!(
                "admin token in file {:?} is not valid anymore. Remove file {:?} and restart kcp",
                kubeconfig,
                store
            ),
        }
    } else {
        let t = uuid::Uuid::new_v4().to_string();
        write_private(&store, Sha256::digest(t.as_bytes()).as_slice())?;
        t
    };
    Ok(AdminTokens {
        kcp_admin: uuid::Uuid::new_v4().to_string(),
        shard_admin,
    })
}

fn read_user_token(kubeconfig: &Path, user: &str) -> Result<Option<String>> {
    let text = fs::read_to_string(kubeconfig)?;
    let cfg: Value = serde_saphyr::from_str(&text)?;
    let users = cfg["users"].as_array().cloned().unwrap_or_default();
    Ok(users
        .iter()
        .find(|u| u["name"] == user)
        .and_then(|u| u["user"]["token"].as_str())
        .map(str::to_string))
}

/// Writes the admin kubeconfig for a server at `base_url` (e.g. `https://127.0.0.1:6443`).
pub fn write_admin_kubeconfig(
    path: &Path,
    base_url: &str,
    ca_pem: &str,
    tokens: &AdminTokens,
) -> Result<()> {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let cluster = |name: &str, server: String| json!({"name": name, "cluster": {"certificate-authority-data": ca, "server": server}});
    let context = |name: &str, cluster: &str, user: &str| json!({"name": name, "context": {"cluster": cluster, "user": user}});
    let cfg = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            cluster("base", base_url.to_string()),
            cluster("root", format!("{base_url}/clusters/root")),
            cluster("system:admin", format!("{base_url}/clusters/system:admin")),
        ],
        "contexts": [
            context("base", "base", "kcp-admin"),
            context("root", "root", "kcp-admin"),
            context("shard-base", "base", SHARD_ADMIN),
            context("system:admin", "system:admin", SHARD_ADMIN),
        ],
        "current-context": "root",
        "preferences": {},
        "users": [
            {"name": "kcp-admin", "user": {"token": tokens.kcp_admin}},
            {"name": SHARD_ADMIN, "user": {"token": tokens.shard_admin}},
        ],
    });
    write_kubeconfig(path, &cfg)
}

/// Writes the kubeconfig of `--profile kube`: one cluster at the root URL, an admin in
/// `system:masters` (as kind's `kubernetes-admin`), names as kind would give them.
pub fn write_kube_kubeconfig(
    path: &Path,
    base_url: &str,
    ca_pem: &str,
    tokens: &AdminTokens,
) -> Result<()> {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let cfg = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": KUBE_USER, "cluster": {"certificate-authority-data": ca, "server": base_url}}],
        "contexts": [{"name": KUBE_USER, "context": {"cluster": KUBE_USER, "user": KUBE_USER}}],
        "current-context": KUBE_USER,
        "preferences": {},
        "users": [{"name": KUBE_USER, "user": {"token": tokens.shard_admin}}],
    });
    write_kubeconfig(path, &cfg)
}

fn write_kubeconfig(path: &Path, cfg: &Value) -> Result<()> {
    let yaml = serde_saphyr::to_string(cfg).context("rendering kubeconfig")?;
    // Write then rename, so a reader never sees half a file.
    let tmp = path.with_extension("kubeconfig.tmp");
    write_private(&tmp, yaml.as_bytes())?;
    fs::rename(&tmp, path).with_context(|| format!("writing {path:?}"))?;
    Ok(())
}
