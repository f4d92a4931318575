//! Differential testing: the same request sequences sent to Kubernetes' own kube-apiserver and
//! to our server, the answers compared after normalising what must differ between two servers
//! (uids, timestamps, resourceVersions, generated names, `continue` tokens, certificates, server
//! addresses).
//!
//! A [`Case`] is data: optional setup requests, then the request whose answer is compared. Both
//! targets run the same case side by side; [`run`] prints one line per case and, for each
//! mismatch, a path-by-path diff of the normalised answers.
//!
//! ```no_run
//! use e2e::differential::{Case, Req, Target, run};
//! let Some(kube) = e2e::KubeApiserver::shared() else { return };
//! let kcp = e2e::Kcp::start_with(&["--profile", "kube"]);
//! let cases = vec![Case::new("reads", "missing configmap")
//!     .request(Req::get("/api/v1/namespaces/default/configmaps/nope"))];
//! let report = run(&Target::kube(kube), &Target::kcp(&kcp), &cases);
//! assert!(report.unexpected.is_empty());
//! ```
//!
//! Placeholders in a request's path and body are filled from the setup's answers:
//! `{{rv:N}}` is the `metadata.resourceVersion` of setup answer N, `{{continue:N}}` its
//! `metadata.continue` (URL-encoded), `{{name:N}}` its `metadata.name`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::{Kcp, KubeApiserver};

/// One server under test: where, as whom, and how to trust it.
pub struct Target {
    pub name: &'static str,
    pub server: String,
    pub token: String,
    pub ca_file: Option<PathBuf>,
}

impl Target {
    /// Kubernetes' kube-apiserver, as its admin.
    pub fn kube(kube: &KubeApiserver) -> Self {
        Self {
            name: "kube",
            server: kube.url().to_string(),
            token: kube.token().to_string(),
            ca_file: Some(kube.ca_file()),
        }
    }

    /// Our server, through its kubeconfig's current context (with `--profile kube`, the
    /// cluster at the root URL).
    pub fn kcp(kcp: &Kcp) -> Self {
        let (server, token) = kcp.endpoint_of_current_context();
        Self {
            name: "kcp",
            server,
            token,
            ca_file: None,
        }
    }

    /// Sends one request with curl (HTTP/2 where the server offers it, as Go clients do).
    pub fn send(&self, req: &Req) -> Response {
        let mut cmd = Command::new("curl");
        match &self.ca_file {
            Some(ca) => cmd.arg("-s").arg("--cacert").arg(ca),
            None => cmd.arg("-sk"),
        };
        // The headers go to stderr, the body to stdout as it is (bytes: protobuf too).
        cmd.args(["-D", "/dev/stderr", "-X", &req.method])
            .arg("-H")
            .arg(format!("Authorization: Bearer {}", self.token))
            // No `Expect: 100-continue` for large bodies over HTTP/1.1.
            .args(["-H", "Expect:"]);
        for (k, v) in &req.headers {
            cmd.arg("-H").arg(format!("{k}: {v}"));
        }
        if !req.body.is_empty() {
            cmd.args(["--data-binary", "@-"]);
        }
        cmd.arg(format!("{}{}", self.server, req.path))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("running curl");
        let body = req.body.clone();
        let mut stdin = child.stdin.take().expect("curl stdin");
        // Written from another thread: a large body and a large answer would block each other.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&body);
        });
        let out = child.wait_with_output().expect("curl output");
        let _ = writer.join();
        let head = String::from_utf8_lossy(&out.stderr).into_owned();
        // The last header block (after any `100 Continue`).
        let block = head
            .split("\r\n\r\n")
            .filter(|b| b.trim_start().starts_with("HTTP/"))
            .last()
            .unwrap_or("");
        let mut lines = block.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Response {
            status,
            headers,
            body: out.stdout,
        }
    }
}

