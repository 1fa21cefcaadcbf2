//! The hub's outbox of customer messages, on whichever engine the suite
//! runs (`REPAIR_HUB_ENGINE`), against a stand-in WhatsApp Cloud API on
//! loopback: a message is asked of the provider at most once, however many
//! senders race for it; a refusal keeps the provider's reason; a provider
//! that cannot be reached is asked again later; a send a stopped hub left
//! unanswered is reported unknown and never resent; without a channel a
//! message waits for the counter. Every outcome reaches the device as the
//! hub's signed op, and its replica agrees.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use hub::store::HubStore;
use serde_json::{Value, json};
use sqlite_replica::{SqlExt, p};
use sync_core::body::{Message, OpBody};
use sync_core::domain::messages::{Event, Language};
use sync_core::ids::RecordId;

use crate::common::*;

#[derive(Clone, Default)]
struct Provider {
    got: Arc<Mutex<Vec<Value>>>,
}

async fn messages(State(p): State<Provider>, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let n = {
        let mut got = p.got.lock().unwrap();
        got.push(body.clone());
        got.len()
    };
    if body["to"] == "919999999999" {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({ "error": { "message": "(#131026) Message undeliverable", "type": "OAuthException", "code": 131026, "fbtrace_id": "A" } }),
            ),
        );
    }
    (
        StatusCode::OK,
        Json(
            json!({ "messaging_product": "whatsapp", "messages": [{ "id": format!("wamid.T{n}") }] }),
        ),
    )
}

fn message(n: u32, customer: RecordId, to: &str) -> (RecordId, OpBody) {
    let id = RecordId(sync_core::testkit::id16(b'm', n));
    (
        id,
        OpBody::MessageQueued(Message {
            id,
            customer,
            job: None,
            event: Event::PaymentReceived,
            language: Language::Hindi,
            to: to.into(),
            values: vec![
                "Customer".into(),
                "2,950.00".into(),
                "JAY/2627/00001".into(),
                "07-12-2026".into(),
            ],
            resend_of: None,
        }),
    )
}

fn settings(base: &str) -> String {
    json!({ "base": base, "version": "v21.0", "phone_number_id": "106540352242922", "token": "EAAG-t", "app_secret": "s" }).to_string()
}

async fn status_of(h: &Hub, id: RecordId) -> (String, Option<String>) {
    let hub = h.hub.clone();
    tokio::task::spawn_blocking(move || {
        hub.read(|c| {
            Ok(c.one(
                "SELECT status, reason FROM messages WHERE id = ?1",
                p![&id.0[..]],
                |r| Ok((r.get::<String>(0)?, r.get::<Option<String>>(1)?)),
            )?
            .unwrap())
        })
        .unwrap()
    })
    .await
    .unwrap()
}

