//! Operations coming in and going out of the hub's own chains. A pushed
//! batch is checked by the same rule book the devices use, in one
//! transaction; the hub's own acts (admin ops, leases, transfer notices) are
//! signed here too, by the root or a branch's hub device, so that each lands
//! in the one chain its audience can see.

use crate::store::engine::Access;
use rust_decimal::Decimal;
use sqlite_replica::own::{Making, make_and_apply};
use sqlite_replica::receive::{self, Check, Outcome};
use sqlite_replica::{ReplicaError, to16};
use sqlite_replica::{Sql, SqlExt, p};
use sync_core::CoreError;
use sync_core::body::OpBody;
use sync_core::hlc::Clock;
use sync_core::identity::{DeviceKey, PublicKey};
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};
use sync_core::op::{Op, OpId};
use sync_core::protocol::{OpVerdict, Verdict};
use sync_core::replica::{Genesis, HQ};
use sync_core::writer::DeviceWriter;

use super::{HubDb, Inner, branch_hub, devices, now_ms};
use crate::error::Result;

/// An op the hub signs as one of its own devices: the root (in HQ) or a
/// branch's hub device (in that branch's chain). Its admin acts, leases and
/// transfer notices all go through [`commit_in`] as one of these.
pub(super) struct HubOp {
    /// The signer: the root, or a branch's hub device.
    pub(super) device: DeviceId,
    /// The chain it goes in, and so who can see it.
    pub(super) branch: BranchId,
    pub(super) author: UserId,
    pub(super) body: OpBody,
}

pub(super) fn commit_in(
    c: &dyn Sql,
    genesis: &Genesis,
    root_seed: &[u8; 32],
    writers: &mut std::collections::HashMap<DeviceId, DeviceWriter>,
    op: HubOp,
) -> Result<Op> {
    let HubOp {
        device,
        branch,
        author,
        body,
    } = op;
    super::restore::refuse_if_recovering(c, branch)?;
    // Depend only on what the op's audience can see: the root's chain and
    // the branch's own devices. A dependency on another branch's op would
    // leave this op waiting forever on that branch's devices.
    let mut applied = sqlite_replica::applied(c)?;
    let visible: std::collections::HashSet<DeviceId> = {
        let mut v: std::collections::HashSet<DeviceId> = c
            .all(
                "SELECT id FROM devices WHERE branch = ?1",
                p![&branch.0[..]],
                |r| Ok(DeviceId(to16(&r.get::<Vec<u8>>(0)?))),
            )?
            .into_iter()
            .collect();
        v.insert(genesis.hub_device);
        if branch == HQ {
            v.retain(|d| *d == genesis.hub_device);
        }
        v
    };
    applied.0.retain(|d, _| visible.contains(d));
    // The number is given back unless the op is stored (an error or a
    // panic on the way leaves no hole in the hub device's chain).
    let mut w = writer_for(c, genesis, root_seed, writers, device, branch)?.tentative();
    let making = Making {
        author,
        branch,
        body,
        applied: &applied,
        wall_ms: now_ms(),
    };
    let op = make_and_apply(c, genesis, &mut w, making)?;
    w.keep();
    Ok(op)
}

impl HubDb {
    /// An op by one of the hub's own devices (the root, or a branch's hub
    /// device), checked by the rule book and applied like any other.
    pub(super) fn commit(
        &self,
        device: DeviceId,
        branch: BranchId,
        author: UserId,
        body: OpBody,
    ) -> Result<Op> {
        self.write(|c, p| {
            commit_in(
                c,
                p.genesis,
                p.root_seed,
                p.writers,
                HubOp {
                    device,
                    branch,
                    author,
                    body,
                },
            )
        })
    }
}

