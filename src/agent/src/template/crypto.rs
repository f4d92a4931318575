//! sprig's crypto functions: `randBytes`, `encryptAES`/`decryptAES` (AES-256-CBC with PKCS#7
//! padding and a random IV, base64), `bcrypt`/`htpasswd` (cost 10, `$2a$`), and
//! `derivePassword` (the Master Password algorithm: scrypt N=32768 r=8 p=2, HMAC-SHA256, the
//! site templates).

use aes::cipher::{BlockDecrypt as _, BlockEncrypt as _, KeyInit as _};
use base64::Engine as _;
use hmac::Mac as _;
use rand::RngCore as _;

use super::funcs::{FnResult, Func, Ty, f};

use super::sprig::{int, s, string};

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// AES-256 with the password's first 32 bytes as key (zero-padded), as sprig does.
fn cipher(password: &str) -> aes::Aes256 {
    let mut key = [0u8; 32];
    let p = password.as_bytes();
    let n = p.len().min(32);
    key[..n].copy_from_slice(&p[..n]);
    aes::Aes256::new(&key.into())
}

fn encrypt_aes(password: &str, plaintext: &str) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let c = cipher(password);
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = vec![0u8; 16];
    rand::rng().fill_bytes(&mut out);
    let mut prev: [u8; 16] = out[..16].try_into().unwrap_or([0; 16]);
    for chunk in content.chunks(16) {
        let mut block = [0u8; 16];
        for i in 0..16 {
            block[i] = chunk[i] ^ prev[i];
        }
        let mut b = block.into();
        c.encrypt_block(&mut b);
        prev = b.into();
        out.extend_from_slice(&prev);
    }
    b64().encode(out)
}

fn decrypt_aes(password: &str, crypt64: &str) -> FnResult {
    if crypt64.is_empty() {
        return string("");
    }
    let crypt = super::sprig::go_b64_decode(crypt64)?;
    if crypt.len() < 16 {
        // Go slices past the length within the decode buffer's capacity.
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            crypt64.len() / 4 * 3
        ));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let c = cipher(password);
    let mut prev: [u8; 16] = iv.try_into().unwrap_or([0; 16]);
    let mut out = Vec::with_capacity(body.len());
    for chunk in body.chunks(16) {
        let mut b: aes::Block = <[u8; 16]>::try_from(chunk).unwrap_or([0; 16]).into();
        c.decrypt_block(&mut b);
        for i in 0..16 {
            out.push(b[i] ^ prev[i]);
        }
        prev = chunk.try_into().unwrap_or([0; 16]);
    }
    let Some(&last) = out.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let end = out.len() as i64 - i64::from(last);
    if end < 0 {
        return Err(format!("runtime error: slice bounds out of range [:{end}]"));
    }
    string(String::from_utf8_lossy(&out[..end as usize]).into_owned())
}

/// Go's `bcrypt.GenerateFromPassword(input, bcrypt.DefaultCost)`.
fn bcrypt_hash(input: &str) -> String {
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_result(input, 10) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const MASTER_PASSWORD_SEED: &str = "com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        b'x' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
        _ => b"",
    }
}

/// sprig's `derivePassword` (Master Password v3).
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(templates) = password_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let params = match scrypt::Params::new(15, 8, 2, 64) {
        Ok(p) => p,
        Err(e) => return format!("failed to derive password: {e}"),
    };
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }
    let mut msg = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&key) else {
        return "failed to derive password: bad key".into();
    };
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let temp = templates[usize::from(seed[0]) % templates.len()];
    temp.bytes()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(c);
            chars[usize::from(seed[i + 1]) % chars.len()] as char
        })
        .collect()
}

/// The functions this module adds to sprig's table.
pub(crate) fn functions() -> Vec<(&'static str, Func)> {
    use Ty::*;
    vec![
        (
            "randBytes",
            f(&[Int], |a| {
                let n = int(&a[0]);
                if n < 0 {
                    return Err("runtime error: makeslice: len out of range".into());
                }
                let mut buf = vec![0u8; n as usize];
                rand::rng().fill_bytes(&mut buf);
                string(b64().encode(buf))
            }),
        ),
        (
            "encryptAES",
            f(&[Str, Str], |a| string(encrypt_aes(s(&a[0]), s(&a[1])))),
        ),
        (
            "decryptAES",
            f(&[Str, Str], |a| decrypt_aes(s(&a[0]), s(&a[1]))),
        ),
        ("bcrypt", f(&[Str], |a| string(bcrypt_hash(s(&a[0]))))),
        (
            "htpasswd",
            f(&[Str, Str], |a| {
                let user = s(&a[0]);
                if user.contains(':') {
                    return string(format!("invalid username: {user}"));
                }
                string(format!("{user}:{}", bcrypt_hash(s(&a[1]))))
            }),
        ),
        (
            "derivePassword",
            f(&[Uint32, Str, Str, Str, Str], |a| {
                string(derive_password(
                    int(&a[0]) as u32,
                    s(&a[1]),
                    s(&a[2]),
                    s(&a[3]),
                    s(&a[4]),
                ))
            }),
        ),
    ]
}
