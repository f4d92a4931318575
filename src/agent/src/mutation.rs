//! Mutations (`reference/api-syncagent.md` §2.8): rewrite rules applied to an object on its way
//! to the other side, as the Go agent applies them.
//!
//! `spec` rules change the kcp object (or a related object's origin) before it is compared with
//! and written to its copy; `status` rules change the copy before its status goes back. Each
//! rule is one of, in this order of precedence:
//!
//! - `delete`: removes the value at `path` (a missing path is no change);
//! - `regex`: sets `path` to the string the pattern's replacement makes of the current value
//!   (numbers as their text, objects and arrays as their JSON); an empty pattern sets the
//!   replacement itself;
//! - `template`: sets `path` to the rendered template (trimmed), with `.Value` (the current
//!   value, with gjson's `String`, `Int`, `Raw`, `Exists`, …), `.LocalObject` (the object being
//!   changed) and `.RemoteObject` (the other side's); not HTML-escaped (the Go agent's
//!   `html/template` escaped `&<>'"+`: `docs/differences.md`), a missing key renders empty;
//! - `cel`: sets `path` to the value of the expression over `self`, `other` and `value`, with
//!   its own JSON type.
//!
//! Paths are gjson's for reading and sjson's for writing: `spec.items.1`, `spec.items.-1`
//! (append); writing creates what is missing (an array where the next key is a number).

use anyhow::{Context as _, anyhow, bail};
use kcp_api::gojson;
use kcp_api::syncagent::v1alpha1::{ResourceMutation, ResourceMutationSpec};
use kube_cel::cel::{self, Program};
use serde_json::{Map, Value, json};

use crate::template::{self, Template, Value as TemplateValue};

/// One rule, ready to apply.
enum Step {
    Delete {
        path: Vec<String>,
    },
    Regex {
        path: String,
        pattern: Option<regex::Regex>,
        replacement: String,
    },
    Template {
        path: String,
        template: Template,
    },
    Cel {
        path: String,
        program: Program,
    },
}

/// The rules of a `mutation` (spec and status), compiled once.
pub struct Mutator {
    spec: Vec<Step>,
    status: Vec<Step>,
}

impl Mutator {
    /// Compiles a `mutation`; `None` when there is none. Errors as the Go agent words them.
    pub fn new(spec: Option<&ResourceMutationSpec>) -> anyhow::Result<Option<Mutator>> {
        let Some(spec) = spec else {
            return Ok(None);
        };
        let compile = |rules: &[ResourceMutation]| -> anyhow::Result<Vec<Step>> {
            rules.iter().map(step).collect()
        };
        Ok(Some(Mutator {
            spec: compile(&spec.spec).context("cannot create transformer for spec")?,
            status: compile(&spec.status).context("cannot create transformer for status")?,
        }))
    }

    /// The desired state: `to_mutate` (the origin object) changed by the `spec` rules, `other`
    /// being the copy (or the copy it would become).
    pub fn mutate_spec(&self, to_mutate: &Value, other: Option<&Value>) -> anyhow::Result<Value> {
        apply(&self.spec, to_mutate, other)
    }

    /// The copy changed by the `status` rules, `other` being the spec-mutated origin object.
    pub fn mutate_status(&self, to_mutate: &Value, other: Option<&Value>) -> anyhow::Result<Value> {
        apply(&self.status, to_mutate, other)
    }
}

fn step(m: &ResourceMutation) -> anyhow::Result<Step> {
    if let Some(d) = &m.delete {
        return Ok(Step::Delete {
            path: split_path(&d.path),
        });
    }
    if let Some(r) = &m.regex {
        let pattern =
            if r.pattern.is_empty() {
                None
            } else {
                Some(template::compile_go(&r.pattern).map_err(|e| {
                    anyhow!("invalid pattern {}: {e}", template::go_quote(&r.pattern))
                })?)
            };
        return Ok(Step::Regex {
            path: r.path.clone(),
            pattern,
            replacement: r.replacement.clone(),
        });
    }
    if let Some(t) = &m.template {
        let template = Template::parse("mutation", &t.template).map_err(|e| {
            anyhow!(
                "failed to parse template {}: {}",
                template::go_quote(&t.template),
                e.text()
            )
        })?;
        return Ok(Step::Template {
            path: t.path.clone(),
            template,
        });
    }
    if let Some(c) = &m.cel {
        let program = Program::compile(&c.expression)
            .map_err(|e| anyhow!("failed to compile CEL expression: {e}"))?;
        return Ok(Step::Cel {
            path: c.path.clone(),
            program,
        });
    }
    bail!("no valid mutation mechanism provided")
}

