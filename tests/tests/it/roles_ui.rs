//! Each role's day on the branch UI, in headless Chromium at a counter's
//! screen (1366×768) and a phone's (390×844), against a real device that has
//! synced with a real hub and holds a seeded day's work: jobs at every step,
//! one ready but never billed, invoices paid and unpaid, stock received,
//! issued and used.
//!
//! On every screen a role can reach, the walk fails on:
//! - a visible action the role may not take: every control carries the
//!   action of the role matrix it needs (`data-action`), checked against the
//!   matrix the API serves (`/api/roles`), which the HTTP matrix tests prove
//!   the API enforces;
//! - sideways scrolling of the page at 390×844;
//! - raw JSON or `[object Object]` on screen;
//! - an error text that says its field twice (`mobile: mobile: …`);
//! - an amount not in the shop's format (`₹1,23,456.00`).
//!
//! A screenshot of every screen lands in `target/screenshots/roles-*.png`.
//! Then the prints: the intake slip, an invoice's 80 mm roll and a payment
//! receipt, laid out for print, fit 72 mm of paper.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use branch_node::node::Node;
use branch_node::{billing as bill, services as svc};
use e2e_tests::browser::Browser;
use e2e_tests::demo::{self, Staff};
use e2e_tests::world::{Device, Hub, bg, dec};
use serde_json::{Value, json};
use sync_core::body::PaymentMode;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::domain::roles::Role;
use sync_core::ids::RecordId;

async fn work<T: Send + 'static>(
    node: &Arc<Node>,
    f: impl FnOnce(&Node) -> branch_node::Result<T> + Send + 'static,
) -> T {
    let n = node.clone();
    bg(move || f(&n)).await.unwrap()
}

/// What the seeded day left: jobs by what a screen shows of them.
struct Day {
    ready_unbilled: RecordId,
    received: RecordId,
    delivered: RecordId,
    estimate_shared: RecordId,
    invoice: RecordId,
    item: RecordId,
}

async fn seed(hub: &Hub, counter: &Device) -> Day {
    let b = &hub.branches[0];
    let staff = Arc::new(Staff {
        manager: counter.login(b, Role::Manager).await,
        counter: counter.login(b, Role::Receptionist).await,
        technician: counter.login(b, Role::Technician).await,
        accounts: counter.login(b, Role::Accountant).await,
    });
    let items = hub.items.clone();
    let s = staff.clone();
    let ram = items["RAM8-DDR4"];
    let _ = ram;
    work(&counter.node, move |n| {
        demo::opening_stock(n, &s, &items, &[("RAM8-DDR4", "6"), ("SSD512-NVME", "3")])?;
        let jobs = demo::take_in(n, &s, 0, 5, 80)?;
        demo::diagnose(n, &s.technician, &jobs[1..])?;
        demo::approve(n, &s.manager, &jobs[2..4])?;
        svc::change_status(
            n,
            &s.manager,
            jobs[4].0,
            demo::to(JobStatus::EstimateShared),
        )?;
        demo::repair(n, &s.technician, &jobs[2..4], None)?;
        let day: sync_core::domain::date::Date = "2026-12-01".parse().unwrap();
        demo::bill_and_deliver(n, &s, &jobs[3..4], day)?;
        // A counter sale left unpaid: receivables on the invoices screen.
        let draft = bill::create_draft(
            n,
            &s.accounts,
            bill::DraftInput {
                job: None,
                customer: None,
                customer_name: Some("Walk-in".into()),
                customer_gstin: None,
                customer_state: None,
                customer_address: None,
                lines: vec![demo::labour("1234.50")],
            },
        )?;
        let doc = bill::finalize(n, &s.accounts, draft.draft.id, Some(day))?;
        bill::record_payment(
            n,
            &s.accounts,
            bill::PaymentInput {
                invoice: Some(doc.doc.id),
                job: None,
                amount: dec("500"),
                mode: PaymentMode::Upi,
                reference: Some("UPI/77881".into()),
                date: Some(day),
            },
        )?;
        Ok(Day {
            ready_unbilled: jobs[2].0,
            received: jobs[0].0,
            delivered: jobs[3].0,
            estimate_shared: jobs[4].0,
            invoice: doc.doc.id,
            item: ram,
        })
    })
    .await
}

