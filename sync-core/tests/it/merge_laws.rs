//! Merge laws: for every merge rule, `merge` is commutative, associative and
//! idempotent, and applying the same updates in any order gives one state.

use proptest::prelude::*;
use sync_core::Decimal;
use sync_core::body::FieldValue;
use sync_core::domain::lifecycle::{JobStatus, next_steps};
use sync_core::hlc::Stamp;
use sync_core::ids::DeviceId;
use sync_core::merge::counter::Counter;
use sync_core::merge::facts::Facts;
use sync_core::merge::register::{Register, WriteKey};
use sync_core::merge::status::{StatusLog, Transition};
use sync_core::merge::text::TextDoc;
use sync_core::op::OpId;

fn op(d: u8, s: u64) -> OpId {
    OpId {
        device: DeviceId([d; 16]),
        seq: s,
    }
}

/// A random history of writes: each may supersede some earlier ones.
fn writes() -> impl Strategy<Value = Vec<(WriteKey, FieldValue, Vec<OpId>)>> {
    proptest::collection::vec(
        (
            0u8..4,
            0u64..20,
            0i64..5,
            proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
        ),
        1..20,
    )
    .prop_map(|raw| {
        let mut out: Vec<(WriteKey, FieldValue, Vec<OpId>)> = vec![];
        for (i, (d, wall, v, sup)) in raw.into_iter().enumerate() {
            let key = WriteKey {
                hlc: Stamp::new(wall, 0),
                op: op(d, i as u64 + 1),
            };
            let supersedes = if out.is_empty() {
                vec![]
            } else {
                sup.iter().map(|ix| out[ix.index(out.len())].0.op).collect()
            };
            out.push((key, FieldValue::Int(v), supersedes));
        }
        out
    })
}

fn reg_of(ws: &[(WriteKey, FieldValue, Vec<OpId>)]) -> Register<FieldValue> {
    let mut r = Register::default();
    for (k, v, s) in ws {
        r.apply(*k, v.clone(), s);
    }
    r
}

