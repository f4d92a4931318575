//! The YAML text gnostic stores for a JSON value (`Any.yaml` in `/openapi/v2` protobuf).
//!
//! gnostic reads the JSON document with Go's `yaml.v3`, and for every free-form value (vendor
//! extensions, `default`, `example`, `enum` members) keeps `yaml.Marshal` of the parsed node
//! after clearing its styles. So the text is what yaml.v3's emitter writes for a node tree
//! that came from JSON: block style with an indent of four, empty collections as `[]`/`{}`,
//! numbers, booleans and `null` as written in the JSON, and each string in the first style the
//! emitter accepts for it — plain, single-quoted, double-quoted or literal (`|`) — which
//! depends on whether plain text would read back as another type (`"true"`, `"1.5"`,
//! `"2024-01-02"`, `""`) and on the characters it holds. Lines are never folded (yaml.v3's
//! default width is unlimited).
//!
//! [`marshal`] is the entry point; the emitter below keeps the state yaml.v3's emitter keeps
//! (column, indentation stack, whether the last character was whitespace or indentation) so
//! that spacing and line breaks come out the same.

use serde_json::Value;

/// yaml.v3's `Marshal` indent.
const BEST_INDENT: i32 = 4;

/// The YAML text of `value`, ending in a line break, as gnostic's `compiler.Marshal` makes it.
pub fn marshal(value: &Value) -> String {
    let mut e = Emitter::default();
    e.node(value, Context::Root);
    // The implicit document end: a line break unless the output already ends with one.
    e.write_indent_at(0);
    e.out
}

/// Where a node sits, which decides its indentation and which scalar styles it may take.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    SequenceItem,
    /// A mapping key written inline (`key: value`).
    SimpleKey,
    /// A long or multi-line mapping key written after `? `.
    ComplexKey,
    MappingValue,
}

/// The style a scalar is written in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

struct Emitter {
    out: String,
    column: usize,
    /// The last character written was whitespace (so an indicator needs no space before it).
    whitespace: bool,
    /// Only indentation has been written on the current line.
    indention: bool,
    indent: i32,
    indents: Vec<i32>,
}

impl Default for Emitter {
    fn default() -> Self {
        Self {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
        }
    }
}

