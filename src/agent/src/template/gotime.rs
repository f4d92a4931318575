//! Go's `time` package as far as sprig's date functions need it: a `time.Time` value (instant,
//! location, optional monotonic reading), `Format` and `ParseInLocation` with Go's layout
//! strings and error texts, `LoadLocation`, and `Duration`'s `String` and `ParseDuration`.
//!
//! Time zones come from the system's tz database through `jiff`; `Local` is the system's zone
//! (`TZ`, else `/etc/localtime`, else UTC), as Go's `time.Local`.

use std::sync::LazyLock;

use jiff::tz::TimeZone;

use super::value::go_quote;

/// Seconds from 0001-01-01 (Go's zero time) to the Unix epoch.
const ZERO_UNIX: i64 = -62_135_596_800;

const NANOS_PER_SEC: i64 = 1_000_000_000;

static LOCAL: LazyLock<TimeZone> = LazyLock::new(TimeZone::system);

/// When the process (this module) first looked at the monotonic clock: Go's monotonic
/// readings count from the process start.
static MONO_START: LazyLock<std::time::Instant> = LazyLock::new(std::time::Instant::now);

/// A Go `*time.Location`.
#[derive(Debug, Clone)]
pub enum Loc {
    /// `time.UTC`.
    Utc,
    /// `time.Local`.
    Local,
    /// A zone of the tz database, by name.
    Named(String, TimeZone),
    /// `time.FixedZone(name, offset)`.
    Fixed(String, i32),
}

impl Loc {
    /// The location's name, as `Location.String` returns it.
    pub fn name(&self) -> &str {
        match self {
            Loc::Utc => "UTC",
            Loc::Local => "Local",
            Loc::Named(n, _) | Loc::Fixed(n, _) => n,
        }
    }

    /// The zone abbreviation and offset (seconds east of UTC) in effect at `secs`.
    fn lookup(&self, secs: i64) -> (String, i32) {
        let tz = match self {
            Loc::Utc => return ("UTC".into(), 0),
            Loc::Fixed(n, off) => return (n.clone(), *off),
            Loc::Local => &*LOCAL,
            Loc::Named(_, tz) => tz,
        };
        match jiff::Timestamp::from_second(secs) {
            Ok(ts) => {
                let info = tz.to_offset_info(ts);
                (info.abbreviation().to_string(), info.offset().seconds())
            }
            Err(_) => ("UTC".into(), 0),
        }
    }
}

/// Go's `time.LoadLocation`.
pub fn load_location(name: &str) -> Result<Loc, String> {
    match name {
        "" | "UTC" => return Ok(Loc::Utc),
        "Local" => return Ok(Loc::Local),
        _ => {}
    }
    let bad = name.contains("..") || name.starts_with('/') || name.contains('\\');
    if !bad && let Ok(tz) = TimeZone::get(name) {
        return Ok(Loc::Named(name.to_string(), tz));
    }
    if bad {
        return Err(format!("time: invalid location name {}", go_quote(name)));
    }
    Err(format!("unknown time zone {name}"))
}

/// A Go `time.Time`.
#[derive(Debug, Clone)]
pub struct GoTime {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nsec: u32,
    pub loc: Loc,
    /// The monotonic clock reading (nanoseconds since the process started), as `time.Now`
    /// records it.
    pub mono: Option<i64>,
}

impl PartialEq for GoTime {
    fn eq(&self, o: &Self) -> bool {
        self.secs == o.secs
            && self.nsec == o.nsec
            && self.loc.name() == o.loc.name()
            && self.mono == o.mono
    }
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m as u32, d as u32)
}

/// (year, month, day) to days since 1970-01-01; the day may lie outside the month.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Normalise the month first, as Go's Date does.
    let m0 = m - 1;
    let y = y + m0.div_euclid(12);
    let m = m0.rem_euclid(12) + 1;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + (d - 1)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(m: i64, y: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The broken-down local time of a [`GoTime`].
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub yday: i64,
    /// 0 is Sunday.
    pub weekday: usize,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    pub abbrev: String,
    pub offset: i32,
}

/// Go's `time.Month.String`.
pub fn month_name(m: u32) -> &'static str {
    LONG_MONTHS[(m as usize).clamp(1, 12) - 1]
}

/// Go's `time.Weekday.String` (0 is Sunday).
pub fn weekday_name(d: usize) -> &'static str {
    LONG_DAYS[d % 7]
}

impl GoTime {
    /// Go's zero `time.Time{}` (`0001-01-01 00:00:00 +0000 UTC`).
    pub fn zero() -> GoTime {
        GoTime {
            secs: ZERO_UNIX,
            nsec: 0,
            loc: Loc::Utc,
            mono: None,
        }
    }

