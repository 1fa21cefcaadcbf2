//! The day-end close (what was collected, by payment mode, and what was
//! billed) and the receivables with their ageing: the drawer's and the
//! ledger's view, each with its own printable shape.

use rust_decimal::Decimal;
use serde::Serialize;
use sync_core::domain::date::Date;
use sync_core::ids::RecordId;

use super::{may_see_money, total};
use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::Node;
use crate::store::reports::{self as rows, PaymentRow};

/// What one payment mode brought in on the day.
#[derive(Clone, Debug, Serialize)]
pub struct ModeTotal {
    pub mode: &'static str,
    pub count: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

/// The day's close: the drawer (cash), UPI, card and bank, and the
/// documents issued that day.
#[derive(Clone, Debug, Serialize)]
pub struct DayEnd {
    pub date: Date,
    pub by_mode: Vec<ModeTotal>,
    #[serde(with = "rust_decimal::serde::str")]
    pub collected: Decimal,
    pub invoices: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub invoiced: Decimal,
    pub credit_notes: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub credited: Decimal,
    pub payments: Vec<PaymentRow>,
}

pub const MODES: [&str; 4] = ["cash", "upi", "card", "bank"];

pub fn day_end(node: &Node, s: &Session, date: Date) -> Result<DayEnd> {
    crate::services::own_branch(node, s)?;
    may_see_money(s)?;
    let d = date.to_string();
    let (payments, invoices, credits) = node.read(|c| {
        Ok((
            rows::payments_on(c, node.branch, &d)?,
            rows::document_totals_on(c, node.branch, &d, "tax_invoice")?,
            rows::document_totals_on(c, node.branch, &d, "credit_note")?,
        ))
    })?;
    let by_mode = MODES
        .into_iter()
        .map(|mode| {
            let of: Vec<Decimal> = payments
                .iter()
                .filter(|p| p.mode == mode)
                .map(|p| p.amount)
                .collect();
            Ok(ModeTotal {
                mode,
                count: of.len() as u32,
                amount: total(of)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(DayEnd {
        date,
        collected: total(payments.iter().map(|p| p.amount))?,
        by_mode,
        invoices: invoices.len() as u32,
        invoiced: total(invoices)?,
        credit_notes: credits.len() as u32,
        credited: total(credits)?,
        payments,
    })
}

/// The ageing buckets, by days since the invoice's date.
pub const BUCKETS: [(&str, i64, i64); 4] = [
    ("0-30 days", 0, 30),
    ("31-60 days", 31, 60),
    ("61-90 days", 61, 90),
    ("over 90 days", 91, i64::MAX),
];

#[derive(Clone, Debug, Serialize)]
pub struct Receivable {
    pub invoice: RecordId,
    pub number: String,
    pub date: String,
    pub customer_name: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub grand_total: Decimal,
    /// Owed now: the total less payments and credit notes against it.
    #[serde(with = "rust_decimal::serde::str")]
    pub due: Decimal,
    pub days: i64,
    pub bucket: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct Bucket {
    pub bucket: &'static str,
    pub count: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

#[derive(Clone, Debug, Serialize)]
pub struct Receivables {
    pub as_of: Date,
    pub buckets: Vec<Bucket>,
    #[serde(with = "rust_decimal::serde::str")]
    pub total: Decimal,
    /// Oldest first: who to call today.
    pub invoices: Vec<Receivable>,
}

pub fn receivables(node: &Node, s: &Session, as_of: Date) -> Result<Receivables> {
    crate::services::own_branch(node, s)?;
    may_see_money(s)?;
    let all = node.read(|c| rows::invoices_to(c, node.branch, &as_of.to_string()))?;
    let mut invoices = vec![];
    for i in all {
        let due = i
            .grand_total
            .checked_sub(total(i.paid)?)
            .and_then(|d| d.checked_sub(total(i.credited).ok()?))
            .ok_or_else(|| NodeError::invalid("amount", "a balance is out of range"))?;
        if due <= Decimal::ZERO {
            continue;
        }
        let days = match i.date.parse::<Date>() {
            Ok(d) => (as_of.days_since_epoch() - d.days_since_epoch()).max(0),
            Err(_) => 0,
        };
        let bucket = BUCKETS
            .iter()
            .find(|(_, lo, hi)| (*lo..=*hi).contains(&days))
            .map(|b| b.0)
            .unwrap_or(BUCKETS[3].0);
        invoices.push(Receivable {
            invoice: i.id,
            number: i.number,
            date: i.date,
            customer_name: i.customer_name,
            grand_total: i.grand_total,
            due,
            days,
            bucket,
        });
    }
    invoices.sort_by(|a, b| b.days.cmp(&a.days).then(a.number.cmp(&b.number)));
    let buckets = BUCKETS
        .iter()
        .map(|(name, ..)| {
            let of: Vec<Decimal> = invoices
                .iter()
                .filter(|r| r.bucket == *name)
                .map(|r| r.due)
                .collect();
            Ok(Bucket {
                bucket: name,
                count: of.len() as u32,
                amount: total(of)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Receivables {
        as_of,
        total: total(invoices.iter().map(|r| r.due))?,
        buckets,
        invoices,
    })
}
