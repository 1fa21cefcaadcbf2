//! Values that concurrent edits kept: the field conflicts a manager
//! reviews, and the live versions an edit or a resolution supersedes.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sync_core::body::FieldValue;
use sync_core::ids::{DeviceId, RecordId};
use sync_core::op::OpId;

use super::rid;
use crate::error::Result;
use crate::store::to16;

#[derive(Clone, Debug, Serialize)]
pub struct FieldVersion {
    pub op: OpId,
    pub at: u64,
    pub value: FieldValue,
}

/// A field with more than one live value: the winner shown, and the values
/// it did not see, kept for a manager to review.
#[derive(Clone, Debug, Serialize)]
pub struct FieldConflict {
    pub record: RecordId,
    pub kind: String,
    pub field: String,
    pub winner: FieldVersion,
    pub losers: Vec<FieldVersion>,
}

pub fn field_conflicts(c: &Connection, record: Option<RecordId>) -> Result<Vec<FieldConflict>> {
    let mut stmt = c.prepare_cached(
        "SELECT f.record, COALESCE(o.kind, ''), f.field, f.device, f.seq, f.hlc_wall, f.value
         FROM field_versions f LEFT JOIN record_origins o ON o.record = f.record
         WHERE f.superseded = 0 AND (?1 IS NULL OR f.record = ?1)
           AND (SELECT count(*) FROM field_versions g WHERE g.record = f.record AND g.field = f.field AND g.superseded = 0) > 1
         ORDER BY f.record, f.field, f.hlc_wall DESC, f.hlc_logical DESC, f.device DESC, f.seq DESC",
    )?;
    let rows = stmt.query_map(params![record.map(|r| r.0.to_vec())], |r| {
        Ok((
            rid(r.get(0)?),
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            FieldVersion {
                op: OpId {
                    device: DeviceId(to16(&r.get::<_, Vec<u8>>(3)?)),
                    seq: r.get(4)?,
                },
                at: r.get(5)?,
                value: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or(FieldValue::Null),
            },
        ))
    })?;
    let mut out: Vec<FieldConflict> = vec![];
    for row in rows {
        let (record, kind, field, v) = row?;
        match out.last_mut() {
            Some(last) if last.record == record && last.field == field => last.losers.push(v),
            _ => out.push(FieldConflict {
                record,
                kind,
                field,
                winner: v,
                losers: vec![],
            }),
        }
    }
    Ok(out)
}

/// Live write ids of a field: what an ordinary edit (winner) or a resolution (all) supersedes.
pub fn live_versions(c: &Connection, record: RecordId, field: &str) -> Result<Vec<OpId>> {
    Ok(sqlite_replica::versions::live_versions(c, record, field)?)
}

/// The kind of record (`customer`, `job`, …) `record` was created as, if
/// this device holds it.
pub fn record_kind(c: &Connection, record: RecordId) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT kind FROM record_origins WHERE record = ?1")?
            .query_row([&record.0[..]], |r| r.get(0))
            .optional()?,
    )
}
