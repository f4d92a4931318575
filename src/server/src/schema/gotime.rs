//! RFC 3339 timestamps as `metav1.Time` and `metav1.MicroTime` read and write them.
//!
//! Kubernetes parses with Go's `time.Parse(time.RFC3339, s)` (or the six-digit `RFC3339Micro`
//! layout) and writes back in UTC, so a client's `+02:00` offset comes back as `Z` and `Time`
//! drops fractions. A bad value fails with Go's `time.ParseError` text, which kube-apiserver puts
//! in its 400 message: `parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as
//! "2006"`. This module reproduces that parser for these two layouts only.

use jiff::civil::DateTime;
use jiff::tz::Offset;

/// Go's `time.RFC3339` layout.
pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
/// apimachinery's `metav1.RFC3339Micro` layout.
pub const RFC3339_MICRO: &str = "2006-01-02T15:04:05.000000Z07:00";

/// Which of the two timestamp types is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeLayout {
    /// `metav1.Time`: seconds precision.
    Time,
    /// `metav1.MicroTime`: exactly six fractional digits.
    MicroTime,
}

impl TimeLayout {
    fn layout(self) -> &'static str {
        match self {
            TimeLayout::Time => RFC3339,
            TimeLayout::MicroTime => RFC3339_MICRO,
        }
    }
}

/// One step of the layout: a literal prefix, then a value element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Elem {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Micros,
    Zone,
}

impl Elem {
    fn layout_text(self) -> &'static str {
        match self {
            Elem::Year => "2006",
            Elem::Month => "01",
            Elem::Day => "02",
            Elem::Hour => "15",
            Elem::Minute => "04",
            Elem::Second => "05",
            Elem::Micros => ".000000",
            Elem::Zone => "Z07:00",
        }
    }
}

fn steps(layout: TimeLayout) -> &'static [(&'static str, Elem)] {
    const TIME: &[(&str, Elem)] = &[
        ("", Elem::Year),
        ("-", Elem::Month),
        ("-", Elem::Day),
        ("T", Elem::Hour),
        (":", Elem::Minute),
        (":", Elem::Second),
        ("", Elem::Zone),
    ];
    const MICRO: &[(&str, Elem)] = &[
        ("", Elem::Year),
        ("-", Elem::Month),
        ("-", Elem::Day),
        ("T", Elem::Hour),
        (":", Elem::Minute),
        (":", Elem::Second),
        ("", Elem::Micros),
        ("", Elem::Zone),
    ];
    match layout {
        TimeLayout::Time => TIME,
        TimeLayout::MicroTime => MICRO,
    }
}

/// Go's `time.quote`: double quotes, `"` and `\` escaped, non-ASCII and control bytes as `\xNN`.
pub fn go_time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    if !is_digit(s, 0) {
        return None;
    }
    if !is_digit(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(s[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'),
        &s[2..],
    ))
}

/// Go's `atoi` over ASCII digits with an optional sign; any leftover is an error.
fn atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: i64 = 0;
    for d in digits {
        n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(if neg { -n } else { n })
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The text of a failed parse, as Go's `time.ParseError.Error()`.
fn cannot_parse(value: &str, layout: &str, value_elem: &[u8], layout_elem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        go_time_quote(value),
        go_time_quote(layout),
        go_time_quote(&String::from_utf8_lossy(value_elem)),
        go_time_quote(layout_elem)
    )
}

fn with_message(value: &str, message: &str) -> String {
    format!("parsing time {}{}", go_time_quote(value), message)
}

