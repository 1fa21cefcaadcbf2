//! The `hub` command line, built into this crate so the cross-process tests
//! run the real CLI in child processes (cargo gives a test the paths of its
//! own package's binaries only).

use clap::Parser;

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    if let Err(e) = hub::cli::run(hub::cli::Cli::parse()) {
        eprintln!("{}", e.to_json());
        std::process::exit(1);
    }
}
