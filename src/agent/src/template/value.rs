//! The values a template works on, modelled on the Go types that `text/template` sees when it
//! renders Kubernetes objects (decoded the way `unstructured.Unstructured` decodes JSON) and the
//! results of the Go and sprig functions.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use kcp_api::gojson;

use super::gotime::GoTime;
use super::semver::Version as SemVer;

/// A template value.
///
/// The variants follow the Go types involved: JSON objects are `map[string]interface {}`, arrays
/// `[]interface {}`, integers `int64` (as the Kubernetes JSON decoder produces them), other
/// numbers `float64`. Number literals in templates and results of `len` are Go `int`.
#[derive(Debug, Clone)]
pub enum Value {
    /// Go's invalid `reflect.Value`: what a missing map key yields, and what a nil interface
    /// becomes once a pipeline stage returns it. Printed as `<no value>`; an error when given to
    /// a function expecting a string, number or bool.
    Missing,
    /// A nil stored in an interface (a JSON `null`, a function's nil result before it is
    /// unwrapped, or a nil element of a list). Printed as `<nil>` by the `fmt` functions.
    Nil,
    /// Go `bool`.
    Bool(bool),
    /// Go `int`.
    Int(i64),
    /// Go `int64`.
    Int64(i64),
    /// Go `float64`.
    Float(f64),
    /// Go `string`.
    String(Rc<str>),
    /// Go `[]interface {}`.
    List(Rc<Vec<Value>>),
    /// Go `map[string]interface {}`; Go walks and prints maps in key order.
    Map(Rc<BTreeMap<String, Value>>),
    /// A Go struct with exported fields, in declaration order (a template's context type).
    Struct(Rc<Record>),
    /// Go `time.Time` (from sprig's date functions).
    Time(Rc<GoTime>),
    /// `*semver.Version` (from sprig's `semver`).
    Version(Rc<SemVer>),
}

/// A Go struct value: a type name (used in error messages) and its fields in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The Go type's name, as `%T` and the error messages print it (e.g. `templating.ctx`).
    pub type_name: String,
    /// Field names and values, in declaration order.
    pub fields: Vec<(String, Value)>,
}

impl PartialEq for Value {
    /// Go's `reflect.DeepEqual` on the interface values: the types must agree (an `int` 1 is not
    /// an `int64` 1), then the contents.
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Missing | Nil, Missing | Nil) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) | (Int64(a), Int64(b)) => a == b,
            (Float(a), Float(b)) => a == b,
            (String(a), String(b)) => a == b,
            (List(a), List(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (Struct(a), Struct(b)) => a == b,
            (Time(a), Time(b)) => a == b,
            (Version(a), Version(b)) => a == b,
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(Rc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Rc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(Rc::new(v))
    }
}

impl From<&serde_json::Value> for Value {
    /// Converts JSON the way the Kubernetes JSON decoder fills an `unstructured` object:
    /// integers that fit become `int64`, every other number `float64`.
    fn from(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int64(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(a) => {
                Value::List(Rc::new(a.iter().map(Value::from).collect()))
            }
            serde_json::Value::Object(o) => Value::Map(Rc::new(
                o.iter().map(|(k, v)| (k.clone(), Value::from(v))).collect(),
            )),
        }
    }
}

impl Value {
    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::from(s)
    }

    /// A Go struct value with the given type name and fields.
    pub fn record(type_name: &str, fields: Vec<(&str, Value)>) -> Value {
        Value::Struct(Rc::new(Record {
            type_name: type_name.to_string(),
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }))
    }

    /// Whether the value is Go's invalid value or a nil interface.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Missing | Value::Nil)
    }

    /// The Go type's name, as `%T` and the error messages print it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Missing | Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Int64(_) => "int64".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Struct(r) => r.type_name.clone(),
            Value::Time(_) => "time.Time".into(),
            Value::Version(_) => "*semver.Version".into(),
        }
    }

    /// Go reflect's kind name (`reflect.Kind.String()`), used by sprig's error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Missing | Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Struct(_) | Value::Time(_) => "struct",
            Value::Version(_) => "ptr",
        }
    }

    /// Truth as `if` defines it: false, 0, a nil value, and empty strings, lists and maps are
    /// false; structs are always true.
    pub fn truth(&self) -> bool {
        match self {
            Value::Missing | Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Struct(_) | Value::Time(_) | Value::Version(_) => true,
        }
    }

    /// The value as `fmt.Sprint` (`%v`) prints it.
    pub fn to_go_string(&self) -> String {
        let mut out = String::new();
        write_go(&mut out, self);
        out
    }

    /// The string inside a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Appends the value as Go's `%v` prints it.
