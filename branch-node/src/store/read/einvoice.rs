//! A document's e-invoice, as the hub's `EinvoiceRegistered` and
//! `EinvoiceCancelled` left it here: what the printed invoice carries.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sync_core::ids::RecordId;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EinvoiceView {
    pub irn: String,
    pub ack_no: String,
    pub ack_date: String,
    /// The IRP's signed QR code (a JWT).
    pub signed_qr: String,
    /// `cancelled` at the IRP, or `window_closed` (a credit note is the way).
    pub cancel_state: Option<String>,
    pub cancel_date: Option<String>,
}

pub fn einvoice(c: &Connection, document: RecordId) -> rusqlite::Result<Option<EinvoiceView>> {
    c.prepare_cached(
        "SELECT irn, ack_no, ack_date, signed_qr, cancel_state, cancel_date FROM einvoices WHERE document = ?1",
    )?
    .query_row([&document.0[..]], |r| {
        Ok(EinvoiceView {
            irn: r.get(0)?,
            ack_no: r.get(1)?,
            ack_date: r.get(2)?,
            signed_qr: r.get(3)?,
            cancel_state: r.get(4)?,
            cancel_date: r.get(5)?,
        })
    })
    .optional()
}
