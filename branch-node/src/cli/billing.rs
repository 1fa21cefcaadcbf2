//! `branch-node invoice`, `payment` and `lease`: drafting and issuing
//! invoices and credit notes, printing them, payments, and the blocks of
//! invoice numbers this device holds.

use clap::Subcommand;
use sync_core::ids::RecordId;

use super::{dec, print};
use crate::auth::Session;
use crate::billing as bill;
use crate::error::Result;
use crate::node::Node;

#[derive(Subcommand, Debug)]
pub enum InvoiceCmd {
    /// Draft an invoice from a job's estimate and parts.
    Draft {
        #[arg(long)]
        job: RecordId,
    },
    /// Number and issue a draft.
    Finalize { draft: RecordId },
    /// Drafts on this device.
    Drafts,
    /// Issued invoices and credit notes.
    List,
    /// One document.
    Show { id: RecordId },
    /// Printable HTML on stdout.
    Print {
        id: RecordId,
        #[arg(long)]
        thermal: bool,
    },
    /// Cancel (the number is kept).
    Cancel {
        id: RecordId,
        #[arg(long)]
        reason: String,
    },
    /// A credit note reversing a whole invoice; its goods come back to
    /// stock unless `--no-restock` (a price correction).
    CreditNote {
        invoice: RecordId,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        no_restock: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum PaymentCmd {
    /// Record a payment against an invoice.
    Record {
        #[arg(long)]
        invoice: RecordId,
        #[arg(long)]
        amount: String,
        #[arg(long, value_parser = parse_mode, default_value = "cash")]
        mode: sync_core::body::PaymentMode,
        #[arg(long)]
        reference: Option<String>,
    },
    /// Payments, optionally of one invoice.
    List {
        #[arg(long)]
        invoice: Option<RecordId>,
    },
}

#[derive(Subcommand, Debug)]
pub enum LeaseCmd {
    /// Blocks held and numbers remaining.
    List,
    /// Standalone only: grant this device a block of its own series.
    GrantLocal {
        #[arg(long, default_value_t = 100)]
        size: u64,
        #[arg(long)]
        credit_notes: bool,
    },
}

fn parse_mode(s: &str) -> std::result::Result<sync_core::body::PaymentMode, String> {
    use sync_core::body::PaymentMode::*;
    match s {
        "cash" => Ok(Cash),
        "upi" => Ok(Upi),
        "card" => Ok(Card),
        "bank" => Ok(Bank),
        _ => Err("must be cash, upi, card or bank".into()),
    }
}

pub(super) fn invoice(node: &Node, s: &Session, c: &InvoiceCmd) -> Result<()> {
    match c {
        InvoiceCmd::Draft { job } => print(&bill::create_draft(
            node,
            s,
            bill::DraftInput {
                job: Some(*job),
                customer: None,
                customer_name: None,
                customer_gstin: None,
                customer_state: None,
                customer_address: None,
                lines: vec![],
            },
        )?),
        InvoiceCmd::Finalize { draft } => print(&bill::finalize(node, s, *draft, None)?),
        InvoiceCmd::Drafts => print(&bill::drafts(node, s)?),
        InvoiceCmd::List => print(&bill::list_documents(node, s, None)?),
        InvoiceCmd::Show { id } => print(&bill::get_document(node, s, *id)?),
        InvoiceCmd::Print { id, thermal } => {
            println!("{}", bill::render(node, s, *id, *thermal)?);
            Ok(())
        }
        InvoiceCmd::Cancel { id, reason } => print(&bill::cancel(node, s, *id, reason)?),
        InvoiceCmd::CreditNote {
            invoice,
            reason,
            no_restock,
        } => print(&bill::credit_note(
            node,
            s,
            bill::CreditNoteInput {
                invoice: *invoice,
                reason: reason.clone(),
                lines: None,
                date: None,
                restock: Some(!*no_restock),
            },
        )?),
    }
}

pub(super) fn payment(node: &Node, s: &Session, c: &PaymentCmd) -> Result<()> {
    match c {
        PaymentCmd::Record {
            invoice,
            amount,
            mode,
            reference,
        } => print(&bill::record_payment(
            node,
            s,
            bill::PaymentInput {
                invoice: Some(*invoice),
                job: None,
                amount: dec("amount", amount)?,
                mode: *mode,
                reference: reference.clone(),
                date: None,
            },
        )?),
        PaymentCmd::List { invoice } => print(&bill::payments(node, s, *invoice, None)?),
    }
}

pub(super) fn lease(node: &Node, s: &Session, c: &LeaseCmd) -> Result<()> {
    match c {
        LeaseCmd::List => print(&bill::leases(node, s)?),
        LeaseCmd::GrantLocal { size, credit_notes } => print(&bill::grant_local_lease(
            node,
            s,
            bill::LocalLeaseInput {
                doc_type: if *credit_notes {
                    sync_core::domain::invoice_no::DocType::CreditNote
                } else {
                    sync_core::domain::invoice_no::DocType::TaxInvoice
                },
                size: *size,
                fy: None,
            },
        )?),
    }
}
