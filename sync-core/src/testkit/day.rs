//! A day of a shop's work for property tests and simulations: five devices
//! of one branch making every kind of operation the way a device makes it
//! (checked by the rule book against the device's own state, then signed),
//! driven by the caller's random choices. Shared by the convergence property
//! (`sync-core`) and the differential test against the SQLite replica.

use rust_decimal::Decimal;

use crate::body::*;
use crate::domain::lifecycle::{JobStatus, next_steps};
use crate::domain::rules::{self, RuleContext, otp_hash};
use crate::ids::{RecordId, UserId};
use crate::merge::text::TextDoc;
use crate::op::Op;
use crate::replica::{Kind, Received, Replica};
use crate::testkit::{Org, rid};
use crate::writer::DeviceWriter;

/// A device of the day: its writer, its own replica, who works on it.
pub struct Device {
    pub w: DeviceWriter,
    pub r: Replica,
    pub user: UserId,
    pub made: u32,
}

/// The organization and its five devices of one branch.
pub struct World {
    pub org: Org,
    pub devs: Vec<Device>,
    pub item: RecordId,
}

/// Device 0: front desk (holds the store), 1: technician laptop, 2:
/// manager PC, 3: accountant PC, 4: second technician laptop.
pub fn world() -> World {
    let mut org = Org::new();
    let item = org.item(1, "8GB DDR4 SODIMM", Decimal::from(1800));
    // device 0: front desk (holds the store), 1: technician laptop,
    // 2: manager PC, 3: accountant PC, 4: second technician laptop.
    let specs = [(1u8, true), (2, false), (3, false), (4, false), (5, false)];
    let writers: Vec<DeviceWriter> = specs
        .iter()
        .map(|(n, store)| org.enroll(*n, *store))
        .collect();
    let users = [
        org.receptionist,
        org.technician,
        org.manager,
        org.accountant,
        org.technician,
    ];
    let base = org.replica();
    let devs = writers
        .into_iter()
        .zip(users)
        .map(|(w, user)| Device {
            w,
            r: base.clone(),
            user,
            made: 0,
        })
        .collect();
    World { org, devs, item }
}

fn pick<T: Clone>(v: &[T], n: u32) -> Option<T> {
    if v.is_empty() {
        None
    } else {
        Some(v[n as usize % v.len()].clone())
    }
}

pub fn records(r: &Replica, kind: Kind) -> Vec<RecordId> {
    r.state
        .records
        .keys()
        .filter(|(k, _)| *k == kind)
        .map(|(_, id)| *id)
        .collect()
}