/// A request: method, path (with query), headers, body.
#[derive(Clone, Debug, Default)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_string(),
            path: path.to_string(),
            ..Self::default()
        }
    }
    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }
    pub fn delete(path: &str) -> Self {
        Self::new("DELETE", path)
    }
    /// A JSON body with its content type.
    pub fn json(method: &str, path: &str, body: &Value) -> Self {
        Self::new(method, path).body("application/json", body.to_string().as_bytes())
    }
    pub fn post(path: &str, body: &Value) -> Self {
        Self::json("POST", path, body)
    }
    pub fn put(path: &str, body: &Value) -> Self {
        Self::json("PUT", path, body)
    }
    /// A PATCH of the given content type.
    pub fn patch(path: &str, content_type: &str, body: &Value) -> Self {
        Self::new("PATCH", path).body(content_type, body.to_string().as_bytes())
    }
    /// A raw body with its content type.
    pub fn body(mut self, content_type: &str, body: &[u8]) -> Self {
        self.headers
            .push(("Content-Type".into(), content_type.to_string()));
        self.body = body.to_vec();
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    pub fn accept(self, value: &str) -> Self {
        self.header("Accept", value)
    }

    /// The request with the placeholders filled from the setup's answers.
    fn fill(&self, setup: &[Response]) -> Self {
        let mut req = self.clone();
        let fill = |text: &str| -> String {
            let mut out = text.to_string();
            for (i, answer) in setup.iter().enumerate() {
                let meta = answer.json().map(|j| j["metadata"].clone());
                let field = |f: &str| {
                    meta.as_ref()
                        .and_then(|m| m[f].as_str().map(str::to_string))
                        .unwrap_or_default()
                };
                out = out
                    .replace(&format!("{{{{rv:{i}}}}}"), &field("resourceVersion"))
                    .replace(&format!("{{{{name:{i}}}}}"), &field("name"))
                    .replace(
                        &format!("{{{{continue:{i}}}}}"),
                        &url_encode(&field("continue")),
                    );
            }
            out
        };
        req.path = fill(&req.path);
        if let Ok(text) = std::str::from_utf8(&req.body)
            && text.contains("{{")
        {
            req.body = fill(text).into_bytes();
        }
        req
    }
}

fn url_encode(s: &str) -> String {
    s.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

/// An answer: status code, headers (names in lower case), body bytes.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of a header, in order.
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// The body as JSON, when it is JSON; a watch's stream of events (JSON values one after
    /// the other) as an array of them.
    pub fn json(&self) -> Option<Value> {
        if let Ok(v) = serde_json::from_slice(&self.body) {
            return Some(v);
        }
        let events = serde_json::Deserializer::from_slice(&self.body)
            .into_iter::<Value>()
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        (!events.is_empty()).then_some(Value::Array(events))
    }
    /// The media type of `Content-Type` (parameters in Kubernetes' order kept, spaces removed).
    pub fn content_type(&self) -> String {
        self.header("content-type")
            .first()
            .map(|v| v.replace(' ', ""))
            .unwrap_or_default()
    }
}

/// What of the two answers must agree.
#[derive(Clone, Copy)]
pub enum Compare {
    /// Status, `Content-Type`, `Warning` headers and the normalised body.
    Whole,
    /// Status and `Content-Type` only (a body that legitimately differs, e.g. each server's own
    /// OpenAPI document).
    StatusAndType,
    /// Status and `Content-Type`, and the body through a projection taking both answers (e.g.
    /// the part of discovery both servers serve).
    Projected(fn(&Value, &Value) -> (Value, Value)),
}

/// One differential case.
pub struct Case {
    pub group: &'static str,
    pub name: &'static str,
    pub setup: Vec<Step>,
    pub request: Req,
    pub compare: Compare,
    /// A difference listed in `docs/differences.md`: the case may mismatch (and says so).
    pub known: Option<&'static str>,
    /// Tolerate fields only kube-apiserver's answer has when they hold a Go zero value (`{}`,
    /// `null`, `""`): the non-pointer struct fields and non-omitempty fields of its typed
    /// objects, which our sparse objects leave out (a row of `docs/differences.md`).
    pub go_zero_values: bool,
}

impl Case {
    pub fn new(group: &'static str, name: &'static str) -> Self {
        Self {
            group,
            name,
            setup: Vec::new(),
            request: Req::get("/"),
            compare: Compare::Whole,
            known: None,
            go_zero_values: false,
        }
    }
    pub fn go_zero_values(mut self) -> Self {
        self.go_zero_values = true;
        self
    }
    pub fn setup(mut self, req: Req) -> Self {
        self.setup.push(Step { req, until: None });
        self
    }
    /// A setup request sent again until its answer satisfies `until` (30 s at most): e.g. a GET
    /// of a CRD until it is established.
    pub fn setup_until(mut self, req: Req, until: fn(&Response) -> bool) -> Self {
        self.setup.push(Step {
            req,
            until: Some(until),
        });
        self
    }
    pub fn request(mut self, req: Req) -> Self {
        self.request = req;
        self
    }
    pub fn compare(mut self, compare: Compare) -> Self {
        self.compare = compare;
        self
    }
    pub fn known(mut self, why: &'static str) -> Self {
        self.known = Some(why);
        self
    }
}

