//! `kubectl ws [<arg>]`, `kubectl ws use <arg>` and `kubectl ws current` (`reference/kcp.md`
//! §5.2, §5.6): read the argument ([`crate::navigation`]), find the target path (asking the server
//! for `~`), check that the target exists and is accessible, point the kubeconfig at it
//! ([`crate::kubeconfig`]), warn about APIBinding permission claims that need attention, and print
//! where the user is now.

use kcp_api::Path;
use kcp_api::tenancy::WorkspaceTypeReference;

use crate::api::KcpApi;
use crate::claims::print_claim_warnings;
use crate::error::{CliError, Result};
use crate::kubeconfig::CURRENT_CONTEXT;
use crate::navigation::{HOME_NOTE, ROOT_NOTE, Target, parse_argument, resolve_use};
use crate::output::Output;
use crate::session::Session;
use crate::workspace_url::WorkspaceUrl;

/// `kubectl ws <arg>` / `kubectl ws use <arg>`; an empty `arg` goes home.
pub async fn use_workspace<A: KcpApi>(
    s: &mut Session<A>,
    arg: &str,
    short: bool,
    o: &mut Output<'_>,
) -> Result<()> {
    let arg = parse_argument(arg, s.home.as_deref(), short);
    if arg.root_note {
        writeln!(o.err, "{ROOT_NOTE}")?;
    }
    match arg.target {
        Target::Current => print_current(s, short, o)?,
        Target::Previous => {
            if !s.kubeconfig.swap_previous(&s.context)? {
                return Err(CliError::NoPreviousWorkspace);
            }
            s.kubeconfig.save()?;
            let server = s.server_of_current_context();
            s.now_current(CURRENT_CONTEXT, server);
            print_current(s, short, o)?;
        }
        Target::Top => {
            let current = s.workspace()?;
            let top = Path::new(current.path.segments().next().unwrap_or_default());
            commit(s, &current.with_path(top))?;
            print_current(s, short, o)?;
        }
        Target::Home(rest) => {
            let home = s.home_workspace().await?;
            let target = match rest {
                Some(rest) => resolve_use(&home, &rest)?,
                None => home,
            };
            switch_to(s, target, short, o).await?;
        }
        Target::Path(p) => {
            let current = s.workspace()?;
            let target = resolve_use(&current.path, &p)?;
            switch_to(s, target, short, o).await?;
        }
    }
    if arg.home_note {
        writeln!(o.err, "{HOME_NOTE}")?;
    }
    Ok(())
}

/// `kubectl ws .` / `kubectl ws current`: where the kubeconfig points now.
pub fn print_current<A>(s: &Session<A>, short: bool, o: &mut Output<'_>) -> Result<()> {
    match (WorkspaceUrl::parse(&s.server), short) {
        (Some(u), true) => writeln!(o.out, "{}", u.path)?,
        (Some(u), false) => writeln!(o.out, "{}", current_line(&u.path, None))?,
        (None, true) => {}
        (None, false) => writeln!(o.out, "Current workspace is the URL {:?}.", s.server)?,
    }
    Ok(())
}

/// `Current workspace is '<path>' (type <type>).`, without the type part when it is unknown.
pub fn current_line(path: &Path, ty: Option<&WorkspaceTypeReference>) -> String {
    match ty {
        Some(ty) => format!("Current workspace is '{path}' (type {ty})."),
        None => format!("Current workspace is '{path}'."),
    }
}

/// Checks `target`, points the kubeconfig at it, warns about claims and prints the new current
/// workspace with its type (§5.2 steps 9–12). Also what `create --enter` does.
pub async fn switch_to<A: KcpApi>(
    s: &mut Session<A>,
    target: Path,
    short: bool,
    o: &mut Output<'_>,
) -> Result<()> {
    let current = s.workspace()?;
    let ty = check_access(&s.api, &target).await?;
    commit(s, &current.with_path(target.clone()))?;
    print_claim_warnings(&s.api, &target, o).await?;
    if short {
        writeln!(o.out, "{target}")?;
    } else {
        writeln!(o.out, "{}", current_line(&target, ty.as_ref()))?;
    }
    Ok(())
}

/// Points the kubeconfig at `url` (§5.3) and writes it.
fn commit<A>(s: &mut Session<A>, url: &WorkspaceUrl) -> Result<()> {
    let server = url.url();
    s.kubeconfig.switch_server(&s.context, &server)?;
    s.kubeconfig.save()?;
    s.now_current(CURRENT_CONTEXT, server);
    Ok(())
}

