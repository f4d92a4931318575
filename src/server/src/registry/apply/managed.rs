//! `metadata.managedFields`: who owns which fields, by which operation, as kube stores it.
//!
//! [`ManagedFields`] is the decoded list. Entries are told apart as kube tells them apart, by a
//! manager identifier (manager, operation, subresource, and the apiVersion for `Update`
//! entries only, so an applier keeps one entry across versions). [`ManagedFields::encode`]
//! writes the entries in kube's order: `Apply` before `Update`, then by time, manager,
//! apiVersion and subresource.

use serde_json::{Map, Value};

use super::fieldpath::Set;

/// `Apply` (server-side apply) or `Update` (any other write).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    Apply,
    Update,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apply => "Apply",
            Self::Update => "Update",
        }
    }
}

/// One `managedFields` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedFieldsEntry {
    pub manager: String,
    pub operation: Operation,
    pub api_version: String,
    /// RFC 3339 time of the entry's last change, as kube writes it (`2024-05-01T10:00:00Z`).
    pub time: Option<String>,
    pub subresource: String,
    pub fields: Set,
}

impl ManagedFieldsEntry {
    pub fn new(manager: &str, operation: Operation, api_version: &str, subresource: &str) -> Self {
        Self {
            manager: manager.to_string(),
            operation,
            api_version: api_version.to_string(),
            time: None,
            subresource: subresource.to_string(),
            fields: Set::new(),
        }
    }

    /// kube's manager identifier: the entry as JSON without fields, fieldsType and time, and
    /// without apiVersion for appliers. Entries with the same identifier are the same manager.
    pub fn identifier(&self) -> String {
        // Written out by hand, not through a map: it is computed for every entry on every write.
        let mut id: Vec<u8> = Vec::with_capacity(80);
        id.push(b'{');
        let mut field = |name: &str, value: &str| {
            if id.len() > 1 {
                id.push(b',');
            }
            // Writing a str into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut id, name);
            id.push(b':');
            let _ = serde_json::to_writer(&mut id, value);
        };
        if !self.manager.is_empty() {
            field("manager", &self.manager);
        }
        field("operation", self.operation.as_str());
        if self.operation == Operation::Update && !self.api_version.is_empty() {
            field("apiVersion", &self.api_version);
        }
        if !self.subresource.is_empty() {
            field("subresource", &self.subresource);
        }
        id.push(b'}');
        String::from_utf8(id).unwrap_or_default()
    }

    /// The manager as conflict messages name it: `"kubectl"`, `"kubectl-edit" using v1`,
    /// `"ctrl" with subresource "status" using apps/v1`.
    pub fn describe(&self) -> String {
        let mut s = format!("{:?}", self.manager);
        if !self.subresource.is_empty() {
            s.push_str(&format!(" with subresource {:?}", self.subresource));
        }
        if self.operation == Operation::Update {
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }

    fn decode(v: &Value, index: usize) -> Result<Self, String> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
        let operation = match s("operation") {
            "Apply" => Operation::Apply,
            "Update" => Operation::Update,
            _ => return Err("operation must be `Apply` or `Update`".into()),
        };
        if s("apiVersion").is_empty() {
            return Err("apiVersion must not be empty".into());
        }
        match s("fieldsType") {
            "FieldsV1" => {}
            "" => {
                return Err(format!(
                    "missing fieldsType in managed fields entry {index}"
                ));
            }
            other => {
                return Err(format!(
                    "invalid fieldsType {other:?} in managed fields entry {index}"
                ));
            }
        }
        let fields = match v.get("fieldsV1") {
            None | Some(Value::Null) => Set::new(),
            Some(f) => Set::from_fields_v1(f).map_err(|e| format!("error decoding set: {e}"))?,
        };
        Ok(Self {
            manager: s("manager").to_string(),
            operation,
            api_version: s("apiVersion").to_string(),
            time: v.get("time").and_then(Value::as_str).map(String::from),
            subresource: s("subresource").to_string(),
            fields,
        })
    }

