//! Schema validation of a custom resource, as kube-apiserver runs it: kube-openapi's
//! `SchemaValidator` (types, bounds, lengths, patterns, formats, enums, required, junctors),
//! its results converted to field errors by apiextensions' `ValidateCustomResource`, then the
//! `x-kubernetes-list-type` set/map uniqueness checks. Messages and paths are kube's, e.g.
//! `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`.

use base64::Engine;
use serde_json::Value;

use super::schema::{Additional, Schema};
use crate::errors::{FieldError, FieldErrorType, FieldPath};

/// The kube-openapi error codes that the conversion to field errors tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Code {
    InvalidType,
    Required,
    TooLong,
    Enum,
    MaxItems,
    TooManyProperties,
    Other,
}

/// One kube-openapi error: a `*errors.Validation` (with a name) or a bare error.
#[derive(Clone, Debug)]
enum OErr {
    Validation {
        code: Code,
        name: String,
        value: Option<Value>,
        /// The bound for TooLong / MaxItems / TooManyProperties.
        valid: i64,
        /// The allowed values for an enum failure.
        values: Vec<Value>,
        message: String,
    },
    Plain(String),
}

impl OErr {
    fn message(&self) -> &str {
        match self {
            OErr::Validation { message, .. } | OErr::Plain(message) => message,
        }
    }
    fn v(code: Code, name: &str, value: Option<Value>, message: String) -> Self {
        OErr::Validation {
            code,
            name: name.to_string(),
            value,
            valid: -1,
            values: Vec::new(),
            message,
        }
    }
}

/// kube-openapi's `Result`: errors deduplicated by message, and a match count that picks the
/// "best" failing alternative of an anyOf/oneOf.
#[derive(Default, Debug)]
struct Res {
    errors: Vec<OErr>,
    matches: usize,
}

