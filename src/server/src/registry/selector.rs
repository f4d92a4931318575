//! Label and field selectors: the `labelSelector` and `fieldSelector` of list and watch requests,
//! and the structured `metav1.LabelSelector` that objects such as Deployments carry.
//!
//! Start with [`LabelSelector::parse`] and [`FieldSelector::parse`]. Both follow
//! `k8s.io/apimachinery` (`pkg/labels`, `pkg/fields`) to the letter, including the text of every
//! parse error: kube-apiserver answers a bad selector with a 400 `BadRequest` whose message is
//! the bare parse error (the handler wraps nothing), so [`SelectorError::to_api_error`] gives the
//! exact response. A field selector parses without knowing the resource; the list handler then
//! asks the resource which field labels it supports and rejects the others with
//! [`field_label_not_supported`] (or [`unknown_field_selector`] for resources that only know
//! `metadata.name` and `metadata.namespace`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::errors::{ApiError, FieldError, FieldPath};

/// A selector that cannot be parsed or built. The text is apimachinery's, word for word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError(String);

impl SelectorError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    pub fn message(&self) -> &str {
        &self.0
    }

    /// The response kube-apiserver sends for a bad `labelSelector`/`fieldSelector` parameter.
    pub fn to_api_error(&self) -> ApiError {
        ApiError::bad_request(self.0.clone())
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SelectorError {}

impl From<SelectorError> for ApiError {
    fn from(e: SelectorError) -> Self {
        e.to_api_error()
    }
}

/// Joins several messages the way `utilerrors.NewAggregate(...).Error()` does: one message
/// alone, otherwise the distinct messages in brackets.
fn aggregate(messages: Vec<String>) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    for m in messages {
        if !seen.contains(&m) {
            seen.push(m);
        }
    }
    match seen.len() {
        0 => None,
        1 => seen.pop(),
        _ => Some(format!("[{}]", seen.join(", "))),
    }
}

// ---------------------------------------------------------------------------------------------
// Label keys and values: apimachinery's `IsQualifiedName` and `IsValidLabelValue`, kept in one
// place (`validation::names`).
// ---------------------------------------------------------------------------------------------

/// The problems with a label key (a "qualified name"); empty if valid.
pub fn label_key_errors(key: &str) -> Vec<String> {
    crate::validation::names::is_qualified_name(key)
}

/// The problems with a label value; empty if valid.
pub fn label_value_errors(value: &str) -> Vec<String> {
    crate::validation::names::is_valid_label_value(value)
}

fn validate_label_key(key: &str, path: &FieldPath) -> Option<FieldError> {
    let errs = label_key_errors(key);
    (!errs.is_empty()).then(|| FieldError::invalid(path, key, &errs.join("; ")))
}

fn validate_label_value(key: &str, value: &str, path: &FieldPath) -> Option<FieldError> {
    let errs = label_value_errors(value);
    (!errs.is_empty()).then(|| FieldError::invalid(&path.key(key), value, &errs.join("; ")))
}

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

/// Something with labels to match against: `metadata.labels` as JSON, or a plain map.
pub trait Labels {
    /// The value of label `key`, if the label is set.
    fn label(&self, key: &str) -> Option<&str>;
}

impl Labels for Map<String, Value> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }
}

impl Labels for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<S: std::hash::BuildHasher> Labels for HashMap<String, String, S> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// How a requirement relates a label to its values, as `selection.Operator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

impl Operator {
    /// The operator's name in `selection.Operator`: `=`, `in`, `gt`, `exists`, `!`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "=",
            Self::DoubleEquals => "==",
            Self::NotEquals => "!=",
            Self::In => "in",
            Self::NotIn => "notin",
            Self::Exists => "exists",
            Self::DoesNotExist => "!",
            Self::GreaterThan => "gt",
            Self::LessThan => "lt",
        }
    }
}

/// The binary operators in the order apimachinery lists them in its "expected:" message.
const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

/// One clause of a label selector: a key, an operator and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

