//! Masterminds sprig v3 functions (the deterministic part of `TxtFuncMap`: strings, defaults,
//! lists, dicts, conversions, integer and float math, encodings, hashes, regular expressions,
//! reflection) and the agent's own `sha3sum`, `sha3short` and `shortHash`.
//!
//! Each function declares the Go parameter types of its sprig counterpart, so arguments are
//! checked the way Go checks them (a missing value given to a `string` parameter is an error,
//! an `int64` from the data is not an `int`, ...). Where a sprig function panics, the panic's
//! text is returned as the error, as Go's template engine reports it.

use std::collections::BTreeMap;
use std::rc::Rc;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use sha1::Digest as _;

use super::funcs::{FnResult, Func, Ty, f, fv};
use super::parse::{parse_go_float, parse_go_int};
use super::value::{Value, go_quote, to_go_json, to_go_json_indent};

const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

/// A string argument ("" for any other value: the parameter types were checked).
pub(super) fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// An integer argument (0 for any other value: the parameter types were checked).
pub(super) fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    }
}

/// A string result.
pub(super) fn string(x: impl Into<String>) -> FnResult {
    Ok(Value::from(x.into()))
}

fn strings(v: Vec<String>) -> Value {
    Value::from(v.into_iter().map(Value::from).collect::<Vec<_>>())
}

fn map(m: BTreeMap<String, Value>) -> Value {
    Value::Map(Rc::new(m))
}

/// sprig's `strval`: strings as they are, everything else as `%v` prints it.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        v => v.to_go_string(),
    }
}

/// sprig's `empty`: nil, false, 0, and empty strings, lists and maps.
fn empty(v: &Value) -> bool {
    !matches!(v, Value::Struct(_)) && !v.truth()
}

/// `cast.ToInt64`, with its error swallowed to 0 as sprig does.
fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => parse_go_int(trim_zero_decimal(s))
            .and_then(|v| i64::try_from(v).ok())
            .unwrap_or(0),
        _ => 0,
    }
}

/// cast's `trimZeroDecimal`: "12.000" → "12".
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// `cast.ToFloat64`, with its error swallowed to 0.
pub(crate) fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => parse_go_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// The error reflect's `TypeOf(nil).Kind()` panics with, or the list's elements.
fn list_of<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], String> {
    match v {
        Value::List(l) => Ok(l),
        Value::Missing | Value::Nil => Err(NIL_DEREF.into()),
        v => Err(format!("{what} {}", v.kind_name())),
    }
}

/// sprig's `strslice`: a list's non-nil elements as strings; nil → empty; else one string.
fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().filter(|e| !e.is_nil()).map(strval).collect(),
        Value::Missing | Value::Nil => Vec::new(),
        v => vec![strval(v)],
    }
}

/// Go's simple (one rune to one rune) case mapping.
fn map_chars(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            let mut m: Vec<char> = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            if m.len() == 1 { m.remove(0) } else { c }
        })
        .collect()
}

/// Go's deprecated `strings.Title`: upper-cases the first letter of each word.
fn title(s: &str) -> String {
    let is_sep = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else if c.is_alphabetic() || c.is_numeric() {
            false
        } else {
            c.is_whitespace()
        }
    };
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_sep(prev) {
                let m: Vec<char> = c.to_uppercase().collect();
                if m.len() == 1 { m[0] } else { c }
            } else {
                c
            };
            prev = c;
            out
        })
        .collect()
}

/// Bytes of `s` from `a` to `b`, as Go's string slicing (a cut inside a UTF-8 sequence
/// yields U+FFFD here, where Go keeps the raw bytes).
fn byte_slice(s: &str, a: usize, b: usize) -> String {
    String::from_utf8_lossy(&s.as_bytes()[a..b]).into_owned()
}

/// Go's `s[low:high]` with its runtime panics.
fn go_substr(s: &str, low: i64, high: Option<i64>) -> Result<String, String> {
    let len = s.len() as i64;
    match high {
        Some(h) => {
            if h < 0 || h > len {
                return Err(format!(
                    "runtime error: slice bounds out of range [:{h}] with length {len}"
                ));
            }
            if low < 0 || low > h {
                return Err(format!(
                    "runtime error: slice bounds out of range [{low}:{h}]"
                ));
            }
            Ok(byte_slice(s, low as usize, h as usize))
        }
        None => {
            if low < 0 || low > len {
                return Err(format!(
                    "runtime error: slice bounds out of range [{low}:{len}]"
                ));
            }
            Ok(byte_slice(s, low as usize, len as usize))
        }
    }
}

/// Go's `strings.Split`.
fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<String> = s.chars().map(String::from).collect();
        if n > 0 && chars.len() > n as usize {
            let n = n as usize;
            let mut out: Vec<String> = chars[..n - 1].to_vec();
            out.push(chars[n - 1..].concat());
            return out;
        }
        return chars;
    }
    if n < 0 {
        s.split(sep).map(String::from).collect()
    } else {
        s.splitn(n as usize, sep).map(String::from).collect()
    }
}

fn abbrev(width: i64, s: &str) -> String {
    // goutils.Abbreviate(s, width) = AbbreviateFull(s, 0, width); sprig returns s for width < 4.
    if width < 4 || s.is_empty() || s.len() as i64 <= width {
        return s.to_string();
    }
    format!("{}...", byte_slice(s, 0, (width - 3) as usize))
}

fn abbrevboth(left: i64, right: i64, s: &str) -> String {
    if right < 4 || (left > 0 && right < 7) {
        return s.to_string();
    }
    abbreviate_full(s, left, right)
}

