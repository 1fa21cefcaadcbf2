//! The SQL of sync: what each peer acknowledged (`peer_acks`), where the pull
//! from it stands (`peer_state`), operations refused elsewhere
//! (`needs_attention`), and the log as served to a LAN peer.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sync_core::identity::PublicKey;
use sync_core::ids::{BranchId, DeviceId};
use sync_core::protocol::HubLife;

use super::{to16, to32};
use crate::error::Result;

/// An operation of the local log that a peer has not acknowledged yet.
#[derive(Clone, Debug)]
pub struct OutOp {
    pub lsn: u64,
    pub device: DeviceId,
    pub seq: u64,
    pub kind: String,
    pub wire: Vec<u8>,
    /// The hub refused it (we hold it with that mark).
    pub rejected: bool,
}

/// Operations not yet acknowledged by `peer`, in log (causal) order. For
/// each device only the ops above its acknowledged seq are read, through the
/// `(device, seq)` index, so the cost follows what is unsent, not the log.
pub fn unacked(c: &Connection, peer: &str, limit: u32) -> Result<Vec<OutOp>> {
    let mut stmt = c.prepare_cached(
        "SELECT o.lsn, o.device, o.seq, o.kind, o.wire,
                o.rejected IS NOT NULL OR EXISTS (SELECT 1 FROM overruled_ops x WHERE x.device = o.device AND x.seq = o.seq)
         FROM chain_heads h
         LEFT JOIN peer_acks a ON a.peer = ?1 AND a.device = h.device
         CROSS JOIN ops o
         WHERE h.seq > coalesce(a.seq, 0) AND o.device = h.device AND o.seq > coalesce(a.seq, 0)
         ORDER BY o.lsn LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![peer, limit], |r| {
        Ok(OutOp {
            lsn: r.get(0)?,
            device: DeviceId(to16(&r.get::<_, Vec<u8>>(1)?)),
            seq: r.get(2)?,
            kind: r.get(3)?,
            wire: r.get(4)?,
            rejected: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many operations `peer` has not acknowledged (those marked rejected by
/// the hub are not sent, so not counted).
pub fn unacked_count(c: &Connection, peer: &str) -> Result<u64> {
    Ok(c.prepare_cached(
        "SELECT count(*)
         FROM chain_heads h
         LEFT JOIN peer_acks a ON a.peer = ?1 AND a.device = h.device
         CROSS JOIN ops o
         WHERE h.seq > coalesce(a.seq, 0) AND o.device = h.device AND o.seq > coalesce(a.seq, 0)
           AND o.rejected IS NULL",
    )?
    .query_row([peer], |r| r.get(0))?)
}

/// `peer` holds every op of `device` up to `seq` (never moves back).
pub fn ack(c: &Connection, peer: &str, device: DeviceId, seq: u64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO peer_acks (peer, device, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (peer, device) DO UPDATE SET seq = max(seq, excluded.seq)",
    )?
    .execute(params![peer, &device.0[..], seq])?;
    Ok(())
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct PeerRow {
    pub peer: String,
    pub pull_cursor: u64,
    pub last_ok_at: Option<u64>,
    pub last_error: Option<String>,
    /// Ops the peer holds back after the last push, waiting for a gap.
    pub held: u64,
}

fn peer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PeerRow> {
    Ok(PeerRow {
        peer: r.get(0)?,
        pull_cursor: r.get(1)?,
        last_ok_at: r.get(2)?,
        last_error: r.get(3)?,
        held: r.get(4)?,
    })
}

/// How many of the ops sent last time `peer` holds back for their past.
pub fn set_held(c: &Connection, peer: &str, held: u64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO peer_state (peer, held) VALUES (?1, ?2)
         ON CONFLICT (peer) DO UPDATE SET held = excluded.held",
    )?
    .execute(params![peer, held])?;
    Ok(())
}

pub fn peer(c: &Connection, peer: &str) -> Result<PeerRow> {
    Ok(c.prepare_cached(
        "SELECT peer, pull_cursor, last_ok_at, last_error, held FROM peer_state WHERE peer = ?1",
    )?
    .query_row([peer], peer_row)
    .optional()?
    .unwrap_or_else(|| PeerRow {
        peer: peer.to_string(),
        ..Default::default()
    }))
}

pub fn peers(c: &Connection) -> Result<Vec<PeerRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT peer, pull_cursor, last_ok_at, last_error, held FROM peer_state ORDER BY peer",
    )?;
    let rows = stmt.query_map([], peer_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_cursor(c: &Connection, peer: &str, cursor: u64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO peer_state (peer, pull_cursor) VALUES (?1, ?2)
         ON CONFLICT (peer) DO UPDATE SET pull_cursor = excluded.pull_cursor",
    )?
    .execute(params![peer, cursor])?;
    Ok(())
}

/// Note the life of the hub at `peer` as it answered. A new one (the hub
/// was restored from a backup, and may have lost what it acknowledged
/// since): forget its acknowledgements, so that everything is sent again;
/// rewind the pull cursor to where the backup ended, since the hub numbers
/// what comes after afresh; and owe it word once all is sent. True then.
///
/// The first life seen is taken as it is, unless the hub says it was
/// restored before a point this device had already pulled past.
pub fn note_hub_life(c: &Connection, peer: &str, life: &HubLife) -> Result<bool> {
    let (known, cursor): (Option<String>, u64) = c
        .prepare_cached("SELECT incarnation, pull_cursor FROM peer_state WHERE peer = ?1")?
        .query_row([peer], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((None, 0));
    let restored_at = life.restored_at.unwrap_or(0);
    let new = match &known {
        Some(k) => *k != life.incarnation,
        None => life.restored_at.is_some_and(|r| cursor > r),
    };
    if new {
        c.prepare_cached("DELETE FROM peer_acks WHERE peer = ?1")?
            .execute([peer])?;
        c.prepare_cached(
            "UPDATE peer_state SET incarnation = ?2, resync_due = 1,
                    pull_cursor = min(pull_cursor, ?3) WHERE peer = ?1",
        )?
        .execute(params![peer, life.incarnation, restored_at])?;
    } else if known.is_none() {
        c.prepare_cached(
            "INSERT INTO peer_state (peer, incarnation) VALUES (?1, ?2)
             ON CONFLICT (peer) DO UPDATE SET incarnation = excluded.incarnation",
        )?
        .execute(params![peer, life.incarnation])?;
    }
    Ok(new)
}

/// The restored hub's incarnation this device still owes word that it has
/// sent everything (see [`note_hub_life`]).
pub fn resync_due(c: &Connection, peer: &str) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT incarnation FROM peer_state WHERE peer = ?1 AND resync_due = 1")?
            .query_row([peer], |r| r.get(0))
            .optional()?,
    )
}

/// The hub took the word for `incarnation`.
pub fn resync_done(c: &Connection, peer: &str, incarnation: &str) -> Result<()> {
    c.prepare_cached("UPDATE peer_state SET resync_due = 0 WHERE peer = ?1 AND incarnation = ?2")?
        .execute(params![peer, incarnation])?;
    Ok(())
}

pub fn record_ok(c: &Connection, peer: &str, at: u64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO peer_state (peer, last_ok_at) VALUES (?1, ?2)
         ON CONFLICT (peer) DO UPDATE SET last_ok_at = excluded.last_ok_at, last_error = NULL",
    )?
    .execute(params![peer, at])?;
    Ok(())
}

pub fn record_error(c: &Connection, peer: &str, error: &str) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO peer_state (peer, last_error) VALUES (?1, ?2)
         ON CONFLICT (peer) DO UPDATE SET last_error = excluded.last_error",
    )?
    .execute(params![peer, error])?;
    Ok(())
}

/// Record an operation of this device that was refused elsewhere. The first
/// reason is kept; the op itself stays in the log.
/// What the last full pull from the hub found: the hub's digest of the
/// branch state and this device's, right after applying it.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct DigestCheck {
    pub hub: String,
    pub device: String,
    pub agrees: bool,
    pub at: u64,
}