impl Requirement {
    /// Builds and validates a requirement, as `labels.NewRequirement` (without a field path):
    /// errors name `key`, `values` and `values[i][key]`, joined as an aggregate.
    pub fn new(key: &str, operator: Operator, values: Vec<String>) -> Result<Self, SelectorError> {
        let mut errs: Vec<String> = Vec::new();
        if let Some(e) = validate_label_key(key, &FieldPath::new("key")) {
            errs.push(e.to_string());
        }
        let values_path = FieldPath::new("values");
        let invalid = |detail: &str| FieldError::invalid(&values_path, values.clone(), detail);
        match operator {
            Operator::In | Operator::NotIn if values.is_empty() => {
                // A missing list prints as `null`, the way Go prints a nil slice.
                let e = FieldError::invalid(
                    &values_path,
                    Value::Null,
                    "for 'in', 'notin' operators, values set can't be empty",
                );
                errs.push(e.to_string());
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals
                if values.len() != 1 =>
            {
                errs.push(
                    invalid("exact-match compatibility requires one single value").to_string(),
                );
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                errs.push(
                    invalid("values set must be empty for exists and does not exist").to_string(),
                );
            }
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(
                        invalid("for 'Gt', 'Lt' operators, exactly one value is required")
                            .to_string(),
                    );
                }
                for (i, v) in values.iter().enumerate() {
                    if v.parse::<i64>().is_err() {
                        let e = FieldError::invalid(
                            &values_path.index(i),
                            v.as_str(),
                            "for 'Gt', 'Lt' operators, the value must be an integer",
                        );
                        errs.push(e.to_string());
                    }
                }
            }
            _ => {}
        }
        for (i, v) in values.iter().enumerate() {
            if let Some(e) = validate_label_value(key, v, &values_path.index(i)) {
                errs.push(e.to_string());
            }
        }
        match aggregate(errs) {
            Some(message) => Err(SelectorError::new(message)),
            None => Ok(Self {
                key: key.to_string(),
                operator,
                values,
            }),
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn operator(&self) -> Operator {
        self.operator
    }

    pub fn values(&self) -> &[String] {
        &self.values
    }

    fn has_value(&self, v: &str) -> bool {
        self.values.iter().any(|x| x == v)
    }

    /// Whether `labels` satisfy this requirement (`labels.Requirement.Matches`).
    pub fn matches<L: Labels + ?Sized>(&self, labels: &L) -> bool {
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                labels.label(&self.key).is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => {
                labels.label(&self.key).is_none_or(|v| !self.has_value(v))
            }
            Operator::Exists => labels.label(&self.key).is_some(),
            Operator::DoesNotExist => labels.label(&self.key).is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(actual) = labels.label(&self.key).and_then(|v| v.parse::<i64>().ok())
                else {
                    return false;
                };
                let [wanted] = self.values.as_slice() else {
                    return false;
                };
                let Ok(wanted) = wanted.parse::<i64>() else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    actual > wanted
                } else {
                    actual < wanted
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.operator {
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in (",
            Operator::NotIn => " notin (",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
        };
        f.write_str(op)?;
        // Values print sorted, whatever order they were given in.
        let mut values: Vec<&str> = self.values.iter().map(String::as_str).collect();
        values.sort_unstable();
        f.write_str(&values.join(","))?;
        if matches!(self.operator, Operator::In | Operator::NotIn) {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A label selector: requirements that must all hold, sorted by key.
///
/// The empty selector matches everything. A selector built from a JSON `null` (no selector at
/// all in a `metav1.LabelSelector` field) matches nothing, as `LabelSelectorAsSelector(nil)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl LabelSelector {
    /// The selector that matches every object.
    pub fn everything() -> Self {
        Self::default()
    }

    /// The selector that matches no object.
    pub fn nothing() -> Self {
        Self {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// Parses the string form (`labels.Parse`), e.g. `environment in (production, qa),tier!=frontend`.
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        let mut requirements = Parser::new(selector).parse()?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Self {
            requirements,
            nothing: false,
        })
    }

    /// Builds a selector from a structured `metav1.LabelSelector` (`matchLabels`,
    /// `matchExpressions`), as `metav1.LabelSelectorAsSelector`: `null` matches nothing, `{}`
    /// matches everything.
    pub fn from_label_selector_json(selector: &Value) -> Result<Self, SelectorError> {
        let obj = match selector {
            Value::Null => return Ok(Self::nothing()),
            Value::Object(obj) => obj,
            other => return Err(decode_error(other, "", "v1.LabelSelector")),
        };
        let match_labels = match obj.get("matchLabels") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(other) => {
                return Err(decode_error(
                    other,
                    "LabelSelector.matchLabels",
                    "map[string]string",
                ));
            }
        };
        let expressions = match obj.get("matchExpressions") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(a)) => a.as_slice(),
            Some(other) => {
                return Err(decode_error(
                    other,
                    "LabelSelector.matchExpressions",
                    "[]v1.LabelSelectorRequirement",
                ));
            }
        };
        if match_labels.is_none_or(Map::is_empty) && expressions.is_empty() {
            return Ok(Self::everything());
        }
        let mut requirements = Vec::new();
        if let Some(labels) = match_labels {
            let mut keys: Vec<&String> = labels.keys().collect();
            keys.sort();
            for key in keys {
                let value = match &labels[key] {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => {
                        return Err(decode_error(other, "LabelSelector.matchLabels", "string"));
                    }
                };
                requirements.push(Requirement::new(key, Operator::Equals, vec![value])?);
            }
        }
        for expr in expressions {
            requirements.push(requirement_from_json(expr)?);
        }
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Self {
            requirements,
            nothing: false,
        })
    }

    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// True if the selector does not restrict anything (`Selector.Empty`); false for
    /// [`LabelSelector::nothing`].
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// True only for [`LabelSelector::nothing`].
    pub fn matches_nothing(&self) -> bool {
        self.nothing
    }

    /// Whether every requirement holds for `labels`.
    pub fn matches<L: Labels + ?Sized>(&self, labels: &L) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Whether the object's `metadata.labels` match; an object without labels has none.
    pub fn matches_object(&self, object: &Value) -> bool {
        match object
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
        {
            Some(labels) => self.matches(labels),
            None => self.matches(&Map::new()),
        }
    }

