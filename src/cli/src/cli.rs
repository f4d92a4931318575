//! The command lines of the three binaries (`reference/kcp.md` §5, §5.2):
//!
//! * `kubectl-ws` — `kubectl ws [create|create-context|use|current|tree|<workspace>|..|.|-|~|:root:path] [-i] [--short]`
//! * `kubectl-kcp` — `kubectl kcp workspace ...` (aliases `ws`, `workspaces`), the same command
//! * `kubectl-create-workspace` — `kubectl create-workspace NAME [flags]`
//!
//! Each parses its flags with clap, runs the command on a current-thread tokio runtime and, like
//! cobra, prints a failure as `Error: <message>` on stderr and exits 1.

use std::future::Future;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::bind::{BindArgs, bind_apiexport};
use crate::crd_snapshot::{SnapshotArgs, snapshot};
use crate::create::{CREATE_DEPRECATED, CreateArgs, create_workspace};
use crate::create_context::create_context;
use crate::error::{CliError, Result};
use crate::interactive::run_interactive;
use crate::output::Output;
use crate::session::{ConfigFlags, Session};
use crate::tree::{TreeOptions, run_tree};
use crate::use_workspace::{print_current, use_workspace};

/// `kubectl ws`'s arguments and subcommands.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct WorkspaceArgs {
    /// A workspace: `name`, `a:b` (relative), `:root:a` (absolute), `..`, `.` (print the
    /// current one), `-` (the previous one), `~` (home; also what no argument means), `:` (top).
    #[arg(value_name = "WORKSPACE")]
    pub args: Vec<String>,
    /// Browse the workspace tree interactively.
    #[arg(short, long)]
    pub interactive: bool,
    /// Print only the workspace path.
    #[arg(long)]
    pub short: bool,
    #[command(subcommand)]
    pub command: Option<WorkspaceCommand>,
}

/// The subcommands of `kubectl ws`.
#[derive(Subcommand, Clone, Debug)]
pub enum WorkspaceCommand {
    /// Uses the given workspace as the current workspace.
    #[command(visible_alias = "cd")]
    Use {
        /// The workspace, as for `kubectl ws <workspace>`.
        workspace: String,
        /// Print only the workspace path.
        #[arg(long)]
        short: bool,
    },
    /// Prints the current workspace (same as `kubectl ws .`).
    Current {
        /// Print only the workspace path.
        #[arg(long)]
        short: bool,
    },
    /// Prints the workspace tree under the current workspace.
    Tree {
        /// Show full workspace paths.
        #[arg(short, long)]
        full: bool,
        /// Browse the tree interactively.
        #[arg(short, long)]
        interactive: bool,
        /// Show the workspace and logical cluster phases.
        #[arg(long)]
        wide: bool,
        /// Start from this workspace instead of the current one.
        #[arg(short = 'w', long, value_name = "PATH")]
        workspace: Option<String>,
    },
    /// Creates a new workspace (deprecated: use `kubectl create workspace`).
    Create(CreateArgs),
    /// Creates a kubeconfig context for the current workspace.
    CreateContext {
        /// The context name (default: the workspace path).
        name: Option<String>,
        /// Update the context if it exists.
        #[arg(long)]
        overwrite: bool,
    },
}

/// `kubectl-ws`.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl ws",
    bin_name = "kubectl ws",
    about = "Manages kcp workspaces",
    version,
    override_usage = "kubectl ws [create|create-context|use|current|<workspace>|..|.|-|~|<root:absolute:workspace>] [-i|--interactive]"
)]
pub struct KubectlWs {
    #[command(flatten)]
    pub flags: ConfigFlags,
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

/// `kubectl-kcp`.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl kcp",
    bin_name = "kubectl kcp",
    about = "kubectl plugin for kcp",
    version
)]
pub struct KubectlKcp {
    #[command(flatten)]
    pub flags: ConfigFlags,
    #[command(subcommand)]
    pub command: KcpCommand,
}