/// A setup request, and the condition its answer must reach when it is polled.
pub struct Step {
    pub req: Req,
    pub until: Option<fn(&Response) -> bool>,
}

/// The outcome of a run.
pub struct Report {
    /// `group/name` of every case, in order, and whether it matched.
    pub cases: Vec<(String, bool)>,
    /// Cases that mismatched without being known differences.
    pub unexpected: Vec<String>,
    /// Known differences that matched after all (their mark can go).
    pub stale_known: Vec<String>,
}

impl Report {
    pub fn matched(&self) -> usize {
        self.cases.iter().filter(|(_, ok)| *ok).count()
    }
}

/// Runs every case on both targets (side by side) and prints the outcome of each.
pub fn run(kube: &Target, ours: &Target, cases: &[Case]) -> Report {
    let mut report = Report {
        cases: Vec::new(),
        unexpected: Vec::new(),
        stale_known: Vec::new(),
    };
    let mut out = std::io::stderr();
    for case in cases {
        let id = format!("{}/{}", case.group, case.name);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| run_case(kube, case));
            let b = run_case(ours, case);
            (a.join().expect("a case thread"), b)
        });
        let mut diffs = compare(case, kube, ours, &a, &b);
        if case.go_zero_values {
            let zero = [": {}", ": null", ": \"\""];
            let only = format!(": only {}: ", kube.name);
            diffs.retain(|d| {
                !(d.contains(&only) && zero.iter().any(|z| d.ends_with(z)) && !d.contains('\n'))
            });
        }
        let ok = diffs.is_empty();
        let mark = match (ok, case.known) {
            (true, None) => "ok",
            (true, Some(_)) => "ok (known difference no longer differs)",
            (false, Some(_)) => "known difference",
            (false, None) => "MISMATCH",
        };
        let _ = writeln!(out, "{mark:>8}  {id}");
        if !ok {
            if let Some(why) = case.known {
                let _ = writeln!(out, "          ({why})");
            }
            for d in &diffs {
                let _ = writeln!(out, "          {}", d.replace('\n', "\n          "));
            }
            if case.known.is_none() {
                report.unexpected.push(id.clone());
            }
        } else if case.known.is_some() {
            report.stale_known.push(id.clone());
        }
        report.cases.push((id, ok));
    }
    let _ = writeln!(
        out,
        "differential: {} of {} cases matched ({} known differences, {} unexpected)",
        report.matched(),
        report.cases.len(),
        cases.iter().filter(|c| c.known.is_some()).count(),
        report.unexpected.len()
    );
    report
}

/// A case on one target: its setup answers and the answer compared.
struct Outcome {
    setup: Vec<Response>,
    answer: Response,
}

fn run_case(target: &Target, case: &Case) -> Outcome {
    let mut setup = Vec::new();
    for step in &case.setup {
        let req = step.req.fill(&setup);
        let mut answer = target.send(&req);
        if let Some(until) = step.until {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            let mut delay = std::time::Duration::from_millis(10);
            while !until(&answer) && std::time::Instant::now() < deadline {
                std::thread::sleep(delay);
                delay = (delay * 2).min(std::time::Duration::from_millis(300));
                answer = target.send(&req);
            }
        }
        setup.push(answer);
    }
    let answer = target.send(&case.request.fill(&setup));
    Outcome { setup, answer }
}

