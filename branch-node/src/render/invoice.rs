//! The page of a tax invoice or credit note: who issues it, the paper it is
//! laid out for, and the page from header to signatory.

use rust_decimal::Decimal;
use sync_core::CoreError;
use sync_core::body::Document;
use sync_core::domain::gst;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::money::{amount_in_words, format_inr};
use sync_core::domain::states::state_name;

use super::einvoice::EinvoiceMark;
use super::style::CSS;
use super::tables::{lines_table, rates_table, totals_table};
use super::text::esc;
use super::upi::{qr_svg, upi_link};

/// Who issues the document (the branch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Supplier<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub gstin: &'a str,
    pub state_code: &'a str,
    pub upi_id: Option<&'a str>,
}

/// The paper the page is laid out for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Paper {
    /// A4 sheet (the default).
    #[default]
    A4,
    /// 80 mm thermal roll.
    Thermal80mm,
}

impl Paper {
    fn class(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Thermal80mm => "thermal",
        }
    }

    fn page_rule(self) -> &'static str {
        match self {
            Paper::A4 => "@page { size: A4; margin: 12mm; }",
            Paper::Thermal80mm => "@page { size: 80mm auto; margin: 4mm; }",
        }
    }
}

/// "Karnataka (29)"; an unknown code prints as "State code 99". Escaped.
fn state_label(code: &str) -> String {
    match state_name(code) {
        Some(name) => format!("{} ({})", esc(name), esc(code)),
        None => format!("State code {}", esc(code)),
    }
}

/// Render a finalized tax invoice or credit note as a printable,
/// self-contained HTML page.
///
/// `paid` is what has been received against the document (for a credit note:
/// refunded); the page shows it and the balance. `cancelled` prints a
/// "CANCELLED" banner and watermark and suppresses the payment QR. The UPI QR
/// appears only on a tax invoice with a balance due when the supplier has a
/// UPI id.
///
/// The supplier GSTIN and state printed (and deciding CGST+SGST against
/// IGST) are the document's own, as issued; `supplier.gstin` and
/// `supplier.state_code` stand in only when the document's are empty.
///
/// Errors when the lines do not compute (see [`gst::compute`]) or the
/// recomputed grand total differs from the one on the document.
pub fn document_html(
    doc: &Document,
    supplier: &Supplier,
    paid: Decimal,
    cancelled: bool,
    paper: Paper,
) -> Result<String, CoreError> {
    document_html_marked(doc, supplier, paid, cancelled, paper, EinvoiceMark::None)
}