/// The subcommands of `kubectl kcp`.
#[derive(Subcommand, Debug)]
pub enum KcpCommand {
    /// Manages kcp workspaces.
    #[command(visible_aliases = ["ws", "workspaces"])]
    Workspace(WorkspaceArgs),
    /// Work with CustomResourceDefinitions.
    Crd {
        #[command(subcommand)]
        command: Option<CrdCommand>,
    },
    /// Bind APIs into the current workspace.
    Bind {
        #[command(subcommand)]
        command: Option<BindCommand>,
    },
}

/// The subcommands of `kubectl kcp bind`.
#[derive(Subcommand, Debug)]
pub enum BindCommand {
    /// Binds an APIExport into the current workspace.
    #[command(
        name = "apiexport",
        override_usage = "kubectl kcp bind apiexport <workspace_path:apiexport-name> [flags]",
        after_help = BIND_EXAMPLES
    )]
    ApiExport(BindArgs),
}

const BIND_EXAMPLES: &str = "\
Examples:
  # Bind the APIExport mongodb-v1 of workspace root:platform-team into the current workspace
  # (the APIBinding is named mongodb-v1 too) and wait until it is bound.
  kubectl kcp bind apiexport root:platform-team:mongodb-v1

  # The same under another name, accepting the export's claims on ConfigMaps and Secrets.
  kubectl kcp bind apiexport root:platform-team:mongodb-v1 --name mongodb --accept-permission-claim configmaps.core,secrets.core";

/// The subcommands of `kubectl kcp crd`.
#[derive(Subcommand, Debug)]
pub enum CrdCommand {
    /// Converts CRDs into APIResourceSchemas.
    #[command(
        override_usage = "kubectl kcp crd snapshot -f FILE --prefix PREFIX [flags]",
        after_help = SNAPSHOT_EXAMPLES
    )]
    Snapshot(SnapshotArgs),
}

const SNAPSHOT_EXAMPLES: &str = "\
Examples:
  # The APIResourceSchema v1.widgets.example.io for the CRD widgets.example.io in crd.yaml.
  kubectl kcp crd snapshot -f crd.yaml --prefix v1 > schema.yaml

  # Snapshot a CRD of a cluster and create the APIResourceSchema in the current workspace.
  kubectl get crd widgets.example.io -o yaml | kubectl kcp crd snapshot -f - --prefix v1 | kubectl apply -f -";

/// `kubectl-create-workspace`.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl create-workspace",
    bin_name = "kubectl create-workspace",
    about = "Creates a new workspace",
    version
)]
pub struct KubectlCreateWorkspace {
    #[command(flatten)]
    pub flags: ConfigFlags,
    #[command(flatten)]
    pub create: CreateArgs,
}

/// Runs `kubectl ws` with parsed arguments; `help` is printed for more than one positional
/// argument.
pub async fn run_workspace(
    flags: &ConfigFlags,
    args: WorkspaceArgs,
    help: &str,
    o: &mut Output<'_>,
) -> Result<()> {
    let Some(command) = args.command else {
        if args.interactive {
            if !args.args.is_empty() {
                return Err(CliError::InteractiveWithArguments);
            }
            let mut s = Session::load(flags).await?;
            return run_interactive(&mut s, o).await;
        }
        if args.args.len() > 1 {
            o.out.write_all(help.as_bytes())?;
            return Ok(());
        }
        let mut s = Session::load(flags).await?;
        let arg = args.args.first().map_or("", String::as_str);
        return use_workspace(&mut s, arg, args.short, o).await;
    };
    match command {
        WorkspaceCommand::Use { workspace, short } => {
            let mut s = Session::load(flags).await?;
            use_workspace(&mut s, &workspace, short, o).await
        }
        WorkspaceCommand::Current { short } => {
            let s = Session::load(flags).await?;
            print_current(&s, short, o)
        }
        WorkspaceCommand::Tree {
            full,
            interactive,
            wide,
            workspace,
        } => {
            let mut s = Session::load(flags).await?;
            s.retarget(workspace.as_deref())?;
            if interactive {
                run_interactive(&mut s, o).await
            } else {
                run_tree(&s, TreeOptions { full, wide }, o).await
            }
        }
        WorkspaceCommand::Create(create) => {
            writeln!(o.err, "{CREATE_DEPRECATED}")?;
            let mut s = Session::load(flags).await?;
            create_workspace(&mut s, &create, o).await
        }
        WorkspaceCommand::CreateContext { name, overwrite } => {
            let mut s = Session::load(flags).await?;
            create_context(&mut s, name.as_deref(), overwrite, o)
        }
    }
}

