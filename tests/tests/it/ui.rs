//! The web UI in a real browser (Debian's headless Chromium over WebDriver)
//! against real devices: a hub on loopback, the Jayanagar counter and its
//! technician's laptop, each on its own SQLite file, serving the UI from its
//! local API and syncing in the background (with the hub through a link that
//! can be cut, and with each other over the LAN). One job goes the whole way:
//! intake at the counter → diagnosis and estimate on the laptop → approval →
//! parts issued and used → ready → invoice → payment → delivery with the OTP.
//! Then a second job does the same with the link to the hub cut throughout,
//! and the hub receives all of it when the link is restored.
//! A screenshot of every main screen lands in `target/screenshots/`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e_tests::browser::Browser;
use e2e_tests::proxy::FaultProxy;
use e2e_tests::world::{Device, Hub, bg, dec};
use serde_json::{Value, json};

struct Shop {
    _hub: Hub,
    hub_db: std::path::PathBuf,
    link: FaultProxy,
    counter: Device,
    laptop: Device,
    _stops: Vec<tokio::sync::oneshot::Sender<()>>,
}

fn sync_in_background(node: Arc<branch_node::Node>) -> tokio::sync::oneshot::Sender<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let peers = node.sync_peers().expect("peers");
    tokio::spawn(branch_node::sync::run_sync_loop(node, peers, async {
        let _ = rx.await;
    }));
    tx
}

