//! Field paths and sets of field paths, and their `FieldsV1` wire form.
//!
//! A [`Set`] is a trie of [`PathElement`]s: the fields a manager owns. Its order is the one
//! structured-merge-diff uses everywhere (field names before list keys before set values before
//! indices, each sorted within its kind), which is also the order kube-apiserver writes
//! `fieldsV1` in, so [`Set::to_fields_v1`] reproduces kube's bytes and [`Set::from_fields_v1`]
//! reads what any Kubernetes client wrote. [`path_string`] renders a path the way conflict
//! messages print it (`.spec.containers[name="nginx"].image`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Clone, Debug)]
pub enum PathElement {
    /// A field of an object or an entry of a map (`f:name`).
    Field(String),
    /// An item of a `map` list, by its key fields sorted by name (`k:{"name":"nginx"}`).
    Key(Vec<(String, Value)>),
    /// An item of a `set` list, by its value (`v:"a"`).
    Value(Value),
    /// An item of a list by position (`i:0`); kube never writes these for atomic lists.
    Index(usize),
}

impl PathElement {
    pub fn field(name: &str) -> Self {
        Self::Field(name.to_string())
    }

    /// A key element; the fields are sorted by name as structured-merge-diff keeps them.
    pub fn key(mut fields: Vec<(String, Value)>) -> Self {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        Self::Key(fields)
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Field(_) => 0,
            Self::Key(_) => 1,
            Self::Value(_) => 2,
            Self::Index(_) => 3,
        }
    }

    /// The `FieldsV1` key: `f:name`, `k:{"name":"a"}`, `v:"x"`, `i:0`.
    pub fn serialize(&self) -> String {
        match self {
            Self::Field(name) => format!("f:{name}"),
            Self::Key(fields) => {
                let mut s = String::from("k:{");
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    s.push_str(&kcp_api::gojson::to_string(&Value::String(name.clone())));
                    s.push(':');
                    s.push_str(&kcp_api::gojson::to_string(value));
                }
                s.push('}');
                s
            }
            Self::Value(value) => format!("v:{}", kcp_api::gojson::to_string(value)),
            Self::Index(i) => format!("i:{i}"),
        }
    }

    /// Parses a `FieldsV1` key. `Ok(None)` for an unknown prefix, which kube skips.
    pub fn deserialize(s: &str) -> Result<Option<Self>, String> {
        let bytes = s.as_bytes();
        if bytes.len() < 2 {
            return Err(format!("key must be 2 characters long: {s}"));
        }
        if bytes[1] != b':' {
            return Err(format!("missing colon: {s}"));
        }
        let rest = &s[2..];
        let pe = match bytes[0] {
            b'f' => Self::Field(rest.to_string()),
            b'v' => {
                Self::Value(serde_json::from_str(rest).map_err(|e| format!("parsing {s:?}: {e}"))?)
            }
            b'k' => {
                let parsed: Map<String, Value> =
                    serde_json::from_str(rest).map_err(|e| format!("parsing {s:?}: {e}"))?;
                Self::key(parsed.into_iter().collect())
            }
            b'i' => Self::Index(rest.parse().map_err(|e| format!("parsing {s:?}: {e}"))?),
            _ => return Ok(None),
        };
        Ok(Some(pe))
    }
}

impl PartialEq for PathElement {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PathElement {}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PathElement {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Field(a), Self::Field(b)) => a.cmp(b),
            (Self::Key(a), Self::Key(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    let c = x.0.cmp(&y.0).then_with(|| compare_values(&x.1, &y.1));
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Self::Value(a), Self::Value(b)) => compare_values(a, b),
            (Self::Index(a), Self::Index(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl fmt::Display for PathElement {
    /// As structured-merge-diff prints it: `.name`, `[name="a",port=80]`, `[="x"]`, `[0]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Field(name) => write!(f, ".{name}"),
            Self::Key(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value_to_string(v)))
                    .collect();
                write!(f, "[{}]", parts.join(","))
            }
            Self::Value(v) => write!(f, "[={}]", value_to_string(v)),
            Self::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A path as conflict messages print it: `.data.key`, `.spec.ports[port=80,protocol="TCP"]`.
pub fn path_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// A value inside a path, as structured-merge-diff's `value.ToString`: strings quoted, numbers
/// and booleans bare.
fn value_to_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(value_to_string).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}={}", value_to_string(v)))
            .collect(),
    }
}

