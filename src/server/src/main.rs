//! The `kcp` binary.

use clap::{Parser, Subcommand};
use kcp_server::options::StartOptions;

/// jemalloc rather than the system allocator: a write allocates and frees thousands of small
/// JSON nodes, and with glibc's malloc that was a fifth of the server's CPU. jemalloc cut the CPU
/// per create by 20–35% at the same resident memory (docs/benchmarks.md, "The allocator").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "kcp",
    // cobra's template, as kcp prints it: `kcp version <gitVersion>`.
    version = concat!("version ", kcp_server::git_version!()),
    about = "A Kubernetes-compatible control plane with workspaces"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the control plane.
    Start(StartOptions),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KCP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Start(opts) => runtime.block_on(kcp_server::start::run(opts)),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
