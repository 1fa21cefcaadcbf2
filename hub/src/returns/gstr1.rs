//! GSTR-1, the return of outward supplies, as the GST portal's offline
//! tool writes its upload file (GSTN's "GSTR1 save" payload): `b2b`,
//! `b2cl`, `b2cs`, `cdnr`, `cdnur`, `nil`, `hsn` and `doc_issue`.
//!
//! Where each document goes:
//! - a standing tax invoice to a registered buyer (GSTIN): `b2b`, one
//!   item per rate;
//! - to an unregistered buyer, inter-state and above ₹1,00,000 (₹2,50,000
//!   before August 2024): `b2cl`; every other one: `b2cs`, summed per
//!   (supply type, place of supply, rate);
//! - a credit note to a registered buyer: `cdnr`; to an unregistered one,
//!   inter-state with the note or its invoice above the threshold: `cdnur`
//!   (`B2CL`); any other credit note is netted (negative) into `b2cs`;
//! - lines at 0 %: `nil` (nil-rated), by inter/intra-state and B2B/B2C,
//!   not in the sections above;
//! - every line, by HSN/SAC, unit and rate, into `hsn` (from May 2025
//!   split as `hsn_b2b` and `hsn_b2c`), credit notes subtracted;
//! - every number of each lease block used in the month into `doc_issue`
//!   (cancelled ones counted as cancelled), and the unused numbers of a
//!   block whose device was retired that month as cancelled.
//!
//! A cancelled invoice is only in `doc_issue`. Amounts are the documents'
//! own (each line's tax rounded to the paisa as it was charged), not
//! recomputed per rate.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use sync_core::body::Document;
use sync_core::domain::gst::{self, LineTax, Supply};
use sync_core::domain::invoice_no::{DocType, Series};

use super::{Amount, Block, Filed, Period, Qty, Rate};

/// The file's format version, as the offline tool writes it.
pub const VERSION: &str = "GST3.2.4";