pub fn set_digest(c: &Connection, hub: &str, device: &str, at: u64) -> Result<()> {
    let v = DigestCheck {
        hub: hub.to_string(),
        device: device.to_string(),
        agrees: hub == device,
        at,
    };
    super::meta_set(
        c,
        "digest_check",
        &serde_json::to_string(&v).expect("serializes"),
    )
}

pub fn digest_check(c: &Connection) -> Result<Option<DigestCheck>> {
    Ok(super::meta_get(c, "digest_check")?.and_then(|s| serde_json::from_str(&s).ok()))
}

pub fn needs_attention_add(
    c: &Connection,
    device: DeviceId,
    seq: u64,
    kind: &str,
    reason: &str,
    at: u64,
) -> Result<bool> {
    Ok(c.prepare_cached(
        "INSERT OR IGNORE INTO needs_attention (device, seq, kind, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![&device.0[..], seq, kind, reason, at])?
        > 0)
}

#[derive(Clone, Debug, Serialize)]
pub struct AttentionView {
    pub device: DeviceId,
    pub seq: u64,
    pub kind: String,
    pub reason: String,
    pub at: u64,
    pub resolved: bool,
}

/// Ops refused elsewhere, then what honest concurrency left to settle
/// (invoices paid beyond what they owe, edits of closed jobs), which every
/// device of the branch and the hub show alike.
pub fn needs_attention(c: &Connection) -> Result<Vec<AttentionView>> {
    let mut stmt = c.prepare_cached(
        "SELECT device, seq, kind, reason, at, resolved FROM needs_attention ORDER BY at DESC, seq DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(AttentionView {
            device: DeviceId(to16(&r.get::<_, Vec<u8>>(0)?)),
            seq: r.get(1)?,
            kind: r.get(2)?,
            reason: r.get(3)?,
            at: r.get(4)?,
            resolved: r.get(5)?,
        })
    })?;
    let mut out: Vec<AttentionView> = rows.collect::<Result<_, _>>()?;
    out.extend(settle_items(c)?);
    Ok(out)
}

