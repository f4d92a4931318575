//! Validation of Events, served as core/v1 `events` and as events.k8s.io/v1 `events` from one
//! storage, as `pkg/apis/core/validation/events.go`.
//!
//! Both versions convert to one internal Event before validation, so errors name the internal
//! fields whichever version the client spoke (`involvedObject.namespace`, `message`, `source`),
//! except `reportingController`, which core/v1 requests see under its v1 name
//! `reportingComponent`. Requests through core/v1 get only the lenient legacy checks; requests
//! through events.k8s.io/v1 also get the strict ones.

use serde_json::Value;

use super::json::{at, i64_at, is_empty, ordered, semantic_eq, str_at, time_value};
use super::meta::{FIELD_IMMUTABLE, validate_core_object_meta, validate_core_object_meta_update};
use super::names::{is_dns1123_subdomain, is_qualified_name, name_is_dns_subdomain};
use crate::errors::{FieldError, FieldPath};

const REPORTING_INSTANCE_LENGTH_LIMIT: usize = 128;
const ACTION_LENGTH_LIMIT: usize = 128;
const REASON_LENGTH_LIMIT: usize = 128;
const NOTE_LENGTH_LIMIT: usize = 1024;

/// Which API the request came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventApi {
    /// core/v1 `events`: legacy validation only.
    CoreV1,
    /// events.k8s.io/v1 `events`: legacy plus strict validation.
    EventsV1,
}

/// The internal Event's fields, read from either version's JSON.
struct Event<'a> {
    namespace: &'a str,
    involved_object: Option<&'a Value>,
    reason: &'a str,
    message: &'a str,
    source: Option<&'a Value>,
    first_timestamp: Option<&'a Value>,
    last_timestamp: Option<&'a Value>,
    count: Option<&'a Value>,
    event_time: Option<&'a Value>,
    series: Option<&'a Value>,
    action: &'a str,
    related: Option<&'a Value>,
    reporting_controller: &'a str,
    reporting_instance: &'a str,
    type_: &'a str,
}

impl<'a> Event<'a> {
    fn read(obj: &'a Value, api: EventApi) -> Self {
        let (involved, message, source, first, last, count, controller) = match api {
            EventApi::CoreV1 => (
                "involvedObject",
                "message",
                "source",
                "firstTimestamp",
                "lastTimestamp",
                "count",
                "reportingComponent",
            ),
            EventApi::EventsV1 => (
                "regarding",
                "note",
                "deprecatedSource",
                "deprecatedFirstTimestamp",
                "deprecatedLastTimestamp",
                "deprecatedCount",
                "reportingController",
            ),
        };
        Self {
            namespace: str_at(obj, &["metadata", "namespace"]),
            involved_object: at(obj, &[involved]),
            reason: str_at(obj, &["reason"]),
            message: str_at(obj, &[message]),
            source: at(obj, &[source]),
            first_timestamp: at(obj, &[first]),
            last_timestamp: at(obj, &[last]),
            count: at(obj, &[count]),
            event_time: at(obj, &["eventTime"]),
            series: at(obj, &["series"]).filter(|s| !s.is_null()),
            action: str_at(obj, &["action"]),
            related: at(obj, &["related"]).filter(|r| !r.is_null()),
            reporting_controller: str_at(obj, &[controller]),
            reporting_instance: str_at(obj, &["reportingInstance"]),
            type_: str_at(obj, &["type"]),
        }
    }

    fn involved_namespace(&self) -> &'a str {
        self.involved_object
            .map_or("", |o| str_at(o, &["namespace"]))
    }

    fn count_value(&self) -> i64 {
        self.count.and_then(Value::as_i64).unwrap_or(0)
    }
}

/// An internal `core.ObjectReference` as Go marshals it in an error: no JSON tags, so Go field
/// names and every field present.
fn object_reference_value(r: Option<&Value>) -> Value {
    let Some(r) = r.filter(|r| r.is_object()) else {
        return Value::Null;
    };
    ordered(
        [
            ("Kind", "kind"),
            ("Namespace", "namespace"),
            ("Name", "name"),
            ("UID", "uid"),
            ("APIVersion", "apiVersion"),
            ("ResourceVersion", "resourceVersion"),
            ("FieldPath", "fieldPath"),
        ]
        .into_iter()
        .map(|(go, json)| (go, Value::from(str_at(r, &[json]))))
        .collect(),
    )
}

