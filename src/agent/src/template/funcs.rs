//! The function table: Go's builtins, sprig's functions and the agent's hash functions, each
//! with the Go parameter types the evaluator checks arguments against.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use super::value::{Value, format_float_e, format_float_f, format_float_g, go_quote, write_go};

/// A Go parameter type, as far as argument checking needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `interface {}`: anything; a missing value arrives as nil.
    Any,
    /// `reflect.Value` (Go's builtins): anything; a missing value arrives as missing.
    Refl,
    Str,
    Int,
    /// `uint32` (sprig's `derivePassword` counter).
    Uint32,
    Float,
    Bool,
    /// `map[string]interface {}`; a missing value arrives as Go's nil map (empty).
    Map,
    /// `[]interface {}`; a missing value arrives as Go's nil slice (empty).
    List,
    /// `time.Time`.
    Time,
    /// `*semver.Version`; `nil` arrives as missing.
    Version,
    /// sprig's `certificate` struct (`genCA` and friends).
    Cert,
}

/// The Go type name of sprig's certificate struct.
pub(crate) const CERT_TYPE: &str = "sprig.certificate";

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Any => "interface {}",
            Ty::Refl => "reflect.Value",
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Uint32 => "uint32",
            Ty::Float => "float64",
            Ty::Bool => "bool",
            Ty::Map => "map[string]interface {}",
            Ty::List => "[]interface {}",
            Ty::Time => "time.Time",
            Ty::Version => "*semver.Version",
            Ty::Cert => CERT_TYPE,
        }
    }
}

/// Builtins the evaluator treats specially.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Normal,
    And,
    Or,
    Call,
}

/// What a function returns: a value, or the error text Go's function would return (or panic
/// with), which the evaluator reports as `error calling NAME: TEXT`.
pub(crate) type FnResult = Result<Value, String>;

#[derive(Clone, Copy)]
pub(crate) struct Func {
    pub params: &'static [Ty],
    pub variadic: Option<Ty>,
    pub kind: Kind,
    pub call: fn(&[Value]) -> FnResult,
}

pub(crate) const fn f(params: &'static [Ty], call: fn(&[Value]) -> FnResult) -> Func {
    Func {
        params,
        variadic: None,
        kind: Kind::Normal,
        call,
    }
}

pub(crate) const fn fv(
    params: &'static [Ty],
    variadic: Ty,
    call: fn(&[Value]) -> FnResult,
) -> Func {
    Func {
        params,
        variadic: Some(variadic),
        kind: Kind::Normal,
        call,
    }
}

fn unreachable_fn(_: &[Value]) -> FnResult {
    Err("unreachable".into())
}

static TABLE: LazyLock<HashMap<&'static str, Func>> = LazyLock::new(|| {
    let mut m: HashMap<&'static str, Func> = HashMap::new();
    for (name, func) in builtins() {
        m.insert(name, func);
    }
    // Like Go's FuncMap, sprig's and the agent's functions shadow builtins of the same name
    // (sprig's `slice` replaces Go's).
    for (name, func) in super::sprig::functions()
        .into_iter()
        .chain(super::sprig_more::functions())
        .chain(super::crypto::functions())
        .chain(super::certs::functions())
    {
        m.insert(name, func);
    }
    for (name, func) in super::sprig::agent_functions() {
        m.insert(name, func);
    }
    m
});

pub(crate) fn lookup(name: &str) -> Option<&'static Func> {
    TABLE.get(name)
}

pub(crate) fn exists(name: &str) -> bool {
    TABLE.contains_key(name)
}

