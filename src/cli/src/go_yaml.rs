//! YAML exactly as kcp's plugins (and kubectl) print it: Kubernetes' YAML serializer writes an
//! object to JSON, reads that back as a generic YAML value and writes it with go-yaml v2
//! (`sigs.k8s.io/yaml.JSONToYAML`). What a reader sees of that:
//!
//! * map keys sorted the go-yaml way (runs of digits compare as numbers, other characters before
//!   letters, letters by code point), whatever order the object had;
//! * block style with two-space indentation, sequences in a mapping not indented (`key:\n- a`),
//!   empty maps and lists as `{}` and `[]`;
//! * strings plain where YAML 1.1 would read them back as strings, else single-quoted (`': '`
//!   inside, a leading `*`…) or double-quoted (`"true"`, `"1.0"`, control characters); strings
//!   with a line break as literal blocks (`|-`); long plain and quoted strings folded at spaces
//!   once a line passes 80 columns.
//!
//! [`to_string`] renders a [`serde_json::Value`] that way. Numbers must already be in the form
//! Go reads back from its own JSON ([`kcp_api::gojson::canonical_number`]).

use std::cmp::Ordering;

use serde_json::Value;

use kcp_api::gojson::format_g;

/// go-yaml's preferred line width and indentation.
const BEST_WIDTH: usize = 80;
const BEST_INDENT: isize = 2;

/// `v` as `sigs.k8s.io/yaml.JSONToYAML` writes it, ending in a newline.
pub fn to_string(v: &Value) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        ctx: Context::default(),
    };
    e.node(v, Context::default());
    // Document end: finish the last line.
    e.indent = -1;
    e.write_indent();
    e.out
}

/// Where a node is being written (go-yaml's emitter flags).
#[derive(Clone, Copy, Default)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

