//! One seed's business: the hub, the devices and their links, the people
//! at each device, what was made, and the way every step is done and
//! every link healed.

use std::collections::BTreeMap;

use branch_node::auth::Session;
use branch_node::error::NodeError;
use branch_node::keys::KeyFile;
use branch_node::node::Node;
use branch_node::{inventory as inv, services as svc, sync};
use e2e_tests::check;
use e2e_tests::proxy::{FaultProxy, FaultRates};
use e2e_tests::world::{Device, Hub, bg, dec};
use rust_decimal::Decimal;
use sync_core::body::LineKind;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;
use sync_core::ids::{DeviceId, RecordId};

use super::thief::Thief;

pub fn env(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// splitmix64: one seed, one stream of choices.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    pub fn pick<T: Clone>(&mut self, v: &[T]) -> Option<T> {
        (!v.is_empty()).then(|| v[self.below(v.len())].clone())
    }
}

pub const DESK: usize = 0;
pub const LAPTOP: usize = 1;
pub const TNR: usize = 2;

/// A link on a bad day of this simulation: delays are short, so a seed
/// takes a second or so, not a minute.
pub const BAD_LINK: FaultRates = FaultRates {
    delay_ms: 12,
    ..FaultRates::BAD_DAY
};
/// What a run did, to show it tested what it claims to.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Kind of step → (done, refused).
    pub steps: BTreeMap<&'static str, (u64, u64)>,
    pub overpaid: u64,
    pub forged: u64,
    /// A technician's ordinary work, signed after the laptop was revoked.
    pub after_revocation: u64,
    pub overruled: u64,
    /// The thief signed two ops at one place; the hub revoked it for that.
    pub forks: u64,
    pub faults: u64,
    pub ops: u64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        for (k, (a, b)) in &o.steps {
            let e = self.steps.entry(k).or_default();
            e.0 += a;
            e.1 += b;
        }
        self.overpaid += o.overpaid;
        self.forged += o.forged;
        self.after_revocation += o.after_revocation;
        self.overruled += o.overruled;
        self.forks += o.forks;
        self.faults += o.faults;
        self.ops += o.ops;
    }
}

pub struct Day {
    pub rng: Rng,
    pub tally: Tally,
    /// The kind of the step under way.
    pub doing: &'static str,
    pub hub: Hub,
    /// Each honest device's internet link to the hub.
    pub links: Vec<FaultProxy>,
    /// The shop LAN: to the counter's side, to the laptop's side.
    pub to_desk: FaultProxy,
    pub to_laptop: FaultProxy,
    pub devs: Vec<Device>,
    /// Per device: (receptionist or technician, manager, accountant).
    pub people: Vec<Vec<Session>>,
    pub branch_of: [usize; 3],
    pub thief: Thief,
    /// Per device: the highest seq of its own it acknowledged to a person.
    pub acked: [u64; 3],
    /// Per branch: jobs opened (id, delivery OTP), invoices issued.
    pub jobs: [Vec<(RecordId, String)>; 2],
    pub invoices: [Vec<RecordId>; 2],
    pub transfers: Vec<RecordId>,
    /// The owner has revoked the stolen laptop at the hub.
    pub revoked: bool,
    /// (device, seq, hash) of every op the thief forged, and of its
    /// ordinary work once revoked: none may be applied anywhere at the end.
    pub forged: Vec<(DeviceId, u64, Vec<u8>)>,
    /// What happened, for the failure message.
    pub story: Vec<String>,
    pub made: u64,
    /// The last nightly backup, and whether the stolen laptop stood
    /// revoked at the hub when it was taken.
    pub backup: Option<(std::path::PathBuf, bool)>,
    pub _dir: tempfile::TempDir,
}

pub fn session(hub: &Hub, branch: usize, role: Role) -> Session {
    let b = &hub.branches[branch];
    let (user, name, _) = b.people[&role].clone();
    Session {
        user,
        name,
        role,
        branch: Some(b.id),
    }
}

