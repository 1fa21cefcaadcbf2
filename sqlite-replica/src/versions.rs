//! The live versions of a record's field: what a new write supersedes, on
//! a device and at the hub alike.

use sync_core::ids::{DeviceId, RecordId};
use sync_core::op::OpId;

use crate::sql::SqlExt;
use crate::{Result, Sql, p, to16};

/// Live write ids of a field, newest first: an ordinary edit supersedes the
/// first (the winner), a resolution all of them. A field never edited has
/// one live version, the op that made the record.
pub fn live_versions(c: &dyn Sql, record: RecordId, field: &str) -> Result<Vec<OpId>> {
    let v = c.all(
        "SELECT device, seq FROM field_versions WHERE record = ?1 AND field = ?2 AND superseded = 0 ORDER BY hlc_wall DESC, hlc_logical DESC, device DESC, seq DESC",
        p![&record.0[..], field],
        |r| {
            Ok(OpId {
                device: DeviceId(to16(&r.get::<Vec<u8>>(0)?)),
                seq: r.get(1)?,
            })
        },
    )?;
    if !v.is_empty() {
        return Ok(v);
    }
    Ok(c.one(
        "SELECT device, seq FROM record_origins WHERE record = ?1",
        p![&record.0[..]],
        |r| {
            Ok(OpId {
                device: DeviceId(to16(&r.get::<Vec<u8>>(0)?)),
                seq: r.get(1)?,
            })
        },
    )?
    .into_iter()
    .collect())
}