pub(crate) fn write_go(out: &mut String, v: &Value) {
    match v {
        Value::Missing | Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float_g(*f, None)),
        Value::String(s) => out.push_str(s),
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_go(out, e);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_go(out, e);
            }
            out.push(']');
        }
        Value::Struct(r) => {
            out.push('{');
            for (i, (_, e)) in r.fields.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_go(out, e);
            }
            out.push('}');
        }
        Value::Time(t) => out.push_str(&t.string()),
        Value::Version(v) => out.push_str(&v.string()),
    }
}

/// The shortest decimal digits of `f` (no sign, no dot) and the decimal exponent such that
/// `f = 0.DIGITS × 10^exp`.
fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    if digits.is_empty() {
        return ("0".into(), 1);
    }
    (digits.to_string(), exp + 1)
}

/// Rounds `f` to `prec` significant digits: the digits and the exponent as in
/// [`shortest_digits`].
fn rounded_digits(f: f64, prec: usize) -> (String, i32) {
    let prec = prec.max(1);
    let s = format!("{:.*e}", prec - 1, f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits, exp + 1)
}

fn special_float(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        })
    } else {
        None
    }
}

/// Formats `digits` (significant digits) with decimal exponent `dp` (value = 0.digits × 10^dp)
/// in `%e` style with the given number of fraction digits (`None`: all digits).
fn fmt_e(neg: bool, digits: &str, dp: i32, frac: Option<usize>) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let bytes = digits.as_bytes();
    out.push(bytes[0] as char);
    let rest = &digits[1..];
    let frac_digits: String = match frac {
        None => rest.to_string(),
        Some(n) => {
            let mut r = rest.to_string();
            while r.len() < n {
                r.push('0');
            }
            r.truncate(n);
            r
        }
    };
    if !frac_digits.is_empty() {
        out.push('.');
        out.push_str(&frac_digits);
    }
    let exp = if digits == "0" { 0 } else { dp - 1 };
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(out, "{:02}", exp.abs());
    out
}

/// Formats in `%f` style from digits and decimal exponent, with exactly `frac` fraction digits
/// when given, else as many as needed.
fn fmt_f(neg: bool, digits: &str, dp: i32, frac: Option<usize>) -> String {
    let mut int_part = String::new();
    let mut frac_part = String::new();
    if dp <= 0 {
        int_part.push('0');
        for _ in 0..(-dp) {
            frac_part.push('0');
        }
        frac_part.push_str(digits);
    } else {
        let dp = dp as usize;
        if digits.len() <= dp {
            int_part.push_str(digits);
            for _ in digits.len()..dp {
                int_part.push('0');
            }
        } else {
            int_part.push_str(&digits[..dp]);
            frac_part.push_str(&digits[dp..]);
        }
    }
    if digits == "0" {
        int_part = "0".into();
        frac_part.clear();
    }
    let frac_part = match frac {
        None => frac_part.trim_end_matches('0').to_string(),
        Some(n) => {
            let mut f = frac_part;
            while f.len() < n {
                f.push('0');
            }
            f.truncate(n);
            f
        }
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&int_part);
    if !frac_part.is_empty() {
        out.push('.');
        out.push_str(&frac_part);
    }
    out
}

/// Go's `%g` (and `%v` for `float64`) with an optional precision: shortest representation, in
/// exponent form when the exponent is below -4 or at least the precision (6 for shortest).
pub(crate) fn format_float_g(f: f64, prec: Option<usize>) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let neg = f.is_sign_negative();
    let (digits, dp) = match prec {
        None => shortest_digits(f),
        Some(p) => {
            let (d, dp) = rounded_digits(f, if p == 0 { 1 } else { p });
            let d = d.trim_end_matches('0').to_string();
            if d.is_empty() {
                ("0".into(), 1)
            } else {
                (d, dp)
            }
        }
    };
    let mut eprec = match prec {
        None => 6,
        Some(0) => 1,
        Some(p) => p as i32,
    };
    if prec.is_some() && eprec > digits.len() as i32 && digits.len() as i32 >= dp {
        eprec = digits.len() as i32;
    }
    let exp = if digits == "0" { 0 } else { dp - 1 };
    if exp < -4 || exp >= eprec {
        fmt_e(neg, &digits, dp, None)
    } else {
        fmt_f(neg, &digits, dp, None)
    }
}

/// Go's `%e` with a precision (default 6).
pub(crate) fn format_float_e(f: f64, prec: usize) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let (digits, dp) = rounded_digits(f, prec + 1);
    fmt_e(f.is_sign_negative(), &digits, dp, Some(prec))
}

/// Go's `%f` with a precision (default 6).
pub(crate) fn format_float_f(f: f64, prec: usize) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let s = format!("{:.*}", prec, f);
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') && !f.is_sign_negative() {
        return s[1..].to_string();
    }
    s
}

