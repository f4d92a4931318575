//! Pieces the workload validators share: label selectors (`ValidateLabelSelector`, matching a
//! template's labels), int-or-percent fields, and bad values printed the way Go's `%#v` prints
//! them in kube's messages (`map[string]string{"app":"x"}`, `v1.LabelSelector{…}`).

use serde_json::{Map, Value};

use super::json::{arr_at, at, obj_at, str_at};
use super::names::{is_qualified_name, is_valid_label_value, regex_error};
use crate::errors::{FieldError, FieldErrorType, FieldPath};

/// An `Invalid value` error whose value is already rendered (Go's `%#v` of a struct or map,
/// which a JSON value cannot express).
pub fn invalid_raw(path: &FieldPath, rendered: &str, detail: &str) -> FieldError {
    raw(FieldErrorType::Invalid, path, rendered, detail)
}

/// An error of any kind with a pre-rendered value.
pub fn raw(kind: FieldErrorType, path: &FieldPath, rendered: &str, detail: &str) -> FieldError {
    FieldError {
        kind,
        field: path.to_string(),
        bad_value: None,
        detail: if detail.is_empty() {
            rendered.to_string()
        } else {
            format!("{rendered}: {detail}")
        },
    }
}

/// `%#v` of a `map[string]string`: keys sorted, `(nil)` when absent.
pub fn go_string_map(v: Option<&Value>) -> String {
    match v.and_then(Value::as_object) {
        None => "map[string]string(nil)".to_string(),
        Some(m) => {
            let mut pairs: Vec<(&String, &Value)> = m.iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{:?}:{:?}", k, v.as_str().unwrap_or("")))
                .collect();
            format!("map[string]string{{{}}}", body.join(", "))
        }
    }
}

/// `%#v` of a `[]string`.
pub fn go_string_slice(v: Option<&Value>) -> String {
    match v.and_then(Value::as_array) {
        None => "[]string(nil)".to_string(),
        Some(items) => {
            let body: Vec<String> = items
                .iter()
                .map(|s| format!("{:?}", s.as_str().unwrap_or("")))
                .collect();
            format!("[]string{{{}}}", body.join(", "))
        }
    }
}

/// `%#v` of a `metav1.LabelSelector` (pointers are dereferenced by the error printer).
pub fn go_label_selector(sel: Option<&Value>) -> String {
    let Some(sel) = sel.filter(|s| s.is_object()) else {
        return "<nil>".to_string();
    };
    let exprs = match sel.get("matchExpressions").and_then(Value::as_array) {
        None => "[]v1.LabelSelectorRequirement(nil)".to_string(),
        Some(items) => {
            let body: Vec<String> = items
                .iter()
                .map(|r| {
                    format!(
                        "v1.LabelSelectorRequirement{{Key:{:?}, Operator:{:?}, Values:{}}}",
                        str_at(r, &["key"]),
                        str_at(r, &["operator"]),
                        go_string_slice(r.get("values"))
                    )
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", body.join(", "))
        }
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{}}}",
        go_string_map(sel.get("matchLabels")),
        exprs
    )
}

