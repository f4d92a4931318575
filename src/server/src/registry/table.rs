//! Table output for built-in resources: the `meta.k8s.io/v1 Table` columns and row cells
//! kube-apiserver serves for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
//!
//! The printers follow kube's (`pkg/printers/internalversion/printers.go`): the server always
//! prints "wide", so rows carry the priority-1 cells too and `kubectl` hides those columns
//! unless asked (`-o wide`). Resources without a printer (Roles, ClusterRoles, CRs without
//! printer columns, …) get the default table convertor's two columns, `Name` and `Created At`.
//!
//! [`builtin_columns`] gives `columnDefinitions`; [`builtin_row_cells`] gives one row's
//! `cells`. The caller assembles the Table and wraps each row as
//! `{"cells": [...], "object": <PartialObjectMetadata or full object>}`. Ages are computed
//! against a `now` the caller passes, so output is deterministic in tests.

use jiff::Timestamp;
use serde_json::{Value, json};

/// `metav1.ObjectMeta{}.SwaggerDoc()["name"]`.
const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
/// `metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]`.
const CREATION_TIMESTAMP_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const SECRET_TYPE_DESC: &str = "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types";
const SECRET_DATA_DESC: &str = "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4";
const CONFIG_MAP_DATA_DESC: &str = "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";
const SERVICE_ACCOUNT_SECRETS_DESC: &str = "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret";
const LEASE_HOLDER_DESC: &str = "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.";
/// The printers still describe `roleRef` with the rbac/v1beta1 documentation.
const ROLE_BINDING_ROLE_REF_DESC: &str = "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.";
const CLUSTER_ROLE_BINDING_ROLE_REF_DESC: &str = "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.";
const EVENT_LAST_TIMESTAMP_DESC: &str =
    "The time at which the most recent occurrence of this event was recorded.";
const EVENT_TYPE_DESC: &str =
    "Type of this event (Normal, Warning), new types could be added in the future";
const EVENT_REASON_DESC: &str = "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.";
const EVENT_INVOLVED_OBJECT_DESC: &str = "The object that this event is about.";
const OBJECT_REFERENCE_FIELD_PATH_DESC: &str = "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.";
const EVENT_SOURCE_DESC: &str =
    "The component reporting this event. Should be a short machine understandable string.";
const EVENT_MESSAGE_DESC: &str = "A human-readable description of the status of this operation.";
const EVENT_FIRST_TIMESTAMP_DESC: &str =
    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)";
const EVENT_COUNT_DESC: &str = "The number of times this event has occurred.";

/// One `TableColumnDefinition`; every field is always present, as Go serializes them.
fn column(name: &str, type_: &str, format: &str, description: &str, priority: i32) -> Value {
    json!({
        "name": name,
        "type": type_,
        "format": format,
        "description": description,
        "priority": priority,
    })
}

fn name_column() -> Value {
    column("Name", "string", "name", NAME_DESC, 0)
}

fn age_column() -> Value {
    column("Age", "string", "", CREATION_TIMESTAMP_DESC, 0)
}

/// Which printer a resource gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Printer {
    Namespace,
    ConfigMap,
    Secret,
    ServiceAccount,
    Event,
    Lease,
    RoleBinding,
    ClusterRoleBinding,
    /// `rest.NewDefaultTableConvertor`: Name and Created At.
    Default,
}

impl Printer {
    fn for_resource(group: &str, resource: &str) -> Self {
        match (group, resource) {
            ("", "namespaces") => Self::Namespace,
            ("", "configmaps") => Self::ConfigMap,
            ("", "secrets") => Self::Secret,
            ("", "serviceaccounts") => Self::ServiceAccount,
            // Both event APIs share one storage and one printer over the internal Event.
            ("" | "events.k8s.io", "events") => Self::Event,
            ("coordination.k8s.io", "leases") => Self::Lease,
            ("rbac.authorization.k8s.io", "rolebindings") => Self::RoleBinding,
            ("rbac.authorization.k8s.io", "clusterrolebindings") => Self::ClusterRoleBinding,
            _ => Self::Default,
        }
    }
}

