//! A small JSONPath evaluator for the paths CRDs use in `additionalPrinterColumns` and
//! `selectableFields`, with client-go's `jsonpath` semantics for what they need: fields
//! (`.spec.replicas`, `['a.b']`), indexes (`[0]`, `[-1]`), slices (`[1:3]`), wildcards
//! (`[*]`, `.*`), recursive descent (`..name`) and filters
//! (`[?(@.type=="Ready")]`, `[?(@.count>1)]`, `[?(@.x)]`). Missing keys yield no result.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Wildcard,
    Recursive,
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    /// `[?(@.path op literal)]`, or an existence test when `op` is `None`.
    Filter(Vec<Step>, Option<(Op, Value)>),
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parses `.spec.x`, `{.spec.x}` or `$.spec.x`.
    pub fn parse(src: &str) -> Result<Self, String> {
        let s = src.trim();
        let s = s
            .strip_prefix('{')
            .and_then(|x| x.strip_suffix('}'))
            .unwrap_or(s)
            .trim();
        let s = s.strip_prefix('$').unwrap_or(s);
        let chars: Vec<char> = s.chars().collect();
        let mut pos = 0;
        let steps = parse_steps(&chars, &mut pos, false)?;
        if pos != chars.len() {
            return Err(format!("unrecognized character in action: {}", chars[pos]));
        }
        Ok(Self { steps })
    }

    /// Every value the path selects, in document order.
    pub fn find<'a>(&self, v: &'a Value) -> Vec<&'a Value> {
        let mut cur = vec![v];
        for step in &self.steps {
            let mut next = Vec::new();
            for x in cur {
                apply(step, x, &mut next);
            }
            cur = next;
        }
        cur
    }
}

fn parse_ident(chars: &[char], pos: &mut usize) -> String {
    let start = *pos;
    while *pos < chars.len()
        && !matches!(chars[*pos], '.' | '[' | ' ' | '=' | '!' | '<' | '>' | ')')
    {
        *pos += 1;
    }
    chars[start..*pos].iter().collect()
}

fn parse_steps(chars: &[char], pos: &mut usize, in_filter: bool) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    while *pos < chars.len() {
        match chars[*pos] {
            '.' => {
                *pos += 1;
                if *pos < chars.len() && chars[*pos] == '.' {
                    *pos += 1;
                    steps.push(Step::Recursive);
                }
                if *pos < chars.len() && chars[*pos] == '*' {
                    *pos += 1;
                    steps.push(Step::Wildcard);
                    continue;
                }
                let name = parse_ident(chars, pos);
                if !name.is_empty() {
                    steps.push(Step::Field(name));
                }
            }
            '[' => {
                *pos += 1;
                let close = find_close(chars, *pos)?;
                let inner: String = chars[*pos..close].iter().collect();
                *pos = close + 1;
                steps.push(parse_bracket(inner.trim())?);
            }
            c if in_filter && matches!(c, ' ' | '=' | '!' | '<' | '>' | ')') => break,
            c => {
                if steps.is_empty() && !in_filter {
                    // A bare leading name: `spec.x`.
                    let name = parse_ident(chars, pos);
                    if name.is_empty() {
                        return Err(format!("unrecognized character in action: {c}"));
                    }
                    steps.push(Step::Field(name));
                } else {
                    return Err(format!("unrecognized character in action: {c}"));
                }
            }
        }
    }
    Ok(steps)
}

/// The `]` matching an opened bracket, skipping quoted strings and nested parentheses.
fn find_close(chars: &[char], mut i: usize) -> Result<usize, String> {
    let mut quote: Option<char> = None;
    let mut depth = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => depth -= 1,
                ']' if depth == 0 => return Ok(i),
                _ => {}
            },
        }
        i += 1;
    }
    Err("unclosed array expect ]".to_string())
}

fn unquote(s: &str) -> Option<String> {
    let s = s.trim();
    if s.len() >= 2
        && ((s.starts_with('\'') && s.ends_with('\'')) || (s.starts_with('"') && s.ends_with('"')))
    {
        Some(s[1..s.len() - 1].to_string())
    } else {
        None
    }
}

