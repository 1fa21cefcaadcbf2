//! Invoice numbers under CGST Rule 46: at most 16 characters of letters,
//! digits, `-` and `/`, the first a letter or digit; consecutive within a
//! series; unique within a financial year, with a new series each year.
//!
//! A series is (branch prefix, document type, financial year) and prints as
//! `PREFIX/YYZZ/NNNNN`, e.g. `BLR1/2526/00042` for FY 2025-26. The number is
//! zero-padded to fill the 16 characters, so a shorter prefix leaves room for
//! more documents.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

pub const MAX_LEN: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocType {
    TaxInvoice,
    CreditNote,
}

impl DocType {
    pub fn as_str(&self) -> &'static str {
        match self {
            DocType::TaxInvoice => "tax_invoice",
            DocType::CreditNote => "credit_note",
        }
    }
    pub fn parse(s: &str) -> Option<DocType> {
        match s {
            "tax_invoice" => Some(DocType::TaxInvoice),
            "credit_note" => Some(DocType::CreditNote),
            _ => None,
        }
    }
}

/// Check a document number against Rule 46's format.
pub fn check_format(number: &str) -> Result<(), CoreError> {
    let field = "number";
    if number.is_empty() {
        return Err(CoreError::invalid(field, "must not be empty"));
    }
    if number.chars().count() > MAX_LEN {
        return Err(CoreError::invalid(
            field,
            format!("`{number}` is longer than {MAX_LEN} characters (CGST Rule 46)"),
        ));
    }
    if let Some(c) = number
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '/'))
    {
        return Err(CoreError::invalid(
            field,
            format!("`{c}` is not allowed: only letters, digits, `-` and `/` (CGST Rule 46)"),
        ));
    }
    if !number
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return Err(CoreError::invalid(
            field,
            "must start with a letter or digit (CGST Rule 46)",
        ));
    }
    Ok(())
}

/// Check a series prefix: 1 to 5 letters/digits, first a letter, upper case.
pub fn check_prefix(prefix: &str) -> Result<(), CoreError> {
    let ok = (1..=5).contains(&prefix.len())
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && prefix
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase());
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "prefix",
            "must be 1 to 5 upper-case letters or digits, starting with a letter",
        ))
    }
}

/// The prefix a device numbers `doc_type` in: its own series' when it has
/// one (`hub device enroll --own-series`), else its branch's.
pub fn prefix_for<'a>(
    own: Option<&'a crate::body::OwnSeries>,
    branch_invoice: &'a str,
    branch_credit_note: &'a str,
    doc_type: DocType,
) -> &'a str {
    match (own, doc_type) {
        (Some(o), DocType::TaxInvoice) => &o.invoice_prefix,
        (Some(o), DocType::CreditNote) => &o.credit_note_prefix,
        (None, DocType::TaxInvoice) => branch_invoice,
        (None, DocType::CreditNote) => branch_credit_note,
    }
}

/// A numbering series: one per branch prefix, document type and financial year.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Series {
    pub prefix: String,
    pub doc_type: DocType,
    /// Starting calendar year of the financial year (2025 for 2025-26).
    pub fy: u16,
}

impl Series {
    pub fn new(prefix: &str, doc_type: DocType, fy: u16) -> Result<Series, CoreError> {
        check_prefix(prefix)?;
        if !(2000..=2998).contains(&fy) {
            return Err(CoreError::invalid(
                "fy",
                "financial year must be between 2000 and 2998",
            ));
        }
        Ok(Series {
            prefix: prefix.to_string(),
            doc_type,
            fy,
        })
    }

    /// "2526" for FY 2025-26.
    pub fn fy_code(&self) -> String {
        format!("{:02}{:02}", self.fy % 100, (self.fy + 1) % 100)
    }

    /// Digits available for the running number.
    pub fn width(&self) -> usize {
        MAX_LEN - self.prefix.len() - 6
    }

    /// Largest number this series can print.
    pub fn max_number(&self) -> u64 {
        10u64.pow(self.width() as u32) - 1
    }

    pub fn format(&self, n: u64) -> Result<String, CoreError> {
        if n == 0 || n > self.max_number() {
            return Err(CoreError::invalid(
                "number",
                format!(
                    "{n} is outside series {}/{} (1 to {})",
                    self.prefix,
                    self.fy_code(),
                    self.max_number()
                ),
            ));
        }
        let s = format!(
            "{}/{}/{:0w$}",
            self.prefix,
            self.fy_code(),
            n,
            w = self.width()
        );
        check_format(&s)?;
        Ok(s)
    }

    /// The running number of a printed number of this series.
    pub fn parse(&self, number: &str) -> Result<u64, CoreError> {
        check_format(number)?;
        let head = format!("{}/{}/", self.prefix, self.fy_code());
        let tail = number.strip_prefix(&head).ok_or_else(|| {
            CoreError::invalid(
                "number",
                format!("`{number}` does not belong to series {head}…"),
            )
        })?;
        if tail.len() != self.width() || !tail.chars().all(|c| c.is_ascii_digit()) {
            return Err(CoreError::invalid(
                "number",
                format!("`{number}` must end in {} digits", self.width()),
            ));
        }
        let n: u64 = tail
            .parse()
            .map_err(|_| CoreError::invalid("number", "not a number"))?;
        if n == 0 {
            return Err(CoreError::invalid("number", "numbers start at 1"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_rule_passes_and_fails() {
        // length
        assert!(check_format("ABCDEFGHIJ123456").is_ok());
        assert!(check_format("ABCDEFGHIJ1234567").is_err());
        // empty
        assert!(check_format("").is_err());
        // character set
        assert!(check_format("INV-2526/001").is_ok());
        assert!(check_format("INV_2526").is_err());
        assert!(check_format("INV 2526").is_err());
        assert!(check_format("INV#1").is_err());
        assert!(check_format("ИНВ1").is_err());
        // first character
        assert!(check_format("1INV").is_ok());
        assert!(check_format("-INV1").is_err());
        assert!(check_format("/INV1").is_err());
    }

    #[test]
    fn series_formats_with_financial_year_and_parses_back() {
        let s = Series::new("BLR1", DocType::TaxInvoice, 2025).unwrap();
        assert_eq!(s.format(42).unwrap(), "BLR1/2526/000042");
        assert_eq!(s.parse("BLR1/2526/000042").unwrap(), 42);
        assert!(
            s.parse("BLR1/2627/000042").is_err(),
            "another year's series"
        );
        assert!(s.format(0).is_err());
        assert!(s.format(s.max_number() + 1).is_err());
        let long = Series::new("MUMBA", DocType::TaxInvoice, 2099).unwrap();
        assert_eq!(long.format(99999).unwrap(), "MUMBA/9900/99999");
        assert_eq!(long.format(99999).unwrap().len(), 16);
    }

    #[test]
    fn prefix_rules() {
        assert!(check_prefix("BLR1").is_ok());
        assert!(check_prefix("").is_err());
        assert!(check_prefix("TOOLONG").is_err());
        assert!(check_prefix("blr").is_err());
        assert!(check_prefix("1BL").is_err());
    }
}