    /// `time.Now()`: local time with a monotonic reading.
    pub fn now() -> GoTime {
        let start = *MONO_START;
        let now = std::time::SystemTime::now();
        let d = now
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        // Go starts its monotonic clock just before main; a reading is never zero.
        let mono = i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX) + 1;
        GoTime {
            secs: d.as_secs() as i64,
            nsec: d.subsec_nanos(),
            loc: Loc::Local,
            mono: Some(mono),
        }
    }

    /// `time.Unix(secs, 0)`: in `Local`.
    pub fn unix(secs: i64) -> GoTime {
        GoTime {
            secs,
            nsec: 0,
            loc: Loc::Local,
            mono: None,
        }
    }

    /// `t.In(loc)` (drops the monotonic reading).
    pub fn in_loc(&self, loc: Loc) -> GoTime {
        GoTime {
            secs: self.secs,
            nsec: self.nsec,
            loc,
            mono: None,
        }
    }

    /// `t.Add(d)`.
    pub fn add(&self, d: i64) -> GoTime {
        let total = i128::from(self.nsec) + i128::from(d);
        let secs = self.secs as i128 + total.div_euclid(i128::from(NANOS_PER_SEC));
        let nsec = total.rem_euclid(i128::from(NANOS_PER_SEC)) as u32;
        GoTime {
            secs: secs.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            nsec,
            loc: self.loc.clone(),
            mono: self.mono.map(|m| m.saturating_add(d)),
        }
    }

    /// `time.Since(t)` in nanoseconds (saturating, as Go's `Sub`).
    pub fn since(&self) -> i64 {
        let now = GoTime::now();
        if let (Some(a), Some(b)) = (now.mono, self.mono) {
            return a.saturating_sub(b);
        }
        let d = (i128::from(now.secs) - i128::from(self.secs)) * i128::from(NANOS_PER_SEC)
            + (i128::from(now.nsec) - i128::from(self.nsec));
        d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// `t.Unix()`.
    pub fn unix_secs(&self) -> i64 {
        self.secs
    }

    /// The local date and clock.
    pub fn civil(&self) -> Civil {
        let (abbrev, offset) = self.loc.lookup(self.secs);
        let local = self.secs + i64::from(offset);
        let days = local.div_euclid(86_400);
        let rem = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            yday: days - days_from_civil(year, 1, 1) + 1,
            weekday: (days + 4).rem_euclid(7) as usize,
            hour: rem / 3600,
            min: rem % 3600 / 60,
            sec: rem % 60,
            abbrev,
            offset,
        }
    }

    /// `t.Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        let c = self.civil();
        let mut b = String::new();
        let mut layout = layout;
        loop {
            let (prefix, std, suffix) = next_std_chunk(layout);
            b.push_str(prefix);
            let Some(std) = std else { break };
            layout = suffix;
            match std {
                Std::Year => append_int(&mut b, c.year.abs() % 100, 2),
                Std::LongYear => append_int(&mut b, c.year, 4),
                Std::Month => b.push_str(&LONG_MONTHS[c.month as usize - 1][..3]),
                Std::LongMonth => b.push_str(LONG_MONTHS[c.month as usize - 1]),
                Std::NumMonth => append_int(&mut b, i64::from(c.month), 0),
                Std::ZeroMonth => append_int(&mut b, i64::from(c.month), 2),
                Std::WeekDay => b.push_str(&LONG_DAYS[c.weekday][..3]),
                Std::LongWeekDay => b.push_str(LONG_DAYS[c.weekday]),
                Std::Day => append_int(&mut b, i64::from(c.day), 0),
                Std::UnderDay => {
                    if c.day < 10 {
                        b.push(' ');
                    }
                    append_int(&mut b, i64::from(c.day), 0);
                }
                Std::ZeroDay => append_int(&mut b, i64::from(c.day), 2),
                Std::UnderYearDay => {
                    if c.yday < 100 {
                        b.push(' ');
                        if c.yday < 10 {
                            b.push(' ');
                        }
                    }
                    append_int(&mut b, c.yday, 0);
                }
                Std::ZeroYearDay => append_int(&mut b, c.yday, 3),
                Std::Hour => append_int(&mut b, c.hour, 2),
                Std::Hour12 | Std::ZeroHour12 => {
                    let hr = match c.hour % 12 {
                        0 => 12,
                        h => h,
                    };
                    append_int(&mut b, hr, if std == Std::Hour12 { 0 } else { 2 });
                }
                Std::Minute => append_int(&mut b, c.min, 0),
                Std::ZeroMinute => append_int(&mut b, c.min, 2),
                Std::Second => append_int(&mut b, c.sec, 0),
                Std::ZeroSecond => append_int(&mut b, c.sec, 2),
                Std::PM => b.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
                Std::Pm => b.push_str(if c.hour >= 12 { "pm" } else { "am" }),
                Std::Tz(tz) => {
                    if c.offset == 0 && tz.iso {
                        b.push('Z');
                        continue;
                    }
                    let mut zone = c.offset / 60;
                    let mut absoffset = c.offset;
                    if zone < 0 {
                        b.push('-');
                        zone = -zone;
                        absoffset = -absoffset;
                    } else {
                        b.push('+');
                    }
                    append_int(&mut b, i64::from(zone / 60), 2);
                    if tz.colon {
                        b.push(':');
                    }
                    if !tz.short {
                        append_int(&mut b, i64::from(zone % 60), 2);
                    }
                    if tz.seconds {
                        if tz.colon {
                            b.push(':');
                        }
                        append_int(&mut b, i64::from(absoffset % 60), 2);
                    }
                }
                Std::TzName => {
                    if !c.abbrev.is_empty() {
                        b.push_str(&c.abbrev);
                    } else {
                        let mut zone = c.offset / 60;
                        if zone < 0 {
                            b.push('-');
                            zone = -zone;
                        } else {
                            b.push('+');
                        }
                        append_int(&mut b, i64::from(zone / 60), 2);
                        append_int(&mut b, i64::from(zone % 60), 2);
                    }
                }
                Std::Frac { sep, digits, trim } => {
                    if trim && (digits == 0 || self.nsec == 0) {
                        continue;
                    }
                    let mut frac = format!("{:09}", self.nsec);
                    frac.truncate(digits.min(9));
                    if trim {
                        while frac.ends_with('0') {
                            frac.pop();
                        }
                        if frac.is_empty() {
                            continue;
                        }
                    }
                    b.push(sep);
                    b.push_str(&frac);
                }
            }
        }
        b
    }

    /// `t.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`, and the monotonic reading as
    /// ` m=±SECONDS` when there is one.
    pub fn string(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            let sign = if m < 0 { '-' } else { '+' };
            let u = m.unsigned_abs();
            s.push_str(&format!(
                " m={sign}{}.{:09}",
                u / 1_000_000_000,
                u % 1_000_000_000
            ));
        }
        s
    }

    /// `t.MarshalJSON()`'s text (without the quotes): RFC 3339 with nanoseconds.
    pub fn rfc3339_nano(&self) -> String {
        self.format("2006-01-02T15:04:05.999999999Z07:00")
    }
}