fn compare(case: &Case, ta: &Target, tb: &Target, a: &Outcome, b: &Outcome) -> Vec<String> {
    let mut diffs = Vec::new();
    for (i, (sa, sb)) in a.setup.iter().zip(&b.setup).enumerate() {
        let ok = |c: u16| (200..300).contains(&c);
        if sa.status != sb.status || !ok(sa.status) {
            diffs.push(format!(
                "setup {i} ({} {}): {} {} {}, {} {} {}",
                case.setup[i].req.method,
                case.setup[i].req.path,
                ta.name,
                sa.status,
                brief(sa),
                tb.name,
                sb.status,
                brief(sb)
            ));
        }
    }
    let (ra, rb) = (&a.answer, &b.answer);
    if ra.status != rb.status {
        diffs.push(format!(
            "status: {} {}, {} {}",
            ta.name, ra.status, tb.name, rb.status
        ));
    }
    if ra.content_type() != rb.content_type() {
        diffs.push(format!(
            "Content-Type: {} {:?}, {} {:?}",
            ta.name,
            ra.content_type(),
            tb.name,
            rb.content_type()
        ));
    }
    let body = |r: &Response, own: &Target| match r.json() {
        Some(v) => normalise(v, &[&ta.server, &tb.server, &own.server]),
        None => Value::String(String::from_utf8_lossy(&r.body).into_owned()),
    };
    match case.compare {
        Compare::StatusAndType => {}
        Compare::Whole => {
            let wa: Vec<String> = ra.header("warning").iter().map(|w| norm_str(w)).collect();
            let wb: Vec<String> = rb.header("warning").iter().map(|w| norm_str(w)).collect();
            if wa != wb {
                diffs.push(format!(
                    "Warning headers: {} {wa:?}, {} {wb:?}",
                    ta.name, tb.name
                ));
            }
            json_diff(
                "",
                &body(ra, ta),
                &body(rb, tb),
                ta.name,
                tb.name,
                &mut diffs,
            );
        }
        Compare::Projected(project) => {
            let (pa, pb) = project(&body(ra, ta), &body(rb, tb));
            json_diff("", &pa, &pb, ta.name, tb.name, &mut diffs);
        }
    }
    diffs
}

/// The start of a body, for a failed setup step.
fn brief(r: &Response) -> String {
    let text = match r.json() {
        Some(v) => v["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_default(),
        None => String::from_utf8_lossy(&r.body).into_owned(),
    };
    text.chars().take(200).collect()
}

/// Keys whose values differ between any two servers (or two runs).
const VOLATILE: &[&str] = &[
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "lastTransitionTime",
    "firstTimestamp",
    "lastTimestamp",
];

/// The answer with what must differ replaced by placeholders.
pub fn normalise(v: Value, servers: &[&str]) -> Value {
    let mut v = walk(v, servers, "");
    if v["kind"] == "Status" {
        sort_causes(&mut v);
    }
    // A Table's Age column.
    if v["kind"] == "Table" {
        let age = v["columnDefinitions"]
            .as_array()
            .and_then(|cols| cols.iter().position(|c| c["name"] == "Age"));
        if let (Some(age), Some(rows)) = (age, v["rows"].as_array_mut()) {
            for row in rows {
                if let Some(cell) = row["cells"].get_mut(age) {
                    *cell = Value::String("<age>".into());
                }
            }
        }
    }
    v
}

fn walk(v: Value, servers: &[&str], key: &str) -> Value {
    match v {
        Value::Object(map) => {
            let generated = map
                .get("generateName")
                .and_then(Value::as_str)
                .map(str::to_string);
            let map = map
                .into_iter()
                .map(|(k, val)| {
                    let val = match (&generated, k.as_str(), &val) {
                        (Some(prefix), "name", Value::String(n)) if n.starts_with(prefix) => {
                            Value::String(format!("{prefix}<generated>"))
                        }
                        _ if VOLATILE.contains(&k.as_str()) && val.is_string() => {
                            Value::String(format!("<{k}>"))
                        }
                        // managedFields[].time
                        (_, "time", Value::String(_)) if key == "managedFields" => {
                            Value::String("<time>".into())
                        }
                        (_, "continue", Value::String(s)) if !s.is_empty() => {
                            Value::String("<continue>".into())
                        }
                        _ => walk(val, servers, if key == "managedFields" { key } else { &k }),
                    };
                    (k, val)
                })
                .collect();
            Value::Object(map)
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|i| walk(i, servers, key)).collect())
        }
        Value::String(s) => {
            let mut s = norm_str(&s);
            for server in servers {
                if !server.is_empty() {
                    s = s.replace(server, "<server>");
                }
            }
            Value::String(s)
        }
        other => other,
    }
}

