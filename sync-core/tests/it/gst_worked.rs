//! Worked GST invoices, computed by hand.
//!
//! Every expected figure below is a literal worked out on paper (the working
//! is in the comment above each case), never derived from the code under
//! test. Rules: taxable = qty × price − discount, to the paisa; intra-state
//! CGST and SGST each at half the rate, each rounded to the paisa on the
//! line; inter-state IGST at the full rate; every rounding half AWAY from
//! zero (0.005 → 0.01, x.50 → x+1), never banker's; grand total = Σ line
//! totals rounded to the rupee; round-off = grand total − Σ line totals.

use crate::gst_cases::*;
use sync_core::Decimal;
use sync_core::body::Line;
use sync_core::domain::gst::{compute, line_tax, place_of_supply, supply_for};

fn check(c: &Case, problems: &mut Vec<String>) {
    let t = match compute(&c.lines, c.supply) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("{}: refused: {e}", c.name));
            return;
        }
    };
    let mut mismatches = Vec::new();
    let mut eq = |what: String, got: Decimal, want: &str| {
        if got != d(want) {
            mismatches.push(format!("{}: {what}: got {got}, want {want}", c.name));
        }
    };
    if t.supply != c.supply {
        problems.push(format!("{}: supply {:?}", c.name, t.supply));
    }
    if t.lines.len() != c.want_lines.len() {
        problems.push(format!("{}: {} lines", c.name, t.lines.len()));
    }
    for (i, (g, w)) in t.lines.iter().zip(&c.want_lines).enumerate() {
        eq(format!("line {i} taxable"), g.taxable, w[0]);
        eq(format!("line {i} cgst"), g.cgst, w[1]);
        eq(format!("line {i} sgst"), g.sgst, w[2]);
        eq(format!("line {i} igst"), g.igst, w[3]);
        eq(format!("line {i} total"), g.total, w[4]);
    }
    let w = &c.want;
    eq("taxable".into(), t.taxable, w[0]);
    eq("cgst".into(), t.cgst, w[1]);
    eq("sgst".into(), t.sgst, w[2]);
    eq("igst".into(), t.igst, w[3]);
    eq("before_round_off".into(), t.before_round_off, w[4]);
    eq("round_off".into(), t.round_off, w[5]);
    eq("grand_total".into(), t.grand_total, w[6]);
    // The grand total is a whole number of rupees.
    if t.grand_total.normalize().scale() != 0 {
        problems.push(format!(
            "{}: grand total {} not whole",
            c.name, t.grand_total
        ));
    }
    let got_keys: Vec<&str> = t.by_rate.keys().map(String::as_str).collect();
    let mut want_keys: Vec<&str> = c.by_rate.iter().map(|(k, _)| *k).collect();
    want_keys.sort_unstable();
    if got_keys != want_keys {
        problems.push(format!(
            "{}: by_rate keys {got_keys:?}, want {want_keys:?}",
            c.name
        ));
    }
    for (k, r) in &c.by_rate {
        let Some(g) = t.by_rate.get(*k) else { continue };
        eq(format!("by_rate[{k}] taxable"), g.taxable, r[0]);
        eq(format!("by_rate[{k}] cgst"), g.cgst, r[1]);
        eq(format!("by_rate[{k}] sgst"), g.sgst, r[2]);
        eq(format!("by_rate[{k}] igst"), g.igst, r[3]);
    }
    problems.append(&mut mismatches);
}

