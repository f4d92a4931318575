//! The parser: a recursive-descent parser building the tree `text/template/parse` builds, with
//! its checks at parse time (functions must exist, variables must be declared, `break` only in
//! `range`) and its error messages (`template: NAME:LINE: MESSAGE`).

use std::fmt;

use super::lex::{Item, Tok, lex};
use super::value::go_quote;

/// A list of nodes (the body of a template or of a control structure).
pub(crate) type List = Vec<Node>;

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Action(Pipe),
    If(Branch),
    With(Branch),
    Range(Branch),
    Break,
    Continue,
    /// `{{template "name" pipeline}}` (also what `{{block}}` leaves in place).
    Template {
        pos: usize,
        name: String,
        pipe: Option<Pipe>,
    },
}

/// A parsed template: its body and the templates it defines (`define`, `block`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tree {
    pub root: List,
    pub defs: std::collections::HashMap<String, List>,
}

/// The common shape of `if`, `with` and `range`.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

#[derive(Debug, Clone)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Operand>,
}

#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: String,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub int: i64,
    pub float: f64,
}

#[derive(Debug, Clone)]
pub(crate) enum Operand {
    /// `.A.b.c`
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    /// `$x.a.b` (idents\[0\] is the variable).
    Variable {
        pos: usize,
        idents: Vec<String>,
    },
    /// A function name.
    Identifier {
        pos: usize,
        name: String,
    },
    /// `(pipeline).a.b` or `fn.a`.
    Chain {
        pos: usize,
        node: Box<Operand>,
        fields: Vec<String>,
    },
    /// A parenthesized pipeline.
    Pipe(Box<Pipe>),
    Dot(usize),
    Nil(usize),
    Bool(usize, bool),
    Number(usize, Number),
    String {
        pos: usize,
        quoted: String,
        text: String,
    },
}

