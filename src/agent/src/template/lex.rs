//! The lexer: splits a template into text and the tokens of its `{{ }}` actions, following
//! `text/template/parse`'s rules (trim markers `{{- ` and ` -}}`, comments `{{/* */}}`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Error,
    Eof,
    Text,
    LeftDelim,
    RightDelim,
    Space,
    Pipe,
    LeftParen,
    RightParen,
    Assign,
    Declare,
    /// A printable ASCII character with no other meaning (`,` separates range variables).
    Char,
    Bool,
    Number,
    CharConstant,
    String,
    RawString,
    Identifier,
    Field,
    Variable,
    Dot,
    Nil,
    // Keywords.
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Range,
    Template,
    With,
}

impl Tok {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            Tok::Block
                | Tok::Break
                | Tok::Continue
                | Tok::Define
                | Tok::Else
                | Tok::End
                | Tok::If
                | Tok::Range
                | Tok::Template
                | Tok::With
                | Tok::Nil
                | Tok::Dot
        )
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub typ: Tok,
    /// Byte offset of the token in the template.
    pub pos: usize,
    pub val: String,
    /// 1-based line of the token.
    pub line: usize,
}

impl std::fmt::Display for Item {
    /// How the parser's error messages show a token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.typ {
            Tok::Eof => write!(f, "EOF"),
            Tok::Error => write!(f, "{}", self.val),
            t if t.is_keyword() => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let short: String = self.val.chars().take(10).collect();
                write!(f, "{}...", super::value::go_quote(&short))
            }
            _ => write!(f, "{}", super::value::go_quote(&self.val)),
        }
    }
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim(s: &str) -> bool {
    let mut it = s.chars();
    it.next() == Some('-') && it.next().is_some_and(is_space)
}

/// Lexes the whole template into items; the last is `Eof` or `Error`.
pub(crate) fn lex(input: &str) -> Vec<Item> {
    let mut l = Lexer {
        input,
        start: 0,
        pos: 0,
        line: 1,
        start_line: 1,
        items: Vec::new(),
        paren_depth: 0,
    };
    l.run();
    l.items
}

struct Lexer<'a> {
    input: &'a str,
    start: usize,
    pos: usize,
    line: usize,
    start_line: usize,
    items: Vec<Item>,
    paren_depth: i32,
}

enum State {
    Text,
    InsideAction,
    Done,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn backup(&mut self, c: Option<char>) {
        if let Some(c) = c {
            self.pos -= c.len_utf8();
            if c == '\n' {
                self.line -= 1;
            }
        }
    }

    fn emit(&mut self, typ: Tok) {
        self.items.push(Item {
            typ,
            pos: self.start,
            val: self.input[self.start..self.pos].to_string(),
            line: self.start_line,
        });
        self.ignore();
    }

