//! kcp's condition type (`reference/kcp.md` §3.0), which differs from `metav1.Condition`: it has
//! a `severity`, no `observedGeneration`, and `reason`/`message` are optional. Also the small
//! vocabulary controllers use on condition lists (find, set with kcp's ordering, summary).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde::{Deserialize, Serialize};

/// `True`, `False` or `Unknown`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConditionStatus {
    True,
    False,
    #[default]
    Unknown,
}

impl ConditionStatus {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        }
    }
}

/// How bad a `False` condition is; empty (`None`) when the condition is `True`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConditionSeverity {
    Error,
    Warning,
    Info,
    #[default]
    #[serde(rename = "")]
    None,
}

impl ConditionSeverity {
    fn is_none(&self) -> bool {
        *self == ConditionSeverity::None
    }
}

/// One condition. `lastTransitionTime` is not omitempty in Go: a missing time encodes as `null`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: ConditionStatus,
    #[serde(default, skip_serializing_if = "ConditionSeverity::is_none")]
    pub severity: ConditionSeverity,
    #[serde(default)]
    pub last_transition_time: Option<Time>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// The summary condition type.
pub const READY: &str = "Ready";

impl Condition {
    /// A `True` condition of `type_` (no severity, reason or message).
    pub fn true_(type_: &str) -> Self {
        Condition {
            type_: type_.to_owned(),
            status: ConditionStatus::True,
            ..Condition::default()
        }
    }

    /// A `False` condition with a reason, severity and message.
    pub fn false_(type_: &str, reason: &str, severity: ConditionSeverity, message: &str) -> Self {
        Condition {
            type_: type_.to_owned(),
            status: ConditionStatus::False,
            severity,
            reason: reason.to_owned(),
            message: message.to_owned(),
            last_transition_time: None,
        }
    }

    /// An `Unknown` condition with a reason and message.
    pub fn unknown(type_: &str, reason: &str, message: &str) -> Self {
        Condition {
            type_: type_.to_owned(),
            status: ConditionStatus::Unknown,
            reason: reason.to_owned(),
            message: message.to_owned(),
            ..Condition::default()
        }
    }

    /// Whether the two conditions say the same thing (ignoring the transition time).
    pub fn same_state(&self, other: &Condition) -> bool {
        self.type_ == other.type_
            && self.status == other.status
            && self.severity == other.severity
            && self.reason == other.reason
            && self.message == other.message
    }
}

/// The condition of `type_`, if present.
pub fn find<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Whether the condition of `type_` is present and `True`.
pub fn is_true(conditions: &[Condition], type_: &str) -> bool {
    find(conditions, type_).is_some_and(|c| c.status == ConditionStatus::True)
}

/// Whether the condition of `type_` is present and `False`.
pub fn is_false(conditions: &[Condition], type_: &str) -> bool {
    find(conditions, type_).is_some_and(|c| c.status == ConditionStatus::False)
}

/// Sets `condition` in the list: the transition time is kept when the status did not change and
/// set to `now` otherwise; the list stays ordered `Ready` first, then by type. Returns whether
/// anything changed.
pub fn set(conditions: &mut Vec<Condition>, mut condition: Condition, now: Time) -> bool {
    let changed = match conditions.iter_mut().find(|c| c.type_ == condition.type_) {
        Some(existing) => {
            if existing.same_state(&condition) {
                return false;
            }
            condition.last_transition_time = if existing.status == condition.status {
                existing.last_transition_time.clone()
            } else {
                Some(now)
            };
            *existing = condition;
            true
        }
        None => {
            condition.last_transition_time = Some(now);
            conditions.push(condition);
            true
        }
    };
    conditions.sort_by(|a, b| {
        (a.type_ != READY, a.type_.as_str()).cmp(&(b.type_ != READY, b.type_.as_str()))
    });
    changed
}

/// Removes the condition of `type_`; returns whether it was there.
pub fn delete(conditions: &mut Vec<Condition>, type_: &str) -> bool {
    let before = conditions.len();
    conditions.retain(|c| c.type_ != type_);
    before != conditions.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn time(s: &str) -> Time {
        serde_json::from_value(json!(s)).unwrap()
    }

    #[test]
    fn wire_shape() {
        let c = Condition::false_(
            "WorkspaceScheduled",
            "Unschedulable",
            ConditionSeverity::Error,
            "No available shards to schedule the workspace",
        );
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"type": "WorkspaceScheduled", "status": "False", "severity": "Error",
                   "lastTransitionTime": null, "reason": "Unschedulable",
                   "message": "No available shards to schedule the workspace"})
        );
        let back: Condition = serde_json::from_value(
            json!({"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-02T03:04:05Z"}),
        )
        .unwrap();
        assert_eq!(back.severity, ConditionSeverity::None);
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            json!({"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-02T03:04:05Z"})
        );
        let empty_sev: Condition = serde_json::from_value(
            json!({"type": "A", "status": "False", "severity": "", "lastTransitionTime": null}),
        )
        .unwrap();
        assert_eq!(empty_sev.severity, ConditionSeverity::None);
    }

    #[test]
    fn set_orders_and_keeps_time() {
        let mut list = Vec::new();
        let t1 = time("2026-01-01T00:00:00Z");
        let t2 = time("2026-01-02T00:00:00Z");
        assert!(set(
            &mut list,
            Condition::true_("WorkspaceScheduled"),
            t1.clone()
        ));
        assert!(set(&mut list, Condition::true_(READY), t1.clone()));
        assert!(set(
            &mut list,
            Condition::true_("APIBindingsInitialized"),
            t1.clone()
        ));
        let types: Vec<_> = list.iter().map(|c| c.type_.as_str()).collect();
        assert_eq!(
            types,
            ["Ready", "APIBindingsInitialized", "WorkspaceScheduled"]
        );
        assert!(!set(&mut list, Condition::true_(READY), t2.clone()));
        let mut c = Condition::true_(READY);
        c.message = "x".into();
        assert!(set(&mut list, c, t2.clone()));
        assert_eq!(find(&list, READY).unwrap().last_transition_time, Some(t1));
        assert!(set(
            &mut list,
            Condition::unknown(READY, "R", "m"),
            t2.clone()
        ));
        assert_eq!(find(&list, READY).unwrap().last_transition_time, Some(t2));
        assert!(!is_true(&list, READY) && is_true(&list, "WorkspaceScheduled"));
        assert!(delete(&mut list, READY) && !delete(&mut list, READY));
    }
}
