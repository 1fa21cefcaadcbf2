//! Shared fixtures: a hub on loopback with two branches, and simulated
//! devices that sign their operations and requests as a branch node does.

use std::sync::Arc;

use hub::store::HubStore;
use hub::store::db::{HubDb, Place, now_ms};
use serde_json::Value;
use sync_core::body::*;
use sync_core::domain::roles::Role;
use sync_core::identity::DeviceKey;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::Op;
use sync_core::protocol::*;
use sync_core::replica::{Genesis, Replica};
use sync_core::writer::DeviceWriter;

pub mod xml;

pub const PASS: &str = "correct horse battery";
/// The owner, who logs in to the dashboard.
pub const OWNER: &str = "Olivia Owner";
pub const OWNER_PIN: &str = "2468";

pub struct Hub {
    pub hub: Arc<HubDb>,
    /// Where it keeps its tables (see [`place`]).
    pub place: Place,
    pub url: String,
    pub _dir: tempfile::TempDir,
    pub _stop: tokio::sync::oneshot::Sender<()>,
    pub a: BranchId,
    pub b: BranchId,
    pub users: std::collections::HashMap<&'static str, UserId>,
    /// A client for `url` (trusting the test CA when the hub serves HTTPS).
    pub client: reqwest::Client,
    /// The server's state (its login counters).
    pub state: Arc<hub::server::AppState>,
}

/// A test CA, and a certificate it signed for 127.0.0.1 and localhost:
/// (CA PEM, certificate PEM, private key PEM).
pub fn test_certs() -> (String, String, String) {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Repair shop test CA");
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().unwrap()).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut leaf =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    leaf.distinguished_name
        .push(rcgen::DnType::CommonName, "hub");
    let cert = leaf.signed_by(&key, &*ca).unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

/// HTTPS for [`start_with`]: the server's config and the CA to trust.
pub struct Tls {
    pub config: std::sync::Arc<hub::tls::ServerConfig>,
    pub ca_pem: String,
}

pub fn tls() -> Tls {
    let (ca_pem, cert, key) = test_certs();
    let dir = tempfile::tempdir().unwrap();
    let (c, k) = (dir.path().join("hub.crt"), dir.path().join("hub.key"));
    std::fs::write(&c, cert).unwrap();
    std::fs::write(&k, key).unwrap();
    Tls {
        config: hub::tls::load(&c, &k).unwrap(),
        ca_pem,
    }
}

pub fn branch(name: &str, pan: &str, prefix: &str) -> Branch {
    let mut id = [0u8; 16];
    getrandom::getrandom(&mut id).unwrap();
    Branch {
        id: BranchId(id),
        name: name.into(),
        gstin: sync_core::testkit::gstin("29", pan),
        state_code: "29".into(),
        address: "Bengaluru".into(),
        invoice_prefix: prefix.into(),
        credit_note_prefix: format!("{prefix}C"),
        upi_id: None,
        phone: None,
    }
}

/// Where a test's hub keeps its tables: SQLite in `dir`, or, with
/// `REPAIR_HUB_ENGINE=postgres` (the test command's second pass over the
/// hub's tests), a fresh database on the server of `REPAIR_PG_URL`.
pub fn place(dir: &std::path::Path) -> Place {
    match std::env::var("REPAIR_HUB_ENGINE").as_deref() {
        Ok("postgres") => pg_place(dir)
            .expect("REPAIR_HUB_ENGINE=postgres needs REPAIR_PG_URL (scripts/postgres)"),
        _ => Place::Sqlite(dir.join("hub.sqlite")),
    }
}

/// A fresh database on the server of `REPAIR_PG_URL`, or None (the test
/// skips, saying so) when none is configured; `REPAIR_REQUIRE_PG=1` (set
/// by the test command) makes that a failure.
pub fn pg_place(dir: &std::path::Path) -> Option<Place> {
    let Ok(admin) = std::env::var("REPAIR_PG_URL") else {
        assert!(
            std::env::var("REPAIR_REQUIRE_PG").is_err(),
            "REPAIR_REQUIRE_PG is set but REPAIR_PG_URL is not: run scripts/postgres"
        );
        eprintln!("skipped: no PostgreSQL (REPAIR_PG_URL unset; scripts/postgres starts one)");
        return None;
    };
    let url = hub_pg::pool::create_database(&admin, "repair_h_").expect("a database for the hub");
    Some(Place::Postgres {
        url,
        keys: dir.join("hub.keys"),
    })
}

/// `--db` (and `--keys`) for a `hub` process over `place`.
pub fn db_args(place: &Place) -> Vec<String> {
    match place {
        Place::Sqlite(db) => vec!["--db".into(), db.display().to_string()],
        Place::Postgres { url, keys } => vec![
            "--db".into(),
            url.clone(),
            "--keys".into(),
            keys.display().to_string(),
        ],
    }
}