    fn ignore(&mut self) {
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn error(&mut self, msg: String) -> State {
        self.items.push(Item {
            typ: Tok::Error,
            pos: self.start,
            val: msg,
            line: self.start_line,
        });
        State::Done
    }

    /// Moves `n` bytes forward, counting the newlines passed.
    fn advance(&mut self, n: usize) {
        self.line += self.input[self.pos..self.pos + n].matches('\n').count();
        self.pos += n;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.next();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn run(&mut self) {
        let mut state = State::Text;
        loop {
            state = match state {
                State::Text => self.lex_text(),
                State::InsideAction => self.lex_inside_action(),
                State::Done => return,
            }
        }
    }

    fn lex_text(&mut self) -> State {
        if let Some(x) = self.rest().find(LEFT) {
            if x > 0 {
                let delim_at = self.pos + x;
                let text_end = if has_left_trim(&self.input[delim_at + LEFT.len()..]) {
                    self.input[..delim_at]
                        .trim_end_matches(is_space)
                        .len()
                        .max(self.start)
                } else {
                    delim_at
                };
                self.line += self.input[self.pos..text_end].matches('\n').count();
                self.pos = text_end;
                if self.pos > self.start {
                    self.emit(Tok::Text);
                }
                // Skip the trimmed space.
                self.line += self.input[self.pos..delim_at].matches('\n').count();
                self.pos = delim_at;
                self.start = self.pos;
                self.start_line = self.line;
            }
            return self.lex_left_delim();
        }
        self.line += self.rest().matches('\n').count();
        self.pos = self.input.len();
        if self.pos > self.start {
            self.emit(Tok::Text);
        }
        self.emit(Tok::Eof);
        State::Done
    }

    fn lex_left_delim(&mut self) -> State {
        self.pos += LEFT.len();
        let trim = has_left_trim(self.rest());
        let after = if trim { 2 } else { 0 };
        if self.input[self.pos + after..].starts_with("/*") {
            self.advance(after);
            self.ignore();
            return self.lex_comment();
        }
        self.emit(Tok::LeftDelim);
        self.advance(after);
        self.ignore();
        self.paren_depth = 0;
        State::InsideAction
    }

    /// Whether the input is at a right delimiter (possibly trim-marked), and whether trimmed.
    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        let mut it = rest.chars();
        if it.next().is_some_and(is_space) {
            let after_space = &rest[1..];
            if after_space.starts_with('-') && after_space[1..].starts_with(RIGHT) {
                return (true, true);
            }
        }
        (rest.starts_with(RIGHT), false)
    }

    fn lex_comment(&mut self) -> State {
        self.pos += 2;
        let Some(x) = self.rest().find("*/") else {
            return self.error("unclosed comment".into());
        };
        self.line += self.input[self.pos..self.pos + x].matches('\n').count();
        self.pos += x + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        if trim {
            self.advance(2);
        }
        self.pos += RIGHT.len();
        if trim {
            self.skip_leading_space();
        }
        self.ignore();
        State::Text
    }

    fn skip_leading_space(&mut self) {
        while let Some(c) = self.peek() {
            if !is_space(c) {
                break;
            }
            self.next();
        }
    }

    fn lex_right_delim(&mut self) -> State {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.advance(2);
            self.ignore();
        }
        self.pos += RIGHT.len();
        self.emit(Tok::RightDelim);
        if trim {
            self.skip_leading_space();
            self.ignore();
        }
        State::Text
    }

    fn lex_inside_action(&mut self) -> State {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return self.lex_right_delim();
            }
            return self.error("unclosed left paren".into());
        }
        let Some(c) = self.next() else {
            return self.error("unclosed action".into());
        };
        match c {
            c if is_space(c) => {
                self.backup(Some(c));
                self.lex_space()
            }
            '=' => {
                self.emit(Tok::Assign);
                State::InsideAction
            }
            ':' => {
                if self.next() != Some('=') {
                    return self.error("expected :=".into());
                }
                self.emit(Tok::Declare);
                State::InsideAction
            }
            '|' => {
                self.emit(Tok::Pipe);
                State::InsideAction
            }
            '"' => self.lex_quote(),
            '`' => self.lex_raw_quote(),
            '$' => self.lex_field_or_variable(Tok::Variable),
            '\'' => self.lex_char(),
            '.' if !self.peek().is_some_and(|c| c.is_ascii_digit()) => {
                self.lex_field_or_variable(Tok::Field)
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.backup(Some(c));
                self.lex_number()
            }
            c if is_alnum(c) => {
                self.backup(Some(c));
                self.lex_identifier()
            }
            '(' => {
                self.paren_depth += 1;
                self.emit(Tok::LeftParen);
                State::InsideAction
            }
            ')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.error("unexpected right paren".into());
                }
                self.emit(Tok::RightParen);
                State::InsideAction
            }
            c if c.is_ascii() && !c.is_ascii_control() => {
                self.emit(Tok::Char);
                State::InsideAction
            }
            c => self.error(format!(
                "unrecognized character in action: {}",
                unicode_repr(c)
            )),
        }
    }

    fn lex_space(&mut self) -> State {
        let mut n = 0;
        while let Some(c) = self.peek() {
            if !is_space(c) {
                break;
            }
            self.next();
            n += 1;
        }
        // A space followed by "-}}" is a trim-marked right delimiter.
        let from_last_space = &self.input[self.pos - 1..];
        if from_last_space.len() >= 4 && from_last_space[1..].starts_with("-}}") {
            let last = self.input[..self.pos].chars().last();
            self.backup(last);
            if n == 1 {
                return self.lex_right_delim();
            }
        }
        self.emit(Tok::Space);
        State::InsideAction
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(RIGHT),
        }
    }

    fn lex_field_or_variable(&mut self, typ: Tok) -> State {
        if self.at_terminator() {
            self.emit(if typ == Tok::Variable {
                Tok::Variable
            } else {
                Tok::Dot
            });
            return State::InsideAction;
        }
        let last = loop {
            let c = self.next();
            if !c.is_some_and(is_alnum) {
                self.backup(c);
                break c;
            }
        };
        if !self.at_terminator() {
            return self.error(format!(
                "bad character {}",
                unicode_repr(last.unwrap_or('\0'))
            ));
        }
        self.emit(typ);
        State::InsideAction
    }

    fn lex_identifier(&mut self) -> State {
        let last = loop {
            let c = self.next();
            if !c.is_some_and(is_alnum) {
                self.backup(c);
                break c;
            }
        };
        if !self.at_terminator() {
            return self.error(format!(
                "bad character {}",
                unicode_repr(last.unwrap_or('\0'))
            ));
        }
        let word = &self.input[self.start..self.pos];
        let typ = match word {
            "block" => Tok::Block,
            "break" => Tok::Break,
            "continue" => Tok::Continue,
            "define" => Tok::Define,
            "else" => Tok::Else,
            "end" => Tok::End,
            "if" => Tok::If,
            "range" => Tok::Range,
            "nil" => Tok::Nil,
            "template" => Tok::Template,
            "with" => Tok::With,
            "true" | "false" => Tok::Bool,
            _ => Tok::Identifier,
        };
        self.emit(typ);
        State::InsideAction
    }

    fn lex_char(&mut self) -> State {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    None | Some('\n') => {
                        return self.error("unterminated character constant".into());
                    }
                    _ => {}
                },
                None | Some('\n') => return self.error("unterminated character constant".into()),
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(Tok::CharConstant);
        State::InsideAction
    }

    fn lex_number(&mut self) -> State {
        if !self.scan_number() {
            return self.error(format!(
                "bad number syntax: {}",
                super::value::go_quote(&self.input[self.start..self.pos])
            ));
        }
        self.emit(Tok::Number);
        State::InsideAction
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alnum) {
            self.next();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> State {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    None | Some('\n') => return self.error("unterminated quoted string".into()),
                    _ => {}
                },
                None | Some('\n') => return self.error("unterminated quoted string".into()),
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(Tok::String);
        State::InsideAction
    }

    fn lex_raw_quote(&mut self) -> State {
        loop {
            match self.next() {
                None => return self.error("unterminated raw quoted string".into()),
                Some('`') => break,
                _ => {}
            }
        }
        self.emit(Tok::RawString);
        State::InsideAction
    }
}

