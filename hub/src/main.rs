//! `hub` binary.

use clap::Parser;

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    if let Err(e) = hub::cli::run(hub::cli::Cli::parse()) {
        eprintln!(
            "{}",
            serde_json::to_string_pretty(&e.to_json()).unwrap_or_else(|_| e.to_string())
        );
        std::process::exit(1);
    }
}
