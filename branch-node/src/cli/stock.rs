//! `branch-node item` and `branch-node stock`: the catalogue, and stock
//! received, adjusted, issued to a technician, returned, used on a job and
//! transferred between branches.

use clap::Subcommand;
use sync_core::ids::{RecordId, UserId};

use super::{dec, print};
use crate::auth::Session;
use crate::error::Result;
use crate::inventory as inv;
use crate::node::Node;

#[derive(Subcommand, Debug)]
pub enum ItemCmd {
    /// Add an item to the catalogue.
    Create {
        #[arg(long)]
        sku: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        hsn_sac: String,
        #[arg(long, default_value = "18")]
        gst_rate: String,
        #[arg(long, default_value = "pcs")]
        unit: String,
        #[arg(long)]
        sale_price: String,
        #[arg(long, default_value = "0")]
        cost: String,
        #[arg(long, default_value = "0")]
        reorder_level: String,
        #[arg(long)]
        service: bool,
    },
    /// List items with stock (--low for the low-stock list).
    List {
        #[arg(long, default_value = "")]
        q: String,
        #[arg(long)]
        low: bool,
    },
    /// One item with its stock.
    Show { id: RecordId },
    /// Every movement of an item.
    Ledger { id: RecordId },
}

#[derive(Subcommand, Debug)]
pub enum StockCmd {
    /// Receive stock from a supplier.
    Receive {
        item: RecordId,
        #[arg(long)]
        qty: String,
        #[arg(long)]
        supplier: String,
        #[arg(long)]
        reference: Option<String>,
    },
    /// Adjust stock (signed delta) with a reason.
    Adjust {
        item: RecordId,
        #[arg(long, allow_hyphen_values = true)]
        delta: String,
        #[arg(long)]
        reason: String,
    },
    /// Issue parts to a technician's laptop.
    Issue {
        item: RecordId,
        #[arg(long)]
        qty: String,
        #[arg(long)]
        technician: UserId,
        #[arg(long)]
        to_device: sync_core::ids::DeviceId,
    },
    /// Return parts to the store.
    Return {
        item: RecordId,
        #[arg(long)]
        qty: String,
    },
    /// Use a part on a job.
    Use {
        item: RecordId,
        #[arg(long)]
        job: RecordId,
        #[arg(long)]
        qty: String,
    },
    /// Send stock to another branch.
    TransferOut {
        item: RecordId,
        #[arg(long)]
        qty: String,
        #[arg(long)]
        to_branch: sync_core::ids::BranchId,
        /// To another GSTIN: the value per unit before tax on its tax
        /// invoice (default: the item's cost, else its sale price).
        #[arg(long)]
        unit_value: Option<String>,
        /// To another GSTIN, goods worth more than ₹50,000: the e-way bill's 12-digit number.
        #[arg(long)]
        eway_bill: Option<String>,
    },
    /// Receive a transfer.
    TransferIn {
        transfer: RecordId,
        #[arg(long)]
        received: String,
    },
    /// Transfers from and to this branch.
    Transfers,
}

pub(super) fn item(node: &Node, s: &Session, c: &ItemCmd) -> Result<()> {
    match c {
        ItemCmd::Create {
            sku,
            name,
            hsn_sac,
            gst_rate,
            unit,
            sale_price,
            cost,
            reorder_level,
            service,
        } => print(&inv::create_item(
            node,
            s,
            inv::ItemInput {
                sku: sku.clone(),
                name: name.clone(),
                hsn_sac: hsn_sac.clone(),
                gst_rate: dec("gst_rate", gst_rate)?,
                unit: unit.clone(),
                sale_price: dec("sale_price", sale_price)?,
                cost: dec("cost", cost)?,
                reorder_level: dec("reorder_level", reorder_level)?,
                is_service: *service,
            },
        )?),
        ItemCmd::List { q, low } => print(&inv::list_items(node, s, q, *low)?),
        ItemCmd::Show { id } => print(&inv::get_item(node, s, *id)?),
        ItemCmd::Ledger { id } => print(&inv::ledger(node, s, *id)?),
    }
}

pub(super) fn stock(node: &Node, s: &Session, c: &StockCmd) -> Result<()> {
    match c {
        StockCmd::Receive {
            item,
            qty,
            supplier,
            reference,
        } => print(&inv::receive(
            node,
            s,
            inv::ReceiptInput {
                item: *item,
                qty: dec("qty", qty)?,
                supplier: supplier.clone(),
                reference: reference.clone(),
                note: None,
            },
        )?),
        StockCmd::Adjust {
            item,
            delta,
            reason,
        } => print(&inv::adjust(
            node,
            s,
            inv::AdjustInput {
                item: *item,
                delta: dec("delta", delta)?,
                reason: reason.clone(),
            },
        )?),
        StockCmd::Issue {
            item,
            qty,
            technician,
            to_device,
        } => print(&inv::issue_to_technician(
            node,
            s,
            inv::IssueInput {
                item: *item,
                qty: dec("qty", qty)?,
                technician: *technician,
                to_device: *to_device,
            },
        )?),
        StockCmd::Return { item, qty } => print(&inv::return_to_store(
            node,
            s,
            inv::ReturnInput {
                item: *item,
                qty: dec("qty", qty)?,
                to_device: None,
            },
        )?),
        StockCmd::Use { item, job, qty } => print(&inv::use_on_job(
            node,
            s,
            inv::UseInput {
                job: *job,
                item: *item,
                qty: dec("qty", qty)?,
                unit_price: None,
            },
        )?),
        StockCmd::TransferOut {
            item,
            qty,
            to_branch,
            unit_value,
            eway_bill,
        } => print(&inv::transfer_out(
            node,
            s,
            inv::TransferOutInput {
                item: *item,
                qty: dec("qty", qty)?,
                to_branch: *to_branch,
                to_device: None,
                unit_value: unit_value
                    .as_deref()
                    .map(|v| dec("unit_value", v))
                    .transpose()?,
                eway_bill: eway_bill.clone(),
            },
        )?),
        StockCmd::TransferIn { transfer, received } => print(&inv::transfer_in(
            node,
            s,
            inv::TransferInInput {
                transfer: *transfer,
                received: dec("received", received)?,
            },
        )?),
        StockCmd::Transfers => print(&inv::transfers(node, s)?),
    }
}