    /// The wire form, keys in `ManagedFieldsEntry`'s order.
    pub fn encode(&self) -> Value {
        let mut m = Map::new();
        if !self.manager.is_empty() {
            m.insert("manager".into(), Value::String(self.manager.clone()));
        }
        m.insert(
            "operation".into(),
            Value::String(self.operation.as_str().into()),
        );
        m.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        if let Some(t) = &self.time {
            m.insert("time".into(), Value::String(t.clone()));
        }
        m.insert("fieldsType".into(), Value::String("FieldsV1".into()));
        m.insert("fieldsV1".into(), self.fields.to_fields_v1());
        if !self.subresource.is_empty() {
            m.insert(
                "subresource".into(),
                Value::String(self.subresource.clone()),
            );
        }
        Value::Object(m)
    }
}

/// The decoded `metadata.managedFields` of an object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ManagedFields {
    entries: Vec<ManagedFieldsEntry>,
}

impl ManagedFields {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_entries(entries: Vec<ManagedFieldsEntry>) -> Self {
        Self { entries }
    }

    pub fn entries(&self) -> &[ManagedFieldsEntry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Decodes a `managedFields` list (absent or null is empty). Errors are kube's messages.
    pub fn decode(list: Option<&Value>) -> Result<Self, String> {
        let items = match list {
            None | Some(Value::Null) => return Ok(Self::new()),
            Some(Value::Array(items)) => items,
            Some(other) => return Err(format!("managedFields must be a list, got {other}")),
        };
        let mut out = Self::new();
        for (i, item) in items.iter().enumerate() {
            let e = ManagedFieldsEntry::decode(item, i)
                .map_err(|err| format!("error decoding versioned set from {item}: {err}"))?;
            // A repeated identifier keeps the last entry, as decoding into a map does.
            out.upsert(e);
        }
        Ok(out)
    }

    /// The managed fields of an object (`metadata.managedFields`).
    pub fn of_object(obj: &Value) -> Result<Self, String> {
        Self::decode(obj.get("metadata").and_then(|m| m.get("managedFields")))
    }

    /// The managed fields an update starts from, as kube picks them: those the request sent,
    /// so clients can rewrite them (an empty list, or one empty entry, resets them); the live
    /// object's when the request sent none or sent something undecodable, and always for a
    /// subresource.
    pub fn for_update(live: Option<&Value>, new: &Value, subresource: bool) -> Self {
        let live_managed = || {
            live.and_then(|l| Self::of_object(l).ok())
                .unwrap_or_default()
        };
        if subresource {
            return live_managed();
        }
        let sent = new.get("metadata").and_then(|m| m.get("managedFields"));
        if let Some(Value::Array(items)) = sent {
            let reset = items.is_empty()
                || (items.len() == 1 && items[0].as_object().is_some_and(|m| m.is_empty()));
            if reset {
                return Self::new();
            }
        }
        match Self::decode(sent) {
            Ok(m) if !m.is_empty() => m,
            _ => live_managed(),
        }
    }

    /// [`Self::for_update`], written into `new` in place of what the request sent. kube's field
    /// manager runs before validation, so a reset (`[{}]`) or an undecodable list never
    /// reaches it: validation sees the managed fields the write starts from.
    pub fn settle(live: Option<&Value>, new: &mut Value, subresource: bool) -> Self {
        let managed = Self::for_update(live, new, subresource);
        managed.write_to(new);
        managed
    }

    pub(crate) fn position(&self, identifier: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.identifier() == identifier)
    }

    pub(crate) fn get(&self, identifier: &str) -> Option<&ManagedFieldsEntry> {
        self.position(identifier).map(|i| &self.entries[i])
    }

    pub(crate) fn get_mut(&mut self, identifier: &str) -> Option<&mut ManagedFieldsEntry> {
        self.position(identifier).map(|i| &mut self.entries[i])
    }

    /// Inserts or replaces the entry with the same identifier.
    pub(crate) fn upsert(&mut self, e: ManagedFieldsEntry) {
        match self.position(&e.identifier()) {
            Some(i) => self.entries[i] = e,
            None => self.entries.push(e),
        }
    }

