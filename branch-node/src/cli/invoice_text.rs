//! Drafts and GST documents as an accountant reads them on a terminal: each
//! line with its taxable value, rate and tax, then the totals, every amount
//! in rupees with two decimals (₹ grouping as printed: 1,23,456.00). The
//! figures are the GST module's own (`gst::compute`, rounded to the paisa
//! half away from zero), recomputed from the lines as the printed page does.

use rust_decimal::Decimal;
use sync_core::body::Line;
use sync_core::domain::gst::{self, Supply, Totals};
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::money::format_inr;

use crate::billing::DraftView;
use crate::error::Result;
use crate::store::money::DocumentView;

/// A finalized invoice or credit note.
pub(super) fn document(d: &DocumentView) -> Result<String> {
    let doc = &d.doc;
    let totals = gst::compute(
        &doc.lines,
        gst::supply_for(&doc.supplier_state, &doc.place_of_supply),
    )?;
    let title = match doc.doc_type {
        DocType::TaxInvoice => "TAX INVOICE",
        DocType::CreditNote => "CREDIT NOTE",
    };
    let mut out = format!(
        "{title} {}  dated {}\nSupplier GSTIN {} (state {})\n",
        doc.number,
        doc.date.to_indian(),
        doc.supplier_gstin,
        doc.supplier_state
    );
    if d.cancelled {
        out.push_str(&format!(
            "CANCELLED: {}\n",
            d.cancel_reason.as_deref().unwrap_or("no reason given")
        ));
    }
    bill_to(
        &mut out,
        Customer {
            name: &doc.customer_name,
            gstin: doc.customer_gstin.as_deref(),
            address: doc.customer_address.as_deref(),
        },
        &doc.place_of_supply,
        d.place_of_supply_name,
    );
    if let Some(a) = &doc.against {
        out.push_str(&format!(
            "Against invoice {} dated {}\n",
            a.number,
            a.date.to_indian()
        ));
    }
    if let Some(r) = &doc.reason {
        out.push_str(&format!("Reason: {r}\n"));
    }
    out.push('\n');
    out.push_str(&lines_table(&doc.lines, &totals));
    let paid: Decimal = d.paid.parse().unwrap_or_default();
    let mut rows = totals_rows(&totals);
    let (paid_label, due_label, excess_label) = match doc.doc_type {
        DocType::TaxInvoice => ("Amount paid", "Balance due", "Excess received"),
        DocType::CreditNote => ("Amount refunded", "Balance to refund", "Refunded in excess"),
    };
    if !d.cancelled {
        let balance = totals.grand_total - paid;
        rows.push((paid_label.into(), format_inr(paid)));
        rows.push(if balance < Decimal::ZERO {
            (excess_label.into(), format_inr(-balance))
        } else {
            (due_label.into(), format_inr(balance))
        });
    }
    out.push_str(&two_columns(&rows));
    Ok(out)
}

/// A draft: no number yet, its lines numbered for `invoice line remove`.
pub(super) fn draft(v: &DraftView) -> String {
    let d = &v.draft;
    let mut out = format!("DRAFT {} (no number until finalized)\n", d.id);
    if let Some(job) = d.job {
        out.push_str(&format!("From job {job}\n"));
    }
    bill_to(
        &mut out,
        Customer {
            name: &d.customer_name,
            gstin: d.customer_gstin.as_deref(),
            address: d.customer_address.as_deref(),
        },
        &v.place_of_supply,
        v.place_of_supply_name,
    );
    out.push('\n');
    out.push_str(&lines_table(&d.lines, &v.totals));
    out.push_str(&two_columns(&totals_rows(&v.totals)));
    out.push_str("\nLine ids (for `invoice line remove`):\n");
    for (n, l) in d.lines.iter().enumerate() {
        out.push_str(&format!("  {}  {}\n", n + 1, l.id));
    }
    out
}

/// Documents, one a row: what a day's list looks like.
pub(super) fn document_list(ds: &[DocumentView]) -> String {
    if ds.is_empty() {
        return "No invoices or credit notes yet.\n".into();
    }
    let mut rows = vec![cells(&[
        "Number", "Date", "Customer", "Total", "Paid", "Due", "",
    ])];
    for d in ds {
        let money = |s: &str| format_inr(s.parse().unwrap_or_default());
        rows.push(vec![
            d.doc.number.clone(),
            d.doc.date.to_indian(),
            d.doc.customer_name.clone(),
            format_inr(d.doc.grand_total),
            money(&d.paid),
            money(&d.balance_due),
            if d.cancelled { "cancelled" } else { "" }.into(),
        ]);
    }
    table(&rows, &[false, false, false, true, true, true, false])
}

