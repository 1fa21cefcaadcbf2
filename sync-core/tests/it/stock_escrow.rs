//! Stock escrow (ARCHITECTURE.md, invariant 3): "stock never goes negative on
//! any replica, by construction".
//!
//! Three devices of one branch (the front desk, which holds the store, and two
//! technician laptops) and the store device of a second branch work offline
//! and sync with each other at random: in causal order, reversed, shuffled,
//! or cut short (an interrupted sync). They receive, issue, return, use,
//! adjust and transfer two items in random quantities (whole and fractional,
//! at most three decimals), so that many attempts over-spend and must be
//! refused by the shared rule book. Every op is made the way a device makes
//! it: signed, checked with `rules::check` against the device's own state,
//! applied only if allowed. Mixed in are attempts the rules must always
//! refuse (taking goods in transit addressed to another device, moving stock
//! to another branch's device or to oneself, bad quantities, the wrong role
//! or branch).
//!
//! After every step no replica shows a negative balance in any bucket. After
//! a full sync every replica holds the same balances and the same state hash,
//! stock is conserved (receipts + adjustments − uses − transfer shortfalls),
//! every received transfer's in-transit bucket is empty, and a fresh replica
//! fed every op in random order with duplicates agrees too.
//!
//! `STOCK_CASES` raises the number of cases (default 300).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sync_core::body::*;
use sync_core::domain::roles::Role;
use sync_core::domain::rules::{self, otp_hash};
use sync_core::domain::stock::{Holder, deltas};
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::Op;
use sync_core::replica::{Received, Replica};
use sync_core::testkit::{Org, PIN_HASH, T0, gstin, id16, key, rid};
use sync_core::writer::DeviceWriter;
use sync_core::{CoreError, Decimal};

const FRONT: usize = 0;
const LAP_A: usize = 1;
const LAP_B: usize = 2;
const STORE2: usize = 3;
const DEVICES: usize = 4;

/// What a device tries to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Move {
    Receipt,
    Issue,
    Return,
    Use,
    AdjustUp,
    AdjustDown,
    TransferOut,
    TransferIn,
    /// Something the rules must refuse whatever the state.
    Forbidden,
}

/// The moves each device may try, picked from by the step's `what`.
fn moves_of(dev: usize) -> &'static [Move] {
    use Move::*;
    match dev {
        FRONT => &[
            Receipt,
            Receipt,
            Issue,
            Issue,
            Issue,
            Use,
            AdjustUp,
            AdjustDown,
            TransferOut,
            TransferOut,
            TransferIn,
            TransferIn,
            TransferIn,
            Forbidden,
        ],
        STORE2 => &[
            Receipt,
            Receipt,
            Use,
            AdjustUp,
            AdjustDown,
            TransferOut,
            TransferOut,
            TransferIn,
            TransferIn,
            TransferIn,
            TransferIn,
            Forbidden,
        ],
        _ => &[
            Return, Return, Return, Use, Use, AdjustUp, AdjustDown, Forbidden,
        ],
    }
}

#[derive(Clone, Debug)]
enum Step {
    /// Device `dev` tries a move, with random choices `a`, `b`.
    Act {
        dev: usize,
        what: u8,
        a: u32,
        b: u32,
    },
    /// Device `to` receives what device `from` has and it lacks: in order,
    /// cut short, reversed or shuffled, by `mode`.
    Sync {
        from: usize,
        to: usize,
        mode: u8,
        cut: u8,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..DEVICES, any::<u8>(), any::<u32>(), any::<u32>())
            .prop_map(|(dev, what, a, b)| Step::Act { dev, what, a, b }),
        2 => (0..DEVICES, 0..DEVICES, any::<u8>(), any::<u8>())
            .prop_map(|(from, to, mode, cut)| Step::Sync { from, to, mode, cut }),
        // the two branches' stores meet (through the hub) more often, so
        // that transfers get received
        1 => (any::<bool>(), any::<u8>(), any::<u8>()).prop_map(|(up, mode, cut)| {
            let (from, to) = if up { (FRONT, STORE2) } else { (STORE2, FRONT) };
            Step::Sync { from, to, mode, cut }
        }),
    ]
}

struct Device {
    w: DeviceWriter,
    r: Replica,
    branch: BranchId,
    manager: UserId,
    job: RecordId,
    store: bool,
}

/// What the test itself knows was sent on a transfer.
struct Sent {
    from_branch: BranchId,
    item: RecordId,
    qty: Decimal,
    received: Option<Decimal>,
}

struct World {
    org: Org,
    b2: BranchId,
    manager2: UserId,
    devs: Vec<Device>,
    items: [RecordId; 2],
    next: u32,
    /// Per item: receipts + adjustments up − adjustments down − uses −
    /// transfer shortfalls, from the ops that were allowed.
    ledger: BTreeMap<RecordId, Decimal>,
    transfers: BTreeMap<RecordId, Sent>,
    stock_ops: usize,
}

