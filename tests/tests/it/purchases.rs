//! Purchases: a supplier's bill recorded at the Jayanagar counter brings its
//! goods into stock in the same write, is owed until paid, and its tax is
//! input tax credit in Jayanagar's GSTR-3B at the hub; goods Jayanagar then
//! sends T Nagar (another GSTIN) are T Nagar's credit.
//!
//! Worked by hand:
//! - Sri Ram Computers (GSTIN 29…, Karnataka, as we are), bill SR/1187:
//!   4 × 8 GB RAM at ₹1,500 + freight ₹200, 18 %: taxable ₹6,200, CGST
//!   ₹558, SGST ₹558, total ₹7,316. Paid ₹3,000: ₹4,316 owed.
//! - A walk-in seller with no GSTIN: a ₹1,000 fan, 18 %: ₹1,180 owed, no
//!   credit.
//! - One RAM stick sent to T Nagar at its cost ₹1,500: IGST ₹270, T Nagar's
//!   credit.

use branch_node::services::LineInput;
use branch_node::{inventory as inv, purchases as buy, sync};
use e2e_tests::world::{Hub, bg, dec};
use rust_decimal::Decimal;
use serde_json::Value;
use sync_core::body::{LineKind, PaymentMode};
use sync_core::domain::date::Date;
use sync_core::domain::roles::Role;

fn num(v: &Value) -> Decimal {
    v.to_string()
        .parse()
        .unwrap_or_else(|_| panic!("{v} is not a number"))
}

