//! Custom resources: everything kube-apiserver's apiextensions server does to a custom resource
//! because of its CRD version's schema, as a pure library over `serde_json::Value` (no HTTP,
//! no storage). Build a [`CustomResourceSchema`] once per CRD version and reuse it:
//!
//! - [`CustomResourceSchema::prune`] drops unknown fields (returning their paths for
//!   `fieldValidation=Warn|Strict`), then [`CustomResourceSchema::default`] applies defaults —
//!   the decode order of kube;
//! - [`CustomResourceSchema::validate`] runs the OpenAPI schema validation, the
//!   `x-kubernetes-list-type` checks and the `x-kubernetes-validations` CEL rules, returning
//!   kube's field errors;
//! - [`CustomResourceSchema::printer_columns`] and [`CustomResourceSchema::selectable_field`]
//!   evaluate `additionalPrinterColumns` and `selectableFields`.
//!
//! [`validate_crd_schema`] checks a schema when a CRD is created (structural schemas), and
//! [`validate_crd_names`] its names.

mod cel;
mod default;
mod formats;
mod jsonpath;
mod names;
mod prune;
pub(crate) mod schema;
mod structural;
mod validate;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub use jsonpath::JsonPath;
pub use names::validate_crd_names;
pub use structural::{is_structural, validate_crd_schema};

use crate::errors::{FieldError, FieldPath};

/// One `additionalPrinterColumns` entry, parsed.
#[derive(Debug, Clone)]
pub struct PrinterColumn {
    pub name: String,
    /// `integer`, `number`, `string`, `boolean` or `date`.
    pub type_: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
    pub json_path: String,
    path: Option<JsonPath>,
}

/// One `selectableFields` entry: the field label (`spec.color`) and its path.
#[derive(Debug, Clone)]
struct SelectableField {
    name: String,
    path: Option<JsonPath>,
}

/// The schema of one CRD version, ready to prune, default, validate and print custom
/// resources. Cheap to share (`Arc`) across requests.
pub struct CustomResourceSchema {
    root: schema::Schema,
    cel: Option<cel::CelRules>,
    columns: Vec<PrinterColumn>,
    selectable: Vec<SelectableField>,
}

impl std::fmt::Debug for CustomResourceSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomResourceSchema")
            .field("columns", &self.columns)
            .field("has_cel_rules", &self.cel.is_some())
            .finish()
    }
}

/// The outcome of pruning: the field paths that were dropped, sorted
/// (kube's `unknown field "<path>"` warnings, one per path).
pub type UnknownFields = Vec<String>;

impl CustomResourceSchema {
    /// Builds from a version's `schema.openAPIV3Schema` (assumed valid: check it with
    /// [`validate_crd_schema`] when the CRD is written).
    pub fn new(open_api_v3_schema: &Value) -> Self {
        let root = schema::Schema::parse(open_api_v3_schema);
        let cel = cel::CelRules::new(open_api_v3_schema, &root);
        Self {
            root,
            cel,
            columns: Vec::new(),
            selectable: Vec::new(),
        }
    }

    /// Builds from a whole `spec.versions[]` entry of a CRD: its schema, its
    /// `additionalPrinterColumns` and its `selectableFields`.
    pub fn from_crd_version(version: &Value) -> Self {
        let empty = Value::Object(Default::default());
        let schema = version.pointer("/schema/openAPIV3Schema").unwrap_or(&empty);
        let mut s = Self::new(schema);
        if let Some(cols) = version
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
        {
            s = s.with_printer_columns(cols);
        }
        if let Some(fields) = version.get("selectableFields").and_then(Value::as_array) {
            s = s.with_selectable_fields(fields);
        }
        s
    }

    /// Sets the `additionalPrinterColumns` (as they appear in the CRD).
    pub fn with_printer_columns(mut self, columns: &[Value]) -> Self {
        let text = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        self.columns = columns
            .iter()
            .map(|c| {
                let json_path = text(c, "jsonPath");
                PrinterColumn {
                    name: text(c, "name"),
                    type_: text(c, "type"),
                    format: text(c, "format"),
                    description: text(c, "description"),
                    priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
                    path: JsonPath::parse(&json_path).ok(),
                    json_path,
                }
            })
            .collect();
        self
    }

    /// Sets the `selectableFields` (as they appear in the CRD).
    pub fn with_selectable_fields(mut self, fields: &[Value]) -> Self {
        self.selectable = fields
            .iter()
            .filter_map(|f| f.get("jsonPath").and_then(Value::as_str))
            .map(|p| SelectableField {
                name: p.trim_start_matches('.').to_string(),
                path: JsonPath::parse(p).ok(),
            })
            .collect();
        self
    }

    /// The printer columns; kube shows `Age` (`.metadata.creationTimestamp`) when none are set.
    /// The compiled schema (server-side apply walks it for list and map types).
    pub(crate) fn root(&self) -> &schema::Schema {
        &self.root
    }

