//! The schema-driven walks over `serde_json::Value` that server-side apply is built from: the
//! field set of an object, the merge of an applied configuration into a live object, the
//! comparison of two objects (added, modified and removed fields), and the removal of a set of
//! fields. Each follows structured-merge-diff's rules: scalars, atomic lists and atomic maps are
//! leaves; granular maps recurse by key; `set` and `map` lists recurse by item identity.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::fieldpath::{PathElement, Set, path_string, values_equal};
use super::schema::{ListType, MergeSchema, Shape};

/// What a walk does at a node, after looking at the schema and the value(s).
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Leaf,
    List(ListType),
    Map,
}

fn kind_of<S: MergeSchema>(schema: &S, ty: Option<&S::Node>, v: Option<&Value>) -> Kind {
    let shape = ty.map_or(Shape::Deduced, |n| schema.shape(n));
    match shape {
        Shape::Scalar => Kind::Leaf,
        Shape::List(ListType::Atomic) | Shape::Map { atomic: true } => Kind::Leaf,
        // A value of the wrong JSON type under a granular node is treated as a leaf.
        Shape::List(t) => match v {
            Some(Value::Object(_)) => Kind::Leaf,
            Some(x) if !x.is_array() && !x.is_null() => Kind::Leaf,
            _ => Kind::List(t),
        },
        Shape::Map { atomic: false } => match v {
            Some(Value::Array(_)) => Kind::Leaf,
            Some(x) if !x.is_object() && !x.is_null() => Kind::Leaf,
            _ => Kind::Map,
        },
        Shape::Deduced => match v {
            Some(Value::Object(_)) => Kind::Map,
            _ => Kind::Leaf,
        },
    }
}

/// The kind for a pair of values: from the right side when present, a leaf when the two sides
/// disagree.
fn kind_of_pair<S: MergeSchema>(
    schema: &S,
    ty: Option<&S::Node>,
    l: Option<&Value>,
    r: Option<&Value>,
) -> Kind {
    match (l, r) {
        (Some(l), Some(r)) => {
            let (kl, kr) = (kind_of(schema, ty, Some(l)), kind_of(schema, ty, Some(r)));
            if kl == kr { kr } else { Kind::Leaf }
        }
        (None, r) => kind_of(schema, ty, r),
        (l, None) => kind_of(schema, ty, l),
    }
}

/// The type of map entry `key`, and whether it is a declared field.
fn map_child<S: MergeSchema>(
    schema: &S,
    ty: Option<&S::Node>,
    key: &str,
) -> (Option<S::Node>, bool) {
    let Some(n) = ty else { return (None, false) };
    match schema.field(n, key) {
        Some(f) => (Some(f), true),
        None => (schema.element(n), false),
    }
}

fn list_items<S: MergeSchema>(schema: &S, ty: Option<&S::Node>) -> Option<S::Node> {
    ty.and_then(|n| schema.element(n))
}

/// The identity of a list item under a `set` or `map` list.
fn item_element<S: MergeSchema>(
    schema: &S,
    items: Option<&S::Node>,
    list: &ListType,
    item: &Value,
) -> Result<PathElement, String> {
    match list {
        ListType::Map(keys) => {
            let Value::Object(m) = item else {
                return Err("associative list with keys may not have non-map elements".into());
            };
            let mut fields = Vec::new();
            for k in keys {
                if let Some(v) = m.get(k) {
                    fields.push((k.clone(), v.clone()));
                } else if let Some(d) = items.and_then(|n| schema.key_default(n, k)) {
                    fields.push((k.clone(), d));
                }
            }
            if !keys.is_empty() && fields.is_empty() {
                let quoted: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
                return Err(format!(
                    "associative list with keys has an element that omits all key fields [{}] (and doesn't have default values for any key fields)",
                    quoted.join(" ")
                ));
            }
            Ok(PathElement::key(fields))
        }
        ListType::Set => match item {
            Value::Object(_) => {
                Err("associative list without keys has an element that's a map type".into())
            }
            Value::Array(_) => Err("not supported: associative list with lists as elements".into()),
            Value::Null => {
                Err("associative list without keys has an element that's an explicit null".into())
            }
            v => Ok(PathElement::Value(v.clone())),
        },
        ListType::Atomic => Err("atomic lists have no item identity".into()),
    }
}

