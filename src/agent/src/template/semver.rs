//! Masterminds semver v3 as sprig's `semver` and `semverCompare` use it: `NewVersion` (loose:
//! a `v` prefix and missing minor/patch allowed), `Version.String`/`Compare`, and
//! `NewConstraint(...).Check` with its operators (`= != > < >= <= ~ ~> ^`), wildcards
//! (`1.2.x`, `*`), hyphen ranges (`1.2 - 1.4`), `,`/space for "and" and `||` for "or".

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;

const SEMVER_RE: &str = r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const CV_RE: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

fn re(s: String) -> Regex {
    Regex::new(&s).expect("semver regex")
}

static VERSION: LazyLock<Regex> = LazyLock::new(|| re(format!("^{SEMVER_RE}$")));
static CONSTRAINT: LazyLock<Regex> = LazyLock::new(|| re(format!(r"^\s*({OPS})\s*({CV_RE})\s*$")));
static RANGE: LazyLock<Regex> = LazyLock::new(|| re(format!(r"\s*({CV_RE})\s+-\s+({CV_RE})\s*")));
static FIND: LazyLock<Regex> = LazyLock::new(|| re(format!(r"({OPS})\s*({CV_RE})")));
static VALID: LazyLock<Regex> = LazyLock::new(|| {
    re(format!(
        r"^(\s*({OPS})\s*({CV_RE})\s*)((?:\s+|,\s*)({OPS})\s*({CV_RE})\s*)*$"
    ))
});

/// A `*semver.Version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
    pub original: String,
}

fn only(s: &str, digits_only: bool) -> bool {
    s.chars()
        .all(|c| c.is_ascii_digit() || (!digits_only && (c.is_ascii_alphabetic() || c == '-')))
}

fn parse_segment(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "Error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            super::value::go_quote(s)
        )
    })
}

impl Version {
    /// `semver.NewVersion`.
    pub fn parse(v: &str) -> Result<Version, String> {
        let m = VERSION
            .captures(v)
            .ok_or_else(|| "Invalid Semantic Version".to_string())?;
        let g = |i: usize| m.get(i).map(|x| x.as_str()).unwrap_or("");
        let sv = Version {
            major: parse_segment(g(1))?,
            minor: if g(2).is_empty() {
                0
            } else {
                parse_segment(&g(2)[1..])?
            },
            patch: if g(3).is_empty() {
                0
            } else {
                parse_segment(&g(3)[1..])?
            },
            pre: g(5).to_string(),
            metadata: g(8).to_string(),
            original: v.to_string(),
        };
        for p in sv.pre.split('.').filter(|_| !sv.pre.is_empty()) {
            if only(p, true) {
                if p.len() > 1 && p.starts_with('0') {
                    return Err("Version segment starts with 0".into());
                }
            } else if !only(p, false) {
                return Err("Invalid Prerelease string".into());
            }
        }
        if !sv.metadata.is_empty() && !sv.metadata.split('.').all(|p| only(p, false)) {
            return Err("Invalid Metadata string".into());
        }
        Ok(sv)
    }

    /// `Version.String`: `MAJOR.MINOR.PATCH[-PRE][+META]`.
    pub fn string(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            s.push('+');
            s.push_str(&self.metadata);
        }
        s
    }

    /// `Version.Compare`: metadata is ignored, a prerelease sorts before its release.
    pub fn compare(&self, o: &Version) -> Ordering {
        let c = (self.major, self.minor, self.patch).cmp(&(o.major, o.minor, o.patch));
        if c != Ordering::Equal {
            return c;
        }
        match (self.pre.is_empty(), o.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => compare_prerelease(&self.pre, &o.pre),
        }
    }
}

