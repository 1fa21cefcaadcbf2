//! Customer messages across real processes: a branch offline opens a job
//! and marks it ready; the hub, when the link comes back through a proxy
//! that duplicates and drops requests, sends each message to a stand-in
//! WhatsApp Cloud API on loopback exactly once — even though the hub is
//! killed (SIGKILL) while the provider holds the first request, between
//! sending and recording. The provider's signed status webhooks move each
//! message along on the job's timeline at the branch; a forged signature
//! and a repeated webhook change nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use e2e_tests::procs::{self, Proc, free_port};
use e2e_tests::proxy::{FaultProxy, FaultRates};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const PASS: &str = "a passphrase for the messages hub";
const APP_SECRET: &str = "the app secret of the test app";

fn cli(bin: &str, args: &[&str]) -> Value {
    procs::cli(bin, PASS, args)
}

/// Start a server (a provider waited for at most 5 s) and wait for the
/// line that carries its address.
fn start(bin: &str, args: &[&str], marker: &str) -> (Proc, String) {
    procs::start(bin, PASS, &[("HUB_SEND_TIMEOUT_SECS", "5")], args, marker)
}

fn hub_serve(hub: &str, db: &Path, port: u16) -> Proc {
    let listen = format!("127.0.0.1:{port}");
    start(
        hub,
        &["--db", db.to_str().unwrap(), "serve", "--listen", &listen],
        "serving sync",
    )
    .0
}

/// The stand-in Cloud API: records every request; holds the first one
/// unanswered while `hold_first` is set (the hub is killed meanwhile).
#[derive(Clone, Default)]
struct Provider {
    got: Arc<Mutex<Vec<Value>>>,
    hold_first: Arc<std::sync::atomic::AtomicBool>,
}

async fn messages(State(p): State<Provider>, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let n = {
        let mut got = p.got.lock().unwrap();
        got.push(body.clone());
        got.len()
    };
    if n == 1 && p.hold_first.load(std::sync::atomic::Ordering::SeqCst) {
        // Taken, and never answered: the hub dies waiting.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    (
        StatusCode::OK,
        Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": body["to"], "wa_id": body["to"] }],
            "messages": [{ "id": format!("wamid.TEST{n}") }],
        })),
    )
}

struct Api {
    url: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn login(url: &str, user: &str, pin: &str) -> Api {
        let http = reqwest::Client::new();
        let r: Value = http
            .post(format!("{url}/api/login"))
            .json(&json!({ "user": user, "pin": pin }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Api {
            url: url.into(),
            token: r["token"].as_str().unwrap_or_else(|| panic!("{r}")).into(),
            http,
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The job's messages: event → status.
    async fn statuses(&self, job: &str) -> BTreeMap<String, String> {
        self.get(&format!("/api/jobs/{job}")).await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["event"].as_str().unwrap().to_string(),
                    m["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

fn signed(body: &[u8], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn status_webhook(wamid: &str, reference: &str, status: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "WABA", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "918000000000", "phone_number_id": "106540352242922" },
            "statuses": [{ "id": wamid, "status": status, "timestamp": "1796000000",
                "recipient_id": "919886012345", "biz_opaque_callback_data": reference }]
        } }] }]
    }))
    .unwrap()
}

