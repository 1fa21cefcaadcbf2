//! A GST rate announced ahead: the owner changes a catalogue item's rate
//! from a day on (`hub item edit --gst-rate 40 --rate-from …`). Lines made
//! from that day take the new rate; before it, the present one. A rate not
//! in force on its day is refused, and so is a day without a rate.

use branch_node::services::LineInput;
use branch_node::{billing as bill, sync};
use e2e_tests::world::{Hub, bg, dec};
use hub::store::{HubStore, ItemChange};
use sync_core::body::LineKind;
use sync_core::domain::date::Date;
use sync_core::domain::roles::Role;

fn day_after(d: Date) -> Date {
    (1..=3)
        .find_map(|k| Date::new(d.year, d.month, d.day + k).ok())
        .unwrap_or(Date {
            year: d.year + u16::from(d.month == 12),
            month: d.month % 12 + 1,
            day: 1,
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_changed_from_a_day_applies_from_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hub = Hub::start(root, 100_000).await;
    let counter = hub.enroll(root, 0, "counter", true, &hub.url).await;
    let (ram, ssd) = (hub.items["RAM8-DDR4"], hub.items["SSD512-NVME"]);
    let today = Date::from_unix_ms_ist(hub::store::db::now_ms());
    let store = hub.store.clone();
    let refusals = bg(move || {
        let change = |rate: &str, from: Option<Date>| ItemChange {
            gst_rate: Some(dec(rate)),
            rate_from: from,
            ..ItemChange::default()
        };
        // From today for the RAM, from tomorrow for the SSD: both 40 %.
        store.update_item(ram, &change("40", Some(today))).unwrap();
        store
            .update_item(ssd, &change("40", Some(day_after(today))))
            .unwrap();
        [
            store.update_item(ram, &change("12", Some(today))),
            store.update_item(
                ram,
                &ItemChange {
                    rate_from: Some(today),
                    ..ItemChange::default()
                },
            ),
        ]
        .map(|r| r.unwrap_err().to_string())
    })
    .await;
    assert!(refusals[0].contains("next_gst_rate"), "{refusals:?}");
    assert!(refusals[1].contains("rate_from"), "{refusals:?}");

    sync::sync_once(&counter.node, &hub.url).await.unwrap();
    let acct = counter.login(&hub.branches[0], Role::Accountant).await;
    let n = counter.node.clone();
    let rates = bg(move || {
        let line = |item| LineInput {
            kind: LineKind::Part,
            item: Some(item),
            description: String::new(),
            hsn_sac: String::new(),
            qty: dec("1"),
            unit: "pcs".into(),
            unit_price: dec("1000"),
            discount: dec("0"),
            gst_rate: dec("18"),
        };
        let d = bill::create_draft(
            &n,
            &acct,
            bill::DraftInput {
                job: None,
                customer: None,
                customer_name: Some("Walk-in".into()),
                customer_gstin: None,
                customer_state: None,
                customer_address: None,
                lines: vec![line(ram), line(ssd)],
            },
        )
        .unwrap();
        d.draft
            .lines
            .iter()
            .map(|l| l.gst_rate.normalize().to_string())
            .collect::<Vec<_>>()
    })
    .await;
    assert_eq!(
        rates,
        ["40", "18"],
        "the RAM's new rate applies today; the SSD's not before tomorrow"
    );

    // A supplier's bill is taxed at the rate of its own date: one dated
    // before the change, 18 % (CGST 90 on 1000); one dated today, 40 % (200).
    let (n, s) = (
        counter.node.clone(),
        counter.login(&hub.branches[0], Role::Accountant).await,
    );
    let cgst = bg(move || {
        [(Date::new(2026, 11, 30).unwrap(), "A/1"), (today, "A/2")].map(|(bill_date, number)| {
            branch_node::purchases::record(
                &n,
                &s,
                branch_node::purchases::PurchaseInput {
                    supplier_name: "Sri Ram Computers".into(),
                    supplier_gstin: None,
                    supplier_state: None,
                    bill_number: number.into(),
                    bill_date,
                    lines: vec![LineInput {
                        kind: LineKind::Part,
                        item: Some(ram),
                        description: String::new(),
                        hsn_sac: String::new(),
                        qty: dec("1"),
                        unit: "pcs".into(),
                        unit_price: dec("1000"),
                        discount: dec("0"),
                        gst_rate: dec("18"),
                    }],
                    grand_total: None,
                },
            )
            .unwrap()
            .cgst
        })
    })
    .await;
    assert_eq!(cgst, ["90.00".to_string(), "200.00".to_string()]);
}