#[test]
fn worked_invoices() {
    let cases = cases();
    assert!(cases.len() >= 22, "only {} worked examples", cases.len());
    let mut problems = Vec::new();
    for c in &cases {
        check(c, &mut problems);
    }
    assert!(
        problems.is_empty(),
        "{} mismatches against the hand computation:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// `line_tax` alone gives the same hand figures (case 19 and case 20).
#[test]
fn line_tax_half_paisa() {
    // IGST 0.50 × 5% = 0.025 → 0.03
    let t = line_tax(&ln("85044090", "1", "0.50", "0", "5"), Inter);
    assert_eq!(
        [t.taxable, t.cgst, t.sgst, t.igst, t.total],
        [d("0.50"), d("0"), d("0"), d("0.03"), d("0.53")]
    );
    // CGST 1.00 × 2.5% = 0.025 → 0.03; SGST the same
    let t = line_tax(&ln("85044090", "1", "1.00", "0", "5"), Intra);
    assert_eq!(
        [t.taxable, t.cgst, t.sgst, t.igst, t.total],
        [d("1.00"), d("0.03"), d("0.03"), d("0"), d("1.06")]
    );
}

#[test]
fn supply_and_place() {
    assert_eq!(supply_for("29", "29"), Intra);
    assert_eq!(supply_for("29", "33"), Inter);
    assert_eq!(
        place_of_supply("29", Some("27"), Some("33AAAAA0000A1Z5")),
        "27"
    );
    assert_eq!(place_of_supply("29", None, Some("33AAAAA0000A1Z5")), "33");
    assert_eq!(place_of_supply("29", Some(""), None), "29");
    assert_eq!(place_of_supply("29", None, None), "29");
}

/// `compute` refuses the lines, and the message names `field`.
fn refused(lines: &[Line], field: &str) {
    for supply in [Intra, Inter] {
        match compute(lines, supply) {
            Ok(t) => panic!("accepted, want refusal naming {field:?}: {t:?}"),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(field), "{msg:?} does not mention {field:?}");
            }
        }
    }
}

#[test]
fn refuses_empty_document() {
    refused(&[], "lines");
}

#[test]
fn refuses_bad_quantity() {
    refused(&[ln("8473", "-1", "100.00", "0", "18")], "qty");
    refused(&[ln("8473", "0", "100.00", "0", "18")], "qty");
    refused(&[ln("8473", "1.2345", "100.00", "0", "18")], "qty");
}

#[test]
fn refuses_bad_price() {
    refused(&[ln("8473", "1", "10.005", "0", "18")], "unit_price");
    refused(&[ln("8473", "1", "-10.00", "0", "18")], "unit_price");
}

#[test]
fn refuses_bad_discount() {
    // 2 × 10.00 = 20.00 gross; 20.01 off is more than the gross.
    refused(&[ln("8473", "2", "10.00", "20.01", "18")], "discount");
    refused(&[ln("8473", "2", "10.00", "-1.00", "18")], "discount");
    refused(&[ln("8473", "2", "10.00", "1.005", "18")], "discount");
    // Exactly the gross is allowed: taxable 0, tax 0, total 0.
    let t = compute(&[ln("8473", "2", "10.00", "20.00", "18")], Intra).unwrap();
    assert_eq!(t.grand_total, d("0"));
}

#[test]
fn refuses_bad_rate() {
    refused(&[ln("8473", "1", "100.00", "0", "100.01")], "gst_rate");
    refused(&[ln("8473", "1", "100.00", "0", "101")], "gst_rate");
    refused(&[ln("8473", "1", "100.00", "0", "-5")], "gst_rate");
    refused(&[ln("8473", "1", "100.00", "0", "18.125")], "gst_rate");
}

#[test]
fn refuses_bad_hsn() {
    for bad in ["", "847", "84733", "8473309", "847330991", "84A3", "9987 3"] {
        refused(&[ln(bad, "1", "100.00", "0", "18")], "hsn_sac");
    }
}

#[test]
fn refusal_names_the_offending_line() {
    let lines = [
        ln("998713", "1", "499.00", "0", "18"),
        ln("8473", "1", "10.00", "10.01", "18"),
    ];
    let msg = compute(&lines, Intra).unwrap_err().to_string();
    assert!(msg.contains("lines[1]"), "{msg:?}");
    assert!(msg.contains("discount"), "{msg:?}");
}
