//! `tauri-app [--db PATH]`: the desktop app. See the library for what it does.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Repair Desk: the counter and the workbench, offline first.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The device database (its key file sits beside it as <db>.keys).
    /// Default: repair-desk/device.sqlite in the platform's data directory.
    #[arg(long, env = "REPAIR_DESK_DB")]
    db: Option<PathBuf>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let args = Args::parse();
    let db = match tauri_app::paths::device_db(args.db, |k| std::env::var_os(k)) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("tauri-app: {e}");
            return ExitCode::from(2);
        }
    };
    match tauri_app::run(db) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tauri-app: {e}");
            ExitCode::FAILURE
        }
    }
}
