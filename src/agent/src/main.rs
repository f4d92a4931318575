use clap::Parser;

fn main() -> std::process::ExitCode {
    let opts = api_syncagent::options::Options::parse();
    eprintln!("api-syncagent {}: not yet running", opts.agent_name());
    std::process::ExitCode::FAILURE
}
