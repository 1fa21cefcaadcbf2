//! Printable documents: a finalized tax invoice or credit note as one
//! self-contained HTML page (inline CSS, inline SVG; no scripts, no external
//! resources), plus the UPI payment link and its QR code.
//!
//! Pure functions: no I/O, no SQL, no clock. The figures printed are
//! recomputed from the document's lines with [`gst::compute`]; a document
//! whose stored grand total disagrees is refused rather than printed.
//!
//! The page carries every field CGST Rule 46 asks of a tax invoice (and Rule
//! 53 of a credit note): supplier name, address and GSTIN; a consecutive
//! number and the date; recipient name, address and GSTIN (or
//! "Unregistered"); place of supply as state name and code; per line the
//! description, HSN/SAC, quantity and unit, rate, discount, taxable value, GST
//! rate and the tax amounts; totals; whether tax is payable on reverse charge;
//! and the authorised signatory.
//!
//! Every text that comes from the document or the supplier goes through
//! [`esc`]: a customer name is data, never markup.

use rust_decimal::Decimal;
use sync_core::CoreError;
use sync_core::body::Document;
use sync_core::domain::gst::{self, Supply, Totals};
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::money::{amount_in_words, format_inr, to_paisa};

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
            Paper::Thermal80mm => "@page { size: 80mm auto; margin: 2mm; }",
        }
    }
}

pub use sync_core::domain::states::{GST_STATES, state_name};

/// "Karnataka (29)"; an unknown code prints as "State code 99". Escaped.
fn state_label(code: &str) -> String {
    match state_name(code) {
        Some(name) => format!("{} ({})", esc(name), esc(code)),
        None => format!("State code {}", esc(code)),
    }
}

/// HTML-escape text for element content and quoted attribute values
/// (`&`, `<`, `>`, `"`, `'`).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encode a query parameter value: everything but RFC 3986
/// unreserved characters is encoded (a space as `%20`, never `+`). `@` is
/// kept as is: it is legal in a query and every UPI app expects it literal in
/// a VPA.
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The UPI deep link for paying `amount` to `upi_id`:
/// `upi://pay?pa=..&pn=..&am=..&cu=INR&tn=..`, every parameter
/// percent-encoded; the amount with exactly two decimals and no grouping.
pub fn upi_link(upi_id: &str, payee_name: &str, amount: Decimal, note: &str) -> String {
    let am = format!("{:.2}", to_paisa(amount));
    format!(
        "upi://pay?pa={}&pn={}&am={}&cu=INR&tn={}",
        pct(upi_id),
        pct(payee_name),
        pct(&am),
        pct(note)
    )
}

/// An inline SVG QR code of `text` (error-correction level M, with its quiet
/// zone), ready to place inside HTML. Empty if `text` is too long for any QR
/// version (about 2,300 bytes at level M).
pub fn qr_svg(text: &str) -> String {
    use qrcode::render::svg;
    use qrcode::{EcLevel, QrCode};
    let Ok(code) = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) else {
        return String::new();
    };
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    // The renderer writes a standalone file; inline SVG needs no XML prolog.
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].replacen(
        "<svg ",
        "<svg class=\"qr\" role=\"img\" aria-label=\"UPI payment QR code\" ",
        1,
    )
}

/// A quantity or rate without trailing zeros: 1.500 → "1.5", 18.00 → "18".
fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Round-off with its sign: "+0.40", "-0.32", "0.00".
fn signed_inr(d: Decimal) -> String {
    if d > Decimal::ZERO && !to_paisa(d).is_zero() {
        format!("+{}", format_inr(d))
    } else {
        format_inr(d)
    }
}