/// Go's `appendInt`: `x` zero-padded to `width` digits.
fn append_int(b: &mut String, x: i64, width: usize) {
    if x < 0 {
        b.push('-');
    }
    let digits = x.unsigned_abs().to_string();
    for _ in digits.len()..width {
        b.push('0');
    }
    b.push_str(&digits);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TzStd {
    /// `Z07...`: `Z` for UTC.
    iso: bool,
    colon: bool,
    /// Hours only (`-07`).
    short: bool,
    seconds: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TzName,
    Tz(TzStd),
    Frac {
        sep: char,
        digits: usize,
        trim: bool,
    },
}

fn starts_with_lower(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Go's `nextStdChunk`: the text before the first layout element, the element, and the rest.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|r| r.starts_with(s));
    let tz = |iso, colon, short, seconds| {
        Std::Tz(TzStd {
            iso,
            colon,
            short,
            seconds,
        })
    };
    for i in 0..b.len() {
        let chunk = |std: Std, len: usize| (&layout[..i], Some(std), &layout[i + len..]);
        match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    return chunk(Std::LongMonth, 7);
                }
                if !starts_with_lower(&layout[i + 3..]) {
                    return chunk(Std::Month, 3);
                }
            }
            b'M' => {
                if at(i, "Mon") {
                    if at(i, "Monday") {
                        return chunk(Std::LongWeekDay, 6);
                    }
                    if !starts_with_lower(&layout[i + 3..]) {
                        return chunk(Std::WeekDay, 3);
                    }
                }
                if at(i, "MST") {
                    return chunk(Std::TzName, 3);
                }
            }
            b'0' => {
                if let Some(&c) = b.get(i + 1)
                    && (b'1'..=b'6').contains(&c)
                {
                    let std = [
                        Std::ZeroMonth,
                        Std::ZeroDay,
                        Std::ZeroHour12,
                        Std::ZeroMinute,
                        Std::ZeroSecond,
                        Std::Year,
                    ][(c - b'1') as usize];
                    return chunk(std, 2);
                }
                if at(i, "002") {
                    return chunk(Std::ZeroYearDay, 3);
                }
            }
            b'1' => {
                if at(i, "15") {
                    return chunk(Std::Hour, 2);
                }
                return chunk(Std::NumMonth, 1);
            }
            b'2' => {
                if at(i, "2006") {
                    return chunk(Std::LongYear, 4);
                }
                return chunk(Std::Day, 1);
            }
            b'_' => {
                if at(i, "_2") {
                    if at(i, "_2006") {
                        return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                    }
                    return chunk(Std::UnderDay, 2);
                }
                if at(i, "__2") {
                    return chunk(Std::UnderYearDay, 3);
                }
            }
            b'3' => return chunk(Std::Hour12, 1),
            b'4' => return chunk(Std::Minute, 1),
            b'5' => return chunk(Std::Second, 1),
            b'P' if at(i, "PM") => return chunk(Std::PM, 2),
            b'p' if at(i, "pm") => return chunk(Std::Pm, 2),
            b'-' | b'Z' => {
                let iso = b[i] == b'Z';
                let p = if iso { "Z" } else { "-" };
                if at(i, &format!("{p}070000")) {
                    return chunk(tz(iso, false, false, true), 7);
                }
                if at(i, &format!("{p}07:00:00")) {
                    return chunk(tz(iso, true, false, true), 9);
                }
                if at(i, &format!("{p}0700")) {
                    return chunk(tz(iso, false, false, false), 5);
                }
                if at(i, &format!("{p}07:00")) {
                    return chunk(tz(iso, true, false, false), 6);
                }
                if at(i, &format!("{p}07")) {
                    return chunk(tz(iso, false, true, false), 3);
                }
            }
            c @ (b'.' | b',') => {
                if let Some(&ch) = b.get(i + 1)
                    && (ch == b'0' || ch == b'9')
                {
                    let mut j = i + 1;
                    while j < b.len() && b[j] == ch {
                        j += 1;
                    }
                    if !b.get(j).is_some_and(u8::is_ascii_digit) {
                        let std = Std::Frac {
                            sep: c as char,
                            digits: j - (i + 1),
                            trim: ch == b'9',
                        };
                        return (&layout[..i], Some(std), &layout[j..]);
                    }
                }
            }
            _ => {}
        }
    }
    (layout, None, "")
}

