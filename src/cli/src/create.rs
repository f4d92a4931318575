//! `kubectl create-workspace NAME` and the deprecated `kubectl ws create NAME`
//! (`reference/kcp.md` §5.4): create a Workspace in the current workspace, wait until it is Ready,
//! then optionally add a kubeconfig context for it (`--create-context`) and enter it (`--enter`).

use std::time::Duration;

use kcp_api::Path;
use kcp_api::core::LogicalClusterPhase;
use kcp_api::tenancy::{Workspace, WorkspaceLocation, WorkspaceTypeReference};

use crate::api::KcpApi;
use crate::create_context::context_message;
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::selector::parse_label_selector;
use crate::session::Session;
use crate::use_workspace::switch_to;

/// Printed on stderr by `kubectl ws create` (cobra's deprecation notice).
pub const CREATE_DEPRECATED: &str = "Command \"create\" is deprecated, install the 'kubectl create workspace' plugin instead, compare https://docs.kcp.io/kcp/latest/setup/kubectl-plugin/.";

/// How often to look for the new workspace until it is visible, and for how long.
const VISIBLE_INTERVAL: Duration = Duration::from_millis(100);
const VISIBLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How often to look for the Ready phase, and for how long.
const READY_INTERVAL: Duration = Duration::from_millis(500);
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The flags of `create-workspace`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct CreateArgs {
    /// The name of the workspace to create.
    pub name: String,
    /// A workspace type: `name` (resolved by the server) or `path:name`, e.g. `root:universal`.
    #[arg(long = "type", value_name = "TYPE")]
    pub workspace_type: Option<String>,
    /// Switch to the workspace once it is ready.
    #[arg(long)]
    pub enter: bool,
    /// Succeed if the workspace already exists (with the same type).
    #[arg(long)]
    pub ignore_existing: bool,
    /// A label selector over shards to schedule the workspace on.
    #[arg(long, value_name = "SELECTOR")]
    pub location_selector: Option<String>,
    /// Create a kubeconfig context of this name for the workspace.
    #[arg(long, value_name = "NAME")]
    pub create_context: Option<String>,
    /// Create it in this workspace instead of the current one (`:absolute` or relative).
    #[arg(short = 'w', long, value_name = "PATH")]
    pub workspace: Option<String>,
}

/// The Workspace to POST and the checks to make afterwards, from validated flags.
#[derive(Clone, Debug, PartialEq)]
pub struct CreatePlan {
    pub workspace: Workspace,
    /// The type asked for with `--type`, if any.
    pub wanted_type: Option<WorkspaceTypeReference>,
}

/// `--type`: `name` or `path:name`, the name lower-cased.
pub fn parse_type(s: &str) -> Result<WorkspaceTypeReference> {
    let (path, name) = s.rsplit_once(':').unwrap_or(("", s));
    let name = name.to_lowercase();
    if name.is_empty() || (!path.is_empty() && !Path::new(path).is_valid()) {
        return Err(CliError::InvalidType(s.to_owned()));
    }
    Ok(WorkspaceTypeReference::new(path, &name))
}

/// Validates the flags into the Workspace to create.
pub fn plan(args: &CreateArgs) -> Result<CreatePlan> {
    let wanted_type = args.workspace_type.as_deref().map(parse_type).transpose()?;
    if args.ignore_existing
        && let Some(t) = &wanted_type
        && !(t.path == "root" || t.path.starts_with("root:"))
    {
        return Err(CliError::IgnoreExistingNeedsAbsoluteType);
    }
    let mut workspace = Workspace::named(&args.name);
    workspace.spec.type_ = wanted_type.clone();
    if let Some(sel) = args.location_selector.as_deref().filter(|s| !s.is_empty()) {
        let selector = parse_label_selector(sel).map_err(|reason| CliError::InvalidSelector {
            selector: sel.to_owned(),
            reason,
        })?;
        workspace.spec.location = Some(WorkspaceLocation {
            selector: Some(selector),
        });
    }
    Ok(CreatePlan {
        workspace,
        wanted_type,
    })
}

/// `Workspace "<name>" (type <path>:<name>)`.
fn subject(ws: &Workspace) -> String {
    match &ws.spec.type_ {
        Some(t) => format!("Workspace {:?} (type {t})", ws.name()),
        None => format!("Workspace {:?}", ws.name()),
    }
}

fn is_ready(ws: &Workspace) -> bool {
    ws.status.phase == Some(LogicalClusterPhase::Ready)
}

