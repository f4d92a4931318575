//! sprig's key and certificate functions: their results are random, so the tests check their
//! properties (PEM types, the parsed certificate's fields, signatures, the keys used) and the
//! error texts sprig v3.3.0 gives for bad input.

use std::net::IpAddr;

use base64::Engine as _;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer as _, X509Certificate};

use super::render;

fn ok(template: &str) -> String {
    render(template, &serde_json::json!({})).unwrap_or_else(|e| panic!("{template}: {e}"))
}

fn err(template: &str) -> String {
    match render(template, &serde_json::json!({})) {
        Ok(out) => panic!("{template}: expected an error, got {out:?}"),
        Err(e) => e.to_string(),
    }
}

/// The type and bytes of a PEM block that is the whole text (after `render`'s trim).
fn pem(text: &str) -> (String, Vec<u8>) {
    let mut lines = text.trim().lines();
    let first = lines.next().unwrap_or_default();
    let typ = first
        .strip_prefix("-----BEGIN ")
        .and_then(|t| t.strip_suffix("-----"))
        .unwrap_or_else(|| panic!("not PEM: {text}"))
        .to_string();
    let mut b64 = String::new();
    for line in lines {
        if line == format!("-----END {typ}-----") {
            break;
        }
        assert!(line.len() <= 64, "PEM line longer than 64: {line}");
        b64.push_str(line);
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("PEM base64");
    (typ, der)
}

fn cert_der(text: &str) -> Vec<u8> {
    let (typ, der) = pem(text);
    assert_eq!(typ, "CERTIFICATE");
    der
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    let (rest, cert) = X509Certificate::from_der(der).expect("certificate parses");
    assert!(rest.is_empty());
    cert
}

fn cn(cert: &X509Certificate<'_>) -> String {
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The SANs: DNS names and IP addresses, in order.
fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => format!("dns:{d}"),
            GeneralName::IPAddress(b) => match b.len() {
                4 => format!("ip:{}", IpAddr::from(<[u8; 4]>::try_from(*b).unwrap())),
                16 => format!("ip:{}", IpAddr::from(<[u8; 16]>::try_from(*b).unwrap())),
                _ => format!("ip?:{b:?}"),
            },
            other => format!("{other:?}"),
        })
        .collect()
}

fn days(cert: &X509Certificate<'_>) -> i64 {
    let v = cert.validity();
    (v.not_after.timestamp() - v.not_before.timestamp()) / 86_400
}

fn is_ca(cert: &X509Certificate<'_>) -> bool {
    cert.basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|b| b.value.ca)
}

/// A template that stores a certificate struct in `$c` and prints its certificate, a `|`,
/// and its key.
fn cert_and_key(expr: &str) -> (String, String) {
    let out = ok(&format!(
        "{{{{ $c := {expr} }}}}{{{{ $c.Cert }}}}|{{{{ $c.Key }}}}"
    ));
    let (c, k) = out.split_once('|').expect("separator");
    (c.to_string(), k.to_string())
}

