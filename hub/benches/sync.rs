//! Sync over real HTTP on loopback against an in-process hub:
//!
//! - **catch-up**: a branch device offline for a week pushes its 5,000 ops
//!   and pulls the 5,000 the other device made meanwhile — against
//!   automerge's own sync protocol exchanging the same data between two
//!   in-memory documents (no network, no disk: its best case);
//! - **idle polls**: a device polling with nothing new, per second and p99.
//!
//! Run: `cargo bench -p hub --bench sync` (CATCHUP_N, default 5000 each way).
#![allow(clippy::float_arithmetic)] // times and rates, not money

mod common;

use sqlite_replica::{SqlExt, p};
use std::sync::Arc;
use std::time::Instant;

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use hub::store::HubStore;
use hub::store::db::now_ms;
use sync_core::body::*;
use sync_core::identity::DeviceKey;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::Op;
use sync_core::protocol::*;
use sync_core::vv::VersionVector;
use sync_core::writer::DeviceWriter;

struct Client {
    id: DeviceId,
    key: DeviceKey,
    http: reqwest::Client,
    url: String,
    clock: RequestClock,
}

impl Client {
    async fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        let bytes = serde_json::to_vec(body).unwrap();
        let t = self.clock.next(now_ms());
        let sig = self
            .key
            .sign(&request_signing_bytes("POST", path, t, &bytes));
        self.http
            .post(format!("{}{path}", self.url))
            .header(H_DEVICE, self.id.to_string())
            .header(H_TIME, t.to_string())
            .header(H_SIGNATURE, hex::encode(sig))
            .body(bytes)
            .send()
            .await
            .unwrap()
    }
}

/// The answer's body, or a panic that says what the hub answered instead.
async fn answer<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> T {
    let status = r.status();
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: {text} ({e})"))
}

