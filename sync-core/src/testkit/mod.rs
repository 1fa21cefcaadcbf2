//! Deterministic fixtures for tests and benchmarks of every crate: an
//! organization with a hub device, a branch, users of each role and enrolled
//! devices, built from fixed seeds so results are reproducible.

pub mod day;
pub mod feed;

use rust_decimal::Decimal;

use crate::body::{Branch, Item, OpBody, User};
use crate::domain::roles::Role;
use crate::domain::validate::gstin_check_char;
use crate::identity::DeviceKey;
use crate::ids::{BranchId, DeviceId, RecordId, UserId};
use crate::op::Op;
use crate::replica::{Genesis, HQ, Replica};
use crate::vv::VersionVector;
use crate::writer::DeviceWriter;

/// 2026-11-21 10:00 IST, as Unix milliseconds.
pub const T0: u64 = 1_795_323_600_000;

pub fn id16(tag: u8, n: u32) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0] = tag;
    b[12..16].copy_from_slice(&n.to_be_bytes());
    b
}

pub fn rid(n: u32) -> RecordId {
    RecordId(id16(b'r', n))
}

pub fn key(n: u8) -> DeviceKey {
    DeviceKey::from_seed([n; 32])
}

pub fn gstin(state: &str, pan: &str) -> String {
    let base = format!("{state}{pan}1Z");
    let c = gstin_check_char(&base);
    format!("{base}{c}")
}

/// A fake-but-valid argon2 PHC string (tests never check PINs against it).
pub const PIN_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

/// A small organization: the owner, the hub device, one branch (Karnataka),
/// and one user per branch role.
pub struct Org {
    pub genesis: Genesis,
    pub hub: DeviceWriter,
    pub owner: UserId,
    pub branch: BranchId,
    pub manager: UserId,
    pub receptionist: UserId,
    pub technician: UserId,
    pub accountant: UserId,
    /// Every op made so far, in the order made.
    pub ops: Vec<Op>,
    pub hub_replica: Replica,
}

impl Org {
    pub fn new() -> Org {
        let hub_key = key(200);
        let hub_device = DeviceId(id16(b'd', 0));
        let owner = UserId(id16(b'u', 0));
        let genesis = Genesis {
            owner,
            hub_device,
            hub_key: hub_key.public(),
        };
        let mut org = Org {
            hub_replica: Replica::new(genesis.clone()),
            genesis,
            hub: DeviceWriter::new(hub_device, hub_key),
            owner,
            branch: BranchId(id16(b'b', 1)),
            manager: UserId(id16(b'u', 1)),
            receptionist: UserId(id16(b'u', 2)),
            technician: UserId(id16(b'u', 3)),
            accountant: UserId(id16(b'u', 4)),
            ops: vec![],
        };
        let b = Branch {
            id: org.branch,
            name: "Bengaluru Jayanagar".into(),
            gstin: gstin("29", "ABCDE1234F"),
            state_code: "29".into(),
            address: "12, 4th Block, Jayanagar, Bengaluru 560011".into(),
            invoice_prefix: "BLR1".into(),
            credit_note_prefix: "BLRC".into(),
            upi_id: Some("fixit@okaxis".into()),
            phone: None,
        };
        org.hub_op(OpBody::BranchCreated(b));
        for (u, role, name) in [
            (org.manager, Role::Manager, "Meera Manager"),
            (org.receptionist, Role::Receptionist, "Ravi Reception"),
            (org.technician, Role::Technician, "Tara Technician"),
            (org.accountant, Role::Accountant, "Arun Accounts"),
        ] {
            let branch = Some(org.branch);
            org.hub_op(OpBody::UserCreated(User {
                id: u,
                name: name.into(),
                role,
                branch,
                pin_hash: PIN_HASH.into(),
            }));
        }
        org
    }

    /// An op by the owner on the hub device, applied to the hub's replica.
    /// The root signs only for `HQ`.
    pub fn hub_op(&mut self, body: OpBody) -> Op {
        let branch = HQ;
        let applied = self.hub_replica.applied().clone();
        let op = self
            .hub
            .make(self.owner, branch, body, &applied, T0)
            .expect("hub op signs");
        self.hub_replica
            .receive(op.clone())
            .expect("hub applies its own op");
        self.ops.push(op.clone());
        op
    }

    /// Enroll a device of the branch; returns its writer. Test devices are
    /// enrolled up to a manager, so any branch role may sign on them.
    pub fn enroll(&mut self, n: u8, holds_store: bool) -> DeviceWriter {
        self.enroll_with(n, holds_store, Some(Role::Manager))
    }

    /// As [`Org::enroll`], with the ceiling the owner gives it.
    pub fn enroll_with(&mut self, n: u8, holds_store: bool, ceiling: Option<Role>) -> DeviceWriter {
        let device = DeviceId(id16(b'd', n as u32));
        let k = key(n);
        self.hub_op(OpBody::DeviceEnrolled {
            device,
            key: k.public(),
            branch: self.branch,
            label: format!("device {n}"),
            holds_store,
            ceiling,
            hub: false,
            number: Some(n.into()),
            series: None,
        });
        DeviceWriter::new(device, k)
    }

    pub fn item(&mut self, n: u32, name: &str, price: Decimal) -> RecordId {
        let id = rid(900_000 + n);
        self.hub_op(OpBody::ItemCreated(Item {
            id,
            sku: format!("SKU{n}"),
            name: name.into(),
            hsn_sac: "84733099".into(),
            gst_rate: Decimal::from(18),
            unit: "pcs".into(),
            sale_price: price,
            cost: price / Decimal::from(2),
            reorder_level: Decimal::from(2),
            is_service: false,
        }));
        id
    }

    pub fn replica(&self) -> Replica {
        let mut r = Replica::new(self.genesis.clone());
        for op in &self.ops {
            r.receive(op.clone()).expect("org ops apply");
        }
        r
    }
}

impl Default for Org {
    fn default() -> Self {
        Org::new()
    }
}

/// Make an op on a simulated device whose state is `replica`, and apply it there.
pub fn make_on(
    w: &mut DeviceWriter,
    r: &mut Replica,
    author: UserId,
    branch: BranchId,
    body: OpBody,
    wall: u64,
) -> Op {
    let applied: VersionVector = r.applied().clone();
    let op = w.make(author, branch, body, &applied, wall).expect("signs");
    r.receive(op.clone()).expect("device applies its own op");
    op
}
