//! A stand-in IRP on loopback, speaking NIC's e-invoice API v1.03 JSON as
//! a GSP serves it (`hub::irp`): a token for the credentials it was given,
//! Generate IRN (the IRN a SHA-256 of seller GSTIN, financial year,
//! document type and number, as NIC makes it; a repeat answered 2150 with
//! the IRN in `InfoDtls`), Get by IRN, Cancel. Its SignedQRCode is a JWT
//! signed with its own ed25519 key. It counts what it registered and
//! cancelled, and can hold its first answer (the hub is killed meanwhile)
//! or date an acknowledgement a day back (a window closed).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "gsp-client-id";
pub const CLIENT_SECRET: &str = "gsp-client-secret-xyz";
pub const USER: &str = "jlcare_api";
pub const PASSWORD: &str = "irp-password-9f8e7d";

#[derive(Clone)]
pub struct Irp {
    key: Arc<SigningKey>,
    tokens: Arc<Mutex<BTreeSet<String>>>,
    /// IRN → (registration's Data, cancelled).
    pub registered: Arc<Mutex<BTreeMap<String, (Value, bool)>>>,
    /// Successful generations by document number.
    pub generated: Arc<Mutex<BTreeMap<String, u32>>>,
    /// Every Generate IRN request's body, as sent.
    pub bodies: Arc<Mutex<Vec<String>>>,
    pub cancels: Arc<Mutex<BTreeMap<String, u32>>>,
    pub hold_first: Arc<AtomicBool>,
    /// Document numbers acknowledged a day and an hour back.
    pub backdate: Arc<Mutex<BTreeSet<String>>>,
    ack: Arc<AtomicU64>,
}

impl Irp {
    pub fn public_key(&self) -> ed25519_dalek::VerifyingKey {
        self.key.verifying_key()
    }