fn ops_for(w: &mut DeviceWriter, rec: UserId, branch: BranchId, n: usize, tag: u8) -> Vec<Op> {
    let mut out: Vec<Op> = vec![];
    for i in 0..n {
        let id = RecordId(sync_core::testkit::id16(tag, (i / 2) as u32));
        let body = if i % 2 == 0 {
            OpBody::CustomerCreated(Customer {
                id,
                name: format!("Customer {tag}-{i}"),
                mobile: "9845012345".into(),
                email: None,
                address: None,
                gstin: None,
                state_code: None,
            })
        } else {
            let prev = out.last().map(|o| o.id).into_iter().collect();
            OpBody::CustomerUpdated {
                customer: id,
                writes: vec![FieldWrite {
                    field: "name".into(),
                    value: FieldValue::Text(format!("Customer {tag}-{i} (edited)")),
                    supersedes: prev,
                }],
            }
        };
        out.push(
            w.make(rec, branch, body, &VersionVector::default(), now_ms())
                .unwrap(),
        );
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` runs this once, tiny,
    // so the bench cannot rot between measurements.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("CATCHUP_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke { 50 } else { 5000 });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (hub, branch, rec) = common::bench_hub(&hub::store::db::Place::Sqlite(
        dir.path().join("hub.sqlite"),
    ));
    let hub = Arc::new(hub);
    let mut devs = vec![];
    for i in 0..2u8 {
        let key = DeviceKey::from_seed([i + 40; 32]);
        let id = DeviceId([i + 40; 16]);
        let code = hub
            .create_enrollment(branch, "bench", i == 0, now_ms())
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
        devs.push((id, key));
    }
    // The device that stayed online already pushed its week.
    let mut w_online = DeviceWriter::new(devs[1].0, DeviceKey::from_seed([41; 32]));
    let online_ops = ops_for(&mut w_online, rec, branch, n, 1);
    for chunk in online_ops.chunks(1000) {
        let wires: Vec<Vec<u8>> = chunk.iter().map(|o| o.encode().unwrap()).collect();
        hub.accept_batch(devs[1].0, &wires).unwrap();
    }
    let mut w_offline = DeviceWriter::new(devs[0].0, DeviceKey::from_seed([40; 32]));
    let offline_ops = ops_for(&mut w_offline, rec, branch, n, 2);

    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Measure capacity, not the per-device rate limit.
    let state = hub::server::AppState::with_rate(hub.clone(), 1_000_000);
    rt.spawn(async move {
        hub::server::serve(listener, state, std::future::pending())
            .await
            .unwrap()
    });
    let client = Client {
        id: devs[0].0,
        key: DeviceKey::from_seed([40; 32]),
        http: reqwest::Client::new(),
        url,
        clock: RequestClock::default(),
    };

    // --- catch-up over HTTP: push 5,000, pull everything new
    let t = Instant::now();
    let (pushed, pulled) = rt.block_on(async {
        let mut pushed = 0;
        for chunk in offline_ops.chunks(1000) {
            let body = serde_json::json!({ "ops": chunk.iter().map(|o| hex::encode(o.encode().unwrap())).collect::<Vec<_>>() });
            let r: PushResponse = client.post(PUSH, &body).await.json().await.unwrap();
            pushed += r.results.iter().filter(|v| v.verdict == Verdict::Accepted).count();
        }
        let mut cursor = 0;
        let mut pulled = 0;
        loop {
            let r: PullResponse = client.post(PULL, &serde_json::json!({ "cursor": cursor, "limit": 1000 })).await.json().await.unwrap();
            pulled += r.ops.len();
            cursor = r.next_cursor;
            if !r.more {
                break;
            }
        }
        (pushed, pulled)
    });
    let ours = t.elapsed().as_secs_f64();
    assert_eq!(pushed, n);

    // --- automerge's own sync protocol on the same data, in memory
    let mk = |tag: u8| {
        let mut d = AutoCommit::new();
        for i in 0..n {
            let key = format!("customer-{tag}-{}", i / 2);
            let val = if i % 2 == 0 {
                format!("Customer {tag}-{i}")
            } else {
                format!("Customer {tag}-{i} (edited)")
            };
            d.put(ROOT, key, val).unwrap();
            d.commit();
        }
        d
    };
    let mut a = mk(1);
    let mut b = mk(2);
    let t = Instant::now();
    let (mut sa, mut sb) = (automerge::sync::State::new(), automerge::sync::State::new());
    let mut rounds = 0;
    loop {
        let m1 = a.sync().generate_sync_message(&mut sa);
        if let Some(m) = m1.clone() {
            b.sync().receive_sync_message(&mut sb, m).unwrap();
        }
        let m2 = b.sync().generate_sync_message(&mut sb);
        if let Some(m) = m2.clone() {
            a.sync().receive_sync_message(&mut sa, m).unwrap();
        }
        rounds += 1;
        if m1.is_none() && m2.is_none() {
            break;
        }
    }
    let am = t.elapsed().as_secs_f64();
    assert_eq!(a.get_heads().len(), b.get_heads().len());

    // --- idle polls
    let polls = if smoke { 20 } else { 2000 };
    let mut lat = Vec::with_capacity(polls);
    let cursor = rt.block_on(async {
        let r: PullResponse = client
            .post(PULL, &serde_json::json!({ "cursor": 0, "limit": 1 }))
            .await
            .json()
            .await
            .unwrap();
        let _ = r;
        hub.read(|c| Ok(c.row("SELECT max(lsn) FROM ops", p![], |r| r.get::<u64>(0))?))
            .unwrap()
    });
    let t = Instant::now();
    rt.block_on(async {
        for _ in 0..polls {
            let s = Instant::now();
            let r: PullResponse = answer(
                client
                    .post(PULL, &serde_json::json!({ "cursor": cursor, "limit": 500 }))
                    .await,
            )
            .await;
            assert!(r.ops.is_empty());
            lat.push(s.elapsed().as_secs_f64() * 1e6);
        }
    });
    let idle = t.elapsed().as_secs_f64();
    lat.sort_by(|x, y| x.partial_cmp(y).unwrap());

    // --- the same, asking for the branch digest, as every hub sync does
    // on its last page: the price of proving agreement each time.
    let mut dlat = Vec::with_capacity(polls);
    let t = Instant::now();
    rt.block_on(async {
        for _ in 0..polls {
            let s = Instant::now();
            let r: PullResponse = answer(
                client
                    .post(
                        PULL,
                        &serde_json::json!({ "cursor": cursor, "limit": 500, "digest": true }),
                    )
                    .await,
            )
            .await;
            assert!(r.branch_digest.is_some());
            dlat.push(s.elapsed().as_secs_f64() * 1e6);
        }
    });
    let digest_idle = t.elapsed().as_secs_f64();
    dlat.sort_by(|x, y| x.partial_cmp(y).unwrap());

    println!(
        "Catch-up after a week offline: {n} ops pushed and {pulled} pulled (the other device's {n} plus the hub's own)\n"
    );
    println!("| path | time | ops/s |");
    println!("|---|---:|---:|");
    println!(
        "| this protocol: signed HTTP push + pull on loopback, hub validates and stores | {:.2} s | {:.0} |",
        ours,
        (2 * n) as f64 / ours
    );
    println!(
        "| automerge sync protocol, two in-memory docs, same data ({rounds} rounds) | {:.2} s | {:.0} |",
        am,
        (2 * n) as f64 / am
    );
    println!(
        "\nIdle polls (nothing new), sequential, one device: {:.0}/s, p50 {:.0} µs, p99 {:.0} µs",
        polls as f64 / idle,
        lat[polls / 2],
        lat[polls * 99 / 100]
    );
    println!(
        "Idle polls asking for the branch digest ({pulled} ops of state): {:.0}/s, p50 {:.0} µs, p99 {:.0} µs",
        polls as f64 / digest_idle,
        dlat[polls / 2],
        dlat[polls * 99 / 100]
    );
}