impl World {
    fn fresh(&mut self) -> RecordId {
        self.next += 1;
        rid(2_000_000 + self.next)
    }
    fn manager_of(&self, branch: BranchId) -> UserId {
        if branch == self.b2 {
            self.manager2
        } else {
            self.org.manager
        }
    }
    fn other_branch(&self, branch: BranchId) -> BranchId {
        if branch == self.b2 {
            self.org.branch
        } else {
            self.b2
        }
    }
}

fn world() -> World {
    let mut org = Org::new();
    let items = [
        org.item(1, "8GB DDR4 SODIMM", Decimal::from(1800)),
        org.item(2, "Thermal paste 4g", Decimal::from(250)),
    ];
    let b2 = BranchId(id16(b'b', 2));
    org.hub_op(OpBody::BranchCreated(Branch {
        id: b2,
        name: "Mysuru Saraswathipuram".into(),
        gstin: gstin("29", "PQRST6789K"),
        state_code: "29".into(),
        address: "7, Kamakshi Hospital Road, Mysuru 570009".into(),
        invoice_prefix: "MYS".into(),
        credit_note_prefix: "MYSC".into(),
        upi_id: None,
        phone: None,
    }));
    let manager2 = UserId(id16(b'u', 21));
    org.hub_op(OpBody::UserCreated(User {
        id: manager2,
        name: "Mohan Manager".into(),
        role: Role::Manager,
        branch: Some(b2),
        pin_hash: PIN_HASH.into(),
    }));
    let front = org.enroll(1, true);
    let lap_a = org.enroll(2, false);
    let lap_b = org.enroll(3, false);
    let store2_id = DeviceId(id16(b'd', 21));
    let store2_key = key(21);
    org.hub_op(OpBody::DeviceEnrolled {
        device: store2_id,
        key: store2_key.public(),
        branch: b2,
        label: "Mysuru front desk".into(),
        holds_store: true,
        ceiling: None,
        hub: false,
        number: None,
        series: None,
    });
    let store2 = DeviceWriter::new(store2_id, store2_key);

    // The set-up itself is something the rule book allows.
    let mut check = Replica::new(org.genesis.clone());
    for op in &org.ops {
        rules::check_new(op, &check).expect("set-up op is allowed");
        check.receive(op.clone()).expect("set-up op applies");
    }

    let base = org.replica();
    let b1 = org.branch;
    let m1 = org.manager;
    let devs = [
        (front, b1, m1, rid(1), true),
        (lap_a, b1, m1, rid(1), false),
        (lap_b, b1, m1, rid(1), false),
        (store2, b2, manager2, rid(2), true),
    ]
    .into_iter()
    .map(|(w, branch, manager, job, store)| Device {
        w,
        r: base.clone(),
        branch,
        manager,
        job,
        store,
    })
    .collect();
    World {
        org,
        b2,
        manager2,
        devs,
        items,
        next: 0,
        ledger: items.iter().map(|i| (*i, Decimal::ZERO)).collect(),
        transfers: BTreeMap::new(),
        stock_ops: 0,
    }
}

/// A random quantity: mostly 1..=4, sometimes fractional (≤ 3 decimals).
fn qty(a: u32) -> Decimal {
    match a % 8 {
        0 => Decimal::new(5, 1),
        1 => Decimal::new(1250, 3),
        2 => Decimal::new(2125, 3),
        _ => Decimal::from(1 + (a / 8) % 4),
    }
}

/// How much of `sent` arrives: usually all, sometimes short, once in a
/// while nothing.
fn received(sent: Decimal, b: u32) -> Decimal {
    let short = match b % 8 {
        0 => Decimal::new(5, 1),
        1 => Decimal::ONE,
        2 => Decimal::new(125, 3),
        3 => sent,
        _ => Decimal::ZERO,
    };
    sent - short.min(sent)
}

fn pick<T: Clone>(v: &[T], n: u32) -> Option<T> {
    (!v.is_empty()).then(|| v[n as usize % v.len()].clone())
}

/// Transfers a replica knows were sent: (transfer, from branch, receiver,
/// item, sent, received?).
type Transfer = (RecordId, BranchId, DeviceId, RecordId, Decimal, bool);

fn transfers_in(r: &Replica) -> Vec<Transfer> {
    r.state
        .movements
        .iter()
        .filter_map(|(_, (branch, _, m))| match &m.movement {
            MovementKind::TransferOut {
                transfer,
                to_device,
                ..
            } => Some((
                *transfer,
                *branch,
                *to_device,
                m.item,
                m.qty,
                r.state.transfers_received.contains(transfer),
            )),
            _ => None,
        })
        .collect()
}

fn stock(id: RecordId, item: RecordId, qty: Decimal, movement: MovementKind) -> OpBody {
    OpBody::StockMoved(StockMovement {
        id,
        item,
        qty,
        movement,
        note: None,
    })
}

fn adjustment(increase: bool) -> MovementKind {
    MovementKind::Adjustment {
        increase,
        reason: if increase {
            "found in stock count".into()
        } else {
            "damaged in handling".into()
        },
    }
}

