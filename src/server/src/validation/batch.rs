//! batch/v1 Jobs and CronJobs, as `pkg/apis/batch/validation`: the generated selector, counts,
//! completion modes, the template (restart policy `OnFailure` or `Never`), the immutable parts
//! of a Job, and a CronJob's schedule parsed the way `robfig/cron/v3`'s standard parser does,
//! with its error texts.

use serde_json::Value;

use super::json::{at, semantic_eq, str_at};
use super::meta::{FIELD_IMMUTABLE, validate_core_object_meta, validate_core_object_meta_update};
use super::names::name_is_dns_subdomain;
use super::pod::validate_pod_template_spec;
use super::selector::{
    go_label_selector, invalid_raw, nonnegative, selector_matches_template, validate_label_selector,
};
use crate::errors::{FieldError, FieldPath};

fn md() -> FieldPath {
    FieldPath::new("metadata")
}

const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
const LEGACY_CONTROLLER_UID: &str = "controller-uid";

/// `validateJobSpec`: the rules a Job and a CronJob's job template share; `obj` holds the
/// JobSpec at `spec_at`, reported under `path`.
fn job_spec_common(obj: &Value, spec_at: &[&str], path: &FieldPath) -> Vec<FieldError> {
    let at_key = |k: &'static str| -> Vec<&str> {
        let mut p = spec_at.to_vec();
        p.push(k);
        p
    };
    let mut errs = Vec::new();
    for key in [
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
        "backoffLimitPerIndex",
        "maxFailedIndexes",
    ] {
        errs.extend(nonnegative(obj, &at_key(key), &path.child(key)));
    }
    let mode = at(obj, &at_key("completionMode")).and_then(Value::as_str);
    if let Some(m) = mode {
        if m != "NonIndexed" && m != "Indexed" {
            errs.push(FieldError::not_supported(
                &path.child("completionMode"),
                m,
                &["NonIndexed", "Indexed"],
            ));
        }
        if m == "Indexed" && at(obj, &at_key("completions")).is_none_or(Value::is_null) {
            errs.push(FieldError::required(
                &path.child("completions"),
                "when completion mode is Indexed",
            ));
        }
    }
    if at(obj, &at_key("backoffLimitPerIndex")).is_some_and(|v| !v.is_null())
        && mode != Some("Indexed")
    {
        errs.push(FieldError::forbidden(
            &path.child("backoffLimitPerIndex"),
            "requires indexed completion mode",
        ));
    }
    if let Some(Value::String(p)) = at(obj, &at_key("podReplacementPolicy")) {
        let allowed: &[&str] = if at(obj, &at_key("podFailurePolicy")).is_some_and(|v| !v.is_null())
        {
            &["Failed"]
        } else {
            &["TerminatingOrFailed", "Failed"]
        };
        if !allowed.contains(&p.as_str()) {
            errs.push(FieldError::not_supported(
                &path.child("podReplacementPolicy"),
                p.as_str(),
                allowed,
            ));
        }
    }
    let tp = path.child("template");
    let template = at(obj, &at_key("template")).cloned().unwrap_or(Value::Null);
    errs.extend(validate_pod_template_spec(&template, &tp, &[]));
    let policy = str_at(&template, &["spec", "restartPolicy"]);
    if policy != "OnFailure" && policy != "Never" {
        errs.push(FieldError::not_supported(
            &tp.child("spec").child("restartPolicy"),
            policy,
            &["OnFailure", "Never"],
        ));
    }
    errs
}

/// What the Job strategy's `generateSelector` would produce, for validating a Job whose
/// create path did not call [`crate::defaulting::prepare_for_create`].
fn with_generated_selector(obj: &Value) -> Value {
    let mut copy = obj.clone();
    let has_selector = at(obj, &["spec", "selector", "matchLabels", CONTROLLER_UID]).is_some();
    if !has_selector {
        crate::defaulting::prepare_for_create("batch", "jobs", &mut copy);
    }
    copy
}

/// `ValidateJob` on create: metadata, the generated selector's labels, the spec.
pub fn validate_job(obj: &Value) -> Vec<FieldError> {
    let obj = &with_generated_selector(obj);
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    errs.extend(generated_selector(obj));
    errs.extend(job_spec(obj));
    errs
}

