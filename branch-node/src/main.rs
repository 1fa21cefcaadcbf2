//! `branch-node` binary: the CLI. `anyhow`-free: errors print as JSON.

use clap::Parser;

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let cli = branch_node::cli::Cli::parse();
    if let Err(e) = branch_node::cli::run(cli) {
        eprintln!(
            "{}",
            serde_json::to_string_pretty(&e.to_json()).unwrap_or_else(|_| e.to_string())
        );
        std::process::exit(1);
    }
}
