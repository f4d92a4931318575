//! `x-kubernetes-validations`: CEL rules evaluated against a custom resource the way
//! apiextensions' CEL validator does. Rules are compiled once (by `kube-cel`, which also
//! provides the Kubernetes CEL libraries); the walk over the object is ours, so that `oldSelf`
//! is correlated as kube correlates it (object fields and map values by key, list items only
//! for `x-kubernetes-list-type: map`, by their keys), transition rules are skipped when there
//! is no old value, and failures become kube's field errors (`spec: Invalid value: <message>`,
//! `Forbidden`, `Required`, `Duplicate` by `reason`, at `fieldPath` when given).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use kube_cel::cel::common::ast::{EntryExpr, Expr, IdedEntryExpr, IdedExpr};
use kube_cel::cel::objects::{Key, Map};
use kube_cel::cel::{Context, Value as CelValue};
use kube_cel::{CompilationResult, CompiledSchema, KubeCelExt};
use serde_json::Value;

use super::schema::Schema;
use crate::errors::{FieldError, FieldErrorType, FieldPath};

const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// How kube exposes a property name to CEL (`__dash__`, `__dot__`, reserved words…).
fn escape(name: &str) -> String {
    if RESERVED.contains(&name) {
        return format!("__{name}__");
    }
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '_' => out.push_str("__"),
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            c => out.push(c),
        }
    }
    out
}

fn cel_str(s: &str) -> CelValue {
    CelValue::String(Arc::new(s.to_string()))
}

/// A JSON value as CEL sees it under `s` (object fields escaped, map keys not).
/// `v` as a CEL value; of an object, only the `only` fields (by their CEL names) when given.
fn to_cel(
    v: &Value,
    s: Option<&Schema>,
    is_root: bool,
    only: Option<&BTreeSet<String>>,
) -> CelValue {
    match v {
        Value::Null => CelValue::Null,
        Value::Bool(b) => CelValue::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                CelValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                CelValue::UInt(u)
            } else {
                CelValue::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(st) => {
            if s.is_some_and(|s| s.format == "byte" && !s.int_or_string)
                && let Ok(b) =
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, st)
            {
                return CelValue::Bytes(Arc::new(b));
            }
            cel_str(st)
        }
        Value::Array(a) => {
            let items = s.and_then(|s| s.items.as_deref());
            CelValue::List(Arc::new(
                a.iter().map(|x| to_cel(x, items, false, None)).collect(),
            ))
        }
        Value::Object(m) => {
            let mut out = HashMap::with_capacity(m.len());
            let is_map =
                s.is_some_and(|s| s.properties.is_empty() && s.additional_schema().is_some());
            for (k, x) in m {
                let key = if is_map { k.clone() } else { escape(k) };
                if only.is_some_and(|f| !f.contains(&key)) {
                    continue;
                }
                if is_root && k == "metadata" {
                    // Only name and generateName of the resource's metadata are visible.
                    let mut meta = HashMap::new();
                    if let Some(mm) = x.as_object() {
                        for f in ["name", "generateName"] {
                            if let Some(Value::String(val)) = mm.get(f) {
                                meta.insert(Key::String(Arc::new(f.to_string())), cel_str(val));
                            }
                        }
                    }
                    out.insert(
                        Key::String(Arc::new("metadata".into())),
                        CelValue::Map(Map {
                            map: Arc::new(meta),
                        }),
                    );
                    continue;
                }
                let sub = s.and_then(|s| s.field(k));
                out.insert(Key::String(Arc::new(key)), to_cel(x, sub, false, None));
            }
            if s.is_some_and(|s| s.embedded) {
                for (k, d) in [("apiVersion", cel_str("")), ("kind", cel_str(""))] {
                    out.entry(Key::String(Arc::new(k.into()))).or_insert(d);
                }
                out.entry(Key::String(Arc::new("metadata".into())))
                    .or_insert_with(|| {
                        CelValue::Map(Map {
                            map: Arc::new(HashMap::new()),
                        })
                    });
            }
            CelValue::Map(Map { map: Arc::new(out) })
        }
    }
}

thread_local! {
    /// The Kubernetes CEL libraries, registered once per thread (a context is not `Sync`).
    static BASE: Context<'static> = {
        let mut c = Context::default();
        c.register_all();
        c
    };
}

/// Compiled rules for a whole schema, reusable across requests.
pub(crate) struct CelRules {
    compiled: CompiledSchema,
}

impl CelRules {
    pub(crate) fn new(raw: &Value, s: &Schema) -> Option<Self> {
        has_rules(s).then(|| Self {
            compiled: kube_cel::compile_schema(raw),
        })
    }