fn event_source_value(s: Option<&Value>) -> Value {
    let s = s.unwrap_or(&Value::Null);
    ordered(vec![
        ("Component", Value::from(str_at(s, &["component"]))),
        ("Host", Value::from(str_at(s, &["host"]))),
    ])
}

fn p(name: &str) -> FieldPath {
    FieldPath::new(name)
}

/// `legacyValidateEvent`: namespaces agree and, for events with an `eventTime`, the reporting
/// fields are set and short enough.
fn legacy_validate(e: &Event<'_>, api: EventApi) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let controller_field = match api {
        EventApi::CoreV1 => "reportingComponent",
        EventApi::EventsV1 => "reportingController",
    };
    let involved_ns = e.involved_namespace();
    let mismatch = || {
        FieldError::invalid(
            &p("involvedObject").child("namespace"),
            involved_ns,
            "does not match event.namespace",
        )
    };
    if is_empty(e.event_time) {
        if involved_ns.is_empty() {
            // Old clients send "default" for events about cluster-scoped objects.
            if !e.namespace.is_empty() && e.namespace != "default" {
                errs.push(mismatch());
            }
        } else if e.namespace != involved_ns {
            errs.push(mismatch());
        }
    } else {
        if involved_ns.is_empty() && e.namespace != "default" && e.namespace != "kube-system" {
            errs.push(mismatch());
        }
        if e.reporting_controller.is_empty() {
            errs.push(FieldError::required(&p(controller_field), ""));
        }
        for msg in is_qualified_name(e.reporting_controller) {
            errs.push(FieldError::invalid(
                &p(controller_field),
                e.reporting_controller,
                &msg,
            ));
        }
        if e.reporting_instance.is_empty() {
            errs.push(FieldError::required(&p("reportingInstance"), ""));
        }
        let too_long = |len: usize, limit: usize| {
            (len > limit).then(|| format!("can have at most {limit} characters"))
        };
        if let Some(msg) = too_long(e.reporting_instance.len(), REPORTING_INSTANCE_LENGTH_LIMIT) {
            errs.push(FieldError::invalid(&p("reportingInstance"), "", &msg));
        }
        if e.action.is_empty() {
            errs.push(FieldError::required(&p("action"), ""));
        }
        if let Some(msg) = too_long(e.action.len(), ACTION_LENGTH_LIMIT) {
            errs.push(FieldError::invalid(&p("action"), "", &msg));
        }
        if e.reason.is_empty() {
            errs.push(FieldError::required(&p("reason"), ""));
        }
        if let Some(msg) = too_long(e.reason.len(), REASON_LENGTH_LIMIT) {
            errs.push(FieldError::invalid(&p("reason"), "", &msg));
        }
        if let Some(msg) = too_long(e.message.len(), NOTE_LENGTH_LIMIT) {
            errs.push(FieldError::invalid(&p("message"), "", &msg));
        }
    }
    for msg in is_dns1123_subdomain(e.namespace) {
        errs.push(FieldError::invalid(&p("namespace"), e.namespace, &msg));
    }
    errs
}

/// `validateV1EventSeries`.
fn validate_series(e: &Event<'_>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(series) = e.series {
        if i64_at(series, &["count"]).unwrap_or(0) < 2 {
            errs.push(FieldError::invalid(
                &p("series.count"),
                "",
                "should be at least 2",
            ));
        }
        if is_empty(at(series, &["lastObservedTime"])) {
            errs.push(FieldError::required(&p("series.lastObservedTime"), ""));
        }
    }
    errs
}

