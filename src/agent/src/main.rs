use std::process::ExitCode;

use clap::Parser;

use api_syncagent::options::Options;

/// jemalloc, as the `kcp` binary: every sync step parses and drops whole objects, and glibc's
/// malloc kept those bursts resident (its per-thread arenas are not trimmed), so the agent's
/// memory grew with its past bursts rather than with what it holds.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`:
/// - a background thread returns the pages a burst left dirty once the agent is idle (without
///   it, jemalloc purges only when it is called again, so an idle agent kept its last burst
///   resident), after one second rather than ten: with the default, whose background thread
///   wakes at most every ten seconds for an arena of fewer than 1,024 dirty pages, an agent
///   idle for 15 s after syncing 1,000 objects still held 7 MiB of them, and the shorter delay
///   cost no CPU measurably;
/// - no thread caches: what they hold after a burst of syncs (an initial sync, a relist) stays
///   there while the agent is idle, and so do the partly used slabs it sits in. With them an
///   agent that synced 1,000 objects held 4.6–5.3 KiB per object, without them 2.9–3.1 KiB,
///   for 20–45% more CPU per object synced (docs/benchmarks.md, "Compressed caches").
///
/// `_RJEM_MALLOC_CONF` in the environment still overrides it.
#[cfg(all(not(target_env = "msvc"), target_os = "linux"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: MallocConf =
    MallocConf(c"background_thread:true,dirty_decay_ms:1000,tcache:false".as_ptr());

/// A C string pointer jemalloc reads (`const char *malloc_conf`).
#[repr(transparent)]
struct MallocConf(*const std::ffi::c_char);

// SAFETY: it points to a static string that is never written.
unsafe impl Sync for MallocConf {}

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
