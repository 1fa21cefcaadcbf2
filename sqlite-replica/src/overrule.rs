//! The hub's word over a LAN peer's: an op this replica applied, because a
//! peer passed it on and the rule book here found nothing wrong with it,
//! that the hub then refused (its device was revoked meanwhile, say). The
//! hub is the authority, so the op must end up as if it never arrived: the
//! log keeps it (append-only), `overruled_ops` records the hub's verdict,
//! and the tables are rebuilt from the log without it. Ops of others that
//! built on it were judged by the hub without it too; where the hub refused
//! those, their verdicts come the same way.
//!
//! Only a verdict that came from the hub overrules (`Check::Trust`); a LAN
//! peer's say-so never does.
//!
//! A fork is overruled differently: the hub holds another op of the same
//! device at the same place, as signed as ours (the device signed two; its
//! key is in hostile hands). Marking ours refused would leave the place
//! empty here while the hub holds an op there, and the two would never agree
//! again; so the hub's op takes the place ([`take_hubs_op`]) and ours is
//! kept aside in `forked_ops`.

use sync_core::op::{Op, OpHash, OpId};

use crate::sql::SqlExt;
use crate::{Result, Sql, apply, p};

/// Whether this replica holds `id` applied: in the log, not refused.
pub fn is_applied(c: &dyn Sql, id: OpId) -> Result<bool> {
    c.row(
        "SELECT EXISTS (SELECT 1 FROM held_ops WHERE device = ?1 AND seq = ?2)",
        p![&id.device.0[..], id.seq],
        |r| r.get(0),
    )
}

/// Record the hub's refusal of an op applied here. The caller rebuilds
/// ([`rebuild`]) once its batch is done.
pub fn mark(c: &dyn Sql, id: OpId, reason: &str, at_ms: u64) -> Result<()> {
    c.run(
        "INSERT INTO overruled_ops (device, seq, reason, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        p![&id.device.0[..], id.seq, reason, at_ms],
    )?;
    Ok(())
}

/// Put the hub's `op` in the place of the different op of its device held
/// here at the same seq (see the module's note on forks), keeping ours in
/// `forked_ops` with `why`. The hub's op keeps the refusal the hub sent with
/// it, if any. The caller rebuilds ([`rebuild`]) once its batch is done.
pub fn take_hubs_op(
    c: &dyn Sql,
    op: &Op,
    wire: &[u8],
    hash: OpHash,
    rejected: Option<&str>,
    why: &str,
) -> Result<()> {
    let id = op.id;
    let (lsn, ours_hash, ours_wire): (i64, Vec<u8>, Vec<u8>) = c.row(
        "SELECT lsn, hash, wire FROM ops WHERE device = ?1 AND seq = ?2",
        p![&id.device.0[..], id.seq],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    c.run(
        "INSERT INTO forked_ops (device, seq, hash, wire, reason, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        p![&id.device.0[..], id.seq, ours_hash, ours_wire, why, op.hlc.wall_ms],
    )?;
    c.run(
        "DELETE FROM ops WHERE device = ?1 AND seq = ?2",
        p![&id.device.0[..], id.seq],
    )?;
    // Ours may have been overruled already (the hub refused it when we
    // passed it on); the place is now the hub's op, judged as the hub did.
    c.run(
        "DELETE FROM overruled_ops WHERE device = ?1 AND seq = ?2",
        p![&id.device.0[..], id.seq],
    )?;
    c.run("INSERT INTO ops (lsn, device, seq, hlc_wall, hlc_logical, author, branch, kind, hash, wire, rejected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", p![
        lsn,
        &id.device.0[..],
        id.seq,
        op.hlc.wall_ms,
        op.hlc.logical,
        &op.author.0[..],
        &op.branch.0[..],
        op.body.kind(),
        &hash.0[..],
        wire,
        rejected
    ])?;
    // The chain here now runs through the hub's op.
    c.run(
        "UPDATE chain_heads SET hash = ?3 WHERE device = ?1 AND seq = ?2",
        p![&id.device.0[..], id.seq, &hash.0[..]],
    )?;
    // The audit log keeps the entry of ours and gains the hub's; the
    // digest counts the one whose op holds the place (`digest`).
    if rejected.is_none() {
        apply::audit(c, op)?;
    }
    Ok(())
}

/// The tables again from the log, in its (causal) order, without the ops
/// the hub refused. The audit log keeps its entries.
pub fn rebuild(c: &dyn Sql) -> Result<()> {
    for t in apply::PROJECTED {
        c.run(&format!("DELETE FROM {t}"), p![])?;
    }
    let wires: Vec<Vec<u8>> =
        c.all("SELECT wire FROM held_ops ORDER BY lsn", p![], |r| r.get(0))?;
    for w in wires {
        apply::project(c, &Op::decode(&w)?)?;
    }
    Ok(())
}