    pub(crate) fn remove(&mut self, identifier: &str) -> Option<ManagedFieldsEntry> {
        self.position(identifier).map(|i| self.entries.remove(i))
    }

    pub(crate) fn entries_mut(&mut self) -> &mut Vec<ManagedFieldsEntry> {
        &mut self.entries
    }

    /// Every owned field, whoever owns it.
    pub fn all_fields(&self) -> Set {
        self.entries
            .iter()
            .fold(Set::new(), |acc, e| acc.union(&e.fields))
    }

    /// The entries in kube's order.
    pub fn sorted(&self) -> Vec<&ManagedFieldsEntry> {
        let mut v: Vec<&ManagedFieldsEntry> = self.entries.iter().collect();
        // kube compares whole seconds; RFC 3339 UTC strings of one layout sort the same way.
        v.sort_by(|p, q| {
            p.operation
                .cmp(&q.operation)
                .then_with(|| {
                    p.time
                        .as_deref()
                        .unwrap_or("")
                        .cmp(q.time.as_deref().unwrap_or(""))
                })
                .then_with(|| p.manager.cmp(&q.manager))
                .then_with(|| p.api_version.cmp(&q.api_version))
                .then_with(|| p.subresource.cmp(&q.subresource))
        });
        v
    }

    /// The `managedFields` list, or `None` when there are no entries (kube then omits it).
    pub fn encode(&self) -> Option<Value> {
        if self.entries.is_empty() {
            return None;
        }
        Some(Value::Array(
            self.sorted()
                .into_iter()
                .map(ManagedFieldsEntry::encode)
                .collect(),
        ))
    }