/// As [`document_html`], with the invoice's e-invoice block (its IRN, the
/// IRP's acknowledgement and signed QR, or "IRN pending") above its lines.
pub fn document_html_marked(
    doc: &Document,
    supplier: &Supplier,
    paid: Decimal,
    cancelled: bool,
    paper: Paper,
    einvoice: EinvoiceMark<'_>,
) -> Result<String, CoreError> {
    // The document's own GSTIN and state are what was issued; the branch's
    // current ones only stand in when the document lacks them.
    let supplier_gstin = Some(doc.supplier_gstin.as_str())
        .filter(|g| !g.is_empty())
        .unwrap_or(supplier.gstin);
    let supplier_state = Some(doc.supplier_state.as_str())
        .filter(|s| !s.is_empty())
        .unwrap_or(supplier.state_code);
    let supply = gst::supply_for(supplier_state, &doc.place_of_supply);
    let totals = gst::compute(&doc.lines, supply)?;
    if totals.grand_total != doc.grand_total {
        return Err(CoreError::invalid(
            "grand_total",
            format!(
                "the document says {} but its lines add up to {}",
                format_inr(doc.grand_total),
                format_inr(totals.grand_total)
            ),
        ));
    }
    let is_invoice = doc.doc_type == DocType::TaxInvoice;
    let title = if is_invoice {
        "TAX INVOICE"
    } else {
        "CREDIT NOTE"
    };
    let balance = totals.grand_total - paid;

    let mut h = String::with_capacity(16 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{} {}</title>\n", title, esc(&doc.number)));
    h.push_str("<style>\n");
    h.push_str(paper.page_rule());
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n");
    h.push_str(&format!(
        "<body class=\"{}\">\n<div class=\"page\">\n",
        paper.class()
    ));

    if cancelled {
        h.push_str("<div class=\"watermark\" aria-hidden=\"true\">CANCELLED</div>\n");
        h.push_str("<div class=\"cancel-banner\">CANCELLED</div>\n");
    }

    // Supplier.
    h.push_str("<div class=\"supplier\">\n");
    h.push_str(&format!(
        "<div class=\"name\">{}</div>\n",
        esc(supplier.name)
    ));
    h.push_str(&format!(
        "<div class=\"address\">{}</div>\n",
        esc(supplier.address)
    ));
    h.push_str(&format!(
        "<div><span class=\"label\">GSTIN:</span> {}</div>\n",
        esc(supplier_gstin)
    ));
    h.push_str(&format!(
        "<div><span class=\"label\">State:</span> {}</div>\n",
        state_label(supplier_state)
    ));
    h.push_str("</div>\n");

    h.push_str(&format!("<h1>{title}</h1>\n"));

    // Number, date, place of supply, reverse charge.
    h.push_str("<table class=\"meta\"><tr>\n");
    h.push_str(&format!(
        "<td><span class=\"label\">{} No.:</span> {}<br>\
         <span class=\"label\">Date:</span> {}</td>\n",
        if is_invoice { "Invoice" } else { "Credit Note" },
        esc(&doc.number),
        esc(&doc.date.to_indian())
    ));
    h.push_str(&format!(
        "<td><span class=\"label\">Place of supply:</span> {}<br>\
         <span class=\"label\">Whether tax is payable on reverse charge:</span> No</td>\n",
        state_label(&doc.place_of_supply)
    ));
    h.push_str("</tr></table>\n");

    if !is_invoice {
        if let Some(a) = &doc.against {
            h.push_str(&format!(
                "<div class=\"against\">Against invoice {} dated {}</div>\n",
                esc(&a.number),
                esc(&a.date.to_indian())
            ));
        }
        if let Some(r) = doc.reason.as_deref().filter(|r| !r.is_empty()) {
            h.push_str(&format!(
                "<div class=\"note\"><span class=\"label\">Reason:</span> {}</div>\n",
                esc(r)
            ));
        }
    }

    // Recipient.
    h.push_str("<table class=\"parties\"><tr>\n<td>");
    h.push_str(&format!(
        "<div class=\"label\">{}</div>\n",
        if is_invoice {
            "Bill to (recipient)"
        } else {
            "Recipient"
        }
    ));
    h.push_str(&format!(
        "<div class=\"cust-name\">{}</div>\n",
        esc(&doc.customer_name)
    ));
    if let Some(addr) = doc.customer_address.as_deref().filter(|a| !a.is_empty()) {
        h.push_str(&format!(
            "<div class=\"cust-address\">{}</div>\n",
            esc(addr)
        ));
    }
    match doc.customer_gstin.as_deref().filter(|g| !g.is_empty()) {
        Some(g) => h.push_str(&format!(
            "<div><span class=\"label\">GSTIN:</span> {}</div>\n",
            esc(g)
        )),
        None => h.push_str("<div><span class=\"label\">GSTIN:</span> Unregistered</div>\n"),
    }
    h.push_str("</td></tr></table>\n");

    super::einvoice::section(&mut h, einvoice);
    lines_table(&mut h, doc, &totals);
    totals_table(&mut h, &totals, is_invoice, paid, balance);
    h.push_str(&format!(
        "<div class=\"words\"><span class=\"label\">Amount in words:</span> {}</div>\n",
        esc(&amount_in_words(totals.grand_total))
    ));
    rates_table(&mut h, &totals);

    // UPI QR for what is still owed.
    let upi = supplier
        .upi_id
        .filter(|u| !u.is_empty() && is_invoice && !cancelled && balance > Decimal::ZERO);
    if let Some(upi) = upi {
        let link = upi_link(upi, supplier.name, balance, &doc.number);
        let qr = qr_svg(&link);
        if !qr.is_empty() {
            h.push_str("<div class=\"upi\">\n");
            h.push_str(&format!(
                "<div class=\"label\">Scan to pay ₹{} by UPI</div>\n",
                format_inr(balance)
            ));
            h.push_str(&qr);
            h.push_str(&format!(
                "\n<div>UPI ID: {}</div>\n<div class=\"link\"><a href=\"{}\">{}</a></div>\n",
                esc(upi),
                esc(&link),
                esc(&link)
            ));
            h.push_str("</div>\n");
        }
    }

    h.push_str(&format!(
        "<div class=\"sign\">For {}<div class=\"space\"></div>Authorised signatory</div>\n",
        esc(supplier.name)
    ));
    h.push_str("</div>\n</body>\n</html>\n");
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_print_as_name_and_code() {
        assert_eq!(state_label("29"), "Karnataka (29)");
        assert_eq!(state_label("96"), "Foreign Country (96)");
        assert_eq!(state_label("97"), "Other Territory (97)");
        assert_eq!(state_label("99"), "State code 99");
        assert_eq!(state_label("<b>"), "State code &lt;b&gt;");
    }
}