/// The op device `i` would make for `mv`, or `None` if there is nothing to
/// try (e.g. no transfer waiting to be received).
fn plan(w: &mut World, i: usize, mv: Move, a: u32, b: u32) -> Option<(UserId, BranchId, OpBody)> {
    let id = w.fresh();
    let transfer = w.fresh();
    let d = &w.devs[i];
    let me = d.w.device;
    let branch = d.branch;
    let item = w.items[(b % 2) as usize];
    let q = qty(a);
    let tech = w.org.technician;
    let front = w.devs[FRONT].w.device;
    let store2 = w.devs[STORE2].w.device;
    let laptops = [w.devs[LAP_A].w.device, w.devs[LAP_B].w.device];
    let other_store = if i == FRONT { store2 } else { front };
    // who may use parts here: the technician in branch 1 (the only one), the
    // manager in branch 2
    let user_of_parts = if branch == w.org.branch {
        tech
    } else {
        d.manager
    };
    let (author, movement, qty) = match mv {
        Move::Receipt => (
            d.manager,
            MovementKind::Receipt {
                supplier: "Lamington Road Traders".into(),
                reference: Some(format!("LRT/{b}")),
            },
            q,
        ),
        Move::Issue => (
            d.manager,
            MovementKind::IssueToTechnician {
                technician: tech,
                to_device: laptops[((b / 2) % 2) as usize],
            },
            q,
        ),
        Move::Return => (tech, MovementKind::ReturnToStore { to_device: front }, q),
        Move::Use => (
            user_of_parts,
            MovementKind::UseOnJob {
                job: d.job,
                unit_price: Decimal::from(1800),
            },
            q,
        ),
        Move::AdjustUp => (d.manager, adjustment(true), q),
        Move::AdjustDown => (d.manager, adjustment(false), q),
        Move::TransferOut => (
            d.manager,
            MovementKind::TransferOut {
                transfer,
                to_branch: w.other_branch(branch),
                to_device: other_store,
            },
            q,
        ),
        Move::TransferIn => {
            let open: Vec<Transfer> = transfers_in(&d.r)
                .into_iter()
                .filter(|t| t.2 == me && !t.5)
                .collect();
            let (t, from_branch, _, item, sent, _) = pick(&open, a)?;
            return Some((
                d.manager,
                branch,
                stock(
                    id,
                    item,
                    received(sent, b),
                    MovementKind::TransferIn {
                        transfer: t,
                        from_branch,
                        sent,
                    },
                ),
            ));
        }
        Move::Forbidden => return forbidden(w, i, a, b, id),
    };
    Some((author, branch, stock(id, item, qty, movement)))
}

/// An attempt the rule book must refuse, whatever this device holds.
fn forbidden(
    w: &World,
    i: usize,
    a: u32,
    b: u32,
    id: RecordId,
) -> Option<(UserId, BranchId, OpBody)> {
    let d = &w.devs[i];
    let me = d.w.device;
    let branch = d.branch;
    let item = w.items[(b % 2) as usize];
    let tech = w.org.technician;
    let tiny = Decimal::new(1, 3);
    let front = w.devs[FRONT].w.device;
    let store2 = w.devs[STORE2].w.device;
    let user_of_parts = if branch == w.org.branch {
        tech
    } else {
        d.manager
    };
    let body = |qty, movement| stock(id, item, qty, movement);
    Some(match a % 8 {
        // spend one thousandth more than this device holds
        0 => {
            let held = d.r.state.balance_of(branch, item, Holder::Device(me));
            (
                user_of_parts,
                branch,
                body(
                    held + tiny,
                    MovementKind::UseOnJob {
                        job: d.job,
                        unit_price: Decimal::from(1800),
                    },
                ),
            )
        }
        // move stock to a device of the other branch without a transfer
        1 => match i {
            FRONT => (
                d.manager,
                branch,
                body(
                    tiny,
                    MovementKind::IssueToTechnician {
                        technician: tech,
                        to_device: store2,
                    },
                ),
            ),
            STORE2 => (
                d.manager,
                branch,
                body(tiny, MovementKind::ReturnToStore { to_device: front }),
            ),
            _ => (
                tech,
                branch,
                body(tiny, MovementKind::ReturnToStore { to_device: store2 }),
            ),
        },
        // move stock to oneself
        2 => {
            let movement = if d.store {
                MovementKind::IssueToTechnician {
                    technician: tech,
                    to_device: me,
                }
            } else {
                MovementKind::ReturnToStore { to_device: me }
            };
            let author = if d.store { d.manager } else { tech };
            (author, branch, body(tiny, movement))
        }
        // a quantity that is too fine, zero or negative
        3 => {
            let q = match b % 3 {
                0 => Decimal::new(1, 4),
                1 => Decimal::ZERO,
                _ => Decimal::NEGATIVE_ONE,
            };
            (d.manager, branch, body(q, adjustment(true)))
        }
        // take goods in transit addressed to another device
        4 => {
            // a laptop: goods its own front desk is to receive; a store:
            // goods for the other branch's store
            let theirs: Vec<Transfer> = transfers_in(&d.r)
                .into_iter()
                .filter(|t| !t.5 && if d.store { t.2 != me } else { t.2 == front })
                .collect();
            let (t, from_branch, _, item, sent, _) = pick(&theirs, b)?;
            (
                w.manager_of(branch),
                branch,
                stock(
                    id,
                    item,
                    sent,
                    MovementKind::TransferIn {
                        transfer: t,
                        from_branch,
                        sent,
                    },
                ),
            )
        }
        // receive a transfer twice, or more than was sent
        5 => {
            let mine: Vec<Transfer> = transfers_in(&d.r)
                .into_iter()
                .filter(|t| t.2 == me)
                .collect();
            let (t, from_branch, _, item, sent, done) = pick(&mine, b)?;
            let q = if done {
                Decimal::ZERO
            } else {
                sent + Decimal::new(5, 1)
            };
            (
                d.manager,
                branch,
                stock(
                    id,
                    item,
                    q,
                    MovementKind::TransferIn {
                        transfer: t,
                        from_branch,
                        sent,
                    },
                ),
            )
        }
        // a technician may not adjust stock
        6 => (tech, branch, body(Decimal::ONE, adjustment(true))),
        // a device acting for the other branch
        _ => {
            let other = w.other_branch(branch);
            (
                w.manager_of(other),
                other,
                body(
                    Decimal::ONE,
                    MovementKind::Receipt {
                        supplier: "Lamington Road Traders".into(),
                        reference: None,
                    },
                ),
            )
        }
    })
}

