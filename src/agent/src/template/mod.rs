//! Go `text/template` with sprig, over JSON data: the engine the Go agent uses for
//! `spec.naming` and the related-resource templates (`reference/api-syncagent.md` §3).
//!
//! Templates are parsed and executed with Go's semantics, so that a PublishedResource written
//! for the Go agent renders the same here:
//!
//! - syntax: text and `{{ }}` actions with the trim markers `{{- ` / ` -}}`, comments
//!   `{{/* */}}`, pipelines with `|`, field chains `.A.b.c`, variables (`$x :=`, `$x =`, `$`),
//!   `if`/`else if`/`else`/`with`/`else with`/`range` (lists, maps and integers, with
//!   `$i, $v :=`, `else`, `break`, `continue`), `end`, `define`/`template`/`block`,
//!   parenthesised pipelines, string
//!   (interpreted and raw), character, number, bool and `nil` literals;
//! - values: JSON objects are Go maps (`map[k:v]`, keys in order), arrays Go slices
//!   (`[a b]`), integers `int64` and other numbers `float64` (printed as Go prints them, e.g.
//!   `1e+06`), as the Kubernetes decoder fills an unstructured object; a missing key is Go's
//!   "no value": printed as `<no value>`, and an error (`invalid value; expected string`) when
//!   given to a function with a string parameter;
//! - function calls are checked against the Go parameter types of the function (literals are
//!   untyped constants, data values keep their Go types), with Go's messages;
//! - Go's builtins (`and or not len index print printf println eq ne lt le gt ge html js
//!   urlquery`; `call` fails, as no data holds functions), sprig v3.3.0's `TxtFuncMap` and the
//!   agent's `sha3sum`, `sha3short` and `shortHash`;
//! - sprig's dates work on a Go `time.Time` value (from `now`, `toDate`, `dateModify`; Unix
//!   seconds are accepted where sprig accepts an `int`/`int64`), formatted and parsed with Go's
//!   layouts and printed as Go prints it (`2006-01-02 15:04:05.999999999 -0700 MST`, with the
//!   ` m=+…` monotonic reading for `now`); zones are the system's tz database, `Local` is the
//!   system zone (`TZ`, `/etc/localtime`, else UTC); niladic methods such as `.Unix`, `.Year`
//!   and `.Format` can be called on it, and `.Major` & co. on `semver`'s `*semver.Version`;
//! - the non-deterministic and environment functions are real: `now`, `rand*`, `shuffle`,
//!   `uuidv4`, `env`/`expandenv` (the agent's environment), `getHostByName` (the system
//!   resolver), `randBytes`, `encryptAES`/`decryptAES`, `bcrypt`, `htpasswd`,
//!   `derivePassword`, and the key and certificate functions (`genPrivateKey`, `genCA*`,
//!   `genSelfSignedCert*`, `genSignedCert*`, `buildCustomCert`), which return Go's PEM
//!   encodings and sprig's `certificate` struct (`.Cert`, `.Key`).
//!
//! Errors carry Go's text (`template: inline:1:3: executing "inline" at <...>: ...`) behind
//! the agent's `failed to parse: ` / `failed to evaluate: ` prefixes.
//!
//! Not supported: complex numbers, methods other than those above, custom delimiters; the
//! certificate functions take RSA (2048 bits or more), ECDSA P-256/P-384 and Ed25519 keys
//! only, where Go also takes P-224/P-521 and smaller RSA keys; sprig's `set`/`unset`/`merge*`
//! return a changed copy instead of changing the dict in place.

mod certs;
mod crypto;
mod exec;
mod funcs;
mod gotime;
mod lex;
mod methods;
mod parse;
mod semver;
mod sprig;
mod sprig_more;
mod value;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_certs;
#[cfg(test)]
mod tests_sprig;

pub use sprig::{
    compile_go, go_replace_all, regex_replace_all, sha1_hex, sha3short, sha3sum, short_hash,
};
/// Go's `strconv.Quote` (`%q`), for messages worded as the Go agent words them.
pub(crate) use value::go_quote;
pub use value::{Record, Value, to_serde_json};

/// The name the agent gives every template (it shows in error messages).
pub const TEMPLATE_NAME: &str = "inline";

/// A template error, worded as the Go agent words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The template does not parse (`template: NAME:LINE: ...`).
    #[error("failed to parse: {0}")]
    Parse(String),
    /// Executing the template failed (`template: NAME:LINE:COL: executing ...`).
    #[error("failed to evaluate: {0}")]
    Exec(String),
}

impl Error {
    /// Go's error text, without the agent's prefix.
    pub fn text(&self) -> &str {
        match self {
            Error::Parse(t) | Error::Exec(t) => t,
        }
    }
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    name: String,
    text: String,
    tree: parse::Tree,
}

impl Template {
    /// Parses `text` as the template called `name`.
    pub fn parse(name: &str, text: &str) -> Result<Template, Error> {
        let tree = parse::parse(name, text, &funcs::exists).map_err(|e| Error::Parse(e.0))?;
        Ok(Template {
            name: name.to_string(),
            text: text.to_string(),
            tree,
        })
    }

    /// Executes the template over `data`; the output is not trimmed.
    pub fn execute(&self, data: &Value) -> Result<String, Error> {
        exec::execute(&self.name, &self.text, &self.tree, data, false).map_err(Error::Exec)
    }

    /// [`Self::execute`], a missing or nil value printing as nothing, as the Go agent's
    /// mutation templates (`html/template`) print it.
    pub fn execute_missing_empty(&self, data: &Value) -> Result<String, Error> {
        exec::execute(&self.name, &self.text, &self.tree, data, true).map_err(Error::Exec)
    }
}

/// Whether a function of this name is available to templates.
pub fn has_function(name: &str) -> bool {
    funcs::exists(name)
}

/// Renders a template over JSON data the way the Go agent's `templating.Render` does: parsed
/// as `inline`, executed, the output trimmed of surrounding whitespace.
pub fn render(template: &str, data: &serde_json::Value) -> Result<String, Error> {
    render_value(template, &Value::from(data))
}

/// [`render`] over a [`Value`] (e.g. a [`Value::record`] standing for a Go struct context).
pub fn render_value(template: &str, data: &Value) -> Result<String, Error> {
    let t = Template::parse(TEMPLATE_NAME, template)?;
    Ok(t.execute(data)?.trim().to_string())
}
