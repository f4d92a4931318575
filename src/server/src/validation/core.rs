//! The strategies' own validation of core/v1 Namespaces, ConfigMaps, Secrets and
//! ServiceAccounts, as `pkg/apis/core/validation` (`ValidateNamespace`, `ValidateConfigMap`,
//! `ValidateSecret`, `ValidateServiceAccount` and their `…Update` forms).

use base64::Engine as _;
use serde_json::Value;

use super::json::{at, bool_at, obj_at, semantic_eq, str_at, string_list};
use super::meta::{
    validate_core_object_meta, validate_core_object_meta_update, validate_kube_finalizer_name,
};
use super::names::{
    is_config_map_key, is_qualified_name, name_is_dns_label, name_is_dns_subdomain,
};
use crate::errors::{FieldError, FieldPath};

/// `MaxSecretSize`, also the limit of a ConfigMap's data.
pub const MAX_SECRET_SIZE: usize = 1024 * 1024;
const IMMUTABLE_WHEN_SET: &str = "field is immutable when `immutable` is set";

fn md() -> FieldPath {
    FieldPath::new("metadata")
}

/// `ValidateNamespace`: a DNS-label name, cluster-scoped; `spec.finalizers` are qualified names
/// (reported at the list, as upstream).
pub fn validate_namespace(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, false, name_is_dns_label, &md());
    let path = FieldPath::new("spec").child("finalizers");
    for f in string_list(obj, &["spec", "finalizers"]) {
        for msg in is_qualified_name(f) {
            errs.push(FieldError::invalid(&path, f, &msg));
        }
        errs.extend(validate_kube_finalizer_name(f, &path));
    }
    errs
}

/// The namespace strategy's `ValidateUpdate`: the create rules again, then the metadata update.
pub fn validate_namespace_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_namespace(new);
    errs.extend(validate_core_object_meta_update(new, old, &md()));
    errs
}

/// `ValidateConfigMap`: keys, no key in both `data` and `binaryData`, 1 MiB in total.
pub fn validate_config_map(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    let binary = decoded_map(obj, "binaryData");
    let mut total = 0usize;
    let data_path = FieldPath::new("data");
    for (k, v) in sorted_entries(obj, "data") {
        for msg in is_config_map_key(k) {
            errs.push(FieldError::invalid(&data_path.key(k), k, &msg));
        }
        if binary.iter().any(|(bk, _)| *bk == k) {
            errs.push(FieldError::invalid(
                &data_path.key(k),
                k,
                "duplicate of key present in binaryData",
            ));
        }
        total += v.as_str().map_or(0, str::len);
    }
    let binary_path = FieldPath::new("binaryData");
    for (k, len) in &binary {
        for msg in is_config_map_key(k) {
            errs.push(FieldError::invalid(&binary_path.key(k), *k, &msg));
        }
        total += len;
    }
    if total > MAX_SECRET_SIZE {
        // Upstream reports this at `field.NewPath("")` (the whole object), which prints `[]`.
        errs.push(FieldError::too_long(&FieldPath::new("[]"), MAX_SECRET_SIZE));
    }
    errs
}

/// `ValidateConfigMapUpdate`: once `immutable` is true, neither it nor the data may change.
pub fn validate_config_map_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    if bool_at(old, &["immutable"]) {
        if !bool_at(new, &["immutable"]) {
            errs.push(FieldError::forbidden(
                &FieldPath::new("immutable"),
                IMMUTABLE_WHEN_SET,
            ));
        }
        for key in ["data", "binaryData"] {
            if !semantic_eq(at(new, &[key]), at(old, &[key])) {
                errs.push(FieldError::forbidden(
                    &FieldPath::new(key),
                    IMMUTABLE_WHEN_SET,
                ));
            }
        }
    }
    errs.extend(validate_config_map(new));
    errs
}

