//! What two hub processes over one database share through it: number
//! blocks that never overlap, a replay seen by either refused by both, the
//! hub's own chains never forked, one log in commit order; and one
//! business's series and log untouched by another's.

use std::collections::BTreeSet;
use std::sync::Arc;

use hub_pg::leases::{self, Series};
use hub_pg::log::{self, Appended, NewOp};
use hub_pg::{PgError, Pool};

use crate::{business, fresh_db, two_hubs};

fn invoices() -> Series {
    Series {
        prefix: "JAY".into(),
        doc_type: "tax_invoice".into(),
        fy: 2026,
    }
}

async fn add_businesses(p: &Pool) {
    let c = p.get().await;
    log::add_business(&c, business(1), "Laptop Care, Bengaluru", 1)
        .await
        .unwrap();
    log::add_business(&c, business(2), "Chennai Repairs", 1)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_lease_grants_over_two_processes_never_overlap() {
    let Some(db) = fresh_db().await else { return };
    let (a, b) = two_hubs(&db).await;
    add_businesses(&a).await;
    let hubs = [Arc::new(a), Arc::new(b)];
    let mut tasks = vec![];
    for i in 0..400u32 {
        let hub = hubs[i as usize % 2].clone();
        tasks.push(tokio::spawn(async move {
            let mut c = hub.get().await;
            let tx = c.transaction().await.unwrap();
            let mut id = [0u8; 16];
            id[..4].copy_from_slice(&i.to_le_bytes());
            let device = [(i % 8) as u8; 16];
            let block = leases::grant(&tx, business(1), &invoices(), device, id, 50)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            block
        }));
    }
    let mut granted = vec![];
    for t in tasks {
        granted.push(t.await.unwrap());
    }
    let c = hubs[1].get().await;
    let stored = leases::blocks(&*c, business(1), &invoices()).await.unwrap();
    assert_eq!(stored.len(), 400);
    for (k, block) in stored.iter().enumerate() {
        let k = k as i64;
        assert_eq!(
            (block.first, block.last),
            (k * 50 + 1, k * 50 + 50),
            "blocks must be disjoint and leave no gap"
        );
    }
    // What each caller was told is what is stored.
    granted.sort_by_key(|g| g.first);
    assert_eq!(granted, stored);
    // Another business's series of the same name starts at 1.
    let other = leases::grant(&*c, business(2), &invoices(), [1; 16], [1; 16], 50)
        .await
        .unwrap();
    assert_eq!((other.first, other.last), (1, 50));
    // A block's size is checked.
    let e = leases::grant(&*c, business(2), &invoices(), [1; 16], [2; 16], 0)
        .await
        .unwrap_err();
    assert!(matches!(e, PgError::Invalid { field: "size", .. }), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_seen_by_one_process_is_a_replay_at_the_other() {
    let Some(db) = fresh_db().await else { return };
    let (a, b) = two_hubs(&db).await;
    add_businesses(&a).await;
    let (ca, cb) = (a.get().await, b.get().await);
    let (dev, sig) = ([7u8; 16], [9u8; 64]);
    let seen = |c, biz, dev, now| hub_pg::replay::first_sight(c, biz, dev, &sig, now, 300_000);
    assert!(seen(&*ca, business(1), dev, 1_000).await.unwrap());
    assert!(
        !seen(&*cb, business(1), dev, 1_001).await.unwrap(),
        "a replay at the other process"
    );
    assert!(!seen(&*ca, business(1), dev, 1_002).await.unwrap());
    // Another device's, or another business's, is its own.
    assert!(seen(&*cb, business(1), [8; 16], 1_003).await.unwrap());
    assert!(seen(&*cb, business(2), dev, 1_004).await.unwrap());
    // Once past the window (the clock check refuses it anyway) it is swept.
    assert!(seen(&*cb, business(1), dev, 400_000).await.unwrap());
    // Both at once: exactly one first sight.
    let sig2 = [3u8; 64];
    let (x, y) = tokio::join!(
        hub_pg::replay::first_sight(&*ca, business(1), dev, &sig2, 2_000, 300_000),
        hub_pg::replay::first_sight(&*cb, business(1), dev, &sig2, 2_000, 300_000)
    );
    assert!(
        x.unwrap() ^ y.unwrap(),
        "exactly one of two racing requests is taken"
    );
}

/// A stand-in for a signed op: its bytes carry the place it was made at
/// and the hash it follows, as a real op's do.
fn hub_op(place: &log::Place, device: [u8; 16], maker: u8) -> NewOp {
    let mut wire = place.seq.to_le_bytes().to_vec();
    wire.extend(place.prev.clone().unwrap_or_default());
    wire.push(maker);
    let mut hash = place.seq.to_le_bytes().to_vec();
    hash.push(maker);
    NewOp {
        device,
        seq: place.seq,
        branch: [1; 16],
        kind: "lease_granted".into(),
        hash,
        wire,
        rejected: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_signing_for_one_hub_device_never_fork_its_chain() {
    let Some(db) = fresh_db().await else { return };
    let (a, b) = two_hubs(&db).await;
    add_businesses(&a).await;
    let hubs = [Arc::new(a), Arc::new(b)];
    let hub_device = [0xAB; 16];
    let mut tasks = vec![];
    for i in 0..200u32 {
        let hub = hubs[i as usize % 2].clone();
        tasks.push(tokio::spawn(async move {
            let mut c = hub.get().await;
            let tx = c.transaction().await.unwrap();
            let (op, lsn) = log::append_own(&tx, business(1), hub_device, |p| {
                Ok(hub_op(p, hub_device, (i % 2) as u8))
            })
            .await
            .unwrap();
            tx.commit().await.unwrap();
            (op.seq, lsn)
        }));
    }
    let mut places = BTreeSet::new();
    for t in tasks {
        assert!(places.insert(t.await.unwrap().0), "two ops at one place");
    }
    assert_eq!(places, (1..=200).collect::<BTreeSet<i64>>());
    // Each op names the one before it, and lsn order is chain order.
    let c = hubs[0].get().await;
    let rows = c
        .query(
            "SELECT seq, hash, wire FROM ops WHERE business = $1 AND device = $2 ORDER BY lsn",
            &[&&business(1).0[..], &&hub_device[..]],
        )
        .await
        .unwrap();
    let mut prev: Option<Vec<u8>> = None;
    for (k, r) in rows.iter().enumerate() {
        let (seq, hash, wire): (i64, Vec<u8>, Vec<u8>) = (r.get(0), r.get(1), r.get(2));
        assert_eq!(seq, k as i64 + 1);
        let named = &wire[8..wire.len() - 1];
        assert_eq!(named, prev.as_deref().unwrap_or_default(), "seq {seq}");
        prev = Some(hash);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_pushing_to_both_processes_lands_once_in_commit_order() {
    let Some(db) = fresh_db().await else { return };
    let (a, b) = two_hubs(&db).await;
    add_businesses(&a).await;
    let dev = [5u8; 16];
    let ops: Vec<NewOp> = (1..=300)
        .map(|seq| NewOp {
            device: dev,
            seq,
            branch: [1; 16],
            kind: "customer_created".into(),
            hash: seq.to_le_bytes().to_vec(),
            wire: vec![seq as u8; 40],
            rejected: None,
        })
        .collect();
    // The same batches sent to both (a retry that went the other way),
    // racing.
    let hubs = [Arc::new(a), Arc::new(b)];
    let mut tasks = vec![];
    for (i, chunk) in ops.chunks(30).enumerate() {
        for h in &hubs {
            let (h, chunk) = (h.clone(), chunk.to_vec());
            tasks.push(tokio::spawn(async move {
                // A batch can arrive before the one it follows: the caller
                // holds it back; retry until its turn.
                loop {
                    let mut c = h.get().await;
                    let tx = c.transaction().await.unwrap();
                    match log::append(&tx, business(1), &chunk).await {
                        Ok(r) => {
                            tx.commit().await.unwrap();
                            return r;
                        }
                        Err(PgError::Chain { .. }) => {
                            drop(tx);
                            drop(c);
                            tokio::time::sleep(std::time::Duration::from_millis(2 + i as u64))
                                .await;
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            }));
        }
    }
    let mut stored = 0;
    for t in tasks {
        stored += t
            .await
            .unwrap()
            .iter()
            .filter(|r| matches!(r, Appended::At(_)))
            .count();
    }
    assert_eq!(stored, 300, "every op stored exactly once");
    let c = hubs[0].get().await;
    let page = log::after(&*c, business(1), 0, 1000).await.unwrap();
    let lsns: Vec<i64> = page.iter().map(|p| p.0).collect();
    assert_eq!(lsns, (1..=300).collect::<Vec<i64>>(), "no gap in the log");
    let seqs: Vec<i64> = page.iter().map(|p| p.2).collect();
    assert_eq!(
        seqs,
        (1..=300).collect::<Vec<i64>>(),
        "lsn order is chain order"
    );
    // A different op at a taken place is a fork, refused whole.
    let mut c = hubs[1].get().await;
    let tx = c.transaction().await.unwrap();
    let mut fork = ops[9].clone();
    fork.hash = vec![0xFF];
    let e = log::append(&tx, business(1), &[fork]).await.unwrap_err();
    assert!(e.to_string().contains("fork"), "{e}");
    drop(tx);
    // The other business's log is empty.
    assert!(
        log::after(&*c, business(2), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