fn with_path(path: &[PathElement], msg: String) -> String {
    if path.is_empty() {
        msg
    } else {
        format!("{}: {msg}", path_string(path))
    }
}

/// The item identities of a list, in order. With `allow_duplicates` false a repeated identity
/// is an error (`duplicate entries for key [name="a"]`), as for an applied configuration.
fn index_list<S: MergeSchema>(
    schema: &S,
    items: Option<&S::Node>,
    list: &ListType,
    values: &[Value],
    path: &[PathElement],
    allow_duplicates: bool,
) -> Result<Vec<PathElement>, String> {
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let pe = item_element(schema, items, list, v)
            .map_err(|e| with_path(path, format!("element {i}: {e}")))?;
        if !allow_duplicates && out.contains(&pe) {
            return Err(with_path(path, format!("duplicate entries for key {pe}")));
        }
        out.push(pe);
    }
    Ok(out)
}

fn as_items(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

fn is_empty_container(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(m)) => m.is_empty(),
        _ => false,
    }
}

/// Checks an applied configuration: list items must have an identity and not repeat.
pub fn validate<S: MergeSchema>(schema: &S, v: &Value) -> Result<(), String> {
    to_field_set_inner(
        schema,
        schema.root().as_ref(),
        v,
        &mut Vec::new(),
        &mut Set::new(),
        false,
    )
}

/// The fields `v` sets: leaves, atomic lists and maps, items of `set` and `map` lists, and
/// entries of maps (as opposed to declared fields of structs) and empty or null fields.
pub fn to_field_set<S: MergeSchema>(schema: &S, v: &Value) -> Result<Set, String> {
    let mut out = Set::new();
    to_field_set_inner(
        schema,
        schema.root().as_ref(),
        v,
        &mut Vec::new(),
        &mut out,
        true,
    )?;
    Ok(out)
}

fn to_field_set_inner<S: MergeSchema>(
    schema: &S,
    ty: Option<&S::Node>,
    v: &Value,
    path: &mut Vec<PathElement>,
    out: &mut Set,
    allow_duplicates: bool,
) -> Result<(), String> {
    match kind_of(schema, ty, Some(v)) {
        Kind::Leaf => out.insert(path),
        Kind::List(list) => {
            let values = as_items(Some(v));
            let items = list_items(schema, ty);
            let pes = index_list(
                schema,
                items.as_ref(),
                &list,
                values,
                path,
                allow_duplicates,
            )?;
            let mut seen: Vec<&PathElement> = Vec::new();
            let mut dups: Vec<&PathElement> = Vec::new();
            for pe in &pes {
                if seen.contains(&pe) {
                    if !dups.contains(&pe) {
                        dups.push(pe);
                        path.push(pe.clone());
                        out.insert(path);
                        path.pop();
                    }
                } else {
                    seen.push(pe);
                }
            }
            for (pe, item) in pes.iter().zip(values) {
                if dups.contains(&pe) {
                    continue;
                }
                path.push(pe.clone());
                to_field_set_inner(schema, items.as_ref(), item, path, out, allow_duplicates)?;
                out.insert(path);
                path.pop();
            }
        }
        Kind::Map => {
            let Value::Object(m) = v else { return Ok(()) };
            for (k, val) in m {
                let (child, declared) = map_child(schema, ty, k);
                path.push(PathElement::Field(k.clone()));
                to_field_set_inner(schema, child.as_ref(), val, path, out, allow_duplicates)?;
                if !declared || (is_empty_container(Some(val)) && !val.is_array()) {
                    out.insert(path);
                }
                path.pop();
            }
        }
    }
    Ok(())
}

/// The fields that differ between two objects.
#[derive(Debug, Default)]
pub struct Comparison {
    pub added: Set,
    pub modified: Set,
    pub removed: Set,
}

/// Whether `k` under `path` is `metadata.managedFields`: bookkeeping that is never compared
/// (kube drops it before comparing).
fn is_managed_fields(path: &[PathElement], k: &str) -> bool {
    k == "managedFields" && matches!(path, [PathElement::Field(m)] if m == "metadata")
}

