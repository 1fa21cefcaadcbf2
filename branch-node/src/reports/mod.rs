//! The branch's own reports for the manager and the accountant. The day-end
//! close and the receivables ([`close`]) have shapes of their own; the rest
//! are [`sheets::Table`]s over a range of days, so the screen, CSV and XLSX
//! carry the same cells: revenue and GST ([`sales`]), jobs pending and
//! technician productivity ([`jobs`]), stock valuation and consumption
//! ([`stock`]). Figures are summed with checked `Decimal` arithmetic from the
//! rows of `store::reports`.

pub mod close;
mod jobs;
mod sales;
mod stock;

pub use close::*;

use rust_decimal::Decimal;
use sheets::Table;
use sync_core::domain::date::{Date, IST_OFFSET_MS};
use sync_core::domain::roles::Action;

use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::Node;

/// The reports as tables: (name, title).
pub const TABLES: &[(&str, &str)] = &[
    ("revenue", "Revenue by day"),
    ("gst", "GST by rate"),
    ("pending_jobs", "Jobs pending"),
    ("technicians", "Technician productivity"),
    ("stock_valuation", "Stock valuation at cost"),
    ("consumption", "Parts used and written off"),
];

/// The days a report covers, both included, in India's calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Range {
    pub from: Date,
    pub to: Date,
}

impl Range {
    /// `from`..`to`; without `to`, up to `today`; without `from`, from the
    /// first of `to`'s month (the month so far, as a shop reads it).
    pub fn new(from: Option<Date>, to: Option<Date>, today: Date) -> Result<Range> {
        let to = to.unwrap_or(today);
        let from = match from {
            Some(f) => f,
            None => Date::new(to.year, to.month, 1)?,
        };
        if from > to {
            return Err(NodeError::invalid(
                "from",
                format!(
                    "{} is after the range's end, {}",
                    from.to_indian(),
                    to.to_indian()
                ),
            ));
        }
        Ok(Range { from, to })
    }

    /// The range as Unix milliseconds: its first instant, and the first
    /// instant after it.
    fn instants(&self) -> (i64, i64) {
        let start = |d: &Date| d.days_since_epoch() * 86_400_000 - IST_OFFSET_MS;
        (start(&self.from), start(&self.to) + 86_400_000)
    }

    /// The range in words, for a title or a file name.
    pub fn words(&self) -> String {
        format!("{} to {}", self.from.to_indian(), self.to.to_indian())
    }
}

pub(crate) fn total(xs: impl IntoIterator<Item = Decimal>) -> Result<Decimal> {
    xs.into_iter().try_fold(Decimal::ZERO, |t, x| {
        t.checked_add(x)
            .ok_or_else(|| NodeError::invalid("amount", "a total is out of range"))
    })
}

/// `a × b` to the paisa, refused rather than overflowing.
pub(crate) fn times(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b)
        .map(sync_core::domain::money::to_paisa)
        .ok_or_else(|| NodeError::invalid("amount", "a value is out of range"))
}

/// An amount as a money cell: the decimal to the paisa (`1180.50`).
pub(crate) fn cell(d: Decimal) -> String {
    let mut d = sync_core::domain::money::to_paisa(d);
    d.rescale(2);
    d.to_string()
}

/// A quantity or a rate as a cell: no trailing zeros (`2`, `0.5`, `18`).
pub(crate) fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

pub(crate) fn may_see_money(s: &Session) -> Result<()> {
    s.require(Action::ViewReports)
        .or_else(|_| s.require(Action::RecordPayments))
}

/// One of [`TABLES`] over `range`, for whoever may view reports here.
pub fn table(node: &Node, s: &Session, name: &str, range: Range) -> Result<Table> {
    crate::services::own_branch(node, s)?;
    s.require(Action::ViewReports)?;
    let title = TABLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            NodeError::NotFound(format!(
                "report `{name}` (reports: {})",
                TABLES.iter().map(|t| t.0).collect::<Vec<_>>().join(", ")
            ))
        })?;
    let now = crate::node::now_ms();
    match name {
        "revenue" => sales::revenue(node, title, range),
        "gst" => sales::gst(node, title, range),
        "pending_jobs" => jobs::pending(node, title, now),
        "technicians" => jobs::technicians(node, title, range),
        "stock_valuation" => stock::valuation(node, title),
        _ => stock::consumption(node, title, range),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn a_range_defaults_to_the_month_so_far_and_refuses_to_run_backwards() {
        let today = d("2026-12-07");
        let r = Range::new(None, None, today).unwrap();
        assert_eq!((r.from, r.to), (d("2026-12-01"), today));
        let r = Range::new(None, Some(d("2026-11-15")), today).unwrap();
        assert_eq!(r.from, d("2026-11-01"));
        let e = Range::new(Some(d("2026-12-08")), None, today).unwrap_err();
        assert!(e.to_string().contains("from"), "{e}");
        // 7 December in India starts at 18:30 UTC on the 6th.
        let (a, b) = Range::new(Some(today), Some(today), today)
            .unwrap()
            .instants();
        assert_eq!(a, 1_796_581_800_000);
        assert_eq!(b - a, 86_400_000);
    }

    #[test]
    fn money_cells_have_paise_and_quantities_do_not() {
        assert_eq!(cell("1180.5".parse().unwrap()), "1180.50");
        assert_eq!(cell("0.005".parse().unwrap()), "0.01");
        assert_eq!(plain("2.000".parse().unwrap()), "2");
        assert_eq!(
            times("3".parse().unwrap(), "0.335".parse().unwrap())
                .unwrap()
                .to_string(),
            "1.01"
        );
    }
}
