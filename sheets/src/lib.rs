//! A report as a [`Table`]: named, typed columns and rows of canonical text
//! (money as the `Decimal`'s own string, dates as YYYY-MM-DD), so that the
//! same cells become JSON, CSV ([`Table::to_csv`]), a workbook
//! ([`Table::to_xlsx`]) or an HTML table ([`shown`], [`heading`]). Shared by
//! the hub's dashboard and a branch's own reports; it reads and writes no
//! file and no socket.

mod csv;
mod show;
mod xlsx;

pub use show::{escape, heading, shown};

use serde::Serialize;

/// What a workbook could not be made of.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("xlsx: {0}")]
    Xlsx(String),
}

/// How a column's cells are read, written and shown; in JSON beside the
/// columns, so a screen formats them as the workbook does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    /// A whole number (a count, days, hours).
    Integer,
    /// A decimal that is not money (a GST rate, a quantity).
    Decimal,
    /// Rupees: ₹ with lakh grouping and two places.
    Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct Table {
    pub name: String,
    pub title: String,
    pub columns: Vec<String>,
    pub kinds: Vec<Kind>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(name: &str, title: &str, columns: &[(&str, Kind)]) -> Table {
        Table {
            name: name.into(),
            title: title.into(),
            columns: columns.iter().map(|c| c.0.to_string()).collect(),
            kinds: columns.iter().map(|c| c.1).collect(),
            rows: vec![],
        }
    }

    /// The kind of column `i` (text past the declared columns).
    pub fn kind(&self, i: usize) -> Kind {
        self.kinds.get(i).copied().unwrap_or(Kind::Text)
    }

    /// The index of the column named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The table as CSV; see [`csv`](crate::csv) for the formula guard.
    pub fn to_csv(&self) -> String {
        csv::write(self)
    }

    /// The same cells as [`Table::to_csv`], as a one-sheet workbook.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, Error> {
        xlsx::write(self)
    }
}

/// Several tables as one workbook, a sheet each, named by their titles
/// (distinct in their first 31 characters).
pub fn workbook(tables: &[&Table]) -> Result<Vec<u8>, Error> {
    xlsx::write_all(tables)
}

/// A number as a plain decimal (`-12.50`, `46`), or `None`: exponents,
/// `NaN` and the like are text, so nothing is silently read as a number.
pub fn plain_number(v: &str) -> Option<&str> {
    let t = v.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    let ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_only_plain_decimals() {
        assert_eq!(plain_number("1180.50"), Some("1180.50"));
        assert_eq!(plain_number("-12"), Some("-12"));
        assert_eq!(plain_number("1e5"), None);
        assert_eq!(plain_number("12."), None);
        assert_eq!(plain_number("NaN"), None);
        assert_eq!(plain_number(""), None);
    }
}
