//! JSON exactly as Go's `encoding/json` writes it, which is what kcp's plugins print for
//! `-o json`: compact, `<`, `>` and `&` escaped as `\u003c`, `\u003e`, `\u0026` (and U+2028,
//! U+2029 as `\u2028`, `\u2029`), and numbers in Go's shortest float format (`1e-07`, `1e+21`,
//! integral values without a decimal point).
//!
//! Objects are written in the order the [`serde_json::Value`] holds them (the crate keeps
//! insertion order), so a caller puts a Go struct's fields in declaration order and a Go map's
//! keys sorted. [`canonical_number`] gives a number the form Go would read it back in, so that
//! JSON and YAML output agree with Go's on every number.

use serde_json::{Number, Value};

/// `v` as Go's `json.Marshal` would write it (no trailing newline).
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(n)),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// A JSON string with Go's escaping (HTML-safe).
fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\0'..='\u{1f}' => {
                let n = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((n >> shift) & 0xf) as usize] as char);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Go's `encoding/json` writes it.
pub fn format_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    format_float(n.as_f64().unwrap_or_default())
}

/// Go's `encoding/json` float64 format: `%f`-style shortest digits, or `%e`-style below 1e-6
/// and from 1e21 on (with a two-digit negative exponent cut to one: `1e-7`, not `1e-07`).
pub fn format_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format_e(f);
        // Go: "clean up e-09 to e-9".
        match s.strip_suffix(|c: char| c.is_ascii_digit()) {
            Some(head) if head.ends_with("e-0") => {
                format!("{}{}", &head[..head.len() - 1], &s[s.len() - 1..])
            }
            _ => s,
        }
    } else {
        format_f(f)
    }
}

/// The shortest decimal digits of `f` and its decimal point position: `f = 0.d1d2… × 10^dp`.
fn shortest_digits(f: f64) -> (bool, String, i32) {
    let neg = f.is_sign_negative();
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (neg, digits, exp + 1)
}

/// Go's `strconv.FormatFloat(f, 'e', -1, 64)`: `d.ddde±XX`.
fn format_e(f: f64) -> String {
    let (neg, digits, dp) = shortest_digits(f);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    let exp = if f == 0.0 { 0 } else { dp - 1 };
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
    out
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`.
fn format_f(f: f64) -> String {
    let (neg, digits, dp) = shortest_digits(f);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if f == 0.0 {
        out.push('0');
        return out;
    }
    if dp <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', dp.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let dp = dp as usize;
        if digits.len() <= dp {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', dp - digits.len()));
        } else {
            out.push_str(&digits[..dp]);
            out.push('.');
            out.push_str(&digits[dp..]);
        }
    }
    out
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`, which go-yaml uses for floats: `%e` when the
/// decimal exponent is below -4 or at least 6, else `%f`.
pub fn format_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let (_, _, dp) = shortest_digits(f);
    let exp = dp - 1;
    // Go: "if precision was the shortest possible, use precision 6 for this decision".
    if f != 0.0 && !(-4..6).contains(&exp) {
        format_e(f)
    } else {
        format_f(f)
    }
}

/// The number Go reads back from the JSON text it wrote for `n`: a whole number that fits 64
/// bits is an integer (Go writes `5` for `5.0`, and YAML and JSON readers then see an integer),
/// anything else a float.
pub fn canonical_number(n: &Number) -> Number {
    if n.is_i64() || n.is_u64() {
        return n.clone();
    }
    let f = n.as_f64().unwrap_or_default();
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return Number::from(f as i64);
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return Number::from(f as u64);
        }
    }
    n.clone()
}

/// Every number in `v` in its [`canonical_number`] form.
pub fn canonicalize_numbers(v: &mut Value) {
    match v {
        Value::Number(n) => *n = canonical_number(n),
        Value::Array(items) => items.iter_mut().for_each(canonicalize_numbers),
        Value::Object(map) => map.values_mut().for_each(canonicalize_numbers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_as_go_writes_them() {
        for (f, json, yaml) in [
            (0.5, "0.5", "0.5"),
            (1.25e-7, "1.25e-7", "1.25e-07"),
            (1e-6, "0.000001", "1e-06"),
            (0.0001, "0.0001", "0.0001"),
            (0.00001, "0.00001", "1e-05"),
            (1e21, "1e+21", "1e+21"),
            (1e20, "100000000000000000000", "1e+20"),
            (1234567.5, "1234567.5", "1.2345675e+06"),
            (123456.5, "123456.5", "123456.5"),
            (-2.5, "-2.5", "-2.5"),
            (3.0, "3", "3"),
        ] {
            assert_eq!(format_float(f), json, "json {f}");
            assert_eq!(format_g(f), yaml, "yaml {f}");
        }
    }

    #[test]
    fn html_safe_strings_and_order() {
        let v =
            json!({"b": "<a & b>", "a": [1, 2.5, null, true], "c": "line\nnext\t\u{2028}\u{1}"});
        assert_eq!(
            to_string(&v),
            r#"{"b":"\u003ca \u0026 b\u003e","a":[1,2.5,null,true],"c":"line\nnext\t\u2028\u0001"}"#
        );
    }

    #[test]
    fn whole_floats_read_back_as_integers() {
        let mut v = json!({"a": 5.0, "b": 0.5, "c": [1e19, -3.0, 1e20], "d": 7});
        canonicalize_numbers(&mut v);
        assert_eq!(
            to_string(&v),
            r#"{"a":5,"b":0.5,"c":[10000000000000000000,-3,100000000000000000000],"d":7}"#
        );
        assert!(v["a"].is_i64());
        assert!(v["c"][0].is_u64());
    }
}
