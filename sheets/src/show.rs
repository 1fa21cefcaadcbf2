//! A cell and a heading as the owner and the accountant read them: money as
//! ₹1,23,456.00, a date as DD-MM-YYYY, `leased_unused` as "Leased, unused".
//! JSON, CSV and XLSX keep the machine's names and values.

use rust_decimal::Decimal;
use sync_core::domain::date::Date;

use crate::Kind;

/// Escape text for HTML and XML, dropping the control characters XML 1.0
/// cannot carry.
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

/// A column's name in words: `leased_unused` → "Leased, unused".
pub fn heading(column: &str) -> String {
    let known = [
        ("gstin", "GSTIN"),
        ("hsn_sac", "HSN/SAC"),
        ("cgst", "CGST"),
        ("sgst", "SGST"),
        ("igst", "IGST"),
        ("gst", "GST"),
        ("gst_rate", "GST rate (%)"),
        ("job_no", "Job no."),
        ("leased_unused", "Leased, unused"),
        ("oldest_days", "Oldest (days)"),
        ("avg_turnaround_hours", "Average turnaround (hours)"),
        ("qty", "Quantity"),
        ("uqc", "Unit"),
        ("fy", "Financial year"),
    ];
    if let Some((_, h)) = known.iter().find(|(c, _)| *c == column) {
        return (*h).to_string();
    }
    let words = column.replace('_', " ");
    let mut cs = words.chars();
    match cs.next() {
        Some(f) => f.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// A cell as a person reads it: money as ₹1,23,456.00 (−₹12.50 when
/// negative), a YYYY-MM-DD date as DD-MM-YYYY; everything else as it is.
pub fn shown(kind: Kind, cell: &str) -> String {
    if kind == Kind::Money
        && let Ok(d) = cell.parse::<Decimal>()
    {
        let s = sync_core::domain::money::format_inr(d);
        return match s.strip_prefix('-') {
            Some(abs) => format!("-₹{abs}"),
            None => format!("₹{s}"),
        };
    }
    if kind == Kind::Text
        && cell.len() == 10
        && let Ok(d) = cell.parse::<Date>()
    {
        return d.to_indian();
    }
    cell.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_the_owner_does() {
        assert_eq!(shown(Kind::Money, "123456.5"), "₹1,23,456.50");
        assert_eq!(shown(Kind::Money, "-12.5"), "-₹12.50");
        assert_eq!(shown(Kind::Money, "6608"), "₹6,608.00");
        assert_eq!(shown(Kind::Text, "2026-11-29"), "29-11-2026");
        assert_eq!(shown(Kind::Text, "JAY/2627/0000001"), "JAY/2627/0000001");
        assert_eq!(shown(Kind::Integer, "42"), "42");
        assert_eq!(heading("leased_unused"), "Leased, unused");
        assert_eq!(heading("oldest_days"), "Oldest (days)");
        assert_eq!(heading("net_issue"), "Net issue");
        assert_eq!(heading("gstin"), "GSTIN");
        assert_eq!(escape("a<b>&\"\u{1}"), "a&lt;b&gt;&amp;&quot;");
    }
}
