//! Events: one resource served as core/v1 `events` and events.k8s.io/v1 `events`, stored once
//! in core/v1 form under core's keys, as kube-apiserver does
//! (`pkg/apis/events/v1/conversion.go` over the internal `core.Event`).
//!
//! Every field of either version has a counterpart in the other, so the conversion is lossless:
//! seven fields are renamed (see [`RENAMED`]); `metadata`, `reason`, `type`, `eventTime`,
//! `series`, `action`, `related` and `reportingInstance` are the same in both. Objects here are
//! kept sparse (absent rather than Go's zero values, as the decoder stores them), so only the
//! fields present are converted; an empty string or zero count in a field the target version
//! omits when empty is left out, as Go's encoder would.

use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use super::{Conversion, VersionSchema};

pub const CORE: &str = "v1";
pub const EVENTS_V1: &str = "events.k8s.io/v1";

/// The one conversion both Event resources share: stored as core/v1.
pub fn conversion() -> Arc<Conversion> {
    static CONVERSION: OnceLock<Arc<Conversion>> = OnceLock::new();
    let event = |group, version| VersionSchema::Builtin {
        group,
        version,
        kind: "Event",
    };
    CONVERSION
        .get_or_init(|| {
            Arc::new(Conversion {
                field_label: stored_field_label,
                ..Conversion::new(
                    "",
                    "v1",
                    convert,
                    vec![event("", "v1"), event("events.k8s.io", "v1")],
                )
            })
        })
        .clone()
}

/// `(core/v1 field, events.k8s.io/v1 field, omitted when empty in core, … in events.k8s.io)`.
const RENAMED: [(&str, &str, bool, bool); 7] = [
    ("involvedObject", "regarding", false, false),
    ("message", "note", true, true),
    ("source", "deprecatedSource", false, false),
    ("firstTimestamp", "deprecatedFirstTimestamp", false, false),
    ("lastTimestamp", "deprecatedLastTimestamp", false, false),
    ("count", "deprecatedCount", true, true),
    // The internal field is `ReportingController`; core/v1 keeps its older JSON name.
    ("reportingComponent", "reportingController", false, true),
];

/// The [`super::Converter`] of events.
pub fn convert(obj: &mut Value, to: &str) -> Result<(), String> {
    let from = super::api_version_of(obj).to_string();
    let Some(o) = obj.as_object_mut() else {
        return Err("not an object".into());
    };
    match (from.as_str(), to) {
        (f, t) if f == t => {}
        (CORE | "", EVENTS_V1) => rename(o, |(core, events, _, omit)| (core, events, omit)),
        (EVENTS_V1 | "", CORE) => rename(o, |(core, events, omit, _)| (events, core, omit)),
        (f, t) => return Err(format!("no conversion from {f:?} to {t:?}")),
    }
    o.insert("apiVersion".into(), Value::from(to));
    Ok(())
}