/// `kubectl create-workspace`.
pub async fn create_workspace<A: KcpApi>(
    s: &mut Session<A>,
    args: &CreateArgs,
    o: &mut Output<'_>,
) -> Result<()> {
    let plan = plan(args)?;
    s.retarget(args.workspace.as_deref())?;
    let current = s.workspace()?;
    let name = plan.workspace.name().to_owned();

    let (ws, existed) = match s.api.create_workspace(&current.path, &plan.workspace).await {
        Ok(ws) => (ws, false),
        Err(e) if e.is_already_exists() && args.ignore_existing => {
            let existing = s.api.get_workspace(&current.path, &name).await?;
            if let Some(wanted) = &plan.wanted_type
                && existing.spec.type_.as_ref() != Some(wanted)
            {
                return Err(CliError::WorkspaceTypeMismatch {
                    name,
                    wanted: wanted.to_string(),
                    existing: existing
                        .spec
                        .type_
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                });
            }
            (existing, true)
        }
        Err(e) => return Err(e.into()),
    };

    let subject = subject(&ws);
    let ready = is_ready(&ws);
    match (existed, ready) {
        (false, false) => writeln!(o.out, "{subject} created. Waiting for it to be ready...")?,
        (false, true) => writeln!(o.out, "{subject} created.")?,
        (true, false) => writeln!(
            o.out,
            "{subject} already exists. Waiting for it to be ready..."
        )?,
        (true, true) => writeln!(o.out, "{subject} already exists.")?,
    }
    let ws = if ready {
        ws
    } else {
        let ws = wait_ready(&s.api, &current.path, &name).await?;
        writeln!(o.out, "{subject} is ready to use.")?;
        ws
    };

    let target = current.path.join(&name);
    if let Some(context) = &args.create_context {
        let url = if ws.spec.url.is_empty() {
            current.with_path(target.clone()).url()
        } else {
            ws.spec.url.clone()
        };
        let existed = s
            .kubeconfig
            .create_context(&s.context, context, &url, args.enter)?;
        s.kubeconfig.save()?;
        writeln!(o.out, "{}", context_message(context, existed, args.enter))?;
        if args.enter {
            s.now_current(context, url);
        }
    } else if args.enter {
        switch_to(s, target, false, o).await?;
    }
    Ok(())
}

