//! A minimal Office Open XML workbook writer: one sheet, text cells as inline
//! strings, numbers as numbers. Enough for Excel, LibreOffice and Google
//! Sheets to open a report and sum its columns, without a spreadsheet crate.
//!
//! Money is written from the `Decimal`'s own string into the cell's `<v>`,
//! never through `f64`, and shown with the built-in `0.00` format; what the
//! spreadsheet then does with it is the spreadsheet's business.

use std::io::Write;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::error::{HubError, Result};

/// How a column's cells are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A whole number (a count, days, hours).
    Integer,
    /// A decimal that is not money (a GST rate, a quantity): general format.
    Decimal,
    /// Rupees: a number shown with two decimals.
    Money,
}

/// Style indexes in [`STYLES`]' `cellXfs`.
const STYLE_HEADER: u8 = 1;
const STYLE_MONEY: u8 = 2;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// cellXfs: 0 general, 1 bold (the header row), 2 built-in format 2 (`0.00`).
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#;

/// Escape text for XML, dropping the control characters XML 1.0 cannot carry.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// The column letters of a 0-based index: A, B, …, Z, AA, …
pub fn column_name(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// A number as the sheet stores it, or `None` if the text is not one
/// (written as text instead, so nothing is silently turned into 0).
pub(crate) fn number(v: &str) -> Option<&str> {
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

fn sheet_xml(columns: &[String], kinds: &[Kind], rows: &[Vec<String>]) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>"#,
    );
    let text = |x: &mut String, r: &str, v: &str, style: Option<u8>| {
        let s = style.map(|s| format!(" s=\"{s}\"")).unwrap_or_default();
        x.push_str(&format!(
            "<c r=\"{r}\" t=\"inlineStr\"{s}><is><t xml:space=\"preserve\">{}</t></is></c>",
            escape(v)
        ));
    };
    x.push_str("<row r=\"1\">");
    for (i, c) in columns.iter().enumerate() {
        text(
            &mut x,
            &format!("{}1", column_name(i)),
            c,
            Some(STYLE_HEADER),
        );
    }
    x.push_str("</row>");
    for (n, row) in rows.iter().enumerate() {
        let rn = n + 2;
        x.push_str(&format!("<row r=\"{rn}\">"));
        for (i, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let r = format!("{}{rn}", column_name(i));
            let kind = kinds.get(i).copied().unwrap_or(Kind::Text);
            match (kind, number(v)) {
                (Kind::Text, _) | (_, None) => text(&mut x, &r, v, None),
                (Kind::Money, Some(n)) => {
                    x.push_str(&format!("<c r=\"{r}\" s=\"{STYLE_MONEY}\"><v>{n}</v></c>"))
                }
                (Kind::Integer | Kind::Decimal, Some(n)) => {
                    x.push_str(&format!("<c r=\"{r}\"><v>{n}</v></c>"))
                }
            }
        }
        x.push_str("</row>");
    }
    x.push_str("</sheetData></worksheet>");
    x
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    let name: String = clean.chars().take(31).collect();
    if name.is_empty() {
        "Report".into()
    } else {
        name
    }
}

/// A workbook of one sheet named after `title`: a bold, frozen header row of
/// `columns`, then `rows`, each cell written as its column's [`Kind`].
pub fn workbook(
    title: &str,
    columns: &[String],
    kinds: &[Kind],
    rows: &[Vec<String>],
) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| HubError::Export(format!("xlsx: {e}"));
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        escape(&sheet_name(title))
    );
    let sheet = sheet_xml(columns, kinds, rows);
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut z = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", workbook.as_str()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/styles.xml", STYLES),
        ("xl/worksheets/sheet1.xml", sheet.as_str()),
    ] {
        z.start_file(name, opts).map_err(|e| fail(&e))?;
        z.write_all(body.as_bytes()).map_err(|e| fail(&e))?;
    }
    Ok(z.finish().map_err(|e| fail(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn numbers_are_only_plain_decimals() {
        assert_eq!(number("1180.50"), Some("1180.50"));
        assert_eq!(number("-12"), Some("-12"));
        assert_eq!(number("1e5"), None);
        assert_eq!(number("12."), None);
        assert_eq!(number("NaN"), None);
        assert_eq!(number(""), None);
    }

    #[test]
    fn money_is_the_decimal_string_with_two_places() {
        let x = sheet_xml(
            &["branch".into(), "revenue".into()],
            &[Kind::Text, Kind::Money],
            &[vec!["A & B <1>".into(), "1234567890123456.78".into()]],
        );
        assert!(
            x.contains(r#"<c r="B2" s="2"><v>1234567890123456.78</v></c>"#),
            "{x}"
        );
        assert!(x.contains("A &amp; B &lt;1&gt;"), "{x}");
    }
}