/// Runs a command on a current-thread runtime and turns its result into an exit code.
fn execute(command: impl Future<Output = Result<()>>) -> ExitCode {
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::from)
        .and_then(|runtime| runtime.block_on(command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the help of the `kubectl kcp` subcommand at `path`, as cobra does for a command
/// that only groups others.
fn print_help(path: &[&str]) -> ExitCode {
    let mut command = KubectlKcp::command();
    for name in path {
        match command.find_subcommand(name) {
            Some(sub) => command = sub.clone().bin_name(format!("kubectl kcp {name}")),
            None => break,
        }
    }
    println!("{}", command.render_help());
    ExitCode::SUCCESS
}

/// The `kubectl-ws` binary.
pub fn kubectl_ws() -> ExitCode {
    let cli = KubectlWs::parse();
    let help = KubectlWs::command().render_help().to_string();
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut o = Output::new(&mut out, &mut err);
    execute(run_workspace(&cli.flags, cli.workspace, &help, &mut o))
}

/// The `kubectl-kcp` binary.
pub fn kubectl_kcp() -> ExitCode {
    let cli = KubectlKcp::parse();
    let help = KubectlKcp::command()
        .find_subcommand_mut("workspace")
        .map(|c| c.render_help().to_string())
        .unwrap_or_default();
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut o = Output::new(&mut out, &mut err);
    match cli.command {
        KcpCommand::Workspace(args) => execute(run_workspace(&cli.flags, args, &help, &mut o)),
        KcpCommand::Crd {
            command: Some(CrdCommand::Snapshot(args)),
        } => execute(async { snapshot(&args, &mut std::io::stdin(), &mut o) }),
        KcpCommand::Crd { command: None } => print_help(&["crd"]),
        KcpCommand::Bind {
            command: Some(BindCommand::ApiExport(args)),
        } => execute(async {
            // kcp validates the flags before it reads the kubeconfig.
            let plan = args.plan()?;
            let mut s = Session::load(&cli.flags).await?;
            bind_apiexport(&mut s, &args, &plan, &mut o).await
        }),
        KcpCommand::Bind { command: None } => print_help(&["bind"]),
    }
}

/// The `kubectl-create-workspace` binary.
pub fn kubectl_create_workspace() -> ExitCode {
    let cli = KubectlCreateWorkspace::parse();
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut o = Output::new(&mut out, &mut err);
    execute(async {
        let mut s = Session::load(&cli.flags).await?;
        create_workspace(&mut s, &cli.create, &mut o).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(args: &[&str]) -> std::result::Result<KubectlWs, clap::Error> {
        KubectlWs::try_parse_from(std::iter::once("kubectl-ws").chain(args.iter().copied()))
    }

    #[test]
    fn command_lines_parse() {
        KubectlWs::command().debug_assert();
        KubectlKcp::command().debug_assert();
        KubectlCreateWorkspace::command().debug_assert();

        let c = ws(&[]).unwrap();
        assert!(c.workspace.args.is_empty() && c.workspace.command.is_none());
        for arg in ["-", "..", ".", "~", ":", ":root:a", "team-a"] {
            let c = ws(&[arg]).unwrap();
            assert_eq!(c.workspace.args, [arg], "{arg}");
        }
        let c = ws(&["--short", "."]).unwrap();
        assert!(c.workspace.short);
        let c = ws(&[".", "--short"]).unwrap();
        assert!(c.workspace.short);
        assert_eq!(c.workspace.args, ["."]);
        // Flags before a subcommand do not make it a workspace name.
        assert!(matches!(
            ws(&["--context", "base", "tree"])
                .unwrap()
                .workspace
                .command,
            Some(WorkspaceCommand::Tree { .. })
        ));
        assert!(matches!(
            ws(&["--short", "use", "x"]).unwrap().workspace.command,
            Some(WorkspaceCommand::Use { .. })
        ));
        let c = ws(&["-i"]).unwrap();
        assert!(c.workspace.interactive);
        assert!(matches!(
            ws(&["cd", "-"]).unwrap().workspace.command,
            Some(WorkspaceCommand::Use { ref workspace, .. }) if workspace == "-"
        ));
        assert!(matches!(
            ws(&["current", "--short"]).unwrap().workspace.command,
            Some(WorkspaceCommand::Current { short: true })
        ));
        assert!(matches!(
            ws(&["tree", "-f", "--wide", "-w", ":root"]).unwrap().workspace.command,
            Some(WorkspaceCommand::Tree { full: true, wide: true, interactive: false, workspace: Some(ref w) }) if w == ":root"
        ));
        let c = ws(&[
            "create",
            "team-a",
            "--type",
            "root:organization",
            "--enter",
            "--ignore-existing",
            "--location-selector",
            "region=eu",
            "--create-context",
            "ctx",
        ])
        .unwrap();
        let Some(WorkspaceCommand::Create(create)) = c.workspace.command else {
            panic!("create")
        };
        assert_eq!(create.name, "team-a");
        assert_eq!(create.workspace_type.as_deref(), Some("root:organization"));
        assert!(create.enter && create.ignore_existing);
        assert_eq!(create.location_selector.as_deref(), Some("region=eu"));
        assert_eq!(create.create_context.as_deref(), Some("ctx"));
        assert!(matches!(
            ws(&["create-context", "x", "--overwrite"]).unwrap().workspace.command,
            Some(WorkspaceCommand::CreateContext { name: Some(ref n), overwrite: true }) if n == "x"
        ));
        // The kubectl override flags go anywhere.
        let c = ws(&[
            "use",
            "x",
            "--kubeconfig",
            "/k",
            "--context",
            "c",
            "--server",
            "https://s",
        ])
        .unwrap();
        assert_eq!(
            c.flags.kubeconfig.as_deref(),
            Some(std::path::Path::new("/k"))
        );
        assert_eq!(c.flags.context.as_deref(), Some("c"));
        assert_eq!(c.flags.server.as_deref(), Some("https://s"));
        let c = ws(&["--insecure-skip-tls-verify", "."]).unwrap();
        assert_eq!(c.flags.insecure_skip_tls_verify, Some(true));
        // `create` needs exactly one name.
        assert!(ws(&["create"]).is_err());
        assert!(ws(&["create", "a", "b"]).is_err());
    }

    #[test]
    fn kcp_and_create_workspace_parse() {
        for alias in ["workspace", "ws", "workspaces"] {
            let c = KubectlKcp::try_parse_from(["kubectl-kcp", alias, "use", ":root"]).unwrap();
            let KcpCommand::Workspace(args) = c.command else {
                panic!("workspace")
            };
            assert!(matches!(args.command, Some(WorkspaceCommand::Use { .. })));
        }
        let c = KubectlKcp::try_parse_from(["kubectl-kcp", "ws", "."]).unwrap();
        let KcpCommand::Workspace(args) = c.command else {
            panic!("workspace")
        };
        assert_eq!(args.args, ["."]);
        let c = KubectlCreateWorkspace::try_parse_from([
            "kubectl-create-workspace",
            "team-a",
            "--enter",
            "-w",
            ":root",
        ])
        .unwrap();
        assert_eq!(c.create.name, "team-a");
        assert!(c.create.enter);
        assert_eq!(c.create.workspace.as_deref(), Some(":root"));
        assert!(KubectlCreateWorkspace::try_parse_from(["kubectl-create-workspace"]).is_err());
    }

    fn kcp(args: &[&str]) -> std::result::Result<KubectlKcp, clap::Error> {
        KubectlKcp::try_parse_from(std::iter::once("kubectl-kcp").chain(args.iter().copied()))
    }

    #[test]
    fn crd_snapshot_parses() {
        let c = kcp(&["crd", "snapshot", "-f", "-", "--prefix", "v1", "-o", "json"]).unwrap();
        let KcpCommand::Crd {
            command: Some(CrdCommand::Snapshot(a)),
        } = c.command
        else {
            panic!("crd snapshot")
        };
        assert_eq!(
            (a.filename.as_str(), a.prefix.as_str(), a.output.as_str()),
            ("-", "v1", "json")
        );
        let c = kcp(&["crd", "snapshot", "--filename=crd.yaml"]).unwrap();
        let KcpCommand::Crd {
            command: Some(CrdCommand::Snapshot(a)),
        } = c.command
        else {
            panic!("crd snapshot")
        };
        // Defaults: no prefix (kcp's validation reports it), YAML.
        assert_eq!(
            (a.filename.as_str(), a.prefix.as_str(), a.output.as_str()),
            ("crd.yaml", "", "yaml")
        );
        assert!(matches!(
            kcp(&["crd"]).unwrap().command,
            KcpCommand::Crd { command: None }
        ));
    }

    #[test]
    fn bind_apiexport_parses() {
        let c = kcp(&[
            "bind",
            "apiexport",
            "root:org:export",
            "--name",
            "b",
            "--timeout",
            "1m30s",
            "--accept-permission-claim",
            "secrets.core,configmaps.core",
            "--accept-permission-claim=widgets.example.io",
            "--reject-permission-claim",
            "deployments.apps",
            "-w",
            ":root:consumer",
            "--kubeconfig",
            "/k",
        ])
        .unwrap();
        let KcpCommand::Bind {
            command: Some(BindCommand::ApiExport(a)),
        } = c.command
        else {
            panic!("bind apiexport")
        };
        assert_eq!(a.apiexport, ["root:org:export"]);
        assert_eq!(a.name, "b");
        assert_eq!(a.timeout, std::time::Duration::from_secs(90));
        assert_eq!(
            a.accept_permission_claim,
            ["secrets.core", "configmaps.core", "widgets.example.io"]
        );
        assert_eq!(a.reject_permission_claim, ["deployments.apps"]);
        assert_eq!(a.workspace.as_deref(), Some(":root:consumer"));
        assert_eq!(
            c.flags.kubeconfig.as_deref(),
            Some(std::path::Path::new("/k"))
        );
        assert!(!a.accept_all_permission_claims && !a.reject_all_permission_claims);

        let c = kcp(&[
            "bind",
            "apiexport",
            "root:x",
            "--accept-all-permission-claims",
            "--reject-all-permission-claims=false",
        ])
        .unwrap();
        let KcpCommand::Bind {
            command: Some(BindCommand::ApiExport(a)),
        } = c.command
        else {
            panic!("bind apiexport")
        };
        assert!(a.accept_all_permission_claims && !a.reject_all_permission_claims);
        assert_eq!(
            a.timeout,
            std::time::Duration::from_secs(30),
            "default timeout"
        );
        assert!(kcp(&["bind", "apiexport", "root:x", "--timeout", "soon"]).is_err());
        assert!(matches!(
            kcp(&["bind"]).unwrap().command,
            KcpCommand::Bind { command: None }
        ));
    }

    #[tokio::test]
    async fn interactive_with_arguments_is_refused() {
        let c = ws(&["-i", "team-a"]).unwrap();
        let mut captured = crate::output::Captured::default();
        let err = run_workspace(&c.flags, c.workspace, "", &mut captured.output())
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "interactive mode does not accept arguments"
        );
    }

    #[tokio::test]
    async fn more_than_one_argument_prints_help() {
        let c = ws(&["a", "b"]).unwrap();
        let mut captured = crate::output::Captured::default();
        run_workspace(&c.flags, c.workspace, "HELP\n", &mut captured.output())
            .await
            .unwrap();
        assert_eq!(captured.stdout(), "HELP\n");
    }
}
