//! A whole business on one machine: a hub on loopback with two branches,
//! their people and the shared catalogue, and devices enrolled with real
//! one-time codes, each on its own SQLite file and serving its local API.
//! The end-to-end tests and the whole-shop demo both stand on this.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use branch_node::auth::{LoginInput, Session};
use branch_node::node::Node;
use hub::store::HubStore;
use hub::store::db::{HubDb, Place, now_ms};
use rust_decimal::Decimal;
use sync_core::body::{Branch, Item};
use sync_core::domain::roles::Role;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};

/// The hub's passphrase in tests and the demo (it guards the branch keys).
/// Where a test's hub keeps its tables: SQLite in `dir`, or, with
/// `REPAIR_HUB_ENGINE=postgres`, a fresh database on the server of
/// `REPAIR_PG_URL` (its key file in `dir`).
pub fn hub_place(dir: &Path) -> Place {
    match std::env::var("REPAIR_HUB_ENGINE").as_deref() {
        Ok("postgres") => {
            let admin = std::env::var("REPAIR_PG_URL")
                .expect("REPAIR_HUB_ENGINE=postgres needs REPAIR_PG_URL (scripts/postgres)");
            Place::Postgres {
                url: hub_pg::pool::create_database(&admin, "repair_h_")
                    .expect("a database for the hub"),
                keys: dir.join("hub.keys"),
            }
        }
        _ => Place::Sqlite(dir.join("hub.sqlite")),
    }
}

pub const PASSPHRASE: &str = "demo passphrase, not for a real shop";
/// The owner: logs in to the hub's dashboard with this name and PIN.
pub const OWNER_NAME: &str = "Olivia Owner";
pub const OWNER_PIN: &str = "2468";

/// Run blocking work (SQLite, argon2) off the async workers.
pub async fn bg<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

pub fn dec(s: &str) -> Decimal {
    s.parse().expect("a decimal literal")
}

fn random16() -> [u8; 16] {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b).expect("randomness");
    b
}

/// A branch as the hub knows it, with its people (name → (id, PIN)).
#[derive(Clone)]
pub struct BranchInfo {
    pub id: BranchId,
    pub name: String,
    pub people: HashMap<Role, (UserId, String, &'static str)>,
}

impl BranchInfo {
    pub fn user(&self, role: Role) -> UserId {
        self.people[&role].0
    }
}

pub struct Hub {
    pub store: Arc<HubDb>,
    /// Where it keeps its tables (see [`hub_place`]).
    pub place: Place,
    /// `http://127.0.0.1:<port>` (`https://` with TLS), straight to the hub.
    pub url: String,
    /// `127.0.0.1:<port>`
    pub addr: String,
    pub branches: Vec<BranchInfo>,
    /// The shared catalogue: SKU → item id.
    pub items: HashMap<&'static str, RecordId>,
    pub owner: UserId,
    rate_per_sec: u32,
    tls: Option<Arc<hub::tls::ServerConfig>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Serve `store` on a fresh loopback port: (url, addr, the stop switch).
async fn serve_hub(
    store: Arc<HubDb>,
    rate_per_sec: u32,
    tls: Option<Arc<hub::tls::ServerConfig>>,
) -> (String, String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind hub");
    let addr = listener.local_addr().expect("hub addr").to_string();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let state = hub::server::AppState::with_rate(store, rate_per_sec);
    let scheme = if tls.is_some() { "https" } else { "http" };
    tokio::spawn(async move {
        let stop = async {
            let _ = rx.await;
        };
        match tls {
            Some(tls) => hub::server::serve_tls(listener, tls, state, stop).await,
            None => hub::server::serve(listener, state, stop).await,
        }
        .expect("hub server");
    });
    (format!("{scheme}://{addr}"), addr, tx)
}

/// One catalogue line: (SKU, name, HSN/SAC, GST %, price, cost, reorder level, service).
pub type CatalogueLine = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

/// Catalogue of a laptop repair shop.
pub const CATALOGUE: &[CatalogueLine] = &[
    (
        "RAM8-DDR4",
        "8GB DDR4 SODIMM 3200",
        "84733099",
        "18",
        "1850",
        "1300",
        "4",
        false,
    ),
    (
        "SSD512-NVME",
        "512GB NVMe SSD",
        "84717020",
        "18",
        "3400",
        "2600",
        "3",
        false,
    ),
    (
        "KBD-DELL-3520",
        "Keyboard, Dell Inspiron 3520",
        "84716060",
        "18",
        "1650",
        "900",
        "2",
        false,
    ),
    (
        "BAT-HP-HT03",
        "Battery HP HT03XL",
        "85076000",
        "18",
        "2900",
        "2100",
        "2",
        false,
    ),
    (
        "CHG-65W-USBC",
        "65W USB-C charger",
        "85044030",
        "18",
        "1450",
        "950",
        "3",
        false,
    ),
    (
        "SVC-LABOUR",
        "Repair labour",
        "998713",
        "18",
        "600",
        "0",
        "0",
        true,
    ),
];

/// The people of each branch: (role, name, PIN).
const PEOPLE: &[(Role, &str, &str)] = &[
    (Role::Manager, "Manager", "4321"),
    (Role::Receptionist, "Counter", "1111"),
    (Role::Technician, "Technician", "2222"),
    (Role::Accountant, "Accounts", "3333"),
];

/// `hub_session=…` from a login answer's `Set-Cookie`, for a `Cookie` header.
pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hub_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

impl Hub {
    /// A hub on `dir/hub.sqlite`, with the branches Jayanagar (Karnataka)
    /// and T. Nagar (Tamil Nadu), four people each and the catalogue.
    pub async fn start(dir: &Path, rate_per_sec: u32) -> Hub {
        Hub::start_with(dir, rate_per_sec, None).await
    }

