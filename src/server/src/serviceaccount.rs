//! Service account tokens: JWTs signed with the server's ECDSA P-256 key (`<root>/sa.key`,
//! kept across restarts), issued through `serviceaccounts/<name>/token` (TokenRequest),
//! checked by TokenReview and accepted as bearer tokens. The claims are kube's
//! (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `kubernetes.io.{namespace,serviceaccount}`) plus,
//! as kcp's, the logical cluster of the service account (`kubernetes.io.clusterName`), which
//! the user carries in its extra under [`CLUSTER_NAME_EXTRA`]: a service account is itself only
//! in its own logical cluster (see `authz`).

use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use rustls::pki_types::pem::PemObject;
use serde_json::{Value, json};

use crate::authn::User;

/// The user extra naming a service account's logical cluster (kcp's key).
pub const CLUSTER_NAME_EXTRA: &str = "authentication.kcp.io/cluster-name";

/// kube's default token lifetime for a TokenRequest without `expirationSeconds`: one hour.
pub const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;

pub struct TokenIssuer {
    key: EcdsaKeyPair,
    public_key: Vec<u8>,
    issuer: String,
    key_id: String,
    rng: SystemRandom,
}

/// A verified token's subject.
pub struct TokenSubject {
    pub user: User,
    pub audiences: Vec<String>,
}

impl TokenIssuer {
    /// Loads `path` (PKCS#8 PEM), or generates and writes a new key there.
    pub fn load_or_generate(path: &Path, issuer: &str) -> Result<Self> {
        let pem = if path.exists() {
            std::fs::read_to_string(path).with_context(|| format!("reading {path:?}"))?
        } else {
            let pem = rcgen::KeyPair::generate()?.serialize_pem();
            crate::pki::write_private(path, pem.as_bytes())?;
            pem
        };
        let der = rustls::pki_types::PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes())
            .context("parsing the service account key")?;
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            der.secret_pkcs8_der(),
            &rng,
        )
        .map_err(|e| anyhow::anyhow!("the service account key is not an ECDSA P-256 key: {e}"))?;
        let public_key = key.public_key().as_ref().to_vec();
        let key_id = B64.encode(ring::digest::digest(&ring::digest::SHA256, &public_key));
        Ok(Self {
            key,
            public_key,
            issuer: issuer.to_string(),
            key_id,
            rng,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A signed token for a service account of logical cluster `cluster`; returns it and its
    /// expiry (Unix seconds).
    pub fn issue(
        &self,
        cluster: &str,
        namespace: &str,
        name: &str,
        uid: &str,
        audiences: &[String],
        expiration_seconds: i64,
    ) -> Result<(String, i64)> {
        let now = jiff::Timestamp::now().as_second();
        let exp = now + expiration_seconds;
        let audiences: Vec<String> = if audiences.is_empty() {
            vec![self.issuer.clone()]
        } else {
            audiences.to_vec()
        };
        let header = json!({"alg": "ES256", "kid": self.key_id});
        let claims = json!({
            "aud": audiences,
            "exp": exp,
            "iat": now,
            "iss": self.issuer,
            "jti": uuid::Uuid::new_v4().to_string(),
            "kubernetes.io": {"clusterName": cluster, "namespace": namespace,
                "serviceaccount": {"name": name, "uid": uid}},
            "nbf": now,
            "sub": format!("system:serviceaccount:{namespace}:{name}"),
        });
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let sig = self
            .key
            .sign(&self.rng, input.as_bytes())
            .map_err(|_| anyhow::anyhow!("signing failed"))?;
        Ok((format!("{input}.{}", B64.encode(sig.as_ref())), exp))
    }

    /// The service account behind a token, if it is one of ours, unexpired, and (when
    /// `audiences` is given) meant for one of them.
    pub fn verify(&self, token: &str, audiences: Option<&[String]>) -> Option<TokenSubject> {
        let mut parts = token.split('.');
        let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let sig = B64.decode(s).ok()?;
        let key = signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            &self.public_key,
        );
        key.verify(format!("{h}.{c}").as_bytes(), &sig).ok()?;
        let claims: Value = serde_json::from_slice(&B64.decode(c).ok()?).ok()?;
        let now = jiff::Timestamp::now().as_second();
        if claims["iss"] != self.issuer || claims["exp"].as_i64()? < now {
            return None;
        }
        let token_audiences: Vec<String> = match &claims["aud"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let wanted: Vec<String> = match audiences {
            Some(a) if !a.is_empty() => a.to_vec(),
            _ => vec![self.issuer.clone()],
        };
        let matched: Vec<String> = wanted
            .into_iter()
            .filter(|a| token_audiences.contains(a))
            .collect();
        if matched.is_empty() {
            return None;
        }
        let sa = &claims["kubernetes.io"];
        let namespace = sa["namespace"].as_str()?;
        let name = sa["serviceaccount"]["name"].as_str()?;
        let mut extra = std::collections::BTreeMap::new();
        if let Some(cluster) = sa["clusterName"].as_str().filter(|c| !c.is_empty()) {
            extra.insert(CLUSTER_NAME_EXTRA.to_string(), vec![cluster.to_string()]);
        }
        let user = User {
            name: format!("system:serviceaccount:{namespace}:{name}"),
            uid: sa["serviceaccount"]["uid"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            groups: vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{namespace}"),
                crate::authn::ALL_AUTHENTICATED.to_string(),
            ],
            extra,
        };
        Some(TokenSubject {
            user,
            audiences: matched,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let issuer =
            TokenIssuer::load_or_generate(&dir.path().join("sa.key"), "https://kcp.default.svc")
                .unwrap();
        let (token, _) = issuer
            .issue("2abc", "default", "robot", "u1", &["api".to_string()], 600)
            .unwrap();
        let s = issuer.verify(&token, Some(&["api".to_string()])).unwrap();
        assert_eq!(s.user.name, "system:serviceaccount:default:robot");
        assert_eq!(s.user.extra[CLUSTER_NAME_EXTRA], vec!["2abc".to_string()]);
        assert_eq!(s.audiences, vec!["api"]);
        assert!(
            issuer.verify(&token, None).is_none(),
            "not for the issuer's audience"
        );
        assert!(
            issuer
                .verify(&format!("{token}x"), Some(&["api".to_string()]))
                .is_none()
        );
        // The key is kept across restarts.
        let again =
            TokenIssuer::load_or_generate(&dir.path().join("sa.key"), "https://kcp.default.svc")
                .unwrap();
        assert!(again.verify(&token, Some(&["api".to_string()])).is_some());
    }
}