async fn api(
    url: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let c = reqwest::Client::new();
    let mut r = c.request(method, format!("{url}{path}")).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("api request");
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

async fn login(url: &str, user: &str, pin: &str) -> String {
    let v: Value = reqwest::Client::new()
        .post(format!("{url}/api/login"))
        .json(&json!({"user": user, "pin": pin}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login json");
    v["token"].as_str().expect("token").to_string()
}

async fn open_shop(dir: &Path) -> Shop {
    let hub = Hub::start(dir, 10_000).await;
    let link = FaultProxy::start(&hub.addr, 7).await;
    let counter = hub
        .enroll(dir, 0, "jayanagar counter", true, &link.url)
        .await;
    let laptop = hub
        .enroll(dir, 0, "jayanagar laptop", false, &link.url)
        .await;
    counter
        .node
        .set_lan_peers(std::slice::from_ref(&laptop.url))
        .expect("lan peer");
    laptop
        .node
        .set_lan_peers(std::slice::from_ref(&counter.url))
        .expect("lan peer");
    let stops = vec![
        sync_in_background(counter.node.clone()),
        sync_in_background(laptop.node.clone()),
    ];
    // Opening stock at the counter, as the manager would receive it.
    let mgr = login(&counter.url, "Ravi Manager", "4321").await;
    for (sku, qty) in [("RAM8-DDR4", "5"), ("SSD512-NVME", "3")] {
        api(
            &counter.url,
            &mgr,
            reqwest::Method::POST,
            "/api/stock/receipts",
            Some(json!({"item": hub.items[sku].to_string(), "qty": qty, "supplier": "Lamington Road Traders"})),
        )
        .await;
    }
    // The counter tops up its invoice numbers after a sync with the hub.
    let t0 = Instant::now();
    loop {
        let leases = api(
            &counter.url,
            &mgr,
            reqwest::Method::GET,
            "/api/leases",
            None,
        )
        .await;
        if leases.as_array().is_some_and(|l| !l.is_empty()) {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the counter never got invoice numbers"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Shop {
        _hub: hub,
        hub_db: dir.join("hub.sqlite"),
        link,
        counter,
        laptop,
        _stops: stops,
    }
}

async fn log_in(b: &Browser, device: &str, user: &str, pin: &str) {
    b.goto(&format!("{device}/#/login")).await;
    b.wait_for("#login-form", 20).await;
    b.fill("#login-form [name=user]", user).await;
    b.fill("#login-form [name=pin]", pin).await;
    b.click("#login-form button[type=submit]").await;
    b.wait_for("#board", 20).await;
}

async fn log_out(b: &Browser) {
    b.click("#logout").await;
    b.wait_for("#login-form", 20).await;
}

/// Reload a job card until its status reads `status` (sync is in the background).
async fn job_until(b: &Browser, device: &str, job: &str, status: &str) {
    let t0 = Instant::now();
    loop {
        b.goto(&format!("{device}/#/job/{job}")).await;
        b.wait_for("#job-status", 20).await;
        if b.text("#job-status").await.contains(status) {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "job never reached {status} on {device}"
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
        b.goto(&format!("{device}/#/board")).await;
    }
}

struct Done {
    job_no: String,
    invoice_no: String,
}

/// One job card through the whole counter → bench → counter flow, by clicks.
async fn whole_job(b: &Browser, shop: &Shop, mobile: &str, name: &str, shots: bool) -> Done {
    let (counter, laptop) = (shop.counter.url.as_str(), shop.laptop.url.as_str());
    let shot = |n: &'static str| async move {
        if shots {
            b.screenshot(n).await;
        }
    };

    // Intake at the counter, as the receptionist.
    b.goto(&format!("{counter}/#/login")).await;
    b.wait_for("#login-form", 20).await;
    shot("01-login").await;
    log_in(b, counter, "Ravi Counter", "1111").await;
    b.click("#nav a[href='#/intake']").await;
    b.wait_for("#intake-form", 10).await;
    b.fill("#intake-form [name=mobile]", mobile).await;
    b.fill("[name=customer_name]", name).await;
    b.choose("[name=device_type]", "Laptop").await;
    b.fill("[name=brand]", "Lenovo").await;
    b.fill("[name=model]", "ThinkPad E14").await;
    b.fill("[name=serial]", "PF3XK9").await;
    b.fill(
        "[name=complaint]",
        "Random shutdowns, beeps 3 times on boot",
    )
    .await;
    b.click("[name='acc-Charger']").await;
    b.fill("[name=condition]", "Scratch on lid").await;
    b.choose("[name=password_kind]", "PIN").await;
    b.fill("[name=password_value]", "4321").await;
    shot("02-intake").await;
    b.click("#open-job").await;
    let otp = b.text("#otp").await;
    assert!(
        otp.len() == 4 && otp.chars().all(|c| c.is_ascii_digit()),
        "a four-digit OTP on the slip, got {otp:?}"
    );
    shot("03-intake-slip").await;
    let href = b
        .js(
            "return document.querySelector('#to-job').getAttribute('href')",
            vec![],
        )
        .await;
    let job = href
        .as_str()
        .expect("job link")
        .trim_start_matches("#/job/")
        .to_string();
    b.click("#to-job").await;
    let job_no = b.text(".job-head h1").await.replace("Job ", "");
    let job_no = job_no
        .split_whitespace()
        .next()
        .expect("job no")
        .to_string();

    // On the technician's laptop: the job arrives by sync; diagnose and estimate.
    log_in(b, laptop, "Ravi Technician", "2222").await;
    let t0 = Instant::now();
    loop {
        b.goto(&format!("{laptop}/#/board")).await;
        b.wait_for("#board", 20).await;
        let found = b
            .js(
                "return !!document.querySelector(`a.job[data-job='${arguments[0]}']`)",
                vec![json!(job_no)],
            )
            .await;
        if found == json!(true) {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "job {job_no} never reached the laptop"
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
        b.goto(&format!("{laptop}/#/settings")).await;
    }
    shot("04-job-board").await;
    b.click(&format!("a.job[data-job='{job_no}']")).await;
    b.wait_for("#job-status", 10).await;
    b.click("button[data-to=diagnosed]").await;
    b.wait_text("#job-status", "Diagnosed", 10).await;
    b.fill(
        "[name=diagnosis]",
        "RAM in slot 2 faulty (memtest errors). Replace 8GB DDR4.",
    )
    .await;
    b.click("#diagnosis-form button").await;
    b.wait_text("#toast", "Diagnosis saved", 10).await;
    // The screen reloads after a save: read the box once it is back.
    let t0 = Instant::now();
    loop {
        let v = b
            .js(
                "const e = document.querySelector('[name=diagnosis]'); return e ? e.value : null",
                vec![],
            )
            .await;
        if v.as_str().is_some_and(|t| t.contains("RAM in slot 2")) {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the saved diagnosis is not in the box: {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.choose("#line-form [name=item]", "8GB DDR4").await;
    b.click("#line-form button[type=submit]").await;
    b.wait_text("#estimate", "8GB DDR4", 10).await;
    b.fill(
        "#line-form [name=description]",
        "Labour: diagnosis and RAM replacement",
    )
    .await;
    b.fill("#line-form [name=unit_price]", "450").await;
    b.click("#line-form button[type=submit]").await;
    b.wait_text("#estimate", "Labour", 10).await;
    b.fill("#reveal-form [name=purpose]", "boot test").await;
    b.click("#reveal-form button").await;
    b.wait_text("#password-out", "4321", 10).await;
    b.click("button[data-to=estimate_shared]").await;
    b.wait_text("#job-status", "Estimate shared", 10).await;
    shot("05-job-detail").await;

    // Back at the counter, the manager records approval and issues the RAM.
    log_out(b).await;
    b.goto(&format!("{counter}/#/board")).await;
    log_out(b).await;
    log_in(b, counter, "Ravi Manager", "4321").await;
    job_until(b, counter, &job, "Estimate shared").await;
    b.click("button[data-to=approved]").await;
    b.wait_text("#job-status", "Approved", 10).await;
    b.goto(&format!("{counter}/#/inventory")).await;
    b.wait_for("#issue-form", 10).await;
    b.choose("#issue-form [name=item]", "8GB DDR4").await;
    b.fill("#issue-form [name=qty]", "1").await;
    b.choose("#issue-form [name=technician]", "Ravi Technician")
        .await;
    b.choose("#issue-form [name=to_device]", "jayanagar laptop")
        .await;
    b.click("#issue-form button[type=submit]").await;
    b.wait_text("#toast", "Issued", 10).await;
    shot("06-inventory").await;

    // The laptop repairs with the part issued to it.
    log_in(b, laptop, "Ravi Technician", "2222").await;
    job_until(b, laptop, &job, "Approved").await;
    b.click("button[data-to=in_repair]").await;
    b.wait_text("#job-status", "In repair", 10).await;
    let t0 = Instant::now();
    while b
        .js("return !!document.querySelector('#use-form')", vec![])
        .await
        != json!(true)
    {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the issued RAM never reached the laptop"
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
        b.goto(&format!("{laptop}/#/board")).await;
        b.goto(&format!("{laptop}/#/job/{job}")).await;
        b.wait_for("#job-status", 10).await;
    }
    b.choose("#use-form [name=item]", "8GB DDR4").await;
    b.click("#use-form button[type=submit]").await;
    b.wait_text("#parts-used", "8GB DDR4", 10).await;
    b.click("button[data-to=ready]").await;
    b.wait_text("#job-status", "Ready", 10).await;

    // The counter bills, takes the money and delivers against the OTP.
    b.goto(&format!("{counter}/#/board")).await;
    job_until(b, counter, &job, "Ready").await;
    b.click("#make-invoice").await;
    b.wait_for("#finalize", 10).await;
    let total = b.text("#grand-total").await;
    // 1,850 + 450 = 2,300 taxable; 18 % GST = 414; 2,714.00
    assert!(total.contains("₹2,714.00"), "invoice total {total:?}");
    shot("07-invoice-draft").await;
    b.click("#finalize").await;
    let invoice_no = b.text("#doc-number").await;
    assert!(
        invoice_no.starts_with("JAY/"),
        "a number from the branch's series, got {invoice_no:?}"
    );
    b.choose("#payment-form [name=mode]", "UPI").await;
    b.fill("#payment-form [name=reference]", "UPI-4471").await;
    b.click("#payment-form button[type=submit]").await;
    b.wait_text("#balance-due", "₹0.00", 10).await;
    shot("08-invoice-paid").await;
    // Printing goes through a frame holding the rendered invoice (the system
    // print dialog opens over it in a real browser).
    b.click("#print-a4").await;
    let t0 = Instant::now();
    loop {
        let printed = b
            .js("const f = document.querySelector('iframe.print-frame'); return f ? f.contentDocument.body.innerText : null;", vec![])
            .await;
        if printed
            .as_str()
            .is_some_and(|t| t.contains(&invoice_no) && t.contains("2,714"))
        {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the print frame shows {printed}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.goto(&format!("{counter}/#/job/{job}")).await;
    b.wait_for("#status-form [name=otp]", 10).await;
    b.fill(
        "#status-form [name=otp]",
        if otp == "0000" { "1111" } else { "0000" },
    )
    .await;
    b.click("button[data-to=delivered]").await;
    b.wait_text("#toast", "OTP", 10).await; // a wrong OTP is refused, and says why
    b.fill("#status-form [name=otp]", &otp).await;
    b.click("button[data-to=delivered]").await;
    b.wait_text("#job-status", "Delivered", 10).await;
    shot("09-delivered").await;
    b.goto(&format!("{counter}/#/attention")).await;
    b.wait_for("#main h1", 10).await;
    shot("10-needs-attention").await;
    b.goto(&format!("{counter}/#/settings")).await;
    b.wait_for("#peers", 10).await;
    shot("11-settings").await;
    log_out(b).await;
    Done { job_no, invoice_no }
}

/// Wait until the hub holds the job delivered and its invoice, paid.
async fn hub_has(shop: &Shop, d: &Done) {
    let db = shop.hub_db.clone();
    let (job_no, number) = (d.job_no.clone(), d.invoice_no.clone());
    let t0 = Instant::now();
    loop {
        let (db, job_no, number) = (db.clone(), job_no.clone(), number.clone());
        let found = bg(move || {
            let c = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("hub db");
            let status: Option<String> = c
                .query_row("SELECT status FROM jobs WHERE job_no = ?1", [&job_no], |r| r.get(0))
                .ok();
            let paid: Option<String> = c
                .query_row(
                    "SELECT p.amount FROM payments p JOIN documents d ON d.id = p.invoice WHERE d.number = ?1",
                    [&number],
                    |r| r.get(0),
                )
                .ok();
            (status, paid)
        })
        .await;
        if found.0.as_deref() == Some("delivered")
            && found.1.as_deref().map(dec) == Some(dec("2714"))
        {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(90),
            "the hub has {found:?} for {}",
            d.job_no
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_goes_from_intake_to_delivery_in_the_browser_online_and_with_the_hub_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shop = open_shop(dir.path()).await;
    let b = Browser::start().await;

    // How the counter reads numbers and dates: the UI's own formatting, in the browser.
    b.goto(&format!("{}/#/login", shop.counter.url)).await;
    b.wait_for("#login-form", 20).await;
    let f = b
        .js_async(
            "const done = arguments[arguments.length - 1];
             import('/ui/format.js').then((m) => done([
               m.rupees('123456.5'), m.rupees('1234567'), m.rupees('-50'), m.indian('999'),
               m.indian('100000'), m.indian('0.05'), m.indian('12345678901.10'),
               m.date('2026-04-01'), m.date(new Date(2027, 0, 9, 15, 4).getTime()),
             ]));",
            vec![],
        )
        .await;
    assert_eq!(
        f,
        json!([
            "₹1,23,456.50",
            "₹12,34,567.00",
            "-₹50.00",
            "999.00",
            "1,00,000.00",
            "0.05",
            "12,34,56,78,901.10",
            "01-04-2026",
            "09-01-2027"
        ])
    );

    // Online all the way.
    let first = whole_job(&b, &shop, "9845012345", "Asha Rao", true).await;
    hub_has(&shop, &first).await;

    // The internet goes down for the whole of the second job: the counter
    // and the laptop carry on over the LAN, and the sync bar says so.
    shop.link.set_online(false);
    let b2 = &b;
    b2.goto(&format!("{}/#/login", shop.counter.url)).await;
    let second = whole_job(&b, &shop, "9886001122", "Mohammed <b>Irfan</b>", false).await;
    assert_ne!(second.invoice_no, first.invoice_no);
    log_in(&b, &shop.counter.url, "Ravi Manager", "4321").await;
    b.wait_text("#syncbar", "offline", 30).await;
    b.screenshot("12-hub-offline").await;
    // The customer's name was shown as text, never parsed as HTML.
    b.goto(&format!("{}/#/invoices", shop.counter.url)).await;
    b.wait_text("#documents", "Mohammed <b>Irfan</b>", 10).await;

    // The link comes back: "Sync now" and the hub has everything.
    shop.link.set_online(true);
    b.goto(&format!("{}/#/settings", shop.counter.url)).await;
    b.click("#sync-now").await;
    hub_has(&shop, &second).await;
    b.goto(&format!("{}/#/board", shop.counter.url)).await;
    b.wait_text("#syncbar", "online", 30).await;

    // Done with the browser: it goes with its session, not left running.
    let profile = b.profile().display().to_string();
    assert!(!e2e_tests::browser::processes_mentioning(&profile).is_empty());
    drop(b);
    let t0 = std::time::Instant::now();
    while !e2e_tests::browser::processes_mentioning(&profile).is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "Chromium is still running after the test: {:?}",
            e2e_tests::browser::processes_mentioning(&profile)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
