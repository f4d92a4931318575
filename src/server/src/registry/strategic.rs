//! Strategic merge patch (`application/strategic-merge-patch+json`) for built-in types.
//!
//! Start with [`apply_strategic_merge_patch`]: it applies a patch to an object the way
//! kube-apiserver does (apimachinery's `strategicpatch.StrategicMergeMapPatch`), steered by the
//! patch metadata of the Kubernetes 1.36 definitions: `x-kubernetes-patch-strategy` (`merge`,
//! `retainKeys`, `merge,retainKeys`, `replace`) and `x-kubernetes-patch-merge-key`. A
//! [`SchemaNode`] walks those definitions (`$ref`, properties, list items, map values); build one
//! from a definition name or a group/version/kind with [`Definitions`], or from the raw
//! `$defs` map another module already holds.
//!
//! The semantics, in short: maps merge recursively and `null` deletes a key; lists are replaced
//! unless their strategy is `merge`, in which case lists of objects merge element by element on
//! the merge key and lists of scalars form a union; the directives `$patch`
//! (`replace`/`delete`), `$retainKeys`, `$deleteFromPrimitiveList/<list>` and
//! `$setElementOrder/<list>` refine that. Fields the schema does not know merge as a JSON merge
//! patch would. Merged lists put the patch's new elements first, as kube does.
//!
//! Two deliberate differences from kube-apiserver, both about outcomes kube reaches only by
//! accident of Go:
//! - Errors kube-apiserver passes through unclassified (a list element without its merge key,
//!   an unknown `$patch` value, …) reach clients as a 500 with no reason; they are the client's
//!   mistake, so [`PatchError::to_api_error`] answers 400 `BadRequest` with the same message.
//! - kube drops leftover directive keys (inside newly added list elements, for example) when it
//!   decodes the result into a Go struct. Objects here stay JSON, so the result is cleaned of
//!   directive keys explicitly.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::errors::ApiError;

const DIRECTIVE_MARKER: &str = "$patch";
const DELETE_DIRECTIVE: &str = "delete";
const REPLACE_DIRECTIVE: &str = "replace";
const MERGE_DIRECTIVE: &str = "merge";
const RETAIN_KEYS_STRATEGY: &str = "retainKeys";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder";

/// Why a strategic merge patch cannot be applied. The messages are apimachinery's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The patch body is JSON but not an object (`[…]`, `"…"`, a number, a boolean).
    #[error("json: cannot unmarshal {0} into Go value of type map[string]interface {{}}")]
    NotAnObject(&'static str),
    /// A `$deleteFromPrimitiveList` key without `/<list>`.
    #[error("invalid patch format of primitive list")]
    BadPrimitiveListFormat,
    /// `$retainKeys` that is not a list, or a patch field missing from it.
    #[error("invalid patch format of retainKeys")]
    BadRetainKeysFormat,
    /// A `$setElementOrder` key without `/<list>`.
    #[error("invalid patch format of setElementOrder list")]
    BadSetElementOrderFormat,
    /// A list whose elements are lists.
    #[error("lists of lists are not supported")]
    ListOfLists,
    /// An element of a merging list without the list's merge key (`element` printed as Go does).
    #[error("map: {element} does not contain declared merge key: {key}")]
    NoMergeKey { element: String, key: String },
    /// A `$patch` value this position does not accept.
    #[error("unknown patch type: {directive} in map: {element}")]
    UnknownPatchType { directive: String, element: String },
    /// Any other malformed patch (mismatched element types, an order list that disagrees with
    /// its list, …).
    #[error("{0}")]
    Invalid(String),
}

impl PatchError {
    /// The response for this error: 400 for the format errors kube classifies, 422 (with kube's
    /// generic text) for lists of lists, and 400 for the rest (see the module notes).
    pub fn to_api_error(&self) -> ApiError {
        match self {
            Self::ListOfLists => {
                let mut e = ApiError::new(
                    422,
                    "Invalid",
                    "the server rejected our request due to an error in our request",
                );
                e.details = Some(json!({}));
                e
            }
            other => ApiError::bad_request(other.to_string()),
        }
    }
}

impl From<PatchError> for ApiError {
    fn from(e: PatchError) -> Self {
        e.to_api_error()
    }
}

type Result<T> = std::result::Result<T, PatchError>;

// ---------------------------------------------------------------------------------------------
// The schema walker
// ---------------------------------------------------------------------------------------------

/// The Kubernetes definitions document (`{"$defs": {"io.k8s.api.core.v1.PodSpec": …}}`),
/// indexed by group/version/kind.
#[derive(Debug, Default)]
pub struct Definitions {
    defs: Map<String, Value>,
    by_gvk: HashMap<(String, String, String), String>,
}

impl Definitions {
    /// Takes the parsed document; `None` if it has no `$defs` object.
    pub fn from_document(doc: Value) -> Option<Self> {
        let Value::Object(mut doc) = doc else {
            return None;
        };
        let Some(Value::Object(defs)) = doc.remove("$defs") else {
            return None;
        };
        let mut by_gvk = HashMap::new();
        for (name, def) in &defs {
            let gvks = def
                .get("x-kubernetes-group-version-kind")
                .and_then(Value::as_array);
            for gvk in gvks.into_iter().flatten() {
                let part = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                by_gvk
                    .entry((part("group"), part("version"), part("kind")))
                    .or_insert_with(|| name.clone());
            }
        }
        Some(Self { defs, by_gvk })
    }

    /// Parses the document's JSON text.
    pub fn from_json(text: &str) -> Option<Self> {
        serde_json::from_str(text)
            .ok()
            .and_then(Self::from_document)
    }

    /// The definition named `name`, e.g. `io.k8s.api.apps.v1.Deployment`.
    pub fn node(&self, name: &str) -> Option<SchemaNode<'_>> {
        SchemaNode::definition(&self.defs, name)
    }

    /// The definition of a kind; the core group is `""`.
    pub fn node_for_gvk(&self, group: &str, version: &str, kind: &str) -> Option<SchemaNode<'_>> {
        let key = (group.to_string(), version.to_string(), kind.to_string());
        self.node(self.by_gvk.get(&key)?)
    }

    /// The raw `$defs` map.
    pub fn defs(&self) -> &Map<String, Value> {
        &self.defs
    }
}