fn typed(description: &str, price: &str) -> LineInput {
    LineInput {
        kind: LineKind::Service,
        item: None,
        description: description.into(),
        hsn_sac: "996511".into(),
        qty: Decimal::ONE,
        unit: "nos".into(),
        unit_price: dec(price),
        discount: Decimal::ZERO,
        gst_rate: dec("18"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suppliers_bill_brings_stock_is_owed_and_is_input_tax_credit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hub = Hub::start(root, 100_000).await;
    let jay = hub
        .enroll(root, 0, "jayanagar counter", true, &hub.url)
        .await;
    let tnr = hub.enroll(root, 1, "tnagar counter", true, &hub.url).await;
    sync::sync_once(&jay.node, &hub.url).await.unwrap();
    let (a, b) = (&hub.branches[0], &hub.branches[1]);
    let acct = jay.login(a, Role::Accountant).await;
    let t_mgr = tnr.login(b, Role::Manager).await;
    let today = Date::from_unix_ms_ist(hub::store::db::now_ms());
    let supplier = sync_core::testkit::gstin("29", "AAACS1234A");
    let tnagar = b.id;

    let (n, s, g) = (jay.node.clone(), acct.clone(), supplier.clone());
    let (ram, refusals, stock, owed, overpay, transfer) = bg(move || {
        let ram = inv::create_item(
            &n,
            &s,
            inv::ItemInput {
                sku: "RAM-8G".into(),
                name: "8 GB DDR4 SODIMM".into(),
                hsn_sac: "84733020".into(),
                gst_rate: dec("18"),
                unit: "pcs".into(),
                sale_price: dec("2200"),
                cost: dec("1500"),
                reorder_level: Decimal::ZERO,
                is_service: false,
            },
        )
        .unwrap()
        .id;
        let bill = |gstin: Option<&str>, number: &str, total: Option<&str>| buy::PurchaseInput {
            supplier_name: "Sri Ram Computers".into(),
            supplier_gstin: gstin.map(str::to_string),
            supplier_state: None,
            bill_number: number.into(),
            bill_date: today,
            lines: vec![
                LineInput {
                    kind: LineKind::Part,
                    item: Some(ram),
                    description: String::new(),
                    hsn_sac: String::new(),
                    qty: dec("4"),
                    unit: "pcs".into(),
                    unit_price: dec("1500"),
                    discount: Decimal::ZERO,
                    gst_rate: dec("18"),
                },
                typed("Freight", "200"),
            ],
            grand_total: total.map(dec),
        };
        let sr = buy::record(&n, &s, bill(Some(&g), "SR/1187", Some("7316"))).unwrap();
        assert_eq!(
            (
                sr.taxable.as_str(),
                sr.cgst.as_str(),
                sr.sgst.as_str(),
                sr.igst.as_str()
            ),
            ("6200.00", "558.00", "558.00", "0.00"),
            "{sr:?}"
        );
        let refusals: Vec<String> = [
            bill(Some(&g), "SR/1187", None),
            bill(Some("29AAACS1234A1Z9"), "SR/1188", None),
            bill(Some(&g), "SR/1189", Some("7000")),
        ]
        .into_iter()
        .map(|b| buy::record(&n, &s, b).unwrap_err().to_string())
        .collect();
        let stock = inv::get_item(&n, &s, ram).unwrap().in_store;
        buy::record(
            &n,
            &s,
            buy::PurchaseInput {
                supplier_name: "Walk-in seller".into(),
                supplier_gstin: None,
                supplier_state: None,
                bill_number: "1".into(),
                bill_date: today,
                lines: vec![typed("CPU fan", "1000")],
                grand_total: None,
            },
        )
        .unwrap();
        let pay = |amount: &str| {
            buy::pay(
                &n,
                &s,
                sr.id,
                buy::SupplierPaymentInput {
                    amount: dec(amount),
                    mode: PaymentMode::Upi,
                    reference: Some("UPI 4455".into()),
                    date: None,
                },
            )
        };
        pay("3000").unwrap();
        let overpay = pay("5000").unwrap_err().to_string();
        let owed: Vec<(String, String)> = buy::payables(&n, &s)
            .unwrap()
            .into_iter()
            .map(|p| (p.supplier_name, p.due))
            .collect();
        let transfer = inv::transfer_out(
            &n,
            &s,
            inv::TransferOutInput {
                item: ram,
                qty: dec("1"),
                to_branch: tnagar,
                to_device: None,
                unit_value: None,
                eway_bill: None,
            },
        )
        .unwrap()
        .id;
        (ram, refusals, stock, owed, overpay, transfer)
    })
    .await;
    assert!(refusals[0].contains("bill_number"), "{refusals:?}");
    assert!(refusals[1].contains("supplier_gstin"), "{refusals:?}");
    assert!(
        refusals[2].contains("grand_total") && refusals[2].contains("7316"),
        "{refusals:?}"
    );
    assert_eq!(
        stock, "4",
        "the bill's goods, once: refused bills moved none"
    );
    assert!(
        overpay.contains("amount") && overpay.contains("4316"),
        "{overpay}"
    );
    assert_eq!(
        owed,
        vec![
            ("Sri Ram Computers".to_string(), "4316.00".to_string()),
            ("Walk-in seller".to_string(), "1180.00".to_string()),
        ]
    );

    sync::sync_once(&jay.node, &hub.url).await.unwrap();
    sync::sync_once(&tnr.node, &hub.url).await.unwrap();
    let (n, m) = (tnr.node.clone(), t_mgr.clone());
    bg(move || {
        inv::transfer_in(
            &n,
            &m,
            inv::TransferInInput {
                transfer,
                received: dec("1"),
            },
        )
        .unwrap();
        assert_eq!(inv::get_item(&n, &m, ram).unwrap().in_store, "1");
    })
    .await;

    let period = format!("{:02}{}", today.month, today.year);
    let store = hub.store.clone();
    let gstins = bg(move || hub::store::HubStore::gstins(&*store).unwrap()).await;
    let mut itc = vec![];
    for g in gstins {
        let (store, p) = (hub.store.clone(), period.clone());
        let r = bg(move || hub::returns::gstr3b_of(&*store, &g, &p).unwrap()).await;
        let r = serde_json::to_value(&r).unwrap();
        let net = &r["itc_elg"]["itc_net"];
        assert_eq!(r["itc_elg"]["itc_avl"][0]["ty"], "OTH");
        itc.push((num(&net["iamt"]), num(&net["camt"]), num(&net["samt"])));
    }
    assert_eq!(
        itc,
        vec![
            (Decimal::ZERO, dec("558"), dec("558")),
            (dec("270"), Decimal::ZERO, Decimal::ZERO),
        ],
        "Jayanagar's credit is the registered supplier's tax; T Nagar's the transfer's IGST"
    );
}
