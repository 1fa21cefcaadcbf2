//! The page's tables: one row per line, the totals with what is paid and
//! owed, and the tax by GST rate.

use rust_decimal::Decimal;
use sync_core::body::Document;
use sync_core::domain::gst::{Supply, Totals};
use sync_core::domain::money::format_inr;

use super::text::{esc, plain, signed_inr};

pub(super) fn lines_table(h: &mut String, doc: &Document, totals: &Totals) {
    let intra = totals.supply == Supply::IntraState;
    h.push_str("<table class=\"lines\">\n<thead><tr>");
    h.push_str(
        "<th>#</th><th>Description</th><th>HSN/SAC</th><th>Qty</th><th>Rate</th>\
         <th>Discount</th><th>Taxable value</th><th>GST %</th>",
    );
    if intra {
        h.push_str("<th>CGST</th><th>SGST</th>");
    } else {
        h.push_str("<th>IGST</th>");
    }
    h.push_str("<th>Total</th></tr></thead>\n<tbody>\n");
    for (i, (l, t)) in doc.lines.iter().zip(&totals.lines).enumerate() {
        let half = plain(l.gst_rate / Decimal::TWO);
        h.push_str("<tr>");
        h.push_str(&format!("<td class=\"num\">{}</td>", i + 1));
        h.push_str(&format!("<td class=\"desc\">{}</td>", esc(&l.description)));
        h.push_str(&format!(
            "<td data-label=\"HSN/SAC\">{}</td>",
            esc(&l.hsn_sac)
        ));
        h.push_str(&format!(
            "<td class=\"num\" data-label=\"Qty\">{} {}</td>",
            plain(l.qty),
            esc(&l.unit)
        ));
        h.push_str(&format!(
            "<td class=\"num\" data-label=\"@\">{}</td>",
            format_inr(l.unit_price)
        ));
        h.push_str(&format!(
            "<td class=\"num\" data-label=\"Disc\">{}</td>",
            format_inr(l.discount)
        ));
        h.push_str(&format!(
            "<td class=\"num\" data-label=\"Taxable\">{}</td>",
            format_inr(t.taxable)
        ));
        h.push_str(&format!(
            "<td class=\"num\" data-label=\"GST\">{}%</td>",
            plain(l.gst_rate)
        ));
        if intra {
            h.push_str(&format!(
                "<td class=\"num\" data-label=\"CGST {half}%\">{}</td>",
                format_inr(t.cgst)
            ));
            h.push_str(&format!(
                "<td class=\"num\" data-label=\"SGST {half}%\">{}</td>",
                format_inr(t.sgst)
            ));
        } else {
            h.push_str(&format!(
                "<td class=\"num\" data-label=\"IGST\">{}</td>",
                format_inr(t.igst)
            ));
        }
        h.push_str(&format!(
            "<td class=\"num\" data-label=\"Total\">{}</td>",
            format_inr(t.total)
        ));
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

pub(super) fn totals_table(
    h: &mut String,
    t: &Totals,
    is_invoice: bool,
    paid: Decimal,
    balance: Decimal,
) {
    let row = |h: &mut String, class: &str, label: &str, value: &str| {
        h.push_str(&format!(
            "<tr class=\"{class}\"><td>{label}</td><td class=\"num\">{value}</td></tr>\n"
        ));
    };
    h.push_str("<table class=\"totals\">\n");
    row(h, "taxable", "Taxable value", &format_inr(t.taxable));
    match t.supply {
        Supply::IntraState => {
            row(h, "cgst", "CGST", &format_inr(t.cgst));
            row(h, "sgst", "SGST", &format_inr(t.sgst));
        }
        Supply::InterState => row(h, "igst", "IGST", &format_inr(t.igst)),
    }
    row(h, "round-off", "Round-off", &signed_inr(t.round_off));
    row(h, "grand", "Grand total (₹)", &format_inr(t.grand_total));
    let (paid_label, due_label, excess_label) = if is_invoice {
        ("Amount paid", "Balance due", "Excess received")
    } else {
        ("Amount refunded", "Balance to refund", "Refunded in excess")
    };
    row(h, "paid", paid_label, &format_inr(paid));
    if balance < Decimal::ZERO {
        row(h, "balance", excess_label, &format_inr(-balance));
    } else {
        row(h, "balance", due_label, &format_inr(balance));
    }
    h.push_str("</table>\n");
}

pub(super) fn rates_table(h: &mut String, t: &Totals) {
    let intra = t.supply == Supply::IntraState;
    h.push_str("<table class=\"rates\">\n<thead><tr><th>GST rate</th><th>Taxable value</th>");
    if intra {
        h.push_str("<th>CGST</th><th>SGST</th>");
    } else {
        h.push_str("<th>IGST</th>");
    }
    h.push_str("<th>Total tax</th></tr></thead>\n<tbody>\n");
    // `by_rate` is keyed by strings; print in numeric order, not "18" < "5".
    let mut rates: Vec<_> = t.by_rate.iter().collect();
    rates.sort_by_key(|(k, _)| k.parse::<Decimal>().unwrap_or(Decimal::ZERO));
    for (rate, r) in rates {
        h.push_str(&format!(
            "<tr><td>{}%</td><td class=\"num\">{}</td>",
            esc(rate),
            format_inr(r.taxable)
        ));
        if intra {
            h.push_str(&format!(
                "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
                format_inr(r.cgst),
                format_inr(r.sgst)
            ));
        } else {
            h.push_str(&format!("<td class=\"num\">{}</td>", format_inr(r.igst)));
        }
        h.push_str(&format!(
            "<td class=\"num\">{}</td></tr>\n",
            format_inr(r.cgst + r.sgst + r.igst)
        ));
    }
    h.push_str("</tbody>\n</table>\n");
}