/// Whether the resource has a printer of its own (otherwise it gets the default table).
pub fn has_builtin_printer(group: &str, resource: &str) -> bool {
    Printer::for_resource(group, resource) != Printer::Default
}

/// The `columnDefinitions` of the Table for a resource (the default two for unknown ones).
pub fn builtin_columns(group: &str, resource: &str) -> Vec<Value> {
    match Printer::for_resource(group, resource) {
        Printer::Namespace => vec![
            name_column(),
            column("Status", "string", "", "The status of the namespace", 0),
            age_column(),
        ],
        Printer::ConfigMap => vec![
            name_column(),
            column("Data", "string", "", CONFIG_MAP_DATA_DESC, 0),
            age_column(),
        ],
        Printer::Secret => vec![
            name_column(),
            column("Type", "string", "", SECRET_TYPE_DESC, 0),
            column("Data", "string", "", SECRET_DATA_DESC, 0),
            age_column(),
        ],
        Printer::ServiceAccount => vec![
            name_column(),
            column("Secrets", "string", "", SERVICE_ACCOUNT_SECRETS_DESC, 0),
            age_column(),
        ],
        Printer::Event => vec![
            column("Last Seen", "string", "", EVENT_LAST_TIMESTAMP_DESC, 0),
            column("Type", "string", "", EVENT_TYPE_DESC, 0),
            column("Reason", "string", "", EVENT_REASON_DESC, 0),
            column("Object", "string", "", EVENT_INVOLVED_OBJECT_DESC, 0),
            column(
                "Subobject",
                "string",
                "",
                OBJECT_REFERENCE_FIELD_PATH_DESC,
                1,
            ),
            column("Source", "string", "", EVENT_SOURCE_DESC, 1),
            column("Message", "string", "", EVENT_MESSAGE_DESC, 0),
            column("First Seen", "string", "", EVENT_FIRST_TIMESTAMP_DESC, 1),
            column("Count", "string", "", EVENT_COUNT_DESC, 1),
            column("Name", "string", "name", NAME_DESC, 1),
        ],
        Printer::Lease => vec![
            name_column(),
            column("Holder", "string", "", LEASE_HOLDER_DESC, 0),
            age_column(),
        ],
        Printer::RoleBinding => binding_columns(ROLE_BINDING_ROLE_REF_DESC, "roleBinding"),
        Printer::ClusterRoleBinding => {
            binding_columns(CLUSTER_ROLE_BINDING_ROLE_REF_DESC, "clusterRoleBinding")
        }
        Printer::Default => vec![
            name_column(),
            column("Created At", "date", "", CREATION_TIMESTAMP_DESC, 0),
        ],
    }
}

fn binding_columns(role_ref_desc: &str, noun: &str) -> Vec<Value> {
    vec![
        name_column(),
        column("Role", "string", "", role_ref_desc, 0),
        age_column(),
        column("Users", "string", "", &format!("Users in the {noun}"), 1),
        column("Groups", "string", "", &format!("Groups in the {noun}"), 1),
        column(
            "ServiceAccounts",
            "string",
            "",
            &format!("ServiceAccounts in the {noun}"),
            1,
        ),
    ]
}

