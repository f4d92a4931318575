//! Methods of the Go values sprig's functions return, callable from templates as Go allows
//! (`(now).Unix`, `(semver "1.2.3").Major`, `(toDate "2006-01-02" "2020-01-01").Format "Jan 2"`).

use std::rc::Rc;

use super::funcs::{FnResult, Func, Ty, f};
use super::gotime::{GoTime, Loc, month_name, weekday_name};
use super::semver::Version;
use super::value::Value;

fn time(v: &Value) -> &GoTime {
    match v {
        Value::Time(t) => t,
        _ => unreachable!("time method on a non-time value"),
    }
}

fn version(v: &Value) -> &Version {
    match v {
        Value::Version(x) => x,
        _ => unreachable!("version method on a non-version value"),
    }
}

fn tv(t: GoTime) -> FnResult {
    Ok(Value::Time(Rc::new(t)))
}

/// The other version a comparison method takes (a nil one panics in Go).
fn other(a: &[Value]) -> Result<&Version, String> {
    match &a[1] {
        Value::Version(v) => Ok(v),
        _ => Err("runtime error: invalid memory address or nil pointer dereference".into()),
    }
}

/// The method `name` of `recv`'s Go type, its parameters excluding the receiver (which the
/// call gets as its first argument).
pub(crate) fn lookup(recv: &Value, name: &str) -> Option<Func> {
    let m = match recv {
        Value::Time(_) => match name {
            "Unix" => f(&[], |a| Ok(Value::Int64(time(&a[0]).secs))),
            "UnixMilli" => f(&[], |a| {
                let t = time(&a[0]);
                Ok(Value::Int64(t.secs * 1000 + i64::from(t.nsec / 1_000_000)))
            }),
            "UnixMicro" => f(&[], |a| {
                let t = time(&a[0]);
                Ok(Value::Int64(t.secs * 1_000_000 + i64::from(t.nsec / 1000)))
            }),
            "UnixNano" => f(&[], |a| {
                let t = time(&a[0]);
                Ok(Value::Int64(
                    t.secs.wrapping_mul(1_000_000_000) + i64::from(t.nsec),
                ))
            }),
            "Year" => f(&[], |a| Ok(Value::Int(time(&a[0]).civil().year))),
            "Month" => f(&[], |a| {
                Ok(Value::from(month_name(time(&a[0]).civil().month)))
            }),
            "Day" => f(&[], |a| Ok(Value::Int(i64::from(time(&a[0]).civil().day)))),
            "Hour" => f(&[], |a| Ok(Value::Int(time(&a[0]).civil().hour))),
            "Minute" => f(&[], |a| Ok(Value::Int(time(&a[0]).civil().min))),
            "Second" => f(&[], |a| Ok(Value::Int(time(&a[0]).civil().sec))),
            "Nanosecond" => f(&[], |a| Ok(Value::Int(i64::from(time(&a[0]).nsec)))),
            "YearDay" => f(&[], |a| Ok(Value::Int(time(&a[0]).civil().yday))),
            "Weekday" => f(&[], |a| {
                Ok(Value::from(weekday_name(time(&a[0]).civil().weekday)))
            }),
            "String" => f(&[], |a| Ok(Value::from(time(&a[0]).string()))),
            "IsZero" => f(&[], |a| Ok(Value::Bool(*time(&a[0]) == GoTime::zero()))),
            "UTC" => f(&[], |a| tv(time(&a[0]).in_loc(Loc::Utc))),
            "Local" => f(&[], |a| tv(time(&a[0]).in_loc(Loc::Local))),
            "Format" => f(&[Ty::Str], |a| {
                Ok(Value::from(time(&a[0]).format(a[1].as_str().unwrap_or(""))))
            }),
            _ => return None,
        },
        Value::Version(_) => match name {
            "Major" => f(&[], |a| Ok(Value::Int64(version(&a[0]).major as i64))),
            "Minor" => f(&[], |a| Ok(Value::Int64(version(&a[0]).minor as i64))),
            "Patch" => f(&[], |a| Ok(Value::Int64(version(&a[0]).patch as i64))),
            "Prerelease" => f(&[], |a| Ok(Value::from(version(&a[0]).pre.as_str()))),
            "Metadata" => f(&[], |a| Ok(Value::from(version(&a[0]).metadata.as_str()))),
            "Original" => f(&[], |a| Ok(Value::from(version(&a[0]).original.as_str()))),
            "String" => f(&[], |a| Ok(Value::from(version(&a[0]).string()))),
            "Compare" => f(&[Ty::Version], |a| {
                Ok(Value::Int(version(&a[0]).compare(other(a)?) as i64))
            }),
            "LessThan" => f(&[Ty::Version], |a| {
                Ok(Value::Bool(version(&a[0]).compare(other(a)?).is_lt()))
            }),
            "GreaterThan" => f(&[Ty::Version], |a| {
                Ok(Value::Bool(version(&a[0]).compare(other(a)?).is_gt()))
            }),
            "Equal" => f(&[Ty::Version], |a| {
                Ok(Value::Bool(version(&a[0]).compare(other(a)?).is_eq()))
            }),
            _ => return None,
        },
        _ => return None,
    };
    Some(m)
}
