//! Table output for built-in resources (placeholder: the default NAME / CREATED AT table).

use serde_json::{Value, json};

pub fn builtin_columns(_group: &str, _resource: &str) -> Vec<Value> {
    vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
        json!({"name": "Created At", "type": "date", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}),
    ]
}

pub fn builtin_row_cells(_group: &str, _resource: &str, obj: &Value, _now: jiff::Timestamp) -> Vec<Value> {
    vec![obj["metadata"]["name"].clone(), obj["metadata"]["creationTimestamp"].clone()]
}