/// The patch metadata of one field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatchMeta {
    /// `x-kubernetes-patch-strategy`, split on commas; empty if absent.
    pub strategies: Vec<String>,
    /// `x-kubernetes-patch-merge-key`; empty if absent.
    pub merge_key: String,
}

/// A position in the definitions: the schema of the value being merged, or "unknown" for
/// values the definitions do not describe (those merge as a JSON merge patch would).
#[derive(Clone, Copy, Debug, Default)]
pub struct SchemaNode<'a> {
    defs: Option<&'a Map<String, Value>>,
    schema: Option<&'a Value>,
}

impl<'a> SchemaNode<'a> {
    /// A node that knows nothing: every field merges with the default rules.
    pub fn unknown() -> Self {
        Self::default()
    }

    /// The definition `name` in a `$defs` map.
    pub fn definition(defs: &'a Map<String, Value>, name: &str) -> Option<Self> {
        let schema = defs.get(name)?;
        Some(Self {
            defs: Some(defs),
            schema: Some(schema),
        })
    }

    /// The definition whose `x-kubernetes-group-version-kind` names this kind (a linear scan;
    /// [`Definitions::node_for_gvk`] is indexed).
    pub fn for_gvk(
        defs: &'a Map<String, Value>,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Option<Self> {
        let matches = |gvk: &Value| {
            let part = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("");
            part("group") == group && part("version") == version && part("kind") == kind
        };
        let (_, schema) = defs.iter().find(|(_, def)| {
            def.get("x-kubernetes-group-version-kind")
                .and_then(Value::as_array)
                .is_some_and(|gvks| gvks.iter().any(matches))
        })?;
        Some(Self {
            defs: Some(defs),
            schema: Some(schema),
        })
    }

    /// Whether the definitions describe this position.
    pub fn is_known(&self) -> bool {
        self.schema.is_some()
    }

    fn with(self, schema: Option<&'a Value>) -> Self {
        Self {
            defs: self.defs,
            schema,
        }
        .resolve()
    }

    /// Follows `$ref` (and a leading `allOf`) to the schema that has the content.
    fn resolve(self) -> Self {
        let mut schema = self.schema;
        // Bounded, so that a malformed self-referencing definition cannot loop forever.
        for _ in 0..32 {
            let Some(s) = schema else { break };
            if let Some(first) = s
                .get("allOf")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
            {
                schema = Some(first);
                continue;
            }
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let name = r.strip_prefix("#/$defs/").unwrap_or(r);
                    schema = self.defs.and_then(|d| d.get(name));
                }
                None => break,
            }
        }
        Self {
            defs: self.defs,
            schema,
        }
    }

    /// The schema of field `name` of this object, with the field's patch metadata. A map's
    /// entries (`additionalProperties`) carry no metadata.
    pub fn property(&self, name: &str) -> (SchemaNode<'a>, PatchMeta) {
        let here = self.resolve();
        let Some(schema) = here.schema else {
            return (Self::unknown(), PatchMeta::default());
        };
        if let Some(prop) = schema.get("properties").and_then(|p| p.get(name)) {
            let text = |k: &str| prop.get(k).and_then(Value::as_str).unwrap_or("");
            let strategy = text("x-kubernetes-patch-strategy");
            let meta = PatchMeta {
                strategies: if strategy.is_empty() {
                    Vec::new()
                } else {
                    strategy.split(',').map(str::to_string).collect()
                },
                merge_key: text("x-kubernetes-patch-merge-key").to_string(),
            };
            return (here.with(Some(prop)), meta);
        }
        (here.map_values(), PatchMeta::default())
    }

    /// The schema of this list's elements.
    pub fn items(&self) -> SchemaNode<'a> {
        let here = self.resolve();
        here.with(here.schema.and_then(|s| s.get("items")))
    }

    /// The schema of this map's values (`additionalProperties`).
    pub fn map_values(&self) -> SchemaNode<'a> {
        let here = self.resolve();
        here.with(
            here.schema
                .and_then(|s| s.get("additionalProperties"))
                .filter(|v| v.is_object()),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Go's formatting, for error messages
// ---------------------------------------------------------------------------------------------

/// Formats a float as Go's `%v` does (`%g` with the shortest digits: `1e+06`, `0.5`).
fn go_float(f: f64) -> String {
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        format!("{f}")
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    }
}

/// Formats a JSON value as Go's `%v` prints the decoded `interface{}`: strings bare, maps as
/// `map[k:v …]` with sorted keys, lists as `[a b]`, null as `<nil>`.
fn go_fmt(v: &Value) -> String {
    let mut out = String::new();
    write_go(&mut out, v);
    out
}

fn write_go(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => out.push_str(&go_float(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_go(out, item);
            }
            out.push(']');
        }
        Value::Object(m) => write_go_map(out, m),
    }
}

fn write_go_map(out: &mut String, m: &Map<String, Value>) {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    out.push_str("map[");
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(k);
        out.push(':');
        write_go(out, &m[k]);
    }
    out.push(']');
}

fn go_fmt_map(m: &Map<String, Value>) -> String {
    let mut out = String::new();
    write_go_map(&mut out, m);
    out
}

/// The Go type a decoded JSON value has, as `reflect.TypeOf` prints it.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "%!s(<nil>)",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// A value printed with Go's `%s`: strings bare, anything else flagged as a bad verb.
fn go_fmt_s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "%!s(<nil>)".to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_fmt_s).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", go_fmt_s(&m[k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        other => format!("%!s({}={})", go_type(other), go_fmt(other)),
    }
}

fn bad_arg_type(expected: &str, actual: &Value) -> PatchError {
    PatchError::Invalid(format!(
        "expected a {expected}, but received a {}",
        go_type(actual)
    ))
}

