//! The evaluator: walks the parsed tree over a [`Value`] the way `text/template`'s `exec.go`
//! does — Go's argument typing for function calls (untyped constants, `invalid value;
//! expected string` for a missing value given to a string parameter), interface unwrapping
//! between pipeline stages, variable scoping, and its error messages
//! (`template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`).

use std::rc::Rc;

use super::funcs::{Func, Kind, Ty, lookup};
use super::parse::{Branch, Command, List, Node, Number, Operand, Pipe, Tree};
use super::value::{Value, go_quote};

/// A value with whether Go sees it through an `interface {}` (an element of a JSON map or list
/// that no pipeline stage has unwrapped yet), which only changes the type error messages name.
#[derive(Debug, Clone)]
struct Slot {
    v: Value,
    iface: bool,
}

impl Slot {
    fn plain(v: Value) -> Slot {
        Slot { v, iface: false }
    }
}

pub(crate) enum Flow {
    Break,
    Continue,
    Err(String),
}

type R<T> = Result<T, Flow>;

/// How deep `{{template}}` calls may nest (Go allows 100000; this engine recurses on the
/// native stack, so it stops earlier).
const MAX_TEMPLATE_DEPTH: usize = 100;

pub(crate) struct State<'a> {
    /// The name the template was parsed as (error locations).
    name: &'a str,
    /// The name of the template being executed (differs inside `{{template}}` calls).
    tmpl: String,
    defs: &'a std::collections::HashMap<String, List>,
    depth: usize,
    text: &'a str,
    pub out: String,
    vars: Vec<(String, Slot)>,
    /// The node being evaluated, for error messages: byte offset and its text.
    node: Option<(usize, String)>,
    /// A missing or nil value prints as nothing (`html/template`'s way), not `<no value>`.
    missing_empty: bool,
}

/// Executes a parsed template over `data`, returning the output or a Go-style error message.
pub(crate) fn execute(
    name: &str,
    text: &str,
    tree: &Tree,
    data: &Value,
    missing_empty: bool,
) -> Result<String, String> {
    // A nil interface given as the data is Go's invalid value.
    let data = if matches!(data, Value::Nil) {
        Value::Missing
    } else {
        data.clone()
    };
    let mut s = State {
        name,
        tmpl: name.to_string(),
        defs: &tree.defs,
        depth: 0,
        text,
        out: String::new(),
        vars: vec![("$".to_string(), Slot::plain(data.clone()))],
        node: None,
        missing_empty,
    };
    match s.walk_list(&Slot::plain(data), &tree.root) {
        Ok(()) => Ok(s.out),
        Err(Flow::Err(e)) => Err(e),
        // The parser rejects break/continue outside range.
        Err(Flow::Break | Flow::Continue) => Ok(s.out),
    }
}