async fn until<F, Fut>(what: &str, secs: u64, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_decided_offline_reach_the_customer_once_through_a_bad_link_and_a_hub_crash() {
    let hub = env!("CARGO_BIN_EXE_e2e-hub");
    let node = env!("CARGO_BIN_EXE_e2e-branch-node");
    let dir = tempfile::tempdir().unwrap();
    let hub_db = dir.path().join("hub.sqlite");
    let h = hub_db.to_str().unwrap().to_string();

    // The stand-in Cloud API.
    let provider = Provider::default();
    provider
        .hold_first
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let app = axum::Router::new()
        .route("/{version}/{phone}/messages", post(messages))
        .with_state(provider.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let provider_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The business, set up with the real command lines.
    cli(
        hub,
        &[
            "--db",
            &h,
            "init",
            "--owner-name",
            "Olivia Owner",
            "--owner-pin",
            "2468",
        ],
    );
    let gstin = sync_core::testkit::gstin("29", "ABCDE1234F");
    let branch = cli(
        hub,
        &[
            "--db",
            &h,
            "branch",
            "add",
            "--name",
            "Jayanagar",
            "--gstin",
            &gstin,
            "--state-code",
            "29",
            "--invoice-prefix",
            "JAY",
            "--credit-note-prefix",
            "JAYC",
        ],
    )["branch"]
        .as_str()
        .unwrap()
        .to_string();
    cli(
        hub,
        &[
            "--db",
            &h,
            "user",
            "add",
            "--branch",
            &branch,
            "--name",
            "Meera Manager",
            "--role",
            "manager",
            "--pin",
            "4321",
        ],
    );
    // Refused, naming the field: nothing stored.
    let bad = Command::new(hub)
        .args([
            "--db",
            &h,
            "messaging",
            "whatsapp",
            "--base",
            "ftp://x",
            "--phone-number-id",
            "1",
            "--token",
            "t",
            "--app-secret",
            "s",
        ])
        .env("HUB_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("base"));
    cli(
        hub,
        &[
            "--db",
            &h,
            "messaging",
            "whatsapp",
            "--base",
            &provider_url,
            "--phone-number-id",
            "106540352242922",
            "--token",
            "EAAG-test-token",
            "--app-secret",
            APP_SECRET,
        ],
    );
    let shown = cli(hub, &["--db", &h, "messaging", "show"]);
    assert!(
        !shown.to_string().contains("EAAG"),
        "no secret shown: {shown}"
    );

    let port = free_port();
    let hub_url = format!("http://127.0.0.1:{port}");
    let mut hub_proc = hub_serve(hub, &hub_db, port);
    let link = FaultProxy::start(&format!("127.0.0.1:{port}"), 14).await;

    let code = cli(
        hub,
        &[
            "--db", &h, "device", "enroll", "--branch", &branch, "--label", "counter", "--store",
        ],
    )["code"]
        .as_str()
        .unwrap()
        .to_string();
    let db = dir.path().join("counter.sqlite");
    let d = db.to_str().unwrap().to_string();
    cli(node, &["--db", &d, "enroll", &link.url, &code]);
    let (_counter, counter_url) = start(
        node,
        &["--db", &d, "serve", "--listen", "127.0.0.1:0"],
        "serving",
    );
    let counter = Api::login(&counter_url, "Meera Manager", "4321").await;

    // The link goes down; the counter takes a laptop in and, later, hands
    // the job over as ready.
    link.set_online(false);
    let (st, opened) = counter
        .post(
            "/api/jobs",
            json!({
                "new_customer": { "name": "Asha Rao", "mobile": "98860 12345" },
                "device_type": "Laptop", "brand": "HP", "model": "Pavilion 14",
                "complaint": "Battery not charging",
            }),
        )
        .await;
    assert_eq!(st, 201, "{opened}");
    let job = opened["job"]["id"].as_str().unwrap().to_string();
    let otp = opened["otp"].as_str().unwrap().to_string();
    let job_no = opened["job"]["job_no"].as_str().unwrap().to_string();
    let (st, line) = counter
        .post(
            &format!("/api/jobs/{job}/estimate"),
            json!({ "kind": "service", "description": "Battery connector repair", "qty": "1", "unit_price": "2500", "gst_rate": "18", "hsn_sac": "998713" }),
        )
        .await;
    assert_eq!(st, 201, "{line}");
    let (st, moved) = counter
        .post(
            &format!("/api/jobs/{job}/status"),
            json!({ "to": "estimate_shared", "override_reason": "checked at the counter" }),
        )
        .await;
    assert_eq!(st, 200, "{moved}");
    let (st, moved) = counter
        .post(
            &format!("/api/jobs/{job}/status"),
            json!({ "to": "ready", "override_reason": "the customer said yes on the phone; a loose battery connector, fixed at the counter" }),
        )
        .await;
    assert_eq!(st, 200, "{moved}");
    let queued = counter.statuses(&job).await;
    assert_eq!(
        queued,
        BTreeMap::from([
            ("estimate_shared".to_string(), "queued".to_string()),
            ("job_opened".to_string(), "queued".to_string()),
            ("job_ready".to_string(), "queued".to_string()),
        ])
    );

    // The link comes back, bad: requests dropped, answers lost, requests
    // delivered twice.
    link.set_faults(FaultRates {
        delay: 10,
        drop_request: 15,
        drop_response: 15,
        cut_response: 0,
        duplicate: 30,
        delay_ms: 200,
    });
    link.set_online(true);
    let _ = counter.post("/api/sync/now", json!({})).await;

    // The hub asks the provider for the first message, which holds the
    // request: the hub is killed between sending and recording.
    {
        let got = provider.got.clone();
        until("the provider to get the first request", 60, || {
            let n = got.lock().unwrap().len();
            async move { n >= 1 }
        })
        .await;
    }
    hub_proc.0.kill().unwrap();
    hub_proc.0.wait().unwrap();
    provider
        .hold_first
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let _hub_again = hub_serve(hub, &hub_db, port);

    // Everything reaches the branch's timeline: one message went out (the
    // other is unknown, never sent again by itself).
    until("both messages settled at the branch", 90, || {
        let c = &counter;
        let job = job.clone();
        async move {
            let _ = c.post("/api/sync/now", json!({})).await;
            let s = c.statuses(&job).await;
            let mut v: Vec<&str> = s.values().map(String::as_str).collect();
            v.sort();
            v == ["sent", "sent", "unknown"]
        }
    })
    .await;
    // Each message was asked of the provider once, whatever the link did.
    let got = provider.got.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "{got:#?}");
    let mut by_ref: BTreeMap<String, Value> = BTreeMap::new();
    for g in &got {
        let r = g["biz_opaque_callback_data"].as_str().unwrap().to_string();
        assert!(by_ref.insert(r, g.clone()).is_none(), "sent twice: {g}");
    }
    let templates: Vec<&str> = got
        .iter()
        .map(|g| g["template"]["name"].as_str().unwrap())
        .collect();
    let ready = got
        .iter()
        .find(|g| g["template"]["name"] == "job_ready")
        .unwrap_or_else(|| panic!("no job_ready in {templates:?}"));
    assert_eq!(ready["to"], "919886012345");
    assert_eq!(ready["template"]["language"]["code"], "en");
    let params: Vec<&str> = ready["template"]["components"][0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        params,
        ["Asha Rao", job_no.as_str(), otp.as_str(), "Jayanagar"]
    );
    // The estimate's message links the customer's page, signed by the hub:
    // it opens the job, its total with GST; the job has moved on, so an
    // answer now is refused, saying why, and changes nothing.
    let estimate = got
        .iter()
        .find(|g| g["template"]["name"] == "estimate_shared")
        .unwrap();
    let params: Vec<&str> = estimate["template"]["components"][0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(params[2], "2,950.00", "₹2,500 + 18 % GST");
    let page_url = params[3];
    assert!(page_url.starts_with(&format!("{hub_url}/c/")), "{page_url}");
    let http = reqwest::Client::new();
    let page = http.get(page_url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&job_no) && html.contains("₹2,950.00"),
        "{html}"
    );
    let late = http
        .post(format!("{page_url}/answer"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("answer=decline")
        .send()
        .await
        .unwrap();
    assert_eq!(late.status().as_u16(), 409);
    assert!(
        late.text()
            .await
            .unwrap()
            .contains("not waiting for your answer")
    );

    let faults = {
        use std::sync::atomic::Ordering::Relaxed;
        let c = link.counts();
        c.duplicate.load(Relaxed) + c.drop_request.load(Relaxed) + c.drop_response.load(Relaxed)
    };
    assert!(faults > 0, "the link was not bad");

    // The provider's reports. The held message is known by the id the hub
    // sent with it; a forged signature is refused; a repeat is harmless.
    let held = got
        .iter()
        .find(|g| g["template"]["name"] == "job_opened")
        .unwrap();
    let held_ref = held["biz_opaque_callback_data"].as_str().unwrap();
    let hook = format!("{hub_url}/webhooks/whatsapp");
    let body = status_webhook("wamid.HELD", held_ref, "delivered");
    let forged = http
        .post(&hook)
        .header("x-hub-signature-256", signed(&body, "not the app secret"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    let e: Value = forged.json().await.unwrap();
    assert!(e.to_string().contains("x-hub-signature-256"), "{e}");
    for expect_taken in [1, 0] {
        let r: Value = http
            .post(&hook)
            .header("x-hub-signature-256", signed(&body, APP_SECRET))
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["taken"], expect_taken, "{r}");
    }
    let ready_ref = ready["biz_opaque_callback_data"].as_str().unwrap();
    let ready_wamid = format!(
        "wamid.TEST{}",
        got.iter()
            .position(|g| g["template"]["name"] == "job_ready")
            .unwrap()
            + 1
    );
    let read = status_webhook(&ready_wamid, ready_ref, "read");
    let r = http
        .post(&hook)
        .header("x-hub-signature-256", signed(&read, APP_SECRET))
        .body(read.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // A late "delivered" after "read" does not move it back.
    let late_report = status_webhook(&ready_wamid, ready_ref, "delivered");
    let r: Value = http
        .post(&hook)
        .header("x-hub-signature-256", signed(&late_report, APP_SECRET))
        .body(late_report)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["taken"], 0, "{r}");

    link.set_faults(FaultRates::NONE);
    until("the reports on the branch's timeline", 60, || {
        let c = &counter;
        let job = job.clone();
        async move {
            let _ = c.post("/api/sync/now", json!({})).await;
            c.statuses(&job).await
                == BTreeMap::from([
                    ("estimate_shared".to_string(), "sent".to_string()),
                    ("job_opened".to_string(), "delivered".to_string()),
                    ("job_ready".to_string(), "read".to_string()),
                ])
        }
    })
    .await;
    // Nothing was sent again by any of it.
    assert_eq!(provider.got.lock().unwrap().len(), 3);
}

/// The owner writes the words at the hub; the counter's WhatsApp link says
/// them after its next sync, a branch's own words over the business's; a
/// template with a stray variable is refused naming it; the owner's page
/// previews the words with a real job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owners_words_reach_the_counter_and_preview_with_a_real_job() {
    use branch_node::services as svc;
    use e2e_tests::world::{Hub, bg};
    use sync_core::domain::roles::Role;

    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(dir.path(), 1000).await;
    let desk = hub.enroll(dir.path(), 0, "jayanagar", true, &hub.url).await;
    branch_node::sync::sync_once(&desk.node, &hub.url)
        .await
        .unwrap();
    let b0 = &hub.branches[0];
    let counter = desk.login(b0, Role::Receptionist).await;
    let n = desk.node.clone();
    let c2 = counter.clone();
    let opened = bg(move || svc::open_job(&n, &c2, e2e_tests::demo::intake(0, 80)))
        .await
        .unwrap();
    let job = opened.job.summary.id;
    branch_node::sync::sync_once(&desk.node, &hub.url)
        .await
        .unwrap();

    let http = reqwest::Client::new();
    let cookie = hub.owner_cookie(&http).await;
    let put = |body: Value| {
        let (http, cookie, url) = (http.clone(), cookie.clone(), hub.url.clone());
        async move {
            let r = http
                .put(format!("{url}/owner/templates"))
                .header("cookie", cookie)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, e) =
        put(json!({ "event": "job_opened", "language": "en", "text": "Hello {{1}}, see {{5}}" }))
            .await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["field"], "template", "{e}");
    let (st, e) = put(json!({ "event": "job_opened", "language": "en", "text": "Namaste {{1}}! Your {{3}} is with us as {{2}}. - {{4}}" })).await;
    assert_eq!(st, 200, "{e}");
    let (st, e) = put(json!({ "branch": b0.id, "event": "job_opened", "language": "en", "text": "Vanakkam {{1}}, job {{2}} ({{3}}) is in. - {{4}}" })).await;
    assert_eq!(st, 200, "{e}");

    // The page previews the business's words with the newest real job.
    let page = http
        .get(format!("{}/messages", hub.url))
        .header("cookie", cookie.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("is with us as {}", opened.job.summary.job_no)),
        "no preview with the real job: {page}"
    );

    // The counter, after its sync, says the branch's own words.
    branch_node::sync::sync_once(&desk.node, &hub.url)
        .await
        .unwrap();
    let n = desk.node.clone();
    let link = bg(move || {
        let m = svc::job_detail(&n, &counter, job)?.messages[0].id;
        svc::chat_link(&n, &counter, m)
    })
    .await
    .unwrap();
    assert!(link.starts_with("https://wa.me/91"), "{link}");
    assert!(link.contains("Vanakkam"), "{link}");
    // The branch's words withdrawn: the business's are in force again.
    let (st, _) =
        put(json!({ "branch": b0.id, "event": "job_opened", "language": "en", "text": null }))
            .await;
    assert_eq!(st, 200);
    branch_node::sync::sync_once(&desk.node, &hub.url)
        .await
        .unwrap();
    let n = desk.node.clone();
    let counter = desk.login(b0, Role::Receptionist).await;
    let link = bg(move || {
        let m = svc::job_detail(&n, &counter, job)?.messages[0].id;
        svc::chat_link(&n, &counter, m)
    })
    .await
    .unwrap();
    assert!(link.contains("Namaste"), "{link}");
}