/// `ValidateEventCreate`.
pub fn validate_event(obj: &Value, api: EventApi) -> Vec<FieldError> {
    let e = Event::read(obj, api);
    let mut errs = legacy_validate(&e, api);
    if api == EventApi::CoreV1 {
        // No further validation, for compatibility with old clients.
        return errs;
    }
    errs.extend(validate_core_object_meta(
        obj,
        true,
        name_is_dns_subdomain,
        &p("metadata"),
    ));
    errs.extend(validate_series(&e));
    if is_empty(e.event_time) {
        errs.push(FieldError::required(&p("eventTime"), ""));
    }
    if e.type_ != "Normal" && e.type_ != "Warning" {
        errs.push(FieldError::invalid(
            &p("type"),
            "",
            &format!("has invalid value: {}", e.type_),
        ));
    }
    for (field, value) in [
        ("firstTimestamp", e.first_timestamp),
        ("lastTimestamp", e.last_timestamp),
    ] {
        if !is_empty(value) {
            errs.push(FieldError::invalid(&p(field), "", "needs to be unset"));
        }
    }
    if e.count_value() != 0 {
        errs.push(FieldError::invalid(&p("count"), "", "needs to be unset"));
    }
    let source = e.source.unwrap_or(&Value::Null);
    if !str_at(source, &["component"]).is_empty() || !str_at(source, &["host"]).is_empty() {
        errs.push(FieldError::invalid(&p("source"), "", "needs to be unset"));
    }
    errs
}

/// Whether two `MicroTime`s differ beyond the microsecond (clients that truncate to
/// microseconds must be able to round-trip an event).
fn micro_time_changed(a: Option<&Value>, b: Option<&Value>) -> bool {
    let micros = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(super::json::parse_time)
            .map(|t| t.as_microsecond())
    };
    match (micros(a), micros(b)) {
        (Some(x), Some(y)) => x != y,
        _ => !semantic_eq(a, b),
    }
}