impl Res {
    fn add(&mut self, e: OErr) {
        if !self.errors.iter().any(|x| x.message() == e.message()) {
            self.errors.push(e);
        }
    }
    fn merge(&mut self, other: Res) {
        for e in other.errors {
            self.add(e);
        }
        self.matches += other.matches;
    }
    fn valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Go's `%v` of a float64: shortest representation, exponent from 1e21 on.
pub(crate) fn go_float(f: f64) -> String {
    if f.is_finite() && f == f.trunc() && f.abs() < 1e21 {
        return format!("{}", f as i128);
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e21).contains(&abs) {
        // Go: 1e+21, 1.5e-05
        let s = format!("{f:e}");
        if let Some((m, e)) = s.split_once('e') {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            let digits = if digits.len() < 2 {
                format!("0{digits}")
            } else {
                digits.to_string()
            };
            return format!("{m}e{sign}{digits}");
        }
        return s;
    }
    format!("{f}")
}

/// How Go's `%q` prints a string (close enough: Rust's debug quoting agrees on ASCII).
fn go_quote(s: &str) -> String {
    format!("{s:?}")
}

fn is_int(v: &Value) -> bool {
    v.is_i64() || v.is_u64()
}

/// `schemaInfoForType` for decoded JSON: kube decodes integral numbers to int64.
fn sch_type(v: &Value) -> (&'static str, &'static str) {
    match v {
        Value::Bool(_) => ("boolean", ""),
        Value::String(_) => ("string", ""),
        Value::Number(_) if is_int(v) => ("integer", "int64"),
        Value::Number(_) => ("number", "float64"),
        Value::Array(_) => ("array", ""),
        Value::Object(_) => ("object", ""),
        Value::Null => ("null", ""),
    }
}

fn invalid_type(path: &str, type_name: &str, value: &str) -> OErr {
    OErr::v(
        Code::InvalidType,
        path,
        Some(Value::String(value.to_string())),
        format!(
            "{path} in body must be of type {type_name}: {}",
            go_quote(value)
        ),
    )
}

fn validate_type(s: &Schema, path: &str, data: &Value) -> Option<OErr> {
    let types = s.types();
    if data.is_null() {
        if !types.is_empty() && !types.contains(&"null") && !s.nullable {
            return Some(invalid_type(path, &types.join(","), "null"));
        }
        return None;
    }
    let (st, fmt) = sch_type(data);
    let contains = |t: &str| types.contains(&t);
    let is_float_int = st == "number"
        && data
            .as_f64()
            .is_some_and(|f| f == f.trunc() && f.is_finite())
        && contains("integer");
    let is_int_float = st == "integer" && contains("number");
    let kind_str_or_slice = data.is_string() || data.is_array();
    let type_matches = contains(st) || is_float_int || is_int_float;
    if !kind_str_or_slice && !s.format.is_empty() && !type_matches && fmt != s.format {
        return Some(invalid_type(path, &s.format, fmt));
    }
    let numeric = contains("number") || contains("integer");
    if !numeric && !s.format.is_empty() && kind_str_or_slice {
        return None;
    }
    if !type_matches {
        return Some(invalid_type(path, &types.join(","), st));
    }
    None
}

fn number_string(v: &Value) -> String {
    if let Some(i) = v.as_i64() {
        i.to_string()
    } else if let Some(u) = v.as_u64() {
        u.to_string()
    } else {
        go_float(v.as_f64().unwrap_or(0.0))
    }
}

/// `IsValueValidAgainstRange`: a bare error when the number does not fit the format.
fn range_check(rep: &str, ty: &str, format: &str, prefix: &str, path: &str) -> Option<OErr> {
    let ok = match ty {
        "integer" => match format {
            "int32" => rep.parse::<i32>().is_ok(),
            _ => rep.parse::<i64>().is_ok(),
        },
        _ => match format {
            "float" => rep.parse::<f64>().is_ok_and(|f| f.abs() <= f32::MAX as f64),
            _ => true,
        },
    };
    if ok {
        return None;
    }
    Some(OErr::Plain(if format.is_empty() {
        format!("{prefix} value must be of type {ty} (default format) in {path}")
    } else {
        format!("{prefix} value must be of type {ty} with format {format} in {path}")
    }))
}

fn validate_number(s: &Schema, path: &str, data: &Value) -> Res {
    let mut res = Res::default();
    let (ty, format) = if s.int_or_string {
        ("", "")
    } else {
        match s.ty.as_str() {
            "integer" => (
                "integer",
                if s.format == "int32" || s.format == "int64" {
                    s.format.as_str()
                } else {
                    ""
                },
            ),
            "number" => (
                "number",
                if s.format == "float" || s.format == "double" {
                    s.format.as_str()
                } else {
                    ""
                },
            ),
            _ => ("", ""),
        }
    };
    if let Some(e) = range_check(&number_string(data), ty, format, "Checked", path) {
        res.add(e);
    }
    let as_int = data.as_i64();
    let f = data.as_f64().unwrap_or(0.0);
    let shown = |v: &Value| v.clone();
    let mut res_mult = Res::default();
    if let Some(m) = s.multiple_of {
        let range_err = range_check(&go_float(m), ty, format, "MultipleOf", path);
        let native = range_err.is_none();
        if let Some(e) = range_err {
            res_mult.add(e);
        }
        let err = match as_int {
            Some(i) if native => {
                let factor = m as i64;
                if factor <= 0 {
                    Some(format!(
                        "factor MultipleOf declared for {path} must be positive: {factor}"
                    ))
                } else if (i / factor) * factor != i {
                    Some(format!("{path} in body should be a multiple of {factor}"))
                } else {
                    None
                }
            }
            _ => {
                if m <= 0.0 {
                    Some(format!(
                        "factor MultipleOf declared for {path} must be positive: {}",
                        go_float(m)
                    ))
                } else {
                    let mult = if m < 1.0 { 1.0 / m * f } else { f / m };
                    if mult == mult.trunc() && mult.is_finite() {
                        None
                    } else {
                        Some(format!(
                            "{path} in body should be a multiple of {}",
                            go_float(m)
                        ))
                    }
                }
            }
        };
        if let Some(msg) = err {
            res_mult.add(OErr::v(Code::Other, path, Some(shown(data)), msg));
        }
    }
    let mut res_min = Res::default();
    if let Some(min) = s.minimum {
        let range_err = range_check(&go_float(min), ty, format, "Minimum boundary", path);
        let native = range_err.is_none();
        if let Some(e) = range_err {
            res_min.add(e);
        }
        let ex = s.exclusive_minimum;
        let (fails, bound) = match as_int {
            Some(i) if native => {
                let b = min as i64;
                ((!ex && i < b) || (ex && i <= b), b.to_string())
            }
            _ => ((!ex && f < min) || (ex && f <= min), go_float(min)),
        };
        if fails {
            let word = if ex {
                "greater than"
            } else {
                "greater than or equal to"
            };
            res_min.add(OErr::v(
                Code::Other,
                path,
                Some(shown(data)),
                format!("{path} in body should be {word} {bound}"),
            ));
        }
    }
    let mut res_max = Res::default();
    if let Some(max) = s.maximum {
        let range_err = range_check(&go_float(max), ty, format, "Maximum boundary", path);
        let native = range_err.is_none();
        if let Some(e) = range_err {
            res_max.add(e);
        }
        let ex = s.exclusive_maximum;
        let (fails, bound) = match as_int {
            Some(i) if native => {
                let b = max as i64;
                ((!ex && i > b) || (ex && i >= b), b.to_string())
            }
            _ => ((!ex && f > max) || (ex && f >= max), go_float(max)),
        };
        if fails {
            let word = if ex {
                "less than"
            } else {
                "less than or equal to"
            };
            res_max.add(OErr::v(
                Code::Other,
                path,
                Some(shown(data)),
                format!("{path} in body should be {word} {bound}"),
            ));
        }
    }
    res.merge(res_mult);
    res.merge(res_min);
    res.merge(res_max);
    res.matches += 1;
    res
}

fn validate_string(s: &Schema, path: &str, data: &str) -> Option<OErr> {
    let len = data.chars().count() as i64;
    let value = || Some(Value::String(data.to_string()));
    if let Some(max) = s.max_length
        && len > max
    {
        return Some(OErr::Validation {
            code: Code::TooLong,
            name: path.to_string(),
            value: value(),
            valid: max,
            values: Vec::new(),
            message: format!("{path} in body should be at most {max} chars long"),
        });
    }
    if let Some(min) = s.min_length
        && len < min
    {
        return Some(OErr::v(
            Code::Other,
            path,
            value(),
            format!("{path} in body should be at least {min} chars long"),
        ));
    }
    if let Some((p, re)) = &s.pattern {
        match re {
            Some(re) if re.is_match(data) => {}
            Some(_) => {
                return Some(OErr::v(
                    Code::Other,
                    path,
                    value(),
                    format!("{path} in body should match '{p}'"),
                ));
            }
            None => {
                return Some(OErr::v(
                    Code::Other,
                    path,
                    value(),
                    format!("{path} in body should match '{p}, but pattern is invalid'"),
                ));
            }
        }
    }
    None
}

fn validate_format(s: &Schema, path: &str, data: &str) -> Option<OErr> {
    if s.format.is_empty() {
        return None;
    }
    if super::formats::is_valid(&s.format, data) {
        return None;
    }
    Some(OErr::v(
        Code::InvalidType,
        path,
        Some(Value::String(data.to_string())),
        format!(
            "{path} in body must be of type {}: {}",
            s.format,
            go_quote(data)
        ),
    ))
}

/// Numeric-aware equality, as the enum check's `reflect` conversions make it.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn validate_enum(s: &Schema, path: &str, data: &Value) -> Option<OErr> {
    let values = s.enum_values.as_ref()?;
    if values.is_empty() || values.iter().any(|e| json_eq(e, data)) {
        return None;
    }
    let listed: Vec<String> = values.iter().map(go_sprint).collect();
    Some(OErr::Validation {
        code: Code::Enum,
        name: path.to_string(),
        value: Some(data.clone()),
        valid: -1,
        values: values.clone(),
        message: format!("{path} in body should be one of [{}]", listed.join(" ")),
    })
}