fn settle_items(c: &Connection) -> Result<Vec<AttentionView>> {
    use sync_core::domain::money::format_inr;
    let mut out = vec![];
    for o in sqlite_replica::review::overpaid(c)? {
        out.push(AttentionView {
            device: o.device,
            seq: 0,
            kind: "overpaid".into(),
            reason: format!(
                "{} {}: ₹{} to refund or credit",
                o.number,
                o.paid_of_owed(),
                format_inr(o.refund_due)
            ),
            at: 0,
            resolved: false,
        });
    }
    for o in sqlite_replica::review::over_credited(c)? {
        out.push(AttentionView {
            device: o.device,
            seq: 0,
            kind: "over_credited".into(),
            reason: format!(
                "{}: credit notes of ₹{} against ₹{}: ₹{} credited beyond it, to recover or to cancel a note",
                o.number,
                format_inr(o.credited),
                format_inr(o.total),
                format_inr(o.excess())
            ),
            at: 0,
            resolved: false,
        });
    }
    for e in sqlite_replica::review::late_edits(c)? {
        out.push(AttentionView {
            device: e.device,
            seq: e.seq,
            kind: "late_edit".into(),
            reason: format!(
                "job {}: {}, made on another device: review it",
                e.job_no,
                e.what()
            ),
            at: e.at,
            resolved: false,
        });
    }
    Ok(out)
}

pub fn needs_attention_open(c: &Connection) -> Result<u64> {
    let stored: u64 = c
        .prepare_cached("SELECT count(*) FROM needs_attention WHERE resolved = 0")?
        .query_row([], |r| r.get(0))?;
    Ok(stored + settle_items(c)?.len() as u64)
}

/// A device as the LAN server needs it: its branch, key and whether revoked.
pub fn device_auth(c: &Connection, d: DeviceId) -> Result<Option<(BranchId, PublicKey, bool)>> {
    Ok(
        c.prepare_cached("SELECT branch, public_key, revoked FROM devices WHERE id = ?1")?
            .query_row([&d.0[..]], |r| {
                Ok((
                    BranchId(to16(&r.get::<_, Vec<u8>>(0)?)),
                    PublicKey(to32(&r.get::<_, Vec<u8>>(1)?)),
                    r.get::<_, bool>(2)?,
                ))
            })
            .optional()?,
    )
}

/// One log entry as a peer serves it: (lsn, wire, rejected).
pub type LogEntry = (u64, Vec<u8>, Option<String>);

/// Log entries after `cursor`, in order.
pub fn ops_after(c: &Connection, cursor: u64, limit: u32) -> Result<Vec<LogEntry>> {
    let mut stmt = c.prepare_cached(
        "SELECT o.lsn, o.wire, coalesce(o.rejected, x.reason) FROM ops o
           LEFT JOIN overruled_ops x ON x.device = o.device AND x.seq = o.seq
          WHERE o.lsn > ?1 ORDER BY o.lsn LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![cursor, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest local log position: it moves whenever anything is written here
/// or arrives from elsewhere, so a screen can tell cheaply that it is stale.
pub fn last_lsn(c: &Connection) -> Result<u64> {
    Ok(c.query_row("SELECT COALESCE(max(lsn), 0) FROM ops", [], |r| r.get(0))?)
}