/// `validateGeneratedSelector`: unless the selector is manual, the uid labels must be there.
fn generated_selector(obj: &Value) -> Vec<FieldError> {
    if at(obj, &["spec", "manualSelector"]).and_then(Value::as_bool) == Some(true) {
        return Vec::new();
    }
    let uid = str_at(obj, &["metadata", "uid"]);
    if uid.is_empty() {
        return vec![FieldError::required(&md().child("uid"), "")];
    }
    let mut errs = Vec::new();
    let tl = FieldPath::new("spec")
        .child("template")
        .child("metadata")
        .child("labels");
    for key in [LEGACY_CONTROLLER_UID, CONTROLLER_UID] {
        errs.extend(has_label(
            at(obj, &["spec", "template", "metadata", "labels", key]),
            &tl.key(key),
            uid,
        ));
    }
    if at(obj, &["spec", "selector"]).is_some_and(Value::is_object) {
        errs.extend(has_label(
            at(obj, &["spec", "selector", "matchLabels", CONTROLLER_UID]),
            &FieldPath::new("spec")
                .child("selector")
                .child("matchLabels")
                .key(CONTROLLER_UID),
            uid,
        ));
    }
    errs
}

/// `ValidateHasLabel`.
fn has_label(actual: Option<&Value>, path: &FieldPath, expected: &str) -> Vec<FieldError> {
    match actual.and_then(Value::as_str) {
        None => vec![FieldError::required(path, &format!("must be '{expected}'"))],
        Some(v) if v != expected => vec![FieldError::invalid(
            path,
            v,
            &format!("must be '{expected}'"),
        )],
        Some(_) => Vec::new(),
    }
}

/// `ValidateJobSpec`: the shared rules, a required valid selector matching the template.
fn job_spec(obj: &Value) -> Vec<FieldError> {
    let sp = FieldPath::new("spec");
    let mut errs = job_spec_common(obj, &["spec"], &sp);
    let sel = at(obj, &["spec", "selector"]).filter(|s| s.is_object());
    match sel {
        None => errs.push(FieldError::required(&sp.child("selector"), "")),
        Some(s) => errs.extend(validate_label_selector(Some(s), &sp.child("selector"))),
    }
    errs.extend(selector_matches_template(
        obj,
        &["spec", "selector"],
        &["spec", "template", "metadata", "labels"],
        &sp.child("template").child("metadata").child("labels"),
        false,
    ));
    errs
}

/// `ValidateJobUpdate`: metadata, the spec again, and the immutable fields.
pub fn validate_job_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    errs.extend(job_spec(new));
    let sp = FieldPath::new("spec");
    let get = |v: &'_ Value, k: &str| at(v, &["spec", k]).cloned();
    for key in ["completions", "completionMode"] {
        let (n, o) = (get(new, key), get(old, key));
        if !semantic_eq(n.as_ref(), o.as_ref()) {
            errs.push(FieldError::invalid(
                &sp.child(key),
                n.unwrap_or(Value::Null),
                FIELD_IMMUTABLE,
            ));
        }
    }
    if !semantic_eq(
        at(new, &["spec", "selector"]),
        at(old, &["spec", "selector"]),
    ) {
        errs.push(invalid_raw(
            &sp.child("selector"),
            &go_label_selector(at(new, &["spec", "selector"])),
            FIELD_IMMUTABLE,
        ));
    }
    if !semantic_eq(
        at(new, &["spec", "template"]),
        at(old, &["spec", "template"]),
    ) {
        // kube prints the whole internal PodTemplateSpec with %#v here; the field and the
        // reason are what clients act on.
        errs.push(invalid_raw(
            &sp.child("template"),
            "core.PodTemplateSpec{…}",
            FIELD_IMMUTABLE,
        ));
    }
    errs
}

/// `ValidateCronJobCreate`.
pub fn validate_cron_job(obj: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta(obj, true, name_is_dns_subdomain, &md());
    errs.extend(cron_job_spec(obj, None));
    let name = str_at(obj, &["metadata", "name"]);
    if name.len() > 52 {
        errs.push(FieldError::invalid(
            &md().child("name"),
            name,
            "must be no more than 52 characters",
        ));
    }
    errs
}

/// `ValidateCronJobUpdate`.
pub fn validate_cron_job_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = validate_core_object_meta_update(new, old, &md());
    errs.extend(cron_job_spec(new, Some(old)));
    errs
}