/// Go's `%#U`: `U+0023 '#'`.
fn unicode_repr(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{}'", c as u32, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(Tok, String)> {
        lex(s).into_iter().map(|i| (i.typ, i.val)).collect()
    }

    #[test]
    fn trim_markers_and_comments() {
        let toks = kinds("a  {{- .x -}}  b{{/* c */}}d");
        assert_eq!(
            toks,
            vec![
                (Tok::Text, "a".into()),
                (Tok::LeftDelim, "{{".into()),
                (Tok::Field, ".x".into()),
                (Tok::RightDelim, "}}".into()),
                (Tok::Text, "b".into()),
                (Tok::Text, "d".into()),
                (Tok::Eof, "".into()),
            ]
        );
        // "{{-3}}" is the number -3, not a trim marker.
        let toks = kinds("{{-3}}");
        assert_eq!(toks[1], (Tok::Number, "-3".into()));
    }

    #[test]
    fn action_tokens() {
        let toks: Vec<Tok> = lex(r#"{{ $x := .A.b | printf "%s" `r` 'c' 1.5 (nil) }}"#)
            .into_iter()
            .map(|i| i.typ)
            .collect();
        assert_eq!(
            toks,
            vec![
                Tok::LeftDelim,
                Tok::Space,
                Tok::Variable,
                Tok::Space,
                Tok::Declare,
                Tok::Space,
                Tok::Field,
                Tok::Field,
                Tok::Space,
                Tok::Pipe,
                Tok::Space,
                Tok::Identifier,
                Tok::Space,
                Tok::String,
                Tok::Space,
                Tok::RawString,
                Tok::Space,
                Tok::CharConstant,
                Tok::Space,
                Tok::Number,
                Tok::Space,
                Tok::LeftParen,
                Tok::Nil,
                Tok::RightParen,
                Tok::Space,
                Tok::RightDelim,
                Tok::Eof,
            ]
        );
    }
}
