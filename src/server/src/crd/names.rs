//! The names of a CRD (`spec.names`), as kube's `ValidateCustomResourceDefinitionNames`
//! checks them: used for CRDs and for kcp's APIResourceSchemas, which carry the same names.

use serde_json::Value;

use crate::errors::{FieldError, FieldPath};
use crate::validation::is_dns1035_label;

/// The errors of a `names` object (`plural`, `singular`, `kind`, `listKind`, `shortNames`,
/// `categories`) at `path`. Missing names are not errors here: the callers require them.
pub fn validate_crd_names(names: &Value, path: &FieldPath) -> Vec<FieldError> {
    let text = |k: &str| names.get(k).and_then(Value::as_str).unwrap_or("");
    let list = |k: &str| -> Vec<&str> {
        names
            .get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let mut errs = Vec::new();
    for field in ["plural", "singular"] {
        let v = text(field);
        let reasons = is_dns1035_label(v);
        if !v.is_empty() && !reasons.is_empty() {
            errs.push(FieldError::invalid(
                &path.child(field),
                v,
                &reasons.join(","),
            ));
        }
    }
    // Kinds may be mixed case, but otherwise follow the same rule.
    for field in ["kind", "listKind"] {
        let v = text(field);
        let reasons = is_dns1035_label(&v.to_lowercase());
        if !v.is_empty() && !reasons.is_empty() {
            errs.push(FieldError::invalid(
                &path.child(field),
                v,
                &format!(
                    "may have mixed case, but should otherwise match: {}",
                    reasons.join(",")
                ),
            ));
        }
    }
    for (i, short) in list("shortNames").into_iter().enumerate() {
        let reasons = is_dns1035_label(short);
        if !reasons.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("shortNames").index(i),
                short,
                &reasons.join(","),
            ));
        }
    }
    // The same kind and list kind would make decoding ambiguous.
    if !text("kind").is_empty() && text("kind") == text("listKind") {
        errs.push(FieldError::invalid(
            &path.child("listKind"),
            text("listKind"),
            "kind and listKind may not be the same",
        ));
    }
    for (i, category) in list("categories").into_iter().enumerate() {
        let reasons = is_dns1035_label(category);
        if !reasons.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("categories").index(i),
                category,
                &reasons.join(","),
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errs(names: Value) -> Vec<String> {
        validate_crd_names(&names, &FieldPath::new("spec").child("names"))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn good_names_pass() {
        assert!(
            errs(
                json!({"plural": "cowboys", "singular": "cowboy", "kind": "Cowboy",
                        "listKind": "CowboyList", "shortNames": ["cb"], "categories": ["all"]})
            )
            .is_empty()
        );
    }

    #[test]
    fn each_bad_name_has_kubes_message() {
        assert_eq!(
            errs(
                json!({"plural": "Cowboys", "kind": "Cow_boy", "listKind": "Cow_boy",
                        "shortNames": ["1cb"]})
            ),
            vec![
                r#"spec.names.plural: Invalid value: "Cowboys": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.kind: Invalid value: "Cow_boy": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.listKind: Invalid value: "Cow_boy": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.shortNames[0]: Invalid value: "1cb": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.listKind: Invalid value: "Cow_boy": kind and listKind may not be the same"#,
            ]
        );
    }
}