fn abbreviate_full(s: &str, offset: i64, max_width: i64) -> String {
    let len = s.len() as i64;
    if s.is_empty() || max_width < 4 {
        return s.to_string();
    }
    if len <= max_width {
        return s.to_string();
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return format!("{}...", byte_slice(s, 0, (max_width - 3) as usize));
    }
    if max_width < 7 {
        return String::new();
    }
    if offset + max_width - 3 < len {
        let rest = byte_slice(s, offset as usize, len as usize);
        return format!("...{}", abbreviate_full(&rest, 0, max_width - 3));
    }
    format!(
        "...{}",
        byte_slice(s, (len - (max_width - 3)) as usize, len as usize)
    )
}

fn indent(n: i64, v: &str) -> Result<String, String> {
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let pad = " ".repeat(n as usize);
    Ok(format!("{pad}{}", v.replace('\n', &format!("\n{pad}"))))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Go's `base64.StdEncoding` (padding required, non-zero trailing bits tolerated, newlines
/// ignored).
const GO_STD_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

fn b64dec(v: &str) -> String {
    match go_b64_decode(v) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => e,
    }
}

/// Go's `base64.StdEncoding.DecodeString`, with its error text.
pub(crate) fn go_b64_decode(v: &str) -> Result<Vec<u8>, String> {
    let clean: String = v.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    GO_STD_B64.decode(clean.as_bytes()).map_err(|e| match e {
        base64::DecodeError::InvalidByte(off, _)
        | base64::DecodeError::InvalidLastSymbol(off, _) => {
            format!("illegal base64 data at input byte {off}")
        }
        _ => {
            let off = clean.len() - clean.len() % 4;
            format!("illegal base64 data at input byte {off}")
        }
    })
}

/// Go's `regexp.Compile(pattern)` then `ReplaceAllString(src, replacement)`: `$1` and
/// `${name}` expanded, Go's error text when the pattern does not compile.
pub fn regex_replace_all(pattern: &str, src: &str, replacement: &str) -> Result<String, String> {
    Ok(go_replace_all(&compile_go(pattern)?, src, replacement))
}

/// Go's `regexp.Compile`: the expression, or Go's error text.
pub fn compile_go(pattern: &str) -> Result<regex::Regex, String> {
    compile(pattern)
}

/// Go's `Regexp.ReplaceAllString`.
pub fn go_replace_all(re: &regex::Regex, src: &str, replacement: &str) -> String {
    replace_all(re, src, replacement, false)
}

/// Compiles a regular expression, with Go's error text (`error parsing regexp: CODE: `EXPR``)
/// for the common syntax errors.
fn compile(re: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(re).map_err(
        |e| match regex_syntax::ast::parse::Parser::new().parse(re) {
            Err(ast_err) => {
                use regex_syntax::ast::ErrorKind as K;
                let span = ast_err.span();
                let from = |i: usize| re.get(i..).unwrap_or(re).to_string();
                let (code, expr) = match ast_err.kind() {
                    K::ClassUnclosed => ("missing closing ]".to_string(), from(span.start.offset)),
                    K::GroupUnclosed => ("missing closing )".to_string(), re.to_string()),
                    K::GroupUnopened => ("unexpected )".to_string(), re.to_string()),
                    K::RepetitionMissing => (
                        "missing argument to repetition operator".to_string(),
                        re.get(span.start.offset..span.end.offset)
                            .unwrap_or(re)
                            .to_string(),
                    ),
                    K::EscapeUnrecognized | K::EscapeUnexpectedEof => (
                        "invalid escape sequence".to_string(),
                        re.get(span.start.offset..span.end.offset)
                            .unwrap_or(re)
                            .to_string(),
                    ),
                    K::ClassRangeInvalid => (
                        "invalid character class range".to_string(),
                        re.get(span.start.offset..span.end.offset)
                            .unwrap_or(re)
                            .to_string(),
                    ),
                    K::RepetitionCountInvalid | K::RepetitionCountUnclosed => (
                        "invalid repeat count".to_string(),
                        re.get(span.start.offset..span.end.offset)
                            .unwrap_or(re)
                            .to_string(),
                    ),
                    other => (other.to_string(), re.to_string()),
                };
                format!("error parsing regexp: {code}: {}", go_backquote(&expr))
            }
            Ok(_) => format!(
                "error parsing regexp: {}: {}",
                e.to_string().lines().last().unwrap_or("").trim(),
                go_backquote(re)
            ),
        },
    )
}

/// `regexp.MustCompile`'s panic text.
fn must_compile(re: &str) -> Result<regex::Regex, String> {
    compile(re).map_err(|e| format!("regexp: Compile({}): {e}", go_backquote(re)))
}

fn go_backquote(s: &str) -> String {
    if s.contains('`') {
        go_quote(s)
    } else {
        format!("`{s}`")
    }
}

/// Matches as Go's `FindAll*` reports them: an empty match right after a previous match is
/// skipped; at most `n` when `n >= 0`.
fn find_all<'h>(re: &regex::Regex, s: &'h str, n: i64) -> Vec<regex::Captures<'h>> {
    let mut out: Vec<regex::Captures<'h>> = Vec::new();
    let mut prev_end: Option<usize> = None;
    for caps in re.captures_iter(s) {
        let Some(m) = caps.get(0) else { continue };
        if m.start() == m.end() && prev_end == Some(m.start()) {
            continue;
        }
        prev_end = Some(m.end());
        out.push(caps);
        if n >= 0 && out.len() as i64 >= n {
            break;
        }
    }
    if n == 0 {
        out.clear();
    }
    out
}