#[derive(Clone, Debug, Serialize)]
pub struct Gstr1 {
    pub gstin: String,
    pub fp: String,
    pub version: &'static str,
    pub hash: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub b2b: Vec<B2bParty>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub b2cl: Vec<B2clPos>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub b2cs: Vec<B2csRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cdnr: Vec<CdnrParty>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cdnur: Vec<CdnurNote>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nil: Option<Nil>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hsn: Option<Hsn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_issue: Option<DocIssue>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ItemDetail {
    pub txval: Amount,
    pub rt: Rate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iamt: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camt: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samt: Option<Amount>,
    pub csamt: Amount,
}

impl Default for Rate {
    fn default() -> Self {
        Rate(Decimal::ZERO)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub num: u32,
    pub itm_det: ItemDetail,
}

#[derive(Clone, Debug, Serialize)]
pub struct B2bParty {
    pub ctin: String,
    pub inv: Vec<B2bInvoice>,
}

#[derive(Clone, Debug, Serialize)]
pub struct B2bInvoice {
    pub inum: String,
    pub idt: String,
    pub val: Amount,
    pub pos: String,
    pub rchrg: &'static str,
    pub inv_typ: &'static str,
    pub itms: Vec<Item>,
}

#[derive(Clone, Debug, Serialize)]
pub struct B2clPos {
    pub pos: String,
    pub inv: Vec<B2clInvoice>,
}

#[derive(Clone, Debug, Serialize)]
pub struct B2clInvoice {
    pub inum: String,
    pub idt: String,
    pub val: Amount,
    pub itms: Vec<Item>,
}

#[derive(Clone, Debug, Serialize)]
pub struct B2csRow {
    pub sply_ty: &'static str,
    pub pos: String,
    pub typ: &'static str,
    pub rt: Rate,
    pub txval: Amount,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iamt: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camt: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samt: Option<Amount>,
    pub csamt: Amount,
}

#[derive(Clone, Debug, Serialize)]
pub struct CdnrParty {
    pub ctin: String,
    pub nt: Vec<CdnrNote>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CdnrNote {
    pub ntty: &'static str,
    pub nt_num: String,
    pub nt_dt: String,
    pub val: Amount,
    pub pos: String,
    pub rchrg: &'static str,
    pub inv_typ: &'static str,
    pub itms: Vec<Item>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CdnurNote {
    pub typ: &'static str,
    pub ntty: &'static str,
    pub nt_num: String,
    pub nt_dt: String,
    pub val: Amount,
    pub pos: String,
    pub itms: Vec<Item>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Nil {
    pub inv: Vec<NilRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NilRow {
    pub sply_ty: &'static str,
    pub nil_amt: Amount,
    pub expt_amt: Amount,
    pub ngsup_amt: Amount,
}

#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Hsn {
    /// From May 2025: Table 12 in two tabs.
    Split {
        #[serde(skip_serializing_if = "Vec::is_empty")]
        hsn_b2b: Vec<HsnRow>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        hsn_b2c: Vec<HsnRow>,
    },
    /// Before May 2025: one table.
    Legacy { data: Vec<HsnRow> },
}

#[derive(Clone, Debug, Serialize)]
pub struct HsnRow {
    pub num: u32,
    pub hsn_sc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_desc: Option<String>,
    pub uqc: &'static str,
    pub qty: Qty,
    pub rt: Rate,
    pub txval: Amount,
    pub iamt: Amount,
    pub camt: Amount,
    pub samt: Amount,
    pub csamt: Amount,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocIssue {
    pub doc_det: Vec<DocDet>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocDet {
    pub doc_num: u8,
    pub docs: Vec<DocRange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocRange {
    pub num: u32,
    pub from: String,
    pub to: String,
    pub totnum: u64,
    pub cancel: u64,
    pub net_issue: u64,
}

/// An inter-state invoice to an unregistered buyer above this is "large".
pub fn b2cl_threshold(p: Period) -> Decimal {
    if p.from(2024, 8) {
        Decimal::from(100_000)
    } else {
        Decimal::from(250_000)
    }
}

/// The unit quantity code of a line's unit; services (SAC 99…) have none.
pub fn uqc(hsn: &str, unit: &str) -> &'static str {
    if hsn.starts_with("99") {
        return "NA";
    }
    match unit.trim().to_ascii_lowercase().as_str() {
        "pcs" | "pc" | "piece" | "pieces" => "PCS",
        "nos" | "no" | "number" | "numbers" => "NOS",
        "set" | "sets" => "SET",
        "box" | "boxes" => "BOX",
        "kg" | "kgs" => "KGS",
        "g" | "gm" | "gms" => "GMS",
        "m" | "mtr" | "mtrs" | "metre" | "meter" => "MTR",
        "pair" | "prs" => "PRS",
        "roll" | "rol" => "ROL",
        "l" | "ltr" | "litre" => "LTR",
        _ => "OTH",
    }
}

/// Per rate, what one document's lines add up to.
#[derive(Clone, Debug, Default)]
struct ByRate {
    taxable: Decimal,
    igst: Decimal,
    cgst: Decimal,
    sgst: Decimal,
}

fn by_rate(doc: &Document, taxes: &[LineTax]) -> BTreeMap<Decimal, ByRate> {
    let mut out: BTreeMap<Decimal, ByRate> = BTreeMap::new();
    for (l, t) in doc.lines.iter().zip(taxes) {
        let r = out.entry(l.gst_rate.normalize()).or_default();
        r.taxable += t.taxable;
        r.igst += t.igst;
        r.cgst += t.cgst;
        r.sgst += t.sgst;
    }
    out
}

fn items(rates: &BTreeMap<Decimal, ByRate>, supply: Supply, with_nil: bool) -> Vec<Item> {
    rates
        .iter()
        .filter(|(rt, _)| with_nil || !rt.is_zero())
        .enumerate()
        .map(|(i, (rt, r))| Item {
            num: i as u32 + 1,
            itm_det: detail(*rt, r, supply),
        })
        .collect()
}

fn detail(rt: Decimal, r: &ByRate, supply: Supply) -> ItemDetail {
    let inter = supply == Supply::InterState;
    ItemDetail {
        txval: Amount(r.taxable),
        rt: Rate(rt),
        iamt: inter.then_some(Amount(r.igst)),
        camt: (!inter).then_some(Amount(r.cgst)),
        samt: (!inter).then_some(Amount(r.sgst)),
        csamt: Amount(Decimal::ZERO),
    }
}

fn sply_ty(supply: Supply) -> &'static str {
    match supply {
        Supply::InterState => "INTER",
        Supply::IntraState => "INTRA",
    }
}

/// The GSTR-1 of `gstin` for `period`, from its documents dated in the
/// period (others are ignored) and its series' lease blocks.
pub fn gstr1(gstin: &str, period: Period, filed: &[Filed], blocks: &[Block]) -> Gstr1 {
    let threshold = b2cl_threshold(period);
    let mut b2b: BTreeMap<String, Vec<B2bInvoice>> = BTreeMap::new();
    let mut b2cl: BTreeMap<String, Vec<B2clInvoice>> = BTreeMap::new();
    let mut b2cs: BTreeMap<(&'static str, String, Decimal), ByRate> = BTreeMap::new();
    let mut cdnr: BTreeMap<String, Vec<CdnrNote>> = BTreeMap::new();
    let mut cdnur: Vec<CdnurNote> = vec![];
    let mut nil: BTreeMap<&'static str, Decimal> = BTreeMap::new();
    // (b2b?, hsn, uqc, rate) → qty, taxable, igst, cgst, sgst
    let mut hsn: BTreeMap<(bool, String, &'static str, Decimal), [Decimal; 5]> = BTreeMap::new();
    let mut said: BTreeMap<String, String> = BTreeMap::new();
    for f in filed
        .iter()
        .filter(|f| !f.cancelled && period.contains(f.doc.date) && f.doc.supplier_gstin == gstin)
    {
        let d = &f.doc;
        let supply = gst::supply_for(&d.supplier_state, &d.place_of_supply);
        let Ok(totals) = gst::compute(&d.lines, supply) else {
            continue;
        };
        let rates = by_rate(d, &totals.lines);
        let registered = d.customer_gstin.is_some();
        let credit = d.doc_type == DocType::CreditNote;
        let sign = if credit { -Decimal::ONE } else { Decimal::ONE };
        let idt = d.date.to_indian();
        let taxed: Vec<Item> = items(&rates, supply, false);
        let large = supply == Supply::InterState
            && (d.grand_total > threshold || f.original_total.is_some_and(|t| t > threshold));
        match (credit, registered) {
            (false, true) if !taxed.is_empty() => b2b
                .entry(d.customer_gstin.clone().unwrap_or_default())
                .or_default()
                .push(B2bInvoice {
                    inum: d.number.clone(),
                    idt,
                    val: Amount(d.grand_total),
                    pos: d.place_of_supply.clone(),
                    rchrg: "N",
                    inv_typ: "R",
                    itms: taxed,
                }),
            (true, true) if !taxed.is_empty() => cdnr
                .entry(d.customer_gstin.clone().unwrap_or_default())
                .or_default()
                .push(CdnrNote {
                    ntty: "C",
                    nt_num: d.number.clone(),
                    nt_dt: idt,
                    val: Amount(d.grand_total),
                    pos: d.place_of_supply.clone(),
                    rchrg: "N",
                    inv_typ: "R",
                    itms: taxed,
                }),
            (false, false) if large && !taxed.is_empty() => b2cl
                .entry(d.place_of_supply.clone())
                .or_default()
                .push(B2clInvoice {
                    inum: d.number.clone(),
                    idt,
                    val: Amount(d.grand_total),
                    itms: taxed,
                }),
            (true, false) if large && !taxed.is_empty() => cdnur.push(CdnurNote {
                typ: "B2CL",
                ntty: "C",
                nt_num: d.number.clone(),
                nt_dt: idt,
                val: Amount(d.grand_total),
                pos: d.place_of_supply.clone(),
                itms: taxed,
            }),
            (_, false) => {
                for (rt, r) in rates.iter().filter(|(rt, _)| !rt.is_zero()) {
                    let row = b2cs
                        .entry((sply_ty(supply), d.place_of_supply.clone(), *rt))
                        .or_default();
                    row.taxable += sign * r.taxable;
                    row.igst += sign * r.igst;
                    row.cgst += sign * r.cgst;
                    row.sgst += sign * r.sgst;
                }
            }
            _ => {}
        }
        if let Some(r) = rates.get(&Decimal::ZERO) {
            let key = match (supply, registered) {
                (Supply::InterState, true) => "INTRB2B",
                (Supply::IntraState, true) => "INTRAB2B",
                (Supply::InterState, false) => "INTRB2C",
                (Supply::IntraState, false) => "INTRAB2C",
            };
            *nil.entry(key).or_default() += sign * r.taxable;
        }
        for (l, t) in d.lines.iter().zip(&totals.lines) {
            let unit = uqc(&l.hsn_sac, &l.unit);
            said.entry(l.hsn_sac.clone())
                .or_insert_with(|| l.description.chars().take(30).collect());
            let row = hsn
                .entry((registered, l.hsn_sac.clone(), unit, l.gst_rate.normalize()))
                .or_default();
            if unit != "NA" {
                row[0] += sign * l.qty;
            }
            row[1] += sign * t.taxable;
            row[2] += sign * t.igst;
            row[3] += sign * t.cgst;
            row[4] += sign * t.sgst;
        }
    }
    let hsn_rows = |b2b_tab: bool| -> Vec<HsnRow> {
        hsn.iter()
            .filter(|((b, ..), _)| *b == b2b_tab)
            .enumerate()
            .map(|(i, ((_, code, unit, rt), v))| HsnRow {
                num: i as u32 + 1,
                hsn_sc: code.clone(),
                user_desc: said.get(code).cloned(),
                uqc: unit,
                qty: Qty(v[0]),
                rt: Rate(*rt),
                txval: Amount(v[1]),
                iamt: Amount(v[2]),
                camt: Amount(v[3]),
                samt: Amount(v[4]),
                csamt: Amount(Decimal::ZERO),
            })
            .collect()
    };
    let hsn = if hsn.is_empty() {
        None
    } else if period.from(2025, 5) {
        Some(Hsn::Split {
            hsn_b2b: hsn_rows(true),
            hsn_b2c: hsn_rows(false),
        })
    } else {
        let mut data = hsn_rows(true);
        data.extend(hsn_rows(false));
        for (i, r) in data.iter_mut().enumerate() {
            r.num = i as u32 + 1;
        }
        Some(Hsn::Legacy { data })
    };
    let nil = (!nil.is_empty()).then(|| Nil {
        inv: nil
            .into_iter()
            .map(|(sply_ty, amt)| NilRow {
                sply_ty,
                nil_amt: Amount(amt),
                expt_amt: Amount(Decimal::ZERO),
                ngsup_amt: Amount(Decimal::ZERO),
            })
            .collect(),
    });
    Gstr1 {
        gstin: gstin.to_string(),
        fp: period.fp(),
        version: VERSION,
        hash: "hash",
        b2b: b2b
            .into_iter()
            .map(|(ctin, inv)| B2bParty { ctin, inv })
            .collect(),
        b2cl: b2cl
            .into_iter()
            .map(|(pos, inv)| B2clPos { pos, inv })
            .collect(),
        b2cs: b2cs
            .into_iter()
            .map(|((sply, pos, rt), r)| {
                let inter = sply == "INTER";
                B2csRow {
                    sply_ty: sply,
                    pos,
                    typ: "OE",
                    rt: Rate(rt),
                    txval: Amount(r.taxable),
                    iamt: inter.then_some(Amount(r.igst)),
                    camt: (!inter).then_some(Amount(r.cgst)),
                    samt: (!inter).then_some(Amount(r.sgst)),
                    csamt: Amount(Decimal::ZERO),
                }
            })
            .collect(),
        cdnr: cdnr
            .into_iter()
            .map(|(ctin, nt)| CdnrParty { ctin, nt })
            .collect(),
        cdnur,
        nil,
        hsn,
        doc_issue: doc_issue(gstin, period, filed, blocks),
    }
}

/// Table 13: per lease block, the numbers used in the month (from the
/// lowest to the highest, the cancelled ones and any skipped counted as
/// cancelled), and a retired block's numbers that will never be used.
pub fn doc_issue(
    gstin: &str,
    period: Period,
    filed: &[Filed],
    blocks: &[Block],
) -> Option<DocIssue> {
    let mut det: BTreeMap<u8, Vec<DocRange>> = BTreeMap::new();
    let ours: Vec<&Filed> = filed
        .iter()
        .filter(|f| f.doc.supplier_gstin == gstin)
        .collect();
    let doc_num = |t: DocType| match t {
        DocType::TaxInvoice => 1u8,
        DocType::CreditNote => 5u8,
    };
    for b in blocks {
        let Ok(series) = Series::new(&b.prefix, b.doc_type, b.fy) else {
            continue;
        };
        let in_block: Vec<&&Filed> = ours
            .iter()
            .filter(|f| {
                f.doc.doc_type == b.doc_type
                    && f.doc.prefix == b.prefix
                    && f.doc.fy == b.fy
                    && (b.first..=b.last).contains(&f.doc.seq)
            })
            .collect();
        let in_month: Vec<&&&Filed> = in_block
            .iter()
            .filter(|f| period.contains(f.doc.date))
            .collect();
        let rows = det.entry(doc_num(b.doc_type)).or_default();
        if let (Some(lo), Some(hi)) = (
            in_month.iter().map(|f| f.doc.seq).min(),
            in_month.iter().map(|f| f.doc.seq).max(),
        ) {
            let totnum = hi - lo + 1;
            let live = in_month.iter().filter(|f| !f.cancelled).count() as u64;
            rows.push(DocRange {
                num: 0,
                from: series.format(lo).unwrap_or_default(),
                to: series.format(hi).unwrap_or_default(),
                totnum,
                cancel: totnum - live.min(totnum),
                net_issue: live.min(totnum),
            });
        }
        if b.retired_on.is_some_and(|d| period.contains(d)) {
            let used = in_block
                .iter()
                .map(|f| f.doc.seq)
                .max()
                .unwrap_or(b.first.saturating_sub(1));
            if used < b.last {
                let n = b.last - used;
                rows.push(DocRange {
                    num: 0,
                    from: series.format(used + 1).unwrap_or_default(),
                    to: series.format(b.last).unwrap_or_default(),
                    totnum: n,
                    cancel: n,
                    net_issue: 0,
                });
            }
        }
    }
    let doc_det: Vec<DocDet> = det
        .into_iter()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(doc_num, mut docs)| {
            docs.sort_by(|a, b| a.from.cmp(&b.from));
            for (i, r) in docs.iter_mut().enumerate() {
                r.num = i as u32 + 1;
            }
            DocDet { doc_num, docs }
        })
        .collect();
    (!doc_det.is_empty()).then_some(DocIssue { doc_det })
}