fn no_merge_key(m: &Map<String, Value>, key: &str) -> PatchError {
    PatchError::NoMergeKey {
        element: go_fmt_map(m),
        key: key.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Applying a patch
// ---------------------------------------------------------------------------------------------

/// Applies a strategic merge patch to `original` (an object) and returns the patched object.
///
/// `schema` describes `original`'s type (see [`Definitions::node_for_gvk`]); with
/// [`SchemaNode::unknown`] the patch merges as a JSON merge patch plus directives. A `null`
/// patch changes nothing.
pub fn apply_strategic_merge_patch(
    original: &Value,
    patch: &Value,
    schema: SchemaNode<'_>,
) -> Result<Value> {
    let patch = match patch {
        Value::Null => return Ok(original.clone()),
        Value::Object(p) => p.clone(),
        other => return Err(PatchError::NotAnObject(json_kind(other))),
    };
    let original = match original {
        Value::Object(o) => o.clone(),
        Value::Null => Map::new(),
        other => return Err(bad_arg_type("map[string]interface {}", other)),
    };
    let mut merged = Value::Object(merge_map(original, patch, schema)?);
    strip_directives(&mut merged);
    Ok(merged)
}

/// The JSON type name Go's decoder uses in "cannot unmarshal X into …".
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Removes the directive keys left in a result (they never belong to an object).
fn strip_directives(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !is_directive_key(k));
            m.values_mut().for_each(strip_directives);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_directives),
        _ => {}
    }
}

fn is_directive_key(k: &str) -> bool {
    k == DIRECTIVE_MARKER
        || k == RETAIN_KEYS_DIRECTIVE
        || k.starts_with(&format!("{SET_ELEMENT_ORDER_PREFIX}/"))
        || k.starts_with(&format!("{DELETE_FROM_PRIMITIVE_LIST_PREFIX}/"))
}

/// Which merge rules a field follows, from its patch strategies (`retainKeys` is a directive
/// matter and drops out here).
fn effective_strategy(meta: &PatchMeta) -> Result<&str> {
    match meta.strategies.as_slice() {
        [] => Ok(""),
        [one] if one == RETAIN_KEYS_STRATEGY => Ok(""),
        [one] => Ok(one),
        [a, b] if a == RETAIN_KEYS_STRATEGY => Ok(b),
        [a, b] if b == RETAIN_KEYS_STRATEGY => Ok(a),
        many => Err(PatchError::Invalid(format!(
            "unexpected patch strategy: [{}]",
            many.join(" ")
        ))),
    }
}

/// `$setElementOrder/containers` → `containers`.
fn extract_key(key: &str, prefix: &str) -> Result<String> {
    match key.split_once('/') {
        Some((p, rest)) if p == prefix => Ok(rest.to_string()),
        _ if prefix == DELETE_FROM_PRIMITIVE_LIST_PREFIX => Err(PatchError::BadPrimitiveListFormat),
        _ => Err(PatchError::BadSetElementOrderFormat),
    }
}

/// What kind of value a node holds, the way Go's reflection tells the types apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    String,
    List,
    Map,
}

fn kind_of(v: &Value) -> Kind {
    match v {
        Value::Null => Kind::Null,
        Value::Bool(_) => Kind::Bool,
        Value::Number(n) if n.is_i64() || n.is_u64() => Kind::Int,
        Value::Number(_) => Kind::Float,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::List,
        Value::Object(_) => Kind::Map,
    }
}

fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: SchemaNode<'_>,
) -> Result<Map<String, Value>> {
    if let Some(directive) = patch.get(DIRECTIVE_MARKER) {
        return directive_in_map(directive.clone(), patch);
    }
    apply_retain_keys(&mut original, &mut patch)?;
    merge_element_order_lists(&mut original, &mut patch, schema)?;

    for (key, patch_value) in patch {
        let (key, is_delete_list) = if key.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX) {
            (extract_key(&key, DELETE_FROM_PRIMITIVE_LIST_PREFIX)?, true)
        } else {
            (key, false)
        };
        if patch_value.is_null() {
            original.shift_remove(&key);
            continue;
        }
        let Some(slot) = original.get_mut(&key) else {
            if !is_delete_list {
                put_patch_value(&mut original, key, patch_value);
            }
            continue;
        };
        if kind_of(slot) != kind_of(&patch_value) {
            if !is_delete_list {
                put_patch_value(&mut original, key, patch_value);
            }
            continue;
        }
        match (std::mem::take(slot), patch_value) {
            (Value::Object(orig), Value::Object(p)) => {
                let (sub, meta) = schema.property(&key);
                let merged = if effective_strategy(&meta)? == REPLACE_DIRECTIVE {
                    p
                } else {
                    merge_map(orig, p, sub)?
                };
                *slot = Value::Object(merged);
            }
            (Value::Array(orig), Value::Array(p)) => {
                let (field, meta) = schema.property(&key);
                let strategy = effective_strategy(&meta)?;
                let merged = merge_list_field(
                    orig,
                    p,
                    field.items(),
                    strategy,
                    &meta.merge_key,
                    is_delete_list,
                )?;
                *slot = Value::Array(merged);
            }
            (_, scalar) => *slot = scalar,
        }
    }
    Ok(original)
}

/// Sets a field the original lacks (or holds with another type) to the patch's value, cleaned
/// of nulls and directives; a value that is itself a directive sets nothing.
fn put_patch_value(original: &mut Map<String, Value>, key: String, mut value: Value) {
    discard_nulls(&mut value);
    match remove_directives(value) {
        Some(v) => {
            original.insert(key, v);
        }
        None => {
            original.shift_remove(&key);
        }
    }
}

/// `$patch` on a map: `replace` takes the patch as it is, `delete` empties the map.
fn directive_in_map(directive: Value, mut patch: Map<String, Value>) -> Result<Map<String, Value>> {
    match directive.as_str() {
        Some(REPLACE_DIRECTIVE) => {
            patch.shift_remove(DIRECTIVE_MARKER);
            Ok(patch)
        }
        Some(DELETE_DIRECTIVE) => Ok(Map::new()),
        _ => Err(PatchError::UnknownPatchType {
            directive: go_fmt_s(&directive),
            element: go_fmt_map(&patch),
        }),
    }
}

