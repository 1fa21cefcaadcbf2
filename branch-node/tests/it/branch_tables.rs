//! The branch's reports as tables, against a seeded week whose figures are
//! worked out by hand below (18 % GST, intra-state; labour has no stock):
//!
//! | document | dated      | taxable  | CGST   | SGST   | total    |
//! |----------|------------|----------|--------|--------|----------|
//! | invoice  | 30-11-2026 |   500.00 |  45.00 |  45.00 |   590.00 | (before the range)
//! | invoice  | 01-12-2026 | 1,000.00 |  90.00 |  90.00 | 1,180.00 |
//! | invoice  | 03-12-2026 | 1,234.50 | 111.11 | 111.11 | 1,457.00 | (1,456.72, round-off 0.28)
//! | credit   | 03-12-2026 | 1,000.00 |  90.00 |  90.00 | 1,180.00 | (all of 01-12's)
//!
//! Revenue, 01-12 to 07-12: 01-12 one invoice, 1,180.00; 03-12 one invoice
//! 1,457.00 and one credit note 1,180.00, net 277.00, taxable 234.50, GST
//! 42.22; in all 2,637.00 invoiced, 1,180.00 credited, 1,457.00 net, taxable
//! 1,234.50, GST 222.22. GST by rate: invoices 2,234.50 / 201.11 / 201.11,
//! credit notes −1,000.00 / −90.00 / −90.00, net 1,234.50 / 111.11 / 111.11.
//!
//! Stock today: 5 RAM received at cost 1,250.00, 2 used on a job (billed at
//! 1,800.00 each), 1 written off; 3 SSDs at cost 2,999.99, 1 used (billed at
//! 4,000.00). Valuation: RAM 2 × 1,250.00 = 2,500.00, SSD 2 × 2,999.99 =
//! 5,999.98, in all 8,499.98. Consumption: RAM 2 used on 1 job, 2,500.00 at
//! cost, 3,600.00 as billed, 1 written off at 1,250.00; SSD 1 on 1 job,
//! 2,999.99 at cost, 4,000.00 billed; in all 5,499.99, 7,600.00, 1,250.00.

use std::collections::HashMap;
use std::io::Read;

use branch_node::billing as bill;
use branch_node::inventory as inv;
use branch_node::reports::{self, Range};
use branch_node::services as svc;
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use sheets::Table;
use sync_core::body::LineKind;
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::RecordId;

use crate::common::*;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn labour(price: &str) -> svc::LineInput {
    svc::LineInput {
        kind: LineKind::Service,
        item: None,
        description: "Labour".into(),
        hsn_sac: "998713".into(),
        qty: Decimal::ONE,
        unit: "nos".into(),
        unit_price: dec(price),
        discount: Decimal::ZERO,
        gst_rate: Decimal::from(18),
    }
}

/// The rows of a table by their first cell.
fn rows(t: &Table) -> HashMap<String, HashMap<String, String>> {
    t.rows
        .iter()
        .map(|r| {
            (
                r[0].clone(),
                t.columns.iter().cloned().zip(r.iter().cloned()).collect(),
            )
        })
        .collect()
}