fn apply(steps: &[Step], to_mutate: &Value, other: Option<&Value>) -> anyhow::Result<Value> {
    let mut obj = to_mutate.clone();
    for s in steps {
        match s {
            Step::Delete { path } => delete(&mut obj, path),
            Step::Regex {
                path,
                pattern,
                replacement,
            } => {
                let value = match pattern {
                    None => replacement.clone(),
                    Some(re) => {
                        let json = gojson::to_string_sorted(&obj);
                        let current = gjson::get(&json, path).str().to_string();
                        template::go_replace_all(re, &current, replacement)
                    }
                };
                set(&mut obj, &split_path(path), Value::String(value))?;
            }
            Step::Template { path, template } => {
                let json = gojson::to_string_sorted(&obj);
                let found = gjson::get(&json, path);
                let ctx = TemplateValue::record(
                    "transformer.templateMutationContext",
                    vec![
                        ("Value", gjson_result(&found)),
                        ("LocalObject", TemplateValue::from(&obj)),
                        (
                            "RemoteObject",
                            other.map_or(TemplateValue::Nil, TemplateValue::from),
                        ),
                    ],
                );
                let rendered = template
                    .execute_missing_empty(&ctx)
                    .map_err(|e| anyhow!("failed to execute template: {}", e.text()))?;
                set(
                    &mut obj,
                    &split_path(path),
                    Value::String(rendered.trim().to_string()),
                )
                .context("failed to set updated value")?;
            }
            Step::Cel { path, program } => {
                let json = gojson::to_string_sorted(&obj);
                let found = gjson::get(&json, path);
                let current: Value = if found.exists() {
                    serde_json::from_str(found.json()).unwrap_or(Value::Null)
                } else {
                    Value::Null
                };
                let mut ctx = cel::Context::default();
                for (name, v) in [
                    ("self", &obj),
                    ("other", other.unwrap_or(&Value::Null)),
                    ("value", &current),
                ] {
                    ctx.add_variable(name, v.clone())
                        .map_err(|e| anyhow!("failed to evaluate CEL expression: {e}"))?;
                }
                let out = program
                    .execute(&ctx)
                    .map_err(|e| anyhow!("failed to evaluate CEL expression: {e}"))?;
                set(&mut obj, &split_path(path), cel_to_json(&out))
                    .context("failed to set updated value")?;
            }
        }
    }
    Ok(obj)
}

