//! Convergence: random operations from 5 devices of one branch, working
//! offline and syncing with each other at random, then applied to fresh
//! replicas in random permutations with random duplicates, give
//! byte-identical materialized state (equal state hashes).
//!
//! Every operation is made the way a device makes it: checked by the shared
//! rule book against the device's own state, then signed. Along the way no
//! replica ever shows a negative stock balance.
//!
//! `CONVERGENCE_CASES` raises the number of cases (default 1000).

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sync_core::Decimal;
use sync_core::body::*;
use sync_core::domain::lifecycle::{JobStatus, next_steps};
use sync_core::domain::rules::{self, RuleContext, otp_hash};
use sync_core::domain::stock::Holder;
use sync_core::ids::{RecordId, UserId};
use sync_core::merge::text::TextDoc;
use sync_core::op::Op;
use sync_core::replica::{Kind, Received, Replica};
use sync_core::testkit::{Org, T0, rid};
use sync_core::writer::DeviceWriter;

#[derive(Clone, Debug)]
enum Step {
    /// Device `dev` does action `what` with random choices `a`, `b`.
    Act {
        dev: usize,
        what: u8,
        a: u32,
        b: u32,
    },
    /// Device `to` receives everything device `from` has (a LAN or hub sync),
    /// possibly only a prefix of it (an interrupted sync).
    Sync { from: usize, to: usize, cut: u8 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (0usize..5, prop_oneof![
                1 => Just(0u8), 2 => Just(1u8), 6 => 2u8..8, 3 => 8u8..14
            ], any::<u32>(), any::<u32>()).prop_map(|(dev, what, a, b)| Step::Act { dev, what, a, b }),
        1 => (0usize..5, 0usize..5, any::<u8>()).prop_map(|(from, to, cut)| Step::Sync { from, to, cut }),
    ]
}

struct Device {
    w: DeviceWriter,
    r: Replica,
    user: UserId,
    made: u32,
}

struct World {
    org: Org,
    devs: Vec<Device>,
    item: RecordId,
}