fn seed(s: &Shop) {
    let n = &s.node;
    for (doc_type, size) in [(DocType::TaxInvoice, 20), (DocType::CreditNote, 5)] {
        bill::grant_local_lease(
            n,
            &s.owner,
            bill::LocalLeaseInput {
                doc_type,
                size,
                fy: None,
            },
        )
        .unwrap();
    }
    let invoice = |price: &str, date: &str| -> RecordId {
        let draft = bill::create_draft(
            n,
            &s.accountant,
            bill::DraftInput {
                job: None,
                customer: None,
                customer_name: Some("Walk-in".into()),
                customer_gstin: None,
                customer_state: None,
                customer_address: None,
                lines: vec![labour(price)],
            },
        )
        .unwrap();
        bill::finalize(n, &s.accountant, draft.draft.id, Some(d(date)))
            .unwrap()
            .doc
            .id
    };
    invoice("500", "2026-11-30");
    let first = invoice("1000", "2026-12-01");
    invoice("1234.50", "2026-12-03");
    bill::credit_note(
        n,
        &s.accountant,
        bill::CreditNoteInput {
            invoice: first,
            reason: "repair redone under warranty".into(),
            lines: None,
            date: Some(d("2026-12-03")),
            restock: None,
        },
    )
    .unwrap();

    let ram = ram(s);
    let ssd = inv::create_item(
        n,
        &s.manager,
        inv::ItemInput {
            sku: "SSD512".into(),
            name: "512GB NVMe SSD".into(),
            hsn_sac: "84717020".into(),
            gst_rate: dec("18"),
            unit: "pcs".into(),
            sale_price: dec("4200"),
            cost: dec("2999.99"),
            reorder_level: dec("1"),
            is_service: false,
        },
    )
    .unwrap()
    .id;
    for (item, qty) in [(ram, "5"), (ssd, "3")] {
        inv::receive(
            n,
            &s.manager,
            inv::ReceiptInput {
                item,
                qty: dec(qty),
                supplier: "Lamington Road Traders".into(),
                reference: None,
                note: None,
            },
        )
        .unwrap();
    }
    let job = svc::open_job(n, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    svc::assign_technician(n, &s.manager, job, Some(s.technician.user)).unwrap();
    for (item, qty, price) in [(ram, "2", None), (ssd, "1", Some(dec("4000")))] {
        inv::use_on_job(
            n,
            &s.technician,
            inv::UseInput {
                job,
                item,
                qty: dec(qty),
                unit_price: price,
            },
        )
        .unwrap();
    }
    inv::adjust(
        n,
        &s.manager,
        inv::AdjustInput {
            item: ram,
            delta: dec("-1"),
            reason: "damaged in handling".into(),
        },
    )
    .unwrap();
}

fn today() -> Date {
    Date::from_unix_ms_ist(branch_node::node::now_ms())
}

#[test]
fn revenue_gst_and_stock_match_the_figures_worked_by_hand() {
    let s = shop();
    seed(&s);
    let n = &s.node;
    let week = Range::new(Some(d("2026-12-01")), Some(d("2026-12-07")), today()).unwrap();
    let t = reports::table(n, &s.accountant, "revenue", week).unwrap();
    let r = rows(&t);
    assert_eq!(t.rows.len(), 3, "two days and the total: {:?}", t.rows);
    assert!(!r.contains_key("2026-11-30"), "a day before the range");
    let want = |row: &str, col: &str, v: &str| {
        assert_eq!(r[row][col], v, "revenue {row}.{col}");
    };
    want("2026-12-01", "invoiced", "1180.00");
    want("2026-12-01", "net_revenue", "1180.00");
    want("2026-12-03", "invoices", "1");
    want("2026-12-03", "credit_notes", "1");
    want("2026-12-03", "credited", "1180.00");
    want("2026-12-03", "net_revenue", "277.00");
    want("2026-12-03", "taxable", "234.50");
    want("2026-12-03", "gst", "42.22");
    want("Total", "invoiced", "2637.00");
    want("Total", "credited", "1180.00");
    want("Total", "net_revenue", "1457.00");
    want("Total", "taxable", "1234.50");
    want("Total", "gst", "222.22");

    let t = reports::table(n, &s.manager, "gst", week).unwrap();
    let got: Vec<Vec<&str>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        got,
        vec![
            vec![
                "Tax invoices",
                "18",
                "2234.50",
                "201.11",
                "201.11",
                "0.00",
                "402.22"
            ],
            vec![
                "Credit notes",
                "18",
                "-1000.00",
                "-90.00",
                "-90.00",
                "0.00",
                "-180.00"
            ],
            vec!["Net", "", "1234.50", "111.11", "111.11", "0.00", "222.22"],
        ]
    );

    let t = reports::table(n, &s.accountant, "stock_valuation", week).unwrap();
    let v = rows(&t);
    assert_eq!(v["RAM8-DDR4"]["qty"], "2");
    assert_eq!(v["RAM8-DDR4"]["value"], "2500.00");
    assert_eq!(v["SSD512"]["unit_cost"], "2999.99");
    assert_eq!(v["SSD512"]["value"], "5999.98");
    assert_eq!(v["Total"]["value"], "8499.98");

    let on = Range::new(Some(today()), Some(today()), today()).unwrap();
    let t = reports::table(n, &s.accountant, "consumption", on).unwrap();
    let c = rows(&t);
    assert_eq!(c["RAM8-DDR4"]["used_on_jobs"], "2");
    assert_eq!(c["RAM8-DDR4"]["jobs"], "1");
    assert_eq!(c["RAM8-DDR4"]["used_at_cost"], "2500.00");
    assert_eq!(c["RAM8-DDR4"]["used_as_billed"], "3600.00");
    assert_eq!(c["RAM8-DDR4"]["written_off"], "1");
    assert_eq!(c["RAM8-DDR4"]["written_off_at_cost"], "1250.00");
    assert_eq!(c["SSD512"]["used_as_billed"], "4000.00");
    assert_eq!(c["Total"]["used_at_cost"], "5499.99");
    assert_eq!(c["Total"]["used_as_billed"], "7600.00");
    assert_eq!(c["Total"]["written_off_at_cost"], "1250.00");
    // Nothing went out the week before.
    let before = Range::new(Some(d("2026-11-01")), Some(d("2026-11-07")), today()).unwrap();
    let t = reports::table(n, &s.accountant, "consumption", before).unwrap();
    assert_eq!(t.rows.len(), 1, "only the total: {:?}", t.rows);

    let t = reports::table(n, &s.manager, "pending_jobs", week).unwrap();
    assert_eq!(t.rows.len(), 1);
    let p = rows(&t);
    let job = p.values().next().unwrap();
    assert_eq!(job["technician"], "Tara Technician");
    assert_eq!(job["status"], "received");
    assert_eq!(job["days_open"], "0");
    let t = reports::table(n, &s.manager, "technicians", on).unwrap();
    let tech = rows(&t);
    assert_eq!(tech["Tara Technician"]["open_jobs"], "1");
    assert_eq!(tech["Tara Technician"]["delivered"], "0");

    // The floor and the counter see none of it.
    for who in [&s.receptionist, &s.technician] {
        for (name, _) in reports::TABLES {
            assert!(reports::table(n, who, name, week).is_err(), "{name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_export_as_csv_and_xlsx_and_refuse_bad_ranges() {
    let api = crate::http::start().await;
    tokio::task::block_in_place(|| seed(&api.shop));
    let accounts = api.login("Arun Accounts").await;
    let counter = api.login("Ravi Reception").await;
    let get = |token: &str, path: &str| {
        api.http
            .get(format!("{}{path}", api.base))
            .bearer_auth(token.to_string())
            .send()
    };

    let (status, list) = api.call(&accounts, Method::GET, "/api/reports", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), reports::TABLES.len());

    let (status, a) = api
        .call(
            &accounts,
            Method::GET,
            "/api/reports/gst?from=2026-12-01&to=2026-12-07",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["range"]["from"], "2026-12-01");
    assert_eq!(a["table"]["kinds"][2], "money");
    assert_eq!(a["table"]["rows"][2][3], "111.11");

    let r = get(&accounts, "/api/reports/stock_valuation.csv")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("stock_valuation-"),
        "a file name with the report and its range"
    );
    let csv = r.text().await.unwrap();
    assert!(
        csv.starts_with("sku,item,held_by,qty,unit,unit_cost,value\n"),
        "{csv}"
    );
    assert!(csv.contains("\nTotal,,,,,,8499.98\n"), "{csv}");

    let r = get(
        &accounts,
        "/api/reports/revenue.xlsx?from=2026-12-01&to=2026-12-07",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
    let mut sheet = String::new();
    z.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(sheet.contains("state=\"frozen\""), "{sheet}");
    // The week's net revenue, a number in the sheet.
    assert!(sheet.contains("<v>1457</v>"), "{sheet}");

    // Refusals name the field and the rule.
    for (path, field) in [
        ("/api/reports/revenue?from=2026-12-08&to=2026-12-01", "from"),
        ("/api/reports/revenue?from=01-12-2026", "from"),
        ("/api/reports/revenue?to=2026-02-30", "to"),
        ("/api/reports/revenue?week=1", "week"),
    ] {
        let (status, e) = api.call(&accounts, Method::GET, path, None).await;
        assert!(status.is_client_error(), "{path}: {status} {e}");
        assert!(e["error"].to_string().contains(field), "{path}: {e}");
    }
    let (status, e) = api
        .call(&accounts, Method::GET, "/api/reports/profit", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    let (status, _) = api
        .call(&counter, Method::GET, "/api/reports/revenue", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = get(&counter, "/api/reports/revenue.csv").await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no file for the counter");
}
