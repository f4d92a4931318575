//! JSON exactly as Go's `encoding/json` writes it, for everything the project must print or hash
//! byte for byte as kcp and the Go agent do (kcp's plugins' `-o json`, APIResourceSchema names,
//! the agent's state Secrets, managed-fields keys, sprig's `toJson`):
//!
//! - compact; strings with the encoder's HTML escaping (`<`, `>`, `&` as `\u003c`, `\u003e`,
//!   `\u0026`), U+2028 and U+2029 escaped, `\b`, `\f`, `\n`, `\r`, `\t` short, other control
//!   characters as `\u00XX`;
//! - numbers as Go writes them after decoding JSON into `interface{}` the way the Kubernetes API
//!   machinery does (`k8s.io/apimachinery/pkg/util/json`): integers that fit an `int64` as
//!   integers, everything else as a `float64` in Go's shortest format (`1e-7`, `1e+21`, integral
//!   values without a decimal point);
//! - objects either in the order the [`serde_json::Value`] holds them ([`to_string`]: the
//!   workspace's `serde_json` keeps insertion order, so a caller puts a Go struct's fields in
//!   declaration order) or with keys sorted bytewise, as Go writes a map ([`to_string_sorted`]);
//!   typed structs with `omitempty` are written field by field with [`Object`].

use std::fmt::Write as _;

use serde_json::{Number, Value};

/// Appends `s` as a Go JSON string with HTML escaping (`json.Marshal`'s and `json.Encoder`'s
/// default).
pub fn write_string(out: &mut String, s: &str) {
    write_string_escaping(out, s, true);
}

/// Appends `s` as a Go JSON string; `html`: whether `<`, `>` and `&` are escaped
/// (`SetEscapeHTML`).
pub fn write_string_escaping(out: &mut String, s: &str, html: bool) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '<' if html => Some("\\u003c"),
            '>' if html => Some("\\u003e"),
            '&' if html => Some("\\u0026"),
            '\u{2028}' => Some("\\u2028"),
            '\u{2029}' => Some("\\u2029"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A Go JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(&mut out, s);
    out
}

/// A `float64` as Go's encoder writes it: `%f`-style shortest digits, or `%e`-style below 1e-6
/// and from 1e21 on, with a negative exponent's leading zero cut (`1e-7`, `1e+21`). Go refuses
/// NaN and infinities; they come out as `strconv` spells them.
pub fn format_float(f: f64) -> String {
    if !f.is_finite() {
        return non_finite(f);
    }
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

/// Appends a `float64` as Go's encoder writes it ([`format_float`]).
///
/// # Panics
///
/// On NaN and infinities, which Go refuses to encode (and JSON cannot carry).
pub fn write_float(out: &mut String, f: f64) {
    assert!(f.is_finite(), "Go's encoder rejects {f}");
    out.push_str(&format_float(f));
}

fn non_finite(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f > 0.0 {
        "+Inf".into()
    } else {
        "-Inf".into()
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

/// Appends a JSON number as Go writes it after the API machinery decoded it: an `int64` when
/// it fits, else a `float64`.
pub fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(f) = n.as_f64() {
        write_float(out, f);
    } else {
        // arbitrary-precision numbers that f64 cannot hold: keep their text
        let _ = write!(out, "{n}");
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

/// Appends `value`; `sorted`: object keys in byte order (a Go map), else as held (a Go struct
/// whose fields the caller put in declaration order).
pub fn write_value(out: &mut String, value: &Value, sorted: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, sorted);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if sorted {
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            }
            let mut obj = Object::new(out);
            for (key, item) in entries {
                write_value(obj.key(key), item, sorted);
            }
            obj.end();
        }
    }
}

/// `v` as Go writes it, objects in the order held (no trailing newline).
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, false);
    out
}

/// `json.Marshal(v)` of a free-form value (`interface{}`): object keys sorted.
pub fn to_string_sorted(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, true);
    out
}

