//! `kubectl ws -i` / `kubectl ws tree -i` (`reference/kcp.md` §5.5): a full-screen browser of the
//! workspace tree. It starts at the top of the current path (e.g. `root`) with the nodes down to
//! the current workspace expanded and selected; expanding a node lists, on demand, its child
//! workspaces (probing each with `limit=1` for children of its own), its APIExports,
//! APIExportEndpointSlices and APIBindings. Enter leaves and switches to the selected workspace
//! exactly like `kubectl ws use :<path>`.
//!
//! [`Browser`] is the state and its key handling, with no terminal in sight (tests drive it and
//! render it into a ratatui `TestBackend`); [`run_interactive`] puts it on the terminal.

use std::io::IsTerminal;

use kcp_api::Path;
use kcp_api::tenancy::Workspace;
use ratatui::Frame;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};

use crate::api::KcpApi;
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::session::Session;
use crate::tree::{child_path, list_children};
use crate::use_workspace::use_workspace;

/// The window title.
pub const TITLE: &str = "kcp Workspaces";
/// The key help under the tree.
pub const HELP: &str = "↑/↓: navigate  →/←/Space: expand/collapse  q: quit";
/// The last line.
pub const PROMPT: &str = "Press Enter to switch to this workspace";

/// A key the browser understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Up,
    Down,
    /// → or `l`: expand.
    Expand,
    /// ← or `h`: collapse, or go to the parent.
    Collapse,
    /// Space: expand or collapse.
    Toggle,
    /// Backspace: go to the parent.
    Parent,
    Enter,
    /// q, Esc, Ctrl+C.
    Quit,
}

impl Key {
    /// The browser key for a terminal key press, if any.
    pub fn from_event(code: KeyCode, modifiers: KeyModifiers) -> Option<Key> {
        Some(match code {
            KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => Key::Quit,
            KeyCode::Up | KeyCode::Char('k') => Key::Up,
            KeyCode::Down | KeyCode::Char('j') => Key::Down,
            KeyCode::Right | KeyCode::Char('l') => Key::Expand,
            KeyCode::Left | KeyCode::Char('h') => Key::Collapse,
            KeyCode::Char(' ') => Key::Toggle,
            KeyCode::Backspace => Key::Parent,
            KeyCode::Enter => Key::Enter,
            KeyCode::Char('q') | KeyCode::Esc => Key::Quit,
            _ => return None,
        })
    }
}

/// What the caller should do after a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Redraw.
    None,
    /// Load node `id` (it was just expanded for the first time), then redraw.
    Load(usize),
    /// Leave and switch to this workspace.
    Switch(Path),
    /// Leave.
    Quit,
}

/// An APIBinding as shown under a node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct BindingInfo {
    name: String,
    /// `<path>:<export>`.
    export: String,
    /// `resource.group` of each bound resource.
    resources: Vec<String>,
}

/// What expanding a node loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Details {
    cluster: Option<String>,
    exports: Vec<String>,
    slices: Vec<String>,
    bindings: Vec<BindingInfo>,
    /// Failures, shown instead of the part that failed.
    errors: Vec<String>,
}

#[derive(Clone, Debug)]
struct Node {
    path: Path,
    parent: Option<usize>,
    /// `spec.cluster` of its Workspace, when known before loading.
    cluster: Option<String>,
    /// Loaded children (`None`: not loaded yet).
    children: Option<Vec<usize>>,
    /// Whether the `limit=1` probe found children (`None`: not probed).
    has_children: Option<bool>,
    details: Option<Details>,
    expanded: bool,
}

impl Node {
    fn new(path: Path, parent: Option<usize>) -> Self {
        Node {
            path,
            parent,
            cluster: None,
            children: None,
            has_children: None,
            details: None,
            expanded: false,
        }
    }
}

/// One row on screen: text, and the node it selects (info rows select nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub text: String,
    pub node: Option<usize>,
}

/// The browser's state.
#[derive(Clone, Debug)]
pub struct Browser {
    nodes: Vec<Node>,
    selected: usize,
}