/// Go's `%v` of a decoded JSON value (only used inside enum messages that are converted away).
fn go_sprint(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(_) => number_string(v),
        other => other.to_string(),
    }
}

fn validate_slice(s: &Schema, path: &str, a: &[Value]) -> Res {
    let mut res = Res::default();
    if let Some(items) = s.items.as_deref() {
        for (i, v) in a.iter().enumerate() {
            res.merge(validate_node(items, &format!("{path}[{i}]"), v));
        }
    }
    let size = a.len() as i64;
    if let Some(min) = s.min_items
        && size < min
    {
        res.add(OErr::v(
            Code::Other,
            path,
            Some(Value::from(size)),
            format!("{path} in body should have at least {min} items"),
        ));
    }
    if let Some(max) = s.max_items
        && size > max
    {
        res.add(OErr::Validation {
            code: Code::MaxItems,
            name: path.to_string(),
            value: Some(Value::from(size)),
            valid: max,
            values: Vec::new(),
            message: format!("{path} in body should have at most {max} items"),
        });
    }
    if s.unique_items {
        let dup = a
            .iter()
            .enumerate()
            .any(|(i, x)| a[..i].iter().any(|y| json_eq(x, y)));
        if dup {
            res.add(OErr::v(
                Code::Other,
                path,
                None,
                format!("{path} in body shouldn't contain duplicates"),
            ));
        }
    }
    res.matches += 1;
    res
}