/// Polls until the workspace can be read (authorization caches may lag behind the create),
/// then until it is Ready.
async fn wait_ready<A: KcpApi>(api: &A, parent: &Path, name: &str) -> Result<Workspace> {
    let visible_deadline = tokio::time::Instant::now() + VISIBLE_TIMEOUT;
    let mut ws = loop {
        match api.get_workspace(parent, name).await {
            Ok(ws) => break ws,
            Err(e) if tokio::time::Instant::now() >= visible_deadline => return Err(e.into()),
            Err(_) => tokio::time::sleep(VISIBLE_INTERVAL).await,
        }
    };
    let ready_deadline = tokio::time::Instant::now() + READY_TIMEOUT;
    while !is_ready(&ws) {
        if tokio::time::Instant::now() >= ready_deadline {
            return Err(CliError::Timeout(format!(
                "workspace {name:?} did not become ready within {}s",
                READY_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(READY_INTERVAL).await;
        ws = api.get_workspace(parent, name).await?;
    }
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeApi, session};
    use crate::kubeconfig::CURRENT_CONTEXT;
    use crate::output::Captured;

    fn args(name: &str) -> CreateArgs {
        CreateArgs {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn type_flag() {
        assert_eq!(
            parse_type("Organization").unwrap(),
            WorkspaceTypeReference::new("", "organization")
        );
        assert_eq!(
            parse_type("root:Universal").unwrap(),
            WorkspaceTypeReference::new("root", "universal")
        );
        assert_eq!(
            parse_type("root:org:team").unwrap(),
            WorkspaceTypeReference::new("root:org", "team")
        );
        assert!(parse_type("root:").is_err());
        assert!(parse_type("Root:x").is_err());
    }

    #[test]
    fn ignore_existing_needs_an_absolute_type() {
        let mut a = args("x");
        a.ignore_existing = true;
        assert!(plan(&a).is_ok(), "no type is fine");
        a.workspace_type = Some("root:universal".into());
        assert!(plan(&a).is_ok());
        a.workspace_type = Some("root:org:team".into());
        assert!(plan(&a).is_ok());
        for t in ["universal", "org:team", "rooted:x"] {
            a.workspace_type = Some(t.into());
            assert_eq!(
                plan(&a).unwrap_err().to_string(),
                "--ignore-existing must not be used with non-absolute type path",
                "{t}"
            );
        }
        a.ignore_existing = false;
        a.workspace_type = Some("universal".into());
        assert!(plan(&a).is_ok());
    }

    #[test]
    fn plan_builds_the_workspace() {
        let mut a = args("team-a");
        a.workspace_type = Some("root:Organization".into());
        a.location_selector = Some("region=eu".into());
        let p = plan(&a).unwrap();
        let json = serde_json::to_value(&p.workspace).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "apiVersion": "tenancy.kcp.io/v1alpha1",
                "kind": "Workspace",
                "metadata": {"name": "team-a"},
                "spec": {
                    "type": {"name": "organization", "path": "root"},
                    "location": {"selector": {"matchLabels": {"region": "eu"}}}
                },
                "status": {}
            })
        );
        a.location_selector = Some("region in (".into());
        assert!(
            plan(&a)
                .unwrap_err()
                .to_string()
                .starts_with("invalid location selector \"region in (\": ")
        );
    }

    async fn create(s: &mut Session<FakeApi>, a: &CreateArgs) -> (Result<()>, Captured) {
        let mut c = Captured::default();
        let r = create_workspace(s, a, &mut c.output()).await;
        (r, c)
    }

    #[tokio::test(start_paused = true)]
    async fn creates_and_waits() {
        let mut s = session("root", FakeApi::tree(&[]));
        s.api.state.borrow_mut().ready_after_gets = 3;
        let (r, c) = create(&mut s, &args("team-a")).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "Workspace \"team-a\" (type root:organization) created. Waiting for it to be ready...\nWorkspace \"team-a\" (type root:organization) is ready to use.\n"
        );
        // Still in root.
        assert_eq!(s.server, "https://h/clusters/root");
        let gets = s
            .api
            .requests()
            .iter()
            .filter(|r| r.as_str() == "GET root workspaces/team-a")
            .count();
        assert_eq!(gets, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn existing_workspaces() {
        let mut s = session(
            "root",
            FakeApi::tree(&[("root:team-a", "root:organization")]),
        );
        let (r, _) = create(&mut s, &args("team-a")).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "workspaces.tenancy.kcp.io \"team-a\" already exists"
        );
        let mut a = args("team-a");
        a.ignore_existing = true;
        let (r, c) = create(&mut s, &a).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "Workspace \"team-a\" (type root:organization) already exists.\n"
        );
        a.workspace_type = Some("root:universal".into());
        let (r, _) = create(&mut s, &a).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "workspace \"team-a\" cannot be created with type root:universal, it already exists with different type root:organization"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn enter_switches_to_it() {
        let mut s = session("root", FakeApi::tree(&[]));
        let mut a = args("team-a");
        a.enter = true;
        let (r, c) = create(&mut s, &a).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "\
Workspace \"team-a\" (type root:organization) created. Waiting for it to be ready...
Workspace \"team-a\" (type root:organization) is ready to use.
Current workspace is 'root:team-a' (type root:organization).
"
        );
        assert_eq!(s.server, "https://h/clusters/root:team-a");
        assert_eq!(s.kubeconfig.current_context(), Some(CURRENT_CONTEXT));
        // Inside an organization the default type is universal.
        let (r, c) = create(&mut s, &args("dev")).await;
        r.unwrap();
        assert!(
            c.stdout()
                .starts_with("Workspace \"dev\" (type root:universal) created.")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn create_context_with_and_without_enter() {
        let mut s = session("root", FakeApi::tree(&[]));
        let mut a = args("team-a");
        a.create_context = Some("team-a".into());
        let (r, c) = create(&mut s, &a).await;
        r.unwrap();
        assert!(
            c.stdout()
                .ends_with("is ready to use.\nCreated context \"team-a\".\n")
        );
        assert_eq!(s.kubeconfig.current_context(), Some("root"));

        let mut a = args("team-b");
        a.create_context = Some("team-b".into());
        a.enter = true;
        let (r, c) = create(&mut s, &a).await;
        r.unwrap();
        assert!(
            c.stdout()
                .ends_with("Created context \"team-b\" and switched to it.\n")
        );
        assert_eq!(s.kubeconfig.current_context(), Some("team-b"));
        assert_eq!(s.server, "https://h/clusters/root:team-b");
    }

    #[tokio::test(start_paused = true)]
    async fn workspace_flag_creates_elsewhere() {
        let mut s = session("root", FakeApi::tree(&[("root:org", "root:organization")]));
        let mut a = args("team");
        a.workspace = Some("org".into());
        let (r, c) = create(&mut s, &a).await;
        r.unwrap();
        assert!(
            c.stdout()
                .starts_with("Workspace \"team\" (type root:universal) created.")
        );
        assert!(
            s.api
                .requests()
                .contains(&"POST root:org workspaces/team".to_owned())
        );
        let mut s = session("root", FakeApi::tree(&[]));
        let mut a = args("x");
        a.workspace = Some("..".into());
        let (r, _) = create(&mut s, &a).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "cannot go above the root workspace"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_when_never_ready() {
        let mut s = session("root", FakeApi::tree(&[]));
        s.api.state.borrow_mut().ready_after_gets = u32::MAX;
        let (r, c) = create(&mut s, &args("stuck")).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "workspace \"stuck\" did not become ready within 60s"
        );
        assert_eq!(
            c.stdout(),
            "Workspace \"stuck\" (type root:organization) created. Waiting for it to be ready...\n"
        );
    }
}
