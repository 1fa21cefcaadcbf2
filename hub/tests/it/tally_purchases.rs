//! What the shop bought, in its books and its return: two suppliers' bills
//! and a payment, pushed as signed ops by the counter, come out of the
//! Tally export as "Purchase" and "Payment" vouchers that balance, and out
//! of GSTR-3B as table 4's input tax credit, on both engines.
//!
//! | bill                                   | taxable | tax                 | total |
//! |----------------------------------------|---------|---------------------|-------|
//! | Sri Ram (29, ours): 4 × 1500 + 200 @18  | 6200    | C 558, S 558        | 7316  |
//! | Pune Parts (27): 1000 @5               | 1000    | I 50                | 1050  |
//! | a walk-in seller (no GSTIN): 500 @18   | 500     | C 45, S 45 (no ITC) | 590   |
//!
//! Paid Sri Ram 3000 by UPI. ITC: IGST 50, CGST 558, SGST 558.

use crate::common::xml::{El, parse};
use crate::common::*;
use crate::gst_returns::{dec, line, login, push_all};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use rust_decimal::Decimal;
use serde_json::Value;
use sync_core::body::*;
use sync_core::domain::date::Date;
use sync_core::ids::RecordId;

fn entries(v: &El) -> Vec<(String, Decimal)> {
    v.all("ALLLEDGERENTRIES.LIST")
        .into_iter()
        .map(|e| {
            let a = dec(e.get("AMOUNT").unwrap());
            let debit = e.get("ISDEEMEDPOSITIVE") == Some("Yes");
            assert_eq!(debit, a < Decimal::ZERO, "a debit is negative: {e:?}");
            (e.get("LEDGERNAME").unwrap().to_string(), a)
        })
        .collect()
}

fn want(rows: &[(&str, &str)]) -> Vec<(String, Decimal)> {
    rows.iter().map(|(l, a)| (l.to_string(), dec(a))).collect()
}

fn bill(
    n: u32,
    name: &str,
    gstin: Option<String>,
    state: &str,
    lines: Vec<Line>,
    total: &str,
    day: Date,
) -> Purchase {
    Purchase {
        id: RecordId(sync_core::testkit::id16(b'B', n)),
        supplier_name: name.into(),
        supplier_gstin: gstin,
        supplier_state: state.into(),
        bill_number: format!("SB/{n}"),
        bill_date: day,
        lines,
        grand_total: dec(total),
    }
}

fn num(v: &Value) -> Decimal {
    v.to_string().parse().unwrap()
}

#[tokio::test]
async fn suppliers_bills_are_purchase_vouchers_and_input_tax_credit() {
    let h = start().await;
    let today = Date::from_unix_ms_ist(hub::store::db::now_ms());
    let day = Date::new(today.year, today.month, 1).unwrap();
    let fp = format!("{:02}{}", day.month, day.year);
    let gst_a = sync_core::testkit::gstin("29", "ABCDE1234F");
    let acc = h.users["acc_a"];
    let mut store = Dev::enroll(&h, h.a, true).await;
    store.pull_all().await;
    let mut four = line(1, "1500", "18");
    four.qty = dec("4");
    let sri_ram = bill(
        1,
        "Sri Ram Computers",
        Some(sync_core::testkit::gstin("29", "AAACS1234A")),
        "29",
        vec![four, line(2, "200", "18")],
        "7316",
        day,
    );
    let pune = bill(
        2,
        "Pune Parts",
        Some(sync_core::testkit::gstin("27", "AABCP5678Q")),
        "27",
        vec![line(3, "1000", "5")],
        "1050",
        day,
    );
    let walk_in = bill(
        3,
        "Walk-in seller",
        None,
        "29",
        vec![line(4, "500", "18")],
        "590",
        day,
    );
    let mut ops = vec![];
    for p in [&sri_ram, &pune, &walk_in] {
        ops.push(store.make(acc, OpBody::PurchaseRecorded(p.clone())));
    }
    ops.push(store.make(
        acc,
        OpBody::SupplierPaid(SupplierPayment {
            id: RecordId(sync_core::testkit::id16(b'Q', 1)),
            purchase: sri_ram.id,
            amount: dec("3000"),
            mode: PaymentMode::Upi,
            reference: Some("UPI-91".into()),
            date: day,
        }),
    ));
    push_all(&store, &ops).await;

    let cookie = login(&h).await;
    let get = |path: String| {
        let (http, cookie) = (h.client.clone(), cookie.clone());
        async move { http.get(path).header(COOKIE, cookie).send().await.unwrap() }
    };
    let r = get(format!(
        "{}/returns/tally.xml?gstin={gst_a}&period={fp}",
        h.url
    ))
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let env = parse(&r.text().await.unwrap());
    let vouchers: Vec<&El> = env
        .at(&["BODY", "IMPORTDATA", "REQUESTDATA"])
        .all("TALLYMESSAGE")
        .into_iter()
        .flat_map(|m| m.all("VOUCHER"))
        .collect();
    let of = |kind: &str| -> Vec<&&El> {
        vouchers
            .iter()
            .filter(|v| v.get("VOUCHERTYPENAME") == Some(kind))
            .collect()
    };
    let bought = of("Purchase");
    assert_eq!(bought.len(), 3);
    let by_ref = |r: &str| {
        bought
            .iter()
            .find(|v| v.get("REFERENCE") == Some(r))
            .unwrap_or_else(|| panic!("no purchase voucher for {r}"))
    };
    assert_eq!(
        entries(by_ref("SB/1")),
        want(&[
            ("Sri Ram Computers", "7316.00"),
            ("Purchases @18%", "-6200.00"),
            ("Input CGST", "-558.00"),
            ("Input SGST", "-558.00"),
        ])
    );
    assert_eq!(
        entries(by_ref("SB/2")),
        want(&[
            ("Pune Parts", "1050.00"),
            ("Purchases @5%", "-1000.00"),
            ("Input IGST", "-50.00"),
        ])
    );
    assert_eq!(
        by_ref("SB/2").get("PARTYGSTIN"),
        pune.supplier_gstin.as_deref()
    );
    let paid = of("Payment");
    assert_eq!(paid.len(), 1);
    assert_eq!(
        entries(paid[0]),
        want(&[("Sri Ram Computers", "-3000.00"), ("Bank", "3000.00")])
    );
    for v in &vouchers {
        let sum = entries(v).iter().fold(Decimal::ZERO, |s, (_, a)| s + a);
        assert_eq!(sum, Decimal::ZERO, "{v:?}");
    }

    let r = get(format!(
        "{}/returns/gstr3b?gstin={gst_a}&period={fp}",
        h.url
    ))
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let net = &v["itc_elg"]["itc_net"];
    assert_eq!(
        (num(&net["iamt"]), num(&net["camt"]), num(&net["samt"])),
        (dec("50"), dec("558"), dec("558")),
        "the walk-in seller's tax is no credit: {v}"
    );
    assert_eq!(v["itc_elg"]["itc_avl"][0]["ty"], "OTH");
}
