//! The owner's hub in headless Chromium, over a day's real work at two
//! branches synced through it: the owner logs in, and every hub screen
//! (login, dashboard, the lists a figure drills down to, the logs, people)
//! is read at a counter's screen (1366×768) and a phone's (390×844). The
//! walk fails on sideways scrolling of the page at 390×844, a screen
//! without the business's name, missing charts, or an amount not in the
//! shop's format; then the dashboard, laid out for print, must fit 72 mm of
//! an 80 mm roll. Screenshots land in `target/screenshots/hub-*.png`.

use std::sync::Arc;

use branch_node::node::Node;
use e2e_tests::browser::Browser;
use e2e_tests::demo::{self, Staff};
use e2e_tests::world::{Device, Hub, OWNER_NAME, OWNER_PIN, bg};
use hub::store::HubStore;
use serde_json::{Value, json};
use sync_core::domain::date::Date;
use sync_core::domain::roles::Role;

const BUSINESS: &str = "Asha Laptop Care";

async fn work<T: Send + 'static>(
    node: &Arc<Node>,
    f: impl FnOnce(&Node) -> branch_node::Result<T> + Send + 'static,
) -> T {
    let n = node.clone();
    bg(move || f(&n)).await.unwrap()
}

async fn staff(d: &Device, b: &e2e_tests::world::BranchInfo) -> Arc<Staff> {
    Arc::new(Staff {
        manager: d.login(b, Role::Manager).await,
        counter: d.login(b, Role::Receptionist).await,
        technician: d.login(b, Role::Technician).await,
        accounts: d.login(b, Role::Accountant).await,
    })
}

/// Three jobs at each branch, one billed and delivered today.
fn a_day(n: &Node, s: &Staff, k: usize) -> branch_node::Result<()> {
    let jobs = demo::take_in(n, s, k, 3, 80)?;
    demo::diagnose(n, &s.technician, &jobs[1..])?;
    demo::approve(n, &s.manager, &jobs[2..])?;
    demo::repair(n, &s.technician, &jobs[2..], None)?;
    demo::bill_and_deliver(
        n,
        s,
        &jobs[2..],
        Date::from_unix_ms_ist(hub::store::db::now_ms()),
    )
}

