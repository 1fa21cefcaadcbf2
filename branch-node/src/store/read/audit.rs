//! The audit log: the latest entries, the check of its hash chain against
//! the signed operations, and the size of the log.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sync_core::ids::{BranchId, DeviceId, UserId};
use sync_core::op::OpId;

use super::uid;
use crate::error::Result;
use crate::store::to16;

#[derive(Clone, Debug, Serialize)]
pub struct AuditView {
    pub n: i64,
    pub op: OpId,
    pub at: u64,
    pub author: UserId,
    pub author_name: Option<String>,
    pub branch: BranchId,
    pub kind: String,
    pub record: Option<String>,
    pub hash: String,
}

pub fn audit(c: &Connection, limit: u32, before: Option<i64>) -> Result<Vec<AuditView>> {
    let mut stmt = c.prepare_cached(
        "SELECT a.n, a.device, a.seq, a.at, a.author, u.name, a.branch, a.kind, a.record, a.hash FROM audit a LEFT JOIN users u ON u.id = a.author
         WHERE (?1 IS NULL OR a.n < ?1) ORDER BY a.n DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![before, limit], |r| {
        Ok(AuditView {
            n: r.get(0)?,
            op: OpId {
                device: DeviceId(to16(&r.get::<_, Vec<u8>>(1)?)),
                seq: r.get(2)?,
            },
            at: r.get(3)?,
            author: uid(r.get(4)?),
            author_name: r.get(5)?,
            branch: BranchId(to16(&r.get::<_, Vec<u8>>(6)?)),
            kind: r.get(7)?,
            record: r.get(8)?,
            hash: hex::encode(r.get::<_, Vec<u8>>(9)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Outcome of checking the audit chain.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AuditCheck {
    pub entries: u64,
    pub ok: bool,
    /// The first entry whose hash does not match, if any.
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
}

/// Recompute every audit hash from the first entry, and check each entry
/// against the signed operation in the log it came from.
pub fn verify_audit(c: &Connection) -> Result<AuditCheck> {
    let mut stmt = c.prepare(
        "SELECT n, device, seq, at, author, branch, kind, record, prev, hash FROM audit ORDER BY n",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = vec![0u8; 32];
    let mut entries = 0u64;
    let mut expected_n = None;
    while let Some(r) = rows.next()? {
        entries += 1;
        let n: i64 = r.get(0)?;
        let id = OpId {
            device: DeviceId(to16(&r.get::<_, Vec<u8>>(1)?)),
            seq: r.get(2)?,
        };
        let at: u64 = r.get(3)?;
        let author: Vec<u8> = r.get(4)?;
        let branch: Vec<u8> = r.get(5)?;
        let kind: String = r.get(6)?;
        let record: Option<String> = r.get(7)?;
        let stored_prev: Vec<u8> = r.get(8)?;
        let hash: Vec<u8> = r.get(9)?;
        let fail = |problem: String| {
            Ok(AuditCheck {
                entries,
                ok: false,
                broken_at: Some(n),
                problem: Some(problem),
            })
        };
        if let Some(e) = expected_n
            && n != e
        {
            return fail(format!("entry {e} is missing"));
        }
        expected_n = Some(n + 1);
        if stored_prev != prev {
            return fail("does not link to the previous entry".into());
        }
        let recomputed = crate::store::apply::audit_hash(
            &prev,
            id,
            at,
            &author,
            &branch,
            &kind,
            record.as_deref(),
        );
        if recomputed[..] != hash[..] {
            return fail("hash does not match its contents: the entry was edited".into());
        }
        let in_log: Option<(String, Vec<u8>, u64)> = c
            .prepare_cached(
                "SELECT kind, author, hlc_wall FROM ops WHERE device = ?1 AND seq = ?2",
            )?
            .query_row(params![&id.device.0[..], id.seq], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        match in_log {
            Some((k, a, t)) if k == kind && a == author && t == at => {}
            _ => return fail(format!("no matching signed operation {id} in the log")),
        }
        prev = hash;
    }
    Ok(AuditCheck {
        entries,
        ok: true,
        broken_at: None,
        problem: None,
    })
}

/// Number of operations in the log.
pub fn op_count(c: &Connection) -> Result<u64> {
    Ok(c.query_row("SELECT count(*) FROM ops", [], |r| r.get(0))?)
}