/// The entries of a map field, sorted by key.
fn sorted_entries<'a>(obj: &'a Value, field: &str) -> Vec<(&'a str, &'a Value)> {
    let mut entries: Vec<(&str, &Value)> = obj_at(obj, &[field])
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    entries.sort_unstable_by_key(|(k, _)| *k);
    entries
}

/// The keys of a base64-valued map with the decoded length of each value (a value that does
/// not decode counts its encoded length; decoding errors are reported by the decoder).
fn decoded_map<'a>(obj: &'a Value, field: &str) -> Vec<(&'a str, usize)> {
    sorted_entries(obj, field)
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                decode(v).map_or_else(|| v.as_str().map_or(0, str::len), |b| b.len()),
            )
        })
        .collect()
}

fn decode(v: &Value) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str()?)
        .ok()
}

/// The secret types and the data keys they require.
const SECRET_TYPE_SA_TOKEN: &str = "kubernetes.io/service-account-token";
const SECRET_TYPE_DOCKERCFG: &str = "kubernetes.io/dockercfg";
const SECRET_TYPE_DOCKER_CONFIG_JSON: &str = "kubernetes.io/dockerconfigjson";
const SECRET_TYPE_BASIC_AUTH: &str = "kubernetes.io/basic-auth";
const SECRET_TYPE_SSH_AUTH: &str = "kubernetes.io/ssh-auth";
const SECRET_TYPE_TLS: &str = "kubernetes.io/tls";
const SERVICE_ACCOUNT_NAME_KEY: &str = "kubernetes.io/service-account.name";

/// A secret's data as the internal type holds it: `data` decoded, with `stringData` merged over
/// it (the v1 → internal conversion does that before validation).
fn secret_data(obj: &Value) -> Vec<(String, Vec<u8>)> {
    let mut data: Vec<(String, Vec<u8>)> = sorted_entries(obj, "data")
        .into_iter()
        .map(|(k, v)| {
            let bytes = decode(v).unwrap_or_else(|| v.as_str().unwrap_or("").as_bytes().to_vec());
            (k.to_string(), bytes)
        })
        .collect();
    for (k, v) in sorted_entries(obj, "stringData") {
        let bytes = v.as_str().unwrap_or("").as_bytes().to_vec();
        match data.iter_mut().find(|(dk, _)| dk == k) {
            Some(entry) => entry.1 = bytes,
            None => data.push((k.to_string(), bytes)),
        }
    }
    data.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    data
}

/// The secret's type after defaulting (an empty type is `Opaque`).
fn secret_type(obj: &Value) -> &str {
    match str_at(obj, &["type"]) {
        "" => "Opaque",
        t => t,
    }
}

/// `ValidateSecret`: keys, 1 MiB of data, and the keys each well-known type requires.
pub fn validate_secret(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    let data_path = FieldPath::new("data");
    let data = secret_data(obj);
    let mut total = 0usize;
    for (k, v) in &data {
        for msg in is_config_map_key(k) {
            errs.push(FieldError::invalid(&data_path.key(k), k.as_str(), &msg));
        }
        total += v.len();
    }
    if total > MAX_SECRET_SIZE {
        errs.push(FieldError::too_long(&data_path, MAX_SECRET_SIZE));
    }
    let get = |key: &str| data.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    match secret_type(obj) {
        // Only the service account's name is required; a controller fills in the rest.
        SECRET_TYPE_SA_TOKEN
            if str_at(obj, &["metadata", "annotations", SERVICE_ACCOUNT_NAME_KEY]).is_empty() =>
        {
            errs.push(FieldError::required(
                &FieldPath::new("metadata")
                    .child("annotations")
                    .key(SERVICE_ACCOUNT_NAME_KEY),
                "",
            ));
        }
        SECRET_TYPE_DOCKERCFG | SECRET_TYPE_DOCKER_CONFIG_JSON => {
            let key = if secret_type(obj) == SECRET_TYPE_DOCKERCFG {
                ".dockercfg"
            } else {
                ".dockerconfigjson"
            };
            match get(key) {
                None => errs.push(FieldError::required(&data_path.key(key), "")),
                Some(bytes) => {
                    if let Err(msg) = go_unmarshal_object(bytes) {
                        errs.push(FieldError::invalid(
                            &data_path.key(key),
                            "<secret contents redacted>",
                            &msg,
                        ));
                    }
                }
            }
        }
        // Either may be empty, but one of them must be present.
        SECRET_TYPE_BASIC_AUTH if get("username").is_none() && get("password").is_none() => {
            errs.push(FieldError::required(&data_path.key("username"), ""));
            errs.push(FieldError::required(&data_path.key("password"), ""));
        }
        SECRET_TYPE_SSH_AUTH if get("ssh-privatekey").is_none_or(Vec::is_empty) => {
            errs.push(FieldError::required(&data_path.key("ssh-privatekey"), ""));
        }
        SECRET_TYPE_TLS => {
            for key in ["tls.crt", "tls.key"] {
                if get(key).is_none() {
                    errs.push(FieldError::required(&data_path.key(key), ""));
                }
            }
        }
        _ => {}
    }
    errs
}