    /// As [`Hub::start`], over HTTPS when given a TLS configuration.
    pub async fn start_with(
        dir: &Path,
        rate_per_sec: u32,
        tls: Option<Arc<hub::tls::ServerConfig>>,
    ) -> Hub {
        let place = hub_place(dir);
        let at = place.clone();
        let (store, branches, items, owner) = bg(move || {
            let hub = HubDb::init_at(&at, OWNER_NAME, OWNER_PIN, PASSPHRASE).expect("hub init");
            let mut branches = vec![];
            for (name, state, pan, prefix, first) in [
                ("Jayanagar", "29", "ABCDE1234F", "JAY", "Ravi"),
                ("T Nagar", "33", "FGHIJ5678K", "TNR", "Selvi"),
            ] {
                let id = hub
                    .add_branch(Branch {
                        id: BranchId(random16()),
                        name: name.into(),
                        gstin: sync_core::testkit::gstin(state, pan),
                        state_code: state.into(),
                        address: format!("{name} main road"),
                        invoice_prefix: prefix.into(),
                        credit_note_prefix: format!("{prefix}C"),
                        upi_id: Some(format!("{}@okaxis", prefix.to_lowercase())),
                        phone: None,
                    })
                    .expect("add branch");
                let mut people = HashMap::new();
                for (role, who, pin) in PEOPLE {
                    let name = format!("{first} {who}");
                    let user = hub.add_user(Some(id), &name, *role, pin).expect("add user");
                    people.insert(*role, (user, name, *pin));
                }
                branches.push(BranchInfo {
                    id,
                    name: name.into(),
                    people,
                });
            }
            let mut items = HashMap::new();
            for (sku, name, hsn, rate, price, cost, reorder, service) in CATALOGUE {
                let id = RecordId(random16());
                hub.add_item(Item {
                    id,
                    sku: (*sku).into(),
                    name: (*name).into(),
                    hsn_sac: (*hsn).into(),
                    gst_rate: dec(rate),
                    unit: if *service { "nos" } else { "pcs" }.into(),
                    sale_price: dec(price),
                    cost: dec(cost),
                    reorder_level: dec(reorder),
                    is_service: *service,
                })
                .expect("add item");
                items.insert(*sku, id);
            }
            let owner = hub.genesis().owner;
            (Arc::new(hub), branches, items, owner)
        })
        .await;
        let (url, addr, stop) = serve_hub(store.clone(), rate_per_sec, tls.clone()).await;
        Hub {
            store,
            place,
            url,
            addr,
            branches,
            items,
            owner,
            rate_per_sec,
            tls,
            _stop: stop,
        }
    }

    /// Stop the hub and start it again from its file, on a new port (a
    /// proxy before it follows with `set_upstream`): what it held only in
    /// memory (replay guard, rate limits, sessions) is gone, as after a
    /// power cut.
    pub async fn restart(&mut self) {
        let (tx, _) = tokio::sync::oneshot::channel();
        drop(std::mem::replace(&mut self._stop, tx));
        let at = self.place.clone();
        let store = bg(move || HubDb::open_at(&at, Some(PASSPHRASE)).expect("hub reopens")).await;
        self.store = Arc::new(store);
        let (url, addr, stop) =
            serve_hub(self.store.clone(), self.rate_per_sec, self.tls.clone()).await;
        (self.url, self.addr, self._stop) = (url, addr, stop);
    }

