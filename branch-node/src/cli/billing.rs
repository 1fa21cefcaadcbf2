//! `branch-node invoice`, `payment` and `lease`: drafting invoices (from a
//! job or at the counter) and editing their lines, issuing invoices and
//! credit notes, showing and printing them, payments, and the blocks of
//! invoice numbers this device holds. A document is named by its printed
//! number or its id.

use clap::{Args, Subcommand};
use serde::Serialize;
use sync_core::ids::RecordId;

use super::invoice_text;
use super::lines::{LineArgs, LinePick, parse_line_pick};
use super::{dec, print};
use crate::auth::Session;
use crate::billing as bill;
use crate::error::{NodeError, Result};
use crate::node::Node;
use crate::store::money::DocumentView;

/// `invoice` and its `--json`, which any of its commands takes.
#[derive(Args, Debug)]
pub struct InvoiceArgs {
    /// Print drafts and documents as JSON (as the HTTP API answers) instead
    /// of as text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub cmd: InvoiceCmd,
}

#[derive(Subcommand, Debug)]
pub enum InvoiceCmd {
    /// Draft an invoice: from a job (--job, its estimate and parts) or a
    /// counter sale (--customer-name or --customer), with a line of its own
    /// (--item SKU, or --line DESCRIPTION --hsn --rate --price); add more with
    /// `invoice line add`.
    Draft {
        /// Bill this job: its estimate lines and parts used not yet invoiced.
        #[arg(long)]
        job: Option<RecordId>,
        /// A counter sale to an existing customer (their id).
        #[arg(long)]
        customer: Option<RecordId>,
        /// A counter sale to a walk-in customer, by name.
        #[arg(long, conflicts_with = "customer")]
        customer_name: Option<String>,
        /// The buyer's GSTIN (B2B); its first two digits are the place of supply.
        #[arg(long)]
        gstin: Option<String>,
        /// The buyer's state code (e.g. 29), when the place of supply is not the branch's state.
        #[arg(long)]
        state: Option<String>,
        /// The buyer's address.
        #[arg(long)]
        address: Option<String>,
        #[command(flatten)]
        line: LineArgs,
    },
    /// A draft's lines: add one, remove one.
    #[command(subcommand)]
    Line(LineCmd),
    /// Number and issue a draft.
    Finalize { draft: RecordId },
    /// Drafts on this device.
    Drafts,
    /// Issued invoices and credit notes.
    List,
    /// One document, by its number (BLR1/2627/000003) or id: each line with
    /// its taxable value, rate and tax, then the totals.
    Show {
        #[arg(value_name = "NUMBER_OR_ID")]
        document: String,
    },
    /// Printable HTML on stdout.
    Print {
        #[arg(value_name = "NUMBER_OR_ID")]
        document: String,
        #[arg(long)]
        thermal: bool,
    },
    /// Cancel (the number is kept).
    Cancel {
        #[arg(value_name = "NUMBER_OR_ID")]
        document: String,
        #[arg(long)]
        reason: String,
    },
    /// A credit note reversing a whole invoice; its goods come back to
    /// stock unless `--no-restock` (a price correction).
    CreditNote {
        #[arg(value_name = "NUMBER_OR_ID")]
        invoice: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        no_restock: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum LineCmd {
    /// Add a line to a draft (--item SKU, or --line DESCRIPTION --hsn --rate
    /// --price) and show the draft.
    Add {
        draft: RecordId,
        #[command(flatten)]
        line: LineArgs,
    },
    /// Remove a line from a draft, by its id or its place (1 for the first),
    /// and show the draft.
    Remove {
        draft: RecordId,
        #[arg(value_parser = parse_line_pick, value_name = "LINE_ID_OR_POSITION")]
        line: LinePick,
    },
}

#[derive(Subcommand, Debug)]
pub enum PaymentCmd {
    /// Record a payment against an invoice.
    Record {
        /// The invoice, by its number (BLR1/2627/000003) or id.
        #[arg(long, value_name = "NUMBER_OR_ID")]
        invoice: String,
        #[arg(long)]
        amount: String,
        #[arg(long, value_parser = parse_mode, default_value = "cash")]
        mode: sync_core::body::PaymentMode,
        #[arg(long)]
        reference: Option<String>,
    },
    /// Payments, optionally of one invoice.
    List {
        /// The invoice, by its number or id.
        #[arg(long, value_name = "NUMBER_OR_ID")]
        invoice: Option<String>,
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

pub(super) fn invoice(node: &Node, s: &Session, a: &InvoiceArgs) -> Result<()> {
    let out = Out { json: a.json };
    match &a.cmd {
        InvoiceCmd::Draft {
            job,
            customer,
            customer_name,
            gstin,
            state,
            address,
            line,
        } => {
            let lines = if line.given() {
                vec![line.input(node, s)?]
            } else {
                vec![]
            };
            out.draft(&bill::create_draft(
                node,
                s,
                bill::DraftInput {
                    job: *job,
                    customer: *customer,
                    customer_name: customer_name.clone(),
                    customer_gstin: gstin.clone(),
                    customer_state: state.clone(),
                    customer_address: address.clone(),
                    lines,
                },
            )?)
        }
        InvoiceCmd::Line(LineCmd::Add { draft, line }) => {
            let l = line.input(node, s)?;
            out.draft(&bill::add_draft_line(node, s, *draft, l)?)
        }
        InvoiceCmd::Line(LineCmd::Remove { draft, line }) => {
            let id = match line {
                LinePick::Id(id) => *id,
                LinePick::Position(n) => {
                    let d = bill::get_draft(node, s, *draft)?;
                    d.draft.lines.get(n - 1).map(|l| l.id).ok_or_else(|| {
                        NodeError::invalid(
                            "line",
                            format!("the draft has {} lines", d.draft.lines.len()),
                        )
                    })?
                }
            };
            out.draft(&bill::remove_draft_line(node, s, *draft, id)?)
        }
        InvoiceCmd::Finalize { draft } => out.document(&bill::finalize(node, s, *draft, None)?),
        InvoiceCmd::Drafts => {
            let ds = bill::drafts(node, s)?;
            out.text_or_json(ds.as_slice(), invoice_text::draft_list)
        }
        InvoiceCmd::List => {
            let ds = bill::list_documents(node, s, None)?;
            out.text_or_json(ds.as_slice(), invoice_text::document_list)
        }
        InvoiceCmd::Show { document } => out.document(&bill::find_document(node, s, document)?),
        InvoiceCmd::Print { document, thermal } => {
            let id = bill::find_document(node, s, document)?.doc.id;
            println!("{}", bill::render(node, s, id, *thermal)?);
            Ok(())
        }
        InvoiceCmd::Cancel { document, reason } => {
            let id = bill::find_document(node, s, document)?.doc.id;
            out.document(&bill::cancel(node, s, id, reason)?)
        }
        InvoiceCmd::CreditNote {
            invoice,
            reason,
            no_restock,
        } => {
            let invoice = bill::find_document(node, s, invoice)?.doc.id;
            out.document(&bill::credit_note(
                node,
                s,
                bill::CreditNoteInput {
                    invoice,
                    reason: reason.clone(),
                    lines: None,
                    date: None,
                    restock: Some(!*no_restock),
                },
            )?)
        }
    }
}

/// Text for a person, or JSON with `--json`.
struct Out {
    json: bool,
}

impl Out {
    fn text_or_json<T: Serialize + ?Sized>(
        &self,
        v: &T,
        text: impl Fn(&T) -> String,
    ) -> Result<()> {
        if self.json {
            print(v)
        } else {
            print!("{}", text(v));
            Ok(())
        }
    }

    fn draft(&self, v: &bill::DraftView) -> Result<()> {
        self.text_or_json(v, invoice_text::draft)
    }

    fn document(&self, d: &DocumentView) -> Result<()> {
        if self.json {
            return print(d);
        }
        print!("{}", invoice_text::document(d)?);
        Ok(())
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
                invoice: Some(bill::find_document(node, s, invoice)?.doc.id),
                job: None,
                amount: dec("amount", amount)?,
                mode: *mode,
                reference: reference.clone(),
                date: None,
            },
        )?),
        PaymentCmd::List { invoice } => {
            let invoice = match invoice {
                Some(i) => Some(bill::find_document(node, s, i)?.doc.id),
                None => None,
            };
            print(&bill::payments(node, s, invoice, None)?)
        }
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
