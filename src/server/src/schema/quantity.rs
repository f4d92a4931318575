//! Checks resource quantities (`100m`, `1.5Gi`, `2e3`) the way `resource.ParseQuantity` does.
//!
//! A built-in object with a malformed quantity fails to decode with one of apimachinery's three
//! quantity errors, which kube-apiserver puts in its 400 message. This module scans a quantity
//! with the same rules (sign, digits, optional fraction, a suffix that is a binary-SI, decimal-SI
//! or exponent suffix) and returns the same error texts. (apimachinery's third error,
//! `unable to parse numeric part of quantity`, cannot be reached by a string that passes these.)

/// `resource.ErrFormatWrong`.
pub const ERR_FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// `resource.ErrSuffix`.
pub const ERR_SUFFIX: &str = "unable to parse quantity's suffix";

/// Checks `s` (already trimmed of surrounding whitespace) as a quantity.
pub fn check_quantity(s: &str) -> Result<(), &'static str> {
    if s.is_empty() {
        return Err(ERR_FORMAT_WRONG);
    }
    if s == "0" {
        return Ok(());
    }
    let suffix = split_suffix(s.as_bytes())?;
    if !known_suffix(suffix) {
        return Err(ERR_SUFFIX);
    }
    Ok(())
}

/// The scanner of `parseQuantityString`: returns the suffix part, or the format error.
fn split_suffix(b: &[u8]) -> Result<&[u8], &'static str> {
    let end = b.len();
    let mut pos = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        pos += 1;
    }
    // Digits of the numerator (leading zeros included), then an optional `.` and fraction.
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos >= end {
        return Ok(&[]);
    }
    if b[pos] == b'.' {
        pos += 1;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos >= end {
            return Ok(&[]);
        }
    }
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos >= end {
        return Ok(&b[suffix_start..]);
    }
    if matches!(b[pos], b'-' | b'+') {
        pos += 1;
    }
    while pos < end {
        if !b[pos].is_ascii_digit() {
            return Err(ERR_FORMAT_WRONG);
        }
        pos += 1;
    }
    Ok(&b[suffix_start..])
}

/// `quantitySuffixer.interpret`: binary SI, decimal SI, or `e`/`E` followed by an int64.
fn known_suffix(s: &[u8]) -> bool {
    const KNOWN: &[&[u8]] = &[
        b"", b"Ki", b"Mi", b"Gi", b"Ti", b"Pi", b"Ei", b"n", b"u", b"m", b"k", b"M", b"G", b"T",
        b"P", b"E",
    ];
    if KNOWN.contains(&s) {
        return true;
    }
    if s.len() > 1 && (s[0] == b'e' || s[0] == b'E') {
        return std::str::from_utf8(&s[1..])
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .is_some();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_forms() {
        for q in [
            "0",
            "1",
            "100m",
            "1.5",
            "1.5Gi",
            "128974848",
            "129e6",
            "129M",
            "123Mi",
            "-1",
            "+2k",
            "1E3",
            "1e-3",
            ".5",
            "5.",
            "0.1Ei",
            "00012",
        ] {
            assert_eq!(check_quantity(q), Ok(()), "{q}");
        }
    }

    #[test]
    fn rejects_like_apimachinery() {
        assert_eq!(check_quantity("abc"), Err(ERR_FORMAT_WRONG));
        assert_eq!(check_quantity("true"), Err(ERR_FORMAT_WRONG));
        assert_eq!(check_quantity("{\"a\":1}"), Err(ERR_FORMAT_WRONG));
        assert_eq!(check_quantity("1x"), Err(ERR_FORMAT_WRONG));
        assert_eq!(check_quantity("1Gb"), Err(ERR_FORMAT_WRONG));
        assert_eq!(check_quantity("1KiB"), Err(ERR_FORMAT_WRONG));
        assert_eq!(check_quantity("1mi"), Err(ERR_SUFFIX));
        assert_eq!(check_quantity("1Ki2"), Err(ERR_SUFFIX));
        assert_eq!(check_quantity(""), Err(ERR_FORMAT_WRONG));
    }
}
