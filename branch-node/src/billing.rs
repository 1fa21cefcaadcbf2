//! Money at the branch: invoice drafts (from a job or a counter sale),
//! finalizing with the next number of this device's lease, cancellation that
//! keeps the number, credit notes in their own series, payments, the device's
//! leases, and the printable invoice.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sync_core::body::{DocRef, Document, Lease, Line, OpBody, Payment, PaymentMode};
use sync_core::domain::date::Date;
use sync_core::domain::gst;
use sync_core::domain::invoice_no::{DocType, Series};
use sync_core::domain::lease;
use sync_core::domain::roles::Action;
use sync_core::domain::validate;
use sync_core::ids::RecordId;

use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::{Node, new_id, now_ms};
use crate::services::LineInput;
use crate::store::money::{self, DocumentView, Draft, PaymentView};
use crate::store::read;

mod drafts;

pub use drafts::{
    DraftInput, DraftView, add_draft_line, create_draft, delete_draft, drafts, get_draft,
    remove_draft_line,
};

/// Give a draft its number — the next one of this device's lease — and
/// issue it. The number and the document land in one transaction with the
/// draft's removal: after a crash the invoice exists with its number, or the
/// number is still free.
pub fn finalize(
    node: &Node,
    s: &Session,
    draft: RecordId,
    date: Option<Date>,
) -> Result<DocumentView> {
    finalize_with(node, s, draft, date, true)
}

/// As [`finalize`]; `restock` says whether a credit note's goods came
/// back (a return) or not (a price correction).
fn finalize_with(
    node: &Node,
    s: &Session,
    draft: RecordId,
    date: Option<Date>,
    restock: bool,
) -> Result<DocumentView> {
    crate::services::own_branch(node, s)?;
    s.require(Action::CreateInvoices)?;
    let date = date.unwrap_or_else(|| Date::from_unix_ms_ist(now_ms()));
    top_up_standalone(node, draft, date)?;
    let mut issued = None;
    // The draft, the branch, the next leased number and the op that uses
    // it, all in the one transaction that commits it: two finalizes cannot
    // take one number, and nothing else can commit between the read and
    // the write.
    node.write(s.user, |c| {
        let d = money::draft(c, draft)?;
        let b = read::branch(c, node.branch)?;
        let (prefix, series, n) = &next_number(c, node, &b, d.doc_type, date)?;
        let n = *n;
        let pos = gst::place_of_supply(
            &b.state_code,
            d.customer_state.as_deref(),
            d.customer_gstin.as_deref(),
        );
        let totals = gst::compute(&d.lines, gst::supply_for(&b.state_code, &pos))?;
        let against = match d.against {
            Some(inv) => {
                let o = money::document(c, inv)?;
                Some(DocRef {
                    invoice: inv,
                    number: o.doc.number,
                    date: o.doc.date,
                })
            }
            None => None,
        };
        let doc = Document {
            id: new_id()?,
            doc_type: d.doc_type,
            prefix: prefix.clone(),
            fy: series.fy,
            seq: n,
            number: series.format(n)?,
            date,
            supplier_gstin: b.gstin.clone(),
            supplier_state: b.state_code.clone(),
            customer: d.customer,
            customer_name: d.customer_name.clone(),
            customer_gstin: d.customer_gstin.clone(),
            customer_address: d.customer_address.clone(),
            place_of_supply: pos,
            job: d.job,
            lines: d.lines.clone(),
            grand_total: totals.grand_total,
            against,
            reason: d.reason.clone(),
            transfer: None,
        };
        issued = Some(doc.id);
        // The draft goes with the same commit, or stays.
        money::delete_draft(c, draft)?;
        let message = match doc.doc_type {
            DocType::TaxInvoice => crate::services::messages::invoice_finalized(c, &doc)?,
            DocType::CreditNote => None,
        };
        let goods = crate::sales::with_document(c, node.branch, node.device, &doc, restock)?;
        let mut bodies = vec![OpBody::DocumentIssued(doc)];
        bodies.extend(goods);
        bodies.extend(message);
        Ok(bodies)
    })?;
    let id = issued.expect("set by the committed write");
    node.read(|c| money::document(c, id))
}