fn rename(
    o: &mut Map<String, Value>,
    direction: impl Fn((&'static str, &'static str, bool, bool)) -> (&'static str, &'static str, bool),
) {
    for field in RENAMED {
        let (from, to, omit_empty) = direction(field);
        // A field already named for the target version wins over its other name.
        let value = o.remove(from);
        if o.contains_key(to) {
            continue;
        }
        match value {
            Some(v) if omit_empty && is_empty(&v) => {}
            Some(v) => {
                o.insert(to.into(), v);
            }
            None => {}
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

/// The field selectors events.k8s.io/v1 accepts besides `metadata.name` and
/// `metadata.namespace` (`AddFieldLabelConversionsForEvent` in `pkg/apis/events/v1`).
pub const EVENTS_V1_FIELD_LABELS: &[&str] = &[
    "reason",
    "regarding.kind",
    "regarding.namespace",
    "regarding.name",
    "regarding.uid",
    "regarding.apiVersion",
    "regarding.resourceVersion",
    "regarding.fieldPath",
    "reportingController",
    "source",
    "type",
];

/// The field selectors core/v1 accepts besides `metadata.name` and `metadata.namespace`: the
/// labels of kube's `ToSelectableFields` over the internal Event.
pub const CORE_FIELD_LABELS: &[&str] = &[
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
];

/// An events.k8s.io/v1 field label as the core/v1 label of the same field ([`super::FieldLabel`]).
pub fn stored_field_label<'a>(api_version: &str, label: &'a str) -> &'a str {
    if api_version != EVENTS_V1 {
        return label;
    }
    if label == "reportingController" {
        return "reportingComponent";
    }
    match label.strip_prefix("regarding.") {
        Some(rest) => CORE_FIELD_LABELS
            .iter()
            .find(|l| l.strip_prefix("involvedObject.") == Some(rest))
            .copied()
            .unwrap_or(label),
        None => label,
    }
}

/// A field label's value on a stored (core/v1) Event, where it is not the field at its path:
/// `source` is the source component, else the reporting controller (kube's
/// `ToSelectableFields`). `None` for the labels that are plain paths.
pub fn stored_field_value(obj: &Value, label: &str) -> Option<String> {
    if label != "source" {
        return None;
    }
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let component = s(obj.pointer("/source/component"));
    Some(if component.is_empty() {
        s(obj.get("reportingComponent"))
    } else {
        component
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn full_core() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "ns", "labels": {"a": "b"}},
            "involvedObject": {"kind": "ConfigMap", "namespace": "ns", "name": "cm", "uid": "u",
                "apiVersion": "v1", "resourceVersion": "3", "fieldPath": "data"},
            "reason": "Synced", "message": "hello",
            "source": {"component": "ctl", "host": "h"},
            "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:01:00Z",
            "count": 3, "type": "Normal", "eventTime": "2026-01-01T00:00:00.000001Z",
            "series": {"count": 2, "lastObservedTime": "2026-01-01T00:02:00.000000Z"},
            "action": "Sync", "related": {"kind": "Pod", "name": "p"},
            "reportingComponent": "ctl", "reportingInstance": "ctl-1",
        })
    }

    fn full_events_v1() -> Value {
        json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "ns", "labels": {"a": "b"}},
            "regarding": {"kind": "ConfigMap", "namespace": "ns", "name": "cm", "uid": "u",
                "apiVersion": "v1", "resourceVersion": "3", "fieldPath": "data"},
            "reason": "Synced", "note": "hello",
            "deprecatedSource": {"component": "ctl", "host": "h"},
            "deprecatedFirstTimestamp": "2026-01-01T00:00:00Z",
            "deprecatedLastTimestamp": "2026-01-01T00:01:00Z",
            "deprecatedCount": 3, "type": "Normal", "eventTime": "2026-01-01T00:00:00.000001Z",
            "series": {"count": 2, "lastObservedTime": "2026-01-01T00:02:00.000000Z"},
            "action": "Sync", "related": {"kind": "Pod", "name": "p"},
            "reportingController": "ctl", "reportingInstance": "ctl-1",
        })
    }

    #[test]
    fn every_core_field_has_its_events_v1_counterpart() {
        let mut v = full_core();
        convert(&mut v, EVENTS_V1).unwrap();
        assert_eq!(v, full_events_v1());
    }

    #[test]
    fn every_events_v1_field_has_its_core_counterpart() {
        let mut v = full_events_v1();
        convert(&mut v, CORE).unwrap();
        assert_eq!(v, full_core());
    }

    #[test]
    fn each_rename_on_its_own() {
        for (core, events, _, _) in RENAMED {
            let mut v = json!({"apiVersion": "v1", core: "x"});
            convert(&mut v, EVENTS_V1).unwrap();
            assert_eq!(v, json!({"apiVersion": EVENTS_V1, events: "x"}), "{core}");
            convert(&mut v, CORE).unwrap();
            assert_eq!(v, json!({"apiVersion": "v1", core: "x"}), "{events}");
        }
    }

    #[test]
    fn empty_values_are_omitted_where_the_target_omits_them() {
        // core/v1 keeps `reportingComponent` even when empty; events.k8s.io/v1 omits it.
        let mut v =
            json!({"apiVersion": "v1", "message": "", "count": 0, "reportingComponent": ""});
        convert(&mut v, EVENTS_V1).unwrap();
        assert_eq!(v, json!({"apiVersion": EVENTS_V1}));
        let mut v = json!({"apiVersion": EVENTS_V1, "reportingController": ""});
        convert(&mut v, CORE).unwrap();
        assert_eq!(v, json!({"apiVersion": "v1", "reportingComponent": ""}));
    }

    #[test]
    fn converting_to_the_same_version_changes_nothing() {
        let mut v = full_core();
        convert(&mut v, CORE).unwrap();
        assert_eq!(v, full_core());
        assert!(convert(&mut json!({"apiVersion": "v2"}), CORE).is_err());
    }

    #[test]
    fn events_v1_field_labels_name_core_fields() {
        for label in EVENTS_V1_FIELD_LABELS {
            let stored = stored_field_label(EVENTS_V1, label);
            assert!(CORE_FIELD_LABELS.contains(&stored), "{label} → {stored}");
        }
        assert_eq!(
            stored_field_label(EVENTS_V1, "regarding.name"),
            "involvedObject.name"
        );
        assert_eq!(
            stored_field_label(EVENTS_V1, "reportingController"),
            "reportingComponent"
        );
        assert_eq!(
            stored_field_label(CORE, "reportingComponent"),
            "reportingComponent"
        );
    }

    #[test]
    fn source_selects_the_component_else_the_reporting_controller() {
        let v = json!({"source": {"component": "kubelet"}, "reportingComponent": "ctl"});
        assert_eq!(stored_field_value(&v, "source").as_deref(), Some("kubelet"));
        let v = json!({"reportingComponent": "ctl"});
        assert_eq!(stored_field_value(&v, "source").as_deref(), Some("ctl"));
        assert_eq!(stored_field_value(&v, "reason"), None);
    }
}
