//! The hub's queue of B2B invoices to register at the IRP, and what comes
//! back of them.
//!
//! An invoice is queued in the transaction that accepts it ([`note`]),
//! when it is a tax invoice to a registered buyer of a branch with
//! e-invoicing on. Registering it is three steps, each its own
//! transaction, as for customer messages (`messages`):
//!
//! 1. [`claim`]: `registering`, committed before the IRP is asked;
//! 2. the request, outside any transaction (`crate::einvoice`);
//! 3. [`answered`]: the IRN kept and told to the branch as a hub-signed
//!    `EinvoiceRegistered` op, in the same transaction, only if the claim
//!    is still `registering` (so once).
//!
//! Unlike a message, asking again is safe: the IRP gives one document one
//! IRN (a SHA-256 of GSTIN, year, type and number) and answers a repeat
//! with error 2150 and the IRN it gave. So a claim left by a hub that
//! stopped between 1 and 3 is taken again after [`stale`] and the answer
//! recorded then: exactly once, across crashes and hub processes.

use sqlite_replica::{Sql, SqlExt, p, to16};
use sync_core::body::{Document, EinvoiceCancellation, EinvoiceRegistration, OpBody};
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::{BranchId, RecordId};
use sync_core::op::Op;

use super::{HubDb, now_ms};
use crate::error::Result;

/// An invoice waiting for its IRN, with what the IRP must be told.
#[derive(Clone, Debug)]
pub struct ToRegister {
    pub branch: BranchId,
    pub doc: Document,
    /// The seller's legal name and address as the branch has them.
    pub seller_name: String,
    pub seller_address: String,
}

/// A registered invoice since cancelled: its IRN to cancel.
#[derive(Clone, Debug)]
pub struct ToCancel {
    pub document: RecordId,
    pub branch: BranchId,
    pub gstin: String,
    pub irn: String,
    pub ack_date: String,
    pub reason: String,
}

/// What the IRP made of one request.
#[derive(Clone, Debug)]
pub enum Registered {
    Done(EinvoiceRegistration),
    /// Refused with the IRP's code and message: for a person to see.
    Refused(String),
    /// Not reached or not answered: asked again next round.
    Retry,
}

/// What became of a cancellation.
#[derive(Clone, Debug)]
pub enum Cancelled {
    Done(EinvoiceCancellation),
    Refused(String),
    Retry,
}

/// One row of the owner's view of the queue.
#[derive(Clone, Debug, serde::Serialize)]
pub struct QueueRow {
    pub document: String,
    pub number: String,
    pub state: String,
    pub irn: Option<String>,
    pub cancel: Option<String>,
    pub reason: Option<String>,
}