/// `$retainKeys`: drops every original key not listed; every patched key must be listed.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<()> {
    let Some(retain) = patch.shift_remove(RETAIN_KEYS_DIRECTIVE) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(PatchError::BadRetainKeysFormat);
    };
    let listed = |k: &str| retain.iter().any(|v| v.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
            || k.starts_with(SET_ELEMENT_ORDER_PREFIX)
        {
            continue;
        }
        if !listed(k) {
            return Err(PatchError::BadRetainKeysFormat);
        }
    }
    original.retain(|k, _| listed(k));
    Ok(())
}

/// Merges each list that has a `$setElementOrder/<list>` and puts its elements in that order;
/// those lists leave the patch.
fn merge_element_order_lists(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: SchemaNode<'_>,
) -> Result<()> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER_PREFIX))
        .cloned()
        .collect();
    for key in keys {
        let Some(order) = patch.shift_remove(&key) else {
            continue;
        };
        let Value::Array(order) = order else {
            return Err(bad_arg_type("[]interface {}", &order));
        };
        let list_key = extract_key(&key, SET_ELEMENT_ORDER_PREFIX)?;
        let original_list = match original.get(&list_key) {
            None => None,
            Some(Value::Array(l)) => Some(l.clone()),
            Some(other) => return Err(bad_arg_type("[]interface {}", other)),
        };
        let patch_list = match patch.get(&list_key) {
            None => None,
            Some(Value::Array(l)) => Some(l.clone()),
            Some(other) => return Err(bad_arg_type("[]interface {}", other)),
        };
        let (field, meta) = schema.property(&list_key);
        let strategy = effective_strategy(&meta)?;
        let merge_key = meta.merge_key.as_str();
        validate_order_list(patch_list.as_deref().unwrap_or_default(), &order, merge_key)?;

        let merged = match (&original_list, patch_list) {
            (Some(orig), None) => orig.clone(),
            (None, Some(p)) => match remove_directives(Value::Array(p)) {
                Some(Value::Array(v)) => v,
                _ => continue,
            },
            (Some(orig), Some(p)) => {
                merge_list_field(orig.clone(), p, field.items(), strategy, merge_key, false)?
            }
            (None, None) => continue,
        };
        let (in_order, server_only) = partition(merged, &order, merge_key)?;
        let original_list = original_list.unwrap_or_default();
        let patch_list: &[Value] = match patch.get(&list_key) {
            Some(Value::Array(l)) => l,
            _ => &[],
        };
        let kind = element_kind(&[&original_list, patch_list])?;
        let ordered = normalize_element_order(
            in_order,
            server_only,
            &order,
            &original_list,
            merge_key,
            kind,
        )?;
        original.insert(list_key.clone(), Value::Array(ordered));
        patch.shift_remove(&list_key);
    }
    Ok(())
}

/// Checks that the patch list's elements appear in the order list, in the same order.
fn validate_order_list(patch_list: &[Value], order: &[Value], merge_key: &str) -> Result<()> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let kept: Vec<&Value> = if merge_key.is_empty() {
        patch_list.iter().collect()
    } else {
        let mut kept = Vec::new();
        for v in patch_list {
            let Value::Object(m) = v else {
                return Err(bad_arg_type("map[string]interface {}", v));
            };
            if m.get(DIRECTIVE_MARKER).and_then(Value::as_str) != Some(DELETE_DIRECTIVE) {
                kept.push(v);
            }
        }
        kept
    };
    let (mut p, mut o) = (0, 0);
    while p < kept.len() && o < order.len() {
        if is_directive_element(kept[p]) {
            p += 1;
            continue;
        }
        if merge_key_equal(kept[p], &order[o], merge_key)? {
            p += 1;
        }
        o += 1;
    }
    if p < kept.len() && o >= order.len() {
        return Err(PatchError::Invalid(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER_PREFIX} list:\n{}\n",
            go_fmt(&Value::Array(patch_list.to_vec())),
            go_fmt(&Value::Array(order.to_vec())),
        )));
    }
    Ok(())
}

fn is_directive_element(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.contains_key(DIRECTIVE_MARKER))
}

fn merge_key_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return Ok(left == right);
    }
    let Value::Object(l) = left else {
        return Err(bad_arg_type("map[string]interface {}", left));
    };
    let Value::Object(r) = right else {
        return Err(bad_arg_type("map[string]interface {}", right));
    };
    let lv = l.get(merge_key).ok_or_else(|| no_merge_key(l, merge_key))?;
    let rv = r.get(merge_key).ok_or_else(|| no_merge_key(r, merge_key))?;
    Ok(lv == rv)
}

/// A list field present in both: `merge` (and deletion lists) merge, anything else replaces.
fn merge_list_field(
    original: Vec<Value>,
    patch: Vec<Value>,
    items: SchemaNode<'_>,
    strategy: &str,
    merge_key: &str,
    is_delete_list: bool,
) -> Result<Vec<Value>> {
    if strategy == MERGE_DIRECTIVE || is_delete_list {
        merge_list(original, patch, items, merge_key, is_delete_list)
    } else {
        Ok(patch)
    }
}

fn merge_list(
    original: Vec<Value>,
    patch: Vec<Value>,
    items: SchemaNode<'_>,
    merge_key: &str,
    is_delete_list: bool,
) -> Result<Vec<Value>> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let kind = element_kind(&[&original, &patch])?;
    let (original, patch, merged) = if kind == Kind::Map {
        if merge_key.is_empty() {
            // Go names the element type here; list elements of built-ins are structs.
            return Err(PatchError::Invalid(
                "cannot merge lists without merge key for struct".to_string(),
            ));
        }
        let (original, patch) = apply_element_directives(original, patch, merge_key)?;
        let merged = merge_elements(original.clone(), &patch, merge_key, items)?;
        (original, patch, merged)
    } else {
        if is_delete_list {
            return Ok(original
                .into_iter()
                .filter(|v| !patch.contains(v))
                .collect());
        }
        let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
        for v in original.iter().chain(patch.iter()) {
            if !merged.contains(v) {
                merged.push(v.clone());
            }
        }
        (original, patch, merged)
    };
    let (from_patch, server_only) = partition(merged, &patch, merge_key)?;
    normalize_element_order(from_patch, server_only, &patch, &original, merge_key, kind)
}

