//! The live versions of a record's field: what a new write supersedes, on
//! a device and at the hub alike.

use rusqlite::{Connection, OptionalExtension, params};
use sync_core::ids::{DeviceId, RecordId};
use sync_core::op::OpId;

use crate::to16;

/// Live write ids of a field, newest first: an ordinary edit supersedes the
/// first (the winner), a resolution all of them. A field never edited has
/// one live version, the op that made the record.
pub fn live_versions(c: &Connection, record: RecordId, field: &str) -> rusqlite::Result<Vec<OpId>> {
    let mut stmt = c.prepare_cached(
        "SELECT device, seq FROM field_versions WHERE record = ?1 AND field = ?2 AND superseded = 0 ORDER BY hlc_wall DESC, hlc_logical DESC, device DESC, seq DESC",
    )?;
    let rows = stmt.query_map(params![&record.0[..], field], |r| {
        Ok(OpId {
            device: DeviceId(to16(&r.get::<_, Vec<u8>>(0)?)),
            seq: r.get(1)?,
        })
    })?;
    let v: Vec<OpId> = rows.collect::<Result<_, _>>()?;
    if !v.is_empty() {
        return Ok(v);
    }
    Ok(
        c.prepare_cached("SELECT device, seq FROM record_origins WHERE record = ?1")?
            .query_row([&record.0[..]], |r| {
                Ok(OpId {
                    device: DeviceId(to16(&r.get::<_, Vec<u8>>(0)?)),
                    seq: r.get(1)?,
                })
            })
            .optional()?
            .into_iter()
            .collect(),
    )
}