/// Parses `value` as Go's `time.Parse(layout, value)` would and returns it re-encoded the way
/// `metav1.Time`/`MicroTime` marshal it (UTC). `Ok(None)` is the zero time, which they encode
/// as `null`. The error is Go's message.
pub fn parse_and_normalize(value: &str, layout: TimeLayout) -> Result<Option<String>, String> {
    let layout_str = layout.layout();
    let mut rest = value.as_bytes();
    let (mut year, mut month, mut day, mut hour, mut minute, mut second) = (0, 0, 0, 0, 0, 0);
    let mut nanos: i64 = 0;
    let mut offset_secs: i64 = 0;
    let all = steps(layout);
    for (i, (prefix, elem)) in all.iter().enumerate() {
        for &p in prefix.as_bytes() {
            if rest.first() != Some(&p) {
                return Err(cannot_parse(value, layout_str, rest, prefix));
            }
            rest = &rest[1..];
        }
        let hold = rest;
        let mut range_err: Option<&str> = None;
        let ok = match elem {
            Elem::Year => {
                if rest.len() < 4 || !is_digit(rest, 0) {
                    false
                } else {
                    let (p, r) = rest.split_at(4);
                    rest = r;
                    match atoi(p) {
                        Some(y) => {
                            year = y;
                            true
                        }
                        None => false,
                    }
                }
            }
            Elem::Month | Elem::Day | Elem::Minute | Elem::Second | Elem::Hour => {
                match getnum(rest, *elem != Elem::Hour) {
                    None => false,
                    Some((n, r)) => {
                        rest = r;
                        match elem {
                            Elem::Month => {
                                month = n;
                                if !(1..=12).contains(&n) {
                                    range_err = Some("month");
                                }
                            }
                            Elem::Day => day = n,
                            Elem::Hour => {
                                hour = n;
                                if n >= 24 {
                                    range_err = Some("hour");
                                }
                            }
                            Elem::Minute => {
                                minute = n;
                                if n >= 60 {
                                    range_err = Some("minute");
                                }
                            }
                            _ => {
                                second = n;
                                if n >= 60 {
                                    range_err = Some("second");
                                } else if rest.len() >= 2
                                    && (rest[0] == b'.' || rest[0] == b',')
                                    && is_digit(rest, 1)
                                    && all.get(i + 1).map(|s| s.1) != Some(Elem::Micros)
                                {
                                    // A fraction the layout does not ask for is still accepted.
                                    let mut n = 2;
                                    while is_digit(rest, n) {
                                        n += 1;
                                    }
                                    nanos = parse_nanos(&rest[..n]).unwrap_or(0);
                                    rest = &rest[n..];
                                }
                            }
                        }
                        true
                    }
                }
            }
            Elem::Micros => {
                if rest.len() < 7 || !(rest[0] == b'.' || rest[0] == b',') {
                    false
                } else {
                    match parse_nanos(&rest[..7]) {
                        Some(n) => {
                            nanos = n;
                            rest = &rest[7..];
                            true
                        }
                        None => false,
                    }
                }
            }
            Elem::Zone => {
                if rest.first() == Some(&b'Z') {
                    rest = &rest[1..];
                    true
                } else if rest.len() < 6 || rest[3] != b':' {
                    false
                } else {
                    let sign = rest[0];
                    let hh = getnum(&rest[1..3], true);
                    let mm = getnum(&rest[4..6], true);
                    rest = &rest[6..];
                    match (hh, mm) {
                        (Some((h, _)), Some((m, _))) if sign == b'+' || sign == b'-' => {
                            if h > 24 {
                                range_err = Some("time zone offset hour");
                            }
                            if m > 60 {
                                range_err = Some("time zone offset minute");
                            }
                            offset_secs = (h * 60 + m) * 60;
                            if sign == b'-' {
                                offset_secs = -offset_secs;
                            }
                            true
                        }
                        _ => false,
                    }
                }
            }
        };
        if let Some(what) = range_err {
            return Err(with_message(value, &format!(": {what} out of range")));
        }
        if !ok {
            return Err(cannot_parse(value, layout_str, hold, elem.layout_text()));
        }
    }
    if !rest.is_empty() {
        let extra = String::from_utf8_lossy(rest);
        return Err(with_message(
            value,
            &format!(": extra text: {}", go_time_quote(&extra)),
        ));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(with_message(value, ": day out of range"));
    }
    Ok(format_utc(
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset_secs,
        layout,
    ))
}

