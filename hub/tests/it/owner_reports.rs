//! The owner's dashboard as an app: over a seeded day's work at two
//! branches (pushed as signed ops by simulated devices, as branches do),
//! the charts carry the figures worked out by hand, the filters narrow
//! every format, each figure drills down to its invoices or jobs, the audit
//! and password-access logs are consolidated, and every bad filter is
//! refused naming its field. Real HTTP against a hub on loopback.
//!
//! The seeded documents (18 % GST; Karnataka branches):
//!
//! | branch     | day | number | lines           | taxable | CGST  | SGST  | IGST   | total  |
//! |------------|-----|--------|-----------------|---------|-------|-------|--------|--------|
//! | Jayanagar  | D1  | #1     | 1 × 1000        | 1000    | 90    | 90    |        | 1180   |
//! | Jayanagar  | D1  | #2     | 2 × 250         | 500     | 45    | 45    |        | 590    |
//! | Jayanagar  | D1  | #3     | 1 × 3000, then cancelled | 3000 | 270 | 270 |    | 3540   |
//! | Jayanagar  | D2  | #4     | 1 × 1234.50 to Maharashtra | 1234.50 | | | 222.21 | 1457 (round-off 0.29) |
//! | Whitefield | D1  | #1     | 1 × 2000        | 2000    | 180   | 180   |        | 2360   |
//!
//! D1 is 10 April and D2 is 2 May of the current financial year. So:
//! revenue Jayanagar D1 = 1180 + 590 = ₹1,770.00 (the cancelled one does not
//! count), Jayanagar D2 = ₹1,457.00, Whitefield D1 = ₹2,360.00; GST in
//! April: CGST = SGST = 90 + 45 + 180 = ₹315.00, IGST ₹0.00; in May: IGST
//! ₹222.21. Jobs: Jayanagar one received and one diagnosed, Whitefield one
//! received: received 2, diagnosed 1. Tara read J1's device password once.

use crate::common::*;
use hub::store::HubStore;
use hub::store::db::now_ms;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlite_replica::{SqlExt, p};
use sync_core::body::*;
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::{DocType, Series};
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;
use sync_core::ids::{BranchId, RecordId, UserId};

const BUSINESS: &str = "Asha Laptop Care";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

struct Day {
    h: Hub,
    d1: Date,
    d2: Date,
    cookie: String,
    http: reqwest::Client,
}

pub(crate) fn job(id: RecordId, no: &str, customer: RecordId) -> OpBody {
    OpBody::JobOpened(JobIntake {
        id,
        job_no: no.into(),
        customer,
        device_type: "laptop".into(),
        brand: "Dell".into(),
        model: "Inspiron 15".into(),
        serial: format!("SN-{no}"),
        complaint: "No display".into(),
        accessories: vec![],
        condition: "Scratches".into(),
        password_kind: None,
        password: None,
        delivery_otp_hash: "ab".repeat(32),
        otp_sealed: None,
        promised: None,
        technician: None,
    })
}

pub(crate) fn customer(id: RecordId, name: &str, mobile: &str) -> OpBody {
    OpBody::CustomerCreated(Customer {
        id,
        name: name.into(),
        mobile: mobile.into(),
        email: None,
        address: None,
        gstin: None,
        state_code: None,
    })
}

