//! The branch a device works for (what its bills print) and the devices
//! the hub has enrolled in it.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sync_core::ids::{BranchId, DeviceId};

use crate::error::{NodeError, Result};

#[derive(Clone, Debug, Serialize)]
pub struct BranchView {
    pub id: BranchId,
    pub name: String,
    pub gstin: String,
    pub state_code: String,
    pub address: String,
    pub invoice_prefix: String,
    pub credit_note_prefix: String,
    pub upi_id: Option<String>,
    pub phone: Option<String>,
    /// The business's B2B invoices are e-invoiced (set at the hub).
    pub einvoicing: bool,
}

pub fn branch(c: &Connection, id: BranchId) -> Result<BranchView> {
    c.prepare_cached("SELECT name, gstin, state_code, address, invoice_prefix, credit_note_prefix, upi_id, phone, einvoicing FROM branches WHERE id = ?1")?
        .query_row([&id.0[..]], |r| {
            Ok(BranchView { id, name: r.get(0)?, gstin: r.get(1)?, state_code: r.get(2)?, address: r.get(3)?, invoice_prefix: r.get(4)?, credit_note_prefix: r.get(5)?, upi_id: r.get(6)?, phone: r.get(7)?, einvoicing: r.get::<_, i64>(8)? == 1 })
        })
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("branch {id}")))
}

/// The number the hub gave a device in its branch, if it gave one.
pub fn device_number(c: &Connection, device: DeviceId) -> Result<Option<u32>> {
    Ok(
        c.prepare_cached("SELECT number FROM devices WHERE id = ?1")?
            .query_row([&device.0[..]], |r| r.get::<_, Option<u32>>(0))
            .optional()?
            .flatten(),
    )
}

/// The prefix `device` numbers `doc_type` in: its own series' when the
/// hub gave it one, else its branch's.
pub fn series_prefix(
    c: &Connection,
    b: &BranchView,
    device: DeviceId,
    doc_type: sync_core::domain::invoice_no::DocType,
) -> Result<String> {
    let own = c
        .prepare_cached("SELECT invoice_prefix, credit_note_prefix FROM devices WHERE id = ?1")?
        .query_row([&device.0[..]], |r| {
            Ok(match (r.get(0)?, r.get(1)?) {
                (Some(invoice_prefix), Some(credit_note_prefix)) => {
                    Some(sync_core::body::OwnSeries {
                        invoice_prefix,
                        credit_note_prefix,
                    })
                }
                _ => None,
            })
        })
        .optional()?
        .flatten();
    Ok(sync_core::domain::invoice_no::prefix_for(
        own.as_ref(),
        &b.invoice_prefix,
        &b.credit_note_prefix,
        doc_type,
    )
    .to_string())
}

/// Whether `device` has a series of its own.
pub fn has_own_series(c: &Connection, device: DeviceId) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT invoice_prefix IS NOT NULL FROM devices WHERE id = ?1")?
            .query_row([&device.0[..]], |r| r.get(0))
            .optional()?
            .unwrap_or(false),
    )
}

/// How many devices (not the hub's own) a branch has enrolled.
pub fn devices_in_branch(c: &Connection, branch: BranchId) -> Result<u32> {
    Ok(
        c.prepare_cached("SELECT count(*) FROM devices WHERE branch = ?1 AND hub = 0")?
            .query_row([&branch.0[..]], |r| r.get(0))?,
    )
}