pub async fn start() -> Hub {
    start_with(hub::server::RATE_PER_SEC, None).await
}

/// A hub with another per-device rate limit, or over HTTPS.
pub async fn start_with(rate_per_sec: u32, tls: Option<Tls>) -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let place = place(dir.path());
    start_at(dir, place, rate_per_sec, tls).await
}

/// A hub keeping its tables at `place` (its key file in `dir`).
pub async fn start_at(
    dir: tempfile::TempDir,
    place: Place,
    rate_per_sec: u32,
    tls: Option<Tls>,
) -> Hub {
    let at = place.clone();
    let (hub, a, b, users) = tokio::task::spawn_blocking(move || {
        let hub = HubDb::init_at(&place, OWNER, OWNER_PIN, PASS).unwrap();
        let a = hub
            .add_branch(branch("Jayanagar", "ABCDE1234F", "JAY"))
            .unwrap();
        let b = hub
            .add_branch(branch("Whitefield", "FGHIJ5678K", "WFD"))
            .unwrap();
        let mut users = std::collections::HashMap::new();
        users.insert(
            "rec_a",
            hub.add_user(Some(a), "Ravi", Role::Receptionist, "1111")
                .unwrap(),
        );
        users.insert(
            "tech_a",
            hub.add_user(Some(a), "Tara", Role::Technician, "2222")
                .unwrap(),
        );
        users.insert(
            "acc_a",
            hub.add_user(Some(a), "Arun", Role::Accountant, "3333")
                .unwrap(),
        );
        users.insert(
            "rec_b",
            hub.add_user(Some(b), "Bina", Role::Receptionist, "4444")
                .unwrap(),
        );
        (Arc::new(hub), a, b, users)
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let state = hub::server::AppState::with_rate(hub.clone(), rate_per_sec);
    let server_state = state.clone();
    let stop = async {
        let _ = rx.await;
    };
    let (url, client) = match tls {
        Some(t) => {
            let config = t.config;
            tokio::spawn(async move {
                hub::server::serve_tls(listener, config, state, stop)
                    .await
                    .unwrap();
            });
            let ca = reqwest::Certificate::from_pem(t.ca_pem.as_bytes()).unwrap();
            (
                format!("https://{addr}"),
                reqwest::Client::builder()
                    .add_root_certificate(ca)
                    .build()
                    .unwrap(),
            )
        }
        None => {
            tokio::spawn(async move {
                hub::server::serve(listener, state, stop).await.unwrap();
            });
            (format!("http://{addr}"), reqwest::Client::new())
        }
    };
    Hub {
        hub,
        url,
        place: at,
        _dir: dir,
        _stop: tx,
        a,
        b,
        users,
        client,
        state: server_state,
    }
}

/// A simulated device: its key, its writer and its replica of what it pulled.
pub struct Dev {
    pub id: DeviceId,
    pub key: DeviceKey,
    pub w: DeviceWriter,
    pub r: Replica,
    pub branch: BranchId,
    pub cursor: u64,
    pub http: reqwest::Client,
    pub url: String,
    /// Unique request times, as a branch node keeps them (the hub refuses
    /// the same signed request twice).
    pub clock: RequestClock,
    /// The number blocks the enrollment answer carried.
    pub enrolled_leases: Vec<Lease>,
}

impl Dev {
    pub async fn enroll(h: &Hub, branch: BranchId, store: bool) -> Dev {
        Dev::enroll_with(h, branch, store, None).await
    }

    /// As [`Dev::enroll`], with the ceiling the owner gives the device.
    pub async fn enroll_with(
        h: &Hub,
        branch: BranchId,
        store: bool,
        ceiling: Option<sync_core::domain::roles::Role>,
    ) -> Dev {
        let hub = h.hub.clone();
        let code = tokio::task::spawn_blocking(move || {
            hub.create_enrollment_with(branch, "test device", store, ceiling, now_ms())
                .unwrap()
        })
        .await
        .unwrap();
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).unwrap();
        let key = DeviceKey::from_seed(seed);
        let mut idb = [0u8; 16];
        getrandom::getrandom(&mut idb).unwrap();
        let id = DeviceId(idb);
        let http = h.client.clone();
        let r = http
            .post(format!("{}{ENROLL}", h.url))
            .json(&EnrollRequest {
                code: code.code.clone(),
                device: id,
                public_key: key.public(),
            })
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let resp: EnrollResponse = r.json().await.unwrap();
        let bk = sync_core::seal::open(
            &code_secret_key(&code.code).unwrap(),
            &sync_core::seal::branch_key_aad(&branch),
            &resp.wrapped_branch_key,
        )
        .unwrap();
        assert_eq!(bk.len(), 32);
        // The code is one-time.
        let again = http
            .post(format!("{}{ENROLL}", h.url))
            .json(&EnrollRequest {
                code: code.code,
                device: DeviceId([9; 16]),
                public_key: key.public(),
            })
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 422);
        let genesis = Genesis {
            owner: resp.owner,
            hub_device: resp.hub_device,
            hub_key: resp.hub_key,
        };
        let mut d = Dev {
            id,
            w: DeviceWriter::new(id, DeviceKey::from_seed(seed)),
            key,
            r: Replica::new(genesis),
            branch,
            cursor: 0,
            http,
            url: h.url.clone(),
            clock: RequestClock::default(),
            enrolled_leases: resp.leases.clone(),
        };
        d.pull_all().await;
        d
    }

    pub async fn signed(&self, path: &str, body: &Value) -> reqwest::Response {
        let bytes = serde_json::to_vec(body).unwrap();
        self.signed_raw(path, bytes, self.time()).await
    }

    /// The time for this device's next request.
    pub fn time(&self) -> u64 {
        self.clock.next(now_ms())
    }

    pub async fn signed_raw(&self, path: &str, bytes: Vec<u8>, time: u64) -> reqwest::Response {
        let sig = self
            .key
            .sign(&request_signing_bytes("POST", path, time, &bytes));
        self.http
            .post(format!("{}{path}", self.url))
            .header(H_DEVICE, self.id.to_string())
            .header(H_TIME, time.to_string())
            .header(H_SIGNATURE, hex::encode(sig))
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// As `signed`, but a dropped connection is an error, not a panic.
    pub async fn try_signed(&self, path: &str, body: &Value) -> reqwest::Result<reqwest::Response> {
        self.try_signed_to(&self.url, path, body, self.time()).await
    }

    /// As `try_signed`, to the hub at `base`, signed at `time` (the same
    /// time twice is the same request: a replay).
    pub async fn try_signed_to(
        &self,
        base: &str,
        path: &str,
        body: &Value,
        time: u64,
    ) -> reqwest::Result<reqwest::Response> {
        let bytes = serde_json::to_vec(body).unwrap();
        let sig = self
            .key
            .sign(&request_signing_bytes("POST", path, time, &bytes));
        self.http
            .post(format!("{base}{path}"))
            .header(H_DEVICE, self.id.to_string())
            .header(H_TIME, time.to_string())
            .header(H_SIGNATURE, hex::encode(sig))
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
    }

    pub async fn pull_all(&mut self) -> usize {
        let mut n = 0;
        loop {
            let r = self
                .signed(
                    PULL,
                    &serde_json::json!({ "cursor": self.cursor, "limit": 100 }),
                )
                .await;
            assert_eq!(r.status(), 200);
            let p: PullResponse = r.json().await.unwrap();
            for o in &p.ops {
                let op = Op::decode(&hex::decode(&o.wire).unwrap()).unwrap();
                assert_eq!(o.rejected, None, "this test's pulled ops are all accepted");
                let kind = op.body.kind();
                let dev = op.id.device;
                if let Err(e) = self.r.receive(op) {
                    panic!(
                        "receiving {kind} from {dev} (hub root {}): {e}",
                        self.r.genesis.hub_device
                    );
                }
                n += 1;
            }
            self.cursor = p.next_cursor;
            if !p.more {
                return n;
            }
        }
    }

    pub fn make(&mut self, author: UserId, body: OpBody) -> Op {
        let applied = self.r.applied().clone();
        let op = self
            .w
            .make(author, self.branch, body, &applied, now_ms())
            .unwrap();
        self.r.receive(op.clone()).unwrap();
        op
    }

    pub async fn push(&self, ops: &[Op]) -> (reqwest::StatusCode, Value) {
        let body = serde_json::json!({ "ops": ops.iter().map(|o| hex::encode(o.encode().unwrap())).collect::<Vec<_>>() });
        let r = self.signed(PUSH, &body).await;
        (r.status(), r.json().await.unwrap())
    }
}

pub fn customer(n: u32) -> OpBody {
    OpBody::CustomerCreated(Customer {
        id: RecordId(sync_core::testkit::id16(b'c', n)),
        name: format!("Customer {n}"),
        mobile: "9845012345".into(),
        email: None,
        address: None,
        gstin: None,
        state_code: None,
    })
}

/// A port no one listens on yet.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `hub serve` process over `place` on `port`, once it answers.
pub fn spawn_hub(place: &Place, port: u16) -> std::process::Child {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_hub"))
        .args(db_args(place))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    panic!("hub did not start");
}
