//! Go `encoding/json` output, byte for byte, for what the Go agent hashes (`reference/api-syncagent.md`
//! §4.3, §13): compact, `<`, `>`, `&`, U+2028 and U+2029 escaped (the encoder's HTML escaping),
//! `\b`, `\f`, `\n`, `\r`, `\t` and other control characters as `\u00XX`, object keys of maps in
//! byte order, and numbers as Go prints them.
//!
//! The workspace's `serde_json` keeps object keys in insertion order (`preserve_order`), so its
//! output cannot be used: these functions write the bytes themselves. Typed Go structs (with
//! their declaration order and `omitempty`) are walked by the caller with [`Object`].

use std::fmt::Write as _;

use serde_json::Value;

/// Appends `s` as a Go JSON string (HTML escaping on, as `json.Marshal` and `json.Encoder` do by
/// default).
pub fn write_string(out: &mut String, s: &str) {
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
            '<' => Some("\\u003c"),
            '>' => Some("\\u003e"),
            '&' => Some("\\u0026"),
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

/// Appends a `float64` as Go's encoder prints it: the shortest representation that reads back
/// the same, in plain notation, or in exponent notation below 1e-6 and from 1e21 on (`1e-7`,
/// `1e+21`).
///
/// # Panics
///
/// On NaN and infinities, which Go refuses to encode (and JSON cannot carry).
pub fn write_float(out: &mut String, f: f64) {
    assert!(f.is_finite(), "Go's encoder rejects {f}");
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        let _ = write!(out, "{f}");
        return;
    }
    let exp = format!("{f:e}");
    let (mantissa, exponent) = exp.split_once('e').expect("exponent notation");
    out.push_str(mantissa);
    out.push('e');
    match exponent.strip_prefix('-') {
        // Go prints at least two digits and then strips a leading 0 of negative exponents
        Some(digits) => {
            out.push('-');
            out.push_str(digits);
        }
        None => {
            out.push('+');
            if exponent.len() < 2 {
                out.push('0');
            }
            out.push_str(exponent);
        }
    }
}

/// Appends a JSON number as Go prints it after decoding it into `interface{}` the way the
/// Kubernetes API machinery does (`k8s.io/apimachinery/pkg/util/json`): integers that fit an
/// `int64` as integers, everything else as a `float64`.
pub fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(f) = n.as_f64() {
        write_float(out, f);
    } else {
        // arbitrary-precision numbers that f64 cannot hold: keep their text
        let _ = write!(out, "{n}");
    }
}

/// Appends a free-form JSON value as Go's `json.Marshal` prints an `interface{}`: compact, map
/// keys sorted bytewise, strings escaped, numbers per [`write_number`].
pub fn write_value(out: &mut String, value: &Value) {
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
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            let mut obj = Object::new(out);
            for key in keys {
                write_value(obj.key(key), &map[key.as_str()]);
            }
            obj.end();
        }
    }
}

/// A Go JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(&mut out, s);
    out
}

/// `json.Marshal(value)` of a free-form value.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
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

/// Appends a `[]string` (non-nil).
pub fn write_strings(out: &mut String, values: &[String]) {
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, v);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn float(f: f64) -> String {
        let mut s = String::new();
        write_float(&mut s, f);
        s
    }

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
            assert_eq!(float(f), want, "{f:e}");
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
    }

    #[test]
    fn values_sort_keys_and_normalise_numbers() {
        let v = json!({"z": 1, "a": [1.0, 2.5, -7, 18446744073709551615u64, null, true], "m": {"y": "<", "b": {}}});
        assert_eq!(
            to_string(&v),
            r#"{"a":[1,2.5,-7,18446744073709552000,null,true],"m":{"b":{},"y":"\u003c"},"z":1}"#
        );
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