    /// Writes the list into `obj.metadata.managedFields` (removing it when empty).
    pub fn write_to(&self, obj: &mut Value) {
        let Some(root) = obj.as_object_mut() else {
            return;
        };
        match self.encode() {
            Some(list) => {
                let meta = root
                    .entry("metadata")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(meta) = meta.as_object_mut() {
                    meta.insert("managedFields".into(), list);
                }
            }
            None => {
                if let Some(meta) = root.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("managedFields");
                }
            }
        }
    }

    /// At most `max` `Update` entries: the oldest are folded, per apiVersion, into an
    /// `ancient-changes` entry, as kube caps them (at 10).
    pub(crate) fn cap_update_managers(&mut self, max: usize) {
        // The common case, under the cap: count without copying any field set.
        let count = self
            .entries
            .iter()
            .filter(|e| e.operation == Operation::Update)
            .count();
        if count <= max {
            return;
        }
        let mut updaters: Vec<ManagedFieldsEntry> = self
            .entries
            .iter()
            .filter(|e| e.operation == Operation::Update)
            .cloned()
            .collect();
        if updaters.len() <= max {
            return;
        }
        updaters.sort_by(|p, q| {
            p.time
                .as_deref()
                .unwrap_or("")
                .cmp(q.time.as_deref().unwrap_or(""))
                .then_with(|| p.identifier().cmp(&q.identifier()))
        });
        let mut length = updaters.len();
        let mut first_by_version: Vec<(String, String)> = Vec::new();
        for e in updaters {
            if length <= max {
                break;
            }
            let bucket =
                ManagedFieldsEntry::new("ancient-changes", Operation::Update, &e.api_version, "");
            let bucket_id = bucket.identifier();
            match first_by_version.iter().find(|(v, _)| *v == e.api_version) {
                Some((_, first_id)) => {
                    if self.get(&bucket_id).is_none()
                        && let Some(first) = self.remove(first_id)
                    {
                        let mut b = bucket.clone();
                        b.fields = first.fields;
                        b.time = first.time;
                        self.upsert(b);
                    }
                    let id = e.identifier();
                    self.remove(&id);
                    if let Some(b) = self.get_mut(&bucket_id) {
                        b.fields = e.fields.union(&b.fields);
                        b.time = e.time.clone();
                    }
                    length -= 1;
                }
                None => first_by_version.push((e.api_version.clone(), e.identifier())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What kube-apiserver 1.36 stores after `kubectl create configmap` and then
    /// `kubectl apply --server-side` of a label.
    fn sample() -> Value {
        json!([
            {"manager": "kubectl", "operation": "Apply", "apiVersion": "v1",
             "time": "2024-05-01T10:05:00Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}}},
            {"manager": "kubectl-create", "operation": "Update", "apiVersion": "v1",
             "time": "2024-05-01T10:00:00Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:data": {".": {}, "f:key": {}}}}
        ])
    }

    #[test]
    fn round_trip_keeps_bytes() {
        let list = sample();
        let m = ManagedFields::decode(Some(&list)).unwrap();
        assert_eq!(m.encode().unwrap().to_string(), list.to_string());
    }

    #[test]
    fn identifiers_and_descriptions() {
        let m = ManagedFields::decode(Some(&sample())).unwrap();
        let e = &m.entries()[1];
        assert_eq!(
            e.identifier(),
            r#"{"manager":"kubectl-create","operation":"Update","apiVersion":"v1"}"#
        );
        assert_eq!(e.describe(), r#""kubectl-create" using v1"#);
        assert_eq!(m.entries()[0].describe(), r#""kubectl""#);
        let mut s = ManagedFieldsEntry::new("ctrl", Operation::Update, "apps/v1", "status");
        s.time = Some("x".into());
        assert_eq!(
            s.describe(),
            r#""ctrl" with subresource "status" using apps/v1"#
        );
    }

    #[test]
    fn decode_errors_are_kubes() {
        let bad = json!([{"manager": "a", "operation": "Patch", "apiVersion": "v1", "fieldsType": "FieldsV1"}]);
        assert!(
            ManagedFields::decode(Some(&bad))
                .unwrap_err()
                .ends_with("operation must be `Apply` or `Update`")
        );
        let bad = json!([{"manager": "a", "operation": "Apply", "apiVersion": "v1"}]);
        assert!(
            ManagedFields::decode(Some(&bad))
                .unwrap_err()
                .ends_with("missing fieldsType in managed fields entry 0")
        );
    }

    #[test]
    fn for_update_prefers_request_then_live_and_resets() {
        let live = json!({"metadata": {"managedFields": sample()}});
        let none = json!({"metadata": {}});
        assert_eq!(
            ManagedFields::for_update(Some(&live), &none, false)
                .entries()
                .len(),
            2
        );
        let reset = json!({"metadata": {"managedFields": []}});
        assert!(ManagedFields::for_update(Some(&live), &reset, false).is_empty());
        assert_eq!(
            ManagedFields::for_update(Some(&live), &reset, true)
                .entries()
                .len(),
            2
        );
    }

    #[test]
    fn settle_replaces_what_the_request_sent() {
        let live = json!({"metadata": {"managedFields": sample()}});
        let mut reset = json!({"metadata": {"managedFields": [{}]}});
        assert!(ManagedFields::settle(Some(&live), &mut reset, false).is_empty());
        assert_eq!(reset, json!({"metadata": {}}));
        let mut bad = json!({"metadata": {"managedFields": [{"operation": "Patch"}]}});
        assert_eq!(
            ManagedFields::settle(Some(&live), &mut bad, false)
                .entries()
                .len(),
            2
        );
        assert_eq!(bad["metadata"]["managedFields"], sample());
    }

    #[test]
    fn cap_folds_oldest_updaters() {
        let mut m = ManagedFields::new();
        for i in 0..12 {
            let mut e = ManagedFieldsEntry::new(&format!("m{i:02}"), Operation::Update, "v1", "");
            e.time = Some(format!("2024-05-01T10:00:{i:02}Z"));
            e.fields
                .insert(&[super::super::fieldpath::PathElement::field(&format!(
                    "f{i}"
                ))]);
            m.upsert(e);
        }
        m.cap_update_managers(10);
        assert_eq!(m.entries().len(), 10);
        let ancient = m
            .entries()
            .iter()
            .find(|e| e.manager == "ancient-changes")
            .unwrap();
        assert_eq!(ancient.fields.paths().len(), 3);
        assert_eq!(ancient.time.as_deref(), Some("2024-05-01T10:00:02Z"));
    }
}