    /// Evaluates every rule against `obj` (and `old` on update).
    pub(crate) fn validate(&self, s: &Schema, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
        let mut out = Vec::new();
        BASE.with(|base| {
            walk(
                base,
                &self.compiled,
                s,
                obj,
                old,
                &FieldPath::default(),
                true,
                &mut out,
            );
        });
        out
    }
}

fn has_rules(s: &Schema) -> bool {
    !s.validations.is_empty()
        || s.properties.iter().any(|(_, p)| has_rules(p))
        || s.items.as_deref().is_some_and(has_rules)
        || s.additional_schema().is_some_and(has_rules)
        || s.all_of.iter().any(has_rules)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    base: &Context<'_>,
    c: &CompiledSchema,
    s: &Schema,
    obj: &Value,
    old: Option<&Value>,
    path: &FieldPath,
    is_root: bool,
    out: &mut Vec<FieldError>,
) {
    if obj.is_null() {
        return;
    }
    if !c.validations.is_empty() {
        // Only what the rules read: a rule on `spec` that checks two fields should not pay
        // for converting the whole spec.
        let only = fields_read_by(&c.validations);
        let this = to_cel(obj, Some(s), is_root, only.as_ref());
        let old_cel = old
            .filter(|o| !o.is_null())
            .map(|o| to_cel(o, Some(s), is_root, only.as_ref()));
        let mut ctx = base.new_inner_scope();
        ctx.add_variable_from_value("self", this);
        if let Some(o) = &old_cel {
            ctx.add_variable_from_value("oldSelf", o.clone());
        }
        for r in &c.validations {
            match r {
                Ok(cr) => eval(&ctx, cr, s, obj, old_cel.is_some(), path, out),
                Err(e) => out.push(FieldError::invalid(
                    path,
                    s.ty.clone(),
                    &format!("rule compile error: {e}"),
                )),
            }
        }
    }
    for branch in &c.all_of {
        walk(base, branch, s, obj, old, path, is_root, out);
    }
    match obj {
        Value::Object(m) => {
            let correlatable = true; // every map type kube knows is correlatable
            if let (Some(ac), Some(asch)) =
                (c.additional_properties.as_deref(), s.additional_schema())
            {
                for (k, v) in m {
                    if s.property(k).is_some() {
                        continue;
                    }
                    let o = old.and_then(|o| o.get(k)).filter(|_| correlatable);
                    walk(base, ac, asch, v, o, &path.key(k), false, out);
                }
            }
            for (k, v) in m {
                if is_root && k == "metadata" {
                    continue;
                }
                if let (Some(pc), Some(ps)) = (c.properties.get(k), s.property(k)) {
                    let o = old.and_then(|o| o.get(k));
                    walk(base, pc, ps, v, o, &path.child(k), false, out);
                }
            }
        }
        Value::Array(a) => {
            if let (Some(ic), Some(is)) = (c.items.as_deref(), s.items.as_deref()) {
                let old_items = old.and_then(Value::as_array);
                for (i, v) in a.iter().enumerate() {
                    let o = if s.list_type.as_deref() == Some("map") {
                        old_items.and_then(|oa| correlate(&s.list_map_keys, v, oa))
                    } else {
                        None
                    };
                    walk(base, ic, is, v, o, &path.index(i), false, out);
                }
            }
        }
        _ => {}
    }
}

/// The fields of `self` and `oldSelf` that a node's rules (and message expressions) read, when
/// they only ever read them as `self.<field>` or `has(self.<field>)`; `None` when some rule uses
/// the whole value (`self == oldSelf`, `self.all(…)`, `self[k]`, `size(self)`…).
fn fields_read_by(
    rules: &[Result<CompilationResult, kube_cel::CompilationError>],
) -> Option<BTreeSet<String>> {
    let mut fields = BTreeSet::new();
    for rule in rules {
        let Ok(r) = rule else { continue };
        let programs = std::iter::once(&r.program).chain(r.message_program.as_ref());
        for p in programs {
            if !fields_read(p.expression(), &mut fields) {
                return None;
            }
        }
    }
    Some(fields)
}

/// Collects the `self.<field>` reads of `e`; false if `self` or `oldSelf` is used otherwise.
fn fields_read(e: &IdedExpr, out: &mut BTreeSet<String>) -> bool {
    let is_self = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if n == "self" || n == "oldSelf");
    match &e.expr {
        Expr::Select(sel) if is_self(&sel.operand) => {
            out.insert(sel.field.clone());
            true
        }
        Expr::Select(sel) => fields_read(&sel.operand, out),
        Expr::Ident(_) => !is_self(e),
        Expr::Call(call) => {
            call.target.as_deref().is_none_or(|t| fields_read(t, out))
                && call.args.iter().all(|a| fields_read(a, out))
        }
        Expr::Comprehension(c) => [
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ]
        .into_iter()
        .all(|x| fields_read(x, out)),
        Expr::List(l) => l.elements.iter().all(|x| fields_read(x, out)),
        Expr::Map(m) => entries_read(&m.entries, out),
        Expr::Struct(s) => entries_read(&s.entries, out),
        Expr::Literal(_) | Expr::Unspecified => true,
    }
}