/// The `cells` of one object's row, matching [`builtin_columns`] (wide cells included).
pub fn builtin_row_cells(group: &str, resource: &str, obj: &Value, now: Timestamp) -> Vec<Value> {
    let name = json!(s(obj, &["metadata", "name"]));
    let age = || {
        json!(translate_timestamp_since(
            at(obj, &["metadata", "creationTimestamp"]),
            now
        ))
    };
    match Printer::for_resource(group, resource) {
        Printer::Namespace => vec![name, json!(s(obj, &["status", "phase"])), age()],
        Printer::ConfigMap => {
            let n = map_len(obj, "data") + map_len(obj, "binaryData");
            vec![name, json!(n), age()]
        }
        Printer::Secret => {
            vec![
                name,
                json!(s(obj, &["type"])),
                json!(secret_data_len(obj)),
                age(),
            ]
        }
        Printer::ServiceAccount => {
            let n = at(obj, &["secrets"])
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            vec![name, json!(n), age()]
        }
        Printer::Event => event_cells(group, obj, now),
        Printer::Lease => vec![name, json!(s(obj, &["spec", "holderIdentity"])), age()],
        Printer::RoleBinding | Printer::ClusterRoleBinding => {
            let role_ref = format!(
                "{}/{}",
                s(obj, &["roleRef", "kind"]),
                s(obj, &["roleRef", "name"])
            );
            let (users, groups, sas) = subjects_strings(obj);
            vec![
                name,
                json!(role_ref),
                age(),
                json!(users.join(", ")),
                json!(groups.join(", ")),
                json!(sas.join(", ")),
            ]
        }
        Printer::Default => {
            let created = at(obj, &["metadata", "creationTimestamp"])
                .and_then(Value::as_str)
                .and_then(|t| t.parse::<Timestamp>().ok());
            // Go formats the zero time too.
            let created = created.map_or_else(
                || "0001-01-01T00:00:00Z".to_string(),
                |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            );
            vec![name, json!(created)]
        }
    }
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(v, |cur, key| cur.as_object()?.get(*key))
}

fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or("")
}

fn map_len(obj: &Value, field: &str) -> usize {
    at(obj, &[field])
        .and_then(Value::as_object)
        .map_or(0, serde_json::Map::len)
}

/// A Secret's data count as the internal object has it: `stringData` keys merge into `data`.
fn secret_data_len(obj: &Value) -> usize {
    let data = at(obj, &["data"]).and_then(Value::as_object);
    let extra = at(obj, &["stringData"])
        .and_then(Value::as_object)
        .map_or(0, |sd| {
            sd.keys()
                .filter(|k| !data.is_some_and(|d| d.contains_key(*k)))
                .count()
        });
    data.map_or(0, serde_json::Map::len) + extra
}

/// `rbac.SubjectsStrings`: users, groups and `namespace/name` service accounts.
fn subjects_strings(obj: &Value) -> (Vec<&str>, Vec<&str>, Vec<String>) {
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for subject in at(obj, &["subjects"])
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
    {
        let name = s(subject, &["name"]);
        match s(subject, &["kind"]) {
            "ServiceAccount" => sas.push(format!("{}/{name}", s(subject, &["namespace"]))),
            "User" => users.push(name),
            "Group" => groups.push(name),
            _ => {}
        }
    }
    (users, groups, sas)
}

/// `printEvent`, over either event API's field names.
fn event_cells(group: &str, obj: &Value, now: Timestamp) -> Vec<Value> {
    let v1 = group == "events.k8s.io";
    let pick = |core: &'static str, events: &'static str| if v1 { events } else { core };
    let first_ts = at(obj, &[pick("firstTimestamp", "deprecatedFirstTimestamp")]);
    let last_ts = at(obj, &[pick("lastTimestamp", "deprecatedLastTimestamp")]);
    let mut first = translate_timestamp_since(first_ts, now);
    if parse_time(first_ts).is_none() {
        first = translate_timestamp_since(at(obj, &["eventTime"]), now);
    }
    let mut last = translate_timestamp_since(last_ts, now);
    if parse_time(last_ts).is_none() {
        last.clone_from(&first);
    }
    let mut count = at(obj, &[pick("count", "deprecatedCount")])
        .and_then(Value::as_i64)
        .unwrap_or(0);
    match at(obj, &["series"]).filter(|v| v.is_object()) {
        Some(series) => {
            last = translate_timestamp_since(at(series, &["lastObservedTime"]), now);
            count = at(series, &["count"]).and_then(Value::as_i64).unwrap_or(0);
        }
        // Singleton events of the new API have no count.
        None if count == 0 => count = 1,
        None => {}
    }
    let involved = pick("involvedObject", "regarding");
    let kind = s(obj, &[involved, "kind"]).to_lowercase();
    let involved_name = s(obj, &[involved, "name"]);
    let target = if involved_name.is_empty() {
        kind
    } else {
        format!("{kind}/{involved_name}")
    };
    let source_field = pick("source", "deprecatedSource");
    let component = first_non_empty(
        s(obj, &[source_field, "component"]),
        s(obj, &[pick("reportingComponent", "reportingController")]),
    );
    let instance = first_non_empty(
        s(obj, &[source_field, "host"]),
        s(obj, &["reportingInstance"]),
    );
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };
    let message = s(obj, &[pick("message", "note")]).trim();
    vec![
        json!(last),
        json!(s(obj, &["type"])),
        json!(s(obj, &["reason"])),
        json!(target),
        json!(s(obj, &[involved, "fieldPath"])),
        json!(source),
        json!(message),
        json!(first),
        json!(count),
        json!(s(obj, &["metadata", "name"])),
    ]
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