fn parse_bracket(inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::Wildcard);
    }
    if let Some(name) = unquote(inner) {
        return Ok(Step::Field(name));
    }
    if let Some(f) = inner.strip_prefix('?') {
        let f = f.trim();
        let f = f
            .strip_prefix('(')
            .and_then(|x| x.strip_suffix(')'))
            .ok_or_else(|| format!("invalid filter: {inner}"))?
            .trim();
        let f = f
            .strip_prefix('@')
            .ok_or_else(|| format!("invalid filter: {inner}"))?;
        let chars: Vec<char> = f.chars().collect();
        let mut pos = 0;
        let path = parse_steps(&chars, &mut pos, true)?;
        let rest: String = chars[pos..].iter().collect();
        let rest = rest.trim();
        if rest.is_empty() {
            return Ok(Step::Filter(path, None));
        }
        let (op, lit) = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .into_iter()
        .find_map(|(t, op)| rest.strip_prefix(t).map(|l| (op, l.trim())))
        .ok_or_else(|| format!("invalid filter: {inner}"))?;
        let lit = match unquote(lit) {
            Some(s) => Value::String(s),
            None => serde_json::from_str(lit).map_err(|_| format!("invalid filter: {inner}"))?,
        };
        return Ok(Step::Filter(path, Some((op, lit))));
    }
    if let Some((a, b)) = inner.split_once(':') {
        let num = |x: &str| -> Result<Option<i64>, String> {
            let x = x.split(':').next().unwrap_or("").trim();
            if x.is_empty() {
                Ok(None)
            } else {
                x.parse()
                    .map(Some)
                    .map_err(|_| format!("invalid array index {x}"))
            }
        };
        return Ok(Step::Slice(num(a)?, num(b)?));
    }
    inner
        .parse::<i64>()
        .map(Step::Index)
        .map_err(|_| format!("invalid array index {inner}"))
}

fn apply<'a>(step: &Step, v: &'a Value, out: &mut Vec<&'a Value>) {
    match step {
        Step::Field(name) => {
            if let Some(x) = v.as_object().and_then(|m| m.get(name)) {
                out.push(x);
            }
        }
        Step::Wildcard => match v {
            Value::Object(m) => out.extend(m.values()),
            Value::Array(a) => out.extend(a.iter()),
            _ => {}
        },
        Step::Recursive => descend(v, out),
        Step::Index(i) => {
            if let Some(a) = v.as_array() {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                if idx >= 0
                    && let Some(x) = a.get(idx as usize)
                {
                    out.push(x);
                }
            }
        }
        Step::Slice(start, end) => {
            if let Some(a) = v.as_array() {
                let len = a.len() as i64;
                let norm = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                let s = start.map(norm).unwrap_or(0);
                let e = end.map(norm).unwrap_or(len);
                if s < e {
                    out.extend(a[s as usize..e as usize].iter());
                }
            }
        }
        Step::Filter(path, cond) => {
            let items: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                Value::Object(m) => m.values().collect(),
                _ => Vec::new(),
            };
            let sub = JsonPath {
                steps: path.clone(),
            };
            for item in items {
                let found = sub.find(item);
                let keep = match cond {
                    None => !found.is_empty(),
                    Some((op, lit)) => found.first().is_some_and(|x| compare(x, op, lit)),
                };
                if keep {
                    out.push(item);
                }
            }
        }
    }
}

fn descend<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(v);
    match v {
        Value::Object(m) => m.values().for_each(|x| descend(x, out)),
        Value::Array(a) => a.iter().for_each(|x| descend(x, out)),
        _ => {}
    }
}

fn compare(x: &Value, op: &Op, lit: &Value) -> bool {
    if let (Some(a), Some(b)) = (x.as_f64(), lit.as_f64()) {
        return match op {
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        };
    }
    match op {
        Op::Eq => x == lit,
        Op::Ne => x != lit,
        _ => match (x.as_str(), lit.as_str()) {
            (Some(a), Some(b)) => match op {
                Op::Lt => a < b,
                Op::Le => a <= b,
                Op::Gt => a > b,
                _ => a >= b,
            },
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find(path: &str, v: &Value) -> Vec<Value> {
        JsonPath::parse(path)
            .expect("parse")
            .find(v)
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn fields_indexes_filters() {
        let v = json!({"spec": {"replicas": 3, "a.b": "dotted"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False"}]},
            "items": [1, 2, 3, 4]});
        assert_eq!(find(".spec.replicas", &v), vec![json!(3)]);
        assert_eq!(find("{.spec['a.b']}", &v), vec![json!("dotted")]);
        assert_eq!(
            find(r#".status.conditions[?(@.type=="Ready")].status"#, &v),
            vec![json!("True")]
        );
        assert_eq!(
            find(".status.conditions[?(@.type!='Ready')].type", &v),
            vec![json!("Synced")]
        );
        assert_eq!(find(".items[-1]", &v), vec![json!(4)]);
        assert_eq!(find(".items[1:3]", &v), vec![json!(2), json!(3)]);
        assert_eq!(find(".items[?(@>2)]", &v), vec![json!(3), json!(4)]);
        assert_eq!(find(".status.conditions[*].type", &v).len(), 2);
        assert_eq!(find("..type", &v), vec![json!("Ready"), json!("Synced")]);
        assert!(find(".spec.missing.deeper", &v).is_empty());
    }
}
