//! Authentication: who is asking. Bearer tokens (the admin tokens and `--token-auth-file`),
//! client certificates (CN = user, O = groups) and, on top, impersonation headers
//! (`Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid`, `Impersonate-Extra-*`), which the
//! caller must be authorized to use (checked by `authz`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result, bail};
use http::HeaderMap;

/// An authenticated user, as `user.Info`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: String,
    pub groups: Vec<String>,
    pub extra: BTreeMap<String, Vec<String>>,
}

pub const ALL_AUTHENTICATED: &str = "system:authenticated";
pub const ALL_UNAUTHENTICATED: &str = "system:unauthenticated";
pub const ANONYMOUS: &str = "system:anonymous";
pub const MASTERS: &str = "system:masters";

impl User {
    pub fn new(name: &str, groups: &[&str]) -> Self {
        Self {
            name: name.to_string(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..Self::default()
        }
    }

    pub fn anonymous() -> Self {
        Self::new(ANONYMOUS, &[ALL_UNAUTHENTICATED])
    }

    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// Adds `system:authenticated`, as every authenticator chain in kube does.
    fn authenticated(mut self) -> Self {
        if !self.in_group(ALL_AUTHENTICATED) {
            self.groups.push(ALL_AUTHENTICATED.to_string());
        }
        self
    }
}

/// The static parts of authentication. As in kcp, the admin tokens are tried first; then, as in
/// kube-apiserver's chain, a client certificate, then the static token file.
#[derive(Default)]
pub struct Authenticator {
    admin_tokens: HashMap<String, User>,
    tokens: HashMap<String, User>,
}

/// Credentials were presented but are not valid.
#[derive(Debug, PartialEq, Eq)]
pub struct Unauthenticated;

/// How a request proved who it is.
pub enum Credentials<'a> {
    Bearer(&'a str),
    ClientCert {
        common_name: String,
        organizations: Vec<String>,
    },
    None,
}

impl Authenticator {
    pub fn new(admin_tokens: Vec<(String, User)>) -> Self {
        Self {
            admin_tokens: admin_tokens.into_iter().collect(),
            tokens: HashMap::new(),
        }
    }

    /// Adds the users of a kube static token file: `token,user,uid[,"g1,g2"]` per line.
    pub fn load_token_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path:?}"))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields = split_csv(line);
            if fields.len() < 3 {
                bail!("{path:?}:{}: want token,user,uid[,groups]", n + 1);
            }
            let groups: Vec<String> = fields
                .get(3)
                .map(|g| {
                    g.split(',')
                        .map(str::trim)
                        .filter(|g| !g.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let user = User {
                name: fields[1].clone(),
                uid: fields[2].clone(),
                groups,
                extra: BTreeMap::new(),
            };
            self.tokens.insert(fields[0].clone(), user);
        }
        Ok(())
    }

    /// The user behind a request's credentials: the first authenticator that recognises them
    /// wins; [`Unauthenticated`] when credentials were given but none accepts them (401);
    /// anonymous when none were given.
    pub fn authenticate(
        &self,
        bearer: Option<&str>,
        cert: Option<Credentials<'_>>,
    ) -> Result<User, Unauthenticated> {
        if let Some(user) = bearer.and_then(|t| self.admin_tokens.get(t)) {
            return Ok(user.clone().authenticated());
        }
        if let Some(Credentials::ClientCert {
            common_name,
            organizations,
        }) = cert
        {
            return Ok(User {
                name: common_name,
                groups: organizations,
                ..User::default()
            }
            .authenticated());
        }
        match bearer {
            Some(t) => self
                .tokens
                .get(t)
                .cloned()
                .map(User::authenticated)
                .ok_or(Unauthenticated),
            None => Ok(User::anonymous()),
        }
    }
}

/// Splits one CSV line, honouring double quotes.
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The user a request asks to act as, from its `Impersonate-*` headers; `None` without them.
pub fn impersonation(headers: &HeaderMap) -> Option<User> {
    let name = headers.get("impersonate-user")?.to_str().ok()?.to_string();
    let groups = headers
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    let uid = headers
        .get("impersonate-uid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in headers {
        if let Some(key) = k.as_str().strip_prefix("impersonate-extra-")
            && let Ok(v) = v.to_str()
        {
            extra
                .entry(key.to_string())
                .or_default()
                .push(v.to_string());
        }
    }
    let mut user = User {
        name,
        uid,
        groups,
        extra,
    };
    // kube adds system:authenticated to impersonated users that are not anonymous.
    if user.name != ANONYMOUS {
        user = user.authenticated();
    }
    Some(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_file_lines() {
        assert_eq!(
            split_csv(r#"tok,alice,1,"a,b""#),
            vec!["tok", "alice", "1", "a,b"]
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tokens.csv");
        std::fs::write(&p, "t1,alice,u1,\"dev,ops\"\nt2,bob,u2\n").unwrap();
        let mut a = Authenticator::default();
        a.load_token_file(&p).unwrap();
        let u = a.authenticate(Some("t1"), None).unwrap();
        assert_eq!(u.name, "alice");
        assert_eq!(u.groups, vec!["dev", "ops", ALL_AUTHENTICATED]);
        assert!(a.authenticate(Some("nope"), None).is_err());
    }
}