/// The next number this device may issue in its series of `doc_type` for
/// `date`'s financial year, read inside the write that will use it.
pub(crate) fn next_number(
    c: &rusqlite::Connection,
    node: &Node,
    b: &read::BranchView,
    doc_type: DocType,
    date: Date,
) -> Result<(String, Series, u64)> {
    let prefix = read::series_prefix(c, b, node.device, doc_type)?;
    let series = Series::new(&prefix, doc_type, date.financial_year())?;
    let (leases, used) = money::series_usage(c, node.device, &prefix, doc_type, series.fy)?;
    let n = lease::next_number(leases.iter(), node.device, &series, used)?;
    Ok((prefix, series, n))
}

pub fn get_document(node: &Node, s: &Session, id: RecordId) -> Result<DocumentView> {
    crate::services::own_branch(node, s)?;
    let d = node.read(|c| money::document(c, id))?;
    if d.branch != node.branch {
        return Err(NodeError::NotFound(format!("document {id}")));
    }
    Ok(d)
}

/// A document by its printed number (`BLR1/2627/000003`, any case) or its
/// id: an accountant reads the number off the paper.
pub fn find_document(node: &Node, s: &Session, number_or_id: &str) -> Result<DocumentView> {
    let number_or_id = number_or_id.trim();
    if let Ok(id) = number_or_id.parse::<RecordId>() {
        return get_document(node, s, id);
    }
    crate::services::own_branch(node, s)?;
    sync_core::domain::invoice_no::check_format(number_or_id).map_err(|_| {
        NodeError::invalid(
            "document",
            format!("{number_or_id} is neither a document number like BLR1/2627/000003 nor an id"),
        )
    })?;
    let number = number_or_id.to_ascii_uppercase();
    node.read(|c| money::document_by_number(c, node.branch, &number))
}

pub fn list_documents(
    node: &Node,
    s: &Session,
    job: Option<RecordId>,
) -> Result<Vec<DocumentView>> {
    crate::services::own_branch(node, s)?;
    s.require(Action::CreateInvoices)
        .or_else(|_| s.require(Action::ViewReports))?;
    node.read(|c| money::documents(c, node.branch, job, 1000))
}