fn validate_object(s: &Schema, path: &str, m: &serde_json::Map<String, Value>) -> Res {
    let mut res = Res::default();
    let n = m.len() as i64;
    if let Some(min) = s.min_properties
        && n < min
    {
        res.add(OErr::v(
            Code::Other,
            path,
            Some(Value::from(n)),
            format!("{path} in body should have at least {min} properties"),
        ));
    }
    if let Some(max) = s.max_properties
        && n > max
    {
        res.add(OErr::Validation {
            code: Code::TooManyProperties,
            name: path.to_string(),
            value: Some(Value::from(n)),
            valid: max,
            values: Vec::new(),
            message: format!("{path} in body should have at most {max} properties"),
        });
    }
    match &s.additional {
        Some(Additional::Allows(false)) => {
            for k in m.keys() {
                if s.property(k).is_none() {
                    res.add(OErr::v(
                        Code::Other,
                        path,
                        Some(Value::String(k.clone())),
                        format!("{path}.{k} in body is a forbidden property"),
                    ));
                }
            }
        }
        Some(Additional::Schema(a)) => {
            for (k, v) in m {
                if s.property(k).is_none() {
                    res.merge(validate_node(a, &format!("{path}.{k}"), v));
                }
            }
        }
        _ => {}
    }
    // In declared order (errors follow it), visiting only the properties the object has: an
    // object setting a few of the 130 fields Prometheus' `spec` declares should not pay a lookup
    // for each of the others.
    let mut present: Vec<(usize, &Value)> = if m.len() < s.properties.len() {
        m.iter()
            .filter_map(|(k, v)| s.property_index(k).map(|i| (i, v)))
            .collect()
    } else {
        s.properties
            .iter()
            .enumerate()
            .filter_map(|(i, (name, _))| m.get(name).map(|v| (i, v)))
            .collect()
    };
    present.sort_unstable_by_key(|(i, _)| *i);
    for (i, v) in present {
        let (name, p) = &s.properties[i];
        let child = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        res.merge(validate_node(p, &child, v));
    }
    for k in &s.required {
        if !m.contains_key(k) {
            let name = format!("{path}.{k}");
            res.add(OErr::v(
                Code::Required,
                &name,
                None,
                format!("{name} in body is required"),
            ));
        }
    }
    res
}

fn validate_junctors(s: &Schema, path: &str, data: &Value) -> Res {
    let mut main = Res::default();
    if s.any_of.is_empty() && s.one_of.is_empty() && s.all_of.is_empty() && s.not.is_none() {
        main.matches += 1;
        return main;
    }
    let quoted = go_quote(path);
    if !s.any_of.is_empty() {
        let mut best: Option<Res> = None;
        let mut succeeded = false;
        for sub in &s.any_of {
            let r = validate_node(sub, path, data);
            if r.valid() {
                succeeded = true;
                best = None;
                break;
            }
            if best.as_ref().is_none_or(|b| r.matches > b.matches) {
                best = Some(r);
            }
        }
        if !succeeded {
            main.add(OErr::Plain(format!(
                "{quoted} must validate at least one schema (anyOf)"
            )));
        }
        if let Some(b) = best {
            main.merge(b);
        }
    }
    if !s.one_of.is_empty() {
        let mut best: Option<Res> = None;
        let mut validated = 0;
        for sub in &s.one_of {
            let r = validate_node(sub, path, data);
            if r.valid() {
                validated += 1;
                best = None;
                continue;
            }
            if validated == 0 && best.as_ref().is_none_or(|b| r.matches > b.matches) {
                best = Some(r);
            }
        }
        if validated != 1 {
            let extra = if validated == 0 {
                "Found none valid".to_string()
            } else {
                format!("Found {validated} valid alternatives")
            };
            main.add(OErr::Plain(format!(
                "{quoted} must validate one and only one schema (oneOf). {extra}"
            )));
            if let Some(b) = best {
                main.merge(b);
            }
        }
    }
    if !s.all_of.is_empty() {
        let mut validated = 0;
        for sub in &s.all_of {
            let r = validate_node(sub, path, data);
            if r.valid() {
                validated += 1;
            }
            main.merge(r);
        }
        if validated != s.all_of.len() {
            let extra = if validated == 0 {
                ". None validated"
            } else {
                ""
            };
            main.add(OErr::Plain(format!(
                "{quoted} must validate all the schemas (allOf){extra}"
            )));
        }
    }
    if let Some(not) = &s.not
        && validate_node(not, path, data).valid()
    {
        main.add(OErr::Plain(format!(
            "{quoted} must not validate the schema (not)"
        )));
    }
    main.matches += 1;
    main
}