fn compare_prerelease(v: &str, o: &str) -> Ordering {
    let s: Vec<&str> = v.split('.').collect();
    let p: Vec<&str> = o.split('.').collect();
    for i in 0..s.len().max(p.len()) {
        let d = compare_pre_part(
            s.get(i).copied().unwrap_or(""),
            p.get(i).copied().unwrap_or(""),
        );
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        // o is not a number: numbers sort first.
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(a), Ok(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

#[derive(Debug)]
struct Constraint {
    con: Version,
    op: String,
    minor_dirty: bool,
    dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

fn parse_constraint(c: &str) -> Result<Constraint, String> {
    if c.is_empty() {
        return Ok(Constraint {
            con: Version::parse("0.0.0").map_err(|_| "constraint Parser Error")?,
            op: String::new(),
            minor_dirty: false,
            dirty: true,
            patch_dirty: false,
        });
    }
    let m = CONSTRAINT
        .captures(c)
        .ok_or_else(|| format!("improper constraint: {c}"))?;
    let g = |i: usize| m.get(i).map(|x| x.as_str()).unwrap_or("");
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let ver = if is_x(g(3)) || g(3).is_empty() {
        dirty = true;
        format!("0.0.0{}", g(6))
    } else if is_x(g(4).trim_start_matches('.')) || g(4).is_empty() {
        minor_dirty = true;
        dirty = true;
        format!("{}.0.0{}", g(3), g(6))
    } else if is_x(g(5).trim_start_matches('.')) || g(5).is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{}{}.0{}", g(3), g(4), g(6))
    } else {
        g(2).to_string()
    };
    let con = Version::parse(&ver).map_err(|_| "constraint Parser Error".to_string())?;
    Ok(Constraint {
        con,
        op: g(1).to_string(),
        minor_dirty,
        dirty,
        patch_dirty,
    })
}

fn tilde(v: &Version, c: &Constraint) -> bool {
    if v.compare(&c.con) == Ordering::Less {
        return false;
    }
    if c.con.major == 0 && c.con.minor == 0 && c.con.patch == 0 && !c.minor_dirty && !c.patch_dirty
    {
        return true;
    }
    if v.major != c.con.major {
        return false;
    }
    v.minor == c.con.minor || c.minor_dirty
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = self;
        let pre_block = !v.pre.is_empty() && c.con.pre.is_empty();
        let cmp = v.compare(&c.con);
        match c.op.as_str() {
            "" | "=" => {
                if pre_block {
                    return false;
                }
                if c.dirty {
                    return tilde(v, c);
                }
                cmp == Ordering::Equal
            }
            "!=" => {
                if c.dirty {
                    if pre_block {
                        return false;
                    }
                    if c.con.major != v.major {
                        return true;
                    }
                    if c.con.minor != v.minor && !c.minor_dirty {
                        return true;
                    } else if c.minor_dirty {
                        return false;
                    } else if c.con.patch != v.patch && !c.patch_dirty {
                        return true;
                    } else if c.patch_dirty {
                        if !v.pre.is_empty() || !c.con.pre.is_empty() {
                            return compare_prerelease(&v.pre, &c.con.pre) != Ordering::Equal;
                        }
                        return false;
                    }
                }
                cmp != Ordering::Equal
            }
            ">" => {
                if pre_block {
                    return false;
                }
                if !c.dirty {
                    return cmp == Ordering::Greater;
                }
                if v.major > c.con.major {
                    true
                } else if v.major < c.con.major || c.minor_dirty {
                    false
                } else if c.patch_dirty {
                    v.minor > c.con.minor
                } else {
                    cmp == Ordering::Greater
                }
            }
            "<" => !pre_block && cmp == Ordering::Less,
            ">=" | "=>" => !pre_block && cmp != Ordering::Less,
            "<=" | "=<" => {
                if pre_block {
                    return false;
                }
                if !c.dirty {
                    return cmp != Ordering::Greater;
                }
                !(v.major > c.con.major
                    || (v.major == c.con.major && v.minor > c.con.minor && !c.minor_dirty))
            }
            "~" | "~>" => !pre_block && tilde(v, c),
            "^" => {
                if pre_block || cmp == Ordering::Less {
                    return false;
                }
                if c.con.major > 0 || c.minor_dirty {
                    return v.major == c.con.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.con.minor > 0 || c.patch_dirty {
                    return v.minor == c.con.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                c.con.patch == v.patch
            }
            _ => false,
        }
    }
}

/// `semver.NewConstraint(constraint)` then `Check(version)`, as sprig's `semverCompare`.
pub fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    // rewriteRange: "A - B" becomes ">= A, <= B ".
    let mut c = constraint.to_string();
    let ranges: Vec<(String, String, String)> = RANGE
        .captures_iter(constraint)
        .map(|m| {
            (
                m[0].to_string(),
                m.get(1).map(|x| x.as_str()).unwrap_or("").to_string(),
                m.get(11).map(|x| x.as_str()).unwrap_or("").to_string(),
            )
        })
        .collect();
    for (all, a, b) in ranges {
        c = c.replacen(&all, &format!(">= {a}, <= {b} "), 1);
    }
    let mut ors = Vec::new();
    for part in c.split("||") {
        if !VALID.is_match(part) {
            return Err(format!("improper constraint: {part}"));
        }
        let found: Vec<&str> = FIND.find_iter(part).map(|m| m.as_str()).collect();
        let found = if found.is_empty() { vec![part] } else { found };
        let mut and = Vec::new();
        for s in found {
            and.push(parse_constraint(s)?);
        }
        ors.push(and);
    }
    let v = Version::parse(version)?;
    Ok(ors.iter().any(|and| and.iter().all(|c| c.check(&v))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_constraints() {
        let v = Version::parse("v1.2").unwrap();
        assert_eq!(
            (v.major, v.minor, v.patch, v.string()),
            (1, 2, 0, "1.2.0".into())
        );
        assert_eq!(
            Version::parse("1.2.3-01").unwrap_err(),
            "Version segment starts with 0"
        );
        assert_eq!(Version::parse("a").unwrap_err(), "Invalid Semantic Version");
        let cases = [
            ("^1.2.3", "1.9.0", true),
            ("^1.2.3", "2.0.0", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("~1.2.3", "1.2.9", true),
            ("~1.2.3", "1.3.0", false),
            (">= 1.2, < 3.0.0 || >= 4.2.3", "4.5.0", true),
            (">= 1.2, < 3.0.0 || >= 4.2.3", "3.1.0", false),
            ("1.2 - 1.4.5", "1.4.5", true),
            ("1.2 - 1.4.5", "1.4.6", false),
            ("1.2.x", "1.2.7", true),
            ("*", "0.0.1", true),
            (">1.0", "1.1.0-beta", false),
            (">1.0-0", "1.1.0-beta", true),
            ("!=1.2.3", "1.2.3", false),
            ("<=1.2", "1.2.9", true),
            (">1.2", "1.2.9", false),
        ];
        for (c, v, want) in cases {
            assert_eq!(semver_compare(c, v), Ok(want), "{c} {v}");
        }
        assert_eq!(
            semver_compare("bad", "1.0.0").unwrap_err(),
            "improper constraint: bad"
        );
    }
}
