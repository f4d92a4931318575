//! sprig v3's remaining functions: dates, case conversion, wrapping, decimal float math,
//! paths, base32, dict merging, semver, URLs, reflection, and the environment-dependent ones
//! (`now`, random strings, UUIDs, `env`, `getHostByName`). The crypto functions are in
//! `crypto.rs`.

use std::collections::BTreeMap;
use std::rc::Rc;

use num_bigint::BigInt;
use rand::Rng as _;
use rand::seq::SliceRandom as _;

use super::funcs::{FnResult, Func, Ty, f, fv};
use super::gotime::{
    GoTime, Loc, duration_round, duration_string, load_location, parse_duration, parse_in_location,
};
use super::semver::semver_compare;
use super::value::{Value, go_quote};

use super::sprig::{int, s, string};

fn time_value(t: GoTime) -> Value {
    Value::Time(Rc::new(t))
}

// ---------------------------------------------------------------------------------------
// Dates.

/// sprig's `dateInZone`: a time, or Unix seconds (`int`, `int64`); anything else is now.
fn date_in_zone(layout: &str, date: &Value, zone: &str) -> String {
    let t = match date {
        Value::Time(t) => (**t).clone(),
        Value::Int(i) | Value::Int64(i) => GoTime::unix(*i),
        _ => GoTime::now(),
    };
    let loc = load_location(zone).unwrap_or(Loc::Utc);
    t.in_loc(loc).format(layout)
}

fn the_time(v: &Value) -> GoTime {
    match v {
        Value::Time(t) => (**t).clone(),
        _ => GoTime::zero(),
    }
}

/// sprig's `durationRound`: the largest unit (`y`, `mo`, `d`, `h`, `m`, `s`) that fits.
fn duration_round_text(v: &Value) -> String {
    let d: i64 = match v {
        Value::String(st) => parse_duration(st).unwrap_or(0),
        Value::Int64(i) => *i,
        Value::Time(t) => t.since(),
        _ => 0,
    };
    let u = d.unsigned_abs();
    const SEC: u64 = 1_000_000_000;
    let (minute, hour) = (60 * SEC, 3600 * SEC);
    let (day, month, year) = (24 * hour, 30 * 24 * hour, 365 * 24 * hour);
    for (unit, name) in [
        (year, "y"),
        (month, "mo"),
        (day, "d"),
        (hour, "h"),
        (minute, "m"),
        (SEC, "s"),
    ] {
        if u > unit {
            return format!("{}{name}", u / unit);
        }
    }
    "0s".into()
}

// ---------------------------------------------------------------------------------------
// Strings.

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