/// The kind shared by all elements of the lists; lists of lists and mixed lists are errors.
fn element_kind(lists: &[&[Value]]) -> Result<Kind> {
    let mut kind = None;
    for v in lists.iter().flat_map(|l| l.iter()) {
        let k = kind_of(v);
        match kind {
            None if k == Kind::List => return Err(PatchError::ListOfLists),
            None => kind = Some(k),
            Some(prev) if prev != k => {
                let all: Vec<Value> = lists.iter().map(|l| Value::Array(l.to_vec())).collect();
                return Err(PatchError::Invalid(format!(
                    "list element types are not identical: {}",
                    go_fmt(&Value::Array(all))
                )));
            }
            Some(_) => {}
        }
    }
    kind.ok_or_else(|| PatchError::Invalid("no elements in any of the given slices".to_string()))
}

/// Handles `$patch` elements of a merging list of maps: `delete` removes the original elements
/// with that merge key, `replace` makes the other patch elements the whole list.
fn apply_element_directives(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut plain = Vec::with_capacity(patch.len());
    let mut replace = false;
    for v in patch {
        let Value::Object(m) = &v else {
            return Err(bad_arg_type("map[string]interface {}", &v));
        };
        let Some(directive) = m.get(DIRECTIVE_MARKER) else {
            plain.push(v);
            continue;
        };
        match directive.as_str() {
            Some(DELETE_DIRECTIVE) => {
                let value = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
                while let Some(i) = find_by_merge_key(&original, merge_key, value)? {
                    original.remove(i);
                }
            }
            // Keep going: later elements may still carry directives to drop.
            Some(REPLACE_DIRECTIVE) => replace = true,
            Some(MERGE_DIRECTIVE) => {
                return Err(PatchError::Invalid(
                    "merging lists cannot yet be specified in the patch".to_string(),
                ));
            }
            _ => {
                return Err(PatchError::UnknownPatchType {
                    directive: go_fmt_s(directive),
                    element: go_fmt_map(m),
                });
            }
        }
    }
    if replace {
        return Ok((plain, Vec::new()));
    }
    Ok((original, plain))
}