/// Queue what an op the hub just accepted asks of the IRP: a B2B tax
/// invoice of an e-invoicing branch to register, a cancelled one's IRN to
/// cancel. In the accepting transaction, so an accepted invoice is never
/// left unqueued by a crash.
pub(super) fn note(c: &dyn Sql, op: &Op) -> Result<()> {
    match &op.body {
        OpBody::DocumentIssued(d)
            if d.doc_type == DocType::TaxInvoice
                && d.customer_gstin.as_deref().is_some_and(|g| !g.is_empty()) =>
        {
            let on: Option<i64> = c.one(
                "SELECT einvoicing FROM branches WHERE id = ?1",
                p![&op.branch.0[..]],
                |r| r.get(0),
            )?;
            if on == Some(1) {
                c.run(
                    "INSERT INTO einvoice_queue (document, branch, state, queued_at) VALUES (?1, ?2, 'queued', ?3) ON CONFLICT DO NOTHING",
                    p![&d.id.0[..], &op.branch.0[..], now_ms()],
                )?;
            }
        }
        OpBody::DocumentCancelled { document, reason } => {
            c.run(
                "UPDATE einvoice_queue SET cancel = 'wanted', cancel_reason = ?1 WHERE document = ?2 AND cancel IS NULL",
                p![reason, &document.0[..]],
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// [`note`] for an op already stored (applied from the waiting buffer).
pub(super) fn note_stored(c: &dyn Sql, id: sync_core::op::OpId) -> Result<()> {
    let wire: Option<Vec<u8>> = c.one(
        "SELECT wire FROM ops WHERE device = ?1 AND seq = ?2",
        p![&id.device.0[..], id.seq],
        |r| r.get(0),
    )?;
    if let Some(Ok(op)) = wire.map(|w| Op::decode(&w)) {
        note(c, &op)?;
    }
    Ok(())
}

pub(super) fn settings(hub: &HubDb) -> Result<Option<String>> {
    hub.read(|c| {
        Ok(c.one(
            "SELECT settings FROM einvoice_settings WHERE id = 1",
            p![],
            |r| r.get(0),
        )?)
    })
}

pub(super) fn set_settings(hub: &HubDb, settings: &str) -> Result<()> {
    hub.write_alone(|c| {
        c.run(
            "INSERT INTO einvoice_settings (id, settings, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            p![settings, now_ms()],
        )?;
        Ok(())
    })
}

/// Invoices waiting for an IRN: queued, or claimed before `stale_ms` by a
/// hub that stopped. Oldest first.
pub(super) fn due(hub: &HubDb, stale_ms: u64, limit: u32) -> Result<Vec<ToRegister>> {
    let rows: Vec<(Vec<u8>, String, String, String)> = hub.read(|c| {
        Ok(c.all(
            "SELECT q.branch, d.body, b.name, b.address FROM einvoice_queue q
               JOIN documents d ON d.id = q.document JOIN branches b ON b.id = q.branch
              WHERE q.state = 'queued' OR (q.state = 'registering' AND q.claimed_at < ?1)
              ORDER BY q.queued_at, q.document LIMIT ?2",
            p![stale_ms, i64::from(limit)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?)
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|(branch, body, name, address)| {
            Some(ToRegister {
                branch: BranchId(to16(&branch)),
                doc: serde_json::from_str(&body).ok()?,
                seller_name: name,
                seller_address: address,
            })
        })
        .collect())
}

/// Take `document` for registering: true if this process is to ask the
/// IRP (committed before it does).
pub(super) fn claim(hub: &HubDb, document: RecordId, stale_ms: u64) -> Result<bool> {
    hub.write_alone(|c| {
        Ok(c.run(
            "UPDATE einvoice_queue SET state = 'registering', claimed_at = ?1
              WHERE document = ?2 AND (state = 'queued' OR (state = 'registering' AND claimed_at < ?3))",
            p![now_ms(), &document.0[..], stale_ms],
        )? == 1)
    })
}

/// The IRP's answer for `document`: an IRN is kept and told to the branch
/// in one transaction, once.
pub(super) fn answered(hub: &HubDb, document: RecordId, answer: &Registered) -> Result<()> {
    match answer {
        Registered::Retry => hub.write_alone(|c| {
            c.run(
                "UPDATE einvoice_queue SET state = 'queued' WHERE document = ?1 AND state = 'registering'",
                p![&document.0[..]],
            )?;
            Ok(())
        }),
        Registered::Refused(reason) => hub.write_alone(|c| {
            c.run(
                "UPDATE einvoice_queue SET state = 'failed', reason = ?1 WHERE document = ?2 AND state = 'registering'",
                p![reason, &document.0[..]],
            )?;
            Ok(())
        }),
        Registered::Done(e) => hub.write(|c, parts| {
            let n = c.run(
                "UPDATE einvoice_queue SET state = 'registered', irn = ?1, ack_date = ?2, reason = NULL WHERE document = ?3 AND state = 'registering'",
                p![e.irn, e.ack_date, &document.0[..]],
            )?;
            if n == 0 {
                return Ok(()); // another process recorded it
            }
            let branch = queue_branch(c, document)?;
            super::restore::sign_for_branch(c, parts, branch, OpBody::EinvoiceRegistered(e.clone()))
        }),
    }
}

fn queue_branch(c: &dyn Sql, document: RecordId) -> Result<BranchId> {
    let b: Vec<u8> = c.row(
        "SELECT branch FROM einvoice_queue WHERE document = ?1",
        p![&document.0[..]],
        |r| r.get(0),
    )?;
    Ok(BranchId(to16(&b)))
}

/// Registered invoices since cancelled, waiting for the IRP's word (or
/// claimed before `stale_ms` by a hub that stopped).
pub(super) fn cancels_due(hub: &HubDb, stale_ms: u64, limit: u32) -> Result<Vec<ToCancel>> {
    type Row = (Vec<u8>, Vec<u8>, String, String, String, Option<String>);
    let rows: Vec<Row> = hub.read(|c| {
        Ok(c.all(
            "SELECT q.document, q.branch, b.gstin, q.irn, q.ack_date, q.cancel_reason FROM einvoice_queue q JOIN branches b ON b.id = q.branch
              WHERE q.state = 'registered' AND (q.cancel = 'wanted' OR (q.cancel = 'cancelling' AND q.claimed_at < ?1))
              ORDER BY q.queued_at, q.document LIMIT ?2",
            p![stale_ms, i64::from(limit)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?)
    })?;
    Ok(rows
        .into_iter()
        .map(|(d, b, gstin, irn, ack_date, reason)| ToCancel {
            document: RecordId(to16(&d)),
            branch: BranchId(to16(&b)),
            gstin,
            irn,
            ack_date,
            reason: reason.unwrap_or_default(),
        })
        .collect())
}

pub(super) fn claim_cancel(hub: &HubDb, document: RecordId, stale_ms: u64) -> Result<bool> {
    hub.write_alone(|c| {
        Ok(c.run(
            "UPDATE einvoice_queue SET cancel = 'cancelling', claimed_at = ?1
              WHERE document = ?2 AND state = 'registered' AND (cancel = 'wanted' OR (cancel = 'cancelling' AND claimed_at < ?3))",
            p![now_ms(), &document.0[..], stale_ms],
        )? == 1)
    })
}

pub(super) fn cancel_answered(hub: &HubDb, document: RecordId, answer: &Cancelled) -> Result<()> {
    let set = |state: &'static str, reason: Option<String>| {
        hub.write_alone(move |c| {
            c.run(
                "UPDATE einvoice_queue SET cancel = ?1, reason = COALESCE(?2, reason) WHERE document = ?3 AND cancel = 'cancelling'",
                p![state, reason, &document.0[..]],
            )?;
            Ok(())
        })
    };
    match answer {
        Cancelled::Retry => set("wanted", None),
        Cancelled::Refused(r) => set("failed", Some(r.clone())),
        Cancelled::Done(e) => hub.write(|c, parts| {
            let state = if e.at_irp { "cancelled" } else { "window_closed" };
            let n = c.run(
                "UPDATE einvoice_queue SET cancel = ?1 WHERE document = ?2 AND cancel = 'cancelling'",
                p![state, &document.0[..]],
            )?;
            if n == 0 {
                return Ok(());
            }
            let branch = queue_branch(c, document)?;
            super::restore::sign_for_branch(c, parts, branch, OpBody::EinvoiceCancelled(e.clone()))
        }),
    }
}

/// The queue as the owner reads it: what waits, what is done, and what
/// needs a person (refused by the IRP, or cancelled after its window).
pub(super) fn queue(hub: &HubDb) -> Result<Vec<QueueRow>> {
    hub.read(|c| {
        Ok(c.all(
            "SELECT q.document, d.number, q.state, q.irn, q.cancel, q.reason FROM einvoice_queue q JOIN documents d ON d.id = q.document ORDER BY q.queued_at, q.document",
            p![],
            |r| {
                Ok(QueueRow {
                    document: RecordId(to16(&r.get::<Vec<u8>>(0)?)).to_string(),
                    number: r.get(1)?,
                    state: r.get(2)?,
                    irn: r.get(3)?,
                    cancel: r.get(4)?,
                    reason: r.get(5)?,
                })
            },
        )?)
    })
}