fn to_upper(c: char) -> char {
    let mut u = c.to_uppercase();
    match (u.next(), u.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

fn to_lower(c: char) -> char {
    let mut u = c.to_lowercase();
    match (u.next(), u.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

/// xstrings' `ToPascalCase` (sprig's `camelcase`).
fn pascal_case(st: &str) -> String {
    let mut chars = st.chars().peekable();
    let mut out = String::new();
    let mut first_upper = false;
    let mut r0 = '\0';
    let mut found = false;
    for c in chars.by_ref() {
        if !is_connector(c) {
            first_upper = c.is_uppercase();
            r0 = to_upper(c);
            found = true;
            break;
        }
        out.push(c);
    }
    if chars.peek().is_none() {
        if found {
            out.push(r0);
        }
        return out;
    }
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = r0.is_uppercase();
            r0 = to_upper(r0);
        } else {
            if first_upper {
                if r0.is_uppercase() {
                    r0 = to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings' `isAlphabet`: a letter that is not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    if !c.is_alphabetic() {
        return false;
    }
    let u = c as u32;
    !(u >= 0x3400
        && ((0x4E00..=0x9FCC).contains(&u)
            || (0x3400..=0x4D85).contains(&u)
            || (0x20000..=0x2B81D).contains(&u)))
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
        || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control() && {
            // General punctuation and CJK/fullwidth punctuation blocks.
            let u = c as u32;
            (0x2010..=0x2027).contains(&u)
                || (0x2030..=0x205E).contains(&u)
                || (0x3001..=0x3003).contains(&u)
                || (0x3008..=0x3011).contains(&u)
                || matches!(u, 0xA1 | 0xA7 | 0xAB | 0xB6 | 0xB7 | 0xBB | 0xBF)
        })
}

fn is_number(c: char) -> bool {
    c.is_numeric()
}

/// xstrings' `nextWord`: the type of the next word, the word and the rest.
fn next_word(st: &str) -> (Word, &str, &str) {
    let mut it = st.char_indices().peekable();
    let Some((_, r)) = it.next() else {
        return (Word::Invalid, "", "");
    };
    let end_of = |it: &mut std::iter::Peekable<std::str::CharIndices>,
                  pred: &dyn Fn(char) -> bool| {
        while let Some(&(i, c)) = it.peek() {
            if !pred(c) {
                return i;
            }
            it.next();
        }
        st.len()
    };
    let first = r.len_utf8();
    let (wt, end) = if is_connector(r) {
        (Word::Connector, end_of(&mut it, &is_connector))
    } else if is_punct(r) {
        (Word::Punct, end_of(&mut it, &is_punct))
    } else if r.is_uppercase() {
        match it.peek().copied() {
            None => (Word::Upper, st.len()),
            Some((_, c)) if c.is_uppercase() => {
                // A run of upper-case letters; "HTTPStatus" splits before the "S".
                let mut prev = first;
                let mut end = st.len();
                while let Some(&(i, c)) = it.peek() {
                    if !c.is_uppercase() {
                        end = i;
                        break;
                    }
                    prev = i;
                    it.next();
                }
                if end < st.len() && is_alphabet(st[end..].chars().next().unwrap_or(' ')) {
                    end = prev;
                }
                (Word::Upper, end)
            }
            Some((_, c)) if is_alphabet(c) => (
                Word::Upper,
                end_of(&mut it, &|c: char| is_alphabet(c) && !c.is_uppercase()),
            ),
            Some((i, _)) => (Word::Upper, i),
        }
    } else if is_alphabet(r) {
        (
            Word::Alphabet,
            end_of(&mut it, &|c: char| is_alphabet(c) && !c.is_uppercase()),
        )
    } else if is_number(r) {
        (Word::Number, end_of(&mut it, &is_number))
    } else {
        (
            Word::Other,
            end_of(&mut it, &|c: char| {
                !(is_connector(c) || is_alphabet(c) || is_number(c) || is_punct(c))
            }),
        )
    };
    (wt, &st[..end], &st[end..])
}

fn lower_word(out: &mut String, wt: Word, word: &str, connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else if c.is_uppercase() {
            out.push(to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings' `camelCaseToLowerCase` (`snakecase`, `kebabcase`).
fn snake_case(st: &str, connector: char) -> String {
    if st.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let (mut wt, mut word, mut remaining) = next_word(st);
    while !remaining.is_empty() {
        if wt != Word::Connector {
            lower_word(&mut out, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, remaining) = next_word(remaining);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    lower_word(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    out.push(connector);
                }
            }
            Word::Connector => lower_word(&mut out, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, remaining) = next_word(remaining);
                if wt != Word::Alphabet {
                    lower_word(&mut out, Word::Number, last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                lower_word(&mut out, Word::Number, last, connector);
                while wt == Word::Alphabet || wt == Word::Number {
                    lower_word(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    out.push(connector);
                }
            }
        }
    }
    lower_word(&mut out, wt, word, connector);
    out
}

/// goutils' `Initials`: the first byte of each whitespace-separated word (bytes taken as
/// Latin-1 characters, as Go's `rune(str[i])`).
fn initials(st: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for b in st.bytes() {
        let c = char::from(b);
        if c.is_whitespace() || matches!(b, 0x85 | 0xA0) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

/// goutils' `WrapCustom`.
fn wrap_custom(st: &str, width: i64, newline: &str, wrap_long: bool) -> String {
    if st.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline };
    let width = width.max(1) as usize;
    let b = st.as_bytes();
    let len = b.len();
    let mut offset = 0;
    let mut out: Vec<u8> = Vec::new();
    while len - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = width + offset + 1;
        let space = b[offset..end].iter().rposition(|&c| c == b' ');
        if let Some(sp) = space {
            let sp = sp + offset;
            out.extend_from_slice(&b[offset..sp]);
            out.extend_from_slice(newline.as_bytes());
            offset = sp + 1;
        } else if wrap_long {
            let end = width + offset;
            out.extend_from_slice(&b[offset..end]);
            out.extend_from_slice(newline.as_bytes());
            offset += width;
        } else {
            let end = width + offset;
            match b[end..].iter().position(|&c| c == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = len;
                }
                Some(i) => {
                    let sp = i + end;
                    out.extend_from_slice(&b[offset..sp]);
                    out.extend_from_slice(newline.as_bytes());
                    offset = sp + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// goutils' `CryptoRandom` over a character class, `count` characters (negative: "").
fn random_string(count: i64, class: fn(char) -> bool, lo: u32, hi: u32) -> String {
    if count <= 0 {
        return String::new();
    }
    let mut rng = rand::rng();
    let mut out = String::new();
    let mut n = 0;
    while n < count {
        let c = char::from_u32(rng.random_range(lo..hi)).unwrap_or(' ');
        if class(c) {
            out.push(c);
            n += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Decimal float math (shopspring/decimal, as sprig's `addf` & co. use it).

/// A decimal `mantissa × 10^exp`.
#[derive(Clone, Debug)]
struct Decimal {
    m: BigInt,
    e: i32,
}

fn pow10(n: u32) -> BigInt {
    BigInt::from(10u8).pow(n)
}

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_float(f: f64) -> Result<Decimal, String> {
        if !f.is_finite() {
            return Err(format!(
                "Cannot create a Decimal from {}",
                super::value::format_float_g(f, None)
            ));
        }
        let text = format!("{f:e}");
        let (mant, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let (int_part, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let digits = format!("{int_part}{frac}");
        let m: BigInt = digits.parse().unwrap_or_default();
        Ok(Decimal {
            m,
            e: exp - frac.len() as i32,
        })
    }

    fn align(a: &Decimal, b: &Decimal) -> (BigInt, BigInt, i32) {
        let e = a.e.min(b.e);
        (
            &a.m * pow10((a.e - e) as u32),
            &b.m * pow10((b.e - e) as u32),
            e,
        )
    }

    fn add(&self, o: &Decimal) -> Decimal {
        let (a, b, e) = Decimal::align(self, o);
        Decimal { m: a + b, e }
    }

    fn sub(&self, o: &Decimal) -> Decimal {
        let (a, b, e) = Decimal::align(self, o);
        Decimal { m: a - b, e }
    }

    fn mul(&self, o: &Decimal) -> Decimal {
        Decimal {
            m: &self.m * &o.m,
            e: self.e + o.e,
        }
    }

    /// `Div`: rounded half away from zero to 16 decimal places.
    fn div(&self, o: &Decimal) -> Result<Decimal, String> {
        let zero = BigInt::from(0);
        if o.m == zero {
            return Err("decimal division by 0".into());
        }
        const PREC: i32 = 16;
        let shift = self.e - o.e + PREC;
        let (n, d) = if shift >= 0 {
            (&self.m * pow10(shift as u32), o.m.clone())
        } else {
            (self.m.clone(), &o.m * pow10((-shift) as u32))
        };
        let mut q = &n / &d;
        let r = &n % &d;
        let abs = |x: &BigInt| if *x < zero { -x.clone() } else { x.clone() };
        if abs(&r) * 2 >= abs(&d) {
            if (n < zero) != (d < zero) {
                q -= 1;
            } else {
                q += 1;
            }
        }
        Ok(Decimal { m: q, e: -PREC })
    }

    fn to_f64(&self) -> f64 {
        format!("{}e{}", self.m, self.e).parse().unwrap_or(0.0)
    }
}

fn decimal_op(
    first: &Value,
    rest: &[Value],
    op: fn(&Decimal, &Decimal) -> Result<Decimal, String>,
) -> FnResult {
    let mut acc = Decimal::from_float(super::sprig::to_float64(first))?;
    for x in rest {
        acc = op(&acc, &Decimal::from_float(super::sprig::to_float64(x))?)?;
    }
    Ok(Value::Float(acc.to_f64()))
}

// ---------------------------------------------------------------------------------------
// Paths (Go's `path`; `path/filepath` is the same on Unix).

/// Go's `path.Clean`.
pub(crate) fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let p = p.trim_end_matches('/');
    if p.is_empty() {
        return "/".into();
    }
    match p.rfind('/') {
        Some(i) => p[i + 1..].to_string(),
        None => p.to_string(),
    }
}

fn dir(p: &str) -> String {
    let i = p.rfind('/').map(|i| i + 1).unwrap_or(0);
    clean(&p[..i])
}

fn ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return p[i..].to_string();
        }
    }
    String::new()
}

// ---------------------------------------------------------------------------------------
// base32 (Go's `base32.StdEncoding`).

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b32enc(src: &[u8]) -> String {
    let mut out = String::new();
    for chunk in src.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(B32[((n >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b32dec(v: &str) -> String {
    let src: Vec<u8> = v.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    let olen = src.len();
    let err = |n: usize| format!("illegal base32 data at input byte {n}");
    let map = |c: u8| B32.iter().position(|&x| x == c).map(|p| p as u8);
    let mut out = Vec::new();
    let mut rest: &[u8] = &src;
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut dbuf = [0u8; 8];
        let mut dlen = 8;
        let mut j = 0;
        while j < 8 {
            let Some((&inp, tail)) = rest.split_first() else {
                return err(olen - rest.len() - j);
            };
            rest = tail;
            if inp == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return err(olen);
                }
                for k in 0..(7 - j) {
                    if rest.len() > k && rest[k] != b'=' {
                        return err(olen - rest.len() + k - 1);
                    }
                }
                dlen = j;
                end = true;
                if matches!(dlen, 1 | 3 | 6) {
                    return err(olen - rest.len() - 1);
                }
                break;
            }
            match map(inp) {
                Some(x) => dbuf[j] = x,
                None => return err(olen - rest.len() - 1),
            }
            j += 1;
        }
        let n = dbuf.iter().fold(0u64, |acc, &x| (acc << 5) | u64::from(x));
        let bytes = n.to_be_bytes();
        let count = match dlen {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => 0,
        };
        out.extend_from_slice(&bytes[3..3 + count]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------
// Dicts.

/// mergo's `isEmptyValue` through an interface.
fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Missing | Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) | Value::Int64(i) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Struct(_) | Value::Time(_) | Value::Version(_) => false,
    }
}

/// mergo's `Merge` / `MergeWithOverwrite` of one `map[string]interface {}` into another.
fn merge_into(dst: &mut BTreeMap<String, Value>, src: &BTreeMap<String, Value>, overwrite: bool) {
    for (k, sv) in src {
        if sv.is_nil() {
            if overwrite {
                dst.insert(k.clone(), Value::Nil);
            }
            continue;
        }
        let de = dst.get(k).cloned();
        let mut de_now = de.clone();
        match sv {
            Value::Map(sm) => {
                if let Some(Value::Map(dm)) = &de {
                    let mut m = (**dm).clone();
                    merge_into(&mut m, sm, overwrite);
                    let merged = Value::Map(Rc::new(m));
                    dst.insert(k.clone(), merged.clone());
                    de_now = Some(merged);
                }
            }
            Value::List(_) => {
                let new = if overwrite || dst.is_empty() {
                    sv.clone()
                } else {
                    match &de {
                        Some(d) if !d.is_nil() => d.clone(),
                        _ => Value::List(Rc::default()),
                    }
                };
                dst.insert(k.clone(), new);
            }
            _ => {}
        }
        if let Some(d) = &de_now
            && !is_empty_value(d)
            && (matches!(sv, Value::List(_))
                || (matches!(sv, Value::Map(_)) && matches!(d, Value::Map(_))))
        {
            continue;
        }
        if overwrite || de.is_none() || de_now.as_ref().is_none_or(is_empty_value) {
            dst.insert(k.clone(), sv.clone());
        }
    }
}

fn merge(a: &[Value], overwrite: bool) -> FnResult {
    let mut dst = match &a[0] {
        Value::Map(m) => (**m).clone(),
        _ => BTreeMap::new(),
    };
    for src in &a[1..] {
        if let Value::Map(m) = src {
            merge_into(&mut dst, m, overwrite);
        }
    }
    Ok(Value::Map(Rc::new(dst)))
}

// ---------------------------------------------------------------------------------------
// URLs (Go's `net/url`).

#[derive(Clone, Copy, PartialEq, Eq)]
enum Enc {
    Path,
    Host,
    UserPassword,
    Fragment,
}

fn should_escape(c: u8, mode: Enc) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Enc::Host
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Enc::Fragment => false,
                Enc::Path => c == b'?',
                Enc::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Enc::Host => true,
            };
        }
        _ => {}
    }
    if mode == Enc::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn url_escape(st: &str, mode: Enc) -> String {
    let mut out = String::new();
    for b in st.bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

fn url_unescape(st: &str, mode: Enc) -> Result<String, String> {
    let b = st.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len()
                    || !b[i + 1].is_ascii_hexdigit()
                    || !b[i + 2].is_ascii_hexdigit()
                {
                    let e: String = String::from_utf8_lossy(&b[i..(i + 3).min(b.len())]).into();
                    return Err(format!("invalid URL escape {}", go_quote(&e)));
                }
                if mode == Enc::Host && unhex(b[i + 1]) < 8 && &b[i..i + 3] != b"%25" {
                    let e: String = String::from_utf8_lossy(&b[i..i + 3]).into();
                    return Err(format!("invalid URL escape {}", go_quote(&e)));
                }
                i += 3;
            }
            c => {
                if mode == Enc::Host && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {} in host name",
                        go_quote(&(c as char).to_string())
                    ));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(unhex(b[i + 1]) << 4 | unhex(b[i + 2]));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[derive(Default)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_path: String,
    force_query: bool,
    raw_query: String,
    fragment: String,
}

fn user_string(u: &(String, Option<String>)) -> String {
    let mut s = url_escape(&u.0, Enc::UserPassword);
    if let Some(p) = &u.1 {
        s.push(':');
        s.push_str(&url_escape(p, Enc::UserPassword));
    }
    s
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let colon_port = &host[i + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", go_quote(colon_port)));
        }
        return url_unescape(host, Enc::Host);
    }
    if let Some(i) = host.rfind(':') {
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", go_quote(colon_port)));
        }
    }
    url_unescape(host, Enc::Host)
}

fn valid_optional_port(port: &str) -> bool {
    if port.is_empty() {
        return true;
    }
    port.starts_with(':') && port[1..].bytes().all(|c| c.is_ascii_digit())
}

/// Go's `url.Parse` (without its `viaRequest` strictness).
fn url_parse(raw: &str) -> Result<Url, String> {
    let wrap = |e: String| format!("parse {}: {e}", go_quote(raw));
    let (rest, frag) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (raw, None),
    };
    let mut u = Url::default();
    if rest.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err(wrap("net/url: invalid control character in URL".into()));
    }
    if let Some(f) = frag {
        u.fragment = url_unescape(f, Enc::Fragment).map_err(wrap)?;
    }
    if rest == "*" {
        u.path = "*".into();
        return Ok(u);
    }
    // The scheme.
    let mut rest = rest;
    for (i, c) in rest.bytes().enumerate() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.') {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == b':' {
            if i == 0 {
                return Err(wrap("missing protocol scheme".into()));
            }
            u.scheme = rest[..i].to_ascii_lowercase();
            rest = &rest[i + 1..];
        }
        break;
    }
    let rest_owned;
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        u.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        u.raw_query = q.to_string();
        rest_owned = r.to_string();
        rest = &rest_owned;
    }
    if !rest.starts_with('/') {
        if !u.scheme.is_empty() {
            u.opaque = rest.to_string();
            return Ok(u);
        }
        if let Some(colon) = rest.find(':')
            && rest.find('/').is_none_or(|slash| colon < slash)
        {
            return Err(wrap(
                "first path segment in URL cannot contain colon".into(),
            ));
        }
    }
    let mut rest = rest.to_string();
    if (!u.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = rest[2..].to_string();
        let (authority, path) = match after.find('/') {
            Some(i) => (after[..i].to_string(), after[i..].to_string()),
            None => (after.clone(), String::new()),
        };
        let (userinfo, host) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority.as_str()),
        };
        u.host = parse_host(host).map_err(wrap)?;
        if let Some(ui) = userinfo {
            let valid = ui.bytes().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(
                        c,
                        b'-' | b'.'
                            | b'_'
                            | b':'
                            | b'~'
                            | b'!'
                            | b'$'
                            | b'&'
                            | b'\''
                            | b'('
                            | b')'
                            | b'*'
                            | b'+'
                            | b','
                            | b';'
                            | b'='
                            | b'%'
                            | b'@'
                    )
            });
            if !valid {
                return Err(wrap("net/url: invalid userinfo".into()));
            }
            u.user = Some(match ui.split_once(':') {
                None => (url_unescape(ui, Enc::UserPassword).map_err(wrap)?, None),
                Some((n, p)) => (
                    url_unescape(n, Enc::UserPassword).map_err(wrap)?,
                    Some(url_unescape(p, Enc::UserPassword).map_err(wrap)?),
                ),
            });
        }
        rest = path;
    }
    u.path = url_unescape(&rest, Enc::Path).map_err(wrap)?;
    if url_escape(&u.path, Enc::Path) != rest {
        u.raw_path = rest;
    }
    Ok(u)
}

fn hostname(host: &str) -> String {
    let (h, _) = match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => (&host[..i], &host[i..]),
        _ => (host, ""),
    };
    if let Some(stripped) = h.strip_prefix('[') {
        return stripped.strip_suffix(']').unwrap_or(stripped).to_string();
    }
    h.to_string()
}