fn writer_for<'a>(
    c: &dyn Sql,
    genesis: &Genesis,
    root_seed: &[u8; 32],
    writers: &'a mut std::collections::HashMap<DeviceId, DeviceWriter>,
    device: DeviceId,
    branch: BranchId,
) -> Result<&'a mut DeviceWriter> {
    if let std::collections::hash_map::Entry::Vacant(slot) = writers.entry(device) {
        let key = if device == genesis.hub_device {
            DeviceKey::from_seed(*root_seed)
        } else {
            branch_hub(root_seed, branch).1
        };
        slot.insert(DeviceWriter::new(device, key));
    }
    let w = writers.get_mut(&device).expect("inserted");
    // The chain head is read inside the caller's write transaction, every
    // time: another process on this database (`hub user add` while `hub
    // serve` runs) or a rolled-back transaction may have moved it since
    // this writer last signed, and a cached head would fork the chain.
    let head = sqlite_replica::chain_head(c, device)?;
    if w.follow(head) {
        w.clock = Clock::new(sqlite_replica::max_stamp(c)?, 0);
    }
    Ok(w)
}

pub(super) fn accept_batch(
    hub: &HubDb,
    from: DeviceId,
    wires: &[Vec<u8>],
) -> Result<Vec<OpVerdict>> {
    // Decode everything and verify every signature whose key we know in
    // one batch (about twice the speed of one by one) before taking the
    // store: verifying is most of the cost of a batch, and done outside
    // the lock it overlaps another device's batch being stored. A
    // device's key never changes once enrolled, so reading the keys
    // first is safe; an op whose key arrives in this very batch, or whose
    // batch fails, is verified on its own inside the transaction, so a
    // forgery is named.
    let decoded: Vec<std::result::Result<Op, String>> = wires
        .iter()
        .map(|w| Op::decode(w).map_err(|e| e.to_string()))
        .collect();
    let mut authors: Vec<DeviceId> = decoded
        .iter()
        .filter_map(|d| d.as_ref().ok().map(|op| op.id.device))
        .collect();
    authors.sort_unstable();
    authors.dedup();
    let known: std::collections::HashMap<DeviceId, PublicKey> = {
        let genesis = hub.genesis();
        hub.read(|c| {
            let mut m = std::collections::HashMap::new();
            for d in authors {
                if let Ok(k) = receive::key_of(c, &genesis, d) {
                    m.insert(d, k);
                }
            }
            Ok(m)
        })?
    };
    let mut keys = Vec::new();
    let mut refs: Vec<&[u8]> = Vec::new();
    let mut sigs = Vec::new();
    let mut idx = Vec::new();
    for (i, d) in decoded.iter().enumerate() {
        if let Ok(op) = d
            && let Some(k) = known.get(&op.id.device)
        {
            // `Op::decode` checked the wire is the op's canonical
            // encoding, so the signed bytes are the wire less its
            // signature: no need to encode the op again.
            refs.push(&wires[i][..wires[i].len() - 64]);
            sigs.push(op.sig);
            keys.push(*k);
            idx.push(i);
        }
    }
    // Two halves on two cores: the hub machine has two.
    let half = refs.len() / 2;
    let batch_ok = !idx.is_empty()
        && std::thread::scope(|sc| {
            let first = sc.spawn(|| {
                sync_core::identity::verify_batch(&refs[..half], &sigs[..half], &keys[..half])
            });
            let second =
                sync_core::identity::verify_batch(&refs[half..], &sigs[half..], &keys[half..]);
            second && first.join().unwrap_or(false)
        });
    let mut verified = vec![false; wires.len()];
    if batch_ok {
        for i in idx {
            verified[i] = true;
        }
    }

    let mut g = hub.lock();
    let Inner {
        db,
        genesis,
        root_seed,
        writers,
        ..
    } = &mut *g;
    let tx = db.begin(Access::Write)?;
    let from_branch: Option<Vec<u8>> = tx.one(
        "SELECT branch FROM devices WHERE id = ?1",
        p![&from.0[..]],
        |r| r.get(0),
    )?;
    let mut out = Vec::with_capacity(wires.len());
    let mut forked: Vec<(DeviceId, u64)> = vec![];
    let genesis: &Genesis = genesis;
    let mut intake = receive::Intake::new(tx.sql(), genesis)?;
    for (i, (wire, decoded)) in wires.iter().zip(decoded).enumerate() {
        let op = match decoded {
            Ok(op) => op,
            Err(e) => {
                out.push(OpVerdict {
                    device: DeviceId::default(),
                    seq: 0,
                    verdict: Verdict::Rejected,
                    reason: Some(e),
                });
                continue;
            }
        };
        let (device, seq) = (op.id.device, op.id.seq);
        // A device relays only ops of its own branch, or the root's (in
        // HQ). An HQ op of any other device is a forgery: kept out even
        // of its chain, since no branch device could ever receive it.
        let own = from_branch.as_deref() == Some(&op.branch.0[..]);
        let root = op.branch == HQ && op.id.device == genesis.hub_device;
        if !own && !root {
            out.push(OpVerdict {
                device,
                seq,
                verdict: Verdict::Rejected,
                reason: Some("branch: a device may only push operations of its own branch".into()),
            });
            continue;
        }
        // A revoked device's new ops go on to the rule book, which refuses
        // them (`rules::actor`) and records the refusal in the chain: a
        // device that a LAN peer gave one to before the revocation
        // reached it learns the hub's verdict on its next pull
        // (`sqlite_replica::overrule`). What the hub already holds stays
        // a duplicate.
        let announce = notice_for(tx.sql(), &op)?;
        let billing = matches!(
            op.body,
            OpBody::DocumentIssued(_) | OpBody::DocumentCancelled { .. }
        )
        .then(|| op.clone());
        match intake.receive_op(op, wire, None, Check::Rules, verified[i]) {
            Ok(r) => {
                let (verdict, reason) = match r.outcome {
                    Outcome::Applied => (Verdict::Accepted, None),
                    // Overruled: only on a device, from the hub's verdict.
                    Outcome::Duplicate | Outcome::Overruled => (Verdict::Duplicate, None),
                    Outcome::Waiting => (Verdict::Waiting, None),
                    Outcome::RecordedRejected | Outcome::Refused => {
                        (Verdict::Rejected, r.reason.clone())
                    }
                };
                if let Some(reason) = &reason {
                    tx.run("INSERT INTO rejected_ops (device, seq, hash, wire, reason, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING", p![&device.0[..], seq, &sync_core::op::hash_wire(wire).0[..], wire, reason, now_ms()])?;
                }
                let mut notices: Vec<(BranchId, OpBody)> = vec![];
                if verdict == Verdict::Accepted
                    && let Some(n) = announce
                {
                    notices.push(n);
                }
                if verdict == Verdict::Accepted
                    && let Some(op) = &billing
                {
                    super::einvoice::note(tx.sql(), op)?;
                }
                // An op held back for its past and applied now that this
                // one arrived tells the other branch too.
                for (id, outcome, _) in &r.unblocked {
                    if *outcome == Outcome::Applied {
                        if let Some(n) = notice_of_stored(tx.sql(), *id)? {
                            notices.push(n);
                        }
                        super::einvoice::note_stored(tx.sql(), *id)?;
                    }
                }
                for (to, body) in notices {
                    let hubdev = branch_hub(root_seed, to).0;
                    let owner = genesis.owner;
                    // A chain still recovering from a restore gets it once
                    // it has recovered: refusing would wedge this push.
                    super::restore::commit_or_defer(
                        tx.sql(),
                        &mut super::restore::InnerParts {
                            genesis,
                            root_seed,
                            writers,
                        },
                        HubOp {
                            device: hubdev,
                            branch: to,
                            author: owner,
                            body,
                        },
                    )?;
                }
                out.push(OpVerdict {
                    device,
                    seq,
                    verdict,
                    reason,
                });
            }
            Err(e) => {
                // Two different ops, both signed by the device, at one
                // place of its chain, or a signed op whose link names an op
                // other than the one the hub holds before it: proof that
                // its key is in hostile hands (an honest device never signs
                // twice at one seq, nor links past its own op).
                // Revoked once the batch is stored; a fork whose
                // signature fails proves nothing and revokes nothing.
                if let ReplicaError::Rule(
                    CoreError::ChainFork { .. } | CoreError::BrokenLink { .. },
                ) = &e
                    && (verified[i]
                        || Op::decode(wire).is_ok_and(|op| {
                            receive::key_of(tx.sql(), genesis, device)
                                .is_ok_and(|k| op.verify(&k).is_ok())
                        }))
                {
                    forked.push((device, seq));
                }
                out.push(OpVerdict {
                    device,
                    seq,
                    verdict: Verdict::Rejected,
                    reason: Some(e.to_string()),
                })
            }
        }
    }
    tx.commit()?;
    drop(g);
    forked.dedup_by_key(|f| f.0);
    for (device, seq) in forked {
        let revoked = devices::device_auth(hub, device)?.is_none_or(|a| a.revoked);
        if !revoked && device != hub.genesis().hub_device {
            // While its chain recovers from a restore, `revoke` refuses
            // the device at once and signs the revocation later.
            devices::revoke(
                hub,
                device,
                &format!("equivocation: it signed two different operations at seq {seq}"),
            )?;
        }
    }
    Ok(out)
}

