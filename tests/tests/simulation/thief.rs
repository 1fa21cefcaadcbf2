//! The thief: the stolen laptop's key, signing what no honest device
//! would, pushed to the hub and to the counter's LAN side.

use branch_node::sync;
use e2e_tests::check;
use e2e_tests::world::dec;
use rust_decimal::Decimal;
use sync_core::body::{
    Customer, Document, Lease, Line, LineKind, MovementKind, OpBody, StockMovement, User,
};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::{DocType, Series};
use sync_core::domain::roles::Role;
use sync_core::identity::DeviceKey;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::Op;
use sync_core::protocol::{self, PushRequest};
use sync_core::writer::DeviceWriter;

use super::day::*;

/// The thief: the stolen laptop's key, signing whatever it likes.
pub struct Thief {
    pub device: DeviceId,
    pub seed: [u8; 32],
    pub time: u64,
}

impl Day {
    /// The thief signs one op beyond the laptop's trust, or a technician's
    /// ordinary work (an estimate line), at the laptop's chain's next place,
    /// and pushes it to the hub or to the counter's LAN side. Ordinary work
    /// is taken while the laptop is trusted; once the owner has revoked it,
    /// it must end refused everywhere, even where a LAN peer took it first.
    pub async fn forge(&mut self, i: u64) {
        let at_hub = self.rng.chance(50);
        let what = self.rng.below(8);
        self.story.push(format!(
            "{i}: forgery {what} to the {}",
            if at_hub { "hub" } else { "counter" }
        ));
        let url = if at_hub {
            self.hub.url.clone()
        } else {
            self.devs[DESK].url.clone()
        };
        // The longer of the laptop's chain as the hub and the counter hold
        // it: a thief that forked its own chain would be caught as a fork.
        let desk = check::open(&self.devs[DESK].db);
        let head = [check::open(&self.hub.store.db), desk]
            .iter()
            .map(|c| sqlite_replica::chain_head(c, self.thief.device).unwrap())
            .max_by_key(|h| h.seq)
            .unwrap();
        let seen = sqlite_replica::applied(&check::open(&self.devs[DESK].db)).unwrap();
        let job = self.rng.pick(&self.jobs[0]).map(|j| j.0);
        let a = &self.hub.branches[0];
        let (owner, tech) = (self.hub.owner, a.user(Role::Technician));
        let rid = RecordId([(i % 251) as u8 + 1; 16]);
        let today = Date::from_unix_ms_ist(hub::store::db::now_ms());
        let fy = today.financial_year();
        let lease = Lease {
            id: rid,
            device: self.thief.device,
            doc_type: DocType::TaxInvoice,
            prefix: "JAY".into(),
            fy,
            first: 1,
            last: 500,
        };
        let (author, branch, body): (UserId, BranchId, OpBody) = match what {
            0 => (owner, a.id, OpBody::LeaseGranted(lease)),
            1 => (
                owner,
                a.id,
                OpBody::UserCreated(User {
                    id: UserId([0x66; 16]),
                    name: "Mallory".into(),
                    role: Role::Owner,
                    branch: None,
                    pin_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
                        .into(),
                }),
            ),
            2 => (
                owner,
                a.id,
                OpBody::DeviceRevoked {
                    device: self.devs[DESK].id(),
                    reason: "mine".into(),
                },
            ),
            3 => (
                owner,
                a.id,
                OpBody::StockMoved(StockMovement {
                    id: rid,
                    item: self.hub.items["RAM8-DDR4"],
                    qty: Decimal::from(100),
                    movement: MovementKind::Adjustment {
                        increase: true,
                        reason: "found".into(),
                    },
                    note: None,
                }),
            ),
            6 | 7 if job.is_some() => (
                tech,
                a.id,
                OpBody::EstimateLineAdded {
                    job: job.unwrap(),
                    line: Line {
                        id: rid,
                        kind: LineKind::Service,
                        item: None,
                        description: "Hinge repair".into(),
                        hsn_sac: "998713".into(),
                        qty: Decimal::ONE,
                        unit: "nos".into(),
                        unit_price: dec("700"),
                        discount: Decimal::ZERO,
                        gst_rate: dec("18"),
                    },
                },
            ),
            4 | 6 | 7 => (
                tech,
                self.hub.branches[1].id,
                OpBody::CustomerCreated(Customer {
                    id: rid,
                    name: "Elsewhere".into(),
                    mobile: "9845011111".into(),
                    email: None,
                    address: None,
                    gstin: None,
                    state_code: None,
                }),
            ),
            _ => {
                let series = Series::new("JAY", DocType::TaxInvoice, fy).unwrap();
                let seq = 90_000 + i;
                (
                    tech,
                    a.id,
                    OpBody::DocumentIssued(Document {
                        id: rid,
                        doc_type: DocType::TaxInvoice,
                        prefix: "JAY".into(),
                        fy,
                        seq,
                        number: series.format(seq).unwrap(),
                        date: today,
                        supplier_gstin: sync_core::testkit::gstin("29", "ABCDE1234F"),
                        supplier_state: "29".into(),
                        customer: None,
                        customer_name: "Walk-in".into(),
                        customer_gstin: None,
                        customer_address: None,
                        place_of_supply: "29".into(),
                        job: None,
                        lines: vec![Line {
                            id: rid,
                            kind: LineKind::Service,
                            item: None,
                            description: "Chip-level repair".into(),
                            hsn_sac: "998713".into(),
                            qty: Decimal::ONE,
                            unit: "nos".into(),
                            unit_price: dec("1000"),
                            discount: Decimal::ZERO,
                            gst_rate: dec("18"),
                        }],
                        grand_total: dec("1180"),
                        against: None,
                        reason: None,
                        transfer: None,
                    }),
                )
            }
        };
        let mut w = DeviceWriter::new(self.thief.device, DeviceKey::from_seed(self.thief.seed));
        w.state.seq = head.seq;
        w.state.prev = head.hash;
        let now = hub::store::db::now_ms();
        self.thief.time = now.max(self.thief.time + 1);
        let ordinary = matches!(body, OpBody::EstimateLineAdded { .. });
        let op: Op = w.make(author, branch, body, &seen, now).unwrap();
        let id = (op.id.device, op.id.seq, op.hash().unwrap().0.to_vec());
        if !ordinary {
            self.tally.forged += 1;
            self.forged.push(id);
        } else if self.revoked {
            self.tally.after_revocation += 1;
            self.forged.push(id);
        }
        let body = serde_json::to_vec(&PushRequest {
            ops: vec![hex::encode(op.encode().unwrap())],
            resynced: None,
        })
        .unwrap();
        let mut req = reqwest::Client::new()
            .post(format!("{url}{}", protocol::PUSH))
            .header("content-type", "application/json");
        for (k, v) in sync::signature_headers(
            &DeviceKey::from_seed(self.thief.seed),
            self.thief.device,
            "POST",
            protocol::PUSH,
            self.thief.time,
            &body,
        ) {
            req = req.header(k, v);
        }
        // Refused whole or in part, or not answered: nothing may come of it.
        let _ = req.body(body).send().await;
    }
}
