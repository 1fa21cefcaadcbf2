//! The device's write path at the durability it ships (WAL, synchronous=FULL),
//! side by side in one run:
//!
//! - **engine**: `Node::commit` — make + sign the op, check it with the rule
//!   book, append it, materialize it, one transaction;
//! - **bare**: a plain rusqlite INSERT (open) / UPDATE (status) of the same
//!   row, one transaction each — the limit;
//! - **automerge**: the same job card kept as one automerge document per job
//!   in SQLite (load, change, save, write back), one transaction each.
//!
//! Run: `cargo bench -p branch-node --bench write_path` (N via WRITE_BENCH_N).

// Latencies and rates are timings, not money: floats are fine here.
#![allow(clippy::float_arithmetic)]

use std::time::Instant;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use branch_node::node::{Node, new_id};
use rusqlite::{Connection, params};
use sync_core::body::*;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::rules::otp_hash;

struct Stats {
    name: &'static str,
    lat_us: Vec<f64>,
    total_s: f64,
}

fn report(rows: &[Stats]) {
    println!("| workload | ops/s | p50 µs | p99 µs |");
    println!("|---|---:|---:|---:|");
    for r in rows {
        let mut l = r.lat_us.clone();
        l.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let p = |q: f64| l[((l.len() as f64 - 1.0) * q) as usize];
        println!(
            "| {} | {:.0} | {:.1} | {:.1} |",
            r.name,
            l.len() as f64 / r.total_s,
            p(0.50),
            p(0.99)
        );
    }
}

fn time<F: FnMut(usize)>(name: &'static str, n: usize, mut f: F) -> Stats {
    let mut lat_us = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        f(i);
        lat_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    Stats {
        name,
        lat_us,
        total_s: start.elapsed().as_secs_f64(),
    }
}

