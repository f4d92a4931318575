//! Apply conflicts and the 409 `Status` kube-apiserver answers them with.
//!
//! One [`Conflict`] per field another manager owns with a different value. The message groups
//! them by manager (`Apply failed with 2 conflicts: conflicts with "a" using v1:\n- .data.x`),
//! and `details.causes` lists each as a `FieldManagerConflict`.

use serde_json::{Map, Value};

use super::fieldpath::{PathElement, path_string};
use super::managed::ManagedFieldsEntry;
use crate::errors::ApiError;

/// One conflicting field and the manager that owns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// The owner's identifier (see [`ManagedFieldsEntry::identifier`]), which orders managers.
    pub identifier: String,
    /// The owner as messages name it: `"kubectl-client-side-apply" using v1`.
    pub manager: String,
    pub path: Vec<PathElement>,
}

impl Conflict {
    pub fn new(owner: &ManagedFieldsEntry, path: Vec<PathElement>) -> Self {
        Self {
            identifier: owner.identifier(),
            manager: owner.describe(),
            path,
        }
    }

    /// `.data.key`
    pub fn field(&self) -> String {
        path_string(&self.path)
    }
}

/// The conflicts of one apply, sorted by manager identifier and then by field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conflicts(pub Vec<Conflict>);

impl Conflicts {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// kube's message: the one conflict inline, or the conflicts grouped by manager.
    pub fn message(&self) -> String {
        if let [only] = self.0.as_slice() {
            return format!(
                "Apply failed with 1 conflict: conflict with {}: {}",
                only.manager,
                only.field()
            );
        }
        let mut lines: Vec<String> = Vec::new();
        let mut current: Option<&str> = None;
        for c in &self.0 {
            if current != Some(c.identifier.as_str()) {
                lines.push(format!("conflicts with {}:", c.manager));
                current = Some(&c.identifier);
            }
            lines.push(format!("- {}", c.field()));
        }
        format!(
            "Apply failed with {} conflicts: {}",
            self.0.len(),
            lines.join("\n")
        )
    }

    /// The 409 `Conflict` with one `FieldManagerConflict` cause per field.
    pub fn to_api_error(&self) -> ApiError {
        let causes: Vec<Value> = self
            .0
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert(
                    "reason".into(),
                    Value::String("FieldManagerConflict".into()),
                );
                m.insert(
                    "message".into(),
                    Value::String(format!("conflict with {}", c.manager)),
                );
                m.insert("field".into(), Value::String(c.field()));
                Value::Object(m)
            })
            .collect();
        let mut details = Map::new();
        details.insert("causes".into(), Value::Array(causes));
        let mut err = ApiError::new(409, "Conflict", self.message());
        err.details = Some(Value::Object(details));
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::apply::managed::Operation;
    use serde_json::json;

    fn f(s: &str) -> PathElement {
        PathElement::field(s)
    }

    #[test]
    fn one_conflict_status() {
        let owner =
            ManagedFieldsEntry::new("kubectl-client-side-apply", Operation::Update, "v1", "");
        let c = Conflicts(vec![Conflict::new(&owner, vec![f("data"), f("key")])]);
        let st = c.to_api_error().to_status();
        assert_eq!(
            st,
            json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.key",
                "reason": "Conflict",
                "details": {"causes": [{"reason": "FieldManagerConflict",
                    "message": "conflict with \"kubectl-client-side-apply\" using v1",
                    "field": ".data.key"}]},
                "code": 409
            })
        );
    }

    #[test]
    fn plural_groups_by_manager() {
        let a = ManagedFieldsEntry::new("a", Operation::Apply, "v1", "");
        let b = ManagedFieldsEntry::new("b", Operation::Update, "apps/v1", "");
        let c = Conflicts(vec![
            Conflict::new(&a, vec![f("spec"), f("replicas")]),
            Conflict::new(&a, vec![f("spec"), f("paused")]),
            Conflict::new(&b, vec![f("metadata"), f("labels"), f("x")]),
        ]);
        assert_eq!(
            c.message(),
            "Apply failed with 3 conflicts: conflicts with \"a\":\n- .spec.replicas\n- .spec.paused\nconflicts with \"b\" using apps/v1:\n- .metadata.labels.x"
        );
    }
}
