//! Shared by the tests: a standalone device database made exactly as
//! `branch-node init` makes it (through its CLI).

use std::path::{Path, PathBuf};

use clap::Parser;

/// `branch-node --db <dir>/device.sqlite init …` for the branch Jayanagar;
/// returns the database path and the new device's id (read back by opening it).
pub fn standalone_db(dir: &Path) -> (PathBuf, String) {
    let db = dir.join("device.sqlite");
    let cli = branch_node::cli::Cli::parse_from([
        "branch-node",
        "--db",
        db.to_str().expect("utf-8 temp path"),
        "init",
        "--branch-name",
        "Jayanagar",
        "--gstin",
        "29ABCDE1234F1ZW",
        "--state-code",
        "29",
        "--invoice-prefix",
        "BLR1",
        "--credit-note-prefix",
        "BLRC",
        "--owner-name",
        "Olivia",
        "--owner-pin",
        "2468",
    ]);
    branch_node::cli::run(cli).expect("branch-node init");
    let device = branch_node::Node::open(&db)
        .expect("open the new device")
        .device
        .to_string();
    (db, device)
}
