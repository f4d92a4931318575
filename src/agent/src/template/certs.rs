//! sprig's key and certificate functions: `genPrivateKey`, `buildCustomCert`, `genCA`,
//! `genSelfSignedCert`, `genSignedCert` and their `WithKey` variants.
//!
//! Keys are written as Go's `encoding/pem` and `crypto/x509` write them: RSA as PKCS#1
//! (`RSA PRIVATE KEY`), ECDSA as SEC1 with the curve and public key (`EC PRIVATE KEY`),
//! Ed25519 as PKCS#8 v1 (`PRIVATE KEY`) and DSA as OpenSSL's sequence of integers
//! (`DSA PRIVATE KEY`). Certificates are made by rcgen (signed with ring): the subject is the
//! common name alone, the serial a random 128-bit number, validity from now for `days` days,
//! key usages digital signature and key encipherment (plus certificate signing for a CA),
//! extended key usages server and client auth, basic constraints present; the SANs list the
//! DNS names, then the IP addresses. Generated keys are RSA 2048 (4096 for `genPrivateKey`).

use std::net::IpAddr;
use std::str::FromStr as _;

use base64::Engine as _;
use rand::RngCore as _;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};

use super::funcs::{CERT_TYPE, FnResult, Func, Ty, f};
use super::sprig::{int, s, string};
use super::value::{Value, go_quote};

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

// ---- DER and PEM -------------------------------------------------------------------------

/// A DER tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A DER INTEGER holding the non-negative big-endian number `be`.
fn der_uint(be: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    tlv(0x02, &v)
}

/// Reads DER elements one after the other.
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let d = self.0;
        let (&tag, rest) = d.split_first()?;
        let (&l, rest) = rest.split_first()?;
        let (len, rest) = if l < 0x80 {
            (usize::from(l), rest)
        } else {
            let k = usize::from(l & 0x7f);
            if k == 0 || k > 4 || rest.len() < k {
                return None;
            }
            let len = rest[..k]
                .iter()
                .fold(0usize, |a, b| (a << 8) | usize::from(*b));
            (len, &rest[k..])
        };
        if rest.len() < len {
            return None;
        }
        self.0 = &rest[len..];
        Some((tag, &rest[..len]))
    }

    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        self.next().filter(|(t, _)| *t == tag).map(|(_, c)| c)
    }
}

/// Go's `pem.EncodeToMemory`: 64-column base64 between the BEGIN and END lines.
fn pem_encode(typ: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {typ}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push('\n');
    }
    out.push_str(&format!("-----END {typ}-----\n"));
    out
}

/// Go's `pem.Decode` for blocks without headers: the first well-formed block's type and bytes.
fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let mut rest = text;
    loop {
        let start = rest.find("-----BEGIN ")?;
        rest = &rest[start + 11..];
        let line_end = rest.find('\n')?;
        let line = rest[..line_end].trim_end_matches('\r');
        let Some(typ) = line.strip_suffix("-----") else {
            continue;
        };
        let body = &rest[line_end + 1..];
        let end = format!("-----END {typ}-----");
        let Some(e) = body.find(&end) else {
            continue;
        };
        let b64: String = body[..e].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64) {
            return Some((typ.to_string(), der));
        }
    }
}

// ---- keys --------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
}

impl Curve {
    fn oid(self) -> &'static [u8] {
        match self {
            Curve::P256 => OID_P256,
            Curve::P384 => OID_P384,
        }
    }

    fn size(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }

    fn from_oid(oid: &[u8]) -> Option<Curve> {
        match oid {
            OID_P256 => Some(Curve::P256),
            OID_P384 => Some(Curve::P384),
            _ => None,
        }
    }
}

/// A private key of one of the kinds Go's `crypto/x509` parses.
enum PrivKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    /// The private scalar and the uncompressed public point.
    Ec {
        curve: Curve,
        d: Vec<u8>,
        public: Vec<u8>,
    },
    /// The 32-byte seed.
    Ed25519(Vec<u8>),
    /// The DER of `SEQUENCE { version, p, q, g, y, x }`.
    Dsa(Vec<u8>),
}

