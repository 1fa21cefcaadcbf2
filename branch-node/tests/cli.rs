//! The command line, as a shop would script it: real binary, real database.

use std::process::Command;

fn bn(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_branch-node"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn help_on_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("x.sqlite");
    for cmd in [
        vec![],
        vec!["init"],
        vec!["serve"],
        vec!["login"],
        vec!["demo"],
        vec!["user"],
        vec!["user", "create"],
        vec!["customer"],
        vec!["customer", "create"],
        vec!["customer", "update"],
        vec!["job"],
        vec!["job", "open"],
        vec!["job", "status"],
        vec!["job", "diagnose"],
        vec!["job", "estimate-add"],
        vec!["job", "password"],
        vec!["conflicts"],
        vec!["conflicts", "resolve"],
        vec!["audit"],
        vec!["audit", "verify"],
        vec!["export"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let (ok, out, _) = bn(&db, &args);
        assert!(ok && out.contains("Usage:"), "{cmd:?} --help");
    }
}

#[test]
fn a_day_scripted_from_the_shell() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("shop.sqlite");
    let gstin = sync_core::testkit::gstin("29", "ABCDE1234F");
    let (ok, _, err) = bn(
        &db,
        &[
            "init",
            "--branch-name",
            "Jayanagar",
            "--gstin",
            &gstin,
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
        ],
    );
    assert!(ok, "{err}");
    // init refuses to overwrite
    let (ok, _, err) = bn(
        &db,
        &[
            "init",
            "--branch-name",
            "X",
            "--gstin",
            &gstin,
            "--state-code",
            "29",
            "--invoice-prefix",
            "BLR1",
            "--credit-note-prefix",
            "BLRC",
            "--owner-name",
            "O",
            "--owner-pin",
            "2468",
        ],
    );
    assert!(!ok && err.contains("already exists"));
    let me = ["--user", "Olivia", "--pin", "2468"];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = me.to_vec();
        a.extend_from_slice(extra);
        bn(&db, &a)
    };
    let (ok, out, err) = run(&[
        "user",
        "create",
        "--name",
        "Tara",
        "--role",
        "technician",
        "--new-pin",
        "1357",
    ]);
    assert!(ok, "{err}");
    let tara: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (ok, out, err) = run(&[
        "job",
        "open",
        "--customer-name",
        "Asha Rao",
        "--customer-mobile",
        "9845012345",
        "--complaint",
        "No display",
        "--accessory",
        "Charger",
        "--device-password",
        "4321",
    ]);
    assert!(ok, "{err}");
    let opened: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id = opened["job"]["id"].as_str().unwrap();
    let (ok, _, err) = run(&[
        "job",
        "assign",
        id,
        "--technician",
        tara["id"].as_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = bn(
        &db,
        &[
            "--user",
            "Tara",
            "--pin",
            "1357",
            "job",
            "password",
            id,
            "--purpose",
            "boot test",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("4321"));
    let (ok, out, _) = run(&["job", "show", id]);
    assert!(ok && out.contains("\"password_reads\"") && out.contains("boot test"));
    // errors name the field and the rule, as JSON on stderr, exit 1
    let (ok, _, err) = run(&["customer", "create", "--name", "B", "--mobile", "123"]);
    assert!(!ok);
    let e: serde_json::Value = serde_json::from_str(&err).unwrap();
    assert_eq!(e["error"]["field"], "mobile");
    let (ok, _, err) = bn(&db, &["--user", "Olivia", "--pin", "0000", "job", "list"]);
    assert!(!ok && err.contains("wrong PIN"));
    let (ok, out, err) = run(&["audit", "verify"]);
    assert!(ok, "{err}");
    assert!(out.contains("\"ok\": true"));
    let (ok, out, _) = run(&["export", "--table", "jobs"]);
    assert!(ok && out.contains("No display"));
}