    /// The single value label `key` must have, if the selector pins it (`=`, `==`, or `in` with
    /// one value), as `RequiresExactMatch`.
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        let r = self.requirements.iter().find(|r| r.key == key)?;
        match (r.operator, r.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [v]) => Some(v),
            _ => None,
        }
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl FromStr for LabelSelector {
    type Err = SelectorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The JSON type name Go's decoder uses in "cannot unmarshal X into …".
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A structured selector of the wrong JSON shape, worded like the Go JSON decoder's error.
fn decode_error(v: &Value, field: &str, go_type: &str) -> SelectorError {
    let kind = json_kind(v);
    if field.is_empty() {
        SelectorError::new(format!(
            "json: cannot unmarshal {kind} into Go value of type {go_type}"
        ))
    } else {
        SelectorError::new(format!(
            "json: cannot unmarshal {kind} into Go struct field {field} of type {go_type}"
        ))
    }
}

fn requirement_from_json(expr: &Value) -> Result<Requirement, SelectorError> {
    const WHERE: &str = "LabelSelector.matchExpressions";
    let Value::Object(expr) = expr else {
        return Err(decode_error(expr, WHERE, "v1.LabelSelectorRequirement"));
    };
    let string_field = |name: &str| -> Result<String, SelectorError> {
        match expr.get(name) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(decode_error(other, &format!("{WHERE}.{name}"), "string")),
        }
    };
    let key = string_field("key")?;
    let operator = string_field("operator")?;
    let values = match expr.get("values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(decode_error(other, &format!("{WHERE}.values"), "string")),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(decode_error(other, &format!("{WHERE}.values"), "[]string")),
    };
    let op = match operator.as_str() {
        "In" => Operator::In,
        "NotIn" => Operator::NotIn,
        "Exists" => Operator::Exists,
        "DoesNotExist" => Operator::DoesNotExist,
        other => {
            return Err(SelectorError::new(format!(
                "{other:?} is not a valid label selector operator"
            )));
        }
    };
    Requirement::new(&key, op, values)
}

/// Options of [`validate_label_selector`], as `LabelSelectorValidationOptions`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LabelSelectorValidationOptions {
    /// Accept values that are not valid label values (only for old stored data).
    pub allow_invalid_label_value_in_selector: bool,
}