/// A tax invoice of `dev`'s lease at `seq`, one service line.
#[allow(clippy::too_many_arguments)]
fn invoice(
    dev: &Dev,
    prefix: &str,
    pan: &str,
    seq: u64,
    tag: u8,
    date: Date,
    qty: &str,
    price: &str,
    place: &str,
    total: &str,
) -> OpBody {
    let lease = dev
        .enrolled_leases
        .iter()
        .find(|l| l.doc_type == DocType::TaxInvoice)
        .expect("a store device is leased a block at enrollment");
    assert_eq!(lease.fy, date.financial_year());
    let seq = lease.first + seq - 1;
    OpBody::DocumentIssued(Document {
        id: RecordId(sync_core::testkit::id16(tag, seq as u32)),
        doc_type: DocType::TaxInvoice,
        prefix: prefix.into(),
        fy: lease.fy,
        seq,
        number: Series::new(prefix, DocType::TaxInvoice, lease.fy)
            .unwrap()
            .format(seq)
            .unwrap(),
        date,
        supplier_gstin: sync_core::testkit::gstin("29", pan),
        supplier_state: "29".into(),
        customer: None,
        customer_name: format!("Walk-in {tag}{seq}"),
        customer_gstin: None,
        customer_address: None,
        place_of_supply: place.into(),
        job: None,
        lines: vec![Line {
            id: RecordId(sync_core::testkit::id16(tag.wrapping_add(1), seq as u32)),
            kind: LineKind::Service,
            item: None,
            description: "Repair".into(),
            hsn_sac: "998713".into(),
            qty: dec(qty),
            unit: "nos".into(),
            unit_price: dec(price),
            discount: Decimal::ZERO,
            gst_rate: Decimal::from(18),
        }],
        grand_total: dec(total),
        against: None,
        reason: None,
        transfer: None,
    })
}

async fn push_all(d: &Dev, ops: &[sync_core::op::Op]) {
    let (st, v) = d.push(ops).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    for r in v["results"].as_array().unwrap() {
        assert_eq!(r["verdict"], "accepted", "{v}");
    }
}

/// The seeded day (see the module's table), and the owner logged in.
async fn seed() -> Day {
    let h = start().await;
    let (hub, b) = (h.hub.clone(), h.b);
    let acc_b: UserId = tokio::task::spawn_blocking(move || {
        hub.set_business_name(BUSINESS).unwrap();
        hub.add_user(Some(b), "Bala", Role::Accountant, "5555")
            .unwrap()
    })
    .await
    .unwrap();
    let fy = Date::from_unix_ms_ist(now_ms()).financial_year();
    let (d1, d2) = (Date::new(fy, 4, 10).unwrap(), Date::new(fy, 5, 2).unwrap());
    let mut a = Dev::enroll(&h, h.a, true).await;
    let mut bd = Dev::enroll(&h, h.b, true).await;
    let (rec_a, tech_a, acc_a, rec_b) = (
        h.users["rec_a"],
        h.users["tech_a"],
        h.users["acc_a"],
        h.users["rec_b"],
    );
    let c = |n| RecordId(sync_core::testkit::id16(b'C', n));
    let j = |n| RecordId(sync_core::testkit::id16(b'J', n));

    let mut ops = vec![
        a.make(rec_a, customer(c(1), "Asha Rao", "9845012345")),
        a.make(rec_a, job(j(1), "JAY-1-00001", c(1))),
        a.make(rec_a, job(j(2), "JAY-1-00002", c(1))),
    ];
    let opened = ops.last().unwrap().id;
    ops.push(a.make(
        tech_a,
        OpBody::JobStatusChanged(StatusChange {
            job: j(2),
            from: JobStatus::Received,
            to: JobStatus::Diagnosed,
            after: None,
            override_reason: None,
            delivery: None,
            allow_balance_due: false,
            note: None,
        }),
    ));
    let _ = opened;
    ops.push(a.make(
        tech_a,
        OpBody::DevicePasswordRead {
            job: j(1),
            purpose: "to test the display".into(),
        },
    ));
    let pan_a = "ABCDE1234F";
    for body in [
        invoice(&a, "JAY", pan_a, 1, b'a', d1, "1", "1000", "29", "1180"),
        invoice(&a, "JAY", pan_a, 2, b'a', d1, "2", "250", "29", "590"),
        invoice(&a, "JAY", pan_a, 3, b'a', d1, "1", "3000", "29", "3540"),
        invoice(&a, "JAY", pan_a, 4, b'a', d2, "1", "1234.50", "27", "1457"),
    ] {
        ops.push(a.make(acc_a, body));
    }
    let third = match &ops[ops.len() - 2].body {
        OpBody::DocumentIssued(d) => d.id,
        _ => unreachable!(),
    };
    ops.push(a.make(
        acc_a,
        OpBody::DocumentCancelled {
            document: third,
            reason: "billed to the wrong customer".into(),
        },
    ));
    push_all(&a, &ops).await;

    bd.pull_all().await; // Bala, added after the device enrolled
    let ops = vec![
        bd.make(rec_b, customer(c(2), "Bhavna K", "9845099999")),
        bd.make(rec_b, job(j(3), "WFD-1-00001", c(2))),
        bd.make(
            acc_b,
            invoice(
                &bd,
                "WFD",
                "FGHIJ5678K",
                1,
                b'b',
                d1,
                "1",
                "2000",
                "29",
                "2360",
            ),
        ),
    ];
    push_all(&bd, &ops).await;

    let http = no_redirects();
    let r = http
        .post(format!("{}/login", h.url))
        .json(&json!({ "name": OWNER, "pin": OWNER_PIN }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    Day {
        h,
        d1,
        d2,
        cookie,
        http,
    }
}

impl Day {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.h.url))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        r.text().await.unwrap()
    }

    async fn rows(&self, path: &str) -> Vec<Vec<String>> {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let v: Value = r.json().await.unwrap();
        serde_json::from_value(v["rows"].clone()).unwrap()
    }
}

