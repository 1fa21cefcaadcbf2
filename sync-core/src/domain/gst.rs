//! GST on a document: per line and per component, to the paisa, half away
//! from zero; the total rounded to the rupee with an explicit round-off line.
//!
//! - taxable value = qty × unit price − discount, rounded to the paisa;
//! - intra-state (place of supply = the branch's state): CGST and SGST, each at
//!   half the rate, each rounded to the paisa on the line's taxable value;
//! - inter-state: IGST at the full rate, rounded to the paisa;
//! - grand total = Σ (taxable + taxes) rounded to the rupee; round-off is the
//!   difference, printed as its own line.
//!
//! Rates and HSN/SAC are data on the line, never constants here.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::body::Line;
use crate::domain::money::{check_amount, to_paisa, to_rupee};
use crate::error::CoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Supply {
    /// CGST + SGST.
    IntraState,
    /// IGST.
    InterState,
}

/// Place of supply for a repair: the customer's state when known (a B2B
/// customer's GSTIN starts with it), else the branch's own state (a walk-in
/// customer is served at the counter).
pub fn supply_for(branch_state: &str, place_of_supply: &str) -> Supply {
    if branch_state == place_of_supply {
        Supply::IntraState
    } else {
        Supply::InterState
    }
}

/// The place of supply to print: the customer's state code if given, else the
/// first two digits of their GSTIN, else the branch's state.
pub fn place_of_supply(
    branch_state: &str,
    customer_state: Option<&str>,
    customer_gstin: Option<&str>,
) -> String {
    if let Some(s) = customer_state.filter(|s| !s.is_empty()) {
        return s.to_string();
    }
    // `get`, not indexing: slicing inside a multi-byte character panics.
    if let Some(state) = customer_gstin.and_then(|g| g.get(..2)) {
        return state.to_string();
    }
    branch_state.to_string()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTax {
    #[serde(with = "rust_decimal::serde::str")]
    pub taxable: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub cgst: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub sgst: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub igst: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub total: Decimal,
}

/// One row of the breakdown by rate printed on the invoice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateSummary {
    #[serde(with = "rust_decimal::serde::str")]
    pub taxable: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub cgst: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub sgst: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub igst: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub supply: Supply,
    pub lines: Vec<LineTax>,
    #[serde(with = "rust_decimal::serde::str")]
    pub taxable: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub cgst: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub sgst: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub igst: Decimal,
    /// Σ line totals before rounding to the rupee.
    #[serde(with = "rust_decimal::serde::str")]
    pub before_round_off: Decimal,
    /// Between −0.50 and +0.50.
    #[serde(with = "rust_decimal::serde::str")]
    pub round_off: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub grand_total: Decimal,
    /// Keyed by the rate as a normalized string ("18", "5", "0").
    pub by_rate: BTreeMap<String, RateSummary>,
}

/// Check one line's figures: quantity positive with at most 3 decimals,
/// prices and discount to the paisa, discount not above the gross, rate in
/// [0, 100] with at most 2 decimals.
pub fn check_line(i: usize, l: &Line) -> Result<(), CoreError> {
    check_line_named(&format!("lines[{i}]."), l)
}

/// As [`check_line`], with field names under `prefix` (empty for a lone line).
pub fn check_line_named(prefix: &str, l: &Line) -> Result<(), CoreError> {
    let f = |name: &str| format!("{prefix}{name}");
    if l.qty <= Decimal::ZERO || l.qty.normalize().scale() > 3 {
        return Err(CoreError::invalid(
            f("qty"),
            "must be greater than 0 with at most 3 decimal places",
        ));
    }
    crate::domain::stock::check_qty(&f("qty"), l.qty)?;
    check_amount(&f("unit_price"), l.unit_price)?;
    check_amount(&f("discount"), l.discount)?;
    if l.discount > l.qty * l.unit_price {
        return Err(CoreError::invalid(
            f("discount"),
            "must not exceed quantity × unit price",
        ));
    }
    if l.gst_rate < Decimal::ZERO
        || l.gst_rate > Decimal::from(100)
        || l.gst_rate.normalize().scale() > 2
    {
        return Err(CoreError::invalid(
            f("gst_rate"),
            "must be a percentage between 0 and 100 with at most 2 decimals",
        ));
    }
    crate::domain::validate::hsn_sac(&f("hsn_sac"), &l.hsn_sac)?;
    crate::domain::validate::text(&f("description"), &l.description, 1, 200)?;
    crate::domain::validate::text(&f("unit"), &l.unit, 1, 20)?;
    Ok(())
}

/// Tax of one line.
pub fn line_tax(l: &Line, supply: Supply) -> LineTax {
    let taxable = to_paisa(l.qty * l.unit_price - l.discount);
    let hundred = Decimal::from(100);
    let (cgst, sgst, igst) = match supply {
        Supply::IntraState => {
            let half = l.gst_rate / Decimal::from(2);
            let c = to_paisa(taxable * half / hundred);
            (c, c, Decimal::ZERO)
        }
        Supply::InterState => (
            Decimal::ZERO,
            Decimal::ZERO,
            to_paisa(taxable * l.gst_rate / hundred),
        ),
    };
    LineTax {
        taxable,
        cgst,
        sgst,
        igst,
        total: taxable + cgst + sgst + igst,
    }
}

/// Totals of a document. Validates every line first.
pub fn compute(lines: &[Line], supply: Supply) -> Result<Totals, CoreError> {
    if lines.is_empty() {
        return Err(CoreError::invalid(
            "lines",
            "a document needs at least one line",
        ));
    }
    if lines.len() > 500 {
        return Err(CoreError::invalid(
            "lines",
            "at most 500 lines per document",
        ));
    }
    let mut out = Totals {
        supply,
        lines: Vec::with_capacity(lines.len()),
        taxable: Decimal::ZERO,
        cgst: Decimal::ZERO,
        sgst: Decimal::ZERO,
        igst: Decimal::ZERO,
        before_round_off: Decimal::ZERO,
        round_off: Decimal::ZERO,
        grand_total: Decimal::ZERO,
        by_rate: BTreeMap::new(),
    };
    for (i, l) in lines.iter().enumerate() {
        check_line(i, l)?;
        let t = line_tax(l, supply);
        out.taxable += t.taxable;
        out.cgst += t.cgst;
        out.sgst += t.sgst;
        out.igst += t.igst;
        out.before_round_off += t.total;
        let r = out
            .by_rate
            .entry(l.gst_rate.normalize().to_string())
            .or_default();
        r.taxable += t.taxable;
        r.cgst += t.cgst;
        r.sgst += t.sgst;
        r.igst += t.igst;
        out.lines.push(t);
    }
    out.grand_total = to_rupee(out.before_round_off);
    out.round_off = out.grand_total - out.before_round_off;
    Ok(out)
}

#[cfg(test)]
mod place_of_supply_tests {
    use super::place_of_supply;

    /// Found by Schemathesis: a GSTIN starting with a multi-byte character
    /// was sliced inside it, a panic (500) instead of an answer.
    #[test]
    fn a_gstin_of_any_characters_never_panics() {
        assert_eq!(place_of_supply("29", None, Some("/\u{95}¬SS")), "29");
        assert_eq!(place_of_supply("29", None, Some("33ABCDE1234F1Z5")), "33");
        assert_eq!(place_of_supply("29", Some("27"), Some("33ABC")), "27");
        assert_eq!(place_of_supply("29", None, Some("3")), "29");
    }
}