fn replace_all(re: &regex::Regex, src: &str, repl: &str, literal: bool) -> String {
    let mut out = String::new();
    let mut last = 0;
    for caps in find_all(re, src, -1) {
        let m = caps.get(0).expect("group 0");
        out.push_str(&src[last..m.start()]);
        if literal {
            out.push_str(repl);
        } else {
            caps.expand(repl, &mut out);
        }
        last = m.end();
    }
    out.push_str(&src[last..]);
    out
}

/// Go's `Regexp.Split`.
fn regex_split(re: &regex::Regex, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let matches = find_all(re, s, n);
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for caps in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        let m = caps.get(0).expect("group 0");
        end = m.start();
        if m.end() != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = m.end();
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop {
            v.push(i);
            let Some(next) = i.checked_add(step) else {
                break;
            };
            i = next;
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop {
        v.push(i);
        let Some(next) = i.checked_add(step) else {
            break;
        };
        i = next;
    }
    v
}

fn ints(v: Vec<i64>) -> Value {
    Value::from(v.into_iter().map(Value::Int).collect::<Vec<_>>())
}

fn seq(p: &[Value]) -> String {
    let p: Vec<i64> = p.iter().map(int).collect();
    let join = |v: Vec<i64>| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match p.len() {
        1 => {
            let (start, end) = (1, p[0]);
            let inc = if end < start { -1 } else { 1 };
            join(until_step(start, end.saturating_add(inc), inc))
        }
        2 => {
            let (start, end) = (p[0], p[1]);
            let step = if end < start { -1 } else { 1 };
            join(until_step(start, end.saturating_add(step), step))
        }
        3 => {
            let (start, step, end) = (p[0], p[1], p[2]);
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return String::new();
                }
            }
            join(until_step(start, end.saturating_add(inc), step))
        }
        _ => String::new(),
    }
}

fn checked_div(a: i64, b: i64, rem: bool) -> FnResult {
    if b == 0 {
        return Err("runtime error: integer divide by zero".into());
    }
    Ok(Value::Int64(if rem {
        a.wrapping_rem(b)
    } else {
        a.wrapping_div(b)
    }))
}

fn round(a: &[Value]) -> FnResult {
    let round_on = a.get(2).map(to_float64).unwrap_or(0.5);
    let val = to_float64(&a[0]);
    let pow = 10f64.powf(int(&a[1]) as f64);
    let digit = pow * val;
    let div = digit.fract();
    let r = if div >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    Ok(Value::Float(r / pow))
}

/// A `map[string]interface {}` argument (a missing one arrives as Go's nil map: empty).
fn get_map(v: &Value) -> Rc<BTreeMap<String, Value>> {
    match v {
        Value::Map(m) => m.clone(),
        _ => Rc::new(BTreeMap::new()),
    }
}

fn dig(ps: &[Value]) -> FnResult {
    if ps.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let dict = match &ps[ps.len() - 1] {
        Value::Map(m) => m.clone(),
        v => {
            return Err(format!(
                "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                if v.is_nil() {
                    "nil".to_string()
                } else {
                    v.type_name()
                }
            ));
        }
    };
    let def = ps[ps.len() - 2].clone();
    let mut keys = Vec::new();
    for k in &ps[..ps.len() - 2] {
        match k {
            Value::String(s) => keys.push(s.to_string()),
            v => {
                return Err(format!(
                    "interface conversion: interface {{}} is {}, not string",
                    if v.is_nil() {
                        "nil".to_string()
                    } else {
                        v.type_name()
                    }
                ));
            }
        }
    }
    let mut cur = dict;
    for (i, k) in keys.iter().enumerate() {
        let Some(step) = cur.get(k).cloned() else {
            return Ok(def);
        };
        if i == keys.len() - 1 {
            return Ok(step);
        }
        match step {
            Value::Map(m) => cur = m,
            v => {
                return Err(format!(
                    "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                    if v.is_nil() {
                        "nil".to_string()
                    } else {
                        v.type_name()
                    }
                ));
            }
        }
    }
    Ok(def)
}

/// `json.Unmarshal` into `interface {}`, with Go's wording for the common errors.
fn from_json(v: &str) -> Result<Value, String> {
    serde_json::from_str::<serde_json::Value>(v)
        .map(|j| json_to_go(&j))
        .map_err(|e| {
            if e.classify() == serde_json::error::Category::Eof {
                return "unexpected end of JSON input".to_string();
            }
            let first = v.trim_start_matches([' ', '\t', '\r', '\n']).chars().next();
            match first {
                Some(c) if !matches!(c, '{' | '[' | '"' | '-' | '0'..='9' | 't' | 'f' | 'n') => {
                    format!(
                        "invalid character {} looking for beginning of value",
                        go_char(c)
                    )
                }
                _ => e.to_string(),
            }
        })
}

/// Go's `%q` of a rune.
fn go_char(c: char) -> String {
    let q = go_quote(&c.to_string());
    let inner = &q[1..q.len() - 1];
    match inner {
        "\\\"" => "'\"'".to_string(),
        "'" => "'\\''".to_string(),
        _ => format!("'{inner}'"),
    }
}