impl Browser {
    /// A browser at the top of `path` (its first segment), nothing loaded.
    pub fn new(path: &Path) -> Self {
        let top = Path::new(path.segments().next().unwrap_or_default());
        Browser {
            nodes: vec![Node::new(top, None)],
            selected: 0,
        }
    }

    /// The selected workspace.
    pub fn selected_path(&self) -> &Path {
        &self.nodes[self.selected].path
    }

    /// Loads and expands every node from the top down to `path`, and selects it.
    pub async fn open<A: KcpApi>(&mut self, api: &A, path: &Path) {
        let mut id = 0;
        self.load(api, id).await;
        self.nodes[id].expanded = true;
        for depth in 2..=path.segments().count() {
            let prefix = Path::new(path.segments().take(depth).collect::<Vec<_>>().join(":"));
            let existing = self.nodes[id]
                .children
                .iter()
                .flatten()
                .copied()
                .find(|&c| self.nodes[c].path == prefix);
            let child = existing.unwrap_or_else(|| {
                // Not listed (e.g. the parent may not be listed by this user): add it anyway.
                let c = self.push(Node::new(prefix.clone(), Some(id)));
                self.nodes[id].children.get_or_insert_with(Vec::new).push(c);
                c
            });
            id = child;
            self.load(api, id).await;
            self.nodes[id].expanded = true;
        }
        self.selected = id;
    }

    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Lists node `id`'s children (probing each for children of its own) and its APIs.
    pub async fn load<A: KcpApi>(&mut self, api: &A, id: usize) {
        let path = self.nodes[id].path.clone();
        let mut details = Details::default();
        let children: Vec<Workspace> = match list_children(api, &path).await {
            Ok(c) => c,
            Err(e) => {
                details.errors.push(format!("workspaces: {e}"));
                Vec::new()
            }
        };
        let mut ids = Vec::new();
        for ws in children {
            let child = child_path(&path, &ws);
            let has_children = if ws.spec.mount.is_some() {
                Some(false)
            } else {
                api.list_workspaces(&child, Some(1))
                    .await
                    .ok()
                    .map(|l| !l.is_empty())
            };
            let mut node = Node::new(child, Some(id));
            node.cluster = Some(ws.spec.cluster.clone()).filter(|c| !c.is_empty());
            node.has_children = has_children;
            ids.push(self.push(node));
        }
        self.nodes[id].has_children = Some(!ids.is_empty());
        self.nodes[id].children = Some(ids);

        details.cluster = match &self.nodes[id].cluster {
            Some(c) => Some(c.clone()),
            None => api
                .get_logical_cluster(&path)
                .await
                .ok()
                .and_then(|lc| lc.cluster().map(str::to_owned))
                .or_else(|| path.is_name().then(|| path.to_string())),
        };
        // A workspace without these APIs (404) or that hides them (403) simply has none.
        let ignore = |e: &crate::api::ApiError| e.is_not_found() || e.is_forbidden();
        match api.list_api_exports(&path).await {
            Ok(l) => details.exports = l.iter().map(|e| e.name().to_owned()).collect(),
            Err(e) if ignore(&e) => {}
            Err(e) => details.errors.push(format!("APIExports: {e}")),
        }
        match api.list_endpoint_slices(&path).await {
            Ok(l) => details.slices = l.iter().map(|e| e.name().to_owned()).collect(),
            Err(e) if ignore(&e) => {}
            Err(e) => details.errors.push(format!("APIExportEndpointSlices: {e}")),
        }
        match api.list_api_bindings(&path).await {
            Ok(l) => {
                details.bindings = l
                    .iter()
                    .map(|b| {
                        let export = b.spec.reference.export.clone().unwrap_or_default();
                        let export_path = if export.path.is_empty() {
                            path.to_string()
                        } else {
                            export.path
                        };
                        BindingInfo {
                            name: b.name().to_owned(),
                            export: format!("{export_path}:{}", export.name),
                            resources: b
                                .status
                                .bound_resources
                                .iter()
                                .map(|r| {
                                    if r.group.is_empty() {
                                        r.resource.clone()
                                    } else {
                                        format!("{}.{}", r.resource, r.group)
                                    }
                                })
                                .collect(),
                        }
                    })
                    .collect();
            }
            Err(e) if ignore(&e) => {}
            Err(e) => details.errors.push(format!("APIBindings: {e}")),
        }
        self.nodes[id].details = Some(details);
    }

