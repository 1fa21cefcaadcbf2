//! E-invoices across real processes: a counter offline makes B2B invoices
//! (and a B2C one); when the link comes back, the hub registers each B2B
//! invoice with a stand-in IRP on loopback (`einvoice_irp`) exactly once —
//! though the hub is killed (SIGKILL) while the IRP holds the answer to the
//! first, registered on its side — and the counter pulls the IRN and prints
//! it with a QR code that decodes, from the printed SVG's own pixels, to
//! the IRP's signed JWT of the invoice. A cancellation within the IRP's
//! window reaches it once; one after it is left for a credit note; with
//! e-invoicing off nothing is queued.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use e2e_tests::procs::{self, Proc, free_port};
use e2e_tests::proxy::FaultProxy;
use serde_json::{Value, json};

use super::einvoice_irp::{self as stand_in, Irp};

const PASS: &str = "a passphrase for the e-invoice hub";

fn cli(bin: &str, args: &[&str]) -> Value {
    procs::cli(bin, PASS, args)
}

fn start(bin: &str, args: &[&str], marker: &str) -> (Proc, String) {
    procs::start(bin, PASS, &[("HUB_SEND_TIMEOUT_SECS", "2")], args, marker)
}

fn hub_serve(hub: &str, db: &Path, port: u16) -> Proc {
    let listen = format!("127.0.0.1:{port}");
    let args = ["--db", db.to_str().unwrap(), "serve", "--listen", &listen];
    start(hub, &args, "serving sync").0
}