/// Validates a structured `metav1.LabelSelector` at `path`, as
/// `metav1validation.ValidateLabelSelector`. `null` is valid. Shape errors (a string where a
/// map belongs) are the decoder's business and are not reported here.
pub fn validate_label_selector(
    selector: &Value,
    opts: LabelSelectorValidationOptions,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Value::Object(obj) = selector else {
        return errs;
    };
    if let Some(Value::Object(labels)) = obj.get("matchLabels") {
        let labels_path = path.child("matchLabels");
        for (k, v) in labels {
            for msg in label_key_errors(k) {
                errs.push(FieldError::invalid(&labels_path, k.as_str(), &msg));
            }
            let v = v.as_str().unwrap_or_default();
            for msg in label_value_errors(v) {
                errs.push(FieldError::invalid(&labels_path, v, &msg));
            }
        }
    }
    if let Some(Value::Array(exprs)) = obj.get("matchExpressions") {
        let exprs_path = path.child("matchExpressions");
        for (i, expr) in exprs.iter().enumerate() {
            let p = exprs_path.index(i);
            let get = |name: &str| expr.get(name).and_then(Value::as_str).unwrap_or_default();
            let values: Vec<&str> = expr
                .get("values")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default()).collect())
                .unwrap_or_default();
            match get("operator") {
                "In" | "NotIn" if values.is_empty() => errs.push(FieldError::required(
                    &p.child("values"),
                    "must be specified when `operator` is 'In' or 'NotIn'",
                )),
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    errs.push(FieldError::forbidden(
                        &p.child("values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => errs.push(FieldError::invalid(
                    &p.child("operator"),
                    other,
                    "not a valid selector operator",
                )),
            }
            let key = get("key");
            for msg in label_key_errors(key) {
                errs.push(FieldError::invalid(&p.child("key"), key, &msg));
            }
            if !opts.allow_invalid_label_value_in_selector {
                for (j, v) in values.iter().enumerate() {
                    for msg in label_value_errors(v) {
                        errs.push(FieldError::invalid(&p.child("values").index(j), *v, &msg));
                    }
                }
            }
        }
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// The label selector lexer and parser (`labels.Lexer`, `labels.Parser`)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn keyword(s: &str) -> Option<Token> {
    Some(match s {
        ")" => Token::ClosedPar,
        "," => Token::Comma,
        "!" => Token::DoesNotExist,
        "==" => Token::DoubleEquals,
        "=" => Token::Equals,
        ">" => Token::GreaterThan,
        "in" => Token::In,
        "<" => Token::LessThan,
        "!=" => Token::NotEquals,
        "notin" => Token::NotIn,
        "(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Splits a selector string into tokens. A NUL byte ends the input, as in apimachinery.
fn lex(s: &str) -> Vec<(Token, &str)> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut items = Vec::new();
    let mut pos = 0;
    loop {
        while is_whitespace(at(pos)) {
            pos += 1;
        }
        let c = at(pos);
        if c == 0 {
            items.push((Token::EndOfString, ""));
            return items;
        }
        let start = pos;
        if is_special(c) {
            // The longest run of special characters that is still an operator.
            let mut end = start + 1;
            while is_special(at(end)) && keyword(&s[start..=end]).is_some() {
                end += 1;
            }
            let lit = &s[start..end];
            // Every single special character is a token, so this always succeeds.
            items.push((keyword(lit).unwrap_or(Token::Identifier), lit));
            pos = end;
        } else {
            while at(pos) != 0 && !is_special(at(pos)) && !is_whitespace(at(pos)) {
                pos += 1;
            }
            let lit = &s[start..pos];
            let tok = match keyword(lit) {
                Some(t @ (Token::In | Token::NotIn)) => t,
                _ => Token::Identifier,
            };
            items.push((tok, lit));
        }
    }
}

/// Where the parser is: after a key `in`/`notin` are operators, among values they are words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

struct Parser<'a> {
    items: Vec<(Token, &'a str)>,
    position: usize,
}

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Self {
        Self {
            items: lex(s),
            position: 0,
        }
    }

    fn lookahead(&self, ctx: Context) -> (Token, &'a str) {
        // The token list always ends with EndOfString, and parsing stops there.
        let (tok, lit) = self
            .items
            .get(self.position)
            .copied()
            .unwrap_or((Token::EndOfString, ""));
        match tok {
            Token::In | Token::NotIn if ctx == Context::Values => (Token::Identifier, lit),
            _ => (tok, lit),
        }
    }

    fn consume(&mut self, ctx: Context) -> (Token, &'a str) {
        let item = self.lookahead(ctx);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, SelectorError> {
        let mut requirements = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Context::Values);
            match tok {
                Token::Identifier | Token::DoesNotExist => {
                    let r = self.parse_requirement().map_err(|e| {
                        SelectorError::new(format!("unable to parse requirement: {e}"))
                    })?;
                    requirements.push(r);
                    let (t, l) = self.consume(Context::Values);
                    match t {
                        Token::EndOfString => return Ok(requirements),
                        Token::Comma => {
                            let (t2, l2) = self.lookahead(Context::Values);
                            if t2 != Token::Identifier && t2 != Token::DoesNotExist {
                                return Err(SelectorError::new(format!(
                                    "found '{l2}', expected: identifier after ','"
                                )));
                            }
                        }
                        _ => {
                            return Err(SelectorError::new(format!(
                                "found '{l}', expected: ',' or 'end of string'"
                            )));
                        }
                    }
                }
                Token::EndOfString => return Ok(requirements),
                _ => {
                    return Err(SelectorError::new(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    )));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, SelectorError> {
        let (key, unary) = self.parse_key_and_infer_operator()?;
        if let Some(op) = unary {
            return Requirement::new(key, op, Vec::new());
        }
        let op = self.parse_operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::new(key, op, values)
    }

    /// The key, and `Exists`/`DoesNotExist` when no binary operator follows.
    fn parse_key_and_infer_operator(
        &mut self,
    ) -> Result<(&'a str, Option<Operator>), SelectorError> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(Context::Values);
        if tok == Token::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(Context::Values);
        }
        if tok != Token::Identifier {
            return Err(SelectorError::new(format!(
                "found '{lit}', expected: identifier"
            )));
        }
        // The parser has no field path here, which Go prints as `<nil>`.
        if let Some(e) = validate_label_key(lit, &FieldPath::new("<nil>")) {
            return Err(SelectorError::new(e.to_string()));
        }
        let (next, _) = self.lookahead(Context::Values);
        if matches!(next, Token::EndOfString | Token::Comma) && op.is_none() {
            op = Some(Operator::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, SelectorError> {
        let (tok, lit) = self.consume(Context::KeyAndOperator);
        Ok(match tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => {
                return Err(SelectorError::new(format!(
                    "found '{lit}', expected: {BINARY_OPERATORS}"
                )));
            }
        })
    }

    /// `(a,b,c)`: a sorted set; empty entries (`(a,,b)`, `()`) stand for the empty value.
    fn parse_values(&mut self) -> Result<Vec<String>, SelectorError> {
        let (tok, lit) = self.consume(Context::Values);
        if tok != Token::OpenPar {
            return Err(SelectorError::new(format!("found '{lit}' expected: '('")));
        }
        let (tok, lit) = self.lookahead(Context::Values);
        match tok {
            Token::Identifier | Token::Comma => {
                let set = self.parse_identifiers_list()?;
                let (close, _) = self.consume(Context::Values);
                if close != Token::ClosedPar {
                    return Err(SelectorError::new(format!("found '{lit}', expected: ')'")));
                }
                Ok(set)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(vec![String::new()])
            }
            _ => Err(SelectorError::new(format!(
                "found '{lit}', expected: ',', ')' or identifier"
            ))),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<Vec<String>, SelectorError> {
        let mut set: Vec<String> = Vec::new();
        let insert = |set: &mut Vec<String>, v: &str| {
            if let Err(i) = set.binary_search_by(|x| x.as_str().cmp(v)) {
                set.insert(i, v.to_string());
            }
        };
        loop {
            let (tok, lit) = self.consume(Context::Values);
            match tok {
                Token::Identifier => {
                    insert(&mut set, lit);
                    let (tok2, lit2) = self.lookahead(Context::Values);
                    match tok2 {
                        Token::Comma => {}
                        Token::ClosedPar => return Ok(set),
                        _ => {
                            return Err(SelectorError::new(format!(
                                "found '{lit2}', expected: ',' or ')'"
                            )));
                        }
                    }
                }
                Token::Comma => {
                    if set.is_empty() {
                        insert(&mut set, "");
                    }
                    let (tok2, _) = self.lookahead(Context::Values);
                    match tok2 {
                        Token::ClosedPar => {
                            insert(&mut set, "");
                            return Ok(set);
                        }
                        Token::Comma => insert(&mut set, ""),
                        _ => {}
                    }
                }
                _ => {
                    return Err(SelectorError::new(format!(
                        "found '{lit}', expected: ',', or identifier"
                    )));
                }
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<Vec<String>, SelectorError> {
        let (tok, _) = self.lookahead(Context::Values);
        if matches!(tok, Token::EndOfString | Token::Comma) {
            return Ok(vec![String::new()]);
        }
        let (tok, lit) = self.consume(Context::Values);
        if tok == Token::Identifier {
            Ok(vec![lit.to_string()])
        } else {
            Err(SelectorError::new(format!(
                "found '{lit}', expected: identifier"
            )))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Field selectors (`fields.ParseSelector`)
// ---------------------------------------------------------------------------------------------

/// The operator of a field requirement; `==` parses to [`FieldOperator::Equals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldOperator {
    Equals,
    NotEquals,
}

/// One clause of a field selector: `field=value` or `field!=value` (value unescaped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRequirement {
    pub field: String,
    pub operator: FieldOperator,
    pub value: String,
}

impl fmt::Display for FieldRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.operator {
            FieldOperator::Equals => "=",
            FieldOperator::NotEquals => "!=",
        };
        write!(f, "{}{op}{}", self.field, escape_field_value(&self.value))
    }
}

/// A field selector: requirements that must all hold, in the order of their sorted terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// The selector that matches every object.
    pub fn everything() -> Self {
        Self::default()
    }

    /// A selector with the one requirement `field=value`.
    pub fn one_term_equal(field: &str, value: &str) -> Self {
        Self {
            requirements: vec![FieldRequirement {
                field: field.to_string(),
                operator: FieldOperator::Equals,
                value: value.to_string(),
            }],
        }
    }

    /// Parses `metadata.name=foo,status.phase!=Running`. No whitespace is trimmed; `\`, `,`
    /// and `=` in values are escaped with a backslash.
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        let mut terms = split_terms(selector);
        terms.sort_unstable();
        let mut requirements = Vec::new();
        for term in terms {
            if term.is_empty() {
                continue;
            }
            let Some((field, operator, raw)) = split_term(term) else {
                return Err(SelectorError::new(format!(
                    "invalid selector: '{selector}'; can't understand '{term}'"
                )));
            };
            let value = unescape_field_value(raw)?;
            // A term with neither field nor value (`=`) selects everything and is dropped.
            if field.is_empty() && value.is_empty() {
                continue;
            }
            requirements.push(FieldRequirement {
                field: field.to_string(),
                operator,
                value,
            });
        }
        Ok(Self { requirements })
    }

    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    /// The same selector with each field label renamed (a served version's label to the
    /// stored object's).
    pub fn map_fields(mut self, rename: impl Fn(&str) -> &str) -> Self {
        for r in &mut self.requirements {
            let renamed = rename(&r.field);
            if renamed != r.field {
                r.field = renamed.to_string();
            }
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether the object's fields satisfy every requirement. `get` returns a field's value;
    /// a field it does not know reads as the empty string, as in apimachinery.
    pub fn matches(&self, mut get: impl FnMut(&str) -> Option<String>) -> bool {
        self.requirements.iter().all(|r| {
            let actual = get(&r.field).unwrap_or_default();
            match r.operator {
                FieldOperator::Equals => actual == r.value,
                FieldOperator::NotEquals => actual != r.value,
            }
        })
    }

    /// The value `field` must equal, if some requirement pins it (`RequiresExactMatch`).
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.field == field && r.operator == FieldOperator::Equals)
            .map(|r| r.value.as_str())
    }

    /// Rejects the first requirement (in the selector's order, as kube-apiserver does) whose
    /// field the resource does not support, with the error `unsupported` builds for it.
    // `ApiError` is the project's one error currency; boxing it here alone would buy nothing.
    #[allow(clippy::result_large_err)]
    pub fn check_supported(
        &self,
        is_supported: impl Fn(&str) -> bool,
        unsupported: impl Fn(&str) -> ApiError,
    ) -> Result<(), ApiError> {
        match self.requirements.iter().find(|r| !is_supported(&r.field)) {
            Some(r) => Err(unsupported(&r.field)),
            None => Ok(()),
        }
    }
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl FromStr for FieldSelector {
    type Err = SelectorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The 400 kube-apiserver sends for a field the resource's field-label conversion rejects
/// (Pods, Events, Secrets, Namespaces, …, and every custom resource):
/// `field label not supported: spec.foo`.
pub fn field_label_not_supported(label: &str) -> ApiError {
    ApiError::bad_request(format!("field label not supported: {label}"))
}

/// The 400 for a resource with no field-label conversion of its own, which supports only
/// `metadata.name` and `metadata.namespace` (Deployments, Ingresses, …).
pub fn unknown_field_selector(label: &str) -> ApiError {
    ApiError::bad_request(format!(
        "{label:?} is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    ))
}

/// Escapes `\`, `,` and `=` so that any string can be a field selector value.
pub fn escape_field_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Undoes [`escape_field_value`]; an unknown escape or a bare `,`/`=` is an error.
pub fn unescape_field_value(s: &str) -> Result<String, SelectorError> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(SelectorError::new(format!(
                    "invalid field selector: invalid escape sequence: \\{c}"
                )));
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, that is as its code point number.
            ',' | '=' => {
                return Err(SelectorError::new(format!(
                    "invalid field selector: unescaped character in value: {}",
                    u32::from(c)
                )));
            }
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err(SelectorError::new(
            "invalid field selector: invalid escape sequence: \\",
        ));
    }
    Ok(out)
}

/// Splits on commas that are not escaped; escapes stay in the terms.
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Splits a term at the first operator; `!=` and `==` win over `=` at the same position.
fn split_term(term: &str) -> Option<(&str, FieldOperator, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for (op, kind) in [
            ("!=", FieldOperator::NotEquals),
            ("==", FieldOperator::Equals),
            ("=", FieldOperator::Equals),
        ] {
            if let Some(value) = rest.strip_prefix(op) {
                return Some((&term[..i], kind, value));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn parse_err(s: &str) -> String {
        match LabelSelector::parse(s) {
            Ok(sel) => panic!("{s:?} parsed as {sel}"),
            Err(e) => e.to_string(),
        }
    }

    fn field_err(s: &str) -> String {
        match FieldSelector::parse(s) {
            Ok(sel) => panic!("{s:?} parsed as {sel}"),
            Err(e) => e.to_string(),
        }
    }

    const NAME_REGEX_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    const VALUE_REGEX_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    #[test]
    fn docs_equality_and_set_based_examples() {
        // "Labels and Selectors": equality-based and set-based requirements.
        let prod_fe = labels(&[("environment", "production"), ("tier", "frontend")]);
        let qa_be = labels(&[("environment", "qa"), ("tier", "backend")]);
        let dev = labels(&[("environment", "dev"), ("partition", "customerA")]);

        let s = LabelSelector::parse("environment = production").unwrap();
        assert!(s.matches(&prod_fe) && !s.matches(&qa_be));
        let s = LabelSelector::parse("tier != frontend").unwrap();
        assert!(!s.matches(&prod_fe) && s.matches(&qa_be) && s.matches(&dev));
        let s = LabelSelector::parse("environment=production,tier!=frontend").unwrap();
        assert!(!s.matches(&prod_fe) && !s.matches(&qa_be));
        let s = LabelSelector::parse("environment in (production, qa)").unwrap();
        assert!(s.matches(&prod_fe) && s.matches(&qa_be) && !s.matches(&dev));
        let s = LabelSelector::parse("tier notin (frontend, backend)").unwrap();
        assert!(!s.matches(&prod_fe) && !s.matches(&qa_be) && s.matches(&dev));
        let s = LabelSelector::parse("partition").unwrap();
        assert!(s.matches(&dev) && !s.matches(&prod_fe));
        let s = LabelSelector::parse("!partition").unwrap();
        assert!(!s.matches(&dev) && s.matches(&prod_fe));
        let s =
            LabelSelector::parse("partition in (customerA, customerB),environment!=qa").unwrap();
        assert!(s.matches(&dev) && !s.matches(&qa_be));
    }

    #[test]
    fn canonical_strings_sort_keys_and_values() {
        let cases = [
            ("x=a,y=b,z=c", "x=a,y=b,z=c"),
            ("z=c,x=a", "x=a,z=c"),
            ("x==a", "x==a"),
            ("x!=a", "x!=a"),
            ("  x  in  ( c , b,a ) ", "x in (a,b,c)"),
            ("x notin (a)", "x notin (a)"),
            (
                "x in (foo,,baz),y,z notin ()",
                "x in (,baz,foo),y,z notin ()",
            ),
            ("!x", "!x"),
            ("x>1", "x>1"),
            ("x<1", "x<1"),
            ("x=", "x="),
            ("x=,z= ", "x=,z="),
            ("x in (in)", "x in (in)"),
            ("in in (notin)", "in in (notin)"),
            ("x=in", "x=in"),
            ("example.com/app=web", "example.com/app=web"),
            ("", ""),
            ("   ", ""),
        ];
        for (input, want) in cases {
            let s = LabelSelector::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(s.to_string(), want, "{input:?}");
        }
        assert!(LabelSelector::parse("").unwrap().is_empty());
        assert!(!LabelSelector::parse("a").unwrap().is_empty());
    }

    #[test]
    fn empty_values_match_empty_labels() {
        let s = LabelSelector::parse("x in (,a)").unwrap();
        assert!(s.matches(&labels(&[("x", "")])));
        assert!(!s.matches(&labels(&[])));
        let s = LabelSelector::parse("x=").unwrap();
        assert!(s.matches(&labels(&[("x", "")])));
        assert!(!s.matches(&labels(&[("x", "a")])));
    }

    #[test]
    fn greater_and_less_than() {
        let s = LabelSelector::parse("replicas>3").unwrap();
        assert!(s.matches(&labels(&[("replicas", "4")])));
        assert!(!s.matches(&labels(&[("replicas", "3")])));
        assert!(!s.matches(&labels(&[("replicas", "x")])));
        assert!(!s.matches(&labels(&[])));
        let s = LabelSelector::parse("replicas<3").unwrap();
        assert!(s.matches(&labels(&[("replicas", "-1")])));
        assert_eq!(
            parse_err("x>a"),
            "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
        assert_eq!(
            parse_err("x>"),
            "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
    }

    #[test]
    fn parse_errors_match_apimachinery() {
        let cases = [
            (
                "component not in (kube-apiserver)",
                "unable to parse requirement: found 'not', expected: in, notin, =, ==, !=, gt, lt",
            ),
            ("x=a,", "found '', expected: identifier after ','"),
            ("x=a,,y=b", "found ',', expected: identifier after ','"),
            (
                ",x",
                "found ',', expected: !, identifier, or 'end of string'",
            ),
            ("x=a b", "found 'b', expected: ',' or 'end of string'"),
            ("!x=a", "found '=', expected: ',' or 'end of string'"),
            (
                "x in a",
                "unable to parse requirement: found 'a' expected: '('",
            ),
            (
                "x in (a b)",
                "unable to parse requirement: found 'b', expected: ',' or ')'",
            ),
            (
                "x in (a,(",
                "unable to parse requirement: found '(', expected: ',', or identifier",
            ),
            (
                "x in (=)",
                "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            ),
            (
                "x=(a)",
                "unable to parse requirement: found '(', expected: identifier",
            ),
            (
                "!",
                "unable to parse requirement: found '', expected: identifier",
            ),
            (
                "!!x",
                "unable to parse requirement: found '!', expected: identifier",
            ),
            (
                "x===a",
                "unable to parse requirement: found '=', expected: identifier",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_err(input), want, "{input:?}");
        }
    }

    #[test]
    fn key_and_value_validation_errors() {
        assert_eq!(
            parse_err("-x=a"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"-x\": name part {NAME_REGEX_MSG}"
            )
        );
        assert_eq!(
            parse_err("a/b/c"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key {NAME_REGEX_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            )
        );
        assert_eq!(
            parse_err("/x"),
            "unable to parse requirement: <nil>: Invalid value: \"/x\": prefix part must be non-empty"
        );
        assert_eq!(
            parse_err("Example.com/x"),
            "unable to parse requirement: <nil>: Invalid value: \"Example.com/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        );
        assert_eq!(
            parse_err("a/"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be non-empty; name part {NAME_REGEX_MSG}"
            )
        );
        let long = "a".repeat(64);
        assert_eq!(
            parse_err(&long),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"{long}\": name part must be no more than 63 bytes"
            )
        );
        assert_eq!(
            parse_err("app=a_"),
            format!(
                "unable to parse requirement: values[0][app]: Invalid value: \"a_\": {VALUE_REGEX_MSG}"
            )
        );
        assert_eq!(
            parse_err(&format!("app={long}")),
            format!(
                "unable to parse requirement: values[0][app]: Invalid value: \"{long}\": must be no more than 63 bytes"
            )
        );
        assert_eq!(
            parse_err("app in (ok,-bad)"),
            format!(
                "unable to parse requirement: values[0][app]: Invalid value: \"-bad\": {VALUE_REGEX_MSG}"
            )
        );
    }

    #[test]
    fn bad_selector_is_a_400() {
        let Err(e) = LabelSelector::parse("x in a") else {
            panic!("parsed");
        };
        let api: ApiError = e.into();
        assert_eq!(api.code, 400);
        assert_eq!(api.reason, "BadRequest");
        assert_eq!(
            api.message,
            "unable to parse requirement: found 'a' expected: '('"
        );
    }

    #[test]
    fn new_requirement_errors_aggregate() {
        let e = Requirement::new("-k", Operator::Equals, vec!["a".into(), "b".into()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "[key: Invalid value: \"-k\": name part {NAME_REGEX_MSG}, values: Invalid value: [\"a\",\"b\"]: exact-match compatibility requires one single value]"
            )
        );
        let e = Requirement::new("k", Operator::In, vec![]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"
        );
        let e = Requirement::new("k", Operator::Exists, vec!["a".into()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "values: Invalid value: [\"a\"]: values set must be empty for exists and does not exist"
        );
    }

    #[test]
    fn structured_selector() {
        let s = LabelSelector::from_label_selector_json(&json!({
            "matchLabels": {"component": "redis"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["cache"]},
                {"key": "environment", "operator": "NotIn", "values": ["dev"]}
            ]
        }))
        .unwrap();
        assert_eq!(
            s.to_string(),
            "component=redis,environment notin (dev),tier in (cache)"
        );
        assert!(s.matches(&labels(&[("component", "redis"), ("tier", "cache")])));
        assert!(!s.matches(&labels(&[
            ("component", "redis"),
            ("tier", "cache"),
            ("environment", "dev")
        ])));

        let nothing = LabelSelector::from_label_selector_json(&Value::Null).unwrap();
        assert!(nothing.matches_nothing() && !nothing.is_empty());
        assert!(!nothing.matches(&labels(&[])));
        let everything = LabelSelector::from_label_selector_json(&json!({})).unwrap();
        assert!(everything.is_empty() && everything.matches(&labels(&[])));

        let s = LabelSelector::from_label_selector_json(&json!({
            "matchExpressions": [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "DoesNotExist"}]
        }))
        .unwrap();
        assert_eq!(s.to_string(), "a,!b");

        let e = LabelSelector::from_label_selector_json(&json!({
            "matchExpressions": [{"key": "a", "operator": "Foo"}]
        }))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"Foo\" is not a valid label selector operator"
        );
        let e = LabelSelector::from_label_selector_json(&json!({
            "matchExpressions": [{"key": "a", "operator": "In"}]
        }))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"
        );
        let e =
            LabelSelector::from_label_selector_json(&json!({"matchLabels": {"a": 1}})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "json: cannot unmarshal number into Go struct field LabelSelector.matchLabels of type string"
        );
    }

    #[test]
    fn validate_structured_selector() {
        let p = FieldPath::new("spec").child("selector");
        let errs = validate_label_selector(
            &json!({
                "matchLabels": {"app": "-x"},
                "matchExpressions": [
                    {"key": "a", "operator": "In"},
                    {"key": "b", "operator": "Exists", "values": ["x"]},
                    {"key": "c", "operator": "Bogus"}
                ]
            }),
            LabelSelectorValidationOptions::default(),
            &p,
        );
        let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            vec![
                format!("spec.selector.matchLabels: Invalid value: \"-x\": {VALUE_REGEX_MSG}"),
                "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'".to_string(),
                "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'".to_string(),
                "spec.selector.matchExpressions[2].operator: Invalid value: \"Bogus\": not a valid selector operator".to_string(),
            ]
        );
    }

    #[test]
    fn matches_object_metadata_labels() {
        let s = LabelSelector::parse("app=web").unwrap();
        assert!(s.matches_object(&json!({"metadata": {"labels": {"app": "web"}}})));
        assert!(!s.matches_object(&json!({"metadata": {}})));
        assert!(
            LabelSelector::parse("!app")
                .unwrap()
                .matches_object(&json!({}))
        );
        assert_eq!(s.requires_exact_match("app"), Some("web"));
        assert_eq!(s.requires_exact_match("other"), None);
    }

    #[test]
    fn docs_field_selector_examples() {
        // "Field Selectors": status.phase=Running, metadata.namespace!=default, chained.
        let pod = |field: &str| -> Option<String> {
            match field {
                "status.phase" => Some("Running".into()),
                "metadata.namespace" => Some("kube-system".into()),
                "spec.restartPolicy" => Some("Always".into()),
                _ => None,
            }
        };
        assert!(
            FieldSelector::parse("status.phase=Running")
                .unwrap()
                .matches(pod)
        );
        assert!(
            FieldSelector::parse("metadata.namespace!=default")
                .unwrap()
                .matches(pod)
        );
        assert!(
            !FieldSelector::parse("status.phase!=Running,spec.restartPolicy=Always")
                .unwrap()
                .matches(pod)
        );
        assert!(
            FieldSelector::parse("status.phase==Running")
                .unwrap()
                .matches(pod)
        );
        // A field the object does not have reads as "".
        assert!(FieldSelector::parse("spec.nodeName=").unwrap().matches(pod));
        assert!(FieldSelector::parse("").unwrap().is_empty());
    }

    #[test]
    fn field_selector_strings_and_escapes() {
        let s = FieldSelector::parse("b=2,a==1,c!=3").unwrap();
        assert_eq!(s.to_string(), "a=1,b=2,c!=3");
        let s = FieldSelector::parse(r"metadata.name=a\,b\=c\\d").unwrap();
        assert_eq!(s.requirements()[0].value, r"a,b=c\d");
        assert_eq!(s.to_string(), r"metadata.name=a\,b\=c\\d");
        assert_eq!(s.requires_exact_match("metadata.name"), Some(r"a,b=c\d"));
        assert!(FieldSelector::parse("=").unwrap().is_empty());
        // The first operator wins; no whitespace trimming.
        let s = FieldSelector::parse("a!b=c").unwrap();
        assert_eq!(s.requirements()[0].field, "a!b");
        let s = FieldSelector::parse("a = b").unwrap();
        assert_eq!(s.requirements()[0].field, "a ");
        assert_eq!(s.requirements()[0].value, " b");
    }

    #[test]
    fn field_selector_errors() {
        assert_eq!(
            field_err("abc"),
            "invalid selector: 'abc'; can't understand 'abc'"
        );
        assert_eq!(
            field_err("x=1,abc"),
            "invalid selector: 'x=1,abc'; can't understand 'abc'"
        );
        assert_eq!(
            field_err("a=b=c"),
            "invalid field selector: unescaped character in value: 61"
        );
        assert_eq!(
            field_err(r"a=b\x"),
            r"invalid field selector: invalid escape sequence: \x"
        );
        assert_eq!(
            field_err(r"a=b\"),
            r"invalid field selector: invalid escape sequence: \"
        );
    }

    #[test]
    fn unsupported_field_labels() {
        let s = FieldSelector::parse("spec.foo=1,metadata.name=x").unwrap();
        let e = s
            .check_supported(|f| f.starts_with("metadata."), field_label_not_supported)
            .unwrap_err();
        assert_eq!((e.code, e.reason), (400, "BadRequest"));
        assert_eq!(e.message, "field label not supported: spec.foo");
        let s = FieldSelector::parse("foo.bar=baz").unwrap();
        let e = s
            .check_supported(|f| f == "metadata.name", unknown_field_selector)
            .unwrap_err();
        assert_eq!(
            e.message,
            "\"foo.bar\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
    }
}