/// `SchemaValidator.Validate` for one node.
fn validate_node(s: &Schema, path: &str, data: &Value) -> Res {
    let mut res = Res::default();
    let type_applies = s.has_type() || !s.format.is_empty();
    if data.is_null() {
        if type_applies && let Some(e) = validate_type(s, path, data) {
            res.add(e);
        }
        if let Some(e) = validate_enum(s, path, data) {
            res.add(e);
        }
        return res;
    }
    if type_applies {
        match validate_type(s, path, data) {
            Some(e) => res.add(e),
            None => res.matches += 1,
        }
        res.matches += 1;
    }
    res.merge(validate_junctors(s, path, data));
    res.matches += 1;
    if let Value::String(st) = data {
        if let Some(e) = validate_string(s, path, st) {
            res.add(e);
        }
        res.matches += 1;
        if !s.format.is_empty() {
            if let Some(e) = validate_format(s, path, st) {
                res.add(e);
            }
            res.matches += 1;
        }
    }
    if data.is_number() {
        res.merge(validate_number(s, path, data));
        res.matches += 1;
    }
    if let Value::Array(a) = data {
        res.merge(validate_slice(s, path, a));
        res.matches += 1;
    }
    if let Some(e) = validate_enum(s, path, data) {
        res.add(e);
    }
    res.matches += 1;
    if let Value::Object(m) = data {
        res.merge(validate_object(s, path, m));
        res.matches += 1;
    }
    res.matches += 1;
    res
}

fn field_of(name: &str, prefix: &FieldPath) -> FieldPath {
    if name.is_empty() || name == "." {
        return prefix.clone();
    }
    prefix.child(name.strip_prefix('.').unwrap_or(name))
}

/// The field of errors kube reports at a nil path.
fn nil_path(prefix: &FieldPath) -> String {
    if prefix.as_str().is_empty() {
        "<nil>".to_string()
    } else {
        prefix.to_string()
    }
}

fn to_field_error(e: OErr, prefix: &FieldPath) -> FieldError {
    match e {
        OErr::Plain(message) => FieldError {
            kind: FieldErrorType::Invalid,
            field: nil_path(prefix),
            bad_value: Some(Value::String(String::new())),
            detail: message,
        },
        OErr::Validation {
            code,
            name,
            value,
            valid,
            values,
            message,
        } => {
            let path = field_of(&name, prefix);
            let field = if path.as_str().is_empty() {
                "<nil>".to_string()
            } else {
                path.to_string()
            };
            let or_empty = |v: Option<Value>| v.unwrap_or_else(|| Value::String(String::new()));
            match code {
                Code::Required => FieldError {
                    kind: FieldErrorType::Required,
                    field,
                    bad_value: None,
                    detail: String::new(),
                },
                Code::Enum => {
                    let supported: Vec<String> = values
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect();
                    let quoted: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
                    FieldError {
                        kind: FieldErrorType::NotSupported,
                        field,
                        bad_value: Some(value.unwrap_or(Value::Null)),
                        detail: if quoted.is_empty() {
                            String::new()
                        } else {
                            format!("supported values: {}", quoted.join(", "))
                        },
                    }
                }
                Code::TooLong => FieldError {
                    kind: FieldErrorType::TooLong,
                    field,
                    bad_value: None,
                    detail: if valid >= 0 {
                        let unit = if valid == 1 { "byte" } else { "bytes" };
                        format!("may not be more than {valid} {unit}")
                    } else {
                        "value is too long".to_string()
                    },
                },
                Code::MaxItems | Code::TooManyProperties => {
                    let actual = value.and_then(|v| v.as_i64()).unwrap_or(-1);
                    FieldError {
                        kind: FieldErrorType::TooMany,
                        field,
                        bad_value: (actual >= 0).then(|| Value::from(actual)),
                        detail: if valid >= 0 {
                            let unit = if valid == 1 { "item" } else { "items" };
                            format!("must have at most {valid} {unit}")
                        } else {
                            "has too many items".to_string()
                        },
                    }
                }
                Code::InvalidType => FieldError {
                    kind: FieldErrorType::TypeInvalid,
                    field,
                    bad_value: Some(or_empty(value)),
                    detail: message,
                },
                Code::Other => FieldError {
                    kind: FieldErrorType::Invalid,
                    field,
                    bad_value: Some(or_empty(value)),
                    detail: message,
                },
            }
        }
    }
}