/// `ValidateEventUpdate`.
pub fn validate_event_update(new: &Value, old: &Value, api: EventApi) -> Vec<FieldError> {
    let n = Event::read(new, api);
    let o = Event::read(old, api);
    let mut errs = legacy_validate(&n, api);
    if api == EventApi::CoreV1 {
        return errs;
    }
    errs.extend(validate_core_object_meta_update(new, old, &p("metadata")));
    if !semantic_eq(n.series, o.series) {
        errs.extend(validate_series(&n));
    }
    let mut immutable = |field: &str, changed: bool, value: Value| {
        if changed {
            errs.push(FieldError::invalid(&p(field), value, FIELD_IMMUTABLE));
        }
    };
    immutable(
        "involvedObject",
        !semantic_eq(n.involved_object, o.involved_object),
        object_reference_value(n.involved_object),
    );
    immutable("reason", n.reason != o.reason, n.reason.into());
    immutable("message", n.message != o.message, n.message.into());
    immutable(
        "source",
        !semantic_eq(n.source, o.source),
        event_source_value(n.source),
    );
    immutable(
        "firstTimestamp",
        !semantic_eq(n.first_timestamp, o.first_timestamp),
        time_value(n.first_timestamp),
    );
    immutable(
        "lastTimestamp",
        !semantic_eq(n.last_timestamp, o.last_timestamp),
        time_value(n.last_timestamp),
    );
    immutable(
        "count",
        n.count_value() != o.count_value(),
        n.count_value().into(),
    );
    // Upstream checks the reason twice; the duplicate collapses in the message.
    immutable("reason", n.reason != o.reason, n.reason.into());
    immutable("type", n.type_ != o.type_, n.type_.into());
    immutable(
        "eventTime",
        micro_time_changed(n.event_time, o.event_time),
        time_value(n.event_time),
    );
    immutable("action", n.action != o.action, n.action.into());
    immutable(
        "related",
        !semantic_eq(n.related, o.related),
        object_reference_value(n.related),
    );
    immutable(
        "reportingController",
        n.reporting_controller != o.reporting_controller,
        n.reporting_controller.into(),
    );
    immutable(
        "reportingInstance",
        n.reporting_instance != o.reporting_instance,
        n.reporting_instance.into(),
    );
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn v1_event() -> Value {
        json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "pod.17a", "namespace": "default"},
            "eventTime": "2024-05-01T10:00:00.000000Z",
            "reportingController": "kubelet", "reportingInstance": "node-1",
            "action": "Pulling", "reason": "Pulling", "type": "Normal",
            "regarding": {"kind": "Pod", "namespace": "default", "name": "p"},
            "note": "pulling image"
        })
    }

    #[test]
    fn core_events_are_lenient() {
        // Legacy events: no eventTime, the namespace must match the involved object's.
        let ev = json!({"metadata": {"name": "x", "namespace": "default"}, "involvedObject": {"kind": "Pod", "namespace": "default", "name": "p"}, "reason": "Started"});
        assert!(validate_event(&ev, EventApi::CoreV1).is_empty());
        let ev = json!({"metadata": {"name": "x", "namespace": "other"}, "involvedObject": {"kind": "Pod", "namespace": "default", "name": "p"}});
        assert_eq!(
            msgs(&validate_event(&ev, EventApi::CoreV1)),
            vec![
                r#"involvedObject.namespace: Invalid value: "default": does not match event.namespace"#
            ]
        );
        // Cluster-scoped objects: the event may live in "default".
        let ev = json!({"metadata": {"name": "x", "namespace": "default"}, "involvedObject": {"kind": "Node", "name": "n"}});
        assert!(validate_event(&ev, EventApi::CoreV1).is_empty());
    }

    #[test]
    fn core_events_with_event_time_need_reporting_fields() {
        let ev = json!({"metadata": {"name": "x", "namespace": "default"}, "eventTime": "2024-05-01T10:00:00.000000Z", "involvedObject": {"kind": "Pod", "namespace": "default", "name": "p"}});
        let got = msgs(&validate_event(&ev, EventApi::CoreV1));
        assert_eq!(got[0], "reportingComponent: Required value");
        assert!(
            got[1].starts_with(
                r#"reportingComponent: Invalid value: "": name part must be non-empty"#
            )
        );
        assert!(
            got[2].starts_with(r#"reportingComponent: Invalid value: "": name part must consist"#)
        );
        assert_eq!(
            &got[3..],
            &[
                "reportingInstance: Required value",
                "action: Required value",
                "reason: Required value"
            ]
        );
    }

    #[test]
    fn events_v1_strict_rules() {
        assert!(validate_event(&v1_event(), EventApi::EventsV1).is_empty());
        let mut ev = v1_event();
        ev["type"] = json!("Info");
        ev["deprecatedCount"] = json!(3);
        ev["deprecatedSource"] = json!({"component": "kubelet"});
        ev["series"] = json!({"count": 1});
        ev["note"] = json!("x".repeat(1025));
        assert_eq!(
            msgs(&validate_event(&ev, EventApi::EventsV1)),
            vec![
                r#"message: Invalid value: "": can have at most 1024 characters"#,
                r#"series.count: Invalid value: "": should be at least 2"#,
                "series.lastObservedTime: Required value",
                r#"type: Invalid value: "": has invalid value: Info"#,
                r#"count: Invalid value: "": needs to be unset"#,
                r#"source: Invalid value: "": needs to be unset"#,
            ]
        );
        let mut ev = v1_event();
        ev.as_object_mut().map(|o| o.remove("eventTime"));
        ev["metadata"]["name"] = json!("Bad_Name");
        let got = msgs(&validate_event(&ev, EventApi::EventsV1));
        assert!(got[0].starts_with(r#"metadata.name: Invalid value: "Bad_Name""#));
        assert_eq!(got[1], "eventTime: Required value");
    }

    #[test]
    fn events_v1_update_is_mostly_immutable() {
        let old = {
            let mut e = v1_event();
            e["metadata"]["resourceVersion"] = json!("3");
            e
        };
        let mut new = old.clone();
        new["note"] = json!("changed");
        new["regarding"]["name"] = json!("q");
        new["eventTime"] = json!("2024-05-01T10:00:00.0000004Z");
        assert_eq!(
            msgs(&validate_event_update(&new, &old, EventApi::EventsV1)),
            vec![
                r#"involvedObject: Invalid value: {"Kind":"Pod","Namespace":"default","Name":"q","UID":"","APIVersion":"","ResourceVersion":"","FieldPath":""}: field is immutable"#,
                r#"message: Invalid value: "changed": field is immutable"#,
            ]
        );
        // core/v1 updates only get the legacy checks.
        assert!(
            validate_event_update(
                &json!({"metadata": {"name": "x", "namespace": "default"}, "message": "a"}),
                &json!({"metadata": {"name": "x", "namespace": "default"}, "message": "b"}),
                EventApi::CoreV1
            )
            .is_empty()
        );
    }
}