/// The bars of the chart `id` on `html`: each bar's `data-*` attributes.
fn bars(html: &str, id: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let at = html
        .find(&format!("id=\"chart-{id}\""))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let fig = &html[at..at + html[at..].find("</figure>").unwrap()];
    fig.split("<rect class=\"bar\"")
        .skip(1)
        .map(|b| {
            let tag = &b[..b.find('>').unwrap()];
            tag.split("data-")
                .skip(1)
                .filter_map(|kv| {
                    let (k, v) = kv.split_once("=\"")?;
                    Some((k.to_string(), v[..v.find('"')?].to_string()))
                })
                .collect()
        })
        .collect()
}

fn bar<'a>(
    bars: &'a [std::collections::BTreeMap<String, String>],
    want: &[(&str, &str)],
) -> Option<&'a str> {
    bars.iter()
        .find(|b| {
            want.iter()
                .all(|(k, v)| b.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|b| b["value"].as_str())
}

/// Every `href` on `html` that starts with `prefix` (unescaped).
fn links(html: &str, prefix: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].replace("&amp;", "&"))
        .filter(|s| s.starts_with(prefix))
        .collect()
}

#[tokio::test]
async fn the_charts_carry_the_seeded_days_figures() {
    let day = seed().await;
    let (d1, d2) = (day.d1.to_string(), day.d2.to_string());
    let html = day.page("/").await;
    assert!(
        html.contains(BUSINESS),
        "the business's name on the dashboard"
    );

    let revenue = bars(&html, "revenue");
    assert_eq!(revenue.len(), 3, "{revenue:?}");
    let rev = |b: &str, d: &str| bar(&revenue, &[("branch", b), ("date", d)]);
    assert_eq!(rev("Jayanagar", &d1), Some("1770.00"));
    assert_eq!(rev("Jayanagar", &d2), Some("1457.00"));
    assert_eq!(rev("Whitefield", &d1), Some("2360.00"));
    assert!(
        html.contains(&format!(
            "<title>Jayanagar, {}: ₹1,770.00</title>",
            day.d1.to_indian()
        )),
        "the figure in the owner's words"
    );

    let jobs = bars(&html, "jobs");
    assert_eq!(bar(&jobs, &[("status", "received")]), Some("2"));
    assert_eq!(bar(&jobs, &[("status", "diagnosed")]), Some("1"));
    assert_eq!(jobs.len(), 2, "{jobs:?}");

    let gst = bars(&html, "gst");
    let month = |d: &Date| format!("{:04}-{:02}", d.year, d.month);
    let g = |d: &Date, part: &str| bar(&gst, &[("month", &month(d)), ("component", part)]);
    assert_eq!(g(&day.d1, "cgst"), Some("315.00"));
    assert_eq!(g(&day.d1, "sgst"), Some("315.00"));
    assert_eq!(g(&day.d1, "igst"), Some("0.00"));
    assert_eq!(g(&day.d2, "cgst"), Some("0.00"));
    assert_eq!(g(&day.d2, "igst"), Some("222.21"));
    assert_eq!(gst.len(), 6);

    // The tables say the same, as the owner reads them.
    assert!(html.contains("₹1,770.00") && html.contains("₹2,360.00"));
    let rows = day.rows("/reports/revenue.json").await;
    assert_eq!(
        rows,
        [
            ["Jayanagar", &d1, "1770"],
            ["Jayanagar", &d2, "1457"],
            ["Whitefield", &d1, "2360"],
        ]
    );
}