/// Drafts, one a row, with the id `invoice finalize` takes.
pub(super) fn draft_list(vs: &[DraftView]) -> String {
    if vs.is_empty() {
        return "No drafts on this device.\n".into();
    }
    let mut rows = vec![cells(&["Draft", "Customer", "Lines", "Total"])];
    for v in vs {
        rows.push(vec![
            v.draft.id.to_string(),
            v.draft.customer_name.clone(),
            v.draft.lines.len().to_string(),
            format_inr(v.totals.grand_total),
        ]);
    }
    table(&rows, &[false, false, true, true])
}

struct Customer<'a> {
    name: &'a str,
    gstin: Option<&'a str>,
    address: Option<&'a str>,
}

fn bill_to(out: &mut String, c: Customer<'_>, pos: &str, pos_name: Option<&str>) {
    out.push_str(&format!("Bill to: {}", c.name));
    match c.gstin {
        Some(g) => out.push_str(&format!(", GSTIN {g}")),
        None => out.push_str(", unregistered"),
    }
    out.push('\n');
    if let Some(a) = c.address {
        out.push_str(&format!("Address: {a}\n"));
    }
    out.push_str(&format!(
        "Place of supply: {} ({pos})\n",
        pos_name.unwrap_or("unknown state")
    ));
}

/// One row per line: quantity and unit, price, discount, taxable value, the
/// GST rate, CGST and SGST (each at half the rate) or IGST, and the total.
fn lines_table(lines: &[Line], t: &Totals) -> String {
    let intra = t.supply == Supply::IntraState;
    let mut head = cells(&[
        "#",
        "Description",
        "HSN/SAC",
        "Qty",
        "Price",
        "Discount",
        "Taxable",
        "GST",
    ]);
    if intra {
        head.extend(cells(&["CGST", "SGST"]));
    } else {
        head.push("IGST".into());
    }
    head.push("Total".into());
    let mut rows = vec![head];
    for (n, (l, tax)) in lines.iter().zip(&t.lines).enumerate() {
        let mut r = vec![
            (n + 1).to_string(),
            l.description.clone(),
            l.hsn_sac.clone(),
            format!("{} {}", l.qty.normalize(), l.unit),
            format_inr(l.unit_price),
            format_inr(l.discount),
            format_inr(tax.taxable),
            format!("{}%", l.gst_rate.normalize()),
        ];
        if intra {
            r.push(format_inr(tax.cgst));
            r.push(format_inr(tax.sgst));
        } else {
            r.push(format_inr(tax.igst));
        }
        r.push(format_inr(tax.total));
        rows.push(r);
    }
    // Description and HSN/SAC read from the left; the figures line up right.
    let right: Vec<bool> = (0..rows[0].len()).map(|i| i != 1 && i != 2).collect();
    table(&rows, &right)
}

fn totals_rows(t: &Totals) -> Vec<(String, String)> {
    let mut rows = vec![("Taxable value".to_string(), format_inr(t.taxable))];
    match t.supply {
        Supply::IntraState => {
            rows.push(("CGST".into(), format_inr(t.cgst)));
            rows.push(("SGST".into(), format_inr(t.sgst)));
        }
        Supply::InterState => rows.push(("IGST".into(), format_inr(t.igst))),
    }
    let round_off = if t.round_off > Decimal::ZERO {
        format!("+{}", format_inr(t.round_off))
    } else {
        format_inr(t.round_off)
    };
    rows.push(("Round-off".into(), round_off));
    rows.push(("Grand total (₹)".into(), format_inr(t.grand_total)));
    rows
}

fn cells(s: &[&str]) -> Vec<String> {
    s.iter().map(|c| c.to_string()).collect()
}

fn two_columns(rows: &[(String, String)]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|(a, b)| vec![a.clone(), b.clone()])
        .collect();
    format!("\n{}", table(&rows, &[false, true]))
}

/// Columns padded to their widest cell (in characters: ₹ is one), numbers
/// to the right.
fn table(rows: &[Vec<String>], right: &[bool]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(width[i] - c.chars().count());
                if right.get(i).copied().unwrap_or(false) {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