/// Compares `old` with `new`, leaving out `metadata.managedFields`.
pub fn compare<S: MergeSchema>(schema: &S, old: &Value, new: &Value) -> Result<Comparison, String> {
    let mut c = Comparison::default();
    compare_inner(
        schema,
        schema.root().as_ref(),
        Some(old),
        Some(new),
        &mut Vec::new(),
        &mut c,
    )?;
    Ok(c)
}

fn compare_inner<S: MergeSchema>(
    schema: &S,
    ty: Option<&S::Node>,
    l: Option<&Value>,
    r: Option<&Value>,
    path: &mut Vec<PathElement>,
    c: &mut Comparison,
) -> Result<(), String> {
    let kind = kind_of_pair(schema, ty, l, r);
    let leaf = matches!(kind, Kind::Leaf)
        || (matches!(kind, Kind::List(_) | Kind::Map)
            && is_empty_container(l)
            && is_empty_container(r));
    if leaf {
        match (l, r) {
            (None, _) => c.added.insert(path),
            (_, None) => c.removed.insert(path),
            (Some(a), Some(b)) if !values_equal(a, b) => c.modified.insert(path),
            _ => {}
        }
        return Ok(());
    }
    match kind {
        Kind::List(list) => {
            let items = list_items(schema, ty);
            let (lv, rv) = (as_items(l), as_items(r));
            let lpes = index_list(schema, items.as_ref(), &list, lv, path, true)?;
            let rpes = index_list(schema, items.as_ref(), &list, rv, path, true)?;
            // Every identity once, with all the items that carry it on each side.
            let mut order: Vec<PathElement> = Vec::new();
            let mut lmap: HashMap<usize, Vec<&Value>> = HashMap::new();
            let mut rmap: HashMap<usize, Vec<&Value>> = HashMap::new();
            fn slot(order: &mut Vec<PathElement>, pe: &PathElement) -> usize {
                match order.iter().position(|p| p == pe) {
                    Some(i) => i,
                    None => {
                        order.push(pe.clone());
                        order.len() - 1
                    }
                }
            }
            for (pe, v) in lpes.iter().zip(lv) {
                let i = slot(&mut order, pe);
                lmap.entry(i).or_default().push(v);
            }
            for (pe, v) in rpes.iter().zip(rv) {
                let i = slot(&mut order, pe);
                rmap.entry(i).or_default().push(v);
            }
            for (i, pe) in order.iter().enumerate() {
                let ls = lmap.get(&i).map(Vec::as_slice).unwrap_or(&[]);
                let rs = rmap.get(&i).map(Vec::as_slice).unwrap_or(&[]);
                path.push(pe.clone());
                match (ls.len(), rs.len()) {
                    (0..=1, 0..=1) => {
                        compare_inner(
                            schema,
                            items.as_ref(),
                            ls.first().copied(),
                            rs.first().copied(),
                            path,
                            c,
                        )?;
                    }
                    (2.., 2..) => {
                        let same = ls.len() == rs.len()
                            && ls.iter().zip(rs).all(|(a, b)| values_equal(a, b));
                        if !same {
                            c.modified.insert(path);
                        }
                    }
                    (2.., _) => {
                        if let Some(first) = rs.first() {
                            compare_inner(schema, items.as_ref(), None, Some(first), path, c)?;
                        }
                        c.removed.insert(path);
                    }
                    (_, _) => {
                        if let Some(first) = ls.first() {
                            compare_inner(schema, items.as_ref(), Some(first), None, path, c)?;
                        }
                        c.added.insert(path);
                    }
                }
                path.pop();
            }
        }
        Kind::Map => {
            let empty = Map::new();
            let lm = l.and_then(Value::as_object).unwrap_or(&empty);
            let rm = r.and_then(Value::as_object).unwrap_or(&empty);
            for (k, lv) in lm {
                if is_managed_fields(path, k) {
                    continue;
                }
                let (child, _) = map_child(schema, ty, k);
                path.push(PathElement::Field(k.clone()));
                compare_inner(schema, child.as_ref(), Some(lv), rm.get(k), path, c)?;
                path.pop();
            }
            for (k, rv) in rm {
                if lm.contains_key(k) || is_managed_fields(path, k) {
                    continue;
                }
                let (child, _) = map_child(schema, ty, k);
                path.push(PathElement::Field(k.clone()));
                compare_inner(schema, child.as_ref(), None, Some(rv), path, c)?;
                path.pop();
            }
        }
        Kind::Leaf => {}
    }
    // A granular map or list that appears or disappears is itself added or removed.
    match (l, r) {
        (None, _) => c.added.insert(path),
        (_, None) => c.removed.insert(path),
        _ => {}
    }
    Ok(())
}

