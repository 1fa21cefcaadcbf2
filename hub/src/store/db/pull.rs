//! What a device is sent on a pull: a page of the ops of its branch and the
//! root's, and on the last page the digest of its branch's state. The digest
//! is kept per branch (`Inner::digests`) because an idle device asks for it
//! on every poll, and computing it afresh is a pass over the branch's state.

use crate::store::engine::Access;
use sqlite_replica::{SqlExt, p};
use sync_core::ids::DeviceId;
use sync_core::protocol::{PullResponse, PulledOp};
use sync_core::replica::HQ;

use super::{HubDb, Inner, now_ms};
use crate::error::{HubError, Result};

pub(super) fn pull(
    hub: &HubDb,
    device: DeviceId,
    cursor: u64,
    limit: u32,
    digest: bool,
) -> Result<PullResponse> {
    let mut guard = hub.lock();
    let Inner {
        db,
        digests,
        genesis,
        ..
    } = &mut *guard;
    // One snapshot for the page and the digest (see `Engine::begin`).
    let tx = db.begin(Access::Snapshot)?;
    let c = tx.sql();
    let branch: Vec<u8> = c
        .one(
            "SELECT branch FROM devices WHERE id = ?1 AND revoked = 0",
            p![&device.0[..]],
            |r| r.get(0),
        )?
        .ok_or_else(|| HubError::Unauthorized("unknown or revoked device".into()))?;
    let limit = limit.clamp(1, 1000);
    let ops: Vec<PulledOp> = c.all("SELECT lsn, wire, rejected FROM ops WHERE lsn > ?1 AND (branch = ?2 OR device = ?3) AND (device != ?5 OR rejected IS NOT NULL) ORDER BY lsn LIMIT ?4", p![
                cursor,
                branch,
                &genesis.hub_device.0[..],
                limit + 1,
                &device.0[..]
            ], |r| {
                Ok(PulledOp {
                    lsn: r.get(0)?,
                    wire: hex::encode(r.get::<Vec<u8>>(1)?),
                    rejected: r.get(2)?,
                })
            },
        )?;
    let more = ops.len() > limit as usize;
    let ops: Vec<PulledOp> = ops.into_iter().take(limit as usize).collect();
    let next_cursor = ops.last().map(|o| o.lsn).unwrap_or(cursor);
    // Read under the same lock as the page, so it is the state of
    // exactly what the device holds once it applies the page.
    let branch_digest = if digest && !more {
        // Every change to a branch's state comes with an op in its own
        // chain or in HQ's (a transfer's other side is told in its own
        // chain, in the same transaction): while neither log moved, the
        // digest has not either.
        let at: u64 = c.row(
            "SELECT CASE WHEN a > b THEN a ELSE b END FROM
               (SELECT coalesce((SELECT max(lsn) FROM ops WHERE branch = ?1), 0) AS a,
                       coalesce((SELECT max(lsn) FROM ops WHERE branch = ?2), 0) AS b) AS heads",
            p![&branch[..], &HQ.0[..]],
            |r| r.get(0),
        )?;
        match digests.get(&branch) {
            Some((lsn, d)) if *lsn == at => Some(d.clone()),
            _ => {
                let d = sqlite_replica::digest::branch_digest(c, &branch)?;
                digests.insert(branch.clone(), (at, d.clone()));
                Some(d)
            }
        }
    } else {
        None
    };
    Ok(PullResponse {
        ops,
        next_cursor,
        more,
        hub_time_ms: now_ms(),
        branch_digest,
        hub: Some(hub.life.clone()),
    })
}
