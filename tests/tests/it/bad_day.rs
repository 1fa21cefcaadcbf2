//! A day at two branches with the internet failing, end to end over real
//! HTTP on loopback: a hub, the Jayanagar counter and its technician's
//! laptop, and the T Nagar counter, each on its own SQLite file. The link to
//! the hub goes down for the busy part of the day (the counter and the
//! laptop keep exchanging work over the shop LAN), then comes back through a
//! fault-injecting proxy that drops, delays, duplicates and cuts exchanges.
//!
//! At the end, read from the files themselves: every device's state of its
//! branch equals the hub's; every op a device made is at the hub exactly
//! once; invoice numbers are unique and inside their issuer's lease; no
//! stock balance is below zero anywhere; the money adds up to what was paid.
//!
//! `E2E_SEED` replays a run's faults; `E2E_JOBS` makes the day longer.

use sqlite_replica::{SqlExt, p};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use branch_node::node::Node;
use branch_node::{billing as bill, inventory as inv, services as svc, sync};
use e2e_tests::check;
use e2e_tests::proxy::{FaultProxy, FaultRates};
use e2e_tests::world::{Device, Hub, bg, dec};
use rust_decimal::Decimal;
use sync_core::body::{LineKind, PasswordKind, PaymentMode, TextField};
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;
use sync_core::ids::RecordId;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn intake(i: u64) -> svc::JobInput {
    let brands = [
        ("Dell", "Inspiron 15 3520"),
        ("HP", "Pavilion 14"),
        ("Lenovo", "IdeaPad Slim 3"),
        ("Asus", "VivoBook 15"),
        ("Acer", "Aspire 7"),
    ];
    let (brand, model) = brands[i as usize % brands.len()];
    svc::JobInput {
        customer: None,
        new_customer: Some(svc::CustomerInput {
            name: format!("Customer {i}"),
            mobile: format!("98450{:05}", i),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        }),
        device_type: "Laptop".into(),
        brand: brand.into(),
        model: model.into(),
        serial: format!("SN{i:06}"),
        complaint: "Does not boot; fan noise".into(),
        accessories: vec!["Charger".into()],
        condition: "Scratches on lid".into(),
        password: Some(svc::PasswordInput {
            kind: PasswordKind::Pin,
            value: format!("{:06}", 100_000 + i),
        }),
        promised: None,
        technician: None,
    }
}

fn to(status: JobStatus) -> svc::StatusInput {
    svc::StatusInput {
        to: status,
        override_reason: None,
        note: None,
        otp: None,
        signature_sha256: None,
        allow_balance_due: false,
        approval: None,
    }
}

fn labour(price: &str) -> svc::LineInput {
    svc::LineInput {
        kind: LineKind::Service,
        item: None,
        description: "Labour: diagnosis and repair".into(),
        hsn_sac: "998713".into(),
        qty: dec("1"),
        unit: "nos".into(),
        unit_price: dec(price),
        discount: Decimal::ZERO,
        gst_rate: dec("18"),
    }
}

/// Sync `dev` with `peer` once; an error is a normal event on a bad link.
async fn sync_with(dev: &Device, peer: &str) -> Option<sync::SyncReport> {
    sync::sync_once(&dev.node, peer).await.ok()
}

/// Ops of `dev` the hub has not acknowledged.
async fn waiting(dev: &Device) -> u64 {
    let n = dev.node.clone();
    let st = bg(move || sync::status(&n).expect("sync status")).await;
    st.peers
        .iter()
        .filter(|p| p.role == "hub")
        .map(|p| p.waiting_ops)
        .sum()
}