fn escaped_path(u: &Url) -> String {
    if !u.raw_path.is_empty()
        && url_unescape(&u.raw_path, Enc::Path).is_ok_and(|p| p == u.path)
        && u.raw_path.bytes().all(|c| {
            matches!(
                c,
                b'!' | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'['
                    | b']'
                    | b'%'
            ) || !should_escape(c, Enc::Path)
        })
    {
        return u.raw_path.clone();
    }
    if u.path == "*" {
        return "*".into();
    }
    url_escape(&u.path, Enc::Path)
}

/// Go's `URL.String`.
fn url_string(u: &Url) -> String {
    let mut buf = String::new();
    if !u.scheme.is_empty() {
        buf.push_str(&u.scheme);
        buf.push(':');
    }
    if !u.opaque.is_empty() {
        buf.push_str(&u.opaque);
    } else {
        if !u.scheme.is_empty() || !u.host.is_empty() || u.user.is_some() {
            if !u.host.is_empty() || !u.path.is_empty() || u.user.is_some() {
                buf.push_str("//");
            }
            if let Some(ui) = &u.user {
                buf.push_str(&user_string(ui));
                buf.push('@');
            }
            if !u.host.is_empty() {
                buf.push_str(&url_escape(&u.host, Enc::Host));
            }
        }
        let path = escaped_path(u);
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            buf.push('/');
        }
        if buf.is_empty() && path.split('/').next().is_some_and(|seg| seg.contains(':')) {
            buf.push_str("./");
        }
        buf.push_str(&path);
    }
    if u.force_query || !u.raw_query.is_empty() {
        buf.push('?');
        buf.push_str(&u.raw_query);
    }
    if !u.fragment.is_empty() {
        buf.push('#');
        buf.push_str(&url_escape(&u.fragment, Enc::Fragment));
    }
    buf
}