impl Operand {
    pub fn pos(&self) -> usize {
        match self {
            Operand::Field { pos, .. }
            | Operand::Variable { pos, .. }
            | Operand::Identifier { pos, .. }
            | Operand::Chain { pos, .. }
            | Operand::String { pos, .. }
            | Operand::Dot(pos)
            | Operand::Nil(pos)
            | Operand::Bool(pos, _)
            | Operand::Number(pos, _) => *pos,
            Operand::Pipe(p) => p.pos,
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field { idents, .. } => {
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Operand::Variable { idents, .. } => write!(f, "{}", idents.join(".")),
            Operand::Identifier { name, .. } => write!(f, "{name}"),
            Operand::Chain { node, fields, .. } => {
                if let Operand::Pipe(p) = node.as_ref() {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for field in fields {
                    write!(f, ".{field}")?;
                }
                Ok(())
            }
            Operand::Pipe(p) => write!(f, "{p}"),
            Operand::Dot(_) => write!(f, "."),
            Operand::Nil(_) => write!(f, "nil"),
            Operand::Bool(_, b) => write!(f, "{b}"),
            Operand::Number(_, n) => write!(f, "{}", n.text),
            Operand::String { quoted, .. } => write!(f, "{quoted}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            if let Operand::Pipe(p) = a {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(f, "{}", self.decl.join(", "))?;
            write!(f, "{}", if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                write!(f, " | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// A parse error: the message as Go prints it (`template: NAME:LINE: ...`).
#[derive(Debug)]
pub(crate) struct ParseError(pub String);

type PResult<T> = Result<T, ParseError>;

/// Parses `text` as the template called `name`; `has_func` says which function names exist.
pub(crate) fn parse(name: &str, text: &str, has_func: &dyn Fn(&str) -> bool) -> PResult<Tree> {
    let mut p = Parser {
        depth: 0,
        defs: Default::default(),
        name,
        items: lex(text),
        idx: 0,
        vars: vec!["$".to_string()],
        range_depth: 0,
        has_func,
        line: 1,
    };
    let root = p.parse_root()?;
    Ok(Tree { root, defs: p.defs })
}

/// How deeply pipelines and control structures may nest (Go allows 10000; this parser
/// recurses on the native stack, so it stops earlier).
const MAX_DEPTH: usize = 100;

struct Parser<'a> {
    depth: usize,
    defs: std::collections::HashMap<String, List>,
    name: &'a str,
    items: Vec<Item>,
    idx: usize,
    vars: Vec<String>,
    range_depth: usize,
    has_func: &'a dyn Fn(&str) -> bool,
    /// Line of the last token looked at, for error messages.
    line: usize,
}

impl Parser<'_> {
    fn next(&mut self) -> Item {
        let it = self.items[self.idx.min(self.items.len() - 1)].clone();
        if self.idx < self.items.len() {
            self.idx += 1;
        }
        self.line = it.line;
        it
    }

    fn backup(&mut self) {
        self.idx -= 1;
    }

    fn peek(&mut self) -> Item {
        let it = self.items[self.idx.min(self.items.len() - 1)].clone();
        self.line = it.line;
        it
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let it = self.next();
            if it.typ != Tok::Space {
                return it;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let it = self.next_non_space();
        self.backup();
        it
    }

    fn errorf(&self, msg: String) -> ParseError {
        ParseError(format!("template: {}:{}: {}", self.name, self.line, msg))
    }

    fn unexpected(&self, item: &Item, context: &str) -> ParseError {
        if item.typ == Tok::Error {
            return self.errorf(item.val.clone());
        }
        self.errorf(format!("unexpected {item} in {context}"))
    }

    fn expect(&mut self, typ: Tok, context: &str) -> PResult<Item> {
        let it = self.next_non_space();
        if it.typ != typ {
            return Err(self.unexpected(&it, context));
        }
        Ok(it)
    }

    fn parse_root(&mut self) -> PResult<List> {
        let mut list = Vec::new();
        while self.peek().typ != Tok::Eof {
            if self.peek().typ == Tok::LeftDelim {
                let delim = self.idx;
                self.next();
                if self.next_non_space().typ == Tok::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.idx = delim;
            }
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                Parsed::End => return Err(self.errorf("unexpected {{end}}".into())),
                Parsed::Else(..) => return Err(self.errorf("unexpected {{else}}".into())),
            }
        }
        Ok(list)
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let tok = self.next_non_space();
        match tok.typ {
            Tok::Text => Ok(Parsed::Node(Node::Text(tok.val))),
            Tok::LeftDelim => self.action(),
            _ => Err(self.unexpected(&tok, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let tok = self.next_non_space();
        match tok.typ {
            Tok::Block => self.block_control(),
            Tok::Template => self.template_control(),
            Tok::Break | Tok::Continue => {
                let t = self.next_non_space();
                let ctx = format!("{{{{{}}}}}", tok.val);
                if t.typ != Tok::RightDelim {
                    return Err(self.unexpected(&t, &ctx));
                }
                if self.range_depth == 0 {
                    return Err(self.errorf(format!("{ctx} outside {{{{range}}}}")));
                }
                Ok(Parsed::Node(if tok.typ == Tok::Break {
                    Node::Break
                } else {
                    Node::Continue
                }))
            }
            Tok::Else => {
                let peek = self.peek_non_space();
                if peek.typ == Tok::If || peek.typ == Tok::With {
                    return Ok(Parsed::Else(Some(peek.typ)));
                }
                self.expect(Tok::RightDelim, "else")?;
                Ok(Parsed::Else(None))
            }
            Tok::End => {
                self.expect(Tok::RightDelim, "end")?;
                Ok(Parsed::End)
            }
            Tok::If => Ok(Parsed::Node(Node::If(self.control("if")?))),
            Tok::Range => Ok(Parsed::Node(Node::Range(self.control("range")?))),
            Tok::With => Ok(Parsed::Node(Node::With(self.control("with")?))),
            _ => {
                self.backup();
                Ok(Parsed::Node(Node::Action(
                    self.pipeline("command", Tok::RightDelim)?,
                )))
            }
        }
    }

    /// Runs `f` with the variable scope of a new template (only `$`).
    fn in_new_scope<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let saved = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let res = f(self);
        self.vars = saved;
        self.range_depth = saved_depth;
        res
    }

    fn add_definition(&mut self, name: String, list: List) -> PResult<()> {
        let non_empty = |l: &List| {
            l.iter()
                .any(|n| !matches!(n, Node::Text(t) if t.trim().is_empty()))
        };
        if let Some(existing) = self.defs.get(&name) {
            if non_empty(existing) && non_empty(&list) {
                return Err(self.errorf(format!(
                    "template: multiple definition of template {}",
                    go_quote(&name)
                )));
            }
            if !non_empty(&list) {
                return Ok(());
            }
        }
        self.defs.insert(name, list);
        Ok(())
    }

    fn template_name(&mut self, tok: &Item, context: &str) -> PResult<String> {
        match tok.typ {
            Tok::String | Tok::RawString => unquote(&tok.val).map_err(|e| self.errorf(e)),
            _ => Err(self.unexpected(tok, context)),
        }
    }

    /// `{{define "name"}} ... {{end}}` (the `{{define` already read).
    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, context)?;
        self.expect(Tok::RightDelim, context)?;
        let (list, end) = self.in_new_scope(|p| p.item_list())?;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        self.add_definition(name, list)
    }

    /// `{{template "name" [pipeline]}}`.
    fn template_control(&mut self) -> PResult<Parsed> {
        let context = "template clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, context)?;
        let pipe = if self.next_non_space().typ != Tok::RightDelim {
            self.backup();
            Some(self.pipeline(context, Tok::RightDelim)?)
        } else {
            None
        };
        Ok(Parsed::Node(Node::Template {
            pos: tok.pos,
            name,
            pipe,
        }))
    }

    /// `{{block "name" pipeline}} ... {{end}}`: defines the template and invokes it.
    fn block_control(&mut self) -> PResult<Parsed> {
        let context = "block clause";
        let tok = self.next_non_space();
        let name = self.template_name(&tok, context)?;
        let pipe = self.pipeline(context, Tok::RightDelim)?;
        let (list, end) = self.in_new_scope(|p| p.item_list())?;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        self.add_definition(name.clone(), list)?;
        Ok(Parsed::Node(Node::Template {
            pos: tok.pos,
            name,
            pipe: Some(pipe),
        }))
    }

    /// Parses the rest of `{{if}}`, `{{with}}` or `{{range}}` up to its `{{end}}`.
    fn control(&mut self, context: &str) -> PResult<Branch> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.errorf("max expression depth exceeded".into()));
        }
        let res = self.control_inner(context);
        self.depth -= 1;
        res
    }

    fn control_inner(&mut self, context: &str) -> PResult<Branch> {
        let mark = self.vars.len();
        let pipe = self.pipeline(context, Tok::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if let Parsed::Else(chained) = next {
            match chained {
                Some(kw)
                    if (context == "if" && kw == Tok::If)
                        || (context == "with" && kw == Tok::With) =>
                {
                    // "{{else if ...}}" / "{{else with ...}}": a nested control as the else list,
                    // sharing the outer {{end}}.
                    self.next_non_space();
                    let nested = self.control(context)?;
                    else_list = Some(vec![if context == "if" {
                        Node::If(nested)
                    } else {
                        Node::With(nested)
                    }]);
                }
                Some(_) => {
                    // "{{else with}}" in an if (or "{{else if}}" in a range) is not a chain.
                    let t = self.next_non_space();
                    return Err(self.unexpected(&t, "input"));
                }
                None => {
                    let (l, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return Err(self.errorf("expected end; found {{else}}".into()));
                    }
                    else_list = Some(l);
                }
            }
        }
        self.vars.truncate(mark);
        Ok(Branch {
            pipe,
            list,
            else_list,
        })
    }

    fn item_list(&mut self) -> PResult<(List, Parsed)> {
        let mut list = Vec::new();
        while self.peek_non_space().typ != Tok::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                other => return Ok((list, other)),
            }
        }
        Err(self.errorf("unexpected EOF".into()))
    }

    fn pipeline(&mut self, context: &str, end: Tok) -> PResult<Pipe> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.errorf("max expression depth exceeded".into()));
        }
        let res = self.pipeline_inner(context, end);
        self.depth -= 1;
        res
    }

    fn pipeline_inner(&mut self, context: &str, end: Tok) -> PResult<Pipe> {
        let start = self.peek_non_space();
        let mut pipe = Pipe {
            pos: start.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        // Variable declarations: "$x :=", "$x =", "$i, $v :=" (range only).
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ != Tok::Variable {
                break;
            }
            self.next_non_space();
            let after_var = self.idx;
            let next = self.peek_non_space();
            match next.typ {
                Tok::Assign | Tok::Declare => {
                    pipe.is_assign = next.typ == Tok::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    break 'decls;
                }
                Tok::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        let p = self.peek_non_space();
                        if matches!(p.typ, Tok::Variable | Tok::RightDelim | Tok::RightParen) {
                            continue 'decls;
                        }
                        return Err(self.errorf("range can only initialize variables".into()));
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ => {
                    // Not a declaration: put the variable back.
                    self.idx = after_var - 1;
                    break 'decls;
                }
            }
        }
        loop {
            let tok = self.next_non_space();
            if tok.typ == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match tok.typ {
                Tok::Bool
                | Tok::CharConstant
                | Tok::Dot
                | Tok::Field
                | Tok::Identifier
                | Tok::Number
                | Tok::Nil
                | Tok::RawString
                | Tok::String
                | Tok::Variable
                | Tok::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&tok, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(
                    Operand::Bool(..)
                        | Operand::Dot(_)
                        | Operand::Nil(_)
                        | Operand::Number(..)
                        | Operand::String { .. }
                )
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let tok = self.next();
            match tok.typ {
                Tok::Space => continue,
                Tok::RightDelim | Tok::RightParen => self.backup(),
                Tok::Pipe => {}
                _ => return Err(self.unexpected(&tok, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command".into()));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Operand>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != Tok::Field {
            return Ok(Some(node));
        }
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == Tok::Field {
            fields.push(self.next().val[1..].to_string());
        }
        // Like Go, a field or variable with more fields takes the position of the first of
        // them (it shows in error messages).
        Ok(Some(match node {
            Operand::Field { mut idents, .. } => {
                idents.extend(fields);
                Operand::Field { pos, idents }
            }
            Operand::Variable { mut idents, .. } => {
                idents.extend(fields);
                Operand::Variable { pos, idents }
            }
            Operand::Bool(..)
            | Operand::String { .. }
            | Operand::Number(..)
            | Operand::Nil(_)
            | Operand::Dot(_) => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    super::value::go_quote(&node.to_string())
                )));
            }
            node => Operand::Chain {
                pos,
                node: Box::new(node),
                fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Operand>> {
        let tok = self.next_non_space();
        Ok(Some(match tok.typ {
            Tok::Identifier => {
                if !(self.has_func)(&tok.val) {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        super::value::go_quote(&tok.val)
                    )));
                }
                Operand::Identifier {
                    pos: tok.pos,
                    name: tok.val,
                }
            }
            Tok::Dot => Operand::Dot(tok.pos),
            Tok::Nil => Operand::Nil(tok.pos),
            Tok::Variable => {
                let name = tok.val.clone();
                if !self.vars.contains(&name) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        super::value::go_quote(&name)
                    )));
                }
                Operand::Variable {
                    pos: tok.pos,
                    idents: vec![name],
                }
            }
            Tok::Field => Operand::Field {
                pos: tok.pos,
                idents: vec![tok.val[1..].to_string()],
            },
            Tok::Bool => Operand::Bool(tok.pos, tok.val == "true"),
            Tok::Number | Tok::CharConstant => {
                let n = parse_number(&tok.val, tok.typ == Tok::CharConstant)
                    .map_err(|e| self.errorf(e))?;
                Operand::Number(tok.pos, n)
            }
            Tok::LeftParen => Operand::Pipe(Box::new(
                self.pipeline("parenthesized pipeline", Tok::RightParen)?,
            )),
            Tok::String | Tok::RawString => {
                let text = unquote(&tok.val).map_err(|e| self.errorf(e))?;
                Operand::String {
                    pos: tok.pos,
                    quoted: tok.val,
                    text,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

enum Parsed {
    Node(Node),
    End,
    /// `{{else}}`, or `{{else if}}`/`{{else with}}` (the keyword not yet consumed).
    Else(Option<Tok>),
}

/// Go's `strconv.Unquote` for the string forms the lexer accepts.
fn unquote(s: &str) -> Result<String, String> {
    if let Some(raw) = s.strip_prefix('`') {
        return Ok(raw.trim_end_matches('`').replace('\r', ""));
    }
    let inner = &s[1..s.len() - 1];
    unescape(inner, '"')
}

fn unescape(inner: &str, quote: char) -> Result<String, String> {
    let mut out = String::new();
    let mut it = inner.chars().peekable();
    let bad = || "invalid syntax".to_string();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = it.next().ok_or_else(bad)?;
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '\'' if quote == '\'' => out.push('\''),
            '"' if quote == '"' => out.push('"'),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| it.next()).collect();
                let v = u32::from_str_radix(&hex, 16).map_err(|_| bad())?;
                if hex.len() != n {
                    return Err(bad());
                }
                if e == 'x' {
                    // A byte; only ASCII bytes can be represented in a Rust string.
                    out.push(char::from_u32(v).filter(|_| v < 0x80).unwrap_or('\u{FFFD}'));
                } else {
                    out.push(char::from_u32(v).ok_or_else(bad)?);
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let d = it.next().and_then(|c| c.to_digit(8)).ok_or_else(bad)?;
                    v = v * 8 + d;
                }
                if v > 255 {
                    return Err(bad());
                }
                out.push(char::from_u32(v).filter(|_| v < 0x80).unwrap_or('\u{FFFD}'));
            }
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

/// Go's `strconv.ParseInt(s, 0, 64)`-style integer parsing (prefixes, underscores, sign).
pub(crate) fn parse_go_int(text: &str) -> Option<i128> {
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits, prefixed) =
        if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, r, true)
        } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, r, true)
        } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, r, true)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..], true)
        } else {
            (10, body, false)
        };
    if digits.is_empty() {
        return None;
    }
    if digits.contains('_') {
        // Underscores only between digits, or between a base prefix and a digit.
        if (!prefixed && digits.starts_with('_')) || digits.ends_with('_') || digits.contains("__")
        {
            return None;
        }
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    let v = i128::from_str_radix(&clean, radix).ok()?;
    Some(if neg { -v } else { v })
}