/// gjson's `Result` as a template sees it: its fields and argument-less methods.
fn gjson_result(r: &gjson::Value) -> TemplateValue {
    let kind = r.kind();
    let type_name = match kind {
        gjson::Kind::Null => "Null",
        gjson::Kind::False => "False",
        gjson::Kind::Number => "Number",
        gjson::Kind::String => "String",
        gjson::Kind::True => "True",
        gjson::Kind::Object | gjson::Kind::Array => "JSON",
    };
    let native: Value = if r.exists() {
        serde_json::from_str(r.json()).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let field = |v: Value| TemplateValue::from(&v);
    TemplateValue::record(
        "gjson.Result",
        vec![
            ("Type", TemplateValue::str(type_name)),
            ("Raw", TemplateValue::str(r.json())),
            (
                "Str",
                TemplateValue::str(if kind == gjson::Kind::String {
                    r.str()
                } else {
                    ""
                }),
            ),
            ("Num", field(json!(r.f64()))),
            ("String", TemplateValue::str(r.str())),
            ("Int", field(json!(r.i64()))),
            ("Uint", field(json!(r.u64()))),
            ("Float", field(json!(r.f64()))),
            ("Bool", TemplateValue::from(r.bool())),
            ("Exists", TemplateValue::from(r.exists())),
            ("IsObject", TemplateValue::from(kind == gjson::Kind::Object)),
            ("IsArray", TemplateValue::from(kind == gjson::Kind::Array)),
            (
                "IsBool",
                TemplateValue::from(matches!(kind, gjson::Kind::True | gjson::Kind::False)),
            ),
            ("Value", field(native)),
        ],
    )
}

/// A CEL value as JSON (maps' keys as strings, bytes in base64, times in RFC 3339).
fn cel_to_json(v: &cel::Value) -> Value {
    use base64::Engine as _;
    match v {
        cel::Value::Null => Value::Null,
        cel::Value::Bool(b) => json!(b),
        cel::Value::Int(i) => json!(i),
        cel::Value::UInt(u) => json!(u),
        cel::Value::Float(f) => json!(f),
        cel::Value::String(s) => json!(s.as_str()),
        cel::Value::Bytes(b) => {
            json!(base64::engine::general_purpose::STANDARD.encode(b.as_slice()))
        }
        cel::Value::List(l) => Value::Array(l.iter().map(cel_to_json).collect()),
        cel::Value::Map(m) => Value::Object(
            m.map
                .iter()
                .map(|(k, v)| (k.to_string(), cel_to_json(v)))
                .collect::<Map<_, _>>(),
        ),
        cel::Value::Timestamp(t) => json!(t.to_rfc3339()),
        cel::Value::Duration(d) => json!(format!("{}s", d.num_seconds())),
        _ => Value::Null,
    }
}

/// A path's keys: split at dots, `\.` an escaped dot.
pub fn split_path(path: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut().expect("one key").push(n);
                }
            }
            '.' => out.push(String::new()),
            c => out.last_mut().expect("one key").push(c),
        }
    }
    out
}

fn index(key: &str) -> Option<usize> {
    (!key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()))
        .then(|| key.parse().ok())
        .flatten()
}

/// sjson's `Set`: `value` at `path`, creating what is missing (objects, or arrays where the
/// key is an index or `-1`).
pub fn set(obj: &mut Value, path: &[String], value: Value) -> anyhow::Result<()> {
    let Some((key, rest)) = path.split_first() else {
        *obj = value;
        return Ok(());
    };
    let child_template = || match rest.first() {
        Some(k) if index(k).is_some() || k == "-1" => Value::Array(Vec::new()),
        Some(_) => Value::Object(Map::new()),
        None => Value::Null,
    };
    match obj {
        Value::Array(items) => {
            let i = if key == "-1" {
                items.len()
            } else {
                index(key).ok_or_else(|| anyhow!("cannot set {key:?} of an array"))?
            };
            while items.len() <= i {
                items.push(Value::Null);
            }
            if !rest.is_empty() && !items[i].is_object() && !items[i].is_array() {
                items[i] = child_template();
            }
            set(&mut items[i], rest, value)
        }
        Value::Object(m) => {
            let child = m.entry(key.clone()).or_insert_with(child_template);
            if !rest.is_empty() && !child.is_object() && !child.is_array() {
                *child = child_template();
            }
            set(child, rest, value)
        }
        other => {
            *other = Value::Object(Map::new());
            set(other, path, value)
        }
    }
}

/// sjson's `Delete`: the value at `path` removed (an array element, or an object's key); a
/// missing path changes nothing.
pub fn delete(obj: &mut Value, path: &[String]) {
    let Some((key, rest)) = path.split_first() else {
        return;
    };
    match obj {
        Value::Object(m) if rest.is_empty() => {
            m.remove(key);
        }
        Value::Array(items) if rest.is_empty() => {
            let i = if key == "-1" {
                items.len().checked_sub(1)
            } else {
                index(key)
            };
            if let Some(i) = i.filter(|i| *i < items.len()) {
                items.remove(i);
            }
        }
        Value::Object(m) => {
            if let Some(child) = m.get_mut(key) {
                delete(child, rest);
            }
        }
        Value::Array(items) => {
            if let Some(child) = index(key).and_then(|i| items.get_mut(i)) {
                delete(child, rest);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
