//! `kubectl-kcp`: see [`kcp_cli::cli`].

fn main() -> std::process::ExitCode {
    kcp_cli::cli::kubectl_kcp()
}