async fn round(h: &Hub, http: &reqwest::Client) -> usize {
    let store: Arc<dyn HubStore> = h.hub.clone();
    hub::outbox::round(store, http, None).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_message_is_asked_of_the_provider_at_most_once_and_its_fate_reaches_the_branch() {
    let provider = Provider::default();
    let app = axum::Router::new()
        .route("/{version}/{phone}/messages", post(messages))
        .with_state(provider.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let provider_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();

    let h = start().await;
    let mut counter = Dev::enroll(&h, h.a, true).await;
    let rec = h.users["rec_a"];
    let cust = counter.make(rec, customer(1));
    let OpBody::CustomerCreated(c) = &cust.body else {
        unreachable!()
    };
    let customer = c.id;

    // No channel yet: the message waits for the counter's link.
    let (m1, b1) = message(1, customer, "9845012345");
    let op = counter.make(rec, b1);
    assert_eq!(counter.push(&[cust, op]).await.0, 200);
    assert_eq!(round(&h, &http).await, 0);
    let (st, reason) = status_of(&h, m1).await;
    assert_eq!(st, "not_sent");
    assert_eq!(reason.as_deref(), Some(hub::outbox::NO_CHANNEL));

    // A provider that cannot be reached: nothing left, so asked again.
    let closed = format!("http://127.0.0.1:{}", free_port());
    h.hub
        .set_message_channel("whatsapp", &settings(&closed))
        .unwrap();
    let (m2, b2) = message(2, customer, "9845012346");
    let (m3, b3) = message(3, customer, "9999999999");
    let ops = vec![counter.make(rec, b2), counter.make(rec, b3)];
    // Pushed twice, as a device whose answer was lost would.
    assert_eq!(counter.push(&ops).await.0, 200);
    assert_eq!(counter.push(&ops).await.0, 200);
    round(&h, &http).await;
    assert_eq!(status_of(&h, m2).await.0, "queued");
    assert!(provider.got.lock().unwrap().is_empty());

    // The provider is there: senders racing (two hub processes would)
    // ask for each message once between them.
    h.hub
        .set_message_channel("whatsapp", &settings(&provider_url))
        .unwrap();
    let (a, b) = tokio::join!(round(&h, &http), round(&h, &http));
    assert_eq!(a + b, 2, "each message asked for once");
    assert_eq!(round(&h, &http).await, 0, "and never again");
    let got = provider.got.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:#?}");
    let sent = got
        .iter()
        .find(|g| g["to"] == "919845012346")
        .expect("m2 sent");
    assert_eq!(sent["template"]["name"], "payment_received");
    assert_eq!(sent["template"]["language"]["code"], "hi");
    assert_eq!(sent["biz_opaque_callback_data"], hex::encode(m2.0));
    assert_eq!(
        sent["template"]["components"][0]["parameters"][1]["text"],
        "2,950.00"
    );
    assert_eq!(status_of(&h, m2).await.0, "sent");
    let (st, reason) = status_of(&h, m3).await;
    assert_eq!(st, "failed");
    assert!(
        reason.as_deref().unwrap_or_default().contains("131026"),
        "the provider's reason is kept: {reason:?}"
    );

    // A send a stopped hub left unanswered: reported unknown, not resent.
    let (m4, b4) = message(4, customer, "9845012347");
    let op = counter.make(rec, b4);
    assert_eq!(counter.push(&[op]).await.0, 200);
    let waiting = h.hub.messages_to_send(10).unwrap();
    assert_eq!(waiting.len(), 1);
    assert!(h.hub.claim_message(&waiting[0], "whatsapp").unwrap());
    assert!(
        !h.hub.claim_message(&waiting[0], "whatsapp").unwrap(),
        "a claim is taken once"
    );
    assert_eq!(h.hub.messages_unanswered(now_ms() + 1).unwrap(), 1);
    assert_eq!(status_of(&h, m4).await.0, "unknown");
    assert_eq!(round(&h, &http).await, 0);
    assert_eq!(provider.got.lock().unwrap().len(), 2);

    // The device hears it all from the hub, in its chain, and its replica
    // (the reference rules) agrees.
    counter.pull_all().await;
    let seen = |id: RecordId| {
        counter
            .r
            .state
            .message_status
            .get(&id)
            .map(|r| r.status.as_str())
    };
    assert_eq!(seen(m1), Some("not_sent"));
    assert_eq!(seen(m2), Some("sent"));
    assert_eq!(seen(m3), Some("failed"));
    assert_eq!(seen(m4), Some("unknown"));

    // The owner's delivery report: by branch, event and channel, what the
    // provider was asked for (and bills), and each failure with its reason.
    let hub: Arc<dyn HubStore> = h.hub.clone();
    let (counts, failures) = tokio::task::spawn_blocking(move || {
        (
            hub::reports::report(&*hub, "messages").unwrap(),
            hub::reports::report(&*hub, "message_failures").unwrap(),
        )
    })
    .await
    .unwrap();
    let col = |t: &hub::reports::Table, row: &[String], name: &str| {
        row[t.columns.iter().position(|c| c == name).unwrap()].clone()
    };
    let by_channel = |channel: &str| {
        counts
            .rows
            .iter()
            .find(|r| col(&counts, r, "channel") == channel)
            .unwrap_or_else(|| panic!("no {channel} row in {:?}", counts.rows))
            .clone()
    };
    let wa = by_channel("whatsapp");
    assert_eq!(col(&counts, &wa, "event"), "payment_received");
    assert_eq!(col(&counts, &wa, "sent"), "1");
    assert_eq!(col(&counts, &wa, "failed"), "1");
    assert_eq!(col(&counts, &wa, "unknown"), "1");
    assert_eq!(col(&counts, &wa, "asked"), "3");
    let none = by_channel("—");
    assert_eq!(col(&counts, &none, "not_sent"), "1");
    assert_eq!(col(&counts, &none, "asked"), "0");
    let reasons: Vec<String> = failures
        .rows
        .iter()
        .map(|r| {
            format!(
                "{}: {}",
                col(&failures, r, "status"),
                col(&failures, r, "reason")
            )
        })
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("failed: ") && r.contains("131026")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.starts_with("not_sent: ")),
        "{reasons:?}"
    );
}

fn now_ms() -> u64 {
    hub::store::db::now_ms()
}

/// One request's form fields.
type Form = Vec<(String, String)>;

#[derive(Clone, Default)]
struct Gateway {
    got: Arc<Mutex<Vec<Form>>>,
}