const CSS: &str = r#"
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10pt; color: #000; background: #eee; }
.page { position: relative; background: #fff; margin: 0 auto; padding: 10mm; }
.a4 .page { width: 210mm; min-height: 297mm; }
.thermal .page { width: 80mm; padding: 2mm; font-size: 8pt; }
h1 { font-size: 14pt; text-align: center; margin: 0 0 4px; letter-spacing: 1px; }
.thermal h1 { font-size: 11pt; }
.supplier { text-align: center; margin-bottom: 6px; }
.supplier .name { font-size: 13pt; font-weight: bold; }
.thermal .supplier .name { font-size: 10pt; }
.meta, .parties { width: 100%; border-collapse: collapse; margin-bottom: 6px; }
.meta td, .parties td { vertical-align: top; padding: 2px 4px; }
.a4 .parties td { width: 50%; border: 1px solid #000; }
.label { font-weight: bold; }
table.lines, table.rates, table.totals { width: 100%; border-collapse: collapse; margin-bottom: 6px; }
table.lines th, table.lines td, table.rates th, table.rates td { border: 1px solid #000; padding: 2px 4px; }
th { background: #f0f0f0; }
.num { text-align: right; white-space: nowrap; }
table.totals { width: auto; margin-left: auto; }
table.totals td { padding: 1px 6px; }
table.totals tr.grand td { font-weight: bold; border-top: 1px solid #000; border-bottom: 1px solid #000; font-size: 11pt; }
.words { font-style: italic; margin: 4px 0; }
.note { margin: 2px 0; }
.against { margin: 4px 0; font-weight: bold; }
.upi { margin: 8px 0; text-align: center; }
.upi svg.qr { width: 40mm; height: 40mm; }
.thermal .upi svg.qr { width: 36mm; height: 36mm; }
.upi .link { font-size: 7pt; word-break: break-all; }
.sign { margin-top: 24px; text-align: right; }
.sign .space { height: 36px; }
.cancel-banner { border: 3px solid #c00; color: #c00; text-align: center; font-size: 16pt; font-weight: bold; padding: 4px; margin-bottom: 6px; letter-spacing: 4px; }
.watermark { position: absolute; top: 40%; left: 0; right: 0; text-align: center; font-size: 72pt; font-weight: bold; color: rgba(204, 0, 0, 0.18); transform: rotate(-30deg); pointer-events: none; letter-spacing: 8px; }
.thermal .watermark { font-size: 28pt; }
/* 80 mm roll: each line becomes a small block instead of a wide row. */
.thermal .parties td { display: block; width: 100%; }
.thermal table.lines thead { display: none; }
.thermal table.lines tr { display: block; border-bottom: 1px dashed #000; padding: 2px 0; }
.thermal table.lines td { display: inline; border: none; padding: 0 2px 0 0; }
.thermal table.lines td.desc { display: block; font-weight: bold; }
.thermal table.lines td[data-label]::before { content: attr(data-label) " "; font-weight: normal; color: #333; }
.thermal table.rates th, .thermal table.rates td { padding: 1px 2px; }
@media print {
  body { background: #fff; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .page { margin: 0; padding: 0; min-height: 0; box-shadow: none; }
  .a4 .page { width: auto; }
  .thermal .page { width: 76mm; }
  tr { page-break-inside: avoid; }
}
"#;

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

fn lines_table(h: &mut String, doc: &Document, totals: &Totals) {
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

fn totals_table(h: &mut String, t: &Totals, is_invoice: bool, paid: Decimal, balance: Decimal) {
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

fn rates_table(h: &mut String, t: &Totals) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::body::{DocRef, Line, LineKind};
    use sync_core::domain::date::Date;
    use sync_core::ids::RecordId;

    fn id(n: u8) -> RecordId {
        RecordId::from_bytes([n; 16])
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[allow(clippy::too_many_arguments)]
    fn line(
        n: u8,
        kind: LineKind,
        desc: &str,
        hsn: &str,
        qty: &str,
        unit: &str,
        price: &str,
        disc: &str,
        rate: &str,
    ) -> Line {
        Line {
            id: id(n),
            kind,
            item: None,
            description: desc.into(),
            hsn_sac: hsn.into(),
            qty: d(qty),
            unit: unit.into(),
            unit_price: d(price),
            discount: d(disc),
            gst_rate: d(rate),
        }
    }

    const SUPPLIER: Supplier<'static> = Supplier {
        name: "Fixit Computers & Co",
        address: "12 MG Road, Bengaluru 560001",
        gstin: "29ABCDE1234F1Z5",
        state_code: "29",
        upi_id: Some("fixit@okbank"),
    };

    /// A three-line invoice: 18% service, 18% part with a discount, 5% line.
    fn invoice(place_of_supply: &str) -> Document {
        let lines = vec![
            line(
                1,
                LineKind::Service,
                "Motherboard repair",
                "998713",
                "1",
                "Nos",
                "1500.00",
                "0",
                "18",
            ),
            line(
                2,
                LineKind::Part,
                "SSD 512 GB",
                "84733099",
                "2",
                "Nos",
                "2499.50",
                "100.00",
                "18",
            ),
            line(
                3,
                LineKind::Part,
                "Cable sleeve",
                "39269099",
                "1.5",
                "m",
                "33.33",
                "0",
                "5",
            ),
        ];
        let supply = gst::supply_for("29", place_of_supply);
        let totals = gst::compute(&lines, supply).unwrap();
        Document {
            id: id(9),
            doc_type: DocType::TaxInvoice,
            prefix: "BLR1".into(),
            fy: 2025,
            seq: 42,
            number: "BLR1/2526/00042".into(),
            date: Date::new(2025, 7, 4).unwrap(),
            supplier_gstin: SUPPLIER.gstin.into(),
            supplier_state: "29".into(),
            customer: Some(id(7)),
            customer_name: "Asha Rao".into(),
            customer_gstin: None,
            customer_address: Some("4th Cross, Jayanagar".into()),
            place_of_supply: place_of_supply.into(),
            job: Some(id(8)),
            lines,
            grand_total: totals.grand_total,
            against: None,
            reason: None,
        }
    }

    fn render(doc: &Document, paid: &str, cancelled: bool) -> String {
        document_html(doc, &SUPPLIER, d(paid), cancelled, Paper::A4).unwrap()
    }

    #[test]
    fn intra_state_invoice_carries_every_rule_46_field() {
        let doc = invoice("29");
        let t = gst::compute(&doc.lines, Supply::IntraState).unwrap();
        // The fixture exercises a real round-off.
        assert_eq!(t.grand_total, d("7603"));
        assert_eq!(t.round_off, d("-0.32"));
        let html = render(&doc, "3000", false);

        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("@media print"));
        assert!(html.contains("<body class=\"a4\">"));
        assert!(html.contains("TAX INVOICE"));
        assert!(html.contains("Fixit Computers &amp; Co"));
        assert!(html.contains("12 MG Road, Bengaluru 560001"));
        assert!(html.contains("29ABCDE1234F1Z5"));
        assert!(html.contains("BLR1/2526/00042"));
        assert!(html.contains("04-07-2025"));
        assert!(html.contains("Karnataka (29)"));
        assert!(html.contains("Place of supply:</span> Karnataka (29)"));
        assert!(html.contains("Asha Rao"));
        assert!(html.contains("4th Cross, Jayanagar"));
        assert!(html.contains("Unregistered"));
        for code in ["998713", "84733099", "39269099"] {
            assert!(html.contains(code), "missing {code}");
        }
        assert!(html.contains("1.5 m"));
        assert!(html.contains("2,499.50"));
        assert!(html.contains("100.00"));
        assert!(html.contains("4,899.00"));
        assert!(html.contains("18%"));
        assert!(html.contains("5%"));
        // Per-line and total CGST/SGST.
        assert!(html.contains("440.91"));
        assert!(html.contains("CGST"));
        assert!(html.contains("SGST"));
        assert!(!html.contains("IGST"));
        assert!(html.contains(&format_inr(t.cgst)));
        assert_eq!(format_inr(t.cgst), "577.16");
        assert!(
            html.contains("<tr class=\"cgst\"><td>CGST</td><td class=\"num\">577.16</td></tr>")
        );
        assert!(
            html.contains("<tr class=\"sgst\"><td>SGST</td><td class=\"num\">577.16</td></tr>")
        );
        assert!(html.contains(
            "<tr class=\"round-off\"><td>Round-off</td><td class=\"num\">-0.32</td></tr>"
        ));
        assert!(html.contains("7,603.00"));
        assert!(html.contains(&amount_in_words(d("7603"))));
        assert!(html.contains("Seven Thousand Six Hundred Three"));
        assert!(html.contains("Whether tax is payable on reverse charge:</span> No"));
        assert!(html.contains("Authorised signatory"));
        assert!(html.contains("For Fixit Computers &amp; Co"));
        // Breakdown by rate, 5% before 18%.
        let five = html.find("<tr><td>5%</td>").unwrap();
        let eighteen = html.find("<tr><td>18%</td>").unwrap();
        assert!(five < eighteen);
        // Paid and balance.
        assert!(html.contains("3,000.00"));
        assert!(html.contains("Balance due</td><td class=\"num\">4,603.00"));
        // UPI: link for the balance, percent-encoded, and its QR.
        let link = upi_link("fixit@okbank", SUPPLIER.name, d("4603"), &doc.number);
        assert_eq!(
            link,
            "upi://pay?pa=fixit@okbank&pn=Fixit%20Computers%20%26%20Co&am=4603.00&cu=INR\
             &tn=BLR1%2F2526%2F00042"
        );
        assert!(html.contains(&esc(&link)));
        assert!(html.contains("am=4603.00"));
        assert!(html.contains("<svg"));
        assert!(!html.contains("<?xml"));
        assert!(!html.contains("CANCELLED"));
    }

    #[test]
    fn inter_state_invoice_shows_igst_only() {
        let doc = invoice("27");
        let html = render(&doc, "0", false);
        assert!(html.contains("Maharashtra (27)"));
        assert!(html.contains("IGST"));
        assert!(!html.contains("CGST"));
        assert!(!html.contains("SGST"));
        let t = gst::compute(&doc.lines, Supply::InterState).unwrap();
        assert!(html.contains(&format!(
            "<tr class=\"igst\"><td>IGST</td><td class=\"num\">{}</td></tr>",
            format_inr(t.igst)
        )));
        assert!(html.contains(&format_inr(t.grand_total)));
        // Nothing paid: the QR asks for the whole total.
        assert!(html.contains(&format!("am={:.2}", t.grand_total)));
    }

    #[test]
    fn credit_note_names_the_invoice_it_reverses() {
        let mut doc = invoice("29");
        doc.doc_type = DocType::CreditNote;
        doc.prefix = "BLRC".into();
        doc.number = "BLRC/2526/00003".into();
        doc.date = Date::new(2025, 7, 20).unwrap();
        doc.against = Some(DocRef {
            invoice: id(9),
            number: "BLR1/2526/00042".into(),
            date: Date::new(2025, 7, 4).unwrap(),
        });
        doc.reason = Some("SSD returned <faulty>".into());
        let html = render(&doc, "0", false);
        assert!(html.contains("CREDIT NOTE"));
        assert!(!html.contains("TAX INVOICE"));
        assert!(html.contains("BLRC/2526/00003"));
        assert!(html.contains("20-07-2025"));
        assert!(html.contains("Against invoice BLR1/2526/00042 dated 04-07-2025"));
        assert!(html.contains("SSD returned &lt;faulty&gt;"));
        // A credit note is not paid by UPI.
        assert!(!html.contains("<svg"));
        assert!(!html.contains("upi://"));
    }

    #[test]
    fn cancelled_invoice_is_marked_and_has_no_qr() {
        let doc = invoice("29");
        let html = render(&doc, "0", true);
        assert!(html.contains("CANCELLED"));
        assert!(html.contains("class=\"cancel-banner\""));
        assert!(!html.contains("<svg"));
        assert!(!html.contains("upi://"));
    }

    #[test]
    fn fully_paid_invoice_has_no_qr() {
        let doc = invoice("29");
        let html = render(&doc, "7603", false);
        assert!(html.contains("Balance due</td><td class=\"num\">0.00"));
        assert!(!html.contains("<svg"));
        assert!(!html.contains("upi://"));
    }

    #[test]
    fn no_upi_id_means_no_qr() {
        let doc = invoice("29");
        let supplier = Supplier {
            upi_id: None,
            ..SUPPLIER
        };
        let html = document_html(&doc, &supplier, Decimal::ZERO, false, Paper::A4).unwrap();
        assert!(!html.contains("<svg"));
        assert!(!html.contains("upi://"));
    }

    #[test]
    fn customer_text_is_escaped() {
        let mut doc = invoice("29");
        doc.customer_name = "<script>alert(1)</script>".into();
        doc.customer_address = Some("\"Flat\" 3 & 4 'B'".into());
        doc.customer_gstin = Some("29AAAAA0000A1Z5".into());
        let html = render(&doc, "0", false);
        assert!(!html.contains("<script>"));
        assert!(!html.contains("alert(1)</script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;Flat&quot; 3 &amp; 4 &#39;B&#39;"));
        assert!(html.contains("29AAAAA0000A1Z5"));
        assert!(!html.contains("Unregistered"));
    }

    #[test]
    fn thermal_paper_uses_the_thermal_class() {
        let doc = invoice("29");
        let html =
            document_html(&doc, &SUPPLIER, Decimal::ZERO, false, Paper::Thermal80mm).unwrap();
        assert!(html.contains("<body class=\"thermal\">"));
        assert!(html.contains(".thermal .page { width: 80mm;"));
        assert!(html.contains("size: 80mm auto"));
        assert!(html.contains("@media print"));
    }

    #[test]
    fn mismatched_grand_total_is_refused() {
        let mut doc = invoice("29");
        doc.grand_total += Decimal::ONE;
        let err = document_html(&doc, &SUPPLIER, Decimal::ZERO, false, Paper::A4).unwrap_err();
        assert!(err.to_string().contains("grand_total"), "{err}");
    }

    #[test]
    fn upi_link_percent_encodes_every_parameter() {
        let link = upi_link("shop@upi", "A & B Repairs", d("1234.5"), "INV 1/2");
        assert_eq!(
            link,
            "upi://pay?pa=shop@upi&pn=A%20%26%20B%20Repairs&am=1234.50&cu=INR&tn=INV%201%2F2"
        );
        // Non-ASCII is encoded byte by byte as UTF-8; '=' and '?' never leak.
        let link = upi_link("a@b", "Café=?#", d("1"), "x");
        assert!(link.contains("pn=Caf%C3%A9%3D%3F%23&"));
        assert!(link.contains("am=1.00&"));
        // Rounded to the paisa, half away from zero.
        assert!(upi_link("a@b", "n", d("10.005"), "x").contains("am=10.01&"));
    }

    #[test]
    fn qr_svg_is_inline_svg() {
        let svg = qr_svg("upi://pay?pa=a@b&am=1.00");
        assert!(svg.starts_with("<svg class=\"qr\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("<path"));
        assert!(qr_svg(&"x".repeat(10_000)).is_empty());
    }

    #[test]
    fn esc_escapes_the_five_characters() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("plain ₹ text"), "plain ₹ text");
    }

    #[test]
    fn states_print_as_name_and_code() {
        assert_eq!(state_label("29"), "Karnataka (29)");
        assert_eq!(state_label("96"), "Foreign Country (96)");
        assert_eq!(state_label("97"), "Other Territory (97)");
        assert_eq!(state_label("99"), "State code 99");
        assert_eq!(state_label("<b>"), "State code &lt;b&gt;");
    }
}
