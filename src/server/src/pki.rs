//! Serving certificates: a self-signed CA and a serving certificate it signs, written as
//! `<root>/apiserver.crt` (serving certificate, then the CA) and `<root>/apiserver.key`, as
//! kube's self-signed certificate helper does. They are reused across restarts while they cover
//! the hosts the server is reached at.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

/// PEM serving material.
pub struct ServingCert {
    /// The serving certificate followed by its CA.
    pub chain_pem: String,
    pub key_pem: String,
}

/// The SANs of certificates written before `apiserver.sans` existed.
const FIRST_SANS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Loads `<dir>/apiserver.{crt,key}` when they cover the given SANs (listed, one a line, in
/// `<dir>/apiserver.sans`), or generates and writes them with those SANs (a new host in the
/// shard URLs or the bind address makes a new certificate).
pub fn load_or_generate(dir: &Path, sans: &[String]) -> Result<ServingCert> {
    let crt = dir.join("apiserver.crt");
    let key = dir.join("apiserver.key");
    let listed = dir.join("apiserver.sans");
    if crt.exists() && key.exists() {
        let covered: Vec<String> = match fs::read_to_string(&listed) {
            Ok(text) => text.lines().map(str::to_string).collect(),
            Err(_) => FIRST_SANS.iter().map(|s| s.to_string()).collect(),
        };
        if sans.iter().all(|s| covered.contains(s)) {
            return Ok(ServingCert {
                chain_pem: fs::read_to_string(&crt).with_context(|| format!("reading {crt:?}"))?,
                key_pem: fs::read_to_string(&key).with_context(|| format!("reading {key:?}"))?,
            });
        }
    }
    let generated = generate(sans)?;
    fs::write(&crt, &generated.chain_pem).with_context(|| format!("writing {crt:?}"))?;
    write_private(&key, generated.key_pem.as_bytes())?;
    fs::write(&listed, sans.join("\n")).with_context(|| format!("writing {listed:?}"))?;
    Ok(generated)
}

fn generate(sans: &[String]) -> Result<ServingCert> {
    let now = time_now();
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, format!("kcp-ca@{now}"));
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::CrlSign,
    ];
    ca.not_after = rcgen::date_time_ymd(2099, 1, 1);
    let ca_cert = ca.self_signed(&ca_key)?;

    let key = KeyPair::generate()?;
    let mut leaf = CertificateParams::new(sans.to_vec())?;
    leaf.distinguished_name = DistinguishedName::new();
    leaf.distinguished_name
        .push(DnType::CommonName, format!("kcp@{now}"));
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.not_after = rcgen::date_time_ymd(2099, 1, 1);
    let issuer = Issuer::new(ca, ca_key);
    let leaf_cert = leaf.signed_by(&key, &issuer)?;
    Ok(ServingCert {
        chain_pem: format!("{}{}", leaf_cert.pem(), ca_cert.pem()),
        key_pem: key.serialize_pem(),
    })
}

fn time_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Writes a file readable only by its owner.
pub fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {path:?}"))?;
    f.write_all(data)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_kept_while_it_covers_the_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let first: Vec<String> = FIRST_SANS.iter().map(|s| s.to_string()).collect();
        let a = load_or_generate(dir.path(), &first).unwrap();
        assert_eq!(
            load_or_generate(dir.path(), &first).unwrap().chain_pem,
            a.chain_pem
        );
        let mut more = first.clone();
        more.push("kcp.example.test".into());
        let b = load_or_generate(dir.path(), &more).unwrap();
        assert_ne!(b.chain_pem, a.chain_pem);
        // Fewer hosts than covered: kept.
        assert_eq!(
            load_or_generate(dir.path(), &first).unwrap().chain_pem,
            b.chain_pem
        );
    }
}