struct Api {
    url: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn login(url: &str) -> Api {
        let http = reqwest::Client::new();
        let r: Value = http
            .post(format!("{url}/api/login"))
            .json(&json!({ "user": "Meera Manager", "pin": "4321" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = r["token"].as_str().unwrap_or_else(|| panic!("{r}")).into();
        Api {
            url: url.into(),
            token,
            http,
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self.http.post(format!("{}{path}", self.url));
        let r = r.bearer_auth(&self.token).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(
            status < 300 || path == "/api/sync/now",
            "{path}: {status} {v}"
        );
        v
    }

    async fn get_text(&self, path: &str) -> String {
        let r = self.http.get(format!("{}{path}", self.url));
        r.bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn doc(&self, id: &str) -> Value {
        serde_json::from_str(&self.get_text(&format!("/api/documents/{id}")).await).unwrap()
    }

    /// A finalized counter sale of one service to `gstin` (None: B2C).
    async fn invoice(&self, gstin: Option<&str>, price: &str) -> Value {
        let mut draft = json!({
            "customer_name": "Kaveri Traders", "customer_state": "29",
            "customer_address": "14 Residency Road, Bengaluru 560025",
            "lines": [{ "kind": "service", "description": "Motherboard repair", "hsn_sac": "998713",
                        "qty": "1", "unit": "nos", "unit_price": price, "gst_rate": "18" }],
        });
        if let Some(g) = gstin {
            draft["customer_gstin"] = json!(g);
        }
        let d = self.post("/api/drafts", draft).await;
        let id = d["id"].as_str().unwrap_or_else(|| panic!("{d}"));
        self.post(&format!("/api/drafts/{id}/finalize"), json!({}))
            .await
    }
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
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The text of the e-invoice QR printed in `html`, decoded from the SVG's
/// own modules drawn as pixels.
fn printed_qr(html: &str) -> String {
    let at = html
        .find("aria-label=\"e-invoice signed QR code\"")
        .expect("the e-invoice QR is printed");
    let svg = &html[at..html[at..].find("</svg>").unwrap() + at];
    let attr = |name: &str| -> usize {
        let i = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[i..i + svg[i..].find('"').unwrap()].parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    let d0 = svg.find("<path fill=\"#000\" d=\"").unwrap() + 21;
    let d = &svg[d0..d0 + svg[d0..].find('"').unwrap()];
    let scale = 3;
    let mut px = vec![255u8; w * h * scale * scale];
    // Each dark run is `M{left} {top}h{width}v{height}H{left}V{top}`.
    for r in d.split('M').filter(|r| !r.is_empty()) {
        let n: Vec<usize> = r
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let (left, top, width, height) = (n[0], n[1], n[2], n[3]);
        for y in top * scale..(top + height) * scale {
            for x in left * scale..(left + width) * scale {
                px[y * w * scale + x] = 0;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w * scale, h * scale, |x, y| {
        px[y * w * scale + x]
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the e-invoice block");
    grids[0].decode().expect("the printed QR decodes").1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b2b_invoices_made_offline_get_one_irn_each_across_a_hub_crash_and_print_its_qr() {
    let hub = env!("CARGO_BIN_EXE_e2e-hub");
    let node = env!("CARGO_BIN_EXE_e2e-branch-node");
    let dir = tempfile::tempdir().unwrap();
    let hub_db = dir.path().join("hub.sqlite");
    let h = hub_db.to_str().unwrap().to_string();
    let (irp, irp_url) = Irp::start().await;
    irp.hold_first.store(true, Ordering::SeqCst);

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
    let seller = sync_core::testkit::gstin("29", "ABCDE1234F");
    let buyer = sync_core::testkit::gstin("29", "PQRSX5678K");
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
            &seller,
            "--state-code",
            "29",
            "--address",
            "12 4th Block, Jayanagar, Bengaluru 560011",
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
    // On without credentials: refused, naming the field.
    let bad = Command::new(hub)
        .args(["--db", &h, "business", "einvoice", "--on"])
        .env("HUB_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("irp_url"));
    let on = cli(
        hub,
        &[
            "--db",
            &h,
            "business",
            "einvoice",
            "--on",
            "--irp-url",
            &irp_url,
            "--client-id",
            stand_in::CLIENT_ID,
            "--client-secret",
            stand_in::CLIENT_SECRET,
            "--user",
            stand_in::USER,
            "--password",
            stand_in::PASSWORD,
        ],
    );
    let shown = on.to_string();
    assert!(
        !shown.contains(stand_in::PASSWORD) && !shown.contains(stand_in::CLIENT_SECRET),
        "{shown}"
    );
    assert_eq!(on["branches"][0]["einvoicing"], true, "{on}");

    let port = free_port();
    let mut hub_proc = hub_serve(hub, &hub_db, port);
    let link = FaultProxy::start(&format!("127.0.0.1:{port}"), 16).await;
    let code = cli(
        hub,
        &[
            "--db", &h, "device", "enroll", "--branch", &branch, "--label", "counter", "--store",
        ],
    )["code"]
        .as_str()
        .unwrap()
        .to_string();
    let d = dir
        .path()
        .join("counter.sqlite")
        .to_str()
        .unwrap()
        .to_string();
    cli(node, &["--db", &d, "enroll", &link.url, &code]);
    let (_counter, counter_url) = start(
        node,
        &["--db", &d, "serve", "--listen", "127.0.0.1:0"],
        "serving",
    );
    let counter = Api::login(&counter_url).await;

    // Offline: two B2B invoices, one B2C, and one whose IRP acknowledgement
    // will be a day old when it is cancelled.
    link.set_online(false);
    let a = counter.invoice(Some(&buyer), "2500").await;
    let b = counter.invoice(Some(&buyer), "1200.50").await;
    let c = counter.invoice(None, "800").await;
    let late = counter.invoice(Some(&buyer), "999").await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    let num = |v: &Value| v["number"].as_str().unwrap().to_string();
    irp.backdate.lock().unwrap().insert(num(&late));
    let pending = counter
        .get_text(&format!("/api/documents/{}/print", id(&a)))
        .await;
    assert!(
        pending.contains("IRN pending"),
        "a B2B invoice offline says so"
    );
    let b2c = counter
        .get_text(&format!("/api/documents/{}/print", id(&c)))
        .await;
    assert!(!b2c.contains("IRN") && !b2c.contains("e-Invoice"));

    // Back online: the IRP registers the first and holds its answer; the
    // hub is killed waiting, and comes back.
    link.set_online(true);
    let _ = counter.post("/api/sync/now", json!({})).await;
    let generated = irp.generated.clone();
    until("the IRP to register the first invoice", 60, || {
        let n = generated.lock().unwrap().len();
        async move { n >= 1 }
    })
    .await;
    hub_proc.0.kill().unwrap();
    hub_proc.0.wait().unwrap();
    irp.hold_first.store(false, Ordering::SeqCst);
    let _hub_again = hub_serve(hub, &hub_db, port);

    let b2b = [&a, &b, &late];
    until("every B2B invoice's IRN at the counter", 90, || {
        let (c, ids) = (&counter, b2b.map(id));
        async move {
            let _ = c.post("/api/sync/now", json!({})).await;
            let mut all = true;
            for i in &ids {
                all &= c.doc(i).await["einvoice"]["irn"].is_string();
            }
            all
        }
    })
    .await;
    {
        let g = irp.generated.lock().unwrap();
        assert_eq!(g.len(), 3, "B2B invoices only: {g:?}");
        assert!(g.values().all(|n| *n == 1), "one registration each: {g:?}");
        assert!(!g.contains_key(&num(&c)), "the B2C invoice never goes");
    }
    let bodies = irp.bodies.lock().unwrap().clone();
    assert!(
        bodies.len() > 3,
        "the crash made the hub ask again: {}",
        bodies.len()
    );
    let first = bodies.iter().find(|t| t.contains(&num(&a))).unwrap();
    assert_eq!(
        stand_in::raw_number(first, "TotInvVal"),
        "2950.00",
        "{first}"
    );
    assert_eq!(stand_in::raw_number(first, "CgstAmt"), "225.00");

    // The printed A4 invoice: IRN, Ack No and Date, and a QR that decodes
    // to the IRP's signed JWT of this invoice.
    let e = counter.doc(&id(&a)).await["einvoice"].clone();
    let irn = e["irn"].as_str().unwrap();
    let html = counter
        .get_text(&format!("/api/documents/{}/print", id(&a)))
        .await;
    assert!(html.contains(irn) && html.contains(e["ack_no"].as_str().unwrap()));
    assert!(!html.contains("IRN pending"));
    let jwt = printed_qr(&html);
    assert_eq!(jwt, e["signed_qr"].as_str().unwrap());
    let parts: Vec<&str> = jwt.split('.').collect();
    let sig = ed25519_dalek::Signature::from_slice(&B64.decode(parts[2]).unwrap()).unwrap();
    irp.public_key()
        .verify_strict(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .expect("signed by the IRP");
    let payload = String::from_utf8(B64.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(
        stand_in::raw_number(&payload, "TotInvVal"),
        "2950.00",
        "{payload}"
    );
    let claims: Value = serde_json::from_str(&payload).unwrap();
    let q = &claims["data"];
    assert_eq!(q["Irn"], irn);
    assert_eq!(q["DocNo"], num(&a));
    assert_eq!(q["SellerGstin"], seller.as_str());
    assert_eq!(q["BuyerGstin"], buyer.as_str());
    assert_eq!(q["MainHsnCode"], "998713");

    // Cancelled within the window: cancelled at the IRP, once. After it:
    // left for a credit note, and the owner is told.
    for v in [&b, &late] {
        counter
            .post(
                &format!("/api/documents/{}/cancel", id(v)),
                json!({ "reason": "wrong buyer" }),
            )
            .await;
    }
    until("both cancellations settled at the counter", 60, || {
        let (c, ib, il) = (&counter, id(&b), id(&late));
        async move {
            let _ = c.post("/api/sync/now", json!({})).await;
            c.doc(&ib).await["einvoice"]["cancel_state"] == "cancelled"
                && c.doc(&il).await["einvoice"]["cancel_state"] == "window_closed"
        }
    })
    .await;
    let cancels = irp.cancels.lock().unwrap().clone();
    assert_eq!(cancels.len(), 1, "{cancels:?}");
    assert!(cancels.values().all(|n| *n == 1));
    let status = cli(hub, &["--db", &h, "business", "einvoice"]);
    let attention = status["needs_attention"].as_array().unwrap();
    assert_eq!(attention.len(), 1, "{status}");
    assert_eq!(attention[0]["number"], num(&late).as_str());
    assert_eq!(status["registered"], 3);

    // Off: a B2B invoice is not queued, and prints no IRN.
    cli(hub, &["--db", &h, "business", "einvoice", "--off"]);
    let _ = counter.post("/api/sync/now", json!({})).await;
    let after = counter.invoice(Some(&buyer), "500").await;
    let _ = counter.post("/api/sync/now", json!({})).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = counter.post("/api/sync/now", json!({})).await;
    assert!(!irp.generated.lock().unwrap().contains_key(&num(&after)));
    let status = cli(hub, &["--db", &h, "business", "einvoice"]);
    assert_eq!(
        status["registered"], 3,
        "nothing queued while off: {status}"
    );
    assert_eq!(status["queued"], 0, "{status}");
    let html = counter
        .get_text(&format!("/api/documents/{}/print", id(&after)))
        .await;
    assert!(!html.contains("IRN"), "off: nothing about an IRN");
}
