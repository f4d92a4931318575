//! The hashes and encodings kcp derives names from: SHA-224 digests written in base36 or base62
//! (Go's `big.Int.Text` digit order `0-9a-zA-Z`), with kcp's optional "one `0` per leading zero
//! byte" padding, and lowercase hex SHA-224/SHA-256. Every generated name in `kcp-api`
//! (cluster names, label values, binding names, identity hashes) goes through here.

use sha2::{Digest, Sha224, Sha256};

const DIGITS: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The base-`base` text of `bytes` read as a big-endian unsigned integer, without leading zeros
/// (`"0"` for an empty or all-zero input), like Go's `new(big.Int).SetBytes(b).Text(base)`.
pub fn encode(bytes: &[u8], base: u8) -> String {
    debug_assert!((2..=62).contains(&base));
    let mut num: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if num.is_empty() {
        return "0".to_owned();
    }
    let mut out = Vec::with_capacity(num.len() * 2);
    // Schoolbook long division of the big-endian number by `base`, one digit per pass.
    while !num.is_empty() {
        let mut rem: u32 = 0;
        let mut quotient = Vec::with_capacity(num.len());
        for &b in &num {
            let acc = (rem << 8) | u32::from(b);
            let q = acc / u32::from(base);
            rem = acc % u32::from(base);
            if !(quotient.is_empty() && q == 0) {
                quotient.push(q as u8);
            }
        }
        out.push(DIGITS[rem as usize]);
        num = quotient;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Like [`encode`], with one `0` prepended per leading zero byte of `bytes`; an all-zero input
/// gives as many `0`s as it has bytes (kcp's `Encoder.BytesPad`).
pub fn encode_pad(bytes: &[u8], base: u8) -> String {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    if zeros == bytes.len() {
        return "0".repeat(zeros);
    }
    let mut s = "0".repeat(zeros);
    s.push_str(&encode(bytes, base));
    s
}

/// SHA-224 of `data`.
pub fn sha224(data: &[u8]) -> [u8; 28] {
    Sha224::digest(data).into()
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// base36(SHA-224(data)), leading zero bytes dropped (kcp `Base36Sha224.String`).
pub fn base36_sha224(data: &[u8]) -> String {
    encode(&sha224(data), 36)
}

/// base36(SHA-224(data)) with zero-byte padding (kcp `Base36Sha224.StringPad`).
pub fn base36_sha224_pad(data: &[u8]) -> String {
    encode_pad(&sha224(data), 36)
}

/// base62(SHA-224(data)), leading zero bytes dropped (kcp `Base62Sha224.String`).
pub fn base62_sha224(data: &[u8]) -> String {
    encode(&sha224(data), 62)
}

/// Lowercase hex SHA-224 of `data`.
pub fn hex_sha224(data: &[u8]) -> String {
    hex(&sha224(data))
}

/// Lowercase hex SHA-256 of `data`.
pub fn hex_sha256(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from kcp's `pkg/util/crypto` encoder and hasher tests.
    #[test]
    fn encoder_vectors() {
        assert_eq!(encode(&[], 36), "0");
        assert_eq!(encode(&[0], 36), "0");
        assert_eq!(encode(&[1], 36), "1");
        assert_eq!(encode(&[0xff], 36), "73");
        assert_eq!(encode(&[1, 0], 36), "74");
        assert_eq!(encode(&[0xff], 62), "47");
        assert_eq!(encode(&u64::MAX.to_be_bytes(), 36), "3w5e11264sgsf");
        assert_eq!(encode_pad(&[0, 1], 36), "01");
        assert_eq!(encode_pad(&[0, 0, 1], 36), "001");
        assert_eq!(
            encode_pad(&[0x00, 0xc6, 0x50, 0xb1, 0xad, 0x5a, 0x99, 0xc3], 36),
            "0f9mt7goyif7"
        );
        assert_eq!(encode_pad(&[0, 0], 36), "00");
        assert_eq!(encode_pad(&[], 36), "");
        assert_eq!(encode_pad(&[0, 1], 62), "01");
    }

    #[test]
    fn hasher_vectors() {
        assert_eq!(
            base36_sha224(b""),
            "2n6a5vwpk9ckyxi5x87i7768t4bpqmp64qi0556ih35b"
        );
        assert_eq!(
            base36_sha224(b"hello"),
            "2yfg0ibsewngbzapgs5fesiord507vsncfiw4jd5c2oj"
        );
        assert_eq!(
            base36_sha224(b"input50"),
            "4xtfzmllsov5334t8xolbc31qfgtl44oza013n6uzk"
        );
        assert_eq!(
            base36_sha224_pad(b"input50"),
            "04xtfzmllsov5334t8xolbc31qfgtl44oza013n6uzk"
        );
        assert_eq!(base62_sha224(b""), "aAkHCkvjglfF66mdhRcVKb0I3FT1lepYlWZNwj");
        assert_eq!(
            base62_sha224(b"hello"),
            "bPWFAjMdldrWYheSsV0t7VkdTNtgGHBplr6qLF"
        );
        assert_eq!(
            base62_sha224(b"input50"),
            "WF7EK9IErgKvTHdcQRzkjJDEJDBOwfQSmzEQ"
        );
        assert_eq!(
            encode_pad(&sha224(b"input50"), 62),
            "0WF7EK9IErgKvTHdcQRzkjJDEJDBOwfQSmzEQ"
        );
    }

    #[test]
    fn hex_digests() {
        assert_eq!(
            hex_sha224(b""),
            "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"
        );
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