    /// The hub's disk is lost: stop it, put the backup at `from` in its
    /// place (`hub restore`), and start it again from there on a new port.
    pub async fn restore_from(&mut self, from: &Path) -> hub::store::db::restore::RestoreReport {
        let (tx, _) = tokio::sync::oneshot::channel();
        drop(std::mem::replace(&mut self._stop, tx));
        let (db, from) = (self.store.db.clone(), from.to_path_buf());
        let (store, report) = bg(move || {
            let report = hub::store::db::restore::restore(&from, &db).expect("hub restore");
            let store = HubDb::open(&db, Some(PASSPHRASE)).expect("the restored hub opens");
            (store, report)
        })
        .await;
        self.store = Arc::new(store);
        let (url, addr, stop) =
            serve_hub(self.store.clone(), self.rate_per_sec, self.tls.clone()).await;
        (self.url, self.addr, self._stop) = (url, addr, stop);
        report
    }

    /// Log the owner in to the dashboard (name and PIN, as a browser does):
    /// the `Cookie` header value that opens the dashboard and reports.
    pub async fn owner_cookie(&self, http: &reqwest::Client) -> String {
        let r = http
            .post(format!("{}/login", self.url))
            .json(&serde_json::json!({ "name": OWNER_NAME, "pin": OWNER_PIN }))
            .send()
            .await
            .expect("login request");
        assert_eq!(r.status(), 200, "the owner's login");
        session_cookie(&r).expect("a session cookie")
    }

    /// Enroll a new device of `branch` through `via` (the hub, or a proxy
    /// before it), with a real one-time code, and serve its local API.
    pub async fn enroll(
        &self,
        dir: &Path,
        branch: usize,
        label: &str,
        holds_store: bool,
        via: &str,
    ) -> Device {
        self.enroll_with(dir, branch, label, holds_store, None, via)
            .await
    }

    /// As [`Hub::enroll`], with the role ceiling the owner gives the device.
    pub async fn enroll_with(
        &self,
        dir: &Path,
        branch: usize,
        label: &str,
        holds_store: bool,
        ceiling: Option<Role>,
        via: &str,
    ) -> Device {
        let ask = hub::store::EnrollmentAsk {
            branch: self.branches[branch].id,
            label: label.to_string(),
            holds_store,
            ceiling,
            series: hub::store::SeriesChoice::Branch,
        };
        self.enroll_as(dir, ask, via).await
    }

    /// Enroll a device as the owner's `ask` describes it (its ceiling,
    /// its own series).
    pub async fn enroll_as(&self, dir: &Path, ask: hub::store::EnrollmentAsk, via: &str) -> Device {
        let hub = self.store.clone();
        let label = ask.label.clone();
        let code = bg(move || {
            hub.create_enrollment_for(&ask, now_ms())
                .expect("enrollment code")
        })
        .await
        .code;
        let db = dir.join(format!("{}.sqlite", label.replace(' ', "-")));
        let node = branch_node::sync::enroll(&db, via, &code)
            .await
            .expect("enroll");
        Device::serve(&label, node, db).await
    }
}

/// A device: its node, its database file and its local API on loopback.
pub struct Device {
    pub label: String,
    pub node: Arc<Node>,
    pub db: PathBuf,
    /// Its local API (and LAN sync) address.
    pub url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Device {
    pub async fn serve(label: &str, node: Arc<Node>, db: PathBuf) -> Device {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind device");
        let url = format!("http://{}", listener.local_addr().expect("device addr"));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let n = node.clone();
        tokio::spawn(async move {
            branch_node::api::serve(listener, n, async {
                let _ = rx.await;
            })
            .await
            .expect("device server");
        });
        Device {
            label: label.into(),
            node,
            db,
            url,
            _stop: tx,
        }
    }

    pub fn id(&self) -> DeviceId {
        self.node.device
    }

    /// Stop the device and open it again from its file, serving on a new
    /// port: its writer, clocks and sessions start from what is on disk.
    pub async fn restart(&mut self) {
        let (tx, _) = tokio::sync::oneshot::channel();
        drop(std::mem::replace(&mut self._stop, tx));
        let db = self.db.clone();
        let node = bg(move || Node::open(&db).expect("device reopens")).await;
        let label = self.label.clone();
        *self = Device::serve(&label, Arc::new(node), self.db.clone()).await;
    }

    /// Log `role` of `branch` in on this device (the PIN check is real).
    pub async fn login(&self, branch: &BranchInfo, role: Role) -> Session {
        let (_, name, pin) = branch.people[&role].clone();
        let n = self.node.clone();
        bg(move || {
            branch_node::auth::check_pin(
                &n,
                &LoginInput {
                    user: name,
                    pin: pin.into(),
                },
            )
            .expect("login")
        })
        .await
    }
}