fn url_parse_fn(a: &[Value]) -> FnResult {
    let u = url_parse(s(&a[0])).map_err(|e| format!("unable to parse url: {e}"))?;
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), Value::from(v));
    };
    put("scheme", u.scheme.clone());
    put("host", u.host.clone());
    put("hostname", hostname(&u.host));
    put("path", u.path.clone());
    put("query", u.raw_query.clone());
    put("opaque", u.opaque.clone());
    put("fragment", u.fragment.clone());
    put(
        "userinfo",
        u.user.as_ref().map(user_string).unwrap_or_default(),
    );
    Ok(Value::Map(Rc::new(m)))
}

fn url_join_fn(a: &[Value]) -> FnResult {
    let Value::Map(d) = &a[0] else {
        return string("");
    };
    let get = |k: &str| -> Result<String, String> {
        match d.get(k) {
            None => Ok(String::new()),
            Some(Value::String(v)) => Ok(v.to_string()),
            Some(v) => Err(format!(
                "unable to parse {k} key, must be of type string, but {} found",
                v.kind_name()
            )),
        }
    };
    let mut u = Url {
        scheme: get("scheme")?,
        host: get("host")?,
        path: get("path")?,
        raw_query: get("query")?,
        opaque: get("opaque")?,
        fragment: get("fragment")?,
        ..Url::default()
    };
    let userinfo = get("userinfo")?;
    if !userinfo.is_empty() {
        let t = url_parse(&format!("proto://{userinfo}@host"))
            .map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
        u.user = t.user;
    }
    string(url_string(&u))
}