fn cron_job_spec(obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let sp = FieldPath::new("spec");
    let mut errs = Vec::new();
    let schedule = str_at(obj, &["spec", "schedule"]);
    let time_zone = at(obj, &["spec", "timeZone"]).and_then(Value::as_str);
    if schedule.is_empty() {
        errs.push(FieldError::required(&sp.child("schedule"), ""));
    } else {
        let allow_tz = old.is_some_and(|o| str_at(o, &["spec", "schedule"]).contains("TZ"));
        if let Err(e) = parse_standard(schedule) {
            errs.push(FieldError::invalid(&sp.child("schedule"), schedule, &e));
        }
        if allow_tz && schedule.contains("TZ") && time_zone.is_some() {
            errs.push(FieldError::invalid(
                &sp.child("schedule"),
                schedule,
                "cannot use both timeZone field and TZ or CRON_TZ in schedule",
            ));
        } else if !allow_tz && schedule.contains("TZ") {
            errs.push(FieldError::invalid(
                &sp.child("schedule"),
                schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            ));
        }
    }
    errs.extend(nonnegative(
        obj,
        &["spec", "startingDeadlineSeconds"],
        &sp.child("startingDeadlineSeconds"),
    ));
    let policy = str_at(obj, &["spec", "concurrencyPolicy"]);
    match policy {
        "Allow" | "Forbid" | "Replace" => {}
        "" => errs.push(FieldError::required(&sp.child("concurrencyPolicy"), "")),
        other => errs.push(FieldError::not_supported(
            &sp.child("concurrencyPolicy"),
            other,
            &["Allow", "Forbid", "Replace"],
        )),
    }
    let jp = sp.child("jobTemplate").child("spec");
    errs.extend(job_spec_common(obj, &["spec", "jobTemplate", "spec"], &jp));
    if let Some(sel) =
        at(obj, &["spec", "jobTemplate", "spec", "selector"]).filter(|s| s.is_object())
    {
        errs.push(invalid_raw(
            &jp.child("selector"),
            &go_label_selector(Some(sel)),
            "`selector` will be auto-generated",
        ));
    }
    if at(obj, &["spec", "jobTemplate", "spec", "manualSelector"]).and_then(Value::as_bool)
        == Some(true)
    {
        errs.push(FieldError::not_supported(
            &jp.child("manualSelector"),
            true,
            &["nil", "false"],
        ));
    }
    for key in ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
        errs.extend(nonnegative(obj, &["spec", key], &sp.child(key)));
    }
    if let Some(tz) = time_zone {
        let tp = sp.child("timeZone");
        if tz.is_empty() {
            errs.push(FieldError::invalid(
                &tp,
                tz,
                "timeZone must be nil or non-empty string",
            ));
        } else if tz != "UTC" && tz != "Local" && jiff::tz::TimeZone::get(tz).is_err() {
            errs.push(FieldError::invalid(
                &tp,
                tz,
                &format!("unknown time zone {tz}"),
            ));
        } else if tz.contains(' ') || tz.starts_with('/') {
            errs.push(FieldError::invalid(
                &tp,
                tz,
                "unknown time zone, must be a valid IANA time zone name",
            ));
        }
    }
    errs
}

/// One field of a standard cron spec: its bounds and month or weekday names.
struct Bounds {
    min: u64,
    max: u64,
    names: &'static [(&'static str, u64)],
}

const MONTHS: &[(&str, u64)] = &[
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("may", 5),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];
const DAYS: &[(&str, u64)] = &[
    ("sun", 0),
    ("mon", 1),
    ("tue", 2),
    ("wed", 3),
    ("thu", 4),
    ("fri", 5),
    ("sat", 6),
];

/// `cron.ParseStandard`: `Ok` or the parser's error text.
pub fn parse_standard(spec: &str) -> Result<(), String> {
    if spec.is_empty() {
        return Err("empty spec string".to_string());
    }
    let mut spec = spec;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let (tz, rest) = spec.split_once(' ').unwrap_or((spec, ""));
        let name = tz.split_once('=').map_or("", |(_, n)| n);
        if name != "UTC" && name != "Local" && jiff::tz::TimeZone::get(name).is_err() {
            return Err(format!(
                "provided bad location {name}: unknown time zone {name}"
            ));
        }
        spec = rest.trim();
    }
    if let Some(descriptor) = spec.strip_prefix('@') {
        return match descriptor {
            "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly" => {
                Ok(())
            }
            d if d.starts_with("every ") => {
                let dur = &spec[7..];
                if go_duration_ok(dur) {
                    Ok(())
                } else {
                    Err(format!(
                        "failed to parse duration {spec}: time: invalid duration {:?}",
                        dur
                    ))
                }
            }
            _ => Err(format!("unrecognized descriptor: {spec}")),
        };
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    let bounds = [
        Bounds {
            min: 0,
            max: 59,
            names: &[],
        },
        Bounds {
            min: 0,
            max: 23,
            names: &[],
        },
        Bounds {
            min: 1,
            max: 31,
            names: &[],
        },
        Bounds {
            min: 1,
            max: 12,
            names: MONTHS,
        },
        Bounds {
            min: 0,
            max: 6,
            names: DAYS,
        },
    ];
    for (field, b) in fields.iter().zip(&bounds) {
        for expr in field.split(',') {
            parse_range(expr, b)?;
        }
    }
    Ok(())
}

fn parse_range(expr: &str, b: &Bounds) -> Result<(), String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end) = if low_high[0] == "*" || low_high[0] == "?" {
        (b.min, b.max)
    } else {
        let start = int_or_name(low_high[0], b)?;
        let end = match low_high.len() {
            1 => start,
            2 => int_or_name(low_high[1], b)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        (start, end)
    };
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = must_parse_int(range_and_step[1])?;
            if single {
                end = b.max;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < b.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            b.min
        ));
    }
    if end > b.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            b.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(())
}