enum Outcome {
    /// Nothing to try.
    Skipped,
    Made(Box<Op>),
    Refused(CoreError),
}

/// Make an op on device `i` as a device does: sign it, check it against the
/// device's own state, and apply it only if allowed (a refused op leaves the
/// writer untouched).
fn make(
    w: &mut World,
    i: usize,
    author: UserId,
    branch: BranchId,
    body: OpBody,
    clock: u64,
) -> Outcome {
    let d = &mut w.devs[i];
    let applied = d.r.applied().clone();
    let saved = (d.w.state.clone(), d.w.clock.clone());
    let op =
        d.w.make(author, branch, body, &applied, clock)
            .expect("op signs");
    if let Err(e) = rules::check_new(&op, &d.r) {
        (d.w.state, d.w.clock) = saved;
        return Outcome::Refused(e);
    }
    assert!(matches!(
        d.r.receive(op.clone()).expect("own op applies"),
        Received::Applied(_)
    ));
    if let OpBody::StockMoved(m) = &op.body {
        w.stock_ops += 1;
        let net = w.ledger.get_mut(&m.item).expect("known item");
        match &m.movement {
            MovementKind::Receipt { .. } => *net += m.qty,
            MovementKind::Adjustment { increase, .. } => {
                *net += if *increase { m.qty } else { -m.qty }
            }
            MovementKind::UseOnJob { .. } | MovementKind::Sale { .. } => *net -= m.qty,
            MovementKind::SaleReturn { .. } => *net += m.qty,
            MovementKind::IssueToTechnician { .. } | MovementKind::ReturnToStore { .. } => {}
            MovementKind::TransferOut { transfer, .. } => {
                w.transfers.insert(
                    *transfer,
                    Sent {
                        from_branch: op.branch,
                        item: m.item,
                        qty: m.qty,
                        received: None,
                    },
                );
            }
            MovementKind::TransferIn { transfer, sent, .. } => {
                *net -= *sent - m.qty;
                let t = w.transfers.get_mut(transfer).expect("a known transfer");
                assert!(t.received.is_none(), "a transfer is received once");
                t.received = Some(m.qty);
            }
        }
    }
    Outcome::Made(Box::new(op))
}

fn act(w: &mut World, i: usize, mv: Move, a: u32, b: u32, clock: u64) -> Outcome {
    match plan(w, i, mv, a, b) {
        Some((author, branch, body)) => make(w, i, author, branch, body, clock),
        None => Outcome::Skipped,
    }
}

/// The refusal of a spend of more than the bucket holds.
fn is_overspend(e: &CoreError) -> bool {
    matches!(e, CoreError::Invalid { field, rule } if field == "qty" && rule.starts_with("only "))
}

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    made: usize,
    overspent: usize,
    refused: usize,
    skipped: usize,
}

static TALLY: Mutex<BTreeMap<Move, Counts>> = Mutex::new(BTreeMap::new());
/// Transfers received short (with a variance).
static SHORT: AtomicUsize = AtomicUsize::new(0);
/// Takings of goods in transit refused by the escrow's holder rule itself.
static NOT_HOLDER: AtomicUsize = AtomicUsize::new(0);