#[tokio::test]
async fn filters_narrow_every_format_and_every_link_carries_them() {
    let day = seed().await;
    let (a, b) = (day.h.a, day.h.b);
    let (d1, d2) = (day.d1.to_string(), day.d2.to_string());

    // A branch filter drops the other branch, in JSON, CSV, XLSX and HTML.
    let only_b = format!("?branch={b}");
    let rows = day.rows(&format!("/reports/revenue.json{only_b}")).await;
    assert_eq!(rows, [["Whitefield", &d1, "2360"]]);
    let csv = day.page(&format!("/reports/invoices.csv{only_b}")).await;
    assert!(csv.contains("WFD/") && !csv.contains("JAY/"), "{csv}");
    let r = day.get(&format!("/reports/gst.xlsx{only_b}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let xlsx = r.bytes().await.unwrap();
    let all = day.get("/reports/gst.xlsx").await.bytes().await.unwrap();
    assert_ne!(xlsx, all, "the workbook is narrowed too");
    let html = day.page(&format!("/{only_b}")).await;
    let revenue = bars(&html, "revenue");
    assert!(
        revenue.iter().all(|r| r["branch"] == "Whitefield"),
        "{revenue:?}"
    );
    assert_eq!(
        bar(&bars(&html, "jobs"), &[("status", "received")]),
        Some("1")
    );
    assert!(
        bars(&html, "jobs")
            .iter()
            .all(|r| r["status"] != "diagnosed")
    );
    // The form shows the choice; exports and lists carry it.
    assert!(html.contains(&format!(
        "<option value=\"{b}\" selected>Whitefield</option>"
    )));
    for name in ["revenue", "gst", "pending_jobs", "technicians"] {
        for ext in ["csv", "xlsx", "json"] {
            assert!(
                html.contains(&format!("href=\"/reports/{name}.{ext}?branch={b}\"")),
                "{name}.{ext} carries the branch"
            );
        }
    }
    assert!(html.contains(&format!("href=\"/reports/audit.html?branch={b}\"")));

    // A date range drops the other days.
    let range = format!("?from={d2}&to={d2}");
    let rows = day.rows(&format!("/reports/revenue.json{range}")).await;
    assert_eq!(rows, [["Jayanagar", &d2, "1457"]]);
    let gst = day.rows(&format!("/reports/gst.json{range}")).await;
    assert_eq!(gst, [["Jayanagar", "18", "1234.5", "0", "0", "222.21"]]);
    let html = day.page(&format!("/{range}")).await;
    assert_eq!(bars(&html, "revenue").len(), 1);
    assert_eq!(bars(&html, "gst").len(), 3);
    assert!(html.contains(&format!(
        "href=\"/reports/revenue.csv?from={d2}&amp;to={d2}\""
    )));
    // Jobs were opened today, not on D2: none pending in that range.
    assert!(bars(&html, "jobs").is_empty());
    let today = Date::from_unix_ms_ist(now_ms()).to_string();
    let both = format!("?from={today}&to={today}&branch={a}");
    let rows = day.rows(&format!("/reports/pending_jobs.json{both}")).await;
    let counts: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(counts, [("diagnosed", "1"), ("received", "1")]);
}

#[tokio::test]
async fn a_figure_drills_down_to_its_invoices_and_jobs() {
    let day = seed().await;
    let (a, d1) = (day.h.a, day.d1.to_string());
    let html = day.page("/").await;

    // Jayanagar's D1 revenue, from its bar and from its table row.
    let want = format!("/reports/invoices.html?from={d1}&to={d1}&branch={a}");
    assert!(
        links(&html, "/reports/invoices.html").contains(&want),
        "{want}"
    );
    let list = day.page(&want).await;
    for n in ["JAY/", "Walk-in"] {
        assert!(list.contains(n), "{n}");
    }
    assert!(!list.contains("WFD/"), "the other branch is not listed");
    assert!(
        list.contains("class=\"cancelled\""),
        "the cancelled one is shown as such"
    );
    let json = want.replace(".html", ".json");
    let rows = day.rows(&json).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    let live: Decimal = rows
        .iter()
        .filter(|r| r[8] == "no")
        .map(|r| dec(&r[7]))
        .sum();
    assert_eq!(live, dec("1770"), "the live documents add up to the figure");
    let cancelled: Vec<&Vec<String>> = rows.iter().filter(|r| r[8] == "yes").collect();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0][5], "3000");
    // Each row: number, date, customer, taxable, GST, total.
    let first = &rows[0];
    assert_eq!(&first[3], &d1);
    assert_eq!(
        (first[5].as_str(), first[6].as_str(), first[7].as_str()),
        ("1000", "180", "1180")
    );

    // Open jobs: Jayanagar's received ones, from the pending table.
    let want = format!("/reports/jobs.html?branch={a}&status=received");
    assert!(links(&html, "/reports/jobs.html").contains(&want), "{want}");
    let rows = day.rows(&want.replace(".html", ".json")).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][1], "JAY-1-00001");
    assert_eq!(rows[0][2], "Asha Rao");
    assert_eq!(rows[0][3], "Dell Inspiron 15");
    assert_eq!(rows[0][4], "received");
    assert_eq!(rows[0][7], "0", "opened today");
    // And the chart's bar for a status leads to those jobs at every branch.
    assert!(
        links(&html, "/reports/jobs.html")
            .contains(&"/reports/jobs.html?status=received".to_string())
    );
    let rows = day.rows("/reports/jobs.json?status=received").await;
    assert_eq!(rows.len(), 2);
    // Both lists export like any report.
    let csv = day.page(&format!("/reports/jobs.csv?branch={a}")).await;
    assert!(csv.starts_with("branch,job_no,customer,device,status,technician,opened,days_open"));
    let r = day.get("/reports/invoices.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_audit_and_password_logs_are_consolidated() {
    let day = seed().await;
    let (a, b) = (day.h.a, day.h.b);
    let rows = day.rows("/reports/audit.json").await;
    let has = |rows: &[Vec<String>], branch: &str, who: &str, what: &str| {
        rows.iter()
            .any(|r| r[2] == branch && r[3] == who && r[5] == what)
    };
    assert!(has(&rows, "Jayanagar", "Ravi", "job_opened"), "{rows:?}");
    assert!(has(&rows, "Jayanagar", "Arun", "document_cancelled"));
    assert!(has(&rows, "Whitefield", "Bala", "document_issued"));
    // A job is named by its number, a device by its label.
    assert!(
        rows.iter()
            .any(|r| r[6] == "JAY-1-00002" && r[5] == "job_status_changed")
    );
    assert!(
        rows.iter()
            .all(|r| !r[4].is_empty() || r[2] == "Head office")
    );
    let only_a = day.rows(&format!("/reports/audit.json?branch={a}")).await;
    assert!(only_a.iter().all(|r| r[2] == "Jayanagar"));
    assert!(has(&only_a, "Jayanagar", "Ravi", "job_opened"));
    let far = day.rows("/reports/audit.json?to=2001-01-01").await;
    assert!(far.is_empty(), "{far:?}");

    let reads = day.rows("/reports/password_reads.json").await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    let r = &reads[0];
    assert_eq!(
        (
            r[2].as_str(),
            r[3].as_str(),
            r[5].as_str(),
            r[6].as_str(),
            r[7].as_str()
        ),
        (
            "Jayanagar",
            "Tara",
            "JAY-1-00001",
            "Asha Rao",
            "to test the display"
        )
    );
    assert!(
        day.rows(&format!("/reports/password_reads.json?branch={b}"))
            .await
            .is_empty()
    );
    let page = day.page("/reports/password_reads.html").await;
    assert!(page.contains("to test the display") && page.contains(BUSINESS));
}

