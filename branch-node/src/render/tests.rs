//! The whole page, rendered from a three-line invoice: every field Rule 46
//! asks for, intra- and inter-state tax, credit notes, cancelled and paid
//! documents, thermal paper, and escaping of what the customer typed.

use rust_decimal::Decimal;
use sync_core::body::{DocRef, Document, Line, LineKind};
use sync_core::domain::date::Date;
use sync_core::domain::gst::{self, Supply};
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::money::{amount_in_words, format_inr};
use sync_core::ids::RecordId;

use super::*;

fn id(n: u8) -> RecordId {
    RecordId::from_bytes([n; 16])
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A fixture line as it reads on a paper bill, amounts as written.
struct BillLine<'a> {
    kind: LineKind,
    description: &'a str,
    hsn_sac: &'a str,
    qty: &'a str,
    unit: &'a str,
    unit_price: &'a str,
    discount: &'a str,
    gst_rate: &'a str,
}

fn line(n: u8, b: BillLine) -> Line {
    Line {
        id: id(n),
        kind: b.kind,
        item: None,
        description: b.description.into(),
        hsn_sac: b.hsn_sac.into(),
        qty: d(b.qty),
        unit: b.unit.into(),
        unit_price: d(b.unit_price),
        discount: d(b.discount),
        gst_rate: d(b.gst_rate),
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
            BillLine {
                kind: LineKind::Service,
                description: "Motherboard repair",
                hsn_sac: "998713",
                qty: "1",
                unit: "Nos",
                unit_price: "1500.00",
                discount: "0",
                gst_rate: "18",
            },
        ),
        line(
            2,
            BillLine {
                kind: LineKind::Part,
                description: "SSD 512 GB",
                hsn_sac: "84733099",
                qty: "2",
                unit: "Nos",
                unit_price: "2499.50",
                discount: "100.00",
                gst_rate: "18",
            },
        ),
        line(
            3,
            BillLine {
                kind: LineKind::Part,
                description: "Cable sleeve",
                hsn_sac: "39269099",
                qty: "1.5",
                unit: "m",
                unit_price: "33.33",
                discount: "0",
                gst_rate: "5",
            },
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
        transfer: None,
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
    assert!(html.contains("<tr class=\"cgst\"><td>CGST</td><td class=\"num\">577.16</td></tr>"));
    assert!(html.contains("<tr class=\"sgst\"><td>SGST</td><td class=\"num\">577.16</td></tr>"));
    assert!(
        html.contains(
            "<tr class=\"round-off\"><td>Round-off</td><td class=\"num\">-0.32</td></tr>"
        )
    );
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
    let html = document_html(&doc, &SUPPLIER, Decimal::ZERO, false, Paper::Thermal80mm).unwrap();
    assert!(html.contains("<body class=\"thermal\">"));
    // 80 mm paper, 72 mm of it printable (the roll's margins).
    assert!(html.contains(".thermal .page { width: 72mm;"));
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
fn an_einvoice_prints_its_irn_and_the_irps_qr_or_says_it_is_pending() {
    let doc = invoice("29");
    let marked =
        |m| document_html_marked(&doc, &SUPPLIER, Decimal::ZERO, false, Paper::A4, m).unwrap();
    let pending = marked(EinvoiceMark::Pending);
    assert!(pending.contains("IRN pending"));
    let irn = "0f".repeat(32);
    let jwt = "eyJhbGciOiJFZERTQSJ9.eyJkYXRhIjp7fX0.c2ln";
    let html = marked(EinvoiceMark::Registered {
        irn: &irn,
        ack_no: "112010000001",
        ack_date: "2026-05-04 10:00:00",
        signed_qr: jwt,
        cancelled: false,
    });
    assert!(
        html.contains(&irn)
            && html.contains("112010000001")
            && html.contains("2026-05-04 10:00:00")
    );
    assert!(!html.contains("IRN pending"));
    // The QR is the signed JWT itself, as `qrcode` draws it.
    let qr = qr_svg_labelled(jwt, "e-invoice signed QR code");
    assert!(!qr.is_empty() && html.contains(&qr));
    assert!(!marked(EinvoiceMark::None).contains("IRN"));
}