/// `ValidateCustomResource`: the OpenAPI schema errors for `obj` (rooted at `prefix`).
pub(crate) fn validate_schema(s: &Schema, obj: &Value, prefix: &FieldPath) -> Vec<FieldError> {
    validate_node(s, "", obj)
        .errors
        .into_iter()
        .map(|e| to_field_error(e, prefix))
        .collect()
}

/// `ValidateListSetsAndMaps`: `x-kubernetes-list-type` set items and map keys are unique.
pub(crate) fn validate_list_types(
    s: &Schema,
    obj: &Value,
    path: &FieldPath,
    out: &mut Vec<FieldError>,
) {
    let Value::Object(m) = obj else { return };
    if !s.list_types_below {
        return;
    }
    if let Some(a) = s.additional_schema() {
        for (k, v) in m {
            list_types_value(a, v, &path.key(k), out);
        }
    }
    for (k, v) in m {
        if let Some(p) = s.property(k) {
            list_types_value(p, v, &path.child(k), out);
        }
    }
}

fn list_types_value(s: &Schema, v: &Value, path: &FieldPath, out: &mut Vec<FieldError>) {
    if !s.list_types_below {
        return;
    }
    match v {
        Value::Array(a) => {
            match s.list_type.as_deref() {
                Some("set") => {
                    for i in non_unique(a) {
                        out.push(FieldError::duplicate(&path.index(i), a[i].clone()));
                    }
                }
                Some("map") => list_map(s, a, path, out),
                _ => {}
            }
            if let Some(items) = s.items.as_deref() {
                for (i, x) in a.iter().enumerate() {
                    list_types_value(items, x, &path.index(i), out);
                }
            }
        }
        Value::Object(_) => validate_list_types(s, v, path, out),
        _ => {}
    }
}

/// Indices of the second occurrence of each repeated value (later repeats are not reported).
fn non_unique(a: &[Value]) -> Vec<usize> {
    let mut seen: Vec<(&Value, usize)> = Vec::new();
    let mut out = Vec::new();
    for (i, x) in a.iter().enumerate() {
        match seen.iter_mut().find(|(v, _)| json_eq(v, x)) {
            Some((_, times)) => {
                *times += 1;
                if *times == 2 {
                    out.push(i);
                }
            }
            None => seen.push((x, 1)),
        }
    }
    out
}

fn list_map(s: &Schema, a: &[Value], path: &FieldPath, out: &mut Vec<FieldError>) {
    for (i, x) in a.iter().enumerate() {
        if !x.is_null() && !x.is_object() {
            out.push(FieldError::invalid(
                &path.index(i),
                x.clone(),
                "must be an object for an array of list-type map",
            ));
            return;
        }
    }
    if a.len() <= 1 {
        return;
    }
    // The key of each item: an object of the key fields it has.
    let keys: Vec<Value> = a
        .iter()
        .map(|x| {
            let mut k = serde_json::Map::new();
            if let Some(o) = x.as_object() {
                for f in &s.list_map_keys {
                    if let Some(v) = o.get(f) {
                        k.insert(f.clone(), v.clone());
                    }
                }
            }
            Value::Object(k)
        })
        .collect();
    for i in non_unique(&keys) {
        out.push(FieldError::duplicate(&path.index(i), keys[i].clone()));
    }
}

/// Whether kube would skip the CEL rules because of these errors (`hasBlockingErr`).
pub(crate) fn has_blocking_error(errs: &[FieldError]) -> bool {
    errs.iter().any(|e| {
        matches!(
            e.kind,
            FieldErrorType::NotSupported
                | FieldErrorType::Required
                | FieldErrorType::TooLong
                | FieldErrorType::TooMany
                | FieldErrorType::TypeInvalid
        )
    })
}

/// Base64 as Go's `govalidator.IsBase64` accepts it (standard alphabet, padded).
pub(crate) fn is_base64(s: &str) -> bool {
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}