#[tokio::test]
async fn bad_filters_are_refused_naming_the_field_and_change_nothing() {
    let day = seed().await;
    let before = day.rows("/reports/revenue.json").await;
    let ops = || {
        day.h
            .hub
            .read(|c| Ok(c.row("SELECT count(*) FROM ops", p![], |r| r.get::<i64>(0))?))
            .unwrap()
    };
    let ops_before = ops();
    let unknown = BranchId([7; 16]);
    let cases: Vec<(String, &str)> = vec![
        ("from=2026-13-01".into(), "from"),
        ("from=01-12-2026".into(), "from"),
        ("to=yesterday".into(), "to"),
        ("from=2026-12-02&to=2026-12-01".into(), "from"),
        ("branch=Jayanagar".into(), "branch"),
        (format!("branch={unknown}"), "branch"),
        ("colour=red".into(), "colour"),
    ];
    for path in [
        "/",
        "/reports/revenue.json",
        "/reports/gst.csv",
        "/reports/invoices.xlsx",
        "/reports/jobs.html",
        "/reports/audit.json",
        "/reports/password_reads.csv",
        "/reports/customer_history.json",
    ] {
        for (q, field) in &cases {
            let sep = if path.contains('?') { '&' } else { '?' };
            let mut url = format!("{path}{sep}{q}");
            if path.contains("customer_history") {
                url.push_str("&mobile=9845012345");
            }
            let r = day.get(&url).await;
            assert!(r.status().is_client_error(), "{url}: {}", r.status());
            assert!(
                r.headers()[CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json"),
                "{url}"
            );
            let e: Value = r.json().await.unwrap();
            assert_eq!(e["error"]["field"], *field, "{url}: {e}");
        }
    }
    // What one report takes, another refuses; and a bad status names it.
    for (url, field) in [
        ("/reports/revenue.json?status=received", "status"),
        ("/reports/jobs.json?status=fixed", "status"),
        ("/?mobile=9845012345", "mobile"),
        ("/reports/customer_history.json?mobile=12", "mobile"),
    ] {
        let r = day.get(url).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["field"], field, "{url}: {e}");
    }
    // Empty values are no filter: the form sends every field.
    assert_eq!(
        day.rows("/reports/revenue.json?from=&to=&branch=").await,
        before
    );
    assert_eq!(day.rows("/reports/revenue.json").await, before);
    assert_eq!(ops(), ops_before, "nothing was signed or stored");
}

