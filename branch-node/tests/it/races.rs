//! What a busy counter does at once, over the real local API: parallel
//! intakes never share a job number (it is read in the transaction that
//! commits the job card), and a flood of parallel logins with wrong PINs
//! never gets the right one past the lock-out (each attempt is counted
//! before its PIN is checked).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::common::*;
use serde_json::{Value, json};

async fn serve(shop: &Shop) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let node = Arc::clone(&shop.node);
    tokio::spawn(async move {
        branch_node::api::serve(listener, node, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (base, tx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_parallel_intakes_never_share_a_job_number() {
    let shop = tokio::task::spawn_blocking(shop).await.unwrap();
    let (base, _stop) = serve(&shop).await;
    let http = reqwest::Client::new();
    let r: Value = http
        .post(format!("{base}/api/login"))
        .json(&json!({ "user": "Ravi Reception", "pin": PIN }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["token"].as_str().unwrap().to_string();
    let mut tasks = vec![];
    for i in 0..50 {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(format!("{base}/api/jobs"))
                .bearer_auth(&token)
                .json(&json!({
                    "new_customer": { "name": format!("Customer {i}"), "mobile": format!("98450{i:05}") },
                    "device_type": "Laptop",
                    "complaint": "No display",
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            let v: Value = r.json().await.unwrap();
            v["job"]["job_no"].as_str().unwrap().to_string()
        }));
    }
    let mut numbers = BTreeSet::new();
    for t in tasks {
        let n = t.await.unwrap();
        // Branch prefix, device number, sequence: say-able over the phone.
        assert!(n.starts_with("BLR1-1-"), "{n}");
        assert!(numbers.insert(n.clone()), "job number {n} given twice");
    }
    assert_eq!(numbers.len(), 50);
    assert_eq!(numbers.first().unwrap(), "BLR1-1-00001");
    assert_eq!(numbers.last().unwrap(), "BLR1-1-00050");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_parallel_logins_never_get_past_the_lock_out() {
    let shop = tokio::task::spawn_blocking(shop).await.unwrap();
    let (base, _stop) = serve(&shop).await;
    let http = reqwest::Client::new();
    let attempt = |pin: String| {
        let (http, base) = (http.clone(), base.clone());
        tokio::spawn(async move {
            http.post(format!("{base}/api/login"))
                .json(&json!({ "user": "Meera Manager", "pin": pin }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    // Five wrong PINs at once: each is counted, none lost to a race (each
    // is counted in the same locked step that reads the count)…
    let first: Vec<_> = (0..5)
        .map(|i| attempt(format!("{:04}", 1000 + i)))
        .collect();
    for t in first {
        assert_ne!(t.await.unwrap(), 200);
    }
    // …so the account is locked, and a flood of 195 with the right PIN
    // among them gets nothing past it.
    let flood: Vec<_> = (0..195)
        .map(|i| {
            attempt(if i == 97 {
                PIN.to_string()
            } else {
                format!("{:04}", 2000 + i)
            })
        })
        .collect();
    for t in flood {
        let status = t.await.unwrap();
        assert!(
            (400..500).contains(&status),
            "{status}: got past the lock-out"
        );
    }
    let (_, locked_until) = shop
        .node
        .read(|c| branch_node::store::people::login_attempts(c, shop.manager.user))
        .unwrap();
    assert!(locked_until > 0, "five wrong PINs and no lock");
}

/// Twenty invoices finalized at once, and one draft finalized twice at
/// once: the next leased number is read in the transaction that commits the
/// invoice, so no two share a number, and a draft becomes one invoice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_finalizations_never_share_an_invoice_number() {
    use branch_node::billing as bill;
    let shop = tokio::task::spawn_blocking(shop).await.unwrap();
    let (node, owner, acc) = (
        shop.node.clone(),
        shop.owner.clone(),
        shop.accountant.clone(),
    );
    let drafts: Vec<String> = tokio::task::spawn_blocking(move || {
        bill::grant_local_lease(
            &node,
            &owner,
            bill::LocalLeaseInput {
                doc_type: sync_core::domain::invoice_no::DocType::TaxInvoice,
                size: 100,
                fy: None,
            },
        )
        .unwrap();
        (0..21)
            .map(|i| {
                bill::create_draft(
                    &node,
                    &acc,
                    bill::DraftInput {
                        job: None,
                        customer: None,
                        customer_name: Some(format!("Walk-in {i}")),
                        customer_gstin: None,
                        customer_state: None,
                        customer_address: None,
                        lines: vec![branch_node::services::LineInput {
                            kind: sync_core::body::LineKind::Part,
                            item: None,
                            description: "USB mouse".into(),
                            hsn_sac: "84716060".into(),
                            qty: 1.into(),
                            unit: "pcs".into(),
                            unit_price: "449.50".parse().unwrap(),
                            discount: 0.into(),
                            gst_rate: 18.into(),
                        }],
                    },
                )
                .unwrap()
                .draft
                .id
                .to_string()
            })
            .collect()
    })
    .await
    .unwrap();
    let (base, _stop) = serve(&shop).await;
    let http = reqwest::Client::new();
    let r: Value = http
        .post(format!("{base}/api/login"))
        .json(&json!({ "user": "Arun Accounts", "pin": PIN }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["token"].as_str().unwrap().to_string();
    // Draft 0 twice; the other twenty once each.
    let mut tasks = vec![];
    for d in drafts.iter().chain(std::iter::once(&drafts[0])) {
        let (http, base, token, d) = (http.clone(), base.clone(), token.clone(), d.clone());
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(format!("{base}/api/drafts/{d}/finalize"))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }));
    }
    let mut numbers = BTreeSet::new();
    let mut refused = 0;
    for t in tasks {
        let (status, v) = t.await.unwrap();
        match status {
            201 => assert!(
                numbers.insert(v["number"].as_str().unwrap().to_string()),
                "a number issued twice: {v}"
            ),
            _ => {
                assert!(status < 500, "{status}: {v}");
                refused += 1;
            }
        }
    }
    assert_eq!((numbers.len(), refused), (21, 1), "{numbers:?}");
}