/// How an `intstr.IntOrString` prints through its `String()` method: bare.
pub fn int_or_string_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// `ValidateLabelSelector` with invalid label values refused.
pub fn validate_label_selector(sel: Option<&Value>, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(sel) = sel.filter(|s| s.is_object()) else {
        return errs;
    };
    for (i, r) in arr_at(sel, &["matchExpressions"]).iter().enumerate() {
        let rp = path.child("matchExpressions").index(i);
        let op = str_at(r, &["operator"]);
        let values = arr_at(r, &["values"]);
        match op {
            "In" | "NotIn" => {
                if values.is_empty() {
                    errs.push(FieldError::required(
                        &rp.child("values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    errs.push(FieldError::forbidden(
                        &rp.child("values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            _ => errs.push(FieldError::invalid(
                &rp.child("operator"),
                op,
                "not a valid selector operator",
            )),
        }
        let key = str_at(r, &["key"]);
        for msg in is_qualified_name(key) {
            errs.push(FieldError::invalid(&rp.child("key"), key, &msg));
        }
        for (j, v) in values.iter().enumerate() {
            let v = v.as_str().unwrap_or("");
            for msg in is_valid_label_value(v) {
                errs.push(FieldError::invalid(&rp.child("values").index(j), v, &msg));
            }
        }
    }
    errs.extend(super::meta::validate_labels(
        sel,
        &["matchLabels"],
        &path.child("matchLabels"),
    ));
    errs
}

/// What `LabelSelectorAsSelector` makes of a selector: `None` when it cannot be converted
/// (a bad operator or empty `In` values), else whether it is empty and whether it matches.
pub struct Selector<'a> {
    sel: Option<&'a Value>,
}

impl<'a> Selector<'a> {
    pub fn new(sel: Option<&'a Value>) -> Option<Self> {
        let sel = sel.filter(|s| s.is_object());
        if let Some(s) = sel {
            for r in arr_at(s, &["matchExpressions"]) {
                let ok = match str_at(r, &["operator"]) {
                    "In" | "NotIn" => !arr_at(r, &["values"]).is_empty(),
                    "Exists" | "DoesNotExist" => arr_at(r, &["values"]).is_empty(),
                    _ => false,
                };
                if !ok || !is_qualified_name(str_at(r, &["key"])).is_empty() {
                    return None;
                }
            }
            for (k, v) in obj_at(s, &["matchLabels"]).into_iter().flatten() {
                if !is_qualified_name(k).is_empty()
                    || !is_valid_label_value(v.as_str().unwrap_or("")).is_empty()
                {
                    return None;
                }
            }
        }
        Some(Self { sel })
    }

    /// `labels.Nothing()` (a nil selector) is not empty; `{}` is.
    pub fn is_empty(&self) -> bool {
        self.sel.is_some_and(|s| {
            obj_at(s, &["matchLabels"]).is_none_or(Map::is_empty)
                && arr_at(s, &["matchExpressions"]).is_empty()
        })
    }

    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let Some(sel) = self.sel else {
            return false;
        };
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        let labels_ok = obj_at(sel, &["matchLabels"])
            .into_iter()
            .flatten()
            .all(|(k, v)| get(k) == v.as_str());
        labels_ok
            && arr_at(sel, &["matchExpressions"]).iter().all(|r| {
                let key = str_at(r, &["key"]);
                let values = arr_at(r, &["values"]);
                let has = |v: &str| values.iter().any(|x| x.as_str() == Some(v));
                match (str_at(r, &["operator"]), get(key)) {
                    ("In", Some(v)) => has(v),
                    ("NotIn", Some(v)) => !has(v),
                    ("NotIn", None) | ("Exists", Some(_)) | ("DoesNotExist", None) => true,
                    _ => false,
                }
            })
    }
}

/// The template-versus-selector check of ReplicaSets, Deployments, DaemonSets and Jobs.
pub fn selector_matches_template(
    obj: &Value,
    selector_path: &[&str],
    template_labels_path: &[&str],
    path: &FieldPath,
    skip_empty: bool,
) -> Vec<FieldError> {
    let Some(selector) = Selector::new(at(obj, selector_path)) else {
        return Vec::new();
    };
    if skip_empty && selector.is_empty() {
        return Vec::new();
    }
    let labels = at(obj, template_labels_path);
    if selector.matches(labels.and_then(Value::as_object)) {
        return Vec::new();
    }
    vec![invalid_raw(
        path,
        &go_string_map(labels),
        "`selector` does not match template `labels`",
    )]
}

/// A percentage string (`IsValidPercent`).
fn is_valid_percent(s: &str) -> bool {
    s.strip_suffix('%')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `ValidatePositiveIntOrPercent`.
pub fn validate_positive_int_or_percent(v: Option<&Value>, path: &FieldPath) -> Vec<FieldError> {
    match v {
        Some(Value::String(s)) if !is_valid_percent(s) => vec![invalid_raw(
            path,
            s,
            &regex_error(
                "a valid percent string must be a numeric string followed by an ending '%'",
                "[0-9]+%",
                &["1%", "93%"],
            ),
        )],
        Some(Value::Number(n)) if n.as_i64().is_some_and(|i| i < 0) => vec![FieldError::invalid(
            path,
            n.as_i64().unwrap_or(0),
            "must be greater than or equal to 0",
        )],
        _ => Vec::new(),
    }
}

/// The numeric value of an int-or-percent (`getIntOrPercentValue`), 0 when unparseable.
pub fn int_or_percent_value(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s
            .strip_suffix('%')
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

/// `IsNotMoreThan100Percent`.
pub fn not_more_than_100_percent(v: Option<&Value>, path: &FieldPath) -> Vec<FieldError> {
    match v {
        Some(Value::String(s)) if is_valid_percent(s) && int_or_percent_value(v) > 100 => {
            vec![invalid_raw(path, s, "must not be greater than 100%")]
        }
        _ => Vec::new(),
    }
}

/// `ValidateNonnegativeField` on an optional integer.
pub fn nonnegative(obj: &Value, at_path: &[&str], path: &FieldPath) -> Vec<FieldError> {
    match super::json::i64_at(obj, at_path) {
        Some(n) if n < 0 => vec![FieldError::invalid(
            path,
            n,
            "must be greater than or equal to 0",
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_renderings() {
        assert_eq!(
            go_string_map(Some(&json!({"b": "2", "a": "1"}))),
            r#"map[string]string{"a":"1", "b":"2"}"#
        );
        assert_eq!(go_string_map(None), "map[string]string(nil)");
        assert_eq!(
            go_label_selector(Some(&json!({"matchLabels": {"app": "x"}}))),
            r#"v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"#
        );
        assert_eq!(
            go_label_selector(Some(
                &json!({"matchExpressions": [{"key": "k", "operator": "In", "values": ["a"]}]})
            )),
            r#"v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"k", Operator:"In", Values:[]string{"a"}}}}"#
        );
    }

    #[test]
    fn selectors_match_like_labels_selector() {
        let s = json!({"matchLabels": {"app": "x"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]});
        let sel = Selector::new(Some(&s));
        let labels = json!({"app": "x", "tier": "web"});
        assert!(sel.as_ref().is_some_and(|s| s.matches(labels.as_object())));
        let labels = json!({"app": "x", "tier": "db"});
        assert!(sel.as_ref().is_some_and(|s| !s.matches(labels.as_object())));
        let nothing = Selector::new(None);
        assert!(
            nothing
                .as_ref()
                .is_some_and(|s| !s.is_empty() && !s.matches(None))
        );
    }

    #[test]
    fn selector_errors_read_like_kube() {
        let s = json!({"matchExpressions": [{"key": "k", "operator": "In"}, {"key": "k", "operator": "Has"}]});
        let msgs: Vec<String> = validate_label_selector(Some(&s), &FieldPath::new("spec.selector"))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            msgs,
            vec![
                "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                r#"spec.selector.matchExpressions[1].operator: Invalid value: "Has": not a valid selector operator"#,
            ]
        );
    }
}