fn no_negative(w: &World, after: &str) -> Result<(), TestCaseError> {
    for (k, d) in w.devs.iter().enumerate() {
        // what the device itself holds, above all
        for item in w.items {
            let own =
                d.r.state
                    .balance_of(d.branch, item, Holder::Device(d.w.device));
            prop_assert!(
                own >= Decimal::ZERO,
                "device {k} shows {own} of what it holds after {after}"
            );
        }
        for ((branch, item, holder), c) in &d.r.state.balances {
            prop_assert!(
                c.value() >= Decimal::ZERO,
                "replica of device {k} shows {} in bucket ({branch:?}, {item:?}, {holder:?}) after {after}",
                c.value()
            );
        }
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

/// Device `to` receives what device `from` has and it lacks.
fn sync(w: &mut World, from: usize, to: usize, mode: u8, cut: u8) -> bool {
    let have = w.devs[to].r.applied().clone();
    let mut ops = w.devs[from].r.ops_missing_from(&have);
    match mode % 4 {
        0 => {}
        1 => {
            let keep = ops.len() * cut as usize / 255;
            ops.truncate(keep);
        }
        2 => ops.reverse(),
        _ => shuffle(&mut ops, u64::from(cut) * 0x9E37_79B9 + 7),
    }
    let mut changed = false;
    for op in ops {
        if let Received::Applied(_) = w.devs[to].r.receive(op).expect("a synced op is accepted") {
            changed = true;
        }
    }
    changed
}

/// All-to-all until nobody learns anything new.
fn full_sync(w: &mut World) {
    loop {
        let mut changed = false;
        for from in 0..DEVICES {
            for to in 0..DEVICES {
                if from != to {
                    changed |= sync(w, from, to, 0, 0);
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// A morning before the devices drift apart: a customer and an open job in
/// each branch, a first receipt at each store, shared with everyone.
fn prelude(w: &mut World, clock: &mut u64) {
    let b1 = w.org.branch;
    let receptionist = w.org.receptionist;
    let m2 = w.manager2;
    let b2 = w.b2;
    for (dev, author, branch, n, mobile) in [
        (FRONT, receptionist, b1, 1u32, "9845012345"),
        (STORE2, m2, b2, 2, "9900123456"),
    ] {
        let customer = rid(10 + n);
        let job = rid(n);
        let bodies = [
            OpBody::CustomerCreated(Customer {
                id: customer,
                name: format!("Customer {n}"),
                mobile: mobile.into(),
                email: None,
                address: None,
                gstin: None,
                state_code: Some("29".into()),
            }),
            OpBody::JobOpened(JobIntake {
                id: job,
                job_no: format!("J{n}"),
                customer,
                device_type: "Laptop".into(),
                brand: "Lenovo".into(),
                model: "ThinkPad E14".into(),
                serial: format!("PF{n}XYZ"),
                complaint: "Slow, overheating".into(),
                accessories: vec!["Charger".into()],
                condition: "Worn palm rest".into(),
                password_kind: None,
                password: None,
                delivery_otp_hash: otp_hash(job, "4321"),
                otp_sealed: None,
                promised: None,
                technician: None,
            }),
        ];
        for body in bodies {
            *clock += 1000;
            assert!(matches!(
                make(w, dev, author, branch, body, *clock),
                Outcome::Made(_)
            ));
        }
        for item in w.items {
            *clock += 1000;
            let id = w.fresh();
            let manager = w.manager_of(branch);
            let body = stock(
                id,
                item,
                Decimal::from(2),
                MovementKind::Receipt {
                    supplier: "Opening stock".into(),
                    reference: None,
                },
            );
            assert!(matches!(
                make(w, dev, manager, branch, body, *clock),
                Outcome::Made(_)
            ));
        }
    }
    full_sync(w);
}

fn run_case(steps: Vec<Step>, seed: u64) -> Result<(), TestCaseError> {
    let mut w = world();
    let mut clock = T0;
    prelude(&mut w, &mut clock);
    let mut tally: BTreeMap<Move, Counts> = BTreeMap::new();
    for (n, s) in steps.into_iter().enumerate() {
        clock += 1000;
        match s {
            Step::Act { dev, what, a, b } => {
                let moves = moves_of(dev);
                let mv = moves[what as usize % moves.len()];
                let c = tally.entry(mv).or_default();
                match act(&mut w, dev, mv, a, b, clock) {
                    Outcome::Skipped => c.skipped += 1,
                    Outcome::Made(op) => {
                        prop_assert!(
                            mv != Move::Forbidden,
                            "the rules allowed a forbidden op on device {dev}: {:?}",
                            op.body
                        );
                        if let OpBody::StockMoved(StockMovement {
                            qty,
                            movement: MovementKind::TransferIn { sent, .. },
                            ..
                        }) = &op.body
                            && qty < sent
                        {
                            SHORT.fetch_add(1, Ordering::Relaxed);
                        }
                        c.made += 1;
                    }
                    Outcome::Refused(e) if mv == Move::Forbidden => {
                        c.refused += 1;
                        if is_overspend(&e) {
                            c.overspent += 1;
                        }
                        prop_assert!(
                            a % 8 != 0 || is_overspend(&e),
                            "one thousandth more than held was refused for {e}"
                        );
                        if a % 8 == 4 {
                            // A laptop of the receiving branch passes every
                            // other check: the escrow's holder rule stops it.
                            // A store is stopped as the wrong branch.
                            let field = if w.devs[dev].store {
                                "transfer"
                            } else {
                                "holder"
                            };
                            prop_assert!(
                                matches!(&e, CoreError::Invalid { field: f, .. } if f == field),
                                "device {dev} taking others' goods in transit refused for {e}, not `{field}`"
                            );
                            if field == "holder" {
                                NOT_HOLDER.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    Outcome::Refused(e) => {
                        // a legitimate move is refused only for over-spending
                        prop_assert!(
                            is_overspend(&e),
                            "{mv:?} on device {dev} refused for another reason: {e}"
                        );
                        c.overspent += 1;
                    }
                }
                no_negative(&w, &format!("step {n}: {mv:?} on device {dev}"))?;
            }
            Step::Sync {
                from,
                to,
                mode,
                cut,
            } => {
                if from != to {
                    sync(&mut w, from, to, mode, cut);
                }
                no_negative(&w, &format!("step {n}: sync {from} -> {to} (mode {mode})"))?;
            }
        }
    }
    {
        let mut g = TALLY.lock().unwrap();
        for (mv, c) in tally {
            let e = g.entry(mv).or_default();
            e.made += c.made;
            e.overspent += c.overspent;
            e.refused += c.refused;
            e.skipped += c.skipped;
        }
    }

    // Everyone syncs with everyone.
    full_sync(&mut w);
    no_negative(&w, "the full sync")?;
    let first = &w.devs[0].r;
    let balances = |r: &Replica| -> BTreeMap<(BranchId, RecordId, Holder), Decimal> {
        r.state
            .balances
            .iter()
            .map(|(k, c)| (*k, c.value()))
            .collect()
    };
    let reference = balances(first);
    for (k, d) in w.devs.iter().enumerate() {
        prop_assert_eq!(d.r.pending_len(), 0, "device {} still waits for ops", k);
        prop_assert_eq!(d.r.applied(), first.applied(), "device {} lacks ops", k);
        prop_assert_eq!(
            &balances(&d.r),
            &reference,
            "device {} disagrees on balances",
            k
        );
        prop_assert_eq!(d.r.hash(), first.hash(), "device {} diverged", k);
    }
    prop_assert_eq!(first.state.movements.len(), w.stock_ops);

    // Only a bucket's holder ever takes from it.
    for (_, (branch, dev, m)) in first.state.movements.iter() {
        for delta in deltas(m, *branch, *dev) {
            if let (Holder::Device(h), true) = (delta.holder, delta.qty < Decimal::ZERO) {
                prop_assert_eq!(h, *dev, "a device took from another's bucket");
            }
        }
    }

    // Conservation, per item, over every bucket of every branch and holder
    // (goods in transit included).
    for item in w.items {
        let total: Decimal = reference
            .iter()
            .filter(|((_, i, _), _)| *i == item)
            .map(|(_, v)| *v)
            .sum();
        prop_assert_eq!(total, w.ledger[&item], "stock of {:?} not conserved", item);
    }

    // A received transfer leaves nothing in transit; an open one holds what was sent.
    for (t, s) in &w.transfers {
        let transit = first
            .state
            .balance_of(s.from_branch, s.item, Holder::Transit(*t));
        match s.received {
            Some(_) => {
                prop_assert_eq!(transit, Decimal::ZERO, "transfer {:?} left in transit", t);
                prop_assert!(first.state.transfers_received.contains(t));
            }
            None => prop_assert_eq!(transit, s.qty, "open transfer {:?}", t),
        }
    }

    // A fresh replica (the hub, say) fed every op in random order with
    // duplicates never dips below zero either, and ends up the same.
    let all = first.ops_missing_from(&Default::default());
    let mut feed = all.clone();
    feed.extend(
        all.iter()
            .enumerate()
            .filter(|(i, _)| (seed >> (i % 64)) & 1 == 1)
            .map(|(_, o)| o.clone()),
    );
    shuffle(&mut feed, seed);
    let mut hub = Replica::new(w.org.genesis.clone());
    for op in feed {
        hub.receive(op).expect("op accepted");
        for (k, c) in &hub.state.balances {
            prop_assert!(
                c.value() >= Decimal::ZERO,
                "fresh replica: {:?} at {}",
                k,
                c.value()
            );
        }
    }
    prop_assert_eq!(hub.pending_len(), 0);
    prop_assert_eq!(hub.hash(), first.hash(), "fresh replica diverged");
    Ok(())
}

#[test]
fn escrow_holds_across_random_offline_work_and_syncs() {
    let cases = std::env::var("STOCK_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (proptest::collection::vec(step(), 20..80), any::<u64>());
    runner
        .run(&strategy, |(steps, seed)| run_case(steps, seed))
        .unwrap();

    // The generator must really exercise every kind of movement, and really
    // try to over-spend, or the property proves little.
    let tally = TALLY.lock().unwrap().clone();
    eprintln!(
        "per move over {cases} cases: made / refused as over-spend / refused / nothing to try"
    );
    for (mv, c) in &tally {
        eprintln!(
            "  {mv:?}: {} / {} / {} / {}",
            c.made, c.overspent, c.refused, c.skipped
        );
    }
    let n = cases as usize;
    for mv in [
        Move::Receipt,
        Move::Issue,
        Move::Return,
        Move::Use,
        Move::AdjustUp,
        Move::AdjustDown,
        Move::TransferOut,
        Move::TransferIn,
    ] {
        let c = tally.get(&mv).copied().unwrap_or_default();
        assert!(c.made >= n / 8, "{mv:?} succeeded only {} times", c.made);
    }
    for mv in [
        Move::Issue,
        Move::Return,
        Move::Use,
        Move::AdjustDown,
        Move::TransferOut,
    ] {
        let c = tally.get(&mv).copied().unwrap_or_default();
        assert!(
            c.overspent >= n / 20,
            "{mv:?} was refused as an over-spend only {} times",
            c.overspent
        );
    }
    let (short, not_holder) = (
        SHORT.load(Ordering::Relaxed),
        NOT_HOLDER.load(Ordering::Relaxed),
    );
    eprintln!(
        "  transfers received short: {short}; takings from transit refused as not the holder: {not_holder}"
    );
    assert!(
        short >= n / 20,
        "only {short} transfers were received short"
    );
    let f = tally.get(&Move::Forbidden).copied().unwrap_or_default();
    assert_eq!(f.made, 0);
    assert!(f.refused >= n / 5, "only {} forbidden attempts", f.refused);
}

/// The property is not vacuous: the rule book is what stands between a
/// laptop and a negative balance. The same over-spend applied without the
/// check drives the bucket below zero, on the laptop and on every replica
/// that receives it (nothing checks at sync time).
#[test]
fn an_overspend_is_refused_and_would_go_negative_if_applied() {
    let mut w = world();
    let mut clock = T0;
    prelude(&mut w, &mut clock);
    let item = w.items[0];
    let b1 = w.org.branch;
    let laptop = w.devs[LAP_A].w.device;
    let (manager, tech, job) = (w.org.manager, w.org.technician, w.devs[LAP_A].job);
    clock += 1000;
    let id = w.fresh();
    let issue = stock(
        id,
        item,
        Decimal::ONE,
        MovementKind::IssueToTechnician {
            technician: tech,
            to_device: laptop,
        },
    );
    assert!(matches!(
        make(&mut w, FRONT, manager, b1, issue, clock),
        Outcome::Made(_)
    ));
    sync(&mut w, FRONT, LAP_A, 0, 0);
    let holder = Holder::Device(laptop);
    assert_eq!(
        w.devs[LAP_A].r.state.balance_of(b1, item, holder),
        Decimal::ONE
    );

    // the laptop tries to use 1.5 of the 1 it holds
    clock += 1000;
    let id = w.fresh();
    let d = &mut w.devs[LAP_A];
    let applied = d.r.applied().clone();
    let op =
        d.w.make(
            tech,
            b1,
            stock(
                id,
                item,
                Decimal::new(15, 1),
                MovementKind::UseOnJob {
                    job,
                    unit_price: Decimal::from(1800),
                },
            ),
            &applied,
            clock,
        )
        .unwrap();
    let e = rules::check_new(&op, &d.r).expect_err("an over-spend is refused");
    assert!(is_overspend(&e), "refused as an over-spend: {e}");
    assert_eq!(e.to_string(), "qty: only 1 in hand; cannot take 1.5");

    // ...and only the rule stops it: applied anyway, the bucket goes negative
    // on the laptop and on the front desk that syncs it.
    let mut forced = d.r.clone();
    forced.receive(op.clone()).unwrap();
    assert_eq!(
        forced.state.balance_of(b1, item, holder),
        Decimal::new(-5, 1)
    );
    let mut front = w.devs[FRONT].r.clone();
    front.receive(op).unwrap();
    assert_eq!(
        front.state.balance_of(b1, item, holder),
        Decimal::new(-5, 1)
    );
    w.devs[FRONT].r = front;
    assert!(no_negative(&w, "a forced over-spend").is_err());
}

/// The field a refusal names.
fn refused_for(o: Outcome) -> String {
    match o {
        Outcome::Refused(CoreError::Invalid { field, .. }) => field,
        Outcome::Refused(e) => panic!("refused with {e}"),
        Outcome::Made(op) => panic!("allowed: {:?}", op.body),
        Outcome::Skipped => unreachable!(),
    }
}

/// Transfers between branches, one short: the receiving store cannot take
/// one in before it knows it was sent, nor twice; no other device may take
/// goods in transit, not even one of the receiving branch (the escrow's
/// holder rule); the shortfall leaves the books and nothing stays in transit.
#[test]
fn transfers_between_branches_conserve_stock() {
    let mut w = world();
    let mut clock = T0;
    prelude(&mut w, &mut clock);
    let item = w.items[1];
    let (b1, b2) = (w.org.branch, w.b2);
    let (m1, m2) = (w.org.manager, w.manager2);
    let front = w.devs[FRONT].w.device;
    let store2 = w.devs[STORE2].w.device;
    let mut tick = || {
        clock += 1000;
        clock
    };
    let send = |id, transfer, qty, to_branch, to_device| {
        stock(
            id,
            item,
            qty,
            MovementKind::TransferOut {
                transfer,
                to_branch,
                to_device,
            },
        )
    };
    let take_in = |id, transfer, from_branch, sent, qty| {
        stock(
            id,
            item,
            qty,
            MovementKind::TransferIn {
                transfer,
                from_branch,
                sent,
            },
        )
    };
    let sent = Decimal::new(15, 1);

    // Bengaluru sends 1.5 to Mysuru.
    let (t1, id) = (w.fresh(), w.fresh());
    let out = send(id, t1, sent, b2, store2);
    assert!(matches!(
        make(&mut w, FRONT, m1, b1, out, tick()),
        Outcome::Made(_)
    ));
    let id = w.fresh();
    let early = make(
        &mut w,
        STORE2,
        m2,
        b2,
        take_in(id, t1, b1, sent, Decimal::ONE),
        tick(),
    );
    assert_eq!(
        refused_for(early),
        "transfer",
        "not sent, as far as Mysuru knows"
    );
    sync(&mut w, FRONT, STORE2, 0, 0);
    sync(&mut w, FRONT, LAP_A, 0, 0);
    let id = w.fresh();
    let by_laptop = make(
        &mut w,
        LAP_A,
        m1,
        b1,
        take_in(id, t1, b1, sent, Decimal::ONE),
        tick(),
    );
    assert_eq!(
        refused_for(by_laptop),
        "transfer",
        "a laptop of the other branch"
    );
    let id = w.fresh();
    let over = make(
        &mut w,
        STORE2,
        m2,
        b2,
        take_in(id, t1, b1, sent, Decimal::from(2)),
        tick(),
    );
    assert_eq!(refused_for(over), "qty", "more than was sent");
    let id = w.fresh();
    let short = take_in(id, t1, b1, sent, Decimal::ONE);
    assert!(matches!(
        make(&mut w, STORE2, m2, b2, short, tick()),
        Outcome::Made(_)
    ));
    let id = w.fresh();
    let again = make(
        &mut w,
        STORE2,
        m2,
        b2,
        take_in(id, t1, b1, sent, Decimal::ZERO),
        tick(),
    );
    assert_eq!(refused_for(again), "transfer", "already received");

    // Mysuru sends 1 back; a Bengaluru laptop passes every check but the
    // escrow's: it does not hold the goods in transit, the front desk does.
    let (t2, id) = (w.fresh(), w.fresh());
    let back = send(id, t2, Decimal::ONE, b1, front);
    assert!(matches!(
        make(&mut w, STORE2, m2, b2, back, tick()),
        Outcome::Made(_)
    ));
    sync(&mut w, STORE2, LAP_A, 0, 0);
    sync(&mut w, STORE2, FRONT, 0, 0);
    let id = w.fresh();
    let by_laptop = make(
        &mut w,
        LAP_A,
        m1,
        b1,
        take_in(id, t2, b2, Decimal::ONE, Decimal::ONE),
        tick(),
    );
    assert_eq!(refused_for(by_laptop), "holder");
    let id = w.fresh();
    let home = take_in(id, t2, b2, Decimal::ONE, Decimal::ONE);
    assert!(matches!(
        make(&mut w, FRONT, m1, b1, home, tick()),
        Outcome::Made(_)
    ));

    full_sync(&mut w);
    for d in &w.devs {
        let s = &d.r.state;
        assert_eq!(s.balance_of(b1, item, Holder::Transit(t1)), Decimal::ZERO);
        assert_eq!(s.balance_of(b2, item, Holder::Transit(t2)), Decimal::ZERO);
        // 2 opening − 1.5 sent + 1 back
        assert_eq!(
            s.balance_of(b1, item, Holder::Device(front)),
            Decimal::new(15, 1)
        );
        // 2 opening + 1 of 1.5 received − 1 sent back
        assert_eq!(
            s.balance_of(b2, item, Holder::Device(store2)),
            Decimal::from(2)
        );
        let total: Decimal = s
            .balances
            .iter()
            .filter(|((_, i, _), _)| *i == item)
            .map(|(_, c)| c.value())
            .sum();
        assert_eq!(total, w.ledger[&item]);
        assert_eq!(
            total,
            Decimal::new(35, 1),
            "4 received, 0.5 lost in transit"
        );
    }
}
