//! The `branch-node` command line, built into this crate so the
//! cross-process tests run the real CLI in child processes.

use clap::Parser;

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    if let Err(e) = branch_node::cli::run(branch_node::cli::Cli::parse()) {
        eprintln!("{}", e.to_json());
        std::process::exit(1);
    }
}
