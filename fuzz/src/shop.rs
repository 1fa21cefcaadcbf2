//! The shop the targets talk to: one standalone device on a real SQLite
//! file in a temporary directory, made once per process, with the owner
//! logged in, a customer, a job, an item, a draft and an invoice that
//! bodies can name, and a second enrolled device of the branch whose key
//! signs what [`Shop::push_signed_body`] pushes.
//!
//! Bodies name the shop's records with placeholders (`$JOB`, `$CUSTOMER`,
//! `$ITEM`, `$DRAFT`, `$DOC`, `$DEVICE`, `$USER`), replaced before sending:
//! ids are random per process, and a corpus must reach past "not found".

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request};
use branch_node::auth::{self, LoginInput, Session};
use branch_node::keys::KeyFile;
use branch_node::node::{Node, StandaloneSetup, now_ms};
use branch_node::{billing as bill, inventory as inv, services as svc, sync};
use sync_core::body::{LineKind, OpBody};
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::identity::DeviceKey;
use sync_core::ids::{DeviceId, UserId};
use sync_core::protocol::{PullRequest, PushRequest, Verdict};
use sync_core::writer::DeviceWriter;
use tower::ServiceExt;

const PIN: &str = "2468";

/// The device API's routes that take a body. Login, users and the password
/// reveal are left out: each costs an argon2 hash, and wrong PINs would lock
/// the owner out for the rest of the run.
const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/customers"),
    ("PATCH", "/api/customers/$CUSTOMER"),
    ("POST", "/api/jobs"),
    ("PATCH", "/api/jobs/$JOB"),
    ("POST", "/api/jobs/$JOB/status"),
    ("POST", "/api/jobs/$JOB/assign"),
    ("PUT", "/api/jobs/$JOB/diagnosis"),
    ("PUT", "/api/jobs/$JOB/notes"),
    ("POST", "/api/jobs/$JOB/estimate"),
    ("POST", "/api/conflicts/resolve"),
    ("POST", "/api/items"),
    ("POST", "/api/stock/receipts"),
    ("POST", "/api/stock/adjustments"),
    ("POST", "/api/stock/issues"),
    ("POST", "/api/stock/returns"),
    ("POST", "/api/stock/uses"),
    ("POST", "/api/transfers"),
    ("POST", "/api/drafts"),
    ("POST", "/api/drafts/$DRAFT/finalize"),
    ("POST", "/api/documents/$DOC/cancel"),
    ("POST", "/api/credit-notes"),
    ("POST", "/api/payments"),
    ("POST", "/api/leases/local"),
    ("POST", "/sync/push"),
    ("POST", "/sync/pull"),
];

pub struct Shop {
    node: Arc<Node>,
    rt: tokio::runtime::Runtime,
    token: String,
    manager: UserId,
    peer: DeviceId,
    peer_seed: [u8; 32],
    names: Vec<(&'static str, String)>,
    /// One input at a time: the corpus replays run on several test threads,
    /// and "a refusal wrote nothing" needs nobody else writing meanwhile.
    gate: Mutex<()>,
    _dir: tempfile::TempDir,
}

static SHOP: OnceLock<Shop> = OnceLock::new();

impl Shop {
    pub fn get() -> &'static Shop {
        SHOP.get_or_init(Shop::open)
    }