pub fn intake(i: u64) -> svc::JobInput {
    svc::JobInput {
        customer: None,
        new_customer: Some(svc::CustomerInput {
            name: format!("Customer {i}"),
            mobile: format!("98450{:05}", i % 100_000),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        }),
        device_type: "Laptop".into(),
        brand: "Dell".into(),
        model: "Inspiron 15 3520".into(),
        serial: format!("SN{i:06}"),
        complaint: "Does not boot".into(),
        accessories: vec![],
        condition: String::new(),
        password: None,
        promised: None,
        technician: None,
    }
}

pub fn labour(price: &str) -> svc::LineInput {
    svc::LineInput {
        kind: LineKind::Service,
        item: None,
        description: "Labour".into(),
        hsn_sac: "998713".into(),
        qty: Decimal::ONE,
        unit: "nos".into(),
        unit_price: dec(price),
        discount: Decimal::ZERO,
        gst_rate: dec("18"),
    }
}

pub fn to(status: JobStatus, otp: Option<String>) -> svc::StatusInput {
    svc::StatusInput {
        to: status,
        override_reason: None,
        note: None,
        otp,
        signature_sha256: None,
        allow_balance_due: false,
        approval: None,
    }
}

impl Day {
    pub async fn new(seed: u64) -> Day {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let hub = Hub::start(&root, 1_000_000).await;
        let mut links = vec![];
        for i in 0..3 {
            links.push(FaultProxy::start(&hub.addr, seed.wrapping_mul(7).wrapping_add(i)).await);
        }
        let desk = hub
            .enroll(&root, 0, "counter", true, &links[DESK].url)
            .await;
        let laptop = hub
            .enroll_with(
                &root,
                0,
                "laptop",
                false,
                Some(Role::Manager),
                &links[LAPTOP].url,
            )
            .await;
        let tnr = hub
            .enroll(&root, 1, "tnagar counter", true, &links[TNR].url)
            .await;
        // The thief's laptop was enrolled honestly, then stolen.
        let stolen = hub.enroll(&root, 0, "stolen laptop", false, &hub.url).await;
        let keys = KeyFile::load(&stolen.db).unwrap();
        let thief = Thief {
            device: stolen.id(),
            seed: keys.device_seed().unwrap(),
            time: 0,
        };
        let to_desk =
            FaultProxy::start(desk.url.trim_start_matches("http://"), seed ^ 0xD35C).await;
        let to_laptop =
            FaultProxy::start(laptop.url.trim_start_matches("http://"), seed ^ 0x1A9).await;
        let people = vec![
            vec![
                session(&hub, 0, Role::Receptionist),
                session(&hub, 0, Role::Manager),
                session(&hub, 0, Role::Accountant),
            ],
            vec![
                session(&hub, 0, Role::Technician),
                session(&hub, 0, Role::Manager),
                session(&hub, 0, Role::Accountant),
            ],
            vec![
                session(&hub, 1, Role::Receptionist),
                session(&hub, 1, Role::Manager),
                session(&hub, 1, Role::Accountant),
            ],
        ];
        let mut day = Day {
            rng: Rng(seed),
            tally: Tally::default(),
            doing: "morning",
            hub,
            links,
            to_desk,
            to_laptop,
            devs: vec![desk, laptop, tnr],
            people,
            branch_of: [0, 0, 1],
            thief,
            acked: [0; 3],
            jobs: [vec![], vec![]],
            invoices: [vec![], vec![]],
            transfers: vec![],
            forged: vec![],
            revoked: false,
            story: vec![],
            made: 0,
            backup: None,
            _dir: dir,
        };
        // Morning: stock at both counters, then everyone syncs cleanly.
        for d in [DESK, TNR] {
            for sku in ["RAM8-DDR4", "SSD512-NVME"] {
                let item = day.hub.items[sku];
                day.act(d, 1, move |n, s| {
                    inv::receive(
                        n,
                        s,
                        inv::ReceiptInput {
                            item,
                            qty: dec("6"),
                            supplier: "Lamington Road Traders".into(),
                            reference: None,
                            note: None,
                        },
                    )
                    .map(|_| ())
                })
                .await;
            }
        }
        for d in [DESK, LAPTOP, TNR, DESK] {
            day.sync_hub(d).await;
        }
        // The day starts on whatever links the seed gives it.
        for l in day.links.iter().chain([&day.to_desk, &day.to_laptop]) {
            if day.rng.chance(40) {
                l.set_faults(BAD_LINK);
            }
        }
        day
    }

