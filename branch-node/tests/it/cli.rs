//! The command line, as a shop would script it: real binary, real database.

use std::process::Command;

use clap::CommandFactory;

/// Run the real binary on `db`: (succeeded, stdout, stderr).
pub(crate) fn bn(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
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

/// Every command path of the clap tree, found by walking
/// `Cli::command()` (hidden ones too), so a new command cannot be missed.
fn command_paths() -> Vec<(Vec<String>, Option<String>)> {
    fn walk(
        cmd: &clap::Command,
        path: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, Option<String>)>,
    ) {
        out.push((path.clone(), cmd.get_about().map(|a| a.to_string())));
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            path.push(sub.get_name().to_string());
            walk(sub, path, out);
            path.pop();
        }
    }
    let mut out = vec![];
    walk(&branch_node::cli::Cli::command(), &mut vec![], &mut out);
    out
}

#[test]
fn help_on_every_command() {
    use std::collections::HashSet;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("x.sqlite");
    let paths = command_paths();
    // The walk really reaches the leaves of every group, including the
    // stock and money ones (a walk that stopped at the top would miss them).
    let seen: HashSet<String> = paths.iter().map(|(p, _)| p.join(" ")).collect();
    for must in [
        "",
        "init",
        "serve",
        "user create",
        "customer update",
        "job estimate-add",
        "job password",
        "conflicts resolve",
        "audit verify",
        "export",
        "item create",
        "item ledger",
        "stock receive",
        "stock adjust",
        "stock transfer-in",
        "invoice draft",
        "invoice line add",
        "invoice line remove",
        "invoice show",
        "invoice finalize",
        "invoice credit-note",
        "invoice print",
        "payment record",
        "payment list",
        "lease list",
        "lease grant-local",
    ] {
        assert!(seen.contains(must), "`{must}` not found in the clap tree");
    }
    assert_eq!(seen.len(), paths.len(), "each command once");
    for (path, about) in &paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let (ok, out, err) = bn(&db, &args);
        assert!(ok, "{path:?} --help exits 0: {err}");
        let usage = if path.is_empty() {
            "Usage: branch-node".to_string()
        } else {
            format!("Usage: branch-node {}", path.join(" "))
        };
        assert!(
            out.contains(&usage),
            "{path:?} --help prints its own usage `{usage}`: {out}"
        );
        // Every command says what it does, and its help shows that.
        let about = about
            .as_deref()
            .unwrap_or_else(|| panic!("{path:?} has no description for --help"));
        let first = about.lines().next().unwrap_or_default().trim();
        assert!(!first.is_empty(), "{path:?} has an empty description");
        assert!(
            out.contains(first),
            "{path:?} --help shows `{first}`: {out}"
        );
        assert!(
            !db.exists(),
            "{path:?} --help must not create or open the database"
        );
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
