//! Label selectors as kubectl writes them (`env=prod,tier!=cache,region in (eu,us),!legacy`),
//! turned into a `LabelSelector` the way apimachinery's `ParseToLabelSelector` does: `=`/`==`
//! become `matchLabels`, everything else a `matchExpressions` entry (`!=` is `NotIn` with one
//! value). Used by `--location-selector`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

/// Parses `s`; the error says what is wrong.
pub fn parse_label_selector(s: &str) -> Result<LabelSelector, String> {
    let mut p = Parser {
        chars: s.chars().collect(),
        pos: 0,
    };
    let mut labels = BTreeMap::new();
    let mut expressions = Vec::new();
    p.skip_ws();
    if p.at_end() {
        return Ok(LabelSelector::default());
    }
    loop {
        match p.requirement()? {
            Requirement::Equals(k, v) => {
                labels.insert(k, v);
            }
            Requirement::Expression(e) => expressions.push(e),
        }
        p.skip_ws();
        if p.at_end() {
            break;
        }
        p.expect(',')?;
    }
    Ok(LabelSelector {
        match_labels: (!labels.is_empty()).then_some(labels),
        match_expressions: (!expressions.is_empty()).then_some(expressions),
    })
}

enum Requirement {
    Equals(String, String),
    Expression(LabelSelectorRequirement),
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!(
                "expected '{c}' at position {}, found {}",
                self.pos,
                self.peek()
                    .map_or_else(|| "end of input".to_owned(), |c| format!("'{c}'"))
            ))
        }
    }

    /// A run of characters that can appear in keys and values.
    fn word(&mut self) -> String {
        self.skip_ws();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        self.skip_ws();
        let negated = self.peek() == Some('!');
        if negated {
            self.pos += 1;
        }
        let key = self.word();
        validate_key(&key)?;
        self.skip_ws();
        let expression = |operator: &str, values: Vec<String>| {
            Requirement::Expression(LabelSelectorRequirement {
                key: key.clone(),
                operator: operator.to_owned(),
                values: (!values.is_empty()).then_some(values),
            })
        };
        if negated {
            return Ok(expression("DoesNotExist", Vec::new()));
        }
        match self.peek() {
            None | Some(',') => Ok(expression("Exists", Vec::new())),
            Some('=') => {
                self.pos += 1;
                if self.peek() == Some('=') {
                    self.pos += 1;
                }
                let value = self.value()?;
                Ok(Requirement::Equals(key.clone(), value))
            }
            Some('!') => {
                self.pos += 1;
                self.expect('=')?;
                let value = self.value()?;
                Ok(expression("NotIn", vec![value]))
            }
            Some('>' | '<') => Err(format!(
                "operator {:?} isn't supported in label selectors",
                self.peek().unwrap_or_default()
            )),
            _ => {
                let op = self.word();
                let operator = match op.as_str() {
                    "in" => "In",
                    "notin" => "NotIn",
                    _ => return Err(format!("unknown operator {op:?} after key {key:?}")),
                };
                let values = self.values()?;
                if values.is_empty() {
                    return Err(format!(
                        "for 'in', 'notin' operators, values set can't be empty (key {key:?})"
                    ));
                }
                Ok(expression(operator, values))
            }
        }
    }

    fn value(&mut self) -> Result<String, String> {
        let v = self.word();
        validate_value(&v)?;
        Ok(v)
    }

    fn values(&mut self) -> Result<Vec<String>, String> {
        self.expect('(')?;
        let mut values = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(')') {
                self.pos += 1;
                return Ok(values);
            }
            if !values.is_empty() {
                self.expect(',')?;
            }
            values.push(self.value()?);
        }
    }
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, at most 63 characters.
fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn is_dns_label(s: &str) -> bool {
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let b = s.as_bytes();
    b.first().is_some_and(alnum)
        && b.last().is_some_and(alnum)
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

/// A qualified name: `name` or `dns.prefix/name`.
fn validate_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let prefix_ok =
        prefix.is_none_or(|p| !p.is_empty() && p.len() <= 253 && p.split('.').all(is_dns_label));
    if prefix_ok && is_name(name) {
        Ok(())
    } else {
        Err(format!("invalid label key {key:?}"))
    }
}

fn validate_value(v: &str) -> Result<(), String> {
    if v.is_empty() || is_name(v) {
        Ok(())
    } else {
        Err(format!("invalid label value {v:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()),
        }
    }

    #[test]
    fn parses_every_form() {
        let sel = parse_label_selector(
            "region=eu, tier==web,env!=dev,zone in (a, b),size notin (xl),gpu,!legacy,example.com/team=x",
        )
        .unwrap();
        assert_eq!(
            sel.match_labels.unwrap(),
            [
                ("example.com/team".to_owned(), "x".to_owned()),
                ("region".to_owned(), "eu".to_owned()),
                ("tier".to_owned(), "web".to_owned()),
            ]
            .into_iter()
            .collect::<BTreeMap<_, _>>()
        );
        assert_eq!(
            sel.match_expressions.unwrap(),
            [
                req("env", "NotIn", &["dev"]),
                req("zone", "In", &["a", "b"]),
                req("size", "NotIn", &["xl"]),
                req("gpu", "Exists", &[]),
                req("legacy", "DoesNotExist", &[]),
            ]
        );
        assert_eq!(parse_label_selector("").unwrap(), LabelSelector::default());
        assert_eq!(
            parse_label_selector("a=").unwrap().match_labels.unwrap()["a"],
            ""
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "a=b=c",
            "a in ()",
            "a in (b",
            "a foo (b)",
            "a>1",
            "=b",
            "a=b,",
            "-a=b",
            "a=-b",
            "Ex.com/a=b",
        ] {
            assert!(parse_label_selector(bad).is_err(), "{bad}");
        }
    }
}
