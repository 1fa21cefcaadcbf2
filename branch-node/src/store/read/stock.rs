//! The catalogue's one question outside a stock write. The stock and
//! billing queries that run inside writes live in `store::money`.

use rusqlite::Connection;

use crate::error::Result;

/// Whether an item already has this SKU.
pub fn sku_taken(c: &Connection, sku: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM items WHERE sku = ?1)")?
            .query_row([sku], |r| r.get(0))?,
    )
}