impl PrivKey {
    /// Go's `pem.EncodeToMemory(pemBlockForKey(key))`.
    fn to_pem(&self) -> Result<String, String> {
        Ok(match self {
            PrivKey::Rsa(k) => pem_encode(
                "RSA PRIVATE KEY",
                k.to_pkcs1_der().map_err(|e| e.to_string())?.as_bytes(),
            ),
            PrivKey::Ec { .. } => pem_encode("EC PRIVATE KEY", &self.sec1()),
            PrivKey::Ed25519(seed) => pem_encode("PRIVATE KEY", &ed25519_pkcs8(seed)),
            PrivKey::Dsa(der) => pem_encode("DSA PRIVATE KEY", der),
        })
    }

    /// Go's `x509.MarshalECPrivateKey`.
    fn sec1(&self) -> Vec<u8> {
        let PrivKey::Ec { curve, d, public } = self else {
            return Vec::new();
        };
        let mut padded = vec![0u8; curve.size().saturating_sub(d.len())];
        padded.extend_from_slice(d);
        let mut bits = vec![0u8];
        bits.extend_from_slice(public);
        let mut body = tlv(0x02, &[1]);
        body.extend(tlv(0x04, &padded));
        body.extend(tlv(0xa0, &tlv(0x06, curve.oid())));
        body.extend(tlv(0xa1, &tlv(0x03, &bits)));
        tlv(0x30, &body)
    }

    /// The key as rcgen signs with it (and takes its public key from).
    fn key_pair(&self) -> Result<rcgen::KeyPair, String> {
        let (pkcs8, alg) = match self {
            PrivKey::Rsa(k) => (
                k.to_pkcs8_der()
                    .map_err(|e| e.to_string())?
                    .as_bytes()
                    .to_vec(),
                &rcgen::PKCS_RSA_SHA256,
            ),
            PrivKey::Ec { curve, .. } => {
                let mut alg = tlv(0x06, OID_EC);
                alg.extend(tlv(0x06, curve.oid()));
                let mut body = tlv(0x02, &[0]);
                body.extend(tlv(0x30, &alg));
                body.extend(tlv(0x04, &self.sec1()));
                let alg = match curve {
                    Curve::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
                    Curve::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
                };
                (tlv(0x30, &body), alg)
            }
            PrivKey::Ed25519(seed) => (ed25519_pkcs8(seed), &rcgen::PKCS_ED25519),
            PrivKey::Dsa(_) => {
                return Err(
                    "x509: certificate private key does not implement crypto.Signer".into(),
                );
            }
        };
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.into(), alg)
            .map_err(|e| format!("x509: {e}"))
    }
}

/// Go's `x509.MarshalPKCS8PrivateKey` for an Ed25519 key (v1, the seed alone).
fn ed25519_pkcs8(seed: &[u8]) -> Vec<u8> {
    let mut body = tlv(0x02, &[0]);
    body.extend(tlv(0x30, &tlv(0x06, OID_ED25519)));
    body.extend(tlv(0x04, &tlv(0x04, seed)));
    tlv(0x30, &body)
}

fn os_rng() -> rsa::rand_core::OsRng {
    rsa::rand_core::OsRng
}

fn gen_rsa(bits: usize) -> Result<PrivKey, String> {
    rsa::RsaPrivateKey::new(&mut os_rng(), bits)
        .map(|k| PrivKey::Rsa(Box::new(k)))
        .map_err(|e| e.to_string())
}

fn gen_ecdsa() -> Result<PrivKey, String> {
    let kp =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    parse_pkcs8(kp.serialized_der())
}