/// Merges `config` into `live`: `config` wins at every leaf; granular maps merge by key and
/// `set`/`map` lists by item identity, keeping the live order and placing new items where the
/// configuration puts them. Explicit nulls in the configuration are not stored.
pub fn merge<S: MergeSchema>(schema: &S, live: &Value, config: &Value) -> Result<Value, String> {
    let out = merge_inner(
        schema,
        schema.root().as_ref(),
        Some(live),
        Some(config),
        &mut Vec::new(),
    )?;
    Ok(out.unwrap_or_else(|| Value::Object(Map::new())))
}

fn merge_inner<S: MergeSchema>(
    schema: &S,
    ty: Option<&S::Node>,
    l: Option<&Value>,
    r: Option<&Value>,
    path: &mut Vec<PathElement>,
) -> Result<Option<Value>, String> {
    let kind = kind_of_pair(schema, ty, l, r);
    let leaf = matches!(kind, Kind::Leaf)
        || (matches!(kind, Kind::List(_) | Kind::Map)
            && is_empty_container(l)
            && is_empty_container(r));
    if leaf {
        return Ok(match r.or(l) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v.clone()),
        });
    }
    match kind {
        Kind::List(list) => {
            let items = list_items(schema, ty);
            let (lv, rv) = (as_items(l), as_items(r));
            let lpes = index_list(schema, items.as_ref(), &list, lv, path, true)?;
            let rpes = index_list(schema, items.as_ref(), &list, rv, path, false)?;
            let out = merge_list_items(schema, items.as_ref(), (&lpes, lv), (&rpes, rv), path)?;
            Ok(Some(Value::Array(out)))
        }
        Kind::Map => {
            let empty = Map::new();
            let lm = l.and_then(Value::as_object).unwrap_or(&empty);
            let rm = r.and_then(Value::as_object).unwrap_or(&empty);
            let mut out = Map::new();
            for (k, lv) in lm {
                if is_managed_fields(path, k) {
                    continue;
                }
                let (child, _) = map_child(schema, ty, k);
                path.push(PathElement::Field(k.clone()));
                if let Some(v) = merge_inner(schema, child.as_ref(), Some(lv), rm.get(k), path)? {
                    out.insert(k.clone(), v);
                }
                path.pop();
            }
            for (k, rv) in rm {
                if lm.contains_key(k) || is_managed_fields(path, k) {
                    continue;
                }
                let (child, _) = map_child(schema, ty, k);
                path.push(PathElement::Field(k.clone()));
                if let Some(v) = merge_inner(schema, child.as_ref(), None, Some(rv), path)? {
                    out.insert(k.clone(), v);
                }
                path.pop();
            }
            Ok(if out.is_empty() {
                None
            } else {
                Some(Value::Object(out))
            })
        }
        Kind::Leaf => Ok(None),
    }
}