async fn gateway(State(g): State<Gateway>, body: String) -> String {
    let form: Form = serde_urlencoded::from_str(&body).unwrap();
    let n = {
        let mut got = g.got.lock().unwrap();
        got.push(form.clone());
        got.len()
    };
    let to = form
        .iter()
        .find(|(k, _)| k == "send_to")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    format!("success | {to} | 3563384466453512345-{n}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_whatsapp_a_message_goes_by_sms_under_its_dlt_template() {
    let g = Gateway::default();
    let app = axum::Router::new()
        .route("/GatewayAPI/rest", post(gateway))
        .with_state(g.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/GatewayAPI/rest", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();

    let h = start().await;
    let settings = json!({
        "base": base, "userid": "2000123456", "password": "pw", "sender": "JLCARE",
        "entity_id": "1201159100000012345",
        "templates": { "payment_received:hi": { "id": "1207161234567890123",
            "text": "प्रिय {#var#}, ₹{#var#} का भुगतान बिल {#var#} के लिए {#var#} को प्राप्त हुआ। -JLCARE" } }
    });
    h.hub
        .set_message_channel("sms", &settings.to_string())
        .unwrap();
    let mut counter = Dev::enroll(&h, h.a, true).await;
    let rec = h.users["rec_a"];
    let cust = counter.make(rec, customer(1));
    let OpBody::CustomerCreated(c) = &cust.body else {
        unreachable!()
    };
    let customer = c.id;
    let (hindi, b1) = message(11, customer, "9845012345");
    // The same event in English has no registered template: it waits for
    // the counter rather than go out unregistered (and be dropped).
    let (english, mut b2) = message(12, customer, "9845012345");
    if let OpBody::MessageQueued(m) = &mut b2 {
        m.language = Language::English;
    }
    let ops = vec![cust, counter.make(rec, b1), counter.make(rec, b2)];
    assert_eq!(counter.push(&ops).await.0, 200);
    assert_eq!(round(&h, &http).await, 1);
    let got = g.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let field = |k: &str| {
        got[0]
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(field("mask"), "JLCARE");
    assert_eq!(field("dltTemplateId"), "1207161234567890123");
    assert_eq!(field("principalEntityId"), "1201159100000012345");
    assert_eq!(field("send_to"), "919845012345");
    assert_eq!(
        field("msg"),
        "प्रिय Customer, ₹2,950.00 का भुगतान बिल JAY/2627/00001 के लिए 07-12-2026 को प्राप्त हुआ। -JLCARE"
    );
    assert_eq!(status_of(&h, hindi).await.0, "sent");
    assert_eq!(status_of(&h, english).await.0, "not_sent");
}

/// A stand-in mail server on loopback speaking just enough SMTP, keeping
/// each mail's envelope recipient and data.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<(String, String)>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Arc<Mutex<Vec<(String, String)>>> = Default::default();
    let kept = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 stand-in ESMTP\r\n").await.unwrap();
                let (mut rcpt, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            kept.lock().unwrap().push((rcpt.clone(), data.clone()));
                            w.write_all(b"250 2.0.0 OK queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-stand-in\r\n250 8BITMIME\r\n",
                        "RCPT" => {
                            rcpt = line.clone();
                            b"250 OK\r\n"
                        }
                        "DATA" => {
                            in_data = true;
                            data.clear();
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            w.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 OK\r\n",
                    };
                    w.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_whatsapp_or_sms_a_customer_with_an_address_gets_an_email() {
    let (port, mails) = smtp_server().await;
    let http = reqwest::Client::new();
    let h = start().await;
    let settings = json!({ "host": "127.0.0.1", "port": port, "from": "Jayanagar Laptop Care <care@jlcare.in>", "plain": true });
    h.hub
        .set_message_channel("email", &settings.to_string())
        .unwrap();
    let mut counter = Dev::enroll(&h, h.a, true).await;
    let rec = h.users["rec_a"];
    let mut with_mail = customer(1);
    if let OpBody::CustomerCreated(c) = &mut with_mail {
        c.email = Some("asha@example.in".into());
    }
    let cust = counter.make(rec, with_mail);
    let without = counter.make(rec, customer(2));
    let ids: Vec<RecordId> = [&cust, &without]
        .iter()
        .map(|o| match &o.body {
            OpBody::CustomerCreated(c) => c.id,
            _ => unreachable!(),
        })
        .collect();
    let (mailed, b1) = message(21, ids[0], "9845012345");
    let (not_mailed, b2) = message(22, ids[1], "9845012346");
    let ops = vec![cust, without, counter.make(rec, b1), counter.make(rec, b2)];
    assert_eq!(counter.push(&ops).await.0, 200);
    assert_eq!(round(&h, &http).await, 1);
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let (rcpt, data) = &got[0];
    assert!(rcpt.contains("asha@example.in"), "{rcpt}");
    assert!(
        data.contains("Subject: Payment received, thank you"),
        "{data}"
    );
    assert!(
        data.contains(&format!(
            "Message-ID: <{}@repair-hub>",
            hex::encode(mailed.0)
        )),
        "{data}"
    );
    assert_eq!(status_of(&h, mailed).await.0, "sent");
    assert_eq!(status_of(&h, not_mailed).await.0, "not_sent");
}
