use std::process::ExitCode;

use clap::Parser;

use api_syncagent::options::Options;

/// jemalloc, as the `kcp` binary: every sync step parses and drops whole objects, and glibc's
/// malloc kept those bursts resident (its per-thread arenas are not trimmed), so the agent's
/// memory grew with its past bursts rather than with what it holds.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let opts = Options::parse();
    let errs = opts.validate();
    if !errs.is_empty() {
        eprintln!("Invalid command line: {}", errs.join(", "));
        return ExitCode::FAILURE;
    }
    api_syncagent::run::init_logging(&opts);
    match api_syncagent::run::run(opts).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("Sync Agent has encountered an error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