fn world() -> World {
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

fn records(r: &Replica, kind: Kind) -> Vec<RecordId> {
    r.state
        .records
        .keys()
        .filter(|(k, _)| *k == kind)
        .map(|(_, id)| *id)
        .collect()
}

/// Try to make one operation on device `i`; returns it if the rules allow it.
fn act(w: &mut World, i: usize, what: u8, a: u32, b: u32, clock: u64) -> Option<Op> {
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
                promised: None,
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
                date: sync_core::domain::date::Date::from_unix_ms_ist(clock),
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

static MADE: [AtomicUsize; 14] = [const { AtomicUsize::new(0) }; 14];

fn no_negative_balance(r: &Replica) -> Result<(), TestCaseError> {
    for ((_, _, holder), c) in &r.state.balances {
        prop_assert!(
            c.value() >= Decimal::ZERO,
            "negative balance {} for {:?}",
            c.value(),
            holder
        );
    }
    Ok(())
}

fn shuffle<T>(v: &mut [T], mut seed: u64) {
    seed |= 1;
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

fn run_case(steps: Vec<Step>, seeds: Vec<u64>) -> Result<(), TestCaseError> {
    let mut w = world();
    let mut clock = T0;
    // A morning at the counter before devices drift apart: customers, jobs,
    // stock received and issued, shared with everyone.
    for (what, a) in [(0, 1), (0, 2), (1, 0), (1, 1), (8, 2), (9, 1), (9, 2)] {
        clock += 1000;
        act(&mut w, 0, what, a, a, clock).expect("prelude op is allowed");
    }
    let morning = w.devs[0].r.ops_missing_from(&Default::default());
    for d in w.devs.iter_mut().skip(1) {
        for op in &morning {
            d.r.receive(op.clone()).unwrap();
        }
    }
    for s in steps {
        clock += 1000;
        match s {
            Step::Act { dev, what, a, b } => {
                if act(&mut w, dev, what, a, b, clock).is_some() {
                    MADE[what as usize].fetch_add(1, Ordering::Relaxed);
                }
                no_negative_balance(&w.devs[dev].r)?;
            }
            Step::Sync { from, to, cut } => {
                if from == to {
                    continue;
                }
                let have = w.devs[to].r.applied().clone();
                let mut ops = w.devs[from].r.ops_missing_from(&have);
                let keep = if cut > 200 {
                    ops.len() * (cut as usize - 200) / 56
                } else {
                    ops.len()
                };
                ops.truncate(keep);
                for op in ops {
                    w.devs[to].r.receive(op).unwrap();
                }
                no_negative_balance(&w.devs[to].r)?;
            }
        }
    }
    // Everything anybody made.
    let mut all: Vec<Op> = w.org.ops.clone();
    for d in &w.devs {
        for op in d.r.ops_missing_from(&Default::default()) {
            if !all.iter().any(|o| o.id == op.id) {
                all.push(op);
            }
        }
    }
    let mut hashes = vec![];
    for seed in seeds {
        let mut r = Replica::new(w.org.genesis.clone());
        let mut feed = all.clone();
        // random duplicates
        let dups: Vec<Op> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| (seed >> (i % 64)) & 1 == 1)
            .map(|(_, o)| o.clone())
            .collect();
        feed.extend(dups);
        shuffle(&mut feed, seed);
        for op in feed {
            r.receive(op).unwrap();
            no_negative_balance(&r)?;
        }
        prop_assert_eq!(r.pending_len(), 0, "everything became applicable");
        prop_assert_eq!(r.log_len(), all.len());
        hashes.push(r.hash());
    }
    // And the devices themselves, once fully synced, agree too.
    for d in &mut w.devs {
        let missing: Vec<Op> = all
            .iter()
            .filter(|o| !d.r.applied().contains(o.id))
            .cloned()
            .collect();
        for op in missing {
            d.r.receive(op).unwrap();
        }
        hashes.push(d.r.hash());
    }
    for h in &hashes {
        prop_assert_eq!(h, &hashes[0], "replicas diverged");
    }
    Ok(())
}

#[test]
fn five_devices_converge_in_any_order_with_duplicates() {
    let cases = std::env::var("CONVERGENCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        proptest::collection::vec(step(), 10..70),
        proptest::collection::vec(any::<u64>(), 3),
    );
    runner
        .run(&strategy, |(steps, seeds)| run_case(steps, seeds))
        .unwrap();
    // The generator must really exercise every kind of operation, or the
    // property proves little.
    let made: Vec<usize> = MADE.iter().map(|m| m.load(Ordering::Relaxed)).collect();
    eprintln!("ops made per action kind: {made:?}");
    for (what, n) in made.iter().enumerate() {
        assert!(
            *n >= cases as usize / 20,
            "action {what} was made only {n} times"
        );
    }
}

#[test]
fn a_concrete_offline_day_converges() {
    // Front desk opens a job; laptop and manager edit it concurrently; both
    // values survive as winner + conflict; stock never dips below zero.
    let mut w = world();
    let t = T0;
    act(&mut w, 0, 0, 1, 1, t).unwrap();
    act(&mut w, 0, 1, 0, 1, t + 1).unwrap();
    act(&mut w, 0, 8, 2, 0, t + 2).unwrap(); // receipt of 3
    let base = w.devs[0].r.ops_missing_from(&Default::default());
    for i in 1..5 {
        for op in &base {
            w.devs[i].r.receive(op.clone()).unwrap();
        }
    }
    act(&mut w, 2, 2, 0, 1, t + 10).unwrap(); // manager edits brand
    act(&mut w, 0, 2, 0, 4, t + 11).unwrap(); // front desk edits brand concurrently
    act(&mut w, 1, 4, 0, 5, t + 12).unwrap(); // tech types diagnosis
    act(&mut w, 4, 4, 0, 6, t + 13).unwrap(); // other tech types too
    assert!(
        act(&mut w, 1, 10, 0, 0, t + 14).is_none(),
        "laptop holds no parts yet: use is refused"
    );
    act(&mut w, 0, 9, 1, 0, t + 15).unwrap(); // store issues 2 to laptop 1
    for (from, to) in [(0, 1), (1, 0), (2, 0), (4, 0), (0, 2), (0, 4), (0, 1)] {
        let have = w.devs[to].r.applied().clone();
        for op in w.devs[from].r.ops_missing_from(&have) {
            w.devs[to].r.receive(op).unwrap();
        }
    }
    act(&mut w, 1, 10, 0, 0, t + 20).unwrap(); // now it can use one
    let j = records(&w.devs[0].r, Kind::Job)[0];
    let reg = &w.devs[0].r.state.record(Kind::Job, j).unwrap().fields["brand"];
    assert_eq!(
        reg.conflicts().count(),
        1,
        "the concurrent edit is kept for review"
    );
    let text = w.devs[0].r.state.texts[&(j, TextField::Diagnosis)].text();
    assert!(
        text.contains("[1:5]") && text.contains("[4:6]"),
        "both technicians' notes merged: {text}"
    );
    assert_eq!(
        w.devs[1]
            .r
            .balance(w.org.branch, w.item, Holder::Device(w.devs[1].w.device)),
        Decimal::ONE
    );
    let _ = run_case(vec![], vec![1, 2, 3]);
}
