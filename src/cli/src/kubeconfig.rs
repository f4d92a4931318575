//! Kubeconfig files as kubectl reads and writes them, and the edits the workspace commands make
//! (`reference/kcp.md` §5.3).
//!
//! Loading follows kubectl's rules: `--kubeconfig`, else every file in `$KUBECONFIG` (missing ones
//! are skipped), else `~/.kube/config`; for clusters, users and contexts the first file that names
//! an entry owns it, and `current-context` comes from the first file that sets one.
//!
//! Each file is kept as a plain YAML tree, so that an edit preserves everything the plugins do not
//! touch (other entries, unknown fields, `preferences`). Like client-go's `ModifyConfig`, an edited
//! entry is written back to the file that owns it and a new one goes to the default file.
//!
//! The edits: [`Kubeconfigs::switch_server`] (`kubectl ws <path>`) points the context
//! `workspace.kcp.io/current` at a new server URL and keeps what was current as
//! `workspace.kcp.io/previous`; [`Kubeconfigs::swap_previous`] (`kubectl ws -`) swaps them back;
//! [`Kubeconfigs::create_context`] (`kubectl ws create-context`) adds a named context.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The context (and cluster entry) the plugins keep pointing at the current workspace.
pub const CURRENT_CONTEXT: &str = "workspace.kcp.io/current";
/// The context (and, when needed, cluster entry) holding the workspace before the last switch.
pub const PREVIOUS_CONTEXT: &str = "workspace.kcp.io/previous";

/// The body of a named entry: a `cluster`, `user` or `context` object.
pub type Body = Map<String, Value>;

/// Reading, interpreting or writing kubeconfig files failed.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file is not a YAML mapping (or not YAML at all).
    #[error("error loading config file {path:?}: {reason}")]
    Parse { path: PathBuf, reason: String },
    /// A YAML tree could not be written out (should not happen: it was read from YAML).
    #[error("error writing config file {path:?}: {reason}")]
    Serialize { path: PathBuf, reason: String },
    /// No context is selected (no `current-context`, no `--context`).
    #[error(
        "invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable"
    )]
    NoContext,
    /// The selected context does not exist.
    #[error("context {0:?} does not exist")]
    ContextNotFound(String),
    /// The selected context points at a cluster entry that does not exist.
    #[error("cluster {0:?} does not exist")]
    ClusterNotFound(String),
    /// The user entry of the context does not exist.
    #[error("user {0:?} does not exist")]
    UserNotFound(String),
    /// The cluster entry has no `server`.
    #[error("no server found for cluster {0:?}")]
    NoServer(String),
    /// kube-rs could not turn the entries into a client configuration.
    #[error("{0}")]
    Client(String),
}

/// One kubeconfig file (possibly not existing yet) as a YAML tree.
#[derive(Clone, Debug)]
struct KubeconfigFile {
    path: PathBuf,
    doc: Map<String, Value>,
    exists: bool,
    changed: bool,
}