fn gen_ed25519() -> PrivKey {
    let mut seed = vec![0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    PrivKey::Ed25519(seed)
}

/// Go's `dsa.GenerateParameters(L2048N256)` and `dsa.GenerateKey`.
fn gen_dsa() -> PrivKey {
    let mut rng = os_rng();
    let components = dsa::Components::generate(&mut rng, dsa::KeySize::DSA_2048_256);
    let key = dsa::SigningKey::generate(&mut rng, components);
    let vk = key.verifying_key();
    let c = vk.components();
    let mut body = tlv(0x02, &[0]);
    for n in [c.p(), c.q(), c.g(), vk.y(), key.x()] {
        body.extend(der_uint(&n.to_bytes_be()));
    }
    PrivKey::Dsa(tlv(0x30, &body))
}

/// sprig's `genPrivateKey`.
fn gen_private_key(typ: &str) -> String {
    let key = match typ {
        "" | "rsa" => gen_rsa(4096),
        "dsa" => Ok(gen_dsa()),
        "ecdsa" => gen_ecdsa(),
        "ed25519" => Ok(gen_ed25519()),
        _ => return format!("Unknown type {typ}"),
    };
    match key.and_then(|k| k.to_pem()) {
        Ok(pem) => pem,
        Err(e) => format!("failed to generate private key: {e}"),
    }
}

/// Go's `x509.ParseECPrivateKey` (with the curve from a PKCS#8 wrapper, if any).
fn parse_sec1(der: &[u8], hint: Option<Curve>) -> Result<PrivKey, String> {
    let malformed = || "x509: failed to parse EC private key: asn1: structure error".to_string();
    let mut outer = Der(der);
    let body = outer.expect(0x30).ok_or_else(malformed)?;
    let mut r = Der(body);
    let version = r.expect(0x02).ok_or_else(malformed)?;
    if version != [1] {
        return Err(format!(
            "x509: unknown EC private key version {}",
            version.last().copied().unwrap_or(0)
        ));
    }
    let d = r.expect(0x04).ok_or_else(malformed)?.to_vec();
    let mut curve = hint;
    let mut public = None;
    while let Some((tag, content)) = r.next() {
        match tag {
            0xa0 => {
                let oid = Der(content).expect(0x06).ok_or_else(malformed)?;
                curve = Some(Curve::from_oid(oid).ok_or("x509: unknown elliptic curve")?);
            }
            0xa1 => {
                let bits = Der(content).expect(0x03).ok_or_else(malformed)?;
                public = bits.get(1..).map(<[u8]>::to_vec);
            }
            _ => {}
        }
    }
    let curve = curve.ok_or("x509: unknown elliptic curve")?;
    let public = public.ok_or("x509: EC private key without its public key is not supported")?;
    Ok(PrivKey::Ec { curve, d, public })
}

/// Go's `x509.ParsePKCS8PrivateKey`.
fn parse_pkcs8(der: &[u8]) -> Result<PrivKey, String> {
    let parsed = (|| {
        let mut outer = Der(der);
        let body = outer.expect(0x30)?;
        let mut r = Der(body);
        r.expect(0x02)?;
        let mut alg = Der(r.expect(0x30)?);
        let oid = alg.expect(0x06)?;
        let params = alg.next();
        let key = r.expect(0x04)?;
        Some((oid, params, key))
    })();
    let Some((oid, params, key)) = parsed else {
        if parse_sec1(der, None).is_ok() {
            return Err(
                "x509: failed to parse private key (use ParseECPrivateKey instead for this key format)"
                    .into(),
            );
        }
        if rsa::RsaPrivateKey::from_pkcs1_der(der).is_ok() {
            return Err("x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)".into());
        }
        return Err("asn1: structure error: malformed PKCS#8 private key".into());
    };
    match oid {
        OID_RSA => rsa::RsaPrivateKey::from_pkcs8_der(der)
            .map(|k| PrivKey::Rsa(Box::new(k)))
            .map_err(|e| format!("x509: failed to parse RSA private key embedded in PKCS#8: {e}")),
        OID_EC => {
            let curve = match params {
                Some((0x06, oid)) => Curve::from_oid(oid),
                _ => None,
            };
            parse_sec1(key, curve).map_err(|e| {
                format!("x509: failed to parse EC private key embedded in PKCS#8: {e}")
            })
        }
        OID_ED25519 => {
            if params.is_some() {
                return Err("x509: invalid Ed25519 private key parameters".into());
            }
            let seed = Der(key)
                .expect(0x04)
                .ok_or("x509: invalid Ed25519 private key: asn1: structure error")?;
            if seed.len() != 32 {
                return Err(format!(
                    "x509: invalid Ed25519 private key length: {}",
                    seed.len()
                ));
            }
            Ok(PrivKey::Ed25519(seed.to_vec()))
        }
        _ => Err(format!(
            "x509: PKCS#8 wrapping contained private key with unknown algorithm: {}",
            oid_string(oid)
        )),
    }
}

/// An OID's dotted form.
fn oid_string(oid: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut n: u64 = 0;
    for b in oid {
        n = (n << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if parts.is_empty() {
                let first = (n / 40).min(2);
                parts.push(first);
                parts.push(n - first * 40);
            } else {
                parts.push(n);
            }
            n = 0;
        }
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// Go's DSA key format: six integers.
fn parse_dsa(der: &[u8]) -> Result<PrivKey, String> {
    let ok = (|| {
        let mut r = Der(Der(der).expect(0x30)?);
        for _ in 0..6 {
            r.expect(0x02)?;
        }
        Some(())
    })();
    match ok {
        Some(()) => Ok(PrivKey::Dsa(der.to_vec())),
        None => Err("asn1: structure error: malformed DSA private key".into()),
    }
}

/// sprig's `parsePrivateKeyPEM`.
fn parse_private_key_pem(text: &str) -> Result<PrivKey, String> {
    let (typ, der) = pem_decode(text).ok_or("no PEM data in input")?;
    if typ == "PRIVATE KEY" {
        return parse_pkcs8(&der).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(kind) = typ.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {typ}"));
    };
    match kind {
        "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
            .map(|k| PrivKey::Rsa(Box::new(k)))
            .map_err(|e| {
                let e = if parse_sec1(&der, None).is_ok() {
                    "x509: failed to parse private key (use ParseECPrivateKey instead for this key format)".to_string()
                } else if parse_pkcs8(&der).is_ok() {
                    "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)".to_string()
                } else {
                    format!("x509: {e}")
                };
                format!("parsing RSA private key from PEM: {e}")
            }),
        "EC" => parse_sec1(&der, None).map_err(|e| {
            let e = if parse_pkcs8(&der).is_ok() {
                "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)".to_string()
            } else {
                e
            };
            format!("parsing EC private key from PEM: {e}")
        }),
        "DSA" => parse_dsa(&der).map_err(|e| format!("parsing DSA private key from PEM: {e}")),
        _ => Err(format!("invalid private key type {typ}")),
    }
}

// ---- certificates ------------------------------------------------------------------------

fn certificate(cert: String, key: String) -> FnResult {
    Ok(Value::record(
        CERT_TYPE,
        vec![("Cert", Value::from(cert)), ("Key", Value::from(key))],
    ))
}

/// A field of a `sprig.certificate` argument.
fn cert_field<'a>(v: &'a Value, name: &str) -> &'a str {
    match v {
        Value::Struct(r) => r
            .fields
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_str())
            .unwrap_or(""),
        _ => "",
    }
}

