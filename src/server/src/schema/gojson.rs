//! JSON syntax errors worded as Go's `encoding/json` words them (`unexpected end of JSON input`,
//! `invalid character 'x' looking for beginning of value`, …), so a malformed body gets the same
//! message from us as from kube-apiserver. This is a syntax check only, run when serde_json has
//! already refused the body.

/// Where in the grammar the scanner is, for the error's context.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    ObjectKey,
    ObjectValue,
    Array,
}

/// Go's message for the first syntax error in `data`, or `None` if it is valid JSON.
pub fn syntax_error(data: &[u8]) -> Option<String> {
    let mut s = Scanner {
        data,
        pos: 0,
        stack: Vec::new(),
    };
    s.document().err()
}

/// Go's `quoteChar`: `'x'`, `'\''`, `'"'`, or the byte read as a rune and quoted as
/// `strconv.Quote` quotes it: `'\n'`, `'\x01'`, `'\u0081'` (Latin-1 controls), `'é'`.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".to_string(),
        b'"' => "'\"'".to_string(),
        b'\n' => r"'\n'".to_string(),
        b'\r' => r"'\r'".to_string(),
        b'\t' => r"'\t'".to_string(),
        0x07 => r"'\a'".to_string(),
        0x08 => r"'\b'".to_string(),
        0x0b => r"'\v'".to_string(),
        0x0c => r"'\f'".to_string(),
        0x20..=0x7e => format!("'{}'", c as char),
        0x00..=0x1f | 0x7f => format!("'\\x{c:02x}'"),
        // Not printable for Go: the C1 controls, no-break space and soft hyphen.
        0x80..=0xa0 | 0xad => format!("'\\u{c:04x}'"),
        _ => format!("'{}'", char::from(c)),
    }
}

struct Scanner<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Ctx>,
}

type Step = Result<(), String>;

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn invalid(&self, c: u8, context: &str) -> String {
        format!("invalid character {} {context}", quote_char(c))
    }

    fn eof() -> String {
        "unexpected end of JSON input".to_string()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn document(&mut self) -> Step {
        self.value()?;
        self.skip_space();
        match self.peek() {
            None => Ok(()),
            Some(c) => Err(self.invalid(c, "after top-level value")),
        }
    }

    fn value(&mut self) -> Step {
        self.skip_space();
        let Some(c) = self.peek() else {
            return Err(Self::eof());
        };
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string(),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => Err(self.invalid(c, "looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Step {
        let name = String::from_utf8_lossy(word).into_owned();
        for (i, want) in word.iter().enumerate() {
            match self.peek() {
                None => return Err(Self::eof()),
                Some(c) if c == *want => self.pos += 1,
                Some(c) if i == 0 => return Err(self.invalid(c, "looking for beginning of value")),
                Some(c) => {
                    return Err(self.invalid(
                        c,
                        &format!("in literal {name} (expecting {})", quote_char(*want)),
                    ));
                }
            }
        }
        Ok(())
    }

    fn after_value_context(&self) -> &'static str {
        match self.stack.last() {
            Some(Ctx::ObjectKey) => "after object key",
            Some(Ctx::ObjectValue) => "after object key:value pair",
            Some(Ctx::Array) => "after array element",
            None => "after top-level value",
        }
    }

    fn object(&mut self) -> Step {
        self.pos += 1; // '{'
        self.skip_space();
        match self.peek() {
            None => return Err(Self::eof()),
            Some(b'}') => {
                self.pos += 1;
                return Ok(());
            }
            _ => {}
        }
        loop {
            self.skip_space();
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b'"') => self.string()?,
                Some(c) => {
                    return Err(self.invalid(c, "looking for beginning of object key string"));
                }
            }
            self.stack.push(Ctx::ObjectKey);
            self.skip_space();
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b':') => self.pos += 1,
                Some(c) => return Err(self.invalid(c, self.after_value_context())),
            }
            self.stack.pop();
            self.stack.push(Ctx::ObjectValue);
            self.value()?;
            self.skip_space();
            let next = self.peek();
            match next {
                None => return Err(Self::eof()),
                Some(b',') => {
                    self.pos += 1;
                    self.stack.pop();
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.stack.pop();
                    return Ok(());
                }
                Some(c) => return Err(self.invalid(c, self.after_value_context())),
            }
        }
    }

    fn array(&mut self) -> Step {
        self.pos += 1; // '['
        self.skip_space();
        match self.peek() {
            None => return Err(Self::eof()),
            Some(b']') => {
                self.pos += 1;
                return Ok(());
            }
            _ => {}
        }
        self.stack.push(Ctx::Array);
        loop {
            self.value()?;
            self.skip_space();
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.stack.pop();
                    return Ok(());
                }
                Some(c) => return Err(self.invalid(c, "after array element")),
            }
        }
    }

    fn string(&mut self) -> Step {
        self.pos += 1; // '"'
        loop {
            let Some(c) = self.peek() else {
                return Err(Self::eof());
            };
            self.pos += 1;
            match c {
                b'"' => return Ok(()),
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(Self::eof());
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            for _ in 0..4 {
                                match self.peek() {
                                    None => return Err(Self::eof()),
                                    Some(h) if h.is_ascii_hexdigit() => self.pos += 1,
                                    Some(h) => {
                                        return Err(
                                            self.invalid(h, "in \\u hexadecimal character escape")
                                        );
                                    }
                                }
                            }
                        }
                        _ => return Err(self.invalid(e, "in string escape code")),
                    }
                }
                c if c < 0x20 => return Err(self.invalid(c, "in string literal")),
                _ => {}
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Step {
        if self.peek() == Some(b'-') {
            self.pos += 1;
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b'0'..=b'9') => {}
                Some(c) => return Err(self.invalid(c, "in numeric literal")),
            }
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else {
            self.digits();
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b'0'..=b'9') => {
                    self.digits();
                }
                Some(c) => return Err(self.invalid(c, "after decimal point in numeric literal")),
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b'0'..=b'9') => {
                    self.digits();
                }
                Some(c) => return Err(self.invalid(c, "in exponent of numeric literal")),
            }
        }
        Ok(())
    }
}