// ---------------------------------------------------------------------------------------
// The environment.

/// Go's `os.Expand` with `os.Getenv`.
fn expand_env(st: &str) -> String {
    let b = st.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0;
    let mut start = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            out.extend_from_slice(&b[start..i]);
            let rest = &st[i + 1..];
            let (name, w) = shell_name(rest);
            if name.is_empty() && w > 0 {
                // Invalid syntax: eat the characters.
            } else if name.is_empty() {
                out.push(b'$');
            } else {
                out.extend_from_slice(std::env::var(name).unwrap_or_default().as_bytes());
            }
            i += w;
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&b[start.min(b.len())..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `getShellName`: the variable name after `$` and how many bytes it takes.
fn shell_name(s: &str) -> (&str, usize) {
    let b = s.as_bytes();
    let special =
        |c: u8| matches!(c, b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-') || c.is_ascii_digit();
    if b[0] == b'{' {
        if b.len() > 2 && special(b[1]) && b[2] == b'}' {
            return (&s[1..2], 3);
        }
        for i in 1..b.len() {
            if b[i] == b'}' {
                if i == 1 {
                    return ("", 2);
                }
                return (&s[1..i], i + 1);
            }
        }
        return ("", 1);
    }
    if special(b[0]) {
        return (&s[..1], 1);
    }
    let n = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    (&s[..n], n)
}

fn get_host_by_name(name: &str) -> Result<String, String> {
    use std::net::ToSocketAddrs as _;
    let mut addrs: Vec<String> = Vec::new();
    if let Ok(it) = (name, 0).to_socket_addrs() {
        for a in it {
            let ip = a.ip().to_string();
            if !addrs.contains(&ip) {
                addrs.push(ip);
            }
        }
    }
    if addrs.is_empty() {
        // Go indexes an empty slice: a runtime panic.
        return Err("runtime error: index out of range [0] with length 0".into());
    }
    let i = rand::rng().random_range(0..addrs.len());
    Ok(addrs.swap_remove(i))
}

/// copystructure's `Copy`: values here are immutable, so a copy is the value itself; nil
/// panics inside reflect, as in Go.
fn deep_copy(a: &[Value]) -> FnResult {
    if a[0].is_nil() {
        return Err("reflect: call of reflect.Value.Type on zero Value".into());
    }
    Ok(a[0].clone())
}

fn shuffle(st: &str) -> String {
    let mut chars: Vec<char> = st.chars().collect();
    chars.shuffle(&mut rand::rng());
    chars.into_iter().collect()
}

/// The functions this module adds to sprig's table.
pub(crate) fn functions() -> Vec<(&'static str, Func)> {
    use Ty::*;
    let date_modify = |a: &[Value]| -> FnResult {
        let t = the_time(&a[1]);
        Ok(match parse_duration(s(&a[0])) {
            Ok(d) => time_value(t.add(d)),
            Err(_) => time_value(t),
        })
    };
    let must_date_modify = |a: &[Value]| -> FnResult {
        let d = parse_duration(s(&a[0]))?;
        Ok(time_value(the_time(&a[1]).add(d)))
    };
    let date_in_zone_fn = |a: &[Value]| string(date_in_zone(s(&a[0]), &a[1], s(&a[2])));
    vec![
        ("hello", f(&[], |_| string("Hello!"))),
        // Dates.
        ("now", f(&[], |_| Ok(time_value(GoTime::now())))),
        (
            "date",
            f(&[Str, Any], |a| {
                string(date_in_zone(s(&a[0]), &a[1], "Local"))
            }),
        ),
        ("dateInZone", f(&[Str, Any, Str], date_in_zone_fn)),
        ("date_in_zone", f(&[Str, Any, Str], date_in_zone_fn)),
        (
            "htmlDate",
            f(&[Any], |a| {
                string(date_in_zone("2006-01-02", &a[0], "Local"))
            }),
        ),
        (
            "htmlDateInZone",
            f(&[Any, Str], |a| {
                string(date_in_zone("2006-01-02", &a[0], s(&a[1])))
            }),
        ),
        ("dateModify", f(&[Str, Time], date_modify)),
        ("date_modify", f(&[Str, Time], date_modify)),
        ("mustDateModify", f(&[Str, Time], must_date_modify)),
        ("must_date_modify", f(&[Str, Time], must_date_modify)),
        (
            "ago",
            f(&[Any], |a| {
                let t = match &a[0] {
                    Value::Time(t) => (**t).clone(),
                    Value::Int(i) | Value::Int64(i) => GoTime::unix(*i),
                    _ => GoTime::now(),
                };
                string(duration_string(duration_round(t.since(), 1_000_000_000)))
            }),
        ),
        (
            "duration",
            f(&[Any], |a| {
                let n = match &a[0] {
                    Value::String(st) => st.parse::<i64>().unwrap_or(0),
                    Value::Int64(i) => *i,
                    _ => 0,
                };
                string(duration_string(n.wrapping_mul(1_000_000_000)))
            }),
        ),
        (
            "durationRound",
            f(&[Any], |a| string(duration_round_text(&a[0]))),
        ),
        (
            "toDate",
            f(&[Str, Str], |a| {
                Ok(time_value(
                    parse_in_location(s(&a[0]), s(&a[1]), Loc::Local)
                        .unwrap_or_else(|_| GoTime::zero()),
                ))
            }),
        ),
        (
            "mustToDate",
            f(&[Str, Str], |a| {
                Ok(time_value(parse_in_location(
                    s(&a[0]),
                    s(&a[1]),
                    Loc::Local,
                )?))
            }),
        ),
        (
            "unixEpoch",
            f(&[Time], |a| string(the_time(&a[0]).unix_secs().to_string())),
        ),
        // Strings.
        ("initials", f(&[Str], |a| string(initials(s(&a[0]))))),
        (
            "randAlphaNum",
            f(&[Int], |a| {
                string(random_string(
                    int(&a[0]),
                    |c| c.is_ascii_alphanumeric(),
                    32,
                    123,
                ))
            }),
        ),
        (
            "randAlpha",
            f(&[Int], |a| {
                string(random_string(
                    int(&a[0]),
                    |c| c.is_ascii_alphabetic(),
                    32,
                    123,
                ))
            }),
        ),
        (
            "randNumeric",
            f(&[Int], |a| {
                string(random_string(int(&a[0]), |c| c.is_ascii_digit(), 32, 123))
            }),
        ),
        (
            "randAscii",
            f(&[Int], |a| {
                string(random_string(int(&a[0]), |_| true, 32, 127))
            }),
        ),
        ("shuffle", f(&[Str], |a| string(shuffle(s(&a[0]))))),
        (
            "snakecase",
            f(&[Str], |a| string(snake_case(s(&a[0]), '_'))),
        ),
        (
            "kebabcase",
            f(&[Str], |a| string(snake_case(s(&a[0]), '-'))),
        ),
        ("camelcase", f(&[Str], |a| string(pascal_case(s(&a[0]))))),
        (
            "wrap",
            f(&[Int, Str], |a| {
                string(wrap_custom(s(&a[1]), int(&a[0]), "", false))
            }),
        ),
        (
            "wrapWith",
            f(&[Int, Str, Str], |a| {
                string(wrap_custom(s(&a[2]), int(&a[0]), s(&a[1]), true))
            }),
        ),
        // Math.
        (
            "randInt",
            f(&[Int, Int], |a| {
                let (lo, hi) = (int(&a[0]), int(&a[1]));
                let n = hi.wrapping_sub(lo);
                if n <= 0 {
                    return Err("invalid argument to Intn".into());
                }
                Ok(Value::Int(rand::rng().random_range(0..n) + lo))
            }),
        ),
        (
            "add1f",
            f(&[Any], |a| {
                decimal_op(&a[0], &[Value::Int(1)], |x, y| Ok(x.add(y)))
            }),
        ),
        (
            "addf",
            fv(&[], Any, |a| {
                decimal_op(&Value::Float(0.0), a, |x, y| Ok(x.add(y)))
            }),
        ),
        (
            "subf",
            fv(&[Any], Any, |a| {
                decimal_op(&a[0], &a[1..], |x, y| Ok(x.sub(y)))
            }),
        ),
        (
            "mulf",
            fv(&[Any], Any, |a| {
                decimal_op(&a[0], &a[1..], |x, y| Ok(x.mul(y)))
            }),
        ),
        (
            "divf",
            fv(&[Any], Any, |a| decimal_op(&a[0], &a[1..], Decimal::div)),
        ),
        (
            "toDecimal",
            f(&[Any], |a| {
                let text = super::sprig::strval(&a[0]);
                let body = text.strip_prefix(['+', '-']).unwrap_or(&text);
                let ok = !body.is_empty() && body.bytes().all(|c| (b'0'..=b'7').contains(&c));
                let v = if ok {
                    i64::from_str_radix(&text, 8).unwrap_or(0)
                } else {
                    0
                };
                Ok(Value::Int64(v))
            }),
        ),
        // Reflection and copies.
        (
            "typeIsLike",
            f(&[Str, Any], |a| {
                let t = if a[1].is_nil() {
                    "<nil>".to_string()
                } else {
                    a[1].type_name()
                };
                let target = s(&a[0]);
                Ok(Value::Bool(target == t || format!("*{target}") == t))
            }),
        ),
        ("deepCopy", f(&[Any], deep_copy)),
        ("mustDeepCopy", f(&[Any], deep_copy)),
        ("merge", fv(&[Map], Map, |a| merge(a, false))),
        ("mustMerge", fv(&[Map], Map, |a| merge(a, false))),
        ("mergeOverwrite", fv(&[Map], Map, |a| merge(a, true))),
        ("mustMergeOverwrite", fv(&[Map], Map, |a| merge(a, true))),
        // Environment and network.
        (
            "env",
            f(&[Str], |a| {
                string(std::env::var(s(&a[0])).unwrap_or_default())
            }),
        ),
        ("expandenv", f(&[Str], |a| string(expand_env(s(&a[0]))))),
        (
            "getHostByName",
            f(&[Str], |a| get_host_by_name(s(&a[0])).map(Value::from)),
        ),
        // Paths.
        ("base", f(&[Str], |a| string(base(s(&a[0]))))),
        ("dir", f(&[Str], |a| string(dir(s(&a[0]))))),
        ("clean", f(&[Str], |a| string(clean(s(&a[0]))))),
        ("ext", f(&[Str], |a| string(ext(s(&a[0]))))),
        (
            "isAbs",
            f(&[Str], |a| Ok(Value::Bool(s(&a[0]).starts_with('/')))),
        ),
        ("osBase", f(&[Str], |a| string(base(s(&a[0]))))),
        ("osDir", f(&[Str], |a| string(dir(s(&a[0]))))),
        ("osClean", f(&[Str], |a| string(clean(s(&a[0]))))),
        ("osExt", f(&[Str], |a| string(ext(s(&a[0]))))),
        (
            "osIsAbs",
            f(&[Str], |a| Ok(Value::Bool(s(&a[0]).starts_with('/')))),
        ),
        // Encodings.
        ("b32enc", f(&[Str], |a| string(b32enc(s(&a[0]).as_bytes())))),
        ("b32dec", f(&[Str], |a| string(b32dec(s(&a[0]))))),
        // UUIDs and semantic versions.
        (
            "uuidv4",
            f(&[], |_| string(uuid::Uuid::new_v4().to_string())),
        ),
        (
            "semver",
            f(&[Str], |a| {
                Ok(Value::Version(Rc::new(super::semver::Version::parse(s(
                    &a[0],
                ))?)))
            }),
        ),
        (
            "semverCompare",
            f(&[Str, Str], |a| {
                Ok(Value::Bool(semver_compare(s(&a[0]), s(&a[1]))?))
            }),
        ),
        // URLs.
        ("urlParse", f(&[Str], url_parse_fn)),
        ("urlJoin", f(&[Map], url_join_fn)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversion() {
        for (input, snake, camel) in [
            ("FirstName", "first_name", "FirstName"),
            ("HTTPServer", "http_server", "Httpserver"),
            ("NoHTTPS", "no_https", "NoHTTPS"),
            ("GO_PATH", "go_path", "GoPath"),
            ("GO PATH", "go_path", "GoPath"),
            ("GO-PATH", "go_path", "GoPath"),
            ("http2xx", "http_2xx", "Http2xx"),
            ("HTTP20xOK", "http_20x_ok", "Http20xOK"),
            ("Duration2m3s", "duration_2m3s", "Duration2m3s"),
            ("Bld4Floor3rd", "bld4_floor_3rd", "Bld4Floor3rd"),
            ("some_words", "some_words", "SomeWords"),
            ("_complex__case_", "_complex__case_", "_Complex_Case_"),
        ] {
            assert_eq!(snake_case(input, '_'), snake, "snake {input}");
            assert_eq!(pascal_case(input), camel, "camel {input}");
        }
    }

    #[test]
    fn decimals() {
        let d = |f: f64| Decimal::from_float(f).unwrap();
        assert_eq!(d(1.1).add(&d(2.2)).to_f64(), 3.3);
        assert_eq!(d(10.0).div(&d(3.0)).unwrap().to_f64(), 3.3333333333333335);
        assert_eq!(d(2.0).div(&d(3.0)).unwrap().to_f64(), 0.6666666666666667);
    }
}