pub fn cancel(node: &Node, s: &Session, id: RecordId, reason: &str) -> Result<DocumentView> {
    crate::services::own_branch(node, s)?;
    get_document(node, s, id)?;
    node.write(s.user, |c| {
        let mut bodies = vec![OpBody::DocumentCancelled {
            document: id,
            reason: reason.trim().to_string(),
        }];
        bodies.extend(crate::sales::with_cancellation(c, id)?);
        Ok(bodies)
    })?;
    get_document(node, s, id)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteInput {
    pub invoice: RecordId,
    pub reason: String,
    /// Lines to credit; the whole invoice when omitted.
    pub lines: Option<Vec<LineInput>>,
    pub date: Option<Date>,
    /// The goods on it came back to stock (a return, the default); `false`
    /// for a price correction, where nothing came back.
    #[serde(default)]
    pub restock: Option<bool>,
}

/// A credit note against an invoice, in the branch's credit-note series,
/// citing the invoice's number and date.
pub fn credit_note(node: &Node, s: &Session, i: CreditNoteInput) -> Result<DocumentView> {
    crate::services::own_branch(node, s)?;
    s.require(Action::CreateInvoices)?;
    let inv = get_document(node, s, i.invoice)?;
    if inv.doc.doc_type != DocType::TaxInvoice {
        return Err(NodeError::invalid(
            "invoice",
            "a credit note is against a tax invoice",
        ));
    }
    validate::text("reason", &i.reason, 1, 500)?;
    let lines = match i.lines {
        // A credited item is credited as it was invoiced: at the invoice's
        // rate and HSN, whatever the catalogue says today.
        Some(ls) => ls
            .into_iter()
            .map(|l| {
                let id = new_id()?;
                let billed = inv
                    .doc
                    .lines
                    .iter()
                    .find(|b| l.item.is_some() && b.item == l.item);
                match billed {
                    Some(b) => {
                        let mut line = l.into_line(id);
                        if line.description.is_empty() {
                            line.description = b.description.clone();
                        }
                        line.kind = b.kind;
                        line.hsn_sac = b.hsn_sac.clone();
                        line.gst_rate = b.gst_rate;
                        line.unit = b.unit.clone();
                        Ok(line)
                    }
                    None => node.read(|c| l.from_catalogue(c, id)),
                }
            })
            .collect::<Result<Vec<_>>>()?,
        None => inv
            .doc
            .lines
            .iter()
            .map(|l| {
                Ok(Line {
                    id: new_id()?,
                    ..l.clone()
                })
            })
            .collect::<Result<Vec<_>>>()?,
    };
    let d = Draft {
        id: new_id()?,
        doc_type: DocType::CreditNote,
        job: inv.doc.job,
        customer: inv.doc.customer,
        customer_name: inv.doc.customer_name.clone(),
        customer_gstin: inv.doc.customer_gstin.clone(),
        customer_address: inv.doc.customer_address.clone(),
        customer_state: Some(inv.doc.place_of_supply.clone()),
        against: Some(i.invoice),
        reason: Some(i.reason.trim().to_string()),
        lines,
        created_at: now_ms(),
        created_by: s.user,
    };
    node.read(|c| money::insert_draft(c, &d))?;
    // A transfer's goods never came to this branch's stock through its
    // invoice, so crediting it puts nothing back: goods come back by a
    // transfer the other way.
    let restock = i.restock.unwrap_or(true) && inv.doc.transfer.is_none();
    match finalize_with(node, s, d.id, i.date, restock) {
        Ok(v) => Ok(v),
        Err(e) => {
            let _ = node.read(|c| money::delete_draft(c, d.id));
            Err(e)
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub invoice: Option<RecordId>,
    pub job: Option<RecordId>,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub mode: PaymentMode,
    pub reference: Option<String>,
    pub date: Option<Date>,
}

pub fn record_payment(node: &Node, s: &Session, i: PaymentInput) -> Result<PaymentView> {
    crate::services::own_branch(node, s)?;
    s.require(Action::RecordPayments)?;
    if matches!(
        i.mode,
        PaymentMode::Upi | PaymentMode::Card | PaymentMode::Bank
    ) && i.reference.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        return Err(NodeError::invalid(
            "reference",
            "UPI, card and bank payments need their transaction reference",
        ));
    }
    let p = Payment {
        id: new_id()?,
        invoice: i.invoice,
        job: i.job,
        amount: i.amount,
        mode: i.mode,
        reference: i
            .reference
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        date: i.date.unwrap_or_else(|| Date::from_unix_ms_ist(now_ms())),
    };
    let id = p.id;
    node.write(s.user, |c| {
        let message = payment_message(c, &p)?;
        let mut bodies = vec![OpBody::PaymentRecorded(p)];
        bodies.extend(message);
        Ok(bodies)
    })?;
    node.read(|c| money::payments(c, node.branch, None, None))?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| NodeError::NotFound("payment".into()))
}

/// "Payment received": to the customer of the invoice paid, or of the job
/// paid in advance; none for a payment of neither, or an unknown one (the
/// rule book then refuses the payment itself).
fn payment_message(c: &rusqlite::Connection, p: &Payment) -> Result<Option<OpBody>> {
    let (customer, against, job) = match (p.invoice, p.job) {
        (Some(inv), _) => match money::document(c, inv) {
            Ok(d) => (d.doc.customer, d.doc.number, p.job.or(d.doc.job)),
            Err(_) => return Ok(None),
        },
        (None, Some(job)) => match read::job_summary(c, job) {
            Ok(j) => (Some(j.customer), j.job_no, Some(job)),
            Err(_) => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let Some(customer) = customer else {
        return Ok(None);
    };
    let to = read::contact(c, customer)?;
    crate::services::messages::message_for(
        sync_core::domain::messages::Event::PaymentReceived,
        customer,
        &to,
        job,
        vec![
            to.name.clone(),
            sync_core::domain::money::format_inr(p.amount),
            against,
            p.date.to_indian(),
        ],
    )
}

pub fn payments(
    node: &Node,
    s: &Session,
    invoice: Option<RecordId>,
    job: Option<RecordId>,
) -> Result<Vec<PaymentView>> {
    crate::services::own_branch(node, s)?;
    s.require(Action::RecordPayments)
        .or_else(|_| s.require(Action::ViewReports))?;
    node.read(|c| money::payments(c, node.branch, invoice, job))
}

#[derive(Clone, Debug, Serialize)]
pub struct SeriesHolding {
    pub doc_type: DocType,
    pub prefix: String,
    pub fy: u16,
    pub leases: Vec<Lease>,
    pub used_up_to: u64,
    pub remaining: u64,
    pub next: Option<String>,
}

/// The number blocks this device holds, per series, and how many remain.
pub fn leases(node: &Node, s: &Session) -> Result<Vec<SeriesHolding>> {
    crate::services::own_branch(node, s)?;
    let all = node.read(|c| money::all_leases(c, node.device))?;
    let mut keys: Vec<(DocType, String, u16)> = all
        .iter()
        .map(|l| (l.doc_type, l.prefix.clone(), l.fy))
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|(doc_type, prefix, fy)| {
            let series = Series::new(&prefix, doc_type, fy)?;
            let (ls, used) =
                node.read(|c| money::series_usage(c, node.device, &prefix, doc_type, fy))?;
            let next = lease::next_number(ls.iter(), node.device, &series, used)
                .ok()
                .map(|n| series.format(n))
                .transpose()?;
            Ok(SeriesHolding {
                remaining: lease::remaining(ls.iter(), node.device, &series, used),
                doc_type,
                prefix,
                fy,
                leases: ls,
                used_up_to: used,
                next,
            })
        })
        .collect()
}

/// Below this many numbers left in the current series, a device asks the hub
/// for another block at its next sync, so that a day offline still has
/// numbers to issue.
pub const LEASE_LOW_WATER: u64 = 20;

/// The document types this device should ask the hub a block for now: those
/// whose current-year series has fewer than [`LEASE_LOW_WATER`] numbers left
/// here. Only a device that keeps the store (the counter) or has held a
/// block of that type before asks: a technician's laptop that never bills
/// would otherwise hold blocks that end as gaps in the GSTR-1 summary.
pub fn lease_wants(node: &Node, today: Date) -> Result<Vec<DocType>> {
    let b = node.read(|c| read::branch(c, node.branch))?;
    // A device with a series of its own bills by design: it asks too.
    let holds_store = node
        .read(money::devices)?
        .iter()
        .any(|d| d.id == node.device && d.holds_store)
        || node.read(|c| read::has_own_series(c, node.device))?;
    let mut out = vec![];
    for doc_type in [DocType::TaxInvoice, DocType::CreditNote] {
        let prefix = &node.read(|c| read::series_prefix(c, &b, node.device, doc_type))?;
        let series = Series::new(prefix, doc_type, today.financial_year())?;
        let (ls, used) =
            node.read(|c| money::series_usage(c, node.device, prefix, doc_type, series.fy))?;
        let ever_held = node
            .read(|c| money::all_leases(c, node.device))?
            .iter()
            .any(|l| l.doc_type == doc_type);
        if (holds_store || ever_held)
            && lease::remaining(ls.iter(), node.device, &series, used) < LEASE_LOW_WATER
        {
            out.push(doc_type);
        }
    }
    Ok(out)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalLeaseInput {
    pub doc_type: DocType,
    #[serde(deserialize_with = "http_edge::body::whole_number")]
    pub size: u64,
    /// Financial year (start year); today's when omitted.
    #[serde(default, deserialize_with = "http_edge::body::whole_number_opt")]
    pub fy: Option<u16>,
}

/// Standalone devices only: grant this device a block of its own series, as
/// the hub would. The block starts after the highest number ever leased.
pub fn grant_local_lease(
    node: &Node,
    s: &Session,
    i: LocalLeaseInput,
) -> Result<Vec<SeriesHolding>> {
    crate::services::own_branch(node, s)?;
    s.require(Action::ManageUsers)?;
    let fy =
        i.fy.unwrap_or_else(|| Date::from_unix_ms_ist(now_ms()).financial_year());
    grant_local(node, i.doc_type, fy, i.size)?;
    leases(node, s)
}

/// Numbers a standalone device gives itself at a time when it runs out.
const STANDALONE_BLOCK: u64 = 100;

/// A standalone device is its own hub: when it has no number left in the
/// series a document needs, it leases itself the next block then and
/// there, so it bills from the moment it is set up and across a new
/// financial year. An enrolled device waits for its hub.
fn top_up_standalone(node: &Node, draft: RecordId, date: Date) -> Result<()> {
    if !node.is_standalone() {
        return Ok(());
    }
    let Ok(d) = node.read(|c| money::draft(c, draft)) else {
        return Ok(()); // finalize says what is wrong with it
    };
    standalone_numbers(node, d.doc_type, date)
}

/// On a standalone device, a number of `doc_type` for `date` is at hand
/// (leased now if none was left); elsewhere, nothing to do.
pub(crate) fn standalone_numbers(node: &Node, doc_type: DocType, date: Date) -> Result<()> {
    if !node.is_standalone() {
        return Ok(());
    }
    let fy = date.financial_year();
    let b = node.read(|c| read::branch(c, node.branch))?;
    let prefix = node.read(|c| read::series_prefix(c, &b, node.device, doc_type))?;
    let series = Series::new(&prefix, doc_type, fy)?;
    let (ls, used) = node.read(|c| money::series_usage(c, node.device, &prefix, doc_type, fy))?;
    if lease::remaining(ls.iter(), node.device, &series, used) == 0 {
        grant_local(node, doc_type, fy, STANDALONE_BLOCK)?;
    }
    Ok(())
}

/// Lease this standalone device the next `size` numbers of its series.
fn grant_local(node: &Node, doc_type: DocType, fy: u16, size: u64) -> Result<()> {
    let b = node.read(|c| read::branch(c, node.branch))?;
    let prefix = node.read(|c| read::series_prefix(c, &b, node.device, doc_type))?;
    let series = Series::new(&prefix, doc_type, fy)?;
    let high = node.read(|c| money::series_high(c, &prefix, doc_type, fy))?;
    let mut book = lease::LeaseBook::default();
    if high > 0 {
        book.insert(Lease {
            id: RecordId([0; 16]),
            device: node.device,
            doc_type,
            prefix: prefix.clone(),
            fy,
            first: 1,
            last: high,
        })?;
    }
    let l = book.grant(new_id()?, &series, node.device, size)?;
    node.commit_as_root(OpBody::LeaseGranted(l))?;
    Ok(())
}

/// The printable document (HTML), with the UPI QR while money is due.
pub fn render(node: &Node, s: &Session, id: RecordId, thermal: bool) -> Result<String> {
    crate::services::own_branch(node, s)?;
    let d = get_document(node, s, id)?;
    let b = node.read(|c| read::branch(c, node.branch))?;
    let supplier = crate::render::Supplier {
        name: &b.name,
        address: &b.address,
        gstin: &b.gstin,
        state_code: &b.state_code,
        upi_id: b.upi_id.as_deref(),
    };
    let paid: Decimal = d.paid.parse().unwrap_or_default();
    let paper = if thermal {
        crate::render::Paper::Thermal80mm
    } else {
        crate::render::Paper::A4
    };
    let b2b = d.doc.doc_type == DocType::TaxInvoice
        && d.doc
            .customer_gstin
            .as_deref()
            .is_some_and(|g| !g.is_empty());
    let mark = match &d.einvoice {
        Some(e) => crate::render::EinvoiceMark::Registered {
            irn: &e.irn,
            ack_no: &e.ack_no,
            ack_date: &e.ack_date,
            signed_qr: &e.signed_qr,
            cancelled: e.cancel_state.as_deref() == Some("cancelled"),
        },
        None if b2b && b.einvoicing => crate::render::EinvoiceMark::Pending,
        None => crate::render::EinvoiceMark::None,
    };
    Ok(crate::render::document_html_marked(
        &d.doc,
        &supplier,
        paid,
        d.cancelled,
        paper,
        mark,
    )?)
}
