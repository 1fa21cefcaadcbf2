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
use sync_core::domain::rules::RuleContext;
use sync_core::domain::stock::Holder;
use sync_core::op::Op;
use sync_core::replica::{Kind, Replica};
use sync_core::testkit::T0;
use sync_core::testkit::day::{act, records, world};

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
