//! The SQLite replica (what every device and the hub run) against the
//! reference replica (`sync_core::replica`, the merge rules written plainly):
//! random offline days of five devices, with a stolen laptop forging ops
//! beyond its trust among them, fed to both in the same random order with
//! duplicates. Both must refuse exactly the same ops and answer the rule
//! book's every question about the result the same way.
//!
//! `DIFF_CASES` raises the number of days (default 60); `DIFF_SEED` replays one.

use rusqlite::Connection;
use sqlite_replica::ctx::TxCtx;
use sqlite_replica::receive::{self, Check};
use sync_core::body::OpBody;
use sync_core::domain::rules::RuleContext;
use sync_core::domain::stock::Holder;
use sync_core::op::Op;
use sync_core::replica::Replica;
use sync_core::testkit::day::World;
use sync_core::testkit::feed::shuffled_feed;

fn day(seed: u64) -> (World, Vec<Op>) {
    shuffled_feed(seed)
}

/// Every question the rule book can ask, over every id in the history.
fn answers(ctx: &dyn RuleContext, w: &World, all: &[Op]) -> Vec<String> {
    use sync_core::ids::RecordId;
    let mut out = vec![];
    let mut ids: Vec<RecordId> = vec![w.item];
    for op in all {
        match &op.body {
            OpBody::CustomerCreated(c) => ids.push(c.id),
            OpBody::JobOpened(j) => ids.push(j.id),
            OpBody::EstimateLineAdded { line, .. } => ids.push(line.id),
            OpBody::DocumentIssued(d) => ids.push(d.id),
            OpBody::PaymentRecorded(p) => ids.push(p.id),
            OpBody::StockMoved(m) => ids.push(m.id),
            OpBody::MessageQueued(m) => ids.push(m.id),
            _ => {}
        }
    }
    for id in &ids {
        out.push(format!(
            "{id}: job {:?} due {} customer {:?} line {:?} doc {:?} exists {} message {:?}",
            ctx.job(*id),
            ctx.job_balance_due(*id).normalize(),
            ctx.customer_branch(*id),
            ctx.estimate_line_job(*id),
            ctx.document(*id).map(|mut d| {
                d.paid = d.paid.normalize();
                d
            }),
            ctx.record_exists(*id),
            ctx.message_branch(*id),
        ));
    }
    for d in &w.devs {
        out.push(format!(
            "{}: {:?} holds {}",
            d.w.device,
            ctx.device(d.w.device),
            ctx.balance(w.org.branch, w.item, Holder::Device(d.w.device))
                .normalize()
        ));
    }
    out
}

