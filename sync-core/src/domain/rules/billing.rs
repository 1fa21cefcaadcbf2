//! The rules of money: invoices and credit notes (`check_document`, rule 46
//! and number leases), their cancellation, payments, and the number-block
//! leases the hub grants. A GST document, its series and the payments
//! against it are one concern: a number must be leased, unused and match
//! its branch's series.

use rust_decimal::Decimal;

use crate::body::{Document, Lease, Payment, TransferBill};
use crate::domain::gst::{compute, supply_for};
use crate::domain::invoice_no::{DocType, Series, check_format};
use crate::domain::lease;
use crate::domain::roles::{Action, Role, require};
use crate::domain::validate;
use crate::error::CoreError;
use crate::ids::RecordId;
use crate::op::Op;

use super::{RuleContext, user_record};

/// Rule 46 and lease checks of an invoice or credit note.
pub fn check_document(op: &Op, d: &Document, ctx: &dyn RuleContext) -> Result<(), CoreError> {
    let b = ctx
        .branch(op.branch)
        .ok_or_else(|| CoreError::invalid("branch", "unknown branch"))?;
    let issuer = ctx
        .device(op.id.device)
        .ok_or(CoreError::UnknownDevice(op.id.device))?;
    let prefix = issuer.prefix(&b, d.doc_type);
    if d.prefix != prefix {
        return Err(CoreError::invalid(
            "prefix",
            format!(
                "must be the issuing device's {} series `{prefix}`",
                d.doc_type.as_str()
            ),
        ));
    }
    if d.fy != d.date.financial_year() {
        return Err(CoreError::invalid(
            "fy",
            "the series must be of the document date's financial year",
        ));
    }
    let series = Series::new(&d.prefix, d.doc_type, d.fy)?;
    check_format(&d.number)?;
    if series.format(d.seq)? != d.number {
        return Err(CoreError::invalid(
            "number",
            format!("`{}` is not number {} of its series", d.number, d.seq),
        ));
    }
    lease::check_number_leased(
        ctx.leases_of(op.id.device).iter(),
        op.id.device,
        &series,
        d.seq,
    )?;
    if ctx.number_taken(&d.prefix, d.doc_type, d.fy, d.seq) {
        return Err(CoreError::invalid(
            "number",
            format!("{} has already been issued", d.number),
        ));
    }
    if d.supplier_gstin != b.gstin || d.supplier_state != b.state_code {
        return Err(CoreError::invalid(
            "supplier_gstin",
            "must be the issuing branch's GSTIN and state",
        ));
    }
    validate::text("customer_name", &d.customer_name, 1, 200)?;
    if let Some(g) = &d.customer_gstin {
        validate::gstin("customer_gstin", g)?;
    }
    validate::state_code("place_of_supply", &d.place_of_supply)?;
    let totals = compute(&d.lines, supply_for(&b.state_code, &d.place_of_supply))?;
    for (i, l) in d.lines.iter().enumerate() {
        crate::domain::rates::check(&format!("lines[{i}].gst_rate"), l.gst_rate, d.date)?;
    }
    if totals.grand_total != d.grand_total {
        return Err(CoreError::invalid(
            "grand_total",
            format!(
                "is {} but the lines add up to {}",
                d.grand_total, totals.grand_total
            ),
        ));
    }
    match (d.doc_type, &d.against) {
        (DocType::TaxInvoice, None) => {}
        (DocType::TaxInvoice, Some(_)) => {
            return Err(CoreError::invalid(
                "against",
                "only a credit note cites an invoice",
            ));
        }
        (DocType::CreditNote, None) => {
            return Err(CoreError::invalid(
                "against",
                "a credit note must cite the original invoice's number and date",
            ));
        }
        (DocType::CreditNote, Some(r)) => {
            let orig = ctx
                .document(r.invoice)
                .ok_or_else(|| CoreError::invalid("against", "unknown invoice"))?;
            if orig.doc_type != DocType::TaxInvoice || orig.branch != op.branch {
                return Err(CoreError::invalid(
                    "against",
                    "must be a tax invoice of this branch",
                ));
            }
            if orig.number != r.number || orig.date != r.date {
                return Err(CoreError::invalid(
                    "against",
                    "number and date must be the original invoice's",
                ));
            }
            if d.grand_total > orig.grand_total {
                return Err(CoreError::invalid(
                    "grand_total",
                    "a credit note cannot exceed the invoice it reverses",
                ));
            }
            validate::text("reason", d.reason.as_deref().unwrap_or(""), 1, 500)?;
        }
    }
    if let Some(tb) = &d.transfer {
        transfer_bill(op, d, tb, &b.gstin, ctx)?;
    }
    if ctx.record_exists(d.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    let _ = user_record;
    Ok(())
}

/// Consignments above this value travel with an e-way bill (Rule 138).
pub const EWAY_BILL_ABOVE: Decimal = Decimal::from_parts(50_000, 0, 0, false, 0);

/// A transfer's tax invoice bills exactly the goods its transfer sent, from
/// this branch to a branch under another GSTIN (a supply between distinct
/// persons); within one GSTIN a transfer is no supply and has no invoice.
fn transfer_bill(
    op: &Op,
    d: &Document,
    tb: &TransferBill,
    gstin: &str,
    ctx: &dyn RuleContext,
) -> Result<(), CoreError> {
    let field = "transfer.transfer";
    let t = ctx
        .transfer(tb.transfer)
        .filter(|t| t.sent_out && t.from_branch == op.branch)
        .ok_or_else(|| CoreError::invalid(field, "must be a transfer this branch sent"))?;
    let to = ctx
        .branch(t.to_branch)
        .ok_or_else(|| CoreError::invalid(field, "unknown receiving branch"))?;
    if d.doc_type != DocType::TaxInvoice || d.job.is_some() {
        return Err(CoreError::invalid(
            field,
            "only a tax invoice of no job bills a transfer",
        ));
    }
    if to.gstin == gstin {
        return Err(CoreError::invalid(
            field,
            "a transfer within one GSTIN is no supply: it travels on a delivery challan, not a tax invoice",
        ));
    }
    if d.customer_gstin.as_deref() != Some(to.gstin.as_str()) || d.place_of_supply != to.state_code
    {
        return Err(CoreError::invalid(
            "customer_gstin",
            "must be the receiving branch's GSTIN, its state the place of supply",
        ));
    }
    let [l] = d.lines.as_slice() else {
        return Err(CoreError::invalid(
            "lines",
            "a transfer's invoice has one line: the goods sent",
        ));
    };
    if l.item != Some(t.item) || l.qty != t.sent || l.kind != crate::body::LineKind::Part {
        return Err(CoreError::invalid(
            "lines[0]",
            "must be the item and quantity the transfer sent",
        ));
    }
    match &tb.eway_bill {
        Some(e) if e.len() != 12 || !e.bytes().all(|b| b.is_ascii_digit()) => Err(
            CoreError::invalid("transfer.eway_bill", "an e-way bill number is 12 digits"),
        ),
        None if d.grand_total > EWAY_BILL_ABOVE => Err(CoreError::invalid(
            "transfer.eway_bill",
            format!(
                "goods worth {} travel with an e-way bill (above ₹50,000, CGST Rule 138): give its number",
                d.grand_total
            ),
        )),
        _ => Ok(()),
    }
}

pub(super) fn document_issued(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    d: &Document,
) -> Result<(), CoreError> {
    require(role, Action::CreateInvoices)?;
    check_document(op, d, ctx)?;
    // Two devices offline can each credit the same invoice: on receipt
    // both are taken (the money may have been refunded) and the excess is
    // shown for settling; a new one is never made beyond what is left.
    if let (true, Some(r)) = (fresh, &d.against)
        && let Some(orig) = ctx.document(r.invoice)
    {
        let left = orig.grand_total - orig.credited.min(orig.grand_total);
        if d.grand_total > left {
            return Err(CoreError::invalid(
                "grand_total",
                format!(
                    "₹{} is more than is left to credit on {}: ₹{} of ₹{} already credited",
                    crate::domain::money::format_inr(d.grand_total),
                    orig.number,
                    crate::domain::money::format_inr(orig.credited),
                    crate::domain::money::format_inr(orig.grand_total),
                ),
            ));
        }
    }
    Ok(())
}

pub(super) fn document_cancelled(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    document: &RecordId,
    reason: &str,
) -> Result<(), CoreError> {
    require(role, Action::CreateInvoices)?;
    validate::text("reason", reason, 1, 500)?;
    let d = ctx
        .document(*document)
        .ok_or_else(|| CoreError::invalid("document", "unknown document"))?;
    if d.branch != op.branch {
        return Err(CoreError::invalid("document", "belongs to another branch"));
    }
    // Cancelled twice (two devices at once) is the same as once.
    if fresh && d.cancelled {
        return Err(CoreError::invalid("document", "already cancelled"));
    }
    Ok(())
}

pub(super) fn payment_recorded(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    p: &Payment,
) -> Result<(), CoreError> {
    require(role, Action::RecordPayments)?;
    crate::domain::money::check_amount("amount", p.amount)?;
    if p.amount <= Decimal::ZERO {
        return Err(CoreError::invalid("amount", "must be greater than 0"));
    }
    if let Some(r) = &p.reference {
        validate::text("reference", r, 0, 100)?;
    }
    if p.invoice.is_none() && p.job.is_none() {
        return Err(CoreError::invalid(
            "invoice",
            "a payment is against an invoice or a job",
        ));
    }
    if let Some(i) = p.invoice {
        let d = ctx
            .document(i)
            .ok_or_else(|| CoreError::invalid("invoice", "unknown invoice"))?;
        if d.branch != op.branch || d.doc_type != DocType::TaxInvoice {
            return Err(CoreError::invalid(
                "invoice",
                "not a tax invoice of this branch",
            ));
        }
        // Money that really changed hands is never refused on
        // receipt: a payment on an invoice cancelled or paid up
        // meanwhile is taken, and the refund due is shown.
        if fresh && d.cancelled {
            return Err(CoreError::invalid("invoice", "is cancelled"));
        }
        if fresh
            && d.paid
                .checked_add(p.amount)
                .is_none_or(|t| t > d.grand_total)
        {
            return Err(CoreError::invalid(
                "amount",
                format!(
                    "exceeds the balance due of ₹{}",
                    crate::domain::money::format_inr(d.grand_total - d.paid)
                ),
            ));
        }
    }
    if let Some(j) = p.job {
        let info = ctx
            .job(j)
            .ok_or_else(|| CoreError::invalid("job", "unknown job"))?;
        if info.branch != op.branch {
            return Err(CoreError::invalid("job", "job belongs to another branch"));
        }
    }
    if ctx.record_exists(p.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    Ok(())
}

pub(super) fn lease_granted(ctx: &dyn RuleContext, role: Role, l: &Lease) -> Result<(), CoreError> {
    require(role, Action::ManageUsers)?;
    let d = ctx
        .device(l.device)
        .ok_or(CoreError::UnknownDevice(l.device))?;
    let b = ctx
        .branch(d.branch)
        .ok_or_else(|| CoreError::invalid("branch", "unknown branch"))?;
    if l.prefix != d.prefix(&b, l.doc_type) {
        return Err(CoreError::invalid(
            "prefix",
            "lease is not of the device's branch series",
        ));
    }
    let series = Series::new(&l.prefix, l.doc_type, l.fy)?;
    if l.first == 0 || l.last < l.first || l.last > series.max_number() {
        return Err(CoreError::invalid(
            "lease",
            "block is empty or outside the series",
        ));
    }
    Ok(())
}