    /// Handles a key.
    pub fn handle(&mut self, key: Key) -> Action {
        let id = self.selected;
        match key {
            Key::Quit => Action::Quit,
            Key::Enter => Action::Switch(self.nodes[id].path.clone()),
            Key::Up | Key::Down => {
                let order = self.visible_nodes();
                let at = order.iter().position(|&n| n == id).unwrap_or(0);
                let next = if key == Key::Up {
                    at.saturating_sub(1)
                } else {
                    (at + 1).min(order.len() - 1)
                };
                self.selected = order[next];
                Action::None
            }
            Key::Expand => self.expand(id),
            Key::Toggle if self.nodes[id].expanded => {
                self.nodes[id].expanded = false;
                Action::None
            }
            Key::Toggle => self.expand(id),
            Key::Collapse if self.nodes[id].expanded => {
                self.nodes[id].expanded = false;
                Action::None
            }
            Key::Collapse | Key::Parent => {
                if let Some(parent) = self.nodes[id].parent {
                    self.selected = parent;
                }
                Action::None
            }
        }
    }

    fn expand(&mut self, id: usize) -> Action {
        self.nodes[id].expanded = true;
        if self.nodes[id].details.is_none() {
            Action::Load(id)
        } else {
            Action::None
        }
    }

    /// The nodes on screen, top to bottom.
    fn visible_nodes(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.walk(0, &mut out);
        out
    }

    fn walk(&self, id: usize, out: &mut Vec<usize>) {
        out.push(id);
        let node = &self.nodes[id];
        if node.expanded {
            for &c in node.children.iter().flatten() {
                self.walk(c, out);
            }
        }
    }

    /// The rows to show: each node, and under an expanded one its details then its children.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        self.node_rows(0, 0, &mut rows);
        rows
    }

    fn node_rows(&self, id: usize, depth: usize, rows: &mut Vec<Row>) {
        let node = &self.nodes[id];
        let indent = "  ".repeat(depth);
        let leaf = node.has_children == Some(false);
        let marker = match (node.expanded, leaf) {
            (true, false) => "▾",
            (false, false) => "▸",
            (true, true) => "▿",
            (false, true) => "▹",
        };
        rows.push(Row {
            text: format!("{indent}{marker} {}", node.path.base()),
            node: Some(id),
        });
        if !node.expanded {
            return;
        }
        let info = |text: String| Row { text, node: None };
        let pad = format!("{indent}    ");
        match &node.details {
            None => rows.push(info(format!("{pad}Loading…"))),
            Some(d) => {
                if let Some(c) = &d.cluster {
                    rows.push(info(format!("{pad}cluster:{c}")));
                }
                for e in &d.errors {
                    rows.push(info(format!("{pad}error: {e}")));
                }
                for (title, names) in [
                    ("APIExports", &d.exports),
                    ("APIExportEndpointSlices", &d.slices),
                ] {
                    if !names.is_empty() {
                        rows.push(info(format!("{pad}{title} ({})", names.len())));
                        for n in names {
                            rows.push(info(format!("{pad}  • {n}")));
                        }
                    }
                }
                if !d.bindings.is_empty() {
                    rows.push(info(format!("{pad}APIBindings ({})", d.bindings.len())));
                    for b in &d.bindings {
                        rows.push(info(format!("{pad}  • {} → {}", b.name, b.export)));
                        for r in &b.resources {
                            rows.push(info(format!("{pad}      {r}")));
                        }
                    }
                }
            }
        }
        for &c in node.children.iter().flatten() {
            self.node_rows(c, depth + 1, rows);
        }
    }

    /// Draws the browser into `frame`.
    pub fn draw(&self, frame: &mut Frame<'_>) {
        let [tree, help, prompt] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        let rows = self.rows();
        let selected_row = rows.iter().position(|r| r.node == Some(self.selected));
        let items: Vec<ListItem<'_>> = rows
            .into_iter()
            .map(|r| {
                let line = Line::from(r.text);
                ListItem::new(if r.node.is_some() { line } else { line.dim() })
            })
            .collect();
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {TITLE} "))
            .title_bottom(format!(" {} ", self.selected_path()));
        let list = List::new(items)
            .block(block)
            .highlight_style(Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD));
        let mut state = ListState::default().with_selected(selected_row);
        frame.render_stateful_widget(list, tree, &mut state);
        frame.render_widget(Paragraph::new(HELP).dim(), help);
        frame.render_widget(Paragraph::new(PROMPT), prompt);
    }
}