fn compare(seed: u64) {
    let (w, feed) = day(seed);
    let genesis = w.org.genesis.clone();
    let mut reference = Replica::checking(genesis.clone());
    let mut c = Connection::open_in_memory().unwrap();
    schema::migrate(&mut c, schema::Target::Hub).unwrap();
    for op in &feed {
        reference.receive(op.clone()).unwrap();
        let wire = op.encode().unwrap();
        receive::receive_op(&c, &genesis, op.clone(), &wire, None, Check::Rules, false).unwrap();
    }
    let mut all: Vec<Op> = feed.clone();
    all.sort_by_key(|o| o.id);
    all.dedup_by_key(|o| o.id);
    assert_eq!(reference.pending_len(), 0, "seed {seed}");
    assert_eq!(receive::pending(&c).unwrap(), 0, "seed {seed}");
    let refused_ref: Vec<_> = reference.refused().keys().copied().collect();
    let mut refused_sql: Vec<sync_core::op::OpId> = c
        .prepare("SELECT device, seq FROM ops WHERE rejected IS NOT NULL")
        .unwrap()
        .query_map([], |r| {
            Ok(sync_core::op::OpId {
                device: sync_core::ids::DeviceId(r.get::<_, Vec<u8>>(0)?.try_into().unwrap()),
                seq: r.get(1)?,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    refused_sql.sort();
    assert_eq!(refused_ref, refused_sql, "seed {seed}: refused ops differ");
    let sql = TxCtx::new(&c, &genesis);
    let (a, b) = (answers(&reference, &w, &all), answers(&sql, &w, &all));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "seed {seed}: the replicas disagree");
    }
}

#[test]
fn the_sqlite_replica_matches_the_reference_with_refused_ops() {
    if let Some(seed) = std::env::var("DIFF_SEED").ok().and_then(|s| s.parse().ok()) {
        return compare(seed);
    }
    let cases: u64 = std::env::var("DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let mut forged_refused = 0;
    for seed in 1..=cases {
        compare(seed);
        let (w, feed) = day(seed);
        let mut r = Replica::checking(w.org.genesis.clone());
        for op in feed {
            r.receive(op).unwrap();
        }
        forged_refused += r
            .refused()
            .values()
            .filter(|why| why.contains("ceiling"))
            .count();
    }
    assert!(forged_refused > 0, "no forgery was ever made and refused");
}

/// A device that took every op of the day from LAN peers before the hub
/// judged any (the worst case: forgeries, and what was built on them,
/// included), then pulls the hub's log with its verdicts, ends in the hub's
/// state: each op the hub refused is overruled and the tables rebuilt
/// without it. Returns how many ops were overruled.
fn overruled_device_ends_as_the_hub(seed: u64) -> usize {
    let (w, feed) = day(seed);
    let genesis = w.org.genesis.clone();
    let mut hub = Connection::open_in_memory().unwrap();
    schema::migrate(&mut hub, schema::Target::Hub).unwrap();
    for op in &feed {
        let wire = op.encode().unwrap();
        receive::receive_op(&hub, &genesis, op.clone(), &wire, None, Check::Rules, false).unwrap();
    }
    let mut dev = Connection::open_in_memory().unwrap();
    schema::migrate(&mut dev, schema::Target::Device).unwrap();
    // Its own order: the feed backwards (each op waits for its past).
    for op in feed.iter().rev() {
        let wire = op.encode().unwrap();
        receive::receive_op(&dev, &genesis, op.clone(), &wire, None, Check::Trust, false).unwrap();
    }
    let log: Vec<(Vec<u8>, Option<String>)> = hub
        .prepare("SELECT wire, rejected FROM ops ORDER BY lsn")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut overruled = 0;
    for (wire, mark) in &log {
        let r = receive::receive(&dev, &genesis, wire, mark.as_deref(), Check::Trust).unwrap();
        if r.outcome == receive::Outcome::Overruled {
            overruled += 1;
        }
    }
    if overruled > 0 {
        sqlite_replica::overrule::rebuild(&dev).unwrap();
    }
    let b = &w.org.branch.0;
    let (h, d) = (
        sqlite_replica::digest::branch_rows(&hub, b).unwrap(),
        sqlite_replica::digest::branch_rows(&dev, b).unwrap(),
    );
    for (t, rows) in &h {
        assert_eq!(
            rows, &d[t],
            "seed {seed}: {t} differs after the hub's verdicts"
        );
    }
    overruled
}

#[test]
fn what_the_hub_refuses_every_replica_ends_without() {
    if let Some(seed) = std::env::var("DIFF_SEED").ok().and_then(|s| s.parse().ok()) {
        overruled_device_ends_as_the_hub(seed);
        return;
    }
    let cases: u64 = std::env::var("DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let overruled: usize = (1..=cases).map(overruled_device_ends_as_the_hub).sum();
    assert!(overruled > 0, "no op was ever overruled");
}

/// A device's key in hostile hands signs two ops at one place: one reaches
/// the hub, the other (and an op built on it) only a LAN peer. When the
/// peer meets the hub's log, the hub's op takes the place (the peer's is
/// kept aside as evidence), the op built on the other is refused by the hub
/// as a broken link and dropped here, and the peer ends in the hub's state.
/// Before, the peer kept the place empty of the hub's op and the two never
/// agreed again (simulation seeds 777237, 777376).
#[test]
fn a_device_that_signed_two_ops_at_one_place_leaves_the_hubs_chain_everywhere() {
    use sync_core::body::Customer;
    use sync_core::ids::RecordId;
    use sync_core::vv::VersionVector;

    let (w, feed) = day(3);
    let genesis = w.org.genesis.clone();
    let mut hub = Connection::open_in_memory().unwrap();
    schema::migrate(&mut hub, schema::Target::Hub).unwrap();
    let mut peer = Connection::open_in_memory().unwrap();
    schema::migrate(&mut peer, schema::Target::Device).unwrap();
    for op in &feed {
        let wire = op.encode().unwrap();
        receive::receive_op(&hub, &genesis, op.clone(), &wire, None, Check::Rules, false).unwrap();
    }
    let hub_log = |hub: &Connection| -> Vec<(Vec<u8>, Option<String>)> {
        hub.prepare("SELECT wire, rejected FROM ops ORDER BY lsn")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    for (wire, mark) in hub_log(&hub) {
        receive::receive(&peer, &genesis, &wire, mark.as_deref(), Check::Trust).unwrap();
    }

    let desk = &w.devs[0];
    let customer = |n: u32| {
        OpBody::CustomerCreated(Customer {
            id: RecordId(sync_core::testkit::id16(b'z', n)),
            name: format!("Twin {n}"),
            mobile: "9845012345".into(),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        })
    };
    let none = VersionVector::default();
    let at = feed.iter().map(|o| o.hlc.wall_ms).max().unwrap_or(0) + 1_000;
    // Two copies of its writer where the key went: each signs the next place.
    let twin = || sync_core::writer::DeviceWriter {
        device: desk.w.device,
        key: sync_core::identity::DeviceKey::from_seed(desk.w.key.to_seed()),
        state: desk.w.state.clone(),
        clock: desk.w.clock.clone(),
    };
    let (mut to_hub, mut to_peer) = (twin(), twin());
    let theirs = to_hub
        .make(desk.user, w.org.branch, customer(1), &none, at)
        .unwrap();
    let ours = to_peer
        .make(desk.user, w.org.branch, customer(2), &none, at)
        .unwrap();
    let built_on_ours = to_peer
        .make(desk.user, w.org.branch, customer(3), &none, at + 1)
        .unwrap();
    assert_eq!(theirs.id, ours.id, "two ops at one place");

    let wire = theirs.encode().unwrap();
    let r = receive::receive_op(&hub, &genesis, theirs, &wire, None, Check::Rules, false).unwrap();
    assert_eq!(r.outcome, receive::Outcome::Applied);
    for op in [&ours, &built_on_ours] {
        let wire = op.encode().unwrap();
        let r = receive::receive_op(&peer, &genesis, op.clone(), &wire, None, Check::Gate, false)
            .unwrap();
        assert_eq!(r.outcome, receive::Outcome::Applied, "a LAN peer takes it");
    }

    // The peer pulls the hub's log: the hub's op takes the place.
    let mut overruled = 0;
    for (wire, mark) in hub_log(&hub) {
        let r = receive::receive(&peer, &genesis, &wire, mark.as_deref(), Check::Trust).unwrap();
        overruled += usize::from(r.outcome == receive::Outcome::Overruled);
    }
    assert_eq!(overruled, 1, "the hub's op replaced the peer's");
    sqlite_replica::overrule::rebuild(&peer).unwrap();
    let kept: Vec<u8> = peer
        .query_row("SELECT wire FROM forked_ops", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, ours.encode().unwrap(), "the peer's op is kept aside");

    // The peer pushes what the hub lacks: refused as a broken link (the
    // hub revokes the device for it), and dropped at the peer.
    let wire = built_on_ours.encode().unwrap();
    let e = receive::receive_op(
        &hub,
        &genesis,
        built_on_ours.clone(),
        &wire,
        None,
        Check::Rules,
        false,
    )
    .expect_err("no chain the hub holds fits it");
    assert!(e.to_string().contains("link"), "{e}");
    sqlite_replica::overrule::mark(&peer, built_on_ours.id, &e.to_string(), at).unwrap();
    sqlite_replica::overrule::rebuild(&peer).unwrap();

    let b = &w.org.branch.0;
    let (h, d) = (
        sqlite_replica::digest::branch_rows(&hub, b).unwrap(),
        sqlite_replica::digest::branch_rows(&peer, b).unwrap(),
    );
    for (t, rows) in &h {
        assert_eq!(rows, &d[t], "{t} differs");
    }
    assert_eq!(
        sqlite_replica::digest::branch_digest(&hub, b).unwrap(),
        sqlite_replica::digest::branch_digest(&peer, b).unwrap()
    );
}