/// A hexadecimal float (`0x1.8p3`), without its sign: mantissa digits, optional point, and
/// the mandatory binary exponent.
fn parse_hex_float(unsigned: &str) -> Option<f64> {
    let body = unsigned.strip_prefix("0x")?;
    let (mant, exp) = body.split_once('p')?;
    let exp: i32 = exp.parse().ok()?;
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

/// Go's `strconv.ParseFloat(s, 64)`: decimal and hexadecimal forms, `inf`, `nan`.
pub(crate) fn parse_go_float(text: &str) -> Option<f64> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if unsigned.starts_with("0x") {
        let v = parse_hex_float(unsigned)?;
        return Some(if lower.starts_with('-') { -v } else { v });
    }
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return clean.parse().ok();
    }
    if !clean
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return None;
    }
    clean.parse().ok()
}

/// Parses a number literal (or character constant) as Go's `NumberNode` does: it may be
/// usable as an int, a uint and/or a float.
fn parse_number(text: &str, is_char: bool) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_string(),
        is_int: false,
        is_uint: false,
        is_float: false,
        int: 0,
        float: 0.0,
    };
    if is_char {
        let inner = &text[1..text.len() - 1];
        let s =
            unescape(inner, '\'').map_err(|_| format!("malformed character constant: {text}"))?;
        let mut chars = s.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return Err(format!("malformed character constant: {text}"));
        };
        n.int = c as i64;
        n.is_int = true;
        n.is_uint = true;
        n.is_float = true;
        n.float = n.int as f64;
        return Ok(n);
    }
    if text.ends_with('i') {
        return Err(format!(
            "complex numbers are not supported: {}",
            super::value::go_quote(text)
        ));
    }
    if let Some(v) = parse_go_int(text) {
        if v >= 0 && v <= u64::MAX as i128 {
            n.is_uint = true;
        }
        if v >= i64::MIN as i128 && v <= i64::MAX as i128 {
            n.is_int = true;
            n.int = v as i64;
        }
    }
    if n.is_int || n.is_uint {
        n.is_float = true;
        n.float = if n.is_int {
            n.int as f64
        } else {
            parse_go_int(text).unwrap_or(0) as f64
        };
    } else if let Some(f) = parse_go_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!(
                "integer overflow: {}",
                super::value::go_quote(text)
            ));
        }
        n.is_float = true;
        n.float = f;
        if f.fract() == 0.0 && f.abs() < 9.2e18 {
            n.is_int = true;
            n.int = f as i64;
        }
        if f.fract() == 0.0 && (0.0..1.8e19).contains(&f) {
            n.is_uint = true;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!(
            "illegal number syntax: {}",
            super::value::go_quote(text)
        ));
    }
    Ok(n)
}