/// The total order structured-merge-diff puts on values: numbers (compared numerically, ints
/// and floats together), then strings, booleans, lists, maps, and null last.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Number(_) => 0,
            Value::String(_) => 1,
            Value::Bool(_) => 2,
            Value::Array(_) => 3,
            Value::Object(_) => 4,
            Value::Null => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x.cmp(&y)
            } else if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                x.cmp(&y)
            } else {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                x.partial_cmp(&y).unwrap_or(Ordering::Equal)
            }
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let c = compare_values(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for (i, k) in keys.into_iter().enumerate() {
                let c = if i == x.len() {
                    Ordering::Less
                } else if i == y.len() {
                    Ordering::Greater
                } else {
                    match (x.get(k), y.get(k)) {
                        (None, _) => Ordering::Greater,
                        (_, None) => Ordering::Less,
                        (Some(p), Some(q)) => compare_values(p, q),
                    }
                };
                if c != Ordering::Equal {
                    return c;
                }
            }
            Ordering::Equal
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Deep equality with structured-merge-diff's rules (`1` equals `1.0`, key order ignored).
pub fn values_equal(a: &Value, b: &Value) -> bool {
    compare_values(a, b) == Ordering::Equal
}

/// A set of field paths, as a trie. `members` are the paths that end here; `children` hold the
/// longer paths. A child is never empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Set {
    members: BTreeSet<PathElement>,
    children: BTreeMap<PathElement, Set>,
}

