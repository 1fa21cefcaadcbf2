//! Schemathesis over both `/openapi.json` documents, against the running demo
//! business (a hub and three devices with customers, jobs and invoices):
//! every described operation is called with generated bodies, and its
//! answers must keep to the document (no 5xx, the documented statuses and
//! content, valid data accepted, invalid data refused). Its stateful phase
//! follows the documents' links from created records to their pages.
//!
//! `scripts/schemathesis --install` (run by `scripts/test-all`) installs the
//! pinned version; `SCHEMATHESIS_EXAMPLES` sets how many cases per
//! operation (default 40).

use std::path::PathBuf;
use std::process::Command;

fn schemathesis() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    root.join("scripts/schemathesis")
}

/// Run Schemathesis over `doc`, signed in with `sessions` (see
/// `tests/schemathesis.toml`); its whole report on failure.
fn run(doc: &str, sessions: (&str, &str), exclude: &str) {
    let examples = std::env::var("SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "40".into());
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/schemathesis.toml");
    let out = Command::new(schemathesis())
        .args(["--config-file", config, "run", doc, "--checks", "all"])
        .args(["--max-examples", &examples, "--seed", "1", "--workers", "1"])
        .args(["--no-color", "--request-timeout", "30"])
        .args([
            "--suppress-health-check",
            "all",
            "--exclude-path-regex",
            exclude,
        ])
        .env("DEVICE_SESSION", sessions.0)
        .env("HUB_SESSION", sessions.1)
        .output()
        .expect("scripts/schemathesis runs (scripts/schemathesis --install)");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "Schemathesis over {doc} failed:\n{report}"
    );
    assert!(
        report.contains("passed"),
        "Schemathesis over {doc} ran no case:\n{report}"
    );
    eprintln!("{report}");
}

#[test]
fn schemathesis_finds_nothing_on_the_device_or_the_hub() {
    let demo = super::demo::start();
    let urls: Vec<&str> = demo
        .text
        .split_whitespace()
        .filter(|w| w.starts_with("http://127.0.0.1:"))
        .collect();
    let hub = urls
        .iter()
        .find_map(|u| u.strip_suffix("/login"))
        .unwrap_or_else(|| panic!("no hub in:\n{}", demo.text));
    let device = urls
        .iter()
        .find(|u| !u.contains("/login") && !u.ends_with("openapi.json") && !u.starts_with(hub))
        .unwrap_or_else(|| panic!("no device in:\n{}", demo.text));
    let login = |prefix: &str| {
        demo.text
            .lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|o| o.split(", ").find(|p| p.contains("Manager")).or(Some(o)))
            .and_then(|o| o.strip_suffix(')'))
            .and_then(|o| o.split_once(" (PIN "))
            .unwrap_or_else(|| panic!("no {prefix} in:\n{}", demo.text))
    };
    // A branch manager on the counter: the owner may not sign on a device
    // whose ceiling is manager, and nothing made means no links followed.
    let (manager, manager_pin) = login("Jayanagar logins: ");
    let (name, pin) = login("Owner login: ");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (token, cookie) = rt.block_on(async {
        let http = reqwest::Client::new();
        let r = http
            .post(format!("{device}/api/login"))
            .json(&serde_json::json!({ "user": manager, "pin": manager_pin }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        let token = v["token"].as_str().expect("a session token").to_string();
        let r = http
            .post(format!("{hub}/login"))
            .json(&serde_json::json!({ "name": name, "pin": pin }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        (
            token,
            // The cookie's value: Schemathesis names the cookie itself.
            e2e_tests::world::session_cookie(&r)
                .expect("a cookie")
                .trim_start_matches("hub_session=")
                .to_string(),
        )
    });
    // Logging out would end the session the run uses; the signed sync
    // routes need a fresh device signature per request, which a generic
    // fuzzer cannot make (they are fuzzed by `repair-fuzz` and attacked by
    // the hostile tests instead).
    let sessions = (token.as_str(), cookie.as_str());
    run(
        &format!("{device}/openapi.json"),
        sessions,
        "^/(api/logout|sync/.*)$",
    );
    run(
        &format!("{hub}/openapi.json"),
        sessions,
        "^/(logout|sync/.*)$",
    );
}