    /// Do `f` on device `d` as its person `who` (0: counter or technician,
    /// 1: manager, 2: accountant). A refusal is part of a shop's day; an
    /// internal error is not.
    pub async fn act<T: Send + 'static>(
        &mut self,
        d: usize,
        who: usize,
        f: impl FnOnce(&Node, &Session) -> Result<T, NodeError> + Send + 'static,
    ) -> Option<T> {
        let (n, s) = (self.devs[d].node.clone(), self.people[d][who].clone());
        let r = bg(move || {
            let r = f(&n, &s);
            let head = n
                .read(|c| Ok(sqlite_replica::chain_head(c, n.device)?.seq))
                .unwrap();
            (r, head)
        })
        .await;
        let t = self.tally.steps.entry(self.doing).or_default();
        match r {
            (Ok(v), head) => {
                t.0 += 1;
                self.acked[d] = self.acked[d].max(head);
                Some(v)
            }
            (Err(e), _) => {
                t.1 += 1;
                if std::env::var("SIM_WHY").is_ok() {
                    eprintln!("{}: {e}", self.doing);
                }
                assert!(
                    e.status() < 500,
                    "an internal error on {}: {e}\n{}",
                    self.devs[d].label,
                    self.story.join("\n")
                );
                None
            }
        }
    }

    pub async fn sync_hub(&mut self, d: usize) -> Option<sync::SyncReport> {
        sync::sync_once(&self.devs[d].node, &self.links[d].url)
            .await
            .ok()
    }

    pub async fn sync_lan(&mut self, d: usize) -> Option<sync::SyncReport> {
        let (dev, peer) = match d {
            DESK => (DESK, &self.to_laptop.url),
            _ => (LAPTOP, &self.to_desk.url),
        };
        sync::sync_once(&self.devs[dev].node, peer).await.ok()
    }

    pub fn job(&mut self, branch: usize) -> Option<(RecordId, String)> {
        self.rng.pick(&self.jobs[branch])
    }

    /// The links come back clean; everyone syncs until nothing moves. Then
    /// T Nagar takes in every transfer still on its way (each must have
    /// reached it by now), and everyone settles again.
    pub async fn heal(&mut self) {
        for l in self.links.iter().chain([&self.to_desk, &self.to_laptop]) {
            l.set_online(true);
            l.set_faults(FaultRates::NONE);
        }
        self.settle().await;
        self.doing = "transfer in";
        for t in self.transfers.clone() {
            let taken = self
                .act(TNR, 1, move |n, s| {
                    let here = inv::transfers(n, s)?
                        .into_iter()
                        .find(|v| v.id == t)
                        .ok_or_else(|| NodeError::NotFound(format!("transfer {t}")))?;
                    if here.received.is_none() {
                        inv::transfer_in(
                            n,
                            s,
                            inv::TransferInInput {
                                transfer: t,
                                received: Decimal::ONE,
                            },
                        )?;
                    }
                    Ok(())
                })
                .await;
            assert!(
                taken.is_some(),
                "a transfer never reached T Nagar\n{}",
                self.story.join("\n")
            );
        }
        self.settle().await;
        let awaited = hub::store::HubStore::recovery(&*self.hub.store).expect("recovery");
        assert!(
            awaited.is_empty(),
            "the hub never recovered from its restore: {awaited:?}\n{}",
            self.story.join("\n")
        );
    }

    /// The first table where device `d`'s state of its branch and the
    /// hub's differ, as read from their files.
    fn difference(&self, d: usize) -> String {
        let branch = &self.hub.branches[self.branch_of[d]].id.0;
        let h = check::open(&self.hub.store.db);
        let c = check::open(&self.devs[d].db);
        check::first_difference(
            &check::branch_rows(&h, branch),
            &check::branch_rows(&c, branch),
        )
        .unwrap_or_else(|| "no table differs in the files".into())
    }

    pub async fn settle(&mut self) {
        let mut moving = vec![];
        for _ in 0..12 {
            let mut quiet = true;
            moving.clear();
            for d in [DESK, LAPTOP, TNR] {
                let r = self.sync_hub(d).await;
                let r = r.unwrap_or_else(|| {
                    panic!(
                        "{} cannot sync on a clean link\n{}",
                        self.devs[d].label,
                        self.story.join("\n")
                    )
                });
                let idle = r.pushed == 0 && r.pulled == 0 && r.pending == 0;
                if !idle {
                    moving.push(format!(
                        "{} with the hub: pushed {}, pulled {}, pending {}",
                        self.devs[d].label, r.pushed, r.pulled, r.pending
                    ));
                }
                // While a restored hub still waits for a device, it may
                // hold what only that device can complete (another
                // branch's notice of a transfer that device made): the
                // digests agree once it has recovered.
                let recovering = !hub::store::HubStore::recovery(&*self.hub.store)
                    .expect("recovery")
                    .is_empty();
                // Once nothing moves, the hub's digest (cached between
                // changes) must be the device's own.
                if idle && !recovering && r.agrees_with_hub != Some(true) {
                    panic!(
                        "{}: quiet, yet the hub's digest differs ({:?}): {}\n{}",
                        self.devs[d].label,
                        r.agrees_with_hub,
                        self.difference(d),
                        self.story.join("\n")
                    );
                }
                quiet &= idle;
            }
            for d in [DESK, LAPTOP] {
                if let Some(r) = self.sync_lan(d).await {
                    quiet &= r.pushed == 0 && r.pulled == 0;
                    if r.pushed != 0 || r.pulled != 0 {
                        moving.push(format!(
                            "{} over the LAN: pushed {}, pulled {}",
                            self.devs[d].label, r.pushed, r.pulled
                        ));
                    }
                }
            }
            if quiet {
                return;
            }
        }
        if std::env::var("SIM_DEBUG").is_ok() {
            let h = check::open(&self.hub.store.db);
            let hub_ops = check::op_ids(&h);
            for (i, dv) in self.devs.iter().enumerate() {
                let c = check::open(&dv.db);
                let mut st = c
                    .prepare("SELECT hex(device), seq, rejected, check_kind FROM pending_ops")
                    .unwrap();
                let rows: Vec<(String, u64, Option<String>, String)> = st
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                eprintln!("dev {i} {} pending {rows:?}", dv.label);
                for ((dev, seq), hash) in check::op_ids(&c) {
                    match hub_ops.get(&(dev.clone(), seq)) {
                        None => eprintln!(
                            "  {} holds {}/{seq} the hub lacks",
                            dv.label,
                            hex::encode(&dev)
                        ),
                        Some(hh) if *hh != hash => eprintln!(
                            "  {} holds {}/{seq} differently from the hub",
                            dv.label,
                            hex::encode(&dev)
                        ),
                        _ => {}
                    }
                }
                let mut st = c
                    .prepare("SELECT hex(device), seq FROM forked_ops")
                    .unwrap();
                let rows: Vec<(String, u64)> = st
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                eprintln!("  forked {rows:?}");
            }
            let mut st = h
                .prepare("SELECT hex(device), seq, reason FROM rejected_ops")
                .unwrap();
            let rows: Vec<(String, u64, String)> = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            eprintln!("hub rejected {rows:?}");
            eprintln!("thief {}", hex::encode(self.thief.device.0));
        }
        panic!(
            "sync did not settle on clean links: {moving:?}\n{}",
            self.story.join("\n")
        );
    }
}