/// What the other branch of a transfer must be told of `op`, in its own
/// chain (it cannot see this one): (that branch, the notice).
fn notice_for(c: &dyn Sql, op: &Op) -> Result<Option<(BranchId, OpBody)>> {
    Ok(match &op.body {
        OpBody::StockMoved(m) => match &m.movement {
            sync_core::body::MovementKind::TransferOut {
                transfer,
                to_branch,
                to_device,
            } => Some((
                *to_branch,
                OpBody::TransferAnnounced(sync_core::body::TransferNotice {
                    transfer: *transfer,
                    item: m.item,
                    from_branch: op.branch,
                    to_branch: *to_branch,
                    to_device: *to_device,
                    sent: m.qty,
                    item_detail: branch_item(c, m.item, op.branch)?,
                }),
            )),
            sync_core::body::MovementKind::TransferIn {
                transfer,
                from_branch,
                sent,
            } => Some((
                *from_branch,
                OpBody::TransferSettled(sync_core::body::TransferReceipt {
                    transfer: *transfer,
                    item: m.item,
                    from_branch: *from_branch,
                    to_branch: op.branch,
                    sent: *sent,
                    received: m.qty,
                }),
            )),
            _ => None,
        },
        _ => None,
    })
}

/// [`notice_for`] an op already stored (one applied from the waiting
/// buffer).
fn notice_of_stored(c: &dyn Sql, id: OpId) -> Result<Option<(BranchId, OpBody)>> {
    let wire: Option<Vec<u8>> = c.one(
        "SELECT wire FROM ops WHERE device = ?1 AND seq = ?2",
        p![&id.device.0[..], id.seq],
        |r| r.get(0),
    )?;
    match wire.map(|w| Op::decode(&w)) {
        Some(Ok(op)) => notice_for(c, &op),
        _ => Ok(None),
    }
}