fn int_or_name(expr: &str, b: &Bounds) -> Result<u64, String> {
    let lower = expr.to_lowercase();
    if let Some((_, n)) = b.names.iter().find(|(name, _)| *name == lower) {
        return Ok(*n);
    }
    must_parse_int(expr)
}

/// `mustParseInt` with `strconv.Atoi`'s error texts.
fn must_parse_int(expr: &str) -> Result<u64, String> {
    let digits = expr.strip_prefix(['+', '-']).unwrap_or(expr);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: invalid syntax"
        ));
    }
    let n: i64 = expr.parse().map_err(|_| {
        format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: value out of range"
        )
    })?;
    if n < 0 {
        return Err(format!("negative number ({n}) not allowed: {expr}"));
    }
    Ok(n as u64)
}

/// Whether Go's `time.ParseDuration` accepts `s` (`1h30m`, `90s`, `1.5h`).
fn go_duration_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 || rest[..num_end] == *"." {
            return false;
        }
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !["ns", "us", "µs", "μs", "ms", "s", "m", "h"].contains(&&rest[..unit_end]) {
            return false;
        }
        rest = &rest[unit_end..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn job(spec: Value) -> Value {
        let mut j = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "pi", "namespace": "default", "uid": "6b4a1b4c", "resourceVersion": "1"}, "spec": spec});
        crate::defaulting::apply("batch", "v1", "jobs", &mut j);
        crate::defaulting::prepare_for_create("batch", "jobs", &mut j);
        j
    }

    #[test]
    fn kubectl_create_job_is_valid() {
        let j = job(
            json!({"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl:5.34.0"}]}}}),
        );
        assert_eq!(msgs(&validate_job(&j)), Vec::<String>::new());
    }

    #[test]
    fn job_restart_policy_always_is_refused() {
        let j =
            job(json!({"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}}));
        assert_eq!(
            msgs(&validate_job(&j)),
            vec![
                r#"spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never""#
            ]
        );
    }

    #[test]
    fn job_rules() {
        let j = job(
            json!({"completionMode": "Indexed", "parallelism": -1, "completions": null,
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}),
        );
        assert_eq!(
            msgs(&validate_job(&j)),
            vec![
                "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                "spec.completions: Required value: when completion mode is Indexed",
            ]
        );
    }

    #[test]
    fn job_update_keeps_selector_and_completions() {
        let old = job(
            json!({"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}),
        );
        let mut new = old.clone();
        new["spec"]["completions"] = json!(2);
        assert_eq!(
            msgs(&validate_job_update(&new, &old)),
            vec!["spec.completions: Invalid value: 2: field is immutable"]
        );
    }

    #[test]
    fn cron_schedules_parse_like_robfig() {
        assert!(parse_standard("*/5 * * * *").is_ok());
        assert!(parse_standard("0 0 1 jan-mar mon-fri").is_ok());
        assert!(parse_standard("@hourly").is_ok());
        assert!(parse_standard("@every 1h30m").is_ok());
        assert_eq!(
            parse_standard("bad").err().as_deref(),
            Some("expected exactly 5 fields, found 1: [bad]")
        );
        assert_eq!(
            parse_standard("60 * * * *").err().as_deref(),
            Some("end of range (60) above maximum (59): 60")
        );
        assert_eq!(
            parse_standard("x * * * *").err().as_deref(),
            Some(r#"failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax"#)
        );
        assert_eq!(
            parse_standard("5-1 * * * *").err().as_deref(),
            Some("beginning of range (5) beyond end of range (1): 5-1")
        );
        assert_eq!(
            parse_standard("* * 0 * *").err().as_deref(),
            Some("beginning of range (0) below minimum (1): 0")
        );
        assert_eq!(
            parse_standard("@often").err().as_deref(),
            Some("unrecognized descriptor: @often")
        );
    }

    #[test]
    fn cron_job_rules() {
        let mut c = json!({"metadata": {"name": "hello", "namespace": "default"}, "spec": {"schedule": "61 * * * *",
            "concurrencyPolicy": "Sometimes",
            "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}});
        crate::defaulting::apply("batch", "v1", "cronjobs", &mut c);
        assert_eq!(
            msgs(&validate_cron_job(&c)),
            vec![
                r#"spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61"#,
                r#"spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace""#,
            ]
        );
        c["spec"]["schedule"] = json!("TZ=UTC 0 * * * *");
        c["spec"]["concurrencyPolicy"] = json!("Forbid");
        assert_eq!(
            msgs(&validate_cron_job(&c)),
            vec![
                r#"spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"#
            ]
        );
    }
}