impl State<'_> {
    fn at(&mut self, pos: usize, ctx: String) {
        self.node = Some((pos, ctx));
    }

    fn errorf<T>(&self, msg: impl Into<String>) -> R<T> {
        Err(Flow::Err(self.error_text(msg.into())))
    }

    fn error_text(&self, msg: String) -> String {
        match &self.node {
            None => format!("template: {}: {}", self.tmpl, msg),
            Some((pos, ctx)) => {
                let before = &self.text[..(*pos).min(self.text.len())];
                let line = 1 + before.matches('\n').count();
                let col = match before.rfind('\n') {
                    Some(i) => before.len() - (i + 1),
                    None => before.len(),
                };
                format!(
                    "template: {}:{}:{}: executing {} at <{}>: {}",
                    self.name,
                    line,
                    col,
                    go_quote(&self.tmpl),
                    ctx,
                    msg
                )
            }
        }
    }

    fn walk_list(&mut self, dot: &Slot, list: &List) -> R<()> {
        for node in list {
            self.walk(dot, node)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Slot, node: &Node) -> R<()> {
        match node {
            Node::Text(t) => {
                self.out.push_str(t);
                Ok(())
            }
            Node::Action(pipe) => {
                let ctx = format!("{{{{{pipe}}}}}");
                self.at(pipe.pos, ctx.clone());
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at(pipe.pos, ctx);
                    match v {
                        Value::Missing | Value::Nil if self.missing_empty => {}
                        Value::Missing => self.out.push_str("<no value>"),
                        v => super::value::write_go(&mut self.out, &v),
                    }
                }
                Ok(())
            }
            Node::If(b) => self.walk_if_or_with(false, dot, b),
            Node::With(b) => self.walk_if_or_with(true, dot, b),
            Node::Range(b) => self.walk_range(dot, b),
            Node::Template { pos, name, pipe } => {
                self.walk_template(dot, *pos, name, pipe.as_ref())
            }
            Node::Break => Err(Flow::Break),
            Node::Continue => Err(Flow::Continue),
        }
    }

    fn walk_template(&mut self, dot: &Slot, pos: usize, name: &str, pipe: Option<&Pipe>) -> R<()> {
        let ctx = match pipe {
            Some(p) => format!("{{{{template {} {p}}}}}", go_quote(name)),
            None => format!("{{{{template {}}}}}", go_quote(name)),
        };
        self.at(pos, ctx);
        let Some(list) = self.defs.get(name) else {
            return self.errorf(format!("template {} not defined", go_quote(name)));
        };
        if self.depth >= MAX_TEMPLATE_DEPTH {
            return self.errorf(format!(
                "exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"
            ));
        }
        // Variables the pipeline declares persist in the caller.
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Missing,
        };
        // No dynamic scoping: the called template sees only `$`.
        let saved_vars = std::mem::replace(
            &mut self.vars,
            vec![("$".to_string(), Slot::plain(new_dot.clone()))],
        );
        let saved_tmpl = std::mem::replace(&mut self.tmpl, name.to_string());
        self.depth += 1;
        let res = self.walk_list(&Slot::plain(new_dot), list);
        self.depth -= 1;
        self.tmpl = saved_tmpl;
        self.vars = saved_vars;
        res
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Slot, b: &Branch) -> R<()> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let res = if val.truth() {
            if with {
                self.walk_list(&Slot::plain(val), &b.list)
            } else {
                self.walk_list(dot, &b.list)
            }
        } else if let Some(else_list) = &b.else_list {
            self.walk_list(dot, else_list)
        } else {
            Ok(())
        };
        self.vars.truncate(mark);
        res
    }

    fn walk_range(&mut self, dot: &Slot, b: &Branch) -> R<()> {
        let outer = self.vars.len();
        let res = self.walk_range_inner(dot, b);
        self.vars.truncate(outer);
        match res {
            Err(Flow::Break) => Ok(()),
            other => other,
        }
    }

    fn walk_range_inner(&mut self, dot: &Slot, b: &Branch) -> R<()> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.vars.len();
        let items: Vec<(Slot, Slot)> = match &val {
            Value::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    (
                        Slot::plain(Value::Int(i as i64)),
                        Slot {
                            v: e.clone(),
                            iface: true,
                        },
                    )
                })
                .collect(),
            Value::Map(m) => m
                .iter()
                .map(|(k, e)| {
                    (
                        Slot::plain(Value::from(k.as_str())),
                        Slot {
                            v: e.clone(),
                            iface: true,
                        },
                    )
                })
                .collect(),
            Value::Int(n) | Value::Int64(n) => {
                if b.pipe.decl.len() > 1 {
                    return self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        val.to_go_string()
                    ));
                }
                let wrap = |i: i64| match val {
                    Value::Int(_) => Value::Int(i),
                    _ => Value::Int64(i),
                };
                (0..(*n).max(0))
                    .map(|i| (Slot::plain(Value::Missing), Slot::plain(wrap(i))))
                    .collect()
            }
            Value::Missing | Value::Nil => Vec::new(),
            other => {
                return self.errorf(format!("range can't iterate over {}", other.to_go_string()));
            }
        };
        if items.is_empty() {
            if let Some(else_list) = &b.else_list {
                return self.walk_list(dot, else_list);
            }
            return Ok(());
        }
        for (index, elem) in items {
            let decl = &b.pipe.decl;
            if !decl.is_empty() {
                if b.pipe.is_assign {
                    if decl.len() > 1 {
                        self.set_var(&decl[0], index.clone())?;
                        self.set_var(&decl[1], elem.clone())?;
                    } else {
                        self.set_var(&decl[0], elem.clone())?;
                    }
                } else {
                    self.set_top_var(1, elem.clone());
                    if decl.len() > 1 {
                        self.set_top_var(2, index);
                    }
                }
            }
            let res = self.walk_list(&elem, &b.list);
            self.vars.truncate(mark);
            match res {
                Ok(()) | Err(Flow::Continue) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn set_var(&mut self, name: &str, v: Slot) -> R<()> {
        for (n, slot) in self.vars.iter_mut().rev() {
            if n == name {
                *slot = v;
                return Ok(());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn set_top_var(&mut self, n: usize, v: Slot) {
        let len = self.vars.len();
        self.vars[len - n].1 = v;
    }

    fn var_value(&self, name: &str) -> R<Slot> {
        for (n, slot) in self.vars.iter().rev() {
            if n == name {
                return Ok(slot.clone());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn eval_pipeline(&mut self, dot: &Slot, pipe: &Pipe) -> R<Value> {
        self.at(pipe.pos, pipe.to_string());
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            // A nil interface returned by a stage is unwrapped to Go's invalid value.
            value = Some(if matches!(v, Value::Nil) {
                Value::Missing
            } else {
                v
            });
        }
        let value = value.unwrap_or(Value::Missing);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, Slot::plain(value.clone()))?;
            } else {
                self.vars.push((name.clone(), Slot::plain(value.clone())));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Operand], final_: &Option<Value>) -> R<()> {
        if args.len() > 1 || final_.is_some() {
            return self.errorf(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Slot, cmd: &Command, final_: Option<Value>) -> R<Value> {
        let first = &cmd.args[0];
        match first {
            Operand::Field { pos, idents } => {
                self.at(*pos, first.to_string());
                Ok(self
                    .eval_field_chain(dot, dot.clone(), idents, &cmd.args, final_)?
                    .v)
            }
            Operand::Chain { .. } => Ok(self.eval_chain(dot, first, &cmd.args, final_)?.v),
            Operand::Identifier { pos, name } => {
                self.at(*pos, name.clone());
                self.eval_call(
                    dot,
                    name,
                    (cmd.pos, cmd.to_string()),
                    &cmd.args[1..],
                    final_,
                )
            }
            Operand::Pipe(p) => {
                self.not_a_function(&cmd.args, &final_)?;
                self.eval_pipeline(dot, p)
            }
            Operand::Variable { .. } => Ok(self.eval_variable(dot, first, &cmd.args, final_)?.v),
            _ => {
                self.at(first.pos(), first.to_string());
                self.not_a_function(&cmd.args, &final_)?;
                match first {
                    Operand::Bool(_, b) => Ok(Value::Bool(*b)),
                    Operand::Dot(_) => Ok(dot.v.clone()),
                    Operand::Nil(_) => self.errorf("nil is not a command"),
                    Operand::Number(_, n) => self.ideal_constant(n),
                    Operand::String { text, .. } => Ok(Value::from(text.as_str())),
                    _ => self.errorf(format!(
                        "can't evaluate command {}",
                        go_quote(&first.to_string())
                    )),
                }
            }
        }
    }

    /// A number literal where no type is expected: Go's rules pick `float64` for literals
    /// written with a dot or exponent, `int` otherwise.
    fn ideal_constant(&mut self, n: &Number) -> R<Value> {
        let t = &n.text;
        let is_hex_int =
            t.len() > 2 && (t.starts_with("0x") || t.starts_with("0X")) && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if n.is_float && !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(n.float));
        }
        if n.is_int {
            return Ok(Value::Int(n.int));
        }
        if n.is_uint {
            return self.errorf(format!("{t} overflows int"));
        }
        Ok(Value::Missing)
    }

    fn eval_chain(
        &mut self,
        dot: &Slot,
        op: &Operand,
        args: &[Operand],
        final_: Option<Value>,
    ) -> R<Slot> {
        let Operand::Chain { pos, node, fields } = op else {
            return self.errorf("internal error: not a chain");
        };
        self.at(*pos, op.to_string());
        if matches!(node.as_ref(), Operand::Nil(_)) {
            return self.errorf(format!("indirection through explicit nil in {op}"));
        }
        let recv = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(dot, Slot::plain(recv), fields, args, final_)
    }

    fn eval_variable(
        &mut self,
        dot: &Slot,
        op: &Operand,
        args: &[Operand],
        final_: Option<Value>,
    ) -> R<Slot> {
        let Operand::Variable { pos, idents } = op else {
            return self.errorf("internal error: not a variable");
        };
        self.at(*pos, op.to_string());
        let value = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            self.not_a_function(args, &final_)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, &idents[1..], args, final_)
    }

    fn eval_field_chain(
        &mut self,
        _dot: &Slot,
        mut receiver: Slot,
        idents: &[String],
        args: &[Operand],
        final_: Option<Value>,
    ) -> R<Slot> {
        let n = idents.len();
        for ident in &idents[..n - 1] {
            receiver = self.eval_field(ident, &[], &None, receiver)?;
        }
        self.eval_field(&idents[n - 1], args, &final_, receiver)
    }

    fn eval_field(
        &mut self,
        name: &str,
        args: &[Operand],
        final_: &Option<Value>,
        receiver: Slot,
    ) -> R<Slot> {
        let typ = if receiver.iface {
            "interface {}".to_string()
        } else {
            receiver.v.type_name()
        };
        let has_args = args.len() > 1 || final_.is_some();
        match &receiver.v {
            Value::Missing => Ok(Slot::plain(Value::Missing)),
            Value::Nil => self.errorf(format!("nil pointer evaluating {typ}.{name}")),
            Value::Struct(r) => match r.fields.iter().find(|(k, _)| k == name) {
                Some((_, v)) => {
                    if has_args {
                        return self.errorf(format!(
                            "{name} has arguments but cannot be invoked as function"
                        ));
                    }
                    Ok(Slot::plain(v.clone()))
                }
                None => self.errorf(format!("can't evaluate field {name} in type {typ}")),
            },
            Value::Map(m) => {
                if has_args {
                    return self.errorf(format!("{name} is not a method but has arguments"));
                }
                Ok(match m.get(name) {
                    Some(v) => Slot {
                        v: v.clone(),
                        iface: true,
                    },
                    None => Slot::plain(Value::Missing),
                })
            }
            Value::Time(_) | Value::Version(_) => {
                let Some(m) = super::methods::lookup(&receiver.v, name) else {
                    return self.errorf(format!("can't evaluate field {name} in type {typ}"));
                };
                let node = self.node.clone().unwrap_or_default();
                let call_args = args.get(1..).unwrap_or(&[]);
                let v = self.call_func(
                    &receiver,
                    name,
                    &m,
                    Some(receiver.v.clone()),
                    node,
                    call_args,
                    final_.clone(),
                )?;
                Ok(Slot::plain(v))
            }
            _ => self.errorf(format!("can't evaluate field {name} in type {typ}")),
        }
    }

    /// Evaluates a function call; `node` is the command (or identifier) for error messages.
    fn eval_call(
        &mut self,
        dot: &Slot,
        name: &str,
        node: (usize, String),
        args: &[Operand],
        final_: Option<Value>,
    ) -> R<Value> {
        let Some(f) = lookup(name) else {
            return self.errorf(format!("{} is not a defined function", go_quote(name)));
        };
        self.call_func(dot, name, f, None, node, args, final_)
    }

    /// Calls `f` (a method of `recv` when given) with the arguments checked against its
    /// parameter types.
    #[allow(clippy::too_many_arguments)]
    fn call_func(
        &mut self,
        dot: &Slot,
        name: &str,
        f: &Func,
        recv: Option<Value>,
        node: (usize, String),
        args: &[Operand],
        final_: Option<Value>,
    ) -> R<Value> {
        let num_in = args.len() + usize::from(final_.is_some());
        let num_fixed = f.params.len();
        if f.variadic.is_some() {
            if num_in < num_fixed {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {num_fixed} got {}",
                    args.len()
                ));
            }
        } else if num_in != num_fixed {
            return self.errorf(format!(
                "wrong number of args for {name}: want {num_fixed} got {num_in}"
            ));
        }

        if matches!(f.kind, Kind::And | Kind::Or) {
            let is_or = f.kind == Kind::Or;
            let mut v = Value::Missing;
            for arg in args {
                v = self.eval_arg(dot, Some(Ty::Refl), arg)?;
                if v.truth() == is_or {
                    return Ok(v);
                }
            }
            if let Some(fin) = final_ {
                v = self.validate(fin, Some(Ty::Refl))?;
            }
            return Ok(v);
        }

        let mut argv = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            argv.push(self.eval_arg(dot, Some(f.params[i]), &args[i])?);
            i += 1;
        }
        if let Some(vt) = f.variadic {
            while i < args.len() {
                argv.push(self.eval_arg(dot, Some(vt), &args[i])?);
                i += 1;
            }
        }
        if let Some(fin) = final_ {
            let t = match f.variadic {
                Some(vt) if num_in > num_fixed => vt,
                _ => f.params[num_in - 1],
            };
            argv.push(self.validate(fin, Some(t))?);
        }

        if f.kind == Kind::Call {
            let callee = match args.first() {
                Some(a) => a.to_string(),
                None => argv[0].to_go_string(),
            };
            let msg = match &argv[0] {
                Value::Missing | Value::Nil => "call of nil".to_string(),
                v => format!("non-function {callee} of type {}", v.type_name()),
            };
            self.node = Some(node);
            return self.errorf(format!("error calling call: {msg}"));
        }

        if let Some(recv) = recv {
            argv.insert(0, recv);
        }
        match (f.call)(&argv) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.node = Some(node);
                self.errorf(format!("error calling {name}: {e}"))
            }
        }
    }

    /// Go's `validateType`: checks an evaluated value against a parameter type.
    fn validate(&self, v: Value, ty: Option<Ty>) -> R<Value> {
        let Some(ty) = ty else {
            return Ok(v);
        };
        match (&v, ty) {
            (Value::Missing, Ty::Any) => Ok(Value::Nil),
            (Value::Missing, Ty::Refl) => Ok(Value::Missing),
            (Value::Missing, Ty::Map) => Ok(Value::Map(Rc::default())),
            (Value::Missing, Ty::List) => Ok(Value::List(Rc::default())),
            (Value::Missing, t) => self.errorf(format!("invalid value; expected {}", t.name())),
            (_, Ty::Any | Ty::Refl) => Ok(v),
            (Value::Nil, t) => self.errorf(format!(
                "wrong type for value; expected {}; got interface {{}}",
                t.name()
            )),
            (Value::String(_), Ty::Str)
            | (Value::Int(_), Ty::Int)
            | (Value::Float(_), Ty::Float)
            | (Value::Bool(_), Ty::Bool)
            | (Value::Map(_), Ty::Map)
            | (Value::List(_), Ty::List)
            | (Value::Time(_), Ty::Time)
            | (Value::Version(_), Ty::Version) => Ok(v),
            (Value::Struct(r), Ty::Cert) if r.type_name == super::funcs::CERT_TYPE => Ok(v),
            (v, t) => self.errorf(format!(
                "wrong type for value; expected {}; got {}",
                t.name(),
                v.type_name()
            )),
        }
    }

    /// Go's `evalArg`: evaluates an argument for a parameter of type `ty` (`None`: untyped).
    fn eval_arg(&mut self, dot: &Slot, ty: Option<Ty>, op: &Operand) -> R<Value> {
        self.at(op.pos(), op.to_string());
        match op {
            Operand::Dot(_) => return self.validate(dot.v.clone(), ty),
            Operand::Nil(_) => {
                return match ty {
                    None | Some(Ty::Refl) => Ok(Value::Missing),
                    Some(Ty::Any) => Ok(Value::Nil),
                    Some(Ty::Map) => Ok(Value::Map(Rc::default())),
                    Some(Ty::List) => Ok(Value::List(Rc::default())),
                    Some(Ty::Version) => Ok(Value::Missing),
                    Some(t) => self.errorf(format!("cannot assign nil to {}", t.name())),
                };
            }
            Operand::Field { pos, idents } => {
                self.at(*pos, op.to_string());
                let v = self.eval_field_chain(
                    dot,
                    dot.clone(),
                    idents,
                    std::slice::from_ref(op),
                    None,
                )?;
                return self.validate(v.v, ty);
            }
            Operand::Variable { .. } => {
                let v = self.eval_variable(dot, op, &[], None)?;
                return self.validate(v.v, ty);
            }
            Operand::Pipe(p) => {
                let v = self.eval_pipeline(dot, p)?;
                return self.validate(v, ty);
            }
            Operand::Identifier { pos, name } => {
                self.at(*pos, name.clone());
                let v = self.eval_call(dot, name, (*pos, name.clone()), &[], None)?;
                return self.validate(v, ty);
            }
            Operand::Chain { .. } => {
                let v = self.eval_chain(dot, op, &[], None)?;
                return self.validate(v.v, ty);
            }
            _ => {}
        }
        match ty {
            None | Some(Ty::Any | Ty::Refl) => match op {
                Operand::Bool(_, b) => Ok(Value::Bool(*b)),
                Operand::Number(_, n) => self.ideal_constant(n),
                Operand::String { text, .. } => Ok(Value::from(text.as_str())),
                _ => self.errorf(format!(
                    "can't handle assignment of {op} to empty interface argument"
                )),
            },
            Some(Ty::Bool) => match op {
                Operand::Bool(_, b) => Ok(Value::Bool(*b)),
                _ => self.errorf(format!("expected bool; found {op}")),
            },
            Some(Ty::Str) => match op {
                Operand::String { text, .. } => Ok(Value::from(text.as_str())),
                _ => self.errorf(format!("expected string; found {op}")),
            },
            Some(Ty::Int) => match op {
                Operand::Number(_, n) if n.is_int => Ok(Value::Int(n.int)),
                _ => self.errorf(format!("expected integer; found {op}")),
            },
            Some(Ty::Uint32) => match op {
                Operand::Number(_, n) if n.is_uint => Ok(Value::Int(i64::from(n.int as u32))),
                _ => self.errorf(format!("expected unsigned integer; found {op}")),
            },
            Some(Ty::Float) => match op {
                Operand::Number(_, n) if n.is_float => Ok(Value::Float(n.float)),
                _ => self.errorf(format!("expected float; found {op}")),
            },
            Some(t @ (Ty::Map | Ty::List | Ty::Time | Ty::Version | Ty::Cert)) => {
                self.errorf(format!("can't handle {op} for arg of type {}", t.name()))
            }
        }
    }
}
