use std::process::ExitCode;

use clap::Parser;

use api_syncagent::options::Options;

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
