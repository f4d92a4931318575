//! `kubectl-ws`: see [`kcp_cli::cli`].

fn main() -> std::process::ExitCode {
    kcp_cli::cli::kubectl_ws()
}