/// kube lists the errors of a custom resource's schema in Go's map order, which varies from
/// one request to the next: the causes are sorted, and the message's list with them.
fn sort_causes(status: &mut Value) {
    let Some(causes) = status
        .pointer_mut("/details/causes")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let text = |c: &Value| match c["field"].as_str() {
        Some(f) if !f.is_empty() => format!("{f}: {}", c["message"].as_str().unwrap_or("")),
        _ => c["message"].as_str().unwrap_or("").to_string(),
    };
    causes.sort_by_key(|c| text(c));
    let items: Vec<String> = causes.iter().map(text).collect();
    let Some(message) = status["message"].as_str() else {
        return;
    };
    // `<prefix>: [a, b, c]`: each cause's text appears once in the list; the list is rebuilt
    // in the causes' order when all of them are found and nothing else is there.
    let (Some(start), true) = (message.find(": ["), message.ends_with(']')) else {
        return;
    };
    let list = &message[start + 3..message.len() - 1];
    let mut found: Vec<(usize, &str)> = Vec::new();
    for item in &items {
        match list.find(item.as_str()) {
            Some(at) => found.push((at, item)),
            None => return,
        }
    }
    let mut rest = list.to_string();
    for (_, item) in &found {
        rest = rest.replacen(*item, "", 1);
    }
    // What the causes do not cover (kube's `<nil>: …` item, which has no cause of its own).
    let others: Vec<&str> = rest
        .split(", ")
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .collect();
    let mut all: Vec<String> = items.clone();
    all.extend(others.iter().map(|o| o.to_string()));
    let rebuilt: usize = all.iter().map(String::len).sum::<usize>() + 2 * (all.len() - 1);
    if rebuilt != list.len() {
        return;
    }
    all.sort();
    status["message"] = Value::String(format!("{}: [{}]", &message[..start], all.join(", ")));
}

/// PEM blocks replaced by `<certificate>`, UUIDs by `<uuid>`, numbers in parentheses (the
/// resourceVersions of a precondition's message) by `(<n>)`.
fn norm_str(s: &str) -> String {
    let s = norm_pem(s);
    let s = norm_uuids(&s);
    norm_numbers_in_parens(&s)
}

fn norm_uuids(s: &str) -> String {
    let b = s.as_bytes();
    let shape = |i: usize| -> bool {
        const DASHES: [usize; 4] = [8, 13, 18, 23];
        (0..36).all(|j| {
            let c = b[i + j];
            if DASHES.contains(&j) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
    };
    let mut out = String::new();
    let mut i = 0;
    let mut last = 0;
    while i + 36 <= b.len() {
        if shape(i) {
            out.push_str(&s[last..i]);
            out.push_str("<uuid>");
            i += 36;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    out
}

fn norm_numbers_in_parens(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(')') {
            out.push_str("<n>");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// PEM blocks replaced by `<certificate>`.
fn norm_pem(s: &str) -> String {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find(BEGIN) {
        out.push_str(&rest[..start]);
        match rest[start..].find(END) {
            Some(end) => {
                out.push_str("<certificate>");
                rest = &rest[start + end + END.len()..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A path-by-path diff: `.a.b[2]: kube X, kcp Y` (objects compared key by key, arrays item by
/// item).
pub fn json_diff(path: &str, a: &Value, b: &Value, na: &str, nb: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            let keys: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
            for k in keys {
                let p = format!("{path}.{k}");
                match (ma.get(k), mb.get(k)) {
                    (Some(x), Some(y)) => json_diff(&p, x, y, na, nb, out),
                    (Some(x), None) => out.push(format!("{p}: only {na}: {}", show(x))),
                    (None, Some(y)) => out.push(format!("{p}: only {nb}: {}", show(y))),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(xa), Value::Array(xb)) if xa.len() == xb.len() => {
            for (i, (x, y)) in xa.iter().zip(xb).enumerate() {
                json_diff(&format!("{path}[{i}]"), x, y, na, nb, out);
            }
        }
        _ if a == b => {}
        _ => out.push(format!(
            "{}:\n  {na}: {}\n  {nb}: {}",
            if path.is_empty() { "body" } else { path },
            show(a),
            show(b)
        )),
    }
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 1500 {
        let head: String = s.chars().take(1500).collect();
        format!("{head}… ({} bytes)", s.len())
    } else {
        s
    }
}
