//! A table as a one-sheet workbook through `rust_xlsxwriter`: a bold header
//! row frozen above the data, each column as wide as its longest cell, money
//! as a number in an Indian rupee format (₹1,23,456.00), counts and
//! quantities as numbers, everything else as text.
//!
//! A spreadsheet holds a number as an IEEE double, so a money cell is
//! written as one only when that double reads back as exactly the same
//! `Decimal` (every amount of up to 15 significant digits does); an amount
//! that would not survive is written as its exact text instead. Nothing is
//! computed in floating point: the double is parsed from the decimal string.

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::{Error, Kind, Table, plain_number};

/// Rupees with lakh and crore grouping (1,23,45,678.00), the conditions
/// picking the grouping by size; below a lakh it is the usual 12,345.00.
pub const MONEY_FORMAT: &str =
    r###"[>=10000000]"₹"##\,##\,##\,##0.00;[>=100000]"₹"##\,##\,##0.00;"₹"#,##0.00"###;

/// The widest a column is made, in characters.
const MAX_WIDTH: usize = 60;

/// `v` as the double a sheet stores, if that double reads back as the
/// same decimal.
fn exact_double(v: &str) -> Option<f64> {
    let n = plain_number(v)?;
    let d: Decimal = n.parse().ok()?;
    let f: f64 = n.parse().ok()?;
    (f.is_finite() && f.to_string().parse::<Decimal>().ok()? == d).then_some(f)
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let name: String = clean.trim().chars().take(31).collect();
    if name.is_empty() {
        "Report".into()
    } else {
        name
    }
}

fn fail(e: XlsxError) -> Error {
    Error::Xlsx(e.to_string())
}

pub(crate) fn write(t: &Table) -> Result<Vec<u8>, Error> {
    write_all(&[t])
}

/// Several tables, one sheet each (named by their titles), in one workbook.
pub(crate) fn write_all(tables: &[&Table]) -> Result<Vec<u8>, Error> {
    let mut book = Workbook::new();
    for t in tables {
        sheet(&mut book, t)?;
    }
    book.save_to_buffer().map_err(fail)
}

fn sheet(book: &mut Workbook, t: &Table) -> Result<(), Error> {
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(&t.title)).map_err(fail)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(MONEY_FORMAT);
    let mut widths: Vec<usize> = t.columns.iter().map(|c| c.chars().count()).collect();
    for (col, name) in t.columns.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, name, &bold)
            .map_err(fail)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (col, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            if widths.len() <= col {
                widths.resize(col + 1, 0);
            }
            let c = col as u16;
            let kind = t.kind(col);
            let written = match (kind, exact_double(v)) {
                (Kind::Money, Some(f)) => {
                    sheet
                        .write_number_with_format(r, c, f, &money)
                        .map_err(fail)?;
                    // The ₹, the grouping commas and the paise.
                    v.len() + 6
                }
                (Kind::Integer | Kind::Decimal, Some(f)) => {
                    sheet.write_number(r, c, f).map_err(fail)?;
                    v.len()
                }
                _ => {
                    sheet.write_string(r, c, v).map_err(fail)?;
                    v.chars().count()
                }
            };
            widths[col] = widths[col].max(written);
        }
    }
    for (col, w) in widths.iter().enumerate() {
        let w = (*w).clamp(6, MAX_WIDTH) as u16 + 2;
        sheet
            .set_column_width(col as u16, f64::from(w))
            .map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn part(xlsx: &[u8], name: &str) -> String {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn a_double_is_written_only_when_it_reads_back_as_the_amount() {
        assert_eq!(exact_double("1180.50"), Some(1180.5));
        assert_eq!(exact_double("0.10"), Some(0.1));
        assert_eq!(exact_double("-12.5"), Some(-12.5));
        // 15 significant digits always survive; 16 or more may not.
        assert!(exact_double("9999999999999.99").is_some());
        assert_eq!(exact_double("99999999999999.99"), None);
        assert_eq!(exact_double("1234567890123456.78"), None);
        assert_eq!(exact_double("1e5"), None);
    }

    #[test]
    fn the_sheet_has_a_frozen_bold_header_widths_and_rupees() {
        let mut t = Table::new(
            "revenue",
            "Revenue: by/branch",
            &[
                ("branch", Kind::Text),
                ("revenue", Kind::Money),
                ("jobs", Kind::Integer),
            ],
        );
        t.rows = vec![
            vec!["A & B <1>".into(), "123456.50".into(), "3".into()],
            vec!["Far".into(), "1234567890123456.78".into(), "".into()],
        ];
        let x = t.to_xlsx().unwrap();
        let sheet = part(&x, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains(r#"state="frozen""#), "{sheet}");
        assert!(sheet.contains(r#"ySplit="1""#), "{sheet}");
        assert!(sheet.contains("<cols>"), "column widths: {sheet}");
        assert!(sheet.contains("<v>123456.5</v>"), "{sheet}");
        assert!(sheet.contains("<v>3</v>"), "{sheet}");
        let styles = part(&x, "xl/styles.xml");
        assert!(styles.contains("₹"), "{styles}");
        assert!(styles.contains("<b/>"), "{styles}");
        let strings = part(&x, "xl/sharedStrings.xml");
        assert!(strings.contains("A &amp; B &lt;1&gt;"), "{strings}");
        // Too many digits for a double: kept exact, as text.
        assert!(strings.contains("1234567890123456.78"), "{strings}");
        let book = part(&x, "xl/workbook.xml");
        assert!(book.contains(r#"name="Revenue  by branch""#), "{book}");
    }
}
