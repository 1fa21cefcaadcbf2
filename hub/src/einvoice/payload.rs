//! A tax invoice in the shape of NIC's Generate IRN request (schema
//! version 1.1 of e-invoice API v1.03; sources named in `crate::irp`):
//! every figure taxed again through `gst::compute`, so what the IRP
//! registers cannot disagree with the invoice printed.

use serde::Serialize;
use sync_core::CoreError;
use sync_core::body::{Document, LineKind};
use sync_core::domain::gst;
use sync_core::domain::states::state_name;

use crate::returns::{Amount, Qty, Rate};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Invoice<'a> {
    version: &'static str,
    tran_dtls: TranDtls,
    doc_dtls: DocDtls<'a>,
    seller_dtls: Party,
    buyer_dtls: Party,
    item_list: Vec<Item<'a>>,
    val_dtls: ValDtls,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TranDtls {
    tax_sch: &'static str,
    sup_typ: &'static str,
    reg_rev: &'static str,
    igst_on_intra: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DocDtls<'a> {
    typ: &'static str,
    no: &'a str,
    /// DD/MM/YYYY.
    dt: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Party {
    gstin: String,
    lgl_nm: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pos: Option<String>,
    addr1: String,
    loc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pin: Option<u32>,
    stcd: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Item<'a> {
    sl_no: String,
    prd_desc: &'a str,
    is_servc: &'static str,
    hsn_cd: &'a str,
    qty: Qty,
    unit: &'static str,
    unit_price: Amount,
    tot_amt: Amount,
    discount: Amount,
    ass_amt: Amount,
    gst_rt: Rate,
    igst_amt: Amount,
    cgst_amt: Amount,
    sgst_amt: Amount,
    tot_item_val: Amount,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ValDtls {
    ass_val: Amount,
    cgst_val: Amount,
    sgst_val: Amount,
    igst_val: Amount,
    rnd_off_amt: Amount,
    tot_inv_val: Amount,
}

/// The six digits of a PIN code in an address, if it has one.
fn pin_in(address: &str) -> Option<u32> {
    address
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6 && !w.starts_with('0'))
        .and_then(|w| w.parse().ok())
}

fn cut(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.is_empty() {
        return "-".into();
    }
    s.chars().take(max).collect()
}

/// A unit as NIC's list of unit quantity codes has it; `OTH` for the rest.
fn uqc(unit: &str) -> &'static str {
    match unit.trim().to_ascii_uppercase().as_str() {
        "NOS" | "NO" | "NOS." => "NOS",
        "PCS" | "PC" | "PIECE" | "PIECES" => "PCS",
        "SET" | "SETS" => "SET",
        "BOX" => "BOX",
        "MTR" | "M" | "METRE" => "MTR",
        _ => "OTH",
    }
}

fn party(gstin: &str, name: &str, address: &str, state: &str, pos: Option<&str>) -> Party {
    Party {
        gstin: gstin.to_string(),
        lgl_nm: cut(name, 100),
        pos: pos.map(str::to_string),
        addr1: cut(address, 100),
        loc: cut(state_name(state).unwrap_or(state), 50),
        pin: pin_in(address),
        stcd: state.to_string(),
    }
}

/// The Generate IRN request body for `doc`, issued by the branch named
/// `seller_name` at `seller_address`.
pub fn request(
    doc: &Document,
    seller_name: &str,
    seller_address: &str,
) -> Result<Vec<u8>, CoreError> {
    let supply = gst::supply_for(&doc.supplier_state, &doc.place_of_supply);
    let t = gst::compute(&doc.lines, supply)?;
    let buyer = doc.customer_gstin.clone().unwrap_or_default();
    let buyer_state = buyer.get(..2).unwrap_or(&doc.place_of_supply).to_string();
    let items = doc
        .lines
        .iter()
        .zip(&t.lines)
        .enumerate()
        .map(|(i, (l, x))| Item {
            sl_no: (i + 1).to_string(),
            prd_desc: &l.description,
            is_servc: if l.kind == LineKind::Part && !l.hsn_sac.starts_with("99") {
                "N"
            } else {
                "Y"
            },
            hsn_cd: &l.hsn_sac,
            qty: Qty(l.qty),
            unit: uqc(&l.unit),
            unit_price: Amount(l.unit_price),
            tot_amt: Amount(x.taxable + l.discount),
            discount: Amount(l.discount),
            ass_amt: Amount(x.taxable),
            gst_rt: Rate(l.gst_rate),
            igst_amt: Amount(x.igst),
            cgst_amt: Amount(x.cgst),
            sgst_amt: Amount(x.sgst),
            tot_item_val: Amount(x.total),
        })
        .collect();
    let inv = Invoice {
        version: "1.1",
        tran_dtls: TranDtls {
            tax_sch: "GST",
            sup_typ: "B2B",
            reg_rev: "N",
            igst_on_intra: "N",
        },
        doc_dtls: DocDtls {
            typ: "INV",
            no: &doc.number,
            dt: format!(
                "{:02}/{:02}/{:04}",
                doc.date.day, doc.date.month, doc.date.year
            ),
        },
        seller_dtls: party(
            &doc.supplier_gstin,
            seller_name,
            seller_address,
            &doc.supplier_state,
            None,
        ),
        buyer_dtls: party(
            &buyer,
            &doc.customer_name,
            doc.customer_address.as_deref().unwrap_or_default(),
            &buyer_state,
            Some(&doc.place_of_supply),
        ),
        item_list: items,
        val_dtls: ValDtls {
            ass_val: Amount(t.taxable),
            cgst_val: Amount(t.cgst),
            sgst_val: Amount(t.sgst),
            igst_val: Amount(t.igst),
            rnd_off_amt: Amount(t.round_off),
            tot_inv_val: Amount(t.grand_total),
        },
    };
    serde_json::to_vec(&inv).map_err(|e| CoreError::invalid("document", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_code_is_six_digits_not_starting_with_zero() {
        assert_eq!(
            pin_in("12, 4th Block, Jayanagar, Bengaluru 560011"),
            Some(560011)
        );
        assert_eq!(pin_in("Shop 4, MG Road"), None);
        assert_eq!(pin_in("Phone 9886012345"), None);
    }
}