/// The item as it stands, if it is `branch`'s own (not the shared
/// catalogue's): what a transfer's receiver must be told of it.
fn branch_item(
    c: &dyn Sql,
    item: RecordId,
    branch: BranchId,
) -> Result<Option<sync_core::body::Item>> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        bool,
    );
    let row: Option<Row> = c
        .one("SELECT sku, name, hsn_sac, gst_rate, unit, sale_price, cost, reorder_level, is_service FROM items WHERE id = ?1 AND branch = ?2", p![&item.0[..], &branch.0[..]], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
        })?;
    let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
    Ok(row.map(|r| sync_core::body::Item {
        id: item,
        sku: r.0,
        name: r.1,
        hsn_sac: r.2,
        gst_rate: d(&r.3),
        unit: r.4,
        sale_price: d(&r.5),
        cost: d(&r.6),
        reorder_level: d(&r.7),
        is_service: r.8,
    }))
}

/// The op id of a stored op, for tests.
pub fn op_ids(c: &dyn Sql) -> Result<Vec<OpId>> {
    Ok(
        c.all("SELECT device, seq FROM ops ORDER BY lsn", p![], |r| {
            Ok(OpId {
                device: DeviceId(to16(&r.get::<Vec<u8>>(0)?)),
                seq: r.get(1)?,
            })
        })?,
    )
}