    fn open() -> Shop {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let node = Node::init_standalone(
            &dir.path().join("shop.sqlite"),
            &StandaloneSetup {
                branch_name: "Jayanagar".into(),
                gstin: sync_core::testkit::gstin("29", "ABCDE1234F"),
                state_code: "29".into(),
                address: "4th Block, Jayanagar, Bengaluru".into(),
                invoice_prefix: "BLR1".into(),
                credit_note_prefix: "BLRC".into(),
                upi_id: Some("fixit@okaxis".into()),
                owner_name: "Olivia Owner".into(),
                owner_pin: PIN.into(),
            },
        )
        .expect("a standalone shop");
        let node = Arc::new(node);
        let owner = Session {
            user: node.genesis().owner,
            name: "Olivia Owner".into(),
            role: Role::Owner,
            branch: None,
        };
        let token = auth::login(
            &node,
            &LoginInput {
                user: "Olivia Owner".into(),
                pin: PIN.into(),
            },
        )
        .expect("the owner logs in")
        .token;
        let manager = svc::create_user(
            &node,
            &owner,
            svc::UserInput {
                name: "Meera Manager".into(),
                role: Role::Manager,
                pin: PIN.into(),
            },
        )
        .expect("a manager")
        .id;
        let opened = svc::open_job(&node, &owner, intake()).expect("a job");
        let job = opened.job.summary.id;
        svc::add_estimate_line(&node, &owner, job, labour()).expect("an estimate line");
        let item = inv::create_item(
            &node,
            &owner,
            inv::ItemInput {
                sku: "RAM8".into(),
                name: "8GB DDR4 SODIMM".into(),
                hsn_sac: "84733020".into(),
                gst_rate: 18.into(),
                unit: "pcs".into(),
                sale_price: 1800.into(),
                cost: 1400.into(),
                reorder_level: 2.into(),
                is_service: false,
            },
        )
        .expect("an item")
        .id;
        bill::grant_local_lease(
            &node,
            &owner,
            bill::LocalLeaseInput {
                doc_type: DocType::TaxInvoice,
                size: 1000,
                fy: None,
            },
        )
        .expect("a local lease");
        let draft = |job| {
            bill::create_draft(
                &node,
                &owner,
                bill::DraftInput {
                    job,
                    customer: None,
                    customer_name: job.is_none().then(|| "Walk-in".to_string()),
                    customer_gstin: None,
                    customer_state: None,
                    customer_address: None,
                    lines: if job.is_none() {
                        vec![labour()]
                    } else {
                        vec![]
                    },
                },
            )
            .expect("a draft")
            .draft
            .id
        };
        let billed = draft(Some(job));
        let doc = bill::finalize(&node, &owner, billed, None)
            .expect("an invoice")
            .doc
            .id;
        let open_draft = draft(None);
        let peer_db = dir.path().join("peer.sqlite");
        let peer = node
            .enroll_local_device(&peer_db, "bench laptop", false, Some(Role::Manager))
            .expect("a peer device");
        let peer_seed = KeyFile::load(&peer_db)
            .expect("the peer's key file")
            .device_seed()
            .expect("the peer's key");
        let names = vec![
            ("$JOB", job.to_string()),
            ("$CUSTOMER", opened.job.summary.customer.to_string()),
            ("$ITEM", item.to_string()),
            ("$DRAFT", open_draft.to_string()),
            ("$DOC", doc.to_string()),
            ("$DEVICE", node.device.to_string()),
            ("$USER", manager.to_string()),
        ];
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        Shop {
            node,
            rt,
            token,
            manager,
            peer,
            peer_seed,
            names,
            gate: Mutex::new(()),
            _dir: dir,
        }
    }

    fn one_at_a_time(&self) -> MutexGuard<'_, ()> {
        // A panicking input (a finding) must not stop the others replaying.
        self.gate.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn name(&self, s: &str) -> String {
        let mut s = s.to_string();
        for (k, v) in &self.names {
            s = s.replace(k, v);
        }
        s
    }

    fn ops(&self) -> u64 {
        self.node
            .read(branch_node::store::read::op_count)
            .expect("op count")
    }

    fn digest(&self) -> String {
        let b = self.node.branch;
        self.node
            .read(|c| Ok(sqlite_digest(c, &b.0)))
            .expect("digest")
    }

