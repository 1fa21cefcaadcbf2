//! A bounded load of many devices syncing against two `hub serve`
//! processes over one PostgreSQL database, as behind a load balancer: in
//! each round every device pushes a small batch (a customer it took in) and
//! pulls what is new, through one process or the other by its index, with a
//! bounded number of requests in flight. Reports sync requests per second
//! and the p50 and p99 latency of one request.
//!
//! Needs PostgreSQL (`REPAIR_PG_URL`; `eval "$(scripts/postgres)"`).
//! Run: `cargo bench -p hub --bench load` (`LOAD_DEVICES`, default 1000;
//! `LOAD_ROUNDS`, default 3; `LOAD_IN_FLIGHT`, default 64).
#![allow(clippy::float_arithmetic)] // times and rates, not money

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hub::store::HubStore;
use hub::store::db::{Place, now_ms};
use sync_core::body::*;
use sync_core::domain::roles::Role;
use sync_core::identity::DeviceKey;
use sync_core::ids::{DeviceId, RecordId};
use sync_core::op::Op;
use sync_core::protocol::*;
use sync_core::vv::VersionVector;
use sync_core::writer::DeviceWriter;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Device {
    id: DeviceId,
    key: DeviceKey,
    /// This device's ops, one per round.
    ops: Vec<Op>,
    /// The hub process it talks to.
    url: String,
    clock: RequestClock,
}

impl Device {
    async fn post(&self, http: &reqwest::Client, path: &str, body: &serde_json::Value) -> u16 {
        let bytes = serde_json::to_vec(body).unwrap();
        let t = self.clock.next(now_ms());
        let sig = self
            .key
            .sign(&request_signing_bytes("POST", path, t, &bytes));
        let r = http
            .post(format!("{}{path}", self.url))
            .header(H_DEVICE, self.id.to_string())
            .header(H_TIME, t.to_string())
            .header(H_SIGNATURE, hex::encode(sig))
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let _ = r.bytes().await;
        status
    }
}

fn spawn_hub(args: &[String], port: u16) -> std::process::Child {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hub"))
        .args(args)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..500 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("hub did not start");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` runs this once, tiny,
    // so the bench cannot rot between measurements.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let Ok(admin) = std::env::var("REPAIR_PG_URL") else {
        println!("no PostgreSQL: REPAIR_PG_URL unset; `eval \"$(scripts/postgres)\"` first");
        return;
    };
    let n = env("LOAD_DEVICES", if smoke { 10 } else { 1000 });
    let rounds = env("LOAD_ROUNDS", if smoke { 1 } else { 3 });
    let in_flight = env("LOAD_IN_FLIGHT", 64);

    let dir = tempfile::tempdir().unwrap();
    let url = hub_pg::pool::create_database(&admin, "repair_h_").unwrap();
    let keys = dir.path().join("hub.keys");
    let place = Place::Postgres {
        url: url.clone(),
        keys: keys.clone(),
    };
    let (hub, branch, rec) = common::bench_hub(&place);
    let (port_a, port_b) = (free_port(), free_port());
    let mut devices = vec![];
    for i in 0..n {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        let key = DeviceKey::from_seed(seed);
        let mut id = [7u8; 16];
        id[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        let id = DeviceId(id);
        let code = hub
            .create_enrollment_with(branch, "load", false, Some(Role::Manager), now_ms())
            .unwrap();
        hub.redeem(
            &EnrollRequest {
                code: code.code,
                device: id,
                public_key: key.public(),
            },
            now_ms(),
        )
        .unwrap();
        let mut w = DeviceWriter::new(id, DeviceKey::from_seed(seed));
        let mut applied = VersionVector::default();
        let ops = (0..rounds)
            .map(|r| {
                let mut cid = [0u8; 16];
                cid[..8].copy_from_slice(&(i as u64).to_le_bytes());
                cid[8..12].copy_from_slice(&(r as u32).to_le_bytes());
                let op = w
                    .make(
                        rec,
                        branch,
                        OpBody::CustomerCreated(Customer {
                            id: RecordId(cid),
                            name: format!("Customer {i}-{r}"),
                            mobile: format!("98{:08}", i * 10 + r),
                            email: None,
                            address: None,
                            gstin: None,
                            state_code: None,
                        }),
                        &applied,
                        1_800_000_000_000 + r as u64,
                    )
                    .unwrap();
                applied.0.insert(id, op.id.seq);
                op
            })
            .collect();
        devices.push(Arc::new(Device {
            id,
            key,
            ops,
            url: format!(
                "http://127.0.0.1:{}",
                if i % 2 == 0 { port_a } else { port_b }
            ),
            clock: RequestClock::default(),
        }));
    }
    drop(hub);
    let args = vec![
        "--db".to_string(),
        url,
        "--keys".to_string(),
        keys.display().to_string(),
    ];
    let mut a = spawn_hub(&args, port_a);
    let mut b = spawn_hub(&args, port_b);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (took, mut latencies) = rt.block_on(async {
        let http = reqwest::Client::new();
        let permits = Arc::new(tokio::sync::Semaphore::new(in_flight));
        let t = Instant::now();
        let mut latencies = vec![];
        for round in 0..rounds {
            let mut tasks = vec![];
            for d in &devices {
                let (d, http, permits) = (d.clone(), http.clone(), permits.clone());
                tasks.push(tokio::spawn(async move {
                    let _p = permits.acquire_owned().await.unwrap();
                    let mut took = vec![];
                    let push =
                        serde_json::json!({ "ops": [hex::encode(d.ops[round].encode().unwrap())] });
                    let s = Instant::now();
                    assert_eq!(d.post(&http, PUSH, &push).await, 200);
                    took.push(s.elapsed());
                    let s = Instant::now();
                    let pull = serde_json::json!({ "cursor": 0, "limit": 100 });
                    assert_eq!(d.post(&http, PULL, &pull).await, 200);
                    took.push(s.elapsed());
                    took
                }));
            }
            for task in tasks {
                latencies.extend(task.await.unwrap());
            }
        }
        (t.elapsed(), latencies)
    });
    let _ = a.kill();
    let _ = b.kill();
    let _ = a.wait();
    let _ = b.wait();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{n} devices, {rounds} rounds of a push and a pull each, at most {in_flight} requests in flight, two hub processes over one PostgreSQL\n"
    );
    println!("| requests | sync requests/s | p50 | p99 |");
    println!("|---:|---:|---:|---:|");
    println!(
        "| {} | {:.0} | {:.1} ms | {:.1} ms |",
        latencies.len(),
        latencies.len() as f64 / took.as_secs_f64(),
        at(0.50).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0
    );
}