impl Set {
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of the given paths.
    pub fn from_paths<'a>(paths: impl IntoIterator<Item = &'a [PathElement]>) -> Self {
        let mut s = Self::new();
        for p in paths {
            s.insert(p);
        }
        s
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.is_empty()
    }

    /// Adds a path. The empty path (the whole object) is never tracked.
    pub fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                self.members.insert(last.clone());
            }
            [first, rest @ ..] => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    pub fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// Whether `pe` is itself a member.
    pub fn has_member(&self, pe: &PathElement) -> bool {
        self.members.contains(pe)
    }

    /// The paths below `pe` (without it), if any.
    pub fn with_prefix(&self, pe: &PathElement) -> Option<&Set> {
        self.children.get(pe)
    }

    pub fn members(&self) -> impl Iterator<Item = &PathElement> {
        self.members.iter()
    }

    pub fn children(&self) -> impl Iterator<Item = (&PathElement, &Set)> {
        self.children.iter()
    }

    pub fn union(&self, other: &Set) -> Set {
        let mut out = self.clone();
        out.union_in_place(other);
        out
    }

    pub fn union_in_place(&mut self, other: &Set) {
        self.members.extend(other.members.iter().cloned());
        for (pe, child) in &other.children {
            self.children
                .entry(pe.clone())
                .or_default()
                .union_in_place(child);
        }
    }

    /// Adds `other`'s members to this set, moving them rather than copying.
    pub fn merge(&mut self, other: Set) {
        if self.is_empty() {
            *self = other;
            return;
        }
        self.members.extend(other.members);
        for (pe, child) in other.children {
            match self.children.entry(pe) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(child);
                }
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(child),
            }
        }
    }

    /// `self.difference(other)` in place.
    pub fn remove_all(&mut self, other: &Set) {
        self.members.retain(|m| !other.members.contains(m));
        for (pe, o) in &other.children {
            if let Some(c) = self.children.get_mut(pe) {
                c.remove_all(o);
                if c.is_empty() {
                    self.children.remove(pe);
                }
            }
        }
    }

    pub fn intersection(&self, other: &Set) -> Set {
        let members = self.members.intersection(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, c)| {
                let o = other.children.get(pe)?;
                let i = c.intersection(o);
                (!i.is_empty()).then(|| (pe.clone(), i))
            })
            .collect();
        Set { members, children }
    }

    pub fn difference(&self, other: &Set) -> Set {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, c)| {
                let d = match other.children.get(pe) {
                    Some(o) => c.difference(o),
                    None => c.clone(),
                };
                (!d.is_empty()).then(|| (pe.clone(), d))
            })
            .collect();
        Set { members, children }
    }

    /// Removes every path of `other` and everything below a member of `other`.
    pub fn recursive_difference(&self, other: &Set) -> Set {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, c)| {
                if other.members.contains(pe) {
                    return None;
                }
                let d = match other.children.get(pe) {
                    Some(o) => c.recursive_difference(o),
                    None => c.clone(),
                };
                (!d.is_empty()).then(|| (pe.clone(), d))
            })
            .collect();
        Set { members, children }
    }

    /// Every path, in structured-merge-diff's iteration order (a node's members, then each
    /// child's paths).
    pub fn paths(&self) -> Vec<Vec<PathElement>> {
        let mut out = Vec::new();
        self.collect_paths(&mut Vec::new(), &mut out);
        out
    }

    fn collect_paths(&self, prefix: &mut Vec<PathElement>, out: &mut Vec<Vec<PathElement>>) {
        for m in &self.members {
            let mut p = prefix.clone();
            p.push(m.clone());
            out.push(p);
        }
        for (pe, child) in &self.children {
            prefix.push(pe.clone());
            child.collect_paths(prefix, out);
            prefix.pop();
        }
    }

    /// The `FieldsV1` object, with keys in kube's order.
    pub fn to_fields_v1(&self) -> Value {
        Value::Object(self.fields_v1_contents(false))
    }

    /// The `FieldsV1` bytes exactly as kube writes them.
    pub fn to_fields_v1_string(&self) -> String {
        self.to_fields_v1().to_string()
    }

    fn fields_v1_contents(&self, include_self: bool) -> Map<String, Value> {
        let mut m = Map::new();
        if include_self && !self.is_empty() {
            m.insert(".".into(), Value::Object(Map::new()));
        }
        // Members and children merge in path-element order; a node that is both is written
        // once, with a `.` entry first.
        let mut members = self.members.iter().peekable();
        let mut children = self.children.iter().peekable();
        loop {
            let next = match (members.peek(), children.peek()) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(m), Some((c, _))) => (*m).cmp(c),
            };
            match next {
                Ordering::Less => {
                    if let Some(pe) = members.next() {
                        m.insert(pe.serialize(), Value::Object(Map::new()));
                    }
                }
                Ordering::Greater => {
                    if let Some((pe, child)) = children.next() {
                        m.insert(
                            pe.serialize(),
                            Value::Object(child.fields_v1_contents(false)),
                        );
                    }
                }
                Ordering::Equal => {
                    members.next();
                    if let Some((pe, child)) = children.next() {
                        m.insert(
                            pe.serialize(),
                            Value::Object(child.fields_v1_contents(true)),
                        );
                    }
                }
            }
        }
        m
    }

    /// Reads a `FieldsV1` object. Unknown key prefixes are skipped, as kube does.
    pub fn from_fields_v1(v: &Value) -> Result<Set, String> {
        let Value::Object(m) = v else {
            return Err(format!("expected a FieldsV1 object, got {v}"));
        };
        Ok(Self::read_v1(m)?.0)
    }

    /// The set below a node, and whether the node itself is a member (it had a `.` entry or
    /// nothing below it).
    fn read_v1(m: &Map<String, Value>) -> Result<(Set, bool), String> {
        let mut set = Set::new();
        let mut is_member = false;
        for (key, child) in m {
            if key == "." {
                is_member = true;
                continue;
            }
            let Some(pe) = PathElement::deserialize(key)? else {
                continue;
            };
            let Value::Object(cm) = child else {
                return Err(format!("expected an object under {key:?}"));
            };
            let (grandchildren, child_is_member) = Self::read_v1(cm)?;
            if child_is_member {
                set.members.insert(pe.clone());
            }
            if !grandchildren.is_empty() {
                set.children.insert(pe, grandchildren);
            }
        }
        let is_member = is_member || set.is_empty();
        Ok((set, is_member))
    }
}