#[test]
fn gen_private_key_types() {
    let ec = ok(r#"{{ genPrivateKey "ecdsa" }}"#);
    let (typ, der) = pem(&ec);
    assert_eq!(typ, "EC PRIVATE KEY");
    // SEC1 with a 32-byte scalar, the P-256 OID and the 65-byte public point.
    assert_eq!(der.len(), 121);
    assert!(
        der.windows(8)
            .any(|w| w == [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07])
    );

    let ed = ok(r#"{{ genPrivateKey "ed25519" }}"#);
    let (typ, der) = pem(&ed);
    assert_eq!(typ, "PRIVATE KEY");
    assert_eq!(der.len(), 48, "Go's PKCS#8 v1 Ed25519 key");
    assert_ne!(ed, ok(r#"{{ genPrivateKey "ed25519" }}"#));

    assert_eq!(ok(r#"{{ genPrivateKey "foo" }}"#), "Unknown type foo");
    assert_eq!(ok(r#"{{ genPrivateKey "RSA" }}"#), "Unknown type RSA");
}

#[test]
fn gen_private_key_rsa() {
    let rsa = ok(r#"{{ genPrivateKey "rsa" }}"#);
    let (typ, der) = pem(&rsa);
    assert_eq!(typ, "RSA PRIVATE KEY");
    let key = <rsa::RsaPrivateKey as rsa::pkcs1::DecodeRsaPrivateKey>::from_pkcs1_der(&der)
        .expect("PKCS#1");
    assert_eq!(rsa::traits::PublicKeyParts::size(&key), 512);
}

#[test]
fn gen_private_key_dsa() {
    let dsa = ok(r#"{{ genPrivateKey "dsa" }}"#);
    let (typ, der) = pem(&dsa);
    assert_eq!(typ, "DSA PRIVATE KEY");
    // SEQUENCE { 0, P (2048 bits), Q (256 bits), G, Y, X }.
    let (rest, seq) = x509_parser::der_parser::parse_der(&der).expect("DER");
    assert!(rest.is_empty());
    let items = seq.as_sequence().expect("sequence");
    assert_eq!(items.len(), 6);
    let bits = |i: usize| items[i].as_biguint().expect("integer").bits();
    assert_eq!(bits(1), 2048);
    assert_eq!(bits(2), 256);
}

#[test]
fn gen_ca() {
    let (c, k) = cert_and_key(r#"genCA "my-ca" 30"#);
    assert_eq!(pem(&k).0, "RSA PRIVATE KEY");
    let der = cert_der(&c);
    let cert = parse(&der);
    assert_eq!(cn(&cert), "my-ca");
    assert_eq!(cert.issuer(), cert.subject());
    assert!(is_ca(&cert));
    assert_eq!(days(&cert), 30);
    let ku = cert.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && ku.key_encipherment() && ku.key_cert_sign());
    let eku = cert.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth && eku.client_auth);
    assert!(sans(&cert).is_empty());
    assert!(cert.tbs_certificate.raw_serial().len() <= 17);
    cert.verify_signature(None).expect("self-signed");
    assert_eq!(
        ok(r#"{{ $c := genCA "x" 1 }}{{ printf "%T" $c }}"#),
        "sprig.certificate"
    );
}

#[test]
fn gen_self_signed_cert() {
    let (c, k) = cert_and_key(
        r#"genSelfSignedCert "foo.com" (list "10.0.0.1" "::1" "::ffff:1.2.3.4") (list "bar.com" "*.baz.com") 365"#,
    );
    assert_eq!(pem(&k).0, "RSA PRIVATE KEY");
    let der = cert_der(&c);
    let cert = parse(&der);
    assert_eq!(cn(&cert), "foo.com");
    assert!(!is_ca(&cert));
    assert_eq!(days(&cert), 365);
    assert_eq!(
        sans(&cert),
        [
            "dns:bar.com",
            "dns:*.baz.com",
            "ip:10.0.0.1",
            "ip:::1",
            "ip:1.2.3.4"
        ]
    );
    let ku = cert.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && ku.key_encipherment() && !ku.key_cert_sign());
    cert.verify_signature(None).expect("self-signed");

    // nil lists are empty.
    let (c, _) = cert_and_key(r#"genSelfSignedCert "" nil nil 1"#);
    let der = cert_der(&c);
    let cert = parse(&der);
    assert_eq!(cn(&cert), "");
    assert!(sans(&cert).is_empty());
}

#[test]
fn gen_signed_cert() {
    let (cc, ck) = cert_and_key(r#"genCA "the-ca" 10"#);
    let (c, k) = cert_and_key(
        r#"genSignedCert "leaf" (list "192.168.1.1") (list "leaf.example") 7 (genCA "the-ca" 10)"#,
    );
    // A fresh CA each call: sign with one CA, kept in a variable.
    let out = ok(
        r#"{{ $ca := genCA "the-ca" 10 }}{{ $l := genSignedCert "leaf" (list "192.168.1.1") (list "leaf.example") 7 $ca }}{{ $ca.Cert }}|{{ $l.Cert }}|{{ $l.Key }}"#,
    );
    let parts: Vec<&str> = out.split('|').collect();
    let ca_der = cert_der(parts[0]);
    let ca = parse(&ca_der);
    let leaf_der = cert_der(parts[1]);
    let leaf = parse(&leaf_der);
    assert_eq!(pem(parts[2]).0, "RSA PRIVATE KEY");
    assert_eq!(cn(&leaf), "leaf");
    assert_eq!(leaf.issuer(), ca.subject());
    assert_eq!(days(&leaf), 7);
    assert!(!is_ca(&leaf));
    assert_eq!(sans(&leaf), ["dns:leaf.example", "ip:192.168.1.1"]);
    leaf.verify_signature(Some(ca.public_key()))
        .expect("signed by the CA");
    assert!(leaf.verify_signature(None).is_err());
    // The other two are well-formed too.
    assert_eq!(pem(&ck).0, "RSA PRIVATE KEY");
    parse(&cert_der(&cc));
    parse(&cert_der(&c));
    assert_eq!(pem(&k).0, "RSA PRIVATE KEY");
}

/// The `WithKey` variants certify the given key and give it back in Go's encoding.
#[test]
fn with_key_variants() {
    for (typ, key_type) in [("ecdsa", "EC PRIVATE KEY"), ("ed25519", "PRIVATE KEY")] {
        let out = ok(&format!(
            r#"{{{{ $k := genPrivateKey "{typ}" }}}}{{{{ $ca := genCAWithKey "ca" 3 $k }}}}{{{{ $s := genSelfSignedCertWithKey "self" (list "1.1.1.1") (list "a.b") 2 $k }}}}{{{{ $l := genSignedCertWithKey "leaf" nil (list "leaf") 1 $ca $k }}}}{{{{ $k }}}}|{{{{ $ca.Cert }}}}|{{{{ $ca.Key }}}}|{{{{ $s.Cert }}}}|{{{{ $s.Key }}}}|{{{{ $l.Cert }}}}|{{{{ $l.Key }}}}"#
        ));
        let p: Vec<&str> = out.split('|').collect();
        assert_eq!(p.len(), 7);
        let key = p[0].trim();
        for k in [p[2], p[4], p[6]] {
            assert_eq!(k.trim(), key, "{typ}: the key comes back as given");
        }
        assert_eq!(pem(key).0, key_type);
        let ca_der = cert_der(p[1]);
        let self_der = cert_der(p[3]);
        let leaf_der = cert_der(p[5]);
        let (ca, own, leaf) = (parse(&ca_der), parse(&self_der), parse(&leaf_der));
        assert!(is_ca(&ca));
        assert_eq!(cn(&own), "self");
        assert_eq!(sans(&own), ["dns:a.b", "ip:1.1.1.1"]);
        assert_eq!(days(&own), 2);
        // All three certify the same public key.
        assert_eq!(ca.public_key().raw, own.public_key().raw, "{typ}");
        assert_eq!(ca.public_key().raw, leaf.public_key().raw, "{typ}");
        own.verify_signature(None).expect("self-signed");
        leaf.verify_signature(Some(ca.public_key()))
            .expect("signed by the CA");
        assert_eq!(leaf.issuer(), ca.subject());
    }
}

/// An RSA key in PKCS#8 is accepted and given back as PKCS#1, as Go re-encodes it.
#[test]
fn with_rsa_pkcs8_key() {
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let pkcs8 = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&key, rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string();
    let pkcs1 = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(&key, rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string();
    let data = serde_json::json!({ "k": pkcs8 });
    let out = render(
        r#"{{ $c := genCAWithKey "ca" 1 .k }}{{ $c.Cert }}|{{ $c.Key }}"#,
        &data,
    )
    .unwrap();
    let (c, k) = out.split_once('|').unwrap();
    assert_eq!(k.trim(), pkcs1.trim());
    let der = cert_der(c);
    let cert = parse(&der);
    let spki = rsa::pkcs8::EncodePublicKey::to_public_key_der(&key.to_public_key()).unwrap();
    assert_eq!(cert.public_key().raw, spki.as_bytes());
}

#[test]
fn build_custom_cert() {
    let out = ok(
        r#"{{ $ca := genCAWithKey "ca" 5 (genPrivateKey "ecdsa") }}{{ $b := buildCustomCert ($ca.Cert | b64enc) ($ca.Key | b64enc) }}{{ eq $b.Cert $ca.Cert }} {{ eq $b.Key $ca.Key }} {{ $l := genSignedCertWithKey "l" nil nil 1 $b (genPrivateKey "ed25519") }}{{ $l.Cert }}"#,
    );
    let (flags, leaf) = out.split_once(' ').unwrap();
    assert_eq!(flags, "true");
    let (flag2, leaf) = leaf.split_once(' ').unwrap();
    assert_eq!(flag2, "true");
    parse(&cert_der(leaf));
}

#[test]
fn errors() {
    let e = |t: &str| err(t);
    let prefix = |t: &str, name: &str| {
        format!(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <{t}>: error calling {name}: "#
        )
    };
    let k = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let data = serde_json::json!({ "k": k, "b": "-----BEGIN FOO PRIVATE KEY-----\nAAAA\n-----END FOO PRIVATE KEY-----\n" });
    let rerr = |t: &str| render(t, &data).unwrap_err().to_string();

    assert_eq!(
        e(r#"{{ genCAWithKey "x" 1 "nope" }}"#),
        prefix(r#"genCAWithKey "x" 1 "nope""#, "genCAWithKey")
            + "parsing private key: no PEM data in input"
    );
    assert_eq!(
        rerr(r#"{{ genCAWithKey "x" 1 .k }}"#),
        prefix("genCAWithKey \"x\" 1 .k", "genCAWithKey")
            + "parsing private key: no private key data in PEM block of type CERTIFICATE"
    );
    assert_eq!(
        rerr(r#"{{ genSelfSignedCertWithKey "x" nil nil 1 .b }}"#),
        prefix(
            "genSelfSignedCertWithKey \"x\" nil nil 1 .b",
            "genSelfSignedCertWithKey"
        ) + "parsing private key: invalid private key type FOO PRIVATE KEY"
    );
    assert!(
        rerr(r#"{{ genCAWithKey "x" 1 (.k | replace "CERTIFICATE" "RSA PRIVATE KEY") }}"#)
            .contains("parsing private key: parsing RSA private key from PEM: ")
    );
    assert!(
        rerr(r#"{{ genCAWithKey "x" 1 (.k | replace "CERTIFICATE" "PRIVATE KEY") }}"#)
            .contains("parsing private key: decoding PEM as PKCS#8: ")
    );
    assert!(
        rerr(r#"{{ genCAWithKey "x" 1 (.k | replace "CERTIFICATE" "EC PRIVATE KEY") }}"#)
            .contains("parsing private key: parsing EC private key from PEM: ")
    );
    let ee = |t: &str, name: &str, msg: &str| {
        let got = e(t);
        assert!(
            got.ends_with(&format!("error calling {name}: {msg}")),
            "{t}: {got}"
        );
    };
    ee(
        r#"{{ genSelfSignedCertWithKey "x" (list "1.2.3") nil 1 (genPrivateKey "ecdsa") }}"#,
        "genSelfSignedCertWithKey",
        "error parsing ip: 1.2.3",
    );
    ee(
        r#"{{ genSelfSignedCertWithKey "x" (list 5) nil 1 (genPrivateKey "ecdsa") }}"#,
        "genSelfSignedCertWithKey",
        "error parsing ip: 5 is not a string",
    );
    ee(
        r#"{{ genSelfSignedCertWithKey "x" nil (list "a" true) 1 (genPrivateKey "ecdsa") }}"#,
        "genSelfSignedCertWithKey",
        "error processing alternate dns name: true is not a string",
    );
    ee(
        r#"{{ genSelfSignedCertWithKey "x" nil (list "é") 1 (genPrivateKey "ecdsa") }}"#,
        "genSelfSignedCertWithKey",
        r#"error creating certificate: x509: "é" cannot be encoded as an IA5String"#,
    );
    ee(
        r#"{{ buildCustomCert "!" "" }}"#,
        "buildCustomCert",
        "unable to decode base64 certificate",
    );
    ee(
        r#"{{ buildCustomCert "" "!" }}"#,
        "buildCustomCert",
        "unable to decode base64 private key",
    );
    ee(
        r#"{{ buildCustomCert "aGVsbG8=" "" }}"#,
        "buildCustomCert",
        "unable to decode certificate",
    );
    assert!(
        rerr(r#"{{ buildCustomCert (.k | b64enc) "" }}"#)
            .ends_with("error calling buildCustomCert: error parsing certificate: decodedCert.Bytes: x509: malformed certificate")
    );
    assert!(
        e(r#"{{ $c := genCAWithKey "c" 1 (genPrivateKey "ecdsa") }}{{ buildCustomCert ($c.Cert | b64enc) ("x" | b64enc) }}"#)
            .ends_with("error calling buildCustomCert: error parsing private key: no PEM data in input")
    );
    // A CA whose certificate or key does not decode.
    assert!(
        e(r#"{{ $c := genCAWithKey "c" 1 (genPrivateKey "ecdsa") }}{{ genSignedCertWithKey "l" nil nil 1 (dict "Cert" "x") $c.Key }}"#)
            .contains("wrong type for value; expected sprig.certificate; got map[string]interface {}")
    );
    // The certificate struct's type is checked.
    assert!(
        e(r#"{{ genSignedCert "l" nil nil 1 "x" }}"#)
            .contains(r#"can't handle "x" for arg of type sprig.certificate"#)
    );
    // DSA keys cannot sign a certificate.
    assert!(
        rerr(r#"{{ genCAWithKey "x" 1 "-----BEGIN DSA PRIVATE KEY-----\nMBICAQACAQECAQECAQECAQECAQE=\n-----END DSA PRIVATE KEY-----\n" }}"#)
            .ends_with("error calling genCAWithKey: error creating certificate: x509: certificate private key does not implement crypto.Signer")
    );
}