/// What Go's `json.Unmarshal` into `map[string]interface{}` says about some bytes: `Ok` for an
/// object (or `null`), otherwise an approximation of its error text.
fn go_unmarshal_object(bytes: &[u8]) -> Result<(), String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(_) | Value::Null) => Ok(()),
        Ok(other) => {
            let kind = match other {
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                _ => "array",
            };
            Err(format!(
                "json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
            ))
        }
        Err(e) if e.is_eof() => Err("unexpected end of JSON input".to_string()),
        Err(e) => {
            // Go names the byte it stumbled on; serde reports a 1-based line and column.
            let offset = bytes
                .split(|b| *b == b'\n')
                .take(e.line().saturating_sub(1))
                .map(|l| l.len() + 1)
                .sum::<usize>()
                + e.column().saturating_sub(1);
            let c = bytes.get(offset).copied().map_or(' ', char::from);
            let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
            if e.to_string().starts_with("trailing characters") {
                Err(format!("invalid character '{c}' after top-level value"))
            } else if first == Some(offset) {
                Err(format!(
                    "invalid character '{c}' looking for beginning of value"
                ))
            } else {
                // Other syntax errors: Go's wording depends on the parser state; say what
                // serde says rather than guess.
                Err(e.to_string())
            }
        }
    }
}

/// `ValidateSecretUpdate`: the type never changes; once `immutable` is true, neither it nor
/// the data may change.
pub fn validate_secret_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    if secret_type(new) != secret_type(old) {
        errs.push(FieldError::invalid(
            &FieldPath::new("type"),
            secret_type(new),
            super::meta::FIELD_IMMUTABLE,
        ));
    }
    if bool_at(old, &["immutable"]) {
        if !bool_at(new, &["immutable"]) {
            errs.push(FieldError::forbidden(
                &FieldPath::new("immutable"),
                IMMUTABLE_WHEN_SET,
            ));
        }
        if secret_data(new) != secret_data(old) {
            errs.push(FieldError::forbidden(
                &FieldPath::new("data"),
                IMMUTABLE_WHEN_SET,
            ));
        }
    }
    errs.extend(validate_secret(new));
    errs
}

/// `ValidateServiceAccount`: the metadata only, with a DNS-subdomain name.
pub fn validate_service_account(obj: &Value) -> Vec<FieldError> {
    validate_core_object_meta(obj, true, name_is_dns_subdomain, &md())
}