/// A timestamp field, unless unset or Go's zero time.
fn parse_time(v: Option<&Value>) -> Option<Timestamp> {
    const GO_ZERO_TIME_SECONDS: i64 = -62_135_596_800;
    v.and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok())
        .filter(|t| t.as_second() != GO_ZERO_TIME_SECONDS)
}

/// `translateTimestampSince`: `<unknown>` for an unset time, else the age.
fn translate_timestamp_since(v: Option<&Value>, now: Timestamp) -> String {
    match parse_time(v) {
        None => "<unknown>".to_string(),
        Some(t) => human_duration(now.as_nanosecond() - t.as_nanosecond()),
    }
}

/// `duration.HumanDuration`: a short age with two or three significant figures (`5m30s`,
/// `3h`, `2d4h`, `3y12d`); a time slightly in the future reads `0s`, further `<invalid>`.
pub fn human_duration(nanos: i128) -> String {
    const SECOND: i128 = 1_000_000_000;
    const MINUTE: i128 = 60 * SECOND;
    const HOUR: i128 = 60 * MINUTE;
    // Go truncates toward zero, as Rust's integer division does.
    let seconds = nanos / SECOND;
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = nanos / MINUTE;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = nanos / HOUR;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2024-06-01T12:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn names(cols: &[Value]) -> Vec<&str> {
        cols.iter()
            .map(|c| c["name"].as_str().unwrap_or(""))
            .collect()
    }

    #[test]
    fn human_durations_match_apimachinery() {
        const S: i128 = 1_000_000_000;
        let cases: &[(i128, &str)] = &[
            (-2 * S, "<invalid>"),
            (-S - S / 2, "0s"),
            (0, "0s"),
            (S, "1s"),
            (119 * S, "119s"),
            (120 * S, "2m"),
            (150 * S, "2m30s"),
            (10 * 60 * S, "10m"),
            (179 * 60 * S, "179m"),
            (3 * 3600 * S, "3h"),
            (3 * 3600 * S + 5 * 60 * S, "3h5m"),
            (8 * 3600 * S, "8h"),
            (47 * 3600 * S, "47h"),
            (48 * 3600 * S, "2d"),
            (50 * 3600 * S, "2d2h"),
            (8 * 24 * 3600 * S, "8d"),
            (729 * 24 * 3600 * S, "729d"),
            (730 * 24 * 3600 * S, "2y"),
            (740 * 24 * 3600 * S, "2y10d"),
            (8 * 365 * 24 * 3600 * S, "8y"),
        ];
        for (d, want) in cases {
            assert_eq!(human_duration(*d), *want, "{d}");
        }
    }

    #[test]
    fn namespace_table() {
        let cols = builtin_columns("", "namespaces");
        assert_eq!(names(&cols), vec!["Name", "Status", "Age"]);
        assert_eq!(cols[0]["format"], "name");
        assert_eq!(cols[1]["format"], "");
        assert_eq!(cols[1]["priority"], 0);
        let ns = json!({"metadata": {"name": "default", "creationTimestamp": "2024-06-01T11:55:00Z"}, "status": {"phase": "Active"}});
        assert_eq!(
            builtin_row_cells("", "namespaces", &ns, now()),
            vec![json!("default"), json!("Active"), json!("5m")]
        );
    }

    #[test]
    fn configmap_secret_serviceaccount_tables() {
        assert_eq!(
            names(&builtin_columns("", "configmaps")),
            vec!["Name", "Data", "Age"]
        );
        let cm = json!({"metadata": {"name": "kube-root-ca.crt", "creationTimestamp": "2024-05-30T12:00:00Z"}, "data": {"ca.crt": "x"}, "binaryData": {"b": "AA=="}});
        assert_eq!(
            builtin_row_cells("", "configmaps", &cm, now()),
            vec![json!("kube-root-ca.crt"), json!(2), json!("2d")]
        );

        assert_eq!(
            names(&builtin_columns("", "secrets")),
            vec!["Name", "Type", "Data", "Age"]
        );
        let secret = json!({"metadata": {"name": "tls", "creationTimestamp": "2024-06-01T11:59:30Z"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}});
        assert_eq!(
            builtin_row_cells("", "secrets", &secret, now()),
            vec![
                json!("tls"),
                json!("kubernetes.io/tls"),
                json!(2),
                json!("30s")
            ]
        );

        assert_eq!(
            names(&builtin_columns("", "serviceaccounts")),
            vec!["Name", "Secrets", "Age"]
        );
        let sa = json!({"metadata": {"name": "default"}});
        assert_eq!(
            builtin_row_cells("", "serviceaccounts", &sa, now()),
            vec![json!("default"), json!(0), json!("<unknown>")]
        );
    }

    #[test]
    fn lease_table() {
        assert_eq!(
            names(&builtin_columns("coordination.k8s.io", "leases")),
            vec!["Name", "Holder", "Age"]
        );
        let lease = json!({"metadata": {"name": "kube-scheduler", "creationTimestamp": "2024-06-01T09:00:00Z"}, "spec": {"holderIdentity": "node-1_1234"}});
        assert_eq!(
            builtin_row_cells("coordination.k8s.io", "leases", &lease, now()),
            vec![json!("kube-scheduler"), json!("node-1_1234"), json!("3h")]
        );
        let unheld = json!({"metadata": {"name": "l", "creationTimestamp": "2024-06-01T09:00:00Z"}, "spec": {}});
        assert_eq!(
            builtin_row_cells("coordination.k8s.io", "leases", &unheld, now())[1],
            json!("")
        );
    }

    #[test]
    fn binding_tables_are_wide() {
        let cols = builtin_columns("rbac.authorization.k8s.io", "rolebindings");
        assert_eq!(
            names(&cols),
            vec!["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"]
        );
        assert_eq!(cols[3]["priority"], 1);
        assert_eq!(cols[3]["description"], "Users in the roleBinding");
        let rb = json!({"metadata": {"name": "read-pods", "creationTimestamp": "2024-06-01T11:00:00Z"},
            "roleRef": {"kind": "Role", "name": "pod-reader", "apiGroup": "rbac.authorization.k8s.io"},
            "subjects": [{"kind": "User", "name": "jane"}, {"kind": "User", "name": "joe"}, {"kind": "Group", "name": "devs"}, {"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"}]});
        assert_eq!(
            builtin_row_cells("rbac.authorization.k8s.io", "rolebindings", &rb, now()),
            vec![
                json!("read-pods"),
                json!("Role/pod-reader"),
                json!("60m"),
                json!("jane, joe"),
                json!("devs"),
                json!("kube-system/default")
            ]
        );
        let crb_cols = builtin_columns("rbac.authorization.k8s.io", "clusterrolebindings");
        assert_eq!(
            crb_cols[5]["description"],
            "ServiceAccounts in the clusterRoleBinding"
        );
    }

    #[test]
    fn roles_use_the_default_table() {
        for resource in ["roles", "clusterroles"] {
            let cols = builtin_columns("rbac.authorization.k8s.io", resource);
            assert_eq!(names(&cols), vec!["Name", "Created At"]);
            assert_eq!(cols[1]["type"], "date");
        }
        let role =
            json!({"metadata": {"name": "admin", "creationTimestamp": "2024-01-02T03:04:05Z"}});
        assert_eq!(
            builtin_row_cells("rbac.authorization.k8s.io", "clusterroles", &role, now()),
            vec![json!("admin"), json!("2024-01-02T03:04:05Z")]
        );
        let widget = json!({"metadata": {"name": "w"}});
        assert_eq!(
            builtin_row_cells("example.com", "widgets", &widget, now()),
            vec![json!("w"), json!("0001-01-01T00:00:00Z")]
        );
        assert!(!has_builtin_printer("example.com", "widgets"));
    }

    #[test]
    fn core_event_rows() {
        let cols = builtin_columns("", "events");
        assert_eq!(
            names(&cols),
            vec![
                "Last Seen",
                "Type",
                "Reason",
                "Object",
                "Subobject",
                "Source",
                "Message",
                "First Seen",
                "Count",
                "Name"
            ]
        );
        let priorities: Vec<i64> = cols
            .iter()
            .map(|c| c["priority"].as_i64().unwrap_or(-1))
            .collect();
        assert_eq!(priorities, vec![0, 0, 0, 0, 1, 1, 0, 1, 1, 1]);
        let ev = json!({"metadata": {"name": "nginx.17d1", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "nginx", "fieldPath": "spec.containers{nginx}"},
            "reason": "Pulled", "message": "  Successfully pulled image \"nginx\"\n", "type": "Normal",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": "2024-06-01T11:00:00Z", "lastTimestamp": "2024-06-01T11:58:00Z", "count": 4});
        assert_eq!(
            builtin_row_cells("", "events", &ev, now()),
            vec![
                json!("2m"),
                json!("Normal"),
                json!("Pulled"),
                json!("pod/nginx"),
                json!("spec.containers{nginx}"),
                json!("kubelet, node-1"),
                json!("Successfully pulled image \"nginx\""),
                json!("60m"),
                json!(4),
                json!("nginx.17d1"),
            ]
        );
    }

    #[test]
    fn new_style_events_and_series() {
        // events.k8s.io/v1 names: eventTime only, reporting fields, singleton count 1.
        let ev = json!({"metadata": {"name": "e1"},
            "regarding": {"kind": "Node", "name": ""},
            "reason": "Rebooted", "note": "rebooted", "type": "Warning",
            "eventTime": "2024-06-01T11:59:50.000000Z", "reportingController": "kubelet", "reportingInstance": "node-2"});
        assert_eq!(
            builtin_row_cells("events.k8s.io", "events", &ev, now()),
            vec![
                json!("10s"),
                json!("Warning"),
                json!("Rebooted"),
                json!("node"),
                json!(""),
                json!("kubelet, node-2"),
                json!("rebooted"),
                json!("10s"),
                json!(1),
                json!("e1"),
            ]
        );
        let series = json!({"metadata": {"name": "e2"}, "involvedObject": {"kind": "Pod", "name": "p"},
            "eventTime": "2024-06-01T10:00:00.000000Z", "reportingComponent": "ctrl",
            "series": {"count": 7, "lastObservedTime": "2024-06-01T11:59:00.000000Z"}});
        let cells = builtin_row_cells("", "events", &series, now());
        assert_eq!(cells[0], json!("60s"));
        assert_eq!(cells[5], json!("ctrl"));
        assert_eq!(cells[7], json!("120m"));
        assert_eq!(cells[8], json!(7));
    }
}