/// `kubectl ws -i`: browse on the terminal; Enter switches like `kubectl ws use :<path>`.
pub async fn run_interactive<A: KcpApi>(s: &mut Session<A>, o: &mut Output<'_>) -> Result<()> {
    let current = s.workspace()?;
    if !std::io::stdout().is_terminal() {
        return Err(CliError::NotATerminal);
    }
    let mut browser = Browser::new(&current.path);
    browser.open(&s.api, &current.path).await;

    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            // Undo whatever part of the set-up succeeded (raw mode, alternate screen).
            let _ = ratatui::try_restore();
            return Err(e.into());
        }
    };
    let chosen = browse(&mut terminal, &mut browser, &s.api).await;
    ratatui::try_restore()?;
    match chosen? {
        Some(path) => use_workspace(s, &format!(":{path}"), false, o).await,
        None => Ok(()),
    }
}

/// The event loop: returns the workspace chosen with Enter, or `None` on quit.
async fn browse<A: KcpApi>(
    terminal: &mut ratatui::DefaultTerminal,
    browser: &mut Browser,
    api: &A,
) -> Result<Option<Path>> {
    loop {
        terminal.draw(|f| browser.draw(f))?;
        // Reading the terminal blocks; keep it off the async threads.
        let ev = tokio::task::spawn_blocking(event::read)
            .await
            .map_err(std::io::Error::other)??;
        let Event::Key(key) = ev else { continue };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        let Some(key) = Key::from_event(key.code, key.modifiers) else {
            continue;
        };
        match browser.handle(key) {
            Action::None => {}
            Action::Load(id) => {
                terminal.draw(|f| browser.draw(f))?;
                browser.load(api, id).await;
            }
            Action::Switch(path) => return Ok(Some(path)),
            Action::Quit => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeApi;
    use kcp_api::apis::v1alpha1::APIExportEndpointSlice;
    use kcp_api::apis::v1alpha2::{APIBinding, APIExport};
    use kcp_api::apis::{BoundAPIResource, ExportBindingReference};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn api() -> FakeApi {
        let api = FakeApi::tree(&[
            ("root:org", "root:organization"),
            ("root:org:team", "root:universal"),
            ("root:other", "root:organization"),
        ]);
        api.add_export("root:org", APIExport::named("mongodb-v1"));
        api.add_slice("root:org", APIExportEndpointSlice::named("mongodb-v1"));
        let mut b = APIBinding::named("tenancy.kcp.io");
        b.spec.reference.export = Some(ExportBindingReference {
            path: "root".into(),
            name: "tenancy.kcp.io".into(),
        });
        b.status.bound_resources = vec![BoundAPIResource {
            group: "tenancy.kcp.io".into(),
            resource: "workspaces".into(),
            ..Default::default()
        }];
        api.add_binding("root:org", b);
        api
    }

    fn texts(b: &Browser) -> Vec<String> {
        b.rows().into_iter().map(|r| r.text).collect()
    }

    #[tokio::test]
    async fn opens_down_to_the_current_workspace() {
        let api = api();
        let mut b = Browser::new(&Path::new("root:org"));
        b.open(&api, &Path::new("root:org")).await;
        assert_eq!(b.selected_path().as_str(), "root:org");
        assert_eq!(
            texts(&b),
            [
                "▾ root",
                "    cluster:root",
                "  ▾ org",
                "      cluster:lc-root-org",
                "      APIExports (1)",
                "        • mongodb-v1",
                "      APIExportEndpointSlices (1)",
                "        • mongodb-v1",
                "      APIBindings (1)",
                "        • tenancy.kcp.io → root:tenancy.kcp.io",
                "            workspaces.tenancy.kcp.io",
                "    ▹ team",
                "  ▹ other",
            ]
        );
    }

    #[tokio::test]
    async fn keys_navigate_expand_and_switch() {
        let api = api();
        let mut b = Browser::new(&Path::root());
        b.open(&api, &Path::root()).await;
        assert_eq!(
            texts(&b),
            ["▾ root", "    cluster:root", "  ▸ org", "  ▹ other"]
        );
        assert_eq!(b.handle(Key::Down), Action::None);
        assert_eq!(b.selected_path().as_str(), "root:org");
        let Action::Load(id) = b.handle(Key::Expand) else {
            panic!("first expansion loads")
        };
        assert_eq!(texts(&b)[3], "      Loading…");
        b.load(&api, id).await;
        assert!(texts(&b).contains(&"    ▹ team".to_owned()));
        assert_eq!(b.handle(Key::Down), Action::None);
        assert_eq!(b.selected_path().as_str(), "root:org:team");
        assert_eq!(
            b.handle(Key::Collapse),
            Action::None,
            "a collapsed node goes up"
        );
        assert_eq!(b.selected_path().as_str(), "root:org");
        assert_eq!(b.handle(Key::Toggle), Action::None);
        assert_eq!(
            texts(&b),
            ["▾ root", "    cluster:root", "  ▸ org", "  ▹ other"]
        );
        assert_eq!(b.handle(Key::Toggle), Action::None, "already loaded");
        assert_eq!(b.handle(Key::Parent), Action::None);
        assert_eq!(b.selected_path().as_str(), "root");
        assert_eq!(b.handle(Key::Up), Action::None, "stays at the top");
        assert_eq!(b.handle(Key::Enter), Action::Switch(Path::root()));
        assert_eq!(b.handle(Key::Quit), Action::Quit);
    }

    #[test]
    fn key_bindings() {
        let k = |c| Key::from_event(c, KeyModifiers::NONE);
        assert_eq!(k(KeyCode::Char('k')), Some(Key::Up));
        assert_eq!(k(KeyCode::Char('j')), Some(Key::Down));
        assert_eq!(k(KeyCode::Char('l')), Some(Key::Expand));
        assert_eq!(k(KeyCode::Char(' ')), Some(Key::Toggle));
        assert_eq!(k(KeyCode::Char('h')), Some(Key::Collapse));
        assert_eq!(k(KeyCode::Backspace), Some(Key::Parent));
        assert_eq!(k(KeyCode::Esc), Some(Key::Quit));
        assert_eq!(k(KeyCode::Char('c')), None);
        assert_eq!(
            Key::from_event(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Key::Quit)
        );
    }

    #[tokio::test]
    async fn draws_title_help_and_prompt() {
        let api = api();
        let mut b = Browser::new(&Path::new("root:org"));
        b.open(&api, &Path::new("root:org")).await;
        let mut terminal = Terminal::new(TestBackend::new(70, 20)).unwrap();
        terminal.draw(|f| b.draw(f)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let lines: Vec<String> = (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_owned())
                    .collect::<String>()
            })
            .collect();
        assert!(lines[0].contains(" kcp Workspaces "), "{lines:#?}");
        assert!(lines[1].contains("▾ root"), "{lines:#?}");
        assert!(lines[17].contains(" root:org "), "{lines:#?}");
        assert_eq!(lines[18].trim_end(), HELP);
        assert_eq!(lines[19].trim_end(), PROMPT);
    }
}