/// `ValidateServiceAccountUpdate`.
pub fn validate_service_account_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    errs.extend(validate_service_account(new));
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn namespace_names_are_dns_labels() {
        assert!(validate_namespace(&json!({"metadata": {"name": "team-a"}})).is_empty());
        assert_eq!(
            msgs(&validate_namespace(
                &json!({"metadata": {"name": "team.a"}})
            )),
            vec![r#"metadata.name: Invalid value: "team.a": must not contain dots"#]
        );
        assert_eq!(
            msgs(&validate_namespace(
                &json!({"metadata": {"name": "a", "namespace": "b"}})
            )),
            vec!["metadata.namespace: Forbidden: not allowed on this type"]
        );
        assert_eq!(
            msgs(&validate_namespace(
                &json!({"metadata": {"name": "a"}, "spec": {"finalizers": ["foo"]}})
            )),
            vec![
                r#"spec.finalizers: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified"#
            ]
        );
        assert!(
            validate_namespace(
                &json!({"metadata": {"name": "a"}, "spec": {"finalizers": ["kubernetes"]}})
            )
            .is_empty()
        );
    }

    #[test]
    fn namespace_update_keeps_name() {
        let old = json!({"metadata": {"name": "a", "resourceVersion": "1"}});
        let new = json!({"metadata": {"name": "b", "resourceVersion": "1"}});
        assert_eq!(
            msgs(&validate_namespace_update(&new, &old)),
            vec![r#"metadata.name: Invalid value: "b": field is immutable"#]
        );
    }

    #[test]
    fn config_map_keys_and_size() {
        let ok = json!({"metadata": {"name": "cm", "namespace": "default"}, "data": {"game.properties": "x"}, "binaryData": {"b.bin": "AAEC"}});
        assert!(validate_config_map(&ok).is_empty());
        let bad = json!({"metadata": {"name": "cm", "namespace": "default"}, "data": {"a b": "x", "dup": "y"}, "binaryData": {"dup": "AA=="}});
        assert_eq!(
            msgs(&validate_config_map(&bad)),
            vec![
                r#"data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"#,
                r#"data[dup]: Invalid value: "dup": duplicate of key present in binaryData"#,
            ]
        );
        let big = json!({"metadata": {"name": "cm", "namespace": "default"}, "data": {"a": "x".repeat(MAX_SECRET_SIZE), "b": "y"}});
        let errs = validate_config_map(&big);
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "[]: Too long: may not be more than 1048576 bytes"
        );
    }

    #[test]
    fn immutable_config_map() {
        let old = json!({"metadata": {"name": "cm", "namespace": "d", "resourceVersion": "1"}, "immutable": true, "data": {"a": "1"}});
        let new = json!({"metadata": {"name": "cm", "namespace": "d", "resourceVersion": "1"}, "immutable": false, "data": {"a": "2"}});
        assert_eq!(
            msgs(&validate_config_map_update(&new, &old)),
            vec![
                "immutable: Forbidden: field is immutable when `immutable` is set",
                "data: Forbidden: field is immutable when `immutable` is set",
            ]
        );
        // Labels may still change.
        let relabeled = json!({"metadata": {"name": "cm", "namespace": "d", "resourceVersion": "1", "labels": {"a": "b"}}, "immutable": true, "data": {"a": "1"}});
        assert!(validate_config_map_update(&relabeled, &old).is_empty());
    }

    #[test]
    fn secret_types_require_keys() {
        let base = |t: &str, data: Value| json!({"metadata": {"name": "s", "namespace": "d"}, "type": t, "data": data});
        assert!(validate_secret(&base("Opaque", json!({"a": "YQ=="}))).is_empty());
        assert_eq!(
            msgs(&validate_secret(&base("kubernetes.io/tls", json!({})))),
            vec![
                "data[tls.crt]: Required value",
                "data[tls.key]: Required value"
            ]
        );
        assert_eq!(
            msgs(&validate_secret(&base(
                "kubernetes.io/basic-auth",
                json!({})
            ))),
            vec![
                "data[username]: Required value",
                "data[password]: Required value"
            ]
        );
        assert!(
            validate_secret(&base("kubernetes.io/basic-auth", json!({"password": ""}))).is_empty()
        );
        assert_eq!(
            msgs(&validate_secret(&base(
                "kubernetes.io/ssh-auth",
                json!({"ssh-privatekey": ""})
            ))),
            vec!["data[ssh-privatekey]: Required value"]
        );
        assert_eq!(
            msgs(&validate_secret(&base(
                "kubernetes.io/service-account-token",
                json!({})
            ))),
            vec!["metadata.annotations[kubernetes.io/service-account.name]: Required value"]
        );
        assert_eq!(
            msgs(&validate_secret(&base(
                "kubernetes.io/dockerconfigjson",
                json!({})
            ))),
            vec!["data[.dockerconfigjson]: Required value"]
        );
        // "e30=" is "{}", "W10=" is "[]".
        assert!(
            validate_secret(&base(
                "kubernetes.io/dockerconfigjson",
                json!({".dockerconfigjson": "e30="})
            ))
            .is_empty()
        );
        assert_eq!(
            msgs(&validate_secret(&base(
                "kubernetes.io/dockercfg",
                json!({".dockercfg": "W10="})
            ))),
            vec![
                r#"data[.dockercfg]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}"#
            ]
        );
        assert_eq!(
            msgs(&validate_secret(&base(
                "kubernetes.io/dockercfg",
                json!({".dockercfg": ""})
            ))),
            vec![
                r#"data[.dockercfg]: Invalid value: "<secret contents redacted>": unexpected end of JSON input"#
            ]
        );
        assert_eq!(
            msgs(&validate_secret(&base(
                "kubernetes.io/dockercfg",
                json!({".dockercfg": "eA=="})
            ))),
            vec![
                r#"data[.dockercfg]: Invalid value: "<secret contents redacted>": invalid character 'x' looking for beginning of value"#
            ]
        );
        // stringData counts as data.
        let with_string_data = json!({"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/tls", "stringData": {"tls.crt": "c", "tls.key": "k"}});
        assert!(validate_secret(&with_string_data).is_empty());
    }

    #[test]
    fn secret_size_and_keys() {
        let big = base64::engine::general_purpose::STANDARD.encode(vec![0u8; MAX_SECRET_SIZE + 1]);
        let s = json!({"metadata": {"name": "s", "namespace": "d"}, "data": {"k": big, "..x": ""}});
        assert_eq!(
            msgs(&validate_secret(&s)),
            vec![
                r#"data[..x]: Invalid value: "..x": must not start with '..'"#,
                "data: Too long: may not be more than 1048576 bytes",
            ]
        );
    }

    #[test]
    fn secret_update_rules() {
        let old = json!({"metadata": {"name": "s", "namespace": "d", "resourceVersion": "1"}, "type": "Opaque", "immutable": true, "data": {"a": "YQ=="}});
        let new = json!({"metadata": {"name": "s", "namespace": "d", "resourceVersion": "1"}, "type": "kubernetes.io/basic-auth", "data": {"username": "YQ=="}});
        assert_eq!(
            msgs(&validate_secret_update(&new, &old)),
            vec![
                r#"type: Invalid value: "kubernetes.io/basic-auth": field is immutable"#,
                "immutable: Forbidden: field is immutable when `immutable` is set",
                "data: Forbidden: field is immutable when `immutable` is set",
            ]
        );
        let defaulted = json!({"metadata": {"name": "s", "namespace": "d", "resourceVersion": "1"}, "immutable": true, "data": {"a": "YQ=="}});
        assert!(validate_secret_update(&defaulted, &old).is_empty());
    }

    #[test]
    fn service_accounts() {
        assert!(
            validate_service_account(&json!({"metadata": {"name": "default", "namespace": "d"}}))
                .is_empty()
        );
        assert_eq!(
            msgs(&validate_service_account(
                &json!({"metadata": {"name": "Default", "namespace": "d"}})
            ))
            .len(),
            1
        );
    }
}
