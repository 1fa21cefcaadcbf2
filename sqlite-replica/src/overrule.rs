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

use sync_core::op::{Op, OpId};

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