/// What is wrong with the screen shown, at this size.
const CHECK: &str = r#"
const problems = [];
const doc = document.documentElement;
if (doc.scrollWidth > window.innerWidth + 1) problems.push(`sideways scroll: ${doc.scrollWidth} px wide on a ${window.innerWidth} px screen`);
const brand = document.getElementById('business');
if (!brand || !brand.innerText.includes(arguments[0]) || !brand.offsetWidth) problems.push('no business name on screen');
const text = document.body.innerText;
if (text.includes('[object Object]')) problems.push('[object Object] on screen');
if (/\{\s*"[a-z_]+"\s*:/.test(text)) problems.push('raw JSON on screen');
for (const m of text.matchAll(/-?₹\s?-?[0-9][0-9,]*(\.[0-9]+)?/g)) {
  if (!/^-?₹(\d{1,2},(\d{2},)*\d{3}|\d{1,3})\.\d{2}$/.test(m[0])) problems.push(`amount not as ₹1,23,456.00: ${m[0]}`);
}
return problems;
"#;

async fn check(b: &Browser, url: &str, shot: &str) {
    b.goto(url).await;
    b.el("header#top").await;
    let problems = b.js(CHECK, vec![json!(BUSINESS)]).await;
    b.screenshot(shot).await;
    assert_eq!(problems, json!([]), "{shot} ({url})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owners_hub_reads_on_a_screen_a_phone_and_an_80mm_roll() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path(), 1000).await;
    let desk = hub.enroll(dir.path(), 0, "jayanagar", true, &hub.url).await;
    let other = hub.enroll(dir.path(), 1, "tnagar", true, &hub.url).await;
    let sync = || async {
        for d in [&desk, &other] {
            branch_node::sync::sync_once(&d.node, &hub.url)
                .await
                .unwrap();
        }
    };
    sync().await;
    let (sa, sb) = (
        staff(&desk, &hub.branches[0]).await,
        staff(&other, &hub.branches[1]).await,
    );
    work(&desk.node, move |n| a_day(n, &sa, 0)).await;
    work(&other.node, move |n| a_day(n, &sb, 10)).await;
    sync().await;
    let store = hub.store.clone();
    bg(move || store.set_business_name(BUSINESS)).await.unwrap();

    let b = Browser::start().await;
    let url = &hub.url;
    // Before the login: the login screen, at both sizes.
    b.viewport(390, 844, true).await;
    check(&b, &format!("{url}/login"), "hub-phone-login").await;
    b.viewport(1366, 768, false).await;
    check(&b, &format!("{url}/login"), "hub-desktop-login").await;
    b.fill("#login [name=name]", OWNER_NAME).await;
    b.fill("#login [name=pin]", OWNER_PIN).await;
    b.click("#login button").await;
    b.wait_text("body", "Revenue by branch and day", 20).await;

    let a = hub.branches[0].id;
    let today = Date::from_unix_ms_ist(hub::store::db::now_ms());
    let screens = [
        ("dashboard", "/".to_string()),
        (
            "dashboard-branch",
            format!("/?branch={a}&from={today}&to={today}"),
        ),
        ("invoices", format!("/reports/invoices.html?branch={a}")),
        ("jobs", "/reports/jobs.html?status=received".to_string()),
        ("audit", "/reports/audit.html".to_string()),
        ("password-log", "/reports/password_reads.html".to_string()),
        ("people", "/people".to_string()),
    ];
    for (size, (w, h, mobile)) in [("desktop", (1366, 768, false)), ("phone", (390, 844, true))] {
        b.viewport(w, h, mobile).await;
        for (name, path) in &screens {
            check(&b, &format!("{url}{path}"), &format!("hub-{size}-{name}")).await;
        }
        // The charts are there, each bar with its figure.
        b.goto(&format!("{url}/")).await;
        let bars = b
            .js(
                "return ['revenue', 'jobs', 'gst'].map(c => [...document.querySelectorAll('#chart-' + c + ' rect.bar')].filter(r => r.dataset.value).length)",
                vec![],
            )
            .await;
        let bars: Vec<u64> = serde_json::from_value(bars).unwrap();
        assert!(
            bars.iter().all(|n| *n > 0),
            "{size}: bars per chart {bars:?}"
        );
        // Wide tables scroll in their own box, not the page.
        let boxed = b
            .js(
                "return [...document.querySelectorAll('table')].every(t => t.closest('.wide'))",
                vec![],
            )
            .await;
        assert_eq!(boxed, json!(true), "{size}");
    }

    // The dashboard on an 80 mm roll: 72 mm of print.
    b.viewport(1366, 768, false).await;
    b.goto(&format!("{url}/")).await;
    b.el("#chart-revenue").await;
    b.print_media(true).await;
    let fit = b
        .js(
            "const probe = document.createElement('div'); probe.style.width = '72mm'; document.body.append(probe);
             const paper = probe.getBoundingClientRect().width; probe.remove();
             const left = document.body.getBoundingClientRect().left;
             let widest = 0, what = '';
             for (const el of document.body.querySelectorAll('*')) {
               const r = el.getBoundingClientRect();
               if (r.width > 0 && r.right - left > widest) { widest = r.right - left; what = el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className; }
             }
             const brand = document.getElementById('business');
             return [widest, paper, what, !!(brand && brand.offsetWidth && brand.innerText.includes(arguments[0])), document.querySelectorAll('svg rect.bar').length];",
            vec![json!(BUSINESS)],
        )
        .await;
    b.screenshot("hub-print-80mm").await;
    b.print_media(false).await;
    let (widest, paper) = (fit[0].as_f64().unwrap(), fit[1].as_f64().unwrap());
    assert!(
        widest <= paper + 0.5,
        "the dashboard's print is {widest:.1} px wide ({}), 72 mm of paper is {paper:.1} px",
        fit[2]
    );
    assert_eq!(
        fit[3],
        Value::Bool(true),
        "the business's name on the print"
    );
    assert!(fit[4].as_u64().unwrap() > 0, "the charts print too");
}