/// `json.Unmarshal` into `interface {}`: every number is a `float64`.
fn json_to_go(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::Array(a) => Value::from(a.iter().map(json_to_go).collect::<Vec<_>>()),
        serde_json::Value::Object(o) => {
            map(o.iter().map(|(k, v)| (k.clone(), json_to_go(v))).collect())
        }
        other => Value::from(other),
    }
}

fn pick_omit(a: &[Value], keep: bool) -> FnResult {
    let d = get_map(&a[0]);
    let keys: Vec<&str> = a[1..].iter().map(s).collect();
    Ok(map(d
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()) == keep)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()))
}

fn uniq(l: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for e in l {
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// sprig's functions, with their Go parameter types.
pub(crate) fn functions() -> Vec<(&'static str, Func)> {
    use Ty::*;
    let mut v: Vec<(&'static str, Func)> = vec![
        // Strings.
        (
            "abbrev",
            f(&[Int, Str], |a| string(abbrev(int(&a[0]), s(&a[1])))),
        ),
        (
            "abbrevboth",
            f(&[Int, Int, Str], |a| {
                string(abbrevboth(int(&a[0]), int(&a[1]), s(&a[2])))
            }),
        ),
        (
            "trunc",
            f(&[Int, Str], |a| {
                let (c, st) = (int(&a[0]), s(&a[1]));
                let len = st.len() as i64;
                if c < 0 && len + c > 0 {
                    return string(byte_slice(st, (len + c) as usize, len as usize));
                }
                if c >= 0 && len > c {
                    return string(byte_slice(st, 0, c as usize));
                }
                string(st)
            }),
        ),
        ("trim", f(&[Str], |a| string(s(&a[0]).trim()))),
        ("upper", f(&[Str], |a| string(map_chars(s(&a[0]), true)))),
        ("lower", f(&[Str], |a| string(map_chars(s(&a[0]), false)))),
        ("title", f(&[Str], |a| string(title(s(&a[0]))))),
        (
            "untitle",
            f(&[Str], |a| {
                // goutils.Uncapitalize: the first letter of every whitespace-separated word.
                let mut prev_space = true;
                string(
                    s(&a[0])
                        .chars()
                        .map(|c| {
                            let out = if prev_space {
                                map_chars(&c.to_string(), false)
                            } else {
                                c.to_string()
                            };
                            prev_space = c.is_whitespace();
                            out
                        })
                        .collect::<String>(),
                )
            }),
        ),
        (
            "substr",
            f(&[Int, Int, Str], |a| {
                let (start, end, st) = (int(&a[0]), int(&a[1]), s(&a[2]));
                if start < 0 {
                    return go_substr(st, 0, Some(end)).map(Value::from);
                }
                if end < 0 || end > st.len() as i64 {
                    return go_substr(st, start, None).map(Value::from);
                }
                go_substr(st, start, Some(end)).map(Value::from)
            }),
        ),
        (
            "repeat",
            f(&[Int, Str], |a| {
                let n = int(&a[0]);
                if n < 0 {
                    return Err("strings: negative Repeat count".into());
                }
                string(s(&a[1]).repeat(n as usize))
            }),
        ),
        (
            "trimall",
            f(&[Str, Str], |a| {
                string(s(&a[1]).trim_matches(|c| s(&a[0]).contains(c)))
            }),
        ),
        (
            "trimAll",
            f(&[Str, Str], |a| {
                string(s(&a[1]).trim_matches(|c| s(&a[0]).contains(c)))
            }),
        ),
        (
            "trimSuffix",
            f(&[Str, Str], |a| {
                string(s(&a[1]).strip_suffix(s(&a[0])).unwrap_or(s(&a[1])))
            }),
        ),
        (
            "trimPrefix",
            f(&[Str, Str], |a| {
                string(s(&a[1]).strip_prefix(s(&a[0])).unwrap_or(s(&a[1])))
            }),
        ),
        (
            "nospace",
            f(&[Str], |a| {
                string(
                    s(&a[0])
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>(),
                )
            }),
        ),
        (
            "swapcase",
            f(&[Str], |a| {
                string(
                    s(&a[0])
                        .chars()
                        .map(|c| {
                            if c.is_uppercase() {
                                map_chars(&c.to_string(), false)
                            } else if c.is_lowercase() {
                                map_chars(&c.to_string(), true)
                            } else {
                                c.to_string()
                            }
                        })
                        .collect::<String>(),
                )
            }),
        ),
        (
            "contains",
            f(&[Str, Str], |a| {
                Ok(Value::Bool(s(&a[1]).contains(s(&a[0]))))
            }),
        ),
        (
            "hasPrefix",
            f(&[Str, Str], |a| {
                Ok(Value::Bool(s(&a[1]).starts_with(s(&a[0]))))
            }),
        ),
        (
            "hasSuffix",
            f(&[Str, Str], |a| {
                Ok(Value::Bool(s(&a[1]).ends_with(s(&a[0]))))
            }),
        ),
        (
            "quote",
            fv(&[], Any, |a| {
                string(
                    a.iter()
                        .filter(|v| !v.is_nil())
                        .map(|v| go_quote(&strval(v)))
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            }),
        ),
        (
            "squote",
            fv(&[], Any, |a| {
                string(
                    a.iter()
                        .filter(|v| !v.is_nil())
                        .map(|v| format!("'{}'", v.to_go_string()))
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            }),
        ),
        (
            "cat",
            fv(&[], Any, |a| {
                string(
                    a.iter()
                        .filter(|v| !v.is_nil())
                        .map(|v| v.to_go_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            }),
        ),
        (
            "indent",
            f(&[Int, Str], |a| string(indent(int(&a[0]), s(&a[1]))?)),
        ),
        (
            "nindent",
            f(&[Int, Str], |a| {
                string(format!("\n{}", indent(int(&a[0]), s(&a[1]))?))
            }),
        ),
        (
            "replace",
            f(&[Str, Str, Str], |a| {
                string(s(&a[2]).replace(s(&a[0]), s(&a[1])))
            }),
        ),
        (
            "plural",
            f(&[Str, Str, Int], |a| {
                string(if int(&a[2]) == 1 { s(&a[0]) } else { s(&a[1]) })
            }),
        ),
        (
            "sha1sum",
            f(&[Str], |a| {
                string(hex(&sha1::Sha1::digest(s(&a[0]).as_bytes())))
            }),
        ),
        (
            "sha256sum",
            f(&[Str], |a| {
                string(hex(&sha2::Sha256::digest(s(&a[0]).as_bytes())))
            }),
        ),
        (
            "sha512sum",
            f(&[Str], |a| {
                string(hex(&sha2::Sha512::digest(s(&a[0]).as_bytes())))
            }),
        ),
        (
            "adler32sum",
            f(&[Str], |a| string(adler32(s(&a[0]).as_bytes()).to_string())),
        ),
        ("toString", f(&[Any], |a| string(strval(&a[0])))),
        // Conversions.
        (
            "atoi",
            f(&[Str], |a| {
                let t = s(&a[0]);
                let body = t.strip_prefix(['+', '-']).unwrap_or(t);
                let ok = !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit());
                Ok(Value::Int(if ok { t.parse().unwrap_or(0) } else { 0 }))
            }),
        ),
        ("int64", f(&[Any], |a| Ok(Value::Int64(to_int64(&a[0]))))),
        ("int", f(&[Any], |a| Ok(Value::Int(to_int64(&a[0]))))),
        (
            "float64",
            f(&[Any], |a| Ok(Value::Float(to_float64(&a[0])))),
        ),
        ("seq", fv(&[], Int, |a| string(seq(a)))),
        (
            "until",
            f(&[Int], |a| {
                let n = int(&a[0]);
                Ok(ints(until_step(0, n, if n < 0 { -1 } else { 1 })))
            }),
        ),
        (
            "untilStep",
            f(&[Int, Int, Int], |a| {
                Ok(ints(until_step(int(&a[0]), int(&a[1]), int(&a[2]))))
            }),
        ),
        (
            "split",
            f(&[Str, Str], |a| {
                Ok(map(go_split(s(&a[1]), s(&a[0]), -1)
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| (format!("_{i}"), Value::from(p)))
                    .collect()))
            }),
        ),
        (
            "splitList",
            f(&[Str, Str], |a| {
                Ok(strings(go_split(s(&a[1]), s(&a[0]), -1)))
            }),
        ),
        (
            "splitn",
            f(&[Str, Int, Str], |a| {
                Ok(map(go_split(s(&a[2]), s(&a[0]), int(&a[1]))
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| (format!("_{i}"), Value::from(p)))
                    .collect()))
            }),
        ),
        ("toStrings", f(&[Any], |a| Ok(strings(strslice(&a[0]))))),
        // Integer math.
        (
            "add1",
            f(&[Any], |a| {
                Ok(Value::Int64(to_int64(&a[0]).wrapping_add(1)))
            }),
        ),
        (
            "add",
            fv(&[], Any, |a| {
                Ok(Value::Int64(
                    a.iter().map(to_int64).fold(0i64, i64::wrapping_add),
                ))
            }),
        ),
        (
            "sub",
            f(&[Any, Any], |a| {
                Ok(Value::Int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
            }),
        ),
        (
            "div",
            f(&[Any, Any], |a| {
                checked_div(to_int64(&a[0]), to_int64(&a[1]), false)
            }),
        ),
        (
            "mod",
            f(&[Any, Any], |a| {
                checked_div(to_int64(&a[0]), to_int64(&a[1]), true)
            }),
        ),
        (
            "mul",
            fv(&[Any], Any, |a| {
                Ok(Value::Int64(
                    a[1..]
                        .iter()
                        .map(to_int64)
                        .fold(to_int64(&a[0]), i64::wrapping_mul),
                ))
            }),
        ),
        (
            "max",
            fv(&[Any], Any, |a| {
                Ok(Value::Int64(
                    a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::max),
                ))
            }),
        ),
        (
            "biggest",
            fv(&[Any], Any, |a| {
                Ok(Value::Int64(
                    a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::max),
                ))
            }),
        ),
        (
            "min",
            fv(&[Any], Any, |a| {
                Ok(Value::Int64(
                    a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::min),
                ))
            }),
        ),
        // Float math.
        (
            "maxf",
            fv(&[Any], Any, |a| {
                Ok(Value::Float(
                    a[1..]
                        .iter()
                        .map(to_float64)
                        .fold(to_float64(&a[0]), f64::max),
                ))
            }),
        ),
        (
            "minf",
            fv(&[Any], Any, |a| {
                Ok(Value::Float(
                    a[1..]
                        .iter()
                        .map(to_float64)
                        .fold(to_float64(&a[0]), f64::min),
                ))
            }),
        ),
        (
            "floor",
            f(&[Any], |a| Ok(Value::Float(to_float64(&a[0]).floor()))),
        ),
        (
            "ceil",
            f(&[Any], |a| Ok(Value::Float(to_float64(&a[0]).ceil()))),
        ),
        ("round", fv(&[Any, Int], Float, round)),
        // Strings and lists.
        (
            "join",
            f(&[Str, Any], |a| string(strslice(&a[1]).join(s(&a[0])))),
        ),
        (
            "sortAlpha",
            f(&[Any], |a| {
                let mut v = match &a[0] {
                    Value::List(_) => strslice(&a[0]),
                    other => return Ok(strings(vec![strval(other)])),
                };
                v.sort();
                Ok(strings(v))
            }),
        ),
        // Defaults.
        (
            "default",
            fv(&[Any], Any, |a| {
                Ok(match a.get(1) {
                    Some(g) if !empty(g) => g.clone(),
                    _ => a[0].clone(),
                })
            }),
        ),
        ("empty", f(&[Any], |a| Ok(Value::Bool(empty(&a[0]))))),
        (
            "coalesce",
            fv(&[], Any, |a| {
                Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
            }),
        ),
        (
            "all",
            fv(&[], Any, |a| Ok(Value::Bool(a.iter().all(|v| !empty(v))))),
        ),
        (
            "any",
            fv(&[], Any, |a| Ok(Value::Bool(a.iter().any(|v| !empty(v))))),
        ),
        (
            "compact",
            f(&[Any], |a| {
                let l = list_of(&a[0], "Cannot compact on type")?;
                Ok(Value::from(
                    l.iter().filter(|v| !empty(v)).cloned().collect::<Vec<_>>(),
                ))
            }),
        ),
        (
            "fromJson",
            f(&[Str], |a| Ok(from_json(s(&a[0])).unwrap_or(Value::Nil))),
        ),
        ("mustFromJson", f(&[Str], |a| from_json(s(&a[0])))),
        ("toJson", f(&[Any], |a| string(to_go_json(&a[0], true)))),
        ("mustToJson", f(&[Any], |a| string(to_go_json(&a[0], true)))),
        (
            "toPrettyJson",
            f(&[Any], |a| string(to_go_json_indent(&a[0], "  "))),
        ),
        (
            "mustToPrettyJson",
            f(&[Any], |a| string(to_go_json_indent(&a[0], "  "))),
        ),
        ("toRawJson", f(&[Any], |a| string(to_go_json(&a[0], false)))),
        (
            "mustToRawJson",
            f(&[Any], |a| string(to_go_json(&a[0], false))),
        ),
        (
            "ternary",
            f(&[Any, Any, Bool], |a| {
                Ok(if a[2].truth() {
                    a[0].clone()
                } else {
                    a[1].clone()
                })
            }),
        ),
        // Reflection.
        (
            "typeOf",
            f(&[Any], |a| {
                string(if a[0].is_nil() {
                    "<nil>".to_string()
                } else {
                    a[0].type_name()
                })
            }),
        ),
        (
            "typeIs",
            f(&[Str, Any], |a| {
                let t = if a[1].is_nil() {
                    "<nil>".to_string()
                } else {
                    a[1].type_name()
                };
                Ok(Value::Bool(s(&a[0]) == t))
            }),
        ),
        ("kindOf", f(&[Any], |a| string(a[0].kind_name()))),
        (
            "kindIs",
            f(&[Str, Any], |a| {
                Ok(Value::Bool(s(&a[0]) == a[1].kind_name()))
            }),
        ),
        (
            "deepEqual",
            f(&[Any, Any], |a| Ok(Value::Bool(a[0] == a[1]))),
        ),
        // Encodings.
        (
            "b64enc",
            f(&[Str], |a| {
                string(base64::engine::general_purpose::STANDARD.encode(s(&a[0]).as_bytes()))
            }),
        ),
        ("b64dec", f(&[Str], |a| string(b64dec(s(&a[0]))))),
        // Lists.
        ("list", fv(&[], Any, |a| Ok(Value::from(a.to_vec())))),
        ("tuple", fv(&[], Any, |a| Ok(Value::from(a.to_vec())))),
        (
            "first",
            f(&[Any], |a| {
                Ok(list_of(&a[0], "Cannot find first on type")?
                    .first()
                    .cloned()
                    .unwrap_or(Value::Nil))
            }),
        ),
        (
            "last",
            f(&[Any], |a| {
                Ok(list_of(&a[0], "Cannot find last on type")?
                    .last()
                    .cloned()
                    .unwrap_or(Value::Nil))
            }),
        ),
        (
            "rest",
            f(&[Any], |a| {
                let l = list_of(&a[0], "Cannot find rest on type")?;
                Ok(Value::from(l.iter().skip(1).cloned().collect::<Vec<_>>()))
            }),
        ),
        (
            "initial",
            f(&[Any], |a| {
                let l = list_of(&a[0], "Cannot find initial on type")?;
                Ok(Value::from(l[..l.len().saturating_sub(1)].to_vec()))
            }),
        ),
        ("append", f(&[Any, Any], push)),
        ("push", f(&[Any, Any], push)),
        (
            "prepend",
            f(&[Any, Any], |a| {
                let l = list_of(&a[0], "Cannot prepend on type")?;
                let mut out = vec![a[1].clone()];
                out.extend(l.iter().cloned());
                Ok(Value::from(out))
            }),
        ),
        (
            "reverse",
            f(&[Any], |a| {
                let l = list_of(&a[0], "Cannot find reverse on type")?;
                Ok(Value::from(l.iter().rev().cloned().collect::<Vec<_>>()))
            }),
        ),
        (
            "uniq",
            f(&[Any], |a| {
                Ok(Value::from(uniq(list_of(
                    &a[0],
                    "Cannot find uniq on type",
                )?)))
            }),
        ),
        (
            "without",
            fv(&[Any], Any, |a| {
                let l = list_of(&a[0], "Cannot find without on type")?;
                Ok(Value::from(
                    l.iter()
                        .filter(|e| !a[1..].contains(e))
                        .cloned()
                        .collect::<Vec<_>>(),
                ))
            }),
        ),
        (
            "has",
            f(&[Any, Any], |a| {
                if a[1].is_nil() {
                    return Ok(Value::Bool(false));
                }
                let l = list_of(&a[1], "Cannot find has on type")?;
                Ok(Value::Bool(l.contains(&a[0])))
            }),
        ),
        (
            "slice",
            fv(&[Any], Any, |a| {
                let l = list_of(&a[0], "list should be type of slice or array but")?;
                if l.is_empty() {
                    return Ok(Value::Nil);
                }
                let start = a.get(1).map(to_int64).unwrap_or(0);
                let end = a.get(2).map(to_int64).unwrap_or(l.len() as i64);
                if end < 0 || end as usize > l.len() {
                    return Err("reflect.Value.Slice: slice index out of bounds".to_string());
                }
                if start < 0 || start > end {
                    return Err("reflect.Value.Slice: slice index out of bounds".to_string());
                }
                Ok(Value::from(l[start as usize..end as usize].to_vec()))
            }),
        ),
        (
            "concat",
            fv(&[], Any, |a| {
                let mut out = Vec::new();
                for l in a {
                    match l {
                        Value::List(l) => out.extend(l.iter().cloned()),
                        Value::Missing | Value::Nil => return Err(NIL_DEREF.into()),
                        v => return Err(format!("Cannot concat type {} as list", v.kind_name())),
                    }
                }
                Ok(Value::from(out))
            }),
        ),
        (
            "chunk",
            f(&[Int, Any], |a| {
                let size = int(&a[0]);
                let l = list_of(&a[1], "Cannot chunk type")?;
                if l.is_empty() {
                    return Ok(Value::from(Vec::new()));
                }
                if size <= 0 {
                    return Err("runtime error: makeslice: len out of range".into());
                }
                Ok(Value::from(
                    l.chunks(size as usize)
                        .map(|c| Value::from(c.to_vec()))
                        .collect::<Vec<_>>(),
                ))
            }),
        ),
        // Dicts.
        (
            "dict",
            fv(&[], Any, |a| {
                let mut m = BTreeMap::new();
                for pair in a.chunks(2) {
                    let v = pair.get(1).cloned().unwrap_or_else(|| Value::from(""));
                    m.insert(strval(&pair[0]), v);
                }
                Ok(map(m))
            }),
        ),
        (
            "get",
            f(&[Map, Str], |a| {
                Ok(get_map(&a[0])
                    .get(s(&a[1]))
                    .cloned()
                    .unwrap_or_else(|| Value::from("")))
            }),
        ),
        (
            "set",
            f(&[Map, Str, Any], |a| {
                let mut m = (*get_map(&a[0])).clone();
                m.insert(s(&a[1]).to_string(), a[2].clone());
                Ok(map(m))
            }),
        ),
        (
            "unset",
            f(&[Map, Str], |a| {
                let mut m = (*get_map(&a[0])).clone();
                m.remove(s(&a[1]));
                Ok(map(m))
            }),
        ),
        (
            "hasKey",
            f(&[Map, Str], |a| {
                Ok(Value::Bool(get_map(&a[0]).contains_key(s(&a[1]))))
            }),
        ),
        (
            "pluck",
            fv(&[Str], Map, |a| {
                Ok(Value::from(
                    a[1..]
                        .iter()
                        .filter_map(|d| get_map(d).get(s(&a[0])).cloned())
                        .collect::<Vec<_>>(),
                ))
            }),
        ),
        (
            "keys",
            fv(&[], Map, |a| {
                Ok(strings(
                    a.iter()
                        .flat_map(|d| get_map(d).keys().cloned().collect::<Vec<_>>())
                        .collect(),
                ))
            }),
        ),
        (
            "values",
            f(&[Map], |a| {
                Ok(Value::from(
                    get_map(&a[0]).values().cloned().collect::<Vec<_>>(),
                ))
            }),
        ),
        ("pick", fv(&[Map], Str, |a| pick_omit(a, true))),
        ("omit", fv(&[Map], Str, |a| pick_omit(a, false))),
        ("dig", fv(&[], Any, dig)),
        // Regular expressions.
        (
            "regexMatch",
            f(&[Str, Str], |a| {
                Ok(Value::Bool(
                    compile(s(&a[0])).is_ok_and(|re| re.is_match(s(&a[1]))),
                ))
            }),
        ),
        (
            "mustRegexMatch",
            f(&[Str, Str], |a| {
                Ok(Value::Bool(compile(s(&a[0]))?.is_match(s(&a[1]))))
            }),
        ),
        (
            "regexFindAll",
            f(&[Str, Str, Int], |a| {
                regex_find_all(must_compile(s(&a[0]))?, s(&a[1]), int(&a[2]))
            }),
        ),
        (
            "mustRegexFindAll",
            f(&[Str, Str, Int], |a| {
                regex_find_all(compile(s(&a[0]))?, s(&a[1]), int(&a[2]))
            }),
        ),
        (
            "regexFind",
            f(&[Str, Str], |a| {
                string(
                    must_compile(s(&a[0]))?
                        .find(s(&a[1]))
                        .map(|m| m.as_str())
                        .unwrap_or(""),
                )
            }),
        ),
        (
            "mustRegexFind",
            f(&[Str, Str], |a| {
                string(
                    compile(s(&a[0]))?
                        .find(s(&a[1]))
                        .map(|m| m.as_str())
                        .unwrap_or(""),
                )
            }),
        ),
        (
            "regexReplaceAll",
            f(&[Str, Str, Str], |a| {
                string(replace_all(
                    &must_compile(s(&a[0]))?,
                    s(&a[1]),
                    s(&a[2]),
                    false,
                ))
            }),
        ),
        (
            "mustRegexReplaceAll",
            f(&[Str, Str, Str], |a| {
                string(replace_all(&compile(s(&a[0]))?, s(&a[1]), s(&a[2]), false))
            }),
        ),
        (
            "regexReplaceAllLiteral",
            f(&[Str, Str, Str], |a| {
                string(replace_all(
                    &must_compile(s(&a[0]))?,
                    s(&a[1]),
                    s(&a[2]),
                    true,
                ))
            }),
        ),
        (
            "mustRegexReplaceAllLiteral",
            f(&[Str, Str, Str], |a| {
                string(replace_all(&compile(s(&a[0]))?, s(&a[1]), s(&a[2]), true))
            }),
        ),
        (
            "regexSplit",
            f(&[Str, Str, Int], |a| {
                Ok(strings(regex_split(
                    &must_compile(s(&a[0]))?,
                    s(&a[1]),
                    int(&a[2]),
                )))
            }),
        ),
        (
            "mustRegexSplit",
            f(&[Str, Str, Int], |a| {
                Ok(strings(regex_split(
                    &compile(s(&a[0]))?,
                    s(&a[1]),
                    int(&a[2]),
                )))
            }),
        ),
        (
            "regexQuoteMeta",
            f(&[Str], |a| string(regex::escape(s(&a[0])))),
        ),
        // Flow control.
        ("fail", f(&[Str], |a| Err(s(&a[0]).to_string()))),
    ];
    // The must* list variants differ from the plain ones only in returning the error instead
    // of panicking, which a template reports the same way.
    let aliases = [
        ("mustAppend", "append"),
        ("mustPush", "push"),
        ("mustPrepend", "prepend"),
        ("mustFirst", "first"),
        ("mustLast", "last"),
        ("mustRest", "rest"),
        ("mustInitial", "initial"),
        ("mustReverse", "reverse"),
        ("mustUniq", "uniq"),
        ("mustWithout", "without"),
        ("mustHas", "has"),
        ("mustSlice", "slice"),
        ("mustCompact", "compact"),
        ("mustChunk", "chunk"),
    ];
    for (alias, target) in aliases {
        let func = v
            .iter()
            .find(|(n, _)| *n == target)
            .map(|(_, f)| *f)
            .expect("alias target");
        v.push((alias, func));
    }
    v
}

fn push(a: &[Value]) -> FnResult {
    let l = list_of(&a[0], "Cannot push on type")?;
    let mut out = l.to_vec();
    out.push(a[1].clone());
    Ok(Value::from(out))
}

fn regex_find_all(re: regex::Regex, st: &str, n: i64) -> FnResult {
    Ok(strings(
        find_all(&re, st, n)
            .iter()
            .map(|c| c.get(0).map(|m| m.as_str().to_string()).unwrap_or_default())
            .collect(),
    ))
}

/// SHA3-256 (FIPS 202) of the UTF-8 bytes, lowercase hex (64 characters).
pub fn sha3sum(input: &str) -> String {
    hex(&sha3::Sha3_256::digest(input.as_bytes()))
}

/// SHA-1 of the bytes, lowercase hex (40 characters).
pub fn sha1_hex(input: &[u8]) -> String {
    hex(&sha1::Sha1::digest(input))
}

/// The first `n` hex characters of [`sha3sum`]: `n` defaults to 20, must be positive, and
/// is clamped to 64.
pub fn sha3short(input: &str, lengths: &[i64]) -> Result<String, String> {
    let length = match lengths {
        [] => 20,
        [n] => *n,
        more => {
            return Err(format!(
                "sha3short: expected at most one length argument, got {}",
                more.len()
            ));
        }
    };
    if length <= 0 {
        return Err(format!("sha3short: invalid length {length}"));
    }
    let hash = sha3sum(input);
    Ok(hash[..(length as usize).min(hash.len())].to_string())
}

/// The agent's `shortHash`: the first 20 hex characters of SHA-1, over a string's bytes, or
/// over Go's JSON encoding of any other value followed by a newline.
pub fn short_hash(v: &Value) -> String {
    let full = match v {
        Value::String(st) => sha1_hex(st.as_bytes()),
        other => {
            let mut json = to_go_json(other, true);
            json.push('\n');
            sha1_hex(json.as_bytes())
        }
    };
    full[..20].to_string()
}

/// The functions the agent adds to sprig's.
pub(crate) fn agent_functions() -> Vec<(&'static str, Func)> {
    use Ty::*;
    vec![
        ("sha3sum", f(&[Str], |a| string(sha3sum(s(&a[0]))))),
        (
            "sha3short",
            fv(&[Str], Int, |a| {
                let lengths: Vec<i64> = a[1..].iter().map(int).collect();
                sha3short(s(&a[0]), &lengths).map(Value::from)
            }),
        ),
        ("shortHash", f(&[Any], |a| string(short_hash(&a[0])))),
    ]
}