impl Emitter {
    fn node(&mut self, value: &Value, ctx: Context) {
        match value {
            Value::Null => self.scalar("null", Style::Plain, ctx),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Value::Number(n) => self.scalar(&n.to_string(), Style::Plain, ctx),
            Value::String(s) => self.scalar(s, requested_string_style(s), ctx),
            Value::Array(items) if items.is_empty() => self.empty_collection("[]"),
            Value::Object(map) if map.is_empty() => self.empty_collection("{}"),
            Value::Array(items) => {
                self.increase_indent(false, ctx);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::SequenceItem);
                }
                self.decrease_indent();
            }
            Value::Object(map) => {
                self.increase_indent(false, ctx);
                for (key, value) in map {
                    self.write_indent();
                    let analysis = Analysis::of(key);
                    // A key longer than 128 bytes, or spanning lines, is written as `? key`.
                    if !analysis.multiline && key.len() <= 128 {
                        self.scalar(key, requested_string_style(key), Context::SimpleKey);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.scalar(key, requested_string_style(key), Context::ComplexKey);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(value, Context::MappingValue);
                }
                self.decrease_indent();
            }
        }
    }

    /// `[]` or `{}`: an empty collection is always written in flow style.
    fn empty_collection(&mut self, text: &str) {
        self.write_indicator(&text[..1], true, true, false);
        self.write_indicator(&text[1..], false, false, false);
    }

    fn scalar(&mut self, value: &str, requested: Style, ctx: Context) {
        let style = select_style(value, requested, ctx == Context::SimpleKey);
        self.increase_indent(true, ctx);
        match style {
            Style::Plain => self.write_plain(value),
            Style::SingleQuoted => self.write_single_quoted(value),
            Style::DoubleQuoted => self.write_double_quoted(value),
            Style::Literal => self.write_literal(value),
        }
        self.decrease_indent();
    }

    /// A nested node is indented to the next multiple of four, except that a sequence item's
    /// content only skips the `- ` before it.
    fn increase_indent(&mut self, flow: bool, ctx: Context) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if ctx == Context::SequenceItem {
            self.indent += 2;
        } else {
            self.indent = BEST_INDENT * ((self.indent + BEST_INDENT) / BEST_INDENT);
        }
    }

    fn decrease_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.indention = true;
    }

    /// A line break character of the value: `\n` is written as such, the others (CR, NEL, LS,
    /// PS) are copied.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
            self.indention = true;
        }
    }

    fn write_indent(&mut self) {
        self.write_indent_at(self.indent.max(0));
    }

    fn write_indent_at(&mut self, indent: i32) {
        let indent = usize::try_from(indent).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn write_plain(&mut self, value: &str) {
        if !value.is_empty() && !self.whitespace {
            self.put(' ');
        }
        // Plain style is never chosen for a value with line breaks.
        for c in value.chars() {
            self.put(c);
        }
        if !value.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &str) {
        self.write_indicator("'", true, false, false);
        let mut breaks = false;
        for c in value.chars() {
            if c == ' ' {
                self.put(c);
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
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
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &str) {
        self.write_indicator("\"", true, false, false);
        // yaml.v3 tests for a byte order mark at the start of the value, not at each
        // character: a value that starts with one has every character escaped.
        let starts_with_bom = value.starts_with('\u{feff}');
        for c in value.chars() {
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{07}' => self.put('a'),
                    '\u{08}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{0b}' => self.put('v'),
                    '\u{0c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let code = u32::from(c);
                        let (letter, digits) = match code {
                            0..=0xff => ('x', 2),
                            0x100..=0xffff => ('u', 4),
                            _ => ('U', 8),
                        };
                        self.put(letter);
                        for k in (0..digits).rev() {
                            let digit = (code >> (4 * k)) & 0xf;
                            self.put(
                                char::from_digit(digit, 16).map_or('0', |d| d.to_ascii_uppercase()),
                            );
                        }
                    }
                }
            } else {
                self.put(c);
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        let mut chars = value.chars();
        if chars.next().is_some_and(|c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        // The chomping indicator: `-` strips the missing final break, `+` keeps extra ones.
        let mut rev = value.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break(before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.write_break(c);
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

/// The style yaml.v3's encoder asks for a string node without a style: literal if it has a
/// line feed, double-quoted if plain text would read back as something else than a string,
/// plain otherwise. The emitter may still refuse it ([`select_style`]).
fn requested_string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if !resolves_to_string(s) {
        Style::DoubleQuoted
    } else {
        Style::Plain
    }
}

/// The emitter's choice: the requested style if the characters allow it, else the next one.
fn select_style(value: &str, requested: Style, simple_key: bool) -> Style {
    let a = Analysis::of(value);
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::DoubleQuoted;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (value.is_empty() && simple_key)) {
        style = Style::SingleQuoted;
    }
    if style == Style::SingleQuoted && !a.single_quoted_allowed {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}

/// What the characters of a scalar allow (yaml.v3's `yaml_emitter_analyze_scalar`, for block
/// context: flow context is only ever used here for empty collections).
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

impl Analysis {
    fn of(value: &str) -> Self {
        if value.is_empty() {
            return Self {
                multiline: false,
                block_plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        let mut block_indicators = value.starts_with("---") || value.starts_with("...");
        let (mut line_breaks, mut special, mut tabs) = (false, false, false);
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;
        let chars: Vec<char> = value.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let first = i == 0;
            let last = i + 1 == chars.len();
            let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| n == ' ' || n == '\t');
            if first {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => block_indicators = true,
                    '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                    _ => {}
                }
            } else {
                match c {
                    ':' if followed_by_whitespace => block_indicators = true,
                    '#' if preceded_by_whitespace => block_indicators = true,
                    _ => {}
                }
            }
            if c == '\t' {
                tabs = true;
            } else if !is_printable(c) {
                special = true;
            }
            if c == ' ' {
                leading_space |= first;
                trailing_space |= last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                line_breaks = true;
                leading_break |= first;
                trailing_break |= last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = c == ' ' || c == '\t' || c == '\0' || is_break(c);
        }
        let edges = leading_space || leading_break || trailing_space || trailing_break;
        Self {
            multiline: line_breaks,
            block_plain_allowed: !(edges
                || break_space
                || space_break
                || tabs
                || special
                || line_breaks
                || block_indicators),
            single_quoted_allowed: !(break_space || space_break || tabs || special),
            block_allowed: !(trailing_space || space_break || special),
        }
    }
}

/// Characters yaml.v3 writes unescaped: LF and the printable ranges of the Basic Multilingual
/// Plane (not the byte order mark); characters beyond it are escaped.
fn is_printable(c: char) -> bool {
    matches!(u32::from(c), 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfffd) && c != '\u{feff}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whether plain text `s` reads back as a string under yaml.v3's resolver: not `null`, a
/// boolean, a number (decimal, `0x`, `0o`, `0b`, old-style octal, `.inf`, `.nan`) or a
/// timestamp.
pub fn resolves_to_string(s: &str) -> bool {
    let Some(first) = s.bytes().next() else {
        // The empty string is null.
        return false;
    };
    if matches!(
        s,
        "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    ) {
        return false;
    }
    match first {
        b'.' => !go_float_syntax(s).is_some_and(f64::is_finite),
        b'0'..=b'9' | b'+' | b'-' => !(is_timestamp(s) || resolves_to_number(s)),
        _ => true,
    }
}

/// yaml.v3's test of a plain scalar starting with a digit or a sign, after it drops every `_`.
fn resolves_to_number(s: &str) -> bool {
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if go_parse_int(&plain).is_some() || go_parse_uint(&plain).is_some() {
        return true;
    }
    if is_yaml_style_float(&plain) && plain.parse::<f64>().is_ok_and(f64::is_finite) {
        return true;
    }
    // Binary and octal prefixes followed by a signed number (`0b-1`), which the base-0 parse
    // above refuses.
    for (prefix, radix) in [("0b", 2), ("0o", 8)] {
        if let Some(rest) = plain.strip_prefix(prefix) {
            return parse_signed_radix(rest, radix);
        }
        if let Some(rest) = plain.strip_prefix(&format!("-{prefix}")) {
            return parse_signed_radix(&format!("-{rest}"), radix);
        }
    }
    false
}

/// Go's `strconv.ParseInt(s, radix, 64)` succeeds (no underscores: they were removed).
fn parse_signed_radix(s: &str, radix: u32) -> bool {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    match go_parse_digits(digits, radix) {
        Some(n) if negative => n <= 1 << 63,
        Some(n) => n < 1 << 63,
        None => false,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` for a string without underscores.
fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = go_parse_uint(rest)?;
    if negative {
        if n <= 1 << 63 {
            Some(0i64.wrapping_sub_unsigned(n))
        } else {
            None
        }
    } else {
        i64::try_from(n).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` for a string without underscores: `0x`, `0o`, `0b`
/// prefixes, and a leading `0` for octal.
fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    if b[0] == b'0' && b.len() >= 3 {
        match b[1].to_ascii_lowercase() {
            b'b' => return go_parse_digits(&s[2..], 2),
            b'o' => return go_parse_digits(&s[2..], 8),
            b'x' => return go_parse_digits(&s[2..], 16),
            _ => {}
        }
    }
    if b[0] == b'0' {
        // `0` alone is zero; `0777` is octal.
        return go_parse_digits(&s[1..], 8).or(if b.len() == 1 { Some(0) } else { None });
    }
    go_parse_digits(s, 10)
}

/// Digits in `radix`, without sign or prefix; `None` on a bad digit or overflow. An empty
/// string is zero, as in Go after a prefix is taken off.
fn go_parse_digits(s: &str, radix: u32) -> Option<u64> {
    let mut n: u64 = 0;
    for c in s.chars() {
        let d = c.to_digit(36)?;
        if d >= radix {
            return None;
        }
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// yaml.v3's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for a string starting with `.`: digits with `_` between
/// them, an optional exponent; `None` when the syntax is wrong. An overflow gives infinity,
/// which Go reports as an error.
fn go_float_syntax(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 1;
    let mut saw_digit = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => saw_digit = true,
            b'_' => {}
            _ => break,
        }
        i += 1;
    }
    if !saw_digit {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    if i != b.len() || (s.contains('_') && !underscores_ok(s)) {
        return None;
    }
    s.replace('_', "").parse::<f64>().ok()
}

/// Go's rule for `_` in a number: only between digits.
fn underscores_ok(s: &str) -> bool {
    let mut saw = b'^';
    for &c in s.as_bytes() {
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Whether yaml.v3 reads `s` as a timestamp: Go's `time.Parse` with one of the layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also with a lower-case `t`), `2006-1-2 15:4:5.999999999`
/// and `2006-1-2`, after a quick check that `s` starts with four digits and a dash.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let Some(year) = s[..4].parse::<i32>().ok() else {
        return false;
    };
    let mut p = Cursor { s: &b[5..] };
    let Some(month) = p.number() else {
        return false;
    };
    if !(1..=12).contains(&month) || !p.literal(b'-') {
        return false;
    }
    let Some(day) = p.number() else {
        return false;
    };
    if day < 1 || day > days_in(month, year) {
        return false;
    }
    if p.s.is_empty() {
        return true;
    }
    match p.s[0] {
        b'T' | b't' => {
            p.s = &p.s[1..];
            p.clock() && p.zone() && p.s.is_empty()
        }
        // A space in a Go layout matches any run of spaces.
        b' ' => {
            while p.s.first() == Some(&b' ') {
                p.s = &p.s[1..];
            }
            p.clock() && p.s.is_empty()
        }
        _ => false,
    }
}

fn days_in(month: u32, year: i32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The rest of a candidate timestamp, read the way Go's `time.Parse` reads a layout.
struct Cursor<'a> {
    s: &'a [u8],
}

impl Cursor<'_> {
    /// One or two digits (Go's `getnum` for an unpadded element).
    fn number(&mut self) -> Option<u32> {
        let d0 = self.s.first().filter(|c| c.is_ascii_digit())?;
        match self.s.get(1).filter(|c| c.is_ascii_digit()) {
            Some(d1) => {
                self.s = &self.s[2..];
                Some(u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'))
            }
            None => {
                self.s = &self.s[1..];
                Some(u32::from(d0 - b'0'))
            }
        }
    }

    fn literal(&mut self, c: u8) -> bool {
        if self.s.first() == Some(&c) {
            self.s = &self.s[1..];
            true
        } else {
            false
        }
    }

    /// `15:4:5` with an optional fraction (`.` or `,` and any number of digits).
    fn clock(&mut self) -> bool {
        let ok = self.number().is_some_and(|h| h < 24)
            && self.literal(b':')
            && self.number().is_some_and(|m| m < 60)
            && self.literal(b':')
            && self.number().is_some_and(|s| s < 60);
        if !ok {
            return false;
        }
        if self.s.len() >= 2 && matches!(self.s[0], b'.' | b',') && self.s[1].is_ascii_digit() {
            let digits = self.s[1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            self.s = &self.s[1 + digits..];
        }
        true
    }

    /// `Z07:00`: `Z`, or a sign and `hh:mm` (hours up to 24, minutes up to 60, as Go allows).
    fn zone(&mut self) -> bool {
        if self.literal(b'Z') {
            return true;
        }
        let s = self.s;
        if s.len() < 6 || s[3] != b':' || !matches!(s[0], b'+' | b'-') {
            return false;
        }
        let two = |a: u8, b: u8| {
            (a.is_ascii_digit() && b.is_ascii_digit())
                .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        };
        match (two(s[1], s[2]), two(s[4], s[5])) {
            (Some(h), Some(m)) if h <= 24 && m <= 60 => {
                self.s = &s[6..];
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_at_the_root() {
        assert_eq!(marshal(&json!("merge")), "merge\n");
        assert_eq!(marshal(&json!("")), "\"\"\n");
        assert_eq!(marshal(&json!(true)), "true\n");
        assert_eq!(marshal(&json!(null)), "null\n");
        assert_eq!(marshal(&json!(1.5)), "1.5\n");
        assert_eq!(marshal(&json!(-3)), "-3\n");
        assert_eq!(marshal(&json!({})), "{}\n");
        assert_eq!(marshal(&json!([])), "[]\n");
    }

    #[test]
    fn strings_that_read_as_other_types_are_quoted() {
        for s in [
            "true",
            "False",
            "null",
            "~",
            "1",
            "-1",
            "+1",
            "1.5",
            ".5",
            "1e3",
            "0x1F",
            "0o17",
            "017",
            "09",
            "0b101",
            "0b-1",
            "1_000",
            "1_",
            ".inf",
            "-.Inf",
            ".NaN",
            "2024-01-02",
            "2024-1-2T3:04:05Z",
            "2024-01-02 10:00:00",
            "2024-01-02t10:00:00.5+01:00",
        ] {
            assert!(!resolves_to_string(s), "{s} should not be a string");
        }
        for s in [
            "yes",
            "on",
            "merge",
            "1.2.3",
            "0x",
            "1e",
            ".",
            "._5",
            "2024-13-01",
            "2024-02-30",
            "2024-01-02T10:00:00",
            "2024-01-02x",
            "+",
            "-",
            "1e400",
            "v1",
            "<<",
        ] {
            assert!(resolves_to_string(s), "{s} should be a string");
        }
        assert_eq!(marshal(&json!("1.5")), "\"1.5\"\n");
    }

    #[test]
    fn string_styles() {
        // Indicators at the start, `: ` and ` #` inside need quotes; single quotes first.
        assert_eq!(marshal(&json!("*")), "'*'\n");
        assert_eq!(marshal(&json!("a: b")), "'a: b'\n");
        assert_eq!(marshal(&json!("a #b")), "'a #b'\n");
        assert_eq!(marshal(&json!("it's")), "it's\n");
        assert_eq!(marshal(&json!("'x'")), "'''x'''\n");
        assert_eq!(marshal(&json!(" lead")), "' lead'\n");
        assert_eq!(marshal(&json!("a:b")), "a:b\n");
        assert_eq!(marshal(&json!("- x")), "'- x'\n");
        assert_eq!(marshal(&json!("-x")), "-x\n");
        // Tabs and unprintable characters need double quotes and escapes.
        assert_eq!(marshal(&json!("a\tb")), "\"a\\tb\"\n");
        assert_eq!(
            marshal(&json!("\u{1}\u{7f}é😀")),
            "\"\\x01\\x7Fé\\U0001F600\"\n"
        );
        // A line feed asks for a literal block.
        assert_eq!(marshal(&json!("a\nb")), "|-\n    a\n    b\n");
        assert_eq!(marshal(&json!("a\n")), "|\n    a\n");
        assert_eq!(marshal(&json!("a\n\n")), "|+\n    a\n\n");
        assert_eq!(marshal(&json!(" a\nb")), "|4-\n     a\n    b\n");
        // …unless a space ends a line, which only double quotes keep.
        assert_eq!(marshal(&json!("a \nb")), "\"a \\nb\"\n");
    }

    #[test]
    fn collections() {
        let gvk = json!([{"group": "", "kind": "ConfigMap", "version": "v1"}]);
        assert_eq!(
            marshal(&gvk),
            "- group: \"\"\n  kind: ConfigMap\n  version: v1\n"
        );
        let nested = json!({"a": {"b": [1, [2, 3], {"c": {}}], "d": []}, "e": "f"});
        assert_eq!(
            marshal(&nested),
            "a:\n    b:\n        - 1\n        - - 2\n          - 3\n        - c: {}\n    d: []\ne: f\n"
        );
        let seq_of_maps = json!([{"a": {"b": 1}}]);
        assert_eq!(marshal(&seq_of_maps), "- a:\n    b: 1\n");
        let literal_value = json!({"rule": "a\nb", "message": "m"});
        assert_eq!(
            marshal(&literal_value),
            "rule: |-\n    a\n    b\nmessage: m\n"
        );
        let keys = json!({"true": 1, "": 2, "a\nb": 3});
        assert_eq!(
            marshal(&keys),
            "\"true\": 1\n\"\": 2\n? |-\n    a\n    b\n: 3\n"
        );
        let long = "k".repeat(129);
        assert_eq!(
            marshal(&json!({ long.clone(): {"x": 1} })),
            format!("? {long}\n:   x: 1\n")
        );
    }
}