/// The order of a merged associative list, as structured-merge-diff builds it: items only in
/// the live list stay where they were; items of the configuration come in its order, each item
/// the two share being emitted when the walk reaches it in the configuration's order.
fn merge_list_items<S: MergeSchema>(
    schema: &S,
    items: Option<&S::Node>,
    (lpes, lv): (&[PathElement], &[Value]),
    (rpes, rv): (&[PathElement], &[Value]),
    path: &mut Vec<PathElement>,
) -> Result<Vec<Value>, String> {
    let first_index = |pes: &[PathElement], pe: &PathElement| pes.iter().position(|p| p == pe);
    // A repeated live item does not merge with the configuration (it is taken as absent).
    let live_item = |pe: &PathElement| -> Option<&Value> {
        let i = first_index(lpes, pe)?;
        let repeated = lpes.iter().filter(|p| *p == pe).count() > 1;
        (!repeated).then(|| &lv[i])
    };
    let in_config = |pe: &PathElement| first_index(rpes, pe).is_some();
    let shared: Vec<&PathElement> = rpes
        .iter()
        .filter(|pe| first_index(lpes, pe).is_some())
        .collect();
    let mut shared_iter = shared.into_iter();
    let mut next_shared = shared_iter.next();
    let mut merged: Vec<&PathElement> = Vec::new();
    let mut out = Vec::with_capacity(lv.len().max(rv.len()));
    let emit = |pe: &PathElement,
                l: Option<&Value>,
                r: Option<&Value>,
                out: &mut Vec<Value>,
                path: &mut Vec<PathElement>|
     -> Result<(), String> {
        path.push(pe.clone());
        let v = merge_inner(schema, items, l, r, path)?;
        path.pop();
        if let Some(v) = v {
            out.push(v);
        }
        Ok(())
    };
    let (mut li, mut ri) = (0, 0);
    while li < lpes.len() || ri < rpes.len() {
        if li < lpes.len() && ri < rpes.len() {
            let pe = &lpes[li];
            if *pe == rpes[ri] {
                merged.push(pe);
                emit(pe, live_item(pe), Some(&rv[ri]), &mut out, path)?;
                li += 1;
                ri += 1;
                next_shared = shared_iter.next();
                continue;
            }
            if in_config(pe) && next_shared.is_some_and(|n| n != pe) {
                li += 1;
                continue;
            }
        }
        if li < lpes.len() {
            let pe = &lpes[li];
            if !in_config(pe) {
                emit(pe, Some(&lv[li]), None, &mut out, path)?;
                li += 1;
                continue;
            } else if merged.contains(&pe) {
                li += 1;
            }
        }
        if ri < rpes.len() {
            let pe = &rpes[ri];
            merged.push(pe);
            emit(pe, live_item(pe), Some(&rv[ri]), &mut out, path)?;
            ri += 1;
            if next_shared.is_some_and(|n| n == pe) {
                next_shared = shared_iter.next();
            }
        }
    }
    Ok(out)
}

/// Removes the fields of `set` from `v` (list items by identity, map entries by key). A map
/// or list emptied by the removal is dropped.
pub fn remove_items<S: MergeSchema>(schema: &S, v: &Value, set: &Set) -> Value {
    remove_inner(schema, schema.root().as_ref(), v, set)
        .unwrap_or_else(|| Value::Object(Map::new()))
}