/// The subset of go-yaml's emitter state that block output needs.
struct Emitter {
    out: String,
    /// Characters written on the current line.
    column: usize,
    indent: isize,
    indents: Vec<isize>,
    /// The last character written is whitespace (no separating space needed).
    whitespace: bool,
    /// Only indentation (and indicators) written on the current line so far.
    indention: bool,
    ctx: Context,
}

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        s: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in s.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, v: &Value, ctx: Context) {
        self.ctx = ctx;
        match v {
            Value::Null => self.scalar("null", Style::Plain),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain),
            Value::Number(n) => {
                let text = match (n.as_i64(), n.as_u64()) {
                    (Some(i), _) => i.to_string(),
                    (_, Some(u)) => u.to_string(),
                    _ => format_g(n.as_f64().unwrap_or_default()),
                };
                self.scalar(&text, Style::Plain)
            }
            Value::String(s) => self.scalar(s, string_style(s)),
            Value::Array(items) if items.is_empty() => self.flow_collection('[', ']'),
            Value::Object(map) if map.is_empty() => self.flow_collection('{', '}'),
            Value::Array(items) => self.block_sequence(items),
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| key_order(a.0, b.0));
                self.block_mapping(&entries);
            }
        }
    }

    /// An empty collection: `{}` or `[]` (the only flow collections JSONToYAML writes).
    fn flow_collection(&mut self, open: char, close: char) {
        self.write_indicator(&open.to_string(), true, true, false);
        self.write_indicator(&close.to_string(), false, false, false);
    }

    fn block_sequence(&mut self, items: &[Value]) {
        let indentless = self.ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::default());
        }
        self.pop_indent();
    }

    fn block_mapping(&mut self, entries: &[(&String, &Value)]) {
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            let key_scalar = Scalar::analyze(key);
            let simple = !key_scalar.multiline && key.len() <= 128;
            if simple {
                self.node(
                    &Value::String((*key).clone()),
                    Context {
                        mapping: true,
                        simple_key: true,
                    },
                );
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.node(
                    &Value::String((*key).clone()),
                    Context {
                        mapping: true,
                        simple_key: false,
                    },
                );
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(
                value,
                Context {
                    mapping: true,
                    simple_key: false,
                },
            );
        }
        self.pop_indent();
    }

    fn scalar(&mut self, value: &str, requested: Style) {
        let analysis = Scalar::analyze(value);
        let style = self.select_style(&analysis, requested);
        self.increase_indent(true, false);
        let allow_breaks = !self.ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    /// go-yaml's `yaml_emitter_select_scalar_style`.
    fn select_style(&self, a: &Scalar, requested: Style) -> Style {
        let mut style = requested;
        if self.ctx.simple_key && a.multiline {
            style = Style::DoubleQuoted;
        }
        // Every scalar is in block context (flow collections here are always empty).
        if style == Style::Plain && (!a.block_plain_allowed || (a.empty && self.ctx.simple_key)) {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || self.ctx.simple_key) {
            style = Style::DoubleQuoted;
        }
        style
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < chars.len() - 1
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let starts_with_bom = value.starts_with('\u{feff}');
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let escape = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match escape {
                    Some(e) => self.put(e),
                    None => {
                        let v = c as u32;
                        let (prefix, width) = if v <= 0xff {
                            ('x', 2)
                        } else if v <= 0xffff {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(prefix);
                        for k in (0..width).rev() {
                            let digit = (v >> (k * 4)) & 0xf;
                            self.put(
                                char::from_digit(digit, 16)
                                    .unwrap_or('0')
                                    .to_ascii_uppercase(),
                            );
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < chars.len() - 1
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: an indentation indicator when the text starts with a space or a
        // break, then the chomping indicator.
        if value.starts_with(' ') || value.chars().next().is_some_and(is_break) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let mut rev = value.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break(before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// What go-yaml's `yaml_emitter_analyze_scalar` finds out about a scalar.
struct Scalar {
    empty: bool,
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

impl Scalar {
    fn analyze(value: &str) -> Scalar {
        if value.is_empty() {
            return Scalar {
                empty: true,
                multiline: false,
                block_plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        // Only block context matters here: flow collections are always empty.
        let mut block_indicators = value.starts_with("---") || value.starts_with("...");
        let mut line_breaks = false;
        let mut special_characters = false;
        let mut leading_space = false;
        let mut leading_break = false;
        let mut trailing_space = false;
        let mut trailing_break = false;
        let mut break_space = false;
        let mut space_break = false;
        let mut previous_space = false;
        let mut previous_break = false;

        let chars: Vec<char> = value.chars().collect();
        let mut preceded_by_whitespace = true;
        for (i, &c) in chars.iter().enumerate() {
            let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| n == ' ' || n == '\t');
            block_indicators |= if i == 0 {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => true,
                    '?' | ':' | '-' => followed_by_whitespace,
                    _ => false,
                }
            } else {
                match c {
                    ':' => followed_by_whitespace,
                    '#' => preceded_by_whitespace,
                    _ => false,
                }
            };
            if !is_printable(c) {
                special_characters = true;
            }
            let last = i + 1 == chars.len();
            if c == ' ' {
                leading_space |= i == 0;
                trailing_space |= last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                line_breaks = true;
                leading_break |= i == 0;
                trailing_break |= last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c) || c == '\0';
        }

        let mut s = Scalar {
            empty: false,
            multiline: line_breaks,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
        if leading_space || leading_break || trailing_space || trailing_break {
            s.block_plain_allowed = false;
        }
        if trailing_space {
            s.block_allowed = false;
        }
        if break_space {
            s.block_plain_allowed = false;
            s.single_quoted_allowed = false;
        }
        if space_break || special_characters {
            s.block_plain_allowed = false;
            s.single_quoted_allowed = false;
            s.block_allowed = false;
        }
        if line_breaks {
            s.block_plain_allowed = false;
        }
        if block_indicators {
            s.block_plain_allowed = false;
        }
        s
    }
}

/// The style go-yaml's encoder asks for a string: a literal block when it has a line feed,
/// plain when YAML 1.1 reads it back as the same string, else double-quoted.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_to_string(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// go-yaml's `is_printable` (with Unicode output on): what may appear unescaped.
fn is_printable(c: char) -> bool {
    matches!(c,
        '\n'
        | '\u{20}'..='\u{7e}'
        | '\u{a0}'..='\u{d7ff}'
        | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

/// Whether go-yaml v2 reads the plain scalar `s` back as a string (`resolve("", s)`).
pub fn resolves_to_string(s: &str) -> bool {
    const NON_STRINGS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null",
        "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    let Some(first) = s.bytes().next() else {
        return false;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            !NON_STRINGS.contains(&s)
        }
        b'.' => !NON_STRINGS.contains(&s) && !parses_as_go_float(s),
        b'+' | b'-' | b'0'..=b'9' => {
            if NON_STRINGS.contains(&s) || is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            !(parses_as_go_int(&plain)
                || (is_yaml_style_float(&plain) && parses_as_go_float(&plain)))
        }
        _ => true,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` succeeds (finite, in range).
fn parses_as_go_float(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        return true;
    }
    if body.contains("inf") || body.contains("nan") {
        return false;
    }
    s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds: decimal, `0x`, `0o`,
/// `0b`, or a leading `0` for octal.
fn parses_as_go_int(s: &str) -> bool {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    match u128::from_str_radix(digits, radix) {
        Ok(v) if negative => v <= i64::MAX as u128 + 1,
        Ok(v) => v <= u64::MAX as u128,
        Err(_) => false,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: YAML 1.1 sexagesimal numbers, which
/// go-yaml quotes for older parsers.
fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if frac.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_digit() || b == b'_')) {
        return false;
    }
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or_default();
    if !head.starts_with(|c: char| c.is_ascii_digit())
        || !head.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    let mut sexagesimal = 0;
    for part in parts {
        let ok = match part.as_bytes() {
            [d] => d.is_ascii_digit(),
            [t, d] => (b'0'..=b'5').contains(t) && d.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
        sexagesimal += 1;
    }
    sexagesimal > 0
}

/// What go-yaml's timestamp check accepts: `YYYY-M-D`, optionally with a time
/// (`T`/`t` and a zone, or a space and no zone).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let number = |t: &str, max_len: usize| -> Option<u32> {
        (!t.is_empty() && t.len() <= max_len && t.bytes().all(|c| c.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some((s.as_bytes()[i], &s[i + 1..]))),
        None => (s, None),
    };
    let mut ymd = date.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (ymd.next(), ymd.next(), ymd.next()) else {
        return false;
    };
    let (Some(year), Some(month), Some(day)) = (number(y, 4), number(m, 2), number(d, 2)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    let Some((sep, rest)) = time else {
        return true;
    };
    // The zone: `Z` or `±hh:mm` after the `T` forms; none after a space.
    let (clock, zone_ok) = if sep == b' ' {
        (rest, true)
    } else if let Some(c) = rest.strip_suffix('Z') {
        (c, true)
    } else if rest.len() > 6 && matches!(rest.as_bytes()[rest.len() - 6], b'+' | b'-') {
        let zone = &rest[rest.len() - 5..];
        let ok = zone.as_bytes()[2] == b':'
            && number(&zone[..2], 2).is_some()
            && number(&zone[3..], 2).is_some();
        (&rest[..rest.len() - 6], ok)
    } else {
        (rest, false)
    };
    if !zone_ok {
        return false;
    }
    let (hms, frac) = match clock.split_once('.') {
        Some((h, f)) => (h, Some(f)),
        None => (clock, None),
    };
    if frac.is_some_and(|f| number(f, 9).is_none()) {
        return false;
    }
    let mut parts = hms.splitn(3, ':');
    let (Some(h), Some(m), Some(sec)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    matches!((number(h, 2), number(m, 2), number(sec, 2)), (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 60)
}

/// go-yaml v2's map key order: two keys compare character by character; at the first
/// difference two letters compare by code point, a letter sorts after anything else, and two
/// runs of digits compare by their numeric value (then by length).
fn key_order(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let is_digit = |c: char| c.is_ascii_digit();
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_layout() {
        let v = json!({
            "spec": {"versions": [{"name": "v1", "served": true, "subresources": {}, "required": ["a", "b"]}],
                     "empty": [], "group": ""},
            "apiVersion": "v1",
            "n": [[1, 2], {"a": null}],
        });
        assert_eq!(
            to_string(&v),
            "\
apiVersion: v1
\"n\":
- - 1
  - 2
- a: null
spec:
  empty: []
  group: \"\"
  versions:
  - name: v1
    required:
    - a
    - b
    served: true
    subresources: {}
"
        );
    }

    #[test]
    fn scalar_styles() {
        for (s, want) in [
            ("plain text", "plain text"),
            ("true", "\"true\""),
            ("yes", "\"yes\""),
            ("1.0", "\"1.0\""),
            ("0x1F", "\"0x1F\""),
            ("1_000", "\"1_000\""),
            ("2022-05-07", "\"2022-05-07\""),
            ("1:20", "\"1:20\""),
            ("v1", "v1"),
            ("1.2.3", "1.2.3"),
            ("a: b", "'a: b'"),
            ("*", "'*'"),
            ("it's: x", "'it''s: x'"),
            ("- a", "'- a'"),
            ("a #b", "'a #b'"),
            ("a#b", "a#b"),
            (" lead", "' lead'"),
            ("tab\there", "\"tab\\there\""),
            ("emoji 😀", "\"emoji \\U0001F600\""),
            ("x\u{7f}", "\"x\\x7F\""),
            ("ünïcödé", "ünïcödé"),
            ("two\nlines", "|-\n  two\n  lines"),
            ("end\n", "|\n  end"),
            ("trailing \nspace", "\"trailing \\nspace\""),
            (" indented\nblock", "|2-\n   indented\n  block"),
        ] {
            assert_eq!(to_string(&json!({"k": s})), format!("k: {want}\n"), "{s:?}");
        }
        assert_eq!(
            to_string(&json!({"": 1, "200": 2})),
            "\"\": 1\n\"200\": 2\n"
        );
    }

    #[test]
    fn long_strings_fold_at_80_columns() {
        let text = "word ".repeat(30);
        let v = json!({"description": text.trim_end()});
        let out = to_string(&v);
        assert_eq!(
            out,
            "description: word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word word word\n"
        );
        assert!(out.lines().all(|l| l.len() <= 85));
    }

    #[test]
    fn key_order_is_go_yaml_s() {
        let mut keys = vec![
            "b", "a10", "a9", "B", "_x", "x-y", "xa", "a", "a09", "1", "02",
        ];
        keys.sort_by(|a, b| key_order(a, b));
        // As go-yaml sorts them (checked against it).
        assert_eq!(
            keys,
            [
                "_x", "1", "02", "B", "a", "a9", "a09", "a10", "b", "x-y", "xa"
            ]
        );
    }
}
