//! Two devices of one branch billing offline at once, each in a series of
//! its own (`hub device enroll --own-series`): each device's numbers run
//! consecutively in its own prefix, the hub takes every one of them when
//! the link comes back, and GSTR-1's documents-issued table lists each
//! series. A device cannot number in another's series, and the owner is
//! told plainly when a prefix is taken or the device could never bill.

use branch_node::auth::Session;
use branch_node::services::LineInput;
use branch_node::{billing as bill, sync};
use e2e_tests::world::{Device, Hub, bg, dec};
use hub::store::{EnrollmentAsk, HubStore, SeriesChoice};
use rust_decimal::Decimal;
use sync_core::body::{LineKind, OwnSeries};
use sync_core::domain::date::Date;
use sync_core::domain::roles::Role;

async fn bill_offline(d: &Device, s: &Session, n: usize) -> Vec<String> {
    let (node, s) = (d.node.clone(), s.clone());
    bg(move || {
        (0..n)
            .map(|i| {
                let draft = bill::create_draft(
                    &node,
                    &s,
                    bill::DraftInput {
                        job: None,
                        customer: None,
                        customer_name: Some(format!("Walk-in {i}")),
                        customer_gstin: None,
                        customer_state: None,
                        customer_address: None,
                        lines: vec![LineInput {
                            kind: LineKind::Service,
                            item: None,
                            description: "Keyboard replacement labour".into(),
                            hsn_sac: "998713".into(),
                            qty: Decimal::ONE,
                            unit: "nos".into(),
                            unit_price: dec("500"),
                            discount: Decimal::ZERO,
                            gst_rate: dec("18"),
                        }],
                    },
                )
                .unwrap();
                bill::finalize(&node, &s, draft.draft.id, None)
                    .unwrap()
                    .doc
                    .number
            })
            .collect()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_bill_offline_each_in_its_own_consecutive_series() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hub = Hub::start(root, 100_000).await;
    let jay = &hub.branches[0];
    let counter = hub.enroll(root, 0, "counter", true, &hub.url).await;
    let laptop = hub
        .enroll_as(
            root,
            EnrollmentAsk {
                branch: jay.id,
                label: "accounts laptop".into(),
                holds_store: false,
                ceiling: Some(Role::Manager),
                series: SeriesChoice::OwnNext,
            },
            &hub.url,
        )
        .await;

    // The owner is told what is wrong, and nothing is issued.
    let store = hub.store.clone();
    let branch = jay.id;
    let refusals = bg(move || {
        let ask = |series, ceiling| EnrollmentAsk {
            branch,
            label: "spare".into(),
            holds_store: false,
            ceiling,
            series,
        };
        let taken = store.create_enrollment_for(
            &ask(
                SeriesChoice::Own(OwnSeries {
                    invoice_prefix: "JAYA".into(),
                    credit_note_prefix: "JAYZ".into(),
                }),
                Some(Role::Manager),
            ),
            0,
        );
        let alike = store.create_enrollment_for(
            &ask(
                SeriesChoice::Own(OwnSeries {
                    invoice_prefix: "JAYQ".into(),
                    credit_note_prefix: "JAYQ".into(),
                }),
                Some(Role::Manager),
            ),
            0,
        );
        let never_bills =
            store.create_enrollment_for(&ask(SeriesChoice::OwnNext, Some(Role::Technician)), 0);
        let next = store
            .create_enrollment_for(&ask(SeriesChoice::OwnNext, Some(Role::Accountant)), 0)
            .unwrap();
        [taken, alike, never_bills]
            .map(|r| r.unwrap_err().to_string())
            .into_iter()
            .chain([format!("{:?}", next.own_series)])
            .collect::<Vec<_>>()
    })
    .await;
    assert!(
        refusals[0].contains("own_series.invoice_prefix") && refusals[0].contains("JAYA"),
        "{refusals:?}"
    );
    assert!(
        refusals[1].contains("own_series.credit_note_prefix"),
        "{refusals:?}"
    );
    assert!(refusals[2].contains("own_series"), "{refusals:?}");
    assert!(
        refusals[3].contains("JAYB") && refusals[3].contains("JAYCB"),
        "the next free letter, past the laptop's A: {refusals:?}"
    );

    // The link is down: both bill at once, neither hears of the other.
    let c_acct = counter.login(jay, Role::Accountant).await;
    let l_acct = laptop.login(jay, Role::Accountant).await;
    let at_counter = bill_offline(&counter, &c_acct, 3).await;
    let at_laptop = bill_offline(&laptop, &l_acct, 3).await;
    let fy = Date::from_unix_ms_ist(hub::store::db::now_ms()).financial_year() % 100;
    let fy = format!("{fy:02}{:02}", (fy + 1) % 100);
    assert_eq!(
        at_counter,
        (1..=3)
            .map(|n| format!("JAY/{fy}/{n:07}"))
            .collect::<Vec<_>>(),
        "the counter numbers in the branch's series"
    );
    assert_eq!(
        at_laptop,
        (1..=3)
            .map(|n| format!("JAYA/{fy}/{n:06}"))
            .collect::<Vec<_>>(),
        "the laptop numbers in its own, from 1, without a gap"
    );

    // The link is back: the hub takes all six, and each device learns the other's.
    for _ in 0..2 {
        for d in [&counter, &laptop] {
            sync::sync_once(&d.node, &hub.url).await.unwrap();
        }
    }
    for (d, s) in [(&counter, &c_acct), (&laptop, &l_acct)] {
        let (n, s) = (d.node.clone(), s.clone());
        let mut numbers: Vec<String> = bg(move || bill::list_documents(&n, &s, None).unwrap())
            .await
            .into_iter()
            .map(|d| d.doc.number)
            .collect();
        numbers.sort();
        let mut all: Vec<String> = at_counter.iter().chain(&at_laptop).cloned().collect();
        all.sort();
        assert_eq!(numbers, all, "{} holds all six", d.label);
    }
    let store = hub.store.clone();
    let gstin = bg(move || store.gstins().unwrap()[0].clone()).await;
    let today = Date::from_unix_ms_ist(hub::store::db::now_ms());
    let period = format!("{:02}{}", today.month, today.year);
    let store = hub.store.clone();
    let r = bg(move || hub::returns::gstr1_of(&*store, &gstin, &period).unwrap()).await;
    let r = serde_json::to_value(&r).unwrap();
    let invoices = r["doc_issue"]["doc_det"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["doc_num"] == 1)
        .expect("invoices issued")["docs"]
        .as_array()
        .unwrap()
        .clone();
    let rows: Vec<(String, String, u64)> = invoices
        .iter()
        .map(|d| {
            (
                d["from"].as_str().unwrap().to_string(),
                d["to"].as_str().unwrap().to_string(),
                d["net_issue"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (at_counter[0].clone(), at_counter[2].clone(), 3),
            (at_laptop[0].clone(), at_laptop[2].clone(), 3),
        ],
        "each series is its own row of table 13"
    );
}
