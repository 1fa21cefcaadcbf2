//! Goods sent from Jayanagar (Karnataka, GSTIN 29…) to T Nagar (Tamil
//! Nadu, GSTIN 33…) are a supply between distinct persons: the transfer
//! goes with a tax invoice from the counter's own series, valued at the
//! item's cost, IGST since it crosses a state line, and an e-way bill
//! number above ₹50,000. T Nagar's stock shows the goods once received,
//! and Jayanagar's GSTR-1 shows the invoice as a B2B supply to T Nagar's
//! GSTIN.
//!
//! Worked by hand: 2 motherboards at cost ₹40,000 = ₹80,000 taxable, IGST
//! 18 % = ₹14,400, invoice value ₹94,400 (above ₹50,000: e-way bill due).

use branch_node::{NodeError, inventory as inv, sync};
use e2e_tests::world::{Hub, bg, dec};
use rust_decimal::Decimal;
use serde_json::Value;
use sync_core::domain::date::Date;
use sync_core::domain::roles::Role;

fn num(v: &Value) -> Decimal {
    v.to_string()
        .parse()
        .unwrap_or_else(|_| panic!("{v} is not a number"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_to_another_gstin_goes_with_its_tax_invoice_and_is_in_gstr1() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hub = Hub::start(root, 100_000).await;
    let jay = hub
        .enroll(root, 0, "jayanagar counter", true, &hub.url)
        .await;
    let tnr = hub.enroll(root, 1, "tnagar counter", true, &hub.url).await;
    let (a, b) = (&hub.branches[0], &hub.branches[1]);
    let j_mgr = jay.login(a, Role::Manager).await;
    let t_mgr = tnr.login(b, Role::Manager).await;
    let tnagar = b.id;
    // Jayanagar learns of T Nagar's counter (enrolled after it).
    sync::sync_once(&jay.node, &hub.url).await.unwrap();

    let (n, m) = (jay.node.clone(), j_mgr.clone());
    let (board, refusals, sent, in_store) = bg(move || {
        let board = inv::create_item(
            &n,
            &m,
            inv::ItemInput {
                sku: "MB-DELL-3520".into(),
                name: "Dell Inspiron 3520 motherboard".into(),
                hsn_sac: "84733020".into(),
                gst_rate: dec("18"),
                unit: "pcs".into(),
                sale_price: dec("52000"),
                cost: dec("40000"),
                reorder_level: Decimal::ZERO,
                is_service: false,
            },
        )
        .unwrap()
        .id;
        inv::receive(
            &n,
            &m,
            inv::ReceiptInput {
                item: board,
                qty: dec("3"),
                supplier: "Nehru Place Traders".into(),
                reference: None,
                note: None,
            },
        )
        .unwrap();
        let send = |eway: Option<&str>| {
            inv::transfer_out(
                &n,
                &m,
                inv::TransferOutInput {
                    item: board,
                    qty: dec("2"),
                    to_branch: tnagar,
                    to_device: None,
                    unit_value: None,
                    eway_bill: eway.map(str::to_string),
                },
            )
        };
        let refusals: Vec<NodeError> = [send(None), send(Some("12345678901"))]
            .into_iter()
            .map(|r| r.unwrap_err())
            .collect();
        let unchanged = inv::get_item(&n, &m, board).unwrap().in_store;
        let sent = send(Some("1212 3434 5656")).unwrap();
        (board, refusals, sent, unchanged)
    })
    .await;
    for (e, why) in refusals.iter().zip(["above ₹50,000", "12 digits"]) {
        let text = e.to_string();
        assert!(
            text.contains("transfer.eway_bill") && text.contains(why),
            "{text}"
        );
    }
    assert_eq!(in_store, "3", "a refused transfer moves nothing");
    let today = Date::from_unix_ms_ist(hub::store::db::now_ms());
    let fy = today.financial_year() % 100;
    let number = format!("JAY/{fy:02}{:02}/0000001", (fy + 1) % 100);
    assert_eq!(
        sent.invoice.as_deref(),
        Some(number.as_str()),
        "the first number of the counter's series: the refusals used none"
    );

    // The link: Jayanagar's transfer and invoice reach the hub, T Nagar
    // hears of the transfer and takes the goods in.
    sync::sync_once(&jay.node, &hub.url).await.unwrap();
    sync::sync_once(&tnr.node, &hub.url).await.unwrap();
    let (n, m, transfer) = (tnr.node.clone(), t_mgr.clone(), sent.id);
    let there = bg(move || {
        inv::transfer_in(
            &n,
            &m,
            inv::TransferInInput {
                transfer,
                received: dec("2"),
            },
        )
        .unwrap();
        inv::get_item(&n, &m, board).unwrap().in_store
    })
    .await;
    assert_eq!(there, "2", "T Nagar's stock shows the goods");
    sync::sync_once(&tnr.node, &hub.url).await.unwrap();

    let store = hub.store.clone();
    let gstins = bg(move || hub::store::HubStore::gstins(&*store).unwrap()).await;
    let (jay_gstin, tnr_gstin) = (gstins[0].clone(), gstins[1].clone());
    assert!(jay_gstin.starts_with("29") && tnr_gstin.starts_with("33"));
    let period = format!("{:02}{}", today.month, today.year);
    let store = hub.store.clone();
    let (g, p) = (jay_gstin.clone(), period.clone());
    let r = bg(move || hub::returns::gstr1_of(&*store, &g, &p).unwrap()).await;
    let r = serde_json::to_value(&r).unwrap();
    let b2b = r["b2b"].as_array().expect("a B2B section");
    assert_eq!(b2b.len(), 1, "{b2b:?}");
    assert_eq!(b2b[0]["ctin"], tnr_gstin.as_str());
    let inv = &b2b[0]["inv"][0];
    assert_eq!(inv["inum"], number.as_str());
    assert_eq!(inv["pos"], "33");
    assert_eq!(num(&inv["val"]), dec("94400"));
    let det = &inv["itms"][0]["itm_det"];
    assert_eq!(
        (num(&det["txval"]), num(&det["rt"]), num(&det["iamt"])),
        (dec("80000"), dec("18"), dec("14400")),
        "{det}"
    );
    assert!(
        det["camt"].is_null() && det["samt"].is_null(),
        "IGST only: {det}"
    );
    // T Nagar supplied nothing: its own return has no B2B section.
    let store = hub.store.clone();
    let r = bg(move || hub::returns::gstr1_of(&*store, &tnr_gstin, &period).unwrap()).await;
    let r = serde_json::to_value(&r).unwrap();
    assert!(r.get("b2b").is_none_or(Value::is_null), "{r}");
}
