//! A whole random offline day as one feed: five devices working apart and
//! passing ops among themselves, a stolen laptop (device 1) forging ops
//! beyond its trust among them, and then every op of the day in one random
//! order with duplicates, the hub's own ops first (as at the hub, which
//! enrolls every device before it can push). What the differential tests
//! feed to two replicas that must end alike.

use rust_decimal::Decimal;

use crate::body::{MovementKind, OpBody, StockMovement};
use crate::op::Op;
use crate::testkit::T0;
use crate::testkit::day::{World, act, world};

/// xorshift: small, seeded, the same on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The stolen laptop (device 1) signs, unchecked, a +100 adjustment as the
/// owner (above its ceiling) and keeps it in its own log, as a tampered
/// client would; what it does next stands on stock it does not have.
fn forge(w: &mut World, clock: u64, n: u32) -> Op {
    let (owner, branch, item) = (w.org.owner, w.org.branch, w.item);
    let d = &mut w.devs[1];
    let applied = d.r.applied().clone();
    let op =
        d.w.make(
            owner,
            branch,
            OpBody::StockMoved(StockMovement {
                id: crate::testkit::rid(900_000 + n),
                item,
                qty: Decimal::from(100),
                movement: MovementKind::Adjustment {
                    increase: true,
                    reason: "found".into(),
                },
                note: None,
            }),
            &applied,
            clock,
        )
        .expect("signs");
    d.r.receive(op.clone())
        .expect("the thief's own replica takes it");
    op
}

/// The day of `seed`, and every op of it in the order a replica gets them.
pub fn shuffled_feed(seed: u64) -> (World, Vec<Op>) {
    let mut rng = Rng(seed | 1);
    let mut w = world();
    let mut clock = T0;
    for (what, a) in [(0, 1), (0, 2), (1, 0), (1, 1), (8, 2), (9, 1), (9, 2)] {
        clock += 1000;
        act(&mut w, 0, what, a, a, clock).expect("prelude op is allowed");
    }
    let morning = w.devs[0].r.ops_missing_from(&Default::default());
    for d in w.devs.iter_mut().skip(1) {
        for op in &morning {
            d.r.receive(op.clone())
                .expect("the morning's ops are taken");
        }
    }
    let steps = 20 + rng.below(50);
    for n in 0..steps {
        clock += 1000;
        match rng.below(10) {
            0 => {
                forge(&mut w, clock, n as u32);
            }
            1 | 2 => {
                let (from, to) = (rng.below(5) as usize, rng.below(5) as usize);
                if from != to {
                    let have = w.devs[to].r.applied().clone();
                    for op in w.devs[from].r.ops_missing_from(&have) {
                        w.devs[to].r.receive(op).expect("a peer's op is taken");
                    }
                }
            }
            _ => {
                let dev = rng.below(5) as usize;
                let what = rng.below(14) as u8;
                let (a, b) = (rng.next_u64() as u32, rng.next_u64() as u32);
                act(&mut w, dev, what, a, b, clock);
            }
        }
    }
    let mut all: Vec<Op> = w.org.ops.clone();
    for d in &w.devs {
        for op in d.r.ops_missing_from(&Default::default()) {
            if !all.iter().any(|o| o.id == op.id) {
                all.push(op);
            }
        }
    }
    let org = w.org.ops.len();
    let mut feed: Vec<Op> = all[org..].to_vec();
    for op in &all[org..] {
        if rng.below(4) == 0 {
            feed.push(op.clone());
        }
    }
    for i in (1..feed.len()).rev() {
        feed.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut ordered = w.org.ops.clone();
    ordered.extend(feed);
    (w, ordered)
}