/// Go's `x509.ParseCertificate` (its result is not needed, only whether it parses).
fn parse_certificate(der: &[u8]) -> Result<(), String> {
    match x509_parser::parse_x509_certificate(der) {
        Ok((&[], _)) => Ok(()),
        Ok(_) => Err("x509: trailing data".into()),
        Err(_) => Err("x509: malformed certificate".into()),
    }
}

/// sprig's `getNetIPs`.
fn net_ips(ips: &Value) -> Result<Vec<IpAddr>, String> {
    let Value::List(l) = ips else {
        return Ok(Vec::new());
    };
    l.iter()
        .map(|v| {
            let Some(text) = v.as_str() else {
                return Err(format!(
                    "error parsing ip: {} is not a string",
                    v.to_go_string()
                ));
            };
            let ip = IpAddr::from_str(text).map_err(|_| format!("error parsing ip: {text}"))?;
            // Go writes an IPv4-mapped address as the 4-byte IPv4 one.
            Ok(match ip {
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
                v4 => v4,
            })
        })
        .collect()
}

/// sprig's `getAlternateDNSStrs`.
fn dns_names(names: &Value) -> Result<Vec<String>, String> {
    let Value::List(l) = names else {
        return Ok(Vec::new());
    };
    l.iter()
        .map(|v| {
            v.as_str().map(str::to_string).ok_or_else(|| {
                format!(
                    "error processing alternate dns name: {} is not a string",
                    v.to_go_string()
                )
            })
        })
        .collect()
}