fn entries_read(entries: &[IdedEntryExpr], out: &mut BTreeSet<String>) -> bool {
    entries.iter().all(|en| match &en.expr {
        EntryExpr::StructField(f) => fields_read(&f.value, out),
        EntryExpr::MapEntry(m) => fields_read(&m.key, out) && fields_read(&m.value, out),
    })
}

/// The old item of a map-list with the same key values as `item`.
fn correlate<'a>(keys: &[String], item: &Value, old: &'a [Value]) -> Option<&'a Value> {
    let m = item.as_object()?;
    old.iter().find(|o| {
        o.as_object()
            .is_some_and(|om| keys.iter().all(|k| om.get(k) == m.get(k)))
    })
}

fn eval(
    ctx: &Context<'_>,
    cr: &CompilationResult,
    s: &Schema,
    obj: &Value,
    has_old: bool,
    path: &FieldPath,
    out: &mut Vec<FieldError>,
) {
    let optional_old = cr.rule.optional_old_self == Some(true);
    if cr.is_transition_rule && !has_old && !optional_old {
        return;
    }
    let null_scope;
    let ctx: &Context<'_> = if cr.is_transition_rule && !has_old {
        null_scope = {
            let mut c = ctx.new_inner_scope();
            c.add_variable_from_value("oldSelf", CelValue::Null);
            c
        };
        &null_scope
    } else {
        ctx
    };
    let rule_text = || {
        cr.rule
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(cr.rule.rule.trim())
            .to_string()
    };
    let err_path = match cr
        .rule
        .field_path
        .as_deref()
        .map(|f| f.trim_start_matches('.'))
    {
        Some(fp) if !fp.is_empty() => path.child(fp),
        _ => path.clone(),
    };
    match cr.program.execute(ctx) {
        Ok(CelValue::Bool(true)) => {}
        Ok(CelValue::Bool(false)) => {
            let mut detail = None;
            if let Some(mp) = &cr.message_program
                && let Ok(CelValue::String(m)) = mp.execute(ctx)
                && !m.trim().is_empty()
                && !m.contains('\n')
            {
                detail = Some(m.to_string());
            }
            let detail = detail.unwrap_or_else(|| match cr.rule.message.as_deref() {
                Some(m) if !m.trim().is_empty() => m.trim().to_string(),
                _ => format!("failed rule: {}", rule_text()),
            });
            // Objects and lists are not printed, scalars are.
            let value = match s.ty.as_str() {
                "object" | "array" => None,
                _ => Some(obj.clone()),
            };
            let kind = match cr.rule.reason.as_deref() {
                Some("FieldValueForbidden") => FieldErrorType::Forbidden,
                Some("FieldValueRequired") => FieldErrorType::Required,
                Some("FieldValueDuplicate") => FieldErrorType::Duplicate,
                _ => FieldErrorType::Invalid,
            };
            let (bad_value, detail) = match kind {
                FieldErrorType::Forbidden | FieldErrorType::Required => (None, detail),
                FieldErrorType::Duplicate => (value, String::new()),
                _ => (value, detail),
            };
            out.push(FieldError {
                kind,
                field: err_path.to_string(),
                bad_value,
                detail,
            });
        }
        Ok(_) => out.push(FieldError::invalid(
            path,
            s.ty.clone(),
            &format!(
                "rule did not evaluate to bool evaluating rule: {}",
                rule_text()
            ),
        )),
        Err(e) => out.push(FieldError::invalid(
            path,
            s.ty.clone(),
            &format!("{e} evaluating rule: {}", rule_text()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(schema: Value, obj: Value, old: Option<Value>) -> Vec<String> {
        let s = Schema::parse(&schema);
        let rules = CelRules::new(&schema, &s).expect("rules");
        rules
            .validate(&s, &obj, old.as_ref())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn crontab() -> Value {
        // From the Kubernetes documentation on validation rules.
        json!({"type": "object", "properties": {"spec": {"type": "object",
        "x-kubernetes-validations": [
            {"rule": "self.minReplicas <= self.replicas", "message": "replicas should be greater than or equal to minReplicas."},
            {"rule": "self.replicas <= self.maxReplicas", "messageExpression": "'replicas should be smaller than or equal to maxReplicas ' + string(self.maxReplicas)"}],
        "properties": {
            "minReplicas": {"type": "integer"}, "replicas": {"type": "integer"}, "maxReplicas": {"type": "integer"},
            "name": {"type": "string", "x-kubernetes-validations": [
                {"rule": "self == oldSelf", "message": "Value is immutable"},
                {"rule": "self != 'illegal'", "message": "string cannot be illegal", "reason": "FieldValueForbidden"}]},
            "port": {"type": "integer", "x-kubernetes-validations": [{"rule": "self > 1024", "fieldPath": ".", "reason": "FieldValueInvalid"}]}
        }}}})
    }

    #[test]
    fn only_the_fields_a_rule_reads_are_converted() {
        let read = |rules: &[&str]| {
            let rules: Vec<Value> = rules.iter().map(|r| json!({"rule": r})).collect();
            let compiled = kube_cel::compile_schema(
                &json!({"type": "object", "x-kubernetes-validations": rules}),
            );
            fields_read_by(&compiled.validations).map(|f| f.into_iter().collect::<Vec<_>>())
        };
        assert_eq!(
            read(&[
                "!has(self.a) || self.b.size() > 0",
                "self.c__dash__d in ['x']"
            ]),
            Some(vec!["a".to_string(), "b".into(), "c__dash__d".into()])
        );
        assert_eq!(
            read(&["self.x.all(i, i > oldSelf.y)"]),
            Some(vec!["x".to_string(), "y".into()])
        );
        assert_eq!(read(&["self.a > 0", "self == oldSelf"]), None);
        assert_eq!(read(&["self.all(k, k != 'x')"]), None);
        assert_eq!(read(&["size(self) > 1"]), None);
    }

    #[test]
    fn rule_messages_and_message_expressions() {
        assert_eq!(
            run(
                crontab(),
                json!({"spec": {"minReplicas": 5, "replicas": 3, "maxReplicas": 2}}),
                None
            ),
            vec![
                "spec: Invalid value: replicas should be greater than or equal to minReplicas.",
                "spec: Invalid value: replicas should be smaller than or equal to maxReplicas 2",
            ]
        );
    }

    #[test]
    fn reasons_and_scalar_values() {
        assert_eq!(
            run(
                crontab(),
                json!({"spec": {"minReplicas": 1, "replicas": 1, "maxReplicas": 2, "name": "illegal"}}),
                None
            ),
            vec!["spec.name: Forbidden: string cannot be illegal"]
        );
    }

    #[test]
    fn transition_rules_need_an_old_value() {
        let obj = json!({"spec": {"minReplicas": 1, "replicas": 1, "maxReplicas": 2, "name": "b"}});
        assert!(run(crontab(), obj.clone(), None).is_empty());
        let old = json!({"spec": {"minReplicas": 1, "replicas": 1, "maxReplicas": 2, "name": "a"}});
        assert_eq!(
            run(crontab(), obj, Some(old)),
            vec![r#"spec.name: Invalid value: "b": Value is immutable"#]
        );
    }

    #[test]
    fn default_message_is_the_rule() {
        assert_eq!(
            run(
                crontab(),
                json!({"spec": {"minReplicas": 1, "replicas": 1, "maxReplicas": 2, "port": 80}}),
                None
            ),
            vec!["spec.port: Invalid value: 80: failed rule: self > 1024"]
        );
    }

    #[test]
    fn map_lists_correlate_by_key() {
        let schema = json!({"type": "object", "properties": {"items": {"type": "array",
            "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "v": {"type": "string", "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "immutable"}]}}}}}});
        let old = json!({"items": [{"name": "a", "v": "1"}, {"name": "b", "v": "2"}]});
        // Reordered but unchanged: fine.
        let new = json!({"items": [{"name": "b", "v": "2"}, {"name": "a", "v": "1"}]});
        assert!(run(schema.clone(), new, Some(old.clone())).is_empty());
        let new = json!({"items": [{"name": "b", "v": "3"}, {"name": "c", "v": "9"}]});
        assert_eq!(
            run(schema, new, Some(old)),
            vec![r#"items[0].v: Invalid value: "3": immutable"#]
        );
    }

    #[test]
    fn escaped_field_names() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
            "x-kubernetes-validations": [{"rule": "self.__namespace__ == 'x' && self.my__dash__field == 1"}],
            "properties": {"namespace": {"type": "string"}, "my-field": {"type": "integer"}}}}});
        assert!(
            run(
                schema.clone(),
                json!({"spec": {"namespace": "x", "my-field": 1}}),
                None
            )
            .is_empty()
        );
        assert_eq!(
            run(
                schema,
                json!({"spec": {"namespace": "y", "my-field": 1}}),
                None
            ),
            vec![
                "spec: Invalid value: failed rule: self.__namespace__ == 'x' && self.my__dash__field == 1"
            ]
        );
    }
}