fn builtins() -> Vec<(&'static str, Func)> {
    use Ty::*;
    vec![
        (
            "and",
            Func {
                params: &[Refl],
                variadic: Some(Refl),
                kind: Kind::And,
                call: unreachable_fn,
            },
        ),
        (
            "or",
            Func {
                params: &[Refl],
                variadic: Some(Refl),
                kind: Kind::Or,
                call: unreachable_fn,
            },
        ),
        (
            "call",
            Func {
                params: &[Refl],
                variadic: Some(Refl),
                kind: Kind::Call,
                call: unreachable_fn,
            },
        ),
        (
            "html",
            fv(&[], Any, |a| Ok(html_escape(&eval_args(a)).into())),
        ),
        ("js", fv(&[], Any, |a| Ok(js_escape(&eval_args(a)).into()))),
        (
            "urlquery",
            fv(&[], Any, |a| Ok(query_escape(&eval_args(a)).into())),
        ),
        ("index", fv(&[Refl], Refl, index)),
        ("slice", fv(&[Refl], Refl, go_slice)),
        ("len", f(&[Refl], length)),
        ("not", f(&[Refl], |a| Ok(Value::Bool(!a[0].truth())))),
        ("print", fv(&[], Any, |a| Ok(sprint(a).into()))),
        (
            "printf",
            fv(&[Str], Any, |a| {
                Ok(sprintf(a[0].as_str().unwrap_or(""), &a[1..]).into())
            }),
        ),
        ("println", fv(&[], Any, |a| Ok(sprintln(a).into()))),
        (
            "eq",
            fv(&[Refl], Refl, |a| eq(&a[0], &a[1..]).map(Value::Bool)),
        ),
        (
            "ne",
            f(&[Refl, Refl], |a| {
                eq(&a[0], &a[1..]).map(|b| Value::Bool(!b))
            }),
        ),
        (
            "lt",
            f(&[Refl, Refl], |a| lt(&a[0], &a[1]).map(Value::Bool)),
        ),
        (
            "le",
            f(&[Refl, Refl], |a| le(&a[0], &a[1]).map(Value::Bool)),
        ),
        (
            "gt",
            f(&[Refl, Refl], |a| le(&a[0], &a[1]).map(|b| Value::Bool(!b))),
        ),
        (
            "ge",
            f(&[Refl, Refl], |a| lt(&a[0], &a[1]).map(|b| Value::Bool(!b))),
        ),
    ]
}

/// Go's `indirectInterface`: a nil interface is the invalid value.
fn indirect(v: &Value) -> &Value {
    match v {
        Value::Nil => &Value::Missing,
        v => v,
    }
}

