//! Customers: one by id, and the counter's search by mobile or name.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sync_core::ids::{BranchId, RecordId};

use super::rid;
use crate::error::{NodeError, Result};
use crate::store::to16;

#[derive(Clone, Debug, Serialize)]
pub struct CustomerView {
    pub id: RecordId,
    pub branch: BranchId,
    pub name: String,
    pub mobile: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub gstin: Option<String>,
    pub state_code: Option<String>,
    pub created_at: u64,
}

const CUSTOMER_COLS: &str =
    "id, branch, name, mobile, email, address, gstin, state_code, created_at";

fn customer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CustomerView> {
    Ok(CustomerView {
        id: rid(r.get(0)?),
        branch: BranchId(to16(&r.get::<_, Vec<u8>>(1)?)),
        name: r.get(2)?,
        mobile: r.get(3)?,
        email: r.get(4)?,
        address: r.get(5)?,
        gstin: r.get(6)?,
        state_code: r.get(7)?,
        created_at: r.get(8)?,
    })
}

pub fn customer(c: &Connection, id: RecordId) -> Result<CustomerView> {
    c.prepare_cached(&format!(
        "SELECT {CUSTOMER_COLS} FROM customers WHERE id = ?1"
    ))?
    .query_row([&id.0[..]], customer_row)
    .optional()?
    .ok_or_else(|| NodeError::NotFound(format!("customer {id}")))
}

/// Customers of a branch whose mobile starts with, or name contains, `q`.
pub fn find_customers(
    c: &Connection,
    branch: BranchId,
    q: &str,
    limit: u32,
) -> Result<Vec<CustomerView>> {
    let digits: String = q.chars().filter(|c| c.is_ascii_digit()).collect();
    let like = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mobile = if digits.is_empty() {
        "\u{0}".to_string()
    } else {
        format!("{digits}%")
    };
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CUSTOMER_COLS} FROM customers WHERE branch = ?1 AND (mobile LIKE ?2 OR name LIKE ?3 ESCAPE '\\') ORDER BY name LIMIT ?4"
    ))?;
    let rows = stmt.query_map(params![&branch.0[..], mobile, like, limit], customer_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
