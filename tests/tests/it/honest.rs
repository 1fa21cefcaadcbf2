//! Honest people working at once, offline from the hub with the shop LAN
//! up: what they do is never refused, every replica ends the same, and
//! what needs a person is shown to one.
//!
//! The Jayanagar counter and the laptop (the accountant and the manager use
//! it too) each take a payment on one invoice that together exceed it; the
//! counter cancels a job while the laptop is still editing it; the counter
//! sends a part that only Jayanagar stocks to T Nagar; and the counter and
//! the laptop each save the diagnosis of one job from screens loaded at the
//! same version. After the LAN exchange and then the hub: every device's
//! digest equals the hub's, both payments are at the hub, the overpayment
//! and the late edit are in needs attention on both devices and at the hub,
//! T Nagar takes the part in, and both people's words are in the text on
//! every replica.

use branch_node::services::{self as svc, CustomerInput, JobInput, LineInput, StatusInput};
use branch_node::{billing as bill, inventory as inv, sync};
use e2e_tests::world::{Device, Hub, bg, dec};
use rust_decimal::Decimal;
use sync_core::body::{LineKind, PaymentMode, TextField};
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;
use sync_core::ids::RecordId;

fn intake(mobile: &str) -> JobInput {
    JobInput {
        customer: None,
        new_customer: Some(CustomerInput {
            name: format!("Customer {mobile}"),
            mobile: mobile.into(),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        }),
        device_type: "Laptop".into(),
        brand: "Dell".into(),
        model: "Inspiron 15 3520".into(),
        serial: format!("SN{mobile}"),
        complaint: "No display".into(),
        accessories: vec![],
        condition: String::new(),
        password: None,
        promised: None,
        technician: None,
    }
}

async fn lan(a: &Device, b: &Device) {
    sync::sync_once(&a.node, &b.url).await.expect("LAN sync");
    sync::sync_once(&b.node, &a.url).await.expect("LAN sync");
}