/// Writes a JSON object field by field, in the order the caller chooses (a Go struct's
/// declaration order, leaving out what `omitempty` leaves out).
pub struct Object<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> Object<'a> {
    /// Opens the object.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Object { out, empty: true }
    }

    /// Writes the key of the next field; the caller writes its value into the returned buffer.
    pub fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(self.out, key);
        self.out.push(':');
        self.out
    }

    /// A string field.
    pub fn string(&mut self, key: &str, value: &str) {
        write_string(self.key(key), value);
    }

    /// A string field with `omitempty`.
    pub fn string_omitempty(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.string(key, v);
        }
    }

    /// A `*string` field with `omitempty`: written when present, even empty.
    pub fn string_ptr(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.string(key, v);
        }
    }

    /// A bool field.
    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key).push_str(if value { "true" } else { "false" });
    }

    /// A bool field with `omitempty`: written when true.
    pub fn bool_omitempty(&mut self, key: &str, value: Option<bool>) {
        if value == Some(true) {
            self.bool(key, true);
        }
    }

    /// A `*bool` field with `omitempty`: written when present, even false.
    pub fn bool_ptr(&mut self, key: &str, value: Option<bool>) {
        if let Some(v) = value {
            self.bool(key, v);
        }
    }

    /// An integer field (`*int64` with `omitempty`: written when present, even 0).
    pub fn int_ptr(&mut self, key: &str, value: Option<i64>) {
        if let Some(v) = value {
            let _ = write!(self.key(key), "{v}");
        }
    }

    /// A `*float64` field with `omitempty`: written when present, even 0.
    pub fn float_ptr(&mut self, key: &str, value: Option<f64>) {
        if let Some(v) = value {
            write_float(self.key(key), v);
        }
    }

    /// A `[]string` field with `omitempty`: written when non-empty.
    pub fn strings_omitempty(&mut self, key: &str, value: Option<&[String]>) {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            write_strings(self.key(key), v);
        }
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push('}');
    }
}

/// Appends a slice (non-nil), each item written by `write`.
pub fn write_array<T>(out: &mut String, items: &[T], write: impl Fn(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(out, item);
    }
    out.push(']');
}

/// Appends a `[]string` (non-nil).
pub fn write_strings(out: &mut String, values: &[String]) {
    write_array(out, values, |out, v| write_string(out, v));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_as_go_prints_them() {
        // expectations from Go's json.Marshal(float64)
        let cases = [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (1.5, "1.5"),
            (-3.0, "-3"),
            (0.1, "0.1"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (1e-10, "1e-10"),
            (123456789.0, "123456789"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.2345e22, "1.2345e+22"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (12345678901234567890.0, "12345678901234567000"),
            (0.3, "0.3"),
            (2.0 / 3.0, "0.6666666666666666"),
        ];
        for (f, want) in cases {
            let mut s = String::new();
            write_float(&mut s, f);
            assert_eq!(s, want, "{f:e}");
        }
    }

    #[test]
    fn floats_as_go_writes_them_in_json_and_yaml() {
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
    fn strings_are_html_escaped() {
        let mut s = String::new();
        write_string(
            &mut s,
            "a<b>&\"\\\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é\u{2028}\u{2029}😀",
        );
        let want = concat!(
            r#""a\u003cb\u003e\u0026\"\\\b\f\n\r\t\u0001\u001f"#,
            "\u{7f}",
            r#"é\u2028\u2029😀""#
        );
        assert_eq!(s, want);
        let mut raw = String::new();
        write_string_escaping(&mut raw, "<&>\u{2028}", false);
        assert_eq!(raw, r#""<&>\u2028""#);
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
    fn values_sort_keys_and_normalise_numbers() {
        let v = json!({"z": 1, "a": [1.0, 2.5, -7, 18446744073709551615u64, null, true], "m": {"y": "<", "b": {}}});
        assert_eq!(
            to_string_sorted(&v),
            r#"{"a":[1,2.5,-7,18446744073709552000,null,true],"m":{"b":{},"y":"\u003c"},"z":1}"#
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

    #[test]
    fn objects_follow_the_callers_order() {
        let mut s = String::new();
        let mut o = Object::new(&mut s);
        o.string("b", "x");
        o.string_omitempty("skip", Some(""));
        o.string_ptr("empty", Some(""));
        o.bool_omitempty("no", Some(false));
        o.bool_ptr("f", Some(false));
        o.int_ptr("zero", Some(0));
        o.float_ptr("half", Some(0.5));
        o.strings_omitempty("none", Some(&[]));
        o.strings_omitempty("list", Some(&["a".to_owned()]));
        o.end();
        assert_eq!(
            s,
            r#"{"b":"x","empty":"","f":false,"zero":0,"half":0.5,"list":["a"]}"#
        );
    }
}
