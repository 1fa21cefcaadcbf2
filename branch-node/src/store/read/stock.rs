//! The catalogue's questions outside a stock write: a SKU taken, the items
//! a SKU names. The stock and billing queries that run inside writes live
//! in `store::money`.

use rusqlite::{Connection, params};
use sync_core::ids::{BranchId, RecordId};

use super::rid;
use crate::error::Result;

/// Whether an item already has this SKU.
pub fn sku_taken(c: &Connection, sku: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM items WHERE sku = ?1)")?
            .query_row([sku], |r| r.get(0))?,
    )
}

/// The items of this branch's catalogue (its own and the shared ones) with
/// this SKU: one, unless two devices offline both took it.
pub fn items_by_sku(c: &Connection, branch: BranchId, sku: &str) -> Result<Vec<RecordId>> {
    let mut stmt = c.prepare_cached(
        "SELECT id FROM items WHERE sku = ?1 AND (branch IS NULL OR branch = ?2) ORDER BY id",
    )?;
    let ids = stmt.query_map(params![sku, &branch.0[..]], |r| r.get::<_, Vec<u8>>(0))?;
    let mut out = vec![];
    for id in ids {
        out.push(rid(id?));
    }
    Ok(out)
}