    /// Serve on loopback: its base address.
    pub async fn start() -> (Irp, String) {
        let irp = Irp {
            key: Arc::new(SigningKey::from_bytes(&[7; 32])),
            tokens: Arc::default(),
            registered: Arc::default(),
            generated: Arc::default(),
            bodies: Arc::default(),
            cancels: Arc::default(),
            hold_first: Arc::default(),
            backdate: Arc::default(),
            ack: Arc::new(AtomicU64::new(112_010_000_000)),
        };
        let app = axum::Router::new()
            .route("/eivital/v1.04/auth", post(auth))
            .route("/eicore/v1.03/Invoice", post(generate))
            .route("/eicore/v1.03/Invoice/irn/{irn}", get(by_irn))
            .route("/eicore/v1.03/Invoice/Cancel", post(cancel))
            .with_state(irp.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (irp, url)
    }

    fn authorized(&self, h: &HeaderMap) -> bool {
        let hv = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default();
        hv("client_id") == CLIENT_ID
            && hv("client_secret") == CLIENT_SECRET
            && self.tokens.lock().unwrap().contains(hv("AuthToken"))
    }
}

fn error(code: &str, message: &str) -> Json<Value> {
    Json(
        json!({ "Status": 0, "ErrorDetails": [{ "ErrorCode": code, "ErrorMessage": message }], "Data": null, "InfoDtls": null }),
    )
}

fn data(d: Value) -> Json<Value> {
    Json(json!({ "Status": 1, "ErrorDetails": null, "Data": d, "InfoDtls": null }))
}

async fn auth(State(irp): State<Irp>, h: HeaderMap, Json(b): Json<Value>) -> Json<Value> {
    let hv = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if hv("client_id") != CLIENT_ID || hv("client_secret") != CLIENT_SECRET {
        return error("GSP752", "Invalid client-id/client-secret");
    }
    if b["UserName"] != USER || b["Password"] != PASSWORD {
        return error("3001", "Invalid UserName or Password");
    }
    let token = format!("tok{}", irp.tokens.lock().unwrap().len() + 1);
    irp.tokens.lock().unwrap().insert(token.clone());
    data(
        json!({ "ClientId": CLIENT_ID, "UserName": USER, "AuthToken": token, "TokenExpiry": "2099-01-01 00:00:00" }),
    )
}

/// The text of a number field as it was sent (`"TotInvVal":2950.00`).
pub fn raw_number(body: &str, field: &str) -> String {
    let at = body.find(&format!("\"{field}\":")).expect("field sent") + field.len() + 3;
    body[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect()
}

async fn generate(State(irp): State<Irp>, h: HeaderMap, body: String) -> Json<Value> {
    if !irp.authorized(&h) {
        return error("1005", "Invalid Token");
    }
    irp.bodies.lock().unwrap().push(body.clone());
    let b: Value = serde_json::from_str(&body).unwrap();
    let (seller, typ, no, dt) = (
        b["SellerDtls"]["Gstin"].as_str().unwrap().to_string(),
        b["DocDtls"]["Typ"].as_str().unwrap().to_string(),
        b["DocDtls"]["No"].as_str().unwrap().to_string(),
        b["DocDtls"]["Dt"].as_str().unwrap().to_string(),
    );
    if h.get("Gstin").and_then(|v| v.to_str().ok()) != Some(seller.as_str()) {
        return error(
            "2211",
            "The seller GSTIN is not the one the request is made for",
        );
    }
    // DD/MM/YYYY: the financial year begins in April.
    let (m, y): (u32, u32) = (dt[3..5].parse().unwrap(), dt[6..10].parse().unwrap());
    let fy = if m >= 4 { y } else { y - 1 };
    let fy = format!("{fy}-{:02}", (fy + 1) % 100);
    let irn = hex::encode(Sha256::digest(format!("{seller}{fy}{typ}{no}")));
    if let Some((d, _)) = irp.registered.lock().unwrap().get(&irn) {
        return Json(json!({
            "Status": 0,
            "ErrorDetails": [{ "ErrorCode": "2150", "ErrorMessage": "Duplicate IRN" }],
            "Data": null,
            "InfoDtls": [{ "InfCd": "DUPIRN", "Desc": { "AckNo": d["AckNo"], "AckDt": d["AckDt"], "Irn": irn } }],
        }));
    }
    let mut now = hub::store::db::now_ms();
    if irp.backdate.lock().unwrap().contains(&no) {
        now -= 25 * 3600 * 1000;
    }
    let ack_dt = hub::irp::ist_datetime(now);
    let items = b["ItemList"].as_array().unwrap();
    let payload = format!(
        "{{\"data\":{{\"SellerGstin\":\"{seller}\",\"BuyerGstin\":\"{}\",\"DocNo\":\"{no}\",\"DocTyp\":\"{typ}\",\"DocDt\":\"{dt}\",\"TotInvVal\":{},\"ItemCnt\":{},\"MainHsnCode\":\"{}\",\"Irn\":\"{irn}\",\"IrnDt\":\"{ack_dt}\"}},\"iss\":\"NIC\"}}",
        b["BuyerDtls"]["Gstin"].as_str().unwrap(),
        raw_number(&body, "TotInvVal"),
        items.len(),
        items[0]["HsnCd"].as_str().unwrap(),
    );
    let signing = format!(
        "{}.{}",
        B64.encode(br#"{"alg":"EdDSA","typ":"JWT","kid":"stand-in"}"#),
        B64.encode(payload)
    );
    let jwt = format!(
        "{signing}.{}",
        B64.encode(irp.key.sign(signing.as_bytes()).to_bytes())
    );
    let d = json!({
        "AckNo": irp.ack.fetch_add(1, Ordering::SeqCst),
        "AckDt": ack_dt,
        "Irn": irn,
        "SignedInvoice": "stand-in.signed.invoice",
        "SignedQRCode": jwt,
        "Status": "ACT",
    });
    irp.registered
        .lock()
        .unwrap()
        .insert(irn.clone(), (d.clone(), false));
    let n = {
        let mut g = irp.generated.lock().unwrap();
        *g.entry(no).or_default() += 1;
        g.values().sum::<u32>()
    };
    if n == 1 && irp.hold_first.load(Ordering::SeqCst) {
        // Registered, and the answer never leaves: the hub dies waiting.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    data(d)
}

async fn by_irn(State(irp): State<Irp>, h: HeaderMap, Path(irn): Path<String>) -> Json<Value> {
    if !irp.authorized(&h) {
        return error("1005", "Invalid Token");
    }
    match irp.registered.lock().unwrap().get(&irn) {
        Some((d, _)) => data(d.clone()),
        None => error("2283", "IRN details are not found"),
    }
}

async fn cancel(State(irp): State<Irp>, h: HeaderMap, Json(b): Json<Value>) -> Json<Value> {
    if !irp.authorized(&h) {
        return error("1005", "Invalid Token");
    }
    let irn = b["Irn"].as_str().unwrap_or_default().to_string();
    let mut reg = irp.registered.lock().unwrap();
    match reg.get_mut(&irn) {
        None => error("2154", "IRN is not found"),
        Some((_, true)) => error("9999", "Invoice is not active"),
        Some((d, done)) => {
            *done = true;
            *irp.cancels.lock().unwrap().entry(irn.clone()).or_default() += 1;
            let _ = d;
            data(
                json!({ "Irn": irn, "CancelDate": hub::irp::ist_datetime(hub::store::db::now_ms()) }),
            )
        }
    }
}