#[tokio::test]
async fn every_new_page_needs_the_login_and_names_the_business() {
    let day = seed().await;
    let http = &day.http;
    for path in [
        "/?branch=x",
        "/reports/invoices.html",
        "/reports/jobs.html?status=received",
        "/reports/audit.html",
        "/reports/password_reads.html",
    ] {
        let r = http
            .get(format!("{}{path}", day.h.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers()[LOCATION], "/login", "{path}");
    }
    for path in [
        "/reports/invoices.json",
        "/reports/jobs.csv",
        "/reports/audit.xlsx",
        "/reports/password_reads.json",
        "/reports/revenue.json?from=bad",
    ] {
        let r = http
            .get(format!("{}{path}", day.h.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], "unauthorized", "{path}");
    }
    // The stylesheet is public (the login page uses it) and is the UI's look.
    let r = http
        .get(format!("{}/hub.css", day.h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let css = r.text().await.unwrap();
    for token in [
        "--accent: #0b63ce",
        "--line: #d9dee7",
        "@media print",
        "72mm",
    ] {
        assert!(css.contains(token), "{token}");
    }
    // The business's name on every screen, before and after the login.
    let login = http
        .get(format!("{}/login", day.h.url))
        .send()
        .await
        .unwrap();
    assert!(login.text().await.unwrap().contains(BUSINESS));
    for path in [
        "/",
        "/people",
        "/reports/jobs.html",
        "/reports/customer_history.html?mobile=9845012345",
    ] {
        let page = day.page(path).await;
        assert!(page.contains(BUSINESS), "{path}");
        assert!(page.contains("href=\"/hub.css\""), "{path}");
    }
    // The document describes the filters.
    let doc: Value = day.get("/openapi.json").await.json().await.unwrap();
    for p in ["/", "/reports/{name}"] {
        let names: Vec<&str> = doc["paths"][p]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|q| q["name"].as_str())
            .collect();
        for f in ["from", "to", "branch"] {
            assert!(names.contains(&f), "{p}: {names:?}");
        }
    }
}