impl fmt::Display for Set {
    /// One path per line, as structured-merge-diff's `Set.String()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.paths().iter().map(|p| path_string(p)).collect();
        f.write_str(&lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(name: &str) -> PathElement {
        PathElement::field(name)
    }

    #[test]
    fn fields_v1_round_trip_keeps_kube_order() {
        // What kubectl's client-side apply records for a Deployment (abridged), byte for byte.
        let raw = r#"{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},"f:resources":{}}},"f:dnsPolicy":{},"f:restartPolicy":{}}}}}"#;
        let set = Set::from_fields_v1(&serde_json::from_str(raw).unwrap()).unwrap();
        assert_eq!(set.to_fields_v1_string(), raw);
        assert!(set.has(&[
            f("spec"),
            f("template"),
            f("spec"),
            f("containers"),
            PathElement::key(vec![("name".into(), json!("nginx"))]),
            f("image"),
        ]));
    }

    #[test]
    fn fields_v1_configmap_and_set_values() {
        let raw = r#"{"f:data":{".":{},"f:key":{}},"f:metadata":{"f:finalizers":{".":{},"v:\"a.example.com/x\"":{},"v:\"b\"":{}}}}"#;
        let set = Set::from_fields_v1(&serde_json::from_str(raw).unwrap()).unwrap();
        assert_eq!(set.to_fields_v1_string(), raw);
        assert!(set.has(&[
            f("metadata"),
            f("finalizers"),
            PathElement::Value(json!("b"))
        ]));
        assert!(set.has(&[f("data")]));
    }

    #[test]
    fn ordering_fields_before_keys_before_values() {
        let mut s = Set::new();
        s.insert(&[f("l"), PathElement::Index(1)]);
        s.insert(&[f("l"), PathElement::Value(json!("x"))]);
        s.insert(&[f("l"), PathElement::Value(json!(2))]);
        s.insert(&[f("l"), PathElement::key(vec![("b".into(), json!(1))])]);
        s.insert(&[f("l"), f("z")]);
        assert_eq!(
            s.to_fields_v1_string(),
            r#"{"f:l":{"f:z":{},"k:{\"b\":1}":{},"v:2":{},"v:\"x\"":{},"i:1":{}}}"#
        );
    }

    #[test]
    fn keys_are_sorted_by_name_and_printed_in_paths() {
        let pe = PathElement::key(vec![
            ("protocol".into(), json!("TCP")),
            ("containerPort".into(), json!(80)),
        ]);
        assert_eq!(pe.serialize(), r#"k:{"containerPort":80,"protocol":"TCP"}"#);
        assert_eq!(
            path_string(&[f("spec"), f("ports"), pe]),
            r#".spec.ports[containerPort=80,protocol="TCP"]"#
        );
        assert_eq!(
            path_string(&[f("m"), f("finalizers"), PathElement::Value(json!("x"))]),
            r#".m.finalizers[="x"]"#
        );
        // Parsing sorts too.
        let parsed = PathElement::deserialize(r#"k:{"z":1,"a":"b"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(parsed.serialize(), r#"k:{"a":"b","z":1}"#);
    }

    #[test]
    fn set_algebra() {
        let a = Set::from_paths([&[f("a"), f("x")][..], &[f("a"), f("y")][..], &[f("b")][..]]);
        let b = Set::from_paths([&[f("a"), f("y")][..], &[f("c")][..]]);
        assert_eq!(
            a.union(&b),
            Set::from_paths([
                &[f("a"), f("x")][..],
                &[f("a"), f("y")][..],
                &[f("b")][..],
                &[f("c")][..]
            ])
        );
        assert_eq!(a.intersection(&b), Set::from_paths([&[f("a"), f("y")][..]]));
        assert_eq!(
            a.difference(&b),
            Set::from_paths([&[f("a"), f("x")][..], &[f("b")][..]])
        );
        let status = Set::from_paths([&[f("a")][..]]);
        assert_eq!(
            a.recursive_difference(&status),
            Set::from_paths([&[f("b")][..]])
        );
        assert!(a.difference(&a).is_empty());
    }

    #[test]
    fn numbers_compare_numerically_and_html_is_escaped() {
        assert!(values_equal(&json!(1), &json!(1.0)));
        assert_eq!(compare_values(&json!(2), &json!("a")), Ordering::Less);
        assert_eq!(
            PathElement::Value(json!("<a&b>")).serialize(),
            r#"v:"\u003ca\u0026b\u003e""#
        );
        assert!(PathElement::deserialize("x:1").unwrap().is_none());
        assert!(PathElement::deserialize("f").is_err());
    }
}
