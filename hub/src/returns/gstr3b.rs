//! GSTR-3B's outward side for a month, in the portal's field names:
//! 3.1 (a) taxable outward supplies and (c) nil-rated ones, net of credit
//! notes; 3.2 inter-state supplies to unregistered persons by place of
//! supply; 4 (A)(5) "all other ITC": the tax on registered suppliers'
//! bills and on goods another GSTIN of the business sent (its transfer
//! invoices), by the bill's date, and 4 (C) the net (nothing is reversed:
//! the shop records no ineligible credit).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use sync_core::domain::gst::{self, Supply};
use sync_core::domain::invoice_no::DocType;

use super::{Amount, Filed, Inward, Period};

#[derive(Clone, Debug, Serialize)]
pub struct Gstr3b {
    pub gstin: String,
    pub ret_period: String,
    pub sup_details: SupDetails,
    pub inter_sup: InterSup,
    pub itc_elg: ItcElg,
}

/// Table 4: eligible input tax credit.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ItcElg {
    /// 4 (A), by type; the shop's is all "OTH" (all other ITC).
    pub itc_avl: Vec<ItcRow>,
    /// 4 (B) reversed: none.
    pub itc_rev: Vec<ItcRow>,
    /// 4 (C) net ITC available.
    pub itc_net: ItcTax,
}

#[derive(Clone, Debug, Serialize)]
pub struct ItcRow {
    pub ty: &'static str,
    pub iamt: Amount,
    pub camt: Amount,
    pub samt: Amount,
    pub csamt: Amount,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ItcTax {
    pub iamt: Amount,
    pub camt: Amount,
    pub samt: Amount,
    pub csamt: Amount,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Tax {
    pub txval: Amount,
    pub iamt: Amount,
    pub camt: Amount,
    pub samt: Amount,
    pub csamt: Amount,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SupDetails {
    /// 3.1 (a): outward taxable supplies (other than zero-rated, nil, exempt).
    pub osup_det: Tax,
    /// 3.1 (b): zero-rated (exports, SEZ): none from a repair counter.
    pub osup_zero: Tax,
    /// 3.1 (c): nil-rated and exempt.
    pub osup_nil_exmp: Tax,
    /// 3.1 (d): inward supplies on reverse charge.
    pub isup_rev: Tax,
    /// 3.1 (e): non-GST outward supplies.
    pub osup_nongst: Tax,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct InterSup {
    pub unreg_details: Vec<PosTax>,
    pub comp_details: Vec<PosTax>,
    pub uin_details: Vec<PosTax>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PosTax {
    pub pos: String,
    pub txval: Amount,
    pub iamt: Amount,
}

/// GSTR-3B's outward summary of `gstin` for `period`.
pub fn gstr3b(gstin: &str, period: Period, filed: &[Filed], inward: &[Inward]) -> Gstr3b {
    let mut itc = [Decimal::ZERO; 3];
    for i in inward {
        for (t, v) in itc.iter_mut().zip([i.igst, i.cgst, i.sgst]) {
            *t = t.checked_add(v).unwrap_or(*t);
        }
    }
    let itc = ItcTax {
        iamt: Amount(itc[0]),
        camt: Amount(itc[1]),
        samt: Amount(itc[2]),
        csamt: Amount::default(),
    };
    let mut taxable = [Decimal::ZERO; 4];
    let mut nil = Decimal::ZERO;
    let mut unreg: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    for f in filed
        .iter()
        .filter(|f| !f.cancelled && period.contains(f.doc.date) && f.doc.supplier_gstin == gstin)
    {
        let d = &f.doc;
        let supply = gst::supply_for(&d.supplier_state, &d.place_of_supply);
        let Ok(totals) = gst::compute(&d.lines, supply) else {
            continue;
        };
        let sign = if d.doc_type == DocType::CreditNote {
            -Decimal::ONE
        } else {
            Decimal::ONE
        };
        for (l, t) in d.lines.iter().zip(&totals.lines) {
            if l.gst_rate.is_zero() {
                nil += sign * t.taxable;
                continue;
            }
            taxable[0] += sign * t.taxable;
            taxable[1] += sign * t.igst;
            taxable[2] += sign * t.cgst;
            taxable[3] += sign * t.sgst;
            if supply == Supply::InterState && d.customer_gstin.is_none() {
                let e = unreg.entry(d.place_of_supply.clone()).or_default();
                e.0 += sign * t.taxable;
                e.1 += sign * t.igst;
            }
        }
    }
    Gstr3b {
        gstin: gstin.to_string(),
        ret_period: period.fp(),
        sup_details: SupDetails {
            osup_det: Tax {
                txval: Amount(taxable[0]),
                iamt: Amount(taxable[1]),
                camt: Amount(taxable[2]),
                samt: Amount(taxable[3]),
                csamt: Amount::default(),
            },
            osup_nil_exmp: Tax {
                txval: Amount(nil),
                ..Tax::default()
            },
            ..SupDetails::default()
        },
        inter_sup: InterSup {
            unreg_details: unreg
                .into_iter()
                .map(|(pos, (txval, iamt))| PosTax {
                    pos,
                    txval: Amount(txval),
                    iamt: Amount(iamt),
                })
                .collect(),
            ..InterSup::default()
        },
        itc_elg: ItcElg {
            itc_avl: vec![ItcRow {
                ty: "OTH",
                iamt: itc.iamt,
                camt: itc.camt,
                samt: itc.samt,
                csamt: itc.csamt,
            }],
            itc_rev: vec![],
            itc_net: itc,
        },
    }
}
