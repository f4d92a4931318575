//! Label and field selectors (placeholder: equality only; the full grammar is being written).

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct LabelSelector(Vec<(String, bool, String)>);

impl LabelSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some((k, v)) = part.split_once("!=") {
                reqs.push((k.trim().to_string(), false, v.trim().to_string()));
            } else if let Some((k, v)) = part.split_once('=') {
                reqs.push((k.trim().to_string(), true, v.trim_start_matches('=').trim().to_string()));
            } else {
                return Err(format!("unable to parse requirement: {part}"));
            }
        }
        Ok(Self(reqs))
    }
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|(k, eq, v)| (labels.get(k) == Some(v)) == *eq)
    }
}

#[derive(Clone, Debug, Default)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        LabelSelector::parse(s).map(|l| Self(l.0))
    }
    pub fn requirements(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _, _)| k.as_str())
    }
    pub fn matches(&self, field: impl Fn(&str) -> Option<String>) -> bool {
        self.0.iter().all(|(k, eq, v)| (field(k).as_deref() == Some(v.as_str())) == *eq)
    }
}
