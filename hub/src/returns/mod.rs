//! GST returns for an accountant to file: GSTR-1 as the GST portal's
//! offline tool takes it ([`gstr1`]) and GSTR-3B's outward summary
//! ([`gstr3b`]), per GSTIN and month, computed from the signed documents
//! themselves (their lines, through the same `gst::compute` that issued
//! them), so a return can never disagree with the invoices it reports;
//! and the same month's books as Tally vouchers ([`tally`]), for those who
//! keep their accounts there.
//!
//! Pure functions over what the store reads ([`Filed`], [`Block`],
//! [`Received`]); the store reads, these decide.

pub mod gstr1;
pub mod gstr3b;
pub mod http;
mod sheet;
pub mod tally;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use sync_core::body::{Document, PaymentMode};
use sync_core::domain::date::Date;

use crate::error::{HubError, Result};
use crate::store::HubStore;

/// What a return of `gstin` for `period` is made from: the documents of
/// its financial year up to the period's end (table 13 needs each block's
/// earlier numbers), and its series' lease blocks.
pub fn read(store: &dyn HubStore, gstin: &str, period: Period) -> Result<(Vec<Filed>, Vec<Block>)> {
    let gstin = ours(store, gstin)?;
    let fy_start = Date {
        year: period.first().financial_year(),
        month: 4,
        day: 1,
    };
    let filed = store.return_documents(gstin, fy_start, period.last())?;
    Ok((filed, store.series_blocks(gstin)?))
}

/// `gstin`, trimmed, if it is well formed and one this business bills under.
fn ours<'a>(store: &dyn HubStore, gstin: &'a str) -> Result<&'a str> {
    let gstin = gstin.trim();
    sync_core::domain::validate::gstin("gstin", gstin)?;
    let known = store.gstins()?;
    if !known.iter().any(|g| g == gstin) {
        return Err(HubError::invalid(
            "gstin",
            format!(
                "no branch of this business bills under {gstin} (its GSTINs: {})",
                known.join(", ")
            ),
        ));
    }
    Ok(gstin)
}

/// The GSTR-1 of `gstin` for `period` (MMYYYY).
pub fn gstr1_of(store: &dyn HubStore, gstin: &str, period: &str) -> Result<gstr1::Gstr1> {
    let period = Period::parse(period)?;
    let (filed, blocks) = read(store, gstin, period)?;
    Ok(gstr1::gstr1(gstin.trim(), period, &filed, &blocks))
}

/// GSTR-3B's outward summary of `gstin` for `period` (MMYYYY).
pub fn gstr3b_of(store: &dyn HubStore, gstin: &str, period: &str) -> Result<gstr3b::Gstr3b> {
    let period = Period::parse(period)?;
    let (filed, _) = read(store, gstin, period)?;
    let inward = store.return_inward(gstin.trim(), period.first(), period.last())?;
    Ok(gstr3b::gstr3b(gstin.trim(), period, &filed, &inward))
}

/// The vouchers of `gstin` for `period` (MMYYYY) as a Tally import file,
/// for the business's company in Tally.
pub fn tally_of(store: &dyn HubStore, gstin: &str, period: &str) -> Result<String> {
    let period = Period::parse(period)?;
    let gstin = ours(store, gstin)?;
    let (from, to) = (period.first(), period.last());
    let filed = store.return_documents(gstin, from, to)?;
    let received = store.return_receipts(gstin, from, to)?;
    let bought = store.return_purchases(gstin, from, to)?;
    let paid_out = store.return_supplier_payments(gstin, from, to)?;
    tally::vouchers(
        &store.business_name()?,
        gstin,
        period,
        &filed,
        &received,
        &bought,
        &paid_out,
    )
}

/// A return's month, `fp` as the portal writes it: MMYYYY.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    pub year: u16,
    pub month: u8,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period> {
        let bad = || {
            HubError::invalid(
                "period",
                "must be the month as MMYYYY, e.g. 112026 for November 2026",
            )
        };
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let month: u8 = s[..2].parse().map_err(|_| bad())?;
        let year: u16 = s[2..].parse().map_err(|_| bad())?;
        Date::new(year, month, 1).map_err(|_| bad())?;
        Ok(Period { year, month })
    }

    pub fn fp(&self) -> String {
        format!("{:02}{:04}", self.month, self.year)
    }

    pub fn first(&self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: 1,
        }
    }

    pub fn last(&self) -> Date {
        let mut day = 31;
        loop {
            if let Ok(d) = Date::new(self.year, self.month, day) {
                return d;
            }
            day -= 1;
        }
    }

    pub fn contains(&self, d: Date) -> bool {
        d.year == self.year && d.month == self.month
    }

    /// From `(year, month)` on (inclusive).
    pub fn from(&self, year: u16, month: u8) -> bool {
        (self.year, self.month) >= (year, month)
    }
}