/// What sprig's `getBaseCertTemplate` asks for, before the key is known.
struct Template {
    cn: String,
    ips: Vec<IpAddr>,
    dns: Vec<String>,
    days: i64,
    ca: bool,
}

impl Template {
    fn new(cn: &str, ips: &Value, dns: &Value, days: i64) -> Result<Template, String> {
        Ok(Template {
            cn: cn.to_string(),
            ips: net_ips(ips)?,
            dns: dns_names(dns)?,
            days,
            ca: false,
        })
    }

    fn params(&self) -> Result<rcgen::CertificateParams, String> {
        use rcgen::{ExtendedKeyUsagePurpose as Eku, KeyUsagePurpose as Ku};
        let mut p = rcgen::CertificateParams::default();
        p.distinguished_name = rcgen::DistinguishedName::new();
        if !self.cn.is_empty() {
            p.distinguished_name
                .push(rcgen::DnType::CommonName, self.cn.as_str());
        }
        let mut serial = [0u8; 16];
        rand::rng().fill_bytes(&mut serial);
        p.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
        let now = time::OffsetDateTime::now_utc();
        p.not_before = now;
        p.not_after = self
            .days
            .checked_mul(86_400)
            .and_then(|secs| now.checked_add(time::Duration::seconds(secs)))
            .ok_or("x509: NotAfter out of range")?;
        for name in &self.dns {
            let ia5 = rcgen::string::Ia5String::try_from(name.as_str()).map_err(|_| {
                format!("x509: {} cannot be encoded as an IA5String", go_quote(name))
            })?;
            p.subject_alt_names.push(rcgen::SanType::DnsName(ia5));
        }
        for ip in &self.ips {
            p.subject_alt_names.push(rcgen::SanType::IpAddress(*ip));
        }
        p.key_usages = vec![Ku::DigitalSignature, Ku::KeyEncipherment];
        if self.ca {
            p.key_usages.push(Ku::KeyCertSign);
            p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        } else {
            p.is_ca = rcgen::IsCa::ExplicitNoCa;
        }
        p.extended_key_usages = vec![Eku::ServerAuth, Eku::ClientAuth];
        Ok(p)
    }

    /// sprig's `getCertAndKey`: the certificate for `key`, signed by the CA `issuer` (its
    /// PEM certificate and key) or self-signed.
    fn sign(&self, key: &PrivKey, issuer: Option<(&[u8], &PrivKey)>) -> FnResult {
        let created = |e: String| format!("error creating certificate: {e}");
        let key_pem = key
            .to_pem()
            .map_err(|e| format!("error pem-encoding key: {e}"))?;
        let cert = match issuer {
            None => {
                let params = self.params().map_err(created)?;
                let kp = key.key_pair().map_err(created)?;
                params
                    .self_signed(&kp)
                    .map_err(|e| created(format!("x509: {e}")))?
            }
            Some((ca_der, ca_key)) => {
                let ca_kp = ca_key.key_pair().map_err(created)?;
                if let PrivKey::Dsa(_) = key {
                    return Err(created(
                        "x509: unsupported public key type: *dsa.PublicKey".into(),
                    ));
                }
                let params = self.params().map_err(created)?;
                let kp = key.key_pair().map_err(created)?;
                let issuer = rcgen::Issuer::from_ca_cert_der(&ca_der.into(), ca_kp)
                    .map_err(|e| created(format!("x509: {e}")))?;
                let mut params = params;
                params.use_authority_key_identifier_extension = true;
                params
                    .signed_by(&kp, &issuer)
                    .map_err(|e| created(format!("x509: {e}")))?
            }
        };
        certificate(pem_encode("CERTIFICATE", cert.der()), key_pem)
    }
}