/// Try to make one operation on device `i` (`what` picks the kind, `a` and
/// `b` the choices); returns it if the rule book allows it there, as a
/// device makes it: checked against its own state, signed, applied.
pub fn act(w: &mut World, i: usize, what: u8, a: u32, b: u32, clock: u64) -> Option<Op> {
    let branch = w.org.branch;
    let item = w.item;
    let store = w.devs[0].w.device;
    let dev_id = w.devs[i].w.device;
    let laptops = [w.devs[1].w.device, w.devs[4].w.device];
    let d = &mut w.devs[i];
    d.made += 1;
    let uniq = (i as u32 + 1) * 100_000 + d.made;
    let jobs = records(&d.r, Kind::Job);
    let customers = records(&d.r, Kind::Customer);
    let mut author = d.user;
    let body = match what {
        0 => OpBody::CustomerCreated(Customer {
            id: rid(uniq),
            name: format!("Customer {a}"),
            mobile: format!("98{:08}", a % 100_000_000),
            email: None,
            address: None,
            gstin: None,
            state_code: Some("29".into()),
        }),
        1 => {
            let c = pick(&customers, a)?;
            let id = rid(uniq);
            OpBody::JobOpened(JobIntake {
                id,
                job_no: format!("J{uniq}"),
                customer: c,
                device_type: "Laptop".into(),
                brand: "Dell".into(),
                model: "Inspiron 15".into(),
                serial: format!("SN{b}"),
                complaint: "No display".into(),
                accessories: vec!["Charger".into()],
                condition: "Scratches on lid".into(),
                password_kind: None,
                password: None,
                delivery_otp_hash: otp_hash(id, "1234"),
                otp_sealed: None,
                promised: None,
                technician: None,
            })
        }
        2 | 3 => {
            // edit a field of a job; the manager's edit sometimes supersedes everything (a resolution)
            let j = pick(&jobs, a)?;
            let field = if what == 2 { "brand" } else { "model" };
            let reg = d.r.state.record(Kind::Job, j)?.fields.get(field)?;
            let supersedes = if b.is_multiple_of(3) {
                reg.live_ops()
            } else {
                reg.winner_op()
            };
            if i == 2 && b.is_multiple_of(3) {
                author = w.org.manager;
            }
            if i != 2 {
                author = w.org.receptionist;
            }
            OpBody::JobUpdated {
                job: j,
                writes: vec![FieldWrite {
                    field: field.into(),
                    value: FieldValue::Text(format!("v{b}")),
                    supersedes,
                }],
            }
        }
        4 => {
            // technician edits the diagnosis text
            let j = pick(&jobs, a)?;
            let mut doc =
                d.r.state
                    .texts
                    .get(&(j, TextField::Diagnosis))
                    .cloned()
                    .unwrap_or_else(TextDoc::genesis);
            let cur = doc.text();
            let cut = if cur.is_empty() {
                0
            } else {
                (b as usize) % cur.len()
            };
            let cut = (0..=cut)
                .rev()
                .find(|c| cur.is_char_boundary(*c))
                .unwrap_or(0);
            let next = format!("{}[{}:{}]{}", &cur[..cut], i, b % 100, &cur[cut..]);
            let change = doc.edit(dev_id, &next).ok()??;
            author = if i == 1 || i == 4 {
                w.org.technician
            } else {
                w.org.manager
            };
            OpBody::JobTextEdited {
                job: j,
                field: TextField::Diagnosis,
                change: hex::encode(change),
            }
        }
        5 | 6 => {
            let j = pick(&jobs, a)?;
            let info = d.r.job(j)?;
            let steps = next_steps(info.status);
            let to = pick(steps, b)?;
            let delivery =
                (to == JobStatus::Delivered).then(|| DeliveryProof::Otp { otp: "1234".into() });
            author = match to {
                JobStatus::Cancelled | JobStatus::Delivered => w.org.receptionist,
                _ if i == 2 => w.org.manager,
                _ => w.org.technician,
            };
            OpBody::JobStatusChanged(StatusChange {
                job: j,
                from: info.status,
                to,
                after: info.head,
                override_reason: None,
                delivery,
                allow_balance_due: false,
                note: None,
            })
        }
        7 => {
            let j = pick(&jobs, a)?;
            author = w.org.technician;
            OpBody::EstimateLineAdded {
                job: j,
                line: Line {
                    id: rid(uniq),
                    kind: LineKind::Service,
                    item: None,
                    description: "Motherboard repair".into(),
                    hsn_sac: "998713".into(),
                    qty: Decimal::ONE,
                    unit: "nos".into(),
                    unit_price: Decimal::from(1500 + (b % 1000)),
                    discount: Decimal::ZERO,
                    gst_rate: Decimal::from(18),
                },
            }
        }
        8 => {
            // a receipt into the store (front desk only holds the store)
            author = w.org.manager;
            OpBody::StockMoved(StockMovement {
                id: rid(uniq),
                item,
                qty: Decimal::from(1 + a % 3),
                movement: MovementKind::Receipt {
                    supplier: "Lamington Road Traders".into(),
                    reference: None,
                },
                note: None,
            })
        }
        9 => {
            // the store issues to a technician laptop
            let to = laptops[(b % 2) as usize];
            author = w.org.manager;
            OpBody::StockMoved(StockMovement {
                id: rid(uniq),
                item,
                qty: Decimal::from(1 + a % 2),
                movement: MovementKind::IssueToTechnician {
                    technician: w.org.technician,
                    to_device: to,
                },
                note: None,
            })
        }
        10 => {
            let j = pick(&jobs, a)?;
            author = w.org.technician;
            OpBody::StockMoved(StockMovement {
                id: rid(uniq),
                item,
                qty: Decimal::ONE,
                movement: MovementKind::UseOnJob {
                    job: j,
                    unit_price: Decimal::from(1800),
                },
                note: None,
            })
        }
        11 => {
            author = w.org.technician;
            OpBody::StockMoved(StockMovement {
                id: rid(uniq),
                item,
                qty: Decimal::ONE,
                movement: MovementKind::ReturnToStore { to_device: store },
                note: None,
            })
        }
        12 => {
            let j = pick(&jobs, a)?;
            author = w.org.accountant;
            OpBody::PaymentRecorded(Payment {
                id: rid(uniq),
                invoice: None,
                job: Some(j),
                amount: Decimal::new(50_000 + (b % 100_000) as i64, 2),
                mode: PaymentMode::Upi,
                reference: Some(format!("UPI{b}")),
                date: crate::domain::date::Date::from_unix_ms_ist(clock),
            })
        }
        // Half of the rest: a message for a customer (the hub sends it).
        _ if b % 2 == 1 => {
            let c = pick(&customers, a)?;
            OpBody::MessageQueued(crate::body::Message {
                id: rid(uniq),
                customer: c,
                job: None,
                event: crate::domain::messages::Event::PaymentReceived,
                language: crate::domain::messages::Language::Hindi,
                to: format!("98{:08}", b % 100_000_000),
                values: vec![
                    format!("Customer {a}"),
                    "500.00".into(),
                    format!("JOB-{a}"),
                    "07-12-2026".into(),
                ],
                resend_of: None,
            })
        }
        _ => {
            let j = pick(&jobs, a)?;
            author = w.org.technician;
            OpBody::DevicePasswordRead {
                job: j,
                purpose: "login to test display".into(),
            }
        }
    };
    let applied = d.r.applied().clone();
    // Make it, then check it against the device's own state with the rule
    // book, as a device does; a refused op leaves the writer untouched.
    let saved = (d.w.state.clone(), d.w.clock.clone());
    let op = d.w.make(author, branch, body, &applied, clock).ok()?;
    if rules::check_new(&op, &d.r).is_err() {
        (d.w.state, d.w.clock) = saved;
        return None;
    }
    assert!(matches!(
        d.r.receive(op.clone()).unwrap(),
        Received::Applied(_)
    ));
    Some(op)
}