fn length(a: &[Value]) -> FnResult {
    match &a[0] {
        Value::Missing => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::Nil => Err("len of nil pointer".into()),
        Value::String(s) => Ok(Value::Int(s.len() as i64)),
        Value::List(l) => Ok(Value::Int(l.len() as i64)),
        Value::Map(m) => Ok(Value::Int(m.len() as i64)),
        v => Err(format!("len of type {}", v.type_name())),
    }
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match index {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Missing | Value::Nil => return Err("cannot index slice/array with nil".into()),
        v => {
            return Err(format!(
                "cannot index slice/array with type {}",
                v.type_name()
            ));
        }
    };
    if x < 0 || x as usize > cap {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(a: &[Value]) -> FnResult {
    let mut item = indirect(&a[0]).clone();
    if matches!(item, Value::Missing) {
        return Err("index of untyped nil".into());
    }
    for idx in &a[1..] {
        let idx = indirect(idx);
        item = match &item {
            Value::Nil => return Err("index of nil pointer".into()),
            Value::List(l) => {
                let x = index_arg(idx, l.len())?;
                l.get(x)
                    .cloned()
                    .ok_or("reflect: slice index out of range")?
            }
            Value::String(s) => {
                let x = index_arg(idx, s.len())?;
                Value::Int(
                    *s.as_bytes()
                        .get(x)
                        .ok_or("reflect: string index out of range")? as i64,
                )
            }
            Value::Map(m) => match idx {
                Value::String(k) => m.get(k.as_ref()).cloned().unwrap_or(Value::Nil),
                Value::Missing => return Err("value is nil; should be of type string".into()),
                v => {
                    return Err(format!(
                        "value has type {}; should be string",
                        v.type_name()
                    ));
                }
            },
            v => return Err(format!("can't index item of type {}", v.type_name())),
        };
    }
    Ok(item)
}

/// Go's builtin `slice` (shadowed by sprig's in the agent's function map; kept for
/// completeness).
fn go_slice(a: &[Value]) -> FnResult {
    let item = indirect(&a[0]);
    let idxs = &a[1..];
    if idxs.len() > 3 {
        return Err(format!("too many slice indexes: {}", idxs.len()));
    }
    let (len, is_str) = match item {
        Value::Missing => return Err("slice of untyped nil".into()),
        Value::String(s) => {
            if idxs.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            (s.len(), true)
        }
        Value::List(l) => (l.len(), false),
        v => return Err(format!("can't slice item of type {}", v.type_name())),
    };
    let mut idx = [0, len, len];
    for (i, x) in idxs.iter().enumerate() {
        idx[i] = index_arg(indirect(x), len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if idxs.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match item {
        Value::String(s) if is_str => {
            Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        Value::List(l) => Value::from(l[idx[0]..idx[1]].to_vec()),
        _ => Value::Missing,
    })
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum BasicKind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(v: &Value) -> BasicKind {
    match v {
        Value::Bool(_) => BasicKind::Bool,
        Value::Int(_) | Value::Int64(_) => BasicKind::Int,
        Value::Float(_) => BasicKind::Float,
        Value::String(_) => BasicKind::String,
        _ => BasicKind::Invalid,
    }
}

fn eq(a1: &Value, rest: &[Value]) -> Result<bool, String> {
    let a1 = indirect(a1);
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a1);
    for a in rest {
        let a = indirect(a);
        let k2 = basic_kind(a);
        let truth = if k1 != k2 {
            if !a1.is_nil() && !a.is_nil() {
                return Err(format!(
                    "incompatible types for comparison: {} and {}",
                    a1.type_name(),
                    a.type_name()
                ));
            }
            false
        } else {
            match (a1, a) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                _ => {
                    if a1.is_nil() || a.is_nil() {
                        a1.is_nil() == a.is_nil()
                    } else if a1.kind_name() != a.kind_name() {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            sprintf("%s", std::slice::from_ref(a1)),
                            a1.type_name(),
                            a.type_name(),
                            a.to_go_string()
                        ));
                    } else {
                        return Err(format!(
                            "non-comparable type {}: {}",
                            sprintf("%s", std::slice::from_ref(a)),
                            a.type_name()
                        ));
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a1: &Value, a2: &Value) -> Result<bool, String> {
    let (a1, a2) = (indirect(a1), indirect(a2));
    let (k1, k2) = (basic_kind(a1), basic_kind(a2));
    if k1 == BasicKind::Invalid || k2 == BasicKind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err(format!(
            "incompatible types for comparison: {} and {}",
            a1.type_name(),
            a2.type_name()
        ));
    }
    Ok(match (a1, a2) {
        (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::String(x), Value::String(y)) => x < y,
        _ => return Err("invalid type for comparison".into()),
    })
}

fn le(a1: &Value, a2: &Value) -> Result<bool, String> {
    if lt(a1, a2)? {
        return Ok(true);
    }
    eq(a1, std::slice::from_ref(a2))
}

/// Go's `evalArgs` for `html`, `js`, `urlquery`: one string as is, otherwise `fmt.Sprint` of
/// the arguments, a missing value printing as `<no value>`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    let args: Vec<Value> = args
        .iter()
        .map(|a| match a {
            Value::Missing | Value::Nil => Value::from("<no value>"),
            a => a.clone(),
        })
        .collect();
    sprint(&args)
}

pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u00{:02X}", c as u32);
            }
            c if (c as u32) < 0x80 => out.push(c),
            c => {
                if go_quote(&c.to_string()).chars().count() == 3 {
                    out.push(c);
                } else {
                    let _ = write!(out, "\\u{:04X}", c as u32);
                }
            }
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// `fmt.Sprint`: operands printed with `%v`, a space between two operands when neither is a
/// string.
pub(crate) fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Value::String(_)) && !matches!(args[i - 1], Value::String(_)) {
            out.push(' ');
        }
        write_go(&mut out, a);
    }
    out
}

/// `fmt.Sprintln`: operands with `%v`, always space-separated, and a newline.
fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_go(&mut out, a);
    }
    out.push('\n');
    out
}

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// `fmt.Sprintf` for the common verbs (`%v %+v %s %q %d %x %X %o %b %c %e %f %g %t %T %%`),
/// with flags, width and precision, and Go's `%!v(…)` notes for bad verbs, missing and extra
/// arguments.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut argn = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&fc) = chars.peek() {
            match fc {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                _ => break,
            }
            chars.next();
        }
        let num =
            |chars: &mut std::iter::Peekable<std::str::Chars>, argn: &mut usize| -> Option<usize> {
                if chars.peek() == Some(&'*') {
                    chars.next();
                    let v = match args.get(*argn) {
                        Some(Value::Int(i) | Value::Int64(i)) => Some((*i).max(0) as usize),
                        _ => None,
                    };
                    *argn += 1;
                    return v;
                }
                let mut n = None;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                    n = Some(n.unwrap_or(0) * 10 + d as usize);
                    chars.next();
                }
                n
            };
        spec.width = num(&mut chars, &mut argn);
        if spec.width.is_some_and(|w| w > 1_000_000) {
            out.push_str("%!(BADWIDTH)");
            spec.width = None;
        }
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.prec = Some(num(&mut chars, &mut argn).unwrap_or(0));
            if spec.prec.is_some_and(|p| p > 1_000_000) {
                out.push_str("%!(BADPREC)");
                spec.prec = None;
            }
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argn) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        argn += 1;
        if verb == 'T' {
            let t = if arg.is_nil() {
                "<nil>".to_string()
            } else {
                arg.type_name()
            };
            out.push_str(&pad(&t, spec, false));
            continue;
        }
        format_arg(&mut out, arg, verb, spec, false);
    }
    if argn < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[argn..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if a.is_nil() {
                out.push_str("<nil>");
            } else {
                let _ = write!(out, "{}={}", a.type_name(), a.to_go_string());
            }
        }
        out.push(')');
    }
    out
}

