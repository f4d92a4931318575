//! `kubectl ws tree [--full] [--wide]` (`reference/kcp.md` §5.5): the workspaces under the current
//! one, found by listing `workspaces` in each workspace (a 404 makes a leaf), printed as a tree:
//!
//! ```text
//! .
//! └── root
//!     ├── platform-team
//!     └── team-a
//!
//! ```

use std::future::Future;
use std::pin::Pin;

use kcp_api::Path;
use kcp_api::tenancy::Workspace;

use crate::api::KcpApi;
use crate::error::Result;
use crate::output::Output;
use crate::session::Session;
use crate::tabwriter;
use crate::workspace_url::WorkspaceUrl;

/// A node of the printed tree: its label and children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeNode {
    pub label: String,
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// A node without children.
    pub fn leaf(label: impl Into<String>) -> Self {
        TreeNode {
            label: label.into(),
            children: Vec::new(),
        }
    }
}

/// How labels are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TreeOptions {
    /// `--full`: full paths instead of names.
    pub full: bool,
    /// `--wide`: workspace and logical-cluster phases after each name.
    pub wide: bool,
}

/// Renders `root` below a `.` line with box-drawing edges, then a blank line.
pub fn render(root: &TreeNode) -> String {
    let mut out = String::from(".\n");
    render_children(std::slice::from_ref(root), "", &mut out);
    out.push('\n');
    out
}

fn render_children(nodes: &[TreeNode], prefix: &str, out: &mut String) {
    for (i, node) in nodes.iter().enumerate() {
        let last = i + 1 == nodes.len();
        out.push_str(prefix);
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&node.label);
        out.push('\n');
        let child_prefix = format!("{prefix}{}", if last { "    " } else { "│   " });
        render_children(&node.children, &child_prefix, out);
    }
}

/// The label of a workspace node.
async fn label<A: KcpApi>(
    api: &A,
    path: &Path,
    workspace: Option<&Workspace>,
    opts: TreeOptions,
) -> String {
    let mut name = if opts.full {
        path.to_string()
    } else {
        path.base().to_owned()
    };
    let mounted = workspace.is_some_and(|w| w.spec.mount.is_some());
    if mounted {
        name.push_str(" [m]");
    }
    if !opts.wide {
        return name;
    }
    let ws_phase = workspace
        .and_then(|w| w.status.phase)
        .map_or_else(|| "-".to_owned(), |p| p.to_string());
    let lc_phase = if mounted {
        None
    } else {
        api.get_logical_cluster(path)
            .await
            .ok()
            .and_then(|lc| lc.status.phase)
    };
    let lc_phase = lc_phase.map_or_else(|| "Unknown".to_owned(), |p| p.to_string());
    format!("{name}\tws={ws_phase}\tlc={lc_phase}")
}

/// The path a child workspace is reached at: its `spec.URL`'s path, else `parent:name`.
pub fn child_path(parent: &Path, ws: &Workspace) -> Path {
    WorkspaceUrl::parse(&ws.spec.url)
        .map(|u| u.path)
        .unwrap_or_else(|| parent.join(ws.name()))
}

/// The children of `path` that are not being deleted, by name; a 404 means none.
pub async fn list_children<A: KcpApi>(api: &A, path: &Path) -> Result<Vec<Workspace>> {
    let mut children = match api.list_workspaces(path, None).await {
        Ok(l) => l,
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    children.retain(|w| w.metadata.deletion_timestamp.is_none());
    children.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(children)
}

/// Builds the tree under `path` (whose own Workspace object, if known, is `workspace`).
pub fn build<'a, A: KcpApi>(
    api: &'a A,
    path: Path,
    workspace: Option<Workspace>,
    opts: TreeOptions,
) -> Pin<Box<dyn Future<Output = Result<TreeNode>> + 'a>> {
    Box::pin(async move {
        let label = label(api, &path, workspace.as_ref(), opts).await;
        if workspace.as_ref().is_some_and(|w| w.spec.mount.is_some()) {
            return Ok(TreeNode::leaf(label));
        }
        let mut children = Vec::new();
        for child in list_children(api, &path).await? {
            let p = child_path(&path, &child);
            children.push(build(api, p, Some(child), opts).await?);
        }
        Ok(TreeNode { label, children })
    })
}