    /// One request to the device API, as the logged-in owner.
    pub fn call(&self, which: u8, body: &[u8]) {
        let _one = self.one_at_a_time();
        let (method, path) = ROUTES[which as usize % ROUTES.len()];
        let path = self.name(path);
        let body = match std::str::from_utf8(body) {
            Ok(s) => self.name(s).into_bytes(),
            Err(_) => body.to_vec(),
        };
        let before = self.ops();
        let req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).expect("a method"))
            .uri(&path)
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("a request");
        let router = branch_node::api::router(self.node.clone());
        let (status, answer) = self.rt.block_on(async {
            let resp = router.oneshot(req).await.expect("the router answers");
            let status = resp.status();
            let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
                .await
                .expect("the answer's body");
            (status, bytes)
        });
        let text = String::from_utf8_lossy(&answer);
        assert!(
            status.as_u16() < 500,
            "{method} {path} answered {status}: {text}"
        );
        if status.is_client_error() {
            let v: serde_json::Value = serde_json::from_slice(&answer)
                .unwrap_or_else(|e| panic!("{method} {path}: {status} is not JSON ({e}): {text}"));
            assert!(
                v["error"]["message"].is_string(),
                "{method} {path}: {status} says nothing: {text}"
            );
            assert_eq!(
                self.ops(),
                before,
                "{method} {path}: refused with {status}, yet wrote an op: {text}"
            );
        }
    }

    /// A LAN push of whatever the body holds, as the peer authenticated.
    pub fn push(&self, req: &PushRequest) {
        let _one = self.one_at_a_time();
        if let Err(e) = sync::serve_push(&self.node, req) {
            assert!(e.status() < 500, "a push failed the batch: {e}");
        }
    }

    pub fn pull(&self, req: &PullRequest) {
        let _one = self.one_at_a_time();
        if let Err(e) = sync::serve_pull(&self.node, req) {
            assert!(e.status() < 500, "a pull failed: {e}");
        }
    }

    /// Any op body, signed correctly by the peer at its chain's next place
    /// and pushed: the rule book's refusal is an answer, and changes nothing.
    pub fn push_signed_body(&self, body: &[u8]) {
        let Ok(body) = serde_json::from_slice::<OpBody>(body) else {
            return;
        };
        let _one = self.one_at_a_time();
        let (head, seen) = self
            .node
            .read(|c| {
                Ok((
                    sqlite_replica::chain_head(c, self.peer)?,
                    sqlite_replica::applied(c)?,
                ))
            })
            .expect("the peer's chain");
        let mut w = DeviceWriter::new(self.peer, DeviceKey::from_seed(self.peer_seed));
        w.state.seq = head.seq;
        w.state.prev = head.hash;
        let Ok(op) = w.make(self.manager, self.node.branch, body, &seen, now_ms()) else {
            return;
        };
        let wire = op.encode().expect("a made op encodes");
        let before = self.digest();
        let answer = sync::serve_push(
            &self.node,
            &PushRequest {
                ops: vec![hex::encode(wire)],
                resynced: None,
            },
        )
        .unwrap_or_else(|e| panic!("a signed push failed the batch: {e}"));
        if answer
            .results
            .iter()
            .all(|v| v.verdict == Verdict::Rejected)
        {
            assert_eq!(self.digest(), before, "a refused op changed the shop");
        }
    }
}

fn sqlite_digest(c: &rusqlite::Connection, branch: &[u8]) -> String {
    sqlite_replica::digest::branch_digest(c, branch).expect("branch digest")
}

fn intake() -> svc::JobInput {
    svc::JobInput {
        customer: None,
        new_customer: Some(svc::CustomerInput {
            name: "Asha Rao".into(),
            mobile: "9845012345".into(),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        }),
        device_type: "Laptop".into(),
        brand: "Dell".into(),
        model: "Inspiron 15 3520".into(),
        serial: "SN000001".into(),
        complaint: "Does not boot".into(),
        accessories: vec![],
        condition: String::new(),
        password: None,
        promised: None,
        technician: None,
    }
}

fn labour() -> svc::LineInput {
    svc::LineInput {
        kind: LineKind::Service,
        item: None,
        description: "Labour".into(),
        hsn_sac: "998713".into(),
        qty: 1.into(),
        unit: "nos".into(),
        unit_price: 850.into(),
        discount: 0.into(),
        gst_rate: 18.into(),
    }
}