async fn run<T: Send + 'static>(
    node: &Arc<Node>,
    f: impl FnOnce(&Node) -> T + Send + 'static,
) -> T {
    let n = node.clone();
    bg(move || f(&n)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_day_at_two_branches_converges_at_the_hub() {
    let seed = env("E2E_SEED", 20261122);
    let jobs_a = env("E2E_JOBS", 48);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hub = Hub::start(root, 100_000).await;
    let proxy = FaultProxy::start(&hub.addr, seed).await;
    let (a, b) = (&hub.branches[0], &hub.branches[1]);

    // ---- Morning: enrollment and stock, with the link up.
    let desk = hub
        .enroll(root, 0, "jayanagar counter", true, &proxy.url)
        .await;
    // The manager works on the laptop too, so the owner enrolled it up to a
    // manager (a technician's own laptop would be technician only).
    let laptop = hub
        .enroll_with(
            root,
            0,
            "jayanagar laptop",
            false,
            Some(Role::Manager),
            &proxy.url,
        )
        .await;
    let tnr = hub
        .enroll(root, 1, "tnagar counter", true, &proxy.url)
        .await;
    for d in [&desk, &laptop, &tnr] {
        sync_with(d, &proxy.url)
            .await
            .expect("a clean morning sync");
    }
    let (mgr, rcp, acc) = (
        desk.login(a, Role::Manager).await,
        desk.login(a, Role::Receptionist).await,
        desk.login(a, Role::Accountant).await,
    );
    let tech = laptop.login(a, Role::Technician).await;
    let lmgr = laptop.login(a, Role::Manager).await;
    let (tmgr, trcp, tacc) = (
        tnr.login(b, Role::Manager).await,
        tnr.login(b, Role::Receptionist).await,
        tnr.login(b, Role::Accountant).await,
    );
    let ram = hub.items["RAM8-DDR4"];
    let ssd = hub.items["SSD512-NVME"];
    let kbd = hub.items["KBD-DELL-3520"];
    for (dev, s, stock) in [
        (&desk, &mgr, vec![(ram, "10"), (ssd, "6"), (kbd, "3")]),
        (&tnr, &tmgr, vec![(ram, "4"), (ssd, "2")]),
    ] {
        let s = s.clone();
        run(&dev.node, move |n| {
            for (item, qty) in stock {
                inv::receive(
                    n,
                    &s,
                    inv::ReceiptInput {
                        item,
                        qty: dec(qty),
                        supplier: "Lamington Road Traders".into(),
                        reference: Some("GRN-1".into()),
                        note: None,
                    },
                )
                .expect("receipt");
            }
        })
        .await;
    }
    for d in [&desk, &laptop, &tnr] {
        sync_with(d, &proxy.url)
            .await
            .expect("a clean morning sync");
    }
    let m0 = mgr.clone();
    let held = run(&desk.node, move |n| bill::leases(n, &m0).expect("leases")).await;
    assert!(
        held.iter().any(|h| h.remaining >= bill::LEASE_LOW_WATER),
        "the counter was given invoice numbers at enrollment: {held:?}"
    );

    // ---- The internet goes down. The shop goes on; the LAN still works.
    proxy.set_online(false);
    assert!(
        sync::sync_once(&desk.node, &proxy.url).await.is_err(),
        "the link is down"
    );
    let mut paid: BTreeMap<&str, Decimal> = BTreeMap::new();

    // The counter takes in the morning's laptops and issues parts to the bench.
    let (r, m, lap) = (rcp.clone(), mgr.clone(), laptop.id());
    let tech_user = a.user(Role::Technician);
    let opened: Vec<(RecordId, String)> = run(&desk.node, move |n| {
        let jobs = (0..jobs_a)
            .map(|i| {
                let o = svc::open_job(n, &r, intake(i)).expect("intake");
                (o.job.summary.id, o.otp)
            })
            .collect();
        for (item, qty) in [(ram, "4"), (ssd, "2"), (kbd, "1")] {
            inv::issue_to_technician(
                n,
                &m,
                inv::IssueInput {
                    item,
                    qty: dec(qty),
                    technician: tech_user,
                    to_device: lap,
                },
            )
            .expect("issue to technician");
        }
        jobs
    })
    .await;
    let ids: Vec<RecordId> = opened.iter().map(|o| o.0).collect();
    sync_with(&laptop, &desk.url)
        .await
        .expect("the laptop syncs with the counter over the LAN");

    // The technician diagnoses on the laptop while the counter edits job 0 too.
    let diagnosed = (jobs_a * 2 / 3) as usize;
    let (t, lm, js) = (tech.clone(), lmgr.clone(), ids.clone());
    run(&laptop.node, move |n| {
        for (i, job) in js.iter().take(diagnosed).enumerate() {
            svc::set_text(
                n,
                &t,
                *job,
                TextField::Diagnosis,
                &format!("Bench: SMPS fine; board test {i} done."),
                None,
            )
            .expect("diagnosis");
            svc::add_estimate_line(n, &t, *job, labour("600")).expect("estimate");
            svc::change_status(n, &t, *job, to(JobStatus::Diagnosed)).expect("diagnosed");
        }
        // Parts from what the laptop holds.
        for (job, item) in [(js[0], ram), (js[1], ram), (js[2], ssd), (js[3], kbd)] {
            inv::use_on_job(
                n,
                &t,
                inv::UseInput {
                    job,
                    item,
                    qty: dec("1"),
                    unit_price: None,
                },
            )
            .expect("use an issued part");
        }
        svc::update_job(
            n,
            &lm,
            js[0],
            svc::JobPatch {
                model: Some("Inspiron 15 3511".into()),
                ..Default::default()
            },
        )
        .expect("model edit on the laptop");
    })
    .await;
    let (m, js) = (mgr.clone(), ids.clone());
    run(&desk.node, move |n| {
        svc::set_text(
            n,
            &m,
            js[0],
            TextField::Diagnosis,
            "Counter: customer says it was dropped.",
            None,
        )
        .expect("diagnosis at the counter");
        svc::update_job(
            n,
            &m,
            js[0],
            svc::JobPatch {
                model: Some("Inspiron 15 3520 (i5)".into()),
                ..Default::default()
            },
        )
        .expect("model edit at the counter");
    })
    .await;
    sync_with(&laptop, &desk.url).await.expect("LAN sync");

    // Approvals at the counter; repair on the laptop; then billing and delivery.
    let billed = 12usize.min(diagnosed);
    let (m, js) = (mgr.clone(), ids.clone());
    run(&desk.node, move |n| {
        for job in js.iter().take(billed) {
            svc::change_status(n, &m, *job, to(JobStatus::EstimateShared)).expect("shared");
            svc::change_status(n, &m, *job, to(JobStatus::Approved)).expect("approved");
        }
    })
    .await;
    sync_with(&laptop, &desk.url).await.expect("LAN sync");
    let (t, js) = (tech.clone(), ids.clone());
    run(&laptop.node, move |n| {
        for job in js.iter().take(billed) {
            svc::change_status(n, &t, *job, to(JobStatus::InRepair)).expect("in repair");
            svc::change_status(n, &t, *job, to(JobStatus::Ready)).expect("ready");
        }
    })
    .await;
    sync_with(&laptop, &desk.url).await.expect("LAN sync");

    // Concurrent, incompatible: the counter cancels a job the laptop starts.
    let contested = ids[billed];
    let m = mgr.clone();
    run(&desk.node, move |n| {
        svc::change_status(n, &m, contested, to(JobStatus::EstimateShared)).expect("shared");
    })
    .await;
    sync_with(&laptop, &desk.url).await.expect("LAN sync");
    let m = mgr.clone();
    run(&desk.node, move |n| {
        svc::change_status(
            n,
            &m,
            contested,
            svc::StatusInput {
                note: Some("customer withdrew".into()),
                ..to(JobStatus::Cancelled)
            },
        )
        .expect("cancel at the counter");
    })
    .await;
    let lm = lmgr.clone();
    run(&laptop.node, move |n| {
        svc::change_status(n, &lm, contested, to(JobStatus::Approved))
            .expect("approve on the laptop");
    })
    .await;

    let (ac, rc, m, op) = (acc.clone(), rcp.clone(), mgr.clone(), opened.clone());
    let tnr_dev = tnr.id();
    let tb = b.id;
    let (desk_paid, transfer) = run(&desk.node, move |n| {
        let mut total = Decimal::ZERO;
        for (k, (job, otp)) in op.iter().take(billed).enumerate() {
            let draft = bill::create_draft(
                n,
                &ac,
                bill::DraftInput {
                    job: Some(*job),
                    customer: None,
                    customer_name: None,
                    customer_gstin: None,
                    customer_state: None,
                    customer_address: None,
                    lines: vec![],
                },
            )
            .expect("draft from the job");
            let doc = bill::finalize(n, &ac, draft.draft.id, None).expect("finalize offline");
            let full = doc.doc.grand_total;
            // Most pay in full; the last two leave a balance (and are not delivered).
            let amount = if k + 2 < billed {
                full
            } else {
                full - dec("500")
            };
            let (mode, reference) = if k % 2 == 0 {
                (PaymentMode::Cash, None)
            } else {
                (PaymentMode::Upi, Some(format!("UPI/{k:04}")))
            };
            bill::record_payment(
                n,
                &ac,
                bill::PaymentInput {
                    invoice: Some(doc.doc.id),
                    job: None,
                    amount,
                    mode,
                    reference,
                    date: None,
                },
            )
            .expect("payment");
            total += amount;
            if k + 2 < billed {
                svc::change_status(
                    n,
                    &rc,
                    *job,
                    svc::StatusInput {
                        otp: Some(otp.clone()),
                        ..to(JobStatus::Delivered)
                    },
                )
                .expect("delivery with OTP");
            }
        }
        let t = inv::transfer_out(
            n,
            &m,
            inv::TransferOutInput {
                item: ram,
                qty: dec("2"),
                to_branch: tb,
                to_device: Some(tnr_dev),
                unit_value: None,
                eway_bill: None,
            },
        )
        .expect("transfer to T Nagar");
        (total, t.id)
    })
    .await;
    paid.insert("jayanagar", desk_paid);

    // T Nagar works offline too: intake and counter sales.
    let (tr, ta) = (trcp.clone(), tacc.clone());
    let tnr_paid = run(&tnr.node, move |n| {
        for i in 0..16 {
            svc::open_job(n, &tr, intake(1000 + i)).expect("intake at T Nagar");
        }
        let mut total = Decimal::ZERO;
        for i in 0..10 {
            let draft = bill::create_draft(
                n,
                &ta,
                bill::DraftInput {
                    job: None,
                    customer: None,
                    customer_name: Some(format!("Walk-in {i}")),
                    customer_gstin: None,
                    customer_state: None,
                    customer_address: None,
                    lines: vec![svc::LineInput {
                        kind: LineKind::Part,
                        item: None,
                        description: "USB mouse".into(),
                        hsn_sac: "84716060".into(),
                        qty: dec("1"),
                        unit: "pcs".into(),
                        unit_price: dec("449.50"),
                        discount: Decimal::ZERO,
                        gst_rate: dec("18"),
                    }],
                },
            )
            .expect("counter sale");
            let doc = bill::finalize(n, &ta, draft.draft.id, None).expect("finalize");
            bill::record_payment(
                n,
                &ta,
                bill::PaymentInput {
                    invoice: Some(doc.doc.id),
                    job: None,
                    amount: doc.doc.grand_total,
                    mode: PaymentMode::Cash,
                    reference: None,
                    date: None,
                },
            )
            .expect("payment");
            total += doc.doc.grand_total;
        }
        total
    })
    .await;
    paid.insert("tnagar", tnr_paid);

    // ---- The link comes back, badly: half the exchanges go wrong.
    proxy.set_online(true);
    proxy.set_faults(FaultRates::BAD_DAY);
    let devices = [&desk, &laptop, &tnr];
    let mut received_transfer = false;
    for _round in 0..30 {
        for d in devices {
            sync_with(d, &proxy.url).await;
        }
        sync_with(&laptop, &desk.url).await;
        if !received_transfer {
            // T Nagar takes the RAM in once the hub has told it; one stick
            // arrived cracked: the variance is recorded.
            let ts = tmgr.clone();
            received_transfer = run(&tnr.node, move |n| {
                inv::transfer_in(
                    n,
                    &ts,
                    inv::TransferInInput {
                        transfer,
                        received: dec("1"),
                    },
                )
                .is_ok()
            })
            .await;
        }
    }
    assert!(
        received_transfer,
        "the transfer reached T Nagar through the hub"
    );
    let c = proxy.counts();
    for (what, n) in [
        ("passed", c.pass.load(Ordering::Relaxed)),
        ("delayed", c.delay.load(Ordering::Relaxed)),
        ("dropped requests", c.drop_request.load(Ordering::Relaxed)),
        ("dropped answers", c.drop_response.load(Ordering::Relaxed)),
        ("cut answers", c.cut_response.load(Ordering::Relaxed)),
        ("duplicated", c.duplicate.load(Ordering::Relaxed)),
        ("refused while down", c.refused.load(Ordering::Relaxed)),
    ] {
        assert!(
            n > 0,
            "the proxy {what} nothing: the test did not test that"
        );
    }

    // ---- Evening: the link is clean; everything settles.
    proxy.set_faults(FaultRates::NONE);
    let mut settled = false;
    for _ in 0..10 {
        let mut quiet = true;
        for d in devices {
            let r = sync_with(d, &proxy.url).await.expect("a clean link syncs");
            quiet &= r.pushed == 0 && r.pulled == 0 && r.pending == 0;
        }
        let r = sync_with(&laptop, &desk.url).await.expect("LAN sync");
        quiet &= r.pushed == 0 && r.pulled == 0;
        if quiet {
            settled = true;
            break;
        }
    }
    assert!(settled, "sync did not settle on a clean link");
    for d in devices {
        assert_eq!(waiting(d).await, 0, "{} still has ops for the hub", d.label);
    }

    // ---- What must hold, read from the files.
    // The hub's side is read through its store, on whichever engine it runs.
    assert!(
        hub.store
            .read(|c| Ok(check::rejected_ops(c)))
            .unwrap()
            .is_empty(),
        "the hub refused honest work: {:?}",
        hub.store.read(|c| Ok(check::rejected_ops(c))).unwrap()
    );
    for d in devices {
        let n = d.node.clone();
        let attention = bg(move || sync::needs_attention(&n).unwrap()).await;
        assert!(attention.is_empty(), "{}: {attention:?}", d.label);
    }

    // Every device's state of its branch is the hub's.
    for (branch, devs) in [(a, vec![&desk, &laptop]), (b, vec![&tnr])] {
        let at_hub = hub
            .store
            .read(|c| Ok(check::branch_rows(c, &branch.id.0)))
            .unwrap();
        assert!(
            at_hub["jobs"].len() >= 16,
            "{}: the day happened",
            branch.name
        );
        for d in devs {
            let here = check::branch_rows(&check::open(&d.db), &branch.id.0);
            assert_eq!(
                check::first_difference(&at_hub, &here),
                None,
                "{} differs from the hub ({} vs {})",
                d.label,
                check::digest(&at_hub),
                check::digest(&here)
            );
        }
    }

    // Every op a device made is at the hub, once, with the same hash.
    let hub_ops = hub.store.read(|c| Ok(check::op_ids(c))).unwrap();
    let mut total_ops = 0;
    for d in devices {
        let mine: Vec<_> = check::op_ids(&check::open(&d.db))
            .into_iter()
            .filter(|((dev, _), _)| dev[..] == d.id().0[..])
            .collect();
        assert!(!mine.is_empty());
        total_ops += mine.len();
        for (id, hash) in &mine {
            assert_eq!(
                hub_ops.get(id),
                Some(hash),
                "{}: op {} missing",
                d.label,
                id.1
            );
        }
        let seqs: BTreeSet<u64> = mine.iter().map(|((_, s), _)| *s).collect();
        assert_eq!(
            seqs,
            (1..=mine.len() as u64).collect(),
            "{}: its chain has no gaps",
            d.label
        );
    }
    assert!(total_ops > 300, "hundreds of operations: {total_ops}");

    // Invoice numbers: unique, each inside a lease of its issuer.
    let docs = hub.store.read(|c| Ok(check::documents(c))).unwrap();
    // …and the tax invoice that went with the part sent to T Nagar (another GSTIN).
    assert_eq!(docs.len(), billed + 10 + 1);
    let numbers: BTreeSet<&str> = docs.iter().map(|d| d.number.as_str()).collect();
    assert_eq!(numbers.len(), docs.len(), "an invoice number repeats");
    for d in &docs {
        assert!(
            hub.store.read(|c| Ok(check::inside_a_lease(c, d))).unwrap(),
            "{} is outside its issuer's lease",
            d.number
        );
    }

    // No balance below zero, anywhere.
    assert_eq!(
        hub.store.read(|c| Ok(check::negative_balances(c))).unwrap(),
        Vec::<String>::new()
    );
    for d in devices {
        assert_eq!(
            check::negative_balances(&check::open(&d.db)),
            Vec::<String>::new(),
            "{}",
            d.label
        );
    }

    // Money: the hub's revenue report is what the counters took, once.
    let report = {
        let s = hub.store.clone();
        bg(move || hub::reports::report(&*s, "revenue").unwrap()).await
    };
    let csv = report.to_csv();
    let collected: Decimal = paid.values().copied().sum();
    let at_hub: Decimal = hub
        .store
        .read(|c| Ok(c.all("SELECT amount FROM payments", p![], |r| r.get::<String>(0))?))
        .unwrap()
        .iter()
        .map(|a| a.parse::<Decimal>().unwrap())
        .sum();
    assert_eq!(
        at_hub, collected,
        "payments at the hub: none lost, none doubled\n{csv}"
    );

    // The merges: both diagnoses kept, the model clash kept for review, and
    // the contested job is in one lawful state with the loser on record.
    let (job0, m) = (ids[0], mgr.clone());
    let d0 = run(&desk.node, move |n| svc::job_detail(n, &m, job0).unwrap()).await;
    assert!(d0.diagnosis.contains("dropped") && d0.diagnosis.contains("board test 0"));
    assert!(
        !d0.field_conflicts.is_empty(),
        "concurrent model edits kept for review"
    );
    let m = mgr.clone();
    let dc = run(&desk.node, move |n| {
        svc::job_detail(n, &m, contested).unwrap()
    })
    .await;
    assert!(
        ["cancelled", "approved"].contains(&dc.summary.status.as_str()),
        "{:?}",
        dc.summary.status
    );
    let t: Vec<(String, String, String)> = hub
        .store
        .read(|c| {
            Ok(c.all(
                "SELECT received, variance, sent FROM transfers",
                p![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(
        (dec(&t[0].0), dec(&t[0].1), dec(&t[0].2)),
        (dec("1"), dec("1"), dec("2"))
    );
}

/// A link that often delivers a request twice (a retrying middlebox) and
/// hands back the answer to the copy, which the hub refuses as a replay: the
/// device asks again, freshly signed, and every sync still succeeds at the
/// first attempt, with nothing applied twice. (Before the device retried,
/// the first copied request failed its sync.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_that_copies_requests_costs_no_sync() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hub = Hub::start(root, 100_000).await;
    let proxy = FaultProxy::start(&hub.addr, 5).await;
    // Enrolled with the link clean (a one-time code cannot be spent twice).
    let desk = hub.enroll(root, 0, "counter", true, &proxy.url).await;
    proxy.set_faults(FaultRates {
        duplicate: 30,
        ..FaultRates::NONE
    });
    let rcp = desk.login(&hub.branches[0], Role::Receptionist).await;
    for i in 0..5 {
        let s = rcp.clone();
        run(&desk.node, move |n| {
            svc::open_job(n, &s, intake(700 + i)).unwrap()
        })
        .await;
        let report = sync::sync_once(&desk.node, &proxy.url)
            .await
            .unwrap_or_else(|e| panic!("sync {i} through a duplicating link: {e}"));
        assert_eq!(report.rejected, 0, "{report:?}");
        assert_eq!(waiting(&desk).await, 0, "sync {i} left work unacknowledged");
    }
    assert!(proxy.counts().duplicate.load(Ordering::Relaxed) >= 2);
    let s = hub.store.clone();
    let jobs: i64 = bg(move || {
        s.read(|c| Ok(c.row("SELECT count(*) FROM jobs", p![], |r| r.get(0))?))
            .unwrap()
    })
    .await;
    assert_eq!(jobs, 5);
}