/// `kubectl ws tree`.
pub async fn run_tree<A: KcpApi>(
    s: &Session<A>,
    opts: TreeOptions,
    o: &mut Output<'_>,
) -> Result<()> {
    let Some(current) = WorkspaceUrl::parse(&s.server) else {
        writeln!(
            o.out,
            "current context URL {:?} does not point directly to a kcp workspace",
            s.server
        )?;
        return Ok(());
    };
    let tree = build(&s.api, current.path, None, opts).await?;
    let text = render(&tree);
    let text = if opts.wide {
        tabwriter::align(&text)
    } else {
        text
    };
    o.out.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeApi, session};
    use crate::output::Captured;
    use kcp_api::core::LogicalClusterPhase;

    #[test]
    fn renders_like_kcp() {
        let tree = TreeNode {
            label: "root".into(),
            children: vec![TreeNode::leaf("platform-team"), TreeNode::leaf("team-a")],
        };
        assert_eq!(
            render(&tree),
            ".\n└── root\n    ├── platform-team\n    └── team-a\n\n"
        );
    }

    #[test]
    fn renders_nested_edges() {
        let tree = TreeNode {
            label: "root".into(),
            children: vec![
                TreeNode {
                    label: "a".into(),
                    children: vec![TreeNode::leaf("a1"), TreeNode::leaf("a2")],
                },
                TreeNode {
                    label: "b".into(),
                    children: vec![TreeNode {
                        label: "b1".into(),
                        children: vec![TreeNode::leaf("b1x")],
                    }],
                },
            ],
        };
        assert_eq!(
            render(&tree),
            "\
.
└── root
    ├── a
    │   ├── a1
    │   └── a2
    └── b
        └── b1
            └── b1x

"
        );
        assert_eq!(render(&TreeNode::leaf("root")), ".\n└── root\n\n");
    }

    fn api() -> FakeApi {
        let api = FakeApi::tree(&[
            ("root:team-a", "root:organization"),
            ("root:platform-team", "root:organization"),
            ("root:team-a:dev", "root:universal"),
        ]);
        api.add(
            "root:new",
            "root:organization",
            LogicalClusterPhase::Initializing,
        );
        // A mounted workspace is a leaf.
        let mut mounted = Workspace::named("mounted");
        mounted.spec.mount = Some(Default::default());
        api.state
            .borrow_mut()
            .clusters
            .get_mut("root:team-a")
            .unwrap()
            .workspaces
            .push(mounted);
        // One being deleted is skipped.
        let mut gone = Workspace::named("gone");
        gone.metadata.deletion_timestamp =
            Some(serde_json::from_value(serde_json::json!("2026-01-01T00:00:00Z")).unwrap());
        api.state
            .borrow_mut()
            .clusters
            .get_mut("root")
            .unwrap()
            .workspaces
            .push(gone);
        api
    }

    async fn tree(path: &str, opts: TreeOptions) -> String {
        let s = session(path, api());
        let mut c = Captured::default();
        run_tree(&s, opts, &mut c.output()).await.unwrap();
        c.stdout()
    }

    #[tokio::test]
    async fn lists_recursively() {
        assert_eq!(
            tree("root", TreeOptions::default()).await,
            "\
.
└── root
    ├── new
    ├── platform-team
    └── team-a
        ├── dev
        └── mounted [m]

"
        );
        assert_eq!(
            tree("root:team-a", TreeOptions::default()).await,
            ".\n└── team-a\n    ├── dev\n    └── mounted [m]\n\n"
        );
    }

    #[tokio::test]
    async fn full_paths() {
        assert_eq!(
            tree(
                "root:team-a",
                TreeOptions {
                    full: true,
                    wide: false
                }
            )
            .await,
            ".\n└── root:team-a\n    ├── root:team-a:dev\n    └── root:team-a:mounted [m]\n\n"
        );
    }

    #[tokio::test]
    async fn wide_shows_phases_aligned() {
        assert_eq!(
            tree(
                "root",
                TreeOptions {
                    full: false,
                    wide: true
                }
            )
            .await,
            "\
.
└── root                  ws=-              lc=Ready
    ├── new               ws=Initializing   lc=Initializing
    ├── platform-team     ws=Ready          lc=Ready
    └── team-a            ws=Ready          lc=Ready
        ├── dev           ws=Ready          lc=Ready
        └── mounted [m]   ws=-              lc=Unknown

"
        );
    }

    #[tokio::test]
    async fn not_a_workspace_url() {
        let mut s = session("root", api());
        s.server = "https://h".into();
        let mut c = Captured::default();
        run_tree(&s, TreeOptions::default(), &mut c.output())
            .await
            .unwrap();
        assert_eq!(
            c.stdout(),
            "current context URL \"https://h\" does not point directly to a kcp workspace\n"
        );
    }
}