/// A supplier's bill a GSTIN's branch recorded, and that branch's state
/// (with the supplier's, whether its tax is IGST or CGST and SGST).
#[derive(Clone, Debug)]
pub struct Bought {
    pub purchase: sync_core::body::Purchase,
    pub our_state: String,
}

/// Money a GSTIN's branch paid a supplier, against one of its bills.
#[derive(Clone, Debug)]
pub struct PaidOut {
    pub supplier: String,
    pub bill_number: String,
    pub amount: Decimal,
    pub mode: sync_core::body::PaymentMode,
    pub reference: Option<String>,
    pub date: Date,
}

/// A registered supplier's tax invoice a GSTIN's branch took in: the tax
/// on it is input tax credit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inward {
    pub supplier_gstin: String,
    pub number: String,
    pub date: String,
    pub taxable: Decimal,
    pub igst: Decimal,
    pub cgst: Decimal,
    pub sgst: Decimal,
}

/// A document of the GSTIN, as the hub holds it.
#[derive(Clone, Debug)]
pub struct Filed {
    pub doc: Document,
    pub cancelled: bool,
    /// For a credit note, the grand total of the invoice it cites.
    pub original_total: Option<Decimal>,
}

/// A payment received by a branch of the GSTIN: money in, against an
/// invoice or (an advance) a job.
#[derive(Clone, Debug)]
pub struct Received {
    pub date: Date,
    pub amount: Decimal,
    pub mode: PaymentMode,
    /// The UPI, card or bank reference, as the counter took it.
    pub reference: Option<String>,
    /// Who paid: the invoice's customer, or the job's.
    pub party: String,
    /// The number of the invoice it settles.
    pub invoice: Option<String>,
    /// The job it is an advance on, when there is no invoice yet.
    pub job: Option<String>,
}

/// A block of numbers leased to a device, and the day it was retired (its
/// device revoked), after which its unused numbers will never be issued.
#[derive(Clone, Debug)]
pub struct Block {
    pub doc_type: sync_core::domain::invoice_no::DocType,
    pub prefix: String,
    pub fy: u16,
    pub first: u64,
    pub last: u64,
    pub retired_on: Option<Date>,
}

/// An amount as the portal's JSON has it: a number with two decimals,
/// written from the `Decimal` (never through a float).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(pub Decimal);

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let text = self
            .0
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .to_string();
        let raw = serde_json::value::RawValue::from_string(text_2dp(&text))
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

/// `text` (a decimal) with exactly two decimals.
fn text_2dp(text: &str) -> String {
    match text.split_once('.') {
        None => format!("{text}.00"),
        Some((i, f)) => format!("{i}.{:0<2}", f),
    }
}

/// A rate as a JSON number (`18`, `0.25`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(pub Decimal);

/// A quantity as a JSON number, to its own decimals (`2`, `1.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Qty(pub Decimal);

fn plain<S: Serializer>(d: Decimal, s: S) -> std::result::Result<S::Ok, S::Error> {
    serde_json::value::RawValue::from_string(d.normalize().to_string())
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        plain(self.0, s)
    }
}

impl Serialize for Qty {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        plain(self.0, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_numbers_with_two_decimals_and_periods_are_months() {
        let j = |d: &str| serde_json::to_string(&Amount(d.parse().unwrap())).unwrap();
        assert_eq!(j("1234.5"), "1234.50");
        assert_eq!(j("7"), "7.00");
        assert_eq!(j("-0.125"), "-0.13");
        assert_eq!(j("0.004"), "0.00");
        assert_eq!(
            serde_json::to_string(&Rate("18.00".parse().unwrap())).unwrap(),
            "18"
        );
        assert_eq!(Period::parse("112026").unwrap().fp(), "112026");
        assert_eq!(Period::parse("022028").unwrap().last().day, 29);
        for bad in ["132026", "11-2026", "1126", "00202a"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
