//! The product as it is deployed, one process each: the hub and two devices
//! of a branch, set up with the real command lines (`hub init`, `branch add`,
//! `user add`, `device enroll`; `branch-node enroll`, `serve`), worked
//! through the devices' HTTP APIs while their background sync loops run.
//! The hub is killed with SIGKILL while devices are pushing, and restarted
//! on the same address: nothing it acknowledged is lost, the devices retry
//! on their own, and both end up with every job of the branch.

use std::path::Path;
use std::time::{Duration, Instant};

use e2e_tests::check;
use e2e_tests::procs::{self, Proc, free_port};
use serde_json::{Value, json};

const PASS: &str = "a passphrase for the test hub";

fn cli(bin: &str, args: &[&str]) -> Value {
    procs::cli(bin, PASS, args)
}

/// Start a server and wait for the line that carries its address.
fn start(bin: &str, args: &[&str], marker: &str) -> (Proc, String) {
    procs::start(bin, PASS, &[], args, marker)
}

struct Api {
    url: String,
    token: String,
    http: reqwest::blocking::Client,
}

impl Api {
    fn login(url: &str, user: &str, pin: &str) -> Api {
        let http = reqwest::blocking::Client::new();
        let r: Value = http
            .post(format!("{url}/api/login"))
            .json(&json!({ "user": user, "pin": pin }))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let token = r["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login {user}: {r}"))
            .to_string();
        Api {
            url: url.into(),
            token,
            http,
        }
    }

    fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    }

    fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    fn job_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .get("/api/jobs")
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    }

    fn waiting_for_hub(&self) -> u64 {
        let st = self.get("/api/sync/status");
        st["peers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["role"] == "hub")
            .map(|p| p["waiting_ops"].as_u64().unwrap())
            .sum()
    }
}

fn intake(i: usize) -> Value {
    json!({
        "new_customer": { "name": format!("Customer {i}"), "mobile": format!("98860{:05}", i) },
        "device_type": "Laptop", "brand": "HP", "model": "Pavilion 14", "serial": format!("HP{i:05}"),
        "complaint": "Battery not charging", "accessories": ["Charger"], "condition": "Good",
    })
}

fn hub_serve(hub: &str, db: &Path, port: u16) -> Proc {
    start(
        hub,
        &[
            "--db",
            db.to_str().unwrap(),
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ],
        "serving sync",
    )
    .0
}

#[test]
fn hub_killed_mid_push_loses_nothing_and_devices_converge_by_themselves() {
    let hub = env!("CARGO_BIN_EXE_e2e-hub");
    let node = env!("CARGO_BIN_EXE_e2e-branch-node");
    let dir = tempfile::tempdir().unwrap();
    let hub_db = dir.path().join("hub.sqlite");
    let h = hub_db.to_str().unwrap();
    cli(
        hub,
        &[
            "--db",
            h,
            "init",
            "--owner-name",
            "Olivia Owner",
            "--owner-pin",
            "2468",
        ],
    );
    let gstin = sync_core::testkit::gstin("29", "ABCDE1234F");
    let branch = cli(
        hub,
        &[
            "--db",
            h,
            "branch",
            "add",
            "--name",
            "Jayanagar",
            "--gstin",
            &gstin,
            "--state-code",
            "29",
            "--invoice-prefix",
            "JAY",
            "--credit-note-prefix",
            "JAYC",
        ],
    )["branch"]
        .as_str()
        .unwrap()
        .to_string();
    for (name, role, pin) in [
        ("Ravi Counter", "receptionist", "1111"),
        ("Meera Manager", "manager", "4321"),
    ] {
        cli(
            hub,
            &[
                "--db", h, "user", "add", "--branch", &branch, "--name", name, "--role", role,
                "--pin", pin,
            ],
        );
    }
    let port = free_port();
    let hub_url = format!("http://127.0.0.1:{port}");
    let mut hub_proc = hub_serve(hub, &hub_db, port);

    let mut devices = vec![];
    for (label, store) in [("counter", true), ("laptop", false)] {
        let mut args = vec![
            "--db", h, "device", "enroll", "--branch", &branch, "--label", label,
        ];
        if store {
            args.push("--store");
        } else {
            // The manager works on this laptop: the owner enrolls it up
            // to a manager (the default for a laptop is technician only).
            args.extend(["--ceiling", "manager"]);
        }
        let code = cli(hub, &args)["code"].as_str().unwrap().to_string();
        let db = dir.path().join(format!("{label}.sqlite"));
        let d = db.to_str().unwrap().to_string();
        let enrolled = cli(node, &["--db", &d, "enroll", &hub_url, &code]);
        // The counter leaves enrollment holding a block of each series; the
        // laptop holds none.
        let blocks = enrolled["number_blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), if store { 2 } else { 0 }, "{enrolled}");
        let (p, url) = start(
            node,
            &["--db", &d, "serve", "--listen", "127.0.0.1:0"],
            "serving",
        );
        devices.push((p, url, db));
    }
    let counter = Api::login(&devices[0].1, "Ravi Counter", "1111");
    let laptop = Api::login(&devices[1].1, "Meera Manager", "4321");

    // Both take in laptops while their sync loops push to the hub…
    for i in 0..20 {
        assert_eq!(counter.post("/api/jobs", intake(i)).0, 201);
        assert_eq!(laptop.post("/api/jobs", intake(100 + i)).0, 201);
        if i == 12 {
            // …and the hub dies mid-push, without a chance to clean up.
            hub_proc.0.kill().unwrap();
            hub_proc.0.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    // What the hub acknowledged before it died is in its file.
    {
        let c = check::open(&hub_db);
        let ok: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
    }
    // Work goes on with the hub down; then it comes back on the same address.
    for i in 20..30 {
        assert_eq!(counter.post("/api/jobs", intake(i)).0, 201);
        assert_eq!(laptop.post("/api/jobs", intake(100 + i)).0, 201);
    }
    let _hub_again = hub_serve(hub, &hub_db, port);
    // The devices find it again on their own (backoff, then the interval);
    // "sync now" is what the counter's button does, to not wait out a backoff.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut converged = false;
    while Instant::now() < deadline {
        let (a, b) = (counter.job_ids(), laptop.job_ids());
        if a.len() == 60
            && a == b
            && counter.waiting_for_hub() == 0
            && laptop.waiting_for_hub() == 0
        {
            converged = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
        if Instant::now() + Duration::from_secs(60) < deadline {
            continue;
        }
        let _ = counter.post("/api/sync/now", json!({}));
        let _ = laptop.post("/api/sync/now", json!({}));
    }
    assert!(
        converged,
        "not converged: counter {} jobs ({} waiting), laptop {} jobs ({} waiting)",
        counter.job_ids().len(),
        counter.waiting_for_hub(),
        laptop.job_ids().len(),
        laptop.waiting_for_hub()
    );
    // Every op each device made is at the hub, once, with the same hash.
    let at_hub = check::op_ids(&check::open(&hub_db));
    for (api, (_, _, db)) in [&counter, &laptop].into_iter().zip(&devices) {
        let me = api.get("/api/sync/status")["device"]
            .as_str()
            .unwrap()
            .replace('-', "");
        let me = hex::decode(me).unwrap();
        let mine: Vec<_> = check::op_ids(&check::open(db))
            .into_iter()
            .filter(|((d, _), _)| *d == me)
            .collect();
        assert!(mine.len() >= 30, "{}", db.display());
        for (id, hash) in mine {
            assert_eq!(
                at_hub.get(&id),
                Some(&hash),
                "op {} of {} is not at the hub",
                id.1,
                db.display()
            );
        }
    }
}