    pub fn columns(&self) -> &[PrinterColumn] {
        &self.columns
    }

    /// Removes what the schema does not specify, as kube does on decode: unknown fields
    /// (kept under `x-kubernetes-preserve-unknown-fields`), `metadata` fields `ObjectMeta` does
    /// not know, `apiVersion`/`kind`/`metadata` kept at the root and in embedded resources,
    /// and `null`s that are neither nullable nor defaulted. Returns the dropped paths.
    pub fn prune(&self, obj: &mut Value) -> UnknownFields {
        prune::prune_resource(obj, &self.root)
    }

    /// Applies the schema's defaults (after pruning, as kube does).
    pub fn default(&self, obj: &mut Value) {
        default::apply_defaults(obj, &self.root);
    }

    /// Validates a custom resource (create when `old` is `None`, update otherwise): OpenAPI
    /// schema, list-type uniqueness, then CEL rules unless an earlier error blocks them.
    pub fn validate(&self, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
        let root = FieldPath::default();
        let mut errs = validate::validate_schema(&self.root, obj, &root);
        validate::validate_list_types(&self.root, obj, &root, &mut errs);
        if let Some(rules) = &self.cel {
            if validate::has_blocking_error(&errs) {
                errs.push(FieldError {
                    kind: crate::errors::FieldErrorType::Invalid,
                    field: "<nil>".to_string(),
                    bad_value: Some(Value::Null),
                    detail: "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation".to_string(),
                });
            } else {
                errs.extend(rules.validate(&self.root, obj, old));
            }
        }
        errs
    }

    /// Validates only `status` (the status subresource), with paths under `status`.
    pub fn validate_status(&self, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
        let (Some(status), Some(s)) = (obj.get("status"), self.root.property("status")) else {
            return Vec::new();
        };
        let _ = old;
        validate::validate_schema(s, status, &FieldPath::new("status"))
    }

    /// The Table cells of the printer columns for `obj` (the name cell not included), typed
    /// as kube types them; `date` columns print the age relative to now.
    pub fn printer_columns(&self, obj: &Value) -> Vec<Value> {
        self.printer_columns_at(obj, jiff::Timestamp::now())
    }

    /// [`Self::printer_columns`] with an explicit "now" for `date` columns.
    pub fn printer_columns_at(&self, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
        self.columns
            .iter()
            .map(|c| {
                let Some(v) = c.path.as_ref().and_then(|p| p.find(obj).into_iter().next()) else {
                    return Value::Null;
                };
                cell(&c.type_, v, now)
            })
            .collect()
    }

    /// The field-selector fields of `obj` from `selectableFields`: `(label, value)` with the
    /// value as `fmt.Sprint` prints it, empty when missing. `metadata.name` (and
    /// `metadata.namespace`) are the registry's to add.
    pub fn selectable_fields(&self, obj: &Value) -> Vec<(String, String)> {
        self.selectable
            .iter()
            .map(|f| {
                let v = f.path.as_ref().and_then(|p| p.find(obj).into_iter().next());
                (f.name.clone(), v.map(sprint).unwrap_or_default())
            })
            .collect()
    }

    /// The `selectableFields` labels (`spec.color`), in the CRD's order.
    pub fn selectable_field_names(&self) -> impl Iterator<Item = &str> {
        self.selectable.iter().map(|f| f.name.as_str())
    }

    /// One selectable field's value, `None` when `name` is not a selectable field.
    pub fn selectable_field(&self, obj: &Value, name: &str) -> Option<String> {
        self.selectable_fields(obj)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// `fmt.Sprint` of a decoded JSON value.
fn sprint(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => validate::go_float(n.as_f64().unwrap_or(0.0)),
        },
        other => other.to_string(),
    }
}

/// `cellForJSONValue`, plus the `string` case that prints any value.
fn cell(type_: &str, v: &Value, now: jiff::Timestamp) -> Value {
    match type_ {
        "integer" => match v {
            Value::Number(n) => n
                .as_i64()
                .map(Value::from)
                .or_else(|| n.as_f64().map(|f| Value::from(f as i64)))
                .unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "number" => match v {
            Value::Number(n) => n.as_f64().map(Value::from).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "boolean" => match v {
            Value::Bool(b) => Value::Bool(*b),
            _ => Value::Null,
        },
        "string" => match v {
            Value::Null => Value::Null,
            Value::String(s) => Value::String(s.clone()),
            other => Value::String(sprint(other)),
        },
        "date" => match v {
            Value::String(s) => Value::String(match s.parse::<jiff::Timestamp>() {
                Ok(t) => human_duration(now.as_millisecond() - t.as_millisecond()),
                Err(_) => "<invalid>".to_string(),
            }),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// apimachinery's `duration.HumanDuration`, from milliseconds.
pub fn human_duration(ms: i64) -> String {
    let seconds = ms / 1000;
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}
