//! The rules of e-invoices: the hub's word of what the IRP answered for a
//! B2B tax invoice. Only the hub signs them (`OpBody::hub_only`); here is
//! what even the hub may not sign.

use crate::body::{EinvoiceCancellation, EinvoiceRegistration};
use crate::domain::invoice_no::DocType;
use crate::domain::validate;
use crate::error::CoreError;
use crate::op::Op;

use super::{DocInfo, RuleContext};

/// A B2B tax invoice of the op's branch: only those are e-invoiced.
fn b2b_invoice(
    op: &Op,
    ctx: &dyn RuleContext,
    document: crate::ids::RecordId,
) -> Result<DocInfo, CoreError> {
    let d = ctx
        .document(document)
        .filter(|d| d.branch == op.branch)
        .ok_or_else(|| CoreError::invalid("document", "unknown document for this branch"))?;
    if d.doc_type != DocType::TaxInvoice || d.customer_gstin.as_deref().is_none_or(str::is_empty) {
        return Err(CoreError::invalid(
            "document",
            "only a tax invoice to a registered buyer (B2B) is e-invoiced",
        ));
    }
    Ok(d)
}

fn irn(v: &str) -> Result<(), CoreError> {
    if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CoreError::invalid("irn", "must be 64 hex digits"));
    }
    Ok(())
}

/// An IRN is recorded once: the IRP gives one document one IRN for good,
/// so a second, different one is a mistake, never news. The same one
/// again (a hub retrying after a crash) changes nothing.
pub(super) fn registered(
    op: &Op,
    ctx: &dyn RuleContext,
    e: &EinvoiceRegistration,
) -> Result<(), CoreError> {
    b2b_invoice(op, ctx, e.document)?;
    irn(&e.irn)?;
    if ctx
        .einvoice_irn(e.document)
        .is_some_and(|known| known != e.irn)
    {
        return Err(CoreError::invalid(
            "irn",
            "this invoice is already registered under another IRN",
        ));
    }
    validate::text("ack_no", &e.ack_no, 1, 20)?;
    validate::text("ack_date", &e.ack_date, 1, 30)?;
    // A QR holds about 2,300 bytes at level M.
    validate::text("signed_qr", &e.signed_qr, 1, 2300)?;
    Ok(())
}

/// A cancellation names the IRN the invoice is registered under.
pub(super) fn cancelled(
    op: &Op,
    ctx: &dyn RuleContext,
    e: &EinvoiceCancellation,
) -> Result<(), CoreError> {
    b2b_invoice(op, ctx, e.document)?;
    if ctx.einvoice_irn(e.document).as_deref() != Some(e.irn.as_str()) {
        return Err(CoreError::invalid(
            "irn",
            "not the IRN this invoice is registered under",
        ));
    }
    validate::text("date", &e.date, 1, 30)?;
    validate::text("remark", &e.remark, 0, 100)?;
    Ok(())
}
