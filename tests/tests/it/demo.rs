//! The README's run command works: the whole-shop demo starts, prints its
//! addresses, and what it prints answers — the owner logs in to the
//! dashboard with the printed name and PIN and sees both branches' revenue,
//! and each device serves its API.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The demo business running in a temporary folder: what it printed up to
/// "Ctrl-C stops", and the process, stopped when this is dropped.
pub(crate) struct RunningDemo {
    child: Child,
    pub(crate) text: String,
    _dir: tempfile::TempDir,
}

impl Drop for RunningDemo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the README's demo (`shop-demo`) and wait for its addresses.
pub(crate) fn start() -> RunningDemo {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shop-demo"))
        .arg(dir.path().join("shop"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = vec![];
    for line in out.lines() {
        let line = line.unwrap();
        let done = line.contains("Ctrl-C stops");
        lines.push(line);
        if done {
            break;
        }
    }
    RunningDemo {
        child,
        text: lines.join("\n"),
        _dir: dir,
    }
}

#[test]
fn the_demo_starts_and_its_printed_addresses_answer() {
    let demo = start();
    let text = demo.text.clone();
    let urls: Vec<String> = text
        .split_whitespace()
        .filter(|w| w.starts_with("http://127.0.0.1:"))
        .map(|w| w.trim_end_matches(')').to_string())
        .collect();
    let login = urls
        .iter()
        .find(|u| u.ends_with("/login"))
        .unwrap_or_else(|| panic!("no dashboard address in:\n{text}"))
        .clone();
    // "Owner login: <name> (PIN <pin>)"
    let owner = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Owner login: "))
        .unwrap_or_else(|| panic!("no owner login in:\n{text}"));
    let (name, pin) = owner
        .strip_suffix(')')
        .and_then(|o| o.split_once(" (PIN "))
        .unwrap_or_else(|| panic!("owner login: {owner}"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let r = http
            .post(&login)
            .json(&serde_json::json!({ "name": name, "pin": pin }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "the printed owner login");
        let cookie = e2e_tests::world::session_cookie(&r).expect("a session cookie");
        let page = http
            .get(login.trim_end_matches("/login"))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for want in ["Jayanagar", "T Nagar", "JAY/", "Revenue"] {
            assert!(page.contains(want), "the dashboard lacks {want}");
        }
        let devices: Vec<&String> = urls
            .iter()
            .filter(|u| !u.ends_with("/login") && !u.ends_with("openapi.json"))
            .collect();
        assert!(devices.len() >= 3, "{text}");
        for d in devices {
            let r = http.get(format!("{d}/health")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{d}");
            // Each device serves the web UI at its root.
            let page = http
                .get(d.as_str())
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains("/ui/main.js"), "{d} serves no UI: {page}");
        }
    });
    drop(demo);
}
