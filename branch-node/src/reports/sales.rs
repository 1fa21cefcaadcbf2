//! Revenue by day and GST by rate over a range: what the branch billed, less
//! what it credited back, from the documents it issued.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sheets::{Kind, Table};

use super::{Range, cell, plain, total};
use crate::error::Result;
use crate::node::Node;
use crate::store::reports::sales;

const CREDIT_NOTE: &str = "credit_note";

/// A day's invoices and credit notes: counts, and sums of taxable value,
/// tax and grand totals.
#[derive(Default)]
struct Day {
    invoices: u32,
    credit_notes: u32,
    taxable: Vec<Decimal>,
    tax: Vec<Decimal>,
    invoiced: Vec<Decimal>,
    credited: Vec<Decimal>,
}

pub(super) fn revenue(node: &Node, title: &str, range: Range) -> Result<Table> {
    use Kind::{Integer, Money, Text};
    let docs = node.read(|c| {
        sales::documents(
            c,
            node.branch,
            &range.from.to_string(),
            &range.to.to_string(),
        )
    })?;
    let mut days: BTreeMap<String, Day> = BTreeMap::new();
    let mut all = Day::default();
    for d in &docs {
        // A credit note takes back taxable value and tax.
        let sign = if d.doc_type == CREDIT_NOTE {
            -Decimal::ONE
        } else {
            Decimal::ONE
        };
        let tax = total(d.tax)?;
        for day in [days.entry(d.date.clone()).or_default(), &mut all] {
            day.taxable.push(sign * d.taxable);
            day.tax.push(sign * tax);
            if d.doc_type == CREDIT_NOTE {
                day.credit_notes += 1;
                day.credited.push(d.grand_total);
            } else {
                day.invoices += 1;
                day.invoiced.push(d.grand_total);
            }
        }
    }
    let mut t = Table::new(
        "revenue",
        title,
        &[
            ("date", Text),
            ("invoices", Integer),
            ("invoiced", Money),
            ("credit_notes", Integer),
            ("credited", Money),
            ("net_revenue", Money),
            ("taxable", Money),
            ("gst", Money),
        ],
    );
    let row = |label: String, d: &Day| -> Result<Vec<String>> {
        let (invoiced, credited) = (total(d.invoiced.clone())?, total(d.credited.clone())?);
        Ok(vec![
            label,
            d.invoices.to_string(),
            cell(invoiced),
            d.credit_notes.to_string(),
            cell(credited),
            cell(total([invoiced, -credited])?),
            cell(total(d.taxable.clone())?),
            cell(total(d.tax.clone())?),
        ])
    };
    for (date, d) in &days {
        t.rows.push(row(date.clone(), d)?);
    }
    t.rows.push(row("Total".into(), &all)?);
    Ok(t)
}

pub(super) fn gst(node: &Node, title: &str, range: Range) -> Result<Table> {
    use Kind::{Money, Text};
    let lines = node.read(|c| {
        sales::tax_lines(
            c,
            node.branch,
            &range.from.to_string(),
            &range.to.to_string(),
        )
    })?;
    // (credit notes after invoices, rate) → taxable, CGST, SGST, IGST
    let mut groups: BTreeMap<(bool, Decimal), [Vec<Decimal>; 4]> = BTreeMap::new();
    for l in &lines {
        let credit = l.doc_type == CREDIT_NOTE;
        let sign = if credit { -Decimal::ONE } else { Decimal::ONE };
        let g = groups.entry((credit, l.gst_rate)).or_default();
        g[0].push(sign * l.taxable);
        for (i, x) in l.tax.iter().enumerate() {
            g[i + 1].push(sign * *x);
        }
    }
    let mut t = Table::new(
        "gst",
        title,
        &[
            ("document", Text),
            ("gst_rate", Kind::Decimal),
            ("taxable", Money),
            ("cgst", Money),
            ("sgst", Money),
            ("igst", Money),
            ("total_tax", Money),
        ],
    );
    let mut net: [Vec<Decimal>; 4] = Default::default();
    for ((credit, rate), g) in &groups {
        let sums = g
            .iter()
            .map(|xs| total(xs.clone()))
            .collect::<Result<Vec<_>>>()?;
        for (n, s) in net.iter_mut().zip(&sums) {
            n.push(*s);
        }
        t.rows.push(vec![
            if *credit {
                "Credit notes"
            } else {
                "Tax invoices"
            }
            .to_string(),
            plain(*rate),
            cell(sums[0]),
            cell(sums[1]),
            cell(sums[2]),
            cell(sums[3]),
            cell(total(sums[1..].iter().copied())?),
        ]);
    }
    let net = net.into_iter().map(total).collect::<Result<Vec<_>>>()?;
    t.rows.push(vec![
        "Net".into(),
        String::new(),
        cell(net[0]),
        cell(net[1]),
        cell(net[2]),
        cell(net[3]),
        cell(total(net[1..].iter().copied())?),
    ]);
    Ok(t)
}
