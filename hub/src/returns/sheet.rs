//! GSTR-1 as a workbook an accountant reads: one sheet per section, the
//! same figures as the JSON, money as rupees.

use sheets::{Kind, Table};

use super::gstr1::{Gstr1, Hsn, HsnRow, Item};
use super::{Amount, Rate};

fn money(a: &Amount) -> String {
    a.0.round_dp(2).to_string()
}

fn opt(a: &Option<Amount>) -> String {
    a.as_ref().map(money).unwrap_or_default()
}

fn rate(r: &Rate) -> String {
    r.0.normalize().to_string()
}

const TAXES: [(&str, Kind); 5] = [
    ("Rate %", Kind::Decimal),
    ("Taxable value", Kind::Money),
    ("IGST", Kind::Money),
    ("CGST", Kind::Money),
    ("SGST", Kind::Money),
];

fn with_taxes(lead: &[(&'static str, Kind)]) -> Vec<(&'static str, Kind)> {
    lead.iter().copied().chain(TAXES).collect()
}

fn item_cells(i: &Item) -> [String; 5] {
    let d = &i.itm_det;
    [
        rate(&d.rt),
        money(&d.txval),
        opt(&d.iamt),
        opt(&d.camt),
        opt(&d.samt),
    ]
}

/// The workbook's sheets.
pub fn tables(r: &Gstr1) -> Vec<Table> {
    let mut b2b = Table::new(
        "b2b",
        "B2B invoices (4A)",
        &with_taxes(&[
            ("Buyer GSTIN", Kind::Text),
            ("Invoice", Kind::Text),
            ("Date", Kind::Text),
            ("Invoice value", Kind::Money),
            ("Place of supply", Kind::Text),
        ]),
    );
    for p in &r.b2b {
        for inv in &p.inv {
            for i in &inv.itms {
                let mut row = vec![
                    p.ctin.clone(),
                    inv.inum.clone(),
                    inv.idt.clone(),
                    money(&inv.val),
                    inv.pos.clone(),
                ];
                row.extend(item_cells(i));
                b2b.rows.push(row);
            }
        }
    }
    let mut b2cl = Table::new(
        "b2cl",
        "B2C large invoices (5)",
        &with_taxes(&[
            ("Place of supply", Kind::Text),
            ("Invoice", Kind::Text),
            ("Date", Kind::Text),
            ("Invoice value", Kind::Money),
        ]),
    );
    for p in &r.b2cl {
        for inv in &p.inv {
            for i in &inv.itms {
                let mut row = vec![
                    p.pos.clone(),
                    inv.inum.clone(),
                    inv.idt.clone(),
                    money(&inv.val),
                ];
                row.extend(item_cells(i));
                b2cl.rows.push(row);
            }
        }
    }
    let mut b2cs = Table::new(
        "b2cs",
        "B2C small (7)",
        &with_taxes(&[("Supply", Kind::Text), ("Place of supply", Kind::Text)]),
    );
    for s in &r.b2cs {
        b2cs.rows.push(vec![
            s.sply_ty.to_string(),
            s.pos.clone(),
            rate(&s.rt),
            money(&s.txval),
            opt(&s.iamt),
            opt(&s.camt),
            opt(&s.samt),
        ]);
    }
    let mut notes = Table::new(
        "cdn",
        "Credit notes (9B)",
        &with_taxes(&[
            ("Buyer GSTIN or type", Kind::Text),
            ("Note", Kind::Text),
            ("Date", Kind::Text),
            ("Note value", Kind::Money),
            ("Place of supply", Kind::Text),
        ]),
    );
    for p in &r.cdnr {
        for n in &p.nt {
            for i in &n.itms {
                let mut row = vec![
                    p.ctin.clone(),
                    n.nt_num.clone(),
                    n.nt_dt.clone(),
                    money(&n.val),
                    n.pos.clone(),
                ];
                row.extend(item_cells(i));
                notes.rows.push(row);
            }
        }
    }
    for n in &r.cdnur {
        for i in &n.itms {
            let mut row = vec![
                n.typ.to_string(),
                n.nt_num.clone(),
                n.nt_dt.clone(),
                money(&n.val),
                n.pos.clone(),
            ];
            row.extend(item_cells(i));
            notes.rows.push(row);
        }
    }
    let mut hsn = Table::new(
        "hsn",
        "HSN summary (12)",
        &with_taxes(&[
            ("Tab", Kind::Text),
            ("HSN/SAC", Kind::Text),
            ("UQC", Kind::Text),
            ("Quantity", Kind::Decimal),
        ]),
    );
    let hsn_row = |tab: &str, h: &HsnRow| {
        vec![
            tab.to_string(),
            h.hsn_sc.clone(),
            h.uqc.to_string(),
            h.qty.0.normalize().to_string(),
            rate(&h.rt),
            money(&h.txval),
            money(&h.iamt),
            money(&h.camt),
            money(&h.samt),
        ]
    };
    match &r.hsn {
        Some(Hsn::Split { hsn_b2b, hsn_b2c }) => {
            hsn.rows.extend(hsn_b2b.iter().map(|h| hsn_row("B2B", h)));
            hsn.rows.extend(hsn_b2c.iter().map(|h| hsn_row("B2C", h)));
        }
        Some(Hsn::Legacy { data }) => hsn.rows.extend(data.iter().map(|h| hsn_row("", h))),
        None => {}
    }
    let mut docs = Table::new(
        "doc_issue",
        "Documents issued (13)",
        &[
            ("Kind", Kind::Text),
            ("From", Kind::Text),
            ("To", Kind::Text),
            ("Total", Kind::Integer),
            ("Cancelled", Kind::Integer),
            ("Net issued", Kind::Integer),
        ],
    );
    for d in r.doc_issue.iter().flat_map(|d| &d.doc_det) {
        let kind = match d.doc_num {
            1 => "Invoices for outward supply",
            5 => "Credit notes",
            _ => "Other",
        };
        for x in &d.docs {
            docs.rows.push(vec![
                kind.into(),
                x.from.clone(),
                x.to.clone(),
                x.totnum.to_string(),
                x.cancel.to_string(),
                x.net_issue.to_string(),
            ]);
        }
    }
    let mut nil = Table::new(
        "nil",
        "Nil-rated (8)",
        &[("Supply", Kind::Text), ("Nil-rated", Kind::Money)],
    );
    for n in r.nil.iter().flat_map(|n| &n.inv) {
        nil.rows
            .push(vec![n.sply_ty.to_string(), money(&n.nil_amt)]);
    }
    vec![b2b, b2cl, b2cs, notes, nil, hsn, docs]
}