/// Go's `parseNanoseconds` for a `.ddd…` slice (at most nine digits count).
fn parse_nanos(frac: &[u8]) -> Option<i64> {
    let digits = &frac[1..frac.len().min(10)];
    let n = atoi(digits)?;
    if n < 0 {
        return None;
    }
    let mut ns = n;
    for _ in digits.len()..9 {
        ns *= 10;
    }
    Some(ns)
}

#[allow(clippy::too_many_arguments)]
fn format_utc(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    nanos: i64,
    offset_secs: i64,
    layout: TimeLayout,
) -> Option<String> {
    let civil = DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    let offset = Offset::from_seconds(i32::try_from(offset_secs).ok()?).ok()?;
    let ts = offset.to_timestamp(civil).ok()?;
    let utc = Offset::UTC.to_datetime(ts);
    // Go's zero time marshals as null.
    if utc.year() == 1
        && utc.month() == 1
        && utc.day() == 1
        && utc.hour() == 0
        && utc.minute() == 0
        && utc.second() == 0
        && utc.subsec_nanosecond() == 0
    {
        return None;
    }
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        utc.year(),
        utc.month(),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    );
    Some(match layout {
        TimeLayout::Time => format!("{base}Z"),
        TimeLayout::MicroTime => format!("{base}.{:06}Z", utc.subsec_nanosecond() / 1000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Result<Option<String>, String> {
        parse_and_normalize(s, TimeLayout::Time)
    }

    #[test]
    fn accepts_and_normalizes_to_utc() {
        assert_eq!(
            t("2024-01-02T03:04:05Z").unwrap().as_deref(),
            Some("2024-01-02T03:04:05Z")
        );
        assert_eq!(
            t("2024-01-02T03:04:05+02:00").unwrap().as_deref(),
            Some("2024-01-02T01:04:05Z")
        );
        // Fractions are accepted and dropped by Time.
        assert_eq!(
            t("2024-01-02T03:04:05.123456789Z").unwrap().as_deref(),
            Some("2024-01-02T03:04:05Z")
        );
        assert_eq!(t("0001-01-01T00:00:00Z").unwrap(), None);
        assert_eq!(
            parse_and_normalize("2024-01-02T03:04:05.123456-01:30", TimeLayout::MicroTime)
                .unwrap()
                .as_deref(),
            Some("2024-01-02T04:34:05.123456Z")
        );
    }

    #[test]
    fn go_error_messages() {
        assert_eq!(
            t("abc").unwrap_err(),
            r#"parsing time "abc" as "2006-01-02T15:04:05Z07:00": cannot parse "abc" as "2006""#
        );
        assert_eq!(
            t("2024-01-02").unwrap_err(),
            r#"parsing time "2024-01-02" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T""#
        );
        assert_eq!(
            t("2024-01-02 03:04:05Z").unwrap_err(),
            r#"parsing time "2024-01-02 03:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 03:04:05Z" as "T""#
        );
        assert_eq!(
            t("2024-13-02T03:04:05Z").unwrap_err(),
            r#"parsing time "2024-13-02T03:04:05Z": month out of range"#
        );
        assert_eq!(
            t("2023-02-29T03:04:05Z").unwrap_err(),
            r#"parsing time "2023-02-29T03:04:05Z": day out of range"#
        );
        assert_eq!(
            t("2024-01-02T03:04:05").unwrap_err(),
            r#"parsing time "2024-01-02T03:04:05" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00""#
        );
        assert_eq!(
            t("2024-01-02T03:04:05Zjunk").unwrap_err(),
            r#"parsing time "2024-01-02T03:04:05Zjunk": extra text: "junk""#
        );
        assert_eq!(
            parse_and_normalize("2024-01-02T03:04:05Z", TimeLayout::MicroTime).unwrap_err(),
            r#"parsing time "2024-01-02T03:04:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000""#
        );
    }
}