fn intake(id: sync_core::ids::RecordId, customer: sync_core::ids::RecordId, i: usize) -> JobIntake {
    JobIntake {
        id,
        job_no: format!("JB-{i:06}"),
        customer,
        device_type: "Laptop".into(),
        brand: "Dell".into(),
        model: "Inspiron 15 3511".into(),
        serial: format!("CN0{i:07}"),
        complaint: "No display, fan spins".into(),
        accessories: vec!["Charger".into()],
        condition: "Scratches on lid".into(),
        password_kind: None,
        password: None,
        delivery_otp_hash: otp_hash(id, "1234"),
        otp_sealed: None,
        promised: None,
        technician: None,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` runs this once, tiny,
    // so the bench cannot rot between measurements.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("WRITE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke { 20 } else { 3000 });
    let dir = tempfile::tempdir().unwrap();

    // --- engine
    let setup = branch_node::node::StandaloneSetup {
        branch_name: "Bench".into(),
        gstin: sync_core::testkit::gstin("29", "ABCDE1234F"),
        state_code: "29".into(),
        address: String::new(),
        invoice_prefix: "BEN".into(),
        credit_note_prefix: "BENC".into(),
        upi_id: None,
        owner_name: "Owner".into(),
        owner_pin: "1234".into(),
    };
    let node = Node::init_standalone(&dir.path().join("engine.sqlite"), &setup).unwrap();
    let owner = node.genesis().owner;
    let customer = new_id().unwrap();
    node.commit(
        owner,
        OpBody::CustomerCreated(Customer {
            id: customer,
            name: "Asha".into(),
            mobile: "9845012345".into(),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        }),
    )
    .unwrap();
    let ids: Vec<_> = (0..n).map(|_| new_id().unwrap()).collect();
    let rows = intake(ids[0], customer, 0);
    let engine_open = time(
        "open a job card — engine (signed op + rules + tables)",
        n,
        |i| {
            node.commit(owner, OpBody::JobOpened(intake(ids[i], customer, i)))
                .unwrap();
        },
    );
    let engine_status = time("change status — engine", n, |i| {
        node.commit(
            owner,
            OpBody::JobStatusChanged(StatusChange {
                job: ids[i],
                from: JobStatus::Received,
                to: JobStatus::Diagnosed,
                after: None,
                override_reason: None,
                delivery: None,
                allow_balance_due: false,
                note: None,
            }),
        )
        .unwrap();
    });

    // --- bare rusqlite, same schema, same pragmas
    let mut bare = Connection::open(dir.path().join("bare.sqlite")).unwrap();
    bare.execute_batch(branch_node::store::PRAGMAS).unwrap();
    schema::migrate(&mut bare, schema::Target::Device).unwrap();
    let bare_open = time("open a job card — bare INSERT", n, |i| {
        let j = intake(ids[i], customer, i);
        let tx = bare.transaction().unwrap();
        tx.prepare_cached(
            "INSERT INTO jobs (id, branch, job_no, customer, device_type, brand, model, serial, complaint, accessories, condition, otp_hash, status, opened_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'received', ?13, ?13)",
        )
        .unwrap()
        .execute(params![&j.id.0[..], &[1u8; 16][..], j.job_no, &customer.0[..], j.device_type, j.brand, j.model, j.serial, j.complaint, "[\"Charger\"]", j.condition, j.delivery_otp_hash, i as i64])
        .unwrap();
        tx.commit().unwrap();
    });
    let bare_status = time("change status — bare UPDATE", n, |i| {
        let tx = bare.transaction().unwrap();
        tx.prepare_cached("UPDATE jobs SET status = 'diagnosed', updated_at = ?2 WHERE id = ?1")
            .unwrap()
            .execute(params![&ids[i].0[..], i as i64])
            .unwrap();
        tx.commit().unwrap();
    });

    // --- one automerge document per job card
    let mut am = Connection::open(dir.path().join("automerge.sqlite")).unwrap();
    am.execute_batch(branch_node::store::PRAGMAS).unwrap();
    am.execute_batch("CREATE TABLE job_docs (id BLOB PRIMARY KEY, doc BLOB NOT NULL)")
        .unwrap();
    let am_open = time("open a job card — automerge doc per job", n, |i| {
        let j = intake(ids[i], customer, i);
        let mut d = AutoCommit::new();
        for (k, v) in [
            ("job_no", &j.job_no),
            ("device_type", &j.device_type),
            ("brand", &j.brand),
            ("model", &j.model),
            ("serial", &j.serial),
            ("complaint", &j.complaint),
            ("condition", &j.condition),
            ("otp_hash", &j.delivery_otp_hash),
        ] {
            d.put(ROOT, k, v.as_str()).unwrap();
        }
        d.put(ROOT, "status", "received").unwrap();
        let bytes = d.save();
        let tx = am.transaction().unwrap();
        tx.prepare_cached("INSERT INTO job_docs (id, doc) VALUES (?1, ?2)")
            .unwrap()
            .execute(params![&j.id.0[..], bytes])
            .unwrap();
        tx.commit().unwrap();
    });
    let am_status = time("change status — automerge doc per job", n, |i| {
        let tx = am.transaction().unwrap();
        let bytes: Vec<u8> = tx
            .prepare_cached("SELECT doc FROM job_docs WHERE id = ?1")
            .unwrap()
            .query_row([&ids[i].0[..]], |r| r.get(0))
            .unwrap();
        let mut d = AutoCommit::load(&bytes).unwrap();
        d.put(ROOT, "status", "diagnosed").unwrap();
        let out = d.save();
        tx.prepare_cached("UPDATE job_docs SET doc = ?2 WHERE id = ?1")
            .unwrap()
            .execute(params![&ids[i].0[..], out])
            .unwrap();
        tx.commit().unwrap();
    });
    let _ = rows;

    // --- money: finalize an invoice from a draft, record a payment
    let owner_s = branch_node::auth::Session {
        user: owner,
        name: "Owner".into(),
        role: sync_core::domain::roles::Role::Owner,
        branch: None,
    };
    let fy = sync_core::domain::date::Date::from_unix_ms_ist(branch_node::node::now_ms())
        .financial_year();
    branch_node::billing::grant_local_lease(
        &node,
        &owner_s,
        branch_node::billing::LocalLeaseInput {
            doc_type: sync_core::domain::invoice_no::DocType::TaxInvoice,
            size: n as u64 + 10,
            fy: Some(fy),
        },
    )
    .unwrap();
    let line = || branch_node::services::LineInput {
        kind: LineKind::Part,
        item: None,
        description: "USB mouse".into(),
        hsn_sac: "8471".into(),
        qty: rust_decimal::Decimal::ONE,
        unit: "pcs".into(),
        unit_price: rust_decimal::Decimal::new(49900, 2),
        discount: rust_decimal::Decimal::ZERO,
        gst_rate: rust_decimal::Decimal::from(18),
    };
    let drafts: Vec<_> = (0..n)
        .map(|_| {
            branch_node::billing::create_draft(
                &node,
                &owner_s,
                branch_node::billing::DraftInput {
                    job: None,
                    customer: None,
                    customer_name: Some("Walk-in".into()),
                    customer_gstin: None,
                    customer_state: None,
                    customer_address: None,
                    lines: vec![line()],
                },
            )
            .unwrap()
            .draft
            .id
        })
        .collect();
    let mut invoices = Vec::with_capacity(n);
    let engine_finalize = time(
        "finalize an invoice — engine (next leased number, GST, signed op)",
        n,
        |i| {
            invoices.push(
                branch_node::billing::finalize(&node, &owner_s, drafts[i], None)
                    .unwrap()
                    .doc
                    .id,
            );
        },
    );
    let engine_pay = time("record a payment — engine", n, |i| {
        node.commit(
            owner,
            OpBody::PaymentRecorded(Payment {
                id: new_id().unwrap(),
                invoice: Some(invoices[i]),
                job: None,
                amount: rust_decimal::Decimal::from(100),
                mode: PaymentMode::Cash,
                reference: None,
                date: "2026-11-21".parse().unwrap(),
            }),
        )
        .unwrap();
    });
    let bare_finalize = time(
        "finalize an invoice — bare INSERT of the document row",
        n,
        |i| {
            let tx = bare.transaction().unwrap();
            tx.prepare_cached(
            "INSERT INTO documents (id, branch, device, doc_type, prefix, fy, seq, number, date, customer_name, place_of_supply, taxable, cgst, sgst, igst, round_off, grand_total, body)
             VALUES (?1, ?2, ?2, 'tax_invoice', 'BEN', 2026, ?3, ?4, '2026-11-21', 'Walk-in', '29', '499.00', '44.91', '44.91', '0', '0.18', '589', '{}')",
        )
        .unwrap()
        .execute(params![&invoices[i].0[..], &[1u8; 16][..], i as i64 + 1, format!("BEN/2627/{:07}", i + 1)])
        .unwrap();
            tx.commit().unwrap();
        },
    );
    let bare_pay = time("record a payment — bare INSERT", n, |i| {
        let tx = bare.transaction().unwrap();
        tx.prepare_cached("INSERT INTO payments (id, branch, invoice, amount, mode, date, at) VALUES (?1, ?2, ?3, '100', 'cash', '2026-11-21', ?4)")
            .unwrap()
            .execute(params![&new_id().unwrap().0[..], &[1u8; 16][..], &invoices[i].0[..], i as i64])
            .unwrap();
        tx.commit().unwrap();
    });
    println!("N = {n} per workload, WAL + synchronous=FULL, one transaction per operation\n");
    report(&[
        engine_open,
        bare_open,
        am_open,
        engine_status,
        bare_status,
        am_status,
        engine_finalize,
        bare_finalize,
        engine_pay,
        bare_pay,
    ]);
}