fn pad(s: &str, spec: Spec, numeric: bool) -> String {
    let Some(w) = spec.width else {
        return s.to_string();
    };
    let len = s.chars().count();
    if len >= w {
        return s.to_string();
    }
    let fill = w - len;
    if spec.minus {
        return format!("{s}{}", " ".repeat(fill));
    }
    if spec.zero {
        // Go pads with zeros whatever the operand; after the sign for numbers.
        let (sign, digits) = match s.chars().next() {
            Some(c @ ('-' | '+' | ' ')) if numeric => (c.to_string(), &s[1..]),
            _ => (String::new(), s),
        };
        return format!("{sign}{}{digits}", "0".repeat(fill));
    }
    format!("{}{s}", " ".repeat(fill))
}

fn bad_verb(out: &mut String, arg: &Value, verb: char) {
    if arg.is_nil() {
        let _ = write!(out, "%!{verb}(<nil>)");
    } else {
        let _ = write!(out, "%!{verb}({}={})", arg.type_name(), arg.to_go_string());
    }
}

fn sign(neg: bool, spec: Spec) -> &'static str {
    if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn format_arg(out: &mut String, arg: &Value, verb: char, spec: Spec, nested: bool) {
    match arg {
        Value::Missing | Value::Nil => match verb {
            // A nil inside a list or map prints as <nil> whatever the verb.
            _ if nested => out.push_str(&pad("<nil>", spec, false)),
            'v' => out.push_str(&pad("<nil>", spec, false)),
            _ => bad_verb(out, arg, verb),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => out.push_str(&pad(if *b { "true" } else { "false" }, spec, false)),
            _ => bad_verb(out, arg, verb),
        },
        Value::Int(i) | Value::Int64(i) => {
            let neg = *i < 0;
            let u = i.unsigned_abs();
            let digits = match verb {
                'v' | 'd' => u.to_string(),
                'b' => format!("{u:b}"),
                'o' | 'O' => format!("{u:o}"),
                'x' => format!("{u:x}"),
                'X' => format!("{u:X}"),
                'c' => {
                    let c = char::from_u32(*i as u32).unwrap_or('\u{FFFD}');
                    out.push_str(&pad(&c.to_string(), spec, false));
                    return;
                }
                'q' => {
                    let c = char::from_u32(*i as u32).unwrap_or('\u{FFFD}');
                    let q = go_quote(&c.to_string());
                    let inner = &q[1..q.len() - 1];
                    let inner = if inner == "\\\"" {
                        "\""
                    } else if inner == "'" {
                        "\\'"
                    } else {
                        inner
                    };
                    out.push_str(&pad(&format!("'{inner}'"), spec, false));
                    return;
                }
                'U' => {
                    out.push_str(&pad(&format!("U+{u:04X}"), spec, false));
                    return;
                }
                'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 's' | 't' => {
                    bad_verb(out, arg, verb);
                    return;
                }
                _ => {
                    bad_verb(out, arg, verb);
                    return;
                }
            };
            let digits = match spec.prec {
                Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
                _ => digits,
            };
            let prefix = match (spec.sharp, verb) {
                (true, 'x') => "0x",
                (true, 'X') => "0X",
                (true, 'o') => "0",
                (true, 'b') => "0b",
                (_, 'O') => "0o",
                _ => "",
            };
            let s = format!("{}{prefix}{digits}", sign(neg, spec));
            let numeric = spec.prec.is_none();
            out.push_str(&pad(&s, spec, numeric));
        }
        Value::Float(x) => {
            let body = match verb {
                'v' | 'g' => format_float_g(x.abs(), spec.prec),
                'G' => format_float_g(x.abs(), spec.prec).to_uppercase(),
                'e' => format_float_e(x.abs(), spec.prec.unwrap_or(6)),
                'E' => format_float_e(x.abs(), spec.prec.unwrap_or(6)).to_uppercase(),
                'f' | 'F' => format_float_f(x.abs(), spec.prec.unwrap_or(6)),
                _ => {
                    bad_verb(out, arg, verb);
                    return;
                }
            };
            let neg = x.is_sign_negative() && !x.is_nan();
            let s = format!("{}{body}", sign(neg, spec));
            out.push_str(&pad(&s, spec, x.is_finite()));
        }
        Value::String(s) => {
            let s: &str = s;
            let truncated: String = match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            match verb {
                'v' | 's' => out.push_str(&pad(&truncated, spec, false)),
                'q' => {
                    let q = if spec.sharp && !truncated.contains('`') {
                        format!("`{truncated}`")
                    } else {
                        go_quote(&truncated)
                    };
                    out.push_str(&pad(&q, spec, false));
                }
                'x' | 'X' => {
                    let mut h = String::new();
                    for b in truncated.bytes() {
                        if verb == 'x' {
                            let _ = write!(h, "{b:02x}");
                        } else {
                            let _ = write!(h, "{b:02X}");
                        }
                    }
                    out.push_str(&pad(&h, spec, false));
                }
                _ => bad_verb(out, arg, verb),
            }
        }
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_arg(out, e, verb, spec, true);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_arg(out, &Value::from(k.as_str()), verb, spec, true);
                out.push(':');
                format_arg(out, e, verb, spec, true);
            }
            out.push(']');
        }
        Value::Struct(r) => {
            out.push('{');
            for (i, (k, e)) in r.fields.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                if spec.plus && verb == 'v' {
                    out.push_str(k);
                    out.push(':');
                }
                format_arg(out, e, verb, spec, true);
            }
            out.push('}');
        }
        Value::Time(_) | Value::Version(_) => {
            let text = arg.to_go_string();
            match verb {
                'v' | 's' => out.push_str(&pad(&text, spec, false)),
                'q' => out.push_str(&pad(&go_quote(&text), spec, false)),
                _ => bad_verb(out, arg, verb),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_verbs() {
        let m = Value::from(&serde_json::json!({"b": [1, "x"]}));
        let args = vec![
            Value::Int(1),
            Value::from("a"),
            m.clone(),
            Value::from("q"),
            Value::from("hi"),
            Value::Float(3.24159),
            Value::Int(7),
            m,
            Value::Int64(1),
        ];
        assert_eq!(
            sprintf("%d %s %v %q %x %5.2f|%-4d|%T %T", &args),
            "1 a map[b:[1 x]] \"q\" 6869  3.24|7   |map[string]interface {} int64"
        );
        assert_eq!(sprintf("%d", &[Value::from("s")]), "%!d(string=s)");
        assert_eq!(sprintf("%s", &[]), "%!s(MISSING)");
        assert_eq!(
            sprintf("%s", &[Value::Int(1), Value::Int(2)]),
            "%!s(int=1)%!(EXTRA int=2)"
        );
        assert_eq!(
            sprintf(
                "%05d|%+d|%x|%X|%o|%c|%q",
                &[
                    Value::Int(-42),
                    Value::Int(5),
                    Value::Int(255),
                    Value::Int(255),
                    Value::Int(8),
                    Value::Int(65),
                    Value::Int(65)
                ]
            ),
            "-0042|+5|ff|FF|10|A|'A'"
        );
        assert_eq!(
            sprintf(
                "%e|%g|%.3g|%6.1f%%",
                &[
                    Value::Float(1234.5678),
                    Value::Float(1e6),
                    Value::Float(1234.5678),
                    Value::Float(2.25)
                ]
            ),
            "1.234568e+03|1e+06|1.23e+03|   2.2%"
        );
        assert_eq!(
            sprintf("%v|%s", &[Value::Nil, Value::Nil]),
            "<nil>|%!s(<nil>)"
        );
    }

    #[test]
    fn escapers() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            js_escape("a'b\"c<d>=&\\\n"),
            "a\\'b\\\"c\\u003Cd\\u003E\\u003D\\u0026\\\\\\u000A"
        );
        assert_eq!(query_escape("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }
}