fn parse_with_key(pem: &str) -> Result<PrivKey, String> {
    parse_private_key_pem(pem).map_err(|e| format!("parsing private key: {e}"))
}

fn gen_ca(cn: &str, days: i64, key: Result<PrivKey, String>) -> FnResult {
    let key = key?;
    let mut t = Template::new(cn, &Value::Missing, &Value::Missing, days)?;
    t.ca = true;
    t.sign(&key, None)
}

fn gen_self_signed(a: &[Value], key: Result<PrivKey, String>) -> FnResult {
    let key = key?;
    Template::new(s(&a[0]), &a[1], &a[2], int(&a[3]))?.sign(&key, None)
}

fn gen_signed(a: &[Value], key: Result<PrivKey, String>) -> FnResult {
    let key = key?;
    let ca = &a[4];
    let (_, ca_der) = pem_decode(cert_field(ca, "Cert")).ok_or("unable to decode certificate")?;
    parse_certificate(&ca_der)
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
    let ca_key = parse_private_key_pem(cert_field(ca, "Key"))
        .map_err(|e| format!("error parsing private key: {e}"))?;
    Template::new(s(&a[0]), &a[1], &a[2], int(&a[3]))?.sign(&key, Some((&ca_der, &ca_key)))
}

/// sprig's `buildCustomCert`.
fn build_custom_cert(b64cert: &str, b64key: &str) -> FnResult {
    let cert =
        super::sprig::go_b64_decode(b64cert).map_err(|_| "unable to decode base64 certificate")?;
    let key =
        super::sprig::go_b64_decode(b64key).map_err(|_| "unable to decode base64 private key")?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let (_, der) = pem_decode(&cert).ok_or("unable to decode certificate")?;
    parse_certificate(&der)
        .map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
    parse_private_key_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    certificate(cert, key)
}

fn rsa_2048() -> Result<PrivKey, String> {
    gen_rsa(2048).map_err(|e| format!("error generating rsa key: {e}"))
}

/// The functions this module adds to sprig's table.
pub(crate) fn functions() -> Vec<(&'static str, Func)> {
    use Ty::*;
    vec![
        (
            "genPrivateKey",
            f(&[Str], |a| string(gen_private_key(s(&a[0])))),
        ),
        (
            "buildCustomCert",
            f(&[Str, Str], |a| build_custom_cert(s(&a[0]), s(&a[1]))),
        ),
        (
            "genCA",
            f(&[Str, Int], |a| gen_ca(s(&a[0]), int(&a[1]), rsa_2048())),
        ),
        (
            "genCAWithKey",
            f(&[Str, Int, Str], |a| {
                gen_ca(s(&a[0]), int(&a[1]), parse_with_key(s(&a[2])))
            }),
        ),
        (
            "genSelfSignedCert",
            f(&[Str, List, List, Int], |a| gen_self_signed(a, rsa_2048())),
        ),
        (
            "genSelfSignedCertWithKey",
            f(&[Str, List, List, Int, Str], |a| {
                gen_self_signed(a, parse_with_key(s(&a[4])))
            }),
        ),
        (
            "genSignedCert",
            f(&[Str, List, List, Int, Cert], |a| gen_signed(a, rsa_2048())),
        ),
        (
            "genSignedCertWithKey",
            f(&[Str, List, List, Int, Cert, Str], |a| {
                gen_signed(a, parse_with_key(s(&a[5])))
            }),
        ),
    ]
}