/// The index of the first element whose merge key has `value`; every element must be a map.
fn find_by_merge_key(list: &[Value], merge_key: &str, value: &Value) -> Result<Option<usize>> {
    for (i, v) in list.iter().enumerate() {
        let Value::Object(m) = v else {
            return Err(PatchError::Invalid(format!(
                "value for key {i} is not a map"
            )));
        };
        if m.get(merge_key) == Some(value) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Merges each patch element into the original element with the same merge key, or appends it.
fn merge_elements(
    mut original: Vec<Value>,
    patch: &[Value],
    merge_key: &str,
    items: SchemaNode<'_>,
) -> Result<Vec<Value>> {
    for v in patch {
        let Value::Object(p) = v else {
            return Err(bad_arg_type("map[string]interface {}", v));
        };
        let value = p.get(merge_key).ok_or_else(|| no_merge_key(p, merge_key))?;
        match find_by_merge_key(&original, merge_key, value)? {
            Some(i) => {
                let Value::Object(orig) = std::mem::take(&mut original[i]) else {
                    return Err(PatchError::Invalid(format!(
                        "value for key {i} is not a map"
                    )));
                };
                original[i] = Value::Object(merge_map(orig, p.clone(), items)?);
            }
            None => original.push(v.clone()),
        }
    }
    Ok(original)
}

/// Splits `merged` into the elements that `by` mentions and the others, keeping their order.
fn partition(
    merged: Vec<Value>,
    by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut mentioned = Vec::with_capacity(merged.len());
    let mut others = Vec::with_capacity(merged.len());
    for v in merged {
        let found = if merge_key.is_empty() {
            by.contains(&v)
        } else {
            let Value::Object(m) = &v else {
                return Err(bad_arg_type("map[string]interface {}", &v));
            };
            let value = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
            find_by_merge_key(by, merge_key, value)?.is_some()
        };
        if found {
            mentioned.push(v);
        } else {
            others.push(v);
        }
    }
    Ok((mentioned, others))
}

/// Where `v` sits in `order`: by merge key for maps, by value otherwise.
fn position(order: &[Value], v: &Value, merge_key: &str, kind: Kind) -> Option<usize> {
    if kind == Kind::Map {
        let key_of = |x: &Value| x.as_object().and_then(|m| m.get(merge_key)).cloned();
        let wanted = key_of(v);
        order.iter().position(|x| key_of(x) == wanted)
    } else {
        order.iter().position(|x| x == v)
    }
}

/// Sorts the patch's elements by `patch_order` and the server-only ones by `server_order`, then
/// interleaves them: a server-only element goes before a patch element only when both appear
/// in `server_order` in that order. New patch elements thus come first.
fn normalize_element_order(
    from_patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>> {
    let right = sort_by_order(from_patch, patch_order, merge_key, kind)?;
    let left = sort_by_order(server_only, server_order, merge_key, kind)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => {
                match (
                    position(server_order, l, merge_key, kind),
                    position(server_order, r, merge_key, kind),
                ) {
                    (Some(li), Some(ri)) => li < ri,
                    _ => false,
                }
            }
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    Ok(out)
}

fn sort_by_order(
    mut list: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    kind: Kind,
) -> Result<Vec<Value>> {
    let mut deleted = Vec::new();
    if kind == Kind::Map {
        for v in list.iter().chain(order.iter()) {
            let Value::Object(m) = v else {
                return Err(bad_arg_type("map[string]interface {}", v));
            };
            if !m.contains_key(merge_key) {
                return Err(no_merge_key(m, merge_key));
            }
        }
        let (keep, delete): (Vec<Value>, Vec<Value>) = list.into_iter().partition(|v| {
            v.get(DIRECTIVE_MARKER).and_then(Value::as_str) != Some(DELETE_DIRECTIVE)
        });
        list = keep;
        deleted = delete;
    }
    list.sort_by_key(|v| position(order, v, merge_key, kind).unwrap_or(usize::MAX));
    list.extend(deleted);
    Ok(list)
}

/// Drops `null` map entries throughout a value taken from the patch.
fn discard_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(discard_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_nulls),
        _ => {}
    }
}

/// Removes directive elements (maps with `$patch`) from a value taken from the patch; `None`
/// if the value itself is one.
fn remove_directives(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.contains_key(DIRECTIVE_MARKER) {
                return None;
            }
            let mut out = Map::with_capacity(m.len());
            for (k, child) in m {
                if let Some(child) = remove_directives(child) {
                    out.insert(k, child);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(remove_directives).collect(),
        )),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn defs() -> &'static Definitions {
        static DEFS: OnceLock<Definitions> = OnceLock::new();
        DEFS.get_or_init(|| {
            Definitions::from_json(include_str!(
                "../../data/kubernetes-openapi-1.36/definitions.json"
            ))
            .expect("the 1.36 definitions parse")
        })
    }

    fn deployment() -> SchemaNode<'static> {
        defs()
            .node_for_gvk("apps", "v1", "Deployment")
            .expect("Deployment")
    }

    fn pod() -> SchemaNode<'static> {
        defs().node_for_gvk("", "v1", "Pod").expect("Pod")
    }

    fn apply(original: Value, patch: Value, schema: SchemaNode<'_>) -> Value {
        apply_strategic_merge_patch(&original, &patch, schema).unwrap_or_else(|e| panic!("{e}"))
    }

    fn apply_err(original: Value, patch: Value, schema: SchemaNode<'_>) -> PatchError {
        match apply_strategic_merge_patch(&original, &patch, schema) {
            Ok(v) => panic!("patch applied: {v}"),
            Err(e) => e,
        }
    }

    /// `deployment-patch.yaml` from "Update API Objects in Place Using kubectl patch".
    fn patch_demo() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "patch-demo"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "nginx"}},
                "template": {
                    "metadata": {"labels": {"app": "nginx"}},
                    "spec": {
                        "containers": [{"name": "patch-demo-ctr", "image": "nginx"}],
                        "tolerations": [
                            {"effect": "NoSchedule", "key": "dedicated", "value": "test-team"}
                        ]
                    }
                }
            }
        })
    }

    #[test]
    fn walker_resolves_refs_and_patch_metadata() {
        let (spec, _) = deployment().property("spec");
        let (template, _) = spec.property("template");
        let (pod_spec, _) = template.property("spec");
        let (containers, meta) = pod_spec.property("containers");
        assert_eq!(meta.strategies, vec!["merge"]);
        assert_eq!(meta.merge_key, "name");
        let (_, meta) = containers.items().property("ports");
        assert_eq!(meta.merge_key, "containerPort");
        let (_, meta) = pod_spec.property("volumes");
        assert_eq!(meta.strategies, vec!["merge", "retainKeys"]);
        let (_, meta) = spec.property("strategy");
        assert_eq!(meta.strategies, vec!["retainKeys"]);
        let (_, meta) = pod_spec.property("tolerations");
        assert!(meta.strategies.is_empty());
        let (resources, _) = containers.items().property("resources");
        let (limits, _) = resources.property("limits");
        assert!(limits.map_values().is_known());
        assert!(!pod_spec.property("noSuchField").0.is_known());
        assert!(defs().node("io.k8s.api.core.v1.PodSpec").is_some());
        assert!(SchemaNode::for_gvk(defs().defs(), "apps", "v1", "Deployment").is_some());
    }

    #[test]
    fn docs_adding_a_container_puts_it_first() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "patch-demo-ctr-2", "image": "redis"}
        ]}}}});
        let out = apply(patch_demo(), patch, deployment());
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([
                {"name": "patch-demo-ctr-2", "image": "redis"},
                {"name": "patch-demo-ctr", "image": "nginx"}
            ])
        );
        // Tolerations were not in the patch and stay as they were.
        assert_eq!(
            out["spec"]["template"]["spec"]["tolerations"],
            patch_demo()["spec"]["template"]["spec"]["tolerations"]
        );
    }

    #[test]
    fn docs_tolerations_list_is_replaced() {
        let patch = json!({"spec": {"template": {"spec": {"tolerations": [
            {"effect": "NoSchedule", "key": "disktype", "value": "ssd"}
        ]}}}});
        let out = apply(patch_demo(), patch, deployment());
        assert_eq!(
            out["spec"]["template"]["spec"]["tolerations"],
            json!([{"effect": "NoSchedule", "key": "disktype", "value": "ssd"}])
        );
    }

    fn retainkeys_demo() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "retainkeys-demo"},
            "spec": {
                "selector": {"matchLabels": {"app": "nginx"}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "30%"}},
                "template": {
                    "metadata": {"labels": {"app": "nginx"}},
                    "spec": {"containers": [{"name": "retainkeys-demo-ctr", "image": "nginx"}]}
                }
            }
        })
    }

    #[test]
    fn docs_retain_keys_clears_rolling_update() {
        // Without the directive, the strategy map merges and rollingUpdate stays.
        let out = apply(
            retainkeys_demo(),
            json!({"spec": {"strategy": {"type": "Recreate"}}}),
            deployment(),
        );
        assert_eq!(
            out["spec"]["strategy"],
            json!({"type": "Recreate", "rollingUpdate": {"maxSurge": "30%"}})
        );
        let out = apply(
            retainkeys_demo(),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
            deployment(),
        );
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn retain_keys_errors() {
        let e = apply_err(
            retainkeys_demo(),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}),
            deployment(),
        );
        assert_eq!(e, PatchError::BadRetainKeysFormat);
        let api = e.to_api_error();
        assert_eq!((api.code, api.reason), (400, "BadRequest"));
        assert_eq!(api.message, "invalid patch format of retainKeys");
        let e = apply_err(
            retainkeys_demo(),
            json!({"spec": {"strategy": {"$retainKeys": "type"}}}),
            deployment(),
        );
        assert_eq!(e, PatchError::BadRetainKeysFormat);
    }

    #[test]
    fn volumes_merge_with_retain_keys() {
        let original = json!({"spec": {"containers": [{"name": "c"}], "volumes": [
            {"name": "v", "emptyDir": {}},
            {"name": "w", "emptyDir": {}}
        ]}});
        let patch = json!({"spec": {"volumes": [
            {"name": "v", "$retainKeys": ["name", "configMap"], "configMap": {"name": "cm"}}
        ]}});
        let out = apply(original, patch, pod());
        assert_eq!(
            out["spec"]["volumes"],
            json!([{"name": "v", "configMap": {"name": "cm"}}, {"name": "w", "emptyDir": {}}])
        );
    }

    #[test]
    fn patch_replace_directive_in_a_list() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "only", "image": "busybox"},
            {"$patch": "replace"}
        ]}}}});
        let out = apply(patch_demo(), patch, deployment());
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "only", "image": "busybox"}])
        );
    }

    #[test]
    fn patch_delete_directive_in_a_list() {
        let original = json!({"spec": {"containers": [
            {"name": "a", "image": "x"}, {"name": "b", "image": "y"}
        ]}});
        let patch = json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}});
        let out = apply(original, patch, pod());
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "b", "image": "y"}])
        );
        let e = apply_err(
            json!({"spec": {"containers": [{"name": "a"}]}}),
            json!({"spec": {"containers": [{"$patch": "delete"}]}}),
            pod(),
        );
        assert_eq!(
            e.to_string(),
            "map: map[$patch:delete] does not contain declared merge key: name"
        );
    }

    #[test]
    fn map_directives() {
        let original = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {
            "containers": [{"name": "c"}], "securityContext": {"runAsUser": 1000}
        }});
        let out = apply(
            original.clone(),
            json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}}),
            pod(),
        );
        assert_eq!(out["metadata"]["labels"], json!({"c": "3"}));
        let out = apply(
            original.clone(),
            json!({"spec": {"securityContext": {"$patch": "delete"}}}),
            pod(),
        );
        assert_eq!(out["spec"]["securityContext"], json!({}));
        // A directive map for a field the original lacks adds nothing.
        let out = apply(
            original.clone(),
            json!({"spec": {"dnsConfig": {"$patch": "replace", "options": []}}}),
            pod(),
        );
        assert!(out["spec"].get("dnsConfig").is_none());
        let e = apply_err(
            original.clone(),
            json!({"metadata": {"labels": {"$patch": "merge", "x": "y"}}}),
            pod(),
        );
        assert_eq!(
            e.to_string(),
            "unknown patch type: merge in map: map[$patch:merge x:y]"
        );
        let e = apply_err(
            original,
            json!({"spec": {"containers": [{"name": "c", "$patch": "merge"}]}}),
            pod(),
        );
        assert_eq!(
            e.to_string(),
            "merging lists cannot yet be specified in the patch"
        );
    }

    #[test]
    fn labels_merge_and_null_deletes() {
        let original = json!({"metadata": {"name": "p", "labels": {"app": "web", "tier": "fe"}}});
        let out = apply(
            original,
            json!({"metadata": {"labels": {"tier": null, "env": "prod"}, "annotations": {"a": "b"}}}),
            pod(),
        );
        assert_eq!(
            out["metadata"]["labels"],
            json!({"app": "web", "env": "prod"})
        );
        assert_eq!(out["metadata"]["annotations"], json!({"a": "b"}));
        assert_eq!(out["metadata"]["name"], "p");
    }

    #[test]
    fn finalizers_union_delete_and_order() {
        let original = json!({"metadata": {"finalizers": ["a", "b"]}});
        let out = apply(
            original.clone(),
            json!({"metadata": {"finalizers": ["c", "a"]}}),
            pod(),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["c", "a", "b"]));
        let out = apply(
            original.clone(),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}),
            pod(),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["b"]));
        let out = apply(
            original.clone(),
            json!({"metadata": {"finalizers": null}}),
            pod(),
        );
        assert!(out["metadata"].get("finalizers").is_none());
        let out = apply(
            original.clone(),
            json!({"metadata": {
                "$setElementOrder/finalizers": ["b", "c", "a"],
                "finalizers": ["c"]
            }}),
            pod(),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["b", "c", "a"]));
        let e = apply_err(
            original,
            json!({"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}}),
            pod(),
        );
        assert_eq!(
            e.to_api_error().message,
            "invalid patch format of primitive list"
        );
    }

    #[test]
    fn set_element_order_for_containers() {
        let original = json!({"spec": {"containers": [
            {"name": "a", "image": "1"}, {"name": "b", "image": "2"}, {"name": "c", "image": "3"}
        ]}});
        let out = apply(
            original.clone(),
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}],
                "containers": [{"name": "a", "image": "x"}]
            }}),
            pod(),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "c", "image": "3"}, {"name": "a", "image": "x"}, {"name": "b", "image": "2"}])
        );
        let e = apply_err(
            original.clone(),
            json!({"spec": {
                "$setElementOrder/containers": [{"name": "a"}],
                "containers": [{"name": "b", "image": "x"}]
            }}),
            pod(),
        );
        assert_eq!(
            e.to_string(),
            "The order in patch list:\n[map[image:x name:b]]\n doesn't match $setElementOrder list:\n[map[name:a]]\n"
        );
        let e = apply_err(original, json!({"spec": {"$setElementOrder": []}}), pod());
        assert_eq!(e, PatchError::BadSetElementOrderFormat);
    }

    #[test]
    fn nested_env_by_name_and_ports_by_container_port() {
        let original = json!({"spec": {"containers": [{
            "name": "app",
            "image": "nginx",
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
            "ports": [{"containerPort": 80, "protocol": "TCP"}]
        }]}});
        let patch = json!({"spec": {"containers": [{
            "name": "app",
            "env": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}],
            "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 443}]
        }]}});
        let out = apply(original, patch, pod());
        let c = &out["spec"]["containers"][0];
        assert_eq!(c["image"], "nginx");
        assert_eq!(
            c["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "two"}, {"name": "C", "value": "3"}])
        );
        assert_eq!(
            c["ports"],
            json!([{"containerPort": 80, "protocol": "TCP", "name": "http"}, {"containerPort": 443}])
        );
    }

    #[test]
    fn missing_merge_key_is_a_4xx_with_kubes_message() {
        let patch =
            json!({"spec": {"template": {"spec": {"containers": [{"image": "nginx:1.25"}]}}}});
        let e = apply_err(patch_demo(), patch, deployment());
        assert_eq!(
            e.to_string(),
            "map: map[image:nginx:1.25] does not contain declared merge key: name"
        );
        let api = e.to_api_error();
        assert_eq!((api.code, api.reason), (400, "BadRequest"));
        let patch = json!({"spec": {"template": {"spec": {"volumes": [{"hostPath": {"path": "/var/lib/kubelet/pods"}}]}}}});
        let mut original = patch_demo();
        original["spec"]["template"]["spec"]["volumes"] = json!([{"name": "v", "emptyDir": {}}]);
        let e = apply_err(original, patch, deployment());
        assert_eq!(
            e.to_string(),
            "map: map[hostPath:map[path:/var/lib/kubelet/pods]] does not contain declared merge key: name"
        );
    }

    #[test]
    fn patch_must_be_an_object() {
        for (patch, kind) in [
            (json!([1]), "array"),
            (json!("x"), "string"),
            (json!(3), "number"),
        ] {
            let e = apply_err(patch_demo(), patch, deployment());
            let api = e.to_api_error();
            assert_eq!((api.code, api.reason), (400, "BadRequest"));
            assert_eq!(
                api.message,
                format!(
                    "json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
                )
            );
        }
        assert_eq!(apply(patch_demo(), Value::Null, deployment()), patch_demo());
    }

    #[test]
    fn lists_of_lists_are_a_422() {
        let e = apply_err(
            json!({"metadata": {"finalizers": [["a"]]}}),
            json!({"metadata": {"finalizers": [["b"]]}}),
            pod(),
        );
        assert_eq!(e, PatchError::ListOfLists);
        let api = e.to_api_error();
        assert_eq!((api.code, api.reason), (422, "Invalid"));
        assert_eq!(
            api.message,
            "the server rejected our request due to an error in our request"
        );
    }

    #[test]
    fn mixed_element_types() {
        let e = apply_err(
            json!({"metadata": {"finalizers": ["a"]}}),
            json!({"metadata": {"finalizers": [1]}}),
            pod(),
        );
        assert_eq!(
            e.to_string(),
            "list element types are not identical: [[a] [1]]"
        );
        let e = apply_err(
            json!({"spec": {"containers": [{"name": "a"}]}}),
            json!({"spec": {"containers": [["a"]]}}),
            pod(),
        );
        assert_eq!(
            e.to_string(),
            "list element types are not identical: [[map[name:a]] [[a]]]"
        );
    }

    #[test]
    fn replace_strategy_replaces_a_map() {
        let schema = defs()
            .node_for_gvk("policy", "v1", "PodDisruptionBudget")
            .expect("PDB");
        let original =
            json!({"spec": {"selector": {"matchLabels": {"app": "a"}}, "minAvailable": 1}});
        let patch = json!({"spec": {"selector": {"matchExpressions": [
            {"key": "app", "operator": "Exists"}
        ]}}});
        let out = apply(original, patch, schema);
        assert_eq!(
            out["spec"],
            json!({"selector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]}, "minAvailable": 1})
        );
    }

    #[test]
    fn unknown_fields_merge_like_json_merge_patch() {
        let original = json!({"spec": {"foo": {"a": 1, "b": [1, 2]}, "bar": "x"}});
        let patch = json!({"spec": {"foo": {"a": null, "b": [3], "c": {"d": null, "e": 1}}}});
        let expected = json!({"spec": {"foo": {"b": [3], "c": {"e": 1}}, "bar": "x"}});
        assert_eq!(
            apply(original.clone(), patch.clone(), SchemaNode::unknown()),
            expected
        );
        // Fields missing from a known schema behave the same.
        assert_eq!(apply(original, patch, pod()), expected);
    }

    #[test]
    fn leftover_directives_are_removed_from_the_result() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{
            "name": "new", "image": "x",
            "env": [{"name": "E", "value": "1", "$patch": "delete"}],
            "$setElementOrder/env": [{"name": "E"}]
        }]}}}});
        let out = apply(patch_demo(), patch, deployment());
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0],
            json!({"name": "new", "image": "x", "env": [{"name": "E", "value": "1"}]})
        );
    }

    #[test]
    fn owner_references_merge_by_uid() {
        let original = json!({"metadata": {"ownerReferences": [
            {"uid": "1", "kind": "ReplicaSet", "name": "rs"}
        ]}});
        let out = apply(
            original,
            json!({"metadata": {"ownerReferences": [
                {"uid": "1", "controller": true},
                {"uid": "2", "kind": "Job", "name": "j"}
            ]}}),
            pod(),
        );
        assert_eq!(
            out["metadata"]["ownerReferences"],
            json!([
                {"uid": "1", "kind": "ReplicaSet", "name": "rs", "controller": true},
                {"uid": "2", "kind": "Job", "name": "j"}
            ])
        );
    }

    #[test]
    fn empty_list_element_lacks_the_merge_key() {
        // The well-known `imagePullSecrets: [{}]` failure.
        let original = json!({"spec": {"containers": [{"name": "c"}],
            "imagePullSecrets": [{"name": "s"}]}});
        let e = apply_err(original, json!({"spec": {"imagePullSecrets": [{}]}}), pod());
        assert_eq!(
            e.to_string(),
            "map: map[] does not contain declared merge key: name"
        );
    }

    #[test]
    fn element_order_without_a_patch_list_reorders() {
        let original = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        let out = apply(
            original,
            json!({"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}}),
            pod(),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "b"}, {"name": "a"}])
        );
    }

    #[test]
    fn null_inside_a_merged_element_deletes_the_field() {
        let original = json!({"spec": {"containers": [
            {"name": "a", "image": "x", "resources": {"limits": {"cpu": "1"}}}
        ]}});
        let out = apply(
            original,
            json!({"spec": {"containers": [{"name": "a", "resources": null}]}}),
            pod(),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "a", "image": "x"}])
        );
    }

    #[test]
    fn go_value_formatting() {
        assert_eq!(
            go_fmt(&json!({"b": [1, 2.5], "a": null, "c": {"d": true}})),
            "map[a:<nil> b:[1 2.5] c:map[d:true]]"
        );
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(1.5e-7), "1.5e-07");
        assert_eq!(go_fmt_s(&json!(1.5)), "%!s(float64=1.5)");
        assert_eq!(go_fmt(&json!(["a", 1])), "[a 1]");
    }
}