/// What the existence check learnt about a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Discovery answered with API groups.
    Allowed,
    /// Discovery was forbidden or showed no groups.
    Denied,
}

/// §5.2 step 9: discovery of `target`, then (except for `root`) its Workspace object in the
/// parent. Returns the workspace's type when it is known.
async fn check_access<A: KcpApi>(api: &A, target: &Path) -> Result<Option<WorkspaceTypeReference>> {
    let discovery = api.discovery(target).await?;
    let access = if discovery.forbidden || discovery.groups == 0 {
        Access::Denied
    } else {
        Access::Allowed
    };
    if *target == Path::root() {
        return match access {
            Access::Allowed => Ok(Some(WorkspaceTypeReference::new("", "root"))),
            Access::Denied => Err(CliError::WorkspaceAccessDenied(target.to_string())),
        };
    }
    let (not_found, ty) = match target.parent() {
        Some(parent) => match api.get_workspace(&parent, target.base()).await {
            Ok(ws) => (false, ws.spec.type_),
            Err(e) if e.is_not_found() => (true, None),
            // The parent may not let us read its Workspace objects; discovery decides.
            Err(e) if e.is_forbidden() => (false, None),
            Err(e) => return Err(e.into()),
        },
        // A bare logical-cluster name has no parent to look in.
        None => (false, None),
    };
    match (access, not_found) {
        (Access::Denied, true) => Err(CliError::WorkspaceNotFound(target.to_string())),
        (Access::Denied, false) => Err(CliError::WorkspaceAccessDenied(target.to_string())),
        (Access::Allowed, _) => Ok(ty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeApi, session};
    use crate::kubeconfig::PREVIOUS_CONTEXT;
    use crate::output::Captured;

    async fn run(s: &mut Session<FakeApi>, arg: &str, short: bool) -> (Result<()>, Captured) {
        let mut c = Captured::default();
        let r = use_workspace(s, arg, short, &mut c.output()).await;
        (r, c)
    }

    #[tokio::test]
    async fn dot_prints_the_current_workspace_without_type() {
        let mut s = session("root", FakeApi::tree(&[]));
        let (r, c) = run(&mut s, ".", false).await;
        r.unwrap();
        assert_eq!(c.stdout(), "Current workspace is 'root'.\n");
        assert_eq!(c.stderr(), "");
        let (r, c) = run(&mut s, ".", true).await;
        r.unwrap();
        assert_eq!(c.stdout(), "root\n");
        assert!(s.api.requests().is_empty(), "`.` makes no request");
    }

    #[tokio::test]
    async fn dot_on_a_plain_url() {
        let mut s = session("root", FakeApi::tree(&[]));
        s.server = "https://127.0.0.1:6443".into();
        let (r, c) = run(&mut s, ".", false).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "Current workspace is the URL \"https://127.0.0.1:6443\".\n"
        );
        let (r, c) = run(&mut s, ".", true).await;
        r.unwrap();
        assert_eq!(c.stdout(), "");
        let (r, _) = run(&mut s, "team-a", false).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "current URL \"https://127.0.0.1:6443\" does not point to a workspace"
        );
    }

    #[tokio::test]
    async fn relative_absolute_and_up() {
        let api = FakeApi::tree(&[
            ("root:team-a", "root:organization"),
            ("root:team-a:dev", "root:universal"),
        ]);
        let mut s = session("root", api);
        let (r, c) = run(&mut s, "team-a", false).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "Current workspace is 'root:team-a' (type root:organization).\n"
        );
        assert_eq!(s.server, "https://h/clusters/root:team-a");
        assert_eq!(s.kubeconfig.current_context(), Some(CURRENT_CONTEXT));

        let (r, c) = run(&mut s, "dev", false).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "Current workspace is 'root:team-a:dev' (type root:universal).\n"
        );
        let (r, c) = run(&mut s, "..", false).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "Current workspace is 'root:team-a' (type root:organization).\n"
        );
        let (r, c) = run(&mut s, ":root", false).await;
        r.unwrap();
        assert_eq!(c.stdout(), "Current workspace is 'root' (type root).\n");
        let (r, _) = run(&mut s, "..", false).await;
        assert_eq!(r.unwrap_err().to_string(), "cannot go up from root");
        let (r, c) = run(&mut s, ":root:team-a", true).await;
        r.unwrap();
        assert_eq!(c.stdout(), "root:team-a\n");
    }

    #[tokio::test]
    async fn root_prefix_note() {
        let mut s = session(
            "root",
            FakeApi::tree(&[("root:team-a", "root:organization")]),
        );
        let (r, c) = run(&mut s, "root:team-a", false).await;
        r.unwrap();
        assert_eq!(c.stderr(), format!("{ROOT_NOTE}\n"));
        assert_eq!(
            c.stdout(),
            "Current workspace is 'root:team-a' (type root:organization).\n"
        );
    }

    #[tokio::test]
    async fn missing_and_denied_workspaces() {
        let api = FakeApi::tree(&[("root:secret", "root:organization")]);
        api.forbid("root:secret");
        let mut s = session("root", api);
        let (r, _) = run(&mut s, "nope", false).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "workspace \"root:nope\" not found"
        );
        let (r, _) = run(&mut s, "secret", false).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "access to workspace \"root:secret\" denied"
        );
        // Nothing was changed.
        assert_eq!(s.kubeconfig.current_context(), Some("root"));
        assert_eq!(s.server, "https://h/clusters/root");
    }

    #[tokio::test]
    async fn dash_goes_back_and_forth() {
        let mut s = session(
            "root",
            FakeApi::tree(&[("root:team-a", "root:organization")]),
        );
        let (r, _) = run(&mut s, "-", false).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "no previous workspace found in kubeconfig"
        );
        run(&mut s, "team-a", false).await.0.unwrap();
        let (r, c) = run(&mut s, "-", false).await;
        r.unwrap();
        assert_eq!(c.stdout(), "Current workspace is 'root'.\n");
        assert!(s.kubeconfig.has_context(PREVIOUS_CONTEXT));
        let (r, c) = run(&mut s, "-", false).await;
        r.unwrap();
        assert_eq!(c.stdout(), "Current workspace is 'root:team-a'.\n");
    }

    #[tokio::test]
    async fn colon_goes_to_the_top_without_type() {
        let mut s = session("root:team-a:dev", FakeApi::tree(&[]));
        let (r, c) = run(&mut s, ":", false).await;
        r.unwrap();
        assert_eq!(c.stdout(), "Current workspace is 'root'.\n");
        assert_eq!(s.server, "https://h/clusters/root");
        assert!(s.api.requests().is_empty());
    }

    #[tokio::test]
    async fn home_and_bare() {
        let api = FakeApi::tree(&[
            ("user:alice", "root:home"),
            ("user:alice:proj", "root:universal"),
        ]);
        api.set_home("user:alice");
        let mut s = session("root", api);
        let (r, c) = run(&mut s, "", false).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "Current workspace is 'user:alice' (type root:home).\n"
        );
        assert_eq!(c.stderr(), format!("{HOME_NOTE}\n"));
        run(&mut s, ":root", false).await.0.unwrap();
        let (r, c) = run(&mut s, "~:proj", false).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "Current workspace is 'user:alice:proj' (type root:universal).\n"
        );
        assert_eq!(c.stderr(), "");
        // A shell's expansion of `~/proj`.
        run(&mut s, ":root", false).await.0.unwrap();
        s.home = Some("/home/alice".into());
        let (r, c) = run(&mut s, "/home/alice/proj", false).await;
        r.unwrap();
        assert_eq!(
            c.stdout(),
            "Current workspace is 'user:alice:proj' (type root:universal).\n"
        );
    }

    #[tokio::test]
    async fn claim_warnings_go_to_stderr() {
        use kcp_api::apis::v1alpha2::{APIBinding, PermissionClaim};
        let api = FakeApi::tree(&[("root:team-a", "root:organization")]);
        let mut b = APIBinding::named("mongodb");
        b.status.export_permission_claims = vec![PermissionClaim {
            resource: "secrets".into(),
            verbs: vec!["get".into()],
            ..Default::default()
        }];
        api.add_binding("root:team-a", b);
        let mut s = session("root", api);
        let (r, c) = run(&mut s, "team-a", false).await;
        r.unwrap();
        assert_eq!(
            c.stderr(),
            "Warning: claim for secrets exported but not specified on APIBinding mongodb\nAdd this claim to the APIBinding's Spec.\n"
        );
        assert_eq!(
            c.stdout(),
            "Current workspace is 'root:team-a' (type root:organization).\n"
        );
    }
}