/// Go's `strconv.Quote`: a double-quoted string with Go escapes for quotes, backslashes,
/// control and non-printable characters.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and the ASCII space.
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    // Format characters (soft hyphen, zero-width marks, bidi controls, BOM) and private use
    // or unassigned planes are not printable in Go.
    !matches!(u, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x200b..=0x200f | 0x202a..=0x202e
        | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff
        | 0xf0000..=0x10ffff)
}

/// Go's `encoding/json` encoding of a value (`json.Marshal`): map keys sorted, `<`, `>`, `&`,
/// U+2028 and U+2029 escaped, floats as Go formats them.
pub(crate) fn to_go_json(v: &Value, escape_html: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, v, escape_html, None, 0);
    out
}

/// Like [`to_go_json`], indented as `json.MarshalIndent(v, "", indent)`.
pub(crate) fn to_go_json_indent(v: &Value, indent: &str) -> String {
    let mut out = String::new();
    write_json(&mut out, v, true, Some(indent), 0);
    out
}

fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
    if let Some(ind) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

fn write_json(out: &mut String, v: &Value, html: bool, indent: Option<&str>, depth: usize) {
    match v {
        Value::Missing | Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => {
            let _ = write!(out, "{i}");
        }
        // json.Marshal fails on NaN and infinities; sprig's toJson then yields "".
        Value::Float(f) if !f.is_finite() => {}
        Value::Float(f) => out.push_str(&gojson::format_float(*f)),
        Value::String(s) => gojson::write_string_escaping(out, s, html),
        Value::List(l) => {
            if l.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_json(out, e, html, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Map(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                gojson::write_string_escaping(out, k, html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, e, html, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push('}');
        }
        Value::Struct(r) => {
            if r.fields.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, e)) in r.fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                gojson::write_string_escaping(out, k, html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, e, html, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push('}');
        }
        Value::Time(t) => gojson::write_string_escaping(out, &t.rfc3339_nano(), html),
        Value::Version(v) => gojson::write_string_escaping(out, &v.string(), html),
    }
}

/// Converts a value back to JSON (for `fromJson`-style round trips and callers that want
/// the data back).
pub fn to_serde_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Missing | Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) | Value::Int64(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::String(s) => serde_json::Value::String(s.to_string()),
        Value::List(l) => serde_json::Value::Array(l.iter().map(to_serde_json).collect()),
        Value::Map(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_serde_json(v)))
                .collect(),
        ),
        Value::Struct(r) => serde_json::Value::Object(
            r.fields
                .iter()
                .map(|(k, v)| (k.clone(), to_serde_json(v)))
                .collect(),
        ),
        Value::Time(t) => serde_json::Value::String(t.rfc3339_nano()),
        Value::Version(v) => serde_json::Value::String(v.string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formatting() {
        let cases = [
            (1000000.0, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5, "1.5"),
            (0.0, "0"),
            (-2.25, "-2.25"),
            (3.0, "3"),
            (1e21, "1e+21"),
            (0.1 + 0.2, "0.30000000000000004"),
        ];
        for (f, want) in cases {
            assert_eq!(format_float_g(f, None), want, "{f}");
        }
        assert_eq!(format_float_e(1.5, 6), "1.500000e+00");
        assert_eq!(format_float_e(123456.0, 2), "1.23e+05");
        assert_eq!(format_float_f(3.24159, 2), "3.24");
        assert_eq!(format_float_g(123456.0, Some(4)), "1.235e+05");
        assert_eq!(format_float_g(100.0, Some(2)), "1e+02");
        assert_eq!(format_float_g(3.0, Some(3)), "3");
    }

    #[test]
    fn go_json_floats() {
        assert_eq!(gojson::format_float(1.5), "1.5");
        assert_eq!(gojson::format_float(1e21), "1e+21");
        assert_eq!(gojson::format_float(1e20), "100000000000000000000");
        assert_eq!(gojson::format_float(0.0000001), "1e-7");
        assert_eq!(gojson::format_float(0.000001), "0.000001");
        assert_eq!(gojson::format_float(3.0), "3");
    }

    #[test]
    fn printing_and_truth() {
        let v = Value::from(&serde_json::json!({"b": [1, "x", null], "a": 1.5}));
        assert_eq!(v.to_go_string(), "map[a:1.5 b:[1 x <nil>]]");
        assert!(!Value::from(&serde_json::json!({})).truth());
        assert!(Value::record("t", vec![]).truth());
        assert_eq!(go_quote("a\"b\n\u{1}é"), r#""a\"b\n\x01é""#);
    }
}
