//! The owner's reports at the hub, from real work at two branches synced
//! through it: every report as XLSX carries the same cells as its CSV (money
//! as numbers with two decimals), and one customer's history — the same
//! mobile number at both branches — lists their jobs everywhere.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use branch_node::node::Node;
use branch_node::services as svc;
use e2e_tests::demo::{self, Staff};
use e2e_tests::world::{Device, Hub, bg};
use rust_decimal::Decimal;
use serde_json::Value;
use sync_core::domain::date::Date;
use sync_core::domain::roles::Role;
use sync_core::ids::RecordId;

const MOBILE: &str = "9845012345";
const MONEY: &[&str] = &["revenue", "taxable", "cgst", "sgst", "igst", "invoiced"];
const COUNTS: &[&str] = &["total", "cancelled", "jobs", "jobs_closed"];

async fn staff(d: &Device, b: &e2e_tests::world::BranchInfo) -> Arc<Staff> {
    Arc::new(Staff {
        manager: d.login(b, Role::Manager).await,
        counter: d.login(b, Role::Receptionist).await,
        technician: d.login(b, Role::Technician).await,
        accounts: d.login(b, Role::Accountant).await,
    })
}

async fn work<T: Send + 'static>(
    node: &Arc<Node>,
    f: impl FnOnce(&Node) -> branch_node::Result<T> + Send + 'static,
) -> T {
    let n = node.clone();
    bg(move || f(&n)).await.unwrap()
}

/// Open a job for the customer with [`MOBILE`] (new, or `existing`), with a
/// technician; returns (job, OTP, customer).
fn walk_in(
    n: &Node,
    s: &Staff,
    existing: Option<RecordId>,
    k: usize,
) -> branch_node::Result<(RecordId, String, RecordId)> {
    let mut input = demo::intake(k, 80);
    match existing {
        Some(c) => {
            input.customer = Some(c);
            input.new_customer = None;
        }
        None => {
            let c = input.new_customer.as_mut().expect("a new customer");
            c.name = "Asha Rao".into();
            c.mobile = format!("+91 {}-{}", &MOBILE[..5], &MOBILE[5..]);
        }
    }
    let o = svc::open_job(n, &s.counter, input)?;
    let id = o.job.summary.id;
    svc::assign_technician(n, &s.manager, id, Some(s.technician.user))?;
    Ok((id, o.otp, o.job.summary.customer))
}