fn split3<T: Clone>(v: &[T], mask: &[u8]) -> (Vec<T>, Vec<T>, Vec<T>) {
    let (mut a, mut b, mut c) = (vec![], vec![], vec![]);
    for (i, x) in v.iter().enumerate() {
        let m = mask.get(i).copied().unwrap_or(7);
        if m & 1 != 0 {
            a.push(x.clone());
        }
        if m & 2 != 0 {
            b.push(x.clone());
        }
        if m & 4 != 0 {
            c.push(x.clone());
        }
    }
    (a, b, c)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn register_laws(ws in writes(), mask in proptest::collection::vec(1u8..8, 20), perm in Just(()).prop_perturb(|_, mut rng| rng.random::<u64>())) {
        let (a, b, c) = split3(&ws, &mask);
        let (ra, rb, rc) = (reg_of(&a), reg_of(&b), reg_of(&c));
        let mut ab = ra.clone(); ab.merge(&rb);
        let mut ba = rb.clone(); ba.merge(&ra);
        prop_assert_eq!(&ab, &ba, "commutative");
        let mut ab_c = ab.clone(); ab_c.merge(&rc);
        let mut bc = rb.clone(); bc.merge(&rc);
        let mut a_bc = ra.clone(); a_bc.merge(&bc);
        prop_assert_eq!(&ab_c, &a_bc, "associative");
        let mut aa = ra.clone(); aa.merge(&ra);
        prop_assert_eq!(&aa, &ra, "idempotent");
        // op-based: any order of the same writes gives the merged state
        let mut shuffled = ws.clone();
        shuffle(&mut shuffled, perm);
        let all = reg_of(&ws);
        prop_assert_eq!(&reg_of(&shuffled), &all);
        // no write is lost silently: every write is either live or superseded by a later-known write
        let live = all.live_ops();
        for (k, _, _) in &ws {
            let superseded = ws.iter().any(|(_, _, s)| s.contains(&k.op) && !s.is_empty());
            prop_assert!(live.contains(&k.op) || superseded);
        }
    }

    #[test]
    fn facts_laws(xs in proptest::collection::vec((0u8..30, 0u8..3), 0..30), mask in proptest::collection::vec(1u8..8, 30)) {
        let (a, b, c) = split3(&xs, &mask);
        let f = |v: &[(u8, u8)]| { let mut s = Facts::default(); for (k, x) in v { s.insert(*k, *x); } s };
        let (fa, fb, fc) = (f(&a), f(&b), f(&c));
        let mut ab = fa.clone(); ab.merge(&fb);
        let mut ba = fb.clone(); ba.merge(&fa);
        prop_assert_eq!(&ab, &ba);
        let mut ab_c = ab.clone(); ab_c.merge(&fc);
        let mut bc = fb.clone(); bc.merge(&fc);
        let mut a_bc = fa.clone(); a_bc.merge(&bc);
        prop_assert_eq!(&ab_c, &a_bc);
        let mut aa = fa.clone(); aa.merge(&fa);
        prop_assert_eq!(&aa, &fa);
    }

    #[test]
    fn counter_laws(xs in proptest::collection::vec((0u32..40, -500i64..500), 0..40), mask in proptest::collection::vec(1u8..8, 40)) {
        // A contribution id always carries the same amount (it is one movement).
        let xs: Vec<(u32, Decimal)> = xs.into_iter().map(|(k, _)| (k, Decimal::new(k as i64 * 7 - 100, 1))).collect();
        let (a, b, c) = split3(&xs, &mask);
        let f = |v: &[(u32, Decimal)]| { let mut s = Counter::default(); for (k, x) in v { s.add(*k, *x); } s };
        let (fa, fb, fc) = (f(&a), f(&b), f(&c));
        let mut ab = fa.clone(); ab.merge(&fb);
        let mut ba = fb.clone(); ba.merge(&fa);
        prop_assert_eq!(ab.value(), ba.value());
        prop_assert_eq!(&ab, &ba);
        let mut ab_c = ab.clone(); ab_c.merge(&fc);
        let mut bc = fb.clone(); bc.merge(&fc);
        let mut a_bc = fa.clone(); a_bc.merge(&bc);
        prop_assert_eq!(&ab_c, &a_bc);
        let mut aa = fa.clone(); aa.merge(&fa);
        prop_assert_eq!(&aa, &fa);
        let all = f(&xs);
        let distinct: std::collections::BTreeMap<u32, Decimal> = xs.iter().copied().collect();
        prop_assert_eq!(all.value(), distinct.values().copied().sum::<Decimal>(), "a duplicate adds nothing");
    }
}

fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let j = (seed % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// Edits as (device, new text) made on forks of a shared document.
fn text_edits() -> impl Strategy<Value = Vec<(u8, String)>> {
    proptest::collection::vec((1u8..4, "[a-z ]{0,12}"), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn text_merge_laws(edits in text_edits(), base in "[a-z ]{0,10}") {
        let mut root = TextDoc::genesis();
        let mut changes = vec![];
        if let Some(c) = root.edit(DeviceId([9; 16]), &base).unwrap() { changes.push(c); }
        // three replicas edit concurrently from the same base
        let mut forks = [root.clone(), root.clone(), root.clone()];
        for (d, t) in &edits {
            let f = &mut forks[(*d - 1) as usize];
            let cur = f.text();
            let next = format!("{}{}", &cur[..cur.len() / 2], t);
            if let Some(c) = f.edit(DeviceId([*d; 16]), &next).unwrap() { changes.push(c); }
        }
        let [mut a, mut b, mut c] = forks;
        let mut ab = a.clone(); ab.merge(&mut b.clone()).unwrap();
        let mut ba = b.clone(); ba.merge(&mut a.clone()).unwrap();
        prop_assert_eq!(ab.text(), ba.text());
        prop_assert_eq!(ab.heads(), ba.heads());
        let mut ab_c = ab.clone(); ab_c.merge(&mut c.clone()).unwrap();
        let mut bc = b.clone(); bc.merge(&mut c.clone()).unwrap();
        let mut a_bc = a.clone(); a_bc.merge(&mut bc).unwrap();
        prop_assert_eq!(ab_c.text(), a_bc.text());
        let mut aa = a.clone(); aa.merge(&mut a.clone()).unwrap();
        prop_assert_eq!(aa.text(), a.text());
        // op-based: the change bytes in reverse order, twice, reach the same text
        let mut fresh = TextDoc::genesis();
        for ch in changes.iter().rev().chain(changes.iter()) { fresh.apply(ch).unwrap(); }
        prop_assert_eq!(fresh.text(), ab_c.text());
        prop_assert_eq!(fresh.heads(), ab_c.heads());
        // every device's inserted characters survive (character-level, not last-writer-wins)
        for f in [&mut a, &mut b, &mut c] {
            for ch in f.text().chars().filter(|c| *c != ' ') {
                prop_assert!(ab_c.text().contains(ch) || base.contains(ch));
            }
        }
    }
}

/// A random tree of status changes made by devices that saw different prefixes.
fn status_history() -> impl Strategy<Value = Vec<Transition>> {
    proptest::collection::vec(
        (
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            0u64..50,
            0u8..4,
        ),
        0..25,
    )
    .prop_map(|raw| {
        let mut out: Vec<Transition> = vec![];
        for (i, (parent, next, wall, d)) in raw.into_iter().enumerate() {
            // choose a parent: intake or an earlier change that is not terminal
            let candidates: Vec<(Option<OpId>, JobStatus)> =
                std::iter::once((None, JobStatus::Received))
                    .chain(
                        out.iter()
                            .filter(|t| !t.to.is_terminal())
                            .map(|t| (Some(t.op), t.to)),
                    )
                    .collect();
            let (after, from) = candidates[parent.index(candidates.len())];
            let steps = next_steps(from);
            let to = steps[next.index(steps.len())];
            out.push(Transition {
                op: op(d, i as u64 + 1),
                hlc: Stamp::new(wall, 0),
                from,
                to,
                after,
                is_override: false,
            });
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn status_merge_laws_and_no_impossible_state(ts in status_history(), mask in proptest::collection::vec(1u8..8, 25), seed in any::<u64>()) {
        let (a, b, c) = split3(&ts, &mask);
        let f = |v: &[Transition]| { let mut s = StatusLog::default(); for t in v { s.insert(t.clone()); } s };
        let (fa, fb, fc) = (f(&a), f(&b), f(&c));
        let mut ab = fa.clone(); ab.merge(&fb);
        let mut ba = fb.clone(); ba.merge(&fa);
        prop_assert_eq!(ab.resolve(), ba.resolve());
        let mut ab_c = ab.clone(); ab_c.merge(&fc);
        let mut bc = fb.clone(); bc.merge(&fc);
        let mut a_bc = fa.clone(); a_bc.merge(&bc);
        prop_assert_eq!(ab_c.resolve(), a_bc.resolve());
        let mut aa = fa.clone(); aa.merge(&fa);
        prop_assert_eq!(aa.resolve(), fa.resolve());
        let mut shuffled = ts.clone();
        shuffle(&mut shuffled, seed | 1);
        let all = f(&ts);
        prop_assert_eq!(f(&shuffled).resolve(), all.resolve());
        // the winning path is a chain of allowed steps from intake
        let r = all.resolve();
        let mut cur = JobStatus::Received;
        let mut prev = None;
        for id in &r.path {
            let t = all.get(id).unwrap();
            prop_assert_eq!(t.after, prev);
            prop_assert_eq!(t.from, cur);
            prop_assert!(next_steps(cur).contains(&t.to));
            cur = t.to;
            prev = Some(t.op);
        }
        prop_assert_eq!(cur, r.status);
        // every change is either on the path or reported for review
        prop_assert_eq!(r.path.len() + r.losers.len(), all.len());
        // delivered wins over anything concurrent
        if ts.iter().any(|t| t.to == JobStatus::Delivered) {
            prop_assert_eq!(r.status, JobStatus::Delivered);
        }
    }
}