impl KubeconfigFile {
    fn read(path: &Path) -> Result<Self, KubeconfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(KubeconfigFile {
                path: path.to_owned(),
                doc: parse_document(path, &text)?,
                exists: true,
                changed: false,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KubeconfigFile {
                path: path.to_owned(),
                doc: Map::new(),
                exists: false,
                changed: false,
            }),
            Err(source) => Err(KubeconfigError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// The named entries of `kind` (`clusters`, `users`, `contexts`).
    fn entries(&self, kind: &str) -> &[Value] {
        self.doc
            .get(kind)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    fn position(&self, kind: &str, name: &str) -> Option<usize> {
        self.entries(kind)
            .iter()
            .position(|e| e.get("name").and_then(Value::as_str) == Some(name))
    }

    fn current_context(&self) -> Option<&str> {
        self.doc
            .get("current-context")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

fn parse_document(path: &Path, text: &str) -> Result<Map<String, Value>, KubeconfigError> {
    let value: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_saphyr::from_str(text).map_err(|e| KubeconfigError::Parse {
            path: path.to_owned(),
            reason: e.to_string(),
        })?
    };
    match value {
        Value::Null => Ok(Map::new()),
        Value::Object(map) => Ok(map),
        _ => Err(KubeconfigError::Parse {
            path: path.to_owned(),
            reason: "not a mapping".into(),
        }),
    }
}

/// The kubeconfig files in effect, in precedence order.
#[derive(Clone, Debug)]
pub struct Kubeconfigs {
    files: Vec<KubeconfigFile>,
    /// Where new entries (and `current-context`, if no file sets it) are written.
    default_file: usize,
    /// Built from text rather than read from disk: [`Kubeconfigs::save`] writes nothing.
    in_memory: bool,
}

impl Kubeconfigs {
    /// Loads with kubectl's rules: `explicit` (`--kubeconfig`, must exist), else `$KUBECONFIG`,
    /// else `~/.kube/config`.
    pub fn load(explicit: Option<&Path>) -> Result<Self, KubeconfigError> {
        if let Some(path) = explicit {
            let file = KubeconfigFile::read(path)?;
            if !file.exists {
                return Err(KubeconfigError::Io {
                    path: path.to_owned(),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                });
            }
            return Ok(Kubeconfigs {
                files: vec![file],
                default_file: 0,
                in_memory: false,
            });
        }
        let mut paths: Vec<PathBuf> = Vec::new();
        if let Some(env) = std::env::var_os("KUBECONFIG") {
            for p in std::env::split_paths(&env) {
                if !p.as_os_str().is_empty() && !paths.contains(&p) {
                    paths.push(p);
                }
            }
        }
        if paths.is_empty() {
            let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
            paths.push(home.join(".kube").join("config"));
        }
        let files = paths
            .iter()
            .map(|p| KubeconfigFile::read(p))
            .collect::<Result<Vec<_>, _>>()?;
        // client-go's default file: the only one, else the first that exists, else the last.
        let default_file = files
            .iter()
            .position(|f| f.exists)
            .unwrap_or(files.len() - 1);
        Ok(Kubeconfigs {
            files,
            default_file,
            in_memory: false,
        })
    }

    /// A single file held in memory only (for tests and tools), as if read from `path`; edits
    /// are kept in memory and [`Kubeconfigs::save`] writes nothing.
    pub fn from_yaml(path: impl Into<PathBuf>, text: &str) -> Result<Self, KubeconfigError> {
        let path = path.into();
        let doc = parse_document(&path, text)?;
        Ok(Kubeconfigs {
            files: vec![KubeconfigFile {
                path,
                doc,
                exists: true,
                changed: false,
            }],
            default_file: 0,
            in_memory: true,
        })
    }

    /// The paths of the files in precedence order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// The merged `current-context` (first file that sets one).
    pub fn current_context(&self) -> Option<&str> {
        self.files.iter().find_map(KubeconfigFile::current_context)
    }

    /// The named entry `{name, <kind singular>: {...}}` of `kind` that is in effect.
    fn entry(&self, kind: &str, name: &str) -> Option<&Value> {
        self.files
            .iter()
            .find_map(|f| f.position(kind, name).map(|i| &f.entries(kind)[i]))
    }

    /// The body of a named entry (`cluster`, `user` or `context` object).
    fn body(&self, kind: &str, name: &str) -> Option<&Body> {
        self.entry(kind, name)?
            .get(singular(kind))
            .and_then(Value::as_object)
    }

    /// A context's body: `cluster`, `user`, `namespace`, ...
    pub fn context(&self, name: &str) -> Option<&Body> {
        self.body("contexts", name)
    }

    /// A cluster's body: `server`, `certificate-authority-data`, ...
    pub fn cluster(&self, name: &str) -> Option<&Body> {
        self.body("clusters", name)
    }

    /// Whether a context of that name exists.
    pub fn has_context(&self, name: &str) -> bool {
        self.entry("contexts", name).is_some()
    }

    /// Writes the named entry: replaced in the file that owns it, else appended to the default
    /// file. `body` is the `cluster`/`context` object; other keys of an existing entry are kept.
    fn set_body(&mut self, kind: &str, name: &str, body: Body) {
        let owner = self
            .files
            .iter()
            .position(|f| f.position(kind, name).is_some());
        let file = &mut self.files[owner.unwrap_or(self.default_file)];
        file.changed = true;
        let list = file
            .doc
            .entry(kind.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !list.is_array() {
            *list = Value::Array(Vec::new());
        }
        let list = list.as_array_mut().expect("just made an array");
        let existing = list
            .iter_mut()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name));
        match existing {
            Some(Value::Object(entry)) => {
                entry.insert(singular(kind).to_owned(), Value::Object(body));
            }
            _ => {
                let mut entry = Map::new();
                entry.insert("name".into(), Value::String(name.to_owned()));
                entry.insert(singular(kind).to_owned(), Value::Object(body));
                list.push(Value::Object(entry));
            }
        }
    }

    /// Removes the named entry from every file that has it.
    fn remove(&mut self, kind: &str, name: &str) {
        for file in &mut self.files {
            if let Some(i) = file.position(kind, name)
                && let Some(list) = file.doc.get_mut(kind).and_then(Value::as_array_mut)
            {
                list.remove(i);
                file.changed = true;
            }
        }
    }

    /// Sets `current-context` in the file that sets it now, else in the default file.
    pub fn set_current_context(&mut self, name: &str) {
        let i = self
            .files
            .iter()
            .position(|f| f.current_context().is_some())
            .unwrap_or(self.default_file);
        let file = &mut self.files[i];
        file.doc
            .insert("current-context".into(), Value::String(name.to_owned()));
        file.changed = true;
    }

    /// The context `context` and its cluster entry, cloned for editing.
    fn context_and_cluster(&self, context: &str) -> Result<(Body, Body), KubeconfigError> {
        let ctx = self
            .context(context)
            .ok_or_else(|| KubeconfigError::ContextNotFound(context.to_owned()))?
            .clone();
        let cluster_name = ctx.get("cluster").and_then(Value::as_str).unwrap_or("");
        let cluster = self
            .cluster(cluster_name)
            .ok_or_else(|| KubeconfigError::ClusterNotFound(cluster_name.to_owned()))?
            .clone();
        Ok((ctx, cluster))
    }

    /// Makes `new_context`/`new_cluster` current as `workspace.kcp.io/current` and keeps
    /// `current` (the context in effect so far) as `workspace.kcp.io/previous`.
    fn make_current(
        &mut self,
        current: &str,
        mut new_context: Body,
        new_cluster: Body,
    ) -> Result<(), KubeconfigError> {
        let (mut previous, previous_cluster) = self.context_and_cluster(current)?;
        // What is current now becomes previous; if it used the plugins' own cluster entry, that
        // entry is about to be overwritten, so it moves along as `workspace.kcp.io/previous`.
        if previous.get("cluster").and_then(Value::as_str) == Some(CURRENT_CONTEXT) {
            self.set_body("clusters", PREVIOUS_CONTEXT, previous_cluster);
            previous.insert("cluster".into(), PREVIOUS_CONTEXT.into());
        }
        let previous_uses_own_cluster =
            previous.get("cluster").and_then(Value::as_str) == Some(PREVIOUS_CONTEXT);
        self.set_body("contexts", PREVIOUS_CONTEXT, previous);
        if !previous_uses_own_cluster {
            self.remove("clusters", PREVIOUS_CONTEXT);
        }

        self.set_body("clusters", CURRENT_CONTEXT, new_cluster);
        new_context.insert("cluster".into(), CURRENT_CONTEXT.into());
        self.set_body("contexts", CURRENT_CONTEXT, new_context);
        self.set_current_context(CURRENT_CONTEXT);
        Ok(())
    }

    /// `kubectl ws <path>`: the context `workspace.kcp.io/current` becomes a copy of `current`
    /// (same user, namespace) pointing at a copy of its cluster (same CA and TLS settings) whose
    /// `server` is `server`, and it is made current; `current` is kept as
    /// `workspace.kcp.io/previous`.
    pub fn switch_server(&mut self, current: &str, server: &str) -> Result<(), KubeconfigError> {
        let (context, mut cluster) = self.context_and_cluster(current)?;
        cluster.insert("server".into(), Value::String(server.to_owned()));
        self.make_current(current, context, cluster)
    }

    /// `kubectl ws -`: `workspace.kcp.io/previous` becomes current and `current` becomes
    /// previous.
    pub fn swap_previous(&mut self, current: &str) -> Result<bool, KubeconfigError> {
        if !self.has_context(PREVIOUS_CONTEXT) {
            return Ok(false);
        }
        let (context, cluster) = self.context_and_cluster(PREVIOUS_CONTEXT)?;
        self.make_current(current, context, cluster)?;
        Ok(true)
    }

    /// `kubectl ws create-context <name>`: a context `name` (and cluster entry `name`) copied
    /// from `current`, with `server`. Returns whether it existed before; `switch` makes it current.
    pub fn create_context(
        &mut self,
        current: &str,
        name: &str,
        server: &str,
        switch: bool,
    ) -> Result<bool, KubeconfigError> {
        let existed = self.has_context(name);
        let (mut context, mut cluster) = self.context_and_cluster(current)?;
        cluster.insert("server".into(), Value::String(server.to_owned()));
        context.insert("cluster".into(), Value::String(name.to_owned()));
        self.set_body("clusters", name, cluster);
        self.set_body("contexts", name, context);
        if switch {
            self.set_current_context(name);
        }
        Ok(existed)
    }

    /// The YAML of every file, in precedence order (what [`Kubeconfigs::save`] would write).
    pub fn to_yaml(&self) -> Result<Vec<(PathBuf, String)>, KubeconfigError> {
        self.files
            .iter()
            .map(|f| {
                let text = serde_saphyr::to_string(&Value::Object(f.doc.clone())).map_err(|e| {
                    KubeconfigError::Serialize {
                        path: f.path.clone(),
                        reason: e.to_string(),
                    }
                })?;
                Ok((f.path.clone(), text))
            })
            .collect()
    }

    /// Writes the files that were changed.
    pub fn save(&mut self) -> Result<(), KubeconfigError> {
        let texts = self.to_yaml()?;
        if self.in_memory {
            self.files.iter_mut().for_each(|f| f.changed = false);
            return Ok(());
        }
        for (file, (path, text)) in self.files.iter_mut().zip(texts) {
            if !file.changed {
                continue;
            }
            let io = |source| KubeconfigError::Io {
                path: path.clone(),
                source,
            };
            if !file.exists
                && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            write_private(&path, text.as_bytes()).map_err(io)?;
            file.exists = true;
            file.changed = false;
        }
        Ok(())
    }

    /// The merged configuration as kube-rs reads it (relative file references made absolute
    /// against the directory of the file that holds them).
    pub fn merged(&self) -> Result<kube::config::Kubeconfig, KubeconfigError> {
        let mut merged = kube::config::Kubeconfig::default();
        for file in &self.files {
            let mut doc = file.doc.clone();
            if let Some(dir) = file.path.parent() {
                absolutize(&mut doc, dir);
            }
            let config: kube::config::Kubeconfig = serde_json::from_value(Value::Object(doc))
                .map_err(|e| KubeconfigError::Parse {
                    path: file.path.clone(),
                    reason: e.to_string(),
                })?;
            merged = merged
                .merge(config)
                .map_err(|e| KubeconfigError::Client(e.to_string()))?;
        }
        Ok(merged)
    }
}

/// `clusters` → `cluster`, ...
fn singular(kind: &str) -> &str {
    kind.strip_suffix('s').unwrap_or(kind)
}

/// Makes the file references of a kubeconfig document absolute against `dir`, as kubectl does.
fn absolutize(doc: &mut Map<String, Value>, dir: &Path) {
    let fix = |body: Option<&mut Value>, keys: &[&str]| {
        let Some(Value::Object(body)) = body else {
            return;
        };
        for key in keys {
            if let Some(Value::String(s)) = body.get_mut(*key)
                && !s.is_empty()
                && Path::new(s.as_str()).is_relative()
            {
                *s = dir.join(s.as_str()).to_string_lossy().into_owned();
            }
        }
    };
    for (kind, keys) in [
        ("clusters", &["certificate-authority"][..]),
        (
            "users",
            &["client-certificate", "client-key", "tokenFile"][..],
        ),
    ] {
        if let Some(Value::Array(list)) = doc.get_mut(kind) {
            for entry in list {
                fix(entry.get_mut(singular(kind)), keys);
            }
        }
    }
}

/// Writes `data` to `path`; a file created here is readable by its owner only.
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The admin.kubeconfig `kcp start` writes (tokens and CA shortened).
    const ADMIN: &str = r#"apiVersion: v1
kind: Config
clusters:
- name: base
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
- name: root
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443/clusters/root
- name: system:admin
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443/clusters/system:admin
contexts:
- name: base
  context:
    cluster: base
    user: kcp-admin
- name: root
  context:
    cluster: root
    user: kcp-admin
- name: shard-base
  context:
    cluster: base
    user: shard-admin
- name: system:admin
  context:
    cluster: system:admin
    user: shard-admin
current-context: root
preferences: {}
users:
- name: kcp-admin
  user:
    token: admin-token
- name: shard-admin
  user:
    token: shard-token
"#;

    fn load(text: &str) -> Kubeconfigs {
        Kubeconfigs::from_yaml("/tmp/kubeconfig", text).unwrap()
    }

    fn yaml(cfg: &Kubeconfigs) -> String {
        cfg.to_yaml().unwrap().remove(0).1
    }

    fn server_of(cfg: &Kubeconfigs, context: &str) -> String {
        let ctx = cfg.context(context).unwrap();
        let cluster = cfg.cluster(ctx["cluster"].as_str().unwrap()).unwrap();
        cluster["server"].as_str().unwrap().to_owned()
    }

    /// The admin kubeconfig after `kubectl ws :root:team-a` from context `root`.
    const AFTER_FIRST_SWITCH: &str = r#"apiVersion: v1
kind: Config
clusters:
- name: base
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
- name: root
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443/clusters/root
- name: system:admin
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443/clusters/system:admin
- name: workspace.kcp.io/current
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443/clusters/root:team-a
contexts:
- name: base
  context:
    cluster: base
    user: kcp-admin
- name: root
  context:
    cluster: root
    user: kcp-admin
- name: shard-base
  context:
    cluster: base
    user: shard-admin
- name: system:admin
  context:
    cluster: system:admin
    user: shard-admin
- name: workspace.kcp.io/previous
  context:
    cluster: root
    user: kcp-admin
- name: workspace.kcp.io/current
  context:
    cluster: workspace.kcp.io/current
    user: kcp-admin
current-context: workspace.kcp.io/current
preferences: {}
users:
- name: kcp-admin
  user:
    token: admin-token
- name: shard-admin
  user:
    token: shard-token
"#;

    #[test]
    fn round_trip_preserves_the_file() {
        assert_eq!(yaml(&load(ADMIN)), ADMIN);
    }

    #[test]
    fn first_switch_from_root() {
        let mut cfg = load(ADMIN);
        cfg.switch_server("root", "https://127.0.0.1:6443/clusters/root:team-a")
            .unwrap();
        assert_eq!(yaml(&cfg), AFTER_FIRST_SWITCH);
    }

    #[test]
    fn second_switch_moves_the_current_cluster_to_previous() {
        let mut cfg = load(AFTER_FIRST_SWITCH);
        cfg.switch_server(
            CURRENT_CONTEXT,
            "https://127.0.0.1:6443/clusters/root:team-b",
        )
        .unwrap();
        let expected = r#"apiVersion: v1
kind: Config
clusters:
- name: base
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
- name: root
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443/clusters/root
- name: system:admin
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443/clusters/system:admin
- name: workspace.kcp.io/current
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443/clusters/root:team-b
- name: workspace.kcp.io/previous
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443/clusters/root:team-a
contexts:
- name: base
  context:
    cluster: base
    user: kcp-admin
- name: root
  context:
    cluster: root
    user: kcp-admin
- name: shard-base
  context:
    cluster: base
    user: shard-admin
- name: system:admin
  context:
    cluster: system:admin
    user: shard-admin
- name: workspace.kcp.io/previous
  context:
    cluster: workspace.kcp.io/previous
    user: kcp-admin
- name: workspace.kcp.io/current
  context:
    cluster: workspace.kcp.io/current
    user: kcp-admin
current-context: workspace.kcp.io/current
preferences: {}
users:
- name: kcp-admin
  user:
    token: admin-token
- name: shard-admin
  user:
    token: shard-token
"#;
        assert_eq!(yaml(&cfg), expected);
    }

    #[test]
    fn dash_swaps_current_and_previous() {
        let mut cfg = load(ADMIN);
        cfg.switch_server("root", "https://h/clusters/root:a")
            .unwrap();
        cfg.switch_server(CURRENT_CONTEXT, "https://h/clusters/root:b")
            .unwrap();
        assert_eq!(
            server_of(&cfg, CURRENT_CONTEXT),
            "https://h/clusters/root:b"
        );
        assert_eq!(
            server_of(&cfg, PREVIOUS_CONTEXT),
            "https://h/clusters/root:a"
        );

        assert!(cfg.swap_previous(CURRENT_CONTEXT).unwrap());
        assert_eq!(
            server_of(&cfg, CURRENT_CONTEXT),
            "https://h/clusters/root:a"
        );
        assert_eq!(
            server_of(&cfg, PREVIOUS_CONTEXT),
            "https://h/clusters/root:b"
        );
        assert_eq!(cfg.current_context(), Some(CURRENT_CONTEXT));

        assert!(cfg.swap_previous(CURRENT_CONTEXT).unwrap());
        assert_eq!(
            server_of(&cfg, CURRENT_CONTEXT),
            "https://h/clusters/root:b"
        );
        assert_eq!(
            server_of(&cfg, PREVIOUS_CONTEXT),
            "https://h/clusters/root:a"
        );
        // Untouched entries stay as they were.
        assert_eq!(
            server_of(&cfg, "root"),
            "https://127.0.0.1:6443/clusters/root"
        );
        assert_eq!(cfg.context("system:admin").unwrap()["user"], "shard-admin");
    }

    #[test]
    fn dash_after_the_first_switch_goes_back_to_the_original_cluster() {
        let mut cfg = load(AFTER_FIRST_SWITCH);
        assert!(cfg.swap_previous(CURRENT_CONTEXT).unwrap());
        assert_eq!(
            server_of(&cfg, CURRENT_CONTEXT),
            "https://127.0.0.1:6443/clusters/root"
        );
        assert_eq!(
            server_of(&cfg, PREVIOUS_CONTEXT),
            "https://127.0.0.1:6443/clusters/root:team-a"
        );
        // And back again.
        assert!(cfg.swap_previous(CURRENT_CONTEXT).unwrap());
        assert_eq!(
            server_of(&cfg, CURRENT_CONTEXT),
            "https://127.0.0.1:6443/clusters/root:team-a"
        );
        assert_eq!(
            cfg.context(PREVIOUS_CONTEXT).unwrap()["cluster"],
            "workspace.kcp.io/previous"
        );
    }

    #[test]
    fn dash_without_previous() {
        let mut cfg = load(ADMIN);
        assert!(!cfg.swap_previous("root").unwrap());
        assert_eq!(yaml(&cfg), ADMIN);
    }

    #[test]
    fn switching_keeps_user_and_namespace() {
        let mut cfg = load(
            "clusters:\n- name: c\n  cluster:\n    server: https://h/clusters/root\n    insecure-skip-tls-verify: true\n    tls-server-name: kcp\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n    namespace: ns\ncurrent-context: x\nusers:\n- name: u\n  user:\n    token: t\n",
        );
        cfg.switch_server("x", "https://h/clusters/root:a").unwrap();
        let ctx = cfg.context(CURRENT_CONTEXT).unwrap();
        assert_eq!(
            (ctx["user"].as_str(), ctx["namespace"].as_str()),
            (Some("u"), Some("ns"))
        );
        let cluster = cfg.cluster(CURRENT_CONTEXT).unwrap();
        assert_eq!(cluster["insecure-skip-tls-verify"], true);
        assert_eq!(cluster["tls-server-name"], "kcp");
        assert_eq!(cfg.context(PREVIOUS_CONTEXT).unwrap()["cluster"], "c");
        assert!(cfg.cluster(PREVIOUS_CONTEXT).is_none());
    }

    #[test]
    fn missing_context_is_an_error() {
        let mut cfg = load(ADMIN);
        let err = cfg
            .switch_server("nope", "https://h/clusters/root")
            .unwrap_err();
        assert_eq!(err.to_string(), r#"context "nope" does not exist"#);
    }

    #[test]
    fn create_context_copies_the_current_one() {
        let mut cfg = load(ADMIN);
        let existed = cfg
            .create_context(
                "root",
                "team-a",
                "https://127.0.0.1:6443/clusters/root:team-a",
                true,
            )
            .unwrap();
        assert!(!existed);
        assert_eq!(cfg.current_context(), Some("team-a"));
        assert_eq!(
            server_of(&cfg, "team-a"),
            "https://127.0.0.1:6443/clusters/root:team-a"
        );
        assert_eq!(cfg.context("team-a").unwrap()["user"], "kcp-admin");
        assert_eq!(
            cfg.cluster("team-a").unwrap()["certificate-authority-data"],
            "Q0E="
        );
        let existed = cfg
            .create_context(
                "root",
                "team-a",
                "https://127.0.0.1:6443/clusters/root:b",
                false,
            )
            .unwrap();
        assert!(existed);
        assert_eq!(
            server_of(&cfg, "team-a"),
            "https://127.0.0.1:6443/clusters/root:b"
        );
    }

    #[test]
    fn edits_go_to_the_owning_file_and_new_entries_to_the_default_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.yaml");
        let b = dir.path().join("b.yaml");
        std::fs::write(&a, "users:\n- name: u\n  user:\n    token: t\n").unwrap();
        std::fs::write(
            &b,
            "clusters:\n- name: c\n  cluster:\n    server: https://h/clusters/root\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n",
        )
        .unwrap();
        let mut cfg = Kubeconfigs {
            files: vec![
                KubeconfigFile::read(&a).unwrap(),
                KubeconfigFile::read(&b).unwrap(),
            ],
            default_file: 0,
            in_memory: false,
        };
        cfg.switch_server("x", "https://h/clusters/root:a").unwrap();
        cfg.save().unwrap();
        let a_text = std::fs::read_to_string(&a).unwrap();
        let b_text = std::fs::read_to_string(&b).unwrap();
        // New entries in the default (first existing) file; current-context where it was set.
        assert!(a_text.contains("workspace.kcp.io/current"), "{a_text}");
        assert!(!a_text.contains("current-context"), "{a_text}");
        assert!(
            b_text.contains("current-context: workspace.kcp.io/current"),
            "{b_text}"
        );
        assert!(
            b_text.contains("server: https://h/clusters/root\n"),
            "{b_text}"
        );
    }

    #[test]
    fn merged_view_resolves_relative_files() {
        let cfg = Kubeconfigs::from_yaml(
            "/etc/kcp/kubeconfig",
            "clusters:\n- name: c\n  cluster:\n    server: https://h\n    certificate-authority: ca.crt\nusers:\n- name: u\n  user:\n    client-certificate: /abs/cert\n    client-key: keys/k\ncontexts: []\n",
        )
        .unwrap();
        let merged = cfg.merged().unwrap();
        let cluster = merged.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(
            cluster.certificate_authority.as_deref(),
            Some("/etc/kcp/ca.crt")
        );
        let user = merged.auth_infos[0].auth_info.as_ref().unwrap();
        assert_eq!(user.client_certificate.as_deref(), Some("/abs/cert"));
        assert_eq!(user.client_key.as_deref(), Some("/etc/kcp/keys/k"));
    }
}