/// Diagnose, approve, repair, bill and deliver.
fn finish(n: &Node, s: &Staff, job: &(RecordId, String)) -> branch_node::Result<()> {
    let jobs = std::slice::from_ref(job);
    demo::diagnose(n, &s.technician, jobs)?;
    demo::approve(n, &s.manager, jobs)?;
    demo::repair(n, &s.technician, jobs, None)?;
    demo::bill_and_deliver(n, s, jobs, Date::from_unix_ms_ist(hub::store::db::now_ms()))
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let (mut row, mut cell, mut quoted) = (vec![], String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    rows
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let a = s.find(open)? + open.len();
    Some(&s[a..a + s[a..].find(close)?])
}

/// A cell of the sheet: its text, its number format, whether it is a number.
#[derive(Clone, Debug, Default)]
struct Cell {
    text: String,
    format: Option<String>,
    number: bool,
}

fn part(z: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>, name: &str) -> String {
    let mut xml = String::new();
    z.by_name(name)
        .unwrap_or_else(|_| panic!("the workbook has no {name}"))
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The text of each `<t>` element of one shared string or inline string.
fn texts(x: &str) -> String {
    x.split("<t")
        .skip(1)
        .map(|t| unescape(between(t, ">", "</t>").unwrap_or("")))
        .collect()
}

/// The number format codes of the cell styles, by style index.
fn cell_formats(styles: &str) -> Vec<Option<String>> {
    let codes: HashMap<String, String> = styles
        .split("<numFmt ")
        .skip(1)
        .map(|f| {
            let tag = format!(" {}", &f[..f.find('>').unwrap()]);
            (
                attr(&tag, "numFmtId").unwrap().to_string(),
                unescape(attr(&tag, "formatCode").unwrap()),
            )
        })
        .collect();
    let xfs = between(styles, "<cellXfs", "</cellXfs>").expect("cellXfs");
    xfs.split("<xf ")
        .skip(1)
        .map(|x| {
            let tag = format!(" {}", &x[..x.find('>').unwrap()]);
            attr(&tag, "numFmtId").and_then(|id| codes.get(id).cloned())
        })
        .collect()
}

/// The first sheet of a workbook, as rows of cells placed by their `r`.
fn sheet(xlsx: &[u8]) -> Vec<Vec<Cell>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an XLSX is a zip");
    let xml = part(&mut z, "xl/worksheets/sheet1.xml");
    assert!(
        xml.contains("state=\"frozen\""),
        "the heading row is frozen"
    );
    assert!(xml.contains("<cols>"), "columns have widths");
    let formats = cell_formats(&part(&mut z, "xl/styles.xml"));
    let shared: Vec<String> = if z.by_name("xl/sharedStrings.xml").is_ok() {
        part(&mut z, "xl/sharedStrings.xml")
            .split("<si>")
            .skip(1)
            .map(texts)
            .collect()
    } else {
        vec![]
    };
    let data = between(&xml, "<sheetData>", "</sheetData>").expect("sheetData");
    let mut rows = vec![];
    for row in data.split("<row ").skip(1) {
        let mut cells: Vec<Cell> = vec![];
        for c in row.split("<c ").skip(1) {
            let tag = format!(" {}", &c[..c.find('>').unwrap()]);
            let r = attr(&tag, "r").unwrap();
            let col = r
                .chars()
                .take_while(|c| c.is_ascii_uppercase())
                .fold(0usize, |n, c| n * 26 + (c as usize - 'A' as usize + 1))
                - 1;
            let (text, number) = match attr(&tag, "t") {
                Some("s") => {
                    let i: usize = between(c, "<v>", "</v>").unwrap().parse().unwrap();
                    (shared[i].clone(), false)
                }
                Some("inlineStr") => (texts(c), false),
                _ => (between(c, "<v>", "</v>").unwrap().to_string(), true),
            };
            if cells.len() <= col {
                cells.resize(col + 1, Cell::default());
            }
            cells[col] = Cell {
                text,
                format: attr(&tag, "s").and_then(|s| formats[s.parse::<usize>().unwrap()].clone()),
                number,
            };
        }
        rows.push(cells);
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_matches_csv_and_a_customer_is_seen_at_every_branch() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path(), 1000).await;
    let desk = hub.enroll(dir.path(), 0, "jayanagar", true, &hub.url).await;
    let tnr = hub.enroll(dir.path(), 1, "tnagar", true, &hub.url).await;
    let sync = || async {
        for d in [&desk, &tnr] {
            branch_node::sync::sync_once(&d.node, &hub.url)
                .await
                .unwrap();
        }
    };
    // Leases and the catalogue arrive with the first syncs.
    sync().await;
    let (sa, sb) = (
        staff(&desk, &hub.branches[0]).await,
        staff(&tnr, &hub.branches[1]).await,
    );
    let (items, s) = (hub.items.clone(), sa.clone());
    work(&desk.node, move |n| {
        demo::opening_stock(n, &s, &items, &[("RAM8-DDR4", "5"), ("SSD512-NVME", "2")])
    })
    .await;

    // Asha brings two laptops to Jayanagar and, later, one to T Nagar.
    let s = sa.clone();
    let (a1, a2, other) = work(&desk.node, move |n| {
        let first = walk_in(n, &s, None, 1)?;
        let second = walk_in(n, &s, Some(first.2), 2)?;
        let other = demo::take_in(n, &s, 3, 1, 80)?;
        finish(n, &s, &(first.0, first.1.clone()))?;
        Ok((first, second, other[0].clone()))
    })
    .await;
    let s = sb.clone();
    let b1 = work(&tnr.node, move |n| {
        let j = walk_in(n, &s, None, 4)?;
        finish(n, &s, &(j.0, j.1.clone()))?;
        Ok(j)
    })
    .await;
    assert_ne!(a1.2, b1.2, "a customer record per branch, one mobile");
    sync().await;

    let http = reqwest::Client::new();
    let cookie = hub.owner_cookie(&http).await;
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{}{path}", hub.url);
        let cookie = cookie.clone();
        async move {
            http.get(&url)
                .header(reqwest::header::COOKIE, cookie)
                .send()
                .await
                .unwrap()
        }
    };

    // Every report: the XLSX carries the CSV's cells, typed.
    for (name, _) in hub::reports::REPORTS {
        let r = get(format!("/reports/{name}.csv")).await;
        assert_eq!(r.status(), 200, "{name}.csv");
        let csv = parse_csv(&r.text().await.unwrap());
        // A day with nobody working at once leaves nothing to settle
        // (`honest.rs` fills that report).
        assert!(
            csv.len() >= 2 || *name == "to_settle",
            "{name}: no rows from a day's work: {csv:?}"
        );
        let r = get(format!("/reports/{name}.xlsx")).await;
        assert_eq!(r.status(), 200, "{name}.xlsx");
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let rows = sheet(&r.bytes().await.unwrap());
        // A number cell holds the CSV's decimal (1180.50 is 1180.5).
        let same = |c: &Cell, want: &str| {
            if c.number {
                c.text.parse::<Decimal>().ok() == want.parse::<Decimal>().ok()
            } else {
                c.text == want
            }
        };
        assert_eq!(rows.len(), csv.len(), "{name}: XLSX and CSV rows");
        for (got, want) in rows.iter().zip(&csv) {
            for (i, w) in want.iter().enumerate() {
                let c = got.get(i).cloned().unwrap_or_default();
                assert!(same(&c, w), "{name}: XLSX {c:?} where the CSV has {w:?}");
            }
        }
        for (i, col) in csv[0].iter().enumerate() {
            for row in rows.iter().skip(1) {
                let Some(c) = row.get(i).filter(|c| !c.text.is_empty()) else {
                    continue;
                };
                if MONEY.contains(&col.as_str()) {
                    assert!(c.number, "{name}.{col}: money as a number: {c:?}");
                    let f = c.format.as_deref().unwrap_or("");
                    assert!(
                        f.contains("₹") && f.contains("0.00"),
                        "{name}.{col}: a rupee format: {c:?}"
                    );
                    c.text.parse::<Decimal>().unwrap();
                }
                if COUNTS.contains(&col.as_str()) {
                    assert!(c.number, "{name}.{col}: a count as a number: {c:?}");
                }
            }
        }
    }

    // One customer's history at every branch, by any form of the number.
    let r = get("/reports/customer_history.json?mobile=%2B91%2098450-12345".to_string()).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let cols: Vec<&str> = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        cols,
        [
            "branch", "job_no", "customer", "device", "status", "opened", "closed", "invoiced"
        ]
    );
    let rows: Vec<HashMap<&str, &str>> = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            cols.iter()
                .copied()
                .zip(r.as_array().unwrap().iter().map(|v| v.as_str().unwrap()))
                .collect()
        })
        .collect();
    let job_no = |d: &Device, id: RecordId, s: &Arc<Staff>| {
        let (n, s) = (d.node.clone(), s.clone());
        async move {
            bg(move || svc::job_detail(&n, &s.manager, id).unwrap())
                .await
                .summary
                .job_no
        }
    };
    let want = [
        ("Jayanagar", job_no(&desk, a1.0, &sa).await, "delivered"),
        ("Jayanagar", job_no(&desk, a2.0, &sa).await, "received"),
        ("T Nagar", job_no(&tnr, b1.0, &sb).await, "delivered"),
    ];
    let got: Vec<(&str, String, &str)> = rows
        .iter()
        .map(|r| (r["branch"], r["job_no"].to_string(), r["status"]))
        .collect();
    assert_eq!(
        got,
        want.iter()
            .map(|(b, j, s)| (*b, j.clone(), *s))
            .collect::<Vec<_>>()
    );
    let other_no = job_no(&desk, other.0, &sa).await;
    assert!(
        rows.iter()
            .all(|r| r["job_no"] != other_no || r["branch"] != "Jayanagar")
    );
    assert!(rows.iter().all(|r| r["customer"] == "Asha Rao"));
    // Invoiced: what each branch billed for the job, as the hub holds it.
    for (r, job) in rows.iter().zip([a1.0, a2.0, b1.0]) {
        let s = hub.store.clone();
        let billed: Decimal = bg(move || {
            s.sqlite(|c| {
                let mut st = c.prepare(
                    "SELECT grand_total FROM documents WHERE job = ?1 AND cancelled = 0",
                )?;
                let v: Vec<String> = st
                    .query_map([&job.0[..]], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                Ok(v.iter().map(|d| d.parse::<Decimal>().unwrap()).sum())
            })
            .unwrap()
        })
        .await;
        assert_eq!(r["invoiced"].parse::<Decimal>().unwrap(), billed);
        assert_eq!(billed > Decimal::ZERO, r["status"] == "delivered");
        assert_eq!(r["closed"].is_empty(), r["status"] != "delivered");
    }
    // Its CSV, XLSX and the dashboard's lookup page agree.
    let r = get(format!("/reports/customer_history.csv?mobile={MOBILE}")).await;
    let csv = parse_csv(&r.text().await.unwrap());
    assert_eq!(csv.len(), 4);
    let r = get(format!("/reports/customer_history.xlsx?mobile={MOBILE}")).await;
    let sheet_rows = sheet(&r.bytes().await.unwrap());
    let invoiced = &sheet_rows[3][7];
    assert!(invoiced.number && invoiced.format.as_deref().is_some_and(|f| f.contains("₹")));
    assert_eq!(
        invoiced.text.parse::<Decimal>().unwrap(),
        csv[3][7].parse::<Decimal>().unwrap()
    );
    let page = get(format!("/reports/customer_history.html?mobile={MOBILE}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("T Nagar") && page.contains("Jayanagar"));
    assert!(page.contains(&format!("customer_history.xlsx?mobile={MOBILE}")));
    let dash = get("/".to_string()).await.text().await.unwrap();
    assert!(dash.contains("action=\"/reports/customer_history.html\""));
    assert!(dash.contains("href=\"/reports/revenue.xlsx\""));
    assert!(!dash.contains("key="), "no secret in a link");

    // A number that is not one is refused, naming the field; a stranger's
    // number finds nothing; no login, no report.
    let r = get("/reports/customer_history?mobile=12345".to_string()).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["field"], "mobile", "{e}");
    let r = get("/reports/customer_history".to_string()).await;
    assert_eq!(r.status(), 422);
    let r = get("/reports/customer_history?mobile=9000000001".to_string()).await;
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["rows"].as_array().unwrap().len(), 0);
    let r = http
        .get(format!(
            "{}/reports/customer_history?mobile={MOBILE}",
            hub.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