fn parse_error(layout: &str, value: &str, elem: &str, value_elem: &str, msg: &str) -> String {
    if msg.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            go_quote(value),
            go_quote(layout),
            go_quote(value_elem),
            go_quote(elem)
        )
    } else {
        format!("parsing time {}{msg}", go_quote(value))
    }
}

fn digit_at(s: &str, i: usize) -> bool {
    s.as_bytes().get(i).is_some_and(u8::is_ascii_digit)
}

fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    if !digit_at(s, 0) {
        return None;
    }
    let b = s.as_bytes();
    if !digit_at(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'),
        &s[2..],
    ))
}

fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let mut n = 0;
    let mut i = 0;
    while i < 3 && digit_at(s, i) {
        n = n * 10 + i64::from(s.as_bytes()[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

/// Go's case-insensitive (ASCII letters only) prefix lookup in a name table.
fn lookup_name<'a>(tab: &[&str], val: &'a str) -> Option<(usize, &'a str)> {
    for (i, v) in tab.iter().enumerate() {
        if val.len() >= v.len() {
            let (a, b) = (&val.as_bytes()[..v.len()], v.as_bytes());
            let ok = a.iter().zip(b).all(|(&c1, &c2)| {
                c1 == c2 || {
                    let (l1, l2) = (c1 | 0x20, c2 | 0x20);
                    l1 == l2 && l1.is_ascii_lowercase()
                }
            });
            if ok {
                return Some((i, &val[v.len()..]));
            }
        }
    }
    None
}

fn skip<'a>(value: &'a str, prefix: &str) -> Result<&'a str, &'a str> {
    let mut value = value;
    let mut prefix = prefix;
    while !prefix.is_empty() {
        if prefix.starts_with(' ') {
            if !value.is_empty() && !value.starts_with(' ') {
                return Err(value);
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        if value.is_empty() || value.as_bytes()[0] != prefix.as_bytes()[0] {
            return Err(value);
        }
        // Advance by one byte on both; keep char boundaries by comparing whole chars.
        let c = prefix.chars().next().unwrap_or(' ');
        if !value.starts_with(c) {
            return Err(value);
        }
        prefix = &prefix[c.len_utf8()..];
        value = &value[c.len_utf8()..];
    }
    Ok(value)
}

/// Go's `leadingInt`: the leading decimal digits (None on overflow) and the rest.
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let mut x: u64 = 0;
    let mut i = 0;
    for &c in s.as_bytes() {
        if !c.is_ascii_digit() {
            break;
        }
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > 1 << 63 {
            return None;
        }
        i += 1;
    }
    Some((x, &s[i..]))
}

fn parse_nanoseconds(value: &str, nbytes: usize) -> Result<(i64, &'static str), ()> {
    if !matches!(value.as_bytes().first(), Some(b'.' | b',')) {
        return Err(());
    }
    let nbytes = nbytes.min(10);
    let digits = value.get(1..nbytes).ok_or(())?;
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(());
    }
    let mut ns: i64 = digits.parse().map_err(|_| ())?;
    for _ in 0..(10 - nbytes) {
        ns *= 10;
    }
    Ok((ns, ""))
}

fn parse_signed_offset(value: &str) -> usize {
    let Some(sign) = value.bytes().next() else {
        return 0;
    };
    if sign != b'-' && sign != b'+' {
        return 0;
    }
    match leading_int(&value[1..]) {
        Some((x, rem)) if rem.len() != value.len() - 1 && x <= 23 => value.len() - rem.len(),
        _ => 0,
    }
}

fn parse_time_zone(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if let Some(rest) = value.strip_prefix("GMT") {
        if rest.is_empty() {
            return Some(3);
        }
        return Some(3 + parse_signed_offset(rest));
    }
    if b[0] == b'+' || b[0] == b'-' {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let n_upper = b
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match n_upper {
        5 if b[4] == b'T' => Some(5),
        4 if b[3] == b'T' || value.starts_with("WITA") => Some(4),
        3 => Some(3),
        _ => None,
    }
}

/// Go's `Date(year, month, day, hour, min, sec, nsec, loc)`.
#[allow(clippy::too_many_arguments)]
pub fn date(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ns: i64, loc: Loc) -> GoTime {
    let days = days_from_civil(y, mo, d);
    let unix_local = days * 86_400 + h * 3600 + mi * 60 + s + ns.div_euclid(NANOS_PER_SEC);
    let nsec = ns.rem_euclid(NANOS_PER_SEC) as u32;
    let (_, off1) = loc.lookup(unix_local);
    let mut unix = unix_local;
    if off1 != 0 {
        let utc = unix_local - i64::from(off1);
        let (_, off2) = loc.lookup(utc);
        unix = unix_local - i64::from(off2);
    }
    GoTime {
        secs: unix,
        nsec,
        loc,
        mono: None,
    }
}

/// Go's `time.ParseInLocation(layout, value, loc)` (with `loc` also standing for `Local`
/// when matching zone offsets and names).
pub fn parse_in_location(layout: &str, value: &str, loc: Loc) -> Result<GoTime, String> {
    let (alayout, avalue) = (layout, value);
    let mut layout = layout;
    let mut value = value;
    let mut range_err = "";
    let (mut am_set, mut pm_set) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut z: Option<Loc> = None;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let stdstr = &layout[prefix.len()..layout.len() - suffix.len()];
        value = match skip(value, prefix) {
            Ok(v) => v,
            Err(v) => return Err(parse_error(alayout, avalue, prefix, v, "")),
        };
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(parse_error(
                    alayout,
                    avalue,
                    "",
                    value,
                    &format!(": extra text: {}", go_quote(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut ok = true;
        macro_rules! num {
            ($e:expr) => {
                match $e {
                    Some((n, rest)) => {
                        value = rest;
                        n
                    }
                    None => {
                        ok = false;
                        0
                    }
                }
            };
        }
        match std {
            Std::Year => {
                if value.len() < 2 || !value.is_char_boundary(2) {
                    ok = false;
                } else {
                    let p = &value[..2];
                    value = &value[2..];
                    match p.parse::<i64>() {
                        Ok(y) if p.bytes().all(|c| c.is_ascii_digit()) => {
                            year = if y >= 69 { y + 1900 } else { y + 2000 };
                        }
                        _ => ok = false,
                    }
                }
            }
            Std::LongYear => {
                if value.len() < 4 || !digit_at(value, 0) || !value.is_char_boundary(4) {
                    ok = false;
                } else {
                    let p = &value[..4];
                    value = &value[4..];
                    match p.parse::<i64>() {
                        Ok(y) if p.bytes().all(|c| c.is_ascii_digit()) => year = y,
                        _ => ok = false,
                    }
                }
            }
            Std::Month | Std::LongMonth => {
                let tab: Vec<&str> = if std == Std::Month {
                    LONG_MONTHS.iter().map(|m| &m[..3]).collect()
                } else {
                    LONG_MONTHS.to_vec()
                };
                month = num!(lookup_name(&tab, value).map(|(i, r)| (i as i64, r))) + 1;
            }
            Std::NumMonth | Std::ZeroMonth => {
                month = num!(getnum(value, std == Std::ZeroMonth));
                if ok && !(1..=12).contains(&month) {
                    range_err = "month";
                }
            }
            Std::WeekDay | Std::LongWeekDay => {
                let tab: Vec<&str> = if std == Std::WeekDay {
                    LONG_DAYS.iter().map(|m| &m[..3]).collect()
                } else {
                    LONG_DAYS.to_vec()
                };
                num!(lookup_name(&tab, value).map(|(i, r)| (i as i64, r)));
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && value.starts_with(' ') {
                    value = &value[1..];
                }
                day = num!(getnum(value, std == Std::ZeroDay));
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                }
                yday = num!(getnum3(value, std == Std::ZeroYearDay));
            }
            Std::Hour => {
                hour = num!(getnum(value, false));
                if !(0..24).contains(&hour) {
                    range_err = "hour";
                }
            }
            Std::Hour12 | Std::ZeroHour12 => {
                hour = num!(getnum(value, std == Std::ZeroHour12));
                if !(0..=12).contains(&hour) {
                    range_err = "hour";
                }
            }
            Std::Minute | Std::ZeroMinute => {
                min = num!(getnum(value, std == Std::ZeroMinute));
                if !(0..60).contains(&min) {
                    range_err = "minute";
                }
            }
            Std::Second | Std::ZeroSecond => {
                sec = num!(getnum(value, std == Std::ZeroSecond));
                if ok {
                    if !(0..60).contains(&sec) {
                        range_err = "second";
                    } else if value.len() >= 2
                        && matches!(value.as_bytes()[0], b'.' | b',')
                        && digit_at(value, 1)
                    {
                        let (_, next, _) = next_std_chunk(layout);
                        if !matches!(next, Some(Std::Frac { .. })) {
                            let mut n = 2;
                            while digit_at(value, n) {
                                n += 1;
                            }
                            match parse_nanoseconds(value, n) {
                                Ok((ns, r)) => {
                                    nsec = ns;
                                    range_err = r;
                                }
                                Err(()) => ok = false,
                            }
                            value = &value[n..];
                        }
                    }
                }
            }
            Std::PM | Std::Pm => {
                if value.len() < 2 || !value.is_char_boundary(2) {
                    ok = false;
                } else {
                    let p = &value[..2];
                    value = &value[2..];
                    let (pm, am) = if std == Std::PM {
                        ("PM", "AM")
                    } else {
                        ("pm", "am")
                    };
                    if p == pm {
                        pm_set = true;
                    } else if p == am {
                        am_set = true;
                    } else {
                        ok = false;
                    }
                }
            }
            Std::Tz(tz) => {
                if tz.iso && value.starts_with('Z') {
                    value = &value[1..];
                    z = Some(Loc::Utc);
                } else {
                    let b = value.as_bytes();
                    let fields: Option<(u8, &str, &str, &str, usize)> = if tz.colon && !tz.seconds {
                        (b.len() >= 6 && b[3] == b':')
                            .then(|| (b[0], &value[1..3], &value[4..6], "00", 6))
                    } else if tz.short {
                        (b.len() >= 3).then(|| (b[0], &value[1..3], "00", "00", 3))
                    } else if tz.colon && tz.seconds {
                        (b.len() >= 9 && b[3] == b':' && b[6] == b':')
                            .then(|| (b[0], &value[1..3], &value[4..6], &value[7..9], 9))
                    } else if tz.seconds {
                        (b.len() >= 7).then(|| (b[0], &value[1..3], &value[3..5], &value[5..7], 7))
                    } else {
                        (b.len() >= 5).then(|| (b[0], &value[1..3], &value[3..5], "00", 5))
                    };
                    match fields {
                        None => ok = false,
                        Some((sign, h, m, s, n)) => {
                            value = value.get(n..).unwrap_or("");
                            let nums = (|| {
                                Some((getnum(h, true)?.0, getnum(m, true)?.0, getnum(s, true)?.0))
                            })();
                            match nums {
                                None => ok = false,
                                Some((hr, mm, ss)) => {
                                    if hr > 24 {
                                        range_err = "time zone offset hour";
                                    }
                                    if mm > 60 {
                                        range_err = "time zone offset minute";
                                    }
                                    if ss > 60 {
                                        range_err = "time zone offset second";
                                    }
                                    let off = (hr * 60 + mm) * 60 + ss;
                                    match sign {
                                        b'+' => zone_offset = Some(off),
                                        b'-' => zone_offset = Some(-off),
                                        _ => ok = false,
                                    }
                                }
                            }
                        }
                    }
                }
            }
            Std::TzName => {
                if value.starts_with("UTC") {
                    z = Some(Loc::Utc);
                    value = &value[3..];
                } else {
                    match parse_time_zone(value) {
                        Some(n) => {
                            zone_name = value[..n].to_string();
                            value = &value[n..];
                        }
                        None => ok = false,
                    }
                }
            }
            Std::Frac { digits, trim, .. } => {
                if !trim {
                    let ndigit = 1 + digits;
                    if value.len() < ndigit {
                        ok = false;
                    } else {
                        match parse_nanoseconds(value, ndigit) {
                            Ok((ns, r)) => {
                                nsec = ns;
                                range_err = r;
                            }
                            Err(()) => ok = false,
                        }
                        value = value.get(ndigit..).unwrap_or("");
                    }
                } else if value.len() >= 2
                    && matches!(value.as_bytes()[0], b'.' | b',')
                    && digit_at(value, 1)
                {
                    let mut i = 0;
                    while digit_at(value, i + 1) {
                        i += 1;
                    }
                    match parse_nanoseconds(value, 1 + i) {
                        Ok((ns, r)) => {
                            nsec = ns;
                            range_err = r;
                        }
                        Err(()) => ok = false,
                    }
                    value = &value[1 + i..];
                }
            }
        }
        if !range_err.is_empty() {
            return Err(parse_error(
                alayout,
                avalue,
                stdstr,
                value,
                &format!(": {range_err} out of range"),
            ));
        }
        if !ok {
            return Err(parse_error(alayout, avalue, stdstr, hold, ""));
        }
    }
    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let mut d = 0;
        let mut m = 0;
        let mut yd = yday;
        if is_leap(year) {
            if yd == 31 + 29 {
                m = 2;
                d = 29;
            } else if yd > 31 + 29 {
                yd -= 1;
            }
        }
        if !(1..=365).contains(&yd) {
            return Err(parse_error(
                alayout,
                avalue,
                "",
                value,
                ": day-of-year out of range",
            ));
        }
        if m == 0 {
            let before = |m: i64| -> i64 { (1..m).map(|k| days_in(k, 2001)).sum() };
            m = (yd - 1) / 31 + 1;
            if before(m + 1) < yd {
                m += 1;
            }
            d = yd - before(m);
        }
        if month >= 0 && month != m {
            return Err(parse_error(
                alayout,
                avalue,
                "",
                value,
                ": day-of-year does not match month",
            ));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(parse_error(
                alayout,
                avalue,
                "",
                value,
                ": day-of-year does not match day",
            ));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(parse_error(
            alayout,
            avalue,
            "",
            value,
            ": day out of range",
        ));
    }
    if let Some(z) = z {
        return Ok(date(year, month, day, hour, min, sec, nsec, z));
    }
    if let Some(off) = zone_offset {
        let mut t = date(year, month, day, hour, min, sec, nsec, Loc::Utc);
        t.secs -= off;
        let (name, loff) = loc.lookup(t.secs);
        if i64::from(loff) == off && (zone_name.is_empty() || name == zone_name) {
            t.loc = loc;
            return Ok(t);
        }
        t.loc = Loc::Fixed(zone_name, off as i32);
        return Ok(t);
    }
    if !zone_name.is_empty() {
        let mut t = date(year, month, day, hour, min, sec, nsec, Loc::Utc);
        let (name, loff) = loc.lookup(t.secs);
        if name == zone_name {
            t.secs -= i64::from(loff);
            t.loc = loc;
            return Ok(t);
        }
        let mut offset = 0;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            offset = zone_name[3..].parse::<i32>().unwrap_or(0) * 3600;
        }
        t.loc = Loc::Fixed(zone_name, offset);
        return Ok(t);
    }
    Ok(date(year, month, day, hour, min, sec, nsec, loc))
}

/// Go's `Duration.String`.
pub fn duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out: Vec<u8> = Vec::new(); // built in reverse
    fn frac(out: &mut Vec<u8>, v: u64, prec: usize) -> u64 {
        let mut v = v;
        let mut print = false;
        for _ in 0..prec {
            let digit = (v % 10) as u8;
            print = print || digit != 0;
            if print {
                out.push(b'0' + digit);
            }
            v /= 10;
        }
        if print {
            out.push(b'.');
        }
        v
    }
    fn int(out: &mut Vec<u8>, v: u64) {
        if v == 0 {
            out.push(b'0');
        }
        let mut v = v;
        while v > 0 {
            out.push(b'0' + (v % 10) as u8);
            v /= 10;
        }
    }
    if u < NANOS_PER_SEC as u64 {
        out.push(b's');
        let prec;
        if u == 0 {
            return "0s".into();
        } else if u < 1_000 {
            prec = 0;
            out.push(b'n');
        } else if u < 1_000_000 {
            prec = 3;
            // "µ" reversed
            out.push(0xB5);
            out.push(0xC2);
        } else {
            prec = 6;
            out.push(b'm');
        }
        u = frac(&mut out, u, prec);
        int(&mut out, u);
    } else {
        out.push(b's');
        u = frac(&mut out, u, 9);
        int(&mut out, u % 60);
        u /= 60;
        if u > 0 {
            out.push(b'm');
            int(&mut out, u % 60);
            u /= 60;
            if u > 0 {
                out.push(b'h');
                int(&mut out, u);
            }
        }
    }
    if neg {
        out.push(b'-');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Go's `Duration.Round(m)`.
pub fn duration_round(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let less_than_half = |x: i64, y: i64| (x as u64) + (x as u64) < y as u64;
    let mut r = d % m;
    if d < 0 {
        r = -r;
        if less_than_half(r, m) {
            return d + r;
        }
        return match (d - m).checked_add(r) {
            Some(d1) if d1 < d => d1,
            _ => i64::MIN,
        };
    }
    if less_than_half(r, m) {
        return d - r;
    }
    match (d + r.wrapping_neg()).checked_add(m) {
        Some(d1) if d1 > d => d1,
        _ => i64::MAX,
    }
}

/// Go's `time.ParseDuration`.
pub fn parse_duration(orig: &str) -> Result<i64, String> {
    let err = |msg: &str| format!("time: {msg} {}", go_quote(orig));
    let mut s = orig;
    let mut d: u64 = 0;
    let mut neg = false;
    if let Some(c) = s.bytes().next()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(err("invalid duration"));
    }
    while !s.is_empty() {
        let c = s.as_bytes()[0];
        if !(c == b'.' || c.is_ascii_digit()) {
            return Err(err("invalid duration"));
        }
        let pl = s.len();
        let Some((mut v, rest)) = leading_int(s) else {
            return Err(err("invalid duration"));
        };
        s = rest;
        let pre = pl != s.len();
        let mut post = false;
        let (mut f, mut scale) = (0u64, 1f64);
        if s.starts_with('.') {
            s = &s[1..];
            let pl = s.len();
            let mut overflow = false;
            let mut i = 0;
            for &c in s.as_bytes() {
                if !c.is_ascii_digit() {
                    break;
                }
                i += 1;
                if overflow {
                    continue;
                }
                if f > (1u64 << 63) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > 1 << 63 {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            s = &s[i..];
            post = pl != s.len();
        }
        if !pre && !post {
            return Err(err("invalid duration"));
        }
        let i = s
            .bytes()
            .position(|c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if i == 0 {
            return Err(err("missing unit in duration"));
        }
        let u = &s[..i];
        s = &s[i..];
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(err(&format!("unknown unit {} in duration", go_quote(u))));
            }
        };
        if v > (1u64 << 63) / unit {
            return Err(err("invalid duration"));
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(err("invalid duration"));
            }
        }
        d += v;
        if d > 1 << 63 {
            return Err(err("invalid duration"));
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > i64::MAX as u64 {
        return Err(err("invalid duration"));
    }
    Ok(d as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let t = date(2009, 11, 10, 23, 4, 5, 123_400_000, Loc::Utc);
        assert_eq!(t.string(), "2009-11-10 23:04:05.1234 +0000 UTC");
        assert_eq!(
            t.format("Mon Jan _2 3:4:5 PM 06 002 __2 .000 ,999 Z07:00 -07 MST January Monday"),
            "Tue Nov 10 11:4:5 PM 09 314 314 .123 ,123 Z +00 UTC November Tuesday"
        );
        assert_eq!(GoTime::zero().string(), "0001-01-01 00:00:00 +0000 UTC");
        let p = parse_in_location(
            "2006-01-02T15:04:05Z07:00",
            "2020-02-29T10:11:12+02:00",
            Loc::Utc,
        )
        .unwrap();
        assert_eq!(p.string(), "2020-02-29 10:11:12 +0200 +0200");
        assert_eq!(p.secs, 1_582_963_872);
        assert_eq!(
            parse_in_location("2006-01-02", "2020-02-30", Loc::Utc).unwrap_err(),
            "parsing time \"2020-02-30\": day out of range"
        );
        assert_eq!(
            parse_in_location("2006-01-02", "x", Loc::Utc).unwrap_err(),
            "parsing time \"x\" as \"2006-01-02\": cannot parse \"x\" as \"2006\""
        );
    }

    #[test]
    fn durations() {
        for (d, s) in [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (3_600_000_000_000, "1h0m0s"),
            (-95_000_000_000, "-1m35s"),
            (90_061_500_000_000, "25h1m1.5s"),
        ] {
            assert_eq!(duration_string(d), s);
        }
        assert_eq!(parse_duration("1h15m30.5s"), Ok(4_530_500_000_000));
        assert_eq!(parse_duration("-1.5h"), Ok(-5_400_000_000_000));
        assert_eq!(
            parse_duration("1x"),
            Err("time: unknown unit \"x\" in duration \"1x\"".into())
        );
        assert_eq!(
            parse_duration("1"),
            Err("time: missing unit in duration \"1\"".into())
        );
        assert_eq!(duration_round(1_499_999_999, 1_000_000_000), 1_000_000_000);
        assert_eq!(duration_round(1_500_000_000, 1_000_000_000), 2_000_000_000);
    }
}