/// Go's `summarizeData(data, 30)`: the start of a body for an error message.
pub fn summarize(data: &[u8]) -> String {
    const MAX: usize = 30;
    match data {
        [] => "<empty>".to_string(),
        [0, ..] => "<binary>".to_string(),
        d if d.len() > MAX => format!("{} ...", String::from_utf8_lossy(&d[..MAX])),
        d => String::from_utf8_lossy(d).into_owned(),
    }
}

/// The 400 message kube-apiserver sends for a body that is not JSON at all.
pub fn unrecognized_body_message(kind: &str, data: &[u8], syntax: &str) -> String {
    format!(
        "the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; json parse error: {syntax} ({})",
        summarize(data)
    )
}

#[cfg(test)]
mod tests {
    use super::syntax_error;

    #[test]
    fn non_ascii_bytes_are_quoted_as_go_runes() {
        // A continue token that is not JSON (kube's message for `continue=garbage`).
        assert_eq!(
            syntax_error(&[0x81, 0xaa]).as_deref(),
            Some(r"invalid character '\u0081' looking for beginning of value")
        );
    }

    #[test]
    fn go_messages() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{"a":1}"#, None),
            (r#"{"a":"#, Some("unexpected end of JSON input")),
            ("", Some("unexpected end of JSON input")),
            (
                r#"{a:1}"#,
                Some("invalid character 'a' looking for beginning of object key string"),
            ),
            (r#"{"a" 1}"#, Some("invalid character '1' after object key")),
            (
                r#"{"a":1 "b":2}"#,
                Some("invalid character '\"' after object key:value pair"),
            ),
            (
                r#"[1 2]"#,
                Some("invalid character '2' after array element"),
            ),
            (
                r#"{"a":x}"#,
                Some("invalid character 'x' looking for beginning of value"),
            ),
            (
                r#"{"a":tru}"#,
                Some("invalid character '}' in literal true (expecting 'e')"),
            ),
            (
                r#"{} x"#,
                Some("invalid character 'x' after top-level value"),
            ),
            (
                r#"{"a":1.}"#,
                Some("invalid character '}' after decimal point in numeric literal"),
            ),
            (
                r#"{"a":"\q"}"#,
                Some("invalid character 'q' in string escape code"),
            ),
            (
                "\u{1}",
                Some(r"invalid character '\x01' looking for beginning of value"),
            ),
            (
                "\u{e9}",
                Some("invalid character 'Ã' looking for beginning of value"),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(syntax_error(input.as_bytes()).as_deref(), *want, "{input}");
        }
    }
}