fn text_of(d: &Device, s: &branch_node::auth::Session, job: RecordId) -> String {
    svc::job_detail(&d.node, s, job).unwrap().diagnosis
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_offline_concurrency_is_taken_flagged_and_converges() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hub = Hub::start(root, 100_000).await;
    let counter = hub.enroll(root, 0, "counter", true, &hub.url).await;
    let laptop = hub
        .enroll_with(root, 0, "laptop", false, Some(Role::Manager), &hub.url)
        .await;
    let tnagar = hub.enroll(root, 1, "tnagar counter", true, &hub.url).await;
    let (a, b) = (&hub.branches[0], &hub.branches[1]);
    let c_mgr = counter.login(a, Role::Manager).await;
    let c_acct = counter.login(a, Role::Accountant).await;
    let c_rcp = counter.login(a, Role::Receptionist).await;
    let l_acct = laptop.login(a, Role::Accountant).await;
    let l_tech = laptop.login(a, Role::Technician).await;
    let t_mgr = tnagar.login(b, Role::Manager).await;

    // Morning, online: two jobs, an invoice, a part only Jayanagar stocks.
    let (jobs, invoice, fan) = bg({
        let (n, rcp, mgr, acct) = (
            counter.node.clone(),
            c_rcp.clone(),
            c_mgr.clone(),
            c_acct.clone(),
        );
        move || {
            let jobs: Vec<RecordId> = ["9845000001", "9845000002"]
                .iter()
                .map(|m| svc::open_job(&n, &rcp, intake(m)).unwrap().job.summary.id)
                .collect();
            svc::set_text(
                &n,
                &mgr,
                jobs[0],
                TextField::Diagnosis,
                "Screen dead.",
                None,
            )
            .unwrap();
            let draft = bill::create_draft(
                &n,
                &acct,
                bill::DraftInput {
                    job: None,
                    customer: None,
                    customer_name: Some("Walk-in".into()),
                    customer_gstin: None,
                    customer_state: None,
                    customer_address: None,
                    lines: vec![LineInput {
                        kind: LineKind::Service,
                        item: None,
                        description: "Chip-level repair".into(),
                        hsn_sac: "998713".into(),
                        qty: Decimal::ONE,
                        unit: "nos".into(),
                        unit_price: dec("1000"),
                        discount: Decimal::ZERO,
                        gst_rate: dec("18"),
                    }],
                },
            )
            .unwrap();
            let invoice = bill::finalize(&n, &acct, draft.draft.id, None).unwrap();
            let fan = inv::create_item(
                &n,
                &mgr,
                inv::ItemInput {
                    sku: "FAN-LOCAL".into(),
                    name: "Refurbished CPU fan".into(),
                    hsn_sac: "84733099".into(),
                    gst_rate: dec("18"),
                    unit: "pcs".into(),
                    sale_price: dec("450"),
                    cost: dec("300"),
                    reorder_level: Decimal::ONE,
                    is_service: false,
                },
            )
            .unwrap()
            .id;
            inv::receive(
                &n,
                &mgr,
                inv::ReceiptInput {
                    item: fan,
                    qty: dec("5"),
                    supplier: "SP Road".into(),
                    reference: None,
                    note: None,
                },
            )
            .unwrap();
            (jobs, invoice.doc.id, fan)
        }
    })
    .await;
    assert_eq!(
        bg({
            let n = counter.node.clone();
            move || {
                n.read(|c| Ok(sqlite_replica::review::overpaid(c)?.len()))
                    .unwrap()
            }
        })
        .await,
        0
    );
    for d in [&counter, &laptop, &tnagar] {
        sync::sync_once(&d.node, &hub.url).await.unwrap();
    }
    // The laptop's screen of job 1 is loaded now, at this version.
    let seen = svc::job_detail(&laptop.node, &l_tech, jobs[0]).unwrap();
    assert_eq!(seen.diagnosis, "Screen dead.");

    // The internet goes; the LAN stays. Both take ₹1,000 on the ₹1,180
    // invoice before either sees the other's.
    let pay = |n: std::sync::Arc<branch_node::Node>, s: branch_node::auth::Session| {
        bg(move || {
            bill::record_payment(
                &n,
                &s,
                bill::PaymentInput {
                    invoice: Some(invoice),
                    job: None,
                    amount: dec("1000"),
                    mode: PaymentMode::Cash,
                    reference: None,
                    date: None,
                },
            )
            .expect("each payment is taken where it is made")
        })
    };
    pay(counter.node.clone(), c_acct.clone()).await;
    pay(laptop.node.clone(), l_acct.clone()).await;
    // The counter cancels job 2; the technician, not knowing, writes on it.
    bg({
        let (n, m, j) = (counter.node.clone(), c_mgr.clone(), jobs[1]);
        move || {
            svc::change_status(
                &n,
                &m,
                j,
                StatusInput {
                    to: JobStatus::Cancelled,
                    override_reason: None,
                    note: Some("customer took it back".into()),
                    otp: None,
                    signature_sha256: None,
                    allow_balance_due: false,
                    approval: None,
                },
            )
            .unwrap()
        }
    })
    .await;
    // A late edit is one stamped after the closing change; devices' clocks
    // agree to within the offset each learnt from the hub (a few ms here).
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    bg({
        let (n, t, j) = (laptop.node.clone(), l_tech.clone(), jobs[1]);
        move || svc::set_text(&n, &t, j, TextField::Diagnosis, "Hinge cracked.", None).unwrap()
    })
    .await;
    // The counter adds to job 1's diagnosis and sends the fan to T Nagar.
    let transfer = bg({
        let (n, m, j, tb) = (counter.node.clone(), c_mgr.clone(), jobs[0], b.id);
        move || {
            svc::set_text(
                &n,
                &m,
                j,
                TextField::Diagnosis,
                "Screen dead. Counter: backlight fuse blown.",
                None,
            )
            .unwrap();
            inv::transfer_out(
                &n,
                &m,
                inv::TransferOutInput {
                    item: fan,
                    qty: dec("2"),
                    to_branch: tb,
                    to_device: None,
                    unit_value: None,
                    eway_bill: None,
                },
            )
            .unwrap()
            .id
        }
    })
    .await;
    lan(&laptop, &counter).await;
    // The counter's words have reached the laptop, but the technician's
    // screen still shows the version loaded this morning: saved from it,
    // the counter's words stay.
    assert!(text_of(&laptop, &l_tech, jobs[0]).contains("backlight fuse"));
    bg({
        let (n, t, j, v) = (
            laptop.node.clone(),
            l_tech.clone(),
            jobs[0],
            seen.diagnosis_version.clone(),
        );
        move || {
            svc::set_text(
                &n,
                &t,
                j,
                TextField::Diagnosis,
                "Screen dead. Laptop: display cable reseated.",
                Some(&v),
            )
            .unwrap()
        }
    })
    .await;
    lan(&laptop, &counter).await;

    // The internet is back: everyone syncs with the hub until quiet; T
    // Nagar takes the fan in (it had never heard of it).
    for _ in 0..2 {
        for d in [&counter, &laptop, &tnagar] {
            sync::sync_once(&d.node, &hub.url).await.unwrap();
        }
    }
    bg({
        let (n, m) = (tnagar.node.clone(), t_mgr.clone());
        move || {
            inv::transfer_in(
                &n,
                &m,
                inv::TransferInInput {
                    transfer,
                    received: dec("2"),
                },
            )
            .expect("a branch-local item sent to another branch is received there")
        }
    })
    .await;
    let mut reports = vec![];
    for _ in 0..2 {
        for d in [&tnagar, &counter, &laptop] {
            reports.push((
                d.label.clone(),
                sync::sync_once(&d.node, &hub.url).await.unwrap(),
            ));
        }
    }
    for (label, r) in &reports[3..] {
        assert_eq!(
            r.agrees_with_hub,
            Some(true),
            "{label} and the hub disagree: {r:?}"
        );
        assert_eq!(r.rejected, 0, "{label}: honest work refused: {r:?}");
    }

    // Every acknowledged payment is at the hub; the overpayment and the
    // late edit are shown on both devices and at the hub.
    let hub_paid: Decimal = hub
        .store
        .sqlite(|c| {
            let mut s = c.prepare("SELECT amount FROM payments WHERE invoice = ?1")?;
            let v: Vec<String> = s
                .query_map([&invoice.0[..]], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(v.iter().map(|a| a.parse::<Decimal>().unwrap()).sum())
        })
        .unwrap();
    assert_eq!(hub_paid, dec("2000"));
    let (overpaid, late) = hub
        .store
        .read(|c| {
            Ok((
                sqlite_replica::review::overpaid(c).unwrap(),
                sqlite_replica::review::late_edits(c).unwrap(),
            ))
        })
        .unwrap();
    assert_eq!(overpaid.len(), 1, "{overpaid:?}");
    assert_eq!(overpaid[0].refund_due, dec("820"));
    assert!(late.iter().any(|e| e.job == jobs[1]), "{late:?}");
    for d in [&counter, &laptop] {
        let att = bg({
            let n = d.node.clone();
            move || sync::needs_attention(&n).unwrap()
        })
        .await;
        assert!(
            att.iter()
                .any(|a| a.kind == "overpaid" && a.reason.contains("820.00")),
            "{}: {att:?}",
            d.label
        );
        assert!(
            att.iter().any(|a| a.kind == "late_edit"),
            "{}: {att:?}",
            d.label
        );
        // Both people's words, on every device of the branch.
        let who = if d.label == "counter" {
            &c_mgr
        } else {
            &l_tech
        };
        let text = text_of(d, who, jobs[0]);
        assert!(
            text.contains("backlight fuse") && text.contains("cable reseated"),
            "{}: {text}",
            d.label
        );
    }
    // The owner sees both on the hub's dashboard, to settle.
    let http = reqwest::Client::new();
    let cookie = hub.owner_cookie(&http).await;
    let table: serde_json::Value = http
        .get(format!("{}/reports/to_settle.json", hub.url))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = table["rows"].as_array().expect("rows");
    assert!(
        rows.iter()
            .any(|r| r[1] == "refund_due" && r[4] == "820" && r[0] == "Jayanagar"),
        "{table}"
    );
    assert!(rows.iter().any(|r| r[1] == "late_edit"), "{table}");
    // And at the hub, received.
    let received: Option<String> = hub
        .store
        .sqlite(|c| {
            Ok(c.query_row(
                "SELECT received FROM transfers WHERE id = ?1",
                [&transfer.0[..]],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(received.as_deref(), Some("2"));
}