/// The checks every screen must pass; `Err` names what is wrong.
const CHECK: &str = r#"
const may = new Set(arguments[0]);
const all = new Set(arguments[1]);
const problems = [];
const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) && getComputedStyle(el).visibility !== 'hidden';
for (const el of document.querySelectorAll('[data-action]')) {
  const a = el.getAttribute('data-action');
  if (!all.has(a)) problems.push(`unknown action ${a}`);
  else if (visible(el) && !may.has(a)) problems.push(`shows "${(el.textContent || el.getAttribute('aria-label') || el.tagName).trim()}" (${a})`);
}
const doc = document.documentElement;
if (doc.scrollWidth > window.innerWidth + 1) problems.push(`sideways scroll: ${doc.scrollWidth} px wide on a ${window.innerWidth} px screen`);
const text = document.body.innerText;
if (text.includes('[object Object]')) problems.push('[object Object] on screen');
if (/\{\s*"[a-z_]+"\s*:/.test(text)) problems.push('raw JSON on screen');
for (const m of text.matchAll(/\b([a-z_]+): \1:/g)) problems.push(`an error repeats its field: ${m[0]}`);
for (const m of text.matchAll(/-?₹\s?-?[0-9][0-9,]*(\.[0-9]+)?/g)) {
  if (!/^-?₹(\d{1,2},(\d{2},)*\d{3}|\d{1,3})\.\d{2}$/.test(m[0])) problems.push(`amount not as ₹1,23,456.00: ${m[0]}`);
}
return problems;
"#;

async fn check(b: &Browser, may: &Value, all: &Value, what: &str, shot: &str) {
    // Let the screen settle (data loads after the route).
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    b.screenshot(shot).await;
    let problems = b.js(CHECK, vec![may.clone(), all.clone()]).await;
    assert_eq!(problems, json!([]), "{what}");
}

async fn log_in(b: &Browser, device: &str, name: &str, pin: &str) {
    b.goto(&format!("{device}/#/login")).await;
    b.wait_for("#login-form #staff button", 20).await;
    assert_eq!(
        b.text(".brand").await,
        "Jayanagar",
        "the shop's name before login too"
    );
    // Pick the name from the staff list, as the counter does.
    let picked = b
        .js(
            "const b = [...document.querySelectorAll('#staff button')].find((x) => x.firstChild.textContent === arguments[0]); if (b) b.click(); return !!b;",
            vec![json!(name)],
        )
        .await;
    assert_eq!(picked, json!(true), "{name} is on the login screen's list");
    b.fill("#login-form [name=pin]", pin).await;
    b.click("#login-form button[type=submit]").await;
    b.wait_for("#board", 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_role_sees_only_what_it_may_do_at_both_sizes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::start(dir.path(), 10_000).await;
    let counter = hub
        .enroll(dir.path(), 0, "jayanagar counter", true, &hub.url)
        .await;
    branch_node::sync::sync_once(&counter.node, &hub.url)
        .await
        .expect("sync");
    let day = seed(&hub, &counter).await;
    let http = reqwest::Client::new();
    let b = Browser::start().await;
    let url = counter.url.clone();
    let branch = &hub.branches[0];

    // The matrix as the API serves it: the walk's only source of who may do what.
    let mgr = {
        let (_, name, pin) = branch.people[&Role::Manager].clone();
        let r: Value = http
            .post(format!("{url}/api/login"))
            .json(&json!({ "user": name, "pin": pin }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["token"].as_str().unwrap().to_string()
    };
    let matrix: Value = http
        .get(format!("{url}/api/roles"))
        .bearer_auth(&mgr)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut may: HashMap<String, Vec<String>> = HashMap::new();
    let mut all = vec![];
    for row in matrix.as_array().expect("the matrix") {
        let a = row["action"].as_str().unwrap().to_string();
        all.push(a.clone());
        for r in row["roles"].as_array().unwrap() {
            may.entry(r.as_str().unwrap().into())
                .or_default()
                .push(a.clone());
        }
    }
    let all = json!(all);

    let mut walked = HashSet::new();
    for (w, h, size) in [(1366, 768, "desktop"), (390, 844, "phone")] {
        b.viewport(w, h, w < 600).await;
        for role in [
            Role::Receptionist,
            Role::Technician,
            Role::Manager,
            Role::Accountant,
        ] {
            let (_, name, pin) = branch.people[&role].clone();
            log_in(&b, &url, &name, pin).await;
            let r = role.as_str();
            let mine = json!(may.get(r).cloned().unwrap_or_default());
            // The shop's name is on every screen.
            assert_eq!(b.text(".brand").await, branch.name, "{r}: the shop's name");
            let mut screens: Vec<(String, String)> = vec![
                ("#/board".into(), "board".into()),
                ("#/attention".into(), "attention".into()),
                ("#/settings".into(), "settings".into()),
                ("#/inventory".into(), "inventory".into()),
                (format!("#/job/{}", day.ready_unbilled), "job-ready".into()),
                (format!("#/job/{}", day.received), "job-received".into()),
                (
                    format!("#/job/{}", day.estimate_shared),
                    "job-estimate".into(),
                ),
                (format!("#/job/{}", day.delivered), "job-delivered".into()),
            ];
            // The menu decides the rest: what it shows must open, and work.
            let menu = b
                .js("return [...document.querySelectorAll('#nav a')].map((a) => a.getAttribute('href'))", vec![])
                .await;
            let menu: Vec<String> = serde_json::from_value(menu).unwrap();
            if menu.contains(&"#/intake".to_string()) {
                screens.push(("#/intake".into(), "intake".into()));
            }
            if menu.contains(&"#/reports".to_string()) {
                screens.push(("#/reports/2026-12-01".into(), "reports".into()));
            }
            if menu.contains(&"#/invoices".to_string()) {
                screens.push(("#/invoices".into(), "invoices".into()));
                screens.push((format!("#/invoices/doc/{}", day.invoice), "invoice".into()));
            }
            assert_eq!(
                menu.contains(&"#/invoices".to_string()),
                role != Role::Receptionist && role != Role::Technician,
                "{r}: the invoices menu follows the matrix: {menu:?}"
            );
            for (hash, shot) in &screens {
                b.goto(&format!("{url}/{hash}")).await;
                b.wait_for("#main > *", 20).await;
                let err = b
                    .js("const e = document.querySelector('#main > .error'); return e ? e.textContent : null", vec![])
                    .await;
                assert_eq!(
                    err,
                    Value::Null,
                    "{r} at {size}: {hash} opens with an error"
                );
                check(
                    &b,
                    &mine,
                    &all,
                    &format!("{r} at {size} on {hash}"),
                    &format!("roles-{size}-{r}-{shot}"),
                )
                .await;
                walked.insert((size, r, shot.clone()));
            }
            // The item ledger reads in words.
            b.goto(&format!("{url}/#/inventory")).await;
            b.wait_for("#stock", 20).await;
            b.click("#stock tr[data-sku='RAM8-DDR4'] button").await;
            b.wait_text("#ledger", "Received from Lamington Road Traders", 20)
                .await;
            check(
                &b,
                &mine,
                &all,
                &format!("{r} at {size}: ledger"),
                &format!("roles-{size}-{r}-ledger"),
            )
            .await;
            // A bad entry's error names its field once and changes nothing.
            if role == Role::Receptionist {
                b.goto(&format!("{url}/#/intake")).await;
                b.wait_for("#intake-form", 20).await;
                b.fill("#intake-form [name=mobile]", "+91 98765 4321").await;
                b.fill("[name=customer_name]", "Test Customer").await;
                b.fill("[name=complaint]", "Does not power on").await;
                b.click("#open-job").await;
                let t = b.wait_text("#toast", "mobile", 10).await;
                assert!(
                    !t.contains("mobile: mobile"),
                    "the error says its field once: {t}"
                );
                check(
                    &b,
                    &mine,
                    &all,
                    &format!("{r} at {size}: intake error"),
                    &format!("roles-{size}-{r}-intake-error"),
                )
                .await;
                // The same number written the Indian way is taken.
                b.fill("#intake-form [name=mobile]", "+91 98765 43211")
                    .await;
                b.click("#open-job").await;
                b.wait_for("#otp", 10).await;
            }
            b.click("#logout").await;
            b.wait_for("#login-form", 20).await;
        }
    }
    assert!(
        walked.len() >= 2 * 4 * 9,
        "every role's screens at both sizes: {}",
        walked.len()
    );

    // The job ready but never billed: the counter sees why delivery needs a
    // manager, and a manager may allow it, with a reason.
    b.viewport(1366, 768, false).await;
    let (_, name, pin) = branch.people[&Role::Receptionist].clone();
    log_in(&b, &url, &name, pin).await;
    b.goto(&format!("{url}/#/job/{}", day.ready_unbilled)).await;
    b.wait_text("#delivery-warnings", "not billed: the estimate of ₹", 20)
        .await;
    let allow = b
        .js(
            "return !!document.querySelector('[name=allow_balance_due]')",
            vec![],
        )
        .await;
    assert_eq!(allow, json!(false), "only a manager may allow it");
    // The place of supply by the state's name.
    log_in(
        &b,
        &url,
        &branch.people[&Role::Accountant].1,
        branch.people[&Role::Accountant].2,
    )
    .await;
    b.goto(&format!("{url}/#/invoices/doc/{}", day.invoice))
        .await;
    b.wait_text("#main", "place of supply Karnataka (29)", 20)
        .await;

    // Prints fit the roll: 72 mm of printable width is 272 CSS pixels.
    for (what, script) in [(
        "intake slip",
        "import('/ui/screens/intake.js').then(async (m) => { const j = await (await fetch('/api/jobs/' + arguments[0], { headers: { authorization: 'Bearer ' + sessionStorage.getItem('repair-desk.token') } })).json(); done(m.slipHtml(j, '1234', null)); });",
    )] {
        let html = b
            .js_async(
                &format!("const done = arguments[arguments.length - 1]; {script}"),
                vec![json!(day.received.to_string())],
            )
            .await;
        fits_the_roll(&b, &url, what, html.as_str().expect("html")).await;
    }
    let token = b
        .js("return sessionStorage.getItem('repair-desk.token')", vec![])
        .await;
    let roll: String = http
        .get(format!(
            "{url}/api/documents/{}/print?paper=80mm",
            day.invoice
        ))
        .bearer_auth(token.as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    fits_the_roll(&b, &url, "the invoice's 80 mm roll", &roll).await;
    let _ = day.item;
}

/// Lay `html` out for print and check nothing reaches past 72 mm.
#[allow(clippy::float_arithmetic)] // CSS pixels, not money
async fn fits_the_roll(b: &Browser, url: &str, what: &str, html: &str) {
    b.goto(&format!("{url}/health")).await;
    b.print_media(true).await;
    let fit = b
        .js(
            "document.open(); document.write(arguments[0]); document.close();
             const probe = document.createElement('div'); probe.style.width = '72mm'; document.body.append(probe);
             const paper = probe.getBoundingClientRect().width; probe.remove();
             const left = document.body.getBoundingClientRect().left;
             let widest = 0; for (const el of document.body.querySelectorAll('*')) { const r = el.getBoundingClientRect(); if (r.width > 0) widest = Math.max(widest, r.right - left); }
             return [widest, paper, document.documentElement.scrollWidth <= window.innerWidth];",
            vec![json!(html)],
        )
        .await;
    b.screenshot(&format!(
        "print-{}",
        what.replace(' ', "-").replace('\'', "")
    ))
    .await;
    b.print_media(false).await;
    let (widest, paper) = (
        fit[0].as_f64().expect("width"),
        fit[1].as_f64().expect("72 mm"),
    );
    assert!(
        widest <= paper + 0.5 && fit[2] == json!(true),
        "{what}: {widest:.1} px wide, 72 mm of paper is {paper:.1} px"
    );
}