fn remove_inner<S: MergeSchema>(
    schema: &S,
    ty: Option<&S::Node>,
    v: &Value,
    set: &Set,
) -> Option<Value> {
    match kind_of(schema, ty, Some(v)) {
        Kind::Leaf => Some(v.clone()),
        Kind::List(list) => {
            let values = as_items(Some(v));
            if values.is_empty() {
                return Some(v.clone());
            }
            let items = list_items(schema, ty);
            let mut out = Vec::new();
            for item in values {
                let Ok(pe) = item_element(schema, items.as_ref(), &list, item) else {
                    out.push(item.clone());
                    continue;
                };
                if set.has_member(&pe) {
                    continue;
                }
                match set.with_prefix(&pe) {
                    Some(sub) => out.push(
                        remove_inner(schema, items.as_ref(), item, sub)
                            .unwrap_or_else(|| Value::Object(Map::new())),
                    ),
                    None => out.push(item.clone()),
                }
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        Kind::Map => {
            let Value::Object(m) = v else {
                return Some(v.clone());
            };
            if m.is_empty() {
                return Some(v.clone());
            }
            let mut out = Map::new();
            for (k, val) in m {
                let pe = PathElement::Field(k.clone());
                if set.has_member(&pe) {
                    continue;
                }
                match set.with_prefix(&pe) {
                    Some(sub) => {
                        let (child, _) = map_child(schema, ty, k);
                        if let Some(nv) = remove_inner(schema, child.as_ref(), val, sub) {
                            out.insert(k.clone(), nv);
                        }
                    }
                    None => {
                        out.insert(k.clone(), val.clone());
                    }
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
    }
}

/// Adds, as members, the declared fields that have owned children, so that removing the set
/// removes a struct field whose every owned child goes.
pub fn ensure_named_fields_are_members<S: MergeSchema>(schema: &S, set: &Set) -> Set {
    let mut out = Set::new();
    ensure_inner(
        schema,
        schema.root().as_ref(),
        set,
        &mut Vec::new(),
        &mut out,
    );
    out
}

fn ensure_inner<S: MergeSchema>(
    schema: &S,
    ty: Option<&S::Node>,
    set: &Set,
    path: &mut Vec<PathElement>,
    out: &mut Set,
) {
    for m in set.members() {
        path.push(m.clone());
        out.insert(path);
        path.pop();
    }
    let shape = ty.map(|n| schema.shape(n));
    for (pe, child) in set.children() {
        let child_ty = match (pe, &shape) {
            (PathElement::Field(name), Some(Shape::Map { .. })) => {
                match ty.and_then(|n| schema.field(n, name)) {
                    Some(f) => {
                        path.push(pe.clone());
                        out.insert(path);
                        path.pop();
                        Some(f)
                    }
                    None => ty.and_then(|n| schema.element(n)),
                }
            }
            (PathElement::Field(name), _) => ty.and_then(|n| schema.field(n, name)),
            (_, _) => ty.and_then(|n| schema.element(n)),
        };
        path.push(pe.clone());
        ensure_inner(schema, child_ty.as_ref(), child, path, out);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::apply::schema::{BuiltinSchema, Deduced};
    use crate::schema::GroupVersionKind;
    use serde_json::json;

    fn deployment() -> BuiltinSchema {
        BuiltinSchema::for_gvk(&GroupVersionKind::new("apps", "v1", "Deployment"))
    }

    #[test]
    fn field_set_of_a_deployment_matches_kubectl() {
        let obj = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "nginx", "labels": {"app": "nginx"}},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "nginx"}},
                "template": {
                    "metadata": {"labels": {"app": "nginx"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2",
                        "ports": [{"containerPort": 80}]}]}
                }
            }
        });
        let set = to_field_set(&deployment(), &obj).unwrap();
        assert_eq!(
            set.to_fields_v1_string(),
            r#"{"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:labels":{"f:app":{}},"f:name":{}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}"#
        );
    }

    #[test]
    fn deduced_maps_are_members() {
        let set = to_field_set(&Deduced, &json!({"spec": {"a": 1, "l": [1, 2]}})).unwrap();
        assert_eq!(
            set.to_fields_v1_string(),
            r#"{"f:spec":{".":{},"f:a":{},"f:l":{}}}"#
        );
    }

    #[test]
    fn duplicate_keys_in_config_are_refused() {
        let obj =
            json!({"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "a"}]}}}});
        let err = validate(&deployment(), &obj).unwrap_err();
        assert_eq!(
            err,
            r#".spec.template.spec.containers: duplicate entries for key [name="a"]"#
        );
    }

    #[test]
    fn merge_map_list_keeps_live_items_and_order() {
        let s = deployment();
        let live = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}}});
        let cfg = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "c", "image": "c:1"}, {"name": "a", "image": "a:2"}]}}}});
        let out = merge(&s, &live, &cfg).unwrap();
        let names: Vec<&str> = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["c", "a", "b"]);
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][1]["image"],
            "a:2"
        );
    }

    #[test]
    fn compare_reports_added_modified_removed() {
        let s = Deduced;
        let c = compare(
            &s,
            &json!({"a": 1, "b": {"x": 1}}),
            &json!({"a": 2, "c": {"y": 1}}),
        )
        .unwrap();
        assert_eq!(c.modified.to_fields_v1_string(), r#"{"f:a":{}}"#);
        assert_eq!(
            c.added.to_fields_v1_string(),
            r#"{"f:c":{".":{},"f:y":{}}}"#
        );
        assert_eq!(
            c.removed.to_fields_v1_string(),
            r#"{"f:b":{".":{},"f:x":{}}}"#
        );
    }

    #[test]
    fn remove_items_drops_emptied_maps() {
        let s = Deduced;
        let set = Set::from_paths([&[PathElement::field("a"), PathElement::field("x")][..]]);
        assert_eq!(
            remove_items(&s, &json!({"a": {"x": 1}, "b": 2}), &set),
            json!({"b": 2})
        );
    }
}
